"""Sign-in and sign-out: ``GET /login``, ``POST /login``, ``POST /logout``.

The password check is the API's (``operations.users.authenticate``: one answer for every cause,
one argon2 verification whatever the email), and so is the login limit: the middleware counts
``POST /login`` in the same per-address login bucket as ``POST /api/auth/login`` before this code
runs, and CSRF is checked before the password (``csrf``). A successful sign-in replaces any session
the browser had (a fresh id: no fixation) and goes back to the page that asked for it (``next``,
local paths only).
"""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sentinel_cli.api.deps import leased_store, state_of
from sentinel_cli.errors import Unauthorized
from sentinel_cli.operations import users
from sentinel_cli.web.auth import current_session
from sentinel_cli.web.cookies import PRESESSION_COOKIE, SESSION_COOKIE, clear_cookie, set_cookie
from sentinel_cli.web.forms import read_form
from sentinel_cli.web.paths import HOME_PATH, LOGIN_PATH, LOGOUT_PATH, safe_next
from sentinel_cli.web.routing import page_router
from sentinel_cli.web.sessions import end_session, new_secret, start_session
from sentinel_cli.web.templating import render

router = page_router()

PRESESSION_TTL_SECONDS = 3600
"""How long a sign-in form stays usable (its CSRF cookie)."""
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


def _login_page(
    request: Request, *, next_path: str, error: str | None, email: str, status: int
) -> Response:
    token = request.cookies.get(PRESESSION_COOKIE) or ""
    if not _TOKEN_SHAPE.match(token):
        token = new_secret()
    response = render(
        request,
        "login.html",
        {"csrf_token": token, "next": next_path, "error": error, "email": email},
        title="Sign in",
        status=status,
    )
    set_cookie(response, request, PRESESSION_COOKIE, token, max_age=PRESESSION_TTL_SECONDS)
    return response


@router.get(LOGIN_PATH)
def login_form(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next")) or ""
    if current_session(request) is not None:
        return RedirectResponse(next_path or HOME_PATH, status_code=303)
    return _login_page(request, next_path=next_path, error=None, email="", status=200)


@router.post(LOGIN_PATH)
async def login(request: Request) -> Response:
    form = await read_form(request)
    email = (form.get("email") or "").strip()
    next_path = safe_next(form.get("next")) or ""
    store = leased_store(request)
    try:
        user = await run_in_threadpool(
            users.authenticate, store, email=email, password=form.get("password") or ""
        )
    except Unauthorized as exc:
        return _login_page(request, next_path=next_path, error=exc.message, email=email, status=401)
    ttl = state_of(request).settings.token_ttl_seconds
    previous = request.cookies.get(SESSION_COOKIE)

    def begin() -> str:
        if previous:
            end_session(store, previous)
        return start_session(store, user, ttl_seconds=ttl)

    session_id = await run_in_threadpool(begin)
    response = RedirectResponse(next_path or HOME_PATH, status_code=303)
    set_cookie(response, request, SESSION_COOKIE, session_id, max_age=ttl)
    clear_cookie(response, request, PRESESSION_COOKIE)
    return response


@router.post(LOGOUT_PATH)
def logout(request: Request) -> Response:
    """End the session (its cookie is refused from now on) and go to the sign-in page. Needs only
    the CSRF token of the session cookie, so an expired session can still be signed out."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        end_session(leased_store(request), session_id)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    clear_cookie(response, request, SESSION_COOKIE)
    return response

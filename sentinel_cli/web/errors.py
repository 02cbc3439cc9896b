"""Failures of a page as pages: 303 to sign-in, 403, 404, 400 with the message, never a traceback.

``install`` adds handlers beside the API's (``api.errors``) and wraps the API's handlers for
``SentinelError`` and Starlette's ``HTTPException``: a failure on a dashboard route (or on an
unknown path outside ``/api`` that a browser asked for, ``Accept: text/html``) becomes an HTML page
in the layout; everything else is handed to the API's handler unchanged, so ``/api`` keeps its JSON
envelope and a script asking for an unknown path still gets JSON.

Messages are the operations' own (written for users, never holding a secret); a store that cannot
be opened says only that, as the API does. An exception no handler knows reaches the API's
middleware, which logs it and answers with ``gate.PageGate.error_page``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sentinel_cli.api.errors import BUSY_MESSAGE, BUSY_RETRY_AFTER_SECONDS, is_store_busy
from sentinel_cli.errors import SentinelError, StoreUnavailable
from sentinel_cli.web.auth import PageForbidden, SignInRequired
from sentinel_cli.web.csrf import CsrfRefused
from sentinel_cli.web.paths import HOME_PATH, LOGIN_PATH
from sentinel_cli.web.routing import is_page_route
from sentinel_cli.web.templating import is_htmx, render, render_text

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]

TITLES = {
    400: "Bad request",
    401: "Sign-in required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Busy",
}


def title_for(status: int) -> str:
    if status in TITLES:
        return TITLES[status]
    return HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"


def error_page_bytes(status: int, message: str) -> bytes:
    """A signed-out error page (for refusals made before routing, by the middleware)."""
    values = {"status": status, "title": title_for(status), "message": message, "hint": None}
    return render_text("error.html", values).encode("utf-8")


def page(
    request: Request,
    status: int,
    message: str,
    *,
    hint: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The error page in the layout (with the navigation when signed in)."""
    title = title_for(status)
    return render(
        request,
        "error.html",
        {"status": status, "message": message, "hint": hint},
        title=title,
        status=status,
        headers=headers,
    )


def is_page_request(request: Request) -> bool:
    """Whether a failure of this request should be answered with a page (see module docstring)."""
    path = request.url.path
    if path == "/api" or path.startswith("/api/"):
        return False
    if is_page_route(request.scope.get("route")):
        return True
    return "text/html" in request.headers.get("accept", "")


def sign_in_redirect(request: Request, exc: Exception) -> Response:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = LOGIN_PATH if here == HOME_PATH else f"{LOGIN_PATH}?next={quote(here, safe='')}"
    if is_htmx(request):  # htmx would follow a redirect and swap the sign-in page into a table
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageForbidden)
    return page(request, 403, exc.message)


def csrf_refused(request: Request, exc: Exception) -> Response:
    return page(
        request,
        403,
        f"Refused: {exc}.",
        hint="Reload the page and submit the form again.",
    )


def _sentinel_page(request: Request, exc: SentinelError) -> Response:
    if isinstance(exc, StoreUnavailable) and is_store_busy(exc):
        return page(
            request, 503, BUSY_MESSAGE, headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)}
        )
    if isinstance(exc, StoreUnavailable):
        return page(request, exc.http_status, "The server's store is unavailable; see its log.")
    return page(request, exc.http_status, exc.message, hint=exc.hint)


def _http_page(request: Request, exc: StarletteHTTPException) -> Response:
    status = exc.status_code
    if status == 404:
        message = f"There is no page at {request.url.path}."
    elif status == 405:
        message = f"{request.method} is not allowed on {request.url.path}."
    else:
        message = exc.detail if isinstance(exc.detail, str) else title_for(status)
    return page(request, status, message, headers=dict(exc.headers or {}))


def _wrap(previous: Handler | None, own: Callable[[Request, Any], Response]) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        if is_page_request(request) or previous is None:
            return own(request, exc)
        answer = previous(request, exc)
        return answer if isinstance(answer, Response) else await answer

    return handler


def install(app: FastAPI) -> None:
    """Add the page handlers; call after the API's ``install_error_handlers``."""
    handlers = app.exception_handlers
    app.add_exception_handler(SignInRequired, sign_in_redirect)
    app.add_exception_handler(PageForbidden, forbidden)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(SentinelError, _wrap(handlers.get(SentinelError), _sentinel_page))
    app.add_exception_handler(
        StarletteHTTPException, _wrap(handlers.get(StarletteHTTPException), _http_page)
    )

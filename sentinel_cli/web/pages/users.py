"""``/users`` (ADMIN): the users, the form that adds one, and per user the controls that change
their role and disable or enable them.

Each action is the API's use case for it, ADMIN as there: ``list_users``, ``add_user`` (``POST
/api/users``; the plan's user limit applies), ``update_user`` (``PATCH /api/users/{id}``) with a
role or with ``disabled``. The operation's rules hold here too: the last enabled ADMIN can be
neither demoted nor disabled, and a role change or a disable ends the user's tokens and web
sessions at once. A refusal shows the page with its message; the password typed is never shown
again.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sentinel_cli.errors import SentinelError, StoreUnavailable
from sentinel_cli.operations.users import MIN_PASSWORD_LENGTH, ROLES
from sentinel_cli.web.auth import Admin
from sentinel_cli.web.calls import call
from sentinel_cli.web.forms import read_form
from sentinel_cli.web.routing import page_router
from sentinel_cli.web.sessions import WebSession
from sentinel_cli.web.templating import render

router = page_router()


def _page(
    request: Request,
    session: WebSession,
    *,
    values: dict[str, str] | None = None,
    error: SentinelError | None = None,
    row_error: SentinelError | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "users/list.html",
        {
            "users": call(request, session, "list_users"),
            "roles": ROLES,
            "values": values or {"role": "VIEWER"},
            "error": error,
            "row_error": row_error,
            "min_password": MIN_PASSWORD_LENGTH,
        },
        title="Users",
        active="users",
        status=status,
    )


@router.get("/users")
def users_page(request: Request, session: Admin) -> Response:
    return _page(request, session)


@router.post("/users")
async def add_user(request: Request, session: Admin) -> Response:
    form = await read_form(request)
    values = {k: (form.get(k) or "").strip() for k in ("email", "role", "name")}
    try:
        await run_in_threadpool(
            call,
            request,
            session,
            "add_user",
            email=values["email"],
            role=values["role"],
            password=form.get("password") or "",
            name=values["name"] or None,
        )
    except SentinelError as exc:
        if isinstance(exc, StoreUnavailable):
            raise
        return await run_in_threadpool(
            _page, request, session, values=values, error=exc, status=exc.http_status
        )
    return RedirectResponse("/users", status_code=303)


async def _update(
    request: Request, session: WebSession, user_id: str, **change: object
) -> Response:
    try:
        await run_in_threadpool(call, request, session, "update_user", ident=user_id, **change)
    except SentinelError as exc:
        if isinstance(exc, StoreUnavailable) or exc.http_status == 404:
            raise
        return await run_in_threadpool(
            _page, request, session, row_error=exc, status=exc.http_status
        )
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}/role")
async def change_role(user_id: str, request: Request, session: Admin) -> Response:
    form = await read_form(request)
    return await _update(request, session, user_id, role=(form.get("role") or "").strip())


@router.post("/users/{user_id}/disable")
async def disable(user_id: str, request: Request, session: Admin) -> Response:
    return await _update(request, session, user_id, disabled=True)


@router.post("/users/{user_id}/enable")
async def enable(user_id: str, request: Request, session: Admin) -> Response:
    return await _update(request, session, user_id, disabled=False)

"""``/exceptions``: the risk exceptions (accepted risks) in force, or all of them with ``?all=1``,
who added each, the form that adds one (MEMBER) and the button that revokes one (ADMIN).

Adding is the API's ``add_exception`` use case with the caller's role, so its rules apply here as
there: a MEMBER's exception lasts at most ``exceptions.maxDays`` days and cannot cover every
resource (a pattern of only ``*`` and ``?``); the page shows the operation's refusal above the
form, with what was typed. Revoking is ``remove_exception`` (ADMIN, as ``DELETE
/api/exceptions/{id}``): the exception ends now and stays in the history. ``?check=`` and
``?resource=`` fill the form, so another page can link to "accept this risk".
"""

from __future__ import annotations

from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sentinel_cli.errors import InvalidInput, SentinelError, StoreUnavailable
from sentinel_cli.operations.exceptions import max_days
from sentinel_cli.timeutil import utcnow
from sentinel_cli.web.auth import Admin, Member, Viewer
from sentinel_cli.web.calls import call
from sentinel_cli.web.forms import read_form
from sentinel_cli.web.routing import page_router
from sentinel_cli.web.sessions import WebSession
from sentinel_cli.web.templating import render

router = page_router()

FIELDS = ("check_id", "resource", "reason", "owner", "expires")
DEFAULT_DAYS = 90
"""The expiry the form suggests (a quarter; the operation's cap is ``max_days()``)."""


def _limit_days() -> int | None:
    try:
        return max_days()
    except InvalidInput:
        return None  # a broken settings.yaml: adding says so, the list still shows


def _page(
    request: Request,
    session: WebSession,
    *,
    values: dict[str, str] | None = None,
    error: SentinelError | None = None,
    revoke_error: SentinelError | None = None,
    status: int = 200,
) -> Response:
    include_all = request.query_params.get("all") in ("1", "true")
    listed = call(request, session, "list_exceptions", include_all=include_all)["exceptions"]
    catalogue = call(request, session, "list_checks")["checks"]
    limit = _limit_days()
    suggested = min(DEFAULT_DAYS, limit) if limit else DEFAULT_DAYS
    defaults = {
        "check_id": request.query_params.get("check", ""),
        "resource": request.query_params.get("resource", ""),
        "reason": "",
        "owner": session.email,
        "expires": (utcnow().date() + timedelta(days=suggested)).isoformat(),
    }
    return render(
        request,
        "exceptions/list.html",
        {
            "exceptions": listed,
            "include_all": include_all,
            "check_ids": [c["id"] for c in catalogue],
            "values": values or defaults,
            "error": error,
            "revoke_error": revoke_error,
            "limit_days": limit,
            "today": utcnow().date().isoformat(),
        },
        title="Exceptions",
        active="exceptions",
        status=status,
    )


@router.get("/exceptions")
def exceptions_page(request: Request, session: Viewer) -> Response:
    return _page(request, session)


@router.post("/exceptions")
async def add(request: Request, session: Member) -> Response:
    form = await read_form(request)
    values = {name: form.get(name, "") for name in FIELDS}
    try:
        await run_in_threadpool(
            call,
            request,
            session,
            "add_exception",
            check_id=values["check_id"].strip(),
            resource=values["resource"].strip() or None,
            reason=values["reason"],
            owner=values["owner"],
            expires=values["expires"],
        )
    except SentinelError as exc:
        if isinstance(exc, StoreUnavailable):
            raise
        return await run_in_threadpool(
            _page, request, session, values=values, error=exc, status=exc.http_status
        )
    return RedirectResponse("/exceptions", status_code=303)


@router.post("/exceptions/{exception_id}/revoke")
def revoke(exception_id: str, request: Request, session: Admin) -> Response:
    try:
        call(request, session, "remove_exception", exception_id=exception_id)
    except SentinelError as exc:
        if isinstance(exc, StoreUnavailable) or exc.http_status == 404:
            raise
        return _page(request, session, revoke_error=exc, status=exc.http_status)
    return RedirectResponse("/exceptions", status_code=303)

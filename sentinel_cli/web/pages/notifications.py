"""``/notifications`` (ADMIN): the notification destinations, the recent deliveries, the form that
adds a destination and, per destination, the buttons that send a test message and remove it.

Each action is the API's use case for it, ADMIN as there: ``list_notifications``,
``list_notification_deliveries``, ``get_smtp`` (shown, not edited here: the password belongs on
standard input, ``sentinel notify smtp``), ``add_notification`` (``POST /api/notifications``),
``test_notification`` and ``remove_notification``. Adding a webhook answers with the page showing
its signing secret this once (not a redirect: nothing can show it again). A test answers with the
page and the delivery's outcome; the server's outbound rule applies as for the API.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sentinel_cli.errors import SentinelError, StoreUnavailable
from sentinel_cli.operations.notify_payloads import EVENTS, KINDS
from sentinel_cli.web.auth import Admin
from sentinel_cli.web.calls import call
from sentinel_cli.web.forms import read_form
from sentinel_cli.web.routing import page_router
from sentinel_cli.web.sessions import WebSession
from sentinel_cli.web.templating import render
from sentinel_cli.wire import SEVERITIES

router = page_router()

RECENT_DELIVERIES = 20


def _page(
    request: Request,
    session: WebSession,
    *,
    values: dict[str, Any] | None = None,
    error: SentinelError | None = None,
    row_error: SentinelError | None = None,
    added: dict[str, Any] | None = None,
    tested: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "notifications/list.html",
        {
            "destinations": call(request, session, "list_notifications"),
            "deliveries": call(
                request, session, "list_notification_deliveries", limit=RECENT_DELIVERIES
            ),
            "smtp": call(request, session, "get_smtp"),
            "kinds": KINDS,
            "events": EVENTS,
            "severities": SEVERITIES,
            "values": values or {"kind": "webhook", "events": list(EVENTS)},
            "error": error,
            "row_error": row_error,
            "added": added,
            "tested": tested,
        },
        title="Notifications",
        active="notifications",
        status=status,
    )


@router.get("/notifications")
def notifications_page(request: Request, session: Admin) -> Response:
    return _page(request, session)


@router.post("/notifications")
async def add(request: Request, session: Admin) -> Response:
    form = await read_form(request)
    values: dict[str, Any] = {
        "kind": (form.get("kind") or "").strip(),
        "url": (form.get("url") or "").strip(),
        "to": (form.get("to") or "").strip(),
        "min_severity": (form.get("min_severity") or "").strip(),
        "events": form.getlist("events"),
    }
    try:
        added = await run_in_threadpool(
            call,
            request,
            session,
            "add_notification",
            kind=values["kind"],
            url=values["url"] or None,
            to=values["to"] or None,
            events=values["events"] or None,
            min_severity=values["min_severity"] or None,
        )
    except SentinelError as exc:
        if isinstance(exc, StoreUnavailable):
            raise
        return await run_in_threadpool(
            _page, request, session, values=values, error=exc, status=exc.http_status
        )
    return await run_in_threadpool(_page, request, session, added=added)


@router.post("/notifications/{destination_id}/test")
async def test(destination_id: str, request: Request, session: Admin) -> Response:
    delivery = await run_in_threadpool(
        call, request, session, "test_notification", destination_id=destination_id
    )
    return await run_in_threadpool(_page, request, session, tested=delivery)


@router.post("/notifications/{destination_id}/remove")
def remove(destination_id: str, request: Request, session: Admin) -> Response:
    try:
        call(request, session, "remove_notification", destination_id=destination_id)
    except SentinelError as exc:
        if isinstance(exc, StoreUnavailable) or exc.http_status == 404:
            raise
        return _page(request, session, row_error=exc, status=exc.http_status)
    return RedirectResponse("/notifications", status_code=303)

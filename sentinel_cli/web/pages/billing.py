"""``/billing``: the plan, the subscription's status and period, usage against the plan's limits
(bars with the numbers written out), the features, and every plan for comparison; an ADMIN can
change the plan here.

The numbers are the API's ``subscription`` and ``list_plans`` use cases (``GET
/api/billing/subscription``, ``/api/billing/plans``); changing the plan is
``update_subscription`` (ADMIN, ``PATCH /api/billing/subscription``), effective at once. A
downgrade below current usage is allowed, as there: nothing is removed and the page shows by how
much usage is over the new plan.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sentinel_cli.errors import SentinelError, StoreUnavailable
from sentinel_cli.web.auth import Admin, Viewer
from sentinel_cli.web.calls import call
from sentinel_cli.web.forms import read_form
from sentinel_cli.web.routing import page_router
from sentinel_cli.web.sessions import WebSession
from sentinel_cli.web.templating import render

router = page_router()

METERS = (
    # (usage key, limits key, label)
    ("integrations", "integrations", "Integrations"),
    ("checks", "checksPerPeriod", "Checks this period"),
    ("users", "maxUsers", "Users"),
)
NEAR_LIMIT = 0.8
"""From this share of a limit on, the bar is drawn as "high" (the number says the same)."""


def usage_rows(subscription: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key, limit_key, label in METERS:
        used = subscription["usage"][key]
        limit = subscription["limits"][limit_key]
        rows.append(
            {
                "key": key,
                "label": label,
                "used": used,
                "limit": limit,
                "remaining": subscription["remaining"].get(key),
                "over": subscription["overLimit"].get(key, 0),
                "high": None if limit is None else max(1, int(limit * NEAR_LIMIT)),
            }
        )
    return rows


def _page(
    request: Request,
    session: WebSession,
    *,
    error: SentinelError | None = None,
    status: int = 200,
) -> Response:
    subscription = call(request, session, "subscription")
    return render(
        request,
        "billing/page.html",
        {
            "sub": subscription,
            "usage": usage_rows(subscription),
            "plans": call(request, session, "list_plans"),
            "error": error,
        },
        title="Billing",
        active="billing",
        status=status,
    )


@router.get("/billing")
def billing_page(request: Request, session: Viewer) -> Response:
    return _page(request, session)


@router.post("/billing/plan")
async def change_plan(request: Request, session: Admin) -> Response:
    form = await read_form(request)
    try:
        await run_in_threadpool(
            call, request, session, "update_subscription", tier=(form.get("tier") or "").strip()
        )
    except SentinelError as exc:
        if isinstance(exc, StoreUnavailable):
            raise
        return await run_in_threadpool(_page, request, session, error=exc, status=exc.http_status)
    return RedirectResponse("/billing", status_code=303)

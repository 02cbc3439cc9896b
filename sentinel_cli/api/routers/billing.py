"""``/api/billing``: the subscription, plans and limits; ADMINs change the plan or status.

The limits routes return the limits object itself as ``data`` (``allowed``, ``used``, ``limit``,
``remaining``, ...), exactly what ``sentinel billing limits integrations|checks --json`` prints.
The REST API itself is served on every tier: a self-hosted install pays for what it collects, not
for the interface it uses (documented in the README).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from sentinel_cli.api.auth import Admin, Viewer
from sentinel_cli.api.deps import StoreDep
from sentinel_cli.api.errors import ok
from sentinel_cli.api.models import ERRORS, SubscriptionPatchBody, doc
from sentinel_cli.operations import billing

router = APIRouter(prefix="/api/billing", tags=["billing"], responses=ERRORS)
Obj = dict[str, Any]


@router.get("/subscription", **doc("Subscription", subscription=Obj))
def subscription(principal: Viewer, store: StoreDep) -> JSONResponse:
    """Tier, status, billing period, usage, limits and features."""
    return ok({"subscription": billing.subscription(store)})


@router.patch("/subscription", **doc("SubscriptionUpdated", subscription=Obj))
def update_subscription(
    body: SubscriptionPatchBody, principal: Admin, store: StoreDep
) -> JSONResponse:
    """Change the plan (``tier``) and/or the status, effective at once."""
    sub = billing.update_subscription(
        store, tier=body.tier, status=body.status, actor=principal.email
    )
    return ok({"subscription": sub})


@router.get("/plans", **doc("Plans", plans=list[Obj]))
def plans(principal: Viewer) -> JSONResponse:
    return ok({"plans": billing.list_plans()})


@router.get("/limits/integrations", **doc("IntegrationLimit"))
def limits_integrations(principal: Viewer, store: StoreDep) -> JSONResponse:
    """Whether one more integration may be connected."""
    return ok(billing.limits_integrations(store))


@router.get("/limits/checks", **doc("CheckLimit"))
def limits_checks(principal: Viewer, store: StoreDep) -> JSONResponse:
    """Checks left in the current billing period and when it resets."""
    return ok(billing.limits_checks(store))

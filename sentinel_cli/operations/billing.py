"""Billing: the subscription, its monthly periods, metered usage and the limits the product enforces.

Sentinel is self-hosted, so "billing" is one subscription row (created on first use, on FREE) with a
plan from ``plans.yaml``, a status and a monthly UTC period. Usage is metered where it happens:
every evidence item a collection writes counts as one check in the current period (one
``usage_records`` row per job), and integrations count while connected (a count of the
integrations table, nothing recorded).

Periods roll over by date, with no cron: every function here first brings the subscription to the
period containing ``now`` (possibly several months on), so the first use after a period ends opens
the new one and usage starts at zero. Periods are anchored on the creation day (midnight UTC) and
step by calendar months from that anchor, so a subscription begun on the 31st bills on the last day
of shorter months without drifting to the 28th for ever.

Enforcement lives here so the CLI and the API share it. The ``ensure_*`` functions and
``record_checks`` never open a transaction: they run inside the caller's (connect, job finish), so
a refusal rolls back the caller's writes too. Refusals raise ``PlanLimitExceeded`` (CLI exit 5,
HTTP 403) whose message names the limit, the current tier and the cheapest tier that lifts it. A
PAST_DUE or CANCELED subscription keeps read access but refuses new collections and integrations.
Every function takes ``now`` (UTC) so tests move the clock instead of sleeping.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sentinel_cli.errors import InvalidInput, PlanLimitExceeded
from sentinel_cli.plans import DEFAULT_TIER, Plan, first_plan_allowing, get_plan, load_plans
from sentinel_cli.store import Store
from sentinel_cli.timeutil import add_months, parse_iso, to_iso, utcnow
from sentinel_cli.wire import ChecksLimit, IntegrationsLimit, Subscription, Usage
from sentinel_cli.wire import Plan as PlanShape

STATUSES: tuple[str, ...] = ("TRIALING", "ACTIVE", "PAST_DUE", "CANCELED")
ACTIVE_STATUSES: tuple[str, ...] = ("TRIALING", "ACTIVE")
METRIC_CHECKS = "checks"
Metric = Literal["integrations", "checks", "users"]
METRICS: tuple[Metric, ...] = ("integrations", "checks", "users")
"""The keys of a subscription's ``usage``, ``remaining`` and ``overLimit``, in that order."""


@dataclass(frozen=True)
class _Current:
    """The subscription brought to the period containing ``now``, with its plan."""

    row: dict[str, Any]
    plan: Plan
    now: datetime

    @property
    def active(self) -> bool:
        return self.row["status"] in ACTIVE_STATUSES

    @property
    def period_start(self) -> str:
        return str(self.row["current_period_start"])

    @property
    def period_end(self) -> str:
        return str(self.row["current_period_end"])


# --- periods -------------------------------------------------------------------------------------


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def _period_containing(anchor: datetime, now: datetime) -> tuple[datetime, datetime]:
    """The monthly period, stepped from ``anchor``, that contains ``now`` (``now >= anchor``)."""
    months = (now.year - anchor.year) * 12 + (now.month - anchor.month)
    while months > 0 and add_months(anchor, months) > now:
        months -= 1
    while add_months(anchor, months + 1) <= now:
        months += 1
    return add_months(anchor, months), add_months(anchor, months + 1)


def _anchor(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _current(store: Store, now: datetime | None) -> _Current:
    """Create the subscription on first use and roll its period forward. No transaction of its own."""
    moment = _utc(now)
    row = store.billing.get_subscription()
    if row is None:
        start = _anchor(moment)
        store.billing.create_subscription(
            subscription_id=str(uuid.uuid4()),
            tier=DEFAULT_TIER,
            status="ACTIVE",
            period_start=to_iso(start),
            period_end=to_iso(add_months(start, 1)),
            at=to_iso(moment),
        )
        row = store.billing.get_subscription()
        assert row is not None
    elif moment >= parse_iso(row["current_period_end"]):
        start, end = _period_containing(_anchor(parse_iso(row["created_at"])), moment)
        store.billing.advance_period(
            row["id"],
            from_end=row["current_period_end"],
            start=to_iso(start),
            end=to_iso(end),
            at=to_iso(moment),
        )
        row = store.billing.get_subscription()
        assert row is not None
    return _Current(row=row, plan=get_plan(row["tier"]), now=moment)


# --- refusals ------------------------------------------------------------------------------------


def _number(value: int) -> str:
    return f"{value:,}"


def _inactive_refusal(cur: _Current, what: str) -> PlanLimitExceeded | None:
    if cur.active:
        return None
    return PlanLimitExceeded(
        f"the subscription is {cur.row['status']}: {what} are refused until it is active again; "
        "evidence and reports already generated stay readable",
        hint="once payment is settled an admin reactivates it: sentinel billing set-status ACTIVE",
    )


def _upgrade(attr: str, needed: int, unit: str) -> tuple[str, str]:
    """(" — the X plan allows N unit", hint) naming the cheapest tier that allows ``needed``."""
    lifting = first_plan_allowing({attr: needed})
    if lifting is None:  # pragma: no cover - the top tier is unlimited in plans.yaml
        return "", "no plan allows that much"
    allows = getattr(lifting, attr)
    amount = "unlimited" if allows is None else _number(allows)
    return (
        f"; the {lifting.tier} plan allows {amount} {unit}",
        f"upgrade with: sentinel billing plan set {lifting.tier}",
    )


def _integration_refusal(cur: _Current, used: int) -> PlanLimitExceeded | None:
    inactive = _inactive_refusal(cur, "new integrations")
    if inactive is not None:
        return inactive
    limit = cur.plan.integrations
    if limit is None or used < limit:
        return None
    over = f" ({used - limit} over the limit)" if used > limit else ""
    lift, hint = _upgrade("integrations", used + 1, "integrations")
    return PlanLimitExceeded(
        f"integration limit reached: the {cur.plan.tier} plan allows {_number(limit)} "
        f"integrations and {used} are connected{over}{lift}",
        hint=f"{hint}, or remove one: sentinel integrations remove ID",
    )


def _checks_refusal(cur: _Current, used: int, expected: int | None) -> PlanLimitExceeded | None:
    inactive = _inactive_refusal(cur, "new collections")
    if inactive is not None:
        return inactive
    limit = cur.plan.checks_per_period
    if limit is None:
        return None
    remaining = max(0, limit - used)
    # Without an estimate, any remaining check allows a start; with one, it must fit.
    if (remaining > 0) if expected is None else (expected <= remaining):
        return None
    needed = max(expected or 0, 1)
    lift, hint = _upgrade("checks_per_period", used + needed, "checks per period")
    allowance = f"the {cur.plan.tier} plan allows {_number(limit)} checks per billing period"
    if remaining == 0:
        head = f"check limit reached: {allowance} and {_number(used)} are used"
    else:
        head = (
            f"check limit: this collection would produce about {_number(needed)} checks but only "
            f"{_number(remaining)} remain ({allowance}, {_number(used)} used)"
        )
    return PlanLimitExceeded(
        f"{head}; the period resets at {cur.period_end}{lift}",
        hint=f"{hint}, or wait until {cur.period_end}",
    )


def _users_refusal(cur: _Current, used: int) -> PlanLimitExceeded | None:
    limit = cur.plan.max_users
    if limit is None or used < limit:
        return None
    lift, hint = _upgrade("max_users", used + 1, "users")
    return PlanLimitExceeded(
        f"user limit reached: the {cur.plan.tier} plan allows {_number(limit)} users "
        f"and {used} are enabled{lift}",
        hint=f"{hint}, or disable a user",
    )


# --- enforcement (inside the caller's transaction) -----------------------------------------------


def ensure_can_add_integration(store: Store, *, now: datetime | None = None) -> None:
    """Refuse connecting one more integration beyond the plan, or while the subscription is inactive.

    Call it inside the transaction that inserts the integration, before the insert.
    """
    cur = _current(store, now)
    refusal = _integration_refusal(cur, store.integrations.count_active())
    if refusal is not None:
        raise refusal


def ensure_can_collect(
    store: Store, *, expected_checks: int | None = None, now: datetime | None = None
) -> None:
    """Refuse a collection when the subscription is inactive, no checks remain this period, or
    ``expected_checks`` (the evidence items it will write, or an estimate) exceed what remains.

    Call it before a job starts (with the integration's previous job size, see ``expected_checks``)
    and again, with the real item count, inside the transaction that writes the job's evidence.
    """
    cur = _current(store, now)
    used = store.billing.usage_total(cur.row["id"], METRIC_CHECKS, cur.period_start)
    refusal = _checks_refusal(cur, used, expected_checks)
    if refusal is not None:
        raise refusal


def ensure_can_add_user(store: Store, *, now: datetime | None = None) -> None:
    """Refuse enabling one more ``sentinel serve`` user beyond the plan's ``maxUsers``.

    Administration stays possible on an inactive subscription, so only the count is checked.
    """
    cur = _current(store, now)
    refusal = _users_refusal(cur, store.billing.count_enabled_users())
    if refusal is not None:
        raise refusal


def ensure_report_type(store: Store, report_type: str, *, now: datetime | None = None) -> None:
    """Refuse generating a report type the plan does not include (reading old reports is fine)."""
    cur = _current(store, now)
    if report_type in cur.plan.report_types:
        return
    lifting = next((p for p in load_plans() if report_type in p.report_types), None)
    upgrade = f"; the {lifting.tier} plan includes it" if lifting else ""
    raise PlanLimitExceeded(
        f"the {cur.plan.tier} plan does not include {report_type} reports "
        f"(it includes {', '.join(cur.plan.report_types)}){upgrade}",
        hint=f"upgrade with: sentinel billing plan set {lifting.tier}" if lifting else None,
    )


def expected_checks(store: Store, integration_id: str) -> int | None:
    """An estimate of the checks a collection of the integration will use: its last job's size."""
    return store.billing.last_completed_job_size(integration_id)


def record_checks(store: Store, quantity: int, *, job_id: str, now: datetime | None = None) -> None:
    """Meter ``quantity`` checks (evidence items) of job ``job_id`` against the current period.

    Opens no transaction: call it inside the transaction that writes the job's evidence, so the
    usage and the evidence commit or roll back together.
    """
    if quantity < 0:
        raise ValueError("quantity must not be negative")
    cur = _current(store, now)
    if quantity == 0:
        return
    store.billing.add_usage(
        usage_id=str(uuid.uuid4()),
        subscription_id=cur.row["id"],
        metric=METRIC_CHECKS,
        quantity=quantity,
        period_start=cur.period_start,
        recorded_at=to_iso(cur.now),
        source_id=job_id,
    )


# --- reads ---------------------------------------------------------------------------------------


def _remaining(limit: int | None, used: int) -> int | None:
    return None if limit is None else max(0, limit - used)


def _subscription_shape(store: Store, cur: _Current) -> Subscription:
    plan = cur.plan
    usage: Usage = {
        "integrations": store.integrations.count_active(),
        "checks": store.billing.usage_total(cur.row["id"], METRIC_CHECKS, cur.period_start),
        "users": store.billing.count_enabled_users(),
    }
    limits: dict[Metric, int | None] = {
        "integrations": plan.integrations,
        "checks": plan.checks_per_period,
        "users": plan.max_users,
    }
    over: dict[str, int] = {
        name: usage[name] - limit
        for name in METRICS
        if (limit := limits[name]) is not None and usage[name] > limit
    }
    return {
        "id": cur.row["id"],
        "tier": plan.tier,
        "planName": plan.name,
        "status": cur.row["status"],
        "active": cur.active,
        "currentPeriodStart": cur.period_start,
        "currentPeriodEnd": cur.period_end,
        "monthlyPriceUsd": plan.monthly_price_usd,
        "usage": usage,
        "limits": plan.limits(),
        "remaining": {name: _remaining(limits[name], usage[name]) for name in METRICS},
        "overLimit": over,
        "features": plan.features(),
        "createdAt": cur.row["created_at"],
        "updatedAt": cur.row["updated_at"],
    }


def subscription(store: Store, *, now: datetime | None = None) -> Subscription:
    """The spec's subscription object: tier, status, period, usage, limits, features, overage.

    ``usage``, ``remaining`` and ``overLimit`` are keyed ``integrations``, ``checks``, ``users``;
    ``limits`` keeps the plan's names (``checksPerPeriod``, ``maxUsers``). ``overLimit`` maps a
    metric to how far usage exceeds the plan (after a downgrade) and is empty otherwise.
    """
    return _subscription_shape(store, _current(store, now))


def limits_integrations(
    store: Store, *, enforce: bool = False, now: datetime | None = None
) -> IntegrationsLimit:
    """``GET /api/billing/limits/integrations``: may one more integration be connected?"""
    cur = _current(store, now)
    used = store.integrations.count_active()
    refusal = _integration_refusal(cur, used)
    if enforce and refusal is not None:
        raise refusal
    return {
        "allowed": refusal is None,
        "used": used,
        "limit": cur.plan.integrations,
        "remaining": _remaining(cur.plan.integrations, used),
        "tier": cur.plan.tier,
        "status": cur.row["status"],
        "message": None if refusal is None else refusal.message,
    }


def limits_checks(
    store: Store, *, enforce: bool = False, now: datetime | None = None
) -> ChecksLimit:
    """``GET /api/billing/limits/checks``: checks left in the current period and when it resets."""
    cur = _current(store, now)
    used = store.billing.usage_total(cur.row["id"], METRIC_CHECKS, cur.period_start)
    refusal = _checks_refusal(cur, used, None)
    if enforce and refusal is not None:
        raise refusal
    return {
        "allowed": refusal is None,
        "used": used,
        "limit": cur.plan.checks_per_period,
        "remaining": _remaining(cur.plan.checks_per_period, used),
        "periodStart": cur.period_start,
        "resetsAt": cur.period_end,
        "tier": cur.plan.tier,
        "status": cur.row["status"],
        "message": None if refusal is None else refusal.message,
    }


def list_plans() -> list[PlanShape]:
    """Every plan with its price, limits and features, cheapest first."""
    return [plan.to_dict() for plan in load_plans()]


# --- changes (admins) ----------------------------------------------------------------------------


def set_plan(
    store: Store, tier: str, *, actor: str | None = None, now: datetime | None = None
) -> Subscription:
    """Change the tier, effective at once, in the activity log. Returns the subscription.

    A downgrade below current usage is allowed: nothing is removed, further connects (or
    collections) are refused, and the subscription's ``overLimit`` shows by how much.
    """
    return update_subscription(store, tier=tier, actor=actor, now=now)


def set_status(
    store: Store, status: str, *, actor: str | None = None, now: datetime | None = None
) -> Subscription:
    """Set the subscription status (e.g. PAST_DUE when payment fails), in the activity log."""
    return update_subscription(store, status=status, actor=actor, now=now)


def parse_status(status: str | None) -> str:
    wanted = (status or "").strip().upper()
    if wanted not in STATUSES:
        raise InvalidInput(
            f"unknown subscription status {status!r}: expected one of {', '.join(STATUSES)}"
        )
    return wanted


def update_subscription(
    store: Store,
    *,
    tier: str | None = None,
    status: str | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> Subscription:
    """Change the tier and/or the status at once: both values are checked before anything is
    written, and both changes land in one transaction (each in the activity log)."""
    if tier is None and status is None:
        raise InvalidInput("nothing to change: give tier, status, or both")
    plan = get_plan(tier) if tier is not None else None
    wanted_status = parse_status(status) if status is not None else None
    with store.transaction():
        cur = _current(store, now)
        at = to_iso(cur.now)
        if plan is not None and cur.row["tier"] != plan.tier:
            old = cur.row["tier"]
            store.billing.set_tier(cur.row["id"], plan.tier, at=at)
            store.activity.record(
                "billing.plan_changed",
                f"Plan changed from {old} to {plan.tier}",
                actor=actor,
                target_type="subscription",
                target_id=cur.row["id"],
                details={"from": old, "to": plan.tier},
                at=at,
            )
        if wanted_status is not None and cur.row["status"] != wanted_status:
            old = cur.row["status"]
            store.billing.set_status(cur.row["id"], wanted_status, at=at)
            store.activity.record(
                "billing.status_changed",
                f"Subscription status changed from {old} to {wanted_status}",
                actor=actor,
                target_type="subscription",
                target_id=cur.row["id"],
                details={"from": old, "to": wanted_status},
                at=at,
            )
    return subscription(store, now=now)

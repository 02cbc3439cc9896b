"""Billing plans as data: the tiers of ``plans.yaml`` parsed into frozen ``Plan`` objects.

Prices and limits are data so a self-hosted operator (or a consultancy billing its clients) can read
and review them without Python; this module only parses and validates the file, once per process and
lazily (no I/O at import). A refused action names "the tier that lifts it": the first tier in file
order whose limit is high enough, which is why the file lists tiers cheapest first. ``None`` in a
limit means unlimited. Malformed data is a bug in Sentinel and raises ``ValueError``; an unknown tier
typed by a user raises ``InvalidInput`` naming the tiers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from sentinel_cli import wire
from sentinel_cli.errors import InvalidInput
from sentinel_cli.wire import AUDIT_FRAMEWORKS, REPORT_TYPES
from sentinel_cli.yamlio import load_yaml

TIERS: tuple[str, ...] = ("FREE", "STARTER", "PROFESSIONAL", "ENTERPRISE")
DEFAULT_TIER = "FREE"
_NUMERIC_LIMITS: tuple[str, ...] = ("integrations", "checks_per_period", "max_users")


@dataclass(frozen=True)
class Plan:
    """One tier. Numeric limits are ``None`` when unlimited."""

    tier: str
    name: str
    monthly_price_usd: int
    description: str
    integrations: int | None
    checks_per_period: int | None
    max_users: int | None
    report_types: tuple[str, ...]
    frameworks: tuple[str, ...]
    api_access: bool

    def limits(self) -> wire.Limits:
        """The metered limits as the API names them (camelCase; ``None`` = unlimited)."""
        return {
            "integrations": self.integrations,
            "checksPerPeriod": self.checks_per_period,
            "maxUsers": self.max_users,
        }

    def features(self) -> wire.Features:
        return {
            "reportTypes": list(self.report_types),
            "frameworks": list(self.frameworks),
            "apiAccess": self.api_access,
        }

    def to_dict(self) -> wire.Plan:
        return {
            "tier": self.tier,
            "name": self.name,
            "monthlyPriceUsd": self.monthly_price_usd,
            "description": self.description,
            "limits": self.limits(),
            "features": self.features(),
        }


def load_plans() -> tuple[Plan, ...]:
    """Every plan, cheapest first (the order of ``plans.yaml``)."""
    return _load()


def get_plan(tier: str) -> Plan:
    """The plan named ``tier`` (case-insensitive), or ``InvalidInput`` naming the tiers."""
    wanted = (tier or "").strip().upper()
    for plan in _load():
        if plan.tier == wanted:
            return plan
    allowed = ", ".join(TIERS)
    raise InvalidInput(
        f"unknown plan tier {tier!r}: expected one of {allowed}",
        hint="see the plans and their limits: sentinel billing plans",
    )


def first_plan_allowing(minimum: Mapping[str, int]) -> Plan | None:
    """The cheapest plan whose numeric limits (attribute name -> needed amount) all fit ``minimum``."""
    for plan in _load():
        if all(_fits(getattr(plan, attr), needed) for attr, needed in minimum.items()):
            return plan
    return None


def _fits(limit: int | None, needed: int) -> bool:
    return limit is None or needed <= limit


@cache
def _load() -> tuple[Plan, ...]:

    text = resources.files("sentinel_cli").joinpath("plans.yaml").read_text(encoding="utf-8")
    return parse_plans(load_yaml(text) or {}, source="plans.yaml")


def parse_plans(raw: Mapping[str, Any], *, source: str) -> tuple[Plan, ...]:
    """Build the plans from parsed YAML, rejecting data that would mislead users or enforcement."""
    from sentinel_cli.frameworks import framework_ids

    try:
        plans = tuple(_parse_plan(entry) for entry in raw["plans"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{source}: malformed plan data ({exc!r})") from exc
    if tuple(p.tier for p in plans) != TIERS:
        raise ValueError(f"{source}: tiers must be {', '.join(TIERS)} in that order")
    for index, plan in enumerate(plans):
        if plan.monthly_price_usd < 0:
            raise ValueError(f"{source}: {plan.tier} has a negative price")
        for attr in _NUMERIC_LIMITS:
            value = getattr(plan, attr)
            if value is not None and value < 0:
                raise ValueError(f"{source}: {plan.tier} has a negative {attr}")
            # "The tier that lifts a limit" is the first that fits, so limits must never shrink.
            if index and not _fits(value, getattr(plans[index - 1], attr) or 0):
                raise ValueError(f"{source}: {plan.tier} has a lower {attr} than the tier before")
            if index and getattr(plans[index - 1], attr) is None and value is not None:
                raise ValueError(f"{source}: {plan.tier} limits {attr}, the tier before does not")
        unknown = set(plan.report_types) - set(REPORT_TYPES)
        if unknown:
            raise ValueError(f"{source}: {plan.tier} names unknown report types {sorted(unknown)}")
        unknown = set(plan.frameworks) - set(framework_ids())
        if unknown:
            raise ValueError(f"{source}: {plan.tier} names unknown frameworks {sorted(unknown)}")
        for report_type in plan.report_types:
            # A plan must include the frameworks an audit report covers to offer it.
            missing = set(AUDIT_FRAMEWORKS.get(report_type, ())) - set(plan.frameworks)
            if missing:
                raise ValueError(
                    f"{source}: {plan.tier} offers {report_type} without the "
                    f"{', '.join(sorted(missing))} framework"
                )
    return plans


def _parse_plan(entry: Mapping[str, Any]) -> Plan:
    limits, features = entry["limits"], entry["features"]
    return Plan(
        tier=str(entry["tier"]),
        name=str(entry["name"]),
        monthly_price_usd=int(entry["monthlyPriceUsd"]),
        description=str(entry.get("description") or "").strip(),
        integrations=_optional_int(limits["integrations"]),
        checks_per_period=_optional_int(limits["checksPerPeriod"]),
        max_users=_optional_int(limits["maxUsers"]),
        report_types=tuple(str(t) for t in features["reportTypes"]),
        frameworks=tuple(str(f) for f in features["frameworks"]),
        api_access=bool(features["apiAccess"]),
    )


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)

"""Billing operations: plans as data, the subscription's periods, metering and enforced limits.

The clock is moved by passing ``now``; nothing sleeps or freezes time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel_cli import plans
from sentinel_cli.config import Settings
from sentinel_cli.errors import InvalidInput, PlanLimitExceeded
from sentinel_cli.operations import billing
from sentinel_cli.store import Store, open_store

pytestmark = pytest.mark.both_databases

T0 = datetime(2025, 1, 15, 13, 30, tzinfo=UTC)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with open_store(settings) as opened:
        yield opened


def _connect(store: Store, name: str, *, now: datetime = T0) -> str:
    """Connect an integration the way the wired connect operation does: check, then insert."""
    import uuid

    integration_id = str(uuid.uuid4())
    with store.transaction():
        billing.ensure_can_add_integration(store, now=now)
        store.integrations.insert(
            integration_id=integration_id,
            type="GITHUB",
            name=name,
            external_id=name,
            config={"org": name},
            has_secret=False,
        )
    return integration_id


def _use_checks(store: Store, quantity: int, *, now: datetime = T0, job: str = "job") -> None:
    with store.transaction():
        billing.record_checks(store, quantity, job_id=job, now=now)


# --- plans ---------------------------------------------------------------------------------------


def test_plans_data_tiers_prices_and_free_runs_the_demo() -> None:
    loaded = {p.tier: p for p in plans.load_plans()}
    assert list(loaded) == ["FREE", "STARTER", "PROFESSIONAL", "ENTERPRISE"]
    assert loaded["ENTERPRISE"].monthly_price_usd == 2000
    enterprise = loaded["ENTERPRISE"]
    assert (enterprise.integrations, enterprise.checks_per_period, enterprise.max_users) == (
        None,
        None,
        None,
    )
    assert set(enterprise.report_types) == set(plans.REPORT_TYPES)
    free = loaded["FREE"]
    assert free.monthly_price_usd == 0
    # The demo: AWS + GitHub, a few hundred items each (twice), EXECUTIVE_SUMMARY and SOC2_AUDIT.
    assert free.integrations is not None and free.integrations >= 2
    assert free.checks_per_period is not None and free.checks_per_period >= 2000
    assert {"EXECUTIVE_SUMMARY", "SOC2_AUDIT"} <= set(free.report_types)
    # Self-hosted: the REST API is on every tier.
    assert all(p.api_access for p in loaded.values())
    prices = [p.monthly_price_usd for p in loaded.values()]
    assert prices == sorted(prices)


def test_list_plans_is_camel_case() -> None:
    listed = billing.list_plans()
    assert [p["tier"] for p in listed] == list(plans.TIERS)
    assert set(listed[0]) == {
        "tier",
        "name",
        "monthlyPriceUsd",
        "description",
        "limits",
        "features",
    }
    assert set(listed[0]["limits"]) == {"integrations", "checksPerPeriod", "maxUsers"}
    assert set(listed[0]["features"]) == {"reportTypes", "frameworks", "apiAccess"}


def _raw_plans() -> dict[str, Any]:
    return {"plans": [p.to_dict() for p in plans.load_plans()]}


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (lambda raw: raw["plans"][1]["limits"].update(integrations=1), "lower integrations"),
        (lambda raw: raw["plans"][1]["limits"].update(maxUsers=None), "limits max_users"),
        (
            lambda raw: raw["plans"][0]["features"].update(reportTypes=["SOC3_AUDIT"]),
            "unknown report types",
        ),
        (
            lambda raw: raw["plans"][0]["features"].update(reportTypes=["ISO27001_AUDIT"]),
            "without the ISO27001 framework",
        ),
        (lambda raw: raw["plans"].reverse(), "tiers must be"),
        (lambda raw: raw["plans"][0].pop("limits"), "malformed plan data"),
    ],
)
def test_malformed_plan_data_is_rejected(mutate: Any, error: str) -> None:
    raw = _raw_plans()
    mutate(raw)
    with pytest.raises(ValueError, match=error):
        plans.parse_plans(raw, source="test.yaml")


def test_unknown_tier_names_the_tiers() -> None:
    assert plans.get_plan("starter").tier == "STARTER"
    with pytest.raises(InvalidInput) as exc:
        plans.get_plan("GOLD")
    assert "FREE, STARTER, PROFESSIONAL, ENTERPRISE" in exc.value.message


# --- subscription and periods --------------------------------------------------------------------


def test_subscription_created_on_first_use_on_free(store: Store) -> None:
    sub = billing.subscription(store, now=T0)
    assert sub["tier"] == "FREE" and sub["status"] == "ACTIVE" and sub["active"] is True
    assert sub["currentPeriodStart"] == "2025-01-15T00:00:00Z"
    assert sub["currentPeriodEnd"] == "2025-02-15T00:00:00Z"
    assert sub["monthlyPriceUsd"] == 0
    assert sub["usage"] == {"integrations": 0, "checks": 0, "users": 0}
    assert sub["limits"] == {"integrations": 2, "checksPerPeriod": 2000, "maxUsers": 3}
    assert sub["overLimit"] == {}
    billing.limits_checks(store, now=T0 + timedelta(days=3))
    assert store.conn.execute("SELECT COUNT(*) FROM subscriptions").fetchone()[0] == 1
    assert billing.subscription(store, now=T0)["id"] == sub["id"]


def test_new_period_resets_check_usage(store: Store) -> None:
    _use_checks(store, 1500)
    assert billing.limits_checks(store, now=T0)["remaining"] == 500
    next_month = datetime(2025, 2, 15, 0, 0, tzinfo=UTC)
    checks = billing.limits_checks(store, now=next_month)
    assert checks["used"] == 0 and checks["remaining"] == 2000 and checks["allowed"] is True
    assert checks["periodStart"] == "2025-02-15T00:00:00Z"
    assert checks["resetsAt"] == "2025-03-15T00:00:00Z"
    # The old period's record is kept (history), just not counted.
    assert store.conn.execute("SELECT SUM(quantity) FROM usage_records").fetchone()[0] == 1500


def test_rollover_across_several_months_without_drift(store: Store) -> None:
    created = datetime(2025, 1, 31, 9, 0, tzinfo=UTC)
    billing.subscription(store, now=created)
    _use_checks(store, 10, now=created)
    sub = billing.subscription(store, now=datetime(2025, 5, 10, tzinfo=UTC))
    # Anchored on the 31st: April has 30 days, May 31, so no drift to the 28th after February.
    assert (sub["currentPeriodStart"], sub["currentPeriodEnd"]) == (
        "2025-04-30T00:00:00Z",
        "2025-05-31T00:00:00Z",
    )
    assert sub["usage"]["checks"] == 0
    feb = billing.subscription(store, now=datetime(2026, 2, 28, 12, tzinfo=UTC))
    assert (feb["currentPeriodStart"], feb["currentPeriodEnd"]) == (
        "2026-02-28T00:00:00Z",
        "2026-03-31T00:00:00Z",
    )


def test_a_clock_behind_the_period_does_not_move_it_back(store: Store) -> None:
    billing.subscription(store, now=T0)
    earlier = billing.subscription(store, now=T0 - timedelta(days=40))
    assert earlier["currentPeriodStart"] == "2025-01-15T00:00:00Z"


# --- integrations limit --------------------------------------------------------------------------


def test_free_to_integration_limit_refused_then_upgrade_allows(store: Store) -> None:
    _connect(store, "aws")
    _connect(store, "github")
    limits = billing.limits_integrations(store, now=T0)
    assert limits["allowed"] is False and limits["used"] == 2 and limits["remaining"] == 0
    assert limits["limit"] == 2 and limits["tier"] == "FREE"

    with pytest.raises(PlanLimitExceeded) as exc:
        _connect(store, "third")
    message = exc.value.message
    assert "FREE plan allows 2 integrations" in message and "STARTER" in message
    assert exc.value.exit_code == 5 and exc.value.http_status == 403
    assert store.integrations.count_active() == 2  # the refused connect rolled back

    upgraded = billing.set_plan(store, "starter", actor="admin@example.com", now=T0)
    assert upgraded["tier"] == "STARTER" and upgraded["monthlyPriceUsd"] == 299
    _connect(store, "third")
    assert billing.limits_integrations(store, now=T0)["remaining"] == 2
    changes = [a for a in store.activity.recent() if a["action"] == "billing.plan_changed"]
    assert changes[0]["details"] == {"from": "FREE", "to": "STARTER"}
    assert changes[0]["actor"] == "admin@example.com"


def test_removed_integrations_do_not_count(store: Store) -> None:
    first = _connect(store, "aws")
    _connect(store, "github")
    store.integrations.mark_removed(first)
    _connect(store, "replacement")
    assert billing.subscription(store, now=T0)["usage"]["integrations"] == 2


def test_downgrade_below_usage_is_allowed_and_shows_the_overage(store: Store) -> None:
    billing.set_plan(store, "PROFESSIONAL", now=T0)
    for name in ("a", "b", "c", "d"):
        _connect(store, name)
    _use_checks(store, 2500)
    sub = billing.set_plan(store, "FREE", now=T0)
    assert sub["tier"] == "FREE"
    assert sub["overLimit"] == {"integrations": 2, "checks": 500}
    assert sub["remaining"]["integrations"] == 0
    with pytest.raises(PlanLimitExceeded, match="4 are connected \\(2 over the limit\\)"):
        billing.ensure_can_add_integration(store, now=T0)
    with pytest.raises(PlanLimitExceeded, match="check limit reached"):
        billing.ensure_can_collect(store, now=T0)


def test_enterprise_is_unlimited(store: Store) -> None:
    billing.set_plan(store, "ENTERPRISE", now=T0)
    for index in range(25):
        _connect(store, f"org{index}")
    _use_checks(store, 5_000_000)
    billing.ensure_can_collect(store, expected_checks=10_000_000, now=T0)
    checks = billing.limits_checks(store, now=T0)
    assert checks["allowed"] is True and checks["limit"] is None and checks["remaining"] is None


# --- checks limit --------------------------------------------------------------------------------


def test_collection_refused_when_expected_checks_exceed_remaining(store: Store) -> None:
    _use_checks(store, 1900)
    billing.ensure_can_collect(store, expected_checks=100, now=T0)  # exactly what remains
    with pytest.raises(PlanLimitExceeded) as exc:
        billing.ensure_can_collect(store, expected_checks=101, now=T0)
    message = exc.value.message
    assert "only 100 remain" in message
    assert "resets at 2025-02-15T00:00:00Z" in message
    assert "STARTER plan allows 20,000 checks per period" in message
    assert "sentinel billing plan set STARTER" in (exc.value.hint or "")

    _use_checks(store, 100)
    with pytest.raises(PlanLimitExceeded, match="check limit reached"):
        billing.ensure_can_collect(store, now=T0)
    assert billing.limits_checks(store, now=T0)["allowed"] is False
    # The next period opens with the full allowance.
    billing.ensure_can_collect(store, expected_checks=2000, now=datetime(2025, 2, 16, tzinfo=UTC))


def test_record_checks_joins_the_callers_transaction(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        billing.record_checks(store, 300, job_id="job-1", now=T0)
        raise RuntimeError("the job's evidence write failed")
    assert billing.limits_checks(store, now=T0)["used"] == 0
    _use_checks(store, 300, job="job-2")
    _use_checks(store, 0, job="job-empty")
    rows = store.conn.execute("SELECT source_id, quantity, metric FROM usage_records").fetchall()
    assert [tuple(r) for r in rows] == [("job-2", 300, "checks")]
    with pytest.raises(ValueError):
        billing.record_checks(store, -1, job_id="job-3", now=T0)


def test_expected_checks_is_the_last_finished_job_size(store: Store) -> None:
    integration_id = _connect(store, "acme")
    assert billing.expected_checks(store, integration_id) is None
    for job_id, status, total in (("j1", "COMPLETED", 40), ("j2", "FAILED", 0)):
        store.jobs.start(job_id=job_id, integration_id=integration_id, trigger="cli")
        store.jobs.finish(job_id, status=status, counts={"PASS": total})
    assert billing.expected_checks(store, integration_id) == 40


# --- status --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["CANCELED", "PAST_DUE"])
def test_inactive_subscription_refuses_new_work_but_reads_work(store: Store, status: str) -> None:
    _connect(store, "acme")
    sub = billing.set_status(store, status.lower(), now=T0)
    assert sub["status"] == status and sub["active"] is False
    with pytest.raises(PlanLimitExceeded) as exc:
        billing.ensure_can_collect(store, expected_checks=1, now=T0)
    assert f"subscription is {status}" in exc.value.message
    assert "new collections" in exc.value.message
    with pytest.raises(PlanLimitExceeded, match="new integrations"):
        billing.ensure_can_add_integration(store, now=T0)
    assert billing.subscription(store, now=T0)["usage"]["integrations"] == 1
    assert billing.limits_checks(store, now=T0)["allowed"] is False
    assert billing.limits_integrations(store, now=T0)["message"].startswith("the subscription is")
    billing.set_status(store, "ACTIVE", now=T0)
    billing.ensure_can_collect(store, expected_checks=1, now=T0)


def test_trialing_is_active_and_status_changes_are_logged(store: Store) -> None:
    billing.set_status(store, "TRIALING", actor="admin", now=T0)
    billing.ensure_can_collect(store, now=T0)
    billing.ensure_can_add_integration(store, now=T0)
    logged = [a for a in store.activity.recent() if a["action"] == "billing.status_changed"]
    assert logged[0]["details"] == {"from": "ACTIVE", "to": "TRIALING"}
    with pytest.raises(InvalidInput, match="TRIALING, ACTIVE, PAST_DUE, CANCELED"):
        billing.set_status(store, "SUSPENDED", now=T0)


def test_setting_the_same_plan_logs_nothing(store: Store) -> None:
    billing.set_plan(store, "FREE", now=T0)
    assert not [a for a in store.activity.recent() if a["action"].startswith("billing.")]
    with pytest.raises(InvalidInput, match="unknown plan tier 'GOLD'"):
        billing.set_plan(store, "GOLD", now=T0)


# --- report types and users ----------------------------------------------------------------------


def test_report_types_follow_the_plan(store: Store) -> None:
    billing.ensure_report_type(store, "SOC2_AUDIT", now=T0)
    billing.ensure_report_type(store, "EXECUTIVE_SUMMARY", now=T0)
    with pytest.raises(PlanLimitExceeded, match="STARTER plan includes it"):
        billing.ensure_report_type(store, "ISO27001_AUDIT", now=T0)
    with pytest.raises(PlanLimitExceeded, match="PROFESSIONAL plan includes it"):
        billing.ensure_report_type(store, "COMBINED_AUDIT", now=T0)
    billing.set_plan(store, "PROFESSIONAL", now=T0)
    billing.ensure_report_type(store, "COMBINED_AUDIT", now=T0)


def test_user_limit(store: Store) -> None:
    for index in range(3):
        billing.ensure_can_add_user(store, now=T0)
        store.conn.execute(
            "INSERT INTO users (id, email, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            (f"u{index}", f"u{index}@example.com", "MEMBER", "2025-01-01", "2025-01-01"),
        )
    with pytest.raises(PlanLimitExceeded, match="FREE plan allows 3 users"):
        billing.ensure_can_add_user(store, now=T0)
    store.conn.execute("UPDATE users SET disabled = 1 WHERE id = 'u0'")
    billing.ensure_can_add_user(store, now=T0)


def test_an_empty_collection_fits_an_exhausted_period(store: Store) -> None:
    _use_checks(store, 2000)
    billing.ensure_can_collect(store, expected_checks=0, now=T0)
    with pytest.raises(PlanLimitExceeded, match="check limit reached"):
        billing.ensure_can_collect(store, expected_checks=1, now=T0)

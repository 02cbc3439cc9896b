"""Plan limits enforced by the real connect and collect operations (CLI and API share them).

A collection runs over a stand-in inventory and check (no AWS, no network): what matters here is
that a job which would cross the checks limit writes no evidence and FAILS with the reason, and that
a connect beyond the integration limit exits 5 and stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from sentinel_cli.checks.base import Check, CheckMeta, CheckResult, CheckSettings, Remediation
from sentinel_cli.config import Settings
from sentinel_cli.errors import PlanLimitExceeded
from sentinel_cli.operations import billing
from sentinel_cli.operations import collect as collect_ops
from sentinel_cli.operations import integrations as integration_ops
from sentinel_cli.secrets import SecretStore, open_secrets
from sentinel_cli.store import Store, open_store
from tests.helpers.cli import Cli

ITEMS_PER_RUN = 50


@dataclass(frozen=True)
class _Inventory:
    errors: tuple[Any, ...] = ()
    account_resource: tuple[str, str] = ("123456789012", "account")
    api_calls: int = 1


def _evaluate(inventory: Any, settings: CheckSettings) -> Iterator[CheckResult]:
    for index in range(ITEMS_PER_RUN):
        yield CheckResult(
            check_id="aws_billing_stand_in",
            status="PASS",
            resource_id=f"bucket-{index}",
            resource_type="s3_bucket",
            message="stand-in",
        )


_CHECK = Check(
    meta=CheckMeta(
        id="aws_billing_stand_in",
        provider="aws",
        title="A stand-in check",
        description="",
        severity="low",
        category="storage",
        remediation=Remediation(text="none"),
        sources=(),
        controls={"SOC2": ("CC6.1",)},
    ),
    evaluate=_evaluate,
)


@pytest.fixture
def stand_in_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collect_ops, "_collect_inventory", lambda *args, **kwargs: _Inventory())
    monkeypatch.setattr("sentinel_cli.checks.load_checks", lambda provider: (_CHECK,))


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with open_store(settings) as opened:
        yield opened


@pytest.fixture
def secrets(settings: Settings) -> SecretStore:
    settings.ensure_home()
    return open_secrets(settings)


def _collect(store: Store, secrets: SecretStore, settings: Settings, integration_id: str) -> Any:
    job = collect_ops.start_collection(store, integration_id)
    return collect_ops.run_collection(store, secrets, settings, job["id"])


def _evidence_count(store: Store) -> int:
    return int(store.conn.execute("SELECT COUNT(*) FROM evidence").fetchone()[0])


def test_connect_beyond_the_plan_exits_5_and_stores_nothing(cli: Cli) -> None:
    def connect(org: str) -> Any:
        return cli("integrations", "connect", "github", "--org", org, "--token", "t", "--no-verify")

    assert connect("one").exit_code == 0
    assert connect("two").exit_code == 0
    refused = connect("three")
    assert refused.exit_code == 5
    flat = " ".join(refused.stderr.split())
    assert "FREE plan allows 2 integrations" in flat and "STARTER" in flat
    assert len(cli("integrations", "list", "--json").json()["integrations"]) == 2
    assert cli("billing", "plan", "set", "STARTER").exit_code == 0
    assert connect("three").exit_code == 0


@pytest.mark.usefixtures("stand_in_collector")
def test_collection_crossing_the_checks_limit_writes_nothing(
    store: Store, secrets: SecretStore, settings: Settings
) -> None:
    aws = integration_ops.connect_aws(store, secrets, verify=False)
    with store.transaction():
        billing.record_checks(store, 1990, job_id="earlier-collections")

    job = _collect(store, secrets, settings, aws["id"])
    assert job["status"] == "FAILED"
    assert "only 10 remain" in job["errorMessage"]
    assert _evidence_count(store) == 0
    assert billing.limits_checks(store)["used"] == 1990

    billing.set_plan(store, "STARTER")
    job = _collect(store, secrets, settings, aws["id"])
    assert job["status"] == "COMPLETED" and job["totalCount"] == ITEMS_PER_RUN
    assert billing.limits_checks(store)["used"] == 1990 + ITEMS_PER_RUN

    # Back on FREE nothing remains: the next collection is refused before a job starts.
    billing.set_plan(store, "FREE")
    with pytest.raises(PlanLimitExceeded, match="check limit reached"):
        collect_ops.start_collection(store, aws["id"])
    assert len(store.jobs.list_for(aws["id"])) == 2


@pytest.mark.usefixtures("stand_in_collector")
def test_canceled_subscription_refuses_collection_before_a_job_starts(
    store: Store, secrets: SecretStore, settings: Settings
) -> None:
    aws = integration_ops.connect_aws(store, secrets, verify=False)
    assert _collect(store, secrets, settings, aws["id"])["status"] == "COMPLETED"
    billing.set_status(store, "CANCELED")
    with pytest.raises(PlanLimitExceeded, match="subscription is CANCELED"):
        collect_ops.start_collection(store, aws["id"])
    assert len(store.jobs.list_for(aws["id"])) == 1
    assert _evidence_count(store) == ITEMS_PER_RUN  # what was collected stays readable

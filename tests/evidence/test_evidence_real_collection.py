"""Evidence queries over a store filled by a REAL collection: the seeded moto account collected by
``operations.collect`` (collector, every AWS check, the store's write path), then read back through
every filter, alone and combined, the gate, stats, compliance, SARIF and JUnit.

Expected sets are computed in Python from the unfiltered current state, so each filter's SQL is
checked against the items' own fields. Seeding and collecting take seconds: done once per module,
in-process (``moto.mock_aws``) with fake credentials and no user AWS configuration.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.operations import collect as collect_ops
from sentinel_cli.operations import compliance, evidence_item, evidence_stats
from sentinel_cli.operations import evidence as ops
from sentinel_cli.operations import integrations as integration_ops
from sentinel_cli.secrets import open_secrets
from sentinel_cli.standins.moto_server import MOTO_ENV
from sentinel_cli.store import Store, open_store

REGIONS = ("us-east-1", "eu-west-1")
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    **MOTO_ENV,
}


@dataclass
class Collected:
    store: Store
    job: dict[str, Any]
    integration_id: str
    items: list[dict[str, Any]]


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collected]:
    from moto import mock_aws

    from sentinel_cli.collectors.aws.session import AwsCredentials
    from sentinel_cli.standins.aws_seed import seed_account

    home: Path = tmp_path_factory.mktemp("real-collection-home")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in FAKE_ENV.items():
            mp.setenv(key, value)
        for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN"):
            mp.delenv(key, raising=False)
        mp.setenv("SENTINEL_HOME", str(home))
        mp.setenv("SENTINEL_SECRETS_BACKEND", "file")
        settings = Settings.from_env()
        with mock_aws(), open_store(settings) as store:
            seed_account(AwsCredentials(region="us-east-1"), regions=REGIONS)
            secrets = open_secrets(settings)
            integration = integration_ops.connect_aws(
                store,
                secrets,
                name="moto",
                regions=",".join(REGIONS),
                access_key_id="testing",
                secret_access_key="testing",
                verify=False,
            )
            options = collect_ops.CollectionOptions(workers=4)
            job = collect_ops.start_collection(store, integration["id"], options=options)
            job = collect_ops.run_collection(store, secrets, settings, job["id"], options=options)
            items = ops.list_evidence(store, limit=1000)["evidence"]
            yield Collected(store, job, integration["id"], items)


def test_the_collection_produced_the_current_state(collected: Collected) -> None:
    job = collected.job
    assert job["status"] in ("COMPLETED", "PARTIAL"), job["errorMessage"]
    assert job["totalCount"] == len(collected.items) > 20
    assert {i["jobId"] for i in collected.items} == {job["id"]}
    statuses = {i["status"] for i in collected.items}
    assert {"PASS", "FAIL"} <= statuses  # the seed has misconfigurations and their twins
    # Every item of a single account carries it (from STS at collection: connected unverified).
    assert {i["accountId"] for i in collected.items} == {"123456789012"}
    page = ops.list_evidence(collected.store, limit=5)
    assert page["pagination"]["total"] == len(collected.items)


def _some(items: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]) -> Any:
    values = sorted({key(i) for i in items if key(i)})
    assert values
    return values[0]


FILTERS: list[tuple[str, Callable[[list[dict[str, Any]]], dict[str, Any]]]] = [
    ("status", lambda items: {"status": "FAIL"}),
    ("statuses", lambda items: {"status": ["PASS", "ERROR"]}),
    ("category", lambda items: {"category": _some(items, lambda i: i["category"])}),
    ("severity", lambda items: {"severity": "high"}),
    ("framework", lambda items: {"framework": "SOC2"}),
    ("control", lambda items: {"control": "CC6.1"}),
    ("iso-control", lambda items: {"control": "A.8.5"}),
    ("combined", lambda items: {"status": "FAIL", "framework": "ISO27001", "severity": "high"}),
    ("account", lambda items: {"account": "123456789012", "status": "PASS"}),
    (
        "combined-category",
        lambda items: {"status": ["FAIL", "WARNING"], "category": "iam", "control": "CC6.1"},
    ),
]


def _matches(item: dict[str, Any], flt: dict[str, Any]) -> bool:
    def listed(value: Any) -> list[str]:
        return [value] if isinstance(value, str) else list(value)

    if "status" in flt and item["status"] not in listed(flt["status"]):
        return False
    if "category" in flt and item["category"] != flt["category"]:
        return False
    if "severity" in flt and item["severity"] != flt["severity"]:
        return False
    if "account" in flt and item["accountId"] != flt["account"]:
        return False
    if "framework" in flt and not item["controls"].get(flt["framework"]):
        return False
    if "control" in flt:
        mapped = item["controls"].get("SOC2", []) + item["controls"].get("ISO27001", [])
        if flt["control"] not in mapped:
            return False
    return True


@pytest.mark.parametrize(("name", "make"), FILTERS, ids=[f[0] for f in FILTERS])
def test_each_filter_matches_exactly(collected: Collected, name: str, make: Callable) -> None:
    flt = make(collected.items)
    expected = {i["id"] for i in collected.items if _matches(i, flt)}
    assert expected, f"the seeded account should exercise the {name} filter"
    got = ops.list_evidence(collected.store, limit=1000, **flt)["evidence"]
    assert {i["id"] for i in got} == expected
    assert ops.list_evidence(collected.store, limit=1, **flt)["pagination"]["total"] == len(
        expected
    )


def test_gate_stats_and_compliance(collected: Collected) -> None:
    items = collected.items
    fails = sum(i["status"] == "FAIL" for i in items)
    listing = ops.evidence_listing(collected.store, status="FAIL", limit=1)
    assert listing.failing == fails and listing.exit_code == 1
    assert ops.evidence_listing(collected.store, fail_on="none").exit_code == 0
    stats = evidence_stats.evidence_stats(collected.store)
    assert stats["total"] == len(items)
    assert stats["byStatus"]["FAIL"] == fails
    summary = compliance.compliance_summary(collected.store, framework="SOC2")
    failing_controls = {c["id"] for c in summary["controls"] if c["status"] == "FAILING"}
    expected_failing = {
        cid for i in items if i["status"] == "FAIL" for cid in i["controls"].get("SOC2", [])
    }
    assert failing_controls == expected_failing


def test_show_and_exports(collected: Collected) -> None:
    item = next(i for i in collected.items if i["status"] == "FAIL")
    shown = evidence_item.get_evidence(collected.store, item["id"])["evidence"]
    assert shown["rawData"] is not None and shown["description"]
    sarif = json.loads(ops.render_listing(ops.evidence_listing(collected.store, output="sarif")))
    from tests.helpers.sarif import validate_sarif

    validate_sarif(sarif)
    assert len(sarif["runs"][0]["results"]) == len(collected.items)
    junit = ops.render_listing(ops.evidence_listing(collected.store, output="junit"))
    assert junit.count("<failure ") == sum(i["status"] == "FAIL" for i in collected.items)

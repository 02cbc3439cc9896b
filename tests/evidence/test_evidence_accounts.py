"""``--account`` (``accountId`` in the API): the evidence of one AWS account, in the listing, its CI
gate, the stats and the compliance summary, answered from the ``evidence_account`` index.

The estate's AWS integrations each hold one account (prod 111122223333, staging 444455556666);
GitHub items have no account. The filter combines with every other filter, counts come from the
items of that account (the per-check counts table has no account), and a malformed id is a usage
error naming the option.
"""

from __future__ import annotations

from typing import Any

import pytest

from sentinel_cli.errors import InvalidInput
from sentinel_cli.operations import compliance as compliance_ops
from sentinel_cli.operations import evidence as ops
from sentinel_cli.operations import evidence_stats
from sentinel_cli.operations import exceptions as exc_ops
from sentinel_cli.operations.evidence_query import build_filter, parse_account, resolve_scope
from sentinel_cli.store.database import Database
from tests.helpers.cli import Cli
from tests.helpers.estate import ACCOUNTS, Estate, rkeys

both_databases = pytest.mark.both_databases

PROD, STAGING = ACCOUNTS["prod"], ACCOUNTS["staging"]


def _all(est: Estate, **filters: Any) -> list[dict[str, Any]]:
    return ops.list_evidence(est.store, limit=1000, **filters)["evidence"]


def test_every_item_carries_its_account(estate: Estate) -> None:
    accounts = {(i["integrationId"], i["accountId"]) for i in _all(estate)}
    assert accounts == {
        (estate.integrations["prod"], PROD),
        (estate.integrations["staging"], STAGING),
        (estate.integrations["acme"], None),  # GitHub: no account
    }


@both_databases
def test_listing_one_account(estate: Estate) -> None:
    prod = _all(estate, account=PROD)
    assert {(i["checkId"], i["resourceId"], i["status"]) for i in prod} == rkeys(
        estate.items["prod-1"]
    )
    assert {i["accountId"] for i in prod} == {PROD}
    # The same order as the whole listing, restricted to the account.
    assert [i["id"] for i in prod] == [i["id"] for i in _all(estate) if i["accountId"] == PROD]
    # Combined with other filters, and paged: totals count the account's items only.
    page = ops.list_evidence(estate.store, account=PROD, status="FAIL", limit=2, offset=1)
    fails = [i for i in prod if i["status"] == "FAIL"]
    assert page["pagination"]["total"] == len(fails) == 5
    assert [i["id"] for i in page["evidence"]] == [i["id"] for i in fails[1:3]]
    framework = _all(estate, account=STAGING, framework="SOC2", control="CC6.1")
    assert [i["checkId"] for i in framework] == ["aws_s3_versioning"]
    assert _all(estate, account="000000000000") == []


def test_the_gate_sees_only_the_account(estate: Estate) -> None:
    staging = ops.evidence_listing(estate.store, account=STAGING, fail_on="FAIL", output="json")
    assert staging.failing == 1 and staging.exit_code == 1
    clean = ops.evidence_listing(
        estate.store, account=STAGING, status="PASS", fail_on="FAIL", output="json"
    )
    assert clean.failing == 0 and clean.data["pagination"]["total"] == 0
    every = ops.evidence_listing(estate.store, account=PROD, output="csv")
    assert len(every.items) == len(estate.items["prod-1"])


@both_databases
def test_stats_and_compliance_of_one_account(estate: Estate) -> None:
    stats = evidence_stats.evidence_stats(estate.store, account=STAGING)
    assert stats["total"] == 1 and stats["byStatus"]["FAIL"] == 1
    assert [c["integrationId"] for c in stats["collections"]] == [estate.integrations["staging"]]
    whole = evidence_stats.evidence_stats(estate.store)
    prod = evidence_stats.evidence_stats(estate.store, account=PROD)
    assert prod["total"] == len(estate.items["prod-1"]) < whole["total"]

    summary = compliance_ops.compliance_summary(
        estate.store, framework="SOC2", account=PROD, all_ids=True
    )
    prod_ids = {i["id"] for i in _all(estate, account=PROD)}
    listed = {e for c in summary["controls"] for e in c["evidenceIds"]}
    assert listed and listed <= prod_ids
    cc66 = next(c for c in summary["controls"] if c["id"] == "CC6.6")
    assert cc66["counts"]["fail"] == 2  # root MFA and the open SSH group, prod only
    assert summary["totals"]["evidence"]["total"] == len(prod_ids)


@both_databases
def test_exceptions_are_counted_within_the_account(estate: Estate) -> None:
    exc_ops.add_exception(
        estate.store,
        check_id="aws_s3_bucket_default_encryption",
        resource="arn:aws:s3:::acme-*",
        reason="scratch data",
        owner="owner@example.com",
        expires="2099-01-01",
    )
    prod = evidence_stats.evidence_stats(estate.store, account=PROD)
    assert prod["excepted"] == 2
    assert evidence_stats.evidence_stats(estate.store, account=STAGING)["excepted"] == 0
    gate = ops.evidence_listing(estate.store, account=PROD, fail_on="FAIL", output="json")
    assert gate.failing == 3  # five failures, two excepted


@pytest.mark.parametrize("bad", ["12345", "prod", "1111222233334", "11112222333a"])
def test_a_malformed_account_is_a_usage_error(estate: Estate, bad: str) -> None:
    with pytest.raises(InvalidInput, match="--account"):
        ops.list_evidence(estate.store, account=bad)
    with pytest.raises(InvalidInput, match="--account"):
        evidence_stats.evidence_stats(estate.store, account=bad)
    assert parse_account(f" {PROD} ") == PROD and parse_account("") is None


@both_databases
def test_the_account_filter_is_answered_from_its_index(estate: Estate) -> None:
    """The count and the per-(status, severity) sizes of one account read the partial index
    alone, as ``evidence_current`` answers them without the filter. (PostgreSQL, which rightly
    reads a table this small whole, is asked for its plan with table scans priced out.)"""
    store = estate.store
    scope = resolve_scope(store, account=PROD)
    where, params = store.queries._where(build_filter(store, scope))
    for sql in (
        f"SELECT COUNT(*) FROM evidence e WHERE {where}",
        f"SELECT e.status, e.severity, COUNT(*) FROM evidence e WHERE {where} "
        "GROUP BY e.status, e.severity",
        f"SELECT e.rowid FROM evidence e WHERE {where} AND e.status = 'FAIL' "
        "AND e.severity = 'high' ORDER BY e.check_id, e.resource_id, e.rowid",
    ):
        if store.conn.is_postgres:
            plan = _postgres_plan(store.conn, sql, params)
            assert "Index Only Scan using evidence_account" in plan, plan
            assert "Sort" not in plan or "GROUP BY" in sql, plan
        else:
            plan = " ".join(r[3] for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            assert "COVERING INDEX evidence_account" in plan, plan


def _postgres_plan(conn: Database, sql: str, params: list[Any]) -> str:
    """PostgreSQL's plan of ``sql`` when no table scan may be chosen, on one line."""
    conn.execute("SET enable_seqscan = off")
    conn.execute("SET enable_bitmapscan = off")
    try:
        return " ".join(r[0] for r in conn.execute(f"EXPLAIN {sql}", params))
    finally:
        conn.execute("RESET enable_seqscan")
        conn.execute("RESET enable_bitmapscan")


def test_account_through_the_cli(cli: Cli, estate: Estate) -> None:
    listed = cli("evidence", "list", "--account", STAGING, "--json")  # the fast path
    assert listed.exit_code == 1  # staging's one item is a FAIL
    assert [i["accountId"] for i in listed.json()["evidence"]] == [STAGING]
    stats = cli("evidence", "stats", "--account", PROD, "--json")
    assert stats.exit_code == 0 and stats.json()["total"] == len(estate.items["prod-1"])
    summary = cli("evidence", "compliance", "--framework", "ISO27001", "--account", STAGING)
    assert summary.exit_code == 0, summary.stderr
    bad = cli("evidence", "--account", "staging")
    assert bad.exit_code == 2 and "--account" in bad.stderr and "12 digits" not in bad.stdout

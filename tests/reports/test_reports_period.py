"""The period semantics of reports, on a hand-built history where every expected value is known:
which observation represents an item, how observations and failures are counted, when an item
counts as remediated, and which collections are in or out of the period. On SQLite and PostgreSQL
(the TEMP tables, the JSON of the control mappings and the exception globs differ between them)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.store import Store, open_store
from sentinel_cli.store.evidence import EvidenceRecord

pytestmark = pytest.mark.both_databases

CONTROLS = {"SOC2": ["CC6.1"], "ISO27001": ["A.8.5"]}


def _record(check: str, resource: str, status: str, severity: str = "high") -> EvidenceRecord:
    return EvidenceRecord(
        id=str(uuid.uuid4()),
        check_id=check,
        title=f"{check} holds",
        status=status,
        severity=severity,
        category="iam",
        resource_id=resource,
        resource_type="Thing",
        region=None,
        message=f"{resource} {status}",
        remediation={},
        controls=CONTROLS,
        raw={"result": status, "data": {"resource": resource, "status": status}},
    )


def _job(
    store: Store,
    integration_id: str,
    at: str,
    records: list[EvidenceRecord],
    status: str = "COMPLETED",
) -> str:
    job_id = str(uuid.uuid4())
    store.jobs.start(job_id=job_id, integration_id=integration_id, trigger="test", started_at=at)
    with store.transaction():
        if status != "FAILED":
            store.evidence.insert_many(
                records, job_id=job_id, integration_id=integration_id, collected_at=at
            )
        store.jobs.finish(
            job_id,
            status=status,
            counts=dict(Counter(r.status for r in records)),
            finished_at=at.replace("T00:", "T01:"),
        )
    return job_id


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with open_store(settings) as st:
        a, b = str(uuid.uuid4()), str(uuid.uuid4())
        for iid, name in ((a, "one"), (b, "two")):
            st.integrations.insert(
                integration_id=iid,
                type="AWS",
                name=name,
                external_id=name,
                config={},
                has_secret=False,
            )
        # Before the period: x fails (must not count).
        _job(st, a, "2025-01-31T00:00:00Z", [_record("chk", "x", "FAIL")])
        # In the period: x fails twice, then passes twice (fixed on 02-10); y fails throughout;
        # z passes then fails (open); w warns.
        _job(
            st,
            a,
            "2025-02-01T00:00:00Z",
            [_record("chk", r, s) for r, s in (("x", "FAIL"), ("y", "FAIL"), ("z", "PASS"))],
        )
        _job(
            st,
            a,
            "2025-02-05T00:00:00Z",
            [_record("chk", r, s) for r, s in (("x", "FAIL"), ("y", "FAIL"), ("z", "FAIL"))],
        )
        _job(st, a, "2025-02-10T00:00:00Z", [_record("chk", "x", "PASS")])
        _job(
            st,
            a,
            "2025-02-20T00:00:00Z",
            [_record("chk", "x", "PASS"), _record("w", "q", "WARNING")],
        )
        # A failed collection inside the period and a collection after it: neither counts.
        _job(st, a, "2025-02-21T00:00:00Z", [_record("chk", "x", "FAIL")], status="FAILED")
        _job(st, a, "2025-03-05T00:00:00Z", [_record("chk", "x", "FAIL")])
        # The same check and resource in another integration is another item.
        _job(st, b, "2025-02-15T00:00:00Z", [_record("chk", "x", "FAIL", severity="low")])
        yield st


def _items(store: Store, start: str, end: str) -> dict[tuple[str, str, str], dict]:
    with store.reports.period(start, end) as evidence:
        names = {
            r["id"]: r["name"] for r in store.conn.execute("SELECT id, name FROM integrations")
        }
        return {
            (names[i["integration_id"]], i["check_id"], i["resource_id"]): i
            for i in evidence.items()
        }


def test_each_item_is_its_latest_observation_in_the_period(store: Store) -> None:
    items = _items(store, "2025-02-01T00:00:00Z", "2025-02-28T23:59:59Z")
    assert set(items) == {
        ("one", "chk", "x"),
        ("one", "chk", "y"),
        ("one", "chk", "z"),
        ("one", "w", "q"),
        ("two", "chk", "x"),
    }
    x = items[("one", "chk", "x")]
    assert (x["status"], x["last_seen"], x["observations"]) == ("PASS", "2025-02-20T00:00:00Z", 4)
    assert (x["first_fail"], x["last_fail"], x["fail_observations"]) == (
        "2025-02-01T00:00:00Z",
        "2025-02-05T00:00:00Z",
        2,
    )
    assert x["remediated_at"] == "2025-02-10T00:00:00Z"
    y, z = items[("one", "chk", "y")], items[("one", "chk", "z")]
    assert (y["status"], y["remediated_at"], y["observations"]) == ("FAIL", None, 2)
    assert (z["status"], z["first_fail"], z["remediated_at"]) == (
        "FAIL",
        "2025-02-05T00:00:00Z",
        None,
    )
    other = items[("two", "chk", "x")]
    assert (other["status"], other["severity"], other["observations"]) == ("FAIL", "low", 1)
    # References follow check order, worst status first within a check.
    refs = sorted(items.values(), key=lambda i: i["ref"])
    assert [i["check_id"] for i in refs] == ["chk", "chk", "chk", "chk", "w"]
    assert refs[0]["status"] == "FAIL" and refs[3]["status"] == "PASS"


def test_a_shorter_period_sees_only_its_collections(store: Store) -> None:
    items = _items(store, "2025-02-06T00:00:00Z", "2025-02-12T23:59:59Z")
    assert list(items) == [("one", "chk", "x")]
    assert items[("one", "chk", "x")]["first_fail"] is None  # its failures were before
    assert _items(store, "2024-01-01T00:00:00Z", "2024-12-31T23:59:59Z") == {}


def test_totals_controls_failures_and_exceptions(store: Store) -> None:
    exception = {"id": "exc-1", "check_id": "chk", "resource_pattern": "y"}
    with store.reports.period(
        "2025-02-01T00:00:00Z", "2025-02-28T23:59:59Z", exceptions=[exception]
    ) as evidence:
        totals = evidence.totals()
        assert totals["items"] == 5 and totals["observations"] == 4 + 2 + 2 + 1 + 1
        assert totals["failed_in_period"] == 4 and totals["remediated"] == 1
        assert totals["excepted"] == totals["excepted_fail"] == 1
        assert evidence.failing_by_severity() == {"high": 1, "low": 1}  # y excepted
        assert [i["resource_id"] for i in evidence.top_failing(10)] == ["z", "x"]
        failures = [(i["resource_id"], i["remediated_at"] is not None) for i in evidence.failures()]
        assert failures[-1] == ("x", False) and ("x", True) in failures and len(failures) == 4
        (control,) = evidence.control_checks("SOC2")["CC6.1"][:1]
        assert control["items"] == 4 and control["failing"] == 2
        manifest = list(evidence.manifest())
        assert [m[0] for m in manifest] == [1, 2, 3, 4, 5]
        assert all(len(sha) == 64 for *_rest, sha in manifest)
    # close() dropped the temporary tables: the connection is clean for the next report.
    assert _temp_tables(store) == []


def _temp_tables(store: Store) -> list[str]:
    if store.conn.is_postgres:
        sql = "SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema()"
    else:
        sql = "SELECT name FROM sqlite_temp_master"
    return [r[0] for r in store.conn.execute(sql).fetchall()]


def test_exception_globs_match_as_fnmatch_does_first_exception_wins(store: Store) -> None:
    """Resource patterns are globs (``*``, ``?``, sets, negated sets) matched case-sensitively;
    of two exceptions of one check covering an item, the first (the list's order) is its."""
    exceptions = [
        {"id": "exc-none", "check_id": "chk", "resource_pattern": "[!xyz]"},
        {"id": "exc-set", "check_id": "chk", "resource_pattern": "[y-z]"},
        {"id": "exc-any", "check_id": "chk", "resource_pattern": "?"},
        {"id": "exc-other-check", "check_id": "w", "resource_pattern": "Q*"},
    ]
    with store.reports.period(
        "2025-02-01T00:00:00Z", "2025-02-28T23:59:59Z", exceptions=exceptions
    ) as evidence:
        covered = {
            (i["check_id"], i["resource_id"], i["status"]): i["exception_id"]
            for i in evidence.items()
        }
    assert covered == {
        ("chk", "x", "PASS"): None,  # a passing item is never excepted
        ("chk", "y", "FAIL"): "exc-set",  # "?" matches too, but comes later
        ("chk", "z", "FAIL"): "exc-set",
        ("chk", "x", "FAIL"): "exc-any",  # integration two's x
        ("w", "q", "WARNING"): None,  # globs are case-sensitive
    }


def test_a_build_clears_tables_a_previous_user_of_the_connection_left(store: Store) -> None:
    """A pooled connection can come back holding a report's TEMP tables (a process killed
    between build and close); the next report starts from its own, not from those."""
    first = store.reports.period("2025-02-01T00:00:00Z", "2025-02-28T23:59:59Z")
    assert len(list(first.items())) == 5  # never closed
    with store.reports.period("2025-02-06T00:00:00Z", "2025-02-12T23:59:59Z") as second:
        assert [i["resource_id"] for i in second.items()] == ["x"]
    assert _temp_tables(store) == []

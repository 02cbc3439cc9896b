"""`sentinel evidence list`: current state, every filter alone and combined, pagination, --as-of,
and bad input naming the allowed values (exit 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sentinel_cli.errors import InvalidInput, NotFound
from sentinel_cli.operations import evidence as ops
from sentinel_cli.wire import SEVERITIES
from tests.helpers.cli import Cli
from tests.helpers.estate import (
    CHECKS,
    LEGACY_OLD,
    PROD_2_DAYS_AGO,
    Estate,
    day_at,
    keys,
    rkeys,
    squash,
)

both_databases = pytest.mark.both_databases


def _all(est: Estate, **filters: object) -> list[dict]:
    return ops.list_evidence(est.store, limit=1000, **filters)["evidence"]


def _current(est: Estate, pred=lambda r: True) -> set[tuple[str, str, str]]:
    return rkeys([r for r in est.current() if pred(r)])


def test_current_state_is_latest_completed_job_of_each_live_integration(estate: Estate) -> None:
    items = _all(estate)
    assert keys(items) == _current(estate)
    assert len(items) == len(estate.current())
    job_ids = {i["jobId"] for i in items}
    assert job_ids == {estate.jobs["prod-1"], estate.jobs["acme-2"], estate.jobs["staging-1"]}
    # Neither the FAILED nor the RUNNING job, nor the removed integration, shows.
    assert estate.jobs["prod-failed"] not in job_ids
    assert estate.jobs["acme-running"] not in job_ids
    assert estate.integrations["legacy"] not in {i["integrationId"] for i in items}


def test_item_shape(estate: Estate) -> None:
    item = next(i for i in _all(estate) if i["checkId"] == "aws_s3_bucket_default_encryption")
    for key in (
        "id",
        "integrationId",
        "jobId",
        "checkId",
        "title",
        "status",
        "severity",
        "category",
        "resourceId",
        "resourceType",
        "region",
        "collectedAt",
        "message",
        "controls",
        "remediation",
        "excepted",
        "exception",
        "sha256",
    ):
        assert key in item, key
    # Every framework's key is present: one the item's recorded mapping does not name is empty.
    assert item["controls"] == {"SOC2": ["CC6.1", "CC6.7"], "ISO27001": ["A.8.24"], "NIST-CSF": []}
    assert item["remediation"] == {
        "text": "Fix aws_s3_bucket_default_encryption.",
        "cli": "fix --check aws_s3_bucket_default_encryption",
    }
    assert item["excepted"] is False and item["exception"] is None
    assert item["collectedAt"].endswith("Z") and len(item["sha256"]) == 64


def test_order_is_worst_first(estate: Estate) -> None:
    items = _all(estate)
    status_rank = {"FAIL": 0, "ERROR": 1, "WARNING": 2, "PASS": 3}
    sev_rank = {s: i for i, s in enumerate(SEVERITIES)}
    ranks = [(status_rank[i["status"]], sev_rank[i["severity"]]) for i in items]
    assert ranks == sorted(ranks)
    assert items[0]["checkId"] == "aws_iam_root_mfa"  # the critical FAIL


@pytest.mark.parametrize(
    ("filters", "pred"),
    [
        ({"status": "FAIL"}, lambda r: r.status == "FAIL"),
        ({"status": ["FAIL", "ERROR"]}, lambda r: r.status in ("FAIL", "ERROR")),
        ({"status": "fail,warning"}, lambda r: r.status in ("FAIL", "WARNING")),
        ({"category": "iam"}, lambda r: r.category == "iam"),
        ({"category": ["network", "storage"]}, lambda r: r.category in ("network", "storage")),
        ({"severity": "critical"}, lambda r: r.severity == "critical"),
        ({"severity": "high,low"}, lambda r: r.severity in ("high", "low")),
        ({"framework": "SOC2"}, lambda r: bool(r.controls.get("SOC2"))),
        ({"framework": "iso27001"}, lambda r: bool(r.controls.get("ISO27001"))),
        ({"control": "CC6.1"}, lambda r: "CC6.1" in r.controls.get("SOC2", [])),
        ({"control": "cc6.6"}, lambda r: "CC6.6" in r.controls.get("SOC2", [])),
        ({"control": "A.8.5"}, lambda r: "A.8.5" in r.controls.get("ISO27001", [])),
        (
            {"framework": "ISO27001", "control": "8.24"},
            lambda r: "A.8.24" in r.controls.get("ISO27001", []),
        ),
        (
            {"status": "FAIL", "category": "iam", "framework": "SOC2"},
            lambda r: r.status == "FAIL" and r.category == "iam" and bool(r.controls.get("SOC2")),
        ),
        (
            {"status": "FAIL", "severity": "high", "control": "CC6.1"},
            lambda r: (
                r.status == "FAIL"
                and r.severity == "high"
                and "CC6.1" in r.controls.get("SOC2", [])
            ),
        ),
        (
            {"status": ["PASS", "WARNING"], "category": "storage", "control": "A1.2"},
            lambda r: (
                r.status in ("PASS", "WARNING")
                and r.category == "storage"
                and "A1.2" in r.controls.get("SOC2", [])
            ),
        ),
    ],
)
def test_each_filter_alone_and_combined(estate: Estate, filters: dict, pred) -> None:
    expected = _current(estate, pred)
    assert expected, "the scenario must exercise the filter"
    assert keys(_all(estate, **filters)) == expected


@both_databases
def test_control_filter_uses_each_items_recorded_mapping(estate: Estate) -> None:
    """aws_s3_versioning maps to CC6.1 only in the staging collection (newer catalogue): the
    staging item is listed under CC6.1, the prod items of the same check are not."""
    items = _all(estate, control="CC6.1", category="storage")
    assert keys(items) == {
        ("aws_s3_versioning", "arn:aws:s3:::staging-assets", "FAIL"),
    }


@both_databases
def test_framework_filter_uses_each_items_recorded_mapping(estate: Estate) -> None:
    """aws_iam_password_policy maps to no ISO 27001 control in prod's collection and to one in
    another integration's (newer catalogue): under ISO 27001 only that integration's item is
    listed, counted and streamed."""
    estate.integration("newer")
    newer = {"aws_iam_password_policy": {"SOC2": ["CC6.2"], "ISO27001": ["A.5.17"]}}
    spec = ("aws_iam_password_policy", "210987654321", "FAIL", None)
    estate.collect("newer-0", "newer", [spec], at=day_at(0, 1), controls=newer)
    items = _all(estate, framework="ISO27001")
    policy = [i for i in items if i["checkId"] == "aws_iam_password_policy"]
    assert [i["resourceId"] for i in policy] == ["210987654321"]
    assert "aws_iam_root_mfa" in {i["checkId"] for i in items}
    listing = ops.evidence_listing(estate.store, framework="ISO27001", all_items=True, offset=1)
    assert listing.data["pagination"]["total"] == len(items)
    assert [i["id"] for i in listing.iter_items()] == [i["id"] for i in items[1:]]


def test_integration_filter_by_id_and_prefix(estate: Estate) -> None:
    acme = estate.integrations["acme"]
    for ident in (acme, acme[:8]):
        items = _all(estate, integration=ident)
        assert keys(items) == rkeys(estate.items["acme-2"])
    with pytest.raises(NotFound):
        _all(estate, integration="ffffffff-0000")


def test_pagination(estate: Estate) -> None:
    everything = _all(estate)
    page1 = ops.list_evidence(estate.store, limit=5, offset=0)
    page2 = ops.list_evidence(estate.store, limit=5, offset=5)
    assert page1["pagination"] == {"total": len(everything), "limit": 5, "offset": 0}
    assert [i["id"] for i in page1["evidence"] + page2["evidence"]] == [
        i["id"] for i in everything[:10]
    ]
    default = ops.list_evidence(estate.store)
    assert default["pagination"]["limit"] == 50
    beyond = ops.list_evidence(estate.store, limit=5, offset=1000)
    assert beyond["evidence"] == [] and beyond["pagination"]["total"] == len(everything)


def test_as_of_replays_the_state_at_the_end_of_a_day(estate: Estate) -> None:
    two_days_ago = day_at(2).date().isoformat()
    items = _all(estate, as_of=two_days_ago)
    # prod's collection of that day and acme's (staging did not exist yet; legacy was removed
    # at noon that day).
    assert keys(items) == rkeys(estate.items["prod-2"]) | rkeys(estate.items["acme-2"])
    assert rkeys(estate.items["prod-2"]) == {(c, r, s) for c, r, s, _ in PROD_2_DAYS_AGO}
    three_days_ago = day_at(3).date().isoformat()
    assert keys(_all(estate, as_of=three_days_ago)) == rkeys(estate.items["prod-3"]) | {
        (c, r, s) for c, r, s, _ in LEGACY_OLD
    }
    # A timestamp works too; before any collection there is nothing.
    assert _all(estate, as_of=(day_at(3) - timedelta(days=1)).date().isoformat()) == []
    listing = ops.evidence_listing(estate.store, as_of=two_days_ago)
    assert listing.as_of == f"{two_days_ago}T23:59:59Z"


def test_explicit_now_moves_the_clock(estate: Estate) -> None:
    """Operations take ``now``: the state as seen 2 days ago at 12:00 is prod-2 + acme-2."""
    items = ops.list_evidence(estate.store, limit=1000, now=day_at(2, 12))["evidence"]
    assert keys(items) == rkeys(estate.items["prod-2"]) | rkeys(estate.items["acme-2"])


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"status": "BOGUS"}, "allowed values: PASS, FAIL, WARNING, ERROR"),
        ({"severity": "extreme"}, "allowed values: critical, high, medium, low, info"),
        ({"framework": "PCI"}, "expected one of SOC2, ISO27001"),
        ({"category": "nonsense"}, "allowed values:"),
        ({"limit": -1}, "--limit must be between 1 and 1000"),
        ({"limit": 0}, "--limit must be between 1 and 1000"),
        ({"limit": "ten"}, "--limit: 'ten' is not a whole number"),
        ({"offset": -3}, "--offset must be 0 or more"),
        ({"as_of": "2025-13-45"}, "--as-of: '2025-13-45' is not a date"),
        ({"as_of": "yesterday"}, "--as-of: 'yesterday' is not a date"),
        ({"control": "ZZ9.9"}, "is not a control of SOC2 or ISO27001"),
        ({"framework": "SOC2", "control": "A.8.5"}, "unknown SOC2 control"),
        ({"fail_on": "sometimes"}, "allowed values: PASS, FAIL, WARNING, ERROR, or none"),
        ({"output": "xml"}, "allowed values: table, json, csv, sarif, junit"),
    ],
)
def test_bad_input_names_the_allowed_values(estate: Estate, filters: dict, message: str) -> None:
    with pytest.raises(InvalidInput) as info:
        ops.evidence_listing(estate.store, **filters)
    assert message in info.value.message + " " + (info.value.hint or "")


def test_unknown_category_lists_the_known_ones(estate: Estate) -> None:
    with pytest.raises(InvalidInput) as info:
        _all(estate, category="nonsense")
    for category in {m.category for m in CHECKS.values()}:
        assert category in info.value.message


def test_cli_list_json_and_default_command(cli: Cli, estate: Estate) -> None:
    listed = cli("evidence", "list", "--status", "PASS", "--json")
    assert listed.exit_code == 0, listed.stderr
    default = cli("evidence", "--status", "PASS", "--json")
    assert default.exit_code == 0, default.stderr
    assert listed.json() == default.json()
    assert keys(listed.json()["evidence"]) == _current(estate, lambda r: r.status == "PASS")
    combined = cli(
        "evidence", "-s", "FAIL", "-s", "ERROR", "--category", "iam", "--json", "--fail-on", "none"
    )
    assert combined.exit_code == 0, combined.stderr
    assert keys(combined.json()["evidence"]) == _current(
        estate, lambda r: r.status in ("FAIL", "ERROR") and r.category == "iam"
    )
    paged = cli("evidence", "--limit", "2", "--offset", "1", "--json", "--fail-on", "none")
    assert paged.json()["pagination"] == {
        "total": len(estate.current()),
        "limit": 2,
        "offset": 1,
    }


def test_cli_table_output(cli: Cli, estate: Estate) -> None:
    result = cli("evidence", "--status", "FAIL", "--fail-on", "none")
    assert result.exit_code == 0, result.stderr
    for rec in estate.current():
        assert (rec.id[:8] in result.stdout) == (rec.status == "FAIL")
    assert "1-7 of 7 (current state)" in squash(result.stdout)


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (["--status", "BOGUS"], "PASS, FAIL, WARNING, ERROR"),
        (["--framework", "PCI"], "SOC2, ISO27001"),
        (["--category", "nonsense"], "allowed values: "),
        (["--limit", "-1"], "between 1 and 1000"),
        (["--as-of", "2025-02-30"], "YYYY-MM-DD"),
        (["--severity", "extreme"], "critical, high, medium, low, info"),
        (["--format", "xml"], "table, json, csv, sarif, junit"),
        (["--fail-on", "sometimes"], "or none"),
    ],
)
def test_cli_bad_input_exits_2_naming_allowed_values(
    cli: Cli, estate: Estate, args: list[str], allowed: str
) -> None:
    result = cli("evidence", *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert allowed in squash(result.stderr)
    assert result.stdout == ""


def test_list_path_imports_no_yaml_rich_or_sdk(estate: Estate) -> None:
    """The CI call must stay light: no catalogue parsing, no Rich, no SDK, and no pydantic (which
    Typer's option coercion would import; the console script answers this call without Typer)."""
    import json
    import os
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from sentinel_cli.cli import main\n"
        "code = 'none'\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as exc:\n    code = exc.code\n"
        "sys.stdout.flush()\n"
        "print(f'CODE={code}', file=sys.stderr)\n"
        "print('MODS=' + ','.join(sorted(m for m in ('yaml', 'pydantic', 'rich', 'boto3') "
        "if m in sys.modules)), file=sys.stderr)\n"
    )
    env = {**os.environ, "SENTINEL_SECRETS_BACKEND": "file"}
    proc = subprocess.run(
        [sys.executable, "-c", probe, "evidence", "--status", "FAIL", "--limit", "50", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    # The probe ran the command to its end: the gate's exit code (the estate has FAIL items) and
    # the JSON page on stdout.
    assert "CODE=1" in proc.stderr.splitlines(), proc.stderr
    items = json.loads(proc.stdout)["evidence"]
    assert items and all(i["status"] == "FAIL" for i in items)
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("MODS=")][-1]
    mods = [m for m in line.removeprefix("MODS=").split(",") if m]
    assert mods == []

"""The CI gating contract of `sentinel evidence`: exit 1 when the matching items (all of them, not
just the page) include a non-excepted --fail-on status, 0 otherwise, 2 for usage errors — including
--fail-on none and an exception that has expired."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sentinel_cli.operations import evidence as ops
from sentinel_cli.operations import exceptions as exc_ops
from tests.helpers.cli import Cli
from tests.helpers.estate import Estate, day_at

FAILING_CHECKS = (
    "aws_iam_root_mfa",
    "aws_iam_key_rotation_90d",
    "aws_s3_bucket_default_encryption",
    "aws_s3_versioning",
    "aws_ec2_sg_no_ssh_world",
    "github_repo_default_branch_protected",
)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--status", "FAIL"], 1),
        ([], 1),
        (["--status", "PASS"], 0),
        (["--status", "WARNING"], 0),
        (["--status", "FAIL", "--fail-on", "none"], 0),
        (["--fail-on", "NONE"], 0),
        (["--status", "WARNING", "--fail-on", "FAIL,ERROR"], 0),
        (["--fail-on", "ERROR"], 1),
        (["--status", "PASS,WARNING", "--fail-on", "WARNING"], 1),
        (["--category", "logging", "--fail-on", "FAIL"], 0),
        (["--category", "logging", "--fail-on", "FAIL,ERROR"], 1),
        (["--integration", "GITHUB"], 1),
        # Gating looks at every matching item, not only the printed page.
        (["--status", "FAIL", "--limit", "1", "--offset", "500"], 1),
        (["--status", "BOGUS"], 2),
        (["--fail-on", "BOGUS"], 2),
    ],
)
def test_exit_codes(cli: Cli, estate: Estate, args: list[str], code: int) -> None:
    args = [estate.integrations["acme"] if a == "GITHUB" else a for a in args]
    for fmt in ("--json", "--format=sarif"):
        result = cli("evidence", *args, fmt)
        assert result.exit_code == code, (args, fmt, result.stderr)
        if code == 1:
            assert "exit 1" in result.stderr


def test_status_filter_and_fail_on_intersect(estate: Estate) -> None:
    listing = ops.evidence_listing(estate.store, status="PASS", fail_on="FAIL")
    assert listing.failing == 0 and listing.exit_code == 0
    listing = ops.evidence_listing(estate.store, status="FAIL", fail_on="FAIL,ERROR")
    assert listing.failing == 7 and listing.exit_code == 1
    listing = ops.evidence_listing(estate.store, fail_on="FAIL,ERROR")
    assert listing.failing == 8


def test_excepting_every_failure_turns_the_gate_green(cli: Cli, estate: Estate) -> None:
    expires = (day_at(0) + timedelta(days=30)).date().isoformat()
    for check in FAILING_CHECKS:
        added = cli(
            "exceptions",
            "add",
            "--check",
            check,
            "--reason",
            "accepted by the risk committee",
            "--owner",
            "cto@example.com",
            "--expires",
            expires,
            "--json",
        )
        assert added.exit_code == 0, added.stderr
    result = cli("evidence", "--status", "FAIL", "--json")
    assert result.exit_code == 0, result.stderr
    items = result.json()["evidence"]
    assert len(items) == 7
    assert all(i["status"] == "FAIL" and i["excepted"] for i in items)
    assert all(i["exception"]["owner"] == "cto@example.com" for i in items)
    # ERROR is never excepted: it still trips a FAIL,ERROR gate.
    assert cli("evidence", "--fail-on", "FAIL,ERROR", "--json").exit_code == 1
    # WARNING items of excepted checks are excepted too.
    warnings = cli("evidence", "--status", "WARNING", "--fail-on", "WARNING", "--json")
    assert warnings.exit_code == 0
    warning_items = warnings.json()["evidence"]
    assert len(warning_items) == 2
    assert {i["checkId"] for i in warning_items} == {
        "aws_iam_key_rotation_90d",
        "aws_s3_versioning",
    }
    assert all(i["status"] == "WARNING" and i["excepted"] for i in warning_items)


def test_resource_pattern_limits_an_exception(cli: Cli, estate: Estate) -> None:
    expires = (day_at(0) + timedelta(days=30)).date().isoformat()
    added = cli(
        "exceptions",
        "add",
        "--check",
        "aws_s3_bucket_default_encryption",
        "--resource",
        "arn:aws:s3:::acme-tmp-*",
        "--reason",
        "scratch data only",
        "--owner",
        "ops@example.com",
        "--expires",
        expires,
        "--json",
    )
    assert added.exit_code == 0, added.stderr
    items = cli("evidence", "--status", "FAIL", "--category", "encryption", "--json").json()[
        "evidence"
    ]
    by_resource = {i["resourceId"]: i["excepted"] for i in items}
    assert by_resource == {"arn:aws:s3:::acme-tmp-scratch": True, "arn:aws:s3:::acme-data": False}
    assert cli("evidence", "--status", "FAIL", "--category", "encryption", "--json").exit_code == 1


def test_an_expired_exception_counts_again(cli: Cli, estate: Estate) -> None:
    """Exceptions added in the past (operation with ``now``), one expired yesterday, one expiring
    today: the CLI (real clock) fails on the first and not on the second."""
    past = day_at(10)
    expiries = {
        "aws_iam_root_mfa": day_at(1).date().isoformat(),  # expired yesterday
        "aws_ec2_sg_no_ssh_world": day_at(0).date().isoformat(),  # expires today (UTC)
    }
    for check in FAILING_CHECKS:
        exc_ops.add_exception(
            estate.store,
            check_id=check,
            reason="temporary",
            owner="sec@example.com",
            expires=expiries.get(check, "2999-01-01"),
            now=past,
        )
    result = cli("evidence", "--status", "FAIL", "--json")
    assert result.exit_code == 1, result.stderr
    items = result.json()["evidence"]
    assert {i["checkId"] for i in items if not i["excepted"]} == {"aws_iam_root_mfa"}
    excepted_by_check: dict[str, set[bool]] = {}
    for i in items:
        excepted_by_check.setdefault(i["checkId"], set()).add(i["excepted"])
    # The one expiring today still covers; the one that expired yesterday does not.
    assert excepted_by_check["aws_ec2_sg_no_ssh_world"] == {True}
    assert excepted_by_check["aws_iam_root_mfa"] == {False}
    assert "1 matching item(s)" in result.stderr


def test_exception_covers_through_the_end_of_its_day_and_not_after(estate: Estate) -> None:
    expiry_day = day_at(-5).date()
    exc_ops.add_exception(
        estate.store,
        check_id="aws_iam_root_mfa",
        reason="hardware key on order",
        owner="sec@example.com",
        expires=expiry_day.isoformat(),
        now=day_at(1),
    )
    last_second = day_at(-5, 23) + timedelta(minutes=59, seconds=59)
    first_second_after = day_at(-6, 0)

    def root_items(now):
        listing = ops.evidence_listing(
            estate.store, status="FAIL", severity="critical", now=now, limit=10
        )
        return listing

    during = root_items(last_second)
    assert [i["excepted"] for i in during.items] == [True]
    assert during.exit_code == 0
    after = root_items(first_second_after)
    assert [i["excepted"] for i in after.items] == [False]
    assert after.exit_code == 1
    # And before it was created it did not apply either (history stays true).
    before = root_items(day_at(1) - timedelta(seconds=1))
    assert [i["excepted"] for i in before.items] == [False]


def test_removed_exception_stops_applying(estate: Estate) -> None:
    added = exc_ops.add_exception(
        estate.store,
        check_id="aws_iam_root_mfa",
        reason="r",
        owner="a@example.com",
        expires="2999-12-31",
        now=day_at(1),
    )["exception"]
    assert ops.evidence_listing(estate.store, status="FAIL", severity="critical").exit_code == 0
    exc_ops.remove_exception(estate.store, added["id"][:8])
    assert ops.evidence_listing(estate.store, status="FAIL", severity="critical").exit_code == 1
    # Seen as of yesterday, it was still in force.
    as_of = ops.evidence_listing(
        estate.store, status="FAIL", severity="critical", as_of=day_at(1).date().isoformat()
    )
    assert as_of.exit_code == 0


def test_the_ci_example_gates_and_writes_valid_sarif(cli: Cli, estate: Estate) -> None:
    """examples/ci-gate.yml runs `sentinel evidence --status FAIL --format sarif`: with FAIL items
    it exits 1 and still writes a complete SARIF log for the upload step."""
    from pathlib import Path

    import yaml

    from tests.helpers.sarif import validate_sarif

    workflow = yaml.safe_load(
        (Path(__file__).parents[2] / "examples" / "ci-gate.yml").read_text("utf-8")
    )
    steps = workflow["jobs"]["gate"]["steps"]
    gate = next(s for s in steps if s.get("name") == "Gate on failing evidence")
    command = gate["run"].split(">")[0].split()
    assert command[:2] == ["sentinel", "evidence"]
    upload = next(s for s in steps if "upload-sarif" in str(s.get("uses")))
    assert "always()" in upload["if"]
    assert workflow["permissions"]["security-events"] == "write"

    import json

    result = cli(*command[1:])
    assert result.exit_code == 1
    validate_sarif(json.loads(result.stdout))

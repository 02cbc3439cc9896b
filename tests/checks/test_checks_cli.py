"""``sentinel checks``: the catalogue from the command line, with filters, JSON and errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sentinel_cli.checks import all_metadata
from tests.helpers.cli import Cli


def test_list_json_is_every_check_once(cli: Cli) -> None:
    result = cli("checks", "list", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["total"] == len({m.id for m in all_metadata().values()}) == len(data["checks"])
    first = data["checks"][0]
    assert set(first) >= {"id", "provider", "title", "severity", "category", "controls"}
    assert set(first["controls"]) == {"SOC2", "ISO27001", "NIST-CSF"}


def _github_critical(check: dict[str, Any]) -> bool:
    return check["provider"] == "GITHUB" and check["severity"] == "critical"


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["--provider", "aws"], lambda c: c["provider"] == "AWS"),
        (["-p", "GitHub", "--severity", "critical"], _github_critical),
        (["--category", "iam"], lambda c: c["category"] == "iam"),
        (["-f", "ISO27001", "--control", "8.5"], lambda c: "A.8.5" in c["controls"]["ISO27001"]),
        (["-f", "nist", "--control", "pr.aa-3"], lambda c: "PR.AA-03" in c["controls"]["NIST-CSF"]),
        (["--framework", "NIST-CSF"], lambda c: bool(c["controls"]["NIST-CSF"])),
    ],
)
def test_each_filter_keeps_exactly_the_matching_checks(
    cli: Cli, args: list[str], expect: Callable[[dict[str, Any]], bool]
) -> None:
    everything = cli("checks", "list", "--json").json()["checks"]
    kept = cli("checks", "list", *args, "--json").json()["checks"]
    assert kept == [c for c in everything if expect(c)] and kept


def test_table_lists_controls_and_show_explains_one_check(cli: Cli) -> None:
    table = cli("checks", "list", "--framework", "SOC2", "--control", "CC8.1")
    assert table.exit_code == 0 and "github_repo_review_required" in table.stdout
    assert "aws_s3_versioning" not in table.stdout
    shown = cli("checks", "show", "aws_s3_versioning")
    assert shown.exit_code == 0, shown.stderr
    for fragment in (
        "S3 buckets keep object versions",
        "A1.2",
        "NIST-CSF PR.DS-11: Backups of data",
        "Remediation",
        "put-bucket-versioning",
    ):
        assert fragment in shown.stdout, fragment


def test_nist_csf_needs_no_code_of_its_own(cli: Cli) -> None:
    """The third framework is a YAML file and catalogue mappings: the table grows a column and
    every filter takes its ids, as for the first two."""
    table = cli("checks", "list", "--framework", "csf", "--control", "PR.AA-03", "--wide")
    assert table.exit_code == 0, table.stderr
    header = next(line for line in table.stdout.splitlines() if line.startswith("Check "))
    assert all(fid in header for fid in ("SOC2", "ISO27001", "NIST-CSF")), header
    for check_id in ("aws_iam_root_mfa", "aws_iam_user_console_mfa", "github_org_2fa_required"):
        assert check_id in table.stdout
    assert "aws_s3_versioning" not in table.stdout


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["checks", "list", "--provider", "azure"], 2, "AWS, GITHUB"),
        (["checks", "list", "--control", "CC6.1"], 2, "--framework"),
        (["checks", "list", "--framework", "SOC2", "--control", "nope"], 2, "unknown SOC2 control"),
        (["checks", "list", "-f", "NIST-CSF", "--control", "PR.DS-03"], 2, "GV.OC-01"),
        (["checks", "list", "--framework", "pci"], 2, "SOC2, ISO27001, NIST-CSF"),
        (["checks", "list", "--severity", "urgent"], 2, "critical"),
        (["checks", "show", "aws_s3"], 3, "did you mean"),
    ],
)
def test_bad_input_is_a_clear_error(cli: Cli, args: list[str], code: int, fragment: str) -> None:
    result = cli(*args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert fragment in " ".join(result.stderr.split()) and result.stdout == ""

"""`sentinel policies` through the real Typer app: generate, list, show, approve, download, errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.store import open_store
from tests.helpers.cli import Cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "company.yaml"
BASE_SET = (
    "--set",
    "companyName=Acme Corp",
    "--set",
    "securityOfficer=Zoë Müller",
    "--set",
    "securityOfficerEmail=security@acme.example",
)
INJECTIONS = ("{{ 7*7 }}", "{{ ''.__class__ }}")


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich wraps at 80 columns off a terminal; a wide console keeps table cells whole."""
    from sentinel_cli.cli import console

    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(console, "_stdout_console", None)
    monkeypatch.setattr(console, "_stderr_console", None)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _rows(table: str) -> int:
    """Rows of a table; a store never created (input refused before it was opened) has none."""
    settings = Settings.from_env()
    if not settings.db_url and not settings.db_path.exists():
        return 0
    with open_store(settings) as store:
        return int(store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def _generate(cli: Cli, *args: str) -> dict:
    result = cli("policies", "generate", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return result.json()["policy"]


def test_help_lists_policies(cli: Cli) -> None:
    result = cli("policies", "--help")
    assert result.exit_code == 0
    for command in ("templates", "generate", "profile", "list", "show", "approve", "download"):
        assert command in result.stdout


def test_templates_json_and_table(cli: Cli) -> None:
    result = cli("policies", "templates", "--json")
    assert result.exit_code == 0, result.stderr
    templates = result.json()["templates"]
    assert len(templates) >= 20
    assert {t["id"] for t in templates} >= {"information-security-policy", "backup-policy"}
    assert cli("policies", "templates").exit_code == 0


def test_generate_list_show_approve_round_trip(cli: Cli) -> None:
    first = _generate(cli, "backup-policy", *BASE_SET)
    assert first["version"] == 1 and first["status"] == "DRAFT"
    assert first["owner"] == "security@acme.example"
    assert "Zoë Müller" in first["content"]
    second = _generate(cli, "backup-policy", *BASE_SET, "--owner", "ops@acme.example")
    assert second["version"] == 2 and second["owner"] == "ops@acme.example"

    listed = cli("policies", "list", "--json").json()["policies"]
    assert [(p["id"], p["version"]) for p in listed] == [(second["id"], 2)]
    keys = {"id", "templateId", "title", "version", "status", "owner", "approvedBy"}
    assert keys | {"approvedAt", "nextReviewAt", "createdAt", "reviewOverdue"} <= set(listed[0])
    assert "content" not in listed[0]
    every = cli("policies", "list", "--all-versions", "--json").json()["policies"]
    assert [p["version"] for p in every] == [2, 1]
    table = cli("policies", "list")
    assert table.exit_code == 0 and "Backup Policy" in table.stdout and "DRAFT" in table.stdout

    shown = cli("policies", "show", second["id"][:8], "--json").json()["policy"]
    assert shown["content"] == second["content"]
    assert [r["version"] for r in shown["revisions"]] == [1, 2]
    assert "Revision history" in cli("policies", "show", second["id"]).stdout

    refused = cli("policies", "approve", first["id"], "--approver", "ceo@acme.example")
    assert refused.exit_code == 7 and "latest version" in refused.stderr
    approved = cli(
        "policies", "approve", second["id"][:8], "--approver", "ceo@acme.example", "--json"
    )
    assert approved.exit_code == 0, approved.stderr
    item = approved.json()["policy"]
    assert item["status"] == "APPROVED" and item["approvedBy"] == "ceo@acme.example"
    approved_at = dt.datetime.fromisoformat(item["approvedAt"].replace("Z", "+00:00"))
    due = dt.datetime.fromisoformat(item["nextReviewAt"].replace("Z", "+00:00"))
    assert (due - approved_at).days in (365, 366)
    assert "APPROVED" in cli("policies", "list").stdout
    assert _rows("activity") == 3


def test_profile_commands_and_profile_feeds_generation(cli: Cli) -> None:
    assert cli("policies", "profile", "show", "--json").json() == {"profile": {}}
    saved = cli(
        "policies",
        "profile",
        "set",
        "companyName=株式会社 Example",
        "securityOfficer=Zoë Müller",
        "securityOfficerEmail=zoe@example.jp",
        "--json",
    )
    assert saved.exit_code == 0, saved.stderr
    assert saved.json()["profile"]["companyName"] == "株式会社 Example"
    policy = _generate(cli, "acceptable-use-policy", "--set", "hrDepartment=HR")
    assert policy["data"]["companyName"] == "株式会社 Example"
    assert policy["data"]["hrDepartment"] == "HR"
    assert "株式会社 Example" in cli("policies", "profile", "show").stdout

    removed = cli("policies", "profile", "unset", "securityOfficer", "--json")
    assert "securityOfficer" not in removed.json()["profile"]
    assert cli("policies", "profile", "unset", "securityOfficer").exit_code == 3
    bad = cli("policies", "profile", "set", "companyName")
    assert bad.exit_code == 2 and "NAME=VALUE" in bad.stderr
    typo = cli("policies", "profile", "set", "compnyName=x")
    assert typo.exit_code == 2 and "compnyName" in typo.stderr


def test_data_file_and_set_precedence(cli: Cli) -> None:
    policy = _generate(
        cli, "information-security-policy", "--data", str(EXAMPLE), "--set", "industry=retail"
    )
    assert policy["data"]["companyName"] == "Acme Corp"  # from the file
    assert policy["data"]["industry"] == "retail"  # --set wins


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("no-such-policy", *BASE_SET), 3, "Unknown policy template"),
        (("backup-policy", "--set", "companyName"), 2, "NAME=VALUE"),
        # Missing fields alone make a draft; a badly typed value is refused even beside them.
        (("backup-policy", "--set", "backupRetentionDays=abc"), 2, "backupRetentionDays"),
        (("backup-policy", *BASE_SET, "--set", "securityOfficerEmail=nope"), 2, "email address"),
        (("backup-policy", "--data", "DATAFILE"), 2, "is not valid YAML"),
        (("backup-policy", *BASE_SET, "--owner", "me"), 2, "--owner"),
    ],
)
def test_bad_input_is_one_error_and_stores_nothing(
    cli: Cli, tmp_path: Path, args: tuple[str, ...], code: int, needle: str
) -> None:
    data = tmp_path / "company.yaml"
    data.write_text("companyName: Acme\n  bad: [indent\n")
    args = tuple(str(data) if a == "DATAFILE" else a for a in args)
    result = cli("policies", "generate", *args)
    assert result.exit_code == code, result.stderr
    assert needle in _flat(result.stderr)
    assert result.stderr.count("error:") == 1
    assert _rows("policies") == 0 and _rows("activity") == 0


SPEC_SETS = (
    "--set",
    "companyName=Acme Corp",
    "--set",
    "industry=technology",
    "--set",
    "employeeCount=50-100",
)


def test_generate_with_missing_fields_warns_and_approve_waits_for_them(cli: Cli) -> None:
    generated = cli("policies", "generate", "information-security-policy", *SPEC_SETS)
    assert generated.exit_code == 0, generated.stderr
    assert "Generated" in generated.stdout and "error:" not in generated.stderr
    warning = _flat(generated.stderr)
    assert warning.startswith("warning: Information Security Policy version 1 is a draft")
    assert "missing required field(s): securityOfficer, securityOfficerEmail" in warning
    assert (
        "sentinel policies generate information-security-policy --set securityOfficer=... "
        "--set securityOfficerEmail=..." in warning
    )
    assert "sentinel policies profile set securityOfficer=... securityOfficerEmail=..." in warning

    as_json = cli("policies", "generate", "information-security-policy", *SPEC_SETS, "--json")
    assert as_json.exit_code == 0 and "warning:" in as_json.stderr
    draft = as_json.json()["policy"]
    assert draft["version"] == 2 and draft["status"] == "DRAFT"
    assert draft["missingFields"] == ["securityOfficer", "securityOfficerEmail"]
    assert (
        "[Security Officer]" in draft["content"] and "[Security Officer Email]" in draft["content"]
    )
    listed = cli("policies", "list", "--json").json()["policies"]
    assert [(p["id"], p["missingFields"]) for p in listed] == [
        (draft["id"], draft["missingFields"])
    ]
    shown = cli("policies", "show", draft["id"], "--json").json()["policy"]
    assert shown["missingFields"] == draft["missingFields"]
    assert "securityOfficer, securityOfficerEmail" in cli("policies", "show", draft["id"]).stdout

    refused = cli("policies", "approve", draft["id"], "--approver", "ceo@acme.example")
    assert refused.exit_code == 2
    assert "missing" in refused.stderr and "securityOfficer, securityOfficerEmail" in refused.stderr
    assert cli("policies", "show", draft["id"], "--json").json()["policy"]["status"] == "DRAFT"

    # The next version with the fields: no warning, and it can be approved.
    sets = ("--set", "securityOfficer=Jane Doe", "--set", "securityOfficerEmail=j@acme.example")
    done = cli("policies", "generate", "information-security-policy", *SPEC_SETS, *sets, "--json")
    assert done.exit_code == 0 and "warning" not in done.stderr
    complete = done.json()["policy"]
    assert complete["missingFields"] == [] and "[Security Officer" not in complete["content"]
    approved = cli(
        "policies", "approve", complete["id"], "--approver", "ceo@acme.example", "--json"
    )
    assert approved.exit_code == 0, approved.stderr
    assert approved.json()["policy"]["status"] == "APPROVED"
    assert approved.json()["policy"]["missingFields"] == []


def test_missing_fields_set_once_in_the_company_profile(cli: Cli) -> None:
    draft = _generate(cli, "backup-policy", "--set", "companyName=Acme Corp")
    assert draft["missingFields"] == ["securityOfficer", "securityOfficerEmail"]
    saved = cli(
        "policies", "profile", "set", "securityOfficer=Jane Doe", "securityOfficerEmail=j@acme.ex"
    )
    assert saved.exit_code == 0, saved.stderr
    # The draft keeps its placeholders (it is stored as generated) until the next version.
    refused = cli("policies", "approve", draft["id"], "--approver", "ceo@acme.example")
    assert refused.exit_code == 2 and "securityOfficer, securityOfficerEmail" in refused.stderr
    complete = _generate(cli, "backup-policy", "--set", "companyName=Acme Corp")
    assert complete["missingFields"] == [] and "Jane Doe" in complete["content"]
    approve = cli("policies", "approve", complete["id"], "--approver", "ceo@acme.example")
    assert approve.exit_code == 0, approve.stderr


def test_injection_strings_come_out_literally_in_markdown(cli: Cli, tmp_path: Path) -> None:
    policy = _generate(
        cli,
        "backup-policy",
        *BASE_SET,
        "--set",
        f"companyName={INJECTIONS[0]}",
        "--set",
        f"securityOfficer={INJECTIONS[1]}",
    )
    out = tmp_path / "p.md"
    assert cli("policies", "download", policy["id"], "--output", str(out)).exit_code == 0
    for text in (policy["content"], out.read_text(encoding="utf-8")):
        assert INJECTIONS[0] in text and INJECTIONS[1] in text
        assert "<class" not in text and "**49**" not in text


def test_download_markdown_file_stdout_and_overwrite(cli: Cli, tmp_path: Path) -> None:
    policy = _generate(cli, "backup-policy", *BASE_SET)
    out = tmp_path / "backup.md"
    wrote = cli("policies", "download", policy["id"], "--format", "md", "--output", str(out))
    assert wrote.exit_code == 0, wrote.stderr
    assert out.read_text(encoding="utf-8") == policy["content"]

    again = cli("policies", "download", policy["id"], "--output", str(out))
    assert again.exit_code == 7 and "--force" in again.stderr
    out.write_text("stale")
    forced = cli("policies", "download", policy["id"], "--output", str(out), "--force")
    assert forced.exit_code == 0 and out.read_text(encoding="utf-8") == policy["content"]

    stdout = cli("policies", "download", policy["id"], "--output", "-")
    assert stdout.exit_code == 0 and stdout.stdout == policy["content"]

    into_dir = cli("policies", "download", policy["id"], "--output", str(tmp_path))
    assert into_dir.exit_code == 0
    assert (tmp_path / "backup-policy-v1.md").read_text(encoding="utf-8") == policy["content"]

    missing = cli("policies", "download", policy["id"], "--output", str(tmp_path / "no" / "x.md"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    fmt = cli("policies", "download", policy["id"], "--format", "docx", "--output", "-")
    assert fmt.exit_code == 2 and "--format" in fmt.stderr
    unknown = cli("policies", "download", "00000000-dead", "--output", "-")
    assert unknown.exit_code == 3


def test_overdue_review_is_highlighted(cli: Cli, settings: Settings) -> None:
    from sentinel_cli.operations import policies
    from sentinel_cli.store import open_store

    policy = _generate(cli, "backup-policy", *BASE_SET)
    long_ago = dt.datetime(2020, 1, 15, tzinfo=dt.UTC)
    with open_store(settings) as store:
        policies.approve_policy(store, policy["id"], approver="ceo@acme.example", now=long_ago)
    listed = cli("policies", "list", "--json").json()["policies"]
    assert (
        listed[0]["reviewOverdue"] is True and listed[0]["nextReviewAt"] == "2021-01-15T00:00:00Z"
    )
    assert "(overdue)" in cli("policies", "list").stdout
    fresh = cli("policies", "approve", policy["id"], "--approver", "ceo@acme.example", "--json")
    assert fresh.json()["policy"]["reviewOverdue"] is False  # approving again records the review


def test_listing_policies_imports_no_heavy_library(tmp_path: Path) -> None:
    from tests.helpers.imports import heavy_modules_for

    assert heavy_modules_for(["policies", "list", "--json"], tmp_path) == []
    assert heavy_modules_for(["policies", "--help"], tmp_path) == []


def test_json_output_is_valid_json_for_every_read_command(cli: Cli) -> None:
    _generate(cli, "backup-policy", *BASE_SET)
    for args in (("templates",), ("list",), ("profile", "show")):
        result = cli("policies", *args, "--json")
        assert result.exit_code == 0
        json.loads(result.stdout)

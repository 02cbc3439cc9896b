"""``sentinel schedules set|list|remove`` on the local store: JSON as the API's data, tables that
fit 40 and 120 columns, help that names the units and the minimum, errors that say what to do."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sentinel_cli.timeutil import parse_iso, utcnow
from tests.helpers.cli import Cli


def _connect(cli: Cli, org: str) -> str:
    connected = cli(
        "integrations",
        "connect",
        "github",
        "--org",
        org,
        "--name",
        org,
        "--token",
        "t",
        "--no-verify",
        "--json",
    )
    assert connected.exit_code == 0, connected.stderr
    return str(connected.json()["integration"]["id"])


def test_set_list_and_remove_a_schedule(cli: Cli) -> None:
    acme = _connect(cli, "acme")
    before = utcnow()
    result = cli("schedules", "set", "--integration", acme[:8], "--every", "90m", "--json")
    assert result.exit_code == 0, result.stderr
    schedule = result.json()["schedule"]
    assert schedule["integrationId"] == acme and schedule["integrationName"] == "acme"
    assert (schedule["every"], schedule["cron"]) == ("90m", None)
    first = parse_iso(schedule["nextRunAt"]) - before
    assert timedelta(minutes=89) < first <= timedelta(minutes=91)

    listed = cli("schedules", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert listed.json() == {"schedules": [schedule]}

    table = cli("schedules", "list")
    assert table.exit_code == 0, table.stderr
    row = next(line for line in table.stdout.splitlines() if line.startswith(acme[:8]))
    assert (
        "acme" in row and "every 90m" in row and schedule["nextRunAt"][:16].replace("T", " ") in row
    )
    assert "never" in row
    assert "sentinel worker" in table.stdout

    replaced = cli("schedules", "set", "--integration", acme, "--cron", "0 */6 * * *")
    assert replaced.exit_code == 0, replaced.stderr
    assert "Scheduled acme" in replaced.stdout and "cron 0 */6 * * *" in replaced.stdout
    assert "Next run: " in replaced.stdout and "sentinel serve" in replaced.stdout

    removed = cli("schedules", "remove", "--integration", acme)
    assert removed.exit_code == 0, removed.stderr
    assert "Removed the schedule of acme (cron 0 */6 * * *)" in removed.stdout
    empty = cli("schedules", "list")
    assert empty.stdout.startswith("No schedules. Set one: sentinel schedules set")

    activity = cli("users", "activity", "--json").json()["activity"]
    assert [a["action"] for a in activity[:3]] == [
        "schedule.removed",
        "schedule.set",
        "schedule.set",
    ]


@pytest.mark.parametrize("columns", [40, 120])
def test_the_table_reads_well_on_narrow_and_wide_terminals(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    for org, rule in (
        ("acme", ("--every", "6h")),
        ("a-much-longer-org-name", ("--cron", "0 9 * * MON-FRI")),
    ):
        ident = _connect(cli, org)
        assert cli("schedules", "set", "--integration", ident, *rule).exit_code == 0
    monkeypatch.setenv("SENTINEL_RICH_TABLES", "1")
    monkeypatch.setenv("COLUMNS", str(columns))
    from sentinel_cli.cli import console

    monkeypatch.setattr(console, "_stdout_console", None)  # a console of this width
    table = cli("schedules", "list")
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    assert all(len(line) <= columns for line in lines), table.stdout
    text = table.stdout
    assert "every 6h" in text and "cron 0 9 * * MON-FRI" in text  # never cut
    if columns == 120:
        assert "a-much-longer-org-name" in text and "Last run" in text and "Outcome" in text


def test_help_names_the_units_the_minimum_and_utc(cli: Cli) -> None:
    result = cli("schedules", "set", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.replace("│", " ").split())  # Rich's help boxes
    for words in ("m (minutes)", "h (hours)", "d (days)", "at least 1m", "UTC", "0 */6 * * *"):
        assert words in text, words
    group = " ".join(cli("schedules", "--help").stdout.replace("│", " ").split())
    assert "set" in group and "list" in group and "remove" in group and "worker" in group


@pytest.mark.parametrize(
    ("args", "code", "message", "hint"),
    [
        (("--every", "30s"), 2, "the shortest interval is 1 minute", "use --every 1m or more"),
        (("--every", "6"), 2, "'6' is not an interval", "e.g. 90m, 6h or 1d"),
        (("--every", "6h", "--cron", "0 * * * *"), 2, "not both", "--every 6h"),
        ((), 2, "say when to collect", "--every 6h"),
        (("--cron", "0 */6 * *"), 2, "has 4 fields; a cron line has five", "0 */6 * * *"),
    ],
)
def test_refusals_say_what_to_do(
    cli: Cli, args: tuple[str, ...], code: int, message: str, hint: str
) -> None:
    acme = _connect(cli, "acme")
    result = cli("schedules", "set", "--integration", acme, *args)
    assert result.exit_code == code
    assert result.stderr.startswith("error: ")
    error, _, said = " ".join(result.stderr.split()).partition(" hint: ")
    assert message in error and hint in said
    assert "Traceback" not in result.stderr
    assert cli("schedules", "list", "--json").json() == {"schedules": []}


def test_unknown_integration_and_missing_schedule(cli: Cli) -> None:
    unknown = cli("schedules", "set", "--integration", "nope", "--every", "6h")
    assert unknown.exit_code == 3 and "no integration with id 'nope'" in unknown.stderr
    assert "sentinel integrations list" in unknown.stderr
    acme = _connect(cli, "acme")
    missing = cli("schedules", "remove", "--integration", acme)
    assert missing.exit_code == 3 and "has no schedule" in missing.stderr
    assert f"sentinel schedules set --integration {acme[:8]} --every 6h" in missing.stderr
    no_option = cli("schedules", "remove")
    assert no_option.exit_code == 2 and "--integration" in no_option.stderr

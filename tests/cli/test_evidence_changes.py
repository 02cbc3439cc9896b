"""``sentinel evidence changes`` on the evidence estate: the table, ``--json`` (the operation's
data), choosing the collection, and errors with their exit codes."""

from __future__ import annotations

from sentinel_cli.operations.changes import job_changes
from tests.helpers.cli import Cli
from tests.helpers.estate import Estate, user


def test_default_is_the_latest_finished_collection(cli: Cli, estate: Estate) -> None:
    result = cli("evidence", "changes")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    bob = next(r for r in estate.items["prod-1"] if r.resource_id == user("bob"))
    assert f"prod: collection {estate.jobs['prod-1'][:8]} (COMPLETED" in out
    assert f"previous collection {estate.jobs['prod-2'][:8]}" in out
    assert "1 newly failing, 0 fixed, 0 new and 0 vanished resources" in out
    row = next(line for line in out.splitlines() if line.startswith(bob.id[:8]))
    assert row.split() == [bob.id[:8], "medium", bob.check_id, user("bob"), "PASS", "FAIL"]
    assert "Fixed: none." in out and "Vanished resources: none." in out


def test_json_is_the_operations_data(cli: Cli, estate: Estate) -> None:
    result = cli("evidence", "changes", "--job", estate.jobs["prod-2"][:8], "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == job_changes(estate.store, estate.jobs["prod-2"])
    assert result.json()["startedErroring"][0]["checkId"] == "aws_cloudtrail_multi_region"


def test_integration_and_limit(cli: Cli, estate: Estate) -> None:
    result = cli("evidence", "changes", "--integration", estate.integrations["prod"][:8], "--json")
    assert result.json()["job"]["id"] == estate.jobs["prod-1"]
    first = cli("evidence", "changes", "-j", estate.jobs["prod-3"], "-n", "1")
    assert first.exit_code == 0, first.stderr
    assert "First collection of this integration" in first.stdout
    assert "Newly failing (1 of 3)" in first.stdout and "New resources (1 of 10)" in first.stdout


def test_errors_have_their_exit_codes(cli: Cli, estate: Estate) -> None:
    unknown = cli("evidence", "changes", "--job", "0000dead")
    assert unknown.exit_code == 3 and "no collection job" in unknown.stderr
    running = cli("evidence", "changes", "--job", estate.jobs["acme-running"])
    assert running.exit_code == 2 and "is RUNNING" in running.stderr
    limit = cli("evidence", "changes", "--limit", "0")
    assert limit.exit_code == 2 and "--limit must be between 1 and 1000" in limit.stderr
    other = cli(
        "evidence", "changes", "--job", estate.jobs["acme-2"], "-i", estate.integrations["prod"]
    )
    assert other.exit_code == 2 and "is a collection of acme, not of prod" in other.stderr
    assert "Traceback" not in unknown.stderr + running.stderr + limit.stderr + other.stderr


def test_an_empty_store_says_there_is_nothing_to_compare(cli: Cli) -> None:
    result = cli("evidence", "changes")
    assert result.exit_code == 3
    assert "no finished collection yet" in result.stderr and "sentinel collect" in result.stderr

"""``sentinel users activity``: the activity log (audit trail) as a table and as the API's JSON."""

from __future__ import annotations

from tests.helpers.cli import Cli


def test_activity_lists_what_was_done_newest_first(cli: Cli) -> None:
    for org in ("acme", "acme-labs"):
        connected = cli(
            "integrations", "connect", "github", "--org", org, "--token", "t", "--no-verify"
        )
        assert connected.exit_code == 0, connected.stderr
    result = cli("users", "activity", "--limit", "1", "--json")
    assert result.exit_code == 0, result.stderr
    (newest,) = result.json()["activity"]
    assert newest["action"] == "integration.connected" and "acme-labs" in newest["message"]
    table = cli("users", "activity")
    assert table.exit_code == 0 and table.stdout.count("integration.connected") == 2


def test_activity_limit_is_checked_by_the_operation(cli: Cli) -> None:
    refused = cli("users", "activity", "--limit", "0")
    assert refused.exit_code == 2 and "--limit must be between 1 and 1000" in refused.stderr

"""`sentinel billing` through the real Typer app: JSON shapes, plan changes, statuses, exit codes."""

from __future__ import annotations

from tests.helpers.cli import Cli

SUBSCRIPTION_FIELDS = {
    "id",
    "tier",
    "planName",
    "status",
    "active",
    "currentPeriodStart",
    "currentPeriodEnd",
    "monthlyPriceUsd",
    "usage",
    "limits",
    "remaining",
    "overLimit",
    "features",
    "createdAt",
    "updatedAt",
}


def _flat(text: str) -> str:
    """Output with Rich's line wrapping undone."""
    return " ".join(text.split())


def _connect(cli: Cli, org: str) -> None:
    result = cli(
        "integrations", "connect", "github", "--org", org, "--token", "t", "--no-verify", "--json"
    )
    assert result.exit_code == 0, result.stderr


def test_status_json_is_the_subscription_object(cli: Cli) -> None:
    result = cli("billing", "status", "--json")
    assert result.exit_code == 0, result.stderr
    sub = result.json()["subscription"]
    assert set(sub) == SUBSCRIPTION_FIELDS
    assert sub["tier"] == "FREE" and sub["status"] == "ACTIVE"
    assert sub["usage"] == {"integrations": 0, "checks": 0, "users": 0}
    assert sub["currentPeriodStart"].endswith("T00:00:00Z")
    human = cli("billing", "status")
    assert human.exit_code == 0
    assert "FREE" in _flat(human.stdout) and "Checks this period" in _flat(human.stdout)
    assert "2,000" in _flat(human.stdout)


def test_limits_json_match_the_api_endpoints(cli: Cli) -> None:
    integrations = cli("billing", "limits", "integrations", "--json")
    assert integrations.exit_code == 0, integrations.stderr
    assert {"allowed", "used", "limit", "remaining", "tier"} <= set(integrations.json())
    assert integrations.json()["allowed"] is True and integrations.json()["limit"] == 2
    checks = cli("billing", "limits", "checks", "--json").json()
    assert {"allowed", "used", "limit", "remaining", "resetsAt", "tier"} <= set(checks)
    assert checks["remaining"] == 2000
    both = cli("billing", "limits", "--json").json()
    assert set(both) == {"integrations", "checks"}
    assert cli("billing", "limits", "--check").exit_code == 0


def test_integration_limit_walk_through_the_cli(cli: Cli) -> None:
    _connect(cli, "acme")
    _connect(cli, "acme-labs")
    refused = cli("billing", "limits", "integrations", "--check")
    assert refused.exit_code == 5
    assert "FREE plan allows 2 integrations" in _flat(refused.stderr)
    assert "sentinel billing plan set STARTER" in _flat(refused.stderr)

    upgraded = cli("billing", "plan", "set", "starter", "--json")
    assert upgraded.exit_code == 0, upgraded.stderr
    assert upgraded.json()["subscription"]["tier"] == "STARTER"
    assert cli("billing", "limits", "integrations", "--check").exit_code == 0


def test_unknown_tier_and_status_are_usage_errors(cli: Cli) -> None:
    tier = cli("billing", "plan", "set", "GOLD")
    assert tier.exit_code == 2
    assert "FREE, STARTER, PROFESSIONAL, ENTERPRISE" in _flat(tier.stderr)
    status = cli("billing", "set-status", "PAUSED")
    assert status.exit_code == 2
    assert "PAST_DUE" in _flat(status.stderr)
    kind = cli("billing", "limits", "users")
    assert kind.exit_code == 2


def test_downgrade_below_usage_shows_the_overage(cli: Cli) -> None:
    assert cli("billing", "plan", "set", "STARTER").exit_code == 0
    for org in ("a1", "a2", "a3"):
        _connect(cli, org)
    downgraded = cli("billing", "plan", "set", "FREE", "--json")
    assert downgraded.exit_code == 0, downgraded.stderr
    assert downgraded.json()["subscription"]["overLimit"] == {"integrations": 1}
    human = cli("billing", "status")
    assert "1 over" in _flat(human.stdout)
    assert "new connects are refused" in _flat(human.stderr)
    assert cli("billing", "limits", "integrations", "--check").exit_code == 5


def test_canceled_keeps_status_readable_and_refuses_collection(cli: Cli) -> None:
    canceled = cli("billing", "set-status", "CANCELED", "--json")
    assert canceled.exit_code == 0, canceled.stderr
    assert canceled.json()["subscription"]["active"] is False
    status = cli("billing", "status")
    assert status.exit_code == 0
    assert "CANCELED" in _flat(status.stdout)
    checks = cli("billing", "limits", "checks", "--check")
    assert checks.exit_code == 5
    assert "subscription is CANCELED" in _flat(checks.stderr)


def test_plans_lists_every_tier(cli: Cli) -> None:
    listed = cli("billing", "plans", "--json")
    assert listed.exit_code == 0
    assert [p["tier"] for p in listed.json()["plans"]] == [
        "FREE",
        "STARTER",
        "PROFESSIONAL",
        "ENTERPRISE",
    ]
    human = cli("billing", "plans")
    assert "ENTERPRISE" in _flat(human.stdout) and "2,000" in _flat(human.stdout)

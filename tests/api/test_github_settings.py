"""GitHub connect settings are checked by the operation, so the CLI and the API accept and refuse
the same values with the same message."""

from __future__ import annotations

import pytest

from tests.helpers.cli import Cli
from tests.helpers.server import Api, assert_error, data_of


@pytest.mark.parametrize(("days", "fragment"), [("0", "between 1 and 3650"), ("100000", "3650")])
def test_cli_and_api_refuse_the_same_review_periods(
    cli: Cli, api: Api, days: str, fragment: str
) -> None:
    local = cli(
        "integrations",
        "connect",
        "github",
        "--org",
        "acme",
        "--token",
        "t",
        "--no-verify",
        "--review-period-days",
        days,
    )
    assert local.exit_code == 2 and fragment in " ".join(local.stderr.split())
    body = {"orgName": "acme", "token": "t", "verify": False, "reviewPeriodDays": int(days)}
    remote = api.as_("MEMBER").post("/api/integrations/github/connect", json=body)
    assert_error(remote, 400, fragment)


def test_defaults_and_allow_lists_are_normalised(cli: Cli) -> None:
    result = cli(
        "integrations",
        "connect",
        "github",
        "--org",
        "acme",
        "--token",
        "t",
        "--no-verify",
        "--allow-outside-collaborator",
        " octocat ",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    settings = result.json()["integration"]["settings"]
    assert settings == {
        "allowedOutsideCollaborators": ["octocat"],
        "allowedPublicRepositories": [],
        "reviewPeriodDays": 90,
    }


def test_api_default_review_period_is_90(api: Api) -> None:
    body = {"orgName": "acme-defaults", "token": "t", "verify": False}
    item = data_of(api.as_("MEMBER").post("/api/integrations/github/connect", json=body), 201)
    assert item["integration"]["settings"]["reviewPeriodDays"] == 90
    data_of(api.as_("ADMIN").delete(f"/api/integrations/{item['integration']['id']}"))

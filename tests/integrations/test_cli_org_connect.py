"""``sentinel integrations connect aws --organization --member-role NAME``: what it accepts, what it
stores, and what connect verifies (in-process moto: the management identity lists the accounts)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.cli import Cli

KEY = ("--access-key-id", "AKIAORGORGORGORG0001", "--secret-access-key", "org-secret")


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from moto import mock_aws

    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


def test_an_organisation_is_stored_with_its_member_role(cli: Cli) -> None:
    made = cli(
        "integrations", "connect", "aws", "--organization", "--member-role", "SentinelAudit",
        "--external-id", "xyz-123", *KEY, "--no-verify", "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    item = made.json()["integration"]
    assert item["organization"] is True and item["memberRoleName"] == "SentinelAudit"
    assert item["externalId"] == "xyz-123" and item["roleArn"] is None
    assert item["name"] == "AWS organization"
    assert "org-secret" not in made.stdout
    plain = cli("integrations", "connect", "aws", *KEY, "--no-verify", "--json").json()
    assert plain["integration"]["organization"] is False
    assert plain["integration"]["memberRoleName"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--organization"], "--organization needs --member-role"),
        (["--member-role", "SentinelAudit"], "--member-role only applies with --organization"),
        (["--organization", "--member-role", "a/b"], "is not an IAM role name"),
        (["--external-id", "xyz"], "--external-id only applies with --role-arn"),
    ],
)
def test_bad_organisation_options_are_usage_errors(cli: Cli, args: list[str], message: str) -> None:
    refused = cli("integrations", "connect", "aws", *args, *KEY, "--no-verify")
    assert refused.exit_code == 2, refused.stderr
    assert message in refused.stderr
    assert cli("integrations", "list", "--json").json()["integrations"] == []


def test_connect_verifies_the_management_access(cli: Cli, fake_aws: None) -> None:
    import boto3

    alone = cli(
        "integrations", "connect", "aws", "--organization", "--member-role", "SentinelAudit",
        *KEY,
    )  # fmt: skip
    assert alone.exit_code == 2, alone.stderr
    assert "lists no organisation accounts" in alone.stderr
    assert "Traceback" not in alone.stderr

    boto3.client("organizations", region_name="us-east-1").create_organization(FeatureSet="ALL")
    made = cli(
        "integrations", "connect", "aws", "--organization", "--member-role", "SentinelAudit",
        *KEY, "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert made.json()["integration"]["accountId"] == "123456789012"
    assert made.json()["integration"]["name"] == "AWS organization 123456789012"

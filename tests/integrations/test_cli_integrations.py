"""`sentinel integrations` through the real Typer app: round trips, secrets, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cli import Cli
from tests.helpers.stored import stored_bytes

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzSENTINELTEST"
AWS_KEY_ID = "AKIAIOSFODNN7SENTINEL"
GH_TOKEN = "ghp_sentinelTestToken0123456789abcdef"
both_databases = pytest.mark.both_databases
"""The tests that write and read integrations through the store run on PostgreSQL too."""


def test_help_lists_command_groups(cli: Cli) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    for group in ("integrations", "collect"):
        assert group in result.stdout


def test_version(cli: Cli) -> None:
    from sentinel_cli import __version__

    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"sentinel {__version__}"


@both_databases
def test_github_connect_list_remove_round_trip(cli: Cli, home: Path) -> None:
    connected = cli(
        "integrations",
        "connect",
        "github",
        "--org",
        "acme",
        "--name",
        "Prod GitHub",
        "--token",
        GH_TOKEN,
        "--no-verify",
        "--json",
    )
    assert connected.exit_code == 0, connected.stderr
    item = connected.json()["integration"]
    assert item["type"] == "GITHUB" and item["orgName"] == "acme" and item["name"] == "Prod GitHub"

    listed = cli("integrations", "list", "--json")
    assert [i["id"] for i in listed.json()["integrations"]] == [item["id"]]
    assert listed.json()["integrations"][0]["evidenceCount"] == 0
    assert listed.json()["integrations"][0]["lastSyncAt"] is None

    secrets = json.loads((home / "secrets.json").read_text())
    assert GH_TOKEN in secrets[f"integration:{item['id']}"]
    for output in (connected.stdout, listed.stdout):
        assert GH_TOKEN not in output
    stored = stored_bytes(home)
    # The database really is where the integration lives (so the absence below means something).
    assert stored and item["id"].encode() in stored and b"Prod GitHub" in stored
    assert GH_TOKEN.encode() not in stored

    removed = cli("integrations", "remove", item["id"][:8], "--json")
    assert removed.exit_code == 0, removed.stderr
    assert removed.json()["integration"]["status"] == "REMOVED"
    assert cli("integrations", "list", "--json").json()["integrations"] == []
    assert f"integration:{item['id']}" not in json.loads((home / "secrets.json").read_text())


@both_databases
def test_aws_connect_with_keys_never_stores_or_prints_the_secret(cli: Cli, home: Path) -> None:
    connected = cli(
        "integrations",
        "connect",
        "aws",
        "--name",
        "Prod",
        "--region",
        "eu-west-1",
        "--regions",
        "eu-west-1,us-east-1",
        "--access-key-id",
        AWS_KEY_ID,
        "--secret-access-key",
        AWS_SECRET,
        "--no-verify",
        "--json",
    )
    assert connected.exit_code == 0, connected.stderr
    item = connected.json()["integration"]
    assert item["region"] == "eu-west-1"
    assert item["regions"] == ["eu-west-1", "us-east-1"]
    assert item["credentialSource"] == "access-keys"
    assert item["accessKeyId"] == "****" + AWS_KEY_ID[-4:]
    listed = cli("integrations", "list", "--json")
    shown = cli("integrations", "show", item["id"], "--json")
    for output in (
        connected.stdout,
        listed.stdout,
        shown.stdout,
        cli("integrations", "list").stdout,
    ):
        assert AWS_SECRET not in output and AWS_KEY_ID not in output
    stored = stored_bytes(home)
    # The database really is where the integration lives (so the absence below means something).
    assert stored and item["id"].encode() in stored
    assert AWS_SECRET.encode() not in stored
    assert AWS_KEY_ID.encode() not in stored


def test_aws_secret_from_stdin_and_from_prompt(cli: Cli, home: Path) -> None:
    via_stdin = cli(
        "integrations",
        "connect",
        "aws",
        "--access-key-id",
        AWS_KEY_ID,
        "--secret-access-key-stdin",
        "--no-verify",
        "--json",
        input=AWS_SECRET + "\n",
    )
    assert via_stdin.exit_code == 0, via_stdin.stderr
    via_prompt = cli(
        "integrations",
        "connect",
        "aws",
        "--access-key-id",
        AWS_KEY_ID,
        "--no-verify",
        input=AWS_SECRET + "\n",
    )
    assert via_prompt.exit_code == 0, via_prompt.stderr
    assert AWS_SECRET not in via_prompt.stdout
    stored = json.loads((home / "secrets.json").read_text())
    assert sum(AWS_SECRET in v for v in stored.values()) == 2


def test_aws_profile_and_role_sources(cli: Cli) -> None:
    result = cli(
        "integrations",
        "connect",
        "aws",
        "--profile",
        "audit",
        "--role-arn",
        "arn:aws:iam::123456789012:role/SentinelAudit",
        "--external-id",
        "xyz",
        "--endpoint-url",
        "http://127.0.0.1:5000",
        "--no-verify",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    item = result.json()["integration"]
    assert item["credentialSource"] == "role via profile"
    assert item["endpointUrl"] == "http://127.0.0.1:5000"


def test_github_token_from_environment(cli: Cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GITHUB_TOKEN", GH_TOKEN)
    result = cli("integrations", "connect", "github", "--org", "acme", "--no-verify", "--json")
    assert result.exit_code == 0, result.stderr
    assert GH_TOKEN not in result.stdout


def test_unknown_integration_id(cli: Cli) -> None:
    for command in (("remove", "does-not-exist"), ("show", "nope1234"), ("jobs", "nope1234")):
        result = cli("integrations", *command)
        assert result.exit_code == 3
        assert "no integration with id" in result.stderr
        assert "Traceback" not in result.stderr + result.stdout


def test_missing_org_and_token(cli: Cli) -> None:
    missing_org = cli("integrations", "connect", "github", "--token", GH_TOKEN, "--no-verify")
    assert missing_org.exit_code == 2
    assert "missing --org" in missing_org.stderr
    missing_token = cli("integrations", "connect", "github", "--org", "acme", "--no-verify")
    assert missing_token.exit_code == 2
    assert "GITHUB_TOKEN" in missing_token.stderr
    assert cli("integrations", "list", "--json").json()["integrations"] == []


def test_bad_aws_input_is_refused_and_nothing_stored(cli: Cli) -> None:
    cases = [
        (("--region", "moon-base-1x"), "not an AWS region"),
        (("--regions", "us-east-1,nowhere"), "not an AWS region"),
        (("--access-key-id", AWS_KEY_ID, "--profile", "p", "--secret-access-key", "s"), "not both"),
        (("--secret-access-key", "s"), "go together"),
        (("--role-arn", "not-an-arn"), "not an IAM role ARN"),
        (("--external-id", "x"), "only applies with --role-arn"),
        (("--endpoint-url", "ftp://x"), "not an http(s) URL"),
    ]
    for args, message in cases:
        result = cli("integrations", "connect", "aws", *args, "--no-verify")
        assert result.exit_code == 2, (args, result.stderr)
        assert message in result.stderr
    assert cli("integrations", "list", "--json").json()["integrations"] == []


def test_corrupt_database_is_one_clear_line(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SENTINEL_DB", raising=False)  # the SQLite file in the home, on any run
    home.mkdir(parents=True)
    (home / "sentinel.db").write_bytes(b"definitely not sqlite" * 50)
    result = cli("integrations", "list")
    assert result.exit_code == 6
    assert "not a Sentinel database" in result.stderr
    assert "Traceback" not in result.stderr
    assert (home / "sentinel.db").read_bytes() == b"definitely not sqlite" * 50


def test_home_that_cannot_be_created(cli: Cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("SENTINEL_HOME", str(blocker / "home"))
    monkeypatch.delenv("SENTINEL_DB", raising=False)  # the store is a file in that home
    result = cli("integrations", "list")
    assert result.exit_code == 6
    assert "cannot create the Sentinel home directory" in result.stderr


@both_databases
def test_jobs_of_a_new_integration_is_empty(cli: Cli) -> None:
    item = cli(
        "integrations",
        "connect",
        "github",
        "--org",
        "acme",
        "--token",
        GH_TOKEN,
        "--no-verify",
        "--json",
    ).json()["integration"]
    result = cli("integrations", "jobs", item["id"], "--json")
    assert result.exit_code == 0
    assert result.json() == {"jobs": []}


@both_databases
def test_connect_records_activity(cli: Cli, settings) -> None:  # type: ignore[no-untyped-def]
    from sentinel_cli.store import open_store

    cli("integrations", "connect", "github", "--org", "acme", "--token", GH_TOKEN, "--no-verify")
    with open_store(settings) as store:
        actions = [a["action"] for a in store.activity.recent()]
    assert actions == ["integration.connected"]

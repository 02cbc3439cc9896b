"""Issue 3 end to end: connect an AWS account through the CLI against a moto server on
127.0.0.1 seeded with known misconfigurations and their correctly configured twins, collect, and
check every seeded misconfiguration is FAIL on the right resource and each twin PASS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel_cli.collectors.aws.session import AwsCredentials
from sentinel_cli.config import Settings
from sentinel_cli.standins.aws_seed import SeedManifest, seed_account
from sentinel_cli.standins.moto_server import MOTO_ENV, running_moto_server, set_moto_auth
from sentinel_cli.store import open_store
from tests.helpers.cli import Cli
from tests.helpers.stored import stored_bytes

pytestmark = pytest.mark.e2e

REGIONS = ("us-east-1", "eu-west-1")
KEY_ID = "AKIAE2ETESTKEY000001"
SECRET = "e2e-secret-access-key-never-stored-in-sqlite"


@pytest.fixture(scope="module")
def moto() -> Iterator[tuple[str, SeedManifest]]:
    with pytest.MonkeyPatch.context() as mp:
        for key, value in MOTO_ENV.items():
            mp.setenv(key, value)
        for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
            mp.delenv(key, raising=False)
        mp.setenv("AWS_CONFIG_FILE", "/dev/null")
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        # In-process (threaded) so the seed can back-date the 100-day-old access key.
        with running_moto_server(threaded=True) as endpoint:
            creds = AwsCredentials(
                region="us-east-1",
                access_key_id=KEY_ID,
                secret_access_key=SECRET,
                endpoint_url=endpoint,
            )
            yield endpoint, seed_account(creds, regions=REGIONS)


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    # moto answers 500 for the APIs it lacks; retrying them only costs time.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    for key, value in MOTO_ENV.items():
        monkeypatch.setenv(key, value)


def _connect(cli: Cli, endpoint: str, *extra: str):  # type: ignore[no-untyped-def]
    return cli(
        "integrations",
        "connect",
        "aws",
        "--name",
        "Seeded",
        "--access-key-id",
        KEY_ID,
        "--secret-access-key-stdin",
        "--endpoint-url",
        endpoint,
        "--regions",
        ",".join(REGIONS),
        "--json",
        *extra,
        input=SECRET + "\n",
    )


def _evidence(settings: Settings) -> dict[tuple[str, str], str]:
    with open_store(settings) as store:
        rows = store.conn.execute("SELECT check_id, resource_id, status FROM evidence").fetchall()
    return {(r["check_id"], r["resource_id"]): r["status"] for r in rows}


def test_seeded_misconfigurations_fail_and_twins_pass(
    cli: Cli, moto: tuple[str, SeedManifest], settings: Settings, home: Path
) -> None:
    endpoint, m = moto
    connected = _connect(cli, endpoint)
    assert connected.exit_code == 0, connected.stderr
    assert connected.json()["integration"]["accountId"] == m.account_id

    collected = cli("collect", "--json")
    assert collected.exit_code == 0, collected.stderr
    (job,) = collected.json()["jobs"]
    # moto lacks a few APIs (SSM inventory, Access Analyzer...): those are ERROR, so PARTIAL.
    assert job["status"] == "PARTIAL"
    assert job["failCount"] > 0 and job["passCount"] > 0 and job["errorCount"] > 0

    ev = _evidence(settings)
    acct = m.account_id
    a = m.region_a

    def bucket(role: str) -> str:
        return f"arn:aws:s3:::{m.buckets[role]}"

    def user(role: str) -> str:
        return f"arn:aws:iam::{acct}:user/{m.users[role]}"

    def sg(role: str) -> str:
        return f"arn:aws:ec2:{a}:{acct}:security-group/{m.security_groups[role]}"

    def trail(role: str) -> str:
        return f"arn:aws:cloudtrail:{a}:{acct}:trail/{m.trails[role]}"

    def db(role: str) -> str:
        return f"arn:aws:rds:{a}:{acct}:db:{m.db_instances[role]}"

    def cluster(role: str) -> str:
        return f"arn:aws:rds:{a}:{acct}:cluster:{m.db_clusters[role]}"

    def key(role: str) -> str:
        return f"arn:aws:kms:{a}:{acct}:key/{m.kms_keys[role]}"

    def vpc(role: str) -> str:
        return f"arn:aws:ec2:{a}:{acct}:vpc/{m.vpcs[role]}"

    pairs = {
        "aws_s3_bucket_not_public": (bucket("public"), bucket("private")),
        "aws_s3_bucket_default_encryption": (bucket("public"), bucket("private")),
        "aws_s3_versioning": (bucket("public"), bucket("private")),
        "aws_s3_tls_only": (bucket("public"), bucket("private")),
        "aws_iam_user_console_mfa": (user("console_no_mfa"), user("console_mfa")),
        "aws_ec2_sg_no_ssh_world": (sg("open_ssh"), sg("restricted_ssh")),
        "aws_cloudtrail_log_validation": (trail("single_region"), trail("multi_region")),
        "aws_rds_encrypted": (db("unencrypted"), db("encrypted")),
        "aws_rds_deletion_protection": (cluster("unprotected"), cluster("protected")),
        "aws_kms_rotation": (key("no_rotation"), key("rotated")),
        "aws_vpc_flow_logs": (vpc("no_flow_logs"), vpc("flow_logs")),
    }
    for check, (bad, good) in pairs.items():
        assert ev.get((check, bad)) == "FAIL", (check, bad, ev.get((check, bad)))
        assert ev.get((check, good)) == "PASS", (check, good, ev.get((check, good)))

    assert ev[("aws_iam_password_policy", acct)] == "FAIL"
    assert ev[("aws_cloudtrail_multi_region", acct)] == "PASS"
    with open_store(settings) as store:
        ebs = {
            r["region"]: r["status"]
            for r in store.conn.execute(
                "SELECT region, status FROM evidence WHERE check_id = 'aws_ebs_default_encryption'"
            )
        }
    assert ebs == {"us-east-1": "FAIL", "eu-west-1": "PASS"}
    assert m.old_key_backdated  # threaded moto lets the seed back-date the key
    if m.old_key_backdated:
        old = [
            s
            for (c, r), s in ev.items()
            if c == "aws_iam_key_rotation_90d" and m.users["old_key"] in r
        ]
        fresh = [
            s
            for (c, r), s in ev.items()
            if c == "aws_iam_key_rotation_90d" and m.users["fresh_key"] in r
        ]
        assert old == ["FAIL"] and fresh == ["PASS"]
    # Moto's missing APIs are ERROR naming the call, never PASS.
    assert ev[("aws_ssm_instance_managed", acct)] == "ERROR"

    db_bytes = stored_bytes(home)
    # The database really is where the integration and its evidence live, so the absence of the
    # secret below means something (a renamed database file would leave nothing to search).
    integration_id = connected.json()["integration"]["id"]
    assert db_bytes and integration_id.encode() in db_bytes
    assert b"aws_iam_key_rotation_90d" in db_bytes
    assert SECRET.encode() not in db_bytes
    assert SECRET not in collected.stdout + connected.stdout


def test_wrong_key_is_refused_at_connect_and_nothing_stored(
    cli: Cli, moto: tuple[str, SeedManifest]
) -> None:
    endpoint, _ = moto
    set_moto_auth(endpoint, initial_no_auth_action_count=0)
    try:
        refused = _connect(cli, endpoint)
    finally:
        set_moto_auth(endpoint, initial_no_auth_action_count=float("inf"))
    assert refused.exit_code == 4, refused.stderr
    assert "Traceback" not in refused.stderr and SECRET not in refused.stderr
    assert cli("integrations", "list", "--json").json()["integrations"] == []


def test_deleted_secret_and_unassumable_role_fail_the_job(
    cli: Cli, moto: tuple[str, SeedManifest], home: Path, settings: Settings
) -> None:
    endpoint, _ = moto
    item = _connect(cli, endpoint, "--no-verify").json()["integration"]
    secrets = json.loads((home / "secrets.json").read_text())
    secrets.pop(f"integration:{item['id']}")
    (home / "secrets.json").write_text(json.dumps(secrets))
    result = cli("collect", "--json")
    assert result.exit_code == 1
    (job,) = result.json()["jobs"]
    assert (
        job["status"] == "FAILED" and "missing from the file secrets backend" in job["errorMessage"]
    )
    assert _evidence(settings) == {}
    cli("integrations", "remove", item["id"])

    role = cli(
        "integrations",
        "connect",
        "aws",
        "--role-arn",
        "arn:aws:iam::123456789012:role/Nope",
        "--endpoint-url",
        endpoint,
        "--no-verify",
        "--json",
    )
    assert role.exit_code == 0, role.stderr
    result = cli("collect", "--json")
    (job,) = result.json()["jobs"]
    assert result.exit_code == 1 and job["status"] == "FAILED", job
    assert job["errorMessage"]
    assert _evidence(settings) == {}


def test_region_not_enabled_fails_the_job_with_its_name(
    cli: Cli, moto: tuple[str, SeedManifest], settings: Settings
) -> None:
    endpoint, _ = moto
    item = cli(
        "integrations",
        "connect",
        "aws",
        "--access-key-id",
        KEY_ID,
        "--secret-access-key",
        SECRET,
        "--endpoint-url",
        endpoint,
        "--regions",
        "us-east-1,xx-nowhere-9",
        "--no-verify",
        "--json",
    ).json()["integration"]
    result = cli("collect", "--integration", item["id"], "--json")
    (job,) = result.json()["jobs"]
    assert result.exit_code == 1 and job["status"] == "FAILED"
    assert "xx-nowhere-9" in job["errorMessage"]
    assert _evidence(settings) == {}

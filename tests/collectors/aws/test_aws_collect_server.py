"""Against a real moto server over HTTP on 127.0.0.1: custom endpoint, signing, the S3 Control
host fix (account-level Block Public Access), and credential refusal by the server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sentinel_cli.collectors.aws import AwsCredentials, collect_aws_with_stats, verify_aws
from sentinel_cli.collectors.aws import engine as engine_module
from sentinel_cli.collectors.aws.actions import CallStats
from sentinel_cli.collectors.aws.engine import Collection
from sentinel_cli.collectors.aws.s3 import fetch_account_public_access_block
from sentinel_cli.collectors.aws.session import build_session
from sentinel_cli.errors import CredentialsRefused
from sentinel_cli.standins.aws_seed import seed_account
from sentinel_cli.standins.moto_server import reset_moto_server, set_moto_auth

REGIONS = ["us-east-1", "eu-west-1"]
POLICY = Path(__file__).resolve().parents[3] / "examples" / "aws-iam-policy.json"
ALL_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def test_full_collection_over_http(moto_endpoint: str) -> None:
    assert moto_endpoint.startswith("http://127.0.0.1:")
    reset_moto_server(moto_endpoint)
    creds = AwsCredentials(region="us-east-1", endpoint_url=moto_endpoint)
    manifest = seed_account(creds, regions=REGIONS, account_bpa=True)
    # moto answers HTTP 500 to operations it lacks; no retries keep that from costing seconds.
    collection = collect_aws_with_stats(creds, regions=REGIONS, workers=4, max_attempts=1)
    inv = collection.inventory

    assert inv.account_id == manifest.account_id
    assert inv.account_public_access_block_present is True
    assert inv.account_public_access_block == ALL_BLOCKED
    assert not inv.failed("account_public_access_block")

    buckets = {b["Name"]: b for b in inv.buckets}
    assert buckets[manifest.buckets["public"]]["SentinelEncryption"] is None
    assert buckets[manifest.buckets["private"]]["SentinelPublicAccessBlock"] == ALL_BLOCKED
    assert buckets[manifest.buckets["other_region"]]["SentinelRegion"] == "eu-west-1"
    assert {t["Name"] for t in inv.trails} == set(manifest.trails.values())
    assert inv.ebs_default_encryption == {"us-east-1": False, "eu-west-1": True}
    assert any(row["user"] == manifest.users["console_mfa"] for row in inv.credential_report)
    # moto's gaps over HTTP are errors too (500/404 pages), never an empty pass.
    assert inv.failed("ssm_instances", "us-east-1")
    assert "us-east-1" not in inv.ssm_instances

    allowed = {a for s in json.loads(POLICY.read_text())["Statement"] for a in s["Action"]}
    assert collection.operations <= allowed


def test_without_the_host_fix_account_bpa_is_an_error_not_a_pass(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Proves the fix is what makes the fetch work: without it S3 Control addresses
    123456789012.127.0.0.1, which cannot resolve (the test guard refuses the lookup)."""
    monkeypatch.setattr(engine_module, "restore_endpoint_host", lambda url: lambda **_: None)
    creds = AwsCredentials(region="us-east-1", endpoint_url=moto_endpoint)
    ctx = Collection(
        build_session(creds),
        endpoint_url=moto_endpoint,
        home_region="us-east-1",
        stats=CallStats(),
        workers=1,
        max_attempts=1,
    )
    ctx.account_id = "123456789012"
    fetch_account_public_access_block(ctx)
    (err,) = ctx.errors
    assert err.source == "account_public_access_block"
    assert err.permission == "s3:GetAccountPublicAccessBlock"
    assert "account_public_access_block" not in ctx.values
    assert "account_public_access_block_present" not in ctx.values


def test_server_refuses_unknown_keys(moto_endpoint: str) -> None:
    creds = AwsCredentials(
        endpoint_url=moto_endpoint,
        access_key_id="AKIAIOSFODNN7EXAMPLE",
        secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
    set_moto_auth(moto_endpoint, initial_no_auth_action_count=0)
    try:
        with pytest.raises(CredentialsRefused) as raised:
            verify_aws(creds)
    finally:
        set_moto_auth(moto_endpoint, initial_no_auth_action_count=float("inf"))
    assert "InvalidClientTokenId" in raised.value.message
    assert verify_aws(AwsCredentials(endpoint_url=moto_endpoint))["accountId"] == "123456789012"

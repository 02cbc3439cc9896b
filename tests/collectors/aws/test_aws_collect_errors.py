"""Errors are evidence: a denied permission becomes a FetchError naming the IAM action while the
rest is collected; bad regions and bad credentials fail before any collection work."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from sentinel_cli.collectors import aws as aws_collector
from sentinel_cli.collectors.aws import AwsCredentials, collect_aws, collect_aws_with_stats
from sentinel_cli.collectors.aws.compute import fetch_ec2
from sentinel_cli.collectors.aws.engine import Collection
from sentinel_cli.errors import CredentialsRefused, InvalidInput

REGIONS = ["us-east-1", "eu-west-1"]
Predicate = Callable[[BaseClient, dict[str, Any]], bool]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every operation the code under test attempts (including ones a test then refuses)."""
    seen: list[str] = []
    real = BaseClient._make_api_call

    def spy(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        seen.append(operation_name)
        return real(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", spy)
    return seen


def refuse(
    monkeypatch: pytest.MonkeyPatch,
    operation: str,
    code: str = "AccessDenied",
    when: Predicate = lambda client, params: True,
) -> None:
    """Make AWS answer ``code`` to ``operation`` (as an account without the permission would)."""
    real = BaseClient._make_api_call

    def fake(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        if operation_name == operation and when(self, api_params):
            raise ClientError(
                {
                    "Error": {"Code": code, "Message": f"not authorized to perform {operation}"},
                    "ResponseMetadata": {"HTTPStatusCode": 403},
                },
                operation_name,
            )
        return real(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", fake)


def only_units(monkeypatch: pytest.MonkeyPatch, *labels: str) -> None:
    """Run just the named units (by label): keeps single-purpose collections fast."""
    for name in ("GLOBAL_UNITS", "REGIONAL_UNITS"):
        units = getattr(aws_collector, name)
        monkeypatch.setattr(aws_collector, name, tuple(u for u in units if u[0] in labels))


@pytest.fixture
def small_account(mocked: None) -> Iterator[dict[str, str]]:
    s3 = boto3.client("s3", region_name="us-east-1")
    for name in ("denied-bucket", "readable-bucket"):
        s3.create_bucket(Bucket=name)
        s3.put_bucket_policy(
            Bucket=name,
            Policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": f"arn:aws:s3:::{name}/*",
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                }
            ),
        )
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="someone")
    ec2 = boto3.client("ec2", region_name="eu-west-1")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)
    yield {"denied": "denied-bucket", "readable": "readable-bucket"}


def test_denied_permissions_become_errors_and_the_rest_is_collected(
    small_account: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    only_units(monkeypatch, "ec2", "iam account", "iam credential report", "s3 buckets")
    refuse(monkeypatch, "DescribeSecurityGroups", "UnauthorizedOperation")
    refuse(monkeypatch, "GetAccountAuthorizationDetails")
    refuse(
        monkeypatch,
        "GetBucketPolicy",
        when=lambda client, params: params.get("Bucket") == small_account["denied"],
    )
    inv = collect_aws(AwsCredentials(), regions=REGIONS, workers=4)

    for region in REGIONS:
        assert inv.failed("security_groups", region)
        assert region not in inv.security_groups
        assert region in inv.vpcs  # same service, other piece: still collected
    err = next(e for e in inv.errors if e.source == "security_groups")
    assert err.api_call == "ec2:DescribeSecurityGroups"
    assert err.permission == "ec2:DescribeSecurityGroups"
    assert err.error_code == "UnauthorizedOperation"
    assert "ec2:DescribeSecurityGroups" in err.describe()

    assert inv.failed("authorization_details")
    assert inv.authorization_details is None
    auth_err = next(e for e in inv.errors if e.source == "authorization_details")
    assert auth_err.permission == "iam:GetAccountAuthorizationDetails"
    assert auth_err.scope is None
    assert any(row["user"] == "someone" for row in inv.credential_report)

    # One bucket's denied policy is that bucket's error, not the source's.
    buckets = {b["Name"]: b for b in inv.buckets}
    denied = buckets[small_account["denied"]]
    assert denied["SentinelPolicy"] is None
    assert denied["SentinelErrors"]["SentinelPolicy"].startswith("AccessDenied")
    assert buckets[small_account["readable"]]["SentinelPolicy"]["Statement"][0]["Effect"] == "Deny"
    assert buckets[small_account["readable"]]["SentinelErrors"] == {}
    assert not inv.failed("buckets")


def test_throttling_after_retries_is_an_error_too(
    mocked: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_units(monkeypatch, "rds", "kms")
    refuse(monkeypatch, "DescribeDBInstances", "Throttling")
    collection = collect_aws_with_stats(
        AwsCredentials(), regions=["us-east-1"], workers=4, max_attempts=1
    )
    inv = collection.inventory
    assert inv.failed("db_instances", "us-east-1")
    assert inv.kms_keys == {"us-east-1": []}
    err = next(e for e in inv.errors if e.source == "db_instances")
    assert (err.error_code, err.permission) == ("Throttling", "rds:DescribeDBInstances")


def test_absent_configuration_is_not_an_error(
    mocked: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_units(
        monkeypatch, "s3 buckets", "s3 account public access block", "iam account", "securityhub"
    )
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="bare-bucket")
    inv = collect_aws(AwsCredentials(), regions=["us-east-1"], workers=4)
    (bucket,) = inv.buckets
    assert bucket["SentinelErrors"] == {}
    for key in ("SentinelEncryption", "SentinelPolicy", "SentinelPublicAccessBlock"):
        assert bucket[key] is None
    assert inv.password_policy_present is False and not inv.failed("password_policy")
    assert not inv.failed("account_public_access_block")
    assert inv.securityhub["us-east-1"] == {"Hub": None, "Standards": []}


@pytest.mark.parametrize(
    ("regions", "fragment"),
    [
        (["us-east-1", "xx-nowhere-9"], "xx-nowhere-9 is not an AWS region"),
        (["not a region"], "'not a region' is not an AWS region name"),
        (["ap-east-1"], "ap-east-1 is not enabled"),  # opt-in region moto reports not opted in
        ([], "No region given"),
    ],
)
def test_bad_regions_are_refused_before_collection(
    mocked: None, calls: list[str], regions: list[str], fragment: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        collect_aws(AwsCredentials(), regions=regions)
    assert fragment in raised.value.message
    assert set(calls) <= {"GetCallerIdentity", "DescribeRegions"}


def test_bad_keys_are_refused_before_collection(mocked: None, calls: list[str]) -> None:
    from moto.core import set_initial_no_auth_action_count

    creds = AwsCredentials(
        access_key_id="AKIAIOSFODNN7EXAMPLE",
        secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )

    @set_initial_no_auth_action_count(0)
    def run() -> None:
        collect_aws(creds, regions=REGIONS)

    with pytest.raises(CredentialsRefused) as raised:
        run()
    assert "InvalidClientTokenId" in raised.value.message
    assert creds.secret_access_key not in raised.value.message
    assert "EXAMPLEKEY" not in repr(creds)
    assert calls == ["GetCallerIdentity"]


def test_unassumable_role_is_refused_before_collection(
    mocked: None, calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse(monkeypatch, "AssumeRole")
    creds = AwsCredentials(role_arn="arn:aws:iam::123456789012:role/auditor", external_id="ext-1")
    with pytest.raises(CredentialsRefused) as raised:
        collect_aws(creds, regions=REGIONS)
    assert "arn:aws:iam::123456789012:role/auditor" in raised.value.message
    assert "ext-1" not in raised.value.message
    assert calls == []  # the refused AssumeRole was the only attempt, and nothing followed


def test_all_enabled_regions_when_none_requested(
    mocked: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One cheap regional unit keeps a ~30-region collection fast; the region logic is the point.
    monkeypatch.setattr(aws_collector, "REGIONAL_UNITS", (("ec2", fetch_ec2, ("vpcs",)),))
    monkeypatch.setattr(aws_collector, "GLOBAL_UNITS", ())
    progress: list[tuple[int, int, str]] = []
    inv = collect_aws(AwsCredentials(), progress=lambda *p: progress.append(p), workers=8)
    enabled = [
        r["RegionName"]
        for r in boto3.client("ec2", region_name="us-east-1").describe_regions(AllRegions=True)[
            "Regions"
        ]
        if r["OptInStatus"] in ("opt-in-not-required", "opted-in")
    ]
    assert sorted(inv.regions) == sorted(enabled)
    assert "ap-east-1" not in inv.regions  # not opted in
    assert set(inv.security_groups) == set(enabled)
    assert progress[-1][:2] == (len(enabled), len(enabled))


def test_a_unit_that_cannot_start_reports_its_sources(
    mocked: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Collection.client

    def client(self: Collection, service: str, region: str | None = None) -> Any:
        if service == "kms":
            raise RuntimeError("no kms client today")
        return real(self, service, region)

    monkeypatch.setattr(Collection, "client", client)
    only_units(monkeypatch, "kms", "rds")
    inv = collect_aws(AwsCredentials(), regions=["us-east-1"], workers=4)
    err = next(e for e in inv.errors if e.source == "kms_keys")
    assert (err.scope, err.error_code) == ("us-east-1", "InternalError")
    assert "no kms client today" in err.message
    assert "us-east-1" in inv.db_instances  # the other units ran


def test_without_describe_regions_the_requested_regions_are_used(
    mocked: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse(monkeypatch, "DescribeRegions", "UnauthorizedOperation")
    monkeypatch.setattr(aws_collector, "REGIONAL_UNITS", (("ec2", fetch_ec2, ("vpcs",)),))
    monkeypatch.setattr(aws_collector, "GLOBAL_UNITS", ())
    inv = collect_aws(AwsCredentials(), regions=["eu-west-1"])
    assert inv.regions == ("eu-west-1",)
    assert "eu-west-1" in inv.vpcs
    (err,) = inv.errors
    assert (err.source, err.permission) == ("regions", "ec2:DescribeRegions")
    with pytest.raises(InvalidInput):
        collect_aws(AwsCredentials(), regions=["xx-nowhere-9"])
    # Nothing requested and nothing listable: the home region, with the error on record.
    assert collect_aws(AwsCredentials(region="eu-west-1")).regions == ("eu-west-1",)


@pytest.mark.parametrize(
    ("operation", "unit", "check_id", "setting"),
    [
        ("GetKeyPolicy", "kms", "aws_kms_key_policy_not_public", "SentinelPolicy"),
        ("GetObjectLockConfiguration", "s3 buckets", "aws_s3_object_lock", "SentinelObjectLock"),
        # Without tags a bucket whose name says nothing may or may not hold backups.
        ("GetBucketTagging", "s3 buckets", "aws_s3_object_lock", "SentinelTags"),
    ],
)
def test_a_denied_per_resource_call_is_error_for_that_resource(
    mocked: None,
    monkeypatch: pytest.MonkeyPatch,
    operation: str,
    unit: str,
    check_id: str,
    setting: str,
) -> None:
    """Key policies, Object Lock and tags are read per resource: a refusal marks the resource,
    and the check reading it says ERROR for that resource rather than passing it. (Tags are read
    per bucket only where the tagging API is refused too.)"""
    from sentinel_cli.checks import load_checks
    from sentinel_cli.checks.base import CheckSettings, run_checks

    boto3.client("kms", region_name="us-east-1").create_key(Description="k")
    # Named as a backup bucket, unless its tags are the question.
    bucket = "nightly-data" if setting == "SentinelTags" else "nightly-backups"
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    # Versioned: Object Lock is asked only where it can exist.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    only_units(monkeypatch, unit)
    refuse(monkeypatch, operation)
    if setting == "SentinelTags":
        refuse(monkeypatch, "GetResources")
    inv = collect_aws(AwsCredentials(), regions=["us-east-1"], workers=2)
    [item] = inv.buckets if unit == "s3 buckets" else inv.kms_keys["us-east-1"]
    assert item[setting] is None
    assert "AccessDenied" in item["SentinelErrors"][setting]
    [check] = [c for c in load_checks("aws") if c.meta.id == check_id]
    per_resource = [
        r for r in run_checks([check], inv, CheckSettings()) if r.resource_type != "aws-account"
    ]
    assert [r.status for r in per_resource] == ["ERROR"]

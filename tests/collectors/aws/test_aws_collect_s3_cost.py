"""What S3 evidence costs: each bucket's region, tags and Object Lock are read once per account or
region where AWS allows it, and per bucket only where it must be, with the same evidence either way.

In-process moto (the ``mocked`` fixture). Where moto differs from AWS (it leaves ``BucketRegion`` out
of ListBuckets), the AWS behaviour is put back by wrapping the client call, so both paths are shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from sentinel_cli.collectors import aws as aws_collector
from sentinel_cli.collectors.aws import AwsCollection, AwsCredentials, collect_aws_with_stats

ACCOUNT = "123456789012"
Wrapper = Callable[[BaseClient, str, dict[str, Any], Callable[..., Any]], Any]


def _wrap(monkeypatch: pytest.MonkeyPatch, wrapper: Wrapper) -> None:
    real = BaseClient._make_api_call

    def call(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        return wrapper(self, operation_name, api_params, real)

    monkeypatch.setattr(BaseClient, "_make_api_call", call)


def _refuse(monkeypatch: pytest.MonkeyPatch, operation: str) -> None:
    def wrapper(client: BaseClient, op: str, params: dict[str, Any], real: Any) -> Any:
        if op == operation:
            raise ClientError(
                {
                    "Error": {"Code": "AccessDenied", "Message": f"not authorized: {op}"},
                    "ResponseMetadata": {"HTTPStatusCode": 403},
                },
                op,
            )
        return real(client, op, params)

    _wrap(monkeypatch, wrapper)


def _home_region_of(name: str) -> str:
    from moto.s3.models import s3_backends

    return str(s3_backends[ACCOUNT]["aws"].buckets[name].region_name)


def _collect_s3(monkeypatch: pytest.MonkeyPatch) -> AwsCollection:
    monkeypatch.setattr(aws_collector, "REGIONAL_UNITS", ())
    monkeypatch.setattr(
        aws_collector,
        "GLOBAL_UNITS",
        tuple(u for u in aws_collector.GLOBAL_UNITS if u[0] == "s3 buckets"),
    )
    return collect_aws_with_stats(AwsCredentials(), regions=["us-east-1"], workers=4)


@pytest.fixture
def buckets(mocked: None) -> dict[str, str]:
    """Four buckets over two regions: tagged or not, versioned or not, one with Object Lock."""
    east = boto3.client("s3", region_name="us-east-1")
    west = boto3.client("s3", region_name="eu-west-1")
    west_config = {"LocationConstraint": "eu-west-1"}
    east.create_bucket(Bucket="plain-east")
    east.create_bucket(Bucket="vault-east", ObjectLockEnabledForBucket=True)
    east.put_object_lock_configuration(
        Bucket="vault-east",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 30}},
        },
    )
    east.put_bucket_tagging(
        Bucket="vault-east", Tagging={"TagSet": [{"Key": "purpose", "Value": "backups"}]}
    )
    west.create_bucket(Bucket="tagged-west", CreateBucketConfiguration=west_config)  # type: ignore[typeddict-item]
    west.put_bucket_tagging(
        Bucket="tagged-west", Tagging={"TagSet": [{"Key": "team", "Value": "audit"}]}
    )
    west.create_bucket(Bucket="suspended-west", CreateBucketConfiguration=west_config)  # type: ignore[typeddict-item]
    west.put_bucket_versioning(
        Bucket="suspended-west", VersioningConfiguration={"Status": "Suspended"}
    )
    # Tagged once, untagged since: the tagging API may still list it, with no tags.
    west.put_bucket_tagging(
        Bucket="suspended-west", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}
    )
    west.delete_bucket_tagging(Bucket="suspended-west")
    return {
        "plain-east": "us-east-1",
        "vault-east": "us-east-1",
        "tagged-west": "eu-west-1",
        "suspended-west": "eu-west-1",
    }


def _assert_same_evidence(collection: AwsCollection, regions: dict[str, str]) -> None:
    inv = collection.inventory
    by_name = {b["Name"]: b for b in inv.buckets}
    assert {name: b["SentinelRegion"] for name, b in by_name.items()} == regions
    assert by_name["vault-east"]["SentinelTags"] == [{"Key": "purpose", "Value": "backups"}]
    assert by_name["tagged-west"]["SentinelTags"] == [{"Key": "team", "Value": "audit"}]
    assert by_name["plain-east"]["SentinelTags"] is None
    assert by_name["suspended-west"]["SentinelTags"] is None
    assert by_name["vault-east"]["SentinelObjectLock"]["ObjectLockEnabled"] == "Enabled"
    for name in ("plain-east", "tagged-west", "suspended-west"):
        assert by_name[name]["SentinelObjectLock"] is None
    assert all(b["SentinelErrors"] == {} for b in inv.buckets)
    assert not inv.errors


def test_tags_come_from_the_tagging_api_once_per_region(
    buckets: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    collection = _collect_s3(monkeypatch)
    _assert_same_evidence(collection, buckets)
    calls = collection.calls_by_action
    assert calls["tag:GetResources"] == 2  # us-east-1 and eu-west-1
    assert "s3:GetBucketTagging" not in calls
    # Object Lock is asked of the one versioned bucket only; Suspended versioning rules it out.
    assert calls["s3:GetBucketObjectLockConfiguration"] == 1
    # moto omits BucketRegion: one listing of the home region (leaving the eu-west-1 buckets out,
    # which shows the filter works), then the two others located one by one.
    assert calls["s3:ListAllMyBuckets"] == 2
    assert calls["s3:GetBucketLocation"] == 2


def test_a_refused_tagging_api_falls_back_to_each_bucket(
    buckets: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _refuse(monkeypatch, "GetResources")
    collection = _collect_s3(monkeypatch)
    _assert_same_evidence(collection, buckets)
    assert collection.calls_by_action["s3:GetBucketTagging"] == len(buckets)


def test_where_list_buckets_names_regions_nothing_is_located(
    buckets: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS returns BucketRegion when the request carries a parameter (MaxBuckets here)."""
    seen: list[dict[str, Any]] = []

    def like_aws(client: BaseClient, op: str, params: dict[str, Any], real: Any) -> Any:
        answer = real(client, op, params)
        if op == "ListBuckets":
            seen.append(dict(params))
            if params:
                for bucket in answer["Buckets"]:
                    bucket["BucketRegion"] = _home_region_of(bucket["Name"])
        return answer

    _wrap(monkeypatch, like_aws)
    collection = _collect_s3(monkeypatch)
    _assert_same_evidence(collection, buckets)
    assert seen == [{"MaxBuckets": 10_000}]
    assert "s3:GetBucketLocation" not in collection.calls_by_action


def test_an_endpoint_ignoring_the_region_filter_mislabels_nothing(
    mocked: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every bucket in one listing and the filter ignored: the probe region's answer overlaps the
    home region's, so the listing is not trusted and each bucket is located."""
    east = boto3.client("s3", region_name="us-east-1")
    for i in range(3):
        east.create_bucket(Bucket=f"east-{i}")
    boto3.client("s3", region_name="eu-west-1").create_bucket(
        Bucket="west-0",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},  # type: ignore[typeddict-item]
    )

    def ignore_filter(client: BaseClient, op: str, params: dict[str, Any], real: Any) -> Any:
        if op == "ListBuckets":
            params = {k: v for k, v in params.items() if k != "BucketRegion"}
        return real(client, op, params)

    _wrap(monkeypatch, ignore_filter)
    collection = _collect_s3(monkeypatch)
    assert collection.calls_by_action["s3:GetBucketLocation"] == 4
    assert {b["Name"]: b["SentinelRegion"] for b in collection.inventory.buckets} == {
        "east-0": "us-east-1",
        "east-1": "us-east-1",
        "east-2": "us-east-1",
        "west-0": "eu-west-1",
    }


def test_buckets_of_other_regions_are_placed_by_listing_their_region(
    mocked: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where ListBuckets omits regions (moto): one bucket of a region is located, then the region
    is listed: two calls per region, not one per bucket."""
    expected: dict[str, str] = {}
    for region, count in (("us-east-1", 3), ("eu-west-1", 4), ("ap-south-1", 3)):
        s3 = boto3.client("s3", region_name=region)
        for i in range(count):
            name = f"{region}-{i}"
            if region == "us-east-1":
                s3.create_bucket(Bucket=name)
            else:
                s3.create_bucket(
                    Bucket=name,
                    CreateBucketConfiguration={"LocationConstraint": region},  # type: ignore[typeddict-item]
                )
            expected[name] = region
    collection = _collect_s3(monkeypatch)
    assert {b["Name"]: b["SentinelRegion"] for b in collection.inventory.buckets} == expected
    calls = collection.calls_by_action
    # All buckets, the home region's, then eu-west-1's and ap-south-1's after locating one of each.
    assert calls["s3:ListAllMyBuckets"] == 4
    assert calls["s3:GetBucketLocation"] == 2
    assert calls["tag:GetResources"] == 3


def test_unreadable_versioning_means_object_lock_is_asked(
    buckets: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _refuse(monkeypatch, "GetBucketVersioning")
    collection = _collect_s3(monkeypatch)
    assert collection.calls_by_action["s3:GetBucketObjectLockConfiguration"] == len(buckets)
    by_name = {b["Name"]: b for b in collection.inventory.buckets}
    assert by_name["vault-east"]["SentinelObjectLock"]["ObjectLockEnabled"] == "Enabled"
    assert by_name["plain-east"]["SentinelObjectLock"] is None
    assert all("SentinelVersioning" in b["SentinelErrors"] for b in by_name.values())

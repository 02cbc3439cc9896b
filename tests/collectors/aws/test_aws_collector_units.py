"""The collector's small pure pieces, and its import hygiene."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from sentinel_cli.collectors.aws.actions import CallStats, iam_action
from sentinel_cli.collectors.aws.engine import (
    error_code_and_message,
    is_custom_endpoint,
    restore_endpoint_host,
    to_jsonable,
)
from sentinel_cli.collectors.aws.iam import access_keys_from_report, decode_policy_documents
from sentinel_cli.collectors.aws.s3 import region_from_location
from sentinel_cli.collectors.aws.session import AwsCredentials, build_session, verify_aws
from sentinel_cli.errors import CredentialsRefused, ExternalServiceError


def test_datetimes_become_utc_iso_strings_recursively() -> None:
    paris = timezone(timedelta(hours=1))
    value = {
        "A": datetime(2024, 1, 1, 1, 0, tzinfo=paris),
        "B": [{"C": datetime(2024, 1, 1)}],
        "ResponseMetadata": {"RequestId": "x"},
    }
    assert to_jsonable(value) == {
        "A": "2024-01-01T00:00:00Z",
        "B": [{"C": "2024-01-01T00:00:00Z"}],
    }
    assert datetime.fromisoformat(to_jsonable(datetime(2024, 5, 1, tzinfo=UTC))).tzinfo == UTC


@pytest.mark.parametrize(
    ("service", "operation", "action"),
    [
        ("s3", "ListBuckets", "s3:ListAllMyBuckets"),
        ("s3", "GetBucketEncryption", "s3:GetEncryptionConfiguration"),
        ("s3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
        ("s3control", "GetPublicAccessBlock", "s3:GetAccountPublicAccessBlock"),
        ("elbv2", "DescribeListeners", "elasticloadbalancing:DescribeListeners"),
        ("accessanalyzer", "ListAnalyzers", "access-analyzer:ListAnalyzers"),
        ("ec2", "DescribeVpcs", "ec2:DescribeVpcs"),
    ],
)
def test_iam_action_names(service: str, operation: str, action: str) -> None:
    assert iam_action(service, operation) == action


def test_call_stats_count_per_action() -> None:
    stats = CallStats()
    model = SimpleNamespace(name="DescribeVpcs", service_model=SimpleNamespace(service_name="ec2"))
    for _ in range(3):
        stats.on_before_call(model=model)
    assert stats.total == 3
    assert stats.operations == frozenset({"ec2:DescribeVpcs"})


def test_s3_control_host_prefix_is_removed_only_for_the_endpoint() -> None:
    handler = restore_endpoint_host("http://127.0.0.1:5123")
    request = SimpleNamespace(url="http://123456789012.127.0.0.1:5123/v20180820/configuration/x")
    handler(request=request)
    assert request.url == "http://127.0.0.1:5123/v20180820/configuration/x"
    other = SimpleNamespace(url="http://example.invalid/x")
    handler(request=other)
    assert other.url == "http://example.invalid/x"
    assert is_custom_endpoint("http://127.0.0.1:5123")
    assert not is_custom_endpoint("https://s3-control.us-east-1.amazonaws.com")
    assert not is_custom_endpoint(None)


def test_error_messages_are_short_and_coded() -> None:
    html = SimpleNamespace(
        response={
            "Error": {"Code": "500", "Message": "<!doctype html><h1>Internal Server Error</h1>"},
            "ResponseMetadata": {"HTTPStatusCode": 500},
        }
    )
    code, message = error_code_and_message(html)  # type: ignore[arg-type]
    assert code == "500" and "<" not in message and message.startswith("HTTP 500")
    assert error_code_and_message(NotImplementedError("nope"))[0] == "NotImplemented"


def test_bucket_location_constraint_to_region() -> None:
    assert region_from_location(None) == "us-east-1"
    assert region_from_location("") == "us-east-1"
    assert region_from_location("EU") == "eu-west-1"
    assert region_from_location("ap-south-1") == "ap-south-1"


def test_access_keys_from_report_rows() -> None:
    rows = [
        {
            "user": "kim",
            "arn": "arn:aws:iam::1:user/kim",
            "access_key_1_active": "true",
            "access_key_1_last_rotated": "2024-01-01T00:00:00+00:00",
            "access_key_1_last_used_date": "N/A",
            "access_key_2_active": "false",
            "access_key_2_last_rotated": "2023-01-01T00:00:00+00:00",
            "access_key_2_last_used_date": "2023-02-01T00:00:00+00:00",
        },
        {"user": "lee", "access_key_1_last_rotated": "N/A", "access_key_2_last_rotated": "N/A"},
    ]
    keys = access_keys_from_report(rows)
    assert [(k["UserName"], k["SentinelKeySlot"], k["Status"]) for k in keys] == [
        ("kim", 1, "Active"),
        ("kim", 2, "Inactive"),
    ]
    assert keys[0]["LastUsedDate"] is None
    assert keys[1]["LastUsedDate"] == "2023-02-01T00:00:00+00:00"


def test_url_encoded_policy_documents_are_decoded() -> None:
    encoded = "%7B%22Version%22%3A%222012-10-17%22%7D"
    assert decode_policy_documents({"RoleDetailList": [{"AssumeRolePolicyDocument": encoded}]}) == {
        "RoleDetailList": [{"AssumeRolePolicyDocument": {"Version": "2012-10-17"}}]
    }


def test_secrets_stay_out_of_repr() -> None:
    creds = AwsCredentials(access_key_id="AKIA1", secret_access_key="s3cr3t", external_id="e1")
    assert "s3cr3t" not in repr(creds) and "e1" not in repr(creds)


def test_half_a_key_pair_and_unknown_profile_are_refused() -> None:
    with pytest.raises(CredentialsRefused):
        build_session(AwsCredentials(access_key_id="AKIA1"))
    with pytest.raises(CredentialsRefused) as raised:
        verify_aws(AwsCredentials(profile="no-such-profile"))
    assert "no-such-profile" in raised.value.message


def test_verify_and_role_assumption(mocked: None) -> None:
    assert verify_aws(AwsCredentials())["accountId"] == "123456789012"
    role = AwsCredentials(role_arn="arn:aws:iam::123456789012:role/auditor", external_id="ext-9")
    identity = verify_aws(role)
    assert identity["arn"].endswith(":assumed-role/auditor/sentinel")


def test_unreachable_endpoint_is_an_external_service_error() -> None:
    # Port 9 on loopback: nothing listens, nothing leaves the machine.
    with pytest.raises(ExternalServiceError):
        verify_aws(AwsCredentials(endpoint_url="http://127.0.0.1:9"))


def test_importing_the_package_does_not_import_boto3() -> None:
    code = (
        "import sys; import sentinel_cli.collectors.aws, sentinel_cli.standins.aws_seed, "
        "sentinel_cli.standins.moto_server, sentinel_cli.inventory.aws; "
        "bad = [m for m in ('boto3', 'botocore', 'moto') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_threaded_moto_server_is_reachable_on_loopback() -> None:
    from sentinel_cli.standins.moto_server import running_moto_server

    with running_moto_server(threaded=True) as endpoint:
        assert endpoint.startswith("http://127.0.0.1:")
        assert verify_aws(AwsCredentials(endpoint_url=endpoint))["accountId"] == "123456789012"
    with pytest.raises(ValueError), running_moto_server(host="0.0.0.0"):
        pass

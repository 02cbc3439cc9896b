"""Builders for hand-made AWS inventories in boto3 response shapes.

Each helper returns a compliant-looking default that a test then bends with keyword overrides, so
a test states only the field its verdict turns on. Times are relative to ``NOW`` (the inventory's
collection time), which keeps every age-based check deterministic without freezing clocks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sentinel_cli.checks.base import CheckSettings
from sentinel_cli.inventory.aws import AwsInventory
from sentinel_cli.inventory.fetch import FetchError

ACCOUNT = "123456789012"
REGION = "us-east-1"
NOW = "2024-06-01T00:00:00Z"
_NOW = datetime(2024, 6, 1, tzinfo=UTC)
ACCOUNT_SCOPE = (ACCOUNT, "aws-account")


def inventory(**fields: Any) -> AwsInventory:
    """An AwsInventory for ACCOUNT collected at NOW; any field may be overridden."""
    fields.setdefault("account_id", ACCOUNT)
    fields.setdefault("regions", (REGION,))
    fields.setdefault("collected_at", NOW)
    return AwsInventory(**fields)


def days_ago(days: float, *, style: str = "z") -> str:
    """An ISO timestamp ``days`` before NOW; style "offset" gives the credential report's +00:00."""
    text = (_NOW - timedelta(days=days)).isoformat()
    return text if style == "offset" else text.replace("+00:00", "Z")


def days_ahead(days: float) -> str:
    return days_ago(-days)


def error(source: str, scope: str | None = None) -> FetchError:
    return FetchError(
        source=source,
        api_call=f"fetch {source}",
        message="AccessDenied",
        scope=scope,
        permission="read",
        error_code="AccessDenied",
    )


def settings(**overrides: Any) -> CheckSettings:
    return CheckSettings(**overrides)


def user_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{name}"


def cred_row(user: str, **overrides: Any) -> dict[str, Any]:
    """A credential-report row (CSV strings) for a user with no password and no keys."""
    row = {
        "user": user,
        "arn": f"arn:aws:iam::{ACCOUNT}:root" if user == "<root_account>" else user_arn(user),
        "user_creation_time": days_ago(400, style="offset"),
        "password_enabled": "not_supported" if user == "<root_account>" else "false",
        "password_last_used": "N/A",
        "password_last_changed": "N/A",
        "password_next_rotation": "N/A",
        "mfa_active": "false",
        "access_key_1_active": "false",
        "access_key_1_last_rotated": "N/A",
        "access_key_1_last_used_date": "N/A",
        "access_key_1_last_used_region": "N/A",
        "access_key_1_last_used_service": "N/A",
        "access_key_2_active": "false",
        "access_key_2_last_rotated": "N/A",
        "access_key_2_last_used_date": "N/A",
        "access_key_2_last_used_region": "N/A",
        "access_key_2_last_used_service": "N/A",
        "cert_1_active": "false",
        "cert_1_last_rotated": "N/A",
        "cert_2_active": "false",
        "cert_2_last_rotated": "N/A",
    }
    row.update(overrides)
    return row


def bucket(name: str, **overrides: Any) -> dict[str, Any]:
    """A list_buckets entry joined with every per-bucket setting, private and well configured."""
    item = {
        "Name": name,
        "CreationDate": days_ago(100),
        "SentinelRegion": REGION,
        "SentinelEncryption": {
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
        "SentinelVersioning": {"Status": "Enabled"},
        "SentinelLogging": {"TargetBucket": "logs-bucket", "TargetPrefix": f"{name}/"},
        "SentinelPolicy": None,
        "SentinelPolicyStatus": None,
        "SentinelPublicAccessBlock": None,
        "SentinelAcl": [
            {
                "Grantee": {"Type": "CanonicalUser", "ID": "owner-canonical-id"},
                "Permission": "FULL_CONTROL",
            }
        ],
        "SentinelErrors": {},
    }
    item.update(overrides)
    return item


ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def group_grant(uri: str, permission: str = "READ") -> dict[str, Any]:
    return {"Grantee": {"Type": "Group", "URI": uri}, "Permission": permission}


def pab(**flags: bool) -> dict[str, bool]:
    """A PublicAccessBlockConfiguration; all four flags on unless overridden."""
    config = dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
    )
    config.update(flags)
    return config


def perm(
    protocol: str = "tcp",
    from_port: int | None = None,
    to_port: int | None = None,
    *,
    cidr: str | None = None,
    cidr6: str | None = None,
) -> dict[str, Any]:
    """An IpPermissions entry in describe_security_groups shape."""
    rule: dict[str, Any] = {
        "IpProtocol": protocol,
        "IpRanges": [{"CidrIp": cidr}] if cidr else [],
        "Ipv6Ranges": [{"CidrIpv6": cidr6}] if cidr6 else [],
        "PrefixListIds": [],
        "UserIdGroupPairs": [],
    }
    if protocol != "-1":
        rule["FromPort"] = from_port
        rule["ToPort"] = to_port if to_port is not None else from_port
    return rule


def security_group(
    group_id: str,
    ingress: list[dict[str, Any]] | None = None,
    egress: list[dict[str, Any]] | None = None,
    *,
    name: str = "app",
    vpc: str = "vpc-1",
) -> dict[str, Any]:
    return {
        "GroupId": group_id,
        "GroupName": name,
        "Description": name,
        "OwnerId": ACCOUNT,
        "VpcId": vpc,
        "IpPermissions": ingress or [],
        "IpPermissionsEgress": egress or [],
    }


def sg_arn(group_id: str, region: str = REGION) -> str:
    return f"arn:aws:ec2:{region}:{ACCOUNT}:security-group/{group_id}"


def instance(instance_id: str, state: str = "running", **overrides: Any) -> dict[str, Any]:
    """A describe_instances instance: private, IMDSv2 required."""
    item = {
        "InstanceId": instance_id,
        "InstanceType": "t3.micro",
        "State": {"Code": 16, "Name": state},
        "PrivateIpAddress": "10.0.0.10",
        "MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "enabled"},
        "NetworkInterfaces": [],
    }
    item.update(overrides)
    return item


def instance_arn(instance_id: str, region: str = REGION) -> str:
    return f"arn:aws:ec2:{region}:{ACCOUNT}:instance/{instance_id}"


def trail(name: str, **overrides: Any) -> dict[str, Any]:
    """A describe_trails entry joined with its status and selectors: a model multi-region trail."""
    item = {
        "Name": name,
        "TrailARN": f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{name}",
        "HomeRegion": REGION,
        "S3BucketName": "trail-bucket",
        "IsMultiRegionTrail": True,
        "LogFileValidationEnabled": True,
        "KmsKeyId": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k-1",
        "CloudWatchLogsLogGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:trail-logs:*",
        "SentinelStatus": {"IsLogging": True, "LatestCloudWatchLogsDeliveryTime": days_ago(0.1)},
        "SentinelEventSelectors": {
            "EventSelectors": [
                {
                    "ReadWriteType": "All",
                    "IncludeManagementEvents": True,
                    "DataResources": [],
                }
            ]
        },
    }
    item.update(overrides)
    return item


def trail_arn(name: str) -> str:
    return f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{name}"


def db_instance(ident: str, **overrides: Any) -> dict[str, Any]:
    """A describe_db_instances entry that satisfies every RDS check."""
    item = {
        "DBInstanceIdentifier": ident,
        "DBInstanceArn": db_arn(ident),
        "Engine": "postgres",
        "PubliclyAccessible": False,
        "StorageEncrypted": True,
        "BackupRetentionPeriod": 7,
        "MultiAZ": True,
        "DeletionProtection": True,
        "EnabledCloudwatchLogsExports": ["postgresql"],
        "CopyTagsToSnapshot": True,
    }
    item.update(overrides)
    return item


def db_cluster(ident: str, **overrides: Any) -> dict[str, Any]:
    """A describe_db_clusters entry (Aurora) that satisfies every RDS check."""
    item = {
        "DBClusterIdentifier": ident,
        "DBClusterArn": cluster_arn(ident),
        "Engine": "aurora-postgresql",
        "MultiAZ": True,
        "DeletionProtection": True,
        "StorageEncrypted": True,
        "BackupRetentionPeriod": 7,
        "EnabledCloudwatchLogsExports": ["postgresql"],
        "CopyTagsToSnapshot": True,
        "DBClusterMembers": [{"DBInstanceIdentifier": f"{ident}-1", "IsClusterWriter": True}],
    }
    item.update(overrides)
    return item


def cluster_arn(ident: str, region: str = REGION) -> str:
    return f"arn:aws:rds:{region}:{ACCOUNT}:cluster:{ident}"


def db_arn(ident: str, region: str = REGION) -> str:
    return f"arn:aws:rds:{region}:{ACCOUNT}:db:{ident}"


def table(name: str, pitr: str | None = "ENABLED") -> dict[str, Any]:
    return {"TableName": name, "TableArn": table_arn(name), "SentinelPitr": pitr}


def table_arn(name: str, region: str = REGION) -> str:
    return f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{name}"

"""Seed a moto AWS account with known misconfigurations and their correctly configured twins.

Every check needs a failing and a passing resource to be shown working, end to end: collector
tests assert the inventory holds them, the lead's CLI tests assert the verdicts, and
``sentinel demo`` shows them to a first-time user. One seeding routine serves all three, so the
three never disagree about what "the demo account" contains. :class:`SeedManifest` names every
seeded resource by role (``bucket_public`` vs ``bucket_private``, ...) so tests refer to roles,
not to literal names.

Works against in-process ``moto.mock_aws`` or a moto server (pass the endpoint URL; only ever a
loopback one). The one thing no AWS API can do, back-dating an access key to 100 days, is done
through moto's in-process backend when it is reachable (``mock_aws``, or
``running_moto_server(threaded=True)``); ``SeedManifest.old_key_backdated`` says whether it was.

``SeedScale`` adds filler users, buckets and security groups for the collection bench. This module
imports neither boto3 nor moto at import time; clients come from the collector's session helpers.
"""

from __future__ import annotations

import io
import json
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sentinel_cli.collectors.aws.session import AwsCredentials, build_session, plain_client

DEFAULT_REGIONS = ("us-east-1", "eu-west-1")
OLD_KEY_AGE_DAYS = 100
PASSWORD = "Seed-Passw0rd-For-Moto!"  # a throwaway password for an emulated account

_ASSUME_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
_ADMIN_STAR = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
_READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}],
}
_ROOT_USAGE_PATTERN = (
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
    '&& $.eventType != "AwsServiceEvent" }'
)


@dataclass(frozen=True)
class SeedScale:
    """Filler resources on top of the known set, for benches (0 = the known set only)."""

    users: int = 0
    buckets: int = 0
    security_groups_per_region: int = 0


@dataclass
class SeedManifest:
    """What was seeded, by role. Regional ids are in ``region_a`` (the first region) unless the
    attribute name says otherwise."""

    account_id: str
    regions: tuple[str, ...]
    region_a: str
    region_b: str | None
    prefix: str
    users: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)
    security_groups: dict[str, str] = field(default_factory=dict)
    trails: dict[str, str] = field(default_factory=dict)
    db_instances: dict[str, str] = field(default_factory=dict)
    db_clusters: dict[str, str] = field(default_factory=dict)
    kms_keys: dict[str, str] = field(default_factory=dict)
    vpcs: dict[str, str] = field(default_factory=dict)
    instances: dict[str, str] = field(default_factory=dict)
    snapshots: dict[str, str] = field(default_factory=dict)
    log_groups: dict[str, str] = field(default_factory=dict)
    dynamodb_tables: dict[str, str] = field(default_factory=dict)
    lambda_functions: dict[str, str] = field(default_factory=dict)
    other: dict[str, str] = field(default_factory=dict)
    ebs_encrypted_regions: tuple[str, ...] = ()
    account_public_access_block: bool = False
    old_key_backdated: bool = False
    filler_users: int = 0
    filler_buckets: int = 0
    filler_security_groups: int = 0

    @property
    def resource_count(self) -> int:
        """Roughly how many resources the seed created (known set plus fillers)."""
        named = (
            self.users,
            self.buckets,
            self.security_groups,
            self.trails,
            self.db_instances,
            self.db_clusters,
            self.kms_keys,
            self.vpcs,
            self.instances,
            self.snapshots,
            self.log_groups,
            self.dynamodb_tables,
            self.lambda_functions,
            self.other,
        )
        fillers = self.filler_users + self.filler_buckets + self.filler_security_groups
        return sum(len(d) for d in named) + fillers


class _Seeder:
    def __init__(self, session: Any, endpoint_url: str | None) -> None:
        self.session = session
        self.endpoint_url = endpoint_url
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = plain_client(
                self.session, service, region=region, endpoint_url=self.endpoint_url
            )
        return self._clients[key]


def seed_account(
    target: AwsCredentials | Any,
    *,
    endpoint_url: str | None = None,
    regions: tuple[str, ...] | list[str] = DEFAULT_REGIONS,
    scale: SeedScale | None = None,
    account_bpa: bool = False,
    prefix: str = "sentinel-seed",
    workers: int = 8,
) -> SeedManifest:
    """Create the known set in ``regions[0]`` (and ``regions[1]`` where a twin is regional).

    ``target`` is an :class:`AwsCredentials` (its ``endpoint_url`` is used) or a boto3 session
    (then give ``endpoint_url``, or none for in-process ``mock_aws``). ``account_bpa`` turns the
    account-level S3 Block Public Access on (one account has only one, so it has no twin).
    """
    if isinstance(target, AwsCredentials):
        endpoint_url = endpoint_url or target.endpoint_url
        session = build_session(target)
    else:
        session = target
    regions = tuple(regions)
    if not regions:
        raise ValueError("seed_account needs at least one region")
    s = _Seeder(session, endpoint_url)
    region_a = regions[0]
    region_b = regions[1] if len(regions) > 1 else None
    account_id = s.client("sts", region_a).get_caller_identity()["Account"]
    m = SeedManifest(
        account_id=account_id,
        regions=regions,
        region_a=region_a,
        region_b=region_b,
        prefix=prefix,
    )
    _seed_iam(s, m)
    _seed_s3(s, m, account_bpa)
    _seed_trails(s, m)
    _seed_network(s, m)
    _seed_data(s, m)
    _seed_monitoring(s, m)
    _seed_compute(s, m)
    _seed_fillers(s, m, scale or SeedScale(), workers)
    return m


# ---------------------------------------------------------------- IAM
def _seed_iam(s: _Seeder, m: SeedManifest) -> None:
    iam = s.client("iam", m.region_a)
    p = m.prefix
    names = {
        "console_no_mfa": f"{p}-alice-no-mfa",
        "console_mfa": f"{p}-bob-mfa",
        "old_key": f"{p}-carol-old-key",
        "fresh_key": f"{p}-dave-fresh-key",
        "inline_admin": f"{p}-erin-inline-admin",
    }
    for name in names.values():
        iam.create_user(UserName=name)
    for role in ("console_no_mfa", "console_mfa"):
        iam.create_login_profile(UserName=names[role], Password=PASSWORD)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{p}-bob-device")
    iam.enable_mfa_device(
        UserName=names["console_mfa"],
        SerialNumber=device["VirtualMFADevice"]["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    old_key = iam.create_access_key(UserName=names["old_key"])["AccessKey"]["AccessKeyId"]
    iam.create_access_key(UserName=names["fresh_key"])
    iam.put_user_policy(
        UserName=names["inline_admin"],
        PolicyName="admin-star",
        PolicyDocument=json.dumps(_ADMIN_STAR),
    )
    group = f"{p}-readers"
    iam.create_group(GroupName=group)
    policy_arn = iam.create_policy(PolicyName=f"{p}-read", PolicyDocument=json.dumps(_READ_ONLY))[
        "Policy"
    ]["Arn"]
    iam.attach_group_policy(GroupName=group, PolicyArn=policy_arn)
    iam.add_user_to_group(GroupName=group, UserName=names["console_mfa"])
    role = iam.create_role(
        RoleName=f"{p}-lambda-role", AssumeRolePolicyDocument=json.dumps(_ASSUME_LAMBDA)
    )["Role"]
    m.users.update(names)
    m.other.update({"group": group, "customer_policy": policy_arn, "lambda_role": role["Arn"]})
    m.old_key_backdated = _backdate_access_key(m.account_id, names["old_key"], old_key)
    _seed_administrators(iam, m)


def _seed_administrators(iam: Any, m: SeedManifest) -> None:
    """Administrators by every path a check must follow, and a user with two active keys.

    A user who is an administrator only through a group (FAIL, path named), a role holding the
    same customer policy (WARNING), the group itself (WARNING). moto has no AWS-managed
    ``AdministratorAccess`` unless told to load every managed policy, so the managed-policy path
    is shown with a customer policy here and tested with AWS's own policy elsewhere.
    """
    p = m.prefix
    admin_policy = iam.create_policy(
        PolicyName=f"{p}-admin-all", PolicyDocument=json.dumps(_ADMIN_STAR)
    )["Policy"]["Arn"]
    admins = f"{p}-admins"
    iam.create_group(GroupName=admins)
    iam.attach_group_policy(GroupName=admins, PolicyArn=admin_policy)
    group_admin = f"{p}-grace-group-admin"
    iam.create_user(UserName=group_admin)
    iam.add_user_to_group(GroupName=admins, UserName=group_admin)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{m.account_id}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName=f"{p}-ops-admin", AssumeRolePolicyDocument=json.dumps(trust))
    iam.attach_role_policy(RoleName=f"{p}-ops-admin", PolicyArn=admin_policy)
    two_keys = f"{p}-frank-two-keys"
    iam.create_user(UserName=two_keys)
    for _ in range(2):
        iam.create_access_key(UserName=two_keys)
    m.users.update({"group_admin": group_admin, "two_keys": two_keys})
    m.other.update(
        {"admin_group": admins, "admin_policy": admin_policy, "admin_role": role["Role"]["Arn"]}
    )


def _backdate_access_key(account_id: str, user: str, key_id: str) -> bool:
    """Age a key through moto's in-process backend; False when the backend is another process."""
    try:
        from moto.backends import get_backend
    except ImportError:
        return False
    try:
        backend = get_backend("iam")[account_id]["aws"]
        found = backend.users.get(user)
    except (KeyError, AttributeError):
        return False
    if found is None:
        return False
    for key in found.access_keys:
        if key.access_key_id == key_id:
            # moto keeps naive UTC datetimes
            key.create_date = (datetime.now(UTC) - timedelta(days=OLD_KEY_AGE_DAYS)).replace(
                tzinfo=None
            )
            return True
    return False


# ---------------------------------------------------------------- S3
def _bucket(s3: Any, name: str, region: str) -> None:
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})


def _seed_s3(s: _Seeder, m: SeedManifest, account_bpa: bool) -> None:
    p, ra = m.prefix, m.region_a
    s3 = s.client("s3", ra)
    names = {
        "public": f"{p}-public-{m.account_id}",
        "private": f"{p}-private-{m.account_id}",
        "logs": f"{p}-access-logs-{m.account_id}",
        "trail": f"{p}-cloudtrail-{m.account_id}",
    }
    for name in names.values():
        _bucket(s3, name, ra)
    # The misconfigured one: public ACL and a public policy, no encryption/versioning/logging/PAB.
    s3.put_bucket_acl(Bucket=names["public"], ACL="public-read")
    s3.put_bucket_policy(
        Bucket=names["public"],
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "PublicRead",
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{names['public']}/*",
                    }
                ],
            }
        ),
    )
    # Its twin: encrypted, versioned, logged, TLS-only, all four public-access blocks.
    s3.put_bucket_acl(Bucket=names["logs"], ACL="log-delivery-write")
    for name in (names["private"], names["logs"], names["trail"]):
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
    s3.put_bucket_versioning(Bucket=names["private"], VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_logging(
        Bucket=names["private"],
        BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": names["logs"], "TargetPrefix": "private/"}
        },
    )
    s3.put_bucket_policy(
        Bucket=names["private"], Policy=json.dumps(tls_only_policy(names["private"]))
    )
    for name in (names["private"], names["trail"]):
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
    _seed_retention_buckets(s3, m, names)
    if m.region_b:
        names["other_region"] = f"{p}-{m.region_b}-{m.account_id}"
        _bucket(s.client("s3", m.region_b), names["other_region"], m.region_b)
    if account_bpa:
        s.client("s3control", ra).put_public_access_block(
            AccountId=m.account_id,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
    m.account_public_access_block = account_bpa
    m.buckets.update(names)


def _seed_retention_buckets(s3: Any, m: SeedManifest, names: dict[str, str]) -> None:
    """A backup bucket without Object Lock (named as such: WARNING) and an audit-log bucket with
    Object Lock, a default retention, SSE-KMS and a purpose tag (its twin)."""
    p = m.prefix
    backups = f"{p}-backups-{m.account_id}"
    audit = f"{p}-audit-logs-{m.account_id}"
    _bucket(s3, backups, m.region_a)
    s3.put_bucket_encryption(
        Bucket=backups,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    if m.region_a == "us-east-1":
        s3.create_bucket(Bucket=audit, ObjectLockEnabledForBucket=True)
    else:
        s3.create_bucket(
            Bucket=audit,
            ObjectLockEnabledForBucket=True,
            CreateBucketConfiguration={"LocationConstraint": m.region_a},
        )
    s3.put_object_lock_configuration(
        Bucket=audit,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 365}},
        },
    )
    s3.put_bucket_encryption(
        Bucket=audit,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    s3.put_bucket_tagging(
        Bucket=audit, Tagging={"TagSet": [{"Key": "purpose", "Value": "audit-log"}]}
    )
    names.update({"backups": backups, "audit_logs": audit})


def tls_only_policy(bucket: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


# ---------------------------------------------------------------- CloudTrail
def _seed_trails(s: _Seeder, m: SeedManifest) -> None:
    ct = s.client("cloudtrail", m.region_a)
    bucket = m.buckets["trail"]
    single = f"{m.prefix}-single-region"
    multi = f"{m.prefix}-multi-region"
    ct.create_trail(
        Name=single, S3BucketName=bucket, IsMultiRegionTrail=False, EnableLogFileValidation=False
    )
    ct.create_trail(
        Name=multi, S3BucketName=bucket, IsMultiRegionTrail=True, EnableLogFileValidation=True
    )
    ct.put_event_selectors(
        TrailName=multi,
        EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}],
    )
    ct.start_logging(Name=multi)
    m.trails.update({"single_region": single, "multi_region": multi})


# ---------------------------------------------------------------- EC2 / network
def _default_vpc(ec2: Any) -> str:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    return str(vpcs[0]["VpcId"])


def _ssh_group(ec2: Any, name: str, vpc: str, cidr: str) -> str:
    group_id = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": cidr}]}
        ],
    )
    return str(group_id)


def _seed_network(s: _Seeder, m: SeedManifest) -> None:
    ra, p = m.region_a, m.prefix
    ec2 = s.client("ec2", ra)
    default_vpc = _default_vpc(ec2)
    m.security_groups["open_ssh"] = _ssh_group(ec2, f"{p}-open-ssh", default_vpc, "0.0.0.0/0")
    m.security_groups["restricted_ssh"] = _ssh_group(
        ec2, f"{p}-restricted-ssh", default_vpc, "10.0.0.0/8"
    )
    no_logs = ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
    with_logs = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[no_logs], Tags=[{"Key": "Name", "Value": f"{p}-no-flow-logs"}])
    ec2.create_tags(Resources=[with_logs], Tags=[{"Key": "Name", "Value": f"{p}-flow-logs"}])
    created = ec2.create_flow_logs(
        ResourceIds=[with_logs],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{m.buckets['logs']}",
    )
    if created.get("Unsuccessful"):
        raise RuntimeError(f"seeding flow logs failed: {created['Unsuccessful']}")
    m.vpcs.update({"default": default_vpc, "no_flow_logs": no_logs, "flow_logs": with_logs})
    # EBS encryption by default: off in region A (the AWS default), on in region B.
    if m.region_b:
        s.client("ec2", m.region_b).enable_ebs_encryption_by_default()
        m.ebs_encrypted_regions = (m.region_b,)
    volume = ec2.create_volume(AvailabilityZone=f"{ra}a", Size=1)["VolumeId"]
    encrypted = ec2.create_volume(AvailabilityZone=f"{ra}a", Size=1, Encrypted=True)["VolumeId"]
    public_snap = ec2.create_snapshot(VolumeId=volume, Description=f"{p}-public")["SnapshotId"]
    private_snap = ec2.create_snapshot(VolumeId=volume, Description=f"{p}-private")["SnapshotId"]
    encrypted_snap = ec2.create_snapshot(VolumeId=encrypted, Description=f"{p}-encrypted")[
        "SnapshotId"
    ]
    m.other.update({"unencrypted_volume": volume, "encrypted_volume": encrypted})
    m.snapshots["encrypted"] = encrypted_snap
    _seed_subnets_and_acls(ec2, m, no_logs)
    m.security_groups["web_open"] = _web_group(ec2, f"{p}-web-open", default_vpc, (443,))
    m.security_groups["alb_web"] = _web_group(ec2, f"{p}-alb-web", default_vpc, (80, 443))
    ec2.modify_snapshot_attribute(
        SnapshotId=public_snap,
        Attribute="createVolumePermission",
        OperationType="add",
        GroupNames=["all"],
    )
    m.snapshots.update({"public": public_snap, "private": private_snap})


def _web_group(ec2: Any, name: str, vpc: str, ports: tuple[int, ...]) -> str:
    group_id = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": port,
                "ToPort": port,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
            for port in ports
        ],
    )
    return str(group_id)


def _seed_subnets_and_acls(ec2: Any, m: SeedManifest, vpc: str) -> None:
    """A private subnet (no public IPs on launch; default subnets are the twin) under a network
    ACL that lets the internet reach only HTTPS and the return ports (default ACLs allow all)."""
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.10.1.0/24")["Subnet"]["SubnetId"]
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for number, low, high in ((100, 443, 443), (110, 49152, 65535)):
        ec2.create_network_acl_entry(
            NetworkAclId=acl,
            RuleNumber=number,
            Protocol="6",
            RuleAction="allow",
            Egress=False,
            CidrBlock="0.0.0.0/0",
            PortRange={"From": low, "To": high},
        )
    m.other.update({"private_subnet": subnet, "restricted_acl": acl})


# ---------------------------------------------------------------- databases, keys, secrets
def _seed_data(s: _Seeder, m: SeedManifest) -> None:
    ra, p = m.region_a, m.prefix
    rds = s.client("rds", ra)
    common = {
        "DBInstanceClass": "db.t3.micro",
        "Engine": "postgres",
        "MasterUsername": "seed",
        "MasterUserPassword": PASSWORD,
        "AllocatedStorage": 20,
    }
    rds.create_db_instance(
        DBInstanceIdentifier=f"{p}-unencrypted",
        StorageEncrypted=False,
        PubliclyAccessible=True,
        BackupRetentionPeriod=0,
        **common,
    )
    rds.create_db_instance(
        DBInstanceIdentifier=f"{p}-encrypted",
        StorageEncrypted=True,
        PubliclyAccessible=False,
        BackupRetentionPeriod=7,
        MultiAZ=True,
        DeletionProtection=True,
        EnableCloudwatchLogsExports=["postgresql"],
        CopyTagsToSnapshot=True,
        **common,
    )
    m.db_instances.update({"unencrypted": f"{p}-unencrypted", "encrypted": f"{p}-encrypted"})
    aurora = {
        "Engine": "aurora-postgresql",
        "MasterUsername": "seed",
        "MasterUserPassword": PASSWORD,
    }
    rds.create_db_cluster(
        DBClusterIdentifier=f"{p}-aurora-unprotected", DeletionProtection=False, **aurora
    )
    rds.create_db_cluster(
        DBClusterIdentifier=f"{p}-aurora-protected",
        DeletionProtection=True,
        StorageEncrypted=True,
        EnableCloudwatchLogsExports=["postgresql"],
        CopyTagsToSnapshot=True,
        **aurora,
    )
    m.db_clusters.update(
        {"unprotected": f"{p}-aurora-unprotected", "protected": f"{p}-aurora-protected"}
    )

    kms = s.client("kms", ra)
    no_rotation = kms.create_key(Description=f"{p}-no-rotation")["KeyMetadata"]["KeyId"]
    rotated = kms.create_key(Description=f"{p}-rotated")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=rotated)
    m.kms_keys.update({"no_rotation": no_rotation, "rotated": rotated})
    public = kms.create_key(
        Description=f"{p}-public-policy", Policy=json.dumps(_public_key_policy(m.account_id))
    )["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=public)
    # Scheduled for deletion once a log group uses it (see _seed_monitoring).
    retired = kms.create_key(Description=f"{p}-retired")["KeyMetadata"]["KeyId"]
    m.kms_keys.update({"public_policy": public, "pending_deletion": retired})

    ddb = s.client("dynamodb", ra)
    for role in ("no_pitr", "pitr"):
        name = f"{p}-{role.replace('_', '-')}"
        ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        m.dynamodb_tables[role] = name
    ddb.update_continuous_backups(
        TableName=m.dynamodb_tables["pitr"],
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )

    sm = s.client("secretsmanager", ra)
    arn = sm.create_secret(Name=f"{p}/db-password", SecretString="not-a-real-secret")["ARN"]
    m.other["secret_without_rotation"] = arn

    backup = s.client("backup", ra)
    plan = backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": f"{p}-daily",
            "Rules": [
                {
                    "RuleName": "daily",
                    "TargetBackupVaultName": "Default",
                    "ScheduleExpression": "cron(0 5 ? * * *)",
                }
            ],
        }
    )
    m.other["backup_plan"] = plan["BackupPlanId"]


def _public_key_policy(account_id: str) -> dict[str, Any]:
    """The account's usual administration statement plus one letting every AWS principal decrypt."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "AnyoneMayDecrypt",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Decrypt", "kms:DescribeKey"],
                "Resource": "*",
            },
        ],
    }


def key_arn(m: SeedManifest, role: str) -> str:
    return f"arn:aws:kms:{m.region_a}:{m.account_id}:key/{m.kms_keys[role]}"


# ---------------------------------------------------------------- logging and detection
def _seed_monitoring(s: _Seeder, m: SeedManifest) -> None:
    ra, p = m.region_a, m.prefix
    logs = s.client("logs", ra)
    unlimited = f"/{p}/no-retention"
    retained = f"/{p}/retained"
    trail_logs = f"/{p}/cloudtrail"
    for name in (unlimited, retained, trail_logs):
        logs.create_log_group(logGroupName=name)
    logs.put_retention_policy(logGroupName=retained, retentionInDays=365)
    logs.put_retention_policy(logGroupName=trail_logs, retentionInDays=400)
    m.log_groups.update({"no_retention": unlimited, "retained": retained, "cloudtrail": trail_logs})
    # KMS-encrypted groups: one with a live key, one whose key is then scheduled for deletion.
    for role, key in (("kms", "rotated"), ("kms_pending_deletion", "pending_deletion")):
        name = f"/{p}/{role.replace('_', '-')}"
        logs.create_log_group(logGroupName=name, kmsKeyId=key_arn(m, key))
        logs.put_retention_policy(logGroupName=name, retentionInDays=365)
        m.log_groups[role] = name
    s.client("kms", ra).schedule_key_deletion(
        KeyId=m.kms_keys["pending_deletion"], PendingWindowInDays=30
    )
    logs.put_metric_filter(
        logGroupName=trail_logs,
        filterName=f"{p}-root-usage",
        filterPattern=_ROOT_USAGE_PATTERN,
        metricTransformations=[
            {
                "metricName": "RootAccountUsage",
                "metricNamespace": "CISBenchmark",
                "metricValue": "1",
            }
        ],
    )
    sns = s.client("sns", ra)
    topic = sns.create_topic(Name=f"{p}-security-alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="security@example.invalid")
    s.client("cloudwatch", ra).put_metric_alarm(
        AlarmName=f"{p}-root-usage",
        MetricName="RootAccountUsage",
        Namespace="CISBenchmark",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[topic],
    )
    m.other["alert_topic"] = topic

    # Detection services on in region A only; region B is the "not enabled" twin.
    m.other["guardduty_detector"] = s.client("guardduty", ra).create_detector(Enable=True)[
        "DetectorId"
    ]
    s.client("securityhub", ra).enable_security_hub(EnableDefaultStandards=False)
    cfg = s.client("config", ra)
    cfg.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": m.other["lambda_role"],
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": m.buckets["logs"]})
    cfg.start_configuration_recorder(ConfigurationRecorderName="default")


# ---------------------------------------------------------------- compute
def _zip_handler() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("handler.py", "def handler(event, context):\n    return 'ok'\n")
    return buf.getvalue()


def _seed_compute(s: _Seeder, m: SeedManifest) -> None:
    ra, p = m.region_a, m.prefix
    ec2 = s.client("ec2", ra)
    # With moto's default AMIs switched off (see standins.moto_server.MOTO_ENV) any well-formed
    # image id is accepted.
    images = ec2.describe_images(Owners=["amazon"])["Images"]
    image = images[0]["ImageId"] if images else "ami-0123456789abcdef0"
    for role, tokens in (("imdsv1", "optional"), ("imdsv2", "required")):
        inst = ec2.run_instances(
            ImageId=image,
            MinCount=1,
            MaxCount=1,
            InstanceType="t3.micro",
            MetadataOptions={"HttpTokens": tokens, "HttpEndpoint": "enabled"},
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": f"{p}-{role}"}]}
            ],
        )
        m.instances[role] = inst["Instances"][0]["InstanceId"]
    # In a default subnet, so it gets a public IP: SSH open to the world (FAIL) and HTTPS open to
    # the world with no load balancer in front (WARNING on the group).
    exposed = ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"},
        SecurityGroupIds=[m.security_groups["open_ssh"], m.security_groups["web_open"]],
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": f"{p}-public-web"}]}
        ],
    )
    m.instances["public_web"] = exposed["Instances"][0]["InstanceId"]

    lam = s.client("lambda", ra)
    code = _zip_handler()
    for role in ("public", "private"):
        name = f"{p}-{role}-fn"
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=m.other["lambda_role"],
            Handler="handler.handler",
            Code={"ZipFile": code},
        )
        m.lambda_functions[role] = name
    lam.add_permission(
        FunctionName=m.lambda_functions["public"],
        StatementId="public-invoke",
        Action="lambda:InvokeFunction",
        Principal="*",
    )

    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [m.vpcs["default"]]}])
    subnet_ids = [sn["SubnetId"] for sn in subnets["Subnets"]][:2]
    elb = s.client("elbv2", ra)
    lb = elb.create_load_balancer(
        Name=f"{p}-alb",
        Subnets=subnet_ids,
        Type="application",
        SecurityGroups=[m.security_groups["alb_web"]],
    )
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    group = elb.create_target_group(
        Name=f"{p}-tg", Protocol="HTTP", Port=80, VpcId=m.vpcs["default"]
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.create_listener(
        LoadBalancerArn=lb_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group}],
    )
    m.other["load_balancer"] = lb_arn
    cert = s.client("acm", ra).request_certificate(DomainName="seed.example.invalid")
    m.other["certificate"] = cert["CertificateArn"]


# ---------------------------------------------------------------- fillers for benches
def _seed_fillers(s: _Seeder, m: SeedManifest, scale: SeedScale, workers: int) -> None:
    iam = s.client("iam", m.region_a)

    def user(i: int) -> None:
        name = f"{m.prefix}-user-{i:05d}"
        iam.create_user(UserName=name)
        if i % 2 == 0:
            iam.create_access_key(UserName=name)
        if i % 3 == 0:
            iam.create_login_profile(UserName=name, Password=PASSWORD)

    def bucket(i: int) -> None:
        region = m.regions[i % len(m.regions)]
        name = f"{m.prefix}-fill-{i:05d}-{m.account_id}"
        s3 = s.client("s3", region)
        _bucket(s3, name, region)
        if i % 2 == 0:
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps(tls_only_policy(name)))

    def groups(region: str) -> None:
        ec2 = s.client("ec2", region)
        vpc = _default_vpc(ec2)
        for j in range(scale.security_groups_per_region):
            cidr = "0.0.0.0/0" if j % 2 == 0 else "10.0.0.0/8"
            _ssh_group(ec2, f"{m.prefix}-fill-sg-{j:04d}", vpc, cidr)

    # Create every client up front: boto3 sessions are not thread-safe, clients are.
    for region in m.regions:
        s.client("s3", region)
        s.client("ec2", region)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        jobs = [pool.submit(user, i) for i in range(scale.users)]
        jobs += [pool.submit(bucket, i) for i in range(scale.buckets)]
        if scale.security_groups_per_region:
            jobs += [pool.submit(groups, r) for r in m.regions]
        for job in jobs:
            job.result()
    m.filler_users = scale.users
    m.filler_buckets = scale.buckets
    m.filler_security_groups = scale.security_groups_per_region * len(m.regions)

"""The evidence behind the administrator, key, S3 retention, EBS, KMS, network-exposure, RDS and
log-group checks, collected from moto: each new kind of data is fetched once per region (or once
per resource where AWS has no list call), lands in the documented shape, and the checks reading it
find the seeded misconfiguration and pass its twin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sentinel_cli.checks import load_checks
from sentinel_cli.checks.base import CheckSettings, run_checks

if TYPE_CHECKING:
    from conftest import Seeded

REGIONS = ("us-east-1", "eu-west-1")  # as seeded by conftest.seeded
ACCOUNT = "123456789012"


def _by(items: list[dict], key: str) -> dict[str, dict]:
    return {item[key]: item for item in items}


def _verdicts(seeded: Seeded) -> dict[tuple[str, str], str]:
    results = run_checks(load_checks("aws"), seeded.collection.inventory, CheckSettings())
    return {(r.check_id, r.resource_id): r.status for r in results}


# ---------------------------------------------------------------- what the inventory holds


def test_new_sources_are_fetched_once_per_region_or_resource(seeded: Seeded) -> None:
    calls = seeded.collection.calls_by_action
    inv = seeded.collection.inventory
    for per_region in ("ec2:DescribeVolumes", "ec2:DescribeSubnets", "ec2:DescribeNetworkAcls"):
        assert calls[per_region] == len(REGIONS)
    # Tags: one tagging-API read per region holding buckets, none per bucket. Object Lock: asked
    # only of versioned buckets (it cannot exist without versioning), answered for every bucket.
    assert calls["tag:GetResources"] == len({b["SentinelRegion"] for b in inv.buckets}) == 2
    assert "s3:GetBucketTagging" not in calls
    versioned = [
        b for b in inv.buckets if (b["SentinelVersioning"] or {}).get("Status") == "Enabled"
    ]
    assert 0 < calls["s3:GetBucketObjectLockConfiguration"] == len(versioned) < len(inv.buckets)
    assert all("SentinelObjectLock" in b and "SentinelTags" in b for b in inv.buckets)
    keys = sum(len(k) for k in inv.kms_keys.values())
    assert calls["kms:GetKeyPolicy"] == keys == calls["kms:DescribeKey"]
    # The administrator check reads the authorization details already fetched: no extra call.
    assert calls["iam:GetAccountAuthorizationDetails"] == 1
    assert not seeded.collection.operations & {"iam:ListGroupsForUser", "iam:ListEntitiesForPolicy"}


def test_volumes_subnets_and_network_acls(seeded: Seeded) -> None:
    inv, m = seeded.collection.inventory, seeded.manifest
    volumes = _by(inv.volumes["us-east-1"], "VolumeId")
    assert volumes[m.other["unencrypted_volume"]]["Encrypted"] is False
    assert volumes[m.other["encrypted_volume"]]["Encrypted"] is True
    # Instances' root volumes are listed too, with their attachment.
    public_web = m.instances["public_web"]
    assert any(
        a.get("InstanceId") == public_web for v in volumes.values() for a in v["Attachments"]
    )
    snaps = _by(inv.snapshots["us-east-1"], "SnapshotId")
    assert snaps[m.snapshots["encrypted"]]["Encrypted"] is True
    assert snaps[m.snapshots["public"]]["Encrypted"] is False

    subnets = _by(inv.subnets["us-east-1"], "SubnetId")
    assert subnets[m.other["private_subnet"]]["MapPublicIpOnLaunch"] is False
    assert any(s["DefaultForAz"] and s["MapPublicIpOnLaunch"] for s in subnets.values())
    assert inv.subnets["eu-west-1"]  # the default VPC of the other region

    acls = _by(inv.network_acls["us-east-1"], "NetworkAclId")
    restricted = acls[m.other["restricted_acl"]]
    assert restricted["IsDefault"] is False
    ingress = [e for e in restricted["Entries"] if not e["Egress"]]
    assert {(e["RuleNumber"], e["PortRange"]["From"]) for e in ingress if "PortRange" in e} == {
        (100, 443),
        (110, 49152),
    }
    default = next(a for a in acls.values() if a["IsDefault"] and a["VpcId"] == m.vpcs["default"])
    assert {a["SubnetId"] for a in default["Associations"]} >= {
        s for s, v in subnets.items() if v["VpcId"] == m.vpcs["default"]
    }


def test_buckets_carry_tags_and_object_lock(seeded: Seeded) -> None:
    inv, m = seeded.collection.inventory, seeded.manifest
    buckets = _by(inv.buckets, "Name")
    audit = buckets[m.buckets["audit_logs"]]
    assert audit["SentinelObjectLock"] == {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 365, "Years": 0}},
    }
    assert audit["SentinelTags"] == [{"Key": "purpose", "Value": "audit-log"}]
    assert audit["SentinelErrors"] == {}
    rule = audit["SentinelEncryption"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]
    assert rule["SSEAlgorithm"] == "aws:kms"
    # Absent Object Lock and absent tags are "not configured", not errors.
    backups = buckets[m.buckets["backups"]]
    assert backups["SentinelObjectLock"] is None and backups["SentinelTags"] is None
    assert backups["SentinelErrors"] == {}


def test_keys_carry_their_policy_and_deletion_date(seeded: Seeded) -> None:
    inv, m = seeded.collection.inventory, seeded.manifest
    keys = _by(inv.kms_keys["us-east-1"], "KeyId")
    public = keys[m.kms_keys["public_policy"]]["SentinelPolicy"]
    assert [s["Sid"] for s in public["Statement"]] == [
        "Enable IAM User Permissions",
        "AnyoneMayDecrypt",
    ]
    retired = keys[m.kms_keys["pending_deletion"]]
    assert retired["KeyState"] == "PendingDeletion" and retired["DeletionDate"].endswith("Z")
    assert retired["SentinelPolicy"]["Statement"][0]["Principal"] == {
        "AWS": f"arn:aws:iam::{ACCOUNT}:root"
    }
    assert "SentinelErrors" not in retired


def test_rds_and_log_group_fields(seeded: Seeded) -> None:
    inv, m = seeded.collection.inventory, seeded.manifest
    dbs = _by(inv.db_instances["us-east-1"], "DBInstanceIdentifier")
    good, bad = dbs[m.db_instances["encrypted"]], dbs[m.db_instances["unencrypted"]]
    assert good["EnabledCloudwatchLogsExports"] == ["postgresql"] and good["CopyTagsToSnapshot"]
    assert not bad.get("EnabledCloudwatchLogsExports") and not bad["CopyTagsToSnapshot"]
    groups = _by(inv.log_groups["us-east-1"], "logGroupName")
    assert groups[m.log_groups["kms"]]["kmsKeyId"].endswith(m.kms_keys["rotated"])
    assert "kmsKeyId" not in groups[m.log_groups["retained"]]


# ---------------------------------------------------------------- what the checks make of it


def test_seeded_misconfigurations_and_their_twins(seeded: Seeded) -> None:
    m = seeded.manifest
    ev = _verdicts(seeded)
    a = m.region_a

    def iam(kind: str, name: str) -> str:
        return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"

    def ec2(kind: str, ident: str) -> str:
        return f"arn:aws:ec2:{a}:{ACCOUNT}:{kind}/{ident}"

    def key(role: str) -> str:
        return f"arn:aws:kms:{a}:{ACCOUNT}:key/{m.kms_keys[role]}"

    def log_group(role: str) -> str:
        return f"arn:aws:logs:{a}:{ACCOUNT}:log-group:{m.log_groups[role]}"

    bucket = "arn:aws:s3:::{}".format
    expected = {
        ("aws_iam_admin_principals", iam("user", m.users["group_admin"])): "FAIL",
        ("aws_iam_admin_principals", iam("user", m.users["inline_admin"])): "FAIL",
        ("aws_iam_admin_principals", m.other["admin_role"]): "WARNING",
        ("aws_iam_admin_principals", iam("group", m.other["admin_group"])): "WARNING",
        ("aws_iam_admin_principals", iam("user", m.users["console_mfa"])): "PASS",
        ("aws_iam_admin_principals", m.other["lambda_role"]): "PASS",
        ("aws_iam_user_one_active_key", iam("user", m.users["two_keys"])): "FAIL",
        ("aws_iam_user_one_active_key", iam("user", m.users["fresh_key"])): "PASS",
        ("aws_s3_bucket_bpa_effective", bucket(m.buckets["public"])): "FAIL",
        ("aws_s3_bucket_bpa_effective", bucket(m.buckets["private"])): "PASS",
        ("aws_s3_bucket_sse_kms", bucket(m.buckets["public"])): "FAIL",
        ("aws_s3_bucket_sse_kms", bucket(m.buckets["private"])): "PASS",  # SSE-S3, not required
        ("aws_s3_bucket_sse_kms", bucket(m.buckets["audit_logs"])): "PASS",
        ("aws_s3_object_lock", bucket(m.buckets["backups"])): "WARNING",
        ("aws_s3_object_lock", bucket(m.buckets["audit_logs"])): "PASS",
        ("aws_ebs_volume_encrypted", ec2("volume", m.other["unencrypted_volume"])): "FAIL",
        ("aws_ebs_volume_encrypted", ec2("volume", m.other["encrypted_volume"])): "PASS",
        ("aws_ebs_snapshot_encrypted", ec2("snapshot", m.snapshots["private"])): "FAIL",
        ("aws_ebs_snapshot_encrypted", ec2("snapshot", m.snapshots["encrypted"])): "PASS",
        ("aws_kms_key_policy_not_public", key("public_policy")): "FAIL",
        ("aws_kms_key_policy_not_public", key("rotated")): "PASS",
        ("aws_kms_key_not_pending_deletion", key("pending_deletion")): "WARNING",
        ("aws_kms_key_not_pending_deletion", key("rotated")): "PASS",
        ("aws_ec2_nacl_no_admin_ports_world", ec2("network-acl", m.other["restricted_acl"])): "PASS",
        ("aws_ec2_sg_web_ports_world", ec2("security-group", m.security_groups["web_open"])): "WARNING",
        ("aws_ec2_sg_web_ports_world", ec2("security-group", m.security_groups["alb_web"])): "PASS",
        ("aws_ec2_instance_no_public_admin_port", ec2("instance", m.instances["public_web"])): "FAIL",
        ("aws_ec2_instance_no_public_admin_port", ec2("instance", m.instances["imdsv2"])): "PASS",
        ("aws_ec2_subnet_no_auto_public_ip", ec2("subnet", m.other["private_subnet"])): "PASS",
        ("aws_rds_log_exports", f"arn:aws:rds:{a}:{ACCOUNT}:db:{m.db_instances['unencrypted']}"): "FAIL",
        ("aws_rds_log_exports", f"arn:aws:rds:{a}:{ACCOUNT}:db:{m.db_instances['encrypted']}"): "PASS",
        ("aws_rds_copy_tags_to_snapshots", f"arn:aws:rds:{a}:{ACCOUNT}:cluster:{m.db_clusters['unprotected']}"): "FAIL",
        ("aws_rds_copy_tags_to_snapshots", f"arn:aws:rds:{a}:{ACCOUNT}:cluster:{m.db_clusters['protected']}"): "PASS",
        ("aws_logs_group_kms", log_group("kms_pending_deletion")): "FAIL",
        ("aws_logs_group_kms", log_group("kms")): "PASS",
        ("aws_logs_group_kms", log_group("retained")): "PASS",  # KMS not required by default
    }  # fmt: skip
    assert {k: ev.get(k) for k in expected} == expected
    # Default network ACLs and default subnets are the misconfigured twins.
    statuses = {
        check: {s for (c, _), s in ev.items() if c == check}
        for check in ("aws_ec2_nacl_no_admin_ports_world", "aws_ec2_subnet_no_auto_public_ip")
    }
    assert statuses == {
        "aws_ec2_nacl_no_admin_ports_world": {"PASS", "FAIL"},
        "aws_ec2_subnet_no_auto_public_ip": {"PASS", "WARNING"},
    }


def test_settings_turn_stricter_rules_on(seeded: Seeded) -> None:
    m = seeded.manifest
    settings = CheckSettings(s3_require_sse_kms=True, logs_kms_groups=(f"/{m.prefix}/retained",))
    results = run_checks(load_checks("aws"), seeded.collection.inventory, settings)
    ev = {(r.check_id, r.resource_id): r.status for r in results}
    assert ev[("aws_s3_bucket_sse_kms", f"arn:aws:s3:::{m.buckets['private']}")] == "FAIL"
    assert ev[("aws_s3_bucket_sse_kms", f"arn:aws:s3:::{m.buckets['audit_logs']}")] == "PASS"
    retained = f"arn:aws:logs:{m.region_a}:{ACCOUNT}:log-group:{m.log_groups['retained']}"
    assert ev[("aws_logs_group_kms", retained)] == "FAIL"

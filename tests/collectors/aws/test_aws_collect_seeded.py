"""A full collection of the seeded in-process account: the inventory holds every misconfiguration
and its twin in the documented shapes, each kind of data is fetched once, and every call made is
in the least-privilege policy."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sentinel_cli.checks import load_checks
from sentinel_cli.checks.base import CheckSettings, run_checks
from sentinel_cli.collectors.aws import GLOBAL_UNITS, REGIONAL_UNITS
from tests.checks.result_text import leftovers, shown_text

if TYPE_CHECKING:
    from conftest import Seeded

REGIONS = ("us-east-1", "eu-west-1")  # as seeded by conftest.seeded

POLICY = Path(__file__).resolve().parents[3] / "examples" / "aws-iam-policy.json"
READ_ONLY_PREFIXES = ("Get", "List", "Describe", "BatchGet")


def _by(items: list[dict], key: str) -> dict[str, dict]:
    return {item[key]: item for item in items}


def test_identity_regions_and_clock(seeded: Seeded) -> None:
    inv = seeded.collection.inventory
    assert inv.account_id == seeded.manifest.account_id == "123456789012"
    assert inv.regions == REGIONS
    assert inv.collected_at == "2026-01-01T00:00:00Z"
    assert inv.api_calls == sum(seeded.collection.calls_by_action.values()) > 0


def test_progress_reports_every_unit_against_a_known_total(seeded: Seeded) -> None:
    total = len(GLOBAL_UNITS) + len(REGIONAL_UNITS) * len(REGIONS)
    assert [done for done, _, _ in seeded.progress] == list(range(1, total + 1))
    assert {t for _, t, _ in seeded.progress} == {total}
    assert "s3 buckets" in {label for _, _, label in seeded.progress}
    assert "ec2 eu-west-1" in {label for _, _, label in seeded.progress}


def test_buckets_public_vs_private_twin(seeded: Seeded) -> None:
    inv, m = seeded.collection.inventory, seeded.manifest
    buckets = _by(inv.buckets, "Name")
    public, private = buckets[m.buckets["public"]], buckets[m.buckets["private"]]
    assert public["SentinelRegion"] == "us-east-1"
    assert public["SentinelEncryption"] is None
    assert public["SentinelVersioning"].get("Status") != "Enabled"
    assert public["SentinelLogging"] is None
    assert public["SentinelPublicAccessBlock"] is None
    assert public["SentinelPolicy"]["Statement"][0]["Principal"] == "*"
    assert any(
        g["Grantee"].get("URI", "").endswith("/global/AllUsers") for g in public["SentinelAcl"]
    )
    assert public["SentinelPolicyStatus"] == {"IsPublic": True}
    assert public["SentinelErrors"] == {}

    rule = private["SentinelEncryption"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert private["SentinelVersioning"]["Status"] == "Enabled"
    assert private["SentinelLogging"]["TargetBucket"] == m.buckets["logs"]
    deny = private["SentinelPolicy"]["Statement"][0]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # A deny-only policy cannot make a bucket public: no status call, None.
    assert private["SentinelPolicyStatus"] is None
    assert all(private["SentinelPublicAccessBlock"].values())
    assert private["SentinelErrors"] == {}
    # No policy, so no policy-status call: None, not an error.
    assert buckets[m.buckets["logs"]]["SentinelPolicyStatus"] is None
    assert buckets[m.buckets["other_region"]]["SentinelRegion"] == "eu-west-1"
    # Datetimes became ISO 8601 UTC strings.
    assert datetime.fromisoformat(public["CreationDate"]).tzinfo == UTC


def test_account_block_public_access_absent_is_not_an_error(seeded: Seeded) -> None:
    inv = seeded.collection.inventory
    assert inv.account_public_access_block is None
    assert inv.account_public_access_block_present is False
    assert not inv.failed("account_public_access_block")


def test_iam_users_mfa_and_keys(seeded: Seeded) -> None:
    inv, m = seeded.collection.inventory, seeded.manifest
    report = _by(inv.credential_report, "user")
    assert report[m.users["console_no_mfa"]]["password_enabled"] == "true"
    assert report[m.users["console_no_mfa"]]["mfa_active"] == "false"
    assert report[m.users["console_mfa"]]["mfa_active"] == "true"

    keys = _by(inv.access_keys, "UserName")
    assert m.old_key_backdated
    old = datetime.fromisoformat(keys[m.users["old_key"]]["CreateDate"])
    fresh = datetime.fromisoformat(keys[m.users["fresh_key"]]["CreateDate"])
    assert (fresh - old).days >= 99
    assert keys[m.users["fresh_key"]]["Status"] == "Active"
    assert keys[m.users["old_key"]]["AccessKeyId"] is None  # the report has no key ids
    assert m.users["console_no_mfa"] not in keys

    assert any(d["SerialNumber"].endswith("bob-device") for d in inv.virtual_mfa_devices)
    assert inv.account_summary["AccountMFAEnabled"] == 0
    assert inv.password_policy is None and inv.password_policy_present is False
    assert not inv.failed("password_policy")


def test_authorization_details_have_decoded_documents(seeded: Seeded) -> None:
    inv, m = seeded.collection.inventory, seeded.manifest
    details = inv.authorization_details
    users = _by(details["UserDetailList"], "UserName")
    inline = users[m.users["inline_admin"]]["UserPolicyList"][0]["PolicyDocument"]
    assert inline["Statement"][0]["Action"] == "*"
    groups = _by(details["GroupDetailList"], "GroupName")
    assert (
        groups[m.other["group"]]["AttachedManagedPolicies"][0]["PolicyArn"]
        == m.other["customer_policy"]
    )
    roles = _by(details["RoleDetailList"], "RoleName")
    assert isinstance(roles[f"{m.prefix}-lambda-role"]["AssumeRolePolicyDocument"], dict)
    policies = _by(details["Policies"], "Arn")
    version = policies[m.other["customer_policy"]]["PolicyVersionList"][0]
    assert isinstance(version["Document"], dict)


def test_every_message_on_the_seeded_account_reads_cleanly(seeded: Seeded) -> None:
    """moto leaves fields out that AWS returns (PolicyName in the authorization details): no
    message may show the gap as ``None``; the customer policy is named from its ARN."""
    inv, m = seeded.collection.inventory, seeded.manifest
    results = list(run_checks(load_checks("aws"), inv, CheckSettings()))
    shown = [t for r in results for t in shown_text(r).values() if leftovers(t)]
    assert shown == []
    policy = m.other["customer_policy"]
    [item] = [r for r in results if r.resource_id == policy]
    name = policy.rsplit("/", 1)[-1]
    assert item.message == f"Attached policy {name} does not allow all actions on all resources."


def test_security_groups_open_vs_restricted(seeded: Seeded) -> None:
    inv, m = seeded.collection.inventory, seeded.manifest
    groups = _by(inv.security_groups["us-east-1"], "GroupId")
    open_rule = groups[m.security_groups["open_ssh"]]["IpPermissions"][0]
    assert (open_rule["FromPort"], open_rule["IpRanges"][0]["CidrIp"]) == (22, "0.0.0.0/0")
    closed_rule = groups[m.security_groups["restricted_ssh"]]["IpPermissions"][0]
    assert closed_rule["IpRanges"][0]["CidrIp"] == "10.0.0.0/8"
    assert any(g["GroupName"] == "default" for g in inv.security_groups["eu-west-1"])


def test_trails_single_region_vs_multi_region(seeded: Seeded) -> None:
    inv, m = seeded.collection.inventory, seeded.manifest
    trails = _by(inv.trails, "Name")
    assert set(trails) == {m.trails["single_region"], m.trails["multi_region"]}  # seen once
    bad, good = trails[m.trails["single_region"]], trails[m.trails["multi_region"]]
    assert bad["IsMultiRegionTrail"] is False and bad["LogFileValidationEnabled"] is False
    assert bad["SentinelStatus"]["IsLogging"] is False
    assert good["IsMultiRegionTrail"] is True and good["LogFileValidationEnabled"] is True
    assert good["SentinelStatus"]["IsLogging"] is True
    selectors = good["SentinelEventSelectors"]["EventSelectors"]
    assert selectors[0]["ReadWriteType"] == "All"


def test_databases_keys_and_tables(seeded: Seeded) -> None:
    inv, m = seeded.collection.inventory, seeded.manifest
    dbs = _by(inv.db_instances["us-east-1"], "DBInstanceIdentifier")
    assert dbs[m.db_instances["unencrypted"]]["StorageEncrypted"] is False
    assert dbs[m.db_instances["unencrypted"]]["PubliclyAccessible"] is True
    assert dbs[m.db_instances["encrypted"]]["StorageEncrypted"] is True
    assert dbs[m.db_instances["encrypted"]]["DeletionProtection"] is True

    keys = _by(inv.kms_keys["us-east-1"], "KeyId")
    assert keys[m.kms_keys["no_rotation"]]["SentinelRotationEnabled"] is False
    assert keys[m.kms_keys["rotated"]]["SentinelRotationEnabled"] is True
    assert all(k["KeyManager"] == "CUSTOMER" for k in keys.values())
    assert inv.kms_keys["eu-west-1"] == []

    tables = _by(inv.dynamodb_tables["us-east-1"], "TableName")
    assert tables[m.dynamodb_tables["pitr"]]["SentinelPitr"] == "ENABLED"
    assert tables[m.dynamodb_tables["no_pitr"]]["SentinelPitr"] == "DISABLED"
    arn = tables[m.dynamodb_tables["pitr"]]["TableArn"]
    assert arn == f"arn:aws:dynamodb:us-east-1:123456789012:table/{m.dynamodb_tables['pitr']}"
    secrets = inv.secrets["us-east-1"]
    assert [s["ARN"] for s in secrets] == [m.other["secret_without_rotation"]]
    assert not secrets[0].get("RotationEnabled")


def test_network_flow_logs_ebs_and_snapshots(seeded: Seeded) -> None:
    inv, m = seeded.collection.inventory, seeded.manifest
    vpc_ids = {v["VpcId"] for v in inv.vpcs["us-east-1"]}
    assert {m.vpcs["no_flow_logs"], m.vpcs["flow_logs"]} <= vpc_ids
    logged = {f["ResourceId"] for f in inv.flow_logs["us-east-1"]}
    assert m.vpcs["flow_logs"] in logged and m.vpcs["no_flow_logs"] not in logged
    assert inv.ebs_default_encryption == {"us-east-1": False, "eu-west-1": True}
    snaps = _by(inv.snapshots["us-east-1"], "SnapshotId")
    assert snaps[m.snapshots["public"]]["SentinelCreateVolumePermissions"] == [{"Group": "all"}]
    assert snaps[m.snapshots["private"]]["SentinelCreateVolumePermissions"] == []


def test_compute_lambda_and_load_balancers(seeded: Seeded) -> None:
    inv, m = seeded.collection.inventory, seeded.manifest
    instances = _by(inv.instances["us-east-1"], "InstanceId")
    assert instances[m.instances["imdsv1"]]["MetadataOptions"]["HttpTokens"] == "optional"
    assert instances[m.instances["imdsv2"]]["MetadataOptions"]["HttpTokens"] == "required"
    functions = _by(inv.lambda_functions["us-east-1"], "FunctionName")
    public = functions[m.lambda_functions["public"]]["SentinelPolicy"]
    assert public["Statement"][0]["Principal"] in ("*", {"AWS": "*"})
    assert functions[m.lambda_functions["private"]]["SentinelPolicy"] is None
    (lb,) = inv.load_balancers["us-east-1"]
    # moto omits access_logs.s3.enabled; an empty bucket attribute means "no access logs".
    assert lb["SentinelAttributes"]["access_logs.s3.bucket"] == ""
    assert lb["SentinelListeners"][0]["Protocol"] == "HTTP"
    assert [c["CertificateArn"] for c in inv.certificates["us-east-1"]] == [m.other["certificate"]]


def test_monitoring_services(seeded: Seeded) -> None:
    inv, m = seeded.collection.inventory, seeded.manifest
    groups = _by(inv.log_groups["us-east-1"], "logGroupName")
    assert "retentionInDays" not in groups[m.log_groups["no_retention"]]
    assert groups[m.log_groups["retained"]]["retentionInDays"] == 365
    assert inv.metric_filters["us-east-1"][0]["filterName"] == f"{m.prefix}-root-usage"
    assert inv.alarms["us-east-1"][0]["AlarmActions"] == [m.other["alert_topic"]]
    assert inv.sns_subscriptions["us-east-1"][0]["Protocol"] == "email"
    detectors = inv.guardduty_detectors
    assert detectors["us-east-1"][0]["DetectorId"] == m.other["guardduty_detector"]
    assert detectors["us-east-1"][0]["Status"] == "ENABLED"
    assert detectors["eu-west-1"] == []
    assert inv.securityhub["us-east-1"]["Hub"]["HubArn"]
    # moto has no GetEnabledStandards: the hub is kept, the standards are an error.
    assert inv.securityhub["us-east-1"]["Standards"] is None
    assert inv.failed("securityhub", "us-east-1")
    # Not subscribed is evidence of absence, not an error.
    assert inv.securityhub["eu-west-1"] == {"Hub": None, "Standards": []}
    assert not inv.failed("securityhub", "eu-west-1")
    recorder = inv.config_recorders["us-east-1"][0]
    assert recorder["name"] == "default" and recorder["SentinelStatus"]["recording"] is True
    assert inv.config_recorders["eu-west-1"] == []
    assert inv.backup_plans["us-east-1"][0]["BackupPlanId"] == m.other["backup_plan"]


def test_moto_gaps_are_errors_never_silent_passes(seeded: Seeded) -> None:
    """moto lacks a few operations: each must surface as a FetchError and an absent region."""
    inv = seeded.collection.inventory
    for region in REGIONS:
        assert inv.failed("ssm_instances", region)
        assert region not in inv.ssm_instances
        assert inv.failed("access_analyzers", region)
    err = next(e for e in inv.errors if e.source == "access_analyzers")
    assert err.api_call == err.permission == "access-analyzer:ListAnalyzers"
    assert err.scope in REGIONS and err.error_code


def test_each_kind_of_data_is_fetched_once(seeded: Seeded) -> None:
    calls = seeded.collection.calls_by_action
    assert calls["iam:GetCredentialReport"] == 1
    assert calls["iam:GetAccountAuthorizationDetails"] == 1
    # moto leaves BucketRegion out of ListBuckets, so the collector lists the home region's
    # buckets (which leaves the eu-west-1 bucket out, showing the filter works) and locates the
    # rest one by one; AWS names every bucket's region in the first listing.
    assert calls["s3:ListAllMyBuckets"] == 2
    assert calls["s3:GetBucketLocation"] == 1
    assert calls["sts:GetCallerIdentity"] == 1
    assert calls["ec2:DescribeRegions"] == 1
    for per_region in ("ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "rds:DescribeDBInstances"):
        assert calls[per_region] == len(REGIONS)
    buckets = len(seeded.collection.inventory.buckets)
    assert calls["s3:GetBucketAcl"] == buckets
    # No per-user IAM calls, whatever the head count.
    ops = seeded.collection.operations
    assert not ops & {"iam:ListUsers", "iam:ListAccessKeys", "iam:ListMFADevices"}


def test_every_call_is_in_the_read_only_policy(seeded: Seeded) -> None:
    policy = json.loads(POLICY.read_text(encoding="utf-8"))
    allowed: set[str] = set()
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow" and statement["Resource"] == "*"
        allowed.update(statement["Action"])
    missing = seeded.collection.operations - allowed
    assert not missing, f"called but not in {POLICY.name}: {sorted(missing)}"
    for action in allowed:
        service, _, name = action.partition(":")
        assert service and name and "*" not in action
        assert name.startswith(READ_ONLY_PREFIXES) or action == "iam:GenerateCredentialReport"
    # The policy lists nothing the collector never needs (two calls moto cannot reach: no findings
    # exist to get, and moto has no ListFindings; and the per-bucket tag read, made only where
    # tag:GetResources is refused).
    assert "tag:GetResources" in seeded.collection.operations
    assert allowed - seeded.collection.operations <= {
        "guardduty:GetFindings",
        "guardduty:ListFindings",
        "s3:GetBucketTagging",
    }

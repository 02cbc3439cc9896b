"""Regional compute and network evidence: EC2 (VPCs, flow logs, security groups, instances, EBS
volumes, default encryption and snapshots; subnets and network ACLs), SSM, Lambda, load balancers,
Inspector.

Each EC2 field is its own piece, so a denied ``DescribeSnapshots`` leaves security groups intact.
Calls per resource are limited to what the contract needs and no list call can replace: one
snapshot attribute per owned snapshot, one resource policy per function, attributes and listeners
per load balancer. A per-resource failure marks that resource (``Sentinel*: None`` plus
``SentinelErrors``) and is also reported once per region and call, so the checks reading the field
report ERROR rather than trusting a partial answer.
"""

from __future__ import annotations

import json
from typing import Any

from sentinel_cli.collectors.aws.engine import Collection, FetchFailed


def fetch_ec2(ctx: Collection, region: str) -> None:
    ec2 = ctx.client("ec2", region)
    with ctx.piece("vpcs", region):
        ctx.put("vpcs", ctx.items("vpcs", region, ec2, "describe_vpcs", "Vpcs"), region)
    with ctx.piece("flow_logs", region):
        logs = ctx.items("flow_logs", region, ec2, "describe_flow_logs", "FlowLogs")
        ctx.put("flow_logs", logs, region)
    with ctx.piece("security_groups", region):
        groups = ctx.items(
            "security_groups", region, ec2, "describe_security_groups", "SecurityGroups"
        )
        ctx.put("security_groups", groups, region)
    with ctx.piece("instances", region):
        reservations = ctx.items("instances", region, ec2, "describe_instances", "Reservations")
        instances = [i for r in reservations for i in r.get("Instances") or []]
        ctx.put("instances", instances, region)
    with ctx.piece("volumes", region):
        ctx.put("volumes", ctx.items("volumes", region, ec2, "describe_volumes", "Volumes"), region)
    with ctx.piece("ebs_default_encryption", region):
        resp = ctx.call("ebs_default_encryption", region, ec2, "get_ebs_encryption_by_default")
        ctx.put("ebs_default_encryption", bool((resp or {}).get("EbsEncryptionByDefault")), region)
    with ctx.piece("snapshots", region):
        snapshots = ctx.items(
            "snapshots", region, ec2, "describe_snapshots", "Snapshots", OwnerIds=["self"]
        )
        for snap in snapshots:
            try:
                attr = ctx.call(
                    "snapshots",
                    region,
                    ec2,
                    "describe_snapshot_attribute",
                    Attribute="createVolumePermission",
                    SnapshotId=snap["SnapshotId"],
                )
                snap["SentinelCreateVolumePermissions"] = (attr or {}).get(
                    "CreateVolumePermissions", []
                )
            except FetchFailed as exc:
                snap["SentinelCreateVolumePermissions"] = None
                snap["SentinelErrors"] = {"SentinelCreateVolumePermissions": str(exc)}
        ctx.put("snapshots", snapshots, region)


def fetch_vpc_network(ctx: Collection, region: str) -> None:
    """Subnets and network ACLs: one paged list call each, whatever the number of VPCs.

    A unit of its own (not part of ``fetch_ec2``) so the two lists run beside the EC2 unit
    instead of after it.
    """
    ec2 = ctx.client("ec2", region)
    with ctx.piece("subnets", region):
        ctx.put("subnets", ctx.items("subnets", region, ec2, "describe_subnets", "Subnets"), region)
    with ctx.piece("network_acls", region):
        acls = ctx.items("network_acls", region, ec2, "describe_network_acls", "NetworkAcls")
        ctx.put("network_acls", acls, region)


def fetch_ssm(ctx: Collection, region: str) -> None:
    ssm = ctx.client("ssm", region)
    with ctx.piece("ssm_instances", region):
        found = ctx.items(
            "ssm_instances",
            region,
            ssm,
            "describe_instance_information",
            "InstanceInformationList",
        )
        ctx.put("ssm_instances", found, region)
    with ctx.piece("ssm_patch_compliance", region):
        found = ctx.items(
            "ssm_patch_compliance",
            region,
            ssm,
            "list_resource_compliance_summaries",
            "ResourceComplianceSummaryItems",
            Filters=[{"Key": "ComplianceType", "Values": ["Patch"], "Type": "EQUAL"}],
        )
        ctx.put("ssm_patch_compliance", found, region)


def fetch_lambda(ctx: Collection, region: str) -> None:
    lam = ctx.client("lambda", region)
    with ctx.piece("lambda_functions", region):
        functions = ctx.items("lambda_functions", region, lam, "list_functions", "Functions")
        for fn in functions:
            try:
                resp = ctx.call(
                    "lambda_functions",
                    region,
                    lam,
                    "get_policy",
                    absent={"ResourceNotFoundException"},
                    FunctionName=fn.get("FunctionArn") or fn["FunctionName"],
                )
                fn["SentinelPolicy"] = _policy(resp)
            except FetchFailed as exc:
                fn["SentinelPolicy"] = None
                fn["SentinelErrors"] = {"SentinelPolicy": str(exc)}
        ctx.put("lambda_functions", functions, region)


def _policy(resp: dict[str, Any] | None) -> Any:
    if not resp or not resp.get("Policy"):
        return None
    return json.loads(resp["Policy"])


def fetch_elbv2(ctx: Collection, region: str) -> None:
    elb = ctx.client("elbv2", region)
    with ctx.piece("load_balancers", region):
        balancers = ctx.items(
            "load_balancers", region, elb, "describe_load_balancers", "LoadBalancers"
        )
        for lb in balancers:
            arn = lb["LoadBalancerArn"]
            errors: dict[str, str] = {}
            try:
                attrs = ctx.call(
                    "load_balancers",
                    region,
                    elb,
                    "describe_load_balancer_attributes",
                    LoadBalancerArn=arn,
                )
                lb["SentinelAttributes"] = {
                    a["Key"]: a.get("Value") for a in (attrs or {}).get("Attributes") or []
                }
            except FetchFailed as exc:
                lb["SentinelAttributes"] = None
                errors["SentinelAttributes"] = str(exc)
            try:
                lb["SentinelListeners"] = ctx.items(
                    "load_balancers",
                    region,
                    elb,
                    "describe_listeners",
                    "Listeners",
                    LoadBalancerArn=arn,
                )
            except FetchFailed as exc:
                lb["SentinelListeners"] = None
                errors["SentinelListeners"] = str(exc)
            if errors:
                lb["SentinelErrors"] = errors
        ctx.put("load_balancers", balancers, region)


def fetch_inspector(ctx: Collection, region: str) -> None:
    insp = ctx.client("inspector2", region)
    with ctx.piece("inspector_status", region):
        resp = ctx.call(
            "inspector_status",
            region,
            insp,
            "batch_get_account_status",
            accountIds=[ctx.account_id],
        )
        ctx.put("inspector_status", (resp or {}).get("accounts") or [], region)

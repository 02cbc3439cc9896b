"""Compute checks: EC2 instance metadata and exposure, Systems Manager coverage, Lambda policies.

Which instances count depends on the question. IMDSv2 is a launch setting that takes effect on the
next start, so every instance that is not terminated is judged. A public IP and SSM reachability
only exist while an instance runs, so those checks look at running instances only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sentinel_cli.checks.aws._util import (
    arn,
    is_public_principal,
    joined_setting,
    region_collected,
    regional,
    restricting_condition,
    statements,
)
from sentinel_cli.checks.base import ERROR, FAIL, PASS, CheckResult, CheckSettings, check
from sentinel_cli.inventory.aws import AwsInventory

_GONE = frozenset({"terminated", "shutting-down"})


def instance_state(instance: Mapping[str, Any]) -> str:
    return str((instance.get("State") or {}).get("Name", ""))


def instance_arn(inv: AwsInventory, region: str, instance: Mapping[str, Any]) -> str:
    owner = str(instance.get("OwnerId") or inv.account_id)
    return arn("ec2", region, owner, f"instance/{instance.get('InstanceId')}")


@check("aws_ec2_imdsv2")
def ec2_imdsv2(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """HttpTokens "required", or the metadata endpoint disabled altogether."""
    for region, instances in regional(inv, "instances", partial_ok=True):
        for inst in instances or []:
            if instance_state(inst) in _GONE:
                continue
            iid = inst.get("InstanceId")
            options = inst.get("MetadataOptions") or {}
            tokens, endpoint = options.get("HttpTokens"), options.get("HttpEndpoint")
            if endpoint == "disabled":
                status, message = PASS, f"Instance {iid} has the metadata endpoint disabled."
            elif tokens == "required":
                status, message = PASS, f"Instance {iid} requires IMDSv2 session tokens."
            else:
                status = FAIL
                message = (
                    f"Instance {iid} accepts IMDSv1 requests (HttpTokens {tokens or 'unset'})."
                )
            yield CheckResult(
                "aws_ec2_imdsv2",
                status,
                instance_arn(inv, region, inst),
                "ec2-instance",
                message,
                region=region,
                data={
                    "instanceId": iid,
                    "state": instance_state(inst),
                    "HttpTokens": tokens,
                    "HttpEndpoint": endpoint,
                },
            )


def public_ips(instance: Mapping[str, Any]) -> list[str]:
    ips = {str(instance["PublicIpAddress"])} if instance.get("PublicIpAddress") else set()
    for eni in instance.get("NetworkInterfaces") or []:
        public = (eni.get("Association") or {}).get("PublicIp")
        if public:
            ips.add(str(public))
    return sorted(ips)


@check("aws_ec2_no_public_ip")
def ec2_no_public_ip(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Running instances have no public IPv4; ``allowed_public_instances`` (ids or ARNs) may."""
    allowed = set(settings.allowed_public_instances)
    for region, instances in regional(inv, "instances", partial_ok=True):
        for inst in instances or []:
            if instance_state(inst) != "running":
                continue
            iid = str(inst.get("InstanceId"))
            resource = instance_arn(inv, region, inst)
            ips = public_ips(inst)
            exempt = iid in allowed or resource in allowed
            if not ips:
                status, message = PASS, f"Instance {iid} has no public IP address."
            elif exempt:
                status = PASS
                message = f"Instance {iid} has public IP {ips[0]} and is on the allow-list."
            else:
                status, message = FAIL, f"Instance {iid} has public IP {ips[0]}."
            yield CheckResult(
                "aws_ec2_no_public_ip",
                status,
                resource,
                "ec2-instance",
                message,
                region=region,
                data={"instanceId": iid, "publicIps": ips, "allowListed": exempt},
            )


@check("aws_lambda_not_public")
def lambda_not_public(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """No Allow statement for principal ``*`` (or AWS ``*``) without a restricting condition.

    A function without a resource policy (``SentinelPolicy`` None) can only be invoked by
    principals of its own account, so it passes. A policy that could not be read (recorded in
    ``SentinelErrors``) or was never collected is ERROR for that function.
    """
    for region, functions in regional(inv, "lambda_functions", partial_ok=True):
        for fn in functions or []:
            name = fn.get("FunctionName")
            resource = str(
                fn.get("FunctionArn") or arn("lambda", region, inv.account_id, f"function:{name}")
            )
            policy, problem = joined_setting(fn, "SentinelPolicy")
            if problem:
                yield CheckResult(
                    "aws_lambda_not_public",
                    ERROR,
                    resource,
                    "lambda-function",
                    f"Could not evaluate function {name}: its policy is unavailable ({problem}).",
                    region=region,
                    data={"function": name, "error": problem},
                )
                continue
            public = [
                str(s.get("Sid") or i)
                for i, s in enumerate(statements(policy))
                if s.get("Effect") == "Allow"
                and is_public_principal(s.get("Principal"))
                and not restricting_condition(s.get("Condition"))
            ]
            if public:
                status = FAIL
                message = f"Function {name} can be invoked by anyone (statement {public[0]})."
            elif policy is None:
                status, message = PASS, f"Function {name} has no resource policy."
            else:
                status, message = PASS, f"Function {name} resource policy is not public."
            yield CheckResult(
                "aws_lambda_not_public",
                status,
                resource,
                "lambda-function",
                message,
                region=region,
                data={"function": name, "publicStatements": public},
            )


@check("aws_ssm_instance_managed")
def ssm_instance_managed(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Every running instance is registered with Systems Manager and its agent is Online."""
    for region, instances in regional(inv, "instances", partial_ok=True):
        if not region_collected(inv, "ssm_instances", region):
            continue
        managed = {str(m.get("InstanceId")): m for m in inv.ssm_instances[region] or []}
        for inst in instances or []:
            if instance_state(inst) != "running":
                continue
            iid = str(inst.get("InstanceId"))
            info = managed.get(iid)
            ping = (info or {}).get("PingStatus")
            if info is None:
                status, message = FAIL, f"Running instance {iid} is not managed by Systems Manager."
            elif ping != "Online":
                status, message = FAIL, f"The SSM agent of instance {iid} is {ping}."
            else:
                status, message = (
                    PASS,
                    f"Instance {iid} is managed by Systems Manager (agent online).",
                )
            yield CheckResult(
                "aws_ssm_instance_managed",
                status,
                instance_arn(inv, region, inst),
                "ec2-instance",
                message,
                region=region,
                data={"instanceId": iid, "managed": info is not None, "PingStatus": ping},
            )


@check("aws_ssm_instance_patch_compliant")
def ssm_instance_patch_compliant(
    inv: AwsInventory, settings: CheckSettings
) -> Iterator[CheckResult]:
    """Every running SSM-managed instance reports Patch compliance COMPLIANT.

    Unmanaged instances are left to aws_ssm_instance_managed (they cannot report patches); a
    managed instance with no patch summary has never been scanned, which is a FAIL: there is no
    evidence it is patched.
    """
    for region, instances in regional(inv, "instances", partial_ok=True):
        if not region_collected(inv, "ssm_instances", region):
            continue
        if not region_collected(inv, "ssm_patch_compliance", region):
            continue
        managed = {str(m.get("InstanceId")) for m in inv.ssm_instances[region] or []}
        summaries = {
            str(s.get("ResourceId")): s
            for s in inv.ssm_patch_compliance[region] or []
            if s.get("ComplianceType", "Patch") == "Patch"
        }
        for inst in instances or []:
            iid = str(inst.get("InstanceId"))
            if instance_state(inst) != "running" or iid not in managed:
                continue
            summary = summaries.get(iid)
            state = (summary or {}).get("Status")
            missing = ((summary or {}).get("NonCompliantSummary") or {}).get("NonCompliantCount", 0)
            if summary is None:
                status, message = (
                    FAIL,
                    f"Instance {iid} has no patch compliance data (never scanned).",
                )
            elif state == "COMPLIANT":
                status, message = PASS, f"Instance {iid} is patch compliant."
            else:
                status = FAIL
                message = f"Instance {iid} is not patch compliant ({missing} missing patch(es))."
            yield CheckResult(
                "aws_ssm_instance_patch_compliant",
                status,
                instance_arn(inv, region, inst),
                "ec2-instance",
                message,
                region=region,
                data={
                    "instanceId": iid,
                    "Status": state,
                    "NonCompliantCount": missing,
                    "SeveritySummary": ((summary or {}).get("NonCompliantSummary") or {}).get(
                        "SeveritySummary"
                    ),
                },
            )

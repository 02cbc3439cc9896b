"""Compute checks: IMDSv2, public IPs, Lambda policies, Systems Manager coverage and patching."""

from __future__ import annotations

import pytest

from sentinel_cli.checks.base import ERROR, FAIL, PASS

from .builders import ACCOUNT, REGION, error, instance, instance_arn, inventory


def _ids(results):
    return [(r.status, r.resource_id) for r in results]


# ---- aws_ec2_imdsv2 ------------------------------------------------------------------------


def test_imdsv2(run_check):
    instances = {
        REGION: [
            instance("i-v2"),
            instance("i-v1", MetadataOptions={"HttpTokens": "optional", "HttpEndpoint": "enabled"}),
        ]
    }
    results = run_check("aws_ec2_imdsv2", inventory(instances=instances))
    assert _ids(results) == [(PASS, instance_arn("i-v2")), (FAIL, instance_arn("i-v1"))]
    assert results[0].resource_type == "ec2-instance"


def test_imdsv2_edge(run_check):
    instances = {
        REGION: [
            instance(
                "i-off", MetadataOptions={"HttpTokens": "optional", "HttpEndpoint": "disabled"}
            ),
            instance("i-gone", state="terminated", MetadataOptions={}),
            instance("i-stopped", state="stopped", MetadataOptions={}),
        ]
    }
    results = run_check("aws_ec2_imdsv2", inventory(instances=instances))
    # Terminated instances are ignored; stopped ones will start with their current options.
    assert _ids(results) == [(PASS, instance_arn("i-off")), (FAIL, instance_arn("i-stopped"))]


# ---- aws_ec2_no_public_ip ------------------------------------------------------------------


def test_no_public_ip(run_check):
    instances = {REGION: [instance("i-priv"), instance("i-pub", PublicIpAddress="203.0.113.5")]}
    results = run_check("aws_ec2_no_public_ip", inventory(instances=instances))
    assert _ids(results) == [(PASS, instance_arn("i-priv")), (FAIL, instance_arn("i-pub"))]
    assert "203.0.113.5" in results[1].message


def test_no_public_ip_edge(run_check):
    eni = {"Association": {"PublicIp": "198.51.100.7"}}
    instances = {
        REGION: [
            instance("i-eni", NetworkInterfaces=[eni]),
            instance("i-bastion", PublicIpAddress="203.0.113.9"),
            instance("i-stopped", state="stopped", PublicIpAddress="203.0.113.10"),
        ]
    }
    results = run_check(
        "aws_ec2_no_public_ip",
        inventory(instances=instances),
        allowed_public_instances=("i-bastion",),
    )
    assert _ids(results) == [(FAIL, instance_arn("i-eni")), (PASS, instance_arn("i-bastion"))]
    assert results[1].data["allowListed"] is True


# ---- aws_lambda_not_public -----------------------------------------------------------------


def _fn(name, policy):
    return {
        "FunctionName": name,
        "FunctionArn": fn_arn(name),
        "Runtime": "python3.12",
        "SentinelPolicy": policy,
    }


def fn_arn(name):
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def _stmt(principal, condition=None, effect="Allow"):
    stmt = {
        "Sid": "s1",
        "Effect": effect,
        "Principal": principal,
        "Action": "lambda:InvokeFunction",
        "Resource": "*",
    }
    if condition:
        stmt["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [stmt]}


def test_lambda_not_public(run_check):
    functions = {
        REGION: [
            _fn("private", None),
            _fn("s3-trigger", _stmt({"Service": "s3.amazonaws.com"})),
            _fn("open", _stmt("*")),
        ]
    }
    results = run_check("aws_lambda_not_public", inventory(lambda_functions=functions))
    assert _ids(results) == [
        (PASS, fn_arn("private")),
        (PASS, fn_arn("s3-trigger")),
        (FAIL, fn_arn("open")),
    ]


@pytest.mark.parametrize(
    ("policy", "status"),
    [
        (_stmt({"AWS": "*"}), FAIL),
        (_stmt({"AWS": ["arn:aws:iam::111122223333:root", "*"]}), FAIL),
        (_stmt("*", {"StringEquals": {"AWS:SourceAccount": ACCOUNT}}), PASS),
        (_stmt("*", {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::b"}}), PASS),
        (_stmt("*", {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}), PASS),
        (_stmt("*", effect="Deny"), PASS),
    ],
)
def test_lambda_not_public_edge(run_check, policy, status):
    [r] = run_check(
        "aws_lambda_not_public", inventory(lambda_functions={REGION: [_fn("f", policy)]})
    )
    assert (r.status, r.resource_id) == (status, fn_arn("f"))


def test_lambda_not_public_edge_uncollected_policy(run_check):
    fn = _fn("f", None)
    del fn["SentinelPolicy"]
    [r] = run_check("aws_lambda_not_public", inventory(lambda_functions={REGION: [fn]}))
    assert (r.status, r.resource_id) == (ERROR, fn_arn("f"))


# ---- aws_ssm_instance_managed (alias aws_ssm_managed_and_patched) -------------------------


def test_ssm_managed(run_check):
    inv = inventory(
        instances={REGION: [instance("i-1"), instance("i-2"), instance("i-3")]},
        ssm_instances={
            REGION: [
                {"InstanceId": "i-1", "PingStatus": "Online"},
                {"InstanceId": "i-3", "PingStatus": "ConnectionLost"},
            ]
        },
    )
    assert _ids(run_check("aws_ssm_instance_managed", inv)) == [
        (PASS, instance_arn("i-1")),
        (FAIL, instance_arn("i-2")),
        (FAIL, instance_arn("i-3")),
    ]


def test_ssm_managed_edge(run_check):
    # Stopped instances are out of scope; an SSM fetch failure skips the region.
    inv = inventory(
        instances={REGION: [instance("i-s", state="stopped")], "eu-west-1": [instance("i-e")]},
        ssm_instances={REGION: [], "eu-west-1": []},
        errors=(error("ssm_instances", "eu-west-1"),),
    )
    assert run_check("aws_ssm_instance_managed", inv) == []


# ---- aws_ssm_instance_patch_compliant ------------------------------------------------------


def _summary(iid, status, missing=0):
    return {
        "ComplianceType": "Patch",
        "ResourceType": "ManagedInstance",
        "ResourceId": iid,
        "Status": status,
        "NonCompliantSummary": {
            "NonCompliantCount": missing,
            "SeveritySummary": {"CriticalCount": missing},
        },
    }


def test_patch_compliant(run_check):
    inv = inventory(
        instances={REGION: [instance("i-1"), instance("i-2")]},
        ssm_instances={
            REGION: [
                {"InstanceId": "i-1", "PingStatus": "Online"},
                {"InstanceId": "i-2", "PingStatus": "Online"},
            ]
        },
        ssm_patch_compliance={
            REGION: [_summary("i-1", "COMPLIANT"), _summary("i-2", "NON_COMPLIANT", 3)]
        },
    )
    results = run_check("aws_ssm_instance_patch_compliant", inv)
    assert _ids(results) == [(PASS, instance_arn("i-1")), (FAIL, instance_arn("i-2"))]
    assert results[1].data["NonCompliantCount"] == 3


def test_patch_compliant_edge(run_check):
    # Managed but never scanned fails; unmanaged is left to aws_ssm_instance_managed.
    inv = inventory(
        instances={REGION: [instance("i-new"), instance("i-unmanaged")]},
        ssm_instances={REGION: [{"InstanceId": "i-new", "PingStatus": "Online"}]},
        ssm_patch_compliance={REGION: []},
    )
    assert _ids(run_check("aws_ssm_instance_patch_compliant", inv)) == [
        (FAIL, instance_arn("i-new"))
    ]


def test_lambda_not_public_edge_policy_denied_in_partial_region(run_check):
    # One get_policy denied: that function is ERROR, its neighbours are still judged.
    denied = {
        **_fn("locked", None),
        "SentinelErrors": {"SentinelPolicy": "lambda:GetPolicy: AccessDenied"},
    }
    inv = inventory(
        lambda_functions={REGION: [_fn("open", _stmt("*")), denied]},
        errors=(error("lambda_functions", REGION),),
    )
    assert _ids(run_check("aws_lambda_not_public", inv)) == [
        (FAIL, fn_arn("open")),
        (ERROR, fn_arn("locked")),
    ]

"""AWS-managed policies as administrator paths, collected from moto.

moto loads AWS's managed policies (AdministratorAccess among them) only when
``MOTO_IAM_LOAD_MANAGED_POLICIES`` is true when its IAM backend is created, which is why this
test has a module (and a mock) of its own: the seeded account of the other modules was created
without them. With them loaded, moto lists every AWS-managed policy in the authorization details
(unattached ones with AttachmentCount 0); the check must judge only what is attached.
"""

from __future__ import annotations

import boto3
import pytest

from sentinel_cli.checks import load_checks
from sentinel_cli.checks.base import CheckResult, CheckSettings
from sentinel_cli.collectors import aws as aws_collector
from sentinel_cli.collectors.aws import AwsCredentials, collect_aws

ACCOUNT = "123456789012"
ADMIN_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"


def test_aws_managed_administrator_access_through_a_group(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import mock_aws

    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    for name in ("GLOBAL_UNITS", "REGIONAL_UNITS"):
        units = getattr(aws_collector, name)
        monkeypatch.setattr(aws_collector, name, tuple(u for u in units if u[0] == "iam account"))
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_group(GroupName="admins")
        iam.attach_group_policy(GroupName="admins", PolicyArn=ADMIN_ACCESS)
        iam.create_user(UserName="alice")
        iam.add_user_to_group(GroupName="admins", UserName="alice")
        iam.create_user(UserName="bob")
        iam.attach_user_policy(UserName="bob", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        iam.create_role(RoleName="break-glass", AssumeRolePolicyDocument="{}")
        iam.attach_role_policy(RoleName="break-glass", PolicyArn=ADMIN_ACCESS)
        inv = collect_aws(AwsCredentials(), regions=["us-east-1"], workers=2)

    policies = {p["Arn"]: p for p in inv.authorization_details["Policies"]}
    assert policies[ADMIN_ACCESS]["AttachmentCount"] == 2
    assert len(policies) > 100  # every AWS-managed policy, attached or not
    [check] = [c for c in load_checks("aws") if c.meta.id == "aws_iam_admin_principals"]
    results: dict[str, CheckResult] = {
        r.resource_id: r for r in check.evaluate(inv, CheckSettings())
    }
    assert set(results) == {
        f"arn:aws:iam::{ACCOUNT}:user/alice",
        f"arn:aws:iam::{ACCOUNT}:user/bob",
        f"arn:aws:iam::{ACCOUNT}:group/admins",
        f"arn:aws:iam::{ACCOUNT}:role/break-glass",
    }
    alice = results[f"arn:aws:iam::{ACCOUNT}:user/alice"]
    assert (alice.status, alice.message) == (
        "FAIL",
        "User alice has full administrative access via group admins → AWS-managed policy "
        "AdministratorAccess.",
    )
    assert results[f"arn:aws:iam::{ACCOUNT}:user/bob"].status == "PASS"
    role = results[f"arn:aws:iam::{ACCOUNT}:role/break-glass"]
    assert role.status == "WARNING"
    assert role.data["adminPaths"] == ["AWS-managed policy AdministratorAccess"]
    assert results[f"arn:aws:iam::{ACCOUNT}:group/admins"].status == "WARNING"

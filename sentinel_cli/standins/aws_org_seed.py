"""Seed a moto AWS organisation: the management account, member accounts, and the audit role.

For the AWS Organizations tests and the multi-account bench. The management account is the one the
given credentials reach (moto's default account, without keys of a real user); it creates the
organisation and its member accounts, then enters each member through
``OrganizationAccountAccessRole`` (the role Organizations creates in the accounts it creates; moto
lets anyone assume any role while authorisation is not enforced) to deploy the member role Sentinel
assumes, in the members named in ``role_in`` only.

With ``auditor=True`` it also creates the management identity Sentinel connects with: an IAM user
allowed everything but ``sts:AssumeRole``, and ``sts:AssumeRole`` only on the member role of the
accounts where it was deployed. Once moto enforces IAM authorisation
(:func:`~sentinel_cli.standins.moto_server.set_moto_auth`), an account without the role therefore
refuses to be entered with ``AccessDenied`` on ``AssumeRole``, as AWS does (moto evaluates the
caller's policy against the role ARN, but it neither checks that a cross-account role exists nor
evaluates its trust policy, so the refusal has to come from the caller's side).

Policies are broad (``*``) on purpose: moto evaluates API operation names (``s3:ListBuckets``)
where AWS evaluates IAM actions (``s3:ListAllMyBuckets``), so the least-privilege policy of
``examples/aws-iam-policy.json`` cannot be evaluated faithfully by moto; its coverage of the
collector's calls is tested against the calls themselves. This module imports neither boto3 nor moto
at import time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sentinel_cli.collectors.aws.session import AwsCredentials, build_session, plain_client

ACCESS_ROLE = "OrganizationAccountAccessRole"
DEFAULT_MEMBERS = ("prod", "staging", "sandbox")
AUDITOR_USER = "sentinel-auditor"
_ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@dataclass
class OrgManifest:
    """What was seeded: the management account, the members by name, where the role is."""

    management_id: str
    members: dict[str, str] = field(default_factory=dict)
    """Member name -> account id, in creation order."""
    role_name: str = "SentinelAudit"
    role_in: tuple[str, ...] = ()
    """Names of the members whose account has the member role."""
    auditor_key_id: str | None = None
    auditor_secret: str | None = field(default=None, repr=False)

    def member_credentials(self, base: AwsCredentials, name: str) -> AwsCredentials:
        """Credentials that enter member ``name`` through ``OrganizationAccountAccessRole`` (for
        seeding it; valid while moto does not enforce authorisation)."""
        account = self.members[name]
        return AwsCredentials(
            region=base.region,
            access_key_id=base.access_key_id,
            secret_access_key=base.secret_access_key,
            role_arn=f"arn:aws:iam::{account}:role/{ACCESS_ROLE}",
            endpoint_url=base.endpoint_url,
        )


def trust_policy(management_id: str, external_id: str | None) -> dict[str, Any]:
    """The member role's trust policy: the management account, with the external id if any."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{management_id}:root"},
        "Action": "sts:AssumeRole",
    }
    if external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def seed_organization(
    creds: AwsCredentials,
    *,
    members: Sequence[str] = DEFAULT_MEMBERS,
    role_name: str = "SentinelAudit",
    role_in: Sequence[str] | None = None,
    external_id: str | None = None,
    auditor: bool = False,
) -> OrgManifest:
    """Create the organisation, its ``members`` and the member role in ``role_in`` (default:
    every member); with ``auditor``, the management identity Sentinel connects with."""
    session = build_session(creds)

    def client(service: str, target: Any = session) -> Any:
        return plain_client(target, service, region=creds.region, endpoint_url=creds.endpoint_url)

    management_id = client("sts").get_caller_identity()["Account"]
    org = client("organizations")
    org.create_organization(FeatureSet="ALL")
    manifest = OrgManifest(management_id=management_id, role_name=role_name)
    for name in members:
        created = org.create_account(Email=f"{name}@example.com", AccountName=name)
        manifest.members[name] = created["CreateAccountStatus"]["AccountId"]
    manifest.role_in = tuple(members if role_in is None else role_in)
    trust = json.dumps(trust_policy(management_id, external_id))
    for name in manifest.role_in:
        iam = client("iam", build_session(manifest.member_credentials(creds, name)))
        iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust)
        iam.put_role_policy(
            RoleName=role_name, PolicyName="sentinel-read", PolicyDocument=json.dumps(_ALLOW_ALL)
        )
    if auditor:
        _seed_auditor(client("iam"), manifest)
    return manifest


def _seed_auditor(iam: Any, manifest: OrgManifest) -> None:
    roles = [
        f"arn:aws:iam::{manifest.members[name]}:role/{manifest.role_name}"
        for name in manifest.role_in
    ]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "NotAction": ["sts:AssumeRole"], "Resource": "*"},
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": roles},
        ],
    }
    iam.create_user(UserName=AUDITOR_USER)
    iam.put_user_policy(
        UserName=AUDITOR_USER, PolicyName="sentinel-management", PolicyDocument=json.dumps(policy)
    )
    key = iam.create_access_key(UserName=AUDITOR_USER)["AccessKey"]
    manifest.auditor_key_id = key["AccessKeyId"]
    manifest.auditor_secret = key["SecretAccessKey"]

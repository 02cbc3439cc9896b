"""AWS Organizations collection, in-process against moto's Organizations and cross-account STS.

The member list is read at each collection: an account created after the first collection is
collected at the next, one removed from the organisation (or closed) is not. Each member is entered
through the member role with the external id, opened with its own identity and regions, and
collected on the shared pool; its inventory is its own. A failed ListAccounts is an error of the
``organization_accounts`` source while the management account is still collected.

The account that cannot be entered is tested end to end against a moto server that enforces IAM
authorisation (tests/integrations/test_e2e_aws_org_cli.py): in-process moto lets anyone assume any
role.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sentinel_cli.collectors.aws import GLOBAL_UNITS, REGIONAL_UNITS, AwsCredentials
from sentinel_cli.collectors.aws.organization import (
    check_role_name,
    collect_organization,
    is_active,
    list_active_accounts,
)
from sentinel_cli.errors import InvalidInput

REGION = "us-east-1"
CREDS = AwsCredentials(region=REGION)
MANAGEMENT = "123456789012"  # moto's default account: the one fake credentials reach
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
POLICIES = ("aws-iam-policy.json", "aws-org-management-policy.json")


@pytest.fixture
def org(mocked: None) -> Iterator[Any]:
    """An organisation with two members; yields the Organizations client and the member ids."""
    import boto3

    client = boto3.client("organizations", region_name=REGION)
    client.create_organization(FeatureSet="ALL")
    ids = [
        client.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"][
            "AccountId"
        ]
        for name in ("prod", "staging")
    ]
    yield client, ids


def _actions(policy: str) -> set[str]:
    document = json.loads((EXAMPLES / policy).read_text(encoding="utf-8"))
    return {action for st in document["Statement"] for action in st["Action"]}


def _collect(**kwargs: Any) -> Any:
    options: dict[str, Any] = {
        "member_role_name": "SentinelAudit",
        "regions": [REGION],
        "workers": 4,
        "now": "2026-01-01T00:00:00Z",
    }
    options.update(kwargs)
    return collect_organization(CREDS, **options)


def _ids(collection: Any) -> list[str]:
    return [inv.account_id for inv in collection.inventory.inventories]


def test_every_active_account_is_collected_through_the_member_role(org: Any) -> None:
    from moto.sts.models import sts_backends

    _, (prod, staging) = org
    steps: list[tuple[int, int, str]] = []
    collection = _collect(
        external_id="sentinel-ext-42",
        progress=lambda done, total, label: steps.append((done, total, label)),
    )
    inv = collection.inventory
    assert inv.management_account_id == MANAGEMENT
    assert _ids(collection) == [MANAGEMENT, prod, staging]
    # Each account's inventory is its own, with the same clock and regions.
    assert all(i.collected_at == "2026-01-01T00:00:00Z" for i in inv.inventories)
    assert all(i.regions == (REGION,) for i in inv.inventories)
    assert [i.organization_accounts is not None for i in inv.inventories] == [True, False, False]
    rows = {a["Id"]: a for a in inv.accounts}
    assert set(rows) == {MANAGEMENT, prod, staging}
    assert rows[MANAGEMENT]["SentinelManagement"] and rows[MANAGEMENT]["SentinelRoleArn"] is None
    assert rows[prod]["SentinelRoleArn"] == f"arn:aws:iam::{prod}:role/SentinelAudit"
    assert rows[prod]["Name"] == "prod" and rows[prod]["SentinelRegions"] == [REGION]
    assert all(a["SentinelEntered"] and a["SentinelError"] is None for a in rows.values())
    # The role was assumed in the member account, with the external id.
    (assumed,) = sts_backends[prod]["aws"].assumed_roles
    assert assumed.role_arn == rows[prod]["SentinelRoleArn"]
    assert assumed.external_id == "sentinel-ext-42"
    # Calls: ListAccounts and the AssumeRoles are the management identity's.
    management_ops = collection.operations_by_account[MANAGEMENT]
    assert {"organizations:ListAccounts", "sts:AssumeRole"} <= management_ops
    assert "sts:AssumeRole" not in collection.operations_by_account[prod]
    assert inv.api_calls == sum(collection.calls_by_account.values())
    # The documented policies cover every call: examples/aws-iam-policy.json in each account,
    # plus examples/aws-org-management-policy.json for the management identity.
    member_policy, management_policy = (_actions(name) for name in POLICIES)
    assert management_policy == {"organizations:ListAccounts", "sts:AssumeRole"}
    assert management_ops - member_policy == management_policy
    assert collection.operations_by_account[prod] <= member_policy
    # Progress: each member entered, then every unit of every account, against one final total.
    units = (len(GLOBAL_UNITS) + len(REGIONAL_UNITS)) * 3
    assert [d for d, _, _ in steps] == list(range(1, 2 + units + 1))
    assert steps[-1][1] == 2 + units
    assert {label for _, _, label in steps[:2]} == {f"entered {prod}", f"entered {staging}"}
    assert f"{staging} ec2 {REGION}" in {label for _, _, label in steps}


def test_accounts_that_join_or_leave_appear_or_disappear_at_the_next_collection(
    org: Any,
) -> None:
    client, (prod, staging) = org
    assert _ids(_collect()) == [MANAGEMENT, prod, staging]

    joined = client.create_account(Email="data@example.com", AccountName="data")
    newcomer = joined["CreateAccountStatus"]["AccountId"]
    client.remove_account_from_organization(AccountId=staging)
    again = _collect()
    assert _ids(again) == [MANAGEMENT, prod, newcomer]
    assert {a["Id"] for a in again.inventory.accounts} == {MANAGEMENT, prod, newcomer}

    client.close_account(AccountId=prod)  # SUSPENDED: listed, but not ACTIVE
    assert _ids(_collect()) == [MANAGEMENT, newcomer]


def test_listing_keeps_active_accounts_only(org: Any) -> None:
    from sentinel_cli.collectors.aws import open_account

    client, (prod, _) = org
    client.close_account(AccountId=prod)
    from sentinel_cli.collectors.aws.session import build_session

    account = open_account(
        build_session(CREDS),
        CREDS,
        requested=[REGION],
        workers=2,
        max_attempts=1,
        report_timeout=5,
    )
    listed = list_active_accounts(account.ctx)
    assert prod not in {a["Id"] for a in listed} and MANAGEMENT in {a["Id"] for a in listed}
    assert is_active({"State": "ACTIVE", "Status": "SUSPENDED"})  # State wins where sent
    assert not is_active({"Status": "SUSPENDED"}) and is_active({"Status": "ACTIVE"})


def test_a_member_opens_on_every_region_it_has_enabled(org: Any) -> None:
    """Without requested regions each member collects its own enabled regions (DescribeRegions
    in the member), as a single account does; only the opening is run here, not the units."""
    from sentinel_cli.collectors.aws import open_account
    from sentinel_cli.collectors.aws.session import build_session

    _, (prod, _) = org
    member = AwsCredentials(region=REGION, role_arn=f"arn:aws:iam::{prod}:role/SentinelAudit")
    account = open_account(
        build_session(member), member, requested=None, workers=2, max_attempts=1, report_timeout=5
    )
    assert account.ctx.account_id == prod
    assert REGION in account.regions and len(account.regions) > 10


def test_a_refused_listing_is_evidence_and_the_account_is_still_collected(org: Any) -> None:
    """Credentials that may not list the organisation's accounts (moto enforcing IAM, a user
    allowed everything but Organizations): the management account is collected, and the refusal
    is an error of the ``organization_accounts`` source, which the check reports as ERROR."""
    import json

    import boto3
    from moto.core.authorization import ActionAuthenticatorMixin

    iam = boto3.client("iam", region_name=REGION)
    iam.create_user(UserName="no-org")
    policy = {"Effect": "Allow", "NotAction": ["organizations:*"], "Resource": "*"}
    iam.put_user_policy(
        UserName="no-org",
        PolicyName="p",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [policy]}),
    )
    key = iam.create_access_key(UserName="no-org")["AccessKey"]
    creds = AwsCredentials(
        region=REGION, access_key_id=key["AccessKeyId"], secret_access_key=key["SecretAccessKey"]
    )

    def collect() -> Any:
        return collect_organization(creds, member_role_name="SentinelAudit", regions=[REGION])

    collection = ActionAuthenticatorMixin.set_initial_no_auth_action_count(0)(collect)()
    (management,) = collection.inventory.inventories
    assert management.account_id == MANAGEMENT
    assert management.organization_accounts is None
    (error,) = [e for e in management.errors if e.source == "organization_accounts"]
    assert error.api_call == error.permission == "organizations:ListAccounts"
    assert "AccessDenied" in error.message  # moto answers this JSON API in XML: code "403"
    assert management.credential_report is not None  # the account itself was still collected


def test_member_role_name_is_checked() -> None:
    assert check_role_name(" SentinelAudit ") == "SentinelAudit"
    for bad in ("", "role/with/slash", "x" * 65, None):
        with pytest.raises(InvalidInput, match="--member-role"):
            check_role_name(bad)

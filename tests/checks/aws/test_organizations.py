"""AWS Organizations: every ACTIVE account of the organisation is audited, one item per account."""

from __future__ import annotations

from typing import Any

from sentinel_cli.checks import load_checks
from sentinel_cli.checks.accounts import run_account_checks
from sentinel_cli.checks.base import ERROR, PASS, CheckSettings
from sentinel_cli.inventory.aws import AwsOrganizationInventory

from .builders import ACCOUNT, error, inventory

CHECK = "aws_organizations_accounts_audited"
MEMBER, LOCKED = "210987654321", "333344445555"
ROLE = f"arn:aws:iam::{MEMBER}:role/SentinelAudit"
REFUSAL = (
    f"sts:AssumeRole of arn:aws:iam::{LOCKED}:role/SentinelAudit failed: AccessDenied: User is "
    "not authorized to perform: sts:AssumeRole"
)


def _account(account_id: str, **fields: Any) -> dict[str, Any]:
    row = {
        "Id": account_id,
        "Name": f"name-{account_id[:4]}",
        "Status": "ACTIVE",
        "SentinelManagement": False,
        "SentinelRoleArn": f"arn:aws:iam::{account_id}:role/SentinelAudit",
        "SentinelEntered": True,
        "SentinelError": None,
        "SentinelRegions": ["us-east-1", "eu-west-1"],
    }
    return {**row, **fields}


def _organization() -> list[dict[str, Any]]:
    return [
        _account(ACCOUNT, SentinelManagement=True, SentinelRoleArn=None, Name="management"),
        _account(MEMBER),
        _account(
            LOCKED, SentinelEntered=False, SentinelError=REFUSAL, SentinelRegions=[], Name=None
        ),
    ]


def test_accounts_audited(run_check):
    results = run_check(CHECK, inventory(organization_accounts=_organization()))
    assert [(r.status, r.resource_id, r.account_id) for r in results] == [
        (PASS, ACCOUNT, ACCOUNT),
        (PASS, MEMBER, MEMBER),
        (ERROR, LOCKED, LOCKED),
    ]
    management, member, locked = results
    assert "management account's own credentials" in management.message
    assert ROLE in member.message and "2 regions" in member.message
    # The account that could not be entered is named, with the reason AWS gave.
    assert LOCKED in locked.message and "AccessDenied" in locked.message
    assert locked.data["error"] == REFUSAL and locked.resource_type == "aws-account"


def test_accounts_audited_edge_single_account_and_failed_listing(run_check):
    # A single-account collection has no organisation to speak of.
    assert run_check(CHECK, inventory()) == []
    # ListAccounts failed: nothing here; the runner reports the fetch error instead.
    failed = inventory(organization_accounts=None, errors=(error("organization_accounts"),))
    assert run_check(CHECK, failed) == []
    (checked,) = [c for c in load_checks("aws") if c.meta.id == CHECK]
    (item,) = run_account_checks([checked], failed, CheckSettings())
    assert (item.status, item.resource_id, item.account_id) == (ERROR, ACCOUNT, ACCOUNT)


def test_accounts_audited_edge_one_region_and_no_name(run_check):
    only = [_account(MEMBER, SentinelRegions=["us-east-1"], Name=None)]
    (result,) = run_check(CHECK, inventory(organization_accounts=only))
    assert result.status == PASS and "in 1 region." in result.message
    assert f"Account {MEMBER} was audited" in result.message


def test_an_organisation_is_checked_account_by_account() -> None:
    """Every result carries the account it is about: a member's own findings are the member's,
    and the organisation check's items name the account they describe."""
    management = inventory(organization_accounts=_organization(), password_policy_present=True)
    member = inventory(account_id=MEMBER, password_policy_present=True)
    org = AwsOrganizationInventory(management_account_id=ACCOUNT, inventories=(management, member))
    checks = [c for c in load_checks("aws") if c.meta.id in (CHECK, "aws_iam_password_policy")]
    results = list(run_account_checks(checks, org, CheckSettings()))
    policy = {r.account_id: r.resource_id for r in results if r.check_id != CHECK}
    assert policy == {ACCOUNT: ACCOUNT, MEMBER: MEMBER}
    audited = {r.resource_id: (r.status, r.account_id) for r in results if r.check_id == CHECK}
    assert audited == {
        ACCOUNT: (PASS, ACCOUNT),
        MEMBER: (PASS, MEMBER),
        LOCKED: (ERROR, LOCKED),
    }

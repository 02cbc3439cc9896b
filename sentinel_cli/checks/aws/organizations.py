"""AWS Organizations: every ACTIVE account of the organisation was audited.

An auditor samples from a population; for an organisation that population is its accounts. This
check states it: one PASS per account the collection entered (the management account with its own
credentials, each member through the member role), one ERROR per account that could not be
entered, naming the account and the reason AWS gave, because every other check of that account is
missing from the collection and an absence must never read as a pass.

It reads ``organization_accounts``, which only the management account's inventory of an
organisation collection carries; a single-account collection yields nothing here. Each result
carries the account it is about, so ``--account`` on a member that could not be entered shows why
it has no other evidence.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sentinel_cli.checks.aws._util import global_source
from sentinel_cli.checks.base import ERROR, PASS, CheckResult, CheckSettings, check
from sentinel_cli.inventory.aws import AwsInventory

CHECK_ID = "aws_organizations_accounts_audited"


def _label(account: Mapping[str, Any]) -> str:
    name = account.get("Name")
    return f"{account.get('Id')} ({name})" if name else str(account.get("Id"))


@check(CHECK_ID)
def accounts_audited(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """One item per ACTIVE account: PASS when it was collected, ERROR (with the reason) when not."""
    accounts = global_source(inv, "organization_accounts")
    if accounts is None:
        return
    for account in accounts:
        account_id = str(account.get("Id"))
        data = {
            "accountId": account_id,
            "name": account.get("Name"),
            "management": bool(account.get("SentinelManagement")),
            "roleArn": account.get("SentinelRoleArn"),
            "regions": list(account.get("SentinelRegions") or []),
            "joined": account.get("JoinedTimestamp"),
        }
        label = _label(account)
        if account.get("SentinelEntered"):
            regions = len(data["regions"])
            how = (
                "with the management account's own credentials"
                if data["management"]
                else f"through {data['roleArn']}"
            )
            yield CheckResult(
                CHECK_ID,
                PASS,
                account_id,
                "aws-account",
                f"Account {label} was audited {how} in {regions} region"
                f"{'' if regions == 1 else 's'}.",
                data=data,
                account_id=account_id,
            )
        else:
            reason = str(account.get("SentinelError") or "unknown reason")
            yield CheckResult(
                CHECK_ID,
                ERROR,
                account_id,
                "aws-account",
                f"Account {label} could not be entered, so none of its evidence was collected: "
                f"{reason}",
                data={**data, "error": reason},
                account_id=account_id,
            )

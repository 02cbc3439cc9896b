"""Run the checks over what one collection fetched: one inventory, or one per account of an AWS
organisation, every result stamped with the AWS account it is about.

Checks stay single-account functions: an organisation is checked account by account, so a result
about an account's bucket is that account's, and the runner's ERROR items for a member's missing
permission belong to that member. A result that already names its account (the organisation check,
which speaks of members from the management account's inventory) keeps it. GitHub inventories have
no account: their results keep ``account_id`` None.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any

from sentinel_cli.checks.base import Check, CheckResult, CheckSettings, run_checks


def inventories(inventory: Any) -> tuple[Any, ...]:
    """The per-account inventories of an organisation, or the one inventory given."""
    parts = getattr(inventory, "inventories", None)
    return tuple(parts) if parts is not None else (inventory,)


def run_account_checks(
    checks: Iterable[Check], inventory: Any, settings: CheckSettings
) -> Iterator[CheckResult]:
    checks = tuple(checks)
    for part in inventories(inventory):
        account_id = getattr(part, "account_id", None)
        for result in run_checks(checks, part, settings):
            if result.account_id is None and account_id:
                result = dataclasses.replace(result, account_id=account_id)
            yield result

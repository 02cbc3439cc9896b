"""KMS key checks: who a key policy lets in, and keys on their way to deletion.

A key policy is the root of a key's access control: IAM policies only count where it delegates to
the account. A statement allowing ``*`` (or ``{"AWS": "*"}``) without a condition lets every AWS
account use or manage the key. A condition that pins the caller to an account, organisation, ARN
or source (``kms:CallerAccount``, ``aws:PrincipalOrgID``, ...) makes it safe; any other condition
(``kms:ViaService`` alone, say) narrows the path but not the caller, which is a WARNING to review.

A key pending deletion is a WARNING, not a FAIL: deletion may be deliberate, and the waiting period
(7-30 days) exists for this review; the item carries the date after which everything encrypted
under the key is unrecoverable.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sentinel_cli.checks.aws._util import (
    arn,
    condition_keys,
    is_public_principal,
    iso,
    joined_setting,
    parse_time,
    regional,
    restricting_condition,
    statements,
)
from sentinel_cli.checks.base import (
    ERROR,
    FAIL,
    PASS,
    WARNING,
    CheckResult,
    CheckSettings,
    check,
)
from sentinel_cli.inventory.aws import AwsInventory

# Keys that pin a KMS caller to an account, on top of the general ones in _util.
KMS_RESTRICTING_KEYS = ("kms:calleraccount",)
_PENDING = frozenset({"PendingDeletion", "PendingReplicaDeletion"})


def _key_arn(inv: AwsInventory, region: str, key: Mapping[str, Any]) -> str:
    return str(key.get("Arn") or arn("kms", region, inv.account_id, f"key/{key.get('KeyId')}"))


def _statement_name(index: int, statement: Mapping[str, Any]) -> str:
    return str(statement.get("Sid") or f"#{index + 1}")


@check("aws_kms_key_policy_not_public")
def kms_key_policy_not_public(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    for region, keys in regional(inv, "kms_keys", partial_ok=True):
        for key in keys or []:
            key_id = key.get("KeyId")
            resource = _key_arn(inv, region, key)
            policy, problem = joined_setting(key, "SentinelPolicy")
            if problem or policy is None:
                problem = problem or "no key policy was returned"
                yield CheckResult(
                    "aws_kms_key_policy_not_public",
                    ERROR,
                    resource,
                    "kms-key",
                    f"Could not evaluate key {key_id}: its key policy is unavailable ({problem}).",
                    region=region,
                    data={"KeyId": key_id, "error": problem},
                )
                continue
            open_to_all: list[str] = []
            loosely_bound: list[str] = []
            for i, stmt in enumerate(statements(policy)):
                if stmt.get("Effect") != "Allow" or not is_public_principal(stmt.get("Principal")):
                    continue
                if not condition_keys(stmt.get("Condition")):
                    open_to_all.append(_statement_name(i, stmt))
                elif not restricting_condition(stmt.get("Condition"), KMS_RESTRICTING_KEYS):
                    loosely_bound.append(_statement_name(i, stmt))
            if open_to_all:
                status = FAIL
                message = (
                    f"KMS key {key_id} lets every AWS principal in without a condition "
                    f"(statement {', '.join(open_to_all)})."
                )
            elif loosely_bound:
                status = WARNING
                message = (
                    f"KMS key {key_id} lets every AWS principal in under conditions that do not "
                    f"pin an account or organisation (statement {', '.join(loosely_bound)})."
                )
            else:
                status = PASS
                message = f"KMS key {key_id} policy grants no access to every AWS principal."
            yield CheckResult(
                "aws_kms_key_policy_not_public",
                status,
                resource,
                "kms-key",
                message,
                region=region,
                data={
                    "KeyId": key_id,
                    "publicStatements": open_to_all,
                    "conditionalPublicStatements": loosely_bound,
                },
            )


@check("aws_kms_key_not_pending_deletion")
def kms_key_not_pending_deletion(
    inv: AwsInventory, settings: CheckSettings
) -> Iterator[CheckResult]:
    for region, keys in regional(inv, "kms_keys", partial_ok=True):
        for key in keys or []:
            key_id = key.get("KeyId")
            state = key.get("KeyState")
            deletion = iso(parse_time(key.get("DeletionDate")))
            if state in _PENDING:
                status = WARNING
                when = f"on {deletion}" if deletion else "at a date AWS did not return"
                message = (
                    f"KMS key {key_id} is scheduled for deletion {when}; data encrypted under it "
                    "becomes unrecoverable then."
                )
            else:
                status = PASS
                message = (
                    f"KMS key {key_id} is not scheduled for deletion "
                    f"(state {state or 'not reported'})."
                )
            yield CheckResult(
                "aws_kms_key_not_pending_deletion",
                status,
                _key_arn(inv, region, key),
                "kms-key",
                message,
                region=region,
                data={
                    "KeyId": key_id,
                    "KeyState": state,
                    "DeletionDate": deletion,
                    "PendingDeletionWindowInDays": key.get("PendingDeletionWindowInDays"),
                    "Description": key.get("Description"),
                },
            )

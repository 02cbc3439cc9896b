"""KMS key checks: key policies open to every principal, keys scheduled for deletion."""

from __future__ import annotations

import pytest

from sentinel_cli.checks.base import ERROR, FAIL, PASS, WARNING

from .builders import ACCOUNT, REGION, days_ahead, error, inventory

ROOT_STATEMENT = {
    "Sid": "Enable IAM User Permissions",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}


def _arn(key_id: str) -> str:
    return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"


def _key(key_id: str, *statements: dict, **overrides) -> dict:
    key = {
        "KeyId": key_id,
        "Arn": _arn(key_id),
        "KeyManager": "CUSTOMER",
        "KeyState": "Enabled",
        "SentinelRotationEnabled": True,
        "SentinelPolicy": {"Version": "2012-10-17", "Statement": [ROOT_STATEMENT, *statements]},
    }
    key.update(overrides)
    return key


def _public(sid: str, principal: object = "*", condition: dict | None = None) -> dict:
    statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": ["kms:Decrypt"],
        "Resource": "*",
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement


def _ids(results):
    return [(r.status, r.resource_id) for r in results]


# ---- aws_kms_key_policy_not_public ---------------------------------------------------------


def test_key_policy_not_public(run_check):
    keys = [_key("k-private"), _key("k-open", _public("Everyone"))]
    results = run_check("aws_kms_key_policy_not_public", inventory(kms_keys={REGION: keys}))
    assert _ids(results) == [(PASS, _arn("k-private")), (FAIL, _arn("k-open"))]
    assert results[0].message == "KMS key k-private policy grants no access to every AWS principal."
    assert results[1].message == (
        "KMS key k-open lets every AWS principal in without a condition (statement Everyone)."
    )
    assert results[1].resource_type == "kms-key"


@pytest.mark.parametrize(
    ("statement", "status"),
    [
        # Pinned to the account or organisation: safe.
        (_public("Acct", {"AWS": "*"}, {"StringEquals": {"kms:CallerAccount": ACCOUNT}}), PASS),
        (_public("Org", {"AWS": ["*"]}, {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}), PASS),
        # A condition that narrows the path but not the caller: review.
        (_public("Via", "*", {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}), WARNING),
        # An empty condition block is no condition.
        (_public("Empty", "*", {}), FAIL),
        # Deny statements and named principals are not grants to everyone.
        ({**_public("Deny"), "Effect": "Deny"}, PASS),
        (_public("Svc", {"Service": "logs.amazonaws.com"}), PASS),
    ],
)  # fmt: skip
def test_key_policy_not_public_edge_conditions(run_check, statement, status):
    inv = inventory(kms_keys={REGION: [_key("k-1", statement)]})
    [result] = run_check("aws_kms_key_policy_not_public", inv)
    assert result.status == status


def test_key_policy_not_public_edge_unreadable_policy(run_check):
    denied = _key(
        "k-denied",
        SentinelPolicy=None,
        SentinelErrors={"SentinelPolicy": "kms:GetKeyPolicy: AccessDeniedException"},
    )
    no_policy = _key("k-empty", SentinelPolicy=None)
    inv = inventory(kms_keys={REGION: [denied, no_policy]}, errors=(error("kms_keys", REGION),))
    results = run_check("aws_kms_key_policy_not_public", inv)
    assert [r.status for r in results] == [ERROR, ERROR]
    assert results[0].message == (
        "Could not evaluate key k-denied: its key policy is unavailable "
        "(kms:GetKeyPolicy: AccessDeniedException)."
    )
    assert results[1].message.endswith("(no key policy was returned).")


# ---- aws_kms_key_not_pending_deletion ------------------------------------------------------


def test_key_not_pending_deletion(run_check):
    keys = [
        _key("k-live"),
        _key("k-doomed", KeyState="PendingDeletion", DeletionDate=days_ahead(7)),
    ]
    results = run_check("aws_kms_key_not_pending_deletion", inventory(kms_keys={REGION: keys}))
    assert _ids(results) == [(PASS, _arn("k-live")), (WARNING, _arn("k-doomed"))]
    assert results[0].message == "KMS key k-live is not scheduled for deletion (state Enabled)."
    assert results[1].message == (
        "KMS key k-doomed is scheduled for deletion on 2024-06-08T00:00:00Z; data encrypted "
        "under it becomes unrecoverable then."
    )
    assert results[1].data["DeletionDate"] == "2024-06-08T00:00:00Z"


def test_key_not_pending_deletion_edge(run_check):
    keys = [
        _key("k-replica", KeyState="PendingReplicaDeletion"),  # no date returned
        _key("k-off", KeyState="Disabled"),
        _key("k-odd", KeyState=None),
    ]
    results = run_check("aws_kms_key_not_pending_deletion", inventory(kms_keys={REGION: keys}))
    assert [r.status for r in results] == [WARNING, PASS, PASS]
    assert "scheduled for deletion at a date AWS did not return" in results[0].message
    assert results[2].message.endswith("(state not reported).")
    # A region whose keys could not be listed is absent: nothing to judge.
    assert run_check("aws_kms_key_not_pending_deletion", inventory(kms_keys={})) == []

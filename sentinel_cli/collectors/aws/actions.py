"""Name every API call by the IAM action that permits it, and count the calls a collection makes.

An ERROR item must tell the user which permission to grant, and the least-privilege policy in
``examples/aws-iam-policy.json`` must list exactly what the collector calls. Both need the IAM
action behind a boto3 operation, which is usually ``<prefix>:<OperationName>`` but not always:
botocore's service names differ from IAM prefixes (``elbv2`` -> ``elasticloadbalancing``,
``s3control`` -> ``s3``) and a few S3 operations are authorised by differently named actions
(``ListBuckets`` needs ``s3:ListAllMyBuckets``). Those exceptions live in the two tables below.

:class:`CallStats` is fed by a botocore ``before-call`` handler on every client, so it counts
each API call (each page of a paginated call, not each HTTP retry) and records which IAM actions
were exercised, which the policy test compares with the policy file.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

# botocore service name -> IAM action prefix, where they differ.
_PREFIXES: dict[str, str] = {
    "elbv2": "elasticloadbalancing",
    "elb": "elasticloadbalancing",
    "s3control": "s3",
    "accessanalyzer": "access-analyzer",
    "resourcegroupstaggingapi": "tag",
}

# (botocore service name, operation) -> IAM action, where the action is not named after the call.
_ACTIONS: dict[tuple[str, str], str] = {
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "GetObjectLockConfiguration"): "s3:GetBucketObjectLockConfiguration",
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
}


def iam_action(service_name: str, operation_name: str) -> str:
    """The IAM action that authorises ``operation_name`` of botocore service ``service_name``."""
    special = _ACTIONS.get((service_name, operation_name))
    if special:
        return special
    return f"{_PREFIXES.get(service_name, service_name)}:{operation_name}"


class CallStats:
    """Thread-safe count of API calls, per IAM action. Register :meth:`on_before_call` on clients."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def on_before_call(self, model: Any = None, **_: Any) -> None:
        """botocore ``before-call`` handler: one event per API call (per page), retries excluded."""
        if model is None:
            return
        action = iam_action(model.service_model.service_name, model.name)
        with self._lock:
            self._counts[action] += 1

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    @property
    def operations(self) -> frozenset[str]:
        """IAM action names of every call made so far."""
        with self._lock:
            return frozenset(self._counts)

    def by_action(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

"""IAM evidence in a handful of calls, whatever the number of users.

Per-user calls (list_access_keys, list_mfa_devices, list_user_policies ... for each user) make the
cost of a collection grow with head count and hit IAM's low rate limits. Instead:

- the credential report (one generate/poll loop and one read) gives every user's password, MFA and
  access-key state, from which ``access_keys`` is derived;
- one paged ``get_account_authorization_details`` walk gives users, groups, roles and customer
  policies with their attached and inline policies;
- account summary, virtual MFA devices and the password policy are one call each.

The report carries no access key ids, so ``access_keys`` entries have ``AccessKeyId: None`` and
``SentinelKeySlot`` (1 or 2) instead; ``CreateDate`` is the report's ``last_rotated`` date, which is
the key's creation date (AWS "rotates" a key by creating a new one).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import time
from typing import Any
from urllib.parse import unquote

from sentinel_cli.collectors.aws.engine import Collection, FetchFailed
from sentinel_cli.inventory.fetch import FetchError

_NO_VALUE = {"", "N/A", "no_information", "not_supported"}
_DETAIL_KEYS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


def fetch_credential_report(ctx: Collection, _region: str | None = None) -> None:
    iam = ctx.client("iam")
    with ctx.piece("credential_report", None):
        content = _read_credential_report(ctx, iam)
        rows = list(csv.DictReader(io.StringIO(content)))
        ctx.put("credential_report", rows)
        ctx.put("access_keys", access_keys_from_report(rows))


def _read_credential_report(ctx: Collection, iam: Any) -> str:
    deadline = time.monotonic() + ctx.report_timeout
    delay = 0.2
    try:
        while True:
            state = ctx.call("credential_report", None, iam, "generate_credential_report") or {}
            if state.get("State") == "COMPLETE":
                break
            if time.monotonic() > deadline:
                ctx.record(
                    FetchError(
                        source="credential_report",
                        api_call="iam:GenerateCredentialReport",
                        message=f"the credential report was not ready after {ctx.report_timeout:.0f} s",
                        permission="iam:GenerateCredentialReport",
                        error_code="Timeout",
                    )
                )
                raise FetchFailed("credential report timeout")
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    except FetchFailed:
        # Without GenerateCredentialReport (or when it timed out) a report generated in the last
        # four hours may still be readable: then the data is good and the generate error is moot.
        content = _decode(ctx.call("credential_report", None, iam, "get_credential_report"))
        ctx.discard("credential_report", "iam:GenerateCredentialReport")
        return content
    return _decode(ctx.call("credential_report", None, iam, "get_credential_report"))


def _decode(resp: dict[str, Any] | None) -> str:
    content = (resp or {}).get("Content") or b""
    return content.decode("utf-8") if isinstance(content, bytes) else str(content)


def access_keys_from_report(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """One entry per existing access key (active or not) in the credential report rows."""
    keys: list[dict[str, Any]] = []
    for row in rows:
        for slot in (1, 2):
            created = row.get(f"access_key_{slot}_last_rotated", "N/A")
            if created in _NO_VALUE:
                continue
            last_used = row.get(f"access_key_{slot}_last_used_date", "N/A")
            keys.append(
                {
                    "UserName": row.get("user"),
                    "UserArn": row.get("arn"),
                    "AccessKeyId": None,
                    "SentinelKeySlot": slot,
                    "Status": "Active"
                    if row.get(f"access_key_{slot}_active") == "true"
                    else "Inactive",
                    "CreateDate": created,
                    "LastUsedDate": None if last_used in _NO_VALUE else last_used,
                }
            )
    return keys


def fetch_account(ctx: Collection, _region: str | None = None) -> None:
    iam = ctx.client("iam")
    with ctx.piece("account_summary", None):
        summary = ctx.call("account_summary", None, iam, "get_account_summary") or {}
        ctx.put("account_summary", summary.get("SummaryMap", {}))
    with ctx.piece("virtual_mfa_devices", None):
        devices = ctx.items(
            "virtual_mfa_devices", None, iam, "list_virtual_mfa_devices", "VirtualMFADevices"
        )
        ctx.put("virtual_mfa_devices", devices)
    with ctx.piece("password_policy", None):
        resp = ctx.call(
            "password_policy", None, iam, "get_account_password_policy", absent={"NoSuchEntity"}
        )
        ctx.put("password_policy", resp["PasswordPolicy"] if resp else None)
        ctx.put("password_policy_present", resp is not None)
    with ctx.piece("authorization_details", None):
        merged: dict[str, list[Any]] = {key: [] for key in _DETAIL_KEYS}
        for page in ctx.pages(
            "authorization_details", None, iam, "get_account_authorization_details"
        ):
            for key in _DETAIL_KEYS:
                merged[key].extend(page.get(key) or [])
        ctx.put("authorization_details", decode_policy_documents(merged))


def decode_policy_documents(value: Any) -> Any:
    """Every ``PolicyDocument`` / ``AssumeRolePolicyDocument`` as a dict.

    botocore already decodes them for this operation; URL-encoded JSON strings (older botocore,
    other SDK paths) are decoded here so checks never see both shapes.
    """
    if isinstance(value, list):
        return [decode_policy_documents(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in ("PolicyDocument", "AssumeRolePolicyDocument") and isinstance(item, str):
            with contextlib.suppress(ValueError):  # else keep the raw text for a check to show
                item = json.loads(unquote(item))
        out[key] = decode_policy_documents(item)
    return out

"""IAM checks: the root user, console users, credentials, password policy and policy breadth.

Most of these read the IAM credential report (one CSV for every user, including the
``<root_account>`` row) and ``get_account_authorization_details``, so a whole account is judged from
a handful of API calls. Root-user findings use the account as their resource, matching the ERROR
items the runner emits when the account-wide IAM sources failed. Sources that were not fetched
(``None``) yield nothing; the runner reports why.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sentinel_cli.checks.aws._util import (
    age_days,
    as_list,
    evaluation_time,
    global_source,
    is_true,
    iso,
    parse_time,
    regional,
    statements,
)
from sentinel_cli.checks.base import ERROR, FAIL, PASS, CheckResult, CheckSettings, check
from sentinel_cli.inventory.aws import AwsInventory

ROOT_ROW = "<root_account>"


def _root_row(report: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((row for row in report if row.get("user") == ROOT_ROW), None)


def _user_rows(report: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    return (row for row in report if row.get("user") != ROOT_ROW)


def _user_arn(inv: AwsInventory, row: Mapping[str, Any]) -> str:
    return str(row.get("arn") or f"arn:aws:iam::{inv.account_id}:user/{row.get('user')}")


@check("aws_iam_root_mfa")
def root_mfa(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Root must have MFA; the MFA kind is reported because hardware MFA is the stronger choice.

    A root virtual MFA device appears in ``list_virtual_mfa_devices`` with the root ARN as user;
    an enabled MFA that is not there is a hardware (or FIDO) device.
    """
    summary = global_source(inv, "account_summary")
    if summary is None:
        return
    account, kind = inv.account_resource
    if "AccountMFAEnabled" not in summary:
        yield CheckResult(
            "aws_iam_root_mfa",
            ERROR,
            account,
            kind,
            "Could not evaluate: the account summary has no AccountMFAEnabled entry.",
            data={"accountSummary": dict(summary)},
        )
        return
    enabled = summary.get("AccountMFAEnabled") == 1
    devices = global_source(inv, "virtual_mfa_devices")
    root_arn = f"arn:aws:iam::{inv.account_id}:root"
    if devices is None:
        mfa_type = "unknown"
    elif any(
        (d.get("User") or {}).get("Arn") == root_arn
        or str(d.get("SerialNumber", "")).endswith(":mfa/root-account-mfa-device")
        for d in devices
    ):
        mfa_type = "virtual"
    else:
        mfa_type = "hardware"
    if enabled:
        status, message = PASS, f"The root user has MFA enabled ({mfa_type} device)."
    else:
        status, message = FAIL, "The root user has no MFA device."
        mfa_type = "none"
    yield CheckResult(
        "aws_iam_root_mfa",
        status,
        account,
        kind,
        message,
        data={"accountMfaEnabled": summary.get("AccountMFAEnabled"), "mfaType": mfa_type},
    )


@check("aws_iam_root_no_keys")
def root_no_keys(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    summary = global_source(inv, "account_summary")
    if summary is None:
        return
    account, kind = inv.account_resource
    present = summary.get("AccountAccessKeysPresent")
    if present is None:
        yield CheckResult(
            "aws_iam_root_no_keys",
            ERROR,
            account,
            kind,
            "Could not evaluate: the account summary has no AccountAccessKeysPresent entry.",
            data={"accountSummary": dict(summary)},
        )
        return
    if present == 0:
        status, message = PASS, "The root user has no access keys."
    else:
        status, message = FAIL, "The root user has access keys."
    yield CheckResult(
        "aws_iam_root_no_keys",
        status,
        account,
        kind,
        message,
        data={"accountAccessKeysPresent": present},
    )


@check("aws_iam_root_not_used")
def root_not_used(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Root's password and keys must not have been used within ``root_recent_use_days``."""
    report = global_source(inv, "credential_report")
    if report is None:
        return
    account, kind = inv.account_resource
    row = _root_row(report)
    if row is None:
        yield CheckResult(
            "aws_iam_root_not_used",
            ERROR,
            account,
            kind,
            f"Could not evaluate: the credential report has no {ROOT_ROW} row.",
        )
        return
    now = evaluation_time(inv, settings)
    limit = settings.root_recent_use_days
    fields = ("password_last_used", "access_key_1_last_used_date", "access_key_2_last_used_date")
    used = {f: parse_time(row.get(f)) for f in fields}
    recent = {f: t for f, t in used.items() if t is not None and age_days(t, now) <= limit}
    data = {f: row.get(f) for f in fields}
    if recent:
        last = max(recent.values())
        status = FAIL
        message = (
            f"The root user was used on {iso(last)}, within the last {limit} days "
            f"({', '.join(sorted(recent))})."
        )
    else:
        status, message = PASS, f"The root user has not been used in the last {limit} days."
    yield CheckResult("aws_iam_root_not_used", status, account, kind, message, data=data)


@check("aws_iam_user_console_mfa")
def user_console_mfa(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Every IAM user with a console password has MFA; users without a password are out of scope."""
    report = global_source(inv, "credential_report")
    if report is None:
        return
    for row in _user_rows(report):
        if not is_true(row.get("password_enabled")):
            continue
        name = row.get("user")
        if is_true(row.get("mfa_active")):
            status, message = PASS, f"Console user {name} has MFA enabled."
        else:
            status, message = (
                FAIL,
                f"Console user {name} can sign in with a password but has no MFA.",
            )
        yield CheckResult(
            "aws_iam_user_console_mfa",
            status,
            _user_arn(inv, row),
            "iam-user",
            message,
            data={
                "user": name,
                "password_enabled": row.get("password_enabled"),
                "mfa_active": row.get("mfa_active"),
            },
        )


@check("aws_iam_password_policy")
def password_policy(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Minimum length and reuse prevention are required; the optional rules are only reported.

    ``password_policy_present`` false with no recorded failure means IAM answered NoSuchEntity:
    the account has no policy, which is a FAIL (AWS's default allows 8-character passwords).
    The contract cannot tell "absent" from "never fetched" on this field alone, so when no IAM
    source at all was fetched (a collection that skipped IAM) nothing is yielded.
    """
    if inv.failed("password_policy"):
        return
    iam_fetched = (inv.account_summary, inv.credential_report, inv.authorization_details)
    if not inv.password_policy_present and all(v is None for v in iam_fetched):
        return
    account, kind = inv.account_resource
    policy = inv.password_policy
    if not inv.password_policy_present or policy is None:
        yield CheckResult(
            "aws_iam_password_policy",
            FAIL,
            account,
            kind,
            "The account has no IAM password policy.",
            data={"passwordPolicy": None},
        )
        return
    problems = []
    length = policy.get("MinimumPasswordLength") or 0
    if length < settings.password_min_length:
        problems.append(f"minimum length {length} < {settings.password_min_length}")
    reuse = policy.get("PasswordReusePrevention") or 0
    if reuse < settings.password_reuse_prevention:
        problems.append(f"reuse prevention {reuse} < {settings.password_reuse_prevention}")
    keys = (
        "MinimumPasswordLength",
        "PasswordReusePrevention",
        "RequireSymbols",
        "RequireNumbers",
        "RequireUppercaseCharacters",
        "RequireLowercaseCharacters",
        "MaxPasswordAge",
        "ExpirePasswords",
    )
    data = {k: policy.get(k) for k in keys if k in policy}
    if problems:
        status, message = FAIL, f"The password policy is too weak: {'; '.join(problems)}."
    else:
        status = PASS
        message = (
            f"The password policy requires {length} characters and prevents reuse of the last "
            f"{reuse} passwords."
        )
    yield CheckResult("aws_iam_password_policy", status, account, kind, message, data=data)


@check("aws_iam_key_rotation_90d")
def key_rotation(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Active access keys must be younger than ``access_key_max_age_days``.

    A key's resource id is its AccessKeyId (keys have no ARN). The credential report carries no
    key ids, so a key built from it is named after its user and report slot instead:
    ``<user ARN>#access_key_<SentinelKeySlot>``.
    """
    keys = global_source(inv, "access_keys")
    if keys is None:
        return
    now = evaluation_time(inv, settings)
    limit = settings.access_key_max_age_days
    seen: dict[str, int] = {}
    for key in keys:
        user = str(key.get("UserName"))
        seen[user] = seen.get(user, 0) + 1
        slot = key.get("SentinelKeySlot") or seen[user]
        owner = key.get("UserArn") or f"arn:aws:iam::{inv.account_id}:user/{user}"
        key_id = str(key.get("AccessKeyId") or f"{owner}#access_key_{slot}")
        data = {
            "UserName": user,
            "AccessKeyId": key.get("AccessKeyId"),
            "Status": key.get("Status"),
            "CreateDate": key.get("CreateDate"),
        }
        if key.get("Status") != "Active":
            yield CheckResult(
                "aws_iam_key_rotation_90d",
                PASS,
                key_id,
                "iam-access-key",
                f"Access key {key_id} of {user} is inactive.",
                data=data,
            )
            continue
        created = parse_time(key.get("CreateDate"))
        if created is None:
            yield CheckResult(
                "aws_iam_key_rotation_90d",
                ERROR,
                key_id,
                "iam-access-key",
                f"Could not evaluate: access key {key_id} of {user} has no readable creation date.",
                data=data,
            )
            continue
        age = int(age_days(created, now))
        if age > limit:
            status = FAIL
            message = f"Active access key {key_id} of {user} is {age} days old (limit {limit})."
        else:
            status = PASS
            message = f"Active access key {key_id} of {user} is {age} days old (limit {limit})."
        yield CheckResult(
            "aws_iam_key_rotation_90d",
            status,
            key_id,
            "iam-access-key",
            message,
            data={**data, "ageDays": age},
        )


@check("aws_iam_user_one_active_key")
def user_one_active_key(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Each IAM user has at most one active access key (credential report, both key slots).

    Two active keys are legitimate only for the minutes of a rotation; left in place, one of them
    is usually forgotten in some script. Every user gets an item so the population is complete;
    the root user is judged by ``aws_iam_root_no_keys``.
    """
    report = global_source(inv, "credential_report")
    if report is None:
        return
    for row in _user_rows(report):
        name = row.get("user")
        active = [n for n in (1, 2) if is_true(row.get(f"access_key_{n}_active"))]
        if len(active) > 1:
            created = [
                iso(parse_time(row.get(f"access_key_{n}_last_rotated"))) or "an unknown date"
                for n in active
            ]
            status = FAIL
            message = (
                f"User {name} has {len(active)} active access keys, created on "
                f"{' and on '.join(created)}."
            )
        elif active:
            status, message = PASS, f"User {name} has one active access key."
        else:
            status, message = PASS, f"User {name} has no active access key."
        yield CheckResult(
            "aws_iam_user_one_active_key",
            status,
            _user_arn(inv, row),
            "iam-user",
            message,
            data={
                "user": name,
                "activeKeys": len(active),
                **{
                    f"access_key_{n}_{field}": row.get(f"access_key_{n}_{field}")
                    for n in (1, 2)
                    for field in ("active", "last_rotated", "last_used_date")
                },
            },
        )


def _stale_credentials(
    row: Mapping[str, Any], now: datetime, limit: int
) -> tuple[list[str], list[str], dict[str, Any]]:
    """(stale, unreadable, data) for one report row: enabled credentials idle longer than ``limit``.

    Idle time runs from the last use or, for a credential never used, from when it was set: the
    password's last change (else the user's creation) or the key's last rotation.
    """
    stale: list[str] = []
    unreadable: list[str] = []
    data: dict[str, Any] = {}
    candidates = []
    if is_true(row.get("password_enabled")):
        candidates.append(
            (
                "password",
                row.get("password_last_used"),
                row.get("password_last_changed") or row.get("user_creation_time"),
            )
        )
    for n in (1, 2):
        if is_true(row.get(f"access_key_{n}_active")):
            candidates.append(
                (
                    f"access_key_{n}",
                    row.get(f"access_key_{n}_last_used_date"),
                    row.get(f"access_key_{n}_last_rotated"),
                )
            )
    for name, last_used, issued in candidates:
        moment = parse_time(last_used) or parse_time(issued)
        if moment is None:
            moment = parse_time(row.get("user_creation_time"))
        data[name] = {"lastUsed": last_used, "issued": issued}
        if moment is None:
            unreadable.append(name)
        elif age_days(moment, now) > limit:
            stale.append(name)
    return stale, unreadable, data


@check("aws_iam_unused_credentials")
def unused_credentials(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Enabled passwords and active keys unused for ``unused_credentials_days`` must be disabled."""
    report = global_source(inv, "credential_report")
    if report is None:
        return
    now = evaluation_time(inv, settings)
    limit = settings.unused_credentials_days
    for row in _user_rows(report):
        name = row.get("user")
        stale, unreadable, data = _stale_credentials(row, now, limit)
        if stale:
            status = FAIL
            message = (
                f"User {name} has credentials unused for more than {limit} days: "
                + ", ".join(stale)
            )
        elif unreadable:
            status = ERROR
            message = f"Could not evaluate: no usable dates for {', '.join(unreadable)} of {name}."
        elif data:
            status = PASS
            message = f"All enabled credentials of {name} were used within {limit} days."
        else:
            status, message = PASS, f"User {name} has no enabled password or active access key."
        yield CheckResult(
            "aws_iam_unused_credentials",
            status,
            _user_arn(inv, row),
            "iam-user",
            message,
            data={"user": name, "credentials": data, "stale": stale},
        )


@check("aws_iam_no_user_policies")
def no_user_policies(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Users get permissions through groups or roles, so no managed or inline policy on a user."""
    details = global_source(inv, "authorization_details")
    if details is None:
        return
    for user in details.get("UserDetailList") or []:
        attached = [p.get("PolicyArn") for p in user.get("AttachedManagedPolicies") or []]
        inline = [p.get("PolicyName") for p in user.get("UserPolicyList") or []]
        name = user.get("UserName")
        if attached or inline:
            status = FAIL
            message = (
                f"User {name} has {len(attached)} attached and {len(inline)} inline "
                "policies directly on the user."
            )
        else:
            status, message = PASS, f"User {name} has no policies attached directly."
        yield CheckResult(
            "aws_iam_no_user_policies",
            status,
            str(user.get("Arn") or f"arn:aws:iam::{inv.account_id}:user/{name}"),
            "iam-user",
            message,
            data={"user": name, "attachedPolicies": attached, "inlinePolicies": inline},
        )


def grants_admin(document: object) -> bool:
    """True when a statement allows every action on every resource."""
    for stmt in statements(document):
        if stmt.get("Effect") != "Allow":
            continue
        actions = {str(a) for a in as_list(stmt.get("Action"))}
        resources = {str(r) for r in as_list(stmt.get("Resource"))}
        if actions & {"*", "*:*"} and "*" in resources:
            return True
    return False


def default_version(policy: Mapping[str, Any]) -> Mapping[str, Any] | None:
    versions = policy.get("PolicyVersionList") or []
    for version in versions:
        if not isinstance(version, Mapping):
            continue
        if version.get("IsDefaultVersion") or version.get("VersionId") == policy.get(
            "DefaultVersionId"
        ):
            return version
    return None


def managed_policy_name(policy: Mapping[str, Any]) -> str:
    """The policy's name, else the last segment of its ARN (``arn:...:policy/path/NAME``).

    AWS always returns ``PolicyName`` in the authorization details, but AWS-compatible endpoints
    need not (moto leaves it out), and the ARN carries the same name.
    """
    name = policy.get("PolicyName")
    if name:
        return str(name)
    return str(policy.get("Arn") or "").rsplit("/", 1)[-1] or "(unnamed)"


_PRINCIPALS = (
    ("UserDetailList", "UserPolicyList", "UserName", "iam-user", "user"),
    ("GroupDetailList", "GroupPolicyList", "GroupName", "iam-group", "group"),
    ("RoleDetailList", "RolePolicyList", "RoleName", "iam-role", "role"),
)


@check("aws_iam_no_admin_star")
def no_admin_star(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """No attached customer-managed policy (default version) or inline policy allows ``*`` on ``*``.

    Managed policies are judged per policy (only attached ones: an unattached policy grants
    nothing); inline policies per principal, since they have no ARN of their own. AWS-managed
    policies such as AdministratorAccess are out of scope: AWS owns them and their use shows up
    as an attachment, which access reviews cover.
    """
    details = global_source(inv, "authorization_details")
    if details is None:
        return
    for policy in details.get("Policies") or []:
        policy_arn = str(policy.get("Arn", ""))
        if ":iam::aws:policy/" in policy_arn:  # AWS-managed, in any partition (aws-us-gov, aws-cn)
            continue
        if not policy.get("AttachmentCount"):
            continue
        name = managed_policy_name(policy)
        version = default_version(policy)
        if version is None:
            yield CheckResult(
                "aws_iam_no_admin_star",
                ERROR,
                policy_arn,
                "iam-policy",
                f"Could not evaluate: policy {name} has no default version document.",
                data={"policy": name, "defaultVersionId": policy.get("DefaultVersionId")},
            )
            continue
        admin = grants_admin(version.get("Document"))
        yield CheckResult(
            "aws_iam_no_admin_star",
            FAIL if admin else PASS,
            policy_arn,
            "iam-policy",
            f"Attached policy {name} allows all actions on all resources."
            if admin
            else f"Attached policy {name} does not allow all actions on all resources.",
            data={
                "policy": name,
                "versionId": version.get("VersionId"),
                "attachmentCount": policy.get("AttachmentCount"),
                "allowsAdminStar": admin,
            },
        )
    for list_key, inline_key, name_key, kind, label in _PRINCIPALS:
        for principal in details.get(list_key) or []:
            inline = principal.get(inline_key) or []
            if not inline:
                continue
            name = principal.get(name_key)
            offending = [
                p.get("PolicyName") for p in inline if grants_admin(p.get("PolicyDocument"))
            ]
            names = [p.get("PolicyName") for p in inline]
            if offending:
                status = FAIL
                message = (
                    f"Inline policy {', '.join(map(str, offending))} of {label} {name} "
                    "allows all actions on all resources."
                )
            else:
                status = PASS
                message = f"No inline policy of {label} {name} allows all actions on all resources."
            yield CheckResult(
                "aws_iam_no_admin_star",
                status,
                str(principal.get("Arn") or f"arn:aws:iam::{inv.account_id}:{label}/{name}"),
                kind,
                message,
                data={label: name, "inlinePolicies": names, "adminStarPolicies": offending},
            )


@check("aws_iam_access_analyzer")
def access_analyzer(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """An ACTIVE analyzer (account or organization zone of trust) in every collected region."""
    account, kind = inv.account_resource
    for region, analyzers in regional(inv, "access_analyzers"):
        active = [a.get("name") for a in analyzers or [] if a.get("status") == "ACTIVE"]
        if active:
            status = PASS
            message = f"IAM Access Analyzer {', '.join(map(str, active))} is active in {region}."
        else:
            status, message = FAIL, f"No active IAM Access Analyzer in {region}."
        yield CheckResult(
            "aws_iam_access_analyzer",
            status,
            account,
            kind,
            message,
            region=region,
            data={
                "analyzers": [
                    {"name": a.get("name"), "type": a.get("type"), "status": a.get("status")}
                    for a in analyzers or []
                ]
            },
        )

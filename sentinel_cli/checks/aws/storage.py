"""Storage checks: S3 buckets (exposure, Block Public Access, TLS, encryption, versioning, logs,
Object Lock) and EBS snapshots.

S3 settings come from one call per bucket, so any one of them can fail for one bucket (a bucket
policy denying the auditor, a bucket deleted mid-collection). Each check reads only the settings it
needs and reports ERROR for that bucket when one of them is missing, never PASS.

Public-bucket rule (shared with the CloudTrail bucket check): a bucket is public when its policy
status says ``IsPublic`` and neither the bucket's nor the account's Block Public Access sets
``RestrictPublicBuckets``, or when its ACL grants to AllUsers or AuthenticatedUsers and neither sets
``IgnorePublicAcls``. Those two flags are the ones that neutralise existing grants;
``BlockPublicPolicy``/``BlockPublicAcls`` only refuse new ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sentinel_cli.checks.aws._util import (
    arn,
    as_list,
    bucket_arn,
    bucket_region,
    global_source,
    joined_setting,
    matches_any,
    regional,
    setting_words,
    statements,
    tag_pairs,
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

PUBLIC_GROUPS: dict[str, str] = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers",
}
PAB_FLAGS: tuple[str, ...] = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)


def bucket_exposure(
    bucket: Mapping[str, Any], account_pab: Mapping[str, Any] | None, account_known: bool
) -> tuple[str, str, dict[str, Any]]:
    """(status, reason, data) for "is this bucket public?" under the module's public-bucket rule.

    ``account_known`` is false when the account-level Block Public Access could not be read: a
    bucket that would be public unless the account blocks it is then ERROR, not FAIL or PASS.
    """
    bucket_pab, pab_error = joined_setting(bucket, "SentinelPublicAccessBlock")
    policy_status, policy_error = joined_setting(bucket, "SentinelPolicyStatus")
    grants, acl_error = joined_setting(bucket, "SentinelAcl")

    def blocked(flag: str) -> bool | None:
        if (bucket_pab or {}).get(flag) or (account_pab or {}).get(flag):
            return True
        return None if pab_error or not account_known else False

    restrict = blocked("RestrictPublicBuckets")
    ignore_acls = blocked("IgnorePublicAcls")
    public: list[str] = []
    unknown: list[str] = []
    policy_public = bool((policy_status or {}).get("IsPublic"))
    if policy_error and restrict is not True:
        unknown.append(f"policy status unreadable ({policy_error})")
    elif policy_public and restrict is False:
        public.append("its bucket policy is public")
    elif policy_public and restrict is None:
        unknown.append("its policy is public and Block Public Access could not be read")
    public_grants = sorted(
        {
            f"{PUBLIC_GROUPS[g['Grantee']['URI']]}:{g.get('Permission')}"
            for g in grants or []
            if (g.get("Grantee") or {}).get("URI") in PUBLIC_GROUPS
        }
    )
    if acl_error and ignore_acls is not True:
        unknown.append(f"ACL unreadable ({acl_error})")
    elif public_grants and ignore_acls is False:
        public.append(f"its ACL grants {', '.join(public_grants)}")
    elif public_grants and ignore_acls is None:
        unknown.append("its ACL is public and Block Public Access could not be read")
    data = {
        "policyIsPublic": policy_public,
        "publicAclGrants": public_grants,
        "bucketPublicAccessBlock": dict(bucket_pab) if bucket_pab else None,
        "accountPublicAccessBlock": dict(account_pab) if account_pab else None,
    }
    if public:
        return FAIL, "is public: " + "; ".join(public), data
    if unknown:
        return ERROR, "could not be evaluated: " + "; ".join(unknown), data
    return PASS, "is not public", data


def _buckets(inv: AwsInventory) -> list[dict[str, Any]]:
    return global_source(inv, "buckets") or []


def _setting_error(
    check_id: str, bucket: Mapping[str, Any], setting: str, error: str
) -> CheckResult:
    name = bucket.get("Name")
    return CheckResult(
        check_id,
        ERROR,
        bucket_arn(str(name)),
        "s3-bucket",
        f"Could not evaluate bucket {name}: {setting} unavailable ({error}).",
        region=bucket_region(bucket),
        data={"bucket": name, "error": error},
    )


@check("aws_s3_bucket_not_public")
def s3_bucket_not_public(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    account_known = not inv.failed("account_public_access_block")
    account_pab = inv.account_public_access_block if account_known else None
    for bucket in _buckets(inv):
        name = bucket.get("Name")
        status, reason, data = bucket_exposure(bucket, account_pab, account_known)
        yield CheckResult(
            "aws_s3_bucket_not_public",
            status,
            bucket_arn(str(name)),
            "s3-bucket",
            f"Bucket {name} {reason}.",
            region=bucket_region(bucket),
            data={"bucket": name, **data},
        )


@check("aws_s3_account_bpa")
def s3_account_bpa(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """All four account-level Block Public Access flags are on.

    ``account_public_access_block_present`` false without a recorded failure means S3 Control
    answered NoSuchPublicAccessBlockConfiguration: nothing is blocked, a FAIL. As that cannot be
    told from "never fetched" on this field alone, a collection without S3 data (no bucket list)
    yields nothing.
    """
    if inv.failed("account_public_access_block"):
        return
    if not inv.account_public_access_block_present and inv.buckets is None:
        return
    account, kind = inv.account_resource
    config = inv.account_public_access_block if inv.account_public_access_block_present else None
    if config is None:
        yield CheckResult(
            "aws_s3_account_bpa",
            FAIL,
            account,
            kind,
            "The account has no S3 Block Public Access configuration.",
            data={"publicAccessBlock": None},
        )
        return
    off = [flag for flag in PAB_FLAGS if not config.get(flag)]
    if off:
        status, message = FAIL, f"Account-level Block Public Access leaves off: {', '.join(off)}."
    else:
        status, message = PASS, "Account-level Block Public Access blocks all four kinds of access."
    yield CheckResult(
        "aws_s3_account_bpa",
        status,
        account,
        kind,
        message,
        data={"publicAccessBlock": {flag: bool(config.get(flag)) for flag in PAB_FLAGS}},
    )


def _bpa_source(bucket_on: set[str], account_on: set[str]) -> str:
    full = set(PAB_FLAGS)
    if bucket_on == full and account_on == full:
        return "set on the bucket and on the account"
    if bucket_on == full:
        return "set on the bucket"
    if account_on == full:
        return "set on the account"
    return "the bucket and the account together"


@check("aws_s3_bucket_bpa_effective")
def s3_bucket_bpa_effective(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """All four Block Public Access flags apply to each bucket, set on the bucket or the account.

    A preventive control, judged apart from ``aws_s3_bucket_not_public`` (is the bucket public
    now?): with every flag in force no future ACL or policy can make the bucket public. A flag off
    on the bucket is covered by the same flag on the account; when one side could not be read and
    the other does not cover every flag, the bucket is ERROR.
    """
    account_known = not inv.failed("account_public_access_block")
    account_pab = (inv.account_public_access_block if account_known else None) or {}
    account_on = {flag for flag in PAB_FLAGS if account_pab.get(flag)}
    for bucket in _buckets(inv):
        name = bucket.get("Name")
        bucket_pab, error = joined_setting(bucket, "SentinelPublicAccessBlock")
        bucket_on = {flag for flag in PAB_FLAGS if (bucket_pab or {}).get(flag)}
        off = [flag for flag in PAB_FLAGS if flag not in bucket_on | account_on]
        data = {
            "bucket": name,
            "bucketFlags": sorted(bucket_on),
            "accountFlags": sorted(account_on),
            "notInForce": off,
        }
        if off and (error or not account_known):
            unknown = f"the bucket's settings ({error})" if error else "the account's settings"
            yield CheckResult(
                "aws_s3_bucket_bpa_effective",
                ERROR,
                bucket_arn(str(name)),
                "s3-bucket",
                f"Could not evaluate bucket {name}: Block Public Access of {unknown} unavailable.",
                region=bucket_region(bucket),
                data=data,
            )
            continue
        if off:
            status = FAIL
            message = (
                f"Bucket {name} is not covered by Block Public Access for {', '.join(off)}: "
                "neither the bucket nor the account sets them."
            )
        else:
            status = PASS
            message = (
                f"Bucket {name} is covered by all four Block Public Access settings "
                f"({_bpa_source(bucket_on, account_on)})."
            )
        yield CheckResult(
            "aws_s3_bucket_bpa_effective",
            status,
            bucket_arn(str(name)),
            "s3-bucket",
            message,
            region=bucket_region(bucket),
            data=data,
        )


def _denies_insecure_transport(policy: object) -> bool:
    """True when a Deny statement applies when ``aws:SecureTransport`` is false."""
    for stmt in statements(policy):
        if stmt.get("Effect") != "Deny":
            continue
        for operator, clause in (stmt.get("Condition") or {}).items():
            if not str(operator).startswith("Bool") or not isinstance(clause, Mapping):
                continue
            for key, value in clause.items():
                if str(key).lower() != "aws:securetransport":
                    continue
                if any(str(v).lower() == "false" for v in as_list(value)):
                    return True
    return False


@check("aws_s3_tls_only")
def s3_tls_only(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """The bucket policy denies requests made without TLS (``aws:SecureTransport`` false)."""
    for bucket in _buckets(inv):
        name = bucket.get("Name")
        policy, error = joined_setting(bucket, "SentinelPolicy")
        if error:
            yield _setting_error("aws_s3_tls_only", bucket, "bucket policy", error)
            continue
        ok = _denies_insecure_transport(policy)
        if ok:
            message = f"Bucket {name} policy denies requests without TLS."
        elif policy is None:
            message = f"Bucket {name} has no bucket policy, so plain-HTTP requests are allowed."
        else:
            message = f"Bucket {name} policy does not deny requests without TLS."
        yield CheckResult(
            "aws_s3_tls_only",
            PASS if ok else FAIL,
            bucket_arn(str(name)),
            "s3-bucket",
            message,
            region=bucket_region(bucket),
            data={"bucket": name, "hasPolicy": policy is not None, "deniesInsecureTransport": ok},
        )


@check("aws_s3_versioning")
def s3_versioning(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    for bucket in _buckets(inv):
        name = bucket.get("Name")
        versioning, error = joined_setting(bucket, "SentinelVersioning")
        if error:
            yield _setting_error("aws_s3_versioning", bucket, "versioning", error)
            continue
        state = (versioning or {}).get("Status")
        ok = state == "Enabled"
        yield CheckResult(
            "aws_s3_versioning",
            PASS if ok else FAIL,
            bucket_arn(str(name)),
            "s3-bucket",
            f"Bucket {name} has versioning enabled."
            if ok
            else f"Bucket {name} versioning is {state or 'never enabled'}.",
            region=bucket_region(bucket),
            data={
                "bucket": name,
                "Status": state,
                "MFADelete": (versioning or {}).get("MFADelete"),
            },
        )


@check("aws_s3_access_logging")
def s3_access_logging(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    for bucket in _buckets(inv):
        name = bucket.get("Name")
        logging_, error = joined_setting(bucket, "SentinelLogging")
        if error:
            yield _setting_error("aws_s3_access_logging", bucket, "logging", error)
            continue
        target = (logging_ or {}).get("TargetBucket")
        ok = bool(logging_)
        yield CheckResult(
            "aws_s3_access_logging",
            PASS if ok else FAIL,
            bucket_arn(str(name)),
            "s3-bucket",
            f"Bucket {name} logs server access to {target}."
            if ok
            else f"Bucket {name} has server access logging off.",
            region=bucket_region(bucket),
            data={
                "bucket": name,
                "TargetBucket": target,
                "TargetPrefix": (logging_ or {}).get("TargetPrefix"),
            },
        )


@check("aws_s3_bucket_default_encryption")
def s3_default_encryption(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """A default server-side encryption rule exists (SSE-S3, SSE-KMS or DSSE-KMS)."""
    for bucket in _buckets(inv):
        name = bucket.get("Name")
        config, error = joined_setting(bucket, "SentinelEncryption")
        if error:
            yield _setting_error("aws_s3_bucket_default_encryption", bucket, "encryption", error)
            continue
        algorithms = sorted(
            {
                str(rule["ApplyServerSideEncryptionByDefault"].get("SSEAlgorithm"))
                for rule in (config or {}).get("Rules") or []
                if rule.get("ApplyServerSideEncryptionByDefault")
            }
        )
        ok = bool(algorithms)
        yield CheckResult(
            "aws_s3_bucket_default_encryption",
            PASS if ok else FAIL,
            bucket_arn(str(name)),
            "s3-bucket",
            f"Bucket {name} encrypts new objects by default ({', '.join(algorithms)})."
            if ok
            else f"Bucket {name} has no default encryption rule.",
            region=bucket_region(bucket),
            data={"bucket": name, "SSEAlgorithms": algorithms},
        )


def _object_lock_scope(
    bucket: Mapping[str, Any], tags: Mapping[str, str], settings: CheckSettings
) -> tuple[str, str] | None:
    """(status when Object Lock is missing, why the bucket is in scope), or None when it is not.

    Buckets named in ``object_lock_buckets`` must have it (FAIL); buckets whose name, tag keys or
    tag values mention one of ``object_lock_hints`` should (WARNING). Every other bucket is out of
    scope: immutability is not a rule for ordinary data.
    """
    name = str(bucket.get("Name") or "")
    if matches_any(name, settings.object_lock_buckets):
        return FAIL, "the settings require Object Lock for it"
    for hint in (h.lower() for h in setting_words(settings.object_lock_hints)):
        if hint in name.lower():
            return WARNING, f"its name mentions {hint}"
        for key, value in tags.items():
            if hint in key.lower() or hint in value.lower():
                return WARNING, f"its tag {key} mentions {hint}"
    return None


def _retention_text(rule: Mapping[str, Any]) -> str:
    retention = rule.get("DefaultRetention") or {}
    mode = retention.get("Mode") or "default"
    if retention.get("Days"):
        return f"{mode} retention of {retention['Days']} day(s)"
    if retention.get("Years"):
        return f"{mode} retention of {retention['Years']} year(s)"
    return ""


@check("aws_s3_object_lock")
def s3_object_lock(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Backup and audit-log buckets keep their objects immutable with S3 Object Lock.

    Which buckets: see :func:`_object_lock_scope`. Object Lock without a default retention locks
    only the objects whose writer asks for it, which is a WARNING whatever the scope.
    """
    for bucket in _buckets(inv):
        name = bucket.get("Name")
        tags_raw, tags_error = joined_setting(bucket, "SentinelTags")
        tags = tag_pairs(tags_raw)
        scope = _object_lock_scope(bucket, tags, settings)
        if scope is None and tags_error:
            yield _setting_error("aws_s3_object_lock", bucket, "tags", tags_error)
            continue
        if scope is None:
            continue
        missing_status, why = scope
        config, error = joined_setting(bucket, "SentinelObjectLock")
        if error:
            yield _setting_error("aws_s3_object_lock", bucket, "Object Lock configuration", error)
            continue
        enabled = (config or {}).get("ObjectLockEnabled") == "Enabled"
        retention = _retention_text((config or {}).get("Rule") or {})
        if enabled and retention:
            status = PASS
            message = f"Bucket {name} ({why}) has Object Lock with a {retention}."
        elif enabled:
            status = WARNING
            message = (
                f"Bucket {name} ({why}) has Object Lock on but no default retention, so only "
                "objects written with a retention are locked."
            )
        else:
            status = missing_status
            message = (
                f"Bucket {name} ({why}) has no Object Lock: its objects can be deleted or "
                "overwritten."
            )
        yield CheckResult(
            "aws_s3_object_lock",
            status,
            bucket_arn(str(name)),
            "s3-bucket",
            message,
            region=bucket_region(bucket),
            data={
                "bucket": name,
                "inScopeBecause": why,
                "objectLockEnabled": enabled,
                "defaultRetention": ((config or {}).get("Rule") or {}).get("DefaultRetention"),
                "tags": tags,
            },
        )


@check("aws_ec2_snapshot_not_public")
def snapshot_not_public(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """No EBS snapshot grants createVolumePermission to the group ``all``.

    Sharing with named accounts is allowed (and listed in the data for review).
    """
    for region, snapshots in regional(inv, "snapshots", partial_ok=True):
        for snap in snapshots or []:
            snap_id = snap.get("SnapshotId")
            resource = arn(
                "ec2", region, str(snap.get("OwnerId") or inv.account_id), f"snapshot/{snap_id}"
            )
            perms, problem = joined_setting(snap, "SentinelCreateVolumePermissions")
            if problem or perms is None:
                problem = problem or "no permissions recorded"
                yield CheckResult(
                    "aws_ec2_snapshot_not_public",
                    ERROR,
                    resource,
                    "ebs-snapshot",
                    f"Could not evaluate snapshot {snap_id}: its sharing is unavailable ({problem}).",
                    region=region,
                    data={"snapshotId": snap_id, "error": problem},
                )
                continue
            public = any(p.get("Group") == "all" for p in perms)
            accounts = sorted(str(p["UserId"]) for p in perms if p.get("UserId"))
            if public:
                message = f"Snapshot {snap_id} can be restored by any AWS account (group all)."
            elif accounts:
                message = f"Snapshot {snap_id} is shared only with accounts {', '.join(accounts)}."
            else:
                message = f"Snapshot {snap_id} is not shared."
            yield CheckResult(
                "aws_ec2_snapshot_not_public",
                FAIL if public else PASS,
                resource,
                "ebs-snapshot",
                message,
                region=region,
                data={"snapshotId": snap_id, "public": public, "sharedWithAccounts": accounts},
            )

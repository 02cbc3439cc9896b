"""S3: every bucket with its security settings, and the account-level Block Public Access.

S3 has no "describe all buckets" call, so each bucket costs about eight calls (encryption,
versioning, logging, policy, public access block, ACL, tags and Object Lock, the last two telling
backup and audit-log buckets apart and whether their objects are immutable; plus its location
when ListBuckets does not return ``BucketRegion``, and the policy status only when the policy has
an Allow statement: with no policy, or a deny-only one such as the usual TLS-only policy, nothing
can make the bucket public by policy, and ``SentinelPolicyStatus`` is None). Buckets are fetched
concurrently, each through a client of the bucket's own region, which avoids a redirect per call.

A per-bucket failure (AccessDenied on one bucket's policy, a bucket deleted mid-collection) is
recorded in the bucket's ``SentinelErrors`` under the ``Sentinel*`` key it prevented, so the checks
report ERROR for that bucket and setting only. Failing to *list* buckets is a source-level
FetchError.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sentinel_cli.collectors.aws.engine import Collection, error_code_and_message, to_jsonable

# Settings fetched for every bucket: inventory key, boto3 method, codes meaning "not configured",
# and how to pick the setting out of the response.
_SETTINGS: tuple[tuple[str, str, frozenset[str], Any], ...] = (
    (
        "SentinelEncryption",
        "get_bucket_encryption",
        frozenset({"ServerSideEncryptionConfigurationNotFoundError"}),
        lambda r: r.get("ServerSideEncryptionConfiguration"),
    ),
    ("SentinelVersioning", "get_bucket_versioning", frozenset(), lambda r: r),
    ("SentinelLogging", "get_bucket_logging", frozenset(), lambda r: r.get("LoggingEnabled")),
    (
        "SentinelPolicy",
        "get_bucket_policy",
        frozenset({"NoSuchBucketPolicy"}),
        lambda r: json.loads(r["Policy"]) if r.get("Policy") else None,
    ),
    (
        "SentinelPublicAccessBlock",
        "get_public_access_block",
        frozenset({"NoSuchPublicAccessBlockConfiguration"}),
        lambda r: r.get("PublicAccessBlockConfiguration"),
    ),
    ("SentinelAcl", "get_bucket_acl", frozenset(), lambda r: r.get("Grants", [])),
    ("SentinelTags", "get_bucket_tagging", frozenset({"NoSuchTagSet"}), lambda r: r.get("TagSet")),
    (
        "SentinelObjectLock",
        "get_object_lock_configuration",
        frozenset({"ObjectLockConfigurationNotFoundError"}),
        lambda r: r.get("ObjectLockConfiguration"),
    ),
)


def region_from_location(constraint: str | None) -> str:
    """GetBucketLocation's LocationConstraint -> region (``None`` is us-east-1, ``EU`` eu-west-1)."""
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else constraint


def fetch_buckets(ctx: Collection, _region: str | None = None) -> None:
    s3 = ctx.client("s3")
    with ctx.piece("buckets", None):
        buckets = ctx.items("buckets", None, s3, "list_buckets", "Buckets")
        with ThreadPoolExecutor(max_workers=ctx.workers, thread_name_prefix="s3-bucket") as pool:
            detailed = list(pool.map(lambda b: bucket_details(ctx, b), buckets))
        ctx.put("buckets", detailed)


def _bucket_call(
    ctx: Collection, client: Any, op: str, name: str, absent: frozenset[str]
) -> tuple[dict[str, Any] | None, str | None]:
    """(response or None when absent, None) on success; (None, "Code: message") on failure."""
    try:
        return dict(getattr(client, op)(Bucket=name)), None
    except Exception as exc:  # a per-bucket failure is recorded on the bucket
        code, message = error_code_and_message(exc)
        if code in absent:
            return None, None
        return None, f"{code}: {message}" if message else code


def bucket_details(ctx: Collection, bucket: dict[str, Any]) -> dict[str, Any]:
    name = bucket["Name"]
    out: dict[str, Any] = dict(bucket)
    errors: dict[str, str] = {}
    region = bucket.get("BucketRegion")
    if not region:
        resp, err = _bucket_call(ctx, ctx.client("s3"), "get_bucket_location", name, frozenset())
        if err:
            errors["SentinelRegion"] = err
        else:
            region = region_from_location((resp or {}).get("LocationConstraint"))
    out["SentinelRegion"] = region
    # botocore follows S3's region redirects, so the home client still works when the region is
    # unknown; it just costs an extra round trip per call.
    client = ctx.client("s3", region or ctx.home_region)
    for key, op, absent, pick in _SETTINGS:
        resp, err = _bucket_call(ctx, client, op, name, absent)
        if err:
            errors[key] = err
            out[key] = None
        else:
            out[key] = pick(resp) if resp is not None else None
    out["SentinelPolicyStatus"] = None
    if "SentinelPolicy" in errors or _may_allow(out.get("SentinelPolicy")):
        resp, err = _bucket_call(
            ctx, client, "get_bucket_policy_status", name, frozenset({"NoSuchBucketPolicy"})
        )
        if err:
            errors["SentinelPolicyStatus"] = err
        elif resp is not None:
            out["SentinelPolicyStatus"] = resp.get("PolicyStatus")
    out["SentinelErrors"] = errors
    settings: dict[str, Any] = to_jsonable(out)  # a dict stays a dict
    return settings


def _may_allow(policy: Any) -> bool:
    """Whether a bucket policy could make the bucket public: only an Allow statement can.

    The common "deny non-TLS access" policy has none, so its status call would be wasted.
    """
    if not isinstance(policy, dict):
        return False
    statements = policy.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    return any(isinstance(st, dict) and st.get("Effect") != "Deny" for st in statements)


def fetch_account_public_access_block(ctx: Collection, _region: str | None = None) -> None:
    control = ctx.client("s3control")
    with ctx.piece("account_public_access_block", None):
        resp = ctx.call(
            "account_public_access_block",
            None,
            control,
            "get_public_access_block",
            absent={"NoSuchPublicAccessBlockConfiguration"},
            AccountId=ctx.account_id,
        )
        if resp is not None and "PublicAccessBlockConfiguration" not in resp:
            raise ctx.fail(
                "account_public_access_block",
                None,
                control,
                "get_public_access_block",
                ValueError("the answer had no PublicAccessBlockConfiguration"),
            )
        ctx.put(
            "account_public_access_block", resp["PublicAccessBlockConfiguration"] if resp else None
        )
        ctx.put("account_public_access_block_present", resp is not None)

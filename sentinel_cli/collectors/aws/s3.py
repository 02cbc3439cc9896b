"""S3: every bucket with its security settings, and the account-level Block Public Access.

S3 has no "describe all buckets" call, so each bucket costs six calls (encryption, versioning,
logging, policy, public access block, ACL), fetched concurrently through a client of the bucket's
own region, which avoids a redirect per call. Everything else is read once, or only where it can
matter:

- Region: ``ListBuckets`` asked with ``MaxBuckets`` names each bucket's ``BucketRegion`` (AWS
  leaves it out of a request without parameters). An endpoint that still leaves it out (moto) is
  asked for its buckets region by region instead (``ListBuckets(BucketRegion=...)``, trusted only
  once shown to honour the filter), and ``GetBucketLocation`` is the last resort per bucket.
- Tags: the Resource Groups Tagging API (``tag:GetResources``, S3 only, paged) once per region
  holding buckets; it lists the tagged buckets of its region, so a bucket it does not list has no
  tags. Where it is refused (or the region is unknown), ``GetBucketTagging`` per bucket.
- Object Lock: only for buckets whose versioning is ``Enabled`` (or could not be read). Object Lock
  cannot be enabled without versioning and keeps it enabled for good, so any other bucket has no
  Object Lock without asking; every bucket still carries the answer.
- Policy status: only when the policy has an Allow statement. With no policy, or a deny-only one
  such as the usual TLS-only policy, nothing can make the bucket public by policy, and
  ``SentinelPolicyStatus`` is None.

A per-bucket failure (AccessDenied on one bucket's policy, a bucket deleted mid-collection) is
recorded in the bucket's ``SentinelErrors`` under the ``Sentinel*`` key it prevented, so the checks
report ERROR for that bucket and setting only. Failing to *list* buckets is a source-level
FetchError.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sentinel_cli.collectors.aws.engine import Collection, error_code_and_message, to_jsonable

# ListBuckets' page size limit; asking for it is also what makes S3 return BucketRegion.
_MAX_BUCKETS = 10_000
# GetResources' page size limit.
_TAG_PAGE = 100
# Buckets without a region from which listing a region (one or two calls) beats locating each.
_WORTH_LISTING = 3

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
)
_TAGGING = (
    "SentinelTags",
    "get_bucket_tagging",
    frozenset({"NoSuchTagSet"}),
    lambda r: r.get("TagSet") or None,
)
_OBJECT_LOCK = (
    "SentinelObjectLock",
    "get_object_lock_configuration",
    frozenset({"ObjectLockConfigurationNotFoundError"}),
    lambda r: r.get("ObjectLockConfiguration"),
)

Outcome = tuple[Any, str | None]  # (value, None) or (None, "Code: message")


def region_from_location(constraint: str | None) -> str:
    """GetBucketLocation's LocationConstraint -> region (``None`` is us-east-1, ``EU`` eu-west-1)."""
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else constraint


def fetch_buckets(ctx: Collection, _region: str | None = None) -> None:
    s3 = ctx.client("s3")
    with ctx.piece("buckets", None):
        buckets = ctx.items(
            "buckets",
            None,
            s3,
            "list_buckets",
            "Buckets",
            PaginationConfig={"PageSize": _MAX_BUCKETS},
        )
        with ThreadPoolExecutor(max_workers=ctx.workers, thread_name_prefix="s3-bucket") as pool:
            regions = bucket_regions(ctx, buckets, pool)
            tags = bucket_tags(ctx, regions, pool)
            detailed = list(
                pool.map(lambda b: bucket_details(ctx, b, regions[b["Name"]], tags), buckets)
            )
        ctx.put("buckets", detailed)


# ---------------------------------------------------------------- regions


def bucket_regions(
    ctx: Collection, buckets: list[dict[str, Any]], pool: ThreadPoolExecutor
) -> dict[str, Outcome]:
    """Each bucket's region: from ListBuckets, else listings by region, else GetBucketLocation."""
    found: dict[str, Outcome] = {
        b["Name"]: (b["BucketRegion"], None) for b in buckets if b.get("BucketRegion")
    }
    missing = [b["Name"] for b in buckets if b["Name"] not in found]
    if len(missing) >= _WORTH_LISTING:
        found.update(_regions_by_listing(ctx, missing))
        missing = [name for name in missing if name not in found]
    found.update(zip(missing, pool.map(lambda name: _locate(ctx, name), missing), strict=True))
    return found


def _locate(ctx: Collection, name: str) -> Outcome:
    resp, err = _bucket_call(ctx.client("s3"), "get_bucket_location", name, frozenset())
    if err:
        return None, err
    return region_from_location((resp or {}).get("LocationConstraint")), None


def _regions_by_listing(ctx: Collection, names: list[str]) -> dict[str, Outcome]:
    """Regions through ``ListBuckets(BucketRegion=...)``: the home region's, then region by region.

    Only an endpoint that omits ``BucketRegion`` gets here. One that also ignored the filter would
    answer every bucket for every region and mislabel them, so the filter must first be shown to
    work: the home region's answer leaves some bucket out, or a second region's answer shares no
    bucket with it. Then, while enough buckets remain, one is located and its region listed, which
    places its neighbours: two calls per region instead of one per bucket.
    """
    wanted = set(names)
    home = _listed_in(ctx, ctx.home_region)
    if home is None:
        return {}
    if home >= wanted:
        others = (r for r in ctx.available_regions("s3") if r != ctx.home_region)
        probe_region = next(others, None)
        probe = _listed_in(ctx, probe_region) if probe_region else None
        if probe is None or probe & home:
            return {}  # the filter cannot be shown to work: ask bucket by bucket
    found: dict[str, Outcome] = {name: (ctx.home_region, None) for name in home & wanted}
    listed = {ctx.home_region}
    remaining = [name for name in names if name not in found]
    while len(remaining) >= _WORTH_LISTING:
        first = remaining[0]
        found[first] = _locate(ctx, first)
        region = found[first][0]
        neighbours = _listed_in(ctx, region) if region and region not in listed else None
        if neighbours is None or first not in neighbours:
            break  # an answer that makes no sense: the rest is located one by one
        listed.add(region)
        found.update({name: (region, None) for name in neighbours & wanted if name not in found})
        remaining = [name for name in remaining if name not in found]
    return found


def _listed_in(ctx: Collection, region: str) -> set[str] | None:
    """Names of the buckets ``ListBuckets`` places in ``region``; None when the call fails."""
    try:
        pages = (
            ctx.client("s3", region)
            .get_paginator("list_buckets")
            .paginate(BucketRegion=region, PaginationConfig={"PageSize": _MAX_BUCKETS})
        )
        return {b["Name"] for page in pages for b in page.get("Buckets") or []}
    except Exception:  # the per-bucket fallback reads the regions anyway
        return None


# ---------------------------------------------------------------- tags


def bucket_tags(
    ctx: Collection, regions: Mapping[str, Outcome], pool: ThreadPoolExecutor
) -> dict[str, list[dict[str, str]] | None]:
    """Tag sets (None: no tags) of the buckets whose region's tagging API answered.

    A bucket left out of the result is read with GetBucketTagging: its region is unknown or the
    tagging API refused that region.
    """
    by_region: dict[str, list[str]] = {}
    for name, (region, _) in regions.items():
        if region:
            by_region.setdefault(region, []).append(name)
    ordered = sorted(by_region)
    answers = pool.map(lambda r: _tagged_in(ctx, r), ordered)
    out: dict[str, list[dict[str, str]] | None] = {}
    for region, tagged in zip(ordered, answers, strict=True):
        if tagged is not None:
            # A bucket this region does not list has never been tagged (or no longer is).
            out.update({name: tagged.get(name) for name in by_region[region]})
    return out


def _tagged_in(ctx: Collection, region: str) -> dict[str, list[dict[str, str]] | None] | None:
    """``{bucket: TagSet}`` from ``tag:GetResources`` in ``region``; None when it fails."""
    try:
        pages = (
            ctx.client("resourcegroupstaggingapi", region)
            .get_paginator("get_resources")
            .paginate(ResourceTypeFilters=["s3"], PaginationConfig={"PageSize": _TAG_PAGE})
        )
        out: dict[str, list[dict[str, str]] | None] = {}
        for page in pages:
            for mapping in page.get("ResourceTagMappingList") or []:
                arn = str(mapping.get("ResourceARN") or "")
                # Buckets only (arn:aws:s3:::name); access points carry a region and account.
                prefix, _, name = arn.partition(":::")
                if (
                    prefix.startswith("arn:")
                    and prefix.endswith(":s3")
                    and name
                    and "/" not in name
                ):
                    out[name] = list(mapping.get("Tags") or []) or None
        return out
    except Exception:  # refused or unsupported: GetBucketTagging per bucket instead
        return None


# ---------------------------------------------------------------- per bucket


def _bucket_call(
    client: Any, op: str, name: str, absent: frozenset[str]
) -> tuple[dict[str, Any] | None, str | None]:
    """(response or None when absent, None) on success; (None, "Code: message") on failure."""
    try:
        return dict(getattr(client, op)(Bucket=name)), None
    except Exception as exc:  # a per-bucket failure is recorded on the bucket
        code, message = error_code_and_message(exc)
        if code in absent:
            return None, None
        return None, f"{code}: {message}" if message else code


def bucket_details(
    ctx: Collection,
    bucket: dict[str, Any],
    region: Outcome,
    known_tags: Mapping[str, list[dict[str, str]] | None],
) -> dict[str, Any]:
    """The bucket's settings; ``known_tags`` holds its tags when the tagging API read them."""
    name = bucket["Name"]
    out: dict[str, Any] = dict(bucket)
    errors: dict[str, str] = {}
    where, region_error = region
    if region_error:
        errors["SentinelRegion"] = region_error
    out["SentinelRegion"] = where
    # botocore follows S3's region redirects, so the home client still works when the region is
    # unknown; it just costs an extra round trip per call.
    client = ctx.client("s3", where or ctx.home_region)

    def fetch(setting: tuple[str, str, frozenset[str], Any]) -> None:
        key, op, absent, pick = setting
        resp, err = _bucket_call(client, op, name, absent)
        if err:
            errors[key] = err
            out[key] = None
        else:
            out[key] = pick(resp) if resp is not None else None

    for setting in _SETTINGS:
        fetch(setting)
    if name in known_tags:
        out["SentinelTags"] = known_tags[name]
    else:
        fetch(_TAGGING)
    versioning = (out.get("SentinelVersioning") or {}).get("Status")
    if versioning == "Enabled" or "SentinelVersioning" in errors:
        fetch(_OBJECT_LOCK)
    else:
        out["SentinelObjectLock"] = None  # impossible without versioning: see the module doc
    out["SentinelPolicyStatus"] = None
    if "SentinelPolicy" in errors or _may_allow(out.get("SentinelPolicy")):
        resp, err = _bucket_call(
            client, "get_bucket_policy_status", name, frozenset({"NoSuchBucketPolicy"})
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

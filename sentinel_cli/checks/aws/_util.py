"""Helpers every AWS check shares: reading raw inventory values the same way everywhere.

The inventory keeps boto3 and credential-report values raw ("N/A", "no_information", ISO strings
ending in "Z" or "+00:00", policy documents that may still be JSON text), so each check would
otherwise grow its own parser and its own bugs. Centralising the parsing, the evaluation clock, the
"skip what failed" iteration over regional sources and ARN building here keeps the check modules
about the rule they verify. Nothing in this module talks to AWS; it only reads values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any

from sentinel_cli.checks.base import CheckSettings
from sentinel_cli.inventory.aws import AwsInventory

# Credential-report and API placeholders that mean "no value" rather than a date.
NO_VALUE: frozenset[str] = frozenset(
    {"", "n/a", "no_information", "not_supported", "none", "null", "<not_present>"}
)


def is_no_value(value: object) -> bool:
    """True for None and the report's placeholder strings ("N/A", "no_information", ...)."""
    return value is None or (isinstance(value, str) and value.strip().lower() in NO_VALUE)


def parse_time(value: object) -> datetime | None:
    """Parse an inventory timestamp into an aware UTC datetime; None when absent or unparseable.

    Accepts ISO 8601 with "Z", an offset or no zone (taken as UTC), datetimes, and epoch seconds,
    because collectors and hand-built test inventories differ in how they serialise dates.
    """
    if is_no_value(value):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = datetime.fromtimestamp(value, tz=UTC)
    elif isinstance(value, str):
        text = value.strip()
        if text[-1:] in {"Z", "z"}:
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def evaluation_time(inv: AwsInventory, settings: CheckSettings) -> datetime:
    """The clock checks compare ages against: ``settings.now`` if given, else collection time."""
    raw = settings.now or inv.collected_at
    now = parse_time(raw)
    if now is None:
        raise ValueError(f"cannot parse evaluation time {raw!r}")
    return now


def age_days(then: datetime, now: datetime) -> float:
    """Days (fractional) from ``then`` to ``now``; negative when ``then`` is in the future."""
    return (now - then).total_seconds() / 86400


def iso(moment: datetime | None) -> str | None:
    """UTC ISO 8601 with a trailing Z, the form Sentinel stores timestamps in."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def is_true(value: object) -> bool:
    """Credential-report booleans are the strings "true"/"false"; API booleans are real bools."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


def global_source(inv: AwsInventory, source: str) -> Any:
    """The value of an account-wide source, or None when it was not fetched or its fetch failed.

    Checks yield nothing on None: the runner already turns the recorded failure into ERROR
    evidence, and an unfetched source must never read as "nothing wrong".
    """
    if inv.failed(source):
        return None
    return getattr(inv, source)


def regional(
    inv: AwsInventory, source: str, *, partial_ok: bool = False
) -> Iterator[tuple[str, Any]]:
    """(region, value) for each region whose ``source`` data can be judged.

    A region absent from the mapping was not collected: never yielded (the runner reports any
    recorded failure as ERROR). A region present *and* recorded as failed holds data whose list
    call succeeded but where a per-resource call failed (the collector marks that resource with
    ``Sentinel*: None`` plus ``SentinelErrors`` and also records the failure for the region).
    Aggregate checks ("no finding in the region", "an analyzer exists") must not judge such
    partial data and skip it; per-resource checks pass ``partial_ok=True``, judge each complete
    resource on its own and report the marked ones as ERROR.
    """
    mapping: Mapping[str, Any] = getattr(inv, source)
    for region in sorted(mapping):
        if not partial_ok and inv.failed(source, region):
            continue
        yield region, mapping[region]


def any_failed(inv: AwsInventory, *sources: str) -> bool:
    """True when any of ``sources`` failed in any scope (the data may then be incomplete)."""
    return any(e.source in sources for e in inv.errors)


def region_collected(inv: AwsInventory, source: str, region: str) -> bool:
    """True when ``source`` holds usable data for ``region``."""
    return region in getattr(inv, source) and not inv.failed(source, region)


def as_list(value: object) -> list[Any]:
    """Policy fields may be a scalar or a list; normalise to a list (None -> [])."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def policy_document(document: object) -> dict[str, Any] | None:
    """A policy as a dict, decoding JSON text when the collector left it as a string."""
    if isinstance(document, Mapping):
        return dict(document)
    if isinstance(document, str) and document.strip():
        try:
            decoded = json.loads(document)
        except ValueError:
            return None
        return decoded if isinstance(decoded, dict) else None
    return None


def statements(document: object) -> list[Mapping[str, Any]]:
    """The statements of a policy document (a single statement object is allowed by IAM)."""
    doc = policy_document(document)
    if doc is None:
        return []
    return [s for s in as_list(doc.get("Statement")) if isinstance(s, Mapping)]


# Condition keys that pin a public principal to a specific account, organisation or source.
RESTRICTING_CONDITION_KEYS: frozenset[str] = frozenset(
    {
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceowner",
        "aws:principalorgid",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourceorgid",
    }
)


def is_public_principal(principal: object) -> bool:
    """``"*"`` or ``{"AWS": "*"}`` (alone or in a list): every AWS principal there is."""
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return "*" in [str(p) for p in as_list(principal.get("AWS"))]
    return False


def condition_keys(condition: object) -> list[str]:
    """The condition keys of a statement's ``Condition`` block, lower-cased, in order."""
    if not isinstance(condition, Mapping):
        return []
    return [
        str(key).lower()
        for clause in condition.values()
        if isinstance(clause, Mapping)
        for key in clause
    ]


def restricting_condition(condition: object, extra_keys: Iterable[str] = ()) -> bool:
    """True when the condition pins the caller to an account, organisation, ARN or source."""
    wanted = RESTRICTING_CONDITION_KEYS | {k.lower() for k in extra_keys}
    return any(key in wanted for key in condition_keys(condition))


def setting_words(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """A list setting as a tuple of non-empty strings; a lone string (``hints: backup`` written
    without brackets in settings.yaml) is one entry, not a sequence of letters."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(str(v) for v in items if str(v).strip())


def matches_any(name: object, patterns: str | Iterable[str] | None) -> bool:
    """Shell-style, case-insensitive match of ``name`` against any of ``patterns``."""
    text = str(name or "").lower()
    return any(fnmatchcase(text, p.lower()) for p in setting_words(patterns))


def tag_pairs(tags: object) -> dict[str, str]:
    """``[{Key, Value}]`` (EC2, S3) or ``{key: value}`` tags as one plain dict."""
    if isinstance(tags, Mapping):
        return {str(k): str(v) for k, v in tags.items()}
    out: dict[str, str] = {}
    for tag in tags if isinstance(tags, list | tuple) else []:
        if isinstance(tag, Mapping) and tag.get("Key") is not None:
            out[str(tag["Key"])] = str(tag.get("Value") or "")
    return out


def arn(service: str, region: str, account: str, resource: str) -> str:
    """Build an ARN in the standard partition (``arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE``)."""
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def bucket_arn(name: str) -> str:
    return f"arn:aws:s3:::{name}"


def _setting_key(name: str) -> str:
    """Normalise a per-bucket setting name so "SentinelAcl", "acl" and "get_bucket_acl" agree."""
    key = "".join(ch for ch in name.lower() if ch.isalnum())
    for prefix in ("sentinel", "getbucket", "get"):
        if key.startswith(prefix):
            key = key[len(prefix) :]
            break
    return {"location": "region"}.get(key, key)


def joined_setting(item: Mapping[str, Any], key: str) -> tuple[Any, str | None]:
    """(value, error) of one per-resource detail such as a bucket's ``SentinelAcl``.

    ``error`` is set when the collector recorded a failure for that detail in ``SentinelErrors``
    (matched loosely on the name, so errors keyed by field or by API call both count) or when the
    key is missing altogether, which means it was never collected.
    """
    wanted = _setting_key(key)
    for name, message in (item.get("SentinelErrors") or {}).items():
        if _setting_key(str(name)) == wanted:
            return None, str(message)
    if key not in item:
        return None, f"{key} was not collected"
    return item[key], None


def resource_error(item: Mapping[str, Any]) -> str | None:
    """All per-resource fetch errors of ``item`` as one string, or None when there are none."""
    errors = item.get("SentinelErrors") or {}
    if not errors:
        return None
    return "; ".join(f"{k}: {v}" for k, v in sorted(errors.items()))


def bucket_region(bucket: Mapping[str, Any]) -> str | None:
    """The bucket's region as the collector resolved it (``collectors.aws.s3``); ``None`` when
    its location could not be read, rather than a guess."""
    region = bucket.get("SentinelRegion")
    return str(region) if region else None

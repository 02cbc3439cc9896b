"""The check machinery shared by every provider: results, metadata, registry and the runner.

A check is a pure function ``evaluate(inventory, settings) -> Iterable[CheckResult]``. It never talks
to AWS or GitHub: collectors fetch once into an inventory, and every check reads from it. Each check's
metadata (title, severity, control mappings, remediation, which inventory *sources* it reads) is data,
kept in a ``catalogue.yaml`` beside the provider's check modules, so mappings can be reviewed without
reading code.

Errors are never a pass: when a source a check reads could not be fetched (AccessDenied, a 404 that
means "no permission", throttling that outlived retries), the runner emits an ERROR result naming the
API call and the missing permission, and the check itself skips that scope (``inventory.failed``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sentinel_cli.inventory.fetch import FetchError
from sentinel_cli.wire import SEVERITIES, STATUSES
from sentinel_cli.yamlio import load_yaml

PASS, FAIL, WARNING, ERROR = STATUSES  # the evidence statuses, named for the checks' code


class Inventory(Protocol):
    """What every provider inventory offers the runner: who it describes and what failed."""

    errors: tuple[FetchError, ...]

    @property
    def account_resource(self) -> tuple[str, str]:
        """(resource_id, resource_type) of the account or org itself, for account-level items."""
        ...


@dataclass(frozen=True)
class CheckResult:
    """One evaluated (check, resource) pair before it becomes a stored evidence item.

    ``message`` says why, in one sentence a reader understands without the raw data. ``data`` is
    the slice of the inventory the verdict was based on: it becomes the item's raw data, hashed
    with SHA-256 so an auditor can verify it.
    """

    check_id: str
    status: str
    resource_id: str
    resource_type: str
    message: str
    region: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    account_id: str | None = None
    """The AWS account the result is about, when not the account of the inventory it came from
    (the organisation check speaks of member accounts from the management account's inventory)."""


@dataclass(frozen=True)
class Remediation:
    text: str
    cli: str | None = None


@dataclass(frozen=True)
class CheckMeta:
    """Everything about a check that is not code. Loaded from a provider's catalogue.yaml."""

    id: str
    provider: str
    title: str
    description: str
    severity: str
    category: str
    remediation: Remediation
    sources: tuple[str, ...]
    thresholds: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    controls: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    """Framework id -> the ids of the controls the check gives evidence for, in catalogue order
    (``controls: {FRAMEWORK_ID: [...]}``; a framework is a file in ``sentinel_cli/frameworks``)."""

    def control_lists(self) -> dict[str, list[str]]:
        """``controls`` as the JSON shapes carry it (a fresh dict the caller may keep)."""
        return {fid: list(ids) for fid, ids in self.controls.items()}


Evaluate = Callable[[Any, "CheckSettings"], Iterable[CheckResult]]


@dataclass(frozen=True)
class Check:
    meta: CheckMeta
    evaluate: Evaluate


# Registry filled by the @check decorator at import of each provider's check modules.
_FUNCTIONS: dict[str, Evaluate] = {}


def check(check_id: str) -> Callable[[Evaluate], Evaluate]:
    """Register ``fn`` as the implementation of ``check_id`` (metadata comes from the catalogue)."""

    def register(fn: Evaluate) -> Evaluate:
        if check_id in _FUNCTIONS and _FUNCTIONS[check_id] is not fn:
            raise RuntimeError(f"check {check_id} registered twice")
        _FUNCTIONS[check_id] = fn
        return fn

    return register


def registered_function(check_id: str) -> Evaluate | None:
    return _FUNCTIONS.get(check_id)


def load_catalogue(path: Path, provider: str) -> dict[str, CheckMeta]:
    """Parse a provider catalogue.yaml into CheckMeta objects, validating shape as we go."""

    raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    metas: dict[str, CheckMeta] = {}
    for entry in raw.get("checks", []):
        rem = entry.get("remediation") or {}
        meta = CheckMeta(
            id=entry["id"],
            provider=provider,
            title=entry["title"],
            description=entry.get("description", "").strip(),
            severity=entry["severity"],
            category=entry["category"],
            controls={
                str(fid): tuple(str(c) for c in ids or ())
                for fid, ids in (entry.get("controls") or {}).items()
            },
            remediation=Remediation(text=str(rem.get("text", "")).strip(), cli=rem.get("cli")),
            sources=tuple(entry.get("sources") or ()),
            thresholds=tuple(entry.get("thresholds") or ()),
            aliases=tuple(entry.get("aliases") or ()),
        )
        if meta.severity not in SEVERITIES:
            raise ValueError(f"{meta.id}: unknown severity {meta.severity!r}")
        if meta.id in metas:
            raise ValueError(f"{meta.id}: listed twice in {path}")
        metas[meta.id] = meta
    return metas


@dataclass(frozen=True)
class CheckSettings:
    """Thresholds checks use. Defaults here; users override them in ``SENTINEL_HOME/settings.yaml``
    under ``checks:`` (see ``sentinel_cli.config.load_check_settings``)."""

    access_key_max_age_days: int = 90
    unused_credentials_days: int = 45
    log_retention_min_days: int = 365
    acm_expiry_warning_days: int = 30
    password_min_length: int = 14
    password_reuse_prevention: int = 24
    root_recent_use_days: int = 90
    cloudtrail_delivery_max_age_hours: int = 24
    guardduty_high_severity: float = 7.0
    secrets_rotation_max_days: int = 90
    github_max_org_owners: int = 3
    github_vuln_sla_critical_hours: int = 24
    github_vuln_sla_high_days: int = 7
    github_code_scanning_max_age_days: int = 30
    github_stale_member_days: int = 180
    # Allow-lists: expected exceptions that become PASS with a note rather than FAIL.
    allowed_public_instances: tuple[str, ...] = ()
    allowed_outside_collaborators: tuple[str, ...] = ()
    allowed_public_repositories: tuple[str, ...] = ()
    # Stricter encryption and immutability, off unless asked for: AWS encrypts S3 objects (SSE-S3)
    # and CloudWatch Logs with its own keys anyway, so requiring customer KMS keys everywhere would
    # turn sound defaults into findings. Patterns are shell-style (``fnmatch``), case-insensitive.
    s3_require_sse_kms: bool = False
    s3_sse_kms_buckets: tuple[str, ...] = ()
    logs_require_kms: bool = False
    logs_kms_groups: tuple[str, ...] = ()
    object_lock_buckets: tuple[str, ...] = ()
    """Buckets that must have Object Lock (FAIL without it)."""
    object_lock_hints: tuple[str, ...] = ("backup", "audit")
    """Words that mark a bucket (in its name, a tag key or a tag value) as holding backups or audit
    logs: such a bucket without Object Lock is a WARNING."""
    # Evaluation clock, injectable so checks stay pure and tests need no sleeping or freezing.
    now: str | None = None

    def replace(self, **changes: Any) -> CheckSettings:
        return dataclasses.replace(self, **changes)


def _error_resource(inventory: Inventory, err: FetchError) -> tuple[str, str, str | None]:
    """(resource_id, resource_type, region) that an ERROR item about ``err`` belongs to.

    Inventories whose scopes name resources (GitHub repositories) say so through ``scope_resource``;
    otherwise a scope is a region of the account.
    """
    scope_resource = getattr(inventory, "scope_resource", None)
    if scope_resource is not None:
        resource_id, resource_type = scope_resource(err.scope)
        return resource_id, resource_type, None
    account_id, account_type = inventory.account_resource
    return account_id, account_type, err.scope


def run_checks(
    checks: Iterable[Check], inventory: Inventory, settings: CheckSettings
) -> Iterator[CheckResult]:
    """Evaluate every check; turn fetch errors into ERROR results and crashes into ERROR too.

    The check runs first. A fetch error of a source it reads then becomes one ERROR item for the
    resource it concerns, unless the check already judged that resource from what it could read
    (a branch protected by a ruleset is protected even when the admin-only classic protection was
    unreadable). One (check, resource) pair never gets two ERROR items.

    A check that raises is a bug, but one bug must not hide the rest of the evidence nor pass
    silently: it becomes an ERROR item on the account resource.
    """
    account_id, account_type = inventory.account_resource
    for chk in checks:
        try:
            results = list(chk.evaluate(inventory, settings))
        except Exception as exc:  # a crashing check must surface as ERROR evidence
            results = [
                CheckResult(
                    check_id=chk.meta.id,
                    status=ERROR,
                    resource_id=account_id,
                    resource_type=account_type,
                    message=f"Check failed to evaluate: {type(exc).__name__}: {exc}",
                    data={"exception": type(exc).__name__, "error": str(exc)},
                )
            ]
        judged = {(r.resource_id, r.region) for r in results}
        yield from results
        for err in inventory.errors:
            if err.source not in chk.meta.sources:
                continue
            resource_id, resource_type, region = _error_resource(inventory, err)
            if (resource_id, region) in judged:
                continue
            judged.add((resource_id, region))
            yield CheckResult(
                check_id=chk.meta.id,
                status=ERROR,
                resource_id=resource_id,
                resource_type=resource_type,
                region=region,
                message=f"Could not evaluate: {err.describe()}",
                data={
                    "apiCall": err.api_call,
                    "errorCode": err.error_code,
                    "error": err.message,
                    "permissionNeeded": err.permission,
                },
            )

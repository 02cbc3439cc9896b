"""AWS collection: fetch each kind of evidence once, concurrently, into one ``AwsInventory``.

The only package that talks to AWS (boto3 is imported lazily inside it, so importing this module
stays cheap). ``collect_aws`` first proves the credentials (STS) and settles the region list, so a
refused key or a misspelt region fails fast with a domain error before any other call; then it
runs one *unit* per global service and per (regional service, region) on a bounded thread pool,
reporting progress as units finish. Whatever cannot be read becomes a ``FetchError`` in
``inventory.errors`` and the rest goes on: an error is evidence, never a silent pass.

Regions: when none are requested, every region the account has enabled (``DescribeRegions`` with
``AllRegions=True`` filtered to ``opt-in-not-required``/``opted-in``: asking for all of them lets
a requested region be rejected as "not enabled" rather than "unknown").

An AWS Organizations collection (``organization.collect_organization``) opens each account the
same way (:func:`open_account`) and runs the units of every account on one pool (:func:`run_units`),
so an organisation is collected with the same code, calls and per-region units as one account.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sentinel_cli.collectors.aws import compute, data, iam, monitoring, s3
from sentinel_cli.collectors.aws.actions import CallStats, iam_action
from sentinel_cli.collectors.aws.engine import Collection, FetchFailed
from sentinel_cli.collectors.aws.session import (
    AwsCredentials,
    build_session,
    caller_identity,
    check_region_name,
    verify_aws,
)
from sentinel_cli.errors import InvalidInput
from sentinel_cli.inventory.aws import AwsInventory
from sentinel_cli.inventory.fetch import FetchError

__all__ = [
    "GLOBAL_UNITS",
    "REGIONAL_UNITS",
    "AwsCollection",
    "AwsCredentials",
    "OpenAccount",
    "build_session",
    "collect_aws",
    "collect_aws_with_stats",
    "iam_action",
    "verify_aws",
]

Progress = Callable[[int, int, str], None]
Fetcher = Callable[[Collection, Any], None]
# The account's collection state, label, fetcher, sources, region.
Unit = tuple[Collection, str, Fetcher, tuple[str, ...], str | None]

# (label, fetcher, inventory fields it fills): once per collection, in the home region. The fields
# name the sources that become errors should the unit fail outside its own error handling.
GLOBAL_UNITS: tuple[tuple[str, Fetcher, tuple[str, ...]], ...] = (
    ("iam credential report", iam.fetch_credential_report, ("credential_report", "access_keys")),
    (
        "iam account",
        iam.fetch_account,
        ("account_summary", "virtual_mfa_devices", "password_policy", "authorization_details"),
    ),
    ("s3 buckets", s3.fetch_buckets, ("buckets",)),
    (
        "s3 account public access block",
        s3.fetch_account_public_access_block,
        ("account_public_access_block",),
    ),
)

# (service label, fetcher, inventory fields): once per collected region.
REGIONAL_UNITS: tuple[tuple[str, Fetcher, tuple[str, ...]], ...] = (
    (
        "ec2",
        compute.fetch_ec2,
        (
            "vpcs",
            "flow_logs",
            "security_groups",
            "instances",
            "volumes",
            "ebs_default_encryption",
            "snapshots",
        ),
    ),
    ("vpc", compute.fetch_vpc_network, ("subnets", "network_acls")),
    ("cloudtrail", monitoring.fetch_cloudtrail, ("trails",)),
    ("config", monitoring.fetch_config, ("config_recorders",)),
    ("guardduty", monitoring.fetch_guardduty, ("guardduty_detectors", "guardduty_findings")),
    ("securityhub", monitoring.fetch_securityhub, ("securityhub",)),
    ("logs", monitoring.fetch_logs, ("log_groups", "metric_filters")),
    ("cloudwatch", monitoring.fetch_cloudwatch, ("alarms",)),
    ("sns", monitoring.fetch_sns, ("sns_subscriptions",)),
    ("accessanalyzer", monitoring.fetch_access_analyzer, ("access_analyzers",)),
    ("ssm", compute.fetch_ssm, ("ssm_instances", "ssm_patch_compliance")),
    ("lambda", compute.fetch_lambda, ("lambda_functions",)),
    ("elbv2", compute.fetch_elbv2, ("load_balancers",)),
    ("inspector2", compute.fetch_inspector, ("inspector_status",)),
    ("rds", data.fetch_rds, ("db_instances", "db_clusters")),
    ("kms", data.fetch_kms, ("kms_keys",)),
    ("acm", data.fetch_acm, ("certificates",)),
    ("secretsmanager", data.fetch_secrets, ("secrets",)),
    ("dynamodb", data.fetch_dynamodb, ("dynamodb_tables",)),
    ("backup", data.fetch_backup, ("backup_plans", "backup_protected_resources")),
)

_ENABLED = ("opt-in-not-required", "opted-in")
_GLOBAL_SOURCES = frozenset(src for _, _, sources in GLOBAL_UNITS for src in sources)


@dataclass(frozen=True)
class AwsCollection:
    """An inventory plus how it was obtained: which IAM actions were called, how often, how long."""

    inventory: AwsInventory
    operations: frozenset[str]
    calls_by_action: Mapping[str, int]
    seconds: float


def collect_aws(
    creds: AwsCredentials,
    *,
    regions: Sequence[str] | None = None,
    workers: int = 8,
    progress: Progress | None = None,
    now: str | None = None,
) -> AwsInventory:
    """Collect the account's evidence. See :func:`collect_aws_with_stats` for the details."""
    return collect_aws_with_stats(
        creds, regions=regions, workers=workers, progress=progress, now=now
    ).inventory


def collect_aws_with_stats(
    creds: AwsCredentials,
    *,
    regions: Sequence[str] | None = None,
    workers: int = 8,
    progress: Progress | None = None,
    now: str | None = None,
    max_attempts: int | None = None,
    report_timeout: float = 120.0,
) -> AwsCollection:
    """Collect, and also say which IAM actions were called (for the least-privilege policy test).

    Raises CredentialsRefused (bad keys, unknown profile, unassumable role) or InvalidInput (a
    requested region that is not an enabled AWS region) before any collection work;
    ExternalServiceError when STS cannot be reached. ``max_attempts`` overrides the retry budget
    (default ``AWS_MAX_ATTEMPTS`` or 10, adaptive mode); ``report_timeout`` bounds the wait for the
    IAM credential report.
    """
    started = time.monotonic()
    if workers < 1:
        raise InvalidInput("workers must be at least 1")
    requested = requested_regions(regions)
    collected_at = now or collection_time()
    account = open_account(
        build_session(creds),
        creds,
        requested=requested,
        workers=workers,
        max_attempts=max_attempts,
        report_timeout=report_timeout,
    )
    run_units(account_units(account), workers=workers, progress=progress)
    inventory = build_inventory(account, collected_at)
    stats = account.ctx.stats
    return AwsCollection(
        inventory=inventory,
        operations=stats.operations,
        calls_by_action=stats.by_action(),
        seconds=time.monotonic() - started,
    )


@dataclass(frozen=True)
class OpenAccount:
    """An account whose identity is proven and whose regions are settled, ready for its units."""

    ctx: Collection
    regions: list[str]


def collection_time() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def open_account(
    session: Any,
    creds: AwsCredentials,
    *,
    requested: list[str] | None,
    workers: int,
    max_attempts: int | None,
    report_timeout: float,
    stats: CallStats | None = None,
) -> OpenAccount:
    """Prove the session's identity (STS) and settle the account's regions.

    Raises CredentialsRefused, ExternalServiceError or InvalidInput (a requested region the
    account has not enabled) as :func:`collect_aws_with_stats` documents.
    """
    ctx = Collection(
        session,
        endpoint_url=creds.endpoint_url,
        home_region=creds.region,
        stats=stats or CallStats(),
        workers=workers,
        max_attempts=max_attempts,
        report_timeout=report_timeout,
    )
    ctx.account_id = caller_identity(ctx.client("sts"))["accountId"]
    return OpenAccount(ctx, _resolve_regions(ctx, requested))


def account_units(account: OpenAccount, *, prefix: str = "") -> list[Unit]:
    """The global units and one unit per (regional service, region) of one account; ``prefix``
    starts each progress label (the account id, when several accounts share the pool)."""
    ctx = account.ctx
    units: list[Unit] = [
        (ctx, f"{prefix}{label}", fn, srcs, None) for label, fn, srcs in GLOBAL_UNITS
    ]
    units += [
        (ctx, f"{prefix}{label} {r}", fn, srcs, r)
        for r in account.regions
        for label, fn, srcs in REGIONAL_UNITS
    ]
    return units


def requested_regions(regions: Sequence[str] | None) -> list[str] | None:
    if regions is None:
        return None
    if isinstance(regions, str):
        regions = [regions]
    unique = list(dict.fromkeys(r.strip() for r in regions if r and r.strip()))
    if not unique:
        raise InvalidInput("No region given", hint="Name at least one region, or none for all.")
    for region in unique:
        check_region_name(region)
    return unique


def _resolve_regions(ctx: Collection, requested: list[str] | None) -> list[str]:
    ec2 = ctx.client("ec2")
    try:
        answer = ctx.call("regions", None, ec2, "describe_regions", AllRegions=True) or {}
    except FetchFailed:
        # Without ec2:DescribeRegions (recorded as an error) fall back to what botocore knows.
        known = set(ctx.session.get_available_regions("ec2", ctx.partition(ctx.home_region)))
        if requested is None:
            return [ctx.home_region]
        for region in requested:
            if known and region not in known:
                raise InvalidInput(f"{region} is not an AWS region") from None
        return requested
    status = {r["RegionName"]: r.get("OptInStatus", _ENABLED[0]) for r in answer.get("Regions", [])}
    enabled = sorted(name for name, st in status.items() if st in _ENABLED)
    if requested is None:
        return enabled
    for region in requested:
        if region not in status:
            raise InvalidInput(
                f"{region} is not an AWS region",
                hint=f"Enabled regions: {', '.join(enabled)}",
            )
        if region not in enabled:
            raise InvalidInput(
                f"{region} is not enabled for account {ctx.account_id}",
                hint="Enable the region in the AWS console (Account > AWS Regions) or omit it.",
            )
    return requested


def run_units(units: list[Unit], *, workers: int, progress: Progress | None, done: int = 0) -> None:
    """Run ``units`` (of one account or several) on one pool of ``workers`` threads, reporting
    progress as each finishes; ``done`` steps were already reported before these."""
    total = done + len(units)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="aws-collect") as pool:
        futures = {pool.submit(_run_unit, unit): unit[1] for unit in units}
        for future in as_completed(futures):
            future.result()  # _run_unit never raises; a bug here should surface
            done += 1
            if progress is not None:
                progress(done, total, futures[future])


def _run_unit(unit: Unit) -> None:
    ctx, _, fn, sources, region = unit
    try:
        fn(ctx, region)
    except Exception as exc:  # a failing unit must not lose the other units
        # Fetchers handle their own call errors; this is e.g. a client that could not be built.
        for source in sources:
            ctx.record(
                FetchError(
                    source=source,
                    api_call="sentinel:collect",
                    message=f"unexpected {type(exc).__name__}: {exc}",
                    scope=None if source in _GLOBAL_SOURCES else region,
                    error_code="InternalError",
                )
            )


def build_inventory(account: OpenAccount, collected_at: str, **extra: Any) -> AwsInventory:
    """The account's inventory from what its units put and recorded; ``extra`` sets fields no
    unit fills (the organisation's account list, errors of calls made outside the units)."""
    ctx, regions = account.ctx, account.regions
    extra_errors: tuple[FetchError, ...] = tuple(extra.pop("errors", ()))
    fields: dict[str, Any] = {**ctx.values, **extra}
    order = {r: i for i, r in enumerate(regions)}
    for name, per_region in ctx.regional.items():
        ordered = dict(sorted(per_region.items(), key=lambda kv: order.get(kv[0], len(order))))
        if name == "trails":  # one list across home regions, per the contract
            fields[name] = [t for region_trails in ordered.values() for t in region_trails]
        else:
            fields[name] = ordered
    return AwsInventory(
        account_id=ctx.account_id,
        regions=tuple(regions),
        collected_at=collected_at,
        errors=ctx.errors + extra_errors,
        api_calls=ctx.stats.total,
        **fields,
    )

"""Evidence collection as jobs: start a job, run the collector once, evaluate every check, store.

A job is created RUNNING (with the pid that runs it), the collector fetches the inventory, the checks
evaluate it, and then *one* transaction writes every evidence item, finishes the job and updates the
integration. Evidence of a job is therefore never visible before the job ends, and a crash or Ctrl-C
leaves only a RUNNING job that the next ``open_store()`` marks FAILED ("interrupted").

``start_collection`` and ``run_collection`` are separate so the API can answer 202 at once and run
the job in the background, while the CLI calls both in a row.

A queue worker may split a large collection into parts that other workers run
(``operations.split``); its end is then the same ``finish_collection``, called by the worker that
ends the last part with the inventory merged from the parts.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any, Protocol

from sentinel_cli.checks.base import CheckMeta, CheckResult, CheckSettings
from sentinel_cli.config import Settings, load_user_settings
from sentinel_cli.egress import UNRESTRICTED, EgressPolicy
from sentinel_cli.errors import (
    Conflict,
    InvalidInput,
    PlanLimitExceeded,
    SecretsUnavailable,
    SentinelError,
)
from sentinel_cli.operations import billing
from sentinel_cli.operations.integrations import DEFAULT_REVIEW_PERIOD_DAYS, resolve_integration
from sentinel_cli.operations.shapes import job_shape
from sentinel_cli.secrets import SecretStore, integration_secret_key
from sentinel_cli.store import Store
from sentinel_cli.store.evidence import EvidenceRecord
from sentinel_cli.timeutil import now_iso, parse_user_date, to_iso, utcnow
from sentinel_cli.wire import Job

log = logging.getLogger("sentinel.collect")

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class CollectionOptions:
    workers: int = 8
    since: str | None = None
    until: str | None = None
    egress: EgressPolicy = UNRESTRICTED
    """Where the collectors may send requests: a server's rule, or none on the user's machine."""


def validate_options(
    *, workers: int = 8, since: str | None, until: str | None
) -> CollectionOptions:
    if workers < 1 or workers > 64:
        raise InvalidInput("--workers must be between 1 and 64")
    start = parse_user_date(since, option="--since") if since else None
    end = parse_user_date(until, option="--until", end_of_day=True) if until else None
    if start and end and end < start:
        raise InvalidInput("--until is before --since", hint="swap the dates")
    return CollectionOptions(
        workers=workers,
        since=to_iso(start) if start else None,
        until=to_iso(end) if end else None,
    )


def start_collection(
    store: Store,
    integration_id: str,
    *,
    trigger: str = "cli",
    options: CollectionOptions | None = None,
    actor: str | None = None,
    queued: bool = False,
) -> Job:
    """Create the RUNNING job row (refusing a second concurrent collection of one integration).

    ``queued``: a worker will run it (``startedAt`` stays null until one takes its lease); else
    the caller runs it now, in this process."""
    integration = resolve_integration(store, integration_id)
    options = options or CollectionOptions()
    period_start, period_end = _review_period(integration, options)
    job_id = str(uuid.uuid4())
    with store.transaction():
        running = store.jobs.running_for(integration["id"])
        if running is not None:
            raise Conflict(
                f"a collection of '{integration['name']}' is already running "
                f"(job {running['id']}, started {running['started_at']})",
                hint="wait for it to finish: sentinel integrations jobs " + integration["id"],
            )
        billing.ensure_can_collect(
            store, expected_checks=billing.expected_checks(store, integration["id"])
        )
        store.jobs.start(
            job_id=job_id,
            integration_id=integration["id"],
            trigger=trigger,
            period_start=period_start,
            period_end=period_end,
            queued=queued,
            run_options={"since": options.since, "until": options.until},
            actor=actor,
        )
        store.activity.record(
            "collection.queued" if queued else "collection.started",
            f"Collection of '{integration['name']}' " + ("queued" if queued else "started"),
            actor=actor,
            target_type="integration",
            target_id=integration["id"],
            details={"jobId": job_id, "trigger": trigger},
        )
    job = store.jobs.get(job_id)
    assert job is not None
    return job_shape(job)


def _review_period(integration: dict[str, Any], options: CollectionOptions) -> tuple[str, str]:
    """The audit period for period-based evidence (GitHub change reviews): options, settings, 90 d."""
    end = options.until or to_iso(utcnow())
    if options.since:
        return options.since, end
    days = int(
        (integration.get("settings") or {}).get("reviewPeriodDays", DEFAULT_REVIEW_PERIOD_DAYS)
    )
    from sentinel_cli.timeutil import parse_iso

    return to_iso(parse_iso(end) - timedelta(days=days)), end


def check_settings_for(settings: Settings, integration: dict[str, Any]) -> CheckSettings:
    """Thresholds from ``settings.yaml`` (``checks:``) plus the integration's allow-lists."""
    user = load_user_settings(settings).get("checks") or {}
    known = {f.name: f for f in fields(CheckSettings)}
    unknown = sorted(set(user) - set(known))
    if unknown:
        raise InvalidInput(
            f"{settings.settings_file}: unknown check settings {', '.join(unknown)}",
            hint="known settings: " + ", ".join(sorted(k for k in known if k != "now")),
        )
    values: dict[str, Any] = {}
    for key, value in user.items():
        values[key] = tuple(value) if isinstance(value, list) else value
    integ = integration.get("settings") or {}
    for key, setting in (
        ("allowedOutsideCollaborators", "allowed_outside_collaborators"),
        ("allowedPublicRepositories", "allowed_public_repositories"),
        ("allowedPublicInstances", "allowed_public_instances"),
    ):
        if integ.get(key):
            values[setting] = tuple(values.get(setting, ())) + tuple(integ[key])
    return CheckSettings(**values)


def credentials_secret(secrets: SecretStore, integration: dict[str, Any]) -> dict[str, str] | None:
    if not integration.get("has_secret"):
        return None
    raw = secrets.get(integration_secret_key(integration["id"]))
    if raw is None:
        raise SecretsUnavailable(
            f"the credentials of integration '{integration['name']}' are missing from the "
            f"{secrets.backend} secrets backend",
            hint="reconnect it: sentinel integrations remove ID, then sentinel integrations connect",
        )
    secret: dict[str, str] = json.loads(raw)
    return secret


class Splitter(Protocol):
    """How a queue worker may cut a large collection into parts (``operations.split``): the
    collectors call ``github``/``aws`` once the repositories or accounts are listed."""

    split: bool

    def github(
        self, listing: list[dict[str, Any]] | None, archived: list[dict[str, Any]], dot: bool
    ) -> bool: ...

    def aws(self, own: dict[str, Any], members: list[dict[str, Any]]) -> bool: ...

    def wrap_progress(self, progress: Progress) -> Progress: ...

    def own_part_done(self, store: Store, inventory: Any) -> Job: ...

    def own_part_failed(self, store: Store, message: str) -> Job: ...


def aws_credentials(
    integration: dict[str, Any], secret: dict[str, str] | None, egress: EgressPolicy
) -> Any:
    """The ``AwsCredentials`` of an AWS integration, once the outbound rule allows them."""
    from sentinel_cli.collectors.aws.session import AwsCredentials

    config = integration["config"]
    endpoint = config.get("endpointUrl")
    egress.check_aws_credentials(has_keys=bool((secret or {}).get("accessKeyId")))
    if endpoint:
        egress.check_url(endpoint, field="endpointUrl")
    organization = bool(config.get("organization"))
    return AwsCredentials(
        region=config.get("region") or "us-east-1",
        access_key_id=(secret or {}).get("accessKeyId"),
        secret_access_key=(secret or {}).get("secretAccessKey"),
        profile=config.get("profile"),
        role_arn=config.get("roleArn"),
        # An organisation's external id belongs to its member roles, not to --role-arn.
        external_id=None if organization else config.get("externalId"),
        endpoint_url=endpoint,
        egress=egress,
    )


def github_config(
    integration: dict[str, Any],
    secret: dict[str, str] | None,
    job: Job,
    options: CollectionOptions,
    check_settings: CheckSettings,
) -> Any:
    """The ``GithubConfig`` of a GitHub integration's job, once the outbound rule allows it."""
    from sentinel_cli.collectors.github import GithubConfig

    config = integration["config"]
    base_url = config.get("baseUrl")
    if base_url:
        options.egress.check_url(base_url, field="baseUrl")
    return GithubConfig(
        org=config["org"],
        token=(secret or {}).get("token", ""),
        base_url=base_url,
        egress=options.egress,
        since=job["periodStart"],
        until=job["periodEnd"],
        workers=options.workers,
        # The audit log is read as far back as the stale-member check looks.
        stale_member_days=check_settings.github_stale_member_days,
    )


def _collect_inventory(
    integration: dict[str, Any],
    secret: dict[str, str] | None,
    job: Job,
    options: CollectionOptions,
    progress: Progress | None,
    check_settings: CheckSettings,
    splitter: Splitter | None = None,
) -> Any:
    config = integration["config"]
    egress = options.egress
    if integration["type"] == "AWS":
        from sentinel_cli.collectors.aws import collect_aws

        endpoint = config.get("endpointUrl")
        creds = aws_credentials(integration, secret, egress)
        if config.get("organization"):
            from sentinel_cli.collectors.aws.organization import collect_organization

            with egress.one_failure_message("endpointUrl", endpoint):
                return collect_organization(
                    creds,
                    member_role_name=config.get("memberRoleName") or "",
                    external_id=config.get("externalId"),
                    regions=config.get("regions"),
                    workers=options.workers,
                    progress=progress,
                    now=job["startedAt"],
                    split=splitter.aws if splitter is not None else None,
                ).inventory
        with egress.one_failure_message("endpointUrl", endpoint):
            return collect_aws(
                creds,
                regions=config.get("regions"),
                workers=options.workers,
                progress=progress,
                now=job["startedAt"],
            )
    from sentinel_cli.collectors.github import collect_github

    gh = github_config(integration, secret, job, options, check_settings)
    with egress.one_failure_message("baseUrl", config.get("baseUrl")):
        return collect_github(
            gh,
            progress=progress,
            now=job["startedAt"],
            after_listing=splitter.github if splitter is not None else None,
        )


def evidence_records(
    results: list[CheckResult], metas: dict[str, CheckMeta]
) -> list[EvidenceRecord]:
    """Stored items for the results; each keeps the AWS account its result names (None: GitHub)."""
    records = []
    for res in results:
        meta = metas[res.check_id]
        records.append(
            EvidenceRecord(
                id=str(uuid.uuid4()),
                check_id=res.check_id,
                title=meta.title,
                status=res.status,
                severity=meta.severity,
                category=meta.category,
                resource_id=res.resource_id,
                resource_type=res.resource_type,
                region=res.region,
                message=res.message,
                remediation={"text": meta.remediation.text, "cli": meta.remediation.cli},
                controls=meta.control_lists(),
                raw={"result": res.message, "data": dict(res.data)},
                account_id=res.account_id,
            )
        )
    return records


PROGRESS_INTERVAL_SECONDS = 0.5


def _recording_progress(store: Store, job_id: str, progress: Progress | None) -> Progress:
    """Pass each step on, and record it in the job (at most every half second, and the last step)
    so a page or client following the job from another thread or process sees how far it is.

    The collectors call this from the thread that runs the collection, which owns ``store``.
    """
    last = 0.0

    def step(done: int, total: int, label: str) -> None:
        nonlocal last
        if progress is not None:
            progress(done, total, label)
        now = time.monotonic()
        if done < total and now - last < PROGRESS_INTERVAL_SECONDS:
            return
        last = now
        try:
            store.jobs.set_progress(job_id, done=done, total=total, step=label)
        except Exception:  # advisory only: a busy store must not fail the collection
            log.debug("could not record the progress of job %s", job_id, exc_info=True)

    return step


def run_collection(
    store: Store,
    secrets: SecretStore,
    settings: Settings,
    job_id: str,
    *,
    options: CollectionOptions | None = None,
    progress: Progress | None = None,
    actor: str | None = None,
    splitter: Splitter | None = None,
) -> Job:
    """Run a started job to its end. Never raises for a collection failure: the job records it.

    ``splitter`` (a queue worker's): a large collection is cut into parts once its repositories
    or accounts are listed; this run then goes on with its own part only, and the job stays
    RUNNING until the worker that ends the last part stores the evidence."""
    options = options or CollectionOptions()
    job_row = store.jobs.get(job_id)
    if job_row is None:
        raise InvalidInput(f"no job {job_id}")
    job = job_shape(job_row)
    # A queued job run here without a worker's lease (tests, tools) counts from when it was queued.
    collected_at = job["startedAt"] or job["queuedAt"]
    job["startedAt"] = collected_at
    integration = resolve_integration(store, job["integrationId"])
    try:
        check_settings = check_settings_for(settings, integration).replace(now=collected_at)
        secret = credentials_secret(secrets, integration)
        recorded = _recording_progress(store, job_id, progress)
        if splitter is not None:
            recorded = splitter.wrap_progress(recorded)
        inventory = _collect_inventory(
            integration, secret, job, options, recorded, check_settings, splitter
        )
    except Exception as exc:
        message = exc.message if isinstance(exc, SentinelError) else _internal(exc)
        if splitter is not None and splitter.split:
            return splitter.own_part_failed(store, message)
        return _fail_job(store, integration, job_id, message, actor)
    if splitter is not None and splitter.split:
        return splitter.own_part_done(store, inventory)
    return finish_collection(
        store,
        integration,
        job_id,
        inventory,
        check_settings,
        collected_at=collected_at,
        actor=actor,
    )


def _internal(exc: Exception) -> str:
    return f"internal error: {type(exc).__name__}: {exc}"


def finish_collection(
    store: Store,
    integration: dict[str, Any],
    job_id: str,
    inventory: Any,
    check_settings: CheckSettings,
    *,
    collected_at: str,
    actor: str | None,
) -> Job:
    """Evaluate every check over what was fetched and, in one transaction, write all evidence,
    end the job and update the integration: the end of every collection, whole or split."""
    from sentinel_cli.checks import load_checks
    from sentinel_cli.checks.accounts import run_account_checks

    try:
        checks = load_checks("aws" if integration["type"] == "AWS" else "github")
        results = list(run_account_checks(checks, inventory, check_settings))
    except SentinelError as exc:
        return _fail_job(store, integration, job_id, exc.message, actor)
    except Exception as exc:
        return _fail_job(store, integration, job_id, _internal(exc), actor)

    metas = {c.meta.id: c.meta for c in checks}
    records = evidence_records(results, metas)
    counts = Counter(r.status for r in records)
    status = "PARTIAL" if counts.get("ERROR") else "COMPLETED"
    finished = now_iso()
    try:
        with store.transaction():
            if not _still_running(store, job_id):
                return _ended_elsewhere(store, job_id)
            billing.ensure_can_collect(store, expected_checks=len(records))
            billing.record_checks(store, len(records), job_id=job_id)
            store.evidence.insert_many(
                records,
                job_id=job_id,
                integration_id=integration["id"],
                collected_at=collected_at,
            )
            store.jobs.finish(
                job_id,
                status=status,
                counts=dict(counts),
                api_calls=int(getattr(inventory, "api_calls", 0)),
                finished_at=finished,
            )
            store.integrations.update_after_job(
                integration["id"],
                job_id=job_id,
                status="CONNECTED",
                finished_at=finished,
                error=None,
            )
            store.activity.record(
                "collection.completed",
                f"Collection of '{integration['name']}' {status.lower()}: "
                f"{counts.get('PASS', 0)} pass, {counts.get('FAIL', 0)} fail, "
                f"{counts.get('WARNING', 0)} warning, {counts.get('ERROR', 0)} error",
                actor=actor,
                target_type="integration",
                target_id=integration["id"],
                details={"jobId": job_id, "counts": dict(counts)},
            )
    except PlanLimitExceeded as exc:
        return _fail_job(store, integration, job_id, exc.message, actor, kind="limit")

    done = store.jobs.get(job_id)
    assert done is not None
    return job_shape(done)


def fail_job(store: Store, job_id: str, message: str) -> None:
    """End a RUNNING job FAILED for a reason its run could not record itself (the run crashed,
    the job could not be handed to a worker), as any failed collection ends: the job, the
    integration's status and the activity log. A job already ended is left as it is."""
    row = store.jobs.get(job_id)
    if row is None or row["status"] != "RUNNING":
        return
    integration = resolve_integration(store, row["integration_id"])
    _fail_job(store, integration, job_id, message, row.get("actor"))


def _still_running(store: Store, job_id: str) -> bool:
    row = store.jobs.get(job_id)
    return row is not None and row["status"] == "RUNNING"


def _ended_elsewhere(store: Store, job_id: str) -> Job:
    """The job was ended while this process collected (its lease expired and a reaper marked it
    interrupted): write nothing, so a re-run never meets a half-duplicate."""
    log.warning("job %s was ended elsewhere while it ran; its results are discarded", job_id)
    row = store.jobs.get(job_id)
    assert row is not None
    return job_shape(row)


def _fail_job(
    store: Store,
    integration: dict[str, Any],
    job_id: str,
    message: str,
    actor: str | None,
    *,
    kind: str = "error",
) -> Job:
    finished = now_iso()
    with store.transaction():
        if not _still_running(store, job_id):
            return _ended_elsewhere(store, job_id)
        store.jobs.finish(
            job_id,
            status="FAILED",
            error_message=message,
            finished_at=finished,
            failure_kind=kind,
        )
        store.integrations.update_after_job(
            integration["id"], job_id=job_id, status="ERROR", finished_at=finished, error=message
        )
        store.activity.record(
            "collection.failed",
            f"Collection of '{integration['name']}' failed: {message}",
            actor=actor,
            target_type="integration",
            target_id=integration["id"],
            details={"jobId": job_id},
        )
    done = store.jobs.get(job_id)
    assert done is not None
    return job_shape(done)


def record_refused_run(
    store: Store, integration_id: str, *, trigger: str, message: str, actor: str | None = None
) -> Job:
    """A run refused before it began (a scheduled collection past the plan's limit), recorded as a
    FAILED job so the refusal shows in the job list and reaches notifications instead of passing
    silently. It never started, so it has no ``startedAt``."""
    integration = resolve_integration(store, integration_id)
    job_id = str(uuid.uuid4())
    now = now_iso()
    with store.transaction():
        store.jobs.start(
            job_id=job_id,
            integration_id=integration["id"],
            trigger=trigger,
            started_at=now,
            queued=True,
            actor=actor,
        )
        store.jobs.finish(
            job_id, status="FAILED", error_message=message, finished_at=now, failure_kind="limit"
        )
        store.activity.record(
            "collection.refused",
            f"Collection of '{integration['name']}' refused: {message}",
            actor=actor,
            target_type="integration",
            target_id=integration["id"],
            details={"jobId": job_id, "trigger": trigger},
        )
    row = store.jobs.get(job_id)
    assert row is not None
    return job_shape(row)

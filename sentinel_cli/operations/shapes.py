"""The JSON shapes shared by ``--json`` output and the API's ``data``: camelCase, never a secret."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sentinel_cli.frameworks import with_every_framework
from sentinel_cli.wire import (
    AwsIntegrationFields,
    EvidenceItem,
    ExceptionRef,
    GithubIntegrationFields,
    Integration,
    Job,
)

if TYPE_CHECKING:
    from sentinel_cli.store.queries import ExceptionRules


def score(passing: int, total: int) -> float | None:
    """A compliance score: passing / total x 100, rounded to 1 decimal; ``None`` with nothing to
    score (the spec's complianceScore, framework and category scores, report scores)."""
    return round(passing / total * 100, 1) if total else None


def integration_shape(row: dict[str, Any]) -> Integration:
    config = row.get("config") or {}
    provider: AwsIntegrationFields | GithubIntegrationFields
    if row["type"] == "AWS":
        provider = {
            "accountId": row.get("external_id"),
            "region": config.get("region"),
            "regions": config.get("regions"),
            "credentialSource": config.get("credentialSource"),
            "profile": config.get("profile"),
            "roleArn": config.get("roleArn"),
            "externalId": config.get("externalId"),
            "endpointUrl": config.get("endpointUrl"),
            "accessKeyId": _masked_key(config.get("accessKeyIdSuffix")),
            "organization": bool(config.get("organization")),
            "memberRoleName": config.get("memberRoleName"),
        }
    else:
        provider = {"orgName": config.get("org"), "baseUrl": config.get("baseUrl")}
    return {
        "id": row["id"],
        "type": row["type"],
        "name": row["name"],
        "status": row["status"],
        "lastSyncAt": row.get("last_sync_at"),
        "evidenceCount": row.get("evidence_count", 0),
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "lastJobId": row.get("last_job_id"),
        "lastError": row.get("last_error"),
        **provider,
        "settings": row.get("settings") or {},
    }


def _masked_key(suffix: str | None) -> str | None:
    return None if not suffix else f"****{suffix}"


def job_shape(row: dict[str, Any]) -> Job:
    total = row.get("total_count") or 0
    passing = row.get("pass_count") or 0
    # ``started_at`` is when the job was recorded (queued); ``run_started_at`` when a process
    # began collecting, NULL while a queued job waits for a worker (rows read without the column
    # are jobs that started when recorded).
    started = row["run_started_at"] if "run_started_at" in row else row["started_at"]
    duration = None
    if row.get("finished_at") and started:
        from sentinel_cli.timeutil import parse_iso

        duration = (parse_iso(row["finished_at"]) - parse_iso(started)).total_seconds()
    return {
        "id": row["id"],
        "integrationId": row["integration_id"],
        "status": row["status"],
        "trigger": row.get("trigger"),
        "queuedAt": row["started_at"],
        "startedAt": started,
        "finishedAt": row.get("finished_at"),
        "periodStart": row.get("period_start"),
        "periodEnd": row.get("period_end"),
        "totalCount": total,
        "passCount": passing,
        "failCount": row.get("fail_count") or 0,
        "warningCount": row.get("warning_count") or 0,
        "errorCount": row.get("error_count") or 0,
        "score": score(passing, total),
        "apiCalls": row.get("api_calls") or 0,
        "durationSeconds": duration,
        "errorMessage": row.get("error_message"),
        "progress": None
        if row.get("progress_total") is None
        else {
            "done": row.get("progress_done") or 0,
            "total": row["progress_total"],
            "step": row.get("progress_step") or "",
        },
        "retryOf": row.get("retry_of"),
    }


def item_shape(row: dict[str, Any], rules: ExceptionRules) -> EvidenceItem:
    """The API's evidence item (camelCase)."""
    exception: ExceptionRef | None = None
    exception_id = row.get("exception_id")
    if exception_id:
        exc = next((e for e in rules.exceptions if e["id"] == exception_id), None)
        if exc is not None:
            exception = {
                "id": exc["id"],
                "reason": exc["reason"],
                "owner": exc["owner"],
                "expiresAt": exc["expires_at"],
            }
    controls = row.get("controls") or {}
    remediation = row.get("remediation") or {}
    return {
        "id": row["id"],
        "integrationId": row["integration_id"],
        "jobId": row["job_id"],
        "checkId": row["check_id"],
        "title": row["title"],
        "status": row["status"],
        "severity": row["severity"],
        "category": row["category"],
        "resourceId": row["resource_id"],
        "resourceType": row["resource_type"],
        "region": row["region"],
        "accountId": row.get("account_id"),
        "collectedAt": row["collected_at"],
        "message": row["message"],
        "controls": with_every_framework(controls),
        "remediation": {"text": remediation.get("text", ""), "cli": remediation.get("cli")},
        "excepted": exception is not None,
        "exception": exception,
        "sha256": row["sha256"],
    }

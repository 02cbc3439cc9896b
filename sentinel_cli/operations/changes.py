"""What changed in a collection: ``sentinel evidence changes``, ``GET /api/jobs/:id/changes``, the
dashboard's "What changed" panel, and the data notifications are built from.

A finished collection (COMPLETED or PARTIAL) is compared with the previous finished collection of
the same integration, item by item on (check id, resource id, region) — see ``store/changes.py``
for why the region is part of an item's identity:

- **newly failing**: FAIL now, and not FAIL before (PASS, WARNING, ERROR, or no such item);
- **fixed**: FAIL before, PASS now (FAIL to WARNING or ERROR is not fixed, and an item that
  disappeared with its resource is a vanished resource, not a fix);
- **new / vanished resources**: resource ids with items in one of the two collections only;
- **checks that started erroring**: checks with ERROR items now and none before.

The first collection of an integration has nothing to compare with: every FAIL item is newly
failing, every resource new and every check with an ERROR item started erroring
(``first: true``, ``previousJob: null``).

**Risk exceptions.** A newly failing item covered by a risk exception in force (the exceptions of
now, as the evidence list and ``evidence show`` use) is an accepted risk: it is left out of
``newlyFailing`` and counted in ``counts.excepted``, as the CI gate leaves it out, so nobody is
told of a failure the team has already accepted. Fixed items are listed whatever the exceptions:
an accepted risk that was fixed is still good news.

Lists are ordered by severity (worst first), then check id, resource id, and cut at ``limit``
each; the counts are of everything. ``changes_for_job`` is the reusable core (an exact job id);
``job_changes`` is the use case, resolving ``latest`` and id prefixes first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sentinel_cli.errors import InvalidInput, NotFound
from sentinel_cli.operations.exceptions import rules_at
from sentinel_cli.operations.ids import resolve_id
from sentinel_cli.operations.shapes import job_shape
from sentinel_cli.store import Store
from sentinel_cli.timeutil import to_iso, utcnow
from sentinel_cli.wire import (
    SEVERITIES,
    ChangedItem,
    ErroringCheck,
    JobChanges,
    ResourceChange,
)

LATEST = "latest"
"""The job id that names the most recently finished collection (of ``integration`` if given)."""
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
FINISHED = ("COMPLETED", "PARTIAL")

__all__ = ["DEFAULT_LIMIT", "LATEST", "MAX_LIMIT", "changes_for_job", "job_changes"]


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def parse_limit(value: int | str | None) -> int:
    """Items per list: ``DEFAULT_LIMIT`` when not given, 1 to ``MAX_LIMIT``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_LIMIT
    try:
        limit = int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"--limit: {value!r} is not a whole number") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"--limit must be between 1 and {MAX_LIMIT} (got {limit})",
            hint="the counts always cover every change; the limit cuts each list",
        )
    return limit


def _resolve_job(store: Store, job_id: str | None, integration: str | None) -> dict[str, Any]:
    integration_row = None
    if integration is not None and str(integration).strip():
        from sentinel_cli.operations.integrations import resolve_integration

        integration_row = resolve_integration(store, str(integration))
    ident = (job_id or "").strip() or LATEST
    if ident.lower() == LATEST:
        job = store.changes.latest_finished(
            integration_id=None if integration_row is None else integration_row["id"]
        )
        if job is None:
            whose = "" if integration_row is None else f" of {integration_row['name']}"
            raise NotFound(
                f"no finished collection{whose} yet: nothing to compare",
                hint="run 'sentinel collect' (a collection that ends COMPLETED or PARTIAL)",
            )
        return job
    job = resolve_id(
        ident,
        get=store.changes.job,
        find_by_prefix=store.changes.jobs_by_prefix,
        noun="collection job",
        hint="'sentinel integrations jobs ID' lists the jobs of an integration",
    )
    if integration_row is not None and job["integration_id"] != integration_row["id"]:
        raise InvalidInput(
            f"job {job['id'][:8]} is a collection of {job['integration_name']}, "
            f"not of {integration_row['name']}",
            hint="give --job or --integration alone",
        )
    return job


def job_changes(
    store: Store,
    job_id: str | None = LATEST,
    *,
    integration: str | None = None,
    limit: int | str | None = None,
    now: datetime | None = None,
) -> JobChanges:
    """The changes of one collection (an id or unique prefix, or ``latest``: the most recently
    finished collection, of ``integration`` when given) since the previous one."""
    top = parse_limit(limit)
    job = _resolve_job(store, job_id, integration)
    return changes_for_job(store, job["id"], limit=top, now=now)


def changes_for_job(
    store: Store, job_id: str, *, limit: int = DEFAULT_LIMIT, now: datetime | None = None
) -> JobChanges:
    """Compare the finished collection ``job_id`` with the previous finished collection of its
    integration (see the module docstring for the rules). ``now`` picks the exceptions in force."""
    changes = store.changes
    job = changes.job(job_id)
    if job is None:
        raise NotFound(f"no collection job with id {job_id!r}")
    if job["status"] not in FINISHED:
        raise InvalidInput(
            f"job {job_id[:8]} is {job['status']}: only a finished collection (COMPLETED or "
            "PARTIAL) has evidence to compare",
            hint="'sentinel integrations jobs ID' lists the jobs of an integration",
        )
    previous = changes.previous_finished(job_id)
    previous_id = None if previous is None else previous["id"]
    rules = rules_at(store, to_iso(now or utcnow()))

    failing: list[tuple[int, str, str, int]] = []
    excepted = 0
    for rowid, check_id, resource_id, severity in changes.newly_failing(job_id, previous_id):
        if rules.match(check_id, resource_id, "FAIL") is not None:
            excepted += 1
        else:
            failing.append((_rank(severity), check_id, resource_id, rowid))
    failing.sort()
    fixed = sorted(
        (_rank(severity), check_id, resource_id, rowid, previous_rowid)
        for rowid, previous_rowid, check_id, resource_id, severity in (
            changes.fixed(job_id, previous_id) if previous_id is not None else ()
        )
    )

    now_resources = changes.resource_ids(job_id)
    before = changes.resource_ids(previous_id) if previous_id is not None else set()
    new_resources = sorted(now_resources - before)
    vanished_resources = sorted(before - now_resources)
    new_summary = changes.resource_summaries(job_id, new_resources[:limit])
    vanished_summary = (
        changes.resource_summaries(previous_id, vanished_resources[:limit])
        if previous_id is not None
        else {}
    )

    checks = sorted(
        changes.erroring_checks(job_id, previous_id),
        key=lambda c: (min(_rank(s) for s in c["severities"]), c["check_id"]),
    )

    shown_failing = [entry[3] for entry in failing[:limit]]
    shown_fixed = [(entry[3], entry[4]) for entry in fixed[:limit]]
    rows = changes.rows(
        [
            *shown_failing,
            *(rowid for pair in shown_fixed for rowid in pair),
            *(summary[2] for summary in new_summary.values()),
            *(summary[2] for summary in vanished_summary.values()),
            *(c["row_id"] for c in checks[:limit] if c["row_id"] is not None),
        ]
    )
    before_of = (
        changes.previous_of(shown_failing, job_id, previous_id) if previous_id is not None else {}
    )

    return {
        "job": job_shape(job),
        "previousJob": None if previous is None else job_shape(previous),
        "integrationName": job["integration_name"],
        "first": previous is None,
        "counts": {
            "newlyFailing": len(failing),
            "fixed": len(fixed),
            "newResources": len(new_resources),
            "vanishedResources": len(vanished_resources),
            "startedErroring": len(checks),
            "excepted": excepted,
        },
        "newlyFailing": [
            _changed(rows[rowid], before_of.get(rowid)) for rowid in shown_failing if rowid in rows
        ],
        "fixed": [
            _changed(rows[rowid], (rows[previous_rowid]["id"], rows[previous_rowid]["status"]))
            for rowid, previous_rowid in shown_fixed
            if rowid in rows and previous_rowid in rows
        ],
        "startedErroring": [_erroring(c, rows.get(c["row_id"])) for c in checks[:limit]],
        "newResources": _resources(new_resources[:limit], new_summary, rows),
        "vanishedResources": _resources(vanished_resources[:limit], vanished_summary, rows),
        "limit": limit,
    }


def _changed(row: dict[str, Any], before: tuple[str, str] | None) -> ChangedItem:
    return {
        "evidenceId": row["id"],
        "previousEvidenceId": None if before is None else before[0],
        "checkId": row["check_id"],
        "title": row["title"],
        "severity": row["severity"],
        "category": row["category"],
        "resourceId": row["resource_id"],
        "resourceType": row["resource_type"],
        "region": row["region"],
        "accountId": row["account_id"],
        "status": row["status"],
        "previousStatus": None if before is None else before[1],
        "message": row["message"],
    }


def _erroring(check: dict[str, Any], row: dict[str, Any] | None) -> ErroringCheck:
    severity = min(check["severities"], key=_rank)
    return {
        "checkId": check["check_id"],
        "title": check["title"],
        "severity": severity,
        "errors": int(check["count"]),
        "evidenceId": None if row is None else row["id"],
        "message": "" if row is None else row["message"],
    }


def _resources(
    resource_ids: list[str],
    summaries: dict[str, tuple[int, int, int]],
    rows: dict[int, dict[str, Any]],
) -> list[ResourceChange]:
    out: list[ResourceChange] = []
    for resource_id in resource_ids:
        items, failing, rowid = summaries.get(resource_id, (0, 0, -1))
        row = rows.get(rowid)
        if row is None:
            continue
        out.append(
            {
                "resourceId": resource_id,
                "resourceType": row["resource_type"],
                "region": row["region"],
                "accountId": row["account_id"],
                "evidenceId": row["id"],
                "items": items,
                "failing": failing,
            }
        )
    return out

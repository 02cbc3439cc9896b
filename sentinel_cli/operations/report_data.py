"""What an audit report shows, gathered from the store: the period's evidence, scores, policies,
accepted risks, populations and the score timeline, as plain data and row streams. The shape
itself (``ReportData``, ``Period``, the report types) is ``inventory.report``, below the renderer.

Kept apart from ``operations.reports`` (the use cases: generate, list, download, verify) and from
``rendering.reports`` (the PDF), so the renderer only draws and never queries, and the numbers a
report prints are the numbers the rest of Sentinel computes:

* **Period.** Whole UTC days: ``start`` 00:00:00Z to ``end`` 23:59:59Z, both inclusive. Only
  evidence collected inside it counts (``store.reports.period``), from every COMPLETED or PARTIAL
  collection, including those of integrations removed since (their evidence stays reportable).
* **Items.** Each (integration, check, resource) observed in the period appears once, as its
  latest observation in the period, with the number of observations, first/last failure and the
  time it passed again (remediated). Earlier observations are counted, not listed, which keeps a
  90-day report of daily collections the size of one collection.
* **Scores** reuse ``operations.compliance.compliance_from_counts`` over the period's items (a
  control is PASSING, FAILING, WARNING or NOT_COVERED exactly as ``evidence compliance`` decides,
  approved policies counting as evidence). The overall score and the score line are one
  computation, ``operations.dashboard.timeline`` restricted to collections started in the period
  (``SCORE_DEFINITION`` says it in the report): the overall score is the line's point at the end of
  the period (or now, if the period has not ended). Risk exceptions are those in force then.
* **Remediation SLA** per severity comes from the company profile's ``patchCriticalDays`` ...
  ``patchLowDays`` (the days the Vulnerability & Patch Management policy promises), else their
  template defaults; ``info`` findings have none. An open failure is overdue once its first
  failure in the period is older than its SLA at the end of the period.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sentinel_cli.errors import InvalidInput
from sentinel_cli.inventory.report import Period, ReportData
from sentinel_cli.store import Store
from sentinel_cli.store.reports import PeriodEvidence
from sentinel_cli.timeutil import parse_iso, parse_user_date, to_iso, utcnow
from sentinel_cli.wire import AUDIT_FRAMEWORKS, REPORT_TYPES, TimelinePoint

DEFAULT_PERIOD_DAYS = 90
MAX_PERIOD_DAYS = 3660
DEFAULT_ORGANISATION = "Your organisation"
SLA_FIELDS: dict[str, str] = {
    "critical": "patchCriticalDays",
    "high": "patchHighDays",
    "medium": "patchMediumDays",
    "low": "patchLowDays",
}
TOP_FAILING = 10


# -- the period ------------------------------------------------------------------------------


def _day(value: str | date | None, option: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    return parse_user_date(text, option=option).date()


def parse_period(
    period_start: str | date | None,
    period_end: str | date | None,
    *,
    now: datetime | None = None,
) -> Period:
    """The period asked for; default: the 90 days ending today (UTC). Dates or ISO timestamps
    are accepted, and a timestamp stands for its whole UTC day."""
    today = (now or utcnow()).astimezone(UTC).date()
    end = _day(period_end, "--period-end")
    start = _day(period_start, "--period-start")
    if end is None:
        end = max(today, start) if start is not None else today
    if start is None:
        start = end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if end < start:
        raise InvalidInput(
            f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})",
            hint="give --period-end on or after --period-start",
        )
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput(
            f"the period is longer than {MAX_PERIOD_DAYS} days",
            hint="audit periods are usually 3 to 12 months",
        )
    return Period(start, end)


def parse_report_type(report_type: str | None) -> str:
    """Canonical report type (case-insensitive, '-' or ' ' for '_'); unknown -> InvalidInput."""
    key = "_".join(str(report_type or "").strip().upper().replace("-", " ").split())
    if key not in REPORT_TYPES:
        shown = repr(report_type) if report_type else "(none)"
        raise InvalidInput(
            f"unknown report type {shown}; use one of {', '.join(REPORT_TYPES)}",
            hint=f"e.g. --type {REPORT_TYPES[0]}",
        )
    return key


def organisation_name(store: Store) -> str:
    from sentinel_cli.operations.policies import get_profile

    name = str(get_profile(store).get("companyName") or "").strip()
    return name or DEFAULT_ORGANISATION


def _integration_label(row: dict[str, Any]) -> str:
    kind = {"AWS": "AWS", "GITHUB": "GitHub"}.get(str(row["type"]), str(row["type"]))
    name = str(row.get("name") or "").strip()
    label = name if name.lower().startswith(kind.lower()) else f"{kind} {name}".strip()
    external = str(row.get("external_id") or "")
    return f"{label} ({external})" if external and external not in label else label


def _sla_days(store: Store) -> dict[str, int]:
    from sentinel_cli.operations.policies import get_profile
    from sentinel_cli.rendering.policies import load_fields

    profile = get_profile(store)
    fields = load_fields()
    out: dict[str, int] = {}
    for severity, name in SLA_FIELDS.items():
        value: Any = profile.get(name)
        if value is None and name in fields:
            value = fields[name].default
        try:
            out[severity] = int(value)
        except (TypeError, ValueError):
            continue
    return out


def _check_catalogue() -> dict[str, dict[str, Any]]:
    from sentinel_cli.checks import all_metadata

    return {
        cid: {
            "id": meta.id,
            "title": meta.title,
            "description": meta.description,
            "severity": meta.severity,
            "category": meta.category,
            "provider": meta.provider,
            "sources": list(meta.sources),
            "controls": meta.control_lists(),
        }
        for cid, meta in all_metadata().items()
    }


def gather(
    store: Store,
    evidence: PeriodEvidence,
    *,
    report_type: str,
    period: Period,
    generated_at: datetime,
) -> ReportData:
    """Read everything but the item rows for a report over ``period`` (see module docstring)."""
    from sentinel_cli.frameworks import framework_ids, load_framework
    from sentinel_cli.operations.compliance import compliance_from_counts
    from sentinel_cli.operations.dashboard import trend_of
    from sentinel_cli.operations.evidence_query import Scope
    from sentinel_cli.operations.exceptions import exception_shape
    from sentinel_cli.operations.policies import list_policies, policy_compliance_source
    from sentinel_cli.store.queries import NO_EXCEPTIONS

    generated_iso = to_iso(generated_at)
    as_of = min(period.end_iso, generated_iso)
    as_of_moment = parse_iso(as_of)
    integrations = evidence.integrations()
    data = ReportData(
        report_type=report_type,
        organisation=organisation_name(store),
        period=period,
        generated_at=generated_iso,
        evidence=evidence,
        integrations=integrations,
        labels={row["id"]: _integration_label(row) for row in integrations},
    )
    data.totals = evidence.totals()
    data.status_counts = evidence.status_counts()
    data.failing_by_severity = evidence.failing_by_severity()
    data.checks = _check_catalogue()

    rows, excepted_rows = evidence.counts(), evidence.counts(excepted_only=True)
    data.as_of = as_of
    for row in rows:
        bucket = data.status_by_severity.setdefault(row["severity"], {})
        bucket[row["status"]] = bucket.get(row["status"], 0) + int(row["count"])
    for row in excepted_rows:
        bucket = data.status_by_severity.setdefault(row["severity"], {})
        bucket["excepted"] = bucket.get("excepted", 0) + int(row["count"])
    scope = Scope(at=as_of, as_of=as_of, jobs=(), rules=NO_EXCEPTIONS)
    policy_source = policy_compliance_source(store, now=as_of_moment)
    # An audit report walks its frameworks; the executive summary scores every framework.
    for fid in AUDIT_FRAMEWORKS.get(report_type) or framework_ids():
        summary = compliance_from_counts(
            store,
            load_framework(fid),
            scope,
            rows=rows,
            excepted_rows=excepted_rows,
            extra_sources=(policy_source,),
            evidence_ids_limit=0,
            include_catalogue=True,
            with_controls=True,
        )
        summary["controlChecks"] = evidence.control_checks(fid)
        data.frameworks[fid] = summary

    data.policies = list_policies(store, now=as_of_moment)
    data.overdue_reviews = [p for p in data.policies if p.get("reviewOverdue")]
    data.accepted_risks = [
        exception_shape(row, at=as_of)
        for row in store.exceptions.active_between(period.start_iso, period.end_iso)
    ]
    data.accepted_risks.sort(key=lambda e: (e["checkId"], e["resourcePattern"], e["expiresAt"]))
    data.expired_risks = [e for e in data.accepted_risks if e["state"] == "EXPIRED"]
    data.sla_days = _sla_days(store)

    overdue: list[dict[str, Any]] = []
    count = 0
    for item in evidence.failures(statuses=("FAIL",)):
        if item.get("exception_id"):
            continue
        due = data.sla_due(item)
        if due is not None and due < as_of:
            count += 1
            if len(overdue) < TOP_FAILING:
                overdue.append({**item, "sla_due": due})
    data.overdue_failures, data.overdue_failure_count = overdue, count
    data.top_failing = evidence.top_failing(TOP_FAILING)

    whole_line = report_type == "EXECUTIVE_SUMMARY"
    line = _score_line(store, period, as_of_moment, whole=whole_line) if data.has_evidence else []
    data.end_state = line[-1] if line else None
    data.overall_score = data.end_state["score"] if data.end_state else None
    if whole_line:
        data.timeline = line
        data.trend = trend_of(data.timeline)
        data.previous = store.reports.previous_completed(report_type, before=generated_iso)
    return data


def _score_line(
    store: Store, period: Period, as_of: datetime, *, whole: bool
) -> list[TimelinePoint]:
    """The dashboard's daily score counting only collections started in the period, from the
    first day with one to the day of ``as_of`` (whose point is the state at ``as_of``); only that
    last point unless ``whole``. See ``SCORE_DEFINITION``."""
    from sentinel_cli.operations.dashboard import timeline

    last_day = as_of.astimezone(UTC).date()
    if last_day < period.start:
        return []
    days = (last_day - period.start).days + 1 if whole else 1
    points = timeline(store, now=as_of, days=days, since=period.start_iso)
    first = next((i for i, p in enumerate(points) if p["score"] is not None), len(points))
    return points[first:]


__all__ = [
    "DEFAULT_ORGANISATION",
    "REPORT_TYPES",
    "Period",
    "ReportData",
    "gather",
    "organisation_name",
    "parse_period",
    "parse_report_type",
]

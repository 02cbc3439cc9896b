"""The dashboard (``GET /api/dashboard/stats``): overview, frameworks, categories, recent activity,
top issues, a 30-day score timeline and its trend.

Definitions (also in the README):

- ``overview``: counts of the current evidence items. ``passingChecks`` = PASS items plus excepted
  FAIL/WARNING items (an accepted risk is a decision, not an open finding; ``exceptedChecks`` shows
  how many), ``failingChecks`` / ``warningChecks`` = FAIL / WARNING items not excepted,
  ``complianceScore`` = passingChecks / totalChecks × 100 rounded to one decimal (``None`` with no
  evidence).
- ``timeline``: one point per day (oldest first) with the score of the state *as of the end of that
  day* (today: as of now), from the per-job counts the collection jobs already hold plus, only when
  exceptions were in force, the excepted items of those jobs. It never reads every item of every
  day. Days before the first collection have ``score: None``.
- ``trend``: the last minus the first timeline score with data; ``improving`` at +2 points or more,
  ``declining`` at -2 or less, else ``stable`` (also with fewer than two days of data). Two points
  keep one flaky resource from flipping the arrow on small estates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sentinel_cli.errors import InvalidInput
from sentinel_cli.operations.compliance import compliance_from_counts, default_sources
from sentinel_cli.operations.control_evidence import ComplianceSource
from sentinel_cli.operations.evidence_query import resolve_scope
from sentinel_cli.operations.exceptions import EXCEPTABLE_STATUSES
from sentinel_cli.operations.shapes import item_shape, score
from sentinel_cli.store import Store
from sentinel_cli.store.queries import EvidenceFilter, ExceptionRules
from sentinel_cli.timeutil import to_iso, utcnow
from sentinel_cli.wire import (
    Activity,
    CategoryScore,
    Dashboard,
    FrameworkScore,
    Overview,
    TimelinePoint,
)

TIMELINE_DAYS = 30
TREND_THRESHOLD = 2.0
ISSUES_LIMIT = 10
ACTIVITY_LIMIT = 10
MAX_ACTIVITY = 1000


MAX_DAYS = 365
_CATEGORY_COUNT: dict[str, Literal["passing", "failing", "warning", "error"]] = {
    "PASS": "passing",
    "FAIL": "failing",
    "WARNING": "warning",
    "ERROR": "error",
}


def parse_days(value: int | str | None) -> int:
    """``--days``: 1 to 365, default 30."""
    if value is None:
        return TIMELINE_DAYS
    try:
        days = int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"--days: {value!r} is not a whole number") from None
    if days < 1 or days > MAX_DAYS:
        raise InvalidInput(f"--days must be between 1 and {MAX_DAYS} (got {days})")
    return days


def trend_of(timeline: Sequence[TimelinePoint], threshold: float = TREND_THRESHOLD) -> str:
    scores = [p["score"] for p in timeline if p["score"] is not None]
    if len(scores) < 2:
        return "stable"
    delta = scores[-1] - scores[0]
    if delta >= threshold:
        return "improving"
    if delta <= -threshold:
        return "declining"
    return "stable"


def _active(exc: dict[str, Any], at: str) -> bool:
    return (
        exc["created_at"] <= at
        and exc["expires_at"] >= at
        and (exc.get("removed_at") is None or exc["removed_at"] > at)
    )


def timeline(
    store: Store,
    *,
    now: datetime | None = None,
    days: int = TIMELINE_DAYS,
    since: str | None = None,
) -> list[TimelinePoint]:
    """Score per day over the last ``days`` days, replaying job history (see module docstring).

    ``since`` (ISO) counts only collections started at or after it: a report's period."""
    moment = (now or utcnow()).astimezone(UTC)
    now_iso = to_iso(moment)
    today = moment.date()
    first_day = today - timedelta(days=days - 1)
    jobs = store.queries.finished_jobs(now_iso, since=since)
    exceptions = store.exceptions.active_between(f"{first_day.isoformat()}T00:00:00Z", now_iso)
    excepted_cache: dict[tuple[str, tuple[str, ...]], dict[str, int]] = {}

    latest: dict[str, dict[str, Any]] = {}
    cursor = 0
    points: list[TimelinePoint] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        at = now_iso if day == today else f"{day.isoformat()}T23:59:59Z"
        while cursor < len(jobs) and jobs[cursor]["finished_at"] <= at:
            latest[jobs[cursor]["integration_id"]] = jobs[cursor]
            cursor += 1
        in_effect = [j for j in latest.values() if j["removed_at"] is None or j["removed_at"] > at]
        total = sum(int(j["total_count"]) for j in in_effect)
        passing = sum(int(j["pass_count"]) for j in in_effect)
        failing = sum(int(j["fail_count"]) for j in in_effect)
        warning = sum(int(j["warning_count"]) for j in in_effect)
        active = tuple(e for e in exceptions if _active(e, at))
        if active:
            rules = ExceptionRules(active, EXCEPTABLE_STATUSES)
            key_ids = tuple(e["id"] for e in active)
            for job in in_effect:
                key = (job["job_id"], key_ids)
                if key not in excepted_cache:
                    by_status: dict[str, int] = {}
                    for row in store.queries.excepted_counts([job["job_id"]], rules):
                        by_status[row["status"]] = by_status.get(row["status"], 0) + int(
                            row["count"]
                        )
                    excepted_cache[key] = by_status
                excepted = excepted_cache[key]
                passing += sum(excepted.values())
                failing -= excepted.get("FAIL", 0)
                warning -= excepted.get("WARNING", 0)
        points.append(
            {
                "date": day.isoformat(),
                "score": score(passing, total),
                "total": total,
                "passing": passing,
                "failing": failing,
                "warning": warning,
            }
        )
    return points


def _activity_shape(row: dict[str, Any]) -> Activity:
    return {
        "id": row["id"],
        "at": row["at"],
        "action": row["action"],
        "message": row["message"],
        "actor": row.get("actor"),
        "targetType": row.get("target_type"),
        "targetId": row.get("target_id"),
        "details": row.get("details") or {},
    }


def list_activity(store: Store, *, limit: int = 50) -> list[Activity]:
    """The activity log, newest first: who connected, collected, generated, approved, excepted or
    changed what (the audit trail behind the dashboard's recent activity)."""
    if not 1 <= limit <= MAX_ACTIVITY:
        raise InvalidInput(f"--limit must be between 1 and {MAX_ACTIVITY} (got {limit})")
    return [_activity_shape(a) for a in store.activity.recent(limit)]


def dashboard(
    store: Store,
    *,
    now: datetime | None = None,
    days: int | str | None = TIMELINE_DAYS,
    extra_sources: Sequence[ComplianceSource] | None = None,
) -> Dashboard:
    """The spec's dashboard object: overview, frameworks, categories, recentActivity, issues,
    timeline, trend. Framework scores count approved policies as control evidence, as
    ``evidence compliance`` does (``extra_sources=()`` turns that off). ``days`` is checked here
    (``--days`` / ``?days=``, as typed)."""
    days = parse_days(days)
    from sentinel_cli.frameworks import all_frameworks

    extra_sources = default_sources(store, extra_sources, now=now)

    scope = resolve_scope(store, now=now)
    rows = store.queries.check_counts(scope.job_ids)
    excepted_rows = store.queries.excepted_counts(scope.job_ids, scope.rules)

    by_status = {"PASS": 0, "FAIL": 0, "WARNING": 0, "ERROR": 0}
    categories: dict[str, CategoryScore] = {}
    for row in rows:
        n = int(row["count"])
        by_status[row["status"]] += n
        cat = categories.setdefault(
            row["category"],
            {
                "total": 0,
                "passing": 0,
                "failing": 0,
                "warning": 0,
                "error": 0,
                "excepted": 0,
                "score": None,  # set once every row is counted
            },
        )
        cat["total"] += n
        cat[_CATEGORY_COUNT[row["status"]]] += n
    excepted = {"FAIL": 0, "WARNING": 0}
    for row in excepted_rows:
        n = int(row["count"])
        excepted[row["status"]] = excepted.get(row["status"], 0) + n
        cat = categories[row["category"]]
        cat["excepted"] += n
        cat["passing"] += n
        cat["failing" if row["status"] == "FAIL" else "warning"] -= n
    for cat in categories.values():
        cat["score"] = score(cat["passing"], cat["total"])

    total = sum(by_status.values())
    excepted_total = sum(excepted.values())
    passing = by_status["PASS"] + excepted_total
    overview: Overview = {
        "totalChecks": total,
        "passingChecks": passing,
        "failingChecks": by_status["FAIL"] - excepted.get("FAIL", 0),
        "warningChecks": by_status["WARNING"] - excepted.get("WARNING", 0),
        "errorChecks": by_status["ERROR"],
        "exceptedChecks": excepted_total,
        "complianceScore": score(passing, total),
    }

    frameworks: list[FrameworkScore] = []
    for framework in all_frameworks():
        summary = compliance_from_counts(
            store,
            framework,
            scope,
            rows=rows,
            excepted_rows=excepted_rows,
            extra_sources=extra_sources,
            evidence_ids_limit=0,
            include_catalogue=False,
            with_controls=False,
        )
        totals = summary["totals"]
        frameworks.append(
            {
                "id": framework.id,
                "name": summary["framework"]["name"],
                "score": summary["score"],
                "totalControls": totals["controls"],
                "coveredControls": totals["covered"],
                "passingControls": totals["passing"],
                "failingControls": totals["failing"],
                "warningControls": totals["warning"],
                "notCoveredControls": totals["notCovered"],
            }
        )

    issues_filter = EvidenceFilter(job_ids=scope.job_ids, statuses=("FAIL",))
    issues = [
        item_shape(r, scope.rules)
        for r in store.queries.page(
            issues_filter, rules=scope.rules, limit=ISSUES_LIMIT, exclude_excepted=True
        )
    ]
    points = timeline(store, now=now, days=days)
    return {
        "overview": overview,
        "frameworks": frameworks,
        "categories": dict(sorted(categories.items(), key=lambda kv: (-kv[1]["failing"], kv[0]))),
        "recentActivity": [_activity_shape(a) for a in store.activity.recent(ACTIVITY_LIMIT)],
        "issues": issues,
        "timeline": points,
        "trend": trend_of(points),
    }


__all__ = ["dashboard", "list_activity", "parse_days", "timeline", "trend_of"]

"""What an audit report shows, as the renderer takes it: the audit ``Period``,
``ReportData`` (everything but the item rows) and ``EvidenceRows``, the row streams the item
tables are drawn from.

``operations.report_data`` fills a ``ReportData`` from the store; ``rendering.reports`` and
``rendering.report_executive`` draw it. The shape lives here, in the inventory layer below both,
so the renderer depends on data and never on the operations or the store (the import contracts
in pyproject.toml keep it so). ``EvidenceRows`` is a protocol: the store's ``PeriodEvidence``
provides it, and a test can hand in lists.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from sentinel_cli import __version__
from sentinel_cli.timeutil import parse_iso, to_iso
from sentinel_cli.wire import Policy, RiskException, TimelinePoint

POPULATION_CHECK = "github_change_review_population"
# What the overall score is, printed in every report (the executive summary's score line applies
# the same definition at the end of each day).
SCORE_DEFINITION = (
    "items passing or accepted as risks / all items (passing, failing, warning and not "
    "evaluated) of each integration's latest collection in the period, at the end of the period "
    "(or now, if it has not ended)"
)


@dataclass(frozen=True)
class Period:
    """An audit period of whole UTC days, both ends inclusive."""

    start: date
    end: date

    @property
    def start_iso(self) -> str:
        return f"{self.start.isoformat()}T00:00:00Z"

    @property
    def end_iso(self) -> str:
        return f"{self.end.isoformat()}T23:59:59Z"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


class EvidenceRows(Protocol):
    """The period's evidence items as the renderer reads them: row streams in ``ref`` order, so a
    table holds one row at a time (``store.reports.PeriodEvidence`` is the implementation)."""

    def items(self) -> Iterator[dict[str, Any]]: ...

    def items_for_control(self, framework: str, control_id: str) -> Iterator[dict[str, Any]]: ...

    def check_ranges(self) -> list[dict[str, Any]]: ...

    def failures(self, *, statuses: Sequence[str] = ()) -> Iterator[dict[str, Any]]: ...

    def manifest(self) -> Iterator[tuple[int, str, str, str]]: ...

    def raw_versions(self, check_id: str) -> Iterator[dict[str, Any]]: ...


@dataclass
class ReportData:
    """Everything a report prints except the item rows, which stream from ``evidence``."""

    report_type: str
    organisation: str
    period: Period
    generated_at: str
    evidence: EvidenceRows
    version: str = __version__
    integrations: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    status_counts: dict[str, int] = field(default_factory=dict)
    failing_by_severity: dict[str, int] = field(default_factory=dict)
    status_by_severity: dict[str, dict[str, int]] = field(default_factory=dict)
    as_of: str = ""
    overall_score: float | None = None
    end_state: TimelinePoint | None = None
    frameworks: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Framework id -> its compliance summary over the period, for the frameworks the report
    covers, in the order it presents them."""
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: list[Policy] = field(default_factory=list)
    accepted_risks: list[RiskException] = field(default_factory=list)
    timeline: list[TimelinePoint] = field(default_factory=list)
    trend: str = "stable"
    previous: dict[str, Any] | None = None
    sla_days: dict[str, int] = field(default_factory=dict)
    overdue_failures: list[dict[str, Any]] = field(default_factory=list)
    overdue_failure_count: int = 0
    overdue_reviews: list[Policy] = field(default_factory=list)
    expired_risks: list[RiskException] = field(default_factory=list)
    top_failing: list[dict[str, Any]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def has_evidence(self) -> bool:
        return int(self.totals.get("items") or 0) > 0

    @property
    def collections(self) -> int:
        return sum(int(i["collections"]) for i in self.integrations)

    def label(self, integration_id: str) -> str:
        return self.labels.get(integration_id, integration_id[:8])

    def sla_due(self, item: dict[str, Any]) -> str | None:
        """When an item's first failure in the period must be fixed by (ISO), or None."""
        days = self.sla_days.get(str(item.get("severity")))
        if days is None or not item.get("first_fail"):
            return None
        return to_iso(parse_iso(str(item["first_fail"])) + timedelta(days=days))

    def populations(self) -> Iterator[dict[str, Any]]:
        """Per repository: the merged pull requests of the period (the union of every collection
        of the change-review population in the period, each PR once, latest data winning),
        oldest merge first. One repository's population is in memory at a time."""
        current: tuple[str, str] | None = None
        entries: dict[Any, dict[str, Any]] = {}
        windows: list[tuple[str, str]] = []
        for version in self.evidence.raw_versions(POPULATION_CHECK):
            key = (version["integration_id"], version["resource_id"])
            if key != current:
                if current is not None:
                    yield self._population(current, entries, windows)
                current, entries, windows = key, {}, []
            try:
                raw = json.loads(version["data"])
            except ValueError:
                continue
            # Collected raw data is {"result": message, "data": the check's data}.
            payload = raw.get("data") if isinstance(raw, dict) else None
            if not isinstance(payload, dict):
                continue
            window = payload.get("period") or {}
            windows.append((str(window.get("since") or ""), str(window.get("until") or "")))
            reasons = {
                e.get("number"): e.get("reason")
                for e in payload.get("exceptions") or []
                if isinstance(e, dict)
            }
            for pr in payload.get("population") or []:
                if isinstance(pr, dict):
                    entries[pr.get("number")] = {**pr, "reason": reasons.get(pr.get("number"))}
        if current is not None:
            yield self._population(current, entries, windows)

    def _population(
        self,
        key: tuple[str, str],
        entries: dict[Any, dict[str, Any]],
        windows: list[tuple[str, str]],
    ) -> dict[str, Any]:
        start, end = self.period.start_iso, self.period.end_iso
        inside = [
            pr for pr in entries.values() if start <= str(pr.get("mergedAt") or "")[:20] <= end
        ]
        inside.sort(key=lambda pr: (str(pr.get("mergedAt") or ""), str(pr.get("number"))))
        since = min((w[0] for w in windows if w[0]), default="")
        until = max((w[1] for w in windows if w[1]), default="")
        return {
            "integration": self.label(key[0]),
            "resource": key[1],
            "pulls": inside,
            "collectedSince": since,
            "collectedUntil": until,
            "unreviewed": sum(1 for pr in inside if not pr.get("approvers")),
        }


__all__ = [
    "POPULATION_CHECK",
    "SCORE_DEFINITION",
    "EvidenceRows",
    "Period",
    "ReportData",
]

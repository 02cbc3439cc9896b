"""The per-framework compliance summary: every control with its status, counts and evidence ids,
and the framework's score. The dashboard and the period reports score through
``compliance_from_counts`` so a score means the same everywhere.

Status per control: FAILING when any non-excepted FAIL, WARNING when any non-excepted WARNING or
any ERROR (an error is never a pass), PASSING when every item passes or is excepted, NOT_COVERED
when no current evidence maps to the control (``checks`` then says whether a catalogued check maps
to it but found nothing to evaluate). Score = passing / covered × 100, one decimal; ``None`` while
nothing is covered. Excepted items count as passing (an accepted risk is a decision, not an open
finding); counts show them separately. Other evidence sources (policies) plug in through
``extra_sources``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sentinel_cli.errors import InvalidInput
from sentinel_cli.operations.control_evidence import ComplianceSource, ControlEvidence
from sentinel_cli.operations.evidence_query import Scope, resolve_scope
from sentinel_cli.operations.shapes import score
from sentinel_cli.store import Store
from sentinel_cli.store.queries import STATUS_ORDER

EVIDENCE_IDS_LIMIT = 100
"""Evidence ids listed per control by ``compliance`` unless every id is asked for."""


def default_sources(
    store: Store, sources: Sequence[ComplianceSource] | None, *, now: datetime | None = None
) -> Sequence[ComplianceSource]:
    """``sources`` as given, or by default the approved policies in force (policy evidence)."""
    if sources is not None:
        return sources
    from sentinel_cli.operations.policies import policy_compliance_source

    return (policy_compliance_source(store, now=now),)


def _new_counts() -> dict[str, int]:
    return {"total": 0, "pass": 0, "fail": 0, "warning": 0, "error": 0, "excepted": 0}


_COUNT_KEY = {"PASS": "pass", "FAIL": "fail", "WARNING": "warning", "ERROR": "error"}


@dataclass
class _ControlTally:
    counts: dict[str, int] = field(default_factory=_new_counts)
    excepted_by_status: dict[str, int] = field(default_factory=dict)
    checks: set[str] = field(default_factory=set)
    groups: list[tuple[str, str, str, str, int]] = field(default_factory=list)
    """(job_id, check_id, status, severity, count): where to fetch evidence ids from."""
    extra: list[ControlEvidence] = field(default_factory=list)

    def status(self) -> str:
        c = self.counts
        if c["total"] == 0:
            return "NOT_COVERED"
        if c["fail"] - self.excepted_by_status.get("FAIL", 0) > 0:
            return "FAILING"
        if c["warning"] - self.excepted_by_status.get("WARNING", 0) > 0 or c["error"] > 0:
            return "WARNING"
        return "PASSING"


def _tally(
    framework: Any,
    rows: Sequence[dict[str, Any]],
    excepted_rows: Sequence[dict[str, Any]],
    extra: Sequence[ControlEvidence],
) -> dict[str, _ControlTally]:
    tallies = {cid: _ControlTally() for cid in framework.controls}
    for row in rows:
        n = int(row["count"])
        for cid in row["controls"].get(framework.id) or []:
            tally = tallies.get(cid)
            if tally is None:  # a mapping to a control the framework does not define
                continue
            tally.counts["total"] += n
            tally.counts[_COUNT_KEY[row["status"]]] += n
            tally.checks.add(row["check_id"])
            tally.groups.append((row["job_id"], row["check_id"], row["status"], row["severity"], n))
    for row in excepted_rows:
        n = int(row["count"])
        for cid in row["controls"].get(framework.id) or []:
            tally = tallies.get(cid)
            if tally is not None:
                tally.counts["excepted"] += n
                tally.excepted_by_status[row["status"]] = (
                    tally.excepted_by_status.get(row["status"], 0) + n
                )
    for ev in extra:
        tally = tallies.get(ev.control_id)
        if tally is None:
            continue
        tally.counts["total"] += 1
        tally.counts[_COUNT_KEY[ev.status]] += 1
        if ev.excepted:
            tally.counts["excepted"] += 1
            tally.excepted_by_status[ev.status] = tally.excepted_by_status.get(ev.status, 0) + 1
        tally.extra.append(ev)
    return tallies


def _evidence_ids(
    store: Store,
    tally: _ControlTally,
    limit: int | None,
    cache: dict[tuple[str, ...], list[str]],
    account_id: str | None = None,
) -> tuple[list[str], bool]:
    """Ids of a control's evidence, failing first, at most ``limit`` (None: all)."""
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    ids: list[str] = []
    extra = sorted(tally.extra, key=lambda e: rank.get(e.status, 9))
    groups = sorted(tally.groups, key=lambda g: (rank.get(g[2], 9), g[1], g[0]))
    total = tally.counts["total"]
    for ev in extra:
        ids.append(ev.evidence_id)
    for job_id, check_id, status, severity, _n in groups:
        if limit is not None and len(ids) >= limit:
            break
        key = (job_id, check_id, status, severity)
        if key not in cache:
            cache[key] = store.queries.ids_for(
                job_id, check_id, status, severity, limit=limit, account_id=account_id
            )
        ids.extend(cache[key])
    if limit is not None:
        ids = ids[:limit]
    return ids, len(ids) < total


def _catalogue_checks(framework_id: str) -> dict[str, set[str]]:
    """control id -> ids of catalogued checks mapping to it."""
    from sentinel_cli.checks import all_metadata

    out: dict[str, set[str]] = {}
    seen: set[str] = set()
    for meta in all_metadata().values():
        if meta.id in seen:
            continue
        seen.add(meta.id)
        for cid in meta.controls.get(framework_id, []):
            out.setdefault(cid, set()).add(meta.id)
    return out


def compliance_summary(
    store: Store,
    *,
    framework: str | None,
    integration: str | None = None,
    account: str | None = None,
    as_of: str | None = None,
    now: datetime | None = None,
    extra_sources: Sequence[ComplianceSource] | None = None,
    evidence_ids_limit: int | None = EVIDENCE_IDS_LIMIT,
    include_catalogue: bool = True,
    all_ids: bool = False,
) -> dict[str, Any]:
    """Every control of ``framework`` with its status, counts and evidence ids, plus the score.

    ``extra_sources`` defaults to the approved policies in force (a policy is evidence for the
    controls it satisfies); pass ``()`` for automated evidence only.

    ``account`` keeps one AWS account's items (an organisation's member, say).

    ``evidence_ids_limit`` caps the ids listed per control (failing first; ``None`` lists all):
    a control mapped by many checks can have tens of thousands of items, and the full list is one
    ``sentinel evidence list --framework F --control C`` away; ``all_ids`` lifts the cap.
    """
    if all_ids:
        evidence_ids_limit = None
    if framework is None or not str(framework).strip():
        from sentinel_cli.frameworks import framework_ids

        raise InvalidInput("--framework is required; allowed values: " + ", ".join(framework_ids()))
    from sentinel_cli.frameworks import load_framework

    fw = load_framework(framework)
    scope = resolve_scope(store, integration=integration, account=account, as_of=as_of, now=now)
    return compliance_from_counts(
        store,
        fw,
        scope,
        rows=store.queries.check_counts(scope.job_ids, account_id=scope.account_id),
        excepted_rows=store.queries.excepted_counts(
            scope.job_ids, scope.rules, account_id=scope.account_id
        ),
        extra_sources=default_sources(store, extra_sources, now=now),
        evidence_ids_limit=evidence_ids_limit,
        include_catalogue=include_catalogue,
        with_controls=True,
    )


def compliance_from_counts(
    store: Store,
    fw: Any,
    scope: Scope,
    *,
    rows: Sequence[dict[str, Any]],
    excepted_rows: Sequence[dict[str, Any]],
    extra_sources: Sequence[ComplianceSource],
    evidence_ids_limit: int | None,
    include_catalogue: bool,
    with_controls: bool,
) -> dict[str, Any]:
    extra = [ev for source in extra_sources for ev in source(fw.id)]
    tallies = _tally(fw, rows, excepted_rows, extra)
    catalogued = _catalogue_checks(fw.id) if include_catalogue else {}
    status_totals = {"PASSING": 0, "FAILING": 0, "WARNING": 0, "NOT_COVERED": 0}
    controls: list[dict[str, Any]] = []
    cache: dict[tuple[str, ...], list[str]] = {}
    for cid, control in fw.controls.items():
        tally = tallies[cid]
        status = tally.status()
        status_totals[status] += 1
        if not with_controls:
            continue
        ids, truncated = (
            _evidence_ids(store, tally, evidence_ids_limit, cache, scope.account_id)
            if evidence_ids_limit != 0
            else ([], tally.counts["total"] > 0)
        )
        controls.append(
            {
                "id": cid,
                "title": control.title,
                "category": control.category,
                "group": control.group,
                "status": status,
                "counts": dict(tally.counts),
                "checks": sorted(tally.checks | catalogued.get(cid, set())),
                "sources": sorted({"checks"} if tally.checks else set())
                + sorted({ev.source for ev in tally.extra}),
                "evidenceIds": ids,
                "evidenceIdsTruncated": truncated,
                "policies": [
                    {
                        "id": ev.evidence_id,
                        "title": ev.title,
                        "status": ev.status,
                        "reason": ev.reason,
                    }
                    for ev in tally.extra
                    if ev.source == "policy"
                ],
            }
        )
    covered = len(fw.controls) - status_totals["NOT_COVERED"]
    # Items mapped to any control of the framework, each counted once.
    evidence = _new_counts()
    excepted_total = 0
    for row in rows:
        if any(c in fw.controls for c in row["controls"].get(fw.id) or []):
            evidence["total"] += int(row["count"])
            evidence[_COUNT_KEY[row["status"]]] += int(row["count"])
    for row in excepted_rows:
        if any(c in fw.controls for c in row["controls"].get(fw.id) or []):
            excepted_total += int(row["count"])
    evidence["excepted"] = excepted_total
    result: dict[str, Any] = {
        "framework": {"id": fw.id, "name": fw.name, "version": fw.version, "label": fw.label},
        "asOf": scope.as_of,
        "score": score(status_totals["PASSING"], covered),
        "totals": {
            "controls": len(fw.controls),
            "covered": covered,
            "passing": status_totals["PASSING"],
            "failing": status_totals["FAILING"],
            "warning": status_totals["WARNING"],
            "notCovered": status_totals["NOT_COVERED"],
            "evidence": evidence,
        },
    }
    if with_controls:
        result["controls"] = controls
    return result

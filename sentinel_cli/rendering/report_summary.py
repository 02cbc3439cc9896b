"""The opening of an audit report: its cover page and its summary section.

The cover names the organisation, the system (the integrations evidenced), the scope and the
frameworks, each framework's categories in scope (a category whose groups are all optional only
when something covers it) and the period; its note says what the report covers and how to verify
the file. The summary gives the scores, what failed in the period and what became of it, the items
by status and severity, and the integrations collected.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sentinel_cli.frameworks import Framework
from sentinel_cli.inventory.report import SCORE_DEFINITION
from sentinel_cli.rendering.pdf import Span
from sentinel_cli.rendering.report_audit import AuditReport, when
from sentinel_cli.rendering.report_format import columns, framework_label, percent, plural
from sentinel_cli.wire import SEVERITIES, STATUSES

if TYPE_CHECKING:
    from sentinel_cli.rendering.pdf import Cell, SectionLayout


def cover(report: AuditReport) -> None:
    data = report.data
    integrations = data.integrations
    by_type: dict[str, int] = {}
    for row in integrations:
        by_type[row["type"]] = by_type.get(row["type"], 0) + 1
    kinds = {"AWS": "AWS account", "GITHUB": "GitHub organisation"}
    estate = ", ".join(plural(n, kinds.get(t, t.title())) for t, n in sorted(by_type.items()))
    system = (
        f"{data.organisation}'s systems evidenced by Sentinel: {estate}"
        if estate
        else "No integration was collected in this period"
    )
    in_scope = "; ".join(
        f"{data.label(row['id'])}: {plural(int(row['collections']), 'collection')}"
        + (" (integration since removed)" if row.get("removed_at") else "")
        for row in integrations
    )
    frameworks = report.frameworks()
    values = {
        "Organisation": data.organisation,
        "System": system,
        "Scope": "; ".join(f.name for f in frameworks)
        + " controls, as evidenced for: "
        + (estate or "—"),
        "Frameworks": "; ".join(f.citation for f in frameworks),
        **{
            f.scope_label: _categories_in_scope(f, data.frameworks[f.id])
            for f in frameworks
            if f.scope_label
        },
        "Period": f"{data.period.start.isoformat()} to {data.period.end.isoformat()} "
        "(UTC, both days included)",
        "Generated at (UTC)": data.generated_at,
        "Sentinel version": data.version,
        "Integrations in scope": in_scope or "None",
    }
    fields = [(label, values.get(label, "")) for label in report.spec.cover_fields]
    note = (
        "This report covers only evidence collected inside the period "
        f"({data.period.start_iso} to {data.period.end_iso}): "
        f"{plural(data.collections, 'collection')} of "
        f"{plural(len(integrations), 'integration')}. Each evidence item is the latest "
        "observation in the period of one check on one resource. "
        "The SHA-256 of this PDF is recorded in the Sentinel store: verify a copy with "
        "'sentinel reports verify FILE'."
    )
    if report.report_id:
        note += f" Report id: {report.report_id}."
    report.doc.cover_page(report.spec.title, data.organisation, fields, note=note)


def summary(report: AuditReport, section: SectionLayout) -> None:
    doc, data = report.doc, report.data
    report.open(section)
    totals = data.totals
    if not data.has_evidence:
        doc.note(
            f"No evidence was collected between {data.period.start.isoformat()} and "
            f"{data.period.end.isoformat()}. Every control below is therefore not covered by "
            "automated evidence for this period. Run 'sentinel collect' during the period, or "
            "choose a period in which collections ran ('sentinel integrations jobs ID' lists "
            "them).",
            "warning",
            title="No evidence in this period",
        )
    items, observations = int(totals.get("items") or 0), int(totals.get("observations") or 0)
    failed = int(totals.get("failed_in_period") or 0)
    fixed = int(totals.get("remediated") or 0)
    open_now = data.status_counts.get("FAIL", 0) - int(totals.get("excepted_fail") or 0)
    rows: list[tuple[str, str]] = [
        (
            "Evidence items",
            f"{items:,} (one per check, resource and region; {observations:,} observations in "
            f"{plural(data.collections, 'collection')})",
        ),
        ("Overall score", f"{percent(data.overall_score)} = {SCORE_DEFINITION}"),
    ]
    for fid, summary in data.frameworks.items():
        t = summary["totals"]
        rows.append(
            (
                f"{framework_label(fid)} score",
                f"{percent(summary['score'])} of covered controls passing — "
                f"{t['covered']} of {t['controls']} controls covered: {t['passing']} passing, "
                f"{t['failing']} failing, {t['warning']} warning; {t['notCovered']} not "
                "covered by automated evidence or policy",
            )
        )
    accepted = int(totals.get("excepted_fail") or 0)
    rows.append(
        (
            "Failed in the period",
            f"{plural(failed, 'item')}: {fixed:,} fixed by the end of the period, "
            f"{max(open_now, 0):,} still failing ({data.overdue_failure_count:,} past their "
            f"remediation SLA), {accepted:,} accepted as "
            + ("a risk" if accepted == 1 else "risks"),
        )
    )
    rows.append(("Accepted risks", f"{len(data.accepted_risks):,} in force during the period"))
    doc.key_values(rows)
    doc.heading("Evidence items by status and severity", 2)
    doc.table(columns(doc, "report_status_counts"), _status_rows(report), zebra=True)
    doc.heading("Integrations in scope", 2)
    doc.table(
        columns(doc, "report_integrations"),
        (
            [
                data.label(row["id"]),
                {"AWS": "AWS", "GITHUB": "GitHub"}.get(row["type"], row["type"]),
                str(row["collections"]),
                when(row["first_collection"]),
                when(row["last_collection"]),
            ]
            for row in data.integrations
        ),
        empty_text="No integration was collected in this period.",
    )


def _status_rows(report: AuditReport) -> Iterator[list[Cell]]:
    table = report.data.status_by_severity
    totals = dict.fromkeys([*STATUSES, "excepted", "total"], 0)
    for severity in SEVERITIES:
        counts = table.get(severity, {})
        row_total = sum(counts.get(s, 0) for s in STATUSES)
        for s in STATUSES:
            totals[s] += counts.get(s, 0)
        totals["excepted"] += counts.get("excepted", 0)
        totals["total"] += row_total
        yield [
            severity,
            *(f"{counts.get(s, 0):,}" for s in STATUSES),
            f"{counts.get('excepted', 0):,}",
            f"{row_total:,}",
        ]
    yield [
        [Span("All", bold=True)],
        *(f"{totals[s]:,}" for s in STATUSES),
        f"{totals['excepted']:,}",
        f"{totals['total']:,}",
    ]


def _categories_in_scope(framework: Framework, summary: dict[str, Any]) -> str:
    """The framework's categories in scope with the span of their groups, ``Security (CC1–CC9),
    Availability (A1)``: a category whose groups are all optional only when one is covered."""
    covered = {c["group"] for c in summary.get("controls", []) if c["status"] != "NOT_COVERED"}
    by_category: dict[str, list[str]] = {}
    for group in framework.groups:
        category = str(group.get(framework.category_name) or "")
        by_category.setdefault(category, []).append(str(group["id"]))
    parts = []
    for category, group_ids in by_category.items():
        if all(g in framework.optional_groups and g not in covered for g in group_ids):
            continue
        span = group_ids[0] if len(group_ids) == 1 else f"{group_ids[0]}–{group_ids[-1]}"
        parts.append(f"{category} ({span})")
    return ", ".join(parts)

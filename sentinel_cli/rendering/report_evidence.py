"""The evidence appendix of an audit report: every item of the period under its check (the
combined report's "evidence by check") and the manifest of item hashes.

Items carry a reference number (``E-42``), assigned in check order by the store. The combined
report prints each item once, under its check, with the check's controls in each of its
frameworks; an item mapped differently from its check says so. Both sections stream their rows
from the store straight into the table, so memory does not grow with the number of items.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from sentinel_cli.jsonio import loads
from sentinel_cli.rendering.pdf import Span
from sentinel_cli.rendering.report_audit import AuditReport, cut, ref, ref_range, when
from sentinel_cli.rendering.report_format import columns, framework_label, plural

if TYPE_CHECKING:
    from sentinel_cli.rendering.pdf import Cell, SectionLayout

MANIFEST_FONT = 6.5


def evidence_by_check(report: AuditReport, section: SectionLayout) -> None:
    doc, data = report.doc, report.data
    report.open(section)
    if not data.has_evidence:
        doc.paragraph("No evidence was collected in this period.", italic=True)
        return
    ranges = {r["check_id"]: r for r in data.evidence.check_ranges()}
    cols = columns(doc, "report_check_evidence")
    for check_id, group in itertools.groupby(data.evidence.items(), key=lambda i: i["check_id"]):
        first = next(group)
        meta = data.checks.get(check_id, {})
        summary = ranges.get(check_id, {})
        controls = loads(first["controls"], {}) or {}
        doc.heading(check_id, 2)
        n, failing = int(summary.get("items") or 0), int(summary.get("failing") or 0)
        line = [
            Span(meta.get("title") or first["title"], bold=True),
            Span(
                f"\nSeverity {first['severity']} · {plural(n, 'item')}"
                + (f", {failing:,} failing" if failing else "")
                + f" · {ref_range(summary.get('first_ref'), summary.get('last_ref'))}"
            ),
        ]
        for index, fid in enumerate(report.data.frameworks):
            line += [
                Span(("\n" if index == 0 else "   ") + f"{framework_label(fid)}: ", bold=True),
                Span(", ".join(controls.get(fid) or []) or "—"),
            ]
        sources = meta.get("sources") or []
        if sources:
            line += [
                Span("   Source data: ", bold=True),
                Span(f"{meta.get('provider', '')}: {', '.join(sources)}"),
            ]
        doc.paragraph(line, size=doc.layout.sizes["small"] + 0.5)
        doc.table(
            cols,
            (_check_item_row(item, first["controls"]) for item in itertools.chain([first], group)),
            status_column="Status",
        )


def _check_item_row(item: dict[str, Any], check_controls: str) -> list[Cell]:
    resource: list[Span] = [Span(item["resource_id"])]
    if item["status"] != "PASS" and item.get("message"):
        resource.append(Span("\n" + cut(item["message"]), italic=True))
    if item["controls"] != check_controls:
        controls = loads(item["controls"], {}) or {}
        mapped = "; ".join(
            f"{framework_label(k)}: {', '.join(v)}" for k, v in controls.items() if v
        )
        resource.append(Span(f"\nMaps to {mapped}", italic=True))
    return [
        ref(item["ref"]),
        resource,
        item["status"],
        when(item["last_seen"]),
        str(item["observations"]),
    ]


def manifest(report: AuditReport, section: SectionLayout) -> None:
    doc = report.doc
    report.open(section)
    doc.paragraph(
        [
            Span("To verify an item, print its raw data with "),
            Span("sentinel evidence show ID --json", code=True),
            Span(
                " and hash its canonical JSON (keys sorted, no whitespace between tokens, "
                "UTF-8): the SHA-256 must equal the value below. Only the listed observation "
                "(the latest in the period) of each item is included; earlier ones are in the "
                "store with their own hashes."
            ),
        ],
        size=doc.layout.sizes["small"] + 0.5,
    )
    doc.table(
        columns(doc, "report_manifest"),
        (
            [ref(r), evidence_id, sha]
            for r, evidence_id, _at, sha in report.data.evidence.manifest()
        ),
        font_size=MANIFEST_FONT,
        empty_text="No evidence item in this period.",
    )

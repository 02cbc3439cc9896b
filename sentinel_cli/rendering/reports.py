"""Audit reports as PDFs: SOC2_AUDIT, ISO27001_AUDIT and COMBINED_AUDIT (drawn section by section
from here) and EXECUTIVE_SUMMARY (``report_executive``), on the shared PDF layer (``rendering.pdf``).

The renderer only draws. Everything it prints comes from a ``ReportData`` (its shape is
``inventory.report``, below the renderer; ``operations.report_data`` fills it), and every list of
evidence items is a row stream from the store that goes straight into ``PdfDocument.table``, so
memory does not grow with the number of items. What each report contains, in which order and
under which titles, and every table's columns, are data in ``report_templates/layout.yaml``; this
module looks each section up by id in ``SECTIONS`` and draws it on the report being built
(``report_audit.AuditReport``). The sections live in one module per job:

* ``report_summary``: the cover and the summary;
* ``report_controls``: each framework's controls, and the combined report's crosswalk;
* ``report_evidence``: the items by check and the manifest of their hashes;
* ``report_registers``: the Statement of Applicability, the document and policy registers;
* ``report_findings``: failures and what became of them, accepted risks, populations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sentinel_cli.rendering import (
    report_controls,
    report_evidence,
    report_findings,
    report_registers,
    report_summary,
)
from sentinel_cli.rendering.pdf import SectionLayout, load_layout
from sentinel_cli.rendering.report_audit import AuditReport
from sentinel_cli.rendering.report_format import Progress, RenderedReport

if TYPE_CHECKING:
    from sentinel_cli.inventory.report import ReportData

# A section id of ``layout.yaml`` -> the function that draws that section.
SECTIONS: dict[str, Callable[[AuditReport, SectionLayout], None]] = {
    "summary": report_summary.summary,
    # "criteria" and "controls" are the same section under the titles of their reports.
    "criteria": report_controls.framework_controls,
    "controls": report_controls.framework_controls,
    "crosswalk": report_controls.crosswalk,
    "evidence": report_evidence.evidence_by_check,
    "soa": report_registers.statement_of_applicability,
    "document_register": report_registers.document_register,
    "risk_treatment": report_findings.risk_treatment,
    "exceptions": report_findings.exceptions,
    "nonconformities": report_findings.nonconformities,
    "accepted_risks": report_findings.accepted_risks,
    "populations": report_findings.populations,
    "policies": report_registers.policy_register,
    "manifest": report_evidence.manifest,
}


def render_report(
    data: ReportData, *, report_id: str = "", progress: Progress | None = None
) -> RenderedReport:
    """The PDF of ``data.report_type``; ``progress(section title)`` is called per section."""
    if data.report_type == "EXECUTIVE_SUMMARY":
        from sentinel_cli.rendering.report_executive import render_executive

        return render_executive(data, report_id=report_id, progress=progress)
    return _render_audit(data, report_id=report_id, progress=progress or (lambda _title: None))


def section_titles(report_type: str) -> list[str]:
    """The section titles of a report type, in order (what progress reports)."""
    return [s.title for s in load_layout().report(report_type).sections]


def _render_audit(data: ReportData, *, report_id: str, progress: Progress) -> RenderedReport:
    """An audit report (every type but EXECUTIVE_SUMMARY): cover, contents, then its sections."""
    report = AuditReport(data, report_id=report_id)
    report_summary.cover(report)
    report.doc.table_of_contents()
    for section in report.spec.sections:
        progress(section.title)
        draw = SECTIONS.get(section.id)
        if draw is None:
            raise KeyError(f"no renderer for section {section.id!r} of {report.spec.report_type}")
        draw(report, section)
    content = report.doc.output_bytes()
    return RenderedReport(content, report.doc.page_count)


__all__ = ["SECTIONS", "RenderedReport", "render_report", "section_titles"]

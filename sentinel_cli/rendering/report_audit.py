"""What the sections of an audit report share: the report being drawn (``AuditReport``: its data,
its layout and its PDF document) and the small formats its tables use.

Each ``report_*`` section module is a set of functions ``section(report, layout)`` over an
``AuditReport``; ``reports`` looks them up by section id and calls them in the order
``layout.yaml`` gives. The executive summary is drawn by ``report_executive`` on its own.

Failure messages are cut to ``MESSAGE_LIMIT`` characters: a check such as the change-review
population can explain itself at length, and the full text is one ``sentinel evidence show``
away.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sentinel_cli.frameworks import Framework, load_framework
from sentinel_cli.rendering.pdf import PdfDocument, load_layout

if TYPE_CHECKING:
    from sentinel_cli.inventory.report import ReportData
    from sentinel_cli.rendering.pdf import ReportLayout, SectionLayout

MESSAGE_LIMIT = 240
NOT_COVERED = "Not covered by automated evidence"


def ref(number: int | str | None) -> str:
    """An item's reference number as printed: ``E-42``."""
    return f"E-{number}" if number is not None else ""


def ref_range(first: int | None, last: int | None) -> str:
    return ref(first) if first == last else f"{ref(first)}–{ref(last)}"


def when(iso: str | None) -> str:
    """``2025-03-01T12:00:00Z`` -> ``2025-03-01 12:00``."""
    text = str(iso or "")
    return f"{text[:10]} {text[11:16]}".strip() if len(text) >= 16 else text


def cut(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` on one line, at most ``limit`` characters (an ellipsis marks the cut)."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class AuditReport:
    """One audit report being drawn: its data, the layout of its type, and its document."""

    def __init__(self, data: ReportData, *, report_id: str) -> None:
        self.data = data
        self.report_id = report_id
        self.layout = load_layout()
        self.spec: ReportLayout = self.layout.report(data.report_type)
        self.doc = PdfDocument(
            self.spec.title,
            subtitle=f"{data.organisation} · {data.period.label()}",
            subject=f"{self.spec.title}, {data.period.label()}",
            keywords=("compliance", "audit", data.report_type),
            footer_note=f"Sentinel {data.version} · report {report_id[:8]}" if report_id else "",
            layout=self.layout,
        )
        self.exceptions_by_id = {e["id"]: e for e in data.accepted_risks}

    def open(self, section: SectionLayout, *, page_break: bool = True) -> None:
        """Start a section: a new page, its title as a level-1 heading, its description."""
        if page_break:
            self.doc.page_break()
        self.doc.heading(section.title, 1)
        if section.description:
            self.doc.paragraph(section.description, colour="muted")

    def frameworks(self) -> list[Framework]:
        """The report's frameworks, in the order ``ReportData.frameworks`` presents them."""
        return [load_framework(fid) for fid in self.data.frameworks]

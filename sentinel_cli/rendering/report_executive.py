"""The EXECUTIVE_SUMMARY report: what an executive reads in two minutes, on at most three pages.

No cover page and no contents (a full-page cover would spend a third of the budget): the first
page opens with the title and the period, then the scores and the score line, then failing items
by severity, the ten worst open failures and what is overdue. No raw data and no item lists beyond
those ten: every list here is capped (``OVERDUE_SHOWN``) and ends with "and N more", so the page
count does not grow with the estate. ``layout.yaml`` sets ``max_pages: 3``; the operation checks
the result against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sentinel_cli.inventory.report import SCORE_DEFINITION
from sentinel_cli.rendering.pdf import PdfDocument, Span, load_layout
from sentinel_cli.rendering.report_format import (
    Progress,
    RenderedReport,
    columns,
    day,
    framework_label,
    percent,
    plural,
)
from sentinel_cli.wire import SEVERITIES

if TYPE_CHECKING:
    from sentinel_cli.inventory.report import ReportData

OVERDUE_SHOWN = 4
CHART_HEIGHT = 52
TREND_WORDS = {"improving": "improving", "declining": "declining", "stable": "stable"}


def render_executive(
    data: ReportData, *, report_id: str = "", progress: Progress | None = None
) -> RenderedReport:
    layout = load_layout()
    spec = layout.report("EXECUTIVE_SUMMARY")
    tell = progress or (lambda _title: None)
    doc = PdfDocument(
        spec.title,
        subtitle=f"{data.organisation} · {data.period.label()}",
        subject=f"{spec.title}, {data.period.label()}",
        keywords=("compliance", "executive summary"),
        footer_note=f"Sentinel {data.version} · report {report_id[:8]}" if report_id else "",
        layout=layout,
    )
    titles = {s.id: s.title for s in spec.sections}
    small = layout.sizes["small"]

    doc.paragraph(data.organisation, size=layout.sizes["cover_subtitle"], colour="muted")
    doc.heading(spec.title, 1)
    doc.key_values(
        [
            (
                "Period",
                f"{data.period.start.isoformat()} to {data.period.end.isoformat()} (UTC); only "
                "evidence collected inside it",
            ),
            ("Generated at (UTC)", data.generated_at),
            (
                "Evidence",
                f"{plural(int(data.totals.get('items') or 0), 'item')} from "
                f"{plural(data.collections, 'collection')} of "
                f"{plural(len(data.integrations), 'integration')}",
            ),
            ("Sentinel version", data.version),
        ]
    )
    if not data.has_evidence:
        doc.note(
            "No evidence was collected in this period, so there is no score. Run 'sentinel "
            "collect' during the period or choose a period in which collections ran.",
            "warning",
            title="No evidence in this period",
        )

    tell(titles["scores"])
    doc.heading(titles["scores"], 2)
    doc.table(columns(doc, "report_scores"), _score_rows(data))
    doc.paragraph(_trend_text(data), size=small + 0.5)

    tell(titles["trend"])
    doc.heading(titles["trend"], 2)
    points = [(p["date"], float(p["score"])) for p in data.timeline if p["score"] is not None]
    doc.line_chart(points, y_min=0, y_max=100, unit="%", height=CHART_HEIGHT)
    doc.paragraph(
        "Daily score: the overall score (definition above) as it stood at the end of each day.",
        size=small,
        colour="muted",
    )

    tell(titles["severity"])
    doc.heading(titles["severity"], 2)
    doc.bar_chart(
        [
            (severity.title(), data.failing_by_severity.get(severity, 0), severity)
            for severity in SEVERITIES
        ],
        bar_height=4.2,
    )

    tell(titles["top_failing"])
    doc.heading(titles["top_failing"], 2)
    doc.table(
        columns(doc, "report_top_failing"),
        (
            [
                item["severity"],
                [Span(_title(data, item), bold=True), Span("\n" + item["check_id"])],
                item["resource_id"],
                day(item["first_fail"]),
            ]
            for item in data.top_failing
        ),
        empty_text="No item is failing at the end of the period.",
    )

    tell(titles["overdue"])
    doc.heading(titles["overdue"], 2)
    _overdue(doc, data)
    content = doc.output_bytes()
    return RenderedReport(content, doc.page_count)


def _score_rows(data: ReportData) -> list[list[Any]]:
    end: Mapping[str, Any] = data.end_state or {}
    rows: list[list[Any]] = [
        [
            [Span("Overall (evidence items)", bold=True)],
            percent(data.overall_score),
            f"{int(end.get('total') or 0):,} items",
            f"{int(end.get('passing') or 0):,}",
            f"{int(end.get('failing') or 0):,}",
            f"{int(end.get('warning') or 0):,}",
        ]
    ]
    for fid, summary in data.frameworks.items():
        t = summary["totals"]
        rows.append(
            [
                f"{framework_label(fid)} (controls)",
                percent(summary["score"]),
                f"{t['covered']} of {t['controls']}",
                str(t["passing"]),
                str(t["failing"]),
                str(t["warning"]),
            ]
        )
    return rows


def _trend_text(data: ReportData) -> str:
    scored = [p for p in data.timeline if p.get("score") is not None]
    parts = []
    if len(scored) >= 2:
        first, last = scored[0], scored[-1]
        assert first["score"] is not None and last["score"] is not None  # kept only scored days
        delta = last["score"] - first["score"]
        parts.append(
            f"Over the period the daily score moved from {first['score']:.1f}% ({first['date']}) "
            f"to {last['score']:.1f}% ({last['date']}), {delta:+.1f} points: "
            f"{TREND_WORDS.get(data.trend, data.trend)}."
        )
    elif scored:
        parts.append(f"One day of data in the period ({scored[0]['date']}): no trend yet.")
    previous = data.previous
    if previous:
        score = (previous.get("summary") or {}).get("scores", {}).get("overall")
        parts.append(
            f"The previous executive summary (generated {day(previous['created_at'])}, period "
            f"{previous['period_start']} to {previous['period_end']}) reported "
            f"{percent(score)} overall."
        )
    parts.append(
        f"Overall score = {SCORE_DEFINITION}. Framework scores: controls whose evidence and "
        "approved policies all pass, among controls with any."
    )
    return " ".join(parts)


def _title(data: ReportData, item: dict[str, Any]) -> str:
    meta = data.checks.get(item["check_id"]) or {}
    return str(meta.get("title") or item.get("title") or item["check_id"])


def _overdue(doc: PdfDocument, data: ReportData) -> None:
    lines: list[list[Span]] = []
    sla = ", ".join(f"{sev} {days} d" for sev, days in data.sla_days.items())
    count = data.overdue_failure_count
    lines.append(
        [
            Span(f"{plural(count, 'open failure')} past the remediation SLA", bold=True),
            Span(f" ({sla}, from the first failure in the period)" if sla else ""),
            *[
                Span(
                    f"\n– {_title(data, item)}: {item['resource_id']} (due {day(item['sla_due'])})"
                )
                for item in data.overdue_failures[:OVERDUE_SHOWN]
            ],
            Span(_more(count, OVERDUE_SHOWN)),
        ]
    )
    expired = data.expired_risks
    lines.append(
        [
            Span(f"{plural(len(expired), 'accepted risk')} expired", bold=True),
            Span(" (their failures count again)" if expired else ""),
            *[
                Span(
                    f"\n– {e['checkId']} on {e['resourcePattern']}: owner {e['owner']}, "
                    f"expired {day(e['expiresAt'])}"
                )
                for e in expired[:OVERDUE_SHOWN]
            ],
            Span(_more(len(expired), OVERDUE_SHOWN)),
        ]
    )
    reviews = data.overdue_reviews
    lines.append(
        [
            Span(f"{plural(len(reviews), 'policy review')} overdue", bold=True),
            *[
                Span(f"\n– {p['title']} v{p['version']}: review was due {day(p['nextReviewAt'])}")
                for p in reviews[:OVERDUE_SHOWN]
            ],
            Span(_more(len(reviews), OVERDUE_SHOWN)),
        ]
    )
    doc.bullets(lines)


def _more(total: int, shown: int) -> str:
    return f"\n– and {total - shown:,} more" if total > shown else ""


__all__ = ["render_executive"]

"""The findings of an audit report: failures in the period and what became of them (exceptions,
nonconformities and observations), the risk treatment tally, the accepted risks in force, and the
change-review populations (merged pull requests and their approvals).

A failed item's status is FIXED (a later observation in the period passed), OPEN (still failing,
within its remediation SLA), OVERDUE (past it) or ACCEPTED (covered by a risk exception); the SLA
comes from the company profile and runs from the first failure in the period.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sentinel_cli.rendering.pdf import Span
from sentinel_cli.rendering.report_audit import AuditReport, cut, ref, when
from sentinel_cli.rendering.report_format import columns, day, plural

if TYPE_CHECKING:
    from sentinel_cli.rendering.pdf import Cell, SectionLayout


def risk_treatment(report: AuditReport, section: SectionLayout) -> None:
    doc, data = report.doc, report.data
    report.open(section)
    totals = data.totals
    open_fail = data.status_counts.get("FAIL", 0) - int(totals.get("excepted_fail") or 0)
    rows = [
        [
            "Modified (fixed in the period)",
            f"{int(totals.get('remediated') or 0):,}",
            "Failed at least once in the period and passed again at the latest observation.",
        ],
        [
            "Retained (accepted risk)",
            f"{int(totals.get('excepted') or 0):,}",
            f"Covered by one of {plural(len(data.accepted_risks), 'risk exception')} in "
            "force at the end of the period (see Accepted risks).",
        ],
        [
            "Open (treatment pending)",
            f"{max(open_fail, 0):,}",
            f"Failing at the latest observation; {data.overdue_failure_count:,} past the "
            "remediation SLA (see Nonconformities).",
        ],
    ]
    doc.table(columns(doc, "report_risk_treatment"), rows)
    if data.sla_days:
        doc.paragraph(
            "Remediation SLA by severity (from the company profile, as in the Vulnerability "
            "and Patch Management policy): "
            + ", ".join(f"{sev} {days} days" for sev, days in data.sla_days.items())
            + "; informational findings have none.",
            size=doc.layout.sizes["small"],
            colour="muted",
        )


def exceptions(report: AuditReport, section: SectionLayout) -> None:
    doc = report.doc
    report.open(section)
    _sla_note(report)
    doc.table(
        columns(doc, "report_exceptions"),
        (_exception_row(report, item) for item in report.data.evidence.failures()),
        status_column="Status",
        empty_text="No evidence item failed in this period.",
    )


def _sla_note(report: AuditReport) -> None:
    sla = report.data.sla_days
    if sla:
        report.doc.paragraph(
            "Failed: the first and last failing observation in the period. "
            "Status: FIXED — a later observation in the period passed; OPEN — still failing, "
            "within its remediation SLA; OVERDUE — still failing past it; ACCEPTED — covered by "
            "a risk exception. SLA from the first failure in the period: "
            + ", ".join(f"{sev} {days} days" for sev, days in sla.items())
            + " (company profile).",
            size=report.doc.layout.sizes["small"],
            colour="muted",
        )


def _exception_row(report: AuditReport, item: dict[str, Any]) -> list[Cell]:
    data = report.data
    first, last = day(item["first_fail"]), day(item["last_fail"])
    failed = first if first == last else f"{first}\n{last}"
    due = data.sla_due(item)
    if item.get("exception_id"):
        status = "ACCEPTED"
        exc = report.exceptions_by_id.get(item["exception_id"])
        detail = f"until {day(exc['expiresAt'])}" if exc else ""
    elif item.get("remediated_at"):
        status, detail = "FIXED", day(item["remediated_at"])
    elif item["status"] == "FAIL":
        overdue = due is not None and due < data.as_of
        status = "OVERDUE" if overdue else "OPEN"
        detail = f"due {day(due)}" if due else "no SLA"
    else:
        status, detail = item["status"], "—"
    resource = [Span(item["resource_id"])]
    if item.get("message") and item["status"] != "PASS":
        resource.append(Span("\n" + cut(item["message"]), italic=True))
    return [
        ref(item["ref"]),
        item["check_id"],
        resource,
        item["severity"],
        failed,
        status,
        detail,
    ]


def nonconformities(report: AuditReport, section: SectionLayout) -> None:
    doc = report.doc
    report.open(section)
    doc.heading("Nonconformities", 2)
    _sla_note(report)
    doc.table(
        columns(doc, "report_exceptions"),
        (_exception_row(report, item) for item in report.data.evidence.failures()),
        status_column="Status",
        empty_text="No evidence item failed in this period.",
    )
    doc.heading("Observations", 2)
    doc.table(
        columns(doc, "report_observations"),
        (
            [
                ref(item["ref"]),
                item["check_id"],
                [Span(item["resource_id"]), Span("\n" + cut(item["message"]), italic=True)],
                item["severity"],
                item["status"],
                day(item["last_seen"]),
            ]
            for item in report.data.evidence.failures(statuses=("WARNING", "ERROR"))
        ),
        status_column="Status",
        empty_text="No warning or unevaluated item at the end of the period.",
    )


def accepted_risks(report: AuditReport, section: SectionLayout) -> None:
    doc = report.doc
    report.open(section)
    suffix = {"EXPIRED": " (expired)", "REMOVED": " (removed)"}
    doc.table(
        columns(doc, "report_accepted_risks"),
        (
            [
                e["checkId"],
                e["resourcePattern"],
                e["reason"],
                e["owner"],
                day(e["expiresAt"]) + suffix.get(e["state"], ""),
            ]
            for e in report.data.accepted_risks
        ),
        empty_text="No risk exception was in force during this period.",
    )


def populations(report: AuditReport, section: SectionLayout) -> None:
    doc = report.doc
    report.open(section)
    found = False
    quiet: list[str] = []
    cols = columns(doc, "report_population")
    for population in report.data.populations():
        found = True
        pulls = population["pulls"]
        if not pulls:
            quiet.append(population["resource"])
            continue
        doc.heading(f"Merged pull requests: {population['resource']}", 2)
        doc.paragraph(
            f"{plural(len(pulls), 'pull request')} merged into the default branch inside the "
            f"period, {population['unreviewed']:,} without an approval from someone other "
            f"than the author at merge time. Source: {population['integration']}, check "
            "github_change_review_population (collection windows "
            f"{day(population['collectedSince'])} to {day(population['collectedUntil'])}).",
            size=doc.layout.sizes["small"] + 0.5,
        )
        doc.table(cols, (_pull_row(pr) for pr in pulls))
    if quiet:
        doc.heading("Repositories without merges in the period", 2)
        doc.paragraph(
            "No pull request was merged into the default branch of these repositories inside "
            "the period: " + ", ".join(quiet) + "."
        )
    if not found:
        doc.paragraph(
            "No population was collected in this period. Merged pull requests come from "
            "GitHub integrations (check github_change_review_population).",
            italic=True,
        )


def _pull_row(pr: dict[str, Any]) -> list[Cell]:
    approvers: Cell = ", ".join(pr.get("approvers") or [])
    if not approvers:
        approvers = [Span("none", bold=True)]
        if pr.get("reason"):
            approvers.append(Span(f": {pr['reason']}", italic=True))
    return [
        f"#{pr.get('number')}",
        str(pr.get("title") or ""),
        str(pr.get("author") or ""),
        when(pr.get("mergedAt")),
        approvers,
    ]

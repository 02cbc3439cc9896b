"""The registers of an audit report: the Statement of Applicability (for a framework that has one),
the register of documented information, and the policy register.

The SoA lists every control of the framework as applicable, with an implementation status derived
from the period's evidence and approved policies; a control with neither is "not assessed" and
needs manual assessment. The document register's entries are data (``document_register`` in
``layout.yaml``): each names where the document is, a generated policy, a section of this report,
or outside Sentinel.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import TYPE_CHECKING, Any

from sentinel_cli.rendering.pdf import TEMPLATES_PACKAGE
from sentinel_cli.rendering.report_audit import AuditReport
from sentinel_cli.rendering.report_format import columns, day, plural
from sentinel_cli.rendering.soa import implementation, justification
from sentinel_cli.wire import Policy
from sentinel_cli.yamlio import load_yaml

if TYPE_CHECKING:
    from sentinel_cli.rendering.pdf import Cell, SectionLayout


def statement_of_applicability(report: AuditReport, section: SectionLayout) -> None:
    report.open(section)
    for framework in report.frameworks():
        if framework.soa:
            _soa_table(report, report.data.frameworks[framework.id])


def _soa_table(report: AuditReport, fw: dict[str, Any]) -> None:
    doc = report.doc
    tallies = {"Implemented": 0, "Partially implemented": 0, "Not implemented": 0}
    tallies["Not assessed"] = 0
    rows = []
    for control in fw["controls"]:
        row = _soa_row(fw, control)
        tallies[str(row[4])] += 1
        rows.append(row)
    doc.paragraph(
        f"{len(rows)} controls, all applicable: "
        + ", ".join(f"{n} {k.lower()}" for k, n in tallies.items())
        + ". Status is derived from the evidence of the period (all items passing: "
        "implemented; some failing or warning: partially implemented; all failing: not "
        "implemented) and approved policies; controls with neither are not assessed by "
        "Sentinel and need manual assessment."
    )
    doc.table(columns(doc, "report_soa"), rows, status_column="Status")


def _soa_row(fw: dict[str, Any], control: dict[str, Any]) -> list[Cell]:
    checks = fw["controlChecks"].get(control["id"], [])
    items = sum(int(c["items"]) for c in checks)
    policies = control.get("policies") or []
    linked = []
    if items:
        failing = sum(int(c["failing"] or 0) for c in checks)
        linked.append(f"{plural(items, 'item')}" + (f" ({failing:,} failing)" if failing else ""))
    linked.extend(p["title"] for p in policies)
    return [
        control["id"],
        control["title"],
        "Yes",
        justification(items, len(policies)),
        implementation(control["status"], control["counts"]),
        "\n".join(linked) or "—",
    ]


def document_register(report: AuditReport, section: SectionLayout) -> None:
    doc, data = report.doc, report.data
    report.open(section)
    latest = {p["templateId"]: p for p in data.policies}
    titles = {s.id: s.title for s in report.spec.sections}
    rows = []
    for entry in register_documents():
        source = entry.get("source", "external")
        if source.startswith("policy:"):
            policy = latest.get(source.removeprefix("policy:"))
            where = (
                f"{policy['title']} v{policy['version']} ({_policy_state(policy)})"
                if policy
                else f"No policy generated yet (template {source.removeprefix('policy:')})"
            )
        elif source.startswith("section:"):
            where = f"This report: {titles.get(source.removeprefix('section:'), 'section')}"
        elif source == "scope":
            where = "Integrations in scope (Summary); the ISMS scope statement itself is "
            where += "kept outside Sentinel"
        else:
            where = "Kept outside Sentinel: request it from the organisation"
        rows.append([entry.get("clause", ""), entry.get("requirement", ""), where])
    doc.table(columns(doc, "report_documents"), rows)


def policy_register(report: AuditReport, section: SectionLayout) -> None:
    doc = report.doc
    report.open(section)
    doc.table(
        columns(doc, "report_policy_register"),
        (
            [
                p["title"],
                f"v{p['version']}",
                p["status"],
                p.get("owner") or "—",
                _approval(p),
                day(p.get("nextReviewAt")) + (" (overdue)" if p.get("reviewOverdue") else "")
                or "—",
            ]
            for p in report.data.policies
        ),
        empty_text="No policy has been generated in Sentinel ('sentinel policies generate').",
    )


@functools.cache
def register_documents() -> tuple[dict[str, str], ...]:
    """The documented information of the document register, from ``layout.yaml``
    (``document_register``)."""
    text = (resources.files(TEMPLATES_PACKAGE) / "layout.yaml").read_text(encoding="utf-8")
    raw = load_yaml(text).get("document_register") or []
    return tuple({k: str(v) for k, v in entry.items()} for entry in raw)


def _policy_state(policy: Policy) -> str:
    if policy["status"] == "APPROVED":
        return f"approved {day(policy.get('approvedAt'))}"
    return str(policy["status"]).lower()


def _approval(policy: Policy) -> str:
    if policy.get("approvedBy"):
        return f"{policy['approvedBy']}, {day(policy.get('approvedAt'))}"
    return "Not approved"

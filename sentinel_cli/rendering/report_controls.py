"""The per-control sections of an audit report: each control of the report's frameworks with its
status, checks, policies and evidence items (SOC 2 "criteria", ISO 27001 "controls"), and the
combined report's crosswalk from controls to the checks and items that evidence them.

* Which frameworks a report covers is ``wire.AUDIT_FRAMEWORKS``; how each is presented comes from
  its file (``sentinel_cli/frameworks``). The per-control section walks every control, skipping
  the groups a framework marks ``optional`` unless evidence or a policy covers them. A framework
  with a Statement of Applicability (``soa``) lists every control there, so its per-control
  section prints the covered controls and then, per group, the ids of the rest.
* A control with no evidence says so in words ("Not covered by automated evidence"), distinguishing
  "no Sentinel check maps to it" from "mapped checks produced nothing in this period".
* The crosswalk cites items by check and reference range, so it stays as long as controls x
  checks, not controls x items.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sentinel_cli.frameworks import Framework, load_framework
from sentinel_cli.rendering.pdf import Span
from sentinel_cli.rendering.report_audit import NOT_COVERED, AuditReport, ref, when
from sentinel_cli.rendering.report_format import columns, plural

if TYPE_CHECKING:
    from sentinel_cli.rendering.pdf import Cell, SectionLayout


def framework_controls(report: AuditReport, section: SectionLayout) -> None:
    """Each control of the report's frameworks with its checks, policies and items."""
    report.open(section)
    frameworks = report.frameworks()
    for framework in frameworks:
        if len(frameworks) > 1:
            report.doc.heading(f"{framework.label} {framework.controls_name}", 2)
        level = 3 if len(frameworks) > 1 else 2
        if framework.soa:
            _controls_beside_soa(report, framework, level)
        else:
            _every_control(report, framework, level)


def _every_control(report: AuditReport, framework: Framework, level: int) -> None:
    """Every control in full, but an optional group only where something covers it."""
    fw = report.data.frameworks[framework.id]
    _add_descriptions(report, framework.id)
    groups = _groups(fw)
    skipped = [
        g
        for g, _, cs in groups
        if g in framework.optional_groups and all(c["status"] == "NOT_COVERED" for c in cs)
    ]
    for group_id, group_title, controls in groups:
        if group_id in skipped:
            continue
        report.doc.heading(f"{group_id} {group_title}", level)
        for control in controls:
            _control_block(report, framework.id, control, level + 1)
    if skipped:
        report.doc.paragraph(
            "Not covered by automated evidence or policy, and so not reported above (optional "
            f"{framework.label} groups, in scope only when covered): " + ", ".join(skipped) + ".",
            italic=True,
            colour="muted",
        )


def _controls_beside_soa(report: AuditReport, framework: Framework, level: int) -> None:
    """The covered controls in full and, per group, the ids of the rest: the Statement of
    Applicability already lists every control."""
    fw = report.data.frameworks[framework.id]
    _add_descriptions(report, framework.id)
    for group_id, group_title, controls in _groups(fw):
        report.doc.heading(f"{group_id} {group_title}", level)
        covered = [c for c in controls if c["status"] != "NOT_COVERED" or c.get("policies")]
        for control in covered:
            _control_block(report, framework.id, control, level + 1)
        rest = [c["id"] for c in controls if c not in covered]
        if rest:
            report.doc.paragraph(
                [
                    Span(f"{NOT_COVERED} or policy in this period: ", bold=True),
                    Span(", ".join(rest) + ". "),
                    Span(
                        "See the Statement of Applicability; these controls need manual "
                        "assessment.",
                        italic=True,
                    ),
                ]
            )


def _add_descriptions(report: AuditReport, framework: str) -> None:
    fw = report.data.frameworks[framework]
    if "descriptions" not in fw:
        fw["descriptions"] = {
            cid: c.description for cid, c in load_framework(framework).controls.items()
        }


def _control_block(
    report: AuditReport, framework: str, control: dict[str, Any], level: int = 3
) -> None:
    """One control: heading, description, status line, checks, policies and its items."""
    doc, data = report.doc, report.data
    doc.heading(f"{control['id']}  {control['title']}", level)
    fw = data.frameworks[framework]
    description = fw.get("descriptions", {}).get(control["id"])
    if description:
        doc.paragraph(description, size=doc.layout.sizes["small"], colour="muted")
    counts = control["counts"]
    per_check = {c["check_id"]: c for c in fw["controlChecks"].get(control["id"], [])}
    items = sum(int(c["items"]) for c in per_check.values())
    failing = sum(int(c["failing"] or 0) for c in per_check.values())
    status = {
        "PASSING": "Passing",
        "FAILING": "Failing",
        "WARNING": "Warning",
        "NOT_COVERED": "Not covered",
    }.get(control["status"], control["status"])
    facts = [plural(items, "evidence item")]
    if failing:
        facts.append(f"{failing:,} failing")
    if counts.get("excepted"):
        facts.append(plural(int(counts["excepted"]), "accepted risk"))
    if not items and control.get("policies"):
        facts.append("status from approved policies only")
    doc.paragraph([Span("Status: ", bold=True), Span(f"{status} · " + ", ".join(facts))])
    policies = control.get("policies") or []
    if policies:
        listed = "; ".join(
            f"{p['title']} ({p['reason']})" if p.get("reason") else p["title"] for p in policies
        )
        doc.paragraph([Span("Policies: ", bold=True), Span(listed)])
    mapped = list(control.get("checks") or [])
    if mapped:
        doc.table(
            columns(doc, "report_control_checks"),
            (_check_row(report, check_id, per_check.get(check_id)) for check_id in mapped),
        )
    if items:
        doc.table(
            columns(doc, "report_control_evidence"),
            (
                [
                    ref(item["ref"]),
                    item["check_id"],
                    item["resource_id"],
                    item["status"],
                    when(item["last_seen"]),
                    str(item["observations"]),
                ]
                for item in data.evidence.items_for_control(framework, control["id"])
            ),
            status_column="Status",
        )
    elif mapped:
        doc.paragraph(
            f"{NOT_COVERED} in this period: the mapped checks produced no evidence "
            "between the period's start and end.",
            italic=True,
        )
    else:
        suffix = (
            " (no Sentinel check maps to it); the policies above address it."
            if policies
            else ": no Sentinel check or approved policy maps to it. Assess it manually."
        )
        doc.paragraph(NOT_COVERED + suffix, italic=True)


def _check_row(report: AuditReport, check_id: str, counts: dict[str, Any] | None) -> list[Cell]:
    meta = report.data.checks.get(check_id, {})
    sources = meta.get("sources") or []
    provider = meta.get("provider", "")
    items = int(counts["items"]) if counts else 0
    failing = int(counts["failing"] or 0) if counts else 0
    return [
        check_id,
        meta.get("title") or (counts or {}).get("title") or "",
        meta.get("severity", ""),
        f"{provider}: {', '.join(sources)}" if sources else provider,
        f"{items:,}" + (f"\n{failing:,} failing" if failing else ""),
    ]


def crosswalk(report: AuditReport, section: SectionLayout) -> None:
    doc = report.doc
    report.open(section)
    for framework in report.frameworks():
        fw = report.data.frameworks[framework.id]
        doc.heading(f"{framework.label} {framework.controls_name}", 2)
        controls = [
            c
            for c in fw["controls"]
            if c["group"] not in framework.optional_groups or c["status"] != "NOT_COVERED"
        ]
        doc.table(
            columns(doc, "report_crosswalk"),
            (_crosswalk_row(fw, c) for c in controls),
            status_column="Status",
        )


def _crosswalk_row(fw: dict[str, Any], control: dict[str, Any]) -> list[Cell]:
    lines = []
    for check in fw["controlChecks"].get(control["id"], []):
        first, last, n = int(check["first_ref"]), int(check["last_ref"]), int(check["items"])
        span = ref(first) if first == last else f"{ref(first)}–{ref(last)}"
        if n != last - first + 1:
            span = f"{n:,} in {span}"
        elif first != last:
            span += f" ({n:,})"
        lines.append(f"{check['check_id']}: {span}")
    for policy in control.get("policies") or []:
        lines.append(f"Policy: {policy['title']}")
    if not lines:
        lines.append(NOT_COVERED)
    return [control["id"], control["title"], control["status"], "\n".join(lines)]


def _groups(fw: dict[str, Any]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(group id, group title, controls) in the framework's order."""
    framework = load_framework(fw["framework"]["id"])
    by_group: dict[str, list[dict[str, Any]]] = {}
    for control in fw["controls"]:
        by_group.setdefault(control["group"], []).append(control)
    return [
        (str(g["id"]), str(g["title"]), by_group.get(str(g["id"]), []))
        for g in framework.groups
        if by_group.get(str(g["id"]))
    ]

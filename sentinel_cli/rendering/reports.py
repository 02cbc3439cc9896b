"""Audit reports as PDFs: SOC2_AUDIT, ISO27001_AUDIT and COMBINED_AUDIT (this module) and
EXECUTIVE_SUMMARY (``report_executive``), drawn on the shared PDF layer (``rendering.pdf``).

The renderer only draws. Everything it prints comes from a ``ReportData`` (its shape is
``inventory.report``, below the renderer; ``operations.report_data`` fills it), and every list of evidence items is a row stream from the store that
goes straight into ``PdfDocument.table``, so memory does not grow with the number of items. What
each report contains, in which order and under which titles, and every table's columns, are data
in ``report_templates/layout.yaml``; the code looks sections up by id.

Presentation decisions:

* Items carry a reference number (``E-42``), assigned in check order by the store. The combined
  report prints each item once, under its check, with the check's SOC 2 and ISO 27001 controls;
  its crosswalk cites items by check and reference range, so it stays as long as controls x checks,
  not controls x items.
* A control with no evidence says so in words ("Not covered by automated evidence"), distinguishing
  "no Sentinel check maps to it" from "mapped checks produced nothing in this period".
* The SOC 2 report walks every criterion of CC1-CC9, A1 and C1, and the PI and P series only
  where evidence or a policy covers them (they are optional categories). The ISO report's
  Statement of Applicability lists all 93 Annex A controls; its per-control evidence section
  lists the covered ones and then, per theme, the ids of the rest.
* Failure messages are cut to 240 characters: a check such as the change-review population can
  explain itself at length, and the full text is one ``sentinel evidence show`` away.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any

from sentinel_cli.inventory.report import FRAMEWORKS_BY_REPORT, SCORE_DEFINITION
from sentinel_cli.jsonio import loads
from sentinel_cli.rendering.pdf import TEMPLATES_PACKAGE, PdfDocument, Span, load_layout
from sentinel_cli.rendering.report_format import (
    FRAMEWORK_LABELS,
    SEVERITIES,
    Progress,
    RenderedReport,
    columns,
    day,
    percent,
    plural,
)
from sentinel_cli.wire import Policy
from sentinel_cli.yamlio import load_yaml

if TYPE_CHECKING:
    from sentinel_cli.inventory.report import ReportData
    from sentinel_cli.rendering.pdf import Cell, ReportLayout

STATUSES: tuple[str, ...] = ("PASS", "FAIL", "WARNING", "ERROR")
SOC2_REQUIRED_GROUPS = ("CC1", "CC2", "CC3", "CC4", "CC5", "CC6", "CC7", "CC8", "CC9", "A1", "C1")
MESSAGE_LIMIT = 240
MANIFEST_FONT = 6.5
NOT_COVERED = "Not covered by automated evidence"


# -- small formatting helpers ----------------------------------------------------------------------


def ref(number: int | str | None) -> str:
    return f"E-{number}" if number is not None else ""


def when(iso: str | None) -> str:
    """``2025-03-01T12:00:00Z`` -> ``2025-03-01 12:00``."""
    text = str(iso or "")
    return f"{text[:10]} {text[11:16]}".strip() if len(text) >= 16 else text


def _cut(text: str, limit: int = MESSAGE_LIMIT) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@functools.cache
def iso_documents() -> tuple[dict[str, str], ...]:
    """The clause 4-10 documented-information list from ``layout.yaml`` (``iso27001_documents``)."""
    text = (resources.files(TEMPLATES_PACKAGE) / "layout.yaml").read_text(encoding="utf-8")
    raw = load_yaml(text).get("iso27001_documents") or []
    return tuple({k: str(v) for k, v in entry.items()} for entry in raw)


# -- entry point -----------------------------------------------------------------------------------


def render_report(
    data: ReportData, *, report_id: str = "", progress: Progress | None = None
) -> RenderedReport:
    """The PDF of ``data.report_type``; ``progress(section title)`` is called per section."""
    if data.report_type == "EXECUTIVE_SUMMARY":
        from sentinel_cli.rendering.report_executive import render_executive

        return render_executive(data, report_id=report_id, progress=progress)
    writer = _AuditReport(data, report_id=report_id, progress=progress)
    return writer.render()


def section_titles(report_type: str) -> list[str]:
    """The section titles of a report type, in order (what progress reports)."""
    return [s.title for s in load_layout().report(report_type).sections]


# -- the audit reports -----------------------------------------------------------------------------


class _AuditReport:
    """SOC2_AUDIT, ISO27001_AUDIT and COMBINED_AUDIT: cover, contents, then sections by id."""

    def __init__(self, data: ReportData, *, report_id: str, progress: Progress | None) -> None:
        self.data = data
        self.report_id = report_id
        self.progress = progress or (lambda _title: None)
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

    def render(self) -> RenderedReport:
        self.cover()
        self.doc.table_of_contents()
        handlers: dict[str, Callable[[Any], None]] = {
            "summary": self.summary,
            "criteria": self.soc2_criteria,
            "controls": self.iso_controls,
            "crosswalk": self.crosswalk,
            "evidence": self.evidence_by_check,
            "soa": self.statement_of_applicability,
            "document_register": self.document_register,
            "risk_treatment": self.risk_treatment,
            "exceptions": self.exceptions,
            "nonconformities": self.nonconformities,
            "accepted_risks": self.accepted_risks,
            "populations": self.populations,
            "policies": self.policy_register,
            "manifest": self.manifest,
        }
        for section in self.spec.sections:
            self.progress(section.title)
            handler = handlers.get(section.id)
            if handler is None:
                raise KeyError(f"no renderer for section {section.id!r} of {self.spec.report_type}")
            handler(section)
        content = self.doc.output_bytes()
        return RenderedReport(content, self.doc.page_count)

    # -- helpers ---------------------------------------------------------------------------------

    def _open(self, section: Any, *, page_break: bool = True) -> None:
        if page_break:
            self.doc.page_break()
        self.doc.heading(section.title, 1)
        if section.description:
            self.doc.paragraph(section.description, colour="muted")

    def _frameworks(self) -> tuple[str, ...]:
        return FRAMEWORKS_BY_REPORT[self.data.report_type]

    # -- cover and summary -----------------------------------------------------------------------

    def cover(self) -> None:
        data = self.data
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
        soc2 = data.frameworks.get("SOC2", {})
        values = {
            "Organisation": data.organisation,
            "System": system,
            "Scope": "ISO/IEC 27001:2022 Annex A controls, as evidenced for: " + (estate or "—"),
            "Trust Services Criteria": self._tsc_categories(soc2),
            "Frameworks": "SOC 2 (2017 Trust Services Criteria, 2022 points of focus); "
            "ISO/IEC 27001:2022 Annex A",
            "Period": f"{data.period.start.isoformat()} to {data.period.end.isoformat()} "
            "(UTC, both days included)",
            "Generated at (UTC)": data.generated_at,
            "Sentinel version": data.version,
            "Integrations in scope": in_scope or "None",
        }
        fields = [(label, values.get(label, "")) for label in self.spec.cover_fields]
        note = (
            "This report covers only evidence collected inside the period "
            f"({data.period.start_iso} to {data.period.end_iso}): "
            f"{plural(data.collections, 'collection')} of "
            f"{plural(len(integrations), 'integration')}. Each evidence item is the latest "
            "observation in the period of one check on one resource. "
            "The SHA-256 of this PDF is recorded in the Sentinel store: verify a copy with "
            "'sentinel reports verify FILE'."
        )
        if self.report_id:
            note += f" Report id: {self.report_id}."
        self.doc.cover_page(self.spec.title, data.organisation, fields, note=note)

    @staticmethod
    def _tsc_categories(soc2: dict[str, Any]) -> str:
        covered_optional = set()
        for control in soc2.get("controls", []):
            if control["status"] != "NOT_COVERED" and control["group"].startswith(("PI", "P")):
                covered_optional.add("Privacy" if control["group"][1].isdigit() else "PI")
        parts = ["Security (CC1–CC9)", "Availability (A1)", "Confidentiality (C1)"]
        if "PI" in covered_optional:
            parts.append("Processing Integrity (PI1)")
        if "Privacy" in covered_optional:
            parts.append("Privacy (P1–P8)")
        return ", ".join(parts)

    def summary(self, section: Any) -> None:
        doc, data = self.doc, self.data
        self._open(section)
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
        for fid in self._frameworks():
            summary = data.frameworks[fid]
            t = summary["totals"]
            rows.append(
                (
                    f"{FRAMEWORK_LABELS[fid]} score",
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
        doc.table(columns(doc, "report_status_counts"), self._status_rows(), zebra=True)
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

    def _status_rows(self) -> Iterator[list[Cell]]:
        table = self.data.status_by_severity
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

    # -- per control evidence --------------------------------------------------------------------

    def _control_block(self, framework: str, control: dict[str, Any], level: int = 3) -> None:
        """One control: heading, description, status line, checks, policies and its items."""
        doc, data = self.doc, self.data
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
                (self._check_row(check_id, per_check.get(check_id)) for check_id in mapped),
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

    def _check_row(self, check_id: str, counts: dict[str, Any] | None) -> list[Cell]:
        meta = self.data.checks.get(check_id, {})
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

    def soc2_criteria(self, section: Any) -> None:
        self._open(section)
        fw = self.data.frameworks["SOC2"]
        self._add_descriptions("SOC2")
        groups = _groups(fw)
        for group_id, group_title, controls in groups:
            optional = group_id not in SOC2_REQUIRED_GROUPS
            if optional and all(c["status"] == "NOT_COVERED" for c in controls):
                continue
            self.doc.heading(f"{group_id} {group_title}", 2)
            for control in controls:
                self._control_block("SOC2", control)
        skipped = [
            g
            for g, _, cs in groups
            if g not in SOC2_REQUIRED_GROUPS and all(c["status"] == "NOT_COVERED" for c in cs)
        ]
        if skipped:
            self.doc.paragraph(
                "Not covered by automated evidence or policy, and so not reported above (optional "
                "Trust Services categories): " + ", ".join(skipped) + ".",
                italic=True,
                colour="muted",
            )

    def iso_controls(self, section: Any) -> None:
        self._open(section)
        fw = self.data.frameworks["ISO27001"]
        self._add_descriptions("ISO27001")
        for group_id, group_title, controls in _groups(fw):
            self.doc.heading(f"{group_id} {group_title}", 2)
            covered = [c for c in controls if c["status"] != "NOT_COVERED" or c.get("policies")]
            for control in covered:
                self._control_block("ISO27001", control)
            rest = [c["id"] for c in controls if c not in covered]
            if rest:
                self.doc.paragraph(
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

    def _add_descriptions(self, framework: str) -> None:
        from sentinel_cli.frameworks import load_framework

        fw = self.data.frameworks[framework]
        if "descriptions" not in fw:
            fw["descriptions"] = {
                cid: c.description for cid, c in load_framework(framework).controls.items()
            }

    # -- combined: crosswalk and evidence by check -----------------------------------------------

    def crosswalk(self, section: Any) -> None:
        doc = self.doc
        self._open(section)
        for fid, title in (("SOC2", "SOC 2 criteria"), ("ISO27001", "ISO 27001 Annex A controls")):
            fw = self.data.frameworks[fid]
            doc.heading(title, 2)
            controls = fw["controls"]
            if fid == "SOC2":
                controls = [
                    c
                    for c in controls
                    if c["group"] in SOC2_REQUIRED_GROUPS or c["status"] != "NOT_COVERED"
                ]
            doc.table(
                columns(doc, "report_crosswalk"),
                (self._crosswalk_row(fw, c) for c in controls),
                status_column="Status",
            )

    def _crosswalk_row(self, fw: dict[str, Any], control: dict[str, Any]) -> list[Cell]:
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

    def evidence_by_check(self, section: Any) -> None:
        doc, data = self.doc, self.data
        self._open(section)
        if not data.has_evidence:
            doc.paragraph("No evidence was collected in this period.", italic=True)
            return
        ranges = {r["check_id"]: r for r in data.evidence.check_ranges()}
        cols = columns(doc, "report_check_evidence")
        for check_id, group in itertools.groupby(
            data.evidence.items(), key=lambda i: i["check_id"]
        ):
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
                    + f" · {_ref_range(summary.get('first_ref'), summary.get('last_ref'))}"
                ),
                Span("\nSOC 2: ", bold=True),
                Span(", ".join(controls.get("SOC2") or []) or "—"),
                Span("   ISO 27001: ", bold=True),
                Span(", ".join(controls.get("ISO27001") or []) or "—"),
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
                (
                    self._check_item_row(item, first["controls"])
                    for item in itertools.chain([first], group)
                ),
                status_column="Status",
            )

    def _check_item_row(self, item: dict[str, Any], check_controls: str) -> list[Cell]:
        resource: list[Span] = [Span(item["resource_id"])]
        if item["status"] != "PASS" and item.get("message"):
            resource.append(Span("\n" + _cut(item["message"]), italic=True))
        if item["controls"] != check_controls:
            controls = loads(item["controls"], {}) or {}
            mapped = "; ".join(
                f"{FRAMEWORK_LABELS.get(k, k)}: {', '.join(v)}" for k, v in controls.items() if v
            )
            resource.append(Span(f"\nMaps to {mapped}", italic=True))
        return [
            ref(item["ref"]),
            resource,
            item["status"],
            when(item["last_seen"]),
            str(item["observations"]),
        ]

    # -- ISO: SoA, documents, risk treatment -----------------------------------------------------

    def statement_of_applicability(self, section: Any) -> None:
        doc = self.doc
        self._open(section)
        fw = self.data.frameworks["ISO27001"]
        tallies = {"Implemented": 0, "Partially implemented": 0, "Not implemented": 0}
        tallies["Not assessed"] = 0
        rows = []
        for control in fw["controls"]:
            row = self._soa_row(fw, control)
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

    def _soa_row(self, fw: dict[str, Any], control: dict[str, Any]) -> list[Cell]:
        checks = fw["controlChecks"].get(control["id"], [])
        items = sum(int(c["items"]) for c in checks)
        policies = control.get("policies") or []
        if items and policies:
            justification = "Covered by automated evidence and policy"
        elif items:
            justification = "Covered by automated evidence"
        elif policies:
            justification = "Covered by policy"
        else:
            justification = "Not covered by automated evidence — assess manually"
        status = control["status"]
        counts = control["counts"]
        if status == "NOT_COVERED":
            implementation = "Not assessed"
        elif status == "PASSING":
            implementation = "Implemented"
        elif status == "FAILING" and counts["pass"] + counts["excepted"] == 0:
            implementation = "Not implemented"
        else:
            implementation = "Partially implemented"
        linked = []
        if items:
            failing = sum(int(c["failing"] or 0) for c in checks)
            linked.append(
                f"{plural(items, 'item')}" + (f" ({failing:,} failing)" if failing else "")
            )
        linked.extend(p["title"] for p in policies)
        return [
            control["id"],
            control["title"],
            "Yes",
            justification,
            implementation,
            "\n".join(linked) or "—",
        ]

    def document_register(self, section: Any) -> None:
        doc, data = self.doc, self.data
        self._open(section)
        latest = {p["templateId"]: p for p in data.policies}
        titles = {s.id: s.title for s in self.spec.sections}
        rows = []
        for entry in iso_documents():
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

    def risk_treatment(self, section: Any) -> None:
        doc, data = self.doc, self.data
        self._open(section)
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

    # -- findings --------------------------------------------------------------------------------

    def exceptions(self, section: Any) -> None:
        doc = self.doc
        self._open(section)
        self._sla_note()
        doc.table(
            columns(doc, "report_exceptions"),
            (self._exception_row(item) for item in self.data.evidence.failures()),
            status_column="Status",
            empty_text="No evidence item failed in this period.",
        )

    def _sla_note(self) -> None:
        sla = self.data.sla_days
        if sla:
            self.doc.paragraph(
                "Failed: the first and last failing observation in the period. "
                "Status: FIXED — a later observation in the period passed; OPEN — still failing, "
                "within its remediation SLA; OVERDUE — still failing past it; ACCEPTED — covered by "
                "a risk exception. SLA from the first failure in the period: "
                + ", ".join(f"{sev} {days} days" for sev, days in sla.items())
                + " (company profile).",
                size=self.doc.layout.sizes["small"],
                colour="muted",
            )

    def _exception_row(self, item: dict[str, Any]) -> list[Cell]:
        data = self.data
        first, last = day(item["first_fail"]), day(item["last_fail"])
        failed = first if first == last else f"{first}\n{last}"
        due = data.sla_due(item)
        if item.get("exception_id"):
            status = "ACCEPTED"
            exc = self.exceptions_by_id.get(item["exception_id"])
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
            resource.append(Span("\n" + _cut(item["message"]), italic=True))
        return [
            ref(item["ref"]),
            item["check_id"],
            resource,
            item["severity"],
            failed,
            status,
            detail,
        ]

    def nonconformities(self, section: Any) -> None:
        doc = self.doc
        self._open(section)
        doc.heading("Nonconformities", 2)
        self._sla_note()
        doc.table(
            columns(doc, "report_exceptions"),
            (self._exception_row(item) for item in self.data.evidence.failures()),
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
                    [Span(item["resource_id"]), Span("\n" + _cut(item["message"]), italic=True)],
                    item["severity"],
                    item["status"],
                    day(item["last_seen"]),
                ]
                for item in self.data.evidence.failures(statuses=("WARNING", "ERROR"))
            ),
            status_column="Status",
            empty_text="No warning or unevaluated item at the end of the period.",
        )

    def accepted_risks(self, section: Any) -> None:
        doc = self.doc
        self._open(section)
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
                for e in self.data.accepted_risks
            ),
            empty_text="No risk exception was in force during this period.",
        )

    def populations(self, section: Any) -> None:
        doc = self.doc
        self._open(section)
        found = False
        quiet: list[str] = []
        cols = columns(doc, "report_population")
        for population in self.data.populations():
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
            doc.table(cols, (self._pull_row(pr) for pr in pulls))
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

    @staticmethod
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

    # -- policies and manifest -------------------------------------------------------------------

    def policy_register(self, section: Any) -> None:
        doc = self.doc
        self._open(section)
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
                for p in self.data.policies
            ),
            empty_text="No policy has been generated in Sentinel ('sentinel policies generate').",
        )

    def manifest(self, section: Any) -> None:
        doc = self.doc
        self._open(section)
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
                for r, evidence_id, _at, sha in self.data.evidence.manifest()
            ),
            font_size=MANIFEST_FONT,
            empty_text="No evidence item in this period.",
        )


def _ref_range(first: int | None, last: int | None) -> str:
    return ref(first) if first == last else f"{ref(first)}–{ref(last)}"


def _groups(fw: dict[str, Any]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(group id, group title, controls) in the framework's order."""
    from sentinel_cli.frameworks import load_framework

    framework = load_framework(fw["framework"]["id"])
    by_group: dict[str, list[dict[str, Any]]] = {}
    for control in fw["controls"]:
        by_group.setdefault(control["group"], []).append(control)
    return [
        (str(g["id"]), str(g["title"]), by_group.get(str(g["id"]), []))
        for g in framework.groups
        if by_group.get(str(g["id"]))
    ]


def _policy_state(policy: Policy) -> str:
    if policy["status"] == "APPROVED":
        return f"approved {day(policy.get('approvedAt'))}"
    return str(policy["status"]).lower()


def _approval(policy: Policy) -> str:
    if policy.get("approvedBy"):
        return f"{policy['approvedBy']}, {day(policy.get('approvedAt'))}"
    return "Not approved"


__all__ = ["RenderedReport", "render_report", "section_titles"]

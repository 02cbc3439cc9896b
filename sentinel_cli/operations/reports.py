"""Audit reports: generate (``POST /api/reports/generate``), list (``GET /api/reports``), download
(``GET /api/reports/:id/download``) and verify a downloaded file against the store.

Generation is synchronous: the row is written as GENERATING (and committed, so a concurrent list
shows it), the PDF is rendered from the period's evidence (``operations.report_data`` gathers,
``rendering.reports`` draws), and the row becomes COMPLETED with the PDF, its size, SHA-256, page
count and a JSON summary (scores and counts) — or FAILED with the error, which is then re-raised.
Each outcome writes an activity entry. The plan must include the report type
(``billing.ensure_report_type``); reading and downloading existing reports never checks the plan.

Decisions (also in the README):

* **Period**: whole UTC days, both inclusive; default the 90 days ending today. Only evidence
  collected inside the period counts; a period without any is still a valid report that says so.
* **Integrity**: the SHA-256 of the whole PDF is stored with the report; ``verify_report_file``
  recomputes a file's hash and looks it up, so a copy that was altered (or never came from this
  store) is reported as such. The PDF's evidence manifest lists each item's raw-data SHA-256.
* **File names** are ``<type>-<start>-<end>-<id8>.pdf`` (lower-case type with dashes).

fpdf2 is imported only inside ``generate_report`` (through ``rendering.reports``).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sentinel_cli.errors import Conflict, InvalidInput, NotFound
from sentinel_cli.operations.ids import resolve_id
from sentinel_cli.operations.policies import PolicyDocument
from sentinel_cli.operations.report_data import (
    REPORT_TYPES,
    Period,
    ReportData,
    parse_period,
    parse_report_type,
)
from sentinel_cli.store import Store
from sentinel_cli.timeutil import parse_iso, to_iso, utcnow
from sentinel_cli.wire import (
    SEVERITIES,
    STATUSES,
    GeneratedReport,
    JsonObject,
    Report,
    ReportVerification,
)

MEDIA_TYPE = "application/pdf"
STAGE_READING = "Reading the evidence of the period"
STAGE_STORING = "Storing the report"

ReportDocument = PolicyDocument
"""A downloadable document (bytes, file name, media type), as for policies."""

ProgressCallback = Callable[[str, int, int], None]
"""``progress(stage label, stages done, total stages)``."""


# -- shapes -------------------------------------------------------------------------------------


def report_shape(row: dict[str, Any]) -> Report:
    """The API's report object (camelCase, no content)."""
    return {
        "id": row["id"],
        "reportType": row["type"],
        "periodStart": row["period_start"],
        "periodEnd": row["period_end"],
        "status": row["status"],
        "fileName": row.get("file_name"),
        "size": row.get("size"),
        "sha256": row.get("sha256"),
        "pages": row.get("pages"),
        "createdAt": row["created_at"],
        "completedAt": row.get("completed_at"),
        "createdBy": row.get("created_by"),
        "errorMessage": row.get("error_message"),
        "summary": row.get("summary") or {},
    }


def file_name_for(report_type: str, period: Period, report_id: str) -> str:
    kind = report_type.lower().replace("_", "-")
    return f"{kind}-{period.start.isoformat()}-{period.end.isoformat()}-{report_id[:8]}.pdf"


# -- generate -----------------------------------------------------------------------------------


def stages(report_type: str) -> list[str]:
    """The progress stages of generating a report of this type, in order."""
    from sentinel_cli.rendering.pdf_layout import load_layout

    sections = [s.title for s in load_layout().report(parse_report_type(report_type)).sections]
    return [STAGE_READING, *sections, STAGE_STORING]


def generate_report(
    store: Store,
    *,
    report_type: str,
    period_start: str | date | None = None,
    period_end: str | date | None = None,
    actor: str | None = None,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
) -> GeneratedReport:
    """Generate, store and return ``{"report": shape}`` (see the module docstring)."""
    from sentinel_cli.operations.billing import ensure_report_type

    rtype = parse_report_type(report_type)
    moment = parse_iso(to_iso(now or utcnow()))  # whole seconds, UTC: what the row records
    period = parse_period(period_start, period_end, now=moment)
    ensure_report_type(store, rtype, now=moment)
    steps = stages(rtype)
    done = 0

    def step(label: str) -> None:
        nonlocal done
        if progress is not None:
            progress(label, done, len(steps))
        done += 1

    report_id = str(uuid.uuid4())
    created_at = to_iso(moment)
    with store.transaction():
        store.reports.create(
            report_id=report_id,
            report_type=rtype,
            period_start=period.start.isoformat(),
            period_end=period.end.isoformat(),
            created_at=created_at,
            created_by=actor,
        )
    try:
        content, pages, summary = _build(store, rtype, period, moment, report_id, step)
    except BaseException as exc:
        message = str(exc) or type(exc).__name__
        with store.transaction():
            store.reports.fail(report_id, error_message=message[:2000], completed_at=_stamp(now))
            store.activity.record(
                "report.failed",
                f"Generating the {rtype} report for {period.label()} failed: {message[:300]}",
                actor=actor,
                target_type="report",
                target_id=report_id,
                details={"reportType": rtype},
            )
        raise
    step(STAGE_STORING)
    digest = hashlib.sha256(content).hexdigest()
    completed_at = _stamp(now)
    with store.transaction():
        store.reports.complete(
            report_id,
            file_name=file_name_for(rtype, period, report_id),
            content=content,
            sha256=digest,
            pages=pages,
            summary=summary,
            completed_at=completed_at,
        )
        store.activity.record(
            "report.generated",
            f"Generated the {rtype} report for {period.label()} ({pages} pages)",
            actor=actor,
            target_type="report",
            target_id=report_id,
            details={"reportType": rtype, "sha256": digest, "pages": pages},
            at=completed_at,
        )
    if progress is not None:
        progress("Done", len(steps), len(steps))
    row = store.reports.get(report_id)
    assert row is not None
    return {"report": report_shape(row)}


def _stamp(now: datetime | None) -> str:
    return to_iso(now or utcnow())


def _build(
    store: Store,
    report_type: str,
    period: Period,
    moment: datetime,
    report_id: str,
    step: Callable[[str], None],
) -> tuple[bytes, int, JsonObject]:
    from sentinel_cli.operations.report_data import gather
    from sentinel_cli.rendering.pdf_layout import load_layout
    from sentinel_cli.rendering.reports import render_report

    step(STAGE_READING)
    as_of = min(period.end_iso, to_iso(moment))
    with store.reports.period(
        period.start_iso, period.end_iso, exceptions=store.exceptions.active_at(as_of)
    ) as evidence:
        data = gather(store, evidence, report_type=report_type, period=period, generated_at=moment)
        rendered = render_report(data, report_id=report_id, progress=step)
        summary = _summary(data)
    limit = load_layout().report(report_type).max_pages
    if limit is not None and rendered.pages > limit:
        raise RuntimeError(
            f"the {report_type} report came out at {rendered.pages} pages, over its limit of "
            f"{limit}"
        )
    return rendered.content, rendered.pages, summary


def _summary(data: ReportData) -> JsonObject:
    totals = data.totals
    return {
        "scores": {
            "overall": data.overall_score,
            **{fid: summary["score"] for fid, summary in data.frameworks.items()},
        },
        "counts": {
            "items": int(totals.get("items") or 0),
            "observations": int(totals.get("observations") or 0),
            "byStatus": {s: data.status_counts.get(s, 0) for s in STATUSES},
            "failingBySeverity": {s: data.failing_by_severity.get(s, 0) for s in SEVERITIES},
            "excepted": int(totals.get("excepted") or 0),
            "failedInPeriod": int(totals.get("failed_in_period") or 0),
            "remediated": int(totals.get("remediated") or 0),
            "overdue": data.overdue_failure_count,
        },
        "controls": {
            fid: {
                k: summary["totals"][k]
                for k in ("controls", "covered", "passing", "failing", "warning", "notCovered")
            }
            for fid, summary in data.frameworks.items()
        },
        "integrations": len(data.integrations),
        "collections": data.collections,
        "evidenceInPeriod": data.has_evidence,
        "trend": data.trend if data.timeline else None,
    }


# -- read ---------------------------------------------------------------------------------------


def resolve_report(store: Store, report_id: str) -> dict[str, Any]:
    """A report row by id, or by an unambiguous id prefix of 4+ characters."""
    return resolve_id(
        report_id,
        get=store.reports.get,
        find_by_prefix=store.reports.find_by_prefix,
        noun="report",
        hint="run 'sentinel reports list' to see the ids",
    )


def list_reports(store: Store) -> list[Report]:
    """Every report, newest first, without content (``GET /api/reports``)."""
    return [report_shape(r) for r in store.reports.list()]


def download_report(store: Store, report_id: str) -> ReportDocument:
    """The PDF bytes, file name and media type of a COMPLETED report."""
    row = resolve_report(store, report_id)
    if row["status"] != "COMPLETED":
        raise Conflict(
            f"report {row['id']} is {row['status']}, so it has no PDF to download",
            hint="generate it again: sentinel reports generate --type " + row["type"],
        )
    content = store.reports.content(row["id"])
    if content is None:
        raise NotFound(f"report {row['id']} has no stored content")
    return ReportDocument(content, row["file_name"] or f"report-{row['id'][:8]}.pdf", MEDIA_TYPE)


# -- verify -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The verdict on a file: VERIFIED (its SHA-256 is a stored report's), ALTERED (its name is
    a stored report's but its content differs) or UNKNOWN (no report in this store)."""

    verdict: str
    sha256: str
    size: int
    path: str
    report: Report | None
    message: str

    @property
    def ok(self) -> bool:
        return self.verdict == "VERIFIED"

    def shape(self) -> ReportVerification:
        return {
            "verdict": self.verdict,
            "ok": self.ok,
            "file": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "report": self.report,
            "message": self.message,
        }


def hash_report_file(path: str | Path) -> tuple[Path, str, int]:
    """The file to verify, its SHA-256 (streamed, 1 MiB at a time) and its size."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise InvalidInput(f"{str(file)!r} is not a file", hint="give the path of a report PDF")
    digest = hashlib.sha256()
    size = 0
    try:
        with file.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
    except OSError as exc:
        raise InvalidInput(f"cannot read {str(file)!r}: {exc.strerror or exc}") from None
    return file, digest.hexdigest(), size


def verdict_for(file: Path, sha: str, size: int, reports: Iterable[Report]) -> Verification:
    """The verdict on a hashed file among candidate reports (API shapes, oldest first; only
    COMPLETED ones count): the oldest with its SHA-256, else the newest with its file name.

    Pure, so the local store and a Sentinel server (its report listing) decide alike."""
    completed = sorted(
        (r for r in reports if r.get("status") == "COMPLETED"), key=lambda r: r["createdAt"]
    )
    same = [r for r in completed if r.get("sha256") == sha]
    if same:
        report = same[0]
        return Verification(
            "VERIFIED",
            sha,
            size,
            str(file),
            report,
            f"{file.name} is the {report['reportType']} report {report['id']} for "
            f"{report['periodStart']} to {report['periodEnd']}, generated {report['createdAt']}: "
            "its SHA-256 matches.",
        )
    named = [r for r in completed if r.get("fileName") == file.name]
    if named:
        report = named[-1]
        return Verification(
            "ALTERED",
            sha,
            size,
            str(file),
            report,
            f"{file.name} does not match the {report['reportType']} report {report['id']} of "
            f"that name ({report['periodStart']} to {report['periodEnd']}): its SHA-256 is {sha}, "
            f"the report's is {report['sha256']}. The file was altered or is not the generated "
            "report.",
        )
    return Verification(
        "UNKNOWN",
        sha,
        size,
        str(file),
        None,
        f"no report in this store has the SHA-256 of {file.name} ({sha}): it was altered, or "
        "generated by another Sentinel store.",
    )


def verify_report_file(store: Store, path: str | Path) -> Verification:
    """Hash the file (streamed) and compare it with the reports in the store."""
    file, sha, size = hash_report_file(path)
    candidates = [*store.reports.find_by_sha256(sha), *store.reports.find_by_file_name(file.name)]
    return verdict_for(file, sha, size, [report_shape(row) for row in candidates])


__all__ = [
    "MEDIA_TYPE",
    "REPORT_TYPES",
    "ReportDocument",
    "Verification",
    "download_report",
    "file_name_for",
    "generate_report",
    "hash_report_file",
    "list_reports",
    "report_shape",
    "resolve_report",
    "stages",
    "verdict_for",
    "verify_report_file",
]

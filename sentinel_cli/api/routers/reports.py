"""``/api/reports``: generate an audit report for a period, list reports, download the PDF.

Generation is synchronous, as in the CLI: a report of a 90-day period renders in seconds, and the
caller gets the stored report (with the PDF's SHA-256) in the response.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from sentinel_cli.api.auth import Member, Viewer
from sentinel_cli.api.deps import StoreDep
from sentinel_cli.api.errors import ok
from sentinel_cli.api.models import ERRORS, ReportGenerateBody, doc
from sentinel_cli.operations import reports

router = APIRouter(prefix="/api/reports", tags=["reports"], responses=ERRORS)
Obj = dict[str, Any]


@router.post("/generate", **doc("ReportGenerated", 201, report=Obj))
def generate(body: ReportGenerateBody, principal: Member, store: StoreDep) -> JSONResponse:
    """Generate a SOC2_AUDIT, ISO27001_AUDIT, COMBINED_AUDIT or EXECUTIVE_SUMMARY PDF."""
    result = reports.generate_report(
        store,
        report_type=body.reportType,
        period_start=body.periodStart,
        period_end=body.periodEnd,
        actor=principal.email,
    )
    return ok(result, 201)


@router.get("", **doc("ReportList", reports=list[Obj]))
def list_reports(principal: Viewer, store: StoreDep) -> JSONResponse:
    """Generated reports, newest first (metadata only)."""
    return ok(reports.list_reports(store))


@router.get(
    "/{report_id}/download",
    response_class=Response,
    responses={200: {"description": "The PDF", "content": {"application/pdf": {}}}},
)
def download(report_id: str, principal: Viewer, store: StoreDep) -> Response:
    """The report's PDF, byte for byte as stored (its SHA-256 is in the report object)."""
    document = reports.download_report(store, report_id)
    return Response(
        document.content,
        media_type=document.media_type,
        headers={"Content-Disposition": f'attachment; filename="{document.filename}"'},
    )

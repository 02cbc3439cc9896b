"""``/reports``: generate an audit report (type and period), the reports generated so far with
their PDF downloads, and a form that verifies a report file against the store.

Generating is the API's ``generate_report`` use case (``POST /api/reports/generate``), run on a
queue worker with the page waiting for it, as the API's request does; a refused request (a bad period, a report type the plan does not include) shows the
form again with the operation's message and the API's status. Downloading is ``download_report``
(``GET /api/reports/{id}/download``), byte for byte the stored PDF.

Verifying: the API has no route for it, because the CLI hashes the file on the caller's machine
and compares it with the server's report listing. A browser cannot hash a file without a script
of ours, so the page takes the file as an upload (``multipart/form-data``, within the server's
upload limit for this route, 64 MiB by default, ``SENTINEL_MAX_UPLOAD_BYTES``; a larger file is
refused with 413 and ``sentinel reports verify FILE`` remains the way for it), writes it under its own name to a private
temporary directory and calls ``operations.reports.verify_report_file``, the function behind
``sentinel reports verify``: VERIFIED, ALTERED or UNKNOWN, with the same message. Any signed-in
user may verify; it changes nothing.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sentinel_cli.api.deps import leased_store, state_of
from sentinel_cli.errors import InvalidInput, SentinelError, StoreUnavailable
from sentinel_cli.operations.report_data import DEFAULT_PERIOD_DAYS
from sentinel_cli.operations.reports import Verification, list_reports, verify_report_file
from sentinel_cli.timeutil import utcnow
from sentinel_cli.web.auth import Member, Viewer
from sentinel_cli.web.calls import call, download
from sentinel_cli.web.forms import read_file, read_form
from sentinel_cli.web.routing import page_router
from sentinel_cli.web.templating import render
from sentinel_cli.wire import REPORT_TYPES

router = page_router()

UPLOAD_FIELD = "report_file"
TYPE_LABELS = {
    "SOC2_AUDIT": "SOC 2 audit",
    "ISO27001_AUDIT": "ISO 27001 audit",
    "COMBINED_AUDIT": "Combined audit (SOC 2 and ISO 27001)",
    "EXECUTIVE_SUMMARY": "Executive summary",
}
assert set(TYPE_LABELS) == set(REPORT_TYPES)


def _size(count: int) -> str:
    """A byte count as people say it (``1 MiB``, ``512 KiB``)."""
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size:
            return f"{count / size:g} {unit}"
    return f"{count} bytes"


def _default_period() -> dict[str, str]:
    today = utcnow().date()
    start = today - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    return {"period_start": start.isoformat(), "period_end": today.isoformat()}


def _page(
    request: Request,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    error: SentinelError | None = None,
    verification: Verification | None = None,
    verify_error: SentinelError | None = None,
) -> Response:
    reports = list_reports(leased_store(request))
    generated = request.query_params.get("generated") or ""
    return render(
        request,
        "reports/list.html",
        {
            "reports": reports,
            "types": TYPE_LABELS,
            "values": values or {"report_type": REPORT_TYPES[0], **_default_period()},
            "error": error,
            "verification": verification,
            "verify_error": verify_error,
            "generated": next((r for r in reports if r["id"] == generated), None),
            "upload_field": UPLOAD_FIELD,
            "upload_limit": _size(state_of(request).settings.body_limit("/reports/verify")),
        },
        title="Reports",
        active="reports",
        status=status,
    )


@router.get("/reports")
def reports_page(request: Request, session: Viewer) -> Response:
    return _page(request)


@router.post("/reports/generate")
async def generate(request: Request, session: Member) -> Response:
    form = await read_form(request)
    values = {k: (form.get(k) or "").strip() for k in ("report_type", "period_start", "period_end")}
    try:
        generated = await run_in_threadpool(
            call,
            request,
            session,
            "generate_report",
            report_type=values["report_type"],
            period_start=values["period_start"] or None,
            period_end=values["period_end"] or None,
        )
    except SentinelError as exc:
        if isinstance(exc, StoreUnavailable):
            raise
        return await run_in_threadpool(
            _page, request, status=exc.http_status, values=values, error=exc
        )
    report_id = generated["report"]["id"]
    return RedirectResponse(f"/reports?generated={report_id}#report-{report_id}", status_code=303)


@router.get("/reports/{report_id}/download")
def download_report(report_id: str, request: Request, session: Viewer) -> Response:
    return download(call(request, session, "download_report", report_id=report_id))


def _safe_name(filename: str | None) -> str:
    """The uploaded file's own name (its last path part), which verification compares with the
    stored reports' names; never a path of the server."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name in ("", ".", "..") or len(name) > 255 or "\x00" in name:
        return "uploaded-report.pdf"
    return name


def _verify_upload(store: Any, upload: UploadFile, name: str) -> Verification:
    with tempfile.TemporaryDirectory(prefix="sentinel-verify-") as folder:
        path = Path(folder) / name
        upload.file.seek(0)
        with path.open("wb") as out:
            for chunk in iter(lambda: upload.file.read(1 << 20), b""):
                out.write(chunk)
        return verify_report_file(store, path)


@router.post("/reports/verify")
async def verify(request: Request, session: Viewer) -> Response:
    """Hash an uploaded file and look it up among the stored reports (changes nothing)."""
    try:
        upload = await read_file(request, UPLOAD_FIELD)
        if upload is None:
            raise InvalidInput(
                "choose a report file to verify", hint="a PDF downloaded from this page"
            )
        try:
            name = _safe_name(upload.filename)
            verdict = await run_in_threadpool(_verify_upload, leased_store(request), upload, name)
        finally:
            await upload.close()
    except InvalidInput as exc:
        return await run_in_threadpool(_page, request, status=400, verify_error=exc)
    return await run_in_threadpool(_page, request, verification=verdict)

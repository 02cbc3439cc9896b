"""Reports over HTTP: generate (201) from a real collection, list, download the exact PDF."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.helpers.server import Api, assert_error, data_of


def test_generate_list_and_download(api: Api, collected: dict[str, Any]) -> None:
    body = {"reportType": "EXECUTIVE_SUMMARY"}
    report = data_of(api.as_("MEMBER").post("/api/reports/generate", json=body), 201)["report"]
    assert report["reportType"] == "EXECUTIVE_SUMMARY" and report["status"] == "COMPLETED"

    listed = data_of(api.as_("VIEWER").get("/api/reports"))["reports"]
    assert report["id"] in [r["id"] for r in listed]
    assert all("content" not in r for r in listed)

    pdf = api.as_("VIEWER").get(f"/api/reports/{report['id']}/download")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == report["sha256"]


def test_report_refusals(api: Api) -> None:
    member = api.as_("MEMBER")
    assert_error(member.post("/api/reports/generate", json={"reportType": "NOPE"}), 400)
    assert_error(
        member.post(
            "/api/reports/generate",
            json={
                "reportType": "SOC2_AUDIT",
                "periodStart": "2025-02-01",
                "periodEnd": "2025-01-01",
            },
        ),
        400,
    )
    assert_error(
        api.as_("VIEWER").post("/api/reports/generate", json={"reportType": "SOC2_AUDIT"}), 403
    )
    assert_error(api.as_("VIEWER").get("/api/reports/does-not-exist/download"), 404)

"""Report generation runs on a queue worker, not in the web process: with no worker the request
says so (503, no traceback, nothing left to run later); with one it answers exactly as the
synchronous call would, domain errors included."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from tests.helpers.server import Server, add_users, assert_error, data_of, login, server_env
from tests.helpers.worker import running_worker


def test_report_generation_waits_for_a_worker_and_answers_as_before(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    body = {"reportType": "EXECUTIVE_SUMMARY", "periodStart": "2026-01-01"}
    # A short wait to see the refusal quickly; a second server on the same store, with room for
    # a loaded machine, to see the answer once a worker runs.
    impatient = Server(
        home, server_env(home, SENTINEL_BACKGROUND_TIMEOUT="2"), args=("--no-worker",)
    )
    add_users(impatient.settings, ("member@example.com", "MEMBER"))
    impatient.start()
    try:
        client = impatient.client(login(impatient, "member@example.com"))
        refused = client.post("/api/reports/generate", json=body)
        assert_error(refused, 503, "no queue worker")
        assert "sentinel worker" in refused.json()["message"] + refused.headers.get(
            "x-sentinel-hint", ""
        )
    finally:
        impatient.stop()

    env = server_env(home, SENTINEL_BACKGROUND_TIMEOUT="120")
    server = Server(home, env, args=("--no-worker",))
    server.start()
    try:
        client = server.client(login(server, "member@example.com"))
        with running_worker(env, tmp_path / "worker.log"):
            report = data_of(client.post("/api/reports/generate", json=body), 201)["report"]
            assert report["reportType"] == "EXECUTIVE_SUMMARY"
            pdf = client.get(f"/api/reports/{report['id']}/download")
            assert pdf.status_code == 200
            out = tmp_path / "report.pdf"
            out.write_bytes(pdf.content)
            assert len(PdfReader(out).pages) >= 1

            bad = client.post("/api/reports/generate", json={"reportType": "NOPE"})
            assert_error(bad, 400, "NOPE")
        # The timed-out request was revoked: it never produced a report afterwards.
        reports = data_of(client.get("/api/reports"))["reports"]
        assert [r["id"] for r in reports] == [report["id"]]
    finally:
        server.stop()

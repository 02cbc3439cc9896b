"""Collection from the API as a background job, against the local GitHub API stand-in, then the
evidence, dashboard and exceptions routes over what it collected; 409 for a concurrent collect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel_cli.errors import Conflict
from sentinel_cli.operations import collect
from sentinel_cli.store import open_store
from tests.helpers.server import Api, assert_error, data_of, wait_for_job


def test_collect_answers_202_with_a_running_job_at_once(collected: dict[str, Any]) -> None:
    started = collected["started"]
    assert started["message"] == "Evidence collection started"
    assert started["job"]["status"] == "RUNNING"
    assert started["job"]["integrationId"] == collected["integration"]["id"]
    assert started["job"]["trigger"] == "api"


def test_the_background_job_completes_and_is_visible(api: Api, collected: dict[str, Any]) -> None:
    job = collected["job"]
    assert job["status"] in ("COMPLETED", "PARTIAL"), job
    assert job["totalCount"] > 0 and job["failCount"] > 0
    # The collection recorded its steps in the job as it went; the last one is the total.
    assert collected["started"]["job"]["progress"] is None
    progress = job["progress"]
    assert progress["total"] > 1 and progress["done"] == progress["total"] and progress["step"]
    assert data_of(api.as_("VIEWER").get(f"/api/jobs/{job['id']}"))["job"] == job
    listed = data_of(api.as_("VIEWER").get("/api/integrations"))["integrations"]
    mine = next(i for i in listed if i["id"] == collected["integration"]["id"])
    assert mine["evidenceCount"] == job["totalCount"] and mine["lastSyncAt"]


def test_evidence_list_filters_and_paginates(api: Api, collected: dict[str, Any]) -> None:
    viewer = api.as_("VIEWER")
    # Scoped to this integration: other modules collect into the same shared server.
    mine = collected["integration"]["id"]
    data = data_of(
        viewer.get("/api/evidence", params={"status": "FAIL", "limit": 5, "integrationId": mine})
    )
    assert data["pagination"]["limit"] == 5 and data["pagination"]["offset"] == 0
    assert data["pagination"]["total"] == collected["job"]["failCount"]
    assert data["evidence"] and all(i["status"] == "FAIL" for i in data["evidence"])
    assert len(data["evidence"]) == 5
    page2 = data_of(
        viewer.get(
            "/api/evidence",
            params={"status": "FAIL", "limit": 5, "offset": 5, "integrationId": mine},
        )
    )
    assert page2["pagination"]["offset"] == 5
    assert page2["evidence"] and all(i["status"] == "FAIL" for i in page2["evidence"])
    assert not {i["id"] for i in page2["evidence"]} & {i["id"] for i in data["evidence"]}
    first10 = data_of(
        viewer.get("/api/evidence", params={"status": "FAIL", "limit": 10, "integrationId": mine})
    )
    assert [i["id"] for i in data["evidence"] + page2["evidence"]] == [
        i["id"] for i in first10["evidence"]
    ]
    both = data_of(
        viewer.get(
            "/api/evidence",
            params=[
                ("status", "FAIL"),
                ("status", "PASS"),
                ("limit", "1000"),
                ("integrationId", mine),
            ],
        )
    )
    job = collected["job"]
    assert {i["status"] for i in both["evidence"]} == {"FAIL", "PASS"}
    assert both["pagination"]["total"] == job["passCount"] + job["failCount"]
    assert len(both["evidence"]) == both["pagination"]["total"]
    scoped = data_of(
        viewer.get(
            "/api/evidence",
            params={"integrationId": collected["integration"]["id"], "framework": "SOC2"},
        )
    )
    assert scoped["pagination"]["total"] > 0


def test_evidence_item_stats_and_compliance(api: Api, collected: dict[str, Any]) -> None:
    viewer = api.as_("VIEWER")
    first = data_of(viewer.get("/api/evidence", params={"limit": 1}))["evidence"][0]
    item = data_of(viewer.get(f"/api/evidence/{first['id']}"))["evidence"]
    assert item["id"] == first["id"] and "rawData" in item and "remediation" in item
    stats = data_of(viewer.get("/api/evidence/stats"))
    assert stats["total"] == sum(stats["byStatus"].values()) > 0
    summary = data_of(viewer.get("/api/evidence/compliance", params={"framework": "SOC2"}))
    assert summary["framework"]["id"] == "SOC2" and summary["controls"]
    assert_error(viewer.get("/api/evidence/compliance", params={"framework": "PCI"}), 400)


def test_dashboard_has_the_spec_keys(api: Api, collected: dict[str, Any]) -> None:
    data = data_of(api.as_("VIEWER").get("/api/dashboard/stats"))
    assert set(data) >= {
        "overview",
        "frameworks",
        "categories",
        "recentActivity",
        "issues",
        "timeline",
        "trend",
    }
    assert data["overview"]["totalChecks"] > 0
    assert set(data["overview"]) >= {
        "totalChecks",
        "passingChecks",
        "failingChecks",
        "warningChecks",
        "complianceScore",
    }


def test_exceptions_round_trip(api: Api, collected: dict[str, Any]) -> None:
    failing = data_of(api.as_("VIEWER").get("/api/evidence", params={"status": "FAIL"}))
    check_id = failing["evidence"][0]["checkId"]
    body = {
        "checkId": check_id,
        "resourcePattern": failing["evidence"][0]["resourceId"],
        "reason": "Accepted until the migration ends",
        "owner": "cto@example.com",
        "expires": (datetime.now(UTC) + timedelta(days=300)).date().isoformat(),
    }
    exc = data_of(api.as_("MEMBER").post("/api/exceptions", json=body), 201)["exception"]
    assert exc["checkId"] == check_id and exc["state"] == "ACTIVE"
    listed = data_of(api.as_("VIEWER").get("/api/exceptions"))["exceptions"]
    assert exc["id"] in [e["id"] for e in listed]
    assert_error(api.as_("MEMBER").delete(f"/api/exceptions/{exc['id']}"), 403)
    removed = data_of(api.as_("ADMIN").delete(f"/api/exceptions/{exc['id']}"))["exception"]
    assert removed["state"] == "REMOVED"
    assert_error(
        api.as_("MEMBER").post("/api/exceptions", json={**body, "expires": "2001-01-01"}), 400
    )


def test_a_second_collect_while_one_runs_is_409(api: Api, collected: dict[str, Any]) -> None:
    """A RUNNING job held by a live process (this test) makes the server refuse with 409."""
    integration_id = collected["integration"]["id"]
    with open_store(api.server.settings) as store:
        job = collect.start_collection(store, integration_id, trigger="test")
        try:
            response = api.as_("MEMBER").post(f"/api/integrations/{integration_id}/collect")
            assert_error(response, 409, "already running")
        finally:
            with store.transaction():
                store.jobs.finish(job["id"], status="FAILED", error_message="test over")


def test_start_collection_refuses_a_concurrent_one(api: Api, collected: dict[str, Any]) -> None:
    with open_store(api.server.settings) as store:
        job = collect.start_collection(store, collected["integration"]["id"], trigger="test")
        try:
            with pytest.raises(Conflict):
                collect.start_collection(store, collected["integration"]["id"], trigger="test")
        finally:
            with store.transaction():
                store.jobs.finish(job["id"], status="FAILED", error_message="test over")


def test_collect_of_an_unreachable_github_ends_failed(api: Api) -> None:
    body = {
        "orgName": "ghost",
        "token": "ghp_unreachable00000000000000000000000",
        "baseUrl": "http://127.0.0.1:9/api/v3",
        "verify": False,
    }
    integration = data_of(
        api.as_("MEMBER").post("/api/integrations/github/connect", json=body), 201
    )["integration"]
    job = data_of(api.as_("MEMBER").post(f"/api/integrations/{integration['id']}/collect"), 202)[
        "job"
    ]
    done = wait_for_job(api, integration["id"], job["id"])
    assert done["status"] == "FAILED" and done["errorMessage"]
    data_of(api.as_("ADMIN").delete(f"/api/integrations/{integration['id']}"))

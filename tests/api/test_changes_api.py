"""``GET /api/jobs/:id/changes`` over real HTTP: two collections of a GitHub organisation started
through the API (the organisation changed in between), read back by a VIEWER."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sentinel_cli.operations.changes import job_changes
from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
from sentinel_cli.standins.github_seed import RepoSeed, seed_org
from sentinel_cli.store import open_store
from tests.helpers.server import Api, assert_error, data_of, wait_for_job

ORG = "changes-co"


@pytest.fixture(scope="module")
def jobs(api: Api) -> Iterator[dict[str, Any]]:
    seed = seed_org(ORG)
    with running_github_api(seed) as (base_url, _server):
        member = api.as_("MEMBER")
        body = {"orgName": ORG, "token": OWNER_TOKEN, "baseUrl": base_url, "name": "Changes Co"}
        connected = member.post("/api/integrations/github/connect", json=body)
        integration = data_of(connected, 201)["integration"]

        def collect() -> str:
            started = data_of(member.post(f"/api/integrations/{integration['id']}/collect"), 202)
            job = wait_for_job(api, integration["id"], started["job"]["id"])
            assert job["status"] in ("COMPLETED", "PARTIAL"), job
            return str(job["id"])

        first = collect()
        seed.repo("api").protection = None
        seed.repos.append(RepoSeed(name="ledger", protection=None, id=7070))
        second = collect()
        yield {"integration": integration, "first": first, "second": second}


def test_a_viewer_reads_what_changed(api: Api, jobs: dict[str, Any]) -> None:
    viewer = api.as_("VIEWER")
    changes = data_of(viewer.get(f"/api/jobs/{jobs['second']}/changes"))
    assert changes["job"]["id"] == jobs["second"]
    assert changes["previousJob"]["id"] == jobs["first"]
    assert changes["integrationName"] == "Changes Co" and changes["first"] is False
    newly = {(i["checkId"], i["resourceId"]): i for i in changes["newlyFailing"]}
    protected = newly[("github_repo_default_branch_protected", f"{ORG}/api")]
    assert (protected["previousStatus"], protected["status"]) == ("PASS", "FAIL")
    assert protected["severity"] == "high" and protected["title"]
    assert [r["resourceId"] for r in changes["newResources"]] == [f"{ORG}/ledger"]
    assert changes["counts"]["newlyFailing"] == len(changes["newlyFailing"])
    # The server answers what the operation computes on its store.
    with open_store(api.server.settings) as store:
        assert changes == job_changes(store, jobs["second"])


def test_latest_of_an_integration_and_the_limit(api: Api, jobs: dict[str, Any]) -> None:
    viewer = api.as_("VIEWER")
    params = {"integrationId": jobs["integration"]["id"], "limit": 1}
    latest = data_of(viewer.get("/api/jobs/latest/changes", params=params))
    assert latest["job"]["id"] == jobs["second"] and latest["limit"] == 1
    assert len(latest["newlyFailing"]) == 1 and latest["counts"]["newlyFailing"] > 1
    first = data_of(viewer.get(f"/api/jobs/{jobs['first'][:8]}/changes"))
    assert first["first"] is True and first["previousJob"] is None
    assert first["counts"]["newlyFailing"] == first["job"]["failCount"]


def test_refusals(api: Api, jobs: dict[str, Any]) -> None:
    path = f"/api/jobs/{jobs['second']}/changes"
    assert_error(api.anonymous().get(path), 401)
    viewer = api.as_("VIEWER")
    assert_error(viewer.get("/api/jobs/0000dead-0000/changes"), 404, "no collection job")
    assert_error(viewer.get(path, params={"limit": 0}), 400, "--limit must be between 1 and 1000")

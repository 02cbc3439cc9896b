"""What changed between two real collections of a GitHub organisation (the local GitHub API
stand-in, real HTTP, real PyGithub), the organisation changed in between: a repository fixed,
one unprotected, one deleted, one created, and one API answer refused. The answer of
``sentinel evidence changes`` is checked against the changes seeded and against a plain
item-by-item comparison of the two collections read back from the store."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.operations.changes import job_changes
from sentinel_cli.standins.github_api import OWNER_TOKEN, Reply, running_github_api
from sentinel_cli.standins.github_seed import RepoSeed, seed_org
from sentinel_cli.store import open_store
from tests.helpers.cli import Cli

pytestmark = pytest.mark.e2e

Key = tuple[str, str, str | None]


def _items(settings: Settings, job_id: str) -> dict[Key, tuple[str, str]]:
    with open_store(settings) as store:
        rows = store.conn.execute(
            "SELECT check_id, resource_id, region, status, id FROM evidence WHERE job_id = ?",
            (job_id,),
        ).fetchall()
    return {(r[0], r[1], r[2]): (r[3], r[4]) for r in rows}


def _keys(items: Sequence[Mapping[str, Any]]) -> set[Key]:
    return {(i["checkId"], i["resourceId"], i["region"]) for i in items}


@pytest.fixture
def two_collections(cli: Cli, settings: Settings) -> Iterator[tuple[str, str]]:
    seed = seed_org("acme")
    with running_github_api(seed) as (base_url, server):
        connected = cli(
            "integrations", "connect", "github", "--org", "acme", "--base-url", base_url,
            "--token-stdin", "--json", input=OWNER_TOKEN + "\n",
        )  # fmt: skip
        assert connected.exit_code == 0, connected.stderr
        first = cli("collect", "--json")
        assert first.exit_code == 0, first.stderr
        # The organisation changes between the two collections.
        seed.repo("web").secret_scanning = "enabled"  # fixed
        seed.repo("web").push_protection = "enabled"
        seed.repo("api").protection = None  # newly failing
        seed.repos.remove(seed.repo("billing"))  # vanished
        seed.repos.append(RepoSeed(name="payments", protection=None, id=4242))  # new, failing
        denied = {"message": "Must have push access to view repository collaborators."}
        server.inject("/repos/acme/web/collaborators", Reply(403, denied))  # starts erroring
        second = cli("collect", "--json")
        assert second.exit_code == 0, second.stderr
        yield first.json()["jobs"][0]["id"], second.json()["jobs"][0]["id"]


def test_two_collections_of_a_changed_organisation(
    cli: Cli, settings: Settings, two_collections: tuple[str, str]
) -> None:
    first_job, second_job = two_collections
    result = cli("evidence", "changes", "--json", "--limit", "1000")
    assert result.exit_code == 0, result.stderr
    changes = result.json()
    assert changes["job"]["id"] == second_job and changes["previousJob"]["id"] == first_job

    # What was seeded.
    newly = {(i["checkId"], i["resourceId"]): i for i in changes["newlyFailing"]}
    api = newly[("github_repo_default_branch_protected", "acme/api")]
    assert (api["previousStatus"], api["status"], api["severity"]) == ("PASS", "FAIL", "high")
    payments = newly[("github_repo_default_branch_protected", "acme/payments")]
    assert payments["previousStatus"] is None and payments["previousEvidenceId"] is None
    assert ("github_repo_secret_scanning", "acme/web", None) in _keys(changes["fixed"])
    assert {r["resourceId"] for r in changes["newResources"]} == {"acme/payments"}
    assert {r["resourceId"] for r in changes["vanishedResources"]} == {"acme/billing"}
    billing = changes["vanishedResources"][0]
    assert billing["failing"] > 0 and billing["resourceType"]
    assert [c["checkId"] for c in changes["startedErroring"]] == [
        "github_org_outside_collaborators_no_admin"
    ]

    # And nothing else: the same answer as comparing the two collections item by item.
    before, after = _items(settings, first_job), _items(settings, second_job)
    assert _keys(changes["newlyFailing"]) == {
        k
        for k, (status, _) in after.items()
        if status == "FAIL" and before.get(k, ("",))[0] != "FAIL"
    }
    assert _keys(changes["fixed"]) == {
        k
        for k, (status, _) in after.items()
        if status == "PASS" and before.get(k, ("",))[0] == "FAIL"
    }
    for item in changes["newlyFailing"] + changes["fixed"]:
        key = (item["checkId"], item["resourceId"], item["region"])
        assert item["evidenceId"] == after[key][1]
        assert item["previousEvidenceId"] == (before[key][1] if key in before else None)
    erroring_before = {k[0] for k, (s, _) in before.items() if s == "ERROR"}
    erroring_after = {k[0] for k, (s, _) in after.items() if s == "ERROR"}
    assert {c["checkId"] for c in changes["startedErroring"]} == erroring_after - erroring_before
    counts = changes["counts"]
    assert counts["newlyFailing"] == len(changes["newlyFailing"]) > 2
    assert counts["fixed"] == len(changes["fixed"]) and counts["excepted"] == 0

    # Ordered by severity, then check id, then resource.
    order = ["critical", "high", "medium", "low", "info"]
    ranks = [
        (order.index(i["severity"]), i["checkId"], i["resourceId"]) for i in changes["newlyFailing"]
    ]
    assert ranks == sorted(ranks)

    # The first collection of the integration: every failing item is new.
    with open_store(settings) as store:
        first = job_changes(store, first_job, limit=1000)
    assert first["first"] is True
    assert _keys(first["newlyFailing"]) == {k for k, (s, _) in before.items() if s == "FAIL"}
    assert first["counts"]["newResources"] == len({k[1] for k in before})

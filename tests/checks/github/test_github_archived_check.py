"""github_repo_archived_listed: archived repositories are named, not silently dropped."""

from __future__ import annotations

from gh_inventory import ORG, fetch_error, inventory, repo, run_check, run_with_runner, statuses

from sentinel_cli.checks.base import ERROR, PASS

CID = "github_repo_archived_listed"


def _archived(name: str, *, public: bool = False) -> dict[str, object]:
    entry = repo(name, public=public)
    return {**entry, "archived": True, "pushed_at": "2023-02-01T10:00:00Z"}


def test_one_pass_per_archived_repository_saying_it_is_excluded():
    legacy, old_site = _archived("legacy"), _archived("old-site", public=True)
    inv = inventory(
        repo("api"),
        archived_repos=(f"{ORG}/old-site", f"{ORG}/legacy"),
        archived_listing={f"{ORG}/legacy": legacy, f"{ORG}/old-site": old_site},
    )
    results = run_check(CID, inv)
    assert statuses(results) == {f"{ORG}/legacy": PASS, f"{ORG}/old-site": PASS}
    assert [r.resource_id for r in results] == [f"{ORG}/legacy", f"{ORG}/old-site"]
    site = results[1]
    assert site.resource_type == "github-repository"
    assert "(public) is archived: read-only, and excluded" in site.message
    assert site.data["lastPushedAt"] == "2023-02-01T10:00:00Z"
    assert site.data["visibility"] == "public"


def test_no_archived_repository_is_one_org_pass():
    [r] = run_check(CID, inventory(repo("api"), repo("web")))
    assert (r.status, r.resource_id) == (PASS, ORG)
    assert "all 2 repositories are in scope" in r.message


def test_archived_without_its_listing_entry_still_listed_plainly():
    [r] = run_check(CID, inventory(repo("api"), archived_repos=(f"{ORG}/legacy",)))
    assert (r.status, r.data["visibility"], r.data["lastPushedAt"]) == (
        PASS,
        "visibility unknown",
        "unknown",
    )


def test_failed_listing_lists_nothing_and_is_error():
    inv = inventory(
        repos=None,
        archived_repos=(f"{ORG}/legacy",),  # a partial walk: not the population
        errors=(fetch_error("repos", permission="organization member (read:org)"),),
    )
    assert run_check(CID, inv) == []
    assert statuses(run_with_runner(CID, inv)) == {ORG: ERROR}

"""github_org_outside_collaborators_no_admin: roles of outside collaborators, repository by repository.

Passing, failing and edge inventories: admin anywhere fails even when allow-listed, and the item
names the repositories; a person with lesser roles passes with a summary; an unreadable repository
turns "no admin found" into ERROR (never PASS) while a found admin stays FAIL.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from gh_inventory import ORG, fetch_error, inventory, repo, run_check, run_with_runner, statuses

from sentinel_cli.checks.base import ERROR, FAIL, PASS

CID = "github_org_outside_collaborators_no_admin"
USER_KIND = "github-user"


def collaborator(login: str, role: str, *, custom: str | None = None) -> dict[str, Any]:
    """A ``collaborators?affiliation=outside`` entry in GitHub's shape."""
    ladder = ("pull", "triage", "push", "maintain", "admin")
    rank = {"read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5}[role]
    return {
        "login": login,
        "id": 7,
        "type": "User",
        "permissions": {flag: i < rank for i, flag in enumerate(ladder)},
        "role_name": custom or role,
    }


def _inv(per_repo: dict[str, list[dict[str, Any]]], **fields: Any):
    people = {c["login"] for listed in per_repo.values() for c in listed}
    fields.setdefault("outside_collaborators", [{"login": p} for p in sorted(people)])
    return inventory(
        *(repo(name) for name in per_repo),
        repo_outside_collaborators={f"{ORG}/{name}": listed for name, listed in per_repo.items()},
        **fields,
    )


def test_admin_anywhere_fails_even_when_allow_listed_and_names_the_repositories():
    inv = _inv(
        {
            "api": [collaborator("carol", "write"), collaborator("vic", "read")],
            "platform": [collaborator("carol", "admin")],
            "infra": [collaborator("carol", "admin"), collaborator("vic", "write")],
        }
    )
    results = run_check(CID, inv, allowed_outside_collaborators=("Carol",))
    assert statuses(results) == {f"{ORG}#user-carol": FAIL, f"{ORG}#user-vic": PASS}
    carol = next(r for r in results if r.resource_id == f"{ORG}#user-carol")
    assert carol.resource_type == USER_KIND
    assert carol.data["adminOn"] == [f"{ORG}/infra", f"{ORG}/platform"]
    assert carol.data["allowListed"] is True
    assert f"{ORG}/infra, {ORG}/platform" in carol.message
    assert "does not approve admin rights" in carol.message
    assert carol.data["repositories"] == {
        f"{ORG}/api": "write",
        f"{ORG}/infra": "admin",
        f"{ORG}/platform": "admin",
    }
    vic = next(r for r in results if r.resource_id == f"{ORG}#user-vic")
    assert vic.message.endswith("write on 1 repository, read on 1 repository.")


def test_not_allow_listed_admin_fails_too():
    [r] = run_check(CID, _inv({"web": [collaborator("vic", "admin")]}))
    assert (r.status, r.data["allowListed"]) == (FAIL, False)
    assert "not on the allow-list" in r.message


def test_custom_role_built_on_admin_is_admin():
    person = collaborator("vic", "admin", custom="release-manager")
    [r] = run_check(CID, _inv({"web": [person]}))
    assert r.status == FAIL and r.data["repositories"] == {f"{ORG}/web": "release-manager"}
    # A custom role without admin permission is not admin, whatever its name.
    person = collaborator("vic", "maintain", custom="admin-lite")
    [r] = run_check(CID, _inv({"web": [person]}))
    assert r.status == PASS and "admin-lite on 1 repository" in r.message


def test_role_from_permission_flags_when_role_name_is_absent():
    person = collaborator("vic", "maintain")
    del person["role_name"]
    [r] = run_check(CID, _inv({"web": [person]}))
    assert (r.status, r.data["repositories"]) == (PASS, {f"{ORG}/web": "maintain"})


def test_no_outside_collaborators_is_one_org_pass():
    [r] = run_check(CID, _inv({"api": [], "web": []}))
    assert (r.status, r.resource_id, r.resource_type) == (PASS, ORG, "github-organization")


def test_collaborator_with_access_only_to_archived_or_no_repository():
    inv = _inv({"api": []}, outside_collaborators=[{"login": "ghost"}])
    [r] = run_check(CID, inv)
    assert (r.status, r.resource_id) == (PASS, f"{ORG}#user-ghost")
    assert "no role on any active" in r.message


def test_unreadable_repository_is_error_for_the_unsure_never_pass():
    inv = _inv(
        {
            "api": [collaborator("vic", "read")],
            "platform": [collaborator("carol", "admin")],
        },
        errors=(
            fetch_error(
                "repo_outside_collaborators",
                scope=f"{ORG}/web",
                permission="push access to the repository",
            ),
        ),
    )
    inv = dataclasses.replace(inv, repos=[*(inv.repos or []), repo("web")])
    results = run_with_runner(CID, inv)
    assert statuses(results) == {
        f"{ORG}#user-carol": FAIL,  # admin found: certain whatever web says
        f"{ORG}#user-vic": ERROR,  # no admin found, but web is unknown
        f"{ORG}/web": ERROR,  # the runner names the unreadable repository
    }
    vic = next(r for r in results if r.resource_id == f"{ORG}#user-vic")
    assert f"{ORG}/web" in vic.message and vic.data["unreadRepositories"] == [f"{ORG}/web"]
    web = next(r for r in results if r.resource_id == f"{ORG}/web")
    assert "push access" in web.message


def test_repository_not_collected_is_error_not_pass():
    inv = _inv({"api": [collaborator("vic", "read")]})
    inv = dataclasses.replace(inv, repos=[*(inv.repos or []), repo("web")])
    [r] = run_check(CID, inv)
    assert (r.status, r.data["unreadRepositories"]) == (ERROR, [f"{ORG}/web"])


def test_org_list_failed_still_fails_found_admins_and_is_silent_otherwise():
    err = fetch_error("outside_collaborators", permission="read:org")
    inv = _inv({"api": [collaborator("vic", "admin")]}, outside_collaborators=None, errors=(err,))
    results = run_with_runner(CID, inv)
    assert statuses(results) == {f"{ORG}#user-vic": FAIL, ORG: ERROR}
    inv = _inv({"api": []}, outside_collaborators=None, errors=(err,))
    assert statuses(run_with_runner(CID, inv)) == {ORG: ERROR}  # never "no collaborators"


def test_repository_listing_failed_judges_nobody():
    inv = inventory(
        repos=None,
        outside_collaborators=[{"login": "vic"}],
        errors=(fetch_error("repos", permission="read:org"),),
    )
    assert statuses(run_with_runner(CID, inv)) == {ORG: ERROR}

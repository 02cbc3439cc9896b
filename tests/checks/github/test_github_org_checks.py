"""Organization, Actions and webhook checks: a passing, a failing and an edge inventory each."""

from __future__ import annotations

from gh_inventory import (
    ORG,
    fetch_error,
    inventory,
    per,
    repo,
    run_check,
    run_with_runner,
    statuses,
)

from sentinel_cli.checks.base import ERROR, FAIL, PASS

ORG_KIND = "github-organization"


def _org(**settings: object) -> dict[str, object]:
    return {"login": ORG, "id": 1, **settings}


# ---- github_org_2fa_required ---------------------------------------------------------------


def test_2fa_required_pass_and_fail():
    [ok] = run_check(
        "github_org_2fa_required", inventory(organization=_org(two_factor_requirement_enabled=True))
    )
    assert (ok.status, ok.resource_id, ok.resource_type) == (PASS, ORG, ORG_KIND)
    [bad] = run_check(
        "github_org_2fa_required",
        inventory(organization=_org(two_factor_requirement_enabled=False)),
    )
    assert (bad.status, bad.resource_id) == (FAIL, ORG)


def test_2fa_required_hidden_field_is_error_not_pass():
    [r] = run_check("github_org_2fa_required", inventory(organization=_org()))
    assert (r.status, r.resource_id) == (ERROR, ORG)
    assert "admin:org" in r.message


# ---- github_org_members_without_2fa ---------------------------------------------------------


def test_members_without_2fa():
    [bad] = run_check(
        "github_org_members_without_2fa", inventory(members_2fa_disabled=[{"login": "dave"}])
    )
    assert (bad.status, bad.resource_id, bad.data["membersWithout2fa"]) == (FAIL, ORG, ["dave"])
    [ok] = run_check("github_org_members_without_2fa", inventory(members_2fa_disabled=[]))
    assert ok.status == PASS


def test_members_without_2fa_missing_scope_is_error_naming_it():
    inv = inventory(
        errors=(fetch_error("members_2fa_disabled", permission="token scope admin:org"),)
    )
    [r] = run_with_runner("github_org_members_without_2fa", inv)
    assert (r.status, r.resource_id) == (ERROR, ORG)
    assert "admin:org" in r.message


# ---- github_org_base_permission --------------------------------------------------------------


def test_base_permission():
    for perm, status in (("read", PASS), ("none", PASS), ("write", FAIL), ("admin", FAIL)):
        [r] = run_check(
            "github_org_base_permission",
            inventory(organization=_org(default_repository_permission=perm)),
        )
        assert (r.status, r.resource_id) == (status, ORG), perm
    [hidden] = run_check("github_org_base_permission", inventory(organization=_org()))
    assert hidden.status == ERROR


# ---- github_org_repo_creation ----------------------------------------------------------------


def test_repo_creation():
    def run(**s: object) -> str:
        [r] = run_check("github_org_repo_creation", inventory(organization=_org(**s)))
        assert r.resource_id == ORG
        return r.status

    assert run(members_can_create_repositories=False) == PASS
    assert (
        run(members_can_create_repositories=True, members_can_create_public_repositories=True)
        == FAIL
    )
    # Edge: private-only creation is acceptable; a missing public flag means "all types".
    assert (
        run(members_can_create_repositories=True, members_can_create_public_repositories=False)
        == PASS
    )
    assert run(members_can_create_repositories=True) == FAIL


# ---- github_org_owner_count ------------------------------------------------------------------


def test_owner_count_with_threshold():
    owners = [{"login": x} for x in ("a", "b", "c", "d")]
    [bad] = run_check("github_org_owner_count", inventory(owners=owners))
    assert (bad.status, bad.resource_id, bad.data["count"]) == (FAIL, ORG, 4)
    [ok] = run_check("github_org_owner_count", inventory(owners=owners[:3]))
    assert ok.status == PASS
    [raised] = run_check(
        "github_org_owner_count", inventory(owners=owners), github_max_org_owners=4
    )
    assert raised.status == PASS


# ---- github_org_outside_collaborators --------------------------------------------------------


def test_outside_collaborators_allow_list():
    inv = inventory(outside_collaborators=[{"login": "Vendor-Vic"}, {"login": "contractor"}])
    results = run_check(
        "github_org_outside_collaborators", inv, allowed_outside_collaborators=("vendor-vic",)
    )
    assert statuses(results) == {f"{ORG}#user-Vendor-Vic": PASS, f"{ORG}#user-contractor": FAIL}
    assert all(r.resource_type == "github-user" for r in results)
    allowed = next(r for r in results if r.status == PASS)
    assert "allow-listed" in allowed.message and allowed.data["allowListed"] is True


def test_outside_collaborators_none_is_one_org_pass():
    [r] = run_check("github_org_outside_collaborators", inventory(outside_collaborators=[]))
    assert (r.status, r.resource_id) == (PASS, ORG)
    assert run_check("github_org_outside_collaborators", inventory()) == []  # not collected: silent


# ---- Actions ---------------------------------------------------------------------------------


def test_actions_token_read_only():
    def run(perm: str) -> str:
        wf = {"default_workflow_permissions": perm, "can_approve_pull_request_reviews": False}
        [r] = run_check("github_actions_token_read_only", inventory(workflow_permissions=wf))
        return r.status

    assert (run("read"), run("write")) == (PASS, FAIL)
    inv = inventory(
        errors=(fetch_error("workflow_permissions", permission="token scope admin:org"),)
    )
    assert run_check("github_actions_token_read_only", inv) == []
    assert [r.status for r in run_with_runner("github_actions_token_read_only", inv)] == [ERROR]


def test_actions_no_pr_self_approval():
    for can, status in ((True, FAIL), (False, PASS)):
        wf = {"default_workflow_permissions": "read", "can_approve_pull_request_reviews": can}
        [r] = run_check("github_actions_no_pr_self_approval", inventory(workflow_permissions=wf))
        assert (r.status, r.resource_id) == (status, ORG)
    # Edge: an API (older GHES) that does not report the field is ERROR, not a silent PASS.
    [r] = run_check("github_actions_no_pr_self_approval", inventory(workflow_permissions={}))
    assert (r.status, r.resource_id) == (ERROR, ORG)


def test_actions_allowed_actions():
    def run(**perms: str) -> str:
        [r] = run_check("github_actions_allowed_actions", inventory(actions_permissions=perms))
        return r.status

    assert run(enabled_repositories="all", allowed_actions="all") == FAIL
    assert run(enabled_repositories="all", allowed_actions="selected") == PASS
    assert run(enabled_repositories="all", allowed_actions="local_only") == PASS
    assert run(enabled_repositories="none") == PASS


# ---- github_webhooks_secret_tls --------------------------------------------------------------


def _hook(
    hook_id: int, *, secret: bool = True, insecure: str = "0", url: str = "https://x.example"
) -> dict:
    config = {"url": url, "insecure_ssl": insecure, **({"secret": "********"} if secret else {})}
    return {"id": hook_id, "active": True, "config": config}


def test_webhooks_per_hook_items():
    inv = inventory(
        repo("api"),
        repo("web"),
        org_hooks=[_hook(1), _hook(2, secret=False)],
        repo_hooks={
            **per("api", [_hook(3)]),
            **per("web", [_hook(4, insecure="1"), _hook(5, url="http://x")]),
        },
    )
    results = run_check("github_webhooks_secret_tls", inv)
    assert statuses(results) == {
        f"{ORG}#hook-1": PASS,
        f"{ORG}#hook-2": FAIL,
        f"{ORG}/api#hook-3": PASS,
        f"{ORG}/web#hook-4": FAIL,
        f"{ORG}/web#hook-5": FAIL,
    }
    assert all(r.resource_type == "github-webhook" for r in results)


def test_webhooks_none_and_non_admin_repo():
    inv = inventory(repo("api"), org_hooks=[], repo_hooks=per("api", []))
    [r] = run_check("github_webhooks_secret_tls", inv)
    assert (r.status, r.resource_id) == (PASS, ORG)
    # Edge: repo hooks unreadable (non-admin) -> ERROR for that repo, and no "no webhooks" PASS.
    inv = inventory(
        repo("api", admin=False),
        org_hooks=[],
        errors=(fetch_error("repo_hooks", f"{ORG}/api", "admin on the repository"),),
    )
    results = run_with_runner("github_webhooks_secret_tls", inv)
    assert [(r.status, r.resource_id) for r in results] == [(ERROR, f"{ORG}/api")]

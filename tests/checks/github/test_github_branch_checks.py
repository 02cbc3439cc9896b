"""Default-branch checks: classic protection, rulesets, their combination, unreadable protection."""

from __future__ import annotations

from typing import Any

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

from sentinel_cli.checks.base import ERROR, FAIL, PASS, WARNING

PROTECTION_CHECKS = (
    "github_repo_default_branch_protected",
    "github_repo_review_required",
    "github_repo_two_approvals",
    "github_repo_dismiss_stale_reviews",
    "github_repo_status_checks",
    "github_repo_no_force_push_delete",
    "github_repo_enforce_admins",
    "github_repo_signed_commits",
)


def classic(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "required_status_checks": {"strict": True, "contexts": ["ci/test"], "checks": []},
        "enforce_admins": {"enabled": True},
        "required_pull_request_reviews": {
            "dismiss_stale_reviews": True,
            "require_code_owner_reviews": True,
            "required_approving_review_count": 2,
        },
        "required_signatures": {"enabled": True},
        "allow_force_pushes": {"enabled": False},
        "allow_deletions": {"enabled": False},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def ruleset_rules(
    rid: int = 7, *, approvals: int = 1, extra: tuple[str, ...] = ("non_fast_forward", "deletion")
) -> list[dict]:
    src = {"ruleset_source_type": "Repository", "ruleset_source": f"{ORG}/r", "ruleset_id": rid}
    rules = [
        {
            "type": "pull_request",
            "parameters": {
                "required_approving_review_count": approvals,
                "dismiss_stale_reviews_on_push": True,
                "require_code_owner_review": True,
            },
            **src,
        },
        {
            "type": "required_status_checks",
            "parameters": {"required_status_checks": [{"context": "build"}]},
            **src,
        },
    ]
    rules += [{"type": t, **src} for t in extra]
    return rules


def ruleset(
    rid: int = 7,
    *,
    enforcement: str = "active",
    bypass: list | None = None,
    hide_bypass: bool = False,
) -> dict:
    rs: dict[str, Any] = {
        "id": rid,
        "name": "main rules",
        "enforcement": enforcement,
        "source_type": "Repository",
    }
    if not hide_bypass:
        rs["bypass_actors"] = bypass or []
    return rs


def inv_for(
    name: str,
    *,
    protection: Any = None,
    rules: list | None = None,
    rulesets: list | None = None,
    **kw: Any,
):
    return inventory(
        repo(name, **kw),
        branch_protection=per(name, protection),
        branch_rules=per(name, rules or []),
        rulesets=per(name, rulesets or []),
    )


def all_statuses(inv) -> dict[str, str]:
    out = {}
    for cid in PROTECTION_CHECKS:
        [r] = run_check(cid, inv)
        assert (
            r.resource_id == f"{ORG}/{inv.repos[0]['name']}"
            and r.resource_type == "github-repository"
        )
        out[cid] = r.status
    return out


def test_fully_hardened_classic_protection_passes_everything():
    assert set(all_statuses(inv_for("api", protection=classic())).values()) == {PASS}


def test_unprotected_branch_fails_each_control():
    got = all_statuses(inv_for("web", protection=None))
    assert got.pop("github_repo_two_approvals") == WARNING
    assert got.pop("github_repo_signed_commits") == WARNING
    assert set(got.values()) == {FAIL}


def test_protection_without_reviews_and_with_force_pushes():
    prot = classic(
        required_pull_request_reviews=None,
        required_status_checks=None,
        enforce_admins={"enabled": False},
        allow_force_pushes={"enabled": True},
        required_signatures={"enabled": False},
    )
    got = all_statuses(inv_for("billing", protection=prot))
    assert got == {
        "github_repo_default_branch_protected": PASS,
        "github_repo_review_required": FAIL,
        "github_repo_two_approvals": WARNING,
        "github_repo_dismiss_stale_reviews": FAIL,
        "github_repo_status_checks": FAIL,
        "github_repo_no_force_push_delete": FAIL,
        "github_repo_enforce_admins": FAIL,
        "github_repo_signed_commits": WARNING,
    }


def test_active_ruleset_protects_without_classic_protection():
    inv = inv_for("platform", protection=None, rules=ruleset_rules(), rulesets=[ruleset()])
    got = all_statuses(inv)
    assert got["github_repo_default_branch_protected"] == PASS
    assert got["github_repo_review_required"] == PASS
    assert got["github_repo_two_approvals"] == WARNING  # one approval
    assert got["github_repo_status_checks"] == PASS
    assert got["github_repo_no_force_push_delete"] == PASS
    assert got["github_repo_enforce_admins"] == PASS  # no bypass actors
    [r] = run_check("github_repo_default_branch_protected", inv)
    assert "ruleset 'main rules'" in r.message


def test_evaluate_mode_ruleset_does_not_protect():
    inv = inv_for(
        "sandbox",
        protection=None,
        rules=ruleset_rules(),
        rulesets=[ruleset(enforcement="evaluate")],
    )
    [r] = run_check("github_repo_default_branch_protected", inv)
    assert (r.status, r.resource_id) == (FAIL, f"{ORG}/sandbox")


def test_ruleset_and_classic_layer_most_restrictive_wins():
    # Classic allows force pushes and needs 1 approval; the ruleset blocks them and needs 3.
    prot = classic(
        allow_force_pushes={"enabled": True},
        required_pull_request_reviews={"required_approving_review_count": 1},
    )
    inv = inv_for("x", protection=prot, rules=ruleset_rules(approvals=3), rulesets=[ruleset()])
    [force] = run_check("github_repo_no_force_push_delete", inv)
    [two] = run_check("github_repo_two_approvals", inv)
    assert (force.status, two.status, two.data["requiredApprovals"]) == (PASS, PASS, 3)


def test_ruleset_bypass_actors_fail_enforce_admins_and_hidden_bypass_is_error():
    bypass = [{"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"}]
    inv = inv_for(
        "infra", rules=ruleset_rules(extra=("deletion",)), rulesets=[ruleset(bypass=bypass)]
    )
    [admins] = run_check("github_repo_enforce_admins", inv)
    [force] = run_check("github_repo_no_force_push_delete", inv)
    assert (admins.status, force.status) == (FAIL, FAIL)
    assert "RepositoryRole#5" in admins.message and "Force pushes" in force.message
    hidden = inv_for(
        "infra", rules=ruleset_rules(), rulesets=[ruleset(hide_bypass=True)], admin=False
    )
    [r] = run_check("github_repo_enforce_admins", hidden)
    assert r.status == ERROR and "admin" in r.message


def test_signed_commits_unknown_when_signature_setting_unreadable():
    prot = classic(required_signatures=None)
    prot["sentinel_errors"] = {"required_signatures": "HTTP 404: Not Found"}
    [r] = run_check("github_repo_signed_commits", inv_for("api", protection=prot))
    assert r.status == ERROR and "HTTP 404" in r.message


def test_unreadable_classic_protection_is_error_not_fail():
    """Non-admin token: 404 that is not "Branch not protected" -> ERROR naming the permission."""
    need = "admin on the repository (classic branch protection is admin-only)"
    inv = inventory(
        repo("api", admin=False),
        branch_rules=per("api", []),
        rulesets=per("api", []),
        errors=(fetch_error("branch_protection", f"{ORG}/api", need),),
    )
    for cid in PROTECTION_CHECKS:
        assert run_check(cid, inv) == [], cid  # the check itself stays silent ...
        [r] = run_with_runner(cid, inv)  # ... and the runner reports the ERROR on the repo
        assert (r.status, r.resource_id) == (ERROR, f"{ORG}/api")
        assert "classic branch protection is admin-only" in r.message


def test_collector_gap_is_error_never_pass():
    inv = inventory(
        repo("api"), branch_rules=per("api", []), rulesets=per("api", [])
    )  # no protection key
    [r] = run_check("github_repo_default_branch_protected", inv)
    assert r.status == ERROR and "branch_protection" in r.message


def test_codeowners():
    def run(path: str | None, prot: Any) -> str:
        inv = inventory(
            repo("api"),
            branch_protection=per("api", prot),
            branch_rules=per("api", []),
            rulesets=per("api", []),
            codeowners=per("api", path),
        )
        [r] = run_check("github_repo_codeowners", inv)
        assert r.resource_id == f"{ORG}/api"
        return r.status

    assert run(".github/CODEOWNERS", classic()) == PASS
    assert run(None, classic()) == FAIL
    no_owner_review = classic(required_pull_request_reviews={"required_approving_review_count": 1})
    assert run("CODEOWNERS", no_owner_review) == WARNING
    assert run("docs/CODEOWNERS", None) == WARNING  # file but no protection to require it


def test_repo_listing_failure_yields_nothing_per_repo():
    inv = inventory(repos=None, errors=(fetch_error("repos"),))
    assert run_check("github_repo_default_branch_protected", inv) == []
    results = run_with_runner("github_repo_default_branch_protected", inv)
    assert statuses(results) == {ORG: ERROR}

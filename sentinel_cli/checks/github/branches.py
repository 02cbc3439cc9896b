"""Default-branch checks: protection, reviews, status checks, history integrity, admin bypass.

Every check here reads the same ``BranchPolicy`` (classic protection folded with the rules of
active rulesets), so "protected by a ruleset" counts everywhere it should and the checks never
disagree on what protects a branch. An unprotected branch fails each control that needs
protection — each is a separate control an auditor tests, so each gets its own FAIL. When the
classic endpoint could not be read (non-admin token), the runner emits ERROR for the repository
and these checks stay silent for it rather than guess from the rulesets alone.
"""

from __future__ import annotations

from collections.abc import Iterator

from sentinel_cli.checks.base import ERROR, FAIL, PASS, WARNING, CheckResult, CheckSettings, check
from sentinel_cli.checks.github._util import PROTECTION_SOURCES, BranchPolicy, RepoView, each_repo
from sentinel_cli.inventory.github import GithubInventory

UNPROTECTED = (
    "The default branch {branch} is not protected (no classic protection, no active ruleset)"
)


def _policies(
    inv: GithubInventory, check_id: str, extra: tuple[str, ...] = ()
) -> Iterator[tuple[RepoView, BranchPolicy] | CheckResult]:
    """Each judgeable repository with its policy, or an ERROR result for a collector gap."""
    for view in each_repo(inv, PROTECTION_SOURCES + extra):
        yield view.not_collected(check_id) if view.missing else (view, BranchPolicy.of(view))


@check("github_repo_default_branch_protected")
def default_branch_protected(
    inv: GithubInventory, settings: CheckSettings
) -> Iterator[CheckResult]:
    cid = "github_repo_default_branch_protected"
    for item in _policies(inv, cid):
        if isinstance(item, CheckResult):
            yield item
            continue
        view, policy = item
        data = {"defaultBranch": view.default_branch, **policy.summary()}
        if policy.protected:
            yield view.result(
                cid,
                PASS,
                f"The default branch {view.default_branch} is protected by "
                f"{', '.join(policy.mechanisms())}.",
                data,
            )
        else:
            yield view.result(cid, FAIL, UNPROTECTED.format(branch=view.default_branch) + ".", data)
    yield from _protected_by_ruleset_alone(inv, cid)


def _protected_by_ruleset_alone(inv: GithubInventory, cid: str) -> Iterator[CheckResult]:
    """PASS for repositories whose classic protection was unreadable but an active ruleset protects.

    Rulesets need only read access, so a non-admin token can still prove protection; without a
    protecting ruleset the runner's ERROR (naming the admin permission) stands.
    """
    for view in each_repo(inv, ("repos", "branch_rules", "rulesets")):
        if not inv.failed("branch_protection", view.full_name) or view.missing:
            continue
        policy = BranchPolicy.of(view)
        if policy.rules:
            yield view.result(
                cid,
                PASS,
                f"The default branch {view.default_branch} is protected by "
                f"{', '.join(policy.mechanisms())} (classic protection was not readable with this "
                "token).",
                {"defaultBranch": view.default_branch, **policy.summary()},
            )


@check("github_repo_review_required")
def review_required(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_repo_review_required"
    for item in _policies(inv, cid):
        if isinstance(item, CheckResult):
            yield item
            continue
        view, policy = item
        n = policy.required_approvals
        data = {
            "defaultBranch": view.default_branch,
            "requiresPullRequest": policy.requires_pull_request,
            "requiredApprovals": n,
            **policy.summary(),
        }
        if not policy.protected:
            yield view.result(
                cid,
                FAIL,
                UNPROTECTED.format(branch=view.default_branch) + ": merges need no review.",
                data,
            )
        elif n >= 1:
            yield view.result(
                cid,
                PASS,
                f"Merging into {view.default_branch} needs {n} approving review(s).",
                data,
            )
        elif policy.requires_pull_request:
            yield view.result(
                cid,
                FAIL,
                f"Changes to {view.default_branch} need a pull request but no approving review.",
                data,
            )
        else:
            yield view.result(
                cid,
                FAIL,
                f"Protection of {view.default_branch} does not require pull request reviews.",
                data,
            )


@check("github_repo_two_approvals")
def two_approvals(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_repo_two_approvals"
    for item in _policies(inv, cid):
        if isinstance(item, CheckResult):
            yield item
            continue
        view, policy = item
        n = policy.required_approvals if policy.protected else 0
        data = {"defaultBranch": view.default_branch, "requiredApprovals": n, **policy.summary()}
        if n >= 2:
            yield view.result(
                cid, PASS, f"Merging into {view.default_branch} needs {n} approvals.", data
            )
        else:
            yield view.result(
                cid,
                WARNING,
                f"Merging into {view.default_branch} needs {n} approval(s); two are recommended.",
                data,
            )


@check("github_repo_dismiss_stale_reviews")
def dismiss_stale_reviews(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_repo_dismiss_stale_reviews"
    for item in _policies(inv, cid):
        if isinstance(item, CheckResult):
            yield item
            continue
        view, policy = item
        data = {
            "defaultBranch": view.default_branch,
            "dismissStaleReviews": policy.dismiss_stale_reviews,
            **policy.summary(),
        }
        if not policy.protected:
            yield view.result(cid, FAIL, UNPROTECTED.format(branch=view.default_branch) + ".", data)
        elif policy.requires_pull_request and policy.dismiss_stale_reviews:
            yield view.result(
                cid, PASS, "New commits pushed to a pull request dismiss earlier approvals.", data
            )
        else:
            yield view.result(
                cid,
                FAIL,
                "Approvals survive new commits: code can change after it was reviewed.",
                data,
            )


@check("github_repo_codeowners")
def codeowners(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_repo_codeowners"
    for item in _policies(inv, cid, ("codeowners",)):
        if isinstance(item, CheckResult):
            yield item
            continue
        view, policy = item
        path = view.values.get("codeowners")
        required = policy.protected and policy.code_owner_review
        data = {"codeownersPath": path, "codeOwnerReviewRequired": required, **policy.summary()}
        if not path:
            yield view.result(
                cid, FAIL, "The repository has no CODEOWNERS file (root, .github/ or docs/).", data
            )
        elif required:
            yield view.result(cid, PASS, f"{path} names owners and their review is required.", data)
        else:
            yield view.result(
                cid,
                WARNING,
                f"{path} exists but protection does not require code-owner review.",
                data,
            )


@check("github_repo_status_checks")
def status_checks(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_repo_status_checks"
    for item in _policies(inv, cid):
        if isinstance(item, CheckResult):
            yield item
            continue
        view, policy = item
        checks = policy.status_checks if policy.protected else []
        data = {
            "defaultBranch": view.default_branch,
            "requiredStatusChecks": checks,
            **policy.summary(),
        }
        if checks:
            yield view.result(
                cid, PASS, f"Merges into {view.default_branch} wait for: {', '.join(checks)}.", data
            )
        elif not policy.protected:
            yield view.result(cid, FAIL, UNPROTECTED.format(branch=view.default_branch) + ".", data)
        else:
            yield view.result(
                cid,
                FAIL,
                f"No status check (CI) is required before merging into {view.default_branch}.",
                data,
            )


@check("github_repo_no_force_push_delete")
def no_force_push_delete(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_repo_no_force_push_delete"
    for item in _policies(inv, cid):
        if isinstance(item, CheckResult):
            yield item
            continue
        view, policy = item
        force = policy.force_push_blocked
        delete = policy.deletion_blocked
        data = {
            "defaultBranch": view.default_branch,
            "forcePushBlocked": force,
            "deletionBlocked": delete,
            **policy.summary(),
        }
        if not policy.protected:
            yield view.result(
                cid,
                FAIL,
                UNPROTECTED.format(branch=view.default_branch)
                + ": history can be rewritten or deleted.",
                data,
            )
        elif force and delete:
            yield view.result(
                cid,
                PASS,
                f"Force pushes to and deletion of {view.default_branch} are blocked.",
                data,
            )
        else:
            allowed = [w for w, ok in (("force pushes", force), ("deletion", delete)) if not ok]
            yield view.result(
                cid,
                FAIL,
                f"{' and '.join(allowed).capitalize()} of {view.default_branch} allowed.",
                data,
            )


@check("github_repo_enforce_admins")
def enforce_admins(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_repo_enforce_admins"
    for item in _policies(inv, cid):
        if isinstance(item, CheckResult):
            yield item
            continue
        view, policy = item
        if not policy.protected:
            yield view.result(
                cid, FAIL, UNPROTECTED.format(branch=view.default_branch) + ".", policy.summary()
            )
            continue
        enforced, reasons = policy.admin_enforcement()
        data = {"defaultBranch": view.default_branch, "reasons": reasons, **policy.summary()}
        if enforced is True:
            yield view.result(
                cid,
                PASS,
                f"Protection of {view.default_branch} binds administrators: {reasons[0]}.",
                data,
            )
        elif enforced is None:
            yield view.result(
                cid,
                ERROR,
                "Could not evaluate: " + "; ".join(reasons) + " (needs admin on the repository).",
                {**data, "permissionNeeded": "admin on the repository (ruleset bypass actors)"},
            )
        else:
            yield view.result(
                cid, FAIL, "Administrators can bypass protection: " + "; ".join(reasons) + ".", data
            )


@check("github_repo_signed_commits")
def signed_commits(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_repo_signed_commits"
    for item in _policies(inv, cid):
        if isinstance(item, CheckResult):
            yield item
            continue
        view, policy = item
        required = policy.signatures_required if policy.protected else False
        data = {
            "defaultBranch": view.default_branch,
            "signaturesRequired": required,
            **policy.summary(),
        }
        if required is None:
            reason = ((policy.classic or {}).get("sentinel_errors") or {}).get(
                "required_signatures", "unknown"
            )
            yield view.result(
                cid,
                ERROR,
                "Could not evaluate: the required-signatures setting could not be read "
                f"({reason}).",
                {**data, "permissionNeeded": "admin on the repository"},
            )
        elif required:
            yield view.result(cid, PASS, f"Commits on {view.default_branch} must be signed.", data)
        else:
            yield view.result(
                cid, WARNING, f"Unsigned commits are accepted on {view.default_branch}.", data
            )

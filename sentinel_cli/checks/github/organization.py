"""Organization checks: authentication, base permissions, owners, outside access, Actions, webhooks.

These read ``GET /orgs/{org}`` and the org-level lists. GitHub shows the owner-only settings
(2FA requirement, base permission, repository creation) only to owners with ``admin:org``: when a
field is absent the check reports ERROR naming that need, since "not shown" is not "compliant".
Org-wide items use the organization as resource; outside collaborators and webhooks get one item
each (``acme#user-login``, ``acme#hook-123`` / ``acme/api#hook-123``) so an auditor can follow
each exception.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sentinel_cli.checks.base import ERROR, FAIL, PASS, CheckResult, CheckSettings, check
from sentinel_cli.checks.github._util import (
    USER,
    WEBHOOK,
    each_repo,
    login_of,
    org_result,
    org_source,
)
from sentinel_cli.inventory.github import GithubInventory

OWNER_NEEDED = "GitHub shows it only to organization owners whose token has admin:org"


def _owner_field(
    inv: GithubInventory, check_id: str, *fields: str
) -> tuple[Mapping[str, Any] | None, CheckResult | None]:
    """The org JSON when every owner-only field is present, else an ERROR result saying why."""
    org = org_source(inv, "organization")
    if org is None:
        return None, None
    absent = [f for f in fields if org.get(f) is None]
    if absent:
        return None, org_result(
            inv,
            check_id,
            ERROR,
            f"Could not evaluate: the organization's {', '.join(absent)} is not visible "
            f"({OWNER_NEEDED}).",
            {
                "missingFields": absent,
                "permissionNeeded": "organization owner, token scope admin:org",
            },
        )
    return org, None


@check("github_org_2fa_required")
def org_2fa_required(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_org_2fa_required"
    org, error = _owner_field(inv, cid, "two_factor_requirement_enabled")
    if error is not None:
        yield error
    if org is None:
        return
    enabled = org.get("two_factor_requirement_enabled") is True
    yield org_result(
        inv,
        cid,
        PASS if enabled else FAIL,
        "The organization requires two-factor authentication for every member."
        if enabled
        else "The organization does not require two-factor authentication.",
        {"twoFactorRequirementEnabled": enabled},
    )


@check("github_org_members_without_2fa")
def members_without_2fa(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_org_members_without_2fa"
    members = org_source(inv, "members_2fa_disabled")
    if members is None:
        return
    logins = sorted(login_of(m) for m in members)
    if logins:
        yield org_result(
            inv,
            cid,
            FAIL,
            f"{len(logins)} member(s) have two-factor authentication disabled: "
            f"{', '.join(logins)}.",
            {"membersWithout2fa": logins, "count": len(logins)},
        )
    else:
        yield org_result(
            inv,
            cid,
            PASS,
            "Every organization member has two-factor authentication enabled.",
            {"membersWithout2fa": [], "count": 0},
        )


@check("github_org_base_permission")
def base_permission(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_org_base_permission"
    org, error = _owner_field(inv, cid, "default_repository_permission")
    if error is not None:
        yield error
    if org is None:
        return
    perm = str(org.get("default_repository_permission"))
    ok = perm in {"read", "none"}
    yield org_result(
        inv,
        cid,
        PASS if ok else FAIL,
        f"Members get {perm!r} on every repository by default"
        + (
            "; broader access is granted per team." if ok else ", more than least privilege allows."
        ),
        {"defaultRepositoryPermission": perm},
    )


@check("github_org_repo_creation")
def repo_creation(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_org_repo_creation"
    org, error = _owner_field(inv, cid, "members_can_create_repositories")
    if error is not None:
        yield error
    if org is None:
        return
    any_repo = org.get("members_can_create_repositories") is True
    # Absent on some plans/GHES versions: then "may create" implies "may create public".
    public = org.get("members_can_create_public_repositories", any_repo) is True
    data = {
        "membersCanCreateRepositories": any_repo,
        "membersCanCreatePublicRepositories": public,
        "membersCanCreatePrivateRepositories": org.get("members_can_create_private_repositories"),
    }
    if not any_repo:
        yield org_result(inv, cid, PASS, "Only owners can create repositories.", data)
    elif public:
        yield org_result(
            inv,
            cid,
            FAIL,
            "Members can create public repositories without an owner's review.",
            data,
        )
    else:
        yield org_result(
            inv,
            cid,
            PASS,
            "Members can create private repositories only; public repositories need an owner.",
            data,
        )


@check("github_org_owner_count")
def owner_count(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_org_owner_count"
    owners = org_source(inv, "owners")
    if owners is None:
        return
    logins = sorted(login_of(o) for o in owners)
    limit = settings.github_max_org_owners
    ok = len(logins) <= limit
    yield org_result(
        inv,
        cid,
        PASS if ok else FAIL,
        f"The organization has {len(logins)} owner(s)"
        + (
            f", within the limit of {limit}."
            if ok
            else f", more than the limit of {limit}: {', '.join(logins)}."
        ),
        {"owners": logins, "count": len(logins), "limit": limit},
    )


@check("github_org_outside_collaborators")
def outside_collaborators(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_org_outside_collaborators"
    people = org_source(inv, "outside_collaborators")
    if people is None:
        return
    org = inv.org_login
    allowed = {a.lower() for a in settings.allowed_outside_collaborators}
    if not people:
        yield org_result(
            inv,
            cid,
            PASS,
            "The organization has no outside collaborators.",
            {"outsideCollaborators": []},
        )
        return
    for person in sorted(people, key=login_of):
        login = login_of(person)
        data = {"login": login, "allowListed": login.lower() in allowed}
        if login.lower() in allowed:
            status, message = (
                PASS,
                f"Outside collaborator {login} is expected (allow-listed in settings).",
            )
        else:
            status, message = (
                FAIL,
                f"Outside collaborator {login} has access to organization repositories and is not "
                "on the allow-list.",
            )
        yield CheckResult(cid, status, f"{org}#user-{login}", USER, message, data=data)


def _workflow_field(
    inv: GithubInventory, check_id: str, name: str
) -> tuple[Any, CheckResult | None, bool]:
    """(value, ERROR result if the API did not report the field, whether there is anything)."""
    wf = org_source(inv, "workflow_permissions")
    if wf is None:
        return None, None, False
    if name not in wf:
        return (
            None,
            org_result(
                inv,
                check_id,
                ERROR,
                f"Could not evaluate: the workflow permissions response has no {name} field.",
                {"workflowPermissions": dict(wf)},
            ),
            True,
        )
    return wf[name], None, True


@check("github_actions_token_read_only")
def actions_token_read_only(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_actions_token_read_only"
    default, error, found = _workflow_field(inv, cid, "default_workflow_permissions")
    if error is not None:
        yield error
    if error is not None or not found:
        return
    ok = default == "read"
    yield org_result(
        inv,
        cid,
        PASS if ok else FAIL,
        "Workflows get a read-only GITHUB_TOKEN unless they ask for more."
        if ok
        else f"Workflows get a {default!r} GITHUB_TOKEN by default.",
        {"defaultWorkflowPermissions": default},
    )


@check("github_actions_no_pr_self_approval")
def actions_no_pr_approval(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_actions_no_pr_self_approval"
    value, error, found = _workflow_field(inv, cid, "can_approve_pull_request_reviews")
    if error is not None:
        yield error
    if error is not None or not found:
        return
    can = value is True
    yield org_result(
        inv,
        cid,
        FAIL if can else PASS,
        "GitHub Actions workflows can approve pull requests, which defeats required reviews."
        if can
        else "GitHub Actions workflows cannot approve pull requests.",
        {"canApprovePullRequestReviews": can},
    )


@check("github_actions_allowed_actions")
def actions_allowed(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_actions_allowed_actions"
    perms = org_source(inv, "actions_permissions")
    if perms is None:
        return
    enabled = perms.get("enabled_repositories")
    allowed = perms.get("allowed_actions")
    data = {"enabledRepositories": enabled, "allowedActions": allowed}
    if enabled == "none":
        yield org_result(inv, cid, PASS, "GitHub Actions is disabled for the organization.", data)
    elif allowed in {"local_only", "selected"}:
        yield org_result(
            inv,
            cid,
            PASS,
            f"Only {'local' if allowed == 'local_only' else 'selected'} actions may run.",
            data,
        )
    else:
        yield org_result(
            inv,
            cid,
            FAIL,
            f"Any action from the Marketplace may run (allowed_actions={allowed!r}).",
            data,
        )


def _hook_verdict(hook: Mapping[str, Any]) -> tuple[str, list[str]]:
    config = hook.get("config") or {}
    problems = []
    if not config.get("secret"):
        problems.append("no secret, so deliveries cannot be verified")
    if str(config.get("insecure_ssl", "0")) != "0":
        problems.append("TLS certificate verification is disabled (insecure_ssl=1)")
    if str(config.get("url", "")).lower().startswith("http://"):
        problems.append("payloads are sent over plain HTTP")
    return (FAIL if problems else PASS), problems


@check("github_webhooks_secret_tls")
def webhooks_secret_tls(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_webhooks_secret_tls"
    found = False
    targets: list[tuple[str, list[Mapping[str, Any]]]] = []
    org_hooks = org_source(inv, "org_hooks")
    if org_hooks is not None:
        targets.append((inv.org_login, list(org_hooks)))
    for view in each_repo(inv, ("repo_hooks",)):
        if view.missing:
            yield view.not_collected(cid)
            continue
        targets.append((view.full_name, list(view.values["repo_hooks"] or [])))
    for owner, hooks in targets:
        for hook in hooks:
            found = True
            status, problems = _hook_verdict(hook)
            config = hook.get("config") or {}
            url = str(config.get("url", ""))
            message = (
                f"Webhook {hook.get('id')} to {url} is signed and verifies TLS."
                if status == PASS
                else f"Webhook {hook.get('id')} to {url}: {'; '.join(problems)}."
            )
            yield CheckResult(
                cid,
                status,
                f"{owner}#hook-{hook.get('id')}",
                WEBHOOK,
                message,
                data={
                    "owner": owner,
                    "hookId": hook.get("id"),
                    "url": url,
                    "insecureSsl": config.get("insecure_ssl"),
                    "hasSecret": bool(config.get("secret")),
                    "active": hook.get("active"),
                    "problems": problems,
                },
            )
    repo_hooks_failed = any(e.source == "repo_hooks" for e in inv.errors)
    if not found and org_hooks is not None and inv.repos is not None and not repo_hooks_failed:
        yield org_result(
            inv,
            cid,
            PASS,
            "No webhooks are configured on the organization or its repositories.",
            {"hooks": 0},
        )

"""What a GitHub collection fetched, as one frozen value that every GitHub check reads.

Same contract as the AWS inventory: each field holds GitHub REST responses *in GitHub's own
documented JSON shape* (plain dicts with the API's snake_case field names, timestamps as the API's
ISO 8601 strings), so a check reads next to the REST reference and a test builds an inventory by
hand. No PyGithub object ever crosses into a check.

Per-repository data is a mapping ``"org/repo" -> value`` keyed by the repository's full name. A
repository missing from a mapping was not collected for that source; when its fetch failed, the
failure is in ``errors`` with ``scope`` set to the full name, and checks skip that repository (the
runner turns the error into ERROR evidence naming the permission needed). ``None`` inside a mapping
is a *collected* answer meaning "absent" (e.g. ``branch_protection["acme/web"] is None`` means
GitHub answered 404 "Branch not protected"), never "unknown".

Archived repositories are read-only and out of scope for the repository checks: they are listed in
``archived_repos`` (with their listing entries in ``archived_listing``) so that one check can name
each of them, and the population an auditor samples from is complete; no other source holds them.

Source names (``sources`` in the catalogue, ``FetchError.source``) are this class's field names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sentinel_cli.inventory.fetch import FailureIndex, FetchError
from sentinel_cli.wire import JsonObject

ByRepo = Mapping[str, Any]


@dataclass(frozen=True)
class GithubInventory(FailureIndex):
    org_login: str
    """The organization's login (``GET /orgs/{org}`` → ``login``)."""
    collected_at: str
    """ISO 8601 UTC time the collection started; checks use it (or settings.now) as 'now'."""
    api_url: str = "https://api.github.com"
    """Base URL of the REST API the data came from (GHES and compatible APIs differ)."""
    period_since: str | None = None
    """Start of the audit period for the change-review population (ISO 8601 UTC)."""
    period_until: str | None = None
    """End of the audit period (ISO 8601 UTC)."""
    token_scopes: tuple[str, ...] | None = None
    """``X-OAuth-Scopes`` of the token (classic tokens); None for fine-grained or App tokens."""

    # ---- Organization ----
    organization: JsonObject | None = None
    """``GET /orgs/{org}``. Owner-only settings (``two_factor_requirement_enabled``,
    ``default_repository_permission``, ``members_can_create_repositories``,
    ``members_can_create_public_repositories``, ``plan``) are absent when the token is not an
    owner's: checks reading them report ERROR, never PASS."""
    members: list[JsonObject] | None = None
    """``GET /orgs/{org}/members`` (simple-user shapes: login, id, type, site_admin)."""
    members_2fa_disabled: list[JsonObject] | None = None
    """``GET /orgs/{org}/members?filter=2fa_disabled`` (owner only; needs ``admin:org``)."""
    owners: list[JsonObject] | None = None
    """``GET /orgs/{org}/members?role=admin``."""
    outside_collaborators: list[JsonObject] | None = None
    """``GET /orgs/{org}/outside_collaborators``."""
    actions_permissions: JsonObject | None = None
    """``GET /orgs/{org}/actions/permissions`` (enabled_repositories, allowed_actions)."""
    workflow_permissions: JsonObject | None = None
    """``GET /orgs/{org}/actions/permissions/workflow`` (default_workflow_permissions,
    can_approve_pull_request_reviews)."""
    org_hooks: list[JsonObject] | None = None
    """``GET /orgs/{org}/hooks`` (id, name, active, events, config{url, content_type,
    insecure_ssl, secret}); GitHub masks a set secret as ``"********"``."""
    saml_sso: JsonObject | None = None
    """GraphQL ``organization(login) { samlIdentityProvider { ssoUrl issuer } }`` →
    ``{"samlIdentityProvider": {"ssoUrl", "issuer"} | None}``. A null provider is a collected
    answer (no SAML SSO; always so outside GitHub Enterprise Cloud). GraphQL refusals (HTTP 200
    with ``errors``, e.g. a non-owner's token) are FetchErrors, never a null provider. Whether
    SSO is *enforced* is not exposed by the API."""
    audit_log: JsonObject | None = None
    """Member activity from ``GET /orgs/{org}/audit-log`` (GitHub Enterprise Cloud only; needs an
    owner's token with ``read:audit_log``): ``{"phrase": "created:>=YYYY-MM-DD", "since",
    "until", "complete", "stoppedBecause": "end_of_window" | "all_members_seen" | "page_cap",
    "pages", "maxPages", "events": [...]}``. ``events`` are the audit log's own entries, newest
    first (``@timestamp``/``created_at`` in epoch milliseconds, ``action``, ``actor``,
    ``user``...). When every member has acted the walk stops early: each member's newest event
    is known. ``complete`` False means the page cap cut the window short."""
    org_security_policy: str | None = None
    """Path of the organization-wide default ``SECURITY.md`` in the ``{org}/.github`` repository,
    or None when there is none. Public repositories without their own inherit it."""

    # ---- Repositories (non-archived) ----
    repos: list[JsonObject] | None = None
    """Non-archived repositories from the one listing walk of ``GET /orgs/{org}/repos``
    (minimal-repository shape: full_name, name, private, visibility, default_branch, archived,
    permissions{admin, push, pull}). None when the listing failed: no repository is judged from
    a partial list."""
    repo_details: ByRepo = field(default_factory=dict)
    """Per repo: ``GET /repos/{owner}/{repo}`` (full shape, with ``security_and_analysis``
    {secret_scanning{status}, secret_scanning_push_protection{status}, ...} — shown only to
    admins and security managers)."""
    archived_repos: tuple[str, ...] = ()
    """Full names of archived repositories, skipped on purpose."""
    archived_listing: ByRepo = field(default_factory=dict)
    """Per archived repo: its entry of the same listing walk (visibility, pushed_at, updated_at,
    ...). Costs no call; it lets the evidence say what was left out."""
    branch_protection: ByRepo = field(default_factory=dict)
    """Per repo: ``GET /repos/{o}/{r}/branches/{default}/protection`` (classic protection with
    required_pull_request_reviews, required_status_checks, enforce_admins, allow_force_pushes,
    allow_deletions, required_signatures ...). ``None`` = GitHub answered 404 "Branch not
    protected". Admin-only: other tokens get a FetchError for the repo. When the body lacks
    ``required_signatures`` (older GHES) it is fetched apart; if that fails, the reason is in
    ``sentinel_errors["required_signatures"]``."""
    branch_rules: ByRepo = field(default_factory=dict)
    """Per repo: ``GET /repos/{o}/{r}/rules/branches/{default}`` — the rules of *active* rulesets
    that apply to the default branch: ``[{type, parameters?, ruleset_source_type,
    ruleset_source, ruleset_id}]``. Needs only read access."""
    rulesets: ByRepo = field(default_factory=dict)
    """Per repo: the details of each ruleset ``branch_rules`` comes from
    (``GET /repos/{o}/{r}/rulesets/{id}?includes_parents=true``: id, name, target, enforcement,
    source_type, source, conditions, rules, and ``bypass_actors`` when the token may see them).
    Organization rulesets are fetched once and shared by every repository they apply to."""
    codeowners: ByRepo = field(default_factory=dict)
    """Per repo: the path of the CODEOWNERS file GitHub uses (``.github/CODEOWNERS``,
    ``CODEOWNERS`` or ``docs/CODEOWNERS``, first found), or None when there is none."""
    vulnerability_alerts: ByRepo = field(default_factory=dict)
    """Per repo: ``GET /repos/{o}/{r}/vulnerability-alerts`` — True (204) or False (404)."""
    dependabot_alerts: ByRepo = field(default_factory=dict)
    """Per repo with alerts enabled: open critical and high alerts,
    ``GET /repos/{o}/{r}/dependabot/alerts?state=open&severity=critical,high`` (number, state,
    created_at, html_url, security_advisory{ghsa_id, severity, summary}, security_vulnerability,
    dependency{package{ecosystem, name}})."""
    code_scanning_analyses: ByRepo = field(default_factory=dict)
    """Per repo: the most recent ``GET /repos/{o}/{r}/code-scanning/analyses`` (id, ref,
    created_at, tool{name, version}, category, results_count). ``[]`` = none ("no analysis
    found", or code scanning not enabled for the repository)."""
    automated_security_fixes: ByRepo = field(default_factory=dict)
    """Per repo, *only* where ``repo_details`` did not report
    ``security_and_analysis.dependabot_security_updates`` to an admin token (older GHES):
    ``GET /repos/{o}/{r}/automated-security-fixes`` → ``{enabled, paused}``. ``None`` = GitHub
    answered 404 to an admin, "Dependabot is not enabled for the repository"."""
    repo_outside_collaborators: ByRepo = field(default_factory=dict)
    """Per repo: ``GET /repos/{o}/{r}/collaborators?affiliation=outside`` — the outside
    collaborators with their access to that repository (simple-user shape plus
    ``permissions{admin, maintain, push, triage, pull}`` and ``role_name``). Needs push access
    to the repository and, for classic tokens, ``read:org`` and ``repo``."""
    repo_hooks: ByRepo = field(default_factory=dict)
    """Per repo: ``GET /repos/{o}/{r}/hooks`` (same shape as org hooks). Admin-only."""
    deploy_keys: ByRepo = field(default_factory=dict)
    """Per repo: ``GET /repos/{o}/{r}/keys`` (id, title, read_only, created_at, last_used?)."""
    security_policy: ByRepo = field(default_factory=dict)
    """Per *public* repo: path of its SECURITY.md (root, ``.github/`` or ``docs/``), the org
    default's ``"{org}/.github:<path>"``, or None when neither exists."""
    merged_pulls: ByRepo = field(default_factory=dict)
    """Per repo: the change-review population — pull requests merged into the default branch
    within [period_since, period_until] (``GET /repos/{o}/{r}/pulls?state=closed&base={b}``
    shapes: number, title, user{login}, merged_at, merged_by?, html_url, base{ref}), each extended
    with ``sentinel_reviews``: its ``GET /repos/{o}/{r}/pulls/{n}/reviews`` (user{login}, state,
    submitted_at, commit_id)."""

    errors: tuple[FetchError, ...] = ()
    api_calls: int = 0
    """HTTP requests actually sent (first attempts plus retries)."""

    @property
    def account_resource(self) -> tuple[str, str]:
        return (self.org_login, "github-organization")

    def scope_resource(self, scope: str | None) -> tuple[str, str]:
        """(resource_id, resource_type) that evidence about a FetchError ``scope`` belongs to:
        the repository for per-repo scopes ("org/repo"), else the organization."""
        if scope and "/" in scope:
            return (scope, "github-repository")
        return self.account_resource

    def repo_names(self) -> list[str]:
        """Full names of the collected (non-archived) repositories, in listing order."""
        return [str(r.get("full_name")) for r in self.repos or []]

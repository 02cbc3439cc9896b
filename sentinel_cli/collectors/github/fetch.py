"""The GitHub fetchers: read an organization once into a ``GithubInventory``.

Shape of a collection: ``GET /orgs/{org}`` first (it validates token, org and base URL, raising
domain errors), then the org-level reads (members, 2FA-disabled members, owners, outside
collaborators, Actions policy, org webhooks) run in the worker pool while the main thread makes
the *one* listing walk of ``/orgs/{org}/repos`` (100 per page). Each non-archived repository then
becomes one task in the same bounded pool; a task reads everything about its repository in
sequence, so concurrency is across repositories and never exceeds ``workers`` requests in flight.

What a response *means* is decided here, once, so checks stay pure:

- classic protection answers 404 both for "Branch not protected" (collected as ``None``) and to
  tokens without admin rights (a FetchError naming the permission) — told apart by the message and
  by the repository's ``permissions.admin`` from the listing;
- a 403/404 whose ``X-Accepted-OAuth-Scopes`` names scopes the token lacks becomes a FetchError
  naming the scope (``admin:org``, ``security_events``...);
- "no analysis found" and "Advanced Security must be enabled" are collected answers (no code
  scanning), not errors;
- for tokens that may not read ``vulnerability-alerts`` (admin-only), the Dependabot alerts list
  settles the question: listing works => alerts are on; "disabled" => off;
- Dependabot security updates come free with the repository JSON
  (``security_and_analysis.dependabot_security_updates``); ``/automated-security-fixes`` is read
  only when an admin's answer lacks that field.

Each repository also costs one listing of its outside collaborators
(``/collaborators?affiliation=outside``, with each one's role there), so judging their rights is
one call per repository, never one per collaborator and repository.

Rulesets are read through the rules that apply to the default branch (read access suffices);
each distinct ruleset is then fetched once per collection (org rulesets are shared by many
repositories) for its enforcement and bypass actors.

Two org reads exist only on GitHub Enterprise Cloud and cost a constant number of calls whatever
the number of repositories: the SAML identity provider (one GraphQL query; GraphQL refuses with
HTTP 200 and an ``errors`` list, which becomes a FetchError like any 403) and member activity
from the audit log (a capped cursor walk over the stale-member window, sharing the one
``/orgs/{org}/members`` walk with the ``members`` source).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar, cast
from urllib.parse import quote

from sentinel_cli.collectors.github.client import ApiError, GithubApi
from sentinel_cli.errors import CredentialsRefused, EndpointUnreachable
from sentinel_cli.inventory.fetch import FetchError
from sentinel_cli.inventory.github import GithubInventory
from sentinel_cli.timeutil import parse_iso, to_iso
from sentinel_cli.wire import JsonObject

T = TypeVar("T")
Progress = Callable[[int, int, str], None]
Permission = str | Callable[[ApiError], str] | None
"""What a refused org read lacks: fixed, or decided from the error (the audit log's 403/404)."""

PROTECTION_PERMISSION = "admin on the repository (classic branch protection is admin-only)"
ADMIN_PERMISSION = "admin on the repository"
COLLABORATORS_PERMISSION = (
    "push access to the repository (classic tokens also need read:org and repo) to list its "
    "collaborators"
)
OWNER_PERMISSION = "organization owner (token with admin:org)"
SECURITY_EVENTS = (
    "token scope security_events (classic) or 'Code scanning alerts: read' (fine-grained)"
)
DEPENDABOT_PERMISSION = (
    "token scope security_events (classic) or 'Dependabot alerts: read' (fine-grained)"
)
SAML_PERMISSION = (
    "organization owner (token with admin:org or read:org; GitHub shows the SAML identity "
    "provider only to owners)"
)
AUDIT_LOG_SCOPE = "token scope read:audit_log (classic) or 'Administration: read' (fine-grained)"
AUDIT_LOG_NOT_FOUND = (
    "GitHub Enterprise Cloud: the organization audit log API exists only there (it answers 404 "
    "on other plans, on GitHub Enterprise Server's org endpoint and to tokens of non-owners)"
)
AUDIT_LOG_OWNER = "organization owner (the audit log is owner-only)"

# How far back member activity is read, and how much of the audit log one collection may read.
STALE_MEMBER_WINDOW_DAYS = 180
AUDIT_LOG_MAX_PAGES = 50

SAML_QUERY = (
    "query($login: String!) { organization(login: $login) "
    "{ samlIdentityProvider { ssoUrl issuer } } }"
)

# GitHub uses the first CODEOWNERS it finds in this order.
CODEOWNERS_PATHS: tuple[str, ...] = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
SECURITY_PATHS: tuple[str, ...] = ("SECURITY.md", ".github/SECURITY.md", "docs/SECURITY.md")


def fetch_error(
    source: str,
    api_call: str,
    err: ApiError,
    *,
    scope: str | None = None,
    permission: str | None = None,
) -> FetchError:
    """Turn an ApiError into a FetchError, naming the missing scope when GitHub told us."""
    missing = err.missing_scopes()
    refused = (err.status in (401, 403, 404) and "rate limit" not in err.message.lower()) or bool(
        {"FORBIDDEN", "INSUFFICIENT_SCOPES", "NOT_FOUND"} & set(err.graphql_types)
    )
    if missing:
        need: str | None = "token scope " + " or ".join(missing)
    elif refused:
        need = permission
    else:
        need = None
    if err.status:
        code = str(err.status)
    elif err.graphql_types:
        code = err.graphql_types[0]
    else:
        code = err.kind
    return FetchError(
        source=source,
        api_call=api_call,
        message=str(err),
        scope=scope,
        permission=need,
        error_code=code,
    )


def audit_log_permission(err: ApiError) -> str:
    """What a refused audit-log read lacks: the scope, the plan, or the owner role.

    GitHub names missing classic scopes in ``X-Accepted-OAuth-Scopes`` (``fetch_error`` prefers
    that); a 404 means there is no audit log API for this org (not Enterprise Cloud) or it is
    hidden from the token; a 403 without a scope header is about the user's role.
    """
    message = err.message.lower()
    if err.status == 404:
        return AUDIT_LOG_NOT_FOUND
    if err.status == 403 and any(w in message for w in ("scope", "access token", "integration")):
        return AUDIT_LOG_SCOPE
    return AUDIT_LOG_OWNER


def read_org(api: GithubApi, org: str) -> JsonObject:
    """``GET /orgs/{org}``, raising the domain error a user can act on when it fails."""
    where = api.base_url
    try:
        _, data = api.get(f"/orgs/{quote(org, safe='')}")
    except ApiError as err:
        if err.github_shaped and err.status == 401:
            raise CredentialsRefused(
                f"GitHub token rejected ({err.status} {api.redact(err.message)})",
                hint="the token is revoked, expired or mistyped: create a new one and reconnect",
            ) from None
        if err.github_shaped and err.status == 404:
            raise CredentialsRefused(
                f"organization {org} not found or not visible to this token",
                hint="check the organization login, and that the token's user is a member "
                "(for SSO orgs, authorise the token for SSO)",
            ) from None
        if err.github_shaped and err.status == 403 and "rate limit" not in err.message.lower():
            raise CredentialsRefused(
                f"GitHub refused access to organization {org}: {api.redact(err.message)}",
                hint="authorise the token for the organization's SAML SSO, or use an owner's token",
            ) from None
        if err.kind == "transport":
            raise EndpointUnreachable(
                f"could not reach the GitHub API at {where}: {err.message}",
                hint="check --base-url (GitHub Enterprise Server: https://HOST/api/v3) "
                "and the network",
            ) from None
        raise EndpointUnreachable(
            f"{where} did not answer like a GitHub API ({api.redact(str(err))})",
            hint="check --base-url (GitHub Enterprise Server: https://HOST/api/v3)",
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("login"), str) or "id" not in data:
        shape = "an HTML page" if isinstance(data, dict) and "data" in data else type(data).__name__
        raise EndpointUnreachable(
            f"{where} did not answer like a GitHub API (GET /orgs/{org} returned {shape})",
            hint="check --base-url (GitHub Enterprise Server: https://HOST/api/v3)",
        )
    return data


PER_REPO_SOURCES: tuple[str, ...] = (
    "repo_details",
    "branch_protection",
    "branch_rules",
    "rulesets",
    "codeowners",
    "vulnerability_alerts",
    "dependabot_alerts",
    "automated_security_fixes",
    "code_scanning_analyses",
    "repo_outside_collaborators",
    "repo_hooks",
    "deploy_keys",
    "security_policy",
    "merged_pulls",
)
"""The inventory's per-repository sources (mappings of full name -> value)."""

ORG_SOURCES: tuple[str, ...] = (
    "organization",
    "members",
    "members_2fa_disabled",
    "owners",
    "outside_collaborators",
    "actions_permissions",
    "workflow_permissions",
    "org_hooks",
    "saml_sso",
    "audit_log",
    "org_security_policy",
)
"""The inventory's org-level sources."""

Listed = tuple[list[JsonObject] | None, list[JsonObject]]
"""The listing walk: non-archived repositories (None when it failed), archived ones."""
AfterListing = Callable[[list[JsonObject] | None, list[JsonObject], bool], bool]


def dot_github_public(listing: list[JsonObject] | None) -> bool:
    """Whether the org's ``.github`` repository is public (it then holds the default SECURITY.md)."""
    return any(i.get("name") == ".github" and not i.get("private") for i in listing or [])


@dataclass
class _RepoOutcome:
    full_name: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[FetchError] = field(default_factory=list)


class Collection:
    """One collection run: the API client, the audit period, shared caches and the results."""

    def __init__(
        self,
        api: GithubApi,
        org: str,
        *,
        since: datetime,
        until: datetime,
        workers: int,
        progress: Progress | None,
        now: datetime | None = None,
        stale_member_days: int = STALE_MEMBER_WINDOW_DAYS,
        audit_log_max_pages: int = AUDIT_LOG_MAX_PAGES,
    ) -> None:
        self.api = api
        self.org = org
        self.since = since
        self.until = until
        self.now = now or until
        self.stale_member_days = stale_member_days
        self.audit_log_max_pages = max(1, audit_log_max_pages)
        self.workers = max(1, workers)
        self.progress = progress
        self.errors: list[FetchError] = []
        self._cache_lock = threading.Lock()
        self._key_locks: dict[Any, threading.Lock] = {}
        self._cache: dict[Any, Any] = {}
        self._dot_github_public = False

    # ---- shared, fetched-once values ----

    def _once(self, key: Any, fetch: Callable[[], T]) -> T:
        """Fetch ``key`` once per collection even when several workers ask at the same time.

        A failure is cached too (and re-raised to each asker): retrying it per repository would
        multiply calls without changing the answer.
        """
        with self._cache_lock:
            lock = self._key_locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._cache:
                try:
                    self._cache[key] = fetch()
                except ApiError as err:
                    self._cache[key] = err
            value = self._cache[key]
        if isinstance(value, ApiError):
            raise value
        return cast(T, value)  # what ``fetch`` returned for this key

    # ---- organization ----

    def run(
        self,
        org_json: JsonObject,
        *,
        after_listing: AfterListing | None = None,
        listed: Listed | None = None,
    ) -> GithubInventory:
        """Read the organization. ``after_listing(listing, archived, dot_github_public)`` may
        take the repositories away (a split collection: other workers read them); when it
        returns True only the org-level reads are made, and the inventory lists the repositories
        with nothing read about each. ``listed``: the listing (and archived entries) of an
        earlier walk, not walked again; the repositories are then not read either (the org part
        of a split collection, run again)."""
        org = self.org
        o = quote(org, safe="")
        org_reads: dict[str, tuple[str, Callable[[], Any], Permission]] = {
            "members": (
                f"GET /orgs/{o}/members",
                self._members,
                "organization member (read:org)",
            ),
            "members_2fa_disabled": (
                f"GET /orgs/{o}/members?filter=2fa_disabled",
                lambda: self.api.get_all(f"/orgs/{o}/members", {"filter": "2fa_disabled"}),
                OWNER_PERMISSION,
            ),
            "owners": (
                f"GET /orgs/{o}/members?role=admin",
                lambda: self.api.get_all(f"/orgs/{o}/members", {"role": "admin"}),
                "organization member (read:org)",
            ),
            "outside_collaborators": (
                f"GET /orgs/{o}/outside_collaborators",
                lambda: self.api.get_all(f"/orgs/{o}/outside_collaborators"),
                "organization owner or member (read:org)",
            ),
            "actions_permissions": (
                f"GET /orgs/{o}/actions/permissions",
                lambda: self._get_dict(f"/orgs/{o}/actions/permissions"),
                OWNER_PERMISSION,
            ),
            "workflow_permissions": (
                f"GET /orgs/{o}/actions/permissions/workflow",
                lambda: self._get_dict(f"/orgs/{o}/actions/permissions/workflow"),
                OWNER_PERMISSION,
            ),
            "org_hooks": (
                f"GET /orgs/{o}/hooks",
                lambda: self.api.get_all(f"/orgs/{o}/hooks"),
                "organization owner (token with admin:org_hook)",
            ),
            "saml_sso": (
                "POST /graphql organization.samlIdentityProvider",
                self._saml_sso,
                SAML_PERMISSION,
            ),
            "audit_log": (
                f"GET /orgs/{o}/audit-log",
                self._audit_log,
                audit_log_permission,
            ),
        }
        values: dict[str, Any] = {}
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="github")
        try:
            org_futures: dict[Future[Any], tuple[str, str, Permission]] = {
                pool.submit(fetch): (source, call, permission)
                for source, (call, fetch, permission) in org_reads.items()
            }
            if listed is None:
                listing, archived = self._list_repos()
            else:
                listing, archived = listed
                self._dot_github_public = dot_github_public(listing)
            # An earlier walk's listing means the repositories are other parts' to read.
            split = listed is not None or (
                after_listing is not None
                and after_listing(listing, archived, self._dot_github_public)
            )
            total = len(listing or [])
            if not split:
                self._report(0, total, "repositories listed")
            to_read = [] if split else listing or []
            repo_futures = [pool.submit(self._collect_repo, item) for item in to_read]
            outcomes: dict[str, _RepoOutcome] = {}
            for done, fut in enumerate(as_completed(repo_futures), start=1):
                outcome = fut.result()
                outcomes[outcome.full_name] = outcome
                self._report(done, total, outcome.full_name)
            for fut, (source, call, permission) in org_futures.items():
                try:
                    values[source] = fut.result()
                except ApiError as err:
                    need = permission(err) if callable(permission) else permission
                    self.errors.append(fetch_error(source, call, err, permission=need))
            org_policy = self._org_security_policy_result()
        except BaseException:
            # A bug or an interrupt: stop queued repositories instead of finishing the org.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()

        # Keyword arguments of GithubInventory: each a mapping of repository -> value.
        per_repo: dict[str, Any] = {name: {} for name in PER_REPO_SOURCES}
        for item in to_read:
            outcome = outcomes[item["full_name"]]
            for source, value in outcome.values.items():
                per_repo[source][outcome.full_name] = value
            self.errors.extend(outcome.errors)

        return GithubInventory(
            org_login=str(org_json.get("login") or org),
            collected_at="",  # filled by the caller, which owns the clock
            api_url=self.api.base_url,
            period_since=to_iso(self.since),
            period_until=to_iso(self.until),
            token_scopes=self.api.token_scopes,
            organization=org_json,
            org_security_policy=org_policy,
            repos=listing,
            archived_repos=tuple(str(a.get("full_name")) for a in archived),
            archived_listing={str(a.get("full_name")): a for a in archived},
            errors=tuple(self.errors),
            api_calls=self.api.calls,
            **values,
            **per_repo,
        )

    def run_repos(self, items: list[JsonObject], *, dot_github_public: bool) -> GithubInventory:
        """Read only the repositories ``items`` (entries of the listing walk), in the pool: one
        batch of a split collection. The inventory holds their per-repository sources and
        errors, nothing about the organization."""
        self._dot_github_public = dot_github_public
        per_repo: dict[str, Any] = {name: {} for name in PER_REPO_SOURCES}
        outcomes: dict[str, _RepoOutcome] = {}
        total = len(items)
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="github") as pool:
            futures = [pool.submit(self._collect_repo, item) for item in items]
            for done, fut in enumerate(as_completed(futures), start=1):
                outcome = fut.result()
                outcomes[outcome.full_name] = outcome
                self._report(done, total, outcome.full_name)
        for item in items:
            outcome = outcomes[str(item["full_name"])]
            for source, value in outcome.values.items():
                per_repo[source][outcome.full_name] = value
            self.errors.extend(outcome.errors)
        return GithubInventory(
            org_login=self.org,
            collected_at="",
            api_url=self.api.base_url,
            period_since=to_iso(self.since),
            period_until=to_iso(self.until),
            errors=tuple(self.errors),
            api_calls=self.api.calls,
            **per_repo,
        )

    def _members(self) -> list[JsonObject]:
        """The one walk of ``/orgs/{org}/members``, shared by the ``members`` source and the
        audit-log read (which stops early once every member has been seen)."""
        o = quote(self.org, safe="")
        return list(self._once("members", lambda: self.api.get_all(f"/orgs/{o}/members")))

    def _saml_sso(self) -> JsonObject:
        """GraphQL ``organization { samlIdentityProvider }``: one call, whatever the org's size.

        Returns the ``organization`` object; ``samlIdentityProvider`` is None when the org has no
        SAML SSO (always so outside Enterprise Cloud). Refusals arrive as GraphQL ``errors``
        and are raised by the client, so a null provider here is a real answer.
        """
        data = self.api.graphql(SAML_QUERY, {"login": self.org})
        organization = data.get("organization")
        if not isinstance(organization, dict) or "samlIdentityProvider" not in organization:
            raise ApiError(
                None,
                "GraphQL answer has no organization.samlIdentityProvider field",
                {},
                github_shaped=False,
                kind="shape",
            )
        return {"samlIdentityProvider": organization["samlIdentityProvider"]}

    def _audit_log(self) -> JsonObject:
        """Member activity: the audit log of the stale-member window, newest event first.

        One cursor walk of ``/orgs/{org}/audit-log?phrase=created:>=DAY&order=desc`` (the
        ``Link: rel="next"`` URLs carry opaque ``after=`` cursors). It ends at the end of the
        window; or as soon as every member has acted, since each member's newest event is then
        known and older pages cannot change a verdict; or after ``audit_log_max_pages`` pages, in
        which case ``complete`` is False and nobody may be called stale from the part read.
        """
        start = (self.now - timedelta(days=self.stale_member_days)).date()
        phrase = f"created:>={start.isoformat()}"
        try:
            members: set[str] | None = {
                str(m.get("login", "")).lower() for m in self._members() if isinstance(m, dict)
            }
        except ApiError:
            members = None  # reported under "members"; read the whole window instead
        events: list[JsonObject] = []
        actors: set[str] = set()
        pages = 0
        stopped = "end_of_window"
        path = f"/orgs/{quote(self.org, safe='')}/audit-log"
        for page, next_url in self.api.linked_pages(path, {"phrase": phrase, "order": "desc"}):
            pages += 1
            events.extend(e for e in page if isinstance(e, dict))
            actors.update(str(e.get("actor") or "").lower() for e in page if isinstance(e, dict))
            if next_url is None:
                break
            if members is not None and members <= actors:
                stopped = "all_members_seen"
                break
            if pages >= self.audit_log_max_pages:
                stopped = "page_cap"
                break
        return {
            "phrase": phrase,
            "since": f"{start.isoformat()}T00:00:00Z",
            "until": to_iso(self.now),
            "complete": stopped != "page_cap",
            "stoppedBecause": stopped,
            "pages": pages,
            "maxPages": self.audit_log_max_pages,
            "events": events,
        }

    def _report(self, done: int, total: int, label: str) -> None:
        if self.progress is not None:
            self.progress(done, total, label)

    def _get_dict(self, path: str, params: dict[str, Any] | None = None) -> JsonObject:
        headers, data = self.api.get(path, params)
        if not isinstance(data, dict):
            raise ApiError(
                None,
                f"GET {path} returned {type(data).__name__}, expected an object",
                headers,
                kind="shape",
            )
        return data

    def _list_repos(self) -> tuple[list[JsonObject] | None, list[JsonObject]]:
        """The one listing walk. Archived repositories are set aside (their listing entries kept
        for the evidence that names them), not collected."""
        listing: list[JsonObject] = []
        archived: list[JsonObject] = []
        try:
            for page in self.api.pages(f"/orgs/{quote(self.org, safe='')}/repos", {"type": "all"}):
                for item in page:
                    if item.get("archived"):
                        archived.append(item)
                    else:
                        listing.append(item)
        except ApiError as err:
            # A partial listing would silently drop repositories from the evidence: no listing.
            self.errors.append(
                fetch_error(
                    "repos",
                    f"GET /orgs/{quote(self.org, safe='')}/repos",
                    err,
                    permission="organization member (read:org)",
                )
            )
            return None, archived
        self._dot_github_public = dot_github_public(listing)
        return listing, archived

    def _org_security_policy(self) -> str | None:
        """Path of the org-wide default SECURITY.md in the public ``{org}/.github`` repository."""
        if not self._dot_github_public:
            return None
        return self._first_existing(f"/repos/{quote(self.org, safe='')}/.github", SECURITY_PATHS)

    def _first_existing(self, repo_path: str, paths: tuple[str, ...]) -> str | None:
        """The first of ``paths`` present in the repository, or ``None``. Only GitHub's own 404
        means "absent": anything else (a proxy's 404 page, 403, throttling) raises ApiError."""
        for path in paths:
            try:
                self.api.get(f"{repo_path}/contents/{path}")
            except ApiError as err:
                if err.status == 404 and err.github_shaped:
                    continue
                raise
            return path
        return None

    def _org_security_policy_result(self) -> str | None:
        try:
            return self._once("org-security-policy", self._org_security_policy)
        except ApiError as err:
            self.errors.append(
                fetch_error(
                    "org_security_policy",
                    f"GET /repos/{quote(self.org, safe='')}/.github/contents/SECURITY.md",
                    err,
                )
            )
            return None

    # ---- one repository ----

    def _collect_repo(self, item: JsonObject) -> _RepoOutcome:
        full = str(item["full_name"])
        out = _RepoOutcome(full)
        branch = str(item.get("default_branch") or "main")
        admin = bool((item.get("permissions") or {}).get("admin"))
        base = "/repos/" + "/".join(quote(part, safe="") for part in full.split("/", 1))
        b = quote(branch)

        def fail(source: str, call: str, err: ApiError, permission: str | None = None) -> None:
            out.errors.append(fetch_error(source, call, err, scope=full, permission=permission))

        # Settings and security_and_analysis (the latter only shown to admins).
        try:
            details: JsonObject | None = self._get_dict(base)
            out.values["repo_details"] = details
        except ApiError as err:
            details = None
            fail("repo_details", f"GET {base}", err)

        self._protection(out, base, b, admin, fail)
        self._rules(out, base, b, full, fail)
        self._codeowners(out, base, fail)
        self._dependabot(out, base, admin, fail)
        self._security_updates(out, base, admin, details, fail)
        self._code_scanning(out, base, branch, fail)
        self._outside_collaborators(out, base, item, fail)
        for source, sub in (("repo_hooks", "hooks"), ("deploy_keys", "keys")):
            try:
                out.values[source] = self.api.get_all(f"{base}/{sub}")
            except ApiError as err:
                fail(source, f"GET {base}/{sub}", err, None if admin else ADMIN_PERMISSION)
        if item.get("visibility", "private" if item.get("private") else "public") == "public":
            self._security_policy(out, base, fail)
        self._merged_pulls(out, base, branch, fail)
        return out

    def _protection(self, out: _RepoOutcome, base: str, b: str, admin: bool, fail: Any) -> None:
        call = f"GET {base}/branches/{b}/protection"
        try:
            protection = self._get_dict(f"{base}/branches/{b}/protection")
        except ApiError as err:
            message = err.message.lower()
            if err.status == 404 and message == "branch not protected":
                out.values["branch_protection"] = None
            elif err.status == 403 and (
                "upgrade to github pro" in message or "make this repository public" in message
            ):
                # The plan does not offer protection for private repositories: unprotected.
                out.values["branch_protection"] = None
            else:
                fail("branch_protection", call, err, None if admin else PROTECTION_PERMISSION)
            return
        if "required_signatures" not in protection:
            # Older GHES releases leave it out of the protection body: ask for it.
            try:
                protection["required_signatures"] = self._get_dict(
                    f"{base}/branches/{b}/protection/required_signatures"
                )
            except ApiError as err:
                protection["sentinel_errors"] = {"required_signatures": str(err)}
        out.values["branch_protection"] = protection

    def _rules(self, out: _RepoOutcome, base: str, b: str, full: str, fail: Any) -> None:
        try:
            rules = self.api.get_all(f"{base}/rules/branches/{b}")
        except ApiError as err:
            fail("branch_rules", f"GET {base}/rules/branches/{b}", err)
            return
        out.values["branch_rules"] = rules
        details: list[JsonObject] = []
        seen: set[tuple[str, str, int]] = set()
        for rule in rules:
            key = (
                str(rule.get("ruleset_source_type")),
                str(rule.get("ruleset_source")),
                int(rule.get("ruleset_id") or 0),
            )
            if key in seen or not key[2]:
                continue
            seen.add(key)
            try:
                details.append(
                    self._once(
                        ("ruleset", *key),
                        partial(
                            self._get_dict,
                            f"{base}/rulesets/{key[2]}",
                            {"includes_parents": "true"},
                        ),
                    )
                )
            except ApiError as err:
                fail("rulesets", f"GET {base}/rulesets/{key[2]}", err)
                return
        out.values["rulesets"] = details

    def _codeowners(self, out: _RepoOutcome, base: str, fail: Any) -> None:
        try:
            out.values["codeowners"] = self._first_existing(base, CODEOWNERS_PATHS)
        except ApiError as err:
            fail(
                "codeowners",
                f"GET {base}/contents/ for CODEOWNERS ({', '.join(CODEOWNERS_PATHS)})",
                err,
                "read access to the repository contents",
            )

    def _dependabot(self, out: _RepoOutcome, base: str, admin: bool, fail: Any) -> None:
        call = f"GET {base}/vulnerability-alerts"
        enabled: bool | None
        ambiguous: ApiError | None = None
        try:
            self.api.get(f"{base}/vulnerability-alerts")
            enabled = True
        except ApiError as err:
            if err.missing_scopes():
                fail("vulnerability_alerts", call, err)
                return
            if (
                err.status == 404
                and err.github_shaped
                and (admin or "disabled" in err.message.lower())
            ):
                enabled = False
            elif err.status in (403, 404) and not admin:
                # Admin-only endpoint: let the alerts list answer instead.
                enabled, ambiguous = None, err
            else:
                fail("vulnerability_alerts", call, err, None if admin else ADMIN_PERMISSION)
                return
        if enabled is False:
            out.values["vulnerability_alerts"] = False
            return
        alerts_call = f"GET {base}/dependabot/alerts"
        try:
            alerts = self.api.get_all(
                f"{base}/dependabot/alerts", {"state": "open", "severity": "critical,high"}
            )
        except ApiError as err:
            disabled = (
                err.status == 403 and "disabled" in err.message.lower() and not err.missing_scopes()
            )
            if ambiguous is not None:
                if disabled:
                    out.values["vulnerability_alerts"] = False
                    return
                # Neither call could answer. One error, naming both ways out: two errors for one
                # repository would become two ERROR items for the same (check, resource).
                alternative = fetch_error(
                    "dependabot_alerts", alerts_call, err, permission=DEPENDABOT_PERMISSION
                )
                combined = ApiError(
                    ambiguous.status,
                    f"{ambiguous.message}; the alert list answered {err}",
                    ambiguous.headers,
                )
                fail(
                    "vulnerability_alerts",
                    f"{call} (and {alerts_call})",
                    combined,
                    f"{ADMIN_PERMISSION}, or {alternative.permission}",
                )
                return
            out.values["vulnerability_alerts"] = True
            fail("dependabot_alerts", alerts_call, err, DEPENDABOT_PERMISSION)
            return
        out.values["vulnerability_alerts"] = True
        out.values["dependabot_alerts"] = alerts

    def _security_updates(
        self, out: _RepoOutcome, base: str, admin: bool, details: JsonObject | None, fail: Any
    ) -> None:
        """Dependabot security updates: read from ``security_and_analysis`` at no cost.

        GitHub reports ``dependabot_security_updates.status`` there to admins, so the dedicated
        endpoint is called only when an admin's repository JSON lacks it (older GHES). For other
        tokens that endpoint is admin-only too: calling it would only buy a 404, and the check
        already reports the hidden block as ERROR naming the permission.
        """
        if not admin or details is None:
            return
        analysis = details.get("security_and_analysis")
        block = analysis.get("dependabot_security_updates") if isinstance(analysis, dict) else None
        if isinstance(block, dict) and block.get("status"):
            return
        call = f"GET {base}/automated-security-fixes"
        try:
            out.values["automated_security_fixes"] = self._get_dict(
                f"{base}/automated-security-fixes"
            )
        except ApiError as err:
            if err.status == 404 and err.github_shaped and not err.missing_scopes():
                # "Not Found if Dependabot is not enabled for the repository" (admin token).
                out.values["automated_security_fixes"] = None
            else:
                fail("automated_security_fixes", call, err, ADMIN_PERMISSION)

    def _outside_collaborators(
        self, out: _RepoOutcome, base: str, item: JsonObject, fail: Any
    ) -> None:
        """Who outside the organization can reach this repository, and with which role: one
        listing per repository (not one call per collaborator and repository)."""
        push = bool((item.get("permissions") or {}).get("push"))
        try:
            out.values["repo_outside_collaborators"] = self.api.get_all(
                f"{base}/collaborators", {"affiliation": "outside"}
            )
        except ApiError as err:
            # GitHub says "Must have push access to view repository collaborators." when the
            # listing's permissions are stale or a fine-grained token narrows them.
            lacks_push = not push or "push access" in err.message.lower()
            fail(
                "repo_outside_collaborators",
                f"GET {base}/collaborators?affiliation=outside",
                err,
                COLLABORATORS_PERMISSION if lacks_push else None,
            )

    def _code_scanning(self, out: _RepoOutcome, base: str, branch: str, fail: Any) -> None:
        try:
            _, data = self.api.get(
                f"{base}/code-scanning/analyses", {"per_page": 20, "ref": f"refs/heads/{branch}"}
            )
        except ApiError as err:
            message = err.message.lower()
            not_enabled = (
                err.status == 403
                and not err.missing_scopes()
                and (
                    "must be enabled" in message
                    or "not enabled" in message
                    or "advanced security" in message
                )
            )
            if (err.status == 404 and "no analysis found" in message) or not_enabled:
                out.values["code_scanning_analyses"] = []
            else:
                fail(
                    "code_scanning_analyses",
                    f"GET {base}/code-scanning/analyses",
                    err,
                    SECURITY_EVENTS,
                )
            return
        out.values["code_scanning_analyses"] = list(data) if isinstance(data, list) else []

    def _security_policy(self, out: _RepoOutcome, base: str, fail: Any) -> None:
        try:
            own = self._first_existing(base, SECURITY_PATHS)
        except ApiError as err:
            fail("security_policy", f"GET {base}/contents/SECURITY.md", err)
            return
        if own is not None:
            out.values["security_policy"] = own
            return
        try:
            default = self._once("org-security-policy", self._org_security_policy)
        except ApiError:
            default = None  # recorded once, at org level, as org_security_policy
        out.values["security_policy"] = f"{self.org}/.github:{default}" if default else None

    def _merged_pulls(self, out: _RepoOutcome, base: str, branch: str, fail: Any) -> None:
        """The change-review population: merges into the default branch within the period.

        Closed PRs are walked newest-updated first; a PR merged in the period was updated at or
        after its merge, so the walk stops at the first PR last updated before the period.
        """
        population: list[JsonObject] = []
        try:
            params = {"state": "closed", "base": branch, "sort": "updated", "direction": "desc"}
            for page in self.api.pages(f"{base}/pulls", params):
                stop = False
                for pr in page:
                    updated = _parse(pr.get("updated_at"))
                    if updated is not None and updated < self.since:
                        stop = True
                        break
                    merged = _parse(pr.get("merged_at"))
                    if merged is not None and self.since <= merged <= self.until:
                        population.append(dict(pr))
                if stop:
                    break
            for pr in population:
                pr["sentinel_reviews"] = self.api.get_all(
                    f"{base}/pulls/{int(pr['number'])}/reviews"
                )
        except ApiError as err:
            fail("merged_pulls", f"GET {base}/pulls (and the merged ones' reviews)", err)
            return
        population.sort(key=lambda p: str(p.get("merged_at")))
        out.values["merged_pulls"] = population


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return parse_iso(str(value))
    except ValueError:
        return None

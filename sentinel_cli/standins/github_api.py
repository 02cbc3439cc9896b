"""A local stand-in for the GitHub REST API, serving seeded organizations over real HTTP.

Why a server and not mocks: the collector's hard parts are HTTP behaviours — ``Link`` pagination,
404 "Branch not protected" versus 404-for-no-permission, 403 with ``X-Accepted-OAuth-Scopes``,
rate-limit headers, ``Retry-After`` on secondary limits — and PyGithub's own retry and paging code
only runs against a real socket. This module answers the subset of endpoints Sentinel reads, in
GitHub's documented JSON shapes, from an in-memory ``OrgSeed`` (``github_seed.py``).

``running_github_api(orgs)`` starts a ``ThreadingHTTPServer`` on 127.0.0.1 (port chosen by the OS)
and yields ``(base_url, server)``. Tokens carry scopes and roles (``TokenSpec``); the defaults are
an org owner with every scope, a non-admin member, and an owner without ``security_events``.
``server.requests`` counts requests per path, ``server.inject(path, ...)`` queues canned
responses (e.g. a 429 with ``Retry-After``) for the next requests to a path, and the rate limit is
per token and resource (``core``, ``graphql``) with a configurable budget and window. Both ``/…``
and GHES-style ``/api/v3/…`` paths are served, and GraphQL at ``/graphql`` and ``/api/graphql``
(only the ``organization { samlIdentityProvider }`` query Sentinel sends, answering refusals with
HTTP 200 and ``errors`` as GitHub does). The Enterprise Cloud audit log is served with opaque
``after=`` cursors in ``Link`` headers, filtered by the ``phrase`` qualifiers Sentinel uses. Stdlib only: no test framework, usable by the demo; ``python -m
sentinel_cli.standins.github_api --repos 50`` serves a seeded org by hand and prints its tokens.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from sentinel_cli.standins.github_seed import OrgSeed, RepoSeed, stable_id
from sentinel_cli.wire import JsonObject

DOCS = "https://docs.github.com/rest"


@dataclass(frozen=True)
class TokenSpec:
    """Who a token is and what it may do.

    ``scopes=None`` models a fine-grained or App token (no ``X-OAuth-Scopes`` header).
    ``org_owner`` unlocks owner-only org settings; ``repo_admin`` unlocks admin-only repository
    endpoints (classic protection, hooks, deploy keys, vulnerability-alerts, security_and_analysis).
    """

    login: str
    scopes: tuple[str, ...] | None
    org_owner: bool = True
    repo_admin: bool = True


ALL_SCOPES: tuple[str, ...] = (
    "admin:org",
    "admin:org_hook",
    "admin:repo_hook",
    "read:audit_log",
    "read:user",
    "repo",
    "security_events",
)
OWNER_TOKEN = "ghp_sentinelOwnerAllScopes00000000000001"
MEMBER_TOKEN = "ghp_sentinelMemberReadOnly000000000000002"
NO_SECURITY_EVENTS_TOKEN = "ghp_sentinelOwnerNoSecurityEvents000003"
NO_AUDIT_LOG_TOKEN = "ghp_sentinelOwnerNoAuditLogScope0000004"
DEFAULT_TOKENS: dict[str, TokenSpec] = {
    OWNER_TOKEN: TokenSpec("alice", ALL_SCOPES),
    MEMBER_TOKEN: TokenSpec("dave", ("repo", "read:org"), org_owner=False, repo_admin=False),
    NO_SECURITY_EVENTS_TOKEN: TokenSpec(
        "bob", tuple(s for s in ALL_SCOPES if s != "security_events")
    ),
    NO_AUDIT_LOG_TOKEN: TokenSpec("erin", tuple(s for s in ALL_SCOPES if s != "read:audit_log")),
}

# A held scope implies these narrower ones (GitHub's documented scope hierarchy, the part we use).
IMPLIED_SCOPES: dict[str, tuple[str, ...]] = {
    "admin:org": ("write:org", "read:org"),
    "write:org": ("read:org",),
    "admin:repo_hook": ("write:repo_hook", "read:repo_hook"),
    "write:repo_hook": ("read:repo_hook",),
    "audit_log": ("read:audit_log",),
    "repo": ("public_repo", "repo:status", "repo_deployment", "repo:invite"),
}

GRAPHQL_PATHS = frozenset({"/graphql", "/api/graphql"})

# Owner-only fields of GET /orgs/{org}: hidden from other tokens, as GitHub does.
OWNER_ONLY_ORG_FIELDS = (
    "two_factor_requirement_enabled",
    "default_repository_permission",
    "members_can_create_repositories",
    "members_can_create_public_repositories",
    "members_can_create_private_repositories",
    "plan",
    "billing_email",
    "total_private_repos",
    "owned_private_repos",
)


class HttpError(Exception):
    """Raised by route handlers to answer with a GitHub error body."""

    def __init__(
        self, status: int, message: str, *, accepted: str | None = None, doc: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.accepted = accepted
        self.doc = doc


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] | None = None
    raw: bytes | None = None


def _expand(scopes: Iterable[str]) -> set[str]:
    held = set(scopes)
    for scope in list(held):
        held.update(IMPLIED_SCOPES.get(scope, ()))
    return held


class GithubApiServer(ThreadingHTTPServer):
    """The stand-in. Mutable attributes are safe to adjust between requests in tests."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self,
        orgs: Iterable[OrgSeed],
        *,
        tokens: dict[str, TokenSpec] | None = None,
        rate_limit: int = 15000,
        rate_window: float = 3600.0,
        app_installations: dict[int, TokenSpec] | None = None,
        port: int = 0,
    ) -> None:
        # Loopback only, whatever the caller wants: this server hands out its tokens to anyone.
        super().__init__(("127.0.0.1", port), _Handler)
        self.orgs: dict[str, OrgSeed] = {o.login.lower(): o for o in orgs}
        self.tokens: dict[str, TokenSpec] = dict(tokens or DEFAULT_TOKENS)
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.app_installations = dict(app_installations or {})
        self.requests: Counter[str] = Counter()
        self.total_requests = 0
        self.omit_protection_signatures = False
        # Older GHES: security_and_analysis without dependabot_security_updates.
        self.omit_security_updates_status = False
        # A test's way to hold a collection mid-way: while ``hold`` is a cleared event, every
        # request waits for it (at most ``hold_timeout`` seconds) after being counted.
        self.hold: threading.Event | None = None
        self.hold_timeout = 60.0
        self._lock = threading.Lock()
        self._injected: dict[str, list[Reply]] = {}
        # (token, resource) -> (used, window reset epoch)
        self._rate: dict[tuple[str, str], tuple[int, float]] = {}

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        assert isinstance(host, str)  # an AF_INET server: (host, port)
        return f"http://{host}:{port}"

    def inject(self, path: str, *replies: Reply) -> None:
        """Answer the next requests to ``path`` (no query, no /api/v3) with ``replies`` in order."""
        with self._lock:
            self._injected.setdefault(path, []).extend(replies)

    def reset_counters(self) -> None:
        with self._lock:
            self.requests.clear()
            self.total_requests = 0

    def count(self, path: str) -> int:
        return self.requests[path]

    # -- internals used by the handler --

    def _record(self, path: str) -> Reply | None:
        with self._lock:
            self.requests[path] += 1
            self.total_requests += 1
            queue = self._injected.get(path)
            return queue.pop(0) if queue else None

    def _spend(self, token: str, resource: str = "core") -> tuple[int, int, int]:
        """Consume one unit of ``token``'s ``resource`` budget: (remaining, reset epoch, used).

        GitHub budgets REST (``core``) and GraphQL (``graphql``) apart; so does the stand-in.
        """
        with self._lock:
            now = time.time()
            used, reset = self._rate.get((token, resource), (0, now + self.rate_window))
            if now >= reset:
                used, reset = 0, now + self.rate_window
            used += 1
            self._rate[(token, resource)] = (used, reset)
            return max(self.rate_limit - used, 0), int(reset + 0.999), used


class _Handler(BaseHTTPRequestHandler):
    server: GithubApiServer
    body: bytes = b""
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, each keep-alive response would
    # wait for the client's delayed ACK (~40 ms), capping a worker at ~25 requests/s.
    disable_nagle_algorithm = True
    server_version = "GitHub.com"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging; the request counter is the record."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    # -- plumbing --

    def _dispatch(self, verb: str) -> None:
        split = urlsplit(self.path)
        path = split.path
        if path.startswith("/api/v3/"):
            path = path[len("/api/v3") :]
        path = path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        injected = self.server._record(path)
        hold = self.server.hold
        if hold is not None:
            hold.wait(self.server.hold_timeout)
        extra: dict[str, str] = {}
        token_spec: TokenSpec | None = None
        try:
            if injected is not None:
                self._send(injected, extra)
                return
            token, token_spec = self._authenticate(verb, path)
            if token is not None and token_spec is not None:  # both, or neither (an app JWT)
                resource = "graphql" if path in GRAPHQL_PATHS else "core"
                remaining, reset, used = self.server._spend(token, resource)
                extra.update(
                    {
                        "X-RateLimit-Limit": str(self.server.rate_limit),
                        "X-RateLimit-Remaining": str(remaining),
                        "X-RateLimit-Reset": str(reset),
                        "X-RateLimit-Used": str(used),
                        "X-RateLimit-Resource": resource,
                    }
                )
                if used > self.server.rate_limit:
                    raise HttpError(
                        403,
                        "API rate limit exceeded for user ID "
                        f"{stable_id('user', token_spec.login)}.",
                        doc="/overview/resources-in-the-rest-api#rate-limiting",
                    )
            if token_spec is not None and token_spec.scopes is not None:
                extra["X-OAuth-Scopes"] = ", ".join(token_spec.scopes)
            reply = self._route(verb, path, query, token_spec, extra)
            self._send(reply, extra)
        except HttpError as err:
            if err.accepted is not None:
                extra["X-Accepted-OAuth-Scopes"] = err.accepted
            body = {
                "message": err.message,
                "documentation_url": DOCS + (err.doc or ""),
                "status": str(err.status),
            }
            self._send(Reply(err.status, body), extra)

    def _authenticate(self, verb: str, path: str) -> tuple[str | None, TokenSpec | None]:
        header = self.headers.get("Authorization") or ""
        scheme, _, value = header.partition(" ")
        if verb == "POST" and re.fullmatch(r"/app/installations/\d+/access_tokens", path):
            if scheme.lower() != "bearer" or value.count(".") != 2:
                raise HttpError(401, "A JSON web token could not be decoded")
            return None, None
        if scheme.lower() not in {"token", "bearer"} or not value:
            raise HttpError(401, "Requires authentication")
        spec = self.server.tokens.get(value.strip())
        if spec is None:
            raise HttpError(401, "Bad credentials")
        return value.strip(), spec

    def _send(self, reply: Reply, extra: dict[str, str]) -> None:
        if reply.raw is not None:
            payload = reply.raw
            content_type = "text/html; charset=utf-8"
        elif reply.status == 204 or reply.body is None:
            payload = b""
            content_type = "application/json; charset=utf-8"
        else:
            payload = json.dumps(reply.body).encode()
            content_type = "application/json; charset=utf-8"
        self.send_response(reply.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
        self.send_header("X-GitHub-Request-Id", secrets.token_hex(8).upper())
        for key, value in {**extra, **(reply.headers or {})}.items():
            self.send_header(key, value)
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    def _paged(
        self, path: str, query: dict[str, str], items: list[Any], extra: dict[str, str]
    ) -> Reply:
        """One page of ``items`` with GitHub's ``Link`` header (first/prev/next/last)."""
        try:
            per_page = min(max(int(query.get("per_page", 30)), 1), 100)
            page = max(int(query.get("page", 1)), 1)
        except ValueError as exc:
            raise HttpError(422, "Invalid pagination parameter") from exc
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : page * per_page]

        def url(n: int) -> str:
            q = {**query, "per_page": str(per_page), "page": str(n)}
            return f"{self.server.base_url}{path}?{urlencode(q)}"

        links = []
        if page < last:
            links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
        if page > 1:
            links += [f'<{url(page - 1)}>; rel="prev"', f'<{url(1)}>; rel="first"']
        if links:
            extra["Link"] = ", ".join(links)
        return Reply(200, chunk)

    # -- routes --

    def _route(
        self,
        verb: str,
        path: str,
        query: dict[str, str],
        token: TokenSpec | None,
        extra: dict[str, str],
    ) -> Reply:
        if verb == "POST":
            match = re.fullmatch(r"/app/installations/(\d+)/access_tokens", path)
            if match:
                return self._installation_token(int(match.group(1)))
            if path in GRAPHQL_PATHS and token is not None:
                return self._graphql(token)
            raise HttpError(404, "Not Found")
        assert token is not None
        if path == "/user":
            return Reply(200, _user(token.login) | {"name": token.login.title()})
        if path == "/rate_limit":
            return Reply(200, {"resources": {"core": {"limit": self.server.rate_limit}}})
        match = re.fullmatch(r"/orgs/([^/]+)(/.*)?", path)
        if match:
            org = self._org(match.group(1))
            return self._org_route(org, match.group(2) or "", path, query, token, extra)
        match = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", path)
        if match:
            org = self._org(match.group(1))
            repo = next((r for r in org.repos if r.name == match.group(2)), None)
            if repo is None:
                raise HttpError(404, "Not Found", doc="/repos/repos#get-a-repository")
            return self._repo_route(org, repo, match.group(3) or "", path, query, token, extra)
        raise HttpError(404, "Not Found")

    def _org(self, login: str) -> OrgSeed:
        org = self.server.orgs.get(login.lower())
        if org is None:
            raise HttpError(404, "Not Found", doc="/orgs/orgs#get-an-organization")
        return org

    def _installation_token(self, installation_id: int) -> Reply:
        spec = self.server.app_installations.get(installation_id)
        if spec is None:
            raise HttpError(404, "Not Found", doc="/apps/apps#create-an-installation-access-token")
        token = "ghs_" + secrets.token_hex(18)
        self.server.tokens[token] = TokenSpec(spec.login, None, spec.org_owner, spec.repo_admin)
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        return Reply(
            201,
            {
                "token": token,
                "expires_at": expires,
                "permissions": {},
                "repository_selection": "all",
            },
        )

    @staticmethod
    def _need_scope(token: TokenSpec, *accepted: str) -> None:
        """403 naming the accepted scopes when a classic token holds none of them."""
        if token.scopes is None:
            return
        if not _expand(token.scopes) & set(accepted):
            raise HttpError(
                403,
                "Resource not accessible by personal access token: missing required scope",
                accepted=", ".join(accepted),
            )

    def _org_route(
        self,
        org: OrgSeed,
        sub: str,
        path: str,
        query: dict[str, str],
        token: TokenSpec,
        extra: dict[str, str],
    ) -> Reply:
        owner_view = token.org_owner and (token.scopes is None or "admin:org" in token.scopes)
        if sub == "":
            return Reply(200, _org_json(self.server.base_url, org, owner_view))
        if sub == "/members":
            if query.get("filter") == "2fa_disabled":
                self._need_scope(token, "admin:org")
                if not token.org_owner:
                    raise HttpError(403, "You must be an organization owner to filter by 2FA.")
                return self._paged(path, query, [_user(x) for x in org.members_2fa_disabled], extra)
            if query.get("role") == "admin":
                return self._paged(path, query, [_user(x) for x in org.owners], extra)
            return self._paged(path, query, [_user(x) for x in org.members], extra)
        if sub == "/outside_collaborators":
            self._need_scope(token, "read:org")
            return self._paged(path, query, [_user(x) for x in org.outside_collaborators], extra)
        if sub in {"/actions/permissions", "/actions/permissions/workflow"}:
            self._need_scope(token, "admin:org")
            if not token.org_owner:
                raise HttpError(403, "Must have admin rights to organization.")
            body = (
                org.actions_permissions if sub.endswith("permissions") else org.workflow_permissions
            )
            return Reply(200, body)
        if sub == "/hooks":
            self._need_scope(token, "admin:org_hook")
            if not token.org_owner:
                raise HttpError(404, "Not Found")
            return self._paged(
                path,
                query,
                [_with_hook_urls(self.server.base_url, path, h) for h in org.hooks],
                extra,
            )
        if sub == "/repos":
            repos = [_repo_json(self.server.base_url, org, r, token, full=False) for r in org.repos]
            return self._paged(path, query, repos, extra)
        if sub == "/audit-log":
            return self._audit_log(org, path, query, token, extra)
        match = re.fullmatch(r"/rulesets/(\d+)", sub)
        if match:
            if not token.org_owner:
                raise HttpError(404, "Not Found")
            found = next((r for r in org.rulesets if r["id"] == int(match.group(1))), None)
            if found is None:
                raise HttpError(404, "Not Found")
            return Reply(200, found)
        raise HttpError(404, "Not Found")

    # -- GraphQL --

    def _graphql(self, token: TokenSpec) -> Reply:
        """The one query Sentinel sends, ``organization(login) { samlIdentityProvider }``.

        As on GitHub, refusals come back with HTTP 200: ``INSUFFICIENT_SCOPES`` (no ``data``) for
        a classic token without ``read:org``, and ``FORBIDDEN`` beside a null provider for a
        non-owner. An unknown org is ``NOT_FOUND`` with a null ``organization``.
        """
        try:
            request = json.loads(self.body or b"{}")
        except ValueError as exc:
            raise HttpError(400, "Problems parsing JSON") from exc
        query = str(request.get("query") or "") if isinstance(request, dict) else ""
        variables = (request.get("variables") or {}) if isinstance(request, dict) else {}
        if "samlIdentityProvider" not in query or "organization" not in query:
            return Reply(
                200,
                {
                    "errors": [
                        {
                            "message": "The GitHub stand-in only answers "
                            "organization { samlIdentityProvider } queries",
                        }
                    ]
                },
            )
        login = str(variables.get("login") or "")
        if token.scopes is not None and "read:org" not in _expand(token.scopes):
            return Reply(200, {"errors": [_insufficient_scopes(token)]})
        org = self.server.orgs.get(login.lower())
        if org is None:
            error: dict[str, Any] = {
                "type": "NOT_FOUND",
                "path": ["organization"],
                "locations": [{"line": 1, "column": 27}],
                "message": f"Could not resolve to an Organization with the login of '{login}'.",
            }
            return Reply(200, {"data": {"organization": None}, "errors": [error]})
        if not token.org_owner:
            error = {
                "type": "FORBIDDEN",
                "path": ["organization", "samlIdentityProvider"],
                "extensions": {"saml_failure": False},
                "locations": [{"line": 1, "column": 60}],
                "message": f"{token.login} does not have permission to retrieve "
                "samlIdentityProvider information.",
            }
            return Reply(
                200, {"data": {"organization": {"samlIdentityProvider": None}}, "errors": [error]}
            )
        provider = dict(org.saml_idp) if org.enterprise_cloud and org.saml_idp else None
        return Reply(200, {"data": {"organization": {"samlIdentityProvider": provider}}})

    # -- audit log --

    def _audit_log(
        self,
        org: OrgSeed,
        path: str,
        query: dict[str, str],
        token: TokenSpec,
        extra: dict[str, str],
    ) -> Reply:
        """``GET /orgs/{org}/audit-log``: Enterprise Cloud only, owners with ``read:audit_log``.

        Events matching ``phrase`` are served newest first (``order=asc`` reverses) in pages of
        ``per_page``; the ``Link`` header's ``next`` carries an opaque ``after=`` cursor naming
        the last event served, as GitHub's cursor pagination does (no page numbers, no ``last``).
        """
        self._need_scope(token, "read:audit_log")
        if not org.enterprise_cloud:
            raise HttpError(
                404, "Not Found", doc="/orgs/orgs#get-the-audit-log-for-an-organization"
            )
        if not token.org_owner:
            raise HttpError(403, "Must have admin rights to organization.")
        try:
            per_page = min(max(int(query.get("per_page", 30)), 1), 100)
        except ValueError as exc:
            raise HttpError(422, "Invalid pagination parameter") from exc
        events = _audit_filter(org.audit_events, query.get("phrase", ""))
        events.sort(key=lambda e: (e["@timestamp"], e["_document_id"]))
        if query.get("order", "desc") != "asc":
            events.reverse()
        start = 0
        if query.get("after"):
            start = _after_cursor(events, query["after"]) + 1
        chunk = events[start : start + per_page]
        if start + per_page < len(events):
            base = f"{self.server.base_url}{path}"
            kept = {k: v for k, v in query.items() if k not in {"after", "before", "page"}}
            following = urlencode(
                {**kept, "per_page": str(per_page), "after": _cursor(chunk[-1]), "before": ""}
            )
            first = urlencode({**kept, "per_page": str(per_page), "after": "", "before": ""})
            extra["Link"] = f'<{base}?{following}>; rel="next", <{base}?{first}>; rel="first"'
        return Reply(200, chunk)

    def _repo_route(
        self,
        org: OrgSeed,
        repo: RepoSeed,
        sub: str,
        path: str,
        query: dict[str, str],
        token: TokenSpec,
        extra: dict[str, str],
    ) -> Reply:
        base = self.server.base_url
        branch = repo.default_branch
        if sub == "":
            body = _repo_json(base, org, repo, token, full=True)
            if self.server.omit_security_updates_status and "security_and_analysis" in body:
                body["security_and_analysis"].pop("dependabot_security_updates", None)
            return Reply(200, body)
        if sub == f"/branches/{branch}/protection":
            if not token.repo_admin:
                raise HttpError(
                    404, "Not Found", doc="/branches/branch-protection#get-branch-protection"
                )
            if repo.protection is None:
                raise HttpError(
                    404,
                    "Branch not protected",
                    doc="/branches/branch-protection#get-branch-protection",
                )
            body = _with_urls(f"{base}{path}", repo.protection)
            if self.server.omit_protection_signatures:
                body.pop("required_signatures", None)
            return Reply(200, body)
        if sub == f"/branches/{branch}/protection/required_signatures":
            if not token.repo_admin:
                raise HttpError(404, "Not Found")
            if repo.protection is None:
                raise HttpError(404, "Branch not protected")
            enabled = bool((repo.protection.get("required_signatures") or {}).get("enabled"))
            return Reply(200, {"url": f"{base}{path}", "enabled": enabled})
        if sub.startswith("/branches/") and sub.endswith("/protection"):
            raise HttpError(404, "Branch not found")
        if sub == f"/rules/branches/{branch}":
            return self._paged(path, query, _branch_rules(org, repo), extra)
        match = re.fullmatch(r"/rulesets/(\d+)", sub)
        if match:
            wanted = int(match.group(1))
            pool = repo.rulesets + (org.rulesets if query.get("includes_parents") == "true" else [])
            found = next((r for r in pool if r["id"] == wanted), None)
            if found is None:
                raise HttpError(404, "Not Found")
            body = dict(found)
            if not token.repo_admin:
                body.pop("bypass_actors", None)
            body["current_user_can_bypass"] = "never"
            return Reply(200, body)
        match = re.fullmatch(r"/contents/(.+)", sub)
        if match:
            file_path = match.group(1)
            if file_path not in repo.files:
                raise HttpError(404, "Not Found", doc="/repos/contents#get-repository-content")
            return Reply(200, _content_json(base, org, repo, file_path))
        if sub == "/vulnerability-alerts":
            if not token.repo_admin:
                raise HttpError(404, "Not Found")
            if not repo.vulnerability_alerts:
                raise HttpError(404, "Vulnerability alerts are disabled.")
            return Reply(204)
        if sub == "/automated-security-fixes":
            if not token.repo_admin:
                raise HttpError(404, "Not Found")
            if not repo.vulnerability_alerts:
                # GitHub: "Not Found if Dependabot is not enabled for the repository".
                raise HttpError(404, "Not Found")
            return Reply(
                200,
                {"enabled": repo.security_updates, "paused": repo.security_updates_paused},
            )
        if sub == "/collaborators":
            self._need_scope(token, "repo")
            return self._paged(path, query, _collaborators(org, repo, query), extra)
        if sub == "/dependabot/alerts":
            self._need_scope(token, "security_events")
            if not repo.vulnerability_alerts:
                raise HttpError(403, "Dependabot alerts are disabled for this repository.")
            alerts = [
                a for a in repo.dependabot_alerts if a["state"] == query.get("state", a["state"])
            ]
            if query.get("severity"):
                wanted_sev = set(query["severity"].split(","))
                alerts = [a for a in alerts if a["security_advisory"]["severity"] in wanted_sev]
            return self._paged(path, query, alerts, extra)
        if sub == "/code-scanning/analyses":
            self._need_scope(token, "security_events")
            if repo.code_scanning is None:
                raise HttpError(
                    403,
                    "Advanced Security must be enabled for this repository to use code scanning.",
                )
            analyses = [a for a in repo.code_scanning if a["ref"] == query.get("ref", a["ref"])]
            if not analyses:
                raise HttpError(404, "no analysis found")
            return self._paged(path, query, analyses, extra)
        if sub == "/hooks":
            if not token.repo_admin:
                raise HttpError(404, "Not Found")
            self._need_scope(token, "admin:repo_hook", "repo")
            return self._paged(
                path, query, [_with_hook_urls(base, path, h) for h in repo.hooks], extra
            )
        if sub == "/keys":
            if not token.repo_admin:
                raise HttpError(404, "Not Found")
            return self._paged(path, query, repo.keys, extra)
        if sub == "/pulls":
            return self._paged(path, query, self._pulls(org, repo, query), extra)
        match = re.fullmatch(r"/pulls/(\d+)/reviews", sub)
        if match:
            number = int(match.group(1))
            pr = next((p for p in repo.pulls if p["number"] == number), None)
            if pr is None:
                raise HttpError(404, "Not Found")
            return self._paged(path, query, pr["_reviews"], extra)
        raise HttpError(404, "Not Found")

    def _pulls(self, org: OrgSeed, repo: RepoSeed, query: dict[str, str]) -> list[JsonObject]:
        state = query.get("state", "open")
        pulls = [p for p in repo.pulls if state == "all" or p["state"] == state]
        if "base" in query:
            pulls = [p for p in pulls if p["base"]["ref"] == query["base"]]
        key = {"updated": "updated_at", "created": "created_at"}.get(
            query.get("sort", "created"), "created_at"
        )
        pulls.sort(key=lambda p: p[key], reverse=query.get("direction", "desc") == "desc")
        html = f"https://github.com/{org.login}/{repo.name}/pull/"
        return [
            {k: v for k, v in p.items() if k != "_reviews"} | {"html_url": f"{html}{p['number']}"}
            for p in pulls
        ]


# ---- JSON shapes ----------------------------------------------------------------------------


def _user(login: str) -> JsonObject:
    return {
        "login": login,
        "id": stable_id("user", login),
        "node_id": f"U_{login}",
        "type": "User",
        "site_admin": False,
        "html_url": f"https://github.com/{login}",
    }


def _org_json(base: str, org: OrgSeed, owner_view: bool) -> JsonObject:
    body: JsonObject = {
        "login": org.login,
        "id": org.id,
        "node_id": f"O_{org.id}",
        "url": f"{base}/orgs/{org.login}",
        "repos_url": f"{base}/orgs/{org.login}/repos",
        "hooks_url": f"{base}/orgs/{org.login}/hooks",
        "members_url": f"{base}/orgs/{org.login}/members{{/member}}",
        "description": f"{org.name} engineering",
        "name": org.name,
        "company": None,
        "blog": "https://example.com",
        "is_verified": True,
        "has_organization_projects": True,
        "has_repository_projects": True,
        "public_repos": sum(1 for r in org.repos if not r.private),
        "followers": 0,
        "following": 0,
        "html_url": f"https://github.com/{org.login}",
        "created_at": org.created_at,
        "updated_at": "2024-11-01T10:00:00Z",
        "type": "Organization",
    }
    if owner_view:
        body.update(org.settings)
        body["total_private_repos"] = sum(1 for r in org.repos if r.private)
        body["owned_private_repos"] = body["total_private_repos"]
        body["billing_email"] = f"billing@{org.login}.example"
    return body


def _repo_json(
    base: str, org: OrgSeed, repo: RepoSeed, token: TokenSpec, *, full: bool
) -> JsonObject:
    admin = token.repo_admin
    body: JsonObject = {
        "id": repo.id,
        "node_id": f"R_{repo.id}",
        "name": repo.name,
        "full_name": f"{org.login}/{repo.name}",
        "private": repo.private,
        "visibility": "private" if repo.private else "public",
        "owner": {"login": org.login, "id": org.id, "type": "Organization"},
        "html_url": f"https://github.com/{org.login}/{repo.name}",
        "description": f"The {repo.name} repository",
        "fork": False,
        "url": f"{base}/repos/{org.login}/{repo.name}",
        "archived": repo.archived,
        "disabled": False,
        "default_branch": repo.default_branch,
        "created_at": "2022-01-10T09:00:00Z",
        "updated_at": "2024-12-01T09:00:00Z",
        "pushed_at": "2024-12-01T09:00:00Z",
        "permissions": {
            "admin": admin,
            "maintain": admin,
            "push": True,
            "triage": True,
            "pull": True,
        },
    }
    if full:
        body.update(
            {
                "allow_merge_commit": True,
                "allow_squash_merge": True,
                "allow_rebase_merge": False,
                "delete_branch_on_merge": True,
                "web_commit_signoff_required": False,
            }
        )
        if admin:
            body["security_and_analysis"] = {
                "secret_scanning": {"status": repo.secret_scanning},
                "secret_scanning_push_protection": {"status": repo.push_protection},
                "dependabot_security_updates": {
                    "status": "enabled"
                    if repo.vulnerability_alerts and repo.security_updates
                    else "disabled"
                },
            }
    return body


ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "read": ("pull",),
    "triage": ("pull", "triage"),
    "write": ("pull", "triage", "push"),
    "maintain": ("pull", "triage", "push", "maintain"),
    "admin": ("pull", "triage", "push", "maintain", "admin"),
}


def _collaborator(login: str, role: str) -> JsonObject:
    """A ``GET /repos/{o}/{r}/collaborators`` entry: the user with its rights on the repo."""
    granted = ROLE_PERMISSIONS[role]
    return _user(login) | {
        "permissions": {name: name in granted for name in ROLE_PERMISSIONS["admin"]},
        "role_name": role,
    }


def _collaborators(org: OrgSeed, repo: RepoSeed, query: dict[str, str]) -> list[JsonObject]:
    """``affiliation=outside``: the repository's outside collaborators; ``direct``: the same (no
    member is seeded as a direct collaborator); ``all`` (the default) adds owners as admins and
    members with the organization's base permission."""
    affiliation = query.get("affiliation", "all")
    if affiliation not in {"outside", "direct", "all"}:
        raise HttpError(422, "Validation Failed")
    people = [_collaborator(login, role) for login, role in repo.outside_collaborators.items()]
    if affiliation == "all":
        base_role = {"none": None, "read": "read", "write": "write", "admin": "admin"}.get(
            str(org.settings.get("default_repository_permission", "read"))
        )
        for login in org.members:
            role = "admin" if login in org.owners else base_role
            if role is not None:
                people.append(_collaborator(login, role))
    return sorted(people, key=lambda p: str(p["login"]))


def _with_urls(url: str, protection: JsonObject) -> JsonObject:
    """Classic protection GET bodies carry a ``url`` on the object and on most sub-objects."""
    body: JsonObject = {"url": url}
    for key, value in protection.items():
        body[key] = {"url": f"{url}/{key}", **value} if isinstance(value, dict) else value
    return body


def _with_hook_urls(base: str, path: str, hook: JsonObject) -> JsonObject:
    url = f"{base}{path}/{hook['id']}"
    return {**hook, "url": url, "ping_url": f"{url}/pings", "deliveries_url": f"{url}/deliveries"}


def _content_json(base: str, org: OrgSeed, repo: RepoSeed, file_path: str) -> JsonObject:
    text = repo.files[file_path]
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(text),
        "name": file_path.rsplit("/", 1)[-1],
        "path": file_path,
        "content": base64.b64encode(text.encode()).decode(),
        "sha": stable_id(repo.name, file_path),
        "url": f"{base}/repos/{org.login}/{repo.name}/contents/{quote(file_path)}",
        "html_url": f"https://github.com/{org.login}/{repo.name}/blob/{repo.default_branch}/{file_path}",
    }


def _ruleset_applies(org: OrgSeed, repo: RepoSeed, rs: JsonObject) -> bool:
    if rs.get("enforcement") != "active" or rs.get("target", "branch") != "branch":
        return False
    refs = (rs.get("conditions") or {}).get("ref_name", {}).get("include", [])
    branch_ok = any(
        r in {"~DEFAULT_BRANCH", "~ALL", f"refs/heads/{repo.default_branch}"} for r in refs
    )
    names = (rs.get("conditions") or {}).get("repository_name")
    repo_ok = names is None or any(n in {"~ALL", repo.name} for n in names.get("include", []))
    return branch_ok and repo_ok


def _branch_rules(org: OrgSeed, repo: RepoSeed) -> list[JsonObject]:
    """``GET /repos/{o}/{r}/rules/branches/{b}``: rules of *active* rulesets, with their source."""
    out: list[JsonObject] = []
    for rs in [*repo.rulesets, *org.rulesets]:
        if not _ruleset_applies(org, repo, rs):
            continue
        for rule in rs["rules"]:
            out.append(
                {
                    **rule,
                    "ruleset_source_type": rs["source_type"],
                    "ruleset_source": rs["source"],
                    "ruleset_id": rs["id"],
                }
            )
    return out


def _insufficient_scopes(token: TokenSpec) -> JsonObject:
    held = ", ".join(f"'{s}'" for s in token.scopes or ())
    return {
        "type": "INSUFFICIENT_SCOPES",
        "locations": [{"line": 1, "column": 60}],
        "message": "Your token has not been granted the required scopes to execute this query. "
        "The 'samlIdentityProvider' field requires one of the following scopes: ['read:org'], "
        f"but your token has only been granted the: [{held}] scopes. Please modify your token's "
        "scopes at: https://github.com/settings/tokens.",
    }


_CREATED = re.compile(r"created:(>=|<=|>|<)?(\d{4}-\d{2}-\d{2})")


def _audit_filter(events: list[JsonObject], phrase: str) -> list[JsonObject]:
    """The ``phrase`` qualifiers Sentinel (and its remediation hints) use: ``created:`` with
    ``>=``/``>``/``<=``/``<`` or a day, ``actor:``, ``action:``; others are ignored."""
    out = list(events)
    for term in phrase.split():
        match = _CREATED.fullmatch(term)
        if match:
            op, day = match.group(1) or "=", match.group(2)
            out = [e for e in out if _compare_day(_event_day(e), op, day)]
        elif term.startswith("actor:"):
            out = [e for e in out if e.get("actor") == term[len("actor:") :]]
        elif term.startswith("action:"):
            out = [e for e in out if e.get("action") == term[len("action:") :]]
    return out


def _event_day(event: JsonObject) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(event["@timestamp"] / 1000))


def _compare_day(day: str, op: str, bound: str) -> bool:
    return {
        ">=": day >= bound,
        ">": day > bound,
        "<=": day <= bound,
        "<": day < bound,
        "=": day == bound,
    }[op]


def _cursor(event: JsonObject) -> str:
    raw = f"{event['@timestamp']}|{event['_document_id']}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after_cursor(events: list[JsonObject], cursor: str) -> int:
    """Index of the event a cursor names; an unknown cursor is a 422 as on GitHub."""
    for index, event in enumerate(events):
        if _cursor(event) == cursor:
            return index
    raise HttpError(422, "Invalid cursor")


# ---- running it -------------------------------------------------------------------------------


@contextmanager
def running_github_api(
    orgs: OrgSeed | Iterable[OrgSeed],
    *,
    tokens: dict[str, TokenSpec] | None = None,
    rate_limit: int = 15000,
    rate_window: float = 3600.0,
    app_installations: dict[int, TokenSpec] | None = None,
) -> Iterator[tuple[str, GithubApiServer]]:
    """Serve ``orgs`` on 127.0.0.1 in a background thread; yield ``(base_url, server)``.

    The default rate budget (15000/h, GitHub's limit for Enterprise Cloud and App installations)
    lets a 300-repository org be collected in one window; pass smaller values to exercise the
    collector's rate-limit pause.
    """
    seeds = [orgs] if isinstance(orgs, OrgSeed) else list(orgs)
    server = GithubApiServer(
        seeds,
        tokens=tokens,
        rate_limit=rate_limit,
        rate_window=rate_window,
        app_installations=app_installations,
    )
    thread = threading.Thread(target=server.serve_forever, name="github-api-standin", daemon=True)
    thread.start()
    try:
        yield server.base_url, server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main(argv: list[str] | None = None) -> None:
    """Serve a seeded org until interrupted: ``python -m sentinel_cli.standins.github_api``."""
    import argparse

    from sentinel_cli.standins.github_seed import seed_org

    parser = argparse.ArgumentParser(description="Local GitHub API stand-in (127.0.0.1 only).")
    parser.add_argument("--org", default="acme")
    parser.add_argument("--profile", choices=("mixed", "hardened"), default="mixed")
    parser.add_argument("--repos", type=int, default=None)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = GithubApiServer(
        [seed_org(args.org, profile=args.profile, repos=args.repos)], port=args.port
    )
    print(f"GitHub API stand-in for org {args.org!r} at {server.base_url}")
    for token, spec in server.tokens.items():
        print(f"  token {token}  ({spec.login}, scopes: {', '.join(spec.scopes or ())})")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

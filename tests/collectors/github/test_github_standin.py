"""The GitHub API stand-in speaks GitHub's HTTP: pagination, errors, scopes, rate-limit headers.

Checked with plain ``urllib`` so the stand-in is verified independently of the collector it serves.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from sentinel_cli.standins.github_api import (
    MEMBER_TOKEN,
    NO_AUDIT_LOG_TOKEN,
    NO_SECURITY_EVENTS_TOKEN,
    OWNER_TOKEN,
    GithubApiServer,
    TokenSpec,
    running_github_api,
)
from sentinel_cli.standins.github_seed import audit_event, seed_org


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[str, GithubApiServer]]:
    with running_github_api(seed_org("acme", repos=250)) as served:
        yield served


def get(
    url: str, token: str | None = OWNER_TOKEN, body: Any = None
) -> tuple[int, dict[str, str], Any]:
    """GET ``url`` (POST when ``body`` is given, as JSON) with ``token``: (status, headers, JSON)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            raw = response.read()
            return response.status, dict(response.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read())


def test_link_header_pagination(api):
    base, _ = api
    status, headers, page1 = get(f"{base}/orgs/acme/repos?per_page=100")
    assert status == 200 and len(page1) == 100
    links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', headers["Link"]))
    assert set(links) == {"next", "last"} and "page=3" in links["last"]
    _, headers3, page3 = get(links["last"])
    assert (
        len(page3) == 50
        and 'rel="prev"' in headers3["Link"]
        and 'rel="next"' not in headers3["Link"]
    )
    _, _, default_page = get(f"{base}/orgs/acme/repos")
    assert len(default_page) == 30  # GitHub's default page size


def test_rate_limit_and_scope_headers(api):
    base, _ = api
    _, h1, _ = get(f"{base}/orgs/acme")
    _, h2, _ = get(f"{base}/orgs/acme")
    assert h1["X-RateLimit-Limit"] == "15000"
    assert int(h2["X-RateLimit-Remaining"]) == int(h1["X-RateLimit-Remaining"]) - 1
    assert int(h2["X-RateLimit-Used"]) == int(h1["X-RateLimit-Used"]) + 1
    assert int(h1["X-RateLimit-Reset"]) > 0
    assert "security_events" in h1["X-OAuth-Scopes"]


def test_error_shapes(api):
    base, _ = api
    status, _, body = get(f"{base}/orgs/acme", token="ghp_unknown")
    assert (status, body["message"]) == (401, "Bad credentials") and "documentation_url" in body
    status, _, body = get(f"{base}/orgs/nope")
    assert (status, body["message"]) == (404, "Not Found")
    status, _, body = get(f"{base}/repos/acme/web/branches/main/protection")
    assert (status, body["message"]) == (404, "Branch not protected")
    status, _, body = get(f"{base}/repos/acme/api/branches/main/protection", token=MEMBER_TOKEN)
    assert (status, body["message"]) == (404, "Not Found")  # same 404 shape for "no admin rights"
    status, headers, _ = get(
        f"{base}/repos/acme/api/code-scanning/analyses", token=NO_SECURITY_EVENTS_TOKEN
    )
    assert (status, headers["X-Accepted-OAuth-Scopes"]) == (403, "security_events")
    status, _, body = get(f"{base}/repos/acme/web/code-scanning/analyses")
    assert (status, body["message"]) == (404, "no analysis found")


def test_owner_only_fields_and_admin_only_blocks(api):
    base, _ = api
    _, _, owner_view = get(f"{base}/orgs/acme")
    _, _, member_view = get(f"{base}/orgs/acme", token=MEMBER_TOKEN)
    assert owner_view["two_factor_requirement_enabled"] is False
    assert "two_factor_requirement_enabled" not in member_view
    _, _, repo = get(f"{base}/repos/acme/web", token=MEMBER_TOKEN)
    assert repo["permissions"]["admin"] is False and "security_and_analysis" not in repo


def test_rules_include_only_active_rulesets_and_ghes_prefix(api):
    base, server = api
    _, _, platform = get(f"{base}/api/v3/repos/acme/platform/rules/branches/main")
    assert {r["type"] for r in platform} >= {"pull_request", "non_fast_forward", "deletion"}
    assert {r["ruleset_source_type"] for r in platform} == {"Organization"}
    _, _, sandbox = get(f"{base}/repos/acme/sandbox/rules/branches/main")
    assert sandbox == []  # its only ruleset is in evaluate mode
    assert (
        server.count("/repos/acme/platform/rules/branches/main") >= 1
    )  # prefix stripped in counts


def test_pull_filters_and_vulnerability_alerts(api):
    base, _ = api
    _, _, pulls = get(
        f"{base}/repos/acme/api/pulls?state=closed&base=main&sort=updated&direction=desc"
    )
    assert [p["number"] for p in pulls] == [101, 100, 99]
    assert "_reviews" not in pulls[0]
    status, _, _ = get(f"{base}/repos/acme/api/vulnerability-alerts")
    assert status == 204
    status, _, body = get(f"{base}/repos/acme/web/vulnerability-alerts")
    assert status == 404 and "disabled" in body["message"]


def test_security_updates_and_their_endpoint(api):
    base, _ = api
    _, _, billing = get(f"{base}/repos/acme/billing")
    analysis = billing["security_and_analysis"]
    assert analysis["dependabot_security_updates"] == {"status": "disabled"}
    status, _, body = get(f"{base}/repos/acme/billing/automated-security-fixes")
    assert (status, body) == (200, {"enabled": False, "paused": False})
    status, _, _ = get(f"{base}/repos/acme/api/automated-security-fixes")
    assert status == 200
    # Dependabot off (web), or a non-admin token: 404, as GitHub answers.
    assert get(f"{base}/repos/acme/web/automated-security-fixes")[0] == 404
    assert get(f"{base}/repos/acme/api/automated-security-fixes", token=MEMBER_TOKEN)[0] == 404


def test_collaborators_by_affiliation(api):
    base, _ = api
    status, _, outside = get(f"{base}/repos/acme/platform/collaborators?affiliation=outside")
    assert status == 200
    assert [(c["login"], c["role_name"]) for c in outside] == [("contractor-carol", "admin")]
    assert outside[0]["permissions"] == {
        "pull": True,
        "triage": True,
        "push": True,
        "maintain": True,
        "admin": True,
    }
    _, _, web = get(f"{base}/repos/acme/web/collaborators?affiliation=outside")
    assert [(c["login"], c["permissions"]["admin"]) for c in web] == [("vendor-vic", False)]
    _, _, everyone = get(f"{base}/repos/acme/web/collaborators")
    roles = {c["login"]: c["role_name"] for c in everyone}
    assert roles["alice"] == "admin" and roles["dave"] == "write"  # owner; base permission
    assert get(f"{base}/repos/acme/web/collaborators?affiliation=bogus")[0] == 422


SAML_QUERY = (
    "query($login: String!) { organization(login: $login) "
    "{ samlIdentityProvider { ssoUrl issuer } } }"
)


def graphql(base: str, token: str | None, login: str = "acme", path: str = "/graphql"):  # type: ignore[no-untyped-def]
    return get(f"{base}{path}", token, {"query": SAML_QUERY, "variables": {"login": login}})


def test_graphql_answers_refusals_with_200_and_errors():
    seeds = [seed_org("acme"), seed_org("acme-secure", profile="hardened")]
    tokens = {
        OWNER_TOKEN: TokenSpec("alice", ("admin:org", "repo")),
        MEMBER_TOKEN: TokenSpec("dave", ("repo", "read:org"), org_owner=False, repo_admin=False),
        "ghp_repoOnly": TokenSpec("bob", ("repo",)),
    }
    with running_github_api(seeds, tokens=tokens) as (base, _):
        status, headers, body = graphql(base, OWNER_TOKEN, "acme-secure")
        assert status == 200 and "errors" not in body
        assert set(body["data"]["organization"]["samlIdentityProvider"]) == {"ssoUrl", "issuer"}
        assert headers["X-RateLimit-Resource"] == "graphql"
        # GHES path, and an Enterprise Cloud org without SAML: a null provider, no errors.
        status, _, body = graphql(base, OWNER_TOKEN, "acme", path="/api/graphql")
        assert body == {"data": {"organization": {"samlIdentityProvider": None}}}
        # A member: HTTP 200, null provider *and* a FORBIDDEN error on its path.
        status, _, body = graphql(base, MEMBER_TOKEN, "acme-secure")
        assert status == 200 and body["data"]["organization"]["samlIdentityProvider"] is None
        [error] = body["errors"]
        assert error["type"] == "FORBIDDEN"
        assert error["path"] == ["organization", "samlIdentityProvider"]
        # A classic token without read:org: INSUFFICIENT_SCOPES and no data at all.
        status, _, body = graphql(base, "ghp_repoOnly", "acme-secure")
        assert status == 200 and "data" not in body
        assert body["errors"][0]["type"] == "INSUFFICIENT_SCOPES"
        # Unknown org, unknown token.
        _, _, body = graphql(base, OWNER_TOKEN, "nope")
        assert body["data"]["organization"] is None and body["errors"][0]["type"] == "NOT_FOUND"
        status, _, body = graphql(base, "ghp_unknown")
        assert (status, body["message"]) == (401, "Bad credentials")


def _audit_links(headers: dict[str, str]) -> dict[str, str]:
    return dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', headers["Link"]))


def test_audit_log_cursor_pagination_filter_and_order():
    now = datetime.now(UTC)
    seed = seed_org("logco", profile="hardened")
    seed.audit_events = [
        audit_event("logco", "repo.access", "alice", now - timedelta(days=d)) for d in range(1, 151)
    ] + [audit_event("logco", "repo.access", "old-timer", now - timedelta(days=400))]
    since = (now - timedelta(days=180)).strftime("%Y-%m-%d")
    with running_github_api(seed) as (base, server):
        query = urlencode({"phrase": f"created:>={since}", "per_page": 100})
        url = f"{base}/orgs/logco/audit-log?{query}"
        status, headers, page1 = get(url)
        assert status == 200 and len(page1) == 100
        links = _audit_links(headers)
        assert set(links) == {"next", "first"} and "after=" in links["next"]
        assert "&page=" not in links["next"]  # cursors, not page numbers
        stamps = [e["@timestamp"] for e in page1]
        assert stamps == sorted(stamps, reverse=True)  # newest first by default
        _, headers2, page2 = get(links["next"])
        assert len(page2) == 50 and 'rel="next"' not in headers2.get("Link", "")
        assert all(e["actor"] == "alice" for e in page1 + page2)  # the 400-day event is out
        assert page2[-1]["@timestamp"] < page1[-1]["@timestamp"]
        _, _, oldest_first = get(url + "&order=asc&per_page=1")
        assert oldest_first[0]["@timestamp"] == min(e["@timestamp"] for e in page2)
        status, _, _ = get(f"{base}/orgs/logco/audit-log?after=bogus")
        assert status == 422
        assert server.count("/orgs/logco/audit-log") == 4


def test_audit_log_refusals(api):
    base, _ = api
    status, headers, body = get(f"{base}/orgs/acme/audit-log", token=NO_AUDIT_LOG_TOKEN)
    assert (status, headers["X-Accepted-OAuth-Scopes"]) == (403, "read:audit_log")
    assert "X-OAuth-Scopes" in headers and "read:audit_log" not in headers["X-OAuth-Scopes"]
    seed = seed_org("teamco", profile="hardened")
    seed.enterprise_cloud = False
    with running_github_api(seed) as (other, _):
        status, _, body = get(f"{other}/orgs/teamco/audit-log")
        assert (status, body["message"]) == (404, "Not Found")
        _, _, body = graphql(other, OWNER_TOKEN, "teamco")
        assert body == {"data": {"organization": {"samlIdentityProvider": None}}}
    tokens = {"ghp_memberWithScope": TokenSpec("dave", ("read:audit_log",), org_owner=False)}
    with running_github_api(seed_org("acme"), tokens=tokens) as (other, _):
        status, _, body = get(f"{other}/orgs/acme/audit-log", token="ghp_memberWithScope")
        assert status == 403 and "admin rights" in body["message"]

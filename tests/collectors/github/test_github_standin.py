"""The GitHub API stand-in speaks GitHub's HTTP: pagination, errors, scopes, rate-limit headers.

Checked with plain ``urllib`` so the stand-in is verified independently of the collector it serves.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from sentinel_cli.testing.github_api import (
    MEMBER_TOKEN,
    NO_SECURITY_EVENTS_TOKEN,
    OWNER_TOKEN,
    GithubApiServer,
    running_github_api,
)
from sentinel_cli.testing.github_seed import seed_org


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[str, GithubApiServer]]:
    with running_github_api(seed_org("acme", repos=250)) as served:
        yield served


def get(url: str, token: str | None = OWNER_TOKEN) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(url)
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

"""The GitHub collector end to end: PyGithub over real HTTP against the local stand-in.

No PyGithub class is mocked: ``collect_github`` talks to ``sentinel_cli.testing.github_api`` on
127.0.0.1, and the checks run on what it collected. The seeded org pairs each misconfiguration
with a correct twin and carries the expected status per (check, resource), written by hand in the
seed. Collections are module-scoped so the suite stays fast.

(No ``__init__.py`` here on purpose: a test package named ``github`` would shadow PyGithub.)
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel_cli.checks import load_checks
from sentinel_cli.checks.base import ERROR, FAIL, PASS, CheckResult, CheckSettings, run_checks
from sentinel_cli.collectors.github import GithubConfig, collect_github, verify_github
from sentinel_cli.errors import CredentialsRefused, ExternalServiceError, InvalidInput
from sentinel_cli.inventory.github import GithubInventory
from sentinel_cli.testing.github_api import (
    MEMBER_TOKEN,
    NO_SECURITY_EVENTS_TOKEN,
    OWNER_TOKEN,
    GithubApiServer,
    Reply,
    TokenSpec,
    running_github_api,
)
from sentinel_cli.testing.github_seed import OrgSeed, pull, seed_org

pytestmark = pytest.mark.e2e

MIXED = seed_org("acme")
HARDENED = seed_org("acme-secure", profile="hardened")


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[str, GithubApiServer]]:
    with running_github_api([MIXED, HARDENED]) as served:
        yield served


def _collect(base_url: str, org: str, token: str, **kw: Any) -> GithubInventory:
    return collect_github(GithubConfig(org=org, token=token, base_url=base_url, **kw))


def _evaluate(inv: GithubInventory, seed: OrgSeed) -> dict[tuple[str, str], CheckResult]:
    results = list(run_checks(load_checks("github"), inv, CheckSettings(**seed.allow_listed)))
    by_key: dict[tuple[str, str], CheckResult] = {}
    for r in results:
        key = (r.check_id, r.resource_id)
        assert key not in by_key, f"two evidence items for {key}"
        by_key[key] = r
    return by_key


@pytest.fixture(scope="module")
def owner_run(api) -> tuple[GithubInventory, dict[tuple[str, str], CheckResult]]:
    inv = _collect(api[0], "acme", OWNER_TOKEN)
    return inv, _evaluate(inv, MIXED)


@pytest.fixture(scope="module")
def member_run(api) -> tuple[GithubInventory, dict[tuple[str, str], CheckResult]]:
    inv = _collect(api[0], "acme", MEMBER_TOKEN)
    return inv, _evaluate(inv, MIXED)


# ---- every seeded misconfiguration and its twin -------------------------------------------


def test_every_seeded_expectation_holds(owner_run):
    inv, results = owner_run
    assert inv.errors == ()
    wrong = {
        key: (want, results[key].status if key in results else None)
        for key, want in MIXED.expected.items()
        if key not in results or results[key].status != want
    }
    assert wrong == {}
    assert not [r for r in results.values() if r.status == ERROR]


def test_acceptance_pairs_read_plainly(owner_run):
    _, results = owner_run

    def status(check: str, resource: str) -> str:
        return results[(check, resource)].status

    assert status("github_org_2fa_required", "acme") == FAIL
    assert status("github_org_base_permission", "acme") == FAIL
    assert (
        status("github_repo_default_branch_protected", "acme/web"),
        status("github_repo_default_branch_protected", "acme/api"),
    ) == (FAIL, PASS)
    assert (
        status("github_repo_default_branch_protected", "acme/platform") == PASS
    )  # org ruleset only
    assert (
        status("github_repo_default_branch_protected", "acme/sandbox") == FAIL
    )  # evaluate-mode ruleset
    assert (
        status("github_repo_review_required", "acme/billing"),
        status("github_repo_review_required", "acme/api"),
    ) == (FAIL, PASS)
    assert status("github_repo_no_force_push_delete", "acme/billing") == FAIL
    assert (
        status("github_repo_secret_scanning", "acme/web"),
        status("github_repo_secret_scanning", "acme/api"),
    ) == (FAIL, PASS)
    assert (
        status("github_repo_dependabot_alerts", "acme/web"),
        status("github_repo_dependabot_alerts", "acme/api"),
    ) == (FAIL, PASS)
    assert (
        status("github_repo_codeowners", "acme/web"),
        status("github_repo_codeowners", "acme/api"),
    ) == (FAIL, PASS)
    assert (
        status("github_change_review_population", "acme/web"),
        status("github_change_review_population", "acme/api"),
    ) == (FAIL, PASS)
    web_hook = next(
        k
        for k in results
        if k[0] == "github_webhooks_secret_tls" and k[1].startswith("acme/web#hook-")
    )
    assert results[web_hook].status == FAIL
    population = results[("github_change_review_population", "acme/web")]
    assert [e["number"] for e in population.data["exceptions"]] == [11, 12]
    assert [p["number"] for p in population.data["population"]] == [10, 11, 12]


def test_archived_repository_is_skipped(owner_run):
    inv, results = owner_run
    assert inv.archived_repos == ("acme/legacy",)
    assert "acme/legacy" not in inv.repo_names()
    assert not [k for k in results if k[1].startswith("acme/legacy")]


def test_api_calls_count_what_was_sent(api):
    base_url, server = api
    server.reset_counters()
    inv = _collect(base_url, "acme-secure", OWNER_TOKEN)
    assert inv.api_calls == server.total_requests
    assert inv.token_scopes and "admin:org" in inv.token_scopes


def test_hardened_org_passes_everything(api):
    inv = _collect(api[0], "acme-secure", OWNER_TOKEN)
    results = _evaluate(inv, HARDENED)
    not_pass = {k: (r.status, r.message) for k, r in results.items() if r.status != PASS}
    assert not_pass == {}
    assert inv.security_policy == {"acme-secure/.github": "SECURITY.md"}


# ---- tokens that cannot see everything ------------------------------------------------------


ADMIN_ONLY_CHECKS = (
    "github_repo_default_branch_protected",
    "github_repo_review_required",
    "github_repo_no_force_push_delete",
    "github_repo_enforce_admins",
    "github_repo_secret_scanning",
    "github_repo_deploy_keys_read_only",
)


def test_non_admin_token_gives_error_not_fail(member_run):
    inv, results = member_run
    for repo in inv.repo_names():
        for check in ADMIN_ONLY_CHECKS:
            r = results[(check, repo)]
            if check == "github_repo_default_branch_protected" and inv.branch_rules.get(repo):
                # Rulesets are readable without admin: an active one proves protection.
                assert r.status == PASS, (check, repo, r.status, r.message)
                continue
            assert r.status == ERROR, (check, repo, r.status, r.message)
    r = results[("github_repo_default_branch_protected", "acme/web")]
    assert "admin on the repository (classic branch protection is admin-only)" in r.message
    # Owner-only org settings are hidden from a member: ERROR naming the need, never PASS/FAIL.
    assert results[("github_org_2fa_required", "acme")].status == ERROR
    assert results[("github_org_base_permission", "acme")].status == ERROR
    two_fa = results[("github_org_members_without_2fa", "acme")]
    assert two_fa.status == ERROR and "admin:org" in two_fa.message
    # Read-only sources still work: rulesets and the change-review population.
    assert inv.branch_rules["acme/platform"]
    assert results[("github_change_review_population", "acme/web")].status == FAIL


def test_missing_security_events_scope_is_error_naming_it(api):
    inv = _collect(api[0], "acme", NO_SECURITY_EVENTS_TOKEN)
    results = _evaluate(inv, MIXED)
    for repo in inv.repo_names():
        r = results[("github_repo_code_scanning", repo)]
        assert r.status == ERROR and "security_events" in r.message, (repo, r.message)
        assert r.data["permissionNeeded"] == "token scope security_events"
    assert results[("github_repo_vuln_sla", "acme/billing")].status == ERROR
    # Everything that does not need the scope is unaffected.
    assert results[("github_repo_default_branch_protected", "acme/web")].status == FAIL
    assert results[("github_repo_dependabot_alerts", "acme/web")].status == FAIL


# ---- scale: one listing walk -----------------------------------------------------------------


def test_300_repositories_collected_with_one_listing_walk():
    seed = seed_org("big", repos=300)
    progress: list[tuple[int, int, str]] = []
    with running_github_api(seed) as (base_url, server):
        inv = collect_github(
            GithubConfig(org="big", token=OWNER_TOKEN, base_url=base_url),
            progress=lambda done, total, label: progress.append((done, total, label)),
        )
        assert server.count("/orgs/big/repos") == 3
        assert inv.api_calls == server.total_requests
    assert len(inv.repos or []) == 299 and inv.archived_repos == ("big/legacy",)
    assert inv.errors == ()
    assert progress[0] == (0, 299, "repositories listed")
    assert progress[-1][:2] == (299, 299)
    # Each repository read once: one detail call each, not one per check.
    assert set(inv.repo_details) == set(inv.repo_names())


# ---- the change-review walk ----------------------------------------------------------------


def test_pull_walk_stops_at_the_period_and_reads_reviews_only_for_the_population():
    now = datetime.now(UTC)
    seed = seed_org("walk", profile="hardened")
    api_repo = seed.repo("api")
    old = [
        pull(
            n,
            f"old {n}",
            "alice",
            merged=now - timedelta(days=200 + n),
            closed=now - timedelta(days=200 + n),
        )
        for n in range(1, 251)
    ]
    recent = [
        pull(
            n,
            f"recent {n}",
            "alice",
            merged=now - timedelta(days=n - 299),
            closed=now - timedelta(days=n - 299),
            reviews=[("bob", "APPROVED", now - timedelta(days=n - 299, hours=1))],
        )
        for n in range(300, 305)
    ]
    api_repo.pulls = old + recent
    with running_github_api(seed) as (base_url, server):
        inv = collect_github(GithubConfig(org="walk", token=OWNER_TOKEN, base_url=base_url))
        assert server.count("/repos/walk/api/pulls") == 1  # 255 PRs, first page ends the walk
        reviews = [p for p in server.requests if p.startswith("/repos/walk/api/pulls/")]
        assert sorted(reviews) == sorted(
            f"/repos/walk/api/pulls/{n}/reviews" for n in range(300, 305)
        )
    assert [p["number"] for p in inv.merged_pulls["walk/api"]] == [304, 303, 302, 301, 300]


def test_audit_period_from_config(api):
    until = (datetime.now(UTC) - timedelta(days=7)).strftime("%Y-%m-%d")
    inv = _collect(api[0], "acme", OWNER_TOKEN, since="2000-01-01", until=until)
    assert inv.period_since == "2000-01-01T00:00:00Z" and inv.period_until == f"{until}T23:59:59Z"
    numbers = sorted(p["number"] for p in inv.merged_pulls["acme/web"])
    assert numbers == [10, 11]  # #12 merged 5 days ago is after the period
    assert 99 in [p["number"] for p in inv.merged_pulls["acme/api"]]  # 200 days ago, in period now
    with pytest.raises(InvalidInput):
        _collect(api[0], "acme", OWNER_TOKEN, since="2025-02-01", until="2025-01-01")


# ---- rate limits and retries ----------------------------------------------------------------


def test_pauses_before_the_primary_rate_limit_runs_out():
    seed = seed_org("tight", profile="hardened")
    labels: list[str] = []
    with running_github_api(seed, rate_limit=30, rate_window=1.5) as (base_url, server):
        inv = collect_github(
            GithubConfig(
                org="tight", token=OWNER_TOKEN, base_url=base_url, workers=2, rate_limit_reserve=8
            ),
            progress=lambda d, t, label: labels.append(label),
        )
        assert inv.api_calls == server.total_requests
    assert inv.errors == ()
    assert any("rate limit" in label for label in labels)


def test_secondary_limits_are_retried_after_retry_after(api):
    base_url, server = api
    secondary = {
        "message": "You have exceeded a secondary rate limit. "
        "Please wait a few minutes before you try again."
    }
    server.inject("/orgs/acme-secure/members", Reply(403, secondary, {"Retry-After": "1"}))
    server.inject(
        "/orgs/acme-secure/outside_collaborators", Reply(429, secondary, {"Retry-After": "1"})
    )
    server.reset_counters()
    inv = _collect(base_url, "acme-secure", OWNER_TOKEN)
    assert inv.errors == ()
    assert inv.members and inv.outside_collaborators == []
    assert server.count("/orgs/acme-secure/outside_collaborators") == 2
    assert inv.api_calls == server.total_requests  # the retries are counted


def test_required_signatures_fetched_when_protection_omits_it():
    with running_github_api(seed_org("ghes", profile="hardened")) as (base_url, server):
        server.omit_protection_signatures = True
        inv = collect_github(
            GithubConfig(org="ghes", token=OWNER_TOKEN, base_url=base_url + "/api/v3")
        )
        assert server.count("/repos/ghes/api/branches/main/protection/required_signatures") == 1
    assert inv.branch_protection["ghes/api"]["required_signatures"]["enabled"] is True


# ---- verify_github and bad inputs ----------------------------------------------------------


def test_verify_reads_the_org(api):
    assert verify_github(GithubConfig(org="acme", token=OWNER_TOKEN, base_url=api[0])) == {
        "login": "acme",
        "id": MIXED.id,
        "name": "Acme Corp",
        "plan": "team",
    }
    # GHES-style prefix works the same; a member sees no plan.
    member = verify_github(
        GithubConfig(org="acme", token=MEMBER_TOKEN, base_url=api[0] + "/api/v3")
    )
    assert "plan" not in member and member["login"] == "acme"


def test_revoked_token_is_refused_without_leaking_it(api):
    token = "ghp_revokedrevokedrevokedrevoked0000"
    config = GithubConfig(org="acme", token=token, base_url=api[0])
    assert token not in repr(config)
    for call in (verify_github, collect_github):
        with pytest.raises(CredentialsRefused) as caught:
            call(config)
        assert "token rejected" in caught.value.message and token not in str(caught.value)


def test_unknown_org_is_refused(api):
    with pytest.raises(
        CredentialsRefused, match="organization nope not found or not visible to this token"
    ):
        verify_github(GithubConfig(org="nope", token=OWNER_TOKEN, base_url=api[0]))


class _HtmlHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html><body>Welcome to nginx</body></html>"
        self.send_response(200 if self.path.startswith("/orgs/") else 404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_base_url_that_is_not_a_github_api():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HtmlHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(ExternalServiceError, match="did not answer like a GitHub API"):
            verify_github(GithubConfig(org="acme", token=OWNER_TOKEN, base_url=url))
        with pytest.raises(ExternalServiceError, match="did not answer like a GitHub API"):
            verify_github(
                GithubConfig(org="acme", token=OWNER_TOKEN, base_url=url + "/nothing-here")
            )
    finally:
        server.shutdown()
        server.server_close()


def test_unreachable_base_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connection refused
        with pytest.raises(ExternalServiceError, match="could not reach the GitHub API"):
            verify_github(
                GithubConfig(org="acme", token=OWNER_TOKEN, base_url=f"http://127.0.0.1:{port}")
            )


def test_malformed_settings_are_invalid_input():
    with pytest.raises(InvalidInput):
        verify_github(GithubConfig(org="acme", token=OWNER_TOKEN, base_url="127.0.0.1:9"))
    with pytest.raises(InvalidInput):
        verify_github(GithubConfig(org="acme/api", token=OWNER_TOKEN))
    with pytest.raises(CredentialsRefused):
        verify_github(GithubConfig(org="acme", token=""))


# ---- GitHub App installation auth -------------------------------------------------------------


def test_github_app_installation_auth():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    installations = {42: TokenSpec("sentinel[bot]", None)}
    with running_github_api(
        seed_org("appco", profile="hardened"), app_installations=installations
    ) as (url, _):
        config = GithubConfig(
            org="appco",
            token="",
            base_url=url,
            app_id=1234,
            app_private_key=pem,
            installation_id=42,
        )
        assert "PRIVATE KEY" not in repr(config)
        assert verify_github(config)["login"] == "appco"
        inv = collect_github(config)
    assert inv.errors == () and inv.token_scopes is None

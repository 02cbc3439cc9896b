"""The GitHub collector end to end: PyGithub over real HTTP against the local stand-in.

No PyGithub class is mocked: ``collect_github`` talks to ``sentinel_cli.standins.github_api`` on
127.0.0.1, and the checks run on what it collected. The seeded org pairs each misconfiguration
with a correct twin and carries the expected status per (check, resource), written by hand in the
seed. Collections are module-scoped so the suite stays fast.

(No ``__init__.py`` here on purpose: a test package named ``github`` would shadow PyGithub.)
"""

from __future__ import annotations

import http.server
import socket
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel_cli.checks import load_checks
from sentinel_cli.checks.base import (
    ERROR,
    FAIL,
    PASS,
    WARNING,
    CheckResult,
    CheckSettings,
    run_checks,
)
from sentinel_cli.collectors.github import GithubConfig, collect_github, verify_github
from sentinel_cli.collectors.github.client import GithubApi, RateGate
from sentinel_cli.errors import CredentialsRefused, ExternalServiceError, InvalidInput
from sentinel_cli.inventory.github import GithubInventory
from sentinel_cli.standins.github_api import (
    MEMBER_TOKEN,
    NO_AUDIT_LOG_TOKEN,
    NO_SECURITY_EVENTS_TOKEN,
    OWNER_TOKEN,
    GithubApiServer,
    Reply,
    TokenSpec,
    running_github_api,
)
from sentinel_cli.standins.github_seed import OrgSeed, audit_event, pull, seed_org
from tests.checks.result_text import leftovers

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


def test_archived_repository_is_listed_once_and_judged_by_nothing_else(owner_run):
    inv, results = owner_run
    assert inv.archived_repos == ("acme/legacy",)
    assert inv.archived_listing["acme/legacy"]["visibility"] == "private"
    assert "acme/legacy" not in inv.repo_names()
    assert "acme/legacy" not in inv.repo_outside_collaborators
    about_legacy = [k for k in results if k[1].startswith("acme/legacy")]
    assert about_legacy == [("github_repo_archived_listed", "acme/legacy")]
    item = results[about_legacy[0]]
    assert item.status == PASS and "read-only, and excluded" in item.message
    # contractor-carol is admin of the archived repository too: out of scope, not named.
    carol = results[("github_org_outside_collaborators_no_admin", "acme#user-contractor-carol")]
    assert carol.data["adminOn"] == ["acme/platform"]


def test_outside_collaborators_rights_allow_listed_admin_fails(owner_run):
    inv, results = owner_run
    assert {c["login"]: c["role_name"] for c in inv.repo_outside_collaborators["acme/web"]} == {
        "vendor-vic": "write"
    }
    carol = results[("github_org_outside_collaborators_no_admin", "acme#user-contractor-carol")]
    assert carol.status == FAIL and "acme/platform" in carol.message
    assert carol.data["allowListed"] is True
    # The same person passes the approval check: approved access, unapproved admin rights.
    approval = results[("github_org_outside_collaborators", "acme#user-contractor-carol")]
    assert approval.status == PASS
    vic = results[("github_org_outside_collaborators_no_admin", "acme#user-vendor-vic")]
    assert vic.status == PASS
    assert vic.data["repositories"] == {"acme/api": "read", "acme/web": "write"}


def test_security_updates_come_with_the_repository_json_at_no_extra_call(api):
    base_url, server = api
    server.reset_counters()
    inv = _collect(base_url, "acme", OWNER_TOKEN)
    fixes = [p for p in server.requests if p.endswith("/automated-security-fixes")]
    assert fixes == [] and inv.automated_security_fixes == {}
    results = _evaluate(inv, MIXED)
    updates = {
        k[1]: r.status
        for k, r in results.items()
        if k[0] == "github_repo_dependabot_security_updates"
    }
    assert updates["acme/billing"] == FAIL  # alerts on, automatic fix PRs off
    assert results[("github_repo_dependabot_alerts", "acme/billing")].status == PASS
    assert (updates["acme/web"], updates["acme/api"]) == (FAIL, PASS)


def test_security_updates_read_from_the_endpoint_when_the_repository_json_lacks_them():
    seed = seed_org("oldghes")
    seed.repo("api").security_updates_paused = True
    with running_github_api(seed) as (base_url, server):
        server.omit_security_updates_status = True
        inv = _collect(base_url, "oldghes", OWNER_TOKEN)
        names = inv.repo_names()
        assert all(server.count(f"/repos/{name}/automated-security-fixes") == 1 for name in names)
    assert inv.errors == ()
    api_answer = inv.automated_security_fixes["oldghes/api"]
    assert (api_answer["enabled"], api_answer["paused"]) == (True, True)
    assert inv.automated_security_fixes["oldghes/web"] is None  # 404: Dependabot not enabled
    results = _evaluate(inv, seed)
    status = {
        k[1]: r.status
        for k, r in results.items()
        if k[0] == "github_repo_dependabot_security_updates"
    }
    assert status["oldghes/api"] == WARNING  # enabled, but paused by GitHub
    assert (status["oldghes/web"], status["oldghes/billing"], status["oldghes/sdk"]) == (
        FAIL,
        FAIL,
        PASS,
    )


def test_member_token_security_updates_error_without_a_call_and_rights_still_judged(api):
    base_url, server = api
    server.reset_counters()
    inv = _collect(base_url, "acme", MEMBER_TOKEN)
    assert not [p for p in server.requests if p.endswith("/automated-security-fixes")]
    results = _evaluate(inv, MIXED)
    for name in inv.repo_names():
        r = results[("github_repo_dependabot_security_updates", name)]
        assert r.status == ERROR and "admin" in r.data["permissionNeeded"], (name, r.message)
    # Listing collaborators needs push access, which a member has: the rights are judged.
    carol = results[("github_org_outside_collaborators_no_admin", "acme#user-contractor-carol")]
    assert carol.status == FAIL


def test_unreadable_collaborator_list_is_error_naming_the_repository():
    seed = seed_org("nopush")
    denied = {"message": "Must have push access to view repository collaborators."}
    with running_github_api(seed) as (base_url, server):
        server.inject("/repos/nopush/web/collaborators", Reply(403, denied))
        inv = _collect(base_url, "nopush", OWNER_TOKEN)
    results = _evaluate(inv, seed)
    check = "github_org_outside_collaborators_no_admin"
    web = results[(check, "nopush/web")]
    assert web.status == ERROR and "collaborators" in web.data["apiCall"]
    assert web.data["permissionNeeded"].startswith("push access to the repository")
    # vendor-vic is on web: "no admin" cannot be shown; contractor-carol's admin is certain.
    assert results[(check, "nopush#user-vendor-vic")].status == ERROR
    assert results[(check, "nopush#user-contractor-carol")].status == FAIL


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
    # Every GitHub check produced evidence: "nothing failed" is not "nothing ran".
    all_checks = {c.meta.id for c in load_checks("github")}
    assert len(all_checks) >= 10
    assert {check_id for check_id, _ in results} == all_checks
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


def test_errors_name_the_request_as_sent_never_a_route_template(member_run):
    """A user re-runs the refused request (``gh api PATH``) from the message: no ``{owner}``."""
    _, results = member_run
    errors = [r for r in results.values() if r.status == ERROR]
    assert len({r.check_id for r in errors}) > 10
    assert [r.message for r in errors if leftovers(r.message)] == []
    web = results[("github_repo_default_branch_protected", "acme/web")].message
    assert "GET /repos/acme/web/branches/main/protection in acme/web failed" in web
    sso = results[(SSO, "acme")].message
    assert "POST /graphql organization.samlIdentityProvider failed" in sso


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
        # The Enterprise Cloud reads are org-level: one GraphQL query, one audit-log page.
        assert server.count("/graphql") == 1 and server.count("/orgs/big/audit-log") == 1
        assert server.count("/orgs/big/members") == 3  # all, 2fa_disabled, admins: no extra walk
        assert inv.api_calls == server.total_requests
        # Per repository, a fixed set of reads whatever the number of checks: a hardened
        # service repository costs exactly these 13 requests.
        per_repo = sorted(p for p in server.requests if p.startswith("/repos/big/svc-042"))
        assert per_repo == [
            "/repos/big/svc-042",
            "/repos/big/svc-042/branches/main/protection",
            "/repos/big/svc-042/code-scanning/analyses",
            "/repos/big/svc-042/collaborators",
            "/repos/big/svc-042/contents/.github/CODEOWNERS",
            "/repos/big/svc-042/dependabot/alerts",
            "/repos/big/svc-042/hooks",
            "/repos/big/svc-042/keys",
            "/repos/big/svc-042/pulls",
            "/repos/big/svc-042/pulls/1/reviews",
            "/repos/big/svc-042/pulls/2/reviews",
            "/repos/big/svc-042/rules/branches/main",
            "/repos/big/svc-042/vulnerability-alerts",
        ]
        assert all(server.count(p) == 1 for p in per_repo)
        # Outside collaborators: one listing per repository; security updates: no call at all.
        assert sum(n for p, n in server.requests.items() if p.endswith("/collaborators")) == 299
        assert not [p for p in server.requests if p.endswith("/automated-security-fixes")]
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
        # GHES serves GraphQL at /api/graphql, not /api/v3/graphql.
        assert server.count("/api/graphql") == 1 and server.count("/graphql") == 0
    assert inv.branch_protection["ghes/api"]["required_signatures"]["enabled"] is True
    assert inv.saml_sso and inv.saml_sso["samlIdentityProvider"]


# ---- verify_github and bad inputs ----------------------------------------------------------


def test_verify_reads_the_org(api):
    assert verify_github(GithubConfig(org="acme", token=OWNER_TOKEN, base_url=api[0])) == {
        "login": "acme",
        "id": MIXED.id,
        "name": "Acme Corp",
        "plan": "enterprise",  # an Enterprise Cloud org: it has an audit log
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


# ---- Enterprise Cloud: SAML SSO and stale members ---------------------------------------------


SSO = "github_org_sso"
STALE = "github_org_stale_members"


def test_mixed_org_lacks_sso_and_has_one_dormant_owner(owner_run):
    inv, results = owner_run
    assert results[(SSO, "acme")].status == FAIL
    assert "not configured" in results[(SSO, "acme")].message
    stale = {k[1]: r for k, r in results.items() if k[0] == STALE}
    assert {k: r.status for k, r in stale.items()} == {"acme#user-frank": FAIL}
    assert stale["acme#user-frank"].data["owner"] is True
    assert inv.audit_log is not None and inv.audit_log["complete"] is True
    # The 250-day-old event is outside the window the collector asked for.
    assert all(e["actor"] != "frank" for e in inv.audit_log["events"])


def test_member_token_gets_errors_naming_owner_and_scope_never_fail(member_run):
    _, results = member_run
    sso = results[(SSO, "acme")]
    assert sso.status == ERROR and "organization owner" in sso.message
    assert sso.data["errorCode"] == "FORBIDDEN"
    stale = [r for k, r in results.items() if k[0] == STALE]
    assert [(r.status, r.resource_id) for r in stale] == [(ERROR, "acme")]
    assert "read:audit_log" in stale[0].message


def test_owner_without_audit_log_scope_is_error_naming_it(api):
    inv = _collect(api[0], "acme", NO_AUDIT_LOG_TOKEN)
    results = _evaluate(inv, MIXED)
    stale = [r for k, r in results.items() if k[0] == STALE]
    assert [(r.status, r.resource_id) for r in stale] == [(ERROR, "acme")]
    assert stale[0].data["permissionNeeded"] == "token scope read:audit_log"
    assert stale[0].data["errorCode"] == "403"
    assert results[(SSO, "acme")].status == FAIL  # unaffected: it needs no audit log


def test_org_without_enterprise_cloud_fails_sso_and_errors_on_the_audit_log():
    seed = seed_org("teamco", profile="hardened")
    seed.enterprise_cloud = False
    seed.settings["plan"] = {"name": "team", "seats": 10, "filled_seats": 3}
    with running_github_api(seed) as (base_url, server):
        inv = _collect(base_url, "teamco", OWNER_TOKEN)
        assert server.count("/orgs/teamco/audit-log") == 1
    results = _evaluate(inv, seed)
    assert results[(SSO, "teamco")].status == FAIL
    stale = results[(STALE, "teamco")]
    assert stale.status == ERROR and "Enterprise Cloud" in stale.message
    assert stale.data["errorCode"] == "404"


def _paged_log_seed(name: str, *, extra_member: bool) -> OrgSeed:
    """alice acts 250 times in the last 100 days; bob once, 2 days ago; carol only 150 days ago,
    so her event is on page 3 of the newest-first log; zoe (if added) never acts."""
    now = datetime.now(UTC)
    seed = seed_org(name, profile="hardened")
    events = [
        audit_event(name, "repo.access", "alice", now - timedelta(days=1 + i * 0.4), repo="api")
        for i in range(250)
    ]
    events.append(audit_event(name, "repo.update", "bob", now - timedelta(days=2)))
    events.append(audit_event(name, "repo.access", "carol", now - timedelta(days=150)))
    seed.audit_events = events
    if extra_member:
        seed.members.append("zoe")
    return seed


def test_audit_log_cursor_pagination_finds_activity_beyond_page_one():
    seed = _paged_log_seed("pager", extra_member=True)
    with running_github_api(seed) as (base_url, server):
        inv = _collect(base_url, "pager", OWNER_TOKEN)
        assert server.count("/orgs/pager/audit-log") == 3  # 252 events, 100 a page
        assert inv.api_calls == server.total_requests
    assert inv.audit_log is not None
    assert (inv.audit_log["pages"], len(inv.audit_log["events"])) == (3, 252)
    assert inv.audit_log["stoppedBecause"] == "end_of_window"
    results = _evaluate(inv, seed)
    stale = {k[1]: r.status for k, r in results.items() if k[0] == STALE}
    assert stale == {"pager#user-zoe": FAIL}  # carol's page-3 event keeps her active


def test_audit_log_walk_stops_once_every_member_has_acted():
    seed = _paged_log_seed("early", extra_member=False)
    now = datetime.now(UTC)
    seed.audit_events.append(audit_event("early", "repo.access", "carol", now - timedelta(hours=1)))
    with running_github_api(seed) as (base_url, server):
        inv = _collect(base_url, "early", OWNER_TOKEN)
        assert server.count("/orgs/early/audit-log") == 1
    assert inv.audit_log is not None and inv.audit_log["stoppedBecause"] == "all_members_seen"
    assert _evaluate(inv, seed)[(STALE, "early")].status == PASS


def test_audit_log_page_cap_stops_the_read_and_calls_nobody_stale():
    seed = _paged_log_seed("capped", extra_member=True)
    with running_github_api(seed) as (base_url, server):
        inv = _collect(base_url, "capped", OWNER_TOKEN, audit_log_max_pages=2)
        assert server.count("/orgs/capped/audit-log") == 2
        assert inv.api_calls == server.total_requests
    assert inv.audit_log is not None and inv.audit_log["complete"] is False
    results = _evaluate(inv, seed)
    stale = [(k[1], r.status) for k, r in results.items() if k[0] == STALE]
    assert stale == [("capped", ERROR)]
    message = results[(STALE, "capped")].message
    assert "too large to read in full" in message and "2-page cap" in message
    assert GithubConfig(org="x", token="t").audit_log_max_pages == 50


def test_rate_gate_ignores_other_budgets_than_core():
    slept: list[float] = []
    gate = RateGate(10, 60.0, sleep=slept.append, clock=lambda: 1000.0)
    gate.observe({"x-ratelimit-remaining": "1", "x-ratelimit-reset": "1030"})
    gate.observe({"x-ratelimit-remaining": "4999", "x-ratelimit-resource": "graphql"})
    gate.wait()
    assert slept == [30.5]  # the GraphQL reading neither hid nor replaced the core one
    gate.observe(
        {
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": "1030",
            "x-ratelimit-resource": "graphql",
        }
    )
    gate.wait()
    assert slept == [30.5]


def _count_connections(server: GithubApiServer) -> list[tuple[str, int]]:
    """The client addresses of the TCP connections ``server`` accepts from now on."""
    opened: list[tuple[str, int]] = []
    accept = server.process_request

    def counted(request: Any, client_address: Any) -> None:
        opened.append(client_address)
        accept(request, client_address)

    server.process_request = counted  # type: ignore[method-assign]
    return opened


def test_concurrent_requests_never_swap_answers():
    """PyGithub keeps a pending request on the connection object of its client; with one client
    shared by every thread and frequent thread switches, workers used to receive each other's
    answers (a repository detail answered with another repository, or with a list). Each thread
    has a client of its own: every answer must match its own request."""
    seed = seed_org("race", repos=120)
    names = [r.name for r in seed.repos] * 4
    interval = sys.getswitchinterval()
    with running_github_api(seed) as (base_url, server):
        api = GithubApi(token=OWNER_TOKEN, base_url=base_url)
        sys.setswitchinterval(1e-6)
        try:
            with ThreadPoolExecutor(16) as pool:
                answers = list(pool.map(lambda n: api.get(f"/repos/race/{n}")[1]["name"], names))
        finally:
            sys.setswitchinterval(interval)
            api.close()
        assert api.calls == server.total_requests == len(names)
    assert answers == names


def test_each_thread_keeps_one_connection_alive():
    """A client per thread must not mean a connection per request: each worker's client reuses
    its keep-alive connection, so the server sees at most one connection per worker thread, and
    ``close`` releases them (a later call opens a new one)."""
    seed = seed_org("pooled", repos=40)
    names = [r.name for r in seed.repos] * 3
    with running_github_api(seed) as (base_url, server):
        opened = _count_connections(server)
        api = GithubApi(token=OWNER_TOKEN, base_url=base_url)
        try:
            with ThreadPoolExecutor(4, thread_name_prefix="worker") as pool:
                answers = list(pool.map(lambda n: api.get(f"/repos/pooled/{n}")[1]["name"], names))
            assert answers == names
            assert 1 <= len(opened) <= 4, opened
            assert api.get("/repos/pooled/" + names[0])[1]["name"] == names[0]
            assert len(opened) <= 5  # the calling thread's own client
            api.close()
            before = len(opened)
            assert api.get("/repos/pooled/" + names[1])[1]["name"] == names[1]
            assert len(opened) == before + 1
        finally:
            api.close()
        assert api.calls == server.total_requests == len(names) + 2


def test_a_proxy_404_page_is_not_read_as_a_missing_file():
    """Only GitHub's own 404 means a file is absent: an HTML 404 from something in between is an
    error for the org's default SECURITY.md too (as for CODEOWNERS), never "no policy"."""
    with running_github_api(seed_org("proxied", profile="hardened")) as (base_url, server):
        page = Reply(404, raw=b"<html><body>Not Found</body></html>")
        # Read twice: as the .github repository's own policy, and as the org-wide default.
        server.inject("/repos/proxied/.github/contents/SECURITY.md", page, page)
        inv = collect_github(GithubConfig(org="proxied", token=OWNER_TOKEN, base_url=base_url))
    assert sorted(e.source for e in inv.errors) == ["org_security_policy", "security_policy"]

"""Issue 4 end to end: connect a GitHub org through the CLI against the local GitHub API
stand-in (real HTTP, real PyGithub), collect, and read the evidence back from the store."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.standins.github_api import MEMBER_TOKEN, OWNER_TOKEN, running_github_api
from sentinel_cli.standins.github_seed import seed_org
from sentinel_cli.store import open_store
from tests.helpers.cli import Cli
from tests.helpers.stored import stored_bytes

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def github_api() -> Iterator[str]:
    with running_github_api(seed_org("acme")) as (base_url, _server):
        yield base_url


def _evidence(settings: Settings) -> dict[tuple[str, str], str]:
    with open_store(settings) as store:
        rows = store.conn.execute("SELECT check_id, resource_id, status FROM evidence").fetchall()
    return {(r["check_id"], r["resource_id"]): r["status"] for r in rows}


def _connect(cli: Cli, base_url: str, token: str, *extra: str):  # type: ignore[no-untyped-def]
    return cli(
        "integrations",
        "connect",
        "github",
        "--org",
        "acme",
        "--base-url",
        base_url,
        "--token-stdin",
        "--json",
        *extra,
        input=token + "\n",
    )


def test_connect_and_collect_reports_each_misconfiguration(
    cli: Cli, github_api: str, settings: Settings, home: Path
) -> None:
    connected = _connect(cli, github_api, OWNER_TOKEN)
    assert connected.exit_code == 0, connected.stderr
    integration = connected.json()["integration"]
    assert integration["orgName"] == "acme" and integration["baseUrl"] == github_api

    collected = cli("collect", "--json")
    assert collected.exit_code == 0, collected.stderr
    (job,) = collected.json()["jobs"]
    assert job["status"] in ("COMPLETED", "PARTIAL")
    assert job["failCount"] > 0 and job["passCount"] > 0
    assert job["apiCalls"] > 0

    ev = _evidence(settings)
    expected = {
        ("github_org_2fa_required", "acme"): "FAIL",
        ("github_org_base_permission", "acme"): "FAIL",
        ("github_org_sso", "acme"): "FAIL",  # Enterprise Cloud without SAML
        ("github_org_stale_members", "acme#user-frank"): "FAIL",  # dormant owner
        ("github_repo_default_branch_protected", "acme/web"): "FAIL",
        ("github_repo_default_branch_protected", "acme/api"): "PASS",
        ("github_repo_default_branch_protected", "acme/platform"): "PASS",  # ruleset only
        ("github_repo_review_required", "acme/billing"): "FAIL",
        ("github_repo_review_required", "acme/api"): "PASS",
        ("github_repo_no_force_push_delete", "acme/billing"): "FAIL",
        ("github_repo_secret_scanning", "acme/web"): "FAIL",
        ("github_repo_secret_scanning", "acme/api"): "PASS",
        ("github_repo_dependabot_alerts", "acme/web"): "FAIL",
        ("github_repo_dependabot_alerts", "acme/api"): "PASS",
        ("github_repo_codeowners", "acme/web"): "FAIL",
        ("github_repo_codeowners", "acme/api"): "PASS",
        ("github_change_review_population", "acme/web"): "FAIL",
        ("github_change_review_population", "acme/api"): "PASS",
    }
    for key, status in expected.items():
        assert ev.get(key) == status, (key, ev.get(key))
    # Active members, and the org itself, get no stale-member item while someone is stale.
    assert [r for (c, r) in ev if c == "github_org_stale_members"] == ["acme#user-frank"]
    hooks = [
        s
        for (c, r), s in ev.items()
        if c == "github_webhooks_secret_tls" and r.startswith("acme/web#hook-")
    ]
    assert hooks and set(hooks) == {"FAIL"}
    stored = stored_bytes(home)
    assert integration["id"].encode() in stored  # the store holds the integration, not its token
    assert OWNER_TOKEN.encode() not in stored

    jobs = cli("integrations", "jobs", integration["id"], "--json").json()["jobs"]
    assert [j["id"] for j in jobs] == [job["id"]]
    listed = cli("integrations", "list", "--json").json()["integrations"][0]
    assert listed["evidenceCount"] == job["totalCount"] and listed["lastSyncAt"]


def test_member_token_yields_error_not_fail_for_admin_only_fields(
    cli: Cli, github_api: str, settings: Settings
) -> None:
    assert _connect(cli, github_api, MEMBER_TOKEN).exit_code == 0
    collected = cli("collect", "--json")
    assert collected.exit_code == 0, collected.stderr
    assert collected.json()["jobs"][0]["status"] == "PARTIAL"
    ev = _evidence(settings)
    assert ev[("github_org_2fa_required", "acme")] == "ERROR"
    # GraphQL refuses with HTTP 200 + errors, the audit log with 403: ERROR, never FAIL.
    assert ev[("github_org_sso", "acme")] == "ERROR"
    assert ev[("github_org_stale_members", "acme")] == "ERROR"
    assert (
        ev[("github_repo_default_branch_protected", "acme/platform")] == "PASS"
    )  # ruleset readable


def test_revoked_token_unknown_org_and_non_github_url_are_refused(
    cli: Cli, github_api: str, tmp_path: Path
) -> None:
    revoked = _connect(cli, github_api, "ghp_revoked000000000000000000000000000")
    assert revoked.exit_code == 4 and "rejected" in revoked.stderr.lower()

    missing = cli(
        "integrations",
        "connect",
        "github",
        "--org",
        "no-such-org",
        "--base-url",
        github_api,
        "--token",
        OWNER_TOKEN,
    )
    assert missing.exit_code == 4 and "not found" in missing.stderr

    (tmp_path / "index.html").write_text("<html>not an API</html>")
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        not_github = _connect(cli, url, OWNER_TOKEN)
        assert not_github.exit_code == 4, not_github.stderr
        assert "Traceback" not in not_github.stderr
    finally:
        server.shutdown()
    assert cli("integrations", "list", "--json").json()["integrations"] == []


def test_collect_with_a_revoked_token_fails_the_job_cleanly(
    cli: Cli, github_api: str, settings: Settings
) -> None:
    connected = _connect(cli, github_api, "ghp_revoked000000000000000000000000000", "--no-verify")
    assert connected.exit_code == 0
    collected = cli("collect", "--json")
    assert collected.exit_code == 1
    (job,) = collected.json()["jobs"]
    assert job["status"] == "FAILED" and "rejected" in job["errorMessage"].lower()
    assert _evidence(settings) == {}

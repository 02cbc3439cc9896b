"""The CLI as a client of ``sentinel serve``: same output and exit codes as on the server's store.

One real server process (uvicorn on 127.0.0.1, a free port; ``tests/client/conftest.py``) serves a
home seeded with the evidence estate of ``tests/helpers/estate.py`` and two users. The CLI runs
in-process through Typer's runner with its own ``SENTINEL_HOME`` (the client machine), logs in with
``--password-stdin``, and each command's output and exit code are compared with the same command
run locally with ``SENTINEL_HOME`` pointing at the server's home and no login.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from sentinel_cli.cli import login_state
from sentinel_cli.client.connection import TOKEN_KEY, ClientConfig
from sentinel_cli.secrets import FileSecrets
from sentinel_cli.store import open_store
from tests.helpers.client_mode import ADMIN, VIEWER, Sides
from tests.helpers.server import Server, data_of, free_port, login

SAME = [
    (["evidence", "--status", "FAIL", "--json"], 1),
    (["evidence", "--status", "FAIL", "--limit", "1", "--json"], 1),  # the gate sees every page
    (["evidence", "--status", "FAIL", "--fail-on", "none", "--json"], 0),
    (["evidence", "list", "--fail-on", "FAIL,ERROR", "--format", "csv"], 1),
    (["evidence", "list", "--status", "PASS", "--format", "sarif"], 0),
    (["evidence", "stats", "--json"], 0),
    (["evidence", "compliance", "-f", "SOC2", "--json"], 0),
    (["integrations", "list", "--json"], 0),
    (["billing", "status", "--json"], 0),
    (["exceptions", "list", "--all", "--json"], 0),
    (["schedules", "list", "--json"], 0),
    (["schedules", "set", "--integration", "zzzz-no-such-id", "--every", "6h"], 3),
    (["evidence", "show", "zzzz-no-such-id"], 3),
    (["evidence", "--status", "BOGUS"], 2),
    (["evidence", "compliance"], 2),
    (["checks", "list", "--provider", "github", "--json"], 0),
    (["checks", "show", "aws_rds_multi_az_and_deletion_protection", "--json"], 0),
    (["checks", "show", "no_such_check"], 3),
    (["checks", "list", "--control", "CC6.1"], 2),
]


def test_logged_in_commands_match_the_servers_store(sides: Sides) -> None:
    login = sides.login()
    assert "Logged in to" in login.stdout
    saved = json.loads((sides.client_home / login_state.CONFIG_FILE).read_text())
    assert saved["server"] == sides.server.url and saved["email"] == ADMIN
    assert "token" not in json.dumps(saved).lower()  # the token lives in the secrets backend
    token = FileSecrets(sides.client_home / "secrets.json").get(TOKEN_KEY)
    assert token and token.count(".") == 2
    who = sides.client("whoami", "--json")
    assert who.exit_code == 0 and who.json()["mode"] == "remote"
    assert who.json()["user"]["email"] == ADMIN

    remote = sides.client("evidence", "--status", "FAIL", "--json")
    local = sides.local("evidence", "--status", "FAIL", "--json")
    assert (remote.exit_code, local.exit_code) == (1, 1), (remote.stderr, local.stderr)
    ids = [item["id"] for item in remote.json()["evidence"]]
    assert ids and ids == [item["id"] for item in local.json()["evidence"]]
    assert all(item["status"] == "FAIL" for item in remote.json()["evidence"])
    assert "item(s) with status FAIL" in remote.stderr

    for argv, code in SAME:
        remote = sides.client(*argv)
        local = sides.local(*argv)
        assert remote.exit_code == local.exit_code == code, (argv, remote.stderr, local.stderr)
        assert remote.stdout == local.stdout, argv


def test_a_bad_or_expired_token_exits_8_with_a_hint_to_log_in(sides: Sides) -> None:
    import jwt

    sides.login()
    sides.set_token("not-a-token")
    result = sides.client("evidence", "--status", "FAIL")
    assert result.exit_code == 8, result.stderr
    assert "sentinel login --server " + sides.server.url in result.stderr

    with open_store(sides.server.settings) as store:
        admin = store.users.get_by_email(ADMIN)
    now = int(time.time())
    expired = jwt.encode(
        {
            "sub": admin["id"],
            "role": "ADMIN",
            "iat": now - 13 * 3600,
            "exp": now - 3600,
            "jti": uuid.uuid4().hex,
        },
        sides.server.signing_key(),
        algorithm="HS256",
    )
    sides.set_token(expired)
    result = sides.client("integrations", "list")
    assert (
        result.exit_code == 8 and "expired" in result.stderr and "sentinel login" in result.stderr
    )
    assert sides.client("whoami").exit_code == 8


def test_wrong_password_role_refusal_and_unreachable_server(sides: Sides) -> None:
    refused = sides.client(
        "login", "--server", sides.server.url, "--email", ADMIN, "--password-stdin", input="nope\n"
    )
    assert refused.exit_code == 8 and not (sides.client_home / login_state.CONFIG_FILE).exists()

    sides.login(VIEWER)
    removal = sides.client("integrations", "remove", "0000")
    assert removal.exit_code == 8 and "ADMIN role" in removal.stderr

    login_state.save(
        sides.client_settings,
        ClientConfig(server=f"http://127.0.0.1:{free_port()}", email=VIEWER),
    )
    down = sides.client("integrations", "list")
    assert down.exit_code == 4 and "cannot reach" in down.stderr


def test_profile_is_the_servers_remotely_and_logout_returns_to_local(sides: Sides) -> None:
    sides.login()
    put = sides.client("policies", "profile", "set", "companyName=Remote Co", "--json")
    assert put.exit_code == 0, put.stderr
    shown = sides.client("policies", "profile", "show", "--json")
    assert shown.exit_code == 0 and shown.json() == put.json()
    assert sides.local("policies", "profile", "show", "--json").json() == shown.json()
    assert sides.client("policies", "profile", "unset", "companyName").exit_code == 0
    assert "companyName" not in json.dumps(
        sides.local("policies", "profile", "show", "--json").json()
    )
    sides.login(VIEWER)
    refused = sides.client("policies", "profile", "set", "companyName=X")
    assert refused.exit_code == 8 and "needs the ADMIN role" in refused.stderr
    sides.login()
    assert sides.client("integrations", "list", "--json").json()["integrations"]  # the server's

    token = FileSecrets(sides.client_home / "secrets.json").get(TOKEN_KEY)
    with sides.server.client(token) as client:
        assert client.get("/api/auth/me").status_code == 200
        out = sides.client("logout")
        assert out.exit_code == 0 and sides.server.url in out.stdout
        assert client.get("/api/auth/me").status_code == 401  # revoked on the server, not only here
    assert not (sides.client_home / login_state.CONFIG_FILE).exists()
    assert FileSecrets(sides.client_home / "secrets.json").get(TOKEN_KEY) is None
    assert sides.client("whoami", "--json").json()["mode"] == "local"
    local = sides.client("integrations", "list", "--json")
    assert local.exit_code == 0 and local.json() == {"integrations": []}  # the client's own store
    assert sides.client("logout").exit_code == 0  # idempotent


def test_collect_runs_on_the_server_and_prints_the_same_summary(sides: Sides) -> None:
    from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
    from sentinel_cli.standins.github_seed import seed_org

    sides.login()
    with running_github_api(seed_org("acme")) as (base_url, _server):
        connected = sides.client(
            "integrations",
            "connect",
            "github",
            "--org",
            "acme",
            "--name",
            "Acme remote",
            "--base-url",
            base_url,
            "--token-stdin",
            "--json",
            input=OWNER_TOKEN + "\n",
        )
        assert connected.exit_code == 0, connected.stderr
        integration: dict[str, Any] = connected.json()["integration"]
        result = sides.client("collect", "-i", integration["id"][:8], "--json", "--quiet")
    assert result.exit_code == 0, result.stderr
    (job,) = result.json()["jobs"]
    assert job["status"] in ("COMPLETED", "PARTIAL") and job["totalCount"] > 0
    jobs = sides.client("integrations", "jobs", integration["id"], "--json").json()["jobs"]
    assert jobs[0]["id"] == job["id"] and jobs[0]["status"] == job["status"]
    # The same job as the server's store records it.
    local = sides.local("integrations", "jobs", integration["id"], "--json").json()["jobs"]
    assert local[0] == jobs[0]
    removed = sides.client("integrations", "remove", integration["id"])
    assert removed.exit_code == 0, removed.stderr


def test_the_evidence_list_reports_the_gate_over_all_pages_only_when_asked(server: Server) -> None:
    with server.client(login(server, VIEWER)) as client:
        plain = data_of(client.get("/api/evidence", params={"status": "FAIL", "limit": 1}))
        assert set(plain) == {"evidence", "pagination"}  # unchanged without failOn
        gated = data_of(
            client.get("/api/evidence", params={"status": "FAIL", "limit": 1, "failOn": "FAIL"})
        )
        assert gated["gate"] == {"failOn": ["FAIL"], "failing": plain["pagination"]["total"]}
        assert gated["evidence"] == plain["evidence"]
        none = data_of(client.get("/api/evidence", params={"failOn": "none"}))
        assert none["gate"] == {"failOn": [], "failing": 0}
        bad = client.get("/api/evidence", params={"failOn": "MAYBE"})
        assert bad.status_code == 400 and "--fail-on" in bad.json()["message"]


def test_exports_page_through_every_item(sides: Sides, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --limit an export lists every item: remotely, page after page (3 at a time here)."""
    from sentinel_cli.operations import evidence

    sides.login()
    local = sides.local("evidence", "list", "--format", "junit")
    monkeypatch.setattr(evidence, "MAX_LIMIT", 3)
    remote = sides.client("evidence", "list", "--format", "junit")
    assert remote.exit_code == local.exit_code == 1
    assert remote.stdout == local.stdout and remote.stdout.count("<testcase") > 6


def test_a_provider_refusal_exits_4_on_both_sides(sides: Sides) -> None:
    """A refused GitHub token is HTTP 400 like a bad flag; ``X-Sentinel-Error`` keeps it exit 4."""
    from sentinel_cli.standins.github_api import running_github_api
    from sentinel_cli.standins.github_seed import seed_org

    sides.login()
    with running_github_api(seed_org("acme")) as (base_url, _server):
        args = ["integrations", "connect", "github", "--org", "acme", "--base-url", base_url]
        remote = sides.client(*args, "--token-stdin", input="revoked-token\n")
        sides.monkeypatch.setenv("SENTINEL_HOME", str(sides.server.home))
        local = sides.cli(*args, "--token-stdin", input="revoked-token\n")
    assert remote.exit_code == local.exit_code == 4, (remote.stderr, local.stderr)
    assert "Bad credentials" in remote.stderr and "Bad credentials" in local.stderr
    # A bad value is still a usage error (exit 2) through the server.
    bad = sides.client(
        "integrations", "connect", "github", "--org", "", "--token-stdin", input="t\n"
    )
    assert bad.exit_code == 2, bad.stderr

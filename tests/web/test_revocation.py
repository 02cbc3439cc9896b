"""Web sessions end whenever the user's tokens end: a password change (CLI or API), a role change,
disabling and removing the user, and a signing-key rotation. Re-enabling does not revive them.

A server of its own: the key rotation ends every session of the server it runs on.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.helpers.server import PASSWORD, Server, add_users, data_of, login, running_server
from tests.web.browser import Browser
from tests.web.conftest import RAISED

NEW_PASSWORD = "a completely new passphrase"
ROOT = "root@example.com"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("web-revocation") / "home"
    with running_server(home, (ROOT, "ADMIN"), **RAISED) as started:
        yield started


_counter = iter(range(10_000))


def _user(server: Server, role: str = "MEMBER") -> dict[str, Any]:
    email = f"web{next(_counter)}-{role.lower()}@example.com"
    return {**add_users(server.settings, (email, role))[role], "email": email}


def _admin(server: Server) -> httpx.Client:
    return server.client(login(server, ROOT))


def _cli(server: Server, *argv: str, stdin: str | None = None) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sentinel_cli", *argv],
        input=stdin,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def _signed_out(browser: Browser) -> bool:
    answer = browser.get("/")
    if answer.status_code == 303:
        assert answer.headers["location"] == "/login"
        return True
    assert answer.status_code == 200, answer.text
    return False


def test_a_password_change_with_the_cli_ends_the_web_session(server: Server) -> None:
    user = _user(server)
    with Browser(server) as browser:
        browser.signed_in(user["email"])
        assert not _signed_out(browser)
        _cli(server, "users", "set-password", user["email"], "--password-stdin", stdin=NEW_PASSWORD)
        assert _signed_out(browser)
        assert browser.sign_in(user["email"], PASSWORD).status_code == 401
        assert browser.sign_in(user["email"], NEW_PASSWORD).status_code == 303
        assert not _signed_out(browser)


def test_a_password_change_through_the_api_ends_the_web_session(server: Server) -> None:
    user = _user(server)
    with Browser(server) as browser, server.client(login(server, user["email"])) as api:
        browser.signed_in(user["email"])
        body = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}
        data_of(api.post("/api/auth/password", json=body))
        assert _signed_out(browser)


def test_disabling_ends_the_session_and_re_enabling_does_not_revive_it(server: Server) -> None:
    user = _user(server)
    with Browser(server) as browser, _admin(server) as admin:
        browser.signed_in(user["email"])
        data_of(admin.patch(f"/api/users/{user['id']}", json={"disabled": True}))
        assert _signed_out(browser)
        assert browser.sign_in(user["email"]).status_code == 401
        data_of(admin.patch(f"/api/users/{user['id']}", json={"disabled": False}))
        assert _signed_out(browser)


def test_a_role_change_ends_the_session(server: Server) -> None:
    user = _user(server, "ADMIN")
    with Browser(server) as browser, _admin(server) as admin:
        browser.signed_in(user["email"])
        assert ">Users</a>" in browser.get("/").text
        data_of(admin.patch(f"/api/users/{user['id']}", json={"role": "VIEWER"}))
        assert _signed_out(browser)
        browser.signed_in(user["email"])
        page = browser.get("/")
        assert "VIEWER" in page.text and ">Users</a>" not in page.text


def test_removing_the_user_ends_the_session(server: Server) -> None:
    user = _user(server)
    with Browser(server) as browser:
        browser.signed_in(user["email"])
        _cli(server, "users", "remove", user["email"])
        assert _signed_out(browser)


def test_rotating_the_signing_key_ends_every_session(server: Server) -> None:
    first, second = _user(server), _user(server, "VIEWER")
    with Browser(server) as one, Browser(server) as two:
        one.signed_in(first["email"])
        two.signed_in(second["email"])
        _cli(server, "users", "rotate-signing-key")
        assert _signed_out(one) and _signed_out(two)
        one.signed_in(first["email"])
        assert not _signed_out(one)

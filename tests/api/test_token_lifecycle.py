"""Token lifecycle over HTTP (issue 17 item 4): logout, password changes, role changes, disabling
and signing-key rotation end tokens at once; re-enabling a user does not bring old tokens back.

A server of its own: these tests change passwords and rotate the key, which would break the tokens
of the shared ``api`` fixture.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from tests.helpers.dialect import database_env
from tests.helpers.server import (
    PASSWORD,
    Server,
    add_users,
    assert_error,
    data_of,
    login,
    running_server,
)

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("lifecycle") / "home"
    limits = {"SENTINEL_RATE_LIMIT": "100000/900", "SENTINEL_LOGIN_RATE_LIMIT": "1000/900"}
    with (
        database_env() as database,
        running_server(home, ("root@example.com", "ADMIN"), **limits, **database) as started,
    ):
        yield started


_counter = iter(range(10_000))


def _new_user(server: Server, role: str = "MEMBER") -> dict[str, Any]:
    email = f"user{next(_counter)}-{role.lower()}@example.com"
    created = add_users(server.settings, (email, role))[role]
    return {**created, "email": email}


def _me(server: Server, token: str) -> httpx.Response:
    with server.client(token) as client:
        return client.get("/api/auth/me")


def _admin(server: Server) -> httpx.Client:
    return server.client(login(server, "root@example.com"))


def test_logout_revokes_that_token_only(server: Server) -> None:
    user = _new_user(server)
    first, second = login(server, user["email"]), login(server, user["email"])
    with server.client(first) as client:
        assert data_of(client.post("/api/auth/logout")) == {"loggedOut": True}
        assert_error(client.get("/api/auth/me"), 401, "log in again")
        assert_error(client.post("/api/auth/logout"), 401)  # a revoked token cannot do it again
    assert data_of(_me(server, second))["user"]["email"] == user["email"]
    assert_error(server.client().post("/api/auth/logout"), 401)


def test_a_password_change_revokes_every_token_and_the_answer_carries_a_working_one(
    server: Server,
) -> None:
    user = _new_user(server)
    old, other = login(server, user["email"]), login(server, user["email"])
    with server.client(old) as client:
        wrong = client.post(
            "/api/auth/password",
            json={"currentPassword": "not my password", "newPassword": NEW_PASSWORD},
        )
        assert_error(wrong, 400, "current password is wrong")
        short = client.post(
            "/api/auth/password", json={"currentPassword": PASSWORD, "newPassword": "short"}
        )
        assert_error(short, 400, "too short")
        assert _me(server, old).status_code == 200  # refused changes end nothing
        changed = data_of(
            client.post(
                "/api/auth/password",
                json={"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD},
            )
        )
    # Issued within the same second as the change, the new token works; the old ones do not.
    assert data_of(_me(server, changed["token"]))["user"]["id"] == user["id"]
    assert_error(_me(server, old), 401)
    assert_error(_me(server, other), 401)
    with server.client() as anonymous:
        refused = anonymous.post(
            "/api/auth/login", json={"email": user["email"], "password": PASSWORD}
        )
        assert_error(refused, 401)
    fresh = login(server, user["email"], NEW_PASSWORD)
    assert _me(server, fresh).status_code == 200


def test_an_admin_password_reset_revokes_the_users_tokens(server: Server) -> None:
    user = _new_user(server)
    old = login(server, user["email"])
    with _admin(server) as admin:
        member = server.client(login(server, _new_user(server)["email"]))
        path = f"/api/users/{user['id']}/password"
        assert_error(member.post(path, json={"password": NEW_PASSWORD}), 403, "ADMIN")
        member.close()
        data_of(admin.post(path, json={"password": NEW_PASSWORD}))
    assert_error(_me(server, old), 401)
    assert _me(server, login(server, user["email"], NEW_PASSWORD)).status_code == 200


def test_set_password_on_the_command_line_revokes_tokens(server: Server) -> None:
    user = _new_user(server)
    old = login(server, user["email"])
    argv = ["users", "set-password", user["email"], "--password-stdin", "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "sentinel_cli", *argv],
        input=NEW_PASSWORD + "\n",
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert NEW_PASSWORD not in done.stdout + done.stderr
    assert_error(_me(server, old), 401)
    assert _me(server, login(server, user["email"], NEW_PASSWORD)).status_code == 200


def test_a_role_change_revokes_tokens(server: Server) -> None:
    user = _new_user(server)
    old = login(server, user["email"])
    with _admin(server) as admin:
        data_of(admin.patch(f"/api/users/{user['id']}", json={"role": "VIEWER"}))
    assert_error(_me(server, old), 401)
    assert data_of(_me(server, login(server, user["email"])))["user"]["role"] == "VIEWER"


def test_re_enabling_a_user_does_not_bring_old_tokens_back(server: Server) -> None:
    user = _new_user(server)
    old = login(server, user["email"])
    with _admin(server) as admin:
        data_of(admin.patch(f"/api/users/{user['id']}", json={"disabled": True}))
        assert_error(_me(server, old), 401)
        data_of(admin.patch(f"/api/users/{user['id']}", json={"disabled": False}))
    assert_error(_me(server, old), 401)
    assert _me(server, login(server, user["email"])).status_code == 200


def test_an_unrelated_change_leaves_tokens_alone(server: Server) -> None:
    user, bystander = _new_user(server), _new_user(server)
    token = login(server, bystander["email"])
    with _admin(server) as admin:
        data_of(admin.patch(f"/api/users/{user['id']}", json={"role": "VIEWER"}))
    assert _me(server, token).status_code == 200


def test_rotating_the_signing_key_revokes_every_token_on_the_running_server(
    server: Server,
) -> None:
    user = _new_user(server)
    tokens = [login(server, user["email"]), login(server, "root@example.com")]
    old_key = server.signing_key()
    done = subprocess.run(
        [sys.executable, "-m", "sentinel_cli", "users", "rotate-signing-key", "--json"],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    new_key = server.signing_key()
    assert new_key != old_key and new_key not in done.stdout + done.stderr
    for token in tokens:
        assert_error(_me(server, token), 401)
    fresh = login(server, user["email"])
    assert jwt.decode(fresh, new_key, algorithms=["HS256"])["sub"] == user["id"]
    assert _me(server, fresh).status_code == 200

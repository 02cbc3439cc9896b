"""Issue 17 items 6 and 9 over real HTTP: a locked store answers 503 quickly and never lets a login
through uncounted; security headers on every answer; the docs page needs no outside host.

Rate-limit windows are a day long (as in ``test_ratelimit.py``) so counts never straddle a window.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.server import (
    PASSWORD,
    Api,
    Server,
    add_users,
    assert_error,
    data_of,
    login,
    server_env,
)

DAY = 86400
LOGIN_LIMIT = 5
EMAIL = "busy@example.com"


def _wait_out_midnight() -> None:
    to_boundary = DAY - time.time() % DAY
    if to_boundary < 90:
        time.sleep(to_boundary + 1)


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _wait_out_midnight()
    home = tmp_path_factory.mktemp("busy") / "home"
    home.mkdir(parents=True)
    server = Server(home, server_env(home, SENTINEL_LOGIN_RATE_LIMIT=f"{LOGIN_LIMIT}/{DAY}"))
    add_users(server.settings, (EMAIL, "VIEWER"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _assert_security_headers(response: httpx.Response) -> None:
    assert response.headers.get("x-content-type-options") == "nosniff", response.headers
    assert response.headers.get("cache-control") == "no-store", response.headers
    assert "server" not in response.headers, response.headers


def _login(server: Server, password: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/auth/login",
        json={"email": EMAIL, "password": password},
        timeout=60,
    )


def test_login_while_the_store_is_locked_is_503_quickly_and_not_a_free_guess(
    busy: Server,
) -> None:
    first = _login(busy, PASSWORD)
    data_of(first)
    _assert_security_headers(first)
    before = int(first.headers["x-ratelimit-remaining"])

    holder = sqlite3.connect(busy.settings.db_path, isolation_level=None, timeout=10)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        answers = []
        for password in (PASSWORD, "a wrong guess entirely"):
            started = time.monotonic()
            response = _login(busy, password)
            elapsed = time.monotonic() - started
            assert elapsed < 12, f"answered after {elapsed:.1f} s"
            body = assert_error(response, 503, "busy")
            assert int(response.headers["retry-after"]) > 0
            _assert_security_headers(response)
            answers.append(body)
        # Right and wrong password get the same refusal: no password was checked while the
        # attempt could not be counted, so holding the lock does not make guessing free.
        assert answers[0] == answers[1]
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    after = _login(busy, PASSWORD)
    data_of(after)
    # Only the two successful logins were counted: the refused ones were never checked.
    assert int(after.headers["x-ratelimit-remaining"]) == before - 1
    assert "store busy" in busy.log()


def test_reads_still_answer_while_another_process_writes(busy: Server) -> None:
    token = login(busy, EMAIL)
    holder = sqlite3.connect(busy.settings.db_path, isolation_level=None, timeout=10)
    try:
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        # Reads still work under WAL while another process writes.
        response = httpx.get(
            f"{busy.url}/api/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        assert time.monotonic() - started < 12
        assert data_of(response)["user"]["email"] == EMAIL
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_me_carries_nosniff_and_no_store_on_200_401_and_429(tmp_path: Path) -> None:
    _wait_out_midnight()
    home = tmp_path / "home"
    home.mkdir()
    limit = 3
    server = Server(home, server_env(home, SENTINEL_RATE_LIMIT=f"{limit}/{DAY}"))
    add_users(server.settings, ("headers@example.com", "VIEWER"))
    server.start()
    try:
        token = login(server, "headers@example.com")
        with server.client(token) as client:
            answers = [client.get("/api/auth/me") for _ in range(limit + 1)]
        assert [r.status_code for r in answers] == [200] * limit + [429]
        for response in answers:
            _assert_security_headers(response)
        with server.client() as anonymous:
            refused = anonymous.get("/api/auth/me")
        assert_error(refused, 401)
        _assert_security_headers(refused)
        health = httpx.get(f"{server.url}/api/health")
        assert health.headers["x-content-type-options"] == "nosniff"
        assert "server" not in health.headers
    finally:
        server.stop()


def test_docs_page_loads_swagger_ui_from_this_server_only(api: Api) -> None:
    page = api.anonymous().get("/api/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert page.headers["x-content-type-options"] == "nosniff"
    html = page.text
    assert "swagger-ui" in html.lower()
    assert not re.search(r"(?:https?:)?//[A-Za-z0-9.-]+", html), "external reference in docs"
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert asset.startswith("/api/docs/static/"), asset
        loaded = api.anonymous().get(asset)
        assert loaded.status_code == 200 and loaded.content, asset
        assert loaded.headers["x-content-type-options"] == "nosniff"
    assert "/api/openapi.json" in html
    assert data_of(api.anonymous().get("/api/health"))

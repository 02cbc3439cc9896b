"""Rate limits for a browser: pages count against a per-session web budget of their own, static
assets are never counted, page views leave the API's budget alone, and sign-in attempts count
against the login limit the API's login shares.

A server of its own with small limits (the web budget leaves room for the sign-in pages of every
test here: before sign-in, pages count per client address); windows are a day long (as in ``tests/api/test_ratelimit.py``)
so counts never straddle a window.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.helpers.server import PASSWORD, Server, add_users, login, running_server, server_env
from tests.web.browser import Browser

DAY = 86400
WEB_LIMIT = 20
LOGIN_LIMIT = 4
API_LIMIT = 50


def _wait_out_midnight() -> None:
    to_boundary = DAY - time.time() % DAY
    if to_boundary < 90:
        time.sleep(to_boundary + 1)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _wait_out_midnight()
    home = tmp_path_factory.mktemp("web-budgets") / "home"
    home.mkdir(parents=True)
    env = server_env(
        home,
        SENTINEL_WEB_RATE_LIMIT=f"{WEB_LIMIT}/{DAY}",
        SENTINEL_LOGIN_RATE_LIMIT=f"1000/{DAY}",
        SENTINEL_RATE_LIMIT=f"{API_LIMIT}/{DAY}",
    )
    started = Server(home, env)
    add_users(started.settings, ("web@example.com", "VIEWER"))
    started.start()
    try:
        yield started
    finally:
        started.stop()


def _remaining(response: httpx.Response) -> int:
    return int(response.headers["x-ratelimit-remaining"])


def test_static_assets_are_never_counted(server: Server) -> None:
    with Browser(server) as browser:
        page = browser.get("/login")
        before = _remaining(page)
        for _ in range(WEB_LIMIT * 3):
            asset = browser.get("/static/sentinel.css")
            assert asset.status_code == 200
            assert "x-ratelimit-remaining" not in asset.headers
            assert "max-age=31536000" in asset.headers["cache-control"]
            assert asset.headers["x-content-type-options"] == "nosniff"
        assert browser.get("/static/htmx-2.0.11.min.js").status_code == 200
        assert _remaining(browser.get("/login")) == before - 1


def test_pages_spend_a_per_session_budget_and_leave_the_api_budget_alone(
    server: Server,
) -> None:
    token = login(server, "web@example.com")
    with server.client(token) as api, Browser(server) as browser:
        api_before = _remaining(api.get("/api/auth/me"))
        browser.signed_in("web@example.com")
        first = browser.get("/")
        assert first.status_code == 200
        assert int(first.headers["x-ratelimit-limit"]) == WEB_LIMIT
        assert _remaining(first) == WEB_LIMIT - 1  # a fresh budget for the new session
        for _ in range(WEB_LIMIT - 1):
            assert browser.get("/evidence").status_code == 200
        refused = browser.get("/compliance")
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("text/html")
        assert "Too many requests" in refused.text and int(refused.headers["retry-after"]) > 0
        assert browser.get("/static/sentinel.css").status_code == 200  # assets still load
        # The API's budget moved by this request alone: page views never touched it.
        after = api.get("/api/auth/me")
        assert after.status_code == 200 and _remaining(after) == api_before - 1
        # Another session of the same user has a budget of its own.
        with Browser(server) as other:
            other.signed_in("web@example.com")
            assert other.get("/").status_code == 200


def test_sign_in_attempts_count_against_the_shared_login_limit(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    _wait_out_midnight()
    home = tmp_path_factory.mktemp("web-login-limit") / "home"
    limits = {"SENTINEL_LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT}/{DAY}"}
    with running_server(home, ("guess@example.com", "VIEWER"), **limits) as server:
        _guess(server)


def _guess(server: Server) -> None:
    with Browser(server) as browser:
        answers = [browser.sign_in("guess@example.com", f"wrong guess {n}") for n in range(3)]
        assert [a.status_code for a in answers] == [401, 401, 401]
        api = httpx.post(
            f"{server.url}/api/auth/login",
            json={"email": "guess@example.com", "password": "another wrong guess"},
            timeout=60,
        )
        assert api.status_code == 401  # the fourth attempt from this address
        refused = browser.sign_in("guess@example.com", PASSWORD)
        assert refused.status_code == 429  # even with the right password
        assert refused.headers["content-type"].startswith("text/html")
        assert browser.session_id is None
        api_refused = httpx.post(
            f"{server.url}/api/auth/login",
            json={"email": "guess@example.com", "password": PASSWORD},
            timeout=60,
        )
        assert api_refused.status_code == 429

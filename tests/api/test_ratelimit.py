"""Rate limits on a server of their own with small limits; and its first start with no users.

Windows are a day long here so a test never straddles a window boundary (they are aligned to
multiples of the window length, i.e. midnight UTC); a run within a minute of midnight waits it out.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.helpers.dialect import DIALECTS, database_env
from tests.helpers.server import Server, add_users, assert_error, data_of, login, server_env

LIMIT = 6
LOGIN_LIMIT = 3
DAY = 86400


@pytest.fixture(scope="module", params=DIALECTS)
def limited(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The counters live in the store, so the module runs once with the server on each database
    (``tests/helpers/dialect.py``: a shared server cannot take ``both_databases``)."""
    to_boundary = DAY - time.time() % DAY
    if to_boundary < 60:
        time.sleep(to_boundary + 1)
    home = tmp_path_factory.mktemp("limited") / "home"
    with database_env(request.param) as database:
        server = Server(
            home,
            server_env(
                home,
                SENTINEL_RATE_LIMIT=f"{LIMIT}/{DAY}",
                SENTINEL_LOGIN_RATE_LIMIT=f"{LOGIN_LIMIT}/{DAY}",
                # The tests act as a reverse proxy on 127.0.0.1, so each X-Forwarded-For address
                # is its own client (the default, trusting no proxy, is in test_client_address.py).
                SENTINEL_FORWARDED_ALLOW_IPS="127.0.0.1",
                **database,
            ),
        )
        server.start()
        try:
            yield server
        finally:
            server.stop()


def test_first_start_prints_the_one_time_setup_command(limited: Server) -> None:
    log = limited.log()
    assert "No users yet" in log
    assert "sentinel users add --email you@example.com --role ADMIN" in log


def test_headers_count_down_then_429_with_retry_after(limited: Server) -> None:
    add_users(limited.settings, ("counted@example.com", "VIEWER"))
    token = login(limited, "counted@example.com")  # counted against the IP, not the user
    with limited.client(token) as client:
        remaining = []
        for _ in range(LIMIT):
            response = client.get("/api/integrations")
            assert response.status_code == 200, response.text
            assert response.headers["x-ratelimit-limit"] == str(LIMIT)
            remaining.append(int(response.headers["x-ratelimit-remaining"]))
            reset = int(response.headers["x-ratelimit-reset"])
            assert reset % DAY == 0 and reset > time.time()
        assert remaining == list(range(LIMIT - 1, -1, -1))

        refused = client.get("/api/integrations")
        assert_error(refused, 429, "rate limit exceeded")
        assert refused.headers["x-ratelimit-remaining"] == "0"
        retry_after = int(refused.headers["retry-after"])
        assert 0 < retry_after <= DAY
        assert abs(int(refused.headers["x-ratelimit-reset"]) - time.time() - retry_after) <= 2
        # Every route, known or not, is refused once the user's allowance is spent.
        assert_error(client.get("/api/nope"), 429)

    # Another user (and the health check) are not affected by this user's bucket.
    add_users(limited.settings, ("fresh@example.com", "VIEWER"))
    other = login(limited, "fresh@example.com")
    with limited.client(other) as client:
        assert client.get("/api/integrations").status_code == 200
    health = httpx.get(f"{limited.url}/api/health")
    assert health.status_code == 200 and "x-ratelimit-remaining" in health.headers


def test_login_attempts_are_limited_per_ip(limited: Server) -> None:
    """Any client IP gets LOGIN_LIMIT attempts per window (the two logins above used two)."""
    forwarded = {"X-Forwarded-For": "203.0.113.7"}  # trusted from 127.0.0.1 (see the fixture)
    codes = []
    for _ in range(LOGIN_LIMIT + 1):
        response = httpx.post(
            f"{limited.url}/api/auth/login",
            json={"email": "nobody@example.com", "password": "guess guess guess"},
            headers=forwarded,
        )
        codes.append(response.status_code)
    assert codes == [401] * LOGIN_LIMIT + [429]
    assert response.headers["x-ratelimit-limit"] == str(LOGIN_LIMIT)
    assert int(response.headers["retry-after"]) > 0
    assert_error(response, 429)
    # A right password does not get through either until the window ends.
    add_users(limited.settings, ("late@example.com", "VIEWER"))
    late = httpx.post(
        f"{limited.url}/api/auth/login",
        json={"email": "late@example.com", "password": "correct horse battery staple"},
        headers=forwarded,
    )
    assert_error(late, 429)


def test_requests_without_a_token_are_limited_per_ip(limited: Server) -> None:
    forwarded = {"X-Forwarded-For": "198.51.100.9"}
    codes = [
        httpx.get(f"{limited.url}/api/integrations", headers=forwarded).status_code
        for _ in range(LIMIT + 1)
    ]
    assert codes == [401] * LIMIT + [429]
    data_of(httpx.get(f"{limited.url}/api/health", headers=forwarded))

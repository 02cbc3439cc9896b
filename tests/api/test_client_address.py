"""Whose address a request comes from: the socket's, unless it arrives through a named proxy.

Login attempts are limited per client address. Were ``X-Forwarded-For`` believed from anyone (as
uvicorn does from 127.0.0.1 unless told otherwise), every made-up address would get a fresh
allowance of password guesses. These servers run on 127.0.0.1 like the tests, so the test client is
exactly the local process that must not be able to pick its address, or, once named with
``--forwarded-allow-ips``, the reverse proxy whose word is taken.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.dialect import database_env
from tests.helpers.server import (
    PASSWORD,
    Server,
    add_users,
    assert_error,
    free_port,
    server_env,
)

LOGIN_LIMIT = 3
DAY = 86400
EMAIL = "guarded@example.com"
SERVE = (sys.executable, "-m", "sentinel_cli", "serve")


def _server(home: Path, *args: str) -> Iterator[Server]:
    to_boundary = DAY - time.time() % DAY  # day-long windows: never straddle a boundary
    if to_boundary < 60:
        time.sleep(to_boundary + 1)
    with database_env() as database:
        env = server_env(home, SENTINEL_LOGIN_RATE_LIMIT=f"{LOGIN_LIMIT}/{DAY}", **database)
        env["FORWARDED_ALLOW_IPS"] = "*"  # uvicorn's own variable is not honoured by serve
        server = Server(home, env, args=args)
        add_users(server.settings, (EMAIL, "VIEWER"))
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def direct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _server(tmp_path_factory.mktemp("direct") / "home")


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _server(
        tmp_path_factory.mktemp("proxied") / "home", "--forwarded-allow-ips", "127.0.0.1"
    )


def _login(
    server: Server, forwarded_for: str, password: str = "guess guess guess"
) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/auth/login",
        json={"email": EMAIL, "password": password},
        headers={"X-Forwarded-For": forwarded_for},
        timeout=30,
    )


def test_a_spoofed_forwarded_for_does_not_reset_the_login_limit(direct: Server) -> None:
    spoofed = [f"203.0.113.{n}" for n in range(1, LOGIN_LIMIT + 2)]
    codes = [_login(direct, address).status_code for address in spoofed]
    assert codes == [401] * LOGIN_LIMIT + [429]
    # Neither a new address nor the right password gets another guess in this window.
    refused = _login(direct, "198.51.100.1, 203.0.113.99", password=PASSWORD)
    assert_error(refused, 429)
    assert int(refused.headers["retry-after"]) > 0
    assert "X-Forwarded-For of" not in direct.log()
    assert "FORWARDED_ALLOW_IPS is ignored" in direct.log()


def test_a_named_proxy_forwards_each_clients_own_address(proxied: Server) -> None:
    assert "Client addresses from X-Forwarded-For of: 127.0.0.1" in proxied.log()
    # Each client behind the proxy has its own allowance ...
    others = [f"198.51.100.{n}" for n in range(1, LOGIN_LIMIT + 2)]
    assert [_login(proxied, address).status_code for address in others] == [401] * len(others)
    # ... and one client's guesses run out no matter how many others there are.
    codes = [_login(proxied, "203.0.113.7").status_code for _ in range(LOGIN_LIMIT + 1)]
    assert codes == [401] * LOGIN_LIMIT + [429]
    assert _login(proxied, "203.0.113.8", password=PASSWORD).status_code == 200


def test_a_proxy_that_is_not_an_address_is_refused_at_start(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = subprocess.run(
        [*SERVE, "--port", str(free_port()), "--forwarded-allow-ips", "127.0.0.1,proxy.internal"],
        env=server_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "'proxy.internal' is not an IP address" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Uvicorn running" not in done.stdout + done.stderr

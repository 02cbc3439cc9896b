"""A real ``sentinel serve`` per test module, seeded with the evidence estate and two users, and
the client/local runner over it (``tests/helpers/client_mode.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel_cli.store import open_store
from tests.helpers.client_mode import ADMIN, VIEWER, Sides
from tests.helpers.estate import build_estate
from tests.helpers.server import Server, add_users, server_env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own for each module, serving the evidence estate to an ADMIN and a VIEWER."""
    home = tmp_path_factory.mktemp("client-mode") / "server-home"
    home.mkdir(parents=True, mode=0o700)  # as a real home: no warning about other users
    srv = Server(
        home,
        server_env(
            home,
            SENTINEL_RATE_LIMIT="100000/900",
            SENTINEL_LOGIN_RATE_LIMIT="1000/900",
            # The integrations connect to stand-ins on loopback: allowed explicitly.
            SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1",
        ),
    )
    with open_store(srv.settings) as store:
        build_estate(store)
    add_users(srv.settings, (ADMIN, "ADMIN"), (VIEWER, "VIEWER"))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def sides(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sides:
    monkeypatch.setenv("SENTINEL_SECRETS_BACKEND", "file")
    for name in ("SENTINEL_DB", "SENTINEL_DEBUG", "GITHUB_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    return Sides(server, tmp_path / "client-home", monkeypatch)

"""A real ``sentinel serve`` per test session for the dashboard's page tests, on a store seeded with
the evidence estate (``tests/helpers/estate.py``), with a user of each role; limits are raised so
the tests are never refused (``test_budgets.py`` starts its own server with small ones).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from sentinel_cli.store import open_store
from tests.helpers.estate import Estate, build_estate
from tests.helpers.server import ROLES, Server, add_users, server_env
from tests.web.browser import Browser

RAISED = {
    "SENTINEL_RATE_LIMIT": "100000/900",
    "SENTINEL_LOGIN_RATE_LIMIT": "1000/900",
    "SENTINEL_WEB_RATE_LIMIT": "100000/900",
}


def email_of(role: str) -> str:
    return f"{role.lower()}@example.com"


@dataclass
class Site:
    server: Server
    estate: Estate
    users: dict[str, dict[str, Any]]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("web") / "home"
    home.mkdir(parents=True)
    server = Server(home, server_env(home, **RAISED))
    users = add_users(server.settings, *((email_of(role), role) for role in ROLES))
    with open_store(server.settings) as store:
        estate = build_estate(store)
    server.start()
    try:
        yield Site(server, estate, users)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def viewer(site: Site) -> Iterator[Browser]:
    """A VIEWER signed in once for the read-only page tests (never signed out)."""
    with Browser(site.server) as browser:
        yield browser.signed_in(email_of("VIEWER"))


@pytest.fixture
def browser(site: Site) -> Iterator[Browser]:
    """A fresh browser, signed out."""
    with Browser(site.server) as fresh:
        yield fresh


@pytest.fixture(scope="session")
def workshop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A second server for the pages that change things, so ``site`` stays as seeded: the same
    estate and users, and the loopback allowance the local stand-ins need
    (``SENTINEL_ALLOW_ENDPOINT_HOSTS=127.0.0.1``; ``site`` has none, so it shows the refusal)."""
    home = tmp_path_factory.mktemp("web-writes") / "home"
    home.mkdir(parents=True)
    server = Server(home, server_env(home, **RAISED, SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1"))
    users = add_users(server.settings, *((email_of(role), role) for role in ROLES))
    with open_store(server.settings) as store:
        estate = build_estate(store)
    server.start()
    try:
        yield Site(server, estate, users)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def crew(workshop: Site) -> Iterator[dict[str, Browser]]:
    """A signed-in browser per role on ``workshop``."""
    browsers = {role: Browser(workshop.server).signed_in(email_of(role)) for role in ROLES}
    try:
        yield browsers
    finally:
        for browser in browsers.values():
            browser.client.close()

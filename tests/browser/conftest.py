"""The browser tests' fixtures: one Chromium for the session, and one real ``sentinel serve`` on a
seeded store with a GitHub stand-in beside it.

**Chromium** is Debian's (``/usr/bin/chromium``, installed by ``.ci/ensure-chromium``), driven by
Playwright's async API on an event loop of its own that runs only while a test drives the browser:
the sync API would leave a loop marked running in this thread for the rest of the session, and an
``asyncio.run`` in any later test of the same worker would then fail. The launch flags keep the
browser from calling home (updates, sync, field trials, QUIC): on a closed network those requests
would hang or log errors, and the walks assert that nothing leaves 127.0.0.1.

**The server** runs with the default API and login limits (the walks must fit in them, as a person
would), a non-default web budget given with ``--web-rate-limit`` (the walk checks it reached the
pages), and the loopback allowance the MEMBER's GitHub connection needs. The store holds the
evidence estate (``tests/helpers/estate.py``), a user of each role, two policies (one approved),
a risk exception and an executive-summary report generated beforehand for the VIEWER to download.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.async_api import Browser, async_playwright

from sentinel_cli.standins.github_api import running_github_api
from sentinel_cli.standins.github_seed import seed_org
from sentinel_cli.store import open_store
from tests.helpers.estate import build_estate
from tests.helpers.server import ROLES, Server, add_users, server_env

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
WEB_RATE_LIMIT = "600/900"
GITHUB_RATE = {"rate_limit": 110, "rate_window": 4}
"""The stand-in's budget per token: 110 calls per 4-second window, counted from the connection's
first call. The collector keeps 50 in reserve, so some 60 calls into the collection (of about 115)
it pauses until the window resets: the MEMBER sees the job running, its progress polled, for a few
seconds that cost no CPU, whatever the speed of the machine."""

T = TypeVar("T")


def email_of(role: str) -> str:
    return f"{role.lower()}@example.com"


@dataclass
class Chromium:
    """The session's browser and the loop it runs on: ``run(coroutine)`` drives it."""

    loop: asyncio.AbstractEventLoop
    browser: Browser

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run .ci/ensure-chromium"
    loop = asyncio.new_event_loop()
    playwright = loop.run_until_complete(async_playwright().start())
    try:
        browser = loop.run_until_complete(
            playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(LAUNCH_ARGS))
        )
        try:
            yield Chromium(loop, browser)
        finally:
            loop.run_until_complete(browser.close())
    finally:
        loop.run_until_complete(playwright.stop())
        loop.close()


@dataclass
class Site:
    server: Server
    github_url: str
    report: dict[str, Any]
    """The report generated before the server started (``id``, ``sha256``, ...)."""

    @property
    def url(self) -> str:
        return self.server.url


def _seed_documents(store: Any) -> dict[str, Any]:
    """Policies, a risk exception and a report, through the operations the pages list them with."""
    from sentinel_cli.operations import exceptions, policies, reports
    from sentinel_cli.operations.demo import COMPANY, DEMO_POLICIES

    policies.set_profile(store, COMPANY)
    generated = [
        policies.generate_policy(store, template_id=template)["policy"]
        for template in DEMO_POLICIES
    ]
    policies.approve_policy(store, generated[0]["id"], approver=email_of("ADMIN"))
    exceptions.add_exception(
        store,
        check_id="aws_s3_versioning",
        resource="arn:aws:s3:::acme-data",
        reason="Versioning is replaced by nightly snapshots of this bucket",
        owner=email_of("MEMBER"),
        expires=(datetime.now(UTC) + timedelta(days=60)).date().isoformat(),
        actor=email_of("MEMBER"),
        role="MEMBER",
    )
    report = reports.generate_report(
        store, report_type="EXECUTIVE_SUMMARY", actor=email_of("ADMIN")
    )["report"]
    return dict(report)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("browser") / "home"
    home.mkdir(parents=True)
    # The MEMBER connects the stand-in on 127.0.0.1: allowed explicitly, as an operator would.
    env = server_env(home, SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1")
    server = Server(home, env, args=("--web-rate-limit", WEB_RATE_LIMIT))
    add_users(server.settings, *((email_of(role), role) for role in ROLES))
    with open_store(server.settings) as store:
        build_estate(store)
        report = _seed_documents(store)
    with running_github_api(seed_org("acme"), **GITHUB_RATE) as (github_url, _stand_in):
        server.start()
        try:
            yield Site(server, github_url, report)
        finally:
            server.stop()

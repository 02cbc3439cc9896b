"""A real ``sentinel serve`` process per test session, and clients logged in as each role.

The server and its helpers are ``tests/helpers/server.py``. Limits are raised on this shared
server; ``test_ratelimit.py`` starts its own with small ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
from sentinel_cli.standins.github_seed import seed_org
from tests.helpers.dialect import database_env
from tests.helpers.server import (
    ROLES,
    Api,
    Server,
    add_users,
    data_of,
    login,
    server_env,
    wait_for_job,
)


@pytest.fixture(scope="session")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    home = tmp_path_factory.mktemp("api") / "home"
    with database_env() as database:  # the run's dialect (tests/helpers/dialect.py)
        server = Server(
            home,
            server_env(
                home,
                SENTINEL_RATE_LIMIT="100000/900",
                SENTINEL_LOGIN_RATE_LIMIT="1000/900",
                # The integrations connect to stand-ins on loopback: allowed explicitly.
                SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1",
                **database,
            ),
        )
        home.mkdir(parents=True)
        created = add_users(
            server.settings,
            *((f"{role.lower()}@example.com", role) for role in ROLES),
        )
        server.start()
        try:
            tokens = {role: login(server, f"{role.lower()}@example.com") for role in ROLES}
            api = Api(server, created, tokens)
            yield api
            for client in api.clients.values():
                client.close()
        finally:
            server.stop()


@pytest.fixture(scope="session")
def collected(api: Api) -> Iterator[dict[str, Any]]:
    """A GitHub integration connected (verified) through the API and collected once."""
    with running_github_api(seed_org("acme")) as (base_url, _server):
        body = {"orgName": "acme", "token": OWNER_TOKEN, "baseUrl": base_url, "name": "Acme"}
        member = api.as_("MEMBER")
        integration = data_of(member.post("/api/integrations/github/connect", json=body), 201)[
            "integration"
        ]
        started = member.post(f"/api/integrations/{integration['id']}/collect")
        data = data_of(started, 202)
        job = wait_for_job(api, integration["id"], data["job"]["id"])
        yield {"integration": integration, "started": data, "job": job}

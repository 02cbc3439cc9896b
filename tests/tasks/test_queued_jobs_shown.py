"""A queued job as its users see it: the CLI logged in to a server lists it as "queued" (with
``startedAt`` null in ``--json``), and the dashboard says it waits for a worker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
from sentinel_cli.standins.github_seed import seed_org
from tests.helpers.client_mode import ADMIN, Sides
from tests.helpers.server import Server, add_users, data_of, login, server_env
from tests.web.browser import Browser


def test_the_cli_and_the_dashboard_show_a_queued_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "server"
    home.mkdir()
    server = Server(
        home,
        server_env(home, SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1"),
        args=("--no-worker",),
    )
    add_users(server.settings, (ADMIN, "ADMIN"))
    server.start()
    try:
        client = server.client(login(server, ADMIN))
        with running_github_api(seed_org("acme")) as (base_url, _github):
            body = {"orgName": "acme", "token": OWNER_TOKEN, "baseUrl": base_url, "name": "Acme"}
            iid = data_of(client.post("/api/integrations/github/connect", json=body), 201)[
                "integration"
            ]["id"]
            job = data_of(client.post(f"/api/integrations/{iid}/collect"), 202)["job"]

        sides = Sides(server, tmp_path / "client", monkeypatch)
        sides.login()
        listed = sides.client("integrations", "jobs", iid)
        assert listed.exit_code == 0, listed.stderr
        assert "queued" in listed.stdout and job["id"][:8] in listed.stdout
        as_json = json.loads(sides.client("integrations", "jobs", iid, "--json").stdout)
        [shown] = as_json["jobs"]
        assert shown["status"] == "RUNNING" and shown["startedAt"] is None
        assert shown["queuedAt"] == job["queuedAt"] and shown["trigger"] == "api"

        again = sides.client("collect", "--integration", iid)
        assert again.exit_code == 7, again.stderr  # one collection of an integration at a time

        with Browser(server) as browser:
            browser.sign_in(ADMIN)
            page = browser.get(f"/integrations/{iid}")
            assert page.status_code == 200
            assert "waiting for a worker" in page.text and "Queued" in page.text
            # The jobs table says QUEUED too (as the CLI's "queued"), with no counts yet.
            jobs = page.text.split('id="jobs-heading"', 1)[1]
            assert '<span class="badge badge-queued">QUEUED</span>' in jobs
            assert "badge-running" not in jobs and 'data-label="Items">—</td>' in jobs
    finally:
        server.stop()

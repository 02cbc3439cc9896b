"""Issue 17 item 1 over real HTTP: what a running server contacts for its users, and with whose
AWS credentials.

Each listener here counts the TCP connections it accepts, so "refused" means the server sent
nothing at all, not that it sent a request and disliked the answer.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from sentinel_cli.errors import Conflict
from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
from sentinel_cli.standins.github_seed import seed_org
from tests.helpers.server import Server, add_users, assert_error, login, server_env

pytestmark = pytest.mark.e2e

MEMBER = ("member@example.com", "MEMBER")
SERVER_KEY = "AKIASERVERSOWNKEY000"
MEMBER_KEY = "AKIAMEMBERSOWNKEY000"


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every request with an HTML page and records its Authorization header."""

    seen: list[str]

    def _answer(self) -> None:
        self.seen.append(self.headers.get("Authorization", ""))
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = b"<html><body>not an API</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


class _CountingServer(http.server.ThreadingHTTPServer):
    def __init__(self) -> None:
        handler = type("Handler", (_Recorder,), {"seen": []})
        super().__init__(("127.0.0.1", 0), handler)
        self.seen: list[str] = handler.seen  # type: ignore[attr-defined]
        self.connections = 0

    def get_request(self) -> tuple[socket.socket, Any]:
        self.connections += 1
        return super().get_request()


@contextmanager
def listener() -> Iterator[_CountingServer]:
    httpd = _CountingServer()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def _port(httpd: _CountingServer) -> int:
    return int(httpd.server_address[1])


@contextmanager
def served(home: Path, *args: str, **env: str) -> Iterator[Server]:
    home.mkdir(parents=True, exist_ok=True)
    server = Server(home, server_env(home, **env), args=args)
    # On PostgreSQL a test's servers share its one schema: a second server finds the member there.
    with suppress(Conflict):
        add_users(server.settings, MEMBER)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _github(base_url: str) -> dict[str, Any]:
    return {"orgName": "acme", "token": OWNER_TOKEN, "baseUrl": base_url}


def _aws(endpoint: str, key: str | None = MEMBER_KEY) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "aws", "endpointUrl": endpoint}
    if key:
        body |= {"accessKeyId": key, "secretAccessKey": "m" * 40}
    return body


def test_a_member_cannot_reach_loopback_or_metadata_addresses(tmp_path: Path) -> None:
    with listener() as target, served(tmp_path / "home") as server:
        local = f"http://127.0.0.1:{_port(target)}"
        with server.client(login(server, MEMBER[0])) as client:
            refused = {
                "loopback": client.post("/api/integrations/github/connect", json=_github(local)),
                "by name": client.post(
                    "/api/integrations/aws/connect",
                    json=_aws(f"http://localhost:{_port(target)}"),
                ),
                "mapped": client.post(
                    "/api/integrations/aws/connect",
                    json=_aws(f"http://[::ffff:127.0.0.1]:{_port(target)}"),
                ),
                "unspecified": client.post(
                    "/api/integrations/aws/connect", json=_aws(f"http://0.0.0.0:{_port(target)}")
                ),
                "metadata": client.post(
                    "/api/integrations/aws/connect", json=_aws("http://169.254.169.254")
                ),
                "private": client.post(
                    "/api/integrations/github/connect", json=_github("https://10.1.2.3/api/v3")
                ),
            }
            assert client.get("/api/integrations").json()["data"]["integrations"] == []
    for label, response in refused.items():
        body = assert_error(response, 400, "which this server does not contact")
        assert "--allow-endpoint-hosts" in response.headers.get("X-Sentinel-Hint", ""), label
    assert "link-local" in refused["metadata"].json()["message"]
    assert "resolves to a loopback" in refused["by name"].json()["message"]
    assert "private" in refused["private"].json()["message"], body
    assert target.connections == 0


def test_a_listed_host_is_allowed_and_only_on_its_port(tmp_path: Path) -> None:
    with (
        running_github_api(seed_org("acme")) as (base_url, _stand_in),
        listener() as other,
    ):
        port = base_url.split(":")[2].split("/")[0]
        allow = ("--allow-endpoint-hosts", f"127.0.0.1:{port}")
        with (
            served(tmp_path / "home", *allow) as server,
            server.client(login(server, MEMBER[0])) as client,
        ):
            allowed = client.post("/api/integrations/github/connect", json=_github(base_url))
            assert allowed.status_code == 201, allowed.text
            elsewhere = client.post(
                "/api/integrations/github/connect",
                json=_github(f"http://127.0.0.1:{_port(other)}"),
            )
            assert_error(elsewhere, 400, "loopback")
    assert other.connections == 0


def test_a_server_never_lends_its_own_aws_credentials(tmp_path: Path) -> None:
    server_keys = {"AWS_ACCESS_KEY_ID": SERVER_KEY, "AWS_SECRET_ACCESS_KEY": "s" * 40}
    with listener() as aws:
        endpoint = f"http://127.0.0.1:{_port(aws)}"
        with (
            served(
                tmp_path / "home", SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1", **server_keys
            ) as server,
            server.client(login(server, MEMBER[0])) as client,
        ):
            no_keys = client.post("/api/integrations/aws/connect", json=_aws(endpoint, None))
            assert_error(no_keys, 400, "does not lend its own AWS credentials")
            profile = client.post(
                "/api/integrations/aws/connect", json=_aws(endpoint, None) | {"profile": "x"}
            )
            assert_error(profile, 400, "does not lend its own AWS credentials")
            assert aws.connections == 0
            own = client.post("/api/integrations/aws/connect", json=_aws(endpoint))
            assert_error(own, 400, "could not use 127.0.0.1")  # HTML is not STS
        assert aws.seen, "the member's own keys were used to reach the endpoint"
        assert all(f"Credential={MEMBER_KEY}/" in auth for auth in aws.seen), aws.seen
        assert not any(SERVER_KEY in auth for auth in aws.seen)

        aws.seen.clear()
        with (
            served(
                tmp_path / "ambient",
                "--allow-ambient-aws-credentials",
                SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1",
                **server_keys,
            ) as server,
            server.client(login(server, MEMBER[0])) as client,
        ):
            lent = client.post("/api/integrations/aws/connect", json=_aws(endpoint, None))
            assert_error(lent, 400, "could not use 127.0.0.1")
        assert aws.seen and all(f"Credential={SERVER_KEY}/" in auth for auth in aws.seen)


def test_closed_and_open_ports_get_the_same_answer(tmp_path: Path) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    with (
        listener() as open_port,
        served(tmp_path / "home", SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1") as server,
    ):
        with server.client(login(server, MEMBER[0])) as client:
            answers = [
                client.post("/api/integrations/github/connect", json=_github(url))
                for url in (
                    f"http://127.0.0.1:{closed_port}",
                    f"http://127.0.0.1:{_port(open_port)}",
                )
            ]
            aws_answers = [
                client.post("/api/integrations/aws/connect", json=_aws(url))
                for url in (
                    f"http://127.0.0.1:{closed_port}",
                    f"http://127.0.0.1:{_port(open_port)}",
                )
            ]
        log = server.log()
    assert open_port.connections >= 2  # both open-port connects really were attempted
    for pair in (answers, aws_answers):
        bodies = [assert_error(r, 400, "could not use 127.0.0.1") for r in pair]
        assert bodies[0] == bodies[1]
        assert pair[0].headers.get("X-Sentinel-Hint") == pair[1].headers.get("X-Sentinel-Hint")
    assert "could not reach the GitHub API" in log  # the cause is in the operator's log


def test_a_stored_loopback_integration_is_not_collected_by_a_server(tmp_path: Path) -> None:
    """An integration connected on the machine itself (unrestricted), then collected through the
    server: the collection checks the endpoint too, and contacts nothing."""
    from sentinel_cli.operations.integrations import connect_github
    from sentinel_cli.secrets import open_secrets
    from sentinel_cli.store import open_store

    home = tmp_path / "home"
    home.mkdir()
    with listener() as target:
        settings = Server(home, server_env(home)).settings
        with open_store(settings) as store:
            integration = connect_github(
                store,
                open_secrets(settings, announce=False),
                org="acme",
                token=OWNER_TOKEN,
                base_url=f"http://127.0.0.1:{_port(target)}",
                verify=False,
            )
        with served(home) as server, server.client(login(server, MEMBER[0])) as client:
            started = client.post(f"/api/integrations/{integration['id']}/collect")
            assert started.status_code == 202, started.text
            job_id = started.json()["data"]["job"]["id"]
            job = _wait_for_job(client, job_id)
        assert job["status"] == "FAILED"
        assert "which this server does not contact" in (job["errorMessage"] or "")
        assert target.connections == 0


def _wait_for_job(client: Any, job_id: str) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}").json()["data"]["job"]
        if job["status"] != "RUNNING":
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still running")


def test_serve_refuses_a_malformed_allow_list() -> None:
    from tests.helpers.cli import Cli

    result = Cli()("serve", "--allow-endpoint-hosts", "10.0.0.0/8, bad host")
    assert result.exit_code == 2
    assert "'bad host'" in result.stderr and "not a hostname" in result.stderr

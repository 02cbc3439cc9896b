"""Continuous monitoring end to end, over real processes: ``sentinel serve`` with its embedded
worker, the GitHub stand-in, a webhook receiver and an SMTP server, all on 127.0.0.1 (allowed with
``--allow-endpoint-hosts 127.0.0.1``, the flag the embedded worker inherits).

A collection triggered through the API reaches the receiver as one signed POST listing the new
failing items; a one-minute schedule makes a second collection within 90 s, and, nothing having
changed, no second "new failures" message; an email destination's test message reaches the SMTP
server.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
from sentinel_cli.standins.github_seed import seed_org
from tests.helpers.server import Server, add_users, data_of, free_port, login, server_env
from tests.helpers.waiting import wait_until


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []
    handler = type("Hook", (_Hook,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sentinel-hook", received
    finally:
        server.shutdown()
        server.server_close()


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, _Mailbox]]:
    mailbox = _Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()


@pytest.mark.long_wait
def test_collections_schedules_and_notifications_end_to_end(
    tmp_path: Path,
    receiver: tuple[str, list[tuple[dict[str, str], bytes]]],
    smtp: tuple[int, _Mailbox],
) -> None:
    hook_url, received = receiver
    smtp_port, mailbox = smtp
    home = tmp_path / "home"
    home.mkdir()
    server = Server(
        home,
        server_env(home, SENTINEL_RATE_LIMIT="100000/900"),
        args=("--allow-endpoint-hosts", "127.0.0.1"),
    )
    add_users(server.settings, ("admin@example.com", "ADMIN"))
    server.start()
    try:
        client = server.client(login(server, "admin@example.com"))
        with running_github_api(seed_org("acme")) as (base_url, _github):
            body = {"orgName": "acme", "token": OWNER_TOKEN, "baseUrl": base_url, "name": "Acme"}
            iid = data_of(client.post("/api/integrations/github/connect", json=body), 201)[
                "integration"
            ]["id"]

            added = data_of(
                client.post("/api/notifications", json={"kind": "webhook", "url": hook_url}), 201
            )
            secret = added["signingSecret"]
            assert secret and secret not in json.dumps(data_of(client.get("/api/notifications")))

            # Email: SMTP settings, a destination, and its test message through a real server.
            data_of(
                client.put(
                    "/api/notifications/smtp",
                    json={
                        "host": "127.0.0.1",
                        "port": smtp_port,
                        "fromAddress": "sentinel@example.com",
                    },
                )
            )
            email = data_of(
                client.post(
                    "/api/notifications",
                    json={"kind": "email", "to": "audit@example.com", "events": ["fixed"]},
                ),
                201,
            )
            tested = data_of(client.post(f"/api/notifications/{email['destination']['id']}/test"))
            assert tested["delivery"]["status"] == "DELIVERED", tested
            [(sender, recipients, raw)] = mailbox.messages
            assert recipients == ["audit@example.com"] and sender == "sentinel@example.com"
            assert "Sentinel" in (message_from_bytes(raw)["Subject"] or "")

            # 1. A collection through the API: one signed POST with the new failing items.
            started = data_of(client.post(f"/api/integrations/{iid}/collect"), 202)["job"]
            assert started["trigger"] == "api" and started["queuedAt"]
            wait_until(lambda: received, 60, "the new-failures webhook")
            time.sleep(1.0)
            assert len(received) == 1, [h.get("x-sentinel-event") for h, _ in received]
            headers, raw_body = received[0]
            assert headers["content-type"].startswith("application/json")
            assert headers["x-sentinel-event"] == "new-failures"
            uuid.UUID(headers["x-sentinel-delivery"])
            expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(headers["x-sentinel-signature"], f"sha256={expected}")
            payload = json.loads(raw_body)
            assert payload["event"] == "new-failures"
            assert payload["integrationId"] == iid and payload["jobId"] == started["id"]
            assert payload["collectedAt"] and payload["counts"]
            assert payload["items"], payload
            for item in payload["items"]:
                assert item["status"] == "FAIL"
                assert item["checkId"] and item["resourceId"] and item["severity"]
            assert secret not in raw_body.decode() and OWNER_TOKEN not in raw_body.decode()

            # 2. A one-minute schedule: a second collection within 90 s, nothing new to say.
            schedule = data_of(
                client.put(f"/api/integrations/{iid}/schedule", json={"every": "1m"})
            )
            assert schedule["schedule"]["every"] == "1m"

            def scheduled_done() -> dict[str, Any] | None:
                jobs = data_of(client.get(f"/api/integrations/{iid}/jobs"))["jobs"]
                done = [j for j in jobs if j["trigger"] == "schedule" and j["status"] != "RUNNING"]
                return done[0] if done else None

            second = wait_until(scheduled_done, 90, "the scheduled collection")
            assert second["status"] in ("COMPLETED", "PARTIAL"), second
            time.sleep(3.0)  # room for a (wrong) second message to arrive
            assert [h["x-sentinel-event"] for h, _ in received] == ["new-failures"]

            log = data_of(client.get("/api/notifications/deliveries"))["deliveries"]
            webhook_log = [d for d in log if d["destinationId"] == added["destination"]["id"]]
            assert [d["status"] for d in webhook_log] == ["DELIVERED"]
    finally:
        server.stop()

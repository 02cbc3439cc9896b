"""Notifications over real HTTP (ADMIN only): add (the signing secret in that answer only), list,
test against a receiver on 127.0.0.1 (allowed by the shared server's outbound rule), the delivery
log, the SMTP settings (the password in, never out), removal, and a server whose outbound rule
refuses loopback: no connection at all."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from tests.helpers.server import Api, assert_error, data_of, login, running_server
from tests.notify.receiver import http_receiver, smtp_server

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("role", ["MEMBER", "VIEWER"])
def test_only_admins_manage_notifications(api: Api, role: str) -> None:
    client = api.as_(role)
    for method, path, body in [
        ("GET", "/api/notifications", None),
        ("POST", "/api/notifications", {"kind": "email", "to": "a@example.com"}),
        ("DELETE", "/api/notifications/abcd", None),
        ("POST", "/api/notifications/abcd/test", None),
        ("GET", "/api/notifications/deliveries", None),
        ("GET", "/api/notifications/smtp", None),
        ("PUT", "/api/notifications/smtp", {"host": "127.0.0.1"}),
    ]:
        assert_error(client.request(method, path, json=body), 403)


def test_an_admin_adds_tests_reads_the_log_and_removes_a_webhook(api: Api) -> None:
    admin = api.as_("ADMIN")
    with http_receiver() as receiver:
        added = data_of(
            admin.post(
                "/api/notifications",
                json={"kind": "webhook", "url": receiver.url, "events": ["new-failures", "fixed"]},
            ),
            201,
        )
        secret = added["signingSecret"]
        destination = added["destination"]
        assert len(secret) == 64 and destination["target"] == receiver.url
        listed = data_of(admin.get("/api/notifications"))["destinations"]
        assert destination in listed and secret not in json.dumps(listed)
        delivery = data_of(admin.post(f"/api/notifications/{destination['id']}/test"))["delivery"]
    assert delivery["status"] == "DELIVERED" and delivery["responseStatus"] == 200
    [request] = receiver.requests
    expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-sentinel-signature"] == f"sha256={expected}"
    assert request.headers["x-sentinel-delivery"] == delivery["id"]
    body = json.loads(request.body)
    assert body["event"] == "test" and set(body) == {
        "event",
        "integrationId",
        "jobId",
        "collectedAt",
        "counts",
        "items",
        "url",
    }
    log = data_of(
        admin.get(
            "/api/notifications/deliveries",
            params={"destinationId": destination["id"], "status": "DELIVERED", "limit": 5},
        )
    )["deliveries"]
    assert [d["id"] for d in log] == [delivery["id"]]
    assert secret not in json.dumps(log)
    removed = data_of(admin.delete(f"/api/notifications/{destination['id']}"))["destination"]
    assert removed["id"] == destination["id"]
    assert_error(admin.post(f"/api/notifications/{destination['id']}/test"), 404)
    assert_error(
        admin.post("/api/notifications", json={"kind": "webhook", "url": "ftp://x"}), 400, "http"
    )
    assert_error(
        admin.get("/api/notifications/deliveries", params={"status": "LOST"}), 400, "status"
    )


def test_smtp_settings_keep_the_password_out_of_every_answer(api: Api) -> None:
    admin = api.as_("ADMIN")
    with smtp_server(login=("mailer", "api-smtp-secret")) as box:
        saved = data_of(
            admin.put(
                "/api/notifications/smtp",
                json={
                    "host": box.host,
                    "port": box.port,
                    "user": "mailer",
                    "password": "api-smtp-secret",
                    "fromAddress": "alerts@example.com",
                },
            )
        )["smtp"]
        assert saved["passwordSet"] is True and saved["port"] == box.port
        shown = admin.get("/api/notifications/smtp")
        assert "api-smtp-secret" not in shown.text
        assert data_of(shown)["smtp"]["fromAddress"] == "alerts@example.com"
        email = data_of(
            admin.post("/api/notifications", json={"kind": "email", "to": "soc@example.com"}), 201
        )
        assert email["signingSecret"] is None
        delivered = data_of(admin.post(f"/api/notifications/{email['destination']['id']}/test"))
        assert delivered["delivery"]["status"] == "DELIVERED", delivered
        admin.delete(f"/api/notifications/{email['destination']['id']}")
    assert box.logins == [("mailer", "api-smtp-secret")]
    assert box.messages[0]["To"] == "soc@example.com"
    assert "api-smtp-secret" not in api.server.log()


def test_a_server_that_does_not_allow_loopback_never_contacts_it(tmp_path: Path) -> None:
    with (
        running_server(tmp_path / "home", ("admin@example.com", "ADMIN")) as server,
        http_receiver() as receiver,
        server.client(login(server, "admin@example.com")) as admin,
    ):
        assert_error(
            admin.post("/api/notifications", json={"kind": "webhook", "url": receiver.url}),
            400,
            "loopback address",
        )
        # A destination added before the rule changed (here: on this machine's CLI side) is
        # refused when sent, still without a connection.
        from sentinel_cli.operations import notify
        from sentinel_cli.secrets import open_secrets
        from sentinel_cli.store import open_store

        with open_store(server.settings) as store:
            added = notify.add_destination(
                store, open_secrets(server.settings), kind="slack", url=receiver.url + "/T/B/x"
            )
        tested = data_of(admin.post(f"/api/notifications/{added['destination']['id']}/test"))
    assert tested["delivery"]["status"] == "FAILED"
    assert "loopback address" in tested["delivery"]["lastError"]
    assert receiver.requests == []

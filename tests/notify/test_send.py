"""Sending, to real receivers on 127.0.0.1: the signed webhook POST (headers, HMAC of the raw
body), Slack, retries and permanent failures, the outbound rule (no connection at all when it
refuses), email through a real SMTP server (aiosmtpd), and no secret anywhere it could leak."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.egress import EgressPolicy
from sentinel_cli.errors import InvalidInput
from sentinel_cli.operations import notify
from sentinel_cli.operations.notify_send import FAILED, RETRY
from sentinel_cli.secrets import FileSecrets
from sentinel_cli.store import Store
from tests.helpers.estate import Estate
from tests.notify.receiver import http_receiver, smtp_server

REFUSING = EgressPolicy.server({})
"""A server's rule with no allowance: loopback is refused."""
ALLOWING = EgressPolicy.server({"SENTINEL_ALLOW_ENDPOINT_HOSTS": "127.0.0.1"})


def _secrets(store: Store) -> FileSecrets:
    """The file secrets of the test's home (beside the SQLite file; the home also when the store
    is on PostgreSQL)."""
    return FileSecrets(Settings.from_env().home / "secrets.json")


def _plan(estate: Estate) -> str:
    [delivery] = notify.plan_job_deliveries(estate.store, estate.jobs["prod-1"])
    return delivery


def _delivery(store: Store, delivery_id: str) -> dict[str, Any]:
    [row] = [d for d in notify.list_deliveries(store) if d["id"] == delivery_id]
    return dict(row)


def test_a_webhook_delivery_is_a_signed_post_of_the_stored_body(estate: Estate) -> None:
    store = estate.store
    with http_receiver() as receiver:
        added = notify.add_destination(
            store, _secrets(store), kind="webhook", url=receiver.url, events="new-failures"
        )
        secret = added["signingSecret"]
        assert secret is not None and len(secret) == 64
        delivery = _plan(estate)
        outcome = notify.deliver(store, _secrets(store), None, delivery, egress=ALLOWING)
        assert outcome == "DELIVERED"
        # Delivered once: sending again sends nothing.
        assert notify.deliver(store, _secrets(store), None, delivery) == "DELIVERED"
    [request] = receiver.requests
    assert request.path == "/hook"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-sentinel-event"] == "new-failures"
    assert request.headers["x-sentinel-delivery"] == delivery
    expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["x-sentinel-signature"], f"sha256={expected}")
    body = json.loads(request.body)
    assert body["event"] == "new-failures" and body["jobId"] == estate.jobs["prod-1"]
    assert secret not in request.body.decode()
    logged = _delivery(store, delivery)
    assert logged["status"] == "DELIVERED" and logged["attempts"] == 1
    assert logged["responseStatus"] == 200 and logged["deliveredAt"] is not None
    # The secret is never shown again.
    assert secret not in json.dumps(notify.list_destinations(store))
    assert secret not in json.dumps(notify.list_deliveries(store))


def test_a_failing_receiver_is_retried_then_failed_on_the_last_attempt(estate: Estate) -> None:
    store = estate.store
    with http_receiver(500, 503, answer=b"upstream sad") as receiver:
        notify.add_destination(store, _secrets(store), kind="webhook", url=receiver.url)
        delivery = _plan(estate)
        assert notify.deliver(store, _secrets(store), None, delivery) == RETRY
        pending = _delivery(store, delivery)
        assert pending["status"] == "PENDING" and pending["attempts"] == 1
        assert pending["lastError"] == "HTTP 500: upstream sad"
        assert notify.deliver(store, _secrets(store), None, delivery, final=True) == FAILED
    assert len(receiver.requests) == 2
    # Retries send the same bytes under the same delivery id.
    assert receiver.requests[0].body == receiver.requests[1].body
    assert {r.headers["x-sentinel-delivery"] for r in receiver.requests} == {delivery}
    failed = _delivery(store, delivery)
    assert failed["status"] == "FAILED" and failed["attempts"] == 2
    assert failed["responseStatus"] == 503
    assert notify.list_deliveries(store, status="failed") == [failed]
    assert notify.list_deliveries(store, status="DELIVERED") == []


@pytest.mark.parametrize("status", [404, 410, 302])
def test_a_refusing_receiver_is_failed_at_once(estate: Estate, status: int) -> None:
    store = estate.store
    with http_receiver(status) as receiver:
        notify.add_destination(store, _secrets(store), kind="webhook", url=receiver.url)
        delivery = _plan(estate)
        assert notify.deliver(store, _secrets(store), None, delivery) == FAILED
    assert len(receiver.requests) == 1
    assert _delivery(store, delivery)["responseStatus"] == status


def test_429_and_an_unreachable_receiver_are_retried(estate: Estate) -> None:
    store = estate.store
    with http_receiver(429) as receiver:
        notify.add_destination(store, _secrets(store), kind="webhook", url=receiver.url)
        delivery = _plan(estate)
        assert notify.deliver(store, _secrets(store), None, delivery) == RETRY
        closed = receiver.url
    # The receiver is gone: connection refused is worth another try.
    assert notify.deliver(store, _secrets(store), None, delivery) == RETRY
    assert "could not connect" in (_delivery(store, delivery)["lastError"] or "")
    assert closed not in (_delivery(store, delivery)["lastError"] or "")


def test_the_outbound_rule_fails_a_delivery_without_any_connection(estate: Estate) -> None:
    store = estate.store
    with http_receiver() as receiver:
        notify.add_destination(store, _secrets(store), kind="webhook", url=receiver.url)
        delivery = _plan(estate)
        assert notify.deliver(store, _secrets(store), None, delivery, egress=REFUSING) == FAILED
    assert receiver.requests == []
    error = _delivery(store, delivery)["lastError"] or ""
    assert "loopback address, which this server does not contact" in error
    # Adding such a destination on a server is refused at once, too.
    with pytest.raises(InvalidInput, match="loopback"):
        notify.add_destination(
            store, _secrets(store), kind="webhook", url="http://127.0.0.1:9/x", egress=REFUSING
        )


def test_slack_gets_its_message_and_its_url_stays_secret(estate: Estate) -> None:
    store = estate.store
    with http_receiver(403, answer=b"invalid_token") as receiver:
        slack_url = receiver.url + "/T000/B000/s3cr3tT0ken"
        added = notify.add_destination(store, _secrets(store), kind="slack", url=slack_url)
        destination = added["destination"]
        assert added["signingSecret"] is None
        assert destination["target"] == f"http://{receiver.url.split('/')[2]}/****"
        delivery = _plan(estate)
        assert notify.deliver(store, _secrets(store), None, delivery, egress=ALLOWING) == FAILED
        test = notify.send_test(store, _secrets(store), destination["id"][:8], egress=ALLOWING)
    first, second = receiver.requests
    assert first.path == "/hook/T000/B000/s3cr3tT0ken"
    assert "x-sentinel-signature" not in first.headers
    assert json.loads(first.body)["text"] == "Sentinel: 1 new failing item in prod"
    assert json.loads(second.body)["text"].startswith("Sentinel: Test message")
    assert test["status"] == "DELIVERED" and test["event"] == "test"
    everything = json.dumps([notify.list_destinations(store), notify.list_deliveries(store)])
    assert "s3cr3tT0ken" not in everything
    assert "HTTP 403: invalid_token" in everything


def test_a_removed_destination_takes_its_secret_and_fails_its_pending_deliveries(
    estate: Estate,
) -> None:
    store = estate.store
    added = notify.add_destination(
        store, _secrets(store), kind="webhook", url="http://127.0.0.1:9/x"
    )
    delivery = _plan(estate)
    key = f"notify:{added['destination']['id']}"
    assert _secrets(store).get(key) is not None
    notify.remove_destination(store, _secrets(store), added["destination"]["id"])
    assert _secrets(store).get(key) is None
    assert notify.deliver(store, _secrets(store), None, delivery) == FAILED
    logged = _delivery(store, delivery)
    assert logged["lastError"] == "the destination was removed" and logged["kind"] is None
    # The log of a removed destination stays reachable by its full id.
    assert notify.list_deliveries(store, destination=added["destination"]["id"]) == [logged]


def test_email_goes_through_the_smtp_server_with_its_login(estate: Estate) -> None:
    store = estate.store
    secrets = _secrets(store)
    notify.add_destination(store, secrets, kind="email", to="soc@example.com")
    delivery = _plan(estate)
    assert notify.deliver(store, secrets, None, delivery) == FAILED  # no SMTP server yet
    assert "SMTP is not configured" in (_delivery(store, delivery)["lastError"] or "")

    with smtp_server(login=("mailer", "smtp-pass-123")) as box:
        saved = notify.set_smtp(
            store,
            secrets,
            host=box.host,
            port=box.port,
            user="mailer",
            from_address="sentinel@example.com",
            password="smtp-pass-123",
        )
        assert saved["passwordSet"] and saved["configured"] and saved["port"] == box.port
        assert "smtp-pass-123" not in json.dumps(notify.get_smtp(store))
        tested = notify.send_test(store, secrets, notify.list_destinations(store)[0]["id"])
        assert tested["status"] == "DELIVERED", tested
    [message] = box.messages
    assert box.logins == [("mailer", "smtp-pass-123")]
    assert box.envelopes == [("sentinel@example.com", ["soc@example.com"])]
    assert message["To"] == "soc@example.com" and message["X-Sentinel-Event"] == "test"
    assert message["Subject"].startswith("[Sentinel] Test message")
    assert "smtp-pass-123" not in message.as_string()


def test_a_wrong_smtp_password_is_a_permanent_failure_without_the_password(
    estate: Estate,
) -> None:
    store = estate.store
    secrets = _secrets(store)
    destination = notify.add_destination(store, secrets, kind="email", to="soc@example.com")
    with smtp_server(login=("mailer", "right-password")) as box:
        notify.set_smtp(
            store, secrets, host=box.host, port=box.port, user="mailer", password="wrong-pass"
        )
        tested = notify.send_test(store, secrets, destination["destination"]["id"])
    assert tested["status"] == "FAILED"
    assert tested["lastError"] == "the SMTP server refused the user name or password"
    assert box.messages == []


def test_the_smtp_host_obeys_the_outbound_rule(estate: Estate) -> None:
    store = estate.store
    secrets = _secrets(store)
    destination = notify.add_destination(store, secrets, kind="email", to="soc@example.com")
    with smtp_server() as box:
        notify.set_smtp(store, secrets, host=box.host, port=box.port)
        tested = notify.send_test(store, secrets, destination["destination"]["id"], egress=REFUSING)
        assert box.messages == []
        assert "SMTP host: 127.0.0.1 is a loopback address" in (tested["lastError"] or "")
        allowed = notify.send_test(
            store, secrets, destination["destination"]["id"], egress=ALLOWING
        )
    assert allowed["status"] == "DELIVERED" and len(box.messages) == 1


def test_smtp_settings_rules(estate: Estate) -> None:
    store = estate.store
    secrets = _secrets(store)
    assert notify.get_smtp(store)["configured"] is False
    with pytest.raises(InvalidInput, match="--user needs a password"):
        notify.set_smtp(store, secrets, host="127.0.0.1", user="u")
    with pytest.raises(InvalidInput, match="needs a user name"):
        notify.set_smtp(store, secrets, host="127.0.0.1", password="p")
    with pytest.raises(InvalidInput, match="--port"):
        notify.set_smtp(store, secrets, host="127.0.0.1", port=70000)
    with pytest.raises(InvalidInput, match="--host"):
        notify.set_smtp(store, secrets, host="bad host/")
    notify.set_smtp(store, secrets, host="127.0.0.1", user="u", password="pw-1")
    # Without a new password the stored one is kept; without a user it is removed.
    kept = notify.set_smtp(store, secrets, host="127.0.0.1", user="u", starttls=True)
    assert kept["passwordSet"] and kept["port"] == 587 and secrets.get("notify:smtp-password")
    cleared = notify.set_smtp(store, secrets, host="127.0.0.1")
    assert not cleared["passwordSet"] and cleared["port"] == 25
    assert secrets.get("notify:smtp-password") is None


def test_the_readme_verification_snippet_accepts_a_real_delivery(estate: Estate) -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    [snippet] = [
        block.split("```", 1)[0]
        for block in readme.split("```python\n")[1:]
        if "def verify(" in block
    ]
    scope: dict[str, Any] = {}
    exec(snippet, scope)  # the README's own code, run as a reader would
    store = estate.store
    with http_receiver() as receiver:
        added = notify.add_destination(store, _secrets(store), kind="webhook", url=receiver.url)
        notify.send_test(store, _secrets(store), added["destination"]["id"])
    [request] = receiver.requests
    secret = added["signingSecret"]
    assert scope["verify"](request.body, request.headers["x-sentinel-signature"], secret)
    assert not scope["verify"](
        request.body + b"\n", request.headers["x-sentinel-signature"], secret
    )


def test_a_webhook_urls_password_and_query_are_sent_but_never_listed(estate: Estate) -> None:
    store = estate.store
    with http_receiver() as receiver:
        host = receiver.url.split("/")[2]
        url = f"http://hook-user:hook-pass@{host}/in?token=q-secret-1"
        added = notify.add_destination(store, _secrets(store), kind="webhook", url=url)
        assert added["destination"]["target"] == f"http://****@{host}/in?****"
        tested = notify.send_test(store, _secrets(store), added["destination"]["id"])
    assert tested["status"] == "DELIVERED"
    [request] = receiver.requests
    assert request.path == "/in?token=q-secret-1"
    assert request.headers["authorization"].startswith("Basic ")
    shown = json.dumps([notify.list_destinations(store), notify.list_deliveries(store)])
    assert "hook-pass" not in shown and "q-secret-1" not in shown


def test_a_destination_whose_secret_is_gone_fails_without_sending(estate: Estate) -> None:
    store = estate.store
    with http_receiver() as receiver:
        added = notify.add_destination(store, _secrets(store), kind="webhook", url=receiver.url)
        _secrets(store).delete(f"notify:{added['destination']['id']}")
        tested = notify.send_test(store, _secrets(store), added["destination"]["id"])
    assert tested["status"] == "FAILED" and receiver.requests == []
    assert tested["lastError"] == "the URL is missing from the secrets backend"

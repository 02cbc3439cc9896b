"""``sentinel notify`` logged in to a server: the destinations, secrets and SMTP settings are the
server's (its store and secrets backend, none on the client machine), the test message leaves
from the server, and a VIEWER is refused."""

from __future__ import annotations

import json

from sentinel_cli.secrets import FileSecrets
from tests.helpers.client_mode import VIEWER, Sides
from tests.notify.receiver import http_receiver


def test_notify_commands_act_on_the_servers_store_and_secrets(sides: Sides) -> None:
    sides.login()
    with http_receiver() as receiver:
        added = sides.client("notify", "add", "--kind", "webhook", "--url", receiver.url, "--json")
        assert added.exit_code == 0, added.stderr
        destination = added.json()["destination"]
        secret = added.json()["signingSecret"]
        server_secrets = FileSecrets(sides.server.home / "secrets.json")
        assert json.loads(server_secrets.get(f"notify:{destination['id']}") or "{}") == {
            "signingSecret": secret,
            "url": receiver.url,
        }
        client_secrets = (sides.client_home / "secrets.json").read_text()
        assert secret not in client_secrets
        listed = sides.client("notify", "list", "--json")
        assert listed.stdout == sides.local("notify", "list", "--json").stdout
        tested = sides.client("notify", "test", destination["id"][:8])
        assert tested.exit_code == 0, tested.stderr
        assert len(receiver.requests) == 1
    log = sides.client("notify", "log", "--json").json()["deliveries"]
    assert log[0]["status"] == "DELIVERED" and log[0]["destinationId"] == destination["id"]
    smtp = sides.client(
        "notify",
        "smtp",
        "--host",
        "127.0.0.1",
        "--port",
        "2525",
        "--user",
        "mailer",
        "--password-stdin",
        "--json",
        input="client-side-smtp-pw\n",
    )
    assert smtp.exit_code == 0, smtp.stderr
    assert server_secrets.get("notify:smtp-password") == "client-side-smtp-pw"
    assert "client-side-smtp-pw" not in (sides.client_home / "secrets.json").read_text()
    assert sides.client("notify", "remove", destination["id"]).exit_code == 0
    sides.login(VIEWER)
    refused = sides.client("notify", "list")
    assert refused.exit_code == 8 and "ADMIN role" in refused.stderr

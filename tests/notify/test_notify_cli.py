"""``sentinel notify`` in-process on a local home: add (the signing secret printed once), list,
test against a real receiver on 127.0.0.1, log, remove, and the SMTP settings with the password
read from standard input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cli import Cli
from tests.helpers.estate import squash
from tests.notify.receiver import http_receiver, smtp_server


def _secrets(home: Path) -> dict[str, str]:
    return dict(json.loads((home / "secrets.json").read_text()))


def test_add_prints_the_signing_secret_once_and_list_never(cli: Cli, home: Path) -> None:
    added = cli(
        "notify",
        "add",
        "--kind",
        "webhook",
        "--url",
        "http://127.0.0.1:9/hook",
        "--on",
        "new-failures,fixed",
        "--min-severity",
        "HIGH",
    )
    assert added.exit_code == 0, added.stderr
    [secret_line] = [
        line for line in added.stdout.splitlines() if line.startswith("Signing secret")
    ]
    secret = secret_line.split(": ", 1)[1]
    assert len(secret) == 64
    assert "will not be shown again" in added.stdout
    [stored] = [json.loads(v) for k, v in _secrets(home).items() if k.startswith("notify:")]
    assert stored == {"signingSecret": secret, "url": "http://127.0.0.1:9/hook"}
    listed = cli("notify", "list", "--json")
    assert listed.exit_code == 0
    [destination] = listed.json()["destinations"]
    assert destination["events"] == ["new-failures", "fixed"]
    assert destination["minSeverity"] == "high"
    assert secret not in listed.stdout and secret not in cli("notify", "list").stdout
    as_json = cli("notify", "add", "--kind", "webhook", "--url", "http://127.0.0.1:9/h", "--json")
    assert len(as_json.json()["signingSecret"]) == 64


def test_bad_input_is_refused_with_exit_2(cli: Cli) -> None:
    cases = [
        (["--kind", "pager", "--url", "http://127.0.0.1/"], "not a destination kind"),
        (["--kind", "email"], "--to is required"),
        (["--kind", "email", "--to", "nobody"], "not an email address"),
        (["--kind", "slack"], "--url is required"),
        (
            ["--kind", "webhook", "--url", "http://127.0.0.1/", "--on", "everything"],
            "unknown event",
        ),
    ]
    for args, message in cases:
        result = cli("notify", "add", *args)
        assert result.exit_code == 2, (args, result.stdout)
        assert message in squash(result.stderr), result.stderr
    assert "Traceback" not in result.stderr


def test_test_log_and_remove(cli: Cli) -> None:
    with http_receiver(200, 500) as receiver:
        cli("notify", "add", "--kind", "webhook", "--url", receiver.url)
        ident = cli("notify", "list", "--json").json()["destinations"][0]["id"]
        ok = cli("notify", "test", ident[:8])
        assert ok.exit_code == 0, ok.stderr
        assert "Delivered the test message" in ok.stdout and "(HTTP 200)" in ok.stdout
        failed = cli("notify", "test", ident, "--json")
        assert failed.exit_code == 4
        assert failed.json()["delivery"]["status"] == "FAILED"
        assert "not delivered: HTTP 500" in squash(failed.stderr)
    assert [r.headers["x-sentinel-event"] for r in receiver.requests] == ["test", "test"]
    log = cli("notify", "log", "--json")
    assert [d["status"] for d in log.json()["deliveries"]] == ["FAILED", "DELIVERED"]
    assert len(cli("notify", "log", "--limit", "1", "--json").json()["deliveries"]) == 1
    assert (
        cli("notify", "log", "--destination", ident[:6], "--status", "delivered", "--json").json()[
            "deliveries"
        ][0]["responseStatus"]
        == 200
    )
    table = cli("notify", "log")
    assert "HTTP 500" in table.stdout and "test" in table.stdout
    removed = cli("notify", "remove", ident[:8])
    assert removed.exit_code == 0 and "Removed webhook destination" in removed.stdout
    assert cli("notify", "list", "--json").json() == {"destinations": []}
    gone = cli("notify", "test", ident)
    assert gone.exit_code == 3 and "no notification destination" in gone.stderr
    # The log outlives the destination.
    assert "(removed)" in cli("notify", "log").stdout


def test_smtp_settings_take_the_password_from_stdin_and_never_show_it(cli: Cli, home: Path) -> None:
    assert "No SMTP server set" in cli("notify", "smtp").stdout
    with smtp_server(login=("mailer", "pw-from-stdin")) as box:
        saved = cli(
            "notify",
            "smtp",
            "--host",
            box.host,
            "--port",
            str(box.port),
            "--user",
            "mailer",
            "--from",
            "alerts@example.com",
            "--password-stdin",
            "--json",
            input="pw-from-stdin\n",
        )
        assert saved.exit_code == 0, saved.stderr
        assert saved.json()["smtp"]["passwordSet"] is True
        assert _secrets(home)["notify:smtp-password"] == "pw-from-stdin"
        cli("notify", "add", "--kind", "email", "--to", "soc@example.com")
        ident = cli("notify", "list", "--json").json()["destinations"][0]["id"]
        sent = cli("notify", "test", ident)
        assert sent.exit_code == 0, sent.stderr
    assert box.logins == [("mailer", "pw-from-stdin")]
    assert box.messages[0]["From"] == "alerts@example.com"
    shown = cli("notify", "smtp")
    assert "set (in the secrets backend)" in shown.stdout
    assert "pw-from-stdin" not in shown.stdout + cli("notify", "smtp", "--json").stdout
    # With --user and no --password-stdin the password is prompted for; empty keeps it.
    kept = cli("notify", "smtp", "--host", "127.0.0.1", "--user", "mailer", "--json", input="\n")
    assert kept.exit_code == 0, kept.stderr
    assert _secrets(home)["notify:smtp-password"] == "pw-from-stdin"
    refused = cli("notify", "smtp", "--host", "127.0.0.1", "--port", "0")
    assert refused.exit_code == 2 and "--port must be between 1 and 65535" in refused.stderr


@pytest.mark.parametrize("columns", [40, 120])
def test_list_and_log_read_whole_on_narrow_and_wide_terminals(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    """Every event reads "all" (a six-line cell otherwise), a refusal's full text stays in the log
    (wrapped, never cut), and no line is wider than the terminal but a whole URL's."""
    url = "http://127.0.0.1:9/a-rather-long/path/to/the-receiver"
    assert cli("notify", "add", "--kind", "webhook", "--url", url).exit_code == 0
    cli("notify", "add", "--kind", "email", "--to", "security-team@example.com", "--on", "fixed")
    [ident] = [
        d["id"]
        for d in cli("notify", "list", "--json").json()["destinations"]
        if d["kind"] == "email"
    ]
    assert cli("notify", "test", ident).exit_code == 4  # no SMTP server: the log keeps why
    monkeypatch.setenv("SENTINEL_RICH_TABLES", "1")
    monkeypatch.setenv("COLUMNS", str(columns))
    from sentinel_cli.cli import console

    monkeypatch.setattr(console, "_stdout_console", None)  # a console of this width
    listed = cli("notify", "list")
    assert listed.exit_code == 0, listed.stderr
    assert "fixed" in listed.stdout and "collection-failed" not in listed.stdout  # the six: "all"
    assert url in listed.stdout
    log = cli("notify", "log")
    assert log.exit_code == 0, log.stderr
    assert "…" not in log.stdout
    assert "sentinel notify smtp --host HOST --port PORT" in " ".join(log.stdout.split())
    assert all(len(line) <= columns for line in log.stdout.splitlines()), log.stdout

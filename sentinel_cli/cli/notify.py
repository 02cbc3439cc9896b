"""``sentinel notify``: where Sentinel sends word of new failures, fixes, failed collections and
due reminders (Slack, a signed webhook, email), the SMTP server of email, the delivery log, and a
test message.

Thin adapters over ``operations.notify`` through ``context.backend()``: the local store, or the
server logged in to (ADMIN there). Secrets never travel on the command line: the SMTP password is
read from standard input (``--password-stdin``) or a hidden prompt; a webhook's signing secret is
printed once, by ``add``, and never again.
"""

from __future__ import annotations

from typing import Any

import typer

from sentinel_cli.cli import console, context
from sentinel_cli.cli.options import JSON_OPTION
from sentinel_cli.wire import NOTIFY_EVENTS

app = typer.Typer(
    help="Notifications: Slack, signed webhooks and email after collections, and reminders."
)

EVENTS = NOTIFY_EVENTS
"""The help lists them; a destination that wants every one of them shows "all"."""
EVENTS_HELP = f"Comma list of events: {', '.join(EVENTS)} (default: all)."


def _say(message: str) -> None:
    """A line with an id, a URL or a command in it: never wrapped (``console.line``)."""
    from rich.markup import escape

    console.line(escape(message))


def _prose(message: str) -> None:
    """A sentence: wrapped at the terminal's width, between words."""
    from rich.markup import escape

    console.out().print(escape(message))


def _events(events: list[str]) -> str:
    """Every event reads "all" (as the web page shows it, and as ``--on`` defaults)."""
    return "all" if sorted(events) == sorted(EVENTS) else ", ".join(events)


def _render_destinations(items: list[dict[str, Any]]) -> None:
    console.table(
        "Notification destinations",
        ["ID", "Kind", "Target", "Events", "Min severity", "Added"],
        [
            (
                d["id"][:8],
                d["kind"],
                d["target"],
                _events(d["events"]),
                d["minSeverity"] or "all",
                (d["createdAt"] or "")[:10],
            )
            for d in items
        ],
        empty="No destinations yet: sentinel notify add --kind webhook --url URL",
        caption="IDs are shortened; any unique prefix works, --json shows them whole.",
    )


@app.command("add")
def add(
    kind: str = typer.Option(..., "--kind", help="slack, webhook or email."),
    url: str = typer.Option(None, "--url", help="slack and webhook: where messages are POSTed."),
    to: str = typer.Option(None, "--to", metavar="ADDR", help="email: the recipient address."),
    on: str = typer.Option(None, "--on", metavar="EVENTS", help=EVENTS_HELP),
    min_severity: str = typer.Option(
        None,
        "--min-severity",
        help="Leave out items less severe than this: critical, high, medium, low, info.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a destination. A webhook's signing secret is printed once: keep it now."""
    with context.backend() as backend:
        added = backend.add_notification(
            kind=kind, url=url, to=to, events=on, min_severity=min_severity
        )
    destination = added["destination"]

    def render() -> None:
        _say(f"Added {destination['kind']} destination {destination['id']}")
        _say(f"Target: {destination['target']}")
        _prose(f"Events: {_events(destination['events'])}")
        if destination["minSeverity"]:
            _say(f"Min severity: {destination['minSeverity']}")
        if added["signingSecret"]:
            console.line(f"Signing secret: {added['signingSecret']}")
            _prose(
                "This secret will not be shown again: give it to the receiver now "
                "(it verifies X-Sentinel-Signature with it)."
            )
        _say(f"Next: sentinel notify test {destination['id']}")

    console.emit(added, as_json, render)


@app.command("list")
def list_destinations(as_json: bool = JSON_OPTION) -> None:
    """List destinations and the events each wants."""
    with context.backend() as backend:
        items = backend.list_notifications()
    console.emit({"destinations": items}, as_json, lambda: _render_destinations(items))


@app.command("remove")
def remove(
    destination_id: str = typer.Argument(..., metavar="ID", help="Destination id or prefix."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Remove a destination and its secrets (its deliveries stay in the log)."""
    with context.backend() as backend:
        item = backend.remove_notification(destination_id)
    console.emit(
        {"destination": item},
        as_json,
        lambda: _say(f"Removed {item['kind']} destination {item['id']} ({item['target']})"),
    )


@app.command("test")
def test(
    destination_id: str = typer.Argument(..., metavar="ID", help="Destination id or prefix."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Send a test message now; exits 4 when it could not be delivered."""
    with context.backend() as backend:
        delivery = backend.test_notification(destination_id)

    def render() -> None:
        answer = f" (HTTP {delivery['responseStatus']})" if delivery["responseStatus"] else ""
        if delivery["status"] == "DELIVERED":
            _say(f"Delivered the test message to {delivery['target']}{answer}")

    console.emit({"delivery": delivery}, as_json, render)
    if delivery["status"] != "DELIVERED":
        console.error_line(
            f"the test message was not delivered: {delivery['lastError'] or delivery['status']}",
            hint="'sentinel notify log' keeps every attempt",
        )
        raise typer.Exit(4)


@app.command("log")
def log(
    destination: str = typer.Option(None, "--destination", metavar="ID", help="Only this one."),
    status: str = typer.Option(None, "--status", help="PENDING, DELIVERED or FAILED."),
    limit: int = typer.Option(50, "--limit", help="Deliveries to show, newest first (1-1000)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """The delivery log: each message to each destination, its attempts and outcome."""
    with context.backend() as backend:
        items = backend.list_notification_deliveries(
            destination=destination, status=status, limit=limit
        )
    console.emit(
        {"deliveries": items},
        as_json,
        lambda: console.table(
            "Notification deliveries",
            [
                "Delivery",
                "Created",
                "Destination",
                "Event",
                "Status",
                "Tries",
                "HTTP",
                console.Col("Last error", "wrap"),
            ],
            [
                (
                    d["id"][:8],
                    d["createdAt"],
                    f"{d['destinationId'][:8]} {d['kind'] or '(removed)'}",
                    d["event"],
                    console.styled(d["status"], _STATUS_STYLE.get(d["status"])),
                    d["attempts"],
                    d["responseStatus"] or "",
                    d["lastError"] or "",
                )
                for d in items
            ],
            empty="No deliveries yet.",
        ),
    )


_STATUS_STYLE = {"DELIVERED": "green", "FAILED": "red", "PENDING": "cyan"}


def _render_smtp(smtp: dict[str, Any]) -> None:
    if not smtp["configured"]:
        _say("No SMTP server set: sentinel notify smtp --host HOST --port PORT [--starttls]")
        return
    console.table(
        "SMTP server for email notifications",
        ["Setting", "Value"],
        [
            ("Host", smtp["host"]),
            ("Port", smtp["port"]),
            ("STARTTLS", "yes" if smtp["starttls"] else "no"),
            ("User", smtp["user"] or ""),
            ("Password", "set (in the secrets backend)" if smtp["passwordSet"] else "none"),
            ("From", smtp["fromAddress"] or "sentinel@localhost"),
            ("Updated", smtp["updatedAt"] or ""),
        ],
    )


@app.command("smtp")
def smtp(
    host: str = typer.Option(None, "--host", help="SMTP server; without it: show the settings."),
    port: int = typer.Option(None, "--port", help="Default 587 with --starttls, else 25."),
    starttls: bool = typer.Option(False, "--starttls", help="Upgrade to TLS with STARTTLS."),
    user: str = typer.Option(None, "--user", help="Log in as this user (asks the password)."),
    from_address: str = typer.Option(None, "--from", metavar="ADDR", help="Sender address."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (first line)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Set (or, without --host, show) the SMTP server of email destinations.

    The password goes to the secrets backend, the rest to the store.
    """
    if host is None:
        with context.backend() as backend:
            shown = backend.get_smtp()
        console.emit({"smtp": shown}, as_json, lambda: _render_smtp(shown))
        return
    password: str | None = None
    if password_stdin:
        password = context.read_stdin_secret("password")
    elif user:
        password = typer.prompt(
            "SMTP password (empty: keep the stored one)",
            default="",
            show_default=False,
            hide_input=True,
        )
    with context.backend() as backend:
        saved = backend.set_smtp(
            host=host,
            port=port,
            starttls=starttls,
            user=user,
            from_address=from_address,
            password=password or None,
        )
    console.emit({"smtp": saved}, as_json, lambda: _render_smtp(saved))

"""Notifications: where messages go (``sentinel notify``, ``/api/notifications``, the dashboard's
Notifications page), the SMTP settings of email, the delivery log, and the test message.

A destination is a Slack incoming webhook (``--url``), a signed generic webhook (``--url``) or an
email address (``--to``), with the events it wants (all of ``notify_payloads.EVENTS`` by default)
and an optional minimum severity. Its secrets live in the secrets backend, never in the store:

- a webhook's signing key is generated here (``secrets.token_hex(32)``) and returned once, in the
  answer of ``add_destination`` (``signingSecret``); nothing shows it again (remove and add the
  destination to get a new one);
- a Slack incoming-webhook URL is itself a credential: the store keeps it masked
  (``https://hooks.slack.com/****``) for listings; a webhook URL is listed without any user name,
  password or query string (``https://****@hooks.example.com/in?****``), and both are sent to the
  URL kept in the secrets backend.

The SMTP settings (host, port, STARTTLS, user, sender) are kept in the store, the password in the
secrets backend; ``get_smtp`` says only whether one is set.

What is sent and when is ``notify_plan`` (after a collection, daily reminders), how it is sent is
``notify_send``; both are re-exported here for the queue's tasks. ``send_test`` sends a synthetic
``test`` message through the same path at once and returns the recorded delivery.
"""

from __future__ import annotations

import json
import re
import secrets as token_source
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from sentinel_cli.egress import UNRESTRICTED, EgressPolicy
from sentinel_cli.errors import InvalidInput, NotFound
from sentinel_cli.operations.ids import resolve_id
from sentinel_cli.operations.notify_payloads import (
    EVENTS,
    KINDS,
    TEST_EVENT,
    Message,
    public_url,
    render,
)
from sentinel_cli.operations.notify_plan import plan_job_deliveries, plan_reminder_deliveries
from sentinel_cli.operations.notify_send import (
    SMTP_PASSWORD_KEY,
    SMTP_SETTINGS_KEY,
    deliver,
    destination_secret_key,
)
from sentinel_cli.operations.users import is_email
from sentinel_cli.secrets import SecretStore
from sentinel_cli.store import Store
from sentinel_cli.timeutil import now_iso
from sentinel_cli.wire import (
    SEVERITIES,
    NotifyAdded,
    NotifyDelivery,
    NotifyDestination,
    SmtpSettings,
)

__all__ = [
    "EVENTS",
    "KINDS",
    "add_destination",
    "deliver",
    "get_smtp",
    "list_deliveries",
    "list_destinations",
    "plan_job_deliveries",
    "plan_reminder_deliveries",
    "remove_destination",
    "send_test",
    "set_smtp",
]

DELIVERY_STATUSES = ("PENDING", "DELIVERED", "FAILED")
MAX_URL_CHARS = 2000
MAX_LOG_LIMIT = 1000
_HOST_RE = re.compile(r"^[A-Za-z0-9._:\[\]-]{1,253}$")
LIST_HINT = "'sentinel notify list' shows the destinations and their ids"


# -- parsing --------------------------------------------------------------------------------------


def parse_kind(kind: str | None) -> str:
    value = (kind or "").strip().lower()
    if value not in KINDS:
        raise InvalidInput(
            f"--kind: {kind!r} is not a destination kind: expected slack, webhook or email",
            hint="e.g. sentinel notify add --kind webhook --url https://hooks.example.com/sentinel",
        )
    return value


def parse_events(events: str | Sequence[str] | None) -> list[str]:
    """``--on``: a comma list (or a list) of events; every event when not given."""
    if events is None:
        return list(EVENTS)
    raw = (
        events.split(",") if isinstance(events, str) else [p for e in events for p in e.split(",")]
    )
    wanted = {e.strip().lower() for e in raw if e.strip()}
    if not wanted:
        return list(EVENTS)
    unknown = sorted(wanted - set(EVENTS))
    if unknown:
        raise InvalidInput(
            f"--on: unknown event {', '.join(repr(u) for u in unknown)}",
            hint=f"events: {', '.join(EVENTS)} (comma-separated; default all)",
        )
    return [e for e in EVENTS if e in wanted]


def parse_min_severity(value: str | None) -> str | None:
    text = (value or "").strip().lower()
    if not text:
        return None
    if text not in SEVERITIES:
        raise InvalidInput(
            f"--min-severity: {value!r} is not a severity",
            hint=f"one of {', '.join(SEVERITIES)} (items less severe are left out)",
        )
    return text


def parse_url(url: str | None, *, kind: str) -> str:
    value = (url or "").strip()
    if not value:
        raise InvalidInput(f"--url is required for a {kind} destination")
    if len(value) > MAX_URL_CHARS or any(c.isspace() for c in value):
        raise InvalidInput("--url: not a URL (too long, or it contains spaces)")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            "--url: give an http(s) URL",
            hint="e.g. https://hooks.slack.com/services/... or https://hooks.example.com/sentinel",
        )
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise InvalidInput("--url: the URL has an invalid port") from None
    return value


def _masked(url: str) -> str:
    """A URL whose path and query are a credential (Slack's), as listings show it."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}/****"


def _shown(url: str) -> str:
    """A webhook URL as listings show it: without a user name and password, and with any query
    string (where receivers often put a token) masked."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    login = "****@" if "@" in parts.netloc else ""
    query = "?****" if parts.query else ""
    return f"{parts.scheme}://{login}{host}{parts.path}{query}"


# -- destinations ---------------------------------------------------------------------------------


def destination_shape(row: dict[str, Any]) -> NotifyDestination:
    return {
        "id": row["id"],
        "kind": row["kind"],
        "target": row["target"],
        "events": list(row["events"]),
        "minSeverity": row["min_severity"],
        "createdBy": row["created_by"],
        "createdAt": row["created_at"],
    }


def add_destination(
    store: Store,
    secrets: SecretStore,
    *,
    kind: str,
    url: str | None = None,
    to: str | None = None,
    events: str | Sequence[str] | None = None,
    min_severity: str | None = None,
    actor: str | None = None,
    egress: EgressPolicy = UNRESTRICTED,
) -> NotifyAdded:
    """Add a destination; a webhook's signing secret is generated and returned this once."""
    kind = parse_kind(kind)
    wanted = parse_events(events)
    severity = parse_min_severity(min_severity)
    secret: dict[str, str] = {}
    signing: str | None = None
    if kind == "email":
        if url:
            raise InvalidInput("--url is for slack and webhook destinations: email takes --to")
        address = (to or "").strip()
        if not address:
            raise InvalidInput("--to is required for an email destination")
        if not is_email(address):
            raise InvalidInput(f"--to: {to!r} is not an email address", hint="e.g. soc@example.com")
        target = address
    else:
        if to:
            raise InvalidInput(f"--to is for email destinations: a {kind} destination takes --url")
        address = parse_url(url, kind=kind)
        egress.check_url(address, field="url")
        # The URL itself is kept with the secrets: a Slack URL is a credential, and a webhook
        # URL may carry one (a user name and password, a token in the query).
        secret["url"] = address
        if kind == "slack":
            target = _masked(address)
        else:
            target = _shown(address)
            signing = token_source.token_hex(32)
            secret["signingSecret"] = signing
    destination_id = str(uuid.uuid4())
    with store.transaction():
        store.notifications.insert_destination(
            destination_id=destination_id,
            kind=kind,
            target=target,
            events=wanted,
            min_severity=severity,
            created_by=actor,
            created_at=now_iso(),
        )
        store.activity.record(
            "notification.added",
            f"Added {kind} notification destination {target}",
            actor=actor,
            target_type="notification",
            target_id=destination_id,
            details={"events": wanted, "minSeverity": severity},
        )
        if secret:  # before the commit: a refused secret write leaves no destination behind
            secrets.set(destination_secret_key(destination_id), json.dumps(secret))
    row = store.notifications.get_destination(destination_id)
    assert row is not None
    return {"destination": destination_shape(row), "signingSecret": signing}


def list_destinations(store: Store) -> list[NotifyDestination]:
    return [destination_shape(r) for r in store.notifications.list_destinations()]


def resolve_destination(store: Store, destination_id: str) -> dict[str, Any]:
    return resolve_id(
        destination_id,
        get=store.notifications.get_destination,
        find_by_prefix=store.notifications.destinations_by_prefix,
        noun="notification destination",
        hint=LIST_HINT,
    )


def remove_destination(
    store: Store, secrets: SecretStore, destination_id: str, *, actor: str | None = None
) -> NotifyDestination:
    """Remove a destination and its secrets; its deliveries stay in the log."""
    row = resolve_destination(store, destination_id)
    with store.transaction():
        store.notifications.delete_destination(row["id"])
        store.activity.record(
            "notification.removed",
            f"Removed {row['kind']} notification destination {row['target']}",
            actor=actor,
            target_type="notification",
            target_id=row["id"],
        )
    secrets.delete(destination_secret_key(row["id"]))
    return destination_shape(row)


# -- the delivery log and the test message --------------------------------------------------------


def delivery_shape(row: dict[str, Any]) -> NotifyDelivery:
    return {
        "id": row["id"],
        "destinationId": row["destination_id"],
        "kind": row["destination_kind"],
        "target": row["destination_target"],
        "event": row["event"],
        "integrationId": row["integration_id"],
        "jobId": row["job_id"],
        "status": row["status"],
        "attempts": row["attempts"],
        "responseStatus": row["response_status"],
        "lastError": row["last_error"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "deliveredAt": row["delivered_at"],
    }


def list_deliveries(
    store: Store,
    *,
    destination: str | None = None,
    status: str | None = None,
    limit: int | None = 50,
) -> list[NotifyDelivery]:
    """Recent deliveries, newest first: of one destination (an id or unique prefix; the full id
    of a removed one) and/or in one status."""
    count = 50 if limit is None else limit
    if not 1 <= count <= MAX_LOG_LIMIT:
        raise InvalidInput(f"--limit must be between 1 and {MAX_LOG_LIMIT} (got {count})")
    wanted_status = None
    if status is not None and status.strip():
        wanted_status = status.strip().upper()
        if wanted_status not in DELIVERY_STATUSES:
            raise InvalidInput(
                f"--status: {status!r} is not a delivery status",
                hint=f"one of {', '.join(DELIVERY_STATUSES)}",
            )
    destination_id = None
    if destination is not None and destination.strip():
        ident = destination.strip()
        try:
            destination_id = resolve_destination(store, ident)["id"]
        except NotFound:
            destination_id = ident  # a removed destination's log outlives it
    rows = store.notifications.list_deliveries(
        destination_id=destination_id, status=wanted_status, limit=count
    )
    return [delivery_shape(r) for r in rows]


def send_test(
    store: Store,
    secrets: SecretStore,
    destination_id: str,
    *,
    actor: str | None = None,
    egress: EgressPolicy = UNRESTRICTED,
) -> NotifyDelivery:
    """Send a synthetic ``test`` message to a destination now (one attempt) and return the
    recorded delivery: DELIVERED, or FAILED with the reason in ``lastError``."""
    del actor  # any ADMIN may test; the delivery log records the attempt
    row = resolve_destination(store, destination_id)
    message = Message(TEST_EVENT, url=public_url())
    delivery_id = str(uuid.uuid4())
    store.notifications.insert_delivery(
        delivery_id=delivery_id,
        destination_id=row["id"],
        event=TEST_EVENT,
        integration_id=None,
        job_id=None,
        payload=render(row["kind"], message),
        created_at=now_iso(),
    )
    deliver(store, secrets, None, delivery_id, egress=egress, final=True)
    recorded = store.notifications.get_delivery(delivery_id)
    assert recorded is not None
    return delivery_shape(recorded)


# -- SMTP -----------------------------------------------------------------------------------------


def get_smtp(store: Store) -> SmtpSettings:
    """The SMTP settings email destinations use (never the password)."""
    saved: dict[str, Any] = store.kv.get(SMTP_SETTINGS_KEY) or {}
    return {
        "configured": bool(saved.get("host")),
        "host": saved.get("host"),
        "port": saved.get("port"),
        "starttls": bool(saved.get("starttls")),
        "user": saved.get("user"),
        "fromAddress": saved.get("fromAddress"),
        "passwordSet": bool(saved.get("passwordSet")),
        "updatedAt": saved.get("updatedAt"),
    }


def set_smtp(
    store: Store,
    secrets: SecretStore,
    *,
    host: str,
    port: int | None = None,
    starttls: bool = False,
    user: str | None = None,
    from_address: str | None = None,
    password: str | None = None,
    actor: str | None = None,
) -> SmtpSettings:
    """Replace the SMTP settings. The password goes to the secrets backend; without one, a user
    keeps the password already stored, and no user means no password (it is removed)."""
    name = (host or "").strip()
    if not name or not _HOST_RE.match(name):
        raise InvalidInput(
            f"--host: {host!r} is not a host name or address", hint="e.g. smtp.example.com"
        )
    number = port if port is not None else (587 if starttls else 25)
    if not 1 <= number <= 65535:
        raise InvalidInput(f"--port must be between 1 and 65535 (got {number})")
    login = (user or "").strip() or None
    sender = (from_address or "").strip() or None
    if sender is not None and not is_email(sender):
        raise InvalidInput(f"--from: {from_address!r} is not an email address")
    previous = get_smtp(store)
    secret = password if password else None
    if login is None and secret is not None:
        raise InvalidInput("a password needs a user name: give --user too")
    if login is not None and secret is None and not previous["passwordSet"]:
        raise InvalidInput(
            "--user needs a password",
            hint='pipe it on standard input: printf %s "$SMTP_PASSWORD" | sentinel notify smtp ...',
        )
    settings = {
        "host": name,
        "port": number,
        "starttls": bool(starttls),
        "user": login,
        "fromAddress": sender,
        "passwordSet": login is not None,
        "updatedAt": now_iso(),
    }
    with store.transaction():
        store.kv.set(SMTP_SETTINGS_KEY, settings)
        store.activity.record(
            "notification.smtp",
            f"Set the SMTP server for email notifications to {name}:{number}",
            actor=actor,
            target_type="notification",
        )
        if secret is not None:
            secrets.set(SMTP_PASSWORD_KEY, secret)
    if login is None:
        secrets.delete(SMTP_PASSWORD_KEY)
    return get_smtp(store)

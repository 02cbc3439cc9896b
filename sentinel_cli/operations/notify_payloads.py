"""What a notification says, and how each kind of destination is told it.

An event is first a ``Message``: every item it is about (worst first), its counts and where it comes
from. Each destination then gets its own cut (``for_destination``): items less severe than its
``minSeverity`` are dropped (an item with no severity, a policy review, always stays), and an event
about items that is left with none is not sent at all. The cut is rendered once, when the delivery
is planned, into the exact text a retry sends again:

- **webhook**: the JSON body of the issue's contract, ``{"event", "integrationId", "jobId",
  "collectedAt", "counts", "items", "url"}``, with at most ``MAX_ITEMS`` items; ``counts.items`` is
  how many items the event is about for this destination (the list holds the worst of them), the
  other counts describe the collection (``newlyFailing``, ``fixed``, ..., ``pass``, ``fail``, ...);
- **slack**: an incoming-webhook message, a ``text`` fallback and ``blocks`` with the summary and
  the top ``SLACK_ITEMS`` items;
- **email**: ``{"subject", "text"}``, a plain-text message (the SMTP settings add the sender).

``url`` is the dashboard page of what the message is about when the server's public address is
known (``SENTINEL_PUBLIC_URL``, e.g. ``https://sentinel.example.com``), else ``null``: a worker does
not know under which name people reach the dashboard. Nothing secret ever enters a message: it is
built from evidence, job outcomes and names only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sentinel_cli.wire import NOTIFY_EVENTS, SEVERITIES, NotifyBody, NotifyItem

EVENTS = NOTIFY_EVENTS
TEST_EVENT = "test"
"""The event of ``notify test`` messages (never planned, never filtered)."""
ITEM_EVENTS = frozenset({"new-failures", "fixed", "exception-expiring", "policy-review-due"})
"""Events about items: skipped for a destination whose severity filter leaves no item."""
KINDS: tuple[str, ...] = ("slack", "webhook", "email")
MAX_ITEMS = 50
"""Items in a webhook body or an email; ``counts.items`` tells how many there were."""
SLACK_ITEMS = 10
"""Items in a Slack message (Slack cuts long blocks)."""
PUBLIC_URL_ENV = "SENTINEL_PUBLIC_URL"


def public_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The dashboard's public base URL (``SENTINEL_PUBLIC_URL``), without a trailing slash."""
    env = os.environ if environ is None else environ
    value = (env.get(PUBLIC_URL_ENV) or "").strip().rstrip("/")
    return value if value.startswith(("http://", "https://")) else None


def severity_rank(severity: str | None) -> int:
    """0 for critical ... 4 for info; items without a severity rank after every severity."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


@dataclass(frozen=True)
class Message:
    """One event, before it is cut for a destination."""

    event: str
    items: tuple[NotifyItem, ...] = ()
    """Every item the event is about that was read (worst first)."""
    total: int = 0
    """How many items the event is about (``items`` may hold fewer when no filter needs them)."""
    counts: dict[str, int] = field(default_factory=dict)
    """Counts besides ``items`` (the collection's)."""
    integration_id: str | None = None
    integration_name: str | None = None
    job_id: str | None = None
    collected_at: str | None = None
    url: str | None = None
    detail: str | None = None
    """Why a collection failed or was refused (its job's error message)."""
    first: bool = False
    """The integration's first collection: every failing item is new."""


def for_destination(message: Message, min_severity: str | None) -> Message | None:
    """The message as one destination gets it: items at least as severe as ``min_severity``;
    ``None`` when an event about items is left with none."""
    if min_severity and message.event != TEST_EVENT:
        limit = severity_rank(min_severity)
        kept = tuple(
            i
            for i in message.items
            if i["severity"] is None or severity_rank(i["severity"]) <= limit
        )
        message = replace(message, items=kept, total=len(kept))
    if message.event in ITEM_EVENTS and message.total == 0:
        return None
    return message


def body(message: Message) -> NotifyBody:
    """The webhook body of the contract."""
    return {
        "event": message.event,
        "integrationId": message.integration_id,
        "jobId": message.job_id,
        "collectedAt": message.collected_at,
        "counts": {"items": message.total, **message.counts},
        "items": list(message.items[:MAX_ITEMS]),
        "url": message.url,
    }


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def summary(message: Message) -> str:
    """One sentence saying what happened."""
    n, name = message.total, message.integration_name or "an integration"
    event = message.event
    if event == "new-failures":
        if message.first:
            return f"First collection of {name}: {_plural(n, 'failing item', 'failing items')}"
        return f"{_plural(n, 'new failing item', 'new failing items')} in {name}"
    if event == "fixed":
        return f"{_plural(n, 'item', 'items')} fixed in {name}"
    if event == "collection-failed":
        return f"The collection of {name} failed" + (
            f": {message.detail}" if message.detail else ""
        )
    if event == "limit-reached":
        return f"The collection of {name} was refused by the plan's limits" + (
            f": {message.detail}" if message.detail else ""
        )
    if event == "exception-expiring":
        return f"{_plural(n, 'risk exception expires', 'risk exceptions expire')} within 14 days"
    if event == "policy-review-due":
        return f"{_plural(n, 'policy is', 'policies are')} due for review within 14 days"
    return "Test message from Sentinel: this destination receives notifications"


def _item_line(item: NotifyItem) -> tuple[str, str]:
    """(label, where) of an item, for the Slack and email renderings."""
    label = f"[{item['severity']}] " if item["severity"] else ""
    where = " ".join(
        part
        for part in (
            f"check {item['checkId']}" if item["checkId"] else "",
            f"resource {item['resourceId']}" if item["resourceId"] else "",
        )
        if part
    )
    return label + item["title"], where


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(message: Message) -> dict[str, Any]:
    """A Slack incoming-webhook message: the summary, then the top items."""
    head = summary(message)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_slack_escape(head)}*"}}
    ]
    shown = message.items[:SLACK_ITEMS]
    if shown:
        lines = []
        for item in shown:
            label, where = _item_line(item)
            lines.append(
                f"• {_slack_escape(label)}" + (f" ({_slack_escape(where)})" if where else "")
            )
        if message.total > len(shown):
            lines.append(f"…and {message.total - len(shown)} more")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}})
    if message.url:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"<{message.url}|Open in Sentinel>"}],
            }
        )
    return {"text": f"Sentinel: {head}", "blocks": blocks}


def email(message: Message) -> dict[str, str]:
    """The subject and plain-text body of an email."""
    head = summary(message)
    lines = [head, ""]
    shown = message.items[:MAX_ITEMS]
    for item in shown:
        label, where = _item_line(item)
        lines.append(f"- {label}")
        if where:
            lines.append(f"  {where}")
    if message.total > len(shown):
        lines.append(f"...and {message.total - len(shown)} more")
    if message.url:
        lines += ["", message.url]
    lines += ["", f"Event: {message.event}. Sent by Sentinel."]
    subject = " ".join(head.split())  # a name with a line break must not break the header
    subject = subject if len(subject) <= 150 else subject[:147] + "..."
    return {"subject": f"[Sentinel] {subject}", "text": "\n".join(lines) + "\n"}


def render(kind: str, message: Message) -> str:
    """The exact text a delivery of this kind sends (and a retry sends again)."""
    if kind == "webhook":
        value: Any = body(message)
    elif kind == "slack":
        value = slack(message)
    else:
        value = email(message)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def items_of(rows: Sequence[Mapping[str, Any]]) -> tuple[NotifyItem, ...]:
    """Contract items of changed evidence items (``changes.ChangedItem``)."""
    return tuple(
        {
            "checkId": r["checkId"],
            "resourceId": r["resourceId"],
            "severity": r["severity"],
            "status": r["status"],
            "title": r["title"],
        }
        for r in rows
    )

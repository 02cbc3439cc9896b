"""Sending one planned delivery: a signed webhook POST, a Slack message, or an email.

``deliver`` never raises for a receiver's failure: it records the attempt and answers
``DELIVERED``, ``RETRY`` (the delivery stays PENDING; the queue's task tries again later, with
backoff) or ``FAILED`` (permanent, or the caller's last attempt). Permanent failures are those a
retry cannot fix: the server's outbound rule refuses the address, the receiver answers a 3xx or a
4xx other than 408 and 429 (redirects are not followed: a redirect could lead past the outbound
rule), the SMTP server refuses the login or the recipient for good, the destination or its secret
is gone. Timeouts, connection failures, 408, 429 and 5xx answers are retried.

**Outbound rule.** Before each attempt the URL (or the SMTP host) is checked against
``egress.EgressPolicy``: on a server (``sentinel serve``, ``sentinel worker``) notification URLs
obey the same rule as integration endpoints (public addresses, or those the operator allowed with
``--allow-endpoint-hosts``), checked before any connection is made.

**Secrets.** The webhook signing key and the URLs (a Slack URL's path is the credential; a webhook
URL may carry a password or a token) come from the secrets backend at send time and never enter a
payload, the delivery log or an error: every recorded error is scrubbed of them. Webhook bodies are signed ``sha256=<hex HMAC-SHA256 of the raw
body>`` (``X-Sentinel-Signature``); ``X-Sentinel-Delivery`` is the delivery id, the same on every
retry, so a receiver can drop duplicates.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sentinel_cli import __version__
from sentinel_cli.egress import UNRESTRICTED, EgressPolicy, EndpointNotAllowed
from sentinel_cli.errors import InvalidInput, NotFound, SentinelError
from sentinel_cli.secrets import SecretStore
from sentinel_cli.store import Store
from sentinel_cli.timeutil import now_iso

if TYPE_CHECKING:
    from sentinel_cli.config import Settings

DELIVERED, RETRY, FAILED = "DELIVERED", "RETRY", "FAILED"
TIMEOUT_SECONDS = 10.0
USER_AGENT = f"Sentinel-Notifications/{__version__}"
SMTP_SETTINGS_KEY = "notify.smtp"
"""The SMTP settings in the store's key-value table (everything but the password)."""
SMTP_PASSWORD_KEY = "notify:smtp-password"
"""The SMTP password in the secrets backend."""
MAX_ERROR_CHARS = 300

__all__ = ["DELIVERED", "FAILED", "RETRY", "deliver", "destination_secret_key", "signature"]


def destination_secret_key(destination_id: str) -> str:
    """Where a destination's secrets live: JSON ``{"url", "signingSecret"?}`` (the URL of a
    Slack or webhook destination; a webhook's signing key)."""
    return f"notify:{destination_id}"


def signature(secret: str, raw: bytes) -> str:
    """The ``X-Sentinel-Signature`` of a body: ``sha256=`` and the hex HMAC-SHA256 of its bytes."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Outcome:
    status: str
    """DELIVERED, RETRY or FAILED (permanent)."""
    response_status: int | None = None
    error: str | None = None


def deliver(
    store: Store,
    secrets: SecretStore,
    settings: Settings | None,
    delivery_id: str,
    *,
    egress: EgressPolicy = UNRESTRICTED,
    final: bool = False,
) -> str:
    """Send one delivery and record the attempt; returns ``DELIVERED``, ``RETRY`` or ``FAILED``
    (``final``: this is the last attempt, so a retryable failure is recorded as FAILED). A
    delivery that is no longer PENDING is not sent again: its status is returned. ``settings`` is
    accepted for the task layer's uniform call and not needed."""
    del settings
    notes = store.notifications
    row = notes.get_delivery(delivery_id)
    if row is None:
        raise NotFound(f"no notification delivery with id {delivery_id!r}")
    if row["status"] != "PENDING":
        return str(row["status"])
    destination = notes.get_destination(row["destination_id"])
    if destination is None:
        outcome = Outcome(FAILED, error="the destination was removed")
    else:
        outcome = _attempt(store, secrets, destination, row, egress)
    status = FAILED if outcome.status == RETRY and final else outcome.status
    recorded = notes.record_attempt(
        delivery_id,
        status="PENDING" if status == RETRY else status,
        response_status=outcome.response_status,
        last_error=outcome.error,
        at=now_iso(),
    )
    if not recorded:  # another worker finished it meanwhile: its record stands
        current = notes.get_delivery(delivery_id)
        return str(current["status"]) if current else status
    return status


def _attempt(
    store: Store,
    secrets: SecretStore,
    destination: dict[str, Any],
    row: dict[str, Any],
    egress: EgressPolicy,
) -> Outcome:
    hidden: list[str] = []
    try:
        stored = _destination_secrets(secrets, destination["id"])
        hidden = [v for v in stored.values() if v]
        if destination["kind"] == "email":
            return _send_email(store, secrets, destination, row, egress)
        url = stored.get("url")
        if not url:
            return Outcome(FAILED, error="the URL is missing from the secrets backend")
        raw = row["payload"].encode("utf-8")
        if destination["kind"] == "slack":
            return _post(url, raw, {}, egress, hidden)
        secret = stored.get("signingSecret")
        if not secret:
            return Outcome(FAILED, error="the signing secret is missing from the secrets backend")
        headers = {
            "X-Sentinel-Event": row["event"],
            "X-Sentinel-Delivery": row["id"],
            "X-Sentinel-Signature": signature(secret, raw),
        }
        return _post(url, raw, headers, egress, hidden)
    except SentinelError as exc:  # the secrets backend is locked or unreadable: try again later
        return Outcome(RETRY, error=_clean(exc.message, hidden))


def _destination_secrets(secrets: SecretStore, destination_id: str) -> dict[str, str]:
    raw = secrets.get(destination_secret_key(destination_id))
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _clean(text: str, hidden: Iterable[str]) -> str:
    """An error as recorded: no secret in it, one line, bounded."""
    for secret in hidden:
        if secret:
            text = text.replace(secret, "****")
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 3] + "..."


def _refused(egress: EgressPolicy, url: str, field: str) -> Outcome | None:
    """The outbound rule's answer: permanent when it refuses the address, retried when the name
    does not resolve (DNS may be back later)."""
    try:
        egress.check_url(url, field=field)
    except EndpointNotAllowed as exc:
        return Outcome(FAILED, error=exc.message)
    except InvalidInput as exc:
        return Outcome(RETRY, error=exc.message)
    return None


@functools.cache
def _http_client() -> Any:
    """One client per process, shared by the worker's threads (httpx clients are thread-safe):
    building one loads the CA bundle, about 40 ms, which would otherwise be paid per message."""
    import httpx

    return httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)


def _post(
    url: str, raw: bytes, headers: dict[str, str], egress: EgressPolicy, hidden: list[str]
) -> Outcome:
    refusal = _refused(egress, url, "url")
    if refusal is not None:
        return Outcome(refusal.status, error=_clean(refusal.error or "", hidden))
    import httpx

    try:
        response = _http_client().post(
            url,
            content=raw,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
            timeout=TIMEOUT_SECONDS,
            follow_redirects=False,
        )
    except httpx.TimeoutException:
        return Outcome(RETRY, error=f"no answer within {TIMEOUT_SECONDS:g} s")
    except httpx.InvalidURL as exc:
        return Outcome(FAILED, error=_clean(f"invalid URL: {exc}", [*hidden, url]))
    except httpx.HTTPError as exc:
        return Outcome(RETRY, error=_clean(f"could not connect: {exc}", [*hidden, url]))
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(DELIVERED, response_status=code)
    said = response.text[:200].strip()
    error = _clean(f"HTTP {code}" + (f": {said}" if said else ""), [*hidden, url])
    if code in (408, 429) or code >= 500:
        return Outcome(RETRY, response_status=code, error=error)
    if 300 <= code < 400:
        error += " (redirects are not followed)"
    return Outcome(FAILED, response_status=code, error=error)


def _send_email(
    store: Store,
    secrets: SecretStore,
    destination: dict[str, Any],
    row: dict[str, Any],
    egress: EgressPolicy,
) -> Outcome:
    import smtplib
    import ssl
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    smtp: dict[str, Any] = store.kv.get(SMTP_SETTINGS_KEY) or {}
    host, port = smtp.get("host"), int(smtp.get("port") or 25)
    if not host:
        return Outcome(
            FAILED, error="SMTP is not configured: sentinel notify smtp --host HOST --port PORT"
        )
    refusal = _refused(egress, f"smtp://{host}:{port}", "SMTP host")
    if refusal is not None:
        return refusal
    user = smtp.get("user")
    password = (secrets.get(SMTP_PASSWORD_KEY) or "") if user else ""
    hidden = [password] if password else []
    content = json.loads(row["payload"])
    message = EmailMessage()
    message["Subject"] = content["subject"]
    message["From"] = smtp.get("fromAddress") or "sentinel@localhost"
    message["To"] = destination["target"]
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="sentinel.invalid")
    message["X-Sentinel-Event"] = row["event"]
    message["X-Sentinel-Delivery"] = row["id"]
    message.set_content(content["text"])
    implicit_tls = port == 465
    try:
        client: smtplib.SMTP = (
            smtplib.SMTP_SSL(
                host, port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
            if implicit_tls
            else smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
        )
        with client:
            if smtp.get("starttls") and not implicit_tls:
                client.starttls(context=ssl.create_default_context())
            if user:
                client.login(user, password)
            client.send_message(message)
    except smtplib.SMTPAuthenticationError:
        return Outcome(FAILED, error="the SMTP server refused the user name or password")
    except smtplib.SMTPRecipientsRefused:
        return Outcome(
            FAILED, error=f"the SMTP server refused the recipient {destination['target']}"
        )
    except smtplib.SMTPNotSupportedError as exc:
        return Outcome(FAILED, error=_clean(f"SMTP: {exc}", hidden))
    except smtplib.SMTPResponseException as exc:
        said = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        error = _clean(f"SMTP {exc.smtp_code}: {said}", hidden)
        return Outcome(FAILED if 500 <= exc.smtp_code < 600 else RETRY, error=error)
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(RETRY, error=_clean(f"could not send through {host}:{port}: {exc}", hidden))
    return Outcome(DELIVERED)

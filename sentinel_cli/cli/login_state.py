"""The saved login: ``client.json`` in ``SENTINEL_HOME`` names the server; the token is a secret.

``sentinel login`` writes the server URL and the user (email, id, role) to ``client.json`` and the
bearer token to the secrets backend under ``client-token`` (the OS keyring, or ``secrets.json``
with mode 0600 on headless machines), so the token never sits in a plain settings file. The file's
presence is the whole switch: without it every command works on the local store as before.

A file rather than the store's settings table because deciding local-or-remote happens in every
command before anything else, and must cost one ``stat`` (no SQLite, no keyring import) to keep
``sentinel evidence list`` within its start-up budget; a client machine may also have no store.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sentinel_cli.client.connection import ClientConfig
from sentinel_cli.config import Settings
from sentinel_cli.errors import InvalidInput, StoreUnavailable

CONFIG_FILE = "client.json"


def config_path(settings: Settings) -> Path:
    return settings.home / CONFIG_FILE


def normalize_server(url: str | None) -> str:
    """``https://host[:port][/prefix]`` without a trailing ``/`` or ``/api``; refuses other URLs."""
    from urllib.parse import urlsplit

    text = (url or "").strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(
            f"--server: {url!r} is not an http(s) URL",
            hint="e.g. --server https://sentinel.example.com or http://127.0.0.1:8000",
        )
    if parts.query or parts.fragment:
        raise InvalidInput(f"--server: {url!r} must not have a query or fragment")
    if text.endswith("/api"):
        text = text[: -len("/api")]
    return text


def is_loopback(server: str) -> bool:
    from urllib.parse import urlsplit

    host = (urlsplit(server).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def load(settings: Settings) -> ClientConfig | None:
    """The saved login, or ``None`` (local mode)."""
    path = config_path(settings)
    try:
        raw = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None  # local mode; a broken home is reported by the store, which says what to fix
    except OSError as exc:
        raise StoreUnavailable(
            f"cannot read {path}: {exc.strerror}",
            hint="fix its permissions, or remove it (sentinel logout) to work locally",
        ) from exc
    try:
        data: Any = json.loads(raw)
        server = str(data["server"]).rstrip("/")
        if not server.startswith(("http://", "https://")):  # saved normalised by ``save``
            raise ValueError(server)
        return ClientConfig(
            server=server,
            email=str(data["email"]),
            user_id=data.get("userId"),
            role=data.get("role"),
            logged_in_at=data.get("loggedInAt"),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreUnavailable(
            f"{path} is not a valid client configuration",
            hint="run sentinel logout, then sentinel login again",
        ) from exc


def save(settings: Settings, config: ClientConfig) -> Path:
    """Write ``client.json`` atomically (mode 0600: it names the server and the account)."""
    import tempfile

    settings.ensure_home()
    path = config_path(settings)
    fields = asdict(config)
    data = {
        "server": fields["server"],
        "email": fields["email"],
        "userId": fields["user_id"],
        "role": fields["role"],
        "loggedInAt": fields["logged_in_at"],
    }
    fd, tmp = tempfile.mkstemp(prefix=".client-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def clear(settings: Settings) -> bool:
    """Remove ``client.json``; True when there was one."""
    try:
        config_path(settings).unlink()
    except FileNotFoundError:
        return False
    return True

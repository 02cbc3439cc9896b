"""The CLI's client layer: one ``Backend`` interface, answered locally or by a Sentinel server.

``open_backend(settings, login)`` returns a ``RemoteBackend`` for a saved login (``sentinel
login``; see ``cli.login_state``) and a ``LocalBackend`` otherwise. Imports are deferred: the local
path never imports httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sentinel_cli.client.base import Backend

if TYPE_CHECKING:
    from sentinel_cli.client.connection import ClientConfig
    from sentinel_cli.config import Settings

__all__ = ["Backend", "open_backend"]


def open_backend(settings: Settings, login: ClientConfig | None) -> Backend:
    if login is None:
        from sentinel_cli.client.local import LocalBackend

        return LocalBackend(settings)
    from sentinel_cli.client.remote import RemoteBackend

    return RemoteBackend.from_login(settings, login)

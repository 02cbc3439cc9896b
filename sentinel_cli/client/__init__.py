"""The CLI's client layer: one ``Backend`` interface, answered locally or by a Sentinel server.

``open_backend(settings)`` returns a ``RemoteBackend`` after ``sentinel login`` (``client.json``
exists in ``SENTINEL_HOME``) and a ``LocalBackend`` otherwise. Imports are deferred: the local path
never imports httpx, and deciding costs one file lookup (see ``client.config``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sentinel_cli.client.base import Backend

if TYPE_CHECKING:
    from sentinel_cli.config import Settings

__all__ = ["Backend", "open_backend"]


def open_backend(settings: Settings) -> Backend:
    from sentinel_cli.client import config

    saved = config.load(settings)
    if saved is None:
        from sentinel_cli.client.local import LocalBackend

        return LocalBackend(settings)
    from sentinel_cli.client.remote import RemoteBackend

    return RemoteBackend.from_login(settings, saved)

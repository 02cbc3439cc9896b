"""What a command needs from its environment: settings, the backend, the store, the secrets backend.

Built on demand from the environment (``SENTINEL_HOME``, ``SENTINEL_DB``,
``SENTINEL_SECRETS_BACKEND``) so tests isolate state with one environment variable. Imports are
inside the functions: this module is imported by every command group at start-up.

Commands that read or change Sentinel's data use ``backend()``: the local store, or the server
``sentinel login`` chose (``sentinel_cli.client``). ``store()`` is for commands that are local by
nature (``serve``, ``demo``); ``require_local`` lets such a command refuse in client mode instead of
silently working on another store than the one the user is logged in to.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sentinel_cli.client import Backend
    from sentinel_cli.config import Settings
    from sentinel_cli.secrets import SecretStore
    from sentinel_cli.store import Store


def settings() -> Settings:
    from sentinel_cli.config import Settings

    return Settings.from_env()


def backend() -> Backend:
    """The local store, or the Sentinel server logged in to (``with context.backend() as b:``)."""
    from sentinel_cli.client import open_backend

    return open_backend(settings())


def require_local(what: str) -> None:
    """Refuse ``what`` while logged in to a server (it only works on this machine's store)."""
    from sentinel_cli.client import config

    saved = config.load(settings())
    if saved is not None:
        from sentinel_cli.errors import InvalidInput

        raise InvalidInput(
            f"{what} works on this machine's store, but this CLI is logged in to {saved.server}",
            hint="run it on the server's machine, or sentinel logout to work locally",
        )


def store() -> Store:
    from sentinel_cli.store import open_store

    return open_store(settings())


def secrets() -> SecretStore:
    from sentinel_cli.secrets import open_secrets

    cfg = settings()
    cfg.ensure_home()
    return open_secrets(cfg)


def read_stdin_secret(what: str) -> str:
    """Read one secret from standard input (first line, stripped), refusing an empty one."""
    from sentinel_cli.errors import InvalidInput

    value = sys.stdin.readline().strip()
    if not value:
        raise InvalidInput(f"no {what} on standard input")
    return value

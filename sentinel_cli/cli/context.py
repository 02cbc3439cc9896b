"""What a command needs from its environment: settings, the store, the secrets backend.

Built on demand from the environment (``SENTINEL_HOME``, ``SENTINEL_DB``,
``SENTINEL_SECRETS_BACKEND``) so tests isolate state with one environment variable. Imports are
inside the functions: this module is imported by every command group at start-up.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sentinel_cli.config import Settings
    from sentinel_cli.secrets import SecretStore
    from sentinel_cli.store import Store


def settings() -> Settings:
    from sentinel_cli.config import Settings

    return Settings.from_env()


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

"""What a command needs from its environment: settings and the backend.

Built on demand from the environment (``SENTINEL_HOME``, ``SENTINEL_DB``,
``SENTINEL_SECRETS_BACKEND``) so tests isolate state with one environment variable; the global
``--db`` option sets ``SENTINEL_DB`` (``use_database``). Imports are
inside the functions: this module is imported by every command group at start-up.

Commands that read or change Sentinel's data use ``backend()``: the local store, or the server
``sentinel login`` chose (``sentinel_cli.client``). ``serve`` and ``demo`` work on a local store by
nature and build their own from ``settings()``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sentinel_cli.client import Backend
    from sentinel_cli.config import Settings


def settings() -> Settings:
    from sentinel_cli.config import Settings

    return Settings.from_env()


def use_database(value: str) -> None:
    """``--db``: the store for this command and every process it starts (``serve``'s workers
    read ``SENTINEL_DB`` from the environment they inherit). A relative path is made absolute
    first, so a child working elsewhere opens the same file."""
    import os

    from sentinel_cli.config import is_database_url
    from sentinel_cli.errors import InvalidInput

    text = value.strip()
    if not text:
        raise InvalidInput("--db is empty", hint="give a SQLite file path or a postgresql:// URL")
    if not is_database_url(text):
        from pathlib import Path

        text = str(Path(text).expanduser().absolute())
    os.environ["SENTINEL_DB"] = text


def backend() -> Backend:
    """The local store, or the Sentinel server logged in to (``with context.backend() as b:``)."""
    from sentinel_cli.cli import login_state
    from sentinel_cli.client import open_backend

    current = settings()
    login = login_state.load(current)
    if login is None:
        warn_exposed_home(current)
    return open_backend(current, login)


def warn_exposed_home(current: Settings) -> None:
    """One line on stderr when other local users can enter the home (store, secrets file)."""
    warning = current.exposed_home()
    if warning:
        print(f"sentinel: {warning}", file=sys.stderr)


def read_stdin_secret(what: str) -> str:
    """Read one secret from standard input (first line, stripped), refusing an empty one."""
    from sentinel_cli.errors import InvalidInput

    value = sys.stdin.readline().strip()
    if not value:
        raise InvalidInput(f"no {what} on standard input")
    return value

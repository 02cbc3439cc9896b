"""The store's schema as an administrator sees it: its version, and migrating it on purpose.

Every command migrates the store as it opens it, which suits one machine. A deployment that
upgrades Sentinel on a server may prefer to apply migrations as a step of its own, before the new
``serve`` starts, and to see first what that step will do: ``store_status`` reports without
changing anything (it does not even create a missing store); ``migrate_store`` opens the store the
way every command does, which applies what is pending, and says what that was.

These work on this machine's store only: a server's schema is its operator's business and is not
reachable over the API, so neither is a use case of the table (``operations.usecases``).
"""

from __future__ import annotations

from typing import TypedDict

from sentinel_cli.config import Settings
from sentinel_cli.store import open_store
from sentinel_cli.store.migrations import MIGRATIONS, Migration
from sentinel_cli.store.schema import migration_named, read_schema


class MigrationRef(TypedDict):
    number: int
    name: str


class StoreStatus(TypedDict):
    """``sentinel db status --json``."""

    home: str
    database: str
    exists: bool
    schemaVersion: int
    latestVersion: int
    upToDate: bool
    pending: list[MigrationRef]


class StoreMigration(TypedDict):
    """``sentinel db migrate --json``: ``applied`` is empty when the store was up to date."""

    database: str
    applied: list[MigrationRef]
    schemaVersion: int
    latestVersion: int


def _ref(migration: Migration) -> MigrationRef:
    return {"number": migration.number, "name": migration.name}


def store_status(settings: Settings) -> StoreStatus:
    """Where the store is, its schema version against the latest known, and what is pending."""
    state = read_schema(settings)
    return {
        "home": str(settings.home),
        "database": state.database,
        "exists": state.exists,
        "schemaVersion": state.version,
        "latestVersion": state.latest,
        "upToDate": not state.pending,
        "pending": [_ref(m) for m in state.pending],
    }


def migrate_store(settings: Settings) -> StoreMigration:
    """Apply the pending migrations (creating the store if there is none) and say which ran.

    Each migration commits on its own, under the write lock, so a second process migrating at the
    same time skips what this one applied: ``applied`` lists only this call's.
    """
    with open_store(settings) as store:
        applied = [_ref(migration_named(number)) for number in store.migrations_applied]
        version = store.schema_version()
    return {
        "database": store.label,
        "applied": applied,
        "schemaVersion": version,
        "latestVersion": MIGRATIONS[-1].number,
    }

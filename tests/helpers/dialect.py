"""The database of a server fixture that outlives one test (module or session scope).

The autouse ``home`` fixture (tests/conftest.py) chooses each *test's* database: a fresh
PostgreSQL schema in ``SENTINEL_DB`` for the postgresql half of a test marked ``both_databases``,
or for every test when ``SENTINEL_TEST_DIALECT=postgresql``; ``server_env`` passes it on to the
servers a test starts. A server fixture of wider scope is set up before any test's ``home`` and
sees no ``SENTINEL_DB``: it asks ``database_env`` for one of its own, on the run's dialect
(``run_dialect``), or on each of ``DIALECTS`` when it is parametrized with them, which is how a
module whose tests share one server runs once on each database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from tests.helpers.postgres import fresh_schema_url

DIALECTS = ("sqlite", "postgresql")


def run_dialect() -> str:
    """The database of tests that are not marked ``both_databases``: ``sqlite`` unless
    ``SENTINEL_TEST_DIALECT`` names another."""
    return os.environ.get("SENTINEL_TEST_DIALECT") or "sqlite"


@contextmanager
def database_env(dialect: str | None = None) -> Iterator[dict[str, str]]:
    """Extra ``server_env`` settings for a server on ``dialect`` (default: the run's): nothing
    for SQLite (the file in the server's home), else ``SENTINEL_DB`` naming a fresh schema,
    dropped when the block ends (stop the server inside the block)."""
    if (dialect or run_dialect()) != "postgresql":
        yield {}
        return
    from sentinel_cli.store.postgres import close_pools

    with fresh_schema_url() as url:
        try:
            yield {"SENTINEL_DB": url}
        finally:
            close_pools()  # this process's connections to the schema (add_users, open_store)

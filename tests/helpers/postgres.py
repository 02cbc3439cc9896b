"""The PostgreSQL server of a test run, and a fresh schema in it for each test.

``.ci/with-services`` starts a throwaway PostgreSQL 15 for the run (or leaves one that
SENTINEL_TEST_POSTGRES already names) and passes its database's URL in SENTINEL_TEST_POSTGRES.
Every test then gets its own schema in that one database instead of a database of its own:
creating a schema takes milliseconds where CREATE DATABASE copies a template, and the test
processes of ``pytest -n`` never see each other's tables. The schema is chosen through the URL
(libpq's ``options`` parameter sets ``search_path``), so code under test connects with a plain
URL exactly as a user's ``--db`` would, and learns nothing about the isolation.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import pytest

ENV_VAR = "SENTINEL_TEST_POSTGRES"


def postgres_admin_url() -> str:
    """The run's database URL. Missing, it is a failure and not a skip: a suite that quietly left
    out its PostgreSQL half would pass while testing only SQLite."""
    url = os.environ.get(ENV_VAR, "")
    if not url:
        pytest.fail(
            f"{ENV_VAR} is not set: run the tests through .ci/with-services "
            f"(e.g. `.ci/with-services pytest -n auto`), which starts a throwaway PostgreSQL 15, "
            f"or set {ENV_VAR} to a postgresql:// URL of a database the tests may create schemas in",
            pytrace=False,
        )
    return url


def url_with_search_path(url: str, schema: str) -> str:
    """``url`` with ``search_path`` set to ``schema`` through libpq's ``options`` parameter,
    added to any options the URL already has. Percent-encoded with ``quote``: libpq decodes
    ``%XX`` but not ``+``, so a space must travel as ``%20``."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    setting = f"-csearch_path={schema}"
    existing = [value for key, value in query if key == "options"]
    options = " ".join([*existing, setting])
    query = [(key, value) for key, value in query if key != "options"] + [("options", options)]
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote, safe="")))


_admin: Any = None
"""One connection per test process that creates and drops the schemas (a connection costs an
authentication round trip; a test run makes hundreds of schemas)."""


def _admin_connection() -> Any:
    global _admin
    import psycopg

    if _admin is None or _admin.closed:
        _admin = psycopg.connect(postgres_admin_url(), autocommit=True)
        # A connection the test left open in a transaction would block a drop for ever: an
        # error naming the lock is better than a run that hangs.
        _admin.execute("SET lock_timeout = '10s'")
    return _admin


@contextmanager
def fresh_schema_url() -> Iterator[str]:
    """A URL of the run's database whose connections work in a new, empty schema
    (``t_`` + a uuid), dropped with everything in it when the block ends."""
    from psycopg import sql

    admin_url = postgres_admin_url()
    schema = f"t_{uuid.uuid4().hex}"
    _admin_connection().execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield url_with_search_path(admin_url, schema)
    finally:
        _admin_connection().execute(
            sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema))
        )

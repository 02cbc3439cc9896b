"""The PostgreSQL test service works: the run's server is PostgreSQL 15, and each ``pg_url`` is a
schema of its own that a plain connection from the URL lands in.

Every PostgreSQL store test stands on this; if the URL's ``search_path`` were lost on the way
(a URL encoding that libpq does not decode, say), tables would land in ``public`` and tests would
share them, passing or failing by the order they run in.
"""

from __future__ import annotations

import os
from urllib.parse import quote

import psycopg
import pytest

from tests.helpers.postgres import ENV_VAR, fresh_schema_url, url_with_search_path


def test_the_test_server_is_postgresql_15(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        assert conn.info.server_version // 10000 == 15


def test_a_connection_from_the_url_works_in_the_fresh_schema(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        schema = conn.execute("SELECT current_schema()").fetchone()
        assert schema is not None and schema[0].startswith("t_")
        assert conn.execute("SHOW search_path").fetchone() == (schema[0],)
        conn.execute("CREATE TABLE probe (id integer PRIMARY KEY, note text NOT NULL)")
        conn.execute("INSERT INTO probe VALUES (1, 'ünïcode')")
        home = conn.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'probe'"
        ).fetchall()
        assert home == [(schema[0],)]
        assert conn.execute("SELECT note FROM probe").fetchone() == ("ünïcode",)


def test_two_fixtures_get_different_schemas_and_the_schema_is_dropped(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        first = conn.execute("SELECT current_schema()").fetchone()
    with fresh_schema_url() as other_url, psycopg.connect(other_url) as conn:
        second = conn.execute("SELECT current_schema()").fetchone()
        conn.execute("CREATE TABLE probe (id integer)")
    assert first is not None and second is not None and first != second
    with psycopg.connect(os.environ[ENV_VAR]) as conn:
        left = conn.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s", (second[0],)
        ).fetchone()
    assert left == (0,)


def test_options_already_in_the_url_are_kept(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT current_schema()").fetchone()
    assert row is not None
    admin_url = os.environ[ENV_VAR]
    timeout = "options=" + quote("-cstatement_timeout=5s", safe="")
    base = admin_url + ("&" if "?" in admin_url else "?") + timeout
    with psycopg.connect(url_with_search_path(base, row[0])) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("5s",)
        assert conn.execute("SHOW search_path").fetchone() == (row[0],)


def test_without_a_server_the_fixture_fails_and_says_how_to_get_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV_VAR)
    with pytest.raises(pytest.fail.Exception, match=r"\.ci/with-services"), fresh_schema_url():
        pass

"""Shared fixtures: an isolated SENTINEL_HOME per test, a CLI runner over the real app and the
evidence estate (the classes and functions behind them live in ``tests/helpers/``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.store import open_store
from tests.helpers.cli import Cli
from tests.helpers.estate import Estate, build_estate
from tests.helpers.postgres import fresh_schema_url

DIALECTS = ("sqlite", "postgresql")


@pytest.fixture
def db_dialect(request: pytest.FixtureRequest) -> str:
    """The database of this test's store: ``sqlite`` (a file in the home), or ``postgresql`` (a
    fresh schema on the test server) for tests marked ``both_databases``, which run once on each.
    ``SENTINEL_TEST_DIALECT=postgresql`` runs every other test on PostgreSQL too (by hand)."""
    param = getattr(request, "param", None)
    return str(param or os.environ.get("SENTINEL_TEST_DIALECT") or "sqlite")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_dialect: str) -> Iterator[Path]:
    """A fresh SENTINEL_HOME with the file secrets backend (no OS keyring on CI machines), for
    every test: no test can read or write the developer's real store, keyring or login. On
    PostgreSQL, ``SENTINEL_DB`` names a schema of its own, dropped afterwards."""
    path = tmp_path / "home"
    monkeypatch.setenv("SENTINEL_HOME", str(path))
    monkeypatch.setenv("SENTINEL_SECRETS_BACKEND", "file")
    monkeypatch.delenv("SENTINEL_DB", raising=False)
    monkeypatch.delenv("SENTINEL_DEBUG", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    if db_dialect != "postgresql":
        yield path
        return
    from sentinel_cli.store.postgres import close_pools
    from tests.helpers.postgres import fresh_schema_url

    with fresh_schema_url() as url:
        monkeypatch.setenv("SENTINEL_DB", url)
        try:
            yield path
        finally:
            close_pools()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_databases`` run on SQLite and on PostgreSQL."""
    if "db_dialect" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_databases"
    ):
        metafunc.parametrize("db_dialect", DIALECTS, indirect=True)


@pytest.fixture
def settings(home: Path) -> Settings:
    return Settings.from_env()


@pytest.fixture
def cli(home: Path) -> Cli:
    return Cli()


@pytest.fixture
def estate(settings: Settings) -> Iterator[Estate]:
    """The evidence estate of ``tests/helpers/estate.py``, written to this test's fresh store."""
    with open_store(settings) as store:
        yield build_estate(store)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL of the run's PostgreSQL database (``.ci/with-services``) whose connections work in a
    fresh schema of this test's own, dropped afterwards (``tests/helpers/postgres.py``)."""
    with fresh_schema_url() as url:
        yield url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the tests marked ``long_wait`` first. They spend a minute or so waiting on real
    processes (a one-minute schedule, the demo); begun early they overlap the rest of the run on
    the other test processes instead of stretching its end."""
    items.sort(key=lambda item: item.get_closest_marker("long_wait") is None)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one test process more than there are cores. Many tests wait on real servers,
    workers and subprocesses, and with one process per core the cores idle through those waits."""
    import os

    return (os.cpu_count() or 1) + 1

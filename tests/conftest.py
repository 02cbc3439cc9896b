"""Shared fixtures: an isolated SENTINEL_HOME per test, a CLI runner over the real app and the
evidence estate (the classes and functions behind them live in ``tests/helpers/``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.store import open_store
from tests.helpers.cli import Cli
from tests.helpers.estate import Estate, build_estate


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh SENTINEL_HOME with the file secrets backend (no OS keyring on CI machines), for
    every test: no test can read or write the developer's real store, keyring or login."""
    path = tmp_path / "home"
    monkeypatch.setenv("SENTINEL_HOME", str(path))
    monkeypatch.setenv("SENTINEL_SECRETS_BACKEND", "file")
    monkeypatch.delenv("SENTINEL_DB", raising=False)
    monkeypatch.delenv("SENTINEL_DEBUG", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    yield path


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

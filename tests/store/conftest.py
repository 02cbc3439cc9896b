"""Fixtures of the store's tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def sqlite_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store is the SQLite file in the home, whatever the run's dialect: for the tests of the
    file itself (pragmas, file modes, corruption, migrations from old SQLite scripts), which mean
    nothing on PostgreSQL. Used as ``pytest.mark.usefixtures("sqlite_file")``, set up before the
    test's own fixtures, so ``settings`` and servers started in the test see no ``SENTINEL_DB``
    even when ``SENTINEL_TEST_DIALECT=postgresql`` runs everything else on PostgreSQL."""
    monkeypatch.delenv("SENTINEL_DB", raising=False)

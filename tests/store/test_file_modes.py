"""File modes of the store (issue 17 item 8): private files in a home other users can read.

A home the user made with ``mkdir`` under umask 0o022 is 0755; the database and its WAL and
shared-memory files hold password hashes and evidence, so they are created 0600 regardless.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.store import open_store
from tests.helpers.cli import Cli

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="POSIX file modes"),
    pytest.mark.usefixtures("sqlite_file"),  # the modes of the SQLite file and its WAL
]


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_wal_and_shm_are_private_in_an_open_home(home: Path, umask_022: None) -> None:
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    with open_store(Settings.from_env()) as store:
        with store.transaction():
            store.kv.set("probe", "value")
        database = home / "sentinel.db"
        wal, shm = Path(f"{database}-wal"), Path(f"{database}-shm")
        assert wal.exists() and shm.exists()  # the write went through the WAL
        assert {p.name: _mode(p) for p in (database, wal, shm)} == {
            "sentinel.db": 0o600,
            "sentinel.db-wal": 0o600,
            "sentinel.db-shm": 0o600,
        }


def test_cli_warns_about_an_open_home(home: Path, cli: Cli, umask_022: None) -> None:
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    result = cli("evidence", "list", "--json")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "chmod 700" in line]
    assert len(warnings) == 1 and "0755" in warnings[0]
    assert _mode(home / "sentinel.db") == 0o600


def test_no_warning_for_a_private_home(home: Path, cli: Cli) -> None:
    home.mkdir(mode=0o700)
    os.chmod(home, 0o700)
    result = cli("evidence", "list", "--json")
    assert result.exit_code == 0, result.stderr
    assert "chmod 700" not in result.stderr
    assert Settings.from_env().exposed_home() is None


def test_serve_logs_the_warning_for_an_open_home_only(tmp_path: Path, umask_022: None) -> None:
    from tests.helpers.server import Server, server_env

    open_home, private_home = tmp_path / "open", tmp_path / "private"
    open_home.mkdir(mode=0o755)
    os.chmod(open_home, 0o755)
    private_home.mkdir(mode=0o700)
    os.chmod(private_home, 0o700)
    logs = {}
    for name, path in (("open", open_home), ("private", private_home)):
        server = Server(path, server_env(path))
        server.start()
        try:
            logs[name] = server.log()
        finally:
            server.stop()
        assert _mode(path / "sentinel.db") == 0o600
    assert "chmod 700" in logs["open"] and "0755" in logs["open"]
    assert "chmod 700" not in logs["private"]

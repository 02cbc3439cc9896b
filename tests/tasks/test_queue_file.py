"""The queue's file: beside the store, private (its tasks name jobs and deliveries), movable."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.errors import StoreUnavailable
from sentinel_cli.tasks.queue import TaskQueue, queue_path


def test_the_queue_file_sits_beside_the_store_as_0600(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    previous = os.umask(0o022)
    try:
        queue = TaskQueue(settings)
    finally:
        os.umask(previous)
    path = queue_path(settings)
    assert path == settings.db_path.with_name("sentinel-queue.db")
    queue.enqueue_scheduled("some-integration")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert queue.pending() == 1


def test_sentinel_queue_moves_it_and_a_missing_directory_is_one_clear_error(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SENTINEL_QUEUE", str(tmp_path / "elsewhere.db"))
    assert queue_path(settings) == tmp_path / "elsewhere.db"
    monkeypatch.setenv("SENTINEL_QUEUE", str(tmp_path / "missing" / "q.db"))
    with pytest.raises(StoreUnavailable, match="does not exist"):
        TaskQueue(settings)

"""The file secrets backend under concurrent processes, and the repair of an interrupted removal.

Issue 17 item 7: with ``serve --workers 2`` concurrent connects and deletes lost updates to
``secrets.json`` (a deleted integration's secret came back). Each process here has its own
``FileSecrets`` on one file, as uvicorn workers and a CLI command beside a server do.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

from sentinel_cli.config import Settings
from sentinel_cli.operations import integrations
from sentinel_cli.secrets import FileSecrets, integration_secret_key
from sentinel_cli.store import open_store
from tests.helpers.cli import Cli

WORKERS = 8
SETS_PER_WORKER = 3


def _worker(path: str, index: int, start_at: float) -> None:
    """Set three keys of its own and delete three pre-existing ones, all starting at once."""
    secrets = FileSecrets(Path(path))
    while time.time() < start_at:
        time.sleep(0.001)
    for n in range(SETS_PER_WORKER):
        secrets.set(f"new:{index}:{n}", "x" * 200)
        secrets.delete(f"old:{index}:{n}")


def test_concurrent_processes_lose_no_update(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    seed = FileSecrets(path)
    for index in range(WORKERS):
        for n in range(SETS_PER_WORKER):
            seed.set(f"old:{index}:{n}", "gone")
    seed.set("keep", "kept")

    context = multiprocessing.get_context("fork")
    start_at = time.time() + 0.5
    processes = [
        context.Process(target=_worker, args=(str(path), i, start_at)) for i in range(WORKERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0

    expected = {"keep"} | {f"new:{i}:{n}" for i in range(WORKERS) for n in range(SETS_PER_WORKER)}
    assert set(json.loads(path.read_text(encoding="utf-8"))) == expected
    assert path.stat().st_mode & 0o777 == 0o600
    assert FileSecrets(path).lock_path.exists()


def _add_integration(settings: Settings, name: str) -> str:
    with open_store(settings) as store:
        shape = integrations.connect_github(
            store,
            FileSecrets(settings.home / "secrets.json"),
            org="acme",
            token="ghp_" + "a" * 36,
            name=name,
            verify=False,
        )
    return str(shape["id"])


def test_secret_left_by_an_interrupted_removal_is_dropped_on_the_next_write(
    settings: Settings, cli: Cli
) -> None:
    secrets = FileSecrets(settings.home / "secrets.json")
    interrupted = _add_integration(settings, "interrupted")
    survivor = _add_integration(settings, "survivor")
    # A removal that committed its row and died before deleting the secret.
    with open_store(settings) as store, store.transaction():
        store.integrations.mark_removed(interrupted)
    # A secret with no row at all (another database in this home, or a connect in flight) stays.
    unknown = integration_secret_key("00000000-0000-0000-0000-000000000000")
    secrets.set(unknown, "{}")
    assert secrets.get(integration_secret_key(interrupted)) is not None

    result = cli(
        "integrations",
        "connect",
        "github",
        "--org",
        "other",
        "--token",
        "ghp_" + "b" * 36,
        "--no-verify",
        "--json",
    )
    assert result.exit_code == 0, result.stderr

    assert secrets.get(integration_secret_key(interrupted)) is None
    assert secrets.get(integration_secret_key(survivor)) is not None
    assert secrets.get(unknown) == "{}"


def test_remove_also_repairs_earlier_interruptions(settings: Settings, cli: Cli) -> None:
    secrets = FileSecrets(settings.home / "secrets.json")
    interrupted = _add_integration(settings, "interrupted")
    removed_now = _add_integration(settings, "removed-now")
    with open_store(settings) as store, store.transaction():
        store.integrations.mark_removed(interrupted)

    result = cli("integrations", "remove", removed_now, "--json")
    assert result.exit_code == 0, result.stderr

    held = [k for k in secrets.names() if k.startswith(integration_secret_key(""))]
    assert held == []


def test_server_start_repairs_an_interrupted_removal(settings: Settings) -> None:
    from tests.helpers.server import Server, server_env

    secrets = FileSecrets(settings.home / "secrets.json")
    interrupted = _add_integration(settings, "interrupted")
    survivor = _add_integration(settings, "survivor")
    with open_store(settings) as store, store.transaction():
        store.integrations.mark_removed(interrupted)

    server = Server(settings.home, server_env(settings.home))
    server.start()
    server.stop()

    assert secrets.get(integration_secret_key(interrupted)) is None
    assert secrets.get(integration_secret_key(survivor)) is not None

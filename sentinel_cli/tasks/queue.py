"""Where the queue lives and which tasks it has: one ``TaskQueue`` per process.

The storage is Huey's SQLite storage in a file beside the store (``sentinel-queue.db`` next to
``sentinel.db``), created mode 0600 before Huey opens it, so producers (the API) and consumers
(``sentinel worker``) on one machine find the same queue with no server to run. Tasks are
registered under fixed names; a producer and a consumer agree on nothing else.

huey is imported here, and this module only where a queue is needed (the server, the worker), so
the CLI's start-up never pays for it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sentinel_cli.config import Settings
from sentinel_cli.errors import StoreUnavailable
from sentinel_cli.store.connection import create_private_file

if TYPE_CHECKING:
    from huey import Huey

log = logging.getLogger("sentinel.tasks")

ENV_QUEUE = "SENTINEL_QUEUE"

COLLECT = "sentinel.collect"
START_SCHEDULED = "sentinel.start_scheduled"
DELIVER = "sentinel.deliver"
REMIND = "sentinel.remind"
USE_CASE = "sentinel.use_case"


def queue_path(settings: Settings) -> Path:
    """``SENTINEL_QUEUE`` (a file path), else the store's name with ``-queue`` beside it (in the
    home directory when the store is on a PostgreSQL server)."""
    configured = os.environ.get(ENV_QUEUE, "").strip()
    if configured:
        return Path(configured).expanduser()
    db = settings.home / "sentinel.db" if settings.db_url else settings.db_path
    return db.with_name(f"{db.stem}-queue{db.suffix or '.db'}")


def build_huey(settings: Settings) -> Huey:
    import sqlite3

    from huey import SqliteHuey

    path = queue_path(settings)
    if path.parent == settings.home:
        settings.ensure_home()
    elif not path.parent.is_dir():
        raise StoreUnavailable(
            f"the directory of the queue file {path} does not exist",
            hint="create it, or point SENTINEL_QUEUE at a file in an existing directory",
        )
    create_private_file(path)  # 0600 before Huey opens it: tasks name jobs and deliveries
    try:
        # Results are kept only for what returns one (a background use case the API waits
        # for); other tasks return None, which is not stored.
        return SqliteHuey(
            name="sentinel",
            filename=str(path),
            results=True,
            store_none=False,
            utc=True,
            timeout=15,
        )
    except sqlite3.Error as exc:
        raise StoreUnavailable(
            f"cannot open the queue file {path}: {exc}",
            hint="check that it is a writable file (SENTINEL_QUEUE moves it)",
        ) from None


class TaskQueue:
    """The queue of this process and its named tasks.

    A producer only enqueues (``enqueue_collection``, ``enqueue_delivery``); a consumer also
    runs the bodies, which ``tasks.runner.TaskBodies`` binds with the worker's settings and
    outbound rule. Both sides register the same names, so either side can build the other's call.
    """

    def __init__(self, settings: Settings, bodies: Any | None = None) -> None:
        from huey import crontab

        self.settings = settings
        self.huey = build_huey(settings)
        self.bodies = bodies
        self._collect = self.huey.task(name=COLLECT)(self._body("collect"))
        self._start_scheduled = self.huey.task(name=START_SCHEDULED)(self._body("start_scheduled"))
        self._deliver = self.huey.task(name=DELIVER)(self._body("deliver"))
        self._use_case = self.huey.task(name=USE_CASE)(self._body("use_case"))
        # Reminders (expiring exceptions, policy reviews) are announced once per item, so a
        # check every quarter hour costs a few queries and never repeats a message.
        self._remind = self.huey.periodic_task(crontab(minute="*/15"), name=REMIND)(
            self._body("remind")
        )

    def _body(self, name: str) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            if self.bodies is None:
                raise RuntimeError(f"task {name} reached a process that only enqueues")
            return getattr(self.bodies, name)(*args)

        run.__name__ = name
        return run

    def enqueue_collection(self, job_id: str) -> None:
        self._collect(job_id)

    def enqueue_scheduled(self, integration_id: str) -> None:
        self._start_scheduled(integration_id)

    def enqueue_delivery(self, delivery_id: str, attempt: int = 1, delay: float = 0.0) -> None:
        if delay > 0:
            self._deliver.schedule(args=(delivery_id, attempt), delay=delay)
        else:
            self._deliver(delivery_id, attempt)

    def enqueue_use_case(
        self, name: str, values: dict[str, Any], actor: str | None, role: str | None
    ) -> Any:
        """Run a background use case on a worker; returns Huey's result handle to wait on."""
        return self._use_case(name, values, actor, role)

    def pending(self) -> int:
        """Tasks waiting (not counting scheduled retries): for health and benchmarks."""
        return int(self.huey.pending_count())

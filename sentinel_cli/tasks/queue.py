"""Where the queue lives and which tasks it has: one ``TaskQueue`` per process.

By default the storage is Huey's SQLite storage in a file beside the store (``sentinel-queue.db``
next to ``sentinel.db``), created mode 0600 before Huey opens it, so producers (the API) and
consumers (``sentinel worker``) on one machine find the same queue with no server to run. When
``SENTINEL_QUEUE`` is a ``redis://``, ``rediss://`` or ``unix://`` URL the storage is Huey's
Redis storage on that server instead, so workers on any number of machines share the work. Tasks
are registered under fixed names; a producer and a consumer agree on nothing else.

huey is imported here, and this module only where a queue is needed (the server, the worker), so
the CLI's start-up never pays for it; the redis client only when the queue is on Redis.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sentinel_cli.config import Settings, redact_url
from sentinel_cli.errors import InvalidInput, SentinelError, StoreUnavailable
from sentinel_cli.store.connection import create_private_file

if TYPE_CHECKING:
    from huey import Huey

log = logging.getLogger("sentinel.tasks")

ENV_QUEUE = "SENTINEL_QUEUE"

COLLECT = "sentinel.collect"
COLLECT_PART = "sentinel.collect_part"
START_SCHEDULED = "sentinel.start_scheduled"
DELIVER = "sentinel.deliver"
REMIND = "sentinel.remind"
USE_CASE = "sentinel.use_case"

REDIS_SCHEMES = ("redis", "rediss", "unix")
# Seconds to open a connection to Redis, and to wait for any one answer. A worker's blocking read
# of the queue waits at most a second (Huey's read timeout), well inside the answer limit.
REDIS_CONNECT_TIMEOUT = 5.0
REDIS_ANSWER_TIMEOUT = 10.0


def queue_url() -> str | None:
    """The Redis URL ``SENTINEL_QUEUE`` names, or None when the queue is a SQLite file. Any other
    ``scheme://`` is refused rather than taken for a file name."""
    configured = os.environ.get(ENV_QUEUE, "").strip()
    scheme, sep, _ = configured.partition("://")
    if not sep:
        return None
    if scheme.lower() not in REDIS_SCHEMES:
        raise InvalidInput(
            f"the queue {redact_url(configured)} is neither a file path nor a Redis URL",
            hint="set SENTINEL_QUEUE (or --queue) to redis://HOST:PORT/DB, rediss://..., "
            "unix:///PATH/TO/SOCKET or a file path",
        )
    return configured


def queue_path(settings: Settings) -> Path:
    """``SENTINEL_QUEUE`` (a file path), else the store's name with ``-queue`` beside it (in the
    home directory when the store is on a PostgreSQL server)."""
    configured = os.environ.get(ENV_QUEUE, "").strip()
    if configured:
        return Path(configured).expanduser()
    db = settings.home / "sentinel.db" if settings.db_url else settings.db_path
    return db.with_name(f"{db.stem}-queue{db.suffix or '.db'}")


def describe_queue(settings: Settings) -> str:
    """The queue as logs and messages show it: the file path, or the URL without its password."""
    url = queue_url()
    return redact_url(url) if url else str(queue_path(settings))


def build_huey(settings: Settings) -> Huey:
    url = queue_url()
    if url:
        return _redis_huey(url)
    return _sqlite_huey(settings)


def _redis_huey(url: str) -> Huey:
    """Huey's Redis storage on the server ``url`` names. Nothing connects yet: the first enqueue
    or read does (``TaskQueue.check`` makes a worker and ``serve`` try at start)."""
    shown = redact_url(url)
    try:
        import redis
    except ImportError:
        raise SentinelError(
            f"a queue on Redis ({shown}) needs the redis extra (redis is not installed)",
            hint="pip install 'sentinel-compliance[redis]'",
        ) from None
    from huey import RedisHuey

    try:
        # The URL's own query parameters (e.g. ?socket_timeout=) win over these defaults.
        pool = redis.ConnectionPool.from_url(
            url,
            socket_connect_timeout=REDIS_CONNECT_TIMEOUT,
            socket_timeout=REDIS_ANSWER_TIMEOUT,
            health_check_interval=30,
        )
    except ValueError as exc:
        raise InvalidInput(
            f"the queue URL {shown} is not valid: {_without_password(str(exc), url)}",
            hint="e.g. redis://:PASSWORD@HOST:6379/0 or unix:///run/redis/redis.sock?db=0",
        ) from None
    # Results are kept only for what returns one, as on SQLite. The storage connects through
    # the pool built above (Huey's connection_pool=, as url= would, plus the time limits).
    return RedisHuey(
        name="sentinel",
        connection_pool=pool,
        results=True,
        store_none=False,
        utc=True,
    )


def _without_password(text: str, url: str) -> str:
    """``text`` (a client's error message) with the URL's password, if it appears, masked."""
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    text = text.replace(url, redact_url(url))
    for secret in {password, unquote(password)} if password else ():
        text = text.replace(secret, "***")
    return text


def _sqlite_huey(settings: Settings) -> Huey:
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
        self._collect_part = self.huey.task(name=COLLECT_PART)(self._body("collect_part"))
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

    def enqueue_part(self, job_id: str, part_key: str) -> None:
        """One part of a split collection (``operations.split``), for any worker."""
        self._collect_part(job_id, part_key)

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

    def check(self) -> None:
        """Read the queue once, so that a worker or server whose queue cannot be reached (Redis
        down, a wrong password, an unwritable file) stops at start with one line instead of
        logging the same failure every second."""
        try:
            self.pending()
        except Exception as exc:
            url = queue_url()
            reason = _without_password(str(exc), url) if url else str(exc)
            raise StoreUnavailable(
                f"cannot reach the task queue at {describe_queue(self.settings)}: {reason}",
                hint="check that the Redis server runs and the URL (host, port, password) is right"
                if url
                else "check that the queue file is a writable SQLite file (SENTINEL_QUEUE)",
            ) from None

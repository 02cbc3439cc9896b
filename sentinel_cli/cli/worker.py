"""``sentinel worker``: run queued work (collections the server starts, schedules, notifications).

``sentinel serve`` starts one worker beside its web processes unless given ``--no-worker``; run
this command yourself to add workers or to keep them apart from the web server. Every worker
shares the queue (a file beside the store, or a Redis server: ``--queue`` / ``SENTINEL_QUEUE``) and
the store itself.

A worker enforces the server's outbound rule on integration endpoints and notification URLs, read
from the same options and environment variables as ``serve``. huey is imported in the command only.
"""

from __future__ import annotations

import logging
import os

import typer

from sentinel_cli.cli.options import JSON_OPTION


def worker(
    concurrency: int = typer.Option(
        2, "--concurrency", "-c", help="Tasks run at once (threads; collections are I/O bound)."
    ),
    queue: str | None = typer.Option(
        None,
        "--queue",
        help="The task queue: a SQLite file path or redis://[:PASSWORD@]HOST:PORT/DB (also "
        "rediss://, unix://) shared by workers on several machines (env SENTINEL_QUEUE, better "
        "for a password; default: a file beside the store).",
    ),
    allow_endpoint_hosts: str | None = typer.Option(
        None,
        "--allow-endpoint-hosts",
        help="Hostnames, IPs or CIDR ranges (each with an optional :port) that custom AWS "
        "endpoints, GitHub base URLs and notification URLs may reach although they are loopback, "
        "link-local or private (default: public addresses only).",
    ),
    allow_ambient_aws_credentials: bool = typer.Option(
        False,
        "--allow-ambient-aws-credentials",
        help="Let AWS collections use this machine's own profiles and default credential chain.",
    ),
    shutdown_timeout: float = typer.Option(
        30.0,
        "--shutdown-timeout",
        help="Seconds SIGTERM waits for tasks in hand before stopping (a collection cut short is "
        "run again by another worker once its lease expires).",
    ),
    log_level: str = typer.Option("info", "--log-level", help="debug, info, warning or error."),
    parent_pid: int | None = typer.Option(
        None, "--parent-pid", hidden=True, help="Stop when this process (serve) is gone."
    ),
) -> None:
    """Run background work from the queue until stopped (SIGTERM finishes tasks in hand).

    As for sentinel serve, the environment can set the outbound options instead:
    SENTINEL_ALLOW_ENDPOINT_HOSTS and SENTINEL_ALLOW_AMBIENT_AWS_CREDENTIALS=1.
    """
    from sentinel_cli.config import Settings
    from sentinel_cli.egress import (
        ENV_ALLOW_AMBIENT_AWS_CREDENTIALS,
        ENV_ALLOW_ENDPOINT_HOSTS,
        EgressPolicy,
        parse_allowed_hosts,
    )
    from sentinel_cli.errors import InvalidInput

    if not 1 <= concurrency <= 64:
        raise InvalidInput("--concurrency must be between 1 and 64")
    level = getattr(logging, log_level.upper(), None)
    if not isinstance(level, int):
        raise InvalidInput("--log-level must be one of debug, info, warning, error")
    if queue is not None:
        from sentinel_cli.tasks.queue import ENV_QUEUE

        os.environ[ENV_QUEUE] = queue
    if allow_endpoint_hosts is not None:
        parse_allowed_hosts(allow_endpoint_hosts)
        os.environ[ENV_ALLOW_ENDPOINT_HOSTS] = allow_endpoint_hosts
    if allow_ambient_aws_credentials:
        os.environ[ENV_ALLOW_AMBIENT_AWS_CREDENTIALS] = "1"
    egress = EgressPolicy.server()
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    from sentinel_cli.tasks.consumer import run_worker

    settings = Settings.from_env()
    if settings.secrets_backend == "store":
        from sentinel_cli.secrets import load_key

        load_key()  # without the store secrets' key no collection could run: refuse to start
    run_worker(
        settings,
        concurrency=concurrency,
        egress=egress,
        parent_pid=parent_pid,
        shutdown_timeout=shutdown_timeout,
    )


def workers(as_json: bool = JSON_OPTION) -> None:
    """List the queue workers that are alive (seen in the last 20 seconds) on this store or the
    server you are logged in to. None: collections the server starts wait in its queue."""
    from sentinel_cli.cli import console, context

    with context.backend() as backend:
        alive = backend.list_workers()
    console.emit(
        {"workers": alive},
        as_json,
        lambda: console.table(
            "Queue workers",
            ["Worker", "Host", "PID", "Threads", "Started", "Last seen"],
            [
                (
                    w["id"].rsplit(":", 1)[-1],
                    w["host"],
                    w["pid"],
                    w["concurrency"],
                    w["startedAt"],
                    w["lastSeenAt"],
                )
                for w in alive
            ],
            empty="No worker is running: queued collections, schedules and notifications wait. "
            "Start one: sentinel worker (sentinel serve runs one unless --no-worker)",
        ),
    )

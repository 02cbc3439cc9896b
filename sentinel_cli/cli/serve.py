"""``sentinel serve``: run the web dashboard and the REST API with uvicorn (the ``serve`` extra).

Before uvicorn starts, this command opens the store (migrating it and marking jobs a dead server
left RUNNING as FAILED), creates the JWT signing key if there is none (once, here, so ``--workers``
processes never race to create different keys), and, when no user exists yet, prints the command
that creates the first ADMIN. Options that the app reads become environment variables, because with
``--workers N`` every worker builds its own app from the environment (uvicorn's factory import
string). uvicorn stops gracefully on SIGTERM/SIGINT: it stops accepting and finishes requests in
flight (up to ``--graceful-timeout``).

Background work (collections the API or dashboard start, schedules, notifications) runs on a queue
worker. Unless ``--no-worker``, this command starts exactly one ``sentinel worker`` child process
beside uvicorn, however many ``--workers`` serve HTTP, and stops it (SIGTERM, same grace) on exit;
so one command still does everything on one machine.

fastapi, uvicorn, PyJWT and argon2 are imported inside the command only: the CLI starts without them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import typer

from sentinel_cli.cli import console

if TYPE_CHECKING:
    from sentinel_cli.egress import EgressPolicy

APP_FACTORY = "sentinel_cli.api.app:create_app_from_env"
ENV_FORWARDED_ALLOW_IPS = "SENTINEL_FORWARDED_ALLOW_IPS"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def serve(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to bind (put a TLS proxy in front of non-loopback)."
    ),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    workers: int = typer.Option(1, "--workers", help="Worker processes (state is shared)."),
    rate_limit: str | None = typer.Option(
        None,
        "--rate-limit",
        help="Requests per window per user, REQUESTS/SECONDS (default 100/900; env "
        "SENTINEL_RATE_LIMIT; 'off' disables).",
    ),
    login_rate_limit: str | None = typer.Option(
        None,
        "--login-rate-limit",
        help="Login attempts per client IP, REQUESTS/SECONDS (default 10/900; env "
        "SENTINEL_LOGIN_RATE_LIMIT).",
    ),
    web_rate_limit: str | None = typer.Option(
        None,
        "--web-rate-limit",
        help="Web dashboard pages and htmx requests per browser session, REQUESTS/SECONDS "
        "(default 1200/900: one person clicking while a page polls every 2 s; env "
        "SENTINEL_WEB_RATE_LIMIT; 'off' disables). Static files are never counted.",
    ),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        "--forwarded-allow-ips",
        help="Comma-separated proxy IPs or CIDR ranges whose X-Forwarded-For/-Proto headers are "
        "trusted (env SENTINEL_FORWARDED_ALLOW_IPS; default: none, the socket address is the "
        "client).",
    ),
    allow_endpoint_hosts: str | None = typer.Option(
        None,
        "--allow-endpoint-hosts",
        help="Comma-separated hostnames, IPs or CIDR ranges (each with an optional :port) that "
        "users' custom AWS endpoints, GitHub base URLs and notification URLs may reach although "
        "they are loopback, link-local or private (env SENTINEL_ALLOW_ENDPOINT_HOSTS; default: "
        "public addresses only).",
    ),
    allow_ambient_aws_credentials: bool = typer.Option(
        False,
        "--allow-ambient-aws-credentials",
        help="Let AWS connections use this server's own profiles and default credential chain "
        "(env SENTINEL_ALLOW_AMBIENT_AWS_CREDENTIALS=1; default: each connection brings its keys).",
    ),
    no_worker: bool = typer.Option(
        False,
        "--no-worker",
        help="Do not start a background worker: run 'sentinel worker' separately (other "
        "machines, or more of them). Collections, schedules and notifications wait for one.",
    ),
    worker_concurrency: int = typer.Option(
        2, "--worker-concurrency", help="Tasks the embedded worker runs at once."
    ),
    queue: str | None = typer.Option(
        None,
        "--queue",
        help="The task queue: a SQLite file path or redis://[:PASSWORD@]HOST:PORT/DB (also "
        "rediss://, unix://), where workers on any machine find the work (env SENTINEL_QUEUE, "
        "better for a password; default: a file beside the store).",
    ),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
    graceful_timeout: int = typer.Option(
        30, "--graceful-timeout", help="Seconds to finish requests in flight when stopping."
    ),
) -> None:
    """Serve the web dashboard (/) and the REST API (/api, docs at /api/docs) from the local store."""
    from sentinel_cli.api.config import (
        ENV_LOGIN_RATE_LIMIT,
        ENV_RATE_LIMIT,
        ENV_WEB_RATE_LIMIT,
        ApiSettings,
    )
    from sentinel_cli.errors import InvalidInput, SentinelError

    try:
        import uvicorn

        from sentinel_cli.api.auth import load_or_create_signing_key
    except ImportError as exc:
        raise SentinelError(
            f"sentinel serve needs the serve extra ({exc.name} is not installed)",
            hint="pip install 'sentinel-compliance[serve]'",
        ) from None
    if not 1 <= port <= 65535:
        raise InvalidInput("--port must be between 1 and 65535")
    if not 1 <= workers <= 64:
        raise InvalidInput("--workers must be between 1 and 64")
    if not 1 <= worker_concurrency <= 64:
        raise InvalidInput("--worker-concurrency must be between 1 and 64")
    if rate_limit is not None:
        os.environ[ENV_RATE_LIMIT] = rate_limit
    if login_rate_limit is not None:
        os.environ[ENV_LOGIN_RATE_LIMIT] = login_rate_limit
    if web_rate_limit is not None:
        os.environ[ENV_WEB_RATE_LIMIT] = web_rate_limit
    settings = ApiSettings.from_env()  # validates the limits before any worker starts
    if forwarded_allow_ips is not None:
        os.environ[ENV_FORWARDED_ALLOW_IPS] = forwarded_allow_ips
    trusted_proxies = _trusted_proxies(os.environ.get(ENV_FORWARDED_ALLOW_IPS, ""))
    egress = _egress_policy(allow_endpoint_hosts, allow_ambient_aws_credentials)
    from sentinel_cli.tasks.queue import ENV_QUEUE, TaskQueue, describe_queue

    if queue is not None:
        os.environ[ENV_QUEUE] = queue  # for the app's processes and the embedded worker

    from sentinel_cli.operations import users
    from sentinel_cli.store import open_store

    with open_store(settings.base) as store:
        has_users = users.has_users(store)
    # A queue that cannot be reached stops the server here, in one line (exit 6), not in the
    # first request that enqueues: the same check the workers make at start.
    TaskQueue(settings.base).check()
    load_or_create_signing_key(settings.base)
    exposed = settings.base.exposed_home()
    if exposed:
        import logging

        logging.getLogger("sentinel.api").warning(exposed)

    shown = f"[{host}]" if ":" in host else host
    typer.echo(
        f"Sentinel on http://{shown}:{port}/ (dashboard), API at /api, docs /api/docs "
        f"(store: {settings.base.database}; queue: {describe_queue(settings.base)}; "
        f"rate limits: API {settings.rate_limit or 'off'} per "
        f"user, web {settings.web_rate_limit or 'off'} per session)"
    )
    if trusted_proxies:
        typer.echo(f"Client addresses from X-Forwarded-For of: {', '.join(trusted_proxies)}")
    if egress.allowed:
        typer.echo("Custom endpoints may also reach: " + ", ".join(str(e) for e in egress.allowed))
    if egress.ambient_aws_credentials:
        console.notice(
            "warning: AWS connections may use this server's own credentials "
            "(--allow-ambient-aws-credentials)"
        )
    if host not in LOOPBACK:
        console.notice(
            "warning: listening beyond loopback; serve it behind a TLS-terminating proxy so "
            "passwords and tokens never cross the network in clear"
        )
    if not has_users:
        typer.echo(
            "No users yet. Create the first admin (in another terminal, same SENTINEL_HOME):\n"
            "  sentinel users add --email you@example.com --role ADMIN"
        )
    if no_worker:
        typer.echo("No background worker (--no-worker): run 'sentinel worker' to process the queue")
    sys.stdout.flush()
    embedded = None if no_worker else _start_worker(worker_concurrency, log_level, graceful_timeout)
    try:
        _run_uvicorn(uvicorn, host, port, workers, log_level, graceful_timeout, trusted_proxies)
    finally:
        if embedded is not None:
            _stop_worker(embedded, graceful_timeout)


def _run_uvicorn(
    uvicorn: Any,
    host: str,
    port: int,
    workers: int,
    log_level: str,
    graceful_timeout: int,
    trusted_proxies: list[str],
) -> None:
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers if workers > 1 else None,
        log_level=log_level.lower(),
        timeout_graceful_shutdown=graceful_timeout,
        server_header=False,  # no "server: uvicorn" banner telling a scanner what to try
        # uvicorn would trust X-Forwarded-For from 127.0.0.1 (or FORWARDED_ALLOW_IPS) by default,
        # letting any local process pick its client address, and with it a fresh login bucket.
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=",".join(trusted_proxies) if trusted_proxies else "",
    )


def _start_worker(concurrency: int, log_level: str, grace: int) -> subprocess.Popen[bytes]:
    """The one worker of this ``serve`` command (not one per uvicorn process): a child process
    with this environment (store, queue, outbound rule), told our pid so it stops if we vanish."""
    command = [
        sys.executable,
        "-m",
        "sentinel_cli",
        "worker",
        "--concurrency",
        str(concurrency),
        "--log-level",
        log_level.lower() if log_level.lower() != "trace" else "debug",
        "--shutdown-timeout",
        str(grace),
        "--parent-pid",
        str(os.getpid()),
    ]
    return subprocess.Popen(command, env=dict(os.environ))


def _stop_worker(proc: subprocess.Popen[bytes], grace: int) -> None:
    """SIGTERM lets the worker finish the tasks in hand for up to the grace period; a collection
    still running after that is re-run by the next worker once its lease expires."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace + 5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _egress_policy(hosts: str | None, ambient_aws: bool) -> EgressPolicy:
    """Validate the outbound rule before any worker starts (a typo exits 2 here) and hand it to
    the worker processes through the environment, where ``EgressPolicy.server()`` reads it."""
    from sentinel_cli.egress import (
        ENV_ALLOW_AMBIENT_AWS_CREDENTIALS,
        ENV_ALLOW_ENDPOINT_HOSTS,
        EgressPolicy,
        parse_allowed_hosts,
    )

    if hosts is not None:
        parse_allowed_hosts(hosts)
        os.environ[ENV_ALLOW_ENDPOINT_HOSTS] = hosts
    if ambient_aws:
        os.environ[ENV_ALLOW_AMBIENT_AWS_CREDENTIALS] = "1"
    return EgressPolicy.server()


def _trusted_proxies(value: str) -> list[str]:
    """The proxies the operator named, validated, so a typo fails at start, not as silent trust.

    uvicorn's own ``FORWARDED_ALLOW_IPS`` is deliberately not honoured: a variable left over in the
    environment must not widen whose word is taken for the client's address.
    """
    import ipaddress

    from sentinel_cli.errors import InvalidInput

    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    for entry in entries:
        if entry == "*":
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise InvalidInput(
                f"--forwarded-allow-ips: {entry!r} is not an IP address, CIDR range or '*'",
                hint="name the reverse proxy's address, e.g. --forwarded-allow-ips 127.0.0.1",
            ) from None
    if not entries and os.environ.get("FORWARDED_ALLOW_IPS"):
        console.notice(
            "FORWARDED_ALLOW_IPS is ignored: name trusted proxies with --forwarded-allow-ips "
            f"(env {ENV_FORWARDED_ALLOW_IPS}); client addresses are the socket addresses"
        )
    return entries

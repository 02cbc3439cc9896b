"""Bench the REST API under load: throughput and latency of the evidence list and the dashboard,
beside a bare "hello" route of the same server as the ceiling.

Builds a store of 100,000 current evidence items (2 integrations x 1 collection x 50,000 items, by
default) through the store's own write path (``bench/query.py``'s builder: ``jobs.start`` +
``evidence.insert_many`` + ``jobs.finish``), adds an ADMIN, starts ``sentinel serve --workers 1``
on 127.0.0.1 with ``SENTINEL_BENCH=1`` (which adds ``GET /api/_bench/hello``), logs in, and then
loads each route from this process (a second process on loopback) with a small asyncio HTTP/1.1
keep-alive client over ``--connections`` connections for ``--seconds`` seconds each (after a
warm-up), split into ``--rounds`` interleaved turns so the routes share the machine's noise:

    GET /api/_bench/hello                     the ceiling: routing, middleware, envelope
    GET /api/evidence?status=FAIL&limit=50    authenticated, 50 items of the ~15,000 FAIL ones
    GET /api/dashboard/stats                  authenticated, the whole dashboard

It prints requests per second, p50 and p99 latency for each, and each rate as a share of hello's.
Targets (issue 9): the evidence list at >= 50% of hello's rate, with p99 under 100 ms.

What the ceiling includes: hello goes through the same middleware as every route (a store
connection lease and the rate-limit counter write in SQLite, which every response pays), but no
token check and no query. The rate limit is raised so the load is not refused, and uvicorn runs at
log level ``warning`` by default (no access log line per request; ``--log-level info`` or
``debug`` measures with logging on).

The server's output goes to ``serve.log`` in the bench's home directory, never to a pipe: a pipe
nobody reads fills at 64 KB and then blocks the server on its next log line, and the bench with
it. Its tail is printed when the server fails to start, dies, or answers with errors; a request
that gets no answer within ``REQUEST_TIMEOUT`` seconds fails the run instead of hanging it.

    .venv/bin/python bench/api.py                        # 100k items, 10 s per route
    .venv/bin/python bench/api.py --items 2000 --seconds 3   # a quick smoke run
    .venv/bin/python bench/api.py --keep /tmp/sentinel-api-bench   # keep (and reuse) the store
    .venv/bin/python bench/api.py --db postgresql://user:pw@127.0.0.1/bench   # store on PostgreSQL

With ``--db URL`` the store is built on (or reused from) that PostgreSQL database and the server
runs with ``SENTINEL_DB=URL``; everything else is the same, so the figures compare with SQLite's.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# bench/queue.py (its name is issue 20's) would stand in for the standard library's ``queue`` in
# psycopg's imports, since running a script puts its folder first on sys.path: take it off.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

PASSWORD = "bench password 123"
EMAIL = "bench@example.com"
TARGET_SHARE = 0.5
TARGET_P99_MS = 100.0
ROUTES = (
    ("hello", "/api/_bench/hello", False),
    ("evidence list", "/api/evidence?status=FAIL&limit=50", True),
    ("dashboard", "/api/dashboard/stats", True),
)
_LENGTH = re.compile(rb"(?i)\r\ncontent-length: *(\d+)")
REQUEST_TIMEOUT = 30.0
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
LOG_TAIL_LINES = 40


def _query_bench():  # type: ignore[no-untyped-def]
    """bench/query.py as a module (the shared store builder of the benches)."""
    path = Path(__file__).with_name("query.py")
    spec = importlib.util.spec_from_file_location("sentinel_bench_query", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare(home: Path, *, integrations: int, items: int, db_url: str | None = None) -> None:
    from sentinel_cli.config import Settings
    from sentinel_cli.operations import billing, users
    from sentinel_cli.store import open_store

    settings = Settings(home=home, db_path=home / "sentinel.db", db_url=db_url)
    bench = _query_bench()
    empty = not bench.existing_items(db_url) if db_url else not settings.db_path.exists()
    if empty:
        bench.build(
            home, integrations=integrations, jobs=1, items=items // integrations, db_url=db_url
        )
    with open_store(settings) as store:
        billing.set_plan(store, "ENTERPRISE")
        if store.users.get_by_email(EMAIL) is None:
            users.add_user(store, email=EMAIL, role="ADMIN", password=PASSWORD)
        total = store.conn.execute("SELECT COUNT(*) FROM evidence").fetchone()[0]
    print(f"store: {total:,} evidence items in {home}", flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def log_tail(log: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines of the server log, framed for the terminal."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(no server log at {log}: {exc.strerror})"
    tail = text.splitlines()[-lines:]
    return "\n".join([f"--- last {len(tail)} lines of {log} ---", *tail, "--- end of log ---"])


def start_server(
    home: Path,
    port: int,
    log: Path,
    log_level: str,
    db_url: str | None = None,
    extra: tuple[str, ...] = (),
) -> subprocess.Popen[bytes]:
    """``sentinel serve`` on ``port``, its stdout and stderr appended to the file ``log``;
    ``extra``: more ``serve`` options (bench/scale.py passes ``--no-worker``)."""
    env = {
        **os.environ,
        "SENTINEL_HOME": str(home),
        "SENTINEL_SECRETS_BACKEND": "file",
        "SENTINEL_BENCH": "1",
        "SENTINEL_RATE_LIMIT": "100000000/900",
    }
    env.pop("SENTINEL_DB", None)
    if db_url:
        env["SENTINEL_DB"] = db_url
    with log.open("ab") as out:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sentinel_cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                "1",
                "--log-level",
                log_level,
                *extra,
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode}\n{log_tail(log)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    proc.wait()
    raise SystemExit(f"the server did not start within 60 s\n{log_tail(log)}")


def login(port: int) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/auth/login",
        data=json.dumps({"email": EMAIL, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.load(response)["data"]["token"])


@dataclass
class Result:
    name: str
    path: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _connection(
    port: int, request: bytes, until: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            async with asyncio.timeout(REQUEST_TIMEOUT):  # a stalled server fails the run
                head = await reader.readuntil(b"\r\n\r\n")
                match = _LENGTH.search(head)
                await reader.readexactly(int(match.group(1)) if match else 0)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(int(head[9:12]))
    finally:
        writer.close()


async def _load(port: int, request: bytes, seconds: float, connections: int) -> Result:
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(
        *(_connection(port, request, until, latencies, errors) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    return Result("", "", len(latencies), len(errors), elapsed, latencies)


def _request(port: int, path: str, token: str | None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}\r\n".encode()


def measure(port: int, token: str, seconds: float, connections: int, rounds: int) -> list[Result]:
    """Load every route for ``seconds`` in all, in ``rounds`` short turns that rotate the order.

    Interleaving gives each route the same share of whatever else this machine is doing (a noisy
    neighbour in one stretch of time would otherwise land on one route and skew the ratio)."""
    requests = [_request(port, path, token if auth else None) for _, path, auth in ROUTES]
    for request in requests:  # warm-up: thread pool, caches, connections
        asyncio.run(_load(port, request, min(2.0, seconds / 5), connections))
    merged = [Result(name, path, 0, 0, 0.0, []) for name, path, _ in ROUTES]
    for turn in range(rounds):
        order = [(turn + k) % len(ROUTES) for k in range(len(ROUTES))]
        rates = {}
        for index in order:
            part = asyncio.run(_load(port, requests[index], seconds / rounds, connections))
            total = merged[index]
            total.requests += part.requests
            total.errors += part.errors
            total.seconds += part.seconds
            total.latencies.extend(part.latencies)
            rates[ROUTES[index][0]] = part.rate
        print(
            f"  round {turn + 1}/{rounds}: "
            + ", ".join(f"{name} {rates[name]:.0f} req/s" for name, _, _ in ROUTES),
            flush=True,
        )
    return merged


def report(results: list[Result]) -> int:
    hello = results[0]
    print()
    print(f"{'route':<44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs hello':>9} {'errors':>7}")
    for r in results:
        share = r.rate / hello.rate
        print(
            f"GET {r.path:<40} {r.rate:>8.0f} {r.percentile(0.50):>8.1f} "
            f"{r.percentile(0.99):>8.1f} {share:>8.0%} {r.errors:>7}"
        )
    listing = next(r for r in results if r.name == "evidence list")
    share = listing.rate / hello.rate
    p99 = listing.percentile(0.99)
    ok = share >= TARGET_SHARE and p99 < TARGET_P99_MS and not any(r.errors for r in results)
    print(
        f"\ntarget: evidence list >= {TARGET_SHARE:.0%} of hello ({share:.0%}) and p99 < "
        f"{TARGET_P99_MS:.0f} ms ({p99:.1f} ms): {'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="Current evidence items.")
    parser.add_argument("--integrations", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0, help="Load time per route.")
    parser.add_argument("--connections", type=int, default=8, help="Concurrent connections.")
    parser.add_argument(
        "--rounds", type=int, default=5, help="Turns per route (interleaved), sharing --seconds."
    )
    parser.add_argument("--keep", type=Path, default=None, help="Build (or reuse) the store here.")
    parser.add_argument("--db", metavar="URL", help="A postgresql:// URL: the store lives there.")
    parser.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default="warning",
        help="The server's uvicorn log level (info and below log every request).",
    )
    args = parser.parse_args(argv)

    home = args.keep or Path(tempfile.mkdtemp(prefix="sentinel-api-bench-"))
    home.mkdir(parents=True, exist_ok=True)
    log = home / "serve.log"
    log.unlink(missing_ok=True)
    server = None
    failed = True
    try:
        prepare(home, integrations=args.integrations, items=args.items, db_url=args.db)
        port = _free_port()
        server = start_server(home, port, log, args.log_level, args.db)
        token = login(port)
        print(
            f"server: sentinel serve --workers 1 --log-level {args.log_level} on "
            f"127.0.0.1:{port} (pid {server.pid}, log {log}); "
            f"client: this process, {args.connections} keep-alive connections, "
            f"{args.seconds:.0f} s per route in {args.rounds} interleaved rounds; "
            f"{os.cpu_count()} CPUs; store: "
            + (f"PostgreSQL ({args.db.split('@')[-1]})" if args.db else "SQLite"),
            flush=True,
        )
        results = measure(port, token, args.seconds, args.connections, args.rounds)
        code = report(results)
        failed = server.poll() is not None or any(r.errors for r in results)
        print(f"server log: {log.stat().st_size / 1e6:.1f} MB at log level {args.log_level}")
        return code
    finally:
        if failed and server is not None:
            print(log_tail(log), file=sys.stderr, flush=True)
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

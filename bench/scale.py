# ruff: noqa: E402  (the sys.path fix below must run before any import that reaches "queue")
"""Bench: the reference deployment's scale-out, on PostgreSQL + Redis (issue 22).

1. Collection wall time with 1 and 2 ``sentinel worker`` processes. ``--integrations`` GitHub
   organisations (20; the local stand-in in this process, on 127.0.0.1: fast and deterministic)
   are connected to a fresh PostgreSQL schema; each org is the stand-in's "mixed" profile
   (org-level findings: 2FA not required, outside collaborators, an org webhook without a secret,
   ...) padded to ``--repos`` repositories (50: 49 listed + 1 archived, so no org is split; each
   collection is one job). All are queued at once on a fresh Redis database; the time is from
   the first enqueue to the last job's end (the workers are started, and idle, before). Each
   worker runs ``--concurrency`` tasks at once (1 by default, so "2 workers" means exactly two
   collections at a time). Each size runs ``--runs`` times (3), interleaved, and the median run
   of each is compared. Printed: wall times, the speed-up, the CPU seconds the workers and the
   stand-in spent per job (from /proc and getrusage), how busy the machine's cores were (from
   /proc/stat: a neighbour's load shows there), and estimates for bigger machines, each with its
   method.
2. API throughput of ``GET /api/evidence?status=FAIL&limit=50`` at ``--items`` evidence items
   (1,000,000: bench/query.py's builder, 2 integrations x 50 collections x 10,000 items), with 1
   and 2 ``sentinel serve --no-worker --workers 1`` processes, on SQLite and on PostgreSQL: the
   store is built once on SQLite and copied to PostgreSQL with ``sentinel db copy`` (COPY-based,
   much faster than building on PostgreSQL). The load is bench/api.py's asyncio keep-alive client
   (this process), ``--connections`` connections shared out over the servers.

Servers: ``--db URL`` (a PostgreSQL database; the bench creates a schema of its own in it and
drops it afterwards) and ``--redis URL`` (a Redis server; the bench uses one database, emptied
before and after), by default SENTINEL_TEST_POSTGRES and SENTINEL_TEST_REDIS, so under
``.ci/with-services`` it runs against throwaway servers:

    .ci/with-services .venv/bin/python bench/scale.py --quick     # a smoke run, about a minute
    .ci/with-services .venv/bin/python bench/scale.py             # 20 orgs, 1M items
    .ci/with-services .venv/bin/python bench/scale.py --skip-api  # the collection part only

Everything runs on this machine (its core count is printed): the workers, the servers, the
stand-in, PostgreSQL, Redis and the load generator share its cores, so the measured speed-ups are
those of a machine that is also running its own test doubles. Say so when quoting them.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/queue.py (its name is issue 20's) would stand in for the standard library's ``queue`` in
# psycopg's and urllib3's imports, since running a script puts its folder first on sys.path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import argparse
import asyncio
import importlib.util
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

ROUTE = "/api/evidence?status=FAIL&limit=50"
REDIS_COUNTER_KEY = "sentinel-tests:next-database"  # tests/helpers/redis.py hands out the same
TICKS = os.sysconf("SC_CLK_TCK")


def _bench(name: str) -> ModuleType:
    """A sibling bench script as a module (bench/api.py, bench/query.py)."""
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"sentinel_bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


# -- the servers ---------------------------------------------------------------------------------


def redact(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host, query=""))


@contextmanager
def pg_schema(admin_url: str) -> Iterator[str]:
    """A URL of ``admin_url``'s database whose connections work in a new schema of the bench's
    own (libpq ``options`` sets ``search_path``), dropped with its contents afterwards."""
    import psycopg
    from psycopg import sql

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    parts = urlsplit(admin_url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    url = urlunsplit(parts._replace(query=urlencode(query, quote_via=quote, safe="")))
    try:
        yield url
    finally:
        from sentinel_cli.store.postgres import close_pools

        close_pools()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute("SET lock_timeout = '30s'")
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@contextmanager
def redis_database(server_url: str) -> Iterator[str]:
    """A database of the Redis server, empty before and emptied after: the one the URL names, or
    one drawn from the counter tests/helpers/redis.py uses, so a bench beside a test run never
    takes a test's database."""
    import redis

    parts = urlsplit(server_url)
    if parts.path.strip("/"):
        url = server_url
    else:
        with redis.Redis.from_url(f"{server_url.rstrip('/')}/0") as admin:
            databases = int(admin.config_get("databases")["databases"])
            number = int(admin.incr(REDIS_COUNTER_KEY)) % max(1, databases - 1) + 1
        url = f"{server_url.rstrip('/')}/{number}"
    with redis.Redis.from_url(url) as client:
        client.flushdb()
        try:
            yield url
        finally:
            client.flushdb()


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTINEL_")}
    env.update(SENTINEL_HOME=str(home), SENTINEL_SECRETS_BACKEND="file", **extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _machine_busy() -> float:
    """CPU seconds every core of this machine has spent busy since boot (/proc/stat)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / TICKS


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


# -- 1. collections ------------------------------------------------------------------------------


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    log: Path
    cpu_at_start: float = 0.0

    def cpu(self) -> float:
        return _cpu_seconds(self.proc.pid) - self.cpu_at_start

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_worker(env: dict[str, str], log: Path, concurrency: int) -> Worker:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sentinel_cli", "worker", "--concurrency", str(concurrency)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    worker = Worker(proc, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"sentinel worker exited:\n{log.read_text(errors='replace')}")
        if "Huey consumer started" in log.read_text(errors="replace"):
            time.sleep(0.5)  # its housekeeping's first sweep (heartbeat) done
            worker.cpu_at_start = _cpu_seconds(proc.pid)
            return worker
        time.sleep(0.1)
    worker.stop()
    raise SystemExit(f"sentinel worker did not start:\n{log.read_text(errors='replace')}")


@dataclass
class CollectRun:
    workers: int
    wall: float
    jobs: int
    worker_cpu: float
    standin_cpu: float
    machine_cpu: float
    statuses: dict[str, int]

    @property
    def other_cpu(self) -> float:
        """CPU the rest of the machine spent meanwhile: PostgreSQL, Redis, and anything else
        running (another program's load shows here)."""
        return max(0.0, self.machine_cpu - self.worker_cpu - self.standin_cpu)


def collect_once(
    pg_admin: str,
    redis_server: str,
    work: Path,
    *,
    workers: int,
    turn: int,
    integrations: int,
    repos: int,
    concurrency: int,
) -> CollectRun:
    """Queue ``integrations`` collections at once on ``workers`` fresh worker processes."""
    from sentinel_cli.config import Settings
    from sentinel_cli.operations import billing
    from sentinel_cli.operations import integrations as ops
    from sentinel_cli.operations.collect import start_collection
    from sentinel_cli.secrets import open_secrets
    from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
    from sentinel_cli.standins.github_seed import seed_org
    from sentinel_cli.store import open_store
    from sentinel_cli.tasks.queue import ENV_QUEUE, TaskQueue

    home = work / f"collect-{workers}-{turn}"
    seeds = [seed_org(f"org{n:02d}", repos=repos) for n in range(integrations)]
    with (
        pg_schema(pg_admin) as db_url,
        redis_database(redis_server) as queue_url,
        running_github_api(seeds, rate_limit=10**9) as (base_url, _github),
    ):
        env = _env(
            home,
            SENTINEL_DB=db_url,
            SENTINEL_QUEUE=queue_url,
            SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1",
        )
        settings = Settings.from_env(env)
        settings.ensure_home()
        os.environ[ENV_QUEUE] = queue_url  # this process enqueues on the same Redis database
        with open_store(settings) as store:
            billing.set_plan(store, "ENTERPRISE")
            secrets = open_secrets(settings, announce=False)
            ids = [
                str(
                    ops.connect_github(
                        store,
                        secrets,
                        org=seed.login,
                        token=OWNER_TOKEN,
                        base_url=base_url,
                        verify=False,
                    )["id"]
                )
                for seed in seeds
            ]
        procs = [
            start_worker(env, home.parent / f"worker-{workers}-{turn}-{n}.log", concurrency)
            for n in range(workers)
        ]
        try:
            queue = TaskQueue(settings)
            cpu_before = resource.getrusage(resource.RUSAGE_SELF)
            machine_before = _machine_busy()
            started = time.perf_counter()
            with open_store(settings) as store:
                jobs = [
                    start_collection(store, iid, trigger="api", queued=True)["id"] for iid in ids
                ]
            for job_id in jobs:
                queue.enqueue_collection(job_id)
            rows: list[Any] = []
            while True:
                with open_store(settings) as store:
                    rows = [store.jobs.get(job_id) for job_id in jobs]
                if all(row is not None and row["status"] != "RUNNING" for row in rows):
                    break
                if any(w.proc.poll() is not None for w in procs):
                    raise SystemExit("a worker exited during the run; see its log in " + str(work))
                time.sleep(0.05)
            wall = time.perf_counter() - started
            cpu_after = resource.getrusage(resource.RUSAGE_SELF)
            machine_cpu = _machine_busy() - machine_before
            worker_cpu = sum(w.cpu() for w in procs)
        finally:
            for w in procs:
                w.stop()
            os.environ.pop(ENV_QUEUE, None)
    standin_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    return CollectRun(
        workers=workers,
        wall=wall,
        jobs=len(rows),
        worker_cpu=worker_cpu,
        standin_cpu=standin_cpu,
        machine_cpu=machine_cpu,
        statuses=statuses,
    )


def amdahl(parallel: float, n: float) -> float:
    return 1.0 / ((1.0 - parallel) + parallel / n)


def report_collect(runs: list[CollectRun], *, repos: int, concurrency: int) -> None:
    print(
        f"\n1. collections: {runs[0].jobs} GitHub orgs (stand-in, 127.0.0.1), each the 'mixed' "
        f"profile padded to {repos} repositories; PostgreSQL store, Redis queue; "
        f"sentinel worker --concurrency {concurrency}; {os.cpu_count()} CPUs"
    )
    print(
        f"{'workers':>8} {'wall s':>8} {'jobs/min':>9} {'slot s/job':>10} "
        f"{'worker CPU s/job':>17} {'stand-in CPU s/job':>19} {'other CPU s':>12}  statuses"
    )
    for run in runs:
        print(
            f"{run.workers:>8} {run.wall:>8.1f} {run.jobs / run.wall * 60:>9.1f} "
            f"{run.wall * run.workers * concurrency / run.jobs:>10.2f} "
            f"{run.worker_cpu / run.jobs:>17.2f} "
            f"{run.standin_cpu / run.jobs:>19.2f} {run.other_cpu:>12.1f}  {run.statuses}"
        )
    print(
        "(other CPU: the machine's busy CPU during the run less the workers' and the "
        "stand-in's: PostgreSQL, Redis, the polling, and any other program running)"
    )
    ones = sorted((r for r in runs if r.workers == 1), key=lambda r: r.wall)
    twos = sorted((r for r in runs if r.workers == 2), key=lambda r: r.wall)
    if not ones or not twos:
        return
    one, two = ones[len(ones) // 2], twos[len(twos) // 2]  # the median run of each
    if len(ones) > 1:
        print(f"\nthe median of {len(ones)} runs each (interleaved 1, 2, 1, 2, ...):", end="")
    speedup = one.wall / two.wall
    cores = os.cpu_count() or 1
    print(f"\nspeed-up, 2 workers over 1: {speedup:.2f}x on {cores} CPUs", end="")
    print(f" (1 worker {one.wall:.1f} s, 2 workers {two.wall:.1f} s)")
    # How close the 2-worker run came to this machine's CPU limit: the CPU every process spent
    # (workers, stand-in, PostgreSQL, Redis, anything else) over what the cores could give.
    used = two.machine_cpu / (cores * two.wall)
    print(
        f"the machine's cores were {used:.0%} busy during the 2-worker run (workers "
        f"{two.worker_cpu:.1f} s, stand-in {two.standin_cpu:.1f} s, the rest {two.other_cpu:.1f} s "
        f"of CPU in {two.wall:.1f} s on {cores} cores): "
        + (
            "CPU-bound, so with more cores 2 workers would come closer to 2x"
            if used > 0.85
            else "not CPU-bound: the limit is elsewhere (the store's serialised writes, waits)"
        )
    )
    # (a) Amdahl, fitted to the measured speed-up: S2 = 1 / ((1 - p) + p / 2).
    parallel = max(0.0, min(1.0, 2.0 * (1.0 - 1.0 / speedup)))
    fitted = ", ".join(f"{n} workers {amdahl(parallel, n):.1f}x" for n in (4, 8, 16))
    print(
        f"estimate (a), Amdahl fitted to that speed-up: parallel share p = {parallel:.2f}; "
        f"{fitted}. A floor: here the stand-in, PostgreSQL, Redis and the workers share "
        f"{os.cpu_count()} cores, so the serial share this fit sees is partly CPU contention."
    )
    # (b) CPU: with one worker, a job's wall time (pickup included) is its CPU on the worker, the stand-in's CPU
    # serving it, and waiting (store round trips, queue). With the API elsewhere (GitHub), each
    # worker core runs wall/worker-CPU jobs at once before its CPU is the limit.
    job_wall = one.wall * concurrency / one.jobs  # one slot: the jobs ran one after another
    worker_cpu = one.worker_cpu / one.jobs
    busy = worker_cpu / job_wall if job_wall else 1.0
    print(
        f"estimate (b), CPU budget: with 1 worker a job took {job_wall:.2f} s wall and "
        f"{worker_cpu:.2f} s of worker CPU ({busy:.0%} busy; the rest is the stand-in's CPU "
        f"and waits on the store and queue). Worker hosts with K cores run up to "
        f"K / {busy:.2f} = {1 / busy:.1f} x K such collections at once before their CPU is the "
        f"limit, i.e. ~{60 / worker_cpu:.0f} jobs/min per worker core; against api.github.com "
        f"each job waits longer on the network, so raise --concurrency rather than add cores."
    )


# -- 2. API throughput ---------------------------------------------------------------------------


@dataclass
class ApiRun:
    store: str
    serves: int
    rate: float
    p50: float
    p99: float
    errors: int
    busy: float
    """The share of the machine's cores busy during the load (servers, database, client)."""

    def line(self) -> str:
        return (
            f"{self.store:<11} {self.serves:>6} {self.rate:>8.0f} {self.p50:>8.1f} "
            f"{self.p99:>8.1f} {self.errors:>7} {self.busy:>10.0%}"
        )


def load_servers(
    api: ModuleType, ports: list[int], token: str, seconds: float, connections: int
) -> Any:
    """bench/api.py's keep-alive client, its connections shared out over the servers."""
    per = max(1, connections // len(ports))
    requests = [api._request(port, ROUTE, token) for port in ports]

    async def together() -> list[Any]:
        return list(
            await asyncio.gather(
                *(
                    api._load(port, request, seconds, per)
                    for port, request in zip(ports, requests, strict=True)
                )
            )
        )

    results = asyncio.run(together())
    merged = api.Result("evidence list", ROUTE, 0, 0, 0.0, [])
    for part in results:
        merged.requests += part.requests
        merged.errors += part.errors
        merged.latencies.extend(part.latencies)
    merged.seconds = max(part.seconds for part in results)
    return merged


def api_once(
    api: ModuleType,
    home: Path,
    db_url: str | None,
    *,
    serves: int,
    seconds: float,
    connections: int,
) -> ApiRun:
    procs: list[subprocess.Popen[bytes]] = []
    ports = [api._free_port() for _ in range(serves)]
    try:
        for n, port in enumerate(ports):
            log = home / f"serve-{serves}-{n}.log"
            procs.append(api.start_server(home, port, log, "warning", db_url, ("--no-worker",)))
        token = api.login(ports[0])  # one signing key (the home's secrets file): valid on all
        load_servers(api, ports, token, min(3.0, seconds / 3), connections)  # warm-up
        machine_before = _machine_busy()
        result = load_servers(api, ports, token, seconds, connections)
        busy = (_machine_busy() - machine_before) / ((os.cpu_count() or 1) * result.seconds)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    return ApiRun(
        "PostgreSQL" if db_url else "SQLite",
        serves,
        result.rate,
        result.percentile(0.50),
        result.percentile(0.99),
        result.errors,
        busy,
    )


def api_bench(
    pg_admin: str, work: Path, *, items: int, jobs: int, seconds: float, connections: int
) -> list[ApiRun]:
    api = _bench("api")
    query = _bench("query")
    integrations = 2
    per_job = max(1, items // (integrations * jobs))
    sqlite_home = work / "api-sqlite"
    started = time.perf_counter()
    query.build(sqlite_home, integrations=integrations, jobs=jobs, items=per_job)
    built = time.perf_counter() - started
    print(f"built on SQLite in {built:.0f} s", flush=True)
    runs = []
    api.prepare(sqlite_home, integrations=integrations, items=integrations * per_job)
    for serves in (1, 2):
        runs.append(
            api_once(
                api, sqlite_home, None, serves=serves, seconds=seconds, connections=connections
            )
        )
        print(f"  {runs[-1].line()}", flush=True)
    with pg_schema(pg_admin) as db_url:
        started = time.perf_counter()
        copy = subprocess.run(
            [
                sys.executable,
                "-m",
                "sentinel_cli",
                "db",
                "copy",
                "--from",
                str(sqlite_home / "sentinel.db"),
                "--to",
                db_url,
            ],
            env=_env(sqlite_home),
            capture_output=True,
            text=True,
        )
        if copy.returncode != 0:
            raise SystemExit(f"sentinel db copy failed:\n{copy.stdout}\n{copy.stderr}")
        import psycopg

        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        print(
            f"copied to PostgreSQL with sentinel db copy (+ VACUUM ANALYZE) in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        pg_home = work / "api-postgres"
        pg_home.mkdir(parents=True, exist_ok=True)
        api.prepare(pg_home, integrations=integrations, items=integrations * per_job, db_url=db_url)
        for serves in (1, 2):
            runs.append(
                api_once(
                    api, pg_home, db_url, serves=serves, seconds=seconds, connections=connections
                )
            )
            print(f"  {runs[-1].line()}", flush=True)
    return runs


def report_api(runs: list[ApiRun], *, items: int, connections: int, seconds: float) -> None:
    print(
        f"\n2. API: GET {ROUTE} at {items:,} evidence items; sentinel serve --no-worker "
        f"--workers 1 per process; load: this process, {connections} keep-alive connections "
        f"shared over the servers, {seconds:.0f} s; {os.cpu_count()} CPUs"
    )
    print(
        f"{'store':<11} {'serves':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'cores busy':>10}"
    )
    for run in runs:
        print(run.line())
    for store in ("SQLite", "PostgreSQL"):
        pair = [r for r in runs if r.store == store]
        if len(pair) == 2:
            print(f"{store}: 2 serves / 1 serve = {pair[1].rate / pair[0].rate:.2f}x")


# -- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", metavar="URL", default=os.environ.get("SENTINEL_TEST_POSTGRES"),
        help="a postgresql:// database (default SENTINEL_TEST_POSTGRES); the bench works in a "
        "schema of its own there",
    )  # fmt: skip
    parser.add_argument(
        "--redis", metavar="URL", default=os.environ.get("SENTINEL_TEST_REDIS"),
        help="a redis:// server (default SENTINEL_TEST_REDIS); with /N, that database",
    )  # fmt: skip
    parser.add_argument("--integrations", type=int, default=20, help="GitHub orgs to collect")
    parser.add_argument("--repos", type=int, default=50, help="repositories per org")
    parser.add_argument("--concurrency", type=int, default=1, help="tasks per worker")
    parser.add_argument(
        "--runs", type=int, default=3, help="collection runs of each size (the median is used)"
    )
    parser.add_argument("--items", type=int, default=1_000_000, help="evidence items (API part)")
    parser.add_argument("--jobs", type=int, default=50, help="collections per integration (API)")
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per API run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="a smoke run: small sizes")
    parser.add_argument("--skip-collect", action="store_true")
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--keep", type=Path, help="work (and leave logs) in this directory")
    args = parser.parse_args(argv)
    if not args.db or not args.redis:
        parser.error(
            "name a PostgreSQL database (--db) and a Redis server (--redis), or run under "
            ".ci/with-services, which starts throwaway ones"
        )
    if args.quick:
        args.integrations, args.repos, args.runs = 4, 20, 1
        args.items, args.jobs, args.seconds = 20_000, 5, 3.0
    work = args.keep or Path(tempfile.mkdtemp(prefix="sentinel-bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"{os.cpu_count()} CPUs; PostgreSQL {redact(args.db)}; Redis {redact(args.redis)}; "
        f"work directory {work}",
        flush=True,
    )
    try:
        if not args.skip_collect:
            runs = []
            for turn in range(1, args.runs + 1):
                for workers in (1, 2):
                    runs.append(
                        collect_once(
                            args.db,
                            args.redis,
                            work,
                            workers=workers,
                            turn=turn,
                            integrations=args.integrations,
                            repos=args.repos,
                            concurrency=args.concurrency,
                        )
                    )
                    print(f"  run {turn}, {workers} worker(s): {runs[-1].wall:.1f} s", flush=True)
            report_collect(runs, repos=args.repos, concurrency=args.concurrency)
        if not args.skip_api:
            api_runs = api_bench(
                args.db,
                work,
                items=args.items,
                jobs=args.jobs,
                seconds=args.seconds,
                connections=args.connections,
            )
            report_api(
                api_runs, items=args.items, connections=args.connections, seconds=args.seconds
            )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

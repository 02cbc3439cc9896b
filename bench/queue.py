# ruff: noqa: E402  (the sys.path fix below must run before any import that reaches "queue")
"""Bench: what the task queue costs per collection, and how fast notifications go out.

1. Overhead per job. The same small GitHub collection (the local stand-in, on 127.0.0.1) runs
   ``--jobs`` times directly in this process (``start_collection`` + ``run_collection``, what
   ``sentinel collect`` does) and ``--jobs`` times through the queue: recorded queued, enqueued,
   taken by a real ``sentinel worker`` process under its lease, collected, with notification
   planning after it. Each job waits for the previous one. Printed: both medians, and the queue's
   own cost, the pickup latency from enqueueing to a worker holding the job's lease (target: the
   queue adds under 100 ms per job).
2. Deliveries per second. ``--deliveries`` webhook deliveries (signed JSON POSTs) to a local
   receiver (one per destination), enqueued at once and sent by the worker's threads
   (``--concurrency``).

    .venv/bin/python bench/queue.py [--jobs 10] [--repos 5] [--deliveries 200] [--concurrency 2]
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file's name is the issue's; run as a script, its folder would come first on sys.path and
# this file would stand in for the standard library's ``queue`` module in every later import.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sentinel_cli.config import Settings
from sentinel_cli.operations import integrations
from sentinel_cli.operations.collect import run_collection, start_collection
from sentinel_cli.secrets import open_secrets
from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
from sentinel_cli.standins.github_seed import seed_org
from sentinel_cli.store import Store, open_store
from sentinel_cli.tasks.queue import TaskQueue


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTINEL_")}
    env.update(
        SENTINEL_HOME=str(home),
        SENTINEL_SECRETS_BACKEND="file",
        SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1",
    )
    return env


def _start_worker(env: dict[str, str], home: Path, concurrency: int) -> subprocess.Popen[bytes]:
    log = (home / "worker.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sentinel_cli", "worker", "--concurrency", str(concurrency)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while "Huey consumer started" not in (home / "worker.log").read_text(errors="replace"):
        if time.monotonic() > deadline or proc.poll() is not None:
            raise SystemExit("the worker did not start:\n" + (home / "worker.log").read_text())
        time.sleep(0.05)
    return proc


def _wait_job(store: Store, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = store.jobs.get(job_id)
        if row is not None and row["status"] != "RUNNING":
            return row
        time.sleep(0.002)
    raise SystemExit(f"job {job_id} did not finish")


def _wait_taken(store: Store, job_id: str, timeout: float = 60) -> float:
    """The moment (perf_counter) a worker took the job's lease, polled every millisecond."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = store.jobs.get(job_id)
        if row is not None and row["lease_owner"] is not None:
            return time.perf_counter()
        time.sleep(0.001)
    raise SystemExit(f"no worker took job {job_id}")


def bench_jobs(settings: Settings, store: Store, queue: TaskQueue, iid: str, jobs: int) -> None:
    secrets = open_secrets(settings, announce=False)
    direct: list[float] = []
    for _ in range(jobs):
        started = time.perf_counter()
        job = start_collection(store, iid, trigger="cli")
        ended = run_collection(store, secrets, settings, job["id"])
        direct.append(time.perf_counter() - started)
        if ended["status"] not in ("COMPLETED", "PARTIAL"):
            raise SystemExit(f"the direct collection failed: {ended['errorMessage']}")
    queued: list[float] = []
    pickups: list[float] = []
    for _ in range(jobs):
        started = time.perf_counter()
        job = start_collection(store, iid, trigger="api", queued=True)
        queue.enqueue_collection(job["id"])
        pickups.append(_wait_taken(store, job["id"]) - started)
        row = _wait_job(store, job["id"])
        queued.append(time.perf_counter() - started)
        if row["status"] not in ("COMPLETED", "PARTIAL"):
            raise SystemExit(f"the queued collection failed: {row['error_message']}")
    d, q = statistics.median(direct), statistics.median(queued)
    print(
        f"collections: {jobs} direct, median {d * 1000:.0f} ms; {jobs} through the queue, "
        f"median {q * 1000:.0f} ms; difference {(q - d) * 1000:+.0f} ms per job "
        f"(ratio {q / d:.2f}x; the direct runs share this process with the stand-in)"
    )
    print(
        f"queue pickup (recorded and enqueued -> a worker holds the lease): median "
        f"{statistics.median(pickups) * 1000:.0f} ms, max {max(pickups) * 1000:.0f} ms"
    )


class _Receiver(BaseHTTPRequestHandler):
    count = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
        with _Receiver.lock:
            _Receiver.count += 1

    def log_message(self, format: str, *args: Any) -> None:
        pass


def bench_deliveries(store: Store, queue: TaskQueue, job_id: str, count: int) -> None:
    from sentinel_cli.operations import notify

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    secrets = open_secrets(Settings.from_env(), announce=False)
    # One destination per delivery: planning a job's messages once gives one delivery each.
    for n in range(count):
        notify.add_destination(
            store, secrets, kind="webhook", url=f"{url}/{n}", events=["new-failures"]
        )
    ids = notify.plan_job_deliveries(store, job_id)
    assert len(ids) == count, f"planned {len(ids)} deliveries, expected {count}"
    started = time.perf_counter()
    for delivery_id in ids[:count]:
        queue.enqueue_delivery(delivery_id)
    while _Receiver.count < count:
        if time.perf_counter() - started > 120:
            raise SystemExit(f"only {_Receiver.count} of {count} deliveries arrived")
        time.sleep(0.005)
    wall = time.perf_counter() - started
    print(f"deliveries: {count} signed webhook POSTs in {wall:.2f} s = {count / wall:.0f}/s")
    receiver.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument("--repos", type=int, default=5)
    parser.add_argument("--deliveries", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        env = _env(home)
        os.environ.update(env)
        settings = Settings.from_env()
        with (
            running_github_api(seed_org("bench", repos=args.repos)) as (base_url, _server),
            open_store(settings) as store,
        ):
            shape = integrations.connect_github(
                store,
                open_secrets(settings, announce=False),
                org="bench",
                token=OWNER_TOKEN,
                base_url=base_url,
                verify=False,
            )
            from sentinel_cli.operations import billing

            billing.set_plan(store, "ENTERPRISE")  # the FREE plan's checks would run out
            queue = TaskQueue(settings)
            worker = _start_worker(env, home, args.concurrency)
            try:
                print(f"{os.cpu_count()} cores; worker threads {args.concurrency}")
                bench_jobs(settings, store, queue, str(shape["id"]), args.jobs)
                first = store.jobs.list_for(str(shape["id"]), limit=1000)[-1]
                if args.deliveries:
                    bench_deliveries(store, queue, first["id"], args.deliveries)
            finally:
                worker.terminate()
                worker.wait(timeout=30)


if __name__ == "__main__":
    main()

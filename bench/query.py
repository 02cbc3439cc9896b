"""Bench the evidence queries at scale: 1,000,000 items over 100 collections, whole process, cold.

Builds a store in a temporary directory (2 integrations x 50 daily collections x 10,000 items by
default) through the store's own write path (``jobs.start`` + ``evidence.insert_many`` +
``jobs.finish``, so the per-check counts and indexes are exactly what a real collection leaves),
with check metadata from the real catalogues when they exist and a modest number of distinct raw
blobs. Then it times, as separate processes (Python start-up, imports, opening the store and
migrations check included), each of:

    sentinel evidence list --status FAIL --limit 50 --json
    sentinel evidence stats --json
    sentinel evidence compliance --framework SOC2 --json
    sentinel dashboard --json

and a bare ``python -c "import sqlite3; ..."`` process running the same list query (latest job of
each integration, then its FAIL items worst first, 50 of them), printing the median of ``--runs``
runs of each, the targets (each under 0.5 s; list within 3x of the bare process) and the ratio.

    .venv/bin/python bench/query.py                       # build 1M items, time, delete
    .venv/bin/python bench/query.py --keep /tmp/sentinel-bench   # keep (and reuse) the store
    .venv/bin/python bench/query.py --items 1000 --jobs 10       # a quick smoke run
    .venv/bin/python bench/query.py --db postgresql://user:pw@127.0.0.1/bench   # on PostgreSQL

With ``--db URL`` the store is built on that PostgreSQL database (which must hold no Sentinel data
yet, or the bench's own from an earlier run with the same sizes, which it reuses), the commands run
with ``SENTINEL_DB=URL``, and the bare baseline is ``python -c "import psycopg; ..."`` running the
same list query over one connection.

"Cold" means a new process each time; the OS page cache is warm after the first run, as it is on
a CI runner that just collected.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# bench/queue.py (its name is issue 20's) would stand in for the standard library's ``queue`` in
# psycopg's imports, since running a script puts its folder first on sys.path: take it off.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

TARGET_SECONDS = 0.5
TARGET_RATIO = 3.0

BARE_QUERY = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
jobs = [r[0] for r in conn.execute(
    "SELECT (SELECT j.id FROM collection_jobs j WHERE j.integration_id = i.id "
    "AND j.status IN ('COMPLETED', 'PARTIAL') ORDER BY j.finished_at DESC LIMIT 1) "
    "FROM integrations i WHERE i.removed_at IS NULL")]
marks = ",".join("?" * len(jobs))
rows = conn.execute(
    f"SELECT * FROM evidence WHERE job_id IN ({marks}) AND status = 'FAIL' "
    "ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
    "WHEN 'low' THEN 3 ELSE 4 END, check_id, resource_id LIMIT 50", jobs).fetchall()
print(len(rows))
"""

BARE_QUERY_POSTGRES = (
    BARE_QUERY.replace("import sqlite3, sys", "import psycopg, sys")
    .replace("sqlite3.connect(sys.argv[1])", "psycopg.connect(sys.argv[1])")
    .replace('",".join("?" * len(jobs))', '",".join(["%s"] * len(jobs))')
)

STATUS_WEIGHTS = (("PASS", 0.70), ("FAIL", 0.15), ("WARNING", 0.10), ("ERROR", 0.05))


def _checks() -> list[dict[str, Any]]:
    """Check metadata from the catalogues; a synthetic set when none are written yet."""
    from sentinel_cli.checks import all_metadata

    metas = {m.id: m for m in all_metadata().values()}
    if metas:
        return [
            {
                "id": m.id,
                "title": m.title,
                "severity": m.severity,
                "category": m.category,
                "controls": m.control_lists(),
                "remediation": {"text": m.remediation.text, "cli": m.remediation.cli},
            }
            for m in sorted(metas.values(), key=lambda m: m.id)
        ]
    severities = ("critical", "high", "medium", "low", "info")
    return [
        {
            "id": f"aws_bench_check_{n:02d}",
            "title": f"Bench check {n}",
            "severity": severities[n % 5],
            "category": ("iam", "encryption", "logging", "network", "storage")[n % 5],
            "controls": {"SOC2": [f"CC6.{1 + n % 8}"], "ISO27001": [f"A.8.{1 + n % 30}"]},
            "remediation": {"text": "Fix it.", "cli": None},
        }
        for n in range(50)
    ]


def build(
    home: Path,
    *,
    integrations: int,
    jobs: int,
    items: int,
    seed: int = 7,
    db_url: str | None = None,
) -> Path:
    from sentinel_cli.config import Settings
    from sentinel_cli.store import open_store
    from sentinel_cli.store.evidence import EvidenceRecord
    from sentinel_cli.timeutil import to_iso

    settings = Settings(home=home, db_path=home / "sentinel.db", db_url=db_url)
    settings.ensure_home()
    checks = _checks()
    per_check = -(-items // len(checks))  # ceil: every collection holds exactly `items`
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    with open_store(settings) as store:
        if db_url is None:
            # A bench-only speed-up of this connection: a bigger page cache for a 1 GB build.
            store.conn.execute("PRAGMA cache_size = -262144")
        for i in range(integrations):
            integration_id = str(uuid.uuid4())
            store.integrations.insert(
                integration_id=integration_id,
                type="AWS",
                name=f"bench-{i}",
                external_id=f"{100000000000 + i}",
                config={"region": "us-east-1"},
                has_secret=False,
            )
            for j in range(jobs):
                # One collection a day, the last one today; failures fall over time (a trend).
                at = now - timedelta(days=jobs - 1 - j, hours=1 + i)
                fail_scale = 1.3 - 0.6 * j / max(1, jobs - 1)
                weights = [w * (fail_scale if s != "PASS" else 1.0) for s, w in STATUS_WEIGHTS]
                job_id = str(uuid.uuid4())
                records = []
                for chk in checks:
                    statuses = rng.choices([s for s, _ in STATUS_WEIGHTS], weights, k=per_check)
                    for k, status in enumerate(statuses):
                        resource = f"arn:aws:s3:::bench-{i}-{chk['category']}-{k:05d}"
                        records.append(
                            EvidenceRecord(
                                id=str(uuid.uuid4()),
                                check_id=chk["id"],
                                title=chk["title"],
                                status=status,
                                severity=chk["severity"],
                                category=chk["category"],
                                resource_id=resource,
                                resource_type="AwsS3Bucket",
                                region="us-east-1" if k % 2 else "eu-west-1",
                                message=f"{resource} is {status.lower()} for {chk['id']}",
                                remediation=chk["remediation"],
                                controls=chk["controls"],
                                # Few distinct payloads: raw data is stored once per content.
                                raw={"check": chk["id"], "status": status, "bucket": k % 20},
                            )
                        )
                        if len(records) >= items:
                            break
                    if len(records) >= items:
                        break
                store.jobs.start(
                    job_id=job_id,
                    integration_id=integration_id,
                    trigger="bench",
                    started_at=to_iso(at),
                )
                with store.transaction():
                    store.evidence.insert_many(
                        records,
                        job_id=job_id,
                        integration_id=integration_id,
                        collected_at=to_iso(at),
                    )
                    store.jobs.finish(
                        job_id,
                        status="COMPLETED",
                        counts=dict(Counter(r.status for r in records)),
                        finished_at=to_iso(at + timedelta(minutes=3)),
                    )
                done = i * jobs + j + 1
                if done % 10 == 0 or done == integrations * jobs:
                    elapsed = time.perf_counter() - started
                    print(
                        f"  built {done}/{integrations * jobs} collections "
                        f"({done * len(records):,} items) in {elapsed:.0f} s",
                        file=sys.stderr,
                        flush=True,
                    )
        if db_url is None:
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            store.conn.execute("VACUUM ANALYZE")  # fresh statistics and visibility map
        total = store.conn.execute("SELECT COUNT(*) FROM evidence").fetchone()[0]
        blobs = store.evidence.blob_stats()["blobs"]
        size = _size(store, home)
    print(
        f"store: {total:,} evidence items, {blobs:,} distinct raw blobs, "
        f"{size / 1e6:.0f} MB, built in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return settings.db_path


def _size(store: Any, home: Path) -> int:
    """Bytes the store takes: the SQLite file, or the PostgreSQL database."""
    if store.dialect == "postgresql":
        return int(store.conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])
    return (home / "sentinel.db").stat().st_size


def existing_items(db_url: str) -> int:
    """Evidence items already in the PostgreSQL database (0 when Sentinel has not written it)."""
    import psycopg

    with psycopg.connect(db_url) as conn:
        if conn.execute("SELECT to_regclass('evidence')").fetchone()[0] is None:  # type: ignore[index]
            return 0
        return int(conn.execute("SELECT COUNT(*) FROM evidence").fetchone()[0])  # type: ignore[index]


def _sentinel_cmd() -> list[str]:
    script = Path(sys.executable).with_name("sentinel")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sentinel_cli"]


def _time(cmd: list[str], env: dict[str, str], runs: int, ok_codes: tuple[int, ...]) -> float:
    """Median wall time of ``runs`` new processes, after one untimed warm-up run (which also
    writes the bytecode caches an installed tool has)."""
    subprocess.run(cmd, env=env, capture_output=True, timeout=120)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
        times.append(time.perf_counter() - start)
        if proc.returncode not in ok_codes:
            raise RuntimeError(
                f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.decode()[-500:]}"
            )
    return statistics.median(times)


def run(home: Path, runs: int, db_url: str | None = None) -> int:
    env = {
        **os.environ,
        "SENTINEL_HOME": str(home),
        "SENTINEL_SECRETS_BACKEND": "file",
    }
    env.pop("SENTINEL_DB", None)
    if db_url:
        env["SENTINEL_DB"] = db_url
    # Time what a user runs: an installed tool has .pyc files. Some CI images and sandboxes set
    # PYTHONDONTWRITEBYTECODE, which would make every run compile Typer and Sentinel from source.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    sentinel = _sentinel_cmd()
    commands = [
        (
            "evidence list --status FAIL --limit 50",
            ["evidence", "list", "--status", "FAIL", "--limit", "50", "--json"],
            (0, 1),
        ),
        ("evidence stats", ["evidence", "stats", "--json"], (0,)),
        (
            "evidence compliance --framework SOC2",
            ["evidence", "compliance", "--framework", "SOC2", "--json"],
            (0,),
        ),
        ("dashboard", ["dashboard", "--json"], (0,)),
    ]
    print(f"\nmedian of {runs} runs, each a new process:")
    results: dict[str, float] = {}
    for label, args, ok in commands:
        results[label] = _time([*sentinel, *args], env, runs, ok)
        verdict = "ok" if results[label] < TARGET_SECONDS else "OVER"
        print(f"  sentinel {label:<40} {results[label]:.3f} s  [{verdict}: < {TARGET_SECONDS} s]")
    driver = "psycopg" if db_url else "sqlite3"
    bare_cmd = (
        [sys.executable, "-c", BARE_QUERY_POSTGRES, db_url]
        if db_url
        else [sys.executable, "-c", BARE_QUERY, str(home / "sentinel.db")]
    )
    bare = _time(bare_cmd, env, runs, (0,))
    baseline = _time([sys.executable, "-c", f"import {driver}"], env, runs, (0,))
    ratio = results["evidence list --status FAIL --limit 50"] / bare
    print(f"  bare python + {driver}, same list query{' ' * (13 - len(driver))}{bare:.3f} s")
    print(
        f"  bare python -c 'import {driver}' (no query){' ' * (10 - len(driver))}{baseline:.3f} s"
    )
    verdict = "ok" if ratio <= TARGET_RATIO else "OVER"
    print(
        f"  ratio list / bare                            {ratio:.2f}x  [{verdict}: <= {TARGET_RATIO}x]"
    )
    over = [k for k, v in results.items() if v >= TARGET_SECONDS]
    return 0 if not over and ratio <= TARGET_RATIO else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--integrations", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=50, help="collections per integration")
    parser.add_argument("--items", type=int, default=10_000, help="items per collection")
    parser.add_argument("--runs", type=int, default=11, help="timed runs per command (median)")
    parser.add_argument(
        "--keep", type=Path, help="build into (or reuse) this directory instead of a temporary one"
    )
    parser.add_argument(
        "--db", metavar="URL", help="a postgresql:// URL: build and query the store there"
    )
    args = parser.parse_args(argv)
    sizes = {"integrations": args.integrations, "jobs": args.jobs, "items": args.items}
    if args.db:
        print(f"database: PostgreSQL ({args.db.split('@')[-1]}), {os.cpu_count()} CPUs")
        home = Path(tempfile.mkdtemp(prefix="sentinel-bench-query-"))
        try:
            found = existing_items(args.db)
            if found:
                print(f"reusing the {found:,} items already there")
            else:
                build(home, **sizes, db_url=args.db)
            return run(home, args.runs, args.db)
        finally:
            shutil.rmtree(home, ignore_errors=True)
    print(f"database: SQLite, {os.cpu_count()} CPUs")
    if args.keep:
        home = args.keep
        if not (home / "sentinel.db").exists():
            build(home, integrations=args.integrations, jobs=args.jobs, items=args.items)
        else:
            print(f"reusing {home / 'sentinel.db'}")
        return run(home, args.runs)
    tmp = Path(tempfile.mkdtemp(prefix="sentinel-bench-query-"))
    try:
        build(tmp, integrations=args.integrations, jobs=args.jobs, items=args.items)
        return run(tmp, args.runs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Bench the COMBINED_AUDIT report over 90 days of daily history: time, peak RSS, pages, size.

What is measured (stated, because "10,000 evidence items and 90 days of history" can be read two
ways): a store whose one AWS integration was collected **once a day for 90 days, 10,000 items per
collection** — 10,000 distinct (check, resource) pairs observed 90 times each, 900,000 evidence rows
in the period. That is the harder reading: the report must aggregate every observation (first and
last failure, remediation, observation counts) while printing each pair once, so it shows 10,000
items, its evidence manifest 10,000 hashes.

The history is realistic rather than random: most items always pass; some fail throughout; some
fail for a while and are fixed (they appear as FIXED with their remediation date); a few warn or
cannot be evaluated; raw data changes when the status does, so blobs are shared across days as in
a real store. Twenty repositories carry a change-review population (50 merged pull requests each)
so the populations section is exercised, and two risk exceptions are in force.

The store is built through the store's own write path (``jobs.start`` + ``evidence.insert_many`` +
``jobs.finish``). The report runs as a separate process, ``sentinel reports generate --type
COMBINED_AUDIT --json --quiet``, and its wall time and peak RSS (``os.wait4``)
are printed with the pages and file size. Targets: under 15 s and under 300 MB.

    .venv/bin/python bench/report.py                          # build, run, delete
    .venv/bin/python bench/report.py --keep /tmp/sentinel-report-bench   # keep / reuse the store
    .venv/bin/python bench/report.py --items 1000 --days 10   # a quick smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

TARGET_SECONDS = 15.0
TARGET_RSS_MB = 300.0
POPULATION_CHECK = "github_change_review_population"


def _checks() -> list[Any]:
    from sentinel_cli.checks import all_metadata

    metas = {m.id: m for m in all_metadata().values()}
    return sorted(metas.values(), key=lambda m: m.id)


def _fate(rng: random.Random, days: int) -> tuple[str, int]:
    """(kind, day it changes): pass, fail, fixed (fails until the day), flaky, warning, error."""
    roll = rng.random()
    if roll < 0.80:
        return "pass", 0
    if roll < 0.88:
        return "fail", 0
    if roll < 0.95:
        return "fixed", rng.randrange(1, days)
    if roll < 0.97:
        return "regressed", rng.randrange(1, days)
    return ("warning" if roll < 0.99 else "error"), 0


def _status(kind: str, change_day: int, d: int) -> str:
    if kind == "fail":
        return "FAIL"
    if kind == "fixed":
        return "FAIL" if d < change_day else "PASS"
    if kind == "regressed":
        return "PASS" if d < change_day else "FAIL"
    if kind == "warning":
        return "WARNING"
    if kind == "error":
        return "ERROR"
    return "PASS"


def _population(repo: str, end: datetime) -> dict[str, Any]:
    pulls = []
    for n in range(50):
        merged = end - timedelta(days=89 - n * 1.7, hours=n % 7)
        pulls.append(
            {
                "number": 1000 + n,
                "title": f"Change {n} of {repo}: bump dependencies and fix the build",
                "author": f"dev{n % 9}",
                "mergedAt": merged.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "mergedBy": f"dev{(n + 1) % 9}",
                "approvers": [] if n % 17 == 0 else [f"dev{(n + 2) % 9}"],
                "url": f"https://github.com/{repo}/pull/{1000 + n}",
            }
        )
    return {
        "period": {
            "since": (end - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "until": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "baseBranch": "main",
        "populationSize": len(pulls),
        "population": pulls,
        "exceptions": [p for p in pulls if not p["approvers"]],
    }


def build(home: Path, *, items: int, days: int, seed: int = 11) -> tuple[str, str]:
    """Create the store; returns the period (first day, last day) covering the history."""
    from sentinel_cli.config import Settings
    from sentinel_cli.operations import billing
    from sentinel_cli.store import open_store
    from sentinel_cli.store.evidence import EvidenceRecord
    from sentinel_cli.timeutil import to_iso

    settings = Settings(home=home, db_path=home / "sentinel.db")
    settings.ensure_home()
    rng = random.Random(seed)
    checks = [c for c in _checks() if c.id != POPULATION_CHECK]
    population_meta = next((c for c in _checks() if c.id == POPULATION_CHECK), None)
    repos = [f"acme/service-{n:02d}" for n in range(20)] if population_meta else []
    per_check = -(-(items - len(repos)) // len(checks))
    pairs: list[tuple[Any, str, str, int]] = []
    for chk in checks:
        for k in range(per_check):
            if len(pairs) >= items - len(repos):
                break
            kind, change = _fate(rng, days)
            pairs.append(
                (chk, f"arn:aws:{chk.category}:eu-west-1:123456789012:res/{k:05d}", kind, change)
            )
    end = datetime.now(UTC).replace(hour=2, minute=0, second=0, microsecond=0)
    populations = {repo: _population(repo, end) for repo in repos}
    started = time.perf_counter()
    with open_store(settings) as store:
        store.conn.execute("PRAGMA cache_size = -262144")
        billing.set_plan(store, "ENTERPRISE")
        integration_id = str(uuid.uuid4())
        store.integrations.insert(
            integration_id=integration_id,
            type="AWS",
            name="bench",
            external_id="123456789012",
            config={"regions": ["eu-west-1"]},
            has_secret=False,
        )
        for d in range(days):
            at = to_iso(end - timedelta(days=days - 1 - d))
            job_id = str(uuid.uuid4())
            records = []
            for chk, resource_id, kind, change in pairs:
                status = _status(kind, change, d)
                records.append(
                    EvidenceRecord(
                        id=str(uuid.uuid4()),
                        check_id=chk.id,
                        title=chk.title,
                        status=status,
                        severity=chk.severity,
                        category=chk.category,
                        resource_id=resource_id,
                        resource_type="AwsResource",
                        region="eu-west-1",
                        message=f"{resource_id}: {chk.title.lower()} ({status.lower()})",
                        remediation={},
                        controls=chk.control_lists(),
                        raw={
                            "result": status,
                            "data": {"resource": resource_id, "check": chk.id, "status": status},
                        },
                    )
                )
            if population_meta is not None:
                for repo in repos:
                    data = populations[repo]
                    records.append(
                        EvidenceRecord(
                            id=str(uuid.uuid4()),
                            check_id=POPULATION_CHECK,
                            title=population_meta.title,
                            status="FAIL" if data["exceptions"] else "PASS",
                            severity=population_meta.severity,
                            category=population_meta.category,
                            resource_id=repo,
                            resource_type="GithubRepository",
                            region=None,
                            message=f"{len(data['exceptions'])} of 50 merged without approval",
                            remediation={},
                            controls=population_meta.control_lists(),
                            raw={"result": "population", "data": data},
                        )
                    )
            store.jobs.start(
                job_id=job_id, integration_id=integration_id, trigger="bench", started_at=at
            )
            with store.transaction():
                store.evidence.insert_many(
                    records, job_id=job_id, integration_id=integration_id, collected_at=at
                )
                store.jobs.finish(
                    job_id,
                    status="COMPLETED",
                    counts=dict(Counter(r.status for r in records)),
                    finished_at=to_iso(end - timedelta(days=days - 1 - d) + timedelta(minutes=4)),
                )
            if (d + 1) % 10 == 0 or d + 1 == days:
                print(
                    f"  built {d + 1}/{days} collections ({(d + 1) * len(records):,} items) in "
                    f"{time.perf_counter() - started:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
        now = to_iso(end)
        for n, (chk, _res, _kind, _change) in enumerate(p for p in pairs if p[2] == "fail"):
            if n >= 2:
                break
            store.exceptions.insert(
                exception_id=str(uuid.uuid4()),
                check_id=chk.id,
                resource_pattern="*",
                reason="Bench: accepted while the replacement is procured.",
                owner="cto@example.com",
                expires_at=to_iso(end + timedelta(days=60)),
                created_at=to_iso(end - timedelta(days=days)),
                created_by=None,
            )
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        total = store.conn.execute("SELECT COUNT(*) FROM evidence").fetchone()[0]
        blobs = store.evidence.blob_stats()["blobs"]
        del now
    size_mb = (home / "sentinel.db").stat().st_size / 1e6
    print(
        f"store: {total:,} evidence rows ({len(pairs) + len(repos):,} distinct check x resource "
        f"items x {days} daily collections), {blobs:,} distinct raw blobs, {size_mb:.0f} MB, "
        f"built in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    first = (end - timedelta(days=days - 1)).date().isoformat()
    return first, end.date().isoformat()


def run(home: Path, period: tuple[str, str]) -> int:
    env = {**os.environ, "SENTINEL_HOME": str(home), "SENTINEL_SECRETS_BACKEND": "file"}
    env.pop("SENTINEL_DB", None)
    script = Path(sys.executable).with_name("sentinel")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "sentinel_cli"]
    cmd += [
        "reports",
        "generate",
        "--type",
        "COMBINED_AUDIT",
        "--period-start",
        period[0],
        "--period-end",
        period[1],
        "--json",
        "--quiet",
    ]
    # os.wait4 gives this child's own rusage (RUSAGE_CHILDREN would report the largest child of
    # this process, and a fork of a big parent counts its pre-exec pages), so the store is built
    # in a separate process and this one stays small.
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        stdout = proc.stdout.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if proc.returncode != 0:
        print(stderr[-2000:], file=sys.stderr)
        return 1
    rss_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    report = json.loads(stdout)["report"]
    counts = report["summary"]["counts"]
    print(
        f"\nsentinel reports generate --type COMBINED_AUDIT --period-start {period[0]} "
        f"--period-end {period[1]}"
    )
    print(
        f"  evidence in period : {counts['observations']:,} observations -> "
        f"{counts['items']:,} items ({counts['failedInPeriod']:,} failed in the period, "
        f"{counts['remediated']:,} fixed)"
    )
    ok_time = seconds < TARGET_SECONDS
    ok_rss = rss_mb < TARGET_RSS_MB
    print(f"  time               : {seconds:.1f} s  [{'ok' if ok_time else 'OVER'}: < 15 s]")
    print(f"  peak RSS           : {rss_mb:.0f} MB  [{'ok' if ok_rss else 'OVER'}: < 300 MB]")
    print(f"  pages              : {report['pages']:,}")
    print(f"  file size          : {report['size'] / 1e6:.1f} MB")
    return 0 if ok_time and ok_rss else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--items", type=int, default=10_000, help="items per collection")
    parser.add_argument("--days", type=int, default=90, help="daily collections")
    parser.add_argument("--keep", type=Path, help="build into (or reuse) this directory")
    parser.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_only:
        period = build(args.build_only, items=args.items, days=args.days)
        (args.build_only / "bench-period.json").write_text(json.dumps(period))
        return 0
    home = args.keep or Path(tempfile.mkdtemp(prefix="sentinel-report-bench-"))
    marker = home / "bench-period.json"
    try:
        if args.keep and marker.exists():
            period = tuple(json.loads(marker.read_text()))
            print(f"reusing the store in {home} (period {period[0]} to {period[1]})")
        else:
            if home.exists() and any(home.iterdir()):
                shutil.rmtree(home)
            home.mkdir(parents=True, exist_ok=True)
            print(f"building {args.items:,} items x {args.days} daily collections in {home} ...")
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--build-only",
                    str(home),
                    "--items",
                    str(args.items),
                    "--days",
                    str(args.days),
                ],
                check=True,
            )
            period = tuple(json.loads(marker.read_text()))
        return run(home, period)  # type: ignore[arg-type]
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

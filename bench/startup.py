"""Start-up cost of the commands people and CI run most, against a bare Python process.

Prints the median wall time of `sentinel --help`, `sentinel integrations list --json` and
`sentinel evidence list --status FAIL --json` (each a fresh process on an empty store) and of
`python -c "import sqlite3"` as the floor, with each command's ratio to that floor.

    python bench/startup.py [--runs 11]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS: dict[str, list[str]] = {
    "sentinel --help": ["--help"],
    "sentinel integrations list --json": ["integrations", "list", "--json"],
    "sentinel evidence list --status FAIL --json": [
        "evidence",
        "list",
        "--status",
        "FAIL",
        "--json",
    ],
}


def _time(argv: list[str], env: dict[str, str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SENTINEL_HOME": home, "SENTINEL_SECRETS_BACKEND": "file"}
        sentinel = [sys.executable, "-m", "sentinel_cli"]
        subprocess.run(
            [*sentinel, "integrations", "list"], env=env, capture_output=True, check=True
        )
        floor = _time([sys.executable, "-c", "import sqlite3"], env, args.runs)
        bare_label = 'bare python -c "import sqlite3"'
        print(f"{bare_label:48s} {floor * 1000:7.1f} ms")
        for label, extra in COMMANDS.items():
            took = _time([*sentinel, *extra], env, args.runs)
            print(f"{label:48s} {took * 1000:7.1f} ms  ({took / floor:4.1f}x bare)")
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores; cwd {Path.cwd()}")


if __name__ == "__main__":
    main()

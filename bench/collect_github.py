"""Bench: collect a 300-repository organization from the local GitHub API stand-in.

Prints repositories collected, API calls sent (first attempts + retries, as counted by the
collector), requests the server saw, listing requests (must be 3 for 300 repositories paged at
100: one walk), wall time and calls per second. Everything runs on 127.0.0.1, so the figure is the
collector's own overhead (PyGithub, threads, JSON) plus the stand-in's; against api.github.com the
network round trip dominates and ``--workers`` is the lever.

    .venv/bin/python bench/collect_github.py [--repos 300] [--workers 8] [--runs 1]
"""

from __future__ import annotations

import argparse
import time

from sentinel_cli.checks import load_checks
from sentinel_cli.checks.base import CheckSettings, run_checks
from sentinel_cli.collectors.github import GithubConfig, collect_github
from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
from sentinel_cli.standins.github_seed import seed_org


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=300)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    seed = seed_org("bench", repos=args.repos)
    with running_github_api(seed) as (base_url, server):
        config = GithubConfig(
            org="bench", token=OWNER_TOKEN, base_url=base_url, workers=args.workers
        )
        for run in range(1, args.runs + 1):
            server.reset_counters()
            started = time.perf_counter()
            inventory = collect_github(config)
            wall = time.perf_counter() - started
            check_started = time.perf_counter()
            results = list(run_checks(load_checks("github"), inventory, CheckSettings()))
            check_wall = time.perf_counter() - check_started
            print(
                f"run {run}: repos={len(inventory.repos or [])} "
                f"(+{len(inventory.archived_repos)} archived skipped) "
                f"api_calls={inventory.api_calls} server_requests={server.total_requests} "
                f"listing_requests={server.count('/orgs/bench/repos')} "
                f"errors={len(inventory.errors)} wall={wall:.2f}s "
                f"calls_per_s={inventory.api_calls / wall:.0f} "
                f"evidence_items={len(results)} checks_wall={check_wall:.2f}s"
            )


if __name__ == "__main__":
    main()

"""Bench the AWS collector: how many API calls and how long a collection takes, at a chosen scale.

Starts a moto server on 127.0.0.1 (a free port), seeds the known misconfiguration set plus filler
users, buckets and security groups, runs ``collect_aws`` and prints resources, API calls, wall
time, calls per second and calls per resource. The point is the *shape*: run it at two scales and
the calls must grow linearly with resources (IAM costs a handful of calls whatever the head count;
S3 six per bucket, plus one tag read per region holding buckets and an Object Lock read per
versioned bucket; each region a fixed ~40 plus its own resources). Measured: 200 users and 100
buckets in one region, 716 calls (1,029 before tags and Object Lock stopped costing a call per
bucket).

moto answers HTTP 500 for the few operations it does not implement (SSM inventory, Access
Analyzer); the collector recognises that answer and does not retry it, so the default retry budget
(``--max-attempts``, default: the collector's) costs no backoff here. Wall time against moto
measures the collector and moto together, so read it as an upper bound on the collector's own
overhead, not as AWS latency.

``--empty-regions N`` also collects N regions holding nothing and prints the calls one empty region
costs (the difference with the first collection, divided by N): the price of each quiet region of
each account of an organisation. ``--accounts N`` (N >= 2) seeds an AWS organisation of the
management account and N-1 members, each with the same known set (and fillers), and collects it as
one organisation collection (every account in parallel on one pool of ``--workers``), printing its
wall time and calls beside the single-account collection's.

    .venv/bin/python bench/collect_aws.py                      # small default
    .venv/bin/python bench/collect_aws.py --users 500 --buckets 200 --regions 10
    .venv/bin/python bench/collect_aws.py --empty-regions 4 --accounts 3
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any

REGION_POOL = (
    "us-east-1",
    "eu-west-1",
    "us-east-2",
    "us-west-2",
    "eu-central-1",
    "eu-west-2",
    "ap-southeast-1",
    "ap-northeast-1",
    "ca-central-1",
    "sa-east-1",
    "ap-south-1",
    "eu-north-1",
    "us-west-1",
    "ap-southeast-2",
    "eu-west-3",
    "ap-northeast-2",
)


def _resources(inv: Any) -> Counter[str]:
    """Resources the inventory describes, by kind (users, buckets, groups, ...)."""
    counts: Counter[str] = Counter()
    counts["iam users"] = len(inv.credential_report or [])
    details = inv.authorization_details or {}
    counts["iam groups/roles/policies"] = sum(
        len(details.get(k) or []) for k in ("GroupDetailList", "RoleDetailList", "Policies")
    )
    counts["s3 buckets"] = len(inv.buckets or [])
    counts["trails"] = len(inv.trails or [])
    for name in (
        "security_groups",
        "vpcs",
        "instances",
        "snapshots",
        "volumes",
        "subnets",
        "network_acls",
        "db_instances",
        "kms_keys",
        "lambda_functions",
        "load_balancers",
        "log_groups",
        "dynamodb_tables",
        "secrets",
        "certificates",
        "alarms",
    ):
        per_region: Mapping[str, list[Any]] = getattr(inv, name)
        counts[name] = sum(len(v) for v in per_region.values())
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="filler IAM users")
    parser.add_argument("--buckets", type=int, default=10, help="filler S3 buckets")
    parser.add_argument("--regions", type=int, default=2, help=f"regions (max {len(REGION_POOL)})")
    parser.add_argument("--sg-per-region", type=int, default=2, help="filler security groups")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument(
        "--max-attempts", type=int, default=None, help="retry budget (default: the collector's)"
    )
    parser.add_argument("--empty-regions", type=int, default=0, help="regions with nothing")
    parser.add_argument("--accounts", type=int, default=1, help="accounts of an organisation")
    args = parser.parse_args(argv)
    if not 1 <= args.regions + args.empty_regions <= len(REGION_POOL):
        parser.error(f"--regions plus --empty-regions must be 1..{len(REGION_POOL)}")
    if args.accounts < 1:
        parser.error("--accounts must be at least 1")

    # Fake credentials and no user config: this bench only ever talks to its own loopback server.
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(var, None)

    from sentinel_cli.collectors.aws import AwsCredentials, collect_aws_with_stats
    from sentinel_cli.standins.aws_seed import SeedScale, seed_account
    from sentinel_cli.standins.moto_server import running_moto_server

    regions = list(REGION_POOL[: args.regions])
    empty = list(REGION_POOL[args.regions : args.regions + args.empty_regions])
    scale = SeedScale(
        users=args.users, buckets=args.buckets, security_groups_per_region=args.sg_per_region
    )
    with running_moto_server() as endpoint:
        creds = AwsCredentials(region=regions[0], endpoint_url=endpoint)
        started = time.monotonic()
        seed_account(creds, regions=regions, scale=scale, workers=args.workers)
        seeded_in = time.monotonic() - started
        collection = collect_aws_with_stats(
            creds, regions=regions, workers=args.workers, max_attempts=args.max_attempts
        )
        quiet = None
        if empty:
            quiet = collect_aws_with_stats(
                creds,
                regions=regions + empty,
                workers=args.workers,
                max_attempts=args.max_attempts,
            )
        organization = None
        if args.accounts > 1:
            organization = _organization_run(creds, args, regions, scale)

    inv = collection.inventory
    resources = _resources(inv)
    total_resources = sum(resources.values())
    calls = inv.api_calls
    by_service: Counter[str] = Counter()
    for action, n in collection.calls_by_action.items():
        by_service[action.split(":")[0]] += n

    print(
        f"scale: users={args.users} buckets={args.buckets} regions={args.regions} "
        f"sg/region={args.sg_per_region} workers={args.workers} (seeded in {seeded_in:.1f} s)"
    )
    print("resources: " + ", ".join(f"{k}={v}" for k, v in resources.items() if v))
    print(f"resources total:     {total_resources}")
    print(f"API calls:           {calls}")
    print(f"wall time:           {collection.seconds:.2f} s")
    print(f"calls/second:        {calls / collection.seconds:.1f}")
    print(f"calls per resource:  {calls / max(1, total_resources):.2f}")
    print("calls by service:    " + ", ".join(f"{k}={v}" for k, v in by_service.most_common()))
    print(
        f"fetch errors:        {len(inv.errors)} "
        f"({', '.join(sorted({e.source for e in inv.errors}))})"
    )
    if quiet is not None:
        extra = quiet.inventory.api_calls - calls
        print(
            f"empty regions:       {len(empty)} more regions ({', '.join(empty)}): "
            f"{quiet.inventory.api_calls} calls in {quiet.seconds:.2f} s"
        )
        print(
            f"calls/empty region:  {extra / len(empty):.1f} "
            f"(+{(quiet.seconds - collection.seconds) / len(empty):.2f} s each against moto)"
        )
    if organization is not None:
        _print_organization(organization, collection)
    return 0


def _organization_run(creds: Any, args: argparse.Namespace, regions: list[str], scale: Any) -> Any:
    """Seed an organisation (this account manages N-1 members, each seeded like it) and collect
    it once, every account in parallel."""
    from sentinel_cli.collectors.aws.organization import collect_organization
    from sentinel_cli.standins.aws_org_seed import seed_organization
    from sentinel_cli.standins.aws_seed import seed_account

    names = [f"member{i}" for i in range(1, args.accounts)]
    org = seed_organization(creds, members=names, role_name="SentinelAudit")
    for name in names:
        seed_account(
            org.member_credentials(creds, name),
            regions=regions,
            scale=scale,
            prefix=f"seed-{name}",
            workers=args.workers,
        )
    return collect_organization(
        creds,
        member_role_name="SentinelAudit",
        regions=regions,
        workers=args.workers,
        max_attempts=args.max_attempts,
    )


def _print_organization(organization: Any, single: Any) -> None:
    inv = organization.inventory
    calls = inv.api_calls
    accounts = len(inv.inventories)
    entered = sum(1 for a in inv.accounts if a.get("SentinelEntered"))
    print(
        f"organisation:        {accounts} accounts collected ({entered} entered of "
        f"{len(inv.accounts)} listed), one job"
    )
    print(
        f"  API calls:         {calls} ("
        + ", ".join(f"{a}={n}" for a, n in organization.calls_by_account.items())
        + ")"
    )
    print(
        f"  wall time:         {organization.seconds:.2f} s "
        f"(one account alone: {single.seconds:.2f} s, {single.inventory.api_calls} calls; "
        f"x{organization.seconds / single.seconds:.2f} time for x{accounts} accounts)"
    )


if __name__ == "__main__":
    sys.exit(main())

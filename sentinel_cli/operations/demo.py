"""The demo: the whole product on an embedded sample company, with no cloud account and no token.

It runs in its own home directory (never the user's store): an AWS account served by moto on
127.0.0.1 and a GitHub organisation served by Sentinel's GitHub API stand-in, both seeded as a
plausible small SaaS company with a realistic mix of good and bad settings. Then it goes through
the same operations a user would: connect, collect, read the dashboard, generate policies and
reports. Each run starts from a clean demo home, so results are the same every time.

The demo home is marked with a ``.sentinel-demo`` file; Sentinel only ever wipes a directory that
carries that mark (or an empty one), so ``--home`` can never delete someone's data.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentinel_cli.config import Settings
from sentinel_cli.errors import InvalidInput, SentinelError
from sentinel_cli.wire import (
    AUDIT_FRAMEWORKS,
    Dashboard,
    EvidenceItem,
    Integration,
    Job,
    JsonObject,
    Policy,
    Report,
)

MARKER = ".sentinel-demo"
COMPANY = {
    "companyName": "Northwind Analytics Ltd",
    "industry": "B2B analytics software",
    "employeeCount": "51-200",
    "securityOfficer": "Zoë Müller",
    "securityOfficerEmail": "security@northwind.example",
    "securityOfficerTitle": "Head of Security",
}
DEMO_REGIONS = ("us-east-1", "eu-west-1")
DEMO_ORG = "northwind"
AWS_KEY_ID = "AKIADEMONORTHWIND001"
AWS_SECRET = "demo-secret-access-key-for-the-embedded-moto-account"  # not a real credential
DEMO_POLICIES = ("information-security-policy", "access-control-policy")
DEMO_REPORTS = ("EXECUTIVE_SUMMARY", "SOC2_AUDIT")
DEMO_ADMIN = "admin@northwind.example"
ADMIN_FILE = "demo-admin.txt"

Step = Callable[[str], None]


@dataclass(frozen=True)
class DemoScale:
    """How big the sample company is. ``small`` keeps tests quick; ``full`` is the default."""

    users: int
    buckets: int
    security_groups_per_region: int
    repositories: int


SCALES = {
    "small": DemoScale(users=0, buckets=0, security_groups_per_region=0, repositories=0),
    "full": DemoScale(users=30, buckets=10, security_groups_per_region=4, repositories=12),
}


@dataclass
class DemoResult:
    home: Path
    integrations: list[Integration] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    dashboard: Dashboard | None = None
    failing: list[EvidenceItem] = field(default_factory=list)
    audit_summary: JsonObject = field(default_factory=dict)
    """The compliance summary of the framework the demo's audit report covers."""
    policies: list[Policy] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    report_paths: list[Path] = field(default_factory=list)


def demo_settings(base: Settings, home: Path | None) -> Settings:
    """Settings of the demo store: ``home``, or ``SENTINEL_HOME`` itself when it is a demo home
    (after ``export SENTINEL_HOME=<demo home>``), else ``SENTINEL_HOME/demo``. Always the file
    secrets backend."""
    if home is None:
        home = base.home if (base.home / MARKER).exists() else base.home / "demo"
    demo_home = home.expanduser().resolve()
    return Settings(home=demo_home, db_path=demo_home / "sentinel.db", secrets_backend="file")


def prepare_home(settings: Settings, user_settings: Settings) -> None:
    """Start from a clean demo home, refusing to touch anything that is not a demo home."""
    home = settings.home
    same_store = user_settings.db_path.resolve() == settings.db_path.resolve()
    if same_store and not (home / MARKER).exists():
        raise InvalidInput(
            "the demo home would be your real store", hint="pass another directory with --home"
        )
    if home.exists():
        if not home.is_dir():
            raise InvalidInput(f"--home {home} is a file, not a directory")
        if any(home.iterdir()) and not (home / MARKER).exists():
            raise InvalidInput(
                f"{home} is not empty and is not a Sentinel demo home",
                hint="pick an empty or new directory for --home; the demo never deletes other data",
            )
        shutil.rmtree(home)
    home.mkdir(parents=True, mode=0o700)
    (home / MARKER).write_text("Created by `sentinel demo`; safe to delete.\n", encoding="utf-8")


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set variables for the demo's embedded services and collectors, restoring them after."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@contextmanager
def embedded_services(scale: DemoScale, step: Step) -> Iterator[tuple[str, str, str]]:
    """Start and seed the moto AWS account and the GitHub stand-in; yield their endpoints and the
    GitHub token to use."""
    try:
        import moto  # noqa: F401 - only to give a clear error when the demo extra is missing
    except ImportError as exc:
        raise SentinelError(
            "the demo needs moto, which is not installed",
            hint="pip install 'sentinel-compliance[demo]'",
        ) from exc
    from sentinel_cli.collectors.aws.session import AwsCredentials
    from sentinel_cli.standins.aws_seed import SeedScale, seed_account
    from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
    from sentinel_cli.standins.github_seed import seed_org
    from sentinel_cli.standins.moto_server import MOTO_ENV, running_moto_server

    env = {
        **MOTO_ENV,
        # moto answers 500 for the few APIs it lacks; retrying them would only cost time.
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    with _environment(env):
        os.environ.pop("AWS_ENDPOINT_URL", None)
        step("Starting the embedded AWS account (moto on 127.0.0.1)")
        with running_moto_server() as endpoint:
            step("Seeding it as Northwind Analytics: IAM users, buckets, security groups, RDS, KMS")
            seed_account(
                AwsCredentials(
                    region=DEMO_REGIONS[0],
                    access_key_id=AWS_KEY_ID,
                    secret_access_key=AWS_SECRET,
                    endpoint_url=endpoint,
                ),
                regions=DEMO_REGIONS,
                scale=SeedScale(
                    users=scale.users,
                    buckets=scale.buckets,
                    security_groups_per_region=scale.security_groups_per_region,
                ),
                prefix="northwind",
            )
            step("Starting the embedded GitHub API with the northwind organisation")
            org = seed_org(DEMO_ORG, repos=scale.repositories or None)
            with running_github_api(org) as (base_url, _server):
                yield endpoint, base_url, OWNER_TOKEN


def run_demo(
    settings: Settings,
    *,
    scale: DemoScale,
    step: Step,
    progress_for: Callable[[str], Callable[[int, int, str], None]],
) -> DemoResult:
    """Connect, collect, summarise, write policies and reports in the demo store."""
    from sentinel_cli.operations import collect as collect_ops
    from sentinel_cli.operations import compliance as compliance_ops
    from sentinel_cli.operations import dashboard as dashboard_ops
    from sentinel_cli.operations import evidence as evidence_ops
    from sentinel_cli.operations import integrations as integration_ops
    from sentinel_cli.operations import policies as policy_ops
    from sentinel_cli.secrets import open_secrets
    from sentinel_cli.store import open_store

    result = DemoResult(home=settings.home)
    secrets = open_secrets(settings, announce=False)
    with open_store(settings) as store, embedded_services(scale, step) as services:
        aws_endpoint, github_url, github_token = services
        step("Connecting the AWS account and the GitHub organisation")
        result.integrations.append(
            integration_ops.connect_aws(
                store,
                secrets,
                name="Northwind AWS (demo)",
                region=DEMO_REGIONS[0],
                regions=list(DEMO_REGIONS),
                access_key_id=AWS_KEY_ID,
                secret_access_key=AWS_SECRET,
                endpoint_url=aws_endpoint,
            )
        )
        result.integrations.append(
            integration_ops.connect_github(
                store,
                secrets,
                org=DEMO_ORG,
                token=github_token,
                name="Northwind GitHub (demo)",
                base_url=github_url,
            )
        )
        for integration in result.integrations:
            job = collect_ops.start_collection(store, integration["id"], trigger="demo")
            result.jobs.append(
                collect_ops.run_collection(
                    store,
                    secrets,
                    settings,
                    job["id"],
                    progress=progress_for(integration["name"]),
                )
            )

    with open_store(settings) as store:
        step("Writing two policies from templates")
        policy_ops.set_profile(store, COMPANY)
        for template_id in DEMO_POLICIES:
            generated = policy_ops.generate_policy(store, template_id=template_id)
            result.policies.append(generated["policy"])
        approved = policy_ops.approve_policy(
            store, result.policies[0]["id"], approver=COMPANY["securityOfficerEmail"]
        )
        result.policies[0] = approved
        result.dashboard = dashboard_ops.dashboard(store)
        listed = evidence_ops.list_evidence(store, status="FAIL", limit=10)
        result.failing = listed["evidence"]
        [audited] = AUDIT_FRAMEWORKS[DEMO_REPORTS[-1]]
        result.audit_summary = compliance_ops.compliance_summary(
            store, framework=audited, evidence_ids_limit=0
        )
        result.reports, result.report_paths = _reports(store, settings, step)
        _create_demo_admin(store, settings)
    return result


def _create_demo_admin(store: Any, settings: Settings) -> None:
    """An ADMIN for ``sentinel demo --serve``, with a random password kept (0600) in the demo
    home: the credentials open this demo store only."""
    import secrets as pysecrets

    from sentinel_cli.operations import users as user_ops

    password = pysecrets.token_urlsafe(15)
    user_ops.add_user(store, email=DEMO_ADMIN, role="ADMIN", password=password, name="Demo admin")
    path = settings.home / ADMIN_FILE
    path.touch(mode=0o600)
    path.write_text(f"{DEMO_ADMIN}\n{password}\n", encoding="utf-8")


def demo_admin(settings: Settings) -> tuple[str, str] | None:
    """The demo admin's email and password, when this home holds a finished demo."""
    path = settings.home / ADMIN_FILE
    if not (settings.home / MARKER).exists() or not path.exists():
        return None
    email, password = path.read_text(encoding="utf-8").split()[:2]
    return email, password


def _reports(store: Any, settings: Settings, step: Step) -> tuple[list[Report], list[Path]]:
    from sentinel_cli.operations import reports as report_ops

    reports: list[Report] = []
    paths: list[Path] = []
    out_dir = settings.home / "reports"
    out_dir.mkdir(exist_ok=True)
    for report_type in DEMO_REPORTS:
        step(f"Generating the {report_type} report (PDF)")
        report = report_ops.generate_report(store, report_type=report_type)["report"]
        document = report_ops.download_report(store, report["id"])
        path = out_dir / document.filename
        path.write_bytes(document.content)
        reports.append(report)
        paths.append(path)
    return reports, paths

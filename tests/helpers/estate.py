"""A small estate of collections written through the store's real write path, for the evidence,
exception, dashboard and SARIF/JUnit tests (the ``estate`` fixture of ``tests/conftest.py`` builds
it in each test's fresh store; modules that need another store call ``build_estate``).

Collections go through ``jobs.start`` + ``evidence.insert_many`` + ``jobs.finish`` exactly as
``operations.collect.run_collection`` does, with timestamps placed on past days so ``--as-of``,
history and the timeline have something to replay. The estate:

- AWS "prod": collections 3, 2 and 1 days ago (the last is current), then a FAILED job and nothing
  else; statuses change between collections so history and as-of views differ.
- GitHub "acme": one collection 2 days ago, then a RUNNING job holding items that must never show.
- AWS "staging": one collection 1 day ago recorded with a newer mapping of ``aws_s3_versioning``
  (also CC6.1), so control filters must fall back to the items' JSON for that check.
- AWS "legacy": one collection 3 days ago, removed 2 days ago (only ``--as-of`` 3 days ago sees it).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sentinel_cli.store import Store
from sentinel_cli.store.evidence import EvidenceRecord
from sentinel_cli.timeutil import to_iso


@dataclass(frozen=True)
class Meta:
    title: str
    severity: str
    category: str
    controls: dict[str, list[str]]


CHECKS: dict[str, Meta] = {
    "aws_iam_root_mfa": Meta(
        "The root user has MFA enabled",
        "critical",
        "iam",
        {"SOC2": ["CC6.1", "CC6.6"], "ISO27001": ["A.5.17", "A.8.5"]},
    ),
    "aws_iam_password_policy": Meta(
        "The account password policy is strong",
        "medium",
        "iam",
        {"SOC2": ["CC6.2"], "ISO27001": []},
    ),
    "aws_iam_key_rotation_90d": Meta(
        "Access keys are rotated within 90 days",
        "medium",
        "iam",
        {"SOC2": ["CC6.1"], "ISO27001": ["A.5.17"]},
    ),
    "aws_s3_bucket_default_encryption": Meta(
        "S3 buckets encrypt objects by default",
        "high",
        "encryption",
        {"SOC2": ["CC6.1", "CC6.7"], "ISO27001": ["A.8.24"]},
    ),
    "aws_s3_versioning": Meta(
        "S3 buckets keep object versions",
        "low",
        "storage",
        {"SOC2": ["A1.2"], "ISO27001": ["A.8.13"]},
    ),
    "aws_cloudtrail_multi_region": Meta(
        "A multi-region CloudTrail trail is logging",
        "high",
        "logging",
        {"SOC2": ["CC7.2"], "ISO27001": ["A.8.15"]},
    ),
    "aws_ec2_sg_no_ssh_world": Meta(
        "Security groups do not open SSH to the world",
        "high",
        "network",
        {"SOC2": ["CC6.6"], "ISO27001": ["A.8.20"]},
    ),
    "github_repo_default_branch_protected": Meta(
        "Default branches are protected",
        "high",
        "change-management",
        {"SOC2": ["CC8.1"], "ISO27001": ["A.8.32"]},
    ),
    "github_org_2fa_required": Meta(
        "The organisation requires two-factor authentication",
        "critical",
        "iam",
        {"SOC2": ["CC6.1"], "ISO27001": ["A.8.5"]},
    ),
}

ACCOUNT = "111122223333"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ACCOUNTS = {"prod": ACCOUNT, "staging": "444455556666", "legacy": "999999999999"}
"""The AWS account of each AWS integration's items (``accountId``); GitHub items have none."""


def user(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{name}"


def bucket(name: str) -> str:
    return f"arn:aws:s3:::{name}"


# (check_id, resource_id, status, region)
Spec = tuple[str, str, str, str | None]

PROD_CURRENT: list[Spec] = [
    ("aws_iam_root_mfa", ROOT, "FAIL", None),
    ("aws_iam_password_policy", ACCOUNT, "PASS", None),
    ("aws_iam_key_rotation_90d", user("alice"), "PASS", None),
    ("aws_iam_key_rotation_90d", user("bob"), "FAIL", None),
    ("aws_iam_key_rotation_90d", user("carol"), "WARNING", None),
    ("aws_s3_bucket_default_encryption", bucket("acme-logs"), "PASS", "us-east-1"),
    ("aws_s3_bucket_default_encryption", bucket("acme-data"), "FAIL", "eu-west-1"),
    ("aws_s3_bucket_default_encryption", bucket("acme-tmp-scratch"), "FAIL", "eu-west-1"),
    ("aws_s3_versioning", bucket("acme-logs"), "PASS", "us-east-1"),
    ("aws_s3_versioning", bucket("acme-data"), "WARNING", "eu-west-1"),
    ("aws_cloudtrail_multi_region", ACCOUNT, "ERROR", "us-east-1"),
    ("aws_ec2_sg_no_ssh_world", "sg-0aaa1111", "PASS", "us-east-1"),
    ("aws_ec2_sg_no_ssh_world", "sg-0bbb2222", "FAIL", "eu-west-1"),
]


def _changed(specs: list[Spec], changes: dict[tuple[str, str], str]) -> list[Spec]:
    return [(c, r, changes.get((c, r), s), g) for c, r, s, g in specs]


PROD_3_DAYS_AGO = _changed(
    PROD_CURRENT,
    {
        ("aws_s3_bucket_default_encryption", bucket("acme-data")): "PASS",
        ("aws_iam_key_rotation_90d", user("bob")): "PASS",
        ("aws_cloudtrail_multi_region", ACCOUNT): "PASS",
    },
)
PROD_2_DAYS_AGO = _changed(
    PROD_CURRENT,
    {("aws_iam_key_rotation_90d", user("bob")): "PASS"},
)
GITHUB_CURRENT: list[Spec] = [
    ("github_repo_default_branch_protected", "acme/api", "FAIL", None),
    ("github_repo_default_branch_protected", "acme/web", "PASS", None),
    ("github_org_2fa_required", "acme", "PASS", None),
]
STAGING_CURRENT: list[Spec] = [
    ("aws_s3_versioning", bucket("staging-assets"), "FAIL", "us-east-1"),
]
STAGING_CONTROLS = {"aws_s3_versioning": {"SOC2": ["A1.2", "CC6.1"], "ISO27001": ["A.8.13"]}}
LEGACY_OLD: list[Spec] = [
    ("aws_iam_root_mfa", "arn:aws:iam::999999999999:root", "FAIL", None),
]


def day_at(days_ago: int, hour: int = 10, *, base: datetime | None = None) -> datetime:
    midnight = (base or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - timedelta(days=days_ago) + timedelta(hours=hour)


def records(
    specs: list[Spec],
    controls: dict[str, dict[str, list[str]]] | None = None,
    account_id: str | None = None,
) -> list[EvidenceRecord]:
    out = []
    for check_id, resource_id, status, region in specs:
        meta = CHECKS[check_id]
        out.append(
            EvidenceRecord(
                id=str(uuid.uuid4()),
                check_id=check_id,
                title=meta.title,
                status=status,
                severity=meta.severity,
                category=meta.category,
                resource_id=resource_id,
                resource_type="AwsResource" if check_id.startswith("aws_") else "GithubResource",
                region=region,
                message=f"{resource_id}: {status.lower()} for {check_id}",
                remediation={"text": f"Fix {check_id}.", "cli": f"fix --check {check_id}"},
                controls=(controls or {}).get(check_id, meta.controls),
                raw={"resource": resource_id, "status": status, "check": check_id},
                account_id=account_id if check_id.startswith("aws_") else None,
            )
        )
    return out


@dataclass
class Estate:
    store: Store
    integrations: dict[str, str] = field(default_factory=dict)
    jobs: dict[str, str] = field(default_factory=dict)
    items: dict[str, list[EvidenceRecord]] = field(default_factory=dict)
    """Records per job label."""

    def integration(self, label: str, type: str = "AWS") -> str:
        integration_id = str(uuid.uuid4())
        self.store.integrations.insert(
            integration_id=integration_id,
            type=type,
            name=label,
            external_id=None,
            config={"org": label} if type == "GITHUB" else {"region": "us-east-1"},
            has_secret=False,
        )
        self.integrations[label] = integration_id
        return integration_id

    def collect(
        self,
        label: str,
        integration: str,
        specs: list[Spec],
        *,
        at: datetime,
        status: str = "COMPLETED",
        controls: dict[str, dict[str, list[str]]] | None = None,
    ) -> str:
        """One collection through the real write path (RUNNING jobs keep their items unfinished)."""
        job_id = str(uuid.uuid4())
        recs = records(specs, controls, ACCOUNTS.get(integration))
        integration_id = self.integrations[integration]
        self.store.jobs.start(
            job_id=job_id, integration_id=integration_id, trigger="test", started_at=to_iso(at)
        )
        with self.store.transaction():
            self.store.evidence.insert_many(
                recs, job_id=job_id, integration_id=integration_id, collected_at=to_iso(at)
            )
            if status != "RUNNING":
                self.store.jobs.finish(
                    job_id,
                    status=status,
                    counts=dict(Counter(r.status for r in recs)),
                    finished_at=to_iso(at + timedelta(minutes=5)),
                )
        self.jobs[label] = job_id
        self.items[label] = recs
        return job_id

    def current(self) -> list[EvidenceRecord]:
        return [*self.items["prod-1"], *self.items["acme-2"], *self.items["staging-1"]]

    def integration_of(self, record: EvidenceRecord) -> str:
        for label, recs in self.items.items():
            if any(r.id == record.id for r in recs):
                return {"prod": "prod", "acme": "acme", "staging": "staging", "legacy": "legacy"}[
                    label.split("-")[0]
                ]
        raise KeyError(record.id)


def build_estate(store: Store, *, base: datetime | None = None) -> Estate:
    estate = Estate(store)
    estate.integration("prod")
    estate.integration("acme", "GITHUB")
    estate.integration("staging")
    estate.integration("legacy")
    estate.collect("legacy-3", "legacy", LEGACY_OLD, at=day_at(3, 8, base=base))
    estate.collect("prod-3", "prod", PROD_3_DAYS_AGO, at=day_at(3, base=base))
    estate.collect("prod-2", "prod", PROD_2_DAYS_AGO, at=day_at(2, base=base))
    estate.collect("acme-2", "acme", GITHUB_CURRENT, at=day_at(2, 11, base=base))
    estate.collect("prod-1", "prod", PROD_CURRENT, at=day_at(1, base=base))
    estate.collect(
        "staging-1",
        "staging",
        STAGING_CURRENT,
        at=day_at(1, 9, base=base),
        controls=STAGING_CONTROLS,
    )
    # Jobs whose items must never show: a FAILED one after the current prod collection, and a
    # RUNNING one of the GitHub org.
    estate.collect(
        "prod-failed",
        "prod",
        _changed(PROD_CURRENT, {("aws_iam_root_mfa", ROOT): "PASS"}),
        at=day_at(1, 15, base=base),
        status="FAILED",
    )
    estate.collect(
        "acme-running",
        "acme",
        [("github_repo_default_branch_protected", "acme/api", "PASS", None)],
        at=day_at(0, 0, base=base),
        status="RUNNING",
    )
    store.integrations.mark_removed(estate.integrations["legacy"])
    store.conn.execute(
        "UPDATE integrations SET removed_at = ? WHERE id = ?",
        (to_iso(day_at(2, 12, base=base)), estate.integrations["legacy"]),
    )
    return estate


def keys(items: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """(checkId, resourceId, status) of API items."""
    return {(i["checkId"], i["resourceId"], i["status"]) for i in items}


def rkeys(recs: list[EvidenceRecord]) -> set[tuple[str, str, str]]:
    return {(r.check_id, r.resource_id, r.status) for r in recs}


def squash(text: str) -> str:
    """Collapse the line wrapping Rich applies to stderr at 80 columns."""
    return " ".join(text.split())

"""The executive summary's overall score and its score line are one number for one moment.

A store with every status, an account checked per region, a resource that disappears between two
collections of the period, a collection from before the period and an accepted risk: the overall
score printed in the PDF, the score line's last point (same day) and the trend sentence must all
equal the score computed here by hand from the definition the report prints.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pypdf
import pytest

from sentinel_cli.config import Settings
from sentinel_cli.inventory.report import SCORE_DEFINITION
from sentinel_cli.operations import billing
from sentinel_cli.operations import exceptions as exception_ops
from sentinel_cli.operations import reports as ops
from sentinel_cli.store import open_store
from tests.helpers.estate import ACCOUNT, ROOT, Estate, Spec, bucket, day_at, user

pytestmark = pytest.mark.both_databases

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
PERIOD_START = (NOW - timedelta(days=5)).date().isoformat()

BEFORE_PERIOD: list[Spec] = [("aws_iam_root_mfa", ROOT, "PASS", None)]
PROD_EARLY: list[Spec] = [
    ("aws_iam_root_mfa", ROOT, "PASS", None),
    ("aws_s3_versioning", bucket("acme-old"), "FAIL", "us-east-1"),  # deleted before the next
    ("aws_cloudtrail_multi_region", ACCOUNT, "PASS", "us-east-1"),
]
PROD_LATEST: list[Spec] = [
    ("aws_iam_root_mfa", ROOT, "FAIL", None),
    ("aws_iam_password_policy", ACCOUNT, "PASS", None),
    ("aws_iam_key_rotation_90d", user("alice"), "PASS", None),
    ("aws_iam_key_rotation_90d", user("bob"), "FAIL", None),  # accepted risk below
    ("aws_iam_key_rotation_90d", user("carol"), "WARNING", None),
    # One account, judged per region: two findings, not one.
    ("aws_cloudtrail_multi_region", ACCOUNT, "PASS", "us-east-1"),
    ("aws_cloudtrail_multi_region", ACCOUNT, "FAIL", "eu-west-1"),
    ("aws_s3_versioning", bucket("acme-logs"), "ERROR", "us-east-1"),
]
GITHUB_LATEST: list[Spec] = [
    ("github_repo_default_branch_protected", "acme/api", "FAIL", None),
    ("github_repo_default_branch_protected", "acme/web", "PASS", None),
    ("github_org_2fa_required", "acme", "PASS", None),
]


def _expected() -> tuple[float, int, int, int, int]:
    """The printed definition, applied by hand: latest collection of each integration in the
    period, an accepted failure counting as passing, errors in the total."""
    latest = [*PROD_LATEST, *GITHUB_LATEST]
    status = Counter(s for _, _, s, _ in latest)
    accepted = 1  # bob's key
    passing = status["PASS"] + accepted
    return (
        round(passing / len(latest) * 100, 1),
        len(latest),
        passing,
        status["FAIL"] - accepted,
        status["WARNING"],
    )


def _pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def test_overall_score_is_the_score_lines_last_point(settings: Settings) -> None:
    with open_store(settings) as store:
        billing.set_plan(store, "ENTERPRISE")
        estate = Estate(store)
        estate.integration("prod")
        estate.integration("acme", "GITHUB")
        estate.collect("prod-old", "prod", BEFORE_PERIOD, at=day_at(9, base=NOW))
        estate.collect("prod-3", "prod", PROD_EARLY, at=day_at(3, base=NOW))
        estate.collect("acme-2", "acme", GITHUB_LATEST, at=day_at(2, base=NOW))
        estate.collect("prod-1", "prod", PROD_LATEST, at=day_at(1, base=NOW))
        exception_ops.add_exception(
            store,
            check_id="aws_iam_key_rotation_90d",
            resource=user("bob"),
            reason="Rotation automated next sprint",
            owner="cto@acme.example",
            expires=(NOW + timedelta(days=30)).date().isoformat(),
            now=NOW - timedelta(hours=1),
        )
        report = ops.generate_report(
            store,
            report_type="EXECUTIVE_SUMMARY",
            period_start=PERIOD_START,
            period_end=NOW.date().isoformat(),
            now=NOW,
        )["report"]
        text = _pdf_text(ops.download_report(store, report["id"]).content)

    score, total, passing, failing, warning = _expected()
    shown = f"{score:.1f}%"
    assert score != round(passing / (total + 1) * 100, 1)  # the vanished bucket would show

    overall = re.search(r"Overall \(evidence items\) (\S+) (\d+) items (\d+) (\d+) (\d+)", text)
    assert overall, text
    assert overall.groups() == (shown, str(total), str(passing), str(failing), str(warning))
    assert report["summary"]["scores"]["overall"] == score

    chart = text.split("Score over the period", 1)[1].split("Daily score:", 1)[0]
    *_, last_value = re.findall(r"\d+(?:\.\d)?%", chart)
    assert chart.split()[-1] == NOW.date().isoformat()  # the last point is today's
    assert last_value == shown
    trend = re.search(r"the daily score moved from \S+ \(\S+\) to (\S+) \((\S+)\)", text)
    assert trend and trend.groups() == (shown, NOW.date().isoformat())
    assert " ".join(SCORE_DEFINITION.split()) in text

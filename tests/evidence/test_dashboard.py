"""`sentinel dashboard`: the spec's structure, overview arithmetic, frameworks, categories, issues,
the 30-day timeline replayed from job history, exceptions in the score, and the trend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sentinel_cli.operations import dashboard as ops
from sentinel_cli.operations import exceptions as exc_ops
from tests.helpers.cli import Cli
from tests.helpers.estate import Estate, day_at

SPEC_KEYS = {
    "overview",
    "frameworks",
    "categories",
    "recentActivity",
    "issues",
    "timeline",
    "trend",
}


def test_cli_json_is_the_spec_structure(cli: Cli, estate: Estate) -> None:
    result = cli("dashboard", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert set(data) == SPEC_KEYS
    assert set(data["overview"]) >= {
        "totalChecks",
        "passingChecks",
        "failingChecks",
        "warningChecks",
        "complianceScore",
    }
    assert data["trend"] in ("improving", "declining", "stable")
    assert isinstance(data["frameworks"], list) and isinstance(data["categories"], dict)
    table = cli("dashboard")
    assert table.exit_code == 0, table.stderr
    assert "Compliance score 41.2%" in table.stdout


def test_overview(estate: Estate) -> None:
    overview = ops.dashboard(estate.store)["overview"]
    assert overview == {
        "totalChecks": 17,
        "passingChecks": 7,
        "failingChecks": 7,
        "warningChecks": 2,
        "errorChecks": 1,
        "exceptedChecks": 0,
        "complianceScore": round(7 / 17 * 100, 1),
    }


def test_frameworks_and_categories(estate: Estate) -> None:
    data = ops.dashboard(estate.store)
    soc2, iso, csf = data["frameworks"]
    assert (soc2["id"], iso["id"], csf["id"]) == ("SOC2", "ISO27001", "NIST-CSF")
    # The estate's items were recorded with SOC 2 and ISO mappings only: every CSF subcategory
    # is counted, none covered.
    assert csf["totalControls"] == csf["notCoveredControls"] == 106
    assert csf["coveredControls"] == 0 and csf["score"] is None
    assert soc2["totalControls"] == 61 and soc2["coveredControls"] == 7
    assert soc2["passingControls"] == 1 and soc2["score"] == round(1 / 7 * 100, 1)
    assert (
        soc2["passingControls"]
        + soc2["failingControls"]
        + soc2["warningControls"]
        + soc2["notCoveredControls"]
        == soc2["totalControls"]
    )
    assert iso["totalControls"] == 93
    cats = data["categories"]
    assert cats["iam"] == {
        "total": 6,
        "passing": 3,
        "failing": 2,
        "warning": 1,
        "error": 0,
        "excepted": 0,
        "score": 50.0,
    }
    assert cats["logging"]["error"] == 1
    # Worst categories first.
    failing = [c["failing"] for c in cats.values()]
    assert failing == sorted(failing, reverse=True)


def test_issues_are_failing_items_worst_severity_first(estate: Estate) -> None:
    issues = ops.dashboard(estate.store)["issues"]
    assert len(issues) == 7 and all(i["status"] == "FAIL" for i in issues)
    order = ["critical", "high", "medium", "low", "info"]
    ranks = [order.index(i["severity"]) for i in issues]
    assert ranks == sorted(ranks)
    assert issues[0]["checkId"] == "aws_iam_root_mfa"


def test_timeline_replays_each_day_and_trend(estate: Estate) -> None:
    data = ops.dashboard(estate.store)
    timeline = data["timeline"]
    assert len(timeline) == 30
    assert timeline[-1]["date"] == day_at(0).date().isoformat()
    by_date = {p["date"]: p for p in timeline}
    assert by_date[day_at(4).date().isoformat()]["score"] is None  # before any collection
    assert by_date[day_at(3).date().isoformat()]["score"] == round(8 / 14 * 100, 1)
    assert by_date[day_at(2).date().isoformat()]["score"] == round(8 / 16 * 100, 1)
    assert by_date[day_at(1).date().isoformat()]["score"] == round(7 / 17 * 100, 1)
    assert timeline[-1]["score"] == data["overview"]["complianceScore"]
    assert data["trend"] == "declining"


def test_exceptions_count_as_passing_from_their_creation(estate: Estate) -> None:
    exc_ops.add_exception(
        estate.store,
        check_id="github_repo_default_branch_protected",
        reason="legacy repo, archived next sprint",
        owner="eng@example.com",
        expires=(day_at(0) + timedelta(days=7)).date().isoformat(),
        now=day_at(1, 12),
    )
    data = ops.dashboard(estate.store)
    overview = data["overview"]
    assert overview["exceptedChecks"] == 1
    assert overview["failingChecks"] == 6 and overview["passingChecks"] == 8
    assert overview["complianceScore"] == round(8 / 17 * 100, 1)
    by_date = {p["date"]: p for p in data["timeline"]}
    assert by_date[day_at(1).date().isoformat()]["score"] == round(8 / 17 * 100, 1)
    assert by_date[day_at(2).date().isoformat()]["score"] == round(8 / 16 * 100, 1)
    assert data["timeline"][-1]["score"] == overview["complianceScore"]
    assert data["recentActivity"][0]["action"] == "exception.added"
    assert all(i["checkId"] != "github_repo_default_branch_protected" for i in data["issues"])
    assert data["categories"]["change-management"]["excepted"] == 1


def test_dashboard_with_a_moved_clock(estate: Estate) -> None:
    """As seen three days ago at noon only one day has data: the trend is stable."""
    data = ops.dashboard(estate.store, now=day_at(3, 12))
    assert data["overview"]["totalChecks"] == 14
    assert [p["score"] for p in data["timeline"] if p["score"] is not None] == [
        round(8 / 14 * 100, 1)
    ]
    assert data["trend"] == "stable"


@pytest.mark.parametrize(
    ("scores", "trend"),
    [
        ([None, 50.0, 51.9], "stable"),
        ([50.0, None, 52.0], "improving"),
        ([60.0, 58.0], "declining"),
        ([60.0, 58.1], "stable"),
        ([None, None], "stable"),
        ([42.0], "stable"),
    ],
)
def test_trend_threshold(scores: list, trend: str) -> None:
    assert ops.trend_of([{"score": s} for s in scores]) == trend


def test_empty_store(cli: Cli) -> None:
    result = cli("dashboard", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["overview"]["totalChecks"] == 0 and data["overview"]["complianceScore"] is None
    assert data["trend"] == "stable" and all(p["score"] is None for p in data["timeline"])


def test_days_option(cli: Cli, estate: Estate) -> None:
    assert len(cli("dashboard", "--days", "7", "--json").json()["timeline"]) == 7
    bad = cli("dashboard", "--days", "0")
    assert bad.exit_code == 2 and "between 1 and 365" in bad.stderr

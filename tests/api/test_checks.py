"""``/api/checks``: the catalogue over HTTP, for every role, with the CLI's filters and errors."""

from __future__ import annotations

from typing import Any

import pytest

from sentinel_cli.checks import all_metadata
from tests.helpers.server import ROLES, Api, assert_error, data_of


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_whole_catalogue(api: Api, role: str) -> None:
    data = data_of(api.as_(role).get("/api/checks"))
    distinct = {m.id for m in all_metadata().values()}
    assert data["total"] == len(data["checks"]) == len(distinct)
    assert {c["id"] for c in data["checks"]} == distinct


def test_filters_combine_and_take_repeats_or_comma_lists(api: Api) -> None:
    client = api.as_("VIEWER")
    cc72 = data_of(client.get("/api/checks?framework=soc2&control=cc7.2"))["checks"]
    assert cc72 and all("CC7.2" in c["controls"]["SOC2"] for c in cc72)
    high = data_of(client.get("/api/checks?provider=github&severity=critical,high"))["checks"]
    assert high and {(c["provider"], c["severity"]) for c in high} <= {
        ("GITHUB", "critical"),
        ("GITHUB", "high"),
    }
    repeated = data_of(client.get("/api/checks?provider=github&severity=critical&severity=high"))
    assert repeated["checks"] == high


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("provider=azure", "AWS, GITHUB"),
        ("severity=urgent", "critical"),
        ("framework=PCI", "SOC2"),
        ("control=CC6.1", "--framework"),
        ("framework=SOC2&control=ZZ9", "unknown SOC2 control"),
    ],
)
def test_bad_filters_are_400_naming_what_is_allowed(api: Api, query: str, fragment: str) -> None:
    assert_error(api.as_("VIEWER").get(f"/api/checks?{query}"), 400, fragment)


def test_one_check_by_id_or_former_id_with_control_titles(api: Api) -> None:
    client = api.as_("VIEWER")
    check = data_of(client.get("/api/checks/aws_rds_multi_az_and_deletion_protection"))["check"]
    assert check["id"] == "aws_rds_multi_az"
    assert check["controlDetails"]["ISO27001"][0]["title"]
    assert_error(client.get("/api/checks/no_such_check"), 404, "no_such_check")


def test_the_catalogue_needs_a_token(api: Api) -> None:
    assert_error(api.anonymous().get("/api/checks"), 401)
    assert_error(api.anonymous().get("/api/checks/aws_s3_versioning"), 401)


def test_nist_csf_over_http_after_a_collection(api: Api, collected: dict[str, Any]) -> None:
    """NIST CSF 2.0 is a YAML file and catalogue mappings; over HTTP it filters checks and
    evidence, has a compliance summary and a dashboard score like the first two frameworks."""
    viewer = api.as_("VIEWER")
    reviewed = data_of(
        viewer.get("/api/checks", params={"framework": "nist", "control": "pr.ps-6"})
    )
    assert reviewed["checks"] and all(
        "PR.PS-06" in c["controls"]["NIST-CSF"] for c in reviewed["checks"]
    )
    assert "github_repo_review_required" in {c["id"] for c in reviewed["checks"]}

    summary = data_of(viewer.get("/api/evidence/compliance", params={"framework": "NIST-CSF"}))
    assert summary["framework"]["id"] == "NIST-CSF"
    assert summary["totals"]["controls"] == len(summary["controls"]) == 106
    by_id = {c["id"]: c for c in summary["controls"]}
    # The collected organisation's branch-protection and 2FA evidence lands on its subcategories.
    assert by_id["PR.PS-06"]["status"] != "NOT_COVERED" and by_id["PR.PS-06"]["counts"]["total"]
    assert by_id["PR.AA-03"]["status"] != "NOT_COVERED"
    assert by_id["RC.CO-04"]["status"] == "NOT_COVERED"
    assert {c["category"] for c in summary["controls"]} == {
        "Govern",
        "Identify",
        "Protect",
        "Detect",
        "Respond",
        "Recover",
    }

    items = data_of(
        viewer.get("/api/evidence", params={"framework": "NIST-CSF", "control": "PR.AA-03"})
    )["evidence"]
    assert items and all("PR.AA-03" in i["controls"]["NIST-CSF"] for i in items)

    scores = {f["id"]: f for f in data_of(viewer.get("/api/dashboard/stats"))["frameworks"]}
    assert list(scores) == ["SOC2", "ISO27001", "NIST-CSF"]
    assert scores["NIST-CSF"]["coveredControls"] == summary["totals"]["covered"] > 0
    assert scores["NIST-CSF"]["totalControls"] == 106

    assert_error(
        viewer.get("/api/evidence/compliance", params={"framework": "CSF-3"}), 400, "NIST-CSF"
    )

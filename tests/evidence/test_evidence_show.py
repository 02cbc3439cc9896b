"""`sentinel evidence show`, `stats` and `compliance`: full items with history, counts, and the
control-by-control summary with its score."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest

from sentinel_cli.errors import InvalidInput, NotFound
from sentinel_cli.operations import compliance, control_evidence, evidence_item, evidence_stats
from sentinel_cli.operations import evidence as ops
from sentinel_cli.operations import exceptions as exc_ops
from sentinel_cli.store.evidence import canonical_json
from tests.helpers.cli import Cli
from tests.helpers.estate import (
    Estate,
    bucket,
    day_at,
    records,
    squash,
)

both_databases = pytest.mark.both_databases


def _current_record(est: Estate, check_id: str, resource_id: str):
    return next(
        r for r in est.items["prod-1"] if r.check_id == check_id and r.resource_id == resource_id
    )


@both_databases
def test_show_full_item_with_history(estate: Estate) -> None:
    rec = _current_record(estate, "aws_s3_bucket_default_encryption", bucket("acme-data"))
    item = evidence_item.get_evidence(estate.store, rec.id[:10])["evidence"]
    assert item["id"] == rec.id and item["status"] == "FAIL" and item["current"] is True
    assert item["rawData"] == rec.raw
    # The SHA-256 is recomputable from the raw data shown.
    assert item["sha256"] == hashlib.sha256(canonical_json(item["rawData"]).encode()).hexdigest()
    assert [c["id"] for c in item["controlDetails"]["SOC2"]] == ["CC6.1", "CC6.7"]
    assert [c["id"] for c in item["controlDetails"]["ISO27001"]] == ["A.8.24"]
    assert all(
        c["title"] for c in item["controlDetails"]["SOC2"] + item["controlDetails"]["ISO27001"]
    )
    assert item["remediation"]["text"] and "description" in item
    # Two earlier collections of prod: PASS three days ago, FAIL two days ago. Never the FAILED
    # job's items, never another integration's.
    history = item["history"]
    assert [(h["status"], h["jobId"]) for h in history] == [
        ("FAIL", estate.jobs["prod-2"]),
        ("PASS", estate.jobs["prod-3"]),
    ]
    assert history[0]["collectedAt"] > history[1]["collectedAt"]


def test_show_an_old_item_is_not_current_and_has_earlier_history_only(estate: Estate) -> None:
    rec = next(
        r
        for r in estate.items["prod-2"]
        if r.check_id == "aws_s3_bucket_default_encryption" and r.resource_id == bucket("acme-data")
    )
    item = evidence_item.get_evidence(estate.store, rec.id)["evidence"]
    assert item["current"] is False
    assert [h["jobId"] for h in item["history"]] == [estate.jobs["prod-3"]]


def test_show_reports_the_exception(estate: Estate) -> None:
    rec = _current_record(estate, "aws_iam_root_mfa", "arn:aws:iam::111122223333:root")
    exc_ops.add_exception(
        estate.store,
        check_id="aws_iam_root_mfa",
        reason="key on order",
        owner="a@example.com",
        expires="2999-01-01",
        now=day_at(1),
    )
    item = evidence_item.get_evidence(estate.store, rec.id)["evidence"]
    assert item["excepted"] is True and item["exception"]["reason"] == "key on order"


@both_databases
def test_show_unknown_short_and_ambiguous_ids(estate: Estate) -> None:
    with pytest.raises(NotFound):
        evidence_item.get_evidence(estate.store, "ffffffff-ffff")
    with pytest.raises(NotFound):
        evidence_item.get_evidence(estate.store, "a")  # too short to be a prefix
    # Two items whose ids share a prefix: the prefix is ambiguous, a longer one is not.
    recs = records(
        [("aws_iam_root_mfa", "r1", "PASS", None), ("aws_iam_root_mfa", "r2", "PASS", None)]
    )
    recs = [replace(r, id=f"dddd{n}000-0000-4000-8000-000000000000") for n, r in enumerate(recs)]
    job = estate.jobs["prod-1"]
    with estate.store.transaction():
        estate.store.evidence.insert_many(
            recs,
            job_id=job,
            integration_id=estate.integrations["prod"],
            collected_at="2020-01-01T00:00:00Z",
        )
    with pytest.raises(InvalidInput, match="ambiguous"):
        evidence_item.get_evidence(estate.store, "dddd")
    assert evidence_item.get_evidence(estate.store, "dddd1")["evidence"]["resourceId"] == "r2"


def test_cli_show(cli: Cli, estate: Estate) -> None:
    rec = _current_record(estate, "aws_ec2_sg_no_ssh_world", "sg-0bbb2222")
    shown = cli("evidence", "show", rec.id[:8], "--json")
    assert shown.exit_code == 0, shown.stderr
    assert shown.json()["evidence"]["rawData"] == rec.raw
    table = cli("evidence", "show", rec.id)
    assert table.exit_code == 0, table.stderr
    text = squash(table.stdout)
    assert "Raw data" in text and "History" in text
    assert json.dumps(rec.raw["resource"]) in table.stdout
    assert cli("evidence", "show", "ffffffff-ffff").exit_code == 3


@both_databases
def test_stats(estate: Estate) -> None:
    stats = evidence_stats.evidence_stats(estate.store)
    current = estate.current()
    assert stats["total"] == len(current)
    for status in ("PASS", "FAIL", "WARNING", "ERROR"):
        assert stats["byStatus"][status] == sum(r.status == status for r in current)
    assert set(stats["byCategory"]) == {r.category for r in current}
    assert stats["byCategory"]["iam"]["total"] == sum(r.category == "iam" for r in current)
    assert stats["byCategory"]["iam"]["FAIL"] == sum(
        r.category == "iam" and r.status == "FAIL" for r in current
    )
    assert stats["bySeverity"]["critical"]["total"] == sum(
        r.severity == "critical" for r in current
    )
    assert stats["excepted"] == 0
    exc_ops.add_exception(
        estate.store,
        check_id="aws_s3_bucket_default_encryption",
        reason="r",
        owner="a@example.com",
        expires="2999-01-01",
        now=day_at(1),
    )
    stats = evidence_stats.evidence_stats(estate.store)
    assert stats["excepted"] == 2 and stats["byCategory"]["encryption"]["excepted"] == 2
    as_of = evidence_stats.evidence_stats(estate.store, as_of=day_at(2).date().isoformat())
    assert as_of["total"] == len(estate.items["prod-2"]) + len(estate.items["acme-2"])
    only_acme = evidence_stats.evidence_stats(estate.store, integration=estate.integrations["acme"])
    assert only_acme["total"] == len(estate.items["acme-2"])


def test_cli_stats(cli: Cli, estate: Estate) -> None:
    result = cli("evidence", "stats", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["byStatus"]["FAIL"] == 7
    assert cli("evidence", "stats").exit_code == 0


def _controls(summary: dict) -> dict[str, dict]:
    return {c["id"]: c for c in summary["controls"]}


def test_compliance_soc2(estate: Estate) -> None:
    summary = compliance.compliance_summary(estate.store, framework="soc2")
    controls = _controls(summary)
    assert summary["framework"]["id"] == "SOC2"
    assert len(controls) == summary["totals"]["controls"] == 61
    expected = {
        "CC6.1": "FAILING",
        "CC6.2": "PASSING",
        "CC6.6": "FAILING",
        "CC6.7": "FAILING",
        "CC7.2": "WARNING",  # only an ERROR item: never a pass
        "A1.2": "FAILING",
        "CC8.1": "FAILING",
        "CC1.1": "NOT_COVERED",
        "P8.1": "NOT_COVERED",
    }
    for cid, status in expected.items():
        assert controls[cid]["status"] == status, cid
    covered = {c for c, v in controls.items() if v["status"] != "NOT_COVERED"}
    assert covered == {"CC6.1", "CC6.2", "CC6.6", "CC6.7", "CC7.2", "A1.2", "CC8.1"}
    assert summary["totals"]["covered"] == 7 and summary["totals"]["passing"] == 1
    assert summary["score"] == round(1 / 7 * 100, 1)
    # CC6.1: root, key rotation (3), encryption (3), github 2fa, staging versioning (new mapping).
    cc61 = controls["CC6.1"]
    assert cc61["counts"]["total"] == 9
    assert cc61["counts"]["fail"] == 5
    assert "aws_s3_versioning" in cc61["checks"]
    ids = set(cc61["evidenceIds"])
    cc61_items = ops.list_evidence(estate.store, control="CC6.1", limit=100)["evidence"]
    assert ids == {i["id"] for i in cc61_items}
    assert cc61["evidenceIdsTruncated"] is False
    # Failing evidence first.
    first = next(i for i in cc61_items if i["id"] == cc61["evidenceIds"][0])
    assert first["status"] == "FAIL"


@both_databases
def test_compliance_excepted_failures_pass_and_limit_ids(estate: Estate) -> None:
    exc_ops.add_exception(
        estate.store,
        check_id="github_repo_default_branch_protected",
        reason="r",
        owner="a@example.com",
        expires="2999-01-01",
        now=day_at(1),
    )
    summary = compliance.compliance_summary(estate.store, framework="SOC2", evidence_ids_limit=1)
    cc81 = _controls(summary)["CC8.1"]
    assert cc81["status"] == "PASSING" and cc81["counts"]["excepted"] == 1
    assert summary["totals"]["passing"] == 2
    assert len(cc81["evidenceIds"]) == 1 and cc81["evidenceIdsTruncated"] is True


def test_compliance_iso_and_as_of(estate: Estate) -> None:
    summary = compliance.compliance_summary(estate.store, framework="ISO-27001")
    controls = _controls(summary)
    assert summary["framework"]["id"] == "ISO27001" and len(controls) == 93
    assert controls["A.8.5"]["status"] == "FAILING"
    assert controls["A.8.13"]["status"] == "FAILING"
    assert controls["A.5.1"]["status"] == "NOT_COVERED"
    old = compliance.compliance_summary(
        estate.store, framework="ISO27001", as_of=day_at(3).date().isoformat()
    )
    # Three days ago CloudTrail could still be evaluated (and passed); GitHub was not connected.
    assert controls["A.8.15"]["status"] == "WARNING"
    assert _controls(old)["A.8.15"]["status"] == "PASSING"
    assert _controls(old)["A.8.32"]["status"] == "NOT_COVERED"


def test_compliance_merges_extra_sources(estate: Estate) -> None:
    """The policies issue plugs approved policies in as another evidence source."""

    def policies(framework_id: str):
        if framework_id == "SOC2":
            yield control_evidence.ControlEvidence("CC1.1", "policy-code-of-conduct", "PASS")
            yield control_evidence.ControlEvidence("CC6.2", "policy-access-control", "FAIL")

    summary = compliance.compliance_summary(
        estate.store, framework="SOC2", extra_sources=[policies]
    )
    controls = _controls(summary)
    assert controls["CC1.1"]["status"] == "PASSING"
    assert controls["CC1.1"]["evidenceIds"] == ["policy-code-of-conduct"]
    assert controls["CC1.1"]["sources"] == ["policy"]
    assert controls["CC6.2"]["status"] == "FAILING"
    assert controls["CC6.2"]["sources"] == ["checks", "policy"]


def test_compliance_catalogue_checks_explain_not_covered(
    estate: Estate, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sentinel_cli.checks import all_metadata

    metas = all_metadata()
    assert metas, "the check catalogues are empty: this test would prove nothing"
    summary = compliance.compliance_summary(estate.store, framework="SOC2")
    catalogued = {cid for m in metas.values() for cid in m.controls.get("SOC2", [])}
    for control in summary["controls"]:
        if control["id"] in catalogued:
            assert control["checks"], control["id"]


def test_compliance_bad_framework(cli: Cli, estate: Estate) -> None:
    for args in (["--framework", "PCI"], []):
        result = cli("evidence", "compliance", *args)
        assert result.exit_code == 2
        assert "SOC2, ISO27001" in squash(result.stderr)
    ok = cli("evidence", "compliance", "-f", "soc2", "--json")
    assert ok.exit_code == 0 and ok.json()["score"] == round(1 / 7 * 100, 1)
    assert cli("evidence", "compliance", "--framework", "ISO27001").exit_code == 0

"""Audit reports from a store filled by REAL collections, read back with pypdf.

One module-scoped store is built once: the seeded moto account collected twice (the first
collection moved ten days into the past, and the public bucket's versioning switched on before
the second, so one item is FAIL then PASS — a remediation inside the period), the local GitHub API
stand-in collected once (merged pull requests: the change-review population), a risk exception,
an approved policy and a company name. Each test copies the database file into its own
SENTINEL_HOME, so tests stay independent and the collections run once.

The four report types are generated once per module (``generated``) into another copy; tests that
only read PDFs share those.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest

from sentinel_cli.config import Settings
from sentinel_cli.errors import InvalidInput, PlanLimitExceeded
from sentinel_cli.operations import reports as ops
from sentinel_cli.standins.moto_server import MOTO_ENV
from sentinel_cli.store import open_store
from tests.helpers.cli import Cli

REGIONS = ("us-east-1",)
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    **MOTO_ENV,
}
TYPES = ("SOC2_AUDIT", "ISO27001_AUDIT", "COMBINED_AUDIT", "EXECUTIVE_SUMMARY")
BACKDATE_DAYS = 10
COMPANY = "Acme Corp"


@dataclass
class Golden:
    db: Path
    today: str
    old_day: str
    remediated: tuple[str, str]  # (check id, resource id) that failed, then passed


def _backdate(conn: sqlite3.Connection, job_id: str, days: int) -> str:
    """Move one collection ``days`` into the past (job times and its items' collected_at)."""
    row = conn.execute(
        "SELECT started_at, finished_at FROM collection_jobs WHERE id = ?", (job_id,)
    ).fetchone()

    def shift(iso: str) -> str:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")) - timedelta(days=days)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    started = shift(row[0])
    conn.execute(
        "UPDATE collection_jobs SET started_at = ?, finished_at = ? WHERE id = ?",
        (started, shift(row[1]), job_id),
    )
    conn.execute("UPDATE evidence SET collected_at = ? WHERE job_id = ?", (started, job_id))
    return started


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Golden]:
    import boto3
    from moto import mock_aws

    from sentinel_cli.collectors.aws.session import AwsCredentials
    from sentinel_cli.operations import billing, policies
    from sentinel_cli.operations import collect as collect_ops
    from sentinel_cli.operations import exceptions as exception_ops
    from sentinel_cli.operations import integrations as integration_ops
    from sentinel_cli.secrets import open_secrets
    from sentinel_cli.standins.aws_seed import seed_account
    from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
    from sentinel_cli.standins.github_seed import seed_org

    home = tmp_path_factory.mktemp("reports-golden")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in FAKE_ENV.items():
            mp.setenv(key, value)
        for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN", "GITHUB_TOKEN"):
            mp.delenv(key, raising=False)
        mp.setenv("SENTINEL_HOME", str(home))
        mp.setenv("SENTINEL_SECRETS_BACKEND", "file")
        settings = Settings.from_env()
        options = collect_ops.CollectionOptions(workers=4)
        with open_store(settings) as store:
            billing.set_plan(store, "ENTERPRISE")
            secrets = open_secrets(settings)
            with mock_aws():
                manifest = seed_account(AwsCredentials(region="us-east-1"), regions=REGIONS)
                aws = integration_ops.connect_aws(
                    store,
                    secrets,
                    name="moto",
                    regions=",".join(REGIONS),
                    access_key_id="testing",
                    secret_access_key="testing",
                    verify=False,
                )
                first = collect_ops.start_collection(store, aws["id"], options=options)
                first = collect_ops.run_collection(
                    store, secrets, settings, first["id"], options=options
                )
                assert first["status"] in ("COMPLETED", "PARTIAL"), first
                old = _backdate(store.conn, first["id"], BACKDATE_DAYS)
                bucket = manifest.buckets["public"]
                boto3.client("s3", region_name="us-east-1").put_bucket_versioning(
                    Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
                )
                second = collect_ops.start_collection(store, aws["id"], options=options)
                collect_ops.run_collection(store, secrets, settings, second["id"], options=options)
            with running_github_api(seed_org("acme")) as (base_url, _server):
                gh = integration_ops.connect_github(
                    store, secrets, org="acme", token=OWNER_TOKEN, base_url=base_url
                )
                job = collect_ops.start_collection(store, gh["id"], options=options)
                collect_ops.run_collection(store, secrets, settings, job["id"], options=options)
            statuses = dict(
                store.conn.execute(
                    "SELECT e.collected_at < ?, e.status FROM evidence e "
                    "WHERE e.check_id = 'aws_s3_versioning' AND e.resource_id LIKE ?",
                    (old[:10] + "T23:59:59Z", f"%{bucket}%"),
                ).fetchall()
            )
            assert statuses == {1: "FAIL", 0: "PASS"}, statuses
            resource_id = store.conn.execute(
                "SELECT resource_id FROM evidence WHERE check_id = 'aws_s3_versioning' "
                "AND resource_id LIKE ? LIMIT 1",
                (f"%{bucket}%",),
            ).fetchone()[0]
            exception_ops.add_exception(
                store,
                check_id="github_org_2fa_required",
                reason="Contractors' hardware keys arrive next quarter",
                owner="cto@acme.example",
                expires=(datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
            )
            policies.set_profile(
                store,
                {
                    "companyName": COMPANY,
                    "securityOfficer": "Jane Doe",
                    "securityOfficerEmail": "security@acme.example",
                },
            )
            made = policies.generate_policy(store, template_id="information-security-policy")
            policies.approve_policy(
                store, made["policy"]["id"], approver="ceo@acme.example", review_months=12
            )
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        yield Golden(
            db=settings.db_path,
            today=datetime.now(UTC).date().isoformat(),
            old_day=old[:10],
            remediated=("aws_s3_versioning", resource_id),
        )


@pytest.fixture
def store_home(golden: Golden, home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's SENTINEL_HOME holding a copy of the golden database. The golden store is an
    SQLite file copied once per test, so these tests stay on SQLite even when a run points
    every test at PostgreSQL (``test_report_scores`` and ``test_reports_period`` cover it)."""
    monkeypatch.delenv("SENTINEL_DB", raising=False)
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(golden.db, home / "sentinel.db")
    return home


@dataclass
class Generated:
    reports: dict[str, dict[str, Any]]
    pdfs: dict[str, bytes]
    texts: dict[str, str]
    period: tuple[str, str]
    failing: list[dict[str, Any]]
    db: Path


def _text(content: bytes) -> tuple[int, str]:
    """Page count and the text of every page, whitespace (incl. wrapped lines) collapsed."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


@pytest.fixture(scope="module")
def generated(golden: Golden, tmp_path_factory: pytest.TempPathFactory) -> Generated:
    folder = tmp_path_factory.mktemp("reports-generated")
    db = folder / "sentinel.db"
    shutil.copyfile(golden.db, db)
    start = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
    reports, pdfs, texts = {}, {}, {}
    with open_store(db) as store:
        for rtype in TYPES:
            report = ops.generate_report(
                store, report_type=rtype, period_start=start, period_end=golden.today
            )["report"]
            reports[rtype] = report
            pdfs[rtype] = ops.download_report(store, report["id"]).content
            texts[rtype] = _text(pdfs[rtype])[1]
        failing = [
            dict(r)
            for r in store.conn.execute(
                "SELECT check_id, resource_id, controls FROM evidence WHERE status = 'FAIL' "
                "AND collected_at >= ?",
                (golden.today,),
            ).fetchall()
        ]
    return Generated(reports, pdfs, texts, (start, golden.today), failing, db)


# -- content -------------------------------------------------------------------------------------


@pytest.mark.parametrize("rtype", TYPES)
def test_each_type_is_a_readable_pdf_of_the_period(generated: Generated, rtype: str) -> None:
    report = generated.reports[rtype]
    assert report["status"] == "COMPLETED" and report["reportType"] == rtype
    assert (report["periodStart"], report["periodEnd"]) == generated.period
    pages, text = _text(generated.pdfs[rtype])
    assert pages == report["pages"] > 0
    assert hashlib.sha256(generated.pdfs[rtype]).hexdigest() == report["sha256"]
    assert report["size"] == len(generated.pdfs[rtype])
    start, end = generated.period
    assert start in text and end in text
    assert COMPANY in text
    summary = report["summary"]
    assert summary["evidenceInPeriod"] is True and summary["counts"]["items"] > 20
    if rtype == "EXECUTIVE_SUMMARY":
        assert pages <= 3
        assert "Top 10 failing items" in text and "Score over the period" in text


def _failing_controls(generated: Generated, framework: str) -> set[str]:
    import json

    out: set[str] = set()
    for row in generated.failing:
        out.update(json.loads(row["controls"]).get(framework) or [])
    return out


@pytest.mark.parametrize(
    ("rtype", "framework"),
    [
        ("SOC2_AUDIT", "SOC2"),
        ("ISO27001_AUDIT", "ISO27001"),
        ("COMBINED_AUDIT", "SOC2"),
        ("COMBINED_AUDIT", "ISO27001"),
    ],
)
def test_controls_with_failing_evidence_are_named(
    generated: Generated, rtype: str, framework: str
) -> None:
    controls = _failing_controls(generated, framework)
    assert controls
    text = generated.texts[rtype]
    missing = sorted(c for c in controls if c not in text)
    assert not missing, missing


def test_soc2_report_sections(generated: Generated) -> None:
    from sentinel_cli.checks import all_metadata

    text = generated.texts["SOC2_AUDIT"]
    mapped = {c for m in all_metadata().values() for c in m.controls.get("SOC2", ())}
    unmapped = [c for c in ("CC1.1", "CC1.2", "CC2.1", "CC5.2") if c not in mapped]
    assert unmapped and unmapped[0] in text
    assert "Not covered by automated evidence" in text
    for title in (
        "Exceptions",
        "Accepted risks",
        "Populations for sampling",
        "Policy register",
        "Appendix: evidence manifest",
        "Contents",
    ):
        assert title in text
    # The remediated bucket: failed ten days ago, passed today.
    assert "FIXED" in text and "OPEN" in text
    # The accepted risk with its reason and owner; the approved policy in the register.
    assert "hardware keys arrive next quarter" in text and "cto@acme.example" in text
    assert "Information Security Policy" in text and "ceo@acme.example" in text
    # The change-review population from the GitHub stand-in's merged pull requests.
    assert "Merged pull requests: acme/" in text


def test_manifest_lists_each_item_with_its_raw_data_hash(generated: Generated) -> None:
    with open_store(generated.db) as store:
        report = generated.reports["SOC2_AUDIT"]
        with store.reports.period(
            f"{report['periodStart']}T00:00:00Z", f"{report['periodEnd']}T23:59:59Z"
        ) as evidence:
            manifest = list(evidence.manifest())
        blobs = {
            sha: hashlib.sha256(data.encode()).hexdigest()
            for sha, data in store.conn.execute("SELECT sha256, data FROM raw_blobs")
        }
    text = generated.texts["SOC2_AUDIT"]
    assert len(manifest) == report["summary"]["counts"]["items"]
    for _ref, evidence_id, _at, sha in manifest[:5] + manifest[-5:]:
        assert evidence_id in text and sha in text
        assert blobs[sha] == sha  # the hash printed is the hash of the stored raw data


def test_iso_statement_of_applicability_lists_all_93_controls(generated: Generated) -> None:
    from sentinel_cli.frameworks import load_framework

    text = generated.texts["ISO27001_AUDIT"]
    for control_id in load_framework("ISO27001").controls:
        assert control_id in text
    assert "not covered by automated evidence — assess manually" in text.lower()
    for status in ("Implemented", "Not assessed"):
        assert status in text
    assert "Clause 4–10 document register" in text and "Nonconformities" in text


def test_combined_prints_each_item_once(generated: Generated) -> None:
    text = generated.texts["COMBINED_AUDIT"]
    items = generated.reports["COMBINED_AUDIT"]["summary"]["counts"]["items"]
    # Each item's reference appears once in the evidence section and once in the manifest.
    evidence = text.split("Control crosswalk")[-1]
    assert f"E-{items} " in evidence and f"E-{items + 1} " not in evidence
    assert "Evidence items by check (refs)" in text


# -- period semantics ----------------------------------------------------------------------------


def test_only_evidence_inside_the_period_counts(golden: Golden, store_home: Path) -> None:
    with open_store(store_home / "sentinel.db") as store:
        recent = ops.generate_report(
            store, report_type="SOC2_AUDIT", period_start=golden.today, period_end=golden.today
        )["report"]
        long = ops.generate_report(
            store, report_type="SOC2_AUDIT", period_start=golden.old_day, period_end=golden.today
        )["report"]
        old_only = ops.generate_report(
            store, report_type="SOC2_AUDIT", period_start=golden.old_day, period_end=golden.old_day
        )["report"]
        integrations = store.conn.execute(
            "SELECT COUNT(DISTINCT integration_id) FROM collection_jobs"
        ).fetchone()[0]
    assert recent["summary"]["collections"] == integrations == 2
    assert long["summary"]["collections"] == 3
    assert old_only["summary"]["collections"] == 1
    # The long period observed the AWS items twice but prints each once, and saw the fix.
    assert long["summary"]["counts"]["observations"] > long["summary"]["counts"]["items"]
    assert long["summary"]["counts"]["remediated"] >= 1
    assert recent["summary"]["counts"]["remediated"] == 0
    assert old_only["summary"]["counts"]["byStatus"]["FAIL"] >= 1


def test_a_period_without_evidence_is_a_valid_report_saying_so(store_home: Path) -> None:
    with open_store(store_home / "sentinel.db") as store:
        for rtype in ("SOC2_AUDIT", "EXECUTIVE_SUMMARY"):
            report = ops.generate_report(
                store, report_type=rtype, period_start="2020-01-01", period_end="2020-01-31"
            )["report"]
            assert report["status"] == "COMPLETED"
            assert report["summary"]["evidenceInPeriod"] is False
            pages, text = _text(ops.download_report(store, report["id"]).content)
            assert "No evidence in this period" in text and "2020-01-31" in text
            assert pages >= 1


def test_bad_input_is_refused_before_anything_is_stored(store_home: Path) -> None:
    with open_store(store_home / "sentinel.db") as store:
        with pytest.raises(InvalidInput, match=r"ends .* before it starts"):
            ops.generate_report(
                store, report_type="SOC2_AUDIT", period_start="2025-02-01", period_end="2025-01-01"
            )
        with pytest.raises(InvalidInput, match="SOC2_AUDIT, ISO27001_AUDIT, COMBINED_AUDIT"):
            ops.generate_report(store, report_type="MONTHLY")
        with pytest.raises(InvalidInput, match="not a date"):
            ops.generate_report(store, report_type="SOC2_AUDIT", period_start="yesterday")
        from sentinel_cli.operations import billing

        billing.set_plan(store, "FREE")
        with pytest.raises(PlanLimitExceeded, match="COMBINED_AUDIT"):
            ops.generate_report(store, report_type="combined-audit")
        assert store.reports.list() == []


def test_a_rendering_failure_leaves_a_failed_row(
    store_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sentinel_cli.rendering.reports as rendering

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(rendering, "render_report", broken)
    with open_store(store_home / "sentinel.db") as store:
        with pytest.raises(RuntimeError, match="disk on fire"):
            ops.generate_report(store, report_type="SOC2_AUDIT")
        (row,) = store.reports.list()
        assert row["status"] == "FAILED" and "disk on fire" in row["error_message"]
        assert store.activity.recent(1)[0]["action"] == "report.failed"


# -- CLI: generate, list, download, verify -------------------------------------------------------


def test_cli_round_trip(cli: Cli, store_home: Path, tmp_path: Path, golden: Golden) -> None:
    generated = cli(
        "reports",
        "generate",
        "--type",
        "EXECUTIVE_SUMMARY",
        "--period-start",
        golden.old_day,
        "--json",
    )
    assert generated.exit_code == 0, generated.stderr
    report = generated.json()["report"]
    assert set(report) >= {
        "id",
        "reportType",
        "periodStart",
        "periodEnd",
        "status",
        "fileName",
        "size",
        "sha256",
        "pages",
        "createdAt",
        "completedAt",
        "summary",
    }
    # The period ends today by default: the UTC day of the call (a run may cross midnight).
    days = {golden.today, datetime.now(UTC).date().isoformat()}
    assert report["periodStart"] == golden.old_day and report["periodEnd"] in days

    listed = cli("reports", "list", "--json")
    assert listed.exit_code == 0
    (item,) = listed.json()["reports"]
    assert item["id"] == report["id"] and "content" not in item

    target = tmp_path / "out"
    target.mkdir()
    downloaded = cli("reports", "download", report["id"][:8], "--output", str(target))
    assert downloaded.exit_code == 0, downloaded.stderr
    path = target / report["fileName"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == report["sha256"]
    again = cli("reports", "download", report["id"], "--output", str(path))
    assert again.exit_code == 7 and "--force" in again.stderr
    assert cli("reports", "download", report["id"], "-o", str(path), "--force").exit_code == 0

    ok = cli("reports", "verify", str(path))
    assert ok.exit_code == 0 and "Verified" in ok.stdout and report["id"] in ok.stdout

    tampered = bytearray(path.read_bytes())
    tampered[len(tampered) // 2] ^= 0x01
    path.write_bytes(bytes(tampered))
    altered = cli("reports", "verify", str(path))
    assert altered.exit_code == 1 and "Altered" in altered.stderr
    other = tmp_path / "copy.pdf"
    other.write_bytes(bytes(tampered))
    unknown = cli("reports", "verify", str(other), "--json")
    assert unknown.exit_code == 1 and unknown.json()["verdict"] == "UNKNOWN"

    human = cli("reports", "list")
    assert human.exit_code == 0 and report["id"][:8] in human.stdout


def test_cli_errors(cli: Cli, store_home: Path) -> None:
    bad_type = cli("reports", "generate", "--type", "WEEKLY")
    assert bad_type.exit_code == 2 and "EXECUTIVE_SUMMARY" in bad_type.stderr
    backwards = cli(
        "reports",
        "generate",
        "--type",
        "SOC2_AUDIT",
        "--period-start",
        "2025-03-01",
        "--period-end",
        "2025-01-01",
    )
    assert backwards.exit_code == 2 and "before it starts" in backwards.stderr
    missing = cli("reports", "download", "ffffffff", "-o", "x.pdf")
    assert missing.exit_code == 3
    assert cli("reports", "verify", "/nonexistent.pdf").exit_code == 2


def test_listing_reports_imports_no_pdf_library(tmp_path: Path) -> None:
    from tests.helpers.imports import heavy_modules_for

    assert heavy_modules_for(["reports", "list", "--json"], tmp_path) == []

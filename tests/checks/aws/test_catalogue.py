"""The AWS catalogue and the check code agree, and every entry is complete and well-formed.

A check listed without code would never run, code without a listing would never be mapped, and a
source or threshold name that is not a real field would make the runner's error attribution and
the settings documentation lie; these tests catch all of that before a release.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

import sentinel_cli.checks.aws as aws_package
from sentinel_cli.checks import all_metadata, catalogue, load_checks
from sentinel_cli.checks.base import SEVERITIES, CheckSettings, registered_function
from sentinel_cli.inventory.aws import AwsInventory

# Criteria of the 2017 Trust Services Criteria (number of points per series).
SOC2_SERIES = {
    "CC1": 5, "CC2": 3, "CC3": 4, "CC4": 2, "CC5": 3, "CC6": 8, "CC7": 5, "CC8": 1, "CC9": 2,
    "A1": 3, "C1": 2, "PI1": 5, "P1": 1, "P2": 1, "P3": 2, "P4": 3, "P5": 2, "P6": 7, "P7": 1,
    "P8": 1,
}  # fmt: skip
SOC2_IDS = {f"{series}.{n}" for series, count in SOC2_SERIES.items() for n in range(1, count + 1)}
# ISO/IEC 27001:2022 Annex A: 37 organisational, 8 people, 14 physical, 34 technological controls.
ISO_IDS = {
    f"A.{theme}.{n}"
    for theme, count in {5: 37, 6: 8, 7: 14, 8: 34}.items()
    for n in range(1, count + 1)
}
CATEGORIES = {
    "iam",
    "logging",
    "monitoring",
    "encryption",
    "network",
    "storage",
    "backup",
    "vulnerability-management",
    "threat-detection",
    "compute",
    "database",
}
INVENTORY_FIELDS = {f.name for f in dataclasses.fields(AwsInventory)}
SETTINGS_FIELDS = {f.name for f in dataclasses.fields(CheckSettings)}
META = list(catalogue("aws").values())


def test_load_checks_pairs_every_entry_with_code():
    checks = load_checks("aws")
    assert len(checks) == len(META) >= 40
    assert all(c.evaluate is registered_function(c.meta.id) for c in checks)


def test_every_registered_aws_function_is_catalogued():
    load_checks("aws")
    from sentinel_cli.checks import base

    registered = {cid for cid in base._FUNCTIONS if cid.startswith("aws_")}
    assert registered == set(catalogue("aws"))


def test_ids_and_aliases_are_unique_across_providers():
    names = [m.id for m in META] + [a for m in META for a in m.aliases]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"aws_[a-z0-9]+_[a-z0-9_]+", n) for n in names)
    assert all(all_metadata()[n].provider == "aws" for n in names)


@pytest.mark.parametrize("meta", META, ids=lambda m: m.id)
def test_entry_is_complete(meta):
    assert meta.title and not meta.title.lower().startswith("ensure")
    assert meta.description
    assert meta.severity in SEVERITIES
    assert meta.category in CATEGORIES
    assert meta.remediation.text
    if meta.remediation.cli is not None:
        assert meta.remediation.cli.startswith("aws ")
    assert meta.sources and set(meta.sources) <= INVENTORY_FIELDS, meta.sources
    assert set(meta.thresholds) <= SETTINGS_FIELDS, meta.thresholds


@pytest.mark.parametrize("meta", META, ids=lambda m: m.id)
def test_entry_maps_to_real_controls(meta):
    soc2, iso, csf = (meta.controls.get(f, ()) for f in ("SOC2", "ISO27001", "NIST-CSF"))
    assert soc2 and iso and csf
    assert set(soc2) <= SOC2_IDS, set(soc2) - SOC2_IDS
    assert set(iso) <= ISO_IDS, set(iso) - ISO_IDS
    assert all(re.fullmatch(r"(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}", c) for c in csf), csf
    assert all(len(set(ids)) == len(ids) for ids in meta.controls.values())


def test_all_critical_and_high_rows_of_the_starting_table_are_implemented():
    wanted = {
        "aws_iam_root_mfa", "aws_iam_root_no_keys", "aws_iam_root_not_used",
        "aws_iam_user_console_mfa", "aws_iam_no_admin_star", "aws_cloudtrail_multi_region",
        "aws_cloudtrail_bucket_private", "aws_guardduty_enabled", "aws_guardduty_no_higithub_findings",
        "aws_securityhub_enabled", "aws_ec2_sg_no_ssh_world", "aws_ec2_sg_no_rdp_world",
        "aws_ec2_sg_no_all_ports_world", "aws_ec2_default_sg_closed", "aws_ec2_imdsv2",
        "aws_rds_not_public", "aws_s3_bucket_not_public", "aws_s3_account_bpa",
        "aws_ec2_snapshot_not_public", "aws_lambda_not_public", "aws_ebs_default_encryption",
        "aws_rds_encrypted", "aws_kms_rotation", "aws_acm_expiry", "aws_ssm_managed_and_patched",
        "aws_secrets_rotation",
    }  # fmt: skip
    assert wanted <= set(all_metadata())


def test_every_check_id_appears_in_a_test_module():
    here = Path(__file__).parent
    text = "".join(
        p.read_text(encoding="utf-8")
        for p in here.glob("test_*.py")
        if p.name != Path(__file__).name
    )
    missing = [m.id for m in META if m.id not in text]
    assert missing == []


def test_every_check_module_has_a_test_module():
    modules = {
        p.stem for p in Path(aws_package.__file__).parent.glob("*.py") if not p.stem.startswith("_")
    }
    tests = {p.stem.removeprefix("test_") for p in Path(__file__).parent.glob("test_*.py")}
    assert modules <= tests, modules - tests

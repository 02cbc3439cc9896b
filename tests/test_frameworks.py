"""Tests for the framework catalogues: the data is complete and well-formed, the loader resolves
the ids users type, and every control a check maps to exists (a typo there would silently drop
evidence from a compliance report)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from sentinel_cli import checks
from sentinel_cli.checks.base import CheckMeta, Remediation
from sentinel_cli.errors import InvalidInput
from sentinel_cli.frameworks import (
    FRAMEWORK_IDS,
    Control,
    Framework,
    all_frameworks,
    control_title,
    load_framework,
    normalize_control_id,
    unknown_controls,
)

SOC2_CATEGORIES = {"Security", "Availability", "Confidentiality", "Processing Integrity", "Privacy"}
ISO_THEMES = {"Organizational", "People", "Physical", "Technological"}


def _expected_soc2_ids() -> list[str]:
    spans = {
        "CC1": 5,
        "CC2": 3,
        "CC3": 4,
        "CC4": 2,
        "CC5": 3,
        "CC6": 8,
        "CC7": 5,
        "CC8": 1,
        "CC9": 2,
        "A1": 3,
        "C1": 2,
        "PI1": 5,
        "P1": 1,
        "P2": 1,
        "P3": 2,
        "P4": 3,
        "P5": 2,
        "P6": 7,
        "P7": 1,
        "P8": 1,
    }
    return [f"{group}.{n}" for group, count in spans.items() for n in range(1, count + 1)]


def _expected_iso_ids() -> list[str]:
    counts = ((5, 37), (6, 8), (7, 14), (8, 34))
    return [f"A.{clause}.{n}" for clause, count in counts for n in range(1, count + 1)]


def _meta(check_id: str, soc2: tuple[str, ...] = (), iso: tuple[str, ...] = ()) -> CheckMeta:
    return CheckMeta(
        id=check_id,
        provider="aws",
        title="A fake check",
        description="Used to exercise control validation.",
        severity="low",
        category="test",
        soc2=soc2,
        iso27001=iso,
        remediation=Remediation(text="Nothing."),
        sources=(),
    )


# --- SOC 2 data --------------------------------------------------------------------------------


def test_soc2_has_exactly_the_2017_criteria_in_order() -> None:
    soc2 = load_framework("SOC2")
    assert soc2.id == "SOC2"
    assert soc2.version == "2017 (rev. 2022)"
    assert list(soc2.controls) == _expected_soc2_ids()
    assert len(soc2.controls) == 61


def test_soc2_counts_per_category() -> None:
    counts = Counter(c.category for c in load_framework("SOC2").controls.values())
    assert counts == {
        "Security": 33,
        "Availability": 3,
        "Confidentiality": 2,
        "Processing Integrity": 5,
        "Privacy": 18,
    }


def test_soc2_controls_sit_in_their_own_group_with_matching_category() -> None:
    soc2 = load_framework("SOC2")
    groups = {g["id"]: g for g in soc2.groups}
    assert len(groups) == 20
    assert {g["category"] for g in soc2.groups} == SOC2_CATEGORIES
    for control in soc2.controls.values():
        assert re.fullmatch(r"(CC[1-9]|A1|C1|PI1|P[1-8])\.[1-9]", control.id), control.id
        assert control.id.split(".")[0] == control.group
        assert groups[control.group]["category"] == control.category


# --- ISO 27001 data ----------------------------------------------------------------------------


def test_iso_has_all_93_annex_a_controls_in_order() -> None:
    iso = load_framework("ISO27001")
    assert iso.id == "ISO27001"
    assert iso.version == "2022"
    assert list(iso.controls) == _expected_iso_ids()
    assert len(iso.controls) == 93


def test_iso_counts_per_theme() -> None:
    counts = Counter(c.category for c in load_framework("ISO27001").controls.values())
    assert counts == {"Organizational": 37, "People": 8, "Physical": 14, "Technological": 34}


def test_iso_groups_and_themes_agree() -> None:
    iso = load_framework("ISO27001")
    themes = {g["id"]: g["theme"] for g in iso.groups}
    assert themes == {
        "A.5": "Organizational",
        "A.6": "People",
        "A.7": "Physical",
        "A.8": "Technological",
    }
    for control in iso.controls.values():
        assert re.fullmatch(r"A\.[5-8]\.[1-9][0-9]?", control.id), control.id
        assert control.id.rsplit(".", 1)[0] == control.group
        assert themes[control.group] == control.category


@pytest.mark.parametrize(
    ("control_id", "title"),
    [
        ("A.5.1", "Policies for information security"),
        ("A.5.7", "Threat intelligence"),
        ("A.5.15", "Access control"),
        ("A.5.23", "Information security for use of cloud services"),
        ("A.5.30", "ICT readiness for business continuity"),
        ("A.5.37", "Documented operating procedures"),
        ("A.6.8", "Information security event reporting"),
        ("A.7.14", "Secure disposal or re-use of equipment"),
        ("A.8.5", "Secure authentication"),
        ("A.8.9", "Configuration management"),
        ("A.8.10", "Information deletion"),
        ("A.8.11", "Data masking"),
        ("A.8.12", "Data leakage prevention"),
        ("A.8.16", "Monitoring activities"),
        ("A.8.23", "Web filtering"),
        ("A.8.28", "Secure coding"),
        ("A.8.34", "Protection of information systems during audit testing"),
    ],
)
def test_iso_well_known_titles(control_id: str, title: str) -> None:
    assert control_title("ISO27001", control_id) == title


# --- Both frameworks ---------------------------------------------------------------------------


@pytest.mark.parametrize("framework", all_frameworks(), ids=lambda f: f.id)
def test_every_control_is_complete(framework: Framework) -> None:
    assert framework.name
    group_ids = [g["id"] for g in framework.groups]
    assert len(group_ids) == len(set(group_ids))
    for group in framework.groups:
        assert group["title"].strip()
    for control_id, control in framework.controls.items():
        assert isinstance(control, Control)
        assert control.id == control_id
        assert control.title.strip(), control_id
        assert len(control.description) > 30, control_id
        assert control.group in group_ids, control_id
    # Every group is used by at least one control.
    assert {c.group for c in framework.controls.values()} == set(group_ids)


def test_all_frameworks_follow_framework_ids() -> None:
    assert [f.id for f in all_frameworks()] == list(FRAMEWORK_IDS)


def test_loading_is_cached() -> None:
    assert load_framework("soc2") is load_framework("SOC2")


# --- Loader: ids and errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SOC2", "SOC2"),
        ("soc2", "SOC2"),
        ("Soc2", "SOC2"),
        ("ISO27001", "ISO27001"),
        ("iso27001", "ISO27001"),
        ("ISO-27001", "ISO27001"),
        ("iso", "ISO27001"),
    ],
)
def test_load_framework_aliases(raw: str, expected: str) -> None:
    assert load_framework(raw).id == expected


@pytest.mark.parametrize("raw", ["", "pci", "SOC1", "iso9001"])
def test_unknown_framework_names_allowed_values(raw: str) -> None:
    with pytest.raises(InvalidInput) as info:
        load_framework(raw)
    assert "SOC2" in info.value.message
    assert "ISO27001" in info.value.message


@pytest.mark.parametrize(
    ("framework", "raw", "expected"),
    [
        ("SOC2", "cc6.1", "CC6.1"),
        ("SOC2", "CC6.1", "CC6.1"),
        ("SOC2", " cc 7.2 ", "CC7.2"),
        ("soc2", "a1.2", "A1.2"),
        ("SOC2", "pi1.5", "PI1.5"),
        ("ISO27001", "A.8.5", "A.8.5"),
        ("ISO27001", "a.8.5", "A.8.5"),
        ("ISO27001", "8.5", "A.8.5"),
        ("iso", "A8.5", "A.8.5"),
        ("ISO-27001", "5.23", "A.5.23"),
    ],
)
def test_normalize_control_id(framework: str, raw: str, expected: str) -> None:
    assert normalize_control_id(framework, raw) == expected


@pytest.mark.parametrize(
    ("framework", "raw"),
    [
        ("SOC2", "CC6.9"),
        ("SOC2", "CC10.1"),
        ("SOC2", "A.8.5"),
        ("SOC2", ""),
        ("ISO27001", "A.8.35"),
        ("ISO27001", "A.9.1"),
        ("ISO27001", "CC6.1"),
        ("ISO27001", "A.5"),
    ],
)
def test_normalize_unknown_control_gives_examples(framework: str, raw: str) -> None:
    with pytest.raises(InvalidInput) as info:
        normalize_control_id(framework, raw)
    assert info.value.hint
    example = "CC1.1" if framework == "SOC2" else "A.5.1"
    assert example in info.value.hint


def test_control_title() -> None:
    assert control_title("SOC2", "CC6.1")
    assert control_title("soc2", "cc6.1") == control_title("SOC2", "CC6.1")
    assert control_title("SOC2", "CC99.1") is None
    with pytest.raises(InvalidInput):
        control_title("nope", "CC6.1")


# --- Check catalogues reference real controls --------------------------------------------------


def test_every_check_control_exists() -> None:
    # Passes trivially while catalogues are empty; fails naming the check once one has a typo.
    assert unknown_controls(checks.all_metadata()) == []


def test_unknown_controls_catches_bogus_ids() -> None:
    good = _meta("aws_fake_good", soc2=("CC6.1", "A1.2"), iso=("A.8.5", "A.5.23"))
    bad = _meta("aws_fake_bad", soc2=("CC6.1", "CC6.9"), iso=("A.8.35", "8.5"))
    assert unknown_controls([good]) == []
    assert unknown_controls({"aws_fake_good": good, "alias": good, "aws_fake_bad": bad}) == [
        ("aws_fake_bad", "ISO27001", "8.5"),
        ("aws_fake_bad", "ISO27001", "A.8.35"),
        ("aws_fake_bad", "SOC2", "CC6.9"),
    ]

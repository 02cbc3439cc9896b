"""Tests for the framework catalogues: the data is complete and well-formed, the loader resolves
the ids users type, every control a check maps to exists (a typo there would silently drop
evidence from a compliance report), and a framework is data: a new YAML file and catalogue
mappings make it appear in the CLI with no code change."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from sentinel_cli import checks, frameworks
from sentinel_cli.checks.base import CheckMeta, Remediation
from sentinel_cli.errors import InvalidInput
from sentinel_cli.frameworks import (
    Control,
    Framework,
    all_frameworks,
    control_title,
    framework_ids,
    load_framework,
    normalize_control_id,
    unknown_controls,
    with_every_framework,
)
from tests.helpers.cli import Cli

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


def _meta(check_id: str, **controls: tuple[str, ...]) -> CheckMeta:
    return CheckMeta(
        id=check_id,
        provider="aws",
        title="A fake check",
        description="Used to exercise control validation.",
        severity="low",
        category="test",
        remediation=Remediation(text="Nothing."),
        sources=(),
        controls={fid.replace("_", "-"): ids for fid, ids in controls.items()},
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


# --- NIST CSF 2.0 data -------------------------------------------------------------------------

CSF_FUNCTIONS = {
    "GV": "Govern",
    "ID": "Identify",
    "PR": "Protect",
    "DE": "Detect",
    "RS": "Respond",
    "RC": "Recover",
}


def test_nist_csf_has_6_functions_22_categories_and_106_subcategories() -> None:
    csf = load_framework("NIST-CSF")
    assert (csf.id, csf.version, csf.category_name) == ("NIST-CSF", "2.0", "function")
    assert len({c.category for c in csf.controls.values()}) == 6
    assert len(csf.groups) == 22
    assert len(csf.controls) == 106
    per_function = Counter(cid[:2] for cid in csf.controls)
    assert per_function == {"GV": 31, "ID": 21, "PR": 22, "DE": 11, "RS": 13, "RC": 8}
    per_category = Counter(c.group for c in csf.controls.values())
    assert per_category["GV.SC"] == 10 and per_category["PR.AA"] == 6
    assert per_category["DE.CM"] == 5 and per_category["RC.CO"] == 2


def test_nist_csf_ids_sit_in_their_category_and_function() -> None:
    csf = load_framework("NIST-CSF")
    functions = {g["id"]: g["function"] for g in csf.groups}
    assert set(functions.values()) == set(CSF_FUNCTIONS.values())
    for group_id, function in functions.items():
        assert re.fullmatch(r"(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}", group_id), group_id
        assert CSF_FUNCTIONS[group_id[:2]] == function
    for control in csf.controls.values():
        assert re.fullmatch(r"(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}", control.id), control.id
        assert control.id.split("-")[0] == control.group
        assert control.category == functions[control.group]
    # The standard's order: functions GV, ID, PR, DE, RS, RC; ids ascending in a category.
    ids = list(csf.controls)
    assert [i[:2] for i in dict.fromkeys(i[:2] for i in ids)] == list(CSF_FUNCTIONS)
    assert ids[0] == "GV.OC-01" and ids[-1] == "RC.CO-04"


@pytest.mark.parametrize(
    ("control_id", "title"),
    [
        ("GV.OC-01", "The organizational mission is understood and informs cybersecurity risk "
         "management"),
        ("ID.RA-01", "Vulnerabilities in assets are identified, validated, and recorded"),
        ("PR.AA-03", "Users, services, and hardware are authenticated"),
        ("PR.DS-01", "The confidentiality, integrity, and availability of data-at-rest are "
         "protected"),
        ("PR.DS-11", "Backups of data are created, protected, maintained, and tested"),
        ("PR.PS-04", "Log records are generated and made available for continuous monitoring"),
        ("RS.MI-02", "Incidents are eradicated"),
    ],
)  # fmt: skip
def test_nist_csf_well_known_statements(control_id: str, title: str) -> None:
    assert control_title("NIST-CSF", control_id) == title


# --- Every framework ---------------------------------------------------------------------------


@pytest.mark.parametrize("framework", all_frameworks(), ids=lambda f: f.id)
def test_every_control_is_complete(framework: Framework) -> None:
    assert framework.name and framework.label and framework.controls_name
    group_ids = [g["id"] for g in framework.groups]
    assert len(group_ids) == len(set(group_ids))
    for group in framework.groups:
        assert group["title"].strip()
        assert group[framework.category_name].strip()
    assert framework.optional_groups <= set(group_ids)
    for control_id, control in framework.controls.items():
        assert isinstance(control, Control)
        assert control.id == control_id
        assert control.title.strip(), control_id
        assert control.description == "" or len(control.description) > 30, control_id
        assert control.group in group_ids, control_id
    # Every group is used by at least one control.
    assert {c.group for c in framework.controls.values()} == set(group_ids)


@pytest.mark.parametrize("framework_id", ["SOC2", "ISO27001"])
def test_paraphrased_frameworks_describe_every_control(framework_id: str) -> None:
    # Their titles are short names; the description says what the control asks. CSF titles are
    # NIST's whole outcome statements and need none.
    assert all(len(c.description) > 30 for c in load_framework(framework_id).controls.values())


def test_frameworks_are_the_files_in_display_order() -> None:
    files = {p.stem.upper() for p in frameworks.DIRECTORY.glob("*.yaml")}
    assert set(framework_ids()) == files == {"SOC2", "ISO27001", "NIST-CSF"}
    assert [f.id for f in all_frameworks()] == ["SOC2", "ISO27001", "NIST-CSF"]
    assert [f.soa for f in all_frameworks()] == [False, True, False]


def test_every_framework_key_is_present_in_a_padded_mapping() -> None:
    padded = with_every_framework({"ISO27001": ["A.8.5"]})
    assert padded == {"ISO27001": ["A.8.5"], "NIST-CSF": [], "SOC2": []}


def test_loading_is_cached() -> None:
    assert load_framework("soc2") is load_framework("SOC2")
    assert load_framework("nist") is load_framework("NIST-CSF")


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
        ("ISO/IEC 27001", "ISO27001"),
        ("NIST-CSF", "NIST-CSF"),
        ("nist", "NIST-CSF"),
        ("csf", "NIST-CSF"),
        ("nist-csf-2.0", "NIST-CSF"),
        ("NIST CSF", "NIST-CSF"),
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
    assert "NIST-CSF" in info.value.message


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
        ("NIST-CSF", "PR.AA-03", "PR.AA-03"),
        ("nist", "pr.aa-03", "PR.AA-03"),
        ("csf", "PR.AA-3", "PR.AA-03"),
        ("nist", " gv.sc-10 ", "GV.SC-10"),
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
        ("NIST-CSF", "PR.DS-03"),
        ("NIST-CSF", "PR.AA"),
    ],
)
def test_normalize_unknown_control_gives_examples(framework: str, raw: str) -> None:
    with pytest.raises(InvalidInput) as info:
        normalize_control_id(framework, raw)
    assert info.value.hint
    example = {"SOC2": "CC1.1", "ISO27001": "A.5.1", "NIST-CSF": "GV.OC-01"}[framework]
    assert example in info.value.hint


def test_control_title() -> None:
    assert control_title("SOC2", "CC6.1")
    assert control_title("soc2", "cc6.1") == control_title("SOC2", "CC6.1")
    assert control_title("SOC2", "CC99.1") is None
    with pytest.raises(InvalidInput):
        control_title("nope", "CC6.1")


# --- Check catalogues reference real controls --------------------------------------------------


def test_every_check_control_exists() -> None:
    metas = checks.all_metadata()
    assert len({m.id for m in metas.values()}) >= 80
    assert unknown_controls(metas) == []


@pytest.mark.parametrize("framework_id", framework_ids())
def test_every_check_maps_to_every_framework(framework_id: str) -> None:
    unmapped = sorted(
        {m.id for m in checks.all_metadata().values() if not m.controls.get(framework_id)}
    )
    assert unmapped == []


@pytest.mark.parametrize(
    ("check_id", "expected"),
    [
        ("aws_iam_root_mfa", {"PR.AA-03"}),
        ("github_org_2fa_required", {"PR.AA-03"}),
        ("aws_cloudtrail_multi_region", {"PR.PS-04", "DE.CM-09"}),
        ("aws_s3_bucket_default_encryption", {"PR.DS-01"}),
        ("aws_s3_tls_only", {"PR.DS-02"}),
        ("aws_rds_backup", {"PR.DS-11"}),
        ("aws_inspector_enabled", {"ID.RA-01"}),
        ("github_repo_review_required", {"PR.PS-06"}),
    ],
)
def test_nist_csf_mappings_follow_what_the_check_verifies(
    check_id: str, expected: set[str]
) -> None:
    assert set(checks.all_metadata()[check_id].controls["NIST-CSF"]) >= expected


def test_unknown_controls_catches_bogus_ids() -> None:
    good = _meta("aws_fake_good", SOC2=("CC6.1", "A1.2"), ISO27001=("A.8.5", "A.5.23"))
    bad = _meta(
        "aws_fake_bad",
        SOC2=("CC6.1", "CC6.9"),
        ISO27001=("A.8.35", "8.5"),
        NIST_CSF=("PR.AA-3",),
        PCI=("1.1",),
    )
    assert unknown_controls([good]) == []
    assert unknown_controls({"aws_fake_good": good, "alias": good, "aws_fake_bad": bad}) == [
        ("aws_fake_bad", "ISO27001", "8.5"),
        ("aws_fake_bad", "ISO27001", "A.8.35"),
        ("aws_fake_bad", "NIST-CSF", "PR.AA-3"),
        ("aws_fake_bad", "PCI", "1.1"),
        ("aws_fake_bad", "SOC2", "CC6.9"),
    ]


# --- A new framework is a file -------------------------------------------------------------------

MINIMAL = """\
id: ACME-SEC
name: Acme Security Baseline
version: "1"
label: Acme
aliases: [acme]
category_name: pillar
groups:
  - {id: AS.ID, title: Identity, pillar: Access}
  - {id: AS.LG, title: Logging, pillar: Visibility}
controls:
  - {id: AS-1, group: AS.ID, title: People sign in with a second factor}
  - {id: AS-2, group: AS.LG, title: Activity is logged}
"""


@pytest.fixture
def acme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped frameworks plus ``acme-sec.yaml``, and catalogues mapping one check to it:
    files only, in copies the loaders are pointed at."""
    framework_dir = tmp_path / "frameworks"
    shutil.copytree(frameworks.DIRECTORY, framework_dir, ignore=shutil.ignore_patterns("*.py*"))
    (framework_dir / "acme-sec.yaml").write_text(MINIMAL, encoding="utf-8")
    checks_dir = tmp_path / "checks"
    for provider in checks.PROVIDERS:
        (checks_dir / provider).mkdir(parents=True)
        text = (checks.DIRECTORY / provider / "catalogue.yaml").read_text(encoding="utf-8")
        if provider == "aws":
            # The root MFA check's mapping gains the new framework (its NIST line is the anchor).
            anchor = "      NIST-CSF: [PR.AA-03]\n    remediation:"
            assert text.count(anchor) >= 1
            text = text.replace(
                anchor, "      NIST-CSF: [PR.AA-03]\n      ACME-SEC: [AS-1]\n    remediation:", 1
            )
        (checks_dir / provider / "catalogue.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(frameworks, "DIRECTORY", framework_dir)
    monkeypatch.setattr(checks, "DIRECTORY", checks_dir)


@pytest.mark.usefixtures("acme")
def test_a_new_framework_file_appears_in_checks_and_compliance(cli: Cli) -> None:
    assert framework_ids()[-1] == "ACME-SEC"
    assert unknown_controls(checks.all_metadata()) == []
    listed = cli("checks", "list", "--framework", "acme", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert [c["id"] for c in listed.json()["checks"]] == ["aws_iam_root_mfa"]
    assert listed.json()["checks"][0]["controls"]["ACME-SEC"] == ["AS-1"]
    by_control = cli("checks", "list", "-f", "ACME-SEC", "--control", "as-1", "--json")
    assert by_control.json()["total"] == 1
    summary = cli("evidence", "compliance", "--framework", "Acme", "--json")
    assert summary.exit_code == 0, summary.stderr
    data = summary.json()
    assert data["framework"]["id"] == "ACME-SEC" and data["totals"]["controls"] == 2
    assert [c["id"] for c in data["controls"]] == ["AS-1", "AS-2"]
    first = data["controls"][0]
    assert (first["category"], first["checks"]) == ("Access", ["aws_iam_root_mfa"])
    # Every check shape carries every framework's key, the new one included.
    other = cli("checks", "show", "github_org_2fa_required", "--json").json()["check"]
    assert other["controls"]["ACME-SEC"] == [] and "ACME-SEC" in other["controlDetails"]
    unknown = cli("checks", "list", "--framework", "pci")
    assert unknown.exit_code == 2 and "ACME-SEC" in unknown.stderr


def test_a_framework_id_must_be_its_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "acme.yaml").write_text(MINIMAL.replace("id: ACME-SEC", "id: ACME"), "utf-8")
    (tmp_path / "other.yaml").write_text(MINIMAL, "utf-8")
    monkeypatch.setattr(frameworks, "DIRECTORY", tmp_path)
    with pytest.raises(ValueError, match=r"other\.yaml: id 'ACME-SEC' must be the file name"):
        framework_ids()


def test_the_readme_table_is_the_framework_files() -> None:
    """The README's frameworks table is derived from the files: a new file or a changed count
    fails here until the README says so."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for framework in all_frameworks():
        top = len({str(g[framework.category_name]) for g in framework.groups})
        row = (
            f"| `{framework.id}` | {framework.name} | {len(framework.controls)} "
            f"{framework.controls_name} | {len(framework.groups)} | {framework.category_name}: "
            f"{top} | {', '.join(f'`{alias}`' for alias in framework.aliases)} |"
        )
        assert row in readme, row
    section = readme.split("### Frameworks", 1)[1].split("\n#", 1)[0]
    listed = [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]
    assert listed == list(framework_ids())

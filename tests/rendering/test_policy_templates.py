"""Policy templates: index integrity, control mappings, field resolution and safe rendering."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from jinja2 import meta

from sentinel_cli.errors import InvalidInput, NotFound
from sentinel_cli.rendering import policies
from sentinel_cli.rendering.policies import (
    CONTEXT_VARIABLES,
    FieldSpec,
    PolicyTemplate,
    get_template,
    list_templates,
    load_fields,
    load_index,
    missing_fields,
    placeholder,
    render_policy,
    resolve_fields,
    template_source,
    templates_dir,
)

TEMPLATES = list_templates()
IDS = [t.id for t in TEMPLATES]
NOW = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)

REQUIRED_IDS = {
    "information-security-policy",
    "acceptable-use-policy",
    "access-control-policy",
    "password-authentication-policy",
    "encryption-policy",
    "data-classification-policy",
    "data-retention-disposal-policy",
    "incident-response-policy",
    "business-continuity-disaster-recovery-policy",
    "change-management-policy",
    "secure-development-policy",
    "logging-monitoring-policy",
    "vulnerability-patch-management-policy",
    "risk-assessment-policy",
    "vendor-management-policy",
    "asset-management-policy",
    "human-resources-security-policy",
    "security-awareness-training-policy",
    "physical-security-policy",
    "backup-policy",
    "remote-work-policy",
    "code-of-conduct-policy",
}

MINIMAL = {
    "companyName": "Acme Corp",
    "securityOfficer": "Jane Doe",
    "securityOfficerEmail": "security@acme.example",
}

FULL = {
    "companyName": "Zoë Müller GmbH",
    "securityOfficer": "Zoë Müller",
    "securityOfficerTitle": "Chief Information Security Officer",
    "securityOfficerEmail": "ciso@zm.example",
    "policyApprover": "the executive leadership team",
    "effectiveDate": "2025-02-01",
    "reviewFrequencyMonths": "6",
    "industry": "financial technology",
    "employeeCount": "51-200",
    "hrDepartment": "Human Resources",
    "cloudProvider": "Google Cloud",
    "sourceControlPlatform": "GitLab",
    "officeLocations": "Berlin, 東京",
    "accessReviewFrequency": "6 months",
    "accessRevocationHours": 4,
    "inactiveAccountDays": 60,
    "passwordMinLength": 14,
    "accountLockoutAttempts": 5,
    "screenLockMinutes": 10,
    "dataRetentionDays": 30,
    "logRetentionDays": 400,
    "keyRotationDays": 180,
    "minTlsVersion": "1.3",
    "privacyContactEmail": "privacy@zm.example",
    "privacyRegulations": ["GDPR", "UK GDPR", "CCPA"],
    "incidentResponseContact": "incidents@zm.example",
    "incidentNotificationHours": 48,
    "patchCriticalDays": 7,
    "patchHighDays": 21,
    "patchMediumDays": 60,
    "patchLowDays": 120,
    "penetrationTestFrequencyMonths": 6,
    "codeReviewApprovals": 2,
    "rtoHours": 8,
    "rpoHours": 1,
    "backupFrequencyHours": 12,
    "backupRetentionDays": 90,
    "bcdrTestFrequencyMonths": 6,
    "riskAssessmentFrequencyMonths": 6,
    "vendorReviewFrequencyMonths": 24,
    "trainingFrequencyMonths": 12,
    "newHireTrainingDays": 14,
}

# Allowed ids, written out independently of the frameworks data files.
SOC2_IDS = (
    {f"CC1.{i}" for i in range(1, 6)}
    | {f"CC2.{i}" for i in range(1, 4)}
    | {f"CC3.{i}" for i in range(1, 5)}
    | {f"CC4.{i}" for i in range(1, 3)}
    | {f"CC5.{i}" for i in range(1, 4)}
    | {f"CC6.{i}" for i in range(1, 9)}
    | {f"CC7.{i}" for i in range(1, 6)}
    | {"CC8.1", "CC9.1", "CC9.2"}
    | {f"A1.{i}" for i in range(1, 4)}
    | {"C1.1", "C1.2"}
    | {f"PI1.{i}" for i in range(1, 6)}
    | {"P1.1", "P2.1", "P3.1", "P3.2", "P4.1", "P4.2", "P4.3", "P5.1", "P5.2"}
    | {f"P6.{i}" for i in range(1, 8)}
    | {"P7.1", "P8.1"}
)
ISO_ANNEX_A_IDS = (
    {f"A.5.{i}" for i in range(1, 38)}
    | {f"A.6.{i}" for i in range(1, 9)}
    | {f"A.7.{i}" for i in range(1, 15)}
    | {f"A.8.{i}" for i in range(1, 35)}
)
ISO_CLAUSES = {
    "4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "6.1", "6.1.1", "6.1.2", "6.1.3", "6.2",
    "6.3", "7.1", "7.2", "7.3", "7.4", "7.5", "7.5.1", "7.5.2", "7.5.3", "8.1", "8.2", "8.3",
    "9.1", "9.2", "9.2.1", "9.2.2", "9.3", "9.3.1", "9.3.2", "9.3.3", "10.1", "10.2",
}  # fmt: skip
SOC2_PATTERN = re.compile(r"^(CC[1-9]|A1|C1|PI1|P[1-8])\.[1-9]$")
ISO_PATTERN = re.compile(r"^A\.[5-8]\.[1-9][0-9]?$")

INJECTIONS = [
    "{{ 7*7 }}",
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% for x in range(3) %}loop{% endfor %}",
    "{# comment #}",
    "${7*7} <%= 7*7 %>",
]


def _required_only(template: PolicyTemplate) -> dict[str, str]:
    return {name: MINIMAL[name] for name in template.required_fields}


# --- index ----------------------------------------------------------------------------------------


def test_at_least_twenty_templates_including_the_required_set() -> None:
    assert len(TEMPLATES) >= 20
    assert set(IDS) >= REQUIRED_IDS
    assert "information-security-policy" in IDS


def test_index_entries_are_well_formed() -> None:
    files = {entry.name for entry in templates_dir().iterdir()}
    for t in TEMPLATES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", t.id)
        assert t.file == f"{t.id}.md.j2" and t.file in files
        assert t.title and t.description and t.category
        assert re.fullmatch(r"\d+\.\d+\.\d+", t.version)
        assert set(t.controls) == {"SOC2", "ISO27001", "NIST-CSF"}, t.id
        assert any(t.controls.values()), t.id
        assert set(t.clauses) <= set(t.controls), t.id
        assert {"companyName", "securityOfficer", "securityOfficerEmail"} <= set(t.field_names)
        assert all(isinstance(spec, FieldSpec) for spec in t.fields)
    # every template file on disk is indexed
    on_disk = {name for name in files if name.endswith(".md.j2")}
    assert on_disk == {t.file for t in TEMPLATES}


def test_fields_are_camel_case_typed_and_described() -> None:
    fields = load_fields()
    for name, spec in fields.items():
        assert re.fullmatch(r"[a-z][A-Za-z0-9]*", name)
        assert spec.type in ("string", "integer", "email", "date", "list")
        assert spec.description
        assert name not in CONTEXT_VARIABLES
    for name in ("companyName", "securityOfficer", "securityOfficerEmail"):
        assert fields[name].required
    assert fields["employeeCount"].default == "1-50"
    assert fields["passwordMinLength"].type == "integer"
    assert fields["effectiveDate"].type == "date"


def test_load_index_is_cached() -> None:
    assert load_index() is load_index()


def test_soc2_ids_are_real_trust_services_criteria() -> None:
    for t in TEMPLATES:
        for cid in t.controls["SOC2"]:
            assert SOC2_PATTERN.match(cid), (t.id, cid)
            assert cid in SOC2_IDS, (t.id, cid)
        assert "CC9.9" not in t.controls["SOC2"]


def test_iso_ids_are_real_annex_a_controls_and_clauses() -> None:
    for t in TEMPLATES:
        for cid in t.controls["ISO27001"]:
            assert ISO_PATTERN.match(cid), (t.id, cid)
            assert cid in ISO_ANNEX_A_IDS, (t.id, cid)
        for clause in t.clauses.get("ISO27001", ()):
            assert clause in ISO_CLAUSES, (t.id, clause)


def test_ids_exist_in_the_framework_files() -> None:
    from sentinel_cli.frameworks import discover

    known = {f.id: set(f.controls) for f in discover()}
    for t in TEMPLATES:
        for fid, ids in t.controls.items():
            assert fid in known, (t.id, fid)
            assert set(ids) <= known[fid], (t.id, fid, set(ids) - known[fid])


def test_mappings_follow_the_reference_table() -> None:
    by_id = load_index()
    isp = by_id["information-security-policy"]
    assert {"CC1.1", "CC2.1", "CC5.3"} <= set(isp.controls["SOC2"])
    assert {"A.5.1", "A.5.36", "A.5.37"} <= set(isp.controls["ISO27001"])
    assert "5.2" in isp.clauses["ISO27001"]
    assert {"GV.PO-01", "GV.PO-02"} <= set(isp.controls["NIST-CSF"])
    access = by_id["access-control-policy"].controls["ISO27001"]
    assert {"A.5.15", "A.5.16", "A.5.17", "A.5.18"} <= set(access)
    physical = by_id["physical-security-policy"].controls["ISO27001"]
    assert set(physical) == {f"A.7.{i}" for i in range(1, 15)}
    assert set(by_id["human-resources-security-policy"].controls["ISO27001"]) == {
        f"A.6.{i}" for i in range(1, 7)
    }
    assert by_id["vendor-management-policy"].controls["SOC2"] == ("CC9.2",)
    assert "PR.DS-11" in by_id["backup-policy"].controls["NIST-CSF"]


# --- declared fields ------------------------------------------------------------------------------


@pytest.mark.parametrize("template_id", IDS)
def test_every_variable_used_is_declared(template_id: str) -> None:
    template = get_template(template_id)
    env = policies._environment()
    used = meta.find_undeclared_variables(env.parse(template_source(template)))
    undeclared = used - set(template.field_names) - CONTEXT_VARIABLES
    assert not undeclared, f"{template_id} uses undeclared fields {sorted(undeclared)}"
    unused = set(template.field_names) - used
    assert not unused, f"{template_id} declares fields it never uses {sorted(unused)}"


# --- rendering ------------------------------------------------------------------------------------


@pytest.mark.parametrize("template_id", IDS)
def test_renders_with_defaults_and_the_required_fields_only(template_id: str) -> None:
    template = get_template(template_id)
    # Only the declared fields reach the context, and StrictUndefined fails on anything else.
    text = render_policy(template, _required_only(template), now=NOW)
    assert text.startswith(f"# {template.title}\n")
    assert "Acme Corp" in text
    assert template.title in text
    assert "## 1. Purpose" in text and "## 2. Scope" in text
    assert "Roles and Responsibilities" in text and "Policy Statements" in text
    assert "Exceptions" in text and "Enforcement" in text and "Revision History" in text
    assert re.search(r"^1\. .*\bshall\b", text, re.MULTILINE)
    assert f"version {template.version}" in text
    assert "None" not in text  # optional fields without defaults fall back, never print None
    assert "\n\n\n" not in text
    words = len(text.split())
    assert 500 <= words <= 1600, (template_id, words)


@pytest.mark.parametrize("template_id", IDS)
def test_renders_with_a_full_data_set(template_id: str) -> None:
    text = render_policy(template_id, FULL, now=NOW)
    assert "Zoë Müller" in text
    assert get_template(template_id).title in text
    assert "1 February 2025" in text  # effective date, formatted
    assert "Every six months" in text  # review cadence from reviewFrequencyMonths=6
    assert "None" not in text


def test_some_templates_contain_markdown_tables() -> None:
    with_tables = [
        t.id
        for t in TEMPLATES
        if re.search(r"^\|.*\|\n\|(-+\|)+$", render_policy(t, MINIMAL, now=NOW), re.MULTILINE)
    ]
    assert {"data-classification-policy", "data-retention-disposal-policy"} <= set(with_tables)
    assert "incident-response-policy" in with_tables


def test_field_values_drive_the_measurable_statements() -> None:
    data = {**MINIMAL, "accessReviewFrequency": "6 months", "accessRevocationHours": "4"}
    text = render_policy("access-control-policy", data, now=NOW)
    assert "every 6 months" in text
    assert "within 4 hours" in text
    vuln = render_policy(
        "vulnerability-patch-management-policy",
        {**MINIMAL, "patchCriticalDays": 7, "patchHighDays": 1},
        now=NOW,
    )
    assert "| 7 days |" in vuln and "| 1 day |" in vuln
    pw = render_policy("password-authentication-policy", {**MINIMAL, "passwordMinLength": 16})
    assert "at least 16 characters" in pw
    bcdr = render_policy("business-continuity-disaster-recovery-policy", {**MINIMAL, "rtoHours": 4})
    assert "| 4 hours |" in bcdr and "| 8 hours |" in bcdr


def test_optional_contacts_fall_back_to_the_security_officer() -> None:
    text = render_policy("incident-response-policy", MINIMAL, now=NOW)
    assert "security@acme.example" in text
    text = render_policy(
        "incident-response-policy", {**MINIMAL, "incidentResponseContact": "ir@acme.example"}
    )
    assert "ir@acme.example" in text


def test_physical_policy_adapts_to_offices() -> None:
    remote = render_policy("physical-security-policy", MINIMAL, now=NOW)
    assert "does not operate its own offices" in remote
    office = render_policy(
        "physical-security-policy", {**MINIMAL, "officeLocations": "London, Leeds"}
    )
    assert "premises: London and Leeds" in office
    assert "Visitors shall sign in" in office


def test_context_has_generation_metadata() -> None:
    text = render_policy("backup-policy", MINIMAL, now=NOW)
    assert "on 1 March 2025" in text
    assert "`backup-policy` version" in text
    text = render_policy(
        "backup-policy", MINIMAL, now=NOW, extra_context={"generatedAt": "2024-12-31T00:00:00Z"}
    )
    assert "on 31 December 2024" in text
    with pytest.raises(ValueError):
        render_policy("backup-policy", MINIMAL, extra_context={"companyName": "x"})


def test_unicode_values_render() -> None:
    data = {**MINIMAL, "companyName": "株式会社 Example — Zoë Müller"}
    text = render_policy("information-security-policy", data, now=NOW)
    assert "株式会社 Example — Zoë Müller" in text


# --- safety ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_strings_come_out_literally(payload: str) -> None:
    data = {
        **MINIMAL,
        "companyName": payload,
        "securityOfficer": payload,
        "industry": payload,
        "officeLocations": [payload],
    }
    for template_id in ("information-security-policy", "physical-security-policy"):
        text = render_policy(template_id, data, now=NOW)
        assert payload in text
        assert "<class" not in text
        assert "loop" not in text.replace(payload, "")
        if payload == "{{ 7*7 }}":
            assert "49" not in text


def test_sandbox_blocks_unsafe_template_code() -> None:
    from jinja2.exceptions import SecurityError

    env = policies._environment()
    unsafe = env.from_string("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(SecurityError):
        unsafe.render()


def test_multiline_values_are_rejected() -> None:
    with pytest.raises(InvalidInput) as exc:
        render_policy("backup-policy", {**MINIMAL, "companyName": "Acme\n# Injected heading"})
    assert "companyName" in exc.value.message


# --- input validation -----------------------------------------------------------------------------


def test_missing_required_fields_are_listed_together() -> None:
    with pytest.raises(InvalidInput) as exc:
        render_policy("information-security-policy", {"industry": "retail"})
    message = exc.value.message
    for name in ("companyName", "securityOfficer", "securityOfficerEmail"):
        assert name in message
    assert exc.value.missing == ("companyName", "securityOfficer", "securityOfficerEmail")
    assert exc.value.hint


def test_blank_values_count_as_missing() -> None:
    with pytest.raises(InvalidInput) as exc:
        resolve_fields("backup-policy", {**MINIMAL, "companyName": "   "})
    assert exc.value.missing == ("companyName",)


def test_bad_types_are_named_with_missing_fields_in_one_error() -> None:
    data = {
        "securityOfficer": "Jane",
        "securityOfficerEmail": "not-an-email",
        "passwordMinLength": "twelve",
        "effectiveDate": "01/02/2025",
        "screenLockMinutes": -5,
    }
    with pytest.raises(InvalidInput) as exc:
        resolve_fields("password-authentication-policy", data)
    message = exc.value.message
    assert "companyName" in message
    for name in ("securityOfficerEmail", "passwordMinLength", "effectiveDate", "screenLockMinutes"):
        assert name in message
        assert name in exc.value.invalid


def test_placeholders_are_built_from_the_field_name() -> None:
    assert placeholder("securityOfficer") == "[Security Officer]"
    assert placeholder("securityOfficerEmail") == "[Security Officer Email]"
    assert placeholder("companyName") == "[Company Name]"
    assert placeholder("x") == "[X]"


@pytest.mark.parametrize("template_id", IDS)
def test_a_draft_shows_each_missing_required_field_as_a_placeholder(template_id: str) -> None:
    tpl = get_template(template_id)
    fields = resolve_fields(tpl, {}, today=NOW.date(), allow_missing=True)
    assert missing_fields(tpl, fields) == list(tpl.required_fields)
    assert all(fields[name] is None for name in tpl.required_fields)
    text = render_policy(tpl, {}, now=NOW, allow_missing=True)
    for name in tpl.required_fields:
        assert placeholder(name) in text, name
    complete = resolve_fields(tpl, _required_only(tpl), today=NOW.date(), allow_missing=True)
    assert missing_fields(tpl, complete) == []


def test_a_draft_still_refuses_badly_typed_values() -> None:
    with pytest.raises(InvalidInput) as exc:
        render_policy(
            "password-authentication-policy",
            {"passwordMinLength": "twelve"},
            now=NOW,
            allow_missing=True,
        )
    assert set(exc.value.invalid) == {"passwordMinLength"}
    assert exc.value.missing == () and "missing" not in exc.value.message


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injections_beside_placeholders_come_out_literally(payload: str) -> None:
    data = {"companyName": payload, "industry": payload}
    text = render_policy("information-security-policy", data, now=NOW, allow_missing=True)
    assert f"**{payload}**" in text.splitlines()
    assert "<class" not in text and "loop" not in text.replace(payload, "")
    assert "[Security Officer]" in text and "[Security Officer Email]" in text


def test_values_are_coerced() -> None:
    data = {
        **MINIMAL,
        "passwordMinLength": " 16 ",
        "reviewFrequencyMonths": 6.0,
        "effectiveDate": dt.date(2025, 1, 2),
        "employeeCount": 50,
    }
    fields = resolve_fields("password-authentication-policy", data)
    assert fields["passwordMinLength"] == 16
    assert fields["reviewFrequencyMonths"] == 6
    assert fields["effectiveDate"] == "2025-01-02"
    assert "employeeCount" not in fields  # not used by this template
    assert resolve_fields("human-resources-security-policy", data)["employeeCount"] == "50"
    listed = resolve_fields("physical-security-policy", {**MINIMAL, "officeLocations": "a, ,b"})
    assert listed["officeLocations"] == ["a", "b"]
    with pytest.raises(InvalidInput):
        resolve_fields("password-authentication-policy", {**MINIMAL, "passwordMinLength": True})


def test_defaults_fill_optional_fields() -> None:
    fields = resolve_fields("backup-policy", MINIMAL, today=dt.date(2025, 5, 6))
    assert fields["effectiveDate"] == "2025-05-06"
    assert fields["backupRetentionDays"] == 35
    assert fields["reviewFrequencyMonths"] == 12
    assert fields["securityOfficerTitle"] == "Information Security Officer"
    assert set(fields) == set(get_template("backup-policy").field_names)
    physical = resolve_fields("physical-security-policy", MINIMAL)
    assert physical["officeLocations"] == []
    assert resolve_fields("privacy-policy", MINIMAL)["privacyContactEmail"] is None


def test_unknown_template_id_is_not_found() -> None:
    with pytest.raises(NotFound) as exc:
        get_template("no-such-policy")
    assert "no-such-policy" in exc.value.message
    assert "information-security-policy" in (exc.value.hint or "")
    with pytest.raises(NotFound):
        render_policy("CC9.9", MINIMAL)


def test_non_mapping_data_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        resolve_fields("backup-policy", ["companyName=Acme"])  # type: ignore[arg-type]


def test_unknown_fields_are_reported() -> None:
    assert policies.unknown_fields({"companyName": "x", "compnyName": "y"}) == ["compnyName"]


# --- filters --------------------------------------------------------------------------------------


def test_filters() -> None:
    assert policies.cadence(12) == "annually"
    assert policies.cadence(3) == "quarterly"
    assert policies.cadence(24) == "every two years"
    assert policies.cadence(18) == "every 18 months"
    assert policies.pluralize(1, "day") == "1 day"
    assert policies.pluralize(30, "day") == "30 days"
    assert policies.join_words(["a", "b", "c"]) == "a, b and c"
    assert policies.format_date("2025-03-01") == "1 March 2025"
    assert policies.format_date("2025-03-01T10:00:00Z") == "1 March 2025"
    assert policies.add_months("2025-01-31", 1) == "2025-02-28"
    assert policies.md_cell("a|b") == "a\\|b"

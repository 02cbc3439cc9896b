"""Policy operations against a real store: merge order, versions, approval, review dates, evidence."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel_cli.cli.files import write_document
from sentinel_cli.config import Settings
from sentinel_cli.errors import Conflict, InvalidInput, NotFound
from sentinel_cli.frameworks import load_framework
from sentinel_cli.operations import compliance
from sentinel_cli.operations import policies as ops
from sentinel_cli.rendering.policies import list_templates
from sentinel_cli.store import Store, open_store

pytestmark = pytest.mark.both_databases

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "company.yaml"
T0 = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
BASE = {
    "companyName": "Acme Corp",
    "securityOfficer": "Jane Doe",
    "securityOfficerEmail": "security@acme.example",
}


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with open_store(settings) as s:
        yield s


def _count(store: Store, table: str) -> int:
    return store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def _generate(store: Store, template_id: str = "backup-policy", **kw: object) -> dict:
    kw.setdefault("custom_data", BASE)
    kw.setdefault("now", T0)
    return ops.generate_policy(store, template_id=template_id, **kw)["policy"]  # type: ignore[arg-type]


def test_template_listing_has_spec_shape() -> None:
    items = ops.list_templates()
    assert len(items) >= 20
    first = items[0]
    assert set(first) >= {"id", "title", "description", "version", "category", "controls", "fields"}
    assert set(first["controls"]) == {"SOC2", "ISO27001", "NIST-CSF"}
    assert set(first["fields"][0]) == {"name", "type", "required", "default", "description"}
    json.dumps(items)  # JSON-ready: no tuples or dates left
    risk = next(t for t in items if t["id"] == "risk-assessment-policy")
    assert risk["controls"]["ISO27001"] == [] and risk["iso27001Clauses"]
    # The clauses under their framework, and under the key scripts read before that existed.
    assert risk["clauses"] == {"ISO27001": risk["iso27001Clauses"]}
    assert risk["controls"]["NIST-CSF"]


def test_every_template_generates_from_the_example_file(store: Store) -> None:
    for tpl in list_templates():
        policy = _generate(store, tpl.id, custom_data=None, data_file=EXAMPLE)
        assert policy["version"] == 1 and policy["status"] == "DRAFT"
        assert "Acme Corp" in policy["content"]
        assert policy["owner"] == "security@acme.example"
    assert _count(store, "policies") == len(list_templates())


def test_generate_records_everything_and_regenerating_adds_a_version(store: Store) -> None:
    first = _generate(store, owner="owner@acme.example")
    assert first["templateId"] == "backup-policy" and first["templateVersion"] == "1.0.0"
    assert first["title"] == "Backup Policy" and first["owner"] == "owner@acme.example"
    assert first["createdAt"] == "2025-03-01T09:30:00Z"
    assert first["data"]["companyName"] == "Acme Corp"
    assert first["data"]["backupRetentionDays"] == 35  # template default, recorded as used
    import hashlib

    assert first["sha256"] == hashlib.sha256(first["content"].encode()).hexdigest()
    second = _generate(store, now=T0 + dt.timedelta(days=1))
    assert second["version"] == 2 and second["id"] != first["id"]
    assert [p["version"] for p in ops.list_policies(store)] == [2]
    assert [p["version"] for p in ops.list_policies(store, all_versions=True)] == [2, 1]
    shown = ops.get_policy(store, first["id"][:8])
    assert [r["version"] for r in shown["revisions"]] == [1, 2]
    actions = [a["action"] for a in store.activity.recent()]
    assert actions.count("policy.generated") == 2


def test_merge_order_defaults_profile_file_custom_data_set(store: Store, tmp_path: Path) -> None:
    ops.set_profile(
        store,
        {**BASE, "industry": "from-profile", "employeeCount": "from-profile", "rtoHours": "2"},
    )
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"employeeCount": "from-file", "cloudProvider": "from-file"}))
    policy = ops.generate_policy(
        store,
        template_id="business-continuity-disaster-recovery-policy",
        data_file=data,
        custom_data={"cloudProvider": "from-custom", "rpoHours": 3},
        assignments=["rpoHours=4"],
        now=T0,
    )["policy"]
    used = policy["data"]
    assert used["companyName"] == "Acme Corp"  # profile
    assert used["rtoHours"] == 2  # profile, coerced
    assert used["cloudProvider"] == "from-custom"  # custom_data beats the file
    assert used["rpoHours"] == 4  # --set beats everything
    assert used["bcdrTestFrequencyMonths"] == 12  # template default
    info = next(
        p
        for p in [
            ops.generate_policy(
                store,
                template_id="information-security-policy",
                data_file=data,
                assignments=["industry=from-set"],
                now=T0,
            )["policy"]
        ]
    )
    assert info["data"]["employeeCount"] == "from-file"  # file beats profile
    assert info["data"]["industry"] == "from-set"


def test_unknown_keys_are_warned_about_not_stored(store: Store) -> None:
    result = ops.generate_policy(
        store, template_id="backup-policy", custom_data={**BASE, "companyNmae": "x"}, now=T0
    )
    assert result["warnings"] == ["ignored unknown field 'companyNmae'"]
    assert "companyNmae" not in result["policy"]["data"]


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"template_id": "no-such-policy"}, NotFound, "no-such-policy"),
        ({"assignments": ["companyName"]}, InvalidInput, "NAME=VALUE"),
        ({"assignments": ["=x"]}, InvalidInput, "NAME=VALUE"),
        ({"owner": "not-an-email"}, InvalidInput, "--owner"),
        ({"custom_data": {"securityOfficerEmail": "nope"}}, InvalidInput, "securityOfficerEmail"),
        # Missing fields become placeholders, but a badly typed value beside them is still refused.
        ({"custom_data": {"backupRetentionDays": "abc"}}, InvalidInput, "backupRetentionDays"),
        # Every template value has a documented maximum (limits.MAX_TEXT_CHARS), list items too.
        (
            {"custom_data": {**BASE, "companyName": "A" * 1001}},
            InvalidInput,
            "companyName: at most 1,000 characters",
        ),
        ({"assignments": ["companyName=" + "A" * 1001]}, InvalidInput, "companyName: at most"),
        # Within the per-value maximum, a document over 1 MiB of Markdown is still refused.
        (
            {
                "template_id": "physical-security-policy",
                "custom_data": {**BASE, "officeLocations": ["L" * 1000] * 1100},
            },
            InvalidInput,
            "at most 1,048,576 allowed",
        ),
    ],
)
def test_bad_input_stores_nothing(
    store: Store, kwargs: dict, error: type[Exception], needle: str
) -> None:
    args = {"template_id": "backup-policy", "custom_data": BASE, **kwargs}
    with pytest.raises(error, match=needle):
        ops.generate_policy(store, **args)
    assert _count(store, "policies") == 0 and _count(store, "activity") == 0


def test_missing_required_fields_make_a_draft_with_placeholders(store: Store) -> None:
    spec_body = {"industry": "technology", "employeeCount": "50-100"}  # the API reference's body
    result = ops.generate_policy(
        store, template_id="information-security-policy", custom_data=spec_body, now=T0
    )
    policy = result["policy"]
    missing = ["companyName", "securityOfficer", "securityOfficerEmail"]
    assert policy["status"] == "DRAFT" and policy["missingFields"] == missing
    assert result["warnings"] == []
    for text in ("[Company Name]", "[Security Officer]", "[Security Officer Email]"):
        assert text in policy["content"]
    # The data records what was given: a missing field has no value, not the placeholder text.
    assert {name: policy["data"][name] for name in missing} == dict.fromkeys(missing)
    assert policy["data"]["employeeCount"] == "50-100" and policy["owner"] is None
    assert [p["missingFields"] for p in ops.list_policies(store)] == [missing]
    shown = ops.get_policy(store, policy["id"])
    assert shown["missingFields"] == missing and shown["revisions"][0]["missingFields"] == missing


def test_approval_is_refused_while_fields_are_missing(store: Store) -> None:
    draft = _generate(store, custom_data={"companyName": "Acme Corp"})
    assert draft["missingFields"] == ["securityOfficer", "securityOfficerEmail"]
    with pytest.raises(InvalidInput) as info:
        ops.approve_policy(store, draft["id"], approver="ceo@acme.example", now=T0)
    assert "securityOfficer, securityOfficerEmail" in info.value.message
    assert "sentinel policies profile set" in (info.value.hint or "")
    assert ops.get_policy(store, draft["id"])["status"] == "DRAFT"
    assert [a["action"] for a in store.activity.recent()] == ["policy.generated"]

    # Set once in the company profile: the next version is complete and can be approved.
    ops.set_profile(store, {"securityOfficer": "Jane Doe", "securityOfficerEmail": "j@acme.test"})
    complete = _generate(store, custom_data={"companyName": "Acme Corp"})
    assert complete["version"] == 2 and complete["missingFields"] == []
    assert "[Security Officer" not in complete["content"] and "Jane Doe" in complete["content"]
    approved = ops.approve_policy(store, complete["id"], approver="ceo@acme.example", now=T0)
    assert approved["status"] == "APPROVED" and approved["missingFields"] == []
    assert [r["status"] for r in approved["revisions"]] == ["ARCHIVED", "APPROVED"]


def test_values_beside_placeholders_stay_literal(store: Store) -> None:
    """A placeholder is a variable like any value: it opens no way to run template code, and
    user data that looks like a placeholder or a link is stored as typed."""
    policy = _generate(
        store,
        custom_data={"companyName": "{{ 7*7 }} [x](https://e.example)", "policyApprover": "{%"},
    )
    assert policy["missingFields"] == ["securityOfficer", "securityOfficerEmail"]
    content = policy["content"]
    assert "**{{ 7*7 }} [x](https://e.example)**" in content.splitlines()  # the title line
    assert "approved by {%" in content
    assert "[Security Officer] ([Security Officer Email])" in content


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("bad.yaml", "companyName: [unclosed\n  - x: : :"),
        ("bad.json", "{companyName: 'Acme'"),
        ("list.yaml", "- companyName\n- Acme\n"),
        ("scalar.yaml", "just text\n"),
        ("binary.yaml", None),
    ],
)
def test_data_files_that_are_not_mappings_are_refused(
    store: Store, tmp_path: Path, name: str, text: str | None
) -> None:
    path = tmp_path / name
    if text is None:
        path.write_bytes(b"\xff\xfe\x00\x81garbage")
    else:
        path.write_text(text)
    with pytest.raises(InvalidInput, match="--data"):
        ops.generate_policy(store, template_id="backup-policy", data_file=path)
    with pytest.raises(InvalidInput, match="does not exist"):
        ops.generate_policy(store, template_id="backup-policy", data_file=tmp_path / "missing")
    assert _count(store, "policies") == 0


def test_profile_set_show_unset_and_validation(store: Store) -> None:
    assert ops.get_profile(store) == {}
    ops.set_profile(store, {"companyName": "Acme"})
    assert ops.set_profile(store, {"passwordMinLength": "14"}) == {
        "companyName": "Acme",
        "passwordMinLength": "14",
    }
    with pytest.raises(InvalidInput, match="unknown profile field"):
        ops.set_profile(store, {"compnyName": "x"})
    with pytest.raises(InvalidInput, match="companyName: at most 1,000 characters"):
        ops.set_profile(store, {"companyName": "A" * 1001})
    with pytest.raises(InvalidInput, match="passwordMinLength"):
        ops.set_profile(store, {"passwordMinLength": "long"})
    assert ops.unset_profile(store, "passwordMinLength") == {"companyName": "Acme"}
    with pytest.raises(NotFound):
        ops.unset_profile(store, "passwordMinLength")


def test_approve_sets_review_date_and_only_latest_version(store: Store) -> None:
    v1 = _generate(store)
    approved = ops.approve_policy(store, v1["id"], approver="ceo@acme.example", now=T0)
    assert approved["status"] == "APPROVED" and approved["approvedBy"] == "ceo@acme.example"
    assert approved["approvedAt"] == "2025-03-01T09:30:00Z"
    assert approved["nextReviewAt"] == "2026-03-01T09:30:00Z"

    v2 = _generate(store, custom_data={**BASE, "reviewFrequencyMonths": 6})
    with pytest.raises(Conflict, match="only the latest version"):
        ops.approve_policy(store, v1["id"], approver="ceo@acme.example", now=T0)
    later = T0 + dt.timedelta(days=10)
    v2a = ops.approve_policy(store, v2["id"], approver="cto@acme.example", now=later)
    assert v2a["nextReviewAt"] == "2025-09-11T09:30:00Z"  # the policy's own 6-month cadence
    statuses = {r["version"]: r["status"] for r in v2a["revisions"]}
    assert statuses == {1: "ARCHIVED", 2: "APPROVED"}
    assert v2a["revisions"][0]["approvedBy"] == "ceo@acme.example"  # history keeps the approver

    # Approving again records a review and renews the date; --review-months overrides.
    again = ops.approve_policy(
        store, v2["id"], approver="cto@acme.example", review_months=24, now=later
    )
    assert again["nextReviewAt"] == "2027-03-11T09:30:00Z"
    with pytest.raises(InvalidInput):
        ops.approve_policy(store, v2["id"], approver="cto", now=later)
    with pytest.raises(InvalidInput):
        ops.approve_policy(store, v2["id"], approver="a@b.example", review_months=0)
    with pytest.raises(NotFound):
        ops.approve_policy(store, "ffffffff", approver="a@b.example")
    assert [a["action"] for a in store.activity.recent()].count("policy.approved") == 3


def test_add_months_clamps_to_month_end() -> None:
    moment = dt.datetime(2024, 1, 31, tzinfo=dt.UTC)
    assert ops.add_months(moment, 1) == dt.datetime(2024, 2, 29, tzinfo=dt.UTC)
    assert ops.add_months(moment, 13) == dt.datetime(2025, 2, 28, tzinfo=dt.UTC)


def test_review_becomes_overdue_when_the_clock_moves(store: Store) -> None:
    policy = _generate(store)
    ops.approve_policy(store, policy["id"], approver="ceo@acme.example", now=T0)
    before = dt.datetime(2026, 2, 28, tzinfo=dt.UTC)
    after = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    assert ops.list_policies(store, now=before)[0]["reviewOverdue"] is False
    assert ops.list_policies(store, now=after)[0]["reviewOverdue"] is True
    assert ops.get_policy(store, policy["id"], now=after)["reviewOverdue"] is True


def test_policy_evidence_pass_warning_and_drafts(store: Store) -> None:
    backup = _generate(store, "backup-policy")  # SOC2 A1.2 (and more), ISO A.8.13
    _generate(store, "encryption-policy")  # stays a draft: not evidence
    risk = _generate(store, "risk-assessment-policy")  # ISO clauses only
    ops.approve_policy(store, backup["id"], approver="ceo@acme.example", now=T0)
    ops.approve_policy(store, risk["id"], approver="ceo@acme.example", now=T0)

    soc2 = ops.policy_evidence(store, framework="soc2", now=T0)
    assert set(soc2) == set(load_framework("SOC2").controls)
    [entry] = soc2["A1.2"]
    assert entry["policyId"] == backup["id"] and entry["status"] == "PASS"
    assert "next review 2026-03-01" in entry["reason"]
    assert soc2["CC6.7"] == []  # only the draft encryption policy maps there
    assert any(e["templateId"] == "risk-assessment-policy" for e in soc2["CC3.1"])

    iso = ops.policy_evidence(store, framework="ISO27001", now=T0)
    assert set(iso) == set(load_framework("ISO27001").controls)
    assert [e["templateId"] for e in iso["A.8.13"]] == ["backup-policy"]
    assert all(e["templateId"] != "risk-assessment-policy" for es in iso.values() for e in es)
    assert iso["A.8.24"] == []

    overdue = ops.policy_evidence(store, framework="ISO27001", now=T0 + dt.timedelta(days=400))
    [late] = overdue["A.8.13"]
    assert late["status"] == "WARNING" and "overdue since 2026-03-01" in late["reason"]

    # A newer draft does not take the approved version out of force; the reason mentions it.
    _generate(store, "backup-policy", now=T0 + dt.timedelta(days=1))
    [still] = ops.policy_evidence(store, framework="ISO27001", now=T0)["A.8.13"]
    assert still["version"] == 1 and still["status"] == "PASS"
    assert "version 2 is a draft" in still["reason"]
    with pytest.raises(InvalidInput):
        ops.policy_evidence(store, framework="pci")


def test_download_markdown_and_write_rules(store: Store, tmp_path: Path) -> None:
    policy = _generate(store)
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    doc = ops.download_policy(store, policy["id"], format="MD")
    assert doc.filename == "backup-policy-v1.md" and doc.media_type.startswith("text/markdown")
    assert doc.content.decode() == policy["content"]
    with pytest.raises(InvalidInput, match="--format"):
        ops.download_policy(store, policy["id"], format="docx")

    target = tmp_path / "out.md"
    assert write_document(doc, target) == target
    assert target.read_bytes() == doc.content
    with pytest.raises(Conflict, match="already exists"):
        write_document(doc, target)
    target.write_text("old")
    write_document(doc, target, force=True)
    assert target.read_bytes() == doc.content
    assert write_document(doc, tmp_path) == tmp_path / "backup-policy-v1.md"
    with pytest.raises(InvalidInput, match="does not exist"):
        write_document(doc, tmp_path / "missing" / "x.md")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup-policy-v1.md", "out.md"]


def test_approved_policy_is_control_evidence_in_compliance_and_dashboard(store) -> None:  # type: ignore[no-untyped-def]
    """Issue 7 part 5: an approved policy in force makes its controls PASSING (policy evidence);
    an overdue review makes them WARNING; a draft is not evidence."""
    from datetime import UTC, datetime

    from sentinel_cli.operations import policies as ops
    from sentinel_cli.operations.dashboard import dashboard

    data = {"companyName": "Acme", "securityOfficer": "Zoë", "securityOfficerEmail": "z@acme.test"}
    generated = ops.generate_policy(store, template_id="backup-policy", custom_data=data)
    policy_id = generated["policy"]["id"]
    before = compliance.compliance_summary(store, framework="ISO27001")
    a813 = next(c for c in before["controls"] if c["id"] == "A.8.13")
    assert a813["status"] == "NOT_COVERED" and a813["policies"] == []

    approved_at = datetime(2026, 1, 10, tzinfo=UTC)
    ops.approve_policy(
        store, policy_id, approver="ceo@acme.test", review_months=12, now=approved_at
    )
    during = compliance.compliance_summary(
        store, framework="ISO27001", now=datetime(2026, 6, 1, tzinfo=UTC)
    )
    a813 = next(c for c in during["controls"] if c["id"] == "A.8.13")
    assert a813["status"] == "PASSING"
    assert "policy" in a813["sources"]
    assert a813["policies"][0]["id"] == policy_id and a813["policies"][0]["status"] == "PASS"
    assert during["score"] is not None

    overdue = compliance.compliance_summary(
        store, framework="ISO27001", now=datetime(2027, 2, 1, tzinfo=UTC)
    )
    a813 = next(c for c in overdue["controls"] if c["id"] == "A.8.13")
    assert a813["status"] == "WARNING" and a813["policies"][0]["status"] == "WARNING"

    dash = dashboard(store, now=datetime(2026, 6, 1, tzinfo=UTC))
    iso = next(f for f in dash["frameworks"] if "ISO" in str(f.get("id", f.get("name"))))
    assert iso["score"] is not None

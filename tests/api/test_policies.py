"""Policies over HTTP: templates, generate (201), list, approve, download as Markdown and PDF."""

from __future__ import annotations

from tests.helpers.server import Api, assert_error, data_of

COMPANY = {
    "companyName": "Acme Corp",
    "securityOfficer": "Jane Doe",
    "securityOfficerEmail": "security@acme.example",
}


def test_generate_list_approve_and_download(api: Api) -> None:
    templates = data_of(api.as_("VIEWER").get("/api/policies/templates"))["templates"]
    assert "information-security-policy" in [t["id"] for t in templates]

    body = {"templateId": "information-security-policy", "customData": COMPANY}
    generated = data_of(api.as_("MEMBER").post("/api/policies/generate", json=body), 201)
    policy = generated["policy"]
    assert policy["status"] == "DRAFT" and policy["templateId"] == body["templateId"]
    assert generated["warnings"] == []

    listed = data_of(api.as_("VIEWER").get("/api/policies"))["policies"]
    assert policy["id"] in [p["id"] for p in listed]

    md = api.as_("VIEWER").get(f"/api/policies/{policy['id']}/download", params={"format": "md"})
    assert md.status_code == 200
    assert md.headers["content-type"].startswith("text/markdown")
    assert "Acme Corp" in md.text
    assert "attachment" in md.headers["content-disposition"]

    pdf = api.as_("VIEWER").get(f"/api/policies/{policy['id']}/download", params={"format": "pdf"})
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"].endswith('.pdf"')

    approved = data_of(api.as_("ADMIN").post(f"/api/policies/{policy['id']}/approve"))["policy"]
    assert approved["status"] == "APPROVED" and approved["approvedBy"] == "admin@example.com"


def test_generate_refusals(api: Api) -> None:
    member = api.as_("MEMBER")
    assert_error(member.post("/api/policies/generate", json={"templateId": "no-such-policy"}), 404)
    # Missing fields make a draft (below); a badly typed value is still refused, naming the field.
    assert_error(
        member.post(
            "/api/policies/generate",
            json={"templateId": "backup-policy", "customData": {"backupRetentionDays": "abc"}},
        ),
        400,
        "backupRetentionDays",
    )
    assert_error(
        member.post(
            "/api/policies/generate", json={"templateId": "backup-policy", "customData": 5}
        ),
        400,
    )


def test_download_format_is_checked(api: Api) -> None:
    body = {"templateId": "backup-policy", "customData": COMPANY}
    policy = data_of(api.as_("MEMBER").post("/api/policies/generate", json=body), 201)["policy"]
    response = api.as_("VIEWER").get(
        f"/api/policies/{policy['id']}/download", params={"format": "docx"}
    )
    assert_error(response, 400, "format")


def test_spec_generation_request_makes_a_draft_that_waits_for_its_fields(api: Api) -> None:
    member, admin = api.as_("MEMBER"), api.as_("ADMIN")
    # Exactly the request of the API reference.
    spec = {
        "templateId": "information-security-policy",
        "customData": {"industry": "technology", "employeeCount": "50-100"},
    }
    generated = data_of(member.post("/api/policies/generate", json=spec), 201)
    policy = generated["policy"]
    assert policy["status"] == "DRAFT"
    assert policy["missingFields"] == ["companyName", "securityOfficer", "securityOfficerEmail"]
    for text in ("[Company Name]", "[Security Officer]", "[Security Officer Email]"):
        assert text in policy["content"]

    # ... and with the optional companyName the two officer fields are left.
    spec["customData"]["companyName"] = "Acme Corp"
    policy = data_of(member.post("/api/policies/generate", json=spec), 201)["policy"]
    missing = ["securityOfficer", "securityOfficerEmail"]
    assert policy["missingFields"] == missing and "[Company Name]" not in policy["content"]
    listed = data_of(api.as_("VIEWER").get("/api/policies"))["policies"]
    assert next(p for p in listed if p["id"] == policy["id"])["missingFields"] == missing
    one = data_of(api.as_("VIEWER").get(f"/api/policies/{policy['id']}"))["policy"]
    assert one["missingFields"] == missing

    refused = admin.post(f"/api/policies/{policy['id']}/approve")
    assert_error(refused, 400, "securityOfficer, securityOfficerEmail")
    one = data_of(api.as_("VIEWER").get(f"/api/policies/{policy['id']}"))["policy"]
    assert one["status"] == "DRAFT"

    # The next version with the fields has no placeholder and can be approved.
    spec["customData"].update(securityOfficer="Jane Doe", securityOfficerEmail="j@acme.example")
    complete = data_of(member.post("/api/policies/generate", json=spec), 201)["policy"]
    assert complete["missingFields"] == [] and "[Security Officer" not in complete["content"]
    approved = data_of(admin.post(f"/api/policies/{complete['id']}/approve"))["policy"]
    assert approved["status"] == "APPROVED" and approved["missingFields"] == []

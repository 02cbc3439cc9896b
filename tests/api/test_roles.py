"""Roles over HTTP: VIEWER reads, MEMBER also connects/collects/generates, ADMIN also manages users,
billing and deletes; plus the admin user-management routes."""

from __future__ import annotations

import pytest

from tests.helpers.server import PASSWORD, Api, assert_error, data_of

GH = {"orgName": "acme", "token": "ghp_rolesTestToken000000000000000000", "verify": False}
NOBODY = "00000000-0000-0000-0000-000000000000"

MEMBER_WRITES = [
    ("post", "/api/integrations/github/connect", GH),
    ("post", "/api/integrations/aws/connect", {"verify": False}),
    ("post", f"/api/integrations/{NOBODY}/collect", None),
    ("post", "/api/policies/generate", {"templateId": "backup-policy"}),
    ("post", "/api/exceptions", {"checkId": "x", "reason": "r", "owner": "o", "expires": "x"}),
]
ADMIN_ONLY = [
    ("get", "/api/users", None),
    ("post", "/api/users", {"email": "x@example.com", "role": "VIEWER", "password": PASSWORD}),
    ("patch", f"/api/users/{NOBODY}", {"role": "VIEWER"}),
    ("delete", f"/api/users/{NOBODY}", None),
    ("delete", f"/api/integrations/{NOBODY}", None),
    ("delete", f"/api/exceptions/{NOBODY}", None),
    ("patch", "/api/billing/subscription", {"tier": "FREE"}),
    ("post", f"/api/policies/{NOBODY}/approve", None),
]


@pytest.mark.parametrize(("method", "path", "body"), MEMBER_WRITES + ADMIN_ONLY)
def test_viewer_gets_403_on_every_write(api: Api, method: str, path: str, body: object) -> None:
    kwargs = {"json": body} if body is not None else {}
    response = api.as_("VIEWER").request(method.upper(), path, **kwargs)
    assert_error(response, 403, "needs the")


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ONLY)
def test_member_gets_403_on_admin_actions(api: Api, method: str, path: str, body: object) -> None:
    kwargs = {"json": body} if body is not None else {}
    response = api.as_("MEMBER").request(method.upper(), path, **kwargs)
    assert_error(response, 403, "needs the ADMIN role")


@pytest.mark.parametrize(
    "path",
    [
        "/api/integrations",
        "/api/billing/subscription",
        "/api/billing/limits/integrations",
        "/api/billing/limits/checks",
        "/api/billing/plans",
        "/api/policies",
        "/api/policies/templates",
        "/api/evidence",
        "/api/evidence/stats",
        "/api/evidence/compliance?framework=SOC2",
        "/api/dashboard/stats",
        "/api/exceptions",
    ],
)
def test_viewer_reads(api: Api, path: str) -> None:
    data_of(api.as_("VIEWER").get(path))


def test_member_connects_with_verify_false_and_admin_removes(api: Api) -> None:
    body = {**GH, "name": "Roles GitHub", "allowedPublicRepositories": ["acme/site"]}
    item = data_of(api.as_("MEMBER").post("/api/integrations/github/connect", json=body), 201)[
        "integration"
    ]
    assert item["type"] == "GITHUB" and item["orgName"] == "acme" and item["name"] == "Roles GitHub"
    assert item["settings"]["allowedPublicRepositories"] == ["acme/site"]
    assert item["settings"]["reviewPeriodDays"] == 90
    assert GH["token"] not in str(item)

    listed = data_of(api.as_("VIEWER").get("/api/integrations"))["integrations"]
    assert item["id"] in [i["id"] for i in listed]
    assert data_of(api.as_("VIEWER").get(f"/api/integrations/{item['id']}"))["integration"] == (
        next(i for i in listed if i["id"] == item["id"])
    )

    assert_error(api.as_("MEMBER").delete(f"/api/integrations/{item['id']}"), 403)
    removed = data_of(api.as_("ADMIN").delete(f"/api/integrations/{item['id']}"))["integration"]
    assert removed["status"] == "REMOVED"
    assert_error(api.as_("ADMIN").delete(f"/api/integrations/{item['id']}"), 404)


def test_member_connects_aws_with_the_spec_fields(api: Api) -> None:
    body = {
        "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "region": "eu-west-1",
        "name": "Production AWS",
        "regions": ["eu-west-1", "us-east-1"],
        "verify": False,
    }
    item = data_of(api.as_("MEMBER").post("/api/integrations/aws/connect", json=body), 201)[
        "integration"
    ]
    assert item["name"] == "Production AWS" and item["region"] == "eu-west-1"
    assert item["regions"] == ["eu-west-1", "us-east-1"]
    assert item["accessKeyId"] == "****MPLE" and body["secretAccessKey"] not in str(item)
    data_of(api.as_("ADMIN").delete(f"/api/integrations/{item['id']}"))


def test_admin_manages_users(api: Api) -> None:
    admin = api.as_("ADMIN")
    created = data_of(
        admin.post(
            "/api/users",
            json={"email": "new.user@example.com", "role": "viewer", "password": PASSWORD},
        ),
        201,
    )["user"]
    assert created["role"] == "VIEWER" and created["disabled"] is False
    assert "password" not in str(created).lower()
    assert_error(
        admin.post(
            "/api/users",
            json={"email": "NEW.USER@example.com", "role": "VIEWER", "password": PASSWORD},
        ),
        409,
        "already exists",
    )
    assert_error(
        admin.post(
            "/api/users", json={"email": "b@example.com", "role": "VIEWER", "password": "x"}
        ),
        400,
        "at least 12",
    )
    assert_error(
        admin.post(
            "/api/users", json={"email": "c@example.com", "role": "ROOT", "password": PASSWORD}
        ),
        400,
        "unknown role",
    )

    emails = [u["email"] for u in data_of(admin.get("/api/users"))["users"]]
    assert "new.user@example.com" in emails

    promoted = data_of(admin.patch(f"/api/users/{created['id']}", json={"role": "MEMBER"}))["user"]
    assert promoted["role"] == "MEMBER"
    assert_error(admin.patch(f"/api/users/{created['id']}", json={}), 400, "nothing to change")
    assert data_of(admin.get(f"/api/users/{created['id']}"))["user"]["role"] == "MEMBER"

    removed = data_of(admin.delete(f"/api/users/{created['id']}"))["user"]
    assert removed["email"] == "new.user@example.com"
    assert_error(admin.get(f"/api/users/{created['id']}"), 404)


def test_the_last_admin_cannot_be_demoted_disabled_or_removed(api: Api) -> None:
    admin = api.as_("ADMIN")
    admin_id = api.users["ADMIN"]["id"]
    assert_error(admin.patch(f"/api/users/{admin_id}", json={"role": "MEMBER"}), 409, "only")
    assert_error(admin.patch(f"/api/users/{admin_id}", json={"disabled": True}), 409, "only")
    assert_error(admin.delete(f"/api/users/{admin_id}"), 409, "only enabled ADMIN")
    assert data_of(admin.get("/api/auth/me"))["user"]["role"] == "ADMIN"


def test_admin_changes_the_plan_and_member_reads_it(api: Api) -> None:
    admin = api.as_("ADMIN")
    sub = data_of(admin.patch("/api/billing/subscription", json={"tier": "PROFESSIONAL"}))
    assert sub["subscription"]["tier"] == "PROFESSIONAL"
    seen = data_of(api.as_("MEMBER").get("/api/billing/subscription"))["subscription"]
    assert seen["tier"] == "PROFESSIONAL"
    data_of(admin.patch("/api/billing/subscription", json={"tier": "ENTERPRISE"}))
    assert_error(admin.patch("/api/billing/subscription", json={"tier": "GOLD"}), 400)
    # A bad status refuses the whole change: the valid tier beside it is not applied either.
    bad = admin.patch("/api/billing/subscription", json={"tier": "STARTER", "status": "BOGUS"})
    assert_error(bad, 400, "BOGUS")
    after = data_of(admin.get("/api/billing/subscription"))["subscription"]
    assert after["tier"] == "ENTERPRISE" and after["status"] == "ACTIVE"
    assert_error(admin.patch("/api/billing/subscription", json={}), 400, "nothing to change")

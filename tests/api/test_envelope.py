"""The envelope for every outcome: 400, 404 (ids and routes), 405, malformed JSON; docs and health."""

from __future__ import annotations

import pytest

from tests.helpers.server import Api, assert_error, data_of


def test_health_needs_no_token(api: Api) -> None:
    data = data_of(api.anonymous().get("/api/health"))
    assert data["status"] == "ok" and data["version"]


def test_openapi_and_docs_are_served_under_api(api: Api) -> None:
    schema = api.anonymous().get("/api/openapi.json").json()
    assert schema["info"]["title"] == "Sentinel API"
    paths = set(schema["paths"])
    for path in (
        "/api/auth/login",
        "/api/integrations",
        "/api/integrations/aws/connect",
        "/api/integrations/github/connect",
        "/api/integrations/{integration_id}/collect",
        "/api/integrations/{integration_id}/jobs",
        "/api/jobs/{job_id}",
        "/api/policies/templates",
        "/api/policies/generate",
        "/api/policies",
        "/api/policies/{policy_id}/download",
        "/api/billing/subscription",
        "/api/billing/limits/integrations",
        "/api/billing/limits/checks",
        "/api/users",
        "/api/users/{user_id}",
        "/api/evidence",
        "/api/evidence/stats",
        "/api/evidence/compliance",
        "/api/evidence/{evidence_id}",
        "/api/dashboard/stats",
        "/api/exceptions",
        "/api/checks",
        "/api/checks/{check_id}",
    ):
        assert path in paths, path
    assert "/api/_bench/hello" not in paths
    docs = api.anonymous().get("/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


@pytest.mark.parametrize("path", ["/api/nope", "/nope", "/api/integrations/x/y/z"])
def test_unknown_routes_are_404_envelopes(api: Api, path: str) -> None:
    assert_error(api.as_("VIEWER").get(path), 404, "no route")


@pytest.mark.parametrize(
    "path",
    [
        "/api/integrations/00000000-0000-0000-0000-000000000000",
        "/api/integrations/00000000-0000-0000-0000-000000000000/jobs",
        "/api/jobs/00000000-0000-0000-0000-000000000000",
        "/api/policies/00000000-0000-0000-0000-000000000000",
        "/api/evidence/00000000-0000-0000-0000-000000000000",
    ],
)
def test_unknown_ids_are_404_envelopes(api: Api, path: str) -> None:
    assert_error(api.as_("VIEWER").get(path), 404, "no ")


def test_wrong_method_is_405_with_allow(api: Api) -> None:
    response = api.as_("ADMIN").put("/api/integrations")
    assert_error(response, 405, "not allowed")
    assert "GET" in response.headers["allow"]


def test_malformed_json_is_400(api: Api) -> None:
    response = api.as_("MEMBER").post(
        "/api/integrations/github/connect",
        content=b'{"orgName": "acme", "token": ',
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 400, "malformed JSON")


def test_validation_errors_are_400_naming_the_field(api: Api) -> None:
    response = api.as_("MEMBER").post("/api/integrations/github/connect", json={"token": "t"})
    assert_error(response, 400, "orgName")
    assert_error(api.as_("VIEWER").get("/api/evidence?limit=0"), 400, "limit")
    broken = api.as_("VIEWER").get("/api/evidence?status=BROKEN")
    assert_error(broken, 400, "BROKEN")
    assert broken.headers["X-Sentinel-Error"] == "InvalidInput"
    assert_error(api.as_("VIEWER").get("/api/dashboard/stats?days=0"), 400, "days")
    assert_error(api.as_("VIEWER").get("/api/dashboard/stats?days=soon"), 400, "days")
    assert len(data_of(api.as_("VIEWER").get("/api/dashboard/stats?days=7"))["timeline"]) == 7


def test_hot_read_routes_still_declare_and_check_the_bearer_token(api: Api) -> None:
    """The evidence list and the dashboard check the role themselves (no FastAPI dependency);
    the schema must still say they need a token, and they must still refuse without one."""
    schema = api.anonymous().get("/api/openapi.json").json()
    expected_parameters = {"/api/evidence": "limit", "/api/dashboard/stats": "days"}
    for path, parameter in expected_parameters.items():
        operation = schema["paths"][path]["get"]
        assert operation["security"] == [{"HTTPBearer": []}], path
        assert parameter in {p["name"] for p in operation["parameters"]}, path
        assert_error(api.anonymous().get(path), 401)
        with api.server.client("not-a-token") as client:
            assert_error(client.get(path), 401)


def test_operation_errors_keep_their_message(api: Api) -> None:
    response = api.as_("MEMBER").post(
        "/api/integrations/aws/connect", json={"region": "mars-1", "verify": False}
    )
    assert_error(response, 400, "not an AWS region")


def test_error_responses_carry_the_rate_limit_headers(api: Api) -> None:
    for response in (
        api.as_("VIEWER").get("/api/nope"),
        api.anonymous().get("/api/integrations"),
        api.as_("ADMIN").put("/api/integrations"),
    ):
        assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(
            response.headers
        ), response.headers

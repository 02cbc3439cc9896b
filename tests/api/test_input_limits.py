"""Bounded input over real HTTP: the request-body limit (declared and chunked) and text maxima.

A MEMBER once stored a 10 MB company name; now a body over 1 MiB is refused with the 413 envelope
before the app sees it, a chunked one as soon as it passes the limit, and an over-long text value
gets 400 naming the field and its maximum.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from tests.helpers.server import Api, assert_error, data_of

GENERATE = "/api/policies/generate"
BASE = {"companyName": "Acme Corp", "securityOfficer": "Ada", "securityOfficerEmail": "s@acme.io"}


def _policy_count(api: Api) -> int:
    return len(data_of(api.as_("VIEWER").get("/api/policies"))["policies"])


def _chunks(payload: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(payload), size):
        yield payload[start : start + size]


def _big_body() -> bytes:
    custom = {**BASE, "companyName": "A" * (10 * 1024 * 1024)}
    return json.dumps({"templateId": "backup-policy", "customData": custom}).encode()


def test_a_10_mb_body_gets_413_and_stores_nothing(api: Api) -> None:
    before = _policy_count(api)
    response = api.as_("MEMBER").post(
        GENERATE, content=_big_body(), headers={"Content-Type": "application/json"}
    )
    body = assert_error(response, 413, "at most 1,048,576 bytes")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert body["message"].startswith("request body too large")
    assert _policy_count(api) == before


def test_a_chunked_body_without_content_length_gets_413(api: Api) -> None:
    before = _policy_count(api)
    member = api.as_("MEMBER")
    request = member.build_request(
        "POST",
        GENERATE,
        content=_chunks(_big_body()),
        headers={"Content-Type": "application/json"},
    )
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    response = member.send(request)
    assert_error(response, 413, "at most 1,048,576 bytes")
    assert _policy_count(api) == before


def test_normal_bodies_plain_and_chunked_still_work(api: Api) -> None:
    member = api.as_("MEMBER")
    payload = json.dumps({"templateId": "backup-policy", "customData": BASE}).encode()
    plain = member.post(GENERATE, content=payload, headers={"Content-Type": "application/json"})
    assert data_of(plain, 201)["policy"]["data"]["companyName"] == "Acme Corp"
    chunked = member.post(
        GENERATE, content=_chunks(payload, 16), headers={"Content-Type": "application/json"}
    )
    assert (
        data_of(chunked, 201)["policy"]["version"] == data_of(plain, 201)["policy"]["version"] + 1
    )


def test_a_2000_character_company_name_gets_400_naming_field_and_maximum(api: Api) -> None:
    before = _policy_count(api)
    body = {"templateId": "backup-policy", "customData": {**BASE, "companyName": "A" * 2000}}
    response = api.as_("MEMBER").post(GENERATE, json=body)
    assert_error(response, 400, "companyName: at most 1,000 characters")
    assert _policy_count(api) == before


def test_an_over_long_text_parameter_gets_400_naming_field_and_maximum(api: Api) -> None:
    body = {"templateId": "backup-policy", "customData": BASE, "owner": "a" * 1001 + "@acme.io"}
    message = assert_error(api.as_("MEMBER").post(GENERATE, json=body), 400, "owner")["message"]
    assert "1000" in message.replace(",", "")

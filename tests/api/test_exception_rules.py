"""Risk acceptance over HTTP (issue 17, item 10): a MEMBER's exception names a resource pattern
and lasts at most 365 days; an ADMIN may except every resource; who created it is listed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.helpers.server import Api, assert_error, data_of


def _in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def _body(**overrides: Any) -> dict[str, Any]:
    body = {
        "checkId": "aws_iam_root_mfa",
        "reason": "hardware keys on order",
        "owner": "cto@example.com",
        "expires": _in_days(30),
    }
    body.update(overrides)
    return body


@pytest.fixture
def added(api: Api) -> Iterator[list[str]]:
    """Ids of exceptions a test adds, removed afterwards (the server is shared)."""
    ids: list[str] = []
    yield ids
    for exception_id in ids:
        api.as_("ADMIN").delete(f"/api/exceptions/{exception_id}")


@pytest.mark.parametrize("pattern", [None, "*", "?*"])
def test_a_members_exception_of_every_resource_is_403(api: Api, pattern: str | None) -> None:
    body = _body() if pattern is None else _body(resourcePattern=pattern)
    response = api.as_("MEMBER").post("/api/exceptions", json=body)
    message = assert_error(response, 403, "only an ADMIN may except every resource")["message"]
    assert "name a resource pattern" in message


def test_an_admins_exception_of_every_resource_is_201(api: Api, added: list[str]) -> None:
    body = _body(resourcePattern="*", expires=_in_days(800))  # ADMINs are not capped
    exc = data_of(api.as_("ADMIN").post("/api/exceptions", json=body), 201)["exception"]
    added.append(exc["id"])
    assert exc["resourcePattern"] == "*" and exc["createdBy"] == "admin@example.com"


def test_a_members_named_exception_is_201_and_records_its_author(
    api: Api, added: list[str]
) -> None:
    body = _body(resourcePattern="arn:aws:iam::123456789012:*", expires=_in_days(365))
    exc = data_of(api.as_("MEMBER").post("/api/exceptions", json=body), 201)["exception"]
    added.append(exc["id"])
    listed = data_of(api.as_("VIEWER").get("/api/exceptions"))["exceptions"]
    assert {"id": exc["id"], "createdBy": "member@example.com"}.items() <= next(
        e for e in listed if e["id"] == exc["id"]
    ).items()


@pytest.mark.parametrize("expires", ["9999-12-31", _in_days(367)])
def test_a_members_exception_beyond_the_cap_is_400_naming_it(api: Api, expires: str) -> None:
    body = _body(resourcePattern="arn:aws:iam::123456789012:*", expires=expires)
    response = api.as_("MEMBER").post("/api/exceptions", json=body)
    message = assert_error(response, 400, "at most 365 days")["message"]
    assert "exceptions.maxDays" in message

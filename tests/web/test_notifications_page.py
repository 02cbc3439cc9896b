"""The Notifications page (ADMIN) over real HTTP on ``workshop`` (loopback allowed): adding a
webhook shows its signing secret once, a test message reaches a receiver on 127.0.0.1 and the page
says so, the delivery is listed, removal takes the destination away; a refusal is the form again
with its message; a MEMBER is refused the page."""

from __future__ import annotations

import hashlib
import hmac
import html as html_text
import re

import httpx

from tests.notify.receiver import http_receiver
from tests.web.browser import Browser
from tests.web.conftest import Site


def _text(response: httpx.Response, status: int = 200) -> str:
    assert response.status_code == status, response.text[:3000]
    assert "Traceback" not in response.text
    return html_text.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text)))


def _post(browser: Browser, path: str, data: dict[str, object]) -> httpx.Response:
    return browser.post(path, data={"csrf_token": browser.token("/notifications"), **data})


def test_an_admin_adds_tests_and_removes_a_webhook(
    workshop: Site, crew: dict[str, Browser]
) -> None:
    admin = crew["ADMIN"]
    assert "No destination yet" in _text(admin.get("/notifications"))
    with http_receiver() as receiver:
        added = _post(
            admin,
            "/notifications",
            {"kind": "webhook", "url": receiver.url, "events": ["new-failures", "fixed"]},
        )
        page = _text(added)
        secret = re.search(r"Signing secret: ([0-9a-f]{64})", page)
        assert secret is not None, page
        assert "will not be shown again" in page
        again = _text(admin.get("/notifications"))
        assert secret.group(1) not in again and receiver.url in again
        assert "new-failures, fixed" in again
        ident = re.search(
            r'action="/notifications/([0-9a-f-]{36})/test"', admin.get("/notifications").text
        )
        assert ident is not None
        tested = _text(_post(admin, f"/notifications/{ident.group(1)}/test", {}))
        assert f"Delivered the test message to {receiver.url} (HTTP 200)" in tested
        assert "test DELIVERED HTTP 200" in tested
    [request] = receiver.requests
    expected = hmac.new(secret.group(1).encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-sentinel-signature"] == f"sha256={expected}"
    removed = _post(admin, f"/notifications/{ident.group(1)}/remove", {})
    assert removed.status_code == 303 and removed.headers["location"] == "/notifications"
    after = _text(admin.get("/notifications"))
    assert "No destination yet" in after and "(removed)" in after


def test_a_refused_destination_is_the_form_again_with_the_message(
    crew: dict[str, Browser],
) -> None:
    page = _text(
        _post(
            crew["ADMIN"],
            "/notifications",
            {"kind": "email", "to": "not-an-address", "min_severity": "high"},
        ),
        400,
    )
    assert "--to: 'not-an-address' is not an email address" in page
    assert (
        'value="not-an-address"'
        in crew["ADMIN"]
        .post(
            "/notifications",
            data={
                "csrf_token": crew["ADMIN"].token("/notifications"),
                "kind": "email",
                "to": "not-an-address",
            },
        )
        .text
    )


def test_members_and_viewers_are_refused_the_page(crew: dict[str, Browser]) -> None:
    for role in ("MEMBER", "VIEWER"):
        page = _text(crew[role].get("/notifications"), 403)
        assert f"this page needs the ADMIN role; you are {role}" in page
        assert 'href="/notifications"' not in crew[role].get("/").text

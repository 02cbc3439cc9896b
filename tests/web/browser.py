"""A browser stand-in for the dashboard tests: an httpx client that keeps cookies, asks for HTML,
reads the CSRF token out of the page it was given, and signs in with the form, as a person does.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.helpers.server import PASSWORD, Server

TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
SESSION = "sentinel_session"
PRESESSION = "sentinel_csrf"


def form_token(html: str) -> str:
    found = TOKEN_FIELD.search(html)
    assert found is not None, html[:2000]
    return found.group(1)


def set_cookie(response: httpx.Response, name: str) -> dict[str, str]:
    """The attributes of the ``Set-Cookie`` for ``name`` (lower-cased names; ``value`` too)."""
    for header in response.headers.get_list("set-cookie"):
        first, *attrs = [part.strip() for part in header.split(";")]
        key, _, value = first.partition("=")
        if key == name:
            out = {"value": value}
            for attr in attrs:
                attr_name, _, attr_value = attr.partition("=")
                out[attr_name.lower()] = attr_value
            return out
    raise AssertionError(f"no Set-Cookie for {name}: {response.headers.get_list('set-cookie')}")


class Browser:
    def __init__(self, server: Server, **headers: str) -> None:
        self.server = server
        self.client = httpx.Client(
            base_url=server.url,
            follow_redirects=False,
            timeout=60,
            headers={"Accept": "text/html,application/xhtml+xml", **headers},
        )

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.post(path, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD, **headers: str) -> httpx.Response:
        page = self.get("/login")
        assert page.status_code == 200, page.text
        data = {"email": email, "password": password, "csrf_token": form_token(page.text)}
        return self.post("/login", data=data, headers=headers)

    def signed_in(self, email: str) -> Browser:
        answer = self.sign_in(email)
        assert answer.status_code == 303, answer.text
        return self

    def token(self, path: str = "/") -> str:
        """The CSRF token of a signed-in page (the sign-out form carries it)."""
        page = self.get(path)
        assert page.status_code == 200, page.text
        return form_token(page.text)

    def sign_out(self) -> httpx.Response:
        return self.post("/logout", data={"csrf_token": self.token()})

    @property
    def session_id(self) -> str | None:
        return self.client.cookies.get(SESSION)

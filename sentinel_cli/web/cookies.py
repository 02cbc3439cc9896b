"""The dashboard's two cookies and how they are set: HttpOnly, SameSite=Lax, Path=/, and Secure
whenever the request came over HTTPS.

``sentinel_session`` holds the session id (``sessions``); ``sentinel_csrf`` holds the pre-session
CSRF token of the sign-in form (double submit: the form carries the same value). Neither is ever
read by a script. The scheme is the one uvicorn gives the request: https behind a TLS proxy that
``sentinel serve --forwarded-allow-ips`` trusts (it then reads ``X-Forwarded-Proto``), so the
cookie is Secure exactly when the browser talks HTTPS.
"""

from __future__ import annotations

from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.types import Scope

SESSION_COOKIE = "sentinel_session"
PRESESSION_COOKIE = "sentinel_csrf"


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=is_https(request))


def cookie_from_scope(scope: Scope, name: str) -> str | None:
    """A cookie's value read from the raw ASGI scope (the middleware has no ``Request``)."""
    for key, value in scope.get("headers") or ():
        if key == b"cookie":
            found = cookie_parser(bytes(value).decode("latin-1")).get(name)
            if found:
                return found
    return None

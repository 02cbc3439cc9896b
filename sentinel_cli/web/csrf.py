"""CSRF protection: every state-changing request to the dashboard proves it comes from our pages.

``csrf_guard`` runs before anything else a page route does (``routing.page_router`` puts it first,
ahead of the sign-in check), for POST, PUT, PATCH and DELETE, sign-in and sign-out included. The
request is refused with 403 unless both hold:

1. **Origin**: when the browser sent an ``Origin`` header, it names this server (scheme, host and
   port as the request reached it). A form posted from another site carries that site's origin.
2. **Token**: the form field ``csrf_token`` or the ``X-CSRF-Token`` header (htmx sends it, from
   ``hx-headers`` on ``<body>``) equals the expected token, compared in constant time. The sign-in
   form expects the pre-session token of its ``sentinel_csrf`` cookie (double submit: another
   site can neither read nor set our cookie); every other form the session's own token, derived
   from the session cookie (``sessions.csrf_for``). No cookie, no valid token.

SameSite=Lax cookies already keep most cross-site POSTs from carrying the session; this check does
not depend on them.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.requests import Request

from sentinel_cli.web.cookies import PRESESSION_COOKIE, SESSION_COOKIE
from sentinel_cli.web.forms import read_form
from sentinel_cli.web.paths import LOGIN_PATH
from sentinel_cli.web.sessions import MAX_ID_LENGTH, csrf_for

TOKEN_FIELD = "csrf_token"
TOKEN_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


class CsrfRefused(Exception):
    """A state-changing request without a valid CSRF token or from a foreign origin (403)."""


def _origin_key(scheme: str, host: str) -> tuple[str, str, int] | None:
    parts = urlsplit(f"{scheme}://{host}")
    try:
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return (scheme.lower(), parts.hostname.lower(), port or _DEFAULT_PORTS.get(scheme.lower(), 0))


def same_origin(request: Request, origin: str) -> bool:
    """Whether ``origin`` (an ``Origin`` header) names the server this request reached."""
    own_host = request.headers.get("host") or request.url.netloc
    own = _origin_key(request.url.scheme, own_host)
    parts = urlsplit(origin.strip())
    if not parts.scheme or parts.path not in ("", "/"):
        return False  # "null" (sandboxed or privacy-stripped), or not an origin at all
    theirs = _origin_key(parts.scheme, parts.netloc)
    return own is not None and own == theirs


def expected_token(request: Request) -> str | None:
    """The token this request must carry: the pre-session one for sign-in, else the session's."""
    if request.url.path == LOGIN_PATH:
        return request.cookies.get(PRESESSION_COOKIE) or None
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id or len(session_id) > MAX_ID_LENGTH:
        return None
    return csrf_for(session_id)


async def csrf_guard(request: Request) -> None:
    """Refuse (``CsrfRefused``) a state-changing request that fails the checks above."""
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin is not None and not same_origin(request, origin):
        raise CsrfRefused("this form was sent from another site")
    sent = request.headers.get(TOKEN_HEADER)
    if sent is None:
        sent = (await read_form(request)).get(TOKEN_FIELD)
    expected = expected_token(request)
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused("the form has expired or did not come from this page")

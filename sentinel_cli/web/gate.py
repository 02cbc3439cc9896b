"""``PageGate``: what the API's middleware asks the dashboard before routing a request.

The middleware (``api.middleware.ApiMiddleware``) handles every request of the server; for paths
outside ``/api`` it calls ``identify`` in its worker thread, with the request's leased store, to
find the browser session (one indexed query, ``sessions.resolve_session``), then counts the request
in that session's bucket of the web budget. The session it finds is the one the pages read
(``auth.current_session``), so a page costs no second lookup.

It also holds the headers every page answer gets besides ``nosniff`` and ``no-store``: a
Content-Security-Policy that allows scripts, styles and images from this server only (htmx is
vendored, no inline script or style anywhere), no framing, and forms posting only here.
"""

from __future__ import annotations

from starlette.types import Scope

from sentinel_cli.api.middleware import WebCaller
from sentinel_cli.store import Store
from sentinel_cli.web.cookies import SESSION_COOKIE, cookie_from_scope
from sentinel_cli.web.errors import error_page_bytes
from sentinel_cli.web.paths import LOGIN_PATH, STATIC_PREFIX
from sentinel_cli.web.sessions import resolve_session

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


class PageGate:
    static_prefix = STATIC_PREFIX
    login_path = LOGIN_PATH
    page_headers = PAGE_HEADERS

    def identify(self, store: Store, scope: Scope) -> WebCaller:
        session_id = cookie_from_scope(scope, SESSION_COOKIE)
        session = resolve_session(store, session_id) if session_id else None
        return WebCaller(session.bucket, session) if session else WebCaller(None)

    def error_page(self, status: int, message: str) -> bytes:
        return error_page_bytes(status, message)

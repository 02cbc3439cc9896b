"""The one middleware: store lease, caller identity, rate limit, headers, and the last-resort 500.

A plain ASGI middleware (not ``BaseHTTPMiddleware``, which costs a task and a stream per request).
For each HTTP request it, in one trip to the thread pool:

1. leases a store connection (``deps.StorePool``) that the endpoint then uses too;
2. verifies the bearer token, if any (``auth.TokenVerifier``), and loads its user (a disabled or
   removed user's token counts as invalid, and so does one logged out or issued before the user's
   ``tokens_valid_after``); before that, on a request with a token or a login, it compares the
   store's signing-key generation with its own and reloads the key after a rotation;
3. counts the request against the caller's rate-limit bucket.

Requests outside ``/api`` belong to the web dashboard when the app factory hands in its gate
(``WebGate``, implemented by ``sentinel_cli.web``, which sits above this package): its static
assets (``/static/``) pass straight through, never counted and without a store lease, with a long
cache lifetime (their URLs are versioned); its pages ask the gate who the browser session is (one
indexed query) and count against the web budget (``ApiSettings.web_rate_limit``) in a bucket of
their own, per session, so clicking and polling never spend the API's budget. Pages get the gate's
headers (Content-Security-Policy ...) on top of the ones below, and the refusals made here (413,
429, 503, 500) as an HTML page instead of the JSON envelope.

A body over ``ApiSettings.max_body_bytes`` gets the 413 envelope: a declared ``Content-Length``
before anything is read, a chunked body as soon as the bytes received pass the limit (the app's
read then fails and whatever it answers is dropped). A refused request gets the 429 envelope
with ``Retry-After`` without reaching the app; a request
that meets the store locked by another process's write (longer than ``REQUEST_BUSY_TIMEOUT_MS``)
gets 503 with ``Retry-After``, and a login attempt that cannot be counted is refused that way before
its password is checked. A store that cannot be used at all (a database server down or unreachable,
a connection lost mid-request) is 503 too, logged as one line rather than a traceback. Every
response gets the ``X-RateLimit-*`` headers added as it starts, and
``X-Content-Type-Options: nosniff`` and ``Cache-Control: no-store``: API answers are per caller
(tokens, evidence), so no browser or proxy may keep them; only the docs page's static assets may be
cached. An exception that escaped the app's
handlers becomes the 500 envelope here, after the traceback is logged, so the client never sees one
and still gets the headers (Starlette's own 500 handler sits outside this middleware and would drop
them).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sentinel_cli.api.auth import (
    KEY_GENERATION,
    AuthContext,
    Principal,
    TokenVerifier,
    bearer_token,
    load_or_create_signing_key,
)
from sentinel_cli.api.deps import ApiState
from sentinel_cli.api.docs import STATIC_PATH
from sentinel_cli.api.errors import (
    BUSY_MESSAGE,
    BUSY_RETRY_AFTER_SECONDS,
    ERROR_HEADER,
    UNAVAILABLE_MESSAGE,
    error_bytes,
    is_store_busy,
    is_store_unavailable,
    unavailable_reason,
)
from sentinel_cli.api.ratelimit import LoginNotCounted, Verdict
from sentinel_cli.store import Store

log = logging.getLogger("sentinel.api")

LOGIN_PATH = "/api/auth/login"
PASSWORD_PATH = "/api/auth/password"
"""Checks a password too, so it counts against the login limit."""
UNCOUNTED_PATHS = frozenset({"/api/health"})
NOSNIFF = (b"x-content-type-options", b"nosniff")
NO_STORE = (b"cache-control", b"no-store")
BUSY_HEADERS = [(b"retry-after", str(BUSY_RETRY_AFTER_SECONDS).encode())]
UNAVAILABLE_HEADER = (ERROR_HEADER.lower().encode(), b"StoreUnavailable")
"""So a CLI logged in to this server exits 6, as it would on an unusable local store."""
LONG_CACHE = (b"cache-control", b"public, max-age=31536000, immutable")
JSON_TYPE = b"application/json"
HTML_TYPE = b"text/html; charset=utf-8"

Realm = Literal["api", "web", "static"]


@dataclass(frozen=True)
class WebCaller:
    """Who a web dashboard request comes from, as the gate found out before routing."""

    bucket: str | None
    """The browser session's rate-limit bucket; ``None`` without a valid session (the request
    then counts per client address)."""
    session: Any = None
    """The valid session, handed to the pages as ``scope["state"]["web_session"]``."""


class WebGate(Protocol):
    """What this middleware asks of the web dashboard (``sentinel_cli.web.gate``)."""

    @property
    def static_prefix(self) -> str:
        """Paths under it are static assets: not counted, no store lease, cached for long."""
        ...

    @property
    def login_path(self) -> str:
        """A POST to it checks a password: it also counts against the login limit."""
        ...

    @property
    def page_headers(self) -> Sequence[tuple[bytes, bytes]]:
        """Headers every page answer gets besides ``nosniff`` and ``no-store``."""
        ...

    def identify(self, store: Store, scope: Scope) -> WebCaller:
        """The session behind the request's cookie, if valid (runs in a worker thread)."""
        ...

    def error_page(self, status: int, message: str) -> bytes:
        """A small HTML page for a refusal made before routing."""
        ...


def _security_headers(path: str) -> list[tuple[bytes, bytes]]:
    if path.startswith(STATIC_PATH + "/"):
        return [NOSNIFF]
    return [NOSNIFF, NO_STORE]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class ApiMiddleware:
    def __init__(self, app: ASGIApp, state: ApiState, web: WebGate | None = None) -> None:
        self.app = app
        self.state = state
        self.web = web
        self.tokens = TokenVerifier(state.signing_key)
        self._generation: Any = _UNKNOWN
        self._key_lock = threading.Lock()

    def _follow_key(self, store: Store) -> None:
        """Reload the signing key when another process rotated it (``rotate_signing_key``)."""
        generation = store.kv.get(KEY_GENERATION)
        if generation == self._generation:
            return
        with self._key_lock:
            if generation != self._generation:
                key = load_or_create_signing_key(self.state.settings.base)
                if key != self.state.signing_key:
                    self.state.signing_key = key
                    self.tokens = TokenVerifier(key)
                self._generation = generation

    def _principal(self, store: Store, token: str) -> Principal | None:
        claims = self.tokens.claims(token)
        if claims is None:
            return None
        user = store.users.token_holder(claims["sub"], str(claims["jti"]))
        if user is None or user["disabled"] or user["revoked"]:
            return None
        if float(claims["iat"]) < user["tokens_valid_after"]:
            return None  # issued before a password change, role change or disable
        return Principal(
            user["id"], user["email"], user["role"], str(claims["jti"]), float(claims["exp"])
        )

    async def _refused_for_the_store(
        self, exc: Exception, send: Send, realm: Realm, scope: Scope, headers: list[Any]
    ) -> bool:
        """Answer 503 when ``exc`` is the store being busy (with ``Retry-After``) or unusable (a
        server down, a lost connection); False, having sent nothing, for any other failure. The
        same rule before routing (the lease, the rate limit, the user) and inside an endpoint."""
        where = f"{scope['method']} {scope['path']}"
        if isinstance(exc, LoginNotCounted) or is_store_busy(exc):
            log.warning("store busy: refused %s (%s)", where, exc)
            await self._send_error(send, realm, 503, BUSY_MESSAGE, [*headers, *BUSY_HEADERS])
            return True
        if is_store_unavailable(exc):
            log.error("store unavailable: refused %s: %s", where, unavailable_reason(exc))
            refusal = [*headers, UNAVAILABLE_HEADER]
            await self._send_error(send, realm, 503, UNAVAILABLE_MESSAGE, refusal)
            return True
        return False

    def _realm(self, path: str) -> Realm:
        if self.web is None or path == "/api" or path.startswith("/api/"):
            return "api"
        return "static" if path.startswith(self.web.static_prefix) else "web"

    def _prepare_web(
        self, store: Store, scope: Scope, client: str
    ) -> tuple[AuthContext, Verdict | None, Any]:
        """A page's session and its count against the web budget (login attempts also against
        the login limit, shared with the API's)."""
        assert self.web is not None
        caller = self.web.identify(store, scope)
        verdict = self.state.limiter.check(
            store,
            bucket=caller.bucket or f"webip:{client}",
            client=client,
            login=scope["method"] == "POST" and scope["path"] == self.web.login_path,
            web=True,
        )
        return AuthContext(False, None), verdict, caller.session

    def _prepare(
        self, token: str | None, client: str, scope: Scope, realm: Realm
    ) -> tuple[Store, AuthContext, Verdict | None, Any]:
        """Runs in a worker thread: every blocking step before routing."""
        store = self.state.pool.acquire()
        path, method = scope["path"], scope["method"]
        try:
            if realm == "web":
                return store, *self._prepare_web(store, scope, client)
            login = method == "POST" and path in (LOGIN_PATH, PASSWORD_PATH)
            if token is not None or login:
                self._follow_key(store)
            principal = self._principal(store, token) if token is not None else None
            bucket = f"user:{principal.id}" if principal else f"ip:{client}"
            verdict = self.state.limiter.check(
                store,
                bucket=bucket,
                client=client,
                login=login,
                count=path not in UNCOUNTED_PATHS,
            )
        except BaseException:
            self.state.pool.release(store)
            raise
        return store, AuthContext(token is not None, principal), verdict, None

    def _security(self, realm: Realm, path: str) -> list[tuple[bytes, bytes]]:
        if realm == "web" and self.web is not None:
            return [NOSNIFF, NO_STORE, *self.web.page_headers]
        return _security_headers(path)

    async def _send_error(
        self,
        send: Send,
        realm: Realm,
        status: int,
        message: str,
        headers: list[tuple[bytes, bytes]],
    ) -> None:
        """The refusal as the caller reads it: an HTML page for the web, else the envelope."""
        if realm == "web" and self.web is not None:
            await _send_body(send, status, self.web.error_page(status, message), HTML_TYPE, headers)
        else:
            await _send_error(send, status, message, headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        realm = self._realm(scope["path"])
        if realm == "static":
            # Versioned file names: cacheable for long; not counted, no store, no session.
            await self.app(scope, receive, _adding_headers(send, [NOSNIFF, LONG_CACHE]))
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        token = bearer_token(_header(scope, b"authorization")) if realm == "api" else None
        security = self._security(realm, scope["path"])
        limit = self.state.settings.body_limit(scope["path"])
        if _declared_length(scope) > limit:
            # Refused before a byte of the body is read, the store leased or the request counted.
            await self._send_error(send, realm, 413, _too_large(limit), security)
            return
        try:
            store, auth, verdict, session = await to_thread.run_sync(
                self._prepare, token, client, scope, realm
            )
        except Exception as exc:
            if await self._refused_for_the_store(exc, send, realm, scope, security):
                return
            log.exception("cannot prepare %s %s", scope["method"], scope["path"])
            await self._send_error(send, realm, 500, "internal server error", security)
            return
        extra = [*security, *(verdict.headers() if verdict is not None else [])]
        try:
            if verdict is not None and verdict.exceeded:
                await self._send_error(
                    send,
                    realm,
                    429,
                    f"rate limit exceeded: {verdict.limit} requests per window; "
                    f"retry in {verdict.retry_after} s",
                    extra,
                )
                return
            state = scope.setdefault("state", {})
            state["store"] = store
            state["auth"] = auth
            state["web_session"] = session
            started = False
            cut_off = False
            received = 0

            async def limited_receive() -> Message:
                # A chunked body declares no length: count it as it streams in, and once it passes
                # the limit answer 413 and fail the app's read (its own answer is then dropped).
                nonlocal started, cut_off, received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit and not cut_off:
                        cut_off = True
                        if not started:
                            started = True
                            await self._send_error(send, realm, 413, _too_large(limit), extra)
                    if cut_off:
                        raise BodyTooLarge(limit)
                return message

            async def send_with_headers(message: Message) -> None:
                nonlocal started
                if cut_off:
                    return
                if message["type"] == "http.response.start":
                    started = True
                    headers = list(message.get("headers", ()))
                    present = {bytes(key).lower() for key, _ in headers}
                    headers += [(k, v) for k, v in extra if k not in present]
                    message = {**message, "headers": headers}
                await send(message)

            try:
                await self.app(scope, limited_receive, send_with_headers)
            except Exception as exc:
                if cut_off:
                    return
                if not started and await self._refused_for_the_store(
                    exc, send, realm, scope, extra
                ):
                    return
                log.exception("unhandled error on %s %s", scope["method"], scope["path"])
                if started:
                    raise
                await self._send_error(send, realm, 500, "internal server error", extra)
        finally:
            self.state.pool.release(store)


_UNKNOWN = object()


class BodyTooLarge(Exception):
    """The request body passed the server's limit while the app was reading it."""


def _too_large(limit: int) -> str:
    return f"request body too large: at most {limit:,} bytes allowed"


def _declared_length(scope: Scope) -> int:
    """The ``Content-Length`` the client declared; 0 when absent or not a number."""
    value = _header(scope, b"content-length")
    return int(value) if value is not None and value.strip().isdigit() else 0


async def _send_error(
    send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]]
) -> None:
    await _send_body(send, status, error_bytes(status, message), JSON_TYPE, headers)


async def _send_body(
    send: Send, status: int, body: bytes, content_type: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    start: dict[str, Any] = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", content_type),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body})


def _adding_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    """``send`` with ``extra`` added to the response's headers (those it already has win)."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            present = {bytes(key).lower() for key, _ in headers}
            headers += [(k, v) for k, v in extra if k not in present]
            message = {**message, "headers": headers}
        await send(message)

    return sending

"""The one middleware: store lease, caller identity, rate limit, headers, and the last-resort 500.

A plain ASGI middleware (not ``BaseHTTPMiddleware``, which costs a task and a stream per request).
For each HTTP request it, in one trip to the thread pool:

1. leases a store connection (``deps.StorePool``) that the endpoint then uses too;
2. verifies the bearer token, if any (``auth.TokenVerifier``), and loads its user (a disabled or
   removed user's token counts as invalid, and so does one logged out or issued before the user's
   ``tokens_valid_after``); before that, on a request with a token or a login, it compares the
   store's signing-key generation with its own and reloads the key after a rotation;
3. counts the request against the caller's rate-limit bucket.

A body over ``ApiSettings.max_body_bytes`` gets the 413 envelope: a declared ``Content-Length``
before anything is read, a chunked body as soon as the bytes received pass the limit (the app's
read then fails and whatever it answers is dropped). A refused request gets the 429 envelope
with ``Retry-After`` without reaching the app; a request
that meets the store locked by another process's write (longer than ``REQUEST_BUSY_TIMEOUT_MS``)
gets 503 with ``Retry-After``, and a login attempt that cannot be counted is refused that way before
its password is checked. Every response gets the ``X-RateLimit-*`` headers added as it starts, and
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
from typing import Any

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
    error_bytes,
    is_store_busy,
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
    def __init__(self, app: ASGIApp, state: ApiState) -> None:
        self.app = app
        self.state = state
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

    def _prepare(
        self, token: str | None, client: str, path: str, method: str
    ) -> tuple[Store, AuthContext, Verdict | None]:
        """Runs in a worker thread: every blocking step before routing."""
        store = self.state.pool.acquire()
        try:
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
        return store, AuthContext(token is not None, principal), verdict

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        token = bearer_token(_header(scope, b"authorization"))
        security = _security_headers(scope["path"])
        limit = self.state.settings.max_body_bytes
        if _declared_length(scope) > limit:
            # Refused before a byte of the body is read, the store leased or the request counted.
            await _send_error(send, 413, _too_large(limit), security)
            return
        try:
            store, auth, verdict = await to_thread.run_sync(
                self._prepare, token, client, scope["path"], scope["method"]
            )
        except Exception as exc:
            if isinstance(exc, LoginNotCounted) or is_store_busy(exc):
                log.warning("store busy: refused %s %s (%s)", scope["method"], scope["path"], exc)
                await _send_error(send, 503, BUSY_MESSAGE, [*security, *BUSY_HEADERS])
                return
            log.exception("cannot prepare %s %s", scope["method"], scope["path"])
            await _send_error(send, 500, "internal server error", security)
            return
        extra = [*security, *(verdict.headers() if verdict is not None else [])]
        try:
            if verdict is not None and verdict.exceeded:
                await _send_error(
                    send,
                    429,
                    f"rate limit exceeded: {verdict.limit} requests per window; "
                    f"retry in {verdict.retry_after} s",
                    extra,
                )
                return
            state = scope.setdefault("state", {})
            state["store"] = store
            state["auth"] = auth
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
                            await _send_error(send, 413, _too_large(limit), extra)
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
                if is_store_busy(exc) and not started:
                    log.warning("store busy on %s %s: %s", scope["method"], scope["path"], exc)
                    await _send_error(send, 503, BUSY_MESSAGE, [*extra, *BUSY_HEADERS])
                    return
                log.exception("unhandled error on %s %s", scope["method"], scope["path"])
                if started:
                    raise
                await _send_error(send, 500, "internal server error", extra)
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
    body = error_bytes(status, message)
    start: dict[str, Any] = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body})

"""Bearer tokens: HS256 JWTs signed with a key kept in the secrets backend, and role checks.

The signing key is generated once (``secrets.token_urlsafe(48)``, 384 bits) and stored in the
keyring or ``secrets.json`` under ``jwt-signing-key``; never in the database in clear, so a copy of
``sentinel.db`` cannot mint tokens. Creation takes a file lock in the home directory because
``--workers N`` processes start together and must all end up with the same key. With
``SENTINEL_SECRETS_BACKEND=store`` the key is sealed in the store, shared by every ``serve`` host,
and created with an insert-if-absent, so hosts starting together agree on one key.

A token carries ``sub`` (user id), ``role``, ``iat``, ``exp`` (12 hours later) and ``jti``. The role
that counts, though, is the user's *current* one: ``middleware.ApiMiddleware`` loads the user row
for every request with a valid token, so removing, disabling or demoting a user takes effect at once
rather than when their token expires.

Token lifecycle: ``iat`` and ``exp`` are Unix seconds with a fraction, so a token issued right after
a password change (which sets the user's ``tokens_valid_after`` to that moment) is told apart from
one issued just before, within the same second. Logout puts the token's ``jti`` on the store's
refused list. ``rotate_signing_key`` (``sentinel users rotate-signing-key``) replaces the key and
bumps ``KEY_GENERATION`` in the store; a running server compares that on every request with a
token or a login and reloads the key when it changed, so every token signed before is refused.
Expiry allows ``LEEWAY_SECONDS`` of clock skew, no more.
"""

from __future__ import annotations

import contextlib
import secrets as pysecrets
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from sentinel_cli.config import Settings
from sentinel_cli.errors import Forbidden, Unauthorized
from sentinel_cli.operations.store_secrets import StoreSecrets, open_secrets
from sentinel_cli.operations.users import role_rank
from sentinel_cli.secrets import SIGNING_KEY_NAME
from sentinel_cli.wire import User

KEY_GENERATION = "auth.signing_key_generation"
"""The ``kv_settings`` key that changes whenever the signing key is replaced."""
ALGORITHM = "HS256"
LEEWAY_SECONDS = 2


@contextlib.contextmanager
def _key_lock(settings: Settings) -> Iterator[None]:
    settings.ensure_home()
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: one process creates the key (serve does)
        yield
        return
    with open(settings.home / ".jwt-signing-key.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_or_create_signing_key(settings: Settings) -> str:
    """The JWT signing key from the secrets backend, created on first use."""
    store = open_secrets(settings)
    if isinstance(store, StoreSecrets):  # shared by every host: the first to write wins
        return store.setdefault(SIGNING_KEY_NAME, pysecrets.token_urlsafe(48))
    with _key_lock(settings):
        key = store.get(SIGNING_KEY_NAME)
        if not key:
            key = pysecrets.token_urlsafe(48)
            store.set(SIGNING_KEY_NAME, key)
    return key


def rotate_signing_key(settings: Settings) -> None:
    """Replace the signing key: every token issued so far stops working, on running servers too.

    The new key is stored before the generation changes, so a server that notices the change
    always reads the new key.
    """
    from sentinel_cli.store import open_store

    store = open_secrets(settings)
    with _key_lock(settings):
        store.set(SIGNING_KEY_NAME, pysecrets.token_urlsafe(48))
    with open_store(settings) as db, db.transaction():
        db.kv.set(KEY_GENERATION, uuid.uuid4().hex)
        db.activity.record("auth.key_rotated", "Rotated the token signing key")


def issue_token(key: str, user: User, *, ttl_seconds: int) -> str:
    now = time.time()
    claims = {
        "sub": user["id"],
        "role": user["role"],
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def decode_token(key: str, token: str) -> dict[str, Any] | None:
    """The claims of a valid, unexpired token signed with ``key``; ``None`` otherwise."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            leeway=LEEWAY_SECONDS,
            options={"require": ["sub", "exp", "iat", "jti"]},
        )
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims.get("sub"), str) else None


class TokenVerifier:
    """``decode_token`` that remembers the tokens it has already verified.

    Checking an HS256 signature costs about 70 microseconds, a tenth of a cached evidence-list
    response, and a client sends the same token with every request. A verified token's claims
    cannot change (a key rotation makes a new verifier), so a repeat only needs its expiry checked
    again. Revocation does not depend on this: the middleware still loads the user on every
    request. Bad tokens are not remembered; at ``max_entries`` the memory starts over.
    """

    def __init__(
        self, key: str, *, max_entries: int = 4096, clock: Callable[[], float] = time.time
    ) -> None:
        self._key = key
        self._max_entries = max_entries
        self._clock = clock
        self._verified: dict[str, dict[str, Any]] = {}

    def __repr__(self) -> str:
        return f"TokenVerifier({len(self._verified)} verified)"  # never the key

    def claims(self, token: str) -> dict[str, Any] | None:
        known = self._verified.get(token)
        if known is not None:
            return known if known["exp"] + LEEWAY_SECONDS > self._clock() else None
        claims = decode_token(self._key, token)
        if claims is not None and isinstance(claims.get("exp"), int | float):
            if len(self._verified) >= self._max_entries:
                self._verified.clear()
            self._verified[token] = claims
        return claims


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user behind the token, with their current role."""

    id: str
    email: str
    role: str
    jti: str = ""
    expires_at: float = 0.0
    """The token's ``exp``: how long a logout must keep its ``jti`` refused."""


@dataclass(frozen=True)
class AuthContext:
    """What the middleware found out about the caller before routing."""

    token_given: bool
    principal: Principal | None


# Declares the scheme in the OpenAPI document (the "Authorize" button of /api/docs); the token
# itself is read by the middleware.
_bearer_scheme = HTTPBearer(auto_error=False, description="A token from POST /api/auth/login")


def authorize(request: Request, role: str) -> Principal:
    """The caller, if the middleware found a valid token for a user with at least ``role``;
    401 without a token or with a bad one, 403 for a lower role."""
    context: AuthContext | None = request.scope.get("state", {}).get("auth")
    if context is None or not context.token_given:
        raise Unauthorized("authentication required: send Authorization: Bearer <token>")
    if context.principal is None:
        raise Unauthorized("invalid or expired token: log in again (POST /api/auth/login)")
    if role_rank(context.principal.role) < role_rank(role):
        raise Forbidden(f"this action needs the {role} role; you are {context.principal.role}")
    return context.principal


# The OpenAPI security requirement of a route that calls ``authorize`` itself instead of taking
# ``Viewer``/``Member``/``Admin`` (the hot read routes, where FastAPI's dependency resolution
# costs more than answering from the response cache).
BEARER_SECURITY: list[dict[str, list[str]]] = [{"HTTPBearer": []}]


def require(role: str) -> Callable[..., Awaitable[Principal]]:
    async def dependency(request: Request, _: Any = Depends(_bearer_scheme)) -> Principal:
        return authorize(request, role)

    dependency.__name__ = f"require_{role.lower()}"
    return dependency


Viewer = Annotated[Principal, Depends(require("VIEWER"))]
Member = Annotated[Principal, Depends(require("MEMBER"))]
Admin = Annotated[Principal, Depends(require("ADMIN"))]

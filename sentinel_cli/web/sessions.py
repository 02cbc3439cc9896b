"""Server-side sessions of the web dashboard: created at sign-in, ended at sign-out, revocable.

The browser holds a random session id (``secrets.token_urlsafe(32)``, 256 bits) in an HttpOnly
cookie; the store keeps only its SHA-256 (``store.web_sessions``). A session obeys the rules of a
bearer token (``api.middleware``), so whatever ends a user's tokens ends their web sessions too:

- its user is gone (removed), or disabled;
- it began before the user's ``tokens_valid_after`` (password change, role change, disable:
  ``operations.users`` sets it);
- the signing key was rotated since it began (``api.auth.rotate_signing_key`` changes the key's
  generation in the store; the session remembers the generation it began under);
- it is older than the token lifetime (``ApiSettings.token_ttl_seconds``), or signed out.

The session's CSRF token is derived from the session id (an HMAC keyed by it), so it is bound to
the session, needs no storage, and cannot be computed from the database, which holds only hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from sentinel_cli.api.auth import KEY_GENERATION
from sentinel_cli.store import Store
from sentinel_cli.wire import User

MAX_ID_LENGTH = 128
"""Longer cookie values are not ours: refused without a lookup."""
_CSRF_LABEL = b"sentinel web csrf token"


def new_secret() -> str:
    """A fresh random value for a session id or a pre-session CSRF token."""
    return secrets.token_urlsafe(32)


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def csrf_for(session_id: str) -> str:
    """The CSRF token of the session with this id."""
    return hmac.new(session_id.encode("utf-8"), _CSRF_LABEL, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class WebSession:
    """A valid session and its user, with the user's current role."""

    id_hash: str
    user_id: str
    email: str
    role: str
    csrf_token: str
    expires_at: float

    @property
    def bucket(self) -> str:
        """The session's rate-limit bucket (a prefix of the hash is unique enough)."""
        return f"session:{self.id_hash[:32]}"


def start_session(store: Store, user: User, *, ttl_seconds: int) -> str:
    """Begin a session for ``user`` (just authenticated); returns the id for the cookie."""
    session_id = new_secret()
    now = time.time()
    with store.transaction():
        store.web_sessions.prune(now=now)
        store.web_sessions.insert(
            id_hash=id_hash(session_id),
            user_id=user["id"],
            created_at=now,
            expires_at=now + ttl_seconds,
            generation_key=KEY_GENERATION,
        )
    return session_id


def resolve_session(
    store: Store, session_id: str, *, now: float | None = None
) -> WebSession | None:
    """The session with this id if it is still valid (see the module docstring), else ``None``."""
    if not session_id or len(session_id) > MAX_ID_LENGTH:
        return None
    digest = id_hash(session_id)
    row = store.web_sessions.holder(digest, generation_key=KEY_GENERATION)
    if row is None:
        return None
    moment = time.time() if now is None else now
    if (
        row["expires_at"] <= moment
        or row["disabled"]
        or float(row["created_at"]) < float(row["tokens_valid_after"])
        or row["key_generation"] != row["current_generation"]
    ):
        return None
    return WebSession(
        id_hash=digest,
        user_id=row["user_id"],
        email=row["email"],
        role=row["role"],
        csrf_token=csrf_for(session_id),
        expires_at=float(row["expires_at"]),
    )


def end_session(store: Store, session_id: str) -> None:
    """Sign out: the session is deleted, so its cookie is refused from now on."""
    if session_id and len(session_id) <= MAX_ID_LENGTH:
        store.web_sessions.delete(id_hash(session_id))

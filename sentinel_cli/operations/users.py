"""Users of ``sentinel serve``: add, list, remove, change role, enable/disable, authenticate.

Passwords are hashed with argon2id (argon2-cffi's defaults, the ``serve`` extra); argon2 is imported
inside the functions that hash, so ``sentinel users list`` and the CLI's start-up never load it.

Decisions:

- **Same answer, same time.** ``authenticate`` raises one ``Unauthorized("invalid email or
  password")`` for an unknown email, a wrong password and a disabled user, and in every case runs
  exactly one argon2 verification: an unknown email is verified against a dummy hash made with the
  same parameters (``warm_up`` computes it at server start so the first such login is not slower).
- **Someone can always administer.** Removing, demoting or disabling the last enabled ADMIN is a
  ``Conflict``: a team would otherwise lock itself out of user management (the CLI on the server
  could still fix it, but the API could not).
- **Plan limits** count enabled users: adding a user and re-enabling one go through
  ``billing.ensure_can_add_user`` inside the writing transaction.
- Users are deleted for real (the activity log keeps their email as the actor of what they did).
- **Changes end sessions.** A password change, a role change and disabling a user set the user's
  ``tokens_valid_after`` to now, so every token issued before is refused (the middleware compares
  it with the token's ``iat``, both Unix seconds with a fraction, so a token issued right after the
  change works). Re-enabling leaves it alone: tokens from before the disable stay dead.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from typing import Any

from sentinel_cli.errors import Conflict, InvalidInput, NotFound, SentinelError, Unauthorized
from sentinel_cli.operations import billing
from sentinel_cli.store import Store
from sentinel_cli.timeutil import now_iso
from sentinel_cli.wire import User

ROLES: tuple[str, ...] = ("VIEWER", "MEMBER", "ADMIN")
"""Lowest first: each role may do everything the roles before it may."""
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
_EMAIL_RE = re.compile(r"^[^@\s<>(),;:\"]+@[^@\s<>(),;:\"]+\.[^@\s<>(),;:\"]+$")


def is_email(value: str) -> bool:
    """One rule for every email Sentinel accepts: users, policy owners and approvers, the owners
    of accepted risks."""
    return len(value) <= 254 and bool(_EMAIL_RE.match(value))


LOGIN_REFUSED = "invalid email or password"

_dummy_lock = threading.Lock()
_dummy_hash: str | None = None


def _hasher() -> Any:
    try:
        from argon2 import PasswordHasher
    except ImportError as exc:  # pragma: no cover - the serve extra is missing
        raise SentinelError(
            "password hashing needs argon2-cffi, which is not installed",
            hint="pip install 'sentinel-compliance[serve]'",
        ) from exc
    return PasswordHasher()


def role_rank(role: str) -> int:
    return ROLES.index(role)


def parse_role(role: str | None) -> str:
    value = (role or "").strip().upper()
    if value not in ROLES:
        raise InvalidInput(
            f"unknown role {role!r}: expected one of ADMIN, MEMBER, VIEWER",
            hint="VIEWER reads; MEMBER also connects, collects and generates; ADMIN also manages "
            "users, billing and deletes",
        )
    return value


def parse_email(email: str | None) -> str:
    value = (email or "").strip()
    if not value:
        raise InvalidInput("--email is required")
    if not is_email(value):
        raise InvalidInput(f"{email!r} is not an email address", hint="e.g. you@example.com")
    return value


def check_password(password: str | None) -> str:
    value = password or ""
    if len(value) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters",
            hint="a passphrase of a few random words is long and easy to type",
        )
    if len(value) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"the password is longer than {MAX_PASSWORD_LENGTH} characters")
    if value != value.strip():
        raise InvalidInput("the password starts or ends with whitespace (a paste accident?)")
    return value


def hash_password(password: str) -> str:
    return str(_hasher().hash(password))


def warm_up() -> None:
    """Compute the dummy hash now (server start) so no login pays for it."""
    _dummy()


def _dummy() -> str:
    global _dummy_hash
    with _dummy_lock:
        if _dummy_hash is None:
            _dummy_hash = hash_password(uuid.uuid4().hex + uuid.uuid4().hex)
        return _dummy_hash


def user_shape(row: dict[str, Any]) -> User:
    return {
        "id": row["id"],
        "email": row["email"],
        "name": row.get("name"),
        "role": row["role"],
        "disabled": bool(row["disabled"]),
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "lastLoginAt": row.get("last_login_at"),
    }


def resolve_user(store: Store, ident: str) -> dict[str, Any]:
    """A user by id or by email (case-insensitive)."""
    value = (ident or "").strip()
    row = None
    if value:
        row = store.users.get_by_email(value) if "@" in value else store.users.get(value)
    if row is None:
        raise NotFound(
            f"no user with id or email {value!r}", hint="run 'sentinel users list' to see them"
        )
    return row


def has_users(store: Store) -> bool:
    return store.users.count() > 0


def add_user(
    store: Store,
    *,
    email: str,
    role: str,
    password: str,
    name: str | None = None,
    actor: str | None = None,
) -> User:
    """Create an enabled user; 409 when the email is taken, 403 beyond the plan's user limit."""
    address = parse_email(email)
    wanted = parse_role(role)
    check_password(password)
    display = (name or "").strip() or None
    if display is not None and len(display) > 200:
        raise InvalidInput("--name is longer than 200 characters")
    password_hash = hash_password(password)  # before the write lock: hashing takes ~50 ms
    user_id = str(uuid.uuid4())
    with store.transaction():
        if store.users.get_by_email(address) is not None:
            raise Conflict(
                f"a user with email {address} already exists",
                hint="change its role with: sentinel users set-role EMAIL ROLE",
            )
        billing.ensure_can_add_user(store)
        store.users.insert(
            user_id=user_id, email=address, role=wanted, password_hash=password_hash, name=display
        )
        store.activity.record(
            "user.added",
            f"Added user {address} ({wanted})",
            actor=actor,
            target_type="user",
            target_id=user_id,
            details={"role": wanted},
        )
    row = store.users.get(user_id)
    assert row is not None
    return user_shape(row)


def list_users(store: Store) -> list[User]:
    return [user_shape(r) for r in store.users.list()]


def get_user(store: Store, ident: str) -> User:
    return user_shape(resolve_user(store, ident))


def _refuse_losing_last_admin(store: Store, row: dict[str, Any], what: str) -> None:
    if row["role"] == "ADMIN" and not row["disabled"] and store.users.count_enabled_admins() <= 1:
        raise Conflict(
            f"{row['email']} is the only enabled ADMIN: {what} would leave nobody to manage users",
            hint="make another user ADMIN first: sentinel users set-role EMAIL ADMIN",
        )


def remove_user(store: Store, ident: str, *, actor: str | None = None) -> User:
    with store.transaction():
        row = resolve_user(store, ident)
        _refuse_losing_last_admin(store, row, "removing them")
        store.users.delete(row["id"])
        store.activity.record(
            "user.removed",
            f"Removed user {row['email']}",
            actor=actor,
            target_type="user",
            target_id=row["id"],
        )
    return user_shape(row)


def update_user(
    store: Store,
    ident: str,
    *,
    role: str | None = None,
    disabled: bool | None = None,
    actor: str | None = None,
) -> User:
    """Change a user's role and/or disabled flag (``PATCH /api/users/:id``)."""
    if role is None and disabled is None:
        raise InvalidInput("nothing to change: give a role, disabled, or both")
    wanted = parse_role(role) if role is not None else None
    with store.transaction():
        row = resolve_user(store, ident)
        changes: list[str] = []
        if wanted is not None and wanted != row["role"]:
            if wanted != "ADMIN":
                _refuse_losing_last_admin(store, row, f"making them {wanted}")
            store.users.set_role(row["id"], wanted)
            store.users.revoke_tokens(row["id"], time.time())
            changes.append(f"role {row['role']} -> {wanted}")
        if disabled is not None and disabled != row["disabled"]:
            if disabled:
                _refuse_losing_last_admin(store, row, "disabling them")
            else:
                billing.ensure_can_add_user(store)
            store.users.set_disabled(row["id"], disabled)
            if disabled:
                store.users.revoke_tokens(row["id"], time.time())
            changes.append("disabled" if disabled else "enabled")
        if changes:
            store.activity.record(
                "user.updated",
                f"Updated user {row['email']}: {', '.join(changes)}",
                actor=actor,
                target_type="user",
                target_id=row["id"],
                details={"role": wanted, "disabled": disabled},
            )
    updated = store.users.get(row["id"])
    assert updated is not None
    return user_shape(updated)


def set_role(store: Store, ident: str, role: str, *, actor: str | None = None) -> User:
    return update_user(store, ident, role=role, actor=actor)


def set_password(store: Store, ident: str, password: str, *, actor: str | None = None) -> User:
    """An ADMIN sets a user's password (``sentinel users set-password``); ends their sessions."""
    check_password(password)
    password_hash = hash_password(password)  # before the write lock: hashing takes ~50 ms
    with store.transaction():
        row = resolve_user(store, ident)
        _store_password(store, row, password_hash, actor=actor)
    updated = store.users.get(row["id"])
    assert updated is not None
    return user_shape(updated)


def change_password(
    store: Store, user_id: str, *, current_password: str, new_password: str
) -> User:
    """A user changes their own password, proving the current one (``POST /api/auth/password``);
    every token of theirs issued before, the one in use included, stops working."""
    from argon2.exceptions import InvalidHashError, VerificationError

    check_password(new_password)
    row = store.users.get(user_id)
    stored = store.users.get_with_hash(row["email"]) if row is not None else None
    given = current_password or ""
    if stored is None or len(given) > MAX_PASSWORD_LENGTH:
        raise InvalidInput("the current password is wrong")
    try:
        _hasher().verify(stored["password_hash"], given)
    except (VerificationError, InvalidHashError):
        raise InvalidInput("the current password is wrong") from None
    if new_password == given:
        raise InvalidInput("the new password is the same as the current one")
    password_hash = hash_password(new_password)
    with store.transaction():
        _store_password(store, stored, password_hash, actor=stored["email"])
    updated = store.users.get(user_id)
    assert updated is not None
    return user_shape(updated)


def _store_password(
    store: Store, row: dict[str, Any], password_hash: str, *, actor: str | None
) -> None:
    store.users.set_password_hash(row["id"], password_hash)
    store.users.revoke_tokens(row["id"], time.time())
    store.activity.record(
        "user.password_changed",
        f"Changed the password of {row['email']}",
        actor=actor,
        target_type="user",
        target_id=row["id"],
    )


def revoke_token(store: Store, jti: str, expires_at: float) -> None:
    """End one token (logout); it is kept on the refused list until ``expires_at``."""
    with store.transaction():
        store.users.revoke_token(jti, expires_at, time.time())


def authenticate(store: Store, *, email: str, password: str) -> User:
    """The enabled user with this email and password, else ``Unauthorized`` (same for every cause).

    Exactly one argon2 verification runs whatever the cause, so the answer's timing does not tell
    whether an email is registered.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = _hasher()
    address = (email or "").strip()
    row = store.users.get_with_hash(address) if address and len(address) <= 254 else None
    stored = row.get("password_hash") if row is not None else None
    given = password or ""
    usable = stored is not None and len(given) <= MAX_PASSWORD_LENGTH
    try:
        hasher.verify(stored if usable else _dummy(), given[:MAX_PASSWORD_LENGTH])
        verified = usable
    except (VerificationError, InvalidHashError):
        verified = False
    if row is None or not verified or row["disabled"]:
        raise Unauthorized(LOGIN_REFUSED)
    assert stored is not None
    at = now_iso()
    rehashed = hasher.hash(given) if hasher.check_needs_rehash(stored) else None
    with store.transaction():
        if rehashed is not None:  # argon2 parameters changed since the hash was made
            store.users.set_password_hash(row["id"], rehashed)
        store.users.touch_login(row["id"], at)
    return user_shape({**row, "last_login_at": at})

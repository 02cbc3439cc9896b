"""``/api/auth``: log in for a bearer token; ``/api/auth/me`` says who a token belongs to;
``/api/auth/logout`` ends the token it is sent with; ``/api/auth/password`` changes the caller's
password, ending every token of theirs, and answers with a fresh one.

Login failures are one 401 whatever the cause (see ``operations.users.authenticate``); the per-IP
login limit is applied by the middleware before this code runs.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from sentinel_cli.api.auth import LEEWAY_SECONDS, Viewer, issue_token
from sentinel_cli.api.deps import StateDep, StoreDep
from sentinel_cli.api.errors import ok
from sentinel_cli.api.models import ERRORS, LoginBody, PasswordBody, doc
from sentinel_cli.operations import users as ops

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=ERRORS)


@router.post("/login", **doc("Login", user=dict[str, Any], token=str))
def login(body: LoginBody, store: StoreDep, state: StateDep) -> JSONResponse:
    """Exchange an email and password for a JWT valid for 12 hours."""
    user = ops.authenticate(store, email=body.email, password=body.password)
    token = issue_token(state.signing_key, user, ttl_seconds=state.settings.token_ttl_seconds)
    return ok({"user": {k: user[k] for k in ("id", "email", "role")}, "token": token})


@router.get("/me", **doc("Me", user=dict[str, Any]))
def me(principal: Viewer, store: StoreDep) -> JSONResponse:
    """The user the token belongs to."""
    return ok({"user": ops.get_user(store, principal.id)})


@router.post("/logout", **doc("Logout", loggedOut=bool))
def logout(principal: Viewer, store: StoreDep) -> JSONResponse:
    """End the token this request carries: it gets 401 from now on (the user's other tokens
    keep working)."""
    ops.revoke_token(store, principal.jti, principal.expires_at + LEEWAY_SECONDS)
    return ok({"loggedOut": True})


@router.post("/password", **doc("ChangePassword", user=dict[str, Any], token=str))
def change_password(
    body: PasswordBody, principal: Viewer, store: StoreDep, state: StateDep
) -> JSONResponse:
    """Change the caller's password (the current one is required): every token of theirs issued
    before, this one included, stops working; the answer carries a new token."""
    user = ops.change_password(
        store, principal.id, current_password=body.currentPassword, new_password=body.newPassword
    )
    token = issue_token(state.signing_key, user, ttl_seconds=state.settings.token_ttl_seconds)
    return ok({"user": user, "token": token})

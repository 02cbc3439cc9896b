"""``/api/auth``: log in for a bearer token; ``/api/auth/me`` says who a token belongs to.

Login failures are one 401 whatever the cause (see ``operations.users.authenticate``); the per-IP
login limit is applied by the middleware before this code runs.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from sentinel_cli.api.auth import Viewer, issue_token
from sentinel_cli.api.deps import StateDep, StoreDep
from sentinel_cli.api.errors import ok
from sentinel_cli.api.models import ERRORS, LoginBody, doc
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

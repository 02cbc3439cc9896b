"""``/api/users``: user management, for ADMINs only. Thin over ``operations.users``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from sentinel_cli.api.auth import Admin
from sentinel_cli.api.deps import StoreDep
from sentinel_cli.api.errors import ok
from sentinel_cli.api.models import ERRORS, UserCreateBody, UserPatchBody, doc
from sentinel_cli.operations import users as ops

router = APIRouter(prefix="/api/users", tags=["users"], responses=ERRORS)
User = dict[str, Any]


@router.get("", **doc("UserList", users=list[User]))
def list_users(principal: Admin, store: StoreDep) -> JSONResponse:
    return ok({"users": ops.list_users(store)})


@router.post("", **doc("UserCreated", 201, user=User))
def add_user(body: UserCreateBody, principal: Admin, store: StoreDep) -> JSONResponse:
    """Add a user (counts against the plan's user limit)."""
    user = ops.add_user(
        store,
        email=body.email,
        role=body.role,
        password=body.password,
        name=body.name,
        actor=principal.email,
    )
    return ok({"user": user}, 201)


@router.get("/{user_id}", **doc("UserOne", user=User))
def get_user(user_id: str, principal: Admin, store: StoreDep) -> JSONResponse:
    return ok({"user": ops.get_user(store, user_id)})


@router.patch("/{user_id}", **doc("UserUpdated", user=User))
def update_user(
    user_id: str, body: UserPatchBody, principal: Admin, store: StoreDep
) -> JSONResponse:
    """Change a user's role and/or disable (or re-enable) them."""
    user = ops.update_user(
        store, user_id, role=body.role, disabled=body.disabled, actor=principal.email
    )
    return ok({"user": user})


@router.delete("/{user_id}", **doc("UserRemoved", user=User))
def remove_user(user_id: str, principal: Admin, store: StoreDep) -> JSONResponse:
    return ok({"user": ops.remove_user(store, user_id, actor=principal.email)})

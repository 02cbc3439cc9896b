"""``/api/exceptions``: accepted risks. MEMBERs add them; removing one is a delete (ADMIN)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from sentinel_cli.api.auth import Admin, Member, Viewer
from sentinel_cli.api.deps import StoreDep
from sentinel_cli.api.errors import ok
from sentinel_cli.api.models import ERRORS, ExceptionCreateBody, doc
from sentinel_cli.operations import exceptions as ops

router = APIRouter(prefix="/api/exceptions", tags=["exceptions"], responses=ERRORS)
Obj = dict[str, Any]


@router.get("", **doc("ExceptionList", exceptions=list[Obj]))
def list_exceptions(
    principal: Viewer, store: StoreDep, include_all: bool = Query(False, alias="all")
) -> JSONResponse:
    """Exceptions in force (``all=true``: also expired and removed ones)."""
    return ok(ops.list_exceptions(store, include_all=include_all))


@router.post("", **doc("ExceptionAdded", 201, exception=Obj))
def add_exception(body: ExceptionCreateBody, principal: Member, store: StoreDep) -> JSONResponse:
    """Accept a risk: a check's FAIL/WARNING items on matching resources stop counting until
    ``expires`` (inclusive)."""
    data = ops.add_exception(
        store,
        check_id=body.checkId,
        resource=body.resourcePattern,
        reason=body.reason,
        owner=body.owner,
        expires=body.expires,
        actor=principal.email,
    )
    return ok(data, 201)


@router.delete("/{exception_id}", **doc("ExceptionRemoved", exception=Obj))
def remove_exception(exception_id: str, principal: Admin, store: StoreDep) -> JSONResponse:
    """End an exception now (kept in the history)."""
    return ok(ops.remove_exception(store, exception_id, actor=principal.email))

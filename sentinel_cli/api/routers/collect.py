"""``POST /api/integrations/:id/collect``: the one composite route beside the table of use cases.

Starting a collection is two steps on the server: the job is recorded (409 while one of this
integration runs) and handed to the app's background runner, so the answer, 202, comes at once.
Clients follow the job with ``GET /api/jobs/:id`` (a row of the table).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from sentinel_cli.api.auth import Member
from sentinel_cli.api.deps import StateDep, StoreDep
from sentinel_cli.api.errors import ok
from sentinel_cli.api.models import ERRORS, CollectBody, doc

router = APIRouter(prefix="/api", tags=["integrations"], responses=ERRORS)


@router.post(
    "/integrations/{integration_id}/collect",
    **doc("CollectStarted", 202, job=dict[str, Any], message=str),
)
def start_collection(
    integration_id: str,
    principal: Member,
    store: StoreDep,
    state: StateDep,
    body: CollectBody | None = None,
) -> JSONResponse:
    """Start a collection in the background; 409 while one of this integration is running."""
    job = state.runner.begin(
        store,
        integration_id,
        trigger="api",
        actor=principal.email,
        since=body.since if body else None,
        until=body.until if body else None,
    )
    return ok({"job": job, "message": "Evidence collection started"}, 202)

"""``/api/evidence`` and ``/api/dashboard``: list with every filter, one item, stats, compliance,
and the dashboard. Multi-valued filters take repeated parameters or comma lists
(``status=FAIL&status=ERROR`` or ``status=FAIL,ERROR``), as the CLI's options do.

``failOn`` on the list (``FAIL,ERROR``, or ``none``) adds ``data.gate = {"failOn": [...],
"failing": N}``: how many matching, non-excepted items have one of those statuses across *all*
pages. It is the CI gate of ``sentinel evidence --fail-on``, so the CLI logged in to a server exits
exactly as it would on the server's store; without ``failOn`` the response is unchanged.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from sentinel_cli.api.auth import BEARER_SECURITY, Viewer, authorize
from sentinel_cli.api.deps import StoreDep, leased_store, state_of
from sentinel_cli.api.errors import ok
from sentinel_cli.api.models import ERRORS, MANY_STRINGS, ONE_STRING, doc, query_param
from sentinel_cli.operations import dashboard as dashboard_ops
from sentinel_cli.operations import evidence as ops

router = APIRouter(prefix="/api", tags=["evidence"], responses=ERRORS)
Obj = dict[str, Any]
AS_OF = Query(None, alias="asOf", description="State at the end of this date (YYYY-MM-DD)")
INTEGRATION = Query(None, alias="integrationId")

LIST_PARAMETERS = [
    query_param("status", "PASS, FAIL, WARNING, ERROR (repeat, or a comma list)", MANY_STRINGS),
    query_param(
        "category", "e.g. iam, encryption, logging (repeat, or a comma list)", MANY_STRINGS
    ),
    query_param("integrationId", "Only this integration", ONE_STRING),
    query_param("framework", "SOC2 or ISO27001", ONE_STRING),
    query_param("control", "e.g. CC6.1 or A.8.5", ONE_STRING),
    query_param("severity", "critical, high, medium, low, info", MANY_STRINGS),
    query_param(
        "limit",
        f"Items per page (default {ops.DEFAULT_LIMIT})",
        {"type": "integer", "minimum": 1, "maximum": ops.MAX_LIMIT},
    ),
    query_param("offset", "Items to skip (default 0)", {"type": "integer", "minimum": 0}),
    query_param("asOf", "State at the end of this date (YYYY-MM-DD)", ONE_STRING),
    query_param(
        "failOn",
        "Also count the matching, non-excepted items with these statuses over all pages "
        "(data.gate): e.g. FAIL,ERROR, or none",
        ONE_STRING,
    ),
]


@router.get(
    "/evidence",
    openapi_extra={"parameters": LIST_PARAMETERS, "security": BEARER_SECURITY},
    **doc("EvidenceList", evidence=list[Obj], pagination=Obj),
)
async def list_evidence(request: Request) -> Response:
    """Current evidence (or as of a date), worst first, with ``pagination {total, limit, offset}``.

    The query is handed to the operation as given, which parses and validates every value (400
    naming the allowed ones): FastAPI's per-parameter validation of these nine parameters cost more
    than a page of the list itself (the same reason the CLI's ``LeanCommand`` skips Typer's). For
    the same reason this route and the dashboard take no dependencies: they check the role with
    ``authorize`` and use the connection the middleware leased.
    """
    authorize(request, "VIEWER")
    store = leased_store(request)
    return await _cached(request, store, lambda: _list_body(store, request))


async def _cached(request: Request, store: Any, build: Any) -> Response:
    """The response body from the cache when the query and the store's generation match.

    The endpoint is async so a cache hit (one 25-microsecond fingerprint query) costs no thread
    hop; a miss builds the response in the thread pool as a sync endpoint would.
    """
    from starlette.concurrency import run_in_threadpool

    from sentinel_cli.timeutil import utcnow

    key = (
        request.url.path,
        tuple(sorted(request.query_params.multi_items())),
        utcnow().date().isoformat(),
        store.queries.generation(),
    )
    cache = state_of(request).cache
    body = cache.get(key)
    if body is None:
        body = bytes((await run_in_threadpool(build)).body)
        cache.put(key, body)
    return Response(body, media_type="application/json")


def _list_body(store: Any, request: Request) -> JSONResponse:
    query = request.query_params
    fail_on = query.get("failOn")
    listing = ops.evidence_listing(
        store,
        status=query.getlist("status") or None,
        category=query.getlist("category") or None,
        integration=query.get("integrationId"),
        framework=query.get("framework"),
        control=query.get("control"),
        severity=query.getlist("severity") or None,
        limit=query.get("limit"),
        offset=query.get("offset"),
        as_of=query.get("asOf"),
        fail_on=fail_on,
    )
    if fail_on is None:
        return ok(listing.data)
    gate = {"failOn": list(listing.fail_on), "failing": listing.failing}
    return ok({**listing.data, "gate": gate})


@router.get("/evidence/stats", **doc("EvidenceStats"))
def evidence_stats(
    principal: Viewer,
    store: StoreDep,
    integration_id: str | None = INTEGRATION,
    as_of: str | None = AS_OF,
) -> JSONResponse:
    """Counts of the current evidence by status, category and severity."""
    return ok(ops.evidence_stats(store, integration=integration_id, as_of=as_of))


@router.get("/evidence/compliance", **doc("Compliance"))
def evidence_compliance(
    principal: Viewer,
    store: StoreDep,
    framework: str | None = Query(None, description="SOC2 or ISO27001 (required)"),
    integration_id: str | None = INTEGRATION,
    as_of: str | None = AS_OF,
    all_ids: bool = Query(False, alias="allIds", description="Every evidence id per control"),
) -> JSONResponse:
    """Control-by-control status of a framework, with the score."""
    summary = ops.compliance_summary(
        store,
        framework=framework,  # type: ignore[arg-type]  # None -> the operation's 400
        integration=integration_id,
        as_of=as_of,
        evidence_ids_limit=None if all_ids else ops.EVIDENCE_IDS_LIMIT,
    )
    return ok(summary)


@router.get("/evidence/{evidence_id}", **doc("EvidenceOne", evidence=Obj))
def get_evidence(evidence_id: str, principal: Viewer, store: StoreDep) -> JSONResponse:
    """One item with raw data, control mappings, remediation and history."""
    return ok(ops.get_evidence(store, evidence_id))


DASHBOARD_PARAMETERS = [
    query_param(
        "days",
        f"Days in the timeline (default {dashboard_ops.TIMELINE_DAYS})",
        {"type": "integer", "minimum": 1, "maximum": dashboard_ops.MAX_DAYS},
    ),
]


@router.get(
    "/dashboard/stats",
    openapi_extra={"parameters": DASHBOARD_PARAMETERS, "security": BEARER_SECURITY},
    tags=["dashboard"],
    **doc("Dashboard"),
)
async def dashboard(request: Request) -> Response:
    """Overview, frameworks, categories, recent activity, issues, timeline and trend."""
    authorize(request, "VIEWER")
    store = leased_store(request)
    days = dashboard_ops.parse_days(request.query_params.get("days"))
    return await _cached(request, store, lambda: ok(dashboard_ops.dashboard(store, days=days)))

"""``/evidence``: the evidence list with the CLI's filters, paging, sorting and exports, and
``/evidence/{id}``: one item in full.

The list is ``operations.evidence.evidence_listing``, the operation behind ``sentinel evidence
list`` and ``GET /api/evidence``, with the filters of the URL (``filters``); the exports of the
current filter (``/evidence/export.csv``, ``.sarif``, ``.json``) are the same listing of every
matching item, rendered by the CLI's renderers (``render_listing``) or, for JSON, as the API's
items. A bad filter value shows the page with the operation's message and status 400. The filter
form works as a plain GET form; with htmx it swaps only the results (``evidence/_results.html``)
and pushes the canonical URL of the filter into the address bar.

The item is ``operations.evidence_item.get_evidence`` (``GET /api/evidence/{id}``): an unknown id
is the 404 page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from sentinel_cli.api.deps import leased_store
from sentinel_cli.errors import InvalidInput, NotFound
from sentinel_cli.frameworks import all_frameworks
from sentinel_cli.operations.evidence import EvidenceListing, evidence_listing, render_listing
from sentinel_cli.operations.evidence_item import get_evidence
from sentinel_cli.operations.evidence_query import DEFAULT_LIMIT, allowed_categories
from sentinel_cli.operations.integrations import list_integrations
from sentinel_cli.store.queries import ORDERS
from sentinel_cli.timeutil import utcnow
from sentinel_cli.web.auth import Viewer
from sentinel_cli.web.filters import PAGE_SIZES, EvidenceFilters
from sentinel_cli.web.paging import pagination
from sentinel_cli.web.routing import page_router
from sentinel_cli.web.templating import is_htmx, render
from sentinel_cli.wire import SEVERITIES, STATUSES

router = page_router()

EXPORTS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "sarif": "application/sarif+json",
    "json": "application/json",
}
SORT_LABELS = {"status": "Worst status first", "severity": "Highest severity first"}
assert set(SORT_LABELS) == set(ORDERS)


def _paging(listing: EvidenceListing, filters: EvidenceFilters) -> dict[str, Any]:
    def link(offset: int) -> str:
        return f"/evidence?{filters.query(offset=str(offset) if offset else '')}".rstrip("?")

    return pagination(listing.data["pagination"], len(listing.data["evidence"]), link)


@router.get("/evidence")
def evidence_list(request: Request, session: Viewer) -> Response:
    store = leased_store(request)
    filters = EvidenceFilters.from_query(request.query_params)
    listing, error, hint = None, None, None
    try:
        listing = evidence_listing(
            store,
            **filters.operation_args(),
            limit=filters.limit or None,
            offset=filters.offset or None,
            sort=filters.sort or None,
            fail_on="none",
        )
    except (InvalidInput, NotFound) as exc:
        error, hint = exc.message, exc.hint
    integrations = list_integrations(store)
    context = {
        "filters": filters,
        "listing": listing,
        "items": listing.data["evidence"] if listing else [],
        "paging": _paging(listing, filters) if listing else None,
        "error": error,
        "hint": hint,
        "integrations": integrations,
        "integration_names": {i["id"]: i["name"] for i in integrations},
        "frameworks": all_frameworks(),
        "categories": allowed_categories(store),
        "statuses": STATUSES,
        "severities": SEVERITIES,
        "sorts": SORT_LABELS,
        "page_sizes": PAGE_SIZES,
        "default_limit": DEFAULT_LIMIT,
        "default_sort": ORDERS[0],
        "export_query": filters.query(paging=False),
    }
    headers = (
        {"HX-Push-Url": f"/evidence?{filters.query()}".rstrip("?")} if is_htmx(request) else {}
    )
    return render(
        request,
        "evidence/list.html",
        context,
        title="Evidence",
        active="evidence",
        status=400 if error else 200,
        fragment="evidence/_results.html",
        headers=headers,
    )


def _json_document(listing: EvidenceListing) -> Iterator[str]:
    """``{"evidence": [...], "pagination": {...}}`` written one item at a time."""
    yield '{"evidence": ['
    separator = "\n"
    for item in listing.iter_items():
        yield separator + json.dumps(item, ensure_ascii=False)
        separator = ",\n"
    yield '\n], "pagination": ' + json.dumps(listing.data["pagination"]) + "}\n"


@router.get("/evidence/export.{fmt}")
def evidence_export(fmt: str, request: Request, session: Viewer) -> Response:
    """Every item matching the filters, as CSV, SARIF or JSON (a download)."""
    if fmt not in EXPORTS:
        raise NotFound(f"there is no {fmt!r} export: use csv, sarif or json")
    filters = EvidenceFilters.from_query(request.query_params)
    listing = evidence_listing(
        leased_store(request),
        **filters.operation_args(),
        output=fmt,
        all_items=fmt == "json",
        fail_on="none",
    )
    name = f"sentinel-evidence-{utcnow().strftime('%Y%m%d-%H%M%S')}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "json":
        return StreamingResponse(_json_document(listing), media_type=EXPORTS[fmt], headers=headers)
    return Response(render_listing(listing), media_type=EXPORTS[fmt], headers=headers)


@router.get("/evidence/{evidence_id}")
def evidence_item(evidence_id: str, request: Request, session: Viewer) -> Response:
    store = leased_store(request)
    item = get_evidence(store, evidence_id)["evidence"]
    integration = next(
        (i for i in list_integrations(store) if i["id"] == item["integrationId"]), None
    )
    labels = {fw.id: fw.label for fw in all_frameworks()}
    mapped = [
        (fid, labels.get(fid, fid), refs) for fid, refs in item["controlDetails"].items() if refs
    ]
    return render(
        request,
        "evidence/item.html",
        {"item": item, "integration": integration, "mapped": mapped},
        title=item["title"],
        active="evidence",
    )

"""``/compliance``: the frameworks; ``/compliance/{framework}``: every control with its status and
evidence counts (NOT_COVERED included), and for a framework with a Statement of Applicability
(ISO 27001) the SoA; ``/compliance/{framework}/{control}``: one control and its evidence.

The numbers are ``operations.compliance.compliance_summary`` (``GET /api/evidence/compliance``,
``sentinel evidence compliance``), asked for no evidence ids (the control page lists its evidence
with the paged listing instead, so a control with thousands of items costs one page). The SoA rows
follow the audit report's rules (``rendering.soa``). Framework and control ids are matched as the
CLI matches them (any case, aliases, ``8.5`` for ``A.8.5``); an unknown one is the 404 page.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sentinel_cli.api.deps import leased_store
from sentinel_cli.errors import InvalidInput, NotFound
from sentinel_cli.frameworks import Framework, all_frameworks, load_framework, normalize_control_id
from sentinel_cli.operations.compliance import compliance_summary
from sentinel_cli.operations.evidence import evidence_listing
from sentinel_cli.operations.integrations import list_integrations
from sentinel_cli.rendering.soa import implementation, justification
from sentinel_cli.web.auth import Viewer
from sentinel_cli.web.paging import pagination
from sentinel_cli.web.routing import page_router
from sentinel_cli.web.templating import render

router = page_router()

CONTROL_STATUSES = ("FAILING", "WARNING", "PASSING", "NOT_COVERED")
CONTROL_PAGE_SIZE = 50


def _framework(raw: str) -> Framework:
    try:
        return load_framework(raw)
    except InvalidInput as exc:
        raise NotFound(f"there is no framework {raw!r}", hint=exc.hint) from None


def _summary(request: Request, fw: Framework) -> dict[str, Any]:
    return compliance_summary(leased_store(request), framework=fw.id, evidence_ids_limit=0)


def _groups(fw: Framework, controls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Controls under their groups, in the framework's order (empty groups left out)."""
    by_group: dict[str, list[dict[str, Any]]] = {}
    for control in controls:
        by_group.setdefault(control["group"], []).append(control)
    return [
        {"id": g["id"], "title": g.get("title", ""), "controls": by_group[str(g["id"])]}
        for g in fw.groups
        if str(g["id"]) in by_group
    ]


def _soa_rows(controls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for control in controls:
        policies = control.get("policies") or []
        items = control["counts"]["total"] - len(policies)
        rows.append(
            {
                "id": control["id"],
                "title": control["title"],
                "justification": justification(items, len(policies)),
                "implementation": implementation(control["status"], control["counts"]),
                "item_count": items,
                "failing": control["counts"]["fail"],
                "policies": policies,
            }
        )
    return rows


@router.get("/compliance")
def compliance_index(request: Request, session: Viewer) -> Response:
    return render(
        request,
        "compliance/index.html",
        {"frameworks": all_frameworks()},
        title="Compliance",
        active="compliance",
    )


@router.get("/compliance/{framework}")
def compliance_framework(framework: str, request: Request, session: Viewer) -> Response:
    fw = _framework(framework)
    summary = _summary(request, fw)
    wanted = (request.query_params.get("status") or "").strip().upper()
    error = None
    if wanted and wanted not in CONTROL_STATUSES:
        error = f"status: unknown value {wanted!r}; allowed values: {', '.join(CONTROL_STATUSES)}"
        wanted = ""
    controls = [c for c in summary["controls"] if not wanted or c["status"] == wanted]
    return render(
        request,
        "compliance/framework.html",
        {
            "fw": fw,
            "summary": summary,
            "groups": _groups(fw, controls),
            "shown": len(controls),
            "wanted": wanted,
            "statuses": CONTROL_STATUSES,
            "soa": _soa_rows(summary["controls"]) if fw.soa else None,
            "error": error,
        },
        title=f"{fw.label} compliance",
        active="compliance",
        status=400 if error else 200,
    )


@router.get("/compliance/{framework}/{control}")
def compliance_control(framework: str, control: str, request: Request, session: Viewer) -> Response:
    fw = _framework(framework)
    try:
        control_id = normalize_control_id(fw.id, control)
    except InvalidInput as exc:
        raise NotFound(f"{fw.label} has no control {control!r}", hint=exc.hint) from None
    store = leased_store(request)
    entry = next(c for c in _summary(request, fw)["controls"] if c["id"] == control_id)
    listing = evidence_listing(
        store,
        framework=fw.id,
        control=control_id,
        limit=CONTROL_PAGE_SIZE,
        offset=request.query_params.get("offset") or None,
        fail_on="none",
    )
    base = f"/compliance/{fw.id}/{control_id}"
    page = pagination(
        listing.data["pagination"],
        len(listing.data["evidence"]),
        lambda offset: f"{base}?offset={offset}" if offset else base,
    )
    return render(
        request,
        "compliance/control.html",
        {
            "fw": fw,
            "control": entry,
            "description": fw.controls[control_id].description,
            "items": listing.data["evidence"],
            "paging": page,
            "integration_names": {i["id"]: i["name"] for i in list_integrations(store)},
        },
        title=f"{fw.label} {control_id}",
        active="compliance",
    )

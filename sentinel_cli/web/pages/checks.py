"""``/checks``: the check catalogue (what Sentinel verifies), filtered by provider, framework,
control, severity and category as query parameters; ``/checks/{id}``: one check with its
description, remediation and the controls it gives evidence for.

Both are the API's use cases (``list_checks``, ``get_check``: ``GET /api/checks``), which read the
shipped catalogues only. A bad filter value shows the page with the operation's message (400).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sentinel_cli.checks import PROVIDERS
from sentinel_cli.errors import InvalidInput, NotFound
from sentinel_cli.frameworks import all_frameworks
from sentinel_cli.web.auth import Viewer
from sentinel_cli.web.calls import call
from sentinel_cli.web.routing import page_router
from sentinel_cli.web.templating import render
from sentinel_cli.wire import SEVERITIES

router = page_router()

FILTERS = ("provider", "framework", "control", "severity", "category")


@router.get("/checks")
def checks_page(request: Request, session: Viewer) -> Response:
    chosen = {name: (request.query_params.get(name) or "").strip() for name in FILTERS}
    error: InvalidInput | NotFound | None = None
    listed: dict[str, Any] = {"checks": [], "total": 0}
    try:
        listed = call(request, session, "list_checks", **{k: v or None for k, v in chosen.items()})
    except (InvalidInput, NotFound) as exc:
        error = exc
    catalogue = call(request, session, "list_checks")["checks"]  # in memory: cheap
    categories = sorted({c["category"] for c in catalogue})
    return render(
        request,
        "checks/list.html",
        {
            "checks": listed["checks"],
            "total": listed["total"],
            "chosen": chosen,
            "filtered": any(chosen.values()),
            "error": error,
            "providers": [p.upper() for p in PROVIDERS],
            "frameworks": all_frameworks(),
            "severities": SEVERITIES,
            "categories": categories,
        },
        title="Checks",
        active="checks",
        status=400 if error else 200,
    )


@router.get("/checks/{check_id}")
def check_page(check_id: str, request: Request, session: Viewer) -> Response:
    check = call(request, session, "get_check", check_id=check_id)["check"]
    labels = {fw.id: fw.label for fw in all_frameworks()}
    mapped = [
        (fid, labels.get(fid, fid), refs) for fid, refs in check["controlDetails"].items() if refs
    ]
    return render(
        request,
        "checks/detail.html",
        {"check": check, "mapped": mapped},
        title=check["title"],
        active="checks",
    )

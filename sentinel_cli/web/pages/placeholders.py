"""Pages of the navigation bar that are not built yet: each answers with a short page pointing at
the CLI command and API route that give the same information, behind the same role as its link.

A page module that implements one of these removes its row from ``PENDING``.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends
from starlette.requests import Request
from starlette.responses import Response

from sentinel_cli.web.auth import require
from sentinel_cli.web.nav import link
from sentinel_cli.web.routing import page_router
from sentinel_cli.web.templating import render

router = page_router()

PENDING: tuple[tuple[str, str, str], ...] = (
    # (nav key, CLI command, API route)
    ("integrations", "sentinel integrations list", "/api/integrations"),
    ("policies", "sentinel policies list", "/api/policies"),
    ("reports", "sentinel reports list", "/api/reports"),
    ("checks", "sentinel checks list", "/api/checks"),
    ("exceptions", "sentinel exceptions list", "/api/exceptions"),
    ("billing", "sentinel billing status", "/api/billing/subscription"),
    ("users", "sentinel users list", "/api/users"),
)


def _placeholder(key: str, command: str, api_path: str) -> Callable[[Request], Response]:
    nav_link = link(key)

    def endpoint(request: Request) -> Response:
        return render(
            request,
            "placeholder.html",
            {"command": command, "api_path": api_path},
            title=nav_link.label,
            active=key,
        )

    endpoint.__name__ = f"{key}_page"
    return endpoint


for _key, _command, _api_path in PENDING:
    router.add_api_route(
        link(_key).path,
        _placeholder(_key, _command, _api_path),
        methods=["GET"],
        dependencies=[Depends(require(link(_key).role))],
    )

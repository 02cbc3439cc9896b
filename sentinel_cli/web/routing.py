"""``page_router``: the router every page module registers its routes on.

It puts ``csrf.csrf_guard`` in front of every route, so a state-changing request is checked before
the route's own dependencies (the sign-in and role checks of ``auth``) or body run, keeps the
pages out of the API's OpenAPI document, and tags them, so the error handlers (``errors``) answer
any failure of a page with an HTML page rather than the API's JSON envelope.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from starlette.routing import BaseRoute

from sentinel_cli.web.csrf import csrf_guard

WEB_TAG = "web"


def page_router() -> APIRouter:
    return APIRouter(
        tags=[WEB_TAG],
        include_in_schema=False,
        dependencies=[Depends(csrf_guard)],
        default_response_class=HTMLResponse,
    )


def is_page_route(route: BaseRoute | None) -> bool:
    """Whether ``route`` (``scope["route"]``) belongs to the dashboard."""
    return WEB_TAG in (getattr(route, "tags", None) or ())

"""The dashboard's pages, one module each; ``ROUTERS`` is the order they are registered in.

A module defines ``router = page_router()`` and its routes. Fixed paths come before ``{id}``
paths of the same prefix (Starlette matches in order), and ``placeholders`` comes last: a page
that replaces one of its entries removes that entry there.
"""

from __future__ import annotations

from fastapi import APIRouter

from sentinel_cli.web.pages import auth, compliance, dashboard, evidence, placeholders

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    dashboard.router,
    evidence.router,
    compliance.router,
    placeholders.router,
)

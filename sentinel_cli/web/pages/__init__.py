"""The dashboard's pages, one module each; ``ROUTERS`` is the order they are registered in.

A module defines ``router = page_router()`` and its routes. Fixed paths come before ``{id}``
paths of the same prefix (Starlette matches in order): ``/evidence/export.csv`` before
``/evidence/{id}``, ``/integrations/connect/github`` before ``/integrations/{id}``.
"""

from __future__ import annotations

from fastapi import APIRouter

from sentinel_cli.web.pages import (
    auth,
    billing,
    checks,
    compliance,
    dashboard,
    evidence,
    exceptions,
    integrations,
    notifications,
    policies,
    reports,
    users,
)

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    dashboard.router,
    evidence.router,
    compliance.router,
    integrations.router,
    policies.router,
    reports.router,
    checks.router,
    exceptions.router,
    billing.router,
    users.router,
    notifications.router,
)

"""``/api/checks``: the check catalogue (what is verified, severity, control mappings, remediation).

Multi-valued filters take repeated parameters or comma lists (``severity=critical&severity=high``
or ``severity=critical,high``), as the CLI's options do.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sentinel_cli.api.auth import Viewer
from sentinel_cli.api.errors import ok
from sentinel_cli.api.models import ERRORS, MANY_STRINGS, ONE_STRING, doc, query_param
from sentinel_cli.operations import checks

router = APIRouter(prefix="/api/checks", tags=["checks"], responses=ERRORS)
Obj = dict[str, Any]

LIST_PARAMETERS = [
    query_param("provider", "AWS or GITHUB (repeat, or a comma list)", MANY_STRINGS),
    query_param("framework", "Only checks mapped to SOC2 or ISO27001", ONE_STRING),
    query_param("control", "Only checks mapped to this control (needs framework)", ONE_STRING),
    query_param(
        "severity", "critical, high, medium, low, info (repeat, or a comma list)", MANY_STRINGS
    ),
    query_param(
        "category", "e.g. iam, encryption, logging (repeat, or a comma list)", MANY_STRINGS
    ),
]


@router.get(
    "",
    openapi_extra={"parameters": LIST_PARAMETERS},
    **doc("CheckList", checks=list[Obj], total=int),
)
def list_checks(principal: Viewer, request: Request) -> JSONResponse:
    """Every check Sentinel runs, filtered; each with its SOC 2 and ISO 27001 controls."""
    query = request.query_params
    return ok(
        checks.list_checks(
            provider=query.getlist("provider") or None,
            framework=query.get("framework"),
            control=query.get("control"),
            severity=query.getlist("severity") or None,
            category=query.getlist("category") or None,
        )
    )


@router.get("/{check_id}", **doc("CheckOne", check=Obj))
def get_check(check_id: str, principal: Viewer) -> JSONResponse:
    """One check with its description, remediation and the titles of its controls."""
    return ok(checks.get_check(check_id))

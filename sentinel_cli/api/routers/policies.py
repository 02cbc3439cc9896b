"""``/api/policies``: templates, generation, listing, approval and download (Markdown or PDF)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from sentinel_cli.api.auth import Admin, Member, Viewer
from sentinel_cli.api.deps import StoreDep
from sentinel_cli.api.errors import ok
from sentinel_cli.api.models import ERRORS, PolicyApproveBody, PolicyGenerateBody, doc
from sentinel_cli.operations import policies

router = APIRouter(prefix="/api/policies", tags=["policies"], responses=ERRORS)
Obj = dict[str, Any]


@router.get("/templates", **doc("Templates", templates=list[Obj]))
def templates(principal: Viewer) -> JSONResponse:
    """Policy templates with the SOC 2 and ISO 27001 controls each satisfies."""
    return ok({"templates": policies.list_templates()})


@router.post("/generate", **doc("PolicyGenerated", 201, policy=Obj, warnings=list[str]))
def generate(body: PolicyGenerateBody, principal: Member, store: StoreDep) -> JSONResponse:
    """Generate the next version (DRAFT) of a policy from a template and ``customData``.

    Required fields nobody supplied are shown as placeholders and listed in ``missingFields``.
    """
    result = policies.generate_policy(
        store,
        template_id=body.templateId,
        custom_data=body.customData,
        owner=body.owner,
        actor=principal.email,
    )
    return ok(result, 201)


@router.get("", **doc("PolicyList", policies=list[Obj]))
def list_policies(
    principal: Viewer, store: StoreDep, allVersions: bool = Query(False)
) -> JSONResponse:
    """Each template's latest generated version (``allVersions=true``: every version)."""
    return ok({"policies": policies.list_policies(store, all_versions=allVersions)})


@router.get("/{policy_id}", **doc("PolicyOne", policy=Obj))
def get_policy(policy_id: str, principal: Viewer, store: StoreDep) -> JSONResponse:
    return ok({"policy": policies.get_policy(store, policy_id)})


@router.post("/{policy_id}/approve", **doc("PolicyApproved", policy=Obj))
def approve(
    policy_id: str, principal: Admin, store: StoreDep, body: PolicyApproveBody | None = None
) -> JSONResponse:
    """Approve the latest version (the approver defaults to the caller); refused (400) while
    ``missingFields`` is not empty."""
    item = policies.approve_policy(
        store,
        policy_id,
        approver=(body.approver if body and body.approver else principal.email),
        review_months=body.reviewMonths if body else None,
        actor=principal.email,
    )
    return ok({"policy": item})


@router.get(
    "/{policy_id}/download",
    response_class=Response,
    responses={
        200: {
            "description": "The document",
            "content": {"text/markdown": {}, "application/pdf": {}},
        }
    },
)
def download(
    policy_id: str,
    principal: Viewer,
    store: StoreDep,
    format: Literal["md", "pdf"] = Query("md"),
) -> Response:
    """The policy as Markdown (``format=md``) or PDF (``format=pdf``)."""
    doc_ = policies.download_policy(store, policy_id, format=format)
    return Response(
        doc_.content,
        media_type=doc_.media_type,
        headers={"Content-Disposition": f'attachment; filename="{doc_.filename}"'},
    )

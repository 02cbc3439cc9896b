"""``/api/integrations`` and ``/api/jobs``: connect, list, remove, collect in the background, jobs.

The connect bodies take the spec's fields plus the CLI's other options in camelCase; the GitHub
allow-lists and review period are stored as the CLI stores them, so both front ends produce the same
integration. Collection answers 202 at once (see ``api.jobs``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from sentinel_cli.api.auth import Admin, Member, Viewer
from sentinel_cli.api.deps import StateDep, StoreDep
from sentinel_cli.api.errors import ok
from sentinel_cli.api.models import (
    ERRORS,
    AwsConnectBody,
    CollectBody,
    ErrorEnvelope,
    GithubConnectBody,
    doc,
)
from sentinel_cli.operations import collect, integrations

router = APIRouter(prefix="/api", tags=["integrations"], responses=ERRORS)
Item = dict[str, Any]
BAD_GATEWAY: dict[int | str, dict[str, Any]] = {
    502: {"model": ErrorEnvelope, "description": "The provider could not be reached"}
}


@router.get("/integrations", **doc("IntegrationList", integrations=list[Item]))
def list_integrations(principal: Viewer, store: StoreDep) -> JSONResponse:
    """Integrations with their status, last sync time and evidence count."""
    return ok({"integrations": integrations.list_integrations(store)})


@router.post(
    "/integrations/aws/connect",
    **doc("AwsConnected", 201, more_responses=BAD_GATEWAY, integration=Item),
)
def connect_aws(
    body: AwsConnectBody, principal: Member, store: StoreDep, state: StateDep
) -> JSONResponse:
    """Connect an AWS account (access keys, a server-side profile, a role, or the default chain)."""
    item = integrations.connect_aws(
        store,
        state.secrets,
        name=body.name,
        region=body.region,
        regions=body.regions,
        access_key_id=body.accessKeyId,
        secret_access_key=body.secretAccessKey,
        profile=body.profile,
        role_arn=body.roleArn,
        external_id=body.externalId,
        endpoint_url=body.endpointUrl,
        verify=body.verify,
        actor=principal.email,
    )
    return ok({"integration": item}, 201)


@router.post(
    "/integrations/github/connect",
    **doc("GithubConnected", 201, more_responses=BAD_GATEWAY, integration=Item),
)
def connect_github(
    body: GithubConnectBody, principal: Member, store: StoreDep, state: StateDep
) -> JSONResponse:
    """Connect a GitHub organisation (github.com, GHES or a compatible API via baseUrl)."""
    item = integrations.connect_github(
        store,
        state.secrets,
        org=body.orgName,
        token=body.token,
        name=body.name,
        base_url=body.baseUrl,
        verify=body.verify,
        settings={
            "allowedOutsideCollaborators": body.allowedOutsideCollaborators,
            "allowedPublicRepositories": body.allowedPublicRepositories,
            "reviewPeriodDays": body.reviewPeriodDays,
        },
        actor=principal.email,
    )
    return ok({"integration": item}, 201)


@router.get("/integrations/{integration_id}", **doc("IntegrationOne", integration=Item))
def get_integration(integration_id: str, principal: Viewer, store: StoreDep) -> JSONResponse:
    return ok({"integration": integrations.get_integration(store, integration_id)})


@router.delete("/integrations/{integration_id}", **doc("IntegrationRemoved", integration=Item))
def remove_integration(
    integration_id: str, principal: Admin, store: StoreDep, state: StateDep
) -> JSONResponse:
    """Remove an integration and its secret; its evidence stays for past audit periods."""
    item = integrations.remove_integration(
        store, state.secrets, integration_id, actor=principal.email
    )
    return ok({"integration": item})


@router.post(
    "/integrations/{integration_id}/collect",
    **doc("CollectStarted", 202, job=Item, message=str),
)
def start_collection(
    integration_id: str,
    principal: Member,
    store: StoreDep,
    state: StateDep,
    body: CollectBody | None = None,
) -> JSONResponse:
    """Start a collection in the background; 409 while one of this integration is running."""
    options = collect.validate_options(
        since=body.since if body else None, until=body.until if body else None
    )
    job = collect.start_collection(
        store, integration_id, trigger="api", options=options, actor=principal.email
    )
    state.runner.submit(job["id"], options=options, actor=principal.email)
    return ok({"job": job, "message": "Evidence collection started"}, 202)


@router.get("/integrations/{integration_id}/jobs", **doc("JobList", jobs=list[Item]))
def list_jobs(
    integration_id: str,
    principal: Viewer,
    store: StoreDep,
    limit: int = Query(20, ge=1, le=1000),
) -> JSONResponse:
    """The integration's collection jobs, newest first."""
    return ok({"jobs": integrations.list_jobs(store, integration_id, limit=limit)})


@router.get("/jobs/{job_id}", **doc("JobOne", job=Item))
def get_job(job_id: str, principal: Viewer, store: StoreDep) -> JSONResponse:
    return ok({"job": integrations.get_job(store, job_id)})

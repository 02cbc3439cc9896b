"""``/policies``: the policy templates with each one's latest generated version; a form per template
with the fields the template declares (``/policies/generate/{template}``); one policy's page with
its text, versions, approval and downloads (``/policies/{id}``).

Every step is a use case of the API, called through ``calls.call``: ``list_templates``,
``list_policies``, ``get_profile``, ``generate_policy`` (MEMBER), ``get_policy``,
``approve_policy`` (ADMIN), ``download_policy`` (Markdown or PDF). As there, a required field left
empty does not refuse generation: the draft shows a placeholder and lists it in ``missingFields``,
and approval waits until a later version fills it (the page says so instead of offering an
approval the operation would refuse). Empty form fields are not sent, so the company profile and
the template's defaults apply to them, as for ``sentinel policies generate``.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sentinel_cli.errors import NotFound, SentinelError, StoreUnavailable
from sentinel_cli.web.auth import Admin, Member, Viewer
from sentinel_cli.web.calls import call, download
from sentinel_cli.web.forms import read_form
from sentinel_cli.web.routing import page_router
from sentinel_cli.web.sessions import WebSession
from sentinel_cli.web.templating import render
from sentinel_cli.wire import PolicyTemplate

router = page_router()

INPUT_TYPES = {"string": "text", "integer": "number", "email": "email", "date": "date"}
"""How a template field's type is typed in a browser; ``list`` is comma-separated text."""
DOWNLOADS = {"md": "Markdown", "pdf": "PDF"}


ACRONYMS = {"hr": "HR", "bcdr": "BC/DR", "tls": "TLS", "rpo": "RPO", "rto": "RTO"}
UNITS = ("minutes", "hours", "days", "months")


def label_for(name: str) -> str:
    """A field's label from its camelCase name: ``securityOfficerEmail`` -> ``Security officer
    email``, ``rtoHours`` -> ``RTO (hours)``."""
    words = [w.lower() for w in re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).split()]
    unit = words.pop() if len(words) > 1 and words[-1] in UNITS else None
    text = " ".join(ACRONYMS.get(w, w) for w in words)
    text = text[:1].upper() + text[1:]
    return f"{text} ({unit})" if unit else text


def _form_fields(template: PolicyTemplate, profile: dict[str, Any]) -> list[dict[str, Any]]:
    fields = []
    for spec in template["fields"]:
        default = spec["default"]
        if isinstance(default, list):
            default = ", ".join(str(v) for v in default)
        saved = profile.get(spec["name"])
        if isinstance(saved, list):
            saved = ", ".join(str(v) for v in saved)
        fields.append(
            {
                **spec,
                "label": label_for(spec["name"]),
                "input": INPUT_TYPES.get(spec["type"], "text"),
                "default_text": None if default is None else str(default),
                "profile_text": None if saved is None else str(saved),
            }
        )
    return fields


def _template(request: Request, session: WebSession, template_id: str) -> PolicyTemplate:
    templates: list[PolicyTemplate] = call(request, session, "list_templates")
    wanted = template_id.strip().lower()
    found = next((t for t in templates if t["id"] == wanted), None)
    if found is None:
        raise NotFound(
            f"there is no policy template {template_id!r}",
            hint="the templates are listed on the Policies page",
        )
    return found


@router.get("/policies")
def policies_page(request: Request, session: Viewer) -> Response:
    templates = call(request, session, "list_templates")
    latest = {p["templateId"]: p for p in call(request, session, "list_policies")}
    return render(
        request,
        "policies/list.html",
        {"templates": templates, "latest": latest},
        title="Policies",
        active="policies",
    )


def _generate_page(
    request: Request,
    session: WebSession,
    template_id: str,
    *,
    values: dict[str, str] | None = None,
    error: SentinelError | None = None,
    status: int = 200,
) -> Response:
    template = _template(request, session, template_id)
    profile = call(request, session, "get_profile")
    return render(
        request,
        "policies/generate.html",
        {
            "template": template,
            "fields": _form_fields(template, profile),
            "values": values or {},
            "error": error,
        },
        title=f"Generate: {template['title']}",
        active="policies",
        status=status,
    )


@router.get("/policies/generate/{template_id}")
def generate_form(template_id: str, request: Request, session: Member) -> Response:
    return _generate_page(request, session, template_id)


@router.post("/policies/generate/{template_id}")
async def generate(template_id: str, request: Request, session: Member) -> Response:
    form = await read_form(request)
    template = await run_in_threadpool(_template, request, session, template_id)
    names = [spec["name"] for spec in template["fields"]]
    typed = {name: form.get(f"field_{name}", "") for name in names}
    owner = (form.get("owner") or "").strip()
    custom = {name: value.strip() for name, value in typed.items() if value.strip()}
    try:
        generated = await run_in_threadpool(
            call,
            request,
            session,
            "generate_policy",
            template_id=template["id"],
            custom_data=custom,
            owner=owner or None,
        )
    except SentinelError as exc:
        if isinstance(exc, StoreUnavailable):
            raise
        return await run_in_threadpool(
            _generate_page,
            request,
            session,
            template_id,
            values={**typed, "owner": owner},
            error=exc,
            status=exc.http_status,
        )
    return RedirectResponse(f"/policies/{generated['policy']['id']}", status_code=303)


def _policy_page(
    request: Request,
    session: WebSession,
    policy_id: str,
    *,
    error: SentinelError | None = None,
    status: int = 200,
) -> Response:
    policy = call(request, session, "get_policy", policy_id=policy_id)
    revisions = policy.get("revisions") or []
    newest = max((r["version"] for r in revisions), default=policy["version"])
    return render(
        request,
        "policies/detail.html",
        {
            "policy": policy,
            "revisions": sorted(revisions, key=lambda r: r["version"], reverse=True),
            "is_latest": policy["version"] == newest,
            "downloads": DOWNLOADS,
            "label_for": label_for,
            "error": error,
        },
        title=f"{policy['title']} v{policy['version']}",
        active="policies",
        status=status,
    )


@router.get("/policies/{policy_id}")
def policy_page(policy_id: str, request: Request, session: Viewer) -> Response:
    return _policy_page(request, session, policy_id)


@router.post("/policies/{policy_id}/approve")
def approve(policy_id: str, request: Request, session: Admin) -> Response:
    """Approve the latest version (again, to record a review); the approver is the caller."""
    try:
        approved = call(request, session, "approve_policy", policy_id=policy_id)
    except SentinelError as exc:
        if isinstance(exc, StoreUnavailable) or exc.http_status == 404:
            raise
        return _policy_page(request, session, policy_id, error=exc, status=exc.http_status)
    return RedirectResponse(f"/policies/{approved['id']}", status_code=303)


@router.get("/policies/{policy_id}/download.{fmt}")
def download_policy(policy_id: str, fmt: str, request: Request, session: Viewer) -> Response:
    if fmt not in DOWNLOADS:
        raise NotFound(f"there is no {fmt!r} download: use md or pdf")
    return download(call(request, session, "download_policy", policy_id=policy_id, format=fmt))

"""Calling an operation from a page exactly as the API's route for it does.

The table of use cases (``operations.usecases``) declares each operation the API offers: its
function, the lowest role, the limits on its text values and what it needs besides its parameters
(store, secrets backend, actor, role, the server's outbound rule). ``call`` runs a row with
``usecases.invoke`` and a context built from the page's session, as ``api.routes`` builds one from
the API principal, so a page and ``POST /api/...`` run the same function with the same checks and
refuse the same input with the same message. Only the composite steps the table leaves out
(starting a collection on the server's runner, verifying a report file) are called directly by
their pages.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sentinel_cli.api.deps import leased_store, state_of
from sentinel_cli.api.jobs import run_use_case
from sentinel_cli.operations.policies import PolicyDocument
from sentinel_cli.operations.usecases import BY_NAME, Context
from sentinel_cli.web.auth import PageForbidden, can
from sentinel_cli.web.sessions import WebSession


def context(request: Request, session: WebSession) -> Context:
    state = state_of(request)
    return Context(
        store=lambda: leased_store(request),
        secrets=lambda: state.secrets,
        actor=session.email,
        role=session.role,
        egress=state.egress,
    )


def role_of(name: str) -> str:
    """The lowest role the API asks for this use case (the page's route asks for the same)."""
    return BY_NAME[name].role


def call(request: Request, session: WebSession, name: str, /, **values: Any) -> Any:
    """Run use case ``name`` with these parameter values (the operation's keyword names) for the
    signed-in user. The route's dependency has checked the role already; checking it again here
    keeps a page from ever offering more than the API would."""
    case = BY_NAME[name]
    if not can(session, case.role):
        raise PageForbidden(session.role, case.role)
    return run_use_case(state_of(request).runner, case, values, context(request, session))


def download(document: PolicyDocument) -> Response:
    """A document operation's file (a report's PDF, a policy's Markdown or PDF) as a download, with
    the headers the API's route sends."""
    return Response(
        document.content,
        media_type=document.media_type,
        headers={"Content-Disposition": f'attachment; filename="{document.filename}"'},
    )

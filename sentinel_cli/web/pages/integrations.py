"""``/integrations``: the connected AWS accounts and GitHub organisations, and the forms that connect
new ones; ``/integrations/{id}``: one integration, its collection jobs, the "Collect now" button and
the live progress of a running collection.

Connecting is the API's ``connect_github`` / ``connect_aws`` use case (``calls.call``), with the
server's outbound rule: under ``sentinel serve`` a loopback, private or metadata endpoint is
refused unless the operator allowed it (``--allow-endpoint-hosts``). A refused connect shows the
page again with the operation's message and the status the API would answer, the fields as typed
except the secret ones (those the use case marks ``secret``: the token, the secret access key),
which a page never sends back.

Collecting is what ``POST /api/integrations/{id}/collect`` does (``CollectionRunner.begin``): the job
is recorded, handed to the server's runner, and the browser goes to the integration's page. There a
region polls ``/integrations/{id}/progress`` every 2 s while the newest job runs, showing the steps
the collection records in the store as it goes (``job.progress``); once the job has ended the
fragment comes back without its polling trigger, so the polling stops.

The page also shows the integration's collection schedule and its next run; MEMBERs set one (an
interval or a cron line) or remove it with the API's ``set_schedule`` / ``remove_schedule`` use
cases, and a refused value shows the page again with the message beside the form, as typed.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sentinel_cli.api.deps import leased_store, state_of
from sentinel_cli.errors import NotFound, SentinelError, StoreUnavailable
from sentinel_cli.operations.integrations import get_integration, list_integrations, list_jobs
from sentinel_cli.operations.schedules import get_schedule
from sentinel_cli.operations.usecases import BY_NAME
from sentinel_cli.operations.workers import live_workers
from sentinel_cli.web.auth import Member, Viewer
from sentinel_cli.web.calls import call
from sentinel_cli.web.forms import Form, read_form
from sentinel_cli.web.routing import page_router
from sentinel_cli.web.templating import render

router = page_router()

JOBS_SHOWN = 20
POLL_SECONDS = 2

GITHUB_FIELDS = ("org", "token", "base_url", "name")
AWS_FIELDS = (
    "name",
    "access_key_id",
    "secret_access_key",
    "region",
    "role_arn",
    "external_id",
    "endpoint_url",
)


def _secret_fields(use_case: str) -> frozenset[str]:
    return frozenset(p.name for p in BY_NAME[use_case].params if p.secret)


def _typed(form: Form, fields: tuple[str, ...], use_case: str) -> dict[str, str]:
    """The values to show again in a refused form: everything typed but the secrets."""
    secret = _secret_fields(use_case)
    return {name: form.get(name, "") for name in fields if name not in secret}


def _given(form: Form, fields: tuple[str, ...]) -> dict[str, Any]:
    """The form's non-empty fields, trimmed (an empty optional field means "not given")."""
    values = {name: (form.get(name) or "").strip() for name in fields}
    return {name: value for name, value in values.items() if value}


def _list_page(
    request: Request,
    *,
    status: int = 200,
    github: dict[str, str] | None = None,
    aws: dict[str, str] | None = None,
    github_error: SentinelError | None = None,
    aws_error: SentinelError | None = None,
) -> Response:
    return render(
        request,
        "integrations/list.html",
        {
            "integrations": list_integrations(leased_store(request)),
            "github": github or {},
            "aws": aws or {"region": "us-east-1"},
            "github_error": github_error,
            "aws_error": aws_error,
        },
        title="Integrations",
        active="integrations",
        status=status,
    )


@router.get("/integrations")
def integrations_page(request: Request, session: Viewer) -> Response:
    return _list_page(request)


def _refusable(exc: SentinelError) -> bool:
    """Errors the form shows; a store that cannot be used is the error page's (503/500)."""
    return not isinstance(exc, StoreUnavailable)


@router.post("/integrations/connect/github")
async def connect_github(request: Request, session: Member) -> Response:
    return await _connect(request, session, "github", GITHUB_FIELDS)


@router.post("/integrations/connect/aws")
async def connect_aws(request: Request, session: Member) -> Response:
    return await _connect(request, session, "aws", AWS_FIELDS)


async def _connect(request: Request, session: Any, kind: str, fields: tuple[str, ...]) -> Response:
    """Run the ``connect_<kind>`` use case from its form; a refusal shows the list page again with
    the message and what was typed (secrets left out), in that form's place."""
    form = await read_form(request)
    use_case = f"connect_{kind}"
    try:
        integration = await run_in_threadpool(
            call, request, session, use_case, **_given(form, fields)
        )
    except SentinelError as exc:
        if not _refusable(exc):
            raise
        refused: dict[str, Any] = {kind: _typed(form, fields, use_case), f"{kind}_error": exc}
        return await run_in_threadpool(
            partial(_list_page, request, status=exc.http_status, **refused)
        )
    return RedirectResponse(f"/integrations/{integration['id']}", status_code=303)


def _detail_page(
    request: Request,
    integration_id: str,
    *,
    error: SentinelError | None = None,
    status: int = 200,
    schedule_error: SentinelError | None = None,
    schedule_values: dict[str, str] | None = None,
) -> Response:
    store = leased_store(request)
    integration = get_integration(store, integration_id)
    jobs = list_jobs(store, integration["id"], limit=JOBS_SHOWN)
    try:
        schedule: Any = get_schedule(store, integration["id"])
    except NotFound:
        schedule = None
    return render(
        request,
        "integrations/detail.html",
        {
            "integration": integration,
            "jobs": jobs,
            "latest": jobs[0] if jobs else None,
            "no_worker": _waits_for_no_worker(store, jobs),
            "error": error,
            "poll_seconds": POLL_SECONDS,
            "schedule": schedule,
            "schedule_error": schedule_error,
            "schedule_values": schedule_values or _schedule_values(schedule),
        },
        title=integration["name"],
        active="integrations",
        status=status,
    )


def _waits_for_no_worker(store: Any, jobs: list[Any]) -> bool:
    """The newest job is queued and no worker is alive to take it (``serve --no-worker`` with no
    ``sentinel worker`` running): the page says so instead of waiting in silence."""
    if not jobs or jobs[0]["status"] != "RUNNING" or jobs[0]["startedAt"]:
        return False
    return not live_workers(store)


def _schedule_values(schedule: Any) -> dict[str, str]:
    """The schedule form's fields: the current rule (empty fields show an example)."""
    if schedule is None:
        return {"every": "", "cron": ""}
    return {"every": schedule["every"] or "", "cron": schedule["cron"] or ""}


@router.get("/integrations/{integration_id}")
def integration_page(integration_id: str, request: Request, session: Viewer) -> Response:
    return _detail_page(request, integration_id)


@router.post("/integrations/{integration_id}/collect")
def collect_now(integration_id: str, request: Request, session: Member) -> Response:
    """Start a collection as ``POST /api/integrations/{id}/collect`` does, then show its page."""
    try:
        job = state_of(request).runner.begin(
            leased_store(request), integration_id, trigger="web", actor=session.email
        )
    except SentinelError as exc:
        if not _refusable(exc) or exc.http_status == 404:
            raise
        return _detail_page(request, integration_id, error=exc, status=exc.http_status)
    return RedirectResponse(f"/integrations/{job['integrationId']}", status_code=303)


@router.get("/integrations/{integration_id}/progress")
def collection_progress(integration_id: str, request: Request, session: Viewer) -> Response:
    """The progress region of the newest job (what the detail page polls)."""
    store = leased_store(request)
    integration = get_integration(store, integration_id)
    jobs = list_jobs(store, integration["id"], limit=1)
    return render(
        request,
        "integrations/_progress.html",
        {
            "integration": integration,
            "latest": jobs[0] if jobs else None,
            "no_worker": _waits_for_no_worker(store, jobs),
            "poll_seconds": POLL_SECONDS,
        },
        title=integration["name"],
        active="integrations",
    )


SCHEDULE_FIELDS = ("every", "cron")


@router.post("/integrations/{integration_id}/schedule")
async def set_schedule(integration_id: str, request: Request, session: Member) -> Response:
    """Save the schedule form (``PUT /api/integrations/{id}/schedule``): an empty field is not
    sent, so filling both, or neither, gets the operation's own message."""
    form = await read_form(request)
    values = {name: form.get(name, "") for name in SCHEDULE_FIELDS}
    given = _given(form, SCHEDULE_FIELDS)
    try:
        schedule = await run_in_threadpool(
            partial(call, request, session, "set_schedule", integration_id=integration_id, **given)
        )
    except SentinelError as exc:
        if not _refusable(exc):
            raise
        refused = partial(
            _detail_page,
            request,
            integration_id,
            schedule_error=exc,
            schedule_values=values,
            status=exc.http_status,
        )
        return await run_in_threadpool(refused)
    return RedirectResponse(f"/integrations/{schedule['integrationId']}#schedule", status_code=303)


@router.post("/integrations/{integration_id}/schedule/remove")
def remove_schedule(integration_id: str, request: Request, session: Member) -> Response:
    """Remove the schedule (``DELETE /api/integrations/{id}/schedule``); removing one already
    gone shows the page with the message, an unknown integration the 404 page."""
    try:
        schedule = call(request, session, "remove_schedule", integration_id=integration_id)
    except SentinelError as exc:
        if not _refusable(exc):
            raise
        return _detail_page(request, integration_id, schedule_error=exc, status=exc.http_status)
    return RedirectResponse(f"/integrations/{schedule['integrationId']}#schedule", status_code=303)

"""``RemoteBackend``: each operation as its REST call to ``sentinel serve``, same data, same errors.

Requests carry the saved bearer token; a success envelope is unwrapped to its ``data``, and an error
envelope becomes the domain error the operation raised on the server, chosen by ``statusCode``
(``error_for``), so a command exits with the same code whichever backend ran it: 400 ->
``InvalidInput`` (2), 401 -> ``Unauthorized`` (8, hint: log in again), 403 -> ``Forbidden`` (8) for
a role refusal or ``PlanLimitExceeded`` (5) otherwise, 404 -> ``NotFound`` (3), 409 -> ``Conflict``
(7), 429 -> ``RateLimited`` (4, with the server's ``Retry-After``), 5xx, a non-envelope answer or
no answer -> ``ExternalServiceError`` (4). Where one status stands for several errors (a 400 is a
bad value, exit 2, or credentials AWS/GitHub refused, exit 4) the server's ``X-Sentinel-Error``
header names the class, and that class is raised.

Values the CLI can check without a store (formats, statuses, limits, dates) are checked here with
the operations' own parsers before any request, so usage errors read the same, hints included.

Composed operations: ``collect`` starts the job (``POST /api/integrations/:id/collect``) and polls
``GET /api/jobs/:id`` until it ends, backing off from 0.25 s to 3 s (and waiting out a 429) because
the server's per-user rate limit also counts polls. ``evidence_listing`` sends ``failOn`` so the
server evaluates the CI gate over every matching item, and for ``--all`` and export formats without
``--limit`` pages through all items 1000 at a time (the API's cap), as a stream the command prints
while it reads (pages are read one after another: a collection finishing mid-way can shift them,
which a local run, one snapshot, cannot see; a rate-limited page waits out ``Retry-After``).

Reports: ``generate_report`` posts and waits for the stored report (generation is synchronous on
the server, so there are no progress stages); ``verify_report_file`` hashes the file here, streamed,
and judges it with ``operations.reports.verdict_for`` against ``GET /api/reports`` (the file itself
is never uploaded), so verdicts and messages are the local ones.

httpx is imported here only, so local commands never load it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sentinel_cli import __version__
from sentinel_cli.client.base import Backend, Many, Obj, Progress, ReportProgress
from sentinel_cli.client.config import TOKEN_KEY, ClientConfig
from sentinel_cli.errors import (
    Conflict,
    ExternalServiceError,
    Forbidden,
    InvalidInput,
    NotFound,
    PlanLimitExceeded,
    SentinelError,
    Unauthorized,
    error_class,
)

if TYPE_CHECKING:
    import httpx

    from sentinel_cli.config import Settings
    from sentinel_cli.operations.collect import CollectionOptions
    from sentinel_cli.operations.evidence import EvidenceListing
    from sentinel_cli.operations.policies import PolicyDocument
    from sentinel_cli.operations.reports import ReportDocument, Verification

TIMEOUT_SECONDS = 120.0
CONNECT_TIMEOUT_SECONDS = 10.0
POLL_FIRST = 0.25
POLL_MAX = 3.0
RATE_LIMIT_PATIENCE = 300.0
"""Seconds a listing's later pages wait in all for the server's rate limit before giving up."""
ROLE_REFUSAL = "this action needs the "
"""How the server words a role refusal (``api.auth``); any other 403 is a plan limit."""


class RateLimited(ExternalServiceError):
    """The server refused the request under its rate limit (HTTP 429); exit 4 like a provider
    that cannot serve us now. ``retry_after`` is the server's ``Retry-After`` in seconds."""

    http_status = 429

    def __init__(self, message: str, *, hint: str | None = None, retry_after: int | None = None):
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


def _httpx() -> Any:
    try:
        import httpx
    except ImportError:  # pragma: no cover - httpx is a dependency; a broken install lands here
        raise SentinelError(
            "talking to a Sentinel server needs httpx, which is not installed",
            hint="pip install httpx, or sentinel logout to work on the local store",
        ) from None
    return httpx


def _seg(value: str) -> str:
    """One path segment, escaped (ids are user input: prefixes, emails)."""
    return quote(str(value).strip(), safe="")


def error_for(
    status: int,
    message: str,
    *,
    kind: str | None = None,
    config: ClientConfig | None = None,
    retry_after: int | None = None,
) -> SentinelError:
    """The domain error an error envelope stands for (see the module docstring). ``kind`` is the
    server's ``X-Sentinel-Error`` header; it wins where a status code stands for several errors."""
    named = error_class(kind)
    if named is not None and named.http_status != status:
        named = None  # a header that does not fit the status: trust the status
    if status == 400:
        return (named or InvalidInput)(message)
    if status == 401:
        hint = config.login_hint if config else None
        return Unauthorized(message, hint=hint)
    if status == 403:
        if named is Forbidden or (named is None and message.startswith(ROLE_REFUSAL)):
            return Forbidden(message, hint="ask an ADMIN of the server for a role that allows it")
        return PlanLimitExceeded(
            message, hint="see sentinel billing status and sentinel billing plans"
        )
    if status == 404:
        return NotFound(message)
    if status == 409:
        return Conflict(message)
    if status == 429:
        wait = f"wait {retry_after} s and retry" if retry_after is not None else "retry later"
        return RateLimited(
            f"the server's rate limit was reached: {message}",
            hint=f"{wait}, or ask the server's admin to raise it (sentinel serve --rate-limit)",
            retry_after=retry_after,
        )
    if status >= 500:
        return ExternalServiceError(
            f"the Sentinel server failed (HTTP {status}): {message}",
            hint="see the server's log; retry once it is fixed",
        )
    return ExternalServiceError(
        f"the Sentinel server refused the request (HTTP {status}): {message}",
        hint="the server may run another Sentinel version than this CLI",
    )


def _retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("Retry-After")
    return int(value) if value and value.isdigit() else None


def _error_from(
    response: httpx.Response, config: ClientConfig | None, server: str
) -> SentinelError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("status") == "error" and "message" in body:
        return error_for(
            int(body.get("statusCode") or response.status_code),
            str(body["message"]),
            kind=response.headers.get("X-Sentinel-Error"),
            config=config,
            retry_after=_retry_after(response),
        )
    return error_for(
        response.status_code,
        f"unexpected answer from {server} ({response.headers.get('content-type', 'no type')})",
        config=config,
        retry_after=_retry_after(response),
    )


def _send(
    client: httpx.Client, server: str, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    httpx = _httpx()
    try:
        return client.request(method, path, **kwargs)
    except httpx.TimeoutException as exc:
        raise ExternalServiceError(
            f"the Sentinel server at {server} did not answer in time ({type(exc).__name__})",
            hint="retry; or sentinel logout to work on the local store",
        ) from None
    except httpx.HTTPError as exc:
        raise ExternalServiceError(
            f"cannot reach the Sentinel server at {server}: {exc}",
            hint="is sentinel serve running there? Or sentinel logout to work on the local store",
        ) from None


def _new_client(server: str, token: str | None) -> httpx.Client:
    httpx = _httpx()
    headers = {"User-Agent": f"sentinel-cli/{__version__}", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(  # type: ignore[no-any-return]
        base_url=server,
        headers=headers,
        timeout=httpx.Timeout(TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS),
    )


def _data(response: httpx.Response, config: ClientConfig | None, server: str) -> Any:
    if response.status_code >= 400:
        raise _error_from(response, config, server)
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or body.get("status") != "success" or "data" not in body:
        raise ExternalServiceError(
            f"unexpected answer from {server}: not a Sentinel API response",
            hint="check the --server URL (the base URL, without /api)",
        )
    return body["data"]


def login(server: str, email: str, password: str) -> Obj:
    """``POST /api/auth/login``: ``{"user": {...}, "token": "..."}``; a refusal stays a 401."""
    with _new_client(server, None) as client:
        response = _send(
            client, server, "POST", "/api/auth/login", json={"email": email, "password": password}
        )
        if response.status_code == 401:
            raise Unauthorized(
                _error_from(response, None, server).message,
                hint="check the email and password (accounts are created with sentinel users add)",
            )
        data: Obj = _data(response, None, server)
    return data


class RemoteBackend(Backend):
    kind = "remote"

    def __init__(self, config: ClientConfig, token: str | None) -> None:
        self.config = config
        self.token = token
        self._client: httpx.Client | None = None

    @classmethod
    def from_login(cls, settings: Settings, config: ClientConfig) -> RemoteBackend:
        from sentinel_cli.secrets import open_secrets

        settings.ensure_home()
        return cls(config, open_secrets(settings).get(TOKEN_KEY))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def describe(self) -> Obj:
        return {
            "mode": "remote",
            "server": self.config.server,
            "user": {
                "email": self.config.email,
                "id": self.config.user_id,
                "role": self.config.role,
            },
        }

    # -- HTTP ------------------------------------------------------------------------------

    def response(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The raw response of a successful request (errors raised as domain errors)."""
        if not self.token:
            raise Unauthorized(
                f"no saved token for {self.config.server}", hint=self.config.login_hint
            )
        if self._client is None:
            self._client = _new_client(self.config.server, self.token)
        response = _send(self._client, self.config.server, method, path, **kwargs)
        if response.status_code >= 400:
            raise _error_from(response, self.config, self.config.server)
        return response

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """The ``data`` of a successful request."""
        return _data(self.response(method, path, **kwargs), self.config, self.config.server)

    def get(self, path: str, params: Any = None) -> Any:
        return self.call("GET", path, params=params)

    def whoami(self) -> Obj:
        user: Obj = self.get("/api/auth/me")["user"]
        return user

    # -- integrations and collection -------------------------------------------------------

    def list_integrations(self) -> list[Obj]:
        items: list[Obj] = self.get("/api/integrations")["integrations"]
        return items

    def get_integration(self, ident: str) -> Obj:
        item: Obj = self.get(f"/api/integrations/{_seg(ident)}")["integration"]
        return item

    def connect_aws(
        self,
        *,
        name: str | None,
        region: str,
        regions: str | None,
        access_key_id: str | None,
        secret_access_key: str | None,
        profile: str | None,
        role_arn: str | None,
        external_id: str | None,
        endpoint_url: str | None,
        verify: bool,
    ) -> Obj:
        body = {
            "name": name,
            "region": region,
            "regions": regions,
            "accessKeyId": access_key_id,
            "secretAccessKey": secret_access_key,
            "profile": profile,
            "roleArn": role_arn,
            "externalId": external_id,
            "endpointUrl": endpoint_url,
            "verify": verify,
        }
        item: Obj = self.call("POST", "/api/integrations/aws/connect", json=body)["integration"]
        return item

    def connect_github(
        self,
        *,
        org: str | None,
        token: str | None,
        name: str | None,
        base_url: str | None,
        verify: bool,
        settings: Obj,
    ) -> Obj:
        body = {
            # Empty rather than absent: the operation's own "missing --org/token" message answers.
            "orgName": org or "",
            "token": token or "",
            "name": name,
            "baseUrl": base_url,
            "verify": verify,
            **settings,
        }
        item: Obj = self.call("POST", "/api/integrations/github/connect", json=body)["integration"]
        return item

    def remove_integration(self, ident: str) -> Obj:
        item: Obj = self.call("DELETE", f"/api/integrations/{_seg(ident)}")["integration"]
        return item

    def list_jobs(self, ident: str, *, limit: int) -> list[Obj]:
        from sentinel_cli.operations.integrations import parse_job_limit

        limit = parse_job_limit(limit)
        jobs: list[Obj] = self.get(
            f"/api/integrations/{_seg(ident)}/jobs", {"limit": min(limit, 1000)}
        )["jobs"]
        return jobs

    def collect(self, target_id: str, *, options: CollectionOptions, progress: Progress) -> Obj:
        started = self.call(
            "POST",
            f"/api/integrations/{_seg(target_id)}/collect",
            json={"since": options.since, "until": options.until},
        )
        job: Obj = started["job"]
        progress(0, 1, "running on the server")
        delay = POLL_FIRST
        while job["status"] == "RUNNING":
            time.sleep(delay)
            delay = min(delay * 1.5, POLL_MAX)
            try:
                job = self.get(f"/api/jobs/{_seg(job['id'])}")["job"]
            except RateLimited as exc:
                time.sleep(max(exc.retry_after or 0, delay))
        progress(1, 1, job["status"].lower())
        return job

    # -- evidence --------------------------------------------------------------------------

    def evidence_listing(
        self,
        *,
        status: Many,
        category: Many,
        integration: str | None,
        framework: str | None,
        control: str | None,
        severity: Many,
        as_of: str | None,
        limit: str | None,
        offset: str | None,
        fail_on: str | None,
        output: str,
        all_items: bool = False,
    ) -> EvidenceListing:
        from sentinel_cli.operations import evidence as ops

        fmt = ops.resolve_format(output)
        gate = ops.parse_fail_on(fail_on)
        page_limit, page_offset = ops.parse_paging(limit, offset, fmt=fmt, all_items=all_items)
        ops.parse_statuses(status)
        ops.parse_severities(severity)
        as_of_iso = ops.parse_as_of(as_of)
        params: list[tuple[str, str]] = []
        for key, values in (("status", status), ("category", category), ("severity", severity)):
            params += [(key, v) for v in _many(values)]
        for key, value in (
            ("integrationId", integration),
            ("framework", framework),
            ("control", control),
            ("asOf", as_of),
        ):
            if value is not None:
                params.append((key, value))
        first = self.get(
            "/api/evidence",
            [
                *params,
                ("limit", str(page_limit or ops.MAX_LIMIT)),
                ("offset", str(page_offset)),
                ("failOn", ",".join(gate) or "none"),
            ],
        )
        total = int(first["pagination"]["total"])
        verdict = first.get("gate")
        if not isinstance(verdict, dict):
            raise ExternalServiceError(
                f"the server at {self.config.server} cannot evaluate the evidence gate (failOn)",
                hint="upgrade the server to this CLI's Sentinel version",
            )
        stream = None
        if page_limit is None:
            stream = self._pages(params, list(first["evidence"]), page_offset, total)
        return ops.EvidenceListing(
            data={
                "evidence": [] if stream is not None else list(first["evidence"]),
                "pagination": {"total": total, "limit": page_limit, "offset": page_offset},
            },
            output=fmt,
            fail_on=tuple(verdict["failOn"]),
            failing=int(verdict["failing"]),
            as_of=as_of_iso,
            stream=stream,
        )

    def _pages(
        self, params: list[tuple[str, str]], first: list[Obj], offset: int, total: int
    ) -> Iterator[Obj]:
        """Every item from ``offset`` on: the first page, then the next ones as they are read."""
        from sentinel_cli.operations.evidence import MAX_LIMIT

        page = first
        yield from page
        offset += len(page)
        while page and offset < total:  # an empty page: the items shrank under us; stop
            query = [*params, ("limit", str(MAX_LIMIT)), ("offset", str(offset))]
            page = self._get_waiting("/api/evidence", query)["evidence"]
            yield from page
            offset += len(page)

    def _get_waiting(self, path: str, params: Any) -> Any:
        """``get``, waiting out the server's rate limit (as ``collect`` does) up to
        ``RATE_LIMIT_PATIENCE`` seconds in all: the pages of one listing belong together."""
        waited = 0.0
        while True:
            try:
                return self.get(path, params)
            except RateLimited as exc:
                pause = max(float(exc.retry_after or 0), POLL_MAX)
                if waited + pause > RATE_LIMIT_PATIENCE:
                    raise
                time.sleep(pause)
                waited += pause

    def get_evidence(self, ident: str) -> Obj:
        data: Obj = self.get(f"/api/evidence/{_seg(ident)}")
        return data

    def evidence_stats(self, *, integration: str | None, as_of: str | None) -> Obj:
        data: Obj = self.get("/api/evidence/stats", _present(integrationId=integration, asOf=as_of))
        return data

    def compliance_summary(
        self, *, framework: str | None, integration: str | None, as_of: str | None, all_ids: bool
    ) -> Obj:
        params = _present(framework=framework, integrationId=integration, asOf=as_of)
        if all_ids:
            params["allIds"] = "true"
        data: Obj = self.get("/api/evidence/compliance", params)
        return data

    def dashboard(self, *, days: str | None) -> Obj:
        from sentinel_cli.operations.dashboard import parse_days

        data: Obj = self.get("/api/dashboard/stats", {"days": parse_days(days)})
        return data

    # -- risk exceptions -------------------------------------------------------------------

    def add_exception(
        self,
        *,
        check_id: str | None,
        resource: str | None,
        reason: str | None,
        owner: str | None,
        expires: str | None,
    ) -> Obj:
        body = {
            "checkId": check_id or "",
            "resourcePattern": resource,
            "reason": reason or "",
            "owner": owner or "",
            "expires": expires or "",
        }
        data: Obj = self.call("POST", "/api/exceptions", json=body)
        return data

    def list_exceptions(self, *, include_all: bool) -> Obj:
        data: Obj = self.get("/api/exceptions", {"all": "true" if include_all else "false"})
        return data

    def remove_exception(self, ident: str) -> Obj:
        data: Obj = self.call("DELETE", f"/api/exceptions/{_seg(ident)}")
        return data

    # -- the check catalogue ---------------------------------------------------------------

    def list_checks(
        self,
        *,
        provider: Many,
        framework: str | None,
        control: str | None,
        severity: Many,
        category: Many,
    ) -> Obj:
        params = {
            "provider": _many(provider),
            "framework": framework,
            "control": control,
            "severity": _many(severity),
            "category": _many(category),
        }
        data: Obj = self.get("/api/checks", {k: v for k, v in params.items() if v})
        return data

    def get_check(self, check_id: str) -> Obj:
        data: Obj = self.get(f"/api/checks/{_seg(check_id)}")
        return data

    # -- policies --------------------------------------------------------------------------

    def policy_templates(self) -> list[Obj]:
        items: list[Obj] = self.get("/api/policies/templates")["templates"]
        return items

    def generate_policy(
        self,
        *,
        template_id: str,
        data_file: str | None,
        assignments: Sequence[str],
        owner: str | None,
    ) -> Obj:
        from sentinel_cli.operations import policies

        # The data file is read here, on the client: the server cannot see this machine's files.
        # Precedence as locally: data file < --set pairs (both above the server's profile).
        custom: Obj = dict(policies.load_data_file(data_file)) if data_file is not None else {}
        custom.update(policies.parse_assignments(assignments))
        body = {
            "templateId": template_id,
            "customData": json.loads(json.dumps(custom, default=str)),
            "owner": owner,
        }
        data: Obj = self.call("POST", "/api/policies/generate", json=body)
        return data

    def list_policies(self, *, all_versions: bool) -> list[Obj]:
        items: list[Obj] = self.get(
            "/api/policies", {"allVersions": "true" if all_versions else "false"}
        )["policies"]
        return items

    def get_policy(self, ident: str) -> Obj:
        item: Obj = self.get(f"/api/policies/{_seg(ident)}")["policy"]
        return item

    def approve_policy(self, ident: str, *, approver: str, review_months: int | None) -> Obj:
        body = {"approver": approver, "reviewMonths": review_months}
        item: Obj = self.call("POST", f"/api/policies/{_seg(ident)}/approve", json=body)["policy"]
        return item

    def download_policy(self, ident: str, *, format: str) -> PolicyDocument:
        from sentinel_cli.operations.policies import FORMATS, parse_format

        fmt = parse_format(format)
        response = self.response(
            "GET", f"/api/policies/{_seg(ident)}/download", params={"format": fmt}
        )
        return _document(response, f"policy.{FORMATS[fmt][0]}", FORMATS[fmt][1])

    def _profile_refused(self) -> SentinelError:
        return InvalidInput(
            f"the company profile cannot be changed through the server {self.config.server}",
            hint="run it on the server's machine, or pass the values with "
            "sentinel policies generate --set NAME=VALUE",
        )

    def get_profile(self) -> Obj:
        raise self._profile_refused()

    def set_profile(self, pairs: Sequence[str]) -> Obj:
        raise self._profile_refused()

    def unset_profile(self, key: str) -> Obj:
        raise self._profile_refused()

    # -- reports ---------------------------------------------------------------------------

    def generate_report(
        self,
        report_type: str,
        period_start: str | None,
        period_end: str | None,
        progress: ReportProgress | None = None,
    ) -> Obj:
        from sentinel_cli.operations.report_data import parse_period, parse_report_type

        # Checked here first so usage errors read as locally; the server applies its own "today"
        # to the defaults, as a run on its machine would. No stages: the request just runs.
        rtype = parse_report_type(report_type)
        parse_period(period_start, period_end)
        body = {"reportType": rtype, "periodStart": period_start, "periodEnd": period_end}
        data: Obj = self.call("POST", "/api/reports/generate", json=body)
        return data

    def list_reports(self) -> list[Obj]:
        items: list[Obj] = self.get("/api/reports")["reports"]
        return items

    def download_report(self, ident: str) -> ReportDocument:
        from sentinel_cli.operations.reports import MEDIA_TYPE

        ident = (ident or "").strip()
        hint = "run 'sentinel reports list' to see the ids"  # the envelope carries no hint
        if not ident:
            raise NotFound("no report with id ''", hint=hint)
        try:
            response = self.response("GET", f"/api/reports/{_seg(ident)}/download")
        except NotFound as exc:
            raise NotFound(exc.message, hint=exc.hint or hint) from None
        return _document(response, f"report-{ident[:8]}.pdf", MEDIA_TYPE)

    def verify_report_file(self, path: str) -> Verification:
        from sentinel_cli.operations.reports import hash_report_file, verdict_for

        # The file stays on this machine: only its hash is compared with the server's reports.
        file, sha, size = hash_report_file(path)
        newest_first = self.list_reports()
        return verdict_for(file, sha, size, reversed(newest_first))

    # -- billing ---------------------------------------------------------------------------

    def subscription(self) -> Obj:
        sub: Obj = self.get("/api/billing/subscription")["subscription"]
        return sub

    def list_plans(self) -> list[Obj]:
        plans: list[Obj] = self.get("/api/billing/plans")["plans"]
        return plans

    def limits(self, kinds: Sequence[str]) -> dict[str, Obj]:
        return {kind: self.get(f"/api/billing/limits/{_seg(kind)}") for kind in kinds}

    def enforce_limits(self, kinds: Sequence[str]) -> None:
        for kind, item in self.limits(kinds).items():
            if not item.get("allowed", True):
                raise PlanLimitExceeded(
                    str(item.get("message") or f"the plan's {kind} limit is reached"),
                    hint="see sentinel billing status and sentinel billing plans",
                )

    def set_plan(self, tier: str) -> Obj:
        sub: Obj = self.call("PATCH", "/api/billing/subscription", json={"tier": tier})[
            "subscription"
        ]
        return sub

    def set_subscription_status(self, status: str) -> Obj:
        sub: Obj = self.call("PATCH", "/api/billing/subscription", json={"status": status})[
            "subscription"
        ]
        return sub

    # -- users -----------------------------------------------------------------------------

    def add_user(self, *, email: str, role: str, password: str, name: str | None) -> Obj:
        body = {"email": email, "role": role, "password": password, "name": name}
        user: Obj = self.call("POST", "/api/users", json=body)["user"]
        return user

    def list_users(self) -> list[Obj]:
        items: list[Obj] = self.get("/api/users")["users"]
        return items

    def remove_user(self, ident: str) -> Obj:
        user: Obj = self.call("DELETE", f"/api/users/{_seg(ident)}")["user"]
        return user

    def set_role(self, ident: str, role: str) -> Obj:
        user: Obj = self.call("PATCH", f"/api/users/{_seg(ident)}", json={"role": role})["user"]
        return user


def _document(response: httpx.Response, filename: str, media_type: str) -> PolicyDocument:
    """A downloaded document: the bytes, the server's file name and media type (else defaults)."""
    from sentinel_cli.operations.policies import PolicyDocument

    match = re.search(r'filename="([^"/\\]+)"', response.headers.get("content-disposition", ""))
    return PolicyDocument(
        response.content,
        match.group(1) if match else filename,
        response.headers.get("content-type", media_type),
    )


def _many(values: Many) -> list[str]:
    if values is None:
        return []
    return [values] if isinstance(values, str) else [str(v) for v in values]


def _present(**params: str | None) -> dict[str, str]:
    return {k: v for k, v in params.items() if v is not None}

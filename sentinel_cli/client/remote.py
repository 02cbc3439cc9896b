"""``RemoteBackend``: the use cases as REST calls to ``sentinel serve``: same data, same errors.

Every row of the table (``operations.usecases``) is one generic ``run``: the row's method and path
(segments escaped), query and body under their wire names, and the answer's ``data`` (or the part
under the row's result key). An error envelope becomes the domain error the operation raised on
the server (``error_for``): the ``X-Sentinel-Error`` header names its class where one status
stands for several (a 400 is a bad value, exit 2, or a refused AWS key, exit 4) and
``X-Sentinel-Hint`` carries its hint, so a command exits and reads the same whichever backend ran
it. Without them the status decides: 401 and 403 exit 8 (a 403 not worded as a role refusal is a
plan limit, 5), 404 exits 3, 409 exits 7, 429 (``RateLimited``), 5xx and no answer exit 4.

Composed: ``collect`` starts the job and polls it, backing off from 0.25 s to 3 s and waiting out
a 429 (polls count against the per-user rate limit); ``evidence_listing`` sends ``failOn`` so the
server evaluates the CI gate over every item, and pages through every item 1000 at a time for
``--all`` and exports (pages read one after another can shift if a collection ends mid-way, which
a local run, one snapshot, cannot see); ``verify_report_file`` hashes the file here and judges it
against ``GET /api/reports``: the file is never uploaded.

httpx is imported here only, so local commands never load it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from sentinel_cli import __version__
from sentinel_cli.client.base import Backend, Obj, Progress
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
    from sentinel_cli.operations.reports import Verification
    from sentinel_cli.operations.usecases import UseCase

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
        error = error_for(
            int(body.get("statusCode") or response.status_code),
            str(body["message"]),
            kind=response.headers.get("X-Sentinel-Error"),
            config=config,
            retry_after=_retry_after(response),
        )
        hint = response.headers.get("X-Sentinel-Hint")
        if hint:  # the server's own words on what to do win over a guess from the status
            error.hint = unquote(hint)
        return error
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

    def whoami(self) -> Obj:
        user: Obj = self.call("GET", "/api/auth/me")["user"]
        return user

    def run(self, case: UseCase, values: dict[str, Any]) -> Any:
        """The row's request: path segments escaped, query and body under their wire names."""
        path = case.path.format(
            **{p.wire_name: _seg(values.get(p.name) or "") for p in case.params_in("path")}
        )
        params = [
            (p.wire_name, item)
            for p in case.params_in("query")
            if values.get(p.name) is not None
            for item in _wire_values(values[p.name])
        ]
        body: Obj = {}
        for p in case.params_in("body"):
            value = values.get(p.name)
            if value is None and p.required and p.type is str:
                value = ""  # the operation's own "missing ..." message answers, as locally
            if value is not None:
                body[p.wire_name] = json.loads(json.dumps(value, default=str))
        options: Obj = {"params": params or None}
        if case.params_in("body") or case.method in ("POST", "PUT", "PATCH"):
            options["json"] = body
        if case.document:
            return _document(self.response(case.method, path, **options))
        data = self.call(case.method, path, **options)
        return data[case.result] if case.result else data

    # -- composite use cases ---------------------------------------------------------------

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
                job = self.get_job(job["id"])
            except RateLimited as exc:
                time.sleep(max(exc.retry_after or 0, delay))
        progress(1, 1, job["status"].lower())
        return job

    def evidence_listing(
        self,
        *,
        output: str,
        limit: str | None = None,
        offset: str | None = None,
        fail_on: str | None = None,
        all_items: bool = False,
        **filters: Any,
    ) -> EvidenceListing:
        from sentinel_cli.operations.evidence import listing_from_pages

        def fetch(limit: int, offset: int, fail_on: str | None) -> Obj:
            def page() -> Obj:
                return self.evidence_page(**filters, limit=limit, offset=offset, fail_on=fail_on)  # type: ignore[no-any-return]

            # The first page (it carries the gate) answers as any call; later pages of one
            # listing belong together, so they wait out the rate limit.
            return page() if fail_on is not None else self._waiting(page)

        return listing_from_pages(
            fetch,
            output=output,
            limit=limit,
            offset=offset,
            fail_on=fail_on,
            all_items=all_items,
            as_of=filters.get("as_of"),
        )

    def _waiting(self, request: Callable[[], Any]) -> Any:
        """``request()``, waiting out the server's rate limit (as ``collect`` does) up to
        ``RATE_LIMIT_PATIENCE`` seconds in all."""
        waited = 0.0
        while True:
            try:
                return request()
            except RateLimited as exc:
                pause = max(float(exc.retry_after or 0), POLL_MAX)
                if waited + pause > RATE_LIMIT_PATIENCE:
                    raise
                time.sleep(pause)
                waited += pause

    def verify_report_file(self, path: str) -> Verification:
        from sentinel_cli.operations.reports import hash_report_file, verdict_for

        # The file stays on this machine: only its hash is compared with the server's reports.
        file, sha, size = hash_report_file(path)
        newest_first: list[Obj] = self.list_reports()
        return verdict_for(file, sha, size, reversed(newest_first))


def _wire_values(value: Any) -> list[str]:
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def _document(response: httpx.Response) -> PolicyDocument:
    """A downloaded file: its bytes, the server's file name and media type."""
    from sentinel_cli.operations.policies import PolicyDocument

    match = re.search(r'filename="([^"/\\]+)"', response.headers.get("content-disposition", ""))
    return PolicyDocument(
        response.content,
        match.group(1) if match else "document",
        response.headers.get("content-type", "application/octet-stream"),
    )

"""``RemoteBackend``: the use cases as REST calls to ``sentinel serve``: same data, same errors.

``run`` sends a row's request (path segments escaped, query and body under their wire names) and
returns the answer's ``data``, or its part under the row's result key. An error answer becomes the
error raised on the server (``X-Sentinel-Error`` names it, ``X-Sentinel-Hint`` carries its hint),
else the status decides. ``collect`` polls its job, backing off from 0.25 s to 3 s and waiting out
a 429; later pages of a listing wait out the rate limit too; ``verify_report_file`` hashes the file
here and compares it with ``GET /api/reports``. httpx is imported here only.
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
from sentinel_cli.client.connection import TOKEN_KEY, ClientConfig
from sentinel_cli.errors import (
    ExternalServiceError,
    Forbidden,
    PlanLimitExceeded,
    RateLimited,
    SentinelError,
    Unauthorized,
    error_for_status,
)

if TYPE_CHECKING:
    import httpx

    from sentinel_cli.config import Settings
    from sentinel_cli.operations.collect import CollectionOptions
    from sentinel_cli.operations.evidence import EvidenceListing
    from sentinel_cli.operations.policies import PolicyDocument
    from sentinel_cli.operations.reports import Verification
    from sentinel_cli.operations.usecases import UseCase
    from sentinel_cli.wire import Job, Report

TIMEOUT_SECONDS = 120.0
CONNECT_TIMEOUT_SECONDS = 10.0
LOGOUT_TIMEOUT_SECONDS = 10.0
POLL_FIRST = 0.25
POLL_MAX = 3.0
RATE_LIMIT_PATIENCE = 300.0
"""Seconds a listing's later pages wait in all for the server's rate limit before giving up."""
LOCAL_HINT = "or sentinel logout to work on the local store"
_DEFAULT_HINTS = {
    Forbidden: "ask an ADMIN of the server for a role that allows it",
    PlanLimitExceeded: "see sentinel billing status and sentinel billing plans",
}


def _origin(response: httpx.Response) -> str:
    return f"{response.url.scheme}://{response.url.netloc.decode()}"


def _seg(value: str) -> str:
    """One path segment, escaped (ids are user input: prefixes, emails)."""
    return quote(str(value).strip(), safe="")


def error_for(response: httpx.Response, config: ClientConfig | None = None) -> SentinelError:
    """The domain error of an error answer (see the module docstring)."""
    status = response.status_code
    value = response.headers.get("Retry-After")
    retry_after = int(value) if value and value.isdigit() else None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("status") == "error" and "message" in body:
        status, message = int(body.get("statusCode") or status), str(body["message"])
    else:
        kind = response.headers.get("content-type", "no type")
        message = f"unexpected answer from {_origin(response)} ({kind})"
    hint = unquote(response.headers.get("X-Sentinel-Hint", "")) or None
    if status == 429:
        message = f"the server's rate limit was reached: {message}"
        wait = f"wait {retry_after} s and retry" if retry_after is not None else "retry later"
        hint = f"{wait}, or ask the server's admin to raise it (sentinel serve --rate-limit)"
    elif status >= 500:
        message = f"the Sentinel server failed (HTTP {status}): {message}"
        hint = "see the server's log; retry once it is fixed"
    elif status not in (400, 401, 403, 404, 409):
        message = f"the Sentinel server refused the request (HTTP {status}): {message}"
        hint = "the server may run another Sentinel version than this CLI"
    elif status == 401 and config is not None:
        hint = config.login_hint
    error = error_for_status(status, message, name=response.headers.get("X-Sentinel-Error"))
    error.hint = hint or _DEFAULT_HINTS.get(type(error))
    if isinstance(error, RateLimited):
        error.retry_after = retry_after
    return error


def _request(
    client: httpx.Client, method: str, path: str, config: ClientConfig | None, **kwargs: Any
) -> httpx.Response:
    """A successful response; an error answer or no answer raised as a domain error."""
    import httpx

    server = str(client.base_url).rstrip("/")
    try:
        response = client.request(method, path, **kwargs)
    except httpx.TimeoutException as exc:
        raise ExternalServiceError(
            f"the Sentinel server at {server} did not answer in time ({type(exc).__name__})",
            hint=f"retry; {LOCAL_HINT}",
        ) from None
    except httpx.HTTPError as exc:
        raise ExternalServiceError(
            f"cannot reach the Sentinel server at {server}: {exc}",
            hint=f"is sentinel serve running there? Or {LOCAL_HINT.removeprefix('or ')}",
        ) from None
    if response.status_code >= 400:
        raise error_for(response, config)
    return response


def _data(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or body.get("status") != "success" or "data" not in body:
        raise ExternalServiceError(
            f"unexpected answer from {_origin(response)}: not a Sentinel API response",
            hint="check the --server URL (the base URL, without /api)",
        )
    return body["data"]


def _new_client(server: str, token: str | None) -> httpx.Client:
    import httpx

    headers = {"User-Agent": f"sentinel-cli/{__version__}", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    timeout = httpx.Timeout(TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
    return httpx.Client(base_url=server, headers=headers, timeout=timeout)


def login(server: str, email: str, password: str) -> Obj:
    """``POST /api/auth/login``: ``{"user": {...}, "token": "..."}``; a refusal stays a 401."""
    with _new_client(server, None) as client:
        try:
            body = {"email": email, "password": password}
            data: Obj = _data(_request(client, "POST", "/api/auth/login", None, json=body))
        except Unauthorized as exc:
            exc.hint = "check the email and password (accounts are created with sentinel users add)"
            raise
    return data


def logout(server: str, token: str) -> bool:
    """``POST /api/auth/logout``: the server refuses this token from now on. False when the server
    could not be told (unreachable, or the token had already stopped working): logging out locally
    must not depend on it."""
    import httpx

    try:
        with _new_client(server, token) as client:
            client.timeout = httpx.Timeout(LOGOUT_TIMEOUT_SECONDS)
            _request(client, "POST", "/api/auth/logout", None)
    except SentinelError:
        return False
    return True


class RemoteBackend(Backend):
    kind = "remote"

    def __init__(self, config: ClientConfig, token: str | None) -> None:
        self.config = config
        self.token = token
        self._client: httpx.Client | None = None

    @classmethod
    def from_login(cls, settings: Settings, config: ClientConfig) -> RemoteBackend:
        from sentinel_cli.secrets import open_local_secrets

        settings.ensure_home()
        return cls(config, open_local_secrets(settings).get(TOKEN_KEY))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def describe(self) -> Obj:
        user = {"email": self.config.email, "id": self.config.user_id, "role": self.config.role}
        return {"mode": "remote", "server": self.config.server, "user": user}

    def response(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The raw response of a successful request (errors raised as domain errors)."""
        if not self.token:
            message = f"no saved token for {self.config.server}"
            raise Unauthorized(message, hint=self.config.login_hint)
        if self._client is None:
            self._client = _new_client(self.config.server, self.token)
        return _request(self._client, method, path, self.config, **kwargs)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """The ``data`` of a successful request."""
        return _data(self.response(method, path, **kwargs))

    def whoami(self) -> Obj:
        user: Obj = self.call("GET", "/api/auth/me")["user"]
        return user

    def run(self, case: UseCase, values: dict[str, Any]) -> Any:
        """The row's request: path segments escaped, query and body under their wire names."""
        path_values = {p.wire_name: _seg(values.get(p.name) or "") for p in case.params_in("path")}
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
        response = self.response(case.method, case.path.format(**path_values), **options)
        if case.document:
            return _document(response)
        data = _data(response)
        return data[case.result] if case.result else data

    def collect(self, target_id: str, *, options: CollectionOptions, progress: Progress) -> Job:
        body = {"since": options.since, "until": options.until}
        path = f"/api/integrations/{_seg(target_id)}/collect"
        job: Job = self.call("POST", path, json=body)["job"]
        delay = POLL_FIRST
        while job["status"] == "RUNNING":
            # A job waits in the queue (no startedAt) until a server worker takes it.
            progress(*_server_progress(job))
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
        """``request()``, waiting out the server's rate limit up to ``RATE_LIMIT_PATIENCE``."""
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
        newest_first: list[Report] = self.list_reports()
        return verdict_for(file, sha, size, reversed(newest_first))


def _wire_values(value: Any) -> list[str]:
    if isinstance(value, bool):
        return ["true" if value else "false"]
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _document(response: httpx.Response) -> PolicyDocument:
    """A downloaded file: its bytes, the server's file name and media type."""
    from sentinel_cli.operations.policies import PolicyDocument

    match = re.search(r'filename="([^"/\\]+)"', response.headers.get("content-disposition", ""))
    name = match.group(1) if match else "document"
    return PolicyDocument(response.content, name, response.headers.get("content-type", ""))


def _server_progress(job: Job) -> tuple[int, int, str]:
    """What the progress line shows of a job running on the server: queued, or its steps."""
    if not job.get("startedAt"):
        return 0, 1, "queued (waiting for a server worker)"
    steps = job.get("progress")
    if steps and steps["total"]:
        return steps["done"], steps["total"] + 1, f"on the server: {steps['step']}"
    return 0, 1, "running on the server"

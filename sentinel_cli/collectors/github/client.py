"""The HTTP layer of the GitHub collector: a PyGithub requester tuned for bulk reads, and counted.

Every call goes through PyGithub's ``Requester.requestJsonAndCheck`` on the raw REST path rather
than through PyGithub's object model. The inventory stores GitHub's JSON shapes anyway, and the
object model hides requests: ``raw_data`` lazily "completes" objects with an extra GET, and
``PaginatedList`` pages behind our back, which would make "one listing walk" and the API-call count
unverifiable. PyGithub still provides what matters — authentication (token or App installation),
base URLs for GHES, connection pooling, exceptions, and rate-limit-aware retries.

Pacing is chosen, not inherited. PyGithub sleeps 0.25 s before every request by default; GitHub's
secondary-limit guidance is about concurrency and write calls, and this collector only reads from
a bounded pool, so reads are not spaced (``seconds_between_requests=0``). Limits are respected
instead by reacting to what the server says:

- ``Retry-After`` on a 403/429 secondary limit is honoured (urllib3 sleeps it, capped at
  ``max_wait``); 5xx and connection errors get a few short exponential retries;
- a primary-limit 403 waits for ``X-RateLimit-Reset`` (PyGithub's ``GithubRetry``) unless that is
  further away than ``max_wait``, in which case the call fails and becomes a FetchError;
- ``RateGate`` reads ``X-RateLimit-Remaining``/``Reset`` from every response and pauses all
  workers *before* the budget is exhausted, leaving ``reserve`` calls for other tools.

``CallCounter`` counts what is actually sent: each call plus each retry urllib3 performs.

Each worker thread has a ``Github`` client of its own, built from the same settings. A PyGithub
client is not safe to share between threads that send at the same time: its ``Requester`` keeps one
connection object and splits a call in two, ``request()`` storing verb, URL, body and headers on it
and ``getresponse()`` sending them, so two workers interleaving those steps swap requests and one
silently receives another repository's answer (seen under load: a repository detail answered with
a list). With a client per thread, every connection object, and the connection pool behind it,
serves one thread, one request at a time. Only this package imports ``github``.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from github import Auth, Github
from github.GithubException import GithubException
from github.GithubRetry import GithubRetry

from sentinel_cli.egress import UNRESTRICTED, EgressPolicy

# A held classic-token scope implies these narrower ones (GitHub's documented hierarchy).
IMPLIED_SCOPES: dict[str, tuple[str, ...]] = {
    "admin:org": ("write:org", "read:org"),
    "write:org": ("read:org",),
    "admin:repo_hook": ("write:repo_hook", "read:repo_hook"),
    "write:repo_hook": ("read:repo_hook",),
    "admin:public_key": ("write:public_key", "read:public_key"),
    "audit_log": ("read:audit_log",),
    "repo": ("public_repo", "repo:status", "repo_deployment", "repo:invite"),
}

_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


class CallCounter:
    """Thread-safe count of HTTP requests sent: first attempts and retries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.retries = 0

    def call(self) -> None:
        with self._lock:
            self.calls += 1

    def retried(self) -> None:
        with self._lock:
            self.retries += 1

    @property
    def total(self) -> int:
        return self.calls + self.retries


class CountingRetry(GithubRetry):
    """PyGithub's retry policy, counting each retry it decides to make."""

    def __init__(self, *, counter: CallCounter | None = None, **kwargs: Any) -> None:
        self.counter = counter
        super().__init__(**kwargs)

    def new(self, **kw: Any) -> CountingRetry:
        kw["counter"] = self.counter
        return super().new(**kw)

    def increment(self, *args: Any, **kwargs: Any) -> CountingRetry:
        retry = super().increment(*args, **kwargs)
        if self.counter is not None:
            self.counter.retried()
        return retry  # type: ignore[return-value]  # urllib3 types it Retry; it is made by new()


class RateGate:
    """Pause before the primary rate limit runs out, using the headers of the last response.

    When ``X-RateLimit-Remaining`` drops to ``reserve`` or below and the window resets in the
    future, the next callers sleep until the reset (at most ``max_wait`` seconds).
    """

    def __init__(
        self,
        reserve: int,
        max_wait: float,
        *,
        on_pause: Callable[[float], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.reserve = reserve
        self.max_wait = max_wait
        self._on_pause = on_pause
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._remaining: int | None = None
        self._reset: float | None = None

    def observe(self, headers: Mapping[str, Any]) -> None:
        resource = headers.get("x-ratelimit-resource")
        if resource and resource != "core":
            # GraphQL (and search) have budgets of their own: a low GraphQL reading must not
            # pause the REST reads, nor a fresh one hide a REST budget that is nearly used up.
            return
        remaining = _int(headers.get("x-ratelimit-remaining"))
        reset = _int(headers.get("x-ratelimit-reset"))
        if remaining is None:
            return
        with self._lock:
            self._remaining = remaining
            self._reset = float(reset) if reset is not None else None

    def wait(self) -> None:
        with self._lock:
            if self._remaining is None or self._reset is None or self._remaining > self.reserve:
                return
            delay = min(max(self._reset - self._clock(), 0.0) + 0.5, self.max_wait)
            # Forget the reading: the next response tells us the new budget.
            self._remaining = None
        if self._on_pause is not None:
            self._on_pause(delay)
        self._sleep(delay)


def _int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


class ApiError(Exception):
    """A GitHub call that did not succeed, normalised from PyGithub/requests exceptions.

    ``status`` is the HTTP status (None for transport failures); ``message`` is GitHub's
    ``message`` field (or a description); ``headers`` are lower-cased response headers;
    ``github_shaped`` is False when the body was not a GitHub JSON error (an HTML page, say);
    ``kind`` is ``http``, ``transport``, ``throttled``, ``shape`` or ``graphql`` (HTTP 200 whose
    body lists GraphQL ``errors``: their ``type`` values are in ``graphql_types``).
    """

    def __init__(
        self,
        status: int | None,
        message: str,
        headers: Mapping[str, str],
        *,
        github_shaped: bool = True,
        kind: str = "http",
        graphql_types: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers
        self.github_shaped = github_shaped
        self.kind = kind
        self.graphql_types = graphql_types

    def __str__(self) -> str:
        prefix = f"HTTP {self.status}: " if self.status else ""
        return prefix + self.message

    def missing_scopes(self) -> list[str] | None:
        """The scopes GitHub accepts for this call when the token holds none of them.

        Only classic tokens report ``X-OAuth-Scopes``; an empty ``X-Accepted-OAuth-Scopes`` means
        the refusal is about the user's role, not the token (as GitHub's own CLI interprets it).
        """
        accepted = [
            s.strip() for s in (self.headers.get("x-accepted-oauth-scopes") or "").split(",")
        ]
        accepted = [s for s in accepted if s]
        held_raw = self.headers.get("x-oauth-scopes")
        if not accepted or held_raw is None:
            return None
        held = {s.strip() for s in held_raw.split(",") if s.strip()}
        for scope in list(held):
            held.update(IMPLIED_SCOPES.get(scope, ()))
        if held & set(accepted):
            return None
        return accepted


def _lower(headers: Any) -> dict[str, str]:
    if not headers:
        return {}
    return {str(k).lower(): str(v) for k, v in dict(headers).items()}


def _from_github_exception(exc: GithubException) -> ApiError:
    data = exc.data
    headers = _lower(exc.headers)
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return ApiError(exc.status, data["message"], headers)
    return ApiError(
        exc.status, f"non-GitHub response body ({_snippet(data)})", headers, github_shaped=False
    )


def _graphql_error(errors: Any, headers: Mapping[str, str]) -> ApiError:
    """GraphQL reports refusals with HTTP 200 and an ``errors`` list: one ApiError for them all.

    Each entry is ``{"type": "FORBIDDEN", "path": [...], "message": "..."}`` (``type`` may be
    absent); the message keeps the first three, prefixed with their path, so the evidence says
    which field was refused and why.
    """
    entries = [e for e in errors if isinstance(e, Mapping)] if isinstance(errors, list) else []
    types = tuple(str(e["type"]) for e in entries if e.get("type"))
    parts = []
    for entry in entries[:3]:
        path = ".".join(str(p) for p in entry.get("path") or ())
        label = f"{entry.get('type') or 'error'}" + (f" at {path}" if path else "")
        parts.append(f"{label}: {str(entry.get('message') or '').rstrip('.')[:200]}")
    message = "GraphQL " + ("; ".join(parts) if parts else f"errors {_snippet(errors)}")
    return ApiError(None, message, headers, kind="graphql", graphql_types=types)


def _snippet(data: Any) -> str:
    text = data.get("data") if isinstance(data, dict) and "data" in data else data
    text = " ".join(str(text).split())
    return text[:60] + ("..." if len(text) > 60 else "")


class GithubApi:
    """Counted, rate-aware read access (REST GETs, GraphQL queries) to one GitHub API through a
    PyGithub client per calling thread (see the module docstring for why not one shared)."""

    def __init__(
        self,
        *,
        token: str,
        base_url: str | None,
        max_wait: float = 300.0,
        reserve: int = 50,
        app_id: int | str | None = None,
        app_private_key: str | None = None,
        installation_id: int | None = None,
        on_pause: Callable[[float], None] | None = None,
        timeout: int = 30,
        egress: EgressPolicy = UNRESTRICTED,
    ) -> None:
        # PyGithub attaches a stderr handler at INFO to its logger on import and logs every
        # retried 403; Sentinel reports through progress and FetchErrors instead.
        logging.getLogger("github").setLevel(logging.WARNING)
        self.counter = CallCounter()
        self.gate = RateGate(reserve, max_wait, on_pause=on_pause)
        self.base_url = (base_url or "https://api.github.com").rstrip("/")
        # Under a server, a custom base URL's host is checked again before every request
        # (PyGithub offers no public way to pin the connection to the address checked).
        custom = urlsplit(self.base_url).hostname != "api.github.com"
        self._egress = egress if egress.restricted and custom else None
        self._secret = token
        retry = CountingRetry(
            counter=self.counter,
            total=5,
            connect=2,
            read=2,
            backoff_factor=0.25,
            backoff_max=10,
            status_forcelist=[429, *range(500, 600)],
            secondary_rate_wait=min(60.0, max_wait),
            max_rate_limit_wait=max_wait,
            retry_after_max=max(int(max_wait), 1),
        )
        auth: Auth.Auth
        if app_id is not None and app_private_key and installation_id is not None:
            auth = Auth.AppInstallationAuth(Auth.AppAuth(app_id, app_private_key), installation_id)
        else:
            auth = Auth.Token(token)
        # Every thread's client is built from these settings. The clients share the retry policy
        # (urllib3 copies it per request, so one counter sees every retry) and the credentials (an
        # App installation token is fetched once and reused by all). A client sends one request at
        # a time, so its pool needs one connection to keep alive. Write spacing is per client; the
        # only non-GET call is one GraphQL query per collection.
        self._settings: dict[str, Any] = {
            "auth": auth,
            "base_url": self.base_url,
            "timeout": timeout,
            "per_page": 100,
            "retry": retry,
            "pool_size": 1,
            "seconds_between_requests": 0.0,
            "seconds_between_writes": 1.0,
        }
        self._local = threading.local()
        self._clients: list[Github] = []
        self._clients_lock = threading.Lock()
        self._scopes_lock = threading.Lock()
        self.token_scopes: tuple[str, ...] | None = None

    @property
    def calls(self) -> int:
        return self.counter.total

    def _client(self) -> Github:
        """This thread's client, created on its first call."""
        client: Github | None = getattr(self._local, "client", None)
        if client is None:
            client = Github(**self._settings)
            self._local.client = client
            with self._clients_lock:
                self._clients.append(client)
        return client

    def close(self) -> None:
        """Close every thread's client (their connection pools); a later call opens new ones."""
        with self._clients_lock:
            clients, self._clients = self._clients, []
            self._local = threading.local()
        for client in clients:
            client.close()

    def redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    @property
    def graphql_url(self) -> str:
        """``{base}/graphql``; for GHES bases ending ``/api/v3`` it is ``/api/graphql``."""
        return str(self._client().requester.graphql_url)

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> tuple[dict[str, str], Any]:
        """GET a path (``/orgs/acme``) or a ``Link`` URL; raise ApiError when it did not work."""
        return self._request("GET", url, params=params)

    def post_json(self, url: str, body: Mapping[str, Any]) -> tuple[dict[str, str], Any]:
        """POST a JSON body — only for reads that GitHub serves over POST (GraphQL queries).

        Same pacing, counting, retries, error mapping and token redaction as ``get``.
        """
        return self._request("POST", url, body=body)

    def graphql(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Run one GraphQL query and return its ``data`` object.

        GitHub answers refusals inside an HTTP 200 (``{"data": ..., "errors": [...]}``), which
        would otherwise read as success with null fields: any ``errors`` entry raises an ApiError
        of kind ``graphql``, even when ``data`` came back too.
        """
        headers, payload = self.post_json(
            self.graphql_url, {"query": query, "variables": dict(variables)}
        )
        if not isinstance(payload, dict) or isinstance(payload.get("data"), str):
            raise ApiError(
                None,
                f"POST graphql returned {_describe_shape(payload)}, expected data",
                headers,
                github_shaped=False,
                kind="shape",
            )
        if payload.get("errors"):
            err = _graphql_error(payload["errors"], headers)
            err.message = self.redact(err.message)
            raise err
        data = payload.get("data")
        if not isinstance(data, dict):
            raise ApiError(
                None,
                "POST graphql returned no data object",
                headers,
                github_shaped=False,
                kind="shape",
            )
        return data

    def _request(
        self,
        verb: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, str], Any]:
        """Send one counted request through PyGithub; normalise every failure to ApiError."""
        import requests

        if self._egress is not None:
            target = url if url.startswith(("http://", "https://")) else self.base_url
            self._egress.check_url(target, field="baseUrl")
        self.gate.wait()
        self.counter.call()
        try:
            headers, data = self._client().requester.requestJsonAndCheck(
                verb,
                url,
                parameters=dict(params) if params else None,
                input=dict(body) if body is not None else None,
            )
        except GithubException as exc:
            err = _from_github_exception(exc)
            self.gate.observe(err.headers)
            raise err from None
        except requests.exceptions.RetryError as exc:
            raise ApiError(
                None, f"gave up after retries: {self._describe(exc)}", {}, kind="throttled"
            ) from None
        except requests.exceptions.RequestException as exc:
            raise ApiError(
                None, self._describe(exc), {}, github_shaped=False, kind="transport"
            ) from None
        except (ValueError, RuntimeError, AssertionError) as exc:
            # Invalid JSON, a redirect off the API, or a Link to a foreign host.
            raise ApiError(
                None,
                f"unusable response: {self._describe(exc)}",
                {},
                github_shaped=False,
                kind="shape",
            ) from None
        lowered = _lower(headers)
        self.gate.observe(lowered)
        if self.token_scopes is None and "x-oauth-scopes" in lowered:
            with self._scopes_lock:
                self.token_scopes = tuple(
                    s.strip() for s in lowered["x-oauth-scopes"].split(",") if s.strip()
                )
        return lowered, data

    def linked_pages(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> Iterator[tuple[list[Any], str | None]]:
        """Yield ``(page, next URL or None)`` for a list endpoint, 100 per page.

        The ``Link: rel="next"`` URL is followed as GitHub wrote it, so page numbers and opaque
        ``after=`` cursors (the audit log) work alike; a caller that stops early knows from the
        URL whether there was more.
        """
        query = {"per_page": 100, **(params or {})}
        url: str | None = path
        first = True
        while url:
            headers, data = self.get(url, query if first else None)
            first = False
            if not isinstance(data, list):
                raise ApiError(
                    None,
                    f"GET {path} returned {_describe_shape(data)}, expected a list",
                    headers,
                    github_shaped=False,
                    kind="shape",
                )
            match = _LINK_NEXT.search(headers.get("link", ""))
            url = match.group(1) if match else None
            yield data, url

    def pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[list[Any]]:
        """Yield each page of a list endpoint, following ``Link: rel="next"`` (100 per page)."""
        for page, _next in self.linked_pages(path, params):
            yield page

    def get_all(self, path: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        out: list[Any] = []
        for page in self.pages(path, params):
            out.extend(page)
        return out

    def _describe(self, exc: BaseException) -> str:
        text = str(exc) or type(exc).__name__
        if "Connection refused" in text or "NewConnectionError" in text:
            text = "connection refused"
        elif "timed out" in text.lower():
            text = "timed out"
        elif "Name or service not known" in text or "getaddrinfo" in text:
            text = "host name does not resolve"
        return self.redact(text[:200])


def _describe_shape(data: Any) -> str:
    """What came back instead of a list, for the error message: the type, and for an object its
    ``message`` (GitHub's error text) or its first keys, so a proxy page or an error body can be
    told apart without the raw response."""
    if not isinstance(data, dict):
        return type(data).__name__
    message = data.get("message")
    if isinstance(message, str):
        return f"an object with message {message[:120]!r}"
    if isinstance(data.get("data"), str):  # PyGithub's wrapping of a body that is not JSON
        return f"a non-JSON body starting {data['data'][:60]!r}"
    return f"an object with keys {', '.join(sorted(map(str, data))[:6])}"

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
Only this package imports ``github``.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from github import Auth, Github
from github.GithubException import GithubException
from github.GithubRetry import GithubRetry

# A held classic-token scope implies these narrower ones (GitHub's documented hierarchy).
IMPLIED_SCOPES: dict[str, tuple[str, ...]] = {
    "admin:org": ("write:org", "read:org"),
    "write:org": ("read:org",),
    "admin:repo_hook": ("write:repo_hook", "read:repo_hook"),
    "write:repo_hook": ("read:repo_hook",),
    "admin:public_key": ("write:public_key", "read:public_key"),
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
        return super().new(**kw)  # type: ignore[return-value]

    def increment(self, *args: Any, **kwargs: Any) -> CountingRetry:  # type: ignore[override]
        retry = super().increment(*args, **kwargs)
        if self.counter is not None:
            self.counter.retried()
        return retry  # type: ignore[return-value]


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
        self.pauses = 0
        self.paused_seconds = 0.0

    def observe(self, headers: Mapping[str, Any]) -> None:
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
            self.pauses += 1
            self.paused_seconds += delay
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
    ``kind`` is ``http``, ``transport``, ``throttled`` or ``shape``.
    """

    def __init__(
        self,
        status: int | None,
        message: str,
        headers: Mapping[str, str],
        *,
        github_shaped: bool = True,
        kind: str = "http",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers
        self.github_shaped = github_shaped
        self.kind = kind

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


def _snippet(data: Any) -> str:
    text = data.get("data") if isinstance(data, dict) and "data" in data else data
    text = " ".join(str(text).split())
    return text[:60] + ("..." if len(text) > 60 else "")


class GithubApi:
    """Counted, rate-aware GET access to one GitHub API through one PyGithub client."""

    def __init__(
        self,
        *,
        token: str,
        base_url: str | None,
        workers: int,
        max_wait: float = 300.0,
        reserve: int = 50,
        app_id: int | str | None = None,
        app_private_key: str | None = None,
        installation_id: int | None = None,
        on_pause: Callable[[float], None] | None = None,
        timeout: int = 30,
    ) -> None:
        # PyGithub attaches a stderr handler at INFO to its logger on import and logs every
        # retried 403; Sentinel reports through progress and FetchErrors instead.
        logging.getLogger("github").setLevel(logging.WARNING)
        self.counter = CallCounter()
        self.gate = RateGate(reserve, max_wait, on_pause=on_pause)
        self.base_url = (base_url or "https://api.github.com").rstrip("/")
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
        self._gh = Github(
            auth=auth,
            base_url=self.base_url,
            timeout=timeout,
            per_page=100,
            retry=retry,
            pool_size=workers + 4,
            seconds_between_requests=0.0,
            seconds_between_writes=1.0,
        )
        self._requester = self._gh.requester
        self._scopes_lock = threading.Lock()
        self.token_scopes: tuple[str, ...] | None = None

    @property
    def calls(self) -> int:
        return self.counter.total

    def close(self) -> None:
        self._gh.close()

    def redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> tuple[dict[str, str], Any]:
        """GET a path (``/orgs/acme``) or a ``Link`` URL; raise ApiError when it did not work."""
        import requests

        self.gate.wait()
        self.counter.call()
        try:
            headers, data = self._requester.requestJsonAndCheck(
                "GET", url, parameters=dict(params) if params else None
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

    def pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[list[Any]]:
        """Yield each page of a list endpoint, following ``Link: rel="next"`` (100 per page)."""
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
            yield data
            match = _LINK_NEXT.search(headers.get("link", ""))
            url = match.group(1) if match else None

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

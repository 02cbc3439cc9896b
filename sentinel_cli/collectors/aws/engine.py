"""The machinery every AWS fetcher shares: clients, calls, pagination, error capture, results.

A collection is a set of independent *units* (one AWS service in one region, or a global service)
run concurrently. Inside a unit, each inventory field is fetched as a *piece*: a failing call
records a :class:`FetchError` naming the field, the IAM action and the region, and abandons only
that piece, so one denied permission never hides the rest of the evidence. Answers that mean
"this is not configured" (NoSuchBucketPolicy, NoSuchEntity for the password policy, ...) are not
errors: each call names the codes that mean absence, and gets ``None`` for them.

Clients are created lazily, once per (service, region), under a lock: botocore clients are
thread-safe but boto3 sessions are not. Every client carries the call counter, the refusal to retry
an answer meaning "not implemented" (:func:`no_retry_when_not_implemented`: an emulator lacking a
service would otherwise cost minutes of backoff per region) and, for S3 Control behind a custom
endpoint, the host fix described in :func:`restore_endpoint_host`.
"""

from __future__ import annotations

import os
import re
import threading
from collections import defaultdict
from collections.abc import Collection as CollectionOf
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sentinel_cli.collectors.aws.actions import CallStats, iam_action
from sentinel_cli.inventory.fetch import FetchError

DEFAULT_MAX_ATTEMPTS = 10
_AWS_HOST_SUFFIXES = (
    ".amazonaws.com",
    ".amazonaws.com.cn",
    ".api.aws",
    ".c2s.ic.gov",
    ".sc2s.sgov.gov",
)
_HTML = re.compile(r"<[^>]+>")
_NOT_IMPLEMENTED = re.compile(r"not\s+(yet\s+)?implemented|notimplemented", re.IGNORECASE)


class FetchFailed(Exception):
    """A call failed and its FetchError is already recorded: abandon the current piece only."""


def to_jsonable(value: Any) -> Any:
    """Datetimes -> ISO 8601 UTC strings with ``Z``, recursively; drops boto3's ResponseMetadata."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def is_custom_endpoint(url: str | None) -> bool:
    host = urlsplit(url or "").hostname or ""
    return bool(host) and not host.endswith(_AWS_HOST_SUFFIXES)


def restore_endpoint_host(endpoint_url: str) -> Any:
    """A ``before-send`` handler undoing S3 Control's account-id host prefix on custom endpoints.

    S3 Control addresses ``{AccountId}.{endpoint host}``; against moto or LocalStack on
    127.0.0.1 that name does not resolve, and ``Config(inject_host_prefix=False)`` does not stop
    it (the prefix comes from the endpoint rules). Putting the endpoint's own host back into the
    prepared request's URL does; SigV4 signatures are not checked by those emulators.
    """
    own = urlsplit(endpoint_url).netloc

    def handler(request: Any, **_: Any) -> None:
        parts = urlsplit(request.url)
        if parts.netloc != own and parts.netloc.endswith("." + own):
            request.url = urlunsplit(parts._replace(netloc=own))

    return handler


def lacks_operation(status: int, code: str, message: str, *, custom_endpoint: bool) -> bool:
    """Whether an error answer means "this endpoint does not implement the operation".

    No retry can change that answer, so it must not be retried. It is HTTP 501 (LocalStack;
    S3's NotImplemented), a 500 whose code or message says "not (yet) implemented", or, from an
    AWS-compatible endpoint only, a 500 without any AWS error code: moto's server answers an
    operation it lacks with its web framework's bare "500 Internal Server Error" HTML page, where
    AWS and the emulators' own transient failures carry a code (InternalError, ServiceUnavailable).
    """
    if status == 501:
        return True
    if status != 500:
        return False
    if _NOT_IMPLEMENTED.search(f"{code} {message}"):
        return True
    return custom_endpoint and (not code or code.isdigit())


def no_retry_when_not_implemented(custom_endpoint: bool) -> Any:
    """A ``needs-retry`` handler answering "do not retry" to :func:`lacks_operation` answers.

    botocore asks every ``needs-retry`` handler and takes the first answer that is not None, so
    registered first, this ``False`` overrides the retry mode's backoff for these answers only;
    for anything else it answers None and the configured retries (throttling, transient 5xx,
    connection errors) proceed unchanged. (The retry mode's handler still sees the answer and may
    charge its retry quota, 5 of 500 tokens per client; a client meets such an answer once or twice
    per collection.)
    """

    def handler(response: Any = None, **_: Any) -> bool | None:
        if not response:
            return None  # a connection error: the retry mode decides
        http, parsed = response
        status = int(getattr(http, "status_code", 0) or 0)
        if status not in (500, 501):
            return None
        err = (parsed.get("Error") if isinstance(parsed, dict) else None) or {}
        code, message = str(err.get("Code") or ""), str(err.get("Message") or "")
        if lacks_operation(status, code, message, custom_endpoint=custom_endpoint):
            return False
        return None

    return handler


def error_code_and_message(exc: Exception, *, custom_endpoint: bool = False) -> tuple[str, str]:
    """(error code, short message) of a failed call, for a FetchError or a bucket's error.

    With ``custom_endpoint``, an answer meaning the endpoint lacks the operation (see
    :func:`lacks_operation`) becomes ``NotImplemented`` with a message saying so.
    """
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        err = response.get("Error") or {}
        code = str(err.get("Code") or "Unknown")
        message = str(err.get("Message") or "")
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", code)
        bare = code.isdigit() or "<" in message
        if bare:
            # An HTML error page (an emulator without this operation, a proxy): keep it short.
            message = f"HTTP {status}: " + " ".join(_HTML.sub(" ", message).split())[:160]
        http_status = int(status) if str(status).isdigit() else 0
        if custom_endpoint and lacks_operation(http_status, code, message, custom_endpoint=True):
            answer = "no AWS error code" if bare else f"{code}: {message[:120]}"
            return (
                "NotImplemented",
                f"the endpoint does not implement this operation (HTTP {status}, {answer})",
            )
        return code, message
    if isinstance(exc, NotImplementedError):
        return "NotImplemented", f"the endpoint does not implement this operation: {exc}"
    return type(exc).__name__, str(exc) or type(exc).__name__


class Collection:
    """State of one collection: clients, results and errors, shared by the worker threads."""

    def __init__(
        self,
        session: Any,
        *,
        endpoint_url: str | None,
        home_region: str,
        stats: CallStats,
        workers: int,
        max_attempts: int | None = None,
        report_timeout: float = 120.0,
    ) -> None:
        from botocore.config import Config

        self.session = session
        self.endpoint_url = endpoint_url
        self.home_region = home_region
        self.stats = stats
        self.workers = workers
        self.report_timeout = report_timeout
        self.account_id = ""
        attempts = max_attempts or int(os.environ.get("AWS_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS)
        self._config = Config(
            retries={"mode": "adaptive", "max_attempts": attempts},
            max_pool_connections=max(10, workers * 2),
            connect_timeout=10,
            read_timeout=60,
        )
        # Identity is checked first and alone: a wrong endpoint or key must fail in seconds.
        self._sts_config = Config(
            retries={"mode": "standard", "max_attempts": min(attempts, 3)},
            connect_timeout=10,
            read_timeout=20,
        )
        custom = is_custom_endpoint(endpoint_url) or any(
            is_custom_endpoint(os.environ.get(k))
            for k in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")
        )
        # Emulators on an IP or `localhost` cannot serve virtual-hosted bucket names.
        self._s3_config = (
            self._config.merge(Config(s3={"addressing_style": "path"})) if custom else self._config
        )
        self._lock = threading.Lock()  # results and errors
        self._session_lock = threading.Lock()  # the session (not thread-safe) and client cache
        self._clients: dict[tuple[str, str], Any] = {}
        self._errors: dict[tuple[str, str | None, str, str | None], FetchError] = {}
        self.values: dict[str, Any] = {}
        self.regional: dict[str, dict[str, Any]] = defaultdict(dict)

    # ---- clients ----
    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.home_region)
        with self._session_lock:
            found = self._clients.get(key)
            if found is not None:
                return found
            if service == "sts":
                config = self._sts_config
            elif service in ("s3", "s3control"):
                config = self._s3_config
            else:
                config = self._config
            client = self.session.client(
                service, region_name=key[1], endpoint_url=self.endpoint_url, config=config
            )
            client.meta.events.register("before-call", self.stats.on_before_call)
            # Before the retry mode's own handler, so that its backoff never sees these answers.
            client.meta.events.register_first(
                f"needs-retry.{client.meta.service_model.service_id.hyphenize()}",
                no_retry_when_not_implemented(is_custom_endpoint(client.meta.endpoint_url)),
            )
            if service == "s3control" and is_custom_endpoint(client.meta.endpoint_url):
                client.meta.events.register(
                    "before-send.s3-control.*", restore_endpoint_host(client.meta.endpoint_url)
                )
            self._clients[key] = client
            return client

    def partition(self, region: str) -> str:
        with self._session_lock:
            return str(self.session.get_partition_for_region(region))

    def available_regions(self, service: str) -> list[str]:
        """The regions botocore knows for ``service`` in the home region's partition."""
        with self._session_lock:
            partition = self.session.get_partition_for_region(self.home_region)
            return list(self.session.get_available_regions(service, partition))

    # ---- errors ----
    def record(self, error: FetchError) -> None:
        """Keep one error per (source, scope, call, code): a denied call on 50 keys is one error."""
        key = (error.source, error.scope, error.api_call, error.error_code)
        with self._lock:
            self._errors.setdefault(key, error)

    def discard(self, source: str, api_call: str) -> None:
        """Forget errors of ``api_call`` for ``source`` once a fallback has read the data anyway."""
        with self._lock:
            for key in [k for k in self._errors if k[0] == source and k[2] == api_call]:
                del self._errors[key]

    @property
    def errors(self) -> tuple[FetchError, ...]:
        with self._lock:
            found = list(self._errors.values())
        return tuple(sorted(found, key=lambda e: (e.source, e.scope or "", e.api_call)))

    def fail(
        self, source: str, scope: str | None, client: Any, op: str, exc: Exception
    ) -> FetchFailed:
        action = self.action(client, op)
        code, message = error_code_and_message(
            exc, custom_endpoint=is_custom_endpoint(client.meta.endpoint_url)
        )
        self.record(
            FetchError(
                source=source,
                api_call=action,
                message=message if code.isdigit() else (f"{code}: {message}" if message else code),
                scope=scope,
                permission=action,
                error_code=code,
            )
        )
        return FetchFailed(f"{action}: {code}")

    @staticmethod
    def action(client: Any, op: str) -> str:
        model = client.meta.service_model
        return iam_action(model.service_name, model.operation_model(_op_name(client, op)).name)

    # ---- calls ----
    def call(
        self,
        source: str,
        scope: str | None,
        client: Any,
        op: str,
        *,
        absent: CollectionOf[str] = (),
        **params: Any,
    ) -> dict[str, Any] | None:
        """One API call. ``None`` when AWS answers one of the ``absent`` codes; FetchFailed on error."""
        try:
            return dict(getattr(client, op)(**params))
        except Exception as exc:  # every failure becomes evidence, see FetchError
            code, _ = error_code_and_message(exc)
            if code in absent:
                return None
            raise self.fail(source, scope, client, op, exc) from None

    def pages(
        self, source: str, scope: str | None, client: Any, op: str, **params: Any
    ) -> list[dict[str, Any]]:
        """Every page of ``op`` (boto3 paginator when one exists, else a single call)."""
        if not client.can_paginate(op):
            page = self.call(source, scope, client, op, **params)
            return [page] if page is not None else []
        try:
            return [dict(p) for p in client.get_paginator(op).paginate(**params)]
        except Exception as exc:  # as in call()
            raise self.fail(source, scope, client, op, exc) from None

    def items(
        self, source: str, scope: str | None, client: Any, op: str, key: str, **params: Any
    ) -> list[Any]:
        """The ``key`` list of every page, concatenated."""
        out: list[Any] = []
        for page in self.pages(source, scope, client, op, **params):
            out.extend(page.get(key) or [])
        return out

    # ---- results ----
    def put(self, field: str, value: Any, region: str | None = None) -> None:
        value = to_jsonable(value)
        with self._lock:
            if region is None:
                self.values[field] = value
            else:
                self.regional[field][region] = value

    @contextmanager
    def piece(self, source: str, scope: str | None) -> Iterator[None]:
        """Run one field's fetch; a failure is recorded (by call() or here) and does not spread."""
        try:
            yield
        except FetchFailed:
            pass
        except Exception as exc:  # a parsing surprise is still evidence, not a crash
            self.record(
                FetchError(
                    source=source,
                    api_call="sentinel:collect",
                    message=f"unexpected {type(exc).__name__} while reading the answer: {exc}",
                    scope=scope,
                    error_code="InternalError",
                )
            )


def _op_name(client: Any, op: str) -> str:
    """boto3 method name (``get_bucket_policy``) -> operation name (``GetBucketPolicy``)."""
    return str(client.meta.method_to_api_mapping.get(op, op))

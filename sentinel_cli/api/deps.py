"""Per-request resources: one store connection per request, from a small pool, and the app's state.

Each request gets a connection of its own for its whole life (``ApiMiddleware`` leases it before
routing, for the rate-limit counter and the user lookup, and returns it after the response), so no
two requests ever share a connection or a transaction. Connections are reused rather than opened per
request because ``open_store`` also checks the schema version and looks for interrupted jobs, which
would cost more than the queries of a small request. A returned connection with a transaction still
open (an endpoint that raised inside one) is rolled back before reuse; beyond ``max_idle`` spare
connections, returned ones are closed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from sentinel_cli.config import Settings
from sentinel_cli.egress import EgressPolicy
from sentinel_cli.operations.store_secrets import open_secrets
from sentinel_cli.secrets import SecretStore
from sentinel_cli.store import Store, open_store

if TYPE_CHECKING:
    from sentinel_cli.api.cache import ResponseCache
    from sentinel_cli.api.config import ApiSettings
    from sentinel_cli.api.jobs import CollectionRunner
    from sentinel_cli.api.ratelimit import RateLimiter


# How long a request waits for another process's write lock before it is answered 503 with
# ``Retry-After`` (``middleware``). Shorter than the CLI's 15 s: a person at a terminal would rather
# wait, but a server thread held that long per request exhausts the thread pool (every request,
# health checks included, then queues behind the lock) and outlasts client and proxy timeouts. Our
# own write transactions (a collection's evidence, a login stamp) take well under this.
REQUEST_BUSY_TIMEOUT_MS = 3_000


class StorePool:
    def __init__(
        self, settings: Settings, *, max_idle: int = 8, busy_timeout_ms: int | None = None
    ) -> None:
        self.settings = settings
        self.max_idle = max_idle
        self.busy_timeout_ms = busy_timeout_ms
        self._idle: list[Store] = []
        self._lock = threading.Lock()
        self._closed = False

    def acquire(self) -> Store:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        store = open_store(self.settings)
        if self.busy_timeout_ms is not None:
            store.set_lock_timeout(int(self.busy_timeout_ms))
        return store

    def release(self, store: Store) -> None:
        try:
            if store.in_transaction:
                store.rollback()
        except Exception:
            store.close()
            return
        with self._lock:
            if not self._closed and len(self._idle) < self.max_idle:
                self._idle.append(store)
                return
        store.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for store in idle:
            store.close()


@dataclass
class ApiState:
    """Everything the app holds for its lifetime, built once by ``create_app``."""

    settings: ApiSettings
    pool: StorePool
    limiter: RateLimiter
    signing_key: str = field(repr=False)  # never in a log line or a traceback's locals
    runner: CollectionRunner
    secrets: SecretStore
    cache: ResponseCache
    egress: EgressPolicy
    """The server's outbound rule, from this worker process's environment (``serve`` sets it)."""


def state_of(request: Request) -> ApiState:
    return request.app.state.api  # type: ignore[no-any-return]  # app.state is untyped; the app factory puts ApiState there


def leased_store(request: Request) -> Store:
    """The request's connection, leased by the middleware."""
    return request.scope["state"]["store"]  # type: ignore[no-any-return]  # the ASGI scope is untyped; the middleware leases a Store


async def get_store(request: Request) -> Store:
    """``leased_store`` as a dependency (async: no thread hop to read it)."""
    return leased_store(request)


async def get_state(request: Request) -> ApiState:
    return state_of(request)


def make_secrets(settings: Settings) -> SecretStore:
    return open_secrets(settings, announce=False)


StoreDep = Annotated[Store, Depends(get_store)]
StateDep = Annotated[ApiState, Depends(get_state)]

"""``/api/health`` (no auth: for load balancers and ``sentinel serve``'s start-up check) and, only
with ``SENTINEL_BENCH=1``, ``/api/_bench/hello``: the cheapest route the app can serve, which
``bench/api.py`` uses as the throughput ceiling of the same server and middleware stack.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sentinel_cli import __version__
from sentinel_cli.api.deps import leased_store, state_of
from sentinel_cli.api.errors import ok
from sentinel_cli.api.models import doc

log = logging.getLogger("sentinel.api")
router = APIRouter(prefix="/api", tags=["health"])
bench_router = APIRouter(prefix="/api/_bench", include_in_schema=False)


@router.get(
    "/health",
    **doc("Health", status=str, version=str, store=str, queue=dict[str, Any], workers=int),
)
async def health(request: Request) -> JSONResponse:
    """Liveness for load balancers: the server answers and its store could be opened for this
    request (else 503 from the middleware). Also says how the background work stands: jobs
    waiting for a worker, tasks on the queue, workers alive (0: nothing runs queued work)."""
    facts = await run_in_threadpool(_background_facts, request)
    return ok({"status": "ok", "version": __version__, "store": "ok", **facts})


def _background_facts(request: Request) -> dict[str, Any]:
    from sentinel_cli.operations.workers import live_workers

    store = leased_store(request)
    queue: dict[str, Any] = {"waitingJobs": len(store.jobs.queued_waiting())}
    try:
        queue["pendingTasks"] = state_of(request).runner.queue.pending()
    except Exception:  # the queue file is unusable: say so, the web server itself still serves
        log.warning("health: the task queue cannot be read", exc_info=True)
        queue["pendingTasks"] = None
    return {"queue": queue, "workers": len(live_workers(store))}


@bench_router.get("/hello")
async def hello() -> JSONResponse:
    return ok({"hello": "world"})

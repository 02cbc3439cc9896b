"""``/api/health`` (no auth: for load balancers and ``sentinel serve``'s start-up check) and, only
with ``SENTINEL_BENCH=1``, ``/api/_bench/hello``: the cheapest route the app can serve, which
``bench/api.py`` uses as the throughput ceiling of the same server and middleware stack.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from sentinel_cli import __version__
from sentinel_cli.api.errors import ok
from sentinel_cli.api.models import doc

router = APIRouter(prefix="/api", tags=["health"])
bench_router = APIRouter(prefix="/api/_bench", include_in_schema=False)


@router.get("/health", **doc("Health", status=str, version=str))
async def health() -> JSONResponse:
    """Liveness: the server answers and its store could be opened for this request."""
    return ok({"status": "ok", "version": __version__})


@bench_router.get("/hello")
async def hello() -> JSONResponse:
    return ok({"hello": "world"})

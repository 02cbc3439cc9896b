"""The FastAPI app factory: ``create_app(settings)``, and ``create_app_from_env`` for uvicorn.

``sentinel serve`` hands uvicorn the import string ``sentinel_cli.api.app:create_app_from_env``
with ``factory=True``, so each ``--workers`` process builds its own app from the same environment;
everything shared between workers (users, rate-limit counters, jobs) lives in the store, and the JWT
signing key in the secrets backend.

Building the app opens the store once (applying migrations, and marking jobs a dead server left
RUNNING as FAILED), loads or creates the signing key and computes the dummy password hash, so a
misconfigured home fails at start rather than on the first request.

The web dashboard (``sentinel_cli.web``) shares the port: its pages and ``/static/`` assets are
installed on the same app, and the middleware counts pages against their own budget.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sentinel_cli import __version__
from sentinel_cli.api import auth
from sentinel_cli.api.cache import ResponseCache
from sentinel_cli.api.config import ApiSettings
from sentinel_cli.api.deps import REQUEST_BUSY_TIMEOUT_MS, ApiState, StorePool, make_secrets
from sentinel_cli.api.docs import DOCS_PATH, OAUTH2_REDIRECT_PATH, assets_dir, install_docs
from sentinel_cli.api.errors import install_error_handlers
from sentinel_cli.api.jobs import CollectionRunner
from sentinel_cli.api.middleware import ApiMiddleware
from sentinel_cli.api.ratelimit import RateLimiter
from sentinel_cli.api.routers import auth as auth_routes
from sentinel_cli.api.routers import collect, health
from sentinel_cli.api.routes import use_case_router
from sentinel_cli.config import Settings
from sentinel_cli.egress import EgressPolicy
from sentinel_cli.operations import integrations as integration_ops
from sentinel_cli.operations import users as user_ops
from sentinel_cli.store import open_store
from sentinel_cli.web.mount import install as install_web

log = logging.getLogger("sentinel.api")

DESCRIPTION = """\
The Sentinel REST API: compliance evidence, integrations, policies and billing of this install.

Log in with `POST /api/auth/login` and send the token as `Authorization: Bearer <token>`.
Roles: VIEWER reads; MEMBER also connects, collects and generates; ADMIN also manages users,
billing and deletes. Responses are `{"status": "success", "data": {...}}`; errors are
`{"status": "error", "message": "...", "statusCode": N}`. Requests are rate limited per user
(per IP without a token); see the `X-RateLimit-*` headers.
"""


def create_app(settings: ApiSettings | Settings | None = None) -> FastAPI:
    if settings is None:
        api_settings = ApiSettings.from_env()
    elif isinstance(settings, Settings):
        api_settings = ApiSettings(base=settings)
    else:
        api_settings = settings
    base = api_settings.base
    with open_store(base) as store:
        # Drop secrets an interrupted removal left behind (cheap; the file backend only).
        integration_ops.forget_removed_secrets(store, make_secrets(base))
    egress = EgressPolicy.server()  # the outbound rule, from this worker's environment
    state = ApiState(
        settings=api_settings,
        pool=StorePool(
            base, max_idle=api_settings.pool_size, busy_timeout_ms=REQUEST_BUSY_TIMEOUT_MS
        ),
        limiter=RateLimiter(
            api_settings.rate_limit, api_settings.login_rate_limit, api_settings.web_rate_limit
        ),
        signing_key=auth.load_or_create_signing_key(base),
        runner=CollectionRunner(base, egress),
        egress=egress,
        secrets=make_secrets(base),
        cache=ResponseCache(),
    )
    user_ops.warm_up()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        state.pool.close()

    local_docs = assets_dir() is not None
    app = FastAPI(
        title="Sentinel API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url=None if local_docs else DOCS_PATH,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None if local_docs else OAUTH2_REDIRECT_PATH,
        lifespan=lifespan,
    )
    if local_docs:
        install_docs(app, title=app.title, openapi_url="/api/openapi.json")
    app.state.api = state
    install_error_handlers(app)
    routers = [health.router, auth_routes.router, collect.router, use_case_router()]
    if api_settings.bench:
        routers.append(health.bench_router)
    for router in routers:
        app.include_router(router)
    app.state.api_routes = [r for router in routers for r in router.routes]
    web = install_web(app)  # after the API's error handlers, which it wraps for pages
    app.add_middleware(ApiMiddleware, state=state, web=web)
    return app


def create_app_from_env() -> FastAPI:
    """The uvicorn factory: settings from the environment of this (worker) process."""
    return create_app(ApiSettings.from_env())

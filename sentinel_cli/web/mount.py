"""``install``: put the dashboard on the API's app (``api.app.create_app`` calls it).

It serves ``static/`` under ``/static/``, registers every page router (``pages.ROUTERS``), adds the
page error handlers (after the API's, which they wrap) and returns the gate the API's middleware
consults for requests outside ``/api`` (``gate.PageGate``).
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from sentinel_cli.web import errors, static
from sentinel_cli.web.gate import PageGate
from sentinel_cli.web.pages import ROUTERS
from sentinel_cli.web.paths import STATIC_PREFIX


def install(app: FastAPI) -> PageGate:
    for router in ROUTERS:
        app.include_router(router)
    app.mount(STATIC_PREFIX.rstrip("/"), StaticFiles(directory=static.DIRECTORY), name="static")
    errors.install(app)
    return PageGate()

"""The docs page (Swagger UI at ``/api/docs``), with its script and stylesheet served by this server.

FastAPI's default page loads Swagger UI from a CDN without subresource integrity: whoever controls
that CDN runs script in the API's origin, and an air-gapped install gets a blank page. The assets
come instead from the ``fastapi-swagger`` package (the ``serve`` extra), whose files are the
official ``swagger-ui-dist`` release unchanged (5.34.0 in 0.4.64, checked byte for byte; the extra
pins that version so an upgrade is a deliberate, re-checked change). ``swagger-ui-bundle`` was not
used: it ships Swagger UI 4, which cannot render the OpenAPI 3.1 document FastAPI produces.
"""

from __future__ import annotations

import logging
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

log = logging.getLogger("sentinel.api")

DOCS_PATH = "/api/docs"
STATIC_PATH = "/api/docs/static"
OAUTH2_REDIRECT_PATH = "/api/docs/oauth2-redirect"


def assets_dir() -> Path | None:
    """Where the installed Swagger UI files are, or ``None`` without the package."""
    if find_spec("fastapi_swagger") is None:
        return None
    return Path(str(resources.files("fastapi_swagger") / "resources"))


def install_docs(app: FastAPI, *, title: str, openapi_url: str) -> bool:
    """Serve the docs page from local assets; False (FastAPI's CDN page stays) without them."""
    directory = assets_dir()
    if directory is None or not (directory / "swagger-ui-bundle.js").is_file():
        log.warning("fastapi-swagger is not installed: /api/docs loads Swagger UI from a CDN")
        return False
    app.mount(STATIC_PATH, StaticFiles(directory=directory), name="docs-static")

    @app.get(DOCS_PATH, include_in_schema=False)
    async def docs_page() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - docs",
            swagger_js_url=f"{STATIC_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_PATH}/favicon-32x32.png",
            oauth2_redirect_url=OAUTH2_REDIRECT_PATH,
        )

    @app.get(OAUTH2_REDIRECT_PATH, include_in_schema=False)
    async def docs_oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    return True

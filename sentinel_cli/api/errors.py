"""The response envelope, and every error mapped to it in one place.

Success is ``{"status": "success", "data": {...}}``; every error, whatever raised it, is
``{"status": "error", "message": "...", "statusCode": N}``:

- a ``SentinelError`` from an operation -> its ``http_status`` and message (the messages are written
  for users and never hold a secret), and its class name in the ``X-Sentinel-Error`` header;
  ``StoreUnavailable`` (503) says only that the store is unavailable, since its message names
  files on the server; so does a database server lost in the middle of a request
  (``is_store_unavailable``, answered by ``middleware``);
- FastAPI's request validation (422) -> 400 with the fields at fault; malformed JSON -> 400;
- Starlette's 404 (unknown route) and 405 (wrong method) -> the envelope, keeping ``Allow``;
- the store locked by another process's write for longer than a request waits
  (``deps.REQUEST_BUSY_TIMEOUT_MS``) -> 503 with ``Retry-After`` (``is_store_busy``);
- anything else -> 500 "internal server error", handled by ``middleware.ApiMiddleware`` (outside
  Starlette's exception middleware) so the 500 still carries the rate-limit headers. The traceback
  goes to the server log, never to the client.

Endpoints return ``ok(...)`` (a ready ``JSONResponse``) rather than dicts: FastAPI then skips its
``jsonable_encoder`` walk over the data, which is measurable on evidence pages.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sentinel_cli.errors import SentinelError, StoreUnavailable, Unauthorized, error_name
from sentinel_cli.store.errors import is_busy, is_connection_failure

log = logging.getLogger("sentinel.api")

BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}
# Names the domain error (``InvalidInput``, ``CredentialsRefused`` ...) beside the envelope, which
# keeps the spec's three fields: the CLI logged in to a server exits with the code it would have
# locally (a refused AWS key is 400 like a bad flag, but exits 4, not 2).
ERROR_HEADER = "X-Sentinel-Error"
# The error's hint (what to do next), percent-encoded: the CLI logged in to a server prints the
# same hint it would print locally, without the envelope growing a field the spec does not have.
HINT_HEADER = "X-Sentinel-Hint"


# A write lock that outlasted the request's busy timeout is a long commit: a few seconds more.
BUSY_RETRY_AFTER_SECONDS = 5
BUSY_MESSAGE = "the server's store is busy with another write; retry in a few seconds"


def is_store_busy(exc: BaseException) -> bool:
    """Whether the store being locked/busy caused ``exc`` (directly or as its cause); the store
    decides what that looks like for its database (``store.errors.is_busy``)."""
    return is_busy(exc)


UNAVAILABLE_MESSAGE = "the server's store is unavailable; see the server log"


def is_store_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the store cannot be used right now (it failed to open, or its
    database server cannot be reached or dropped the connection): 503, never a 500 "bug"."""
    return isinstance(exc, StoreUnavailable) or is_connection_failure(exc)


def unavailable_reason(exc: BaseException) -> str:
    """What the server log says about it, on one line (the store's messages and the driver's
    name no password)."""
    text = exc.message if isinstance(exc, StoreUnavailable) else str(exc)
    return " ".join(text.split()) or type(exc).__name__


def busy_response() -> JSONResponse:
    return error_response(503, BUSY_MESSAGE, {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)})


def ok(data: Any, status_code: int = 200, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"status": "success", "data": data}, status_code, headers=headers)


def error_body(status_code: int, message: str) -> dict[str, Any]:
    return {"status": "error", "message": message, "statusCode": status_code}


def error_bytes(status_code: int, message: str) -> bytes:
    return json.dumps(error_body(status_code, message), separators=(",", ":")).encode("utf-8")


def error_response(
    status_code: int, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(status_code, message), status_code, headers=headers)


def _where(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if not parts:
        return "request"
    source, rest = parts[0], ".".join(parts[1:])
    if source == "body":
        return rest or "request body"
    if source in ("query", "path", "header", "cookie"):
        return f"{rest} ({source} parameter)" if rest else source
    return ".".join(parts)


def validation_message(errors: Sequence[Mapping[str, Any]]) -> str:
    """One readable line for FastAPI's validation errors (first five, by field)."""
    if any(e.get("type") == "json_invalid" for e in errors):
        return "malformed JSON in the request body"
    parts = [f"{_where(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in errors[:5]]
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "invalid request: " + "; ".join(parts) + more


def _sentinel_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SentinelError)
    status = exc.http_status
    if isinstance(exc, StoreUnavailable) and is_store_busy(exc):
        log.warning("store busy on %s %s: %s", request.method, request.url.path, exc.message)
        return busy_response()
    if isinstance(exc, StoreUnavailable):
        log.error("store unavailable on %s %s: %s", request.method, request.url.path, exc.message)
        return error_response(status, UNAVAILABLE_MESSAGE, {ERROR_HEADER: error_name(exc)})
    headers = {ERROR_HEADER: error_name(exc)}
    if exc.hint:
        headers[HINT_HEADER] = quote(exc.hint, safe=" /:=,.'()[]-_")
    if isinstance(exc, Unauthorized):
        headers.update(BEARER_CHALLENGE)
    return error_response(status, exc.message, headers)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else None
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    if status == 404 and (detail is None or detail == phrase):
        message = f"not found: no route {request.method} {request.url.path}"
    elif status == 405 and (detail is None or detail == phrase):
        message = f"method {request.method} is not allowed on {request.url.path}"
    else:
        message = detail or phrase
    headers = dict(exc.headers or {})
    if status == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return error_response(status, message, headers)


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path: Starlette's 405 names only the first route's
    (``GET /api/users`` and ``POST /api/users`` are two routes). ``create_app`` lists the routes in
    ``app.state.api_routes``."""
    path = request.url.path
    methods: set[str] = set()
    for route in getattr(request.app.state, "api_routes", ()):
        if route.path_regex.match(path):
            methods |= set(route.methods or ())
    return ", ".join(sorted(methods))


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(400, validation_message(exc.errors()))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SentinelError, _sentinel_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)

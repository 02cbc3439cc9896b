"""Routes registered from the table of use cases (``operations.usecases``), one per row.

Each row becomes an endpoint whose signature FastAPI reads like a hand-written one (path and query
parameters under their wire names, a body model from the row's body parameters with unknown fields
refused and secrets out of ``repr``, the role dependency), so validation, 401/403 and the OpenAPI
document come from the declaration the CLI's client uses. ``document`` rows answer with the file;
``cached`` rows (evidence list, dashboard) are async, check the role themselves and hand the raw
query to the operation: FastAPI's validation would cost more than answering from the cache.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, StrictBool, create_model

from sentinel_cli.api.auth import BEARER_SECURITY, Principal, authorize, require
from sentinel_cli.api.deps import leased_store, state_of
from sentinel_cli.api.errors import ok
from sentinel_cli.api.jobs import run_use_case
from sentinel_cli.api.models import ERRORS, MANY_STRINGS, ONE_STRING, envelope, query_param
from sentinel_cli.api.models import Body as BodyModel
from sentinel_cli.errors import InvalidInput
from sentinel_cli.operations.usecases import USE_CASES, Context, UseCase, invoke

_SCHEMAS: dict[Any, dict[str, Any]] = {
    int: {"type": "integer"},
    bool: {"type": "boolean"},
    list[str]: MANY_STRINGS,
}


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def body_model(case: UseCase) -> type[BaseModel] | None:
    """The request body of a row: its body parameters under their wire names."""
    fields: dict[str, Any] = {}
    for p in case.params_in("body"):
        kind: Any = StrictBool if p.type is bool else p.type
        options: dict[str, Any] = {"repr": not p.secret, "description": p.doc or None}
        if isinstance(p.default, list | dict):
            options["default_factory"] = type(p.default)
        else:
            options["default"] = ... if p.required else p.default
        if p.max_length is not None:
            options["max_length"] = p.max_length
        fields[p.wire_name] = (kind if p.required else kind | None, Field(**options))
    if not fields:
        return None
    return create_model(f"{_camel(case.name)}Body", __base__=BodyModel, **fields)


def _signature(case: UseCase, model: type[BaseModel] | None) -> inspect.Signature:
    def param(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> Any:
        return inspect.Parameter(
            name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
        )

    params = [
        param("principal", Annotated[Principal, Depends(require(case.role))]),
        param("request", Request),
        *(param(p.wire_name, Annotated[str, Path()]) for p in case.params_in("path")),
        *(
            param(
                f"q_{p.name}",
                Annotated[p.type | None, Query(alias=p.wire_name, description=p.doc or None)],
                p.default,
            )
            for p in case.params_in("query")
        ),
    ]
    if model is not None:
        if any(p.required for p in case.params_in("body")):
            params.append(param("body", Annotated[model, Body()]))
        else:
            params.append(param("body", Annotated[model | None, Body()], None))
    return inspect.Signature(params)


def _values(case: UseCase, kwargs: dict[str, Any]) -> dict[str, Any]:
    values = {p.name: kwargs[p.wire_name] for p in case.params_in("path")}
    values.update({p.name: kwargs[f"q_{p.name}"] for p in case.params_in("query")})
    body = kwargs.get("body")
    for p in case.params_in("body"):
        values[p.name] = getattr(body, p.wire_name) if body is not None else p.default
    return values


def _refuse_empty_items(case: UseCase, values: dict[str, Any]) -> dict[str, Any]:
    """``?severity=`` names no value: refuse it (400) rather than read it as no filter, so a
    query that says something empty is not answered as if it had said nothing."""
    for p in case.params_in("query"):
        given = values.get(p.name)
        if p.type == list[str] and given and any(not str(v).strip() for v in given):
            raise InvalidInput(
                f"{p.wire_name}: empty value",
                hint=f"give a value or leave {p.wire_name} out",
            )
    return values


def respond(case: UseCase, value: Any) -> Response:
    """The operation's value as the row's response: a file, or the success envelope."""
    if case.document:
        return Response(
            value.content,
            media_type=value.media_type,
            headers={"Content-Disposition": f'attachment; filename="{value.filename}"'},
        )
    return ok({case.result: value} if case.result else value, case.status)


def _typed_endpoint(case: UseCase) -> Callable[..., Response]:
    model = body_model(case)

    def endpoint(**kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        principal: Principal = kwargs["principal"]
        context = Context(
            store=lambda: leased_store(request),
            secrets=lambda: state_of(request).secrets,
            actor=principal.email,
            role=principal.role,
            egress=state_of(request).egress,
        )
        values = _refuse_empty_items(case, _values(case, kwargs))
        return respond(case, run_use_case(state_of(request).runner, case, values, context))

    endpoint.__signature__ = _signature(case, model)  # type: ignore[attr-defined]  # read by FastAPI
    return endpoint


def _raw_values(case: UseCase, request: Request) -> dict[str, Any]:
    query = request.query_params
    return {
        p.name: (query.getlist(p.wire_name) or None)
        if p.type == list[str]
        else query.get(p.wire_name)
        for p in case.params_in("query")
    }


def _cached_endpoint(case: UseCase) -> Callable[..., Any]:
    async def endpoint(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from sentinel_cli.timeutil import utcnow

        principal = authorize(request, case.role)
        store = leased_store(request)
        key = (
            request.url.path,
            tuple(sorted(request.query_params.multi_items())),
            utcnow().date().isoformat(),
            store.queries.generation(),
        )
        cache = state_of(request).cache
        content = cache.get(key)
        if content is None:
            context = Context(store=lambda: store, actor=principal.email, role=principal.role)
            values = _refuse_empty_items(case, _raw_values(case, request))
            response = await run_in_threadpool(lambda: respond(case, invoke(case, values, context)))
            content = bytes(response.body)
            cache.put(key, content)
        return Response(content, media_type="application/json")

    return endpoint


def use_case_router() -> APIRouter:
    """One route per use case, in table order (fixed paths before ``{id}`` paths)."""
    router = APIRouter()
    for case in USE_CASES:
        options: dict[str, Any] = {
            "methods": [case.method],
            "name": case.name,
            "description": case.summary or None,
            "tags": [case.tag] if case.tag else None,
            "status_code": case.status,
            "responses": dict(ERRORS),
            "response_model": None,
        }
        if case.document:
            options["response_class"] = Response
            options["responses"][case.status] = {"description": "The document"}
        else:
            data = {case.result: Any} if case.result else {}
            options["responses"][case.status] = {"model": envelope(_camel(case.name), **data)}
        if case.cached:
            parameters = [
                query_param(p.wire_name, p.doc, _SCHEMAS.get(p.type, ONE_STRING))
                for p in case.params_in("query")
            ]
            options["openapi_extra"] = {"parameters": parameters, "security": BEARER_SECURITY}
            router.add_api_route(case.path, _cached_endpoint(case), **options)
        else:
            router.add_api_route(case.path, _typed_endpoint(case), **options)
    return router

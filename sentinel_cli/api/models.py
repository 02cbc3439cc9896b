"""Request bodies (camelCase, as the spec writes them) and the envelope models the OpenAPI shows.

The bodies of the use-case routes are built from the table (``api.routes.body_model``) on the
``Body`` base below; only the login and collect bodies, whose routes are hand-written, are here.

Bodies refuse unknown fields (``extra="forbid"``): a misspelt ``orgname`` should be a 400 naming
the field, not a silent default. Values are only type-checked here; every business rule (region
format, password length, known roles, ...) is checked by the operation, so the CLI and the API
refuse the same things with the same messages.

Responses are documented, not validated: endpoints return the operation's plain data in the
envelope directly (see ``errors.ok``), and ``envelope()`` builds a schema naming the keys of
``data`` for each route.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator
from pydantic_core import PydanticCustomError


class Body(BaseModel):
    """Request bodies. Secret fields are ``repr=False``: a body in a log line or a traceback
    shows everything but the password, token or secret key.

    JSON may escape a lone UTF-16 surrogate (``"\\ud800"``), which Python decodes into a string
    that cannot be encoded as UTF-8, so the store (or any file) would fail on it later with a 500.
    Every string, nested ones (``customData``) and keys included, is refused here, naming the
    field."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_lone_surrogates(cls, value: Any) -> Any:
        if _has_surrogate(value):
            raise PydanticCustomError(
                "lone_surrogate",
                "contains an unpaired UTF-16 surrogate (e.g. \\ud800), which is not valid text",
            )
        return value


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_surrogate(v) for v in value)
    return False


class LoginBody(Body):
    email: str = Field(max_length=320)
    password: str = Field(max_length=4096, repr=False)


class PasswordBody(Body):
    currentPassword: str = Field(max_length=4096, repr=False)
    newPassword: str = Field(max_length=4096, repr=False)


class CollectBody(Body):
    since: str | None = None
    until: str | None = None


class ErrorEnvelope(BaseModel):
    status: Literal["error"]
    message: str
    statusCode: int


_MODELS: dict[str, type[BaseModel]] = {}


def envelope(name: str, **keys: Any) -> type[BaseModel]:
    """A success envelope whose ``data`` has these keys (``key=type``); no keys: any object."""
    if name in _MODELS:
        return _MODELS[name]
    data: Any = dict[str, Any]
    if keys:
        fields: dict[str, Any] = {k: (t, ...) for k, t in keys.items()}
        data = create_model(f"{name}Data", **fields)
    envelope_fields: dict[str, Any] = {"status": (Literal["success"], ...), "data": (data, ...)}
    model: type[BaseModel] = create_model(f"{name}Response", **envelope_fields)
    _MODELS[name] = model
    return model


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorEnvelope, "description": text}
    for code, text in (
        (400, "Bad request (validation error, malformed JSON)"),
        (401, "Missing, invalid or expired token"),
        (403, "Insufficient role, or a plan limit"),
        (404, "Unknown id or route"),
        (409, "Conflict with the current state"),
        (429, "Rate limited (see Retry-After)"),
        (500, "Internal server error"),
    )
}


def doc(
    name: str,
    status_code: int = 200,
    *,
    more_responses: dict[int | str, dict[str, Any]] | None = None,
    **keys: Any,
) -> dict[str, Any]:
    """Route decorator arguments documenting the success envelope of ``name`` at ``status_code``."""
    return {
        "status_code": status_code,
        "response_model": None,
        "responses": {status_code: {"model": envelope(name, **keys)}, **(more_responses or {})},
    }


# Query parameters that a route reads itself (from ``request.query_params``, handing the raw values
# to the operation that validates them) are declared for the OpenAPI document with these.
MANY_STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
ONE_STRING: dict[str, Any] = {"type": "string"}


def query_param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """One optional query parameter as an OpenAPI parameter object (for ``openapi_extra``)."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }

"""Reading a submitted form: ``application/x-www-form-urlencoded``, and ``multipart/form-data`` for
the one page that takes a file (verifying a report).

A plain form needs nothing beyond ``urllib.parse``; only a file upload uses Starlette's multipart
parser, which needs python-multipart (in the ``serve`` extra). The body is already bounded by the
API's middleware (``max_body_bytes``, 1 MiB by default); the number of fields and files is bounded
here. The parsed form is kept on the request, so the CSRF check (which finds the token in the form
of a page without htmx) and the page read it once.
"""

from __future__ import annotations

import importlib.util
from urllib.parse import parse_qsl

from starlette.datastructures import ImmutableMultiDict, UploadFile
from starlette.requests import Request

from sentinel_cli.errors import InvalidInput, SentinelError

FORM_TYPE = "application/x-www-form-urlencoded"
MULTIPART_TYPE = "multipart/form-data"
MAX_FIELDS = 200
MAX_FILES = 1
MAX_FIELD_BYTES = 64 * 1024
"""Largest text field of a multipart form (a file part is bounded only by the body limit)."""

Form = ImmutableMultiDict[str, str]


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_form(request: Request) -> Form:
    """The request's text fields (empty for another content type)."""
    cached = getattr(request.state, "web_form", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]  # request.state is untyped; we stored a Form
    content_type = _content_type(request)
    form: Form = ImmutableMultiDict()
    files: dict[str, UploadFile] = {}
    if content_type == FORM_TYPE:
        body = (await request.body()).decode("utf-8", errors="replace")
        try:
            pairs = parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except ValueError:
            raise InvalidInput(f"the form has more than {MAX_FIELDS} fields") from None
        form = ImmutableMultiDict(pairs)
    elif content_type == MULTIPART_TYPE:
        form, files = await _read_multipart(request)
    request.state.web_form = form
    request.state.web_files = files
    return form


async def read_file(request: Request, name: str) -> UploadFile | None:
    """The file sent in field ``name`` of a multipart form (``None`` when none was chosen)."""
    await read_form(request)
    files: dict[str, UploadFile] = getattr(request.state, "web_files", {})
    upload = files.get(name)
    if upload is None or (not upload.filename and not upload.size):
        return None
    return upload


async def _read_multipart(request: Request) -> tuple[Form, dict[str, UploadFile]]:
    if importlib.util.find_spec("python_multipart") is None:
        raise SentinelError(
            "this server cannot read file uploads: python-multipart is not installed",
            hint="install Sentinel with the serve extra: pip install 'sentinel-compliance[serve]'",
        )
    # Starlette answers a malformed body, or more fields or files than allowed, with a 400
    # HTTPException, which the page error handler shows as a page.
    parsed = await request.form(
        max_files=MAX_FILES, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES
    )
    fields: list[tuple[str, str]] = []
    files: dict[str, UploadFile] = {}
    for key, value in parsed.multi_items():
        if isinstance(value, str):
            fields.append((key, value))
        else:
            files[key] = value
    return ImmutableMultiDict(fields), files

"""Reading a submitted form (``application/x-www-form-urlencoded``), without python-multipart.

Starlette's own form parser needs python-multipart, a dependency for what ``urllib.parse`` does in
a few lines. The body is already bounded by the API's middleware (``max_body_bytes``); the number
of fields is bounded here. The parsed form is kept on the request, so the CSRF check and the page
read it once.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request

from sentinel_cli.errors import InvalidInput

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 200

Form = ImmutableMultiDict[str, str]


async def read_form(request: Request) -> Form:
    """The request's form fields (empty for another content type)."""
    cached = getattr(request.state, "web_form", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]  # request.state is untyped; we stored a Form
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    form: Form = ImmutableMultiDict()
    if content_type == FORM_TYPE:
        body = (await request.body()).decode("utf-8", errors="replace")
        try:
            pairs = parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except ValueError:
            raise InvalidInput(f"the form has more than {MAX_FIELDS} fields") from None
        form = ImmutableMultiDict(pairs)
    request.state.web_form = form
    return form

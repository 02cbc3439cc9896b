"""Documented input-size maxima, enforced in the operations so the CLI and the API refuse alike.

Without them one request could store megabytes: a 10 MB company name grew the database by hundreds
of megabytes once rendered into a policy and recorded. The request body itself is capped by the
server (``api.config.ApiSettings.max_body_bytes``, ``SENTINEL_MAX_BODY_BYTES``); the limits here
hold for any caller:

- ``MAX_TEXT_CHARS`` for every text parameter of a use case (names, reasons, owners, emails, URLs)
  and every policy template value (``customData``, ``--data``, ``--set`` and the company profile:
  template fields are single-line text; a list field's items are counted one by one);
- ``MAX_SECRET_CHARS`` for passwords and keys;
- ``MAX_DOCUMENT_BYTES`` for a generated policy's Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sentinel_cli.errors import InvalidInput

MAX_BODY_BYTES = 1024 * 1024
"""The server's default request-body limit (1 MiB); larger bodies get 413."""
MAX_TEXT_CHARS = 1000
MAX_SECRET_CHARS = 4096
MAX_DOCUMENT_BYTES = 1024 * 1024


def check_text(name: str, value: Any, maximum: int = MAX_TEXT_CHARS) -> None:
    """Refuse a string longer than ``maximum`` characters; other values pass."""
    if isinstance(value, str) and len(value) > maximum:
        raise InvalidInput(
            f"{name}: at most {maximum:,} characters allowed (got {len(value):,})",
        )


def check_values(values: Mapping[str, Any], what: str, maximum: int = MAX_TEXT_CHARS) -> None:
    """Refuse a name or a text value (or list item) of ``values`` longer than ``maximum``."""
    for key, value in values.items():
        check_text(f"{what} name", key, maximum)
        for item in value if isinstance(value, list) else (value,):
            check_text(f"{what} {key}", item, maximum)


def check_document(what: str, content: str, maximum: int = MAX_DOCUMENT_BYTES) -> None:
    """Refuse a generated document larger than ``maximum`` bytes (UTF-8) before it is stored."""
    size = len(content.encode("utf-8"))
    if size > maximum:
        raise InvalidInput(
            f"the generated {what} would be {size:,} bytes; at most {maximum:,} allowed",
            hint="shorten the values it is generated from",
        )

"""Finding a row by the id a user typed: the whole id, or an unambiguous prefix of 4+ characters
(tables show the first 8 characters of UUIDs, and people copy those)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sentinel_cli.errors import InvalidInput, NotFound

MIN_PREFIX = 4

Row = dict[str, Any]


def resolve_id(
    typed: str | None,
    *,
    get: Callable[[str], Row | None],
    find_by_prefix: Callable[[str], list[Row]],
    noun: str,
    hint: str,
) -> Row:
    """The row ``typed`` names; ``InvalidInput`` for an ambiguous prefix, ``NotFound`` (with
    ``hint``, e.g. the command that lists the ids) otherwise."""
    ident = (typed or "").strip()
    row = get(ident) if ident else None
    if row is not None:
        return row
    matches = find_by_prefix(ident) if len(ident) >= MIN_PREFIX else []
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise InvalidInput(f"{noun} id prefix {ident!r} is ambiguous: give more characters")
    raise NotFound(f"no {noun} with id {ident!r}", hint=hint)

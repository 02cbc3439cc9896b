"""Page links for a listing that pages with ``limit`` and ``offset`` (the operations' paging)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sentinel_cli.wire import Pagination


def pagination(page: Pagination, shown: int, link: Callable[[int], str]) -> dict[str, Any]:
    """What a pager shows: the range on screen, page n of m, and the previous/next links
    (``link(offset)`` builds one; ``None`` where there is no such page)."""
    total, offset = page["total"], page["offset"]
    limit = page["limit"] or max(1, total)
    return {
        "total": total,
        "first": offset + 1 if shown else 0,
        "last": offset + shown,
        "page": offset // limit + 1,
        "pages": max(1, -(-total // limit)),
        "previous": link(max(0, offset - limit)) if offset > 0 else None,
        "next": link(offset + limit) if offset + limit < total else None,
    }

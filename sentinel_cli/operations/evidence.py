"""Listing evidence with the CI gate (``sentinel evidence list``, ``GET /api/evidence``) and the
export documents (csv, sarif, junit) of a listing.

The options are parsed and scoped by ``evidence_query``; one item is ``evidence_item``, counts are
``evidence_stats`` and the per-framework summary is ``compliance``.

Decisions (documented in the README too):

- **Gating scope.** ``evidence_listing`` decides the exit code from *all* items matching the
  filters, not just the printed page: ``--limit 5`` must not hide the sixth failure from CI. Items
  excepted by an active risk exception never trip the gate.
- **Excepted items** keep their status (FAIL stays FAIL, ``excepted: true``).
- **Export formats** (csv, sarif, junit) list every matching item unless ``--limit`` is given: a CI
  report silently cut at 50 findings would mislead. ``--all`` asks the same of JSON and the table
  (and cannot be combined with ``--limit``). Such a listing is a stream: the items are read from
  the store a chunk at a time as they are printed, never held whole.

This module is on the CI gate's start-up path (``cli.evidence_list``): keep its imports light and
import the catalogues and renderers inside the function that needs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sentinel_cli.errors import ExternalServiceError, InvalidInput
from sentinel_cli.operations.evidence_query import (
    DEFAULT_LIMIT,
    EXPORT_FORMATS,
    MAX_LIMIT,
    build_filter,
    parse_as_of,
    parse_fail_on,
    parse_paging,
    parse_sort,
    resolve_format,
    resolve_scope,
)
from sentinel_cli.operations.shapes import item_shape
from sentinel_cli.store import Store
from sentinel_cli.wire import EvidenceItem, EvidencePage

__all__ = [
    "EvidenceListing",
    "PageFetch",
    "check_descriptions",
    "evidence_listing",
    "evidence_page",
    "list_evidence",
    "listing_from_pages",
    "render_listing",
]


# -- list and gate ----------------------------------------------------------------------------


@dataclass
class EvidenceListing:
    """A page (or, for exports and ``--all``, all) of matching items and the CI gate's verdict
    over all of them.

    A listing of every item carries them as a ``stream``, to be read once while the store (or the
    server connection) is open; its ``data["evidence"]`` is then empty and ``data`` carries the
    pagination only. ``iter_items`` reads whichever there is.
    """

    data: EvidencePage
    output: str
    fail_on: tuple[str, ...]
    failing: int
    as_of: str | None = None
    stream: Iterator[EvidenceItem] | None = None

    def iter_items(self) -> Iterator[EvidenceItem]:
        """The items, page or stream (a stream can be read once)."""
        return self.stream if self.stream is not None else iter(self.data["evidence"])

    @property
    def items(self) -> list[EvidenceItem]:
        return list(self.iter_items())

    @property
    def gate_tripped(self) -> bool:
        return self.failing > 0

    @property
    def exit_code(self) -> int:
        """1 when a matching, non-excepted item has a ``--fail-on`` status, else 0."""
        return 1 if self.gate_tripped else 0


def evidence_listing(
    store: Store,
    *,
    status: str | Sequence[str] | None = None,
    category: str | Sequence[str] | None = None,
    integration: str | None = None,
    account: str | None = None,
    framework: str | None = None,
    control: str | None = None,
    severity: str | Sequence[str] | None = None,
    as_of: str | None = None,
    limit: int | str | None = None,
    offset: int | str | None = None,
    fail_on: str | Sequence[str] | None = None,
    output: str = "json",
    all_items: bool = False,
    now: datetime | None = None,
    sort: str | None = None,
) -> EvidenceListing:
    """List evidence and evaluate the CI gate (see the module docstring for the rules). ``sort``
    orders a page (``parse_sort``: worst status or highest severity first); exports and
    ``--all`` always list worst status first."""
    fmt = resolve_format(output)
    order_by = parse_sort(sort)
    gate_statuses = parse_fail_on(fail_on)
    page_limit, page_offset = parse_paging(limit, offset, fmt=fmt, all_items=all_items)
    scope = resolve_scope(store, integration=integration, account=account, as_of=as_of, now=now)
    flt = build_filter(
        store,
        scope,
        status=status,
        category=category,
        framework=framework,
        control=control,
        severity=severity,
    )
    stream = None
    if page_limit is None:  # opened before the counts: one snapshot (see Queries.stream)
        rows = store.queries.stream(flt, rules=scope.rules, offset=page_offset)
        stream = (item_shape(r, scope.rules) for r in rows)
        items: list[EvidenceItem] = []
    else:
        rows_page = store.queries.page(
            flt, rules=scope.rules, limit=page_limit, offset=page_offset, order_by=order_by
        )
        items = [item_shape(r, scope.rules) for r in rows_page]
    total = store.queries.count(flt)
    failing = store.queries.count(flt, statuses=gate_statuses, rules=scope.rules)
    data: EvidencePage = {
        "evidence": items,
        "pagination": {"total": total, "limit": page_limit, "offset": page_offset},
    }
    return EvidenceListing(
        data=data,
        output=fmt,
        fail_on=gate_statuses,
        failing=failing,
        as_of=scope.as_of,
        stream=stream,
    )


def evidence_page(
    store: Store,
    *,
    status: str | Sequence[str] | None = None,
    category: str | Sequence[str] | None = None,
    integration: str | None = None,
    account: str | None = None,
    framework: str | None = None,
    control: str | None = None,
    severity: str | Sequence[str] | None = None,
    limit: int | str | None = None,
    offset: int | str | None = None,
    as_of: str | None = None,
    fail_on: str | None = None,
) -> EvidencePage:
    """One page as ``GET /api/evidence`` answers it: ``evidence`` and ``pagination``, plus
    ``gate = {"failOn": [...], "failing": N}`` (the CI gate over *all* pages) when ``fail_on``
    is given, so a CLI logged in to a server exits as it would on the server's store."""
    listing = evidence_listing(
        store,
        status=status,
        category=category,
        integration=integration,
        account=account,
        framework=framework,
        control=control,
        severity=severity,
        limit=limit,
        offset=offset,
        as_of=as_of,
        fail_on=fail_on,
    )
    if fail_on is None:
        return listing.data
    return {**listing.data, "gate": {"failOn": list(listing.fail_on), "failing": listing.failing}}


PageFetch = Callable[[int, int, str | None], dict[str, Any]]
"""``fetch(limit, offset, fail_on)``: one page as ``evidence_page`` answers it."""


def listing_from_pages(
    fetch: PageFetch,
    *,
    output: str,
    limit: int | str | None = None,
    offset: int | str | None = None,
    fail_on: str | Sequence[str] | None = None,
    all_items: bool = False,
    as_of: str | None = None,
) -> EvidenceListing:
    """The listing of a store reached one page at a time (a Sentinel server).

    The first page carries the CI gate's count over every matching item (``failOn``); for every
    item (``--all``, exports) the later pages, at most ``MAX_LIMIT`` each, are fetched as the
    stream is read. Paging stops at ``total`` or at an empty page (items shrank under us).
    """
    fmt = resolve_format(output)
    gate = parse_fail_on(fail_on)
    page_limit, page_offset = parse_paging(limit, offset, fmt=fmt, all_items=all_items)
    as_of_iso = parse_as_of(as_of)
    first = fetch(page_limit or MAX_LIMIT, page_offset, ",".join(gate) or "none")
    total = int(first["pagination"]["total"])
    verdict = first.get("gate")
    if not isinstance(verdict, dict):
        raise ExternalServiceError(
            "the server cannot evaluate the evidence gate (failOn)",
            hint="upgrade the server to this CLI's Sentinel version",
        )

    def every_item() -> Iterator[EvidenceItem]:
        page: list[EvidenceItem] = first["evidence"]
        at = page_offset
        while True:
            yield from page
            at += len(page)
            if not page or at >= total:
                return
            page = fetch(MAX_LIMIT, at, None)["evidence"]

    stream = every_item() if page_limit is None else None
    return EvidenceListing(
        data={
            "evidence": [] if stream is not None else list(first["evidence"]),
            "pagination": {"total": total, "limit": page_limit, "offset": page_offset},
        },
        output=fmt,
        fail_on=tuple(verdict["failOn"]),
        failing=int(verdict["failing"]),
        as_of=as_of_iso,
        stream=stream,
    )


def list_evidence(store: Store, **options: Any) -> EvidencePage:
    """``{"evidence": [...], "pagination": {...}}`` — what ``GET /api/evidence`` returns."""
    options.setdefault("limit", DEFAULT_LIMIT)
    return evidence_listing(store, **options).data


def check_descriptions(check_ids: Iterable[str]) -> dict[str, str]:
    """Catalogue descriptions of these checks (empty for checks the catalogues do not know)."""
    from sentinel_cli.checks import all_metadata

    metas = all_metadata()
    return {cid: metas[cid].description for cid in check_ids if cid in metas}


def render_listing(listing: EvidenceListing) -> str:
    """The document for an export format (csv, sarif, junit) of a listing."""
    items = listing.items
    if listing.output == "csv":
        from sentinel_cli.rendering.csv_out import render_csv

        return render_csv(items)
    if listing.output == "sarif":
        from sentinel_cli.rendering.sarif import render_sarif

        descriptions = check_descriptions({i["checkId"] for i in items})
        return render_sarif(items, descriptions=descriptions)
    if listing.output == "junit":
        from sentinel_cli.rendering.junit import render_junit

        return render_junit(items)
    raise InvalidInput(f"{listing.output} is not an export format ({', '.join(EXPORT_FORMATS)})")

"""The body of ``sentinel evidence list``, shared by the Typer command and ``cli.fastpath``.

Typer-free on purpose: this is the call CI runs, and ``cli.fastpath`` runs it without importing
Typer. Options arrive as the plain strings (or lists of strings) the user typed; the operation
validates them and names the allowed values in its errors.
"""

from __future__ import annotations

import sys
from typing import Any

from sentinel_cli.cli import console, context


def status_cell(item: dict[str, Any]) -> str:
    cell = console.styled(item["status"])
    return console.Styled(cell + " [dim](excepted)[/dim]") if item["excepted"] else cell


MESSAGE_CUT = 100
"""Characters of a message in plain (piped) tables; a terminal cuts to fit, ``--wide`` not at all."""

COLUMNS = (
    console.Col("ID", "id"),
    console.Col("Status", "id"),
    console.Col("Severity", "id", drop=2),
    console.Col("Check", "id"),
    console.Col("Resource", "id"),
    console.Col("Region", "id", drop=1),
    console.Col("Message", "text", drop=3),
)
"""On a narrow terminal Region goes first, then Severity (the list is sorted by it), then the
message (``sentinel evidence show ID`` has it); ids, statuses, checks and resources stay whole."""


def _message(text: str, full: bool) -> str:
    if full or len(text) <= MESSAGE_CUT:
        return text
    return text[: MESSAGE_CUT - 3] + "..."


def _render_table(listing: Any, *, wide: bool = False) -> None:
    page = listing.data["pagination"]
    items = listing.iter_items()
    full = wide and console.rich_tables()
    rows = [
        (
            i["id"][:8],
            status_cell(i),
            i["severity"],
            i["checkId"],
            i["resourceId"],
            i["region"] or "",
            _message(i["message"], full),
        )
        for i in items
    ]
    when = f"as of {listing.as_of}" if listing.as_of else "current state"
    shown = f"{page['offset'] + 1}-{page['offset'] + len(rows)}" if rows else "0"
    paged = page["limit"] is not None and page["offset"] + len(rows) < page["total"]
    more = "; more with --offset, or --all" if paged else ""
    console.table(
        "Evidence",
        COLUMNS,
        rows,
        empty="No evidence matches. Collect first (sentinel collect) or loosen the filters.",
        caption=f"{shown} of {page['total']} ({when}){more}\ndetails: sentinel evidence show ID",
        wide=wide,
    )


def list_evidence(
    *,
    status: list[str] | None = None,
    category: list[str] | None = None,
    integration: str | None = None,
    account: str | None = None,
    framework: str | None = None,
    control: str | None = None,
    severity: list[str] | None = None,
    limit: str | None = None,
    offset: str | None = None,
    as_of: str | None = None,
    fail_on: str | None = None,
    output: str | None = None,
    as_json: bool = False,
    all_items: bool = False,
    wide: bool = False,
) -> int:
    """Print the matching evidence and return the gate's exit code (0, or 1 on a ``--fail-on``
    status); domain errors propagate to the caller, which reports them.

    A listing of every item (``--all``, exports) is a stream read from the store or the server
    while it is printed, so it is printed before the backend closes.
    """
    from sentinel_cli.operations.evidence import render_listing
    from sentinel_cli.operations.evidence_query import EXPORT_FORMATS, resolve_format

    fmt = resolve_format(output, as_json=as_json)
    with context.backend() as backend:
        listing = backend.evidence_listing(
            status=status,
            category=category,
            integration=integration,
            account=account,
            framework=framework,
            control=control,
            severity=severity,
            as_of=as_of,
            limit=limit,
            offset=offset,
            fail_on=fail_on,
            output=fmt,
            all_items=all_items,
        )
        if fmt in EXPORT_FORMATS:
            sys.stdout.write(render_listing(listing))
        elif fmt == "json" and listing.stream is not None:
            console.print_json_streamed(listing.data, "evidence", listing.stream)
        else:
            console.emit(listing.data, fmt == "json", lambda: _render_table(listing, wide=wide))
    if listing.exit_code:
        # Plain stderr (not Rich): this is the CI path, where importing Rich costs start-up time.
        print(
            f"sentinel: {listing.failing} matching item(s) with status "
            f"{','.join(listing.fail_on)} (excepted items not counted): exit {listing.exit_code}",
            file=sys.stderr,
        )
    return listing.exit_code

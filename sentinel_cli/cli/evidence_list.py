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


def _render_table(listing: Any) -> None:
    data = listing.data
    page = data["pagination"]
    items = data["evidence"]
    shown = f"{page['offset'] + 1}-{page['offset'] + len(items)}" if items else "0"
    when = f"as of {listing.as_of}" if listing.as_of else "current state"
    console.table(
        "Evidence",
        ["ID", "Status", "Severity", "Check", "Resource", "Region", "Message"],
        [
            (
                i["id"][:8],
                status_cell(i),
                i["severity"],
                i["checkId"],
                i["resourceId"],
                i["region"] or "",
                i["message"] if len(i["message"]) <= 100 else i["message"][:97] + "...",
            )
            for i in items
        ],
        empty="No evidence matches. Collect first (sentinel collect) or loosen the filters.",
        caption=f"{shown} of {page['total']} ({when}); more with --offset; "
        "details: sentinel evidence show ID",
    )


def list_evidence(
    *,
    status: list[str] | None = None,
    category: list[str] | None = None,
    integration: str | None = None,
    framework: str | None = None,
    control: str | None = None,
    severity: list[str] | None = None,
    limit: str | None = None,
    offset: str | None = None,
    as_of: str | None = None,
    fail_on: str | None = None,
    output: str | None = None,
    as_json: bool = False,
) -> int:
    """Print the matching evidence and return the gate's exit code (0, or 1 on a ``--fail-on``
    status); domain errors propagate to the caller, which reports them."""
    from sentinel_cli.operations import evidence as ops

    fmt = ops.resolve_format(output, as_json=as_json)
    with context.backend() as backend:
        listing = backend.evidence_listing(
            status=status,
            category=category,
            integration=integration,
            framework=framework,
            control=control,
            severity=severity,
            as_of=as_of,
            limit=limit,
            offset=offset,
            fail_on=fail_on,
            output=fmt,
        )
    document = ops.render_listing(listing) if fmt in ops.EXPORT_FORMATS else None
    if document is not None:
        sys.stdout.write(document)
    else:
        console.emit(listing.data, fmt == "json", lambda: _render_table(listing))
    if listing.exit_code:
        # Plain stderr (not Rich): this is the CI path, where importing Rich costs start-up time.
        print(
            f"sentinel: {listing.failing} matching item(s) with status "
            f"{','.join(listing.fail_on)} (excepted items not counted): exit {listing.exit_code}",
            file=sys.stderr,
        )
    return listing.exit_code

"""``sentinel exceptions``: accept a risk until a date, list and remove accepted risks.

Thin adapters over ``operations.exceptions``; the rules (expiry through the end of the day UTC, only
FAIL/WARNING items covered, owner an email, known check ids) live there. Through
``context.backend()``: the local store, or the server logged in to.
"""

from __future__ import annotations

from typing import Any

import typer

from sentinel_cli.cli import console, context
from sentinel_cli.cli.options import JSON_OPTION

app = typer.Typer(
    help="Accepted risks: excepted FAIL items do not count against the score or CI gating.",
)


@app.command("add")
def add_exception(
    check: str = typer.Option(
        None, "--check", metavar="CHECK_ID", help="Check id, e.g. aws_s3_bucket_versioning."
    ),
    resource: str = typer.Option(
        None,
        "--resource",
        help="Resource id or glob (fnmatch: * ? \\[abc]); default * (all: ADMIN only on a server).",
    ),
    reason: str = typer.Option(None, "--reason", help="Why the risk is accepted."),
    owner: str = typer.Option(None, "--owner", help="Email of the person accountable."),
    expires: str = typer.Option(
        None, "--expires", help="Last day covered (YYYY-MM-DD, UTC); it counts again the day after."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Except a check's failures on matching resources until a date."""
    with context.backend() as backend:
        data = backend.add_exception(
            check_id=check,
            resource=resource,
            reason=reason,
            owner=owner,
            expires=expires,
        )
    exc = data["exception"]
    console.emit(
        data,
        as_json,
        lambda: console.out().print(
            f"Exception [cyan]{exc['id']}[/cyan] added: {exc['checkId']} on "
            f"'{exc['resourcePattern']}' until {exc['expiresAt']}"
        ),
    )


def _render_list(items: list[dict[str, Any]]) -> None:
    console.table(
        "Risk exceptions",
        [
            "ID",
            "State",
            "Check",
            "Resources",
            "Owner",
            "Created by",
            "Expires",
            console.Col("Reason", "text"),
        ],
        [
            (
                e["id"][:8],
                console.styled(e["state"]),
                e["checkId"],
                e["resourcePattern"],
                e["owner"],
                e.get("createdBy") or "local",
                e["expiresAt"][:10],
                e["reason"],
            )
            for e in items
        ],
        empty="No exceptions (--all includes expired and removed ones).",
    )


@app.command("list")
def list_exceptions(
    include_all: bool = typer.Option(
        False, "--all", help="Include expired and removed exceptions."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """List exceptions in force (with --all: every one ever recorded)."""
    with context.backend() as backend:
        data = backend.list_exceptions(include_all=include_all)
    console.emit(data, as_json, lambda: _render_list(data["exceptions"]))


@app.command("remove")
def remove_exception(
    exception_id: str = typer.Argument(..., metavar="ID", help="Exception id or unique prefix."),
    as_json: bool = JSON_OPTION,
) -> None:
    """End an exception now; its items count again (it stays in the history)."""
    with context.backend() as backend:
        data = backend.remove_exception(exception_id)
    console.emit(
        data,
        as_json,
        lambda: console.out().print(f"Exception {data['exception']['id']} removed"),
    )

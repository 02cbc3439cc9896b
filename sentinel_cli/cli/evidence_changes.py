"""``sentinel evidence changes``: what changed in a collection since the previous one of its
integration. A thin adapter over the ``job_changes`` use case (``operations.changes``), so a CLI
logged in to a server asks ``GET /api/jobs/:id/changes`` and prints the same thing.

Without ``--job`` it asks for ``latest``, the name the operation gives the most recently
finished collection (of ``--integration`` when given). The exit code is 0 whatever changed:
gating CI on failures is ``sentinel evidence --status FAIL``.
"""

from __future__ import annotations

from typing import Any

import typer

from sentinel_cli.cli import console, context
from sentinel_cli.cli.options import JSON_OPTION, WIDE_OPTION

LATEST = "latest"
"""The job id the API reads as the most recently finished collection."""


def _job_line(job: dict[str, Any]) -> str:
    return f"{job['id'][:8]} ({job['status']}, finished {job['finishedAt']})"


def _items_table(title: str, items: list[dict[str, Any]], count: int, *, wide: bool) -> None:
    shown = f"{title} ({count})" if len(items) == count else f"{title} ({len(items)} of {count})"
    console.table(
        shown,
        [
            console.Col("Evidence", "id"),
            console.Col("Severity", "id"),
            console.Col("Check", "id"),
            console.Col("Resource", "id"),
            console.Col("Region", "id", drop=1),
            console.Col("Was", "id", drop=2),
            console.Col("Now", "id"),
        ],
        [
            (
                i["evidenceId"][:8],
                i["severity"],
                i["checkId"],
                i["resourceId"],
                i["region"] or "",
                console.styled(i["previousStatus"] or "absent", "dim"),
                console.styled(i["status"]),
            )
            for i in items
        ],
        empty=f"{title}: none.",
        wide=wide,
    )


def _resources_table(title: str, resources: list[dict[str, Any]], count: int) -> None:
    shown = (
        f"{title} ({count})"
        if len(resources) == count
        else f"{title} ({len(resources)} of {count})"
    )
    console.table(
        shown,
        ["Resource", "Type", console.Col("Region", "id", drop=1), "Items", "Failing"],
        [
            (r["resourceId"], r["resourceType"], r["region"] or "", r["items"], r["failing"])
            for r in resources
        ],
        empty=f"{title}: none.",
    )


def _render(data: dict[str, Any], *, wide: bool) -> None:
    from rich.markup import escape

    counts = data["counts"]
    console.line(
        f"[bold]{escape(data['integrationName'])}[/bold]: collection {_job_line(data['job'])}"
    )
    if data["first"]:
        console.line("First collection of this integration: every failing item is new.")
    else:
        console.line(f"compared with the previous collection {_job_line(data['previousJob'])}")
    summary = (
        f"{counts['newlyFailing']} newly failing, {counts['fixed']} fixed, "
        f"{counts['newResources']} new and {counts['vanishedResources']} vanished resources, "
        f"{counts['startedErroring']} checks started erroring"
    )
    if counts["excepted"]:
        summary += f"; {counts['excepted']} newly failing left out (risk exceptions)"
    console.line(summary + ".")
    _items_table("Newly failing", data["newlyFailing"], counts["newlyFailing"], wide=wide)
    _items_table("Fixed", data["fixed"], counts["fixed"], wide=wide)
    console.table(
        f"Checks that started erroring ({counts['startedErroring']})",
        [
            console.Col("Severity", "id"),
            console.Col("Check", "id"),
            console.Col("Errors", "id"),
            console.Col("Message", "text", drop=1),
        ],
        [(c["severity"], c["checkId"], c["errors"], c["message"]) for c in data["startedErroring"]],
        empty="Checks that started erroring: none.",
        wide=wide,
    )
    _resources_table("New resources", data["newResources"], counts["newResources"])
    _resources_table("Vanished resources", data["vanishedResources"], counts["vanishedResources"])
    console.line("[dim]sentinel evidence show ID shows an item with its history.[/dim]")


def evidence_changes(
    job: str = typer.Option(
        None,
        "--job",
        "-j",
        metavar="ID",
        help="A collection job (id or unique prefix); default: the latest finished collection.",
    ),
    integration: str = typer.Option(
        None,
        "--integration",
        "-i",
        metavar="ID",
        help="The latest finished collection of this integration (id or unique id prefix).",
    ),
    limit: int = typer.Option(
        None,
        "--limit",
        "-n",
        metavar="N",
        help="Items per list (default 50, at most 1000); the counts cover everything.",
    ),
    as_json: bool = JSON_OPTION,
    wide: bool = WIDE_OPTION,
) -> None:
    """What changed since the previous collection: newly failing and fixed items, new and
    vanished resources, checks that started erroring."""
    with context.backend() as backend:
        data = backend.job_changes(job or LATEST, integration=integration, limit=limit)
    console.emit(data, as_json, lambda: _render(data, wide=wide))

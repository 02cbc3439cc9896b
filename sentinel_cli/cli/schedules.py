"""``sentinel schedules``: collect an integration on a schedule, list and remove schedules.

Thin adapters over ``operations.schedules`` through ``context.backend()`` (the local store, or the
server logged in to); the rules (units, the 1-minute minimum, cron lines in UTC, one of --every
and --cron) live there. A schedule only says when: the collections run in a queue worker, the one
``sentinel serve`` embeds or ``sentinel worker``, and the output says so.
"""

from __future__ import annotations

from typing import Any

import typer

from sentinel_cli.cli import console, context
from sentinel_cli.cli.options import JSON_OPTION

app = typer.Typer(
    help="Collect integrations on a schedule (an interval or a cron line in UTC). The runs need "
    "a worker: sentinel serve (which embeds one) or sentinel worker.",
)

INTEGRATION_OPTION = typer.Option(
    ...,
    "--integration",
    metavar="ID",
    help="Integration id or unique prefix (sentinel integrations list).",
)
WORKER_NOTE = "Runs need a worker: sentinel serve, or sentinel worker."


def _minute(moment: str | None) -> str:
    """``2025-01-31T09:30:00Z`` as ``2025-01-31 09:30`` (the table's caption says UTC)."""
    return moment[:16].replace("T", " ") if moment else "never"


def _when(schedule: dict[str, Any]) -> str:
    if schedule.get("every"):
        return f"every {schedule['every']}"
    return f"cron {schedule['cron']}"


@app.command("set")
def set_schedule(
    integration: str = INTEGRATION_OPTION,
    every: str = typer.Option(
        None,
        "--every",
        metavar="INTERVAL",
        help="Collect at this interval: a whole number and a unit, m (minutes), h (hours) or "
        "d (days), e.g. 90m, 6h, 1d; at least 1m, at most 365d. The first run is one interval "
        "from now.",
    ),
    cron: str = typer.Option(
        None,
        "--cron",
        metavar="EXPR",
        help="Or collect on a five-field cron line in UTC (minute hour day month weekday), "
        "quoted, e.g. '0 */6 * * *'.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Collect an integration at an interval or on a cron line (replaces its schedule)."""
    with context.backend() as backend:
        schedule = backend.set_schedule(integration, every=every, cron=cron)

    def render() -> None:
        from rich.markup import escape

        console.out().print(
            f"[green]Scheduled[/green] [bold]{escape(schedule['integrationName'])}[/bold] "
            f"({schedule['integrationId'][:8]}): {escape(_when(schedule))}"
        )
        console.line(f"Next run: {schedule['nextRunAt']}")
        console.out().print(f"[dim]{WORKER_NOTE}[/dim]")

    console.emit({"schedule": schedule}, as_json, render)


def _render_list(items: list[dict[str, Any]]) -> None:
    console.table(
        "Schedules",
        [
            console.Col("ID", "id"),
            console.Col("Name", "text", drop=3),
            console.Col("When", "id"),
            console.Col("Next run (UTC)", "id"),
            console.Col("Last run", "id", drop=2),
            console.Col("Outcome", "id", drop=1),
        ],
        [
            (
                s["integrationId"][:8],
                s["integrationName"],
                _when(s),
                _minute(s["nextRunAt"]),
                _minute(s["lastRunAt"]),
                console.styled(s["lastOutcome"]) if s["lastOutcome"] else "",
            )
            for s in items
        ],
        empty="No schedules. Set one: sentinel schedules set --integration ID --every 6h",
        caption=WORKER_NOTE,
    )


@app.command("list")
def list_schedules(as_json: bool = JSON_OPTION) -> None:
    """List every integration's schedule, soonest next run first."""
    with context.backend() as backend:
        items = backend.list_schedules()
    console.emit({"schedules": items}, as_json, lambda: _render_list(items))


@app.command("remove")
def remove_schedule(integration: str = INTEGRATION_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Stop collecting an integration on a schedule (manual collections are unaffected)."""
    with context.backend() as backend:
        schedule = backend.remove_schedule(integration)

    def render() -> None:
        from rich.markup import escape

        console.out().print(
            f"Removed the schedule of [bold]{escape(schedule['integrationName'])}[/bold] "
            f"({escape(_when(schedule))})"
        )

    console.emit({"schedule": schedule}, as_json, render)

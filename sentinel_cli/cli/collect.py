"""``sentinel collect``: run evidence collection for one or all integrations.

Exit code 0 when the collections ran, even with FAIL findings (gating is ``sentinel evidence``'s
job); 1 when any collection could not run at all (its job is FAILED, with the reason).

Logged in to a server, each collection runs there (started, then polled until it ends: see
``client.remote``) and prints the same summary with the same exit code; ``--workers`` applies to
local collections only (the server uses its own setting).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from sentinel_cli.cli import console, context

if TYPE_CHECKING:
    from sentinel_cli.wire import Job


@contextmanager
def progress_display(enabled: bool) -> Iterator[Callable[[str], Callable[[int, int, str], None]]]:
    """Yield a factory of per-integration progress callbacks: Rich bars on a TTY, lines otherwise."""
    if enabled and sys.stderr.isatty():
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        bars = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[dim]{task.fields[label]}"),
            TimeElapsedColumn(),
            console=console.err(),
            transient=False,
        )

        def factory(name: str) -> Callable[[int, int, str], None]:
            task = bars.add_task(name, total=None, label="starting")

            def update(done: int, total: int, label: str) -> None:
                bars.update(task, completed=done, total=total, label=label)

            return update

        with bars:
            yield factory
        return

    def plain_factory(name: str) -> Callable[[int, int, str], None]:
        last = [0.0]

        def update(done: int, total: int, label: str) -> None:
            now = time.monotonic()
            if enabled and (done == total or now - last[0] > 2.0):
                last[0] = now
                print(f"{name}: {done}/{total} {label}", file=sys.stderr, flush=True)

        return update

    yield plain_factory


def collect(
    integration: str = typer.Option(
        None, "--integration", "-i", help="Collect only this integration (id or id prefix)."
    ),
    workers: int = typer.Option(8, "--workers", help="Concurrent API workers per integration."),
    since: str = typer.Option(
        None,
        "--since",
        help="Start of the audit period for period evidence (default: 90 days ago).",
    ),
    until: str = typer.Option(None, "--until", help="End of the audit period (default: now)."),
    as_json: bool = typer.Option(False, "--json", help="Print the job objects as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
) -> None:
    """Collect evidence from every connected integration (or one) and evaluate all checks."""
    from sentinel_cli.operations import collect as ops

    options = ops.validate_options(workers=workers, since=since, until=until)
    jobs: list[Job] = []
    with context.backend() as backend:
        targets = (
            [backend.get_integration(integration)] if integration else backend.list_integrations()
        )
        if not targets:
            from sentinel_cli.errors import NotFound

            raise NotFound(
                "no integrations to collect",
                hint="connect one first: sentinel integrations connect aws|github --help",
            )
        with progress_display(not quiet and not as_json) as progress_for:
            for target in targets:
                jobs.append(
                    backend.collect(
                        target["id"], options=options, progress=progress_for(target["name"])
                    )
                )
    names = {t["id"]: t["name"] for t in targets}
    console.emit({"jobs": jobs}, as_json, lambda: _summary(jobs, names))
    if any(j["status"] == "FAILED" for j in jobs):
        raise typer.Exit(1)


def _summary(jobs: list[Job], names: dict[str, str]) -> None:
    console.table(
        "Collection summary",
        [
            "Integration",
            "Status",
            "Checks",
            "Pass",
            "Fail",
            "Warn",
            "Error",
            "Score",
            "Time",
            "API calls",
        ],
        [
            (
                names.get(j["integrationId"], j["integrationId"]),
                console.styled(j["status"]),
                j["totalCount"],
                j["passCount"],
                j["failCount"],
                j["warningCount"],
                j["errorCount"],
                f"{j['score']}%" if j["score"] is not None else "-",
                f"{j['durationSeconds']:.1f}s" if j["durationSeconds"] is not None else "",
                j["apiCalls"],
            )
            for j in jobs
        ],
    )
    for j in jobs:
        if j["status"] == "FAILED":
            console.error_line(
                f"{names.get(j['integrationId'])}: {j['errorMessage']}",
                "see sentinel integrations jobs " + j["integrationId"],
            )
    if any(j["failCount"] for j in jobs):
        console.line("Failing evidence: [bold]sentinel evidence --status FAIL[/bold]")

"""``sentinel dashboard``: the spec's dashboard (``GET /api/dashboard/stats``) in the terminal.

``--json`` prints exactly the API's ``data`` object; the table view shows the same numbers. Through
``context.backend()``: the local store, or the server logged in to.
"""

from __future__ import annotations

from typing import Any

import typer

from sentinel_cli.cli import console, context

SPARK = " ▁▂▃▄▅▆▇█"


def _sparkline(points: list[dict[str, Any]]) -> str:
    chars = []
    for p in points:
        score = p["score"]
        chars.append("·" if score is None else SPARK[min(8, int(score / 100 * 8 + 0.5))])
    return "".join(chars)


def _render(data: dict[str, Any]) -> None:
    out = console.out()
    ov = data["overview"]
    score = f"{ov['complianceScore']}%" if ov["complianceScore"] is not None else "n/a"
    out.print(
        f"[bold]Compliance score {score}[/bold] ({data['trend']}): {ov['totalChecks']} checks, "
        f"[green]{ov['passingChecks']} passing[/green] ({ov['exceptedChecks']} excepted), "
        f"[red]{ov['failingChecks']} failing[/red], [yellow]{ov['warningChecks']} warning[/yellow], "
        f"[magenta]{ov['errorChecks']} error[/magenta]"
    )
    timeline = data["timeline"]
    if timeline:
        out.print(
            f"Last {len(timeline)} days: {_sparkline(timeline)} "
            f"({timeline[0]['date']} .. {timeline[-1]['date']})"
        )
    console.table(
        "Frameworks",
        ["Framework", "Score", "Passing", "Failing", "Warning", "Not covered", "Controls"],
        [
            (
                f["name"],
                f"{f['score']}%" if f["score"] is not None else "n/a",
                f["passingControls"],
                f["failingControls"],
                f["warningControls"],
                f["notCoveredControls"],
                f["totalControls"],
            )
            for f in data["frameworks"]
        ],
    )
    console.table(
        "Categories",
        ["Category", "Total", "Passing", "Failing", "Warning", "Error", "Score"],
        [
            (
                name,
                c["total"],
                c["passing"],
                c["failing"],
                c["warning"],
                c["error"],
                f"{c['score']}%" if c["score"] is not None else "",
            )
            for name, c in data["categories"].items()
        ],
        empty="No evidence yet: run sentinel collect",
    )
    console.table(
        "Top issues",
        [
            "ID",
            console.Col("Severity", drop=1),
            "Check",
            "Resource",
            console.Col("Message", "text", drop=2),
        ],
        [
            (i["id"][:8], i["severity"], i["checkId"], i["resourceId"], i["message"])
            for i in data["issues"]
        ],
        empty="No failing evidence.",
    )
    console.table(
        "Recent activity",
        ["When", "What"],
        [(a["at"], a["message"]) for a in data["recentActivity"]],
        empty="No activity yet.",
    )


def dashboard(
    days: str = typer.Option(
        None, "--days", metavar="N", help="Days in the timeline (default 30)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the API's dashboard object."),
) -> None:
    """Overview, framework scores, categories, top issues, recent activity and the 30-day trend."""
    with context.backend() as backend:
        data = backend.dashboard(days=days)
    console.emit(data, as_json, lambda: _render(data))

"""``sentinel checks``: the catalogue of what Sentinel verifies, before anything is collected.

``checks list`` answers "which checks give evidence for CC7.2?" or "what runs against GitHub?";
``checks show ID`` gives one check's description, severity, remediation and controls with their
titles. Thin adapters over ``operations.checks`` through ``context.backend()``.
"""

from __future__ import annotations

from typing import Any

import typer

from sentinel_cli.cli import console, context
from sentinel_cli.cli.options import JSON_OPTION, WIDE_OPTION

app = typer.Typer(
    help="The check catalogue: what is verified, severity, each framework's controls, fixes.",
)


def _render_list(data: dict[str, Any], *, wide: bool = False) -> None:
    # A column per framework the checks name (every check names every framework), headed by its
    # id; on a narrow terminal the last frameworks give way first, the category after them.
    frameworks = list(dict.fromkeys(fid for c in data["checks"] for fid in c["controls"]))
    console.table(
        "Checks",
        [
            "Check",
            console.Col("Provider", drop=1),
            "Severity",
            console.Col("Category", drop=len(frameworks) + 2),
            *(console.Col(fid, drop=len(frameworks) + 1 - i) for i, fid in enumerate(frameworks)),
            console.Col("Title", "text"),
        ],
        [
            (
                c["id"],
                c["provider"],
                c["severity"],
                c["category"],
                *(", ".join(c["controls"].get(fid) or []) for fid in frameworks),
                c["title"],
            )
            for c in data["checks"]
        ],
        empty="No check matches these filters.",
        caption=f"{data['total']} check(s); details: sentinel checks show ID",
        wide=wide,
    )


@app.command("list")
def list_checks(
    provider: list[str] = typer.Option(
        None, "--provider", "-p", metavar="PROVIDER", help="AWS or GITHUB (repeatable)."
    ),
    framework: str = typer.Option(
        None,
        "--framework",
        "-f",
        metavar="FRAMEWORK",
        help="Only checks mapped to this framework (an id or alias; a wrong one lists them).",
    ),
    control: str = typer.Option(
        None,
        "--control",
        metavar="CONTROL",
        help="Only checks mapped to this control, e.g. CC6.1 (with --framework).",
    ),
    severity: list[str] = typer.Option(
        None, "--severity", metavar="SEVERITY", help="critical, high, medium, low or info."
    ),
    category: list[str] = typer.Option(
        None, "--category", "-c", metavar="CATEGORY", help="e.g. iam, encryption, logging."
    ),
    as_json: bool = JSON_OPTION,
    wide: bool = WIDE_OPTION,
) -> None:
    """List the checks, with severity and the controls each gives evidence for."""
    with context.backend() as backend:
        data = backend.list_checks(
            provider=provider,
            framework=framework,
            control=control,
            severity=severity,
            category=category,
        )
    console.emit(data, as_json, lambda: _render_list(data, wide=wide))


def _render_show(check: dict[str, Any]) -> None:
    from rich.markup import escape

    out = console.out()
    rows = [
        ("Check", check["id"]),
        ("Title", check["title"]),
        ("Provider", check["provider"]),
        ("Severity", check["severity"]),
        ("Category", check["category"]),
    ]
    if check["aliases"]:
        rows.append(("Former ids", ", ".join(check["aliases"])))
    if check["thresholds"]:
        rows.append(("Settings", ", ".join(check["thresholds"]) + " (settings.yaml, checks:)"))
    console.table(None, ["Field", "Value"], rows)
    if check["description"]:
        out.print(f"\n[bold]What it verifies[/bold]\n{escape(check['description'])}")
    out.print("\n[bold]Controls[/bold]")
    for framework, controls in check["controlDetails"].items():
        for control in controls:
            out.print(f"  {framework} {control['id']}: {escape(control['title'] or '?')}")
        if not controls:
            out.print(f"  {framework}: none")
    remediation = check["remediation"]
    if remediation["text"] or remediation["cli"]:
        out.print(f"\n[bold]Remediation[/bold]\n{escape(remediation['text'] or '')}")
        if remediation["cli"]:
            console.line(f"  $ {escape(remediation['cli'])}")


@app.command("show")
def show_check(
    check_id: str = typer.Argument(..., metavar="ID", help="A check id (or a former id)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one check: what it verifies, its controls with titles, and how to fix a failure."""
    with context.backend() as backend:
        data = backend.get_check(check_id)
    console.emit(data, as_json, lambda: _render_show(data["check"]))

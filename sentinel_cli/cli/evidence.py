"""``sentinel evidence``: list (also the default, for CI: ``sentinel evidence --status FAIL``), show,
stats and compliance. Thin adapters over ``operations.evidence`` (the listing),
``evidence_item``, ``evidence_stats`` and ``compliance``.

Exit codes: 0, or 1 when the matching items (all of them, not just the printed page) include a
non-excepted item whose status ``--fail-on`` names (default FAIL; ``none`` never fails); 2 for
usage errors, 3 for an unknown id — mapped once in ``SentinelGroup``.

Start-up: these commands are the ones CI runs, and the list call must stay within 3x of a bare
``python -c "import sqlite3"`` doing the same query. The list's body lives in ``cli.evidence_list``
so that ``cli.fastpath`` can run a well-formed ``sentinel evidence [list] ...`` without importing
Typer at all. So that both paths behave alike, the list's options stay the plain strings the user
typed (``--limit`` too) and the operation validates them, with the same messages either way. Rich
only for tables on a terminal, and no YAML unless a control id or an export needs the catalogues.

Every command goes through ``context.backend()``; logged in to a server, the list asks the server
for the gate over all matching items (``failOn``) and renders csv/sarif/junit here from the items,
so output and exit code match a run on the server's store.
"""

from __future__ import annotations

from typing import Any

import typer

from sentinel_cli.cli import console, context, evidence_changes, evidence_list
from sentinel_cli.cli.options import JSON_OPTION, WIDE_OPTION

app = typer.Typer(
    help="List, show and summarise collected evidence; gate CI on failures.",
)

AS_OF_OPTION = typer.Option(
    None,
    "--as-of",
    metavar="DATE",
    help="Show the state at the end of this date (YYYY-MM-DD) instead of now.",
)
INTEGRATION_OPTION = typer.Option(
    None,
    "--integration",
    "-i",
    metavar="ID",
    help="Only this integration (id or unique id prefix).",
)
ACCOUNT_OPTION = typer.Option(
    None,
    "--account",
    metavar="ACCOUNT",
    help="Only items of this AWS account (12 digits), e.g. one member of an organisation.",
)


def list_evidence(
    ctx: typer.Context,
    status: list[str] = typer.Option(
        None,
        "--status",
        "-s",
        metavar="STATUS",
        help="PASS, FAIL, WARNING or ERROR (repeatable, or a comma list).",
    ),
    category: list[str] = typer.Option(
        None,
        "--category",
        "-c",
        metavar="CATEGORY",
        help="Check category, e.g. iam, encryption, logging (repeatable).",
    ),
    integration: str = INTEGRATION_OPTION,
    account: str = ACCOUNT_OPTION,
    framework: str = typer.Option(
        None,
        "--framework",
        "-f",
        metavar="FRAMEWORK",
        help="Only items mapped to this framework (an id or alias; a wrong one lists them).",
    ),
    control: str = typer.Option(
        None,
        "--control",
        metavar="CONTROL",
        help="Only items mapped to this control, e.g. CC6.1 or A.8.5.",
    ),
    severity: list[str] = typer.Option(
        None,
        "--severity",
        metavar="SEVERITY",
        help="critical, high, medium, low or info (repeatable).",
    ),
    limit: str = typer.Option(
        None,
        "--limit",
        "-n",
        metavar="N",
        help="Items per page (default 50, at most 1000; csv/sarif/junit default to all).",
    ),
    all_items: bool = typer.Option(
        False,
        "--all",
        help="Every matching item, not one page: JSON is written as it is read (any size); the "
        "table shows every row. csv/sarif/junit list every item anyway. Not with --limit.",
    ),
    offset: str = typer.Option(None, "--offset", metavar="N", help="Items to skip (default 0)."),
    as_of: str = AS_OF_OPTION,
    fail_on: str = typer.Option(
        None,
        "--fail-on",
        metavar="STATUSES",
        help="Exit 1 if a matching, non-excepted item has one of these statuses "
        "(default FAIL; e.g. FAIL,ERROR; 'none' never fails).",
    ),
    output: str = typer.Option(
        None, "--format", metavar="FORMAT", help="table (default), json, csv, sarif or junit."
    ),
    as_json: bool = JSON_OPTION,
    wide: bool = WIDE_OPTION,
) -> None:
    """List evidence (current state by default). Exit 1 when a --fail-on status is present."""
    if ctx.invoked_subcommand is not None:
        return
    code = evidence_list.list_evidence(
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
        output=output,
        as_json=as_json,
        all_items=all_items,
        wide=wide,
    )
    if code:
        raise typer.Exit(code)


app.callback(invoke_without_command=True)(list_evidence)
app.command("list")(list_evidence)


def _render_show(item: dict[str, Any]) -> None:
    import json

    from rich.markup import escape

    out = console.out()
    rows = [
        ("ID", item["id"]),
        ("Check", f"{item['checkId']}: {item['title']}"),
        ("Status", evidence_list.status_cell(item)),
        ("Why", item["message"]),
        ("Severity", item["severity"]),
        ("Category", item["category"]),
        ("Resource", f"{item['resourceId']} ({item['resourceType']})"),
        ("Region", item["region"] or ""),
        ("Account", item.get("accountId") or ""),
        ("Collected", f"{item['collectedAt']} (job {item['jobId']})"),
        ("Current", "yes" if item["current"] else "no (a later collection superseded it)"),
        ("SHA-256", item["sha256"]),
    ]
    if item["exception"]:
        exc = item["exception"]
        rows.append(
            ("Exception", f"{exc['reason']} (owner {exc['owner']}, until {exc['expiresAt']})")
        )
    console.table(None, ["Field", "Value"], rows)
    if item["description"]:
        out.print(f"\n[bold]Description[/bold]\n{escape(item['description'])}")
    out.print("\n[bold]Controls[/bold]")
    for framework, controls in item["controlDetails"].items():
        for control in controls:
            out.print(f"  {framework} {control['id']}: {escape(control['title'] or '?')}")
    remediation = item["remediation"]
    if remediation["text"] or remediation["cli"]:
        out.print(f"\n[bold]Remediation[/bold]\n{escape(remediation['text'] or '')}")
        if remediation["cli"]:
            console.line(f"  $ {escape(remediation['cli'])}")
    out.print("\n[bold]Raw data[/bold]")
    out.print(escape(json.dumps(item["rawData"], indent=2, sort_keys=True, ensure_ascii=False)))
    console.table(
        "History (earlier collections)",
        ["Collected", "Status", "Evidence", "Job"],
        [
            (h["collectedAt"], console.styled(h["status"]), h["evidenceId"][:8], h["jobId"][:8])
            for h in item["history"]
        ],
        empty="No earlier collection of this check on this resource.",
    )


@app.command("show")
def show_evidence(
    evidence_id: str = typer.Argument(..., metavar="ID", help="Evidence id or unique prefix."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one item: why, resource, raw data, SHA-256, controls, remediation and history."""
    with context.backend() as backend:
        data = backend.get_evidence(evidence_id)
    console.emit(data, as_json, lambda: _render_show(data["evidence"]))


def _render_stats(stats: dict[str, Any]) -> None:
    statuses = list(stats["byStatus"])
    console.out().print(
        f"[bold]{stats['total']}[/bold] items: "
        + ", ".join(f"{console.styled(s)} {n}" for s, n in stats["byStatus"].items())
        + f"; {stats['excepted']} excepted"
    )
    for title, block in (
        ("By category", stats["byCategory"]),
        ("By severity", stats["bySeverity"]),
    ):
        console.table(
            title,
            ["", "Total", *statuses, "Excepted"],
            [
                (name, row["total"], *(row[s] for s in statuses), row["excepted"])
                for name, row in block.items()
                if row["total"]
            ],
            empty="No evidence yet.",
        )


@app.command("stats")
def evidence_stats(
    integration: str = INTEGRATION_OPTION,
    account: str = ACCOUNT_OPTION,
    as_of: str = AS_OF_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Counts of the current evidence by status, category and severity."""
    with context.backend() as backend:
        stats = backend.evidence_stats(integration=integration, account=account, as_of=as_of)
    console.emit(stats, as_json, lambda: _render_stats(stats))


def _render_compliance(summary: dict[str, Any]) -> None:
    fw = summary["framework"]
    totals = summary["totals"]
    score = f"{summary['score']}%" if summary["score"] is not None else "n/a"
    console.table(
        f"{fw['name']}: score {score}",
        [
            "Control",
            "Status",
            "Pass",
            "Fail",
            "Warn",
            "Error",
            console.Col("Excepted", drop=3),
            console.Col("Checks", drop=1),
            console.Col("Policies", drop=2),
            console.Col("Title", "text"),
        ],
        [
            (
                c["id"],
                console.styled(c["status"]),
                c["counts"]["pass"],
                c["counts"]["fail"],
                c["counts"]["warning"],
                c["counts"]["error"],
                c["counts"]["excepted"],
                len(c["checks"]),
                len(c.get("policies") or []),
                c["title"],
            )
            for c in summary["controls"]
        ],
        caption=(
            f"{totals['passing']} passing, {totals['failing']} failing, {totals['warning']} "
            f"warning, {totals['notCovered']} not covered of {totals['controls']} controls. "
            "Score = passing / covered controls."
        ),
    )


@app.command("compliance")
def evidence_compliance(
    framework: str = typer.Option(
        None,
        "--framework",
        "-f",
        metavar="FRAMEWORK",
        help="A framework id or alias (required; a wrong one lists them).",
    ),
    integration: str = INTEGRATION_OPTION,
    account: str = ACCOUNT_OPTION,
    as_of: str = AS_OF_OPTION,
    all_ids: bool = typer.Option(
        False, "--all-ids", help="List every evidence id per control (default: first 100)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Control-by-control status of a framework (PASSING, FAILING, WARNING, NOT_COVERED)."""
    with context.backend() as backend:
        summary = backend.compliance_summary(
            framework=framework,
            integration=integration,
            account=account,
            as_of=as_of,
            all_ids=all_ids,
        )
    console.emit(summary, as_json, lambda: _render_compliance(summary))


app.command("changes")(evidence_changes.evidence_changes)

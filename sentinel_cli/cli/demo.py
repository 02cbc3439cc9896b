"""``sentinel demo``: the whole product on an embedded sample company, in its own home."""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import Any

import typer

from sentinel_cli.cli import console, context


def demo(
    home: Path = typer.Option(
        None, "--home", help="Demo home directory (default: SENTINEL_HOME/demo). Wiped each run."
    ),
    scale: str = typer.Option(
        "full", "--scale", help="full (a few dozen users, a dozen repos) or small (quicker)."
    ),
    serve: bool = typer.Option(
        False,
        "--serve",
        help="Serve the demo store on 127.0.0.1: the web dashboard and the REST API, with the "
        "demo admin's credentials printed (runs the demo first if there is no demo store yet; "
        "opens no browser).",
    ),
    port: int = typer.Option(8000, "--port", help="Port for --serve."),
) -> None:
    """Run Sentinel end to end on an embedded sample company: no cloud account, no token.

    Starts a moto AWS account and a GitHub API stand-in on 127.0.0.1, connects both, collects,
    prints the dashboard, writes two policies and two PDF reports. Your own store is never touched.
    """
    from sentinel_cli.cli.collect import progress_display
    from sentinel_cli.errors import InvalidInput
    from sentinel_cli.operations import demo as demo_ops

    if scale not in demo_ops.SCALES:
        raise InvalidInput(f"--scale {scale!r}: use one of {', '.join(demo_ops.SCALES)}")
    user_settings = context.settings()
    settings = demo_ops.demo_settings(user_settings, home)
    if serve and demo_ops.demo_admin(settings) is not None:
        _serve(settings, port)
        return
    demo_ops.prepare_home(settings, user_settings)
    started = time.monotonic()

    def step(text: str) -> None:
        console.err().print(f"[cyan]→[/cyan] {text}")

    with progress_display(True) as progress_for:
        result = demo_ops.run_demo(
            settings, scale=demo_ops.SCALES[scale], step=step, progress_for=progress_for
        )
    _render(result, time.monotonic() - started)
    if serve:
        _serve(settings, port)


def _render(result: Any, seconds: float) -> None:
    from rich.markup import escape

    out = console.out()
    dash = result.dashboard
    ov = dash["overview"]
    out.rule("[bold]Sentinel demo: Northwind Analytics Ltd[/bold]")
    out.print(
        f"Compliance score [bold]{ov['complianceScore']}%[/bold] · {ov['totalChecks']} checks: "
        f"[green]{ov['passingChecks']} passing[/green], [red]{ov['failingChecks']} failing[/red], "
        f"[yellow]{ov['warningChecks']} warning[/yellow] · trend {dash.get('trend', 'stable')}"
    )
    console.table(
        "Frameworks",
        ["Framework", "Score", "Passing", "Failing", "Warning", "Not covered"],
        [
            (
                f["name"],
                f"{f['score']}%" if f["score"] is not None else "n/a",
                f["passingControls"],
                f["failingControls"],
                f["warningControls"],
                f["notCoveredControls"],
            )
            for f in dash["frameworks"]
        ],
    )
    console.table(
        "Top failing evidence",
        [console.Col("Severity", drop=1), console.Col("Check", "text"), console.Col("Resource")],
        [(i["severity"], i["title"], i["resourceId"]) for i in result.failing],
    )
    audited = result.audit_summary
    totals = audited["totals"]
    framework = audited["framework"]
    out.print(
        f"{framework['label']}: score [bold]{audited['score']}%[/bold] · "
        f"{totals['passing']} controls passing, "
        f"{totals['failing']} failing, {totals['warning']} warning, "
        f"{totals['notCovered']} not covered by automated evidence (of {totals['controls']})"
    )
    for policy in result.policies:
        out.print(f"Policy: {policy['title']} v{policy['version']} ({policy['status']})")
    # Paths and commands go out one per line and never wrapped (console.line): they are copied.
    for path in result.report_paths:
        console.line(f"Report: [bold]{escape(str(path))}[/bold]")
    home = result.home
    out.print(f"\nDone in {seconds:.0f} s.")
    console.line(f"Demo store: {escape(str(home / 'sentinel.db'))}")
    out.print("Try next:")
    quoted = shlex.quote(str(home))
    # Examples from the data: another framework's compliance, and what evidences a control of
    # the audited framework that failed.
    other = next(
        (f["id"] for f in reversed(dash["frameworks"]) if f["id"] != framework["id"]),
        framework["id"],
    )
    failing = [c["id"] for c in audited.get("controls", []) if c["status"] == "FAILING"]
    control = (failing or [c["id"] for c in audited.get("controls", [])] or ["?"])[0]
    for line in (
        f"export SENTINEL_HOME={quoted}",
        "sentinel evidence --status FAIL            # exit 1 when failures exist (CI gate)",
        f"sentinel evidence compliance --framework {other}",
        "sentinel dashboard",
        f"sentinel checks list --framework {framework['id']} --control {control}"
        "   # what gives evidence for it",
        f"sentinel demo --serve --home {quoted}   # web dashboard and REST API on it",
        "unset SENTINEL_HOME && sentinel integrations connect aws --help   # your real account",
    ):
        console.line(f"  [bold]{escape(line)}[/bold]")


def _serve(settings: Any, port: int) -> None:
    """Serve the demo store (never the user's), printing the dashboard's URL and the demo admin's
    credentials to sign in with. No browser is opened: the demo may run on a machine without one,
    or over SSH, and the URL is one copy away."""
    import os

    from sentinel_cli.cli.serve import serve as serve_command
    from sentinel_cli.operations import demo as demo_ops

    credentials = demo_ops.demo_admin(settings)
    assert credentials is not None
    email, password = credentials
    os.environ["SENTINEL_HOME"] = str(settings.home)
    os.environ["SENTINEL_SECRETS_BACKEND"] = "file"
    os.environ.pop("SENTINEL_DB", None)
    os.environ.pop("SENTINEL_QUEUE", None)  # its queue sits beside its store, never a shared one
    site = f"http://127.0.0.1:{port}"
    base = f"{site}/api"
    console.out().print(
        f"Web dashboard: [bold]{site}/[/bold] (sign in with the demo admin)\n"
        f"Demo admin (this demo store only): [bold]{email}[/bold] / [bold]{password}[/bold]\n"
        f"  curl -s {base}/auth/login -H 'Content-Type: application/json' "
        f'-d \'{{"email": "{email}", "password": "{password}"}}\'\n'
        f"  curl -s {base}/dashboard/stats -H 'Authorization: Bearer TOKEN'",
        soft_wrap=True,
        highlight=False,
    )
    serve_command(
        host="127.0.0.1",
        port=port,
        workers=1,
        # None is these options' own default (the environment's limit, else the built-in one).
        rate_limit=None,
        login_rate_limit=None,
        web_rate_limit=None,
        forwarded_allow_ips=None,
        # The demo's integrations point at stand-ins on loopback: allow exactly that, explicitly.
        allow_endpoint_hosts="127.0.0.1",
        allow_ambient_aws_credentials=False,
        no_worker=False,
        worker_concurrency=2,
        queue=None,
        log_level="info",
        graceful_timeout=10,
    )

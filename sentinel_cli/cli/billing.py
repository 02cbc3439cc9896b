"""``sentinel billing``: the subscription, its usage against the plan's limits, and plan changes.

Thin over ``operations.billing`` (which also enforces the limits during connect and collect);
``--json`` prints what the API returns under ``data``. Human output draws usage as Rich bars: green
under 80 %, yellow up to the limit, red when over it (a downgrade below current usage). Through
``context.backend()``: the local store, or the server logged in to (plan changes need ADMIN there).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import typer

from sentinel_cli.cli import console, context
from sentinel_cli.cli.options import JSON_OPTION

app = typer.Typer(help="Subscription, plans, usage and limits (checks and integrations).")
plan_app = typer.Typer(help="Change the subscription's plan.")
app.add_typer(plan_app, name="plan")


class LimitKind(StrEnum):
    integrations = "integrations"
    checks = "checks"


_SHORT_REPORT = {
    "EXECUTIVE_SUMMARY": "EXEC",
    "SOC2_AUDIT": "SOC2",
    "ISO27001_AUDIT": "ISO",
    "COMBINED_AUDIT": "COMBINED",
}
_REFUSED = {"integrations": "new connects", "checks": "new collections", "users": "new users"}


def _amount(value: int | None) -> str:
    return "unlimited" if value is None else f"{value:,}"


def _bar(used: int, limit: int | None, width: int = 24) -> Any:
    """A text bar (readable when piped, unlike a progress widget): green, yellow from 80 %, red over."""
    from rich.text import Text

    if limit is None:
        return Text("unlimited", style="dim")
    ratio = used / limit if limit else (0.0 if used == 0 else 2.0)
    style = "red" if ratio > 1 else "yellow" if ratio >= 0.8 else "green"
    filled = min(width, round(ratio * width))
    return Text.assemble(("█" * filled, style), ("░" * (width - filled), "dim"))


def _render_status(sub: dict[str, Any]) -> None:
    from rich.markup import escape
    from rich.table import Table

    status_style = "green" if sub["active"] else "red"
    out = console.out()
    out.print(
        f"Plan [bold]{escape(sub['tier'])}[/bold] (${sub['monthlyPriceUsd']:,}/month) · "
        f"status [{status_style}]{sub['status']}[/{status_style}]"
    )
    out.print(f"Billing period {sub['currentPeriodStart']} → {sub['currentPeriodEnd']} (UTC)")
    rows = (
        ("Integrations", "integrations", sub["limits"]["integrations"]),
        ("Checks this period", "checks", sub["limits"]["checksPerPeriod"]),
        ("Users", "users", sub["limits"]["maxUsers"]),
    )
    tbl = Table(header_style="bold", title_justify="left")
    for column in ("Usage", "", "Used", "Limit", "Remaining"):
        tbl.add_column(column)
    for label, key, limit in rows:
        used = sub["usage"][key]
        over = sub["overLimit"].get(key)
        remaining = f"[red]{over:,} over[/red]" if over else _amount(sub["remaining"][key])
        tbl.add_row(label, _bar(used, limit), f"{used:,}", _amount(limit), remaining)
    out.print(tbl)
    features = sub["features"]
    out.print(
        f"Reports: {', '.join(features['reportTypes'])} · frameworks: "
        f"{', '.join(features['frameworks'])} · REST API: "
        f"{'yes' if features['apiAccess'] else 'no'}"
    )
    if not sub["active"]:
        console.notice(
            f"The subscription is {sub['status']}: evidence and reports stay readable, "
            "new collections and integrations are refused."
        )
    for key, over in sub["overLimit"].items():
        console.notice(
            f"Over the {sub['tier']} plan's {key} limit by {over:,}: {_REFUSED[key]} are refused "
            "until usage drops or the plan is upgraded."
        )


@app.command("status")
def status(as_json: bool = JSON_OPTION) -> None:
    """Show the plan, status, billing period and usage against each limit."""
    with context.backend() as backend:
        sub = backend.subscription()
    console.emit({"subscription": sub}, as_json, lambda: _render_status(sub))


def _render_plans(items: list[dict[str, Any]]) -> None:
    from rich.table import Table

    tbl = Table(
        title="Plans",
        title_justify="left",
        header_style="bold",
        caption="Reports: EXEC = EXECUTIVE_SUMMARY; SOC2, ISO, COMBINED = SOC2_AUDIT, "
        "ISO27001_AUDIT, COMBINED_AUDIT. "
        "The REST API (sentinel serve) is included on every tier of a self-hosted install.",
    )
    for column in ("Tier", "$/month", "Integrations", "Checks/period", "Users"):
        tbl.add_column(column, no_wrap=True, justify="left" if column == "Tier" else "right")
    tbl.add_column("Reports")
    for p in items:
        tbl.add_row(
            p["tier"],
            f"{p['monthlyPriceUsd']:,}",
            _amount(p["limits"]["integrations"]),
            _amount(p["limits"]["checksPerPeriod"]),
            _amount(p["limits"]["maxUsers"]),
            ", ".join(_SHORT_REPORT.get(t, t) for t in p["features"]["reportTypes"]),
        )
    console.out().print(tbl)


@app.command("plans")
def plans(as_json: bool = JSON_OPTION) -> None:
    """List the plans with their prices, limits and report types."""
    with context.backend() as backend:
        items = backend.list_plans()
    console.emit({"plans": items}, as_json, lambda: _render_plans(items))


@plan_app.command("set")
def set_plan(
    tier: str = typer.Argument(
        ..., metavar="TIER", help="FREE, STARTER, PROFESSIONAL or ENTERPRISE."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Change the plan, effective immediately (recorded in the activity log)."""
    with context.backend() as backend:
        sub = backend.update_subscription(tier=tier)
    console.emit({"subscription": sub}, as_json, lambda: _render_status(sub))


@app.command("set-status")
def set_status(
    status_value: str = typer.Argument(
        ..., metavar="STATUS", help="TRIALING, ACTIVE, PAST_DUE or CANCELED."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Set the subscription status (admins: PAST_DUE or CANCELED stop new collections)."""
    with context.backend() as backend:
        sub = backend.update_subscription(status=status_value)
    console.emit({"subscription": sub}, as_json, lambda: _render_status(sub))


def _render_limit(title: str, item: dict[str, Any]) -> None:
    verdict = "[green]allowed[/green]" if item["allowed"] else "[red]refused[/red]"
    resets = f" · resets at {item['resetsAt']}" if item.get("resetsAt") else ""
    console.out().print(
        f"{title}: {verdict} · used {item['used']:,} of {_amount(item['limit'])} · "
        f"remaining {_amount(item['remaining'])} ({item['tier']}){resets}"
    )
    if item.get("message"):
        from rich.markup import escape

        console.out().print(f"  [dim]{escape(item['message'])}[/dim]")


@app.command("limits")
def limits(
    kind: LimitKind = typer.Argument(
        None, help="Show only one limit (the API's /api/billing/limits/<kind>)."
    ),
    check: bool = typer.Option(
        False, "--check", help="Exit 5 with the reason when the action is not allowed (scripts)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Whether another integration may be connected and how many checks remain this period."""
    names = [k.value for k in LimitKind] if kind is None else [kind.value]
    with context.backend() as backend:
        # One use case per kind: limits_integrations, limits_checks (enforce: 403 with the reason).
        data = {name: getattr(backend, f"limits_{name}")() for name in names}

        def render() -> None:
            for name, item in data.items():
                _render_limit(name.capitalize(), item)

        console.emit(data if kind is None else data[kind.value], as_json, render)
        if check:
            for name in names:
                getattr(backend, f"limits_{name}")(enforce=True)

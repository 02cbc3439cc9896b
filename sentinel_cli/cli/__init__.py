"""The ``sentinel`` command: a Typer app whose groups are thin shells over ``operations``.

Start-up must stay fast (``sentinel --help`` under 0.3 s), so this module and the group modules import
only typer and our light modules; boto3, github, fpdf and fastapi are imported inside the commands
that need them. Every domain error is turned into one red line and its exit code by ``SentinelGroup``,
which wraps the whole command tree, so Typer's test runner sees exactly what a user sees.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

import typer

from sentinel_cli import __version__
from sentinel_cli.cli import console
from sentinel_cli.cli.lean import LeanGroup
from sentinel_cli.errors import SentinelError


class SentinelGroup(LeanGroup):
    """Maps domain errors and crashes to exit codes, once, for every command."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SentinelError as exc:
            if console.debug_enabled():
                traceback.print_exc()
            console.error_line(exc.message, exc.hint)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except KeyboardInterrupt:
            console.error_line("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:
            if console.debug_enabled():
                traceback.print_exc()
            console.error_line(
                f"internal error: {type(exc).__name__}: {exc}",
                "this is a bug in Sentinel; rerun with SENTINEL_DEBUG=1 and report the traceback",
            )
            raise typer.Exit(70) from None


app = typer.Typer(
    cls=SentinelGroup,
    name="sentinel",
    help=(
        "Sentinel: self-hosted compliance automation. Collect evidence from AWS and GitHub, map it "
        "to SOC 2 and ISO 27001, and gate CI on failures. State lives in SENTINEL_HOME."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sentinel {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False,
        "--version",
        "-V",
        help="Print the version and exit.",
        callback=_version,
        is_eager=True,
    ),
) -> None:
    """Sentinel: self-hosted compliance automation for SOC 2 and ISO 27001."""


def _register() -> None:
    from sentinel_cli.cli import billing, collect, integrations

    app.add_typer(integrations.app, name="integrations")
    app.add_typer(billing.app, name="billing")
    app.command("collect")(collect.collect)

    from sentinel_cli.cli import demo

    app.command("demo")(demo.demo)

    from sentinel_cli.cli import policies

    app.add_typer(policies.app, name="policies")

    from sentinel_cli.cli import reports

    app.add_typer(reports.app, name="reports")

    from sentinel_cli.cli import dashboard, evidence, exceptions, lean

    app.add_typer(evidence.app, name="evidence")
    app.add_typer(exceptions.app, name="exceptions")
    app.command("dashboard", cls=lean.LeanCommand)(dashboard.dashboard)

    from sentinel_cli.cli import serve, users

    app.add_typer(users.app, name="users")
    app.command("serve")(serve.serve)

    from sentinel_cli.cli import auth

    app.command("login")(auth.login)
    app.command("logout")(auth.logout)
    app.command("whoami")(auth.whoami)


_register()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    from sentinel_cli.cli.lean import make_tree_lean

    try:
        command = typer.main.get_command(app)
        make_tree_lean(command)
        command(args=argv, prog_name="sentinel")
    except KeyboardInterrupt:  # raised outside a command (e.g. while parsing)
        console.error_line("interrupted")
        sys.exit(130)

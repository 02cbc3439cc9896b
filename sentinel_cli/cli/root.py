"""The Typer app behind ``sentinel``: every group is a thin shell over ``operations``.

Start-up must stay fast (``sentinel --help`` under 0.3 s), so this module and the group modules import
only typer and our light modules; boto3, github, fpdf and fastapi are imported inside the commands
that need them. Every domain error is turned into one red line and its exit code by ``SentinelGroup``
(through ``cli.failure``), which wraps the whole command tree, so Typer's test runner sees exactly
what a user sees. The console-script entry point is ``sentinel_cli.cli.main``, which first offers the
argument list to ``cli.fastpath``.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

from sentinel_cli import __version__
from sentinel_cli.cli import console
from sentinel_cli.cli.failure import report_failure


class SentinelGroup(TyperGroup):
    """Maps domain errors and crashes to exit codes, once, for every command, and loads the
    commands of ``LAZY_COMMANDS`` only when they are asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in LAZY_COMMANDS if n not in self.commands)]

    def get_command(self, ctx: Any, name: str) -> Any:
        command = super().get_command(ctx, name)
        if command is None and name in LAZY_COMMANDS:
            command = _load_command(name)
            self.commands[name] = command
        return command

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except (Exception, KeyboardInterrupt) as exc:
            raise typer.Exit(report_failure(exc)) from None


app = typer.Typer(
    cls=SentinelGroup,
    name="sentinel",
    help=(
        "Sentinel: self-hosted compliance automation. Collect evidence from AWS and GitHub, map it "
        "to the controls of compliance frameworks, and gate CI on failures. State lives in "
        "SENTINEL_HOME."
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
    db: str | None = typer.Option(
        None,
        "--db",
        metavar="URL_OR_PATH",
        help="The store for this command: a SQLite file or a postgresql:// URL (the same as "
        "SENTINEL_DB, which it overrides).",
    ),
) -> None:
    """Sentinel: self-hosted compliance automation over AWS and GitHub evidence."""
    if db is not None:
        from sentinel_cli.cli.context import use_database

        use_database(db)


# Every command except ``collect`` is loaded on first use: a command module imports its own
# options, renderers and operations, and importing all of them would cost ``sentinel evidence``
# (the CI gate) a fifth of its start-up. name -> (module, attribute, "group" | "command").
LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "integrations": ("integrations", "app", "group"),
    "evidence": ("evidence", "app", "group"),
    "checks": ("checks", "app", "group"),
    "dashboard": ("dashboard", "dashboard", "command"),
    "exceptions": ("exceptions", "app", "group"),
    "schedules": ("schedules", "app", "group"),
    "policies": ("policies", "app", "group"),
    "reports": ("reports", "app", "group"),
    "billing": ("billing", "app", "group"),
    "users": ("users", "app", "group"),
    "notify": ("notify", "app", "group"),
    "serve": ("serve", "serve", "command"),
    "worker": ("worker", "worker", "command"),
    "workers": ("worker", "workers", "command"),
    "login": ("auth", "login", "command"),
    "logout": ("auth", "logout", "command"),
    "whoami": ("auth", "whoami", "command"),
    "demo": ("demo", "demo", "command"),
    "db": ("db", "app", "group"),
    "secrets": ("secrets", "app", "group"),
}


def _load_command(name: str) -> Any:
    """Build the click command of a lazily registered command or group."""
    import importlib

    module_name, attribute, kind = LAZY_COMMANDS[name]
    module = importlib.import_module(f"sentinel_cli.cli.{module_name}")
    target = getattr(module, attribute)
    if kind != "group":
        holder = typer.Typer(add_completion=False)
        holder.command(name)(target)
        command = typer.main.get_command(holder)
    else:
        # get_group, not get_command: the latter would treat the sub-app as a program of its own
        # and add --install-completion/--show-completion to it.
        command = typer.main.get_group(target)
    command.name = name
    return command


def _register() -> None:
    from sentinel_cli.cli import collect

    app.command("collect")(collect.collect)


_register()


def run(argv: list[str]) -> None:
    """Run the Typer app on ``argv``; exits like every click program (``SystemExit``)."""
    try:
        typer.main.get_command(app)(args=argv, prog_name="sentinel")
    except KeyboardInterrupt:  # raised outside a command (e.g. while parsing)
        console.error_line("interrupted")
        sys.exit(130)

"""``cli.lean``: the evidence commands convert their options without Typer's pydantic adapters,
and still behave like Typer options (repeatable lists, ints, usage errors exit 2)."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from sentinel_cli.cli.lean import LeanCommand, LeanGroup
from tests.conftest import Cli
from tests.test_evidence_support import estate_fixture  # noqa: F401 - provides `estate`

typer_core = pytest.importorskip("typer.core")
if not hasattr(typer_core._TyperParameter, "get_runtime_param"):
    pytest.skip("this Typer has no runtime adapters to avoid", allow_module_level=True)


def _demo_app() -> typer.Typer:
    app = typer.Typer(cls=LeanGroup)

    @app.command("run", cls=LeanCommand)
    def run(
        name: str = typer.Option(None, "--name"),
        tag: list[str] = typer.Option(None, "--tag"),
        count: int = typer.Option(3, "--count"),
        bounded: int = typer.Option(1, "--bounded", min=1, max=5),
        flag: bool = typer.Option(False, "--flag"),
    ) -> None:
        typer.echo(repr((name, tag, count, bounded, flag)))

    @app.command("other", cls=LeanCommand)
    def other() -> None:
        typer.echo("other")

    return app


def test_values_convert_like_typer() -> None:
    runner = CliRunner()
    app = _demo_app()
    out = runner.invoke(app, ["run", "--name", "x", "--tag", "a", "--tag", "b", "--count", "7"])
    assert out.exit_code == 0, out.output
    assert out.stdout.strip() == repr(("x", ["a", "b"], 7, 1, False))
    out = runner.invoke(app, ["run"])
    assert out.stdout.strip() == repr((None, None, 3, 1, False))
    bad = runner.invoke(app, ["run", "--count", "many"])
    assert bad.exit_code == 2 and "is not a whole number" in bad.output
    # Options with constraints keep Typer's own coercion and messages.
    assert runner.invoke(app, ["run", "--bounded", "9"]).exit_code == 2


# `sentinel evidence --status ...` and `sentinel evidence list ...` are answered by
# ``cli.fastpath`` through the console script (Typer never runs), so they are invoked on the
# Typer app directly: that is the path the lean commands must keep free of Typer's adapters.
TYPER_ARGS = (
    ["evidence", "--status", "FAIL", "--limit", "5", "--json", "--fail-on", "none"],
    ["evidence", "list", "-s", "PASS", "-s", "WARNING", "--category", "iam", "--json"],
)
CONSOLE_ARGS = (
    ["evidence", "stats", "--json"],
    ["evidence", "compliance", "--framework", "SOC2", "--json"],
    ["dashboard", "--days", "7", "--json"],
    ["exceptions", "list", "--json"],
)


def _spy_on_adapters(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    used: list[str] = []
    original = typer_core._TyperParameter.get_runtime_param

    def spy(self: Any) -> Any:
        used.append(self.name)
        return original(self)

    monkeypatch.setattr(typer_core._TyperParameter, "get_runtime_param", spy)
    return used


def _invoke_typer(args: list[str]) -> None:
    from sentinel_cli.cli import app

    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 1), (args, result.output, result.exception)
    assert result.stdout.lstrip().startswith("{"), (args, result.stdout)


def test_evidence_commands_use_no_typer_adapter(
    cli: Cli, estate: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    used = _spy_on_adapters(monkeypatch)
    for args in TYPER_ARGS:
        _invoke_typer(args)
    for args in CONSOLE_ARGS:
        result = cli(*args)
        assert result.exit_code in (0, 1), result.stderr
    # Only the root group's own --help flag may still go through Typer (see cli/lean.py).
    assert set(used) <= {"help"}


def test_the_adapter_spy_sees_typer_when_lean_is_off(
    cli: Cli, estate: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Positive control for the test above: without ``make_lean`` the same invocations do go
    through Typer's runtime adapters, so the spy would notice a regression."""
    import sentinel_cli.cli.lean as lean

    monkeypatch.setattr(lean, "make_lean", lambda params: None)
    used = _spy_on_adapters(monkeypatch)
    for args in TYPER_ARGS:
        _invoke_typer(args)
    assert set(used) - {"help"}, used
    assert "status" in used, used

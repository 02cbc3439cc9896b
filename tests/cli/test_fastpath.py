"""``cli.fastpath``: ``sentinel evidence [list]`` without Typer must behave exactly like the Typer
command — same options, same output, same exit codes — and give way to Typer for anything else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sentinel_cli.cli.fastpath import LIST_OPTIONS, parse_list_args, run_fast
from tests.helpers.estate import Estate


def _typer_list_command() -> Any:
    import typer

    from sentinel_cli.cli import app

    root = typer.main.get_command(app)
    group = root.get_command(None, "evidence")
    return group, group.get_command(None, "list")


def _option_table(command: Any) -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for param in command.params:
        if param.param_type_name != "option" or param.name == "help":
            continue
        kind = "flag" if param.is_flag else "many" if param.multiple else "one"
        for spelling in [*param.opts, *param.secondary_opts]:
            table[spelling] = (param.name, kind)
    return table


def test_option_table_is_the_typer_commands_options() -> None:
    """Adding or renaming an option of ``evidence list`` without updating the fast path fails
    here; the group callback (``sentinel evidence --status FAIL``) takes the same options."""
    group, command = _typer_list_command()
    assert _option_table(command) == LIST_OPTIONS
    assert _option_table(group) == LIST_OPTIONS
    assert not [p for p in command.params if p.param_type_name == "argument"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["evidence"], {}),
        (["evidence", "list"], {}),
        (
            ["evidence", "--status", "FAIL", "-s", "WARNING", "--status=ERROR"],
            {"status": ["FAIL", "WARNING", "ERROR"]},
        ),
        (
            ["evidence", "list", "-n", "5", "--limit", "7", "--json", "--format=csv"],
            {"limit": "7", "as_json": True, "output": "csv"},
        ),
        (
            ["evidence", "--fail-on", "FAIL,ERROR", "--as-of", "2026-01-01"],
            {
                "fail_on": "FAIL,ERROR",
                "as_of": "2026-01-01",
            },
        ),
        (["evidence", "--limit=-1"], {"limit": "-1"}),
        (["evidence", "--control", ""], {"control": ""}),
        (["evidence", "--all", "--json"], {"all_items": True, "as_json": True}),
        (["evidence", "list", "--wide", "-s", "FAIL"], {"wide": True, "status": ["FAIL"]}),
        (["evidence", "--account", "111122223333"], {"account": "111122223333"}),
    ],
)
def test_well_formed_calls_take_the_fast_path(argv: list[str], expected: dict[str, Any]) -> None:
    assert parse_list_args(argv) == expected


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--help"],
        ["evidence", "--help"],
        ["evidence", "list", "-h"],
        ["evidence", "stats"],
        ["evidence", "show", "abc"],
        ["evidence", "--stat", "FAIL"],  # click would expand an abbreviation; Typer decides
        ["evidence", "-sFAIL"],
        ["evidence", "--status"],
        ["evidence", "--status", "--json"],
        ["evidence", "--limit", "-1"],
        ["evidence", "--json=yes"],
        ["evidence", "--all=true"],
        ["evidence", "--al"],
        ["evidence", "list", "extra"],
        ["evidence", "--", "--status"],
        ["dashboard", "--json"],
        ["--version"],
    ],
)
def test_anything_else_goes_to_typer(argv: list[str]) -> None:
    assert parse_list_args(argv) is None
    assert run_fast(argv) is None


def _run_both(args: list[str]) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    from sentinel_cli.cli import app

    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        code = run_fast(args)
        sys.stdout.flush()
        sys.stderr.flush()
        fast = (code, out.getvalue().decode(), err.getvalue().decode())
    assert code is not None, f"{args} did not take the fast path"
    slow = runner.invoke(app, args)
    return fast, (slow.exit_code, slow.stdout, slow.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ["evidence"],
        ["evidence", "list", "--json"],
        ["evidence", "--status", "FAIL", "--json"],
        ["evidence", "list", "-s", "FAIL", "-s", "WARNING", "--severity", "critical"],
        ["evidence", "--category", "iam", "--framework", "SOC2", "--control", "CC6.1"],
        ["evidence", "--fail-on", "none", "--format", "csv"],
        ["evidence", "--fail-on", "FAIL,ERROR", "--format", "sarif"],
        ["evidence", "--status", "FAIL", "--format=junit"],
        ["evidence", "--limit", "2", "--offset", "1", "--json"],
        ["evidence", "--as-of", "2000-01-01", "--json"],
        ["evidence", "--all", "--json"],
        ["evidence", "list", "--all", "--status", "FAIL", "--offset", "2", "--json"],
        ["evidence", "--all", "--fail-on", "none"],
        ["evidence", "--all", "--format", "sarif"],
        ["evidence", "--wide"],
        ["evidence", "--account", "111122223333", "--json"],
        ["evidence", "list", "--account", "444455556666", "--format", "csv"],
        ["evidence", "--account", "not-an-account"],
        ["evidence", "list", "--wide", "--all", "--status", "PASS"],
        ["evidence", "--all", "--limit", "5", "--json"],
        # Usage errors raised by the operation: exit 2 with the same message on both paths.
        ["evidence", "--status", "BOGUS"],
        ["evidence", "--limit=-1"],
        ["evidence", "--as-of", "yesterday-ish"],
        ["evidence", "--integration", "no-such-integration"],
    ],
)
def test_fast_path_prints_and_exits_like_typer(estate: Estate, args: list[str]) -> None:
    fast, slow = _run_both(args)
    assert fast == slow
    if args[-1] in ("BOGUS", "--limit=-1", "yesterday-ish"):
        assert fast[0] == 2 and "error:" in fast[2]
    if "--all" in args and "--limit" in args:
        assert fast[0] == 2 and "--all and --limit disagree" in fast[2]


def test_ci_gate_process_does_not_import_typer(tmp_path: Path) -> None:
    """The console script's CI call runs without Typer (or click), so without the pydantic that
    Typer's option coercion imports; ``--help`` still has Typer."""
    probe = (
        "import sys\n"
        "from sentinel_cli.cli import main\n"
        "code = 'none'\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as exc:\n    code = exc.code\n"
        # click itself, or the copy Typer 0.29+ vendors as typer._click
        "click = any(m.split('.')[0] == 'click' or '_click' in m.split('.') for m in sys.modules)\n"
        "pyd = 'pydantic' in sys.modules\n"
        "print(f'CODE={code} TYPER={\"typer\" in sys.modules} CLICK={click} PYDANTIC={pyd}',"
        " file=sys.stderr)\n"
    )
    env = {**os.environ, "SENTINEL_HOME": str(tmp_path), "SENTINEL_SECRETS_BACKEND": "file"}

    def probe_run(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-c", probe, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        return [ln for ln in proc.stderr.splitlines() if ln.startswith("CODE=")][-1]

    fast = "TYPER=False CLICK=False PYDANTIC=False"
    assert probe_run("evidence", "--status", "FAIL", "--json") == f"CODE=0 {fast}"
    assert probe_run("evidence", "list", "-s", "FAIL", "-s", "ERROR") == f"CODE=0 {fast}"
    assert probe_run("evidence", "--help").startswith("CODE=0 TYPER=True CLICK=True ")
    assert probe_run("evidence", "--status", "NOPE") == f"CODE=2 {fast}"
    # Positive control: a call the fast path declines runs through Typer and its coercion.
    assert probe_run("evidence", "stats", "--json") == "CODE=0 TYPER=True CLICK=True PYDANTIC=True"


@pytest.mark.parametrize(
    "args",
    [
        ["evidence", "--limit", "1000", "--json", "--fail-on", "none"],  # the fast path
        ["checks", "list", "--json"],  # through Typer
    ],
)
def test_a_reader_that_leaves_early_gets_no_error_line(tmp_path: Path, args: list[str]) -> None:
    """``sentinel ... | head``: exit 1 as click does, nothing on stderr, no traceback."""
    env = {**os.environ, "SENTINEL_HOME": str(tmp_path), "SENTINEL_SECRETS_BACKEND": "file"}
    code = "import sys; from sentinel_cli.cli import main; main(sys.argv[1:])"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first write (start-up takes longer)
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert "Traceback" not in stderr and "error" not in stderr.lower(), stderr

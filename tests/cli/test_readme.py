"""The README is tested like code: its check counts and its command examples follow the product.

Every ``sentinel ...`` line in the README's ``bash`` blocks is parsed the way a reader would type
it and resolved against the real Typer command tree: the command path must exist and every
``--option`` it uses must be an option of that command. The counts of checks it states are the
catalogues' counts. A renamed flag or a new check therefore fails here, not in a user's terminal.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _bash_lines() -> list[str]:
    """Logical lines (backslash continuations joined) of the README's bash blocks."""
    lines: list[str] = []
    inside = False
    pending = ""
    for raw in README.read_text(encoding="utf-8").splitlines():
        if raw.startswith("```"):
            inside = raw.strip() == "```bash"
            continue
        if not inside:
            continue
        line = pending + raw
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        lines.append(line)
    return lines


def _sentinel_invocations() -> list[list[str]]:
    """The argument lists of every ``sentinel`` call (after pipes, ``&&`` and env assignments)."""
    calls: list[list[str]] = []
    for line in _bash_lines():
        code = line.split(" #", 1)[0]
        for part in re.split(r"\|\||&&|\||;", code):
            try:
                words = shlex.split(part)
            except ValueError:
                continue
            while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
                words = words[1:]  # GITHUB_TOKEN=... sentinel ...
            if words and words[0] == "sentinel":
                calls.append(words[1:])
    return calls


def _is_group(command: Any) -> bool:
    return hasattr(command, "list_commands")  # Typer vendors click: no isinstance(click.Group)


def _context(command: Any) -> Any:
    return command.context_class(command)


def _resolve(root: Any, args: list[str]) -> tuple[Any, list[str], list[str]]:
    """The click command an argument list names, the options given to it, and the words left."""
    command = root
    rest = list(args)
    while _is_group(command) and rest and not rest[0].startswith("-"):
        sub = command.get_command(_context(command), rest[0])
        if sub is None:
            break
        command, rest = sub, rest[1:]
    options = [w.split("=", 1)[0] for w in rest if w.startswith("--")]
    return command, options, rest


def test_the_readme_has_commands_to_check() -> None:
    assert len(_sentinel_invocations()) > 40


@pytest.mark.parametrize("args", _sentinel_invocations(), ids=lambda a: " ".join(a)[:60])
def test_each_readme_command_exists_with_its_options(args: list[str]) -> None:
    import typer

    from sentinel_cli.cli import app

    command, options, rest = _resolve(typer.main.get_command(app), args)
    stray = rest[:1] if _is_group(command) and rest and not rest[0].startswith("-") else []
    assert not stray, f"'sentinel {' '.join(args)}': {command.name} has no command {stray[0]!r}"
    known = {name for p in command.params for name in (*p.opts, *p.secondary_opts)}
    unknown = [o for o in options if o not in known]
    assert not unknown, f"'sentinel {' '.join(args)}': {command.name} has no {unknown}"


def test_the_check_counts_in_the_readme_are_the_catalogues() -> None:
    from sentinel_cli.checks import catalogue

    text = " ".join(README.read_text(encoding="utf-8").split())
    stated = {
        "aws": int(re.search(r"(\d+) AWS checks", text).group(1)),  # type: ignore[union-attr]
        "github": int(re.search(r"(\d+) GitHub checks", text).group(1)),  # type: ignore[union-attr]
    }
    assert stated == {"aws": len(catalogue("aws")), "github": len(catalogue("github"))}


def test_ci_runs_exactly_the_readme_test_command() -> None:
    """``.ci/run`` runs the README's test command word for word (Chromium check included), and
    the README shows it in the Quickstart and in Development alike."""
    script = (README.parent / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    marker = next(i for i, line in enumerate(script) if line.startswith("# --- README: test"))
    command = script[marker + 1]
    assert "pytest" in command and ".ci/ensure-chromium &&" in command, command
    assert _bash_lines().count(command) == 2, command

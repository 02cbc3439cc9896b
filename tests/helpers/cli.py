"""``sentinel`` run in-process, as the ``cli`` fixture (tests/conftest.py) and the client-mode
tests' two sides use it."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

from typer.testing import CliRunner


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        # An in-process moto server may print notices to stdout before the command's JSON.
        text = self.stdout
        start = text.find("\n{") + 1 if not text.startswith("{") else 0
        return json.loads(text[start:])


class Cli:
    """Runs ``sentinel`` in-process through the console-script entry point (``cli.main``: the
    Typer-free fast path for ``evidence list``, the Typer app for everything else), with stdin,
    stdout and stderr isolated by Typer's test runner."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> CliResult:
        from sentinel_cli.cli import main

        with self.runner.isolation(input=input) as (stdout, stderr, _):
            try:
                main(list(args))
                code: Any = 0
            except SystemExit as exc:
                code = exc.code
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            out = stdout.getvalue().decode()
            err = stderr.getvalue().decode("utf-8", "backslashreplace")
        if code is None:
            code = 0
        elif not isinstance(code, int):  # sys.exit("message"), as click does with a string
            err, code = err + f"{code}\n", 1
        return CliResult(code, out, err)

"""Shared fixtures: an isolated SENTINEL_HOME per test and a CLI runner over the real app."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sentinel_cli.config import Settings


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh SENTINEL_HOME with the file secrets backend (no OS keyring on CI machines), for
    every test: no test can read or write the developer's real store, keyring or login."""
    path = tmp_path / "home"
    monkeypatch.setenv("SENTINEL_HOME", str(path))
    monkeypatch.setenv("SENTINEL_SECRETS_BACKEND", "file")
    monkeypatch.delenv("SENTINEL_DB", raising=False)
    monkeypatch.delenv("SENTINEL_DEBUG", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    yield path


@pytest.fixture
def settings(home: Path) -> Settings:
    return Settings.from_env()


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


@pytest.fixture
def cli(home: Path) -> Cli:
    return Cli()

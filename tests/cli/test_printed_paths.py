"""Paths, hashes and commands that people copy are printed whole, one per line, even when output
goes to a pipe 40 columns wide (Rich would otherwise wrap them at the width)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from sentinel_cli.cli import console
from tests.helpers.cli import Cli
from tests.helpers.estate import Estate

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "company.yaml"


@pytest.fixture
def narrow_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stdout as Rich sees a pipe with COLUMNS=40: not a terminal, 40 wide."""
    monkeypatch.setattr(console, "_stdout_console", Console(width=40, highlight=False))


@pytest.fixture
def deep(tmp_path: Path) -> Path:
    path = tmp_path / ("a-directory-with-a-rather-long-name-" * 3) / "reports and policies"
    path.mkdir(parents=True)
    assert len(str(path)) > 100
    return path


def _line_with(stdout: str, prefix: str) -> str:
    (line,) = [ln for ln in stdout.splitlines() if ln.startswith(prefix)]
    return line.removeprefix(prefix)


def test_report_paths_and_hash_are_whole_lines(
    cli: Cli, estate: Estate, narrow_pipe: None, deep: Path
) -> None:
    generated = cli("reports", "generate", "--type", "EXECUTIVE_SUMMARY", "-o", str(deep), "-q")
    assert generated.exit_code == 0, generated.stderr
    written = Path(_line_with(generated.stdout, "Wrote "))
    assert written.parent == deep and written.is_file()
    sha = _line_with(generated.stdout, "SHA-256 ")
    assert len(sha) == 64

    report = cli("reports", "generate", "--type", "SOC2_AUDIT", "--json").json()["report"]
    target = deep / "copy of the report.pdf"
    downloaded = cli("reports", "download", report["id"][:8], "--output", str(target))
    assert downloaded.exit_code == 0, downloaded.stderr
    assert _line_with(downloaded.stdout, "Wrote ").startswith(f"{target} (")

    without_output = cli("reports", "generate", "--type", "SOC2_AUDIT", "-q")
    command = _line_with(without_output.stdout, "Download: ")
    assert command.startswith("sentinel reports download ") and command.endswith(".pdf")


def test_policy_download_path_is_a_whole_line(cli: Cli, narrow_pipe: None, deep: Path) -> None:
    args = ("policies", "generate", "information-security-policy", "--data", str(EXAMPLE))
    policy = cli(*args, "--json").json()["policy"]
    target = deep / "information security policy.md"
    downloaded = cli("policies", "download", policy["id"][:8], "--output", str(target))
    assert downloaded.exit_code == 0, downloaded.stderr
    assert _line_with(downloaded.stdout, "Wrote ").startswith(f"{target} (")
    assert target.is_file()

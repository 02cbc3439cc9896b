"""A non-editable install ships the templates inside the package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.e2e
def test_wheel_ships_template_folders(tmp_path: Path) -> None:
    target = tmp_path / "site"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    probe = (
        "import importlib.resources as r, sentinel_cli;"
        "print(sentinel_cli.__file__);"
        "print(sorted(p.name for p in r.files('sentinel_cli.policy_templates').iterdir()));"
        "print(sorted(p.name for p in r.files('sentinel_cli.report_templates').iterdir()))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(target)},
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith(str(target))
    assert "index.yaml" in lines[1]
    assert "__init__.py" in lines[2]

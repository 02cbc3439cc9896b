"""Every check, on the passing, failing and edge inventories of its own tests, reads as prose.

The check-test helpers (``run_check`` in ``aws/conftest.py``, ``run_check`` and
``run_with_runner`` in ``github/gh_inventory.py``) screen each result they return with
``result_text.screen``. This test runs those check tests in a child pytest with the recording
switched on, then proves the screen saw every catalogued check: a check whose tests stopped
going through the helpers would otherwise drop out silently. Titles come from the catalogues,
so they are screened here directly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sentinel_cli.checks import PROVIDERS, catalogue

from .result_text import RECORD_ENV, leftovers

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CATALOGUE = {cid: meta for provider in PROVIDERS for cid, meta in catalogue(provider).items()}


def test_every_check_was_screened_on_its_own_tests_inventories(tmp_path: Path) -> None:
    record = tmp_path / "results.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env[RECORD_ENV] = str(record)
    # addopts is cleared: its xdist options (--dist) mean nothing to a child without xdist.
    pytest = [sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider"]
    pytest += ["-p", "no:randomly", "-p", "no:xdist"]
    child = subprocess.run(
        [*pytest, str(HERE / "aws"), str(HERE / "github")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == 0, child.stdout[-4000:] + child.stderr[-2000:]
    rows = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    dirty = [row for row in rows if any(leftovers(text) for text in row.values())]
    assert dirty == []
    assert {row["check_id"] for row in rows} == set(CATALOGUE)


def test_every_title_reads_cleanly() -> None:
    assert {cid: m.title for cid, m in CATALOGUE.items() if leftovers(m.title)} == {}

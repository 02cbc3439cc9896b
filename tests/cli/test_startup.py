"""Start-up stays light: `sentinel --help` and listing commands import no heavy SDK."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers.imports import heavy_modules_for


def test_help_imports_no_heavy_library(tmp_path: Path) -> None:
    assert heavy_modules_for(["--help"], tmp_path) == []


def test_listing_imports_no_heavy_library(tmp_path: Path) -> None:
    assert heavy_modules_for(["integrations", "list", "--json"], tmp_path) == []


def test_local_evidence_list_imports_no_http_client(tmp_path: Path) -> None:
    """Client mode (``sentinel login``) must cost the local CI path nothing: no httpx."""
    assert heavy_modules_for(["evidence", "list", "--json"], tmp_path) == []


def test_bad_option_values_are_usage_errors(tmp_path: Path) -> None:
    """An option value of the wrong type is a usage error (exit 2) naming the option; a good one
    reaches the operation converted."""
    env = {**os.environ, "SENTINEL_HOME": str(tmp_path), "SENTINEL_SECRETS_BACKEND": "file"}
    base = [sys.executable, "-m", "sentinel_cli", "integrations", "connect", "github"]
    bad = subprocess.run(
        [*base, "--org", "acme", "--token", "t", "--no-verify", "--review-period-days", "abc"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert bad.returncode == 2, bad.stderr
    assert "Invalid value for '--review-period-days'" in bad.stderr and "integer" in bad.stderr
    assert "Traceback" not in bad.stderr
    good = subprocess.run(
        [
            *base,
            "--org",
            "acme",
            "--token",
            "t",
            "--no-verify",
            "--review-period-days",
            "30",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert good.returncode == 0, good.stderr
    assert '"reviewPeriodDays": 30' in good.stdout


def test_compliance_and_dashboard_import_no_renderer(tmp_path: Path) -> None:
    """They read the policy template index (control mappings) but render nothing: no Jinja2, no
    fpdf, no SDK."""
    for args in (["evidence", "compliance", "--framework", "SOC2", "--json"], ["dashboard"]):
        assert heavy_modules_for(args, tmp_path) == [], args

"""The GitHub catalogue: loads, is complete, maps to real controls, and every check is tested."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

from sentinel_cli.checks import catalogue, load_checks
from sentinel_cli.checks.base import SEVERITIES, CheckSettings
from sentinel_cli.frameworks import unknown_controls
from sentinel_cli.inventory.github import GithubInventory

CATEGORIES = {
    "identity",
    "access-control",
    "change-management",
    "vulnerability-management",
    "secrets",
    "integrity",
    "encryption",
    "governance",
    "logging",
}
# Every critical/high check of the GitHub table in docs/checks.md that needs no GHEC-only API.
REQUIRED = {
    "github_org_2fa_required",
    "github_org_members_without_2fa",
    "github_org_base_permission",
    "github_org_repo_creation",
    "github_repo_default_branch_protected",
    "github_repo_review_required",
    "github_repo_dismiss_stale_reviews",
    "github_repo_status_checks",
    "github_repo_no_force_push_delete",
    "github_repo_enforce_admins",
    "github_repo_signed_commits",
    "github_repo_secret_scanning",
    "github_repo_dependabot_alerts",
    "github_repo_vuln_sla",
    "github_actions_no_pr_self_approval",
    "github_change_review_population",
}


def test_load_checks_pairs_every_entry_with_code():
    checks = load_checks("github")
    assert len(checks) >= 20
    assert {c.meta.id for c in checks} >= REQUIRED


def test_metadata_is_complete():
    inventory_fields = {f.name for f in dataclasses.fields(GithubInventory)}
    settings_fields = {f.name for f in dataclasses.fields(CheckSettings)}
    for meta in catalogue("github").values():
        assert re.fullmatch(r"github_[a-z0-9_]+", meta.id), meta.id
        assert meta.provider == "github"
        assert meta.title and not meta.title.lower().startswith("ensure"), meta.id
        assert len(meta.description) > 40, meta.id
        assert meta.severity in SEVERITIES
        assert meta.category in CATEGORIES, (meta.id, meta.category)
        assert set(meta.controls) == {"SOC2", "ISO27001", "NIST-CSF"}, meta.id
        assert all(meta.controls.values()), meta.id
        assert meta.remediation.text, meta.id
        if meta.remediation.cli:
            assert meta.remediation.cli.startswith("gh "), meta.id
        assert meta.sources and set(meta.sources) <= inventory_fields, (meta.id, meta.sources)
        assert set(meta.thresholds) <= settings_fields, (meta.id, meta.thresholds)


def test_every_mapped_control_exists():
    assert unknown_controls(catalogue("github").values()) == []


def test_every_check_has_tests():
    here = Path(__file__).parent
    text = "".join(p.read_text() for p in here.glob("test_github_*.py"))
    untested = [cid for cid in catalogue("github") if cid not in text]
    assert untested == []


def test_checks_do_not_import_pygithub():
    code = (
        "import sys; from sentinel_cli.checks import load_checks; load_checks('github'); "
        "import sentinel_cli.collectors.github; "
        "assert 'github' not in sys.modules, 'github imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

"""Hand-built GitHub inventories for the check tests (no server, no PyGithub).

This directory deliberately has no ``__init__.py`` and no ``conftest.py``: a package named
``github`` under a directory pytest puts on ``sys.path`` would shadow PyGithub, and a second
rootless ``conftest`` module would clash with other directories'. Helpers live here instead.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sentinel_cli.checks import load_checks
from sentinel_cli.checks.base import STATUSES, CheckResult, CheckSettings, run_checks
from sentinel_cli.inventory.fetch import FetchError
from sentinel_cli.inventory.github import GithubInventory
from tests.checks.result_text import screen

ORG = "acme"
NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
NOW_ISO = "2025-06-30T12:00:00Z"


def ago(**kw: float) -> str:
    return (NOW - timedelta(**kw)).strftime("%Y-%m-%dT%H:%M:%SZ")


def repo(
    name: str, *, public: bool = False, admin: bool = True, branch: str = "main"
) -> dict[str, Any]:
    return {
        "name": name,
        "full_name": f"{ORG}/{name}",
        "private": not public,
        "visibility": "public" if public else "private",
        "default_branch": branch,
        "archived": False,
        "permissions": {"admin": admin, "push": True, "pull": True},
    }


def inventory(*repos: dict[str, Any], **fields: Any) -> GithubInventory:
    base: dict[str, Any] = {
        "org_login": ORG,
        "collected_at": NOW_ISO,
        "period_since": "2025-04-01T12:00:00Z",
        "period_until": NOW_ISO,
        "organization": {"login": ORG, "id": 1},
        "repos": list(repos),
    }
    base.update(fields)
    return GithubInventory(**base)


def per(name: str, value: Any) -> dict[str, Any]:
    return {f"{ORG}/{name}": value}


def fetch_error(source: str, scope: str | None = None, permission: str | None = None) -> FetchError:
    return FetchError(
        source,
        f"GET {source}",
        "HTTP 404: Not Found",
        scope=scope,
        permission=permission,
        error_code="404",
    )


_CHECKS = {c.meta.id: c for c in load_checks("github")}


def run_check(check_id: str, inv: GithubInventory, **overrides: Any) -> list[CheckResult]:
    """One check's results, through the catalogue wiring; sanity-checks every result."""
    results = list(_CHECKS[check_id].evaluate(inv, CheckSettings(**overrides)))
    for result in results:
        assert result.check_id == check_id
        assert result.status in STATUSES
        assert result.message
    screen(results)
    return results


def run_with_runner(check_id: str, inv: GithubInventory, **overrides: Any) -> list[CheckResult]:
    """Through ``run_checks``, so fetch errors become ERROR items as in production."""
    results = list(run_checks([_CHECKS[check_id]], inv, CheckSettings(**overrides)))
    screen(results)
    return results


def statuses(results: list[CheckResult]) -> dict[str, str]:
    """resource_id -> status (asserting one item per resource)."""
    out: dict[str, str] = {}
    for r in results:
        assert r.resource_id not in out, f"two items for {r.resource_id}"
        out[r.resource_id] = r.status
    return out

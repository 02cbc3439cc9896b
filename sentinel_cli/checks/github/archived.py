"""Archived repositories, named: the population every other repository check leaves out.

Archived repositories are read-only (no push, no pull request, no settings change until someone
unarchives them), so the collector skips them and no repository check judges them. Left at that,
they would vanish from the evidence and an auditor sampling "all repositories" would not know the
list was filtered. This check closes the gap: one PASS per archived repository, saying it is
read-only and excluded, with what the listing already told (visibility, last push) — and one PASS
for the organization when there is none, so an empty list is a stated fact, not an absence.
"""

from __future__ import annotations

from collections.abc import Iterator

from sentinel_cli.checks.base import PASS, CheckResult, CheckSettings, check
from sentinel_cli.checks.github._util import REPO, is_public, org_result
from sentinel_cli.inventory.github import GithubInventory

CHECK_ID = "github_repo_archived_listed"


@check(CHECK_ID)
def archived_listed(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    if inv.repos is None or inv.failed("repos"):
        return  # the listing failed: its archived part is incomplete; the runner says why
    if not inv.archived_repos:
        yield org_result(
            inv,
            CHECK_ID,
            PASS,
            f"No repository is archived: all {len(inv.repos)} repositories are in scope of the "
            "repository checks.",
            {"archivedRepositories": [], "activeRepositories": len(inv.repos)},
        )
        return
    for full_name in sorted(inv.archived_repos):
        entry = inv.archived_listing.get(full_name) or {}
        if isinstance(entry.get("visibility"), str) or isinstance(entry.get("private"), bool):
            visibility = "public" if is_public(entry) else str(entry.get("visibility") or "private")
        else:
            visibility = "visibility unknown"
        pushed = entry.get("pushed_at")
        yield CheckResult(
            CHECK_ID,
            PASS,
            full_name,
            REPO,
            f"{full_name} ({visibility}) is archived: read-only, and excluded from the other "
            "repository checks until it is unarchived.",
            data={
                "repository": full_name,
                "archived": True,
                "visibility": visibility,
                "lastPushedAt": pushed if isinstance(pushed, str) else "unknown",
                "excludedFrom": "every other repository check",
            },
        )

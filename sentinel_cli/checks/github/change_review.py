"""The change-review population: every merge into a default branch in the audit period was reviewed.

This is the evidence a change-management auditor samples from (its control mappings are in the
catalogue), so it is shaped for sampling: one item per repository (the resource an auditor scopes
by, and the unit whose branch
policy explains the result), whose data lists the *whole* population — number, title, author,
merged-at, approvers, link — and, separately, the exceptions. Protection settings say what should
happen; this says what did.

A merge counts as reviewed when, at merge time, at least one person other than the author had
approved it: for each reviewer the latest of APPROVED / CHANGES_REQUESTED / DISMISSED submitted
before ``merged_at`` decides (comments do not change a verdict, a dismissed approval no longer
counts, and an approval given after the merge is not a review of the change before it shipped).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sentinel_cli.checks.base import FAIL, PASS, CheckResult, CheckSettings, check
from sentinel_cli.checks.github._util import each_repo, login_of, parse_time
from sentinel_cli.inventory.github import GithubInventory

VERDICT_STATES = {"APPROVED", "CHANGES_REQUESTED", "DISMISSED"}


def review_outcome(pr: Mapping[str, Any]) -> tuple[list[str], str | None]:
    """(approvers at merge time, reason when there are none)."""
    author = login_of(pr.get("user"))
    merged = parse_time(pr.get("merged_at"))
    reviews = sorted(
        pr.get("sentinel_reviews") or [], key=lambda r: str(r.get("submitted_at") or "")
    )
    latest: dict[str, str] = {}  # other reviewer -> latest verdict before the merge
    commented: set[str] = set()  # others who only commented before the merge
    late: set[str] = set()  # others who approved after the merge
    author_reviewed = False
    for review in reviews:
        login = login_of(review.get("user"))
        state = str(review.get("state") or "").upper()
        if not login:
            continue
        if login == author:
            author_reviewed = True  # GitHub forbids self-approval; it would not count anyway
            continue
        submitted = parse_time(review.get("submitted_at"))
        if merged is not None and submitted is not None and submitted > merged:
            if state == "APPROVED":
                late.add(login)
            continue
        if state in VERDICT_STATES:
            latest[login] = state
        else:
            commented.add(login)
    approvers = sorted(login for login, state in latest.items() if state == "APPROVED")
    if approvers:
        return approvers, None
    if "DISMISSED" in latest.values():
        return [], "approval dismissed before merge"
    if "CHANGES_REQUESTED" in latest.values():
        return [], "merged with changes requested and no approval"
    if late:
        return [], f"approved only after the merge (by {', '.join(sorted(late))})"
    if commented:
        return [], "reviewed without approval"
    if author_reviewed:
        return [], "only the author reviewed"
    return [], "no review"


@check("github_change_review_population")
def change_review_population(
    inv: GithubInventory, settings: CheckSettings
) -> Iterator[CheckResult]:
    cid = "github_change_review_population"
    period = {"since": inv.period_since, "until": inv.period_until}
    for view in each_repo(inv, ("merged_pulls",)):
        if view.missing:
            yield view.not_collected(cid)
            continue
        population: list[dict[str, Any]] = []
        exceptions: list[dict[str, Any]] = []
        for pr in sorted(view.values["merged_pulls"] or [], key=lambda p: str(p.get("merged_at"))):
            approvers, reason = review_outcome(pr)
            entry = {
                "number": pr.get("number"),
                "title": pr.get("title"),
                "author": login_of(pr.get("user")),
                "mergedAt": pr.get("merged_at"),
                "mergedBy": login_of(pr.get("merged_by")) or None,
                "approvers": approvers,
                "url": pr.get("html_url"),
            }
            population.append(entry)
            if reason is not None:
                exceptions.append({**entry, "reason": reason})
        branch = view.default_branch
        window = f"between {period['since']} and {period['until']}"
        data = {
            "period": period,
            "baseBranch": branch,
            "populationSize": len(population),
            "population": population,
            "exceptions": exceptions,
        }
        if exceptions:
            listed = ", ".join(f"#{e['number']} ({e['reason']})" for e in exceptions)
            yield view.result(
                cid,
                FAIL,
                f"{len(exceptions)} of {len(population)} pull request(s) merged into {branch} "
                f"{window} "
                f"had no approval from someone other than the author: {listed}.",
                data,
            )
        elif population:
            yield view.result(
                cid,
                PASS,
                f"All {len(population)} pull request(s) merged into {branch} {window} were "
                "approved "
                "by someone other than the author.",
                data,
            )
        else:
            yield view.result(
                cid, PASS, f"No pull request was merged into {branch} {window}.", data
            )

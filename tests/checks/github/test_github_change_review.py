"""github_change_review_population: the population, its exceptions and the review rules."""

from __future__ import annotations

from typing import Any

from gh_inventory import ORG, ago, fetch_error, inventory, per, repo, run_check, run_with_runner

from sentinel_cli.checks.base import ERROR, FAIL, PASS

CID = "github_change_review_population"


def pr(
    number: int, author: str, merged: str, *reviews: tuple[str, str, str], title: str = "change"
) -> dict[str, Any]:
    return {
        "number": number,
        "title": title,
        "user": {"login": author},
        "merged_at": merged,
        "html_url": f"https://github.com/{ORG}/api/pull/{number}",
        "sentinel_reviews": [
            {"user": {"login": login}, "state": state, "submitted_at": when}
            for login, state, when in reviews
        ],
    }


def run(*pulls: dict[str, Any]):
    [r] = run_check(CID, inventory(repo("api"), merged_pulls=per("api", list(pulls))))
    assert (r.resource_id, r.resource_type) == (f"{ORG}/api", "github-repository")
    return r


def test_all_reviewed_passes_and_lists_population():
    r = run(
        pr(1, "alice", ago(days=3), ("bob", "APPROVED", ago(days=3, hours=1)), title="Add login"),
        pr(
            2,
            "bob",
            ago(days=2),
            ("carol", "CHANGES_REQUESTED", ago(days=2, hours=5)),
            ("carol", "APPROVED", ago(days=2, hours=1)),
        ),
    )
    assert r.status == PASS
    assert r.data["populationSize"] == 2 and r.data["exceptions"] == []
    first = r.data["population"][0]
    assert first == {
        "number": 1,
        "title": "Add login",
        "author": "alice",
        "mergedAt": ago(days=3),
        "mergedBy": None,
        "approvers": ["bob"],
        "url": f"https://github.com/{ORG}/api/pull/1",
    }
    assert r.data["period"] == {"since": "2025-04-01T12:00:00Z", "until": "2025-06-30T12:00:00Z"}


def test_unreviewed_merges_are_the_exceptions():
    r = run(
        pr(10, "carol", ago(days=30), ("bob", "APPROVED", ago(days=30, hours=1))),
        pr(11, "dave", ago(days=20), ("bob", "APPROVED", ago(days=19))),  # approved after merge
        pr(12, "alice", ago(days=5), ("alice", "COMMENTED", ago(days=5, hours=1))),  # self only
        pr(13, "erin", ago(days=4)),  # no review at all
        pr(
            14,
            "bob",
            ago(days=3),
            ("carol", "APPROVED", ago(days=3, hours=4)),
            ("carol", "DISMISSED", ago(days=3, hours=2)),
        ),
        pr(
            15,
            "bob",
            ago(days=2),
            ("carol", "APPROVED", ago(days=2, hours=4)),
            ("carol", "CHANGES_REQUESTED", ago(days=2, hours=3)),
        ),
        pr(16, "bob", ago(days=1), ("frank", "COMMENTED", ago(days=1, hours=3))),
    )
    assert r.status == FAIL
    reasons = {e["number"]: e["reason"] for e in r.data["exceptions"]}
    assert reasons == {
        11: "approved only after the merge (by bob)",
        12: "only the author reviewed",
        13: "no review",
        14: "approval dismissed before merge",
        15: "merged with changes requested and no approval",
        16: "reviewed without approval",
    }
    assert r.data["populationSize"] == 7
    assert "6 of 7" in r.message and "#11" in r.message


def test_self_approval_never_counts():
    r = run(pr(1, "alice", ago(days=1), ("alice", "APPROVED", ago(days=1, hours=2))))
    assert r.status == FAIL and r.data["population"][0]["approvers"] == []


def test_empty_period_passes_and_unreadable_population_is_error():
    r = run()
    assert r.status == PASS and r.data["populationSize"] == 0 and "No pull request" in r.message
    inv = inventory(repo("api"), errors=(fetch_error("merged_pulls", f"{ORG}/api"),))
    assert run_check(CID, inv) == []
    [e] = run_with_runner(CID, inv)
    assert (e.status, e.resource_id) == (ERROR, f"{ORG}/api")

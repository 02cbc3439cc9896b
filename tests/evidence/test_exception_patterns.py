"""Risk exception patterns read by the store exactly as ``fnmatch.fnmatchcase`` reads them.

SQLite asks Python itself (a function registered on the connection); PostgreSQL runs each glob
translated to a regular expression. Both must agree with ``ExceptionRules.match`` item by item on
awkward resource ids and patterns: sets and their complements, a ``]`` first in a set, ranges
given backwards, a ``[`` never closed, backslashes, regular-expression characters, newlines,
non-ASCII text, and two exceptions of one check covering the same item (the first one wins).
"""

from __future__ import annotations

import random

import pytest

from sentinel_cli.store.queries import EvidenceFilter, ExceptionRules
from tests.helpers.estate import Estate, day_at

both_databases = pytest.mark.both_databases

CHECKS = ("aws_iam_root_mfa", "aws_s3_versioning", "aws_ec2_sg_no_ssh_world")

RESOURCES = (
    "arn:aws:s3:::logs-[prod]",
    "arn:aws:s3:::logs-p",
    "a]b",
    "a\\b",
    "a-b",
    "a^b",
    "a.b",
    "axb",
    "x*y",
    "x?y",
    "x(y)|z{1}$",
    "new\nline",
    "ünïcødé",
    "[",
    "[!",
    "A",
    "0",
    "sg-0bbb2222",
)

PATTERNS = (
    "arn:aws:s3:::logs-[[]prod]",
    "arn:aws:s3:::logs-[!p]*",
    "a[]]b",
    "a[!]]b",
    "a[\\]b",
    "a[\\-^]b",
    "a[b-a]b",
    "a[!b-a]b",
    "a[.]b",
    "a.b",
    "x[*]y",
    "x[?]y",
    "x(y)|z{1}$",
    "new?line",
    "*\n*",
    "ü*é",
    "[",
    "[!",
    "[[]!",
    "[--0]",
    "[a-]*",
    "[!a-z]*",
    "*[0-9a-f]2222",
    "?",
    "*b",
)


def _collect(estate: Estate) -> str:
    """One collection holding every check on every resource id: all FAIL, but one PASS per check
    (never excepted, whatever the patterns)."""
    estate.integration("patterns")
    specs = [
        (check_id, resource_id, "PASS" if resource_id == "A" else "FAIL", None)
        for check_id in CHECKS
        for resource_id in RESOURCES
    ]
    return estate.collect("patterns-0", "patterns", specs, at=day_at(0, 1))


def _rules(patterns: list[tuple[str, str]]) -> ExceptionRules:
    return ExceptionRules(
        tuple(
            {"id": f"exc-{n}", "check_id": check_id, "resource_pattern": pattern}
            for n, (check_id, pattern) in enumerate(patterns)
        )
    )


def _assert_store_agrees(estate: Estate, job_id: str, rules: ExceptionRules) -> int:
    """Items, counts and the page without excepted items agree with ``rules.match``; returns
    how many items are excepted."""
    queries = estate.store.queries
    flt = EvidenceFilter(job_ids=(job_id,))
    items = queries.page(flt, rules=rules, limit=None)
    assert len(items) == len(CHECKS) * len(RESOURCES)
    expected = {i["id"]: rules.match(i["check_id"], i["resource_id"], i["status"]) for i in items}
    assert {i["id"]: i["exception_id"] for i in items} == expected
    excepted = sum(1 for e in expected.values() if e is not None)
    assert queries.count(flt, rules=rules) == len(items) - excepted
    counted = queries.excepted_counts([job_id], rules)
    assert sum(r["count"] for r in counted) == excepted
    kept = queries.page(flt, rules=rules, limit=None, exclude_excepted=True)
    assert {i["id"] for i in kept} == {k for k, e in expected.items() if e is None}
    return excepted


@both_databases
def test_awkward_patterns_match_as_fnmatch_does(estate: Estate) -> None:
    job_id = _collect(estate)
    # Each pattern on its own check, so every item says which one pattern matched it.
    for pattern in PATTERNS:
        excepted = _assert_store_agrees(estate, job_id, _rules([(CHECKS[0], pattern)]))
        assert (excepted > 0) == (pattern != "a[b-a]b"), pattern  # each one matches something
    assert _rules([(CHECKS[0], "a[]]b")]).match(CHECKS[0], "a]b", "FAIL") == "exc-0"


@both_databases
def test_the_first_exception_of_a_check_that_matches_wins(estate: Estate) -> None:
    job_id = _collect(estate)
    rules = _rules(
        [
            (CHECKS[0], "a?b"),
            (CHECKS[1], "*"),
            (CHECKS[0], "a*"),  # covers a.b only after a?b did not
            (CHECKS[0], "*"),
            (CHECKS[2], "[!a]*"),
            (CHECKS[2], "a[b-a]*"),  # matches nothing
        ]
    )
    _assert_store_agrees(estate, job_id, rules)
    assert rules.match(CHECKS[0], "a.b", "FAIL") == "exc-0"
    assert rules.match(CHECKS[0], "axxb", "FAIL") == "exc-2"
    assert rules.match(CHECKS[0], "[", "FAIL") == "exc-3"


@both_databases
def test_random_patterns_over_every_check(estate: Estate) -> None:
    job_id = _collect(estate)
    pick = random.Random(21)
    alphabet = "ab-]![^\\*?.$(é\nx0" + "[" * 3
    patterns = [
        (pick.choice(CHECKS), "".join(pick.choice(alphabet) for _ in range(pick.randint(1, 6))))
        for _ in range(150)
    ]
    _assert_store_agrees(estate, job_id, _rules(patterns))

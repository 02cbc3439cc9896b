"""Risk-exception globs as PostgreSQL regular expressions accept exactly what ``fnmatchcase`` does.

The corner cases of ``fnmatch`` (an unclosed ``[``, ``]`` first in a set, ``-`` at either end,
reversed ranges, characters that mean something to a regex) plus a seeded batch of random
patterns over an alphabet made of them, each against many strings: once through Python's ``re``
(the regex is written to read the same there) and once on the test PostgreSQL server with ``~``.
"""

from __future__ import annotations

import random
import re
from fnmatch import fnmatchcase

from sentinel_cli.store.globs import glob_to_regex

CORNERS = [
    "",
    "*",
    "**",
    "?",
    "[",
    "[]",
    "[!]",
    "[]]",
    "[!]]",
    "[]a]",
    "[z-a]",
    "[!z-a]",
    "[az-ab]",
    "[a-]",
    "[-a]",
    "[!-a]",
    "[a-c-e]",
    "[a--]",
    "[--a]",
    "[^a]",
    "[[:alpha:]]",
    "[\\]",
    "[a-\\]",
    "a\\b",
    "a.b",
    "(?!)",
    "a{2}",
    "x|y",
    "$^",
    "***=a",
    "arn:aws:s3:::logs-*",
    "arn:aws:iam::123456789012:user/?ob",
    "acme/[!w]*",
    "Zoë*",
    "[é-ü]x",
    "😀?",
]
ALPHABET = "ab-]![*?\\z^.$(é:/\n{|"
STRINGS_EXTRA = [
    "",
    "a",
    "-",
    "]",
    "[",
    "!",
    "\\",
    "^",
    "\n",
    "a.b",
    "axb",
    "a\\b",
    "x|y",
    "aa",
    "$^",
    "***=a",
    "arn:aws:s3:::logs-1",
    "arn:aws:s3:::log",
    "arn:aws:iam::123456789012:user/bob",
    "arn:aws:iam::123456789012:user/bobb",
    "acme/api",
    "acme/web",
    "Zoë Müller",
    "zoë",
    "ñx",
    "😀!",
    "[]",
    "z",
    "c",
]


def _cases() -> tuple[list[str], list[str]]:
    rng = random.Random(21)
    patterns = CORNERS + [
        "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 6))) for _ in range(400)
    ]
    strings = STRINGS_EXTRA + [
        "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 5))) for _ in range(150)
    ]
    return list(dict.fromkeys(patterns)), list(dict.fromkeys(strings))


def _mismatches(
    matches: dict[tuple[int, int], bool], patterns: list[str], strings: list[str]
) -> list[tuple[str, str, str]]:
    """The first (pattern, string, regex) triples whose match differs from ``fnmatchcase``."""
    return [
        (patterns[p], strings[s], glob_to_regex(patterns[p]))
        for (p, s), got in matches.items()
        if got != fnmatchcase(strings[s], patterns[p])
    ][:10]


def test_python_reads_the_regex_as_fnmatch() -> None:
    patterns, strings = _cases()
    compiled = [re.compile(glob_to_regex(p)[1:-1], re.DOTALL) for p in patterns]
    matches = {
        (p, s): compiled[p].fullmatch(text) is not None
        for p in range(len(patterns))
        for s, text in enumerate(strings)
    }
    assert _mismatches(matches, patterns, strings) == []


def test_postgresql_matches_as_fnmatch(pg_url: str) -> None:
    import psycopg

    patterns, strings = _cases()
    regexes = [glob_to_regex(p) for p in patterns]
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT p.i, s.j, s.v ~ p.r FROM unnest(%s::text[]) WITH ORDINALITY AS p(r, i), "
            "unnest(%s::text[]) WITH ORDINALITY AS s(v, j)",
            (regexes, strings),
        ).fetchall()
    assert len(rows) == len(patterns) * len(strings)
    matches = {(int(i) - 1, int(j) - 1): bool(m) for i, j, m in rows}
    assert _mismatches(matches, patterns, strings) == []
    assert any(matches.values()) and not all(matches.values())  # both outcomes occur


def test_regex_has_no_unescaped_specials_from_the_pattern() -> None:
    # Every character of the pattern but letters and digits becomes an escape, so a resource id
    # with regex syntax in it is only ever text.
    assert glob_to_regex("a.b(c)|d") == "^a\\u002eb\\u0028c\\u0029\\u007cd$"
    assert glob_to_regex("x*?[!a-c]") == "^x.*.[^a-c]$"
    assert glob_to_regex("[z-a]") == glob_to_regex("[z-a]x*") == "^(?!)$"

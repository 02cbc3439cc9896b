"""Resource globs as PostgreSQL regular expressions.

Risk exceptions name their resources with shell-style globs matched by ``fnmatch.fnmatchcase``
(case-sensitive; ``*``, ``?``, ``[abc]``, ``[a-z]``, ``[!abc]``; no backslash escapes). SQLite
calls Python for the match through a registered function; PostgreSQL cannot, so the store turns
each glob into an anchored POSIX regular expression for the ``~`` operator that accepts exactly
the strings ``fnmatchcase`` accepts, corner cases included: an unclosed ``[`` is a literal, a ``]``
first in a set is a member, a reversed range (``z-a``) is dropped from its set, and a set left
empty matches nothing (or, negated, any one character).

Every character other than an ASCII letter or digit is written as a ``\\uXXXX``/``\\UXXXXXXXX``
escape, inside sets and out, so no character of a resource id can take a regex meaning. Without
its ``^``/``$`` anchors the output is also a Python regular expression that ``re.fullmatch`` with
``re.DOTALL`` reads the same way (PostgreSQL's ``.`` matches a newline too), which the tests use.
"""

from __future__ import annotations

NEVER = "(?!)"
"""A regular expression that matches no string (PostgreSQL and Python both accept it)."""


def _literal(char: str) -> str:
    """One character as itself in a regex, inside a set or out."""
    if char.isascii() and char.isalnum():
        return char
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _set_items(body: str) -> list[tuple[str, str]]:
    """The (low, high) members of a set's text (no brackets, no ``!``), as fnmatch reads them.

    A ``-`` between two characters makes a range, read left to right, so the end of one range
    cannot start the next (``a-c-e`` is a..c, ``-`` and ``e``); a ``-`` first or last is a member.
    Reversed ranges are dropped: Python's fnmatch removes them rather than fail.
    """
    items: list[tuple[str, str]] = []
    pos = 0
    while pos < len(body):
        if pos + 2 < len(body) and body[pos + 1] == "-":
            low, high = body[pos], body[pos + 2]
            if low <= high:
                items.append((low, high))
            pos += 3
        else:
            items.append((body[pos], body[pos]))
            pos += 1
    return items


def _set_regex(body: str, negated: bool) -> str:
    items = _set_items(body)
    if not items:
        return "." if negated else NEVER
    members = "".join(
        _literal(low) if low == high else f"{_literal(low)}-{_literal(high)}" for low, high in items
    )
    return f"[{'^' if negated else ''}{members}]"


def _closing_bracket(pattern: str, start: int) -> int:
    """Index of the ``]`` closing the set opened just before ``start``, or -1 if none does."""
    pos = start
    if pos < len(pattern) and pattern[pos] == "!":
        pos += 1
    if pos < len(pattern) and pattern[pos] == "]":
        pos += 1
    return pattern.find("]", pos)


def glob_to_regex(pattern: str) -> str:
    """An anchored regex (for PostgreSQL's ``~``) matching what ``fnmatchcase(s, pattern)`` does."""
    parts: list[str] = []
    pos = 0
    while pos < len(pattern):
        char = pattern[pos]
        pos += 1
        if char == "*":
            if not parts or parts[-1] != ".*":
                parts.append(".*")
        elif char == "?":
            parts.append(".")
        elif char == "[":
            end = _closing_bracket(pattern, pos)
            if end < 0:
                parts.append(_literal("["))
                continue
            body = pattern[pos:end]
            negated = body.startswith("!")
            set_regex = _set_regex(body[1:] if negated else body, negated)
            if set_regex == NEVER:
                return f"^{NEVER}$"
            parts.append(set_regex)
            pos = end + 1
        else:
            parts.append(_literal(char))
    return "^" + "".join(parts) + "$"

"""``sentinel evidence [list] OPTIONS`` without Typer: the call every CI job makes.

Importing Typer (and the click it vendors) takes about 40 ms, as long as the rest of the call
together, and converting the options through Typer imports pydantic (about 100 ms more); the
issue's budget for the list is 3x a bare ``python -c "import sqlite3"`` doing the same query. So the entry point first offers the arguments here. Only a well-formed call made of the
options in ``LIST_OPTIONS`` is run on this path; anything else — ``--help``, an unknown or
abbreviated option, a missing value, a value that starts with ``-``, a positional argument, another
command — returns ``None`` and the Typer app runs as usual (and prints its usual usage error).

The option table must describe the Typer command exactly: ``tests/cli/test_fastpath.py`` compares it
with the click parameters of ``sentinel evidence list`` and runs both paths on the same arguments.
"""

from __future__ import annotations

# option spelling -> (parameter of cli.evidence_list.list_evidence, kind); kind is "one" (a value,
# the last one wins), "many" (repeatable) or "flag" (no value).
LIST_OPTIONS: dict[str, tuple[str, str]] = {
    "--status": ("status", "many"),
    "-s": ("status", "many"),
    "--category": ("category", "many"),
    "-c": ("category", "many"),
    "--integration": ("integration", "one"),
    "-i": ("integration", "one"),
    "--account": ("account", "one"),
    "--framework": ("framework", "one"),
    "-f": ("framework", "one"),
    "--control": ("control", "one"),
    "--severity": ("severity", "many"),
    "--limit": ("limit", "one"),
    "-n": ("limit", "one"),
    "--offset": ("offset", "one"),
    "--as-of": ("as_of", "one"),
    "--fail-on": ("fail_on", "one"),
    "--format": ("output", "one"),
    "--json": ("as_json", "flag"),
    "--all": ("all_items", "flag"),
    "--wide": ("wide", "flag"),
}


def parse_list_args(argv: list[str]) -> dict[str, object] | None:
    """The keyword arguments of ``list_evidence`` for ``argv``, or ``None`` when Typer must run."""
    if not argv or argv[0] != "evidence":
        return None
    tokens = argv[2:] if len(argv) > 1 and argv[1] == "list" else argv[1:]
    options: dict[str, object] = {}
    position = 0
    while position < len(tokens):
        token = tokens[position]
        position += 1
        spelling, has_inline, inline = token, "", ""
        if token.startswith("--"):
            spelling, has_inline, inline = token.partition("=")
        if spelling not in LIST_OPTIONS:
            return None
        name, kind = LIST_OPTIONS[spelling]
        if kind == "flag":
            if has_inline:
                return None
            options[name] = True
            continue
        if has_inline:
            value = inline
        elif position < len(tokens) and not tokens[position].startswith("-"):
            value = tokens[position]
            position += 1
        else:
            return None
        if kind == "many":
            values = options.setdefault(name, [])
            assert isinstance(values, list)
            values.append(value)
        else:
            options[name] = value
    return options


def split_global_db(argv: list[str]) -> tuple[str | None, list[str]]:
    """The root command's ``--db VALUE`` / ``--db=VALUE`` when it comes first, and the rest."""
    if argv and argv[0].startswith("--db="):
        return argv[0][len("--db=") :], argv[1:]
    if len(argv) > 1 and argv[0] == "--db" and not argv[1].startswith("-"):
        return argv[1], argv[2:]
    return None, argv


def run_fast(argv: list[str]) -> int | None:
    """Run ``argv`` here and return its exit code, or ``None`` when it is not a fast-path call.
    A leading global ``--db`` is honoured here as the Typer app does (``context.use_database``)."""
    database, rest = split_global_db(argv)
    options = parse_list_args(rest)
    if options is None:
        return None
    import sys

    from sentinel_cli.cli.evidence_list import list_evidence
    from sentinel_cli.cli.failure import report_failure

    try:
        if database is not None:
            from sentinel_cli.cli.context import use_database

            use_database(database)
        # parse_list_args yields only list_evidence's option names, each with its option's type.
        code = list_evidence(**options)  # type: ignore[arg-type]
        sys.stdout.flush()
        return code
    except (Exception, KeyboardInterrupt) as exc:
        return report_failure(exc)

"""Output for people and machines, and errors as one red line with a hint.

``--json`` prints exactly what the REST API puts under ``data``; tables are Rich tables on stdout.
Errors go to stderr as ``error: <message>`` plus a dim ``hint:`` line, with the exit code of the
domain error (documented in the README). ``SENTINEL_DEBUG=1`` adds the traceback.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sentinel_cli.cli.tables import Col, Styled

_stdout_console: Any = None
_stderr_console: Any = None


def out() -> Any:
    global _stdout_console
    if _stdout_console is None:
        from rich.console import Console

        _stdout_console = Console(highlight=False, soft_wrap=False)
    return _stdout_console


def err() -> Any:
    global _stderr_console
    if _stderr_console is None:
        from rich.console import Console

        _stderr_console = Console(stderr=True, highlight=False)
    return _stderr_console


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _json(value: Any, indent: str) -> str:
    """``value`` as ``print_json`` writes it at this depth (JSON strings hold no raw newline)."""
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return text.replace("\n", "\n" + indent)


def print_json_streamed(data: Mapping[str, Any], key: str, items: Iterable[Any]) -> None:
    """``print_json`` of ``data`` with ``data[key]`` written from ``items`` one at a time: the same
    bytes, without holding the list (``sentinel evidence --all --json`` over any number of items).
    """
    write = sys.stdout.write
    write("{")
    for position, (name, value) in enumerate(data.items()):
        write(("," if position else "") + "\n  " + json.dumps(name, ensure_ascii=False) + ": ")
        if name != key:
            write(_json(value, "  "))
            continue
        separator = "[\n    "
        for item in items:
            write(separator + _json(item, "    "))
            separator = ",\n    "
        write("[]" if separator.startswith("[") else "\n  ]")
    write("\n}\n" if data else "}\n")


def line(markup: str) -> None:
    """Print one line that must never be wrapped: a path, an id or a command people copy.

    Rich wraps at the terminal width (80 columns when stdout is not a terminal); a wrapped path
    cannot be copied or parsed. This line goes out whole, and a terminal narrower than it wraps
    it on screen only. ``markup`` is Rich markup: escape what is not (``rich.markup.escape``).
    """
    out().print(markup, soft_wrap=True)


_MARKUP = re.compile(r"(?<!\\)\[/?[a-z][a-z0-9 #_.,-]*\]")


def plain_text(value: Any) -> str:
    """A cell as plain text: Rich markup of ``Styled`` cells removed, escapes undone."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, Styled):
        text = _MARKUP.sub("", text).replace("\\[", "[")
    return text


def _plain_table(
    title: str | None, columns: Sequence[str], rows: list[list[str]], caption: str | None
) -> None:
    """Aligned columns without box drawing, for pipes and files (greppable, no wrapping).

    Like ``gh`` and ``kubectl``, Sentinel prints plain columns when stdout is not a terminal; this
    also keeps Rich (about 50 ms of imports) off the path of CI jobs that run ``sentinel evidence``.
    """
    widths = [len(c) for c in columns]
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    lines = [f"{title}"] if title else []
    for row in [list(columns), *rows]:
        cells = [v.ljust(widths[i]) for i, v in enumerate(row[:-1])] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    if caption:
        lines.append(caption)
    sys.stdout.write("\n".join(lines) + "\n")


def rich_tables() -> bool:
    """Tables for a terminal (``tables.render``), rather than plain columns for a pipe."""
    return sys.stdout.isatty() or bool(os.environ.get("SENTINEL_RICH_TABLES"))


def table(
    title: str | None,
    columns: Sequence[str | Col],
    rows: Iterable[Sequence[Any]],
    *,
    empty: str = "Nothing to show.",
    caption: str | None = None,
    wide: bool = False,
) -> None:
    """A table: plain aligned columns on a pipe, columns fitted to the terminal's width otherwise
    (``cli.tables``: identifiers whole, text cut with an ellipsis, low-value columns dropped;
    ``wide`` keeps every column in full). A caption's lines are printed one by one."""
    specs = [c if isinstance(c, Col) else Col(c) for c in columns]
    if not rich_tables():
        plain_rows = [[plain_text(v) for v in row] for row in rows]
        if not plain_rows:
            sys.stdout.write(empty + "\n")
            return
        _plain_table(title, [c.header for c in specs], plain_rows, caption)
        return
    from sentinel_cli.cli import tables

    materialised = [list(row) for row in rows]
    if not materialised:
        out().print(f"[dim]{empty}[/dim]")
        return
    tables.render(out(), title, specs, materialised, caption=caption, wide=wide)


def emit(data: Any, as_json: bool, render: Callable[[], None]) -> None:
    """Print ``data`` as JSON or call ``render`` for people."""
    if as_json:
        print_json(data)
    else:
        render()


@contextmanager
def step_bar(
    title: str, first_label: str, *, enabled: bool
) -> Iterator[Callable[[int, int, str], None] | None]:
    """A Rich bar on stderr for long work reported as (done, total, label) steps, on a terminal
    only (a pipe or a CI log gets no bar); ``None`` when there is none to draw."""
    if not (enabled and sys.stderr.isatty()):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn(f"[bold]{title}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[dim]{task.fields[label]}"),
        TimeElapsedColumn(),
        console=err(),
        transient=True,
    )
    task = bar.add_task(title, total=None, label=first_label)

    def update(done: int, total: int, label: str) -> None:
        bar.update(task, completed=done, total=total, label=label)

    with bar:
        yield update


def error_line(message: str, hint: str | None = None) -> None:
    """The error, and its hint, each on one line however long (``soft_wrap``): Rich would cut
    them at 80 columns on a pipe, and a log line or a URL cut in two cannot be grepped or copied.
    A terminal still wraps them on screen."""
    from rich.markup import escape

    err().print(f"[bold red]error:[/bold red] [red]{escape(message)}[/red]", soft_wrap=True)
    if hint:
        err().print(f"[dim]hint: {escape(hint)}[/dim]", soft_wrap=True)


def notice(message: str) -> None:
    from rich.markup import escape

    err().print(f"[yellow]{escape(message)}[/yellow]")


def debug_enabled() -> bool:
    return os.environ.get("SENTINEL_DEBUG", "") not in ("", "0", "false")


STATUS_STYLE = {
    "PASS": "green",
    "FAIL": "red",
    "WARNING": "yellow",
    "ERROR": "magenta",
    "COMPLETED": "green",
    "PARTIAL": "yellow",
    "FAILED": "red",
    "RUNNING": "cyan",
    "CONNECTED": "green",
    # controls (evidence compliance)
    "PASSING": "green",
    "FAILING": "red",
    "NOT_COVERED": "dim",
    # risk exceptions
    "ACTIVE": "green",
    "EXPIRED": "yellow",
    "REMOVED": "dim",
    # policies
    "DRAFT": "yellow",
    "APPROVED": "green",
    "ARCHIVED": "dim",
}


def styled(status: str | None, style: str | None = None) -> Styled:
    if not status:
        return Styled("")
    style = style or STATUS_STYLE.get(status)
    text = status.replace("[", "\\[")  # Rich's escape, without importing Rich
    return Styled(f"[{style}]{text}[/{style}]" if style else text)

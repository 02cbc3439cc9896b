"""Tables on a terminal: columns chosen by width, identifiers never split.

Pipes and files never come here (``console.table`` prints plain aligned columns there). On a
terminal a table that does not fit keeps its most useful columns, as ``gh`` and ``kubectl`` do.
``fit`` applies these rules in order until a row fits the width:

1. every column at its natural width (its widest cell);
2. free text gives way: a ``text`` column is cut with an ellipsis, a ``wrap`` column wraps at
   words, each down to ``MIN_TEXT``;
3. columns with a ``drop`` rank go, the lowest rank first (the text columns widen again);
4. the widest identifier column narrows (not below ``MIN_ID``); a value longer than it is written
   whole on a line of its own under its row, and its cell shows an arrow;
5. otherwise every row becomes a record: a head line of the columns that fit, then one labelled
   line per other column (text wrapped, not cut: a record has the room).

An ``id`` cell (check ids, ARNs, evidence ids, paths, statuses, numbers) is never cut or wrapped;
one longer than the terminal is printed whole and left to the terminal, which wraps the line
without changing what is copied. ``wide`` keeps every column at its natural width. A column given
as a plain header is an ``id`` when none of its cells holds a space, else ``wrap``.

The width rules (``fit``) are plain arithmetic; Rich only measures and styles in ``render``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["id", "text", "wrap"]

GAP = 2
"""Spaces between columns."""
MIN_TEXT = 20
"""Narrowest a free-text column gets before columns are dropped."""
MIN_ID = 16
"""Narrowest an identifier column gets (rule 4) before the table becomes records."""
INDENT = 2
"""Indent of a record's labelled lines."""
MOVED = "↓"
"""The cell of an identifier printed whole under its row."""


class Styled(str):
    """Text that already carries Rich markup (table cells escape everything else). Defined here,
    where cells are laid out, and used through ``console``, which imports this module."""


@dataclass(frozen=True)
class Col:
    """A column: its header, how its cells may give way, and how early it is dropped (``drop``:
    0 never; otherwise 1 goes first, then 2, ...)."""

    header: str
    kind: Kind | None = None
    drop: int = 0


@dataclass(frozen=True)
class Layout:
    """Kept columns (indexes, in table order) and their widths; ``moved`` is the identifier column
    whose longer values go under their row; ``stacked`` means records (rule 5)."""

    columns: tuple[int, ...]
    widths: tuple[int, ...]
    moved: int | None = None
    stacked: bool = False


def _spread(
    kept: Sequence[int], kinds: Sequence[Kind], natural: Sequence[int], width: int
) -> tuple[int, ...] | None:
    """Widths of ``kept`` within ``width``: identifiers at their natural width, free text shrunk
    to fit (not below ``MIN_TEXT``); ``None`` when that is not enough."""
    fixed = sum(natural[i] for i in kept if kinds[i] == "id") + GAP * (len(kept) - 1)
    flex = [i for i in kept if kinds[i] != "id"]
    least = {i: min(natural[i], MIN_TEXT) for i in flex}
    room = width - fixed - sum(least.values())
    if room < 0:
        return None
    given = dict(least)
    # Water-filling: the narrowest wants are met first, the rest share what is left evenly.
    wanting = sorted(flex, key=lambda i: natural[i] - least[i])
    for position, i in enumerate(wanting):
        share = room // (len(wanting) - position)
        grant = min(share, natural[i] - least[i])
        given[i] += grant
        room -= grant
    return tuple(natural[i] if kinds[i] == "id" else given[i] for i in kept)


def fit(
    kinds: Sequence[Kind],
    drops: Sequence[int],
    natural: Sequence[int],
    headers: Sequence[int],
    width: int,
    *,
    wide: bool = False,
) -> Layout:
    """The layout of columns with these kinds, drop ranks, natural and header widths (see the
    module docstring for the rules)."""
    everything = tuple(range(len(kinds)))
    if wide:
        return Layout(everything, tuple(natural))
    kept = list(everything)
    while True:
        widths = _spread(kept, kinds, natural, width)
        if widths is not None:
            return Layout(tuple(kept), widths)
        droppable = [i for i in kept if drops[i] > 0]
        if not droppable:
            break
        kept.remove(min(droppable, key=lambda i: (drops[i], -i)))
    ids = [i for i in kept if kinds[i] == "id"]
    if ids:
        widest = max(ids, key=lambda i: (natural[i], -i))
        others = sum(
            natural[i] if kinds[i] == "id" else min(natural[i], MIN_TEXT)
            for i in kept
            if i != widest
        )
        room = width - others - GAP * (len(kept) - 1)
        if room >= max(MIN_ID, headers[widest]):
            narrower = list(natural)
            narrower[widest] = room
            widths = _spread(kept, kinds, narrower, width)
            if widths is not None:
                return Layout(tuple(kept), widths, moved=widest)
    return Layout(everything, tuple(natural), stacked=True)


def kind_of(column: Col, cells: Sequence[str]) -> Kind:
    if column.kind is not None:
        return column.kind
    return "wrap" if any(len(cell.split()) > 1 for cell in cells) else "id"


def render(
    con: Any,
    title: str | None,
    columns: Sequence[Col],
    rows: Sequence[Sequence[Any]],
    *,
    caption: str | None = None,
    wide: bool = False,
) -> None:
    """Print ``rows`` (cells: plain values, or ``Styled`` markup) on the Rich console
    ``con``, laid out for its width."""
    from rich.cells import cell_len
    from rich.text import Text

    def text(value: Any) -> Text:
        if value is None:
            return Text("")
        return Text.from_markup(value) if isinstance(value, Styled) else Text(str(value))

    cells = [[text(v) for v in row] for row in rows]
    count = len(columns)
    kinds = [kind_of(c, [row[i].plain for row in cells]) for i, c in enumerate(columns)]
    for row in cells:  # only a wrap column keeps line breaks
        for i, kind in enumerate(kinds):
            if kind != "wrap" and "\n" in row[i].plain:
                row[i] = Text(" ".join(row[i].plain.split()), style=row[i].style)
    headers = [cell_len(c.header) for c in columns]
    natural = [max([headers[i], *(row[i].cell_len for row in cells)]) for i in range(count)]
    width = con.width
    layout = fit(kinds, [c.drop for c in columns], natural, headers, width, wide=wide)
    table = _Table(con, columns, kinds, cells, width)
    if title:
        con.print(Text(title, style="bold"))
    if layout.stacked:
        table.records(natural)
    else:
        table.rows(layout)
    if caption:
        for line in caption.splitlines():
            con.print(Text(line, style="dim"))


def _longest_word(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(word) for word in text.split()), default=0)


def _wrap_words(value: Any, width: int) -> list[Any]:
    """``value`` (a Rich ``Text``) broken at spaces into lines of at most ``width`` cells, except
    that a word is never broken (Rich's own wrapping folds or crops long words)."""
    from rich.cells import cell_len

    lines: list[Any] = []
    for paragraph in value.split("\n", allow_blank=True):
        plain = paragraph.plain
        offsets: list[int] = []
        start = 0
        for word in re.finditer(r"\S+", plain):
            if word.start() > start and cell_len(plain[start : word.end()]) > width:
                offsets.append(word.start())
                start = word.start()
        for line in paragraph.divide(offsets):
            line.rstrip()
            lines.append(line)
    return lines or [value]


class _Table:
    """Writes the lines of one table; every line goes out unwrapped (``soft_wrap``)."""

    def __init__(
        self,
        con: Any,
        columns: Sequence[Col],
        kinds: Sequence[Kind],
        cells: Sequence[Sequence[Any]],
        width: int,
    ) -> None:
        self.con = con
        self.columns = columns
        self.kinds = kinds
        self.cells = cells
        self.width = width

    def emit(self, line: Any) -> None:
        line.rstrip()
        self.con.print(line, soft_wrap=True, crop=False)

    def cell(self, value: Any, kind: Kind, width: int) -> list[Any]:
        """The lines of one cell at ``width``: an identifier whole, text cut, wrap wrapped at
        spaces (a word longer than ``width``, an id inside a sentence, stays whole: the line is
        longer)."""
        if kind == "wrap":
            return _wrap_words(value, width)
        line = value.copy()
        if kind == "text":
            line.truncate(width, overflow="ellipsis")
        return [line]

    def line(self, parts: Sequence[list[Any]], widths: Sequence[int]) -> None:
        """One row of cells (each a list of lines), as many lines as its tallest cell."""
        from rich.text import Text

        for depth in range(max(len(p) for p in parts)):
            out = Text()
            for position, (part, width) in enumerate(zip(parts, widths, strict=True)):
                piece = part[depth].copy() if depth < len(part) else Text("")
                piece.pad_right(max(0, width - piece.cell_len))
                out.append(" " * GAP if position else "")
                out.append_text(piece)
            self.emit(out)

    def header(self, kept: Sequence[int], widths: Sequence[int]) -> None:
        from rich.text import Text

        self.line([[Text(self.columns[i].header, style="bold")] for i in kept], widths)

    def rows(self, layout: Layout) -> None:
        from rich.text import Text

        kept, widths = layout.columns, layout.widths
        self.header(kept, widths)
        second = widths[0] + GAP if len(widths) > 1 else 0
        for row in self.cells:
            moved = None
            parts: list[list[Any]] = []
            for i, width in zip(kept, widths, strict=True):
                if i == layout.moved and row[i].cell_len > width:
                    moved = row[i]
                    parts.append([Text(MOVED, style="dim")])
                else:
                    parts.append(self.cell(row[i], self.kinds[i], width))
            self.line(parts, widths)
            if moved is not None:
                # Under the second column when it fits there, else as far right as it fits.
                indent = max(0, min(second, self.width - moved.cell_len))
                self.emit(Text(" " * indent) + moved)

    def records(self, natural: Sequence[int]) -> None:
        """Rule 5: a head line of the columns that fit (the first always), then one line per
        other column, labelled, its text wrapped rather than cut; empty cells are left out."""
        from rich.text import Text

        head: list[int] = []
        used = 0
        for i in range(len(self.columns)):
            need = natural[i] + (GAP if head else 0)
            if not head or used + need <= self.width:
                head.append(i)
                used += need
        widths = [min(natural[i], self.width) for i in head]
        self.header(head, widths)
        deep = " " * 2 * INDENT
        for row in self.cells:
            first = zip(head, widths, strict=True)
            self.line([self.cell(row[i], self.kinds[i], w) for i, w in first], widths)
            for i in range(len(self.columns)):
                value = row[i]
                if i in head or not value.plain:
                    continue
                label = Text(" " * INDENT + self.columns[i].header + ": ", style="dim")
                room = self.width - label.cell_len
                if self.kinds[i] == "id":
                    if value.cell_len <= room or value.cell_len > self.width - len(deep):
                        self.emit(label + value)  # whole; one wider than the screen wraps there
                    else:
                        self.emit(label)
                        self.emit(Text(deep) + value)
                elif room >= max(MIN_TEXT, _longest_word(value.plain)):
                    # A record has room to wrap text rather than cut it.
                    lines = self.cell(value, "wrap", room)
                    self.emit(label + lines[0])
                    for more in lines[1:]:
                        self.emit(Text(" " * label.cell_len) + more)
                else:
                    self.emit(label)
                    for more in self.cell(value, "wrap", self.width - len(deep)):
                        self.emit(Text(deep) + more)

"""A small Markdown reader for the PDF renderer: text in, a list of plain data blocks out.

Policy templates produce a narrow, predictable dialect (ATX headings, paragraphs, **bold** and
*italic*, inline code, bullet and numbered lists nested by indentation, GitHub pipe tables,
horizontal rules, the odd fenced code block or quote). A page of our own code covers it, keeps
the renderer free of a Markdown dependency and, above all, gives one guarantee a general
Markdown-to-HTML route cannot: nothing in the text is ever interpreted beyond this dialect. Raw
HTML (``<script>``), template syntax (``{{ 7*7 }}``) and anything unrecognised stay literal text.

The module is pure Python (no fpdf import) so it can be tested and reused without the PDF stack;
``pdf.PdfDocument.markdown`` draws what ``parse_markdown`` returns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Align = Literal["L", "C", "R"]


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with one style. ``code`` runs are set in the monospace font."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    spans: list[Span]


@dataclass(frozen=True, slots=True)
class Paragraph:
    spans: list[Span]


@dataclass(frozen=True, slots=True)
class Quote:
    spans: list[Span]


@dataclass(frozen=True, slots=True)
class CodeBlock:
    text: str


@dataclass(frozen=True, slots=True)
class Rule:
    pass


@dataclass(slots=True)
class ListItem:
    spans: list[Span]
    children: list[ListBlock] = field(default_factory=list)


@dataclass(slots=True)
class ListBlock:
    ordered: bool
    start: int = 1
    items: list[ListItem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Table:
    header: list[list[Span]]
    aligns: list[Align]
    rows: list[list[list[Span]]]


Block = Heading | Paragraph | Quote | CodeBlock | Rule | ListBlock | Table

# --- inline ---------------------------------------------------------------------------------

# Characters a backslash may escape (CommonMark's ASCII punctuation, the ones templates use).
_ESCAPABLE = frozenset("\\`*_{}[]()#+-.!|<>~\"'")
_LINK = re.compile(r"\[([^\[\]]*)\]\(([^()\s]*)\)")
_AUTOLINK = re.compile(r"<(https?://[^<>\s]+|mailto:[^<>\s]+)>")


def parse_inline(text: str) -> list[Span]:
    """Split inline Markdown into styled spans; unmatched markers stay as literal characters."""
    spans: list[Span] = []
    _parse_inline(text, False, False, spans)
    return _merge(spans)


def plain_text(spans: list[Span]) -> str:
    return "".join(span.text for span in spans)


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in spans:
        if not span.text:
            continue
        last = merged[-1] if merged else None
        if last and (last.bold, last.italic, last.code) == (span.bold, span.italic, span.code):
            merged[-1] = Span(last.text + span.text, span.bold, span.italic, span.code)
        else:
            merged.append(span)
    return merged


def _parse_inline(text: str, bold: bool, italic: bool, out: list[Span]) -> None:
    buf: list[str] = []

    def flush() -> None:
        if buf:
            out.append(Span("".join(buf), bold, italic))
            buf.clear()

    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in _ESCAPABLE:
            buf.append(text[i + 1])
            i += 2
            continue
        if char == "`":
            ticks = _run_length(text, i, "`")
            end = text.find("`" * ticks, i + ticks)
            while end != -1 and _run_length(text, end, "`") != ticks:
                end = text.find("`" * ticks, end + _run_length(text, end, "`"))
            if end == -1:
                buf.append("`" * ticks)
                i += ticks
                continue
            flush()
            code = text[i + ticks : end]
            if len(code) > 2 and code[0] == code[-1] == " ":
                code = code[1:-1]
            out.append(Span(code, bold, italic, code=True))
            i = end + ticks
            continue
        if char in "*_":
            handled = _try_emphasis(text, i, bold, italic, out, flush)
            if handled:
                i = handled
                continue
            run = _run_length(text, i, char)
            buf.append(char * run)
            i += run
            continue
        if char == "[" or (char == "!" and text.startswith("[", i + 1)):
            start = i + 1 if char == "!" else i
            match = _LINK.match(text, start)
            if match:
                flush()
                label, url = match.group(1), match.group(2)
                _parse_inline(label, bold, italic, out)
                if char != "!" and url.startswith(("http://", "https://")) and url != label:
                    out.append(Span(f" ({url})", bold, italic))
                i = match.end()
                continue
        if char == "<":
            match = _AUTOLINK.match(text, i)
            if match:
                buf.append(match.group(1).removeprefix("mailto:"))
                i = match.end()
                continue
        buf.append(char)
        i += 1
    flush()


def _run_length(text: str, i: int, char: str) -> int:
    j = i
    while j < len(text) and text[j] == char:
        j += 1
    return j - i


def _try_emphasis(
    text: str, i: int, bold: bool, italic: bool, out: list[Span], flush: Callable[[], None]
) -> int:
    """Parse ``**x**``/``__x__`` or ``*x*``/``_x_`` at ``i``; return the index after it, or 0."""
    char = text[i]
    run = _run_length(text, i, char)
    before = text[i - 1] if i > 0 else " "
    if before.isalnum():
        # Stricter than CommonMark (which allows intraword "*"): "snake_case", "7*7" or "a*b*c"
        # in user data stay literal; templates put emphasis markers next to spaces or punctuation.
        return 0
    for width in (2, 1) if run >= 2 else (1,):
        opener_end = i + width
        if opener_end >= len(text) or text[opener_end].isspace():
            continue
        close = _find_closer(text, opener_end, char, width)
        if close == -1 or close == opener_end:
            continue
        flush()
        inner = text[opener_end:close]
        if width == 2:
            _parse_inline(inner, True, italic, out)
        else:
            _parse_inline(inner, bold, True, out)
        return close + width
    return 0


def _find_closer(text: str, start: int, char: str, width: int) -> int:
    j, n = start, len(text)
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "`":
            ticks = _run_length(text, j, "`")
            end = text.find("`" * ticks, j + ticks)
            j = end + ticks if end != -1 else j + ticks
            continue
        if c == char:
            run = _run_length(text, j, char)
            after = text[j + run] if j + run < n else " "
            closes = not text[j - 1].isspace() and not after.isalnum()
            if closes and (run == width or (width == 2 and run == 3)):
                return j + run - width if width == 2 else j
            if closes and width == 1 and run == 3:
                return j + 2  # "*a **b***": the last star closes the italic
            j += run
            continue
        j += 1
    return -1


# --- blocks ---------------------------------------------------------------------------------

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^([ \t]*)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$")
_QUOTE = re.compile(r"^ {0,3}>[ ]?(.*)$")
_TABLE_SEPARATOR = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")


def parse_markdown(text: str) -> list[Block]:
    """Parse Markdown text into blocks (see the module docstring for the dialect)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4).split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        fence = _FENCE.match(line)
        if fence:
            marker = fence.group(1)
            body: list[str] = []
            i += 1
            while i < len(lines) and not lines[i].lstrip().startswith(marker):
                body.append(lines[i])
                i += 1
            blocks.append(CodeBlock("\n".join(body)))
            i += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            level = len(heading.group(1))
            blocks.append(Heading(level, parse_inline(heading.group(2) or "")))
            i += 1
            continue
        if _RULE.match(line):
            blocks.append(Rule())
            i += 1
            continue
        if _is_table_start(lines, i):
            i = _parse_table(lines, i, blocks)
            continue
        if _LIST_ITEM.match(line):
            i = _parse_list(lines, i, blocks)
            continue
        if _QUOTE.match(line):
            quoted: list[str] = []
            while i < len(lines) and lines[i].strip():
                match = _QUOTE.match(lines[i])
                quoted.append(match.group(1) if match else lines[i].strip())
                i += 1
            blocks.append(Quote(parse_inline(_join_lines(quoted))))
            continue
        para: list[str] = []
        while i < len(lines) and lines[i].strip() and not (para and _starts_block(lines, i)):
            para.append(lines[i])
            i += 1
        blocks.append(Paragraph(parse_inline(_join_lines(para))))
    return blocks


def _join_lines(lines: list[str]) -> str:
    """Join soft-wrapped lines with spaces; a trailing backslash or two spaces is a hard break."""
    out: list[str] = []
    for index, raw in enumerate(lines):
        last = index == len(lines) - 1
        if not last and raw.endswith("  "):
            out.append(raw.strip() + "\n")
        elif not last and raw.rstrip().endswith("\\") and not raw.rstrip().endswith("\\\\"):
            out.append(raw.rstrip()[:-1].strip() + "\n")
        else:
            out.append(raw.strip() + ("" if last else " "))
    return "".join(out)


def _starts_block(lines: list[str], i: int) -> bool:
    line = lines[i]
    return bool(
        _HEADING.match(line)
        or _RULE.match(line)
        or _FENCE.match(line)
        or _LIST_ITEM.match(line)
        or _QUOTE.match(line)
        or _is_table_start(lines, i)
    )


def _is_table_start(lines: list[str], i: int) -> bool:
    return (
        "|" in lines[i]
        and i + 1 < len(lines)
        and "-" in lines[i + 1]
        and bool(_TABLE_SEPARATOR.match(lines[i + 1]))
        and ("|" in lines[i + 1] or lines[i].strip().startswith("|"))
    )


def split_table_row(line: str) -> list[str]:
    """Cells of a pipe-table row; ``\\|`` stays in the cell (the inline parser unescapes it)."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if char == "|":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        i += 1
    cells.append("".join(current).strip())
    return cells


def _parse_table(lines: list[str], i: int, blocks: list[Block]) -> int:
    header_cells = split_table_row(lines[i])
    aligns: list[Align] = []
    for cell in split_table_row(lines[i + 1]):
        left, right = cell.startswith(":"), cell.endswith(":")
        aligns.append("C" if left and right else "R" if right else "L")
    width = len(header_cells)
    aligns = (aligns + ["L"] * width)[:width]
    rows: list[list[list[Span]]] = []
    i += 2
    while i < len(lines) and lines[i].strip() and "|" in lines[i]:
        cells = (split_table_row(lines[i]) + [""] * width)[:width]
        rows.append([parse_inline(cell) for cell in cells])
        i += 1
    blocks.append(Table([parse_inline(cell) for cell in header_cells], aligns, rows))
    return i


def _parse_list(lines: list[str], i: int, blocks: list[Block]) -> int:
    # Stack of (marker indent, content indent, list); the first entry is the outermost list.
    stack: list[tuple[int, int, ListBlock]] = []
    current: ListItem | None = None
    texts: dict[int, list[str]] = {}

    while i < len(lines):
        line = lines[i]
        if not line.strip():
            # A blank line ends the list unless the next non-blank line continues it.
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            nxt = lines[j] if j < len(lines) else ""
            indent = len(nxt) - len(nxt.lstrip())
            if j < len(lines) and (_LIST_ITEM.match(nxt) or (stack and indent >= stack[0][1])):
                i = j
                continue
            break
        match = _LIST_ITEM.match(line)
        if match and not _RULE.match(line):
            indent = len(match.group(1))
            marker = match.group(2)
            ordered = marker[0].isdigit()
            content_indent = indent + len(marker) + 1
            while len(stack) > 1 and indent < stack[-1][0]:
                stack.pop()
            if not stack:
                block = ListBlock(ordered, int(marker[:-1]) if ordered else 1)
                blocks.append(block)
                stack.append((indent, content_indent, block))
            elif indent >= stack[-1][1] and current is not None:
                block = ListBlock(ordered, int(marker[:-1]) if ordered else 1)
                current.children.append(block)
                stack.append((indent, content_indent, block))
            elif stack[-1][2].ordered != ordered:
                # Same level, other kind of list: a new list beside the previous one.
                block = ListBlock(ordered, int(marker[:-1]) if ordered else 1)
                if len(stack) == 1:
                    blocks.append(block)
                else:
                    stack[-2][2].items[-1].children.append(block)
                stack[-1] = (indent, content_indent, block)
            current = ListItem([])
            stack[-1][2].items.append(current)
            texts[id(current)] = [match.group(3) or ""]
            i += 1
            continue
        if current is None or (_starts_block(lines, i) and not line.startswith(" ")):
            break
        texts[id(current)].append(line.strip())  # continuation of the current item
        i += 1

    for made in blocks:
        if isinstance(made, ListBlock):
            _fill_spans(made, texts)
    return i


def _fill_spans(block: ListBlock, texts: dict[int, list[str]]) -> None:
    for item in block.items:
        if not item.spans and id(item) in texts:
            item.spans = parse_inline(_join_lines(texts.pop(id(item))))
        for child in item.children:
            _fill_spans(child, texts)

"""Markdown for the PDF renderer: text in, a list of plain data blocks out.

Policy templates produce a narrow, predictable dialect: ATX headings, paragraphs, **bold** and
*italic*, inline code, bullet and numbered lists, GitHub pipe tables; the renderer also draws
links (as "label (url)"), horizontal rules, quotes and fenced code. markdown-it-py (CommonMark,
already installed with Rich) parses it, starting from its "zero" preset with only those rules
enabled. That keeps the one guarantee the PDF needs: nothing in the text is interpreted beyond
this dialect. Raw HTML (``<script>``), images, autolinks, entities (``&amp;``), setext headings,
indented code, reference links, template syntax (``{{ 7*7 }}``) and anything else stay literal.

Two choices are stricter than CommonMark, both so user data reads as typed. ``*`` follows the
rule CommonMark gives ``_``: no emphasis inside a word, so "7*7" or "a*b*c" stay literal. And a
list item holds text and nested lists only: any other block inside an item (``1. # x``) is read
back as its text with its marker.

``parse_markdown`` returns plain dataclasses (no fpdf here, and no markdown-it types escape this
module); ``pdf.PdfDocument.markdown`` draws them. markdown-it is imported on first use.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import StateInline
    from markdown_it.tree import SyntaxTreeNode

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

# The dialect: markdown-it rule names. Everything not listed is off (the "zero" preset).
BLOCK_RULES = ("heading", "paragraph", "list", "table", "hr", "blockquote", "fence")
INLINE_RULES = ("text", "newline", "escape", "backticks", "emphasis", "link")
_ALIGNS: dict[str, Align] = {"left": "L", "center": "C", "right": "R"}


@functools.cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import emphasis, link

    def no_intraword_emphasis(state: StateInline, silent: bool) -> bool:
        """markdown-it's emphasis rule, with ``*`` held to the word-boundary rule of ``_``."""
        start, known = state.pos, len(state.delimiters)
        if not emphasis.tokenize(state, silent):
            return False
        strict = state.scanDelims(start, False)
        for delimiter in state.delimiters[known:]:
            delimiter.open, delimiter.close = strict.can_open, strict.can_close
        return True

    def link_unless_image(state: StateInline, silent: bool) -> bool:
        """markdown-it's link rule, except right after an unescaped "!": images are not in the
        dialect, and ``![alt](src)`` stays literal rather than becoming "!" and a link."""
        bang = state.pos - 1
        if bang >= 0 and state.src[bang] == "!":
            first = bang  # the "!" is escaped after an odd run of backslashes
            while first > 0 and state.src[first - 1] == "\\":
                first -= 1
            if (bang - first) % 2 == 0:
                return False
        return link(state, silent)

    md = MarkdownIt("zero").enable([*BLOCK_RULES, *INLINE_RULES])
    md.inline.ruler.at("emphasis", no_intraword_emphasis)
    md.inline.ruler.at("link", link_unless_image)
    return md


def parse_markdown(text: str) -> list[Block]:
    """Parse Markdown text into blocks (see the module docstring for the dialect)."""
    from markdown_it.tree import SyntaxTreeNode

    root = SyntaxTreeNode(_parser().parse(text))
    return [block for node in root.children for block in _blocks(node)]


def parse_inline(text: str) -> list[Span]:
    """Styled spans of one line of inline Markdown; unmatched markers stay literal characters."""
    from markdown_it.tree import SyntaxTreeNode

    return _inline(SyntaxTreeNode(_parser().parseInline(text)))


def plain_text(spans: Sequence[Span]) -> str:
    return "".join(span.text for span in spans)


# --- blocks ---------------------------------------------------------------------------------


def _blocks(node: SyntaxTreeNode) -> Iterator[Block]:
    if node.type == "heading":
        yield Heading(int(node.tag[1:]), _inline(node))
    elif node.type in ("bullet_list", "ordered_list"):
        yield _list(node)
    elif node.type == "table":
        yield _table(node)
    elif node.type == "hr":
        yield Rule()
    elif node.type == "blockquote":
        yield Quote(_joined([_flatten(child) for child in node.children], "\n"))
    elif node.type == "fence":
        yield CodeBlock(node.content.removesuffix("\n"))
    else:  # paragraph (no other block rule is enabled)
        yield Paragraph(_inline(node))


def _list(node: SyntaxTreeNode) -> ListBlock:
    ordered = node.type == "ordered_list"
    block = ListBlock(ordered, int(node.attrs.get("start", 1)) if ordered else 1)
    for item_node in node.children:
        item = ListItem([])
        texts: list[list[Span]] = []
        for child in item_node.children:
            if child.type in ("bullet_list", "ordered_list"):
                item.children.append(_list(child))
            else:
                texts.append(_flatten(child))
        item.spans = _joined(texts, " ")  # soft-wrapped paragraphs of one item read as one
        block.items.append(item)
    return block


def _table(node: SyntaxTreeNode) -> Table:
    rows = [row for section in node.children for row in section.children]  # thead, tbody
    header, body = rows[0], rows[1:]
    aligns: list[Align] = []
    for cell in header.children:
        style = str(cell.attrs.get("style", ""))
        aligns.append(_ALIGNS.get(style.removeprefix("text-align:"), "L"))
    return Table(
        [_inline(cell) for cell in header.children],
        aligns,
        [[_inline(cell) for cell in row.children] for row in body],
    )


def _flatten(node: SyntaxTreeNode) -> list[Span]:
    """A block as literal text, where the dialect does not allow it (inside a list item or
    quote): a paragraph is its spans; other blocks keep their marker, so ``1. # x`` reads
    "# x"."""
    if node.type == "paragraph":
        return _inline(node)
    if node.type == "heading":
        return [Span(node.markup + " "), *_inline(node)]
    if node.type == "fence":
        opener = [Span(node.markup + node.info)] if node.markup or node.info else []
        body = node.content.removesuffix("\n")
        return opener + ([Span(("\n" if opener else "") + body, code=True)] if body else [])
    if node.type == "hr":
        return [Span(node.markup)]
    parts = [_flatten(child) for child in node.children]
    if node.type == "blockquote":
        return [Span("> "), *_joined(parts, "\n")]
    if node.type == "list_item":
        return [Span(f"{node.info}{node.markup} "), *_joined(parts, " ")]
    if node.type in ("th", "td"):
        return _inline(node)
    return _joined(parts, "\n" if node.type in ("bullet_list", "ordered_list", "tbody") else " ")


def _joined(parts: Sequence[list[Span]], separator: str) -> list[Span]:
    out: list[Span] = []
    for part in parts:
        if part and out:
            out.append(Span(separator))
        out.extend(part)
    return _merge(out)


# --- inline ---------------------------------------------------------------------------------


def _inline(node: SyntaxTreeNode) -> list[Span]:
    """The spans of a paragraph, heading, table cell or ``parseInline`` root (whose one child
    is the inline run)."""
    return _merge([span for child in node.children for span in _spans(child.children)])


def _spans(nodes: Sequence[SyntaxTreeNode], bold: bool = False, italic: bool = False) -> list[Span]:
    out: list[Span] = []
    for node in nodes:
        if node.type == "strong":
            out += _spans(node.children, True, italic)
        elif node.type == "em":
            out += _spans(node.children, bold, True)
        elif node.type == "code_inline":
            out.append(Span(node.content, bold, italic, code=True))
        elif node.type == "softbreak":
            out.append(Span(" ", bold, italic))
        elif node.type == "hardbreak":
            out.append(Span("\n", bold, italic))
        elif node.type == "link":
            label = _spans(node.children, bold, italic)
            out += label
            url = _parser().normalizeLinkText(str(node.attrs.get("href", "")))
            if url.startswith(("http://", "https://")) and url != plain_text(label):
                out.append(Span(f" ({url})", bold, italic))
        else:  # text
            out.append(Span(node.content, bold, italic))
    return out


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

"""Flowing text blocks of the PDF layer: headings (which become bookmarks and contents entries),
paragraphs, bullet and numbered lists, label/value rows, call-out boxes and rules.

Every string is printed literally: a block takes plain text or styled ``Span``s and never
interprets markup (``pdf_markdown_blocks`` is the one place Markdown is read). A block longer than
the page continues on the next one, a heading keeps with what follows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from sentinel_cli.rendering.pdf_layout import RGB, Align, Colour
from sentinel_cli.rendering.pdf_markdown import Span, plain_text
from sentinel_cli.rendering.pdf_page import PageFlow

__all__ = ["NoteStyle", "TextBlocks"]

NoteStyle = Literal["info", "warning", "error"]


class TextBlocks(PageFlow):
    """Headings, paragraphs, lists, label/value rows, notes, boxes and rules."""

    # The outline level of the last bookmarked heading (-1: none yet); levels deepen one at a time.
    _outline_level = -1

    def heading(self, text: str, level: int = 1) -> None:
        """A section heading (levels 1-3); it becomes a bookmark and a contents entry."""
        self._heading([Span(text, bold=True)], level)

    def _heading(self, spans: Sequence[Span], level: int) -> None:
        pdf, lay = self._pdf, self.layout
        level = min(max(level, 1), 3)
        size = self._size(f"h{level}")
        spans = [Span(s.text, bold=True, italic=s.italic, code=s.code) for s in spans]
        lines = self._layout(spans, self.width, size)
        lh = self.canvas.line_height(size, 1.25)
        before, after = self._space("heading_before", level), self._space("heading_after", level)
        self._room(before + len(lines) * lh + after + self._space("heading_keep_with_next"))
        if pdf.y > self._top + 0.01:
            pdf.y += before
        name = " ".join(plain_text(spans).split())
        if name:
            # Outline levels may only deepen one step at a time.
            outline_level = min(level - 1, self._outline_level + 1)
            self._outline_level = outline_level
            pdf.start_section(name, outline_level, strict=False)
        colour = lay.colours["accent"] if level == 1 else lay.colours["text"]
        for line in lines:
            self.canvas.draw_line(line, lay.margins.left, pdf.y, lh, size, colour)
            pdf.y += lh
        if level == 1:
            pdf.set_draw_color(*lay.colours["accent"])
            pdf.set_line_width(0.35)
            pdf.line(lay.margins.left, pdf.y + 0.6, lay.margins.left + self.width, pdf.y + 0.6)
            pdf.y += 1.2
        pdf.y += after

    def paragraph(
        self,
        text: str | Sequence[Span],
        *,
        bold: bool = False,
        italic: bool = False,
        size: float | None = None,
        colour: Colour | None = None,
        align: Align = "L",
    ) -> None:
        """A paragraph of literal text (or styled ``Span``s); ``\\n`` forces a line break."""
        self._start()
        if not plain_text(self._spans(text)).strip():
            return
        size = size or self._size("body")
        lines = self._layout(self._spans(text, bold=bold, italic=italic), self.width, size)
        colour_rgb = self.layout.colour(colour) if colour else self.layout.colours["text"]
        self._text_lines(
            lines,
            self.layout.margins.left,
            size,
            colour_rgb,
            self.canvas.line_height(size),
            width=self.width,
            align=align,
        )
        self._pdf.y += self._space("paragraph_after")

    def bullets(self, items: Iterable[str | Sequence[Span]]) -> None:
        """A bullet list, one item per element."""
        self._start()
        for item in items:
            self._list_item(self._spans(item), "•", 0)
        self._pdf.y += self._space("paragraph_after")

    def numbered(self, items: Iterable[str | Sequence[Span]], *, start: int = 1) -> None:
        """A numbered list starting at ``start``."""
        self._start()
        for number, item in enumerate(items, start):
            self._list_item(self._spans(item), f"{number}.", 0)
        self._pdf.y += self._space("paragraph_after")

    def _list_item(self, spans: Sequence[Span], marker: str, level: int) -> None:
        size, colours = self._size("body"), self.layout.colours
        step = self._space("list_indent")
        indent = self.layout.margins.left + level * step
        marker_w = max(step, self.canvas.measure(marker, size=size) + 2)
        lh = self.canvas.line_height(size)
        lines = self._layout(
            spans, self.width - (indent - self.layout.margins.left) - marker_w, size
        )
        bullet = marker in ("•", "–", "◦")

        def draw_marker(top: float) -> None:
            colour = colours["accent"] if bullet else colours["text"]
            if bullet:
                self.canvas.text(indent + 1, top, marker, size=size, colour=colour, line_height=lh)
            else:
                self.canvas.text(
                    indent + marker_w - 1.6,
                    top,
                    marker,
                    size=size,
                    colour=colour,
                    align="R",
                    line_height=lh,
                )

        self._text_lines(
            lines, indent + marker_w, size, colours["text"], lh, first_line_extra=draw_marker
        )
        self._pdf.y += self._space("list_item_after")

    def key_values(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Label/value rows (e.g. an owner block): labels bold in a narrow column, values wrap."""
        self._start()
        self._key_value_rows(list(pairs), size=self._size("body"), key_share=0.3, rule=False)
        self._pdf.y += self._space("paragraph_after")

    def _key_value_rows(
        self, pairs: Sequence[tuple[str, str]], *, size: float, key_share: float, rule: bool
    ) -> None:
        pdf, colours = self._pdf, self.layout.colours
        left = self.layout.margins.left
        key_w = self.width * key_share
        lh = self.canvas.line_height(size, 1.35)
        pad = 1.4 if rule else 0.6
        for key, value in pairs:
            key_lines = self._layout([Span(str(key), bold=True)], key_w - 3, size)
            value_lines = self._layout(
                [Span("" if value is None else str(value))], self.width - key_w, size
            )
            height = max(len(key_lines), len(value_lines)) * lh + 2 * pad
            if height <= self._bottom - self._top:
                self._room(height)
            else:
                self._start()
            top = pdf.y + pad
            for i, line in enumerate(key_lines):
                self.canvas.draw_line(line, left, top + i * lh, lh, size, colours["muted"])
            for i, line in enumerate(value_lines):
                if top + (i + 1) * lh > self._bottom:  # a value longer than a page continues
                    self._new_page()
                    top = pdf.y - i * lh
                self.canvas.draw_line(line, left + key_w, top + i * lh, lh, size, colours["text"])
            pdf.y = top + max(len(key_lines), len(value_lines)) * lh + pad
            if rule:
                pdf.set_draw_color(*colours["rule"])
                pdf.set_line_width(0.15)
                pdf.line(left, pdf.y, left + self.width, pdf.y)

    def note(
        self, text: str | Sequence[Span], style: NoteStyle = "info", *, title: str | None = None
    ) -> None:
        """A call-out box (info, warning or error) with a coloured bar and a bold lead-in."""
        colours = self.layout.notes.get(style)
        if colours is None:
            raise ValueError(
                f"unknown note style {style!r}; use one of {', '.join(self.layout.notes)}"
            )
        lead = colours.title if title is None else title
        spans = ([Span(f"{lead}: ", bold=True)] if lead else []) + self._spans(text)
        self._box(spans, bar=colours.bar, fill=colours.fill)

    def _box(
        self,
        spans: Sequence[Span],
        *,
        bar: RGB | None,
        fill: RGB | None,
        size: float | None = None,
        keep_spaces: bool = False,
        colour: RGB | None = None,
        code_colour: bool = True,
    ) -> None:
        """Text in a tinted box with a bar on its left; a box longer than the page continues."""
        self._start()
        pdf = self._pdf
        size = size or self._size("body")
        pad = self._space("note_padding")
        bar_w = 1.2 if bar else 0.0
        left = self.layout.margins.left
        text_x = left + bar_w + pad
        lines = self._layout(
            spans,
            self.width - bar_w - 2 * pad,
            size,
            keep_spaces=keep_spaces,
            code_colour=code_colour,
        )
        lh = self.canvas.line_height(size)
        total = len(lines) * lh + 2 * pad
        self._room(min(total, 3 * lh + 2 * pad))
        start = 0
        while start < len(lines):
            fit = int((self._bottom - pdf.y - 2 * pad) / lh)
            if fit < 1:
                self._new_page()
                continue
            chunk = lines[start : start + fit]
            height = len(chunk) * lh + 2 * pad
            if fill:
                pdf.set_fill_color(*fill)
                pdf.rect(left, pdf.y, self.width, height, style="F")
            if bar:
                pdf.set_fill_color(*bar)
                pdf.rect(left, pdf.y, bar_w, height, style="F")
            for i, line in enumerate(chunk):
                self.canvas.draw_line(
                    line,
                    text_x,
                    pdf.y + pad + i * lh,
                    lh,
                    size,
                    colour or self.layout.colours["text"],
                )
            pdf.y += height
            start += len(chunk)
            if start < len(lines):
                self._new_page()
        pdf.y += self._space("paragraph_after") + 1

    def rule(self) -> None:
        """A thin horizontal rule across the text width."""
        self._room(6)
        pdf = self._pdf
        pdf.y += 2.5
        pdf.set_draw_color(*self.layout.colours["rule"])
        pdf.set_line_width(0.3)
        pdf.line(self.layout.margins.left, pdf.y, self.layout.margins.left + self.width, pdf.y)
        pdf.y += 3.5

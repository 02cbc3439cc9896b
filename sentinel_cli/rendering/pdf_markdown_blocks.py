"""Markdown in a PDF: the blocks ``pdf_markdown`` parses, drawn with the document's own text
blocks and tables.

``pdf_markdown`` decides what is Markdown (a small dialect; everything else stays literal); this
module only maps each block to a drawing call: headings to bookmarked headings, lists to hanging
indents with a marker per depth, quotes and fenced code to boxes, pipe tables to tables sized to
their content.
"""

from __future__ import annotations

from sentinel_cli.rendering.pdf_layout import Column
from sentinel_cli.rendering.pdf_markdown import (
    CodeBlock,
    Heading,
    ListBlock,
    Paragraph,
    Quote,
    Rule,
    Span,
    Table,
    parse_markdown,
    plain_text,
)
from sentinel_cli.rendering.pdf_tables import TableWriter, auto_widths
from sentinel_cli.rendering.pdf_text import TextBlocks

__all__ = ["MarkdownBlocks"]


class MarkdownBlocks(TextBlocks):
    """``markdown``: the one method of the document that interprets its text."""

    def markdown(self, md_text: str) -> None:
        """Render Markdown (headings, paragraphs, emphasis, code, lists, pipe tables, rules)."""
        self._start()
        for block in parse_markdown(md_text):
            if isinstance(block, Heading):
                self._heading(block.spans, block.level)
            elif isinstance(block, Paragraph):
                self.paragraph(block.spans)
            elif isinstance(block, ListBlock):
                self._markdown_list(block, 0)
                self._pdf.y += self._space("paragraph_after")
            elif isinstance(block, Table):
                self._markdown_table(block)
            elif isinstance(block, Rule):
                self.rule()
            elif isinstance(block, Quote):
                self._box(
                    [Span(s.text, s.bold, True, s.code) for s in block.spans],
                    bar=self.layout.colours["rule"],
                    fill=None,
                    colour=self.layout.colours["muted"],
                )
            elif isinstance(block, CodeBlock):
                self._box(
                    [Span(block.text, code=True)],
                    bar=None,
                    fill=self.layout.colours["code_fill"],
                    size=self._size("small") + 0.5,
                    keep_spaces=True,
                    colour=self.layout.colours["text"],
                    code_colour=False,
                )

    def _markdown_list(self, block: ListBlock, level: int) -> None:
        for number, item in enumerate(block.items, block.start):
            marker = (
                f"{number}."
                if block.ordered
                else ("•" if level == 0 else "–" if level == 1 else "◦")
            )
            self._list_item(item.spans, marker, min(level, 3))
            for child in item.children:
                self._markdown_list(child, level + 1)

    def _markdown_table(self, block: Table) -> None:
        size = self._size("table")
        pad = 2 * self._space("cell_padding_x")
        natural, minimum = [], []
        for index, header in enumerate(block.header):
            cells = [header] + [row[index] for row in block.rows]
            measures = [
                self.canvas.measure_spans(cell, size=size, bold=cell is header) for cell in cells
            ]
            natural.append(max(m[0] for m in measures) + pad)
            minimum.append(max(m[1] for m in measures) + pad)
        widths = auto_widths(natural, minimum, self.width)
        columns = [
            Column(plain_text(header), w / self.width, align)
            for header, w, align in zip(block.header, widths, block.aligns, strict=True)
        ]
        TableWriter(self, columns, True, None, None).write(block.rows, "")

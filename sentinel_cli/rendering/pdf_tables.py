"""Long tables for the PDF layer: rows streamed from any iterable onto as many pages as they need.

A table holds one row at a time, so a 10,000-row evidence table from a store cursor costs no more
memory than a ten-row one. Cells wrap; a row that does not fit moves to the next page under a
repeated header row; a row taller than a page is split between pages. Column widths are fractions
of the text width from ``layout.yaml`` or, for Markdown tables, sized to their content
(``auto_widths``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sentinel_cli.rendering.pdf_fonts import Line
from sentinel_cli.rendering.pdf_layout import Column, StatusColours, status_key
from sentinel_cli.rendering.pdf_markdown import Span
from sentinel_cli.rendering.pdf_page import PageFlow

__all__ = ["Cell", "TableWriter", "Tables", "auto_widths"]

Cell = str | Sequence[Span] | None


class Tables(PageFlow):
    """``table``: the streaming table of the document."""

    def table(
        self,
        columns: Sequence[Column],
        rows: Iterable[Sequence[Cell]],
        *,
        zebra: bool = True,
        status_column: int | str | None = None,
        font_size: float | None = None,
        empty_text: str = "No entries.",
    ) -> int:
        """Draw a table row by row from any iterable (a generator is consumed lazily).

        Cells wrap; a row that does not fit moves to the next page, under a repeated header row;
        a row taller than a page is split between pages. ``status_column`` (index or title) tints
        PASS/FAIL/WARNING/ERROR/NOT_COVERED cells. Returns the number of rows drawn.
        """
        if not columns:
            raise ValueError("a table needs at least one column")
        status_index: int | None
        if isinstance(status_column, str):
            titles = [c.title.casefold() for c in columns]
            if status_column.casefold() not in titles:
                raise ValueError(f"no column titled {status_column!r}")
            status_index = titles.index(status_column.casefold())
        else:
            status_index = status_column
        return TableWriter(self, columns, zebra, status_index, font_size).write(rows, empty_text)


def auto_widths(natural: list[float], minimum: list[float], total: float) -> list[float]:
    """Column widths the way browsers size auto tables: minimums first, the rest by need."""
    minimum = [min(m, total * 0.45) for m in minimum]
    if sum(natural) <= total:
        scale = total / sum(natural)
        return [n * scale for n in natural]
    if sum(minimum) >= total:
        return [m * total / sum(minimum) for m in minimum]
    spare = total - sum(minimum)
    extra = [max(n - m, 0.0) for n, m in zip(natural, minimum, strict=True)]
    return [m + spare * e / (sum(extra) or 1) for m, e in zip(minimum, extra, strict=True)]


class TableWriter:
    """Streams rows onto pages; holds one row at a time.

    Part of the page flow it writes into: it breaks pages and lays out cells with the document's
    own primitives (``_room``, ``_layout``, ``_new_page``), as the other blocks do.
    """

    def __init__(
        self,
        doc: PageFlow,
        columns: Sequence[Column],
        zebra: bool,
        status_index: int | None,
        font_size: float | None,
    ) -> None:
        self.doc = doc
        self.pdf = doc._pdf
        lay = doc.layout
        self.colours = lay.colours
        self.statuses = lay.statuses
        self.size = font_size or lay.sizes["table"]
        self.lh = doc.canvas.line_height(self.size, lay.table_line_height)
        self.pad_x = float(lay.spacing["cell_padding_x"])
        self.pad_y = float(lay.spacing["cell_padding_y"])
        self.zebra = zebra
        self.status_index = status_index
        total = sum(max(c.width_fraction, 0.0) for c in columns) or 1.0
        self.columns = list(columns)
        self.widths = [doc.width * max(c.width_fraction, 0.0) / total for c in columns]
        self.xs = [lay.margins.left + sum(self.widths[:i]) for i in range(len(columns))]
        self.header_lines = [
            doc._layout([Span(c.title, bold=True)], w - 2 * self.pad_x, self.size)
            for c, w in zip(columns, self.widths, strict=True)
        ]
        self.header_h = max(len(lines) for lines in self.header_lines) * self.lh + 2 * self.pad_y

    def write(self, rows: Iterable[Sequence[Cell]], empty_text: str) -> int:
        doc, pdf = self.doc, self.pdf
        doc._room(self.header_h + self.lh * 2 + 2 * self.pad_y)
        self._header()
        count = 0
        ncols = len(self.columns)
        for row in rows:
            cells = list(row)[:ncols]
            cells += [""] * (ncols - len(cells))
            self._row(cells, count)
            count += 1
        if count == 0 and empty_text:
            lines = doc._layout(
                [Span(empty_text, italic=True)], doc.width - 2 * self.pad_x, self.size
            )
            self._draw_row([lines], [doc.layout.margins.left], [doc.width], None, 0, ["L"])
        pdf.set_draw_color(*self.colours["rule"])
        pdf.set_line_width(0.25)
        left = doc.layout.margins.left
        pdf.line(left, pdf.y, left + doc.width, pdf.y)
        pdf.y += doc._space("table_after")
        return count

    def _header(self) -> None:
        pdf, doc = self.pdf, self.doc
        pdf.set_fill_color(*self.colours["table_header_fill"])
        pdf.rect(doc.layout.margins.left, pdf.y, doc.width, self.header_h, style="F")
        for lines, x, w, col in zip(
            self.header_lines, self.xs, self.widths, self.columns, strict=True
        ):
            for i, line in enumerate(lines):
                doc.canvas.draw_line(
                    line,
                    x + self.pad_x,
                    pdf.y + self.pad_y + i * self.lh,
                    self.lh,
                    self.size,
                    self.colours["table_header_text"],
                    width=w - 2 * self.pad_x,
                    align=col.align,
                )
        pdf.y += self.header_h

    def _cell_spans(self, cell: Cell, bold: bool) -> list[Span]:
        if cell is None:
            return []
        if isinstance(cell, str):
            return [Span(cell, bold=bold)]
        if isinstance(cell, Sequence):
            spans = [s for s in cell if isinstance(s, Span)]
            if len(spans) == len(cell):
                return spans
        return [Span(str(cell), bold=bold)]

    def _row(self, cells: list[Cell], index: int) -> None:
        status: StatusColours | None = None
        all_lines = []
        for col, (cell, w) in enumerate(zip(cells, self.widths, strict=True)):
            is_status = False
            if col == self.status_index and isinstance(cell, str):
                is_status = True
                status = self.statuses.get(status_key(cell))
                if status is not None:
                    cell = cell.replace("_", " ")  # NOT COVERED wraps at the space
            spans = self._cell_spans(cell, bold=is_status and status is not None)
            all_lines.append(self.doc._layout(spans, w - 2 * self.pad_x, self.size))
        aligns = [c.align for c in self.columns]
        self._draw_row(all_lines, self.xs, self.widths, status, index, aligns)

    def _draw_row(
        self,
        all_lines: list[list[Line]],
        xs: list[float],
        widths: list[float],
        status: StatusColours | None,
        index: int,
        aligns: Sequence[str],
    ) -> None:
        doc, pdf = self.doc, self.pdf
        lh, pad_y = self.lh, self.pad_y
        n = max(len(lines) for lines in all_lines)
        height = n * lh + 2 * pad_y
        fresh_capacity = doc._bottom - doc._top - self.header_h
        if pdf.y + height > doc._bottom and height <= fresh_capacity:
            self._continue_on_new_page()
        start = 0
        while start < n:
            fit = int((doc._bottom - pdf.y - 2 * pad_y) / lh)
            if fit < 1:
                self._continue_on_new_page()
                continue
            end = min(n, start + fit)
            chunk_h = (end - start) * lh + 2 * pad_y
            if self.zebra and index % 2 == 1:
                pdf.set_fill_color(*self.colours["zebra"])
                pdf.rect(xs[0], pdf.y, sum(widths), chunk_h, style="F")
            for col, lines in enumerate(all_lines):
                colour = self.colours["text"]
                if status is not None and col == self.status_index:
                    pdf.set_fill_color(*status.fill)
                    pdf.rect(xs[col], pdf.y, widths[col], chunk_h, style="F")
                    colour = status.text
                for i, line in enumerate(lines[start:end]):
                    doc.canvas.draw_line(
                        line,
                        xs[col] + self.pad_x,
                        pdf.y + pad_y + i * lh,
                        lh,
                        self.size,
                        colour,
                        width=widths[col] - 2 * self.pad_x,
                        align=aligns[col],
                    )
            if not self.zebra:
                pdf.set_draw_color(*self.colours["rule"])
                pdf.set_line_width(0.1)
                pdf.line(xs[0], pdf.y + chunk_h, xs[0] + sum(widths), pdf.y + chunk_h)
            pdf.y += chunk_h
            start = end
            if start < n:
                self._continue_on_new_page()

    def _continue_on_new_page(self) -> None:
        self.doc._new_page()
        self._header()

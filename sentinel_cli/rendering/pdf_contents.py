"""The front matter of a PDF: the cover page and the table of contents.

The contents are reserved where ``table_of_contents`` is called and drawn when the document is
finished, from the headings' bookmarks (fpdf2's outline). Every entry is one line, so the pages
the contents need are known before drawing: if that is more than the one reserved, pages are
inserted and every later page number (contents, bookmarks, footers) shifts with them; the page
numbers are stamped then, not by ``PageFlow``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.outline import OutlineSection

from sentinel_cli.rendering.pdf_markdown import Span
from sentinel_cli.rendering.pdf_text import TextBlocks

__all__ = ["FrontMatter"]


@dataclass(slots=True)
class _Toc:
    title: str
    depth: int
    start_page: int


class FrontMatter(TextBlocks):
    """The cover (a plain page: no header, no page number) and the table of contents."""

    _toc: _Toc | None = None

    def cover_page(
        self,
        title: str | None = None,
        subtitle: str = "",
        fields: Sequence[tuple[str, str]] = (),
        *,
        note: str = "",
    ) -> None:
        """The title page: big title, subtitle, and a key/value block (organisation, period, ...)."""
        pdf, lay = self._pdf, self.layout
        if pdf.page != 0:
            raise ValueError("cover_page() must be called before any other content")
        self._plain_pages.add(1)
        pdf.add_page()
        colours = lay.colours
        left, width = lay.margins.left, self.width
        pdf.set_fill_color(*colours["accent"])
        pdf.rect(0, 0, pdf.w, 7, style="F")
        pdf.y = 52
        self.canvas.text(
            left,
            pdf.y,
            "SENTINEL",
            size=self._size("small") + 1,
            colour=colours["accent"],
            bold=True,
        )
        pdf.y += 9
        size = self._size("cover_title")
        lh = self.canvas.line_height(size, 1.18)
        for line in self._layout([Span(title or self.title, bold=True)], width, size):
            self.canvas.draw_line(line, left, pdf.y, lh, size, colours["text"])
            pdf.y += lh
        if subtitle:
            pdf.y += 2
            size = self._size("cover_subtitle")
            lh = self.canvas.line_height(size, 1.3)
            for line in self._layout([Span(subtitle)], width, size):
                self.canvas.draw_line(line, left, pdf.y, lh, size, colours["muted"])
                pdf.y += lh
        pdf.y += 7
        pdf.set_fill_color(*colours["accent"])
        pdf.rect(left, pdf.y, 32, 1.1, style="F")
        pdf.y += 10
        if fields:
            self._key_value_rows(fields, size=self._size("cover_field"), key_share=0.3, rule=True)
        if note:
            size = self._size("small")
            lh = self.canvas.line_height(size)
            lines = self._layout([Span(note)], width, size)
            y = self._bottom - len(lines) * lh
            for line in lines:
                self.canvas.draw_line(line, left, y, lh, size, colours["muted"])
                y += lh
        self._on_cover = True

    def table_of_contents(self, title: str = "Contents", *, depth: int = 2) -> None:
        """Reserve the contents here; it lists every heading down to ``depth`` with its page.

        The list is drawn when the document is finished; if it needs more than one page, pages
        are inserted and every later page number (contents, bookmarks, footers) shifts with them.
        """
        if self._toc is not None:
            raise ValueError("the document already has a table of contents")
        self._start()
        if self._pdf.y > self._top + 0.01:
            self._new_page()
        self._toc = _Toc(title, depth, self._pdf.page)
        self._pdf.insert_toc_placeholder(self._render_toc, pages=1, allow_extra_pages=True)
        self._pdf.y = self._top

    def _render_toc(self, pdf: FPDF, outline: list[OutlineSection]) -> None:
        toc = self._toc
        assert toc is not None
        colours = self.layout.colours
        entries = [s for s in outline if s.level < toc.depth and s.page_number > toc.start_page]
        size = self._size("toc")
        lh = self.canvas.line_height(size, 1.55)
        title_size = self._size("h1")
        title_h = self.canvas.line_height(title_size) + self._space("heading_after", 1) + 2
        # Plan first: every entry is one line, so the number of inserted pages is known up front.
        y, page_offset = pdf.y + title_h, 0
        plan: list[tuple[int, float]] = []
        for entry in entries:
            gap = 1.2 if entry.level == 0 and plan else 0.0
            if y + gap + lh > self._bottom:
                page_offset, y, gap = page_offset + 1, self._top, 0.0
            plan.append((page_offset, y + gap))
            y += gap + lh
        inserted = page_offset
        original_pages = pdf.pages_count

        def final(index: int) -> int:
            return index + inserted if index > toc.start_page else index

        self._goto_page(pdf.page)
        self.canvas.text(
            self.layout.margins.left,
            pdf.y,
            toc.title,
            size=title_size,
            colour=colours["accent"],
            bold=True,
        )
        left, right = self.layout.margins.left, pdf.w - self.layout.margins.right
        dot_w = self._fonts.width("dejavu", ".") * self.canvas.mm(size)
        current = 0
        for entry, (offset, y) in zip(entries, plan, strict=True):
            if offset != current:
                pdf.add_page()
                self._goto_page(pdf.page)
                current = offset
            bold = entry.level == 0
            indent = entry.level * 6
            number = str(final(entry.page_number))
            number_w = self.canvas.measure(number, size=size)
            name_w = right - left - indent - number_w - 8
            drawn = self.canvas.text(
                left + indent,
                y,
                entry.name,
                size=size,
                colour=colours["text"],
                bold=bold,
                width=name_w,
                line_height=lh,
            )
            dots_from = left + indent + drawn + 2
            dots = int((right - number_w - 2 - dots_from) / dot_w)
            if dots > 2:
                self.canvas.text(
                    dots_from, y, "." * dots, size=size, colour=colours["faint"], line_height=lh
                )
            self.canvas.text(
                right,
                y,
                number,
                size=size,
                colour=colours["text"],
                bold=bold,
                align="R",
                line_height=lh,
            )
            top = getattr(entry.dest, "top", None)
            target_y = (pdf.h_pt - top) / pdf.k if isinstance(top, int | float) else 0
            link = pdf.add_link(y=target_y, page=entry.page_number)
            pdf.link(left, y, right - left, lh, link)
        total = original_pages + inserted

        def final_any(index: int) -> int:
            if index > original_pages:  # a page inserted for the contents, moved after its start
                return toc.start_page + index - original_pages
            return final(index)

        self._stamp_page_numbers(final_any, total)

    def _finish_pages(self) -> None:
        if self._toc is None:  # else the contents stamp the numbers once they are laid out
            super()._finish_pages()

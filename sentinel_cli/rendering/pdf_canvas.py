"""Drawing on the current PDF page in millimetres: laid-out lines, single lines of text, and the
vector shapes the charts use.

Every string goes through the same fonts and fallback as the text flow (``pdf_fonts``) and is
written with ``FPDF.text``, so text is only ever text: no fpdf2 markup is enabled. ``draw_line``
is the hot path of long tables, so it skips fpdf2's font and colour setters when nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fpdf import FPDF

from sentinel_cli.rendering.pdf_fonts import CHAINS, FACES, Fonts, Line, Piece, span_style
from sentinel_cli.rendering.pdf_layout import RGB, Layout
from sentinel_cli.rendering.pdf_markdown import Span

__all__ = ["Canvas"]


class Canvas:
    """Drawing primitives in millimetres; text goes through the bundled fonts' fallback."""

    def __init__(self, pdf: FPDF, fonts: Fonts, layout: Layout) -> None:
        self._pdf = pdf
        self._fonts = fonts
        self._layout = layout
        self.colours = layout.colours
        self.sizes = layout.sizes
        self._devices: dict[RGB, Any] = {}

    def mm(self, size_pt: float) -> float:
        """Millimetres per 1/1000 em at ``size_pt``."""
        return size_pt / 1000 / self._pdf.k

    def line_height(self, size_pt: float, factor: float | None = None) -> float:
        """The height of one line of text at ``size_pt`` (``factor`` times the font size)."""
        return size_pt / self._pdf.k * (factor or self._layout.line_height)

    def draw_line(
        self,
        line: Line,
        x: float,
        top: float,
        line_height: float,
        size: float,
        colour: RGB,
        *,
        width: float = 0,
        align: str = "L",
    ) -> None:
        """Draw one laid-out line in a box starting at (x, top), aligned within ``width``."""
        pdf, mm = self._pdf, self.mm(size)
        if align != "L" and width:
            slack = width - line.width * mm
            x += slack if align == "R" else slack / 2
        baseline = top + line_height / 2 + 0.3 * size / pdf.k
        # Consecutive pieces with the same font and colour become one text object.
        run_x, run_key, run_colour, run_text, run_width = x, None, None, "", 0.0
        for key, text, piece_colour, piece_width in [*line.pieces, ("", "", None, 0.0)]:
            if key != run_key or piece_colour != run_colour:
                if run_text.strip():
                    # Skip fpdf's setters when nothing changes: they dominate long tables.
                    assert run_key is not None
                    if (
                        pdf.current_font is not self._fonts.font(run_key)
                        or pdf.font_size_pt != size
                    ):
                        family, style = FACES[run_key]
                        pdf.set_font(family, style, size)
                    rgb = run_colour or colour
                    device = self._devices.get(rgb)
                    if device is None or pdf.text_color != device:
                        pdf.set_text_color(*rgb)
                        self._devices[rgb] = pdf.text_color
                    pdf.text(run_x, baseline, run_text)
                run_x += run_width * mm
                run_key, run_colour, run_text, run_width = key, piece_colour, "", 0.0
            run_text += text
            run_width += piece_width

    def measure(self, text: str, *, size: float, bold: bool = False) -> float:
        """Width of ``text`` on one line, in millimetres."""
        pieces = self._fonts.pieces(text, "B" if bold else "", None)
        return sum(p[3] for p in pieces) * self.mm(size)

    def measure_spans(
        self, spans: Sequence[Span], *, size: float, bold: bool = False
    ) -> tuple[float, float]:
        """(width on one line, widest unbreakable word) of styled text, in millimetres."""
        fonts, mm = self._fonts, self.mm(size)
        total, widest = 0.0, 0.0
        for span in spans:
            style = "B" if bold and not span.code else span_style(span)
            for word in re.split(r"\s+", span.text):
                width = sum(p[3] for p in fonts.pieces(word, style, None)) * mm
                widest = max(widest, width)
                total += width + fonts.width(CHAINS[style][0], " ") * mm
        return total, widest

    def text(
        self,
        x: float,
        top: float,
        text: str,
        *,
        size: float,
        colour: RGB | None = None,
        bold: bool = False,
        align: str = "L",
        width: float = 0,
        line_height: float | None = None,
    ) -> float:
        """One line of text whose box starts at ``top``; ``x`` is its left, centre or right edge
        for align L, C or R. Text longer than ``width`` (if given) is cut with an ellipsis.
        Returns the drawn width."""
        fonts = self._fonts
        mm = self.mm(size)
        style = "B" if bold else ""
        pieces = fonts.pieces(" ".join(text.split()), style, None)
        total = sum(p[3] for p in pieces) * mm
        if width and total > width:
            ellipsis = fonts.pieces("…", style, None)
            budget = width / mm - sum(p[3] for p in ellipsis)
            kept: list[Piece] = []
            used = 0.0
            for key, chunk, colour_, _ in pieces:
                for char in chunk:
                    char_w = fonts.width(key, char)
                    if used + char_w > budget:
                        break
                    kept.append((key, char, colour_, char_w))
                    used += char_w
                else:
                    continue
                break
            pieces = Fonts.merge(kept) + ellipsis
            total = sum(p[3] for p in pieces) * mm
        line = Line(pieces, sum(p[3] for p in pieces))
        left = x - total if align == "R" else x - total / 2 if align == "C" else x
        lh = line_height or self.line_height(size)
        self.draw_line(line, left, top, lh, size, colour or self.colours["text"])
        return total

    def line(
        self, x1: float, y1: float, x2: float, y2: float, *, colour: RGB, width: float = 0.2
    ) -> None:
        pdf = self._pdf
        pdf.set_draw_color(*colour)
        pdf.set_line_width(width)
        pdf.line(x1, y1, x2, y2)

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        *,
        fill: RGB | None = None,
        stroke: RGB | None = None,
    ) -> None:
        pdf = self._pdf
        if fill:
            pdf.set_fill_color(*fill)
        if stroke:
            pdf.set_draw_color(*stroke)
            pdf.set_line_width(0.2)
        style = "DF" if fill and stroke else "F" if fill else "D"
        pdf.rect(x, y, w, h, style=style)

    def polyline(
        self, points: Sequence[tuple[float, float]], *, colour: RGB, width: float = 0.5
    ) -> None:
        pdf = self._pdf
        pdf.set_draw_color(*colour)
        pdf.set_line_width(width)
        pdf.polyline(list(points))

    def polygon(self, points: Sequence[tuple[float, float]], *, fill: RGB) -> None:
        pdf = self._pdf
        pdf.set_fill_color(*fill)
        pdf.polyline(list(points), polygon=True, style="F")

    def dot(
        self, x: float, y: float, radius: float, *, fill: RGB, stroke: RGB | None = None
    ) -> None:
        pdf = self._pdf
        pdf.set_fill_color(*fill)
        if stroke:
            pdf.set_draw_color(*stroke)
            pdf.set_line_width(0.3)
        pdf.ellipse(x - radius, y - radius, 2 * radius, 2 * radius, style="DF" if stroke else "F")

"""Fonts and line layout for the PDF layer: which bundled font draws each character, how wide
text is, and where it wraps.

fpdf2's ``cell``/``multi_cell``/``table`` re-parse and re-measure every string (fallback fonts,
bidi, markup) and cost about a millisecond per cell. Here text is measured with the fonts'
glyph-width tables and wrapped greedily (at spaces, between CJK characters, and inside over-long
tokens such as ARNs, preferably after a separator); the result is a list of ``Line``s of
``Piece``s that ``Canvas.draw_line`` writes with ``FPDF.text``.

DejaVu Sans (regular, bold, oblique, mono) is the face; a character DejaVu lacks comes from Droid
Sans Fallback, character by character, so "株式会社" sits next to "Zoë Müller". A character no
bundled font has (most emoji) is dropped rather than drawn as a box.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import TTFFont

from sentinel_cli.rendering.pdf_layout import RGB
from sentinel_cli.rendering.pdf_markdown import Span

__all__ = ["CHAINS", "FACES", "Fonts", "Line", "Piece", "span_style"]

# fpdf2 font key -> (family, style) for set_font. "BI" has no bundled face and uses bold.
FACES: dict[str, tuple[str, str]] = {
    "dejavu": ("DejaVu", ""),
    "dejavuB": ("DejaVu", "B"),
    "dejavuI": ("DejaVu", "I"),
    "dejavumono": ("DejaVuMono", ""),
    "droidsansfallback": ("DroidSansFallback", ""),
}
_FILES = {
    ("DejaVu", ""): "DejaVuSans.ttf",
    ("DejaVu", "B"): "DejaVuSans-Bold.ttf",
    ("DejaVu", "I"): "DejaVuSans-Oblique.ttf",
    ("DejaVuMono", ""): "DejaVuSansMono.ttf",
    ("DroidSansFallback", ""): "DroidSansFallbackFull.ttf",
}
_FALLBACK_FAMILY, _FALLBACK_KEY = "DroidSansFallback", "droidsansfallback"
# Glyph lookup order per style: the face itself, then regular DejaVu, then the CJK fallback.
CHAINS: dict[str, tuple[str, ...]] = {
    "": ("dejavu", "droidsansfallback"),
    "B": ("dejavuB", "dejavu", "droidsansfallback"),
    "I": ("dejavuI", "dejavu", "droidsansfallback"),
    "M": ("dejavumono", "dejavu", "droidsansfallback"),
}
_CJK = (
    "\u1100-\u11ff\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3200-\u9fff"
    "\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff"
)
_TOKENS = re.compile(rf"(\n)|([^\S\n]+)|([{_CJK}])|([^\s{_CJK}]+)")
# Where an over-long token (URL, ARN, hash) prefers to break.
_SOFT_BREAKS = frozenset("/-:_.@,;=&?|")

Piece = tuple[str, str, RGB | None, float]  # font key, text, colour (None: block colour), width


@dataclass(slots=True)
class Line:
    """One laid-out line: its runs of one font each, and its width."""

    pieces: list[Piece]
    width: float  # in 1/1000 em of the layout's font size


def span_style(span: Span) -> str:
    """The font style key of a span: ``M`` (code), ``B``, ``I`` or regular."""
    if span.code:
        return "M"
    return "B" if span.bold else "I" if span.italic else ""


class Fonts:
    """Registers the bundled fonts and measures and wraps text with per-character fallback.

    The CJK fallback is loaded on first need: parsing its 4 MB file costs ~0.4 s, and most
    documents never use it.
    """

    def __init__(self, pdf: FPDF, folder: Path) -> None:
        self._pdf = pdf
        self._folder = folder
        for (family, style), filename in _FILES.items():
            if family != _FALLBACK_FAMILY:
                pdf.add_font(family, style, str(folder / filename))
        self._fonts = pdf.fonts
        self._cmaps: dict[str, dict[int, str]] = {}
        self._widths: dict[str, dict[int, float]] = {}
        for key in FACES:
            face = self._fonts.get(key)
            if isinstance(face, TTFFont):  # every face Sentinel adds is a TrueType file
                self._cmaps[key], self._widths[key] = face.cmap, face.cw
        self._picks: dict[str, dict[str, str | None]] = {style: {} for style in CHAINS}
        self._pieces: dict[tuple[str, str, RGB | None], list[Piece]] = {}

    def _load_fallback(self) -> None:
        pdf = self._pdf
        pdf.add_font(_FALLBACK_FAMILY, "", str(self._folder / _FILES[(_FALLBACK_FAMILY, "")]))
        # Also for fpdf2's own text methods (this module uses none, but keep them consistent).
        pdf.set_fallback_fonts([_FALLBACK_FAMILY], exact_match=False)
        font = pdf.fonts[_FALLBACK_KEY]
        assert isinstance(font, TTFFont)  # added from its TrueType file just above
        self._cmaps[_FALLBACK_KEY], self._widths[_FALLBACK_KEY] = font.cmap, font.cw

    def font(self, key: str) -> Any:
        return self._fonts[key]

    def _pick(self, style: str, char: str) -> str | None:
        cache = self._picks[style]
        try:
            return cache[char]
        except KeyError:
            code = ord(char)
            found = None
            for key in CHAINS[style]:
                if key == _FALLBACK_KEY and key not in self._cmaps:
                    self._load_fallback()
                if code in self._cmaps[key]:
                    found = key
                    break
            cache[char] = found
            return found

    def pieces(self, text: str, style: str, colour: RGB | None) -> list[Piece]:
        """Split ``text`` into runs of one font each; characters no font has are dropped."""
        # Table columns repeat the same words (dates, statuses, services): measure each once.
        cache_key = (text, style, colour)
        cached = self._pieces.get(cache_key)
        if cached is not None:
            return cached
        if len(self._pieces) > 50_000:
            self._pieces.clear()
        out = self._pieces[cache_key] = self._split_fonts(text, style, colour)
        return out

    def _split_fonts(self, text: str, style: str, colour: RGB | None) -> list[Piece]:
        out: list[Piece] = []
        run: list[str] = []
        run_key = ""  # the font of ``run``; set whenever ``run`` is not empty
        for char in text:
            key = self._pick(style, char)
            if key is None:
                continue
            if key != run_key and run:
                out.append(self._piece(run_key, run, colour))
                run = []
            run_key = key
            run.append(char)
        if run:
            out.append(self._piece(run_key, run, colour))
        return out

    def _piece(self, key: str, chars: list[str], colour: RGB | None) -> Piece:
        widths = self._widths[key]
        return (key, "".join(chars), colour, sum(widths[ord(c)] for c in chars))

    def width(self, key: str, text: str) -> float:
        widths = self._widths[key]
        return sum(widths[ord(c)] for c in text)

    def layout(
        self,
        spans: Sequence[Span],
        max_units: float,
        *,
        code_colour: RGB | None = None,
        keep_spaces: bool = False,
    ) -> list[Line]:
        """Wrap ``spans`` into lines at most ``max_units`` (1/1000 em) wide."""
        if (
            len(spans) == 1
            and not keep_spaces
            and len(spans[0].text) < 160
            and "\n" not in spans[0].text
        ):
            # Fast path for the common table cell: one style, fits on one line.
            span = spans[0]
            pieces = self.pieces(
                " ".join(span.text.split()), span_style(span), code_colour if span.code else None
            )
            width = sum(p[3] for p in pieces)
            if width <= max_units:
                return [Line(pieces, width)]
        # Items: ("box", pieces, width) unbreakable; ("glue", piece, width) a break opportunity;
        # ("br",) a forced break.
        items: list[tuple[Any, ...]] = []
        box: list[Piece] = []
        box_width = 0.0

        def close_box() -> None:
            nonlocal box, box_width
            if box:
                items.append(("box", box, box_width))
                box, box_width = [], 0.0

        for span in spans:
            style = span_style(span)
            colour = code_colour if span.code else None
            for newline, space, cjk, word in _TOKENS.findall(span.text):
                if newline:
                    close_box()
                    items.append(("br",))
                elif space:
                    close_box()
                    key = CHAINS[style][0]
                    text = space.replace("\t", "    ") if keep_spaces else " "
                    items.append(("glue", (key, text, colour, self.width(key, text))))
                else:
                    if cjk:
                        close_box()
                    for piece in self.pieces(cjk or word, style, colour):
                        box.append(piece)
                        box_width += piece[3]
                    if cjk:
                        close_box()
                        items.append(("glue", (CHAINS[style][0], "", colour, 0.0)))
        close_box()

        lines: list[Line] = []
        line: list[Piece] = []
        width = 0.0
        glue: Piece | None = None
        for item in items:
            kind = item[0]
            if kind == "br":
                lines.append(Line(line, width))
                line, width, glue = [], 0.0, None
            elif kind == "glue":
                if line or keep_spaces:
                    glue = item[1]
            else:
                _, pieces, box_w = item
                glue_w = glue[3] if glue and line else 0.0
                if line and width + glue_w + box_w > max_units:
                    lines.append(Line(line, width))
                    line, width, glue, glue_w = [], 0.0, None, 0.0
                if glue is not None and (line or keep_spaces):
                    line.append(glue)
                    width += glue[3]
                glue = None
                if box_w > max_units and not line:
                    chunks = self._split(pieces, max_units)
                    for chunk in chunks[:-1]:
                        lines.append(Line(chunk, sum(p[3] for p in chunk)))
                    pieces = chunks[-1]
                    box_w = sum(p[3] for p in pieces)
                line.extend(pieces)
                width += box_w
        if line or not lines:
            lines.append(Line(line, width))
        return lines

    def _split(self, pieces: list[Piece], max_units: float) -> list[list[Piece]]:
        """Break an over-long token, preferably after a separator such as ``/`` or ``-``."""
        text = "".join(p[1] for p in pieces)
        widths: list[float] = []
        bounds: list[tuple[int, int, Piece]] = []  # character range of each piece
        for piece in pieces:
            table = self._widths[piece[0]]
            bounds.append((len(widths), len(widths) + len(piece[1]), piece))
            widths.extend(table[ord(c)] for c in piece[1])
        cuts: list[int] = []
        start, n = 0, len(text)
        while start < n:
            width, end, soft = 0.0, start, -1
            while end < n and (end == start or width + widths[end] <= max_units):
                width += widths[end]
                if text[end] in _SOFT_BREAKS:
                    soft = end
                end += 1
            if end < n and soft > start and (soft - start) >= (end - start) * 0.4:
                end = soft + 1
            cuts.append(end)
            start = end
        chunks: list[list[Piece]] = []
        start = 0
        for cut in cuts:
            chunk: list[Piece] = []
            for lo, hi, (key, _, colour, _) in bounds:
                a, b = max(lo, start), min(hi, cut)
                if a < b:
                    chunk.append((key, text[a:b], colour, sum(widths[a:b])))
            chunks.append(chunk)
            start = cut
        return chunks

    @staticmethod
    def merge(chars: list[tuple[str, str, RGB | None, float]]) -> list[Piece]:
        """Join adjacent one-character pieces of the same font and colour."""
        merged: list[Piece] = []
        for key, char, colour, width in chars:
            if merged and merged[-1][0] == key and merged[-1][2] == colour:
                last = merged[-1]
                merged[-1] = (key, last[1] + char, colour, last[3] + width)
            else:
                merged.append((key, char, colour, width))
        return merged

"""The PDF layer shared by generated policies and audit reports: one small document API over fpdf2.

Policy and report code says *what* to print (a cover, headings, paragraphs, lists, long tables,
charts, Markdown); ``PdfDocument`` decides *how*, from the data in ``report_templates/layout.yaml``
(colours, sizes, margins, and the section list of every report type).

Decisions worth knowing:

* **Our own line layout.** fpdf2's ``cell``/``multi_cell``/``table`` re-parse and re-measure every
  string (fallback fonts, bidi, markup) and cost about a millisecond per cell: a 10,000-row
  evidence table took over a minute. Here text is measured with the fonts' glyph-width tables,
  wrapped greedily (at spaces, between CJK characters, and inside over-long tokens such as ARNs),
  and drawn with ``FPDF.text``. That is some twenty times faster and gives what reports need:
  rows that stream from a generator, split across pages and repeat their header, hanging indents
  for lists, and bold/italic/code runs inside one paragraph.
* **Fonts.** DejaVu Sans (regular, bold, oblique, mono) is the face; for any character DejaVu lacks,
  Droid Sans Fallback is used, character by character, so "株式会社" renders next to "Zoë Müller".
  Characters no bundled font has (most emoji) are dropped rather than drawn as boxes.
* **Text is only ever text.** No fpdf2 markup is enabled and the ``{nb}`` page-count alias is
  switched off, so user data such as ``{{ 7*7 }}``, ``<script>``, ``**`` or ``{nb}`` prints as
  typed. ``markdown()`` interprets our small Markdown dialect and nothing else.
* **Page numbers are stamped last.** "Page X of Y" is written on every page when the document is
  finished, after the table of contents has been laid out, because a contents list longer than
  its reserved page inserts pages and shifts every later page number.

fpdf is imported at module top: the CLI imports this module lazily, only when writing a PDF.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from fpdf import FPDF
from fpdf.fonts import TTFFont
from fpdf.outline import OutlineSection

from sentinel_cli import __version__
from sentinel_cli.errors import InvalidInput
from sentinel_cli.rendering import pdf_charts
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
from sentinel_cli.yamlio import load_yaml

__all__ = [
    "REPORT_TYPES",
    "Canvas",
    "Colour",
    "Column",
    "Layout",
    "PdfDocument",
    "ReportLayout",
    "SectionLayout",
    "Span",
    "load_layout",
]

TEMPLATES_PACKAGE = "sentinel_cli.report_templates"
LAYOUT_FILE = "layout.yaml"
REPORT_TYPES: tuple[str, ...] = (
    "SOC2_AUDIT",
    "ISO27001_AUDIT",
    "COMBINED_AUDIT",
    "EXECUTIVE_SUMMARY",
    "POLICY",
)

RGB = tuple[int, int, int]
Colour = str | RGB
Align = Literal["L", "C", "R"]
NoteStyle = Literal["info", "warning", "error"]
Cell = str | Sequence[Span] | None

# --- layout data ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: its header, its share of the text width, and its text alignment."""

    title: str
    width_fraction: float = 1.0
    align: Align = "L"


@dataclass(frozen=True, slots=True)
class Margins:
    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True, slots=True)
class StatusColours:
    text: RGB
    fill: RGB


@dataclass(frozen=True, slots=True)
class NoteColours:
    title: str
    bar: RGB
    fill: RGB


@dataclass(frozen=True, slots=True)
class SectionLayout:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class ReportLayout:
    """What one report type contains, in order (from ``layout.yaml``'s ``reports``)."""

    report_type: str
    title: str
    toc: bool
    max_pages: int | None
    cover_fields: tuple[str, ...]
    sections: tuple[SectionLayout, ...]

    def section(self, section_id: str) -> SectionLayout:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(f"{self.report_type} has no section {section_id!r}")


@dataclass(frozen=True, slots=True)
class Layout:
    """The parsed ``layout.yaml``: page geometry, typography, colours, tables and report sections."""

    page_format: str
    margins: Margins
    header_offset: float
    footer_offset: float
    sizes: Mapping[str, float]
    line_height: float
    table_line_height: float
    spacing: Mapping[str, Any]
    colours: Mapping[str, RGB]
    statuses: Mapping[str, StatusColours]
    severities: Mapping[str, RGB]
    notes: Mapping[str, NoteColours]
    tables: Mapping[str, tuple[Column, ...]]
    reports: Mapping[str, ReportLayout]

    def report(self, report_type: str) -> ReportLayout:
        try:
            return self.reports[report_type]
        except KeyError:
            raise InvalidInput(
                f"unknown report type {report_type!r}",
                hint="use one of " + ", ".join(self.reports),
            ) from None

    def columns(self, table_id: str) -> list[Column]:
        return list(self.tables[table_id])

    def colour(self, value: Colour) -> RGB:
        """Resolve ``#rrggbb``, an RGB tuple, or a name from colours, severities or statuses."""
        if isinstance(value, tuple):
            return value
        if value.startswith("#"):
            return _hex(value, "colour")
        key = value.strip()
        if key in self.colours:
            return self.colours[key]
        if key.lower() in self.severities:
            return self.severities[key.lower()]
        status = _status_key(key)
        if status in self.statuses:
            return self.statuses[status].text
        raise ValueError(f"unknown colour {value!r}")


def _hex(value: object, where: str) -> RGB:
    text = str(value)
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", text):
        raise ValueError(f"{LAYOUT_FILE}: {where} must be '#rrggbb', got {value!r}")
    return (int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16))


def _status_key(value: str) -> str:
    return re.sub(r"[\s-]+", "_", value.strip().upper())


_ALIGNS: dict[str, Align] = {"L": "L", "C": "C", "R": "R"}


def _columns(raw: list[dict[str, Any]], where: str) -> tuple[Column, ...]:
    columns = []
    for col in raw:
        align = _ALIGNS.get(str(col.get("align", "L")).upper())
        if align is None:
            raise ValueError(f"{LAYOUT_FILE}: {where}: align must be L, C or R")
        columns.append(Column(str(col["title"]), float(col.get("width", 1.0)), align))
    return tuple(columns)


def parse_layout(data: Mapping[str, Any]) -> Layout:
    """Build a ``Layout`` from the YAML mapping, failing loudly on a missing or malformed key."""
    try:
        page, fonts, spacing = data["page"], data["fonts"], data["spacing"]
        margins = Margins(
            **{k: float(page["margins"][k]) for k in ("left", "top", "right", "bottom")}
        )
        reports = {}
        for report_type, raw in data["reports"].items():
            sections = tuple(
                SectionLayout(str(s["id"]), str(s["title"]), str(s.get("description", "")))
                for s in raw["sections"]
            )
            reports[report_type] = ReportLayout(
                report_type=report_type,
                title=str(raw["title"]),
                toc=bool(raw.get("toc", False)),
                max_pages=raw.get("max_pages"),
                cover_fields=tuple(str(f) for f in raw.get("cover_fields", ())),
                sections=sections,
            )
        return Layout(
            page_format=str(page.get("format", "A4")),
            margins=margins,
            header_offset=float(page["header_offset"]),
            footer_offset=float(page["footer_offset"]),
            sizes={k: float(v) for k, v in fonts["sizes"].items()},
            line_height=float(fonts["line_height"]),
            table_line_height=float(fonts["table_line_height"]),
            spacing=spacing,
            colours={k: _hex(v, f"colours.{k}") for k, v in data["colours"].items()},
            statuses={
                k: StatusColours(_hex(v["text"], k), _hex(v["fill"], k))
                for k, v in data["statuses"].items()
            },
            severities={k: _hex(v, f"severities.{k}") for k, v in data["severities"].items()},
            notes={
                k: NoteColours(str(v["title"]), _hex(v["bar"], k), _hex(v["fill"], k))
                for k, v in data["notes"].items()
            },
            tables={k: _columns(v, f"tables.{k}") for k, v in data.get("tables", {}).items()},
            reports=reports,
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{LAYOUT_FILE} is malformed: missing or invalid {exc}") from exc


@functools.cache
def load_layout() -> Layout:
    """The bundled layout (cached: it is package data and never changes at run time)."""
    text = (resources.files(TEMPLATES_PACKAGE) / LAYOUT_FILE).read_text(encoding="utf-8")
    return parse_layout(load_yaml(text))


# --- fonts and line layout ------------------------------------------------------------------

# fpdf2 font key -> (family, style) for set_font. "BI" has no bundled face and uses bold.
_FACES: dict[str, tuple[str, str]] = {
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
_CHAINS: dict[str, tuple[str, ...]] = {
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
class _Line:
    pieces: list[Piece]
    width: float  # in 1/1000 em of the layout's font size


def _style(span: Span) -> str:
    if span.code:
        return "M"
    return "B" if span.bold else "I" if span.italic else ""


class _Fonts:
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
        for key in _FACES:
            face = self._fonts.get(key)
            if isinstance(face, TTFFont):  # every face Sentinel adds is a TrueType file
                self._cmaps[key], self._widths[key] = face.cmap, face.cw
        self._picks: dict[str, dict[str, str | None]] = {style: {} for style in _CHAINS}
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
            for key in _CHAINS[style]:
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
    ) -> list[_Line]:
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
                " ".join(span.text.split()), _style(span), code_colour if span.code else None
            )
            width = sum(p[3] for p in pieces)
            if width <= max_units:
                return [_Line(pieces, width)]
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
            style = _style(span)
            colour = code_colour if span.code else None
            for newline, space, cjk, word in _TOKENS.findall(span.text):
                if newline:
                    close_box()
                    items.append(("br",))
                elif space:
                    close_box()
                    key = _CHAINS[style][0]
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
                        items.append(("glue", (_CHAINS[style][0], "", colour, 0.0)))
        close_box()

        lines: list[_Line] = []
        line: list[Piece] = []
        width = 0.0
        glue: Piece | None = None
        for item in items:
            kind = item[0]
            if kind == "br":
                lines.append(_Line(line, width))
                line, width, glue = [], 0.0, None
            elif kind == "glue":
                if line or keep_spaces:
                    glue = item[1]
            else:
                _, pieces, box_w = item
                glue_w = glue[3] if glue and line else 0.0
                if line and width + glue_w + box_w > max_units:
                    lines.append(_Line(line, width))
                    line, width, glue, glue_w = [], 0.0, None, 0.0
                if glue is not None and (line or keep_spaces):
                    line.append(glue)
                    width += glue[3]
                glue = None
                if box_w > max_units and not line:
                    chunks = self._split(pieces, max_units)
                    for chunk in chunks[:-1]:
                        lines.append(_Line(chunk, sum(p[3] for p in chunk)))
                    pieces = chunks[-1]
                    box_w = sum(p[3] for p in pieces)
                line.extend(pieces)
                width += box_w
        if line or not lines:
            lines.append(_Line(line, width))
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
    def _merge(chars: list[tuple[str, str, RGB | None, float]]) -> list[Piece]:
        merged: list[Piece] = []
        for key, char, colour, width in chars:
            if merged and merged[-1][0] == key and merged[-1][2] == colour:
                last = merged[-1]
                merged[-1] = (key, last[1] + char, colour, last[3] + width)
            else:
                merged.append((key, char, colour, width))
        return merged


class _Fpdf(FPDF):
    """fpdf2 with Sentinel's running header; the footer's page number is stamped at the end."""

    def __init__(self, doc: PdfDocument, page_format: str) -> None:
        super().__init__(orientation="P", unit="mm", format=page_format)
        self._doc = doc

    def header(self) -> None:
        self._doc._draw_running_header()

    def footer(self) -> None:
        pass  # see PdfDocument._stamp_page_numbers


@dataclass(slots=True)
class _Toc:
    title: str
    depth: int
    start_page: int


# --- the document ---------------------------------------------------------------------------


class PdfDocument:
    """A Sentinel PDF (A4, bundled Unicode fonts, running header, "Page X of Y" footer).

    Content methods append below what is already there and start new pages as needed; call
    ``cover_page`` first if the document has one, then ``table_of_contents`` if wanted, then the
    content, then ``output_bytes``. Every string is printed literally, except in ``markdown``.
    """

    def __init__(
        self,
        title: str,
        *,
        subtitle: str = "",
        author: str = "Sentinel",
        subject: str = "",
        keywords: Sequence[str] = (),
        footer_note: str = "",
        created_at: dt.datetime | None = None,
        layout: Layout | None = None,
    ) -> None:
        self.layout = layout or load_layout()
        self.title = title
        self.subtitle = subtitle
        self.footer_note = footer_note or f"Generated by Sentinel {__version__}"
        lay = self.layout
        self._pdf = pdf = _Fpdf(self, lay.page_format)
        pdf.set_margins(lay.margins.left, lay.margins.top, lay.margins.right)
        pdf.set_auto_page_break(False)  # page breaks are decided here, line by line
        pdf.alias_nb_pages(None)  # type: ignore[arg-type]  # "{nb}" in user text stays literal
        pdf.page_mode = "USE_OUTLINES"
        pdf.set_title(title)
        pdf.set_author(author)
        pdf.set_creator(f"Sentinel {__version__}")
        pdf.set_producer(f"Sentinel {__version__} (fpdf2)")
        if subject or subtitle:
            pdf.set_subject(subject or subtitle)
        if keywords:
            pdf.set_keywords(" ".join(keywords))
        pdf.set_lang("en")
        pdf.set_creation_date(created_at or dt.datetime.now(dt.UTC))
        self._resources = ExitStack()
        folder = self._resources.enter_context(
            resources.as_file(resources.files(TEMPLATES_PACKAGE) / "fonts")
        )
        self._fonts = _Fonts(pdf, Path(folder))
        self._plain_pages: set[int] = set()
        self._on_cover = False
        self._toc: _Toc | None = None
        self._outline_level = -1
        self._bytes: bytes | None = None
        self._devices: dict[RGB, Any] = {}
        self.canvas = Canvas(self)

    # -- geometry and primitives ----------------------------------------------------------

    @property
    def page_count(self) -> int:
        """Pages so far (the table of contents may add pages when the document is finished)."""
        return self._pdf.pages_count

    @property
    def width(self) -> float:
        """Width of the text area in millimetres."""
        return self._pdf.epw

    @property
    def _top(self) -> float:
        return self.layout.margins.top

    @property
    def _bottom(self) -> float:
        return self._pdf.h - self.layout.margins.bottom

    def _size(self, name: str) -> float:
        return self.layout.sizes[name]

    def _space(self, name: str, level: int | None = None) -> float:
        value = self.layout.spacing[name]
        return float(value[level] if level is not None else value)

    def _mm(self, size_pt: float) -> float:
        """Millimetres per 1/1000 em at ``size_pt``."""
        return size_pt / 1000 / self._pdf.k

    def _line_height(self, size_pt: float, factor: float | None = None) -> float:
        return size_pt / self._pdf.k * (factor or self.layout.line_height)

    def _start(self) -> None:
        if self._bytes is not None:
            raise RuntimeError("the PDF has already been written; create a new PdfDocument")
        if self._pdf.page == 0 or self._on_cover:
            self._new_page()

    def _new_page(self) -> None:
        self._pdf.add_page()
        self._pdf.y = self._top
        self._on_cover = False

    def _room(self, height: float) -> None:
        """Start a new page unless ``height`` mm fit below the current position."""
        self._start()
        if self._pdf.y + height > self._bottom and self._pdf.y > self._top + 0.01:
            self._new_page()

    def _layout(
        self,
        spans: Sequence[Span],
        width: float,
        size: float,
        *,
        keep_spaces: bool = False,
        code_colour: bool = True,
    ) -> list[_Line]:
        return self._fonts.layout(
            spans,
            width / self._mm(size),
            code_colour=self.layout.colours["code"] if code_colour else None,
            keep_spaces=keep_spaces,
        )

    def _draw_line(
        self,
        line: _Line,
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
        pdf, mm = self._pdf, self._mm(size)
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
                        family, style = _FACES[run_key]
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

    def _text_lines(
        self,
        lines: list[_Line],
        x: float,
        size: float,
        colour: RGB,
        line_height: float,
        *,
        width: float = 0,
        align: str = "L",
        first_line_extra: Callable[[float], None] | None = None,
    ) -> None:
        """Draw lines top-down from the current position, breaking pages between lines."""
        pdf = self._pdf
        for index, line in enumerate(lines):
            self._room(line_height)
            if index == 0 and first_line_extra:
                first_line_extra(pdf.y)
            self._draw_line(line, x, pdf.y, line_height, size, colour, width=width, align=align)
            pdf.y += line_height

    def _spans(
        self, text: str | Sequence[Span], *, bold: bool = False, italic: bool = False
    ) -> list[Span]:
        if isinstance(text, str):
            return [Span(text, bold=bold, italic=italic)]
        return list(text)

    # -- running header and page numbers --------------------------------------------------

    def _draw_running_header(self) -> None:
        pdf, lay = self._pdf, self.layout
        if pdf.page in self._plain_pages:
            return
        size = self._size("header")
        muted, rule = lay.colours["muted"], lay.colours["rule"]
        left, right = lay.margins.left, pdf.w - lay.margins.right
        top = lay.header_offset
        self.canvas.text(left, top, self.title, size=size, colour=muted, width=self.width * 0.62)
        if self.subtitle:
            self.canvas.text(
                right,
                top,
                self.subtitle,
                size=size,
                colour=muted,
                align="R",
                width=self.width * 0.36,
            )
        pdf.set_draw_color(*rule)
        pdf.set_line_width(0.2)
        line_y = top + self._line_height(size) + 0.8
        pdf.line(left, line_y, right, line_y)
        bottom = pdf.h - lay.footer_offset
        pdf.line(left, bottom - 1.2, right, bottom - 1.2)
        self.canvas.text(
            left,
            bottom,
            self.footer_note,
            size=self._size("footer"),
            colour=muted,
            width=self.width * 0.7,
        )

    def _stamp_page_numbers(self, final_number: Callable[[int], int], total: int) -> None:
        """Write "Page X of Y" on every page but the cover (pages are drawn on after the fact)."""
        pdf = self._pdf
        current = pdf.page
        size, muted = self._size("footer"), self.layout.colours["muted"]
        x = pdf.w - self.layout.margins.right
        y = pdf.h - self.layout.footer_offset
        for index in range(1, pdf.pages_count + 1):
            if index in self._plain_pages:
                continue
            self._goto_page(index)
            self.canvas.text(
                x, y, f"Page {final_number(index)} of {total}", size=size, colour=muted, align="R"
            )
        self._goto_page(current)

    def _goto_page(self, index: int) -> None:
        pdf = self._pdf
        pdf.page = index
        # The page's content stream may end in any font or colour state: make text re-declare both.
        pdf.current_font_is_set_on_page = False
        pdf.set_fill_color(255, 255, 255)

    # -- document structure ---------------------------------------------------------------

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
        lh = self._line_height(size, 1.18)
        for line in self._layout([Span(title or self.title, bold=True)], width, size):
            self._draw_line(line, left, pdf.y, lh, size, colours["text"])
            pdf.y += lh
        if subtitle:
            pdf.y += 2
            size = self._size("cover_subtitle")
            lh = self._line_height(size, 1.3)
            for line in self._layout([Span(subtitle)], width, size):
                self._draw_line(line, left, pdf.y, lh, size, colours["muted"])
                pdf.y += lh
        pdf.y += 7
        pdf.set_fill_color(*colours["accent"])
        pdf.rect(left, pdf.y, 32, 1.1, style="F")
        pdf.y += 10
        if fields:
            self._key_value_rows(fields, size=self._size("cover_field"), key_share=0.3, rule=True)
        if note:
            size = self._size("small")
            lh = self._line_height(size)
            lines = self._layout([Span(note)], width, size)
            y = self._bottom - len(lines) * lh
            for line in lines:
                self._draw_line(line, left, y, lh, size, colours["muted"])
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
        lh = self._line_height(size, 1.55)
        title_size = self._size("h1")
        title_h = self._line_height(title_size) + self._space("heading_after", 1) + 2
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
        dot_w = self._fonts.width("dejavu", ".") * self._mm(size)
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

    def heading(self, text: str, level: int = 1) -> None:
        """A section heading (levels 1-3); it becomes a bookmark and a contents entry."""
        self._heading([Span(text, bold=True)], level)

    def _heading(self, spans: Sequence[Span], level: int) -> None:
        pdf, lay = self._pdf, self.layout
        level = min(max(level, 1), 3)
        size = self._size(f"h{level}")
        spans = [Span(s.text, bold=True, italic=s.italic, code=s.code) for s in spans]
        lines = self._layout(spans, self.width, size)
        lh = self._line_height(size, 1.25)
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
            self._draw_line(line, lay.margins.left, pdf.y, lh, size, colour)
            pdf.y += lh
        if level == 1:
            pdf.set_draw_color(*lay.colours["accent"])
            pdf.set_line_width(0.35)
            pdf.line(lay.margins.left, pdf.y + 0.6, lay.margins.left + self.width, pdf.y + 0.6)
            pdf.y += 1.2
        pdf.y += after

    @property
    def y(self) -> float:
        """Current vertical position in millimetres from the top of the page."""
        return self._pdf.y

    def page_break(self) -> None:
        """Continue on a new page (no-op at the top of an empty page)."""
        self._start()
        if self._pdf.y > self._top + 0.01:
            self._new_page()

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
            self._line_height(size),
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
        lh = self._line_height(size)
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
        lh = self._line_height(size, 1.35)
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
                self._draw_line(line, left, top + i * lh, lh, size, colours["muted"])
            for i, line in enumerate(value_lines):
                if top + (i + 1) * lh > self._bottom:  # a value longer than a page continues
                    self._new_page()
                    top = pdf.y - i * lh
                self._draw_line(line, left + key_w, top + i * lh, lh, size, colours["text"])
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
        lh = self._line_height(size)
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
                self._draw_line(
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

    # -- tables ------------------------------------------------------------------------------

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
        return _TableWriter(self, columns, zebra, status_index, font_size).write(rows, empty_text)

    # -- charts ------------------------------------------------------------------------------

    def line_chart(
        self,
        points: Sequence[tuple[str, float]],
        *,
        title: str = "",
        y_min: float = 0,
        y_max: float = 100,
        unit: str = "",
        width: float | None = None,
        height: float = 62,
    ) -> None:
        """A line chart of labelled values (e.g. the score per day); 0, 1 or many points."""
        width = min(width or self.width, self.width)
        total = height + (self._title_height() if title else 0)
        self._room(total)
        y = self._chart_title(title)
        pdf_charts.line_chart(
            self.canvas,
            self.layout.margins.left,
            y,
            width,
            height,
            list(points),
            y_min=y_min,
            y_max=y_max,
            unit=unit,
        )
        self._pdf.y = y + height + self._space("table_after")

    def bar_chart(
        self,
        items: Sequence[tuple[str, float, Colour | None]],
        *,
        title: str = "",
        width: float | None = None,
        bar_height: float = 5.0,
    ) -> None:
        """Horizontal bars with their values (e.g. failing checks by severity).

        A colour is ``#rrggbb``, an RGB tuple, a layout colour/severity/status name, or None.
        """
        width = min(width or self.width, self.width)
        height = pdf_charts.bar_chart_height(len(items), bar_height)
        self._room(height + (self._title_height() if title else 0))
        y = self._chart_title(title)
        resolved = [
            (label, value, self.layout.colour(colour or "accent")) for label, value, colour in items
        ]
        pdf_charts.bar_chart(
            self.canvas, self.layout.margins.left, y, width, resolved, bar_height=bar_height
        )
        self._pdf.y = y + height + self._space("table_after")

    def _title_height(self) -> float:
        return self._line_height(self._size("chart_title")) + 1.5

    def _chart_title(self, title: str) -> float:
        y = self._pdf.y
        if title:
            self.canvas.text(
                self.layout.margins.left,
                y,
                title,
                size=self._size("chart_title"),
                colour=self.layout.colours["text"],
                bold=True,
            )
            y += self._title_height()
        return y

    # -- markdown ----------------------------------------------------------------------------

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
        widths = _auto_widths(natural, minimum, self.width)
        columns = [
            Column(plain_text(header), w / self.width, align)
            for header, w, align in zip(block.header, widths, block.aligns, strict=True)
        ]
        _TableWriter(self, columns, True, None, None).write(block.rows, "")

    # -- output ------------------------------------------------------------------------------

    def output_bytes(self) -> bytes:
        """Finish the document (contents, page numbers) and return the PDF file's bytes."""
        if self._bytes is None:
            self._start()
            if self._toc is None:
                self._stamp_page_numbers(lambda index: index, self._pdf.pages_count)
            try:
                self._bytes = bytes(self._pdf.output())
            finally:
                self._resources.close()
        return self._bytes


def _auto_widths(natural: list[float], minimum: list[float], total: float) -> list[float]:
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


class _TableWriter:
    """Streams rows onto pages; holds one row at a time."""

    def __init__(
        self,
        doc: PdfDocument,
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
        self.lh = doc._line_height(self.size, lay.table_line_height)
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
                doc._draw_line(
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
                status = self.statuses.get(_status_key(cell))
                if status is not None:
                    cell = cell.replace("_", " ")  # NOT COVERED wraps at the space
            spans = self._cell_spans(cell, bold=is_status and status is not None)
            all_lines.append(self.doc._layout(spans, w - 2 * self.pad_x, self.size))
        aligns = [c.align for c in self.columns]
        self._draw_row(all_lines, self.xs, self.widths, status, index, aligns)

    def _draw_row(
        self,
        all_lines: list[list[_Line]],
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
                    doc._draw_line(
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


# --- canvas for charts ------------------------------------------------------------------------


class Canvas:
    """Drawing primitives in millimetres for charts; text goes through the same font fallback."""

    def __init__(self, doc: PdfDocument) -> None:
        self._doc = doc
        self.colours = doc.layout.colours
        self.sizes = doc.layout.sizes

    def measure(self, text: str, *, size: float, bold: bool = False) -> float:
        """Width of ``text`` on one line, in millimetres."""
        doc = self._doc
        pieces = doc._fonts.pieces(text, "B" if bold else "", None)
        return sum(p[3] for p in pieces) * doc._mm(size)

    def measure_spans(
        self, spans: Sequence[Span], *, size: float, bold: bool = False
    ) -> tuple[float, float]:
        """(width on one line, widest unbreakable word) of styled text, in millimetres."""
        doc = self._doc
        fonts, mm = doc._fonts, doc._mm(size)
        total, widest = 0.0, 0.0
        for span in spans:
            style = "B" if bold and not span.code else _style(span)
            for word in re.split(r"\s+", span.text):
                width = sum(p[3] for p in fonts.pieces(word, style, None)) * mm
                widest = max(widest, width)
                total += width + fonts.width(_CHAINS[style][0], " ") * mm
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
        doc = self._doc
        mm = doc._mm(size)
        style = "B" if bold else ""
        pieces = doc._fonts.pieces(" ".join(text.split()), style, None)
        total = sum(p[3] for p in pieces) * mm
        if width and total > width:
            ellipsis = doc._fonts.pieces("…", style, None)
            budget = width / mm - sum(p[3] for p in ellipsis)
            kept: list[Piece] = []
            used = 0.0
            for key, chunk, colour_, _ in pieces:
                for char in chunk:
                    char_w = doc._fonts.width(key, char)
                    if used + char_w > budget:
                        break
                    kept.append((key, char, colour_, char_w))
                    used += char_w
                else:
                    continue
                break
            pieces = _Fonts._merge(kept) + ellipsis
            total = sum(p[3] for p in pieces) * mm
        line = _Line(pieces, sum(p[3] for p in pieces))
        left = x - total if align == "R" else x - total / 2 if align == "C" else x
        lh = line_height or doc._line_height(size)
        doc._draw_line(line, left, top, lh, size, colour or self.colours["text"])
        return total

    def line(
        self, x1: float, y1: float, x2: float, y2: float, *, colour: RGB, width: float = 0.2
    ) -> None:
        pdf = self._doc._pdf
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
        pdf = self._doc._pdf
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
        pdf = self._doc._pdf
        pdf.set_draw_color(*colour)
        pdf.set_line_width(width)
        pdf.polyline(list(points))

    def polygon(self, points: Sequence[tuple[float, float]], *, fill: RGB) -> None:
        pdf = self._doc._pdf
        pdf.set_fill_color(*fill)
        pdf.polyline(list(points), polygon=True, style="F")

    def dot(
        self, x: float, y: float, radius: float, *, fill: RGB, stroke: RGB | None = None
    ) -> None:
        pdf = self._doc._pdf
        pdf.set_fill_color(*fill)
        if stroke:
            pdf.set_draw_color(*stroke)
            pdf.set_line_width(0.3)
        pdf.ellipse(x - radius, y - radius, 2 * radius, 2 * radius, style="DF" if stroke else "F")

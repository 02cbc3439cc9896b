"""The PDF layer shared by generated policies and audit reports: one small document API over fpdf2.

Policy and report code says *what* to print (a cover, headings, paragraphs, lists, long tables,
charts, Markdown); ``PdfDocument`` decides *how*, from the data in ``report_templates/layout.yaml``
(colours, sizes, margins, and the section list of every report type).

``PdfDocument`` is composed of one part per job, each a module of its own:

* ``pdf_layout``: ``layout.yaml`` as dataclasses;
* ``pdf_fonts``: bundled fonts, per-character fallback, measuring and wrapping;
* ``pdf_canvas``: drawing lines of text and vector shapes in millimetres;
* ``pdf_page``: document setup, the page flow, running header, page numbers, output;
* ``pdf_text``: headings, paragraphs, lists, label/value rows, notes, rules;
* ``pdf_tables``: long tables streamed across pages;
* ``pdf_charts``: the line and bar charts;
* ``pdf_markdown_blocks``: Markdown (parsed by ``pdf_markdown``) drawn with the parts above;
* ``pdf_contents``: the cover page and the table of contents.

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

from sentinel_cli.rendering.pdf_canvas import Canvas
from sentinel_cli.rendering.pdf_charts import ChartBlocks
from sentinel_cli.rendering.pdf_contents import FrontMatter
from sentinel_cli.rendering.pdf_layout import (
    REPORT_TYPES,
    RGB,
    TEMPLATES_PACKAGE,
    Colour,
    Column,
    Layout,
    ReportLayout,
    SectionLayout,
    load_layout,
)
from sentinel_cli.rendering.pdf_markdown import Span
from sentinel_cli.rendering.pdf_markdown_blocks import MarkdownBlocks
from sentinel_cli.rendering.pdf_tables import Cell, Tables

__all__ = [
    "REPORT_TYPES",
    "RGB",
    "TEMPLATES_PACKAGE",
    "Canvas",
    "Cell",
    "Colour",
    "Column",
    "Layout",
    "PdfDocument",
    "ReportLayout",
    "SectionLayout",
    "Span",
    "load_layout",
]


class PdfDocument(FrontMatter, MarkdownBlocks, Tables, ChartBlocks):
    """A Sentinel PDF (A4, bundled Unicode fonts, running header, "Page X of Y" footer).

    Content methods append below what is already there and start new pages as needed; call
    ``cover_page`` first if the document has one, then ``table_of_contents`` if wanted, then the
    content, then ``output_bytes``. Every string is printed literally, except in ``markdown``.
    """

"""The shared PDF layer: every element renders, text survives a round trip through pypdf, long
tables stream across pages under a repeated header, the contents' page numbers are right even when
the contents need extra pages, and user text is never interpreted.

Text is read back with pypdf. CJK is checked too: the layer draws it with Droid Sans Fallback,
whose embedded subset carries a ToUnicode map, so "株式会社" extracts reliably. Building a PDF
costs about half a second (font loading), so one full document is built per module and shared.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from pypdf import PdfReader

from sentinel_cli.errors import InvalidInput
from sentinel_cli.rendering.pdf import (
    REPORT_TYPES,
    Column,
    PdfDocument,
    Span,
    load_layout,
)
from sentinel_cli.rendering.pdf_markdown import (
    ListBlock,
    Paragraph,
    Table,
    parse_inline,
    parse_markdown,
    plain_text,
)

TITLE = "SOC 2 Audit Evidence Report"
UNICODE = ("Zoë Müller", "株式会社", "—", "“quotes”")
INJECTIONS = ("{{ 7*7 }}", "<script>alert(1)</script>", "{nb}", "**not bold**")
ROWS = 3000
COLUMNS = [
    Column("Check", 0.27),
    Column("Resource", 0.29),
    Column("Status", 0.13, "C"),
    Column("Collected at (UTC)", 0.19),
    Column("Source", 0.12),
]
STATUSES = ("PASS", "FAIL", "WARNING", "ERROR", "NOT_COVERED")

MARKDOWN = """\
# Access Control Policy

**Acme 株式会社** is owned by *Zoë Müller*; `policy-id` stays code; snake_case_name stays.

## 1. Scope

- production infrastructure
- source code
  - nested repository item
- service accounts

1. First numbered
2. Second numbered

| Item | Detail |
|---|---|
| Owner | Zoë Müller \\| CISO |
| Review | **Annually** |

---

### 1.1 Unknown things

<div>raw html</div> and {{ 7*7 }} stay literal.
"""


def _rows(count: int) -> Iterator[tuple[str, ...]]:
    for i in range(count):
        yield (
            f"check_{i:04d}",
            f"arn:aws:s3:::bucket-{i}-with-a-long-name-that-wraps-in-its-cell",
            STATUSES[i % len(STATUSES)],
            "2025-03-01T12:00:00Z",
            "aws s3",
        )


def _read(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() for page in reader.pages]


@pytest.fixture(scope="module")
def sample() -> tuple[PdfReader, list[str]]:
    doc = PdfDocument(TITLE, subtitle="Acme 株式会社 · 2025-01-01 – 2025-03-31")
    doc.cover_page(
        subtitle="Evidence collected between 1 January and 31 March 2025",
        fields=[
            ("Organisation", "Acme 株式会社"),
            ("Prepared for", "Zoë Müller"),
            ("Period", "2025-01-01 – 2025-03-31"),
            ("Version", "0.1.0"),
        ],
        note="Confidential — prepared for the auditor.",
    )
    doc.table_of_contents()
    doc.heading("Summary", 1)
    doc.paragraph("Prepared for Zoë Müller at 株式会社 — with “quotes”. " + " ".join(INJECTIONS))
    doc.paragraph(
        [Span("Bold lead. ", bold=True), Span("Italic", italic=True), Span(" code", code=True)]
    )
    doc.bullets(["first bullet", "second bullet"])
    doc.numbered(["first step", "second step"])
    doc.key_values([("Owner", "Zoë Müller"), ("Next review", "2026-01-03")])
    for style in ("info", "warning", "error"):
        doc.note(f"A {style} note.", style)  # type: ignore[arg-type]
    doc.line_chart([(f"03-{d:02d}", 50 + d) for d in range(1, 31)], title="Score", unit="%")
    doc.bar_chart(
        [("critical", 2, "critical"), ("high", 7, "high"), ("low", 1, None)], title="By severity"
    )
    doc.heading("Evidence", 1)
    doc.heading("CC6.1 Logical access", 2)
    drawn = doc.table(COLUMNS, _rows(ROWS), status_column="Status")
    assert drawn == ROWS
    doc.heading("Policy", 1)
    doc.markdown(MARKDOWN)
    return _read(doc.output_bytes())


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_metadata_title_and_unicode(sample: tuple[PdfReader, list[str]]) -> None:
    reader, pages = sample
    assert reader.metadata is not None
    assert reader.metadata.title == TITLE
    assert reader.metadata.author == "Sentinel"
    assert str(reader.metadata.get("/CreationDate", "")).endswith("Z")  # UTC
    cover = pages[0]
    assert TITLE in cover
    for text in UNICODE[:3]:
        assert text in cover
    summary = next(p for p in pages if "with “quotes”" in p)
    for text in UNICODE:
        assert text in _flat(summary)


def test_every_page_after_the_cover_is_numbered(sample: tuple[PdfReader, list[str]]) -> None:
    _, pages = sample
    total = len(pages)
    assert "Page 1 of" not in pages[0]  # the cover carries no number
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} of {total}" in text
        assert TITLE in text  # running header


def test_table_of_contents_lists_headings_with_their_pages(
    sample: tuple[PdfReader, list[str]],
) -> None:
    reader, pages = sample
    contents = pages[1]
    assert "Contents" in contents
    entries = dict(
        (name, int(page)) for name, page in re.findall(r"^(.+?) \.{3,} ?(\d+)$", contents, re.M)
    )
    assert {"Summary", "Evidence", "CC6.1 Logical access", "Policy"} <= set(entries)
    for name, page in entries.items():
        assert name in pages[page - 1]
    outline_titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline_titles[:3] == ["Summary", "Evidence", "Policy"]


def test_long_table_spans_pages_and_repeats_its_header(sample: tuple[PdfReader, list[str]]) -> None:
    _, pages = sample
    with_rows = [text for text in pages if re.search(r"check_\d{4}", text)]
    assert len(with_rows) > 10
    for text in with_rows:
        assert "Collected at" in text and "Resource" in text  # header on every page of the table
    ids = [m for text in with_rows for m in re.findall(r"check_(\d{4})", text)]
    assert sorted(map(int, ids)) == list(range(ROWS))  # every row once, in order, none lost
    assert "NOT COVERED" in _flat("\n".join(with_rows))


def test_markdown_keeps_text_and_structure(sample: tuple[PdfReader, list[str]]) -> None:
    _, pages = sample
    text = _flat("\n".join(pages[-3:]))
    for expected in (
        "Access Control Policy",
        "Acme 株式会社 is owned by Zoë Müller",
        "policy-id",
        "snake_case_name",
        "1. Scope",
        "nested repository item",
        "1. First numbered",
        "2. Second numbered",
        "Zoë Müller | CISO",
        "Annually",
        "1.1 Unknown things",
        "<div>raw html</div> and {{ 7*7 }} stay literal.",
    ):
        assert expected in text, expected


def test_user_text_is_never_markup(sample: tuple[PdfReader, list[str]]) -> None:
    _, pages = sample
    summary = _flat(next(p for p in pages if "with “quotes”" in p))
    for injection in INJECTIONS:
        assert injection in summary  # "{nb}" is not replaced by the page count, "**" is kept


def test_table_streams_rows_from_a_generator() -> None:
    doc = PdfDocument("Streaming")
    pages_seen: list[int] = []

    def rows() -> Iterator[tuple[str, str]]:
        for i in range(400):
            if i % 100 == 0:
                pages_seen.append(doc.page_count)
            yield (str(i), "x")

    doc.table([Column("N", 1), Column("X", 1)], rows())
    assert pages_seen == sorted(pages_seen) and pages_seen[-1] > pages_seen[0]


def test_contents_longer_than_a_page_shift_later_page_numbers() -> None:
    doc = PdfDocument("Many sections")
    doc.cover_page(fields=[("Organisation", "Acme")])
    doc.table_of_contents()
    for k in range(1, 76):
        doc.heading(f"Section {k:03d}", 1 if k % 3 == 1 else 2)
        doc.paragraph(f"Body of section {k:03d}. " * 12)
    reader, pages = _read(doc.output_bytes())
    total = len(pages)
    entries = {
        key: int(page)
        for text in pages
        for key, page in re.findall(r"Section (\d{3}) \.+ ?(\d+)", text)
    }
    assert len(entries) == 75
    assert len({i for i, t in enumerate(pages) if re.search(r"Section \d{3} \.+", t)}) >= 2
    for key, page in entries.items():
        assert re.search(rf"^Section {key}$", pages[page - 1], re.M), key
        assert f"Page {page} of {total}" in pages[page - 1]

    def flatten(items: list) -> Iterator:
        for item in items:
            yield from flatten(item) if isinstance(item, list) else [item]

    for item in flatten(reader.outline):
        assert reader.get_destination_page_number(item) + 1 == entries[item.title.split()[1]]


def test_without_a_cover_the_first_page_is_page_one() -> None:
    doc = PdfDocument("Plain")
    doc.paragraph("Hello")
    _, pages = _read(doc.output_bytes())
    assert "Page 1 of 1" in pages[0]


def test_charts_with_no_one_and_many_points() -> None:
    doc = PdfDocument("Charts")
    doc.line_chart([], title="Empty")
    doc.line_chart([("2025-01-01", 42.5)], title="One", unit="%")
    doc.line_chart([(f"d{i}", (i * 37) % 100) for i in range(30)], title="Thirty")
    doc.line_chart(
        [("a", 150), ("b", -20), ("c", float("nan"))], title="Out of range", y_min=0, y_max=100
    )
    doc.bar_chart([], title="No bars")
    doc.bar_chart([("critical", 0, None), ("high", 0, "#123456")], title="Zeros")
    _, pages = _read(doc.output_bytes())
    text = "\n".join(pages)
    assert "No data for this period." in text
    assert "42.5%" in text


def test_emoji_and_unsupported_scripts_do_not_crash() -> None:
    doc = PdfDocument("Glyphs 🚀")
    doc.paragraph("Emoji 😀🚀🧪 and Arabic مرحبا and Korean 한국어 and Greek Ελληνικά")
    doc.table([Column("A")], [("🚀 launch",), ("https://example.com/" + "segment/" * 60,)])
    _, pages = _read(doc.output_bytes())
    assert "Greek Ελληνικά" in pages[0]
    assert "launch" in pages[0]


def test_document_is_final_after_output() -> None:
    doc = PdfDocument("Once")
    first = doc.output_bytes()
    assert doc.output_bytes() is first
    with pytest.raises(RuntimeError):
        doc.paragraph("too late")


def test_bad_arguments_are_clear_errors() -> None:
    doc = PdfDocument("Errors")
    with pytest.raises(ValueError, match="no column titled"):
        doc.table([Column("A")], [], status_column="Status")
    with pytest.raises(ValueError, match="note style"):
        doc.note("x", "fatal")  # type: ignore[arg-type]
    doc.paragraph("content")
    with pytest.raises(ValueError, match="cover_page"):
        doc.cover_page("Late cover")


# --- layout data --------------------------------------------------------------------------------


def test_layout_describes_every_report_type() -> None:
    layout = load_layout()
    assert set(REPORT_TYPES) <= set(layout.reports)
    for report_type in REPORT_TYPES:
        report = layout.report(report_type)
        ids = [s.id for s in report.sections]
        assert ids and len(ids) == len(set(ids)), report_type
        assert all(s.title for s in report.sections)
        assert report.cover_fields
    assert layout.report("EXECUTIVE_SUMMARY").max_pages == 3
    assert layout.report("SOC2_AUDIT").section("manifest").title
    with pytest.raises(InvalidInput):
        layout.report("MONTHLY")


def test_layout_colours_and_tables_are_well_formed() -> None:
    layout = load_layout()
    assert set(STATUSES) <= set(layout.statuses)
    assert {"critical", "high", "medium", "low", "info"} <= set(layout.severities)
    assert layout.colour("#102030") == (16, 32, 48)
    assert layout.colour("high") == layout.severities["high"]
    assert layout.colour("not covered") == layout.statuses["NOT_COVERED"].text
    for table_id, columns in layout.tables.items():
        assert abs(sum(c.width_fraction for c in columns) - 1) < 0.011, table_id


# --- markdown parser ----------------------------------------------------------------------------


def _styles(text: str) -> list[tuple[str, str]]:
    return [
        (s.text, "code" if s.code else ("B" if s.bold else "") + ("I" if s.italic else ""))
        for s in parse_inline(text)
    ]


def test_inline_markdown() -> None:
    assert _styles("**b** and *i* and `c`") == [
        ("b", "B"),
        (" and ", ""),
        ("i", "I"),
        (" and ", ""),
        ("c", "code"),
    ]
    assert _styles("*a **b** c*") == [("a ", "I"), ("b", "BI"), (" c", "I")]
    assert _styles(r"\*lit\* \| \_x\_") == [("*lit* | _x_", "")]
    assert _styles("[site](https://example.com)") == [("site (https://example.com)", "")]
    # Unbalanced or intraword markers, HTML and template syntax stay literal.
    for literal in ("**open", "snake_case_name", "{{ 7*7 }} and 2*3", "<b>x</b>", "a * b * c"):
        assert _styles(literal) == [(literal, "")]


def test_markdown_outside_the_dialect_stays_literal() -> None:
    """markdown-it parses, with only the dialect's rules on: raw HTML, images, autolinks,
    entities, strikethrough and reference links read as typed, and so do setext headings and
    indented code. Inside a list item, heading and quote markers are text."""
    for text in (
        "<script>alert(1)</script> <b>x</b>",
        "![logo](https://e.example/logo.png)",
        "<https://e.example> <mailto:a@e.example>",
        "&amp; &#49; &copy;",
        "~~struck~~",
        "[ref][1] and [ref]",
    ):
        assert parse_markdown(text) == [Paragraph(parse_inline(text))], text
        assert parse_inline(text) == [Span(text)], text
    blocks = parse_markdown("Title\n=====\n\n    indented\n\n[1]: https://e.example\n")
    assert all(isinstance(b, Paragraph) for b in blocks)
    assert [plain_text(b.spans) for b in blocks if isinstance(b, Paragraph)] == [
        "Title =====",
        "indented",
        "[1]: https://e.example",
    ]
    (items,) = parse_markdown("1. # not a heading\n2. > not a quote\n")
    assert isinstance(items, ListBlock)
    assert [plain_text(i.spans) for i in items.items] == ["# not a heading", "> not a quote"]


def test_block_markdown() -> None:
    blocks = parse_markdown(
        "* a\n* b\n  * nested\n    more\n\n3. x\n4. y\n\n| h1 | h2 |\n|:--|--:|\n| 1 \\| 2 | 3 |\n| only |\n"
    )
    bullets, numbers, table = blocks
    assert isinstance(bullets, ListBlock) and not bullets.ordered
    assert [i.spans[0].text for i in bullets.items] == ["a", "b"]
    assert bullets.items[1].children[0].items[0].spans[0].text == "nested more"
    assert isinstance(numbers, ListBlock) and numbers.ordered and numbers.start == 3
    assert isinstance(table, Table)
    assert table.aligns == ["L", "R"]
    assert table.rows[0][0][0].text == "1 | 2"
    assert table.rows[1][1] == []  # short rows are padded

"""The PDF layer's data: ``report_templates/layout.yaml`` parsed into frozen dataclasses.

Page geometry, typography, colours, note styles, table columns and the sections of every report
type are data, so a report's look and contents change without code. ``parse_layout`` fails loudly
on a missing or malformed key: a broken layout is a packaging error, found by the tests, never a
half-drawn PDF.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from sentinel_cli import wire
from sentinel_cli.errors import InvalidInput
from sentinel_cli.yamlio import load_yaml

__all__ = [
    "LAYOUT_FILE",
    "REPORT_TYPES",
    "RGB",
    "TEMPLATES_PACKAGE",
    "Align",
    "Colour",
    "Column",
    "Layout",
    "Margins",
    "NoteColours",
    "ReportLayout",
    "SectionLayout",
    "StatusColours",
    "load_layout",
    "parse_layout",
    "status_key",
]

TEMPLATES_PACKAGE = "sentinel_cli.report_templates"
LAYOUT_FILE = "layout.yaml"
# The documents layout.yaml lays out: the report types and the policy PDF.
REPORT_TYPES: tuple[str, ...] = (*wire.REPORT_TYPES, "POLICY")

RGB = tuple[int, int, int]
Colour = str | RGB
Align = Literal["L", "C", "R"]


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
        status = status_key(key)
        if status in self.statuses:
            return self.statuses[status].text
        raise ValueError(f"unknown colour {value!r}")


def _hex(value: object, where: str) -> RGB:
    text = str(value)
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", text):
        raise ValueError(f"{LAYOUT_FILE}: {where} must be '#rrggbb', got {value!r}")
    return (int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16))


def status_key(value: str) -> str:
    """``not-covered`` / ``Not Covered`` -> ``NOT_COVERED``: how statuses are looked up."""
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

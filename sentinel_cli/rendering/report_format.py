"""What every audit report PDF shares: the rendered result, the progress callback and the small
formatting helpers (days, percentages, plurals, layout columns).

Kept apart from ``reports`` (the audit reports and the entry point) and ``report_executive``
(the executive summary) so that both import it and neither imports the other: ``reports``
dispatches to ``report_executive``, which would otherwise import its helpers back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sentinel_cli.rendering.pdf import Column, PdfDocument

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RenderedReport:
    content: bytes
    pages: int


def day(iso: str | None) -> str:
    return str(iso or "")[:10]


def percent(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.1f}%"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def columns(doc: PdfDocument, table_id: str) -> list[Column]:
    return doc.layout.columns(table_id)


def framework_label(framework_id: str) -> str:
    """The framework's short label (``label`` in its file); the id itself for a framework that
    evidence recorded but whose file is gone."""
    from sentinel_cli.frameworks import discover

    return next((f.label for f in discover() if f.id == framework_id), framework_id)

"""A generated policy as a PDF: title page, revision history, then the policy's Markdown.

Built on the shared PDF layer (``rendering.pdf.PdfDocument``: bundled Unicode fonts with a CJK
fallback, literal text everywhere except its small Markdown dialect), so this module only decides
what a policy document contains. The cover labels and section titles come from the ``POLICY``
entry of ``report_templates/layout.yaml``; the revision-history columns are the ones a policy
record has (version, date, status, approver, SHA-256 prefix) rather than the layout's generic
author/change table, because Sentinel records no per-version change note.

The PDF is a rendering of the stored Markdown, never a re-rendering of the template: the body is
exactly the text whose SHA-256 the cover prints. One adjustment keeps user data literal: the
stored Markdown holds field values as typed (``{{ ''.__class__ }}`` must read the same in the
``.md`` download), but as Markdown ``.__class__`` is bold "class" and ``[x](y)`` a link. So before
drawing, each occurrence of a field value that contains inline Markdown markers gets those markers
backslash-escaped (``_protect_values``), and so is the block marker a value starts with (``1.``,
``-``, ``#``): in ``1. {{ companyName }} shall`` the value "- Evil" must not open a nested list.
Escaping a character that needed none renders the same character, so the only cost of a value
that also occurs in template text is nothing; values without a letter or digit, or shorter than
three characters, are left alone so a value such as ``*`` cannot unmake the template's own
emphasis. Code spans in the templates hold only the template id. The placeholders of a draft's
missing fields (``[Security Officer]``) are protected the same way, so their brackets read as
brackets, never as the start of a link.

fpdf2 is imported (through ``rendering.pdf``) only when this module is, which the operations do
lazily on a PDF download.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sentinel_cli.rendering.pdf import Column, PdfDocument, load_layout
from sentinel_cli.rendering.policies import placeholder

REVISION_COLUMNS: tuple[Column, ...] = (
    Column("Version", 0.11, "C"),
    Column("Date", 0.17),
    Column("Status", 0.15, "C"),
    Column("Approved by", 0.33),
    Column("SHA-256", 0.24),
)
SHA_PREFIX = 12
NOT_APPROVED = "Draft — not approved"


# Inline Markdown markers of the PDF layer's dialect (emphasis, code, links, escapes; ``<>`` too).
_INLINE_MARKERS = re.compile(r"([\\`*_\[\]<>])")
# What opens a block when it starts a line: a heading, list item, rule or fence (``>`` and the
# backtick are inline markers already). Only the first marker needs escaping.
_BLOCK_OPENER = re.compile(r"^(?:\d{1,9}[.)]|[#+~-])")
_MIN_PROTECTED_LENGTH = 3


def _escape_inline(text: str) -> str:
    """Backslash-escape inline markers, keeping a table cell's ``\\|`` (from ``md_cell``) whole."""
    return "\\|".join(_INLINE_MARKERS.sub(r"\\\1", part) for part in text.split("\\|"))


def _escape(text: str) -> str:
    """``_escape_inline``, plus the block marker a value starts with (``1\\. Corp``)."""
    return _BLOCK_OPENER.sub(
        lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], _escape_inline(text)
    )


def _field_strings(data: Mapping[str, Any]) -> set[str]:
    strings: set[str] = set()
    for value in data.values():
        items = value if isinstance(value, list | tuple) else [value]
        strings.update(item for item in items if isinstance(item, str))
    return strings


def _protect_values(markdown: str, data: Mapping[str, Any]) -> str:
    """Escape inline Markdown markers inside every occurrence of a field value (see module doc)."""
    variants: set[str] = set()
    for text in _field_strings(data):
        if len(text) < _MIN_PROTECTED_LENGTH or not any(ch.isalnum() for ch in text):
            continue
        if not (_INLINE_MARKERS.search(text) or _BLOCK_OPENER.match(text)):
            continue
        variants.add(text)
        variants.add(text.replace("|", "\\|"))  # as md_cell writes it inside a table
    if not variants:
        return markdown
    pattern = re.compile("|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True)))
    return pattern.sub(lambda m: _escape(m.group(0)), markdown)


def _day(value: str | None) -> str:
    return (value or "")[:10]


def _approval(policy: Mapping[str, Any]) -> str:
    if policy.get("status") == "APPROVED" and policy.get("approvedBy"):
        return f"Approved by {policy['approvedBy']} on {_day(policy.get('approvedAt'))}"
    if policy.get("status") == "ARCHIVED":
        approved = policy.get("approvedBy")
        return f"Superseded (was approved by {approved})" if approved else "Superseded draft"
    return NOT_APPROVED


def _next_review(policy: Mapping[str, Any]) -> str:
    due = _day(policy.get("nextReviewAt"))
    if not due:
        return "Set when the policy is approved"
    return f"{due} (overdue)" if policy.get("reviewOverdue") else due


def _revision_rows(revisions: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    return [
        [
            str(rev.get("version", "")),
            _day(rev.get("approvedAt")) or _day(rev.get("createdAt")),
            str(rev.get("status", "")),
            str(rev.get("approvedBy") or "—"),
            str(rev.get("sha256") or "")[:SHA_PREFIX],
        ]
        for rev in revisions
    ]


def _created_at(policy: Mapping[str, Any]) -> dt.datetime | None:
    text = policy.get("createdAt")
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def render_policy_pdf(policy: Mapping[str, Any], *, company: str) -> bytes:
    """The PDF bytes of one policy version.

    ``policy`` is the operations' policy shape (camelCase) with ``content`` (the Markdown) and,
    optionally, ``revisions`` (every version of the same template, oldest first); without
    ``revisions`` the history lists this version alone.
    """
    layout = load_layout()
    spec = layout.report("POLICY")
    title = str(policy.get("title") or "Policy")
    version = policy.get("version")
    data = policy.get("data") or {}
    doc = PdfDocument(
        title,
        subtitle=company,
        subject=f"{title}, version {version}",
        keywords=("policy", str(policy.get("templateId") or "")),
        created_at=_created_at(policy),
        layout=layout,
    )
    values = {
        "Organisation": company,
        "Policy": title,
        "Version": f"{version} (template {policy.get('templateId')} "
        f"{policy.get('templateVersion')})",
        "Owner": str(policy.get("owner") or "—"),
        "Approval": _approval(policy),
        "Effective date": str(data.get("effectiveDate") or _day(policy.get("createdAt"))),
        "Next review": _next_review(policy),
    }
    fields = [(label, values.get(label, "")) for label in spec.cover_fields]
    sha = str(policy.get("sha256") or "")
    note = f"SHA-256 of the policy text: {sha}" if sha else ""
    if policy.get("status") != "APPROVED":
        note = f"{_approval(policy)}. {note}".strip()
    doc.cover_page(title, company, fields, note=note)

    history = spec.section("revision_history")
    doc.heading(history.title, 1)
    revisions = policy.get("revisions") or [policy]
    doc.table(REVISION_COLUMNS, _revision_rows(revisions), status_column=None)
    missing = [str(name) for name in policy.get("missingFields") or []]
    if policy.get("status") == "DRAFT":
        doc.note("This version is a draft and has not been approved.", "warning")
        if missing:
            doc.note(
                "Required fields not yet supplied, shown as placeholders: "
                + ", ".join(f"{placeholder(name)} ({name})" for name in missing)
                + ". It cannot be approved until they are set.",
                "warning",
            )
    elif policy.get("status") == "ARCHIVED":
        doc.note("This version has been superseded by a later version.", "warning")
    elif policy.get("reviewOverdue"):
        doc.note(
            f"The review of this policy was due on {_day(policy.get('nextReviewAt'))}.", "warning"
        )
    doc.page_break()
    stand_ins = {f"missing:{name}": placeholder(name) for name in missing}
    doc.markdown(_protect_values(str(policy.get("content") or ""), {**data, **stand_ins}))
    return doc.output_bytes()

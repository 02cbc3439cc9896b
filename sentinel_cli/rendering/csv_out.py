"""CSV output of evidence items: one row per item, for spreadsheets and auditors' sampling.

Control lists are joined with ``;`` inside one cell per framework (a column named by the
framework id in lower case) so the file stays rectangular;
``excepted`` and the exception's reason, owner and expiry get their own columns so a reviewer can
filter accepted risks. Cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``
first) are prefixed with a quote: resource names and messages come from the audited systems.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

BEFORE_CONTROLS = (
    "id",
    "integrationId",
    "jobId",
    "checkId",
    "title",
    "status",
    "excepted",
    "severity",
    "category",
    "resourceId",
    "resourceType",
    "region",
    "collectedAt",
    "message",
)
AFTER_CONTROLS = (
    "remediation",
    "exceptionReason",
    "exceptionOwner",
    "exceptionExpiresAt",
    "sha256",
)


def _safe(value: Any) -> str:
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def _row(item: Mapping[str, Any], frameworks: Sequence[str]) -> list[str]:
    controls = item.get("controls") or {}
    exception = item.get("exception") or {}
    values = {
        **{k: item.get(k) for k in (*BEFORE_CONTROLS, *AFTER_CONTROLS) if k in item},
        "excepted": "true" if item.get("excepted") else "false",
        **{fid.lower(): ";".join(controls.get(fid) or []) for fid in frameworks},
        "remediation": (item.get("remediation") or {}).get("text", ""),
        "exceptionReason": exception.get("reason"),
        "exceptionOwner": exception.get("owner"),
        "exceptionExpiresAt": exception.get("expiresAt"),
    }
    return [_safe(values.get(col)) for col in _columns(frameworks)]


def _columns(frameworks: Sequence[str]) -> tuple[str, ...]:
    return (*BEFORE_CONTROLS, *(fid.lower() for fid in frameworks), *AFTER_CONTROLS)


def render_csv(items: Sequence[Mapping[str, Any]]) -> str:
    from sentinel_cli.frameworks import with_every_framework

    # Every framework the items name (a server's, in client mode) and every one known here.
    named: dict[str, list[str]] = {fid: [] for item in items for fid in item.get("controls") or {}}
    frameworks = list(with_every_framework(named))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_columns(frameworks))
    for item in items:
        writer.writerow(_row(item, frameworks))
    return buffer.getvalue()

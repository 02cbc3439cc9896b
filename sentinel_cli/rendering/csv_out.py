"""CSV output of evidence items: one row per item, for spreadsheets and auditors' sampling.

Control lists are joined with ``;`` inside one cell per framework so the file stays rectangular;
``excepted`` and the exception's reason, owner and expiry get their own columns so a reviewer can
filter accepted risks. Cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``
first) are prefixed with a quote: resource names and messages come from the audited systems.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

COLUMNS = (
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
    "soc2",
    "iso27001",
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


def _row(item: Mapping[str, Any]) -> list[str]:
    controls = item.get("controls") or {}
    exception = item.get("exception") or {}
    values = {
        **{k: item.get(k) for k in COLUMNS if k in item},
        "excepted": "true" if item.get("excepted") else "false",
        "soc2": ";".join(controls.get("SOC2") or []),
        "iso27001": ";".join(controls.get("ISO27001") or []),
        "remediation": (item.get("remediation") or {}).get("text", ""),
        "exceptionReason": exception.get("reason"),
        "exceptionOwner": exception.get("owner"),
        "exceptionExpiresAt": exception.get("expiresAt"),
    }
    return [_safe(values.get(col)) for col in COLUMNS]


def render_csv(items: Sequence[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for item in items:
        writer.writerow(_row(item))
    return buffer.getvalue()

"""The evidence filters as URL query parameters: read from a request, handed to the operation, and
written back as a canonical, shareable query string (``/evidence?status=FAIL&severity=critical``).

The parameters are the CLI's options (``sentinel evidence list``): ``status``, ``severity`` and
``category`` (repeatable, or comma lists), ``integration``, ``framework``, ``control``, ``as_of``
(``--as-of``), plus ``limit``, ``offset`` and ``sort`` for paging. Values are passed to the
operation as typed: it validates them and names the allowed values in its errors, exactly as for
the CLI and the API. Empty fields (a form submitted with nothing chosen) mean "not given".
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, cast
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

MULTI = ("status", "severity", "category")
SINGLE = ("integration", "framework", "control", "as_of")
PAGING = ("limit", "offset", "sort")
PAGE_SIZES = (25, 50, 100, 200)


def _values(params: QueryParams, name: str) -> tuple[str, ...]:
    parts = (part.strip() for value in params.getlist(name) for part in value.split(","))
    return tuple(dict.fromkeys(part for part in parts if part))


@dataclass(frozen=True)
class EvidenceFilters:
    status: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    integration: str = ""
    framework: str = ""
    control: str = ""
    as_of: str = ""
    limit: str = ""
    offset: str = ""
    sort: str = ""

    @classmethod
    def from_query(cls, params: QueryParams) -> EvidenceFilters:
        def one(name: str) -> str:
            return (params.get(name) or "").strip()

        return cls(
            status=_values(params, "status"),
            severity=_values(params, "severity"),
            category=_values(params, "category"),
            integration=one("integration"),
            framework=one("framework"),
            control=one("control"),
            as_of=one("as_of"),
            limit=one("limit"),
            offset=one("offset"),
            sort=one("sort"),
        )

    def operation_args(self) -> dict[str, Any]:
        """Keyword arguments of ``operations.evidence.evidence_listing`` (``None``: not given)."""
        out: dict[str, Any] = {name: list(getattr(self, name)) or None for name in MULTI}
        out.update({name: getattr(self, name) or None for name in SINGLE})
        return out

    def has(self, name: str, value: str) -> bool:
        """Whether a multi-valued filter includes ``value`` (case-insensitive, for checkboxes)."""
        return value.lower() in (v.lower() for v in getattr(self, name))

    @property
    def active(self) -> bool:
        """Whether any filter (not paging) is set."""
        return any(getattr(self, name) for name in (*MULTI, *SINGLE))

    def pairs(self, *, paging: bool = True) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for field in fields(self):
            if not paging and field.name in PAGING:
                continue
            value = getattr(self, field.name)
            values = value if isinstance(value, tuple) else (value,)
            out.extend((field.name, v) for v in values if v)
        return out

    def query(self, *, paging: bool = True, **changes: str) -> str:
        """The canonical query string (no empty values), with ``changes`` applied."""
        changed = replace(self, **cast(dict[str, Any], changes)) if changes else self
        return urlencode(changed.pairs(paging=paging))

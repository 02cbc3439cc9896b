"""Generated policies: one row per version of a policy, never overwritten.

Regenerating a template adds the next version number for that template (``UNIQUE (template_id,
version)`` in the schema guards against two writers picking the same number; callers compute the
number inside their write transaction). Rows are only updated to record an approval or to archive a
version superseded by a newer approved one, so the revision history an auditor sees is the table
itself. Content is stored as generated, with its SHA-256, so a downloaded document can be checked
against the store. ``missing_fields`` lists the required fields a draft shows as placeholders.
"""

from __future__ import annotations

import builtins
from typing import Any

from sentinel_cli.jsonio import dumps, loads
from sentinel_cli.store.database import Database, Row

_COLUMNS = (
    "id, template_id, template_version, title, version, status, owner, approved_by, approved_at, "
    "next_review_at, data, content, sha256, created_at, updated_at, created_by, missing_fields"
)
# Listings leave out the Markdown body: it is the bulk of the row and tables never show it.
_SUMMARY_COLUMNS = (
    "id, template_id, template_version, title, version, status, owner, approved_by, approved_at, "
    "next_review_at, sha256, created_at, updated_at, created_by, missing_fields"
)


def _row(row: Row) -> dict[str, Any]:
    out = dict(row)
    if "data" in out:
        out["data"] = loads(out["data"], {})
    if "missing_fields" in out:
        out["missing_fields"] = loads(out["missing_fields"], [])
    return out


class PoliciesRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn

    def insert(
        self,
        *,
        policy_id: str,
        template_id: str,
        template_version: str,
        title: str,
        version: int,
        owner: str | None,
        data: dict[str, Any],
        content: str,
        sha256: str,
        created_at: str,
        created_by: str | None = None,
        status: str = "DRAFT",
        missing_fields: list[str] | None = None,
    ) -> None:
        self.conn.execute(
            f"INSERT INTO policies ({_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?, ?, ?, ?, ?, ?)",
            (
                policy_id,
                template_id,
                template_version,
                title,
                version,
                status,
                owner,
                dumps(data),
                content,
                sha256,
                created_at,
                created_at,
                created_by,
                dumps(list(missing_fields or [])),
            ),
        )

    def next_version(self, template_id: str) -> int:
        row = self.conn.execute(
            "SELECT COALESCE(MAX(version), 0) FROM policies WHERE template_id = ?", (template_id,)
        ).fetchone()
        return int(row[0]) + 1

    def get(self, policy_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM policies WHERE id = ?", (policy_id,)
        ).fetchone()
        return None if row is None else _row(row)

    def find_by_prefix(self, prefix: str, *, limit: int = 2) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM policies WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
            (prefix, prefix + "\uffff", limit),
        ).fetchall()
        return [_row(r) for r in rows]

    # Below this method, ``list`` in an annotation names it: they say ``builtins.list``.
    def list(self, *, all_versions: bool = False) -> list[dict[str, Any]]:
        """Policies ordered by title then version; only each template's latest version by default."""
        where = (
            ""
            if all_versions
            else "WHERE version = (SELECT MAX(version) FROM policies AS p2 "
            "WHERE p2.template_id = policies.template_id)"
        )
        # lower() folds ASCII letters only, as SQLite's NOCASE does (and PostgreSQL's under the
        # C locale), so both databases list titles in the same case-blind order.
        rows = self.conn.execute(
            f"SELECT {_SUMMARY_COLUMNS} FROM policies {where} "
            "ORDER BY lower(title), template_id, version DESC"
        ).fetchall()
        return [_row(r) for r in rows]

    def history(self, template_id: str) -> builtins.list[dict[str, Any]]:
        """Every version of one template, oldest first (the revision history)."""
        rows = self.conn.execute(
            f"SELECT {_SUMMARY_COLUMNS} FROM policies WHERE template_id = ? ORDER BY version",
            (template_id,),
        ).fetchall()
        return [_row(r) for r in rows]

    def in_force(self) -> builtins.list[dict[str, Any]]:
        """For each template, its newest APPROVED version (the one in force), if any."""
        rows = self.conn.execute(
            f"SELECT {_SUMMARY_COLUMNS} FROM policies WHERE status = 'APPROVED' AND version = "
            "(SELECT MAX(version) FROM policies AS p2 WHERE p2.template_id = policies.template_id "
            "AND p2.status = 'APPROVED') ORDER BY template_id"
        ).fetchall()
        return [_row(r) for r in rows]

    def approve(
        self, policy_id: str, *, approved_by: str, approved_at: str, next_review_at: str
    ) -> None:
        self.conn.execute(
            "UPDATE policies SET status = 'APPROVED', approved_by = ?, approved_at = ?, "
            "next_review_at = ?, updated_at = ? WHERE id = ?",
            (approved_by, approved_at, next_review_at, approved_at, policy_id),
        )

    def archive_older(self, template_id: str, version: int, *, at: str) -> int:
        """Archive every earlier, not yet archived version of a template; returns how many."""
        cur = self.conn.execute(
            "UPDATE policies SET status = 'ARCHIVED', updated_at = ? "
            "WHERE template_id = ? AND version < ? AND status != 'ARCHIVED'",
            (at, template_id, version),
        )
        return cur.rowcount

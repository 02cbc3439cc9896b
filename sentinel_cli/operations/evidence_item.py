"""One evidence item in full (``sentinel evidence show``, ``GET /api/evidence/{id}``): its raw
data, check description, control titles and the history of the same check on the same resource.

The exception shown is the one in force now: an item collected before an exception was granted
reads as excepted, as it does in the current listing.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sentinel_cli.errors import InvalidInput, NotFound
from sentinel_cli.operations.exceptions import rules_at
from sentinel_cli.operations.shapes import item_shape
from sentinel_cli.store import Store
from sentinel_cli.timeutil import to_iso, utcnow
from sentinel_cli.wire import ControlRef, EvidenceData, EvidenceDetail


def _find_one(store: Store, evidence_id: str) -> dict[str, Any]:
    ident = (evidence_id or "").strip()
    matches = store.queries.find(ident) if ident else []
    if len(matches) == 1 and (matches[0]["id"] == ident or len(ident) >= 4):
        return matches[0]
    if len(matches) > 1 and len(ident) >= 4:
        raise InvalidInput(f"evidence id prefix {ident!r} is ambiguous: give more characters")
    raise NotFound(
        f"no evidence item with id {ident!r}",
        hint="ids are in sentinel evidence list --json; any unique prefix of 4+ characters works",
    )


def get_evidence(store: Store, evidence_id: str, *, now: datetime | None = None) -> EvidenceData:
    """One item in full: raw data, description, control titles, remediation, its history."""
    row = _find_one(store, evidence_id)
    at = to_iso(now or utcnow())
    rules = rules_at(store, at)
    row["exception_id"] = rules.match(row["check_id"], row["resource_id"], row["status"])
    item = item_shape(row, rules)

    raw_text = store.queries.raw_data(row["sha256"])

    from sentinel_cli.checks import all_metadata
    from sentinel_cli.frameworks import discover

    meta = all_metadata().get(row["check_id"])
    known = {f.id: f.controls for f in discover()}
    details: dict[str, list[ControlRef]] = {}
    for fid, control_ids in item["controls"].items():
        controls = known.get(fid, {})
        details[fid] = [
            {"id": cid, "title": controls[cid].title if cid in controls else None}
            for cid in control_ids
        ]
    current_jobs = {j["job_id"] for j in store.queries.jobs_at(at)}
    detail: EvidenceDetail = {
        **item,
        "rawData": json.loads(raw_text) if raw_text is not None else None,
        "description": meta.description if meta is not None else "",
        "controlDetails": details,
        "current": row["job_id"] in current_jobs,
        "history": [
            {
                "evidenceId": h["id"],
                "jobId": h["job_id"],
                "collectedAt": h["collected_at"],
                "status": h["status"],
                "sha256": h["sha256"],
            }
            for h in store.queries.history(
                integration_id=row["integration_id"],
                check_id=row["check_id"],
                resource_id=row["resource_id"],
                until=row["collected_at"],
            )
            if h["id"] != row["id"]
        ],
    }
    return {"evidence": detail}

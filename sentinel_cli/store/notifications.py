"""Notification destinations, their deliveries (the log) and the reminders already announced.

A destination's ``events`` column is a JSON list (``jsonio.dumps``); the few destinations a team
has are filtered by event in Python. Deliveries keep no foreign key to their destination, so the log
outlives a removed one; listings join the destination when it still exists. A delivery's state
only moves forward: ``record_attempt`` updates a PENDING row only, so a delivery sent twice by two
workers (a task re-run after a lost acknowledgement) is recorded once. ``claim_reminder`` is the
once-per-item rule of reminders: an ``ON CONFLICT DO NOTHING`` on (event, item, due date), true
for the one caller that inserted.

``job_facts`` reads the columns of a collection job that notifications need (its outcome, how it
failed, when it ran) with the integration's name, so planning a job's messages is one query.
"""

from __future__ import annotations

import builtins
from typing import Any

from sentinel_cli.jsonio import dumps, loads
from sentinel_cli.store.database import Database, Row

_DESTINATION_COLUMNS = "id, kind, target, events, min_severity, created_by, created_at"
_DELIVERY_COLUMNS = (
    "d.id, d.destination_id, d.event, d.integration_id, d.job_id, d.status, d.attempts, "
    "d.response_status, d.last_error, d.created_at, d.updated_at, d.delivered_at, "
    "n.kind AS destination_kind, n.target AS destination_target"
)
_DELIVERIES = "notify_deliveries d LEFT JOIN notify_destinations n ON n.id = d.destination_id"


def _destination(row: Row) -> dict[str, Any]:
    out = dict(row)
    out["events"] = loads(out["events"], [])
    return out


class NotificationsRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn

    # -- destinations -------------------------------------------------------------------------

    def insert_destination(
        self,
        *,
        destination_id: str,
        kind: str,
        target: str,
        events: builtins.list[str],
        min_severity: str | None,
        created_by: str | None,
        created_at: str,
    ) -> None:
        self.conn.execute(
            f"INSERT INTO notify_destinations ({_DESTINATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (destination_id, kind, target, dumps(events), min_severity, created_by, created_at),
        )

    def get_destination(self, destination_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            f"SELECT {_DESTINATION_COLUMNS} FROM notify_destinations WHERE id = ?",
            (destination_id,),
        ).fetchone()
        return None if row is None else _destination(row)

    def destinations_by_prefix(self, prefix: str) -> builtins.list[dict[str, Any]]:
        """Destinations whose id starts with ``prefix`` (a text range, exact on both databases
        since ids compare byte by byte: no LIKE wildcards)."""
        rows = self.conn.execute(
            f"SELECT {_DESTINATION_COLUMNS} FROM notify_destinations WHERE id >= ? AND id < ? "
            "ORDER BY id LIMIT 2",
            (prefix, prefix + "\uffff"),
        ).fetchall()
        return [_destination(r) for r in rows]

    def list_destinations(self) -> builtins.list[dict[str, Any]]:
        """Every destination, oldest first."""
        rows = self.conn.execute(
            f"SELECT {_DESTINATION_COLUMNS} FROM notify_destinations ORDER BY created_at, id"
        ).fetchall()
        return [_destination(r) for r in rows]

    def destinations_for(self, event: str) -> builtins.list[dict[str, Any]]:
        """The destinations that want ``event``."""
        return [d for d in self.list_destinations() if event in d["events"]]

    def delete_destination(self, destination_id: str) -> bool:
        cur = self.conn.execute("DELETE FROM notify_destinations WHERE id = ?", (destination_id,))
        return cur.rowcount == 1

    # -- deliveries ---------------------------------------------------------------------------

    def insert_delivery(
        self,
        *,
        delivery_id: str,
        destination_id: str,
        event: str,
        integration_id: str | None,
        job_id: str | None,
        payload: str,
        created_at: str,
    ) -> None:
        self.conn.execute(
            "INSERT INTO notify_deliveries (id, destination_id, event, integration_id, job_id, "
            "payload, status, attempts, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, 'PENDING', 0, ?, ?)",
            (
                delivery_id,
                destination_id,
                event,
                integration_id,
                job_id,
                payload,
                created_at,
                created_at,
            ),
        )

    def get_delivery(self, delivery_id: str) -> dict[str, Any] | None:
        """A delivery with its payload and (while it exists) its destination's kind and target."""
        row = self.conn.execute(
            f"SELECT {_DELIVERY_COLUMNS}, d.payload FROM {_DELIVERIES} WHERE d.id = ?",
            (delivery_id,),
        ).fetchone()
        return None if row is None else dict(row)

    def deliveries_of_job(self, job_id: str) -> builtins.list[dict[str, Any]]:
        """The deliveries planned for one collection job, oldest first (without payloads)."""
        rows = self.conn.execute(
            f"SELECT {_DELIVERY_COLUMNS} FROM {_DELIVERIES} WHERE d.job_id = ? "
            "ORDER BY d.created_at, d.rowid",
            (job_id,),
        ).fetchall()
        return [dict(r) for r in rows]

    def list_deliveries(
        self,
        *,
        destination_id: str | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> builtins.list[dict[str, Any]]:
        """Recent deliveries, newest first (without payloads), optionally of one destination
        and/or in one status."""
        where: builtins.list[str] = []
        params: builtins.list[Any] = []
        if destination_id is not None:
            where.append("d.destination_id = ?")
            params.append(destination_id)
        if status is not None:
            where.append("d.status = ?")
            params.append(status)
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        rows = self.conn.execute(
            f"SELECT {_DELIVERY_COLUMNS} FROM {_DELIVERIES} {clause}"
            "ORDER BY d.created_at DESC, d.rowid DESC LIMIT ?",
            (*params, limit),
        ).fetchall()
        return [dict(r) for r in rows]

    def record_attempt(
        self,
        delivery_id: str,
        *,
        status: str,
        response_status: int | None,
        last_error: str | None,
        at: str,
    ) -> bool:
        """Count one attempt of a PENDING delivery and set its state (``PENDING`` again for a
        retry); false when the delivery was no longer PENDING (another worker finished it)."""
        cur = self.conn.execute(
            "UPDATE notify_deliveries SET status = ?, attempts = attempts + 1, "
            "response_status = ?, last_error = ?, updated_at = ?, "
            "delivered_at = CASE WHEN ? = 'DELIVERED' THEN ? ELSE delivered_at END "
            "WHERE id = ? AND status = 'PENDING'",
            (status, response_status, last_error, at, status, at, delivery_id),
        )
        return cur.rowcount == 1

    # -- reminders ----------------------------------------------------------------------------

    def claim_reminder(self, *, event: str, item_id: str, due_date: str, sent_at: str) -> bool:
        """Remember that ``item_id`` was announced for ``due_date``; true only the first time."""
        cur = self.conn.execute(
            "INSERT INTO notify_reminders (event, item_id, due_date, sent_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (event, item_id, due_date, sent_at),
        )
        return cur.rowcount == 1

    # -- what a job's messages say -------------------------------------------------------------

    def job_facts(self, job_id: str) -> dict[str, Any] | None:
        """A collection job's outcome, failure kind and times, with its integration's name."""
        row = self.conn.execute(
            "SELECT j.id, j.integration_id, j.status, j.failure_kind, j.error_message, "
            "j.started_at, j.run_started_at, j.finished_at, j.total_count, j.pass_count, "
            "j.fail_count, j.warning_count, j.error_count, i.name AS integration_name, "
            "i.type AS integration_type "
            "FROM collection_jobs j JOIN integrations i ON i.id = j.integration_id WHERE j.id = ?",
            (job_id,),
        ).fetchone()
        return None if row is None else dict(row)

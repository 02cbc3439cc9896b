"""Risk exceptions (accepted risks): add, list, remove, and the rules in force at a moment.

An exception names a check and a glob of resource ids (``fnmatch`` syntax, case-sensitive, ``*`` by
default), a reason, an owner and an expiry date. It covers its items through the *end* of the expiry
day (23:59:59 UTC) and no longer: the day after, the items count as failing again, with no action
needed. Only FAIL and WARNING items can be excepted — an ERROR means the check could not be evaluated,
and accepting "we do not know" would turn an error into a pass. An excepted item keeps its status
(FAIL stays FAIL, with ``excepted: true``); what changes is that it does not count as failing for
the score or for CI gating.

Every clock reading goes through the ``now`` argument so tests move time instead of sleeping.
Removal is a soft delete, so past views (``--as-of``) and audit reports see which exceptions were in
force when. Adding and removing write activity entries for the dashboard and the audit trail.

Accepting a risk is bounded so one MEMBER cannot silence a check everywhere for ever: an exception
a MEMBER sets lasts at most ``exceptions.maxDays`` days (``settings.yaml`` in the Sentinel home,
which only the machine's owner or the server's operator can edit; 365 by default), and a pattern
matching every resource (only ``*`` and ``?``) needs an ADMIN. ADMINs, who answer for the risk
register, are not capped; the local CLI is the machine's owner (ADMIN).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sentinel_cli.errors import Conflict, Forbidden, InvalidInput
from sentinel_cli.operations.ids import resolve_id
from sentinel_cli.store import Store
from sentinel_cli.store.queries import ExceptionRules
from sentinel_cli.timeutil import to_iso, utcnow
from sentinel_cli.wire import ExceptionData, ExceptionList, RiskException

EXCEPTABLE_STATUSES: tuple[str, ...] = ("FAIL", "WARNING")
_CHECK_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_REASON = 2000
DEFAULT_MAX_DAYS = 365


def _now(now: datetime | None) -> datetime:
    return (now or utcnow()).astimezone(UTC)


def rules_at(store: Store, at: str) -> ExceptionRules:
    """The exceptions in force at ``at`` (ISO timestamp), ready for the evidence queries."""
    return ExceptionRules(tuple(store.exceptions.active_at(at)), EXCEPTABLE_STATUSES)


def state_of(row: dict[str, Any], at: str) -> str:
    if row.get("removed_at") and row["removed_at"] <= at:
        return "REMOVED"
    if row["expires_at"] < at:
        return "EXPIRED"
    return "ACTIVE"


def exception_shape(row: dict[str, Any], *, at: str) -> RiskException:
    return {
        "id": row["id"],
        "checkId": row["check_id"],
        "resourcePattern": row["resource_pattern"],
        "reason": row["reason"],
        "owner": row["owner"],
        "expiresAt": row["expires_at"],
        "createdAt": row["created_at"],
        "createdBy": row.get("created_by"),
        "removedAt": row.get("removed_at"),
        "state": state_of(row, at),
    }


def _known_check_ids(store: Store) -> set[str]:
    """Check ids from the catalogues plus those already in collected evidence (retired checks)."""
    from sentinel_cli.checks import all_metadata

    return set(all_metadata()) | set(store.queries.check_ids_present())


def validate_check_id(store: Store, check_id: str) -> str:
    value = (check_id or "").strip()
    if not value:
        raise InvalidInput("--check is required: the id of the check to except")
    known = _known_check_ids(store)
    if known and value not in known:
        close = sorted(k for k in known if value.split("_")[0] in k)[:5] or sorted(known)[:5]
        raise InvalidInput(
            f"unknown check {value!r}",
            hint="check ids look like " + ", ".join(close) + " (see sentinel evidence list)",
        )
    if not known and not _CHECK_ID_RE.match(value):
        # No catalogue loaded and no evidence yet: at least insist on the id convention.
        raise InvalidInput(
            f"{value!r} is not a check id", hint="e.g. aws_s3_bucket_default_encryption"
        )
    return value


def parse_expiry(value: str, *, now: datetime) -> str:
    """``YYYY-MM-DD`` -> the last second of that day (UTC), which must be in the future."""
    text = (value or "").strip()
    try:
        day = date.fromisoformat(text)
        if len(text) != 10:
            raise ValueError(text)
    except ValueError as exc:
        raise InvalidInput(
            f"--expires: {value!r} is not a date", hint="use YYYY-MM-DD, e.g. 2025-12-31"
        ) from exc
    expires_at = f"{day.isoformat()}T23:59:59Z"
    if expires_at <= to_iso(now):
        raise InvalidInput(
            f"--expires {day.isoformat()} is in the past: an exception must expire in the future",
            hint=f"use today ({now.date().isoformat()}) or a later date",
        )
    return expires_at


def max_days() -> int:
    """The longest an exception may last: ``exceptions.maxDays`` in ``settings.yaml``."""
    from sentinel_cli.config import Settings, load_user_settings

    settings = Settings.from_env()
    section = load_user_settings(settings).get("exceptions") or {}
    value = section.get("maxDays", DEFAULT_MAX_DAYS) if isinstance(section, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(
            f"{settings.settings_file}: exceptions.maxDays must be a whole number of days >= 1",
            hint=f"e.g. exceptions: {{maxDays: {DEFAULT_MAX_DAYS}}}",
        )
    return value


def matches_everything(pattern: str) -> bool:
    """A glob made only of ``*`` and ``?`` matches (nearly) every resource id."""
    return set(pattern) <= {"*", "?"}


def _check_duration(expires_at: str, moment: datetime) -> None:
    """A non-ADMIN's exception may last at most ``max_days()`` days from today."""
    limit = max_days()
    try:
        last_day = (moment + timedelta(days=limit)).date().isoformat()
    except OverflowError:
        last_day = date.max.isoformat()
    if expires_at[:10] > last_day:
        raise InvalidInput(
            f"--expires {expires_at[:10]} is more than {limit} days away: an exception lasts at "
            f"most {limit} days (exceptions.maxDays in settings.yaml), so {last_day} at the latest",
            hint=f"use --expires {last_day} or earlier, and renew it when it expires",
        )


def add_exception(
    store: Store,
    *,
    check_id: str,
    reason: str,
    owner: str,
    expires: str,
    resource: str | None = None,
    actor: str | None = None,
    role: str | None = None,
    now: datetime | None = None,
) -> ExceptionData:
    """Record an accepted risk for ``check_id`` on resources matching ``resource`` (a glob).

    ``role`` is the caller's (the API passes the principal's); ``None`` is the local owner."""
    moment = _now(now)
    check = validate_check_id(store, check_id)
    pattern = (resource or "*").strip() or "*"
    if len(pattern) > 1000:
        raise InvalidInput("--resource is longer than 1000 characters")
    if matches_everything(pattern) and role not in (None, "ADMIN"):
        raise Forbidden(
            f"only an ADMIN may except every resource ({pattern!r}); "
            "name a resource pattern with --resource (resourcePattern)",
            hint="e.g. --resource 'arn:aws:s3:::my-bucket*'",
        )
    why = (reason or "").strip()
    if not why:
        raise InvalidInput("--reason is required: say why the risk is accepted")
    if len(why) > MAX_REASON:
        raise InvalidInput(f"--reason is longer than {MAX_REASON} characters")
    who = (owner or "").strip()
    from sentinel_cli.operations.users import is_email

    if not is_email(who):
        raise InvalidInput(
            f"--owner: {owner!r} is not an email address",
            hint="name the person accountable for the risk, e.g. --owner cto@example.com",
        )
    expires_at = parse_expiry(expires, now=moment)
    if role not in (None, "ADMIN"):
        _check_duration(expires_at, moment)
    import uuid

    exception_id = str(uuid.uuid4())
    created_at = to_iso(moment)
    with store.transaction():
        store.exceptions.insert(
            exception_id=exception_id,
            check_id=check,
            resource_pattern=pattern,
            reason=why,
            owner=who,
            expires_at=expires_at,
            created_at=created_at,
            created_by=actor,
        )
        store.activity.record(
            "exception.added",
            f"Risk accepted for {check} on '{pattern}' until {expires_at[:10]} (owner {who})",
            actor=actor,
            target_type="exception",
            target_id=exception_id,
            details={"checkId": check, "resourcePattern": pattern, "expiresAt": expires_at},
            at=created_at,
        )
    row = store.exceptions.get(exception_id)
    assert row is not None
    return {"exception": exception_shape(row, at=created_at)}


def list_exceptions(
    store: Store, *, include_all: bool = False, now: datetime | None = None
) -> ExceptionList:
    """Exceptions in force now (``include_all``: also expired and removed ones)."""
    at = to_iso(_now(now))
    items = [exception_shape(r, at=at) for r in store.exceptions.list()]
    if not include_all:
        items = [i for i in items if i["state"] == "ACTIVE"]
    return {"exceptions": items}


def resolve_exception(store: Store, exception_id: str) -> dict[str, Any]:
    return resolve_id(
        exception_id,
        get=store.exceptions.get,
        find_by_prefix=store.exceptions.find_by_prefix,
        noun="exception",
        hint="run 'sentinel exceptions list --all' to see them",
    )


def remove_exception(
    store: Store, exception_id: str, *, actor: str | None = None, now: datetime | None = None
) -> ExceptionData:
    """End an exception now (kept in the store for history and audit reports)."""
    at = to_iso(_now(now))
    row = resolve_exception(store, exception_id)
    if row.get("removed_at"):
        raise Conflict(f"exception {row['id']} was already removed on {row['removed_at']}")
    with store.transaction():
        store.exceptions.mark_removed(row["id"], at=at)
        store.activity.record(
            "exception.removed",
            f"Risk exception for {row['check_id']} on '{row['resource_pattern']}' removed",
            actor=actor,
            target_type="exception",
            target_id=row["id"],
            details={"checkId": row["check_id"], "resourcePattern": row["resource_pattern"]},
            at=at,
        )
    removed = store.exceptions.get(row["id"])
    assert removed is not None
    return {"exception": exception_shape(removed, at=at)}

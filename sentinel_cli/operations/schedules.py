"""Collection schedules: when each integration is collected without anyone asking.

A schedule is a fixed interval (``--every 90m``, ``6h``, ``1d``: units m, h, d, from 1 minute to
365 days) or a five-field cron line read in UTC (``--cron "0 */6 * * *"``, parsed by croniter). Its
``next_run_at`` is the next slot: setting one puts it one interval from now (or at the cron line's
next slot), so saving a schedule never starts a collection by itself.

The queue's workers (``sentinel_cli.tasks``) run the collections; this module only says which are
due. ``claim_due`` moves each due schedule to its first slot strictly after *now* with a
conditional UPDATE inside one write transaction, so of two workers reading the same slot exactly
one wins it, and slots missed while no worker ran (a server down for a day) collapse into a single
run. An interval keeps its phase (a schedule set at 10:03 every 6h stays on :03). A schedule of a
removed integration is dropped when a worker comes to it, and never listed.

Every clock reading goes through the ``now`` argument so tests move time instead of sleeping.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sentinel_cli.errors import InvalidInput, NotFound
from sentinel_cli.operations.integrations import resolve_integration
from sentinel_cli.store import Store
from sentinel_cli.timeutil import parse_iso, to_iso, utcnow
from sentinel_cli.wire import Schedule

UNITS: dict[str, int] = {"m": 60, "h": 3600, "d": 86400}
"""The units of ``--every``, in seconds."""
MIN_EVERY_SECONDS = 60
MAX_EVERY_SECONDS = 365 * 86400
MAX_CRON_CHARS = 200
MAX_OUTCOME_CHARS = 200
EVERY_HINT = "a whole number and a unit, m (minutes), h (hours) or d (days): e.g. 90m, 6h or 1d"
CRON_HINT = (
    "five fields, minute hour day-of-month month day-of-week, in UTC: "
    "e.g. --cron '0 */6 * * *' (every 6 hours, on the hour)"
)
RETRY_BROKEN_CRON = timedelta(days=1)
"""How far a worker pushes a stored cron line it can no longer compute (croniter changed)."""

_EVERY_RE = re.compile(r"^(\d+)\s*([a-z]+)$")
# croniter's hashed (H) and random (R) values depend on a seed we do not give: refused, as a
# standalone letter only (month and day names such as MAR or THU hold those letters too).
_SEEDED_RE = re.compile(r"(?<![a-z])[hr](?![a-z])", re.IGNORECASE)


def _shown(value: str) -> str:
    """What the user typed, for a message: stripped, and cut when it is long."""
    text = value.strip()
    return text if len(text) <= 40 else text[:37] + "..."


def _now(now: datetime | None) -> datetime:
    """The moment in UTC to the second: the same value every comparison and slot uses."""
    return (now or utcnow()).astimezone(UTC).replace(microsecond=0)


# -- parsing ------------------------------------------------------------------------------------


def parse_every(value: str) -> int:
    """``--every`` in seconds: ``90m``, ``6h``, ``1d``; at least a minute, at most 365 days."""
    text = (value or "").strip().lower()
    if not text:
        raise InvalidInput("--every: empty value", hint=f"give an interval, {EVERY_HINT}")
    match = _EVERY_RE.match(text)
    if match is None:
        raise InvalidInput(
            f"--every: {_shown(value)!r} is not an interval", hint=f"use {EVERY_HINT}"
        )
    digits, unit = match.groups()
    if unit not in UNITS:
        if unit in ("s", "sec", "secs", "second", "seconds"):
            raise InvalidInput(
                f"--every {_shown(value)}: seconds are not a unit; the shortest interval is 1 minute",
                hint="use --every 1m or more",
            )
        raise InvalidInput(
            f"--every {_shown(value)}: unknown unit {_shown(unit)!r}", hint=f"use {EVERY_HINT}"
        )
    # More than 9 digits is beyond the maximum in any unit (and int() of thousands of digits
    # is refused by Python itself): no need to convert.
    seconds = int(digits) * UNITS[unit] if len(digits) <= 9 else MAX_EVERY_SECONDS + 1
    if seconds < MIN_EVERY_SECONDS:
        raise InvalidInput(
            f"--every {_shown(value)}: the shortest interval is 1 minute",
            hint="use --every 1m or more",
        )
    if seconds > MAX_EVERY_SECONDS:
        raise InvalidInput(
            f"--every {_shown(value)}: the longest interval is 365 days (365d)",
            hint="for rarer runs use --cron, e.g. --cron '0 0 1 1 *' (1 January, 00:00 UTC)",
        )
    return seconds


def format_every(seconds: int) -> str:
    """An interval in its largest whole unit: 5400 -> ``90m``, 21600 -> ``6h``, 86400 -> ``1d``."""
    for unit in ("d", "h", "m"):
        if seconds % UNITS[unit] == 0:
            return f"{seconds // UNITS[unit]}{unit}"
    return f"{seconds}s"  # not written by this module (the table holds whole minutes)


def parse_cron(value: str, *, now: datetime | None = None) -> str:
    """A five-field cron line (UTC), normalised to single spaces; it must fire at some point."""
    text = value or ""
    fields = text.split()
    if not fields:
        raise InvalidInput("--cron: empty value", hint=f"give {CRON_HINT}")
    if len(text) > MAX_CRON_CHARS:
        raise InvalidInput(f"--cron is longer than {MAX_CRON_CHARS} characters", hint=CRON_HINT)
    if len(fields) != 5:
        raise InvalidInput(
            f"--cron: {_shown(text)!r} has {len(fields)} field{'s' if len(fields) != 1 else ''}; "
            "a cron line has five",
            hint=CRON_HINT,
        )
    if _SEEDED_RE.search(text):
        raise InvalidInput(
            f"--cron: {_shown(text)!r} uses H or R (hashed or random values), which Sentinel "
            "does not support",
            hint=CRON_HINT,
        )
    expression = " ".join(fields)
    if _cron_after(expression, _now(now)) is None:
        raise InvalidInput(
            f"--cron: {_shown(text)!r} is not a cron line Sentinel can run "
            "(a value out of range, an unknown name, or a date that never comes, such as 31 April)",
            hint=CRON_HINT,
        )
    return expression


def _cron_after(expression: str, moment: datetime) -> datetime | None:
    """The cron line's first slot strictly after ``moment``; None when croniter cannot say."""
    from croniter import CroniterError, croniter

    try:
        if not croniter.is_valid(expression):
            return None
        following = croniter(expression, moment).get_next(datetime)
    except (CroniterError, ValueError, KeyError, IndexError, OverflowError):
        return None
    if not isinstance(following, datetime):
        return None
    following = following.astimezone(UTC)
    return following if following > moment else None


def _rule(every: str | None, cron: str | None, moment: datetime) -> tuple[int | None, str | None]:
    if every is not None and cron is not None:
        raise InvalidInput(
            "give either --every or --cron, not both",
            hint="e.g. --every 6h, or --cron '0 */6 * * *'",
        )
    if every is None and cron is None:
        raise InvalidInput(
            "say when to collect: --every (an interval) or --cron (a cron line, UTC)",
            hint="e.g. --every 6h (units m, h, d; at least 1m), or --cron '0 */6 * * *'",
        )
    if every is not None:
        return parse_every(every), None
    assert cron is not None
    return None, parse_cron(cron, now=moment)


# -- the wire shape -----------------------------------------------------------------------------


def schedule_shape(row: dict[str, Any]) -> Schedule:
    every = row.get("every_seconds")
    return {
        "integrationId": row["integration_id"],
        "integrationName": row.get("integration_name") or "",
        "every": format_every(int(every)) if every is not None else None,
        "cron": row.get("cron"),
        "nextRunAt": row["next_run_at"],
        "lastRunAt": row.get("last_run_at"),
        "lastJobId": row.get("last_job_id"),
        "lastOutcome": row.get("last_outcome"),
        "createdBy": row.get("created_by"),
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }


def describe(schedule: Schedule) -> str:
    """``every 6h`` or ``on cron '0 */6 * * *' (UTC)``: for activity entries and people."""
    if schedule["every"] is not None:
        return f"every {schedule['every']}"
    return f"on cron '{schedule['cron']}' (UTC)"


# -- the use cases ------------------------------------------------------------------------------


def _no_schedule(integration: dict[str, Any]) -> NotFound:
    return NotFound(
        f"{integration['type']} integration '{integration['name']}' ({integration['id'][:8]}) "
        "has no schedule",
        hint=f"set one: sentinel schedules set --integration {integration['id'][:8]} --every 6h",
    )


def set_schedule(
    store: Store,
    integration_id: str,
    *,
    every: str | None = None,
    cron: str | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> Schedule:
    """Collect ``integration_id`` every interval or on a cron line, replacing its schedule if it
    has one. The first run is one interval from now (or the cron line's next slot)."""
    moment = _now(now)
    integration = resolve_integration(store, integration_id)
    every_seconds, expression = _rule(every, cron, moment)
    if every_seconds is not None:
        first = moment + timedelta(seconds=every_seconds)
    else:
        assert expression is not None
        following = _cron_after(expression, moment)
        assert following is not None  # parse_cron found one from the same moment
        first = following
    at = to_iso(moment)
    with store.transaction():
        store.schedules.upsert(
            integration["id"],
            every_seconds=every_seconds,
            cron=expression,
            next_run_at=to_iso(first),
            actor=actor,
            at=at,
        )
        row = store.schedules.get(integration["id"])
        assert row is not None
        schedule = schedule_shape(row)
        store.activity.record(
            "schedule.set",
            f"{integration['type']} integration '{integration['name']}' is collected "
            f"{describe(schedule)}; next run {schedule['nextRunAt']}",
            actor=actor,
            target_type="integration",
            target_id=integration["id"],
            details={"every": schedule["every"], "cron": schedule["cron"]},
            at=at,
        )
    return schedule


def get_schedule(store: Store, integration_id: str) -> Schedule:
    integration = resolve_integration(store, integration_id)
    row = store.schedules.get(integration["id"])
    if row is None:
        raise _no_schedule(integration)
    return schedule_shape(row)


def remove_schedule(
    store: Store, integration_id: str, *, actor: str | None = None, now: datetime | None = None
) -> Schedule:
    """Stop collecting ``integration_id`` on a schedule; returns the schedule it had."""
    at = to_iso(_now(now))
    integration = resolve_integration(store, integration_id)
    with store.transaction():
        row = store.schedules.get(integration["id"])
        if row is None:
            raise _no_schedule(integration)
        schedule = schedule_shape(row)
        store.schedules.delete(integration["id"])
        store.activity.record(
            "schedule.removed",
            f"{integration['type']} integration '{integration['name']}' is no longer collected "
            f"{describe(schedule)}",
            actor=actor,
            target_type="integration",
            target_id=integration["id"],
            details={"every": schedule["every"], "cron": schedule["cron"]},
            at=at,
        )
    return schedule


def list_schedules(store: Store) -> list[Schedule]:
    """Every connected integration's schedule, soonest next run first."""
    return [schedule_shape(row) for row in store.schedules.list()]


# -- what the queue's workers call --------------------------------------------------------------


def _following_slot(row: dict[str, Any], moment: datetime) -> datetime | None:
    """The schedule's first slot strictly after ``moment`` (its next slot is at or before it)."""
    if row["every_seconds"] is not None:
        step = timedelta(seconds=int(row["every_seconds"]))
        previous = parse_iso(row["next_run_at"])
        missed = (moment - previous) // step if moment >= previous else -1
        return previous + step * (missed + 1)
    return _cron_after(row["cron"], moment)


def claim_due(store: Store, *, now: datetime | None = None) -> list[str]:
    """The integrations whose scheduled slot is due, each claimed for this caller alone.

    Each due schedule moves to its first slot after ``now`` in a conditional UPDATE that only
    succeeds if the slot is still the one read, all inside one write transaction: a slot is
    returned to one caller only, however many workers ask, and any number of missed slots make
    one run. Schedules of removed integrations are deleted instead. A cron line croniter can no
    longer compute is moved a day on and not run."""
    moment = _now(now)
    won: list[str] = []
    with store.transaction():
        for row in store.schedules.due(to_iso(moment)):
            integration_id = row["integration_id"]
            if row["integration_name"] is None or row["integration_removed_at"] is not None:
                store.schedules.delete(integration_id)
                continue
            following = _following_slot(row, moment)
            claimed = store.schedules.claim(
                integration_id,
                expected_next=row["next_run_at"],
                next_run_at=to_iso(following or moment + RETRY_BROKEN_CRON),
            )
            if claimed and following is not None:
                won.append(integration_id)
    return won


def record_run(
    store: Store,
    integration_id: str,
    *,
    job_id: str | None,
    outcome: str,
    now: datetime | None = None,
) -> None:
    """Remember how the latest scheduled run went (``outcome``: e.g. the job's status, or why
    no job started); nothing happens if the schedule was removed meanwhile."""
    text = (outcome or "").strip()[:MAX_OUTCOME_CHARS]
    if not text:
        raise InvalidInput("record_run: outcome must not be empty")
    store.schedules.record_run(integration_id, at=to_iso(_now(now)), job_id=job_id, outcome=text)


def next_due_at(store: Store) -> datetime | None:
    """The soonest next slot of any schedule (a worker sleeps until then); None with none."""
    earliest = store.schedules.earliest_next()
    return parse_iso(earliest) if earliest is not None else None

"""UTC time helpers: every timestamp Sentinel stores or prints is ISO 8601 UTC with a ``Z``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from sentinel_cli.errors import InvalidInput

DateLike = TypeVar("DateLike", date, datetime)


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    """Render an aware (or naive-as-UTC) datetime as ``YYYY-MM-DDTHH:MM:SSZ``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_iso() -> str:
    return to_iso(utcnow())


def parse_iso(value: str) -> datetime:
    """Parse an ISO 8601 timestamp or date; naive values are taken as UTC."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = datetime.combine(date.fromisoformat(text), time.min)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_user_date(value: str, *, option: str, end_of_day: bool = False) -> datetime:
    """Parse a date given on the command line or in a request, with an error naming the option."""
    try:
        parsed = parse_iso(value)
    except ValueError as exc:
        raise InvalidInput(
            f"{option}: {value!r} is not a date",
            hint="use YYYY-MM-DD or an ISO 8601 timestamp such as 2025-01-31T00:00:00Z",
        ) from exc
    except OverflowError as exc:  # an offset that moves the moment outside year 1..9999
        raise _out_of_range(option, value) from exc
    if not MIN_USER_DATE <= parsed.date() <= MAX_USER_DATE:
        # The views and the collectors add and subtract days (end of day, review periods):
        # refusing the first and last representable years keeps that arithmetic from overflowing.
        raise _out_of_range(option, value)
    if end_of_day and len(value.strip()) == 10:
        parsed = parsed + timedelta(days=1) - timedelta(seconds=1)
    return parsed


MIN_USER_DATE = date(1970, 1, 1)
MAX_USER_DATE = date(9998, 12, 31)


def _out_of_range(option: str, value: str) -> InvalidInput:
    return InvalidInput(
        f"{option}: {value!r} is out of range: dates must be between "
        f"{MIN_USER_DATE.isoformat()} and {MAX_USER_DATE.isoformat()}",
        hint="use YYYY-MM-DD, e.g. 2025-01-31",
    )


def add_months(moment: DateLike, months: int) -> DateLike:
    """``moment`` (a date or datetime) plus calendar months, the day clamped to the target
    month's length (Jan 31 + 1 month = Feb 28/29): billing periods, policy review dates."""
    import calendar

    total = moment.year * 12 + (moment.month - 1) + months
    year, month0 = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)

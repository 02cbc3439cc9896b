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
    if end_of_day and len(value.strip()) == 10:
        parsed = parsed + timedelta(days=1) - timedelta(seconds=1)
    return parsed


def add_months(moment: DateLike, months: int) -> DateLike:
    """``moment`` (a date or datetime) plus calendar months, the day clamped to the target
    month's length (Jan 31 + 1 month = Feb 28/29): billing periods, policy review dates."""
    import calendar

    total = moment.year * 12 + (moment.month - 1) + months
    year, month0 = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)

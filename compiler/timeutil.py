"""Calendar arithmetic shared by the compiler (window bounds as literals) and the
reference evaluator. Times are naive wall-clock times in the project's zone."""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}


def shift_months(moment: dt.datetime, months: int) -> dt.datetime:
    """Move by whole months, clamping to the month's last day (Mar 31 - 1 month = Feb 28/29)."""
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last_day))


def shift(moment: dt.datetime, count: int, unit: str) -> dt.datetime:
    """`moment` moved `count` units into the past (negative: the future)."""
    if unit == "month":
        return shift_months(moment, -count)
    if unit == "year":
        return shift_months(moment, -12 * count)
    return moment - dt.timedelta(seconds=UNIT_SECONDS[unit] * count)


def as_datetime(value: dt.date | dt.datetime) -> dt.datetime:
    """Dates count as midnight of that day."""
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime(value.year, value.month, value.day)


def parse_as_of(text: str, timezone: str) -> dt.datetime:
    """`--as-of`: a date or a timestamp, local to the project's zone unless it names
    an offset. Raises ValueError with a readable message."""
    cleaned = text.strip().replace("Z", "+00:00")
    try:
        if len(cleaned) == 10:
            return as_datetime(dt.date.fromisoformat(cleaned))
        moment = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a date or timestamp; use YYYY-MM-DD or 'YYYY-MM-DD HH:MM:SS'"
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone(timezone)).replace(tzinfo=None)
    return moment


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone '{name}'") from None


def now_in(timezone: str) -> dt.datetime:
    """The current instant as wall-clock time in the project's zone, to the second."""
    return dt.datetime.now(zone(timezone)).replace(tzinfo=None, microsecond=0)


def window_bounds(
    kind: str,
    unit: str,
    start_count: int,
    end_count: int,
    since: dt.datetime | None,
    as_of: dt.datetime,
) -> tuple[dt.datetime | None, dt.datetime]:
    """[start, end) of a window relative to as-of. Every aggregate also stops at as-of."""
    if kind == "last":
        return shift(as_of, start_count, unit), as_of
    if kind == "ago":
        return shift(as_of, start_count, unit), shift(as_of, end_count, unit)
    if kind == "since":
        return since, as_of
    raise ValueError(f"unknown window kind {kind!r}")

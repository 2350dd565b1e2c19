"""Calendar arithmetic shared by the compiler (window bounds as literals) and the
reference evaluator. Times are naive wall-clock times in the project's zone.

Python's datetime covers the years 1 to 9999. Arithmetic that would leave that range
raises `TimeRangeError` (a ValueError with a readable message), never an OverflowError;
`window_bounds` instead clamps what reaches before the year 1, where no event can be."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}
# what --as-of takes (docs/cli.md): a date, or a date and a time to the minute or second,
# optionally with an offset; not the other ISO 8601 forms (week dates, an hour alone, a
# date with an offset, which fromisoformat would read as a time)
_AS_OF_FORM = re.compile(
    r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([+-]\d{2}:?\d{2})?)?"
)
# The years datetime can hold, as a months index (year * 12 + month - 1).
_FIRST_MONTH = dt.MINYEAR * 12
_LAST_MONTH = dt.MAXYEAR * 12 + 11


class TimeRangeError(ValueError):
    """A moment outside the calendar segl can represent (years 1 to 9999)."""


def _out_of_range(moment: dt.datetime, count: int, unit: str) -> TimeRangeError:
    direction = "before" if count >= 0 else "after"
    plural = unit if abs(count) == 1 else f"{unit}s"
    # no str() of a huge int: Python refuses more than 4,300 digits
    amount = f"{abs(count):,}" if abs(count) < 10**30 else "more than 10^30"
    return TimeRangeError(
        f"{amount} {plural} {direction} {moment.isoformat(sep=' ')} is outside the years 1 to 9999"
    )


def wall_text(moment: dt.datetime) -> str:
    """A time as messages and JSON show it, `YYYY-MM-DD HH:MM:SS`: the year always in four
    digits, where strftime's %Y writes `1` for the year 1 on Linux."""
    return f"{day_text(moment)} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"


def minute_text(moment: dt.datetime) -> str:
    """`YYYY-MM-DD HH:MM` (wall_text to the minute)."""
    return f"{day_text(moment)} {moment.hour:02d}:{moment.minute:02d}"


def day_text(moment: dt.date) -> str:
    """`YYYY-MM-DD`, the year in four digits."""
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"


def shift_months(moment: dt.datetime, months: int) -> dt.datetime:
    """Move by whole months, clamping to the month's last day (Mar 31 - 1 month = Feb 28/29).
    Raises TimeRangeError when the result is outside the years 1 to 9999."""
    index = moment.year * 12 + (moment.month - 1) + months
    if not _FIRST_MONTH <= index <= _LAST_MONTH:
        raise _out_of_range(moment, -months, "month")
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last_day))


def calendar_period_start(wall: dt.datetime, period: str) -> dt.datetime:
    """The first midnight of the calendar period (`day`, `week` from Monday, `month`)
    holding a wall time."""
    day = dt.datetime(wall.year, wall.month, wall.day)
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def shift(moment: dt.datetime, count: int, unit: str) -> dt.datetime:
    """`moment` moved `count` units into the past (negative: the future).
    Raises TimeRangeError when the result is outside the years 1 to 9999."""
    if unit == "month":
        return shift_months(moment, -count)
    if unit == "year":
        try:
            return shift_months(moment, -12 * count)
        except TimeRangeError:
            raise _out_of_range(moment, count, "year") from None
    try:
        return moment - dt.timedelta(seconds=UNIT_SECONDS[unit] * count)
    except OverflowError:
        raise _out_of_range(moment, count, unit) from None


def as_datetime(value: dt.date | dt.datetime) -> dt.datetime:
    """Dates count as midnight of that day."""
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime(value.year, value.month, value.day)


def parse_as_of(text: str, timezone: str) -> dt.datetime:
    """`--as-of`: a date or a timestamp, local to the project's zone unless it names
    an offset. Raises ValueError with a readable message (TimeRangeError when the
    moment, seen in the project's zone, falls outside the years 1 to 9999)."""
    cleaned = text.strip().replace("Z", "+00:00")
    try:
        if not _AS_OF_FORM.fullmatch(cleaned):
            raise ValueError(text)
        if len(cleaned) == 10:
            return as_datetime(dt.date.fromisoformat(cleaned))
        moment = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a date or timestamp; use YYYY-MM-DD or 'YYYY-MM-DD HH:MM:SS'"
        ) from None
    if moment.microsecond:  # runs are kept, named and shown to the second
        whole = moment.replace(microsecond=0)
        # with its offset, or it would name another instant (local to the project's zone)
        shown = whole.isoformat(sep=" ") if whole.tzinfo else wall_text(whole)
        raise ValueError(
            f"'{text}' has a fraction of a second: as-ofs are whole seconds; write "
            f"'{shown}' or the next second"
        )
    if moment.tzinfo is not None:
        project_zone = zone(timezone)
        try:
            local = moment.astimezone(project_zone)
        except (OverflowError, ValueError):
            raise TimeRangeError(
                f"'{text}' is outside the years 1 to 9999 in the project's time zone ({timezone})"
            ) from None
        if local.fold:  # the second of two equal wall times (the clocks went back)
            raise ValueError(
                f"'{text}' is the second {local:%H:%M:%S} of {day_text(local)} in {timezone} "
                "(the clocks went back): runs are kept by their wall time in the project's "
                "zone, where it would be read as the first; choose an instant outside the "
                "repeated hour"
            )
        return local.replace(tzinfo=None)
    after_gap = _after_gap(moment, timezone) if len(cleaned) > 10 else None
    if after_gap is not None:  # (a date stands for the start of its day, whenever that is)
        raise ValueError(
            f"'{text}' does not exist in {timezone}: the clocks went forward over it on "
            f"{day_text(moment)}; write {after_gap:%H:%M:%S} for the instant it would name, or "
            "another time"
        )
    return moment


def skipped(wall: dt.datetime, timezone: str) -> bool:
    """Whether the zone's clocks skipped a wall time (spring forward): no instant has it,
    and `--as-of` refuses it."""
    return _after_gap(wall, timezone) is not None


def _after_gap(wall: dt.datetime, timezone: str) -> dt.datetime | None:
    """For a wall time the zone's clocks skipped (spring forward), the wall time of the
    instant it names at the offset before the gap; None when it exists."""
    zone_info = zone(timezone)
    try:
        moment = wall.replace(tzinfo=zone_info, fold=0).astimezone(dt.UTC)
        back = moment.astimezone(zone_info).replace(tzinfo=None)
    except (OverflowError, ValueError):  # at the ends of the calendar: no DST there
        return None
    return None if back == wall else back


# files of the tz database's folder that name no zone of their own: `localtime` is the
# host's zone, so results would depend on the machine (SPEC: the same on every engine)
HOST_ZONE_NAMES = frozenset({"localtime", "posixrules"})


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """The zone names of the tz database, as the engines know them: without the host's
    zone and without the folders of variants (`right/UTC` counts leap seconds, `posix/...`
    repeats the zones), which ZoneInfo opens as files but no engine knows."""
    return frozenset(available_timezones()) - HOST_ZONE_NAMES


@lru_cache(maxsize=4096)
def zone_or_none(name: str | None) -> ZoneInfo | None:
    """The zone of that name, or None when the tz database does not know it (or the name
    stands for the host's zone, or a variant no engine knows)."""
    if not name or name not in known_zones():
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, OSError, KeyError):  # malformed, a folder, not found
        return None


def zone(name: str) -> ZoneInfo:
    found = zone_or_none(name)
    if found is None:
        raise ValueError(f"unknown time zone '{name}'")
    return found


def now_in(timezone: str) -> dt.datetime:
    """The current instant as wall-clock time in the project's zone, to the second."""
    return dt.datetime.now(zone(timezone)).replace(tzinfo=None, microsecond=0)


def _past_bound(as_of: dt.datetime, count: int, unit: str) -> dt.datetime | None:
    """as-of moved `count` units into the past; None when that is before the year 1."""
    try:
        return shift(as_of, count, unit)
    except TimeRangeError:
        if count < 0:  # into the future, past the year 9999: windows never look there
            raise
        return None


def earlier(moment: dt.datetime, span: dt.timedelta) -> dt.datetime | None:
    """moment - span; None when that is before the year 1 (nothing is that old)."""
    try:
        return moment - span
    except OverflowError:
        return None


def window_bounds(
    kind: str,
    unit: str,
    start_count: int,
    end_count: int,
    since: dt.datetime | None,
    as_of: dt.datetime,
) -> tuple[dt.datetime | None, dt.datetime]:
    """[start, end) of a window relative to as-of. Every aggregate also stops at as-of.

    A start before 0001-01-01 00:00 is None (no lower bound: the window covers all
    history, as no event can be older); an end before it is 0001-01-01 00:00, so the
    window is empty. Raises TimeRangeError only for a negative count reaching past 9999."""
    if kind == "last":
        return _past_bound(as_of, start_count, unit), as_of
    if kind == "ago":
        start = _past_bound(as_of, start_count, unit)
        end = _past_bound(as_of, end_count, unit)
        return start, dt.datetime.min if end is None else end
    if kind == "since":
        return since, as_of
    if kind == "today":
        return as_of.replace(hour=0, minute=0, second=0, microsecond=0), as_of
    raise ValueError(f"unknown window kind {kind!r}")

"""When a step may go out (SPEC §3.2): the first allowed instant at or after a time, in
the user's zone, with the tz database's rules at that instant (a weekday belongs to the
local date; DST gaps and repeated hours are instants like any other).

Times outside this module are wall-clock times in the project's zone; inside, aware
UTC instants. The search jumps from one candidate to the next (the next local midnight,
window start or end of the quiet hours, or a change of UTC offset on the way), so it
takes a handful of steps, not one per minute.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from segl.compiler.journeys.model import Allowed
from segl.compiler.timeutil import zone_or_none as zone_or_none  # the users' zones

UTC = dt.UTC
HORIZON = dt.timedelta(days=15)  # no allowed instant within this: never (checked rules)
_MAX_JUMPS = 200


def to_instant(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A project-zone wall time as a UTC instant (an ambiguous time: its first occurrence)."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def to_wall(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def allowed_at(instant: dt.datetime, zone: ZoneInfo, allowed: Allowed) -> bool:
    return allowed_local(instant.astimezone(zone), allowed)


def allowed_local(local: dt.datetime, allowed: Allowed) -> bool:
    """Whether a local wall time (aware, in the user's zone) is allowed."""
    return allowed.allows(local.isoweekday(), local.hour * 60 + local.minute)


def next_allowed(start: dt.datetime, zone: ZoneInfo, allowed: Allowed) -> dt.datetime | None:
    """The first instant at or after `start` (UTC) allowed in `zone`; None within 15 days."""
    if allowed.always or allowed_at(start, zone, allowed):
        return start
    return later_allowed(start, zone, allowed)


def later_allowed(start: dt.datetime, zone: ZoneInfo, allowed: Allowed) -> dt.datetime | None:
    """next_allowed of a start not allowed itself: the search from its whole minute (the
    next one when it has seconds), cached by that minute."""
    first = _next_candidate(start, zone, allowed) if start.second or start.microsecond else start
    found = _allowed_from(first, zone, allowed)
    return found if found is not None and found <= start + HORIZON else None


@lru_cache(maxsize=1 << 16)  # many starts share a whole minute: a night's orders, a run's entries
def _allowed_from(first: dt.datetime, zone: ZoneInfo, allowed: Allowed) -> dt.datetime | None:
    """next_allowed of a whole minute (the horizon counted from the caller's start, at most a
    minute earlier). The candidates change at most about 6 times a day (midnight, a window's
    ends, the quiet hours' ends, an offset change): the horizon ends every search long
    before _MAX_JUMPS, a safety net only."""
    instant = first
    limit = first + HORIZON
    for _ in range(_MAX_JUMPS):
        if instant > limit:
            return None
        if allowed_at(instant, zone, allowed):
            return instant
        instant = _next_candidate(instant, zone, allowed)
    return None


def _next_candidate(instant: dt.datetime, zone: ZoneInfo, allowed: Allowed) -> dt.datetime:
    """The next instant where being allowed may change: the next whole minute when the
    instant has seconds, else the next local boundary (or an offset change before it)."""
    if instant.second or instant.microsecond:
        return instant.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    local = instant.astimezone(zone)
    minute = local.hour * 60 + local.minute
    boundary = _next_boundary(minute, allowed)
    day = local.date() + dt.timedelta(days=boundary // 1440)
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=boundary % 1440)
    target = _earliest_after(wall, zone, instant)
    shift = _offset_change(instant, target, zone)
    return shift if shift is not None and shift < target else target


def _next_boundary(minute: int, allowed: Allowed) -> int:
    """Minutes from today's midnight to the next local time (after `minute`) where a rule
    starts or stops: midnight, a window's ends, the quiet hours' ends."""
    marks = [1440]
    for mark in (allowed.start, allowed.end, allowed.quiet_start, allowed.quiet_end):
        if mark is not None:
            marks += [mark % 1440, mark % 1440 + 1440]
    return min(m for m in marks if m > minute)


def _earliest_after(wall: dt.datetime, zone: ZoneInfo, after: dt.datetime) -> dt.datetime:
    """The earliest instant after `after` whose local wall time is `wall` (or, in a DST
    gap, the first instant past the gap)."""
    candidates = [wall.replace(tzinfo=zone, fold=f).astimezone(UTC) for f in (0, 1)]
    later = sorted(c for c in candidates if c > after)
    if later:
        return later[0]
    return max(candidates) + dt.timedelta(minutes=1)


def _offset_change(start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> dt.datetime | None:
    """The first instant in (start, end] where the zone's UTC offset changes, if any (to
    the minute: transitions are on whole minutes)."""
    if start.astimezone(zone).utcoffset() == end.astimezone(zone).utcoffset():
        return None
    low, high = start, end  # offset(low) == offset(start) != offset(high)
    first = start.astimezone(zone).utcoffset()
    while high - low > dt.timedelta(minutes=1):
        middle = low + (high - low) / 2
        middle = middle.replace(second=0, microsecond=0)
        if middle <= low:
            middle = low + dt.timedelta(minutes=1)
        if middle.astimezone(zone).utcoffset() == first:
            low = middle
        else:
            high = middle
    return high

"""The runtime's search for a step's first allowed instant (compiler/journeys/timing.py:
jumps from one local boundary to the next, cached by whole minute) against the reference
evaluator's (runtime/reference/journeys.py: every whole minute for 15 days), on generated
starts (with and without seconds, in DST gaps and repeated hours), zones and rules.

SEGL_TIMING_EXAMPLES sets the number of generated cases (default 300)."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segl.compiler.journeys import timing
from segl.compiler.journeys.model import Allowed
from segl.runtime.reference.journeys import first_allowed

EXAMPLES = int(os.environ.get("SEGL_TIMING_EXAMPLES", "300"))
ZONES = (
    "UTC",
    "Asia/Shanghai",
    "America/New_York",  # DST gap and repeated hour at 02:00 local
    "Europe/Berlin",
    "Australia/Lord_Howe",  # a half-hour DST shift
    "Asia/Kolkata",  # a half-hour offset
    "America/St_Johns",
)
# around the 2026 DST changes of the zones above, and an ordinary stretch
DAYS = (dt.datetime(2026, 3, 7), dt.datetime(2026, 3, 28), dt.datetime(2026, 10, 3))
MARKS = st.sampled_from([0, 60, 120, 150, 179, 180, 600, 601, 1199, 1200, 1320, 1380, 1439])


@st.composite
def starts(draw: st.DrawFn) -> dt.datetime:
    """A UTC instant within ten days of a DST change, whole minute or not."""
    day = draw(st.sampled_from(DAYS))
    minutes = draw(st.integers(0, 10 * 1440))
    seconds = draw(st.sampled_from([0, 0, 1, 30, 59]))
    micros = draw(st.sampled_from([0, 0, 1, 999_999]))
    moment = day + dt.timedelta(minutes=minutes, seconds=seconds, microseconds=micros)
    return moment.replace(tzinfo=dt.UTC)


@st.composite
def rules(draw: st.DrawFn) -> Allowed:
    """Days, a window (wrapping past midnight, or empty) and quiet hours, each optional."""
    days = draw(st.sampled_from([None, "weekend", "weekdays"]))
    window = draw(st.none() | st.tuples(MARKS, MARKS | st.just(1440)))
    quiet = draw(st.none() | st.tuples(MARKS, MARKS))
    return Allowed(
        days=days,
        start=window[0] if window else None,
        end=window[1] if window else None,
        quiet_start=quiet[0] if quiet else None,
        quiet_end=quiet[1] if quiet else None,
    )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(start=starts(), zone_name=st.sampled_from(ZONES), allowed=rules())
def test_the_first_allowed_instant_is_the_references(
    start: dt.datetime, zone_name: str, allowed: Allowed
) -> None:
    zone = ZoneInfo(zone_name)
    assert timing.next_allowed(start, zone, allowed) == first_allowed(start, zone, allowed)


def test_starts_sharing_a_minute_get_their_own_answers() -> None:
    """Two starts in one minute look up the same cached search from the next whole minute;
    a start allowed itself is its own answer, with seconds or without."""
    zone = ZoneInfo("Asia/Shanghai")
    night = Allowed(quiet_start=22 * 60, quiet_end=8 * 60)
    early = dt.datetime(2026, 11, 30, 15, 0, 5, tzinfo=dt.UTC)  # 23:00:05 local: quiet
    late = early.replace(second=55)
    eight = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)  # 08:00 local
    assert timing.next_allowed(early, zone, night) == eight
    assert timing.next_allowed(late, zone, night) == eight
    day = dt.datetime(2026, 12, 1, 2, 0, 5, tzinfo=dt.UTC)  # 10:00:05 local: allowed
    assert timing.next_allowed(day, zone, night) == day
    never = Allowed(start=600, end=600)  # an empty window
    assert timing.next_allowed(early, zone, never) is None
    # a start with seconds just after a one-minute window: the next day's window
    monday = Allowed(days="weekdays", start=600, end=601)
    start = dt.datetime(2026, 11, 30, 2, 1, 30, tzinfo=dt.UTC)  # Mon 10:01:30 local
    tuesday = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # Tue 10:00 local
    assert timing.next_allowed(start, zone, monday) == tuesday
    assert timing.next_allowed(start.replace(minute=0), zone, monday) == start.replace(minute=0)

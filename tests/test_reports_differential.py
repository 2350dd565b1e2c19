"""Differential property test of funnels and retention (SPEC §3.4-3.5): generated
definitions (2-4 funnel steps with and without funnel and step windows, `by` a per-user
value or an entry column; retention by day, week or month, `first`, `rolling`, `on or
after`) x generated events (ties at equal timestamps, month ends, DST changes in the
project's zone, empty cohorts) give exactly the same JSON from the SQL run on each of the
five engines (runtime/reports.py) as from the reference evaluator
(runtime/reference/reports.py).

How many examples each engine checks: tests/report_matrix.py (SEGL_REPORT_EXAMPLES on
DuckDB, default 300; SEGL_REPORT_ENGINE_EXAMPLES definitions on each other engine, default
100, several per loaded dataset). Each test uses one engine; each example replaces its
tables.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_matrix import checks, definitions_per_dataset, load_tables

from segl.compiler import ir
from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.reports.report_sql import report_query
from segl.compiler.reports.sql import (
    ZoneOffsets,
    gap_periods,
    retention_query,
    return_period,
    zone_offsets,
)
from segl.compiler.sqlgen import render
from segl.compiler.targets import get_target
from segl.compiler.timeutil import calendar_period_start, shift_months
from segl.compiler.types import Type
from segl.dsl.parser import parse_program
from segl.runtime.engines import DuckDBEngine, Engine
from segl.runtime.reference.reports import evaluate_report
from segl.runtime.reports import run_funnel, run_retention

SOURCES = """\
source users from table "users" key user_id {
    user_id: string
    city: string
}
source events from table "events" user user_id time ts {
    name: string
    channel: string
}
source orders from table "orders" user user_id time paid_at { amount: number }
tag buyer = exists(orders where amount > 5)
"""
COLUMNS = {
    "users": [("user_id", Type.STRING), ("city", Type.STRING)],
    "events": [
        ("user_id", Type.STRING),
        ("ts", Type.TIMESTAMP),
        ("name", Type.STRING),
        ("channel", Type.STRING),
    ],
    "orders": [("user_id", Type.STRING), ("paid_at", Type.TIMESTAMP), ("amount", Type.NUMBER)],
}
ZONES = ["UTC", "America/New_York", "Europe/Berlin"]
# around DST changes (US: Mar 8 and Nov 1 2026; EU: Mar 29 and Oct 25 2026), month ends
BASES = [
    dt.datetime(2026, 3, 7, 22),
    dt.datetime(2026, 3, 28, 23),
    dt.datetime(2026, 10, 24, 23),
    dt.datetime(2026, 10, 31, 23),
    dt.datetime(2026, 1, 30, 20),
    dt.datetime(2026, 2, 27, 12),
]
NAMES = ["a", "b", "c"]
CHANNELS = [None, "push", "sms", "Push"]
CITIES = [None, "Berlin", "berlin", "Zürich"]
STEP_EVENTS = [
    'events where name == "a"',
    'events where name == "b"',
    'events where name == "c"',
    "events",
    "orders",
    "orders where amount > 5",
    'events where name == "b" and buyer',
    'events where channel == users.city or name == "a"',
]
SPANS = {"day": 8, "week": 35, "month": 150}  # days of events a retention example spans
# Clocks that skip the wall times just before a period's first midnight: a return there
# falls, by its instant, in the next period, not in its wall time's (compiler/reports/sql.py,
# gap_periods). (zone, period, base, skipped wall times, wall times beside them)
GAPS = [
    # 2026-03-28 23:00 -> Sunday 00:00 (Greenland since 2023): days
    (
        "America/Nuuk",
        "day",
        dt.datetime(2026, 3, 27, 12),
        [dt.datetime(2026, 3, 28, 23), dt.datetime(2026, 3, 28, 23, 40)],
        [dt.datetime(2026, 3, 29), dt.datetime(2026, 3, 28, 22, 59)],
    ),
    # 1971-04-25 23:00 -> Monday 00:00: weeks
    (
        "Africa/Algiers",
        "week",
        dt.datetime(1971, 4, 20, 12),
        [dt.datetime(1971, 4, 25, 23, 30)],
        [dt.datetime(1971, 4, 26, 0, 30)],
    ),
    # 1979-03-31 23:00 -> April 1 00:00: months
    (
        "Europe/Sofia",
        "month",
        dt.datetime(1979, 3, 1, 12),
        [dt.datetime(1979, 3, 31, 23, 1)],
        [dt.datetime(1979, 4, 1, 0, 59)],
    ),
    # December 30 2011 skipped entirely (-10:00 to +14:00): days
    (
        "Pacific/Apia",
        "day",
        dt.datetime(2011, 12, 28, 12),
        [dt.datetime(2011, 12, 30, 1), dt.datetime(2011, 12, 30, 18)],
        [dt.datetime(2011, 12, 31, 9, 59)],
    ),
    # December 31 1994 skipped entirely: months
    (
        "Pacific/Kiritimati",
        "month",
        dt.datetime(1994, 12, 1, 12),
        [dt.datetime(1994, 12, 31, 12)],
        [dt.datetime(1995, 1, 1, 9)],
    ),
    # the skipped hour starts at midnight (2018-11-04 00:00 -> 01:00): no correction
    (
        "America/Sao_Paulo",
        "day",
        dt.datetime(2018, 11, 2, 12),
        [dt.datetime(2018, 11, 4), dt.datetime(2018, 11, 4, 0, 30)],
        [dt.datetime(2018, 11, 4, 1)],
    ),
]
WINDOWS = ["30 minutes", "1 hour", "2 hours", "1 day", "2 days", "1 week"]


Range = tuple[dt.datetime | None, dt.datetime | None]  # an entry range [start, end)


@dataclass(frozen=True)
class Scenario:
    """Definitions `d0`, `d1`, ... over one dataset, each with its entry range."""

    rules: str
    timezone: str
    tables: dict[str, list[dict[str, Any]]]
    as_of: dt.datetime
    ranges: tuple[Range, ...]


@st.composite
def funnels(draw: st.DrawFn, name: str) -> str:
    count = draw(st.integers(2, 4))
    lines = []
    for index in range(count):
        event = draw(st.sampled_from(STEP_EVENTS))
        within = draw(st.sampled_from([None, *WINDOWS])) if index else None
        lines.append(f"    step s{index}: {event}" + (f" within {within}" if within else ""))
    header = f"funnel {name}"
    funnel_window = draw(st.sampled_from([None, *WINDOWS]))
    if funnel_window:
        header += f" within {funnel_window}"
    split = draw(st.sampled_from([None, "users.city", "buyer", "entry"]))
    first_source = lines[0].split(": ")[1].split()[0]
    if split == "entry":
        column = "channel" if first_source == "events" else "amount"
        header += f" by entry {first_source}.{column}"
    elif split is not None:
        header += f" by {split}"
    return header + " {\n" + "\n".join(lines) + "\n}\n"


@st.composite
def retentions(draw: st.DrawFn, name: str, period: str | None = None) -> str:
    cohort = draw(st.sampled_from(STEP_EVENTS[:6]))
    returns = draw(st.sampled_from(["events", "orders", *STEP_EVENTS[:6]]))
    first = draw(st.booleans())
    lines = [
        f"    cohort {'first ' if first else ''}{cohort}",
        f"    return {returns}",
        f"    by {period or draw(st.sampled_from(['day', 'week', 'month']))}",
        f"    periods {draw(st.integers(1, 5))}",
    ]
    if draw(st.booleans()):
        lines.append("    rolling")
    if draw(st.booleans()):
        lines.append("    on or after")
    return f"retention {name} {{\n" + "\n".join(lines) + "\n}\n"


@st.composite
def data(
    draw: st.DrawFn,
    base: dt.datetime,
    span_days: int,
    moments: int = 7,
    events: int = 5,
    extra: Sequence[dt.datetime] = (),
) -> dict[str, list[dict[str, Any]]]:
    """A few users with events at a handful of shared moments (ties), some exactly on a
    DST change or a month's last minute, and at the `extra` moments."""
    days = st.sampled_from(range(-2, span_days + 1))  # sampled: spread over the span
    minutes = st.sampled_from([0, 1, 59, 150, 600, 1439])
    pool = [
        base + dt.timedelta(days=draw(days), minutes=draw(minutes))
        for _ in range(draw(st.integers(2, moments)))
    ]
    pool += [base.replace(hour=0) + dt.timedelta(days=1, hours=2, minutes=30)]  # DST hour
    # fractions of a second: the engines' durations come from doubles of epoch seconds
    # (whole milliseconds: SQLite's date functions keep no more, docs/engines.md)
    pool += [pool[0] + dt.timedelta(seconds=draw(st.sampled_from([0.7, 86399.301])))]
    pool += extra
    times = st.sampled_from(pool)
    tables: dict[str, list[dict[str, Any]]] = {"users": [], "events": [], "orders": []}
    for number in range(draw(st.integers(1, 5))):
        user = f"u{number}"
        tables["users"].append({"user_id": user, "city": draw(st.sampled_from(CITIES))})
        for _ in range(draw(st.integers(0, events))):
            tables["events"].append(
                {
                    "user_id": user,
                    "ts": draw(times),
                    "name": draw(st.sampled_from(NAMES)),
                    "channel": draw(st.sampled_from(CHANNELS)),
                }
            )
        for _ in range(draw(st.integers(0, 3))):
            amount = float(draw(st.sampled_from([3, 5, 8])))
            tables["orders"].append({"user_id": user, "paid_at": draw(times), "amount": amount})
    if draw(st.integers(0, 9)) == 0:  # an event of a user outside the universe
        tables["events"].append({"user_id": "ghost", "ts": pool[0], "name": "a", "channel": None})
    return tables


@st.composite
def funnel_range(draw: st.DrawFn, base: dt.datetime) -> Range:
    ranged = draw(st.booleans())
    start = base - dt.timedelta(hours=draw(st.integers(0, 48))) if ranged else None
    end = start + dt.timedelta(hours=draw(st.integers(1, 6 * 24))) if start else None
    return start, end


@st.composite
def funnel_scenarios(draw: st.DrawFn, count: int = 1) -> Scenario:
    base = draw(st.sampled_from(BASES))
    as_of = base + dt.timedelta(hours=draw(st.integers(1, 10 * 24)))
    ranges = tuple(draw(funnel_range(base)) for _ in range(count))
    definitions = "".join(draw(funnels(f"d{index}")) for index in range(count))
    return Scenario(
        SOURCES + definitions,
        draw(st.sampled_from(ZONES)),
        draw(data(base, 4)),
        as_of,
        ranges,
    )


@st.composite
def retention_range(draw: st.DrawFn, base: dt.datetime) -> Range:
    start = end = None
    if draw(st.integers(0, 3)) == 0:
        start = base + dt.timedelta(days=draw(st.integers(-2, 10)))
        end = start + dt.timedelta(days=draw(st.integers(0, 40)))
    return start, end


@st.composite
def retention_scenarios(draw: st.DrawFn, count: int = 1) -> Scenario:
    """A third of them in a zone of GAPS, by its period, with many moments in its skipped
    wall times, some beside them, the others spread over about three periods."""
    case = draw(st.sampled_from(range(3 * len(GAPS))))  # sampled: spread, not shrunk
    if case < len(GAPS):
        zone, period, base, skipped, beside = GAPS[case]
    else:
        zone, period, base = draw(st.sampled_from(ZONES)), None, draw(st.sampled_from(BASES))
        skipped = beside = []
    definitions = "".join(draw(retentions(f"d{index}", period)) for index in range(count))
    span = max(days for unit, days in SPANS.items() if f"by {unit}" in definitions)
    as_of = base + dt.timedelta(hours=draw(st.integers(span * 16, span * 40)))
    ranges = tuple(draw(retention_range(base)) for _ in range(count))
    extra = [*skipped, *skipped, *skipped, *beside]
    spread = span // 3 if period else span
    tables = draw(data(base, spread, moments=12, events=9, extra=extra))
    return Scenario(SOURCES + definitions, zone, tables, as_of, ranges)


def checked(scenario: Scenario) -> ir.Project:
    config = ProjectConfig(name="diff", timezone=scenario.timezone, universe="users")
    project, diagnostics = check_programs([parse_program(scenario.rules, "r.segl")], config)
    assert project is not None, (scenario.rules, [str(d) for d in diagnostics])
    return project


def load(engine: Engine, scenario: Scenario) -> None:
    load_tables(engine, COLUMNS, scenario.tables)


def compare(engine: Engine, scenario: Scenario, kind: str) -> None:
    project = checked(scenario)
    load(engine, scenario)
    run = run_funnel if kind == "funnel" else run_retention
    for index, (start, end) in enumerate(scenario.ranges):
        name = f"d{index}"
        want = evaluate_report(project, scenario.tables, name, scenario.as_of, start, end)
        got = run(engine, project, name, scenario.as_of, start, end)
        assert got == want, (name, scenario.rules, scenario.timezone, scenario.as_of)


def test_funnels_agree_with_the_reference(engine: Engine, engine_name: str) -> None:
    @checks(engine_name)
    @given(funnel_scenarios(definitions_per_dataset(engine_name)))
    def check(scenario: Scenario) -> None:
        compare(engine, scenario, "funnel")

    check()


def test_retention_agrees_with_the_reference(engine: Engine, engine_name: str) -> None:
    @checks(engine_name)
    @given(retention_scenarios(definitions_per_dataset(engine_name)))
    def check(scenario: Scenario) -> None:
        compare(engine, scenario, "retention")

    check()


def test_funnels_over_many_events_a_user_agree_with_the_reference(engine: Engine) -> None:
    """Dense users (60 events each over four days, many at equal times): the chains the
    SQL keeps per entry and last time (compiler/reports/sql.py `_dominant`; all of them
    multiplied with every step before: a 4-step funnel over 640 events a user a month took
    minutes) give the reference's furthest steps, medians, censoring and entry values, with
    steps sharing events, step windows and without."""
    import random

    chance = random.Random(7)
    start = dt.datetime(2026, 3, 6)
    events = [
        {
            "user_id": f"u{user}",
            "ts": start + dt.timedelta(hours=chance.randrange(96) // 2 * 2),
            "name": chance.choice(NAMES),
            "channel": chance.choice(CHANNELS),
        }
        for user in range(6)
        for _ in range(60)
    ]
    funnels = [
        'funnel d0 within 2 days {\n    step s0: events where name == "a"\n'
        '    step s1: events where name == "b"\n    step s2: events where name == "a"\n'
        '    step s3: events where name == "c"\n}\n',
        "funnel d1 within 3 days by entry events.channel {\n    step s0: events\n"
        '    step s1: events where name == "b" within 6 hours\n'
        '    step s2: events where name == "a"\n    step s3: events within 2 hours\n}\n',
        'funnel d2 {\n    step s0: events where name == "c"\n    step s1: events\n'
        '    step s2: events where name == "c" within 1 day\n}\n',
    ]

    def at(user: str, hour: float, name: str) -> dict[str, Any]:
        when = start + dt.timedelta(hours=hour)
        return {"user_id": user, "ts": when, "name": name, "channel": None}

    # w: the earliest `a` after the `b` has no `c` within the hour, a later one has
    events += [at("w", 0, "a"), at("w", 1, "b"), at("w", 2, "a"), at("w", 5, "a")]
    events.append(at("w", 5.5, "c"))
    # t: three entries at one time; only those not starting at the `a` can end at it
    events += [at("t", 0, "a"), at("t", 0, "b"), at("t", 0, "b")]
    funnels += [
        'funnel d3 {\n    step s0: events where name == "a"\n'
        '    step s1: events where name == "b"\n    step s2: events where name == "a"\n'
        '    step s3: events where name == "c" within 1 hour\n}\n',
        'funnel d4 {\n    step s0: events\n    step s1: events where name == "b"\n'
        '    step s2: events where name == "a"\n}\n',
    ]
    users = [f"u{user}" for user in range(6)] + ["w", "t"]
    tables: dict[str, list[dict[str, Any]]] = {
        "users": [{"user_id": user, "city": None} for user in users],
        "events": events,
        "orders": [],
    }
    as_of = dt.datetime(2026, 3, 9, 12)  # some windows still open: censored users
    ranges = ((None, None), (dt.datetime(2026, 3, 6, 12), None), (None, None))
    ranges += ((None, None), (None, None))
    scenario = Scenario(SOURCES + "".join(funnels), "America/New_York", tables, as_of, ranges)
    compare(engine, scenario, "funnel")


def test_a_rolling_month_keeps_the_time_of_day(engine: Engine, engine_name: str) -> None:
    """A rolling month from a cohort event at 22:00 ends at 22:00 (found on Spark, whose
    ADD_MONTHS returned a date: the last cell ended at midnight, closed before the as-of)."""
    rules = SOURCES + (
        'retention d0 {\n    cohort events where name == "a"\n    return events\n'
        "    by month\n    periods 3\n    rolling\n}\n"
    )
    event = {"user_id": "u0", "ts": dt.datetime(2026, 4, 22, 22), "name": "a", "channel": None}
    tables: dict[str, list[dict[str, Any]]] = {
        "users": [{"user_id": "u0", "city": None}],
        "events": [event],
        "orders": [],
    }
    scenario = Scenario(rules, "UTC", tables, dt.datetime(2026, 8, 22), ((None, None),))
    compare(engine, scenario, "retention")


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Berlin", "Australia/Sydney"])
def test_the_zone_table_reads_wall_times_as_the_reference_does(zone: str) -> None:
    """Every wall time, also in a skipped or repeated hour, gets the offset Python gives it
    with fold=0: what the SQL's instants are computed from."""
    offsets = zone_offsets(zone, 2027)
    tz = ZoneInfo(zone)
    walls = [dt.datetime(2026, 1, 1) + dt.timedelta(minutes=15 * i) for i in range(4 * 24 * 366)]
    wrong = [
        wall
        for wall in walls
        if offsets.offset(wall)
        != (wall.replace(tzinfo=tz, fold=0).utcoffset() or dt.timedelta()).total_seconds()
    ]
    assert wrong == []
    assert len([c for c in offsets.changes if c[0].year == 2026]) == 2


def _last_period_at_or_before(offsets: ZoneOffsets, period: str, wall: dt.datetime) -> dt.date:
    """By brute force: the latest first midnight P of a period whose instant I(P) is at or
    before the instant of `wall`: the period whose cell [I(P), I(next P)) holds it."""
    at = offsets.instant(wall)
    start = calendar_period_start(wall - dt.timedelta(days=3), period)
    found = None
    while start < wall + dt.timedelta(days=3):
        if offsets.instant(start) <= at:
            found = start.date()
        start = (
            shift_months(start, 1)
            if period == "month"
            else start + dt.timedelta(days=7 if period == "week" else 1)
        )
    assert found is not None
    return found


# a made-up zone whose skipped half hour holds a midnight (none of the tz database does)
STRADDLING = ZoneOffsets(
    0, ((dt.datetime(2026, 3, 2, 0, 15), 1800), (dt.datetime(2026, 10, 5, 1), 0))
)


@pytest.mark.parametrize("period", ["day", "week", "month"])
@pytest.mark.parametrize(
    "zone",
    [*sorted({zone for zone, *_ in GAPS}), "America/New_York", "Asia/Singapore", "made-up"],
)
def test_returns_fall_in_the_period_of_their_instant(zone: str, period: str) -> None:
    """The period `return_period` gives a return (SQL, on DuckDB), for every 15 minutes
    within 26 hours of each of a zone's offset changes: the period whose cell holds its
    instant, as the reference compares them (not always its wall time's)."""
    offsets = STRADDLING if zone == "made-up" else zone_offsets(zone, 2030)
    gaps = gap_periods(offsets, period, dt.datetime(2031, 1, 1))
    assert gaps is not None
    walls = [
        change + dt.timedelta(minutes=15 * step)
        for change, _ in offsets.changes
        for step in range(-26 * 4, 26 * 4)
    ]
    target = get_target("duckdb")
    rows = ", ".join(f"(TIMESTAMP '{wall}', {offsets.instant(wall)})" for wall in walls)
    bucket = render(return_period(target, period, gaps), target)
    engine = DuckDBEngine()
    found = engine.query(f"SELECT _w, {bucket} FROM (VALUES {rows}) AS t(_w, _a) ORDER BY _w")
    wrong = [
        (wall, day)
        for wall, day in found
        if day != _last_period_at_or_before(offsets, period, wall)
    ]
    assert wrong == []
    if zone == "made-up" and period == "day":
        assert [gap.later for gap in gaps] == [((1772409600.0, dt.date(2026, 3, 2)),)]


def test_a_zone_without_offset_changes_compiles_no_correction() -> None:
    """UTC (the benchmark's zone): a return's period is its wall time's, no CASE."""
    target = get_target("duckdb")
    for period in ("day", "week", "month"):
        assert gap_periods(zone_offsets("UTC", 2030), period, dt.datetime(2031, 1, 1)) == ()
        assert "CASE" not in render(return_period(target, period, ()), target)


@pytest.mark.parametrize("periods", [5, 62, 63, 126, 127, 150])
def test_many_periods_count_as_bits_or_distinct_pairs(periods: int) -> None:
    """On DuckDB a member's cells are the bits of one integer, OR-ed per member
    (`Target.bit_mask_type`: BIGINT to 62 periods, HUGEINT to 126), beyond that DISTINCT
    (member, cell) pairs: each agrees with the reference at the masks' edges (returns in
    cells 1, 62, 63, 64, 126, 127 and 128 and past the last), within a day and across
    users; `first` and not, so a member may return many times in one cell."""
    base = dt.datetime(2026, 1, 5, 9)
    offsets = [0, 1, 2, 62, 63, 64, 126, 127, 128, 149, 150, 151, 200]
    events = [
        {"user_id": f"u{u}", "ts": base + dt.timedelta(days=d + u, hours=h), "name": "v"}
        for u in range(3)
        for d in offsets[u:]
        for h in (0, 5)
    ]
    events += [
        {"user_id": f"u{u}", "ts": base + dt.timedelta(days=u), "name": "a"} for u in (0, 1, 2, 3)
    ]
    tables: dict[str, list[dict[str, Any]]] = {
        "users": [{"user_id": f"u{u}", "city": None} for u in range(4)],
        "events": [e | {"channel": None} for e in events],
        "orders": [],
    }
    rules = SOURCES + "".join(
        f'retention d{i} {{\n    cohort {first}events where name == "a"\n'
        f'    return events where name == "v"\n    by day\n    periods {periods}\n}}\n'
        for i, first in enumerate(["", "first "])
    )
    as_of = base + dt.timedelta(days=300)
    scenario = Scenario(rules, "UTC", tables, as_of, ((None, None),))
    project = checked(scenario)
    assert project.reports is not None
    duckdb = get_target("duckdb")
    sql = render(retention_query(project, project.reports.retentions[0], as_of, duckdb), duckdb)
    assert ("BIT_OR" in sql) == (periods <= 126), sql
    engine = DuckDBEngine()
    try:
        load(engine, scenario)
        for name in ("d0", "d1"):
            got = run_retention(engine, project, name, as_of)
            assert got == evaluate_report(project, tables, name, as_of)
            assert sum(sum(c for c in cohort["retained"] if c) for cohort in got["cohorts"]) > 3
    finally:
        engine.close()


def test_a_report_over_a_source_scans_its_window_with_no_row_numbers() -> None:
    """The report's scan reads only the rows of its window and numbers no user's rows (a
    funnel's row identity): computed before the window's filter, that window function
    read the whole history. A median still numbers its group's values."""
    as_of = dt.datetime(2026, 11, 1)
    rules = SOURCES + (
        "report by_channel over events in last 30 days by channel {\n    n = count()\n}\n"
        "report middle over orders in last 30 days {\n    m = median(amount)\n}\n"
    )
    project = checked(Scenario(rules, "UTC", {}, as_of, ((None, None),)))
    assert project.reports is not None
    duckdb = get_target("duckdb")
    counted, middle = (
        render(report_query(project, report, as_of, duckdb), duckdb)
        for report in project.reports.reports
    )
    assert "ROW_NUMBER" not in counted, counted
    scan = counted[counted.index('"segl_q_src0" AS') : counted.index('"segl_q_rrows" AS')]
    assert "CAST('2026-10-02 00:00:00' AS TIMESTAMP)" in scan, scan
    # the median picks from its group's values sorted in one list on DuckDB; the portable
    # form ranks the values (one ROW_NUMBER)
    assert "ROW_NUMBER" not in middle and "LIST_SORT" in middle, middle
    postgres = get_target("postgres")
    ranked = render(report_query(project, project.reports.reports[1], as_of, postgres), postgres)
    assert ranked.count("ROW_NUMBER") == 1, ranked


def test_sqlite_reads_each_sources_times_once_in_materialized_steps() -> None:
    """SQLite inlined a CTE read once into its reader and kept times as text, whose reading
    is a CASE of GLOBs and DATETIMEs: a rolling retention in Europe/Berlin re-read every
    event's time for each row of the zone's offsets and each cell of the join (400 events:
    112 s, 500 did not finish; a probe). Every step is materialized, and a source's times
    are read once, in a step of its own; the results are the reference's
    (test_retention_agrees_with_the_reference)."""
    rules = SOURCES + "retention r { cohort events return events by day periods 30 rolling }\n"
    config = ProjectConfig(name="diff", timezone="Europe/Berlin", universe="users")
    project, diagnostics = check_programs([parse_program(rules, "r.segl")], config)
    assert project is not None, [str(d) for d in diagnostics]
    [retention] = project.reports.retentions
    as_of = dt.datetime(2026, 4, 1)
    sqlite = get_target("sqlite")
    sql = render(retention_query(project, retention, as_of, sqlite), sqlite, pretty=False)
    reading = "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"  # one per time read
    assert sql.count(reading) == 1
    assert not re.search(r'"segl_q_\w+" AS \(', sql)  # every step of the report's
    assert sql.count(" AS MATERIALIZED (") > 5
    duckdb = get_target("duckdb")
    assert "MATERIALIZED" not in render(retention_query(project, retention, as_of, duckdb), duckdb)

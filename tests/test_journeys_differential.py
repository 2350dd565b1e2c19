"""Differential property test of journeys (SPEC §3.2): generated journeys x generated data
(DST, weekends, month ends, events at run instants; users moving between the tiers of a
layering, which `enter on moved(...)` reads) x generated schedules (irregular
cadences, gaps of days, runs exactly at an event's time) give the same outbox on the
reference evaluator (runtime/reference/journeys.py) and on each engine.

SEGL_JOURNEY_EXAMPLES sets the number of examples on DuckDB (default 500); the other
engines run a fifth of it (at least 100 scenarios): SQLite and PostgreSQL one scenario per
example; ClickHouse and Spark (seconds per statement) 3 and 2 examples, each with 34 and 50
groups of users under the same rules and schedule, each group its own scenario (102 and
100 scenarios).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import loaded_rules
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from segl.compiler.journeys.model import payload_json
from segl.compiler.types import Type
from segl.dsl.diagnostics import Diagnostic
from segl.runtime.engines import Engine
from segl.runtime.outbox import read_outbox
from segl.runtime.project import LoadedProject
from segl.runtime.reference.journeys import simulate
from segl.runtime.run import run_loaded, store_of

EXAMPLES = int(os.environ.get("SEGL_JOURNEY_EXAMPLES", "500"))
# ClickHouse and Spark take seconds per statement: fewer examples (rules and schedules),
# each with many groups of users (scenarios): (examples per 500, groups per example)
SLOW_ENGINES = {"clickhouse": (3, 34), "spark": (2, 50)}

SOURCES = """\
source users from table "users" key user_id zone tz {
    user_id: number
    tz: string
}
source events from table "events" user user_id time ts { name: string }
source orders from table "orders" user user_id time ts { amount: number }
tag visits = count(events where name == "visit" in last 7 days)
tag spend = sum(orders.amount)
tag last_seen = max(events.ts)
tag registered = exists(events where name == "register")
layering activity {
    engaged when visits >= 1 and spend > 5
    browsing when visits >= 1
    idle otherwise
}
"""
ZONES = [None, "Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Sydney", "Bad/Zone"]
PROJECT_ZONES = ["UTC", "Asia/Shanghai", "America/New_York", "Europe/Berlin"]
# around a DST change (US and EU in March and October/November), a month end, a weekend
STARTS = [
    dt.datetime(2026, 3, 6, 8),
    dt.datetime(2026, 3, 27, 20),
    dt.datetime(2026, 10, 23, 9),
    dt.datetime(2026, 10, 30, 22),
    dt.datetime(2026, 1, 30, 12),
]
NAMES = ["register", "visit", "view"]
CHANNELS = ["wecom", "push", "sms"]
DURATIONS = ["0 minutes", "30 minutes", "1 hour", "5 hours", "1 day", "2 days", "1 week"]


@dataclass(frozen=True)
class Scenario:
    rules: str
    timezone: str
    users: list[list[Any]]
    events: list[list[Any]]
    orders: list[list[Any]]
    runs: list[dt.datetime]


@st.composite
def steps(draw: st.DrawFn, index: int) -> str:
    clauses = []
    after_index = draw(st.integers(0, len(DURATIONS) - 1))
    if draw(st.booleans()):
        clauses.append(f"after {DURATIONS[after_index]}")
    else:
        after_index = 0
    if draw(st.integers(0, 3)) == 0:  # `within` longer than `after` (else E0704)
        within = draw(st.sampled_from([*DURATIONS[after_index + 1 :], "10 days"]))
        clauses.append(f"within {within}")
    if draw(st.integers(0, 3)) == 0:
        clauses.append(draw(st.sampled_from(["on weekend", "on weekdays"])))
    if draw(st.integers(0, 2)) == 0:
        start = draw(st.integers(0, 23))
        length = draw(st.integers(1, 12))
        end = (start + length) % 24
        clauses.append(
            f"between {start:02d}:{draw(st.sampled_from(['00', '30']))} and {end:02d}:00"
        )
    channel = draw(st.sampled_from(CHANNELS))
    line = f'    step s{index} {" ".join(clauses)}: send {channel} "t{index}"'
    if draw(st.booleans()):
        line += " with visits, big = spend > 5"
    if draw(st.integers(0, 2)) == 0:
        line += draw(st.sampled_from([" if visits >= 1", " if spend > 5", " if last_seen is null"]))
    return line


@st.composite
def journeys(draw: st.DrawFn, name: str) -> str:
    enter = draw(
        st.sampled_from(
            [
                'enter on events where name == "register"',
                "enter on orders",
                "enter on first orders",
                'enter on first events where name == "visit"',
                'enter on events where name != "view"',
                "enter when visits >= 1",
                "enter when spend > 5 or visits == 0",
                "enter when registered and hours_since(last_seen) >= 20",
                'enter on moved(activity, from "browsing", to "idle")',
                'enter on moved(activity, from "idle", to "engaged")',
            ]
        )
    )
    lines = [f"journey {name} {{", f"    {enter}"]
    if draw(st.booleans()):
        lines.append(f"    reenter after {draw(st.sampled_from(['0 days', '1 hour', '2 days']))}")
    exit_rule = draw(
        st.sampled_from(
            [None, "exit on orders", 'exit on events where name == "visit"', "exit when spend > 10"]
        )
    )
    if exit_rule:
        lines.append(f"    {exit_rule}")
    for index in range(draw(st.integers(1, 3))):
        lines.append(draw(steps(index)))
    if draw(st.integers(0, 4)) == 0:
        lines.append(f'    holdout h_{name} {draw(st.sampled_from(["10", "50"]))}% salt "{name}"')
    lines.append("}")
    return "\n".join(lines)


@st.composite
def policies(draw: st.DrawFn, names: list[str]) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append(f"    quiet {draw(st.sampled_from(['22:00 to 08:00', '12:00 to 13:30']))}")
    if draw(st.booleans()):
        lines.append(f"    cap {draw(st.sampled_from([*CHANNELS, 'all']))} 1 per day")
    if draw(st.booleans()):
        span = draw(st.sampled_from(["6 hours", "2 days"]))
        lines.append(f"    cap all {draw(st.integers(1, 3))} per {span}")
    if draw(st.booleans()) and len(names) > 1:
        lines.append(f"    priority {', '.join(reversed(names))}")
    if draw(st.integers(0, 3)) == 0:
        lines.append('holdout everyone 20% salt "all"'.rjust(0))
        return "policy {\n" + "\n".join(lines[:-1]) + "\n}\n" + lines[-1] + "\n"
    return "policy {\n" + "\n".join(lines) + "\n}\n" if lines else ""


@st.composite
def user_data(draw: st.DrawFn, start: dt.datetime, runs: list[dt.datetime], first: int) -> tuple:
    users, events, orders = [], [], []
    span_minutes = int((runs[-1] - start).total_seconds() // 60) + 1
    moments = st.one_of(
        st.integers(-3 * 1440, span_minutes).map(lambda m: start + dt.timedelta(minutes=m)),
        st.sampled_from(runs),  # an event exactly at a run instant
    )
    for user in range(first, first + draw(st.integers(1, 5))):
        users.append([user, draw(st.sampled_from(ZONES))])
        for _ in range(draw(st.integers(0, 4))):
            events.append([user, draw(moments), draw(st.sampled_from(NAMES))])
        for _ in range(draw(st.integers(0, 2))):
            orders.append([user, draw(moments), float(draw(st.integers(1, 9)))])
    return users, events, orders


@st.composite
def scenarios(draw: st.DrawFn, groups: int = 1) -> Scenario:
    start = draw(st.sampled_from(STARTS))
    gaps = draw(
        st.lists(
            st.sampled_from([15, 45, 60, 180, 600, 1440, 2 * 1440, 3 * 1440 + 7]),
            min_size=2,
            max_size=7,
        )
    )
    runs = [start]
    for gap in gaps:
        runs.append(runs[-1] + dt.timedelta(minutes=gap))
    names = [f"j{i}" for i in range(draw(st.integers(1, 3)))]
    body = "\n".join(draw(journeys(name)) for name in names)
    rules = SOURCES + body + "\n" + draw(policies(names))
    users: list[list[Any]] = []
    events: list[list[Any]] = []
    orders: list[list[Any]] = []
    for group in range(groups):
        u, e, o = draw(user_data(start, runs, 1 + 100 * group))
        users += u
        events += e
        orders += o
    return Scenario(rules, draw(st.sampled_from(PROJECT_ZONES)), users, events, orders, runs)


def loaded_of(scenario: Scenario) -> LoadedProject:
    return loaded_rules(scenario.rules, "diff", scenario.timezone, first=no_quiet_windows)


def no_quiet_windows(diagnostics: list[Diagnostic]) -> None:
    """A window inside the quiet hours is refused (E0704): the generator may draw one."""
    assume(not any(d.code == "E0704" for d in diagnostics))


COLUMNS = {
    "users": [("user_id", Type.NUMBER), ("tz", Type.STRING)],
    "events": [("user_id", Type.NUMBER), ("ts", Type.TIMESTAMP), ("name", Type.STRING)],
    "orders": [("user_id", Type.NUMBER), ("ts", Type.TIMESTAMP), ("amount", Type.NUMBER)],
}


def rows_of(scenario: Scenario) -> dict[str, list[list[Any]]]:
    return {"users": scenario.users, "events": scenario.events, "orders": scenario.orders}


def expected(scenario: Scenario, loaded: LoadedProject) -> list[tuple[object, ...]]:
    assert loaded.project is not None
    tables = {
        name: [dict(zip([c for c, _ in COLUMNS[name]], row, strict=True)) for row in rows]
        for name, rows in rows_of(scenario).items()
    }
    decisions = simulate(loaded.project, tables, scenario.runs)
    return sorted(
        (
            d.journey, d.step, float(d.user), d.entry_at, d.due_at, d.run_at, d.status,  # type: ignore[arg-type]
            d.message_id("diff"), json.dumps(json.loads(payload_json(d.payload)), sort_keys=True),
        )
        for d in decisions
    )  # fmt: skip


def actual(engine: Engine, scenario: Scenario, loaded: LoadedProject) -> list[tuple[object, ...]]:
    for name, rows in rows_of(scenario).items():
        engine.create_table(name, COLUMNS[name], rows)
    for as_of in scenario.runs:
        run_loaded(loaded, engine, as_of, allow_empty=True)
    decisions = read_outbox(engine, store_of(loaded, engine))
    return sorted(
        (
            d["journey"], d["step"], float(d["user"]), d["entry_at"], d["due_at"], d["run_at"],
            d["status"], d["message_id"], json.dumps(d["payload"], sort_keys=True),
        )
        for d in decisions
    )  # fmt: skip


def check_scenario(engine: Engine, scenario: Scenario) -> None:
    loaded = loaded_of(scenario)
    got, want = actual(engine, scenario, loaded), expected(scenario, loaded)
    only_engine = [d for d in got if d not in want]
    only_reference = [d for d in want if d not in got]
    assert not only_engine and not only_reference, (only_engine, only_reference, scenario.rules)


def _examples(engine_name: str) -> int:
    if engine_name == "duckdb":
        return EXAMPLES
    if engine_name in SLOW_ENGINES:
        return max(1, SLOW_ENGINES[engine_name][0] * EXAMPLES // 500)
    return max(100, EXAMPLES // 5)


SUPPRESSED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]


def test_the_engines_agree_with_the_reference(engine: Engine, engine_name: str) -> None:
    # engine_name is the parameter ("clickhouse"); engine.name is the driver's ("chdb")
    groups = SLOW_ENGINES[engine_name][1] if engine_name in SLOW_ENGINES else 1

    @settings(
        max_examples=_examples(engine_name),
        deadline=None,
        suppress_health_check=SUPPRESSED,
        database=None,
    )
    @given(scenarios(groups))
    def check(scenario: Scenario) -> None:
        _reset(engine)
        check_scenario(engine, scenario)

    check()


def _reset(engine: Engine) -> None:
    """Every example starts from an empty result store (the same engine, new schedule)."""
    from sqlglot import exp

    from segl.compiler.sqlgen import render, table_ref

    tables = [
        "segl_diff_tags", "segl_diff_members", "segl_diff_layers", "segl_diff_journey_entries",
        "segl_diff_outbox", "segl_diff_holdout_shares", "segl_diff_journey_runs",
        "segl_runs",
    ]  # fmt: skip
    for table in tables:
        drop = exp.Drop(tables=[table_ref(table)], kind="TABLE", exists=True)
        engine.query(render(drop, engine.target, pretty=False))


@pytest.mark.parametrize("seed", range(3))
def test_the_reference_runs_on_generated_scenarios(seed: int) -> None:
    """The generator's scenarios check and simulate (fast: no engine)."""

    @settings(max_examples=50, deadline=None, database=None, suppress_health_check=SUPPRESSED)
    @given(scenarios())
    def check(scenario: Scenario) -> None:
        loaded = loaded_of(scenario)
        expected(scenario, loaded)

    check()

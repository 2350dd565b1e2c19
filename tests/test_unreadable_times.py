"""W0606: times an engine keeps as text and segl cannot read (SQLite, a ClickHouse String
column: an offset, a `Z`, a number, any other text) were read as null without a word, so
those events were in no window. A run counts and names them, and still runs; engines whose
time columns are typed refuse a text column before (E0604)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import loaded_rules
from engine_fixtures import Providers

from segl.compiler.types import Type
from segl.dsl.diagnostics import DiagnosticError
from segl.runtime.engines import DuckDBEngine
from segl.runtime.project import LoadedProject
from segl.runtime.run import run_loaded
from segl.runtime.unreadable_times import unreadable_times

RULES = """\
source users from table "users" key user_id created joined { user_id: number }
source events from table "events" user user_id time ts { name: string }
tag seen = count(events)
segment seen_once = seen == 1
"""
AS_OF = dt.datetime(2026, 11, 1)
EVENTS = [
    [1, "2026-10-30 10:00:00", "read"],  # the form segl reads
    [1, "2026-10-30T10:00:00Z", "zulu"],
    [1, "2026-10-30 10:00:00+08:00", "offset"],
    [1, "yesterday", "text"],
    [1, None, "no time"],  # null is no time, and not unreadable
]


def _loaded() -> LoadedProject:
    return loaded_rules(RULES, "shop")


@pytest.mark.parametrize("engine_name", ["sqlite", "clickhouse"])
def test_times_kept_as_text_that_read_as_null_are_counted(
    engine_name: str, engine_providers: Providers
) -> None:
    engine = engine_providers.fresh(engine_name, "unreadable_times")
    try:
        users = [("user_id", Type.NUMBER), ("joined", Type.TIMESTAMP)]
        engine.create_table("users", users, [[1, "2026-01-01 00:00:00"], [2, "soon"]])
        events = [("user_id", Type.NUMBER), ("ts", Type.TIMESTAMP), ("name", Type.STRING)]
        engine.create_table("events", events, EVENTS)
        loaded = _loaded()
        summary = run_loaded(loaded, engine, AS_OF)
        said = {d.message for d in summary.warnings if d.code == "W0606"}
        assert said == {
            "source 'users' (table users): 1 row has a joined that is no time segl reads "
            "(e.g. 'soon'), so those rows count as created before every as-of",
            "source 'events' (table events): 3 rows have a ts that is no time segl reads "
            "(e.g. '2026-10-30 10:00:00+08:00'), so those events are in no window, funnel or "
            "journey",
        }
        # the run goes on: both users (the unreadable `created` counts as always), and
        # user 1's one readable event
        assert (summary.users, summary.segment_sizes) == (2, {"seen_once": 1})
        readable = [row for row in EVENTS if row[2] in ("read", "no time")]
        engine.create_table("events", events, readable)
        assert [d.message for d in unreadable_times(loaded, engine) if "events" in d.message] == []
    finally:
        engine.close()


def test_days_and_hours_no_calendar_has_are_counted_and_null(engine_providers: Providers) -> None:
    """'2026-02-30' and hour 24 read as null on SQLite as on ClickHouse, but SQLite's quick
    test of the usual form (DATETIME(x) = x) took them as written and W0606 did not count
    them; a date column read '2000-01-15 24:00:00' as 2000-01-15 (an acceptance probe).
    (ClickHouse's test tables hold dates as Date32, times as text: the test above.)"""
    rules = RULES.replace("{ user_id: number }", "{ user_id: number  born: date }")
    rules += "tag birthday = users.born\n"
    loaded = loaded_rules(rules, "calendar")
    engine = engine_providers.fresh("sqlite", "unreadable_times")
    try:
        users = [("user_id", Type.NUMBER), ("joined", Type.TIMESTAMP), ("born", Type.DATE)]
        born = ["2000-01-15 24:00:00", "2000-02-30", "2000-03-01 10:00:00"]
        joined = "2026-01-01 00:00:00"
        engine.create_table("users", users, [[n, joined, b] for n, b in enumerate(born)])
        events = [("user_id", Type.NUMBER), ("ts", Type.TIMESTAMP), ("name", Type.STRING)]
        times = ["2026-10-15 24:00:00", "2026-02-30 10:00:00", "2026-10-15 10:00:00"]
        engine.create_table("events", events, [[n, t, "visit"] for n, t in enumerate(times)])
        summary = run_loaded(loaded, engine, AS_OF)
        counted = sorted(
            d.message.split(": ")[1][:9] for d in summary.warnings if d.code == "W0606"
        )
        assert counted == ["2 rows ha", "2 rows ha"], summary.warnings
        stored = 'SELECT user_id, seen, birthday FROM "segl_calendar_tags" ORDER BY user_id'
        rows = [(int(u), n, b if b is None else str(b)[:10]) for u, n, b in engine.query(stored)]
        assert rows == [(0, 0, None), (1, 0, None), (2, 1, "2000-03-01")]
    finally:
        engine.close()


def test_a_typed_engine_refuses_a_text_time_column_before_reading_it() -> None:
    """DuckDB (PostgreSQL, Spark alike) reads a time column's type: text there is E0604,
    so no value of it is silently null, and nothing is counted."""
    engine = DuckDBEngine()
    engine.create_table("users", [("user_id", Type.NUMBER), ("joined", Type.TIMESTAMP)], [])
    events = [("user_id", Type.NUMBER), ("ts", Type.STRING), ("name", Type.STRING)]
    engine.create_table("events", events, [[1, "2026-10-30T10:00:00Z", "zulu"]])
    with pytest.raises(DiagnosticError) as raised:
        run_loaded(_loaded(), engine, AS_OF)
    assert [d.code for d in raised.value.diagnostics] == ["E0604"]
    assert not engine.holds_time_as_text("VARCHAR")

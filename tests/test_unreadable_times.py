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

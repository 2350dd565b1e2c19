"""User keys in an unsigned 64-bit column (DuckDB's UBIGINT, ClickHouse's UInt64, the
only engines of the five with one): the journey state, the outbox and the experiment
assignments keep every digit (Kind.WIDE_KEY). Stored as doubles, 2^60 + 1 was written as
2^60 (a user who does not exist), so the same user entered a journey twice; 2^64 - 1 and
2^64 - 2 became one key; and ClickHouse refused every experiment over such keys (no
common type of UInt64 and the stored Float64)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from conftest import loaded_rules
from providers import clickhouse, duckdb

from segl.compiler.types import Type
from segl.runtime.assignments import run_sticky_experiment
from segl.runtime.engines import Engine
from segl.runtime.outbox import read_outbox
from segl.runtime.project import LoadedProject
from segl.runtime.run import run_loaded, store_of

RULES = """
source users from table "users" key user_id { user_id: number }
source events from table "events" user user_id time ts { name: string }
journey welcome {
    enter on events where name == "register"
    step hello: send sms "hello"
}
experiment ex {
    population true
    salt "wide"
    arm control 50%
    arm treat 50%
    metric visits = count(events)
}
"""
KEYS = [1, 2**60 + 1, 2**60 + 3, 2**64 - 2, 2**64 - 1]
UNSIGNED = {"duckdb": "UBIGINT", "clickhouse": "Nullable(UInt64)"}
START = dt.datetime(2026, 10, 31)


@pytest.fixture(params=sorted(UNSIGNED))
def wide(request: pytest.FixtureRequest) -> Iterator[tuple[str, Engine]]:
    provider = {"duckdb": duckdb, "clickhouse": clickhouse}[request.param]
    engine = provider.fresh_engine(provider.start(), request.node.name)
    yield request.param, engine
    if hasattr(provider, "drop"):
        provider.drop(engine)


def load(name: str, engine: Engine, events: list[list[object]]) -> None:
    """users and events with the keys as the unsigned type (created as text, then retyped
    where the engine can alter a column, else rebuilt)."""
    kind = UNSIGNED[name]
    engine.create_table("users", [("user_id", Type.STRING)], [[str(k)] for k in KEYS])
    columns = [("user_id", Type.STRING), ("ts", Type.TIMESTAMP), ("name", Type.STRING)]
    engine.create_table("events", columns, [[str(e[0]), *e[1:]] for e in events])
    for table in ("users", "events"):
        if name == "clickhouse":
            engine.query(f"ALTER TABLE {table} MODIFY COLUMN user_id {kind}")
        else:
            engine.query(f"ALTER TABLE {table} ALTER user_id TYPE {kind}")


def loaded() -> LoadedProject:
    return loaded_rules(RULES, "wide")


def test_journeys_and_assignments_keep_every_digit(wide: tuple[str, Engine]) -> None:
    name, engine = wide
    project = loaded()
    registered = [[k, START + dt.timedelta(hours=12), "register"] for k in KEYS]
    again = [[2**60 + 1, START + dt.timedelta(days=1, hours=12), "register"]]
    load(name, engine, registered + again)
    for day in range(3):  # the first run starts the journey; entries come after it
        run_loaded(project, engine, START + dt.timedelta(days=day), allow_empty=True)
    decisions = read_outbox(engine, store_of(project, engine))
    # one entry each, ever (no reenter): the second register of 2^60 + 1 enters nobody
    assert sorted(int(d["user"]) for d in decisions) == KEYS
    assert project.project is not None
    store = store_of(project, engine)
    result = run_sticky_experiment(engine, store, project.project, "ex", START)
    # hashed with every digit up to 2^63 - 1; beyond the signed 64-bit range no bucket
    # (docs/reports.md: not assigned)
    assert sum(arm["users"] for arm in result["arms"]) == 3
    assert result["unassigned"] == 2


REFUSED = {
    "duckdb": ["HUGEINT", "UHUGEINT", "DECIMAL(20,0)", "DECIMAL(16,0)", "UUID", "DATE"],
    "clickhouse": ["Int128", "UInt256", "Nullable(Decimal(20, 0))", "UUID", "Date"],
}
KEPT = {
    "duckdb": ["BIGINT", "UBIGINT", "DECIMAL(15,0)", "DOUBLE", "INTEGER"],
    "clickhouse": ["Int64", "Nullable(UInt64)", "Float64", "UInt32", "Nullable(Int32)"],
}


def test_key_columns_segl_cannot_keep_exactly_are_refused(wide: tuple[str, Engine]) -> None:
    """A user column of UUIDs, dates or integers wider than 64 bits (and decimals of more
    digits than a double holds) is E0604 at `check --db` and every run: staged as doubles,
    two such keys became one user, and a UUID or a date ended the run with an internal
    error."""
    from segl.runtime.run import verify_sources

    name, engine = wide
    for kind, refused in [(k, True) for k in REFUSED[name]] + [(k, False) for k in KEPT[name]]:
        tail = " ENGINE = Memory" if name == "clickhouse" else ""
        time, text = ("DateTime64(6)", "String") if name == "clickhouse" else ("TIMESTAMP", "TEXT")
        for table, columns in (("users", ""), ("events", f", ts {time}, name {text}")):
            engine.query(f"DROP TABLE IF EXISTS {table}")
            engine.query(f"CREATE TABLE {table} (user_id {kind}{columns}){tail}")
        codes = [d.code for d in verify_sources(loaded(), engine)]
        assert ("E0604" in codes) is refused, (kind, codes)


def test_an_infinite_key_is_a_literal_every_engine_reads(engine: Engine) -> None:
    """A key of a floating column may be ±infinity (an ordinary number, SPEC §3): as a
    literal (the `IN` list of the users a journey run reads) it was written `inf`, which
    DuckDB and SQLite read as a column name."""
    from segl.compiler.sqlgen import render
    from segl.compiler.sqlgen.query import key_literal

    high, low = (render(key_literal(engine.target, v), engine.target) for v in (INF, -INF))
    assert engine.query(f"SELECT {high}, {low}") == [(INF, -INF)]


INF = float("inf")


def test_clickhouse_refuses_float_user_columns_against_integer_keys() -> None:
    """ClickHouse joins no integer key with a floating one ("no supertype for types
    Float64, Int64"): `check --db` passed and every run failed; now E0604 on ClickHouse
    only (DuckDB joins them, 2.0 as 2)."""
    from segl.runtime.run import verify_sources

    engine = clickhouse.fresh_engine(clickhouse.start(), "float_keys")
    try:
        for events_key, refused in (
            ("Float64", True),
            ("Int32", False),
            ("Nullable(Float64)", True),
        ):
            for table, kind, more in (
                ("users", "Int64", ""),
                ("events", events_key, ", ts DateTime64(6), name String"),
            ):
                engine.query(f"DROP TABLE IF EXISTS {table}")
                engine.query(f"CREATE TABLE {table} (user_id {kind}{more}) ENGINE = Memory")
            codes = [d.code for d in verify_sources(loaded(), engine)]
            assert ("E0604" in codes) is refused, (events_key, codes)
    finally:
        clickhouse.drop(engine)

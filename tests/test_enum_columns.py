"""A column declared `string` that the warehouse holds as an enumerated type (DuckDB's
ENUM, PostgreSQL's enum types, ClickHouse's Enum8) or as ClickHouse's FixedString is
read as its text: compared and sorted by code point (SPEC §3), as the reference reads
the same values; not by the enum's declared order, not with a FixedString's NUL padding.
SQLite and Spark have no such types: the same rules over plain text."""

from __future__ import annotations

import datetime as dt

from segl.compiler.checker import check_programs
from segl.compiler.script import compile_run
from segl.compiler.types import Type
from segl.dsl.parser import parse_program
from segl.runtime import reference
from segl.runtime.engines import Engine
from segl.runtime.run import read_result

AS_OF = dt.datetime(2026, 11, 1)
RULES = """
source users from table "users" key user_id { user_id: number  lvl: string  code: string }
source ev from table "ev" user user_id time ts { tier: string }
tag before_gold = users.lvl < "gold"
tag lowest = min(ev.tier)
tag highest = max(ev.tier)
tag usual = most_frequent(ev.tier)
tag code_length = length(users.code)
tag code_ends = users.code ends with "C"
segment after_bronze = users.lvl > "bronze"
"""
LEVELS = ("gold", "silver", "bronze")  # declared order: not code-point order
USERS = [
    {"user_id": 1, "lvl": "gold", "code": "C"},
    {"user_id": 2, "lvl": "silver", "code": "AB"},
    {"user_id": 3, "lvl": "bronze", "code": None},
]
EVENTS = [
    {"user_id": 1, "ts": dt.datetime(2026, 10, d), "tier": t}
    for d, t in ((1, "gold"), (2, "bronze"), (3, "silver"), (4, "bronze"), (5, "gold"))
]
ENUM = ", ".join(f"'{level}'" for level in LEVELS)
CLICKHOUSE_ENUM = ", ".join(f"'{level}' = {i + 1}" for i, level in enumerate(LEVELS))
RETYPED = {
    "duckdb": [
        f"CREATE TYPE level AS ENUM ({ENUM})",
        "ALTER TABLE users ALTER lvl TYPE level",
        "ALTER TABLE ev ALTER tier TYPE level",
    ],
    "postgres": [
        f"CREATE TYPE level AS ENUM ({ENUM})",
        "ALTER TABLE users ALTER lvl TYPE level USING lvl::level",
        "ALTER TABLE ev ALTER tier TYPE level USING tier::level",
    ],
    "clickhouse": [
        f"ALTER TABLE users MODIFY COLUMN lvl Nullable(Enum8({CLICKHOUSE_ENUM}))",
        f"ALTER TABLE ev MODIFY COLUMN tier Nullable(Enum8({CLICKHOUSE_ENUM}))",
        "ALTER TABLE users MODIFY COLUMN code Nullable(FixedString(2))",
    ],
}


def test_enumerated_and_fixed_text_compare_as_text(engine: Engine, engine_name: str) -> None:
    project, diagnostics = check_programs([parse_program(RULES, "rules.segl")])
    assert project is not None, diagnostics
    engine.create_table(
        "users",
        [("user_id", Type.NUMBER), ("lvl", Type.STRING), ("code", Type.STRING)],
        [list(row.values()) for row in USERS],
    )
    engine.create_table(
        "ev",
        [("user_id", Type.NUMBER), ("ts", Type.TIMESTAMP), ("tier", Type.STRING)],
        [list(row.values()) for row in EVENTS],
    )
    for statement in RETYPED.get(engine_name, []):
        engine.query(statement)
    # `check --db` takes them as strings (PostgreSQL's enum types were E0604)
    for table, column in (("users", "lvl"), ("users", "code"), ("ev", "tier")):
        found = (engine.columns_of(table) or {})[column]
        assert engine.fits(Type.STRING, found), (table, column, found)
    compiled = compile_run(project, AS_OF, engine.target)
    engine.execute_run(compiled.frame, compiled.body_sql())
    got = read_result(compiled, engine)
    assert got.tags["before_gold"] == {1: False, 2: False, 3: True}
    assert got.tags["lowest"][1] == "bronze" and got.tags["highest"][1] == "silver"
    assert got.tags["usual"][1] == "bronze"  # two each: the smaller by code point
    assert got.tags["code_length"] == {1: 1, 2: 2, 3: None}
    assert got.tags["code_ends"] == {1: True, 2: False, 3: None}
    assert got.segments["after_bronze"] == {1, 2}
    expected = reference.evaluate(project, {"users": USERS, "ev": EVENTS}, AS_OF)
    assert got.tags == expected.tags and got.segments == expected.segments

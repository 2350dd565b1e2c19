"""The engine matrix: every test runs on every engine of `engine_fixtures.ENGINE_NAMES`.

(a) every example project on the demo warehouse gives the same members, layers and tag
values as DuckDB and the reference evaluator; (b) an edge-case corpus with explicit expected
values; (c) the hypothesis differential test against the reference evaluator
(SEGL_MATRIX_EXAMPLES examples per engine, default 300; SEGL_MATRIX_EXAMPLES_SPARK for Spark,
default 300, evaluated in batches); (d) the metamorphic partition check; (e) an injection
corpus that must come back byte-identical.

An engine keeps one database for a whole test: each run writes its own result tables (a
fresh prefix), so hypothesis examples reuse the engine instead of starting a new one.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
import os
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import hypothesis
import pytest
from engine_fixtures import ENGINE_NAMES, provider
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from strategies import TRICHOTOMY, Scenario, scenarios, trichotomy_projects
from test_differential import differences

from segl.compiler import ir
from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.script import compile_run
from segl.dsl.diagnostics import DiagnosticError
from segl.dsl.parser import parse_program
from segl.runtime import reference
from segl.runtime.demo_data import DEMO_ANCHOR, build_demo_warehouse
from segl.runtime.engines import DuckDBEngine, Engine
from segl.runtime.inmemory import load_rows
from segl.runtime.project import load_project
from segl.runtime.results import RunResult
from segl.runtime.run import read_result, run_loaded

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.name for p in (ROOT / "examples").iterdir() if (p / "segl.toml").exists())
DEMO_USERS = 300
MATRIX_EXAMPLES = int(os.environ.get("SEGL_MATRIX_EXAMPLES", "300"))  # issue 3: >= 300
# Spark spends about a second planning and scheduling any query, however small: its
# generated scenarios are evaluated SLOW_BATCH per query (see `_batched`)
SPARK_EXAMPLES = int(os.environ.get("SEGL_MATRIX_EXAMPLES_SPARK", "300"))
SLOW_BATCH = 10
FAST_ENGINES = [name for name in ENGINE_NAMES if name != "spark"]
SLOW_ENGINES = [name for name in ENGINE_NAMES if name == "spark"]
_RUNS = itertools.count()

Tables = Mapping[str, Sequence[Mapping[str, object]]]


def run_here(engine: Engine, project: ir.Project, tables: Tables, as_of: dt.datetime) -> RunResult:
    """Load the rows (replacing the source tables), run into fresh result tables, read back."""
    load_rows(engine, project, tables)
    prefix = f"segl_r{next(_RUNS)}_"
    compiled = compile_run(project, as_of, engine.target, prefix=prefix)
    engine.execute_run(compiled.frame, compiled.body_sql())  # the zone, then the run
    return read_result(compiled, engine)


def project_from(text: str, timezone: str = "UTC", name: str = "matrix") -> ir.Project:
    project, diagnostics = check_programs(
        [parse_program(text, "case.segl")], ProjectConfig(name=name, timezone=timezone)
    )
    assert project is not None, [str(d) for d in diagnostics]
    return project


# ---------------------------------------------------------------- (a) example projects


@functools.cache
def demo_tables() -> dict[str, list[dict[str, object]]]:
    """The demo warehouse's rows (DEMO_USERS users), by table name."""
    con = duckdb.connect()
    try:
        build_demo_warehouse(con, users=DEMO_USERS)
        out: dict[str, list[dict[str, object]]] = {}
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
            cursor = con.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            out[table] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return out
    finally:
        con.close()


@functools.cache
def example_case(example: str) -> tuple[ir.Project, dict[str, list[dict[str, object]]]]:
    loaded = load_project(ROOT / "examples" / example)
    assert loaded.project is not None
    project = loaded.project
    rows = demo_tables()
    return project, {s.name: rows[s.table] for s in project.sources}


@functools.cache
def example_expected(example: str) -> tuple[RunResult, RunResult]:
    """(reference evaluator, DuckDB) results of an example on the demo rows."""
    project, tables = example_case(example)
    duck = DuckDBEngine(":memory:")
    try:
        on_duckdb = run_here(duck, project, tables, DEMO_ANCHOR)
    finally:
        duck.close()
    return reference.evaluate(project, tables, DEMO_ANCHOR), on_duckdb


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_project(engine: Engine, example: str) -> None:
    project, tables = example_case(example)
    expected, on_duckdb = example_expected(example)
    actual = run_here(engine, project, tables, DEMO_ANCHOR)
    assert sum(len(m) for m in actual.segments.values()) > 0
    for label, other in (("reference", expected), ("duckdb", on_duckdb)):
        problems = differences(actual, other, project)
        assert not problems, f"{engine.name} vs {label}:\n" + "\n".join(problems[:20])


# ---------------------------------------------------------------- (b) edge cases

SOURCES = """
source users from table "users" key user_id {
    user_id: number
    city: string
    birthday: date
    registered_at: timestamp
    score: number
}
source orders from table "orders" user user_id time ts {
    amount: number
    brand: string
}
"""


def person(uid: int, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "user_id": uid,
        "city": None,
        "birthday": None,
        "registered_at": None,
        "score": None,
    }
    row.update(values)
    return row


def buy(uid: int, ts: dt.datetime | None, amount: float | None = 1.0, brand: str | None = "A"):  # type: ignore[no-untyped-def]
    return {"user_id": uid, "ts": ts, "amount": amount, "brand": brand}


@dataclass
class Case:
    id: str
    rules: str
    users: list[dict[str, object]]
    orders: list[dict[str, object]]
    as_of: dt.datetime
    tags: dict[str, dict[int, object]] = field(default_factory=dict)
    segments: dict[str, set[int]] = field(default_factory=dict)
    timezone: str = "UTC"


T = dt.datetime
CASES = [
    Case(
        # numbers are doubles (SPEC §3); a count and an integer literal are integers in SQL,
        # and their product overflowed 64 bits: an error on DuckDB, PostgreSQL and Spark,
        # a wrapped UInt64 on ClickHouse (an acceptance probe)
        "products_beyond_64_bits",
        """
        tag big = count(orders) * 4000000000 * 4000000000
        tag literal = 3000000000 * 4000000000
        tag grouped = (count(orders) + 1) * 5000000000 * 4000000000
        tag under = count(orders) - 5
        """,
        [person(1), person(2)],
        [buy(1, T(2026, 10, 1)), buy(1, T(2026, 10, 2)), buy(1, T(2026, 10, 3))],
        T(2026, 11, 1),
        tags={
            "big": {1: 4.8e19, 2: 0.0},
            "literal": {1: 1.2e19, 2: 1.2e19},
            "grouped": {1: 8e19, 2: 2e19},
            "under": {1: -2.0, 2: -5.0},
        },
    ),
    Case(
        "null_in_list",
        """
        tag t_in = users.city in ["Beijing", null]
        tag t_not_in = users.city not in ["Beijing", null]
        segment s_in = users.city in ["Beijing", null]
        segment s_not_in = users.city not in ["Beijing", null]
        segment s_unknown = (users.city not in ["Beijing", null]) is null
        """,
        [person(1, city="Beijing"), person(2, city="Shanghai"), person(3)],
        [],
        T(2026, 11, 1),
        tags={"t_in": {1: True, 2: None, 3: None}, "t_not_in": {1: False, 2: None, 3: None}},
        segments={"s_in": {1}, "s_not_in": set(), "s_unknown": {2, 3}},
    ),
    Case(
        "empty_history",
        """
        tag n = count(orders)
        tag total = sum(orders.amount)
        tag any = exists(orders)
        tag mean = avg(orders.amount)
        tag low = min(orders.amount)
        tag top = max(orders.brand)
        tag head = first(orders.brand)
        tag tail = last(orders.amount)
        tag fav = most_frequent(orders.brand)
        tag kinds = count_distinct(orders.brand)
        """,
        [person(1), person(2)],
        [buy(2, T(2026, 10, 1), 5.0, "B"), buy(2, T(2026, 11, 1), 7.0, "C")],
        T(2026, 11, 1),
        tags={
            "n": {1: 0, 2: 1},
            "total": {1: 0, 2: 5.0},
            "any": {1: False, 2: True},
            "mean": {1: None, 2: 5.0},
            "low": {1: None, 2: 5.0},
            "top": {1: None, 2: "B"},
            "head": {1: None, 2: "B"},
            "tail": {1: None, 2: 5.0},
            "fav": {1: None, 2: "B"},
            "kinds": {1: 0, 2: 1},
        },
    ),
    Case(
        # a function's argument that is an operation (age is `year - year - correction`)
        # went unparenthesised into round's own arithmetic: `a - b - c * 10.0`
        "operation_as_argument",
        """
        tag r = round(age(timestamp "2025-02-28 02:30:00"), 1)
        tag m = 3 % round(age(timestamp "2025-02-28 02:30:00"), 1)
        tag s = round(days_since(users.registered_at) - 0.5, 0)
        tag e = abs(age(users.birthday) - 20)
        """,
        [person(1, birthday=dt.date(2000, 4, 1), registered_at=T(2024, 3, 1))],
        [],
        T(2024, 3, 31),
        tags={"r": {1: -1.0}, "m": {1: 0.0}, "s": {1: 30.0}, "e": {1: 3.0}},
    ),
    Case(
        # NaN is null once, around a whole tree of arithmetic (a guard at every level
        # nested exponentially): NaN made deep inside still reads as null at its root
        "nan_inside_arithmetic",
        """
        tag nan_deep = (users.score - users.score) * 2 + 1
        tag zero_inf = users.score * 0 + 5
        tag guarded = coalesce((users.score - users.score) + 1, -1)
        tag fine = users.score / 1e300 + users.score / 1e300
        """
        + "".join(f"tag t{i} = users.score * {i + 1}\n" for i in range(24))
        + "tag total = "
        + " + ".join(f"t{i}" for i in range(24)),
        # an infinity in the data (PostgreSQL refuses to overflow into one)
        [person(1, score=math.inf), person(2, score=1.0), person(3)],
        [],
        T(2024, 3, 31),
        tags={
            "nan_deep": {1: None, 2: 1.0, 3: None},
            "zero_inf": {1: None, 2: 5.0, 3: None},
            "guarded": {1: -1.0, 2: 1.0, 3: -1.0},
            "fine": {1: math.inf, 2: 2e-300, 3: None},
            "total": {1: math.inf, 2: 300.0, 3: None},
        },
    ),
    Case(
        "month_end",
        """
        tag n1m = count(orders in last 1 months)
        tag n3m = count(orders in last 3 months)
        """,
        [person(1), person(2)],
        [
            buy(1, T(2024, 2, 29)),  # 2024-03-31 minus 1 month clamps to 2024-02-29
            buy(2, T(2024, 2, 28, 23, 59, 59)),
            buy(2, T(2023, 12, 31)),  # exactly 3 months before
            buy(2, T(2023, 12, 30, 23, 59, 59)),
        ],
        T(2024, 3, 31),
        tags={"n1m": {1: 1, 2: 0}, "n3m": {1: 1, 2: 2}},
    ),
    Case(
        "feb29",
        """
        tag years = age(users.birthday)
        tag registered_day = date(users.registered_at)
        tag days = days_since(users.registered_at)
        """,
        [
            person(1, birthday=dt.date(2000, 2, 29), registered_at=T(2024, 2, 29, 12)),
            person(2, birthday=dt.date(2000, 2, 28), registered_at=T(2024, 2, 28, 23, 59, 59)),
            person(3, birthday=dt.date(2000, 3, 1), registered_at=T(2025, 2, 27, 12)),
        ],
        [],
        T(2025, 2, 28, 12),
        tags={
            "years": {1: 24, 2: 25, 3: 24},
            "registered_day": {
                1: dt.date(2024, 2, 29),
                2: dt.date(2024, 2, 28),
                3: dt.date(2025, 2, 27),
            },
            "days": {1: 365, 2: 365, 3: 1},
        },
    ),
    Case(
        "dst_transition",
        """
        tag hours = hours_since(users.registered_at)
        tag clock = hour(users.registered_at)
        tag n24h = count(orders in last 24 hours)
        """,
        [
            person(1, registered_at=T(2025, 3, 9, 0, 0)),
            person(2, registered_at=T(2025, 3, 9, 2, 30)),  # a wall-clock time that never was
            person(3, registered_at=T(2025, 3, 9, 3, 0)),
        ],
        [
            buy(1, T(2025, 3, 8, 12)),  # exactly 24 wall-clock hours before
            buy(2, T(2025, 3, 8, 11, 59, 59)),
        ],
        T(2025, 3, 9, 12),
        tags={
            "hours": {1: 12, 2: 9, 3: 9},
            "clock": {1: 0, 2: 2, 3: 3},
            "n24h": {1: 1, 2: 0, 3: 0},
        },
        timezone="America/New_York",
    ),
    Case(
        "division_by_zero",
        """
        tag by_zero = users.score / 0
        tag by_difference = users.score / (users.score - users.score)
        tag share = count(orders where amount > 1) / count(orders)
        tag halves = count(orders) / 2
        segment divided = users.score / 0 is null
        """,
        [person(1, score=3.0), person(2, score=0.0), person(3)],
        [buy(1, T(2026, 10, 1), 2.0), buy(1, T(2026, 10, 2), 1.0), buy(1, T(2026, 10, 3), 5.0)],
        T(2026, 11, 1),
        tags={
            "by_zero": {1: None, 2: None, 3: None},
            "by_difference": {1: None, 2: None, 3: None},
            "share": {1: 2 / 3, 2: None, 3: None},
            "halves": {1: 1.5, 2: 0.0, 3: 0.0},
        },
        segments={"divided": {1, 2, 3}},
    ),
    Case(
        "empty_strings",
        """
        tag size = length(users.city)
        tag blank = users.city == ""
        segment empty_city = users.city == ""
        segment has_city = users.city is not null
        """,
        [person(1, city=""), person(2, city=" "), person(3)],
        [],
        T(2026, 11, 1),
        tags={"size": {1: 0, 2: 1, 3: None}, "blank": {1: True, 2: False, 3: None}},
        segments={"empty_city": {1}, "has_city": {1, 2}},
    ),
    Case(
        "unicode",
        """
        tag size = length(users.city)
        tag low = min(orders.brand)
        tag high = max(orders.brand)
        segment beijing = users.city == "北京"
        segment after_z = users.city > "z"
        segment starts = users.city starts with "北"
        segment ends = users.city ends with "京"
        segment inside = users.city contains "😀"
        """,
        [person(1, city="北京"), person(2, city="é"), person(3, city="a😀b"), person(4, city="Z")],
        [
            buy(1, T(2026, 10, 1), brand="a"),
            buy(1, T(2026, 10, 2), brand="B"),
            buy(1, T(2026, 10, 3), brand="北"),
            buy(1, T(2026, 10, 4), brand="é"),
        ],
        T(2026, 11, 1),
        tags={
            "size": {1: 2, 2: 1, 3: 3, 4: 1},
            "low": {1: "B", 2: None, 3: None, 4: None},
            "high": {1: "北", 2: None, 3: None, 4: None},
        },
        segments={
            "beijing": {1},
            "after_z": {1, 2},
            "starts": {1},
            "ends": {1},
            "inside": {3},
        },
    ),
    Case(
        "unicode_case",
        """
        tag low = lower(users.city)
        tag up = upper(users.city)
        segment lowered = lower(users.city) == "äbc"
        """,
        [person(1, city="ÄbC"), person(2, city="北京"), person(3, city="É")],
        [],
        T(2026, 11, 1),
        tags={
            "low": {1: "äbc", 2: "北京", 3: "é"},
            "up": {1: "ÄBC", 2: "北京", 3: "É"},
        },
        segments={"lowered": {1}},
    ),
    Case(
        "weekend_boundaries",
        """
        tag weekday = day_of_week(users.registered_at)
        tag weekend_orders = count(orders where day_of_week(ts) >= 6)
        segment weekend = day_of_week(users.registered_at) >= 6
        """,
        [
            person(1, registered_at=T(2026, 10, 30, 23, 59, 59)),  # Friday
            person(2, registered_at=T(2026, 10, 31, 0, 0, 0)),  # Saturday
            person(3, registered_at=T(2026, 11, 1, 23, 59, 59)),  # Sunday
            person(4, registered_at=T(2026, 11, 2, 0, 0, 0)),  # Monday
        ],
        [
            buy(1, T(2026, 10, 30, 23, 59, 59)),
            buy(1, T(2026, 10, 31, 0, 0, 0)),
            buy(1, T(2026, 11, 1, 23, 59, 59)),
            buy(1, T(2026, 11, 2, 0, 0, 0)),
        ],
        T(2026, 11, 3),
        tags={
            "weekday": {1: 5, 2: 6, 3: 7, 4: 1},
            "weekend_orders": {1: 2, 2: 0, 3: 0, 4: 0},
        },
        segments={"weekend": {2, 3}},
    ),
    Case(
        "most_frequent_ties",
        """
        tag fav_brand = most_frequent(orders.brand)
        tag fav_amount = most_frequent(orders.amount)
        """,
        [person(1), person(2), person(3)],
        [
            buy(1, T(2026, 10, 1), 10.0, "b"),
            buy(1, T(2026, 10, 2), 2.0, "B"),
            buy(1, T(2026, 10, 3), 10.0, "b"),
            buy(1, T(2026, 10, 4), 2.0, "B"),
            buy(2, T(2026, 10, 1), None, None),
            buy(2, T(2026, 10, 2), None, None),
            buy(2, T(2026, 10, 3), 3.0, "x"),
            buy(3, T(2026, 10, 1), 1.0, "北"),
            buy(3, T(2026, 10, 2), 1.0, "z"),
        ],
        T(2026, 11, 1),
        tags={
            "fav_brand": {1: "B", 2: "x", 3: "z"},
            "fav_amount": {1: 2.0, 2: 3.0, 3: 1.0},
        },
    ),
    Case(
        "first_last_ties",
        """
        tag first_amount = first(orders.amount)
        tag last_amount = last(orders.amount)
        tag first_brand = first(orders.brand)
        tag last_brand = last(orders.brand)
        """,
        [person(1), person(2), person(3)],
        [
            buy(1, T(2026, 10, 1), 20.0, "b"),
            buy(1, T(2026, 10, 1), 10.0, "a"),
            buy(1, T(2026, 10, 5), 30.0, "C"),
            buy(1, T(2026, 10, 5), 40.0, "D"),
            buy(2, T(2026, 10, 1), None, None),
            buy(2, T(2026, 10, 2), 5.0, "x"),
            buy(2, T(2026, 10, 3), None, None),
            buy(3, T(2026, 10, 1), None, None),
            buy(3, T(2026, 10, 1), 7.0, "y"),
            buy(3, None, 99.0, "zz"),  # no time: ignored
        ],
        T(2026, 11, 1),
        tags={
            "first_amount": {1: 10.0, 2: None, 3: 7.0},
            "last_amount": {1: 40.0, 2: None, 3: 7.0},
            "first_brand": {1: "a", 2: None, 3: "y"},
            "last_brand": {1: "D", 2: None, 3: "y"},
        },
    ),
    Case(
        "rounding",
        """
        tag r0 = round(users.score, 0)
        tag r1 = round(users.score, 1)
        """,
        [person(1, score=2.5), person(2, score=-2.5), person(3, score=0.25), person(4)],
        [],
        T(2026, 11, 1),
        tags={"r0": {1: 3.0, 2: -3.0, 3: 0.0, 4: None}, "r1": {1: 2.5, 2: -2.5, 3: 0.3, 4: None}},
    ),
    Case(
        # half away from zero of the exact double (0.49999999999999994 is below a half), a
        # value too large to carry decimals kept as it is, 2^52 + 1 whole, rounds nested
        "rounding_edges",
        """
        tag r0 = round(users.score, 0)
        tag r2 = round(users.score, 2)
        tag r10 = round(users.score, 10)
        tag nested = round(round(round(round(users.score * 1.1, 2) * 1.1, 2) * 1.1, 2) * 1.1, 2)
        """,
        [
            person(1, score=0.49999999999999994),
            person(2, score=-0.49999999999999994),
            person(3, score=2.675),
            person(4, score=1e300),
            person(5, score=4503599627370497.0),
            person(6, score=-7.45),
        ],
        [],
        T(2026, 11, 1),
        tags={
            "r0": {1: 0.0, 2: 0.0, 3: 3.0, 4: 1e300, 5: 4503599627370497.0, 6: -7.0},
            "r2": {1: 0.5, 2: -0.5, 3: 2.68, 4: 1e300, 5: 4503599627370497.0, 6: -7.45},
            "r10": {1: 0.5, 2: -0.5, 3: 2.675, 4: 1e300, 5: 4503599627370497.0, 6: -7.45},
            "nested": {
                1: 0.74,
                2: -0.74,
                3: 3.91,
                4: 1.4641000000000008e300,
                5: 6593720214433146.0,
                6: -10.91,
            },
        },
    ),
    Case(
        "string_order",
        """
        segment above_upper = users.city > "Z"
        segment below_lower = users.city < "a"
        """,
        [person(1, city="a"), person(2, city="B"), person(3, city="é"), person(4, city="_")],
        [],
        T(2026, 11, 1),
        segments={"above_upper": {1, 3, 4}, "below_lower": {2, 4}},
    ),
    Case(
        "days_since_precision",
        """
        tag days = days_since(users.registered_at)
        tag between = days_between(users.registered_at, now)
        """,
        [
            person(1, registered_at=T(2026, 10, 31, 0, 0, 1)),
            person(2, registered_at=T(2026, 10, 31, 0, 0, 0)),
            person(3, registered_at=T(2026, 10, 30, 23, 59, 59)),
        ],
        [],
        T(2026, 11, 1),
        tags={"days": {1: 0, 2: 1, 3: 1}, "between": {1: 0, 2: 1, 3: 1}},
    ),
    Case(
        "elapsed_exact_boundaries",
        """
        tag days = days_since(users.registered_at)
        tag hours = hours_since(users.registered_at)
        """,
        [
            person(k, registered_at=T(2026, 11, 1, 13, 47, 29) - dt.timedelta(days=k, hours=k))
            for k in range(1, 41)
        ],
        [],
        T(2026, 11, 1, 13, 47, 29),
        tags={
            "days": {k: k + k // 24 for k in range(1, 41)},
            "hours": {k: 25 * k for k in range(1, 41)},
        },
    ),
    Case(
        "layer_after_otherwise",  # W0002: it never matches, `otherwise` takes the rest
        """
        layering l {
            high when users.score > 100
            rest otherwise
            low when users.score > 0
        }
        segment in_rest = l == "rest"
        segment in_low = l == "low"
        """,
        [person(1, score=5), person(2, score=-5), person(3, score=500), person(4)],
        [],
        T(2026, 11, 1),
        segments={"in_rest": {1, 2, 4}, "in_low": set()},
    ),
]


def _check_case(case: Case, result: RunResult, who: str) -> None:
    from test_differential import same_value

    problems = []
    for tag, values in case.tags.items():
        for uid, want in values.items():
            got = result.tags[tag].get(uid, "<missing>")
            if not same_value(got, want):
                problems.append(f"tag {tag} user {uid}: got {got!r}, expected {want!r}")
    for segment, members in case.segments.items():
        if result.segments[segment] != members:
            problems.append(f"segment {segment}: got {result.segments[segment]}, want {members}")
    assert not problems, f"{who}, case {case.id}:\n" + "\n".join(problems)


def _case_project(case: Case) -> tuple[ir.Project, dict[str, list[dict[str, object]]]]:
    project = project_from(SOURCES + case.rules, case.timezone)
    return project, {"users": case.users, "orders": case.orders}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_edge_case_reference(case: Case) -> None:
    """The reference evaluator agrees with the explicit expected values (runs once)."""
    project, tables = _case_project(case)
    _check_case(case, reference.evaluate(project, tables, case.as_of), "reference")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_edge_case(engine: Engine, case: Case) -> None:
    project, tables = _case_project(case)
    _check_case(case, run_here(engine, project, tables, case.as_of), engine.name)


def test_tables_named_like_the_query_stages(engine: Engine) -> None:
    """Warehouse tables called `usr`, `base`, `ev_0`, `agg_0` and `lvl_1` (the run query's
    stage names once; SQLite read such a table inside the stage of its name as the stage:
    "circular reference")."""
    project, diagnostics = check_programs(
        [
            parse_program(
                """
        source usr from table "usr" key user_id { city: string }
        source base from table "base" user user_id time ts { amount: number }
        source ev from table "ev_0" user user_id time ts { name: string }
        source agg from table "agg_0" key user_id { level: number }
        source lvl from table "lvl_1" user user_id time ts { kind: string }
        tag spend = sum(base.amount)
        tag visits = count(ev where name == "visit")
        tag level = agg.level
        tag kinds = count_distinct(lvl.kind)
        tag big = spend + visits > 3
        """,
                "case.segl",
            )
        ],
        ProjectConfig(name="stages", timezone="UTC", universe="usr"),
    )
    assert project is not None, [str(d) for d in diagnostics]
    when = dt.datetime(2026, 10, 1)
    tables: Tables = {
        "usr": [{"user_id": 1, "city": "a"}, {"user_id": 2, "city": "b"}],
        "base": [{"user_id": 1, "ts": when, "amount": 5.0}],
        "ev": [
            {"user_id": 1, "ts": when, "name": "visit"},
            {"user_id": 2, "ts": when, "name": "x"},
        ],
        "agg": [{"user_id": 2, "level": 3.0}],
        "lvl": [{"user_id": 2, "ts": when, "kind": "k"}],
    }
    got = run_here(engine, project, tables, dt.datetime(2026, 11, 1))
    expected = reference.evaluate(project, tables, dt.datetime(2026, 11, 1))
    assert not differences(got, expected, project)
    assert got.tags["spend"] == {1: 5.0, 2: 0.0}
    assert got.tags["level"] == {1: None, 2: 3.0}


# ---------------------------------------------------------------- (c) differential

MATRIX_SETTINGS = settings(
    max_examples=MATRIX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


def _differential(engine: Engine, scenario: Scenario) -> None:
    project, tables, as_of = scenario.project, scenario.tables, scenario.as_of
    expected = reference.evaluate(project, tables, as_of)
    actual = run_here(engine, project, tables, as_of)
    problems = differences(actual, expected, project)
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("engine_name", FAST_ENGINES, indirect=True)
@MATRIX_SETTINGS
@given(scenario=scenarios())
def test_differential(engine: Engine, scenario: Scenario) -> None:
    _differential(engine, scenario)


def _batched(
    engine: Engine,
    strategy: st.SearchStrategy[Scenario],
    examples: int,
    check: Callable[[Scenario, RunResult], None],
) -> None:
    """Hypothesis over `examples` scenarios, evaluated SLOW_BATCH per engine query.

    Three passes with one seed: draw the scenarios; evaluate them in batches (the
    provider's `run_batch`: one query per batch); replay the same draws through
    hypothesis, checking each scenario's stored result. Hypothesis so still reports and
    shrinks a failure; scenarios of the shrinking, not drawn before, run one by one."""
    batch = provider(engine.name).run_batch
    seed = int(os.environ.get("SEGL_MATRIX_SEED", random.getrandbits(32)))
    runs = settings(MATRIX_SETTINGS, max_examples=examples)
    drawn: dict[str, Scenario] = {}

    @runs
    @hypothesis.seed(seed)
    @given(scenario=strategy)
    def draw(scenario: Scenario) -> None:
        drawn.setdefault(repr(scenario), scenario)

    draw()
    known: dict[str, RunResult] = {}
    keys = list(drawn)
    for start in range(0, len(keys), SLOW_BATCH):
        chunk = keys[start : start + SLOW_BATCH]
        cases = [(drawn[k].project, drawn[k].tables, drawn[k].as_of) for k in chunk]
        known.update(zip(chunk, batch(engine, cases), strict=True))

    @runs
    @hypothesis.seed(seed)
    @given(scenario=strategy)
    def replay(scenario: Scenario) -> None:
        note(f"SEGL_MATRIX_SEED={seed}")
        result = known.get(repr(scenario))
        if result is None:
            result = batch(engine, [(scenario.project, scenario.tables, scenario.as_of)])[0]
        check(scenario, result)

    replay()
    assert len(known) >= min(examples, 50), f"only {len(known)} distinct scenarios drawn"


def _agrees_with_reference(scenario: Scenario, actual: RunResult) -> None:
    expected = reference.evaluate(scenario.project, scenario.tables, scenario.as_of)
    problems = differences(actual, expected, scenario.project)
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("engine_name", SLOW_ENGINES, indirect=True)
def test_differential_slow_engines(engine: Engine) -> None:
    """The differential test on engines that plan each query for a second or more: the
    per-user results of SLOW_BATCH scenarios come from one query (no history writes;
    the example projects and edge cases cover the full run)."""
    _batched(engine, scenarios(), SPARK_EXAMPLES, _agrees_with_reference)


# ---------------------------------------------------------------- (d) metamorphic


def _partition(engine: Engine, scenario: Scenario) -> None:
    _partitioned(run_here(engine, scenario.project, scenario.tables, scenario.as_of))


def _partitioned(result: RunResult) -> None:
    p, not_p, unknown = (result.segments[name] for name in TRICHOTOMY)
    assert not (p & not_p) and not (p & unknown) and not (not_p & unknown)
    assert p | not_p | unknown == result.users


@pytest.mark.parametrize("engine_name", FAST_ENGINES, indirect=True)
@settings(MATRIX_SETTINGS, max_examples=max(1, MATRIX_EXAMPLES // 3))
@given(scenario=scenarios(trichotomy_projects()))
def test_partition(engine: Engine, scenario: Scenario) -> None:
    """p, `not p` and `p is null` are disjoint and together every user."""
    _partition(engine, scenario)


@pytest.mark.parametrize("engine_name", SLOW_ENGINES, indirect=True)
def test_partition_slow_engines(engine: Engine) -> None:
    """The same partition check on the slow engines, batched like their differential."""
    _batched(
        engine,
        scenarios(trichotomy_projects()),
        max(1, SPARK_EXAMPLES // 3),
        lambda _, result: _partitioned(result),
    )


# ---------------------------------------------------------------- (e) injection corpus

INJECTION = [
    "'",
    "''",
    '"',
    "`",
    "´",
    "’",
    "\\",
    "\\'",
    "\\\\'",
    "'; DROP TABLE users; --",
    '"; DROP TABLE users; --',
    "`; DROP TABLE users; --",
    "$$",
    "$tag$ x $tag$",
    "-- comment",
    "/* comment */",
    "*/",
    "#",
    "%_",
    "?",
    ":name",
    "{}",
    "\u202eevil\u202c",
    "\u200f\u200e\u2066x\u2069",
    "\ufeffbom",
    "北京 😀",
    "x" * 10_000,
    "'" * 500 + "\\" * 500,
]


def dsl_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_injection_corpus_round_trips(engine: Engine) -> None:
    """Each string, as a tag value and compared with profile data, comes back byte-identical."""
    rules = [SOURCES]
    for index, value in enumerate(INJECTION):
        rules.append(f"tag v{index} = {dsl_string(value)}")
        rules.append(f"segment s{index} = users.city == {dsl_string(value)}")
    project = project_from("\n".join(rules))
    users = [person(index + 1, city=value) for index, value in enumerate(INJECTION)]
    result = run_here(engine, project, {"users": users, "orders": []}, T(2026, 11, 1))
    assert result.users == set(range(1, len(INJECTION) + 1))
    for index, value in enumerate(INJECTION):
        values = set(result.tags[f"v{index}"].values())
        assert values == {value}, (index, [v[:40] for v in values if isinstance(v, str)])
        assert result.segments[f"s{index}"] == {index + 1}, (index, value[:40])
    # nothing was dropped along the way
    assert engine.columns_of("users") is not None


WEIRD_TABLE = 'we\'ird "x" table; --'
# engines whose catalog refuses WEIRD_TABLE: `segl run` reports this code instead of a
# raw engine error, and the test runs the same columns from a plainly named table
TABLE_NAME_LIMITS = {"spark": "E0608"}


def _weird_project(table: str) -> str:
    escaped = table.replace("\\", "\\\\").replace('"', '\\"')
    return f"""
    source weird from table "{escaped}" key select {{
        select: number
        group: string
        from: timestamp
    }}
    tag g = weird.group
    tag f = weird.from
    segment s = weird.group == "x"
    """


def _refused_run(engine: Engine, folder: Path) -> list[str]:
    """The diagnostics of `segl run` for a project reading WEIRD_TABLE."""
    folder.mkdir()
    (folder / "segl.toml").write_text('[project]\nname = "weird"\n', "utf-8")
    (folder / "weird.segl").write_text(_weird_project(WEIRD_TABLE), "utf-8")
    loaded = load_project(folder)
    assert loaded.project is not None, [str(d) for d in loaded.diagnostics]
    with pytest.raises(DiagnosticError) as info:
        run_loaded(loaded, engine, T(2026, 11, 1))
    return [f"{d.code} {d.message}" for d in info.value.diagnostics]


def test_identifiers_come_only_from_schemas(
    engine: Engine, engine_name: str, tmp_path: Path
) -> None:
    """Declared names that are SQL keywords or hold quotes and spaces are plain, quoted
    identifiers: the table and its columns work, and nothing else reaches the SQL. An
    engine whose catalog cannot hold such a table name says so with a named diagnostic."""
    table = WEIRD_TABLE
    code = TABLE_NAME_LIMITS.get(engine_name)
    assert (engine.table_name_problem(table) is not None) == (code is not None)
    if code is not None:
        problems = _refused_run(engine, tmp_path / "weird")
        assert len(problems) == 1 and problems[0].startswith(code), problems
        assert f"table '{table}' of source 'weird' cannot exist" in problems[0], problems
        assert f"the {engine.name} database" in problems[0], problems
        table = "weird_x_table"
    project = project_from(_weird_project(table))
    when = T(2026, 10, 1, 8, 30)
    rows = [{"select": 1, "group": "x", "from": when}, {"select": 2, "group": None, "from": None}]
    result = run_here(engine, project, {"weird": rows}, T(2026, 11, 1))
    assert result.tags["g"] == {1: "x", 2: None}
    assert result.tags["f"] == {1: when, 2: None}
    assert result.segments["s"] == {1}
    assert engine.columns_of(table) is not None

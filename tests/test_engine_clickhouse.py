"""The ClickHouse engines: chdb in-process (executed here) and a server through
clickhouse-connect. No ClickHouse server can be installed here (see docs/engines.md): the
server engine shares every method but `_run` with the chdb engine, so the chdb tests cover
its SQL, types and settings; its own tests are URL parsing, the version check and errors.

chdb allows one data path per process: the in-process tests share one in-memory session
(the engine-matrix provider's) and give each engine its own database; the tests of a data
directory on disk run `segl` in a subprocess."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_unopened_in_one_diagnostic
from hypothesis import HealthCheck, given, settings
from providers import clickhouse as provider
from strategies import Scenario, scenarios
from test_differential import differences

from segl.compiler import ir
from segl.compiler.checker import check_programs
from segl.compiler.script import RunInfo, compile_run
from segl.compiler.store import Store
from segl.compiler.types import Type
from segl.dsl.parser import parse_program
from segl.runtime import engine_clickhouse as ch
from segl.runtime import reference
from segl.runtime.cli import main
from segl.runtime.engines import (
    DRIVER_HINT,
    DuckDBEngine,
    Engine,
    EngineError,
    UnsupportedURL,
    connect,
)
from segl.runtime.inmemory import run_on
from segl.runtime.project import load_project
from segl.runtime.run import compile_for, read_result, run_loaded

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT / "examples" / "retail"
AS_OF = dt.datetime(2026, 11, 1)
DIFF_EXAMPLES = int(os.environ.get("SEGL_CLICKHOUSE_DIFF_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def handle() -> Iterator[object]:
    yield provider.start()  # the process's one chdb session: left open for other suites


@pytest.fixture
def engine(handle: object, request: pytest.FixtureRequest) -> Iterator[ch.ChdbEngine]:
    made = provider.fresh_engine(handle, request.node.name)
    assert isinstance(made, ch.ChdbEngine)
    yield made
    provider.drop(made)


def project_of(text: str) -> ir.Project:
    project, diagnostics = check_programs([parse_program(text, "t.segl")])
    assert project is not None, diagnostics
    return project


# ---------------------------------------------------------------- URLs and drivers


def test_server_url_parsing() -> None:
    assert ch.parse_server_url("clickhouse://alice:s%40cret@db.example:9000/crm") == {
        "host": "db.example",
        "port": 9000,
        "username": "alice",
        "password": "s@cret",
        "database": "crm",
        "secure": False,
    }
    assert ch.parse_server_url("clickhouse://h?secure=true") == {
        "host": "h",
        "port": 8443,
        "username": "default",
        "password": "",
        "database": "default",
        "secure": True,
    }


def test_chdb_url_parsing(tmp_path: Path) -> None:
    assert ch.parse_chdb_url("chdb://", None) == ("", "default")
    assert ch.parse_chdb_url("chdb:///:memory:?database=x", None) == ("", "x")
    assert ch.parse_chdb_url("chdb:////abs/dir", None) == ("/abs/dir", "default")
    assert ch.parse_chdb_url("chdb:///rel/dir", tmp_path) == (str(tmp_path / "rel/dir"), "default")


def test_missing_driver_gives_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "clickhouse_connect", None)
    with pytest.raises(UnsupportedURL, match=r"pip install 'segl\[clickhouse\]'$"):
        connect("clickhouse://localhost/db")
    monkeypatch.setitem(sys.modules, "chdb.session", None)
    with pytest.raises(UnsupportedURL, match=r"chdb needs the chdb driver: pip install"):
        connect("chdb:///:memory:")


def test_missing_driver_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "clickhouse_connect", None)
    code = main(["check", str(RETAIL), "--db", "clickhouse://localhost/db"])
    err = capsys.readouterr().err.strip()
    assert code != 0
    first, hint = err.splitlines()
    assert first.endswith("pip install 'segl[clickhouse]'"), err
    assert hint.strip() == f"hint: {DRIVER_HINT}", err


def test_unreachable_server_is_an_engine_error() -> None:
    with pytest.raises(EngineError, match="cannot connect to ClickHouse"):
        connect("clickhouse://default@127.0.0.1:1/default")


def test_an_unreachable_server_is_said_once_on_the_command_line() -> None:
    """clickhouse-connect logs the failed connection itself; without a handler Python
    printed that line ("Unexpected Http Driver Exception") before segl's E0605."""
    assert_unopened_in_one_diagnostic("clickhouse://default@127.0.0.1:1/default", "")


def test_old_servers_are_refused_with_the_version_needed() -> None:
    for version in ("26.9.2.1", "23.6", "24.3.1.2672"):
        ch.check_server_version(version)
    for version in ("23.5.1", "18.16.1", "garbage"):
        with pytest.raises(EngineError, match=r"needs ClickHouse 23\.6 or newer; .* is "):
            ch.check_server_version(version)


def test_both_engines_share_everything_but_running_a_statement() -> None:
    """So the chdb tests cover the server engine's SQL, types, settings and loading."""

    def defined(cls: type) -> set[str]:
        return {n for n in vars(cls) if not n.startswith("__") and n != "_abc_impl"}

    assert defined(ch.ClickHouseServerEngine) == {"name", "_run", "close"}
    assert defined(ch.ChdbEngine) == {"name", "_run", "close", "_prepare"}


def test_settings_include_the_optional_ones_this_clickhouse_knows(engine: ch.ChdbEngine) -> None:
    engine.use_timezone("Asia/Shanghai")
    assert engine.settings() == {
        "session_timezone": "Asia/Shanghai",
        "join_use_nulls": 1,
        "optimize_arithmetic_operations_in_aggregate_functions": 0,
        "allow_lossy_numeric_supertype": 1,  # chdb 4 is ClickHouse 26: it knows it
    }
    assert engine.query("SELECT getSetting('allow_lossy_numeric_supertype')") == [(True,)]


def test_a_second_data_path_in_one_process_is_refused(handle: object, tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="one data path per process"):
        connect(f"chdb:///{tmp_path}/other")


def test_fits() -> None:
    fits = ch.clickhouse_type_fits
    assert fits(Type.NUMBER, "Nullable(Int64)") and fits(Type.NUMBER, "Decimal(18, 2)")
    assert fits(Type.STRING, "LowCardinality(Nullable(String))")
    assert fits(Type.BOOL, "Bool") and fits(Type.DATE, "Date32")
    assert fits(Type.TIMESTAMP, "DateTime64(3, 'Asia/Shanghai')") and fits(Type.TIMESTAMP, "Date")
    assert not fits(Type.NUMBER, "String") and not fits(Type.DATE, "DateTime")


# ---------------------------------------------------------------- traps, with explicit values


def test_null_in_list_is_three_valued(engine: ch.ChdbEngine) -> None:
    project = project_of(
        """
source users from table "users" key user_id { user_id: number  city: string }
tag in_list = users.city in ["b", null]
tag not_in_list = not (users.city in ["b", null])
segment in_seg = users.city in ["b", null]
segment not_in_seg = not (users.city in ["b", null])
"""
    )
    rows = [{"user_id": 1, "city": "a"}, {"user_id": 2, "city": "b"}, {"user_id": 3, "city": None}]
    got = run_on(engine, project, {"users": rows}, AS_OF)
    assert got.tags["in_list"] == {1: None, 2: True, 3: None}
    assert got.tags["not_in_list"] == {1: None, 2: False, 3: None}
    assert got.segments == {"in_seg": {2}, "not_in_seg": set()}
    assert not differences(got, reference.evaluate(project, {"users": rows}, AS_OF), project)
    # the trap itself, for the record: ClickHouse's own IN says 0 and NOT IN says 1
    assert engine.query("SELECT 'a' IN ('b', NULL), 'a' NOT IN ('b', NULL)") == [(0, 1)]


def test_in_list_items_that_are_comparisons_keep_their_parentheses(
    engine: ch.ChdbEngine,
) -> None:
    # found by the differential test: `a = '' = ''` is `(a = '') = ''` in ClickHouse
    project = project_of(
        """
source users from table "users" key user_id { user_id: number  city: string }
tag x = (users.city == "a") in ["a" == "a", false]
"""
    )
    rows = [{"user_id": 1, "city": None}, {"user_id": 2, "city": "a"}, {"user_id": 3, "city": "b"}]
    got = run_on(engine, project, {"users": rows}, AS_OF)
    assert got.tags["x"] == {1: None, 2: True, 3: True}


def test_users_without_events_get_nulls_not_zeros(engine: ch.ChdbEngine) -> None:
    project = project_of(
        """
source users from table "users" key user_id { user_id: number }
source orders from table "orders" user user_id time paid_at { amount: number  brand: string }
tag n = count(orders)
tag total = sum(orders.amount)
tag mean = avg(orders.amount)
tag last_at = max(orders.paid_at)
tag brand = first(orders.brand)
tag top_brand = most_frequent(orders.brand)
tag has = exists(orders)
"""
    )
    tables = {
        "users": [{"user_id": 1}, {"user_id": 2}],
        "orders": [
            {"user_id": 1, "paid_at": dt.datetime(2026, 10, 1, 12), "amount": 5.0, "brand": "x"}
        ],
    }
    got = run_on(engine, project, tables, AS_OF)
    assert got.tags == {
        "n": {1: 1, 2: 0},
        "total": {1: 5.0, 2: 0},
        "mean": {1: 5.0, 2: None},
        "last_at": {1: dt.datetime(2026, 10, 1, 12), 2: None},
        "brand": {1: "x", 2: None},
        "top_brand": {1: "x", 2: None},
        "has": {1: True, 2: False},
    }
    assert not differences(got, reference.evaluate(project, tables, AS_OF), project)


def test_a_null_constant_times_a_column_inside_an_aggregate(engine: ch.ChdbEngine) -> None:
    """ClickHouse rewrites sum(c * x) to c * sum(x) and fails when c is a NULL constant
    ("Unexpected literal type in function"); segl turns the rewrite off (QUERY_SETTINGS).
    Found by the engine matrix's property test with `sum((-null) * orders.user_id)`."""
    project = project_of(
        """
source users from table "users" key user_id { user_id: number }
source orders from table "orders" user user_id time paid_at { amount: number }
tag by_null = sum((-null) * orders.amount)
tag by_two = sum(2 * orders.amount)
"""
    )
    tables = {
        "users": [{"user_id": 1}, {"user_id": 2}],
        "orders": [{"user_id": 1, "paid_at": dt.datetime(2026, 10, 1, 12), "amount": 5.0}],
    }
    got = run_on(engine, project, tables, AS_OF)
    # a sum of only null values is the sum of no values: 0, as for users without orders
    assert got.tags == {"by_null": {1: 0, 2: 0}, "by_two": {1: 10.0, 2: 0}}
    assert not differences(got, reference.evaluate(project, tables, AS_OF), project)


def test_arithmetic_rounding_and_time(engine: ch.ChdbEngine) -> None:
    project = project_of(
        """
source users from table "users" key user_id {
    user_id: number  a: number  b: number  at: timestamp  name: string
}
tag ratio = users.a / users.b
tag r = round(users.a / 2)
tag r2 = round(users.b, 1)
tag dow = day_of_week(users.at)
tag days = days_since(users.at)
tag up = upper(users.name)
tag len = length(users.name)
"""
    )
    rows = [
        {"user_id": 1, "a": 5.0, "b": 0.0, "at": dt.datetime(2026, 10, 31, 23, 59), "name": "é"},
        {"user_id": 2, "a": -5.0, "b": 0.25, "at": dt.datetime(2026, 10, 25, 0, 0), "name": "ab"},
        {"user_id": 3, "a": 7.0, "b": -0.35, "at": None, "name": None},
    ]
    got = run_on(engine, project, {"users": rows}, AS_OF)
    assert got.tags["ratio"] == {1: None, 2: -20.0, 3: -20.0}
    assert got.tags["r"] == {1: 3.0, 2: -3.0, 3: 4.0}  # half away from zero, not to even
    assert got.tags["dow"] == {1: 6, 2: 7, 3: None}  # ISO: Saturday 6, Sunday 7
    assert got.tags["days"] == {1: 0, 2: 7, 3: None}
    assert got.tags["up"] == {1: "É", 2: "AB", 3: None}
    assert got.tags["len"] == {1: 1, 2: 2, 3: None}
    assert not differences(got, reference.evaluate(project, {"users": rows}, AS_OF), project)


def test_project_zone_reads_zoned_columns_as_local_time(engine: ch.ChdbEngine) -> None:
    engine.query(
        "CREATE TABLE users (user_id Int64, at DateTime64(3, 'UTC')) "
        "ENGINE = MergeTree ORDER BY tuple()"
    )
    engine.query("INSERT INTO users VALUES (1, '2026-10-31 20:00:00')")  # Sunday 04:00 Shanghai
    project = project_of(
        """
source users from table "users" key user_id { user_id: number  at: timestamp }
tag dow = day_of_week(users.at)
tag h = hour(users.at)
"""
    )
    compiled = compile_run(project, AS_OF, engine.target)
    engine.use_timezone("Asia/Shanghai")
    engine.execute_in_transaction(compiled.body_sql())
    got = read_result(compiled, engine)
    assert got.tags == {"dow": {1: 7}, "h": {1: 4}}


def test_naive_text_times_are_wall_clock_even_in_a_daylight_saving_gap(
    engine: ch.ChdbEngine,
) -> None:
    """ClickHouse has no naive timestamp type: text is one (what create_table writes); a
    DateTime column holds instants, read in the project's zone."""
    engine.query(
        "CREATE TABLE users (user_id Int64, at Nullable(String), seen DateTime64(0, 'UTC')) "
        "ENGINE = MergeTree ORDER BY tuple()"
    )
    engine.query(
        "INSERT INTO users VALUES (1, '2025-03-09 02:30:00', '2025-03-09 07:30:00'), "
        "(2, '2025-03-09T01:59:59.5', '2025-03-09 06:59:59'), (3, NULL, '2025-03-09 12:00:00'), "
        "(4, 'not a time', '2025-03-09 12:00:00')"
    )
    project = project_of(
        """
source users from table "users" key user_id { user_id: number  at: timestamp  seen: timestamp }
tag at_hour = hour(users.at)
tag at_hours = hours_since(users.at)
tag seen_hour = hour(users.seen)
"""
    )
    compiled = compile_run(project, dt.datetime(2025, 3, 9, 12), engine.target)
    engine.use_timezone("America/New_York")
    engine.execute_in_transaction(compiled.body_sql())
    got = read_result(compiled, engine)
    # 02:30 does not exist in New York that day; as text it stays 02:30, 9.5 wall-clock
    # hours before noon; the instant 07:30 UTC is 03:30 EDT
    assert got.tags["at_hour"] == {1: 2, 2: 1, 3: None, 4: None}
    assert got.tags["at_hours"] == {1: 9, 2: 10, 3: None, 4: None}
    assert got.tags["seen_hour"] == {1: 3, 2: 1, 3: 8, 4: 8}
    assert ch.clickhouse_type_fits(Type.TIMESTAMP, "Nullable(String)")


# ---------------------------------------------------------------- the retail example


def test_text_that_reads_as_another_time_is_null(engine: ch.ChdbEngine) -> None:
    """ClickHouse parses text times leniently: '2026-02-30' was March 2, '24:30:00' the
    next day, '' the epoch (an order at 1970-01-01, 20,758 days ago). Text is a time only
    when its date and clock read back as written; the rest is null, as SQLite reads it:
    the forms to the minute and with a `T` are that time (they were null here, a time on
    SQLite: the event was lost on ClickHouse), a dot with no digits is no time."""
    engine.query(
        "CREATE TABLE users (user_id Int64, at Nullable(String)) "
        "ENGINE = MergeTree ORDER BY tuple()"
    )
    written = [
        "2026-02-30 10:00:00", "2026-02-28 24:30:00", "", "2026-02-28 10:00",
        "2026-02-28 10:00:00", "2026-02-28", "2026-02-28T10:00:00.25", "1970-01-01 00:00:00",
        "2026-02-28T10:00", "2026-02-28 10:00:00.", " 2026-02-28 10:00:00", "2026-02-28 10:00Z",
    ]  # fmt: skip
    values = ", ".join(f"({i}, '{text}')" for i, text in enumerate(written))
    engine.query(f"INSERT INTO users VALUES {values}")
    project = project_of(
        'source users from table "users" key user_id { user_id: number  at: timestamp }\n'
        "tag at = users.at\n"
    )
    compiled = compile_run(project, dt.datetime(2026, 11, 1), engine.target)
    engine.execute_in_transaction(compiled.body_sql())
    got = read_result(compiled, engine).tags["at"]
    assert got == {
        0: None, 1: None, 2: None, 3: dt.datetime(2026, 2, 28, 10),
        4: dt.datetime(2026, 2, 28, 10), 5: dt.datetime(2026, 2, 28),
        6: dt.datetime(2026, 2, 28, 10, 0, 0, 250000), 7: dt.datetime(1970, 1, 1),
        8: dt.datetime(2026, 2, 28, 10), 9: None, 10: None, 11: None,
    }  # fmt: skip


def _demo_rows() -> dict[str, tuple[list[tuple[str, Type]], list[tuple[Any, ...]]]]:
    """The demo warehouse (300 users, built in DuckDB) as typed rows."""
    from segl.runtime.demo_data import build_demo_warehouse

    duck = DuckDBEngine(":memory:")
    try:
        build_demo_warehouse(duck.connection, users=300)
        out = {}
        for (table,) in duck.query("SELECT table_name FROM information_schema.tables"):
            columns = duck.columns_of(table)
            assert columns is not None
            typed = [(name, _segl_type(kind)) for name, kind in columns.items()]
            out[table] = (typed, duck.query(f'SELECT * FROM "{table}"'))
        return out
    finally:
        duck.close()


def _segl_type(duckdb_type: str) -> Type:
    kind = duckdb_type.upper()
    if kind.startswith(("TIMESTAMP", "DATETIME")):
        return Type.TIMESTAMP
    if kind == "DATE":
        return Type.DATE
    if kind.startswith("BOOL"):
        return Type.BOOL
    if any(word in kind for word in ("INT", "DOUBLE", "DECIMAL", "FLOAT", "REAL")):
        return Type.NUMBER
    return Type.STRING


def _load(engine: Engine, demo: dict[str, Any]) -> None:
    for table, (columns, rows) in demo.items():
        engine.create_table(table, columns, rows)


@pytest.fixture(scope="module")
def demo() -> dict[str, tuple[list[tuple[str, Type]], list[tuple[Any, ...]]]]:
    return _demo_rows()


def test_retail_on_chdb_matches_duckdb(engine: ch.ChdbEngine, demo: dict[str, Any]) -> None:
    loaded = load_project(RETAIL)
    assert loaded.project is not None
    duck = DuckDBEngine(":memory:")
    _load(duck, demo)
    engine.use_timezone(loaded.settings.config.timezone)  # before loading: see the engine
    _load(engine, demo)
    expected = run_loaded(loaded, duck, AS_OF)
    got = run_loaded(loaded, engine, AS_OF)
    assert got.users == expected.users == 300
    assert got.segment_sizes == expected.segment_sizes
    assert got.layer_counts == expected.layer_counts
    want = read_result(compile_for(loaded, duck, AS_OF), duck)
    have = read_result(compile_for(loaded, engine, AS_OF), engine)
    assert not differences(have, want, loaded.project)
    # a second as-of keeps the first; rerunning an as-of replaces its rows
    earlier = run_loaded(loaded, engine, AS_OF - dt.timedelta(days=30))
    assert 0 < earlier.users < 300  # members who registered later are not in it
    run_loaded(loaded, engine, AS_OF)
    store = Store(loaded.project)
    counts = engine.query(
        f"SELECT project, as_of, count() FROM {store.runs.name} GROUP BY project, as_of "
        "ORDER BY as_of"
    )
    assert [(project, n) for project, _, n in counts] == [("retail", 1), ("retail", 1)]
    assert engine.query(f"SELECT count() FROM {store.tags.name}") == [(300 + earlier.users,)]
    assert not [t for (t,) in engine.query("SHOW TABLES") if t.endswith(("__next", "_result"))]


def history(project: ir.Project) -> tuple[str, ...]:
    """The history tables a run of the project writes, in the order it publishes them:
    its tags, members and layers, then the shared run log."""
    return tuple(table.name for table in Store(project).history)


def _table_bytes(engine: ch.ChdbEngine, table: str) -> bytes:
    """A history table exactly as ClickHouse prints it: names, types and sorted rows."""
    sql = f"SELECT * FROM `{engine.database}`.`{table}` ORDER BY ALL"
    return bytes(engine.session.query(sql, "TSVWithNamesAndTypes").bytes())


def _history_bytes(engine: ch.ChdbEngine, tables: tuple[str, ...]) -> dict[str, bytes]:
    return {table: _table_bytes(engine, table) for table in tables}


def _restore(engine: ch.ChdbEngine, saved: str, tables: tuple[str, ...]) -> None:
    """Put back the history tables copied to `<saved><table>` (test setup, not segl)."""
    for table in tables:
        engine.execute_in_transaction(
            [
                f"DROP TABLE IF EXISTS `{table}`",
                f"CREATE TABLE `{table}` AS `{saved}{table}`",
                f"INSERT INTO `{table}` SELECT * FROM `{saved}{table}`",
            ]
        )


SMALL = """
source users from table "users" key user_id { user_id: number  city: string }
source orders from table "orders" user user_id time paid_at { amount: number }
tag spend = sum(orders.amount)
tag n30 = count(orders in last 30 days)
segment buyers = exists(orders)
layering size "Size" {
    big "Big" when spend >= 10
    small "Small" otherwise
}
"""


def _small_tables() -> dict[str, list[dict[str, object]]]:
    users = [{"user_id": i, "city": "abc"[i % 3]} for i in range(1, 21)]
    orders = [
        {
            "user_id": i % 20 + 1,
            "paid_at": dt.datetime(2026, 8, 1) + dt.timedelta(days=i),
            "amount": i,
        }
        for i in range(90)
    ]
    return {"users": users, "orders": orders}


def test_a_failure_at_any_step_leaves_each_history_table_whole(engine: ch.ChdbEngine) -> None:
    """Inject a failure before every statement of a run: until the first EXCHANGE every
    history table is byte-identical to before; after it, each table is either its old or
    its new content, never a mix, and the tables flip in order. A rerun repairs."""
    project = project_of(SMALL)
    tables = history(project)
    run_on(engine, project, _small_tables(), AS_OF - dt.timedelta(days=30))
    run_on(engine, project, _small_tables(), AS_OF)
    before = _history_bytes(engine, tables)
    for table in tables:
        engine.execute_in_transaction(
            [
                f"CREATE TABLE `saved_{table}` AS `{table}`",
                f"INSERT INTO `saved_{table}` SELECT * FROM `{table}`",
            ]
        )
    info = RunInfo(run_at=dt.datetime(2026, 11, 8, 1, tzinfo=dt.UTC))
    compiled = compile_run(project, AS_OF + dt.timedelta(days=7), engine.target, info=info)
    statements = compiled.body_sql()
    engine.execute_in_transaction(statements)
    after = _history_bytes(engine, tables)
    assert all(after[t] != before[t] for t in tables)
    swaps = [i for i, s in enumerate(statements) if s.startswith("EXCHANGE TABLES")]
    assert len(swaps) == len(tables)
    for step in range(len(statements) + 1):
        _restore(engine, "saved_", tables)
        assert _history_bytes(engine, tables) == before
        with pytest.raises(EngineError, match="injected"):
            engine.execute_in_transaction(
                [*statements[:step], "SELECT throwIf(1, 'injected')", *statements[step:]]
            )
        flipped = sum(1 for i in swaps if i < step)
        expected = {t: (after if n < flipped else before)[t] for n, t in enumerate(tables)}
        assert _history_bytes(engine, tables) == expected, f"failure before statement {step}"
    # what a crash mid-publish leaves behind (two tables flipped), a rerun repairs
    _restore(engine, "saved_", tables)
    with pytest.raises(EngineError):
        engine.execute_in_transaction([*statements[: swaps[2]], "SELECT throwIf(1, 'crash')"])
    engine.execute_in_transaction(statements)
    assert _history_bytes(engine, tables) == after
    left = [t for (t,) in engine.query("SHOW TABLES") if t.endswith(("__next", "_result"))]
    assert not left


def test_a_failing_query_leaves_earlier_results(
    engine: ch.ChdbEngine, demo: dict[str, Any]
) -> None:
    loaded = load_project(RETAIL)
    assert loaded.project is not None
    engine.use_timezone(loaded.settings.config.timezone)
    _load(engine, demo)
    run_loaded(loaded, engine, AS_OF)
    tables = history(loaded.project)
    before = _history_bytes(engine, tables)
    engine.query("DROP TABLE events")  # a source table went missing: the big query fails
    with pytest.raises(EngineError):
        engine.execute_in_transaction(compile_for(loaded, engine, AS_OF).body_sql())
    assert _history_bytes(engine, tables) == before


def test_cli_on_a_chdb_data_directory(tmp_path: Path, demo: dict[str, Any]) -> None:
    """`segl run`, `segl show segment`, `segl check --db` on chdb:///<dir>, each in its own
    process (one chdb data path per process)."""
    data = tmp_path / "warehouse"
    url = f"chdb:///{data}"
    loader = tmp_path / "load.py"
    loader.write_text(
        "import sys, pickle\n"
        "from segl.compiler.types import Type\n"
        "from segl.runtime.engines import connect\n"
        "demo = pickle.load(open(sys.argv[2], 'rb'))\n"
        "engine = connect(sys.argv[1])\n"
        "engine.use_timezone('Asia/Shanghai')\n"
        "for table, (columns, rows) in demo.items():\n"
        "    engine.create_table(table, columns, rows)\n"
    )
    import pickle

    pickled = tmp_path / "demo.pickle"
    pickled.write_bytes(pickle.dumps(demo))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
    subprocess.run([sys.executable, str(loader), url, str(pickled)], check=True, env=env)
    segl = [sys.executable, "-c", "from segl.runtime.cli import main; raise SystemExit(main())"]
    checked = subprocess.run(
        [*segl, "check", str(RETAIL), "--db", url], capture_output=True, text=True, env=env
    )
    assert checked.returncode == 0, checked.stderr
    ran = subprocess.run(
        [*segl, "run", str(RETAIL), "--db", url, "--as-of", "2026-11-01"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ran.returncode == 0, ran.stderr
    assert "300" in ran.stdout
    shown = subprocess.run(
        [*segl, "show", "segment", "gold_or_better", "-p", str(RETAIL), "--db", url],
        capture_output=True,
        text=True,
        env=env,
    )
    assert shown.returncode == 0, shown.stderr
    assert "gold_or_better" in shown.stdout
    # a mistyped database is refused, and not left behind empty
    typo = [*segl, "run", str(RETAIL), "--db", f"{url}?database=typo", "--as-of", "2026-11-01"]
    refused = subprocess.run(typo, capture_output=True, text=True, env=env)
    assert refused.returncode == 1 and "no database 'typo'" in refused.stderr
    listed = "print(connect(sys.argv[1]).query('SELECT name FROM system.databases'))"
    databases = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys\nfrom segl.runtime.engines import connect\n{listed}",
            url,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "typo" not in databases.stdout and "default" in databases.stdout


def test_a_chdb_folder_another_process_holds_is_waited_for_then_refused(tmp_path: Path) -> None:
    """chdb allows one process per data folder. A second `segl` waits up to --lock-timeout
    (a holder that lets go in time: the command goes on), then fails with E0605 naming the
    holder's PID and chdb's reason, and chdb's own line never reaches the terminal raw."""
    data = tmp_path / "warehouse"
    project = tmp_path / "project"
    project.mkdir()
    (project / "segl.toml").write_text('[project]\nname = "p"\n', encoding="utf-8")
    (project / "rules.segl").write_text(
        'source users from table "users" key user_id { city: string }\n'
        'segment beijing = users.city == "Beijing"\n',
        encoding="utf-8",
    )
    holder = (
        "import sys, time\nfrom segl.compiler.types import Type\n"
        "from segl.runtime.engines import connect\nengine = connect(sys.argv[1])\n"
        "columns = [('user_id', Type.NUMBER), ('city', Type.STRING)]\n"
        "engine.create_table('users', columns, [(1, 'Beijing')])\n"
        "print('holding', flush=True)\ntime.sleep(float(sys.argv[2]))\n"
    )
    segl = [sys.executable, "-c", "from segl.runtime.cli import main; raise SystemExit(main())"]
    run = [*segl, "run", str(project), "--db", f"chdb:///{data}", "--as-of", "2026-11-01"]

    def hold(seconds: float) -> subprocess.Popen[str]:
        command = [sys.executable, "-c", holder, f"chdb:///{data}", str(seconds)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None and process.stdout.readline().strip() == "holding"
        return process

    held = hold(60)
    try:
        refused = subprocess.run([*run, "--lock-timeout", "0.5"], capture_output=True, text=True)
    finally:
        held.kill()
        held.wait()
    assert refused.returncode == 1, refused.stderr
    first = refused.stderr.splitlines()[0]
    assert first.startswith(
        f"E0605 cannot open chdb:///{data}: another process holds the data folder"
    )
    assert f"chdb said: process {held.pid} uses this data folder" in refused.stderr
    assert "Another server instance in same directory" in refused.stderr  # chdb's reason
    held = hold(1.5)
    waited = subprocess.run([*run, "--lock-timeout", "30"], capture_output=True, text=True)
    held.wait(timeout=30)
    assert waited.returncode == 0, waited.stderr
    assert "beijing" in waited.stdout


# ---------------------------------------------------------------- differential


@settings(
    max_examples=DIFF_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios())
def test_chdb_agrees_with_reference(scenario: Scenario) -> None:
    handle = provider.start()
    engine = provider.fresh_engine(handle, "diff")
    try:
        got = run_on(engine, scenario.project, scenario.tables, scenario.as_of)
    finally:
        provider.drop(engine)
    expected = reference.evaluate(scenario.project, scenario.tables, scenario.as_of)
    problems = differences(got, expected, scenario.project)
    assert not problems, "\n".join(problems[:20])


def test_a_decimal_column_reads_as_the_nearest_double(engine: ch.ChdbEngine) -> None:
    """ClickHouse's Decimal to Float64 is not correctly rounded (Decimal(38,18) 84050.35
    gave 84050.34999999999, about a quarter of money amounts at scale 18: `balance >=
    84050.35` missed the user); the decimal's text read as a double is the nearest one,
    as DuckDB and Python read it."""
    project = project_of(
        """
source users from table "users" key user_id { user_id: number  balance: number }
tag b = users.balance
segment rich = users.balance >= 84050.35
"""
    )
    amounts = ["84050.35", "0.1", "99999.99", "12345.67"]
    engine.create_table("users", [("user_id", Type.NUMBER), ("balance", Type.STRING)], [])
    engine.query("ALTER TABLE users MODIFY COLUMN balance Nullable(Decimal(38, 18))")
    values = ", ".join(f"({i}, '{a}')" for i, a in enumerate(amounts)) + ", (9, NULL)"
    engine.query(f"INSERT INTO users VALUES {values}")
    compiled = compile_run(project, AS_OF, engine.target)
    engine.execute_run(compiled.frame, compiled.body_sql())
    got = read_result(compiled, engine)
    assert got.tags["b"] == {0: 84050.35, 1: 0.1, 2: 99999.99, 3: 12345.67, 9: None}
    assert got.segments["rich"] == {0, 2}

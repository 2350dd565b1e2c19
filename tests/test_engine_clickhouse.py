"""The ClickHouse engines: chdb in-process (executed here) and a server through
clickhouse-connect (no server runs in the tests: URL parsing and error paths only).

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
from hypothesis import HealthCheck, given, settings
from providers import clickhouse as provider
from strategies import Scenario, scenarios
from test_differential import differences

from segl.compiler import ir
from segl.compiler.checker import check_programs
from segl.compiler.script import compile_run
from segl.compiler.types import Type
from segl.dsl.parser import parse_program
from segl.runtime import engine_clickhouse as ch
from segl.runtime import reference
from segl.runtime.cli import main
from segl.runtime.engines import DuckDBEngine, Engine, EngineError, UnsupportedURL, connect
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
    assert "pip install 'segl[clickhouse]'" in err and len(err.splitlines()) == 1, err


def test_unreachable_server_is_an_engine_error() -> None:
    with pytest.raises(EngineError, match="cannot connect to ClickHouse"):
        connect("clickhouse://default@127.0.0.1:1/default")


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


# ---------------------------------------------------------------- the retail example


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
    run_loaded(loaded, engine, AS_OF - dt.timedelta(days=30))
    run_loaded(loaded, engine, AS_OF)
    counts = engine.query("SELECT as_of, count() FROM segl_runs GROUP BY as_of ORDER BY as_of")
    assert [n for _, n in counts] == [1, 1]
    assert engine.query("SELECT count() FROM segl_tags") == [(600,)]
    assert not [t for (t,) in engine.query("SHOW TABLES") if t.endswith(("__next", "_result"))]


def test_failed_run_leaves_earlier_results(engine: ch.ChdbEngine, demo: dict[str, Any]) -> None:
    loaded = load_project(RETAIL)
    assert loaded.project is not None
    engine.use_timezone(loaded.settings.config.timezone)
    _load(engine, demo)
    run_loaded(loaded, engine, AS_OF)

    def snapshot() -> list[list[tuple[Any, ...]]]:
        return [
            engine.query(f"SELECT * FROM {t} ORDER BY ALL")
            for t in ("segl_tags", "segl_members", "segl_layers", "segl_runs")
        ]

    before = snapshot()
    statements = compile_for(loaded, engine, AS_OF).body_sql()
    # the last step before publishing fails: everything before it has run
    last_stage = max(
        i for i, s in enumerate(statements) if s.startswith('INSERT INTO "segl_runs__')
    )
    broken = [*statements[:last_stage], "SELECT throwIf(1, 'boom')", *statements[last_stage:]]
    with pytest.raises(EngineError, match="boom"):
        engine.execute_in_transaction(broken)
    assert snapshot() == before
    # a failure in the big query itself (a source table went missing)
    engine.query("DROP TABLE events")
    with pytest.raises(EngineError):
        engine.execute_in_transaction(statements)
    assert snapshot() == before


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

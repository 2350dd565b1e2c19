"""The Spark engine: URL parsing, the missing-driver hint, runs on a local session
compared with DuckDB and with the reference evaluator, and `segl run` against a real
Spark Connect server and a real standalone cluster (tests/spark_remote.py).

One local SparkSession serves the whole test run (tests/providers/spark.py `start()`,
shared with the engine matrix). SEGL_SPARK_DIFF_EXAMPLES sets the number of differential
examples here (default 5: each run is a few Spark jobs)."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import spark_remote
from conftest import ANCHOR, RETAIL, Result, assert_unopened_in_one_diagnostic
from hypothesis import HealthCheck, given, settings
from providers import spark as provider
from strategies import Scenario, scenarios
from test_differential import differences

from segl.runtime import reference
from segl.runtime.demo_data import build_demo_warehouse
from segl.runtime.engine_spark import SparkEngine, parse_url
from segl.runtime.engines import EngineError, UnsupportedURL, connect
from segl.runtime.inmemory import run_on

USERS = 200


# ---------------------------------------------------------------- URLs (no Spark needed)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("spark://local", {"kind": "local", "master": "local[2]", "database": "default"}),
        ("spark://local[4]/crm", {"kind": "local", "master": "local[4]", "database": "crm"}),
        ("spark://local[*]", {"kind": "local", "master": "local[*]", "database": "default"}),
        (
            "spark://local/crm?warehouse=/data/wh",
            {"kind": "local", "master": "local[2]", "database": "crm", "warehouse": "/data/wh"},
        ),
        (
            "spark://10.0.0.5:7077/crm",
            {"kind": "master", "master": "spark://10.0.0.5:7077", "database": "crm"},
        ),
        (
            "sc://localhost:15002",
            {"kind": "connect", "remote": "sc://localhost:15002", "database": "default"},
        ),
        (
            "sc://host:443/crm?token=abc&use_ssl=true",
            {
                "kind": "connect",
                "remote": "sc://host:443/;token=abc;use_ssl=true",
                "database": "crm",
            },
        ),
    ],
)
def test_parse_url(url: str, expected: dict[str, str]) -> None:
    assert parse_url(url) == expected


@pytest.mark.parametrize(
    "url", ["spark://", "spark://local[x]", "sc://", "spark://local/a-b", "spark://local/x/y"]
)
def test_bad_urls_are_engine_errors(url: str) -> None:
    with pytest.raises(EngineError):
        parse_url(url)


def test_missing_pyspark_gives_a_one_line_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    monkeypatch.delitem(sys.modules, "segl.runtime.engine_spark", raising=False)
    with pytest.raises(UnsupportedURL) as info:
        connect("spark://local")
    assert str(info.value) == "spark needs the pyspark driver: pip install 'segl[spark]'"
    monkeypatch.undo()
    importlib.import_module("segl.runtime.engine_spark")


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("sc://127.0.0.1:{port}/crm", "cannot reach the Spark Connect server at 127.0.0.1:{port}"),
        ("sc://127.0.0.1:99999/crm", "a Spark Connect URL with a bad port"),
    ],
)
def test_an_unreachable_spark_connect_server_is_said_at_once(url: str, said: str) -> None:
    """pyspark's client retries an unavailable server for ten minutes without a word; segl
    looks first and says where it looked (in its own process: the CLI as users run it)."""
    port = spark_remote.free_port()  # nothing listens there once it is handed out
    url, said = url.format(port=port), said.format(port=port)
    assert_unopened_in_one_diagnostic(url, said)


def test_a_missing_local_warehouse_is_refused_not_made(tmp_path: Path) -> None:
    """A local session keeps its tables in its warehouse folder: one that does not exist
    holds no sources, so a command says so (E0605) instead of leaving an empty
    `spark-warehouse/` (and a metastore) behind, as a mistyped DuckDB path leaves no file."""
    missing = tmp_path / "no-such-warehouse"
    url = f"spark://local?warehouse={missing}"
    assert_unopened_in_one_diagnostic(url, f"no Spark warehouse at {missing}")
    assert not missing.exists()


# ---------------------------------------------------------------- a local session


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    yield provider.start()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spark-demo") / "demo.duckdb"
    con = duckdb.connect(str(path))
    try:
        build_demo_warehouse(con, users=USERS)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


def _spark_type(duck_type: str) -> Any:
    from pyspark.sql import types as st

    kind = duck_type.upper()
    if kind in ("BIGINT", "HUGEINT", "UBIGINT"):
        return st.LongType()
    if kind in ("INTEGER", "SMALLINT", "TINYINT", "UINTEGER", "USMALLINT", "UTINYINT"):
        return st.IntegerType()
    if kind in ("DOUBLE", "FLOAT", "REAL") or kind.startswith("DECIMAL"):
        return st.DoubleType()
    if kind == "BOOLEAN":
        return st.BooleanType()
    if kind == "DATE":
        return st.DateType()
    if kind.startswith("TIMESTAMP"):
        return st.TimestampNTZType()  # the demo's naive wall-clock values, unconverted
    return st.StringType()


def copy_warehouse(spark: Any, source: Path, database: str) -> None:
    """Every table of a DuckDB file into a Spark database, with matching native types."""
    from pyspark.sql import types as st

    con = duckdb.connect(str(source), read_only=True)
    try:
        spark.sql(f"DROP DATABASE IF EXISTS `{database}` CASCADE")
        spark.sql(f"CREATE DATABASE `{database}`")
        names = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        for name in names:
            relation = con.table(name)
            schema = st.StructType(
                [
                    st.StructField(column, _spark_type(str(kind)), True)
                    for column, kind in zip(relation.columns, relation.types, strict=True)
                ]
            )
            rows = relation.fetchall()
            frame = spark.createDataFrame([list(r) for r in rows], schema=schema)
            frame.write.format("parquet").mode("overwrite").saveAsTable(f"{database}.{name}")
    finally:
        con.close()


def _rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    def norm(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 9)
        return value

    return sorted((tuple(norm(v) for v in row) for row in rows), key=repr)


# the results of the project retail: its own tables, and its rows of the run log
MEMBERS = "SELECT as_of, segment, user_id FROM {}segl_retail_members"
LAYERS = "SELECT as_of, layering, user_id, layer FROM {}segl_retail_layers"
TAGS = "SELECT * FROM {}segl_retail_tags"
USERS_RUN = "SELECT users FROM {}segl_runs WHERE project = 'retail'"


def duckdb_results(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "segl_retail_members": _rows(con.execute(MEMBERS.format("")).fetchall()),
            "segl_retail_layers": _rows(con.execute(LAYERS.format("")).fetchall()),
            "segl_retail_tags": _rows(con.execute(TAGS.format("")).fetchall()),
            "users": con.execute(USERS_RUN.format("")).fetchall(),
        }
    finally:
        con.close()


def spark_results(spark: Any, database: str) -> dict[str, list[tuple[Any, ...]]]:
    def q(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in spark.sql(sql.format(f"`{database}`.")).collect()]

    return {
        "segl_retail_members": _rows(q(MEMBERS)),
        "segl_retail_layers": _rows(q(LAYERS)),
        "segl_retail_tags": _rows(q(TAGS)),
        "users": q(USERS_RUN),
    }


@pytest.fixture(scope="session")
def duckdb_retail(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The retail example run on the DuckDB copy of the demo warehouse."""
    from segl.runtime.cli import main

    path = tmp_path_factory.mktemp("spark-duck") / "demo.duckdb"
    path.write_bytes(demo.read_bytes())
    assert main(["run", str(RETAIL), "--db", f"duckdb:///{path}", "--as-of", ANCHOR]) == 0
    return path


Cli = Callable[..., Result]


def test_run_retail_matches_duckdb(spark: Any, demo: Path, duckdb_retail: Path, cli: Cli) -> None:
    copy_warehouse(spark, demo, "seg_retail_run")
    url = "spark://local/seg_retail_run"
    assert cli("check", RETAIL, "--db", url).code == 0
    first = cli("run", RETAIL, "--db", url, "--as-of", ANCHOR)
    assert first.code == 0, first.output
    # a rerun for the same as-of replaces its rows (no duplicates)
    assert cli("run", RETAIL, "--db", url, "--as-of", ANCHOR).code == 0
    got = spark_results(spark, "seg_retail_run")
    want = duckdb_results(duckdb_retail)
    assert got["users"] == want["users"] == [(USERS,)]
    assert got["segl_retail_members"] == want["segl_retail_members"]
    assert got["segl_retail_layers"] == want["segl_retail_layers"]
    assert got["segl_retail_tags"] == want["segl_retail_tags"]
    shown = cli("show", "segment", "high_value_at_risk", "--project", RETAIL, "--db", url)
    assert shown.code == 0, shown.output
    size = sum(1 for row in got["segl_retail_members"] if row[1] == "high_value_at_risk")
    assert f"{size:,}" in shown.out or str(size) in shown.out, shown.out
    # no staging tables left behind
    names = {r[1] for r in spark.sql("SHOW TABLES IN seg_retail_run").collect()}
    assert not {n for n in names if n.endswith(("__next", "__old"))}


def test_check_db_reports_a_missing_table(spark: Any, cli: Cli) -> None:
    spark.sql("CREATE DATABASE IF NOT EXISTS seg_empty")
    result = cli("check", RETAIL, "--db", "spark://local/seg_empty")
    assert result.code == 1
    assert "E0602" in result.output


def test_compiled_script_runs_with_spark_sql_and_matches(
    spark: Any, demo: Path, duckdb_retail: Path, cli: Cli, tmp_path: Path
) -> None:
    copy_warehouse(spark, demo, "seg_retail_script")
    compiled = cli("compile", RETAIL, "--dialect", "spark", "--as-of", ANCHOR)
    assert compiled.code == 0
    script = compiled.out
    statements = [
        "\n".join(line for line in chunk.splitlines() if not line.startswith("--")).strip()
        for chunk in script.split(";\n")
    ]
    spark.sql("USE seg_retail_script")
    spark.conf.set("spark.sql.session.timeZone", "Asia/Shanghai")
    try:
        for statement in statements:
            if statement:
                spark.sql(statement)
    finally:
        spark.sql("USE default")
    got = spark_results(spark, "seg_retail_script")
    want = duckdb_results(duckdb_retail)
    assert got["segl_retail_members"] == want["segl_retail_members"]
    assert got["segl_retail_layers"] == want["segl_retail_layers"]
    # tags: all the same; the tags table has no clock columns
    assert got["segl_retail_tags"] == want["segl_retail_tags"]
    assert got["users"] == want["users"] == [(USERS,)]


def test_failed_run_keeps_previous_results(spark: Any) -> None:
    engine = provider.fresh_engine(spark, "failed_run")
    assert isinstance(engine, SparkEngine)
    # the tables of a run of a project `p`: its members, their staging copy, its result
    engine.execute_in_transaction(
        ["CREATE TABLE `segl_p_members` USING PARQUET AS SELECT 1 AS `user_id`"]
    )
    with pytest.raises(EngineError):
        engine.execute_in_transaction(
            [
                "CACHE TABLE `segl_p_result` AS SELECT 1 AS `x`",
                "CREATE TABLE `segl_p_members__next` USING PARQUET AS SELECT 2 AS `user_id`",
                "SELECT no_such_column FROM `segl_p_result`",
            ]
        )
    assert engine.query("SELECT user_id FROM segl_p_members") == [(1,)]
    assert engine.columns_of("segl_p_members__next") is None
    assert engine.columns_of("segl_p_result") is None


def test_ansi_traps(spark: Any) -> None:
    engine = provider.fresh_engine(spark, "traps")
    assert engine.query("SELECT TRY_DIVIDE(CAST(1 AS DOUBLE), CAST(0 AS DOUBLE))") == [(None,)]
    with pytest.raises(EngineError):
        engine.query("SELECT 1 / 0")
    # code point order (UTF-8 byte order is the same)
    assert engine.query("SELECT 'Z' < 'a', 'é' < 'z', '\U0001f600' > '\uffff'") == [
        (True, False, True)
    ]


DIFF = settings(
    max_examples=int(os.environ.get("SEGL_SPARK_DIFF_EXAMPLES", "5")),
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.slow
@DIFF
@given(scenarios())
def test_spark_agrees_with_reference(spark: Any, scenario: Scenario) -> None:
    engine = provider.fresh_engine(spark, "diff")
    expected = reference.evaluate(scenario.project, scenario.tables, scenario.as_of)
    actual = run_on(engine, scenario.project, scenario.tables, scenario.as_of)
    problems = differences(actual, expected, scenario.project)
    assert not problems, "\n".join(problems[:20])


def test_a_batch_with_nested_rounds_agrees_with_the_reference(spark: Any) -> None:
    """Nested round/greatest arguments are hidden definitions of the plan
    (compiler/hoisting.py): a batch reads the project's own definitions only, as the
    stored results hold them."""
    from segl.compiler.checker import check_programs
    from segl.dsl.parser import parse_program

    text = (
        'source users from table "users" key user_id { x: number }\n'
        "tag deep = round(round(users.x * 1.1, 2) * 1.1, 2)\n"
        "segment big = greatest(least(deep, 3), 1) > 2\n"
    )
    project, diagnostics = check_programs([parse_program(text, "t.segl")])
    assert project is not None, diagnostics
    tables = {"users": [{"user_id": 1, "x": 2.675}, {"user_id": 2, "x": 1.0}, {"user_id": 3}]}
    as_of = dt.datetime(2026, 11, 1)
    engine = provider.fresh_engine(spark, "nested")
    [actual] = provider.run_batch(engine, [(project, tables, as_of)])
    expected = reference.evaluate(project, tables, as_of)
    assert not differences(actual, expected, project)
    assert set(actual.tags) == {"deep"} and actual.tags["deep"] == {1: 3.23, 2: 1.21, 3: None}


def test_timestamps_round_trip_as_wall_clock(spark: Any) -> None:
    from segl.compiler.types import Type

    engine = provider.fresh_engine(spark, "ts")
    engine.use_timezone("Asia/Shanghai")
    moment = dt.datetime(2026, 3, 29, 2, 30)
    engine.create_table("t", [("ts", Type.TIMESTAMP)], [[moment]])
    assert engine.query("SELECT ts FROM t") == [(moment,)]
    assert engine.columns_of("t") == {"ts": "timestamp_ntz"}
    assert engine.fits(Type.TIMESTAMP, "timestamp_ntz")
    assert not engine.fits(Type.NUMBER, "string")


# ---------------------------------------------------------------- remote servers


@pytest.fixture(scope="session")
def local_history(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The small remote-test project run on the local session, for comparison."""
    from segl.runtime.cli import main

    project = spark_remote.write_project(tmp_path_factory.mktemp("remote") / "project")
    engine = SparkEngine(spark, "seg_remote_local")
    url = "spark://local/seg_remote_local"
    argv = ["run", str(project), "--db", url, "--as-of", spark_remote.AS_OF]
    spark_remote.load_and_run(engine, project, spark_remote.AS_OF, lambda: main(argv))
    return spark_remote.history_rows(engine)


@pytest.mark.parametrize(
    "server",
    [spark_remote.connect_server, spark_remote.standalone_cluster],
    ids=["connect", "cluster"],
)
def test_remote_run_matches_the_local_session(
    server: Callable[[Path], Any], local_history: dict[str, Any], tmp_path: Path
) -> None:
    """`segl run --db sc://...` (Spark Connect) and `--db spark://host:port` (a standalone
    master and worker), both started here from pyspark's distribution, write the same
    history rows as the in-process local session."""
    project = spark_remote.write_project(tmp_path / "project")
    with server(tmp_path) as url:
        got = spark_remote.run_client(f"{url}/seg_remote", project, tmp_path)
    assert got == local_history
    (run,) = got["segl_runs"]
    assert run[:4] == ["2025-03-09 12:00:00", "remote", "3", "America/New_York"]

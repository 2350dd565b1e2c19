"""The PostgreSQL engine on a real PostgreSQL 15 server (tests/providers/postgres.py):
connecting, transactions, the retail example against DuckDB, `segl check/show --db`, the
compiled script under `psql -f`, and a small differential run against the reference.

SEGL_PG_DIFF_EXAMPLES sets the number of differential examples here (default 25; the
engine-matrix suite runs the big one)."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import ANCHOR, RETAIL, Result
from hypothesis import HealthCheck, given, settings
from providers import postgres as provider
from strategies import Scenario, scenarios
from test_differential import differences

from segl.compiler.types import Type
from segl.runtime import reference
from segl.runtime.demo_data import build_demo_warehouse
from segl.runtime.engines import Engine, EngineError, UnsupportedURL, connect
from segl.runtime.inmemory import run_on

DEMO_USERS = 500
# the result tables of the project retail
RESULT_QUERIES = {
    "segl_retail_members": "SELECT segment, user_id FROM segl_retail_members",
    "segl_retail_layers": "SELECT layering, user_id, layer FROM segl_retail_layers",
    "segl_retail_tags": "SELECT * FROM segl_retail_tags",
}

# DuckDB column types -> PostgreSQL column types, for copying the demo warehouse
_PG_TYPES = {
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


@pytest.fixture(scope="session")
def pg_server() -> Iterator[provider.Server]:
    server = provider.start()
    try:
        yield server
    finally:
        provider.stop(server)


@pytest.fixture
def pg_engine(pg_server: provider.Server, request: pytest.FixtureRequest) -> Iterator[Engine]:
    engine = provider.fresh_engine(pg_server, request.node.name)
    try:
        yield engine
    finally:
        engine.close()


@pytest.fixture(scope="session")
def demo_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pgdemo") / "demo.duckdb"
    con = duckdb.connect(str(path))
    try:
        build_demo_warehouse(con, users=DEMO_USERS)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


def _copy_demo(duck_path: Path, engine: Engine) -> None:
    """Every table of the DuckDB demo warehouse into the engine's schema, types mapped."""
    import psycopg

    con = duckdb.connect(str(duck_path), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        connection = engine.connection  # type: ignore[attr-defined]
        assert isinstance(connection, psycopg.Connection)
        for table in tables:
            described = con.execute(f'DESCRIBE "{table}"').fetchall()
            columns = ", ".join(f'"{name}" {_PG_TYPES[kind]}' for name, kind, *_ in described)
            with connection.transaction(), connection.cursor() as cursor:
                cursor.execute(f'CREATE TABLE "{table}" ({columns})'.encode())
                rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
                with cursor.copy(f'COPY "{table}" FROM STDIN'.encode()) as copy:
                    for row in rows:
                        copy.write_row(row)
    finally:
        con.close()


def _normalize(value: Any) -> Any:
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, float):
        return round(value, 9)
    return value


def _rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted((tuple(_normalize(v) for v in row) for row in rows), key=repr)


def _duck_results(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {name: _rows(con.execute(sql).fetchall()) for name, sql in RESULT_QUERIES.items()}
    finally:
        con.close()


def _pg_results(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    return {name: _rows(engine.query(sql)) for name, sql in RESULT_QUERIES.items()}


# ---------------------------------------------------------------- the engine


def test_connect_by_url_and_describe_tables(pg_server: provider.Server) -> None:
    schema = provider.fresh_schema(pg_server, "describe")
    engine = connect(pg_server.url(schema))
    try:
        assert engine.name == "postgres" and engine.target.name == "postgres"
        engine.query(
            "CREATE TABLE t (i integer, b bigint, n numeric(10, 2), d double precision, "
            "s text, v varchar(20), c char(3), f boolean, day date, ts timestamp, "
            "tz timestamptz)"
        )
        columns = engine.columns_of("t")
        assert columns == engine.columns_of(f"{schema}.t")
        assert columns is not None
        assert engine.columns_of("missing") is None
        assert engine.columns_of("no_schema.t") is None
        fits = {name: [t for t in Type if engine.fits(t, kind)] for name, kind in columns.items()}
        assert Type.NUMBER in fits["i"] and Type.NUMBER in fits["b"] and Type.NUMBER in fits["n"]
        assert Type.NUMBER in fits["d"] and Type.STRING in fits["s"] and Type.STRING in fits["v"]
        assert Type.STRING not in fits["c"]  # char(n) ignores trailing blanks
        assert Type.BOOL in fits["f"] and Type.DATE in fits["day"]
        assert Type.TIMESTAMP in fits["ts"] and Type.TIMESTAMP in fits["tz"]
        assert Type.STRING not in fits["i"] and Type.NUMBER not in fits["s"]
    finally:
        engine.close()


def test_a_table_it_may_not_look_up_is_no_missing_table(
    pg_server: provider.Server, cli: Callable[..., Result], tmp_path: Path
) -> None:
    """Any error looking a table up (a schema the role may not use, a timeout, a dropped
    connection) was taken for a missing table: E0602 for tables that exist, an outbox of
    "0 decisions", alerts "not evaluated yet"."""
    schema = provider.fresh_schema(pg_server, "lookup")
    owner = connect(pg_server.url(schema))
    try:
        owner.query("CREATE TABLE users (id integer)")
        owner.query("DROP ROLE IF EXISTS segl_no_usage")
        owner.query("CREATE ROLE segl_no_usage LOGIN")
    finally:
        owner.close()
    url = pg_server.url(schema).replace("postgres@", "segl_no_usage@")
    engine = connect(url)
    try:
        with pytest.raises(EngineError, match=f"permission denied for schema {schema}"):
            engine.columns_of(f"{schema}.users")
        assert engine.columns_of("bad name") is None  # no table can have it
        assert engine.columns_of("a.b.c.d") is None
    finally:
        engine.close()
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "segl.toml").write_text('[project]\nname = "p"\n', "utf-8")
    rules = f'source users from table "{schema}.users" key id {{ }}\n'
    (tmp_path / "p" / "r.segl").write_text(rules, "utf-8")
    result = cli("check", "p", "--db", url)
    assert result.code == 1, result.output
    assert f"E0605 the database refused: permission denied for schema {schema}" in result.err
    assert "E0602" not in result.err


def _ran_project(url: str, rules: str, cli: Callable[..., Result], tmp_path: Path) -> str:
    """Project `p` (tmp_path/p) of these rules, run once on the database at `url`."""
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "segl.toml").write_text('[project]\nname = "p"\n', "utf-8")
    (tmp_path / "p" / "r.segl").write_text(rules, "utf-8")
    assert cli("run", "p", "--db", url, "--as-of", "2026-01-01").code == 0
    return url


def test_decimal_keys_are_refused_or_exported_as_numbers(
    pg_engine: Engine, pg_server: provider.Server, cli: Callable[..., Result], tmp_path: Path
) -> None:
    """A plain `numeric` key (any number of digits) passed `check --db`: 2^60 and 2^60 + 1
    became one user; a numeric(10,0) key made `export --format jsonl` an internal error
    (the driver's Decimal)."""
    from segl.runtime.store import key_column_problem

    schema = pg_engine.query("SELECT current_schema()")[0][0]
    for kind, refused in [
        ("numeric", True),
        ("numeric(20,0)", True),
        ("uuid", True),
        ("numeric(10,0)", False),
        ("bigint", False),
        ("numeric(12,2)", False),
    ]:
        pg_engine.query("DROP TABLE IF EXISTS k")
        pg_engine.query(f"CREATE TABLE k (id {kind})")
        found = (pg_engine.columns_of("k") or {})["id"]
        assert (key_column_problem(pg_engine, found) is not None) is refused, kind
    pg_engine.query("DROP TABLE IF EXISTS k")
    pg_engine.query("CREATE TABLE users (id numeric(10,0), city text)")
    pg_engine.query("INSERT INTO users VALUES (1, 'Beijing'), (2, 'Shanghai'), (3, 'Beijing')")
    rules = (
        'source users from table "users" key id { city: string }\n'
        'segment bj = users.city == "Beijing"\n'
    )
    url = _ran_project(pg_server.url(str(schema)), rules, cli, tmp_path)
    result = cli("export", "segment", "bj", "-p", "p", "--db", url, "--format", "jsonl")
    assert result.code == 0, result.output
    assert result.out == '{"user": 1}\n{"user": 3}\n'


def test_undeclared_text_keys_are_listed_by_code_point(
    pg_engine: Engine, pg_server: provider.Server, cli: Callable[..., Result], tmp_path: Path
) -> None:
    """A text key the rules leave undeclared was listed in the database's collation
    (ICU en-US here: `😀, a, b, B`), where the other engines list by code point (SPEC §3:
    `B, a, b, 😀`), so `--sample` chose other members (an acceptance probe)."""
    schema = pg_engine.query("SELECT current_schema()")[0][0]
    pg_engine.query("DROP TABLE IF EXISTS users")
    pg_engine.query("CREATE TABLE users (user_id text, city text)")
    pg_engine.query("INSERT INTO users VALUES ('a', 'x'), ('B', 'y'), ('😀', 'z'), ('b', 'w')")
    rules = 'source users from table "users" key user_id { city: string }\nsegment all = true\n'
    url = _ran_project(pg_server.url(str(schema)), rules, cli, tmp_path)
    exported = cli("export", "segment", "all", "-p", "p", "--db", url, "--format", "csv")
    assert exported.code == 0, exported.output
    assert exported.out.splitlines()[1:] == ["B", "a", "b", "😀"]
    shown = cli("show", "segment", "all", "-p", "p", "--db", url, "--sample", "2")
    assert shown.code == 0, shown.output
    assert "B, a" in shown.out, shown.out


def test_standard_conforming_strings_off_is_refused(pg_server: provider.Server) -> None:
    url = pg_server.url() + "&options=" + "-c%20standard_conforming_strings%3Doff"
    with pytest.raises(EngineError, match="standard_conforming_strings"):
        connect(url)


def test_standard_conforming_strings_off_hints_at_the_setting_not_the_url(
    pg_server: provider.Server, cli: Any, tmp_path: Path
) -> None:
    """The server answered: the hint names the setting, not the host and password."""
    url = pg_server.url() + "&options=" + "-c%20standard_conforming_strings%3Doff"
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "segl.toml").write_text('[project]\nname = "p"\n', "utf-8")
    (tmp_path / "p" / "r.segl").write_text(
        'source users from table "users" key id { city: string }\n', "utf-8"
    )
    result = cli("check", "p", "--db", url)
    assert result.code != 0
    assert "standard_conforming_strings on" in result.output
    assert "password" not in result.output


def test_doubles_read_back_whole_whatever_extra_float_digits_says(
    pg_server: provider.Server,
) -> None:
    """A role or pooler with extra_float_digits = 0 (PostgreSQL's default before 12) would
    round every double read as text to 15 digits: 0.30000000000000004 to 0.3."""
    url = pg_server.url() + "&options=" + "-c%20extra_float_digits%3D0"
    engine = connect(url)
    try:
        found = engine.query("SELECT 0.1::float8 + 0.2::float8, 1.2345678901234568e22::float8")
    finally:
        engine.close()
    assert found == [(0.1 + 0.2, 1.2345678901234568e22)]


def test_lock_timeout_bounds_the_wait_for_another_run(pg_server: provider.Server) -> None:
    """`--lock-timeout` was for a DuckDB file only: on PostgreSQL a run blocked by another
    run of its project (the advisory lock every run takes) or a session holding its tables
    waited without a limit and without a word. It bounds that wait now, with a hint."""
    holder = connect(pg_server.url(), lock_timeout=None)
    waiter = connect(pg_server.url(), lock_timeout=0.5)
    try:
        holder.query("BEGIN")
        holder.query("SELECT pg_advisory_xact_lock(4242)")
        started = time.monotonic()
        with pytest.raises(EngineError) as refused:
            waiter.execute_in_transaction(["SELECT pg_advisory_xact_lock(4242)"])
        assert time.monotonic() - started < 5
        assert "lock timeout" in str(refused.value)
        assert refused.value.hint is not None and "--lock-timeout" in refused.value.hint
        holder.query("COMMIT")
        waiter.execute_in_transaction(["SELECT pg_advisory_xact_lock(4242)"])  # free: goes
        assert holder.query("SHOW lock_timeout") == [("0",)]  # no option: no limit, as before
    finally:
        holder.close()
        waiter.close()


def test_bad_url_is_an_engine_error(pg_server: provider.Server) -> None:
    with pytest.raises(EngineError, match="does not exist"):
        connect(pg_server.url(database="no_such_database"))


def test_transaction_rolls_back_on_error(pg_engine: Engine) -> None:
    pg_engine.execute_in_transaction(
        ["CREATE TABLE kept (x integer)", "INSERT INTO kept VALUES (1)"]
    )
    with pytest.raises(EngineError, match="division by zero"):
        pg_engine.execute_in_transaction(
            ["INSERT INTO kept VALUES (2)", "CREATE TABLE gone (x integer)", "SELECT 1 / 0"]
        )
    assert pg_engine.query("SELECT x FROM kept") == [(1,)]
    assert pg_engine.columns_of("gone") is None
    # the connection is usable after the error
    assert pg_engine.query("SELECT 'it''s'") == [("it's",)]


def test_zoned_timestamps_read_in_the_project_zone(pg_engine: Engine) -> None:
    pg_engine.use_timezone("Asia/Shanghai")
    assert pg_engine.query("SELECT CAST(TIMESTAMPTZ '2026-01-01 00:00:00+00' AS TIMESTAMP)") == [
        (dt.datetime(2026, 1, 1, 8, 0),)
    ]


def test_missing_driver_gives_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg raises ImportError
    monkeypatch.delitem(sys.modules, "segl.runtime.engine_postgres", raising=False)
    with pytest.raises(UnsupportedURL) as raised:
        connect("postgresql://nobody@/nowhere")
    message = str(raised.value)
    assert "\n" not in message
    assert "pip install 'segl[postgres]'" in message and "psycopg" in message


# ---------------------------------------------------------------- parity details


PARITY_PROJECT = """
source users from table "users" key user_id {
    user_id: number
    name: string
}
source events from table "events" user user_id time ts {
    label: string
    flag: bool
    x: number
}
tag small_label = min(events.label)
tag big_label = max(events.label)
tag common_label = most_frequent(events.label)
tag first_flag = first(events.flag)
tag last_flag = last(events.flag)
tag first_label = first(events.label)
tag name_after_z = users.name > "Z"
tag half = round(sum(events.x) / 2)
tag by_zero = sum(events.x) / 0
tag days = days_since(max(events.ts))
tag weekday = day_of_week(max(events.ts))
segment lower_names = users.name < "a"
"""


def test_parity_details_on_postgres(pg_engine: Engine, write_project: Callable[..., Path]) -> None:
    """Code point order (the database's ICU collation says 'a' < 'B'), bool first/last,
    round half away from zero, division by zero, fractional elapsed days, ISO weekdays."""
    from segl.runtime.project import load_project

    root = write_project({"rules.segl": PARITY_PROJECT})
    loaded = load_project(root)
    assert loaded.project is not None, loaded.diagnostics
    t0 = dt.datetime(2026, 10, 31, 23, 59, 59, 500000)  # a Saturday
    tables: dict[str, list[dict[str, object]]] = {
        "users": [{"user_id": 1, "name": "a"}, {"user_id": 2, "name": "B"}],
        "events": [
            {"user_id": 1, "ts": t0, "label": "b", "flag": True, "x": 1.0},
            {"user_id": 1, "ts": t0, "label": "B", "flag": False, "x": 4.0},
            {"user_id": 1, "ts": t0 - dt.timedelta(days=3), "label": "a", "flag": None, "x": 0.0},
            {"user_id": 2, "ts": t0, "label": "北京", "flag": None, "x": -5.0},
        ],
    }
    as_of = dt.datetime(2026, 11, 2, 23, 59, 59)
    expected = reference.evaluate(loaded.project, tables, as_of)
    actual = run_on(pg_engine, loaded.project, tables, as_of)
    assert differences(actual, expected, loaded.project) == []
    assert actual.tags["small_label"][1] == "B" and actual.tags["big_label"][1] == "b"
    assert actual.tags["half"] == {1: 3.0, 2: -3.0}
    assert actual.tags["days"][1] == 1.0 and actual.tags["weekday"][1] == 6.0
    assert actual.segments["lower_names"] == {2}


def test_empty_in_list_is_never_generated() -> None:
    from sqlglot import exp

    from segl.compiler.targets import get_target

    target = get_target("postgres")
    sql = target.in_list(exp.column("x"), []).sql("postgres")
    assert "IN" not in sql.upper().replace("WHEN", "")


# ---------------------------------------------------------------- the command line


@pytest.fixture
def retail_pg(
    pg_server: provider.Server, demo_duckdb: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[str, Engine]]:
    """A fresh schema with the demo warehouse copied in: (its URL, an engine on it)."""
    schema = provider.fresh_schema(pg_server, request.node.name)
    url = pg_server.url(schema)
    engine = connect(url)
    try:
        _copy_demo(demo_duckdb, engine)
        yield url, engine
    finally:
        engine.close()


def test_retail_run_on_postgres_matches_duckdb(
    retail_pg: tuple[str, Engine],
    demo_duckdb: Path,
    tmp_path: Path,
    cli: Callable[..., Result],
) -> None:
    url, engine = retail_pg
    duck = tmp_path / "duck.duckdb"
    duck.write_bytes(demo_duckdb.read_bytes())
    ran_duck = cli("run", RETAIL, "--db", f"duckdb:///{duck}", "--as-of", ANCHOR)
    assert ran_duck.code == 0, ran_duck.output
    ran_pg = cli("run", RETAIL, "--db", url, "--as-of", ANCHOR)
    assert ran_pg.code == 0, ran_pg.output
    assert _strip_timing(ran_pg.out) == _strip_timing(ran_duck.out)
    expected = _duck_results(duck)
    actual = _pg_results(engine)
    for table in RESULT_QUERIES:
        assert len(actual[table]) == len(expected[table]), table
        assert actual[table] == expected[table], table
    assert expected["segl_retail_members"], "the retail example has members"

    checked = cli("check", RETAIL, "--db", url)
    assert checked.code == 0, checked.output
    shown = cli("show", "segment", "beijing_loyal", "-p", RETAIL, "--db", url)
    shown_duck = cli("show", "segment", "beijing_loyal", "-p", RETAIL, "--db", f"duckdb:///{duck}")
    assert shown.code == 0, shown.output
    assert shown_duck.code == 0, shown_duck.output
    assert _first_lines(shown.out) == _first_lines(shown_duck.out)


def _strip_timing(text: str) -> str:
    import re

    return re.sub(r"\d+(\.\d+)? ?m?s\b", "<t>", text)


def _first_lines(text: str) -> list[str]:
    return [line for line in text.splitlines()[:3] if "duckdb" not in line]


# a zoned column: the script must read it in the project's zone (Asia/Shanghai) by itself
ZONED = (
    "ALTER TABLE users ALTER COLUMN registered_at TYPE timestamptz "
    "USING registered_at AT TIME ZONE 'UTC'"
)


def test_compiled_script_runs_under_psql_like_segl_run(
    pg_server: provider.Server,
    retail_pg: tuple[str, Engine],
    demo_duckdb: Path,
    tmp_path: Path,
    cli: Callable[..., Result],
) -> None:
    url, engine = retail_pg
    engine.query(ZONED)
    ran = cli("run", RETAIL, "--db", url, "--as-of", ANCHOR)
    assert ran.code == 0, ran.output
    by_segl = _pg_results(engine)

    # the same data in a second schema, then the compiled script through psql
    other = provider.fresh_schema(pg_server, "psql_script")
    other_engine = connect(pg_server.url(other))
    try:
        _copy_demo(demo_duckdb, other_engine)
        other_engine.query(ZONED)
        out = pg_server.root / "script"  # readable by the server's user
        compiled = cli("compile", RETAIL, "--dialect", "postgres", "--as-of", ANCHOR, "--out", out)
        assert compiled.code == 0, compiled.output
        script = out / "retail.postgres.sql"
        os.chmod(out, 0o755)
        os.chmod(script, 0o644)
        env_options = {
            **pg_server.run_as.get("env", os.environ),
            "PGOPTIONS": f"-c search_path={other} -c TimeZone=America/New_York",
        }
        import subprocess

        command = [
            str(provider.BIN / "psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(pg_server.root),
            "-p",
            str(pg_server.port),
            "-U",
            "postgres",
            "-d",
            provider.DATABASE,
            "-f",
            str(script),
        ]
        run_as = {k: v for k, v in pg_server.run_as.items() if k != "env"}
        done = subprocess.run(
            command, capture_output=True, text=True, env=env_options, cwd=pg_server.root, **run_as
        )
        assert done.returncode == 0, done.stderr
        assert _pg_results(other_engine) == by_segl
        runs = other_engine.query("SELECT project, users FROM segl_runs")
        assert runs == [("retail", DEMO_USERS)]
    finally:
        other_engine.close()


def test_missing_table_gives_e0602_and_keeps_results(
    retail_pg: tuple[str, Engine], cli: Callable[..., Result]
) -> None:
    url, engine = retail_pg
    assert cli("run", RETAIL, "--db", url, "--as-of", ANCHOR).code == 0
    before = _pg_results(engine)
    engine.query('ALTER TABLE "coupons" RENAME TO "coupons_gone"')
    failed = cli("run", RETAIL, "--db", url, "--as-of", ANCHOR)
    assert failed.code != 0
    assert "E0602" in failed.output and "coupons" in failed.output
    assert _pg_results(engine) == before


def test_refused_run_leaves_results_untouched(
    retail_pg: tuple[str, Engine], cli: Callable[..., Result]
) -> None:
    """A statement failing mid-run (here: the run log, written last, refuses the new row)
    rolls back; a run log of the wrong shape is refused before anything is written."""
    url, engine = retail_pg
    assert cli("run", RETAIL, "--db", url, "--as-of", ANCHOR).code == 0
    before = _pg_results(engine)
    runs = engine.query("SELECT * FROM segl_runs")
    engine.query("ALTER TABLE segl_runs ADD CONSTRAINT refuse_all CHECK (users < 0) NOT VALID")
    failed = cli("run", RETAIL, "--db", url, "--as-of", ANCHOR)
    assert failed.code != 0 and "E0605" in failed.output, failed.output
    assert "refuse_all" in failed.output
    assert _pg_results(engine) == before
    assert engine.query("SELECT * FROM segl_runs") == runs

    engine.query("DROP TABLE segl_runs")
    engine.query("CREATE TABLE segl_runs (as_of timestamp, project text, run_at integer)")
    failed = cli("run", RETAIL, "--db", url, "--as-of", ANCHOR)
    assert failed.code != 0 and "E0609" in failed.output, failed.output
    assert "the run log segl_runs has no column" in failed.output
    assert _pg_results(engine) == before


# ---------------------------------------------------------------- differential


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("SEGL_PG_DIFF_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(scenarios())
def test_postgres_agrees_with_reference(pg_server: provider.Server, scenario: Scenario) -> None:
    project, tables, as_of = scenario.project, scenario.tables, scenario.as_of
    expected = reference.evaluate(project, tables, as_of)
    engine = provider.fresh_engine(pg_server, "diff")
    try:
        actual = run_on(engine, project, tables, as_of)
    finally:
        engine.close()
    problems = differences(actual, expected, project)
    assert not problems, "\n".join(problems[:20])


def test_a_role_without_rights_gets_a_hint() -> None:
    """PostgreSQL's `permission denied for table segl_runs` came without a hint (a crash
    got one); the lock timeout of --lock-timeout says what to do too."""
    denied = EngineError("permission denied for table segl_runs")
    assert denied.hint is not None and "GRANT" in denied.hint
    waited = EngineError("canceling statement due to lock timeout")
    assert waited.hint is not None and "--lock-timeout" in waited.hint

"""Runtime: engine URLs, time zones of zoned timestamps, transactional runs."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

import pytest

from segl.compiler.store import Store
from segl.dsl.diagnostics import DiagnosticError
from segl.runtime.engines import DuckDBEngine, UnsupportedURL, connect
from segl.runtime.project import LoadedProject, load_project
from segl.runtime.run import run_loaded

RULES = """
source users from table "users" key user_id { city: string }
source events from table "events" user user_id time ts { name: string }
tag visits_today = count(events in last 1 day)
segment visited = visits_today >= 1
"""


def write_project(folder: Path, timezone: str) -> Path:
    folder.mkdir()
    (folder / "segl.toml").write_text(f'[project]\nname = "tz"\ntimezone = "{timezone}"\n')
    (folder / "rules.segl").write_text(RULES)
    return folder


def store_of(loaded: LoadedProject) -> Store:
    """The result tables of the project `tz` (segl_tz_tags, ...; the run log segl_runs)."""
    assert loaded.project is not None
    return Store(loaded.project)


def test_urls(tmp_path: Path) -> None:
    assert isinstance(connect("duckdb:///:memory:"), DuckDBEngine)
    assert isinstance(connect("duckdb://"), DuckDBEngine)
    engine = connect("duckdb:///rel.duckdb", base=tmp_path)
    engine.close()
    assert (tmp_path / "rel.duckdb").exists()
    absolute = tmp_path / "abs.duckdb"
    connect(f"duckdb:///{absolute}").close()
    assert absolute.exists()
    with pytest.raises(UnsupportedURL, match="supported: duckdb"):
        connect("oracle://scott@tiger")


@pytest.mark.parametrize(
    ("timezone", "expected"),
    [("Asia/Shanghai", {2}), ("UTC", {1, 2}), ("Pacific/Kiritimati", set())],
)
def test_zoned_timestamps_are_read_in_the_project_zone(
    tmp_path: Path, timezone: str, expected: set[int]
) -> None:
    """as-of 2026-11-01 00:00 local. User 1's visit is at 2026-10-31 16:30 UTC (00:30 in
    Shanghai: not yet visible there); user 2's at 15:30 UTC (23:30 in Shanghai)."""
    project = load_project(write_project(tmp_path / "p", timezone))
    engine = DuckDBEngine(":memory:")
    con = engine.connection
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE users AS SELECT * FROM (VALUES (1, 'x'), (2, 'y')) t(user_id, city)")
    con.execute(
        "CREATE TABLE events AS SELECT * FROM (VALUES "
        "(1, TIMESTAMPTZ '2026-10-31 16:30:00+00', 'visit'), "
        "(2, TIMESTAMPTZ '2026-10-31 15:30:00+00', 'visit')) t(user_id, ts, name)"
    )
    summary = run_loaded(project, engine, dt.datetime(2026, 11, 1))
    table = store_of(project).members.name
    members = {r[0] for r in engine.query(f"SELECT user_id FROM {table}")}
    engine.close()
    assert summary.segment_sizes["visited"] == len(expected)
    assert members == expected


def test_failed_run_leaves_earlier_results(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path / "p", "UTC"))
    engine = DuckDBEngine(":memory:")
    con = engine.connection
    con.execute("CREATE TABLE users AS SELECT 1 AS user_id, 'x' AS city")
    con.execute(
        "CREATE TABLE events AS "
        "SELECT 1 AS user_id, TIMESTAMP '2026-10-31 12:00' AS ts, 'v' AS name"
    )
    run_loaded(project, engine, dt.datetime(2026, 11, 1))
    store = store_of(project)
    before = engine.query(f"SELECT * FROM {store.members.name}")
    assert before
    # the user key now collides with the stored key type: the insert fails mid-run
    # (the events' user column too: a key of another kind than its events' is refused
    # before anything runs, E0604)
    con.execute("DROP TABLE users")
    con.execute("CREATE TABLE users AS SELECT 'not-a-number' AS user_id, 'x' AS city")
    con.execute("UPDATE events SET user_id = NULL")
    con.execute("ALTER TABLE events ALTER user_id TYPE VARCHAR")
    with pytest.raises(DiagnosticError) as failure:
        run_loaded(project, engine, dt.datetime(2026, 11, 1))
    assert failure.value.diagnostics[0].code == "E0605"
    assert engine.query(f"SELECT * FROM {store.members.name}") == before
    assert engine.query(f"SELECT project, COUNT(*) FROM {store.runs.name} GROUP BY project") == [
        ("tz", 1)
    ]
    engine.close()


@pytest.mark.parametrize("database", ["file", "memory"])
def test_first_run_over_many_users_is_readable_in_the_same_session(
    tmp_path: Path, database: str
) -> None:
    """A first run creates the history tables and inserts more than a DuckDB row group
    (122,880 rows) in one transaction; DuckDB 2.0 then lost the new tables' statistics and
    every filter in the same session found nothing (see targets.duckdb.replace_rows)."""
    users = 130_000
    project = load_project(write_project(tmp_path / "p", "UTC"))
    path = str(tmp_path / "w.duckdb") if database == "file" else ":memory:"
    engine = DuckDBEngine(path)
    con = engine.connection
    con.execute(f"CREATE TABLE users AS SELECT range AS user_id, 'x' AS city FROM range({users})")
    con.execute(
        "CREATE TABLE events AS SELECT range AS user_id, TIMESTAMP '2026-10-31 12:00' AS ts, "
        f"'v' AS name FROM range(0, {users}, 2)"
    )
    summary = run_loaded(project, engine, dt.datetime(2026, 11, 1))
    assert summary.users == users
    assert summary.segment_sizes == {"visited": users // 2}
    store = store_of(project)
    assert engine.query(f"SELECT count(*) FROM {store.members.name} WHERE user_id = 2") == [(1,)]
    assert engine.query(f"SELECT min(user_id), max(user_id) FROM {store.tags.name}") == [
        (0, users - 1)
    ]
    engine.close()


def test_scratch_databases_are_fresh_and_their_own() -> None:
    """DuckDBEngine.scratch: one DuckDB instance, a new empty database per engine, with its
    own session zone; a database is gone once its engine is closed, even one closed in the
    middle of a transaction."""
    first, second = DuckDBEngine.scratch(), DuckDBEngine.scratch()
    first.use_timezone("Asia/Shanghai")
    first.query("CREATE TABLE t AS SELECT 1 AS x")
    assert first.columns_of("t") == {"x": "INTEGER"}
    assert second.columns_of("t") is None
    assert second.query("SELECT current_setting('TimeZone')") != [("Asia/Shanghai",)]
    first.query("BEGIN TRANSACTION")
    first.query("INSERT INTO t VALUES (2)")
    name = first.query("SELECT current_database()")[0][0]
    first.close()
    databases = {row[0] for row in second.query("SELECT database_name FROM duckdb_databases()")}
    assert name not in databases
    third = DuckDBEngine.scratch()
    assert third.columns_of("t") is None
    second.close()
    # an engine collected without close is detached too: the instance does not grow
    fourth = DuckDBEngine.scratch()
    forgotten = fourth.query("SELECT current_database()")[0][0]
    del fourth
    gc.collect()
    databases = {row[0] for row in third.query("SELECT database_name FROM duckdb_databases()")}
    assert forgotten not in databases
    third.close()

"""The SQLite engine: URLs, the Engine methods, and the CLI on a SQLite warehouse; the script
of `segl compile --dialect sqlite`, run by the sqlite3 module alone, writes the same tables
as `segl run --db sqlite:///...`."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import ANCHOR, RETAIL, RUN_LOG, Result, output_tables

from segl.compiler.types import Type
from segl.runtime.demo_data import build_demo_warehouse
from segl.runtime.engine_sqlite import SQLiteEngine, decode, open_engine
from segl.runtime.engines import DuckDBEngine, EngineError, UnsupportedURL, connect

DUCK_TYPES = {
    "BIGINT": Type.NUMBER,
    "INTEGER": Type.NUMBER,
    "DOUBLE": Type.NUMBER,
    "VARCHAR": Type.STRING,
    "DATE": Type.DATE,
    "TIMESTAMP": Type.TIMESTAMP,
    "BOOLEAN": Type.BOOL,
}


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse (300 users) copied into a SQLite file."""
    path = tmp_path_factory.mktemp("sqlite") / "demo.db"
    con = duckdb.connect()
    engine = SQLiteEngine(str(path))
    try:
        build_demo_warehouse(con, users=300)
        query = "SELECT table_name FROM information_schema.tables"
        tables = [r[0] for r in con.execute(query).fetchall()]
        for table in tables:
            described = con.execute(f'DESCRIBE "{table}"').fetchall()
            columns = [(row[0], DUCK_TYPES[row[1]]) for row in described]
            rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
            engine.create_table(table, columns, rows)
    finally:
        engine.close()
        con.close()
    return path


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "warehouse.db"
    shutil.copyfile(sqlite_template, target)
    return target


def rows_of(path: Path, query: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(path)
    try:
        return sorted(con.execute(query).fetchall(), key=repr)
    finally:
        con.close()


# ---------------------------------------------------------------- URLs


def test_urls(tmp_path: Path) -> None:
    memory = connect("sqlite:///:memory:")
    assert isinstance(memory, SQLiteEngine) and memory.database == ":memory:"
    memory.close()
    relative = connect("sqlite:///rel.db", base=tmp_path)
    relative.close()
    assert (tmp_path / "rel.db").exists()
    absolute = connect(f"sqlite:///{tmp_path / 'abs.db'}")  # sqlite:////tmp/.../abs.db
    absolute.close()
    assert (tmp_path / "abs.db").exists()
    with pytest.raises(EngineError, match="no database file"):
        connect(f"sqlite:///{tmp_path / 'missing.db'}", read_only=True)
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(UnsupportedURL):
        open_engine("sqlite:relative.db")


# ---------------------------------------------------------------- the Engine methods


def test_engine_methods() -> None:
    engine = SQLiteEngine()
    try:
        columns = [
            ("user_id", Type.NUMBER),
            ("name", Type.STRING),
            ("vip", Type.BOOL),
            ("birthday", Type.DATE),
            ("seen", Type.TIMESTAMP),
        ]
        when = dt.datetime(2024, 2, 29, 23, 59, 59, 123456)
        engine.create_table('we\'ird "t"', columns, [[1, "a'b", True, dt.date(2024, 2, 29), when]])
        found = engine.columns_of('we\'ird "t"')
        assert found is not None and list(found) == [name for name, _ in columns]
        for (name, declared), kind in zip(columns, found.values(), strict=True):
            assert engine.fits(declared, kind), (name, kind)
        assert not engine.fits(Type.NUMBER, found["name"])
        assert not engine.fits(Type.STRING, found["user_id"])
        assert engine.columns_of("nope") is None
        row = engine.query(engine.select_star('we\'ird "t"'))[0]
        assert row == (1.0, "a'b", 1, "2024-02-29", "2024-02-29 23:59:59.123456")
        assert decode(row[2], Type.BOOL) is True
        assert decode(0, Type.BOOL) is False
        assert decode(row[3], Type.DATE) == dt.date(2024, 2, 29)
        assert decode(row[4], Type.TIMESTAMP) == when
        assert decode(None, Type.BOOL) is None
        engine.use_timezone("Asia/Shanghai")  # a no-op: SQLite has no zones
    finally:
        engine.close()


def test_execute_in_transaction_is_all_or_nothing() -> None:
    engine = SQLiteEngine()
    try:
        engine.create_table("t", [("x", Type.NUMBER)], [[1]])
        with pytest.raises(EngineError, match="no such table"):
            engine.execute_in_transaction(
                ['INSERT INTO "t" VALUES (2)', 'CREATE TABLE "u" (y REAL)', "SELECT * FROM nope"]
            )
        assert engine.query('SELECT x FROM "t"') == [(1.0,)]
        assert engine.columns_of("u") is None
        engine.execute_in_transaction(['INSERT INTO "t" VALUES (3)'])
        assert engine.query('SELECT x FROM "t" ORDER BY x') == [(1.0,), (3.0,)]
    finally:
        engine.close()


def test_a_file_another_process_holds_is_said_plainly(tmp_path: Path) -> None:
    """SQLite waits (5 s), then says only "database is locked": the hint says who holds
    it and what to do (it said the tables might be another tool's)."""
    path = tmp_path / "held.sqlite"
    engine = open_engine(f"sqlite:///{path}")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        engine.create_table("t", [("x", Type.NUMBER)], [[1]])
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(EngineError, match="database is locked") as caught:
            engine.execute_in_transaction(['INSERT INTO "t" VALUES (2)'])
        assert caught.value.hint is not None
        assert caught.value.hint.startswith("another process holds the database file")
    finally:
        holder.close()
        engine.close()
    read_only = EngineError("attempt to write a readonly database")
    assert read_only.hint == "the database file and its folder must be writable by this user"
    assert EngineError("no such table: t").hint is None


# ---------------------------------------------------------------- the CLI


def test_cli_check_run_show(cli: Callable[..., Result], sqlite_db: Path) -> None:
    url = f"sqlite:///{sqlite_db}"
    checked = cli("check", RETAIL, "--db", url)
    assert checked.code == 0, checked.output
    ran = cli("run", RETAIL, "--db", url, "--as-of", ANCHOR)
    assert ran.code == 0, ran.output
    shown = cli("show", "segment", "beijing_loyal", "-p", RETAIL, "--db", url)
    assert shown.code == 0, shown.output
    members = rows_of(sqlite_db, "SELECT COUNT(*) FROM segl_retail_members")  # project retail
    assert members[0][0] > 0


def test_dates_in_an_undeclared_time_column_are_their_midnight(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    """SQLite keeps times as text: an event's time column holding dates (not declared
    `date`, so read as a timestamp) must still hide the as-of's day and bound windows at
    midnight, as DuckDB's DATE column does."""
    db = tmp_path / "w.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE users (user_id INTEGER)")
    con.execute("INSERT INTO users VALUES (1)")
    con.execute("CREATE TABLE visits (user_id INTEGER, day TEXT, v REAL)")
    con.executemany("INSERT INTO visits VALUES (1, ?, ?)", [("2024-03-01", 1), ("2024-03-31", 2)])
    con.commit()
    con.close()
    project = tmp_path / "p"
    project.mkdir()
    (project / "segl.toml").write_text('[project]\nname = "dates"\n', "utf-8")
    (project / "s.segl").write_text(
        'source users from table "users" key user_id {\n}\n'
        'source visits from table "visits" user user_id time day {\n    v: number\n}\n'
        "tag seen = count(visits)\n"
        "tag on_the_day = count(visits between 30 and 29 days ago)\n"
        "tag latest = last(visits.v)\n",
        "utf-8",
    )
    ran = cli("run", project, "--db", f"sqlite:///{db}", "--as-of", "2024-03-31")
    assert ran.code == 0, ran.output
    tags = rows_of(db, "SELECT seen, on_the_day, latest FROM segl_dates_tags")
    assert tags == [(1.0, 1.0, 1.0)]


def test_fractions_written_with_trailing_zeros_are_the_same_instant(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    """'2026-11-01 00:00:00.000000' is the instant '2026-11-01 00:00:00' (and '.500000' is
    '.5'), although the texts differ and sort apart: a history version starting at the
    as-of holds, equal times are equal, windows and `max` order by time, as on DuckDB."""
    rows = {
        "users": [(1, "2026-10-31 00:00:00.000000"), (2, "2026-10-31 12:00:00.500000")],
        "membership": [
            (1, "old", "2026-01-01 00:00:00.000000", "2026-11-01 00:00:00.000000"),
            (1, "new", "2026-11-01 00:00:00.000000", None),
            (2, "only", "2026-11-01 00:00:00.000001", None),  # not yet valid
        ],
        "visits": [
            (1, "2026-10-31 23:59:59.900000"),
            (1, "2026-10-31 23:59:59.91"),
            (2, "2026-10-25 00:00:00.000000"),  # the window's first instant
            (2, "2026-11-01 00:00:00.000000"),  # the as-of: not yet seen
        ],
    }
    project = tmp_path / "p"
    project.mkdir()
    (project / "segl.toml").write_text('[project]\nname = "frac"\nuniverse = "users"\n', "utf-8")
    (project / "s.segl").write_text(
        'source users from table "users" key user_id created reg { reg: timestamp }\n'
        'source membership from table "membership" key user_id valid from vf to vt {\n'
        "    level: string\n}\n"
        'source visits from table "visits" user user_id time ts { }\n'
        "tag level = membership.level\n"
        'tag at_midnight = users.reg == timestamp "2026-10-31 00:00:00"\n'
        'tag half = users.reg >= timestamp "2026-10-31 12:00:00.5"\n'
        "tag last_visit = max(visits.ts)\n"
        "tag week = count(visits in last 7 days)\n",
        "utf-8",
    )
    found = {}
    for kind in ("sqlite", "duckdb"):
        db = tmp_path / f"w.{kind}"
        if kind == "sqlite":
            con: Any = sqlite3.connect(db)
        else:
            con = duckdb.connect(str(db))
        con.execute("CREATE TABLE users (user_id INTEGER, reg TIMESTAMP)")
        con.execute(
            "CREATE TABLE membership (user_id INTEGER, level TEXT, vf TIMESTAMP, vt TIMESTAMP)"
        )
        con.execute("CREATE TABLE visits (user_id INTEGER, ts TIMESTAMP)")
        for table, values in rows.items():
            marks = ", ".join("?" * len(values[0]))
            con.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
        con.commit()
        con.close()
        ran = cli("run", project, "--db", f"{kind}:///{db}", "--as-of", "2026-11-01")
        assert ran.code == 0, ran.output
        query = "SELECT user_id, level, at_midnight, half, last_visit, week FROM segl_frac_tags"
        if kind == "sqlite":
            found[kind] = rows_of(db, query + " ORDER BY user_id")
        else:
            with duckdb.connect(str(db)) as read:
                found[kind] = read.execute(query + " ORDER BY user_id").fetchall()
    assert [row[:4] for row in found["sqlite"]] == [(1, "new", 1, 0), (2, None, 0, 1)]
    assert [row[:4] for row in found["duckdb"]] == [(1, "new", True, False), (2, None, False, True)]
    latest = [dt.datetime.fromisoformat(str(row[4])) for row in found["sqlite"]]
    assert latest == [dt.datetime(2026, 10, 31, 23, 59, 59, 910000), dt.datetime(2026, 10, 25)]
    assert [row[4] for row in found["duckdb"]] == latest
    assert [row[5] for row in found["sqlite"]] == [row[5] for row in found["duckdb"]] == [2, 1]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2026-10-11 23:59:59.9996", 1791763199.9996),  # '%s' alone rounds it up a second
        ("2026-10-11 23:59:59.123456", 1791763199.123456),  # finer than SQLite's ms
        ("2026-10-11 23:59:59", 1791763199),
        ("2026-10-11", 1791676800),  # a date: its midnight
    ],
)
def test_epoch_keeps_the_fraction_of_a_second_as_written(text: str, seconds: float) -> None:
    """Funnel windows, medians and rolling retention measure time by `epoch`: it must
    read a timestamp's fraction as written, as the other engines do."""
    from sqlglot import exp

    from segl.compiler.sqlgen import render
    from segl.compiler.targets import get_target

    target = get_target("sqlite")
    query = exp.select(target.epoch(exp.Literal.string(text)))
    [(found,)] = sqlite3.connect(":memory:").execute(render(query, target)).fetchall()
    assert found == pytest.approx(seconds, abs=1e-7)


@pytest.mark.parametrize(
    ("text", "iso_weekday"),
    [
        ("2026-10-31 23:59:59.9996", 6),  # a Saturday: '%w' alone rounds it to Sunday
        ("2026-10-31 23:59:59.999999", 6),
        ("2026-11-01 00:00:00", 7),
        ("2026-11-02", 1),  # a date: a Monday
    ],
)
def test_weekday_of_a_time_just_before_midnight_is_its_own_day(text: str, iso_weekday: int) -> None:
    """`day_of_week` (1 = Monday) on SQLite: the weekday of the time's day, as the other
    engines have it, not of the time rounded to the millisecond."""
    from sqlglot import exp

    from segl.compiler.sqlgen import render
    from segl.compiler.targets import get_target

    target = get_target("sqlite")
    query = exp.select(target.iso_day_of_week(exp.Literal.string(text)))
    [(found,)] = sqlite3.connect(":memory:").execute(render(query, target)).fetchall()
    assert found == iso_weekday


def sqlite_project(tmp_path: Path, table: str) -> tuple[Path, str]:
    """A SQLite file holding `table` (its CREATE TABLE) and an empty project folder `p`
    (a project is a folder with a segl.toml): the folder and the database's URL."""
    db = tmp_path / "w.db"
    con = sqlite3.connect(db)
    con.execute(table)
    con.commit()
    con.close()
    project = tmp_path / "p"
    project.mkdir()
    (project / "segl.toml").write_text("", "utf-8")
    return project, f"sqlite:///{db}"


def test_check_reports_a_wrong_column_type(cli: Callable[..., Result], tmp_path: Path) -> None:
    table = "CREATE TABLE users (user_id INTEGER, city REAL, registered_at TEXT)"
    project, url = sqlite_project(tmp_path, table)
    (project / "s.segl").write_text(
        'source users from table "users" key user_id {\n'
        "    city: string\n    registered_at: timestamp\n}\n"
        "tag city = users.city\n",
        "utf-8",
    )
    checked = cli("check", project, "--db", url)
    assert checked.code == 1
    assert "E0604" in checked.output and "city" in checked.output


def test_a_key_column_without_a_type_holding_numbers_and_text_is_refused(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    """`CREATE TABLE events(user_id, ...)` holding 1 and '1' (a load that wrote some keys
    as text): GROUP BY kept them apart and user 1 was stored twice, each with half the
    events. The same column holding numbers only is fine."""
    db = tmp_path / "w.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE users (user_id INTEGER)")
    con.execute("INSERT INTO users VALUES (1)")
    con.execute("CREATE TABLE events (user_id, ts TEXT, name TEXT)")
    rows = [(1, "2026-03-01 10:00:00", "a"), ("1", "2026-03-02 10:00:00", "b")]
    con.executemany("INSERT INTO events VALUES (?, ?, ?)", rows)
    con.commit()
    project = tmp_path / "p"
    project.mkdir()
    (project / "segl.toml").write_text('[project]\nuniverse = "users"\n', "utf-8")
    (project / "s.segl").write_text(
        'source users from table "users" key user_id { user_id: number }\n'
        'source events from table "events" user user_id time ts { name: string }\n'
        "tag n = count(events)\n",
        "utf-8",
    )
    url = f"sqlite:///{db}"
    ran = cli("run", project, "--db", url, "--as-of", "2026-03-10")
    assert ran.code == 1, ran.output
    assert "E0604 column 'events.user_id', the user key of source 'events', has no " in ran.err
    assert "holds both numbers and text, so 1 and '1' would be two users" in ran.err
    con.execute("UPDATE events SET user_id = 1")
    con.commit()
    con.close()
    fixed = cli("run", project, "--db", url, "--as-of", "2026-03-10")
    assert fixed.code == 0, fixed.output
    assert "1 user" in fixed.out


def test_key_columns_without_a_type_are_what_their_values_are(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    """`CREATE TABLE events(user_id, ...)` holding text keys beside a universe keyed by
    text: E0604 said the column held numbers (any value fits a column without a type)."""
    db = tmp_path / "w.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE users (user_id)")
    con.execute("CREATE TABLE events (user_id, ts, name)")
    con.execute("INSERT INTO users VALUES ('u1')")
    con.execute("INSERT INTO events VALUES ('u1', '2026-03-01 10:00:00', 'a')")
    con.commit()
    con.close()
    project = tmp_path / "p"
    project.mkdir()
    (project / "segl.toml").write_text('[project]\nuniverse = "users"\n', "utf-8")
    (project / "s.segl").write_text(
        'source users from table "users" key user_id { user_id: string }\n'
        'source events from table "events" user user_id time ts { name: string }\n'
        "tag n = count(events)\n",
        "utf-8",
    )
    ran = cli("run", project, "--db", f"sqlite:///{db}", "--as-of", "2026-03-10")
    assert ran.code == 0, ran.output
    assert "1 user" in ran.out


def test_compiled_script_runs_with_sqlite3_and_matches_segl_run(
    cli: Callable[..., Result], sqlite_db: Path, tmp_path: Path
) -> None:
    by_script = tmp_path / "by_script.db"
    shutil.copyfile(sqlite_db, by_script)
    ran = cli("run", RETAIL, "--db", f"sqlite:///{sqlite_db}", "--as-of", ANCHOR)
    assert ran.code == 0, ran.output
    out = tmp_path / "sql"
    compiled = cli("compile", RETAIL, "--dialect", "sqlite", "--as-of", ANCHOR, "--out", out)
    assert compiled.code == 0, compiled.output
    (script,) = out.glob("*.sql")
    con = sqlite3.connect(by_script)
    try:
        con.executescript(script.read_text("utf-8"))
    finally:
        con.close()
    for table in output_tables("retail"):
        if table == RUN_LOG:  # all but the clock's columns run_at and duration_seconds
            query = (
                "SELECT project, as_of, timezone, users, rules_fingerprint, segl_version "
                f"FROM {RUN_LOG} WHERE project = 'retail'"
            )
        else:
            query = f"SELECT * FROM {table}"
        by_run = rows_of(sqlite_db, query)
        assert by_run, table
        assert rows_of(by_script, query) == by_run, table
    # run_at is an instant: ISO text in UTC
    for path in (sqlite_db, by_script):
        ((run_at,),) = rows_of(path, f"SELECT run_at FROM {RUN_LOG}")
        assert isinstance(run_at, str) and run_at.endswith("+00:00"), run_at


def test_text_that_is_no_time_reads_as_null() -> None:
    """SQLite keeps any text in any column: a time column's 'abc' or '...10:00:00x' is
    null (as on ClickHouse), not a time that sorts among the others ('abc' was stored as
    a tag's timestamp and then broke `segl export` and journey runs: internal errors)."""
    from segl.compiler.checker import check_programs
    from segl.dsl.parser import parse_program
    from segl.runtime import reference
    from segl.runtime.inmemory import run_on

    rules = """
source users from table "users" key user_id { user_id: number  joined: timestamp  born: date }
source orders from table "orders" user user_id time paid_at { amount: number }
tag joined = users.joined
tag orders_seen = count(orders)
tag latest = max(orders.paid_at)
tag born = users.born
"""
    project, diagnostics = check_programs([parse_program(rules, "r.segl")])
    assert project is not None, diagnostics
    as_of = dt.datetime(2026, 11, 1)
    users = [
        {"user_id": 1, "joined": "abc", "born": "1990-02-29"},
        {"user_id": 2, "joined": "2026-01-02 03:04:05", "born": "1992-02-29"},
    ]
    # and days no calendar has, or hour 24 (SQLite's DATETIME() keeps them as written)
    times = [
        "2026-10-01 10:00:00",
        "2026-10-02 10:00:00x",
        "",
        "abc",
        "2026-10-31 23:00:00",  # valid
        "2026-10-31 23:59:59.9999",  # valid, the latest (not carried into 11-01)
        "2026-02-30 10:00:00",
        "2026-10-31 24:00:00",
        "2026-11-31",
    ]
    orders = [{"user_id": 1, "paid_at": t, "amount": 1.0} for t in times]
    engine = SQLiteEngine(":memory:")
    got = run_on(engine, project, {"users": users, "orders": orders}, as_of)
    assert got.tags["joined"] == {1: None, 2: dt.datetime(2026, 1, 2, 3, 4, 5)}
    assert got.tags["born"] == {1: None, 2: dt.date(1992, 2, 29)}
    latest = dt.datetime(2026, 10, 31, 23, 59, 59, 999900)
    assert got.tags["orders_seen"] == {1: 3, 2: 0}
    assert got.tags["latest"] == {1: latest, 2: None}
    valid = {0: dt.datetime(2026, 10, 1, 10), 4: dt.datetime(2026, 10, 31, 23), 5: latest}
    parsed = [{**o, "paid_at": valid.get(i)} for i, o in enumerate(orders)]
    people = [
        {**users[0], "joined": None, "born": None},
        {**users[1], "joined": dt.datetime(2026, 1, 2, 3, 4, 5), "born": dt.date(1992, 2, 29)},
    ]
    expected = reference.evaluate(project, {"users": people, "orders": parsed}, as_of)
    assert got.tags == expected.tags


def test_iso_forms_of_a_time_read_as_that_time_and_zoned_text_as_null() -> None:
    """A time written the ISO way with a `T`, or without seconds, is that time (it sorted
    after every space-separated time of its day: an event an hour before the as-of was
    in the future); text with an offset or a `Z` is null, as on ClickHouse (windows read
    its wall time, DATETIME() its UTC); a date column's text is a day ('2000' was the
    Julian day 2000) or the day of a time."""
    from segl.compiler.checker import check_programs
    from segl.dsl.parser import parse_program
    from segl.runtime.inmemory import run_on

    rules = """
source users from table "users" key user_id { user_id: number  born: date }
source events from table "events" user user_id time ts { name: string }
tag seen = count(events)
tag last_hour = count(events in last 1 hours)
tag latest = max(events.ts)
tag last_name = last(events.name)
tag born = users.born
"""
    project, diagnostics = check_programs([parse_program(rules, "r.segl")])
    assert project is not None, diagnostics
    as_of = dt.datetime(2026, 3, 10, 12)
    users = [
        {"user_id": 1, "born": "2000"},
        {"user_id": 2, "born": "2000-03-10 13:00:00"},
        {"user_id": 3, "born": "2000-03-10T13:00:00+08:00"},
    ]
    events = [
        {"user_id": 1, "ts": "2026-03-10T10:30:00", "name": "a"},
        {"user_id": 1, "ts": "2026-03-10 10:45:00", "name": "b"},
        {"user_id": 2, "ts": "2026-03-10T11:30:00.250", "name": "c"},
        {"user_id": 2, "ts": "2026-03-10 11:15", "name": "d"},
        {"user_id": 3, "ts": "2026-03-10 11:30:00+08:00", "name": "e"},
        {"user_id": 3, "ts": "2026-03-10 11:45:00.5Z", "name": "f"},
        {"user_id": 3, "ts": "2026-03-10T12:00", "name": "g"},  # at the as-of: not seen
    ]
    engine = SQLiteEngine(":memory:")
    got = run_on(engine, project, {"users": users, "events": events}, as_of)
    assert got.tags["seen"] == {1: 2, 2: 2, 3: 0}
    assert got.tags["last_hour"] == {1: 0, 2: 2, 3: 0}
    assert got.tags["latest"] == {
        1: dt.datetime(2026, 3, 10, 10, 45),
        2: dt.datetime(2026, 3, 10, 11, 30, 0, 250000),
        3: None,
    }
    assert got.tags["last_name"] == {1: "b", 2: "c", 3: None}
    assert got.tags["born"] == {1: None, 2: dt.date(2000, 3, 10), 3: None}


def test_a_bool_column_holding_other_spellings_reads_as_one_value_each() -> None:
    """A BOOLEAN (or untyped) column keeps 'true', '1' and 2 as written: the tag stored
    'true' as 0, the condition `users.vip` left out '1' and 2, and a report grouped each
    spelling apart. Numbers are true unless 0; 'true'/'t'/'1' and 'false'/'f'/'0' in any
    case; other text is null."""
    from segl.compiler.checker import check_programs
    from segl.dsl.parser import parse_program
    from segl.runtime.inmemory import run_on

    rules = """
source users from table "users" key user_id { user_id: number  vip: bool }
tag vip = users.vip
segment vips = users.vip
segment not_vips = not users.vip
"""
    project, diagnostics = check_programs([parse_program(rules, "r.segl")])
    assert project is not None, diagnostics
    spelled = [1, "1", 1.0, "true", "TRUE", "t", 2, 0, "0", "false", "F", 0.0, "", "yes", None]
    users = [{"user_id": n, "vip": v} for n, v in enumerate(spelled)]
    got = run_on(SQLiteEngine(":memory:"), project, {"users": users}, dt.datetime(2026, 3, 10))
    read = [got.tags["vip"][n] for n in range(len(spelled))]
    assert read == [True] * 7 + [False] * 5 + [None] * 3
    assert got.segments["vips"] == set(range(7))
    assert got.segments["not_vips"] == set(range(7, 12))


def test_lock_timeout_is_how_long_a_held_file_is_waited_for(tmp_path: Path) -> None:
    """`--lock-timeout` was for DuckDB only; SQLite waited its fixed 5 s whatever it said.
    It is the wait now (connect's lock_timeout), 5 s when none is given."""
    path = tmp_path / "held.sqlite"
    SQLiteEngine(str(path)).create_table("t", [("x", Type.NUMBER)], [[1]])
    holder = sqlite3.connect(path, isolation_level=None)
    engine = connect(f"sqlite:///{path}", lock_timeout=0.2)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        with pytest.raises(EngineError, match="database is locked"):
            engine.execute_in_transaction(['INSERT INTO "t" VALUES (2)'])
        assert time.monotonic() - started < 3  # not the default 5 s
    finally:
        holder.close()


def test_a_run_waits_for_another_writer_instead_of_failing_at_once(tmp_path: Path) -> None:
    """A run reads before it writes. In a deferred transaction SQLite refused its first
    write at once ("database is locked", about a second into a run) while another
    connection held the write lock, whatever `--lock-timeout` said (an acceptance probe):
    a reader may not wait for a writer there, that could deadlock. The run's transaction
    now takes the write lock first, and waits for it."""
    from conftest import loaded_rules

    from segl.runtime.run import run_loaded

    path = tmp_path / "busy.sqlite"
    SQLiteEngine(str(path)).create_table("users", [("user_id", Type.NUMBER)], [[1], [2]])
    rules = 'source users from table "users" key user_id { user_id: number }\n'
    loaded = loaded_rules(rules + "segment all = users.user_id > 0\n", "busy")
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("CREATE TABLE another_tool (x INTEGER)")
    release = threading.Timer(1.5, lambda: holder.execute("COMMIT"))
    engine = connect(f"sqlite:///{path}", lock_timeout=30)
    try:
        started = time.monotonic()
        release.start()
        summary = run_loaded(loaded, engine, dt.datetime(2026, 11, 1))
        assert time.monotonic() - started >= 1.4  # it waited for the other writer
        assert summary.users == 2
    finally:
        release.join()
        holder.close()
        engine.close()
        engine.close()


def test_more_segments_layerings_and_periods_than_one_union_may_join() -> None:
    """SQLite joins at most 500 SELECTs in one UNION ALL: 501 segments or layerings (their
    rows are one union per table) and a retention of 501 periods were refused at run time
    ("too many terms in compound SELECT"; a fuzzing probe). Unions are built of groups."""
    from conftest import loaded_rules

    from segl.runtime.reports import run_retention
    from segl.runtime.run import run_loaded

    count = 501
    rules = 'source users from table "users" key user_id { user_id: number  balance: number }\n'
    rules += 'source orders from table "orders" user user_id time ts { amount: number }\n'
    rules += "".join(f"segment s{i} = users.balance > {i}\n" for i in range(count))
    layering = "layering l{0} {{ hi when users.balance > {0}\n lo otherwise }}\n"
    rules += "".join(layering.format(i) for i in range(count))
    rules += f"retention r {{ cohort first orders return orders by day periods {count} }}\n"
    loaded = loaded_rules(rules, "wide")
    engine = SQLiteEngine()
    engine.create_table(
        "users", [("user_id", Type.NUMBER), ("balance", Type.NUMBER)], [[1, 250], [2, 700]]
    )
    orders = [[1, dt.datetime(2025, 1, 1), 1.0], [1, dt.datetime(2026, 5, 1), 1.0]]
    columns = [("user_id", Type.NUMBER), ("ts", Type.TIMESTAMP), ("amount", Type.NUMBER)]
    engine.create_table("orders", columns, orders)
    summary = run_loaded(loaded, engine, dt.datetime(2026, 11, 1))
    assert sum(summary.segment_sizes.values()) == 250 + count
    assert len(summary.layer_counts) == count
    assert engine.query('SELECT COUNT(*) FROM "segl_wide_layers"') == [(2 * count,)]
    assert loaded.project is not None
    result = run_retention(engine, loaded.project, "r", dt.datetime(2026, 11, 1))
    cells = result["cohorts"][0]["retained"]
    assert len(cells) == count and cells[484] == sum(cells) == 1  # 2026-05-01: day 485


def test_tables_wider_than_the_engine_allows_are_refused_before_the_run() -> None:
    """SQLite holds at most 2,000 columns in a table and PostgreSQL 1,600: a project of
    1,999 tags failed half-way through its run ("too many columns"), and `segl check
    --dialect` said ok. Now E0501 at the definition of the first column past the limit,
    at check, compile and run, and nothing is written."""
    from conftest import loaded_rules

    from segl.compiler.script import compile_run
    from segl.compiler.target_check import width_problems
    from segl.compiler.targets import get_target
    from segl.dsl.diagnostics import DiagnosticError
    from segl.runtime.run import run_loaded

    rules = 'source users from table "users" key user_id { user_id: number  balance: number }\n'
    rules += "".join(f"tag t{i} = users.balance + {i}\n" for i in range(1999))
    loaded = loaded_rules(rules, "wide")
    engine = SQLiteEngine()
    engine.create_table("users", [("user_id", Type.NUMBER), ("balance", Type.NUMBER)], [[1, 2]])
    with pytest.raises(DiagnosticError) as refused:
        run_loaded(loaded, engine, dt.datetime(2026, 11, 1))
    [problem] = refused.value.diagnostics
    assert problem.code == "E0501"
    assert problem.message == (
        "'segl_wide_tags' would have 2,001 columns; sqlite allows at most 2,000 in a table"
    )
    assert problem.span is not None and problem.span.line == 2000  # tag t1998
    assert engine.query("SELECT name FROM sqlite_master WHERE name LIKE 'segl%'") == []
    # on PostgreSQL the per-user result (a column per tag) is too wide first
    assert loaded.project is not None
    compiled = compile_run(loaded.project, dt.datetime(2026, 11, 1), get_target("postgres"))
    found = width_problems(compiled)
    assert [(p.message.split(";")[0], p.span and p.span.line) for p in found] == [
        ("'segl_wide_result' would have 2,000 columns", 1601),  # tag t1599: column 1,601
        ("'segl_wide_tags' would have 2,001 columns", 1600),  # after the as-of and the key
    ]


def test_functions_of_more_arguments_than_sqlite_takes_are_nested() -> None:
    """SQLite takes at most 127 arguments in a call: coalesce, greatest and least of 300
    were refused at run time ("too many arguments on function"; a fuzzing probe)."""
    from conftest import loaded_rules

    from segl.runtime.run import run_loaded

    many = 300
    rules = 'source users from table "users" key user_id { user_id: number  balance: number }\n'
    nulls = ", ".join(["users.balance / 0"] * many)  # a number over zero is null
    rules += f"tag first = coalesce({nulls}, users.balance)\n"
    numbers = ", ".join(f"users.balance + {i % 7 - i}" for i in range(many))
    rules += f"tag top = greatest({numbers})\ntag bottom = least({numbers})\n"
    rules += f"tag gap = greatest({numbers}, users.balance / 0)\n"  # a null argument: null
    loaded = loaded_rules(rules, "calls")
    engine = SQLiteEngine()
    engine.create_table(
        "users", [("user_id", Type.NUMBER), ("balance", Type.NUMBER)], [[1, 10], [2, 20]]
    )
    run_loaded(loaded, engine, dt.datetime(2026, 11, 1))
    found = engine.query('SELECT user_id, "first", top, bottom, gap FROM "segl_calls_tags"')
    shifts = [i % 7 - i for i in range(many)]
    assert sorted(found) == [
        (1, 10.0, 10.0 + max(shifts), 10.0 + min(shifts), None),
        (2, 20.0, 20.0 + max(shifts), 20.0 + min(shifts), None),
    ]


def test_long_chains_of_and_and_or_are_compiled_shallow() -> None:
    """SQLite (and DuckDB) parse expressions at most 1,000 deep, and the parser nests a chain
    of `or`s one level per operand: a segment of 1,200 alternatives was refused at run time
    ("Expression tree is too large"). A long chain is compiled as a balanced tree."""
    from conftest import loaded_rules

    from segl.runtime.run import run_loaded

    many = 1200
    rules = 'source users from table "users" key user_id { user_id: number  balance: number }\n'
    rules += "segment picked = " + " or ".join(f"users.balance == {i}" for i in range(many))
    positive = " and ".join(f"users.balance > {-i}" for i in range(many))
    rules += f"\nsegment all_positive = {positive}"
    loaded = loaded_rules(rules + "\n", "chains")
    users = [[1, 7], [2, many + 5], [3, -3]]
    for engine in (SQLiteEngine(), DuckDBEngine()):
        engine.create_table("users", [("user_id", Type.NUMBER), ("balance", Type.NUMBER)], users)
        summary = run_loaded(loaded, engine, dt.datetime(2026, 11, 1))
        assert summary.segment_sizes == {"picked": 1, "all_positive": 2}, engine.name


def test_the_null_guard_of_a_call_of_many_arguments_is_shallow() -> None:
    """greatest(a1, ..., a1200) is null when any argument is: the guard, an OR of 1,200
    tests, was a chain 1,200 deep that SQLite refused ("Expression tree is too large");
    long ANDs and ORs the compiler builds are balanced trees too (nodes.joined)."""
    from conftest import loaded_rules

    from segl.runtime.run import run_loaded

    rules = 'source users from table "users" key user_id { user_id: number  balance: number }\n'
    rules += "tag top = greatest(" + ", ".join(f"users.balance + {i}" for i in range(1200)) + ")\n"
    loaded = loaded_rules(rules, "guard")
    engine = SQLiteEngine()
    engine.create_table(
        "users", [("user_id", Type.NUMBER), ("balance", Type.NUMBER)], [[1, 10], [2, None]]
    )
    run_loaded(loaded, engine, dt.datetime(2026, 11, 1))
    found = engine.query('SELECT user_id, top FROM "segl_guard_tags" ORDER BY user_id')
    assert found == [(1, 1209.0), (2, None)]


def test_check_with_a_database_reports_what_its_engine_cannot_run(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    """`segl check --db sqlite:...` said ok for 1,999 tags (a tag table of 2,001 columns
    SQLite refuses) until the run failed: it reports its engine's errors as `--dialect`
    does, and not the warnings about scripts run by other clients (bucket needs md5)."""
    project, url = sqlite_project(tmp_path, "CREATE TABLE users (user_id INTEGER, balance REAL)")
    source = 'source users from table "users" key user_id { user_id: number  balance: number }\n'
    bucketed = 'segment held = bucket(users.user_id, "s") < 0.05\n'
    (project / "s.segl").write_text(source + bucketed, "utf-8")
    fine = cli("check", project, "--db", url)
    assert fine.code == 0 and "W0501" not in fine.output, fine.output
    tags = "".join(f"tag t{i} = users.balance + {i}\n" for i in range(1999))
    (project / "s.segl").write_text(source + tags, "utf-8")
    wide = cli("check", project, "--db", url)
    assert wide.code == 1, wide.output
    assert "E0501 'segl_p_tags' would have 2,001 columns; sqlite allows at most 2,000" in wide.err

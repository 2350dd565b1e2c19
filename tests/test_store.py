"""The result store (compiler/store.py, runtime/store.py) and `segl export segment`:
projects never interfere, every column has its declared type, a changed tag type or a
damaged profile never becomes a silent cast or duplicated users, an empty universe never
replaces stored results unasked, and exported audiences are typed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from conftest import Result, db_url, read_sql

from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.script import compile_run
from segl.compiler.store import Store, storage_name
from segl.compiler.targets import get_target
from segl.dsl.parser import parse_program

Cli = Callable[..., Result]
AS_OF = "2026-11-01"

SOURCES = """\
source users from table "users" key user_id {
    city: string
    balance: number
}
source orders from table "orders" user user_id time paid_at {
    amount: number
}
"""


def project(write: Callable[..., Path], name: str, rules: str, folder: str | None = None) -> Path:
    toml = f'[project]\nname = "{name}"\n'
    return write({"sources.segl": SOURCES, "rules.segl": rules, "segl.toml": toml}, folder or name)


def small_warehouse(path: Path, users: int = 3, extra: str = "") -> Path:
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE users AS SELECT i AS user_id, "
        "CASE WHEN i % 2 = 0 THEN 'Beijing' ELSE 'Shanghai' END AS city, "
        "i * 10.0 AS balance FROM range(1, ? + 1) t(i)",
        [users],
    )
    con.execute(
        "CREATE TABLE orders AS SELECT (i % ?) + 1 AS user_id, "
        "TIMESTAMP '2026-10-01 10:00:00' + i * INTERVAL 1 HOUR AS paid_at, "
        "i * 1.5 AS amount FROM range(0, 20) t(i)",
        [users],
    )
    if extra:
        con.execute(extra)
    con.close()
    return path


# ---------------------------------------------------------------- the tables


def _checked(text: str, name: str = "retail") -> Store:
    parsed = parse_program(SOURCES + text, "rules.segl")
    checked, diagnostics = check_programs([parsed], ProjectConfig(name=name))
    assert checked is not None, diagnostics
    return Store(checked)


def test_every_table_is_defined_with_typed_columns() -> None:
    store = _checked("tag city = users.city\ntag n = count(orders)\nsegment s = n > 1\n")
    assert [t.name for t in store.history] == [
        "segl_retail_tags",
        "segl_retail_members",
        "segl_retail_layers",
        "segl_runs",
    ]
    tags = store.tags
    assert tags.names == ("as_of", "user_id", "city", "n")
    assert [c.type.value for c in tags.columns] == ["timestamp", "key", "string", "number"]
    assert store.runs.names == (
        "project",
        "as_of",
        "timezone",
        "run_at",
        "duration_seconds",
        "users",
        "rules_fingerprint",
        "segl_version",
        "definitions",
    )
    assert store.runs.run_keys == ("project", "as_of")


@pytest.mark.parametrize(
    ("project_name", "ascii_only", "expected"),
    [
        ("retail", False, "retail"),
        ("零售", False, "零售"),
        ("零售", True, "_x96f6__x552e_"),
        ("my-shop.v2", False, "my_x2d_shop_x2e_v2"),
    ],
)
def test_storage_names_are_one_identifier(
    project_name: str, ascii_only: bool, expected: str
) -> None:
    assert storage_name(project_name, ascii_only) == expected


def test_the_script_header_cannot_carry_sql(tmp_path: Path) -> None:
    """A project name reaches the script only as one escaped comment line and as quoted
    literals (segl.toml names are validated too; a name given to the compiler is not)."""
    store = _checked("tag n = count(orders)\n", name="retail\nDROP TABLE users;\n--")
    script = compile_run(store.project, dt.datetime(2026, 11, 1), get_target("duckdb")).script()
    header = script.split("\n\n")[0].splitlines()
    assert all(line.startswith("-- ") for line in header), header
    assert "-- segl: project 'retail\\nDROP TABLE users;\\n--', target duckdb" in header
    warehouse = small_warehouse(tmp_path / "w.duckdb")
    con = duckdb.connect(str(warehouse))
    con.execute(script)
    assert con.execute("SELECT count(*) FROM users").fetchall() == [(3,)]
    con.close()


# ---------------------------------------------------------------- projects never interfere


def test_two_projects_with_a_tag_of_different_types(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    warehouse = small_warehouse(tmp_path / "w.duckdb")
    as_number = project(write_project, "north", "tag city = count(orders)\n")
    as_string = project(write_project, "south", "tag city = users.city\n")
    for root in (as_number, as_string, as_number):
        result = cli("run", root, "--db", db_url(warehouse), "--as-of", AS_OF)
        assert result.code == 0, result.output
    numbers = read_sql(warehouse, "SELECT user_id, city FROM segl_north_tags ORDER BY 1")
    strings = read_sql(warehouse, "SELECT user_id, city FROM segl_south_tags ORDER BY 1")
    assert numbers == [(1, 7.0), (2, 7.0), (3, 6.0)]
    assert strings == [(1, "Shanghai"), (2, "Beijing"), (3, "Shanghai")]
    types = dict(
        read_sql(
            warehouse,
            "SELECT table_name, data_type FROM information_schema.columns "
            "WHERE column_name = 'city'",
        )
    )
    assert types == {"segl_north_tags": "DOUBLE", "segl_south_tags": "VARCHAR", "users": "VARCHAR"}
    runs = read_sql(warehouse, "SELECT project, users FROM segl_runs ORDER BY project")
    assert runs == [("north", 3), ("south", 3)]


@pytest.mark.parametrize(("first", "second"), [("shop", "Shop"), ("crm-2026", "crm_x2d_2026")])
def test_two_projects_whose_tables_would_be_one_are_refused(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path, first: str, second: str
) -> None:
    """Table names that differ only by case are one table in DuckDB, and `-` is stored as
    `_x2d_`: the second project would overwrite the first one's history (E0608)."""
    warehouse = small_warehouse(tmp_path / "w.duckdb")
    one = project(write_project, first, "tag n = count(orders)\n", "one")
    other = project(write_project, second, "tag n = count(orders)\n", "other")
    assert cli("run", one, "--db", db_url(warehouse), "--as-of", AS_OF).code == 0
    refused = cli("run", other, "--db", db_url(warehouse), "--as-of", AS_OF)
    assert refused.code == 1, refused.output
    assert f"E0608 project '{second}' would write the tables of project '{first}'" in refused.err
    assert read_sql(warehouse, "SELECT project FROM segl_runs") == [(first,)]


def test_the_run_log_records_how_the_run_was_made(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    warehouse = small_warehouse(tmp_path / "w.duckdb")
    root = project(write_project, "north", "tag n = count(orders)\n")
    assert cli("run", root, "--db", db_url(warehouse), "--as-of", AS_OF).code == 0
    ((zone, run_at, seconds, fingerprint, version, kind),) = read_sql(
        warehouse,
        "SELECT timezone, run_at, duration_seconds, rules_fingerprint, segl_version, "
        "typeof(run_at) FROM segl_runs",
    )
    assert zone == "UTC"
    assert kind == "TIMESTAMP WITH TIME ZONE"
    assert run_at.tzinfo is not None
    assert abs((dt.datetime.now(dt.UTC) - run_at).total_seconds()) < 600
    assert 0 < seconds < 60
    assert len(fingerprint) == 64
    assert version not in ("", None)
    # the fingerprint follows the rules' meaning, not their layout
    (root / "rules.segl").write_text("# the same rule\ntag   n   =   count(orders)\n", "utf-8")
    assert cli("run", root, "--db", db_url(warehouse), "--as-of", "2026-11-02").code == 0
    prints = read_sql(warehouse, "SELECT DISTINCT rules_fingerprint FROM segl_runs")
    assert prints == [(fingerprint,)]


def test_runs_of_a_newer_segl_are_not_overwritten_by_an_older_one(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """A machine left on an older segl ran a project a newer one had run, misreading or
    overwriting state it does not know. A run sees the versions in the run log first:
    a later minor release refuses (E0609, nothing written); a later patch does not."""
    from segl.runtime.run import segl_version
    from segl.runtime.store import release

    major, minor = release(segl_version()) or (0, 0)
    warehouse = small_warehouse(tmp_path / "w.duckdb")
    root = project(write_project, "north", "tag n = count(orders)\n")
    assert cli("run", root, "--db", db_url(warehouse), "--as-of", AS_OF).code == 0
    con = duckdb.connect(str(warehouse))
    con.execute(f"UPDATE segl_runs SET segl_version = '{major}.{minor}.99'")
    con.close()
    assert cli("run", root, "--db", db_url(warehouse), "--as-of", "2026-11-02").code == 0
    newer = f"{major}.{minor + 1}.0"
    con = duckdb.connect(str(warehouse))
    con.execute(f"UPDATE segl_runs SET segl_version = '{newer}'")
    con.close()
    refused = cli("run", root, "--db", db_url(warehouse), "--as-of", "2026-11-03")
    assert refused.code == 1, refused.output
    assert f"E0609 project 'north' was run by segl {newer}, newer than this segl" in refused.err
    assert f"upgrade segl to {newer} or later" in refused.err
    runs = read_sql(warehouse, "SELECT count(*) FROM segl_runs")
    assert runs == [(2,)]  # nothing written


# ---------------------------------------------------------------- a tag whose type changed


def test_a_tag_whose_type_changed_is_refused_with_a_way_forward(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    warehouse = small_warehouse(tmp_path / "w.duckdb")
    root = project(write_project, "north", "tag city = count(orders)\n")
    assert cli("run", root, "--db", db_url(warehouse), "--as-of", AS_OF).code == 0
    (root / "rules.segl").write_text("tag city = users.city\n", "utf-8")
    before = read_sql(warehouse, "SELECT * FROM segl_north_tags ORDER BY ALL")
    result = cli("run", root, "--db", db_url(warehouse), "--as-of", "2026-11-02")
    assert result.code == 1
    assert (
        "north/rules.segl:1:1: E0609 tag 'city' is stored as DOUBLE in segl_north_tags"
        in result.err
    )
    assert 'ALTER TABLE "segl_north_tags" DROP COLUMN "city"' in result.err
    assert read_sql(warehouse, "SELECT * FROM segl_north_tags ORDER BY ALL") == before
    # the documented way forward works
    con = duckdb.connect(str(warehouse))
    con.execute('ALTER TABLE "segl_north_tags" DROP COLUMN "city"')
    con.close()
    assert cli("run", root, "--db", db_url(warehouse), "--as-of", "2026-11-02").code == 0


def test_a_new_tag_adds_its_column_on_every_engine_kind(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SQLite has no ADD COLUMN IF NOT EXISTS: the run adds what the table lacks."""
    import sqlite3

    path = tmp_path / "w.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE users (user_id INTEGER, city TEXT, balance REAL)")
    con.execute("INSERT INTO users VALUES (1, 'Beijing', 1.0), (2, 'Shanghai', 2.0)")
    con.execute("CREATE TABLE orders (user_id INTEGER, paid_at TEXT, amount REAL)")
    con.execute("INSERT INTO orders VALUES (1, '2026-10-01 10:00:00', 5.0)")
    con.commit()
    con.close()
    root = project(write_project, "north", "tag n = count(orders)\n")
    url = f"sqlite:///{path}"
    assert cli("run", root, "--db", url, "--as-of", AS_OF).code == 0
    (root / "rules.segl").write_text("tag n = count(orders)\ntag spend = sum(orders.amount)\n")
    result = cli("run", root, "--db", url, "--as-of", "2026-11-02")
    assert result.code == 0, result.output
    con = sqlite3.connect(path)
    rows = con.execute("SELECT as_of, user_id, n, spend FROM segl_north_tags ORDER BY 1, 2")
    assert rows.fetchall() == [
        ("2026-11-01 00:00:00", 1, 1.0, None),
        ("2026-11-01 00:00:00", 2, 0.0, None),
        ("2026-11-02 00:00:00", 1, 1.0, 5.0),
        ("2026-11-02 00:00:00", 2, 0.0, 0.0),
    ]


# ---------------------------------------------------------------- damaged data


def test_duplicate_profile_keys_are_refused_naming_samples(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    warehouse = small_warehouse(
        tmp_path / "w.duckdb", extra="INSERT INTO users VALUES (2, 'Beijing', 1.0), (2, 'X', 2)"
    )
    root = project(write_project, "north", "tag n = count(orders)\nsegment buyers = n > 0\n")
    result = cli("run", root, "--db", db_url(warehouse), "--as-of", AS_OF)
    assert result.code == 1
    assert (
        "E0610 profile source 'users' (table users) has several rows for one user_id: "
        in result.err
    )
    assert "2 (3 rows)" in result.err
    assert "north/sources.segl:1:1" in result.err


def test_reports_refuse_duplicate_profile_keys_as_runs_do(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """A report over such a profile would count the user twice (and its orders twice,
    through the join to the universe): refused, as a run refuses it, nothing stored."""
    warehouse = small_warehouse(tmp_path / "w.duckdb", extra="INSERT INTO users VALUES (2, 'X', 2)")
    rules = (
        "report people over users { n = count() }\n"
        "funnel f { step a: orders where amount < 5\n step b: orders where amount >= 5 }\n"
    )
    root = project(write_project, "south", rules)
    for command in (("report",), ("report", "f")):
        result = cli(*command, root, "--db", db_url(warehouse), "--as-of", AS_OF)
        assert result.code == 1, result.output
        assert "E0610 profile source 'users' (table users) has several rows" in result.err
        assert "2 (2 rows)" in result.err and "nothing was written" in result.err
    con = duckdb.connect(str(warehouse))
    kept = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'segl_%'")
    assert kept.fetchall() == [(0,)]  # no results stored
    con.close()
    tables = {t for (t,) in read_sql(warehouse, "SELECT table_name FROM duckdb_tables()")}
    assert tables == {"users", "orders"}, "nothing was written"


def test_an_empty_universe_does_not_replace_stored_users_unless_asked(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    warehouse = small_warehouse(tmp_path / "w.duckdb")
    root = project(write_project, "north", "tag n = count(orders)\nsegment buyers = n > 0\n")
    assert cli("run", root, "--db", db_url(warehouse), "--as-of", AS_OF).code == 0
    con = duckdb.connect(str(warehouse))
    con.execute("DELETE FROM users")
    con.close()
    result = cli("run", root, "--db", db_url(warehouse), "--as-of", AS_OF)
    assert result.code == 1
    assert "E0611 the universe (table users) has no users" in result.err
    assert "--allow-empty" in result.err
    assert read_sql(warehouse, "SELECT count(*) FROM segl_north_members") == [(3,)]
    # a new as-of over the empty table is fine (nothing is replaced), and so is asking
    assert cli("run", root, "--db", db_url(warehouse), "--as-of", "2026-11-02").code == 0
    forced = cli("run", root, "--db", db_url(warehouse), "--as-of", AS_OF, "--allow-empty")
    assert forced.code == 0, forced.output
    assert read_sql(warehouse, "SELECT count(*) FROM segl_north_members") == [(0,)]


# ---------------------------------------------------------------- export


@pytest.fixture
def exported(cli: Cli, write_project: Callable[..., Path], tmp_path: Path) -> tuple[Path, Path]:
    warehouse = small_warehouse(tmp_path / "w.duckdb", users=4)
    rules = (
        "tag orders_n = count(orders)\ntag home = users.city\ntag rich = users.balance > 20\n"
        "tag last_paid = max(orders.paid_at)\nsegment buyers = orders_n > 0\n"
    )
    root = project(write_project, "north", rules)
    assert cli("run", root, "--db", db_url(warehouse), "--as-of", "2026-10-02").code == 0
    assert cli("run", root, "--db", db_url(warehouse), "--as-of", AS_OF).code == 0
    return root, warehouse


def test_export_csv_has_a_header_and_the_key_first(cli: Cli, exported: tuple[Path, Path]) -> None:
    root, warehouse = exported
    result = cli(
        "export",
        "segment",
        "buyers",
        "-p",
        root,
        "--db",
        db_url(warehouse),
        "--with",
        "orders_n,home",
    )
    assert result.code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows == [
        ["user", "orders_n", "home"],
        ["1", "5", "Shanghai"],
        ["2", "5", "Beijing"],
        ["3", "5", "Shanghai"],
        ["4", "5", "Beijing"],
    ]


def test_export_csv_with_a_byte_order_mark_for_excel(
    cli: Cli, exported: tuple[Path, Path], tmp_path: Path
) -> None:
    """`--bom` starts the file with EF BB BF (Excel's sign of UTF-8); the rest is the CSV
    without it, byte for byte."""
    root, warehouse = exported
    base = ["export", "segment", "buyers", "-p", root, "--db", db_url(warehouse)]
    plain, marked = tmp_path / "plain.csv", tmp_path / "marked.csv"
    assert cli(*base, "--with", "home", "--out", plain).code == 0
    assert cli(*base, "--with", "home", "--out", marked, "--bom").code == 0
    assert marked.read_bytes() == b"\xef\xbb\xbf" + plain.read_bytes()
    rows = list(csv.reader(io.StringIO(marked.read_text(encoding="utf-8-sig"))))
    assert rows[:2] == [["user", "home"], ["1", "Shanghai"]]


@pytest.mark.parametrize("reader", ["python", "duckdb"])
def test_export_csv_quotes_every_line_break(reader: str, tmp_path: Path) -> None:
    """A lone carriage return was written unquoted (Python's csv module quotes it only
    when it is part of the line terminator): readers split that record in two."""
    from segl.compiler.ir import Literal, Tag
    from segl.compiler.types import Type
    from segl.runtime.export import as_csv

    note = Tag("note", None, Literal("x", Type.STRING))
    keys = ["cr\rkey", "lf\nkey", "crlf\r\nkey", 'q"uote', "com,ma", " spaced ", "", "plain"]
    notes = ["a\rb", "x", None, "", '"', "\r", "ok", "\n"]
    text = as_csv([note], list(zip(keys, notes, strict=True)))
    path = tmp_path / "out.csv"
    path.write_text(text, "utf-8", newline="")
    if reader == "python":
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    else:
        query = f"SELECT * FROM read_csv('{path}', header=true, all_varchar=true, quote='\"')"
        rows = [["user", "note"], *[[k or "", n or ""] for k, n in duckdb.sql(query).fetchall()]]
    assert rows == [["user", "note"], *[[k, n or ""] for k, n in zip(keys, notes, strict=True)]]


def test_export_jsonl_is_typed_and_defaults_to_the_latest_run(
    cli: Cli, exported: tuple[Path, Path]
) -> None:
    root, warehouse = exported
    args = [
        "export",
        "segment",
        "buyers",
        "-p",
        root,
        "--db",
        db_url(warehouse),
        "--format",
        "jsonl",
    ]
    result = cli(*args, "--with", "orders_n,home,rich,last_paid")
    assert result.code == 0, result.output
    first = json.loads(result.out.splitlines()[0])
    assert first == {
        "user": 1,
        "orders_n": 5,
        "home": "Shanghai",
        "rich": False,
        "last_paid": "2026-10-02 02:00:00",
    }
    earlier = cli(*args, "--as-of", "2026-10-02", "--with", "orders_n")
    assert json.loads(earlier.out.splitlines()[0]) == {"user": 1, "orders_n": 4}
    plain = cli(*args)
    assert [json.loads(line) for line in plain.out.splitlines()] == [
        {"user": u} for u in (1, 2, 3, 4)
    ]


def test_export_parquet_columns_carry_the_declared_types(
    cli: Cli, exported: tuple[Path, Path], tmp_path: Path
) -> None:
    root, warehouse = exported
    out = tmp_path / "buyers.parquet"
    result = cli(
        "export",
        "segment",
        "buyers",
        "-p",
        root,
        "--db",
        db_url(warehouse),
        "--format",
        "parquet",
        "--out",
        out,
        "--with",
        "orders_n,home,rich,last_paid",
    )
    assert result.code == 0, result.output
    schema = duckdb.sql(f"DESCRIBE SELECT * FROM '{out}'").fetchall()
    assert [(name, kind) for name, kind, *_ in schema] == [
        ("user", "BIGINT"),
        ("orders_n", "DOUBLE"),
        ("home", "VARCHAR"),
        ("rich", "BOOLEAN"),
        ("last_paid", "TIMESTAMP"),
    ]
    assert duckdb.sql(f"SELECT count(*) FROM '{out}'").fetchall() == [(4,)]


def test_write_parquet_keeps_every_value_and_wide_keys(tmp_path: Path) -> None:
    """The rows go in as one list per column (a row per statement took about a
    millisecond each: 10^6 members ten minutes); keys beyond BIGINT are UBIGINT."""
    from segl.compiler.ir import Literal, Tag
    from segl.compiler.types import Type
    from segl.runtime.export import key_sql_type, write_parquet

    kinds = [Type.NUMBER, Type.STRING, Type.BOOL, Type.DATE, Type.TIMESTAMP]
    tags = [Tag(f"t{i}", None, Literal(None, kind)) for i, kind in enumerate(kinds)]
    when = dt.datetime(2026, 10, 31, 23, 59, 59, 999999)
    rows = [
        [2**64 - 1, 1, "北京", True, dt.date(2024, 2, 29), when],
        [0, 2.5, None, None, None, None],
        [2**63, None, "a\rb", False, dt.date(1, 1, 1), dt.datetime(9999, 12, 31)],
    ]
    rows += [[i, float(i), str(i), i % 2 == 0, None, None] for i in range(1, 20_001)]
    out = tmp_path / "a.parquet"
    assert key_sql_type(rows) == "UBIGINT"
    write_parquet(out, tags, rows, key_sql_type(rows))
    got = duckdb.sql(f"SELECT * FROM '{out}'").fetchall()
    assert [list(row) for row in got] == [[*row[:1], *_floats(row[1:2]), *row[2:]] for row in rows]
    assert key_sql_type([[1], [-(2**63)]]) == "BIGINT"


def _floats(values: list[object]) -> list[object]:
    return [float(v) if isinstance(v, int | float) else v for v in values]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["segment", "bayers"], 1, "E0301 unknown segment 'bayers'"),
        (["segment", "bayers"], 1, "did you mean 'buyers'?"),
        (["segment", "orders_n"], 1, "'orders_n' is a tag; a segment is a condition on it"),
        (["segment", "nothing_alike"], 1, "hint: its segments: buyers"),
        (["segment", "buyers", "--with", "ordres_n"], 1, "did you mean 'orders_n'?"),
        (["segment", "buyers", "--with", "buyers"], 1, "'buyers' is a segment; --with takes"),
        (
            ["segment", "buyers", "--as-of", "2026-09-01"],
            1,
            "E0607 project 'north' has no stored run",
        ),
        (["segment", "buyers", "--format", "parquet"], 2, "--format parquet needs --out FILE"),
        (["segment", "buyers", "--format", "xml"], 2, "Invalid value for '--format'"),
        (["segment", "buyers", "--format", "jsonl", "--bom"], 2, "--bom is for --format csv"),
        # an empty or repeated name exported fewer columns than asked for, silently
        (["segment", "buyers", "--with", ""], 2, "'' has an empty tag name"),
        (["segment", "buyers", "--with", "home,,rich"], 2, "'home,,rich' has an empty tag"),
        (["segment", "buyers", "--with", "home, home"], 2, "names home more than once"),
    ],
)
def test_export_bad_requests(
    cli: Cli, exported: tuple[Path, Path], args: list[str], code: int, message: str
) -> None:
    root, warehouse = exported
    result = cli("export", *args, "-p", root, "--db", db_url(warehouse))
    assert result.code == code, result.output
    assert message in result.output


def test_show_and_export_refuse_what_the_stored_run_never_computed(
    cli: Cli, exported: tuple[Path, Path]
) -> None:
    root, warehouse = exported
    rules = (root / "rules.segl").read_text("utf-8")
    added = "segment everyone = orders_n >= 0\ntag twice = orders_n * 2\ntag user = users.city\n"
    changed = rules.replace("segment buyers = orders_n > 0", "segment buyers = orders_n > 4")
    (root / "rules.segl").write_text(changed + added, "utf-8")
    where = ["-p", root, "--db", db_url(warehouse)]
    shown = cli("show", "segment", "everyone", *where)
    assert shown.code == 1, shown.output
    assert "E0607 segment 'everyone' was not computed by the run as of" in shown.err
    exported_new = cli("export", "segment", "everyone", *where)
    assert exported_new.code == 1 and "E0607 segment 'everyone'" in exported_new.err
    new_tag = cli("export", "segment", "buyers", *where, "--with", "twice")
    assert new_tag.code == 1 and "E0607 tag 'twice' was not computed" in new_tag.err
    clash = cli("export", "segment", "buyers", *where, "--with", "user")
    assert clash.code == 1 and "E0308 tag 'user' cannot be exported" in clash.err
    # a definition changed since the run: its stored members, said so
    stored = cli("show", "segment", "buyers", *where)
    assert stored.code == 0, stored.output
    assert "size     4 of 4 users" in stored.out
    assert "note     its definition changed since this run" in stored.out
    assert "-- zoned times are read in the project's zone: the session's zone must be" in stored.out


def test_a_run_log_of_segl_0_1_is_refused_with_a_way_forward(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    warehouse = small_warehouse(
        tmp_path / "w.duckdb",
        extra="CREATE TABLE segl_runs AS SELECT TIMESTAMP '2026-10-01' AS as_of, "
        "'north' AS project, TIMESTAMP '2026-10-01 08:00:00' AS run_at, 3::BIGINT AS users",
    )
    root = project(write_project, "north", "tag n = count(orders)\n")
    result = cli("run", root, "--db", db_url(warehouse), "--as-of", AS_OF)
    assert result.code == 1
    assert "E0609 the run log segl_runs has no column timezone, duration_seconds," in result.err
    assert 'ALTER TABLE "segl_runs" RENAME TO "segl_runs_old"' in result.err
    con = duckdb.connect(str(warehouse))
    con.execute('ALTER TABLE "segl_runs" RENAME TO "segl_runs_old"')
    con.close()
    assert cli("run", root, "--db", db_url(warehouse), "--as-of", AS_OF).code == 0


def test_a_run_log_without_definition_fingerprints_gains_the_column(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """A run log of segl 0.2 (no `definitions`) keeps working: the run adds the column, the
    old row reads null (an unknown fingerprint), the new row holds every definition's."""
    warehouse = small_warehouse(tmp_path / "w.duckdb")
    root = project(write_project, "north", "tag n = count(orders)\nsegment s = n > 1\n")
    assert cli("run", root, "--db", db_url(warehouse), "--as-of", "2026-10-25").code == 0
    con = duckdb.connect(str(warehouse))
    con.execute('ALTER TABLE "segl_runs" DROP COLUMN "definitions"')
    con.close()
    assert cli("run", root, "--db", db_url(warehouse), "--as-of", AS_OF).code == 0
    con = duckdb.connect(str(warehouse))
    rows = con.execute('SELECT as_of, "definitions" FROM segl_runs ORDER BY as_of').fetchall()
    con.close()
    assert rows[0][1] is None
    assert sorted(json.loads(rows[1][1])) == ["n", "s"]


def test_keys_that_are_no_id_are_no_duplicates_under_an_identity(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """docs/semantics.md: a fraction or an infinity in a numeric ID column is no ID, its
    rows are nobody's, and "one such row never stops a run": two of them are no
    duplicate (E0610 looks at the IDs), while 7 and 7.0, one ID, still are."""
    rules = """
source users from table "users" key member_no as member { member_no: number  city: string }
source app from table "app" user device as device time ts { member_no: number }
identity person {
    kinds member, device
    link app: member_no as member, device as device
}
tag city = users.city
"""
    root = write_project({"rules.segl": rules, "segl.toml": '[project]\nname = "ids"\n'})
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE users (member_no DOUBLE, city VARCHAR)")
        con.execute("CREATE TABLE app (device VARCHAR, member_no DOUBLE, ts TIMESTAMP)")
        con.execute("INSERT INTO app VALUES ('d', 1, TIMESTAMP '2026-09-01 00:00:00')")
        odd = "(7.5, 'a'), (7.5, 'b'), ('inf', 'c'), ('inf', 'd')"
        con.execute(f"INSERT INTO users VALUES (1, 'one'), {odd}")
    ran = cli("run", root, "--db", db_url(path), "--as-of", AS_OF)
    assert ran.code == 0, ran.output
    assert read_sql(path, "SELECT user_id, city FROM segl_ids_tags") == [("1", "one")]
    with duckdb.connect(str(path)) as con:
        con.execute("INSERT INTO users VALUES (7, 'x'), (7.0, 'y')")
    again = cli("run", root, "--db", db_url(path), "--as-of", "2026-11-02")
    assert again.code == 1 and "E0610" in again.err and "'7' (2 rows)" in again.err, again.err

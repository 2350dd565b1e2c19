"""End-to-end tests of the `segl` command line: check, compile, run, show, debug, catalog,
demo, exit codes. Projects run on a small demo warehouse (see conftest.py)."""

from __future__ import annotations

import json
import math
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from conftest import (
    ANCHOR,
    DATA,
    DEMO_USERS,
    DIALECT_NAMES,
    NEV,
    RETAIL,
    Result,
    assert_caret_under,
    db_url,
    diagnostic_block,
    locate,
    output_tables,
    read_sql,
    segl_tables,
    table_names,
)

DIALECTS = DIALECT_NAMES
BACKTICK_DIALECTS = {"spark", "databricks", "bigquery"}
MINI = DATA / "mini"
MINI_TAGS = ["purchases", "spend_90d", "city", "visits_30d"]
MINI_SEGMENTS = ["buyers", "heavy_buyers", "recent_visitors"]
SECOND = "2026-10-01"

Cli = Callable[..., Result]


def copy_project(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def members(path: Path, project: str, as_of: str = ANCHOR) -> list[tuple[str, int]]:
    """The stored members of a project's segments (its table segl_<project>_members)."""
    return [
        (str(segment), int(user))
        for segment, user in read_sql(
            path,
            f"SELECT segment, user_id FROM segl_{project}_members "
            f"WHERE as_of = TIMESTAMP '{as_of}' ORDER BY ALL",
        )
    ]


def snapshot(path: Path, project: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every segl output table of the project and of the run log (ordered),
    and which segl tables exist, to prove a failed run changed nothing."""
    tables = table_names(path)
    rows: dict[str, list[tuple[object, ...]]] = {
        table: read_sql(path, f"SELECT * FROM {table} ORDER BY ALL")
        for table in output_tables(project)
        if table in tables
    }
    rows["segl tables"] = sorted((name,) for name in segl_tables(path))
    return rows


def expected_buyers(path: Path, as_of: str = ANCHOR) -> int:
    """Users with at least one order strictly before the as-of (mini project: UTC)."""
    rows = read_sql(
        path,
        f"SELECT count(DISTINCT user_id) FROM orders WHERE paid_at < TIMESTAMP '{as_of}'",
    )
    return int(rows[0][0])


# ------------------------------------------------------------------------- check


@pytest.mark.parametrize("project", [RETAIL, NEV], ids=["retail", "nev"])
def test_check_examples_pass(cli: Cli, project: Path) -> None:
    result = cli("check", project)
    assert result.code == 0, result.output
    assert result.out.startswith("ok: "), result.out
    assert "sources" in result.out and "segments" in result.out
    assert result.err == ""


@pytest.mark.parametrize("project", [RETAIL, NEV], ids=["retail", "nev"])
def test_check_examples_json_ok(cli: Cli, project: Path) -> None:
    result = cli("check", project, "--format", "json")
    assert result.code == 0, result.output
    payload = json.loads(result.out)
    assert payload["ok"] is True
    assert payload["errors"] == 0
    assert payload["diagnostics"] == []
    assert payload["counts"]["files"] == len(list(project.glob("*.segl")))


def test_check_mini_project_passes(cli: Cli) -> None:
    result = cli("check", MINI)
    assert result.code == 0, result.output
    assert result.out == "ok: 4 files, 3 sources, 4 tags, 3 segments, 1 layering\n"


MINI_REPORTS = """\
funnel visit_to_order {
    step visited: events where name == "visit"
    step bought: orders within 7 days
}

retention weekly {
    cohort first orders
    return orders
    by week
    periods 4
}

report by_city over users by city {
    users = count()
    buyers = count(where purchases >= 1)
}

report spend over orders {
    orders = count()
}

experiment coupon_test {
    population buyers
    salt "coupon-test"
    arm control 50%
    arm coupon 50%
    metric spend = spend_90d
}
"""


def test_check_counts_reports_and_experiments(cli: Cli, tmp_path: Path) -> None:
    project = tmp_path / "mini"
    shutil.copytree(MINI, project)
    (project / "reports.segl").write_text(MINI_REPORTS, "utf-8")
    text = cli("check", project)
    assert text.code == 0, text.output
    assert text.out == (
        "ok: 5 files, 3 sources, 4 tags, 3 segments, 1 layering, 1 funnel, 1 retention, "
        "2 reports, 1 experiment\n"
    )
    as_json = cli("check", project, "--format", "json")
    assert as_json.code == 0, as_json.output
    assert json.loads(as_json.out)["counts"] == {
        "files": 5,
        "sources": 3,
        "tags": 4,
        "segments": 3,
        "layerings": 1,
        "journeys": 0,
        "funnels": 1,
        "retentions": 1,
        "reports": 2,
        "experiments": 1,
        "alerts": 0,
    }


def test_check_json_has_no_counts_when_it_fails(cli: Cli, broken_retail: Path) -> None:
    payload = json.loads(cli("check", broken_retail, "--format", "json").out)
    assert payload["ok"] is False and "counts" not in payload


@pytest.mark.parametrize("url", ["duckdb:///no/such/wh.duckdb", "mysql://host/db"])
def test_check_reports_a_database_it_cannot_open_in_its_format(
    cli: Cli, tmp_path: Path, url: str
) -> None:
    """E0605 / E0606 of --db are a JSON document (or a GitHub annotation) as any other
    diagnostic of `segl check --format json|github`, not text on stderr only."""
    code = 2 if url.startswith("mysql") else 1  # an unsupported --db is a usage error
    as_json = cli("check", RETAIL, "--db", url, "--format", "json")
    assert as_json.code == code, as_json.output
    payload = json.loads(as_json.out)
    assert payload["ok"] is False
    assert [d["code"] for d in payload["diagnostics"]] in (["E0605"], ["E0606"])
    as_github = cli("check", RETAIL, "--db", url, "--format", "github")
    assert as_github.code == code and as_github.out.startswith("::error title=E060"), as_github


BROKEN_SEGMENTS = """\
segment typo_tag = visit_3m >= 3
segment typo_layer = lifecycle == "loyl"
"""
BROKEN_TAGS = """\
tag bad_column = sum(orders.amout)
"""


@pytest.fixture
def broken_retail(tmp_path: Path) -> Path:
    """examples/retail plus three errors in two files."""
    root = copy_project(RETAIL, tmp_path / "proj")
    (root / "broken_segments.segl").write_text(BROKEN_SEGMENTS, "utf-8")
    (root / "broken_tags.segl").write_text(BROKEN_TAGS, "utf-8")
    return root


def test_check_broken_text_reports_every_problem_with_carets_and_hints(
    cli: Cli, broken_retail: Path
) -> None:
    result = cli("check", broken_retail)
    assert result.code == 1
    assert result.out == ""
    err = result.err

    line, col = locate(BROKEN_SEGMENTS, "visit_3m")
    block = diagnostic_block(err, f"proj/broken_segments.segl:{line}:{col}: E0301 ")
    assert "'visit_3m'" in block[0]
    assert block[1].strip() == "segment typo_tag = visit_3m >= 3"
    assert_caret_under(block, "visit_3m")
    assert "  hint: did you mean 'visits_3m'?" in block

    # a layering compared with a name that is not one of its layers
    line, col = locate(BROKEN_SEGMENTS, '"loyl"')
    block = diagnostic_block(err, f"proj/broken_segments.segl:{line}:{col}: E0305 ")
    assert "'loyl'" in block[0] and "lifecycle" in block[0]
    assert_caret_under(block, '"loyl"')
    assert "  hint: did you mean 'loyal'?" in block

    line, col = locate(BROKEN_TAGS, "orders.amout")
    block = diagnostic_block(err, f"proj/broken_tags.segl:{line}:{col}: E0303 ")
    assert "'amout'" in block[0]
    assert_caret_under(block, "orders.amout")
    assert "  hint: did you mean 'amount'?" in block

    headers = [line for line in err.splitlines() if re.match(r"^\S+:\d+:\d+: E\d{4} ", line)]
    assert len(headers) == 3, err


def test_check_broken_json(cli: Cli, broken_retail: Path) -> None:
    result = cli("check", broken_retail, "--format", "json")
    assert result.code == 1
    payload = json.loads(result.out)
    assert payload["ok"] is False
    assert payload["errors"] == 3
    found = {(d["code"], d["file"], d["line"], d["column"]) for d in payload["diagnostics"]}
    assert found == {
        ("E0301", "proj/broken_segments.segl", *locate(BROKEN_SEGMENTS, "visit_3m")),
        ("E0305", "proj/broken_segments.segl", *locate(BROKEN_SEGMENTS, '"loyl"')),
        ("E0303", "proj/broken_tags.segl", *locate(BROKEN_TAGS, "orders.amout")),
    }
    hints = {d["code"]: d["hints"] for d in payload["diagnostics"]}
    assert "did you mean 'visits_3m'?" in hints["E0301"]
    assert "did you mean 'loyal'?" in hints["E0305"]


def test_check_broken_github_annotations(cli: Cli, broken_retail: Path) -> None:
    result = cli("check", broken_retail, "--format", "github")
    assert result.code == 1
    lines = result.out.splitlines()
    assert len(lines) == 3, result.out
    assert all(line.startswith("::error file=") for line in lines), result.out
    row, col = locate(BROKEN_SEGMENTS, "visit_3m")
    assert any(
        line.startswith(f"::error file=proj/broken_segments.segl,line={row},col={col},")
        and "title=E0301" in line
        and "did you mean 'visits_3m'?" in line
        for line in lines
    ), result.out
    row, col = locate(BROKEN_TAGS, "orders.amout")
    assert any(
        line.startswith(f"::error file=proj/broken_tags.segl,line={row},col={col},")
        for line in lines
    ), result.out


def test_check_reports_syntax_errors_of_several_files_in_one_run(
    cli: Cli, write_project: Callable[..., Path]
) -> None:
    root = write_project(
        {
            "segl.toml": "",
            "sources.segl": (RETAIL / "sources.segl").read_text("utf-8"),
            "a.segl": "tag a = count(orders\n",
            "b.segl": "segment b = = 1\n",
            "c.segl": "tag c = 1 +\n",
        }
    )
    result = cli("check", root)
    assert result.code == 1
    for name in ("a", "b", "c"):
        assert re.search(rf"^proj/{name}\.segl:1:\d+: E02\d\d ", result.err, re.M), result.err
    block = diagnostic_block(result.err, "proj/b.segl:1:13: E0202")
    assert_caret_under(block, "=", column=13)


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_a_user_column_of_another_kind_than_the_key_is_refused(
    cli: Cli, tmp_path: Path, engine: str
) -> None:
    """Text keys and number user columns join differently per engine ('007' = 7 on
    DuckDB and SQLite, an error on ClickHouse): E0604 on every engine, nothing written."""
    import sqlite3

    path = tmp_path / f"w.{engine}"
    con = duckdb.connect(str(path)) if engine == "duckdb" else sqlite3.connect(path)
    con.execute("CREATE TABLE users (user_id VARCHAR)")
    con.execute("INSERT INTO users VALUES ('007')")
    con.execute("CREATE TABLE orders (user_id DOUBLE, paid_at TIMESTAMP)")
    con.execute("INSERT INTO orders VALUES (7, '2026-10-01 10:00:00')")
    con.commit()
    con.close()
    project = tmp_path / "keys"
    project.mkdir()
    (project / "segl.toml").write_text('[project]\nname = "keys"\n', "utf-8")
    (project / "rules.segl").write_text(
        'source users from table "users" key user_id {\n}\n'
        'source orders from table "orders" user user_id time paid_at {\n}\n'
        "tag n = count(orders)\n",
        "utf-8",
    )
    url = f"{engine}:///{path}"
    said = (
        "rules.segl:3:1: E0604 user column 'orders.user_id' of source 'orders' holds numbers, "
        "but the universe's key 'users.user_id' holds text"
    )
    checked = cli("check", project, "--db", url)
    ran = cli("run", project, "--db", url, "--as-of", ANCHOR)
    for result in (checked, ran):
        assert result.code == 1, result.output
        assert said in result.err
    con = duckdb.connect(str(path)) if engine == "duckdb" else sqlite3.connect(path)
    catalog = "information_schema.tables" if engine == "duckdb" else "sqlite_master"
    column = "table_name" if engine == "duckdb" else "name"
    written = con.execute(f"SELECT {column} FROM {catalog} WHERE {column} LIKE 'segl%'")
    assert written.fetchall() == []  # nothing written
    con.close()


def test_check_db_verifies_tables_columns_and_types(
    cli: Cli, warehouse: Path, tmp_path: Path
) -> None:
    con = duckdb.connect(str(warehouse))
    con.execute("DROP TABLE coupons")
    con.execute("ALTER TABLE orders DROP COLUMN store")
    con.execute("ALTER TABLE users ALTER balance TYPE VARCHAR")
    con.close()
    root = copy_project(RETAIL, tmp_path / "proj")
    sources = (root / "sources.segl").read_text("utf-8")

    result = cli("check", root, "--db", db_url(warehouse))
    assert result.code == 1
    err = result.err

    line, col = locate(sources, "source coupons")
    block = diagnostic_block(err, f"proj/sources.segl:{line}:{col}: E0602 ")
    assert "'coupons'" in block[0]

    orders_at = sources.index("source orders")
    line, col = locate(sources[orders_at:], "store: string")
    line += sources.count("\n", 0, orders_at)
    block = diagnostic_block(err, f"proj/sources.segl:{line}:{col}: E0603 ")
    assert "'store'" in block[0]
    assert_caret_under(block, "store: string")

    line, col = locate(sources, "balance: number")
    block = diagnostic_block(err, f"proj/sources.segl:{line}:{col}: E0604 ")
    assert "balance" in block[0] and "VARCHAR" in block[0]


def test_check_db_passes_on_matching_warehouse(cli: Cli, warehouse: Path) -> None:
    result = cli("check", RETAIL, "--db", db_url(warehouse))
    assert result.code == 0, result.output
    assert result.out.startswith("ok: ")


def test_check_db_on_missing_database_file_is_an_error_and_creates_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    missing = tmp_path / "no_such_warehouse.duckdb"
    result = cli("check", MINI, "--db", db_url(missing))
    assert result.code == 1
    assert re.search(r"E06\d\d ", result.err), result.err
    assert not missing.exists(), "a read-only command created a database file"


# ----------------------------------------------------------------------- compile


@pytest.mark.parametrize("dialect", DIALECTS)
def test_compile_every_dialect(cli: Cli, dialect: str) -> None:
    result = cli("compile", RETAIL, "--dialect", dialect, "--as-of", ANCHOR)
    assert result.code == 0, result.output
    assert result.err == ""
    sql = result.out
    assert "2026-11-01" in sql
    quote = "`" if dialect in BACKTICK_DIALECTS else '"'

    def named(table: str) -> str:  # Snowflake folds lower-case names to upper case
        return f"{quote}{table.upper() if dialect == 'snowflake' else table}{quote}"

    assert named("segl_retail_members") in sql
    assert re.search(r"\bSELECT\b", sql)
    for table in output_tables("retail"):
        assert named(table) in sql, table


@pytest.mark.parametrize("command", [("compile",), ("debug", "sql")])
def test_a_construct_the_dialect_cannot_run_is_refused_at_its_place(
    cli: Cli, tmp_path: Path, command: tuple[str, ...]
) -> None:
    """`segl compile` and `segl debug sql` both refuse BigQuery's MOD of a number (E0501
    at the `%`, exit 1), rather than print SQL the warehouse would reject."""
    project = tmp_path / "mod"
    project.mkdir()
    (project / "segl.toml").write_text('[project]\nname = "mod"\n', "utf-8")
    rules = 'source users from table "users" key user_id {\n    age: number\n}\n'
    (project / "rules.segl").write_text(rules + "tag odd = users.age % 2\n", "utf-8")
    result = cli(*command, project, "--dialect", "bigquery", "--as-of", ANCHOR)
    assert result.code == 1, result.output
    assert result.out == ""
    assert "rules.segl:4:11: E0501 bigquery cannot run '%'" in result.err
    assert "^^^" in result.err


def test_compile_out_dir_writes_a_file(cli: Cli, tmp_path: Path) -> None:
    out_dir = tmp_path / "out" / "sql"
    result = cli("compile", NEV, "--dialect", "postgres", "--as-of", ANCHOR, "--out", out_dir)
    assert result.code == 0, result.output
    files = list(out_dir.iterdir())
    assert len(files) == 1
    assert files[0].suffix == ".sql"
    assert str(files[0].name) in result.out
    printed = cli("compile", NEV, "--dialect", "postgres", "--as-of", ANCHOR)
    assert files[0].read_text("utf-8") == printed.out


def test_compiled_duckdb_script_runs_as_is_and_matches_segl_run(
    cli: Cli, warehouse: Path, tmp_path: Path
) -> None:
    compiled = cli("compile", RETAIL, "--dialect", "duckdb", "--as-of", ANCHOR)
    assert compiled.code == 0, compiled.output
    by_script = tmp_path / "by_script.duckdb"
    shutil.copyfile(warehouse, by_script)
    con = duckdb.connect(str(by_script))
    con.execute(compiled.out)
    con.close()

    ran = cli("run", RETAIL, "--db", db_url(warehouse), "--as-of", ANCHOR)
    assert ran.code == 0, ran.output

    # project retail: its tables segl_retail_members, segl_retail_layers, segl_retail_tags
    from_script, from_run = members(by_script, "retail"), members(warehouse, "retail")
    assert from_script == from_run
    assert len(from_run) > 100
    layers = (
        "SELECT layering, layer, user_id FROM segl_retail_layers "
        f"WHERE as_of = TIMESTAMP '{ANCHOR}' ORDER BY ALL"
    )
    assert read_sql(by_script, layers) == read_sql(warehouse, layers)
    tags = (
        "SELECT * EXCLUDE (as_of) FROM segl_retail_tags "
        f"WHERE as_of = TIMESTAMP '{ANCHOR}' ORDER BY user_id"
    )
    # sums of doubles may differ in the last bit: DuckDB adds a group's values in the order
    # its threads and window operators deliver them (2610.98 vs 2610.9800000000005)
    for by_script_row, by_run_row in zip(
        read_sql(by_script, tags), read_sql(warehouse, tags), strict=True
    ):
        assert len(by_script_row) == len(by_run_row)
        for a, b in zip(by_script_row, by_run_row, strict=True):
            same = a == b or (
                isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=1e-12)
            )
            assert same, (by_script_row, by_run_row)


# --------------------------------------------------------------------------- run


def test_run_writes_tags_members_layers_and_runs(cli: Cli, warehouse: Path) -> None:
    result = cli("run", MINI, "--db", db_url(warehouse), "--as-of", ANCHOR)
    assert result.code == 0, result.output
    buyers = expected_buyers(warehouse)
    assert 0 < buyers < DEMO_USERS
    out = result.out
    assert "2026-11-01" in out and f"{DEMO_USERS:,} users" in out
    assert re.search(rf"^buyers\s+{buyers:,}\s", out, re.M), out
    assert re.search(r"^buyer\s+users\s+share", out, re.M), out

    at = f"as_of = TIMESTAMP '{ANCHOR}'"
    # the project mini writes segl_mini_tags, segl_mini_members, segl_mini_layers and its
    # row of the shared run log segl_runs, and nothing else
    assert segl_tables(warehouse) == set(output_tables("mini"))
    # segl_mini_tags: one row per user, one column per tag
    columns = {row[0] for row in read_sql(warehouse, "DESCRIBE segl_mini_tags")}
    assert columns == {"as_of", "user_id", *MINI_TAGS}
    rows, distinct = read_sql(
        warehouse, f"SELECT count(*), count(DISTINCT user_id) FROM segl_mini_tags WHERE {at}"
    )[0]
    assert rows == distinct == DEMO_USERS
    assert read_sql(
        warehouse, f"SELECT count(*) FROM segl_mini_tags WHERE {at} AND purchases >= 1"
    ) == [(buyers,)]
    # a profile tag is the user's own value
    assert read_sql(
        warehouse,
        f"SELECT count(*) FROM segl_mini_tags t JOIN users u USING (user_id) "
        f"WHERE t.{at} AND t.city IS DISTINCT FROM u.city",
    ) == [(0,)]

    # segl_mini_members: the buyers segment is exactly the users with an order before the as-of
    assert read_sql(
        warehouse,
        f"SELECT count(*) FROM segl_mini_members WHERE {at} AND segment = 'buyers'",
    ) == [(buyers,)]
    assert {s for s, _ in members(warehouse, "mini")} <= set(MINI_SEGMENTS)

    # segl_mini_layers: every user in exactly one layer of each layering
    layer_rows = read_sql(
        warehouse,
        f"SELECT layer, count(*) FROM segl_mini_layers WHERE {at} AND layering = 'buyer' "
        "GROUP BY layer ORDER BY layer",
    )
    counts = dict(layer_rows)
    assert set(counts) <= {"heavy", "light", "none"}
    assert sum(counts.values()) == DEMO_USERS
    assert counts["none"] == DEMO_USERS - buyers
    assert read_sql(
        warehouse,
        f"SELECT count(*) FROM segl_mini_members WHERE {at} AND segment = 'heavy_buyers'",
    ) == [(counts["heavy"],)]

    # segl_runs: one row for this project and as-of
    runs = read_sql(warehouse, f"SELECT project, count(*) FROM segl_runs WHERE {at} GROUP BY ALL")
    assert runs == [("mini", 1)]


def test_rerun_same_as_of_replaces_and_second_as_of_is_kept(cli: Cli, warehouse: Path) -> None:
    url = db_url(warehouse)
    # project mini: tables segl_mini_tags, segl_mini_members, segl_mini_layers; run log segl_runs
    assert cli("run", MINI, "--db", url, "--as-of", ANCHOR).code == 0
    first = members(warehouse, "mini")
    assert cli("run", MINI, "--db", url, "--as-of", ANCHOR).code == 0
    assert members(warehouse, "mini") == first, "re-running an as-of must replace, not duplicate"
    at = f"as_of = TIMESTAMP '{ANCHOR}'"
    mini = f"project = 'mini' AND {at}"
    assert read_sql(warehouse, f"SELECT count(*) FROM segl_mini_tags WHERE {at}") == [(DEMO_USERS,)]
    assert read_sql(warehouse, f"SELECT count(*) FROM segl_runs WHERE {mini}") == [(1,)]
    assert read_sql(warehouse, f"SELECT count(*) FROM segl_mini_layers WHERE {at}") == [
        (DEMO_USERS,)
    ]
    # the same instant written as a timestamp is the same as-of
    assert cli("run", MINI, "--db", url, "--as-of", f"{ANCHOR} 00:00:00").code == 0
    assert members(warehouse, "mini") == first
    assert read_sql(warehouse, "SELECT count(*) FROM segl_runs") == [(1,)]

    second = cli("run", MINI, "--db", url, "--as-of", SECOND)
    assert second.code == 0, second.output
    assert members(warehouse, "mini") == first, "a later run must not touch another as-of"
    older = members(warehouse, "mini", SECOND)
    assert older and older != first
    buyers_then = sum(1 for s, _ in older if s == "buyers")
    assert buyers_then == expected_buyers(warehouse, SECOND)
    as_ofs = read_sql(
        warehouse,
        "SELECT DISTINCT CAST(as_of AS DATE) FROM segl_runs WHERE project = 'mini' ORDER BY 1",
    )
    assert [str(row[0]) for row in as_ofs] == [SECOND, ANCHOR]
    per_as_of = read_sql(warehouse, "SELECT count(*) FROM segl_mini_tags GROUP BY as_of")
    assert sorted(per_as_of) == [(DEMO_USERS,), (DEMO_USERS,)]


def test_run_with_dropped_source_table_fails_and_keeps_previous_results(
    cli: Cli, warehouse: Path, tmp_path: Path
) -> None:
    root = copy_project(MINI, tmp_path / "proj")  # the project mini (its segl.toml)
    url = db_url(warehouse)
    assert cli("run", root, "--db", url, "--as-of", ANCHOR).code == 0
    before = snapshot(warehouse, "mini")
    assert before["segl_mini_members"]
    con = duckdb.connect(str(warehouse))
    con.execute("DROP TABLE events")
    con.close()

    for as_of in (ANCHOR, SECOND):
        result = cli("run", root, "--db", url, "--as-of", as_of)
        assert result.code == 1
        sources = (root / "sources.segl").read_text("utf-8")
        line, col = locate(sources, "source events")
        block = diagnostic_block(result.err, f"proj/sources.segl:{line}:{col}: E0602 ")
        assert "'events'" in block[0]
        assert snapshot(warehouse, "mini") == before


def test_run_whose_insert_fails_keeps_previous_results(
    cli: Cli, warehouse: Path, write_project: Callable[..., Path]
) -> None:
    """The stored tag column is a number; the tag becomes a string, so the insert fails
    inside the run's transaction."""
    sources = (MINI / "sources.segl").read_text("utf-8")
    root = write_project(
        {
            "segl.toml": "",
            "sources.segl": sources,
            "t.segl": "tag t = count(orders)\nsegment s = t >= 10\n",
        }
    )
    url = db_url(warehouse)
    assert cli("run", root, "--db", url, "--as-of", ANCHOR).code == 0
    before = snapshot(warehouse, "proj")  # the project is named for its folder
    assert before["segl_proj_members"]

    (root / "t.segl").write_text('tag t = users.city\nsegment s = t == "Beijing"\n', "utf-8")
    for as_of in (ANCHOR, SECOND):
        result = cli("run", root, "--db", url, "--as-of", as_of)
        assert result.code == 1, result.output
        assert re.search(r"^(\S+: )?E0\d{3} ", result.err, re.M), result.err
        assert result.out == ""
        assert snapshot(warehouse, "proj") == before


def test_run_unicode_names(cli: Cli, warehouse: Path, write_project: Callable[..., Path]) -> None:
    root = write_project(
        {
            "segl.toml": "",
            "sources.segl": (MINI / "sources.segl").read_text("utf-8"),
            "t.segl": (
                'tag 近三月访问次数 = count(events where name == "visit" in last 3 months)\n'
                'segment 北京活跃 = 近三月访问次数 >= 1 and users.city == "北京"\n'
            ),
        }
    )
    result = cli("run", root, "--db", db_url(warehouse), "--as-of", ANCHOR)
    assert result.code == 0, result.output
    assert "北京活跃" in result.out
    expected = read_sql(
        warehouse,
        "SELECT count(DISTINCT u.user_id) FROM users u JOIN events e USING (user_id) "
        "WHERE u.city = '北京' AND e.name = 'visit' "
        f"AND e.ts >= TIMESTAMP '2026-08-01' AND e.ts < TIMESTAMP '{ANCHOR}'",
    )
    # the project proj (named for its folder)
    stored = read_sql(
        warehouse,
        f"SELECT count(*) FROM segl_proj_members WHERE segment = '北京活跃' "
        f"AND as_of = TIMESTAMP '{ANCHOR}'",
    )
    assert stored == expected
    assert read_sql(
        warehouse, f"SELECT sum(近三月访问次数) > 0 FROM segl_proj_tags WHERE as_of = '{ANCHOR}'"
    ) == [(True,)]


# -------------------------------------------------------------------------- show


def test_show_segment_prints_size_sample_and_runnable_sql(cli: Cli, warehouse: Path) -> None:
    url = db_url(warehouse)
    assert cli("run", MINI, "--db", url, "--as-of", SECOND).code == 0
    assert cli("run", MINI, "--db", url, "--as-of", ANCHOR).code == 0
    buyers = expected_buyers(warehouse)

    result = cli("show", "segment", "buyers", "-p", MINI, "--db", url)
    assert result.code == 0, result.output
    out = result.out
    assert 'segment buyers "Bought at least once"' in out
    assert "2026-11-01" in out  # the latest run by default
    assert re.search(rf"^size\s+{buyers:,} of {DEMO_USERS:,} users", out, re.M), out
    first_ids = [
        str(row[0])
        for row in read_sql(
            warehouse,
            "SELECT user_id FROM segl_mini_members WHERE segment = 'buyers' "
            f"AND as_of = TIMESTAMP '{ANCHOR}' ORDER BY user_id LIMIT 3",
        )
    ]
    sample = next(line for line in out.splitlines() if line.startswith("sample"))
    assert all(user in sample for user in first_ids), sample

    # the printed SQL lists exactly the members
    sql = out[out.index("\n-- ") :].split("\n", 2)[2].strip().rstrip(";")
    assert re.search(r"\bSELECT\b", sql)
    counted = read_sql(warehouse, f"SELECT count(*) FROM ({sql}) AS m")
    assert counted == [(buyers,)]


def test_show_segment_for_an_earlier_as_of(cli: Cli, warehouse: Path) -> None:
    url = db_url(warehouse)
    assert cli("run", MINI, "--db", url, "--as-of", SECOND).code == 0
    assert cli("run", MINI, "--db", url, "--as-of", ANCHOR).code == 0
    then = expected_buyers(warehouse, SECOND)
    assert then != expected_buyers(warehouse)
    result = cli("show", "segment", "buyers", "-p", MINI, "--db", url, "--as-of", SECOND)
    assert result.code == 0, result.output
    assert "2026-10-01" in result.out
    assert re.search(rf"^size\s+{then:,} of", result.out, re.M), result.out


def test_show_unknown_segment_suggests_a_name(cli: Cli, warehouse: Path) -> None:
    url = db_url(warehouse)
    assert cli("run", MINI, "--db", url, "--as-of", ANCHOR).code == 0
    result = cli("show", "segment", "buyres", "-p", MINI, "--db", url)
    assert result.code == 1
    assert "'buyres'" in result.err
    assert "did you mean 'buyers'?" in result.err


def test_show_before_any_run_gives_a_hint(cli: Cli, warehouse: Path) -> None:
    result = cli("show", "segment", "buyers", "-p", MINI, "--db", db_url(warehouse))
    assert result.code == 1
    assert re.search(r"E0\d{3} ", result.err)
    assert "hint:" in result.err and "segl run" in result.err
    assert not segl_tables(warehouse)


def test_show_for_an_as_of_that_was_never_run_is_an_error(cli: Cli, warehouse: Path) -> None:
    url = db_url(warehouse)
    assert cli("run", MINI, "--db", url, "--as-of", ANCHOR).code == 0
    result = cli("show", "segment", "buyers", "-p", MINI, "--db", url, "--as-of", "2020-01-01")
    assert result.code == 1, f"printed an empty result instead of an error:\n{result.out}"
    assert "hint:" in result.err


# ------------------------------------------------------------------------- debug


def test_debug_ast_is_json(cli: Cli) -> None:
    result = cli("debug", "ast", RETAIL)
    assert result.code == 0, result.output
    data = json.loads(result.out)  # one JSON document for the whole project
    text = json.dumps(data, ensure_ascii=False)
    assert "beijing_loyal" in text and "lifecycle" in text and "visits_3m" in text


def test_debug_ast_single_file_is_json(cli: Cli, write_project: Callable[..., Path]) -> None:
    root = write_project({"all.segl": (MINI / "sources.segl").read_text("utf-8") + ONE_SEGMENT})
    result = cli("debug", "ast", root / "all.segl")
    assert result.code == 0, result.output
    data = json.loads(result.out)
    assert "ever_bought" in json.dumps(data)


ONE_SEGMENT = "\nsegment ever_bought = exists(orders)\n"


def test_debug_ir_is_json(cli: Cli) -> None:
    result = cli("debug", "ir", NEV)
    assert result.code == 0, result.output
    data = json.loads(result.out)
    assert data["name"] == "nev"
    text = json.dumps(data, ensure_ascii=False)
    assert "nev_events" in text and "deposit_follow_up" in text


def test_debug_plan(cli: Cli) -> None:
    result = cli("debug", "plan", NEV, "--as-of", ANCHOR)
    assert result.code == 0, result.output
    assert "plan for project 'nev' as of 2026-11-01 00:00:00" in result.out
    assert "nev_events" in result.out
    assert "deposit_follow_up" in result.out


def test_debug_sql_is_a_runnable_query(cli: Cli, warehouse: Path) -> None:
    result = cli("debug", "sql", MINI, "--as-of", ANCHOR)
    assert result.code == 0, result.output
    assert result.out.lstrip().upper().startswith(("WITH", "SELECT"))
    rows = read_sql(warehouse, f"SELECT count(*) FROM ({result.out.strip().rstrip(';')}) AS q")
    assert rows == [(DEMO_USERS,)]


@pytest.mark.parametrize("dialect", ["postgres", "bigquery"])
def test_debug_sql_other_dialect(cli: Cli, dialect: str) -> None:
    result = cli("debug", "sql", MINI, "--dialect", dialect, "--as-of", ANCHOR)
    assert result.code == 0, result.output
    assert "SELECT" in result.out


# ----------------------------------------------------------------------- catalog


def test_catalog_text(cli: Cli) -> None:
    """One table per kind: tags, segments, layerings (with their layers), journeys,
    reports (funnels, retentions, reports and experiments), alerts."""
    result = cli("catalog", RETAIL)
    assert result.code == 0, result.output
    sections = result.out.split("\n\n")
    kinds = ["tag", "segment", "layering", "journey", "report", "alert"]
    assert [s.split()[0] for s in sections] == kinds
    tags, segments, layerings, journeys, reports, alerts = (s.splitlines() for s in sections)
    assert reports[0].split() == ["report", "kind", "title", "measures"]
    expected = [
        r"^browse_to_buy\s+funnel\s+Visit, cart, order\s+"
        r"3 steps within 7 days: visited, carted, paid$",
        r"^new_member_7d\s+retention\s+.*\s+by day, 7 periods$",
        r"^coupons\s+report\s+Coupons by type and face value\s+"
        r"over coupons by coupon_type, face_value: ",
        r"^price_test\s+experiment\s+5 off vs 10 off\s+"
        r"salt 'price-test-2026-10': control 10%, five_off 45%, ten_off 45%$",
    ]
    for pattern in expected:
        assert any(re.match(pattern, line) for line in reports), (pattern, reports)
    assert any(
        re.match(r"^quadrant_slide\s+High-freq low-value users sliding to low-freq", line)
        for line in alerts
    ), alerts
    assert any(re.match(r"^churn_share\s.*\s7 days\s", line) for line in alerts), alerts
    assert journeys[0].split() == ["journey", "title", "steps"]
    assert any(
        re.match(r"^onboarding\s+New user, first two weeks\s+welcome \(wecom\), group_buy", line)
        for line in journeys
    ), journeys
    assert tags[0].split() == ["tag", "type", "category", "kind", "title", "owner", "description"]
    assert {"category", "title", "owner", "description"} <= set(segments[0].split())
    balance = next(line for line in tags if re.match(r"^balance\s", line))
    assert "Account balance" in balance
    assert "membership" in balance
    assert "crm-team" in balance
    age = next(line for line in tags if re.match(r"^age\s", line))
    assert age.endswith("Whole years since the birthday, on the as-of date")
    loyal = next(line for line in segments if re.match(r"^beijing_loyal\s", line))
    assert "Beijing loyal customers" in loyal and "crm-team" in loyal
    assert any(re.match(r"^lifecycle\s.*Lifecycle stage", line) for line in layerings)
    assert any(re.match(r"^  hf_lv\s+High frequency, low value$", line) for line in layerings)


def test_catalog_json(cli: Cli) -> None:
    result = cli("catalog", RETAIL, "--format", "json")
    assert result.code == 0, result.output
    rows = json.loads(result.out)
    by_name = {row["name"]: row for row in rows}
    assert len(by_name) == 37 + 14 + 3 + 5 + 14 + 3
    assert by_name["winback"]["kind"] == "journey"
    repurchase = by_name["repurchase"]
    assert (repurchase["kind"], repurchase["report_kind"]) == ("report", "retention")
    assert repurchase["summary"] == "by month, 6 periods"
    assert repurchase["file"].endswith("reports.segl")
    churn = by_name["churn_share"]
    assert (churn["kind"], churn["cooldown"], churn["repeat"]) == ("alert", "7 days", None)
    assert by_name["winback"]["steps"] == [
        {"name": "wake", "channel": "push", "template": "winback_coupon"}
    ]
    balance = by_name["balance"]
    assert balance["kind"] == "tag"
    assert balance["title"] == "Account balance"
    assert balance["category"] == "membership"
    assert balance["owner"] == "crm-team"
    assert by_name["age"]["description"] == "Whole years since the birthday, on the as-of date"
    assert by_name["beijing_loyal"]["kind"] == "segment"
    assert by_name["beijing_loyal"]["owner"] == "crm-team"
    assert by_name["lifecycle"]["kind"] == "layering"
    assert by_name["lifecycle"]["title"] == "Lifecycle stage"
    assert by_name["lifecycle"]["layers"][0] == {"name": "new", "title": "New"}
    assert by_name["balance"]["layers"] is None
    assert by_name["visits_3m"]["category"] == "activity"


def test_catalog_mini_json(cli: Cli) -> None:
    result = cli("catalog", MINI, "--format", "json")
    assert result.code == 0, result.output
    by_name = {row["name"]: row for row in json.loads(result.out)}
    assert set(by_name) == {*MINI_TAGS, *MINI_SEGMENTS, "buyer"}
    assert by_name["purchases"]["owner"] == "growth-team"
    assert by_name["purchases"]["description"] == "Every paid order before the as-of"
    assert by_name["buyers"]["title"] == "Bought at least once"


# -------------------------------------------------------------------------- demo


def test_the_demo_hints_name_an_example_that_exists_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`segl demo` run outside a checkout suggested `-p examples/retail`, which was not
    there: the hints name the installed examples then."""
    from segl.runtime.demo import shown_example

    monkeypatch.chdir(Path(__file__).parent.parent)
    assert shown_example("retail") == "examples/retail"
    monkeypatch.chdir(tmp_path)
    installed = Path(shown_example("retail"))
    assert installed.is_absolute() and (installed / "segl.toml").is_file()


def test_demo_builds_a_warehouse_and_prints_sizes(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "demo.duckdb"
    result = cli("demo", "--db", path, "--users", "3000")
    assert result.code == 0, result.output
    out = result.out
    assert re.search(r"^users\s+3,000$", out, re.M), out
    for name in ("beijing_loyal", "coupon_hunters", "deposit_follow_up"):
        assert re.search(rf"^{name}\s+[\d,]+\s+[\d.]+%$", out, re.M), name
    for layering in ("lifecycle", "value_quadrant", "promo_sensitivity", "stage"):
        assert re.search(rf"^{layering}\s+users\s+share$", out, re.M), layering
    assert re.search(r"^retail: as of 2026-11-01 00:00:00, 3,000 users", out, re.M)
    assert {"users", "orders", "events", *output_tables("retail")} <= table_names(path)

    # the demo's own "next:" suggestion shows the numbers the demo printed
    size = re.search(r"^beijing_loyal\s+([\d,]+)\s", out, re.M)
    assert size is not None
    shown = cli(
        "show", "segment", "beijing_loyal", "-p", RETAIL, "--db", db_url(path), "--as-of", ANCHOR
    )
    assert shown.code == 0, shown.output
    assert re.search(rf"^size\s+{size.group(1)} of 3,000 users", shown.out, re.M), shown.out

    # the slide of the demo data's last week: quadrant_slide fires in the run summary, with
    # the value `segl alerts` lists and the share of the matrix `segl show migration` counts
    # between the two runs the demo suggests (the same cell printed in the demo's matrix)
    listed = cli("alerts", "-p", RETAIL, "--db", db_url(path), "--format", "json")
    assert listed.code == 0, listed.output
    slide = next(a for a in json.loads(listed.out) if a["alert"] == "quadrant_slide")
    assert slide["state"] == "firing" and slide["value"] > slide["threshold"] == 0.05
    assert re.search(
        rf"^alert quadrant_slide: firing since {ANCHOR} 00:00:00: {slide['value']:.4g} > 0.05;",
        out,
        re.M,
    ), out
    suggested = re.search(r"segl show migration value_quadrant .* --from (\S+) --to (\S+)", out)
    assert suggested is not None, out
    since, until = suggested.groups()
    moved = cli(
        "show",
        "migration",
        "value_quadrant",
        "-p",
        RETAIL,
        "--db",
        db_url(path),
        "--from",
        since,
        "--to",
        until,
        "--format",
        "json",
    )
    assert moved.code == 0, moved.output
    assert (json.loads(moved.out)["from"][:10], until) == (slide["reference_as_of"][:10], ANCHOR)
    cells = {(c["from"], c["to"]): c for c in json.loads(moved.out)["cells"]}
    assert cells[("hf_lv", "lf_lv")]["share"] == pytest.approx(slide["value"])
    users = cells[("hf_lv", "lf_lv")]["users"]
    assert re.search(rf"^hf_lv(\s+[\d,]+){{3}}\s+{users:,}\s", out, re.M), out


# ------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--bogus"],
        ["compile", str(NEV), "--dialect", "oracle9"],
        ["frobnicate"],
        ["show", "segment"],
        ["debug", "tokens", str(NEV)],
        ["check", str(NEV), "--format", "xml"],
        ["demo", "--users", "many"],
        ["show", "segment", "buyers", "-p", str(MINI), "--sample", "-5"],
        ["run", str(MINI), "--lock-timeout", "soon"],
    ],
    ids=["option", "dialect", "command", "missing-arg", "stage", "format", "int", "sample", "lock"],
)
def test_usage_errors_exit_2(cli: Cli, args: list[str]) -> None:
    result = cli(*args)
    assert result.code == 2, result.output
    assert "Error" in result.err or "Usage" in result.err
    assert result.out == ""


def test_help_and_version(cli: Cli) -> None:
    result = cli("--help")
    assert result.code == 0
    for command in ("check", "compile", "run", "show", "demo", "catalog", "debug"):
        assert command in result.out
    version = cli("--version")
    assert version.code == 0
    assert "0." in version.out


# ------------------------------------------------------------- the real executable


def segl_executable() -> str:
    candidate = Path(sys.executable).parent / "segl"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("segl")
    assert found, "the segl console script is not installed"
    return found


def test_console_script_check_and_exit_codes(tmp_path: Path) -> None:
    exe = segl_executable()
    ok = subprocess.run(
        [exe, "check", str(NEV)], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: ")
    usage = subprocess.run(
        [exe, "compile", str(NEV), "--dialect", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr


def test_console_script_run_writes_results(warehouse: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [segl_executable(), "run", str(MINI), "--db", db_url(warehouse), "--as-of", ANCHOR],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "buyers" in done.stdout
    assert members(warehouse, "mini")


def test_the_demo_next_commands_work_pasted_with_an_awkward_path(cli: Cli, tmp_path: Path) -> None:
    """`segl demo --db "demo dir/它's/演示 库.duckdb"` printed `--db duckdb:///demo dir/...`
    unquoted: the suggested commands broke when pasted (cli.md: each line works where it is
    printed). The URL is quoted for the shell."""
    path = tmp_path / "demo dir" / "它's" / "演示 库.duckdb"
    path.parent.mkdir(parents=True)
    result = cli("demo", "--db", path, "--users", "300")
    assert result.code == 0, result.output
    line = next(x for x in result.out.splitlines() if x.strip().startswith("segl show segment"))
    words = shlex.split(line)
    assert words[words.index("--db") + 1] == f"duckdb:///{path}"
    shown = cli(*words[1:])
    assert shown.code == 0, shown.output

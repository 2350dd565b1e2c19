"""Regression tests for rough edges of the command line: usage errors, databases that
must not be created, what a project is, the catalog, run summaries, DuckDB locks,
project names and segl.toml, packaging, and the README tour."""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import (
    ANCHOR,
    DATA,
    NEV,
    REPO,
    RETAIL,
    ClosedPipe,
    Result,
    assert_caret_under,
    db_url,
    diagnostic_block,
    locate,
    output_tables,
    table_names,
)

from segl.runtime.cli import Failed, main, script_path, stopped_by_signals
from segl.runtime.engines import NoDatabase, connect, database_file
from segl.runtime.project import project_name_problem
from segl.runtime.tables import plural

Cli = Callable[..., Result]
MINI = DATA / "mini"
SOURCES = (MINI / "sources.segl").read_text("utf-8")
TOML = '[project]\nname = "proj"\ntimezone = "UTC"\n'


def project(write: Callable[..., Path], rules: str, toml: str | None = TOML) -> Path:
    return write({"sources.segl": SOURCES, "rules.segl": rules, "segl.toml": toml})


# ------------------------------------------------------------ 1. a bad --as-of


@pytest.mark.parametrize(
    "as_of", ["2026-13-01", "yesterday", "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00"]
)
@pytest.mark.parametrize("command", ["compile", "run", "debug-plan"])
def test_bad_as_of_is_a_usage_error(cli: Cli, warehouse: Path, command: str, as_of: str) -> None:
    args: list[str | Path] = {
        "compile": ["compile", MINI],
        "run": ["run", MINI, "--db", db_url(warehouse)],
        "debug-plan": ["debug", "plan", MINI],
    }[command]
    result = cli(*args, "--as-of", as_of)
    assert result.code == 2, result.output
    assert re.search(r"^E0601 bad --as-of: ", result.err, re.M), result.err
    assert "hint:" in result.err
    assert result.out == ""


def test_bad_as_of_of_show_is_a_usage_error_and_needs_no_database(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "nothing.duckdb"
    result = cli("show", "segment", "buyers", "-p", MINI, "--db", db_url(missing), "--as-of", "x")
    assert result.code == 2, result.output
    assert "E0601" in result.err and "E0605" not in result.err


# ------------------------------------------------- 2. no database is ever created


def test_run_on_a_mistyped_database_path_creates_nothing(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "wharehouse.duckdb"
    result = cli("run", MINI, "--db", db_url(missing), "--as-of", ANCHOR)
    assert result.code == 1, result.output
    assert re.search(r"^E0605 cannot open .*: no database file at ", result.err, re.M), result.err
    # the path as typed: an absolute one shown relative to the current folder looked mistyped
    assert f"no database file at {missing}\n" in result.err, result.err
    assert "segl demo" in result.err
    assert not missing.exists()
    assert not missing.with_name(missing.name + ".wal").exists()


def test_run_without_db_creates_no_default_database(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = project(write_project, "segment s = purchases >= 1\ntag purchases = count(orders)\n")
    result = cli("run", root, "--as-of", ANCHOR)
    assert result.code == 1, result.output
    first = result.err.splitlines()[0]
    assert first.startswith("E0605 no database: no --db and no [database] url"), result.err
    assert "duckdb:///segl.duckdb" in first
    assert "--db URL" in result.err
    assert sorted(p.name for p in root.iterdir()) == ["rules.segl", "segl.toml", "sources.segl"]
    assert not list(tmp_path.glob("*.duckdb"))


def test_run_with_a_missing_segl_toml_database_creates_nothing(
    cli: Cli, write_project: Callable[..., Path]
) -> None:
    toml = TOML + '\n[database]\nurl = "duckdb:///wh.duckdb"\n'
    root = project(write_project, "tag purchases = count(orders)\n", toml)
    result = cli("run", root, "--as-of", ANCHOR)
    assert result.code == 1, result.output
    assert "[database] url of proj/segl.toml" in result.err, result.err
    assert "no database file at proj/wh.duckdb" in result.err
    assert not (root / "wh.duckdb").exists()


def test_run_uses_an_existing_default_database(
    cli: Cli, write_project: Callable[..., Path], warehouse: Path
) -> None:
    root = project(write_project, "tag purchases = count(orders)\n")
    warehouse.rename(root / "segl.duckdb")
    result = cli("run", root, "--as-of", ANCHOR)
    assert result.code == 0, result.output
    assert set(output_tables("proj")) <= table_names(root / "segl.duckdb")


def test_run_on_a_missing_sqlite_file_creates_nothing(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "crm.db"
    result = cli("run", MINI, "--db", f"sqlite:///{missing}", "--as-of", ANCHOR)
    assert result.code == 1, result.output
    assert "no database file at" in result.err
    assert not missing.exists()


@pytest.mark.parametrize(
    "url",
    ["duckdb:///{}/a.duckdb", "{}/a.duckdb", "sqlite:///{}/a.db", "chdb:///{}/chdata"],
    ids=["duckdb", "plain-path", "sqlite", "chdb"],
)
def test_connect_without_create_refuses_missing_files(tmp_path: Path, url: str) -> None:
    full = url.format(tmp_path)
    with pytest.raises(NoDatabase, match="no database file at"):
        connect(full, create=False)
    assert list(tmp_path.iterdir()) == []


def test_database_file_of_urls(tmp_path: Path) -> None:
    assert database_file("duckdb:///rel.duckdb", tmp_path) == tmp_path / "rel.duckdb"
    assert database_file(f"duckdb:///{tmp_path}/x.duckdb") == tmp_path / "x.duckdb"
    assert database_file("sqlite:///rel.db", tmp_path) == tmp_path / "rel.db"
    assert database_file("chdb:///data?database=x", tmp_path) == tmp_path / "data"
    for url in ("duckdb:///:memory:", "duckdb://", "sqlite:///:memory:", "chdb://"):
        assert database_file(url, tmp_path) is None, url
    assert database_file("postgresql://u@h/db", tmp_path) is None
    assert database_file("spark://local", tmp_path) is None


def test_connect_still_creates_by_default_for_library_callers(tmp_path: Path) -> None:
    connect("duckdb:///new.duckdb", base=tmp_path).close()
    assert (tmp_path / "new.duckdb").exists()


# --------------------------------------------------------- 3. --sample out of range


@pytest.mark.parametrize("sample", ["-5", "10001", "many"])
def test_show_sample_out_of_range_is_a_usage_error(cli: Cli, warehouse: Path, sample: str) -> None:
    url = db_url(warehouse)
    assert cli("run", MINI, "--db", url, "--as-of", ANCHOR).code == 0
    result = cli("show", "segment", "buyers", "-p", MINI, "--db", url, "--sample", sample)
    assert result.code == 2, result.output
    assert "--sample" in result.err
    assert "E0605" not in result.err and "database" not in result.err


# ------------------------------------------------------------------ 4. packaging


def test_every_example_is_an_installed_package_with_its_files() -> None:
    """setuptools warned 'Package segl.examples.nev is absent from the packages
    configuration' and would stop installing the examples' files."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    packages = set(config["packages"])
    data = config["package-data"]
    examples = [d for d in (REPO / "examples").iterdir() if list(d.glob("*.segl"))]
    assert {e.name for e in examples} >= {"retail", "nev"}
    for example in examples:
        package = f"segl.examples.{example.name}"
        assert package in packages, package
        patterns = data[package]
        for file in example.iterdir():
            if file.is_file():
                assert any(file.match(p) for p in patterns), (package, file.name)
    assert "segl.examples" in packages


# ------------------------------------------------------------ 5. what a project is


def test_a_folder_without_segl_toml_is_not_a_project(
    cli: Cli, write_project: Callable[..., Path]
) -> None:
    root = project(write_project, "tag purchases = count(orders)\n", toml=None)
    for command in ("check", "run", "compile", "catalog"):
        result = cli(command, root)
        assert result.code == 1, (command, result.output)
        lines = result.err.splitlines()
        assert lines[0] == "E0106 proj is not a segl project: it has no segl.toml", result.err
        assert any("create proj/segl.toml" in line for line in lines), result.err
        assert any("name the rule files" in line for line in lines), result.err


def test_the_repository_root_is_not_a_project_and_names_the_projects_below(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    result = cli("check")
    assert result.code == 1
    codes = re.findall(r"\bE\d{4}\b", result.err)
    assert codes == ["E0106"], result.err  # not ~40 errors from tests/golden/errors
    assert "the current folder is not a segl project" in result.err
    assert "examples/retail" in result.err and "examples/nev" in result.err


def test_explicit_rule_files_need_no_segl_toml(
    cli: Cli, write_project: Callable[..., Path]
) -> None:
    root = project(write_project, "tag purchases = count(orders)\n", toml=None)
    result = cli("check", root / "sources.segl", root / "rules.segl")
    assert result.code == 0, result.output
    assert result.out == "ok: 2 files, 3 sources, 1 tag, 0 segments, 0 layerings\n"
    single = cli("check", root / "rules.segl")  # one file: the tag's sources are missing
    assert single.code == 1
    assert "E0302" in single.err


def test_explicit_rule_files_take_the_segl_toml_of_their_folder(cli: Cli) -> None:
    files = sorted(RETAIL.glob("*.segl"))
    result = cli("debug", "ir", *files)
    assert result.code == 0, result.output
    data = json.loads(result.out)
    assert data["name"] == "retail" and data["timezone"] == "Asia/Shanghai"
    twice = cli("check", files[0], *files)  # the same file twice counts once
    assert twice.code == 0 and twice.out.startswith(f"ok: {len(files)} files"), twice.output


def test_a_folder_and_files_together_are_refused(cli: Cli) -> None:
    result = cli("check", RETAIL, NEV / "tags.segl")
    assert result.code == 1
    assert result.err.startswith("E0106 give one project folder, or rule files, not both")
    several = cli("check", RETAIL, NEV)
    assert several.code == 1 and "not several folders" in several.err


def test_a_folder_without_rule_files_is_still_e0103(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = cli("check", tmp_path / "empty")
    assert result.code == 1
    assert result.err.startswith("E0103 no .segl rule files in ")


# --------------------------------------------------------------------- 6. catalog


def test_catalog_groups_kinds_in_file_order_with_layers(cli: Cli) -> None:
    rows = json.loads(cli("catalog", NEV, "--format", "json").out)
    kinds = [row["kind"] for row in rows]
    # nev defines a layering between tags: the catalog used to print them interleaved
    order = ["tag", "segment", "layering", "journey", "report"]
    assert kinds == sorted(kinds, key=order.index), kinds
    files = sorted({row["file"] for row in rows})
    for kind in order:
        places = [(files.index(r["file"]), r["line"]) for r in rows if r["kind"] == kind]
        assert places == sorted(places), kind
    stage = next(row for row in rows if row["name"] == "stage")
    assert stage["layers"] and {"name", "title"} == set(stage["layers"][0])
    definitions = [row for row in rows if row["kind"] not in ("journey", "report")]
    assert all(row["layers"] is None for row in definitions if row["kind"] != "layering")
    old_keys = {"kind", "name", "type", "title", "category", "owner", "description"}
    assert all(old_keys | {"tag_kind", "file", "line", "layers"} == set(row) for row in definitions)
    journey_keys = {"kind", "name", "title", "steps", "steps_text", "file", "line"}
    assert [set(row) for row in rows if row["kind"] == "journey"] == [journey_keys] * 2
    report_keys = {"kind", "name", "report_kind", "title", "summary", "file", "line"}
    assert [set(row) for row in rows if row["kind"] == "report"] == [report_keys]


def test_catalog_text_shows_descriptions_and_layers(cli: Cli) -> None:
    result = cli("catalog", RETAIL)
    assert result.code == 0, result.output
    out = result.out
    headers = [line.split()[0] for line in out.splitlines() if re.match(r"^\S.*  title", line)]
    assert headers == ["tag", "segment", "layering", "journey", "report", "alert"], out
    assert "Whole years since the birthday, on the as-of date" in out
    assert "The same audience, counting both spellings of the city" in out
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("lifecycle "))
    assert "Lifecycle stage" in lines[at]
    layer_rows = [line.split()[:2] for line in lines[at + 1 : at + 5]]
    expected = [["new", "New"], ["churned", "Churned"], ["loyal", "Loyal"], ["mature", "Mature"]]
    assert layer_rows == expected, lines[at : at + 5]
    assert all(lines[i].startswith("  ") for i in range(at + 1, at + 5))
    # file order within a group: tags_basic.segl before tags_behaviour.segl
    assert out.index("\ngender ") < out.index("\nvisits_3m ") < out.index("\nvalue_level ")


# ------------------------------------------------------- 7. file order, plurals

ORDERED_RULES = """\
tag purchases = count(orders)

segment repeat_buyers = buyers and purchases >= 2

segment buyers = purchases >= 1

layering depth {
    deep when basic == "bought" and repeat_buyers
    shallow otherwise
}

layering basic {
    bought when buyers
    none otherwise
}
"""


def test_run_prints_segments_and_layerings_in_file_order(
    cli: Cli, write_project: Callable[..., Path], warehouse: Path
) -> None:
    root = project(write_project, ORDERED_RULES)
    result = cli("run", root, "--db", db_url(warehouse), "--as-of", ANCHOR)
    assert result.code == 0, result.output
    out = result.out
    assert out.index("\nrepeat_buyers ") < out.index("\nbuyers ")
    assert out.index("\ndepth ") < out.index("\nbasic ")
    assert ", 1 tag, " in out.splitlines()[0], out


def test_check_counts_are_singular_or_plural(cli: Cli, write_project: Callable[..., Path]) -> None:
    root = write_project(
        {"segl.toml": TOML, "all.segl": SOURCES + "\ntag t = count(orders)\nsegment s = t > 1\n"}
    )
    result = cli("check", root)
    assert result.code == 0, result.output
    assert result.out == "ok: 1 file, 3 sources, 1 tag, 1 segment, 0 layerings\n"


def test_plural() -> None:
    assert plural(1, "file") == "1 file"
    assert plural(0, "layering") == "0 layerings"
    assert plural(100_000, "user") == "100,000 users"
    assert plural(2, "category", "categories") == "2 categories"


# --------------------------------------------------------------- 8. DuckDB locks


@pytest.fixture
def hold_lock() -> Iterator[Callable[[Path, float], subprocess.Popen[str]]]:
    """Start a second process that opens a DuckDB file, says so, holds it `seconds`."""
    started: list[subprocess.Popen[str]] = []

    def hold(path: Path, seconds: float) -> subprocess.Popen[str]:
        code = textwrap.dedent(
            f"""
            import sys, time, duckdb
            con = duckdb.connect({str(path)!r})
            print("holding", flush=True)
            time.sleep({seconds})
            con.close()
            """
        )
        process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        started.append(process)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "holding"
        return process

    yield hold
    for process in started:
        process.kill()
        process.wait()


def test_run_on_a_locked_database_times_out_with_a_clear_message(
    cli: Cli, warehouse: Path, hold_lock: Callable[[Path, float], subprocess.Popen[str]]
) -> None:
    hold_lock(warehouse, 60)
    started = time.monotonic()
    result = cli("run", MINI, "--db", db_url(warehouse), "--as-of", ANCHOR, "--lock-timeout", "1")
    elapsed = time.monotonic() - started
    assert result.code == 1, result.output
    assert 0.9 <= elapsed < 20, elapsed
    header = next(line for line in result.err.splitlines() if line.startswith("E0605 "))
    assert f"another process holds the database file {warehouse}" in header, result.err
    assert "--lock-timeout SECONDS" in result.err
    assert "Conflicting lock" in result.err  # DuckDB's own words, with the holder's PID


def test_show_on_a_locked_database_times_out_at_once_with_zero(
    cli: Cli, warehouse: Path, hold_lock: Callable[[Path, float], subprocess.Popen[str]]
) -> None:
    url = db_url(warehouse)
    assert cli("run", MINI, "--db", url, "--as-of", ANCHOR).code == 0
    hold_lock(warehouse, 60)
    result = cli("show", "segment", "buyers", "-p", MINI, "--db", url, "--lock-timeout", "0")
    assert result.code == 1, result.output
    assert "another process holds the database file" in result.err
    assert "waiting" not in result.err


def test_run_waits_for_a_lock_and_then_succeeds(
    cli: Cli, warehouse: Path, hold_lock: Callable[[Path, float], subprocess.Popen[str]]
) -> None:
    holder = hold_lock(warehouse, 1.5)
    result = cli("run", MINI, "--db", db_url(warehouse), "--as-of", ANCHOR, "--lock-timeout", "30")
    assert result.code == 0, result.output
    holder.wait(timeout=30)
    assert "waiting up to 30 s for" in result.err
    assert "buyers" in result.out


def test_lock_timeout_must_not_be_negative(cli: Cli, warehouse: Path) -> None:
    result = cli("run", MINI, "--db", db_url(warehouse), "--lock-timeout", "-1")
    assert result.code == 2 and "--lock-timeout" in result.err and "0<=x" in result.err


# ------------------------------------------------------------- 9. project names

BAD_NAMES = {
    "parent": "../evil",
    "slash": "a/b",
    "backslash": "a\\\\b",
    "dots": "a..b",
    "leading-dot": ".hidden",
    "newline": "a\\nb",
    "control": "a\\u0001b",
    "space": "a b",
    "empty": "",
    "long": "x" * 65,
}


@pytest.mark.parametrize("name", list(BAD_NAMES.values()), ids=list(BAD_NAMES))
def test_a_bad_project_name_is_e0105_on_its_line(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path, name: str
) -> None:
    toml = f'# the project\n[project]\ntimezone = "UTC"\nname = "{name}"\n'
    root = project(write_project, "tag purchases = count(orders)\n", toml)
    result = cli("compile", root, "--out", tmp_path / "out")
    assert result.code == 1, result.output
    assert re.match(r"^proj/segl\.toml:4:1: E0105 project name ", result.err), result.err
    assert "    name = " in result.err  # the line itself is shown
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob("*.sql"))


@pytest.mark.parametrize("name", ["北京零售", "retail_cn-2.0", "Ünïcode", "मराठी"])
def test_good_project_names_compile_into_the_out_folder(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path, name: str
) -> None:
    assert project_name_problem(name) is None
    root = project(
        write_project, "tag purchases = count(orders)\n", f'[project]\nname = "{name}"\n'
    )
    out = tmp_path / "out"
    result = cli("compile", root, "--out", out)
    assert result.code == 0, result.output
    assert [p.name for p in out.iterdir()] == [f"{name}.duckdb.sql"]


def test_a_folder_name_with_a_space_still_compiles(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_project({"segl.toml": "", "rules.segl": SOURCES}, name="my project")
    result = cli("compile", root, "--out", tmp_path / "out")
    assert result.code == 0, result.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["my project.duckdb.sql"]


def test_compile_out_that_cannot_be_a_folder_is_e0605(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_project({"segl.toml": "", "rules.segl": SOURCES})
    a_file = tmp_path / "taken"
    a_file.write_text("not a folder\n")
    result = cli("compile", root, "--out", a_file)
    assert result.code == 1, result.output
    assert result.err.startswith(f"E0605 --out {a_file} is not a folder"), result.err
    assert "hint: --out names a folder" in result.err
    assert a_file.read_text() == "not a folder\n"
    inside = cli("compile", root, "--out", a_file / "sub")
    assert inside.code == 1 and "E0605" in inside.err, inside.output
    assert "Traceback" not in result.output + inside.output


@pytest.mark.parametrize("name", ["../x", "a/b", "..", ".", "x\0y"])
def test_compile_never_writes_outside_out(tmp_path: Path, name: str) -> None:
    with pytest.raises(Failed):
        script_path(tmp_path, name, "duckdb")


# ------------------------------------------------------------- 10. segl.toml shapes

SHAPES = {
    "project-string": ('# top\nproject = "retail"\n', 2, "'project' in segl.toml must be a table"),
    "database-top": ('database = "duckdb:///a.duckdb"\n', 1, "'database' in segl.toml must be"),
    "output-number": ("\n\noutput = 3\n", 3, "'output' in segl.toml must be a table"),
    "name-table": ('[project]\ntimezone = "UTC"\n[project.name]\nx = 1\n', 3, "must be a string"),
    "name-top-level": ('name = "retail"\n', 1, "'name' belongs in the [project] table"),
    "url-top-level": ('# db\nurl = "duckdb:///a.duckdb"\n', 2, "'url' belongs in the [database]"),
    "timezone-number": ("[project]\n\ntimezone = 8\n", 3, "'timezone' in [project]"),
    "dotted-name": ("project.name = 5\n", 1, "'name' in [project] of segl.toml must be"),
    # an empty url used the default database quietly (or blamed a URL the file lacks)
    "empty-url": ('[database]\n\nurl = " "\n', 3, "'url' in [database] of segl.toml is empty"),
}


@pytest.mark.parametrize(("toml", "line", "says"), list(SHAPES.values()), ids=list(SHAPES))
def test_segl_toml_of_the_wrong_shape_is_e0105_on_its_line(
    cli: Cli, write_project: Callable[..., Path], toml: str, line: int, says: str
) -> None:
    root = project(write_project, "tag purchases = count(orders)\n", toml)
    result = cli("check", root)
    assert result.code == 1, result.output
    found = re.match(r"^proj/segl\.toml:(\d+):\d+: E0105 (.*)$", result.err, re.M)
    assert found, result.err
    assert int(found[1]) == line, result.err
    assert says in found[2], result.err
    assert "hint:" in result.err


def test_keys_of_segl_toml_that_segl_ignores_are_w0105(
    cli: Cli, write_project: Callable[..., Path]
) -> None:
    """A mistyped key (the zone would silently be UTC) or table is a warning on its line;
    another tool's table is not."""
    toml = '[project]\ntimezon = "Asia/Shanghai"\n\n[databse]\nurl = "x"\n\n[tool.x]\ny = 1\n'
    root = project(write_project, "tag purchases = count(orders)\n", toml)
    result = cli("check", root)
    assert result.code == 0, result.output
    found = re.findall(r"^proj/segl\.toml:(\d+):1: W0105 warning: (.*)$", result.err, re.M)
    assert found == [
        ("2", "unknown key 'timezon' in [project] of segl.toml: ignored"),
        ("4", "unknown table [databse] of segl.toml: ignored"),
    ], result.err
    assert "did you mean 'timezone'?" in result.err
    assert "did you mean 'database'?" in result.err
    assert "    timezon = " in result.err  # the line itself is shown


def test_problems_with_a_value_of_segl_toml_point_at_its_line(
    cli: Cli, write_project: Callable[..., Path]
) -> None:
    """E0309 for a universe that is no profile source and E0501 for result tables a target
    would cut short (made of the project's name) had no place: a CI annotation landed
    nowhere, and the terminal showed no line."""
    name = "beijing_spring_festival_reactivation_campaign_2026_v2"
    toml = f'[project]\ntimezone = "UTC"\nuniverse = "user"\nname = "{name}"\n'
    root = project(write_project, "tag purchases = count(orders)\n", toml)
    result = cli("check", root)
    assert result.code == 1, result.output
    assert re.search(r"^proj/segl\.toml:3:1: E0309 universe 'user' ", result.err, re.M)
    assert '    universe = "user"\n    ^^^^^^^^\n' in result.err
    (root / "segl.toml").write_text(f'[project]\ntimezone = "UTC"\nname = "{name}"\n')
    result = cli("check", root, "--dialect", "postgres", "--format", "json")
    assert result.code == 1, result.output
    found = json.loads(result.out)["diagnostics"]
    assert {(d["code"], d["file"], d["line"]) for d in found} == {("E0501", "proj/segl.toml", 3)}
    prefixed = f'[project]\ntimezone = "UTC"\n[output]\nprefix = "{name}_"\n'
    (root / "segl.toml").write_text(prefixed)
    result = cli("check", root, "--dialect", "postgres")
    assert result.code == 1, result.output
    assert re.search(r"^proj/segl\.toml:4:1: E0501 ", result.err, re.M), result.err


def test_rule_files_that_cannot_be_read_are_e0104_not_skipped(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """A broken link or a pipe named *.segl was skipped silently (check said ok); `fmt`
    of a path that does not exist said nothing and exited 0."""
    root = project(write_project, "tag purchases = count(orders)\n")
    (root / "gone.segl").symlink_to(tmp_path / "nowhere.segl")
    os.mkfifo(root / "pipe.segl")
    for command in ("check", "fmt"):
        result = cli(command, root)
        assert result.code == 1, result.output
        assert re.search(r"E0104 cannot read \S*proj/gone.segl: a broken link", result.err)
        assert re.search(r"E0104 cannot read \S*proj/pipe.segl: not a file", result.err)
    missing = cli("fmt", tmp_path / "no_such_folder")
    assert missing.code == 1, missing.output
    assert "E0104 no such project folder or file" in missing.err
    # a folder without rule files: as `check` says (`fmt --check` of the wrong folder
    # passed a CI job, printing nothing)
    (tmp_path / "empty").mkdir()
    for arguments in (("fmt",), ("fmt", "--check"), ("check",)):
        empty = cli(*arguments, tmp_path / "empty")
        assert empty.code == 1, (arguments, empty.output)
        assert "E0103 no .segl rule files in" in empty.err, (arguments, empty.err)


# ------------------------------------------------------------- 12. README tour


def tour_rules() -> str:
    """The rule file of the README's tour: its code block that starts with a source."""
    readme = (REPO / "README.md").read_text("utf-8")
    tour = readme[readme.index("## A five-minute tour") :]
    blocks = re.findall(r"^```\n(.*?)^```$", tour, re.M | re.S)
    return next(block for block in blocks if block.startswith("source users"))


def test_readme_tour_rule_file_is_formatted(cli: Cli, write_project: Callable[..., Path]) -> None:
    text = tour_rules()
    assert text.startswith("source users"), text[:100]
    root = write_project({"segl.toml": '[project]\nname = "beijing"\n', "rules.segl": text})
    result = cli("fmt", "--check", root)
    assert result.code == 0, result.output
    checked = cli("check", root)
    assert checked.out == "ok: 1 file, 3 sources, 3 tags, 1 segment, 0 layerings\n"


def test_members_are_listed_by_code_point_on_postgres() -> None:
    """A text key is ordered by code point (SPEC §3) where members are listed (export, the
    sample of `show segment`): on PostgreSQL with COLLATE "C" (its database collation may
    put `u01` before `U10`); a number key is ordered as it is; an undeclared one as the
    stored column holds it (tests/test_engine_postgres.py runs it on a real server)."""
    from segl.compiler.checker import ProjectConfig, check_programs
    from segl.compiler.sqlgen import col, render
    from segl.compiler.targets import get_target
    from segl.compiler.types import Type
    from segl.dsl.parser import parse_program
    from segl.runtime.show import key_order

    class Stored:
        """What key_order asks of an engine: a members table whose key is `stored`."""

        target = get_target("postgres")

        def __init__(self, stored: str) -> None:
            self.stored = stored

        def columns_of(self, table: str) -> dict[str, str]:
            return {"as_of": "timestamp", "segment": "text", "user_id": self.stored}

        def fits(self, declared: Type, engine_type: str) -> bool:
            return engine_type == "bigint"

    cases = [("string", "text", True), ("number", "bigint", False)]
    cases += [(None, "bigint", False), (None, "text", True)]
    for declared, stored, collated in cases:
        columns = f"    user_id: {declared}\n" if declared else ""
        text = f'source users from table "users" key user_id {{\n{columns}}}\n'
        project, _ = check_programs([parse_program(text, "k.segl")], ProjectConfig(name="k"))
        assert project is not None
        engine: Any = Stored(stored)
        shown = render(key_order(engine, project, "m", col("user_id")), Stored.target)
        assert ('COLLATE "C"' in shown) is collated, (declared, shown)
    project = project.__class__(**{**project.__dict__, "key": Type.STRING})
    engine = Stored("bigint")
    assert 'COLLATE "C"' in render(key_order(engine, project, "m", col("user_id")), Stored.target)


def test_a_stop_signal_interrupts_so_that_clean_ups_run() -> None:
    """`segl simulate` under SIGTERM left its scratch tables (no clean-up ran), and under
    SIGINT DuckDB's "Query interrupted" was reported as an internal error: within
    stopped_by_signals both are a KeyboardInterrupt, and the handlers come back after."""
    before = signal.getsignal(signal.SIGTERM)
    cleaned: list[str] = []
    with pytest.raises(KeyboardInterrupt), stopped_by_signals():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this ends
        finally:
            cleaned.append("dropped")
    assert cleaned == ["dropped"]
    assert signal.getsignal(signal.SIGTERM) is before
    with pytest.raises(KeyboardInterrupt), stopped_by_signals():
        with suppress(KeyboardInterrupt):  # as DuckDB turns it into its own error
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        raise RuntimeError("Query interrupted")
    with pytest.raises(RuntimeError), stopped_by_signals():
        raise RuntimeError("no signal: an error like any other")


@pytest.mark.parametrize("command", ["fmt", "check"])
def test_an_empty_path_is_refused_not_read_as_the_current_folder(
    cli: Cli, tmp_path: Path, command: str
) -> None:
    """`segl fmt "$FILE"` with FILE unset must not rewrite every rule file below here."""
    messy = tmp_path / "messy.segl"
    messy.write_text("tag   x=1\n", "utf-8")
    result = cli(command, "")
    assert result.code == 1, result.output
    assert "E0104 an empty path" in result.err
    assert messy.read_text("utf-8") == "tag   x=1\n"


def test_fmt_refuses_what_is_not_a_file(cli: Cli) -> None:
    for what in ("--check", None):
        result = cli("fmt", *([what] if what else []), "/dev/null")
        assert result.code == 1, result.output
        assert "E0104 cannot read /dev/null: not a file" in result.err


def test_a_reader_closing_the_output_early_ends_the_command_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`segl ... | head -1`: exit 0 and nothing on stderr (click ended such a command
    with 1, a "rule or data error", under `set -o pipefail` a failed CI step). The
    output here is a stream whose reader has gone after 100 characters."""

    class ClosedEarly(io.StringIO):
        def write(self, text: str) -> int:
            if self.tell() + len(text) > 100:  # the reader took 100 characters and left
                raise BrokenPipeError(errno.EPIPE, "Broken pipe")
            return super().write(text)

    monkeypatch.setattr(sys, "stdout", ClosedEarly())
    assert main(["compile", str(RETAIL), "--as-of", "2026-11-01"]) == 0
    assert capsys.readouterr().err == ""


def test_a_demo_whose_reader_leaves_early_still_builds_everything(tmp_path: Path) -> None:
    """`segl demo | head -2`: the demo stopped at its first print after the pipe closed,
    with one retail run stored, no nev run, no journeys, no report page, and exit 0. Now
    it prints no more and finishes (a real pipe, closed after two lines)."""
    database = tmp_path / "demo.duckdb"
    command = [sys.executable, "-m", "segl.runtime.cli", "demo", "--db", str(database)]
    with subprocess.Popen(
        [*command, "--users", "300"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as demo:
        assert demo.stdout is not None and demo.stderr is not None
        demo.stdout.readline(), demo.stdout.readline()
        demo.stdout.close()  # the reader is gone
        errors = demo.stderr.read().decode()
        assert demo.wait(timeout=600) == 0, errors
    assert errors == ""
    with duckdb.connect(str(database), read_only=True) as con:
        projects = {
            row[0] for row in con.execute("SELECT DISTINCT project FROM segl_runs").fetchall()
        }
        assert projects == {"retail", "nev"}
        (sent,) = con.execute("SELECT count(*) FROM segl_retail_outbox").fetchone() or (0,)
        assert sent > 0
    assert (tmp_path / "demo_report.html").is_file()


def test_a_failure_whose_reader_is_gone_still_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`segl deliver ... 2>&1 | head -5` in a cron wrapper: the failure's diagnostics met
    a closed pipe, and the command ended with 0 as if `| head` had taken what it wanted."""

    monkeypatch.setattr(sys, "stderr", ClosedPipe())
    (tmp_path / "empty").mkdir()
    assert main(["check", str(tmp_path / "empty")]) == 1  # E0103, unseen
    assert main(["check", str(RETAIL), "--db", str(tmp_path / "nowhere.duckdb")]) == 1


def test_a_status_found_before_the_reader_left_is_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, warehouse: Path
) -> None:
    """A reader gone before the last line (`| head -0`, `2>&1 | head -3`) ended these
    commands with 0 (an acceptance probe): `fmt --check` listing a file to change, a
    delivery failing while it said "retrying" (and an alert firing under
    `--fail-on-firing`: tests/test_alerts_cli.py). They go on without printing and exit 1."""

    (tmp_path / "messy").mkdir()
    (tmp_path / "messy" / "c.segl").write_text("tag   y=1\n", "utf-8")
    db = ["--db", str(warehouse)]
    assert main(["run", str(RETAIL), *db, "--as-of", ANCHOR]) == 0
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    monkeypatch.setattr(sys, "stderr", ClosedPipe())
    assert main(["fmt", "--check", str(tmp_path / "messy")]) == 1
    refused = ["--to", "webhook:http://127.0.0.1:1/x", "--attempts", "2", "--backoff", "0"]
    assert main(["deliver", str(RETAIL), *db, *refused]) == 1


def test_a_full_disk_under_the_output_is_a_diagnostic_not_a_bug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`segl compile ... > /dev/full`: the system refuses the write (ENOSPC, no file name);
    it was reported as an internal error, "a bug in segl", exit 2."""
    with open("/dev/full", "w", encoding="utf-8") as full:
        sys_stdout, sys.stdout = sys.stdout, full
        try:
            code = main(["compile", str(RETAIL), "--as-of", "2026-11-01"])
        finally:
            sys.stdout = sys_stdout
    err = capsys.readouterr().err
    assert code == 1, err
    assert "E0605 cannot write the output: No space left on device" in err
    assert "internal error" not in err


@pytest.mark.parametrize(
    ("said", "named"),
    [
        (
            "Code: 162. DB::Exception: Too deep subqueries. Maximum: 100. (TOO_DEEP_SUBQUERIES)",
            "max_subquery_depth",
        ),
        (
            "Code: 62. DB::Exception: Max query size exceeded (can be increased with ...)",
            "max_query_size",
        ),
        (
            'Max expression depth limit of 1000 exceeded. Use "SET max_expression_depth TO x"',
            "DuckDB",
        ),
        ("Expression tree is too large (maximum depth 1000)", "SQLite"),
        ("parser stack overflow", "SQLite's parser"),
    ],
)
def test_an_engine_size_limit_gets_a_hint_naming_its_cause(said: str, named: str) -> None:
    """A raw E0605 named no cause and suggested a setting segl gives no way to set."""
    from segl.runtime.engines import EngineError

    hint = EngineError(said).hint
    assert hint is not None and named in hint, hint
    assert "derived tags" in hint or "segments" in hint or "nest fewer" in hint, hint
    if named == "DuckDB":  # a project of some 400 sources reaches it too (no chain at all)
        assert "several hundred sources" in hint, hint


def test_user_keys_in_text_tables_are_their_digits() -> None:
    """A key is an ID (a phone number, a snowflake ID): `show outbox` and `show
    assignments` printed it with thousands separators, which copied is another ID."""
    from segl.runtime.cli import _outbox_cell
    from segl.runtime.tables import format_table

    row = {"user": 13800138000, "run_at": dt.datetime(2026, 11, 1, 9, 30), "step": "hi"}
    assert _outbox_cell(row, "user") == "13800138000"
    assert _outbox_cell({**row, "user": 2.0**60}, "user") == str(2**60)
    assert _outbox_cell(row, "run_at") == "2026-11-01 09:30"
    assert "13800138000" in format_table(["user"], [[_outbox_cell(row, "user")]])
    # digits aligned right, as numbers are, when asked for (text keys stay left)
    assert format_table(["user"], [["7"], ["105"]], right=[0]).splitlines()[2:] == [
        "   7",
        " 105",
    ]


def test_tables_keep_emoji_and_escape_what_hides_or_acts() -> None:
    """A template or campaign title with a family emoji (made with the joiner U+200D)
    showed `\u200d` between its people in `show` tables, where diagnostics kept it; the
    zero-width space and the controls are still escaped."""
    from segl.runtime.tables import printable

    family = "\U0001f468\u200d\U0001f469 新人礼"
    assert printable(family) == family
    assert printable("visit\u200b") == "visit\\u200b"
    assert printable("a\x1b[31mb") == "a\\x1b[31mb"


def test_a_database_path_under_the_home_folder(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--db=~/w.duckdb` (no shell expands a `~` after `=`) and segl.toml's
    `url = "duckdb:///~/w.duckdb"` looked for a folder named `~` (E0605): `~` is the home
    folder, as in a shell."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    con = duckdb.connect(str(home / "w.duckdb"))
    con.execute("CREATE TABLE users (user_id BIGINT)")
    con.close()
    rules = 'source users from table "users" key user_id { }\n'
    toml = '[project]\nname = "h"\n[database]\nurl = "duckdb:///~/w.duckdb"\n'
    root = write_project({"rules.segl": rules, "segl.toml": toml})
    for db in ("--db=~/w.duckdb", "--db=duckdb:///~/w.duckdb", "--db=sqlite:///~/none.db"):
        checked = cli("check", root, db)
        assert (checked.code == 0) == ("sqlite" not in db), checked.output
    assert f"no database file at {home / 'none.db'}" in checked.err  # the home's, named
    assert cli("check", root).code == 0  # segl.toml's


def test_an_empty_db_is_a_usage_error(cli: Cli) -> None:
    """`--db "$STAGING_DB"` with the variable unset: refused (exit 2), never the default
    database or segl.toml's quietly."""
    for command in (["check", str(RETAIL)], ["run", str(RETAIL), "--as-of", ANCHOR]):
        result = cli(*command, "--db", "")
        assert result.code == 2 and "E0606 --db is empty" in result.err, result


def test_a_database_password_is_never_printed(cli: Cli) -> None:
    """`cannot open postgresql://alice:S3cret@...` went to CI logs and cron mail, with a
    hint about DuckDB and SQLite files."""
    from segl.runtime.engines import shown_url

    url = "postgresql://alice:S3cret@127.0.0.1:1/wh?sslmode=disable&password=S3cret"
    result = cli("check", str(RETAIL), "--db", url)
    assert result.code == 1, result.output
    assert "S3cret" not in result.output
    assert "E0605 cannot open postgresql://alice:***@127.0.0.1:1/wh?" in result.err
    assert "check the URL's host, port, database, user and password" in result.err
    assert shown_url("duckdb:///w.duckdb") == "duckdb:///w.duckdb"
    assert (
        shown_url("clickhouse://u:p@h:9000/db?secure=1") == "clickhouse://u:***@h:9000/db?secure=1"
    )
    assert shown_url("postgresql://u@h/db?token=t&user=u") == "postgresql://u@h/db?token=***&user=u"


def test_a_sqlite_file_named_as_a_duckdb_one_says_so(cli: Cli, tmp_path: Path) -> None:
    """`--db lite.db` where lite.db is a SQLite file: DuckDB tried to download its SQLite
    extension and the error was about a network; now it names the file's kind."""
    import sqlite3

    lite = tmp_path / "lite.db"
    with sqlite3.connect(lite) as con:
        con.execute("CREATE TABLE a (x INTEGER)")
    for url in (str(lite), f"duckdb:///{lite}"):
        result = cli("check", str(NEV), "--db", url)
        assert result.code == 2, result.output  # a bad option value: a usage error
        assert f"E0606 {lite} is a SQLite database, not a DuckDB one" in result.err
        assert f"--db sqlite:///{lite}" in result.err


def test_a_project_given_twice_is_a_usage_error(cli: Cli) -> None:
    """`segl deliver proj -p other`: the argument won silently (the other project's
    messages delivered); two different projects are refused, the same one twice is one."""
    for command in (
        ["show", "outbox"],
        ["show", "journey", "welcome"],
        ["deliver", "--to", "file:x"],
    ):
        result = cli(*command, str(RETAIL), "-p", str(NEV), "--db", "duckdb:///nowhere.duckdb")
        assert result.code == 2 and "two projects given" in result.err, (command, result)
    same = cli("show", "outbox", str(RETAIL), "-p", str(RETAIL), "--db", "duckdb:///no.duckdb")
    assert "two projects given" not in same.err
    # the same folder spelled two ways is one project too
    spelled = cli("show", "outbox", f"{RETAIL}/", "-p", f"{RETAIL}/../retail", "--db", "x.duckdb")
    assert "two projects given" not in spelled.err and spelled.code == 1, spelled


def test_an_output_file_that_is_the_database_is_refused(cli: Cli, warehouse: Path) -> None:
    """`export --out wh.duckdb` replaced the warehouse with a CSV; `deliver --to
    file:wh.duckdb` recorded messages delivered that no file kept: E0605, nothing written."""
    url = db_url(warehouse)
    before = warehouse.read_bytes()
    commands = [
        ["export", "segment", "x", "-p", str(RETAIL), "--out", str(warehouse)],
        ["deliver", str(RETAIL), "--to", f"file:{warehouse}"],
        ["report", str(RETAIL), "--out", str(warehouse)],
    ]
    for command in commands:
        result = cli(*command, "--db", url)
        assert result.code == 1 and "is the database" in result.err, (command, result)
    assert warehouse.read_bytes() == before


def test_a_run_in_the_future_warns_that_journeys_are_decided_up_to_it(
    cli: Cli, warehouse: Path
) -> None:
    """A mistyped year (`--as-of 2027-...` for 2026) decided the journeys a year ahead
    without a word; every real run after it then decided nothing (W0602)."""
    later = (dt.datetime.now() + dt.timedelta(days=400)).strftime("%Y-%m-%d")
    result = cli("run", str(RETAIL), "--db", db_url(warehouse), "--as-of", later)
    assert result.code == 0 and "W0602" in result.err, result
    assert "journeys.md, Scheduling" in result.err
    # and the alerts: every real run until then would be a run of the past, never notified
    assert "the alerts were evaluated as of" in result.err
    assert "monitoring.md, Runs out of order" in result.err
    now = cli("run", str(RETAIL), "--db", db_url(warehouse), "--as-of", ANCHOR)
    assert "W0602" not in now.err
    # the run that came after it says until when the journeys stay decided, each time
    assert f"journeys: already decided up to {later} 00:00:00: no run decides any" in now.out


def test_an_empty_out_is_refused_by_every_command(cli: Cli, warehouse: Path) -> None:
    """`--out ""` (an unset variable): compile wrote into the current folder, export said
    "cannot write : File exists"; each now says that --out needs a name (E0605)."""
    url = db_url(warehouse)
    commands = [
        ["compile", str(RETAIL), "--out", ""],
        ["export", "segment", "x", "-p", str(RETAIL), "--db", url, "--out", ""],
        [
            "export",
            "segment",
            "x",
            "-p",
            str(RETAIL),
            "--db",
            url,
            "--format",
            "parquet",
            "--out",
            " ",
        ],
        ["report", str(RETAIL), "--db", url, "--out", ""],
    ]
    for command in commands:
        result = cli(*command)
        assert result.code == 1 and "E0605 --out needs a" in result.err, (command, result)


def test_the_projects_below_a_folder_say_when_there_are_more(cli: Cli, tmp_path: Path) -> None:
    """The E0106 hint names five projects below the folder, then "..." when there are
    more (a sixth was left out without a word)."""
    (tmp_path / "loose.segl").write_text("tag t = 1\n")
    for index in range(6):
        (tmp_path / f"p{index}").mkdir()
        (tmp_path / f"p{index}" / "segl.toml").write_text(f'[project]\nname = "p{index}"\n')
    result = cli("check", str(tmp_path))
    assert result.code == 1 and "p4, ..." in result.err and "p5" not in result.err, result.err
    (tmp_path / "p5" / "segl.toml").unlink()
    assert "..." not in cli("check", str(tmp_path)).err


def test_demo_takes_a_duckdb_url_and_refuses_an_empty_or_foreign_db(
    cli: Cli, tmp_path: Path
) -> None:
    """`segl demo --db duckdb:///d.duckdb` looked for a folder named 'duckdb:' and
    `--db ''` said '. is a folder': the URL form of every other command is a file here,
    an empty or another engine's --db a usage error (E0606)."""
    from segl.runtime.cli import _demo_file

    assert _demo_file(f"duckdb:///{tmp_path}/d.duckdb") == tmp_path / "d.duckdb"
    assert _demo_file("d.duckdb") == Path("d.duckdb")
    for db, says in (
        ("", "E0606 --db is empty"),
        ("sqlite:///d.db", "E0606 segl demo builds a DuckDB file, not a sqlite database"),
        ("duckdb:///:memory:", "E0606 segl demo builds a file"),
    ):
        result = cli("demo", "--db", db, "--users", "5")
        assert result.code == 2 and says in result.err, (db, result)


def test_an_output_path_under_the_home_folder(
    cli: Cli, warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--out=~/x` (no shell expands a `~` after `=`) made a folder named `~` in the
    current one: `~` is the home folder, as for --db and `file:~`."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    url = db_url(warehouse)
    compiled = cli("compile", str(RETAIL), "--out=~/sql")
    assert compiled.code == 0, compiled.output
    assert [p.name for p in (home / "sql").iterdir()] == ["retail.duckdb.sql"]
    assert cli("run", str(RETAIL), "--db", url, "--as-of", ANCHOR).code == 0
    reported = cli(
        "report", str(RETAIL), "--db", url, "--as-of", ANCHOR, "--format", "json", "--out=~/r.json"
    )
    assert reported.code == 0, reported.output
    assert json.loads((home / "r.json").read_text("utf-8"))
    assert not (tmp_path / "~").exists()


JOURNEY_OF = 'journey j {{\n    enter on events\n    step s {}: send sms "t"\n}}\n'
TWICE = {
    "step-days": (JOURNEY_OF.format("on weekend on weekdays"), "on weekdays", "E0711",
                  "`on weekend` / `on weekdays` is given twice"),
    "step-after": (JOURNEY_OF.format("after 1 day after 2 days"), "after 2 days", "E0711",
                   "`after` is given twice"),
    "retention-by": ("retention r {\n    cohort first events\n    return events\n    by day\n"
                     "    by week\n    periods 3\n}\n", "by week", "E0806", "`by` is given twice"),
    "alert-cooldown": ("alert a = users() > 1 cooldown 1 day cooldown 2 days\n",
                       "cooldown 2 days", "E0908", "`cooldown` is given twice"),
}  # fmt: skip


@pytest.mark.parametrize(("rules", "span", "code", "said"), list(TWICE.values()), ids=list(TWICE))
def test_fmt_never_drops_a_clause_given_twice(
    cli: Cli, write_project: Callable[..., Path], rules: str, span: str, code: str, said: str
) -> None:
    """The tree keeps a repeated clause's first; fmt wrote only that one, so a file check
    refused became one it accepts, meaning something else (a fuzzing probe). fmt refuses
    such a file, at the repeated clause, and leaves it as it was."""
    sources = 'source users from table "users" key user_id { user_id: number }\n'
    sources += 'source events from table "events" user user_id time ts { name: string }\n'
    text = sources + rules
    root = write_project({"segl.toml": '[project]\nname = "twice"\n', "rules.segl": text})
    for arguments in (("fmt", root), ("fmt", "--check", root)):
        result = cli(*arguments)
        assert result.code == 1, result.output
        where = f"{root / 'rules.segl'}:{locate(text, span)[0]}:"
        block = diagnostic_block(result.err, where)
        assert f"{code} {said}: segl fmt would keep only the first" in block[0], block
        assert_caret_under(block, span)
        assert (root / "rules.segl").read_text("utf-8") == text
    assert code in cli("check", root).err


def test_data_keep_escape_sequences_in_a_pipe(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """click.echo strips what looks like a colour code from output that is not a terminal:
    `segl export ... > a.csv` lost the `\\x1b[31m` of a city that `--out a.csv` kept (an
    acceptance probe). Data formats keep values as they are (docs/cli.md)."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE users (user_id BIGINT, city VARCHAR)")
    con.execute("INSERT INTO users VALUES (1, '深圳\x1b[31m')")
    con.close()
    rules = (
        'source users from table "users" key user_id { user_id: number  city: string }\n'
        "tag city = users.city\nsegment everyone = users.user_id > 0\n"
    )
    root = write_project({"rules.segl": rules})
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert cli("run", root, "--db", url, "--as-of", "2026-11-01").code == 0
    exported = cli("export", "segment", "everyone", "-p", root, "--db", url, "--with", "city")
    assert exported.code == 0, exported.output
    assert exported.out.splitlines()[1] == "1,深圳\x1b[31m", exported.out


def test_a_mistyped_choice_names_the_closest(cli: Cli) -> None:
    """`--dialect snowflak` listed the ten dialects with no hint, where a mistyped name in
    the rules gets "did you mean" (an acceptance probe); a value close to none gets the
    list alone."""
    compiled = cli("compile", RETAIL, "--dialect", "snowflak")
    assert compiled.code == 2, compiled.output
    assert compiled.err.rstrip().endswith("Did you mean 'snowflake'?"), compiled.err
    checked = cli("check", RETAIL, "--format", "yaml")
    assert checked.code == 2, checked.output
    assert checked.err.rstrip().endswith("is not one of 'text', 'json', 'github'."), checked.err

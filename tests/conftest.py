"""Shared fixtures for the end-to-end CLI tests.

- `warehouse_template`: a small demo warehouse (2,000 users) built once per session in a
  DuckDB file; never written to.
- `warehouse`: a private copy of it for one test (tests that run projects write to it).
- `write_project`: writes a project folder from {filename: text}.
- `cli`: calls `segl.runtime.cli.main(argv)` in-process and captures stdout/stderr.
- `sql`: reads a DuckDB file (opened and closed per call, so the CLI can open it next).
"""

from __future__ import annotations

import errno
import io
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from segl.compiler.checker import ProjectConfig, check_programs
from segl.dsl.diagnostics import Diagnostic
from segl.dsl.parser import parse_program
from segl.runtime.cli import main
from segl.runtime.demo_data import DEMO_ANCHOR, build_demo_warehouse
from segl.runtime.project import LoadedProject, Settings

pytest_plugins = ["engine_fixtures"]

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
RETAIL = EXAMPLES / "retail"
NEV = EXAMPLES / "nev"
DATA = Path(__file__).resolve().parent / "data"
DEMO_USERS = 2_000
ANCHOR = f"{DEMO_ANCHOR:%Y-%m-%d}"  # 2026-11-01
DIALECT_NAMES = [
    "duckdb",
    "postgres",
    "sqlite",
    "clickhouse",
    "spark",
    "databricks",
    "snowflake",
    "bigquery",
    "trino",
    "redshift",
]
RUN_LOG = "segl_runs"  # the run log every project shares (compiler/store.py)


def output_tables(project: str) -> tuple[str, str, str, str]:
    """The tables a run of `project` writes under the default prefix (compiler/store.py):
    the project's own tags, members and layers, then the shared run log. `project` must be a
    plain name (letters, digits, `_`), which is used as it is."""
    assert project.isidentifier(), project
    return (
        f"segl_{project}_tags",
        f"segl_{project}_members",
        f"segl_{project}_layers",
        RUN_LOG,
    )


def db_url(path: Path) -> str:
    """A duckdb URL for an absolute path (duckdb:////abs/path.duckdb)."""
    return f"duckdb:///{path.resolve()}"


def read_sql(path: Path, query: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path))
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def table_names(path: Path) -> set[str]:
    return {row[0] for row in read_sql(path, "SELECT table_name FROM information_schema.tables")}


def segl_tables(path: Path) -> set[str]:
    """Every table under segl's default prefix: any project's results and the run log."""
    return {name for name in table_names(path) if name.startswith("segl_")}


def retail_sources() -> str:
    return (RETAIL / "sources.segl").read_text("utf-8")


def loaded_rules(
    rules: str,
    name: str,
    timezone: str = "UTC",
    *,
    file: str = "rules.segl",
    first: Callable[[list[Diagnostic]], object] | None = None,
) -> LoadedProject:
    """One rule file's text checked as a project (universe `users`) and loaded as a run
    loads it; `first` sees the diagnostics before a failed check fails the test (a
    generator's `assume`)."""
    program = parse_program(rules, file)
    config = ProjectConfig(name=name, timezone=timezone, universe="users")
    project, diagnostics = check_programs([program], config)
    if first is not None:
        first(diagnostics)
    assert project is not None, (rules, [f"{d.code} {d.message}" for d in diagnostics])
    return LoadedProject(Path("."), Settings(config), [program], {}, [], project)


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err


class ClosedPipe(io.StringIO):
    """A standard stream whose reader has gone (`| head -0`): every write fails."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


@pytest.fixture(scope="session")
def warehouse_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("warehouse") / "demo.duckdb"
    con = duckdb.connect(str(path))
    try:
        build_demo_warehouse(con, users=DEMO_USERS)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


@pytest.fixture
def warehouse(warehouse_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo warehouse that a test may write to."""
    target = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse_template, target)
    return target


@pytest.fixture
def write_project(tmp_path: Path) -> Callable[..., Path]:
    def write(files: dict[str, str | bytes | None], name: str = "proj") -> Path:
        """A project folder; it has an empty segl.toml unless `files` maps it to None."""
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        files = {"segl.toml": "", **files}  # a project is a folder with a segl.toml
        for filename, content in files.items():
            if content is None:
                continue
            file = root / filename
            file.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                file.write_bytes(content)
            else:
                file.write_text(content, "utf-8")
        return root

    return write


def assert_unopened_in_one_diagnostic(url: str, said: str) -> None:
    """`segl show outbox --db URL` in a process of its own (the CLI as users run it; a
    driver's own log lines would reach its stderr, which pytest's handlers hide in this
    one): exit 1, E0605 saying `said`, then hints only."""
    ran = subprocess.run(
        [sys.executable, "-m", "segl.runtime.cli", "show", "outbox", str(RETAIL), "--db", url],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert ran.returncode == 1, ran.stderr
    first, *hints = ran.stderr.splitlines()
    assert first.startswith(f"E0605 cannot open {url}: {said}"), ran.stderr
    assert all(line.startswith("  hint: ") for line in hints), ran.stderr


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Result]]:
    """Run `segl ARGS...` in-process from tmp_path (so file labels are relative to it)."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str | Path) -> Result:
        capsys.readouterr()  # drop anything printed before
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        result = Result(code, captured.out, captured.err)
        assert "Traceback" not in result.output, result.output
        assert "internal error" not in result.output, result.output
        return result

    yield run


def locate(text: str, needle: str) -> tuple[int, int]:
    """1-based (line, column) of the first occurrence of needle in text."""
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def diagnostic_block(output: str, head: str) -> list[str]:
    """The lines of the diagnostic whose first line starts with `head`
    (e.g. "proj/s.segl:3:5: E0301"): the header, source line, caret line and hints."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(head):
            block = [line]
            for follow in lines[index + 1 :]:
                if not follow.startswith(" "):
                    break
                block.append(follow)
            return block
    raise AssertionError(f"no diagnostic starting with {head!r} in:\n{output}")


def assert_caret_under(block: list[str], span_text: str, column: int | None = None) -> None:
    """The block shows the source line and a caret line underlining `span_text` exactly
    (at `column`, 1-based, when given; else at its first occurrence)."""
    assert len(block) >= 3, block
    source, carets = block[1], block[2]
    indent = len(source) - len(source.lstrip(" ")) if column is None else 4
    start = source.index(span_text) if column is None else indent + column - 1
    assert source[start : start + len(span_text)] == span_text, block
    assert carets.strip() == "^" * len(span_text), block
    assert carets.index("^") == start, block


# ---------------------------------------------------------------- scheduling
# The slowest tests of a clean-clone CI run (pytest --durations), collected first: the
# Makefile has xdist send one test at a time to whichever worker is free, so the long ones
# are shared between the two workers from the start and the tail is short tests (a long
# test left for the end keeps one worker busy while the other idles). A name here that no
# longer matches anything only loses its place; the order of everything else is kept.
SLOWEST_FIRST = (
    "test_differential.py::test_sql_agrees_with_reference",
    "test_journeys_differential.py::test_the_engines_agree_with_the_reference",
    "test_reports_differential.py::test_funnels_agree_with_the_reference",
    "test_engine_matrix.py::test_differential",
    "test_journeys_kill.py::test_killed_runs_decide_exactly_once_on_spark",
    "test_reports_differential_more.py::test_experiments_agree_with_the_reference",
    "test_engine_spark.py",
    "test_identity.py::test_generated_graphs",
    "test_alerts_differential.py::test_alert_states_agree_with_the_reference",
    "test_journeys_identity.py::test_the_engines_agree_with_the_reference",
    "test_differential.py::test_condition_not_condition_and_is_null_partition_users",
    "test_journeys_engines.py",
    "test_migration_differential.py::test_the_engines_agree_with_the_reference",
    "test_engine_matrix.py",
)


def _slowness_rank(item: pytest.Item) -> int:
    name = item.nodeid.removeprefix("tests/")
    for rank, prefix in enumerate(SLOWEST_FIRST):
        if name.startswith(prefix):
            return rank
    return len(SLOWEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_slowness_rank)  # stable: the rest keep their order

"""Every example project checks, compiles to every dialect, runs on DuckDB over the
demo warehouse, and agrees with the reference evaluator."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import duckdb
import pytest

from segl.compiler.script import compile_run
from segl.compiler.store import Store
from segl.compiler.targets import TARGETS, get_target
from segl.runtime.demo_data import DEMO_ANCHOR, build_demo_warehouse
from segl.runtime.engines import DuckDBEngine
from segl.runtime.project import load_project
from segl.runtime.reference import evaluate
from segl.runtime.results import RunResult
from segl.runtime.run import read_result, run_loaded

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.name for p in (ROOT / "examples").iterdir() if (p / "segl.toml").exists())


def test_examples_are_found() -> None:
    assert {"retail", "nev"} <= set(EXAMPLES)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    con = duckdb.connect(str(path))
    build_demo_warehouse(con, users=600)
    con.close()
    return path


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_checks_without_warnings(example: str) -> None:
    loaded = load_project(ROOT / "examples" / example)
    assert loaded.ok and loaded.diagnostics == []


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("dialect", sorted(TARGETS))
def test_example_compiles_for_every_dialect(example: str, dialect: str) -> None:
    loaded = load_project(ROOT / "examples" / example)
    assert loaded.project is not None
    compiled = compile_run(loaded.project, DEMO_ANCHOR, get_target(dialect))
    script = compiled.script()
    assert compiled.store.members.name == f"segl_{example}_members"
    assert compiled.store.members.name in script


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> list[dict[str, Any]]:
    cursor = con.execute(f'SELECT * FROM "{table}"')
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _assert_agree(expected: RunResult, actual: RunResult) -> None:
    assert actual.users == expected.users
    assert actual.segments == expected.segments
    assert actual.layers == expected.layers
    for tag, values in expected.tags.items():
        wrong = [u for u, v in values.items() if not _same(v, actual.tags[tag].get(u))]
        assert not wrong, (tag, [(u, values[u], actual.tags[tag].get(u)) for u in wrong[:3]])


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_runs_on_duckdb_and_matches_the_reference(example: str, warehouse: Path) -> None:
    loaded = load_project(ROOT / "examples" / example)
    assert loaded.project is not None
    engine = DuckDBEngine(str(warehouse))
    try:
        summary = run_loaded(loaded, engine, DEMO_ANCHOR)
        assert summary.users > 0
        assert any(size > 0 for size in summary.segment_sizes.values())
        compiled = compile_run(loaded.project, DEMO_ANCHOR, engine.target)
        actual = read_result(compiled, engine)
        tables = {s.name: _rows(engine.connection, s.table) for s in loaded.project.sources}
    finally:
        engine.close()
    _assert_agree(evaluate(loaded.project, tables, DEMO_ANCHOR), actual)


def test_history_keeps_other_as_ofs(warehouse: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    loaded = load_project(ROOT / "examples" / "retail")
    assert loaded.project is not None
    store = Store(loaded.project)
    engine = DuckDBEngine(str(copy))
    try:
        earlier = DEMO_ANCHOR - dt.timedelta(days=30)
        first = run_loaded(loaded, engine, earlier)
        latest = run_loaded(loaded, engine, DEMO_ANCHOR)
        again = run_loaded(loaded, engine, earlier)
        assert again.segment_sizes == first.segment_sizes
        # members who registered in the last 30 days are not in the earlier universe
        assert 0 < first.users < latest.users
        runs = engine.query(
            f"SELECT as_of FROM \"{store.runs.name}\" WHERE project = 'retail' ORDER BY as_of"
        )
        assert [r[0] for r in runs] == [earlier, DEMO_ANCHOR]
        # the project's own tags table holds its rows of both as-ofs
        per_user = engine.query(
            f'SELECT as_of, COUNT(*), COUNT(DISTINCT user_id) FROM "{store.tags.name}" '
            "GROUP BY as_of ORDER BY as_of"
        )
        assert [as_of for as_of, _, _ in per_user] == [earlier, DEMO_ANCHOR]
        users = [(count, distinct) for _, count, distinct in per_user]
        assert users == [(first.users, first.users), (latest.users, latest.users)]
    finally:
        engine.close()


def test_examples_are_in_canonical_format() -> None:
    from segl.runtime.cli import main

    assert main(["fmt", "--check", str(ROOT / "examples")]) == 0

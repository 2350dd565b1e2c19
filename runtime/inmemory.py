"""Evaluate a project over Python rows on a fresh in-memory engine: the SQL side
of the differential tests, and a quick way to try rules on a handful of rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from segl.compiler import ir
from segl.compiler.script import compile_run
from segl.compiler.types import Type
from segl.runtime.engines import DuckDBEngine, Engine
from segl.runtime.results import RunResult
from segl.runtime.run import read_result


def load_rows(
    engine: Engine, project: ir.Project, tables: Mapping[str, Sequence[Mapping[str, object]]]
) -> None:
    """Create each source's table with its declared types and fill it."""
    for source in project.sources:
        columns = list(source.columns)
        if source.user_column not in dict(columns):
            sample = next((r[source.user_column] for r in tables.get(source.name, ())), 0)
            kind = Type.STRING if isinstance(sample, str) else Type.NUMBER
            columns.insert(0, (source.user_column, kind))
        rows = [[row.get(name) for name, _ in columns] for row in tables.get(source.name, ())]
        engine.create_table(source.table, columns, rows)


def run_on(
    engine: Engine,
    project: ir.Project,
    tables: Mapping[str, Sequence[Mapping[str, object]]],
    as_of: dt.datetime,
) -> RunResult:
    """Load the rows into the engine's (empty) database, run the project, read back."""
    load_rows(engine, project, tables)
    compiled = compile_run(project, as_of, engine.target)
    engine.execute_run(compiled.frame, compiled.body_sql())
    return read_result(compiled, engine)


def run_in_memory(
    project: ir.Project,
    tables: Mapping[str, Sequence[Mapping[str, object]]],
    as_of: dt.datetime,
    *,
    dialect: str = "duckdb",
) -> RunResult:
    if dialect != "duckdb":
        raise ValueError(f"in-memory runs use DuckDB, not {dialect}")
    engine = DuckDBEngine.scratch()
    try:
        return run_on(engine, project, tables, as_of)
    finally:
        engine.close()

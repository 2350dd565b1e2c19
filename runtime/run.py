"""Running a checked project on an engine: verify the warehouse matches the
declared sources, execute the compiled run in one transaction, read back results."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.script import CompiledRun, OutputTables, compile_run
from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.types import Type
from segl.dsl.diagnostics import Diagnostic, DiagnosticError
from segl.runtime.engines import Engine, EngineError
from segl.runtime.project import LoadedProject
from segl.runtime.results import RunResult


@dataclass
class RunSummary:
    project: str
    as_of: dt.datetime
    users: int
    seconds: float
    segment_sizes: dict[str, int] = field(default_factory=dict)
    layer_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    tags: int = 0


def _expected_columns(source: ir.Source) -> list[tuple[str, Type | None]]:
    wanted: list[tuple[str, Type | None]] = list(source.columns)
    declared = {name for name, _ in wanted}
    if source.user_column not in declared:
        wanted.insert(0, (source.user_column, None))
    return wanted


def verify_sources(loaded: LoadedProject, engine: Engine) -> list[Diagnostic]:
    """Every declared table and column exists in the warehouse with a fitting type."""
    assert loaded.project is not None
    problems: list[Diagnostic] = []
    for source in loaded.project.sources:
        stmt = loaded.source_def(source.name)
        span = stmt.span if stmt else None
        actual = engine.columns_of(source.table)
        refused = engine.table_name_problem(source.table) if actual is None else None
        if refused is not None:
            problems.append(
                Diagnostic(
                    "E0608",
                    f"table '{source.table}' of source '{source.name}' cannot exist in the "
                    f"{engine.name} database: {refused}",
                    span,
                    ("rename the warehouse table, then the source's `from table`",),
                )
            )
            continue
        if actual is None:
            problems.append(
                Diagnostic(
                    "E0602",
                    f"table '{source.table}' of source '{source.name}' does not exist in the "
                    f"{engine.name} database",
                    span,
                    ("check the table name, or the --db URL",),
                )
            )
            continue
        lowered = {name.lower(): (name, kind) for name, kind in actual.items()}
        for name, declared in _expected_columns(source):
            column_span = span
            if stmt is not None:
                column_span = next((c.span for c in stmt.columns if c.name == name), span)
            found = actual.get(name) or (lowered.get(name.lower(), (None, None))[1])
            if found is None:
                problems.append(
                    Diagnostic(
                        "E0603",
                        f"table '{source.table}' has no column '{name}'",
                        column_span,
                        ("its columns: " + ", ".join(actual),),
                    )
                )
            elif declared is not None and not engine.fits(declared, found):
                problems.append(
                    Diagnostic(
                        "E0604",
                        f"column '{source.table}.{name}' is {found} in the database, "
                        f"but declared {declared}",
                        column_span,
                        ("fix the declaration or cast the column in a view",),
                    )
                )
    return problems


def compile_for(loaded: LoadedProject, engine: Engine, as_of: dt.datetime) -> CompiledRun:
    assert loaded.project is not None
    return compile_run(
        loaded.project,
        as_of,
        engine.target,
        tables=OutputTables(loaded.settings.table_prefix),
        run_at=dt.datetime.now().replace(microsecond=0),
    )


def execute(compiled: CompiledRun, engine: Engine) -> float:
    started = time.perf_counter()
    try:
        engine.execute_in_transaction(compiled.body_sql())
    except EngineError as err:
        raise DiagnosticError(
            [
                Diagnostic(
                    "E0605",
                    f"the {engine.name} database refused the run: {err}",
                    None,
                    ("nothing was written; earlier results are unchanged",),
                )
            ]
        ) from None
    return time.perf_counter() - started


def run_loaded(loaded: LoadedProject, engine: Engine, as_of: dt.datetime) -> RunSummary:
    """Verify, compile, execute; raises DiagnosticError for data problems."""
    problems = verify_sources(loaded, engine)
    if problems:
        raise DiagnosticError(problems)
    compiled = compile_for(loaded, engine, as_of)
    engine.use_timezone(loaded.settings.config.timezone)
    seconds = execute(compiled, engine)
    return summarize(compiled, engine, seconds)


def _as_of_filter(compiled: CompiledRun) -> exp.Expression:
    """This project's rows for this as-of."""
    project = compiled.target.string(compiled.plan.project.name)
    return exp.And(
        this=exp.EQ(this=col("as_of"), expression=compiled.as_of_literal()),
        expression=exp.EQ(this=col("project"), expression=project),
    )


def _count_by(compiled: CompiledRun, table: str, keys: list[str]) -> exp.Select:
    return (
        exp.Select(expressions=[*(col(k) for k in keys), exp.Count(this=exp.Star())])
        .from_(table_ref(table), copy=False)
        .where(_as_of_filter(compiled), copy=False)
        .group_by(*(col(k) for k in keys), copy=False)
    )


def summarize(compiled: CompiledRun, engine: Engine, seconds: float) -> RunSummary:
    tables, target = compiled.tables, compiled.target
    project = compiled.plan.project
    users_query = (
        exp.Select(expressions=[col("users")])
        .from_(table_ref(tables.runs), copy=False)
        .where(_as_of_filter(compiled), copy=False)
    )
    users = engine.query(render(users_query, target, pretty=False))
    sizes = dict.fromkeys((s.name for s in project.segments), 0)
    for segment, count in engine.query(
        render(_count_by(compiled, tables.members, ["segment"]), target)
    ):
        sizes[segment] = int(count)
    layers: dict[str, dict[str, int]] = {
        la.name: dict.fromkeys((layer.name for layer in la.layers), 0) for la in project.layerings
    }
    query = _count_by(compiled, tables.layers, ["layering", "layer"])
    for layering, layer, count in engine.query(render(query, target)):
        layers.setdefault(layering, {})[layer] = int(count)
    return RunSummary(
        project.name,
        compiled.as_of,
        int(users[0][0]) if users else 0,
        seconds,
        sizes,
        layers,
        len(project.tags),
    )


def read_result(compiled: CompiledRun, engine: Engine) -> RunResult:
    """Everything one run wrote for its as-of, read back from the history tables."""
    tables, target = compiled.tables, compiled.target
    project = compiled.plan.project
    result = RunResult(compiled.as_of)
    where = _as_of_filter(compiled)
    tag_names = [t.name for t in project.tags]
    tag_types = [t.type for t in project.tags]
    query = (
        exp.Select(expressions=[col("user_id"), *(col(n) for n in tag_names)])
        .from_(table_ref(tables.tags), copy=False)
        .where(where, copy=False)
    )
    result.tags = {name: {} for name in tag_names}
    for row in engine.query(render(query, target)):
        result.users.add(row[0])
        for name, kind, value in zip(tag_names, tag_types, row[1:], strict=True):
            result.tags[name][row[0]] = engine.decode(value, kind)
    result.segments = {s.name: set() for s in project.segments}
    members = (
        exp.Select(expressions=[col("segment"), col("user_id")])
        .from_(table_ref(tables.members), copy=False)
        .where(where.copy(), copy=False)
    )
    for segment, user in engine.query(render(members, target)):
        result.segments[segment].add(user)
    result.layers = {la.name: {} for la in project.layerings}
    layers = (
        exp.Select(expressions=[col("layering"), col("user_id"), col("layer")])
        .from_(table_ref(tables.layers), copy=False)
        .where(where.copy(), copy=False)
    )
    for layering, user, layer in engine.query(render(layers, target)):
        result.layers[layering][user] = layer
    return result

"""Engine-matrix provider for Spark: one local session per test run (ENGINEERING §5.10),
each engine on a fresh database `seg_<label>`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.script import CompiledRun, compile_run
from segl.compiler.sqlgen import USER, aliased, col, ident, render
from segl.compiler.targets import Target
from segl.compiler.types import Type
from segl.runtime.engines import Engine
from segl.runtime.inmemory import load_rows
from segl.runtime.results import RunResult

NAME = "spark"

# matrix test name -> "reason; raises <ExceptionType>: <message>"; empty: Spark passes all
# (its catalog's table names are an asserted limit: TABLE_NAME_LIMITS in the matrix test)
LIMITS: dict[str, str] = {}

_state: dict[str, object] = {}


def start() -> object:
    """The process's local SparkSession (created once, reused by every caller)."""
    if "session" in _state:
        return _state["session"]
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from segl.runtime.engine_spark import local_session

    warehouse = Path(tempfile.mkdtemp(prefix="segl-spark-"))
    _state["warehouse"] = warehouse
    # no Hive metastore: an in-memory catalog starts faster and the tests need no persistence
    # tiny data: interpreted expressions and one shuffle partition beat code generation
    # (compiling the generated Java of a large rule set costs seconds per run)
    settings = {
        "spark.sql.shuffle.partitions": "1",
        "spark.sql.codegen.wholeStage": "false",
        "spark.sql.codegen.factoryMode": "NO_CODEGEN",
        # folding projections into in-memory relations is the costliest optimizer rule on
        # the views of generated scenarios; the tiny scans are cheaper run than folded
        "spark.sql.optimizer.excludedRules": (
            "org.apache.spark.sql.catalyst.optimizer.ConvertToLocalRelation"
        ),
    }
    _state["session"] = local_session(
        "local[2]", warehouse, hive=False, timezone="UTC", settings=settings
    )
    return _state["session"]


def fresh_engine(handle: object, label: str) -> Engine:
    from segl.runtime.engine_spark import SparkEngine

    database = "seg_" + re.sub(r"[^A-Za-z0-9_]", "_", label).lower()
    quoted = f"`{database}`"
    engine = SparkEngine(handle, "default")
    engine.query(f"DROP DATABASE IF EXISTS {quoted} CASCADE")
    return SparkEngine(handle, database)


def drop(engine: Engine) -> None:
    """Free a fresh engine's database and the session's temporary views: the session is
    the process's, and a view named `users` left by one test shadows the `users` table of
    every later one (a test copying the demo warehouse read another test's rows)."""
    from segl.runtime.engine_spark import SparkEngine

    assert isinstance(engine, SparkEngine)
    session = engine.session
    # SHOW VIEWS: the catalog's listTables fails to decode some temporary views
    for row in session.sql("SHOW VIEWS").collect():
        if row["isTemporary"]:
            session.catalog.dropTempView(row["viewName"])
    session.sql("USE default")
    session.sql(f"DROP DATABASE IF EXISTS `{engine.database}` CASCADE")


def stop(handle: object) -> None:
    handle.stop()  # type: ignore[attr-defined]
    warehouse = _state.get("warehouse")
    _state.clear()
    if isinstance(warehouse, Path):
        shutil.rmtree(warehouse, ignore_errors=True)


# ---------------------------------------------------------------- batched per-user results
#
# Planning and scheduling a query costs Spark about a second however small the data, so the
# generated differential and partition tests evaluate many scenarios in one query: each
# scenario's sources become temporary views under its own prefix, its compiled per-user
# query (the one `segl run` caches before writing history) is unpivoted by `stack` into
# typed rows (scenario, user, kind, name, value per type), and the branches are unioned.

Case = tuple[ir.Project, Mapping[str, Sequence[Mapping[str, object]]], dt.datetime]

# the value slot of each segl type in the unpivoted rows (other types are strings, as
# `Target.sql_type` stores them)
_SLOTS = (Type.NUMBER, Type.STRING, Type.BOOL, Type.DATE, Type.TIMESTAMP)


def _slot(kind: Type) -> Type:
    return kind if kind in _SLOTS else Type.STRING


def _prefixed(project: ir.Project, prefix: str) -> ir.Project:
    sources = tuple(dataclasses.replace(s, table=prefix + s.table) for s in project.sources)
    return dataclasses.replace(project, sources=sources)


def _outputs(compiled: CompiledRun) -> list[tuple[str, str, Type, exp.Expression]]:
    """(kind, name, type, value) per definition, valued as the history tables store it:
    a tag cast to its type, a segment's membership, a layering's layer."""
    target = compiled.target
    outputs: list[tuple[str, str, Type, exp.Expression]] = []
    stored = {d.name for d in compiled.store.project.definitions}  # not hidden ones
    for column in compiled.plan.columns:
        definition, value = column.definition, col(column.column)
        if definition.name not in stored:
            continue
        if isinstance(definition, ir.Tag):
            kind = _slot(definition.type)
            outputs.append(("t", definition.name, kind, target.cast(value, definition.type)))
        elif isinstance(definition, ir.Segment):
            member = exp.EQ(this=value, expression=target.boolean(True))
            outputs.append(
                (
                    "s",
                    definition.name,
                    Type.BOOL,
                    exp.Coalesce(this=member, expressions=[exp.false()]),
                )
            )
        elif isinstance(definition, ir.Layering):
            outputs.append(("l", definition.name, Type.STRING, value))
    return outputs


def _stack_row(
    target: Target, kind: str, name: str, slot: Type, value: exp.Expression
) -> list[exp.Expression]:
    """One unpivoted row: kind, name, then the value in its type's slot, null elsewhere."""
    values = [value if s is slot else target.null(s) for s in _SLOTS]
    return [target.string(kind), target.string(name), *values]


def _unpivoted(compiled: CompiledRun, scenario: int) -> exp.Select:
    """`SELECT <scenario>, _u, STACK(n, kind, name, <value per slot>...) FROM (query)`; a
    "u" row per user tells the users apart from their values."""
    target = compiled.target
    rows = [_stack_row(target, "u", "", Type.STRING, target.null(Type.STRING))]
    rows += [_stack_row(target, *output) for output in _outputs(compiled)]
    stack = exp.Anonymous(
        this="STACK", expressions=[exp.Literal.number(len(rows)), *itertools.chain(*rows)]
    )
    names = ["kind", "name", *(f"v{i}" for i in range(len(_SLOTS)))]
    subquery = exp.Subquery(this=compiled.query, alias=exp.TableAlias(this=ident("q")))
    return exp.Select(
        expressions=[
            aliased(exp.Literal.number(scenario), "scenario"),
            col(USER),
            exp.Alias(this=stack, alias=exp.Tuple(expressions=[ident(n) for n in names])),
        ]
    ).from_(subquery, copy=False)


def _empty_result(compiled: CompiledRun) -> RunResult:
    project = compiled.store.project
    result = RunResult(compiled.as_of)
    result.tags = {t.name: {} for t in project.tags}
    result.segments = {s.name: set() for s in project.segments}
    result.layers = {la.name: {} for la in project.layerings}
    return result


def run_batch(engine: Engine, cases: Sequence[Case]) -> list[RunResult]:
    """The per-user result of every case (users, tags, segments, layers), from one query."""
    from segl.runtime.engine_spark import SparkEngine

    assert isinstance(engine, SparkEngine)
    compiled: list[CompiledRun] = []
    engine.sources_as_views = True
    try:
        for index, (project, tables, as_of) in enumerate(cases):
            prefixed = _prefixed(project, f"b{index}_")
            load_rows(engine, prefixed, tables)
            compiled.append(compile_run(prefixed, as_of, engine.target))
    finally:
        engine.sources_as_views = False
    timezones = {project.timezone for project, _, _ in cases}
    assert len(timezones) == 1, f"one session zone per batch, got {timezones}"
    engine.use_timezone(timezones.pop())
    branches = [_unpivoted(c, index) for index, c in enumerate(compiled)]
    union = functools.reduce(lambda a, b: exp.Union(this=a, expression=b, distinct=False), branches)
    results = [_empty_result(c) for c in compiled]
    types = [{t.name: t.type for t in c.store.project.tags} for c in compiled]
    for scenario, user, kind, name, *slots in engine.query(render(union, engine.target)):
        result = results[scenario]
        if kind == "u":
            result.users.add(user)
        elif kind == "t":
            value_type = types[scenario][name]
            value = slots[_SLOTS.index(_slot(value_type))]
            result.tags[name][user] = engine.decode(value, value_type)
        elif kind == "s" and slots[_SLOTS.index(Type.BOOL)]:
            result.segments[name].add(user)
        elif kind == "l" and slots[_SLOTS.index(Type.STRING)] is not None:
            result.layers[name][user] = slots[_SLOTS.index(Type.STRING)]
    return results

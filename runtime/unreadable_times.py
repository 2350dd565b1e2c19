"""W0606: times a run cannot read. An engine that keeps times as text (SQLite; a ClickHouse
`String` column) reads a value in none of the forms docs/engines.md lists (an offset or a
`Z`, a number, any other text) as null: an event without a time is in no window, a
`created` without one counts as always there. Such values are counted and said, with an
example, not silently left out."""

from __future__ import annotations

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.sqlgen import aliased, col, render, table_ref
from segl.compiler.sqlgen.nodes import subquery
from segl.compiler.targets import Target
from segl.compiler.types import Type
from segl.dsl.diagnostics import Diagnostic, Severity
from segl.runtime.engines import Engine
from segl.runtime.project import LoadedProject
from segl.runtime.tables import printable

TIMES = (Type.DATE, Type.TIMESTAMP)
EXAMPLE_LENGTH = 40


def unreadable_times(loaded: LoadedProject, engine: Engine) -> list[Diagnostic]:
    """One warning per date or timestamp column holding values the engine reads as null."""
    assert loaded.project is not None
    found: list[Diagnostic] = []
    if not engine.times_as_text:  # not even a look at the catalog
        return found
    for source in loaded.project.sources:
        columns = _text_time_columns(engine, source)
        if not columns:
            continue
        counts = _count_unreadable(engine, source, columns)
        for (name, _), (count, example) in zip(columns, counts, strict=True):
            if count:
                found.append(_warning(loaded, source, name, count, example))
    return found


def _text_time_columns(engine: Engine, source: ir.Source) -> list[tuple[str, Type]]:
    """The source's date and timestamp columns the engine may hold as text."""
    actual = engine.columns_of(source.table) or {}
    lowered = {name.lower(): kind for name, kind in actual.items()}
    return [
        (name, kind)
        for name, kind in source.columns
        if kind in TIMES
        and engine.holds_time_as_text(actual.get(name) or lowered.get(name.lower(), ""))
    ]


def _count_unreadable(
    engine: Engine, source: ir.Source, columns: list[tuple[str, Type]]
) -> list[tuple[int, object]]:
    """Per column: the rows with a value read as null, and the smallest such value; each
    row's value is tested once (a flag per column), then counted and compared."""
    target = engine.target
    flags: list[exp.Expression] = []
    totals: list[exp.Expression] = []
    for index, (name, kind) in enumerate(columns):
        raw, flag = col(name, "t"), f"_lost{index}"
        flags += [raw.copy(), aliased(_lost(target, raw, kind), flag)]
        lost = exp.EQ(this=col(flag), expression=exp.Literal.number(1))
        totals.append(exp.Sum(this=col(flag)))
        totals.append(exp.Min(this=exp.Case(ifs=[exp.If(this=lost, true=col(name))])))
    rows = exp.Select(expressions=flags).from_(table_ref(source.table, "t"), copy=False)
    query = exp.Select(expressions=totals).from_(subquery(rows, "f"), copy=False)
    row = engine.query(render(query, target, pretty=False))[0]
    return [(int(row[i] or 0), row[i + 1]) for i in range(0, len(row), 2)]


def _lost(target: Target, raw: exp.Expression, kind: Type) -> exp.Case:
    """1 where the value is not null and reads as no time, else 0: the cheap tests first,
    so a CASE reads the value only where they do not decide."""
    zero, one = exp.Literal.number(0), exp.Literal.number(1)
    surely: list[exp.Expression] = [exp.Is(this=raw.copy(), expression=exp.null())]
    surely += [t for t in [target.canonical_time(raw, kind)] if t is not None]
    decided = [exp.If(this=test, true=zero.copy()) for test in surely]
    unread = exp.Is(this=target.read_column(raw.copy(), kind), expression=exp.null())
    return exp.Case(ifs=[*decided, exp.If(this=unread, true=one)], default=zero)


def _warning(
    loaded: LoadedProject, source: ir.Source, column: str, count: int, example: object
) -> Diagnostic:
    shown = printable(str(example))
    if len(shown) > EXAMPLE_LENGTH:
        shown = shown[:EXAMPLE_LENGTH] + "..."
    rows = "1 row has" if count == 1 else f"{count:,} rows have"
    stmt = loaded.source_def(source.name)
    return Diagnostic(
        "W0606",
        f"source '{source.name}' (table {source.table}): {rows} a {column} that is no time "
        f"segl reads (e.g. '{shown}'), so {_consequence(source, column)}",
        stmt.span if stmt else None,
        (
            "write times as YYYY-MM-DD HH:MM:SS[.ffffff] in the project's time zone (dates as "
            "YYYY-MM-DD), or convert them in a view (docs/engines.md)",
        ),
        Severity.WARNING,
    )


def _consequence(source: ir.Source, column: str) -> str:
    if column == source.time_column:
        return "those events are in no window, funnel or journey"
    if column == source.created:
        return "those rows count as created before every as-of"
    if column in (source.valid_from, source.valid_to):
        return "those versions read it as an open bound"
    return "it is null there"

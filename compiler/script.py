"""A whole run as SQL statements: compute the per-user result once, then replace
this as-of's rows in the history tables (tag values, segment members, layers, runs).

The same statements are what `segl compile` writes and what `segl run` executes
inside one transaction, so a failed run leaves earlier results untouched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.plan import Plan, build_plan
from segl.compiler.sqlgen import (
    USER,
    aliased,
    build_query,
    build_result_query,
    col,
    ident,
    render,
)
from segl.compiler.targets import Target, dtype
from segl.compiler.types import Type
from segl.dsl.perf import collector_paused


@dataclass(frozen=True)
class OutputTables:
    prefix: str = "segl_"

    @property
    def result(self) -> str:
        return f"{self.prefix}result"

    @property
    def tags(self) -> str:
        return f"{self.prefix}tags"

    @property
    def members(self) -> str:
        return f"{self.prefix}members"

    @property
    def layers(self) -> str:
        return f"{self.prefix}layers"

    @property
    def runs(self) -> str:
        return f"{self.prefix}runs"


def _table(name: str) -> exp.Table:
    return exp.Table(this=ident(name))


def _false() -> exp.Expression:
    return exp.EQ(this=exp.Literal.number(1), expression=exp.Literal.number(0))


@dataclass
class CompiledRun:
    plan: Plan
    target: Target
    query: exp.Select
    tables: OutputTables
    run_at: dt.datetime | None  # None: the moment the script runs (audit only)
    # segment column -> its condition over the result table, for segments whose flag the
    # result does not store (QueryBuilder.deferrable_segments in sqlgen)
    deferred: dict[str, exp.Expression] = field(default_factory=dict)

    @property
    def as_of(self) -> dt.datetime:
        return self.plan.as_of

    def as_of_literal(self) -> exp.Expression:
        return self.target.timestamp(self.as_of)

    # ------------------------------------------------------------ statements
    def _keys(self) -> list[exp.Expression]:
        """as_of and project lead every history row: a run replaces exactly its own rows."""
        return [self.as_of_literal(), self.target.string(self.plan.project.name)]

    def _typed_null(self, value_type: Type) -> exp.Expression:
        return self.target.cast(exp.null(), value_type)

    def _history(
        self,
        table: str,
        shape: list[tuple[str, exp.Expression]],
        rows: list[exp.Select],
        added: list[exp.ColumnDef] | None = None,
    ) -> list[exp.Expression]:
        """Create the table if needed (typed by the engine from `shape`), add new
        columns, delete this run's old rows, insert the new ones."""
        keys = [
            ("as_of", self._typed_null(Type.TIMESTAMP)),
            ("project", self._typed_null(Type.STRING)),
        ]
        columns = keys + shape
        like = exp.Select(expressions=[aliased(value, name) for name, value in columns])
        like = like.from_(_table(self.tables.result), copy=False).where(_false(), copy=False)
        statements: list[exp.Expression] = [
            exp.Create(this=_table(table), kind="TABLE", exists=True, expression=like)
        ]
        statements += [
            exp.Alter(this=_table(table), kind="TABLE", actions=[column]) for column in added or []
        ]
        match_run = exp.And(
            this=exp.EQ(this=col("as_of"), expression=self.as_of_literal()),
            expression=exp.EQ(
                this=col("project"), expression=self.target.string(self.plan.project.name)
            ),
        )
        insert = None
        if rows:
            names = [ident(name) for name, _ in columns]
            schema = exp.Schema(this=_table(table), expressions=names)
            insert = exp.Insert(this=schema, expression=_union(rows))
        return self.target.replace_rows(table, statements, match_run, insert)

    def _rows(
        self, values: list[exp.Expression], where: exp.Expression | None = None
    ) -> exp.Select:
        query = exp.Select(expressions=self._keys() + values)
        query = query.from_(_table(self.tables.result), copy=False)
        return query.where(where, copy=False) if where is not None else query

    def tag_statements(self) -> list[exp.Expression]:
        shape: list[tuple[str, exp.Expression]] = [("user_id", col(USER))]
        added: list[exp.ColumnDef] = []
        for column in self.plan.columns:
            definition = column.definition
            if isinstance(definition, ir.Tag):
                shape.append(
                    (definition.name, self.target.cast(col(column.column), definition.type))
                )
                added.append(
                    exp.ColumnDef(
                        this=ident(definition.name),
                        kind=self.target.sql_type(definition.type),
                        exists=True,
                    )
                )
        rows = [self._rows([value.copy() for _, value in shape])]
        if not self.target.add_column_if_not_exists:
            added = []
        return self._history(self.tables.tags, shape, rows, added)

    def member_statements(self) -> list[exp.Expression]:
        shape = [("segment", self._typed_null(Type.STRING)), ("user_id", col(USER))]
        flags = [
            (
                c.definition.name,
                self.deferred[c.column] if c.column in self.deferred else col(c.column),
            )
            for c in self.plan.columns
            if isinstance(c.definition, ir.Segment)
        ]
        rows = self.target.flagged_rows(_table(self.tables.result), self._keys(), col(USER), flags)
        return self._history(self.tables.members, shape, rows)

    def layer_statements(self) -> list[exp.Expression]:
        shape = [
            ("layering", self._typed_null(Type.STRING)),
            ("user_id", col(USER)),
            ("layer", self._typed_null(Type.STRING)),
        ]
        rows = [
            self._rows(
                [self.target.string(c.definition.name), col(USER), col(c.column)],
                exp.Not(this=exp.Paren(this=exp.Is(this=col(c.column), expression=exp.null()))),
            )
            for c in self.plan.columns
            if isinstance(c.definition, ir.Layering)
        ]
        return self._history(self.tables.layers, shape, rows)

    def run_statements(self) -> list[exp.Expression]:
        shape = [
            ("run_at", self._typed_null(Type.TIMESTAMP)),
            ("users", exp.Cast(this=exp.null(), to=dtype(exp.DType.BIGINT))),
        ]
        count = exp.Cast(this=exp.Count(this=exp.Star()), to=dtype(exp.DType.BIGINT))
        run_at = (
            self.target.timestamp(self.run_at)
            if self.run_at is not None
            else self.target.to_timestamp(exp.CurrentTimestamp())
        )
        rows = [self._rows([run_at, count])]
        return self._history(self.tables.runs, shape, rows)

    def body(self) -> list[exp.Expression]:
        """Everything between BEGIN and COMMIT."""
        return [
            self.target.create_temp_table(self.tables.result, self.query),
            *self.tag_statements(),
            *self.member_statements(),
            *self.layer_statements(),
            *self.run_statements(),
            *self.target.finish_run(
                [self.tables.tags, self.tables.members, self.tables.layers, self.tables.runs]
            ),
            exp.Drop(tables=[_table(self.tables.result)], kind="TABLE", exists=True),
        ]

    def body_sql(self) -> list[str]:
        with collector_paused():
            return [render(statement, self.target) for statement in self.body()]

    def query_sql(self) -> str:
        """The per-user query with a column for every definition (`segl debug sql`); the
        result table of a run may leave out the deferred segment flags."""
        with collector_paused():
            return render(build_query(self.plan, self.target), self.target)

    def script(self) -> str:
        """A runnable script: header, BEGIN, body, COMMIT."""
        project = self.plan.project
        header = [
            f"-- segl: project '{project.name}', target {self.target.name}",
            f"-- as of {self.as_of:%Y-%m-%d %H:%M:%S} ({project.timezone}); "
            "window bounds below are literals computed from it",
            f"-- results: {self.tables.tags}, {self.tables.members}, {self.tables.layers}, "
            f"{self.tables.runs}",
        ]
        statements = self.body_sql()
        begin, commit = self.target.begin(), self.target.commit()
        zone = self.target.session_timezone(project.timezone)
        if zone is not None:
            statements.insert(0, render(zone, self.target))
        if begin is not None:
            statements.insert(0, render(begin, self.target))
        if commit is not None:
            statements.append(render(commit, self.target))
        statements += [render(statement, self.target) for statement in self.target.after_commit()]
        return "\n".join(header) + "\n\n" + ";\n\n".join(statements) + ";\n"


def _union(selects: Sequence[exp.Query]) -> exp.Query:
    result = selects[0]
    for select in selects[1:]:
        result = exp.Union(this=result, expression=select, distinct=False)
    return result


def compile_run(
    project: ir.Project,
    as_of: dt.datetime,
    target: Target,
    *,
    tables: OutputTables | None = None,
    run_at: dt.datetime | None = None,
) -> CompiledRun:
    with collector_paused():
        plan = build_plan(project, as_of)
        query, deferred = build_result_query(plan, target)
    return CompiledRun(plan, target, query, tables or OutputTables(), run_at, deferred)

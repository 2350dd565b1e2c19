"""A whole run as SQL statements: compute the per-user result once, then replace
this as-of's rows in the history tables (tag values, segment members, layers, runs).

The same statements are what `segl compile` writes and what `segl run` executes
inside one transaction, so a failed run leaves earlier results untouched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.plan import Plan, build_plan
from segl.compiler.sqlgen import USER, aliased, build_query, col, ident, render
from segl.compiler.targets import Target
from segl.compiler.types import Type


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
    run_at: dt.datetime

    @property
    def as_of(self) -> dt.datetime:
        return self.plan.as_of

    def as_of_literal(self) -> exp.Expression:
        return self.target.timestamp(self.as_of)

    # ------------------------------------------------------------ statements
    def _create_like(self, table: str, columns: list[exp.Expression]) -> exp.Expression:
        """Create a history table shaped like its insert, typed by the engine itself."""
        query = exp.Select(expressions=columns).from_(_table(self.tables.result), copy=False)
        return exp.Create(
            this=_table(table), kind="TABLE", exists=True, expression=query.where(_false())
        )

    def _typed_null(self, value_type: Type) -> exp.Expression:
        return self.target.cast(exp.null(), value_type)

    def _delete_as_of(self, table: str) -> exp.Expression:
        condition = exp.EQ(this=col("as_of"), expression=self.as_of_literal())
        return exp.Delete(this=_table(table), where=exp.Where(this=condition))

    def _insert(self, table: str, names: list[str], query: exp.Query) -> exp.Expression:
        schema = exp.Schema(this=_table(table), expressions=[ident(n) for n in names])
        return exp.Insert(this=schema, expression=query)

    def tag_statements(self) -> list[exp.Expression]:
        tags = [c for c in self.plan.columns if isinstance(c.definition, ir.Tag)]
        names = ["as_of", "user_id", *(c.definition.name for c in tags)]
        shape: list[exp.Expression] = [
            aliased(self._typed_null(Type.TIMESTAMP), "as_of"),
            aliased(col(USER), "user_id"),
        ]
        values: list[exp.Expression] = [self.as_of_literal(), col(USER)]
        for column in tags:
            assert isinstance(column.definition, ir.Tag)
            typed = self.target.cast(col(column.column), column.definition.type)
            shape.append(aliased(typed, column.definition.name))
            values.append(typed.copy())
        statements = [self._create_like(self.tables.tags, shape)]
        if self.target.add_column_if_not_exists:
            for column in tags:
                assert isinstance(column.definition, ir.Tag)
                added = exp.ColumnDef(
                    this=ident(column.definition.name),
                    kind=self.target.sql_type(column.definition.type),
                    exists=True,
                )
                statements.append(
                    exp.Alter(this=_table(self.tables.tags), kind="TABLE", actions=[added])
                )
        statements.append(self._delete_as_of(self.tables.tags))
        query = exp.Select(expressions=values).from_(_table(self.tables.result), copy=False)
        statements.append(self._insert(self.tables.tags, names, query))
        return statements

    def member_statements(self) -> list[exp.Expression]:
        shape: list[exp.Expression] = [
            aliased(self._typed_null(Type.TIMESTAMP), "as_of"),
            aliased(self._typed_null(Type.STRING), "segment"),
            aliased(col(USER), "user_id"),
        ]
        statements = [
            self._create_like(self.tables.members, shape),
            self._delete_as_of(self.tables.members),
        ]
        selects: list[exp.Query] = []
        for column in self.plan.columns:
            if isinstance(column.definition, ir.Segment):
                values = [
                    self.as_of_literal(),
                    self.target.string(column.definition.name),
                    col(USER),
                ]
                member = exp.EQ(this=col(column.column), expression=self.target.boolean(True))
                selects.append(
                    exp.Select(expressions=values)
                    .from_(_table(self.tables.result), copy=False)
                    .where(member, copy=False)
                )
        if selects:
            statements.append(
                self._insert(self.tables.members, ["as_of", "segment", "user_id"], _union(selects))
            )
        return statements

    def layer_statements(self) -> list[exp.Expression]:
        shape: list[exp.Expression] = [
            aliased(self._typed_null(Type.TIMESTAMP), "as_of"),
            aliased(self._typed_null(Type.STRING), "layering"),
            aliased(col(USER), "user_id"),
            aliased(self._typed_null(Type.STRING), "layer"),
        ]
        statements = [
            self._create_like(self.tables.layers, shape),
            self._delete_as_of(self.tables.layers),
        ]
        selects: list[exp.Query] = []
        for column in self.plan.columns:
            if isinstance(column.definition, ir.Layering):
                name = self.target.string(column.definition.name)
                values = [self.as_of_literal(), name, col(USER), col(column.column)]
                assigned = exp.Not(
                    this=exp.Paren(this=exp.Is(this=col(column.column), expression=exp.null()))
                )
                selects.append(
                    exp.Select(expressions=values)
                    .from_(_table(self.tables.result), copy=False)
                    .where(assigned, copy=False)
                )
        if selects:
            statements.append(
                self._insert(
                    self.tables.layers, ["as_of", "layering", "user_id", "layer"], _union(selects)
                )
            )
        return statements

    def run_statements(self) -> list[exp.Expression]:
        shape: list[exp.Expression] = [
            aliased(self._typed_null(Type.TIMESTAMP), "as_of"),
            aliased(self._typed_null(Type.STRING), "project"),
            aliased(self._typed_null(Type.TIMESTAMP), "run_at"),
            aliased(self._typed_null(Type.NUMBER), "users"),
        ]
        create = self._create_like(self.tables.runs, shape)
        values: list[exp.Expression] = [
            self.as_of_literal(),
            self.target.string(self.plan.project.name),
            self.target.timestamp(self.run_at),
            self.target.cast(exp.Count(this=exp.Star()), Type.NUMBER),
        ]
        query = exp.Select(expressions=values).from_(_table(self.tables.result), copy=False)
        return [
            create,
            self._delete_as_of(self.tables.runs),
            self._insert(self.tables.runs, ["as_of", "project", "run_at", "users"], query),
        ]

    def body(self) -> list[exp.Expression]:
        """Everything between BEGIN and COMMIT."""
        return [
            self.target.create_temp_table(self.tables.result, self.query),
            *self.tag_statements(),
            *self.member_statements(),
            *self.layer_statements(),
            *self.run_statements(),
            exp.Drop(tables=[_table(self.tables.result)], kind="TABLE", exists=True),
        ]

    def body_sql(self) -> list[str]:
        return [render(statement, self.target) for statement in self.body()]

    def query_sql(self) -> str:
        return render(self.query, self.target)

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
        if begin is not None:
            statements.insert(0, render(begin, self.target))
        if commit is not None:
            statements.append(render(commit, self.target))
        return "\n".join(header) + "\n\n" + ";\n\n".join(statements) + ";\n"


def _union(selects: list[exp.Query]) -> exp.Query:
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
    plan = build_plan(project, as_of)
    query = build_query(plan, target)
    return CompiledRun(
        plan, target, query, tables or OutputTables(), run_at or dt.datetime(1970, 1, 1)
    )

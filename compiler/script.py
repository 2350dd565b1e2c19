"""A whole run as SQL statements: compute the per-user result once, then replace this
as-of's rows in the history tables of the result store (compiler/store.py): tag values,
segment members, layers, and the run log.

The same statements are what `segl compile` writes and what `segl run` executes, framed
alike (compiler/framing.py): in one transaction where the target has them, so a failed
run leaves earlier results untouched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.fingerprints import definitions_json
from segl.compiler.framing import Frame
from segl.compiler.identity import IdentitySql
from segl.compiler.plan import Plan, build_plan
from segl.compiler.sqlgen import USER, aliased, build_query, build_result_query, col, render
from segl.compiler.sqlgen.nodes import and_all, union_all
from segl.compiler.store import DEFAULT_PREFIX, Column, Kind, Store, Table
from segl.compiler.targets import Target
from segl.compiler.targets.base import quoted_table
from segl.compiler.timeutil import wall_text
from segl.compiler.types import Type
from segl.dsl.perf import collector_paused

# A statement to execute: its SQL, or a function giving it at the moment it runs (the run
# log's row, which records how long the run took until then).
Statement = str | Callable[[], str]


@dataclass(frozen=True)
class RunInfo:
    """What the run log records besides the results: None for a compiled script, whose
    clock and duration are the warehouse's when it runs the script."""

    run_at: dt.datetime | None = None  # an aware instant
    segl_version: str = "unknown"


def _false() -> exp.Expression:
    return exp.EQ(this=exp.Literal.number(1), expression=exp.Literal.number(0))


@dataclass
class CompiledRun:
    plan: Plan
    target: Target
    query: exp.Select
    store: Store
    info: RunInfo = field(default_factory=RunInfo)
    # segment column -> its condition over the result table, for segments whose flag the
    # result does not store (QueryBuilder.deferrable_segments in sqlgen)
    deferred: dict[str, exp.Expression] = field(default_factory=dict)
    # the columns each history table has in the database (name -> column names), when the
    # caller knows (a run: missing columns are added with plain ADD COLUMN); None for a
    # script, which adds columns with ADD COLUMN IF NOT EXISTS where the target has it
    existing: Mapping[str, Sequence[str]] | None = None
    # with an identity: the statements resolving persons, whose map the query joins
    identity: IdentitySql | None = None
    # the runtime decides journeys inside the run (runtime/journeys.py) and writes their
    # tables; a script cannot (the decisions need the tz database), so it leaves them out
    decides_journeys: bool = False

    @property
    def tables(self) -> tuple[Table, ...]:
        """The history tables this run writes, in order (the run log last)."""
        if self.decides_journeys:
            return self.store.history
        # a script decides no journey and evaluates no alert (runtime/alerts.py)
        skipped = {t.name for t in (*self.store.journey_tables, *self.store.alert_tables)}
        return tuple(t for t in self.store.history if t.name not in skipped)

    def table_columns(self) -> list[tuple[str, tuple[str, ...]]]:
        """Every table the run makes, with its columns' names: the per-user result (a
        column per tag, segment and layering), then the history tables."""
        result = (self.store.result, tuple(self.query.named_selects))
        return [result, *((t.name, t.names) for t in self.tables)]

    @property
    def as_of(self) -> dt.datetime:
        return self.plan.as_of

    @property
    def frame(self) -> Frame:
        creates = self.existing is None or any(
            not self.existing.get(table.name) for table in self.tables
        )
        return Frame(self.target, self.plan.project.timezone, creates)

    def as_of_literal(self) -> exp.Expression:
        return self.target.timestamp(self.as_of)

    # ------------------------------------------------------------ statements
    def _typed_null(self, column_type: Type | Kind) -> exp.Expression:
        return exp.Cast(this=exp.null(), to=self.target.store_type(column_type))

    def _run_key_values(self) -> dict[str, exp.Expression]:
        return {
            "as_of": self.as_of_literal(),
            "project": self.target.string(self.plan.project.name),
        }

    def match_run(self, table: Table) -> exp.Expression:
        """This run's rows of a history table."""
        values = self._run_key_values()
        return and_all([exp.EQ(this=col(k), expression=values[k].copy()) for k in table.run_keys])

    def _create(self, table: Table) -> exp.Expression:
        """CREATE TABLE IF NOT EXISTS, every column typed as the store declares it; the
        user key takes the type of the result's key, which is the universe's."""
        values = [
            aliased(
                col(USER) if c.type is Kind.KEY else self._typed_null(c.type),
                c.name,
            )
            for c in table.columns
        ]
        like = exp.Select(expressions=values).from_(quoted_table(self.store.result), copy=False)
        like = like.where(_false(), copy=False)
        return exp.Create(this=quoted_table(table.name), kind="TABLE", exists=True, expression=like)

    def _added_columns(self, table: Table) -> list[exp.Expression]:
        """Columns the table lacks (new tags; run log columns of a newer segl). The key
        columns are there since the table was created."""
        addable = [
            c for c in table.columns if c.type is not Kind.KEY and c.name not in table.run_keys
        ]
        if self.existing is not None:
            have = {name.lower() for name in self.existing.get(table.name, ())}
            if not have:  # created by this run
                return []
            missing = [c for c in addable if c.name.lower() not in have]
            return [self._add_column(table, c, if_missing=False) for c in missing]
        if not self.target.add_column_if_not_exists:
            return []
        return [self._add_column(table, c, if_missing=True) for c in addable]

    def _add_column(self, table: Table, column: Column, if_missing: bool) -> exp.Expression:
        definition = exp.ColumnDef(
            this=exp.to_identifier(column.name, quoted=True),
            kind=self.target.store_type(column.type),
            exists=if_missing,
        )
        return exp.Alter(this=quoted_table(table.name), kind="TABLE", actions=[definition])

    def _history(
        self, table: Table, rows: list[exp.Select], match: exp.Expression | None = None
    ) -> list[exp.Expression]:
        """Create the table if needed, add missing columns, delete this run's old rows (or
        those `match` names), insert the new ones (each target replaces rows its own way:
        replace_rows)."""
        setup = [self._create(table), *self._added_columns(table)]
        insert = None
        if rows:
            names = [exp.to_identifier(name, quoted=True) for name in table.names]
            schema = exp.Schema(this=quoted_table(table.name), expressions=names)
            grouped = union_all(rows, self.target.max_compound_terms)
            insert = exp.Insert(this=schema, expression=grouped)
        replaced = match if match is not None else self.match_run(table)
        return self.target.replace_rows(table.name, setup, replaced, insert)

    def _rows(
        self,
        table: Table,
        values: Mapping[str, exp.Expression],
        where: exp.Expression | None = None,
        source: str | None = None,
    ) -> exp.Select:
        """One SELECT over the result (or `source`) giving a row of `table` (run keys
        filled in)."""
        keys = self._run_key_values()
        ordered = [values[c.name] if c.name in values else keys[c.name] for c in table.columns]
        rows_from = quoted_table(source or self.store.result)
        query = exp.Select(expressions=ordered).from_(rows_from, copy=False)
        return query.where(where, copy=False) if where is not None else query

    def tag_statements(self) -> list[exp.Expression]:
        table = self.store.tags
        values: dict[str, exp.Expression] = {"user_id": col(USER)}
        stored = {tag.name for tag in self.store.project.tags}  # not journeys' hidden values
        for column in self.plan.columns:
            definition = column.definition
            if isinstance(definition, ir.Tag) and definition.name in stored:
                values[definition.name] = self.target.cast(col(column.column), definition.type)
        return self._history(table, [self._rows(table, values)])

    def member_statements(self) -> list[exp.Expression]:
        flags = [
            (
                c.definition.name,
                self.deferred[c.column] if c.column in self.deferred else col(c.column),
            )
            for c in self.plan.columns
            if isinstance(c.definition, ir.Segment)
        ]
        leading = [self.as_of_literal()]
        rows = self.target.flagged_rows(quoted_table(self.store.result), leading, col(USER), flags)
        return self._history(self.store.members, rows)

    def layer_statements(self) -> list[exp.Expression]:
        table = self.store.layers
        rows = [
            self._rows(
                table,
                {
                    "layering": self.target.string(c.definition.name),
                    "user_id": col(USER),
                    "layer": col(c.column),
                },
                exp.Not(this=exp.Paren(this=exp.Is(this=col(c.column), expression=exp.null()))),
            )
            for c in self.plan.columns
            if isinstance(c.definition, ir.Layering)
        ]
        return self._history(table, rows)

    def identity_statements(self) -> list[exp.Expression]:
        """Every ID of every person, and the shared IDs left out (a project with an
        identity): from the resolution's map and shared tables."""
        if self.identity is None:
            return []
        persons, shared = self.store.persons, self.store.shared_ids
        person_rows = self._rows(
            persons,
            {"person": col("person"), "kind": col("kind"), "id": col("id")},
            source=self.identity.map,
        )
        count = self.target.store_type(Kind.COUNT)
        shared_rows = self._rows(
            shared,
            {"id": col("n"), "links": exp.Cast(this=col("links"), to=count)},
            source=self.identity.shared,
        )
        return [*self._history(persons, [person_rows]), *self._history(shared, [shared_rows])]

    def journey_statements(self, match: exp.Expression) -> list[exp.Expression]:
        """The journeys' tables from the work tables the runtime staged (its decisions):
        rows `match` names (this run's, and any a killed run left uncommitted) replaced."""
        statements: list[exp.Expression] = []
        for table in self.store.journey_tables:
            values = {c.name: col(c.name) for c in table.columns if c.name not in table.run_keys}
            rows = self._rows(table, values, source=self.store.journey_work(table))
            statements += self._history(table, [rows], match)
        return statements

    def alert_statements(self, match: exp.Expression) -> list[exp.Expression]:
        """The alerts' history rows from the work table the runtime staged them in
        (runtime/alerts.py): the rows `match` names (this run's, and any a killed run left
        without a run log row) replaced."""
        statements: list[exp.Expression] = []
        for table in self.store.alert_tables:
            values = {c.name: col(c.name) for c in table.columns if c.name not in table.run_keys}
            rows = self._rows(table, values, source=self.store.alert_work)
            statements += self._history(table, [rows], match)
        return statements

    def run_statements(self, duration: float | None = None) -> list[exp.Expression]:
        table, target, project = self.store.runs, self.target, self.store.project
        run_at = (
            target.instant(self.info.run_at)
            if self.info.run_at is not None
            else target.current_instant()
        )
        count = exp.Cast(this=exp.Count(this=exp.Star()), to=target.store_type(Kind.COUNT))
        values = {
            "timezone": target.string(project.timezone),
            "run_at": run_at,
            "duration_seconds": target.null(Type.NUMBER)
            if duration is None
            else target.number(round(duration, 3)),
            "users": count,
            "rules_fingerprint": target.string(ir.fingerprint(project)),
            "segl_version": target.string(self.info.segl_version),
            "definitions": target.string(definitions_json(project, self.decides_journeys)),
        }
        return self._history(table, [self._rows(table, values)])

    def _results_body(self) -> list[exp.Expression]:
        return [*self._result_table(), *self._result_writes()]

    def _result_table(self) -> list[exp.Expression]:
        return self.target.create_result_table(self.store.result, self.query)

    def _result_writes(self) -> list[exp.Expression]:
        return [
            *self.tag_statements(),
            *self.member_statements(),
            *self.layer_statements(),
            *self.identity_statements(),
        ]

    def _closing(self, duration: float | None) -> list[exp.Expression]:
        return [
            *self.run_statements(duration),
            *self.target.finish_run([t.name for t in self.tables]),
            exp.Drop(tables=[quoted_table(self.store.result)], kind="TABLE", exists=True),
        ]

    def body(self) -> list[exp.Expression]:
        """Everything between BEGIN and COMMIT (a script: resolving persons first, with a
        fixed number of steps, and dropping the resolution's tables last)."""
        resolve = self.identity.script() if self.identity is not None else []
        cleanup = self.identity.script_cleanup() if self.identity is not None else []
        return [*self._lock(), *resolve, *self._results_body(), *self._closing(None), *cleanup]

    def _lock(self) -> list[exp.Expression]:
        """The project's run lock, where the engine has one (keyed by its run log's name)."""
        lock = self.target.run_lock(self.store.runs.name)
        return [lock] if lock is not None else []

    def _render(self, statements: Sequence[exp.Expression]) -> list[str]:
        with collector_paused():
            return [render(statement, self.target) for statement in statements]

    def body_sql(self) -> list[str]:
        return self._render(self.body())

    def timed_body(
        self,
        seconds_so_far: Callable[[], float],
        journeys: Sequence[Statement] = (),
        early: Sequence[Statement] = (),
    ) -> list[Statement]:
        """The body for an engine: the run log's statements are rendered when they run, with
        the seconds the run has taken until then. `early` runs as soon as the result table
        is made, `journeys` after the results are written. Persons are resolved before, by
        the runtime's loop (runtime/identity.py), which also drops their tables after."""
        made = self._render([*self._lock(), *self._result_table()])
        results = [*made, *early, *self._render(self._result_writes())]
        closing_count = len(self._closing(None))
        rendered: list[str] = []  # the closing statements, rendered when the first runs

        def closing(index: int) -> Statement:
            def later() -> str:
                if not rendered:
                    rendered.extend(self._render(self._closing(seconds_so_far())))
                return rendered[index]

            return later

        return [*results, *journeys, *(closing(i) for i in range(closing_count))]

    def query_sql(self) -> str:
        """The per-user query with a column for every definition (`segl debug sql`); the
        result table of a run may leave out the deferred segment flags."""
        with collector_paused():
            identity_map = self.identity.map if self.identity is not None else None
            return render(build_query(self.plan, self.target, identity_map), self.target)

    def script(self) -> str:
        """A runnable script: header comments, then the framed statements."""
        project = self.plan.project
        tables = ", ".join(t.name for t in self.tables)
        journeys = project.journeys is not None and bool(project.journeys.journeys)
        header = [
            f"segl: project {project.name!r}, target {self.target.name}",
            f"as of {wall_text(self.as_of)} ({project.timezone}); "
            "window bounds below are literals computed from it",
            f"results: {tables}",
            *(
                ["journeys are decided by `segl run` only: this script leaves them out"]
                if journeys
                else []
            ),
            *(
                ["alerts are evaluated by `segl run` only: this script leaves them out"]
                if self.store.alert_tables
                else []
            ),
        ]
        return self.frame.script(header, self.body_sql())


def compile_run(
    project: ir.Project,
    as_of: dt.datetime,
    target: Target,
    *,
    prefix: str = DEFAULT_PREFIX,
    info: RunInfo | None = None,
    existing: Mapping[str, Sequence[str]] | None = None,
) -> CompiledRun:
    store = Store(project, prefix, target.ascii_table_names)
    identity = IdentitySql(store, target, as_of) if project.identity is not None else None
    with collector_paused():
        plan = build_plan(project.with_journey_values(), as_of)
        identity_map = identity.map if identity is not None else None
        query, deferred = build_result_query(plan, target, identity_map)
    return CompiledRun(plan, target, query, store, info or RunInfo(), deferred, existing, identity)

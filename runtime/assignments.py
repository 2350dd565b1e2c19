"""Sticky experiment assignments (SPEC §3.3, docs/reports.md): the
`<prefix><project>_experiment_assignments` table of compiler/store.py.

`segl report` records, for each experiment it runs at an as-of, the users of the population
who have no row yet for the experiment and its salt, with the arm of bucket(user, salt) and
the as-of as `assigned_at`; a user's row is never changed afterwards. The experiment then
reads its users from the rows assigned at or before the as-of, so a user keeps their arm
when they leave the population or the weights change, and a run for a past as-of sees only
the assignments made by then. Everything happens in SQL: the new rows are an INSERT ...
SELECT from the assignment query, the experiment's query reads the table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlglot import exp

from segl.compiler.ir import Project
from segl.compiler.reports import model
from segl.compiler.reports.experiment_sql import assignment_query
from segl.compiler.reports.experiment_sql import key_type as value_key_type
from segl.compiler.reports.sql import Persons
from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.sqlgen.nodes import USER, and_all
from segl.compiler.store import Store, Table
from segl.compiler.targets import Target
from segl.compiler.types import Type
from segl.dsl.diagnostics import DiagnosticError
from segl.runtime.engines import Engine
from segl.runtime.report_command import schema_problem
from segl.runtime.reports import (
    _experiment_named,
    experiment_assignments,
    persons_at,
    run_experiment,
    user_text,
)
from segl.runtime.store import create_kept_table, key_type

Json = dict[str, Any]


def _check_schema(engine: Engine, table: Table) -> bool:
    """Whether the table exists; E0609 when it exists without segl's columns."""
    problem = schema_problem(engine, table)
    if problem is not None:
        raise DiagnosticError([problem])
    return engine.columns_of(table.name) is not None


def _of_experiment(
    target: Target, experiment: model.Experiment, as_of: dt.datetime | None
) -> exp.Expression:
    """The rows of this experiment and salt (assigned at or before `as_of`, when given)."""
    conditions: list[exp.Expression] = [
        exp.EQ(this=col("experiment"), expression=target.string(experiment.name)),
        exp.EQ(this=col("salt"), expression=target.string(experiment.salt)),
    ]
    if as_of is not None:
        conditions.append(exp.LTE(this=col("assigned_at"), expression=target.timestamp(as_of)))
    return and_all(conditions)


def stored_query(
    store: Store, target: Target, experiment: model.Experiment, as_of: dt.datetime | None
) -> exp.Select:
    """(`_u`, `_arm`): the stored assignments of the experiment by `as_of` (all: None)."""
    return (
        exp.Select(
            expressions=[
                exp.alias_(col("user_id"), USER, quoted=True),
                exp.alias_(col("arm"), "_arm", quoted=True),
            ]
        )
        .from_(table_ref(store.experiment_assignments.name), copy=False)
        .where(_of_experiment(target, experiment, as_of), copy=False)
    )


def record_assignments(
    engine: Engine,
    store: Store,
    project: Project,
    definition: str | model.Experiment,
    as_of: dt.datetime,
) -> Persons | None:
    """Write a row for each user of the population at `as_of` who has none yet for the
    experiment and its salt (at any as-of): the arm of bucket(user, salt), for good.
    Returns the persons it read (`persons_at`), for the experiment run after it."""
    experiment = _experiment_named(project, definition)
    table = store.experiment_assignments
    target = engine.target
    if not _check_schema(engine, table):
        create = create_kept_table(table, target, key_type(project, engine))
        engine.execute_in_transaction([render(create, target)])
    engine.use_timezone(project.timezone)
    persons = persons_at(engine, store, project, as_of)
    fresh = assignment_query(project, experiment, as_of, target, persons)
    settings = fresh.args.get("settings")  # ClickHouse: the query's settings go outside
    fresh.set("settings", None)
    known = exp.Select(expressions=[col("user_id")]).from_(table_ref(table.name), copy=False)
    known = known.where(_of_experiment(target, experiment, None), copy=False)
    run_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    values = {
        "experiment": target.string(experiment.name),
        "salt": target.string(experiment.salt),
        "user_id": col(USER, "f"),
        "arm": col("_arm", "f"),
        "assigned_at": target.timestamp(as_of),
        "run_at": target.instant(run_at),
    }
    select = (
        exp.Select(expressions=[exp.alias_(values[n], n, quoted=True) for n in table.names])
        .from_(exp.Subquery(this=fresh, alias=exp.TableAlias(this=exp.to_identifier("f"))))
        .where(exp.Not(this=col(USER, "f").isin(query=known)), copy=False)
    )
    if settings:
        select.set("settings", settings)
    insert = exp.Insert(
        this=exp.Schema(
            this=table_ref(table.name),
            expressions=[exp.to_identifier(n, quoted=True) for n in table.names],
        ),
        expression=select,
    )
    engine.execute_in_transaction([render(insert, target)])
    return persons


def run_sticky_experiment(
    engine: Engine,
    store: Store,
    project: Project,
    definition: str | model.Experiment,
    as_of: dt.datetime,
    ran: list[str] | None = None,
) -> Json:
    """Record the new assignments of `as_of`, then the experiment over the stored ones
    (its SQL appended to `ran`)."""
    experiment = _experiment_named(project, definition)
    persons = record_assignments(engine, store, project, experiment, as_of)
    stored = stored_query(store, engine.target, experiment, as_of)
    return run_experiment(
        engine, project, experiment, as_of, stored=stored, persons=persons, ran=ran
    )


def assignments_at(
    engine: Engine,
    store: Store,
    project: Project,
    definition: str | model.Experiment,
    as_of: dt.datetime,
) -> list[tuple[object, str, dt.datetime | None]]:
    """(user, arm, assigned_at) at `as_of`: the stored assignments made by then, and the
    users of the population without one with their arm by bucket (assigned_at None: the
    next `segl report` stores them). Only reads; sorted by user (numbers by value, as a
    person reads them: 2 before 10)."""
    experiment = _experiment_named(project, definition)
    table = store.experiment_assignments
    found: dict[object, tuple[str, dt.datetime | None]] = {}
    if _check_schema(engine, table):
        query = stored_query(store, engine.target, experiment, as_of)
        query.select(col("assigned_at"), copy=False)
        kind = value_key_type(project)
        for user, arm, assigned_at in engine.query(render(query, engine.target)):
            when = engine.decode(assigned_at, Type.TIMESTAMP)
            found[engine.decode(user, kind)] = (str(arm), when)
    persons = persons_at(engine, store, project, as_of)
    for user, arm in experiment_assignments(engine, project, experiment, as_of, persons):
        found.setdefault(user, (arm, None))
    rows = [(user, arm, when) for user, (arm, when) in found.items()]
    return sorted(rows, key=lambda row: _user_order(row[0]))


def _user_order(user: object) -> tuple[int, float, str]:
    if isinstance(user, int | float) and not isinstance(user, bool):
        return (0, user, "")  # Python compares ints and floats exactly
    return (1, 0.0, user_text(user))

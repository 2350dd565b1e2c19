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

from segl.compiler.identity import follow_keys, key_owners
from segl.compiler.ir import Project
from segl.compiler.reports import model
from segl.compiler.reports.experiment_sql import assignment_query
from segl.compiler.reports.experiment_sql import key_type as value_key_type
from segl.compiler.reports.sql import Persons
from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.sqlgen.nodes import USER, and_all, subquery
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
    store: Store,
    target: Target,
    experiment: model.Experiment,
    as_of: dt.datetime | None,
    persons: Persons | None = None,
    with_time: bool = False,
) -> exp.Select:
    """(`_u`, `_arm`, and `assigned_at` `with_time`): the stored assignments of the
    experiment by `as_of` (all: None). With `persons` (an identity), each stored key is
    followed to its person at that run, which keeps its earliest assignment (SPEC §3.3:
    sticky): a later link merging two assigned persons, or giving one a preferred ID,
    made the old key no person's, and the person got a second assignment by its new key
    while the old key counted as a user of its arm without outcomes."""
    rows = exp.Select(expressions=[col("user_id"), col("arm"), col("assigned_at")]).from_(
        table_ref(store.experiment_assignments.name), copy=False
    )
    rows = rows.where(_of_experiment(target, experiment, as_of), copy=False)
    if persons is not None:
        rows = _earliest_per_person(store, target, rows, persons)
    shown = [
        exp.alias_(col("user_id", "s"), USER, quoted=True),
        exp.alias_(col("arm", "s"), "_arm", quoted=True),
        *([col("assigned_at", "s")] if with_time else []),
    ]
    return exp.Select(expressions=shown).from_(subquery(rows, "s"), copy=False)


def _earliest_per_person(
    store: Store, target: Target, rows: exp.Select, persons: Persons
) -> exp.Select:
    """(user_id, arm, assigned_at) rows keyed by the person each stored key belongs to at
    the persons' run (a key no ID of which is known there: as it is), the earliest
    assignment of each person (ties: the smallest stored key)."""
    identity = store.project.identity
    assert identity is not None
    owners = key_owners(target, identity.kinds, persons.table, persons.as_of)
    ranked = exp.Select().from_(subquery(rows, "r"), copy=False)
    person = follow_keys(ranked, "r", owners)
    order = exp.Order(
        expressions=[
            exp.Ordered(this=col("assigned_at", "r")),
            exp.Ordered(this=col("user_id", "r")),
        ]
    )
    rank = exp.Window(this=exp.RowNumber(), partition_by=[person.copy()], order=order)
    ranked = ranked.select(
        exp.alias_(person, "user_id"),
        col("arm", "r"),
        col("assigned_at", "r"),
        exp.alias_(rank, "_first"),
        copy=False,
    )
    first = exp.EQ(this=col("_first", "k"), expression=exp.Literal.number(1))
    return (
        exp.Select(expressions=[col("user_id", "k"), col("arm", "k"), col("assigned_at", "k")])
        .from_(subquery(ranked, "k"), copy=False)
        .where(first, copy=False)
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
    # a person with a row under any of their keys has one (stored_query follows the keys)
    known = exp.Select(expressions=[col(USER, "a")]).from_(
        subquery(stored_query(store, target, experiment, None, persons), "a"), copy=False
    )
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
    stored = stored_query(store, engine.target, experiment, as_of, persons)
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
    persons = persons_at(engine, store, project, as_of)
    if _check_schema(engine, table):
        query = stored_query(store, engine.target, experiment, as_of, persons, with_time=True)
        kind = value_key_type(project)
        for user, arm, assigned_at in engine.query(render(query, engine.target)):
            when = engine.decode(assigned_at, Type.TIMESTAMP)
            found[engine.decode(user, kind)] = (str(arm), when)
    for user, arm in experiment_assignments(engine, project, experiment, as_of, persons):
        found.setdefault(user, (arm, None))
    rows = [(user, arm, when) for user, (arm, when) in found.items()]
    return sorted(rows, key=lambda row: _user_order(row[0]))


def _user_order(user: object) -> tuple[int, float, str]:
    if isinstance(user, int | float) and not isinstance(user, bool):
        return (0, user, "")  # Python compares ints and floats exactly
    return (1, 0.0, user_text(user))

"""The SQL of experiments (SPEC §3.3, docs/reports.md): assignment by bucket(user, salt)
and the per-arm values runtime/reports.py computes the statistics from.

A user's bucket is the registry's `bucket` (the same md5 expression every `bucket(...)` in
a rule compiles to, proven by golden vectors on every target) of the universe's key and
the salt. Arms take consecutive ranges [low, high) of [0, 1); the bucket is k / 2^32 for a
whole k, so `low <= bucket < high` is compared exactly as `ceil(low * 2^32) <= k <
ceil(high * 2^32)`, whole numbers every engine reads the same (no decimal literal whose
reading as a double might differ).

Earlier assignments stick: they are given as rows (user, arm), or as a query of them (the
stored table, runtime/assignments.py), and win over the bucket; a
user with none is assigned when the population condition is TRUE. An earlier assignment to
an arm no longer declared is left out. The result (`experiment_query`) is a histogram per
arm: (`_arm`, `_m` -1, null, users) and per metric m (`_arm`, m, value, users with it),
a share's value being 1 where its condition is TRUE and 0 otherwise; per-user values of
sticky users outside the universe are null.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

from sqlglot import exp

from segl.compiler import ir, registry
from segl.compiler.reports import model
from segl.compiler.reports.sql import PER_USER, Persons, _Query, step_ref
from segl.compiler.sqlgen.nodes import USER, aliased, and_all, col
from segl.compiler.sqlgen.query import id_text, key_literal
from segl.compiler.targets import Target
from segl.compiler.types import Type

SCALE = 2**32
USERS_ROW = -1  # `_m` of an arm's count of users
# `_m` of the count of the population's users that no arm can take: their key has no
# bucket (a fraction, or a number outside the 64-bit integer range: values.key_text)
UNASSIGNED_ROW = -2

# earlier assignments: rows user -> arm, or a query of rows (`_u`, `_arm`)
Assigned = Mapping[object, str] | exp.Query


def key_type(project: ir.Project) -> Type:
    if project.identity is not None:  # a person's key is text
        return Type.STRING
    universe = project.source(project.universe)
    return universe.column_type(universe.user_column) or project.key or Type.STRING


def bucket_sql(
    project: ir.Project, target: Target, as_of: dt.datetime, salt: str
) -> exp.Expression:
    """bucket(user key, salt) of a row of the per-user query: the key exactly as the
    warehouse holds it (a BIGINT key's every digit: compiler/values.py key_text)."""
    key = id_text(target, col(USER, PER_USER), key_type(project))
    return registry.bucket_of_text(target, target.string(salt), key)


def _arm_of(target: Target, bucket: exp.Expression, experiment: model.Experiment) -> exp.Expression:
    """The arm whose range holds `bucket` (a column: the md5 is computed once per user,
    not once per comparison)."""
    whole = exp.Mul(this=bucket, expression=exp.Literal.number(SCALE))
    ifs: list[exp.If] = []
    for arm in experiment.arms:
        low, high = math.ceil(arm.low * SCALE), math.ceil(arm.high * SCALE)
        inside = exp.and_(
            exp.GTE(this=whole.copy(), expression=exp.Literal.number(low)),
            exp.LT(this=whole.copy(), expression=exp.Literal.number(high)),
        )
        ifs.append(exp.If(this=inside, true=target.string(arm.name)))
    return exp.Case(ifs=ifs)


def _key_value(target: Target, project: ir.Project, user: object) -> exp.Expression:
    """A stored assignment's key, typed as the universe's: an integer as its own literal
    (a BIGINT; cast to a double, 2^60 + 1 would meet the key 2^60)."""
    literal = key_literal(target, user)
    if isinstance(user, int) and not isinstance(user, bool):
        return literal
    return target.cast(literal, key_type(project))


def _assigned(q: _Query, project: ir.Project, assigned: Assigned) -> None:
    """A CTE `asg` (`_u`, `_arm`) of the earlier assignments (also to arms since removed:
    their users are not assigned again): `assigned` itself when a query (a table of any
    size, no statement of thousands of literals), else its rows as literals."""
    if isinstance(assigned, exp.Query):
        q.add("asg", assigned.copy())
        return
    target = q.target
    rows: list[exp.Query] = [
        exp.Select(
            expressions=[
                aliased(_key_value(target, project, user), USER),
                aliased(target.string(arm), "_arm"),
            ]
        )
        for user, arm in assigned.items()
    ]
    if not rows:  # none: an empty table of the right types
        rows = [
            exp.Select(
                expressions=[
                    aliased(target.null(key_type(project)), USER),
                    aliased(target.null(Type.STRING), "_arm"),
                ]
            ).where(exp.false(), copy=False)
        ]
    union: exp.Query = rows[0]
    for row in rows[1:]:
        union = exp.Union(this=union, expression=row, distinct=False)
    q.add("asg", union)


def _members(
    project: ir.Project,
    experiment: model.Experiment,
    as_of: dt.datetime,
    target: Target,
    assigned: Assigned | None,
    persons: Persons | None = None,
) -> _Query:
    """The CTEs up to `fresh` (users assigned by their bucket now) and, with `assigned`,
    `members` (`_u`, `_arm`: every user of an arm)."""
    values = [experiment.population, *[metric.value for metric in experiment.metrics]]
    q = _Query(project, as_of, target, values, [], as_of.year + 1, persons)
    population = exp.EQ(
        this=exp.Paren(this=q.per_user(experiment.population, PER_USER)),
        expression=target.boolean(True),
    )
    bucket = bucket_sql(project, target, as_of, experiment.salt)
    fresh = exp.Select(expressions=[col(USER, PER_USER), aliased(bucket, "_b")]).from_(
        step_ref(PER_USER, PER_USER), copy=False
    )
    conditions: list[exp.Expression] = [population]
    if assigned is not None:
        _assigned(q, project, assigned)
        fresh = fresh.join(
            step_ref("asg", "s"),
            on=exp.EQ(this=col(USER, "s"), expression=col(USER, PER_USER)),
            join_type="LEFT",
            copy=False,
        )
        conditions.append(exp.Is(this=col(USER, "s"), expression=exp.null()))
    q.add("bucketed", fresh.where(and_all(conditions), copy=False))
    armed = exp.Select(
        expressions=[col(USER), aliased(_arm_of(target, col("_b"), experiment), "_arm")]
    ).from_(step_ref("bucketed"), copy=False)
    q.add("armed", armed)
    q.add(
        "fresh",
        exp.Select(expressions=[col(USER), col("_arm")])
        .from_(step_ref("armed"), copy=False)
        .where(exp.Not(this=exp.Is(this=col("_arm"), expression=exp.null())), copy=False),
    )
    members: exp.Query = exp.Select(expressions=[col(USER), col("_arm")]).from_(
        step_ref("fresh"), copy=False
    )
    if assigned is not None:
        declared = exp.In(
            this=col("_arm"), expressions=[target.string(arm.name) for arm in experiment.arms]
        )
        sticky = (
            exp.Select(expressions=[col(USER), col("_arm")])
            .from_(step_ref("asg"), copy=False)
            .where(declared, copy=False)
        )
        members = exp.Union(this=members, expression=sticky, distinct=False)
    q.add("members", members)
    return q


def assignment_query(
    project: ir.Project,
    experiment: model.Experiment,
    as_of: dt.datetime,
    target: Target,
    persons: Persons | None = None,
) -> exp.Select:
    """Rows (`_u`, `_arm`): the users of the population and their arm by bucket."""
    q = _members(project, experiment, as_of, target, None, persons)
    return q.finish(
        exp.Select(expressions=[col(USER), col("_arm")]).from_(step_ref("fresh"), copy=False)
    )


def experiment_query(
    project: ir.Project,
    experiment: model.Experiment,
    as_of: dt.datetime,
    target: Target,
    assigned: Assigned | None = None,
    persons: Persons | None = None,
) -> exp.Select:
    """Rows (`_arm`, `_m`, `_x`, `_n`): per arm its users (`_m` -1) and per metric (`_m`
    its index) how many of its users have the value `_x` (see the module's docstring)."""
    q = _members(project, experiment, as_of, target, assigned, persons)
    selects: list[exp.Expression] = [col(USER, "m"), col("_arm", "m")]
    for index, metric in enumerate(experiment.metrics):
        value = q.per_user(metric.value, PER_USER)
        if metric.kind == model.SHARE:
            true = exp.EQ(this=exp.Paren(this=value), expression=target.boolean(True))
            value = exp.Case(
                ifs=[exp.If(this=true, true=exp.Literal.number(1))],
                default=exp.Literal.number(0),
            )
        selects.append(aliased(target.cast(value, Type.NUMBER), f"x{index}"))
    q.add(
        "valued",
        exp.Select(expressions=selects)
        .from_(step_ref("members", "m"), copy=False)
        .join(
            step_ref(PER_USER, PER_USER),
            on=exp.EQ(this=col(USER, PER_USER), expression=col(USER, "m")),
            join_type="LEFT",
            copy=False,
        ),
    )
    count = exp.Count(this=exp.Star())
    result: exp.Query = (
        exp.Select(
            expressions=[
                col("_arm"),
                aliased(exp.Literal.number(USERS_ROW), "_m"),
                aliased(target.null(Type.NUMBER), "_x"),
                aliased(count, "_n"),
            ]
        )
        .from_(step_ref("valued"), copy=False)
        .group_by(col("_arm"), copy=False)
    )
    for index in range(len(experiment.metrics)):
        histogram = (
            exp.Select(
                expressions=[
                    col("_arm"),
                    aliased(exp.Literal.number(index), "_m"),
                    aliased(col(f"x{index}"), "_x"),
                    aliased(count.copy(), "_n"),
                ]
            )
            .from_(step_ref("valued"), copy=False)
            .group_by(col("_arm"), col(f"x{index}"), copy=False)
        )
        result = exp.Union(this=result, expression=histogram, distinct=False)
    unassigned = exp.Select(
        expressions=[
            aliased(target.null(Type.STRING), "_arm"),
            aliased(exp.Literal.number(UNASSIGNED_ROW), "_m"),
            aliased(target.null(Type.NUMBER), "_x"),
            aliased(count.copy(), "_n"),
        ]
    ).from_(step_ref("armed", "a"), copy=False)
    # qualified: ClickHouse would read `_arm` in WHERE as this select's own null `_arm`
    unassigned = unassigned.where(exp.Is(this=col("_arm", "a"), expression=exp.null()), copy=False)
    result = exp.Union(this=result, expression=unassigned, distinct=False)
    q.add("result", result)
    return q.finish(exp.Select(expressions=[exp.Star()]).from_(step_ref("result"), copy=False))

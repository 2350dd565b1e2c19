"""Per-user aggregates rolled forward from one instant to the next (`segl simulate`).

A simulation evaluates `enter when C` over the whole universe at every instant. Most of
that query's cost is its event passes, which aggregate each user's whole history again.
For a pass whose aggregates are counts, `exists`, or the `min`/`max` of a number or a
time, with no window, the grouped rows at an instant follow exactly from those at an
earlier instant and the events in between: counts add up, extremes are the extreme of the
two. So the simulation keeps each such pass's grouped rows as of an instant C in a scratch
table (`compacted`), copies the span's events once in time order (`span_rows`), and at
every instant reads the stored rows merged with the grouped events of [C, as_of)
(`current_rows`, in place of the pass: `QueryBuilder.stored_passes`); once a day of events
has gathered it stores the merged rows as of the instant. Where every first-stage pass
rolls and the universe is the same at every as-of, the simulation keeps the whole base
instead (`first_base`, `current_base`: every user with their profile columns and raw
aggregates), so that an instant does not join the universe with the stored rows again
(`QueryBuilder.stored_base`): only the users with new events are merged. Sums are left out: adding
floating-point partial sums in another order may differ in the last bits from the sum the
real run computes, and the simulation must give what the runs give. Windows are left out
too: events leave them as time passes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.plan import AggregateSlot, Plan
from segl.compiler.sqlgen import col, table_ref
from segl.compiler.sqlgen.nodes import USER, add_join, aliased, and_all
from segl.compiler.sqlgen.query import GROUPED_USER, QueryBuilder, event_time
from segl.compiler.targets import Target
from segl.compiler.types import Type

# how the grouped values of two spans of events combine into those of both
MERGES: dict[str, type[exp.Sum] | type[exp.Min] | type[exp.Max]] = {
    "count": exp.Sum,
    "exists": exp.Sum,  # a count of events; `exists` is that count > 0
    "min": exp.Min,
    "max": exp.Max,
}
# compared with < and > exactly as MIN and MAX order them (text goes through an
# engine-specific form, so it is left out)
EXTREME_TYPES = (Type.NUMBER, Type.TIMESTAMP, Type.DATE)
COMPACT_AFTER = dt.timedelta(days=1)  # the events read per instant before storing again
STORED, RECENT = "s", "r"  # aliases of the stored and recent grouped rows
RECENT_NUMBER = 10_000  # numbers the recent rows' CTEs apart from the per-user query's


def _rolls(slot: AggregateSlot) -> bool:
    aggregate = slot.aggregate
    if slot.start is not None or aggregate.func not in MERGES:
        return False
    value = aggregate.value
    counts = MERGES[aggregate.func] is exp.Sum  # of rows or of non-null values: any type
    return counts or value is None or value.type in EXTREME_TYPES


def rolling_passes(plan: Plan) -> list[int]:
    """The passes whose grouped rows can be rolled forward: of the first stage, reading
    no per-user value, every aggregate mergeable and unwindowed."""
    return [
        index
        for index, event_pass in enumerate(plan.passes)
        if event_pass.stage == 0
        and not event_pass.per_user
        and all(_rolls(slot) for slot in event_pass.slots)
    ]


def rolls_base(plan: Plan) -> bool:
    """Whether the plan's whole base can be kept across instants: every first-stage pass
    rolls, and which users there are and their profile columns do not depend on the
    as-of (no profile with `created` or kept as history)."""
    early = {index for index, event_pass in enumerate(plan.passes) if event_pass.stage == 0}
    profiles = [plan.universe.source, *(join.source for join in plan.profiles)]
    fixed = all(source.created is None and not source.is_history for source in profiles)
    return fixed and early <= set(rolling_passes(plan))


def first_base(plan: Plan, target: Target) -> exp.Select:
    """The raw base rows at the plan's as-of (QueryBuilder.raw_base), from every event."""
    return QueryBuilder(plan, target).raw_base()


def current_base(
    plan: Plan, target: Target, stored: str, since: dt.datetime, spans: dict[int, str]
) -> exp.Select:
    """The raw base rows at the plan's as-of (rolls_base holds), to be read or stored:
    those in `stored` (as of `since`), each user's aggregates merged with their grouped
    events of [since, as_of), read from `spans` (pass index -> span_rows of its source).
    The recent rows are few: each is a hash table the stored rows are looked up in."""
    query = exp.Select(expressions=[exp.Star()]).from_(table_ref(stored, STORED), copy=False)
    if since >= plan.as_of:
        return query
    selects: list[exp.Expression] = [col(USER, STORED)]
    selects += [col(alias, STORED) for alias in QueryBuilder(plan, target).profile_aliases()]
    ctes: list[exp.Expression] = []
    for index, span in spans.items():
        recent = _recent_rows(plan, target, index, since, span, RECENT_NUMBER + index)
        ctes += recent.args["with_"].expressions
        alias = f"{RECENT}{index}"
        user = exp.EQ(this=col(GROUPED_USER, alias), expression=col(USER, STORED))
        query = add_join(query, table_ref(recent.args["from_"].this.name, alias), "LEFT", user)
        selects += [aliased(_merged(slot, alias), slot.column) for slot in plan.passes[index].slots]
    query.set("expressions", selects)
    query.set("with_", exp.With(expressions=ctes))
    return query


def first_rows(plan: Plan, target: Target, index: int) -> exp.Select:
    """The pass's grouped rows at the plan's as-of, from every event before it."""
    return QueryBuilder(plan, target).grouped_rows(plan.passes[index], index)


def span_rows(
    target: Target, source: ir.Source, start: dt.datetime, end: dt.datetime
) -> exp.Select:
    """The source's rows in [start, end) in time order: copied once, they are what every
    instant's new events are read from (a scan of a time-ordered copy skips the rest,
    where the source, in any order, would be read whole every instant)."""
    time = event_time(target, source)
    within = and_all(
        [
            exp.GTE(this=time.copy(), expression=target.timestamp(start)),
            exp.LT(this=time.copy(), expression=target.timestamp(end)),
        ]
    )
    query = exp.Select(expressions=[exp.Star()]).from_(table_ref(source.table), copy=False)
    return query.where(within, copy=False).order_by(time.copy(), copy=False)


def _recent_rows(
    plan: Plan, target: Target, index: int, since: dt.datetime, span: str, number: int
) -> exp.Select:
    """The pass's grouped rows of the events in [since, as_of), read from `span`."""
    event_pass = plan.passes[index]
    recent = dataclasses.replace(
        event_pass,
        source=dataclasses.replace(event_pass.source, table=span),
        slots=tuple(dataclasses.replace(slot, start=since) for slot in event_pass.slots),
    )
    return QueryBuilder(plan, target).grouped_rows(recent, number)


def compacted(
    plan: Plan, target: Target, index: int, stored: str, since: dt.datetime, span: str
) -> exp.Select:
    """The pass's grouped rows at the plan's as-of, to be stored: those in `stored` (as of
    `since`) merged with the grouped events of [since, as_of) in `span` (span_rows of the
    pass's source over an interval holding [since, as_of))."""
    event_pass = plan.passes[index]
    recent = _recent_rows(plan, target, index, since, span, index)
    ctes = recent.args.get("with_")
    recent.set("with_", None)
    both = exp.union(
        exp.Select(expressions=[exp.Star()]).from_(table_ref(stored)), recent, distinct=False
    )
    merged: list[exp.Expression] = [col(GROUPED_USER)]
    merged += [
        aliased(MERGES[slot.aggregate.func](this=col(slot.column)), slot.column)
        for slot in event_pass.slots
    ]
    query = (
        exp.Select(expressions=merged)
        .from_(exp.Subquery(this=both, alias=exp.TableAlias(this=exp.to_identifier("r"))))
        .group_by(col(GROUPED_USER), copy=False)
    )
    query.set("with_", ctes)
    return query


def current_rows(
    plan: Plan, target: Target, index: int, stored: str, since: dt.datetime, span: str
) -> exp.Select | exp.Union:
    """What the per-user query reads for the pass at the plan's as-of: the rows in
    `stored` (as of `since`), each merged with its user's grouped events of [since,
    as_of) in `span`, and the users with such events only. The recent rows are few, so
    this joins them to the stored ones rather than grouping all of them again."""
    event_pass = plan.passes[index]
    stored_rows = exp.Select(expressions=[exp.Star()]).from_(table_ref(stored))
    if since >= plan.as_of:
        return stored_rows
    recent = _recent_rows(plan, target, index, since, span, RECENT_NUMBER + index)
    recent_cte = recent.args["from_"].this.name  # the recent pass's grouped CTE
    user = exp.EQ(this=col(GROUPED_USER, RECENT), expression=col(GROUPED_USER, STORED))
    old = exp.Select(
        expressions=[
            col(GROUPED_USER, STORED),
            *(aliased(_merged(slot), slot.column) for slot in event_pass.slots),
        ]
    ).from_(table_ref(stored, STORED), copy=False)
    old = add_join(old, table_ref(recent_cte, RECENT), "LEFT", user)
    new = exp.Select(
        expressions=[
            col(GROUPED_USER, RECENT),
            *(col(slot.column, RECENT) for slot in event_pass.slots),
        ]
    ).from_(table_ref(recent_cte, RECENT), copy=False)
    new = add_join(new, table_ref(stored, STORED), "LEFT", user.copy())
    new = new.where(exp.Is(this=col(GROUPED_USER, STORED), expression=exp.Null()), copy=False)
    query = exp.union(old, new, distinct=False)
    query.set("with_", recent.args.get("with_"))
    return query


def _merged(slot: AggregateSlot, recent_rows: str = RECENT) -> exp.Expression:
    """A slot's stored value merged with its recent one (null: none in that span)."""
    stored, recent = col(slot.column, STORED), col(slot.column, recent_rows)
    if MERGES[slot.aggregate.func] is exp.Sum:
        zero = exp.Literal.number(0)
        return exp.Add(
            this=exp.Coalesce(this=stored, expressions=[zero]),
            expression=exp.Coalesce(this=recent, expressions=[zero.copy()]),
        )
    beyond = exp.GT if MERGES[slot.aggregate.func] is exp.Max else exp.LT
    return exp.Case(
        ifs=[
            exp.If(this=exp.Is(this=recent.copy(), expression=exp.Null()), true=stored.copy()),
            exp.If(this=exp.Is(this=stored.copy(), expression=exp.Null()), true=recent.copy()),
            exp.If(this=beyond(this=recent.copy(), expression=stored.copy()), true=recent.copy()),
        ],
        default=stored.copy(),
    )

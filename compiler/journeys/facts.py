"""The SQL a journey run reads from the warehouse (SPEC §3.2): each user's first matching
event of a trigger in an interval, the hidden per-user values of the users it concerns,
and the journey state of the result store. Decisions are taken by the runtime
(runtime/journeys.py) from these facts; nothing here knows a connection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.alerts.model import LayerMove
from segl.compiler.identity import follow_keys, key_owners, person_key_sql
from segl.compiler.journeys import model
from segl.compiler.plan import Plan
from segl.compiler.sqlgen.expressions import ExprCompiler
from segl.compiler.sqlgen.nodes import (
    USER,
    add_join,
    aliased,
    and_all,
    col,
    subquery,
    table_ref,
)
from segl.compiler.sqlgen.query import id_text
from segl.compiler.targets import Target, TargetError
from segl.compiler.targets.base import quoted_table
from segl.compiler.timeutil import earlier
from segl.compiler.types import Type

EVENTS, MAP, RESULT = "e", "m", "r"


def first_events(
    plan: Plan,
    target: Target,
    trigger: model.EventTrigger,
    start: dt.datetime | None,
    end: dt.datetime,
    result: str,
    identity_map: str | None,
    ever_first: bool = False,
    universe_only: bool = True,
    blocked: exp.Select | None = None,
    copy: str | None = None,
) -> exp.Select:
    """(user, time of the user's first matching event in [start, end)) for users of the
    run's universe. `ever_first`: only users whose first matching event *ever* (before
    `end`) lies in the interval (`enter on first`). `copy`: a table of the source's rows
    in [start, end) (`interval_copy`), read instead of the source for the interval."""
    project = plan.project
    source = project.source(trigger.source)
    assert source.time_column is not None
    time_type = source.column_type(source.time_column) or Type.TIMESTAMP
    time_value = target.read_column(col(source.time_column, EVENTS), time_type)
    if time_type is Type.DATE:
        time_value = target.to_timestamp(time_value)
    user = col("person", MAP) if identity_map is not None else col(source.user_column, EVENTS)
    conditions: list[exp.Expression] = [
        exp.LT(this=time_value.copy(), expression=target.timestamp(end))
    ]
    if start is not None and not ever_first:
        conditions.append(exp.GTE(this=time_value.copy(), expression=target.timestamp(start)))
    if trigger.filter is not None:
        conditions.append(_filter(plan, target, source, trigger.filter))
    if blocked is not None:  # users who may not enter (blocked_users)
        conditions.append(not_in(user, blocked))
    if ever_first and start is not None:
        # the earlier events of the users with one in the interval only: the others cannot
        # enter, and grouping all history by user grew with it (a semi-join on a few
        # thousand users, which the engine can push into the scan)
        recent = first_events(
            plan, target, trigger, start, end, result, identity_map, universe_only=False, copy=copy
        )
        users = exp.Select(expressions=[col(USER)]).from_(subquery(recent, "_recent"))
        conditions.append(exp.In(this=user.copy(), query=exp.Subquery(this=users)))
    # all history before `end` for `enter on first`, else the interval's rows
    read = source.table if copy is None or (ever_first and start is not None) else copy
    first = exp.Min(this=time_value.copy())
    query = exp.Select(expressions=[aliased(user, USER), aliased(first, "_t")]).from_(
        table_ref(read, EVENTS), copy=False
    )
    if identity_map is not None:
        assert source.id_kind is not None
        declared = project.id_type(source, source.user_column, source.id_kind)
        text = id_text(target, col(source.user_column, EVENTS), declared)
        on = exp.and_(
            exp.EQ(this=col("kind", MAP), expression=exp.Literal.string(source.id_kind)),
            exp.EQ(this=col("id", MAP), expression=text),
        )
        query = add_join(query, table_ref(identity_map, MAP), "INNER", on)
    if universe_only:  # entries: users of the run's universe
        same = exp.EQ(this=col(USER, RESULT), expression=user.copy())
        query = add_join(query, quoted_table(result).as_(RESULT), "INNER", same)
    query = query.where(and_all(conditions), copy=False).group_by(user.copy(), copy=False)
    if ever_first and start is not None:
        query = query.having(exp.GTE(this=first.copy(), expression=target.timestamp(start)))
    return query


def not_in(user: exp.Expression, users: exp.Select) -> exp.Expression:
    return exp.Not(this=exp.Paren(this=exp.In(this=user.copy(), query=exp.Subquery(this=users))))


def events_in(
    plan: Plan,
    target: Target,
    trigger: model.EventTrigger,
    start: dt.datetime,
    end: dt.datetime,
    result: str,
    identity_map: str | None,
    copy: str | None = None,
) -> exp.Select:
    """(user, time) of every matching event in [start, end) (read from `copy`, a table of
    the source's rows in that interval, when given): an exit needs the first one after each
    entry, which may be later than the first one. Users who left the universe keep their
    entries, so their events count too."""
    grouped = first_events(
        plan, target, trigger, start, end, result, identity_map, universe_only=False, copy=copy
    )
    user, first = grouped.expressions
    time = first.this.this.copy()  # MIN(<time>) AS _t -> <time>
    rows = grouped.copy()
    rows.set("group", None)
    rows.set("expressions", [user.copy(), aliased(time, "_t")])
    return rows


def interval_copy(
    target: Target,
    source: ir.Source,
    triggers: Sequence[model.EventTrigger],
    start: dt.datetime,
    end: dt.datetime,
) -> exp.Select:
    """The source's rows in [start, end), with the columns `triggers` read: copied once
    when several triggers read the same interval of a source, each then reads the copy
    where it would scan the whole source (a source not sorted by time skips nothing)."""
    assert source.time_column is not None
    names = [source.user_column, source.time_column]
    for trigger in triggers:
        found = ir.walk(trigger.filter) if trigger.filter is not None else []
        names += [node.column for node in found if isinstance(node, ir.EventColumn)]
    time_type = source.column_type(source.time_column) or Type.TIMESTAMP
    time = target.read_column(col(source.time_column), time_type)
    if time_type is Type.DATE:
        time = target.to_timestamp(time)
    within = and_all(
        [
            exp.GTE(this=time.copy(), expression=target.timestamp(start)),
            exp.LT(this=time, expression=target.timestamp(end)),
        ]
    )
    columns = [col(name) for name in dict.fromkeys(names)]
    return (
        exp.Select(expressions=columns)
        .from_(table_ref(source.table), copy=False)
        .where(within, copy=False)
    )


def _filter(plan: Plan, target: Target, source: ir.Source, flt: ir.Expr) -> exp.Expression:
    def resolve(node: ir.Expr) -> exp.Expression:
        if isinstance(node, ir.EventColumn):
            value_type = source.column_type(node.column) or Type.STRING
            return target.read_column(col(node.column, EVENTS), value_type)
        raise TargetError(target.name, type(node).__name__, "not allowed in a journey's filter")

    compiled = ExprCompiler(target, plan.as_of, resolve).compile(flt)
    return exp.EQ(this=exp.Paren(this=compiled), expression=target.boolean(True))


def values_of(
    plan: Plan, result: str, names: list[str], where: exp.Expression | None
) -> exp.Select:
    """(user, the hidden values `names`) from the run's result."""
    columns = [col(plan.column_for(name).column) for name in names]
    query = exp.Select(expressions=[col(USER), *columns]).from_(quoted_table(result), copy=False)
    return query.where(where, copy=False) if where is not None else query


def moved_users(
    plan: Plan,
    target: Target,
    result: str,
    layers: str,
    move: LayerMove,
    previous: dt.datetime,
    blocked: exp.Select | None,
    persons: tuple[str, Sequence[str]] | None = None,
) -> exp.Select:
    """Users of the run's result in layer `move.destination` who were in `move.origin` at
    the run as of `previous` (the journey's previous run, whose layers are stored). With
    an identity, `persons`: the run's identity map (kind, id, person) and the kinds; a
    stored key is followed to the person its ID belongs to now (a later link may have
    re-keyed it), so a person was in the origin when any of its keys was."""
    was = exp.Select(expressions=[col("user_id")]).from_(table_ref(layers), copy=False)
    was = was.where(
        and_all(
            [
                exp.EQ(this=col("as_of"), expression=target.timestamp(previous)),
                exp.EQ(this=col("layering"), expression=target.string(move.layering)),
                exp.EQ(this=col("layer"), expression=target.string(move.origin)),
            ]
        ),
        copy=False,
    )
    if persons is not None:
        was = _followed_to_persons(target, was, *persons)
    now = col(plan.column_for(move.layering).column)
    conditions: list[exp.Expression] = [
        exp.EQ(this=now, expression=target.string(move.destination)),
        exp.In(this=col(USER), query=exp.Subquery(this=was)),
    ]
    if blocked is not None:
        conditions.append(not_in(col(USER), blocked))
    query = exp.Select(expressions=[col(USER)]).from_(quoted_table(result), copy=False)
    return query.where(and_all(conditions), copy=False)


def first_within(
    plan: Plan, target: Target, name: str, start: dt.datetime, end: dt.datetime
) -> exp.Expression:
    """The hidden time `name` of the run's result lies in [start, end)."""
    value = col(plan.column_for(name).column)
    return and_all(
        [
            exp.GTE(this=value, expression=target.timestamp(start)),
            exp.LT(this=value.copy(), expression=target.timestamp(end)),
        ]
    )


def is_true(plan: Plan, target: Target, name: str) -> exp.Expression:
    return exp.EQ(this=col(plan.column_for(name).column), expression=target.boolean(True))


def ledger_of(target: Target, journey: str, last: dt.datetime) -> exp.Expression:
    """The committed ledger rows of a journey (runs up to the last marker)."""
    named = exp.EQ(this=col("journey"), expression=target.string(journey))
    committed = exp.LTE(this=col("as_of"), expression=target.timestamp(last))
    return and_all([named, committed])


def _ended(target: Target) -> exp.Expression:
    """Per (user, entry) group: how many of its ledger rows end it (exit or done)."""
    ends = exp.If(
        this=exp.NEQ(this=col("change"), expression=target.string("enter")),
        true=exp.Literal.number(1),
    )
    return exp.Sum(this=exp.Case(ifs=[ends], default=exp.Literal.number(0)))


def active_entries(
    target: Target, entries: str, journey: str, last: dt.datetime, since: dt.datetime | None
) -> exp.Select:
    """(user, entry time) of the journey's entries that have not ended; with `since` (the
    journey's last marker's active_since), of those that began then or later only: the
    ledger's older rows are of ended entries, and its read stays as long as the active
    entries, not the journey's history (an entry's rows share its entry time)."""
    keys = [col("user_id"), col("entry_at")]
    where = ledger_of(target, journey, last)
    if since is not None:
        where = and_all([where, exp.GTE(this=col("entry_at"), expression=target.timestamp(since))])
    return (
        exp.Select(expressions=[k.copy() for k in keys])
        .from_(table_ref(entries), copy=False)
        .where(where, copy=False)
        .group_by(*keys, copy=False)
        .having(exp.EQ(this=_ended(target), expression=exp.Literal.number(0)), copy=False)
    )


def blocked_users(
    target: Target,
    entries: str,
    journey: model.Journey,
    last: dt.datetime,
    as_of: dt.datetime,
    since: dt.datetime | None = None,
) -> exp.Select:
    """Users who may not enter the journey at `as_of` (SPEC §3.2): without `reenter`,
    everyone who ever entered; with `reenter after D`, those with an entry that has not
    ended (none began before `since`, active_entries) or that began after `as_of - D`."""
    query = exp.Select(expressions=[col("user_id")]).from_(table_ref(entries), copy=False)
    query = query.where(ledger_of(target, journey.name, last), copy=False)
    if journey.reenter is None:
        return query.distinct(copy=False)
    # T - D before the year 1: every entry began after it
    recent_from = earlier(as_of, journey.reenter) or dt.datetime.min
    if since is not None:
        oldest = min(since, recent_from)
        bound = exp.GTE(this=col("entry_at"), expression=target.timestamp(oldest))
        query = query.where(bound, copy=False)
    recent = exp.GT(this=exp.Max(this=col("entry_at")), expression=target.timestamp(recent_from))
    open_entry = exp.EQ(this=_ended(target), expression=exp.Literal.number(0))
    grouped = query.group_by(col("user_id"), col("entry_at"), copy=False)
    return grouped.having(exp.Or(this=open_entry, expression=recent), copy=False)


def _followed_to_persons(
    target: Target, keys: exp.Select, identity_map: str, kinds: Sequence[str]
) -> exp.Select:
    """(user_id) of the persons the stored keys `keys` selects belong to now (a key no ID
    of which the map knows: itself)."""
    query = exp.Select().from_(subquery(keys, "k"), copy=False)
    person = follow_keys(query, "k", key_owners(target, kinds, identity_map, None))
    return query.select(aliased(person, "user_id"), copy=False)


def stale_keys(
    target: Target, kept: list[str], identity_map: str, kinds: Sequence[str], last: dt.datetime
) -> exp.Select:
    """(key, person) for the keys the committed rows of the tables `kept` are under that
    are no person's key any more (a later link merged their person into another, or gave
    it a more preferred ID): each with the person its ID belongs to now. A key is one ID
    written as a person key (compiler/identity.py person_key_sql), so it has one row."""
    committed = exp.LTE(this=col("as_of"), expression=target.timestamp(last))
    stored = [
        exp.Select(expressions=[col("user_id")])
        .from_(table_ref(name), copy=False)
        .where(committed.copy(), copy=False)
        for name in kept
    ]
    keys: exp.Query = stored[0].distinct(copy=False)
    for select in stored[1:]:
        keys = exp.Union(this=keys, expression=select, distinct=True)
    form = person_key_sql(target, kinds, col("kind", MAP), col("id", MAP))
    persons = exp.Select(expressions=[col("person")]).from_(table_ref(identity_map), copy=False)
    query = exp.Select(expressions=[col("user_id", "k"), col("person", MAP)]).from_(
        subquery(keys, "k"), copy=False
    )
    query = add_join(
        query,
        table_ref(identity_map, MAP),
        "INNER",
        exp.EQ(this=col("user_id", "k"), expression=form),
    )
    return query.where(not_in(col("user_id", "k"), persons), copy=False)


def as_persons(keys: exp.Select, moves: str) -> exp.Select:
    """The persons of the stored keys `keys` selects: a stale key's from the work table
    `moves` (user_id, person), any other key itself."""
    person = exp.Coalesce(this=col("person", "w"), expressions=[col("user_id", "b")])
    query = exp.Select(expressions=[aliased(person, "user_id")]).from_(
        subquery(keys, "b"), copy=False
    )
    on = exp.EQ(this=col("user_id", "w"), expression=col("user_id", "b"))
    return add_join(query, table_ref(moves, "w"), "LEFT", on)

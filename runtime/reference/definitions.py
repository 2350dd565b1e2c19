"""The reference evaluator of tags, segments and layerings: the typed IR over Python rows.

It is the oracle every engine is tested against, so it favours being obviously right over
being fast: the meaning of values, operators, functions and aggregates is in
compiler/values.py and compiler/registry.py (shared with nothing else but this evaluator),
and `_Run.compile` only wires them together into closures (so the tree is walked once per
definition, not once per user).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from segl.compiler import ir
from segl.compiler.registry import NullRule
from segl.compiler.timeutil import window_bounds
from segl.compiler.values import (
    LOGIC,
    arith,
    compare,
    conform,
    in_list,
    instant,
    is_null,
    kleene_not,
    negate,
    str_match,
)
from segl.runtime.reference.identity import Persons, id_text, resolve
from segl.runtime.results import RunResult

Row = Mapping[str, object]
Tables = Mapping[str, Sequence[Row]]
Value = Any  # None | float | str | bool | date | datetime
UserKey = Any
# A compiled expression: (user, current event row or None outside aggregates) -> value.
Eval = Callable[[UserKey, Row | None], Value]


def evaluate(project: ir.Project, tables: Tables, as_of: dt.datetime) -> RunResult:
    """Evaluate every definition of `project` over `tables` (source name -> rows) at `as_of`.

    A source missing from `tables` has no rows."""
    if as_of.tzinfo is not None:
        raise ValueError("as_of must be a naive wall-clock time in the project's zone")
    return _Run(project, tables, as_of).run()


# A user's times of the events of one source that pass a filter, ascending.
EventTimes = dict[UserKey, list[dt.datetime]]


def evaluate_with_events(
    project: ir.Project,
    tables: Tables,
    as_of: dt.datetime,
    triggers: Sequence[tuple[str, ir.Expr | None]],
) -> tuple[RunResult, list[EventTimes]]:
    """`evaluate`, and for each (event source, filter) the times of each user's events
    visible at `as_of` (the rows an aggregate over the source sees) where the filter is
    exactly TRUE (None: every event). The filter is compiled as an aggregate's filter is:
    it reads the event's columns and per-user values (tags, evaluated first)."""
    if as_of.tzinfo is not None:
        raise ValueError("as_of must be a naive wall-clock time in the project's zone")
    run = _Run(project, tables, as_of)
    result = run.run()
    return result, [_matching_times(run, source, flt) for source, flt in triggers]


def _matching_times(run: _Run, source: str, flt: ir.Expr | None) -> EventTimes:
    if source not in run.events:
        raise ValueError(f"{source!r} is not an event source")
    keep = None if flt is None else run.compile(flt, source)
    matching: EventTimes = {}
    for user, (times, rows) in run.events[source].items():
        picked = [
            t for t, row in zip(times, rows, strict=True) if keep is None or keep(user, row) is True
        ]
        if picked:
            matching[user] = picked
    return matching


class Evaluation:
    """A project evaluated at an as-of, for what computes more than its definitions
    (reports): the users, each event source's rows visible at the as-of, and expressions
    compiled over them with the definitions' values."""

    def __init__(self, run: _Run, result: RunResult) -> None:
        self._run = run
        self.result = result
        self.as_of = run.as_of
        self.users = run.users

    def events(self, source: str) -> Mapping[UserKey, tuple[list[dt.datetime], list[Row]]]:
        """user -> (times ascending, rows) of the source's events before the as-of."""
        if source not in self._run.events:
            raise ValueError(f"{source!r} is not an event source")
        return self._run.events[source]

    def per_user(self, expr: ir.Expr) -> Callable[[UserKey], Value]:
        """A per-user expression (tags, profile columns, inline aggregates) as of the run."""
        compiled = self._run.compile(expr)
        return lambda user: compiled(user, None)

    def per_row(self, expr: ir.Expr, source: str) -> Callable[[UserKey, Row], Value]:
        """An expression over one event of `source` (and its user's values)."""
        compiled = self._run.compile(expr, source)
        return lambda user, row: compiled(user, row)


def evaluate_all(project: ir.Project, tables: Tables, as_of: dt.datetime) -> Evaluation:
    """`evaluate`, keeping what further evaluation over the same rows needs."""
    if as_of.tzinfo is not None:
        raise ValueError("as_of must be a naive wall-clock time in the project's zone")
    run = _Run(project, tables, as_of)
    return Evaluation(run, run.run())


def call_function(func: ir.Func, args: Sequence[Value], as_of: dt.datetime) -> Value:
    """A registry function under its null rule."""
    entry = func.entry
    if entry.null_rule is NullRule.STRICT and any(arg is None for arg in args):
        return None
    return conform(entry.reference(args, as_of), func.type)


# ---------------------------------------------------------------- one evaluation


class _Run:
    def __init__(self, project: ir.Project, tables: Tables, as_of: dt.datetime) -> None:
        self.project = project
        self.as_of = as_of
        # with an identity, every source's user column holds IDs of persons (SPEC §3.1)
        self.persons = resolve(project, tables, as_of) if project.identity else None
        self.profiles: dict[str, dict[UserKey, Row]] = {}
        for source in project.sources:
            if source.kind == "profile":
                rows = tables.get(source.name, ())
                index = _index_profile(source, rows, as_of)
                if self.persons is not None:
                    index = _by_person(source, index, self.persons)
                self.profiles[source.name] = index
        if project.universe not in self.profiles:
            raise ValueError(f"universe {project.universe!r} is not a profile source")
        self.users: list[UserKey] = list(self.profiles[project.universe])
        universe = set(self.users)
        # event source -> user -> (times ascending, rows), only events visible at as_of
        self.events: dict[str, dict[UserKey, tuple[list[dt.datetime], list[Row]]]] = {}
        for source in project.sources:
            if source.kind == "event":
                rows = tables.get(source.name, ())
                users = _users_of(source, rows, self.persons)
                self.events[source.name] = _index_events(source, rows, users, universe, as_of)
        self.tags: dict[str, dict[UserKey, Value]] = {}
        self.segment_values: dict[str, dict[UserKey, Value]] = {}  # membership: True/False
        self.layers: dict[str, dict[UserKey, str]] = {}
        self._aggregates: dict[ir.Aggregate, Eval] = {}

    def run(self) -> RunResult:
        result = RunResult(as_of=self.as_of, users=set(self.users))
        for definition in self.project.definitions:
            if isinstance(definition, ir.Tag):
                fn = self.compile(definition.expr)
                values = {u: conform(fn(u, None), definition.type) for u in self.users}
                self.tags[definition.name] = result.tags[definition.name] = values
            elif isinstance(definition, ir.Segment):
                fn = self.compile(definition.expr)
                truth = {u: fn(u, None) is True for u in self.users}
                self.segment_values[definition.name] = truth
                result.segments[definition.name] = {u for u, v in truth.items() if v}
            else:
                assigned = self._assign_layers(definition)
                self.layers[definition.name] = result.layers[definition.name] = assigned
        return result

    def _assign_layers(self, layering: ir.Layering) -> dict[UserKey, str]:
        conditions = [
            (layer.name, None if layer.condition is None else self.compile(layer.condition))
            for layer in layering.layers
        ]
        assigned: dict[UserKey, str] = {}
        for user in self.users:
            for name, condition in conditions:
                if condition is None or condition(user, None) is True:
                    assigned[user] = name
                    break
        return assigned

    # ------------------------------------------------------------ compilation

    def compile(self, expr: ir.Expr, event_source: str | None = None) -> Eval:
        """A closure computing `expr`. `event_source`: the aggregate source whose event row
        is current (inside an aggregate's value or filter), else None."""

        def sub(child: ir.Expr) -> Eval:
            return self.compile(child, event_source)

        match expr:
            case ir.Literal(value=value, type=type_):
                constant = conform(value, type_)
                return lambda u, r: constant
            case ir.AsOf():
                return lambda u, r: self.as_of
            case ir.AsOfDate():
                today = self.as_of.date()
                return lambda u, r: today
            case ir.ProfileColumn():
                return self._profile_column(expr)
            case ir.EventColumn():
                return self._event_column(expr, event_source)
            case ir.TagRef(name=name):
                return _lookup(self.tags, name, "tag")
            case ir.SegmentRef(name=name):
                return _lookup(self.segment_values, name, "segment")
            case ir.LayeringRef(name=name):
                return _lookup(self.layers, name, "layering")
            case ir.Aggregate():
                return self._aggregate(expr)
            case ir.Not(operand=operand):
                f = sub(operand)
                return lambda u, r: kleene_not(f(u, r))
            case ir.Neg(operand=operand):
                f = sub(operand)
                return lambda u, r: negate(f(u, r))
            case ir.Logic(op=op, left=left, right=right):
                combine = LOGIC[op]
                a, b = sub(left), sub(right)
                return lambda u, r: combine(a(u, r), b(u, r))
            case ir.Compare(left=left, right=right):
                a, b, comparison = sub(left), sub(right), expr.op
                return lambda u, r: compare(comparison, a(u, r), b(u, r))
            case ir.Arith(left=left, right=right):
                a, b, operation = sub(left), sub(right), expr.op
                return lambda u, r: arith(operation, a(u, r), b(u, r))
            case ir.InList(operand=operand, items=items, negated=negated):
                f, fs = sub(operand), [sub(item) for item in items]
                return lambda u, r: in_list(f(u, r), [g(u, r) for g in fs], negated)
            case ir.IsNull(operand=operand, negated=negated):
                f = sub(operand)
                return lambda u, r: is_null(f(u, r), negated)
            case ir.StrMatch(op=op, left=left, right=right):
                a, b = sub(left), sub(right)
                return lambda u, r: str_match(op, a(u, r), b(u, r))
            case ir.Func(args=args):
                fs = [sub(arg) for arg in args]
                now = self.as_of
                return lambda u, r: call_function(expr, [g(u, r) for g in fs], now)
            case ir.Case():
                return self._case(expr, sub)
            case _:
                raise ValueError(f"cannot evaluate {type(expr).__name__}")

    def _profile_column(self, expr: ir.ProfileColumn) -> Eval:
        if expr.source not in self.profiles:
            raise ValueError(f"{expr.source!r} is not a profile source")
        rows, column, type_ = self.profiles[expr.source], expr.column, expr.type

        def read(user: UserKey, row: Row | None) -> Value:
            found = rows.get(user)  # no row for this user: every column is None
            return None if found is None else conform(found.get(column), type_)

        return read

    def _event_column(self, expr: ir.EventColumn, event_source: str | None) -> Eval:
        if expr.source != event_source:
            raise ValueError(f"{expr.source}.{expr.column} used outside an aggregate over it")
        column, type_ = expr.column, expr.type

        def read(user: UserKey, row: Row | None) -> Value:
            assert row is not None
            return conform(row.get(column), type_)

        return read

    def _case(self, expr: ir.Case, sub: Callable[[ir.Expr], Eval]) -> Eval:
        whens = [(sub(cond), sub(value)) for cond, value in expr.whens]
        otherwise = sub(expr.otherwise) if expr.otherwise is not None else None
        type_ = expr.type

        def choose(user: UserKey, row: Row | None) -> Value:
            for cond, value in whens:
                if cond(user, row) is True:
                    return conform(value(user, row), type_)
            return None if otherwise is None else conform(otherwise(user, row), type_)

        return choose

    def _aggregate(self, expr: ir.Aggregate) -> Eval:
        # Equal aggregates (spans aside) share one per-user cache.
        if expr in self._aggregates:
            return self._aggregates[expr]
        if expr.source not in self.events:
            raise ValueError(f"{expr.source!r} is not an event source")
        by_user = self.events[expr.source]
        value = None if expr.value is None else self.compile(expr.value, expr.source)
        keep = None if expr.filter is None else self.compile(expr.filter, expr.source)
        start, end = None, self.as_of
        if expr.window is not None:
            w = expr.window
            start, end = window_bounds(
                w.kind, w.unit, w.start_count, w.end_count, w.since, self.as_of
            )
        fold, cache = expr.entry.reference, dict[UserKey, Value]()

        def compute(user: UserKey, _row: Row | None) -> Value:
            if user in cache:
                return cache[user]
            times, rows = by_user.get(user, ([], []))
            # [start, end) by bisection over the sorted times; all are already < as_of
            lo = 0 if start is None else bisect.bisect_left(times, start)
            hi = bisect.bisect_left(times, end)
            # counting rows (count(orders)): every row counts, as the value 1
            picked = [
                (times[i], 1.0 if value is None else value(user, rows[i]))
                for i in range(lo, hi)
                if keep is None or keep(user, rows[i]) is True
            ]
            result = conform(fold(picked), expr.type)
            cache[user] = result
            return result

        self._aggregates[expr] = compute
        return compute


def _lookup(store: Mapping[str, Mapping[UserKey, Value]], name: str, kind: str) -> Eval:
    """A reference to an already evaluated definition (absent user: None)."""
    if name not in store:
        raise ValueError(f"{kind} {name!r} is used before it is defined")
    values = store[name]
    return lambda u, r: values.get(u)


def holds_at(source: ir.Source, row: Row, as_of: dt.datetime) -> bool:
    """Whether a profile row holds at the as-of (SPEC §3.1): created before it (a null time
    counts as always), and for a history the version with valid_from <= as_of < valid_to
    (a null start is since always, a null end is open)."""

    def at(column: str | None) -> dt.datetime | None:
        value = None if column is None else row.get(column)
        return None if value is None else instant(value)

    created, start, end = at(source.created), at(source.valid_from), at(source.valid_to)
    if created is not None and not created < as_of:
        return False
    if start is not None and not start <= as_of:
        return False
    return end is None or as_of < end


def _index_profile(
    source: ir.Source, rows: Sequence[Row], as_of: dt.datetime
) -> dict[UserKey, Row]:
    """key -> the row that holds at the as-of; rows with a None (or NaN) key are dropped.
    Two rows for one key (overlapping versions of a history) are ambiguous."""
    index: dict[UserKey, Row] = {}
    for row in rows:
        key = row.get(source.user_column)
        if key is None or key != key or not holds_at(source, row, as_of):
            continue
        if key in index:
            raise ValueError(f"profile source {source.name!r} has several rows for {key!r}")
        index[key] = row
    return index


def _by_person(
    source: ir.Source, index: dict[UserKey, Row], persons: Persons
) -> dict[UserKey, Row]:
    """person -> the profile row of their smallest ID (by code point) of the source's kind."""
    assert source.id_kind is not None
    chosen: dict[UserKey, tuple[str, Row]] = {}
    for key, row in index.items():
        text = id_text(key)
        person = persons.of.get((source.id_kind, text)) if text is not None else None
        if person is None or text is None:
            continue
        if person not in chosen or text < chosen[person][0]:
            chosen[person] = (text, row)
    return {person: row for person, (_, row) in chosen.items()}


def _users_of(
    source: ir.Source, rows: Sequence[Row], persons: Persons | None
) -> list[UserKey | None]:
    """Each event's user: its user column, or with an identity the person its ID belongs
    to (the row itself keeps the ID: `app.device_id` is still the device)."""
    if persons is None:
        return [row.get(source.user_column) for row in rows]
    assert source.id_kind is not None
    users: list[UserKey | None] = []
    for row in rows:
        text = id_text(row.get(source.user_column))
        users.append(persons.of.get((source.id_kind, text)) if text is not None else None)
    return users


def _index_events(
    source: ir.Source,
    rows: Sequence[Row],
    users: Sequence[UserKey | None],
    universe: set[UserKey],
    as_of: dt.datetime,
) -> dict[UserKey, tuple[list[dt.datetime], list[Row]]]:
    """user -> (times, rows) sorted by time: only universe users' events with a time < as_of;
    `users` holds each row's user."""
    if source.time_column is None:
        raise ValueError(f"event source {source.name!r} has no time column")
    visible: dict[UserKey, list[tuple[dt.datetime, Row]]] = {}
    for row, user in zip(rows, users, strict=True):
        raw_time = row.get(source.time_column)
        if user not in universe or raw_time is None:
            continue
        time = instant(raw_time)
        if time < as_of:
            visible.setdefault(user, []).append((time, row))
    index: dict[UserKey, tuple[list[dt.datetime], list[Row]]] = {}
    for user, pairs in visible.items():
        pairs.sort(key=lambda pair: pair[0])  # stable: equal times keep input order
        index[user] = ([t for t, _ in pairs], [r for _, r in pairs])
    return index

"""The reference evaluator: the executable definition of segl's semantics (SPEC §3).

Plain Python over rows of plain values. It is the oracle every engine is tested against, so
it favours being obviously right over being fast: each IR node's meaning is one small
function below, and `_Run.compile` only wires those functions together into closures (so the
tree is walked once per definition, not once per user).

Conventions:
- None is SQL's unknown; and/or/not are Kleene; everything else propagates None.
- Every NUMBER value is a float (the SQL side stores numbers as DOUBLE); a TIMESTAMP value is
  always a `datetime` (a DATE flowing into a TIMESTAMP slot is promoted to midnight) and a
  DATE value always a plain `date`.
- Times are naive wall-clock times in the project's zone (the caller converts `as_of`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import operator
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from segl.compiler import ir
from segl.compiler.timeutil import as_datetime, window_bounds
from segl.compiler.types import Type
from segl.runtime.results import RunResult

Row = Mapping[str, object]
Tables = Mapping[str, Sequence[Row]]
Value = Any  # None | float | str | bool | date | datetime
UserKey = Any
# A compiled expression: (user, current event row or None outside aggregates) -> value.
Eval = Callable[[UserKey, Row | None], Value]

_DAY = dt.timedelta(days=1)
_HOUR = dt.timedelta(hours=1)

__all__ = [
    "aggregate_values",
    "arith",
    "call_function",
    "compare",
    "conform",
    "evaluate",
    "in_list",
    "is_null",
    "kleene_and",
    "kleene_not",
    "kleene_or",
    "negate",
    "round_half_away",
    "str_match",
]


# ---------------------------------------------------------------- entry point


def evaluate(project: ir.Project, tables: Tables, as_of: dt.datetime) -> RunResult:
    """Evaluate every definition of `project` over `tables` (source name -> rows) at `as_of`.

    A source missing from `tables` has no rows."""
    if as_of.tzinfo is not None:
        raise ValueError("as_of must be a naive wall-clock time in the project's zone")
    return _Run(project, tables, as_of).run()


# ---------------------------------------------------------------- value helpers


def conform(value: Value, type_: Type) -> Value:
    """Normalise a value to the representation of its declared type (see module doc).

    Exact class checks (`type(v) is int`) keep bools out and make this hot path cheap."""
    if type_ is Type.NUMBER:
        return float(value) if type(value) is int else value
    if type_ is Type.TIMESTAMP:
        return as_datetime(value) if type(value) is dt.date else value
    if type_ is Type.DATE:
        return value.date() if type(value) is dt.datetime else value
    return value


def _num(value: Value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _str(value: Value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _instant(value: Value) -> dt.datetime:
    """A date or timestamp as an instant (a date is its midnight)."""
    if not isinstance(value, dt.date):
        raise TypeError(f"expected a date or timestamp, got {value!r}")
    return as_datetime(value)


def _day(value: Value) -> dt.date:
    """The date part of a date or timestamp."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"expected a date or timestamp, got {value!r}")


def _promote(a: Value, b: Value) -> tuple[Value, Value]:
    """A DATE meeting a TIMESTAMP counts as midnight of that day."""
    temporal = isinstance(a, dt.date) and isinstance(b, dt.date)
    if temporal and isinstance(a, dt.datetime) != isinstance(b, dt.datetime):
        return as_datetime(a), as_datetime(b)
    return a, b


# ---------------------------------------------------------------- operators


def kleene_and(a: Value, b: Value) -> Value:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def kleene_or(a: Value, b: Value) -> Value:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def kleene_not(a: Value) -> Value:
    return None if a is None else not a


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def compare(op: str, a: Value, b: Value) -> Value:
    """SQL comparison: None if either side is None. Strings compare by code point."""
    if a is None or b is None:
        return None
    a, b = _promote(a, b)
    return bool(_COMPARE[op](a, b))


def arith(op: str, a: Value, b: Value) -> Value:
    """+ - * / on doubles; true division; division by zero is None."""
    if a is None or b is None:
        return None
    x, y = _num(a), _num(b)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        return None if y == 0 else x / y
    raise ValueError(f"unknown arithmetic operator {op!r}")


def negate(a: Value) -> Value:
    return None if a is None else -_num(a)


def in_list(operand: Value, items: Sequence[Value], negated: bool) -> Value:
    """Standard SQL `x [not] in (...)`: a match decides; otherwise a None item makes it None."""
    if operand is None:
        return None
    if any(compare("==", operand, item) is True for item in items):
        return not negated
    if any(item is None for item in items):
        return None
    return negated


def is_null(operand: Value, negated: bool) -> bool:
    return (operand is not None) if negated else (operand is None)


def str_match(op: str, left: Value, right: Value) -> Value:
    if left is None or right is None:
        return None
    text, part = _str(left), _str(right)
    if op == "contains":
        return part in text
    if op == "starts_with":
        return text.startswith(part)
    if op == "ends_with":
        return text.endswith(part)
    raise ValueError(f"unknown string match {op!r}")


# ---------------------------------------------------------------- scalar functions


def round_half_away(x: float, digits: int = 0) -> float:
    """C's std::round (half away from zero) of the double x * 10**digits, scaled back.

    Uses floor and the exact fractional part: x + 0.5 would round 0.49999999999999994 up."""
    scale = 10.0**digits
    scaled = x * scale
    magnitude = abs(scaled)
    whole = math.floor(magnitude)
    if magnitude - whole >= 0.5:  # exact: a double minus its floor is representable
        whole += 1
    return math.copysign(float(whole), scaled) / scale


def _round(args: Sequence[Value]) -> float:
    digits = 0
    if len(args) == 2:
        n = _num(args[1])
        if n != math.floor(n):
            raise ValueError(f"round: the number of digits must be whole, got {n}")
        digits = int(n)
    return round_half_away(_num(args[0]), digits)


def _age(born_value: Value, today: dt.date) -> float:
    born = _day(born_value)
    before_birthday = (today.month, today.day) < (born.month, born.day)
    return float(today.year - born.year - (1 if before_birthday else 0))


def _hour(value: Value) -> float:
    if isinstance(value, dt.datetime):
        return float(value.hour)
    _day(value)  # only checks that it is a date: a date's hour is 0
    return 0.0


# name -> (args, as_of) -> value; called only when no argument is None.
_FUNCTIONS: dict[str, Callable[[Sequence[Value], dt.datetime], Value]] = {
    "days_since": lambda a, now: float((now - _instant(a[0])) // _DAY),
    "hours_since": lambda a, now: float((now - _instant(a[0])) // _HOUR),
    "days_between": lambda a, now: float((_instant(a[1]) - _instant(a[0])) // _DAY),
    "age": lambda a, now: _age(a[0], now.date()),
    "date": lambda a, now: _day(a[0]),
    "day_of_week": lambda a, now: float(_day(a[0]).isoweekday()),
    "hour": lambda a, now: _hour(a[0]),
    "lower": lambda a, now: _str(a[0]).lower(),
    "upper": lambda a, now: _str(a[0]).upper(),
    "length": lambda a, now: float(len(_str(a[0]))),
    "abs": lambda a, now: abs(_num(a[0])),
    "round": lambda a, now: _round(a),
}


def call_function(name: str, args: Sequence[Value], as_of: dt.datetime) -> Value:
    """A scalar function; any None argument gives None, except for coalesce."""
    if name == "coalesce":
        return next((arg for arg in args if arg is not None), None)
    if name not in _FUNCTIONS:
        raise ValueError(f"unknown function {name!r}")
    if any(arg is None for arg in args):
        return None
    return _FUNCTIONS[name](args, as_of)


# ---------------------------------------------------------------- aggregates


def aggregate_values(func: str, picked: Sequence[tuple[dt.datetime, Value]], rows: bool) -> Value:
    """Fold the picked events (time, value) of one user. `rows`: the aggregate has no value
    expression and counts the event rows themselves (count, exists)."""
    if rows:
        if func == "count":
            return float(len(picked))
        if func == "exists":
            return bool(picked)
        raise ValueError(f"{func} needs a value expression")
    present = [value for _, value in picked if value is not None]
    if func == "count":
        return float(len(present))
    if func == "exists":
        return bool(present)
    if func == "count_distinct":
        return float(len(set(present)))
    if func == "sum":
        return math.fsum(_num(v) for v in present)  # exact sum, so order cannot matter
    if func == "avg":
        return math.fsum(_num(v) for v in present) / len(present) if present else None
    if func in ("min", "max"):
        if not present:
            return None
        return min(present) if func == "min" else max(present)
    if func in ("first", "last"):
        return _first_or_last(func, picked)
    if func == "most_frequent":
        if not present:
            return None
        counts = Counter(present)
        top = max(counts.values())
        return min(value for value, count in counts.items() if count == top)
    raise ValueError(f"unknown aggregate {func!r}")


def _first_or_last(func: str, picked: Sequence[tuple[dt.datetime, Value]]) -> Value:
    """first: order by (time asc, value asc nulls last); last: (time desc, value desc nulls
    last); take the first row's value. So only the earliest (latest) time's events matter,
    and among them the smallest (largest) non-None value wins."""
    if not picked:
        return None
    times = [time for time, _ in picked]
    moment = min(times) if func == "first" else max(times)
    tied = [value for time, value in picked if time == moment and value is not None]
    if not tied:
        return None
    return min(tied) if func == "first" else max(tied)


# ---------------------------------------------------------------- one evaluation


class _Run:
    def __init__(self, project: ir.Project, tables: Tables, as_of: dt.datetime) -> None:
        self.project = project
        self.as_of = as_of
        self.profiles: dict[str, dict[UserKey, Row]] = {}
        for source in project.sources:
            if source.kind == "profile":
                self.profiles[source.name] = _index_profile(source, tables.get(source.name, ()))
        if project.universe not in self.profiles:
            raise ValueError(f"universe {project.universe!r} is not a profile source")
        self.users: list[UserKey] = list(self.profiles[project.universe])
        universe = set(self.users)
        # event source -> user -> (times ascending, rows), only events visible at as_of
        self.events: dict[str, dict[UserKey, tuple[list[dt.datetime], list[Row]]]] = {}
        for source in project.sources:
            if source.kind == "event":
                rows = tables.get(source.name, ())
                self.events[source.name] = _index_events(source, rows, universe, as_of)
        self.tags: dict[str, dict[UserKey, Value]] = {}
        self.segment_values: dict[str, dict[UserKey, Value]] = {}  # three-valued
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
                truth = {u: fn(u, None) for u in self.users}
                self.segment_values[definition.name] = truth
                result.segments[definition.name] = {u for u, v in truth.items() if v is True}
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
                combine = {"and": kleene_and, "or": kleene_or}[op]
                a, b = sub(left), sub(right)
                return lambda u, r: combine(a(u, r), b(u, r))
            case ir.Compare(op=op, left=left, right=right):
                if op not in _COMPARE:
                    raise ValueError(f"unknown comparison {op!r}")
                a, b = sub(left), sub(right)
                return lambda u, r: compare(op, a(u, r), b(u, r))
            case ir.Arith(op=op, left=left, right=right):
                a, b = sub(left), sub(right)
                return lambda u, r: arith(op, a(u, r), b(u, r))
            case ir.InList(operand=operand, items=items, negated=negated):
                f, fs = sub(operand), [sub(item) for item in items]
                return lambda u, r: in_list(f(u, r), [g(u, r) for g in fs], negated)
            case ir.IsNull(operand=operand, negated=negated):
                f = sub(operand)
                return lambda u, r: is_null(f(u, r), negated)
            case ir.StrMatch(op=op, left=left, right=right):
                a, b = sub(left), sub(right)
                return lambda u, r: str_match(op, a(u, r), b(u, r))
            case ir.Func(name=name, args=args, type=type_):
                fs = [sub(arg) for arg in args]
                now = self.as_of
                return lambda u, r: conform(call_function(name, [g(u, r) for g in fs], now), type_)
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
        func, cache = expr.func, dict[UserKey, Value]()

        def compute(user: UserKey, _row: Row | None) -> Value:
            if user in cache:
                return cache[user]
            times, rows = by_user.get(user, ([], []))
            # [start, end) by bisection over the sorted times; all are already < as_of
            lo = 0 if start is None else bisect.bisect_left(times, start)
            hi = bisect.bisect_left(times, end)
            picked = [
                (times[i], None if value is None else value(user, rows[i]))
                for i in range(lo, hi)
                if keep is None or keep(user, rows[i]) is True
            ]
            result = conform(aggregate_values(func, picked, value is None), expr.type)
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


def _index_profile(source: ir.Source, rows: Sequence[Row]) -> dict[UserKey, Row]:
    """key -> row; rows with a None key are dropped. Two rows for one key are ambiguous."""
    index: dict[UserKey, Row] = {}
    for row in rows:
        key = row.get(source.user_column)
        if key is None:
            continue
        if key in index:
            raise ValueError(f"profile source {source.name!r} has several rows for {key!r}")
        index[key] = row
    return index


def _index_events(
    source: ir.Source, rows: Sequence[Row], universe: set[UserKey], as_of: dt.datetime
) -> dict[UserKey, tuple[list[dt.datetime], list[Row]]]:
    """user -> (times, rows) sorted by time: only universe users' events with a time < as_of."""
    if source.time_column is None:
        raise ValueError(f"event source {source.name!r} has no time column")
    visible: dict[UserKey, list[tuple[dt.datetime, Row]]] = {}
    for row in rows:
        user, raw_time = row.get(source.user_column), row.get(source.time_column)
        if user not in universe or raw_time is None:
            continue
        time = _instant(raw_time)
        if time < as_of:
            visible.setdefault(user, []).append((time, row))
    index: dict[UserKey, tuple[list[dt.datetime], list[Row]]] = {}
    for user, pairs in visible.items():
        pairs.sort(key=lambda pair: pair[0])  # stable: equal times keep input order
        index[user] = ([t for t, _ in pairs], [r for _, r in pairs])
    return index

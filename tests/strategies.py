"""Hypothesis strategies: well-typed IR projects over one fixed schema, and data for them.

Expressions are built from the wanted result type backwards: `expressions(t, scope, depth)`
picks a leaf or an operator/function whose result has type `t` and draws its operands by their
types. A `Scope` says which leaves are available: per-user expressions see profile columns,
earlier definitions and aggregates; per-event expressions (inside an aggregate) see the
aggregated source's columns. Projects are drawn definition by definition, each one seeing only
what came before, so `definitions` is always in dependency order.

Data is drawn around the as-of instant: timestamps sit exactly on (and one second either side
of) every window bound the generated windows can have, at as-of itself, after it, around
month ends and leap days; values are None often.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import strategies as st

from segl.compiler import ir
from segl.compiler.timeutil import as_datetime, shift
from segl.compiler.types import Type, unify

NUMBER, STRING, BOOL, DATE, TIMESTAMP = (
    Type.NUMBER,
    Type.STRING,
    Type.BOOL,
    Type.DATE,
    Type.TIMESTAMP,
)
CONCRETE = (NUMBER, STRING, BOOL, DATE, TIMESTAMP)
TEMPORAL = (DATE, TIMESTAMP)

# ---------------------------------------------------------------- the fixed schema

USERS = ir.Source(
    "users",
    "users",
    "profile",
    "user_id",
    None,
    (
        ("user_id", NUMBER),
        ("city", STRING),
        ("age_n", NUMBER),
        ("vip", BOOL),
        ("birthday", DATE),
        ("registered_at", TIMESTAMP),
    ),
)
ORDERS = ir.Source(
    "orders",
    "orders",
    "event",
    "user_id",
    "ts",
    (
        ("user_id", NUMBER),
        ("ts", TIMESTAMP),
        ("amount", NUMBER),
        ("brand", STRING),
        ("coupon", BOOL),
        ("paid_day", DATE),
    ),
)
EVENTS = ir.Source(
    "events",
    "events",
    "event",
    "user_id",
    "ts",
    (("user_id", NUMBER), ("ts", TIMESTAMP), ("name", STRING), ("channel", STRING)),
)
# a profile kept as history: one row per version, [valid_from, valid_to)
MEMBERSHIP = ir.Source(
    "membership",
    "membership",
    "profile",
    "user_id",
    None,
    (
        ("user_id", NUMBER),
        ("level", STRING),
        ("points", NUMBER),
        ("since", TIMESTAMP),
        ("until", TIMESTAMP),
    ),
    valid_from="since",
    valid_to="until",
)
# the universe as users exist at the as-of: created before it (SPEC §3.1)
USERS_CREATED = dataclasses.replace(USERS, created="registered_at")
SOURCES = (USERS, ORDERS, EVENTS, MEMBERSHIP)
EVENT_SOURCES = (ORDERS, EVENTS)
MEMBERSHIP_COLUMNS = (("level", STRING), ("points", NUMBER))

# ---------------------------------------------------------------- vocabularies

COMPARE_OPS = ("==", "!=", "<", "<=", ">", ">=")
ARITH_OPS = ("+", "-", "*", "/", "%")
LOGIC_OPS = ("and", "or")
STR_MATCH_OPS = ("contains", "starts_with", "ends_with")
AGGREGATE_FUNCS = (
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "count_distinct",
    "exists",
    "first",
    "last",
    "most_frequent",
)
FUNC_NAMES = (
    "days_since",
    "hours_since",
    "days_between",
    "age",
    "date",
    "day_of_week",
    "hour",
    "lower",
    "upper",
    "length",
    "abs",
    "round",
    "floor",
    "ceil",
    "greatest",
    "least",
    "bucket",
    "coalesce",
)
BUCKET_SALTS = ("", "exp-1", "价格测试")
WHOLE = ("floor", "ceil")
WINDOW_KINDS = ("last", "ago", "since", "today")
WINDOW_UNITS = ("minute", "hour", "day", "week", "month", "year")
WINDOW_COUNTS = (1, 2, 3, 7)  # data timestamps are placed on exactly these bounds

_AGGREGATES_BY_TYPE: dict[Type, tuple[str, ...]] = {
    NUMBER: (
        "count",
        "sum",
        "avg",
        "min",
        "max",
        "count_distinct",
        "first",
        "last",
        "most_frequent",
    ),
    BOOL: ("exists", "first", "last", "most_frequent"),
    STRING: ("min", "max", "first", "last", "most_frequent"),
    DATE: ("min", "max", "first", "last", "most_frequent"),
    TIMESTAMP: ("min", "max", "first", "last", "most_frequent"),
}

AS_OFS = (
    dt.datetime(2024, 3, 31, 0, 0, 0),
    dt.datetime(2024, 2, 29, 12, 0, 0),
    dt.datetime(2025, 3, 30, 2, 30, 0),
    dt.datetime(2026, 11, 1, 0, 0, 0),
    dt.datetime(2024, 12, 31, 23, 59, 59),
)
STRING_VALUES = ("", "Beijing", "北京", "a", "A", "ab", "O'Brien", 'x"y')
FIXED_DATES = (
    dt.date(2000, 2, 29),
    dt.date(1990, 3, 31),
    dt.date(2023, 2, 28),
    dt.date(2024, 1, 31),
    dt.date(2024, 2, 28),
    dt.date(2024, 2, 29),
    dt.date(2024, 3, 1),
    dt.date(2024, 3, 31),
    dt.date(2024, 12, 31),
    dt.date(2025, 2, 28),
    dt.date(2025, 3, 30),
    dt.date(2026, 10, 31),
    dt.date(2026, 11, 1),
)
FIXED_TIMESTAMPS = (
    *AS_OFS,
    dt.datetime(2024, 1, 31, 23, 59, 59),
    dt.datetime(2024, 2, 28, 12, 0, 0),
    dt.datetime(2024, 2, 29, 0, 0, 0),
    dt.datetime(2024, 3, 1, 0, 0, 0),
    dt.datetime(2024, 3, 30, 23, 59, 59),
    dt.datetime(2025, 2, 28, 2, 30, 0),
    dt.datetime(2025, 3, 29, 23, 0, 0),
    dt.datetime(2026, 10, 1, 0, 0, 0),
    dt.datetime(2026, 10, 31, 23, 59, 59),
)
LAYER_NAMES = ("new", "churned", "loyal", "mature", "高价值", "Dormant")
# Definition names: plain, Unicode, mixed case and SQL keywords; index-suffixed or unique per
# definition index, so no two names in a project differ only by case.
_KEYWORD_NAMES = ("select", "order", "group", "from", "where", "user", "table", "case", "end")

NULL_LITERAL = ir.Literal(None, Type.NULL)

# ---------------------------------------------------------------- drawing helpers

_T = TypeVar("_T")


@functools.cache
def _index(n: int) -> st.SearchStrategy[int]:
    return st.integers(0, n - 1)


@functools.cache
def _pool(values: tuple[object, ...]) -> st.SearchStrategy[object]:
    return st.sampled_from(values)


def _numbers(low: int) -> st.SearchStrategy[object]:
    """Small integers and halves from `low`: sums and averages of these are exact in doubles."""
    return st.one_of(st.integers(low, 20), st.integers(2 * low, 41).map(lambda n: n / 2))


# Data numbers go negative; literals do not (the checker reads `-3` as Neg(3)). Now and then
# a NaN (read as null) or an infinity (an ordinary number): SPEC §3.
_NON_FINITE = st.sampled_from((math.nan, math.inf, -math.inf))
_DATA_NUMBERS = st.one_of(_numbers(-3), _numbers(-3), _numbers(-3), _NON_FINITE)
_LITERAL_VALUES: dict[Type, st.SearchStrategy[object]] = {
    NUMBER: _numbers(0),
    STRING: st.sampled_from(STRING_VALUES),
    BOOL: st.booleans(),
    DATE: st.sampled_from(FIXED_DATES),
    TIMESTAMP: st.sampled_from(FIXED_TIMESTAMPS),
}


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Env:
    """The definitions drawn so far (what later definitions may reference)."""

    tags: tuple[tuple[str, Type], ...] = ()
    segments: tuple[str, ...] = ()
    layerings: tuple[tuple[str, tuple[str, ...]], ...] = ()


class _Builder:
    """Draws one expression tree by plain recursion over the wanted type.

    One composite draw per tree, with cached primitive strategies underneath, is an order of
    magnitude faster than nesting a fresh strategy object per node, and still shrinks well.
    `env` set: per-user expressions; `source` set: per-event ones inside an aggregate."""

    def __init__(
        self, draw: st.DrawFn, env: Env | None, source: ir.Source | None, agg_depth: int = 2
    ) -> None:
        self.draw = draw
        self.env = env
        self.source = source
        self.agg_depth = agg_depth

    def pick(self, options: Sequence[_T]) -> _T:
        return options[self.draw(_index(len(options)))]

    def chance(self, one_in: int) -> bool:
        return bool(self.draw(_index(one_in)) == 0)

    def expr(self, t: Type, depth: int) -> ir.Expr:
        """An expression of type `t` (or the `null` literal), at most `depth` operators deep
        (an aggregate's per-event expressions have their own depth)."""
        if depth <= 0 or self.chance(3):
            return self.leaf(t)
        specific = self.operators(t)
        # case and coalesce fit every type but multiply the tree: keep them rarer
        if not specific or self.chance(5):
            return self.pick(self.generic(t))(depth - 1)
        return self.pick(specific)(depth - 1)

    # -------------------------------------------------------- leaves

    def literal(self, t: Type) -> ir.Expr:
        return ir.Literal(self.draw(_LITERAL_VALUES[t]), t)  # type: ignore[arg-type]

    def leaf(self, t: Type) -> ir.Expr:
        if self.chance(16):  # now and then an untyped `null`
            return NULL_LITERAL
        # aggregates: what most tags are
        if self.source is None and self.chance(2 if t is NUMBER else 3):
            return self.aggregate(t)
        options: list[Callable[[], ir.Expr]] = [lambda: self.literal(t)]
        if t is TIMESTAMP:
            options.append(ir.AsOf)
        if t is DATE:
            options.append(ir.AsOfDate)
        if self.source is not None:
            name = self.source.name
            options += [_const(ir.EventColumn(name, c, ct)) for c, ct in self.source.columns]
        # per-user values: outside aggregates, and now and then inside one (the user's value
        # as of the run next to the event's: `ts >= users.registered_at`)
        if self.source is None or (self.env is not None and self.chance(4)):
            env = self.env or Env()
            options += [_const(ir.ProfileColumn(USERS.name, c, ct)) for c, ct in USERS.columns]
            options += [
                _const(ir.ProfileColumn(MEMBERSHIP.name, c, ct)) for c, ct in MEMBERSHIP_COLUMNS
            ]
            options += [_const(ir.TagRef(name, tt)) for name, tt in env.tags]
            options += [_const(ir.SegmentRef(name)) for name in env.segments]
        typed = [make for make in options if _result_type(make) in (t, None)]
        return self.pick(typed)()

    def aggregate(self, t: Type) -> ir.Expr:
        """An aggregate of type `t` (or, for a TIMESTAMP, possibly DATE), as the checker types
        it: count/count_distinct are numbers, exists a bool, the others their value's type."""
        source = self.pick(EVENT_SOURCES)
        func = self.pick(_AGGREGATES_BY_TYPE[t])
        inner = _Builder(self.draw, self.env, source)
        depth = self.agg_depth
        value: ir.Expr | None
        if func in ("count", "exists"):
            value = None if self.chance(2) else inner.expr(self.pick(CONCRETE), depth)
        elif func == "count_distinct" and self.chance(3):
            # the active-days idiom, which DuckDB counts as bits (targets.duckdb.distinct_days)
            value = ir.Func("date", (ir.EventColumn(source.name, "ts", TIMESTAMP),), DATE)
        elif func == "count_distinct":
            value = inner.expr(self.pick(CONCRETE), depth)
        else:
            value = inner.expr(NUMBER if func in ("sum", "avg") else t, depth)
            if value.type is Type.NULL:  # "sum() of null is always null" is a check error
                value = inner.literal(t)
        flt = None if self.chance(3) else inner.expr(BOOL, depth)
        if value is not None and not _mentions_column(value, flt):
            # the checker finds the source from a column in the value or the filter
            visible = ir.IsNull(ir.EventColumn(source.name, "ts", TIMESTAMP), True)
            flt = visible if flt is None else ir.Logic("and", flt, visible)
        window = None if self.chance(3) else self.window()
        if func in ("count", "count_distinct", "exists"):
            result = BOOL if func == "exists" else NUMBER
        else:
            assert value is not None
            result = value.type
        return ir.Aggregate(func, source.name, value, flt, window, result)

    def window(self) -> ir.Window:
        kind = self.pick(WINDOW_KINDS)
        if kind == "since":
            return ir.Window("since", since=self.pick(FIXED_TIMESTAMPS))
        if kind == "today":
            return ir.Window("today")
        unit, count = self.pick(WINDOW_UNITS), self.pick(WINDOW_COUNTS)
        if kind == "last":
            return ir.Window("last", unit, count)
        # "between count and end units ago"; end > count is an empty window
        end = self.pick(tuple(c for c in (0, *WINDOW_COUNTS) if c != count))
        return ir.Window("ago", unit, count, end)

    # -------------------------------------------------------- operators and functions

    def generic(self, t: Type) -> list[Callable[[int], ir.Expr]]:
        makers = [lambda d: self.case(t, d), lambda d: self.coalesce(t, d)]
        if t in (STRING, DATE, TIMESTAMP):  # numbers have their own slot
            makers.append(lambda d: self.extreme(t, d))
        return makers

    def extreme(self, t: Type, depth: int) -> ir.Expr:
        """greatest/least of 2-3 values of type t (dates may mix into timestamps)."""
        types = self.branch_types(t, 2 + self.draw(_index(2)))
        args = tuple(self.expr(vt, depth) for vt in types)
        return ir.Func(self.pick(("greatest", "least")), args, _unified(args))

    def bucket(self, depth: int) -> ir.Expr:
        """bucket(key, salt): a string or number key (mostly the user's), a literal salt."""
        user: ir.Expr = ir.ProfileColumn(USERS.name, "user_id", NUMBER)
        if self.source is not None:
            user = ir.EventColumn(self.source.name, "user_id", NUMBER)
        key = user if self.chance(2) else self.expr(self.pick((STRING, NUMBER)), depth)
        salt = ir.Literal(self.pick(BUCKET_SALTS), STRING)
        return ir.Func("bucket", (key, salt), NUMBER)

    def operators(self, t: Type) -> list[Callable[[int], ir.Expr]]:
        """Makers (taking the operands' depth) of the type-specific nodes of result type `t`."""
        makers: list[Callable[[int], ir.Expr]] = []
        e = self.expr
        if t is BOOL:
            makers += [
                lambda d: ir.Not(e(BOOL, d)),
                lambda d: ir.Logic(self.pick(LOGIC_OPS), e(BOOL, d), e(BOOL, d)),
                self.compare,
                self.in_list,
                lambda d: ir.IsNull(e(self.pick(CONCRETE), d), self.chance(2)),
                lambda d: ir.StrMatch(self.pick(STR_MATCH_OPS), e(STRING, d), e(STRING, d)),
            ]
            if self.env is not None and self.env.layerings:  # rare otherwise: boost
                makers += [lambda d: self.layer_test()] * 3
        elif t is NUMBER:
            makers += [
                lambda d: ir.Neg(e(NUMBER, d)),
                lambda d: ir.Arith(self.pick(ARITH_OPS), e(NUMBER, d), e(NUMBER, d)),
                lambda d: ir.Arith(self.pick(ARITH_OPS), e(NUMBER, d), e(NUMBER, d)),
                self.round,
                self.func_maker(NUMBER, "abs", (NUMBER,)),
                self.func_maker(NUMBER, "length", (STRING,)),
                lambda d: self.pick([self.func_maker(NUMBER, n, (NUMBER,)) for n in WHOLE])(d),
                lambda d: self.extreme(NUMBER, d),
                self.bucket,
                # three slots for all six: elapsed time is what CRM rules compute most
                *[lambda d: self.pick(self.time_functions())(d)] * 3,
            ]
        elif t is STRING:
            makers += [self.func_maker(STRING, n, (STRING,)) for n in ("lower", "upper")]
        elif t is DATE:
            makers.append(self.func_maker(DATE, "date", (None,)))
        return makers

    def time_functions(self) -> list[Callable[[int], ir.Expr]]:
        one_arg = ("days_since", "hours_since", "age", "day_of_week", "hour")
        return [
            *(self.func_maker(NUMBER, name, (None,)) for name in one_arg),
            self.func_maker(NUMBER, "days_between", (None, None)),
        ]

    def temporal(self, depth: int) -> ir.Expr:
        return self.expr(self.pick(TEMPORAL), depth)

    def func_maker(
        self, t: Type, name: str, arg_types: tuple[Type | None, ...]
    ) -> Callable[[int], ir.Expr]:
        """A function node; an argument type None means "a date or a timestamp"."""

        def make(depth: int) -> ir.Expr:
            args = tuple(
                self.temporal(depth) if at is None else self.expr(at, depth) for at in arg_types
            )
            return ir.Func(name, args, t)

        return make

    def round(self, depth: int) -> ir.Expr:
        x = self.expr(NUMBER, depth)
        if self.chance(2):
            return ir.Func("round", (x,), NUMBER)
        # the checker wants a whole literal from 0 to 10
        return ir.Func("round", (x, ir.Literal(self.pick((0, 1, 2)), NUMBER)), NUMBER)

    def branch_types(self, t: Type, n: int) -> list[Type]:
        """Types of n values that unify to t: a TIMESTAMP may mix in DATEs (promoted)."""
        if t is not TIMESTAMP:
            return [t] * n
        types = [self.pick(TEMPORAL) for _ in range(n)]
        types[self.draw(_index(n))] = TIMESTAMP  # at least one, else the type is DATE
        return types

    def case(self, t: Type, depth: int) -> ir.Expr:
        n = 1 + self.draw(_index(2))
        has_otherwise = self.chance(2)
        types = self.branch_types(t, n + (1 if has_otherwise else 0))
        whens = tuple((self.expr(BOOL, depth), self.expr(vt, depth)) for vt in types[:n])
        otherwise = self.expr(types[n], depth) if has_otherwise else None
        values = [value for _, value in whens] + ([otherwise] if otherwise is not None else [])
        return ir.Case(whens, otherwise, _unified(values))

    def coalesce(self, t: Type, depth: int) -> ir.Expr:
        types = self.branch_types(t, 2 + self.draw(_index(2)))
        args = tuple(self.expr(vt, depth) for vt in types)
        return ir.Func("coalesce", args, _unified(args))

    def compare(self, depth: int) -> ir.Expr:
        op = self.pick(COMPARE_OPS)
        # numbers twice: little else asks for them; None: a date/timestamp mix
        kinds: tuple[Type | None, ...] = (NUMBER, NUMBER, STRING, None)
        if op in ("==", "!="):
            kinds += (BOOL,)
        kind = self.pick(kinds)
        if kind is None:
            return ir.Compare(op, self.temporal(depth), self.temporal(depth))
        return ir.Compare(op, self.expr(kind, depth), self.expr(kind, depth))

    def in_list(self, depth: int) -> ir.Expr:
        t = self.pick(CONCRETE)
        operand = self.expr(t, depth)
        item_types = TEMPORAL if t in TEMPORAL else (t,)
        items = []
        for _ in range(1 + self.draw(_index(4))):
            it = self.pick(item_types)
            kind = self.draw(_index(4))  # mostly literals, some nulls, some expressions
            if kind <= 1:
                items.append(self.literal(it))
            else:
                items.append(NULL_LITERAL if kind == 2 else self.expr(it, depth))
        return ir.InList(operand, tuple(items), self.chance(2))

    def layer_test(self) -> ir.Expr:
        """A layering compared with its own layer names (anything else is a check error)."""
        assert self.env is not None
        name, layers = self.pick(self.env.layerings)
        ref = ir.LayeringRef(name)
        if self.chance(2):
            return ir.Compare(self.pick(("==", "!=")), ref, ir.Literal(self.pick(layers), STRING))
        chosen = dict.fromkeys(self.pick(layers) for _ in range(1 + self.draw(_index(3))))
        items = tuple(ir.Literal(layer, STRING) for layer in chosen)
        return ir.InList(ref, items, self.chance(2))


def _unified(values: Sequence[ir.Expr]) -> Type:
    """The checker's type of case branches or coalesce arguments: NULL if all are null."""
    result = Type.NULL
    for value in values:
        common = unify(result, value.type)
        assert common is not None, f"generated disagreeing branches {values}"
        result = common
    return result


def _mentions_column(*exprs: ir.Expr | None) -> bool:
    return any(
        isinstance(node, ir.EventColumn)
        for expr in exprs
        if expr is not None
        for node in ir.walk(expr)
    )


def _const(node: ir.Expr) -> Callable[[], ir.Expr]:
    """A leaf maker returning a fixed node; its type is read by `_result_type`."""

    def make() -> ir.Expr:
        return node

    make.node_type = node.type  # type: ignore[attr-defined]
    return make


def _result_type(make: Callable[[], ir.Expr]) -> Type | None:
    """The fixed type of a `_const` leaf maker, AsOf/AsOfDate's, or None (any type)."""
    if make is ir.AsOf:
        return TIMESTAMP
    if make is ir.AsOfDate:
        return DATE
    return getattr(make, "node_type", None)


@st.composite
def user_expressions(draw: st.DrawFn, t: Type, env: Env, depth: int = 3) -> ir.Expr:
    return _Builder(draw, env, None).expr(t, depth)


@st.composite
def event_expressions(draw: st.DrawFn, t: Type, source: ir.Source, depth: int = 2) -> ir.Expr:
    return _Builder(draw, None, source).expr(t, depth)


@st.composite
def aggregates(draw: st.DrawFn, t: Type, depth: int = 2) -> ir.Expr:
    return _Builder(draw, Env(), None, depth).aggregate(t)


# ---------------------------------------------------------------- projects


def _name(draw: st.DrawFn, prefix: str, index: int) -> str:
    stems = (f"{prefix}{index}", f"{prefix}_标签{index}", f"Mixed_{prefix}{index}")
    keyword = (_KEYWORD_NAMES[index],) if index < len(_KEYWORD_NAMES) else ()
    return str(draw(_pool(stems + keyword)))


def _layering(builder: _Builder, name: str, depth: int) -> ir.Layering:
    draw = builder.draw
    names = dict.fromkeys(builder.pick(LAYER_NAMES) for _ in range(1 + draw(_index(4))))
    otherwise = builder.chance(2)
    layers = []
    for i, layer in enumerate(names):
        last = i == len(names) - 1
        cond = None if last and otherwise else builder.expr(BOOL, depth)
        layers.append(ir.Layer(layer, None, cond))
    return ir.Layering(name, None, tuple(layers))


def _definitions(
    draw: st.DrawFn, n_tags: int, n_segments: int, n_layerings: int, depth: int
) -> tuple[tuple[ir.Definition, ...], Env]:
    """One tag, then the rest in any order, each seeing the ones before it."""
    rest = ["tag"] * (n_tags - 1) + ["segment"] * n_segments + ["layering"] * n_layerings
    kinds = ["tag", *draw(st.permutations(rest))]
    env = Env()
    definitions: list[ir.Definition] = []
    for index, kind in enumerate(kinds):
        builder = _Builder(draw, env, None)
        if kind == "tag":
            name = _name(draw, "t", index)
            t = builder.pick((NUMBER, *CONCRETE))  # numeric tags are the most common
            expr = builder.expr(t, depth)
            if expr.type is Type.NULL:  # "tag is always null" is a check error
                expr = builder.literal(t)
            definitions.append(ir.Tag(name, None, expr))
            env = Env((*env.tags, (name, expr.type)), env.segments, env.layerings)
        elif kind == "segment":
            name = _name(draw, "s", index)
            definitions.append(ir.Segment(name, None, builder.expr(BOOL, depth)))
            env = Env(env.tags, (*env.segments, name), env.layerings)
        else:
            name = _name(draw, "l", index)
            layering = _layering(builder, name, depth)
            definitions.append(layering)
            layer_names = tuple(layer.name for layer in layering.layers)
            env = Env(env.tags, env.segments, (*env.layerings, (name, layer_names)))
    return tuple(definitions), env


def _project(definitions: tuple[ir.Definition, ...], created: bool = False) -> ir.Project:
    """Over the fixed schema; `created`: the universe holds the users created before the
    as-of (users.registered_at), else every row of users."""
    users = USERS_CREATED if created else USERS
    return ir.Project("generated", (users, *SOURCES[1:]), USERS.name, definitions)


@st.composite
def projects(
    draw: st.DrawFn,
    max_tags: int = 4,
    max_segments: int = 3,
    max_layerings: int = 1,
    depth: int = 3,
) -> ir.Project:
    """1-4 tags, 1-3 segments and 0-1 layering by default, in dependency order."""
    n_tags = draw(st.integers(1, max_tags))
    n_segments = draw(st.integers(1, max_segments))
    n_layerings = draw(st.integers(0, max_layerings))
    definitions, _ = _definitions(draw, n_tags, n_segments, n_layerings, depth)
    return _project(definitions, created=draw(_index(3)) == 0)


TRICHOTOMY = ("cond_p", "cond_not_p", "cond_p_is_null")


@st.composite
def trichotomy_projects(draw: st.DrawFn, depth: int = 3) -> ir.Project:
    """A small project plus segments p, `not p` and `p is null` (names in TRICHOTOMY) for a
    generated per-user condition p: every user is in exactly one of the three."""
    counts = draw(st.tuples(st.integers(1, 3), st.integers(0, 1), st.integers(0, 1)))
    definitions, env = _definitions(draw, *counts, depth=2)
    p = _Builder(draw, env, None).expr(BOOL, depth)
    exprs = (p, ir.Not(p), ir.IsNull(p, False))
    segments = tuple(ir.Segment(n, None, e) for n, e in zip(TRICHOTOMY, exprs, strict=True))
    return _project(definitions + segments, created=draw(_index(3)) == 0)


# ---------------------------------------------------------------- coverage


def _all_exprs(project: ir.Project) -> list[ir.Expr]:
    return [
        node
        for definition in project.definitions
        for root in ir.definition_exprs(definition)
        for node in ir.walk(root)
    ]


def node_types_covered(project: ir.Project) -> set[type]:
    """The IR node classes appearing anywhere in the project's expressions."""
    return {type(node) for node in _all_exprs(project)}


ALL_FEATURES: frozenset[str] = frozenset(
    [f"agg:{f}" for f in AGGREGATE_FUNCS]
    + ["agg:count:rows", "agg:exists:rows", "agg:filter", "agg:no_window"]
    + [f"window:{k}" for k in WINDOW_KINDS]
    + [f"unit:{u}" for u in WINDOW_UNITS]
    + [f"func:{f}" for f in FUNC_NAMES]
    + ["func:round/1", "func:round/2"]
    + [f"cmp:{op}" for op in COMPARE_OPS]
    + [f"arith:{op}" for op in ARITH_OPS]
    + [f"logic:{op}" for op in LOGIC_OPS]
    + [f"match:{op}" for op in STR_MATCH_OPS]
    + ["in:plain", "in:negated", "in:null_item", "isnull:plain", "isnull:negated"]
    + ["case:otherwise", "case:no_otherwise", "layer:otherwise", "layer:no_otherwise"]
    + [f"literal:{t.value}" for t in (*CONCRETE, Type.NULL)]
)


def features_covered(project: ir.Project) -> set[str]:
    """Finer-grained coverage than node types: operators, functions, windows, variants."""
    found: set[str] = set()
    for node in _all_exprs(project):
        found |= _node_features(node)
    for layering in project.layerings:
        has_otherwise = any(layer.condition is None for layer in layering.layers)
        found.add("layer:otherwise" if has_otherwise else "layer:no_otherwise")
    return found


def _node_features(node: ir.Expr) -> set[str]:
    match node:
        case ir.Aggregate(func=func, value=value, filter=flt, window=window):
            found = {f"agg:{func}"} | ({f"agg:{func}:rows"} if value is None else set())
            found |= {"agg:filter"} if flt is not None else set()
            if window is None:
                return found | {"agg:no_window"}
            return found | {f"window:{window.kind}", f"unit:{window.unit}"}
        case ir.Func(name=name, args=args):
            return {f"func:{name}"} | ({f"func:round/{len(args)}"} if name == "round" else set())
        case ir.Compare(op=op):
            return {f"cmp:{op}"}
        case ir.Arith(op=op):
            return {f"arith:{op}"}
        case ir.Logic(op=op):
            return {f"logic:{op}"}
        case ir.StrMatch(op=op):
            return {f"match:{op}"}
        case ir.InList(items=items, negated=negated):
            nulls = {"in:null_item"} if NULL_LITERAL in items else set()
            return {"in:negated" if negated else "in:plain"} | nulls
        case ir.IsNull(negated=negated):
            return {"isnull:negated" if negated else "isnull:plain"}
        case ir.Case(otherwise=otherwise):
            return {"case:no_otherwise" if otherwise is None else "case:otherwise"}
        case ir.Literal(type=t):
            return {f"literal:{t.value}"}
        case _:
            return set()


# ---------------------------------------------------------------- rendering (for failures)


def _render_value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime):
        return f'timestamp "{value.isoformat(sep=" ")}"'
    if isinstance(value, dt.date):
        return f'date "{value.isoformat()}"'
    return repr(value)


def _render_window(w: ir.Window) -> str:
    if w.kind == "last":
        return f" in last {w.start_count} {w.unit}s"
    if w.kind == "ago":
        return f" between {w.start_count} and {w.end_count} {w.unit}s ago"
    if w.kind == "today":
        return " since today"
    return f" since {_render_value(w.since)}"


_MATCH_WORDS = {"contains": "contains", "starts_with": "starts with", "ends_with": "ends with"}


def render(expr: ir.Expr) -> str:
    """An expression as DSL-like text (fully parenthesised), for humans only."""
    r = render
    match expr:
        case ir.Literal(value=value):
            return _render_value(value)
        case ir.AsOf():
            return "now"
        case ir.AsOfDate():
            return "today"
        case ir.ProfileColumn(source=source, column=column):
            return f"{source}.{column}"
        case ir.EventColumn(source=source, column=column):
            return f"{source}.{column}"
        case ir.TagRef(name=name) | ir.SegmentRef(name=name) | ir.LayeringRef(name=name):
            return name
        case ir.Aggregate(func=func, source=source, value=value, filter=flt, window=window):
            inner = source if value is None else r(value)
            if value is not None and not any(isinstance(n, ir.EventColumn) for n in ir.walk(value)):
                inner = f"{source}: {inner}"  # say which events a constant value is over
            inner += "" if flt is None else f" where {r(flt)}"
            inner += "" if window is None else _render_window(window)
            return f"{func}({inner})"
        case ir.Not(operand=operand):
            return f"(not {r(operand)})"
        case ir.Neg(operand=operand):
            return f"(-{r(operand)})"
        case ir.Logic(op=op, left=a, right=b) | ir.Compare(op=op, left=a, right=b):
            return f"({r(a)} {op} {r(b)})"
        case ir.Arith(op=op, left=a, right=b):
            return f"({r(a)} {op} {r(b)})"
        case ir.StrMatch(op=op, left=a, right=b):
            return f"({r(a)} {_MATCH_WORDS[op]} {r(b)})"
        case ir.InList(operand=operand, items=items, negated=negated):
            listed = ", ".join(r(item) for item in items)
            return f"({r(operand)} {'not in' if negated else 'in'} [{listed}])"
        case ir.IsNull(operand=operand, negated=negated):
            return f"({r(operand)} is {'not null' if negated else 'null'})"
        case ir.Func(name=name, args=args):
            return f"{name}({', '.join(r(arg) for arg in args)})"
        case ir.Case(whens=whens, otherwise=otherwise):
            parts = [f"when {r(cond)} then {r(value)}" for cond, value in whens]
            parts += [] if otherwise is None else [f"else {r(otherwise)}"]
            return f"case {' '.join(parts)} end"
        case _:
            return f"<{type(expr).__name__}>"


def render_project(project: ir.Project) -> str:
    lines = []
    for d in project.definitions:
        if isinstance(d, ir.Tag):
            lines.append(f"tag {d.name} : {d.type.value} = {render(d.expr)}")
        elif isinstance(d, ir.Segment):
            lines.append(f"segment {d.name} = {render(d.expr)}")
        else:
            lines.append(f"layering {d.name} {{")
            for layer in d.layers:
                cond = "otherwise" if layer.condition is None else f"when {render(layer.condition)}"
                lines.append(f"    {layer.name} {cond}")
            lines.append("}")
    return "\n".join(lines)


def _render_row(row: Mapping[str, object]) -> str:
    return ", ".join(f"{k}={_render_value(v)}" for k, v in row.items())


# ---------------------------------------------------------------- data

_SECOND = dt.timedelta(seconds=1)
_DAY = dt.timedelta(days=1)


def timestamp_pool(as_of: dt.datetime) -> tuple[dt.datetime, ...]:
    """Interesting instants for `as_of`: every window bound the strategies can generate and
    one second either side, as-of itself and just after (invisible), fixed month ends."""
    midnight = as_of.replace(hour=0, minute=0, second=0)  # `since today`'s start
    points = {as_of, as_of - _SECOND, as_of + _SECOND, as_of + _DAY, *FIXED_TIMESTAMPS}
    points |= {midnight, midnight - _SECOND, midnight + _SECOND}
    for unit in WINDOW_UNITS:
        for count in WINDOW_COUNTS:
            bound = shift(as_of, count, unit)
            points |= {bound, bound - _SECOND, bound + _SECOND}
    return tuple(sorted(points))


def date_pool(as_of: dt.datetime) -> tuple[dt.date, ...]:
    """Dates around as-of's date, plus birthdays exactly 1 and 30 years before it (± a day)."""
    today = as_of.date()
    points = {today, today - _DAY, today + _DAY, *FIXED_DATES}
    for years in (1, 30):
        anniversary = shift(as_datetime(today), 12 * years, "month").date()
        points |= {anniversary, anniversary - _DAY, anniversary + _DAY}
    return tuple(sorted(points))


@functools.cache
def _timestamps(as_of: dt.datetime) -> st.SearchStrategy[object]:
    recent = st.integers(0, 400 * 86400).map(lambda s: as_of - dt.timedelta(seconds=s))
    return st.one_of(st.sampled_from(timestamp_pool(as_of)), recent)


@functools.cache
def _column_values(t: Type, as_of: dt.datetime) -> st.SearchStrategy[object]:
    if t is TIMESTAMP:
        return _timestamps(as_of)
    if t is DATE:
        return st.sampled_from(date_pool(as_of))
    return _DATA_NUMBERS if t is NUMBER else _LITERAL_VALUES[t]


Tables = dict[str, list[dict[str, object]]]


def _row(draw: st.DrawFn, source: ir.Source, user: object, as_of: dt.datetime) -> dict[str, object]:
    row: dict[str, object] = {source.user_column: user}
    for column, t in source.columns:
        if column == source.user_column:
            continue
        # None often; a missing event time more rarely (it hides the whole event)
        one_in = 12 if column == source.time_column else 4
        missing = draw(_index(one_in)) == 0
        row[column] = None if missing else draw(_column_values(t, as_of))
    return row


def _history(draw: st.DrawFn, ids: Sequence[object], as_of: dt.datetime) -> list[dict[str, object]]:
    """0-3 versions per key that never overlap: contiguous or with gaps, the first one
    sometimes open at its start (null since), the last one sometimes open (null until),
    bounds on and around the as-of and the other instants of the pool (98 is no user)."""
    pool = timestamp_pool(as_of)
    rows: list[dict[str, object]] = []
    for key in ids:
        count = draw(_index(4))
        bounds = sorted(
            draw(st.sets(st.sampled_from(pool), min_size=2 * count, max_size=2 * count))
        )
        for version in range(count):
            start, end = bounds[2 * version], bounds[2 * version + 1]
            if version + 1 < count and draw(_index(2)) == 0:
                end = bounds[2 * version + 2]  # contiguous: this one ends where the next begins
            row: dict[str, object] = {
                "user_id": key,
                "since": None if version == 0 and draw(_index(5)) == 0 else start,
                "until": None if version == count - 1 and draw(_index(3)) == 0 else end,
            }
            for column, kind in MEMBERSHIP_COLUMNS:
                row[column] = None if draw(_index(5)) == 0 else draw(_column_values(kind, as_of))
            rows.append(row)
    return rows


@st.composite
def tables_for(draw: st.DrawFn, as_of: dt.datetime, max_users: int = 12) -> Tables:
    """Rows per source name: 1-12 users with 0-8 orders and 0-8 events each, sometimes a
    profile row without a key and events of a user outside the universe."""
    ids = draw(st.lists(st.integers(1, 30), min_size=1, max_size=max_users, unique=True))
    users = [_row(draw, USERS, user, as_of) for user in ids]
    if draw(_index(10)) == 0:
        users.append(_row(draw, USERS, None, as_of))
    owners: list[object] = [*ids, 99]  # 99 is not a user: its events must be ignored
    tables: Tables = {USERS.name: users, MEMBERSHIP.name: _history(draw, [*ids, 98], as_of)}
    for source in EVENT_SOURCES:
        rows = []
        for owner in owners:
            count = draw(_index(9 if owner != 99 else 3))
            rows += [_row(draw, source, owner, as_of) for _ in range(count)]
        tables[source.name] = rows
    return tables


def as_ofs() -> st.SearchStrategy[dt.datetime]:
    return st.sampled_from(AS_OFS)


@dataclass(frozen=True, repr=False)
class Scenario:
    project: ir.Project
    tables: Tables
    as_of: dt.datetime

    def __repr__(self) -> str:
        """Readable in a failure report: the project as pseudo-DSL, then the rows."""
        lines = [f"as_of = {self.as_of.isoformat(sep=' ')}", render_project(self.project)]
        for name, rows in self.tables.items():
            lines.append(f"{name}:")
            lines += [f"  {_render_row(row)}" for row in rows]
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis' pretty printer
        printer.text(repr(self))


@st.composite
def scenarios(
    draw: st.DrawFn, project_strategy: st.SearchStrategy[ir.Project] | None = None
) -> Scenario:
    """(project, data, as-of) for differential and smoke tests."""
    as_of = draw(as_ofs())
    project = draw(project_strategy if project_strategy is not None else projects())
    return Scenario(project, draw(tables_for(as_of)), as_of)

"""The one registry of scalar functions and aggregates.

Each entry is everything segl knows about one function: its signature and null rule (read
by the checker), its reference implementation (read by the reference evaluator, over the
values of compiler/values.py), its default sqlglot builder and per-target overrides (read
by SQL generation), and the target capabilities it needs (read by `segl check --dialect`).
Adding a function is adding one entry here.

Targets are looked up by name along their class lineage, so an override for "postgres"
also serves Redshift (a subclass) unless Redshift has its own.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from sqlglot import exp

from segl.compiler import values as v
from segl.compiler.capabilities import Capability
from segl.compiler.ops import ArithOp
from segl.compiler.types import ORDERED, TEMPORAL, Type

if TYPE_CHECKING:
    from segl.compiler.targets.base import Target

NUMBER_ONLY = frozenset({Type.NUMBER})
STRING_ONLY = frozenset({Type.STRING})
KEY_TYPES = frozenset({Type.STRING, Type.NUMBER})
ANY_VALUE = frozenset({Type.NUMBER, Type.STRING, Type.BOOL, Type.DATE, Type.TIMESTAMP})

Reference = Callable[[Sequence[v.Value], dt.datetime], v.Value]


class NOT_CONSTANT:
    """An argument whose value is not known when compiling."""


@dataclass(frozen=True)
class SqlCall:
    """What a SQL builder sees of one call: the target, the as-of, and per argument its
    compiled expression, its type and (for literals) its value."""

    target: Target
    as_of: dt.datetime
    args: Sequence[exp.Expression]
    types: Sequence[Type]
    constants: Sequence[object]
    result: Type

    def timestamp(self, index: int) -> exp.Expression:
        """Argument `index` as a timestamp (a date is its midnight)."""
        arg = self.args[index]
        return self.target.to_timestamp(arg) if self.types[index] is Type.DATE else arg

    def widened(self, index: int) -> exp.Expression:
        """Argument `index` in the call's result type (a date where a timestamp is wanted)."""
        if self.types[index] is Type.DATE and self.result is Type.TIMESTAMP:
            return self.target.widen_date(self.args[index])
        return self.args[index]

    def as_of_timestamp(self) -> exp.Expression:
        return self.target.timestamp(self.as_of)


SqlBuilder = Callable[[SqlCall], exp.Expression]


class NullRule(Enum):
    STRICT = "strict"  # any null argument gives null; the function never sees one
    FIRST_NON_NULL = "first non-null"  # coalesce


@dataclass(frozen=True)
class Function:
    name: str
    params: tuple[frozenset[Type], ...]  # allowed types per position
    result: Type | None  # None: the arguments' common type (coalesce, greatest, least)
    reference: Reference
    sql: SqlBuilder
    summary: str  # one line for docs and hints
    optional: int = 0  # how many trailing parameters may be left out
    variadic: bool = False  # the last parameter repeats (at least `min_args` in all)
    min_args: int = 1
    null_rule: NullRule = NullRule.STRICT
    # whether the SQL the builders emit is already null for a null argument; if not, SQL
    # generation guards the call (GREATEST skips nulls on PostgreSQL, DuckDB and Spark)
    sql_strict: bool = True
    # the arguments are compared (greatest, least): strings by code point on every target
    compares: bool = False
    overrides: Mapping[str, SqlBuilder] = field(default_factory=dict)
    requires: frozenset[Capability] = frozenset()
    # a problem with constant arguments: (argument index, message) or None
    validate: Callable[[Sequence[Type], Sequence[object]], tuple[int, str] | None] | None = None
    # its SQL repeats an argument (round's exact halves, the null guard of greatest), so
    # calls nested in its arguments would multiply the SQL: compiler/hoisting.py
    repeats_arguments: bool = False

    def arity_text(self) -> str:
        low, high = len(self.params) - self.optional, len(self.params)
        if self.variadic:
            return f"at least {self.min_args}"
        return str(high) if low == high else f"{low} or {high}"

    def accepts_count(self, count: int) -> bool:
        if self.variadic:
            return count >= self.min_args
        return len(self.params) - self.optional <= count <= len(self.params)

    def param(self, index: int) -> frozenset[Type]:
        return self.params[min(index, len(self.params) - 1)]

    def builder(self, target: Target) -> SqlBuilder:
        for name in target.lineage():
            if name in self.overrides:
                return self.overrides[name]
        return self.sql


# ---------------------------------------------------------------- SQL building blocks


def elapsed(
    call: SqlCall, start: exp.Expression, end: exp.Expression, seconds: int
) -> exp.Expression:
    """Whole elapsed units from start to end (timestamps), rounded down."""
    between = call.target.seconds_between(start, end)
    return call.target.floor(
        exp.Div(this=exp.Paren(this=between), expression=exp.Literal.number(seconds))
    )


def _age_sql(call: SqlCall) -> exp.Expression:
    """Whole years: as-of year - birth year, minus one before the birthday."""
    target = call.target
    value = call.args[0]
    if call.types[0] is Type.TIMESTAMP:
        value = target.to_date(value)
    today = call.as_of.date()
    years = exp.Sub(this=exp.Literal.number(today.year), expression=target.extract("YEAR", value))
    month_day = exp.Add(
        this=exp.Mul(
            this=target.extract("MONTH", value.copy()), expression=exp.Literal.number(100)
        ),
        expression=target.extract("DAY", value.copy()),
    )
    before_birthday = exp.GT(
        this=month_day, expression=exp.Literal.number(today.month * 100 + today.day)
    )
    correction = exp.Case(
        ifs=[exp.If(this=before_birthday, true=exp.Literal.number(1))],
        default=exp.Literal.number(0),
    )
    return exp.Sub(this=years, expression=correction)


def _round_digits(call: SqlCall) -> int:
    digits = call.constants[1] if len(call.constants) > 1 else 0
    assert isinstance(digits, int | float) and not isinstance(digits, bool)
    return int(digits)


def _round_sql(call: SqlCall) -> exp.Expression:
    return exp.Round(this=call.args[0], decimals=exp.Literal.number(_round_digits(call)))


def _round_exact(call: SqlCall) -> exp.Expression:
    """Half away from zero from floor and the exact fraction, as values.round_half_away:
    sign(s) * (floor(|s|) + (|s| - floor(|s|) >= 0.5)) / 10^digits, s = value * 10^digits.
    For targets whose ROUND rounds half to even (ClickHouse) or rounds a decimal form of the
    double (SQLite, PostgreSQL's numeric: ROUND(1.005, 2) is 1.01 there, but the double
    1.005 is below 1.005).

    The value appears 4 times (6 with decimals), no more: nested rounds multiply it."""
    digits = _round_digits(call)
    value = call.args[0]
    scale = exp.Literal.number(repr(10.0**digits))
    scaled = exp.Paren(this=exp.Mul(this=value, expression=scale)) if digits else value
    whole = exp.Floor(this=exp.Abs(this=scaled.copy()))
    fraction = exp.Sub(this=exp.Abs(this=scaled.copy()), expression=whole.copy())
    half_up = exp.Case(
        ifs=[
            exp.If(
                this=exp.GTE(this=fraction, expression=exp.Literal.number("0.5")),
                true=exp.Literal.number(1),
            )
        ],
        default=exp.Literal.number(0),
    )
    negative = exp.LT(this=scaled.copy(), expression=exp.Literal.number(0))
    sign = exp.Case(
        ifs=[exp.If(this=negative, true=exp.Literal.number(-1))], default=exp.Literal.number(1)
    )
    # exact: the sign times a whole double; -1 * 0.0 is -0.0, as copysign gives
    signed = exp.Mul(this=sign, expression=exp.Paren(this=exp.Add(this=whole, expression=half_up)))
    if not digits:
        return signed  # |value| is a double: floor(inf) is inf, so infinities stay
    return _unless_too_large(value, digits, exp.Div(this=signed, expression=scale.copy()))


def _unless_too_large(
    value: exp.Expression, digits: int, rounded: exp.Expression
) -> exp.Expression:
    """A number too large to carry decimals (its scaled value infinite) stays as it is;
    told by the value, since PostgreSQL refuses a product that overflows."""
    limit = exp.Literal.number(repr(largest_scalable(10.0**digits)))
    too_large = exp.GT(this=exp.Abs(this=value.copy()), expression=limit)
    return exp.Case(ifs=[exp.If(this=too_large, true=value.copy())], default=rounded)


def largest_scalable(scale: float) -> float:
    """The largest double whose product with `scale` is finite."""
    found = sys.float_info.max / scale
    while math.isfinite(math.nextafter(found, math.inf) * scale):
        found = math.nextafter(found, math.inf)
    while not math.isfinite(found * scale):
        found = math.nextafter(found, 0.0)
    return found


def _round_spark(call: SqlCall) -> exp.Expression:
    """Half away from zero of the double value * 10**digits, as the reference does.

    Spark's ROUND on a double rounds half up the shortest decimal that reads back as that
    double (`ROUND(2.675, 2)` is 2.68; the double 2.675 is below 2.675). At zero digits that
    is exact: a double below k + 0.5 never prints as k + 0.5 or more, since k + 0.5 is
    itself a double. So scale first, round to a whole number, scale back."""
    target = call.target
    number = target.cast(call.args[0], Type.NUMBER)
    digits = _round_digits(call)
    if digits == 0:
        return exp.Round(this=number, decimals=exp.Literal.number(0))
    scale = target.cast(exp.Literal.number(repr(10.0**digits)), Type.NUMBER)
    rounded = exp.Round(this=exp.Mul(this=number, expression=scale), decimals=exp.Literal.number(0))
    exact = exp.Div(this=rounded, expression=scale.copy())
    return _unless_too_large(number, digits, exact)


def _whole_spark(kind: type[exp.Floor] | type[exp.Ceil]) -> SqlBuilder:
    """FLOOR and CEIL of a double are BIGINTs in Spark, which saturate beyond 2**63 (and at
    infinity); a double of magnitude 2**52 or more is whole already, so it is kept."""

    def build(call: SqlCall) -> exp.Expression:
        target, value = call.target, call.args[0]
        large = exp.GTE(
            this=exp.Abs(this=value.copy()), expression=exp.Literal.number(repr(2.0**52))
        )
        whole = target.cast(kind(this=value.copy()), Type.NUMBER)
        return exp.Case(ifs=[exp.If(this=large, true=value.copy())], default=whole)

    return build


def _extreme_sql(kind: type[exp.Greatest] | type[exp.Least], skip_nulls: bool = True) -> SqlBuilder:
    """GREATEST / LEAST under the null guard SQL generation adds (sql_strict=False): no
    argument is null there. `skip_nulls=False` for SQLite, whose MAX(a, b, ...) is then
    GREATEST, where sqlglot's emulation of a null-skipping one repeats every argument
    once per argument (120 arguments: 821 KB of SQL)."""

    def build(call: SqlCall) -> exp.Expression:
        args = [call.widened(i) for i in range(len(call.args))]
        if call.result is Type.STRING:
            args = [call.target.ordered_text(arg) for arg in args]
        elif call.result in (Type.NUMBER, Type.TIMESTAMP):
            # one type for all: ClickHouse has no common type of a count (UInt64) and a
            # Float64, nor of a Date32 and a DateTime64
            args = [call.target.cast(arg, call.result) for arg in args]
        return in_groups(
            lambda some: kind(this=some[0], expressions=some[1:], ignore_nulls=skip_nulls),
            args,
            call.target.max_function_args,
        )

    return build


def in_groups(
    call: Callable[[list[exp.Expression]], exp.Expression],
    args: list[exp.Expression],
    most: int | None,
) -> exp.Expression:
    """`call` of the arguments, nested where the target takes at most `most` arguments
    (SQLite 127): an associative function (COALESCE, GREATEST, LEAST) of the first group's
    result and the rest is the same value."""
    if most is None or len(args) <= most:
        return call(args)
    return in_groups(call, [call(args[:most]), *args[most:]], most)


def _coalesce_sql(call: SqlCall) -> exp.Expression:
    args = [call.widened(i) for i in range(len(call.args))]
    if len(args) == 1:  # SQLite refuses COALESCE with one argument
        return args[0]
    return in_groups(
        lambda some: exp.Coalesce(this=some[0], expressions=some[1:]),
        args,
        call.target.max_function_args,
    )


def _bucket_key_text(call: SqlCall) -> exp.Expression:
    """The key as the text it is hashed as (values.bucket_key_text): a whole number as its
    digits, a fraction (which has no agreed spelling) null."""
    key = call.args[0]
    if call.types[0] is Type.STRING:
        return key
    target = call.target
    # the size first, as a CASE: FLOOR of a huge double or infinity overflows its BIGINT in
    # Spark's ANSI mode, and AND does not promise to evaluate its left side first
    # below 2^53: a key read as a double has lost its last digits from there (2^53 + 1
    # reads as 2^53, whose digits are another key's)
    small = exp.LT(
        this=exp.Abs(this=key.copy()), expression=exp.Literal.number(repr(v.MAX_EXACT_WHOLE))
    )
    is_whole = exp.EQ(this=key.copy(), expression=exp.Floor(this=key.copy()))
    whole = exp.Case(ifs=[exp.If(this=small, true=is_whole)], default=exp.false())
    digits = target.cast(exp.Cast(this=key.copy(), to=exp.DataType.build("BIGINT")), Type.STRING)
    return exp.Case(ifs=[exp.If(this=whole, true=digits)])


def _bucket_sql(call: SqlCall) -> exp.Expression:
    return bucket_of_text(call.target, call.args[1], _bucket_key_text(call))


def bucket_of_text(
    target: Target, salt: exp.Expression, key_text: exp.Expression
) -> exp.Expression:
    """SPEC §3.3's number in [0, 1) of a key already spelled as text (null: null)."""
    hashed = exp.DPipe(
        this=exp.DPipe(this=salt, expression=exp.Literal.string(":")),
        expression=key_text,
        safe=True,
    )
    number = target.hex_prefix_value(target.md5_hex(hashed), 8)
    return exp.Div(
        this=target.cast(exp.Paren(this=number), Type.NUMBER),
        expression=exp.Literal.number("4294967296.0"),
    )


def _days_since(call: SqlCall) -> exp.Expression:
    return elapsed(call, call.timestamp(0), call.as_of_timestamp(), 86400)


def _hours_since(call: SqlCall) -> exp.Expression:
    return elapsed(call, call.timestamp(0), call.as_of_timestamp(), 3600)


def _days_between(call: SqlCall) -> exp.Expression:
    return elapsed(call, call.timestamp(0), call.timestamp(1), 86400)


def _date_sql(call: SqlCall) -> exp.Expression:
    if call.types[0] is Type.TIMESTAMP:
        return call.target.to_date(call.args[0])
    return call.args[0]


ROUND_DIGITS = "round()'s number of decimals must be a whole number from 0 to 10"


def _round_check(types: Sequence[Type], constants: Sequence[object]) -> tuple[int, str] | None:
    if len(constants) < 2:
        return None
    digits = constants[1]
    if isinstance(digits, int | float) and not isinstance(digits, bool):
        whole = float(digits).is_integer() and 0 <= digits <= 10
        return None if whole else (1, ROUND_DIGITS)
    return 1, ROUND_DIGITS


def _unary(kind: type[exp.Expression]) -> SqlBuilder:
    def build(call: SqlCall) -> exp.Expression:
        built: exp.Expression = kind(this=call.args[0])
        return built

    return build


def _clickhouse_function(name: str) -> SqlBuilder:
    return lambda call: call.target.function(name, *call.args)


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function(
            "days_since",
            (TEMPORAL,),
            Type.NUMBER,
            v.days_since,
            _days_since,
            "whole days from t to the as-of",
        ),
        Function(
            "hours_since",
            (TEMPORAL,),
            Type.NUMBER,
            v.hours_since,
            _hours_since,
            "whole hours from t to the as-of",
        ),
        Function(
            "days_between",
            (TEMPORAL, TEMPORAL),
            Type.NUMBER,
            v.days_between,
            _days_between,
            "whole days from a to b",
        ),
        Function("age", (TEMPORAL,), Type.NUMBER, v.age, _age_sql, "whole years at the as-of"),
        Function(
            "date",
            (TEMPORAL,),
            Type.DATE,
            lambda a, now: v.day(a[0]),
            _date_sql,
            "the date of a timestamp",
        ),
        Function(
            "day_of_week",
            (TEMPORAL,),
            Type.NUMBER,
            lambda a, now: float(v.day(a[0]).isoweekday()),
            lambda call: call.target.iso_day_of_week(call.args[0]),
            "1 = Monday .. 7 = Sunday",
        ),
        Function(
            "hour",
            (TEMPORAL,),
            Type.NUMBER,
            v.hour,
            lambda call: call.target.extract("HOUR", call.timestamp(0)),
            "the hour of the day, 0-23",
        ),
        Function(
            "lower",
            (STRING_ONLY,),
            Type.STRING,
            lambda a, now: v.text(a[0]).lower(),
            _unary(exp.Lower),
            "lower case (all of Unicode)",
            # lower/upper are ASCII-only in ClickHouse; the UTF8 forms change every letter
            overrides={"clickhouse": _clickhouse_function("lowerUTF8")},
        ),
        Function(
            "upper",
            (STRING_ONLY,),
            Type.STRING,
            lambda a, now: v.text(a[0]).upper(),
            _unary(exp.Upper),
            "upper case (all of Unicode)",
            overrides={"clickhouse": _clickhouse_function("upperUTF8")},
        ),
        Function(
            "length",
            (STRING_ONLY,),
            Type.NUMBER,
            lambda a, now: float(len(v.text(a[0]))),
            _unary(exp.Length),
            "the number of characters",
            overrides={"clickhouse": _clickhouse_function("lengthUTF8")},
        ),
        Function(
            "abs",
            (NUMBER_ONLY,),
            Type.NUMBER,
            lambda a, now: abs(v.num(a[0])),
            _unary(exp.Abs),
            "absolute value",
        ),
        Function(
            "round",
            (NUMBER_ONLY, NUMBER_ONLY),
            Type.NUMBER,
            v.round_value,
            _round_sql,
            "round half away from zero to n decimals (0 to 10, default 0)",
            optional=1,
            validate=_round_check,
            overrides={
                "duckdb": _round_exact,  # its ROUND(2.675, 2) is 2.67; the double 267.5 is 2.68
                "postgres": _round_exact,
                "clickhouse": _round_exact,
                "sqlite": _round_exact,
                "spark": _round_spark,
            },
            repeats_arguments=True,
        ),
        Function(
            "floor",
            (NUMBER_ONLY,),
            Type.NUMBER,
            v.floor_value,
            _unary(exp.Floor),
            "the largest whole number not above x",
            overrides={"spark": _whole_spark(exp.Floor)},
        ),
        Function(
            "ceil",
            (NUMBER_ONLY,),
            Type.NUMBER,
            v.ceil_value,
            _unary(exp.Ceil),
            "the smallest whole number not below x",
            overrides={"spark": _whole_spark(exp.Ceil)},
        ),
        Function(
            "greatest",
            (ORDERED,),
            None,
            v.greatest,
            _extreme_sql(exp.Greatest),
            "the largest of the values (null if any is null)",
            variadic=True,
            min_args=2,
            sql_strict=False,
            compares=True,
            repeats_arguments=True,
            overrides={"sqlite": _extreme_sql(exp.Greatest, skip_nulls=False)},
        ),
        Function(
            "least",
            (ORDERED,),
            None,
            v.least,
            _extreme_sql(exp.Least),
            "the smallest of the values (null if any is null)",
            variadic=True,
            min_args=2,
            sql_strict=False,
            compares=True,
            repeats_arguments=True,
            overrides={"sqlite": _extreme_sql(exp.Least, skip_nulls=False)},
        ),
        Function(
            "coalesce",
            (ANY_VALUE,),
            None,
            lambda a, now: next((x for x in a if x is not None), None),
            _coalesce_sql,
            "the first value that is not null",
            variadic=True,
            null_rule=NullRule.FIRST_NON_NULL,
        ),
        Function(
            "bucket",
            (KEY_TYPES, STRING_ONLY),
            Type.NUMBER,
            v.bucket,
            _bucket_sql,
            'a number in [0, 1) from md5(salt + ":" + key), the same on every engine',
            requires=frozenset({Capability.MD5}),
        ),
    )
}


# ---------------------------------------------------------------- aggregates


class EmptyValue(Enum):
    """What an aggregate gives for a user with no (matching) events."""

    ZERO = "0"
    FALSE = "false"
    NULL = "null"


class AggregateShape(Enum):
    PLAIN = "plain"  # one SQL aggregate over the conditional value
    PICK = "pick"  # the value of the first/last event (a ranked row)
    MODE = "mode"  # the most frequent value (counted, then ranked)


AggregateReference = Callable[[v.Picked], v.Value]


@dataclass(frozen=True)
class Aggregate:
    name: str
    reference: AggregateReference  # over the picked (time, value) events of one user
    empty: EmptyValue
    summary: str
    shape: AggregateShape = AggregateShape.PLAIN
    # PLAIN: the SQL aggregate of the per-event value (null where the event does not count)
    sql: Callable[[Target, exp.Expression, Type], exp.Expression] | None = None
    counts_rows: bool = False  # count(orders), exists(orders): the rows themselves
    value_types: frozenset[Type] = ANY_VALUE  # what it can aggregate
    result: Type | None = None  # None: the value's type
    nan_possible: bool = False  # a sum of +inf and -inf is NaN: null
    compares: bool = False  # min/max order strings by code point
    # where it may be written: in tags (over one user's events) and in the metrics of
    # reports (over a report's rows, SPEC §3.6)
    in_tags: bool = True
    in_reports: bool = False
    # constant numbers after the value (percentile's fraction), each in [low, high]
    constants: tuple[tuple[float, float], ...] = ()
    # the reference when it takes constants: (picked, constants) -> value
    reference_with: Callable[[v.Picked, Sequence[float]], v.Value] | None = None

    def fold(self, constants: Sequence[float] = ()) -> AggregateReference:
        """The reference over one group's picked values, with its constants bound."""
        with_constants = self.reference_with
        if with_constants is None:
            return self.reference
        return lambda picked: with_constants(picked, constants)


def _count_sql(target: Target, value: exp.Expression, kind: Type) -> exp.Expression:
    return exp.Count(this=value)


def one_zero(value: exp.Expression, kind: Type) -> exp.Expression:
    """A number with -0.0 made 0, where values are told apart: DISTINCT and GROUP BY on
    ClickHouse compare a double's bits, so -0.0 and 0.0 would be two values (SPEC §3:
    numbers compare numerically; the reference holds them as one). A CASE keeps the
    value's type (`x + 0.0` made DuckDB's integers DECIMAL: 0.0 is a decimal literal)."""
    if kind is not Type.NUMBER:
        return value
    zero = exp.EQ(this=value.copy(), expression=exp.Literal.number(0))
    return exp.Case(ifs=[exp.If(this=zero, true=exp.Literal.number(0))], default=value)


def _count_distinct_sql(target: Target, value: exp.Expression, kind: Type) -> exp.Expression:
    return exp.Count(this=exp.Distinct(expressions=[one_zero(value, kind)]))


def _extreme_agg(
    kind: type[exp.Min] | type[exp.Max],
) -> Callable[[Target, exp.Expression, Type], exp.Expression]:
    def build(target: Target, value: exp.Expression, value_type: Type) -> exp.Expression:
        return kind(this=target.ordered_text(value) if value_type is Type.STRING else value)

    return build


AGGREGATES: dict[str, Aggregate] = {
    a.name: a
    for a in (
        Aggregate(
            "count",
            lambda picked: float(len(v.present(picked))),
            EmptyValue.ZERO,
            "the number of events (or of non-null values)",
            sql=_count_sql,
            counts_rows=True,
            result=Type.NUMBER,
            in_reports=True,
        ),
        Aggregate(
            "exists",
            lambda picked: bool(v.present(picked)),
            EmptyValue.FALSE,
            "whether there is an event",
            sql=_count_sql,
            counts_rows=True,
            result=Type.BOOL,
        ),
        Aggregate(
            "count_distinct",
            lambda picked: float(len(set(v.present(picked)))),
            EmptyValue.ZERO,
            "the number of distinct non-null values",
            sql=_count_distinct_sql,
            result=Type.NUMBER,
            in_reports=True,
        ),
        Aggregate(
            "sum",
            v.sum_of,
            EmptyValue.ZERO,
            "the sum of the values",
            sql=lambda target, value, kind: exp.Sum(this=value),
            value_types=NUMBER_ONLY,
            result=Type.NUMBER,
            nan_possible=True,
            in_reports=True,
        ),
        Aggregate(
            "avg",
            v.avg_of,
            EmptyValue.NULL,
            "the mean of the values",
            sql=lambda target, value, kind: exp.Avg(this=value),
            value_types=NUMBER_ONLY,
            result=Type.NUMBER,
            nan_possible=True,
            in_reports=True,
        ),
        Aggregate(
            "min",
            lambda picked: min(v.present(picked), default=None),
            EmptyValue.NULL,
            "the smallest value",
            sql=_extreme_agg(exp.Min),
            value_types=ORDERED,
            compares=True,
            in_reports=True,
        ),
        Aggregate(
            "max",
            lambda picked: max(v.present(picked), default=None),
            EmptyValue.NULL,
            "the largest value",
            sql=_extreme_agg(exp.Max),
            value_types=ORDERED,
            compares=True,
            in_reports=True,
        ),
        Aggregate(
            "first",
            lambda picked: v.first_or_last(False, picked),
            EmptyValue.NULL,
            "the value at the earliest event",
            shape=AggregateShape.PICK,
        ),
        Aggregate(
            "last",
            lambda picked: v.first_or_last(True, picked),
            EmptyValue.NULL,
            "the value at the latest event",
            shape=AggregateShape.PICK,
        ),
        Aggregate(
            "most_frequent",
            v.most_frequent,
            EmptyValue.NULL,
            "the most frequent value (ties: the smallest)",
            shape=AggregateShape.MODE,
        ),
        # only over a report's rows (SPEC §3.6); SQL generation of reports is not built yet
        Aggregate(
            "share",
            v.share_of,
            EmptyValue.NULL,
            "the share of rows where the condition is TRUE",
            value_types=frozenset({Type.BOOL}),
            result=Type.NUMBER,
            in_tags=False,
            in_reports=True,
        ),
        Aggregate(
            "median",
            v.median_of,
            EmptyValue.NULL,
            "the median of the values (interpolated between the middle two)",
            value_types=NUMBER_ONLY,
            result=Type.NUMBER,
            in_tags=False,
            in_reports=True,
        ),
        Aggregate(
            "percentile",
            v.median_of,
            EmptyValue.NULL,
            "the value below which a fraction p of the values lie (interpolated)",
            value_types=NUMBER_ONLY,
            result=Type.NUMBER,
            in_tags=False,
            in_reports=True,
            constants=((0.0, 1.0),),
            reference_with=lambda picked, constants: v.percentile_of(picked, constants[0]),
        ),
    )
}
TAG_AGGREGATES = frozenset(name for name, entry in AGGREGATES.items() if entry.in_tags)
REPORT_AGGREGATES = frozenset(name for name, entry in AGGREGATES.items() if entry.in_reports)

ALL_CALLABLE = sorted({*FUNCTIONS, *TAG_AGGREGATES})

# operators that need a capability some targets lack
OPERATOR_REQUIRES: dict[ArithOp, frozenset[Capability]] = {
    ArithOp.MOD: frozenset({Capability.FLOAT_MODULO}),
}


def function(name: str) -> Function:
    return FUNCTIONS[name]


def aggregate(name: str) -> Aggregate:
    return AGGREGATES[name]

"""PostgreSQL and Amazon Redshift."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlglot import exp

from segl.compiler.targets.base import Target, fn, large_operand
from segl.compiler.types import Type

# Simple expressions that take a COLLATE clause without parentheses
_ATOMS = (exp.Column, exp.Literal, exp.Cast, exp.Case, exp.Func, exp.Paren)


class Postgres(Target):
    name = "postgres"
    dialect = "postgres"
    enum_columns = True
    add_column_if_not_exists = True
    max_identifier_bytes = 63  # NAMEDATALEN - 1: longer names are cut short, silently
    max_columns = 1600  # MaxHeapAttributeNumber (Redshift's limit is the same)
    ctes_computed_once = True

    def run_lock(self, name: str) -> exp.Expression | None:
        # a transaction-scoped advisory lock: a second run waits before its first CREATE
        # TABLE (two at once collide in the catalog), then sees the first one's results and
        # journey runs, and decides nothing twice
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        return exp.select(exp.func("pg_advisory_xact_lock", exp.Literal.number(key)))

    def modulo(self, left: exp.Expression, right: exp.Expression) -> exp.Expression:
        """fmod, exactly: PostgreSQL has no remainder of doubles, and numeric's remainder of
        their 15-digit decimal forms differs in the last bits (12.34 % 5). So each double is
        read exactly from its IEEE bits as M * 2^E, both are scaled by 2^-min(E) to whole
        numerics, and their numeric remainder (below 2^53) is scaled back: exact, as C's
        fmod. A zero divisor gives null, an infinite dividend NaN, an infinite divisor the
        dividend. The reading repeats each operand about thirty times: a large one (another
        remainder: `x % 7 % 5`) is computed once, in a scalar subquery, so that nesting
        grows the SQL by a constant, not by a factor."""
        if large_operand(left) or large_operand(right):
            operands = exp.select(left.as_("x"), right.as_("y")).subquery("_mod")
            once = self.modulo(exp.column("x", "_mod"), exp.column("y", "_mod"))
            return exp.Subquery(this=exp.select(once).from_(operands))
        x, y = _exact_double(left), _exact_double(right)
        low = exp.Least(this=x.exponent, expressions=[y.exponent.copy()], ignore_nulls=True)
        whole_x = _scaled(x, low)
        whole_y = _scaled(y, low.copy())
        # NULLIF: the planner may fold constants before CASE picks the zero divisor's branch
        divisor = exp.Nullif(this=whole_y, expression=exp.Literal.number(0))
        remainder = exp.Anonymous(this="MOD", expressions=[whole_x, divisor])
        two = exp.Cast(this=exp.Literal.number(2), to=self.sql_type(Type.NUMBER))
        scale = exp.Anonymous(this="POWER", expressions=[two, low.copy()])
        exact = exp.Mul(this=self.cast(remainder, Type.NUMBER), expression=scale)
        infinity = exp.Cast(this=exp.Literal.string("Infinity"), to=self.sql_type(Type.NUMBER))
        nan = exp.Cast(this=exp.Literal.string("NaN"), to=self.sql_type(Type.NUMBER))
        cases = [
            (exp.EQ(this=right.copy(), expression=exp.Literal.number(0)), exp.null()),
            (exp.EQ(this=exp.Abs(this=left.copy()), expression=infinity.copy()), nan),
            (exp.EQ(this=exp.Abs(this=right.copy()), expression=infinity), left.copy()),
        ]
        return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in cases], default=exact)

    def period_start(self, unit: str, day: exp.Expression) -> exp.Expression:
        # DATE_TRUNC of a date truncates it as a timestamptz, its midnight in the session
        # zone: a midnight the zone skips (Pacific/Kiritimati on 1994-12-31) moves to the
        # next day. Of a timestamp, no zone is involved
        truncated = exp.DateTrunc(this=self.to_timestamp(day), unit=exp.var(unit))  # type: ignore[no-untyped-call]
        return self.to_date(truncated)

    def ordered_text(self, value: exp.Expression) -> exp.Expression:
        # the database's default collation may be a linguistic one ('a' < 'B'): "C" is
        # byte order, which for UTF-8 is code point order
        operand = value if isinstance(value, _ATOMS) else exp.Paren(this=value)
        return exp.Collate(this=operand, expression=exp.to_identifier("C", quoted=True))

    def extreme(self, value: exp.Expression, value_type: Type, largest: bool) -> exp.Expression:
        # there is no MAX(boolean) or MIN(boolean)
        if value_type is Type.BOOL:
            return fn("BOOL_OR" if largest else "BOOL_AND", value)
        return super().extreme(value, value_type, largest)

    def session_timezone(self, timezone: str) -> exp.Expression | None:
        # CAST(timestamptz AS TIMESTAMP) converts through the session zone; LOCAL: this run only
        zone = exp.EQ(this=exp.var("TimeZone"), expression=exp.Literal.string(timezone))
        return exp.Set(expressions=[exp.SetItem(this=zone, kind="LOCAL")])

    def in_list(self, value: exp.Expression, items: list[exp.Expression]) -> exp.Expression:
        if not items:  # "x IN ()" is a syntax error: false, or null for a null x
            is_null = exp.Is(this=value, expression=exp.null())
            return exp.Case(
                ifs=[exp.If(this=is_null, true=self.null(Type.BOOL))], default=exp.false()
            )
        return super().in_list(value, items)


class Redshift(Postgres):
    name = "redshift"
    dialect = "redshift"
    enum_columns = False  # no enums; its TEXT is VARCHAR(256), which would truncate
    max_identifier_bytes = 127
    add_column_if_not_exists = False

    def run_lock(self, name: str) -> None:
        # Redshift has no advisory locks; its serializable isolation refuses the second of
        # two conflicting runs instead, which then changes nothing
        return None

    def modulo(self, left: exp.Expression, right: exp.Expression) -> exp.Expression:
        # Redshift has no FLOAT8SEND to read a double's bits: its own % (compile-only)
        return Target.modulo(self, left, right)

    def ordered_text(self, value: exp.Expression) -> exp.Expression:
        # Redshift has no COLLATE "C"; its default (case-sensitive) collation is byte order
        return value

    def session_timezone(self, timezone: str) -> exp.Expression | None:
        return None  # Redshift's SET has no LOCAL form

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return fn("DATE_PART", exp.Literal.string("isodow"), value)


@dataclass(frozen=True)
class _Double:
    """A double as sign * mantissa * 2^exponent, read from its IEEE 754 bits."""

    negative: exp.Expression
    mantissa: exp.Expression
    exponent: exp.Expression


_FRACTION_BITS = 2**52 - 1
_HIDDEN_BIT = 2**52


def _exact_double(value: exp.Expression) -> _Double:
    hexdigits = exp.Anonymous(
        this="ENCODE",
        expressions=[
            exp.Anonymous(this="FLOAT8SEND", expressions=[value]),
            exp.Literal.string("hex"),
        ],
    )
    text = exp.DPipe(this=exp.Literal.string("x"), expression=hexdigits, safe=True)
    bits = exp.Cast(
        this=exp.Cast(
            this=exp.Paren(this=text), to=exp.DataType.build("BIT(64)", dialect="postgres")
        ),
        to=exp.DataType.build("BIGINT"),
    )
    field = exp.BitwiseAnd(
        this=exp.Paren(this=exp.BitwiseRightShift(this=bits, expression=exp.Literal.number(52))),
        expression=exp.Literal.number(2047),
    )
    fraction = exp.Paren(
        this=exp.BitwiseAnd(this=bits.copy(), expression=exp.Literal.number(_FRACTION_BITS))
    )
    subnormal = exp.EQ(this=exp.Paren(this=field), expression=exp.Literal.number(0))
    mantissa = exp.Case(
        ifs=[exp.If(this=subnormal, true=fraction)],
        default=exp.Add(
            this=exp.Paren(this=fraction.copy()), expression=exp.Literal.number(_HIDDEN_BIT)
        ),
    )
    exponent = exp.Case(
        ifs=[exp.If(this=subnormal.copy(), true=exp.Literal.number(-1074))],
        default=exp.Sub(this=exp.Paren(this=field.copy()), expression=exp.Literal.number(1075)),
    )
    negative = exp.LT(this=bits.copy(), expression=exp.Literal.number(0))
    return _Double(negative, mantissa, exponent)


def _scaled(value: _Double, low: exp.Expression) -> exp.Expression:
    """sign * mantissa * 2^(exponent - low) as an exact whole numeric."""
    numeric = exp.DataType.build("NUMERIC")
    power = exp.Anonymous(
        this="POWER",
        expressions=[
            exp.Cast(this=exp.Literal.number(2), to=numeric),
            exp.Sub(this=value.exponent.copy(), expression=low),
        ],
    )
    magnitude = exp.Mul(this=exp.Cast(this=value.mantissa, to=numeric), expression=power)
    signed = exp.Case(
        ifs=[exp.If(this=value.negative, true=exp.Neg(this=exp.Paren(this=magnitude)))],
        default=magnitude.copy(),
    )
    return signed

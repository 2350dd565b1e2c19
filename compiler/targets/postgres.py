"""PostgreSQL and Amazon Redshift."""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from segl.compiler.targets.base import Target, fn
from segl.compiler.types import Type

# Simple expressions that take a COLLATE clause without parentheses
_ATOMS = (exp.Column, exp.Literal, exp.Cast, exp.Case, exp.Func, exp.Paren)


class Postgres(Target):
    name = "postgres"
    dialect = "postgres"
    add_column_if_not_exists = True

    # exact decimals, for round() half away from zero and the remainder of doubles
    numeric_type: ClassVar[str] = "NUMERIC"

    def modulo(self, left: exp.Expression, right: exp.Expression) -> exp.Expression:
        # there is no remainder of doubles; numeric's is exact (an infinite dividend gives
        # NaN, an infinite divisor the dividend, as fmod)
        numeric = exp.DataType.build(self.numeric_type)
        divisor = exp.Nullif(
            this=exp.Cast(this=right, to=numeric), expression=exp.Literal.number(0)
        )
        remainder = exp.Mod(this=exp.Cast(this=left, to=numeric), expression=divisor)
        return self.cast(remainder, Type.NUMBER)

    def ordered_text(self, value: exp.Expression) -> exp.Expression:
        # the database's default collation may be a linguistic one ('a' < 'B'): "C" is
        # byte order, which for UTF-8 is code point order
        operand = value if isinstance(value, _ATOMS) else exp.Paren(this=value)
        return exp.Collate(this=operand, expression=exp.to_identifier("C", quoted=True))

    def only_value(self, value: exp.Expression, value_type: Type) -> exp.Expression:
        # there is no MAX(boolean)
        if value_type is Type.BOOL:
            return fn("BOOL_OR", value)
        return super().only_value(value, value_type)

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
    add_column_if_not_exists = False
    numeric_type = "DECIMAL(38, 10)"  # plain DECIMAL is DECIMAL(18, 0) there

    def ordered_text(self, value: exp.Expression) -> exp.Expression:
        # Redshift has no COLLATE "C"; its default (case-sensitive) collation is byte order
        return value

    def session_timezone(self, timezone: str) -> exp.Expression | None:
        return None  # Redshift's SET has no LOCAL form

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return fn("DATE_PART", exp.Literal.string("isodow"), value)

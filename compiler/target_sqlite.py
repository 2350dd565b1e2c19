"""SQLite: dates and timestamps are ISO text."""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from segl.compiler.target_base import T, Target, dtype, fn
from segl.compiler.types import Type


class SQLite(Target):
    name = "sqlite"
    dialect = "sqlite"

    def sql_type(self, value_type: Type) -> exp.DataType:
        # SQLite keeps dates and timestamps as ISO text
        if value_type in (Type.DATE, Type.TIMESTAMP):
            return dtype(T.TEXT)
        return super().sql_type(value_type)

    def read_column(self, column: exp.Expression, value_type: Type) -> exp.Expression:
        if value_type is Type.NUMBER:
            return self.cast(column, value_type)
        return column

    def timestamp(self, value: dt.datetime) -> exp.Expression:
        text = value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
        return exp.Literal.string(text)

    def date(self, value: dt.date) -> exp.Expression:
        return exp.Literal.string(value.isoformat())

    def to_timestamp(self, value: exp.Expression) -> exp.Expression:
        return fn("DATETIME", value)

    def epoch(self, value: exp.Expression) -> exp.Expression:
        days = exp.Sub(this=fn("JULIANDAY", value), expression=exp.Literal.number("2440587.5"))
        return exp.Mul(this=exp.Paren(this=days), expression=exp.Literal.number(86400))

    def to_date(self, value: exp.Expression) -> exp.Expression:
        return fn("DATE", value)

    def extract(self, part: str, value: exp.Expression) -> exp.Expression:
        codes = {"YEAR": "%Y", "MONTH": "%m", "DAY": "%d", "HOUR": "%H"}
        text = fn("STRFTIME", exp.Literal.string(codes[part]), value)
        return exp.Cast(this=text, to=dtype(T.INT))

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        # %w is 0 = Sunday .. 6 = Saturday
        weekday = exp.Cast(this=fn("STRFTIME", exp.Literal.string("%w"), value), to=dtype(T.INT))
        shifted = exp.Add(this=weekday, expression=exp.Literal.number(6))
        return exp.Add(
            this=exp.Mod(this=exp.Paren(this=shifted), expression=exp.Literal.number(7)),
            expression=exp.Literal.number(1),
        )

    def contains(self, text: exp.Expression, part: exp.Expression) -> exp.Expression:
        return exp.GT(this=fn("INSTR", text, part), expression=exp.Literal.number(0))

"""Snowflake, BigQuery and Trino: compile-only targets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from sqlglot import exp

from segl.compiler.capabilities import Capability, Limit
from segl.compiler.targets.base import T, Target, dtype, fn, iso_from_sunday_based
from segl.compiler.types import Type


class Snowflake(Target):
    name = "snowflake"
    dialect = "snowflake"
    contains_function = "CONTAINS"
    starts_with_function = "STARTSWITH"
    ends_with_function = "ENDSWITH"

    def epoch(self, value: exp.Expression) -> exp.Expression:
        return exp.Div(
            this=fn("DATE_PART", exp.var("EPOCH_MICROSECOND"), value),
            expression=exp.Literal.number("1000000.0"),
        )

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return fn("DAYOFWEEKISO", value)


class BigQuery(Target):
    name = "bigquery"
    dialect = "bigquery"
    starts_with_function = "STARTS_WITH"
    ends_with_function = "ENDS_WITH"
    transactions = False
    limits: ClassVar[Mapping[Capability, Limit]] = {
        Capability.FLOAT_MODULO: Limit("BigQuery's MOD takes integers and NUMERIC, not FLOAT64")
    }

    def nan_to_null(self, value: exp.Expression) -> exp.Expression:
        return exp.If(this=fn("IS_NAN", value), true=exp.null(), false=value.copy())

    def sql_type(self, value_type: Type) -> exp.DataType:
        if value_type is Type.TIMESTAMP:
            return dtype(T.DATETIME)  # civil time, like segl"s local timestamps
        return super().sql_type(value_type)

    def seconds_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        micros = fn("DATETIME_DIFF", end, start, exp.var("MICROSECOND"))
        return exp.Div(this=micros, expression=exp.Literal.number("1000000.0"))

    def divide(self, left: exp.Expression, right: exp.Expression) -> exp.Expression:
        return fn("SAFE_DIVIDE", self.cast(left, Type.NUMBER), self.cast(right, Type.NUMBER))

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return iso_from_sunday_based(self.extract("DAYOFWEEK", value))

    def contains(self, text: exp.Expression, part: exp.Expression) -> exp.Expression:
        return exp.GT(this=fn("STRPOS", text, part), expression=exp.Literal.number(0))


class Trino(Target):
    name = "trino"
    dialect = "trino"
    starts_with_function = "STARTS_WITH"
    transactions = False
    temp_table = False  # no CREATE TEMPORARY TABLE: a plain table, dropped at the end

    def nan_to_null(self, value: exp.Expression) -> exp.Expression:
        return exp.If(this=fn("IS_NAN", value), true=exp.null(), false=value.copy())

    def md5_hex(self, text: exp.Expression) -> exp.Expression:
        # md5 takes varbinary; to_hex spells upper case
        return exp.Lower(this=fn("TO_HEX", fn("MD5", fn("TO_UTF8", text))))

    def seconds_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        millis = fn("DATE_DIFF", exp.Literal.string("millisecond"), start, end)
        return exp.Div(this=millis, expression=exp.Literal.number("1000.0"))

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return fn("DAY_OF_WEEK", value)

"""Spark SQL and Databricks."""

from __future__ import annotations

from sqlglot import exp

from segl.compiler.target_base import Target, fn, iso_from_sunday_based, quoted_table
from segl.compiler.types import Type


class Spark(Target):
    name = "spark"
    dialect = "spark"
    contains_function = "CONTAINS"
    starts_with_function = "STARTSWITH"
    ends_with_function = "ENDSWITH"
    transactions = False
    temp_table = False

    def epoch(self, value: exp.Expression) -> exp.Expression:
        return fn("UNIX_MICROS", self.to_timestamp(value))

    def seconds_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        micros = exp.Sub(this=self.epoch(end), expression=self.epoch(start))
        return exp.Div(this=exp.Paren(this=micros), expression=exp.Literal.number("1000000.0"))

    def divide(self, left: exp.Expression, right: exp.Expression) -> exp.Expression:
        # ANSI mode raises on division by zero; try_divide gives null
        return fn("TRY_DIVIDE", self.cast(left, Type.NUMBER), self.cast(right, Type.NUMBER))

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return iso_from_sunday_based(fn("DAYOFWEEK", value))

    def create_temp_table(self, name: str, query: exp.Query) -> exp.Expression:
        return exp.Create(
            this=quoted_table(name),
            kind="VIEW",
            expression=query,
            properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
            replace=True,
        )


class Databricks(Spark):
    name = "databricks"
    dialect = "databricks"

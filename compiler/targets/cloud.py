"""Snowflake, BigQuery and Trino: compile-only targets."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from sqlglot import exp

from segl.compiler.capabilities import Capability, Limit
from segl.compiler.store import Kind
from segl.compiler.targets.base import T, Target, dtype, fn, iso_from_sunday_based, quoted_table
from segl.compiler.types import Type

# a name Snowflake would fold to upper case if it were written without quotes
_FOLDABLE = re.compile(r"[a-z_][a-z0-9_$]*")


def _as_decimal(value: int) -> exp.Expression:
    """2^63 and -2^63 as DECIMAL(38, 0), from text: as literals they are no BIGINT, which
    Trino's parser refuses (and BigQuery's INT64 literals cannot hold)."""
    text = exp.Literal.string(str(value))
    return exp.Cast(this=text, to=exp.DataType.build("DECIMAL(38, 0)"))


class Snowflake(Target):
    name = "snowflake"
    dialect = "snowflake"
    contains_function = "CONTAINS"
    starts_with_function = "STARTSWITH"
    ends_with_function = "ENDSWITH"
    add_column_if_not_exists = True
    # Snowflake commits the open transaction at every DDL statement (the result and work
    # tables, CREATE TABLE IF NOT EXISTS, ADD COLUMN): BEGIN/COMMIT around a run would
    # promise an atomicity it does not have (docs/engines.md "Atomicity")
    transactions = False

    def before_render(self, expression: exp.Expression) -> exp.Expression:
        """Lower-case names in upper case: Snowflake stores an unquoted `users` as
        USERS, and a quoted name matches exactly, so `"users"` would miss the table its
        owner created. A name with an upper-case or non-ASCII letter is kept as written."""
        for identifier in expression.find_all(exp.Identifier):
            name = identifier.this
            if isinstance(name, str) and _FOLDABLE.fullmatch(name):
                identifier.set("this", name.upper())
        return expression

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
    max_columns = 10_000
    starts_with_function = "STARTS_WITH"
    ends_with_function = "ENDS_WITH"
    transactions = False
    add_column_if_not_exists = True
    limits: ClassVar[Mapping[Capability, Limit]] = {
        Capability.FLOAT_MODULO: Limit("BigQuery's MOD takes integers and NUMERIC, not FLOAT64")
    }

    def nan_to_null(self, value: exp.Expression) -> exp.Expression:
        return exp.If(this=fn("IS_NAN", value), true=exp.null(), false=value.copy())

    def exact_integer(self, value: int) -> exp.Expression:
        return _as_decimal(value)

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
    add_column_if_not_exists = True

    def nan_to_null(self, value: exp.Expression) -> exp.Expression:
        return exp.If(this=fn("IS_NAN", value), true=exp.null(), false=value.copy())

    def exact_integer(self, value: int) -> exp.Expression:
        return _as_decimal(value)

    def sql_type(self, value_type: Type) -> exp.DataType:
        # Trino's TIMESTAMP is TIMESTAMP(3): a cast would round microseconds away (an
        # event at 09:59:59.9996 would be seen at 10:00, after an as-of of 10:00)
        if value_type is Type.TIMESTAMP:
            return exp.DataType.build("TIMESTAMP(6)", dialect="trino")
        return super().sql_type(value_type)

    def store_type(self, column_type: Type | Kind) -> exp.DataType:
        if column_type is Kind.INSTANT:
            return exp.DataType.build("TIMESTAMP(6) WITH TIME ZONE", dialect="trino")
        return super().store_type(column_type)

    def create_result_table(self, name: str, query: exp.Query) -> list[exp.Expression]:
        return self._replacing(name, query)

    def create_work_table(self, name: str, query: exp.Query) -> list[exp.Expression]:
        return self._replacing(name, query)

    def _replacing(self, name: str, query: exp.Query) -> list[exp.Expression]:
        """A plain table outlives a failed script, which would make the next one fail
        on CREATE: dropped first."""
        drop = exp.Drop(tables=[quoted_table(name)], kind="TABLE", exists=True)
        return [drop, self.create_temp_table(name, query)]

    def md5_hex(self, text: exp.Expression) -> exp.Expression:
        # md5 takes varbinary; to_hex spells upper case
        return exp.Lower(this=fn("TO_HEX", fn("MD5", fn("TO_UTF8", text))))

    def seconds_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        millis = fn("DATE_DIFF", exp.Literal.string("millisecond"), start, end)
        return exp.Div(this=millis, expression=exp.Literal.number("1000.0"))

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return fn("DAY_OF_WEEK", value)

"""SQL targets: how each warehouse spells the few things SQL dialects disagree on.

The base class writes portable SQL; each target overrides only what its engine
does differently or better. Anything a target cannot express raises
`TargetError` with a named diagnostic, never silently wrong SQL.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlglot import exp

from segl.compiler.types import Type

T = exp.DType


class TargetError(Exception):
    """A construct the target cannot run; carries the E05xx code."""

    def __init__(self, target: str, construct: str, reason: str) -> None:
        super().__init__(f"{target} cannot compile {construct}: {reason}")
        self.target = target
        self.construct = construct
        self.reason = reason
        self.code = "E0501"


def dtype(kind: exp.DType) -> exp.DataType:
    return exp.DataType(this=kind)


def fn(name: str, *args: exp.Expression) -> exp.Expression:
    """A function call the target is known to have, by its own name."""
    return exp.Anonymous(this=name, expressions=list(args))


class Target:
    name: ClassVar[str] = "generic"
    dialect: ClassVar[str] = ""
    # ALTER TABLE ... ADD COLUMN IF NOT EXISTS, so a script can add new tags to history
    add_column_if_not_exists: ClassVar[bool] = False
    temp_table: ClassVar[bool] = True
    transactions: ClassVar[bool] = True  # BEGIN/COMMIT around a run
    # native string tests, by name; None: a portable form over SUBSTRING/LENGTH/STRPOS
    contains_function: ClassVar[str | None] = None
    starts_with_function: ClassVar[str | None] = None
    ends_with_function: ClassVar[str | None] = None

    # ------------------------------------------------------------ types
    def sql_type(self, value_type: Type) -> exp.DataType:
        return dtype(
            {
                Type.NUMBER: T.DOUBLE,
                Type.STRING: T.VARCHAR,
                Type.BOOL: T.BOOLEAN,
                Type.DATE: T.DATE,
                Type.TIMESTAMP: T.TIMESTAMP,
            }.get(value_type, T.VARCHAR)
        )

    def cast(self, value: exp.Expression, value_type: Type) -> exp.Expression:
        return exp.Cast(this=value, to=self.sql_type(value_type))

    def read_column(self, column: exp.Expression, value_type: Type) -> exp.Expression:
        """A warehouse column as the declared type: numbers become doubles so that
        arithmetic is the same on every engine."""
        if value_type in (Type.NUMBER, Type.DATE, Type.TIMESTAMP):
            return self.cast(column, value_type)
        return column

    # ------------------------------------------------------------ literals
    def number(self, value: int | float) -> exp.Expression:
        if isinstance(value, int) and abs(value) < 2**53:
            literal: exp.Expression = exp.Literal.number(abs(value))
        else:
            literal = self.cast(exp.Literal.number(repr(abs(float(value)))), Type.NUMBER)
        # a negative literal is a negation in parentheses: "- -3" must never print as "--3"
        return exp.Paren(this=exp.Neg(this=literal)) if value < 0 else literal

    def string(self, value: str) -> exp.Expression:
        return exp.Literal.string(value)

    def boolean(self, value: bool) -> exp.Expression:
        return exp.true() if value else exp.false()

    def timestamp(self, value: dt.datetime) -> exp.Expression:
        text = value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
        return self.cast(exp.Literal.string(text), Type.TIMESTAMP)

    def date(self, value: dt.date) -> exp.Expression:
        return self.cast(exp.Literal.string(value.isoformat()), Type.DATE)

    def null(self, value_type: Type) -> exp.Expression:
        if value_type in (Type.NULL, Type.ANY):
            return exp.null()
        return self.cast(exp.null(), value_type)

    # ------------------------------------------------------------ arithmetic
    def divide(self, left: exp.Expression, right: exp.Expression) -> exp.Expression:
        """True division; dividing by zero gives null (never an error or infinity)."""
        denominator = exp.Nullif(
            this=self.cast(right, Type.NUMBER), expression=exp.Literal.number(0)
        )
        return exp.Div(
            this=self.cast(left, Type.NUMBER), expression=denominator, typed=False, safe=False
        )

    def floor(self, value: exp.Expression) -> exp.Expression:
        return exp.Floor(this=value)

    def round(self, value: exp.Expression, digits: int) -> exp.Expression:
        return exp.Round(this=value, decimals=exp.Literal.number(digits))

    # ------------------------------------------------------------ time
    def to_timestamp(self, value: exp.Expression) -> exp.Expression:
        return self.cast(value, Type.TIMESTAMP)

    def seconds_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        """Elapsed seconds from start to end (timestamps), fractional where the engine has them."""
        return exp.Sub(this=self.epoch(end), expression=self.epoch(start))

    def epoch(self, value: exp.Expression) -> exp.Expression:
        return exp.Extract(this=exp.var("EPOCH"), expression=value)

    def to_date(self, value: exp.Expression) -> exp.Expression:
        return self.cast(value, Type.DATE)

    def extract(self, part: str, value: exp.Expression) -> exp.Expression:
        return exp.Extract(this=exp.var(part), expression=value)

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return self.extract("ISODOW", value)

    # ------------------------------------------------------------ strings
    def contains(self, text: exp.Expression, part: exp.Expression) -> exp.Expression:
        return exp.GT(
            this=exp.StrPosition(this=text, substr=part), expression=exp.Literal.number(0)
        )

    def starts_with(self, text: exp.Expression, part: exp.Expression) -> exp.Expression:
        head = exp.Substring(this=text, start=exp.Literal.number(1), length=exp.Length(this=part))
        return exp.EQ(this=head, expression=part)

    def ends_with(self, text: exp.Expression, part: exp.Expression) -> exp.Expression:
        start = exp.Add(
            this=exp.Sub(this=exp.Length(this=text), expression=exp.Length(this=part)),
            expression=exp.Literal.number(1),
        )
        longer = exp.GTE(this=exp.Length(this=text), expression=exp.Length(this=part))
        tail = exp.EQ(this=exp.Substring(this=text, start=start), expression=part)
        return exp.And(this=longer, expression=tail)

    def length(self, text: exp.Expression) -> exp.Expression:
        return exp.Length(this=text)

    # ------------------------------------------------------------ queries
    def in_list(self, value: exp.Expression, items: list[exp.Expression]) -> exp.Expression:
        return exp.In(this=value, expressions=items)

    def finish_query(self, query: exp.Select) -> exp.Select:
        """Session settings the query needs to mean what segl means."""
        return query

    # ------------------------------------------------------------ statements
    def create_temp_table(self, name: str, query: exp.Query) -> exp.Expression:
        properties = exp.Properties(expressions=[exp.TemporaryProperty()])
        return exp.Create(
            this=_table(name),
            kind="TABLE",
            expression=query,
            properties=properties if self.temp_table else None,
        )

    def begin(self) -> exp.Expression | None:
        return exp.Transaction() if self.transactions else None

    def commit(self) -> exp.Expression | None:
        return exp.Commit() if self.transactions else None


def iso_from_sunday_based(weekday: exp.Expression) -> exp.Expression:
    """1 = Sunday .. 7 = Saturday, to ISO 1 = Monday .. 7 = Sunday."""
    shifted = exp.Add(this=weekday, expression=exp.Literal.number(5))
    return exp.Add(
        this=exp.Mod(this=exp.Paren(this=shifted), expression=exp.Literal.number(7)),
        expression=exp.Literal.number(1),
    )


def _table(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True))


class DuckDB(Target):
    name = "duckdb"
    dialect = "duckdb"
    contains_function = "CONTAINS"
    starts_with_function = "STARTS_WITH"
    ends_with_function = "SUFFIX"
    add_column_if_not_exists = True

    def epoch(self, value: exp.Expression) -> exp.Expression:
        return exp.TimeToUnix(this=value)

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return fn("ISODOW", value)


class Postgres(Target):
    name = "postgres"
    dialect = "postgres"
    add_column_if_not_exists = True

    numeric_type: ClassVar[str] = "NUMERIC"

    def round(self, value: exp.Expression, digits: int) -> exp.Expression:
        # round(double) rounds half to even; numeric rounds half away from zero
        as_numeric = exp.Cast(this=value, to=exp.DataType.build(self.numeric_type))
        return self.cast(
            exp.Round(this=as_numeric, decimals=exp.Literal.number(digits)), Type.NUMBER
        )


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


class ClickHouse(Target):
    name = "clickhouse"
    dialect = "clickhouse"
    starts_with_function = "startsWith"
    ends_with_function = "endsWith"
    transactions = False
    temp_table = False

    def epoch(self, value: exp.Expression) -> exp.Expression:
        return fn("toUnixTimestamp64Micro", fn("toDateTime64", value, exp.Literal.number(6)))

    def seconds_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        micros = exp.Sub(this=self.epoch(end), expression=self.epoch(start))
        return exp.Div(this=exp.Paren(this=micros), expression=exp.Literal.number("1000000.0"))

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return fn("toDayOfWeek", value)

    def contains(self, text: exp.Expression, part: exp.Expression) -> exp.Expression:
        return exp.GT(this=fn("position", text, part), expression=exp.Literal.number(0))

    def length(self, text: exp.Expression) -> exp.Expression:
        return fn("lengthUTF8", text)

    def in_list(self, value: exp.Expression, items: list[exp.Expression]) -> exp.Expression:
        # ClickHouse"s IN treats NULL as a value ("a" IN ("b", NULL) is 0, not NULL);
        # a chain of equalities keeps SQL"s three-valued answer
        tests = [exp.EQ(this=value.copy(), expression=item) for item in items]
        chain: exp.Expression = tests[0]
        for test in tests[1:]:
            chain = exp.Or(this=chain, expression=test)
        return exp.Paren(this=chain)

    def finish_query(self, query: exp.Select) -> exp.Select:
        # outer joins fill missing rows with 0 / "" unless join_use_nulls is on
        setting = exp.EQ(this=exp.var("join_use_nulls"), expression=exp.Literal.number(1))
        query.set("settings", [setting])
        return query

    def create_temp_table(self, name: str, query: exp.Query) -> exp.Expression:
        engine = exp.Properties(expressions=[exp.EngineProperty(this=exp.var("Memory"))])
        return exp.Create(this=_table(name), kind="TABLE", expression=query, properties=engine)


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
            this=_table(name),
            kind="VIEW",
            expression=query,
            properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
            replace=True,
        )


class Databricks(Spark):
    name = "databricks"
    dialect = "databricks"


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

    def seconds_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        millis = fn("DATE_DIFF", exp.Literal.string("millisecond"), start, end)
        return exp.Div(this=millis, expression=exp.Literal.number("1000.0"))

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return fn("DAY_OF_WEEK", value)


class Redshift(Postgres):
    name = "redshift"
    dialect = "redshift"
    add_column_if_not_exists = False
    numeric_type = "DECIMAL(38, 10)"  # plain DECIMAL is DECIMAL(18, 0) there

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return fn("DATE_PART", exp.Literal.string("isodow"), value)


TARGETS: dict[str, type[Target]] = {
    cls.name: cls
    for cls in (
        DuckDB,
        Postgres,
        SQLite,
        ClickHouse,
        Spark,
        Databricks,
        Snowflake,
        BigQuery,
        Trino,
        Redshift,
    )
}


def get_target(name: str) -> Target:
    try:
        return TARGETS[name]()
    except KeyError:
        raise KeyError(name) from None

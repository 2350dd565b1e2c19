"""SQLite: dates and timestamps are ISO text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import ClassVar

from sqlglot import exp

from segl.compiler.capabilities import Capability, Limit
from segl.compiler.store import Kind
from segl.compiler.targets.base import T, Target, dtype, fn
from segl.compiler.types import Type


class SQLite(Target):
    name = "sqlite"
    dialect = "sqlite"
    nan_is_null = True
    limits: ClassVar[Mapping[Capability, Limit]] = {
        Capability.MD5: Limit(
            "SQLite has no md5(); segl's SQLite engine defines one, another SQLite client "
            "needs an extension that does",
            engine_provides=True,
        )
    }
    ctes_computed_once = True

    def nan_to_null(self, value: exp.Expression) -> exp.Expression:
        return value  # SQLite has no NaN: it stores and computes NaN as NULL (nan_is_null)

    def modulo(self, left: exp.Expression, right: exp.Expression) -> exp.Expression:
        # `%` converts both sides to integers; mod() (SQLite >= 3.35) is fmod
        return fn("MOD", left, exp.Nullif(this=right, expression=exp.Literal.number(0)))

    def exactly_comparable(self, number: exp.Expression) -> exp.Expression:
        # SQLite compares integers and reals exactly; it has no DECIMAL (sqlglot writes REAL)
        return number

    def md5_hex(self, text: exp.Expression) -> exp.Expression:
        return fn("md5", text)

    def sql_type(self, value_type: Type) -> exp.DataType:
        # SQLite keeps dates and timestamps as ISO text
        if value_type in (Type.DATE, Type.TIMESTAMP):
            return dtype(T.TEXT)
        return super().sql_type(value_type)

    def read_column(self, column: exp.Expression, value_type: Type) -> exp.Expression:
        if value_type is Type.NUMBER:
            return self.cast(column, value_type)
        if value_type is Type.TIMESTAMP:
            # a date's text where a timestamp goes (an event's time column holding dates,
            # not declared `date`) is its midnight: '2024-03-31' sorts before
            # '2024-03-31 00:00:00' as text, so an event of the as-of's day would be seen
            padded = exp.DPipe(this=column.copy(), expression=exp.Literal.string(" 00:00:00"))
            date_only = exp.EQ(this=fn("LENGTH", column.copy()), expression=exp.Literal.number(10))
            # a fraction as timestamp() writes literals (and Python's isoformat values):
            # six digits, none when they are all zeros; then text order is time order
            has_fraction = exp.EQ(
                this=fn("SUBSTR", column.copy(), exp.Literal.number(20), exp.Literal.number(1)),
                expression=exp.Literal.string("."),
            )
            digits = fn("SUBSTR", column.copy(), exp.Literal.number(21))
            whole = fn("SUBSTR", column.copy(), exp.Literal.number(1), exp.Literal.number(19))
            zeros = exp.EQ(
                this=fn("RTRIM", digits.copy(), exp.Literal.string("0")),
                expression=exp.Literal.string(""),
            )
            six = fn(
                "SUBSTR",
                exp.DPipe(this=digits.copy(), expression=exp.Literal.string("000000"), safe=True),
                exp.Literal.number(1),
                exp.Literal.number(6),
            )
            fraction = exp.DPipe(
                this=exp.DPipe(this=whole.copy(), expression=exp.Literal.string("."), safe=True),
                expression=six,
                safe=True,
            )
            # text that is no time ('abc', '2026-10-15 10:00:00x') is null, as on
            # ClickHouse: it sorted among the times and broke reading them back; so is a
            # day no calendar has ('2026-02-30') and hour 24, which DATETIME() keeps as
            # written and a '+0 days' modifier carries into the next month or day
            no_time = _no_calendar_time(column, "DATETIME")
            return exp.Case(
                ifs=[
                    exp.If(this=no_time, true=exp.null()),
                    exp.If(this=date_only, true=padded),
                    exp.If(this=exp.and_(has_fraction, zeros), true=whole),
                    exp.If(this=has_fraction, true=fraction),
                ],
                default=column,
            )
        if value_type is Type.DATE:  # '2026-02-30' and 'abc' are no dates either
            return exp.Case(
                ifs=[exp.If(this=_no_calendar_time(column, "DATE"), true=exp.null())],
                default=column,
            )
        return column

    def infinity(self, negative: bool) -> exp.Expression:
        # SQLite reads no 'Infinity' text as a number; a literal past the largest double
        # is infinite
        literal = exp.Literal.number("9e999")
        return exp.Paren(this=exp.Neg(this=literal)) if negative else literal

    def store_type(self, column_type: Type | Kind) -> exp.DataType:
        if column_type is Kind.INSTANT:  # ISO text with its UTC offset
            return dtype(T.TEXT)
        return super().store_type(column_type)

    def instant(self, value: dt.datetime) -> exp.Expression:
        utc = value.astimezone(dt.UTC).replace(tzinfo=None)
        return exp.Literal.string(utc.isoformat(sep=" ", timespec="seconds") + "+00:00")

    def current_instant(self) -> exp.Expression:
        return fn(
            "STRFTIME", exp.Literal.string("%Y-%m-%d %H:%M:%S+00:00"), exp.Literal.string("now")
        )

    def timestamp(self, value: dt.datetime) -> exp.Expression:
        """ISO text: six digits of fraction, none for a whole second (read_column reads
        columns so, and Python's isoformat writes staged values so)."""
        text = value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
        return exp.Literal.string(text)

    def date(self, value: dt.date) -> exp.Expression:
        return exp.Literal.string(value.isoformat())

    def to_timestamp(self, value: exp.Expression) -> exp.Expression:
        return fn("DATETIME", value)

    def epoch(self, value: exp.Expression) -> exp.Expression:
        # whole seconds as an exact integer ('%s'; JULIANDAY arithmetic is a double off by
        # microseconds, so floor() of an elapsed time exactly on a day or hour boundary
        # would come out one short), plus the fraction read from the text itself: SQLite's
        # date functions round it to milliseconds, and '%s' rounds `23:59:59.9996` up to
        # the next second while '%S' does not. DATETIME() keeps the text's whole seconds.
        whole = fn("STRFTIME", exp.Literal.string("%s"), fn("DATETIME", value.copy()))
        has_fraction = exp.EQ(
            this=fn("SUBSTR", value.copy(), exp.Literal.number(20), exp.Literal.number(1)),
            expression=exp.Literal.string("."),
        )
        # CAST reads the longest number the text starts with: '0.9996' of '.9996'
        digits = exp.DPipe(
            this=exp.Literal.string("0"),
            expression=fn("SUBSTR", value.copy(), exp.Literal.number(20)),
            safe=True,
        )
        fraction = exp.Case(
            ifs=[exp.If(this=has_fraction, true=exp.Cast(this=digits, to=dtype(T.DOUBLE)))],
            default=exp.Literal.number(0),
        )
        # in parentheses: `a - epoch(b)` must subtract b's fraction too
        return exp.Paren(
            this=exp.Add(this=exp.Cast(this=whole, to=dtype(T.BIGINT)), expression=fraction)
        )

    def to_date(self, value: exp.Expression) -> exp.Expression:
        return fn("DATE", value)

    def extract(self, part: str, value: exp.Expression) -> exp.Expression:
        codes = {"YEAR": "%Y", "MONTH": "%m", "DAY": "%d", "HOUR": "%H"}
        text = fn("STRFTIME", exp.Literal.string(codes[part]), value)
        return exp.Cast(this=text, to=dtype(T.INT))

    def period_start(self, unit: str, day: exp.Expression) -> exp.Expression:
        # no DATE_TRUNC: date modifiers ('weekday 0' is the Sunday on or after the day)
        modifiers = ("weekday 0", "-6 days") if unit == "WEEK" else ("start of month",)
        return fn("DATE", day, *[exp.Literal.string(m) for m in modifiers])

    def shift_time(self, value: exp.Expression, count: exp.Expression, unit: str) -> exp.Expression:
        def whole(code: str, of: exp.Expression) -> exp.Expression:
            text = fn("STRFTIME", exp.Literal.string(code), of.copy())
            return exp.Cast(this=text, to=dtype(T.INT))

        if unit == "DAY":  # DATETIME keeps the time of day (DATE(x, '+n days') drops it)
            days = exp.DPipe(this=exp.Paren(this=count), expression=exp.Literal.string(" days"))
            return fn("DATETIME", value, days)
        # '+n months' overflows (Jan 31 + 1 month is Mar 3): the month is computed from a
        # month index, the day clamped to that month's last
        index = exp.Add(
            this=exp.Add(
                this=exp.Mul(this=whole("%Y", value), expression=exp.Literal.number(12)),
                expression=exp.Sub(this=whole("%m", value), expression=exp.Literal.number(1)),
            ),
            expression=exp.Paren(this=count),
        )
        year = exp.Div(this=exp.Paren(this=index), expression=exp.Literal.number(12))
        month = exp.Add(
            this=exp.Mod(this=exp.Paren(this=index.copy()), expression=exp.Literal.number(12)),
            expression=exp.Literal.number(1),
        )
        first = fn("PRINTF", exp.Literal.string("%04d-%02d-01"), year, month)
        last = whole("%d", fn("DATE", first, *map(exp.Literal.string, ("+1 month", "-1 day"))))
        day = fn("MIN", whole("%d", value), last)
        wall = fn("PRINTF", exp.Literal.string("%04d-%02d-%02d "), year.copy(), month.copy(), day)
        return fn(
            "DATETIME",
            exp.DPipe(
                this=wall, expression=fn("STRFTIME", exp.Literal.string("%H:%M:%S"), value.copy())
            ),
        )

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

    def widen_date(self, value: exp.Expression) -> exp.Expression:
        # '2024-03-31' and '2024-03-31 00:00:00' differ as text: spell midnight out
        return self.to_timestamp(value)


def _no_calendar_time(column: exp.Expression, function: str) -> exp.Expression:
    """Whether a column's text is no time of the calendar: text SQLite cannot read (null),
    or a day no calendar has ('2026-02-30') or hour 24, which DATETIME() and DATE() keep as
    written and a '+0 days' modifier carries into the next month or day. The modifier is
    applied to the whole seconds only: it rounds a fraction of .9995 or more up to the next
    second (and 23:59:59.9999 into the next day)."""
    unreadable = exp.Is(this=fn(function, column.copy()), expression=exp.null())
    whole = fn("SUBSTR", column.copy(), exp.Literal.number(1), exp.Literal.number(19))
    as_read = fn(function, whole)
    carried = fn(function, whole.copy(), exp.Literal.string("+0 days"))
    moved = exp.Coalesce(
        this=exp.NEQ(this=as_read, expression=carried), expressions=[exp.Literal.number(1)]
    )
    return exp.Or(this=unreadable, expression=moved)

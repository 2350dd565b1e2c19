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
    materialize_ctes = True
    max_compound_terms = 500  # SQLITE_MAX_COMPOUND_SELECT: "too many terms in compound SELECT"
    max_columns = 2000  # SQLITE_MAX_COLUMN, the default of every build
    max_function_args = 127  # SQLITE_MAX_FUNCTION_ARG: "too many arguments on function"

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
            return _timestamp_read(column)
        if value_type is Type.DATE:
            return _date_read(column)
        if value_type is Type.BOOL:
            return _bool_read(column)
        return column

    def canonical_time(self, column: exp.Expression, value_type: Type) -> exp.Expression | None:
        # SQLite's own DATETIME(x, '+0 days') = x is true only for 'YYYY-MM-DD HH:MM:SS'
        # on the calendar: a C function, where the full read parses text (about 40x the
        # time). Without the modifier it kept '2026-02-30' and hour 24 as written, so they
        # passed for readable times and W0606 did not count them (an acceptance probe)
        name = "DATE" if value_type is Type.DATE else "DATETIME"
        return _on_calendar(column.copy(), name)

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
        # %w is 0 = Sunday .. 6 = Saturday. Of the day, not the time: %w rounds a time's
        # fraction to the millisecond (23:59:59.9996 had the next day's weekday), DATE cuts it
        of_day = fn("DATE", value)
        weekday = exp.Cast(this=fn("STRFTIME", exp.Literal.string("%w"), of_day), to=dtype(T.INT))
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


_DAY = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
_MINUTE = _DAY + "[ T][0-9][0-9]:[0-9][0-9]"
_SECOND = _MINUTE + ":[0-9][0-9]"


def _glob(text: exp.Expression, pattern: str) -> exp.Expression:
    return exp.Glob(this=text.copy(), expression=exp.Literal.string(pattern))


def _substr(text: exp.Expression, start: int, length: int | None = None) -> exp.Expression:
    bounds = [exp.Literal.number(start), *([exp.Literal.number(length)] if length else [])]
    return fn("SUBSTR", text.copy(), *bounds)


def _joined(*parts: exp.Expression) -> exp.Expression:
    joined = parts[0]
    for part in parts[1:]:
        joined = exp.DPipe(this=joined, expression=part, safe=True)
    return joined


def _on_calendar(text: exp.Expression, function: str) -> exp.Expression:
    """Whether `text` (`YYYY-MM-DD[ HH:MM:SS]`) is a day or time of the calendar: DATETIME()
    and DATE() keep '2026-02-30' and hour 24 as written, and a '+0 days' modifier carries
    them into the next month or day; text they cannot read gives null (not true)."""
    on_calendar: exp.Expression = exp.EQ(
        this=fn(function, text.copy(), exp.Literal.string("+0 days")), expression=text
    )
    return on_calendar


def _to_the_second(column: exp.Expression) -> exp.Expression:
    """Whether a text is `YYYY-MM-DD HH:MM:SS` (or with a `T`), a fraction of digits or none."""
    rest = _substr(column, 20)
    digits = _substr(column, 21)
    fraction = exp.and_(_glob(rest, ".[0-9]*"), exp.Not(this=_glob(digits, "*[^0-9]*")))
    empty = exp.EQ(this=rest.copy(), expression=exp.Literal.string(""))
    return exp.And(
        this=_glob(_substr(column, 1, 19), _SECOND),
        expression=exp.Paren(this=exp.Or(this=empty, expression=fraction)),
    )


def _timestamp_read(column: exp.Expression) -> exp.Expression:
    """A time column's text as segl reads and writes times (engines.md): a day
    `YYYY-MM-DD` is its midnight; `YYYY-MM-DD HH:MM:SS` (or with a `T` between day and
    time, or without seconds, the ISO ways) is that time, its fraction six digits, none
    when all are zeros, so that text order is time order; anything else is null: an
    offset or a `Z` (SQLite has no zones: DATETIME() read it as UTC where windows
    compared its wall time), a number, a day no calendar has ('2026-02-30'), hour 24,
    'abc'. Written with a `T`, a time sorted after every time of its day."""
    day = _substr(column, 1, 10)
    midnight = _joined(column.copy(), exp.Literal.string(" 00:00:00"))
    to_minute = _joined(day.copy(), exp.Literal.string(" "), _substr(column, 12, 5))
    minute = _joined(to_minute, exp.Literal.string(":00"))
    whole = _joined(day, exp.Literal.string(" "), _substr(column, 12, 8))
    digits = _substr(column, 21)
    no_fraction = exp.EQ(
        this=fn("RTRIM", digits.copy(), exp.Literal.string("0")), expression=exp.Literal.string("")
    )
    six = _substr(_joined(digits.copy(), exp.Literal.string("000000")), 1, 6)
    precise = exp.Case(
        ifs=[exp.If(this=no_fraction, true=whole.copy())],
        default=_joined(whole.copy(), exp.Literal.string("."), six),
    )
    return exp.Case(
        ifs=[
            exp.If(
                this=exp.and_(_glob(column, _DAY), _on_calendar(midnight, "DATETIME")),
                true=midnight.copy(),
            ),
            exp.If(
                this=exp.and_(_glob(column, _MINUTE), _on_calendar(minute, "DATETIME")),
                true=minute.copy(),
            ),
            exp.If(
                this=exp.and_(_to_the_second(column), _on_calendar(whole, "DATETIME")),
                true=precise,
            ),
        ],
        default=exp.null(),
    )


def _date_read(column: exp.Expression) -> exp.Expression:
    """A date column's text: `YYYY-MM-DD`, or the day of a time's text (a date column
    holding times): the day of what `_timestamp_read` reads, anything else null ('2000'
    was read as the Julian day 2000, '2026-02-30' as written, '2000-01-15 24:00:00' as
    2000-01-15)."""
    return _substr(_timestamp_read(column), 1, 10)


def _bool_read(column: exp.Expression) -> exp.Expression:
    """A bool column's value as 1, 0 or null: a number is true when it is not 0 (as a
    cast to BOOLEAN reads it elsewhere), the text 'true', 't' or '1' true and 'false', 'f'
    or '0' false in any case, anything else null. SQLite keeps what was written (a BOOLEAN
    column converts no text): the tag stored 'true' as 0, `users.vip` as a condition left
    out 2 and '1', and a report grouped each spelling apart."""
    kind = fn("TYPEOF", column.copy())
    number = exp.In(
        this=kind, expressions=[exp.Literal.string("integer"), exp.Literal.string("real")]
    )
    text = fn("LOWER", column.copy())

    def spelled(*words: str) -> exp.Expression:
        return exp.In(this=text.copy(), expressions=[exp.Literal.string(w) for w in words])

    return exp.Case(
        ifs=[
            exp.If(this=number, true=exp.NEQ(this=column.copy(), expression=exp.Literal.number(0))),
            exp.If(this=spelled("true", "t", "1"), true=exp.Literal.number(1)),
            exp.If(this=spelled("false", "f", "0"), true=exp.Literal.number(0)),
        ],
        default=exp.null(),
    )

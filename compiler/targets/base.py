"""The SQL target base: portable SQL for the few things SQL dialects disagree on.

The base class writes portable SQL; each target overrides only what its engine
does differently or better. Anything a target cannot express raises
`TargetError` with a named diagnostic, never silently wrong SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import ClassVar

from sqlglot import exp

from segl.compiler.capabilities import Capability, Limit
from segl.compiler.store import Kind
from segl.compiler.types import Type

T = exp.DType


HEX_DIGITS = "0123456789abcdef"


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


# an operand of more nodes than this is computed once where an operation would repeat it
# (the exact remainder on PostgreSQL and ClickHouse): a column read as a double is about ten
LARGE_OPERAND = 40


def large_operand(value: exp.Expression) -> bool:
    return any(index >= LARGE_OPERAND for index, _ in enumerate(value.walk()))


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
    # leaf segments evaluated where members are written, not stored in the result table
    # (QueryBuilder.deferrable_segments); needs result columns typed exactly as the query's
    defer_segment_flags: ClassVar[bool] = False
    # each level of definitions (sqlgen's lvl_<n>) reads the level before it cross-joined
    # with a one-row relation, so that no projection passes another's computed columns
    # through (see DuckDB.level_barrier)
    level_barrier: ClassVar[bool] = False
    # NaN is stored and computed as NULL (SQLite): NULLIF cannot see it, a sum can hide it
    nan_is_null: ClassVar[bool] = False
    # the longest identifier the target keeps, in UTF-8 bytes (None: no practical limit)
    max_identifier_bytes: ClassVar[int | None] = None
    # the most columns a table may have (None: no practical limit): a project's result
    # table has one per tag, segment and layering
    max_columns: ClassVar[int | None] = None
    # table names of ASCII letters, digits and _ only (the result store spells others out)
    ascii_table_names: ClassVar[bool] = False
    # a CTE read twice is computed once (DuckDB, PostgreSQL and SQLite materialise it);
    # where every reference is inlined (ClickHouse, Spark, Trino, BigQuery) a second reader
    # doubles the query tree, and ClickHouse refuses a tree over 500,000 nodes
    ctes_computed_once: ClassVar[bool] = False
    # a report's CTEs are written `AS MATERIALIZED` (SQLite): its planner inlines a CTE read
    # once into the query that reads it, and re-ran a scan's zone join and text parsing for
    # every row of a join (a rolling retention over 400 events took 112 s)
    materialize_ctes: ClassVar[bool] = False
    # a string column may be an enumerated type (DuckDB's ENUM, PostgreSQL's CREATE TYPE
    # ... AS ENUM), which compares and sorts by its declared order: read as text (a cast
    # of a text column to text costs nothing). ClickHouse's Enum: ClickHouse.read_column
    enum_columns: ClassVar[bool] = False
    # the most SELECTs one UNION ALL may join (None: no practical limit); longer unions are
    # built of groups (sqlgen.nodes.union_all)
    max_compound_terms: ClassVar[int | None] = None
    # the most arguments a function call may have (None: no practical limit); longer
    # COALESCE, GREATEST and LEAST calls are nested (registry.in_groups)
    max_function_args: ClassVar[int | None] = None
    # what the target cannot do (registry entries name what they need)
    limits: ClassVar[Mapping[Capability, Limit]] = {}

    @classmethod
    def lineage(cls) -> tuple[str, ...]:
        """This target's name, then its base targets' (registry overrides are found by it)."""
        names = [c.name for c in cls.__mro__ if issubclass(c, Target)]
        return tuple(dict.fromkeys(names))

    def function(self, name: str, *args: exp.Expression) -> exp.Expression:
        """A function call the target is known to have, by its own name."""
        return fn(name, *args)

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

    def store_type(self, column_type: Type | Kind) -> exp.DataType:
        """The SQL type of a result-store column (compiler/store.py)."""
        if column_type is Kind.INSTANT:
            return dtype(T.TIMESTAMPTZ)
        if column_type is Kind.COUNT:
            return dtype(T.BIGINT)
        if column_type is Kind.WIDE_KEY:
            return exp.DataType.build("DECIMAL(20, 0)")
        if column_type is Kind.KEY:  # typed from the universe's key column instead
            raise ValueError("the key column takes the type of the universe's key")
        return self.sql_type(column_type)

    def cast(self, value: exp.Expression, value_type: Type) -> exp.Expression:
        return exp.Cast(this=value, to=self.sql_type(value_type))

    def read_column(self, column: exp.Expression, value_type: Type) -> exp.Expression:
        """A warehouse column as the declared type: numbers become doubles so that
        arithmetic is the same on every engine, and a NaN in the data is null (SPEC §3)."""
        if value_type is Type.NUMBER:
            return self.nan_to_null(self.cast(column, value_type))
        if value_type in (Type.DATE, Type.TIMESTAMP):
            return self.cast(column, value_type)
        if value_type is Type.STRING and self.enum_columns:
            return self.cast(column, value_type)
        return column

    def canonical_time(self, column: exp.Expression, value_type: Type) -> exp.Expression | None:
        """A cheap test, true for a text time in the form segl writes (so surely read as a
        time), on engines that keep times as text; None where there is none."""
        return None

    # ------------------------------------------------------------ literals
    def number(self, value: int | float) -> exp.Expression:
        """A finite number (the checker rejects others)."""
        if isinstance(value, int) and abs(value) < 2**53:
            literal: exp.Expression = exp.Literal.number(abs(value))
        else:
            literal = self.cast(exp.Literal.number(repr(abs(float(value)))), Type.NUMBER)
        # a negative literal is a negation in parentheses: "- -3" must never print as "--3"
        return exp.Paren(this=exp.Neg(this=literal)) if value < 0 else literal

    def infinity(self, negative: bool) -> exp.Expression:
        """±infinity, a value of the data (a key, say): no literal spells it portably."""
        text = exp.Literal.string("-Infinity" if negative else "Infinity")
        return self.cast(text, Type.NUMBER)

    def string(self, value: str) -> exp.Expression:
        return exp.Literal.string(value)

    def boolean(self, value: bool) -> exp.Expression:
        return exp.true() if value else exp.false()

    def timestamp(self, value: dt.datetime) -> exp.Expression:
        text = value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
        return self.cast(exp.Literal.string(text), Type.TIMESTAMP)

    def instant(self, value: dt.datetime) -> exp.Expression:
        """An aware datetime as an instant (`Kind.INSTANT`), written in UTC."""
        utc = value.astimezone(dt.UTC).replace(tzinfo=None)
        text = utc.isoformat(sep=" ", timespec="seconds") + "+00:00"
        return exp.Cast(this=exp.Literal.string(text), to=self.store_type(Kind.INSTANT))

    def current_instant(self) -> exp.Expression:
        """The warehouse's clock as an instant, for the run log of a compiled script."""
        return exp.Cast(this=exp.CurrentTimestamp(), to=self.store_type(Kind.INSTANT))

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

    def modulo(self, left: exp.Expression, right: exp.Expression) -> exp.Expression:
        """The remainder with the sign of the dividend (fmod); a zero divisor gives null.
        An infinite dividend gives NaN, which the caller turns into null."""
        divisor = exp.Nullif(this=right, expression=exp.Literal.number(0))
        return exp.Mod(this=left, expression=divisor)

    def nan_to_null(self, value: exp.Expression) -> exp.Expression:
        """A double that may be NaN, with NaN as null. NULLIF works where NaN equals NaN
        (DuckDB, PostgreSQL, Spark, Snowflake); other targets override it."""
        nan = exp.Cast(this=exp.Literal.string("NaN"), to=self.sql_type(Type.NUMBER))
        return exp.Nullif(this=value, expression=nan)

    def floor(self, value: exp.Expression) -> exp.Expression:
        """Rounded down, for elapsed time (whole days, hours) only."""
        return exp.Floor(this=value)

    def md5_hex(self, text: exp.Expression) -> exp.Expression:
        """The md5 of the UTF-8 bytes of `text` as 32 lowercase hex digits."""
        return exp.MD5(this=text)

    def exactly_comparable(self, number: exp.Expression) -> exp.Expression:
        """A BIGINT or double as a type that compares exactly with whole numbers up to
        2^63 (a number within 10^19): compared as doubles, the BIGINT 2^63 - 1 would round
        to 2^63."""
        return exp.Cast(this=number, to=exp.DataType.build("DECIMAL(38, 0)"))

    def exact_integer(self, value: int) -> exp.Expression:
        """A whole number, every digit, to compare with `exactly_comparable` (2^63 lies
        beyond BIGINT: written as a literal, some dialects refuse it)."""
        literal = exp.Literal.number(abs(value))
        return exp.Paren(this=exp.Neg(this=literal)) if value < 0 else literal

    def hex_prefix_value(self, hexdigits: exp.Expression, count: int) -> exp.Expression:
        """The number the first `count` (at most 15) lowercase hex digits spell, from each
        digit's position in "0123456789abcdef": the same portable expression on every
        target (dialects' own hex parsing differs in spelling and integer widths)."""
        total: exp.Expression | None = None
        for index in range(count):
            digit = exp.Substring(
                this=hexdigits.copy(),
                start=exp.Literal.number(index + 1),
                length=exp.Literal.number(1),
            )
            position = exp.StrPosition(this=exp.Literal.string(HEX_DIGITS), substr=digit)
            # BIGINT: 15 * 16^7 is beyond a 32-bit integer (PostgreSQL's int4 would overflow)
            value = exp.Cast(
                this=exp.Sub(this=position, expression=exp.Literal.number(1)),
                to=exp.DataType.build("BIGINT"),
            )
            term = exp.Mul(this=value, expression=exp.Literal.number(16 ** (count - 1 - index)))
            total = term if total is None else exp.Add(this=total, expression=term)
        assert total is not None
        return total

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

    def widen_date(self, value: exp.Expression) -> exp.Expression:
        """A date where a timestamp is wanted (an `in` list, `case` or `coalesce` mixing them).
        Engines with date types convert implicitly; a target storing both as text must not."""
        return value

    def extract(self, part: str, value: exp.Expression) -> exp.Expression:
        return exp.Extract(this=exp.var(part), expression=value)

    def period_start(self, unit: str, day: exp.Expression) -> exp.Expression:
        """The first day (a date) of the calendar WEEK (Monday) or MONTH holding a date."""
        return self.to_date(exp.DateTrunc(this=day, unit=exp.var(unit)))  # type: ignore[no-untyped-call]

    def shift_time(self, value: exp.Expression, count: exp.Expression, unit: str) -> exp.Expression:
        """A timestamp `count` (a whole-number expression) DAYs or calendar MONTHs later;
        a month's day past the end of the month it lands in clamps to that month's last."""
        return exp.DateAdd(this=value, expression=exp.Paren(this=count), unit=exp.var(unit))

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

    # ------------------------------------------------------------ queries
    def in_list(self, value: exp.Expression, items: list[exp.Expression]) -> exp.Expression:
        return exp.In(this=value, expressions=items)

    def ordered_text(self, value: exp.Expression) -> exp.Expression:
        """A string where it is compared (<, >) or ordered (min, max, tie-breaks): strings
        order by code point (SPEC §3); a target whose default collation may differ says so."""
        return value

    def extreme(self, value: exp.Expression, value_type: Type, largest: bool) -> exp.Expression:
        """The largest (smallest) non-null value of a group: the value first/last picks
        among the events at the first (last) moment."""
        return exp.Max(this=value) if largest else exp.Min(this=value)

    def distinct_days(
        self,
        day: exp.Expression,
        first: dt.date,
        days: int,
        condition: exp.Expression | None,
    ) -> exp.Expression | None:
        """An aggregate counting the distinct values of `day` (a date known to lie in
        `days` days from `first`) where `condition` holds; None: use COUNT(DISTINCT)."""
        return None

    def guarded_cast(
        self, value: exp.Expression, condition: exp.Expression, to: exp.DataType
    ) -> exp.Expression:
        """`value` cast to `to` where `condition` holds (the values the cast accepts), else
        null: the cast never sees the others."""
        return exp.Case(ifs=[exp.If(this=condition, true=exp.Cast(this=value, to=to))])

    def bit_mask_type(self, bits: int) -> exp.DataType | None:
        """An integer type whose bits 0..bits-1 a query may set with `<<` and OR together
        with BIT_OR (a retention's periods per member); None: no such aggregate here, or
        not worth it (the query takes DISTINCT rows instead)."""
        return None

    def sorted_values(self, value: exp.Expression) -> exp.Expression | None:
        """An aggregate giving a group's non-null values of `value` as a list in ascending
        order, read by `list_item` (a report's medians and percentiles); None: no list
        aggregates here, the query ranks the rows with ROW_NUMBER instead."""
        return None

    def list_item(self, values: exp.Expression, index: exp.Expression) -> exp.Expression:
        """The element at the 1-based `index` (a BIGINT) of a `sorted_values` list."""
        raise TargetError(self.name, "lists", "in a report")

    def constant_rows(self, names: list[str], rows: list[list[exp.Expression]]) -> exp.Query:
        """A small table of rows of expressions known when compiling (at least one row)."""
        selects: list[exp.Query] = [
            exp.Select(
                expressions=[
                    exp.Alias(this=v, alias=exp.to_identifier(n, quoted=True))
                    for v, n in zip(row, names, strict=True)
                ]
            )
            for row in rows
        ]
        union = selects[0]
        for select in selects[1:]:
            union = exp.Union(this=union, expression=select, distinct=False)
        return union

    def finish_query(self, query: exp.Select) -> exp.Select:
        """Session settings the query needs to mean what segl means."""
        return query

    def result_column(self, value: exp.Expression, value_type: Type) -> exp.Expression:
        """A definition's value in the result table (a target may need it typed)."""
        return value

    # ------------------------------------------------------------ statements
    def flagged_rows(
        self,
        source: exp.Table,
        leading: list[exp.Expression],
        user: exp.Expression,
        flags: list[tuple[str, exp.Expression]],
    ) -> list[exp.Select]:
        """Rows (*leading, name, user) for every user of `source` and every boolean flag
        that is true for them, e.g. segment members: one SELECT per flag, to be unioned."""
        return [
            exp.Select(expressions=[*(e.copy() for e in leading), self.string(name), user.copy()])
            .from_(source.copy(), copy=False)
            .where(exp.EQ(this=_operand(flag), expression=self.boolean(True)), copy=False)
            for name, flag in flags
        ]

    def create_temp_table(self, name: str, query: exp.Query) -> exp.Expression:
        properties = exp.Properties(expressions=[exp.TemporaryProperty()])
        return exp.Create(
            this=quoted_table(name),
            kind="TABLE",
            expression=query,
            properties=properties if self.temp_table else None,
        )

    def create_result_table(self, name: str, query: exp.Query) -> list[exp.Expression]:
        """The run's per-user result (compiler/script.py), read by the history tables."""
        return [self.create_temp_table(name, query)]

    def before_render(self, expression: exp.Expression) -> exp.Expression:
        """A last pass over a tree built for this target, before it is printed."""
        return expression

    def create_work_table(self, name: str, query: exp.Query) -> list[exp.Expression]:
        """A table of a multi-step computation (identity resolution), read by the next
        step and dropped once that one exists: it must not depend on the tables it read."""
        return [self.create_temp_table(name, query)]

    def replace_rows(
        self,
        table: str,
        setup: list[exp.Expression],
        match_run: exp.Expression,
        insert: exp.Insert | None,
    ) -> list[exp.Expression]:
        """Replace one run's rows of a history table (after `setup`: create, add columns)."""
        delete = exp.Delete(this=quoted_table(table), where=exp.Where(this=match_run))
        return [*setup, delete, *([insert] if insert is not None else [])]

    def finish_run(self, history_tables: list[str]) -> list[exp.Expression]:
        """Statements after every history table is written, before the result is dropped."""
        return []

    def staged_table(self, table: str) -> str:
        """Where a run's statements have written a history table's new content before
        `finish_run` publishes it: the table itself, or a staging table (engines that
        publish by swapping tables). Work inside the run (alerts) reads it there."""
        return table

    def run_lock(self, name: str) -> exp.Expression | None:
        """A statement, first in the run's transaction, taking a lock keyed by `name` that
        two runs of one project at once cannot both hold (None: the engine serialises
        writers itself, or has no transactions to hold a lock in)."""
        return None

    def session_timezone(self, timezone: str) -> exp.Expression | None:
        """A statement (after BEGIN) that makes a script read zoned timestamps in the
        project's zone, as `Engine.use_timezone` does for `segl run`; None: not needed."""
        return None

    def begin(self) -> exp.Expression | None:
        return exp.Transaction() if self.transactions else None

    def commit(self) -> exp.Expression | None:
        return exp.Commit() if self.transactions else None

    def after_commit(self, creates_tables: bool) -> list[exp.Expression]:
        """Statements run after COMMIT (outside the transaction); `creates_tables`: the
        run may create history tables (always so for a script)."""
        return []


def iso_from_sunday_based(weekday: exp.Expression) -> exp.Expression:
    """1 = Sunday .. 7 = Saturday, to ISO 1 = Monday .. 7 = Sunday."""
    shifted = exp.Add(this=weekday, expression=exp.Literal.number(5))
    return exp.Add(
        this=exp.Mod(this=exp.Paren(this=shifted), expression=exp.Literal.number(7)),
        expression=exp.Literal.number(1),
    )


def _operand(value: exp.Expression) -> exp.Expression:
    """A copy of `value` that can stand as an operand (parenthesised unless a column)."""
    return value.copy() if isinstance(value, exp.Column) else exp.Paren(this=value.copy())


def quoted_table(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True))

"""ClickHouse.

Times: every segl timestamp is a `DateTime64(6, 'UTC')` holding the wall-clock time in the
project's zone (UTC has no daylight-saving gaps, so elapsed time is plain wall-clock
arithmetic, as in the reference evaluator). ClickHouse has no naive timestamp type: a
`DateTime`/`DateTime64` column holds instants, read in the session time zone (the engine
sets `session_timezone` to the project's zone; a column with its own zone is converted to
it) and re-labelled as UTC without changing its wall-clock reading. A `String` column holds
naive wall-clock text (`YYYY-MM-DD HH:MM:SS[.ffffff]`, as on SQLite) and is read as it is,
so a time that the project's zone skips (02:30 on a spring-forward day) stays 02:30.
"""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from segl.compiler.store import Kind
from segl.compiler.targets.base import Target, fn, large_operand, quoted_table
from segl.compiler.types import Type

# Settings every segl query needs to mean what segl means; the engine sets them for its
# session too, so they hold in every subquery and statement:
# - outer joins fill missing rows with 0 / '' unless join_use_nulls is on;
# - the rewrite sum(c * x) -> c * sum(x) fails on a NULL constant c ("Unexpected literal
#   type in function", ClickHouse 25 in chdb 4.4; found by the engine matrix's property test).
QUERY_SETTINGS = {"join_use_nulls": 1, "optimize_arithmetic_operations_in_aggregate_functions": 0}

_TYPES = {
    Type.NUMBER: "Float64",
    Type.STRING: "String",
    Type.BOOL: "Bool",
    Type.DATE: "Date32",  # Date stops at 1970; Date32 covers 1900-2299
    Type.TIMESTAMP: "DateTime64(6, 'UTC')",
}


def _type_named(column: exp.Expression, *names: str) -> exp.Expression:
    """Whether the column's type name holds one of `names` (a constant per column)."""
    kind = fn("toTypeName", column.copy())
    zero = exp.Literal.number(0)
    found = [
        exp.GT(this=fn("position", kind.copy(), exp.Literal.string(n)), expression=zero.copy())
        for n in names
    ]
    return found[0] if len(found) == 1 else exp.Paren(this=exp.or_(*found))


def _text(column: exp.Expression) -> exp.Expression:
    """An Enum's value as its name, a FixedString's without the NUL bytes padding it: text,
    as SPEC §3 compares it (by code point; an Enum compares by its number, a FixedString
    with its padding)."""
    text = exp.Cast(this=column.copy(), to=_nullable("String"))
    return fn("replaceRegexpOne", text, exp.Literal.string(r"\x00+$"), exp.Literal.string(""))


def _nullable(name: str) -> exp.DataType:
    return exp.DataType.build(f"Nullable({name})", dialect="clickhouse")


class ClickHouse(Target):
    name = "clickhouse"
    dialect = "clickhouse"
    starts_with_function = "startsWith"
    ends_with_function = "endsWith"
    transactions = False
    temp_table = False
    add_column_if_not_exists = True

    # ------------------------------------------------------------ types
    def sql_type(self, value_type: Type) -> exp.DataType:
        # every value may be null: non-Nullable columns would store 0 / '' instead
        return _nullable(_TYPES.get(value_type, "String"))

    def guarded_cast(
        self, value: exp.Expression, condition: exp.Expression, to: exp.DataType
    ) -> exp.Expression:
        """ClickHouse computes every branch of a CASE, and casts a null's hidden value too:
        the cast gets 0 wherever `condition` fails."""
        castable = exp.Case(ifs=[exp.If(this=condition, true=value)], default=exp.Literal.number(0))
        return super().guarded_cast(castable, condition.copy(), to)

    def store_type(self, column_type: Type | Kind) -> exp.DataType:
        if column_type is Kind.INSTANT:
            return _nullable("DateTime64(6, 'UTC')")
        if column_type is Kind.COUNT:
            return _nullable("Int64")
        if column_type is Kind.WIDE_KEY:
            return _nullable("UInt64")
        return super().store_type(column_type)

    def instant(self, value: dt.datetime) -> exp.Expression:
        utc = value.astimezone(dt.UTC).replace(tzinfo=None)
        text = exp.Literal.string(utc.isoformat(sep=" ", timespec="seconds"))
        return exp.Cast(this=text, to=self.store_type(Kind.INSTANT))

    def current_instant(self) -> exp.Expression:
        return fn("now64", exp.Literal.number(6), exp.Literal.string("UTC"))

    def session_timezone(self, timezone: str) -> exp.Expression | None:
        # the engine sets it on its session; a script sets it for the client's session
        zone = exp.EQ(this=exp.var("session_timezone"), expression=exp.Literal.string(timezone))
        return exp.Set(expressions=[exp.SetItem(this=zone)])

    def read_column(self, column: exp.Expression, value_type: Type) -> exp.Expression:
        # one expression for every column type: the type name is a constant, so ClickHouse
        # evaluates only the branch that fits the column
        if value_type is Type.STRING:
            coded = _type_named(column, "Enum", "FixedString")
            return fn("if", coded, _text(column), column.copy())
        if value_type is Type.NUMBER:
            # a Decimal to Float64 is not the nearest double (Decimal(38,18) 84050.35 gave
            # 84050.34999999999); its exact text read as a double is
            exact = fn("toFloat64OrNull", fn("toString", column.copy()))
            read = fn("if", _type_named(column, "Decimal"), exact, self.cast(column, value_type))
            return self.nan_to_null(read)
        if value_type is not Type.TIMESTAMP:
            return super().read_column(column, value_type)
        is_text = _type_named(column, "String")
        return fn("if", is_text, _wall_clock_text(column.copy()), _instant_as_local(column.copy()))

    # ------------------------------------------------------------ arithmetic
    def nan_to_null(self, value: exp.Expression) -> exp.Expression:
        # NaN is not equal to itself here, so NULLIF cannot catch it
        return fn("if", fn("isNaN", value), exp.null(), value.copy())

    # ------------------------------------------------------------ time
    def modulo(self, left: exp.Expression, right: exp.Expression) -> exp.Expression:
        # ClickHouse's remainder by an infinite divisor is NaN; fmod gives the dividend.
        # Each operand is read three times: a large one (another remainder) is computed
        # once, as a lambda's argument, so nesting grows the SQL by a constant (ClickHouse
        # has no correlated subquery)
        if large_operand(left) or large_operand(right):
            names = [exp.to_identifier("_mx"), exp.to_identifier("_my")]
            body = self.modulo(exp.column("_mx"), exp.column("_my"))
            arrays = [exp.Array(expressions=[value]) for value in (left, right)]
            mapped = fn("arrayMap", exp.Lambda(this=body, expressions=names), *arrays)
            return fn("arrayElement", mapped, exp.Literal.number(1))
        infinite = exp.and_(fn("isInfinite", right.copy()), fn("isFinite", left.copy()))
        return exp.Case(
            ifs=[exp.If(this=infinite, true=left.copy())], default=super().modulo(left, right)
        )

    def epoch(self, value: exp.Expression) -> exp.Expression:
        return fn("toUnixTimestamp64Micro", fn("toDateTime64", value, exp.Literal.number(6)))

    def seconds_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        micros = exp.Sub(this=self.epoch(end), expression=self.epoch(start))
        return exp.Div(this=exp.Paren(this=micros), expression=exp.Literal.number("1000000.0"))

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return fn("toDayOfWeek", value)

    # ------------------------------------------------------------ strings
    def contains(self, text: exp.Expression, part: exp.Expression) -> exp.Expression:
        return exp.GT(this=fn("position", text, part), expression=exp.Literal.number(0))

    def starts_with(self, text: exp.Expression, part: exp.Expression) -> exp.Expression:
        # byte prefixes of UTF-8 text are code-point prefixes; SUBSTRING would count bytes
        return fn("startsWith", text, part)

    def ends_with(self, text: exp.Expression, part: exp.Expression) -> exp.Expression:
        return fn("endsWith", text, part)

    # ------------------------------------------------------------ queries
    def in_list(self, value: exp.Expression, items: list[exp.Expression]) -> exp.Expression:
        # ClickHouse's IN treats NULL as a value ('a' IN ('b', NULL) is 0, not NULL);
        # a chain of equalities keeps SQL's three-valued answer
        tests = [exp.EQ(this=_operand(value.copy()), expression=_operand(item)) for item in items]
        chain: exp.Expression = tests[0]
        for test in tests[1:]:
            chain = exp.Or(this=chain, expression=test)
        return exp.Paren(this=chain)

    def sorted_values(self, value: exp.Expression) -> exp.Expression | None:
        """arraySort of the group's groupArray (which leaves nulls out). Why: a sort per
        group, where ranking every row with ROW_NUMBER sorts them in a window over all of
        the report's rows."""
        return fn("arraySort", fn("groupArray", value))

    def list_item(self, values: exp.Expression, index: exp.Expression) -> exp.Expression:
        return fn("arrayElement", values, index)  # out of range: 0, never read

    def constant_rows(self, names: list[str], rows: list[list[exp.Expression]]) -> exp.Query:
        # the VALUES table function (columns c1, c2, ... typed from the values): a UNION ALL
        # of a hundred one-row SELECTs (a zone's offset changes), inlined wherever a CTE
        # reading it is, exceeds ClickHouse's 10,000 query plan optimisations
        values = exp.Anonymous(
            this="VALUES", expressions=[exp.Tuple(expressions=row) for row in rows]
        )
        columns = [
            exp.Alias(this=exp.column(f"c{index + 1}"), alias=exp.to_identifier(name, quoted=True))
            for index, name in enumerate(names)
        ]
        return exp.Select(expressions=columns).from_(exp.Table(this=values), copy=False)

    def finish_query(self, query: exp.Select) -> exp.Select:
        settings = [
            exp.EQ(this=exp.var(name), expression=exp.Literal.number(value))
            for name, value in QUERY_SETTINGS.items()
        ]
        query.set("settings", settings)
        return query

    def result_column(self, value: exp.Expression, value_type: Type) -> exp.Expression:
        # typed: a value that is NULL by construction has type Nullable(Nothing), which no
        # table can store, and comparisons give UInt8 where segl means Bool
        return self.cast(value, value_type)

    # ------------------------------------------------------------ statements
    # ClickHouse has no transactions. A run computes everything before it changes any
    # history table: the result table, then each history table's complete new content
    # (its other as-ofs' rows plus this run's) in a staging table `<table>__next`, without
    # touching the live table. Only then (`finish_run`) does each staging table take its
    # live table's place with EXCHANGE TABLES, which is atomic in an Atomic database (the
    # default since ClickHouse 20.10, and chdb's). An error before the first EXCHANGE leaves
    # every earlier result as it was; each table flips as a whole or not at all.
    def create_temp_table(self, name: str, query: exp.Query) -> exp.Expression:
        # OR REPLACE: a failed run may have left it behind
        engine = exp.Properties(expressions=[exp.EngineProperty(this=exp.var("Memory"))])
        return exp.Create(
            this=quoted_table(name), kind="TABLE", replace=True, expression=query, properties=engine
        )

    def replace_rows(
        self,
        table: str,
        setup: list[exp.Expression],
        match_run: exp.Expression,
        insert: exp.Insert | None,
    ) -> list[exp.Expression]:
        staged = quoted_table(_staged(table))
        creates = [s for s in setup if isinstance(s, exp.Create)]
        for create in creates:
            create.set("properties", _history_engine())
        # new columns go to the staging table only: the live one changes at the swap
        added = [s for s in setup if not isinstance(s, exp.Create)]
        for alter in added:
            alter.set("this", staged.copy())
        others = exp.Not(
            this=exp.Coalesce(this=exp.Paren(this=match_run), expressions=[exp.false()])
        )
        keep = (
            exp.Select(expressions=[exp.Star()])
            .from_(quoted_table(table), copy=False)
            .where(others, copy=False)
        )
        statements: list[exp.Expression] = [
            *creates,
            exp.Drop(tables=[staged], kind="TABLE", exists=True),
            exp.Create(this=staged.copy(), kind="TABLE", expression=quoted_table(table)),
            exp.Insert(this=staged.copy(), expression=keep),
            *added,
        ]
        if insert is not None:
            schema = insert.this
            assert isinstance(schema, exp.Schema)
            schema.set("this", staged.copy())
            statements.append(insert)
        return statements

    def staged_table(self, table: str) -> str:
        return _staged(table)

    def finish_run(self, history_tables: list[str]) -> list[exp.Expression]:
        swaps = [_exchange(table, _staged(table), self) for table in history_tables]
        # after the swap `<table>__next` holds the previous content
        drops: list[exp.Expression] = [
            exp.Drop(tables=[quoted_table(_staged(table))], kind="TABLE", exists=True)
            for table in history_tables
        ]
        return [*swaps, *drops]


def _operand(value: exp.Expression) -> exp.Expression:
    """A comparison's side: `a = (b = c)` must not print as `a = b = c`."""
    return exp.Paren(this=value) if isinstance(value, (exp.Binary, exp.Unary)) else value


def _staged(table: str) -> str:
    return f"{table}__next"


def _exchange(first: str, second: str, target: Target) -> exp.Expression:
    """EXCHANGE TABLES, which sqlglot has no node for: a command with quoted names."""

    def name(table: str) -> str:
        return quoted_table(table).sql(dialect=target.dialect, identify=True)

    return exp.Command(this="EXCHANGE", expression=f"TABLES {name(first)} AND {name(second)}")


# the forms of a time in text that segl reads (engines.md), as SQLite reads them: a day,
# a time to the minute or the second with a space or a `T`, a fraction of digits
_TIME_TEXT = "^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$"


def _wall_clock_text(column: exp.Expression) -> exp.Expression:
    """Naive text as that wall-clock time labelled UTC; text that is no time is null:
    text of another form (`10:00:00.`, an offset, spaces), and what ClickHouse reads
    leniently: a time is kept only when its date and clock read back as written
    ('2026-02-30' was March 2, '24:30:00' the next day, '' 1970)."""
    text = fn("toString", column)
    form = fn("match", text, exp.Literal.string(_TIME_TEXT))
    # ClickHouse parses a `T` but not a time without seconds: those get ':00'
    seconds = fn("concat", text.copy(), exp.Literal.string(":00"))
    to_minute = exp.EQ(this=fn("length", text.copy()), expression=exp.Literal.number(16))
    normal = fn("if", to_minute, seconds, text.copy())
    parsed = fn("toDateTime64OrNull", normal, exp.Literal.number(6), exp.Literal.string("UTC"))

    def part(value: exp.Expression, start: int, length: int) -> exp.Expression:
        return fn("substring", value, exp.Literal.number(start), exp.Literal.number(length))

    written = fn("toString", parsed.copy())
    same_date = exp.EQ(this=part(written, 1, 10), expression=part(text.copy(), 1, 10))
    date_only = exp.EQ(this=fn("length", text.copy()), expression=exp.Literal.number(10))
    # the clock as written, seconds ':00' when it has none (a fraction follows them)
    same_clock = exp.EQ(this=part(written.copy(), 12, 8), expression=part(seconds.copy(), 12, 8))
    either = exp.Paren(this=exp.Or(this=date_only, expression=same_clock))
    kept = exp.And(this=exp.And(this=form, expression=same_date), expression=either)
    return fn("if", kept, parsed.copy(), exp.null())


def _instant_as_local(column: exp.Expression) -> exp.Expression:
    """An instant's wall-clock reading in the session (project) zone, labelled UTC."""
    local = fn("toTimeZone", exp.Cast(this=column, to=_nullable("DateTime64(6)")), fn("timezone"))
    micros = exp.Add(
        this=fn("toUnixTimestamp64Micro", local),
        expression=exp.Mul(
            this=fn("timeZoneOffset", local.copy()), expression=exp.Literal.number(1000000)
        ),
    )
    return fn("fromUnixTimestamp64Micro", micros, exp.Literal.string("UTC"))


def _history_engine() -> exp.Properties:
    # a persistent table that supports DELETE; no sorting key needed
    return exp.Properties(
        expressions=[
            exp.EngineProperty(this=exp.var("MergeTree")),
            exp.Order(expressions=[exp.Ordered(this=exp.Tuple(expressions=[]))]),
        ]
    )

"""DuckDB: the embedded default, executed in every test run."""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from segl.compiler.store import Kind
from segl.compiler.targets.base import T, Target, dtype, fn
from segl.compiler.types import Type

# the columns an UNPIVOT of flags produces (the result table's own are _u, aN, dN, p_N)
FLAG_NAME = "_flag"
FLAG_VALUE = "_set"
HUGEINT_DAY_BITS = 127  # the bits of a signed 128-bit integer below its sign bit


class DuckDB(Target):
    name = "duckdb"
    dialect = "duckdb"
    enum_columns = True
    contains_function = "CONTAINS"
    starts_with_function = "STARTS_WITH"
    ends_with_function = "SUFFIX"
    add_column_if_not_exists = True
    defer_segment_flags = True
    # Why: DuckDB 2.0's projection_placement optimizer follows every computed column up
    # through each projection that passes it on, resolving the types of the whole plan
    # below at every step, so over the chain of lvl_<n> levels (each `SELECT *, ...`) its
    # time grew with the square of the number of definitions times the square of the
    # depth (2,000 tags + 2,000 segments: 15 s of the result query's 22 s). A cross join
    # with one row is not a projection, so the walk stops there (0.5 s); executing it
    # costs nothing measurable.
    level_barrier = True
    ctes_computed_once = True

    def store_type(self, column_type: Type | Kind) -> exp.DataType:
        if column_type is Kind.WIDE_KEY:
            return dtype(T.UBIGINT)
        return super().store_type(column_type)

    def session_timezone(self, timezone: str) -> exp.Expression | None:
        # CAST(timestamptz AS TIMESTAMP) converts through the session zone
        zone = exp.EQ(this=exp.var("TimeZone"), expression=exp.Literal.string(timezone))
        return exp.Set(expressions=[exp.SetItem(this=zone)])

    def epoch(self, value: exp.Expression) -> exp.Expression:
        return exp.TimeToUnix(this=value)

    def hex_prefix_value(self, hexdigits: exp.Expression, count: int) -> exp.Expression:
        """DuckDB reads a `0x` string as a hexadecimal integer. Why: the portable sum of
        digit positions repeats the hashed expression once per digit (8 MD5s a bucket),
        0.16 s against 0.09 s for 345,000 users' buckets."""
        prefix = exp.Substring(
            this=hexdigits, start=exp.Literal.number(1), length=exp.Literal.number(count)
        )
        hexadecimal = exp.DPipe(this=exp.Literal.string("0x"), expression=prefix)
        return exp.Cast(this=hexadecimal, to=dtype(T.BIGINT))

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return fn("ISODOW", value)

    def distinct_days(
        self,
        day: exp.Expression,
        first: dt.date,
        days: int,
        condition: exp.Expression | None,
    ) -> exp.Expression | None:
        """The days as bits of a HUGEINT (bit i: first + i days), OR-ed per user, then
        counted. Why: COUNT(DISTINCT) builds a second hash table of (user, day) and joins
        it back; `active_days_30d` over 7.7 M events cost 0.22 s that way, 0.04 s so."""
        if days > HUGEINT_DAY_BITS:
            return None
        index = exp.DateDiff(this=day, expression=self.date(first), unit=exp.var("DAY"))
        bit = exp.BitwiseLeftShift(
            this=exp.Cast(this=exp.Literal.number(1), to=dtype(T.INT128)),
            expression=exp.Cast(this=index, to=dtype(T.INT128)),
        )
        marked = bit if condition is None else exp.Case(ifs=[exp.If(this=condition, true=bit)])
        return fn("BIT_COUNT", exp.BitwiseOrAgg(this=marked))

    def bit_mask_type(self, bits: int) -> exp.DataType | None:
        """BIGINT up to 63 bits, HUGEINT up to 127. Why: a retention's (member, period)
        pairs through DISTINCT cost more than one BIT_OR per member (at 10^8 events,
        12 weeks: 2.0 against 2.4 s, BENCHMARKS.md)."""
        if bits <= 63:
            return dtype(T.BIGINT)
        return dtype(T.INT128) if bits <= HUGEINT_DAY_BITS else None

    def sorted_values(self, value: exp.Expression) -> exp.Expression | None:
        """LIST_SORT of the group's LIST. Why: a sort per group, where ranking every row with
        ROW_NUMBER sorts them inside a window over all of the report's rows (1 million
        orders in 7 groups: 0.08 against 0.25 s)."""
        present = exp.Not(this=exp.Is(this=value.copy(), expression=exp.null()))
        listed = exp.Filter(this=exp.ArrayAgg(this=value), expression=exp.Where(this=present))
        return fn("LIST_SORT", listed)

    def list_item(self, values: exp.Expression, index: exp.Expression) -> exp.Expression:
        return fn("LIST_EXTRACT", values, index)

    def flagged_rows(
        self,
        source: exp.Table,
        leading: list[exp.Expression],
        user: exp.Expression,
        flags: list[tuple[str, exp.Expression]],
    ) -> list[exp.Select]:
        """One UNPIVOT instead of a UNION ALL of one SELECT per flag. Why: DuckDB keeps
        the insertion order of a UNION ALL, which runs its branches one after another;
        an UNPIVOT is one parallel pipeline (members of 100 segments over 345k users:
        0.56 s instead of 1.0 s wall on 2 cores, the same CPU time)."""
        if not flags:
            return []
        # the flags as plain columns first: UNPIVOT takes columns, not expressions
        inner = exp.Select(
            expressions=[
                user.copy(),
                *(exp.alias_(flag, f"_f{i}", quoted=True) for i, (_, flag) in enumerate(flags)),
            ]
        ).from_(source.copy(), copy=False)
        names = [
            exp.PivotAlias(
                this=exp.column(f"_f{i}", quoted=True), alias=exp.to_identifier(name, quoted=True)
            )
            for i, (name, _) in enumerate(flags)
        ]
        unpivot = exp.Pivot(
            expressions=[exp.to_identifier(FLAG_VALUE, quoted=True)],
            fields=[exp.In(this=exp.to_identifier(FLAG_NAME, quoted=True), expressions=names)],
            unpivot=True,
        )
        table = exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("flags")))
        table.set("pivots", [unpivot])
        select = exp.Select(expressions=[*leading, exp.column(FLAG_NAME, quoted=True), user])
        return [
            select.from_(table, copy=False).where(exp.column(FLAG_VALUE, quoted=True), copy=False)
        ]

    def after_commit(self, creates_tables: bool) -> list[exp.Expression]:
        """CHECKPOINT after a run that created history tables (a script, which cannot
        know, always). Why: DuckDB 2.0 loses the column statistics of a table made by an
        empty CREATE TABLE AS when the same transaction then inserts a row group or more
        (122,880 rows, written optimistically): until the next checkpoint, filters in that
        session find nothing (a first `segl run` over 130k users summarised every segment
        as empty). A checkpoint rebuilds them and costs little: the rows are on disk.
        After a run into existing tables it would only flush the WAL early (0.2 s at 10^7
        events), so it is left to DuckDB's own checkpoints."""
        return [exp.Command(this="CHECKPOINT")] if creates_tables else []

"""Spark SQL and Databricks.

Spark 4 runs in ANSI mode (a division by zero or an overflowing cast raises),
its `TIMESTAMP` is zoned (`TIMESTAMP_LTZ`) and plain parquet tables have no
`DELETE` and no transactions. So the Spark target:

- computes on `TIMESTAMP_NTZ` (wall-clock time, like segl's local timestamps):
  warehouse `TIMESTAMP` columns are converted through the session time zone,
  which segl pins to the project's zone; elapsed time is the difference of
  two `TIMESTAMP_NTZ` values, a zone-free interval cast to seconds (no
  daylight-saving hour appears or disappears; `TIMESTAMPDIFF` would convert
  both through the session zone);
- divides with `TRY_DIVIDE` (null on zero) and rounds half away from zero on
  the scaled double (Spark's `ROUND(x, 2)` rounds x's decimal string);
- computes the per-user result once, eagerly, with `CACHE TABLE` (a data error
  surfaces there, before any history table is touched);
- replaces this run's rows of each history table by building
  `<table>__next` (the old rows but this run's, plus the new ones) and, once
  all four are built, swapping them in with renames.
"""

from __future__ import annotations

from sqlglot import exp

from segl.compiler.targets.base import Target, dtype, fn, iso_from_sunday_based, quoted_table
from segl.compiler.types import Type

# seconds with microseconds: an interval of up to 9999 years, exactly
_SECONDS = exp.DataType.build("DECIMAL(20, 6)")


class Spark(Target):
    name = "spark"
    dialect = "spark"
    contains_function = "CONTAINS"
    starts_with_function = "STARTSWITH"
    ends_with_function = "ENDSWITH"
    transactions = False
    temp_table = False
    ascii_table_names = True  # the session catalog and Hive metastore refuse other names

    def sql_type(self, value_type: Type) -> exp.DataType:
        if value_type is Type.TIMESTAMP:
            return dtype(exp.DType.TIMESTAMPNTZ)
        return super().sql_type(value_type)

    def session_timezone(self, timezone: str) -> exp.Expression | None:
        # warehouse TIMESTAMP (zoned) columns become wall-clock time through the session zone
        zone = exp.Literal.string(timezone).sql(dialect="spark")
        return exp.Command(this="SET", expression=f"TIME ZONE {zone}")

    def seconds_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        # TIMESTAMP_NTZ - TIMESTAMP_NTZ is a zone-free day-time interval, exact to the
        # microsecond. Not TIMESTAMPDIFF: it takes the zoned TIMESTAMP, so Spark casts both
        # through the session zone, moving a wall-clock time in a daylight-saving gap by an hour
        interval = exp.Sub(this=self.to_timestamp(end), expression=self.to_timestamp(start))
        return exp.Cast(this=exp.Paren(this=interval), to=_SECONDS.copy())

    def constant_rows(self, names: list[str], rows: list[list[exp.Expression]]) -> exp.Query:
        # one inline table: Spark plans a UNION ALL of a hundred one-row SELECTs (a zone's
        # offset changes) slowly, again wherever a CTE reading it is inlined
        values = exp.Values(
            expressions=[exp.Tuple(expressions=row) for row in rows],
            alias=exp.TableAlias(
                this=exp.to_identifier("v"),
                columns=[exp.to_identifier(n, quoted=True) for n in names],
            ),
        )
        return exp.Select(expressions=[exp.Star()]).from_(values, copy=False)

    def epoch(self, value: exp.Expression) -> exp.Expression:
        # wall-clock seconds since 1970-01-01 00:00, independent of the session zone
        epoch = exp.Cast(
            this=exp.Literal.string("1970-01-01 00:00:00"), to=self.sql_type(Type.TIMESTAMP)
        )
        return self.seconds_between(epoch, value)

    def divide(self, left: exp.Expression, right: exp.Expression) -> exp.Expression:
        # ANSI mode raises on division by zero; try_divide gives null
        return fn("TRY_DIVIDE", self.cast(left, Type.NUMBER), self.cast(right, Type.NUMBER))

    def floor(self, value: exp.Expression) -> exp.Expression:
        # FLOOR of a double is a BIGINT in Spark (an overflow error under ANSI mode beyond
        # 2**63); segl floors only elapsed time, far below that
        return self.cast(exp.Floor(this=value), Type.NUMBER)

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return iso_from_sunday_based(fn("DAYOFWEEK", value))

    def shift_time(self, value: exp.Expression, count: exp.Expression, unit: str) -> exp.Expression:
        # ADD_MONTHS and DATE_ADD return a DATE: a rolling month from 22:00 would end at
        # midnight; TIMESTAMPADD keeps the time of day and clamps at month end
        return fn("TIMESTAMPADD", exp.var(unit), exp.Paren(this=count), value)

    def create_temp_table(self, name: str, query: exp.Query) -> exp.Expression:
        # eager: the big query runs once, and its errors surface before any write
        return exp.Cache(this=quoted_table(name), lazy=False, expression=query)

    def create_work_table(self, name: str, query: exp.Query) -> list[exp.Expression]:
        # a cached temporary view is re-analysed from its SQL text whenever read, so one
        # step's view would need every earlier step's (dropped) view, each read several
        # times: a plain table holds its rows. It outlives a killed driver, hence the drop.
        create = exp.Create(
            this=quoted_table(name), kind="TABLE", expression=query, properties=_parquet()
        )
        return [exp.Drop(tables=[quoted_table(name)], kind="TABLE", exists=True), create]

    def replace_rows(
        self,
        table: str,
        setup: list[exp.Expression],
        match_run: exp.Expression,
        insert: exp.Insert | None,
    ) -> list[exp.Expression]:
        """Plain tables have no DELETE: build `<table>__next` from the rows to keep plus
        the new rows; `finish_run` swaps it in."""
        for statement in setup:
            if isinstance(statement, exp.Create):
                statement.set("properties", _parquet())
        nxt = f"{table}__next"
        keep = (
            exp.Select(expressions=[exp.Star()])
            .from_(quoted_table(table), copy=False)
            .where(exp.Not(this=exp.Paren(this=_null_safe(match_run))), copy=False)
        )
        statements: list[exp.Expression] = [
            *setup,
            exp.Drop(tables=[quoted_table(nxt)], kind="TABLE", exists=True),
            exp.Create(
                this=quoted_table(nxt), kind="TABLE", expression=keep, properties=_parquet()
            ),
        ]
        if insert is not None:
            schema = insert.this
            assert isinstance(schema, exp.Schema)
            schema.set("this", quoted_table(nxt))
            statements.append(insert)
        return statements

    def staged_table(self, table: str) -> str:
        return f"{table}__next"  # replace_rows builds it, finish_run renames it

    def finish_run(self, history_tables: list[str]) -> list[exp.Expression]:
        statements: list[exp.Expression] = []
        for table in history_tables:
            old = quoted_table(f"{table}__old")
            statements += [
                exp.Drop(tables=[old], kind="TABLE", exists=True),
                exp.Alter(
                    this=quoted_table(table), kind="TABLE", actions=[exp.AlterRename(this=old)]
                ),
            ]
        for table in history_tables:
            statements.append(
                exp.Alter(
                    this=quoted_table(f"{table}__next"),
                    kind="TABLE",
                    actions=[exp.AlterRename(this=quoted_table(table))],
                )
            )
        for table in history_tables:
            statements.append(
                exp.Drop(tables=[quoted_table(f"{table}__old")], kind="TABLE", exists=True)
            )
        return statements


def _parquet() -> exp.Properties:
    return exp.Properties(expressions=[exp.FileFormatProperty(this=exp.var("PARQUET"))])


def _null_safe(condition: exp.Expression) -> exp.Expression:
    """`a = b AND c = d` with null-safe equality, so NOT(...) keeps rows with null keys."""
    condition = condition.copy()
    if isinstance(condition, exp.EQ):  # a single equality: the root itself
        return exp.NullSafeEQ(this=condition.this, expression=condition.expression)
    for eq in list(condition.find_all(exp.EQ)):
        eq.replace(exp.NullSafeEQ(this=eq.this, expression=eq.expression))
    return condition


class Databricks(Spark):
    """Databricks tables are Delta tables: DELETE works, so a run deletes and inserts
    like the transactional targets (each statement is atomic; the run as a whole is not)."""

    name = "databricks"
    dialect = "databricks"

    def replace_rows(
        self,
        table: str,
        setup: list[exp.Expression],
        match_run: exp.Expression,
        insert: exp.Insert | None,
    ) -> list[exp.Expression]:
        return Target.replace_rows(self, table, setup, match_run, insert)

    def finish_run(self, history_tables: list[str]) -> list[exp.Expression]:
        return []

    def staged_table(self, table: str) -> str:
        return table  # Delta tables are written in place

    def create_temp_table(self, name: str, query: exp.Query) -> exp.Expression:
        # serverless Databricks has no CACHE TABLE: a temporary view
        return exp.Create(
            this=quoted_table(name),
            kind="VIEW",
            expression=query,
            properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
            replace=True,
        )

"""DuckDB: the embedded default, executed in every test run."""

from __future__ import annotations

from sqlglot import exp

from segl.compiler.target_base import Target, fn, quoted_table


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

    def replace_rows(
        self,
        table: str,
        setup: list[exp.Expression],
        match_run: exp.Expression,
        insert: exp.Insert | None,
    ) -> list[exp.Expression]:
        """As the base, plus a one-row placeholder (null as_of) written before the delete,
        which removes it again. Why: DuckDB 2.0 loses the column statistics of a table made
        by an empty CREATE TABLE AS when the same transaction then inserts a row group or
        more (122,880 rows, written optimistically); later filters in that session find
        nothing (a first `segl run` over 130k users summarised every segment as empty). A
        small insert first takes the ordinary path and keeps the statistics right."""
        statements = super().replace_rows(table, setup, match_run, insert)
        delete = statements[len(setup)]
        assert isinstance(delete, exp.Delete)
        as_of_is_null = exp.Is(this=exp.column("as_of", quoted=True), expression=exp.null())
        delete.set("where", exp.Where(this=exp.or_(match_run, as_of_is_null)))
        placeholder = exp.Insert(
            this=exp.Schema(
                this=quoted_table(table), expressions=[exp.to_identifier("as_of", quoted=True)]
            ),
            expression=exp.Values(expressions=[exp.Tuple(expressions=[exp.null()])]),
        )
        return [*setup, placeholder, *statements[len(setup) :]]

"""DuckDB: the embedded default, executed in every test run."""

from __future__ import annotations

from sqlglot import exp

from segl.compiler.target_base import Target, fn


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

    def after_commit(self) -> list[exp.Expression]:
        """CHECKPOINT. Why: DuckDB 2.0 loses the column statistics of a table made by an
        empty CREATE TABLE AS when the same transaction then inserts a row group or more
        (122,880 rows, written optimistically): until the next checkpoint, filters in that
        session find nothing (a first `segl run` over 130k users summarised every segment
        as empty). A checkpoint rebuilds them and costs little: the rows are on disk."""
        return [exp.Command(this="CHECKPOINT")]

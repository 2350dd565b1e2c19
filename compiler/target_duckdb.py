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

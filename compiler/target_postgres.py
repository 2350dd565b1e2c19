"""PostgreSQL and Amazon Redshift."""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from segl.compiler.target_base import Target, fn
from segl.compiler.types import Type


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


class Redshift(Postgres):
    name = "redshift"
    dialect = "redshift"
    add_column_if_not_exists = False
    numeric_type = "DECIMAL(38, 10)"  # plain DECIMAL is DECIMAL(18, 0) there

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return fn("DATE_PART", exp.Literal.string("isodow"), value)

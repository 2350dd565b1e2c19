"""SQL targets: how each warehouse spells the few things SQL dialects disagree on.

The base class (`targets.base.Target`) writes portable SQL; each target module overrides
only what its engine does differently or better. Anything a target cannot express raises
`TargetError` with a named diagnostic, never silently wrong SQL.
"""

from __future__ import annotations

from segl.compiler.targets.base import Target, TargetError, dtype, fn
from segl.compiler.targets.clickhouse import ClickHouse
from segl.compiler.targets.cloud import BigQuery, Snowflake, Trino
from segl.compiler.targets.duckdb import DuckDB
from segl.compiler.targets.postgres import Postgres, Redshift
from segl.compiler.targets.spark import Databricks, Spark
from segl.compiler.targets.sqlite import SQLite

__all__ = ["TARGETS", "Target", "TargetError", "dtype", "fn", "get_target"]

TARGETS: dict[str, type[Target]] = {
    cls.name: cls
    for cls in (
        DuckDB,
        Postgres,
        SQLite,
        ClickHouse,
        Spark,
        Databricks,
        Snowflake,
        BigQuery,
        Trino,
        Redshift,
    )
}


def get_target(name: str) -> Target:
    try:
        return TARGETS[name]()
    except KeyError:
        raise KeyError(name) from None

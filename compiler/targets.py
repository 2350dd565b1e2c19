"""SQL targets: how each warehouse spells the few things SQL dialects disagree on.

The base class (`target_base.Target`) writes portable SQL; each target module overrides
only what its engine does differently or better. Anything a target cannot express raises
`TargetError` with a named diagnostic, never silently wrong SQL.
"""

from __future__ import annotations

from segl.compiler.target_base import Target, TargetError, dtype, fn
from segl.compiler.target_clickhouse import ClickHouse
from segl.compiler.target_cloud import BigQuery, Snowflake, Trino
from segl.compiler.target_duckdb import DuckDB
from segl.compiler.target_postgres import Postgres, Redshift
from segl.compiler.target_spark import Databricks, Spark
from segl.compiler.target_sqlite import SQLite

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

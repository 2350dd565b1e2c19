"""The ClickHouse provider for the engine matrix: ClickHouse in-process through chdb.

chdb allows one data path per process, so the whole test session shares one in-memory chdb
session (started lazily, on first use) and every engine gets a fresh database of its own."""

from __future__ import annotations

import itertools
import re

from segl.runtime.engines import Engine

NAME = "clickhouse"

# matrix test name or case id -> "reason; raises <ExceptionType>: <message>"
LIMITS: dict[str, str] = {}

_counter = itertools.count()


def start() -> object:
    from segl.runtime import engine_clickhouse

    engine_clickhouse._chdb_session("")  # in memory; raises UnsupportedURL without chdb
    return engine_clickhouse


def fresh_engine(handle: object, label: str) -> Engine:
    from segl.runtime.engine_clickhouse import ChdbEngine

    safe = re.sub(r"[^0-9A-Za-z_]", "_", label)[:60]
    database = f"seg_{safe}_{next(_counter)}"
    return ChdbEngine("", database)


def drop(engine: Engine) -> None:
    """Free a fresh engine's database (optional: keeps a long session's memory small)."""
    from segl.runtime.engine_clickhouse import ChdbEngine

    assert isinstance(engine, ChdbEngine)
    engine.session.query(f"DROP DATABASE IF EXISTS `{engine.database}`")


def stop(handle: object) -> None:
    from segl.runtime.engine_clickhouse import close_chdb

    close_chdb()

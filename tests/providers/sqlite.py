"""SQLite for the engine matrix: the standard library's sqlite3, an in-memory database
per engine (nothing to start)."""

from __future__ import annotations

from segl.runtime.engine_sqlite import SQLiteEngine
from segl.runtime.engines import Engine

NAME = "sqlite"
# nothing SQLite cannot pass (zones: SQLite has none; warehouse timestamps must be local text)
LIMITS: dict[str, str] = {}


def start() -> object:
    return None


def fresh_engine(handle: object, label: str) -> Engine:
    return SQLiteEngine(":memory:")


def stop(handle: object) -> None:
    return None

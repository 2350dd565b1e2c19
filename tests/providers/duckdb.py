"""DuckDB for the engine matrix: a scratch in-memory database per engine (nothing to start)."""

from __future__ import annotations

from segl.runtime.engines import DuckDBEngine, Engine

NAME = "duckdb"
LIMITS: dict[str, str] = {}


def start() -> object:
    return None


def fresh_engine(handle: object, label: str) -> Engine:
    return DuckDBEngine.scratch()


def stop(handle: object) -> None:
    return None

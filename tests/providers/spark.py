"""Engine-matrix provider for Spark: one local session per test run (ENGINEERING §5.10),
each engine on a fresh database `seg_<label>`."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from segl.runtime.engines import Engine

NAME = "spark"

# matrix test name -> "reason; raises <ExceptionType>: <message>"; empty: Spark passes all
LIMITS: dict[str, str] = {
    "dst_transition": (
        "not yet understood: hours_since across the 2025-03-09 New York daylight-saving gap "
        "loses an hour although Spark computes on TIMESTAMP_NTZ; raises AssertionError: tag "
        "hours user 2: got 8.0, expected 9"
    ),
    "test_identifiers_come_only_from_schemas": (
        "Spark's session catalog accepts only letters, digits and _ in table names; raises "
        'EngineError: [INVALID_SCHEMA_OR_RELATION_NAME] `we\'ird "x" table; --` is not a '
        "valid name for tables/schemas"
    ),
}

_state: dict[str, object] = {}


def start() -> object:
    """The process's local SparkSession (created once, reused by every caller)."""
    if "session" in _state:
        return _state["session"]
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from segl.runtime.engine_spark import local_session

    warehouse = Path(tempfile.mkdtemp(prefix="segl-spark-"))
    _state["warehouse"] = warehouse
    # no Hive metastore: an in-memory catalog starts faster and the tests need no persistence
    # tiny data: interpreted expressions and one shuffle partition beat code generation
    # (compiling the generated Java of a large rule set costs seconds per run)
    settings = {
        "spark.sql.shuffle.partitions": "1",
        "spark.sql.codegen.wholeStage": "false",
        "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    }
    _state["session"] = local_session(
        "local[2]", warehouse, hive=False, timezone="UTC", settings=settings
    )
    return _state["session"]


def fresh_engine(handle: object, label: str) -> Engine:
    from segl.runtime.engine_spark import SparkEngine

    database = "seg_" + re.sub(r"[^A-Za-z0-9_]", "_", label).lower()
    quoted = f"`{database}`"
    engine = SparkEngine(handle, "default")
    engine.query(f"DROP DATABASE IF EXISTS {quoted} CASCADE")
    return SparkEngine(handle, database)


def stop(handle: object) -> None:
    handle.stop()  # type: ignore[attr-defined]
    _state.clear()
    warehouse = _state.get("warehouse")
    if isinstance(warehouse, Path):
        shutil.rmtree(warehouse, ignore_errors=True)

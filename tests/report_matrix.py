"""How many generated examples the differential report tests (test_reports_differential*.py)
check on each engine, and how.

DuckDB runs `SEGL_REPORT_EXAMPLES` examples per kind (default 300), each one dataset and
one definition. Every other engine checks `SEGL_REPORT_ENGINE_EXAMPLES` definitions per
kind (default 100) on a quarter as many datasets: each hypothesis example loads one
dataset and checks `DEFINITIONS_PER_DATASET` generated definitions against it, since
loading tables costs more than a query on ClickHouse and Spark (on Spark the sources are
temporary views over inline rows, no table is written).
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, settings

from segl.runtime.engines import Engine

DUCKDB_EXAMPLES = int(os.environ.get("SEGL_REPORT_EXAMPLES", "300"))
ENGINE_EXAMPLES = int(os.environ.get("SEGL_REPORT_ENGINE_EXAMPLES", "100"))
DEFINITIONS_PER_DATASET = 4


def definitions_per_dataset(engine_name: str) -> int:
    return 1 if engine_name == "duckdb" else DEFINITIONS_PER_DATASET


def checks(engine_name: str) -> settings:
    """Hypothesis settings: enough datasets for the engine's count of definitions."""
    if engine_name == "duckdb":
        datasets = DUCKDB_EXAMPLES
    else:
        datasets = math.ceil(ENGINE_EXAMPLES / DEFINITIONS_PER_DATASET)
    return settings(
        max_examples=max(1, datasets),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@contextmanager
def loading(engine: Engine) -> Iterator[None]:
    """Tables created inside are Spark temporary views over inline rows (cheap, no files);
    other engines create real tables."""
    previous = getattr(engine, "sources_as_views", None)
    if previous is not None:
        engine.sources_as_views = True  # type: ignore[attr-defined]
    try:
        yield
    finally:
        if previous is not None:
            engine.sources_as_views = previous  # type: ignore[attr-defined]


def load_tables(
    engine: Engine,
    columns: Mapping[str, Sequence[tuple[str, Any]]],
    tables: Mapping[str, Sequence[Mapping[str, Any]]],
) -> None:
    """Each table of `columns` with its rows of `tables`, in a shuffled order (row order
    must not matter)."""
    with loading(engine):
        for name, declared in columns.items():
            rows = [[row.get(c) for c, _ in declared] for row in tables[name]]
            random.Random(len(rows)).shuffle(rows)
            engine.create_table(name, declared, rows)


def same_up_to_rounding(got: Any, want: Any, relative: float = 1e-12) -> bool:
    """Equal JSON, floats within `relative` of each other: an engine adds a report's sums
    and averages in its own order (docs/reports.md: "within rounding"), the reference
    exactly; a last-bit difference is rounding, any other difference is not."""
    if isinstance(got, float) and isinstance(want, float):
        return got == want or math.isclose(got, want, rel_tol=relative, abs_tol=1e-300)
    if isinstance(got, dict) and isinstance(want, dict):
        return got.keys() == want.keys() and all(
            same_up_to_rounding(got[k], want[k], relative) for k in got
        )
    if isinstance(got, list) and isinstance(want, list):
        return len(got) == len(want) and all(
            same_up_to_rounding(g, w, relative) for g, w in zip(got, want, strict=True)
        )
    return bool(got == want)

"""DuckDBEngine.create_table stages rows two ways: lists (one `unnest` per column) for a
few rows, an Arrow table from ARROW_FROM_VALUES values (rows x columns) on. Both must
store the same values (journey ledgers and outboxes go through it), and a column Arrow
cannot hold falls back to the lists."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segl.compiler.store import ColumnType, Kind
from segl.compiler.types import Type
from segl.runtime import engines
from segl.runtime.engines import DuckDBEngine

COLUMNS: list[tuple[str, ColumnType]] = [
    ("user_id", Kind.COUNT),
    ("name", Type.STRING),
    ("amount", Type.NUMBER),
    ("flag", Type.BOOL),
    ("day", Type.DATE),
    ("at", Type.TIMESTAMP),
    ("run_at", Kind.INSTANT),
]

moments = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1))
rows = st.tuples(
    st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
    st.one_of(st.none(), st.text(st.characters(exclude_categories=["Cs"]))),
    st.one_of(st.none(), st.floats(allow_nan=True), st.integers(-(2**53), 2**53)),
    st.one_of(st.none(), st.booleans()),
    st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2200, 1, 1))),
    # a date where a time goes: Arrow, told the column holds times, refuses it
    st.one_of(st.none(), moments, st.dates(dt.date(1900, 1, 1), dt.date(2200, 1, 1))),
    st.one_of(st.none(), moments, moments.map(lambda m: m.replace(tzinfo=dt.UTC))),
)


def staged(
    rows: Sequence[Sequence[Any]], columns: Sequence[tuple[str, ColumnType]], arrow_from: int
) -> list[tuple[Any, ...]]:
    """The table's rows after create_table, with Arrow used from `arrow_from` values."""
    engine = DuckDBEngine()
    try:
        engine.use_timezone("Asia/Shanghai")  # instants convert through the session zone
        saved = engines.ARROW_FROM_VALUES
        engines.ARROW_FROM_VALUES = arrow_from
        try:
            engine.create_table("t", columns, rows)
        finally:
            engines.ARROW_FROM_VALUES = saved
        return engine.query('SELECT * FROM "t"')
    finally:
        engine.close()


def comparable(table: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """NaN equals NaN here (stored NaN is a value, not a difference)."""
    return [
        tuple("NaN" if isinstance(v, float) and math.isnan(v) else v for v in row) for row in table
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(rows, min_size=1, max_size=30))
def test_arrow_and_lists_store_the_same_values(found: list[tuple[Any, ...]]) -> None:
    by_lists = staged(found, COLUMNS, arrow_from=len(found) * len(COLUMNS) + 1)
    by_arrow = staged(found, COLUMNS, arrow_from=1)
    assert comparable(by_arrow) == comparable(by_lists)
    assert len(by_arrow) == len(found)


def test_many_rows_go_through_arrow_and_keep_their_order_and_types() -> None:
    start = dt.datetime(2026, 3, 29, 0, 30)
    found = [
        (i, f"用户{i}", i / 3, i % 2 == 0, start.date(), start + dt.timedelta(minutes=i), None)
        for i in range(engines.ARROW_FROM_VALUES // len(COLUMNS) + 5)
    ]
    table = staged(found, COLUMNS, arrow_from=engines.ARROW_FROM_VALUES)
    assert table == [(*row[:6], None) for row in found]


def test_a_column_arrow_cannot_hold_falls_back_to_lists() -> None:
    """An integer beyond 64 bits in a number column: Arrow refuses it, the lists take it."""
    found = [(1, "a", 2**70, True, None, None, None), (2, "b", 1.5, False, None, None, None)]
    table = staged(found, COLUMNS, arrow_from=1)
    assert [row[2] for row in table] == [float(2**70), 1.5]


def test_a_value_of_the_wrong_kind_is_refused_either_way() -> None:
    """A text where a timestamp goes: DuckDB's own conversion error on both paths."""
    found = [(1, "a", 1.0, True, None, "not a time", None)]
    for arrow_from in (1, len(found[0]) + 1):
        with pytest.raises(duckdb.ConversionException, match="not a time"):
            staged(found, COLUMNS, arrow_from=arrow_from)

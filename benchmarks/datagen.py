"""Benchmark data at several scales: the demo warehouse (Zipf activity, brands, coupons,
channels, cities; segl.runtime.demo_data) sized by event count, kept as a DuckDB file and
as Parquet files (users, orders, events) for the engines that read Parquet.

A scale is named by its target number of event rows (events + orders). The generator is
deterministic, so a scale is built once and cached under the data folder.

Run: .venv/bin/python -m benchmarks.datagen --events 1e7 [--data benchmarks/data]
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from segl.runtime.demo_data import build_demo_warehouse

# Event rows (events + orders) per user of the demo generator, measured at 100,000 users
# (2,894,316 event rows): the scale's user count follows from it.
EVENT_ROWS_PER_USER = 28.94
TABLES = ("users", "orders", "events")
DEFAULT_DATA = Path(os.environ.get("SEGL_BENCH_DATA", Path(__file__).parent / "data"))


@dataclass(frozen=True)
class Scale:
    """One benchmark data set: its files and row counts."""

    folder: Path
    users: int
    orders: int
    events: int

    @property
    def database(self) -> Path:
        return self.folder / "warehouse.duckdb"

    def parquet(self, table: str) -> Path:
        return self.folder / f"{table}.parquet"

    @property
    def event_rows(self) -> int:
        return self.orders + self.events

    @property
    def label(self) -> str:
        return f"{self.event_rows:,} event rows, {self.users:,} users"


def users_for(event_rows: float) -> int:
    return max(1, round(event_rows / EVENT_ROWS_PER_USER))


def scale_folder(data: Path, users: int) -> Path:
    return data / f"users_{users}"


def build_scale(data: Path, users: int) -> Scale:
    """Build (or reuse) the data set with `users` users."""
    folder = scale_folder(data, users)
    done = folder / "DONE"
    if not done.exists():
        _build(folder, users)
        done.write_text("ok\n")
    return _describe(folder)


def _build(folder: Path, users: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "warehouse.duckdb"
    database.unlink(missing_ok=True)
    started = time.perf_counter()
    with duckdb.connect(str(database)) as con:
        build_demo_warehouse(con, users=users)
        for unused in ("coupons", "nev_leads", "nev_events"):
            con.execute(f"DROP TABLE {unused}")
        for table in TABLES:
            target = folder / f"{table}.parquet"
            con.execute(f"COPY {table} TO '{target}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)")
        con.execute("CHECKPOINT")
    print(f"built {folder} in {time.perf_counter() - started:.1f} s")


def _describe(folder: Path) -> Scale:
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as con:
        counts = {t: _count(con, t) for t in TABLES}
    return Scale(folder, counts["users"], counts["orders"], counts["events"])


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()
    return int(rows[0][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=float, default=1e7, help="target event rows")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    scale = build_scale(args.data, users_for(args.events))
    print(f"{scale.folder}: {scale.label}")


if __name__ == "__main__":
    main()

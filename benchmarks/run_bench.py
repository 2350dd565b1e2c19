"""Run-time benchmark: examples/retail (31 tags, 10 segments, 3 layerings) on the demo
warehouse in DuckDB, end to end (verify sources, compile, execute, write history).

Run: .venv/bin/python -m benchmarks.run_bench [--users 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from segl.runtime.demo import examples_dir
from segl.runtime.demo_data import DEMO_ANCHOR, build_demo_warehouse
from segl.runtime.engines import DuckDBEngine
from segl.runtime.project import load_project
from segl.runtime.run import run_loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        con = duckdb.connect(str(path))
        counts = build_demo_warehouse(con, users=args.users)
        con.close()
        loaded = load_project(examples_dir() / "retail")
        engine = DuckDBEngine(str(path))
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            run_loaded(loaded, engine, DEMO_ANCHOR)
            timings.append(time.perf_counter() - started)
        engine.close()
    events = counts["events"] + counts["orders"] + counts["coupons"]
    print(f"duckdb {duckdb.__version__}: retail on {args.users:,} users, {events:,} event rows")
    listed = " ".join(f"{t:.2f}" for t in timings)
    print(f"segl run median {statistics.median(timings):.2f} s   runs: {listed}")


if __name__ == "__main__":
    main()

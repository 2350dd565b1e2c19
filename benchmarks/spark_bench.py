"""segl on a local Spark session: the benchmark workload over the Parquet files of a scale,
median of several runs, checked against the same run on DuckDB (per segment: member count
and the sum of member ids; per layer: user count).

Run: .venv/bin/python -m benchmarks.spark_bench --events 1e7 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.datagen import DEFAULT_DATA, TABLES, Scale, build_scale, users_for
from benchmarks.methods import AS_OF, WORKLOAD
from segl.runtime.engines import DuckDBEngine, Engine
from segl.runtime.project import load_project
from segl.runtime.run import run_loaded

CHECKSUMS = {
    "members": "SELECT segment, count(*), sum(user_id) FROM segl_bench_members GROUP BY segment",
    "layers": "SELECT layering, layer, count(*) FROM segl_bench_layers GROUP BY layering, layer",
}


def checksums(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    return {name: sorted(tuple(r) for r in engine.query(sql)) for name, sql in CHECKSUMS.items()}


def duckdb_checksums(scale: Scale) -> dict[str, list[tuple[Any, ...]]]:
    with tempfile.TemporaryDirectory(prefix="segl-bench-") as folder:
        engine = DuckDBEngine(str(Path(folder) / "out.duckdb"))
        for table in TABLES:
            engine.connection.execute(
                f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{scale.parquet(table)}')"
            )
        run_loaded(load_project(WORKLOAD), engine, AS_OF)
        result = checksums(engine)
        engine.close()
    return result


def spark_engine(warehouse: Path, scale: Scale, memory: str) -> Engine:
    # the driver's heap is fixed when the JVM starts, so it goes on the launch line
    os.environ.setdefault("PYSPARK_SUBMIT_ARGS", f"--driver-memory {memory} pyspark-shell")
    from segl.runtime.engine_spark import SparkEngine, local_session

    settings = {"spark.sql.shuffle.partitions": "4"}
    session = local_session("local[2]", warehouse, hive=False, timezone="UTC", settings=settings)
    for table in TABLES:
        session.read.parquet(str(scale.parquet(table))).createOrReplaceTempView(table)
    return SparkEngine(session, "default")


def reset(engine: Engine) -> None:
    for table in ("segl_bench_tags", "segl_bench_members", "segl_bench_layers", "segl_runs"):
        engine.query(f"DROP TABLE IF EXISTS {table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=float, default=1e7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--driver-memory", default="8g")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "spark.json"
    )
    args = parser.parse_args()
    scale = build_scale(args.data, users_for(args.events))
    expected = duckdb_checksums(scale)
    with tempfile.TemporaryDirectory(prefix="segl-spark-bench-") as folder:
        engine = spark_engine(Path(folder), scale, args.driver_memory)
        timings = []
        for _ in range(args.runs + 1):  # the first run warms the JVM up and is not counted
            reset(engine)
            started = time.perf_counter()
            run_loaded(load_project(WORKLOAD), engine, AS_OF)
            timings.append(time.perf_counter() - started)
            print(f"  spark run {len(timings)}: {timings[-1]:.2f} s", flush=True)
        agrees = checksums(engine) == expected
        engine.close()
    if not agrees:
        raise SystemExit("Spark's members or layers differ from DuckDB's")
    result = {
        "event_rows": scale.event_rows,
        "users": scale.users,
        "warm_up": round(timings[0], 2),
        "runs": timings[1:],
        "median": statistics.median(timings[1:]),
        "agrees_with_duckdb": agrees,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Peak memory of one segl run on DuckDB under a memory limit: the process's peak resident
set size, and the most DuckDB spilled to its temporary directory while running.

Runs in its own process so the peak belongs to this run alone.

Run: .venv/bin/python -m benchmarks.memory_bench --events 1e8 --memory-limit 4GB
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.datagen import DEFAULT_DATA, build_scale, users_for
from benchmarks.methods import AS_OF, WORKLOAD
from segl.runtime.engines import DuckDBEngine
from segl.runtime.project import load_project
from segl.runtime.run import run_loaded


class SpillWatcher(threading.Thread):
    """Samples the size of DuckDB's temporary files every half second."""

    def __init__(self, engine: DuckDBEngine) -> None:
        super().__init__(daemon=True)
        self.cursor = engine.connection.cursor()
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            rows = self.cursor.execute("SELECT sum(size) FROM duckdb_temporary_files()").fetchall()
            self.peak = max(self.peak, int(rows[0][0] or 0))


def measure(database: Path, memory_limit: str, spill: Path) -> dict[str, float | str]:
    engine = DuckDBEngine(str(database))
    engine.connection.execute(f"SET memory_limit = '{memory_limit}'")
    engine.connection.execute(f"SET temp_directory = '{spill}'")
    watcher = SpillWatcher(engine)
    watcher.start()
    started = time.perf_counter()
    summary = run_loaded(load_project(WORKLOAD), engine, AS_OF)
    seconds = time.perf_counter() - started
    watcher.done.set()
    watcher.join()
    engine.close()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "memory_limit": memory_limit,
        "seconds": round(seconds, 2),
        "users": summary.users,
        "peak_rss_gib": round(peak_kib / 2**20, 2),
        "peak_spill_gib": round(watcher.peak / 2**30, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=float, default=1e8)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "memory.json"
    )
    args = parser.parse_args()
    scale = build_scale(args.data, users_for(args.events))
    with tempfile.TemporaryDirectory(prefix="segl-mem-") as folder:
        work = Path(folder) / "warehouse.duckdb"
        shutil.copyfile(scale.database, work)
        result = measure(work, args.memory_limit, Path(folder) / "spill")
    result["event_rows"] = scale.event_rows
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

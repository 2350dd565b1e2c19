"""Where a run's time goes: segl's statements and the hand-written script's, one at a
time, wall and CPU seconds, on a copy of a benchmark warehouse (the original is not
touched). Used for the profile table in BENCHMARKS.md.

Run: .venv/bin/python -m benchmarks.profile_run --events 1e7 [--rounds 2]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import duckdb

from benchmarks.datagen import DEFAULT_DATA, build_scale, users_for
from benchmarks.methods import AS_OF, HAND_SQL, WORKLOAD, empty_history
from segl.compiler.script import compile_run
from segl.compiler.targets import get_target
from segl.runtime.project import load_project


def first_line(statement: str) -> str:
    """A statement's first line of SQL (past leading comments), for the report."""
    lines = [line.strip() for line in statement.strip().splitlines()]
    sql = [line for line in lines if line and not line.startswith("--")]
    return sql[0][:70] if sql else ""


def timed(con: duckdb.DuckDBPyConnection, statements: Iterable[str]) -> None:
    for statement in statements:
        wall, cpu = time.perf_counter(), time.process_time()
        con.execute(statement)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if wall >= 0.005:  # the 60 ALTER TABLE and the empty DELETEs take ~0.2 ms each
            print(f"  {wall:6.2f} s wall {cpu:6.2f} s CPU  {first_line(statement)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=float, default=1e7)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    scale = build_scale(args.data, users_for(args.events))
    project = load_project(WORKLOAD).project
    assert project is not None, "the workload has errors: run segl check benchmarks/workload"
    compiled = compile_run(project, AS_OF, get_target("duckdb"))
    segl = ["BEGIN TRANSACTION", *compiled.body_sql(), "COMMIT"]
    hand = [s for s in HAND_SQL.read_text(encoding="utf-8").split(";\n\n") if first_line(s)]
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "warehouse.duckdb"
        shutil.copy(scale.database, copy)
        con = duckdb.connect(str(copy))
        print(f"{scale.label}: first run creates the history tables (not reported)")
        for statement in segl:
            con.execute(statement)
        for round_ in range(1, args.rounds + 1):
            empty_history(con)
            print(f"round {round_}: segl")
            timed(con, segl)
            print(f"round {round_}: hand-written SQL")
            timed(con, hand)
        con.close()


if __name__ == "__main__":
    main()

"""Side-by-side benchmark: segl against hand-written SQL, the scan floor, naive per-segment
queries, polars and a row-at-a-time rule engine, on the same data in one process.

Correctness first: every method that produces audiences is run once and its members (and
layers, where it has them) must equal segl's before anything is timed. Then the methods are
timed in interleaved rounds (segl, hand SQL, ... , segl, hand SQL, ...) so that a slow
moment of a shared machine hits every method alike; the median of the rounds is reported.

Run: .venv/bin/python -m benchmarks.harness --events 1e6 --runs 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from benchmarks import compile_bench
from benchmarks.datagen import DEFAULT_DATA, Scale, build_scale, users_for
from benchmarks.methods import (
    HandWritten,
    Method,
    Naive,
    Polars,
    RuleEngine,
    ScanFloor,
    Segl,
)
from segl.runtime.engines import DuckDBEngine
from segl.runtime.project import load_project

ALL_METHODS = ("segl", "hand", "floor", "naive", "polars", "rules")
RESULTS = Path(__file__).parent / "results"


class Mismatch(Exception):
    """A method computed different audiences than segl."""


def differences(engine: DuckDBEngine, found: str, expected: str) -> str | None:
    """None when both queries give the same rows; otherwise counts and examples."""
    con = engine.connection
    missing = con.execute(f"SELECT * FROM ({expected} EXCEPT ALL {found}) LIMIT 3").fetchall()
    extra = con.execute(f"SELECT * FROM ({found} EXCEPT ALL {expected}) LIMIT 3").fetchall()
    if not missing and not extra:
        return None
    count = f"SELECT count(*) FROM ({expected} EXCEPT ALL {found})"
    return f"{con.execute(count).fetchall()[0][0]} missing (e.g. {missing}), extra e.g. {extra}"


def check_agreement(engine: DuckDBEngine, methods: list[Method], truth: Method) -> None:
    for method in methods:
        for what, found, expected in (
            ("members", method.members(), truth.members()),
            ("layers", method.layers(), truth.layers()),
        ):
            if found is None or expected is None:
                continue
            problem = differences(engine, found, expected)
            if problem:
                raise Mismatch(f"{method.name} {what} differ from segl: {problem}")


def timed(method: Method) -> tuple[float, float]:
    """Wall-clock and CPU seconds (all threads of this process) of one run."""
    method.reset()
    wall, cpu = time.perf_counter(), time.process_time()
    method.run()
    return time.perf_counter() - wall, time.process_time() - cpu


Timings = dict[str, dict[str, list[float]]]


def time_rounds(methods: list[Method], runs: int) -> Timings:
    """Interleaved rounds: every method once per round, `runs` rounds."""
    timings: Timings = {m.name: {"runs": [], "cpu": []} for m in methods}
    for round_number in range(runs):
        for method in methods:
            wall, cpu = timed(method)
            timings[method.name]["runs"].append(wall)
            timings[method.name]["cpu"].append(cpu)
        listed = ", ".join(f"{m.name} {timings[m.name]['runs'][-1]:.2f}" for m in methods)
        print(f"  round {round_number + 1}/{runs}: {listed}", flush=True)
    return timings


def build_methods(
    wanted: list[str],
    engine: DuckDBEngine,
    scale: Scale,
    limits: argparse.Namespace,
    scratch: Path,
) -> list[Method]:
    """segl first: it is the reference, and the rule engine reads its tags."""
    segl = Segl(engine)
    segl.reset()
    segl.run()
    factories: dict[str, Callable[[], Method]] = {
        "hand": lambda: HandWritten(engine),
        "floor": lambda: ScanFloor(engine),
        "naive": lambda: Naive(engine, load_project(Path(__file__).parent / "workload")),
        "polars": lambda: Polars(
            engine, {t: scale.parquet(t) for t in ("users", "orders", "events")}, scratch / "pl"
        ),
        "rules": lambda: RuleEngine(engine),
    }
    methods: list[Method] = [segl]
    for name in wanted:
        if name == "segl" or not _within_limits(name, scale, limits):
            continue
        method = factories[name]()
        method.reset()
        method.run()  # the correctness run doubles as the warm-up
        methods.append(method)
    check_agreement(engine, methods[1:], segl)
    print(f"  agreement: {', '.join(m.name for m in methods)} give identical audiences")
    return methods


def _within_limits(name: str, scale: Scale, limits: argparse.Namespace) -> bool:
    if name == "rules" and scale.users > limits.rules_max_users:
        print(f"  rule engine left out: {scale.users:,} users > --rules-max-users")
        return False
    if name == "naive" and scale.event_rows > limits.naive_max_events:
        print(f"  naive left out: {scale.event_rows:,} event rows > --naive-max-events")
        return False
    return True


def bench_scale(scale: Scale, args: argparse.Namespace) -> dict[str, Any]:
    print(f"scale: {scale.label}", flush=True)
    with tempfile.TemporaryDirectory(prefix="segl-bench-") as folder:
        work = Path(folder) / "warehouse.duckdb"
        shutil.copyfile(scale.database, work)
        engine = DuckDBEngine(str(work))
        if args.memory_limit:
            engine.connection.execute(f"SET memory_limit = '{args.memory_limit}'")
        try:
            methods = build_methods(args.methods, engine, scale, args, Path(folder))
            timings = time_rounds(methods, args.runs)
        finally:
            engine.close()
    return {
        "users": scale.users,
        "event_rows": scale.event_rows,
        "methods": {m.name: {"description": m.description, **timings[m.name]} for m in methods},
    }


def bench_compile(runs: int) -> dict[str, Any]:
    text = compile_bench.project_text(300, 1000)
    compile_bench.measure(text)  # warm-up: the parser tables are built once per process
    totals = [compile_bench.measure(text)["total"] for _ in range(runs)]
    return {
        "description": "parse + check + compile of 1,000 segments over 300 tags",
        "runs": totals,
    }


def environment() -> dict[str, str]:
    import polars

    cpus = platform.processor() or platform.machine()
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "polars": polars.__version__,
        "machine": f"{cpus}, {_cores()} cores",
        "load_average_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _cores() -> int:
    return len(os.sched_getaffinity(0))


def report(results: dict[str, Any]) -> str:
    lines = [f"{'method':<12} {'median s':>9} {'x segl':>8} {'cpu s':>8}  runs"]
    for scale in results["scales"]:
        lines.append(f"-- {scale['event_rows']:,} event rows, {scale['users']:,} users")
        segl = statistics.median(scale["methods"]["segl"]["runs"])
        for name, entry in scale["methods"].items():
            median = statistics.median(entry["runs"])
            cpu = statistics.median(entry.get("cpu") or [float("nan")])
            runs = " ".join(f"{r:.2f}" for r in entry["runs"])
            lines.append(f"{name:<12} {median:>9.3f} {median / segl:>8.2f} {cpu:>8.2f}  {runs}")
    if "compile" in results:
        runs = results["compile"]["runs"]
        lines.append(
            f"-- compile only: 1,000 segments over 300 tags: {statistics.median(runs):.3f} s"
        )
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=float, nargs="+", default=[1e6], help="event rows")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--methods", nargs="+", default=list(ALL_METHODS), choices=ALL_METHODS)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rules-max-users", type=int, default=100_000)
    parser.add_argument("--naive-max-events", type=float, default=2e7)
    parser.add_argument("--memory-limit", default="", help="DuckDB memory_limit, e.g. 4GB")
    parser.add_argument("--no-compile", action="store_true", help="skip the compile benchmark")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    results: dict[str, Any] = {"environment": environment(), "runs": args.runs, "scales": []}
    for events in args.events:
        scale = build_scale(args.data, users_for(events))
        results["scales"].append(bench_scale(scale, args))
    if not args.no_compile:
        results["compile"] = bench_compile(max(args.runs, 5))
    results["environment"]["load_average_at_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(report(results))
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()

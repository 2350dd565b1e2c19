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


# Sums of doubles in a parallel hash aggregate are added in no fixed order, so two correct
# engines can differ in the last bits, and a user sitting exactly on a threshold (spend
# trend 500) can land on either side. Differences up to this share of the rows are
# reported as floating-point ties, with the tag values that explain them; more fail.
FLOAT_TIE_SHARE = 1e-6


def differing_rows(engine: DuckDBEngine, found: str, expected: str) -> list[tuple[Any, ...]]:
    con = engine.connection
    missing = con.execute(f"SELECT 'missing', * FROM ({expected} EXCEPT ALL {found}) LIMIT 100")
    rows = missing.fetchall()
    extra = con.execute(f"SELECT 'extra', * FROM ({found} EXCEPT ALL {expected}) LIMIT 100")
    return rows + extra.fetchall()


def row_count(engine: DuckDBEngine, query: str) -> int:
    return int(engine.connection.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0])


def tag_differences(engine: DuckDBEngine, method: Method, truth: Method, user: int) -> str:
    """The tags of `user` on which the two methods differ, with their exact values."""
    ours, theirs = truth.tags_of(user), method.tags_of(user)
    if ours is None or theirs is None:
        return "(no tags to compare)"
    con = engine.connection
    left = con.execute(ours).fetchall()
    right = con.execute(theirs).fetchall()
    if not left or not right:
        return "(user missing from a tags table)"
    names = [d[0] for d in con.execute(ours).description]
    other = dict(zip([d[0] for d in con.execute(theirs).description], right[0], strict=True))
    changed = [
        f"{name}: {value!r} vs {other.get(name)!r}"
        for name, value in zip(names, left[0], strict=True)
        if name in other and other[name] != value
    ]
    return "; ".join(changed) or "(identical tags)"


def check_agreement(engine: DuckDBEngine, methods: list[Method], truth: Method) -> list[str]:
    """Raise Mismatch unless every method agrees with segl; return the floating-point ties
    that were accepted (see FLOAT_TIE_SHARE), described."""
    ties: list[str] = []
    for method in methods:
        for what, found, expected in (
            ("members", method.members(), truth.members()),
            ("layers", method.layers(), truth.layers()),
        ):
            if found is None or expected is None:
                continue
            rows = differing_rows(engine, found, expected)
            if not rows:
                continue
            detail = f"{method.name} {what} differ from segl: {rows[:5]}"
            if len(rows) > FLOAT_TIE_SHARE * row_count(engine, expected):
                raise Mismatch(detail)
            user = int(rows[0][-1] if what == "members" else rows[0][2])
            ties.append(f"{detail}; user {user}: {tag_differences(engine, method, truth, user)}")
    for tie in ties:
        print(f"  floating-point tie: {tie}")
    return ties


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
) -> tuple[list[Method], list[str]]:
    """segl first: it is the reference, and the rule engine reads its tags. Returns the
    methods and the floating-point ties accepted by the agreement check."""
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
    ties = check_agreement(engine, methods[1:], segl)
    names = ", ".join(m.name for m in methods)
    print(f"  agreement: {names} give identical audiences, but {len(ties)} floating-point ties")
    return methods, ties


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
            methods, ties = build_methods(args.methods, engine, scale, args, Path(folder))
            timings = time_rounds(methods, args.runs)
        finally:
            engine.close()
    return {
        "users": scale.users,
        "event_rows": scale.event_rows,
        "methods": {m.name: {"description": m.description, **timings[m.name]} for m in methods},
        "floating_point_ties": ties,
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

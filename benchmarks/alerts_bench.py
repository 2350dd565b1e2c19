"""Alerts and the migration matrix (SPEC §2.9, §3.7; issue 13) on DuckDB: what evaluating
alerts adds to a `segl run`, and what `segl show migration` costs next to a run.

Target: "alert evaluation and the migration matrix add at most 10 % to a run at 10^7
event rows".

**The projects.** The workload of benchmarks/workload (60 tags, 100 segments, 3
layerings, among them value_quadrant: hf_hv, hf_lv, lf_hv, lf_lv, none) as two projects
with their own result tables: `plain` (the workload as it is) and `alerts` (the same files
plus benchmarks/workload_alerts/alerts.segl: the quadrant slide `moved(value_quadrant, from
"hf_lv", to "lf_lv", over 7 days) > 5%`, `change(size(beijing_loyal), over 7 days) <
-20%` and `share(value_quadrant, "hf_hv") < 2%`).

**What is timed.** A scale of the main benchmark (benchmarks/datagen.py; copied to a
temporary folder). Both projects run once at R = T - 7 days (the alerts' reference run,
untimed for the target). Then `--runs` interleaved rounds (the order alternating) of the
run at T of each project, the rows of as-of T deleted before each run (untimed, as the
harness empties its tables), each run timed as the main harness times segl: load and
check the project, verify the sources, compile, run in one transaction (the alerts'
evaluation inside it, after the results), summarise. `AlertRun.prepare` (read the alert
history and the numbers, decide, stage the rows) is wrapped here, not edited: its seconds
are recorded. After the runs of a round, the migration matrix of value_quadrant between R
and T: the work of `segl show migration` in this process (the run log's fingerprints, the
matrix query, its SQL rendered, the text table), and `segl show migration value_quadrant
--from R --to T` as a separate process (Python's start, loading and checking the project,
opening the database: what a user waits for).

**Checks.** Both projects store the same members and layers at T (up to the harness's
floating-point ties); every alerts run at T decides the same states and values; the
quadrant slide's value is the matrix's share of hf_lv at R found in lf_lv at T.

Run: .venv/bin/python -m benchmarks.alerts_bench --quick        (10^6 event rows, 3 rounds)
     .venv/bin/python -m benchmarks.alerts_bench --events 1e7 --runs 5
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from benchmarks.datagen import DEFAULT_DATA, build_scale, users_for
from benchmarks.harness import FLOAT_TIE_SHARE
from benchmarks.journeys_bench import Variant, environment, reset_at
from benchmarks.methods import copy_workload
from segl.compiler.sqlgen import render
from segl.runtime import migration
from segl.runtime.alerts import AlertRun
from segl.runtime.engines import DuckDBEngine
from segl.runtime.run import run_loaded, store_of

HERE = Path(__file__).parent
ALERTS_FILE = HERE / "workload_alerts" / "alerts.segl"
RESULTS = HERE / "results"
T = dt.datetime(2026, 11, 1)  # the workload's as-of
OVER = dt.timedelta(days=7)  # the alerts' `over 7 days`
VARIANTS = ("plain", "alerts")
LAYERING = "value_quadrant"
SLIDE = ("quadrant_slide", "hf_lv", "lf_lv")  # the alert and the cell of the matrix it reads


class Mismatch(Exception):
    """Two runs that must store or decide the same did not."""


def write_variants(root: Path) -> dict[str, Variant]:
    """The workload as `bench_plain`, and with the alerts as `bench_alerts`."""
    variants: dict[str, Variant] = {}
    for name in VARIANTS:
        extra = ALERTS_FILE if name == "alerts" else None
        variants[name] = Variant(name, copy_workload(root, f"bench_{name}", extra))
    return variants


# ---------------------------------------------------------------- timing


@contextlib.contextmanager
def timing_alerts(
    seconds: list[tuple[float, float]], queries: list[dict[str, Any]]
) -> Iterator[None]:
    """Wrap AlertRun.prepare for the duration: each call's wall and CPU seconds (of every
    thread of this process: DuckDB's too) go to `seconds`, each query it sends (its
    seconds, rows and the start of its SQL) to `queries`."""
    original = AlertRun.prepare

    @functools.wraps(original)
    def prepare(run: AlertRun) -> str:
        engine = run.engine
        query = engine.query

        def logged(sql: str) -> list[tuple[Any, ...]]:
            started = time.perf_counter()
            rows = query(sql)
            seconds = time.perf_counter() - started
            label = " ".join(sql.split())[:160]
            queries.append({"seconds": seconds, "rows": len(rows), "sql": label})
            return rows

        engine.query = logged  # type: ignore[method-assign]
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return original(run)
        finally:
            seconds.append((time.perf_counter() - started, time.process_time() - cpu))
            del engine.query

    AlertRun.prepare = prepare  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        AlertRun.prepare = original  # type: ignore[method-assign]


def measure(engine: DuckDBEngine, variant: Variant, as_of: dt.datetime) -> dict[str, Any]:
    """One run at `as_of` after deleting what the variant wrote there: wall, CPU of this
    process, the 1-minute load average at its start, the alerts' prepare and outcomes."""
    reset_at(engine, variant, as_of)
    prepared: list[tuple[float, float]] = []
    queries: list[dict[str, Any]] = []
    load = os.getloadavg()[0]
    with timing_alerts(prepared, queries):
        wall, cpu = time.perf_counter(), time.process_time()
        summary = run_loaded(variant.loaded(), engine, as_of)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    found: dict[str, Any] = {"wall": wall, "cpu": cpu, "load": load}
    if summary.alerts is not None:
        found["alerts_prepare"] = sum(wall for wall, _ in prepared)
        found["alerts_prepare_cpu"] = sum(cpu for _, cpu in prepared)
        found["alerts_queries"] = queries
        found["alerts"] = {
            o.row.alert: {
                "state": o.row.state,
                "value": o.row.value,
                "reference_as_of": str(o.row.reference_as_of),
                "detail": o.row.detail,
            }
            for o in summary.alerts
        }
    return found


def matrix_in_process(
    engine: DuckDBEngine, variant: Variant, earlier: dt.datetime, later: dt.datetime
) -> tuple[float, float, migration.Matrix]:
    """What `segl show migration` does once the project is loaded and the database open:
    the fingerprints' check, the matrix, its SQL rendered, the text table."""
    loaded = variant.loaded()
    assert loaded.project is not None
    layering = next(la for la in loaded.project.layerings if la.name == LAYERING)
    started, cpu = time.perf_counter(), time.process_time()
    store = store_of(loaded, engine)
    matrix = migration.migration(engine, store, layering, earlier, later)
    render(migration.matrix_query(store, engine.target, LAYERING, earlier, later), engine.target)
    migration.as_text(matrix, layering.title)
    return time.perf_counter() - started, time.process_time() - cpu, matrix


def matrix_command(
    database: Path, variant: Variant, earlier: dt.datetime, later: dt.datetime
) -> float:
    """`segl show migration` as a user runs it: a separate process (the database must not be
    open in this one)."""
    command = [
        sys.executable,
        "-c",
        "import sys; from segl.runtime.cli import main; sys.exit(main())",
        *("show", "migration", LAYERING, str(variant.folder), "--db", f"duckdb:///{database}"),
        *("--from", f"{earlier:%Y-%m-%d %H:%M:%S}", "--to", f"{later:%Y-%m-%d %H:%M:%S}"),
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - started


# ---------------------------------------------------------------- checks


def check_same_results(
    engine: DuckDBEngine, variants: dict[str, Variant], as_of: dt.datetime
) -> dict[str, int]:
    """Both projects stored the same members and layers at `as_of` (up to FLOAT_TIE_SHARE
    of the rows: a user on a threshold of a sum of doubles): alerts add work, not results."""
    con = engine.connection
    plain, alerts = (store_of(variants[n].loaded(), engine) for n in VARIANTS)
    counts: dict[str, int] = {}
    for what, columns, table in (
        ("members", "segment, user_id", "members"),
        ("layers", "layering, user_id, layer", "layers"),
    ):
        queries = [
            f'SELECT {columns} FROM "{getattr(s, table).name}" WHERE as_of = ?'
            for s in (plain, alerts)
        ]
        counts[what] = int(
            con.execute(f"SELECT count(*) FROM ({queries[0]})", [as_of]).fetchall()[0][0]
        )
        differing = 0
        for a, b in (queries, queries[::-1]):
            found = con.execute(f"SELECT count(*) FROM ({a} EXCEPT ALL {b})", [as_of, as_of])
            differing += int(found.fetchall()[0][0])
        if differing > FLOAT_TIE_SHARE * counts[what]:
            raise Mismatch(f"{differing} {what} differ between plain and alerts at {as_of}")
    return counts


def check_same_alerts(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Every alerts run at T decided the same: the repetitions are the same run."""
    first = runs[0]["alerts"]
    for run in runs[1:]:
        if run["alerts"] != first:
            raise Mismatch(f"alerts at T differ between rounds: {run['alerts']} vs {first}")
    return dict(first)


def check_slide(alerts: dict[str, Any], matrix: migration.Matrix) -> float | None:
    """The quadrant slide's value is the matrix's share of its cell."""
    name, origin, destination = SLIDE
    value, share = alerts[name]["value"], matrix.share(origin, destination)
    same = value is None if share is None else value is not None and abs(value - share) < 1e-9
    if not same:
        raise Mismatch(f"{name} read {value}, the matrix's {origin} -> {destination} is {share}")
    return share


# ---------------------------------------------------------------- the benchmark


def ordered(round_number: int) -> list[str]:
    return list(VARIANTS) if round_number % 2 == 0 else list(VARIANTS)[::-1]


def bench(args: argparse.Namespace) -> dict[str, Any]:
    scale = build_scale(args.data, users_for(args.events))
    as_of: dt.datetime = args.as_of
    reference = as_of - OVER
    print(f"alerts: {scale.label}, runs at {reference} and {as_of}", flush=True)
    with tempfile.TemporaryDirectory(prefix="segl-alerts-") as folder:
        work = Path(folder) / "warehouse.duckdb"
        shutil.copyfile(scale.database, work)
        variants = write_variants(Path(folder))
        engine = DuckDBEngine(str(work))
        try:
            reference_runs = {n: measure(engine, variants[n], reference) for n in VARIANTS}
            print(f"  reference runs: {_walls(reference_runs)}", flush=True)
            rounds: dict[str, list[dict[str, Any]]] = {n: [] for n in VARIANTS}
            matrix_seconds: list[float] = []
            matrix_cpu: list[float] = []
            command_seconds: list[float] = []
            matrix = None
            for number in range(args.runs):
                for name in ordered(number):
                    rounds[name].append(measure(engine, variants[name], as_of))
                seconds, cpu, matrix = matrix_in_process(
                    engine, variants["alerts"], reference, as_of
                )
                matrix_seconds.append(seconds)
                matrix_cpu.append(cpu)
                engine.close()  # the command opens the file read-only, in its own process
                command_seconds.append(matrix_command(work, variants["alerts"], reference, as_of))
                engine = DuckDBEngine(str(work))
                print(
                    f"  round {number + 1}: plain {rounds['plain'][-1]['wall']:.2f} s, alerts"
                    f" {rounds['alerts'][-1]['wall']:.2f} s (prepare"
                    f" {rounds['alerts'][-1]['alerts_prepare']:.3f} s), matrix {seconds:.3f} s,"
                    f" command {command_seconds[-1]:.2f} s; load {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
            counts = check_same_results(engine, variants, as_of)
        finally:
            engine.close()
    assert matrix is not None
    alerts = check_same_alerts(rounds["alerts"])
    slide = check_slide(alerts, matrix)
    return {
        "event_rows": scale.event_rows,
        "users": scale.users,
        "as_of": str(as_of),
        "reference_as_of": str(reference),
        "stored_at_as_of": counts,
        "alerts_at_as_of": alerts,
        "slide_share": slide,
        "matrix": {"users": matrix.users, "cells": len(matrix.cells())},
        "reference_runs": reference_runs,
        "rounds": rounds,
        "matrix_seconds": matrix_seconds,
        "matrix_cpu": matrix_cpu,
        "command_seconds": command_seconds,
    }


def _walls(runs: dict[str, dict[str, Any]]) -> str:
    return ", ".join(f"{name} {run['wall']:.2f} s" for name, run in runs.items())


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """Medians, and the ratios taken within a round (the same moment of the machine)."""
    plain, alerts = (result["rounds"][n] for n in VARIANTS)
    matrices, commands = result["matrix_seconds"], result["command_seconds"]
    rounds = list(zip(plain, alerts, matrices, commands, strict=True))
    return {
        "plain_wall": statistics.median(r["wall"] for r in plain),
        "alerts_wall": statistics.median(r["wall"] for r in alerts),
        "alerts_prepare": statistics.median(r["alerts_prepare"] for r in alerts),
        "matrix": statistics.median(matrices),
        "command": statistics.median(commands),
        "ratio_same_round": [a["wall"] / p["wall"] for p, a, _, _ in rounds],
        "ratio_same_round_median": statistics.median(
            a["wall"] / p["wall"] for p, a, _, _ in rounds
        ),
        "ratio_cpu_same_round_median": statistics.median(
            a["cpu"] / p["cpu"] for p, a, _, _ in rounds
        ),
        "prepare_share_median": statistics.median(
            a["alerts_prepare"] / p["wall"] for p, a, _, _ in rounds
        ),
        "matrix_share_median": statistics.median(m / p["wall"] for p, _, m, _ in rounds),
        "command_share_median": statistics.median(c / p["wall"] for p, _, _, c in rounds),
        # the target's figure: (the run with alerts + the matrix) / the run without
        "with_matrix_ratio_median": statistics.median(
            (a["wall"] + m) / p["wall"] for p, a, m, _ in rounds
        ),
        # the same, from the parts measured directly (less exposed to the noise of two
        # whole runs): alert prepare + matrix over the run without, wall and CPU
        "added_share_median": statistics.median(
            (a["alerts_prepare"] + m) / p["wall"] for p, a, m, _ in rounds
        ),
        "added_cpu_share_median": statistics.median(
            (a["alerts_prepare_cpu"] + m) / p["cpu"]
            for p, a, m in zip(plain, alerts, result["matrix_cpu"], strict=True)
        ),
        "plain_cpu": statistics.median(r["cpu"] for r in plain),
        "alerts_cpu": statistics.median(r["cpu"] for r in alerts),
        "alerts_prepare_cpu": statistics.median(r["alerts_prepare_cpu"] for r in alerts),
        "alerts_query_seconds": statistics.median(
            sum(q["seconds"] for q in r["alerts_queries"]) for r in alerts
        ),
        "alerts_queries": len(alerts[0]["alerts_queries"]),
        "matrix_cpu": statistics.median(result["matrix_cpu"]),
        "load": [r["load"] for r in plain + alerts],
    }


def report(results: dict[str, Any]) -> str:
    result, s = results["result"], results["summary"]
    plain, alerts = (result["rounds"][n] for n in VARIANTS)
    lines = [
        f"-- alerts: {result['event_rows']:,} event rows, {result['users']:,} users, run at"
        f" {result['as_of']}, reference {result['reference_as_of']}",
        f"plain   {s['plain_wall']:.2f} s  runs " + " ".join(f"{r['wall']:.2f}" for r in plain),
        f"alerts  {s['alerts_wall']:.2f} s  runs " + " ".join(f"{r['wall']:.2f}" for r in alerts),
        f"  alert prepare {s['alerts_prepare']:.3f} s ({s['prepare_share_median']:.1%} of plain),"
        f" its {s['alerts_queries']} queries {s['alerts_query_seconds']:.3f} s",
        f"  ÷ plain, same round: {s['ratio_same_round_median']:.3f}"
        f" (rounds " + " ".join(f"{x:.3f}" for x in s["ratio_same_round"]) + ")"
        f", CPU {s['ratio_cpu_same_round_median']:.3f}",
        f"matrix (in process) {s['matrix']:.3f} s ({s['matrix_share_median']:.1%} of plain);"
        f" runs " + " ".join(f"{x:.3f}" for x in result["matrix_seconds"]),
        f"segl show migration (process) {s['command']:.2f} s ({s['command_share_median']:.1%} of"
        f" plain); runs " + " ".join(f"{x:.2f}" for x in result["command_seconds"]),
        f"(alerts run + matrix) ÷ plain, same round: {s['with_matrix_ratio_median']:.3f}",
        f"(alert prepare + matrix) ÷ plain, same round: {s['added_share_median']:.3f};"
        f" in CPU seconds {s['added_cpu_share_median']:.3f} (plain CPU {s['plain_cpu']:.2f} s,"
        f" prepare {s['alerts_prepare_cpu']:.3f} s, matrix {s['matrix_cpu']:.3f} s)",
        "alerts at T: " + json.dumps(result["alerts_at_as_of"]),
        f"load at the starts: {min(s['load']):.2f}-{max(s['load']):.2f}",
    ]
    return "\n".join(lines)


def _timestamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10^6 event rows, 3 rounds")
    parser.add_argument("--events", type=float, default=None, help="event rows (1e7)")
    parser.add_argument("--runs", type=int, default=None, help="timed rounds (5)")
    parser.add_argument("--as-of", type=_timestamp, default=T, help="T, the timed run's as-of")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--report", type=Path, help="print the tables of a results file")
    args = parser.parse_args(argv)
    defaults: dict[str, Any] = {
        "events": 1e6 if args.quick else 1e7,
        "runs": 3 if args.quick else 5,
        "out": RESULTS / f"alerts{'_quick' if args.quick else ''}.json",
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.report is not None:
        print(report(json.loads(args.report.read_text(encoding="utf-8"))))
        return
    results: dict[str, Any] = {"environment": environment(), "runs": args.runs}
    results["result"] = bench(args)
    results["summary"] = summary(results["result"])
    results["environment"]["load_average_at_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(report(results))
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()

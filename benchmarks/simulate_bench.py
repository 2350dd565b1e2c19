"""`segl simulate` against separate runs (issue 11: "90 days hourly (2,160 instants) over
the 10^7-row benchmark data must be at least 20x faster than 2,160 separate runs").

**Data and project.** A scale of the main benchmark (benchmarks/datagen.py, 10^7 event
rows by default), copied to a temporary folder; the journeys project of
benchmarks/journeys_bench.py (the workload with benchmarks/workload_journeys/journeys.segl:
the four canonical journeys, a holdout, quiet hours, caps, a priority).

**What is timed.**
- The simulation: `simulate(loaded, engine, instants)` as `segl simulate` calls it, over
  `--days` days every `--every` until `--as-of` (90 days hourly: 2,160 instants), on an
  empty journey state, `--sim-runs` times (every repetition must give the same decisions).
- Separate runs: `run_loaded` (as `segl run --as-of` runs: load and check the project,
  compile, run in one transaction with the journeys, summarise) at the first
  `--sample-runs` instants of the same schedule on an empty state, `--rounds` times (the
  project's tables dropped between rounds). 2,160 of them would take hours, so their time
  is estimated: the first run (which enters every dormant user into winback) plus
  (instants - 1) x the median of the later runs, each round on its own. The runs' outbox
  must equal the simulation's decisions at those instants (the same message ids and
  statuses): the simulation gives what the runs write.

    .venv/bin/python -m benchmarks.simulate_bench --out benchmarks/results/simulate.json
    .venv/bin/python -m benchmarks.simulate_bench --report benchmarks/results/simulate.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.datagen import DEFAULT_DATA, build_scale, users_for
from benchmarks.journeys_bench import Variant, environment, scratch_copy, store
from segl.runtime import simulate as sim
from segl.runtime.engines import DuckDBEngine
from segl.runtime.outbox import read_outbox
from segl.runtime.run import run_loaded

Decisions = list[dict[str, Any]]


def fingerprint(decisions: Decisions) -> list[tuple[str, str, str]]:
    """What must agree: each decision's run, message id and status."""
    return sorted(
        (f"{d['run_at']:%Y-%m-%d %H:%M}", d["message_id"], d["status"]) for d in decisions
    )


def digest(decisions: Decisions) -> str:
    return hashlib.sha256(json.dumps(fingerprint(decisions)).encode()).hexdigest()[:16]


def time_simulation(
    engine: DuckDBEngine, variant: Variant, moments: list[dt.datetime]
) -> tuple[dict[str, Any], Decisions]:
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    decisions = sim.simulate(variant.loaded(), engine, moments)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    statuses = Counter(d["status"] for d in decisions)
    measured = {"wall": wall, "cpu": cpu, "load": load, "decisions": len(decisions)}
    return measured | {"statuses": dict(statuses), "digest": digest(decisions)}, decisions


def drop_project_tables(engine: DuckDBEngine, variant: Variant) -> None:
    sim.drop_tables(engine, sim.store_tables(store(engine, variant)))


def time_separate_runs(
    engine: DuckDBEngine, variant: Variant, moments: list[dt.datetime]
) -> tuple[list[dict[str, Any]], Decisions]:
    """`segl run` at each instant on an empty state, timed; then the outbox they wrote."""
    drop_project_tables(engine, variant)
    runs: list[dict[str, Any]] = []
    for moment in moments:
        load = os.getloadavg()[0]
        wall, cpu = time.perf_counter(), time.process_time()
        run_loaded(variant.loaded(), engine, moment)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        runs.append({"as_of": f"{moment:%Y-%m-%d %H:%M}", "wall": wall, "cpu": cpu, "load": load})
    outbox = read_outbox(engine, store(engine, variant))
    drop_project_tables(engine, variant)
    return runs, outbox


def estimate(runs: Sequence[dict[str, Any]], instants: int, key: str = "wall") -> float:
    """The first run, plus every other instant at the median of the later runs."""
    later = statistics.median(r[key] for r in runs[1:])
    return float(runs[0][key] + (instants - 1) * later)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    scale = build_scale(args.data, users_for(args.events))
    start = args.as_of - dt.timedelta(days=args.days)
    moments = sim.instants(start, args.as_of, sim.parse_every(args.every))
    sample = moments[: args.sample_runs]
    print(f"simulate: {scale.label}, {len(moments)} instants from {start} every {args.every}")
    result: dict[str, Any] = {"environment": environment(), "scale": scale.label}
    result |= {"instants": len(moments), "from": str(start), "to": str(args.as_of)}
    with scratch_copy(scale, "segl-simulate-") as (engine, variants):
        variant = variants["journeys"]
        result["rounds"] = [
            one_round(engine, variant, moments, sample, r) for r in range(args.rounds)
        ]
    result["summary"] = summary(result)
    return result


def one_round(
    engine: DuckDBEngine,
    variant: Variant,
    moments: list[dt.datetime],
    sample: list[dt.datetime],
    number: int,
) -> dict[str, Any]:
    """The simulation and the sample of separate runs, in alternating order."""
    found: dict[str, Any] = {}
    order = ("simulation", "runs") if number % 2 == 0 else ("runs", "simulation")
    decisions: Decisions = []
    outbox: Decisions = []
    for part in order:
        if part == "simulation":
            found["simulation"], decisions = time_simulation(engine, variant, moments)
            print(f"  round {number}: simulation {found['simulation']['wall']:.1f} s", flush=True)
        else:
            found["runs"], outbox = time_separate_runs(engine, variant, sample)
            walls = " ".join(f"{r['wall']:.2f}" for r in found["runs"])
            print(f"  round {number}: runs {walls}", flush=True)
    until = sample[-1]
    simulated = [d for d in decisions if d["run_at"] <= until]
    if fingerprint(simulated) != fingerprint(outbox):
        raise AssertionError(f"round {number}: the simulation differs from the runs at {until}")
    found["agreeing_decisions"] = len(outbox)
    return found


def summary(result: dict[str, Any]) -> dict[str, Any]:
    instants = result["instants"]
    rounds = result["rounds"]
    digests = {r["simulation"]["digest"] for r in rounds}
    if len(digests) != 1:
        raise AssertionError(f"the simulation's repetitions differ: {digests}")
    simulation = [r["simulation"]["wall"] for r in rounds]
    estimated = [estimate(r["runs"], instants) for r in rounds]
    ratios = [e / s for e, s in zip(estimated, simulation, strict=True)]
    return {
        "simulation_wall_median": statistics.median(simulation),
        "simulation_cpu_median": statistics.median(r["simulation"]["cpu"] for r in rounds),
        "per_instant_median": statistics.median(simulation) / instants,
        "first_run_median": statistics.median(r["runs"][0]["wall"] for r in rounds),
        "later_run_median": statistics.median(
            statistics.median(x["wall"] for x in r["runs"][1:]) for r in rounds
        ),
        "separate_runs_estimated_median": statistics.median(estimated),
        "ratio_same_round": ratios,
        "ratio_median": statistics.median(ratios),
        "decisions": rounds[0]["simulation"]["decisions"],
        "statuses": rounds[0]["simulation"]["statuses"],
    }


def report(result: dict[str, Any]) -> str:
    s = result["summary"]
    span = f"{result['instants']} instants from {result['from']} to {result['to']}"
    wall, cpu = s["simulation_wall_median"], s["simulation_cpu_median"]
    per_instant = s["per_instant_median"] * 1000
    first, later = s["first_run_median"], s["later_run_median"]
    estimated = s["separate_runs_estimated_median"]
    ratios = " ".join(f"{r:.1f}" for r in s["ratio_same_round"])
    lines = [
        f"{result['scale']}: {span}",
        f"simulation: {wall:.1f} s (median; CPU {cpu:.1f} s), {per_instant:.0f} ms an instant,"
        f" {s['decisions']:,} decisions {s['statuses']}",
        f"separate runs: first {first:.2f} s, later {later:.2f} s (medians);"
        f" {result['instants']} runs estimated at {estimated:.0f} s",
        f"ratio (same round): {ratios}; median {s['ratio_median']:.1f}x",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--events", type=float, default=1e7)
    parser.add_argument(
        "--as-of", type=dt.datetime.fromisoformat, default=dt.datetime(2026, 10, 31, 12)
    )
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--every", default="1h")
    parser.add_argument("--sample-runs", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--report", type=Path, help="print the tables of a results file")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.report is not None:
        print(report(json.loads(args.report.read_text(encoding="utf-8"))))
        return
    result = measure(args)
    print(report(result))
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()

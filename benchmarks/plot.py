"""Plot run time against event rows for segl, hand-written SQL and polars (log-log, with a
linear-growth guide through segl's largest point, where fixed costs matter least) from a
harness results file.

Run: .venv/bin/python -m benchmarks.plot benchmarks/results/full.json benchmarks/scaling.png
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

PLOTTED = ("segl", "hand SQL", "polars")


def series(results: dict[str, Any], method: str) -> tuple[list[int], list[float]]:
    points = [
        (scale["event_rows"], statistics.median(scale["methods"][method]["runs"]))
        for scale in results["scales"]
        if method in scale["methods"]
    ]
    points.sort()
    return [p[0] for p in points], [p[1] for p in points]


def plot(results: dict[str, Any], out: Path) -> None:
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for method in PLOTTED:
        events, seconds = series(results, method)
        if events:
            axes.plot(events, seconds, marker="o", label=method)
    events, seconds = series(results, "segl")
    if events:
        guide = [seconds[-1] * e / events[-1] for e in events]
        axes.plot(events, guide, linestyle=":", color="grey", label="linear growth (slope 1)")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("event rows (events + orders)")
    axes.set_ylabel("run time, median (s)")
    environment = results["environment"]
    axes.set_title(f"Workload run time, DuckDB {environment['duckdb']}, {environment['machine']}")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(out, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    plot(json.loads(args.results.read_text(encoding="utf-8")), args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

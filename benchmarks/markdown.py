"""Render a harness results file as the Markdown tables of BENCHMARKS.md: per scale, each
method's median wall time, median CPU time and ratio to segl, and the runs.

Run: .venv/bin/python -m benchmarks.markdown benchmarks/results/full.json
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any


def scale_table(scale: dict[str, Any]) -> str:
    methods = scale["methods"]
    segl = statistics.median(methods["segl"]["runs"])
    lines = [
        f"**{scale['event_rows']:,} event rows, {scale['users']:,} users**",
        "",
        "| method | median wall | median CPU | wall ÷ segl wall | runs (wall, s) |",
        "|---|---:|---:|---:|---|",
    ]
    for name, entry in methods.items():
        wall = statistics.median(entry["runs"])
        cpu = statistics.median(entry["cpu"])
        ratio = "1" if name == "segl" else f"{wall / segl:.2f}"
        runs = " ".join(f"{r:.2f}" for r in entry["runs"])
        lines.append(f"| {name} | {wall:.2f} s | {cpu:.2f} s | {ratio} | {runs} |")
    return "\n".join(lines)


def render(results: dict[str, Any]) -> str:
    parts = [scale_table(scale) for scale in results["scales"]]
    if "compile" in results:
        runs = results["compile"]["runs"]
        listed = " ".join(f"{r:.3f}" for r in runs)
        parts.append(
            f"Compile only, 1,000 segments over 300 tags: median "
            f"{statistics.median(runs):.3f} s (runs: {listed})"
        )
    return "\n\n".join(parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", type=Path)
    args = parser.parse_args()
    print(render(json.loads(args.results.read_text(encoding="utf-8"))), end="")


if __name__ == "__main__":
    main()

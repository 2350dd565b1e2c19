"""Compile-time benchmark: parse + check + compile of 1,000 segments over 300 tags.

Run: .venv/bin/python -m benchmarks.compile_bench [--runs 7]
Prints the median and every run, per stage, in seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import time
from importlib.metadata import version

from segl.compiler.checker import check_programs
from segl.compiler.script import compile_run
from segl.compiler.targets import get_target
from segl.dsl.parser import parse_program

SOURCES = """
source users from table "users" key user_id {
    city: string
    gender: string
    registered_at: timestamp
    balance: number
}
source orders from table "orders" user user_id time paid_at {
    brand: string
    category: string
    amount: number
    coupon_id: string
}
source events from table "events" user user_id time ts {
    name: string
    channel: string
}
"""

BRANDS = ["Shiseido", "Lancome", "SK-II", "Olay", "Clinique"]
EVENTS = ["visit", "push_click", "add_cart", "coupon_claim"]
AGGREGATES = ["count(orders", "sum(orders.amount", "max(orders.amount", "avg(orders.amount"]


def tag_line(i: int) -> str:
    """300 tags: aggregates over both event sources with filters and windows, and derived tags."""
    if i % 3 == 0:
        name = EVENTS[i % len(EVENTS)]
        return f'tag t{i} = count(events where name == "{name}" in last {i % 90 + 1} days)'
    if i % 3 == 1:
        agg = AGGREGATES[i % len(AGGREGATES)]
        brand = BRANDS[i % len(BRANDS)]
        return f'tag t{i} = {agg} where brand == "{brand}" in last {i % 12 + 1} months)'
    return f"tag t{i} = t{i - 1} + t{i - 2} * 2"


def segment_line(i: int, tags: int) -> str:
    a, b, c = i % tags, (i * 7) % tags, (i * 13) % tags
    return (
        f'segment s{i} = t{a} >= {i % 5} and (t{b} > {i % 7} or users.city == "Beijing")'
        f" and not t{c} < 1"
    )


def project_text(tags: int = 300, segments: int = 1000) -> str:
    lines = [SOURCES]
    lines += [tag_line(i) for i in range(tags)]
    lines += [segment_line(i, tags) for i in range(segments)]
    return "\n".join(lines) + "\n"


def measure(text: str) -> dict[str, float]:
    as_of = dt.datetime(2026, 11, 1)
    started = time.perf_counter()
    program = parse_program(text, "bench.segl")
    parsed = time.perf_counter()
    project, diagnostics = check_programs([program])
    assert project is not None, diagnostics[:3]
    checked = time.perf_counter()
    compiled = compile_run(project, as_of, get_target("duckdb"))
    compiled.script()  # what `segl compile` writes and `segl run` executes
    done = time.perf_counter()
    return {
        "parse": parsed - started,
        "check": checked - parsed,
        "compile": done - checked,
        "total": done - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tags", type=int, default=300)
    parser.add_argument("--segments", type=int, default=1000)
    args = parser.parse_args()
    text = project_text(args.tags, args.segments)
    measure(text)  # warm-up: builds the parser tables once, as a long-lived process would
    runs = [measure(text) for _ in range(args.runs)]
    print(f"python {platform.python_version()}, sqlglot {version('sqlglot')}")
    print(f"{args.segments} segments over {args.tags} tags, {len(text):,} bytes, {args.runs} runs")
    for stage in ("parse", "check", "compile", "total"):
        values = [r[stage] for r in runs]
        listed = " ".join(f"{v:.3f}" for v in values)
        print(f"{stage:8} median {statistics.median(values):.3f} s   runs: {listed}")


if __name__ == "__main__":
    main()

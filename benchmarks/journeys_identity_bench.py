"""What the exits' look-back costs a journeys run with an identity (docs/journeys.md,
"Persons that merge between runs", "Exits"): examples/retail (identity over member
numbers, WeChat openids and app devices; five journeys, three with `exit on`) on the demo
warehouse at `--users` users (300,000: about 1.3 x 10^7 rows), a daily schedule of
`--days` runs before T, then the run at T timed `--runs` rounds with the look-back on
(as shipped) and off (`JourneyRun._relinked` patched to find no person), the order
alternating, the rows of as-of T deleted before each run. Every run must write the same
outbox (on this data no look-back ends an entry; the worked cases in
tests/test_journeys_identity.py are where it does).

Run: .venv/bin/python -m benchmarks.journeys_identity_bench --users 300000 --runs 6
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.journeys_bench import Variant, environment, reset_at
from segl.runtime.demo_data import build_demo_warehouse
from segl.runtime.engines import DuckDBEngine
from segl.runtime.journeys import JourneyRun
from segl.runtime.run import run_loaded

HERE = Path(__file__).parent
RETAIL = HERE.parent / "examples" / "retail"
T = dt.datetime(2026, 10, 31, 12)  # the demo's data ends at 2026-11-01 00:00


@contextmanager
def look_back(enabled: bool) -> Iterator[dict[str, float]]:
    """JourneyRun with the look-back on or off; yields the run's prepare seconds and how
    many persons were relinked (filled in when the run ends)."""
    measured: dict[str, float] = {"prepare": 0.0, "relinked": 0.0}
    prepare, relinked = JourneyRun.prepare, JourneyRun._relinked

    def timed_prepare(self: JourneyRun) -> Any:
        started = time.perf_counter()
        try:
            return prepare(self)
        finally:
            measured["prepare"] += time.perf_counter() - started

    def counted(self: JourneyRun, since: dt.datetime) -> set[object]:
        found = relinked(self, since) if enabled else set()
        measured["relinked"] = len(found)
        return found

    JourneyRun.prepare = timed_prepare  # type: ignore[method-assign]
    JourneyRun._relinked = counted  # type: ignore[method-assign]
    try:
        yield measured
    finally:
        JourneyRun.prepare = prepare  # type: ignore[method-assign]
        JourneyRun._relinked = relinked  # type: ignore[method-assign]


def outbox_at(engine: DuckDBEngine, as_of: dt.datetime) -> list[tuple[Any, ...]]:
    query = "SELECT count(*), sum(hash(message_id, status, due_at)) FROM segl_retail_outbox"
    return engine.connection.execute(query + " WHERE as_of = ?", [as_of]).fetchall()


def measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    database = folder / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        rows = build_demo_warehouse(con, users=args.users)
    project = folder / "retail"
    shutil.copytree(RETAIL, project)
    variant = Variant("retail", project)
    engine = DuckDBEngine(str(database))
    try:
        for days in range(args.days, 0, -1):
            run_loaded(variant.loaded(), engine, T - dt.timedelta(days=days))
        rounds: dict[str, list[dict[str, float]]] = {"on": [], "off": []}
        outboxes = set()
        for number in range(args.runs):
            for mode in ("on", "off") if number % 2 == 0 else ("off", "on"):
                reset_at(engine, variant, T)
                with look_back(mode == "on") as measured:
                    started = time.perf_counter()
                    run_loaded(variant.loaded(), engine, T)
                    measured["run"] = time.perf_counter() - started
                rounds[mode].append(dict(measured))
                outboxes.add(repr(outbox_at(engine, T)))
                print(f"  {mode}: {measured}", flush=True)
        if len(outboxes) != 1:
            raise AssertionError(f"the runs wrote different outboxes: {outboxes}")
    finally:
        engine.close()
    medians = {
        mode: {key: statistics.median(r[key] for r in runs) for key in ("run", "prepare")}
        for mode, runs in rounds.items()
    }
    return {"rows": rows, "rounds": rounds, "medians": medians, "outbox": outboxes.pop()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300_000)
    parser.add_argument("--days", type=int, default=7, help="daily runs before T")
    parser.add_argument("--runs", type=int, default=6, help="timed rounds of each mode")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    found: dict[str, Any] = {"environment": environment()}
    with tempfile.TemporaryDirectory(prefix="segl-idj-") as work:
        found.update(measure(args, Path(work)))
    print(json.dumps(found["medians"], indent=2))
    if args.out is not None:
        args.out.write_text(json.dumps(found, indent=1, default=str) + "\n", "utf-8")


if __name__ == "__main__":
    main()

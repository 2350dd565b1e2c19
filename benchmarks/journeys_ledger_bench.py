"""Journeys: does a run's journey work grow with the journeys' own history (the ledger)?

Each run reads a journey's active entries from its ledger (`_journey_entries`: one row per
entry, exit and completion, never deleted). Until the markers kept `active_since` (the
earliest entry still active after their run), that read grouped the journey's whole ledger
at every run, so a year of a journey like `thanks` (an entry per order) made every run
slower. Now a run reads the ledger from its journey's last `active_since` on.

**What is timed.** The `journeys` project of benchmarks/journeys_bench.py (the workload
with the four canonical journeys) on a scale of the main benchmark: a daily schedule at
12:00 for `--days` days before T builds the state, then the ledger is padded with
`--ledger` rows of ended `thanks` entries (an `enter` and a `done` row each, entry times
spread over the year before the schedule's first run, users of the universe): the history
a year of runs would leave, which changes no decision (`thanks` re-enters after 0 days;
ended entries block nobody). The run at T is then timed `--runs` times per way of reading,
alternating: `bounded` (the runtime as it is) and `whole ledger` (the same runtime with the
bound taken out of its two ledger queries, as before). Every repetition must write the same
outbox and ledger rows at T. Only the ledger is padded: the outbox's older rows are read by
time ranges already (decided steps from the oldest active entry, sends of the caps' span).

Run: .venv/bin/python -m benchmarks.journeys_ledger_bench --events 1e6 --ledger 0 1e6 1e7 2e7
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import statistics
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from benchmarks.datagen import DEFAULT_DATA, build_scale, users_for
from benchmarks.journeys_bench import (
    DAY,
    T,
    Variant,
    environment,
    measure,
    reset_at,
    scratch_copy,
    store,
    written_at,
)
from segl.compiler.journeys import facts
from segl.runtime.engines import DuckDBEngine

WAYS = ("bounded", "whole ledger")
YEAR = dt.timedelta(days=365)


@contextlib.contextmanager
def reading(way: str) -> Iterator[None]:
    """The runtime's ledger queries as they are, or without their bound (`whole ledger`:
    compiler/journeys/facts.py's two queries called with no `since`)."""
    if way == "bounded":
        yield
        return
    active, blocked = facts.active_entries, facts.blocked_users

    def whole_active(target: Any, entries: str, journey: str, last: Any, since: Any) -> Any:
        return active(target, entries, journey, last, None)

    def whole_blocked(target: Any, entries: str, journey: Any, last: Any, *rest: Any) -> Any:
        return blocked(target, entries, journey, last, rest[0])

    setattr(facts, "active_entries", whole_active)  # noqa: B010 - runtime calls facts.<name>
    setattr(facts, "blocked_users", whole_blocked)  # noqa: B010
    try:
        yield
    finally:
        setattr(facts, "active_entries", active)  # noqa: B010
        setattr(facts, "blocked_users", blocked)  # noqa: B010


def pad_ledger(engine: DuckDBEngine, variant: Variant, rows: int, before: dt.datetime) -> None:
    """`rows` ledger rows of ended `thanks` entries in the year before `before`, each
    committed by a run a day after its entry (users of the universe, in turn)."""
    if rows <= 0:
        return
    ledger = store(engine, variant).journey_entries.name
    entries = rows // 2
    step = YEAR.total_seconds() / max(entries, 1)
    counted = engine.connection.execute("SELECT count(*) FROM users").fetchone()
    users = counted[0] if counted else 0
    # each entry's user by a hash join on its number (a join on `i % count(*)` of a
    # subquery made DuckDB compare every pair)
    engine.connection.execute(
        f"""INSERT INTO "{ledger}"
            WITH numbered AS (SELECT user_id, row_number() OVER (ORDER BY user_id) - 1 AS n
                              FROM users),
                 entries AS (
                   SELECT i % ? AS n, CAST(? AS TIMESTAMP) - INTERVAL 365 DAY
                             + to_microseconds(CAST(i * ? * 1e6 AS BIGINT)) AS entry_at
                   FROM range(?) AS t(i))
            SELECT e.entry_at + INTERVAL 1 DAY, 'thanks', u.user_id, e.entry_at, c.change,
                   CASE WHEN c.change = 'enter' THEN e.entry_at
                        ELSE e.entry_at + INTERVAL 1 DAY END
            FROM entries AS e
            JOIN numbered AS u ON u.n = e.n
            CROSS JOIN (VALUES ('enter'), ('done')) AS c(change)""",
        [users, before - DAY, step, entries],
    )
    engine.connection.execute("CHECKPOINT")


def timed_run(engine: DuckDBEngine, variant: Variant, way: str) -> dict[str, Any]:
    reset_at(engine, variant, T)
    with reading(way):
        found = measure(engine, variant, T)
    found["written"] = written_at(engine, variant, T)
    return found


def one_ledger(args: argparse.Namespace, padding: int) -> dict[str, Any]:
    scale = build_scale(args.data, users_for(args.events))
    schedule = [T - k * DAY for k in range(args.days, 0, -1)]
    with scratch_copy(scale, "segl-ledger-") as (engine, variants):
        variant = variants["journeys"]
        for when in schedule:
            measure(engine, variant, when)
        pad_ledger(engine, variant, padding, schedule[0])
        ledger = store(engine, variant).journey_entries.name
        counted = engine.connection.execute(f'SELECT count(*) FROM "{ledger}"').fetchone()
        size = counted[0] if counted else 0
        runs: dict[str, list[dict[str, Any]]] = {way: [] for way in WAYS}
        for round_number in range(args.runs):
            order = WAYS if round_number % 2 == 0 else WAYS[::-1]
            for way in order:
                runs[way].append(timed_run(engine, variant, way))
        written = {json.dumps(r["written"], sort_keys=True) for w in WAYS for r in runs[w]}
        if len(written) != 1:
            raise SystemExit(f"the runs at T wrote different rows: {sorted(written)}")
    result = {
        "padding": padding,
        "ledger_rows": int(size),
        "written": json.loads(written.pop()),
        "runs": {w: [{k: r[k] for k in ("wall", "cpu", "prepare")} for r in runs[w]] for w in WAYS},
    }
    print(summary_line(result), flush=True)
    return result


def summary_line(result: dict[str, Any]) -> str:
    parts = [f"ledger {result['ledger_rows']:,} rows:"]
    for way in WAYS:
        runs = result["runs"][way]
        wall = statistics.median(r["wall"] for r in runs)
        prepare = statistics.median(r["prepare"] for r in runs)
        parts.append(f"{way} run {wall:.2f} s (prepare {prepare:.2f} s);")
    return " ".join(parts)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=float, default=1e6, help="event rows of the scale")
    parser.add_argument("--ledger", type=float, nargs="+", default=[0, 1e6, 1e7])
    parser.add_argument("--days", type=int, default=7, help="daily runs before T")
    parser.add_argument("--runs", type=int, default=5, help="timed runs at T per way")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    results = {
        "environment": environment(),
        "arguments": {"events": args.events, "days": args.days, "runs": args.runs},
        "ledgers": [one_ledger(args, int(padding)) for padding in args.ledger],
    }
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()

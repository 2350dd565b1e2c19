"""Journeys in the main run (SPEC §2.6, §3.2) on DuckDB: what deciding the canonical
journeys adds to a scheduled `segl run`, and whether that work grows with the history of
events (it should grow with the new events and the active entries only).

**The projects.** The workload of benchmarks/workload (60 tags, 100 segments, 3
layerings) as two projects with their own result tables: `plain` (the workload as it is)
and `journeys` (the same files plus benchmarks/workload_journeys/journeys.segl: the four
canonical journeys of SPEC §2.6 adapted to the workload's sources and tags: onboarding on
`register` events, thanks on every order with `reenter after 0 days` and a payload,
winback `enter when days_since(last_visit_at) >= 30` with a computed payload,
first_purchase on `enter on first orders`; a 5 % holdout, quiet hours, three caps and a
priority).

**Instrumenting.** `JourneyRun.start` (runtime/journeys.py: right after the run's result
table is made, reads the journey state and the interval's facts, then decides the steps,
caps and outbox rows in a thread while the run writes its tags, members and layers),
`JourneyRun.prepare` (waits for that thread, stages the rows) and `JourneyRun.statements`
are wrapped from here, not edited: each run records "prepare", the wall and CPU seconds
the journeys take on the run's own thread (start and prepare), the deciding thread's
seconds, every query sent (labelled by the journey and the step that sent it), the time
of each labelled step, the rows staged, and "journey SQL": prepare plus writing the
ledger, outbox and markers. The whole run is timed as the main harness times segl: load
and check the project, verify the sources, compile, run in one transaction, summarise.

**Staging.** The runtime stages the ledger, outbox and marker rows with
`DuckDBEngine.create_table`. Until commit 3fc7fc6 that was an `executemany` INSERT (one
statement per row), and the first measurements timed the journeys runs twice
(`--staging runtime columnar`): as the runtime did it, and as a what-if of this benchmark
where the same table gets the same rows by one `INSERT ... SELECT unnest(?), ...` of a
list per column (every such run must write the same outbox and ledger rows). Since
3fc7fc6 the runtime stages that way itself, so `runtime` (the default) is what is timed.

**Part `steady`** (target: "a run with the retail journeys at 10^7 event rows costs at
most 1.3x the same run without journeys"). A scale of the main benchmark
(benchmarks/datagen.py; copied to a temporary folder). Both projects run a daily
schedule at 12:00 for `--days` days before T (Saturday 2026-10-31 12:00 by default), so
that the journeys project has state at T - 1 day: active entries, a ledger, an outbox. The
schedule's first run (the one that enters every dormant user into winback) is timed
`--first-runs` times (its rows deleted between repetitions). Then the run at T of each
project, `--runs` interleaved rounds (the order alternating), the rows of as-of T deleted
before each run (untimed, as the harness empties its tables), so every repetition is the
same steady-state run. With `--hourly N` the last N hours before T are run hourly
instead (23: the timed run at T decides one hour of events, the cadence a journey that
welcomes "within 1 hour after registration" needs). Correctness: both projects store the
same members and layers at T (up to the harness's floating-point ties), and every
repetition of the journeys run at T writes the same outbox and ledger rows.

**Part `history`** (target: "the same 10^5 new events over 10^6, 10^7 and 10^8 rows of
history, within 1.5x of each other"). One universe and the same new events, histories of
different sizes: a base scale (`--base-events`, 10^6 event rows by default: 34,554 users)
cut at T (nothing after it); P = T - L, with L the shortest whole number of hours holding
`--new` event rows (events + orders) in [P, T); the schedule runs at T - 3L, T - 2L, P,
then the timed run at T. The history grows with copies of the base's rows before the
schedule's first run (S0 = T - 3L), each shifted back by k x 104 weeks (k = 1, 2, ...; the
last copy a hash sample) until the rows before P number `--history`. The copies lie before
every window of every tag and journey (the base starts 2024-11-01), hold no order of a user
whose first order comes at or after S0 and change no latest visit: each warehouse has the
same new events, the same active entries and the same decisions (checked: the outbox and
ledger rows written at T are identical), only more history. The tables are stored sorted
by user and time as the generator writes them (`--layout user`: every row group spans
every period, so no time filter can skip one), or by time (`--layout time`: an append-only
event log). The warehouses are built once and cached under the data folder. Rounds
interleave the history sizes (each size's plain and journeys runs in every round) so that
the sizes are compared at the same moments of the machine.

`--profile` adds one more run at T of the journeys project per staging under cProfile
(the top functions), with DuckDB's EXPLAIN ANALYZE of every query prepare sends that
takes longer than 0.1 s.

Run: .venv/bin/python -m benchmarks.journeys_bench --quick    (both parts, small: ~6 min)
     .venv/bin/python -m benchmarks.journeys_bench --part steady --events 1e7 --runs 5
     .venv/bin/python -m benchmarks.journeys_bench --part history --history 1e6 1e7 1e8
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import functools
import io
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from benchmarks.datagen import DEFAULT_DATA, Scale, build_scale, users_for
from benchmarks.harness import FLOAT_TIE_SHARE
from benchmarks.methods import copy_workload
from segl.compiler.journeys import model
from segl.compiler.sqlgen import render, table_ref
from segl.compiler.store import Store
from segl.compiler.types import Type
from segl.runtime import journeys as segl_journeys
from segl.runtime.engines import DuckDBEngine
from segl.runtime.journeys import JourneyRun
from segl.runtime.project import LoadedProject, load_project
from segl.runtime.run import run_loaded, store_of

HERE = Path(__file__).parent
JOURNEYS_FILE = HERE / "workload_journeys" / "journeys.segl"
RESULTS = HERE / "results"
T = dt.datetime(2026, 10, 31, 12)  # a Saturday: the week's winback entries are due
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
COPY_SHIFT_DAYS = 728  # 104 weeks: a shifted copy keeps every weekday
VARIANTS = ("plain", "journeys")
EXPLAIN_ABOVE = 0.1  # seconds: queries of a profiled run explained
EVENT_TABLES = (("events", "ts"), ("orders", "paid_at"))


class Mismatch(Exception):
    """Two runs that must store the same rows did not."""


# ---------------------------------------------------------------- the projects


@dataclass(frozen=True)
class Variant:
    name: str
    folder: Path

    def loaded(self) -> LoadedProject:
        return load_project(self.folder)


def write_variants(root: Path) -> dict[str, Variant]:
    """The workload as `bench_plain`, and with the journeys as `bench_journeys`."""
    variants: dict[str, Variant] = {}
    for name in VARIANTS:
        extra = JOURNEYS_FILE if name == "journeys" else None
        variants[name] = Variant(name, copy_workload(root, f"bench_{name}", extra))
    return variants


def store(engine: DuckDBEngine, variant: Variant) -> Store:
    return store_of(variant.loaded(), engine)


def reset_at(engine: DuckDBEngine, variant: Variant, as_of: dt.datetime) -> None:
    """Delete the rows the variant's run at `as_of` wrote (every table of the run keyed by
    its run keys), so that the next run at `as_of` is the same run again."""
    tables = store(engine, variant)
    con = engine.connection
    values = {"project": tables.project.name, "as_of": as_of}
    for table in tables.history:
        if engine.columns_of(table.name) is None:
            continue
        where = " AND ".join(f'"{key}" = ?' for key in table.run_keys)
        con.execute(
            f'DELETE FROM "{table.name}" WHERE {where}', [values[k] for k in table.run_keys]
        )
    con.execute("CHECKPOINT")


# ---------------------------------------------------------------- instrumenting

# JourneyRun's steps whose time (and queries) are labelled, where the runtime has them
# (runtime/journeys.py changes; a step it no longer has is left out). A step called with a
# journey as its first argument names the journey of the steps it calls.
CONTEXTS = {
    "_previous_runs": "previous runs",
    "_entries": "ledger and outbox",
    "_active": "active entries",
    "_enter": "enter",
    "_first_events": "events",
    "_values": "per-user values",
    "_exits": "exits",
    "_exit_events": "events",
    "_apply_caps": "caps",
    "_sent_before": "messages sent before",
    "_stage_later": "staging (made ready)",
}
OUTSIDE_JOURNEYS = {"_previous_runs", "_apply_caps", "_sent_before", "_stage_later"}
# the steps of those run by the deciding thread, not by `start` on the run's thread
IN_THE_THREAD = {CONTEXTS[name] for name in ("_apply_caps", "_sent_before", "_stage_later")}


@dataclass
class Probe:
    """What the journeys of one run cost, filled in by the wrappers of `probing`."""

    explain: bool = False  # EXPLAIN ANALYZE the slow queries (a profiling run only)
    prepare: float | None = None
    prepare_cpu: float | None = None
    journey_sql: float | None = None
    deciding_thread: float | None = None  # seconds of the thread start begins
    read: float = 0.0  # start's seconds
    read_cpu: float = 0.0
    started: float = 0.0
    journey: str = ""
    stack: list[str] = field(default_factory=list)
    contexts: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    queries: list[dict[str, Any]] = field(default_factory=list)
    staged_rows: int = 0
    plans: list[dict[str, Any]] = field(default_factory=list)

    def label(self) -> str:
        return " > ".join(self.stack)

    def measures(self) -> dict[str, Any]:
        contexts = dict(self.contexts)
        if self.prepare is not None:  # the reading's time outside its labelled steps
            read = [s for label, s in contexts.items() if " > " not in label]
            top = sum(read) - sum(contexts.get(label, 0.0) for label in IN_THE_THREAD)
            contexts["(the rest of the reading: merging, next checks, assignments)"] = (
                self.read - top
            )
        found: dict[str, Any] = {
            "prepare": self.prepare,
            "prepare_cpu": self.prepare_cpu,
            "journey_sql": self.journey_sql,
            "deciding_thread": self.deciding_thread,
            "read": self.read,
            "query_seconds": sum(q["seconds"] for q in self.queries),
            "staged_rows": self.staged_rows,
            "contexts": contexts,
            "queries": self.queries,
        }
        if self.plans:
            found["plans"] = self.plans
        return found


def statement_label(sql: str, width: int = 110) -> str:
    return re.sub(r"\s+", " ", sql).strip()[:width]


PLAN_WIDTH = 160  # a plan's lines are cut here: an IN list of 10^4 users fills a box


def shortened(plan: str) -> str:
    return "\n".join(line.rstrip()[:PLAN_WIDTH] for line in plan.splitlines())


@contextlib.contextmanager
def probing(probe: Probe) -> Iterator[None]:
    """Wrap JourneyRun.start, .prepare, .statements, the deciding thread's work and the
    steps named in CONTEXTS for the duration (restored after): the measures go to
    `probe`."""
    originals: dict[str, Any] = {}

    def context(name: str, what: str) -> Callable[..., Any]:
        original = originals[name]

        @functools.wraps(original)
        def wrapper(run: JourneyRun, *args: Any, **kwargs: Any) -> Any:
            if args and isinstance(args[0], model.Journey):
                probe.journey = args[0].name
            label = what
            if name in ("_first_events", "_exit_events"):
                label = f"{what} ({args[0].source})"
            if name in OUTSIDE_JOURNEYS:
                probe.stack.append(label)
            else:
                probe.stack.append(f"{probe.journey}: {label}" if not probe.stack else label)
            started = time.perf_counter()
            try:
                return original(run, *args, **kwargs)
            finally:
                probe.contexts[probe.label()] += time.perf_counter() - started
                probe.stack.pop()

        return wrapper

    def start(run: JourneyRun) -> str:
        engine = run.engine
        query, make = engine.query, engine.table_maker

        def logged_query(sql: str) -> list[tuple[Any, ...]]:
            started = time.perf_counter()
            rows = query(sql)
            seconds = time.perf_counter() - started
            probe.queries.append(
                {
                    "context": probe.label(),
                    "seconds": seconds,
                    "rows": len(rows),
                    "sql": statement_label(sql),
                }
            )
            if probe.explain and seconds > EXPLAIN_ABOVE:
                plan = query(f"EXPLAIN ANALYZE {sql}")
                probe.plans.append(
                    {
                        "context": probe.label(),
                        "seconds": seconds,
                        "sql": statement_label(sql, PLAN_WIDTH * 3),
                        "plan": shortened("\n".join(str(row[-1]) for row in plan)),
                    }
                )
            return rows

        def logged_make(table: str, columns: Any, rows: Sequence[Any]) -> Callable[[], None]:
            probe.staged_rows += len(rows)
            return make(table, columns, rows)

        engine.query = logged_query  # type: ignore[method-assign]
        engine.table_maker = logged_make  # type: ignore[method-assign]
        probe.started, cpu = time.perf_counter(), time.thread_time()
        try:
            return str(originals["start"](run))
        finally:
            probe.read = time.perf_counter() - probe.started
            probe.read_cpu = time.thread_time() - cpu

    def prepare(run: JourneyRun) -> str:
        engine = run.engine
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return str(originals["prepare"](run))
        finally:
            probe.prepare = probe.read + time.perf_counter() - started
            probe.prepare_cpu = probe.read_cpu + time.thread_time() - cpu
            probe.started = started - probe.read  # journey SQL: as if it ran in one piece
            with contextlib.suppress(AttributeError):  # not installed: start did not run
                del engine.query
                del engine.table_maker

    def decided(run: JourneyRun, read: Any) -> Any:
        started = time.perf_counter()
        try:
            return originals["_decided"](run, read)
        finally:
            probe.deciding_thread = time.perf_counter() - started

    def statements(run: JourneyRun) -> list[Any]:
        body = list(originals["statements"](run))

        def written() -> str:  # runs right after the journeys' last write
            probe.journey_sql = time.perf_counter() - probe.started
            return "SELECT 1"

        return [*body, written]

    names = [
        "start",
        "prepare",
        "_decided",
        "statements",
        *(n for n in CONTEXTS if hasattr(JourneyRun, n)),
    ]
    for name in names:
        originals[name] = getattr(JourneyRun, name)
    replaced: dict[str, Any] = {
        "start": start,
        "prepare": prepare,
        "_decided": decided,
        "statements": statements,
    }
    for name in names[4:]:
        replaced[name] = context(name, CONTEXTS[name])
    for name, wrapper in replaced.items():
        setattr(JourneyRun, name, wrapper)
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(JourneyRun, name, original)


def columnar_create_table(
    engine: DuckDBEngine,
    table: str,
    columns: Sequence[tuple[str, Type]],
    rows: Sequence[Sequence[Any]],
) -> None:
    """DuckDBEngine.create_table with one INSERT of a list per column (`SELECT unnest(?),
    unnest(?), ...`) instead of `executemany` (an INSERT per row): the same table and rows.
    A what-if of the benchmark (--staging columnar), not the runtime's code."""
    definition = engine.table_definition(table, columns)
    create = render(exp.Create(this=definition, kind="TABLE", replace=True), engine.target)
    engine.connection.execute(create)
    if rows:
        lists = [list(values) for values in zip(*rows, strict=True)]
        unnested = ", ".join("unnest(?)" for _ in columns)
        target = render(table_ref(table), engine.target)
        engine.connection.execute(f"INSERT INTO {target} SELECT {unnested}", lists)


@contextlib.contextmanager
def staging(how: str) -> Iterator[None]:
    """`runtime`: the engine's own create_table; `columnar`: columnar_create_table, through
    `table_maker` (which create_table and the journeys' staging both call; a scratch
    table is left to the engine)."""
    if how == "runtime":
        yield
        return
    original = DuckDBEngine.table_maker

    def columnar(
        engine: DuckDBEngine,
        table: str,
        columns: Sequence[tuple[str, Type]],
        rows: Sequence[Sequence[Any]],
        temporary: bool = False,
    ) -> Callable[[], None]:
        if temporary:
            return original(engine, table, columns, rows, temporary)
        return functools.partial(columnar_create_table, engine, table, columns, rows)

    DuckDBEngine.table_maker = columnar  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        DuckDBEngine.table_maker = original  # type: ignore[method-assign]


@dataclass(frozen=True)
class Mode:
    """How the run at T is made: which project, and how a journeys run stages its rows."""

    name: str
    variant: str
    staging: str = "runtime"


PLAIN = Mode("plain", "plain")
JOURNEYS = Mode("journeys", "journeys")
COLUMNAR = Mode("journeys, columnar staging", "journeys", "columnar")


def modes(args: argparse.Namespace) -> list[Mode]:
    """The plain project, then the journeys project with each staging asked for."""
    return [PLAIN, *(m for m in (JOURNEYS, COLUMNAR) if m.staging in args.staging)]


def ordered(found: Sequence[Mode], round_number: int) -> list[Mode]:
    """The modes of a round, the order reversed every other round."""
    return list(found) if round_number % 2 == 0 else list(found)[::-1]


def measure(
    engine: DuckDBEngine,
    variant: Variant,
    as_of: dt.datetime,
    how: str = "runtime",
    explain: bool = False,
) -> dict[str, Any]:
    """One timed run (wall, CPU of all threads of this process, the 1-minute load average
    when it started) with the probe's measures for a project with journeys."""
    probe = Probe(explain=explain)
    load = os.getloadavg()[0]
    with staging(how), probing(probe):
        wall, cpu = time.perf_counter(), time.process_time()
        summary = run_loaded(variant.loaded(), engine, as_of)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    found: dict[str, Any] = {"wall": wall, "cpu": cpu, "load": load}
    if summary.journeys is not None:
        found |= probe.measures()
        found["journeys"] = {
            name: {"entries": s.entries, "exits": s.exits, "statuses": dict(s.statuses)}
            for name, s in summary.journeys.items()
        }
    return found


def measure_mode(
    engine: DuckDBEngine, variants: dict[str, Variant], mode: Mode, as_of: dt.datetime
) -> dict[str, Any]:
    """Delete what the mode's project wrote at `as_of`, then run it again, timed."""
    reset_at(engine, variants[mode.variant], as_of)
    return measure(engine, variants[mode.variant], as_of, mode.staging)


def profile_run(
    engine: DuckDBEngine, variant: Variant, as_of: dt.datetime, how: str, top: int = 30
) -> dict[str, Any]:
    """One more run at `as_of` under cProfile, the slow queries explained."""
    reset_at(engine, variant, as_of)
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        found = measure(engine, variant, as_of, how, explain=True)
    finally:
        profiler.disable()
    found["staging"] = how
    for order in ("cumulative", "tottime"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(order).print_stats(top)
        found[f"cprofile_{order}"] = text.getvalue()
    return found


# ---------------------------------------------------------------- state and checks


def journey_state(engine: DuckDBEngine, variant: Variant, before: dt.datetime) -> dict[str, Any]:
    """The journeys' committed state before `before`: active entries, ledger and outbox
    rows by journey."""
    tables = store(engine, variant)
    con = engine.connection
    ledger, outbox = tables.journey_entries.name, tables.outbox.name
    active = con.execute(
        f"""SELECT journey, count(*) FROM (
                SELECT journey, user_id, entry_at FROM "{ledger}" WHERE as_of < ?
                GROUP BY ALL HAVING bool_and(change = 'enter'))
            GROUP BY journey ORDER BY journey""",
        [before],
    ).fetchall()
    rows = con.execute(
        f'SELECT journey, count(*) FROM "{ledger}" WHERE as_of < ? GROUP BY 1 ORDER BY 1',
        [before],
    ).fetchall()
    sent = con.execute(
        f'SELECT journey, count(*) FROM "{outbox}" WHERE as_of < ? GROUP BY 1 ORDER BY 1',
        [before],
    ).fetchall()
    return {
        "active_entries": {str(j): int(n) for j, n in active},
        "ledger_rows": {str(j): int(n) for j, n in rows},
        "outbox_rows": {str(j): int(n) for j, n in sent},
    }


def written_at(engine: DuckDBEngine, variant: Variant, as_of: dt.datetime) -> dict[str, Any]:
    """A fingerprint of the journey rows the run at `as_of` wrote: counts and
    order-independent hashes of the outbox (message id, status, payload) and ledger."""
    tables = store(engine, variant)
    con = engine.connection
    outbox = con.execute(
        # not the payload: a sum of doubles (spend_30d) may differ in its last bits
        f"""SELECT count(*), coalesce(sum(hash(message_id, status, due_at)), 0)
            FROM "{tables.outbox.name}" WHERE as_of = ?""",
        [as_of],
    ).fetchall()[0]
    ledger = con.execute(
        f"""SELECT count(*),
                   coalesce(sum(hash(journey, user_id, entry_at, change, changed_at)), 0)
            FROM "{tables.journey_entries.name}" WHERE as_of = ?""",
        [as_of],
    ).fetchall()[0]
    statuses = con.execute(
        f"""SELECT status, count(*) FROM "{tables.outbox.name}" WHERE as_of = ?
            GROUP BY 1 ORDER BY 1""",
        [as_of],
    ).fetchall()
    return {
        "outbox_rows": int(outbox[0]),
        "outbox_hash": str(outbox[1]),
        "ledger_rows": int(ledger[0]),
        "ledger_hash": str(ledger[1]),
        "statuses": {str(s): int(n) for s, n in statuses},
    }


def check_same_results(
    engine: DuckDBEngine, variants: dict[str, Variant], as_of: dt.datetime
) -> tuple[dict[str, int], list[str]]:
    """The plain and journeys projects stored the same members and layers at `as_of` (up
    to FLOAT_TIE_SHARE of the rows: a user on a threshold of a sum of doubles) and as
    many tag rows: the journeys add work, not different results."""
    con = engine.connection
    plain, journeys = (store(engine, variants[n]) for n in VARIANTS)
    counts: dict[str, int] = {}
    ties: list[str] = []
    for what, columns, table in (
        ("tag rows", "user_id", "tags"),
        ("members", "segment, user_id", "members"),
        ("layers", "layering, user_id, layer", "layers"),
    ):
        queries = [
            f'SELECT {columns} FROM "{getattr(s, table).name}" WHERE as_of = ?'
            for s in (plain, journeys)
        ]
        counts[what] = int(
            con.execute(f"SELECT count(*) FROM ({queries[0]})", [as_of]).fetchall()[0][0]
        )
        rows: list[Any] = []
        for a, b in (queries, queries[::-1]):
            rows += con.execute(
                f"SELECT * FROM ({a} EXCEPT ALL {b}) LIMIT 100", [as_of, as_of]
            ).fetchall()
        allowed = 0 if what == "tag rows" else int(FLOAT_TIE_SHARE * counts[what])
        detail = f"journeys {what} differ from plain at {as_of}: {rows[:5]}"
        if len(rows) > allowed:
            raise Mismatch(detail)
        if rows:
            ties.append(detail)
    return counts, ties


def new_rows(con: duckdb.DuckDBPyConnection, start: dt.datetime, end: dt.datetime) -> int:
    total = 0
    for table, column in EVENT_TABLES:
        found = con.execute(
            f"SELECT count(*) FROM {table} WHERE {column} >= ? AND {column} < ?", [start, end]
        ).fetchall()
        total += int(found[0][0])
    return total


def event_rows(con: duckdb.DuckDBPyConnection, before: dt.datetime | None = None) -> int:
    total = 0
    for table, column in EVENT_TABLES:
        where = f" WHERE {column} < ?" if before is not None else ""
        params = [before] if before is not None else []
        total += int(con.execute(f"SELECT count(*) FROM {table}{where}", params).fetchall()[0][0])
    return total


# ---------------------------------------------------------------- part steady


@contextlib.contextmanager
def scratch_copy(scale: Scale, prefix: str) -> Iterator[tuple[DuckDBEngine, dict[str, Variant]]]:
    """A copy of the scale's warehouse in a temporary folder, opened, with the two projects
    written beside it (write_variants); closed and removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        work = Path(folder) / "warehouse.duckdb"
        shutil.copyfile(scale.database, work)
        variants = write_variants(Path(folder))
        engine = DuckDBEngine(str(work))
        try:
            yield engine, variants
        finally:
            engine.close()


def steady_schedule(as_of: dt.datetime, days: int, hours: int) -> list[dt.datetime]:
    """Daily runs for `days` days before `as_of`, then, when `hours` > 0, hourly runs in the
    last `hours` hours before it (the timed run at `as_of` then decides one hour)."""
    daily = [as_of - k * DAY for k in range(days, 0, -1)]
    if not hours:
        return daily
    hourly = [as_of - k * HOUR for k in range(hours, 0, -1)]
    return [when for when in daily if when < hourly[0]] + hourly


def steady(args: argparse.Namespace) -> dict[str, Any]:
    scale = build_scale(args.data, users_for(args.events))
    print(f"steady: {scale.label}", flush=True)
    as_of: dt.datetime = args.as_of
    schedule = steady_schedule(as_of, args.days, args.hourly)
    first = schedule[0]
    found_modes = modes(args)
    with scratch_copy(scale, "segl-journeys-") as (engine, variants):
        interval = new_rows(engine.connection, schedule[-1], as_of)
        # the first run of the schedule (which creates the tables), --first-runs times
        first_runs: dict[str, list[dict[str, Any]]] = {m.name: [] for m in found_modes}
        for repetition in range(args.first_runs):
            for mode in ordered(found_modes, repetition):
                first_runs[mode.name].append(measure_mode(engine, variants, mode, first))
            print(f"  first run {first:%Y-%m-%d %H:%M}: {_listed(first_runs)}", flush=True)
        first_written = written_at(engine, variants["journeys"], first)
        schedule_runs: list[dict[str, Any]] = []
        for when in schedule[1:]:
            done = {
                name: measure(engine, variants[name], when, args.schedule_staging)
                for name in VARIANTS
            }
            schedule_runs.append({"as_of": str(when), **done})
            print(
                f"  schedule {when:%Y-%m-%d %H:%M}: plain {done['plain']['wall']:.2f} s,"
                f" journeys {done['journeys']['wall']:.2f} s"
                f" (prepare {done['journeys']['prepare']:.2f} s,"
                f" {args.schedule_staging} staging); load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
        state = journey_state(engine, variants["journeys"], as_of)
        print(f"  state before {as_of:%Y-%m-%d %H:%M}: {json.dumps(state)}", flush=True)
        # the check runs at T: the same results with and without journeys
        for name in VARIANTS:
            wall = measure_mode(engine, variants, Mode(name, name), as_of)["wall"]
            print(f"  {name} (check run at T): {wall:.2f} s", flush=True)
        counts, ties = check_same_results(engine, variants, as_of)
        expected = written_at(engine, variants["journeys"], as_of)
        print(f"  agreement: {counts}, {len(ties)} floating-point ties", flush=True)
        print(f"  written at T: {json.dumps(expected)}", flush=True)
        rounds: dict[str, list[dict[str, Any]]] = {m.name: [] for m in found_modes}
        for round_number in range(args.runs):
            for mode in ordered(found_modes, round_number):
                rounds[mode.name].append(measure_mode(engine, variants, mode, as_of))
                if mode.variant == "journeys":
                    written = written_at(engine, variants["journeys"], as_of)
                    if written != expected:
                        raise Mismatch(f"{mode.name} wrote {written} at T, not {expected}")
            print(f"  round {round_number + 1}/{args.runs}: {_listed(rounds)}", flush=True)
        profiled = {
            how: profile_run(engine, variants["journeys"], as_of, how)
            for how in (
                {m.staging for m in found_modes if m.variant == "journeys"}
                if args.profile
                else set()
            )
        }
    result: dict[str, Any] = {
        "users": scale.users,
        "event_rows": scale.event_rows,
        "as_of": str(as_of),
        "schedule": {
            "first": str(first),
            "runs_before_as_of": len(schedule),
            "every": "1 day",
            "then_every_hour_for": args.hourly,
            "staging_of_the_runs_between": args.schedule_staging,
        },
        "new_event_rows_in_last_day"
        if not args.hourly
        else "new_event_rows_in_last_hour": interval,
        "written_at_first_run": first_written,
        "state_before": state,
        "rows_compared": counts,
        "floating_point_ties": ties,
        "written_at_as_of": expected,
        "first_run": first_runs,
        "schedule_runs": schedule_runs,
        "rounds": rounds,
    }
    if profiled:
        result["profile"] = profiled
    return result


def _listed(runs: dict[str, list[dict[str, Any]]]) -> str:
    parts = []
    for name, measured in runs.items():
        last = measured[-1]
        extra = f" (prepare {last['prepare']:.2f})" if last.get("prepare") is not None else ""
        parts.append(f"{name} {last['wall']:.2f} s{extra}")
    return ", ".join(parts) + f"; load {os.getloadavg()[0]:.2f}"


# ---------------------------------------------------------------- part history


@dataclass(frozen=True)
class Interval:
    """The timed run at T after the schedule S0 = T - runs x L, ..., P = T - L."""

    as_of: dt.datetime
    hours: int  # L

    @property
    def length(self) -> dt.timedelta:
        return dt.timedelta(hours=self.hours)

    def schedule(self, runs: int) -> list[dt.datetime]:
        return [self.as_of - k * self.length for k in range(runs, 0, -1)]


def find_interval(con: duckdb.DuckDBPyConnection, as_of: dt.datetime, new: int) -> Interval:
    """The shortest whole number of hours before `as_of` holding `new` event rows."""
    union = " UNION ALL ".join(
        f"SELECT CAST(ceil((epoch(?::TIMESTAMP) - epoch({column})) / 3600) AS BIGINT) AS h"
        f" FROM {table} WHERE {column} < ?::TIMESTAMP"
        for table, column in EVENT_TABLES
    )
    rows = con.execute(
        f"""SELECT h, sum(count(*)) OVER (ORDER BY h) AS total
            FROM ({union}) GROUP BY h ORDER BY h""",
        [as_of] * 4,
    ).fetchall()
    for hours, total in rows:  # rows in [as_of - hours, as_of)
        if int(total) >= new:
            return Interval(as_of, int(hours))
    raise ValueError(f"fewer than {new} event rows before {as_of}")


def history_folder(data: Path, base: Scale, history: int, layout: str) -> Path:
    return data / f"journeys_users_{base.users}_history_{history}_{layout}"


def build_history(
    data: Path,
    base: Scale,
    interval: Interval,
    schedule_runs: int,
    history: int,
    layout: str,
) -> Path:
    """The base cut at T, with shifted copies of its rows before S0 added until the rows
    before P number `history` (see the docstring); cached by its parameters."""
    schedule = interval.schedule(schedule_runs)
    first, previous = schedule[0], schedule[-1]
    params = {
        "base": str(base.folder),
        "as_of": str(interval.as_of),
        "hours": interval.hours,
        "schedule_runs": schedule_runs,
        "history": history,
        "layout": layout,
        "version": 1,
    }
    folder = history_folder(data, base, history, layout)
    done = folder / "DONE.json"
    if done.exists() and json.loads(done.read_text())["params"] == params:
        return folder / "warehouse.duckdb"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    database = folder / "warehouse.duckdb"
    started = time.perf_counter()
    shutil.copyfile(base.database, database)
    with duckdb.connect(str(database)) as con:
        con.execute(f"SET temp_directory = '{folder / 'spill'}'")
        for table, column in EVENT_TABLES:
            con.execute(f"DELETE FROM {table} WHERE {column} >= ?", [interval.as_of])
        before_p = event_rows(con, previous)
        copied = event_rows(con, first)
        extra = history - before_p
        if extra < 0:
            raise ValueError(
                f"the base alone has {before_p:,} event rows before P: history {history:,}"
                " needs a smaller --base-events"
            )
        copies, fraction = divmod(extra / copied, 1.0)
        whole = int(copies)
        for table, column in EVENT_TABLES:
            shifted = f"t.{column} - to_days({COPY_SHIFT_DAYS} * k)"
            order = f"user_id, {column}" if layout == "user" else f"{column}, user_id"
            con.execute(
                f"""CREATE TABLE {table}_grown AS
                SELECT * FROM (
                    SELECT * FROM {table}
                    UNION ALL
                    SELECT t.* REPLACE ({shifted} AS {column})
                    FROM {table} AS t, range(1, {whole + 1}) AS r(k)
                    WHERE t.{column} < ?
                    UNION ALL
                    SELECT t.* REPLACE ({shifted} AS {column})
                    FROM {table} AS t, range({whole + 1}, {whole + 2}) AS r(k)
                    WHERE t.{column} < ?
                      AND hash(t.user_id, t.{column}, k) % 1000000 < {round(fraction * 1e6)}
                ) ORDER BY {order}""",
                [first, first],
            )
            con.execute(f"DROP TABLE {table}")
            con.execute(f"ALTER TABLE {table}_grown RENAME TO {table}")
        con.execute("CHECKPOINT")
        found = {
            "event_rows": event_rows(con),
            "history_rows": event_rows(con, previous),
            "new_rows": new_rows(con, previous, interval.as_of),
            "whole_copies": whole,
            "sampled_copy_share": round(fraction, 4),
            "oldest": str(
                min(
                    con.execute(f"SELECT min({column}) FROM {table}").fetchall()[0][0]
                    for table, column in EVENT_TABLES
                )
            ),
            "build_seconds": round(time.perf_counter() - started, 1),
        }
    shutil.rmtree(folder / "spill", ignore_errors=True)
    done.write_text(json.dumps({"params": params, "built": found}, indent=2) + "\n")
    print(f"  built {folder}: {json.dumps(found)}", flush=True)
    return database


@dataclass
class Warehouse:
    history: int
    engine: DuckDBEngine
    variants: dict[str, Variant]
    described: dict[str, Any]


def history_part(args: argparse.Namespace) -> dict[str, Any]:
    base = build_scale(args.data, users_for(args.base_events))
    with duckdb.connect(str(base.database), read_only=True) as con:
        interval = find_interval(con, args.as_of, int(args.new))
    schedule = interval.schedule(args.schedule_runs)
    print(
        f"history: base {base.label}; interval {interval.hours} h before {interval.as_of};"
        f" schedule {', '.join(f'{s:%m-%d %H:%M}' for s in schedule)}",
        flush=True,
    )
    sizes = [int(h) for h in args.history]
    found_modes = modes(args)
    results: dict[str, Any] = {
        "base": {"users": base.users, "event_rows": base.event_rows},
        "as_of": str(interval.as_of),
        "interval_hours": interval.hours,
        "schedule": [str(s) for s in schedule],
        "staging_of_the_schedule": args.schedule_staging,
        "layout": args.layout,
        "sizes": {},
    }
    with tempfile.TemporaryDirectory(prefix="segl-journeys-history-") as folder:
        warehouses: list[Warehouse] = []
        try:
            for history in sizes:
                warehouses.append(
                    prepare_warehouse(args, base, interval, history, Path(folder) / str(history))
                )
            check_same_decisions(warehouses)
            rounds: dict[int, dict[str, list[dict[str, Any]]]] = {
                w.history: {m.name: [] for m in found_modes} for w in warehouses
            }
            for round_number in range(args.runs):
                listed = []
                for warehouse in warehouses:
                    runs = rounds[warehouse.history]
                    for mode in ordered(found_modes, round_number):
                        runs[mode.name].append(
                            measure_mode(warehouse.engine, warehouse.variants, mode, interval.as_of)
                        )
                        if mode.variant != "journeys":
                            continue
                        written = written_at(
                            warehouse.engine, warehouse.variants["journeys"], interval.as_of
                        )
                        if written != warehouse.described["written_at_as_of"]:
                            raise Mismatch(f"history {warehouse.history}: {mode.name}: {written}")
                    listed.append(
                        f"{warehouse.history:.0e}: "
                        + " ".join(
                            f"{m.name} {runs[m.name][-1]['wall']:.2f}"
                            + (
                                f" (prepare {runs[m.name][-1]['prepare']:.3f})"
                                if m.variant == "journeys"
                                else ""
                            )
                            for m in found_modes
                        )
                    )
                load = os.getloadavg()[0]
                listing = "; ".join(listed)
                print(f"  round {round_number + 1}/{args.runs}: {listing}; load {load:.2f}")
            for warehouse in warehouses:
                entry = {**warehouse.described, "rounds": rounds[warehouse.history]}
                if args.profile:
                    entry["profile"] = {
                        how: profile_run(
                            warehouse.engine, warehouse.variants["journeys"], interval.as_of, how
                        )
                        for how in {m.staging for m in found_modes if m.variant == "journeys"}
                    }
                results["sizes"][str(warehouse.history)] = entry
        finally:
            for warehouse in warehouses:
                warehouse.engine.close()
    return results


def prepare_warehouse(
    args: argparse.Namespace, base: Scale, interval: Interval, history: int, work: Path
) -> Warehouse:
    """The warehouse with `history` rows of history, copied to `work`, after the
    schedule's runs and a check run at T of each project."""
    source = build_history(args.data, base, interval, args.schedule_runs, history, args.layout)
    work.mkdir(parents=True)
    shutil.copyfile(source, work / "warehouse.duckdb")
    engine = DuckDBEngine(str(work / "warehouse.duckdb"))
    if args.memory_limit:
        engine.connection.execute(f"SET memory_limit = '{args.memory_limit}'")
    variants = write_variants(work)
    built = json.loads((source.parent / "DONE.json").read_text())["built"]
    described: dict[str, Any] = {"built": built, "schedule_runs": []}
    warehouse = Warehouse(history, engine, variants, described)
    for when in interval.schedule(args.schedule_runs):
        done = {n: measure(engine, variants[n], when, args.schedule_staging) for n in VARIANTS}
        described["schedule_runs"].append({"as_of": str(when), **done})
        print(
            f"  history {history:.0e}: schedule {when:%m-%d %H:%M}:"
            f" plain {done['plain']['wall']:.2f} s, journeys {done['journeys']['wall']:.2f} s"
            f" ({args.schedule_staging} staging); load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    described["state_before"] = journey_state(engine, variants["journeys"], interval.as_of)
    for name in VARIANTS:  # the check run at T
        measure_mode(engine, variants, Mode(name, name), interval.as_of)
    described["rows_compared"], described["ties"] = check_same_results(
        engine, variants, interval.as_of
    )
    described["written_at_as_of"] = written_at(engine, variants["journeys"], interval.as_of)
    return warehouse


def check_same_decisions(warehouses: Sequence[Warehouse]) -> None:
    """Every history size has the same active entries before T and writes the same
    journey rows at T: the same new events and state, only the history differs."""
    first = warehouses[0]
    for other in warehouses[1:]:
        for what in ("state_before", "written_at_as_of"):
            if other.described[what] != first.described[what]:
                raise Mismatch(
                    f"history {other.history} {what} {other.described[what]} differs from"
                    f" history {first.history}: {first.described[what]}"
                )
    written = json.dumps(first.described["written_at_as_of"])
    print(f"  same decisions at every history size: {written}", flush=True)


# ---------------------------------------------------------------- reporting


def _median(runs: Sequence[dict[str, Any]], key: str) -> float:
    return statistics.median(float(r[key]) for r in runs)


def _journey_modes(runs: dict[str, list[dict[str, Any]]]) -> list[str]:
    return [name for name in runs if name != PLAIN.name]


def steady_summary(result: dict[str, Any]) -> dict[str, Any]:
    """Medians and ratios to the plain run of each journeys mode, for the run at T and for
    the first run; the same-round ratios are each journeys run over the plain run of its
    round (the same moment of the machine)."""
    summary: dict[str, Any] = {}
    for what in ("rounds", "first_run"):
        runs = result[what]
        plain = runs[PLAIN.name]
        summary[what] = {"plain_wall": _median(plain, "wall"), "plain_cpu": _median(plain, "cpu")}
        for name in _journey_modes(runs):
            journeys = runs[name]
            pairs = list(zip(plain, journeys, strict=True))
            summary[what][name] = {
                "wall": _median(journeys, "wall"),
                "cpu": _median(journeys, "cpu"),
                "ratio_of_medians": _median(journeys, "wall") / _median(plain, "wall"),
                "ratio_same_round": [j["wall"] / p["wall"] for p, j in pairs],
                "ratio_same_round_median": statistics.median(
                    j["wall"] / p["wall"] for p, j in pairs
                ),
                "ratio_cpu_same_round_median": statistics.median(
                    j["cpu"] / p["cpu"] for p, j in pairs
                ),
                "difference_median": statistics.median(j["wall"] - p["wall"] for p, j in pairs),
                "prepare": _median(journeys, "prepare"),
                "prepare_cpu": _median(journeys, "prepare_cpu"),
                "journey_sql": _median(journeys, "journey_sql"),
                "query_seconds": _median(journeys, "query_seconds"),
                "staged_rows": journeys[0]["staged_rows"],
            }
        summary[what]["load"] = [r["load"] for rows in runs.values() for r in rows]
    return summary


def history_summary(result: dict[str, Any]) -> dict[str, Any]:
    """Per history size and journeys mode: medians, and the median over the rounds of each
    measure's ratio to the smallest history's in the same round."""
    sizes = result["sizes"]
    smallest = sizes[min(sizes, key=int)]["rounds"]
    summary: dict[str, Any] = {}
    for size, entry in sizes.items():
        runs = entry["rounds"]
        plain = runs[PLAIN.name]
        found: dict[str, Any] = {
            "history_rows": entry["built"]["history_rows"],
            "new_rows": entry["built"]["new_rows"],
            "plain_wall": _median(plain, "wall"),
        }
        for name in _journey_modes(runs):
            journeys = runs[name]
            base = smallest[name]
            mine: dict[str, Any] = {
                "wall": _median(journeys, "wall"),
                "difference_median": statistics.median(
                    j["wall"] - p["wall"] for p, j in zip(plain, journeys, strict=True)
                ),
            }
            for key in ("prepare", "prepare_cpu", "journey_sql", "query_seconds"):
                mine[key] = _median(journeys, key)
                mine[f"{key}_vs_smallest"] = statistics.median(
                    j[key] / b[key] for j, b in zip(journeys, base, strict=True)
                )
            found[name] = mine
        summary[size] = found
    return summary


def breakdown(run: dict[str, Any]) -> dict[str, float]:
    """Where the journeys' time on the run's thread went (prepare): the queries by kind,
    reading entries and exits in Python, waiting for the deciding thread and making the
    staged tables; and the deciding thread's own seconds (steps, caps and outbox rows,
    overlapping the run's writes of its tags)."""
    queries = run["queries"]

    def seconds(*parts: str) -> float:
        return float(sum(q["seconds"] for q in queries if any(p in q["context"] for p in parts)))

    found = {
        "event queries (enter on, exit on)": seconds("events ("),
        "per-user values": seconds("per-user values"),
        "active entries (ledger, outbox)": seconds("active entries", "ledger and outbox"),
    }
    found["other queries"] = sum(q["seconds"] for q in queries) - sum(found.values())
    waited = run["prepare"] - run.get("read", run["prepare"])
    found["reading (Python)"] = run["prepare"] - waited - sum(found.values())
    found["waiting for the deciding thread, staging"] = waited
    found["prepare"] = run["prepare"]
    found["the deciding thread (overlapping)"] = run.get("deciding_thread") or 0.0
    return found


def breakdown_medians(runs: Sequence[dict[str, Any]]) -> dict[str, float]:
    found = [breakdown(run) for run in runs]
    return {key: statistics.median(f[key] for f in found) for key in found[0]}


def query_medians(runs: Sequence[dict[str, Any]]) -> dict[str, float]:
    """The median seconds of the queries prepare sent, by the step that sent them."""
    labels = sorted({q["context"] for run in runs for q in run["queries"]})
    return {
        label: statistics.median(
            sum(q["seconds"] for q in run["queries"] if q["context"] == label) for run in runs
        )
        for label in labels
    }


def _where_it_goes(lines: list[str], title: str, runs: Sequence[dict[str, Any]]) -> None:
    lines.append(f"{title}: prepare, median seconds")
    for label, value in breakdown_medians(runs).items():
        lines.append(f"  {value:8.3f}  {label}")
    lines.append("  its queries, by the step that sent them:")
    for label, value in query_medians(runs).items():
        lines.append(f"  {value:8.3f}    {label}")


def report(results: dict[str, Any]) -> str:
    lines: list[str] = []
    if "steady" in results:
        result, summary = results["steady"], results["steady_summary"]
        lines.append(
            f"-- steady: {result['event_rows']:,} event rows, {result['users']:,} users,"
            f" run at {result['as_of']} after {result['schedule']['runs_before_as_of']}"
            " daily runs"
        )
        for what, title in (("rounds", "run at T"), ("first_run", "first run")):
            s = summary[what]
            lines.append(f"{title}: plain {s['plain_wall']:.2f} s")
            for name in _journey_modes(result[what]):
                m = s[name]
                lines.append(
                    f"  {name}: {m['wall']:.2f} s; ÷ plain {m['ratio_of_medians']:.2f} (medians),"
                    f" {m['ratio_same_round_median']:.2f} (same round),"
                    f" {m['ratio_cpu_same_round_median']:.2f} (CPU); prepare {m['prepare']:.3f} s"
                    f" (queries {m['query_seconds']:.3f} s), journey SQL {m['journey_sql']:.3f} s,"
                    f" {m['staged_rows']:,} rows staged"
                )
        for name in _journey_modes(result["rounds"]):
            _where_it_goes(lines, f"{name}, run at T", result["rounds"][name])
    if "history" in results:
        history = results["history"]
        lines.append(
            f"-- history ({history['layout']} layout; base {history['base']['users']:,} users,"
            f" interval {history['interval_hours']} h)"
        )
        summary = results["history_summary"]
        for name in _journey_modes(next(iter(history["sizes"].values()))["rounds"]):
            lines.append(
                f"{name}: {'history rows':>14} {'new':>7} {'plain s':>8} {'run s':>7}"
                f" {'prepare s':>9} {'÷ min':>6} {'queries s':>9} {'÷ min':>6}"
                f" {'jSQL s':>7} {'÷ min':>6}"
            )
            for s in summary.values():
                m = s[name]
                lines.append(
                    f"{'':{len(name) + 1}} {s['history_rows']:>14,} {s['new_rows']:>7,}"
                    f" {s['plain_wall']:>8.2f} {m['wall']:>7.2f} {m['prepare']:>9.3f}"
                    f" {m['prepare_vs_smallest']:>6.2f} {m['query_seconds']:>9.3f}"
                    f" {m['query_seconds_vs_smallest']:>6.2f} {m['journey_sql']:>7.3f}"
                    f" {m['journey_sql_vs_smallest']:>6.2f}"
                )
        for size, entry in history["sizes"].items():
            for name in _journey_modes(entry["rounds"]):
                _where_it_goes(lines, f"history {int(size):,}, {name}", entry["rounds"][name])
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _git(*args: str) -> str:
    try:
        found = subprocess.run(
            ["git", *args], cwd=HERE.parent, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return found.stdout.strip()


def environment() -> dict[str, Any]:
    from importlib.metadata import version

    found: dict[str, Any] = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "sqlglot": version("sqlglot"),
        "machine": f"{_cpu_model()}, {len(os.sched_getaffinity(0))} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB",
        "load_average_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    # segl is the working copy, or a clean export of a commit put first on PYTHONPATH
    # (BENCHMARKS.md), whose folder's parent holds a file COMMIT
    imported = Path(segl_journeys.__file__).resolve().parent.parent
    found["segl_imported_from"] = str(imported)
    if imported == HERE.parent.resolve():
        found["commit"] = _git("rev-parse", "--short", "HEAD")
        found["uncommitted_code"] = _git("status", "--porcelain", "--", "compiler", "runtime")
    elif (imported.parent / "COMMIT").exists():
        found["commit"] = (imported.parent / "COMMIT").read_text().strip()
        found["uncommitted_code"] = "(a clean export)"
    return found


def _timestamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=("steady", "history", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="small sizes (a few minutes)")
    parser.add_argument("--as-of", type=_timestamp, default=T, help="T, the timed run's as-of")
    parser.add_argument("--runs", type=int, default=None, help="timed rounds at T")
    parser.add_argument("--profile", action="store_true", help="cProfile and EXPLAIN ANALYZE")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--staging",
        nargs="+",
        choices=("runtime", "columnar"),
        default=["runtime"],
        help="timed journeys runs: the runtime's staging, and/or the columnar what-if (the "
        "same as the runtime's since commit 3fc7fc6, which stages by lists per column)",
    )
    parser.add_argument(
        "--schedule-staging",
        choices=("runtime", "columnar"),
        default="runtime",
        help="staging of the runs before T (the same rows either way)",
    )
    steady_args = parser.add_argument_group("steady")
    steady_args.add_argument("--events", type=float, default=None, help="event rows (1e7)")
    steady_args.add_argument("--days", type=int, default=None, help="daily runs before T (14)")
    steady_args.add_argument("--first-runs", type=int, default=3, help="repetitions")
    steady_args.add_argument(
        "--hourly",
        type=int,
        default=0,
        help="then hourly runs for the last N hours before T (23: the timed run decides one "
        "hour, the cadence a 'within 1 hour' welcome needs)",
    )
    history_args = parser.add_argument_group("history")
    history_args.add_argument("--base-events", type=float, default=None, help="(1e6)")
    history_args.add_argument("--new", type=float, default=None, help="new event rows (1e5)")
    history_args.add_argument(
        "--history", type=float, nargs="+", default=None, help="(1e6 1e7 1e8)"
    )
    history_args.add_argument("--schedule-runs", type=int, default=3)
    history_args.add_argument("--layout", choices=("user", "time"), default="user")
    history_args.add_argument("--memory-limit", default="6GB", help="per warehouse")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--report", type=Path, help="print the tables of a results file")
    args = parser.parse_args(argv)
    quick = args.quick
    defaults: dict[str, Any] = {
        "runs": 3 if quick else 7,
        "events": 1e6 if quick else 1e7,
        "days": 4 if quick else 14,
        "base_events": 1e5 if quick else 1e6,
        "new": 1e4 if quick else 1e5,
        "history": [1e5, 1e6, 3e6] if quick else [1e6, 1e7, 1e8],
        "out": RESULTS / f"journeys{'_quick' if quick else ''}_{args.part}.json",
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.report is not None:  # the tables of a results file, again
        print(report(json.loads(args.report.read_text(encoding="utf-8"))))
        return
    results: dict[str, Any] = {"environment": environment(), "runs": args.runs}
    if args.part in ("steady", "both"):
        results["steady"] = steady(args)
        results["steady_summary"] = steady_summary(results["steady"])
    if args.part in ("history", "both"):
        results["history"] = history_part(args)
        results["history_summary"] = history_summary(results["history"])
    results["environment"]["load_average_at_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # ensure_ascii=False: EXPLAIN ANALYZE draws its plan with box characters
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(report(results))
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()

"""`segl simulate JOURNEY --from A --to B --every D` (SPEC §3.2): replay journeys over
history as real runs at A, A+D, ... (< B) would have decided them, in scratch tables that
are dropped afterwards: never the real state or outbox.

Every journey of the project is replayed (caps are shared across journeys, so one
journey's sends depend on the others'); only the named ones are reported. Each instant
computes just the per-user values the journeys read (the closure of their hidden tags),
not the project's other tags, segments and layerings.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from typing import Any

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.script import RunInfo, compile_run
from segl.compiler.sqlgen import render, table_ref
from segl.compiler.store import Store
from segl.runtime.engines import Engine
from segl.runtime.outbox import read_outbox
from segl.runtime.project import LoadedProject
from segl.runtime.run import execute, segl_version
from segl.runtime.schedule import Cadence

MAX_INSTANTS = 100_000


def instants(start: dt.datetime, end: dt.datetime, every: dt.timedelta) -> list[dt.datetime]:
    """A, A+D, ... before B."""
    if every <= dt.timedelta(0):
        raise ValueError("--every must be longer than 0")
    if end <= start:
        raise ValueError("--to must be after --from")
    count = int((end - start) / every) + 1
    if count > MAX_INSTANTS:
        raise ValueError(f"{count:,} instants: at most {MAX_INSTANTS:,}; use a longer --every")
    found = [start + every * i for i in range(count)]
    return [moment for moment in found if moment < end]


def journeys_only(project: ir.Project) -> ir.Project:
    """The project reduced to what its journeys read: the definitions their hidden tags
    use (and what those use)."""
    assert project.journeys is not None
    used: list[str] = []
    for value in project.journeys.values:
        used += [name for name in ir.references(value) if name not in used]
    return project.closure(used)


def simulate(
    loaded: LoadedProject, engine: Engine, moments: list[dt.datetime]
) -> list[dict[str, Any]]:
    """Every decision of runs at `moments` on an empty journey state, read back from
    scratch tables which are dropped before returning."""
    assert loaded.project is not None and loaded.project.journeys is not None
    project = journeys_only(loaded.project)
    prefix = f"{loaded.settings.table_prefix}sim{secrets.token_hex(4)}_"
    store = Store(project, prefix, engine.target.ascii_table_names)
    try:
        for moment in moments:
            info = RunInfo(dt.datetime.now(dt.UTC).replace(microsecond=0), segl_version())
            compiled = compile_run(project, moment, engine.target, prefix=prefix, info=info)
            compiled.decides_journeys = True
            execute(compiled, engine)
        return read_outbox(engine, store)
    finally:
        drop_store(engine, store)


def drop_store(engine: Engine, store: Store) -> None:
    names = [t.name for t in store.history]
    names += [store.journey_work(t) for t in store.journey_tables]
    for name in names:
        drop = exp.Drop(tables=[table_ref(name)], kind="TABLE", exists=True)
        engine.query(render(drop, engine.target, pretty=False))


def summary_rows(decisions: list[dict[str, Any]]) -> list[list[object]]:
    """Decisions counted per journey, step, channel, day of the run and status."""
    counts: Counter[tuple[str, str, str, str, str]] = Counter()
    for d in decisions:
        day = f"{d['run_at']:%Y-%m-%d}"
        counts[(d["journey"], d["step"], d["channel"], day, d["status"])] += 1
    rows: dict[tuple[str, str, str, str], dict[str, int]] = {}
    for (journey, step, channel, day, status), count in sorted(counts.items()):
        rows.setdefault((journey, step, channel, day), {})[status] = count
    statuses = ("sent", "skipped", "expired", "capped", "held_out")
    return [[*key, *(by.get(s, 0) for s in statuses)] for key, by in rows.items()]


def only(decisions: list[dict[str, Any]], names: list[str]) -> list[dict[str, Any]]:
    return [d for d in decisions if d["journey"] in names]


def parse_every(text: str) -> dt.timedelta:
    """`15m`, `1h`, `1d`, `2w`: the cadences `segl run --every` takes (BadCadence, a
    ValueError, otherwise)."""
    return Cadence.parse(text).step

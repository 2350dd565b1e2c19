"""Reading the outbox back (`segl show outbox`, `segl show journey`): committed decisions
only, that is rows of a run whose journey marker is stored (docs/journeys.md)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlglot import exp

from segl.compiler.journeys import model
from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.store import Store, Table
from segl.compiler.timeutil import wall_text
from segl.compiler.types import Type
from segl.compiler.values import plain_key
from segl.runtime import json_text
from segl.runtime.engines import Engine
from segl.runtime.tables import format_table, plural

# the keys of one decision, in the order `--format jsonl` prints them
KEYS = (
    "journey",
    "step",
    "user",
    "entry_at",
    "due_at",
    "run_at",
    "channel",
    "template",
    "status",
    "message_id",
    "payload",
)
TIMES = ("entry_at", "due_at", "run_at")


def _rows(engine: Engine, table: Table, columns: Sequence[str]) -> list[tuple[Any, ...]]:
    if engine.columns_of(table.name) is None:
        return []
    query = exp.Select(expressions=[col(c) for c in columns]).from_(table_ref(table.name))
    return engine.query(render(query, engine.target, pretty=False))


def committed_runs(engine: Engine, store: Store) -> set[tuple[str, dt.datetime]]:
    """(journey, as-of) of every journey run whose marker is stored."""
    rows = _rows(engine, store.journey_runs, ["journey", "as_of"])
    return {(str(j), engine.decode(a, Type.TIMESTAMP)) for j, a in rows}


def stored_journeys(engine: Engine, store: Store) -> set[str]:
    """The journeys with a committed run: also those taken out of the rules since, whose
    decisions stay (`segl show outbox`, `show journey` and `deliver --journey` know them)."""
    return {journey for journey, _ in committed_runs(engine, store)}


def read_outbox(
    engine: Engine,
    store: Store,
    journey: str | None = None,
    as_of: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Committed decisions (of one journey; of runs at or before `as_of`), in run order,
    then journey, user, entry, due time and step."""
    committed = committed_runs(engine, store)
    columns = ["as_of", "journey", "step", "user_id", "entry_at", "due_at", "channel"]
    columns += ["template", "status", "message_id", "payload"]
    found: list[dict[str, Any]] = []
    for row in _rows(engine, store.outbox, columns):
        run_at = engine.decode(row[0], Type.TIMESTAMP)
        if (row[1], run_at) not in committed:
            continue
        if journey is not None and row[1] != journey:
            continue
        if as_of is not None and run_at > as_of:
            continue
        found.append(
            {
                "journey": row[1],
                "step": row[2],
                "user": row[3],
                "entry_at": engine.decode(row[4], Type.TIMESTAMP),
                "due_at": engine.decode(row[5], Type.TIMESTAMP),
                "run_at": run_at,
                "channel": row[6],
                "template": row[7],
                "status": row[8],
                "message_id": row[9],
                "payload": json.loads(row[10]) if row[10] else {},
            }
        )
    found.sort(key=model.decision_order)
    return found


def as_json(decision: dict[str, Any]) -> str:
    """One decision as a JSON object: times as `YYYY-MM-DD HH:MM:SS` (project zone)."""
    shown = {key: wall_text(decision[key]) if key in TIMES else decision[key] for key in KEYS}
    user = plain_key(shown["user"])  # a DECIMAL key column's 3.00 is 3
    if isinstance(user, float) and user.is_integer():
        user = int(user)
    shown["user"] = user
    return json_text.dumps(shown, default=str)


# ---------------------------------------------------------------- segl show journey

STATUSES = ("sent", "skipped", "expired", "capped", "held_out")


@dataclass(frozen=True)
class LastRun:
    """The journey's latest committed run (its marker, and the run log's row of it)."""

    as_of: dt.datetime
    previous: dt.datetime | None  # the run before it (None: it was the first)
    entries: int
    decisions: int
    ran_at: dt.datetime | None  # when it started, wall-clock in the project's zone
    seconds: float | None  # how long it took (None: unknown, e.g. a compiled script)


@dataclass
class JourneyReport:
    """What the committed runs of one journey (up to an as-of) did, counted."""

    journey: str
    as_of: dt.datetime | None  # None: every committed run
    runs: int = 0
    last: LastRun | None = None
    entries: int = 0
    exited: int = 0
    completed: int = 0
    merged: int = 0  # active entries ended because their persons merged (identity)
    steps: dict[str, dict[str, int]] = field(default_factory=dict)  # step -> status -> n

    @property
    def active(self) -> int:
        # an entry ends once (an exit or its last step, never both): the rest are active
        return self.entries - self.exited - self.completed - self.merged


def journey_report(
    engine: Engine,
    store: Store,
    journey: str,
    steps: Sequence[str],
    as_of: dt.datetime | None = None,
) -> JourneyReport:
    """Counts of one journey's committed ledger and outbox rows (of runs at or before
    `as_of`): entries made, ended by an exit rule or by their last step, decisions per step
    (`steps` first, in their order, with zeros; steps no longer in the rules after them)."""
    report = JourneyReport(journey, as_of)
    runs = sorted(
        when
        for name, when in committed_runs(engine, store)
        if name == journey and (as_of is None or when <= as_of)
    )
    report.runs = len(runs)
    counted = set(runs)
    changes = _counts(engine, store.journey_entries, journey, "change", counted)
    report.entries = changes.get("enter", 0)
    report.exited = changes.get("exit", 0)
    report.completed = changes.get("done", 0)
    report.merged = changes.get("merged", 0)
    report.steps = {step: dict.fromkeys(STATUSES, 0) for step in steps}
    for (step, status), count in _step_counts(engine, store, journey, counted).items():
        found = report.steps.setdefault(step, dict.fromkeys(STATUSES, 0))
        found[status] = found.get(status, 0) + count
    if runs:
        report.last = _last_run(engine, store, journey, runs[-1])
    return report


def _grouped(
    engine: Engine, table: Table, journey: str, keys: Sequence[str]
) -> list[tuple[Any, ...]]:
    """(as_of, *keys, count) of the journey's rows: counted by the database, so a ledger of
    millions of rows comes back as a few rows per run."""
    if engine.columns_of(table.name) is None:
        return []
    grouping = [col("as_of"), *(col(k) for k in keys)]
    named = exp.EQ(this=col("journey"), expression=engine.target.string(journey))
    query = (
        exp.Select(expressions=[*grouping, exp.Count(this=exp.Star())])
        .from_(table_ref(table.name), copy=False)
        .where(named, copy=False)
        .group_by(*(g.copy() for g in grouping), copy=False)
    )
    return engine.query(render(query, engine.target, pretty=False))


def _counts(
    engine: Engine, table: Table, journey: str, key: str, runs: set[dt.datetime]
) -> dict[str, int]:
    """Rows per value of `key` written by the runs in `runs` (committed, up to the as-of)."""
    found: dict[str, int] = {}
    for as_of, value, count in _grouped(engine, table, journey, [key]):
        if engine.decode(as_of, Type.TIMESTAMP) in runs:
            found[str(value)] = found.get(str(value), 0) + int(count)
    return found


def _step_counts(
    engine: Engine, store: Store, journey: str, runs: set[dt.datetime]
) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for as_of, step, status, count in _grouped(engine, store.outbox, journey, ["step", "status"]):
        if engine.decode(as_of, Type.TIMESTAMP) in runs:
            key = (str(step), str(status))
            found[key] = found.get(key, 0) + int(count)
    return found


def _last_run(engine: Engine, store: Store, journey: str, as_of: dt.datetime) -> LastRun:
    columns = ["journey", "as_of", "previous", "entries", "decisions"]
    marker = next(
        row
        for row in _rows(engine, store.journey_runs, columns)
        if row[0] == journey and engine.decode(row[1], Type.TIMESTAMP) == as_of
    )
    previous = engine.decode(marker[2], Type.TIMESTAMP) if marker[2] is not None else None
    ran_at, seconds = _logged(engine, store, as_of)
    return LastRun(as_of, previous, int(marker[3]), int(marker[4]), ran_at, seconds)


def _logged(
    engine: Engine, store: Store, as_of: dt.datetime
) -> tuple[dt.datetime | None, float | None]:
    """When the run of this as-of started and how long it took, from the run log."""
    project = store.project.name
    columns = ["project", "as_of", "run_at", "duration_seconds"]
    for name, when, run_at, seconds in _rows(engine, store.runs, columns):
        if name == project and engine.decode(when, Type.TIMESTAMP) == as_of:
            started = _instant(run_at, ZoneInfo(store.project.timezone))
            return started, float(seconds) if seconds is not None else None
    return None, None


def _instant(value: object, zone: ZoneInfo) -> dt.datetime | None:
    """An instant column as wall-clock time in the project's zone. Engines hand it back
    aware (DuckDB, PostgreSQL), as ISO text with an offset (SQLite) or naive in UTC."""
    if isinstance(value, str):
        with suppress(ValueError):
            value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(zone).replace(tzinfo=None, microsecond=0)


def report_data(report: JourneyReport, title: str | None) -> dict[str, Any]:
    """The report as `--format json` prints it (times as `YYYY-MM-DD HH:MM:SS`)."""
    last = report.last
    return {
        "journey": report.journey,
        "title": title,
        "as_of": _time(report.as_of),
        "runs": report.runs,
        "last_run": None
        if last is None
        else {
            "as_of": _time(last.as_of),
            "previous": _time(last.previous),
            "ran_at": _time(last.ran_at),
            "seconds": last.seconds,
            "entries": last.entries,
            "decisions": last.decisions,
        },
        "entries": report.entries,
        "active": report.active,
        "exited": report.exited,
        "completed": report.completed,
        "merged": report.merged,
        "steps": [{"step": step, **counts} for step, counts in report.steps.items()],
    }


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else wall_text(value)


def report_text(report: JourneyReport, title: str | None) -> str:
    """The report for the terminal: a few labelled lines, then a table of the steps."""
    heading = f"journey    {report.journey}" + (f' "{title}"' if title else "")
    lines = [heading]
    if report.as_of is not None:
        lines.append(f"as of      {_time(report.as_of)} (runs up to it)")
    lines.append(f"runs       {report.runs:,}")
    lines.append(f"last run   {_last_text(report.last)}")
    lines.append(
        f"entries    {report.entries:,} made: {report.active:,} active, "
        f"{report.exited:,} exited, {report.completed:,} completed"
        + (f", {report.merged:,} merged" if report.merged else "")
    )
    rows = [[step, *(counts.get(s, 0) for s in STATUSES)] for step, counts in report.steps.items()]
    lines += ["", format_table(["step", *STATUSES], rows)]
    if not report.runs and report.as_of is not None:
        lines += ["", f"no committed run of this journey up to {_time(report.as_of)}"]
    elif not report.runs:
        lines += ["", "no committed run of this journey yet: `segl run` decides it"]
    return "\n".join(lines) + "\n"


def _last_text(last: LastRun | None) -> str:
    if last is None:
        return "none"
    text = f"as of {_time(last.as_of)}"
    if last.ran_at is not None:
        took = f", {last.seconds:.2f} s" if last.seconds is not None else ""
        text += f" (ran {_time(last.ran_at)}{took})"
    made = f"{plural(last.entries, 'entry', 'entries')}, {plural(last.decisions, 'decision')}"
    since = f"since {_time(last.previous)}" if last.previous else "its first run"
    return f"{text}: {made} ({since})"

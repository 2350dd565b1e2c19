"""Reading the outbox back (`segl show outbox`, `segl show journey`): committed decisions
only, that is rows of a run whose journey marker is stored (docs/journeys.md)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlglot import exp

from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.store import Store, Table
from segl.compiler.types import Type
from segl.runtime.engines import Engine

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


def read_outbox(
    engine: Engine,
    store: Store,
    journey: str | None = None,
    as_of: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Committed decisions (of one journey; of runs at or before `as_of`), in run order,
    then journey, user, entry and step."""
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
    found.sort(key=lambda d: (d["run_at"], d["journey"], str(d["user"]), d["entry_at"], d["step"]))
    return found


def as_json(decision: dict[str, Any]) -> str:
    """One decision as a JSON object: times as `YYYY-MM-DD HH:MM:SS` (project zone)."""
    shown = {
        key: f"{decision[key]:%Y-%m-%d %H:%M:%S}" if key in TIMES else decision[key] for key in KEYS
    }
    user = shown["user"]
    if isinstance(user, float) and user.is_integer():
        shown["user"] = int(user)
    return json.dumps(shown, ensure_ascii=False, default=str)

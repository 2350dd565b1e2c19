"""Funnels and retention on an engine (SPEC §3.4-3.5): the queries of
compiler/reports/sql.py run through `Engine.query`, their small aggregated rows shaped into
the JSON of the reference evaluator (runtime/reference/reports.py, docs/reports.md).
Rates and medians are computed here from per-group counts and histograms of durations."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from segl.compiler import ir
from segl.compiler.ops import TimeUnit, WindowKind
from segl.compiler.reports import model
from segl.compiler.reports.sql import FUNNEL_COUNTS, funnel_query, retention_query
from segl.compiler.sqlgen import render
from segl.compiler.timeutil import window_bounds
from segl.compiler.types import Type
from segl.runtime.engines import Engine
from segl.runtime.reference.reports import DEFAULT_ENTRY_DAYS, json_value

Json = dict[str, Any]


def _reports(project: ir.Project) -> model.Reports:
    return project.reports or model.Reports()


def _funnel_named(project: ir.Project, definition: str | model.Funnel) -> model.Funnel:
    if isinstance(definition, model.Funnel):
        return definition
    for funnel in _reports(project).funnels:
        if funnel.name == definition:
            return funnel
    raise ValueError(f"no funnel named {definition!r}")


def _retention_named(project: ir.Project, definition: str | model.Retention) -> model.Retention:
    if isinstance(definition, model.Retention):
        return definition
    for retention in _reports(project).retentions:
        if retention.name == definition:
            return retention
    raise ValueError(f"no retention named {definition!r}")


def entry_range(
    as_of: dt.datetime, start: dt.datetime | None, end: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime]:
    """A funnel's entry range: [start, end), by default the 30 days before the as-of."""
    low, high = window_bounds(WindowKind.LAST, TimeUnit.DAY, DEFAULT_ENTRY_DAYS, 0, None, as_of)
    return start or low or dt.datetime.min, end or high


def _order_key(value: Any) -> tuple[int, Any]:
    return (1, "") if value is None else (0, value)


def run_funnel(
    engine: Engine,
    project: ir.Project,
    definition: str | model.Funnel,
    as_of: dt.datetime,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> Json:
    """The funnel at `as_of` (a naive wall time in the project's zone), its first step in
    [start, end): the reference's JSON shape."""
    funnel = _funnel_named(project, definition)
    start, end = entry_range(as_of, start, end)
    engine.use_timezone(project.timezone)
    query = funnel_query(project, funnel, as_of, engine.target, start, end)
    rows = engine.query(render(query, engine.target))
    count = len(funnel.steps)
    # group value -> (users per furthest step, censored, durations per step)
    furthest: dict[Any, list[int]] = {}
    censored: dict[Any, int] = {}
    durations: dict[Any, dict[int, list[tuple[float, int]]]] = {}
    for key, part, step, value, users in rows:
        key = _decoded(engine, project, funnel, key)
        furthest.setdefault(key, [0] * (count + 1))
        censored.setdefault(key, 0)
        durations.setdefault(key, {})
        if part == FUNNEL_COUNTS:
            furthest[key][int(step)] += int(users)
            censored[key] += int(users) if value and int(value) == 1 else 0
        else:
            durations[key].setdefault(int(step), []).append((float(value), int(users)))
    groups = [_group({}, funnel, list(furthest), furthest, censored, durations)]
    if funnel.split is not None:
        for key in sorted(furthest, key=_order_key):
            groups.append(
                _group(
                    {funnel.split.key: json_value(key)},
                    funnel,
                    [key],
                    furthest,
                    censored,
                    durations,
                )
            )
    return {
        "name": funnel.name,
        "kind": "funnel",
        "from": json_value(start),
        "to": json_value(end),
        "as_of": json_value(as_of),
        "groups": groups,
    }


def _decoded(engine: Engine, project: ir.Project, funnel: model.Funnel, key: Any) -> Any:
    split = funnel.split
    if split is None or key is None:
        return None if split is None else key
    if split.value is not None:
        return engine.decode(key, split.value.type)
    source = project.source(funnel.steps[0].event.source)
    return engine.decode(key, source.column_type(split.entry_column or "") or Type.STRING)


def _group(
    key: Json,
    funnel: model.Funnel,
    members: list[Any],
    furthest: dict[Any, list[int]],
    censored: dict[Any, int],
    durations: dict[Any, dict[int, list[tuple[float, int]]]],
) -> Json:
    count = len(funnel.steps)
    at_step = [sum(furthest[m][s] for m in members) for s in range(count + 1)]
    reached = [sum(at_step[s] for s in range(i + 1, count + 1)) for i in range(count)]
    steps: list[Json] = []
    for index, step in enumerate(funnel.steps):
        values = [
            value
            for m in members
            for value, times in durations[m].get(index, [])
            for _ in range(times)
        ]
        steps.append(
            {
                "name": step.name,
                "users": reached[index],
                "rate_from_first": _rate(reached[index], reached[0]),
                "rate_from_previous": _rate(reached[index], reached[index - 1]) if index else None,
                "median_seconds_from_previous": statistics.median(sorted(values))
                if values
                else None,
            }
        )
    return {"key": key, "steps": steps, "censored": sum(censored[m] for m in members)}


def _rate(count: int, base: int) -> float | None:
    return None if base == 0 else count / base


def run_retention(
    engine: Engine,
    project: ir.Project,
    definition: str | model.Retention,
    as_of: dt.datetime,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> Json:
    """The retention at `as_of`, cohorts whose instants lie in [start, end) (both optional):
    the reference's JSON shape, null for a cell not over at the as-of."""
    retention = _retention_named(project, definition)
    engine.use_timezone(project.timezone)
    query = retention_query(project, retention, as_of, engine.target, start, end)
    rows = engine.query(render(query, engine.target))
    cohorts: dict[dt.date, tuple[int, list[int | None]]] = {}
    for period, k, size, retained, still_open in rows:
        day = engine.decode(period, Type.DATE)
        if isinstance(day, dt.datetime):
            day = day.date()
        elif isinstance(day, str):
            day = dt.date.fromisoformat(day[:10])
        cells = cohorts.setdefault(day, (int(size), [None] * retention.periods))[1]
        cells[int(k) - 1] = None if int(still_open) == 1 else int(retained)
    return {
        "name": retention.name,
        "kind": "retention",
        "as_of": json_value(as_of),
        "cohorts": [
            {"cohort": day.isoformat(), "size": size, "retained": cells}
            for day, (size, cells) in sorted(cohorts.items())
        ],
    }

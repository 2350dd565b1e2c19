"""Funnels, retention, reports and experiments on an engine (SPEC §3.3-3.6): the queries
of compiler/reports/sql.py, report_sql.py and experiment_sql.py run through `Engine.query`,
their small aggregated rows shaped into the JSON of the reference evaluator
(runtime/reference/reports.py, docs/reports.md). Rates and medians are computed here from
per-group counts and histograms of durations; a report's metrics from its per-group
aggregates with the reference's value functions; an experiment's statistics
(compiler/reports/stats.py) from per-arm histograms of per-user values."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.ops import TimeUnit, WindowKind
from segl.compiler.reports import model, stats
from segl.compiler.reports.experiment_sql import (
    UNASSIGNED_ROW,
    USERS_ROW,
    assignment_query,
    experiment_query,
    key_type,
)
from segl.compiler.reports.report_sql import aggregates_of, columns_of, report_query
from segl.compiler.reports.sql import FUNNEL_COUNTS, Persons, funnel_query, retention_query
from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.store import Store
from segl.compiler.targets import Target
from segl.compiler.timeutil import wall_text, window_bounds
from segl.compiler.types import Type
from segl.compiler.values import arith, conform, interpolated, key_text, negate, not_nan
from segl.dsl.diagnostics import Diagnostic, DiagnosticError
from segl.runtime.engines import Engine
from segl.runtime.reference.reports import DEFAULT_ENTRY_DAYS, json_value

Json = dict[str, Any]


def _reports(project: ir.Project) -> model.Reports:
    return project.reports or model.Reports()


class _Definition(Protocol):
    @property
    def name(self) -> str: ...


_Defined = TypeVar("_Defined", bound=_Definition)


def _named(definitions: Sequence[_Defined], definition: str | _Defined, kind: str) -> _Defined:
    """A definition of the project by its name (itself when given one)."""
    if not isinstance(definition, str):
        return definition
    for found in definitions:
        if found.name == definition:
            return found
    raise ValueError(f"no {kind} named {definition!r}")


def _funnel_named(project: ir.Project, definition: str | model.Funnel) -> model.Funnel:
    return _named(_reports(project).funnels, definition, "funnel")


def _retention_named(project: ir.Project, definition: str | model.Retention) -> model.Retention:
    return _named(_reports(project).retentions, definition, "retention")


def entry_range(
    as_of: dt.datetime, start: dt.datetime | None, end: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime]:
    """A funnel's entry range: [start, end), by default the 30 days before the as-of."""
    low, high = window_bounds(WindowKind.LAST, TimeUnit.DAY, DEFAULT_ENTRY_DAYS, 0, None, as_of)
    return start or low or dt.datetime.min, end or high


def _order_key(value: Any) -> tuple[int, Any]:
    return (1, "") if value is None else (0, value)


def _run(engine: Engine, query: exp.Expression, ran: list[str] | None) -> list[tuple[Any, ...]]:
    """The rows of a result's query; its SQL appended to `ran` (the HTML page shows the
    SQL that ran)."""
    if ran is not None:
        ran.append(render(query, engine.target))
    return engine.query_built(query)


def persons_at(
    engine: Engine, store: Store, project: ir.Project, as_of: dt.datetime
) -> Persons | None:
    """Where the reports of a project with an identity read their persons: those stored by
    the latest run at or before `as_of` (None without an identity). A run is known by its
    run log row or by its persons (a run still writing: ClickHouse and Spark write the run
    log last, and alerts compute their reports before that). E0822 when there is none: a
    report's users are the persons a run resolved (docs/reports.md)."""
    if project.identity is None:
        return None
    target = engine.target
    runs = [
        _latest(
            store.runs.name, exp.EQ(this=col("project"), expression=target.string(project.name))
        ),
        _latest(store.persons.name),
    ]
    latest = None
    for table, query in runs:
        if engine.columns_of(table) is None:
            continue
        bounded = query.where(
            exp.LTE(this=col("as_of"), expression=target.timestamp(as_of)), copy=False
        )
        found = engine.query(render(bounded, target, pretty=False))
        if found and found[0][0] is not None:
            stored = engine.decode(found[0][0], Type.TIMESTAMP)
            latest = stored if latest is None else max(latest, stored)
    if latest is None or engine.columns_of(store.persons.name) is None:
        raise DiagnosticError([no_persons(project, as_of)])
    if _run_without_persons(engine, store, project, latest):
        raise DiagnosticError([no_persons(project, as_of, latest)])
    return Persons(store.persons.name, latest)


def _run_without_persons(
    engine: Engine, store: Store, project: ir.Project, run: dt.datetime
) -> bool:
    """Whether the run as of `run` had users but stored no persons: it ran before the
    project declared its identity, and its users were IDs, not persons."""
    target = engine.target
    at = exp.EQ(this=col("as_of"), expression=target.timestamp(run))
    persons = _latest(store.persons.name, at)[1]
    if engine.query(render(persons, target, pretty=False))[0][0] is not None:
        return False
    if engine.columns_of(store.runs.name) is None:
        return False
    of_project = exp.EQ(this=col("project"), expression=target.string(project.name))
    users = (
        exp.Select(expressions=[col("users")])
        .from_(table_ref(store.runs.name), copy=False)
        .where(exp.and_(of_project, at), copy=False)
    )
    found = engine.query(render(users, target, pretty=False))
    return bool(found) and int(found[0][0] or 0) > 0


def _latest(table: str, *conditions: exp.Expression) -> tuple[str, exp.Select]:
    query = exp.Select(expressions=[exp.Max(this=col("as_of"))]).from_(table_ref(table))
    for condition in conditions:
        query = query.where(condition, copy=False)
    return table, query


def no_persons(
    project: ir.Project, as_of: dt.datetime, without: dt.datetime | None = None
) -> Diagnostic:
    """E0822: no run at or before `as_of`, or the latest one (`without`) stored no persons."""
    identity = project.identity
    assert identity is not None
    message = (
        f"no run of {project.name} as of {wall_text(as_of)} or before has stored "
        f"the persons of identity '{identity.name}'"
    )
    if without is not None:
        message = (
            f"the run of {project.name} as of {wall_text(without)} (the latest at or "
            f"before {wall_text(as_of)}) stored no persons of identity "
            f"'{identity.name}': it ran before the identity was declared"
        )
    return Diagnostic(
        "E0822",
        message,
        None,
        (
            "a report's users are the persons a run resolved: run `segl run` for that "
            "as-of (or an earlier one) first",
        ),
    )


def run_funnel(
    engine: Engine,
    project: ir.Project,
    definition: str | model.Funnel,
    as_of: dt.datetime,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    persons: Persons | None = None,
    ran: list[str] | None = None,
) -> Json:
    """The funnel at `as_of` (a naive wall time in the project's zone), its first step in
    [start, end): the reference's JSON shape. `persons`: a project with an identity's
    (`persons_at`)."""
    funnel = _funnel_named(project, definition)
    start, end = entry_range(as_of, start, end)
    engine.use_timezone(project.timezone)
    query = funnel_query(project, funnel, as_of, engine.target, start, end, persons)
    rows = _run(engine, query, ran)
    count = len(funnel.steps)
    # group value -> (users per furthest step, censored, durations per step)
    furthest: dict[Any, list[int]] = {}
    censored: dict[Any, int] = {}
    durations: dict[Any, dict[int, list[tuple[float, int]]]] = {}
    decoded: dict[Any, Any] = {}  # a group's value comes in many rows: decoded once
    for raw, part, step, value, users in rows:
        if raw not in decoded:
            decoded[raw] = _decoded(engine, project, funnel, raw)
        key = decoded[raw]
        furthest.setdefault(key, [0] * (count + 1))
        censored.setdefault(key, 0)
        durations.setdefault(key, {})
        if part == FUNNEL_COUNTS:
            furthest[key][int(step)] += int(users)
            censored[key] += int(users) if value and int(value) == 1 else 0
        else:
            # the engines subtract epoch seconds as doubles (about 1.8e9, so a few 1e-8 s
            # off); times are whole microseconds, the reference's durations exact ones
            seconds = round(float(value), 6)
            durations[key].setdefault(int(step), []).append((seconds, int(users)))
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
        median = stats.histogram_median(
            pair for m in members for pair in durations[m].get(index, [])
        )
        steps.append(
            {
                "name": step.name,
                "users": reached[index],
                "rate_from_first": _rate(reached[index], reached[0]),
                "rate_from_previous": _rate(reached[index], reached[index - 1]) if index else None,
                "median_seconds_from_previous": median,
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
    persons: Persons | None = None,
    ran: list[str] | None = None,
) -> Json:
    """The retention at `as_of`, cohorts whose instants lie in [start, end) (both optional):
    the reference's JSON shape, null for a cell not over at the as-of."""
    retention = _retention_named(project, definition)
    engine.use_timezone(project.timezone)
    query = retention_query(project, retention, as_of, engine.target, start, end, persons)
    rows = _run(engine, query, ran)
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
        "from": json_value(start),  # the cohort range [from, to); null: unbounded
        "to": json_value(end),
        "as_of": json_value(as_of),
        "cohorts": [
            {"cohort": day.isoformat(), "size": size, "retained": cells}
            for day, (size, cells) in sorted(cohorts.items())
        ],
    }


# ---------------------------------------------------------------- reports


def _report_named(project: ir.Project, definition: str | model.Report) -> model.Report:
    return _named(_reports(project).reports, definition, "report")


def run_report(
    engine: Engine,
    project: ir.Project,
    definition: str | model.Report,
    as_of: dt.datetime,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    persons: Persons | None = None,
    ran: list[str] | None = None,
) -> Json:
    """The report at `as_of` (a naive wall time in the project's zone): the reference's JSON
    shape, one row per group in the order of its dimension values (null last). `start` and
    `end` are accepted for a uniform call from `segl report` and bound nothing: a report's
    rows are bounded by its own window (SPEC §3.6), as in the reference."""
    del start, end
    report = _report_named(project, definition)
    engine.use_timezone(project.timezone)
    query = report_query(project, report, as_of, engine.target, persons)
    aggregates = aggregates_of(report)
    width = len(report.dimensions)
    lines: list[tuple[tuple[Any, ...], Json]] = []
    for row in _run(engine, query, ran):
        key = tuple(
            conform(engine.decode(value, d.value.type), d.value.type)
            for value, d in zip(row[:width], report.dimensions, strict=True)
        )
        values: dict[model.RowAggregate, Any] = {}
        place = width
        for aggregate in aggregates:
            cells = row[place : place + columns_of(aggregate)]
            values[aggregate] = _aggregate_value(engine, aggregate, cells)
            place += columns_of(aggregate)
        line: Json = {d.name: json_value(v) for d, v in zip(report.dimensions, key, strict=True)}
        metrics: dict[str, Any] = {}
        for metric in report.metrics:
            metrics[metric.name] = _metric(metric.expr, values, metrics)
        line.update((name, json_value(value)) for name, value in metrics.items())
        lines.append((key, line))
    lines.sort(key=lambda pair: tuple(_order_key(v) for v in pair[0]))
    return {
        "name": report.name,
        "kind": "report",
        "over": report.over,
        "as_of": json_value(as_of),
        "rows": [line for _, line in lines],
    }


def _number_or_none(value: Any) -> float | None:
    """A number read back from an aggregate; NaN (inf - inf) is null."""
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _aggregate_value(engine: Engine, aggregate: model.RowAggregate, cells: Sequence[Any]) -> Any:
    """One aggregate of one group from its columns (compiler/reports/report_sql.py), as the
    registry's reference fold gives it."""
    func = aggregate.func
    if func in ("count", "count_distinct"):
        return float(cells[0] or 0)
    if func == "sum":
        total, count = cells
        if not count:
            return 0.0  # no values
        return None if total is None else _number_or_none(total)  # +inf and -inf: null
    if func == "avg":
        total, count = cells
        if not count:
            return None
        number = _number_or_none(total)
        return None if number is None else not_nan(number / int(count))
    if func == "share":
        hits, rows = cells
        return None if not rows else int(hits or 0) / int(rows)
    if func in ("median", "percentile"):
        count, low, high = cells
        if not count:
            return None
        fraction = aggregate.constants[0] if func == "percentile" else 0.5
        position = fraction * (int(count) - 1)
        return interpolated(float(low), float(high), position - math.floor(position))
    value_type = aggregate.value.type if aggregate.value is not None else Type.NUMBER
    return conform(engine.decode(cells[0], value_type), value_type)


def _metric(
    expr: model.MetricExpr, values: Mapping[model.RowAggregate, Any], earlier: Mapping[str, Any]
) -> Any:
    match expr:
        case model.MetricNumber(value=number):
            return number
        case model.MetricRef(name=name):
            return earlier[name]
        case model.MetricNeg(operand=operand):
            return negate(_metric(operand, values, earlier))
        case model.MetricArith(op=op, left=left, right=right):
            return arith(op, _metric(left, values, earlier), _metric(right, values, earlier))
        case model.RowAggregate():
            return values[expr]
    raise ValueError(f"cannot evaluate {expr!r}")


# ---------------------------------------------------------------- experiments


def _experiment_named(project: ir.Project, definition: str | model.Experiment) -> model.Experiment:
    return _named(_reports(project).experiments, definition, "experiment")


def user_text(user: object) -> str:
    """A user key as text: what it is hashed as (a whole number as its digits)."""
    text = key_text(user)
    return text if text is not None else str(user)


def experiment_assignments(
    engine: Engine,
    project: ir.Project,
    definition: str | model.Experiment,
    as_of: dt.datetime,
    persons: Persons | None = None,
) -> list[tuple[object, str]]:
    """(user, arm) of every user of the population at `as_of`, by bucket(user, salt)
    (SPEC §3.3), sorted by the user's text."""
    experiment = _experiment_named(project, definition)
    engine.use_timezone(project.timezone)
    query = assignment_query(project, experiment, as_of, engine.target, persons)
    kind = key_type(project)
    found = [
        (engine.decode(user, kind), str(arm))
        for user, arm in engine.query(render(query, engine.target))
    ]
    return sorted(found, key=lambda pair: user_text(pair[0]))


def experiment_sql(
    target: Target,
    project: ir.Project,
    experiment: model.Experiment,
    as_of: dt.datetime,
    assigned: Mapping[object, str] | None = None,
    stored: exp.Query | None = None,
    persons: Persons | None = None,
) -> exp.Select:
    """The query run_experiment runs (and `segl report --format html` shows)."""
    earlier = stored if stored is not None else assigned
    return experiment_query(project, experiment, as_of, target, earlier, persons)


def run_experiment(
    engine: Engine,
    project: ir.Project,
    definition: str | model.Experiment,
    as_of: dt.datetime,
    assigned: Mapping[object, str] | None = None,
    stored: exp.Query | None = None,
    persons: Persons | None = None,
    ran: list[str] | None = None,
) -> Json:
    """The experiment at `as_of`: per arm its users and each metric's mean, difference to
    control with its 95% interval and lift; the sample-ratio-mismatch p-value. `assigned`:
    earlier assignments, which stick; or `stored`, a query of them (`_u`, `_arm`), the
    stored table (runtime/assignments.py). The reference's JSON shape; the statistics are
    computed here (compiler/reports/stats.py) from per-arm histograms of per-user values."""
    experiment = _experiment_named(project, definition)
    engine.use_timezone(project.timezone)
    query = experiment_sql(engine.target, project, experiment, as_of, assigned, stored, persons)
    users: dict[str, int] = {arm.name: 0 for arm in experiment.arms}
    unassigned = 0
    # (arm, metric) -> the arm's users' values of the metric and how many have each: 10^5
    # rows for a metric of many values, hence one pass that only groups them
    grouped: dict[tuple[Any, Any], list[tuple[Any, Any]]] = defaultdict(list)
    for arm, metric, value, count in _run(engine, query, ran):
        grouped[arm, metric].append((value, count))
    values: dict[tuple[str, int], list[tuple[float | None, int]]] = {}
    for (arm, metric), rows in grouped.items():
        if int(metric) == USERS_ROW:
            users[str(arm)] = int(rows[0][1])
        elif int(metric) == UNASSIGNED_ROW:
            unassigned = int(rows[0][1])
        else:
            values[str(arm), int(metric)] = _histogram(rows)
    control = experiment.control
    summaries = _Summaries(values)
    arms: list[Json] = []
    for arm in experiment.arms:
        metrics: Json = {}
        for index, metric in enumerate(experiment.metrics):
            metrics[metric.name] = _arm_metric(
                metric, summaries, (arm.name, index), (control, index), arm.name == control
            )
        arms.append({"arm": arm.name, "users": users[arm.name], "metrics": metrics})
    counts = [users[arm.name] for arm in experiment.arms]
    srm = stats.sample_ratio_p(counts, [arm.weight for arm in experiment.arms])
    return {
        "name": experiment.name,
        "kind": "experiment",
        "salt": experiment.salt,
        "control": control,
        "as_of": json_value(as_of),
        "arms": arms,
        "srm_p": srm,
        "srm_mismatch": srm is not None and srm < stats.SRM_THRESHOLD,
        "unassigned": unassigned,
    }


Histogram = Sequence[tuple[float | None, int]]


def _histogram(rows: Sequence[tuple[Any, Any]]) -> list[tuple[float | None, int]]:
    """(value, users) rows as numbers: a value read back as a float, NaN as null."""
    if all((value is None or type(value) is float) and type(count) is int for value, count in rows):
        return [(None if value != value else value, count) for value, count in rows]  # NaN
    return [(_number_or_none(value), int(count)) for value, count in rows]


class _Summaries:
    """Each (arm, metric)'s histogram summarised once: control's is every other arm's
    baseline (its exact sums expand one value per user)."""

    def __init__(self, values: Mapping[tuple[str, int], Histogram]) -> None:
        self.values = values
        self._summaries: dict[tuple[str, int], stats.Summary] = {}

    def histogram(self, key: tuple[str, int]) -> Histogram:
        return self.values.get(key, [])

    def summary(self, key: tuple[str, int]) -> stats.Summary:
        if key not in self._summaries:
            self._summaries[key] = stats.summarise_counts(_numbers(self.histogram(key)))
        return self._summaries[key]


def _arm_metric(
    metric: model.ExperimentMetric,
    summaries: _Summaries,
    arm: tuple[str, int],
    control: tuple[str, int],
    is_control: bool,
) -> Json:
    """One arm's metric (SPEC §3.3) from the histograms of the arm's and control's values:
    a share's values are 1 (TRUE) or 0 per user; a mean's nulls are left out, as SQL does."""
    if metric.kind == model.SHARE:
        values, baseline = summaries.histogram(arm), summaries.histogram(control)
        hits, control_hits = _ones(values), _ones(baseline)
        users, control_users = _users(values), _users(baseline)
        mean = hits / users if users else None
        difference = stats.proportions((hits, users), (control_hits, control_users))
    else:
        summary = summaries.summary(arm)
        mean = summary.mean
        difference = stats.welch(summary, summaries.summary(control))
    return stats.arm_metric(mean, None if is_control else difference)


def _users(histogram: Histogram) -> int:
    return sum(times for _, times in histogram)


def _ones(histogram: Histogram) -> int:
    return sum(times for value, times in histogram if value == 1)


def _numbers(histogram: Histogram) -> list[tuple[float, int]]:
    return [(value, times) for value, times in histogram if value is not None]

"""The reference semantics of funnels, retention, reports and experiments (SPEC §3.3-3.6,
docs/reports.md): plain Python over the rows a run sees at its as-of, giving the JSON
shapes of the `segl report` interface.

It is the oracle engines will be tested against, so it favours being obviously right over
being fast: a funnel searches every chain of events (memoised), retention walks every
period. Times in and out are naive wall-clock times in the project's zone; durations
(`within`, rolling days and weeks) are elapsed time, measured between instants (a
project-zone wall time that is ambiguous, a repeated hour, is read with `fold=0`).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from segl.compiler import ir, registry
from segl.compiler.ops import TimeUnit, WindowKind
from segl.compiler.reports import model, stats
from segl.compiler.timeutil import calendar_period_start, shift_months, window_bounds
from segl.compiler.types import Type
from segl.compiler.values import arith, bucket_of, conform, key_text, negate
from segl.runtime.reference.definitions import (
    Evaluation,
    Row,
    Tables,
    UserKey,
    Value,
    evaluate_all,
)

UTC = dt.UTC
DEFAULT_ENTRY_DAYS = 30  # a funnel's entry range without --from/--to: the 30 days before
Json = dict[str, Any]


# ---------------------------------------------------------------- entry point


def evaluate_report(
    project: ir.Project,
    tables: Tables,
    name: str,
    as_of: dt.datetime,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    assigned: Mapping[UserKey, str] | None = None,
) -> Json:
    """The result of the funnel, retention, report or experiment `name` at `as_of`.
    [start, end): a funnel's entry range, a retention's range of cohort instants (both
    optional). `assigned`: an experiment's earlier assignments, which stick."""
    reports = project.reports or model.Reports()
    evaluation = evaluate_all(project, tables, as_of)
    zone = ZoneInfo(project.timezone)
    for funnel_def in reports.funnels:
        if funnel_def.name == name:
            return funnel(evaluation, funnel_def, zone, start, end)
    for retention_def in reports.retentions:
        if retention_def.name == name:
            return retention(evaluation, retention_def, zone, start, end)
    for report_def in reports.reports:
        if report_def.name == name:
            return report(evaluation, report_def)
    for experiment_def in reports.experiments:
        if experiment_def.name == name:
            return experiment(evaluation, experiment_def, assigned)
    raise ValueError(f"no funnel, retention, report or experiment named {name!r}")


def json_value(value: Value) -> Value:
    """A value as the JSON interface holds it: whole numbers as integers (engines read
    numbers as doubles), dates and times as ISO text."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _order_key(value: Value) -> tuple[int, Value]:
    """Groups in a stable order: by value (strings by code point), null last."""
    return (1, "") if value is None else (0, value)


class _Clock:
    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    def instant(self, wall: dt.datetime) -> dt.datetime:
        return wall.replace(tzinfo=self.zone, fold=0).astimezone(UTC)


@dataclass(frozen=True)
class _Event:
    """One event row of a user, with its place among the user's rows of its source (the
    identity that makes the events of a chain distinct)."""

    source: str
    index: int
    wall: dt.datetime
    at: dt.datetime  # the instant
    row: Row = field(compare=False)  # not part of the identity (and a dict has no hash)


def _matching(
    evaluation: Evaluation, match: model.EventMatch, clock: _Clock
) -> dict[UserKey, list[_Event]]:
    """user -> the events of `match` before the as-of, in time order."""
    keep = None if match.filter is None else evaluation.per_row(match.filter, match.source)
    found: dict[UserKey, list[_Event]] = {}
    for user, (times, rows) in evaluation.events(match.source).items():
        events = [
            _Event(match.source, index, time, clock.instant(time), row)
            for index, (time, row) in enumerate(zip(times, rows, strict=True))
            if keep is None or keep(user, row) is True
        ]
        if events:
            found[user] = events
    return found


# ---------------------------------------------------------------- funnels


@dataclass(frozen=True)
class _Chain:
    """The furthest a user gets: the number of steps reached, the instants of the chain
    that completes earliest, and the entry event its `by entry` value is read from."""

    reached: int
    times: tuple[dt.datetime, ...]
    entry: _Event
    censored: bool


class _FunnelSearch:
    """Chains of one user (SPEC §3.4): distinct events e1..ek, each matching its step,
    t(e[i+1]) >= t(e[i]), all before t(e1) + within(funnel), and each before the previous
    one's time + within(step) where the step has one."""

    def __init__(self, funnel: model.Funnel, steps: Sequence[Sequence[_Event]]) -> None:
        self.funnel = funnel
        self.steps = steps
        self.longest = cache(self._longest)

    def _longest(
        self, step: int, event: _Event, first: dt.datetime, same_time: frozenset[_Event]
    ) -> tuple[int, tuple[dt.datetime, ...]]:
        """From `event` at step `step` (0-based), the most further steps a chain reaches
        and, among such chains, the smallest instants read from the last step back (the
        chain that completes earliest). `same_time`: the chain's events at event's instant,
        the only used ones a later step could pick again."""
        if step + 1 == len(self.steps):
            return 0, ()
        best: tuple[int, tuple[dt.datetime, ...]] = (0, ())
        for candidate in self._next(step + 1, event, first, same_time):
            used = same_time | {candidate} if candidate.at == event.at else frozenset({candidate})
            depth, tail = self.longest(step + 1, candidate, first, used)
            option = (depth + 1, (*tail, candidate.at))
            if option[0] > best[0] or (option[0] == best[0] and option[1] < best[1]):
                best = option
        return best

    def _next(
        self, step: int, previous: _Event, first: dt.datetime, used: frozenset[_Event]
    ) -> Iterable[_Event]:
        funnel_end = None if self.funnel.within is None else first + self.funnel.within
        within = self.funnel.steps[step].within
        step_end = None if within is None else previous.at + within
        for event in self.steps[step]:
            if event.at < previous.at or event in used:
                continue
            if funnel_end is not None and event.at >= funnel_end:
                continue
            if step_end is not None and event.at >= step_end:
                continue
            yield event

    def window_end(self, first: dt.datetime) -> dt.datetime | None:
        """When an entry's window closes (SPEC §3.4, censoring): the funnel's `within`
        after its first event; None: never (a funnel without one)."""
        return None if self.funnel.within is None else first + self.funnel.within


def _by_entry_key(
    funnel: model.Funnel,
) -> Callable[[_Event], tuple[dt.datetime, tuple[int, Value]]]:
    column = funnel.split.entry_column if funnel.split is not None else None

    def key(event: _Event) -> tuple[dt.datetime, tuple[int, Value]]:
        value = None if column is None else event.row.get(column)
        return event.at, _order_key(value)

    return key


def _furthest(
    funnel: model.Funnel,
    steps: Sequence[Sequence[_Event]],
    entries: Sequence[_Event],
    as_of: dt.datetime,
) -> _Chain:
    search = _FunnelSearch(funnel, steps)
    results = [(entry, search.longest(0, entry, entry.at, frozenset({entry}))) for entry in entries]
    reached = 1 + max(depth for _, (depth, _) in results)
    furthest = [(entry, tail) for entry, (depth, tail) in results if depth + 1 == reached]
    # the earliest-completing chain: smallest instants from the last step back
    entry_of_times, tail = min(furthest, key=lambda pair: (*pair[1], pair[0].at))
    times = (entry_of_times.at, *reversed(tail))
    # `by entry`: the earliest first event of a furthest chain, ties by the smallest value
    entry = min((entry for entry, _ in furthest), key=_by_entry_key(funnel))
    censored = False
    if reached < len(funnel.steps):
        ends = [search.window_end(entry.at) for entry in entries]
        censored = any(end is None or end > as_of for end in ends)
    return _Chain(reached, times, entry, censored)


def funnel(
    evaluation: Evaluation,
    definition: model.Funnel,
    zone: ZoneInfo,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> Json:
    """SPEC §3.4. [start, end) bounds the first step only (default: the 30 days before the
    as-of); later steps count up to the window's end or the as-of."""
    clock = _Clock(zone)
    as_of = evaluation.as_of
    low, high = window_bounds(WindowKind.LAST, TimeUnit.DAY, DEFAULT_ENTRY_DAYS, 0, None, as_of)
    start = start or low or dt.datetime.min  # low is None only before the year 1
    end = end or high
    by_step = [_matching(evaluation, step.event, clock) for step in definition.steps]
    as_of_instant = clock.instant(as_of)
    chains: dict[UserKey, _Chain] = {}
    for user in evaluation.users:
        entries = [e for e in by_step[0].get(user, []) if start <= e.wall < end]
        if entries:
            steps = [found.get(user, []) for found in by_step]
            chains[user] = _furthest(definition, steps, entries, as_of_instant)
    groups = [_funnel_group({}, definition, list(chains.values()))]
    for key, members in _funnel_split(evaluation, definition, chains):
        groups.append(_funnel_group(key, definition, members))
    return {
        "name": definition.name,
        "kind": "funnel",
        "from": json_value(start),
        "to": json_value(end),
        "as_of": json_value(as_of),
        "groups": groups,
    }


def _funnel_split(
    evaluation: Evaluation, definition: model.Funnel, chains: Mapping[UserKey, _Chain]
) -> list[tuple[Json, list[_Chain]]]:
    split = definition.split
    if split is None:
        return []
    value_of: Callable[[UserKey, _Chain], Value]
    if split.value is not None:
        per_user = evaluation.per_user(split.value)
        value_of = lambda user, chain: per_user(user)  # noqa: E731
    else:
        column = split.entry_column or ""
        value_of = lambda user, chain: chain.entry.row.get(column)  # noqa: E731
    grouped: dict[Value, list[_Chain]] = {}
    for user, chain in chains.items():
        grouped.setdefault(value_of(user, chain), []).append(chain)
    return [
        ({split.key: json_value(value)}, grouped[value])
        for value in sorted(grouped, key=_order_key)
    ]


def _funnel_group(key: Json, definition: model.Funnel, chains: Sequence[_Chain]) -> Json:
    steps: list[Json] = []
    counts = [sum(1 for c in chains if c.reached > i) for i in range(len(definition.steps))]
    for index, step in enumerate(definition.steps):
        durations = [
            (chain.times[index] - chain.times[index - 1]).total_seconds()
            for chain in chains
            if index and chain.reached > index
        ]
        steps.append(
            {
                "name": step.name,
                "users": counts[index],
                "rate_from_first": _rate(counts[index], counts[0]),
                "rate_from_previous": _rate(counts[index], counts[index - 1]) if index else None,
                "median_seconds_from_previous": statistics.median(durations) if durations else None,
            }
        )
    return {"key": key, "steps": steps, "censored": sum(1 for c in chains if c.censored)}


def _rate(count: int, base: int) -> float | None:
    return None if base == 0 else count / base


# ---------------------------------------------------------------- retention


def _shift(start: dt.datetime, count: int, period: str) -> dt.datetime:
    if period == "month":
        return shift_months(start, count)
    return start + count * dt.timedelta(days=7 if period == "week" else 1)


@dataclass(frozen=True)
class _Cohort:
    """One user in one cohort: the cohort's period and the user's own cohort instant."""

    user: UserKey
    period: dt.datetime
    wall: dt.datetime
    at: dt.datetime


def _periods(
    definition: model.Retention, member: _Cohort, k: int, clock: _Clock
) -> tuple[dt.datetime, dt.datetime]:
    """The instants [start, end) of period k after a member's cohort period (calendar) or
    after its cohort instant (rolling: days of 24 h, weeks of 7 days, calendar months)."""
    period = definition.period
    if not definition.rolling:
        lo, hi = _shift(member.period, k, period), _shift(member.period, k + 1, period)
        return clock.instant(lo), clock.instant(hi)
    if period == "month":
        lo, hi = shift_months(member.wall, k), shift_months(member.wall, k + 1)
        return clock.instant(lo), clock.instant(hi)
    unit = dt.timedelta(days=7 if period == "week" else 1)
    return member.at + k * unit, member.at + (k + 1) * unit


def _cohorts(
    evaluation: Evaluation,
    definition: model.Retention,
    clock: _Clock,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> dict[dt.datetime, list[_Cohort]]:
    """cohort period -> its members: a user's first-ever cohort event (`first`), or each
    period holding one of the user's cohort events (its first event in that period)."""
    found: dict[dt.datetime, list[_Cohort]] = {}
    for user, events in _matching(evaluation, definition.cohort, clock).items():
        picked = events[:1] if definition.first else events
        seen: set[dt.datetime] = set()
        for event in picked:
            period = calendar_period_start(event.wall, definition.period)
            if period in seen:
                continue
            seen.add(period)
            if (start is None or start <= event.wall) and (end is None or event.wall < end):
                found.setdefault(period, []).append(_Cohort(user, period, event.wall, event.at))
    return found


def retention(
    evaluation: Evaluation,
    definition: model.Retention,
    zone: ZoneInfo,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> Json:
    """SPEC §3.5: per cohort period, its size and the users retained in periods 1 to
    `periods` after it; a period not over at the as-of is null (for rolling periods: when
    any member's is not over)."""
    clock = _Clock(zone)
    as_of = clock.instant(evaluation.as_of)
    returns = {
        user: [event.at for event in events]
        for user, events in _matching(evaluation, definition.returns, clock).items()
    }
    cohorts: list[Json] = []
    for period, members in sorted(_cohorts(evaluation, definition, clock, start, end).items()):
        retained: list[int | None] = []
        for k in range(1, definition.periods + 1):
            bounds = [(member, _periods(definition, member, k, clock)) for member in members]
            if any(hi > as_of for _, (_, hi) in bounds):
                retained.append(None)  # incomplete: unknown, never 0
                continue
            retained.append(
                sum(
                    1
                    for member, (lo, hi) in bounds
                    if _returned(returns.get(member.user, []), lo, hi, definition.on_or_after)
                )
            )
        cohorts.append(
            {"cohort": period.date().isoformat(), "size": len(members), "retained": retained}
        )
    return {
        "name": definition.name,
        "kind": "retention",
        "from": json_value(start),  # the cohort range [from, to); null: unbounded
        "to": json_value(end),
        "as_of": json_value(evaluation.as_of),
        "cohorts": cohorts,
    }


def _returned(times: Sequence[dt.datetime], lo: dt.datetime, hi: dt.datetime, later: bool) -> bool:
    """A return in [lo, hi), or with `on or after` at any time from lo on."""
    return any(lo <= t and (later or t < hi) for t in times)


# ---------------------------------------------------------------- reports


@dataclass(frozen=True)
class _ReportRow:
    user: UserKey
    row: Row | None  # None: a report over users


def report(evaluation: Evaluation, definition: model.Report) -> Json:
    """SPEC §3.6: the rows (users, or events of a source before the as-of and in the
    report's window) grouped by the dimensions, null a group of its own; one row per
    group, and one row over everything when there are no dimensions."""
    value_of = _row_values(evaluation, definition)
    rows = _report_rows(evaluation, definition, value_of)
    dims = [value_of(d.value) for d in definition.dimensions]
    groups: dict[tuple[Value, ...], list[_ReportRow]] = {}
    for row in rows:
        groups.setdefault(tuple(f(row) for f in dims), []).append(row)
    if not definition.dimensions:
        groups.setdefault((), [])
    out: list[Json] = []
    for key in sorted(groups, key=lambda values: tuple(_order_key(v) for v in values)):
        line: Json = {
            d.name: json_value(v) for d, v in zip(definition.dimensions, key, strict=True)
        }
        metrics: dict[str, Value] = {}
        for metric in definition.metrics:
            metrics[metric.name] = _metric(metric.expr, groups[key], metrics, value_of)
        line.update((name, json_value(value)) for name, value in metrics.items())
        out.append(line)
    return {
        "name": definition.name,
        "kind": "report",
        "over": definition.over,
        "as_of": json_value(evaluation.as_of),
        "rows": out,
    }


RowValue = Callable[[_ReportRow], Value]


def _row_values(evaluation: Evaluation, definition: model.Report) -> Callable[[ir.Expr], RowValue]:
    """An expression over one row of the report: per user, or per event of the source."""
    cached: dict[ir.Expr, RowValue] = {}

    def compile_row(expr: ir.Expr) -> RowValue:
        if expr not in cached:
            if definition.over_users:
                per_user = evaluation.per_user(expr)
                cached[expr] = lambda r: conform(per_user(r.user), expr.type)
            else:
                per_row = evaluation.per_row(expr, definition.over)
                cached[expr] = lambda r: conform(per_row(r.user, r.row or {}), expr.type)
        return cached[expr]

    return compile_row


def _report_rows(
    evaluation: Evaluation, definition: model.Report, value_of: Callable[[ir.Expr], RowValue]
) -> list[_ReportRow]:
    if definition.over_users:
        rows = [_ReportRow(user, None) for user in evaluation.users]
    else:
        low, high = None, evaluation.as_of
        if definition.window is not None:
            w = definition.window
            low, high = window_bounds(
                w.kind, w.unit, w.start_count, w.end_count, w.since, evaluation.as_of
            )
        rows = [
            _ReportRow(user, row)
            for user, (times, source_rows) in evaluation.events(definition.over).items()
            for time, row in zip(times, source_rows, strict=True)
            if (low is None or low <= time) and time < high
        ]
    if definition.where is None:
        return rows
    keep = value_of(definition.where)
    return [row for row in rows if keep(row) is True]


def _user_key(row: _ReportRow) -> Value:
    return row.user


_NO_TIME = dt.datetime.min  # the registry's folds take (time, value) pairs; rows have none


def _metric(
    expr: model.MetricExpr,
    rows: Sequence[_ReportRow],
    earlier: Mapping[str, Value],
    value_of: Callable[[ir.Expr], RowValue],
) -> Value:
    match expr:
        case model.MetricNumber(value=number):
            return number
        case model.MetricRef(name=name):
            return earlier[name]
        case model.MetricNeg(operand=operand):
            return negate(_metric(operand, rows, earlier, value_of))
        case model.MetricArith(op=op, left=left, right=right):
            lhs = _metric(left, rows, earlier, value_of)
            return arith(op, lhs, _metric(right, rows, earlier, value_of))
        case model.RowAggregate():
            return _row_aggregate(expr, rows, value_of)
    raise ValueError(f"cannot evaluate {expr!r}")


def _row_aggregate(
    aggregate: model.RowAggregate,
    rows: Sequence[_ReportRow],
    value_of: Callable[[ir.Expr], RowValue],
) -> Value:
    entry = registry.aggregate(aggregate.func)
    keep = None if aggregate.filter is None else value_of(aggregate.filter)
    value = None if aggregate.value is None else value_of(aggregate.value)
    if aggregate.counts_users:  # the users' keys as they are, not read as numbers
        value = _user_key
    picked = [
        (_NO_TIME, 1.0 if value is None else value(row))  # count(): every row counts as 1
        for row in rows
        if keep is None or keep(row) is True
    ]
    result = entry.fold(aggregate.constants)(picked)
    result_type = entry.result or (aggregate.value.type if aggregate.value else Type.NUMBER)
    return conform(result, result_type)


# ---------------------------------------------------------------- experiments


def assignments(
    evaluation: Evaluation,
    definition: model.Experiment,
    assigned: Mapping[UserKey, str] | None = None,
) -> dict[UserKey, str]:
    """user -> arm (SPEC §3.3): an earlier assignment sticks; a user of the population
    without one gets the arm whose range holds bucket(user, salt). A key that has no text
    to hash (a fraction) is not assigned."""
    result = dict(assigned or {})
    in_population = evaluation.per_user(definition.population)
    for user in evaluation.users:
        if user in result or in_population(user) is not True:
            continue
        key = key_text(user)
        arm = None if key is None else definition.arm_of(bucket_of(key, definition.salt))
        if arm is not None:
            result[user] = arm
    return result


def unassignable(
    evaluation: Evaluation,
    definition: model.Experiment,
    assigned: Mapping[UserKey, str] | None = None,
) -> int:
    """The users of the population without an assignment whose key has no bucket."""
    in_population = evaluation.per_user(definition.population)
    earlier = assigned or {}
    return sum(
        1
        for user in evaluation.users
        if user not in earlier and in_population(user) is True and key_text(user) is None
    )


def experiment(
    evaluation: Evaluation,
    definition: model.Experiment,
    assigned: Mapping[UserKey, str] | None = None,
) -> Json:
    """Per arm: its users and each metric's mean with the difference to control, its 95%
    interval and the relative lift; and the sample-ratio-mismatch p-value."""
    arm_of = assignments(evaluation, definition, assigned)
    members: dict[str, list[UserKey]] = {arm.name: [] for arm in definition.arms}
    for user, arm_name in arm_of.items():
        if arm_name in members:  # an earlier assignment to an arm since removed: left out
            members[arm_name].append(user)
    universe = set(evaluation.users)
    per_user = {m.name: evaluation.per_user(m.value) for m in definition.metrics}

    def value(metric: str, user: UserKey) -> Value:
        # a sticky user no longer in the universe stays in their arm but has no values at
        # the as-of: left out of means, not TRUE in shares (docs/reports.md)
        return per_user[metric](user) if user in universe else None

    arms: list[Json] = []
    for arm in definition.arms:
        metrics: Json = {}
        for metric in definition.metrics:
            values = [value(metric.name, user) for user in members[arm.name]]
            control = [value(metric.name, u) for u in members[definition.control]]
            metrics[metric.name] = _arm_metric(
                metric, values, control, arm.name == definition.control
            )
        arms.append({"arm": arm.name, "users": len(members[arm.name]), "metrics": metrics})
    counts = [len(members[arm.name]) for arm in definition.arms]
    srm = stats.sample_ratio_p(counts, [arm.weight for arm in definition.arms])
    return {
        "name": definition.name,
        "kind": "experiment",
        "salt": definition.salt,
        "control": definition.control,
        "as_of": json_value(evaluation.as_of),
        "arms": arms,
        "srm_p": srm,
        "srm_mismatch": srm is not None and srm < stats.SRM_THRESHOLD,
        "unassigned": unassignable(evaluation, definition, assigned),
    }


def _arm_metric(
    metric: model.ExperimentMetric,
    values: Sequence[Value],
    control: Sequence[Value],
    is_control: bool,
) -> Json:
    if metric.kind == model.SHARE:
        hits, control_hits = _hits(values), _hits(control)
        mean = hits / len(values) if values else None
        difference = stats.proportions((hits, len(values)), (control_hits, len(control)))
    else:
        numbers = [float(v) for v in values if v is not None]  # nulls left out, as SQL
        summary = stats.summarise(numbers)
        mean = summary.mean
        difference = stats.welch(
            summary, stats.summarise([float(v) for v in control if v is not None])
        )
    return stats.arm_metric(mean, None if is_control else difference)


def _hits(values: Sequence[Value]) -> int:
    return sum(1 for value in values if value is True)

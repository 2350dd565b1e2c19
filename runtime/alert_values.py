"""The numbers alerts are made of (compiler/alerts/model.py leaves), read from a project's
stored results on an engine. The reference computes the same from RunResults in Python
(runtime/reference/migration.py); tests/test_migration_differential.py holds them equal.

At a run at T (its own rows for T already written, possibly not its run log row: ClickHouse
and Spark write that last, as the commit marker):

- `Users`: the rows of the tags table at T; `Size`: a segment's members, or a layer's users;
  `Share`: a layer's users over the universe (null when empty).
- `Moved(L, a, b, over D)`: the reference run R is the latest stored run with
  `as_of <= T - D`; among the users in `a` at R, the share in `b` at T (`(left)`: no longer
  in the universe). One query per (R, layering, a), whatever the number of leaves: the
  matrix's row of `a`, reading only the users in `a` at R.
- `Change(x, over D)`: `(x(T) - x(R)) / x(R)`, null when x(R) is 0 or null.
- `ReportValue`: computed at T with runtime/reports.py over the report's default range (a
  funnel: entries in the 30 days before T; a retention: every cohort); a funnel's
  conversion from its first step to `step` in its total group; a retention's share
  retained at `period` of its latest cohort whose cell is complete. For `change` the same
  is computed at R (with the current definition: comparable by construction).

A leaf is unknown (value None, `unknown` saying why) without a reference run, when the
definition it reads changed between R and T (the run log's fingerprints), or when the
report it reads cannot be computed on the engine: the compiler's refusal (E0501), or no
persons stored at that run for a project with an identity (E0822), both found before
the report's SQL runs, so the run goes on (`ReportUnknown`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.alerts.model import (
    Change,
    Leaf,
    Moved,
    Number,
    Over,
    ReportValue,
    Share,
    Size,
    Users,
    before,
)
from segl.compiler.fingerprints import definition_fingerprints
from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.store import Store
from segl.compiler.targets import TargetError
from segl.compiler.timeutil import wall_text
from segl.dsl.diagnostics import DiagnosticError
from segl.runtime.engines import Engine
from segl.runtime.migration import Matrix, RunFingerprints, change_reason, read_origin_row
from segl.runtime.migration import stored_fingerprints as read_fingerprints

Json = Any


class ReportUnknown(Exception):
    """A report a leaf reads cannot be computed on the engine (found before its SQL ran):
    the leaf is unknown, with this reason, and the run goes on."""


@dataclass(frozen=True)
class LeafValue:
    value: float | None  # None: null (e.g. a share over no users) or unknown
    reference_as_of: dt.datetime | None = None  # the reference run used (Moved, Change)
    unknown: str | None = None  # why the value cannot be known; None when known


# ---------------------------------------------------------------- shared by both sides


def reference_run(
    stored: Sequence[dt.datetime], as_of: dt.datetime, over: Over
) -> dt.datetime | None:
    """The latest stored run with as_of <= T - over."""
    latest = before(as_of, over)
    earlier = [] if latest is None else [s for s in stored if s <= latest]
    return max(earlier) if earlier else None


def no_reference(as_of: dt.datetime, over: Over) -> str:
    latest = before(as_of, over)
    if latest is None:
        return "no stored run can be that old: as-of - over falls before the year 1"
    return f"no stored run as of {wall_text(latest)} or before"


def read_definition(leaf: Number | Moved) -> tuple[str, str] | None:
    """(kind, name) of the definition a leaf reads, whose fingerprint must match; None for
    the universe and for reports (computed with the current definition at both runs)."""
    match leaf:
        case Size(segment=str(segment)):
            return "segment", segment
        case Size(layering=str(layering)) | Share(layering=layering) | Moved(layering=layering):
            return "layering", layering
        case _:
            return None


def moved_value(matrix: Matrix, leaf: Moved) -> float | None:
    return matrix.share(leaf.origin, leaf.destination)


def change_value(now: float | None, then: float | None) -> float | None:
    if now is None or then is None or then == 0:
        return None
    return (now - then) / then


def report_number(result: Json, leaf: ReportValue) -> float | None:
    """The number a ReportValue reads from a report's JSON result (docs/reports.md)."""
    if leaf.kind == "funnel":
        total = result["groups"][0]
        steps = total["steps"]
        step = steps[-1] if leaf.step is None else next(s for s in steps if s["name"] == leaf.step)
        rate = step["rate_from_first"]
        return None if rate is None else float(rate)
    period = leaf.period or 1
    for cohort in reversed(result["cohorts"]):
        retained = cohort["retained"][period - 1]
        if retained is not None:
            return retained / cohort["size"] if cohort["size"] else None
    return None


@dataclass
class Counts:
    """The per-run numbers of Users, Size and Share, as one object per as-of."""

    users: int = 0
    segments: dict[str, int] = field(default_factory=dict)
    layers: dict[tuple[str, str], int] = field(default_factory=dict)

    def number(self, leaf: Users | Size | Share) -> float | None:
        match leaf:
            case Users():
                return float(self.users)
            case Size(segment=str(segment)):
                return float(self.segments.get(segment, 0))
            case Size(layering=str(layering), layer=str(layer)):
                return float(self.layers.get((layering, layer), 0))
            case Share(layering=layering, layer=layer):
                count = self.layers.get((layering, layer), 0)
                return count / self.users if self.users else None
        raise ValueError(f"not a count: {leaf!r}")


class LeafComputer:
    """Computes leaves against one side's stored runs: the engine's or the reference's."""

    def __init__(
        self,
        as_of: dt.datetime,
        stored: Sequence[dt.datetime],
        fingerprints: Mapping[dt.datetime, RunFingerprints],
        counts: Callable[[dt.datetime], Counts],
        matrix: Callable[[str, dt.datetime, dt.datetime, str], Matrix],
        report: Callable[[ReportValue, dt.datetime], float | None],
    ) -> None:
        self.as_of = as_of
        self.stored = sorted(set(stored) | {as_of})
        self.fingerprints = fingerprints
        self._counts_fn, self._matrix_fn, self._report_fn = counts, matrix, report
        self._counts: dict[dt.datetime, Counts] = {}
        self._matrices: dict[tuple[str, dt.datetime, str], Matrix] = {}
        self._reports: dict[tuple[ReportValue, dt.datetime], float | None] = {}

    def counts(self, as_of: dt.datetime) -> Counts:
        if as_of not in self._counts:
            self._counts[as_of] = self._counts_fn(as_of)
        return self._counts[as_of]

    def report(self, leaf: ReportValue, as_of: dt.datetime) -> float | None:
        if (leaf, as_of) not in self._reports:
            self._reports[(leaf, as_of)] = self._report_fn(leaf, as_of)
        return self._reports[(leaf, as_of)]

    def number(self, leaf: Number, as_of: dt.datetime) -> float | None:
        if isinstance(leaf, ReportValue):
            return self.report(leaf, as_of)
        return self.counts(as_of).number(leaf)

    def _changed(self, leaf: Number | Moved, reference: dt.datetime) -> str | None:
        read = read_definition(leaf)
        if read is None:
            return None
        kind, name = read
        return change_reason(
            name,
            kind,
            (reference, self.fingerprints[reference]),
            (self.as_of, self.fingerprints[self.as_of]),
        )

    def value(self, leaf: Leaf) -> LeafValue:
        try:
            return self._value(leaf)
        except ReportUnknown as unknown:
            reference = None
            if isinstance(leaf, Moved | Change):
                reference = reference_run(self.stored, self.as_of, leaf.over)
            return LeafValue(None, reference, str(unknown))

    def _value(self, leaf: Leaf) -> LeafValue:
        match leaf:
            case Moved(over=over) | Change(over=over):
                reference = reference_run(self.stored, self.as_of, over)
                if reference is None:
                    return LeafValue(None, None, no_reference(self.as_of, over))
                measured = leaf if isinstance(leaf, Moved) else leaf.value
                reason = self._changed(measured, reference)
                if reason is not None:
                    return LeafValue(None, reference, reason)
                if isinstance(leaf, Moved):
                    key = (leaf.layering, reference, leaf.origin)
                    if key not in self._matrices:
                        self._matrices[key] = self._matrix_fn(
                            leaf.layering, reference, self.as_of, leaf.origin
                        )
                    return LeafValue(moved_value(self._matrices[key], leaf), reference)
                now = self.number(leaf.value, self.as_of)
                then = self.number(leaf.value, reference)
                return LeafValue(change_value(now, then), reference)
            case _:
                return LeafValue(self.number(leaf, self.as_of))


# ---------------------------------------------------------------- on an engine


@dataclass(frozen=True)
class CountsWanted:
    """What the Users, Size and Share leaves of a run read: the universe's size or not, the
    segments and the layerings, so a run counts only those rows."""

    users: bool
    segments: frozenset[str]
    layerings: frozenset[str]

    @classmethod
    def of(cls, leaves: Sequence[Leaf]) -> CountsWanted:
        numbers = [leaf.value if isinstance(leaf, Change) else leaf for leaf in leaves]
        return cls(
            any(isinstance(n, Users | Share) for n in numbers),
            frozenset(n.segment for n in numbers if isinstance(n, Size) and n.segment),
            frozenset(n.layering for n in numbers if isinstance(n, Size | Share) and n.layering),
        )


def _count_by(
    engine: Engine,
    table: str,
    as_of: dt.datetime,
    keys: Sequence[str] = (),
    first_key_in: frozenset[str] = frozenset(),
) -> list[tuple[Any, ...]]:
    """The rows of `table` at `as_of` counted by `keys`, those whose first key is in
    `first_key_in` only (all rows when it is empty)."""
    target = engine.target
    where: exp.Expression = exp.EQ(this=col("as_of"), expression=target.timestamp(as_of))
    if keys and first_key_in:
        listed = [target.string(value) for value in sorted(first_key_in)]
        where = exp.And(this=where, expression=exp.In(this=col(keys[0]), expressions=listed))
    query = (
        exp.Select(expressions=[*(col(k) for k in keys), exp.Count(this=exp.Star())])
        .from_(table_ref(table), copy=False)
        .where(where, copy=False)
    )
    if keys:
        query = query.group_by(*(col(k) for k in keys), copy=False)
    return engine.query(render(query, engine.target, pretty=False))


def stored_counts(engine: Engine, store: Store, as_of: dt.datetime, wanted: CountsWanted) -> Counts:
    """The universe's size, segment sizes and layer counts stored for an as-of, as far as
    `wanted` (at most three small queries)."""
    counts = Counts()
    if wanted.users:
        users = _count_by(engine, store.tags.name, as_of)
        counts.users = int(users[0][0]) if users else 0
    if wanted.segments:
        found = _count_by(engine, store.members.name, as_of, ["segment"], wanted.segments)
        counts.segments = {str(s): int(n) for s, n in found}
    if wanted.layerings:
        keys = ["layering", "layer"]
        found = _count_by(engine, store.layers.name, as_of, keys, wanted.layerings)
        counts.layers = {(str(a), str(b)): int(n) for a, b, n in found}
    return counts


class ReportRuns:
    """ReportValues computed on the engine, keeping each result computed at the run's as-of
    so the caller can store it in the report results table (`keep_report_results`)."""

    def __init__(
        self, engine: Engine, store: Store, project: ir.Project, as_of: dt.datetime
    ) -> None:
        self.engine, self.store, self.project, self.as_of = engine, store, project, as_of
        self.results: dict[str, tuple[Json, tuple[dt.datetime | None, dt.datetime | None]]] = {}
        self._by_run: dict[tuple[str, dt.datetime], Json] = {}

    def __call__(self, leaf: ReportValue, as_of: dt.datetime) -> float | None:
        from segl.runtime import reports

        key = (leaf.report, as_of)
        if key not in self._by_run:
            engine, project = self.engine, self.project
            try:  # both refusals come before any of the report's SQL is sent
                persons = reports.persons_at(engine, self.store, project, as_of)
                if leaf.kind == "funnel":
                    start, end = reports.entry_range(as_of, None, None)
                    result = reports.run_funnel(
                        engine, project, leaf.report, as_of, persons=persons
                    )
                    span: tuple[dt.datetime | None, dt.datetime | None] = (start, end)
                else:
                    result = reports.run_retention(
                        engine, project, leaf.report, as_of, persons=persons
                    )
                    span = (None, None)
            except TargetError as err:
                raise ReportUnknown(f"{leaf.kind} {leaf.report}: {err.code} {err}") from err
            except DiagnosticError as err:
                first = err.diagnostics[0]
                raise ReportUnknown(
                    f"{leaf.kind} {leaf.report}: {first.code} {first.message}"
                ) from err
            self._by_run[key] = result
            if as_of == self.as_of:
                self.results[leaf.report] = (result, span)
        return report_number(self._by_run[key], leaf)


def compute_leaf_values(
    engine: Engine,
    store: Store,
    project: ir.Project,
    as_of: dt.datetime,
    leaves: Sequence[Leaf],
    stored: Mapping[dt.datetime, RunFingerprints] | None = None,
) -> tuple[dict[Leaf, LeafValue], ReportRuns]:
    """Every leaf at the run at `as_of`, and the report results computed for it. `stored`:
    the stored runs' fingerprints, when the caller has read them already."""
    fingerprints = dict(stored if stored is not None else read_fingerprints(engine, store))
    # this run's own fingerprints are the rules' (its run log row may not be written yet)
    fingerprints[as_of] = RunFingerprints(
        ir.fingerprint(project), definition_fingerprints(project), project.timezone
    )
    layerings = {la.name: la for la in project.layerings}
    wanted = CountsWanted.of(leaves)
    report_runs = ReportRuns(engine, store, project, as_of)
    computer = LeafComputer(
        as_of,
        list(fingerprints),
        fingerprints,
        lambda at: stored_counts(engine, store, at, wanted),
        lambda name, a, b, origin: read_origin_row(engine, store, layerings[name], origin, a, b),
        report_runs,
    )
    return {leaf: computer.value(leaf) for leaf in leaves}, report_runs


def leaf_values(
    engine: Engine, store: Store, project: ir.Project, as_of: dt.datetime, leaves: Sequence[Leaf]
) -> dict[Leaf, LeafValue]:
    """Every leaf at the run at `as_of`, read from the stored results (the run's own rows
    for `as_of` are already written, in the same transaction)."""
    return compute_leaf_values(engine, store, project, as_of, leaves)[0]


def keep_report_results(engine: Engine, store: Store, runs: ReportRuns, version: str) -> None:
    """Store the report results computed at the run's as-of in the report results table,
    as `segl report` does (its own transaction: call it after the run has committed)."""
    from segl.runtime.report_command import store_results

    if not runs.results:
        return
    results = [result for result, _ in runs.results.values()]
    spans = [span for _, span in runs.results.values()]
    store_results(engine, store, results, runs.as_of, spans, version)

"""Migration matrices and alert leaf values in plain Python, from RunResults (one per
stored as-of), independent of the SQL of runtime/migration.py and runtime/alert_values.py
(the differential test holds them equal). The semantics (SPEC §3.7) are in those modules'
docstrings; what both sides share is only the arithmetic of a value from its counts
(alert_values.LeafComputer) and the wording of the unknown reasons."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence

from segl.compiler import ir
from segl.compiler.alerts.model import LEFT, NEW, NONE, Leaf, ReportValue
from segl.runtime.alert_values import Counts, LeafComputer, LeafValue, report_number
from segl.runtime.migration import Matrix, RunFingerprints
from segl.runtime.reference.definitions import Tables
from segl.runtime.reference.identity import resolve, stale_keys
from segl.runtime.results import RunResult


def reference_matrix(
    layering: ir.Layering,
    earlier: RunResult,
    later: RunResult,
    moves: Mapping[str, str] | None = None,
) -> Matrix:
    """Users per (layer at `earlier`, layer at `later`), (new)/(left)/(none) as in SQL.
    With an identity, `moves`: the keys of `earlier` that are no person's key at `later`,
    each with the person its ID belongs to then (reference/identity.py stale_keys); each
    user of `earlier` is followed there."""
    assigned_then = earlier.layers.get(layering.name, {})
    assigned_now = later.layers.get(layering.name, {})
    moves = moves or {}
    counts: Counter[tuple[str, str]] = Counter()
    reached = set()
    for user in earlier.users:
        person = moves.get(user, user)
        reached.add(person)
        destination = assigned_now.get(person, NONE) if person in later.users else LEFT
        counts[(assigned_then.get(user, NONE), destination)] += 1
    for user in later.users - reached:
        counts[(NEW, assigned_now.get(user, NONE))] += 1
    layers = tuple(layer.name for layer in layering.layers)
    return Matrix(layering.name, earlier.as_of, later.as_of, dict(counts), layers)


def reference_counts(run: RunResult) -> Counts:
    layers: Counter[tuple[str, str]] = Counter()
    for layering, assigned in run.layers.items():
        for layer in assigned.values():
            layers[(layering, layer)] += 1
    return Counts(len(run.users), run.segment_sizes(), dict(layers))


def reference_leaf_values(
    runs: Mapping[dt.datetime, RunResult],
    fingerprints: Mapping[dt.datetime, Mapping[str, str]],
    project: ir.Project,
    as_of: dt.datetime,
    leaves: Sequence[Leaf],
    tables: Tables | None = None,
) -> dict[Leaf, LeafValue]:
    """Every leaf at the run at `as_of` (which `runs` holds) over the stored runs `runs`;
    `fingerprints`: each run's definition fingerprints. `tables`: the warehouse, needed
    for ReportValue leaves (computed by runtime/reference/reports.py) and, with an
    identity, to follow persons between runs."""
    layerings = {la.name: la for la in project.layerings}

    def report(leaf: ReportValue, at: dt.datetime) -> float | None:
        from segl.runtime.reference.reports import evaluate_report
        from segl.runtime.reports import entry_range

        if tables is None:
            raise ValueError("a ReportValue leaf needs the tables")
        span = entry_range(at, None, None) if leaf.kind == "funnel" else (None, None)
        return report_number(evaluate_report(project, tables, leaf.report, at, *span), leaf)

    def moves(at: dt.datetime) -> dict[str, str]:
        if project.identity is None:
            return {}
        if tables is None:
            raise ValueError("a project with an identity needs the tables to follow persons")
        return stale_keys(project.identity.kinds, resolve(project, tables, at))

    known = {at: RunFingerprints(None, dict(fp)) for at, fp in fingerprints.items()}
    computer = LeafComputer(
        as_of,
        list(runs),
        known,
        lambda at: reference_counts(runs[at]),
        lambda name, a, b, _origin: reference_matrix(layerings[name], runs[a], runs[b], moves(b)),
        report,
    )
    return {leaf: computer.value(leaf) for leaf in leaves}

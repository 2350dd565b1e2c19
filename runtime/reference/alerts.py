"""Alert states over a sequence of runs in plain Python (SPEC §3.7, docs/monitoring.md):
the fold the engine's alert runs (runtime/alerts.py) must agree with, written as a walk
forward through the runs rather than as a step from a stored previous row.

Each run's leaves come from the reference's stored runs up to it
(runtime/reference/migration.py reference_leaf_values); the condition's truth from the
pure evaluation of compiler/alerts/evaluate.py. Per alert, the walk carries the current
firing's start and the as-ofs of the notifications sent so far.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from segl.compiler import ir
from segl.compiler.alerts.evaluate import holds, sides
from segl.compiler.alerts.model import Alert, Leaf, leaves
from segl.runtime.alert_values import LeafValue

# a null condition without an unknown leaf; the W0902 remark, as a run adds it
from segl.runtime.alerts import NULL_VALUE, with_stale_remark
from segl.runtime.reference.definitions import Tables
from segl.runtime.reference.migration import reference_leaf_values
from segl.runtime.results import RunResult


@dataclass(frozen=True)
class ReferenceState:
    """An alert at one run, as the alert history keeps it."""

    alert: str
    as_of: dt.datetime
    state: str  # firing, ok, unknown
    value: float | None
    threshold: float | None
    reference_as_of: dt.datetime | None
    firing_since: dt.datetime | None
    notification_id: str | None
    # why it is unknown, and that its reference run is stale (None for firing and ok with
    # a recent reference run)
    detail: str | None


@dataclass
class _Walk:
    """One alert's memory between runs."""

    since: dt.datetime | None = None  # the current firing's first run
    sent: list[dt.datetime] = field(default_factory=list)  # runs that notified


def _notification(project: str, alert: str, as_of: dt.datetime) -> str:
    text = "\x00".join((project, alert, as_of.isoformat(sep=" ")))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _due(alert: Alert, walk: _Walk, as_of: dt.datetime) -> bool:
    """Whether the run at `as_of` notifies (the alert firing there, `walk.since` set)."""
    assert walk.since is not None
    if walk.since == as_of:
        recent = [t for t in walk.sent if alert.cooldown is not None and t > as_of - alert.cooldown]
        return not recent
    if alert.repeat is None:
        return False
    this_firing = [t for t in walk.sent if t >= walk.since]
    last = this_firing[-1] if this_firing else walk.since
    return as_of - last >= alert.repeat


def _why_unknown(alert: Alert, values: Mapping[Leaf, LeafValue]) -> str:
    reasons: list[str] = []
    for leaf in leaves(alert.condition):
        reason = values[leaf].unknown
        if reason and reason not in reasons:
            reasons.append(reason)
    return "; ".join(reasons) or NULL_VALUE


def _reference_run(alert: Alert, values: Mapping[Leaf, LeafValue]) -> dt.datetime | None:
    found = [values[leaf].reference_as_of for leaf in leaves(alert.condition)]
    return next((r for r in found if r is not None), None)


def fold_alerts(
    project: ir.Project,
    runs: Mapping[dt.datetime, RunResult],
    fingerprints: Mapping[dt.datetime, Mapping[str, str]],
    tables: Tables | None = None,
) -> list[ReferenceState]:
    """Every alert at every run of `runs`, the runs taken in as-of order, each seeing the
    runs up to it as stored (`fingerprints`: each run's definition fingerprints; `tables`:
    the warehouse, for report leaves)."""
    alerts = project.alerts.alerts if project.alerts else ()
    wanted: list[Leaf] = []
    for alert in alerts:
        wanted += [leaf for leaf in leaves(alert.condition) if leaf not in wanted]
    walks = {alert.name: _Walk() for alert in alerts}
    states: list[ReferenceState] = []
    seen: dict[dt.datetime, RunResult] = {}
    for as_of in sorted(runs):
        seen[as_of] = runs[as_of]
        known = {at: fingerprints[at] for at in seen}
        values = reference_leaf_values(seen, known, project, as_of, wanted, tables)
        plain = {leaf: values[leaf].value for leaf in wanted}
        for alert in alerts:
            walk = walks[alert.name]
            # SPEC §3.7: a number that cannot be known (no reference run) makes the alert
            # unknown, whatever three-valued logic would make of the rest
            unknowable = any(values[leaf].unknown for leaf in leaves(alert.condition))
            truth = None if unknowable else holds(alert.condition, plain)
            state = "unknown" if truth is None else "firing" if truth else "ok"
            walk.since = (walk.since or as_of) if state == "firing" else None
            notify = state == "firing" and _due(alert, walk, as_of)
            if notify:
                walk.sent.append(as_of)
            measured = sides(alert.condition, plain)
            states.append(
                ReferenceState(
                    alert.name,
                    as_of,
                    state,
                    measured.value,
                    measured.threshold,
                    _reference_run(alert, values),
                    walk.since,
                    _notification(project.name, alert.name, as_of) if notify else None,
                    with_stale_remark(
                        _why_unknown(alert, values) if state == "unknown" else None,
                        alert,
                        as_of,
                        values,
                    ),
                )
            )
    return states

"""A run's alerts (SPEC §3.7, docs/monitoring.md): inside the run's transaction, after the
run's results (tags, members, layers, journeys) are written and before its run log row,
read every alert's leaves from the stored results (runtime/alert_values.py), evaluate each
condition with three-valued logic (compiler/alerts/evaluate.py), step the alert's state
machine from its previous history row, and stage one history row per alert; the compiled
run's statements then write them (CompiledRun.alert_statements).

Engines without transactions (ClickHouse, Spark) publish the run log row last: a history
row whose as-of has no run log row was left by a killed run. It is never read as a
previous state, never listed, never notified, and the next run replaces it.

The state machine, per alert, at a run at T:
- the state is `firing` when the condition is TRUE, `ok` when FALSE, `unknown` when NULL
  or when one of its numbers cannot be known (no reference run: SPEC §3.7);
- `firing_since` carries over from the previous row (the alert's committed row with the
  greatest as-of before T) while it keeps firing, else it is T; not from a row of another
  condition (the alert was edited since) or across a run that evaluated alerts without it
  (it was left out of the rules then): that is another alert's firing;
- a notification is due when the alert starts firing (firing_since == T) and none was
  sent within its cooldown before T, or, with `repeat every D`, when it keeps firing and
  the latest notification of this firing (or its start, when none was sent) is D or more
  before T. Its id is deterministic: sha256 over (project, alert, T).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.alerts.evaluate import holds, measured_op, sides
from segl.compiler.alerts.model import (
    Alert,
    Change,
    Leaf,
    Months,
    Moved,
    Over,
    before,
    leaves,
    shortest,
)
from segl.compiler.fingerprints import ALERT_KEY, alert_fingerprints
from segl.compiler.script import CompiledRun, Statement
from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.store import Store, Table
from segl.compiler.targets import Target
from segl.compiler.timeutil import earlier, wall_text
from segl.compiler.types import Type
from segl.dsl.diagnostics import Diagnostic, Severity
from segl.runtime.engines import Engine, EngineError
from segl.runtime.migration import RunFingerprints, stored_fingerprints
from segl.runtime.store import StoredRuns

if TYPE_CHECKING:
    from segl.runtime.alert_values import LeafValue, ReportRuns

FIRING = "firing"
OK = "ok"
UNKNOWN = "unknown"
STATES = (FIRING, OK, UNKNOWN)
NOOP = "SELECT 1"
NULL_VALUE = "null value (a share over no users, a change from 0, a division by zero)"
NOT_EVALUATED = "not evaluated yet: no run since the alert was added"
# a reference run older than T - over by more than `over` again is reported (W0902)
STALE_FACTOR = 1


@dataclass(frozen=True)
class AlertRow:
    """One row of the alert history (compiler/store.py Store.alerts)."""

    as_of: dt.datetime
    alert: str
    title: str | None
    state: str
    value: float | None
    threshold: float | None
    reference_as_of: dt.datetime | None
    firing_since: dt.datetime | None
    notification_id: str | None
    detail: str | None

    def staged(self) -> list[object]:
        return [
            self.alert,
            self.title,
            self.state,
            self.value,
            self.threshold,
            self.reference_as_of,
            self.firing_since,
            self.notification_id,
            self.detail,
        ]


def notification_id(project: str, alert: str, as_of: dt.datetime) -> str:
    """Deterministic per (project, alert, as-of): the delivery's idempotency key, made as
    journey message ids are (sha256 of the parts joined by NUL, the first 32 hex digits)."""
    parts = (project, alert, as_of.isoformat(sep=" "))
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


# ---------------------------------------------------------------- the state machine


def _reference(alert: Alert, readings: Mapping[Leaf, LeafValue]) -> dt.datetime | None:
    """The reference run of the condition's first leaf that compared with one."""
    for leaf in leaves(alert.condition):
        reading = readings.get(leaf)
        if reading is not None and reading.reference_as_of is not None:
            return reading.reference_as_of
    return None


def _cannot_be_known(alert: Alert, readings: Mapping[Leaf, LeafValue]) -> bool:
    return any(
        leaf not in readings or readings[leaf].unknown is not None
        for leaf in leaves(alert.condition)
    )


def _unknown_detail(alert: Alert, readings: Mapping[Leaf, LeafValue]) -> str:
    reasons = [
        reading.unknown
        for leaf in leaves(alert.condition)
        if (reading := readings.get(leaf)) is not None and reading.unknown
    ]
    missing = [leaf for leaf in leaves(alert.condition) if leaf not in readings]
    if missing:
        reasons.append(f"no value for {len(missing)} of its numbers")
    return "; ".join(dict.fromkeys(reasons)) or NULL_VALUE


def stale_references(
    alert: Alert, as_of: dt.datetime, readings: Mapping[Leaf, LeafValue]
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(T - over, reference run) of the leaves whose reference run is much older than
    T - over (by `over` again): runs are missing, and the comparison spans longer than the
    rule says."""
    found: list[tuple[dt.datetime, dt.datetime]] = []
    for leaf in leaves(alert.condition):
        reading = readings.get(leaf)
        if not isinstance(leaf, Moved | Change) or reading is None:
            continue
        reference, latest = reading.reference_as_of, before(as_of, leaf.over)
        if reference is None or latest is None:
            continue
        oldest_fair = earlier(latest, (as_of - latest) * STALE_FACTOR)  # None: none is older
        if oldest_fair is not None and reference < oldest_fair:
            found.append((latest, reference))
    return found


def with_stale_remark(
    detail: str | None, alert: Alert, as_of: dt.datetime, readings: Mapping[Leaf, LeafValue]
) -> str | None:
    """An alert's detail (why it is unknown, or None) and, when its reference run is much
    older than T - over, that remark too: W0902 says so in every state."""
    stale = stale_references(alert, as_of, readings)
    remarks = [r for r in (detail, stale_detail(as_of, stale) if stale else None) if r]
    return "; ".join(remarks) if remarks else None


def stale_detail(as_of: dt.datetime, stale: Sequence[tuple[dt.datetime, dt.datetime]]) -> str:
    latest, reference = stale[0]
    return (
        f"the reference run {wall_text(reference)} is {_span(latest - reference)} "
        f"older than {wall_text(latest)} (as-of - over): the comparison spans "
        f"{_span(as_of - reference)}"
    )


def over_text(over: Over) -> str:
    """`7 days`, `1 month`."""
    if isinstance(over, Months):
        return f"{over.count} month{'s' if over.count != 1 else ''}"
    return _span(over)


def _span(delta: dt.timedelta) -> str:
    """`7 days`, `6 hours`, `15 minutes`; a span of no whole unit in its largest units:
    `28 days 1 hour 34 minutes` (not `673.567 hours`), seconds only under a minute."""
    parts: list[str] = []
    left = delta
    for unit, size in (
        ("day", dt.timedelta(days=1)),
        ("hour", dt.timedelta(hours=1)),
        ("minute", dt.timedelta(minutes=1)),
    ):
        count = left // size
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
            left -= count * size
    if not parts or (left and delta < dt.timedelta(minutes=1)):
        seconds = left.total_seconds()
        parts.append(f"{seconds:g} second{'s' if seconds != 1 else ''}")
    return " ".join(parts)


def _notifies(
    alert: Alert, as_of: dt.datetime, firing_since: dt.datetime, earlier: Sequence[AlertRow]
) -> bool:
    notified = [row.as_of for row in earlier if row.notification_id is not None]
    if firing_since == as_of:  # a new firing: once, unless one was sent within the cooldown
        cooldown = alert.cooldown
        return cooldown is None or not any(as_of - cooldown < t < as_of for t in notified)
    if alert.repeat is None:
        return False
    last = max((t for t in notified if t >= firing_since), default=firing_since)
    return last <= as_of - alert.repeat


def decide(
    project: str,
    alert: Alert,
    as_of: dt.datetime,
    readings: Mapping[Leaf, LeafValue],
    earlier: Sequence[AlertRow],
    later: dt.datetime | None = None,
    replaced: AlertRow | None = None,
    continues: bool = True,
) -> AlertRow:
    """The alert's history row at `as_of`, given its leaves' readings and its committed
    rows before `as_of` (in as-of order). `later`: the as-of of its latest committed row
    after `as_of`: a run filling in the past makes no new notification (its firing is
    history). `replaced`: the row of `as_of` this run replaces, whose notification is
    kept while the alert fires. `continues`: whether the last of `earlier` is this
    alert's state just before (not that of an edited condition, nor before a run without
    the alert: `continued`)."""
    values = {leaf: readings[leaf].value for leaf in leaves(alert.condition) if leaf in readings}
    # a number that cannot be known (no reference run, a changed definition, a report the
    # engine cannot compute) makes the whole alert unknown, whatever the rest says (SPEC
    # §3.7); a null (a share of no users) is a value, and three-valued logic takes it
    truth = None if _cannot_be_known(alert, readings) else holds(alert.condition, values)
    state = FIRING if truth is True else OK if truth is False else UNKNOWN
    measured = sides(alert.condition, values)
    previous = earlier[-1] if earlier and continues else None
    firing_since: dt.datetime | None = None
    if state == FIRING:
        carried = previous.firing_since if previous and previous.state == FIRING else None
        firing_since = carried or as_of
    notify = firing_since is not None and _notifies(alert, as_of, firing_since, earlier)
    why = _unknown_detail(alert, readings) if state == UNKNOWN else None
    detail = with_stale_remark(why, alert, as_of, readings)
    # a run again at an as-of keeps the notification its row had while it still fires:
    # it may be delivered already (and its id is the same)
    kept = replaced is not None and replaced.notification_id is not None
    notify = notify or (kept and state == FIRING)
    if notify and later is not None and not kept:
        notify = False
        note = f"a run of the past (the alert was evaluated as of {_shown(later)}): not notified"
        detail = f"{detail}; {note}" if detail else note
    return AlertRow(
        as_of,
        alert.name,
        alert.title,
        state,
        measured.value,
        measured.threshold,
        _reference(alert, readings),
        firing_since,
        notification_id(project, alert.name, as_of) if notify else None,
        detail,
    )


def continued(
    alert: str,
    fingerprint: str,
    previous: AlertRow | None,
    runs: Mapping[dt.datetime, Mapping[str, str] | None],
    as_of: dt.datetime,
) -> bool:
    """Whether the alert's previous row is the state of the same alert just before the run
    at `as_of`: every run from that row's on to `as_of` that kept alerts' fingerprints
    (`runs`: each committed run's `definitions`) kept this alert's, unchanged. A run that
    kept none (an older segl, a compiled script, a project without alerts then) says
    nothing either way."""
    if previous is None:
        return False
    key = ALERT_KEY + alert
    for at, definitions in runs.items():
        if not previous.as_of <= at < as_of or definitions is None:
            continue
        if any(k.startswith(ALERT_KEY) for k in definitions) and definitions.get(key) != (
            fingerprint
        ):
            return False
    return True


# ---------------------------------------------------------------- reading the history


_COLUMNS = (
    "as_of",
    "alert",
    "title",
    "state",
    "value",
    "threshold",
    "reference_as_of",
    "firing_since",
    "notification_id",
    "detail",
)


def _time(engine: Engine, value: object) -> dt.datetime | None:
    return None if value is None else engine.decode(value, Type.TIMESTAMP)


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def read_history(
    engine: Engine, store: Store, where: exp.Expression | None = None
) -> tuple[list[AlertRow], set[dt.datetime]]:
    """The committed rows of the alert history (as-of order, then alert) and the as-ofs
    of rows without a run log row (left by a killed run on an engine without transactions)."""
    table = store.alerts
    if engine.columns_of(table.name) is None:
        return [], set()
    committed = set(StoredRuns(engine, store).as_ofs())
    query = exp.Select(expressions=[col(c) for c in _COLUMNS]).from_(
        table_ref(table.name), copy=False
    )
    if where is not None:
        query = query.where(where, copy=False)
    rows: list[AlertRow] = []
    uncommitted: set[dt.datetime] = set()
    for found in engine.query(render(query, engine.target, pretty=False)):
        as_of = engine.decode(found[0], Type.TIMESTAMP)
        if as_of not in committed:
            uncommitted.add(as_of)
            continue
        rows.append(
            AlertRow(
                as_of,
                str(found[1]),
                _text(found[2]),
                str(found[3]),
                _number(found[4]),
                _number(found[5]),
                _time(engine, found[6]),
                _time(engine, found[7]),
                _text(found[8]),
                _text(found[9]),
            )
        )
    rows.sort(key=lambda r: (r.as_of, r.alert))
    return rows, uncommitted


def latest_states(engine: Engine, store: Store) -> list[AlertRow | None]:
    """Every alert of the rules (in their order): its latest committed row, None when it
    has none yet."""
    alerts = store.project.alerts.alerts if store.project.alerts else ()
    latest: dict[str, AlertRow] = {}
    for row in read_history(engine, store)[0]:
        latest[row.alert] = row
    return [latest.get(alert.name) for alert in alerts]


# ---------------------------------------------------------------- notifications


def notification_body(project: str, row: AlertRow) -> dict[str, Any]:
    """The JSON object `segl deliver` sends for a notification (docs/monitoring.md)."""
    return {
        "message_id": row.notification_id,
        "project": project,
        "alert": row.alert,
        "title": row.title,
        "state": row.state,
        "value": row.value,
        "threshold": row.threshold,
        "as_of": _shown(row.as_of),
        "firing_since": _shown(row.firing_since),
        "reference_as_of": _shown(row.reference_as_of),
        "detail": row.detail,
    }


def notifications(engine: Engine, store: Store) -> list[tuple[dt.datetime, str, str]]:
    """(as-of, notification id, JSON body) of every committed notification, oldest first."""
    if store.project.alerts is None or engine.columns_of(store.alerts.name) is None:
        return []
    named = exp.Not(this=exp.Is(this=col("notification_id"), expression=exp.null()))
    rows, _ = read_history(engine, store, named)
    project = store.project.name
    return [
        (
            row.as_of,
            str(row.notification_id),
            json.dumps(notification_body(project, row), ensure_ascii=False),
        )
        for row in rows
    ]


def _shown(value: dt.datetime | None) -> str | None:
    return None if value is None else wall_text(value)


# ---------------------------------------------------------------- text


def compared_text(value: float | None, op: str, threshold: float | None) -> str:
    """`0.0833 > 0.05`: whole numbers in full (`120,999 > 120,000`), others to 4 significant
    digits, or as many more as tell two different sides apart (`0.99999 <= 0.999992`)."""
    digits = 4
    while digits < 17 and value != threshold:
        left, right = _number_text(value, digits), _number_text(threshold, digits)
        if left != right:
            break
        digits += 1
    return f"{_number_text(value, digits)} {op} {_number_text(threshold, digits)}"


def _number_text(value: float | None, digits: int) -> str:
    if value is None:
        return "null"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.{digits}g}"


def state_text(row: AlertRow, op: str | None) -> str:
    """`firing since T: 0.0833 > 0.05 (reference run R), notified (id)`, one line."""
    text = row.state
    if row.state == FIRING and row.firing_since is not None:
        text += f" since {_shown(row.firing_since)}"
    parts: list[str] = []
    if op is not None and row.value is not None:
        holds = {FIRING: "", OK: " is false", UNKNOWN: " is unknown"}[row.state]
        parts.append(compared_text(row.value, op, row.threshold) + holds)
    if row.reference_as_of is not None:
        parts.append(f"reference run {_shown(row.reference_as_of)}")
    if row.detail:
        parts.append(row.detail)
    if row.notification_id is not None:
        parts.append(f"notification {row.notification_id}")
    return text + (": " + "; ".join(parts) if parts else "")


def summary_lines(outcomes: Sequence[AlertOutcome]) -> list[str]:
    """The run summary's lines: one per alert."""
    if not outcomes:
        return []
    return [f"alert {o.row.alert}: {state_text(o.row, o.op)}" for o in outcomes] + [""]


# ---------------------------------------------------------------- warnings


def cadence_warnings(project: ir.Project, cadence: dt.timedelta, every: str) -> list[Diagnostic]:
    """W0901: an alert comparing with a run `over` before, where the runs come less often:
    its reference run is older than the rule says at every run."""
    warnings: list[Diagnostic] = []
    for alert in project.alerts.alerts if project.alerts else ():
        overs = [leaf.over for leaf in leaves(alert.condition) if isinstance(leaf, Moved | Change)]
        if not overs or min(map(shortest, overs)) >= cadence:
            continue
        shorter = min(overs, key=shortest)
        warnings.append(
            Diagnostic(
                "W0901",
                f"alert '{alert.name}' compares with the run {over_text(shorter)} before, but "
                f"runs come every {every}: its reference run is up to {_span(cadence)} old "
                "instead",
                alert.span,
                (f"use `over {_span(cadence)}` or more, or run more often",),
                Severity.WARNING,
            )
        )
    return warnings


# ---------------------------------------------------------------- segl alerts


def listing(project: ir.Project, latest: Sequence[AlertRow | None]) -> list[dict[str, Any]]:
    """`segl alerts --format json`: each alert of the rules with its latest state (an
    alert no run evaluated yet is unknown, with no as-of)."""
    alerts = project.alerts.alerts if project.alerts else ()
    shown: list[dict[str, Any]] = []
    for alert, row in zip(alerts, latest, strict=True):
        if row is None:
            shown.append(
                {
                    "alert": alert.name,
                    "title": alert.title,
                    "state": UNKNOWN,
                    "value": None,
                    "threshold": None,
                    "as_of": None,
                    "firing_since": None,
                    "reference_as_of": None,
                    "detail": NOT_EVALUATED,
                    "notification_id": None,
                }
            )
            continue
        body = notification_body(project.name, row)
        del body["message_id"], body["project"]
        shown.append({**body, "notification_id": row.notification_id})
    return shown


def listing_text(project: ir.Project, latest: Sequence[AlertRow | None]) -> str:
    """`segl alerts`: a table of the alerts' latest states, then how many fire."""
    from segl.runtime.tables import format_table, plural

    alerts = project.alerts.alerts if project.alerts else ()
    if not alerts:
        return f"project '{project.name}' has no alerts\n"
    rows: list[list[object]] = []
    for alert, row in zip(alerts, latest, strict=True):
        if row is None:
            rows.append([alert.name, UNKNOWN, "-", "-", NOT_EVALUATED])
            continue
        op = measured_op(alert.condition) or "vs"
        compared = compared_text(row.value, op, row.threshold) if row.value is not None else "-"
        notes = [f"since {_shown(row.firing_since)}"] if row.firing_since else []
        if row.reference_as_of is not None:
            notes.append(f"reference run {_shown(row.reference_as_of)}")
        notes += [row.detail] if row.detail else []
        rows.append([alert.name, row.state, _shown(row.as_of), compared, "; ".join(notes)])
    table = format_table(["alert", "state", "as of", "value", "note"], rows)
    firing = sum(1 for row in latest if row is not None and row.state == FIRING)
    return f"{table}\n{plural(len(alerts), 'alert')}, {firing:,} firing\n"


# ---------------------------------------------------------------- the run's work


@dataclass(frozen=True)
class RunWritten(Store):
    """The store as the run sees it before it publishes: its results (tags, members,
    layers) where its statements wrote them, which on engines that publish by swapping
    tables (ClickHouse, Spark) is the staging table holding the kept rows and the new
    ones. The run log and the alert history are read as committed."""

    target: Target | None = None

    def _written(self, table: Table) -> Table:
        if self.target is None:
            return table
        return dataclasses.replace(table, name=self.target.staged_table(table.name))

    @property
    def tags(self) -> Table:
        return self._written(super().tags)

    @property
    def members(self) -> Table:
        return self._written(super().members)

    @property
    def layers(self) -> Table:
        return self._written(super().layers)


@dataclass
class AlertOutcome:
    """What a run found for one alert (the run summary prints it)."""

    row: AlertRow
    op: str | None  # the comparison between value and threshold, as the summary shows it


@dataclass
class AlertRun:
    """The alert work of one run on one engine."""

    compiled: CompiledRun
    engine: Engine
    report_runs: ReportRuns | None = None  # the reports computed for ReportValue leaves
    outcomes: list[AlertOutcome] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    _rendered: list[str] = field(default_factory=list)
    _match: exp.Expression | None = None

    @property
    def store(self) -> Store:
        return self.compiled.store

    @property
    def target(self) -> Target:
        return self.compiled.target

    @property
    def project(self) -> ir.Project:
        return self.compiled.store.project

    @property
    def alerts(self) -> tuple[Alert, ...]:
        return self.project.alerts.alerts if self.project.alerts else ()

    def statements(self) -> list[Statement]:
        """`prepare` (it evaluates and stages), then the writes, rendered once it ran."""
        count = len(self.compiled.alert_statements(exp.false()))

        def write(index: int) -> Statement:
            def later() -> str:
                if not self._rendered:
                    match = self._match if self._match is not None else exp.false()
                    statements = self.compiled.alert_statements(match)
                    self._rendered.extend(render(s, self.compiled.target) for s in statements)
                return self._rendered[index]

            return later

        return [self.prepare, *(write(i) for i in range(count))]

    def prepare(self) -> str:
        as_of = self.compiled.as_of
        history, uncommitted = read_history(self.engine, self.store)
        earlier: dict[str, list[AlertRow]] = defaultdict(list)
        for row in history:
            if row.as_of < as_of:
                earlier[row.alert].append(row)
        stored = stored_fingerprints(self.engine, self.store)  # the leaves' and `continued`'s
        readings = self._readings(as_of, stored)
        latest = {row.alert: row.as_of for row in history}  # in as-of order: the last
        runs = {at: f.definitions for at, f in stored.items()}
        conditions = alert_fingerprints(self.project)
        for alert in self.alerts:
            after = latest.get(alert.name)
            later = after if after is not None and after > as_of else None
            replaced = next((r for r in history if (r.alert, r.as_of) == (alert.name, as_of)), None)
            before = earlier[alert.name]
            fingerprint = conditions[ALERT_KEY + alert.name]
            continues = continued(
                alert.name, fingerprint, before[-1] if before else None, runs, as_of
            )
            row = decide(
                self.project.name, alert, as_of, readings, before, later, replaced, continues
            )
            self.outcomes.append(AlertOutcome(row, measured_op(alert.condition)))
            self.warnings += _stale_warning(alert, as_of, readings)
        self._match = self._replaced(as_of, uncommitted)
        self._stage([o.row for o in self.outcomes])
        return NOOP

    def _readings(
        self, as_of: dt.datetime, stored: Mapping[dt.datetime, RunFingerprints]
    ) -> Mapping[Leaf, LeafValue]:
        wanted: list[Leaf] = []
        for alert in self.alerts:
            wanted += [leaf for leaf in leaves(alert.condition) if leaf not in wanted]
        from segl.runtime.alert_values import compute_leaf_values

        written = RunWritten(self.project, self.store.prefix, self.store.ascii_names, self.target)
        found, self.report_runs = compute_leaf_values(
            self.engine, written, self.project, as_of, wanted, stored
        )
        return found

    def keep_report_results(self, version: str) -> None:
        """The report results computed for ReportValue leaves at the run's as-of, stored
        as `segl report` stores them (after the run committed: their own transaction)."""
        if self.report_runs is None:
            return
        from segl.runtime.alert_values import keep_report_results

        keep_report_results(self.engine, self.store, self.report_runs, version)

    def _replaced(self, as_of: dt.datetime, uncommitted: Iterable[dt.datetime]) -> exp.Expression:
        """This run's rows and those of killed runs (no run log row)."""
        target = self.compiled.target
        times = sorted({as_of, *uncommitted})
        return exp.In(this=col("as_of"), expressions=[target.timestamp(t) for t in times])

    def _stage(self, rows: Sequence[AlertRow]) -> None:
        table = self.store.alerts
        columns = [(c.name, _staged_type(c.type)) for c in table.columns if c.name != "as_of"]
        self.engine.create_table(self.store.alert_work, columns, [r.staged() for r in rows])

    def drop_work_table(self) -> None:
        drop = exp.Drop(tables=[table_ref(self.store.alert_work)], kind="TABLE", exists=True)
        # a failed run's connection may be unusable: the next run replaces the table
        with contextlib.suppress(EngineError):
            self.engine.query(render(drop, self.compiled.target, pretty=False))


def _staged_type(kind: object) -> Type:
    assert isinstance(kind, Type), "the alert history has only value-typed columns"
    return kind


def _stale_warning(
    alert: Alert, as_of: dt.datetime, readings: Mapping[Leaf, LeafValue]
) -> list[Diagnostic]:
    stale = stale_references(alert, as_of, readings)
    if not stale:
        return []
    return [
        Diagnostic(
            "W0902",
            f"alert '{alert.name}': {stale_detail(as_of, stale)}",
            alert.span,
            (
                "runs are missing between the two; run on a cadence at most as long as the "
                "alert's `over` (segl run --every)",
            ),
            Severity.WARNING,
        )
    ]

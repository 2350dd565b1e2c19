"""`segl simulate JOURNEY --from A --to B --every D` (SPEC §3.2): replay journeys over
history as real runs at A, A+D, ... (< B) would have decided them, never touching the real
state or outbox.

Set-based, not a loop of runs: the events that enter and end journeys are read once for
the whole span [A, B) (one query per trigger) and sliced per instant in memory; the
journey state (entries, decided steps, messages sent for the caps) is kept in memory; per
instant only the per-user values the decisions need are computed: the `enter when`
conditions over the universe (users who may not enter left out by the database), the
values of the users with a step due, and who is in the universe among the users with a
new event. The decisions themselves are the runtime's (runtime/journeys.py), so a
simulation gives exactly what runs at those instants write (tests/test_simulate.py).

Every journey of the project is replayed (caps are shared across journeys, so one
journey's sends depend on the others'); only the named ones are reported. A project with
an identity, whose triggers' filters depend on the as-of, or with a journey entered by
tier moves is replayed run by run instead (persons are resolved per run; such filters
cannot be read once; a move compares the layers stored by consecutive runs), in scratch
tables that are dropped afterwards.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import gc
import heapq
import itertools
import json
import secrets
from collections import ChainMap, Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.journeys import facts, model, rolling
from segl.compiler.plan import Plan, build_plan
from segl.compiler.script import CompiledRun, RunInfo, compile_run
from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.sqlgen.nodes import USER, and_all
from segl.compiler.sqlgen.query import QueryBuilder
from segl.compiler.store import ColumnType, Kind, Store
from segl.compiler.targets import Target
from segl.compiler.timeutil import day_text, skipped
from segl.compiler.types import Type
from segl.dsl.diagnostics import Diagnostic
from segl.runtime.engines import Engine
from segl.runtime.journeys import (
    NEVER,
    Check,
    Entry,
    HoldoutAssignments,
    JourneyRun,
    Row,
    UserValues,
    column_type,
    entry_order,
    unknown_zone_warnings,
)
from segl.runtime.outbox import read_outbox
from segl.runtime.project import LoadedProject
from segl.runtime.run import execute, segl_version
from segl.runtime.schedule import Cadence
from segl.runtime.store import key_type

MAX_INSTANTS = 100_000
# Python's full collections go through every object kept so far (10^6 decisions over the
# benchmark's 2,160 instants): left to themselves, 65 of them took 64 of 355 s. A
# simulation runs one every so many instants instead (the young ones as usual).
FULL_COLLECTION_EVERY = 240
NO_RESULT_QUERY = exp.select(exp.Literal.number(1))  # see Simulation._decide_at
Event = tuple[dt.datetime, object]  # (time, user), sorted by time
# a per-user query: (values, as-of, of the staged users only?, reading stored tables?)
QueryKey = tuple[tuple[str, ...], dt.datetime, bool, bool]


def instants(
    start: dt.datetime, end: dt.datetime, every: dt.timedelta, timezone: str = "UTC"
) -> list[dt.datetime]:
    """A, A+D, ... before B (wall times in the project's zone), but those the zone's
    clocks skipped: no run can be made there (`--as-of` refuses them)."""
    if every <= dt.timedelta(0):
        raise ValueError("--every must be longer than 0")
    if end <= start:
        raise ValueError("--to must be after --from")
    count = -((start - end) // every)  # those before B: the ceiling of (B - A) / D
    if count > MAX_INSTANTS:
        raise ValueError(f"{count:,} instants: at most {MAX_INSTANTS:,}; use a longer --every")
    found = [start + every * i for i in range(count)]
    return [moment for moment in found if moment < end and not skipped(moment, timezone)]


def journeys_only(project: ir.Project) -> ir.Project:
    """The project reduced to what its journeys read: the definitions their hidden tags
    use (and what those use)."""
    assert project.journeys is not None
    used: list[str] = []
    for value in project.journeys.values:
        used += [name for name in ir.references(value) if name not in used]
    used += [name for name in moved_layerings(project) if name not in used]
    return project.closure(used)


def moved_layerings(project: ir.Project) -> list[str]:
    """The layerings whose tier moves enter journeys (`enter on moved(L, ...)`)."""
    assert project.journeys is not None
    moves = (j.enter_moved for j in project.journeys.journeys)
    return list(dict.fromkeys(move.layering for move in moves if move is not None))


Progress = Callable[[int, dt.datetime], None]  # (instants done, the last one)


def simulate(
    loaded: LoadedProject,
    engine: Engine,
    moments: list[dt.datetime],
    warnings: list[Diagnostic] | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Every decision of runs at `moments` on an empty journey state; what the runs would
    have warned about (W0701: unknown zone names) is added to `warnings`; `progress` is
    called after each instant."""
    assert loaded.project is not None and loaded.project.journeys is not None
    project = journeys_only(loaded.project)
    prefix = f"{loaded.settings.table_prefix}sim{secrets.token_hex(4)}_"
    if not moments:
        return []
    engine.use_timezone(project.timezone)  # zoned columns read as the runs read them (SPEC §3)
    simulation = Simulation(project, engine, prefix, moments)
    unknown_zones: dict[str, set[object]] = {}
    if (
        project.identity is not None
        or moved_layerings(project)  # a move compares the layers of consecutive runs
        or not simulation.triggers_read_once()
    ):
        decisions = replayed(project, engine, prefix, moments, unknown_zones, progress)
    else:
        decisions = simulation.run(unknown_zones, progress)
    if warnings is not None:
        warnings += unknown_zone_warnings(unknown_zones)
    return decisions


# ---------------------------------------------------------------- set-based


@dataclasses.dataclass(frozen=True)
class Stored:
    """What a per-user query reads from the tables a simulation keeps (QueryBuilder's
    stored_passes and stored_base): the grouped rows of some passes, or the whole base."""

    passes: Mapping[int, exp.Select | exp.Union] = dataclasses.field(default_factory=dict)
    base: exp.Select | None = None


class Simulation:
    """The journey state of a simulation, in memory, and the facts of its whole span."""

    def __init__(
        self, project: ir.Project, engine: Engine, prefix: str, moments: list[dt.datetime]
    ) -> None:
        assert project.journeys is not None
        self.project = project
        self.journeys = project.journeys
        self.engine = engine
        self.target = engine.target
        self.prefix = prefix
        self.moments = moments
        self.store = Store(project, prefix, self.target.ascii_table_names)
        self.with_values = project.with_journey_values()
        self.previous: dict[str, dt.datetime] = {}
        # by journey: the active entries by user, in the order the runs read them, and
        # by the instant each is next worth deciding
        self.active: dict[str, dict[object, Entry]] = {j.name: {} for j in self.journeys.journeys}
        self.due: dict[str, DueIndex] = {j.name: DueIndex() for j in self.journeys.journeys}
        self.last_entry: dict[str, dict[object, dt.datetime]] = defaultdict(dict)
        self.sent: dict[object, list[tuple[str, dt.datetime]]] = defaultdict(list)
        self.holdouts: HoldoutAssignments = {}  # the sticky holdout assignments so far
        self.decisions: list[dict[str, Any]] = []
        self.events: dict[tuple[model.EventTrigger, bool], list[Event]] = {}
        self._queries: dict[QueryKey, tuple[Plan, exp.Select]] = {}
        self._plans: dict[tuple[tuple[str, ...], dt.datetime], Plan] = {}  # this instant's
        self.snapshots: dict[str, SurelyBlocked] = {}  # by `enter when` journey
        self.users_table = f"{prefix}users"  # the users whose values an instant reads
        self.rolled: dict[str, Rolled] = {}  # by `enter when` condition
        # (source, start) -> its rows from start to the last instant (rolling.span_rows)
        self.span_copies: dict[tuple[str, dt.datetime], str] = {}
        self._first_plans: dict[tuple[str, ...], Plan] = {}  # by values, at the first instant
        self.key = key_type(project, engine)

    # ------------------------------------------------------------ the span's events
    def _triggers(self) -> list[tuple[model.EventTrigger, bool]]:
        """Every (trigger, first-ever?) the journeys read."""
        found: list[tuple[model.EventTrigger, bool]] = []
        for journey in self.journeys.journeys:
            if journey.enter_on is not None:
                found.append((journey.enter_on, journey.enter_first))
            found += [(trigger, False) for trigger in journey.exit_on]
        return list(dict.fromkeys(found))

    def _trigger_query(self, trigger: model.EventTrigger, first: bool, as_of: dt.datetime) -> str:
        plan = build_plan(self.project, as_of)
        start, end = self.moments[0], self.moments[-1]
        if first:  # each user's first matching event ever, when it lies in the span
            query = facts.first_events(
                plan, self.target, trigger, start, end, "", None, ever_first=True,
                universe_only=False,
            )  # fmt: skip
        else:
            query = facts.events_in(plan, self.target, trigger, start, end, "", None)
        return render(query, self.target, pretty=False)

    def triggers_read_once(self) -> bool:
        """Whether every trigger reads the same rows whatever the as-of (its filter uses
        no as-of-relative function), so that it can be read once for the span."""
        first, last = self.moments[0], self.moments[-1] + dt.timedelta(days=400)
        return all(
            self._trigger_query(trigger, ever, first) == self._trigger_query(trigger, ever, last)
            for trigger, ever in self._triggers()
        )

    def _read_events(self) -> None:
        for trigger, first in self._triggers():
            sql = self._trigger_query(trigger, first, self.moments[-1])
            rows = [
                (self.engine.decode(when, Type.TIMESTAMP), user)
                for user, when in self.engine.query(sql)
            ]
            rows.sort(key=lambda row: (row[0], model.user_text(row[1])))
            self.events[(trigger, first)] = rows

    def slice(
        self, trigger: model.EventTrigger, first: bool, start: dt.datetime, end: dt.datetime
    ) -> list[Event]:
        """The trigger's events (or first-ever events) in [start, end)."""
        rows = self.events[(trigger, first)]
        low = bisect.bisect_left(rows, start, key=lambda row: row[0])
        high = bisect.bisect_left(rows, end, key=lambda row: row[0])
        return rows[low:high]

    # ------------------------------------------------------------ per-user values
    def plan_of(self, names: Sequence[str], as_of: dt.datetime) -> Plan:
        """The plan of just these hidden values (and the universe) at `as_of`, built once
        (`enter when` reads it, then its per-user query)."""
        key = (tuple(names), as_of)
        if key not in self._plans:
            reduced = dataclasses.replace(self.with_values.closure(list(names)), journeys=None)
            self._plans = {k: v for k, v in self._plans.items() if k[1] == as_of}
            self._plans[key] = build_plan(reduced, as_of)
        return self._plans[key]

    def per_user(
        self,
        names: Sequence[str],
        as_of: dt.datetime,
        staged: bool = False,
        stored: Stored | None = None,
    ) -> tuple[Plan, exp.Select]:
        """The per-user query of just these hidden values (and the universe) at `as_of`;
        `staged`: of the users `values` staged only; `stored`: what is read from tables."""
        key = (tuple(names), as_of, staged, stored is not None)
        if key not in self._queries:
            plan = self.plan_of(names, as_of)
            only = self._staged_users() if staged else None
            read = self._windows_from_copies(names, plan)
            passes, base = (stored.passes, stored.base) if stored is not None else ({}, None)
            builder = QueryBuilder(read, self.target, None, only, passes, base)
            query, _ = builder.build(False)
            self._queries = {k: v for k, v in self._queries.items() if k[1] == as_of}
            self._queries[key] = (plan, query)
        return self._queries[key]

    def _windows_from_copies(self, names: Sequence[str], plan: Plan) -> Plan:
        """The plan with each pass whose aggregates all have a window reading a copy of
        the rows in time order that its windows hold at any instant (from its lower bound
        at the first instant): each instant's scan then skips the rows before its window,
        where the source, in any order, would be read whole every instant."""
        first = self._first_plans.get(tuple(names))
        if first is None:
            first = self._first_plans[tuple(names)] = self.plan_of(names, self.moments[0])
        passes = []
        for at_first, event_pass in zip(first.passes, plan.passes, strict=True):
            start = at_first.lower_bound
            if start is not None:
                source = event_pass.source
                copy = dataclasses.replace(source, table=self._span_copy(source, start))
                event_pass = dataclasses.replace(event_pass, source=copy)
            passes.append(event_pass)
        return dataclasses.replace(plan, passes=tuple(passes))

    def _staged_users(self) -> exp.Select:
        return exp.Select(expressions=[col(USER)]).from_(table_ref(self.users_table))

    def values(
        self,
        names: Sequence[str],
        as_of: dt.datetime,
        users: Sequence[object] | None = None,
        where: exp.Expression | None = None,
        stored: Stored | None = None,
    ) -> list[tuple[Any, ...]]:
        """(user, values) at `as_of` of the universe's users (of `users` only: their values
        are computed from their rows alone) that `where` keeps."""
        if users is not None:
            if not users:
                return []
            key = column_type(Kind.KEY, self.key)
            self.engine.create_scratch_table(self.users_table, [(USER, key)], [[u] for u in users])
        plan, query = self.per_user(names, as_of, users is not None, stored)
        columns = [col(plan.column_for(name).column) for name in names]
        outer = exp.Select(expressions=[col(USER), *columns]).from_(
            exp.Subquery(this=query, alias=exp.to_identifier("r")), copy=False
        )
        if where is not None:
            outer = outer.where(where, copy=False)
        return self.engine.query(render(outer, self.target, pretty=False))

    # ------------------------------------------------------------ state
    def blocked(self, journey: model.Journey, user: object, as_of: dt.datetime) -> bool:
        """Whether the user may not enter the journey now (SPEC §3.2; facts.blocked_users)."""
        if user in self.active[journey.name]:
            return True
        last = self.last_entry[journey.name].get(user)
        if last is None:
            return False
        return journey.reenter is None or last > as_of - journey.reenter

    def surely_blocked(self, journey: model.Journey, as_of: dt.datetime) -> exp.Select | None:
        """Users who may not enter the journey now, most of those who entered it (see
        SurelyBlocked)."""
        found = self.snapshots.get(journey.name)
        if found is None:
            number = list(self.journeys.journeys).index(journey)
            table = f"{self.prefix}blocked{number}"
            found = SurelyBlocked(self.engine, table, self.key, journey.reenter)
            self.snapshots[journey.name] = found
        return found.query(self.last_entry[journey.name], as_of)

    def sent_since(self, users: set[object], since: dt.datetime) -> dict[object, list[Any]]:
        """The users' sends after `since` (a copy each); older ones are forgotten, as
        `since` only grows from one instant to the next."""
        found: dict[object, list[tuple[str, dt.datetime]]] = defaultdict(list)
        for user in users:
            sent = self.sent.get(user)
            if sent:
                kept = self.sent[user] = [(c, at) for c, at in sent if at > since]
                found[user] = list(kept)
        return found

    def apply(self, run: SimulatedRun, outbox: list[list[object]]) -> None:
        """What the run decided becomes the state the next instant reads. Only the entries
        the run touched change: those it made, may have decided or ended."""
        as_of = run.as_of
        for journey in self.journeys.journeys:
            active, due = self.active[journey.name], self.due[journey.name]
            snapshot = self.snapshots.get(journey.name)
            touched = {e.user: e for e in run.touched[journey.name]}  # one entry a user
            for entry in touched.values():
                if entry.new:
                    self.last_entry[journey.name][entry.user] = entry.entry_at
                    if snapshot is not None:
                        snapshot.pending.append((entry.user, entry.entry_at))
                    entry.new = False
                if entry.ended or len(entry.decided) >= len(journey.steps):
                    if active.get(entry.user) is entry:
                        del active[entry.user]
                    entry.next_check = None  # its items in the index are stale
                else:
                    active[entry.user] = entry  # a new one after the old, as runs read them
                    if entry.next_check is None:
                        entry.next_check = run.next_check(journey, entry)
                    due.push(entry, entry.next_check)
            self.previous[journey.name] = as_of
        for row in outbox:
            decision = outbox_dict(row, as_of)
            self.decisions.append(decision)
            if decision["status"] == model.SENT:
                self.sent[decision["user"]].append((str(decision["channel"]), as_of))

    # ------------------------------------------------------------ the replay
    def run(
        self, unknown_zones: dict[str, set[object]], progress: Progress | None = None
    ) -> list[dict[str, Any]]:
        """The decisions of every instant; the users' unknown zone names into
        `unknown_zones`."""
        thresholds = gc.get_threshold()
        gc.set_threshold(*thresholds[:2], 1 << 30)  # no full collection but ours
        try:
            self._read_events()
            for done, moment in enumerate(self.moments, 1):
                run = self._decide_at(moment)
                _merge_zones(unknown_zones, run.unknown_zones)
                if done % FULL_COLLECTION_EVERY == 0:
                    gc.collect()
                if progress is not None:
                    progress(done, moment)
        finally:
            gc.set_threshold(*thresholds)
            drop_tables(self.engine, self._scratch_tables())
        self.decisions.sort(key=model.decision_order)
        return self.decisions

    def _decide_at(self, as_of: dt.datetime) -> SimulatedRun:
        info = RunInfo(dt.datetime.now(dt.UTC).replace(microsecond=0), segl_version())
        # what compile_run gives but the result query, which a simulation never runs
        plan = build_plan(self.with_values, as_of)
        compiled = CompiledRun(plan, self.target, NO_RESULT_QUERY, self.store, info)
        run = SimulatedRun(compiled, self.engine, self)
        run.last = max(self.previous.values(), default=None)
        for journey in self.journeys.journeys:
            if journey.enter_when is not None:
                run.entering[journey.name] = self._entering_when(journey, journey.enter_when, as_of)
        run.known = self._values_of(run, self._concerned(run))
        _, outbox, _ = run.decide(dict(self.previous))
        self.apply(run, outbox)
        return run

    def _entering_when(
        self, journey: model.Journey, condition: str, as_of: dt.datetime
    ) -> list[object]:
        """The users for whom `enter when` holds now, but those who may not enter."""
        plan = self.plan_of([condition], as_of)
        stored = self._roll(condition, plan)
        where = facts.is_true(plan, self.target, condition)
        blocked = self.surely_blocked(journey, as_of)
        if blocked is not None:
            where = and_all([where, facts.not_in(col(USER), blocked)])
        found = self.values([condition], as_of, where=where, stored=stored)
        return [row[0] for row in found if not self.blocked(journey, row[0], as_of)]

    def _roll(self, condition: str, plan: Plan) -> Stored | None:
        """What the condition's per-user query reads from tables kept across instants
        (compiler/journeys/rolling.py) at the plan's as-of: its whole base, or its rolling
        passes. Stored as of the first instant, then again once a day of new events has
        gathered."""
        state = self.rolled.get(condition)
        if state is None:
            passes = rolling.rolling_passes(plan)
            state = Rolled(len(self.rolled), passes, rolling.rolls_base(plan))
            self.rolled[condition] = state
        if not state.passes:
            return None
        first = self.moments[0]
        spans = {index: self._span_copy(plan.passes[index].source, first) for index in state.passes}
        if state.as_of is None or plan.as_of - state.as_of >= rolling.COMPACT_AFTER:
            self._store(state, plan, spans)
        since = state.as_of
        assert since is not None
        tables = state.tables
        if state.base:
            return Stored(base=rolling.current_base(plan, self.target, tables[BASE], since, spans))
        return Stored(
            passes={
                index: rolling.current_rows(plan, self.target, index, tables[index], since, span)
                for index, span in spans.items()
            }
        )

    def _store(self, state: Rolled, plan: Plan, spans: dict[int, str]) -> None:
        """The condition's raw base rows, or each rolling pass's grouped rows, as of the
        plan's as-of into new tables (a table is made from the other of its two names),
        the old ones dropped."""
        since = state.as_of
        if state.base:
            old = state.tables.get(BASE)
            query = (
                rolling.first_base(plan, self.target)
                if old is None or since is None
                else rolling.current_base(plan, self.target, old, since, spans)
            )
            self._renew(state, BASE, f"base{state.number}", query)
        else:
            for index, span in spans.items():
                old = state.tables.get(index)
                query = (
                    rolling.first_rows(plan, self.target, index)
                    if old is None or since is None
                    else rolling.compacted(plan, self.target, index, old, since, span)
                )
                self._renew(state, index, f"roll{state.number}_{index}", query)
        state.as_of = plan.as_of
        state.generation += 1

    def _renew(self, state: Rolled, key: int, name: str, query: exp.Select) -> None:
        """Table `key` of the state made anew from `query`, the old one dropped."""
        table = f"{self.prefix}{name}_{state.generation % 2}"
        old = state.tables.get(key)
        self._create_work_table(table, query)
        if old is not None:
            drop_tables(self.engine, [old])
        state.tables[key] = table

    def _create_work_table(self, table: str, query: exp.Select) -> None:
        for statement in self.target.create_work_table(table, query):
            self.engine.query(render(statement, self.target, pretty=False))

    def _span_copy(self, source: ir.Source, start: dt.datetime) -> str:
        """The source's rows from `start` to the last instant in time order, copied once."""
        table = self.span_copies.get((source.name, start))
        if table is None:
            table = f"{self.prefix}span{len(self.span_copies)}"
            rows = rolling.span_rows(self.target, source, start, self.moments[-1])
            self._create_work_table(table, rows)
            self.span_copies[(source.name, start)] = table
        return table

    def _concerned(self, run: SimulatedRun) -> list[object]:
        """The users whose values the instant may read: those with an entering event since
        their journey's previous instant (in the universe?), those entering by a condition,
        and those with an entry that may decide a step (every entry, with `exit when`)."""
        found: dict[object, None] = {}
        for journey in self.journeys.journeys:
            start = self.previous.get(journey.name)
            if journey.enter_on is not None and start is not None:
                events = self.slice(journey.enter_on, journey.enter_first, start, run.as_of)
                found.update((user, None) for _, user in events)
            found.update((user, None) for user in run.entering.get(journey.name, ()))
            if journey.exit_when:
                deciding: Iterable[Entry] = self.active[journey.name].values()
            else:
                deciding = run.due_entries(journey)
            found.update((entry.user, None) for entry in deciding)
        return list(found)

    def _values_of(self, run: SimulatedRun, users: list[object]) -> dict[object, UserValues]:
        """Every hidden value any journey reads, of these users that are in the universe."""
        names = list(dict.fromkeys(n for j in self.journeys.journeys for n in run.value_names(j)))
        plan, _ = self.per_user(names, run.as_of, staged=True)
        types = [plan.column_for(n).definition.type for n in names]  # type: ignore[union-attr]
        return {
            row[0]: {
                name: self.engine.decode(value, value_type)
                for name, value_type, value in zip(names, types, row[1:], strict=True)
            }
            for row in self.values(names, run.as_of, users)
        }

    def _scratch_tables(self) -> list[str]:
        rolled = [table for state in self.rolled.values() for table in state.tables.values()]
        blocked = [table for snapshot in self.snapshots.values() for table in snapshot.tables]
        return [self.users_table, *rolled, *self.span_copies.values(), *blocked]


BASE = -1  # the key of a rolled base's table in Rolled.tables


@dataclasses.dataclass
class Rolled:
    """An `enter when` condition's rolling passes: the tables holding their grouped rows,
    or its whole base (rolling.rolls_base), as of an earlier instant (two names taken in
    turn: a table is made from the other)."""

    number: int  # in the names of its tables
    passes: list[int]
    base: bool  # the base is kept, not the passes' grouped rows
    tables: dict[int, str] = dataclasses.field(default_factory=dict)  # by pass, or BASE
    as_of: dt.datetime | None = None
    generation: int = 0


class SurelyBlocked:
    """A journey's users who may not enter it again before `expires` (None: never), in a
    scratch table: `enter when`'s query leaves them out, so that it returns few users,
    and Simulation.blocked decides the rest exactly. Entries made since it was written
    wait in `pending` and are appended once there are many; once the first of its users
    may enter again, it is written anew, without those who may enter within a day."""

    NEW_ENTRIES = 2_000  # pending entries that `blocked` filters one by one at most
    HORIZON = dt.timedelta(days=1)

    def __init__(
        self, engine: Engine, table: str, key: ColumnType, reenter: dt.timedelta | None
    ) -> None:
        self.engine, self.table, self.reenter = engine, table, reenter
        self.columns = [(USER, column_type(Kind.KEY, key))]
        self.written = False
        self.expires: dt.datetime | None = None
        self.pending: list[tuple[object, dt.datetime]] = []

    def query(self, entered: dict[object, dt.datetime], as_of: dt.datetime) -> exp.Select | None:
        """Its users (None: nobody yet), entries up to `entered` (user -> last entry)."""
        if not self.written or (self.expires is not None and as_of >= self.expires):
            self._write(list(entered.items()), as_of, replace=True)
        elif len(self.pending) > self.NEW_ENTRIES:
            self._write(self.pending, as_of, replace=False)
        if not self.written:
            return None
        return exp.Select(expressions=[col(USER)]).from_(table_ref(self.table))

    def _write(
        self, entries: list[tuple[object, dt.datetime]], as_of: dt.datetime, replace: bool
    ) -> None:
        self.pending = []
        if not entries:
            return
        if self.reenter is None:
            users = [[user] for user, _ in entries]
        else:
            horizon, reenter = as_of + self.HORIZON, self.reenter
            until = {user: last + reenter for user, last in entries if last + reenter > horizon}
            users = [[user] for user in until]
            ends = [min(until.values())] if until else []
            kept = [] if replace or self.expires is None else [self.expires]
            self.expires = min([*kept, *ends], default=None)
        if replace or not self.written:
            self.engine.create_scratch_table(self.table, self.columns, users)
        elif users:
            delta = f"{self.table}_new"
            self.engine.create_scratch_table(delta, self.columns, users)
            rows = exp.Select(expressions=[exp.Star()]).from_(table_ref(delta))
            insert = exp.insert(rows, table_ref(self.table))
            self.engine.query(render(insert, self.engine.target, pretty=False))
        self.written = True

    @property
    def tables(self) -> list[str]:
        return [self.table, f"{self.table}_new"]


class DueIndex:
    """A journey's active entries by when each is next worth deciding (Entry.next_check:
    a step due, or one expiring), so that an instant takes the entries it may decide
    instead of looking at every active one. An entry has an item in each heap at most
    once valid: the one holding its current check (stale items are skipped)."""

    def __init__(self) -> None:
        self.due: list[tuple[dt.datetime, int, Entry, Check]] = []  # by instant (UTC)
        self.expiring: list[tuple[dt.datetime, int, Entry, Check]] = []  # by wall time
        self.counter = itertools.count()  # ties: never compare entries

    def push(self, entry: Entry, check: Check) -> None:
        due, expires = check
        if due != NEVER:
            heapq.heappush(self.due, (due, next(self.counter), entry, check))
        if expires != dt.datetime.max:
            heapq.heappush(self.expiring, (expires, next(self.counter), entry, check))

    def pop(self, now: dt.datetime, as_of: dt.datetime) -> list[Entry]:
        """The entries due by the instant `now` or expiring by the wall time `as_of` (as
        JourneyRun._deciding finds them), in the order runs read active entries."""
        found: dict[int, Entry] = {}
        for heap, bound in ((self.due, now), (self.expiring, as_of)):
            while heap and heap[0][0] <= bound:
                _, _, entry, check = heapq.heappop(heap)
                if entry.next_check is check:
                    found[id(entry)] = entry
        return sorted(found.values(), key=entry_order)


class SimulatedRun(JourneyRun):
    """A run's decisions (JourneyRun's) over the simulation's state and facts."""

    def __init__(self, compiled: CompiledRun, engine: Engine, simulation: Simulation) -> None:
        super().__init__(compiled, engine, None)
        self._key = simulation.key  # read from the warehouse once, not at every instant
        self.simulation = simulation
        self.assigned = simulation.holdouts  # fixed at the first instant deciding a user
        self.entering: dict[str, list[object]] = {}  # by journey: `enter when` holds
        self.known: dict[object, UserValues] = {}  # the values of users in the universe
        self._due: dict[str, list[Entry]] = {}  # by journey: due_entries

    def due_entries(self, journey: model.Journey) -> list[Entry]:
        """The journey's active entries this run may decide (taken from the index once)."""
        found = self._due.get(journey.name)
        if found is None:
            found = self.simulation.due[journey.name].pop(self.now, self.as_of)
            self._due[journey.name] = found
        return found

    def _deciding(
        self, journey: model.Journey, old: Sequence[Entry], new: Sequence[Entry]
    ) -> list[Entry]:
        return [*self.due_entries(journey), *super()._deciding(journey, (), new)]

    def _finishing(
        self, journey: model.Journey, old: Sequence[Entry], new: Sequence[Entry]
    ) -> Iterable[Entry]:
        """Only the entries it decided, and new ones: no journey changes in a simulation."""
        return [*self.due_entries(journey), *new]

    def _busy(self, journey: model.Journey, active: Sequence[Entry]) -> Collection[object]:
        return self.simulation.active[journey.name]  # the users of `active`

    def _kept_active(self, old: Sequence[Entry], new: Sequence[Entry]) -> Sequence[Entry]:
        return ()  # a simulation keeps no markers: not worth a walk over every active entry

    def _by_user(
        self, journey: model.Journey, old: Sequence[Entry], new: Sequence[Entry]
    ) -> Mapping[object, Entry]:
        return ChainMap({e.user: e for e in new}, self.simulation.active[journey.name])

    def next_check(self, journey: model.Journey, entry: Entry) -> Check:
        return self._next_check(journey, entry)

    def value_names(self, journey: model.Journey) -> list[str]:
        return self._value_names(journey)

    def decide(self, previous: dict[str, dt.datetime]) -> tuple[list[Row], list[Row], list[Row]]:
        return self._decide(previous)

    def _active(self, journey: model.Journey) -> list[Entry]:
        return list(self.simulation.active[journey.name].values())

    def _read_assignments(self, journey: model.Journey, entries: Sequence[Entry]) -> None:
        """Nothing to read: `self.assigned` is the simulation's own dict, which holds every
        earlier instant's assignments (a run reads them from the shares and the outbox)."""

    def _enter(self, journey: model.Journey, start: dt.datetime | None) -> list[Entry]:
        found: dict[object, dt.datetime] = {}
        if journey.enter_on is not None and start is not None:
            found = self._entered_on(journey, journey.enter_on, start)
        elif journey.enter_when is not None:
            found = dict.fromkeys(self.entering[journey.name], self.as_of)
        return [Entry(user, found[user], new=True) for user in sorted(found, key=model.user_text)]

    def _entered_on(
        self, journey: model.Journey, trigger: model.EventTrigger, start: dt.datetime
    ) -> dict[object, dt.datetime]:
        """Each user's first event of the interval (first ever: `enter on first`), for
        users who may enter and are in the universe now."""
        sim = self.simulation
        firsts: dict[object, dt.datetime] = {}
        for when, user in sim.slice(trigger, journey.enter_first, start, self.as_of):
            if user not in firsts and not sim.blocked(journey, user, self.as_of):
                firsts[user] = when
        return {u: t for u, t in firsts.items() if u in self.known}

    def _values_of(self, names: list[str], entries: Sequence[Entry]) -> dict[object, UserValues]:
        """Every hidden value of the entries' users, `names` among them (the decisions
        look values up by name)."""
        known = self.known
        return {e.user: known[e.user] for e in entries if e.user in known}

    def _exit_events(
        self,
        trigger: model.EventTrigger,
        start: dt.datetime,
        end: dt.datetime,
        by_user: Mapping[object, Entry],
        only: bool = False,
    ) -> dict[object, dt.datetime]:
        found: dict[object, dt.datetime] = {}
        for time, user in self.simulation.slice(trigger, False, start, end):
            entry = by_user.get(user)
            if entry is not None and time > entry.entry_at and user not in found:
                found[user] = time  # the slice is in time order: the first one
        return found

    def _sent_before(self, users: set[object]) -> dict[object, list[tuple[str, dt.datetime]]]:
        spans = [c.rolling for c in self.journeys.caps if c.rolling is not None]
        since = self.as_of - max([dt.timedelta(days=9), *spans])
        return self.simulation.sent_since(users, since)

    @property
    def target(self) -> Target:
        return self.compiled.target


def outbox_dict(row: list[object], as_of: dt.datetime) -> dict[str, Any]:
    """An outbox row as `read_outbox` gives it back."""
    journey, step, user, entry_at, due_at, channel, template, payload, status, message = row
    return {
        "journey": journey,
        "step": step,
        "user": user,
        "entry_at": entry_at,
        "due_at": due_at,
        "run_at": as_of,
        "channel": channel,
        "template": template,
        "status": status,
        "message_id": message,
        "payload": json.loads(str(payload)) if payload else {},
    }


# ---------------------------------------------------------------- run by run


def replayed(
    project: ir.Project,
    engine: Engine,
    prefix: str,
    moments: list[dt.datetime],
    unknown_zones: dict[str, set[object]] | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Every decision of real runs at `moments` in scratch tables, dropped afterwards; the
    users' unknown zone names into `unknown_zones`."""
    store = Store(project, prefix, engine.target.ascii_table_names)
    try:
        for done, moment in enumerate(moments, 1):
            info = RunInfo(dt.datetime.now(dt.UTC).replace(microsecond=0), segl_version())
            compiled = compile_run(project, moment, engine.target, prefix=prefix, info=info)
            compiled.decides_journeys = True
            ran = execute(compiled, engine)
            if ran.journeys is not None and unknown_zones is not None:
                _merge_zones(unknown_zones, ran.journeys.unknown_zones)
            if progress is not None:
                progress(done, moment)
        return read_outbox(engine, store)
    finally:
        drop_tables(engine, store_tables(store))


def _merge_zones(into: dict[str, set[object]], found: dict[str, set[object]]) -> None:
    for name, users in found.items():
        into.setdefault(name, set()).update(users)


def store_tables(store: Store) -> list[str]:
    names = [t.name for t in store.history]
    return names + list(store.journey_work_tables)


def drop_tables(engine: Engine, names: Sequence[str]) -> None:
    for name in names:
        drop = exp.Drop(tables=[table_ref(name)], kind="TABLE", exists=True)
        engine.query(render(drop, engine.target, pretty=False))


# ---------------------------------------------------------------- reporting


def summary_rows(
    decisions: list[dict[str, Any]], journeys: Sequence[model.Journey] = ()
) -> list[list[object]]:
    """Decisions counted per journey, step, channel, day of the run and status; journeys
    and steps in the order of `journeys` (their declarations), then the rest by name."""
    counts: Counter[tuple[str, str, str, str, str]] = Counter()
    for d in decisions:
        day = day_text(d["run_at"])
        counts[(d["journey"], d["step"], d["channel"], day, d["status"])] += 1
    declared = {
        (journey.name, step.name): (place, index)
        for place, journey in enumerate(journeys)
        for index, step in enumerate(journey.steps)
    }
    unknown = (len(declared), 0)

    def order(item: tuple[tuple[str, str, str, str, str], int]) -> tuple[object, ...]:
        journey, step, channel, day, status = item[0]
        return (declared.get((journey, step), unknown), journey, step, channel, day, status)

    rows: dict[tuple[str, str, str, str], dict[str, int]] = {}
    for (journey, step, channel, day, status), count in sorted(counts.items(), key=order):
        rows.setdefault((journey, step, channel, day), {})[status] = count
    statuses = ("sent", "skipped", "expired", "capped", "held_out")
    return [[*key, *(by.get(s, 0) for s in statuses)] for key, by in rows.items()]


def only(decisions: list[dict[str, Any]], names: list[str]) -> list[dict[str, Any]]:
    return [d for d in decisions if d["journey"] in names]


def parse_every(text: str) -> dt.timedelta:
    """`15m`, `1h`, `1d`, `2w`: the cadences `segl run --every` takes (BadCadence, a
    ValueError, otherwise)."""
    return Cadence.parse(text).step

"""A run's journey work (SPEC §3.2, docs/journeys.md): inside the run's transaction, read
the committed journey state and the facts of the interval since each journey's previous
run, decide entries, exits and steps, apply holdouts and caps, and stage the new ledger,
outbox and marker rows; the compiled run's statements then write them with the tags.

Only the decisions are taken here, in Python, over the few rows a run concerns (new
events, active entries): a step's time in the user's zone needs the tz database, which
not every engine has per row. The facts come from SQL (compiler/journeys/facts.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple, cast
from zoneinfo import ZoneInfo

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.fingerprints import definition_fingerprint
from segl.compiler.journeys import facts, model, timing
from segl.compiler.script import CompiledRun, Statement
from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.sqlgen.nodes import USER, and_all, subquery
from segl.compiler.sqlgen.query import key_literal
from segl.compiler.store import ColumnType, Kind, Table
from segl.compiler.targets import Target
from segl.compiler.timeutil import wall_text
from segl.compiler.types import Type
from segl.compiler.values import bucket_of, key_text
from segl.dsl.diagnostics import Diagnostic, Severity
from segl.runtime.background import Background
from segl.runtime.engines import Engine, EngineError
from segl.runtime.migration import RunFingerprints, change_reason, stored_fingerprints
from segl.runtime.store import key_type

NOOP = "SELECT 1"
# more users than this are staged in a work table and read by a join: an `IN` list of
# 10^4 literals costs more to build, render and parse than the query it filters
STAGED_USERS_FROM = 1_000
NEVER = dt.datetime.max.replace(tzinfo=dt.UTC)
Row = list[object]
UserValues = dict[str, object]  # one user's hidden values by name
# Entry.next_check: the first instant a pending step is due (UTC), the first wall time one
# expires
Check = tuple[dt.datetime, dt.datetime]


@dataclass(slots=True)  # a run holds one per active entry: 10^4-10^5
class Entry:
    user: object  # the person now (its values, zone, caps, holdouts and messages)
    entry_at: dt.datetime
    new: bool  # made by this run
    # with an identity, the key its ledger rows are under when that is no person's key any
    # more (the person it entered as merged into another since): None, `user`
    stored: object = None
    ended: bool = False
    decided: set[str] = field(default_factory=set)  # steps already in the outbox
    # JourneyRun._deciding's cache: the first instant a pending step is due (UTC), and
    # the first wall time one expires; steps waiting for their window: when it opens
    next_check: Check | None = None
    waits: dict[str, dt.datetime] = field(default_factory=dict)


def entry_order(entry: Entry) -> tuple[dt.datetime, str]:
    """The order a run reads its active entries in: by entry time, then user."""
    return entry.entry_at, model.user_text(entry.user)


def ledger_key(entry: Entry) -> object:
    """The key the entry's ledger rows are under."""
    return entry.user if entry.stored is None else entry.stored


def merge_order(entry: Entry) -> tuple[dt.datetime, str]:
    """Which of a person's active entries stays when persons merged: the earliest, then
    the smallest key it was made under."""
    return entry.entry_at, model.user_text(ledger_key(entry))


@dataclass
class JourneyStats:
    """What a run did for one journey (the run summary prints it)."""

    entries: int = 0
    exits: int = 0
    merged: int = 0  # active entries ended because their persons merged
    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass(slots=True)  # one per message a run may send
class _Candidate:
    journey: model.Journey
    step: model.Step
    entry: Entry
    due_at: dt.datetime
    due_instant: dt.datetime  # the order of caps: a repeated hour's wall times are not
    user_zone: ZoneInfo
    values: dict[str, object]


@dataclass(slots=True)
class _Read:
    """What JourneyRun._read found for _decided: the run's previous runs by journey, the
    ledger rows so far, each journey's entries whose steps to decide with their users'
    values, and by journey the entries that may finish and those still active."""

    previous: dict[str, dt.datetime]
    ledger: list[Row]
    steps: list[tuple[model.Journey, list[Entry], dict[object, UserValues]]]
    finishing: dict[str, Iterable[Entry]]
    active: dict[str, Sequence[Entry]]


Decided = tuple[list[Row], list[Row], list[Row]]  # the ledger, outbox and marker rows


def _cap_order(c: _Candidate) -> tuple[int, dt.datetime, int]:
    """The order one user's candidates take their places under the caps."""
    return c.journey.priority, c.due_instant, c.step.index


# (holdout, salt, user) -> whether the user is held out (sticky, SPEC §2.8)
HoldoutAssignments = dict[tuple[str, str, object], bool]


class Share(NamedTuple):
    """A holdout at a committed run: its share then, and the journeys it covered (None:
    written by a segl that did not keep them)."""

    as_of: dt.datetime
    share: float
    journeys: frozenset[str] | None


# (holdout, salt) -> the committed runs' shares, oldest first
ShareHistory = dict[tuple[str, str], list[Share]]


class JourneyRun:
    """The journey work of one run on one engine."""

    def __init__(self, compiled: CompiledRun, engine: Engine, identity_map: str | None) -> None:
        self.compiled = compiled
        self.engine = engine
        self.identity_map = identity_map
        self.store = compiled.store
        project = compiled.store.project
        assert project.journeys is not None
        self.project = project
        self.journeys = project.journeys
        self.as_of = compiled.as_of
        self.zone = ZoneInfo(project.timezone)
        self.now = timing.to_instant(self.as_of, self.zone)
        # project-zone wall time -> its instant: a run asks for each pending step's time at
        # least twice, and the entries of one run (winback's) share their entry time
        self._instants: dict[dt.datetime, dt.datetime] = {}
        self._open: dict[tuple[int, ZoneInfo], bool] = {}  # (id of a step, zone) -> _open_now
        self._holdouts: dict[str, tuple[model.Holdout, ...]] = {}  # journey -> its holdouts
        self.skipped = False
        self.last: dt.datetime | None = None  # the latest committed journey run
        # journey -> its latest committed run's active_since: none of its entries active
        # then began earlier, so the ledger is read from there (not the whole history)
        self._active_since: dict[str, dt.datetime] = {}
        self.stats: dict[str, JourneyStats] = {}
        self.warnings: list[Diagnostic] = []
        self._rendered: list[str] = []
        self._unknown_zones: dict[str, set[object]] = defaultdict(set)  # name -> users
        # after _decide, by journey: the entries it made, may have decided or ended
        self.touched: dict[str, list[Entry]] = {}
        # (holdout, salt, user) -> held out: the sticky assignments of the users whose
        # steps this run decides (those fixed by an earlier run read first)
        self.assigned: HoldoutAssignments = {}
        self._assignments_read: dict[tuple[str, str], set[object]] = {}  # -> users read
        self._shares: ShareHistory | None = None  # the committed shares, read once
        self._relinked_since: dict[dt.datetime, set[object]] = {}  # since -> persons
        # (holdout, salt) -> its held-out decisions predate its first share (_predates_shares)
        self._older_than_shares: dict[tuple[str, str], bool] = {}
        self._key: ColumnType | None = None
        # with an identity: the committed state's keys that are no person's key any more ->
        # the person each belongs to now (read once the last run is known)
        self.moves: dict[object, object] = {}
        self._moves_staged = False
        # source -> (the earliest start, the triggers) of the interval triggers that read it
        self._interval_reads: dict[str, tuple[dt.datetime, list[model.EventTrigger]]] = {}
        self._interval_copies: dict[str, str] = {}  # source -> its interval's copy
        self._recent: list[tuple[object, ...]] | None = None  # _recent_sends, read once
        # started by `start`: the work tables of the decided rows, ready to be made
        self._deciding_now: Background[list[Callable[[], None]]] | None = None

    @property
    def key(self) -> ColumnType:
        """How user keys are staged (runtime/store.py key_type: the warehouse's key column
        type read once)."""
        if self._key is None:
            self._key = key_type(self.project, self.engine)
        return self._key

    # ------------------------------------------------------------ statements
    def early_statements(self) -> list[Statement]:
        """`start`: the run places it right after its result table is made, before it
        writes its tags, members and layers."""
        return [self.start]

    def statements(self) -> list[Statement]:
        """`prepare` (it decides, or waits for the deciding `start` began, and stages), then
        the writes, rendered once it has run."""
        count = len(self.compiled.journey_statements(exp.false()))

        def write(index: int) -> Statement:
            def later() -> str:
                if not self._rendered:
                    match = exp.false() if self.skipped else self._uncommitted()
                    statements = self.compiled.journey_statements(match)
                    self._rendered.extend(render(s, self.compiled.target) for s in statements)
                return self._rendered[index]

            return later

        return [self.prepare, *(write(i) for i in range(count))]

    def _uncommitted(self) -> exp.Expression:
        """This run's rows and any a killed run left after the last committed one."""
        if self.last is None:
            return exp.true()
        return exp.GT(this=col("as_of"), expression=self.compiled.target.timestamp(self.last))

    def start(self) -> str:
        """Read everything deciding needs on the run's connection, then decide the steps,
        caps and outbox rows in a thread, which touches no connection: that Python work
        overlaps the run's writes of its tags, members and layers, whose statements leave
        a core idle much of the time (BENCHMARKS.md, journeys: the overlap). `prepare`
        waits for it."""
        previous = self._previous_runs()
        self.last = max(previous.values(), default=None)
        if self.last is not None and self.as_of <= self.last:
            self.skipped = True
            return NOOP
        self.moves = self._stale_keys()
        read = self._read(previous)
        # read here, so that the thread reads nothing: what the caps count, how keys are
        # staged
        self._recent_sends()
        _ = self.key
        self._deciding_now = Background(lambda: self._staged(self._decided(read)))
        return NOOP

    def prepare(self) -> str:
        if self._deciding_now is None and not self.skipped:
            self.start()  # not started early (a caller of `statements` alone)
        if self.skipped:
            # decided once: an earlier (or the same) as-of changes nothing; the writes keep
            # every row and add none (engines that publish by swapping tables need them)
            for table in self.store.journey_tables:
                self._stage(table, [])
            return NOOP
        assert self._deciding_now is not None
        for make in self._deciding_now.result():
            make()
        return NOOP

    def _staged(self, decided: Decided) -> list[Callable[[], None]]:
        """The work tables of the decided rows, made ready to be created (the part of
        staging that needs no connection, done in the deciding thread)."""
        ledger, outbox, markers = decided
        staged = {
            self.store.journey_entries.name: ledger,
            self.store.outbox.name: outbox,
            self.store.holdout_shares.name: self._share_rows(),
            self.store.journey_runs.name: markers,
        }
        return [self._stage_later(t, staged[t.name]) for t in self.store.journey_tables]

    # ------------------------------------------------------------ reading
    def _exists(self, table: Table) -> bool:
        return self.engine.columns_of(table.name) is not None

    def _select(
        self, table: Table, columns: Sequence[str], where: exp.Expression
    ) -> list[tuple[object, ...]]:
        query = (
            exp.Select(expressions=[col(c) for c in columns])
            .from_(table_ref(table.name), copy=False)
            .where(where, copy=False)
        )
        return self.engine.query(render(query, self.compiled.target, pretty=False))

    def _committed(self, table: Table) -> exp.Expression:
        if self.last is None:
            return exp.false()
        return exp.LTE(this=col("as_of"), expression=self.compiled.target.timestamp(self.last))

    def _previous_runs(self) -> dict[str, dt.datetime]:
        table = self.store.journey_runs
        stored = self.engine.columns_of(table.name)  # None: no journey ran yet
        if stored is None:
            return {}
        kept = {c.lower() for c in stored}
        columns = ["journey", "as_of", *(["active_since"] if "active_since" in kept else [])]
        found: dict[str, dt.datetime] = {}
        since: dict[str, object] = {}
        for name, as_of, *bound in self._select(table, columns, exp.true()):
            journey, when = str(name), self.engine.decode(as_of, Type.TIMESTAMP)
            if journey not in found or when > found[journey]:
                found[journey] = when
                since[journey] = bound[0] if bound else None
        self._active_since = {
            journey: self.engine.decode(value, Type.TIMESTAMP)
            for journey, value in since.items()
            if value is not None  # a marker of a segl that did not keep it: read everything
        }
        return found

    def _of_journey(self, journey: str) -> exp.Expression:
        named = exp.EQ(this=col("journey"), expression=self.compiled.target.string(journey))
        both = exp.and_(named, self._committed(self.store.journey_entries))
        return cast(exp.Expression, both)

    def _active(self, journey: model.Journey) -> list[Entry]:
        """The journey's committed entries that have not ended, with their decided steps."""
        table = self.store.journey_entries
        if self.last is None or not self._exists(table):
            return []
        target = self.compiled.target
        since = self._active_since.get(journey.name)
        query = facts.active_entries(target, table.name, journey.name, self.last, since)
        moves = self.moves
        active: dict[tuple[object, dt.datetime], list[Entry]] = defaultdict(list)
        for user, entry_at in self.engine.query(render(query, target, pretty=False)):
            when = self.engine.decode(entry_at, Type.TIMESTAMP)
            entry = Entry(moves.get(user, user), when, new=False)
            entry.stored = user if user in moves else None
            active[(entry.user, when)].append(entry)
        if active and self._exists(self.store.outbox):
            oldest = min(when for _, when in active)
            later = exp.GTE(this=col("entry_at"), expression=target.timestamp(oldest))
            where = and_all([self._of_journey(journey.name), later])
            columns = ["user_id", "entry_at", "step"]
            # a step decided under any key of the person, for an entry at the same time
            for user, entry_at, step in self._select(self.store.outbox, columns, where):
                key = (moves.get(user, user), self.engine.decode(entry_at, Type.TIMESTAMP))
                for entry in active.get(key, ()):
                    entry.decided.add(str(step))
        return sorted(chain.from_iterable(active.values()), key=entry_order)

    def _blocked(self, journey: model.Journey) -> exp.Select | None:
        """Users who may not enter now (None: nobody ever entered)."""
        table = self.store.journey_entries
        if self.last is None or not self._exists(table):
            return None
        target = self.compiled.target
        since = self._active_since.get(journey.name)
        blocked = facts.blocked_users(target, table.name, journey, self.last, self.as_of, since)
        return self._as_persons(blocked)

    def _first_events(
        self,
        trigger: model.EventTrigger,
        start: dt.datetime | None,
        first: bool,
        blocked: exp.Select | None,
    ) -> dict[object, dt.datetime]:
        query = facts.first_events(
            self.compiled.plan,
            self.compiled.target,
            trigger,
            start,
            self.as_of,
            self.store.result,
            self.identity_map,
            ever_first=first,
            blocked=blocked,
            copy=None if start is None else self._interval_copy(trigger.source),
        )
        rows = self.engine.query(render(query, self.compiled.target, pretty=False))
        return {user: self.engine.decode(when, Type.TIMESTAMP) for user, when in rows}

    def _first_times(
        self, name: str, start: dt.datetime, blocked: exp.Select | None
    ) -> dict[object, dt.datetime]:
        """`enter on first S`: the users whose first matching event ever (the hidden value
        `name` of the run's result) lies in [start, as-of), who may enter."""
        plan, target = self.compiled.plan, self.compiled.target
        where = facts.first_within(plan, target, name, start, self.as_of)
        if blocked is not None:
            where = and_all([where, facts.not_in(col(USER), blocked)])
        found = self._values([name], where)
        return {user: cast(dt.datetime, values[name]) for user, values in found.items()}

    def _plan_interval_reads(self, previous: dict[str, dt.datetime]) -> None:
        """Which sources several triggers read in the run's intervals: each journey's
        `enter on` and `exit on` read their source's rows since its previous run."""
        reads: dict[str, tuple[dt.datetime, list[model.EventTrigger]]] = {}
        for journey in self.journeys.journeys:
            start = previous.get(journey.name)
            if start is None:
                continue
            for trigger in journey.interval_triggers:
                earliest, triggers = reads.get(trigger.source, (start, []))
                reads[trigger.source] = (min(earliest, start), [*triggers, trigger])
        self._interval_reads = reads

    def _interval_copy(self, source: str) -> str | None:
        """The table of the source's rows since the earliest interval start, copied at the
        first read when several triggers read it (each then reads the copy, where it
        would scan the whole source: one not sorted by time skips nothing); None for a
        source one trigger reads."""
        start, triggers = self._interval_reads.get(source, (None, []))
        if start is None or len(triggers) < 2:
            return None
        table = self._interval_copies.get(source)
        if table is None:
            target = self.compiled.target
            table = self.store.journey_interval_work(source)
            rows = facts.interval_copy(
                target, self.project.source(source), triggers, start, self.as_of
            )
            # a temporary table (Spark: a cached view, not a parquet table written per run)
            self.engine.query(render(target.create_temp_table(table, rows), target, pretty=False))
            self._interval_copies[source] = table
        return table

    def _values(self, names: list[str], where: exp.Expression | None) -> dict[object, UserValues]:
        if not names:
            return {}
        plan = self.compiled.plan
        query = facts.values_of(plan, self.store.result, names, where)
        types = [plan.column_for(n).definition for n in names]
        found: dict[object, UserValues] = {}
        for row in self.engine.query(render(query, self.compiled.target, pretty=False)):
            found[row[0]] = {
                name: self.engine.decode(value, definition.type)  # type: ignore[union-attr]
                for name, definition, value in zip(names, types, row[1:], strict=True)
            }
        return found

    # ------------------------------------------------------------ deciding
    def _decide(self, previous: dict[str, dt.datetime]) -> Decided:
        return self._decided(self._read(previous))

    def _read(self, previous: dict[str, dt.datetime]) -> _Read:
        """Every journey's entries, exits and the entries whose steps it decides, with the
        values and holdout assignments those need: all `_decided` reads from the engine
        but the messages sent before (_recent_sends). Deciding a journey's steps changes
        nothing another journey reads here, so the steps of all are decided after."""
        ledger: list[list[object]] = []
        steps: list[tuple[model.Journey, list[Entry], dict[object, UserValues]]] = []
        finishing: dict[str, Iterable[Entry]] = {}
        active: dict[str, Sequence[Entry]] = {}  # by journey: its entries active in the run
        self.touched = {}
        self._plan_interval_reads(previous)
        for journey in self.journeys.journeys:
            stats = self.stats.setdefault(journey.name, JourneyStats())
            start = previous.get(journey.name)
            old, merged = self._merge(self._active(journey))
            stats.merged = len(merged)
            ledger += [
                [journey.name, ledger_key(e), e.entry_at, "merged", self.as_of] for e in merged
            ]
            busy = self._busy(journey, old)  # a user has at most one active entry
            new = [e for e in self._enter(journey, start) if e.user not in busy]
            stats.entries = len(new)
            ledger += [[journey.name, e.user, e.entry_at, "enter", e.entry_at] for e in new]
            deciding = self._deciding(journey, old, new)
            concerned = [*old, *new] if journey.exit_when else deciding
            values = self._values_of(self._value_names(journey), concerned)
            exits = self._exits(journey, self._by_user(journey, old, new), start, values)
            stats.exits = len(exits)
            for entry, when in exits:
                entry.ended = True
                ledger.append([journey.name, ledger_key(entry), entry.entry_at, "exit", when])
            still = [e for e in deciding if not e.ended]
            self._read_assignments(journey, still)
            steps.append((journey, still, values))
            finishing[journey.name] = self._finishing(journey, old, new)
            active[journey.name] = self._kept_active(old, new)
            self.touched[journey.name] = [*new, *deciding, *(entry for entry, _ in exits)]
        return _Read(previous, ledger, steps, finishing, active)

    def _decided(self, read: _Read) -> Decided:
        """The steps, caps, finished entries and markers of what `_read` found: the ledger,
        outbox and marker rows."""
        previous, ledger, finishing = read.previous, read.ledger, read.finishing
        candidates: list[_Candidate] = []
        decisions: list[model.Decision] = []
        markers: list[list[object]] = []
        for journey, entries, values in read.steps:
            for entry in entries:
                decisions += self._steps(journey, entry, values, candidates)
        decisions += self._apply_caps(candidates)
        for journey in self.journeys.journeys:
            for entry in finishing[journey.name]:
                if _done(journey, entry):
                    done = [journey.name, ledger_key(entry), entry.entry_at, "done", self.as_of]
                    ledger.append(done)
        for decision in decisions:
            self.stats[decision.journey].statuses[decision.status] += 1
        made = Counter(d.journey for d in decisions)
        for journey in self.journeys.journeys:
            stats = self.stats[journey.name]
            since = self._active_after(journey, read.active[journey.name])
            markers.append(
                [journey.name, previous.get(journey.name), stats.entries, made[journey.name], since]
            )
        return ledger, [self._outbox_row(d) for d in decisions], markers

    def _active_after(self, journey: model.Journey, entries: Iterable[Entry]) -> dt.datetime:
        """The marker's active_since: the earliest entry time of the entries still active
        after the run, or its as-of when none is (an entry a later run makes begins at or
        after its interval's start, this as-of, or at its own as-of)."""
        still = (e.entry_at for e in entries if not e.ended and not _done(journey, e))
        return min(still, default=self.as_of)

    def _merge(self, active: list[Entry]) -> tuple[list[Entry], list[Entry]]:
        """A person has at most one active entry (SPEC §3.2): when persons merged since
        their entries were made, the earliest stays (merge_order) and the others end at
        this run, their steps not yet decided cancelled. (kept, ended)"""
        if not self.moves:
            return active, []  # every key is one person's: one active entry each
        by_person: dict[object, list[Entry]] = defaultdict(list)
        for entry in active:
            by_person[entry.user].append(entry)
        kept: list[Entry] = []
        ended: list[Entry] = []
        for entries in by_person.values():
            entries.sort(key=merge_order)
            kept.append(entries[0])
            ended += entries[1:]
        return sorted(kept, key=entry_order), ended

    def _relinked(self, since: dt.datetime) -> set[object]:
        """With an identity, the persons that may have gained IDs since `since`
        (compiler/identity.py relinked_persons); read once per `since`."""
        identity = self.compiled.identity
        if identity is None or self.identity_map is None:
            return set()
        if since not in self._relinked_since:
            query = identity.relinked_persons(since)
            rows = (
                []
                if query is None
                else self.engine.query(render(query, self.compiled.target, pretty=False))
            )
            self._relinked_since[since] = {person for (person,) in rows}
        return self._relinked_since[since]

    def _relinked_entries(
        self, by_user: Mapping[object, Entry], start: dt.datetime
    ) -> dict[object, Entry]:
        """The earlier entries whose persons may have gained IDs since `start`: none
        without an identity (where `by_user`, a simulation's every active entry, is not even
        walked: once per journey and instant it cost a tenth of a simulation)."""
        if self.compiled.identity is None or self.identity_map is None:
            return {}
        old = {u: e for u, e in by_user.items() if not e.new}
        relinked = self._relinked(start) if old else set()
        return {u: e for u, e in old.items() if u in relinked}

    def _stale_keys(self) -> dict[object, object]:
        """With an identity, the keys of the committed journey state that are no person's
        key now, each with the person its ID belongs to."""
        identity = self.project.identity
        if identity is None or self.identity_map is None or self.last is None:
            return {}
        kept = [t.name for t in (self.store.journey_entries, self.store.outbox) if self._exists(t)]
        if not kept:
            return {}
        target = self.compiled.target
        query = facts.stale_keys(target, kept, self.identity_map, identity.kinds, self.last)
        return dict(self.engine.query(render(query, target, pretty=False)))

    def _as_persons(self, keys: exp.Select) -> exp.Select:
        """The persons of the stored keys `keys` selects (a stale key: its person now)."""
        if not self.moves:
            return keys
        table = self.store.journey_moves_work
        if not self._moves_staged:
            rows = [[key, person] for key, person in self.moves.items()]
            self.engine.create_table(table, [("user_id", self.key), ("person", self.key)], rows)
            self._moves_staged = True
        return facts.as_persons(keys, table)

    def _busy(self, journey: model.Journey, active: Sequence[Entry]) -> Collection[object]:
        """The users with an active entry in the journey."""
        return {e.user for e in active}

    def _by_user(
        self, journey: model.Journey, old: Sequence[Entry], new: Sequence[Entry]
    ) -> Mapping[object, Entry]:
        """The journey's active entries by user (one each)."""
        return {e.user: e for e in chain(old, new)}

    def _finishing(
        self, journey: model.Journey, old: Sequence[Entry], new: Sequence[Entry]
    ) -> Iterable[Entry]:
        """The entries that may have no step left once the run has decided: every active
        one (an old entry's journey may have lost steps since it was decided)."""
        return chain(old, new)

    def _kept_active(self, old: Sequence[Entry], new: Sequence[Entry]) -> Sequence[Entry]:
        """The entries whose earliest still active after the run the marker keeps (every
        active one: _active_after)."""
        return [*old, *new]

    def _deciding(
        self, journey: model.Journey, old: Sequence[Entry], new: Sequence[Entry]
    ) -> list[Entry]:
        """The entries this run may decide a step of: one not decided yet is due (its
        window open, as far as earlier runs found) or expires. Only these entries' values
        are read and their steps searched (_steps decides). One loop over every active
        entry at every run, so it is written for speed."""
        now, as_of = self.now, self.as_of
        found = []
        for entry in chain(old, new):
            check = entry.next_check
            if check is None:
                check = entry.next_check = self._next_check(journey, entry)
            if check[0] <= now or check[1] <= as_of:
                found.append(entry)
        return found

    def _next_check(self, journey: model.Journey, entry: Entry) -> Check:
        """The first instant a pending step of the entry is due (UTC), and the first wall
        time one expires (Entry.next_check). Every active entry at every run: one loop,
        written for speed."""
        decided, waits, entry_at = entry.decided, entry.waits, entry.entry_at
        due, expiry = NEVER, dt.datetime.max
        for step in journey.steps:
            if step.name in decided:
                continue
            when = waits.get(step.name) if waits else None
            if when is None:
                when = self._base(entry, step)
            if when < due:
                due = when
            if step.within is not None and entry_at + step.within < expiry:
                expiry = entry_at + step.within
        return due, expiry

    def _base(self, entry: Entry, step: model.Step) -> dt.datetime:
        """The instant a step is due at the earliest: `after` its entry, in the project's
        zone (its window, in the user's, may make it later)."""
        wall = entry.entry_at + step.after
        found = self._instants.get(wall)
        if found is None:
            found = self._instants[wall] = timing.to_instant(wall, self.zone)
        return found

    def _value_names(self, journey: model.Journey) -> list[str]:
        names = [*journey.exit_when]
        for step in journey.steps:
            names += [step.condition] if step.condition else []
            names += [hidden for _, hidden in step.payload]
        if self.journeys.zone_value is not None:
            names.append(self.journeys.zone_value)
        return list(dict.fromkeys(names))

    def _values_of(self, names: list[str], entries: Sequence[Entry]) -> dict[object, UserValues]:
        """The hidden values `names` of the entries' users."""
        users = {e.user for e in entries}
        if not users or not names:
            return {}
        return self._values(names, self._users_in(users))

    def _users_in(self, users: Collection[object], column: str = USER) -> exp.Expression:
        """`column IN (<users>)`: literals for a few users (in order: the same SQL every
        time), else a staged work table."""
        if len(users) < STAGED_USERS_FROM:
            return users_in(self.compiled.target, sorted(users, key=model.user_text), column)
        table = self.store.journey_users_work
        self.engine.create_table(table, [("user_id", self.key)], [[user] for user in users])
        staged = exp.Select(expressions=[col("user_id")]).from_(table_ref(table), copy=False)
        return exp.In(this=col(column), query=exp.Subquery(this=staged))

    def _enter(self, journey: model.Journey, start: dt.datetime | None) -> list[Entry]:
        """New entries: users who may enter (the SQL leaves the others out) and whose
        entry rule holds in the interval, at most one each."""
        blocked = self._blocked(journey)
        found: dict[object, dt.datetime] = {}
        if journey.enter_first_at is not None and start is not None:
            found = self._first_times(journey.enter_first_at, start, blocked)
        elif journey.enter_on is not None and start is not None:
            found = self._first_events(journey.enter_on, start, journey.enter_first, blocked)
        elif journey.enter_when is not None:
            plan, target = self.compiled.plan, self.compiled.target
            where = facts.is_true(plan, target, journey.enter_when)
            if blocked is not None:
                where = and_all([where, facts.not_in(col(USER), blocked)])
            found = {user: self.as_of for user in self._values([journey.enter_when], where)}
        elif journey.enter_moved is not None and start is not None:
            found = {user: self.as_of for user in self._moved(journey, start, blocked)}
        return [Entry(user, found[user], new=True) for user in sorted(found, key=model.user_text)]

    def _moved(
        self, journey: model.Journey, start: dt.datetime, blocked: exp.Select | None
    ) -> list[object]:
        """Users who were in the move's origin layer at the journey's previous run and are
        in its destination now; nobody when the layering's definition changed between the
        two runs (comparing them would invent moves: W0702)."""
        move = journey.enter_moved
        assert move is not None
        changed = self._layering_changed(move.layering, start)
        if changed is not None:
            self.warnings.append(
                Diagnostic(
                    "W0702",
                    f"journey '{journey.name}' entered nobody by tier moves: {changed}",
                    journey.span,
                    ("moves are read again from the next run on, against this one",),
                    Severity.WARNING,
                )
            )
            return []
        query = facts.moved_users(
            self.compiled.plan,
            self.compiled.target,
            self.store.result,
            self.store.layers.name,
            move,
            start,
            blocked,
            self._persons_map(),
        )
        return [row[0] for row in self.engine.query(render(query, self.compiled.target))]

    def _persons_map(self) -> tuple[str, Sequence[str]] | None:
        """With an identity: the run's identity map and the kinds, to follow stored keys."""
        identity = self.project.identity
        if identity is None or self.identity_map is None:
            return None
        return self.identity_map, identity.kinds

    def _layering_changed(self, layering: str, start: dt.datetime) -> str | None:
        stored = stored_fingerprints(self.engine, self.store)
        if start not in stored:
            return f"no stored run as of {wall_text(start)} to compare with"
        now = RunFingerprints(
            ir.fingerprint(self.project),
            {layering: definition_fingerprint(self.project, layering)},
            self.project.timezone,
        )
        return change_reason(layering, "layering", (start, stored[start]), (self.as_of, now))

    def _exits(
        self,
        journey: model.Journey,
        by_user: Mapping[object, Entry],
        start: dt.datetime | None,
        values: dict[object, UserValues],
    ) -> list[tuple[Entry, dt.datetime]]:
        firsts: dict[object, dt.datetime] = {}
        if start is not None and journey.exit_on:
            # a person that gained IDs since the journey's last run gained their events
            # too: its entry ends at the first one after it, however early (SPEC §3.2)
            back = self._relinked_entries(by_user, start)
            for trigger in journey.exit_on:
                found = [self._exit_events(trigger, start, self.as_of, by_user)]
                if back:
                    oldest = min(e.entry_at for e in back.values())
                    found.append(self._exit_events(trigger, oldest, start, back, only=True))
                for user, when in chain.from_iterable(f.items() for f in found):
                    firsts[user] = min(when, firsts.get(user, when))
        for name in journey.exit_when:
            for user, entry in by_user.items():
                if not entry.new and values.get(user, {}).get(name) is True:
                    firsts[user] = min(self.as_of, firsts.get(user, self.as_of))
        return [(by_user[user], when) for user, when in firsts.items()]

    def _exit_events(
        self,
        trigger: model.EventTrigger,
        start: dt.datetime,
        end: dt.datetime,
        by_user: Mapping[object, Entry],
        only: bool = False,
    ) -> dict[object, dt.datetime]:
        """Each active entry's first matching event in [start, end) strictly after it
        (`by_user`; `only`: the query reads those users' events only, for a look-back)."""
        found: dict[object, dt.datetime] = {}
        if not by_user:
            return found
        query = facts.events_in(
            self.compiled.plan,
            self.compiled.target,
            trigger,
            start,
            end,
            self.store.result,
            self.identity_map,
            copy=None if only else self._interval_copy(trigger.source),
        )
        if only:
            query = (
                exp.Select(expressions=[exp.Star()])
                .from_(subquery(query, "x"), copy=False)
                .where(self._users_in(by_user.keys()), copy=False)
            )
        for user, when in self.engine.query(render(query, self.compiled.target, pretty=False)):
            entry = by_user.get(user)
            time = self.engine.decode(when, Type.TIMESTAMP)
            if (
                entry is not None
                and time > entry.entry_at
                and (user not in found or time < found[user])
            ):
                found[user] = time
        return found

    def _user_zone(self, user: object, values: UserValues) -> ZoneInfo:
        name = self.journeys.zone_value
        if name is None:
            return self.zone
        found = timing.zone_or_none(values.get(name))
        if found is None:
            if values.get(name) is not None:
                self._unknown_zones[str(values.get(name))].add(user)
            return self.zone
        return found

    def _steps(
        self,
        journey: model.Journey,
        entry: Entry,
        values: dict[object, UserValues],
        candidates: list[_Candidate],
    ) -> list[model.Decision]:
        mine = values.get(entry.user, {})
        user_zone = self._user_zone(entry.user, mine)
        now = self.now
        decided: list[model.Decision] = []
        for step in journey.steps:
            if step.name in entry.decided:
                continue
            base = self._base(entry, step)
            expired = step.within is not None and self.as_of >= entry.entry_at + step.within
            if not expired and (base > now or not self._open_now(step, user_zone)):
                if base <= now:
                    entry.waits[step.name] = self._waits_until(step, base, user_zone)
                continue  # not due, or the run is outside the step's window
            due, due_wall = self._due_time(step, base, user_zone)
            if expired:
                decided.append(self._decision(journey, step, entry, due_wall, model.EXPIRED, mine))
                continue
            if due is None or due > now:
                continue
            if step.condition is not None and mine.get(step.condition) is not True:
                decided.append(self._decision(journey, step, entry, due_wall, model.SKIPPED, mine))
            elif self._held_out(journey, entry.user):
                decided.append(self._decision(journey, step, entry, due_wall, model.HELD_OUT, mine))
            else:
                candidate = _Candidate(journey, step, entry, due_wall, due, user_zone, mine)
                candidates.append(candidate)
                entry.decided.add(step.name)
        for decision in decided:
            entry.decided.add(decision.step)
        entry.next_check = None  # its pending steps may have changed
        return decided

    def _due_time(
        self, step: model.Step, base: dt.datetime, user_zone: ZoneInfo
    ) -> tuple[dt.datetime | None, dt.datetime]:
        """The step's first allowed instant at or after `base` (None: none within the
        horizon) and the wall time of it (of `base` when None) in the project's zone. Most
        steps are allowed at their base: its local time is then read once."""
        local = base.astimezone(user_zone)
        if timing.allowed_local(local, step.allowed):
            if user_zone is self.zone:
                return base, local.replace(tzinfo=None)
            return base, timing.to_wall(base, self.zone)
        due = timing.later_allowed(base, user_zone, step.allowed)
        return due, timing.to_wall(due if due is not None else base, self.zone)

    def _open_now(self, step: model.Step, user_zone: ZoneInfo) -> bool:
        """Whether the run's instant is within the step's window in the zone (read once per
        step and zone: a run asks for every due step of every entry)."""
        key = (id(step), user_zone)
        found = self._open.get(key)
        if found is None:
            found = self._open[key] = timing.allowed_at(self.now, user_zone, step.allowed)
        return found

    def _waits_until(self, step: model.Step, base: dt.datetime, user_zone: ZoneInfo) -> dt.datetime:
        """When a due step outside its window is next worth looking at (an instant): with
        the project's zone for every user, when its window opens (never: until it
        expires); with a zone per user, at every run (the user's zone may change)."""
        if self.journeys.zone_value is not None:
            return self.now
        due = timing.next_allowed(base, user_zone, step.allowed)
        return NEVER if due is None else due

    def _held_out(self, journey: model.Journey, user: object) -> bool:
        """SPEC §2.8, §3.3: in a holdout when bucket(user, salt) < its share at the run
        that first decided a message of the user under it (this run: the share now), and
        for good after (sticky; a person merged from other keys: as read by
        _read_assignments). A key with no agreed text (a fractional number) has a null
        bucket, so is in no holdout."""
        held = False
        holdouts = self._holdouts.get(journey.name)
        if holdouts is None:
            holdouts = self._holdouts[journey.name] = self.journeys.holdouts_of(journey)
        for holdout in holdouts:
            assignment = (holdout.name, holdout.salt, user)
            found = self.assigned.get(assignment)
            if found is None:
                key = key_text(user)
                found = key is not None and bucket_of(key, holdout.salt) < holdout.share
                self.assigned[assignment] = found
            held = held or found
        return held

    def _share_rows(self) -> list[list[object]]:
        """This run's share of every holdout of the project, and the journeys it covers."""
        return [
            [h.name, h.salt, h.share, _journey_list(self.journeys.journeys_under(h))]
            for h in self.journeys.all_holdouts
        ]

    def _read_assignments(self, journey: model.Journey, entries: Sequence[Entry]) -> None:
        """Before the run decides the entries' steps: under each holdout of the journey
        whose share has changed since its first run, the users' assignments fixed by
        their first decision under it; likewise for a person some stored key merged into
        (its earliest decision under any of its keys). While a share never changed, every
        other assignment is bucket < share: nothing to read."""
        merged = self._merged_persons()
        for holdout in self.journeys.holdouts_of(journey):
            shares = self._share_history().get((holdout.name, holdout.salt), [])
            unchanged = all(s.share == holdout.share for s in shares)
            unchanged = unchanged and not self._predates_shares(holdout)
            read = self._assignments_read.setdefault((holdout.name, holdout.salt), set())
            wanted = {e.user for e in entries if not unchanged or e.user in merged}
            users = sorted(wanted - read, key=model.user_text)
            read.update(users)
            if users:
                history = shares or [Share(self.as_of, holdout.share, None)]
                self._assign_from_history(holdout, history, users, merged)

    def _merged_persons(self) -> dict[object, list[object]]:
        """Each person some committed state's key now belongs to (self.moves), with those
        keys: a person keeps the holdout assignment of its earliest decision under any of
        them (sticky per person, as experiments' assignments)."""
        found: dict[object, list[object]] = defaultdict(list)
        for key, person in self.moves.items():
            found[person].append(key)
        return found

    def _share_history(self) -> ShareHistory:
        """(holdout, salt) -> the committed runs' shares, oldest first."""
        if self._shares is None:
            self._shares = {}
            table = self.store.holdout_shares
            stored = table in self.store.journey_tables and self._exists(table)
            if self.last is not None and stored:
                kept = {c.lower() for c in self.engine.columns_of(table.name) or {}}
                columns = ["holdout", "salt", "as_of", "share"]
                columns += ["journeys"] if "journeys" in kept else []
                rows = self._select(table, columns, self._committed(table))
                for name, salt, as_of, share, *covered in rows:
                    listed = covered[0] if covered else None
                    found = Share(
                        self.engine.decode(as_of, Type.TIMESTAMP),
                        float(str(share)),
                        None if listed is None else frozenset(json.loads(str(listed))),
                    )
                    self._shares.setdefault((str(name), str(salt)), []).append(found)
            for history in self._shares.values():
                history.sort()
        return self._shares

    def _assign_from_history(
        self,
        holdout: model.Holdout,
        shares: list[Share],
        users: list[object],
        merged: Mapping[object, list[object]],
    ) -> None:
        """The users' first committed decision under the holdout (a message that reached
        its check: sent, capped or held out, at a run where the holdout was in the rules
        and covered the message's journey: _was_under) fixes their assignment: bucket of
        the key it was decided for < the share of that run. A person's decisions are those
        under its key and the keys merged into it (`merged`), the earliest first (ties:
        the smallest key)."""
        persons = {key: user for user in users for key in merged.get(user, [])}
        persons.update({user: user for user in users})
        target = self.compiled.target
        checked = (model.SENT, model.CAPPED, model.HELD_OUT)
        table = self.store.outbox
        older = self._predates_shares(holdout)
        first_share = shares[0]
        since = [] if older else [first_share.as_of]
        where = and_all(
            [
                self._committed(table),
                *(exp.GTE(this=col("as_of"), expression=target.timestamp(t)) for t in since),
                exp.In(this=col("status"), expressions=[target.string(s) for s in checked]),
                self._users_in(persons, column="user_id"),
            ]
        )
        # the status of the earliest decision tells a held-out user before the shares
        rank = exp.Case(
            ifs=[
                exp.If(
                    this=col("status").eq(target.string(model.HELD_OUT)), true=exp.Literal.number(1)
                )
            ],
            default=exp.Literal.number(0),
        )
        keys = [col("user_id"), col("as_of"), col("journey")]
        query = (
            exp.Select(expressions=[*keys, exp.Max(this=rank)])
            .from_(table_ref(table.name), copy=False)
            .where(where, copy=False)
            .group_by(*(k.copy() for k in keys), copy=False)
        )
        now = {j.name for j in self.journeys.journeys_under(holdout)}
        at_run = {s.as_of: s for s in shares}
        earliest: dict[object, tuple[dt.datetime, str, object, bool]] = {}
        rows = self.engine.query(render(query, target, pretty=False))
        for stored, first, journey, held_out in rows:
            when = self.engine.decode(first, Type.TIMESTAMP)
            before = when < first_share.as_of
            if not _was_under(at_run.get(when), before, str(journey), now):
                continue
            person = persons.get(stored, stored)
            found = (when, model.user_text(stored), stored, int(str(held_out)) == 1)
            if person not in earliest or found[:2] < earliest[person][:2]:
                earliest[person] = found
        alone = older and self._only_holdout(holdout)
        for person, (first, _, stored, held_out) in earliest.items():
            key = key_text(stored)
            if first < first_share.as_of and alone:
                # written by a segl that kept no shares: what it decided is the assignment
                self.assigned[(holdout.name, holdout.salt, person)] = held_out
            elif key is not None:  # a decision before the first share: at the first share
                share = at_run.get(first, first_share).share
                self.assigned[(holdout.name, holdout.salt, person)] = (
                    bucket_of(key, holdout.salt) < share
                )

    def _predates_shares(self, holdout: model.Holdout) -> bool:
        """Whether users were held out in the holdout's journeys before the first share
        stored: the database was written by a segl that kept no shares (before the shares
        table), so the holdout is older than its share history and the decisions before
        it fixed assignments too (read from their statuses). Asked once per run."""
        key = (holdout.name, holdout.salt)
        if key not in self._older_than_shares:
            # the first share stored of any holdout (a holdout added after the shares began,
            # another removed, is not taken for an older one); none: every decision is older
            first = min((h[0].as_of for h in self._share_history().values() if h), default=None)
            older = self.last is not None and self._held_out_before(holdout, first)
            self._older_than_shares[key] = older
        return self._older_than_shares[key]

    def _held_out_before(self, holdout: model.Holdout, first_share: dt.datetime | None) -> bool:
        target = self.compiled.target
        table = self.store.outbox
        before = [] if first_share is None else [first_share]
        where = and_all(
            [
                self._committed(table),
                *(exp.LT(this=col("as_of"), expression=target.timestamp(t)) for t in before),
                exp.EQ(this=col("status"), expression=target.string(model.HELD_OUT)),
                self._in_journeys_under(holdout),
            ]
        )
        query = (
            exp.Select(expressions=[exp.Literal.number(1)])
            .from_(table_ref(table.name), copy=False)
            .where(where, copy=False)
            .limit(exp.Literal.number(1), copy=False)
        )
        return bool(self.engine.query(render(query, target, pretty=False)))

    def _only_holdout(self, holdout: model.Holdout) -> bool:
        """No other holdout covers a journey this one covers: a held-out decision there
        was this holdout's."""
        return all(
            self.journeys.holdouts_of(j) == (holdout,)
            for j in self.journeys.journeys_under(holdout)
        )

    def _in_journeys_under(self, holdout: model.Holdout) -> exp.Expression:
        """An outbox row's journey is one the holdout covers."""
        names = [self.compiled.target.string(j.name) for j in self.journeys.journeys_under(holdout)]
        return exp.In(this=col("journey"), expressions=names)

    def _decision(
        self,
        journey: model.Journey,
        step: model.Step,
        entry: Entry,
        due_at: dt.datetime,
        status: str,
        values: UserValues,
    ) -> model.Decision:
        payload = tuple((key, values.get(hidden)) for key, hidden in step.payload)
        return model.Decision(
            journey.name,
            step.name,
            entry.user,
            entry.entry_at,
            due_at,
            self.as_of,
            step.channel,
            step.template,
            status,
            payload,
        )

    # ------------------------------------------------------------ caps
    def _apply_caps(self, candidates: list[_Candidate]) -> list[model.Decision]:
        """Each candidate sent, or capped by the user's earlier sends and the ones this run
        sends before it: by journey priority, then due time, then step. Caps count one
        user's messages, so only a user's own candidates are ordered."""
        by_user: dict[object, list[_Candidate]] = {}
        for c in candidates:
            by_user.setdefault(c.entry.user, []).append(c)
        sent = self._sent_before(set(by_user))
        now = self.now
        # a cap counts some of the user's sends: fewer sends than the lowest limit fill none
        lowest = min((cap.limit for cap in self.journeys.caps), default=0)
        days: dict[tuple[dt.datetime, ZoneInfo], dt.date] = {}  # the runs' local days
        decisions: list[model.Decision] = []
        for user, mine in by_user.items():
            if len(mine) > 1:
                mine.sort(key=_cap_order)
            history = sent[user]
            for c in mine:
                full = len(history) >= lowest and any(
                    self._count(cap, history, c.step.channel, c.user_zone, now, days) >= cap.limit
                    for cap in self.journeys.caps
                    if cap.channel in (model.ALL_CHANNELS, c.step.channel)
                )
                status = model.CAPPED if full else model.SENT
                if not full:
                    history.append((c.step.channel, self.as_of))
                decisions.append(
                    self._decision(c.journey, c.step, c.entry, c.due_at, status, c.values)
                )
        return decisions

    def _count(
        self,
        cap: model.Cap,
        history: Iterable[tuple[str, dt.datetime]],
        channel: str,
        user_zone: ZoneInfo,
        now: dt.datetime,
        days: dict[tuple[dt.datetime, ZoneInfo], dt.date],
    ) -> int:
        today = now.astimezone(user_zone).date()
        count = 0
        for sent_channel, run_at in history:
            if cap.channel != model.ALL_CHANNELS and sent_channel != cap.channel:
                continue
            if cap.rolling is not None:
                count += self.as_of - cap.rolling < run_at <= self.as_of
                continue
            day = days.get((run_at, user_zone))
            if day is None:
                local = timing.to_instant(run_at, self.zone).astimezone(user_zone)
                day = days[(run_at, user_zone)] = local.date()
            if cap.calendar == "week":
                count += day.isocalendar()[:2] == today.isocalendar()[:2]
            else:
                count += day == today
        return count

    def _sent_before(self, users: set[object]) -> dict[object, list[tuple[str, dt.datetime]]]:
        sent: dict[object, list[tuple[str, dt.datetime]]] = defaultdict(list)
        if not users:
            return sent
        moves = self.moves
        for key, channel, as_of in self._recent_sends():
            user = moves.get(key, key)  # sent to any key of the person
            if user in users:
                sent[user].append((str(channel), self.engine.decode(as_of, Type.TIMESTAMP)))
        return sent

    def _recent_sends(self) -> list[tuple[object, ...]]:
        """The committed messages sent recently enough to count under a cap: (the key
        they were sent to, channel, run), read once."""
        if self._recent is None:
            self._recent = self._read_recent_sends()
        return self._recent

    def _read_recent_sends(self) -> list[tuple[object, ...]]:
        if not self.journeys.caps or self.last is None or not self._exists(self.store.outbox):
            return []
        spans = [c.rolling for c in self.journeys.caps if c.rolling is not None]
        since = self.as_of - max([dt.timedelta(days=9), *spans])
        target = self.compiled.target
        where = and_all(
            [
                exp.EQ(this=col("status"), expression=target.string(model.SENT)),
                exp.GT(this=col("as_of"), expression=target.timestamp(since)),
                self._committed(self.store.outbox),
            ]
        )
        return self._select(self.store.outbox, ["user_id", "channel", "as_of"], where)

    def drop_work_tables(self) -> None:
        """The staged rows are not kept (after the commit, or a failed run, whose deciding
        may still be under way: it ends first, so no thread outlives the run)."""
        if self._deciding_now is not None:
            self._deciding_now.wait()
        for name in self.store.journey_work_tables:
            drop = exp.Drop(tables=[table_ref(name)], kind="TABLE", exists=True)
            # a failed run's connection may be unusable: the next run replaces them
            with contextlib.suppress(EngineError):
                self.engine.query(render(drop, self.compiled.target, pretty=False))

    # ------------------------------------------------------------ staging
    def _outbox_row(self, d: model.Decision) -> list[object]:
        payload = model.payload_json(d.payload)
        message = d.message_id(self.project.name)
        return [
            d.journey,
            d.step,
            d.user,
            d.entry_at,
            d.due_at,
            d.channel,
            d.template,
            payload,
            d.status,
            message,
        ]

    def _stage(self, table: Table, rows: list[list[object]]) -> None:
        self._stage_later(table, rows)()

    def _stage_later(self, table: Table, rows: list[list[object]]) -> Callable[[], None]:
        columns = [
            (c.name, self._type_of(c.type)) for c in table.columns if c.name not in table.run_keys
        ]
        return self.engine.table_maker(self.store.journey_work(table), columns, rows)

    def _type_of(self, kind: Type | Kind) -> ColumnType:
        return column_type(kind, self.key)

    def summary_warnings(self) -> list[Diagnostic]:
        return [*unknown_zone_warnings(self._unknown_zones), *self.warnings]

    @property
    def unknown_zones(self) -> dict[str, set[object]]:
        """Zone names in the users' zone column the tz database does not know -> users."""
        return self._unknown_zones


def unknown_zone_warnings(unknown: dict[str, set[object]]) -> list[Diagnostic]:
    """W0701 for the unknown zone names (each quoted, so an empty or padded name shows)."""
    if not unknown:
        return []
    names = ", ".join(_quoted_zone(name) for name in sorted(unknown)[:5])
    more = f" and {len(unknown) - 5:,} more" if len(unknown) > 5 else ""
    users = len(set().union(*unknown.values()))
    return [
        Diagnostic(
            "W0701",
            f"unknown time zone names in the users' zone column: {names}{more}; the steps of "
            f"{users:,} user{'s' if users != 1 else ''} were timed in the project's zone",
            None,
            ("use IANA names such as Asia/Shanghai or America/New_York",),
            Severity.WARNING,
        )
    ]


def _done(journey: model.Journey, entry: Entry) -> bool:
    """Whether the run ends the entry with a `done` row: every step decided, no exit."""
    return not entry.ended and len(entry.decided) == len(journey.steps)


def _was_under(share: Share | None, before_shares: bool, journey: str, now: set[str]) -> bool:
    """Whether a decision of `journey` at a committed run was under a holdout: the holdout
    was in the rules then (`share`, its share at that run) and covered the journey (as
    stored; as it does now, `now`, before its first share or where a segl that did not
    keep the journeys wrote the share)."""
    if before_shares:
        return journey in now
    if share is None:
        return False  # not in the rules at that run (removed, or added since)
    return journey in (now if share.journeys is None else share.journeys)


def _journey_list(journeys: Iterable[model.Journey]) -> str:
    """Journey names as the JSON list the holdout shares keep."""
    return json.dumps(sorted(j.name for j in journeys), ensure_ascii=False)


def _quoted_zone(name: str, longest: int = 40) -> str:
    shown = name if len(name) <= longest else name[:longest] + "…"
    return json.dumps(shown, ensure_ascii=False)


def column_type(kind: Type | Kind, key: ColumnType) -> ColumnType:
    """The type a journey table's column is staged with (`key`: the user key's)."""
    if isinstance(kind, Type):
        return kind
    if kind is Kind.KEY:
        return key
    return Type.TIMESTAMP if kind is Kind.INSTANT else Type.NUMBER


def users_in(target: Target, users: Sequence[object], column: str = USER) -> exp.Expression:
    """`_u IN (<users>)` (or another column's)."""
    literals = [key_literal(target, u) for u in users]
    return exp.In(this=col(column), expressions=literals)

"""The reference semantics of journeys (docs/journeys.md "Semantics", SPEC §3.2, §3.3).

A fold over the run instants: each run evaluates the project (with the hidden tags its
journeys read) as of its as-of, then for every journey makes entries, exits and due steps,
then applies the caps across journeys. It is the oracle the engines' journey runs are
tested against, so it favours being obviously right over being fast: a step's due time is
found by brute force, walking whole minutes of real time (instants, never wall times, so
DST gaps and repeated hours need no special case).

Times in and out are naive wall-clock times in the project's zone; inside, an instant is
an aware datetime in UTC. A project-zone wall time that is ambiguous (a repeated hour) is
read with `fold=0`, the first of its two instants.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from segl.compiler import ir
from segl.compiler.journeys.model import (
    ALL_CHANNELS,
    CAPPED,
    EXPIRED,
    HELD_OUT,
    SENT,
    SKIPPED,
    Allowed,
    Cap,
    Decision,
    EventTrigger,
    Holdout,
    Journey,
    Journeys,
    Step,
    user_text,
)
from segl.compiler.timeutil import zone_or_none
from segl.compiler.values import bucket_of, key_text
from segl.runtime.reference.definitions import (
    EventTimes,
    Tables,
    UserKey,
    Value,
    evaluate_with_events,
)
from segl.runtime.reference.identity import resolve, stale_keys
from segl.runtime.results import RunResult

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
# How far past `entry + after` the due time is looked for: a week covers every pattern of
# days and windows; the rest is slack for DST. Nothing allowed by then: never due.
SEARCH = dt.timedelta(days=15)

# The order in which a run's decisions are capped and listed: journey priority, due time
# (an instant), the user's key as text, the step's place in its journey.
Order = tuple[int, dt.datetime, str, int]


def simulate(project: ir.Project, tables: Tables, runs: Sequence[dt.datetime]) -> list[Decision]:
    """Every decision of runs at `runs` (naive wall-clock times in the project's zone,
    strictly increasing) over `tables`, in run order, each run's in the cap order."""
    journeys = project.journeys
    _check_runs(runs)
    if journeys is None:
        return []
    simulation = _Simulation(project, journeys, tables)
    decisions: list[Decision] = []
    previous: dt.datetime | None = None
    for at in runs:
        decisions += simulation.run(at, previous)
        previous = at
    return decisions


def _check_runs(runs: Sequence[dt.datetime]) -> None:
    for at in runs:
        if at.tzinfo is not None:
            raise ValueError("runs must be naive wall-clock times in the project's zone")
    for earlier, later in itertools.pairwise(runs):
        if not earlier < later:
            raise ValueError(f"runs must be strictly increasing: {later} after {earlier}")


# ---------------------------------------------------------------- time


def user_zone(name: Value, project_zone: ZoneInfo) -> ZoneInfo:
    """The zone a user's `zone` value names; the project's for a null, a non-text value or
    a name the tz database does not know (docs/journeys.md "Time zones": never a crash)."""
    found = zone_or_none(name) if isinstance(name, str) else None
    return project_zone if found is None else found


def allowed_at(moment: dt.datetime, zone: ZoneInfo, allowed: Allowed) -> bool:
    """Whether an instant is allowed by the step's days, window and quiet hours, read on
    the user's local wall clock at that instant."""
    local = moment.astimezone(zone)
    return allowed.allows(local.isoweekday(), local.hour * 60 + local.minute)


def first_allowed(start: dt.datetime, zone: ZoneInfo, allowed: Allowed) -> dt.datetime | None:
    """The first allowed instant at or after `start`: `start` itself, else the first whole
    UTC minute after it that is allowed (every allowed stretch begins on a local whole
    minute, which is a whole UTC minute in every zone in use). None: none within SEARCH."""
    if allowed_at(start, zone, allowed):
        return start
    moment = start.replace(second=0, microsecond=0) + MINUTE
    while moment <= start + SEARCH:
        if allowed_at(moment, zone, allowed):
            return moment
        moment += MINUTE
    return None


class _Clock:
    """Conversions between project-zone wall times and instants, and the (memoised: the
    walk is slow) due times of steps."""

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)
        self._due: dict[tuple[dt.datetime, ZoneInfo, Allowed], dt.datetime | None] = {}

    def instant(self, wall: dt.datetime) -> dt.datetime:
        return wall.replace(tzinfo=self.zone, fold=0).astimezone(UTC)

    def wall(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.zone).replace(tzinfo=None)

    def local(self, wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
        """A project-zone wall time on the user's wall clock."""
        return self.instant(wall).astimezone(zone)

    def first_allowed(
        self, start: dt.datetime, zone: ZoneInfo, allowed: Allowed
    ) -> dt.datetime | None:
        key = (start, zone, allowed)
        if key not in self._due:
            self._due[key] = first_allowed(start, zone, allowed)
        return self._due[key]


# ---------------------------------------------------------------- state


@dataclass(eq=False)
class _Entry:
    """A user's entry into a journey: its time, the run that made it, the steps decided,
    and the key of the person it entered as (a later run may find that key merged into
    another person)."""

    at: dt.datetime
    made_by: dt.datetime
    key: UserKey
    decided: set[int] = field(default_factory=set)
    ended: bool = False


@dataclass(frozen=True)
class _Sent:
    """A sent message, as the caps count it."""

    user: UserKey
    channel: str
    run_at: dt.datetime


@dataclass(frozen=True, eq=False)
class _Due:
    """A step a run decides: everything its decision needs but the status."""

    journey: Journey
    step: Step
    user: UserKey
    entry: _Entry
    zone: ZoneInfo
    nominal: dt.datetime  # the instant entry + after
    due: dt.datetime | None  # the first allowed instant from it; None: never allowed

    @property
    def when(self) -> dt.datetime:
        """The due time reported and ordered by (a never-allowed step's: the nominal one)."""
        return self.nominal if self.due is None else self.due

    def order(self) -> Order:
        return (self.journey.priority, self.when, user_text(self.user), self.step.index)


@dataclass(frozen=True)
class _View:
    """What a run sees as of its as-of: the values of every tag (hidden ones included) and
    each trigger's matching event times per user."""

    at: dt.datetime  # the run, a project-zone wall time
    instant: dt.datetime
    result: RunResult
    times: dict[EventTrigger, EventTimes]
    zone_value: str | None
    project_zone: ZoneInfo
    # with an identity: every ID written as a person key that is no person's key now ->
    # the person it belongs to (runtime/reference/identity.py stale_keys)
    moves: dict[UserKey, UserKey] = field(default_factory=dict)
    merged_into: dict[UserKey, list[UserKey]] = field(default_factory=dict)  # moves inverted

    def person(self, key: UserKey) -> UserKey:
        """The person a key of an earlier run's state belongs to now."""
        return self.moves.get(key, key)

    def value(self, tag: str, user: UserKey) -> Value:
        return self.result.tags[tag].get(user)

    def is_true(self, tag: str, user: UserKey) -> bool:
        return self.value(tag, user) is True  # three-valued: null is not true

    def events(self, trigger: EventTrigger, user: UserKey) -> list[dt.datetime]:
        return self.times[trigger].get(user, [])

    def zone(self, user: UserKey) -> ZoneInfo:
        if self.zone_value is None:
            return self.project_zone
        return user_zone(self.value(self.zone_value, user), self.project_zone)


# ---------------------------------------------------------------- the fold


class _Simulation:
    def __init__(self, project: ir.Project, journeys: Journeys, tables: Tables) -> None:
        self.project = project.with_journey_values()
        self.journeys = journeys
        self.tables = tables
        self.clock = _Clock(project.timezone)
        self.triggers = _triggers(journeys)
        # journey -> user -> their active entry, else their last (earlier ones are over)
        self.entries: dict[str, dict[UserKey, _Entry]] = {j.name: {} for j in journeys.journeys}
        # with an identity, journey -> every entry made, and (user decided for, entry time)
        # -> the steps decided: persons merge, so entries are found again at every run
        self.made: dict[str, list[_Entry]] = {j.name: [] for j in journeys.journeys}
        self.record: dict[str, dict[tuple[UserKey, dt.datetime], set[int]]] = {
            j.name: {} for j in journeys.journeys
        }
        self.sent: list[_Sent] = []
        self.prior: RunResult | None = None  # the previous run's results (tier moves)
        # (holdout, salt, user) -> (the run of the first decision under it, the key it was
        # for as text, held out): sticky, and a person's earliest over its keys
        self.assigned: dict[tuple[str, str, UserKey], tuple[dt.datetime, str, bool]] = {}

    def run(self, at: dt.datetime, previous: dt.datetime | None) -> list[Decision]:
        view = self._view(at)
        decided: list[tuple[_Due, str]] = []
        wanting: list[_Due] = []
        for journey in self.journeys.journeys:
            if self.project.identity is not None:
                self._follow_persons(journey, view)
            entries = self.entries[journey.name]
            self._enter(journey, entries, view, previous)
            self._exit(journey, entries, view)
            for due, status in self._steps(journey, entries, view):
                if status == SENT:
                    wanting.append(due)  # sent unless a cap is full: decided below
                else:
                    decided.append((due, status))
        # caps across journeys, in priority order: each sent message counts for the next
        for due in sorted(wanting, key=_Due.order):
            decided.append((due, self._cap_or_send(due, view)))
        for due, _ in decided:
            due.entry.decided.add(due.step.index)
            record = self.record[due.journey.name]
            record.setdefault((due.user, due.entry.at), set()).add(due.step.index)
        self._end_finished()
        self.prior = view.result
        decided.sort(key=lambda pair: pair[0].order())
        return [self._decision(due, status, view) for due, status in decided]

    def _view(self, at: dt.datetime) -> _View:
        triggers = [(t.source, t.filter) for t in self.triggers]
        result, times = evaluate_with_events(self.project, self.tables, at, triggers)
        identity = self.project.identity
        moves: dict[UserKey, UserKey] = {}
        if identity is not None:
            moves = dict(stale_keys(identity.kinds, resolve(self.project, self.tables, at)))
        merged_into: dict[UserKey, list[UserKey]] = {}
        for key, person in moves.items():
            merged_into.setdefault(person, []).append(key)
        return _View(
            at=at,
            instant=self.clock.instant(at),
            result=result,
            times=dict(zip(self.triggers, times, strict=True)),
            zone_value=self.journeys.zone_value,
            project_zone=self.clock.zone,
            moves=moves,
            merged_into=merged_into,
        )

    # ------------------------------------------------------------ 0. persons

    def _follow_persons(self, journey: Journey, view: _View) -> None:
        """With an identity, the entries by the person each one's key belongs to now. A
        person with more than one active entry (their persons merged) keeps the earliest
        (then the smallest key) and the others end here, their undecided steps cancelled.
        A kept entry's decided steps are those decided for an entry of the person, under
        any of its keys now, at the same entry time."""
        groups: dict[UserKey, list[_Entry]] = {}
        for entry in self.made[journey.name]:
            groups.setdefault(view.person(entry.key), []).append(entry)
        record = self.record[journey.name]
        current: dict[UserKey, _Entry] = {}
        for person, entries in groups.items():
            active = sorted(
                (e for e in entries if not e.ended), key=lambda e: (e.at, user_text(e.key))
            )
            for merged in active[1:]:
                merged.ended = True
            if not active:
                current[person] = max(entries, key=lambda e: e.at)
                continue
            kept = current[person] = active[0]
            # found again at every run, not accumulated: a person that splits again
            # sees only the decisions of its keys now (docs/journeys.md)
            kept.decided = set()
            for (user, at), steps in record.items():
                if at == kept.at and view.person(user) == person:
                    kept.decided |= steps
        self.entries[journey.name] = current

    # ------------------------------------------------------------ 1. entries

    def _enter(
        self,
        journey: Journey,
        entries: dict[UserKey, _Entry],
        view: _View,
        previous: dt.datetime | None,
    ) -> None:
        was_in_origin = _in_origin_before(journey, self.prior, view)
        for user in view.result.users:  # in the universe at T
            if not _may_enter(journey, entries.get(user), view.at):
                continue
            at = _entry_time(journey, user, view, previous)
            if at is None and _moved(journey, user, was_in_origin, view):
                at = view.at
            if at is not None:
                entries[user] = _Entry(at=at, made_by=view.at, key=user)
                self.made[journey.name].append(entries[user])

    # ------------------------------------------------------------ 2. exits

    def _exit(self, journey: Journey, entries: dict[UserKey, _Entry], view: _View) -> None:
        for user, entry in entries.items():
            if not entry.ended and _exits(journey, user, entry, view):
                entry.ended = True  # its undecided steps are cancelled: never decided

    # ------------------------------------------------------------ 3. steps

    def _steps(
        self, journey: Journey, entries: dict[UserKey, _Entry], view: _View
    ) -> Iterator[tuple[_Due, str]]:
        """The steps this run decides, with their status (SENT: unless a cap is full)."""
        for user, entry in entries.items():
            if entry.ended:
                continue
            zone = view.zone(user)  # as of this run
            for step in journey.steps:
                if step.index in entry.decided:
                    continue
                due = self._due(journey, step, user, entry, zone)
                status = self._status(due, view)
                if status is not None:
                    yield due, status

    def _due(
        self, journey: Journey, step: Step, user: UserKey, entry: _Entry, zone: ZoneInfo
    ) -> _Due:
        # durations are added on the project's wall clock, as all times are read there
        nominal = self.clock.instant(entry.at + step.after)
        due = self.clock.first_allowed(nominal, zone, step.allowed)
        return _Due(journey, step, user, entry, zone, nominal, due)

    def _status(self, due: _Due, view: _View) -> str | None:
        """The step's status at this run; None: it waits (not due, or the run is outside
        its window)."""
        step = due.step
        if step.within is not None and view.at >= due.entry.at + step.within:
            return EXPIRED
        if due.due is None or due.due > view.instant:
            return None
        if not allowed_at(view.instant, due.zone, step.allowed):
            return None
        if step.condition is not None and not view.is_true(step.condition, due.user):
            return SKIPPED
        if self._held_out(due.journey, due.user, view):
            return HELD_OUT
        return SENT

    def _held_out(self, journey: Journey, user: UserKey, view: _View) -> bool:
        """SPEC §2.8, §3.3: in a holdout when bucket(user, salt) < P/100 the first time a
        message of the user is decided under it, and for good after (sticky: a later
        change of P moves nobody). With an identity a person keeps the assignment of its
        earliest decision under any of its keys (ties: the smallest key), with the bucket
        of that key. A key with no agreed text (a fractional number) has a null bucket, so
        is in no holdout."""
        held = False
        for holdout in self.journeys.holdouts_of(journey):
            held = self._assignment(holdout, user, view) or held
        return held

    def _assignment(self, holdout: Holdout, user: UserKey, view: _View) -> bool:
        slot = (holdout.name, holdout.salt)
        found = self.assigned.get((*slot, user))
        for key in view.merged_into.get(user, ()):
            other = self.assigned.get((*slot, key))
            if other is not None and (found is None or other[:2] < found[:2]):
                found = other
        if found is None:
            key = key_text(user)
            held = key is not None and bucket_of(key, holdout.salt) < holdout.share
            found = (view.at, user_text(user), held)
        self.assigned[(*slot, user)] = found
        return found[2]

    # ------------------------------------------------------------ 4. caps

    def _cap_or_send(self, due: _Due, view: _View) -> str:
        if any(self._full(cap, due, view) for cap in self.journeys.caps):
            return CAPPED
        self.sent.append(_Sent(due.user, due.step.channel, view.at))
        return SENT

    def _full(self, cap: Cap, due: _Due, view: _View) -> bool:
        if cap.channel not in (ALL_CHANNELS, due.step.channel):
            return False
        count = sum(
            1
            for sent in self.sent
            if view.person(sent.user) == due.user
            and cap.channel in (ALL_CHANNELS, sent.channel)
            and self._in_span(cap, sent.run_at, view.at, due.zone)
        )
        return count >= cap.limit

    def _in_span(self, cap: Cap, sent_at: dt.datetime, at: dt.datetime, zone: ZoneInfo) -> bool:
        """Whether a message sent at run `sent_at` counts for the cap at run `at`."""
        if cap.rolling is not None:
            return at - cap.rolling < sent_at <= at  # on the project's wall clock
        sent_local, local = self.clock.local(sent_at, zone), self.clock.local(at, zone)
        if cap.calendar == "day":
            return sent_local.date() == local.date()
        if cap.calendar == "week":  # ISO weeks start on Monday
            return sent_local.isocalendar()[:2] == local.isocalendar()[:2]
        raise ValueError(f"cap on {cap.channel} has neither a calendar span nor a rolling one")

    # ------------------------------------------------------------ bookkeeping

    def _end_finished(self) -> None:
        """An entry ends at the run that decides its last step."""
        for journey in self.journeys.journeys:
            steps = {step.index for step in journey.steps}
            for entry in self.entries[journey.name].values():
                if not entry.ended and steps <= entry.decided:
                    entry.ended = True

    def _decision(self, due: _Due, status: str, view: _View) -> Decision:
        step = due.step
        # as of the deciding run, whatever the status: the outbox row of a message not sent
        # still says what it would have carried
        payload = tuple((key, view.value(tag, due.user)) for key, tag in step.payload)
        return Decision(
            journey=due.journey.name,
            step=step.name,
            user=due.user,
            entry_at=due.entry.at,
            due_at=self.clock.wall(due.when),
            run_at=view.at,
            channel=step.channel,
            template=step.template,
            status=status,
            payload=payload,
        )


def _triggers(journeys: Journeys) -> list[EventTrigger]:
    """Every distinct `enter on` / `exit on` trigger: each is matched once per run."""
    found: list[EventTrigger] = []
    for journey in journeys.journeys:
        enter = (journey.enter_on,) if journey.enter_on is not None else ()
        found += [t for t in (*enter, *journey.exit_on) if t not in found]
    return found


def _may_enter(journey: Journey, last: _Entry | None, at: dt.datetime) -> bool:
    """No active entry, and never entered, or (with `reenter after D`) the last entry has
    ended and began at least D before the run."""
    if last is None:
        return True
    if not last.ended or journey.reenter is None:
        return False
    return last.at + journey.reenter <= at


def _entry_time(
    journey: Journey, user: UserKey, view: _View, previous: dt.datetime | None
) -> dt.datetime | None:
    """When a user who may enter enters at this run, if they do."""
    # At the journey's first run there is no interval: earlier events never make entries.
    if journey.enter_on is not None and previous is not None:
        times = view.events(journey.enter_on, user)
        if journey.enter_first:
            times = times[:1]  # only the first matching event ever
        for time in times:
            if time >= previous:  # the first in [previous, T); the rest are ignored
                return time
    if journey.enter_when is not None and view.is_true(journey.enter_when, user):
        return view.at
    return None


def _in_origin_before(journey: Journey, prior: RunResult | None, view: _View) -> set[UserKey]:
    """The persons (now) one of whose keys was in the move's origin layer at the previous
    run (none at the journey's first run, or without `enter on moved`)."""
    move = journey.enter_moved
    if move is None or prior is None:
        return set()
    layers = prior.layers.get(move.layering, {})
    return {view.person(key) for key, layer in layers.items() if layer == move.origin}


def _moved(journey: Journey, user: UserKey, was_in_origin: set[UserKey], view: _View) -> bool:
    """`enter on moved(L, from a, to b)`: in layer a at the previous run (under any key
    that is the person's now), in b now."""
    move = journey.enter_moved
    if move is None or user not in was_in_origin:
        return False
    return view.result.layers[move.layering].get(user) == move.destination


def _exits(journey: Journey, user: UserKey, entry: _Entry, view: _View) -> bool:
    """Whether the entry ends at this run's exits: a matching event in (entry, T), or an
    `exit when` condition true as of T for an entry made at an earlier run."""
    for trigger in journey.exit_on:
        if any(time > entry.at for time in view.events(trigger, user)):
            return True
    if entry.made_by < view.at:
        return any(view.is_true(tag, user) for tag in journey.exit_when)
    return False

"""The checked form of journeys, holdouts and the contact policy.

Conditions and payload values are per-user expressions evaluated as of a run; the checker
turns each into a hidden tag (`Journeys.values`) that a run computes with the project's
tags (and never stores with them): a step's `if`, `enter when` and `exit when` name the
hidden tag holding their value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from segl.compiler import ir
from segl.compiler.alerts.model import LayerMove
from segl.compiler.values import plain_key
from segl.dsl.diagnostics import NO_SPAN, Span

# The channels of SPEC §2.6; segl.toml adds more (`[journeys] channels = [...]`).
CHANNELS = (
    "wechat_oa",
    "wecom",
    "community",
    "moments",
    "mini_program",
    "video_channel",
    "sms",
    "push",
    "banner",
    "h5",
)
ALL_CHANNELS = "all"  # a cap over every channel
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class EventTrigger:
    """Rows of an event source (with a filter over its columns): `enter on`, `exit on`."""

    source: str
    filter: ir.Expr | None = None


@dataclass(frozen=True)
class Allowed:
    """When a message may go out, in the user's zone: days, a window of the day
    [start, end) in minutes (end may be 1440; start > end wraps past midnight), and the
    project's quiet hours [quiet_start, quiet_end) (wrapping likewise)."""

    days: str | None = None  # "weekend" | "weekdays"
    start: int | None = None
    end: int | None = None
    quiet_start: int | None = None
    quiet_end: int | None = None

    @property
    def always(self) -> bool:
        return self.days is None and self.start is None and self.quiet_start is None

    def allows(self, weekday: int, minute: int) -> bool:
        """Whether a local wall time (ISO weekday 1-7, minute of the day) is allowed."""
        if self.days == "weekend" and weekday < 6:
            return False
        if self.days == "weekdays" and weekday >= 6:
            return False
        if (
            self.start is not None
            and self.end is not None
            and not _within(minute, self.start, self.end)
        ):
            return False
        quiet = self.quiet_start is not None and self.quiet_end is not None
        return not (quiet and _within(minute, self.quiet_start or 0, self.quiet_end or 0))


def _within(minute: int, start: int, end: int) -> bool:
    if start <= end:
        return start <= minute < end
    return minute >= start or minute < end  # wraps past midnight


@dataclass(frozen=True)
class Step:
    name: str
    index: int  # its place in the journey, from 0
    after: dt.timedelta
    within: dt.timedelta | None
    allowed: Allowed
    channel: str
    template: str
    condition: str | None = None  # the hidden tag holding the `if`
    payload: tuple[tuple[str, str], ...] = ()  # (key, hidden tag or tag name)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Holdout:
    """`holdout NAME P% salt "S"`: users with bucket(user, S) < P/100 get no message."""

    name: str
    share: float  # P/100
    salt: str
    journey: str | None = None  # None: every journey
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Journey:
    name: str
    title: str | None
    priority: int  # 0 first: the policy's order, then the order of the files
    enter_on: EventTrigger | None  # `enter on S` / `enter on first S`
    enter_first: bool
    enter_when: str | None  # the hidden tag of `enter when C`
    reenter: dt.timedelta | None  # None: a user enters once ever
    exit_on: tuple[EventTrigger, ...]
    exit_when: tuple[str, ...]  # hidden tags of `exit when C`
    steps: tuple[Step, ...]
    holdouts: tuple[Holdout, ...] = ()
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    # `enter on moved(L, from "a", to "b")`: users in `a` at the run before and in `b` at
    # this run enter (checked only: no run reads it yet)
    enter_moved: LayerMove | None = None
    # `enter on first S`: the hidden tag of each user's first matching event before the
    # as-of (None when S's time is a date: the run then reads S's rows itself)
    enter_first_at: str | None = None

    @property
    def interval_triggers(self) -> tuple[EventTrigger, ...]:
        """The triggers a run reads the rows of the journey's interval for: `enter on` (but
        `enter on first`, read from the run's result) and every `exit on`."""
        if self.enter_on is None or self.enter_first_at is not None:
            return self.exit_on
        return (self.enter_on, *self.exit_on)


@dataclass(frozen=True)
class Cap:
    """At most `limit` sent messages per user on a channel (or all): per calendar day or
    week in the user's zone, or in a rolling span ending at the run."""

    channel: str  # a channel or ALL_CHANNELS
    limit: int
    calendar: str | None = None  # "day" | "week"
    rolling: dt.timedelta | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Journeys:
    """Every journey of a project, its holdouts and contact policy, and the hidden
    per-user values they read."""

    journeys: tuple[Journey, ...] = ()
    holdouts: tuple[Holdout, ...] = ()  # global ones (every journey)
    quiet: tuple[int, int] | None = None  # the policy's quiet hours, minutes of the day
    caps: tuple[Cap, ...] = ()
    values: tuple[ir.Tag, ...] = ()  # hidden tags: conditions and payload values
    zone_value: str | None = None  # the hidden tag holding each user's zone (`zone` column)

    def journey(self, name: str) -> Journey:
        return next(j for j in self.journeys if j.name == name)

    def holdouts_of(self, journey: Journey) -> tuple[Holdout, ...]:
        return (*self.holdouts, *journey.holdouts)

    def journeys_under(self, holdout: Holdout) -> tuple[Journey, ...]:
        """The journeys a holdout covers (every one, for a global holdout)."""
        return tuple(j for j in self.journeys if holdout in self.holdouts_of(j))

    @property
    def all_holdouts(self) -> tuple[Holdout, ...]:
        """Every holdout of the project, global and per journey, each once, by (name, salt)."""
        found = {*self.holdouts, *(h for j in self.journeys for h in j.holdouts)}
        return tuple(sorted(found, key=lambda h: (h.name, h.salt)))


HIDDEN = "·"  # hidden tag names hold it: no rule file name can


def hidden_name(journey: str, what: str) -> str:
    return f"{journey}{HIDDEN}{what}"


# ---------------------------------------------------------------- decisions

SENT, SKIPPED, EXPIRED, CAPPED, HELD_OUT = "sent", "skipped", "expired", "capped", "held_out"
STATUSES = (SENT, SKIPPED, EXPIRED, CAPPED, HELD_OUT)


class Decision(NamedTuple):  # a tuple: a run makes 10^4-10^5, 4x faster than a dataclass
    """One row of the outbox: what a run decided for one step of one entry. Times are
    wall-clock times in the project's zone (naive datetimes); `user` is the user's key."""

    journey: str
    step: str
    user: object
    entry_at: dt.datetime
    due_at: dt.datetime
    run_at: dt.datetime
    channel: str
    template: str
    status: str
    payload: tuple[tuple[str, object], ...] = ()  # (key, value) in declared order

    def message_id(self, project: str) -> str:
        return message_id(project, self.journey, self.user, self.entry_at, self.step)


def user_text(user: object) -> str:
    """A user key as text, as `bucket` hashes it: whole numbers without a fraction (a
    DECIMAL key too: 3.00 is 3, and 2.50 is 2.5, as an engine reading doubles has it)."""
    user = plain_key(user)
    if isinstance(user, float) and user.is_integer():
        return str(int(user))
    return str(user)


def user_order(user: object) -> tuple[int, float | int | str]:
    """How decisions list users: number keys in numeric order, text keys by code point."""
    if isinstance(user, bool) or not isinstance(user, int | float):
        return (1, str(user))
    return (0, user)


def decision_order(decision: dict[str, Any]) -> tuple[object, ...]:
    """The outbox's order: oldest run first, then journey, user, entry, the step's due time
    (an entry's steps in the order they fall due, not by name) and step."""
    user = user_order(decision["user"])
    entry = (decision["entry_at"], decision["due_at"], decision["step"])
    return (decision["run_at"], decision["journey"], user, *entry)


def message_id(project: str, journey: str, user: object, entry_at: dt.datetime, step: str) -> str:
    """Deterministic per (project, journey, user, entry, step): the delivery's idempotency
    key. sha256 over the parts joined by NUL, hex, the first 32 digits."""
    parts = (project, journey, user_text(user), entry_at.isoformat(sep=" "), step)
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def payload_value(value: object) -> object:
    """A payload value as JSON holds it: a whole number as an integer (every engine reads
    numbers as doubles; `3`, not `3.0`), ±infinity as the text "Infinity" / "-Infinity"
    (standard JSON has no infinities: the column must parse in any JSON reader; as `segl
    export` and the printed JSON write it), dates and times as ISO text."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return None if math.isnan(value) else value  # NaN: read as null (SPEC §3)
    if isinstance(value, str | int):  # bool too: as it is
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# one encoder for every row: json.dumps(..., ensure_ascii=False) builds one per call
_PAYLOAD_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def payload_json(payload: tuple[tuple[str, object], ...]) -> str:
    """The outbox's payload column: a JSON object in the declared order of its keys."""
    if not payload:
        return "{}"
    return _PAYLOAD_ENCODER.encode({k: payload_value(v) for k, v in payload})

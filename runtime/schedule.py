"""`segl run --every D`: runs on a cadence on one machine (docs/journeys.md, Scheduling).

The as-of instants are wall-clock times in the project's zone aligned to multiples of
`D`: a cadence under a day counts from midnight of each day (`15m`: 00:00, 00:15, ...;
`7h`: 00:00, 07:00, 14:00, 21:00, then 00:00 again), a cadence of whole days counts days
from Monday 2001-01-01 (`1d`: every midnight; `1w` or `7d`: Monday 00:00). The scheduler
runs at each aligned instant once it has passed; when several have passed since the last
run (the machine slept, a run took longer than `D`) it runs once, at the latest of them:
a journey's run works on the whole interval since its previous run, so nothing that
became due meanwhile is lost.

The clock and the sleep are parameters, so tests drive a schedule without waiting.
"""

from __future__ import annotations

import datetime as dt
import re
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

DAY = dt.timedelta(days=1)
# Monday 2001-01-01: cadences of whole days count from it, so `1w` runs on Mondays
EPOCH = dt.datetime(2001, 1, 1)
# the longest single sleep: the scheduler then reads the clock again, so it notices a
# machine that was suspended (the monotonic clock of time.sleep stops meanwhile), a
# clock set by NTP, or a DST change, within a minute
MAX_NAP = 60.0

_UNITS = {
    "m": 60,
    "min": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 7 * 86400,
    "week": 7 * 86400,
    "weeks": 7 * 86400,
}
_CADENCE = re.compile(r"\s*(\d+)\s*([a-z]+)\s*")


class BadCadence(ValueError):
    """A `--every` value that is not a usable cadence (the message says why)."""


@dataclass(frozen=True)
class Cadence:
    """Every `step`, aligned as the module says; `step` is whole minutes, and whole days
    from a day up (so that every instant falls on the same times of day)."""

    step: dt.timedelta

    @classmethod
    def parse(cls, text: str) -> Cadence:
        """`15m`, `1h`, `1d`, `2w` (also `30 minutes`, `1 hour`, ...)."""
        match = _CADENCE.fullmatch(text.lower())
        if match is None or match.group(2) not in _UNITS:
            raise BadCadence(
                f"'{text}' is not a cadence: use a whole number and a unit, m (minutes), "
                "h (hours), d (days) or w (weeks), e.g. 15m, 1h, 1d"
            )
        count = int(match.group(1))
        if count == 0:
            raise BadCadence(f"'{text}' is not a cadence: it must be at least one minute")
        if count > 1000 * 7:  # beyond a thousand weeks in any unit: surely a typo
            raise BadCadence(f"'{text}' is too long a cadence (at most 7000 of a unit)")
        step = dt.timedelta(seconds=count * _UNITS[match.group(2)])
        if step > DAY and step % DAY:
            raise BadCadence(
                f"'{text}' is longer than a day but not whole days: use a cadence under "
                "a day (15m, 1h, 6h: aligned from each midnight) or whole days (1d, 2d, 1w)"
            )
        return cls(step)

    @property
    def daily(self) -> bool:
        """Under a day: aligned within each day from its midnight."""
        return self.step < DAY

    def latest(self, now: dt.datetime) -> dt.datetime:
        """The aligned instant at or before `now` (wall-clock, the project's zone)."""
        midnight = dt.datetime.combine(now.date(), dt.time())
        if self.daily:
            return midnight + (now - midnight) // self.step * self.step
        days = self.step // DAY
        return EPOCH + (midnight - EPOCH).days // days * days * DAY

    def next_after(self, instant: dt.datetime) -> dt.datetime:
        """The first aligned instant after `instant`."""
        latest = self.latest(instant)
        following = latest + self.step
        if self.daily:
            # the day's last slot ends at midnight when the step does not divide the day
            midnight = dt.datetime.combine(latest.date(), dt.time()) + DAY
            return min(following, midnight)
        return following

    def __str__(self) -> str:
        minutes = int(self.step.total_seconds()) // 60
        for unit, size in (("w", 7 * 1440), ("d", 1440), ("h", 60)):
            if minutes % size == 0:
                return f"{minutes // size}{unit}"
        return f"{minutes}m"


class Stop(Exception):
    """A stop was asked for (SIGINT, SIGTERM) while the scheduler was waiting."""


class Interrupted(KeyboardInterrupt):
    """A second stop signal during a run: the run is abandoned (its transaction rolls back)."""


class StopSignals:
    """SIGINT and SIGTERM as a stop request. While the scheduler waits, a signal stops it
    at once (`Stop` is raised out of the sleep); during a run it is only recorded, so the
    run completes (or fails and rolls back) and the schedule stops after it. A second
    signal during the same run interrupts it (`Interrupted`): the engine rolls the run's
    transaction back, so nothing partial is written either way. Outside `listening()` a
    signal is only recorded (the scheduler looks at it before each step), so no exception
    can come from a line that does not expect one."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.received: int | None = None  # the first stop signal
        self.interrupted = False  # a second signal interrupted a run
        self._listening = False
        self._busy = False
        self._previous: dict[int, object] = {}

    @property
    def requested(self) -> bool:
        return self.received is not None

    @property
    def name(self) -> str:
        return signal.Signals(self.received).name if self.received is not None else "request"

    def __enter__(self) -> StopSignals:
        for number in self.SIGNALS:
            self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._previous.items():
            # once stopping, a further Ctrl-C must not kill the exit (and its exit code)
            stopping = self.received is not None
            signal.signal(number, signal.SIG_IGN if stopping else handler)  # type: ignore[arg-type]

    @contextmanager
    def listening(self) -> Iterator[None]:
        """The scheduler's loop: a signal may raise `Stop` (or `Interrupted`) here."""
        self._listening = True
        try:
            yield
        finally:
            self._listening = False

    @contextmanager
    def busy(self) -> Iterator[None]:
        """A run in progress: a first signal waits for its end."""
        self._busy = True
        try:
            yield
        finally:
            self._busy = False

    def request(self, number: int = signal.SIGINT) -> None:
        """A stop, as a signal asks for it (the handler; tests)."""
        again = self.received is not None
        if self.received is None:
            self.received = number
        if not self._listening:
            return
        if not self._busy:
            raise Stop
        if again:
            # the engine may raise its own error for the interrupted query instead
            self.interrupted = True
            raise Interrupted

    def _handle(self, number: int, frame: FrameType | None) -> None:
        self.request(number)


@dataclass(frozen=True)
class Ran:
    """One scheduled run: its as-of, and whether it caught up on missed instants."""

    as_of: dt.datetime
    missed: int  # aligned instants that passed without their own run


class Scheduler:
    """Runs `run(Ran)` at every aligned instant of a cadence until stopped.

    `now()` gives the current wall-clock time in the project's zone; `sleep(seconds)`
    waits; `waiting(instant)` is told once per wait which instant comes next. An exception
    from `run` ends the schedule: the caller reports the failures it can go on from inside
    `run` itself."""

    def __init__(
        self,
        cadence: Cadence,
        run: Callable[[Ran], None],
        *,
        now: Callable[[], dt.datetime],
        sleep: Callable[[float], None] = time.sleep,
        stop: StopSignals | None = None,
        waiting: Callable[[dt.datetime], None] | None = None,
    ) -> None:
        self.cadence = cadence
        self._run = run
        self._now = now
        self._sleep = sleep
        self.stop = stop or StopSignals()
        self._waiting = waiting
        self._announced: dt.datetime | None = None
        self.last: dt.datetime | None = None  # the as-of of the latest run
        self.runs = 0

    def due(self, now: dt.datetime) -> Ran | None:
        """The run to make now, if any: at the latest aligned instant not yet run. The
        first check runs at once (for the instant just passed), so a (re)started scheduler
        catches up without waiting a whole period."""
        latest = self.cadence.latest(now)
        if self.last is None:
            return Ran(latest, 0)
        if latest <= self.last:
            return None  # also when the clock went back (DST, NTP): those as-ofs ran
        return Ran(latest, self._count_between(self.last, latest))

    def _count_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Aligned instants strictly between two: those the catch-up run stands for."""
        count = 0
        moment = self.cadence.next_after(start)
        while moment < end and count < 100_000:  # only for the log line: bounded
            count += 1
            moment = self.cadence.next_after(moment)
        return count

    def step(self) -> None:
        """Run if an instant is due, else sleep towards the next one (at most MAX_NAP)."""
        if self.stop.requested:
            raise Stop
        now = self._now()
        ran = self.due(now)
        if ran is not None:
            with self.stop.busy():
                self._run(ran)
            self.last = ran.as_of
            self.runs += 1
            return
        assert self.last is not None  # due() runs at once the first time
        upcoming = self.cadence.next_after(self.last)
        if self._waiting is not None and upcoming != self._announced:
            self._announced = upcoming
            self._waiting(upcoming)
        seconds = (upcoming - now).total_seconds()
        self._sleep(min(max(seconds, 0.0), MAX_NAP))

    def run_until_stopped(self, max_runs: int | None = None) -> None:
        """Run the schedule until a stop is requested (then return normally), or until
        `max_runs` runs were made (tests)."""
        try:
            with self.stop.listening():
                while max_runs is None or self.runs < max_runs:
                    self.step()
        except Stop:
            return

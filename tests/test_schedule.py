"""`segl run --every D` (runtime/schedule.py, docs/journeys.md "Scheduling"): the aligned
instants, one catch-up run after a gap, stopping on a signal between runs, bad cadences;
a fake clock drives the scheduler so no test waits for real time, but for one subprocess
stopped with SIGINT and one with SIGTERM."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import duckdb
import pytest
from conftest import Result, db_url
from test_journeys_run import RULES, TABLES

from segl.runtime import cli as cli_module
from segl.runtime.schedule import (
    MAX_NAP,
    BadCadence,
    Cadence,
    Interrupted,
    Ran,
    Scheduler,
    StopSignals,
)

Cli = Callable[..., Result]
T = dt.datetime


class FakeClock:
    """Wall-clock time that moves only when slept on (or jumped, as a suspended machine's
    clock does)."""

    def __init__(self, start: dt.datetime) -> None:
        self.time = start
        self.naps: list[float] = []
        self.on_sleep: Callable[[], None] | None = None

    def now(self) -> dt.datetime:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        self.time += dt.timedelta(seconds=seconds)
        if self.on_sleep is not None:
            self.on_sleep()


def scheduled(
    every: str, start: dt.datetime, runs: int, body: Callable[[Ran], None] | None = None
) -> tuple[list[Ran], FakeClock]:
    clock = FakeClock(start)
    made: list[Ran] = []

    def run(ran: Ran) -> None:
        made.append(ran)
        if body is not None:
            body(ran)

    Scheduler(Cadence.parse(every), run, now=clock.now, sleep=clock.sleep).run_until_stopped(
        max_runs=runs
    )
    return made, clock


# ---------------------------------------------------------------- cadences


@pytest.mark.parametrize(
    ("text", "step"),
    [
        ("15m", dt.timedelta(minutes=15)),
        ("1h", dt.timedelta(hours=1)),
        ("1d", dt.timedelta(days=1)),
        ("2w", dt.timedelta(weeks=2)),
        ("30 minutes", dt.timedelta(minutes=30)),
        ("1 Hour", dt.timedelta(hours=1)),
        ("48h", dt.timedelta(days=2)),
    ],
)
def test_cadences_parse(text: str, step: dt.timedelta) -> None:
    assert Cadence.parse(text).step == step


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0m", "at least one minute"),
        ("banana", "not a cadence"),
        ("", "not a cadence"),
        ("1.5h", "not a cadence"),
        ("-1h", "not a cadence"),
        ("10s", "not a cadence"),
        ("36h", "not whole days"),
        ("99999d", "too long"),
    ],
)
def test_bad_cadences_say_why(text: str, says: str) -> None:
    with pytest.raises(BadCadence, match=says):
        Cadence.parse(text)


def test_sub_day_cadences_align_from_midnight() -> None:
    quarter = Cadence.parse("15m")
    assert quarter.latest(T(2026, 11, 2, 10, 7, 30)) == T(2026, 11, 2, 10, 0)
    assert quarter.latest(T(2026, 11, 2, 10, 15)) == T(2026, 11, 2, 10, 15)
    assert quarter.next_after(T(2026, 11, 2, 23, 45)) == T(2026, 11, 3, 0, 0)
    # 7 hours does not divide the day: 00:00, 07:00, 14:00, 21:00, then midnight again
    seven = Cadence.parse("7h")
    assert seven.latest(T(2026, 11, 2, 23, 59)) == T(2026, 11, 2, 21, 0)
    assert seven.next_after(T(2026, 11, 2, 21, 0)) == T(2026, 11, 3, 0, 0)
    assert seven.next_after(T(2026, 11, 3, 0, 0)) == T(2026, 11, 3, 7, 0)


def test_day_cadences_align_to_midnights_counted_from_a_monday() -> None:
    assert Cadence.parse("1d").latest(T(2026, 11, 2, 10, 7)) == T(2026, 11, 2)
    assert Cadence.parse("1d").next_after(T(2026, 11, 2)) == T(2026, 11, 3)
    week = Cadence.parse("1w")
    monday = week.latest(T(2026, 11, 5, 12, 0))  # a Thursday
    assert (monday, monday.isoweekday()) == (T(2026, 11, 2), 1)
    assert week.next_after(monday) == T(2026, 11, 9)
    # every other day, counted from Monday 2001-01-01 (day 0): the same days on every
    # machine, whatever day the scheduler started
    two = Cadence.parse("2d")
    days = (T(2026, 11, 2) - T(2001, 1, 1)).days
    expected = T(2026, 11, 2) if days % 2 == 0 else T(2026, 11, 1)
    assert two.latest(T(2026, 11, 2, 12)) == expected


# ---------------------------------------------------------------- the scheduler


def test_runs_at_once_then_at_each_aligned_instant() -> None:
    made, clock = scheduled("15m", T(2026, 11, 2, 10, 7, 30), runs=4)
    assert [r.as_of for r in made] == [
        T(2026, 11, 2, 10, 0),  # the instant just passed: a restart catches up at once
        T(2026, 11, 2, 10, 15),
        T(2026, 11, 2, 10, 30),
        T(2026, 11, 2, 10, 45),
    ]
    assert all(r.missed == 0 for r in made)
    assert clock.time == T(2026, 11, 2, 10, 45)  # it woke exactly at the instant
    assert max(clock.naps) <= MAX_NAP  # it reads the clock again at least every minute


def test_a_long_run_is_followed_by_one_catch_up_run() -> None:
    clock = FakeClock(T(2026, 11, 2, 10, 0))
    made: list[Ran] = []

    def slow(ran: Ran) -> None:
        made.append(ran)
        if ran.as_of == T(2026, 11, 2, 11, 0):
            clock.time += dt.timedelta(hours=3, minutes=20)  # this run took 3h20m

    Scheduler(Cadence.parse("1h"), slow, now=clock.now, sleep=clock.sleep).run_until_stopped(
        max_runs=4
    )
    # 12:00, 13:00 and 14:00 passed during the slow run: one run at 14:00, no more
    assert [(r.as_of, r.missed) for r in made] == [
        (T(2026, 11, 2, 10, 0), 0),
        (T(2026, 11, 2, 11, 0), 0),
        (T(2026, 11, 2, 14, 0), 2),
        (T(2026, 11, 2, 15, 0), 0),
    ]


def test_a_machine_that_slept_runs_once_when_it_wakes() -> None:
    clock = FakeClock(T(2026, 11, 2, 10, 0))
    made: list[Ran] = []

    def suspended() -> None:
        if len(made) == 1 and clock.time < T(2026, 11, 3):
            clock.time = T(2026, 11, 3, 8, 12)  # closed the lid overnight

    clock.on_sleep = suspended
    scheduler = Scheduler(Cadence.parse("15m"), made.append, now=clock.now, sleep=clock.sleep)
    scheduler.run_until_stopped(max_runs=3)
    assert [r.as_of for r in made] == [
        T(2026, 11, 2, 10, 0),
        T(2026, 11, 3, 8, 0),  # one run at the latest instant passed, not 88 of them
        T(2026, 11, 3, 8, 15),
    ]
    assert made[1].missed == 87  # 10:15 to 07:45 ran no run of their own


def test_a_clock_set_back_repeats_no_as_of() -> None:
    clock = FakeClock(T(2026, 11, 2, 2, 0))
    made: list[Ran] = []
    done: list[bool] = []

    def set_back() -> None:
        if len(made) == 2 and not done:
            done.append(True)
            clock.time = T(2026, 11, 2, 1, 16)  # fall-back: the wall clock repeats an hour

    clock.on_sleep = set_back
    scheduler = Scheduler(Cadence.parse("15m"), made.append, now=clock.now, sleep=clock.sleep)
    scheduler.run_until_stopped(max_runs=3)
    # 01:30 to 02:15 come again after the first 02:15: they are not run twice
    assert [r.as_of for r in made] == [
        T(2026, 11, 2, 2, 0),
        T(2026, 11, 2, 2, 15),
        T(2026, 11, 2, 2, 30),
    ]


def test_a_stop_while_waiting_ends_at_once() -> None:
    clock = FakeClock(T(2026, 11, 2, 10, 0))
    stop = StopSignals()
    made: list[Ran] = []
    clock.on_sleep = lambda: stop.request(signal.SIGTERM) if len(made) == 2 else None
    Scheduler(
        Cadence.parse("1h"), made.append, now=clock.now, sleep=clock.sleep, stop=stop
    ).run_until_stopped()
    assert len(made) == 2
    assert stop.name == "SIGTERM"


def test_a_stop_during_a_run_lets_it_complete_then_ends() -> None:
    clock = FakeClock(T(2026, 11, 2, 10, 0))
    stop = StopSignals()
    finished: list[dt.datetime] = []

    def run(ran: Ran) -> None:
        if ran.as_of == T(2026, 11, 2, 11, 0):
            stop.request()  # Ctrl-C in the middle of the run: it goes on
        finished.append(ran.as_of)

    scheduler = Scheduler(Cadence.parse("1h"), run, now=clock.now, sleep=clock.sleep, stop=stop)
    scheduler.run_until_stopped()
    assert finished == [T(2026, 11, 2, 10, 0), T(2026, 11, 2, 11, 0)]
    assert (scheduler.runs, scheduler.last) == (2, T(2026, 11, 2, 11, 0))


def test_a_second_stop_during_a_run_interrupts_it() -> None:
    clock = FakeClock(T(2026, 11, 2, 10, 0))
    stop = StopSignals()
    finished: list[dt.datetime] = []

    def run(ran: Ran) -> None:
        stop.request()
        stop.request()  # raises here: the engine rolls the run's transaction back
        finished.append(ran.as_of)

    scheduler = Scheduler(Cadence.parse("1h"), run, now=clock.now, sleep=clock.sleep, stop=stop)
    with pytest.raises(Interrupted):
        scheduler.run_until_stopped()
    assert finished == []
    assert scheduler.runs == 0


def test_signal_handlers_are_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with StopSignals():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_second_stop_is_told_even_when_the_engine_raises_its_own_error() -> None:
    """DuckDB turns the Interrupted raised in its query into its own RuntimeError: the
    flag still says the run was interrupted (the command then says it was abandoned)."""
    stop = StopSignals()

    def run(ran: Ran) -> None:
        stop.request()
        try:
            stop.request()
        except Interrupted:
            raise RuntimeError("Query interrupted") from None

    scheduler = Scheduler(Cadence.parse("1h"), run, now=FakeClock(T(2026, 11, 2)).now, stop=stop)
    with pytest.raises(RuntimeError):
        scheduler.run_until_stopped()
    assert stop.interrupted


def test_once_stopping_further_signals_are_ignored_until_the_exit() -> None:
    """A Ctrl-C right after the stop message must not kill the process's clean exit."""
    before = signal.getsignal(signal.SIGINT)
    try:
        with StopSignals() as stop:
            stop.request(signal.SIGINT)  # not listening: recorded only
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        os.kill(os.getpid(), signal.SIGINT)  # ignored: no KeyboardInterrupt
    finally:
        signal.signal(signal.SIGINT, before)


# ---------------------------------------------------------------- the command


@pytest.fixture
def project(write_project: Callable[..., Path], tmp_path: Path) -> tuple[Path, str]:
    toml = '[project]\nname = "shop"\ntimezone = "Asia/Shanghai"\n'
    root = write_project({"rules.segl": RULES, "segl.toml": toml})
    path = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(path))
    for statement in TABLES:
        con.execute(statement)
    con.close()
    return root, db_url(path)


@pytest.mark.parametrize(
    ("every", "says"),
    [("0m", "at least one minute"), ("banana", "not a cadence"), ("36h", "whole days")],
)
def test_bad_every_is_a_usage_error(
    cli: Cli, project: tuple[Path, str], every: str, says: str
) -> None:
    root, url = project
    ran = cli("run", root, "--db", url, "--every", every)
    assert ran.code == 2
    assert "Invalid value for '--every'" in ran.err
    assert says in ran.err


def test_every_with_as_of_is_a_usage_error(cli: Cli, project: tuple[Path, str]) -> None:
    root, url = project
    ran = cli("run", root, "--db", url, "--every", "1h", "--as-of", "2026-11-02")
    assert ran.code == 2
    assert "--every and --as-of exclude each other" in ran.err


def test_every_on_a_missing_database_fails_at_once(cli: Cli, project: tuple[Path, str]) -> None:
    root, _ = project
    ran = cli("run", root, "--db", "duckdb:///nowhere.duckdb", "--every", "1h")
    assert ran.code == 1
    assert "E0605" in ran.err


def outbox(cli: Cli, root: Path, url: str) -> list[dict[str, Any]]:
    shown = cli("show", "outbox", root, "--db", url, "--format", "jsonl")
    assert shown.code == 0, shown.output
    return [json.loads(line) for line in shown.out.splitlines()]


def test_scheduled_runs_store_what_runs_at_those_as_ofs_store(
    cli: Cli,
    project: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """`run --every 1h` on a fake clock from 10:00 that sleeps through 11:00 and 12:00:
    runs at 10:00, 13:00 (one catch-up run) and 14:00, then a stop; the outbox is that of
    `segl run --as-of` at those three instants."""
    root, url = project
    clock = FakeClock(T(2026, 11, 2, 10, 0))
    state: dict[str, StopSignals] = {}

    def wake() -> None:
        if clock.time == T(2026, 11, 2, 11, 0):
            clock.time = T(2026, 11, 2, 13, 30)
        if clock.time >= T(2026, 11, 2, 14, 30):
            state["stop"].request()

    clock.on_sleep = wake

    def fake(cadence: Cadence, run: Callable[[Ran], None], **options: Any) -> Scheduler:
        state["stop"] = options["stop"]
        return Scheduler(
            cadence,
            run,
            now=clock.now,
            sleep=clock.sleep,
            stop=options["stop"],
            waiting=options["waiting"],
        )

    monkeypatch.setattr(cli_module, "Scheduler", fake)
    ran = cli("run", root, "--db", url, "--every", "1h")
    assert ran.code == 0, ran.output
    lines = ran.out.splitlines()
    assert lines[0] == "running every 1h in Asia/Shanghai until Ctrl-C or SIGTERM"
    assert "catching up: one run as of 2026-11-02 13:00 for 2 earlier instants" in lines
    assert (
        lines[-1] == "stopped by SIGINT between runs after 3 runs, the last as of 2026-11-02 14:00"
    )
    as_ofs = [line.split(",")[0] for line in lines if line.startswith("shop: as of")]
    assert as_ofs == [
        "shop: as of 2026-11-02 10:00:00",
        "shop: as of 2026-11-02 13:00:00",
        "shop: as of 2026-11-02 14:00:00",
    ]
    again = tmp_path / "by_hand.duckdb"
    con = duckdb.connect(str(again))
    for statement in TABLES:
        con.execute(statement)
    con.close()
    for as_of in ("2026-11-02 10:00", "2026-11-02 13:00", "2026-11-02 14:00"):
        assert cli("run", root, "--db", db_url(again), "--as-of", as_of).code == 0
    assert outbox(cli, root, url) == outbox(cli, root, db_url(again))
    assert outbox(cli, root, url)  # the welcome of user 1 and the thanks were decided


def test_a_failed_run_is_reported_and_the_schedule_goes_on(
    cli: Cli, project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, url = project
    clock = FakeClock(T(2026, 11, 2, 10, 0))
    rules = root / "rules.segl"
    good = rules.read_text()
    state: dict[str, StopSignals] = {}

    def wake() -> None:
        if clock.time == T(2026, 11, 2, 11, 0):
            rules.write_text(good + "\ntag broken = count(\n")  # an edit with a typo
        if clock.time == T(2026, 11, 2, 12, 0):
            rules.write_text(good)  # fixed
        if clock.time == T(2026, 11, 2, 13, 0):
            state["stop"].request(signal.SIGTERM)

    clock.on_sleep = wake

    def fake(cadence: Cadence, run: Callable[[Ran], None], **options: Any) -> Scheduler:
        state["stop"] = options["stop"]
        return Scheduler(cadence, run, now=clock.now, sleep=clock.sleep, stop=options["stop"])

    monkeypatch.setattr(cli_module, "Scheduler", fake)
    ran = cli("run", root, "--db", url, "--every", "1h")
    assert ran.code == 0, ran.output
    assert "the run as of 2026-11-02 11:00 failed; the schedule goes on" in ran.out
    assert "shop: as of 2026-11-02 12:00:00" in ran.out
    assert ran.out.splitlines()[-1].startswith("stopped by SIGTERM between runs after 3 runs")


# ---------------------------------------------------------------- a real process


def _lines(stream: IO[str]) -> Iterator[str]:
    for line in iter(stream.readline, ""):
        yield line.rstrip("\n")


def _start(root: Path, url: str, tmp_path: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "segl.runtime.cli", "run", str(root), "--db", url]
    return subprocess.Popen(
        [*command, "--every", "1m", "--lock-timeout", "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ),
    )


def _wait_for(process: subprocess.Popen[str], stream: IO[str], prefix: str) -> list[str]:
    """The lines of `stream` up to one starting with `prefix` (at most 120 s, then fail)."""
    seen: list[str] = []
    timer = threading.Timer(120, process.kill)
    timer.start()
    try:
        for line in _lines(stream):
            seen.append(line)
            if line.startswith(prefix):
                return seen
    finally:
        timer.cancel()
    pytest.fail(f"no line starting with {prefix!r}: {seen}")


def _consistent(path: Path) -> None:
    """Every row of the project's tables belongs to a run in the run log (committed with
    it), and every journey run is in the run log."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        logged = {row[0] for row in con.execute("SELECT as_of FROM segl_runs").fetchall()}
        for table in (
            "segl_shop_journey_runs",
            "segl_shop_outbox",
            "segl_shop_journey_entries",
            "segl_shop_tags",
        ):
            rows = con.execute(f"SELECT DISTINCT as_of FROM {table}").fetchall()
            assert {row[0] for row in rows} <= logged, table
    finally:
        con.close()


def _stopped(cli: Cli, root: Path, url: str, lines: list[str], name: str) -> int:
    """The runs a stopped process made, checked against what the database holds."""
    stopped = re.fullmatch(rf"stopped by {name} between runs after (\d+) runs?.*", lines[-1])
    assert stopped is not None, lines
    runs = int(stopped.group(1))
    assert runs == sum(line.startswith("shop: as of") for line in lines), lines
    _consistent(Path(url.removeprefix("duckdb:///")))
    shown = cli("show", "outbox", root, "--db", url)
    assert shown.code == 0, shown.output
    journey = cli("show", "journey", "onboarding", root, "--db", url, "--format", "json")
    assert journey.code == 0, journey.output
    assert json.loads(journey.out)["runs"] == runs
    return runs


def _finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        return process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_sigint_while_waiting_stops_at_once(
    cli: Cli, project: tuple[Path, str], tmp_path: Path
) -> None:
    root, url = project
    process = _start(root, url, tmp_path)
    assert process.stdout is not None
    seen = _wait_for(process, process.stdout, "next run as of")
    process.send_signal(signal.SIGINT)
    out, err = _finish(process)
    assert process.returncode == 0, (seen, out, err)
    assert "Traceback" not in err
    # one run, or two when a minute turned during the first
    assert _stopped(cli, root, url, seen + out.splitlines(), "SIGINT") >= 1


def test_sigterm_during_a_run_lets_it_complete(
    cli: Cli, project: tuple[Path, str], tmp_path: Path
) -> None:
    """The test holds the DuckDB file, so the first run waits for it (inside the run); a
    SIGTERM then is kept until the run has completed, and the process stops after it."""
    root, url = project
    holder = duckdb.connect(url.removeprefix("duckdb:///"))
    try:
        process = _start(root, url, tmp_path)
        assert process.stderr is not None
        seen = _wait_for(process, process.stderr, "waiting up to 120 s for")
        process.send_signal(signal.SIGTERM)
    finally:
        holder.close()  # the run can go on now
    out, err = _finish(process)
    assert process.returncode == 0, (seen, out, err)
    assert "Traceback" not in err
    assert _stopped(cli, root, url, out.splitlines(), "SIGTERM") == 1

"""`segl simulate` (SPEC §3.2): over [A, B) every D it gives exactly what real runs at
those instants write on an empty journey state, and leaves the real state, the outbox
and the database's tables as they were."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import duckdb
from conftest import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_journeys_differential import Scenario, actual, loaded_of, scenarios
from test_journeys_run import project  # noqa: F401 - a fixture

from segl.runtime import simulate as simulation
from segl.runtime.engines import DuckDBEngine
from segl.runtime.outbox import read_outbox
from segl.runtime.run import store_of
from segl.runtime.simulate import instants, parse_every, simulate

Cli = Callable[..., Result]


def decisions_of(found: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return sorted(
        (
            d["journey"], d["step"], float(d["user"]), d["entry_at"], d["due_at"],  # type: ignore[arg-type]
            d["run_at"], d["status"], d["message_id"], json.dumps(d["payload"], sort_keys=True),
        )
        for d in found
    )  # fmt: skip


@st.composite
def regular(draw: st.DrawFn) -> Scenario:
    scenario = draw(scenarios())
    every = dt.timedelta(minutes=draw(st.sampled_from([30, 180, 1440])))
    count = draw(st.integers(2, 8))
    runs = [scenario.runs[0] + every * i for i in range(count)]
    return dataclasses.replace(scenario, runs=runs)


@settings(
    max_examples=int(os.environ.get("SEGL_SIMULATE_EXAMPLES", "40")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(regular())
def test_simulation_is_what_real_runs_write(scenario: Scenario) -> None:
    loaded = loaded_of(scenario)
    real = DuckDBEngine()
    try:
        expected = actual(real, scenario, loaded)
        before = sorted(real.query("SELECT table_name FROM information_schema.tables"))
        # simulate on the database that holds the real runs: it must not touch them;
        # set-based (these projects have no identity), never replaying runs, unless a
        # journey is entered by tier moves (compared between consecutive replayed runs)
        assert loaded.project is not None
        moves = simulation.moved_layerings(simulation.journeys_only(loaded.project))
        never_replayed = mock.patch.object(
            simulation, "replayed", side_effect=AssertionError("replayed")
        )
        with contextlib.nullcontext() if moves else never_replayed:
            simulated = simulate(loaded, real, scenario.runs)
        assert decisions_of(simulated) == expected
        after = sorted(real.query("SELECT table_name FROM information_schema.tables"))
        assert after == before
        assert decisions_of(read_outbox(real, store_of(loaded, real))) == expected
    finally:
        real.close()


@settings(
    max_examples=8,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(regular())
def test_the_replay_of_runs_is_what_real_runs_write(scenario: Scenario) -> None:
    """The slower way, for projects with an identity: runs in scratch tables."""
    loaded = loaded_of(scenario)
    assert loaded.project is not None
    real = DuckDBEngine()
    try:
        expected = actual(real, scenario, loaded)
        project = simulation.journeys_only(loaded.project)
        replayed = simulation.replayed(project, real, "segl_replay_", scenario.runs)
        assert decisions_of(replayed) == expected
    finally:
        real.close()


def test_instants_and_cadences() -> None:
    start = dt.datetime(2026, 11, 1)
    assert instants(start, start + dt.timedelta(hours=3), parse_every("1h")) == [
        start,
        start + dt.timedelta(hours=1),
        start + dt.timedelta(hours=2),
    ]
    assert parse_every("15m") == dt.timedelta(minutes=15)
    assert parse_every("6 hours") == dt.timedelta(hours=6)
    assert parse_every("2w") == dt.timedelta(weeks=2)


def test_the_command(cli: Cli, project: tuple[Path, str]) -> None:  # noqa: F811
    root, url = project
    shown = cli(
        "simulate", "onboarding", "thanks", "-p", root, "--db", url,
        "--from", "2026-11-02 10:00", "--to", "2026-11-10", "--every", "6h",
    )  # fmt: skip
    assert shown.code == 0, shown.output
    assert "31 runs from 2026-11-02 10:00 to 2026-11-09 22:00" in shown.out
    assert "onboarding  welcome" in shown.out
    lines = cli(
        "simulate", "thanks", "-p", root, "--db", url, "--format", "jsonl",
        "--from", "2026-11-02 10:00", "--to", "2026-11-10", "--every", "6h",
    )  # fmt: skip
    sent = [json.loads(line) for line in lines.out.splitlines()]
    assert {d["journey"] for d in sent} == {"thanks"}
    # nothing was written for real
    outbox = cli("show", "outbox", root, "--db", url, "--format", "jsonl")
    assert outbox.code == 0 and outbox.out == ""
    for bad, code in ((["--every", "0m"], 2), (["--every", "banana"], 2), (["nope"], 1)):
        args = ["simulate", *(bad if bad == ["nope"] else ["thanks", *bad]), "-p", root]
        args += ["--db", url, "--from", "2026-11-02", "--to", "2026-11-03"]
        if "--every" not in bad:
            args += ["--every", "1h"]
        failed = cli(*args)
        assert failed.code == code, failed.output
        assert "Traceback" not in failed.output


def test_unknown_zone_names_are_warned_about_quoted_by_run_and_simulate(
    cli: Cli,
    project: tuple[Path, str],  # noqa: F811
) -> None:
    """W0701 names every unknown zone name quoted (an empty or padded one shows), whether
    a real run or a simulation timed the steps in the project's zone."""
    root, url = project
    con = duckdb.connect(url.removeprefix("duckdb:///"))
    con.execute("UPDATE users SET tz = 'Mars/Olympus ' WHERE user_id = 1")
    con.execute("UPDATE users SET tz = '' WHERE user_id = 3")
    con.close()
    expected = 'unknown time zone names in the users\' zone column: "", "Mars/Olympus "'
    simulated = cli(
        "simulate", "onboarding", "-p", root, "--db", url,
        "--from", "2026-11-02 10:00", "--to", "2026-11-04", "--every", "6h",
    )  # fmt: skip
    assert simulated.code == 0, simulated.output
    assert "W0701" in simulated.err and expected in simulated.err
    ran = cli("run", root, "--db", url, "--as-of", "2026-11-03 12:00")
    assert ran.code == 0, ran.output
    assert "W0701" in ran.err and 'zone column: ""' in ran.err  # user 3's step only

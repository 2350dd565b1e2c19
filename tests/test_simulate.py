"""`segl simulate` (SPEC §3.2): over [A, B) every D it gives exactly what real runs at
those instants write on an empty journey state, and leaves the real state, the outbox
and the database's tables as they were."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import json
import os
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import duckdb
import pytest
from conftest import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_journeys_differential import Scenario, actual, loaded_of, scenarios
from test_journeys_run import project  # noqa: F401 - a fixture

from segl.compiler.checker import ProjectConfig, check_programs
from segl.dsl.parser import parse_program
from segl.runtime import simulate as simulation
from segl.runtime.engines import DuckDBEngine
from segl.runtime.journeys import Entry
from segl.runtime.outbox import read_outbox
from segl.runtime.project import LoadedProject
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
    real = DuckDBEngine.scratch()
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
    real = DuckDBEngine.scratch()
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
    # the hour New York's clocks skip is no instant: no run there (`--as-of` refuses it)
    spring = dt.datetime(2026, 3, 8)
    hourly = instants(spring, spring + dt.timedelta(hours=5), parse_every("1h"), "America/New_York")
    assert [moment.hour for moment in hourly] == [0, 1, 3, 4]
    assert len(instants(spring, spring + dt.timedelta(hours=5), parse_every("1h"))) == 5
    assert parse_every("15m") == dt.timedelta(minutes=15)
    assert parse_every("6 hours") == dt.timedelta(hours=6)
    assert parse_every("2w") == dt.timedelta(weeks=2)
    # the limit counts the instants before --to: 100,000 exactly is allowed (one more
    # was counted when --to fell on an instant)
    minute = parse_every("1m")
    assert len(instants(start, start + minute * 100_000, minute)) == 100_000
    with pytest.raises(ValueError, match="100,001 instants"):
        instants(start, start + minute * 100_000 + dt.timedelta(seconds=1), minute)


def test_the_command(cli: Cli, project: tuple[Path, str]) -> None:  # noqa: F811
    root, url = project
    collector = gc.get_threshold()
    shown = cli(
        "simulate", "onboarding", "thanks", "-p", root, "--db", url,
        "--from", "2026-11-02 10:00", "--to", "2026-11-10", "--every", "6h",
    )  # fmt: skip
    assert shown.code == 0, shown.output
    assert gc.get_threshold() == collector  # a simulation runs its own full collections
    assert "31 runs from 2026-11-02 10:00 to 2026-11-09 22:00" in shown.out
    assert "onboarding  welcome" in shown.out
    lines = cli(
        "simulate", "thanks", "-p", root, "--db", url, "--format", "jsonl",
        "--from", "2026-11-02 10:00", "--to", "2026-11-10", "--every", "6h",
    )  # fmt: skip
    sent = [json.loads(line) for line in lines.out.splitlines()]
    assert {d["journey"] for d in sent} == {"thanks"}
    # SPEC §4: `segl simulate JOURNEY [PROJECT]`, the project after the journeys
    positional = cli(
        "simulate", "thanks", root, "--db", url, "--format", "jsonl",
        "--from", "2026-11-02 10:00", "--to", "2026-11-10", "--every", "6h",
    )  # fmt: skip
    assert positional.code == 0 and positional.out == lines.out, positional.output
    # nothing was written for real
    outbox = cli("show", "outbox", root, "--db", url, "--format", "jsonl")
    assert outbox.code == 0 and outbox.out == ""
    backwards = cli(
        "simulate", "thanks", "-p", root, "--db", url,
        "--from", "2026-11-03", "--to", "2026-11-02", "--every", "1h",
    )  # fmt: skip
    assert backwards.code == 1, backwards.output
    assert "E0821 --to 2026-11-02 00:00:00 is not after --from 2026-11-03 00:00:00" in backwards.err
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


UNDECLARED_KEY = """
source users from table "users" key user_id {
    city: string
}
source events from table "events" user user_id time ts {
    name: string
}
tag visits = count(events where name == "visit")
journey hello {
    enter on events where name == "register"
    reenter after 0 days
    step hi after 1 hour: send push "hello" if visits >= 0
    step again after 2 hours: send push "again"
}
policy {
    cap push 1 per day
}
"""


def test_an_undeclared_integer_key_is_staged_with_its_own_type(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The universe's key column is not in its schema and holds integers: the users a
    simulation or a run stages (STAGED_USERS_FROM 0: every list) are typed as the column
    is, not as text, which DuckDB refuses to compare with it; both give the same sends."""
    from segl.runtime import journeys

    monkeypatch.setattr(journeys, "STAGED_USERS_FROM", 0)
    (tmp_path / "segl.toml").write_text('[project]\nname = "keys"\n', "utf-8")
    (tmp_path / "rules.segl").write_text(UNDECLARED_KEY, "utf-8")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE users (user_id INTEGER, city VARCHAR)")
    con.execute("INSERT INTO users VALUES (1, 'a'), (2, 'b')")
    con.execute("CREATE TABLE events (user_id INTEGER, ts TIMESTAMP, name VARCHAR)")
    con.execute(
        "INSERT INTO events VALUES (1, '2026-10-05 10:00', 'register'), "
        "(2, '2026-10-05 11:00', 'register'), (1, '2026-10-06 09:00', 'visit')"
    )
    con.close()
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    span = ["--from", "2026-10-05 09:00", "--to", "2026-10-07", "--every", "3h"]
    simulated = cli("simulate", "hello", "-p", tmp_path, "--db", url, "--format", "jsonl", *span)
    assert simulated.code == 0, simulated.output
    expected = [json.loads(line) for line in simulated.out.splitlines()]
    assert {(d["user"], d["step"], d["status"]) for d in expected} == {
        (1, "hi", "sent"), (1, "again", "capped"), (2, "hi", "sent"), (2, "again", "capped"),
    }  # fmt: skip
    moment = dt.datetime(2026, 10, 5, 9)
    while moment < dt.datetime(2026, 10, 7):
        ran = cli("run", tmp_path, "--db", url, "--as-of", f"{moment:%Y-%m-%d %H:%M}")
        assert ran.code == 0, ran.output
        moment += dt.timedelta(hours=3)
    shown = cli("show", "outbox", tmp_path, "--db", url, "--format", "jsonl")
    written = [json.loads(line) for line in shown.out.splitlines()]
    key = ("journey", "step", "user", "entry_at", "due_at", "run_at", "status", "message_id")
    assert sorted(tuple(d[k] for k in key) for d in written) == sorted(
        tuple(d[k] for k in key) for d in expected
    )


ZONED = """
source users from table "users" key user_id {
    user_id: number
}
source events from table "events" user user_id time ts {
    name: string
}
journey zoned {
    enter on events where name == "t"
    step s: send wecom "t"
}
"""


def test_a_zoned_trigger_column_is_read_in_the_project_zone_as_runs_read_it(
    cli: Cli, tmp_path: Path
) -> None:
    """SPEC §3: a timestamp whose type carries a zone is read as wall time in the project's
    zone. The simulation read a TIMESTAMPTZ event in the session's zone (UTC here), so it
    entered at 02:30 where the runs enter at 10:30 (Asia/Shanghai)."""
    (tmp_path / "segl.toml").write_text(
        '[project]\nname = "zoned"\ntimezone = "Asia/Shanghai"\n', "utf-8"
    )
    (tmp_path / "rules.segl").write_text(ZONED, "utf-8")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE users (user_id INTEGER)")
    con.execute("INSERT INTO users VALUES (1)")
    con.execute("CREATE TABLE events (user_id INTEGER, ts TIMESTAMPTZ, name VARCHAR)")
    con.execute("INSERT INTO events VALUES (1, '2026-03-02 02:30:00+00', 't')")
    con.close()
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    span = ["--from", "2026-03-02 10:00", "--to", "2026-03-02 12:00", "--every", "30m"]
    simulated = cli("simulate", "zoned", "-p", tmp_path, "--db", url, "--format", "jsonl", *span)
    assert simulated.code == 0, simulated.output
    [decision] = [json.loads(line) for line in simulated.out.splitlines()]
    assert (decision["entry_at"], decision["run_at"]) == (
        "2026-03-02 10:30:00",
        "2026-03-02 11:00:00",
    )


def test_a_simulation_shows_its_progress_on_a_terminal_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A long simulation says how far it is, on stderr, one line rewritten in place; piped
    or redirected it prints nothing of the kind (the output stays the table or JSON)."""
    import sys

    from segl.runtime import cli

    quiet = cli.ProgressLine()  # pytest's stderr is no terminal
    cli._simulate_progress(quiet, 3)(1, dt.datetime(2026, 8, 2, 12))
    quiet.clear()
    assert not quiet.on and capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    line = cli.ProgressLine()
    show = cli._simulate_progress(line, 2160)
    show(1, dt.datetime(2026, 8, 2, 12))
    show(2, dt.datetime(2026, 8, 2, 13))  # within a tenth of a second: not shown
    show(2160, dt.datetime(2026, 10, 31, 11))
    line.clear()
    err = capsys.readouterr().err
    assert err == (
        "\rsegl simulate: instant 1 of 2,160 (2026-08-02 12:00)\033[K"
        "\rsegl simulate: instant 2,160 of 2,160 (2026-10-31 11:00)\033[K"
        "\r\033[K"
    )


def runs_and_simulation(
    scenario: Scenario, loaded: LoadedProject
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The decisions of real runs at the scenario's instants on a scratch DuckDB, then
    those of a simulation of the same instants there."""
    real = DuckDBEngine.scratch()
    try:
        expected = actual(real, scenario, loaded)
        return expected, decisions_of(simulate(loaded, real, scenario.runs))
    finally:
        real.close()


def test_a_rolled_aggregate_takes_the_events_between_instants() -> None:
    """The `enter when` condition's `last_seen` (a max of event times) is rolled forward:
    stored as of 08:00, merged within the day with the visits since. User 1 visits at
    05:00 and 09:30: at 10:00 its last visit is 09:30 (not 2 hours ago: no entry), at
    12:00 it is (an entry); user 2, who never comes back, enters at every instant. A
    merge that kept the stored value (or the smaller one) would enter user 1 at 10:00."""
    import test_journeys_engines
    from test_journeys_differential import SOURCES

    t = dt.datetime
    rules = SOURCES + (
        "journey back {\n    enter when registered and hours_since(last_seen) >= 2\n"
        '    reenter after 0 days\n    step s: send push "t"\n}\n'
    )
    scenario = Scenario(
        rules,
        "UTC",
        [[1, None], [2, None]],
        [
            [1, t(2026, 5, 4, 5), "register"],
            [1, t(2026, 5, 4, 9, 30), "visit"],
            [2, t(2026, 5, 4, 1), "register"],
        ],
        [],
        [t(2026, 5, 4, 8), t(2026, 5, 4, 10), t(2026, 5, 4, 12)],
    )
    loaded = test_journeys_engines.loaded_project(rules)  # not loaded_of: no `assume` here
    expected, simulated = runs_and_simulation(scenario, loaded)
    entered = sorted((d[2], d[5]) for d in simulated)
    assert entered == [
        (1.0, t(2026, 5, 4, 8)),
        (1.0, t(2026, 5, 4, 12)),
        (2.0, t(2026, 5, 4, 8)),
        (2.0, t(2026, 5, 4, 10)),
        (2.0, t(2026, 5, 4, 12)),
    ]
    assert simulated == expected


def test_a_rolled_base_enters_users_without_events_and_merges_each_source() -> None:
    """Where the whole base of the `enter when` condition rolls (rolling.rolls_base: a
    profile column, counts and a max from two sources), a simulation keeps every user's
    raw aggregates across instants: a user with no events at all has nulls there, which
    must still read as 0 purchases (user 4 enters at every instant it may); a user's
    first order (user 2, on the second day) and late visits (user 1) are merged with the
    stored rows, across two of the stored base's daily renewals. Real runs decide the
    same."""
    import test_journeys_engines
    from test_journeys_differential import SOURCES

    t = dt.datetime
    shanghai = "Asia/Shanghai"
    rules = SOURCES + (
        "tag purchases = count(orders)\n"
        "journey back {\n"
        "    enter when purchases == 0 and (users.tz is null or hours_since(last_seen) >= 30)\n"
        '    reenter after 12 hours\n    step s: send push "t"\n}\n'
    )
    scenario = Scenario(
        rules,
        "UTC",
        [[1, shanghai], [2, shanghai], [3, None], [4, None], [5, None]],
        [
            [1, t(2026, 5, 4, 1), "visit"],
            [1, t(2026, 5, 5, 20), "visit"],
            [2, t(2026, 5, 3, 1), "visit"],
            [3, t(2026, 5, 4, 9), "visit"],
            [5, t(2026, 5, 6, 2), "visit"],
        ],
        [[2, t(2026, 5, 5, 10), 7.5], [5, t(2026, 5, 6, 3), 1.0]],
        [t(2026, 5, 4, 8) + dt.timedelta(hours=6 * i) for i in range(12)],
    )
    loaded = test_journeys_engines.loaded_project(rules)
    assert rolls_base(loaded, "back", scenario.runs[0])
    expected, simulated = runs_and_simulation(scenario, loaded)
    assert simulated == expected
    entered = {(int(d[2]), d[5]) for d in simulated}
    assert {(4, run) for run in scenario.runs[::2]} <= entered  # no events: 0 purchases
    assert all(user != 2 or run < t(2026, 5, 5, 10) for user, run in entered)
    assert (1, t(2026, 5, 6, 2)) not in entered  # visited at 20:00 the day before


def test_a_base_is_not_kept_where_the_users_depend_on_the_as_of() -> None:
    """With `created` on the universe (or a profile kept as history), who is a user
    changes from one instant to the next: only the passes' grouped rows are kept."""
    import test_journeys_engines
    from test_journeys_differential import SOURCES

    journey = 'journey back {\n    enter when registered\n    step s: send push "t"\n}\n'
    created = SOURCES.replace("key user_id zone tz {", "key user_id zone tz created tz_at {")
    created = created.replace("    tz: string\n", "    tz: string\n    tz_at: timestamp\n")
    at = dt.datetime(2026, 5, 4)
    assert rolls_base(test_journeys_engines.loaded_project(SOURCES + journey), "back", at)
    assert not rolls_base(test_journeys_engines.loaded_project(created + journey), "back", at)


def rolls_base(loaded: LoadedProject, journey: str, as_of: dt.datetime) -> bool:
    """Whether a simulation keeps the whole base of the journey's `enter when`."""
    from segl.compiler.journeys import rolling
    from segl.compiler.plan import build_plan

    assert loaded.project is not None and loaded.project.journeys is not None
    [found] = [j for j in loaded.project.journeys.journeys if j.name == journey]
    assert found.enter_when is not None
    reduced = loaded.project.with_journey_values().closure([found.enter_when])
    return rolling.rolls_base(build_plan(dataclasses.replace(reduced, journeys=None), as_of))


ROLLING_RULES = """\
source users from table "users" key user_id { user_id: number }
source events from table "events" user user_id time ts { name: string  page: string }
source orders from table "orders" user user_id time ts { amount: number }
source visits from table "visits" user user_id time ts { page: string }
tag seen = count(events.page)
tag registered = exists(events where name == "register")
tag last_seen = max(events.ts)
tag spend = sum(orders.amount)
tag first_page = min(visits.page)
tag recent = count(visits in last 7 days)
"""


@pytest.mark.parametrize(
    ("condition", "rolls"),
    [
        ("seen >= 1 and registered and hours_since(last_seen) >= 20", ["events"]),
        ("spend > 5", []),  # partial float sums may differ in the last bits: not rolled
        ('first_page == "home" or recent >= 1', []),  # text extremes, a window
    ],
)
def test_which_enter_when_aggregates_roll_forward(condition: str, rolls: list[str]) -> None:
    """compiler/journeys/rolling.py: counts (of any values), `exists` and the min/max of
    numbers and times without a window are kept across instants; sums, text extremes
    and windowed aggregates are computed again."""
    from segl.compiler.checker import ProjectConfig, check_programs
    from segl.compiler.journeys.rolling import rolling_passes
    from segl.compiler.plan import build_plan
    from segl.dsl.parser import parse_program

    rules = (
        f'{ROLLING_RULES}journey j {{\n    enter when {condition}\n    step s: send push "t"\n}}\n'
    )
    config = ProjectConfig(name="roll", timezone="UTC", universe="users")
    checked, diagnostics = check_programs([parse_program(rules, "rules.segl")], config)
    assert checked is not None, [str(d) for d in diagnostics]
    assert checked.journeys is not None
    hidden = checked.journeys.journeys[0].enter_when
    assert hidden is not None
    reduced = dataclasses.replace(checked.with_journey_values().closure([hidden]), journeys=None)
    plan = build_plan(reduced, dt.datetime(2026, 11, 1))
    assert [plan.passes[i].source.name for i in rolling_passes(plan)] == rolls


def test_the_due_index_gives_the_entries_due_or_expiring_once_each() -> None:
    """An instant takes from the index exactly the entries JourneyRun._deciding would find
    (a step due by the instant, or one expiring by the wall time), each once, in the order
    runs read active entries; items of an entry whose check has changed are skipped."""
    utc = dt.UTC
    never, no_expiry = simulation.NEVER, dt.datetime.max
    index = simulation.DueIndex()
    at = dt.datetime(2026, 3, 1, 12)

    def entry(user: str, due: dt.datetime | None, expires: dt.datetime | None) -> Entry:
        found = Entry(user, at, new=False)
        check = (due.replace(tzinfo=utc) if due else never, expires or no_expiry)
        found.next_check = check
        index.push(found, check)
        return found

    due_now = entry("b", at, None)
    due_later = entry("c", at + dt.timedelta(hours=2), None)
    expiring = entry("a", None, at)
    both = entry("d", at, at)
    changed = entry("e", at, None)
    changed.next_check = (at.replace(tzinfo=utc) + dt.timedelta(days=1), no_expiry)  # decided
    assert index.pop(at.replace(tzinfo=utc), at) == [expiring, due_now, both]
    assert index.pop(at.replace(tzinfo=utc), at) == []  # taken once
    assert index.pop((at + dt.timedelta(hours=2)).replace(tzinfo=utc), at) == [due_later]


def test_the_summary_lists_steps_in_their_declared_order() -> None:
    """Steps came in the order of their names (group_buy, lottery, welcome), neither the
    journey's order nor the days'."""
    rules = (
        'source users from table "users" key user_id { user_id: string }\n'
        'source events from table "events" user user_id time ts { name: string }\n'
        "journey onboarding {\n    enter on events\n"
        '    step welcome: send sms "w"\n'
        '    step lottery after 7 days: send sms "l"\n'
        '    step group_buy after 14 days: send sms "g"\n}\n'
    )
    config = ProjectConfig(name="p", timezone="UTC", universe="users")
    checked = check_programs([parse_program(rules, "r.segl")], config)[0]
    assert checked is not None and checked.journeys is not None
    run = dt.datetime(2026, 11, 2, 12)
    decisions = [
        {"journey": "onboarding", "step": step, "channel": "sms", "run_at": run, "status": "sent"}
        for step in ("group_buy", "lottery", "welcome")
    ]
    rows = simulation.summary_rows(decisions, checked.journeys.journeys)
    assert [row[1] for row in rows] == ["welcome", "lottery", "group_buy"]

"""`segl run` with journeys on DuckDB (SPEC §2.6, §3.2): hand-computed timelines of the
canonical journeys, the outbox's JSON keys, re-runs that decide nothing twice, a user
zone across the weekend, holdouts and caps."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import Result, db_url

Cli = Callable[..., Result]

RULES = """\
source users from table "users" key user_id zone tz {
    user_id: number
    tz: string
}
source events from table "events" user user_id time ts { name: string }
source orders from table "orders" user user_id time ts { amount: number }
tag visits_3m = count(events where name == "visit" in last 90 days)
tag purchases = count(orders)
tag top_category = "lipstick"
tag last_visit_at = max(events.ts where name == "visit")

journey onboarding "New user, first two weeks" {
    enter on events where name == "register"
    exit on orders
    step welcome after 1 hour: send wecom "welcome_pack"
    step group_buy after 7 days: send community "new_user_group_buy"
    step lottery after 14 days: send push "lottery" if visits_3m >= 1
}

journey thanks "Thanks after every purchase" {
    enter on orders
    reenter after 0 days
    step thank_you within 24 hours: send wecom "thanks_and_match" with top_category
}

journey winback "Dormant user wake-up" {
    enter when days_since(last_visit_at) >= 30
    reenter after 90 days
    exit on events where name == "visit"
    step wake on weekend between 10:00 and 20:00: send push "winback_coupon"
}
"""

TABLES = [
    "CREATE TABLE users (user_id BIGINT, tz VARCHAR)",
    # 1: registers; 2: registers then buys (exits onboarding); 3: dormant, in New York;
    # 4: buys twice within one interval (thanks once)
    "INSERT INTO users VALUES (1, NULL), (2, 'Asia/Shanghai'), (3, 'America/New_York'),"
    " (4, 'Not/AZone')",
    "CREATE TABLE events (user_id BIGINT, ts TIMESTAMP, name VARCHAR)",
    "INSERT INTO events VALUES (1, '2026-11-02 10:00:00', 'register'),"
    " (2, '2026-11-02 11:00:00', 'register'), (3, '2026-09-01 12:00:00', 'visit'),"
    " (1, '2026-11-03 09:00:00', 'visit')",
    "CREATE TABLE orders (user_id BIGINT, ts TIMESTAMP, amount DOUBLE)",
    "INSERT INTO orders VALUES (2, '2026-11-02 11:30:00', 10), (4, '2026-11-02 12:00:00', 5),"
    " (4, '2026-11-02 12:10:00', 7)",
]

RUNS = ["2026-11-02 10:00", "2026-11-02 12:30", "2026-11-06 12:00", "2026-11-07 12:00"]


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


def outbox(cli: Cli, root: Path, url: str, *extra: str) -> list[dict[str, object]]:
    shown = cli("show", "outbox", root, "--db", url, "--format", "jsonl", *extra)
    assert shown.code == 0, shown.output
    return [json.loads(line) for line in shown.out.splitlines()]


def run_all(cli: Cli, root: Path, url: str, runs: list[str] = RUNS) -> None:
    for as_of in runs:
        ran = cli("run", root, "--db", url, "--as-of", as_of)
        assert ran.code == 0, ran.output


def test_the_canonical_journeys_over_four_runs(cli: Cli, project: tuple[Path, str]) -> None:
    root, url = project
    run_all(cli, root, url)
    decided = {(d["journey"], d["step"], d["user"]): d for d in outbox(cli, root, url)}
    # user 1 registered at 10:00: welcome due 11:00, sent by the 12:30 run
    welcome = decided[("onboarding", "welcome", 1)]
    assert (welcome["entry_at"], welcome["due_at"], welcome["run_at"], welcome["status"]) == (
        "2026-11-02 10:00:00",
        "2026-11-02 11:00:00",
        "2026-11-02 12:30:00",
        "sent",
    )
    # user 2 bought at 11:30, before the welcome was due (12:00): the exit cancels it
    assert ("onboarding", "welcome", 2) not in decided
    # thanks: user 4's second order in the same interval is ignored; payload as of the send
    thanks = [d for d in decided.values() if d["journey"] == "thanks"]
    assert sorted((d["user"], d["entry_at"]) for d in thanks) == [
        (2, "2026-11-02 11:30:00"),
        (4, "2026-11-02 12:00:00"),
    ]
    assert all(d["payload"] == {"top_category": "lipstick"} for d in thanks)
    # winback: user 3 (last visit 09-01) enters at the first run (Sunday 21:00 in New York,
    # past the window); Saturday 11-07 12:00 in
    # Shanghai is Friday 23:00 in New York: not yet the weekend there, so nothing is sent
    assert ("winback", "wake", 3) not in decided
    keys = list(next(iter(decided.values())))
    assert keys == [
        "journey", "step", "user", "entry_at", "due_at", "run_at",
        "channel", "template", "status", "message_id", "payload",
    ]  # fmt: skip


def test_the_weekend_comes_in_the_users_zone(cli: Cli, project: tuple[Path, str]) -> None:
    root, url = project
    run_all(cli, root, url, [*RUNS, "2026-11-08 02:00", "2026-11-09 00:00"])
    wake = [d for d in outbox(cli, root, url) if d["journey"] == "winback"]
    # Sunday 02:00 Shanghai is Saturday 13:00 in New York: allowed, due Saturday 10:00 NY
    # (23:00 Saturday Shanghai); user 1 (no zone, visited 11-03) never entered
    assert [(d["user"], d["due_at"], d["run_at"], d["status"]) for d in wake] == [
        (3, "2026-11-07 23:00:00", "2026-11-08 02:00:00", "sent")
    ]


def test_runs_at_or_before_the_last_decide_nothing(cli: Cli, project: tuple[Path, str]) -> None:
    root, url = project
    run_all(cli, root, url)
    before = outbox(cli, root, url)
    for as_of in (RUNS[-1], RUNS[1]):
        ran = cli("run", root, "--db", url, "--as-of", as_of)
        assert ran.code == 0, ran.output
        assert "journeys: already decided" in ran.out
        said_until = f"up to {RUNS[-1]}:00: no run decides any before then"
        assert (said_until in ran.out) is (as_of != RUNS[-1]), ran.out
    assert outbox(cli, root, url) == before
    ids = [d["message_id"] for d in before]
    assert len(ids) == len(set(ids))


def test_a_fresh_schedule_gives_the_same_message_ids(
    cli: Cli, project: tuple[Path, str], tmp_path: Path
) -> None:
    root, url = project
    run_all(cli, root, url)
    first = outbox(cli, root, url)
    copy = tmp_path / "again.duckdb"
    con = duckdb.connect(str(copy))
    for statement in TABLES:
        con.execute(statement)
    con.close()
    run_all(cli, root, db_url(copy))
    assert outbox(cli, root, db_url(copy)) == first


def test_holdouts_and_caps(cli: Cli, project: tuple[Path, str]) -> None:
    root, url = project
    rules = (root / "rules.segl").read_text()
    policy = '\nholdout everyone 99.99% salt "all"\npolicy {\n    cap wecom 1 per day\n}\n'
    (root / "rules.segl").write_text(rules + policy)
    run_all(cli, root, url)
    statuses = {d["status"] for d in outbox(cli, root, url) if d["status"] != "expired"}
    assert statuses == {"held_out"}
    (root / "rules.segl").write_text(rules + "\npolicy {\n    cap wecom 1 per day\n}\n")
    fresh = root.parent / "capped.duckdb"
    con = duckdb.connect(str(fresh))
    for statement in TABLES:
        con.execute(statement)
    con.close()
    run_all(cli, root, db_url(fresh))
    on_the_second = [
        (d["journey"], d["user"], d["status"])
        for d in outbox(cli, root, db_url(fresh))
        if d["run_at"] == "2026-11-02 12:30:00" and d["channel"] == "wecom"
    ]
    # user 1's welcome goes out; user 2's thanks and user 4's thanks are their first wecom
    assert sorted(on_the_second, key=str) == sorted(
        [("onboarding", 1, "sent"), ("thanks", 2, "sent"), ("thanks", 4, "sent")], key=str
    )


def test_unknown_journey_and_no_journeys(cli: Cli, project: tuple[Path, str]) -> None:
    root, url = project
    shown = cli("show", "outbox", root, "--db", url, "--journey", "thank")
    assert shown.code == 1
    assert "did you mean 'thanks'?" in shown.output


def test_payload_infinities_are_standard_json() -> None:
    """The outbox's payload column parses in any JSON reader (SQLite's json_valid was 0
    for a bare Infinity): ±infinity as text, as the printed JSON and `segl export` write it."""
    from segl.compiler.journeys.model import payload_json

    text = payload_json((("score", math.inf), ("low", -math.inf), ("n", 3.0), ("nan", math.nan)))
    assert text == '{"score": "Infinity", "low": "-Infinity", "n": 3, "nan": null}'
    assert json.loads(text, parse_constant=lambda name: pytest.fail(f"bare {name}"))


PAUSED = """\
source users from table "users" key user_id {{ user_id: number }}
source events from table "events" user user_id time ts {{ name: string }}
journey j {{
    enter on events where name == "register"
    reenter after 0 days
    {j_holdout}
    step a: send sms "a"
}}
journey k {{
    enter on events where name == "visit"
    reenter after 0 days
    {k_holdout}
    step b: send push "b"
}}
"""


def _statuses(schedule: list[tuple[str, str, str]], drop_coverage: bool = False) -> list[str]:
    """Runs at the given as-ofs with holdout `h` (salt "h") placed per run (journey j's,
    journey k's holdout line): each decision's (journey, user, status). bucket(2, "h") =
    0.012, bucket(3, "h") = 0.425."""
    import datetime as dt

    from conftest import loaded_rules

    from segl.compiler.types import Type
    from segl.runtime.engines import DuckDBEngine
    from segl.runtime.run import run_loaded, store_of

    engine = DuckDBEngine()
    engine.create_table("users", [("user_id", Type.NUMBER)], [[2], [3]])
    events = [
        [2, dt.datetime(2026, 3, 2, 10), "register"],
        [3, dt.datetime(2026, 3, 4, 10), "register"],
        [3, dt.datetime(2026, 3, 4, 11), "visit"],
        [3, dt.datetime(2026, 3, 6, 10), "register"],
    ]
    columns = [("user_id", Type.NUMBER), ("ts", Type.TIMESTAMP), ("name", Type.STRING)]
    engine.create_table("events", columns, events)
    for as_of, j_holdout, k_holdout in schedule:
        rules = PAUSED.format(j_holdout=j_holdout, k_holdout=k_holdout)
        loaded = loaded_rules(rules, "paused")
        run_loaded(loaded, engine, dt.datetime.fromisoformat(as_of))
        if drop_coverage:  # as a segl that kept no coverage wrote it
            shares = store_of(loaded, engine).holdout_shares.name
            engine.query(f'UPDATE "{shares}" SET journeys = NULL')
    outbox = store_of(loaded, engine).outbox.name
    query = f'SELECT journey, user_id, status, as_of FROM "{outbox}" ORDER BY as_of, journey'
    rows = engine.query(query)
    return [f"{journey} {int(user)} {status}" for journey, user, status, _ in rows]


def test_a_decision_counts_for_a_holdout_only_where_it_was_in_force() -> None:
    """SPEC §2.8: a user's holdout assignment is fixed by their first decision under the
    holdout. A message decided while the holdout was out of the rules (paused), or in a
    journey it did not cover then, was taken for that decision, with the holdout's first
    share: user 3 (bucket 0.425), first checked under the holdout at 90%, was sent to (a
    journeys probe). Each run now keeps the journeys each holdout covers."""
    ten, ninety = 'holdout h 10% salt "h"', 'holdout h 90% salt "h"'
    paused = [
        ("2026-03-01", ten, ""),
        ("2026-03-03", ten, ""),  # user 2 held out (0.012 < 10%)
        ("2026-03-05", "", ""),  # paused: user 3's first message goes out
        ("2026-03-07", ninety, ""),  # user 3's first check under h: 0.425 < 90%
    ]
    assert _statuses(paused) == ["j 2 held_out", "j 3 sent", "k 3 sent", "j 3 held_out"]
    moved = [
        ("2026-03-01", "", ten),
        ("2026-03-03", "", ten),  # user 2's register: j is not under h
        ("2026-03-05", "", ten),  # user 3's visit: k is, at 10% (0.425: sent)
        ("2026-03-07", ninety, ""),  # h moves to j at 90%: user 3 was fixed at 10%
    ]
    assert _statuses(moved) == ["j 2 sent", "j 3 sent", "k 3 sent", "j 3 sent"]
    # shares kept by a segl that kept no coverage: read as the coverage now (j's 03-05
    # decision fixes user 3 at 10%)
    assert _statuses(moved, drop_coverage=True) == ["j 2 sent", "j 3 sent", "k 3 sent", "j 3 sent"]


def _canonical_warehouse(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Any, Callable[[str], list[tuple[Any, ...]]], list[str]]:
    """An in-memory DuckDB with TABLES: the engine, its own query (not recorded) and the
    list of the queries sent through the engine from now on."""
    from segl.runtime.engines import DuckDBEngine

    engine = DuckDBEngine()
    for statement in TABLES:
        engine.query(statement)
    sent: list[str] = []
    query = engine.query
    monkeypatch.setattr(engine, "query", lambda sql: sent.append(sql) or query(sql))
    return engine, query, sent


def _canonical_outbox(
    monkeypatch: pytest.MonkeyPatch, copies: bool
) -> tuple[list[str], list[tuple[object, ...]], list[str]]:
    """The canonical journeys (RULES) over RUNS in one DuckDB database: the queries the
    runs sent, the outbox and the names of the sources' interval copies; `copies=False`
    reads every interval from its source."""
    import datetime as dt

    from conftest import loaded_rules

    from segl.runtime import journeys
    from segl.runtime.run import run_loaded, store_of

    if not copies:
        monkeypatch.setattr(journeys.JourneyRun, "_interval_copy", lambda self, source: None)
    engine, _, sent = _canonical_warehouse(monkeypatch)
    loaded = loaded_rules(RULES, "shop", "Asia/Shanghai")
    store = store_of(loaded, engine)
    for as_of in RUNS:
        run_loaded(loaded, engine, dt.datetime.fromisoformat(as_of))
        assert all(engine.columns_of(t) is None for t in store.journey_work_tables)
    outbox = engine.query(f'SELECT * FROM "{store.outbox.name}" ORDER BY ALL')
    names = [store.journey_interval_work(source) for source in ("events", "orders")]
    return sent, outbox, names


def test_triggers_of_one_source_read_one_copy_of_its_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two triggers read events (onboarding's `enter on`, winback's `exit on`) and two read
    orders (onboarding's `exit on`, thanks' `enter on`): each run after the first copies
    each source's interval once, the triggers read the copy, the copy is dropped, and the
    decisions are those of reading the sources."""
    sent, outbox, copies = _canonical_outbox(monkeypatch, copies=True)
    for copy in copies:
        made = [sql for sql in sent if "CREATE" in sql and f'"{copy}"' in sql]
        read = [sql for sql in sent if f'"{copy}"' in sql and "CREATE" not in sql]
        assert len(made) == len(RUNS) - 1  # none at the first run: no interval yet
        assert len(read) >= len(RUNS) - 1
    unchanged_sent, unchanged, _ = _canonical_outbox(monkeypatch, copies=False)
    read = [sql for sql in unchanged_sent if "DROP" not in sql]  # drops name every work table
    assert not any(copy in sql for sql in read for copy in copies)
    assert outbox == unchanged and len(outbox) >= 3


FIRST_ORDERS = """\
source users from table "users" key user_id {{ user_id: number }}
source orders from table "orders" user user_id time day {{ day: {time_type}  amount: number }}
journey first_buy {{
    enter on first orders
    step hi: send sms "hi"
}}
journey first_big {{
    enter on first orders where amount > 10
    step big: send sms "big"
}}
"""


@pytest.mark.parametrize("time_type", ["timestamp", "date"])
def test_enter_on_first_finds_the_first_event_ever_whatever_the_time_type(
    time_type: str,
) -> None:
    """`enter on first S` with S's time a timestamp reads each user's first event from the
    run's result (a hidden `min`, Journey.enter_first_at); with a date, from a query of its
    own. Both: user 1's first order predates the journey's first run (never enters); users
    2 and 3 first order in the second run's interval; user 3's first big order comes
    after a small one, user 2's after the last run."""
    import datetime as dt

    from conftest import loaded_rules

    from segl.compiler.types import Type
    from segl.runtime.engines import DuckDBEngine
    from segl.runtime.run import run_loaded, store_of

    engine = DuckDBEngine()
    engine.create_table("users", [("user_id", Type.NUMBER)], [[1], [2], [3]])
    day = Type.DATE if time_type == "date" else Type.TIMESTAMP
    orders = [
        [1, dt.date(2026, 3, 1), 20],
        [1, dt.date(2026, 3, 5), 20],
        [2, dt.date(2026, 3, 5), 5],
        [3, dt.date(2026, 3, 4), 5],
        [3, dt.date(2026, 3, 8), 50],
        [2, dt.date(2026, 3, 12), 50],  # after the last run: invisible
    ]
    if day is Type.TIMESTAMP:
        orders = [[u, dt.datetime.combine(d, dt.time(9)), a] for u, d, a in orders]
    columns = [("user_id", Type.NUMBER), ("day", day), ("amount", Type.NUMBER)]
    engine.create_table("orders", columns, orders)
    loaded = loaded_rules(FIRST_ORDERS.format(time_type=time_type), "firsts")
    assert loaded.project is not None and loaded.project.journeys is not None
    hidden = [j.enter_first_at for j in loaded.project.journeys.journeys]
    assert all(hidden) if time_type == "timestamp" else not any(hidden)
    for as_of in ("2026-03-03", "2026-03-07", "2026-03-10"):
        run_loaded(loaded, engine, dt.datetime.fromisoformat(as_of))
    outbox = store_of(loaded, engine).outbox.name
    rows = engine.query(f'SELECT journey, user_id, entry_at FROM "{outbox}" ORDER BY ALL')
    at = dt.time(9) if time_type == "timestamp" else dt.time(0)
    assert [(j, int(u), e) for j, u, e in rows] == [
        ("first_big", 3, dt.datetime.combine(dt.date(2026, 3, 8), at)),
        ("first_buy", 2, dt.datetime.combine(dt.date(2026, 3, 5), at)),
        ("first_buy", 3, dt.datetime.combine(dt.date(2026, 3, 4), at)),
    ]


def _runs_with_markers(
    monkeypatch: pytest.MonkeyPatch, bounded: bool = True, old_markers_before: int | None = None
) -> tuple[list[str], list[tuple[object, ...]], list[tuple[object, ...]], dict[str, object]]:
    """The canonical journeys over RUNS: the queries sent, the outbox, the ledger and the
    last run's active_since by journey. `bounded=False` reads every journey's whole ledger;
    `old_markers_before=i` drops the markers' active_since before run i, as a segl that
    did not keep it left them."""
    import datetime as dt

    from conftest import loaded_rules

    from segl.compiler.journeys import facts
    from segl.runtime import journeys
    from segl.runtime.run import run_loaded, store_of

    if not bounded:
        active, blocked = facts.active_entries, facts.blocked_users
        monkeypatch.setattr(journeys.facts, "active_entries", lambda *a: active(*a[:4], None))
        monkeypatch.setattr(journeys.facts, "blocked_users", lambda *a: blocked(*a[:5]))
    engine, query, sent = _canonical_warehouse(monkeypatch)
    loaded = loaded_rules(RULES, "shop", "Asia/Shanghai")
    store = store_of(loaded, engine)
    markers = store.journey_runs.name
    for index, as_of in enumerate(RUNS):
        if index == old_markers_before:
            query(f'ALTER TABLE "{markers}" DROP COLUMN active_since')
        run_loaded(loaded, engine, dt.datetime.fromisoformat(as_of))
    outbox = query(f'SELECT * FROM "{store.outbox.name}" ORDER BY ALL')
    ledger = query(f'SELECT * FROM "{store.journey_entries.name}" ORDER BY ALL')
    last = query(f"""SELECT journey, active_since FROM "{markers}" WHERE as_of = '{RUNS[-1]}'""")
    return sent, outbox, ledger, dict(last)


def test_a_run_reads_the_ledger_from_its_earliest_active_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run read each journey's active entries by grouping its whole ledger, which grows
    with every run (3.5 s a journey for 2 x 10^7 rows, BENCHMARKS.md). Each marker keeps
    the earliest entry time still active after its run (its as-of when none is), and the
    next run reads the ledger from there: the same decisions, a read that does not grow
    with the journey's history."""
    import datetime as dt

    sent, outbox, ledger, since = _runs_with_markers(monkeypatch)
    # after 11-07 12:00: user 1's onboarding (entered 11-02 10:00) waits for its lottery,
    # user 3's winback (entered at the first run) for the weekend; every thanks is done
    assert since == {
        "onboarding": dt.datetime(2026, 11, 2, 10),
        "thanks": dt.datetime(2026, 11, 7, 12),
        "winback": dt.datetime(2026, 11, 2, 10),
    }
    reads = [sql for sql in sent if "HAVING" in sql and "'thanks'" in sql]
    assert "\"entry_at\" >= CAST('2026-11-06 12:00:00' AS TIMESTAMP)" in reads[-1]
    monkeypatch.undo()
    _, everything, whole_ledger, _ = _runs_with_markers(monkeypatch, bounded=False)
    assert (outbox, ledger) == (everything, whole_ledger) and len(outbox) >= 3
    monkeypatch.undo()
    # markers of an older segl: their run reads the whole ledger, and the column comes back
    _, older, older_ledger, kept = _runs_with_markers(monkeypatch, old_markers_before=2)
    assert (older, older_ledger, kept) == (outbox, ledger, since)


class _ThreadsOfCalls:
    """A DuckDB connection that records, for every call, the thread making it and the SQL
    it was given (the deciding thread must send none: runtime/background.py)."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self.calls: list[tuple[str, str]] = []

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._connection, name)
        if not callable(found):
            return found

        def recorded(*args: Any, **kwargs: Any) -> Any:
            import threading

            sql = args[0] if args and isinstance(args[0], str) else name
            self.calls.append((threading.current_thread().name, sql))
            return found(*args, **kwargs)

        return recorded


def test_steps_are_decided_in_a_thread_that_sends_no_sql_while_the_run_writes_its_tags(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reading is done right after the result table is made (before the tags are
    written), the steps, caps and outbox rows are decided in another thread, which sends
    nothing to the database, and the staged rows are made after the run's writes: the
    same outbox as deciding in one piece, where the run's statements came in order."""
    import datetime as dt
    import threading

    from conftest import loaded_rules

    from segl.runtime import journeys
    from segl.runtime.engines import DuckDBEngine
    from segl.runtime.run import run_loaded, store_of

    deciders: list[str] = []
    decided = journeys.JourneyRun._decided

    def in_which_thread(run: journeys.JourneyRun, read: Any) -> journeys.Decided:
        deciders.append(threading.current_thread().name)
        return decided(run, read)

    monkeypatch.setattr(journeys.JourneyRun, "_decided", in_which_thread)
    loaded = loaded_rules(RULES, "shop", "Asia/Shanghai")

    def outbox_of(engine: DuckDBEngine) -> list[tuple[object, ...]]:
        for statement in TABLES:
            engine.query(statement)
        for as_of in RUNS:
            run_loaded(loaded, engine, dt.datetime.fromisoformat(as_of))
        return engine.query(f'SELECT * FROM "{store_of(loaded, engine).outbox.name}" ORDER BY ALL')

    engine = DuckDBEngine()
    recorder = _ThreadsOfCalls(engine.connection)
    engine.connection = recorder
    found = outbox_of(engine)
    main = threading.main_thread().name
    assert {thread for thread, _ in recorder.calls} == {main}
    assert len(deciders) == len(RUNS) and main not in deciders
    store = store_of(loaded, engine)
    runs = " ".join(text for _, text in recorder.calls).split("BEGIN TRANSACTION")[1:]
    assert len(runs) == len(RUNS)
    for run in runs[1:]:
        read = run.index(f'FROM "{store.journey_runs.name}"')  # the journeys' first read
        tags = run.index(f'INSERT INTO "{store.tags.name}"')
        staged = run.index(f'TABLE "{store.journey_work(store.outbox)}"')
        assert read < tags < staged

    monkeypatch.setattr(journeys.JourneyRun, "_decided", decided)
    monkeypatch.setattr(journeys.JourneyRun, "early_statements", lambda run: [])
    assert found == outbox_of(DuckDBEngine())  # decided in one piece, in prepare


def test_a_failure_while_deciding_fails_the_run_and_leaves_no_thread_or_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import datetime as dt
    import threading

    from conftest import loaded_rules

    from segl.runtime import journeys
    from segl.runtime.engines import DuckDBEngine
    from segl.runtime.run import run_loaded, store_of

    loaded = loaded_rules(RULES, "shop", "Asia/Shanghai")
    engine = DuckDBEngine()
    for statement in TABLES:
        engine.query(statement)
    store = store_of(loaded, engine)
    interval = sys.getswitchinterval()
    run_loaded(loaded, engine, dt.datetime.fromisoformat(RUNS[0]))
    assert sys.getswitchinterval() == interval
    before = engine.query(f'SELECT count(*) FROM "{store.tags.name}"')

    def broken(run: journeys.JourneyRun, read: Any) -> journeys.Decided:
        raise ValueError("deciding failed")

    monkeypatch.setattr(journeys.JourneyRun, "_decided", broken)
    with pytest.raises(ValueError, match="deciding failed"):
        run_loaded(loaded, engine, dt.datetime.fromisoformat(RUNS[1]))
    assert engine.query(f'SELECT count(*) FROM "{store.tags.name}"') == before  # rolled back
    assert all(engine.columns_of(t) is None for t in store.journey_work_tables)
    assert not [t for t in threading.enumerate() if t.name.startswith("segl-background")]
    assert sys.getswitchinterval() == interval  # as before the run (runtime/background.py)

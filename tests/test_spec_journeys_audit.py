"""An acceptance audit of journey semantics, written from the SPEC alone (§2.6, §2.8, §3.2)
and the outbox format of docs/journeys.md.

Every scenario is a tiny project (a few users and events in a DuckDB file built with the
duckdb package), a schedule of `segl run PROJECT --db duckdb:///FILE --as-of T` calls made
through the installed `segl` executable, and the full outbox
(`segl show outbox --format jsonl`) compared with rows worked out by hand from the SPEC
text; the reasoning is in the comments next to each expected row.

Unless a scenario says otherwise the project's zone is UTC, so every time below is UTC.
Calendar: 2026-11-02 is a Monday (11-06 Fri, 11-07 Sat, 11-08 Sun); 2026-10-23 is a
Friday. Europe/Berlin leaves summer time on Sunday 2026-10-25 at 01:00 UTC (03:00 CEST
becomes 02:00 CET); Los Angeles has already left it on 2026-11-01 (PST = UTC-8 after).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

import duckdb

from segl.runtime.cli import main

SOURCES = """\
source users from table "users" key user_id zone tz {
    user_id: number
    tz: string
}
source events from table "events" user user_id time ts { name: string }
source orders from table "orders" user user_id time ts { amount: number }
"""

TOML = '[project]\nname = "audit"\ntimezone = "UTC"\n'

Row = tuple[str, str, int | str, str, str, str, str, str, str]


def segl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`segl ARGS` in-process (as the installed command runs it), its output captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def build(
    tmp_path: Path,
    rules: str,
    users: list[tuple[int, str | None]],
    events: Sequence[tuple[int, str, str]] = (),
    orders: Sequence[tuple[int, str]] = (),
    toml: str = TOML,
    key_type: str = "BIGINT",
) -> tuple[Path, str]:
    root = tmp_path / "audit"
    root.mkdir()
    (root / "segl.toml").write_text(toml, "utf-8")
    sources = SOURCES
    if key_type != "BIGINT":
        sources = SOURCES.replace("user_id: number", "user_id: string")
    (root / "rules.segl").write_text(sources + rules, "utf-8")
    path = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute(f"CREATE TABLE users (user_id {key_type}, tz VARCHAR)")
        con.executemany("INSERT INTO users VALUES (?, ?)", users)
        con.execute(f"CREATE TABLE events (user_id {key_type}, ts TIMESTAMP, name VARCHAR)")
        if events:
            con.executemany("INSERT INTO events VALUES (?, CAST(? AS TIMESTAMP), ?)", events)
        con.execute(f"CREATE TABLE orders (user_id {key_type}, ts TIMESTAMP, amount DOUBLE)")
        if orders:
            con.executemany("INSERT INTO orders VALUES (?, CAST(? AS TIMESTAMP), 10)", list(orders))
    finally:
        con.close()
    return root, f"duckdb:///{path.resolve()}"


def run(root: Path, url: str, as_of: str) -> subprocess.CompletedProcess[str]:
    ran = segl("run", root, "--db", url, "--as-of", as_of)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Traceback" not in ran.stdout + ran.stderr
    return ran


def schedule(root: Path, url: str, runs: list[str]) -> None:
    for as_of in runs:
        run(root, url, as_of)


def raw_outbox(root: Path, url: str) -> list[dict[str, object]]:
    shown = segl("show", "outbox", root, "--db", url, "--format", "jsonl")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    return [json.loads(line) for line in shown.stdout.splitlines() if line.strip()]


KEYS = ("journey", "step", "user", "entry_at", "due_at", "run_at", "channel", "template", "status")


def outbox(root: Path, url: str) -> list[Row]:
    rows = [tuple(d[k] for k in KEYS) for d in raw_outbox(root, url)]
    return sorted(rows, key=str)  # type: ignore[arg-type]


def rows(*expected: Row) -> list[Row]:
    return sorted(expected, key=str)


# ---------------------------------------------------------------------------------------
# 1. An event exactly at a run instant; a step due exactly at a run instant.
#
# SPEC §3 "Events at or after `as_of` are invisible"; §3.2 "A run at `Ti` sees events
# before `Ti`; it processes entries, exits and sends for the interval since the previous
# run", "Events before the journey's first run never create entries", "Steps are due at
# `entry + after` (default: at entry)", "A step is sent by the first run at or after its
# due time".

INSTANT_RULES = """
journey hello "hello" {
    enter on events where name == "register"
    step now: send wecom "hello_now"
    step later after 1 hour: send sms "hello_later"
}
"""


def test_event_and_due_time_exactly_at_a_run_instant(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        INSTANT_RULES,
        users=[(1, None), (2, None), (3, None)],
        events=[
            (1, "2026-11-02 10:00:00", "register"),  # exactly at the first run
            (2, "2026-11-02 09:59:59", "register"),  # just before the first run
            (3, "2026-11-02 11:00:00", "register"),  # exactly at the second run
        ],
    )
    schedule(root, url, ["2026-11-02 10:00", "2026-11-02 11:00", "2026-11-02 12:00"])
    # docs/journeys.md: the JSON keys of `segl show outbox --format jsonl`, in this order
    assert [list(d) for d in raw_outbox(root, url)] == [[*KEYS, "message_id", "payload"]] * 4
    assert outbox(root, url) == rows(
        # run 10:00 is the journey's first run: user 2's 09:59:59 registration is before
        # it (no entry ever); user 1's 10:00:00 one is at the as-of, so invisible to it.
        # run 11:00 works on [10:00, 11:00): user 1 enters at 10:00; `now` is due at
        # 10:00, `later` at 11:00 == the run instant: both decided by this run.
        ("hello", "now", 1, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 11:00:00", "wecom", "hello_now", "sent"),
        ("hello", "later", 1, "2026-11-02 10:00:00", "2026-11-02 11:00:00",
         "2026-11-02 11:00:00", "sms", "hello_later", "sent"),
        # user 3's 11:00:00 registration is invisible to the 11:00 run and in the 12:00
        # run's interval [11:00, 12:00): entry at 11:00, `later` due 12:00 == run instant.
        ("hello", "now", 3, "2026-11-02 11:00:00", "2026-11-02 11:00:00",
         "2026-11-02 12:00:00", "wecom", "hello_now", "sent"),
        ("hello", "later", 3, "2026-11-02 11:00:00", "2026-11-02 12:00:00",
         "2026-11-02 12:00:00", "sms", "hello_later", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 2. A re-run of the same as-of and a run at an earlier as-of change nothing; the next
#    later run still works on the interval since the last real run.
#
# SPEC §3.2 "Re-running an as-of that is earlier than the last run changes nothing and
# exits 0", "Re-running, retrying or killing a run never duplicates or loses a decision",
# "each (journey, user, entry, step) is decided once and written to the outbox with a
# deterministic message id".


def test_rerun_and_earlier_as_of_decide_nothing_twice(tmp_path: Path) -> None:
    users = [(1, None), (2, None), (3, None)]
    events = [
        (1, "2026-11-02 10:00:00", "register"),
        (2, "2026-11-02 09:59:59", "register"),
        (3, "2026-11-02 11:00:00", "register"),
    ]
    root, url = build(tmp_path, INSTANT_RULES, users, events)
    schedule(root, url, ["2026-11-02 10:00", "2026-11-02 11:00"])
    after_11 = raw_outbox(root, url)
    assert len(after_11) == 2  # user 1's `now` and `later`
    # the same as-of again, then earlier ones (between the runs, and before the first)
    for as_of in ["2026-11-02 11:00", "2026-11-02 10:30", "2026-11-02 09:00"]:
        ran = run(root, url, as_of)  # exit code 0 (checked in run)
        assert "journeys: already decided" in ran.stdout  # docs/journeys.md's summary
        assert raw_outbox(root, url) == after_11
    # the next real run works on [11:00, 12:00), not on [10:30, 12:00) or from 09:00:
    # exactly the outbox of scenario 1, nothing duplicated
    run(root, url, "2026-11-02 12:00")
    run(root, url, "2026-11-02 12:00")
    final = raw_outbox(root, url)
    assert sorted((tuple(d[k] for k in KEYS) for d in final), key=str) == rows(
        ("hello", "now", 1, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 11:00:00", "wecom", "hello_now", "sent"),
        ("hello", "later", 1, "2026-11-02 10:00:00", "2026-11-02 11:00:00",
         "2026-11-02 11:00:00", "sms", "hello_later", "sent"),
        ("hello", "now", 3, "2026-11-02 11:00:00", "2026-11-02 11:00:00",
         "2026-11-02 12:00:00", "wecom", "hello_now", "sent"),
        ("hello", "later", 3, "2026-11-02 11:00:00", "2026-11-02 12:00:00",
         "2026-11-02 12:00:00", "sms", "hello_later", "sent"),
    )  # fmt: skip
    ids = [d["message_id"] for d in final]
    assert len(set(ids)) == 4
    # deterministic ids: the same data and schedule in a fresh database give the same ids
    other = tmp_path / "again"
    other.mkdir()
    root2, url2 = build(other, INSTANT_RULES, users, events)
    schedule(root2, url2, ["2026-11-02 10:00", "2026-11-02 11:00", "2026-11-02 12:00"])
    assert sorted(d["message_id"] for d in raw_outbox(root2, url2)) == sorted(ids)


# ---------------------------------------------------------------------------------------
# 3. `within` expiry across a gap of days between two runs, and at its exact boundary.
#
# SPEC §3.2 "`within D` drops the step (expired) if it cannot be sent before
# `entry + D`: a run at or after `entry + D` records it expired." Order: "for each due
# step: expired (past `within`), else skipped ..., else sent". §2.6 `thanks` journey.

WITHIN_RULES = """
journey thanks "Thanks after every purchase" {
    enter on orders
    reenter after 0 days
    step thank_you within 24 hours: send wecom "thanks"
    step follow after 2 hours within 1 days: send sms "follow_up"
}
"""


def test_within_expires_over_a_long_gap_between_runs(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        WITHIN_RULES,
        users=[(1, None), (2, None), (3, None), (4, None)],
        orders=[
            (1, "2026-11-02 10:30:00"),
            (2, "2026-11-02 11:30:00"),  # after the 11:00 run; next run days later
            (3, "2026-11-04 11:00:00"),  # entry + 24 h == the 11-05 11:00 run exactly
            (4, "2026-11-04 11:00:01"),  # entry + 24 h one second after that run
        ],
    )
    schedule(root, url, ["2026-11-02 10:00", "2026-11-02 11:00", "2026-11-05 11:00"])
    assert outbox(root, url) == rows(
        # user 1 enters at 10:30 (run 11:00): thank_you due 10:30, sent before 11-03 10:30.
        ("thanks", "thank_you", 1, "2026-11-02 10:30:00", "2026-11-02 10:30:00",
         "2026-11-02 11:00:00", "wecom", "thanks", "sent"),
        # follow due 12:30; the next run is 11-05 11:00 >= entry + 1 day (11-03 10:30)
        ("thanks", "follow", 1, "2026-11-02 10:30:00", "2026-11-02 12:30:00",
         "2026-11-05 11:00:00", "sms", "follow_up", "expired"),
        # user 2 enters at 11-02 11:30 (run 11-05 11:00); both windows ended 11-03 11:30
        ("thanks", "thank_you", 2, "2026-11-02 11:30:00", "2026-11-02 11:30:00",
         "2026-11-05 11:00:00", "wecom", "thanks", "expired"),
        ("thanks", "follow", 2, "2026-11-02 11:30:00", "2026-11-02 13:30:00",
         "2026-11-05 11:00:00", "sms", "follow_up", "expired"),
        # user 3: entry + 24 h = 11-05 11:00:00, the run is "at or after" it: expired
        ("thanks", "thank_you", 3, "2026-11-04 11:00:00", "2026-11-04 11:00:00",
         "2026-11-05 11:00:00", "wecom", "thanks", "expired"),
        ("thanks", "follow", 3, "2026-11-04 11:00:00", "2026-11-04 13:00:00",
         "2026-11-05 11:00:00", "sms", "follow_up", "expired"),
        # user 4: entry + 24 h = 11-05 11:00:01 > the run: both still in time, sent
        ("thanks", "thank_you", 4, "2026-11-04 11:00:01", "2026-11-04 11:00:01",
         "2026-11-05 11:00:00", "wecom", "thanks", "sent"),
        ("thanks", "follow", 4, "2026-11-04 11:00:01", "2026-11-04 13:00:01",
         "2026-11-05 11:00:00", "sms", "follow_up", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 4. `on weekend` in the user's zone while UTC (the project's zone) is still Friday.
#
# SPEC §2.5 "`zone Z` names a column holding each user's IANA time zone (journey steps
# are scheduled in it; a null or unknown zone falls back to the project's)"; §3 "Week
# starts on Monday; "weekend" is Saturday and Sunday ... (for journey steps, in the user's
# zone)"; §3.2 "`on weekend` ... move the due time to the first allowed instant at or
# after it, in the user's time zone", "if that run falls outside the step's allowed
# window, the step waits for the next allowed instant (never sent outside its window)".

WEEKEND_RULES = """
journey weekend_promo "Weekend promotion" {
    enter on events where name == "browse"
    step promo on weekend: send push "weekend_promo"
}
"""


def test_weekend_in_the_users_zone_while_utc_is_still_friday(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        WEEKEND_RULES,
        users=[(1, "Asia/Shanghai"), (2, None), (3, "America/Los_Angeles"), (4, "Asia/Shanghai")],
        events=[
            (1, "2026-11-06 17:00:00", "browse"),  # Fri UTC = Sat 01:00 Shanghai
            (2, "2026-11-06 17:00:00", "browse"),  # Fri 17:00 in UTC (project zone)
            (3, "2026-11-06 17:00:00", "browse"),  # Fri 09:00 in Los Angeles (PST)
            (4, "2026-11-08 17:00:00", "browse"),  # Sun UTC = Mon 01:00 Shanghai
        ],
    )
    schedule(
        root,
        url,
        [
            "2026-11-06 12:00",  # first run
            "2026-11-06 18:00",  # Fri 18:00 UTC = Sat 02:00 Shanghai = Fri 10:00 LA
            "2026-11-07 04:00",  # Sat 04:00 UTC = Fri 20:00 LA
            "2026-11-07 09:00",  # Sat 09:00 UTC = Sat 01:00 LA
            "2026-11-08 18:00",  # Sun 18:00 UTC = Mon 02:00 Shanghai: user 4 waits
            "2026-11-13 17:00",  # Fri 17:00 UTC = Sat 01:00 Shanghai
        ],
    )
    assert outbox(root, url) == rows(
        # user 1: entry Fri 17:00 UTC is already Saturday in Shanghai: due at entry, sent
        # by the Fri 18:00 UTC run
        ("weekend_promo", "promo", 1, "2026-11-06 17:00:00", "2026-11-06 17:00:00",
         "2026-11-06 18:00:00", "push", "weekend_promo", "sent"),
        # user 2 (no zone: UTC): due Sat 00:00 UTC; the Sat 04:00 run sends it
        ("weekend_promo", "promo", 2, "2026-11-06 17:00:00", "2026-11-07 00:00:00",
         "2026-11-07 04:00:00", "push", "weekend_promo", "sent"),
        # user 3: due Sat 00:00 in LA = 08:00 UTC; the 04:00 run is before that, the
        # 09:00 run (Sat 01:00 LA) sends it
        ("weekend_promo", "promo", 3, "2026-11-06 17:00:00", "2026-11-07 08:00:00",
         "2026-11-07 09:00:00", "push", "weekend_promo", "sent"),
        # user 4: Sunday in UTC but Monday in Shanghai: due Sat 11-14 00:00 Shanghai
        # = Fri 11-13 16:00 UTC, sent by the Friday-UTC run 11-13 17:00
        ("weekend_promo", "promo", 4, "2026-11-08 17:00:00", "2026-11-13 16:00:00",
         "2026-11-13 17:00:00", "push", "weekend_promo", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 5. `between HH:MM and HH:MM` in the user's zone with a DST change between entry and the
#    due time; the window's end is exclusive.
#
# SPEC §3.2 "`between HH:MM and HH:MM` move the due time to the first allowed instant at
# or after it, in the user's time zone ..., with real DST rules", "Window ends are
# exclusive (`between 10:00 and 20:00` allows 19:59:59, not 20:00)", "if that run falls
# outside the step's allowed window, the step waits for the next allowed instant".

DST_RULES = """
journey morning "Morning reminder" {
    enter on events where name == "signup"
    step remind after 3 days between 10:00 and 11:00: send sms "morning_reminder"
}
"""


def test_between_window_across_a_dst_change(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        DST_RULES,
        users=[(1, "Europe/Berlin"), (2, "Europe/Berlin"), (3, "Europe/Berlin")],
        events=[
            (1, "2026-10-23 08:00:00", "signup"),  # Fri 10:00 CEST (UTC+2)
            (2, "2026-10-23 09:30:00", "signup"),  # Fri 11:30 CEST
            (3, "2026-10-23 09:45:00", "signup"),  # Fri 11:45 CEST
        ],
    )
    schedule(
        root,
        url,
        [
            "2026-10-23 07:00",  # first run
            "2026-10-23 10:00",  # entries of users 1, 2, 3
            "2026-10-26 08:30",  # Mon 09:30 CET (UTC+1 since Sunday)
            "2026-10-26 09:30",  # Mon 10:30 CET
            "2026-10-26 10:00",  # Mon 11:00 CET: the window's end, excluded
            "2026-10-27 09:15",  # Tue 10:15 CET
        ],
    )
    assert outbox(root, url) == rows(
        # user 1: entry + 3 days = Mon 08:00 UTC = 09:00 CET (not 10:00: DST has ended),
        # before the window: due 10:00 CET = 09:00 UTC. The 08:30 run (09:30 CET) is
        # before the due time; the 09:30 run sends it. (With the entry's +02:00 offset
        # kept, the due time would wrongly be 08:00 UTC and the 08:30 run would send it.)
        ("morning", "remind", 1, "2026-10-23 08:00:00", "2026-10-26 09:00:00",
         "2026-10-26 09:30:00", "sms", "morning_reminder", "sent"),
        # user 2: entry + 3 days = Mon 09:30 UTC = 10:30 CET, inside: due == the 09:30 run
        ("morning", "remind", 2, "2026-10-23 09:30:00", "2026-10-26 09:30:00",
         "2026-10-26 09:30:00", "sms", "morning_reminder", "sent"),
        # user 3: due Mon 09:45 UTC (10:45 CET); the 10:00 UTC run is 11:00 CET, outside
        # the window (end exclusive): it waits, and the Tue 10:15 CET run sends it
        ("morning", "remind", 3, "2026-10-23 09:45:00", "2026-10-26 09:45:00",
         "2026-10-27 09:15:00", "sms", "morning_reminder", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 6. `exit on S` between the entry and a due step: the step is never sent, even when the
#    run comes after the step's due time; an exit event at the entry's own time is no exit.
#
# SPEC §3.2 "`exit on S` ends the entry at the first matching event strictly after the
# entry's time", "An exit cancels every step not yet sent, even one already due",
# "Order within a run: entries, then exits, then due steps". §2.6 `onboarding`.

EXIT_RULES = """
journey onboarding "New user" {
    enter on events where name == "register"
    exit on orders
    step welcome after 1 hour: send wecom "welcome_pack"
    step later after 1 days: send sms "day_two"
}
"""


def test_exit_between_entry_and_due_step(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        EXIT_RULES,
        users=[(1, None), (2, None), (3, None), (4, None)],
        events=[
            (1, "2026-11-02 10:10:00", "register"),
            (2, "2026-11-02 10:05:00", "register"),
            (3, "2026-11-02 10:20:00", "register"),
            (4, "2026-11-02 10:30:00", "register"),
        ],
        orders=[
            (1, "2026-11-02 10:40:00"),  # before welcome is due (11:10)
            (2, "2026-11-02 11:30:00"),  # after welcome is due (11:05), before the run
            (3, "2026-11-02 10:20:00"),  # at the entry's very time: not strictly after
            (4, "2026-11-02 15:00:00"),  # after welcome was sent, before `later` is due
        ],
    )
    schedule(root, url, ["2026-11-02 10:00", "2026-11-02 12:00", "2026-11-04 12:00"])
    assert outbox(root, url) == rows(
        # user 1: exit at 10:40, decided in the 12:00 run before the steps: nothing ever
        # user 2: welcome was due at 11:05, but the exit at 11:30 comes first in the run
        #         (entries, then exits, then steps): cancelled though already due
        # user 3: the order at 10:20:00 is not strictly after the entry: no exit
        ("onboarding", "welcome", 3, "2026-11-02 10:20:00", "2026-11-02 11:20:00",
         "2026-11-02 12:00:00", "wecom", "welcome_pack", "sent"),
        ("onboarding", "later", 3, "2026-11-02 10:20:00", "2026-11-03 10:20:00",
         "2026-11-04 12:00:00", "sms", "day_two", "sent"),
        # user 4: welcome sent at 12:00; the 15:00 order ends the entry before `later`
        # (due 11-03 10:30) is looked at by the 11-04 run: `later` is never decided
        ("onboarding", "welcome", 4, "2026-11-02 10:30:00", "2026-11-02 11:30:00",
         "2026-11-02 12:00:00", "wecom", "welcome_pack", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 7. Re-entry before and after `reenter after D`; an entry event during an active entry
#    is ignored, not queued.
#
# SPEC §3.2 "A user has at most one active entry per journey", "`reenter after D` allows
# a new entry once the previous one has ended and `D` has passed since it began", "An
# entry event while the user has an active entry is ignored (not queued)", "An entry
# also ends at the run that decides its last step", ""`D` has passed" means
# `previous entry + D <= T`".

REENTER_RULES = """
journey thanks "Thanks" {
    enter on orders
    reenter after 3 days
    step thank: send wecom "thanks"
}
"""

REENTER_RUNS = [
    "2026-11-01 00:00",  # first run
    "2026-11-02 12:00",
    "2026-11-03 12:00",
    "2026-11-05 12:00",
]


def test_reenter_before_and_after_the_delay(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        REENTER_RULES,
        users=[(1, None), (2, None)],
        orders=[
            (1, "2026-11-02 10:00:00"),  # entry 1
            (1, "2026-11-03 09:00:00"),  # 10:00 + 3 days = 11-05 10:00 > run 11-03 12:00
            (1, "2026-11-05 11:00:00"),  # run 11-05 12:00 >= 11-05 10:00: a new entry
            (2, "2026-11-02 10:00:00"),  # entry
            (2, "2026-11-02 11:00:00"),  # same interval, entry still active: ignored
        ],
    )
    schedule(root, url, REENTER_RUNS)
    assert outbox(root, url) == rows(
        ("thanks", "thank", 1, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "wecom", "thanks", "sent"),
        # the 11-03 09:00 order: the entry ended at the 11-02 12:00 run, but 3 days have
        # not passed at the 11-03 12:00 run: no entry (and not queued for later)
        ("thanks", "thank", 1, "2026-11-05 11:00:00", "2026-11-05 11:00:00",
         "2026-11-05 12:00:00", "wecom", "thanks", "sent"),
        # user 2's second order came while the first entry was active: ignored
        ("thanks", "thank", 2, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "wecom", "thanks", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 8. A frequency cap across journeys, taken in priority order; the cap's calendar day is
#    the user's; a capped message is not retried.
#
# SPEC §2.6 "Contact policies ...: frequency caps per channel or across channels (rolling
# or per calendar day, in the user's time zone), a priority order between journeys";
# §3.2 "a capped message is recorded as capped (not sent, not retried) ...; caps count
# only sent messages, in journey priority order, then due time, then user".
# Syntax (docs/journeys.md): `policy { cap push 1 per day  priority beta, alpha }`.

CAP_RULES = """
journey alpha "Alpha" {
    enter on events where name == "a"
    step ping: send push "alpha_push"
}
journey beta "Beta" {
    enter on events where name == "b"
    step ping: send push "beta_push"
}
journey gamma "Gamma" {
    enter on events where name == "c"
    step ping: send sms "gamma_sms"
}
policy {
    cap push 1 per day
    priority beta, alpha
}
"""


def test_cap_across_journeys_with_priority(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        CAP_RULES,
        users=[(1, None), (2, "Asia/Shanghai"), (3, None)],
        events=[
            # user 1: alpha's event comes first (earlier due time), beta has priority
            (1, "2026-11-02 10:00:00", "a"),
            (1, "2026-11-02 10:30:00", "b"),
            (1, "2026-11-02 10:40:00", "c"),
            # users 2 and 3: alpha at 10:00 (run 12:00), beta at 15:00 (run 17:00)
            (2, "2026-11-02 10:00:00", "a"),
            (2, "2026-11-02 15:00:00", "b"),
            (3, "2026-11-02 10:00:00", "a"),
            (3, "2026-11-02 15:00:00", "b"),
        ],
    )
    schedule(root, url, ["2026-11-02 09:00", "2026-11-02 12:00", "2026-11-02 17:00",
                         "2026-11-03 12:00"])  # fmt: skip
    assert outbox(root, url) == rows(
        # run 12:00, user 1: beta takes the day's push first (priority beats due time);
        # alpha's push is capped; gamma's sms is another channel: sent
        ("beta", "ping", 1, "2026-11-02 10:30:00", "2026-11-02 10:30:00",
         "2026-11-02 12:00:00", "push", "beta_push", "sent"),
        ("alpha", "ping", 1, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "alpha_push", "capped"),
        ("gamma", "ping", 1, "2026-11-02 10:40:00", "2026-11-02 10:40:00",
         "2026-11-02 12:00:00", "sms", "gamma_sms", "sent"),
        # user 2 (Shanghai): alpha sent at 12:00 UTC (11-02 20:00 local); the 17:00 UTC
        # run is 11-03 01:00 in Shanghai, a new calendar day there: beta is sent too
        ("alpha", "ping", 2, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "alpha_push", "sent"),
        ("beta", "ping", 2, "2026-11-02 15:00:00", "2026-11-02 15:00:00",
         "2026-11-02 17:00:00", "push", "beta_push", "sent"),
        # user 3 (UTC): both on 11-02 in UTC: beta is capped at 17:00 (earlier runs'
        # sent messages count; priority only orders the messages of one run)
        ("alpha", "ping", 3, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "alpha_push", "sent"),
        ("beta", "ping", 3, "2026-11-02 15:00:00", "2026-11-02 15:00:00",
         "2026-11-02 17:00:00", "push", "beta_push", "capped"),
        # the 11-03 run retries nothing (capped is final)
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 9. Quiet hours in the user's zone move the due time to their end; a run inside them
#    sends nothing.
#
# SPEC §3.2 "Quiet hours move it to the end of the quiet period", "never sent outside its
# window"; §2.6 quiet hours are part of the contact policy, read in the user's zone
# (docs/journeys.md: "no message in these hours of the *user's* day").

QUIET_RULES = """
journey nudge "Nudge" {
    enter on events where name == "x"
    step hi: send sms "hi"
}
policy {
    quiet 22:00 to 08:00
}
"""


def test_quiet_hours_in_the_users_zone(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        QUIET_RULES,
        users=[(1, None), (2, "Asia/Shanghai")],
        events=[
            (1, "2026-11-02 23:00:00", "x"),  # 23:00 UTC: quiet
            (2, "2026-11-02 13:00:00", "x"),  # 21:00 Shanghai: not quiet
        ],
    )
    schedule(
        root,
        url,
        [
            "2026-11-02 12:00",  # first run
            "2026-11-02 14:30",  # 22:30 Shanghai: quiet for user 2
            "2026-11-03 01:00",  # 09:00 Shanghai; 01:00 UTC: quiet for user 1
            "2026-11-03 07:00",  # still quiet for user 1
            "2026-11-03 09:00",
        ],
    )
    assert outbox(root, url) == rows(
        # user 2: due 13:00 UTC (21:00 local, allowed); the 14:30 run is inside the
        # quiet hours there: it waits; the 01:00 UTC run (09:00 local) sends it
        ("nudge", "hi", 2, "2026-11-02 13:00:00", "2026-11-02 13:00:00",
         "2026-11-03 01:00:00", "sms", "hi", "sent"),
        # user 1: entry 23:00 in the quiet hours: due moved to their end, 11-03 08:00
        ("nudge", "hi", 1, "2026-11-02 23:00:00", "2026-11-03 08:00:00",
         "2026-11-03 09:00:00", "sms", "hi", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 10. A holdout user: held out, after `if` (skipped first), and a held-out message does
#     not use up a cap.
#
# SPEC §2.8 "A holdout's users receive no journey message (recorded as held out)";
# §3.3 `u = int(hex(md5(utf8(salt + ":" + user_key)))[0:8], 16) / 2^32`; §3.2 "expired
# ..., else skipped (`if` not TRUE), else held out (the user is in a holdout; a single
# `P%` holdout takes `[0, P)` of §3.3), else capped, else sent", "caps count only sent
# messages".

HOLDOUT_RULES = """
tag flag = count(events where name == "flag")
journey promo "Promo" {
    enter on events where name == "x"
    step first: send push "promo_push"
    step second: send sms "promo_sms" if flag >= 1
}
journey other "Other" {
    enter on events where name == "y"
    step ping: send push "other_push"
}
holdout control 25% salt "audit-2026"
policy {
    cap push 1 per day
    priority promo, other
}
"""


def bucket(key: str, salt: str) -> float:
    return int(hashlib.md5(f"{salt}:{key}".encode()).hexdigest()[:8], 16) / 2**32


def test_holdout_users(tmp_path: Path) -> None:
    # hand-checked buckets for salt "audit-2026": 1 -> 0.2343, 2 -> 0.7719,
    # 3 -> 0.7355, 4 -> 0.0260; so users 1 and 4 are in [0, 0.25), 2 and 3 are not
    assert [round(bucket(str(k), "audit-2026"), 4) for k in (1, 2, 3, 4)] == [
        0.2343, 0.7719, 0.7355, 0.026,
    ]  # fmt: skip
    root, url = build(
        tmp_path,
        HOLDOUT_RULES,
        users=[(1, None), (2, None), (3, None), (4, None)],
        events=[
            (1, "2026-11-02 10:00:00", "x"),  # held out, flag 0
            (4, "2026-11-02 10:00:00", "flag"),
            (4, "2026-11-02 10:00:00", "x"),  # held out, flag 1
            (2, "2026-11-02 10:00:00", "flag"),
            (2, "2026-11-02 10:00:00", "x"),  # flag 1
            (2, "2026-11-02 10:00:00", "y"),
            (3, "2026-11-02 10:00:00", "x"),  # flag 0
        ],
    )
    schedule(root, url, ["2026-11-02 09:00", "2026-11-02 12:00"])
    assert outbox(root, url) == rows(
        # user 1: `first` held out; `second`'s `if` is not TRUE: skipped comes first
        ("promo", "first", 1, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "promo_push", "held_out"),
        ("promo", "second", 1, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "sms", "promo_sms", "skipped"),
        # user 4: both held out
        ("promo", "first", 4, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "promo_push", "held_out"),
        ("promo", "second", 4, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "sms", "promo_sms", "held_out"),
        # user 2: both sent; other's push is capped (promo has priority)
        ("promo", "first", 2, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "promo_push", "sent"),
        ("promo", "second", 2, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "sms", "promo_sms", "sent"),
        ("other", "ping", 2, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "other_push", "capped"),
        # user 3: first sent, second skipped
        ("promo", "first", 3, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "promo_push", "sent"),
        ("promo", "second", 3, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "sms", "promo_sms", "skipped"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 11. `enter on first S`, `enter when C` and `exit when C`.
#
# SPEC §3.2 "`enter on first S` only the user's first-ever matching event", "Events
# before the journey's first run never create entries", "`enter when C` enters at the
# first run where `C` is TRUE", "Without `reenter`, a user enters a journey once ever",
# "`exit when C` at the first run after the entering one where `C` is TRUE".

ENTRY_RULES = """
tag visits = count(events where name == "visit")
tag purchases = count(orders)
journey first_purchase "From the first purchase" {
    enter on first orders
    step vip after 1 days: send community "vip_group_invite"
}
journey regular "Two visits" {
    enter when visits >= 2
    exit when purchases >= 1
    step nudge after 1 days: send sms "nudge"
}
"""


def test_enter_on_first_enter_when_exit_when(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        ENTRY_RULES,
        users=[(1, None), (2, None), (3, None), (4, None)],
        events=[
            (1, "2026-11-01 10:00:00", "visit"),
            (1, "2026-11-02 10:00:00", "visit"),  # 2nd visit: C TRUE at the 11-02 run
            (3, "2026-10-20 10:00:00", "visit"),
            (3, "2026-10-21 10:00:00", "visit"),  # C TRUE already at the first run
            (4, "2026-10-20 10:00:00", "visit"),
            (4, "2026-10-21 10:00:00", "visit"),  # C TRUE at the first run...
        ],
        orders=[
            (1, "2026-10-30 10:00:00"),  # user 1's first order: before the first run
            (1, "2026-11-02 10:30:00"),  # not the first ever: no first_purchase entry
            (2, "2026-11-02 10:00:00"),  # user 2's first order, in [P, T)
            (2, "2026-11-02 11:00:00"),  # a second one: ignored
            (4, "2026-10-25 10:00:00"),  # ...and a purchase before it: exit when at the
        ],  # next run, not at the entering one (the first run is before 11-02 10:00)
    )
    schedule(root, url, ["2026-11-01 12:00", "2026-11-02 12:00", "2026-11-03 12:00",
                         "2026-11-05 12:00"])  # fmt: skip
    assert outbox(root, url) == rows(
        # user 2 enters first_purchase at 10:00; vip due 11-03 10:00, sent at 11-03 12:00
        ("first_purchase", "vip", 2, "2026-11-02 10:00:00", "2026-11-03 10:00:00",
         "2026-11-03 12:00:00", "community", "vip_group_invite", "sent"),
        # user 3 enters `regular` at the first run (11-01 12:00), nudge due 11-02 12:00
        # == the next run instant; never again (no reenter)
        ("regular", "nudge", 3, "2026-11-01 12:00:00", "2026-11-02 12:00:00",
         "2026-11-02 12:00:00", "sms", "nudge", "sent"),
        # user 4 enters at 11-01 12:00 too, but `exit when` is TRUE at the next run
        # (11-02 12:00), which exits before deciding the due nudge: nothing
        # user 1 enters `regular` at 11-02 12:00 (2nd visit), but has purchases >= 1
        # (an order on 10-30): the 11-03 12:00 run exits it before nudge (due then)
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 12. `reenter after D` at its boundaries: an entry event exactly at `previous + D`, and
#     one before `previous + D` seen by a run after it.
#
# SPEC §3.2 "`reenter after D` allows a new entry once the previous one has ended and
# `D` has passed since it began", ""`D` has passed" means `previous entry + D <= T`"
# (T: the run's as-of, as in "Runs happen at as-of instants `T0 < T1 < ...`"), and
# "`enter on S` makes each matching event an entry at the event's time".
# docs/journeys.md says the same: "A user *may enter* when they ... have no active entry,
# and ... `last entry + D <= T`", then "enters at the time of their first matching event
# in `[P, T)`".


def test_reenter_at_the_boundary(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        REENTER_RULES,
        users=[(1, None), (2, None)],
        orders=[
            (1, "2026-11-02 10:00:00"),
            (1, "2026-11-05 10:00:00"),  # exactly previous + 3 days
            (2, "2026-11-02 10:00:00"),
            (2, "2026-11-04 09:00:00"),  # before previous + 3 days (11-05 10:00) ...
        ],  # ... but first seen by the run 11-05 12:00, where 11-05 10:00 <= T
    )
    schedule(root, url, REENTER_RUNS)
    assert outbox(root, url) == rows(
        ("thanks", "thank", 1, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "wecom", "thanks", "sent"),
        ("thanks", "thank", 1, "2026-11-05 10:00:00", "2026-11-05 10:00:00",
         "2026-11-05 12:00:00", "wecom", "thanks", "sent"),
        ("thanks", "thank", 2, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "wecom", "thanks", "sent"),
        # the 11-05 12:00 run: the previous entry has ended and 11-02 10:00 + 3 days
        # <= T, so user 2 may enter, at the event's time
        ("thanks", "thank", 2, "2026-11-04 09:00:00", "2026-11-04 09:00:00",
         "2026-11-05 12:00:00", "wecom", "thanks", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 13. An entry event while the previous entry (reenter after 0 days) is still active,
#     because its last step is not decided yet, is ignored even though it is decided in
#     the same run.
#
# SPEC §3.2 "An entry event while the user has an active entry is ignored (not queued)",
# "An entry also ends at the run that decides its last step", "Order within a run:
# entries, then exits, then due steps".

ACTIVE_RULES = """
journey thanks "Thanks" {
    enter on orders
    reenter after 0 days
    step thank after 2 hours: send wecom "thanks"
}
"""


def test_entry_event_during_an_active_entry_is_ignored(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        ACTIVE_RULES,
        users=[(1, None)],
        orders=[
            (1, "2026-11-02 10:00:00"),  # entry (run 11:00); thank due 12:00
            (1, "2026-11-02 10:30:00"),  # same interval, entry active: ignored
            (1, "2026-11-02 12:30:00"),  # run 13:00: entries come before the step
            (1, "2026-11-02 13:30:00"),  # run 14:00: the entry ended at 13:00: entry
        ],
    )
    schedule(root, url, ["2026-11-02 09:00", "2026-11-02 11:00", "2026-11-02 13:00",
                         "2026-11-02 14:00", "2026-11-02 16:00"])  # fmt: skip
    assert outbox(root, url) == rows(
        ("thanks", "thank", 1, "2026-11-02 10:00:00", "2026-11-02 12:00:00",
         "2026-11-02 13:00:00", "wecom", "thanks", "sent"),
        ("thanks", "thank", 1, "2026-11-02 13:30:00", "2026-11-02 15:30:00",
         "2026-11-02 16:00:00", "wecom", "thanks", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 14. `within` combined with a day restriction: a step whose first allowed instant is
#     after `entry + D` expires, and a run outside the days does not send it.
#
# SPEC §3.2 "`within D` drops the step (expired) if it cannot be sent before
# `entry + D`: a run at or after `entry + D` records it expired", "if that run falls
# outside the step's allowed window, the step waits ... (never sent outside its
# window)", order "expired (past `within`), else ...".

WEEKDAY_RULES = """
journey flash "Flash deal" {
    enter on events where name == "x"
    step deal on weekdays within 12 hours: send push "deal"
}
"""


def test_within_with_weekdays(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        WEEKDAY_RULES,
        users=[(1, None), (2, None), (3, None)],
        events=[
            (1, "2026-11-07 10:00:00", "x"),  # Sat: first weekday instant Mon 00:00
            (2, "2026-11-06 20:00:00", "x"),  # Fri 20:00: due at once, until Sat 08:00
            (3, "2026-11-06 13:00:00", "x"),  # Fri 13:00: until Sat 01:00
        ],
    )
    schedule(
        root,
        url,
        [
            "2026-11-06 12:00",  # first run (Fri)
            "2026-11-06 19:00",  # user 3 enters; Friday: sent
            "2026-11-07 09:00",  # Sat: user 2 enters; past entry + 12 h: expired
            "2026-11-07 12:00",  # user 1 enters; not due (Mon), not expired (22:00)
            "2026-11-08 12:00",  # Sun: past user 1's entry + 12 h, before its due time
            "2026-11-09 01:00",  # Mon 01:00: nothing left
        ],
    )
    assert outbox(root, url) == rows(
        ("flash", "deal", 3, "2026-11-06 13:00:00", "2026-11-06 13:00:00",
         "2026-11-06 19:00:00", "push", "deal", "sent"),
        # user 2: due Fri 20:00, but the first run after it is Saturday 09:00, at or
        # after entry + 12 h (Sat 08:00): expired (it was never sendable on Saturday)
        ("flash", "deal", 2, "2026-11-06 20:00:00", "2026-11-06 20:00:00",
         "2026-11-07 09:00:00", "push", "deal", "expired"),
        # user 1: due Mon 11-09 00:00, after entry + 12 h (Sat 22:00): it cannot be
        # sent before entry + 12 h, so the first run at or after Sat 22:00 (Sunday
        # 12:00, before the due time) records it expired
        ("flash", "deal", 1, "2026-11-07 10:00:00", "2026-11-09 00:00:00",
         "2026-11-08 12:00:00", "push", "deal", "expired"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 15. `if` and the payload are evaluated as of the deciding run, not the due time; an
#     exit event exactly at a run instant is seen by the next run only.
#
# SPEC §3.2 "Its `if` condition is evaluated as of that run (false: recorded as skipped,
# the journey goes on)", §2.6 "`with a, b = expr` puts per-user values (tags, as of the
# send) into the message payload"; §3 "Events at or after `as_of` are invisible".

IF_RULES = """
tag purchases = count(orders)
journey welcome "Welcome" {
    enter on events where name == "register"
    exit on events where name == "unsubscribe"
    step hello after 1 hours: send wecom "hello" with purchases
    step offer after 3 hours: send sms "offer" if purchases >= 1
}
"""


def test_if_and_payload_as_of_the_run(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        IF_RULES,
        users=[(1, None), (2, None), (3, None)],
        events=[
            (1, "2026-11-02 10:00:00", "register"),
            (2, "2026-11-02 10:00:00", "register"),
            (2, "2026-11-02 12:00:00", "unsubscribe"),  # exactly at the 12:00 run
            (3, "2026-11-02 10:00:00", "register"),
        ],
        orders=[
            (1, "2026-11-02 11:30:00"),  # after hello's due time (11:00), before the run
            (3, "2026-11-02 13:00:00"),  # exactly at the 13:00 run: invisible to it
        ],
    )
    schedule(root, url, ["2026-11-02 09:00", "2026-11-02 12:00", "2026-11-02 13:00"])
    got = {(d["step"], d["user"]): d for d in raw_outbox(root, url)}
    assert outbox(root, url) == rows(
        ("welcome", "hello", 1, "2026-11-02 10:00:00", "2026-11-02 11:00:00",
         "2026-11-02 12:00:00", "wecom", "hello", "sent"),
        # offer due 13:00 == the run; purchases is 1 as of 13:00: sent
        ("welcome", "offer", 1, "2026-11-02 10:00:00", "2026-11-02 13:00:00",
         "2026-11-02 13:00:00", "sms", "offer", "sent"),
        # user 2: the 12:00 unsubscribe is invisible to the 12:00 run (hello sent); the
        # 13:00 run sees it (strictly after the entry) and exits before `offer`
        ("welcome", "hello", 2, "2026-11-02 10:00:00", "2026-11-02 11:00:00",
         "2026-11-02 12:00:00", "wecom", "hello", "sent"),
        # user 3: the order at 13:00:00 is invisible to the 13:00 run: `if` is false
        ("welcome", "hello", 3, "2026-11-02 10:00:00", "2026-11-02 11:00:00",
         "2026-11-02 12:00:00", "wecom", "hello", "sent"),
        ("welcome", "offer", 3, "2026-11-02 10:00:00", "2026-11-02 13:00:00",
         "2026-11-02 13:00:00", "sms", "offer", "skipped"),
    )  # fmt: skip
    # payload as of the send (12:00): user 1's 11:30 order counts, user 3's does not yet
    assert got[("hello", 1)]["payload"] == {"purchases": 1}
    assert got[("hello", 2)]["payload"] == {"purchases": 0}
    assert got[("hello", 3)]["payload"] == {"purchases": 0}


# ---------------------------------------------------------------------------------------
# 16. Caps: within one run the earlier due time takes the cap (same journey); a rolling
#     cap counts earlier runs' sends inside its span only.
#
# SPEC §3.2 "caps count only sent messages, in journey priority order, then due time,
# then user"; §2.6 "frequency caps ... (rolling or per calendar day ...)";
# docs/journeys.md: "`cap CHANNEL N per D` ... at most `N` in any rolling span `D`
# ending at the run: messages sent at runs `r` with `T - D < r <= T`".

ROLLING_RULES = """
journey double "Two pushes" {
    enter on events where name == "x"
    step late after 1 hours: send push "late_push"
    step early: send push "early_push"
}
journey again "Every y" {
    enter on events where name == "y"
    reenter after 0 days
    step ping: send push "again_push"
}
policy {
    cap push 1 per 24 hours
}
"""


def test_cap_due_time_order_and_rolling_span(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        ROLLING_RULES,
        users=[(1, None), (2, None), (3, None)],
        events=[
            (1, "2026-11-02 10:00:00", "x"),
            (2, "2026-11-02 10:00:00", "y"),
            (2, "2026-11-03 11:00:00", "y"),  # run 11-03 11:59: 11-02 12:00 counts
            (3, "2026-11-02 10:00:00", "y"),
            (3, "2026-11-03 11:59:30", "y"),  # run 11-03 12:00: 11-02 12:00 is out
        ],
    )
    schedule(root, url, ["2026-11-02 09:00", "2026-11-02 12:00", "2026-11-03 11:59",
                         "2026-11-03 12:00"])  # fmt: skip
    assert outbox(root, url) == rows(
        # user 1, run 12:00: `early` (due 10:00) before `late` (due 11:00), whatever
        # their order in the file: early sent, late capped
        ("double", "early", 1, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "early_push", "sent"),
        ("double", "late", 1, "2026-11-02 10:00:00", "2026-11-02 11:00:00",
         "2026-11-02 12:00:00", "push", "late_push", "capped"),
        ("again", "ping", 2, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "again_push", "sent"),
        ("again", "ping", 2, "2026-11-03 11:00:00", "2026-11-03 11:00:00",
         "2026-11-03 11:59:00", "push", "again_push", "capped"),
        ("again", "ping", 3, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "again_push", "sent"),
        ("again", "ping", 3, "2026-11-03 11:59:30", "2026-11-03 11:59:30",
         "2026-11-03 12:00:00", "push", "again_push", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 17. `on weekend between 10:00 and 20:00` (the SPEC's winback step): Sunday 20:00 is
#     outside (end exclusive), so the next allowed instant is the next Saturday 10:00;
#     Sunday 19:59:59 is inside.
#
# SPEC §3.2 "move the due time to the first allowed instant at or after it", "Window ends
# are exclusive (`between 10:00 and 20:00` allows 19:59:59, not 20:00)".

WAKE_RULES = """
journey wake "Weekend wake" {
    enter on events where name == "x"
    step wake on weekend between 10:00 and 20:00: send push "winback_coupon"
}
"""


def test_weekend_window_end_is_exclusive(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        WAKE_RULES,
        users=[(1, None), (2, None), (3, "Not/AZone")],
        events=[
            (1, "2026-11-08 20:00:00", "x"),  # Sun 20:00: outside
            (2, "2026-11-08 19:59:59", "x"),  # Sun 19:59:59: inside
            (3, "2026-11-08 20:00:00", "x"),  # unknown zone: the project's (UTC)
        ],
    )
    schedule(root, url, ["2026-11-08 12:00", "2026-11-08 19:59:59", "2026-11-08 20:00",
                         "2026-11-14 09:00", "2026-11-14 10:00"])  # fmt: skip
    assert outbox(root, url) == rows(
        # user 2 enters at 19:59:59, seen by the 20:00 run: due 19:59:59, but the run at
        # 20:00 is outside the window: it waits for Saturday 11-14 10:00 (run 10:00)
        ("wake", "wake", 2, "2026-11-08 19:59:59", "2026-11-08 19:59:59",
         "2026-11-14 10:00:00", "push", "winback_coupon", "sent"),
        # users 1 and 3: due Sat 11-14 10:00; the 09:00 run is before it
        ("wake", "wake", 1, "2026-11-08 20:00:00", "2026-11-14 10:00:00",
         "2026-11-14 10:00:00", "push", "winback_coupon", "sent"),
        ("wake", "wake", 3, "2026-11-08 20:00:00", "2026-11-14 10:00:00",
         "2026-11-14 10:00:00", "push", "winback_coupon", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 18. Simulation gives exactly what real runs at those instants write.
#
# SPEC §3.2 "Simulation over `[A, B)` with a run every `Δ` gives exactly what a sequence
# of real runs at those instants would write, without touching the real state or
# outbox".


def test_simulation_matches_real_runs(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        INSTANT_RULES,
        users=[(1, None), (2, None), (3, None)],
        events=[
            (1, "2026-11-02 10:00:00", "register"),
            (2, "2026-11-02 09:59:59", "register"),
            (3, "2026-11-02 11:00:00", "register"),
        ],
    )
    simulated = segl("simulate", "hello", "-p", root, "--db", url, "--from",
                     "2026-11-02 10:00", "--to", "2026-11-02 12:30", "--every", "1h",
                     "--format", "jsonl")  # fmt: skip
    assert simulated.returncode == 0, simulated.stdout + simulated.stderr
    assert raw_outbox(root, url) == []  # the real outbox is untouched
    decisions = [json.loads(line) for line in simulated.stdout.splitlines() if line.strip()]
    fields = ("journey", "step", "user", "entry_at", "due_at", "run_at", "status")
    expected = sorted(
        [
            ("hello", "now", 1, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
             "2026-11-02 11:00:00", "sent"),
            ("hello", "later", 1, "2026-11-02 10:00:00", "2026-11-02 11:00:00",
             "2026-11-02 11:00:00", "sent"),
            ("hello", "now", 3, "2026-11-02 11:00:00", "2026-11-02 11:00:00",
             "2026-11-02 12:00:00", "sent"),
            ("hello", "later", 3, "2026-11-02 11:00:00", "2026-11-02 12:00:00",
             "2026-11-02 12:00:00", "sent"),
        ],
        key=str,
    )  # fmt: skip
    assert sorted((tuple(d[k] for k in fields) for d in decisions), key=str) == expected
    schedule(root, url, ["2026-11-02 10:00", "2026-11-02 11:00", "2026-11-02 12:00"])
    real = sorted((tuple(d[k] for k in fields) for d in raw_outbox(root, url)), key=str)
    assert real == expected


# ---------------------------------------------------------------------------------------
# 19. `between` on the days the clocks change in the user's zone: the skipped hour of
#     spring and the repeated hour of autumn, "with real DST rules".
#
# SPEC §3.2 "`between HH:MM and HH:MM` move the due time to the first allowed instant at
# or after it, in the user's time zone (a profile column or the project's), with real
# DST rules"; docs/journeys.md "with the zone's real rules at that instant".
# Berlin, 2026-03-29 01:00 UTC: 02:00 CET jumps to 03:00 CEST (02:00-02:59 never
# happen). 2026-10-25 01:00 UTC: 03:00 CEST falls back to 02:00 CET (02:00-02:59 happen
# twice: 00:00-00:59 UTC, then 01:00-01:59 UTC).

SPRING_RULES = """
journey night "Night owl" {
    enter on events where name == "x"
    step owl between 02:30 and 04:00: send push "owl"
}
"""

AUTUMN_RULES = """
journey night "Night owl" {
    enter on events where name == "x"
    step owl between 02:15 and 02:45: send push "owl"
}
"""


def test_between_on_the_spring_forward_day(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        SPRING_RULES,
        users=[(1, "Europe/Berlin")],
        events=[(1, "2026-03-29 00:00:00", "x")],  # 01:00 CET
    )
    schedule(root, url, ["2026-03-28 12:00", "2026-03-29 00:30", "2026-03-29 01:15",
                         "2026-03-29 01:45"])  # fmt: skip
    # the local clock reads 01:59:59 CET at 00:59:59 UTC and 03:00 CEST at 01:00 UTC:
    # the first instant whose local time is in [02:30, 04:00) is 01:00 UTC; the 01:15
    # UTC run (03:15 CEST, inside) sends it
    assert outbox(root, url) == rows(
        ("night", "owl", 1, "2026-03-29 00:00:00", "2026-03-29 01:00:00",
         "2026-03-29 01:15:00", "push", "owl", "sent"),
    )  # fmt: skip


def test_between_in_the_repeated_hour_of_autumn(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        AUTUMN_RULES,
        users=[(1, "Europe/Berlin"), (2, "Europe/Berlin")],
        events=[
            (1, "2026-10-25 00:30:00", "x"),  # 02:30 CEST: inside
            (2, "2026-10-25 00:50:00", "x"),  # 02:50 CEST: after; 02:15 CET comes next
        ],
    )
    schedule(root, url, ["2026-10-24 12:00", "2026-10-25 00:55", "2026-10-25 01:20",
                         "2026-10-26 01:30"])  # fmt: skip
    assert outbox(root, url) == rows(
        # user 1: due at entry; the 00:55 UTC run is 02:55 CEST, outside: waits; the
        # 01:20 UTC run is 02:20 CET, inside: sent
        ("night", "owl", 1, "2026-10-25 00:30:00", "2026-10-25 00:30:00",
         "2026-10-25 01:20:00", "push", "owl", "sent"),
        # user 2: the next local 02:15 is the same night's second one, 01:15 UTC (not
        # Monday's 02:15 CET = 10-26 01:15 UTC)
        ("night", "owl", 2, "2026-10-25 00:50:00", "2026-10-25 01:15:00",
         "2026-10-25 01:20:00", "push", "owl", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 20. `enter when C` with `reenter after D` enters again at a run where C is still TRUE
#     (not only when it turns TRUE); `exit when C` does not act at the entering run.
#
# SPEC §3.2 "`enter when C` enters at any run where `C` is TRUE and the user may enter,
# not only when `C` turns TRUE", ""`D` has passed" means `previous entry + D <= T`",
# "`exit when C` at the first run after the entering one where `C` is TRUE".
# Also §3.1: an event of a user who is not in the universe makes no entry.

WHEN_RULES = """
tag visits = count(events where name == "visit")
tag purchases = count(orders)
journey again "Visitors" {
    enter when visits >= 1
    reenter after 2 days
    step hi: send sms "hi"
}
journey stop "Stop on purchase" {
    enter when visits >= 1
    exit when purchases >= 1
    step now: send wecom "now"
    step later after 1 days: send wecom "later"
}
journey reg "Registration" {
    enter on events where name == "register"
    exit on orders
    step hello: send push "hello"
}
"""


def test_enter_when_again_and_exit_when_not_at_entering_run(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        WHEN_RULES,
        users=[(1, None), (2, None)],
        events=[
            (1, "2026-10-31 10:00:00", "visit"),
            (2, "2026-11-01 13:00:00", "register"),
            (99, "2026-11-01 13:00:00", "register"),  # not in the users table
        ],
        orders=[
            (1, "2026-10-30 10:00:00"),  # purchases >= 1 already at the entering run
            (2, "2026-11-01 12:30:00"),  # before user 2's registration: no exit
        ],
    )
    schedule(root, url, ["2026-11-01 12:00", "2026-11-02 12:00", "2026-11-03 12:00",
                         "2026-11-04 12:00"])  # fmt: skip
    assert outbox(root, url) == rows(
        # `again`: user 1 enters at the first run (11-01 12:00); 11-02 12:00 < 11-03 12:00
        # (entry + 2 days): no; at 11-03 12:00 C is still TRUE and 2 days have passed
        ("again", "hi", 1, "2026-11-01 12:00:00", "2026-11-01 12:00:00",
         "2026-11-01 12:00:00", "sms", "hi", "sent"),
        ("again", "hi", 1, "2026-11-03 12:00:00", "2026-11-03 12:00:00",
         "2026-11-03 12:00:00", "sms", "hi", "sent"),
        # `stop`: `now` is decided at the entering run (exit when does not act there);
        # the next run exits (purchases >= 1) before `later` (due 11-02 12:00)
        ("stop", "now", 1, "2026-11-01 12:00:00", "2026-11-01 12:00:00",
         "2026-11-01 12:00:00", "wecom", "now", "sent"),
        # `reg`: user 2's order (12:30) precedes the entry (13:00): not an exit; user
        # 99 is in no run's universe
        ("reg", "hello", 2, "2026-11-01 13:00:00", "2026-11-01 13:00:00",
         "2026-11-02 12:00:00", "push", "hello", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 21. `within D` no longer than `after`: by §3.2 such a step could never be sent ("`within
#     D` drops the step (expired) if it cannot be sent before `entry + D`"). segl refuses
#     the rule offline (E0704, exit 1: "rule or data errors", SPEC §4) rather than
#     recording it expired at every entry; the runtime side of "cannot be sent before
#     `entry + D`" is checked by scenario 14 (user 1, expired before its due time).

SHORT_WITHIN_RULES = """
journey late "Too late" {
    enter on events where name == "x"
    step never after 2 hours within 1 hours: send sms "never"
}
"""


def test_within_no_longer_than_after_is_refused(tmp_path: Path) -> None:
    root, url = build(tmp_path, SHORT_WITHIN_RULES, users=[(1, None)])
    checked = segl("check", root)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "E0704 step 'never' can never be sent" in checked.stdout + checked.stderr
    ran = segl("run", root, "--db", url, "--as-of", "2026-11-02 09:00")
    assert ran.returncode == 1, ran.stdout + ran.stderr


# ---------------------------------------------------------------------------------------
# 22. A per-week cap counts Monday to Sunday in the user's zone; the outbox lists the
#     oldest run first.
#
# SPEC §2.6 "frequency caps ... per calendar day, in the user's time zone"; §3 "Week
# starts on Monday"; docs/journeys.md "`per week` ... (week: Monday to Sunday) in the
# user's zone", "`segl show outbox` lists the decisions themselves, oldest run first".

WEEK_RULES = """
journey ping "Ping" {
    enter on events where name == "x"
    reenter after 0 days
    step ping: send push "ping"
}
policy {
    cap push 1 per week
}
"""


def test_weekly_cap_in_the_users_zone(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        WEEK_RULES,
        users=[(1, None), (2, "Asia/Shanghai")],
        events=[
            (1, "2026-11-08 14:00:00", "x"),  # Sun UTC
            (1, "2026-11-08 16:00:00", "x"),  # Sun UTC: same week
            (2, "2026-11-08 14:00:00", "x"),  # Sun 22:00 Shanghai
            (2, "2026-11-08 16:00:00", "x"),  # Mon 00:00 Shanghai: a new week there
        ],
    )
    schedule(root, url, ["2026-11-08 12:00", "2026-11-08 15:00", "2026-11-08 17:00"])
    raw = raw_outbox(root, url)
    assert [d["run_at"] for d in raw] == sorted(d["run_at"] for d in raw)  # type: ignore[type-var]
    assert outbox(root, url) == rows(
        ("ping", "ping", 1, "2026-11-08 14:00:00", "2026-11-08 14:00:00",
         "2026-11-08 15:00:00", "push", "ping", "sent"),
        ("ping", "ping", 1, "2026-11-08 16:00:00", "2026-11-08 16:00:00",
         "2026-11-08 17:00:00", "push", "ping", "capped"),
        ("ping", "ping", 2, "2026-11-08 14:00:00", "2026-11-08 14:00:00",
         "2026-11-08 15:00:00", "push", "ping", "sent"),
        # the 17:00 UTC run is Monday 01:00 in Shanghai: a new calendar week for user 2
        ("ping", "ping", 2, "2026-11-08 16:00:00", "2026-11-08 16:00:00",
         "2026-11-08 17:00:00", "push", "ping", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 23. Holdouts over string (CJK, emoji) user keys; `expired` is decided before `held out`.
#
# SPEC §2 "Identifiers and strings may be any Unicode"; §3.3 `u = int(hex(md5(utf8(salt +
# ":" + user_key)))[0:8], 16) / 2^32`; §3.2 "a single `P%` holdout takes `[0, P)`",
# "for each due step: expired (past `within`), else skipped ..., else held out ...".

CJK_RULES = """
journey 欢迎 "新用户欢迎" {
    enter on events where name == "注册"
    step 问候: send wecom "欢迎模板"
    step 提醒 after 1 hours within 2 hours: send sms "提醒模板"
}
holdout 对照组 20% salt "audit-2026"
"""


def test_holdout_with_unicode_keys(tmp_path: Path) -> None:
    # by hand (hashlib): 用户甲 -> 0.1170, 用户乙 -> 0.9856, 🙂 -> 0.0046: 用户甲 and 🙂
    # are in [0, 0.20), 用户乙 is not
    assert [round(bucket(k, "audit-2026"), 4) for k in ("用户甲", "用户乙", "🙂")] == [
        0.117, 0.9856, 0.0046,
    ]  # fmt: skip
    root, url = build(
        tmp_path,
        CJK_RULES,
        users=[("用户甲", None), ("用户乙", None), ("🙂", None)],  # type: ignore[list-item]
        events=[(k, "2026-11-02 10:00:00", "注册") for k in ("用户甲", "用户乙", "🙂")],  # type: ignore[misc]
        key_type="VARCHAR",
    )
    schedule(root, url, ["2026-11-02 09:00", "2026-11-02 10:30", "2026-11-02 13:00"])
    assert outbox(root, url) == rows(
        # 10:30: 问候 (due 10:00) decided: held out for 用户甲 and 🙂, sent for 用户乙
        ("欢迎", "问候", "用户甲", "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 10:30:00", "wecom", "欢迎模板", "held_out"),
        ("欢迎", "问候", "用户乙", "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 10:30:00", "wecom", "欢迎模板", "sent"),
        ("欢迎", "问候", "🙂", "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 10:30:00", "wecom", "欢迎模板", "held_out"),
        # 13:00 >= 10:00 + 2 h: 提醒 (due 11:00) expired for everyone, held out or not
        ("欢迎", "提醒", "用户甲", "2026-11-02 10:00:00", "2026-11-02 11:00:00",
         "2026-11-02 13:00:00", "sms", "提醒模板", "expired"),
        ("欢迎", "提醒", "用户乙", "2026-11-02 10:00:00", "2026-11-02 11:00:00",
         "2026-11-02 13:00:00", "sms", "提醒模板", "expired"),
        ("欢迎", "提醒", "🙂", "2026-11-02 10:00:00", "2026-11-02 11:00:00",
         "2026-11-02 13:00:00", "sms", "提醒模板", "expired"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 24. A project zone other than UTC: outbox times are wall-clock times in it, an as-of
#     with an offset is read in it, a user without a zone uses it, a user in UTC gets the
#     weekend of UTC.
#
# SPEC §3 "the project's time zone (`segl.toml` at the project root ...). Timestamps in
# the warehouse are read as local time in that zone"; §2.5 "a null ... zone falls back to
# the project's"; docs/journeys.md "times as `YYYY-MM-DD HH:MM:SS` in the project's zone",
# "An as-of with an offset is read in the project's zone".


def test_project_zone_shanghai(tmp_path: Path) -> None:
    toml = '[project]\nname = "audit"\ntimezone = "Asia/Shanghai"\n'
    root, url = build(
        tmp_path,
        WEEKEND_RULES,
        users=[(1, None), (2, "UTC")],
        events=[
            (1, "2026-11-07 01:00:00", "browse"),  # Sat 01:00 Shanghai
            (2, "2026-11-07 01:00:00", "browse"),  # = Fri 17:00 UTC
        ],
        toml=toml,
    )
    # the second as-of is 2026-11-07 02:00 in Shanghai
    schedule(root, url, ["2026-11-06 12:00", "2026-11-06T18:00:00Z", "2026-11-07 09:00"])
    assert outbox(root, url) == rows(
        ("weekend_promo", "promo", 1, "2026-11-07 01:00:00", "2026-11-07 01:00:00",
         "2026-11-07 02:00:00", "push", "weekend_promo", "sent"),
        # Saturday 00:00 UTC = 08:00 Shanghai; the 02:00 run is Friday 18:00 UTC: waits
        ("weekend_promo", "promo", 2, "2026-11-07 01:00:00", "2026-11-07 08:00:00",
         "2026-11-07 09:00:00", "push", "weekend_promo", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 25. A journey switched on after the project has been running: events before the
#     journey's own first run never create entries.
#
# SPEC §3.2 "Events before the journey's first run never create entries (no flood when a
# journey is switched on)".


def test_journey_switched_on_later(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        "tag n = count(events)\n",
        users=[(1, None), (2, None), (3, None)],
        events=[
            (1, "2026-11-02 08:00:00", "register"),  # before any run
            (2, "2026-11-02 10:30:00", "register"),  # after the project's first run,
            # before the journey's first run (11:00)
            (3, "2026-11-02 11:30:00", "register"),  # after the journey's first run
        ],
    )
    run(root, url, "2026-11-02 10:00")  # no journey yet
    (root / "rules.segl").write_text(SOURCES + "tag n = count(events)\n" + INSTANT_RULES)
    schedule(root, url, ["2026-11-02 11:00", "2026-11-02 13:00"])
    assert outbox(root, url) == rows(
        ("hello", "now", 3, "2026-11-02 11:30:00", "2026-11-02 11:30:00",
         "2026-11-02 13:00:00", "wecom", "hello_now", "sent"),
        ("hello", "later", 3, "2026-11-02 11:30:00", "2026-11-02 12:30:00",
         "2026-11-02 13:00:00", "sms", "hello_later", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 26. Quiet hours and a `between` window together: the due time is the first instant
#     allowed by both; and without `reenter` a user enters once ever, even after an exit.
#
# SPEC §3.2 "`between HH:MM and HH:MM` move the due time to the first allowed instant at
# or after it ... Quiet hours move it to the end of the quiet period", "never sent outside
# its window"; "Without `reenter`, a user enters a journey once ever".

QUIET_WINDOW_RULES = """
journey evening "Evening" {
    enter on events where name == "x"
    exit on orders
    step eve between 21:00 and 23:00: send sms "evening"
}
policy {
    quiet 22:00 to 08:00
}
"""


def test_quiet_hours_inside_a_window_and_once_ever(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        QUIET_WINDOW_RULES,
        users=[(1, None), (2, None)],
        events=[
            (1, "2026-11-02 22:30:00", "x"),  # in the window but quiet
            (2, "2026-11-02 12:00:00", "x"),
            (2, "2026-11-03 12:00:00", "x"),  # after the exit: no second entry
        ],
        orders=[(2, "2026-11-02 13:00:00")],
    )
    schedule(root, url, ["2026-11-02 10:00", "2026-11-02 23:00", "2026-11-03 21:30",
                         "2026-11-03 22:30", "2026-11-04 21:30"])  # fmt: skip
    assert outbox(root, url) == rows(
        # user 1: 22:30 is quiet; the end of the quiet hours (08:00) is outside the
        # window: the first instant allowed by both is 11-03 21:00 (run 21:30)
        ("evening", "eve", 1, "2026-11-02 22:30:00", "2026-11-03 21:00:00",
         "2026-11-03 21:30:00", "sms", "evening", "sent"),
        # user 2: entered at 12:00, exited at 13:00 (before 21:00), never again
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 27. `with a, b = expr`: per-user values as of the send in the payload; message ids are
#     deterministic (docs/journeys.md: "the first 32 hex digits of sha256 over `project,
#     journey, user, entry time, step` joined by NUL").
#
# SPEC §2.6 "`with a, b = expr` puts per-user values (tags, as of the send) into the
# message payload"; §3.2 "written to the outbox with a deterministic message id".

PAYLOAD_RULES = """
tag purchases = count(orders)
journey thanks "Thanks" {
    enter on orders
    step thank after 1 hours: send wecom "thanks" with purchases, doubled = purchases * 2
}
"""


def test_payload_values_as_of_the_send_and_message_id(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        PAYLOAD_RULES,
        users=[(1, None)],
        orders=[
            (1, "2026-11-02 10:00:00"),
            (1, "2026-11-02 10:30:00"),
            (1, "2026-11-02 11:59:59"),
            (1, "2026-11-02 12:00:00"),
        ],
    )
    schedule(root, url, ["2026-11-02 09:00", "2026-11-02 10:45", "2026-11-02 12:00"])
    [decision] = raw_outbox(root, url)
    # entry at 10:00 (the 10:30 order is ignored: active entry); sent at 12:00, when the
    # orders before 12:00 are three (12:00:00 is invisible)
    assert (decision["entry_at"], decision["due_at"], decision["run_at"]) == (
        "2026-11-02 10:00:00", "2026-11-02 11:00:00", "2026-11-02 12:00:00",
    )  # fmt: skip
    assert decision["payload"] == {"purchases": 3, "doubled": 6}
    parts = ["audit", "thanks", "1", "2026-11-02 10:00:00", "thank"]
    assert decision["message_id"] == hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


# ---------------------------------------------------------------------------------------
# 28. Caps count only sent messages: a message held out (a journey's own holdout) or
#     skipped does not use up the cap for a lower-priority journey.
#
# SPEC §3.2 "caps count only sent messages, in journey priority order", order "skipped
# ..., else held out ..., else capped, else sent"; docs/journeys.md "`holdout NAME P% salt
# "S"` ... inside a journey: that journey only".

ONLY_SENT_RULES = """
tag vip = count(events where name == "vip")
journey first "First" {
    enter on events where name == "x"
    step go: send push "first_push" if vip >= 1
    holdout first_control 25% salt "audit-2026"
}
journey second "Second" {
    enter on events where name == "x"
    step go: send push "second_push"
}
policy {
    cap push 1 per day
    priority first, second
}
"""


def test_caps_count_only_sent_messages(tmp_path: Path) -> None:
    # buckets (scenario 10): user 1 0.2343 and 4 0.0260 are in first_control; 2, 3 not
    events = [(u, "2026-11-02 10:00:00", "x") for u in (1, 2, 3)]
    events += [(u, "2026-11-02 09:00:00", "vip") for u in (1, 2)]
    root, url = build(tmp_path, ONLY_SENT_RULES, users=[(1, None), (2, None), (3, None)],
                      events=events)  # fmt: skip
    schedule(root, url, ["2026-11-02 09:30", "2026-11-02 12:00"])
    assert outbox(root, url) == rows(
        # user 1: vip, held out of `first`: `second` still gets the day's push
        ("first", "go", 1, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "first_push", "held_out"),
        ("second", "go", 1, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "second_push", "sent"),
        # user 2: vip, not held out: `first` takes the cap, `second` is capped
        ("first", "go", 2, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "first_push", "sent"),
        ("second", "go", 2, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "second_push", "capped"),
        # user 3: not vip: `first` skipped, `second` sent
        ("first", "go", 3, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "first_push", "skipped"),
        ("second", "go", 3, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "second_push", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 29. Simulation against real runs on a project mixing every policy: user zones, weekend
#     windows, quiet hours, `within`, exits, caps with priority and a holdout, over an
#     irregular 7-hour cadence.
#
# SPEC §3.2 "Simulation over `[A, B)` with a run every `Δ` gives exactly what a sequence
# of real runs at those instants would write, without touching the real state or outbox."

MIXED_RULES = """
tag purchases = count(orders)
journey onboarding "Onboarding" {
    enter on events where name == "register"
    exit on orders
    step welcome after 1 hours: send push "welcome"
    step weekend on weekend between 10:00 and 20:00: send push "weekend"
    step nudge after 2 days within 3 days: send sms "nudge" if purchases == 0
}
journey thanks "Thanks" {
    enter on orders
    reenter after 0 days
    step thank_you within 24 hours: send push "thanks" with purchases
}
holdout control 10% salt "audit-2026"
policy {
    quiet 22:00 to 08:00
    cap push 1 per day
    priority thanks, onboarding
}
"""


def test_simulation_matches_real_runs_on_a_mixed_project(tmp_path: Path) -> None:
    users = [(1, "Asia/Shanghai"), (2, None), (3, "America/Los_Angeles"), (4, "Europe/Berlin"),
             (9, None)]  # fmt: skip
    events = [
        (1, "2026-11-05 03:00:00", "register"),
        (2, "2026-11-05 09:00:00", "register"),
        (3, "2026-11-05 20:00:00", "register"),
        (4, "2026-11-06 16:00:00", "register"),
        (9, "2026-11-05 09:00:00", "register"),  # bucket 0.1130: not in the 10%
    ]
    orders = [(2, "2026-11-06 12:00:00"), (3, "2026-11-05 21:00:00"),
              (4, "2026-11-07 09:00:00"), (4, "2026-11-08 09:00:00")]  # fmt: skip
    root, url = build(tmp_path, MIXED_RULES, users, events, orders)
    simulated = segl("simulate", "onboarding", "thanks", "-p", root, "--db", url, "--from",
                     "2026-11-05 00:00", "--to", "2026-11-09 00:00", "--every", "7h",
                     "--format", "jsonl")  # fmt: skip
    assert simulated.returncode == 0, simulated.stdout + simulated.stderr
    sim = [json.loads(line) for line in simulated.stdout.splitlines() if line.strip()]
    fields = ("journey", "step", "user", "entry_at", "due_at", "run_at", "status")
    instants = ["2026-11-05 00:00", "2026-11-05 07:00", "2026-11-05 14:00", "2026-11-05 21:00",
                "2026-11-06 04:00", "2026-11-06 11:00", "2026-11-06 18:00", "2026-11-07 01:00",
                "2026-11-07 08:00", "2026-11-07 15:00", "2026-11-07 22:00", "2026-11-08 05:00",
                "2026-11-08 12:00", "2026-11-08 19:00"]  # fmt: skip
    schedule(root, url, instants)
    real = raw_outbox(root, url)
    assert sorted((tuple(d[k] for k in fields) for d in sim), key=str) == sorted(
        (tuple(d[k] for k in fields) for d in real), key=str
    )
    # by hand: buckets (salt "audit-2026") 1 0.234, 2 0.772, 3 0.736, 4 0.026, 9 0.113:
    # only user 4 is in the 10% holdout. 11-05 is a Thursday.
    assert sorted(
        ((*(d[k] for k in KEYS), d["payload"]) for d in real), key=str
    ) == sorted([
        # user 1 (Shanghai): enters 03:00 (run 07:00); welcome due 04:00 (12:00 local),
        # sent at 07:00 (15:00 local)
        ("onboarding", "welcome", 1, "2026-11-05 03:00:00", "2026-11-05 04:00:00",
         "2026-11-05 07:00:00", "push", "welcome", "sent", {}),
        # weekend: Sat 10:00 Shanghai = 11-07 02:00 UTC; the 01:00 run is before it, the
        # 08:00 run (16:00 local) sends it: the only push of 11-07 in Shanghai
        ("onboarding", "weekend", 1, "2026-11-05 03:00:00", "2026-11-07 02:00:00",
         "2026-11-07 08:00:00", "push", "weekend", "sent", {}),
        # nudge: due 11-07 03:00 (11:00 local), no order: sent by the same run
        ("onboarding", "nudge", 1, "2026-11-05 03:00:00", "2026-11-07 03:00:00",
         "2026-11-07 08:00:00", "sms", "nudge", "sent", {}),
        # user 2 (UTC): welcome sent at 14:00; the order at 11-06 12:00 exits onboarding
        # and enters thanks in the 11-06 18:00 run: thank_you is the day's first push
        ("onboarding", "welcome", 2, "2026-11-05 09:00:00", "2026-11-05 10:00:00",
         "2026-11-05 14:00:00", "push", "welcome", "sent", {}),
        ("thanks", "thank_you", 2, "2026-11-06 12:00:00", "2026-11-06 12:00:00",
         "2026-11-06 18:00:00", "push", "thanks", "sent", {"purchases": 1}),
        # user 9 (UTC, bucket 0.113: not held out): welcome at 14:00, then on Saturday
        # weekend (due 10:00) and nudge (due 09:00) at the 15:00 run
        ("onboarding", "welcome", 9, "2026-11-05 09:00:00", "2026-11-05 10:00:00",
         "2026-11-05 14:00:00", "push", "welcome", "sent", {}),
        ("onboarding", "weekend", 9, "2026-11-05 09:00:00", "2026-11-07 10:00:00",
         "2026-11-07 15:00:00", "push", "weekend", "sent", {}),
        ("onboarding", "nudge", 9, "2026-11-05 09:00:00", "2026-11-07 09:00:00",
         "2026-11-07 15:00:00", "sms", "nudge", "sent", {}),
        # user 3 (Los Angeles): welcome due 21:00 == the run; the order at 21:00:00 is
        # invisible to it, then exits onboarding and enters thanks at the 11-06 04:00 run
        # (11-05 20:00 in LA): the LA day 11-05 already had the welcome push: capped
        ("onboarding", "welcome", 3, "2026-11-05 20:00:00", "2026-11-05 21:00:00",
         "2026-11-05 21:00:00", "push", "welcome", "sent", {}),
        ("thanks", "thank_you", 3, "2026-11-05 21:00:00", "2026-11-05 21:00:00",
         "2026-11-06 04:00:00", "push", "thanks", "capped", {"purchases": 1}),
        # user 4 (Berlin, held out): welcome held out; the order at 11-07 09:00 (the
        # weekend step's due time, Sat 10:00 Berlin) exits before the 15:00 run decides
        # it; thanks twice (reenter after 0 days, the first entry ended at 11-07 15:00)
        ("onboarding", "welcome", 4, "2026-11-06 16:00:00", "2026-11-06 17:00:00",
         "2026-11-06 18:00:00", "push", "welcome", "held_out", {}),
        ("thanks", "thank_you", 4, "2026-11-07 09:00:00", "2026-11-07 09:00:00",
         "2026-11-07 15:00:00", "push", "thanks", "held_out", {"purchases": 1}),
        ("thanks", "thank_you", 4, "2026-11-08 09:00:00", "2026-11-08 09:00:00",
         "2026-11-08 12:00:00", "push", "thanks", "held_out", {"purchases": 2}),
    ], key=str)  # fmt: skip


# ---------------------------------------------------------------------------------------
# 30. An exit takes effect at the exit event's time: an entry event after it (with
#     `reenter after 0 days`) is not "while the user has an active entry".
#
# SPEC §3.2 "`exit on S` ends the entry at the first matching event strictly after the
# entry's time", "`reenter after D` allows a new entry once the previous one has ended
# and `D` has passed since it began", "An entry event while the user has an active entry
# is ignored (not queued)", ""`D` has passed" means `previous entry + D <= T`".

EXIT_REENTER_RULES = """
journey loop "Loop" {
    enter on events where name == "go"
    reenter after 0 days
    exit on events where name == "stop"
    step tick after 1 days: send sms "tick"
}
"""


def test_entry_event_after_an_exit_event(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        EXIT_REENTER_RULES,
        users=[(1, None), (2, None)],
        events=[
            (1, "2026-11-02 10:00:00", "go"),  # entry (run 11:00)
            (1, "2026-11-02 11:10:00", "stop"),  # ends it at 11:10
            (1, "2026-11-02 11:20:00", "go"),  # no active entry at 11:20: a new entry
            # user 2: all three in the 11:00 run's interval
            (2, "2026-11-02 10:00:00", "go"),
            (2, "2026-11-02 10:10:00", "stop"),
            (2, "2026-11-02 10:20:00", "go"),
        ],
    )
    schedule(root, url, ["2026-11-02 09:00", "2026-11-02 11:00", "2026-11-02 12:00",
                         "2026-11-03 12:00"])  # fmt: skip
    # SPEC §3.2 "Order within a run: entries, then exits, then due steps" (segl's
    # reading, docs/journeys.md): a run takes each user's first entry event of its
    # interval while the previous entry still counts as active, then the exits; so the
    # second "go" of the same interval is ignored (not queued), and the exits leave
    # nothing to send. (Read by the events' times alone, 11:20 and 10:20 would be new
    # entries: the SPEC's order within a run decides it.)
    assert outbox(root, url) == []
    shown = segl("show", "journey", "loop", str(root), "--db", url)
    assert shown.returncode == 0, shown.stderr
    assert "entries    2 made: 0 active, 2 exited, 0 completed" in shown.stdout


# ---------------------------------------------------------------------------------------
# 31. A holdout's assignment is sticky: changing its share later does not move users who
#     were already assigned (the salt is unchanged).
#
# SPEC §2.8 (Experiments and holdouts) "Assignment is deterministic and identical on
# every engine and in Python (§3.3), written once and then sticky"; §3.3 (Experiment and
# holdout assignment) "An assignment is written the first time a user is in the
# population and never changes afterwards (sticky), even if the population or weights
# change; changing the salt is a new experiment."

STICKY_RULES = """
journey thanks "Thanks" {
    enter on orders
    reenter after 0 days
    step thank: send wecom "thanks"
}
"""


def test_holdout_assignment_is_sticky(tmp_path: Path) -> None:
    # buckets (salt "audit-2026"): user 1 -> 0.2343, user 8 -> 0.2759
    root, url = build(
        tmp_path,
        STICKY_RULES + 'holdout control 25% salt "audit-2026"\n',
        users=[(1, None), (8, None)],
        orders=[(u, day) for u in (1, 8) for day in
                ("2026-11-02 10:00:00", "2026-11-03 10:00:00", "2026-11-04 10:00:00")],
    )  # fmt: skip
    schedule(root, url, ["2026-11-02 09:00", "2026-11-02 12:00"])
    # at 25%: user 1 (0.2343) is held out, user 8 (0.2759) is not
    rules = root / "rules.segl"
    rules.write_text(rules.read_text().replace("25%", "20%"))
    run(root, url, "2026-11-03 12:00")  # sticky: user 1 stays held out
    rules.write_text(rules.read_text().replace("20%", "30%"))
    run(root, url, "2026-11-04 12:00")  # sticky: user 8 stays outside the holdout
    got = [(u, run_at[:10], status) for (_, _, u, _, _, run_at, _, _, status) in
           outbox(root, url)]  # fmt: skip
    assert sorted(got) == [
        (1, "2026-11-02", "held_out"),
        (1, "2026-11-03", "held_out"),
        (1, "2026-11-04", "held_out"),
        (8, "2026-11-02", "sent"),
        (8, "2026-11-03", "sent"),
        (8, "2026-11-04", "sent"),
    ]


# ---------------------------------------------------------------------------------------
# 32. An `if` that is NULL is not TRUE (skipped); a null tag in the payload is null; a
#     cap across channels (`cap all`) and a channel cap both apply.
#
# SPEC §3 "Missing values: SQL three-valued logic"; §3.2 "Its `if` condition is
# evaluated as of that run (false: recorded as skipped ...)", order "skipped (`if` not
# TRUE)"; §2.6 "frequency caps per channel or across channels".

NULL_IF_RULES = """
tag last_buy = max(orders.ts)
journey recall "Recall" {
    enter on events where name == "x"
    step check: send sms "recall" if days_since(last_buy) >= 1
    step info: send wecom "info" with last_buy
}
journey extra "Extra" {
    enter on events where name == "x"
    step one: send push "extra_push"
    step two: send banner "extra_banner"
}
policy {
    cap all 2 per day
    priority recall, extra
}
"""


def test_null_if_payload_and_cap_all(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        NULL_IF_RULES,
        users=[(1, None), (2, None)],
        events=[(1, "2026-11-02 10:00:00", "x"), (2, "2026-11-02 10:00:00", "x")],
        orders=[(2, "2026-10-01 08:00:00")],
    )
    schedule(root, url, ["2026-11-02 09:00", "2026-11-02 12:00"])
    got = raw_outbox(root, url)
    assert outbox(root, url) == rows(
        # user 1 never bought: days_since(null) is null, the `if` is not TRUE: skipped;
        # its `info` is the first message of the day, extra's `one` the second (due
        # times equal: step order within the journey), `two` is capped by `cap all`
        ("recall", "check", 1, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "sms", "recall", "skipped"),
        ("recall", "info", 1, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "wecom", "info", "sent"),
        ("extra", "one", 1, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "extra_push", "sent"),
        ("extra", "two", 1, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "banner", "extra_banner", "capped"),
        # user 2: recall's two messages take the day's two: both of extra's are capped
        ("recall", "check", 2, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "sms", "recall", "sent"),
        ("recall", "info", 2, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "wecom", "info", "sent"),
        ("extra", "one", 2, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "push", "extra_push", "capped"),
        ("extra", "two", 2, "2026-11-02 10:00:00", "2026-11-02 10:00:00",
         "2026-11-02 12:00:00", "banner", "extra_banner", "capped"),
    )  # fmt: skip
    payloads = {(d["step"], d["user"]): d["payload"] for d in got if d["step"] == "info"}
    assert payloads == {("info", 1): {"last_buy": None},
                        ("info", 2): {"last_buy": "2026-10-01 08:00:00"}}  # fmt: skip


# ---------------------------------------------------------------------------------------
# 33. Days, windows and quiet hours combined, in the user's zone: `on weekend` with quiet
#     hours wrapping midnight, and `on weekdays between` for a user ahead of UTC.
#
# SPEC §3.2 "`on weekend`, `on weekdays`, `between HH:MM and HH:MM` move the due time to
# the first allowed instant at or after it, in the user's time zone ... Quiet hours move
# it to the end of the quiet period."

COMBINED_RULES = """
journey sat "Weekend" {
    enter on events where name == "w"
    step go on weekend: send push "weekend"
}
journey work "Office hours" {
    enter on events where name == "d"
    step go on weekdays between 09:00 and 18:00: send wecom "office"
}
policy {
    quiet 22:00 to 08:00
}
"""


def test_days_windows_and_quiet_hours_combined(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        COMBINED_RULES,
        users=[(1, None), (2, None), (3, "Asia/Shanghai")],
        events=[
            (1, "2026-11-06 23:00:00", "w"),  # Fri 23:00: weekend from Sat 00:00, quiet
            (2, "2026-11-08 23:00:00", "w"),  # Sun 23:00: quiet until Mon 08:00
            (3, "2026-11-06 20:00:00", "d"),  # Fri UTC = Sat 04:00 Shanghai
        ],
    )
    schedule(root, url, ["2026-11-06 12:00", "2026-11-07 07:00", "2026-11-07 09:00",
                         "2026-11-09 00:30", "2026-11-09 02:00", "2026-11-14 08:30"])  # fmt: skip
    assert outbox(root, url) == rows(
        # user 1: Sat 00:00 is in the quiet hours: Sat 08:00; the 07:00 run is before it
        ("sat", "go", 1, "2026-11-06 23:00:00", "2026-11-07 08:00:00",
         "2026-11-07 09:00:00", "push", "weekend", "sent"),
        # user 2: Sunday 23:00 is quiet until Monday 08:00, not the weekend: Sat 11-14
        # 08:00
        ("sat", "go", 2, "2026-11-08 23:00:00", "2026-11-14 08:00:00",
         "2026-11-14 08:30:00", "push", "weekend", "sent"),
        # user 3: Saturday 04:00 in Shanghai: Monday 09:00 there = Monday 01:00 UTC; the
        # 00:30 run (08:30 local) is before it, the 02:00 run (10:00 local) sends it
        ("work", "go", 3, "2026-11-06 20:00:00", "2026-11-09 01:00:00",
         "2026-11-09 02:00:00", "wecom", "office", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 34. Event times whose type carries a zone (TIMESTAMPTZ) in a project whose zone is not
#     UTC: entries, due times and the outbox are wall-clock times in the project's zone.
#
# SPEC §3 "Timestamps in the warehouse are read as local time in that zone unless their
# type carries a zone"; docs/journeys.md "times as `YYYY-MM-DD HH:MM:SS` in the project's
# zone".


def test_zoned_event_times(tmp_path: Path) -> None:
    toml = '[project]\nname = "audit"\ntimezone = "Asia/Shanghai"\n'
    root, url = build(tmp_path, WEEKEND_RULES, users=[(1, None), (2, "UTC")], toml=toml)
    con = duckdb.connect(url.removeprefix("duckdb:///"))
    try:
        con.execute("DROP TABLE events")
        con.execute("CREATE TABLE events (user_id BIGINT, ts TIMESTAMPTZ, name VARCHAR)")
        con.execute(
            "INSERT INTO events VALUES"
            " (1, CAST('2026-11-06 17:00:00+00:00' AS TIMESTAMPTZ), 'browse'),"
            " (2, CAST('2026-11-06 17:00:00+00:00' AS TIMESTAMPTZ), 'browse')"
        )
    finally:
        con.close()
    schedule(root, url, ["2026-11-06 12:00", "2026-11-07 02:00", "2026-11-07 09:00"])
    assert outbox(root, url) == rows(
        # 17:00 UTC is 01:00 Saturday in Shanghai: user 1 (project zone) is due at entry
        ("weekend_promo", "promo", 1, "2026-11-07 01:00:00", "2026-11-07 01:00:00",
         "2026-11-07 02:00:00", "push", "weekend_promo", "sent"),
        # user 2 (UTC): Friday 17:00 there; due Saturday 00:00 UTC = 08:00 Shanghai
        ("weekend_promo", "promo", 2, "2026-11-07 01:00:00", "2026-11-07 08:00:00",
         "2026-11-07 09:00:00", "push", "weekend_promo", "sent"),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 37. The outbox lists number keys in numeric order, and an entry's steps in the order
#     they fall due (docs/cli.md "segl show outbox": oldest run first, then journey,
#     user, entry, due time and step).


def test_number_keys_are_listed_in_numeric_order(tmp_path: Path) -> None:
    root, url = build(
        tmp_path,
        INSTANT_RULES,
        users=[(10, None), (2, None), (1, None)],
        events=[(u, "2026-11-02 10:00:00", "register") for u in (10, 2, 1)],
    )
    schedule(root, url, ["2026-11-02 09:00", "2026-11-02 12:00"])
    listed = [(d["step"], d["user"]) for d in raw_outbox(root, url)]
    assert [user for _, user in listed] == [1, 1, 2, 2, 10, 10]
    assert [step for step, _ in listed] == ["now", "later"] * 3  # due 10:00, then 11:00

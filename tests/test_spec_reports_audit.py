"""Conformance audit of funnels, retention, reports and experiments against SPEC §2.7,
§2.8 and §3.3-3.6, written from the SPEC alone: small hand-made warehouses (a few users
and events, built with the duckdb package), run through `segl report NAME PROJECT --db
duckdb:///FILE --as-of ... --format json`, compared with numbers worked out by hand in
the comments (never with the reference evaluator). Times are wall-clock times in the
project's zone (UTC unless the scenario's segl.toml says otherwise)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import Result

Cli = Callable[..., Result]
D = dt.datetime

SOURCES = """\
source users from table "users" key user_id {
    user_id: string
    city: string
}
source events from table "events" user user_id time ts {
    name: string
    channel: string
}
source orders from table "orders" user user_id time paid_at {
    amount: number
    store: string
}
"""

DDL = {
    "users": "user_id VARCHAR, city VARCHAR",
    "events": "user_id VARCHAR, ts TIMESTAMP, name VARCHAR, channel VARCHAR",
    "orders": "user_id VARCHAR, paid_at TIMESTAMP, amount DOUBLE, store VARCHAR",
}


def _project(
    write_project: Callable[..., Path],
    tmp_path: Path,
    rules: str,
    events: Sequence[tuple[Any, ...]] = (),
    orders: Sequence[tuple[Any, ...]] = (),
    users: list[tuple[Any, ...]] | None = None,
    zone: str | None = None,
    ddl: dict[str, str] | None = None,
) -> tuple[Path, str]:
    """A project (SOURCES + rules) and a DuckDB file holding its three tables. Without
    `users`, every user named in events or orders is a user with a null city."""
    toml = f'[project]\nname = "audit"\ntimezone = "{zone}"\n' if zone else ""
    root = write_project({"rules.segl": SOURCES + rules, "segl.toml": toml})
    if users is None:
        names = sorted({row[0] for row in [*events, *orders]})
        users = [(name, None) for name in names]
    path = (tmp_path / "wh.duckdb").resolve()
    con = duckdb.connect(str(path))
    try:
        for table, columns in {**DDL, **(ddl or {})}.items():
            con.execute(f"CREATE TABLE {table} ({columns})")
        if users:
            con.executemany("INSERT INTO users VALUES (?, ?)", users)
        if events:
            con.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", events)
        if orders:
            con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", orders)
    finally:
        con.close()
    return root, f"duckdb:///{path}"


def _report(cli: Cli, root: Path, url: str, name: str, *extra: str) -> dict[str, Any]:
    ran = cli("report", name, str(root), "--db", url, *extra, "--format", "json")
    assert ran.code == 0, ran.output
    results: list[dict[str, Any]] = json.loads(ran.out)
    assert [r["name"] for r in results] == [name]
    return results[0]


def _steps(group: dict[str, Any]) -> list[tuple[str, int, Any, Any, Any]]:
    return [
        (
            s["name"],
            s["users"],
            s["rate_from_first"],
            s["rate_from_previous"],
            s["median_seconds_from_previous"],
        )
        for s in group["steps"]
    ]


def _close(got: Any, want: Any) -> bool:
    if isinstance(want, float) and got is not None:
        return bool(got == pytest.approx(want, rel=1e-9, abs=1e-12))
    return bool(got == want)


def _assert_steps(got: list[tuple[Any, ...]], want: list[tuple[Any, ...]]) -> None:
    assert len(got) == len(want), got
    for g, w in zip(got, want, strict=True):
        assert all(_close(a, b) for a, b in zip(g, w, strict=True)), (got, want)


def _cohorts(result: dict[str, Any]) -> list[tuple[str, int, list[Any]]]:
    return [(c["cohort"], c["size"], c["retained"]) for c in result["cohorts"]]


# --------------------------------------------------------------------------------------
# Funnels (SPEC §3.4)
# --------------------------------------------------------------------------------------

FUNNEL_F = """
funnel f "a, b, c" within 3 days {
    step a: events where name == "a"
    step b: events where name == "b" within 1 day
    step c: orders
}
"""


def _ev(user: str, ts: dt.datetime, name: str, channel: str | None = "x") -> tuple[Any, ...]:
    return (user, ts, name, channel)


def _order(user: str, ts: dt.datetime, amount: float | None = 1.0, store: str | None = "s"):
    return (user, ts, amount, store)


def test_funnel_boundaries_ties_windows_censoring(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """Entry range [2026-10-01, 2026-10-10), as-of 2026-10-11 00:00, UTC.

    SPEC §3.4: "The entry range `[from, to)` ... bounds the first step only; later steps
    are counted up to the window's end or the as-of"; "`t(e[i+1]) >= t(e[i])`, every
    `t(e[i]) < t(e1) + within(funnel)`, and `t(e[i]) < t(e[i-1]) + within(step i)`";
    "A user is counted once, at the furthest step of any chain"; "A user who has not
    reached the last step while the window of one of their entries is still open at the
    as-of is counted where they stand and reported as censored." §3: "Events at or after
    `as_of` are invisible".

    u1: a 10-01 00:00 (exactly --from: in), b 10-02 00:00 = a + 1 day exactly, not
        `< a + 1 day`: reaches a. Window [10-01, 10-04) closed: not censored.
    u2: a 10-10 00:00 (exactly --to: not an entry) -> not counted at all.
    u3: a, b and the order all at 10-05 12:00 (ties are `>=`): reaches c.
    u4: a 10-03 00:00, b 10-03 06:00, order 10-06 00:00 = a + 3 days exactly (not
        `<`): reaches b. Window closed at 10-06: not censored.
    u5: a 10-09 00:00, b 10-09 01:00: reaches b; window [10-09, 10-12) open at the
        as-of: censored.
    u6: enters twice: a 10-02 00:00 (its b is 5 days later: dead), a 10-07 00:00,
        b 10-07 10:00, order 10-09 00:00: reaches c via the second entry, counted once.
    u7: a 09-30 23:59:59 (before --from), b 10-01 01:00: not an entry.
    u8: a 10-08 12:00, b 10-08 13:00, order 10-11 00:00 (= as-of: invisible): reaches b,
        window ends 10-11 12:00 > as-of: censored.
    u9: a 10-08 00:00 only: reaches a; its window [10-08, 10-11) ends exactly at the
        as-of, so it is not open at the as-of: not censored.

    Steps: a 7 (u1 u3 u4 u5 u6 u8 u9), b 5 (u3 u4 u5 u6 u8), c 2 (u3 u6).
    rate_from_first 1, 5/7, 2/7; rate_from_previous null, 5/7, 2/5. Censored 2 (u5, u8).
    Median b - a over the 5 users at b, in each user's earliest-completing furthest
    chain: u3 0, u4 21600, u5 3600, u6 36000 (a 10-07 -> b 10-07 10:00), u8 3600
    -> 3600. Median c - b over u3 (0) and u6 (10-09 00:00 - 10-07 10:00 = 136800)
    -> 68400.
    """
    events = [
        _ev("u1", D(2026, 10, 1), "a"),
        _ev("u1", D(2026, 10, 2), "b"),
        _ev("u2", D(2026, 10, 10), "a"),
        _ev("u2", D(2026, 10, 10, 1), "b"),
        _ev("u3", D(2026, 10, 5, 12), "a"),
        _ev("u3", D(2026, 10, 5, 12), "b"),
        _ev("u4", D(2026, 10, 3), "a"),
        _ev("u4", D(2026, 10, 3, 6), "b"),
        _ev("u5", D(2026, 10, 9), "a"),
        _ev("u5", D(2026, 10, 9, 1), "b"),
        _ev("u6", D(2026, 10, 2), "a"),
        _ev("u6", D(2026, 10, 7), "a"),
        _ev("u6", D(2026, 10, 7, 10), "b"),
        _ev("u7", D(2026, 9, 30, 23, 59, 59), "a"),
        _ev("u7", D(2026, 10, 1, 1), "b"),
        _ev("u8", D(2026, 10, 8, 12), "a"),
        _ev("u8", D(2026, 10, 8, 13), "b"),
        _ev("u9", D(2026, 10, 8), "a"),
    ]
    orders = [
        _order("u3", D(2026, 10, 5, 12)),
        _order("u4", D(2026, 10, 6)),
        _order("u6", D(2026, 10, 9)),
        _order("u8", D(2026, 10, 11)),
        _order("u2", D(2026, 10, 10, 2)),
    ]
    root, url = _project(write_project, tmp_path, FUNNEL_F, events, orders)
    got = _report(
        cli, root, url, "f", "--as-of", "2026-10-11", "--from", "2026-10-01", "--to", "2026-10-10"
    )
    assert got["kind"] == "funnel"
    assert (got["from"], got["to"], got["as_of"]) == (
        "2026-10-01 00:00:00",
        "2026-10-10 00:00:00",
        "2026-10-11 00:00:00",
    )
    assert [g["key"] for g in got["groups"]] == [{}]
    total = got["groups"][0]
    _assert_steps(
        _steps(total),
        [
            ("a", 7, 1.0, None, None),
            ("b", 5, 5 / 7, 5 / 7, 3600.0),
            ("c", 2, 2 / 7, 0.4, 68400.0),
        ],
    )
    assert total["censored"] == 2


def test_funnel_default_entry_range_is_30_days_before_as_of(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3.4: "The entry range `[from, to)` (command line; without it, the 30 days
    before the as-of)". As-of 2026-10-31 00:00: range [10-01 00:00, 10-31 00:00).

    g1: a 10-01 00:00 (in), b 10-01 02:00 -> b.  g2: a 09-30 23:59:59 (out).
    g3: a 10-30 23:00 (in), b 10-30 23:30 (window [10-30 23:00, 11-02 23:00) open at the
    as-of, not at the last step -> censored).  Steps a 2, b 2, c 0; censored 1 (g3).
    """
    events = [
        _ev("g1", D(2026, 10, 1), "a"),
        _ev("g1", D(2026, 10, 1, 2), "b"),
        _ev("g2", D(2026, 9, 30, 23, 59, 59), "a"),
        _ev("g3", D(2026, 10, 30, 23), "a"),
        _ev("g3", D(2026, 10, 30, 23, 30), "b"),
    ]
    root, url = _project(write_project, tmp_path, FUNNEL_F, events)
    got = _report(cli, root, url, "f", "--as-of", "2026-10-31")
    assert (got["from"], got["to"]) == ("2026-10-01 00:00:00", "2026-10-31 00:00:00")
    total = got["groups"][0]
    # median b - a: g1 7200, g3 1800 -> 4500
    _assert_steps(
        _steps(total),
        [("a", 2, 1.0, None, None), ("b", 2, 1.0, 1.0, 4500.0), ("c", 0, 0.0, 0.0, None)],
    )
    assert total["censored"] == 1


def test_funnel_chain_needs_distinct_events(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3.4: "a chain of distinct events `e1 ... ek`, each matching its step, ...
    `t(e[i+1]) >= t(e[i])`". Two steps matching the same rows (visit, then visit again):

    v1: one visit -> step 1 only (the same event cannot be both e1 and e2).
    v2: two visits at the same instant 10-02 10:00 -> step 2 (distinct rows, equal times).
    v3: visits 10-03 and 10-04 -> step 2.
    Entry range [10-01, 10-10), as-of 10-20 (no window: every unfinished user censored,
    SPEC: a window "still open"; without a funnel window nothing ever closes it).
    Steps: first 3, again 2; rates 1, 2/3; medians: v2 0, v3 86400 -> 43200.
    Censored: v1 only (the others are at the last step).
    """
    rules = """
funnel twice {
    step first: events where name == "visit"
    step again: events where name == "visit"
}
"""
    events = [
        _ev("v1", D(2026, 10, 2), "visit"),
        _ev("v2", D(2026, 10, 2, 10), "visit"),
        _ev("v2", D(2026, 10, 2, 10), "visit"),
        _ev("v3", D(2026, 10, 3), "visit"),
        _ev("v3", D(2026, 10, 4), "visit"),
    ]
    root, url = _project(write_project, tmp_path, rules, events)
    got = _report(
        cli, root, url, "twice", "--as-of", "2026-10-20", "--from", "2026-10-01",
        "--to", "2026-10-10",
    )  # fmt: skip
    total = got["groups"][0]
    _assert_steps(
        _steps(total),
        [("first", 3, 1.0, None, None), ("again", 2, 2 / 3, 2 / 3, 43200.0)],
    )
    assert total["censored"] == 1


def test_funnel_by_entry_column(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3.4: "`by entry S.col` takes the column of the first event of the user's
    furthest chain (the earliest such first event; at equal times, the smallest value by
    code point)". Funnel within 3 days; range [10-01, 10-10), as-of 10-20 (all windows
    closed: censored 0).

    w1: push_sent "sms" and push_sent "app" both at 10-02 10:00, click 10-02 11:00:
        both entries reach clicked; equal times -> "app" (< "sms") -> group app.
    w2: push_sent "sms" 10-01 00:00 (its 3-day window misses the click), push_sent "app"
        10-05 00:00, click 10-05 01:00: the furthest chain starts at the app entry, not
        at the earlier sms one -> group app.
    w3: push_sent "sms" 10-02 00:00 only -> group sms, reached.
    Total: reached 3, clicked 2, bought 0. app: 2, 2, 0. sms: 1, 0, 0.
    Medians (clicked - reached): w1 3600, w2 3600 -> 3600.
    """
    rules = """
funnel push "Push" within 3 days by entry events.channel {
    step reached: events where name == "push_sent"
    step clicked: events where name == "push_click"
    step bought: orders
}
"""
    events = [
        _ev("w1", D(2026, 10, 2, 10), "push_sent", "sms"),
        _ev("w1", D(2026, 10, 2, 10), "push_sent", "app"),
        _ev("w1", D(2026, 10, 2, 11), "push_click", "sms"),
        _ev("w2", D(2026, 10, 1), "push_sent", "sms"),
        _ev("w2", D(2026, 10, 5), "push_sent", "app"),
        _ev("w2", D(2026, 10, 5, 1), "push_click", "zzz"),
        _ev("w3", D(2026, 10, 2), "push_sent", "sms"),
    ]
    root, url = _project(write_project, tmp_path, rules, events)
    got = _report(
        cli, root, url, "push", "--as-of", "2026-10-20", "--from", "2026-10-01",
        "--to", "2026-10-10",
    )  # fmt: skip
    groups = {json.dumps(g["key"], sort_keys=True): g for g in got["groups"]}
    assert set(groups) == {"{}", '{"channel": "app"}', '{"channel": "sms"}'}
    _assert_steps(
        _steps(groups["{}"]),
        [
            ("reached", 3, 1.0, None, None),
            ("clicked", 2, 2 / 3, 2 / 3, 3600.0),
            ("bought", 0, 0.0, 0.0, None),
        ],
    )
    _assert_steps(
        _steps(groups['{"channel": "app"}']),
        [
            ("reached", 2, 1.0, None, None),
            ("clicked", 2, 1.0, 1.0, 3600.0),
            ("bought", 0, 0.0, 0.0, None),
        ],
    )
    _assert_steps(
        _steps(groups['{"channel": "sms"}']),
        [
            ("reached", 1, 1.0, None, None),
            ("clicked", 0, 0.0, 0.0, None),
            ("bought", 0, 0.0, None, None),
        ],
    )
    assert all(g["censored"] == 0 for g in got["groups"])


def test_funnel_step_window_across_dst(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """Project zone America/New_York (DST starts 2026-03-08 02:00, ends 2026-11-01 02:00).
    SPEC §3: "Timestamps in the warehouse are read as local time in that zone"; §3.4:
    `t(e[i]) < t(e[i-1]) + within(step i)` compares instants; docs/reports.md: "`within 1
    day` is 24 hours also across a DST change".

    d1: a 03-07 12:00 EST, b 03-08 12:30 EDT: 23.5 h elapsed (< 24 h) -> reaches b,
        84600 s (wall clocks differ by 24.5 h).
    d2: a 10-31 12:00 EDT, b 11-01 11:30 EST: 24.5 h elapsed -> a only (wall clocks
        differ by 23.5 h).
    Range [03-01, 11-05), as-of 11-10: a 2, b 1 (rate 0.5), median 84600; censored 1: d2
    is short of the last step and the funnel has no `within`, so its entry's window never
    closes (§3.4; a step window does not close it).
    """
    rules = """
funnel dst {
    step a: events where name == "a"
    step b: events where name == "b" within 1 day
}
"""
    events = [
        _ev("d1", D(2026, 3, 7, 12), "a"),
        _ev("d1", D(2026, 3, 8, 12, 30), "b"),
        _ev("d2", D(2026, 10, 31, 12), "a"),
        _ev("d2", D(2026, 11, 1, 11, 30), "b"),
    ]
    root, url = _project(write_project, tmp_path, rules, events, zone="America/New_York")
    got = _report(
        cli, root, url, "dst", "--as-of", "2026-11-10", "--from", "2026-03-01",
        "--to", "2026-11-05",
    )  # fmt: skip
    total = got["groups"][0]
    _assert_steps(_steps(total), [("a", 2, 1.0, None, None), ("b", 1, 0.5, 0.5, 84600.0)])
    assert total["censored"] == 1


# --------------------------------------------------------------------------------------
# Retention (SPEC §3.5)
# --------------------------------------------------------------------------------------


def test_retention_by_day_first_cohort_range_and_incomplete_cells(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """`cohort first` register, return visit, by day, periods 3; UTC; as-of 10-05 12:00;
    cohort range --from 10-01 00:00 --to 10-04 09:00.

    SPEC §3.5: "A user's cohort period is the period of the cohort event (`first`: the
    first-ever one ...). The user is retained in period k (1 to `periods`) if a return
    event falls in the k-th period after the cohort period." "A cell whose period
    `[start, end)` has not ended at the as-of (`end > as_of`) is null and marked
    incomplete, never 0. Periods without a cohort event list no cohort."

    x1: register 10-01 10:00; visits 10-01 20:00 (period 0: not a cell), 10-02 00:00
        (start of period 1), 10-04 23:59:59 (period 3).
    x2: register 10-01 23:00; visit 10-03 00:30 (period 2).
    x8: register 10-01 00:00 (exactly --from: in); no visits.
    x5: register 10-02 05:00; no visits.
    x7: register 09-20 and again 10-02 06:00, visit 10-03: its first-ever register is
        before the range, so it is in no listed cohort (not in 10-02's).
    x3: register 10-03 08:00 and again 10-04 08:30 (not first: ignored); visits 10-04
        08:00 (period 1) and 10-05 01:00 (period 2, which ends 10-06 > as-of: null).
    x9: register 10-04 08:00; visit 10-05 09:00 (period 1 still open: null, not 1).
    x4: register 10-04 09:00 (exactly --to: out).  x6: register 10-05 12:00 (= as-of:
        invisible).

    10-01: size 3, [1 (x1), 1 (x2), 1 (x1)]      (periods end 10-03, 10-04, 10-05 <= as-of)
    10-02: size 1, [0, 0, null]                   (period 3 is 10-05 .. 10-06)
    10-03: size 1, [1, null, null]
    10-04: size 1, [null, null, null]
    """
    rules = """
retention daily "New user daily" {
    cohort first events where name == "register"
    return events where name == "visit"
    by day
    periods 3
}
"""
    events = [
        _ev("x1", D(2026, 10, 1, 10), "register"),
        _ev("x1", D(2026, 10, 1, 20), "visit"),
        _ev("x1", D(2026, 10, 2), "visit"),
        _ev("x1", D(2026, 10, 4, 23, 59, 59), "visit"),
        _ev("x2", D(2026, 10, 1, 23), "register"),
        _ev("x2", D(2026, 10, 3, 0, 30), "visit"),
        _ev("x8", D(2026, 10, 1), "register"),
        _ev("x5", D(2026, 10, 2, 5), "register"),
        _ev("x7", D(2026, 9, 20, 10), "register"),
        _ev("x7", D(2026, 10, 2, 6), "register"),
        _ev("x7", D(2026, 10, 3, 10), "visit"),
        _ev("x3", D(2026, 10, 3, 8), "register"),
        _ev("x3", D(2026, 10, 4, 8, 30), "register"),
        _ev("x3", D(2026, 10, 4, 8), "visit"),
        _ev("x3", D(2026, 10, 5, 1), "visit"),
        _ev("x9", D(2026, 10, 4, 8), "register"),
        _ev("x9", D(2026, 10, 5, 9), "visit"),
        _ev("x4", D(2026, 10, 4, 9), "register"),
        _ev("x6", D(2026, 10, 5, 12), "register"),
    ]
    root, url = _project(write_project, tmp_path, rules, events)
    got = _report(
        cli, root, url, "daily", "--as-of", "2026-10-05 12:00:00", "--from", "2026-10-01",
        "--to", "2026-10-04 09:00:00",
    )  # fmt: skip
    assert got["kind"] == "retention" and got["as_of"] == "2026-10-05 12:00:00"
    assert _cohorts(got) == [
        ("2026-10-01", 3, [1, 1, 1]),
        ("2026-10-02", 1, [0, 0, None]),
        ("2026-10-03", 1, [1, None, None]),
        ("2026-10-04", 1, [None, None, None]),
    ]


def test_retention_without_first_every_period_is_a_cohort(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3.5: "without `first`, every period with a cohort event is a cohort of that
    user". z1 visits 10-01, 10-02, 10-03 (noon); cohort visit, return visit, by day,
    periods 2; as-of 10-10, cohorts [10-01, 10-10).

    10-01: size 1, [1 (10-02), 1 (10-03)];  10-02: [1 (10-03), 0];  10-03: [0, 0].
    """
    rules = """
retention revisit {
    cohort events where name == "visit"
    return events where name == "visit"
    by day
    periods 2
}
"""
    events = [_ev("z1", D(2026, 10, d, 12), "visit") for d in (1, 2, 3)]
    root, url = _project(write_project, tmp_path, rules, events)
    got = _report(
        cli, root, url, "revisit", "--as-of", "2026-10-10", "--from", "2026-10-01",
        "--to", "2026-10-10",
    )  # fmt: skip
    assert _cohorts(got) == [
        ("2026-10-01", 1, [1, 1]),
        ("2026-10-02", 1, [1, 0]),
        ("2026-10-03", 1, [0, 0]),
    ]


WEEKLY = """
retention weekly {
    cohort first events where name == "a"
    return events where name == "r"
    by week
    periods 4
}

retention weekly_oa {
    cohort first events where name == "a"
    return events where name == "r"
    by week
    periods 4
    on or after
}
"""


@pytest.mark.parametrize(
    ("name", "retained"),
    [
        # calendar weeks: p1 y2, p2 y3, p3 y1, p4 open
        ("weekly", [1, 1, 1, None]),
        # on or after: p1 any return from 10-05 on: y1 y2 y3; p2 from 10-12: y1 y3;
        # p3 from 10-19: y1; p4 open
        ("weekly_oa", [3, 2, 1, None]),
    ],
)
def test_retention_weeks_across_month_end_and_on_or_after(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path, name: str, retained: list[Any]
) -> None:
    """SPEC §3 "Week starts on Monday"; §3.5 "`by day|week|month`: calendar periods in the
    project's time zone (weeks start on Monday)"; "`on or after`: returned in period k or
    any later one"; incomplete cells null.

    UTC. Weeks: Mon 09-28 (holds Oct 1-4), 10-05, 10-12, 10-19, 10-26 .. 11-02.
    y1: a Wed 09-30 12:00, r Mon 10-19 00:00 (first instant of week 3).
    y2: a Sun 10-04 23:00 (still week 09-28), r Sun 10-04 23:30 (period 0), r Mon 10-05
        00:00 (week 1).
    y3: a Thu 10-01 09:00 (same week, other month), r Mon 10-12 00:00 (week 2).
    One cohort "2026-09-28" of 3; as-of 10-30: week 4 (10-26 .. 11-02) is open -> null.
    """
    events = [
        _ev("y1", D(2026, 9, 30, 12), "a"),
        _ev("y1", D(2026, 10, 19), "r"),
        _ev("y2", D(2026, 10, 4, 23), "a"),
        _ev("y2", D(2026, 10, 4, 23, 30), "r"),
        _ev("y2", D(2026, 10, 5), "r"),
        _ev("y3", D(2026, 10, 1, 9), "a"),
        _ev("y3", D(2026, 10, 12), "r"),
    ]
    root, url = _project(write_project, tmp_path, WEEKLY, events)
    got = _report(
        cli, root, url, name, "--as-of", "2026-10-30", "--from", "2026-09-01",
        "--to", "2026-10-30",
    )  # fmt: skip
    assert _cohorts(got) == [("2026-09-28", 3, retained)]


MONTHLY = """
retention monthly {
    cohort first orders
    return orders
    by month
    periods 2
}

retention monthly_rolling {
    cohort first orders
    return orders
    by month
    periods 2
    rolling
}
"""


@pytest.mark.parametrize(
    ("name", "retained"),
    [
        # calendar: Feb holds m1's return, March m2's and m3's
        ("monthly", [1, 2]),
        # rolling: m2 (Mar 14 23:00 in [Feb 15, Mar 15)) and m3 (Mar 31 09:00 in
        # [Feb 28 10:00, Mar 31 10:00)) in period 1; nobody in period 2
        ("monthly_rolling", [2, 0]),
    ],
)
def test_retention_calendar_vs_rolling_months_with_clamping(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path, name: str, retained: list[Any]
) -> None:
    """SPEC §3.5: "`rolling`: period k is `[t0 + k units, t0 + (k + 1) units)` from the
    user's own cohort instant `t0` (... month = calendar month with clamping)"; §3
    "Months clamp at month end".

    UTC, first orders (cohort January 2026), as-of 2026-05-01 (every cell over: the
    latest rolling end is m1/m3's Apr 30 10:00).
    m1: Jan 31 10:00, return Feb 28 09:00: calendar month 1; rolling period 0
        ([Jan 31 10:00, Feb 28 10:00), Jan 31 + 1 month clamped to Feb 28).
    m2: Jan 15 00:00, return Mar 14 23:00: calendar month 2; rolling period 1
        ([Feb 15, Mar 15)).
    m3: Jan 31 10:00, return Mar 31 09:00: calendar month 2; rolling period 1
        ([Jan 31 + 1 month = Feb 28 10:00, Jan 31 + 2 months = Mar 31 10:00)).
    """
    orders = [
        _order("m1", D(2026, 1, 31, 10)),
        _order("m1", D(2026, 2, 28, 9)),
        _order("m2", D(2026, 1, 15)),
        _order("m2", D(2026, 3, 14, 23)),
        _order("m3", D(2026, 1, 31, 10)),
        _order("m3", D(2026, 3, 31, 9)),
    ]
    root, url = _project(write_project, tmp_path, MONTHLY, orders=orders)
    got = _report(
        cli, root, url, name, "--as-of", "2026-05-01", "--from", "2026-01-01",
        "--to", "2026-02-01",
    )  # fmt: skip
    assert [(size, cells) for _, size, cells in _cohorts(got)] == [(3, retained)]
    assert got["cohorts"][0]["cohort"].startswith("2026-01")


DAILY_NY = """
retention day_cal {
    cohort first events where name == "register"
    return events where name == "visit"
    by day
    periods 2
}

retention day_rolling {
    cohort first events where name == "register"
    return events where name == "visit"
    by day
    periods 2
    rolling
}
"""


@pytest.mark.parametrize(
    ("name", "retained"),
    [
        # calendar days 03-08 (d1) and 03-09 (d2)
        ("day_cal", [1, 1]),
        # rolling day 1 = [03-08 13:00 EDT, 03-09 13:00 EDT): d2 only; day 2: nobody
        ("day_rolling", [1, 0]),
    ],
)
def test_retention_rolling_day_is_24_hours_across_dst(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path, name: str, retained: list[Any]
) -> None:
    """SPEC §3.5: "`rolling`: ... (day = 24 h ...)"; "calendar periods in the project's
    time zone". Zone America/New_York; DST starts Sun 2026-03-08 02:00.

    d1: register 03-07 12:00 EST (17:00 UTC); visit 03-08 12:30 EDT (16:30 UTC): calendar
        day 1; rolling: before t0 + 24 h = 03-08 17:00 UTC = 13:00 EDT, so period 0.
    d2: register 03-07 12:00 EST; visit 03-09 12:30 EDT (16:30 UTC): calendar day 2;
        rolling period 1 = [03-08 17:00 UTC, 03-09 17:00 UTC).
    Cohort 2026-03-07 of 2; as-of 03-20 (all cells over).
    """
    events = [
        _ev("d1", D(2026, 3, 7, 12), "register"),
        _ev("d1", D(2026, 3, 8, 12, 30), "visit"),
        _ev("d2", D(2026, 3, 7, 12), "register"),
        _ev("d2", D(2026, 3, 9, 12, 30), "visit"),
    ]
    root, url = _project(write_project, tmp_path, DAILY_NY, events, zone="America/New_York")
    got = _report(
        cli, root, url, name, "--as-of", "2026-03-20", "--from", "2026-03-01",
        "--to", "2026-03-10",
    )  # fmt: skip
    assert _cohorts(got) == [("2026-03-07", 2, retained)]


@pytest.mark.parametrize(
    ("as_of", "retained"),
    [
        # r2's period 1 [10-02 20:00, 10-03 20:00) is open at 10-03 10:00: the cell is null
        # although r1's own period 1 is over and r1 returned in it
        ("2026-10-03 10:00:00", [None, None]),
        # at 10-04 00:00 every member's period 1 is over (r1 returned, r2 did not); r1's
        # period 2 [10-03 01:00, 10-04 01:00) is still open -> null
        ("2026-10-04 00:00:00", [1, None]),
    ],
)
def test_retention_rolling_cell_null_while_open(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path, as_of: str, retained: list[Any]
) -> None:
    """SPEC §3.5: "A cell whose period `[start, end)` has not ended at the as-of (`end >
    as_of`) is null and marked incomplete, never 0"; with rolling the cell's periods are
    the members' own (docs/reports.md: "a cell is null while any member's period is
    open"). UTC, rolling days, periods 2. r1: register 10-01 01:00, visit 10-02 02:00
    (its period 1). r2: register 10-01 20:00, no visit. One cohort 2026-10-01 of 2."""
    rules = DAILY_NY.split("retention day_rolling", 1)[1]
    rules = "retention day_rolling" + rules
    events = [
        _ev("r1", D(2026, 10, 1, 1), "register"),
        _ev("r1", D(2026, 10, 2, 2), "visit"),
        _ev("r2", D(2026, 10, 1, 20), "register"),
    ]
    root, url = _project(write_project, tmp_path, rules, events)
    got = _report(
        cli, root, url, "day_rolling", "--as-of", as_of, "--from", "2026-10-01",
        "--to", "2026-10-02",
    )  # fmt: skip
    assert _cohorts(got) == [("2026-10-01", 2, retained)]


# --------------------------------------------------------------------------------------
# Reports (SPEC §3.6)
# --------------------------------------------------------------------------------------


def test_report_over_event_source_window_aggregates_nulls_and_division_by_zero(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3.6: "`over S [where C] [window]`: one row per event of S before the as-of";
    aggregates `count()`, `count(where C)`, `sum`, `avg`, `min`, `max`, `count_distinct`,
    "`share(C)` (rows where C is TRUE over all rows)", `median`, `percentile(x, p)`;
    "arithmetic between metrics of the same group; null groups are a group of their own".
    §3: "`in last N days` is the half-open interval `[as_of - N days, as_of)`"; "Division
    by zero gives null"; "`avg` ... over no events [is] null"; "a user is in a segment only
    where the rule is TRUE" (a null amount is not `>= 100`).

    As-of 10-11 00:00, window [10-04 00:00, 10-11 00:00):
      o1 u1 10-04 00:00 A 50 (window start: in)   o2 u1 10-05 A 150
      o3 u2 10-06 A 100                           o4 u2 10-03 23:59:59 A 999 (out)
      o5 u3 10-11 00:00 A 999 (= as-of: out)      o6 u3 10-07 null-store 20
      o7 u3 10-08 B null amount                   o8 u4 10-09 B 10
    A (o1 o2 o3): n 3, big 2, huge 0, big/n 2/3, big/huge null, total 300, avg 100,
      share 2/3, median 100, p25 of [50,100,150] = 50 + 0.5*50 = 75, min 50, max 150,
      buyers 2.
    B (o7 o8): n 2, big 0 (null is not >= 100), huge 0, big/n 0, big/huge null, total 10,
      avg 10 (null left out), share 0/2 = 0, median 10, p25 10, min 10, max 10, buyers 2.
    null store (o6): n 1, big 0, huge 0, 0, null, total 20, avg 20, share 0, median 20,
      p25 20, min 20, max 20, buyers 1.
    """
    rules = """
report by_store "Orders by store" over orders in last 7 days by store {
    n = count()
    big = count(where amount >= 100)
    huge = count(where amount > 1000)
    big_rate = big / n
    big_per_huge = big / huge
    total = sum(amount)
    avg_amount = avg(amount)
    big_share = share(amount >= 100)
    med = median(amount)
    p25 = percentile(amount, 0.25)
    lo = min(amount)
    hi = max(amount)
    buyers = count_distinct(users.user_id)
}
"""
    orders = [
        _order("u1", D(2026, 10, 4), 50.0, "A"),
        _order("u1", D(2026, 10, 5), 150.0, "A"),
        _order("u2", D(2026, 10, 6), 100.0, "A"),
        _order("u2", D(2026, 10, 3, 23, 59, 59), 999.0, "A"),
        _order("u3", D(2026, 10, 11), 999.0, "A"),
        _order("u3", D(2026, 10, 7), 20.0, None),
        _order("u3", D(2026, 10, 8), None, "B"),
        _order("u4", D(2026, 10, 9), 10.0, "B"),
    ]
    root, url = _project(write_project, tmp_path, rules, orders=orders)
    got = _report(cli, root, url, "by_store", "--as-of", "2026-10-11")
    assert got["kind"] == "report" and got["over"] == "orders"
    names = ["n", "big", "huge", "big_rate", "big_per_huge", "total", "avg_amount",
             "big_share", "med", "p25", "lo", "hi", "buyers"]  # fmt: skip
    want = {
        "A": [3, 2, 0, 2 / 3, None, 300, 100, 2 / 3, 100, 75, 50, 150, 2],
        "B": [2, 0, 0, 0, None, 10, 10, 0, 10, 10, 10, 10, 2],
        None: [1, 0, 0, 0, None, 20, 20, 0, 20, 20, 20, 20, 1],
    }
    rows = {row["store"]: row for row in got["rows"]}
    assert set(rows) == set(want)
    for store, values in want.items():
        for metric, value in zip(names, values, strict=True):
            assert _close(rows[store][metric], value), (store, metric, rows[store][metric])


def test_report_over_users_empty_population_and_null_group(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3.6: "`over users [where C]`: one row per user of the universe (or of C),
    tags and segments as columns, values as of the run"; "null groups are a group of their
    own"; §3: `sum` over no events is 0, `avg` null; division by zero null.

    Users: k1 Beijing (orders 10, 30), k2 Beijing (none), k3 Shanghai (order 5),
    k4 null city (order 40 at exactly the as-of: invisible, so spend 0).
    spend = sum(orders.amount): k1 40, k2 0, k3 5, k4 0. buyer = exists(orders).
    by_city: Beijing: n 2, buyers 1, share 0.5, avg_spend 20; Shanghai: 1, 1, 1.0, 5;
      null: 1, 0, 0.0, 0.
    nobody (where city == "Atlantis", no dimensions): one row: n 0, avg_spend null,
      share null (0 of 0 rows), spend_total 0.
    """
    rules = """
tag spend = sum(orders.amount)
segment buyer = exists(orders)

report by_city over users by users.city {
    n = count()
    buyers = count(where buyer)
    buyer_share = share(buyer)
    avg_spend = avg(spend)
}

report not_beijing over users where users.city != "Beijing" {
    n = count()
}

report nobody over users where users.city == "Atlantis" {
    n = count()
    avg_spend = avg(spend)
    buyer_share = share(buyer)
    spend_total = sum(spend)
}
"""
    users = [("k1", "Beijing"), ("k2", "Beijing"), ("k3", "Shanghai"), ("k4", None)]
    orders = [
        _order("k1", D(2026, 10, 1), 10.0),
        _order("k1", D(2026, 10, 2), 30.0),
        _order("k3", D(2026, 10, 3), 5.0),
        _order("k4", D(2026, 10, 20), 40.0),
    ]
    root, url = _project(write_project, tmp_path, rules, orders=orders, users=users)
    got = _report(cli, root, url, "by_city", "--as-of", "2026-10-20")
    rows = {row["city"]: row for row in got["rows"]}
    assert set(rows) == {"Beijing", "Shanghai", None}
    want = {"Beijing": (2, 1, 0.5, 20), "Shanghai": (1, 1, 1.0, 5), None: (1, 0, 0.0, 0)}
    for city, (n, buyers, share, avg) in want.items():
        row = rows[city]
        assert (row["n"], row["buyers"]) == (n, buyers)
        assert _close(row["buyer_share"], share) and _close(row["avg_spend"], avg), row
    # SPEC §3.6 "(or of C)" and §3 "a user is in a segment only where the rule is TRUE":
    # k4's null city makes `city != "Beijing"` null, so only k3 is a row.
    got = _report(cli, root, url, "not_beijing", "--as-of", "2026-10-20")
    assert got["rows"] == [{"n": 1}]
    got = _report(cli, root, url, "nobody", "--as-of", "2026-10-20")
    assert len(got["rows"]) == 1
    row = got["rows"][0]
    assert (row["n"], row["avg_spend"], row["buyer_share"], row["spend_total"]) == (
        0,
        None,
        None,
        0,
    )


# --------------------------------------------------------------------------------------
# Experiments (SPEC §2.8, §3.3)
# --------------------------------------------------------------------------------------

EXPERIMENT = """
tag purchases = count(orders)
segment buyers = purchases >= 1

experiment audit_exp "Audit" {
    population buyers
    salt "audit-exp"
    arm control 20%
    arm low 30%
    arm high 50%
    metric order_value = avg(orders.amount since date "2026-11-01")
    metric repurchase = share(exists(orders since date "2026-11-01"))
}
"""


def test_experiment_arms_metrics_intervals_and_srm(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3.3: "u = int(hex(md5(utf8(salt + ":" + user_key)))[0:8], 16) / 2^32; the
    arms, in declared order, take consecutive ranges of [0, 1) by their weights"; "A metric
    is aggregated over the arm's users; null values ... are left out"; "Welch's t (sample
    variances, fractional degrees of freedom) for means, the unpooled normal approximation
    for proportions (`share`); relative lift is the difference over control's value;
    sample-ratio mismatch: chi-square against the declared weights, flagged at p < 0.001";
    §2.8: per arm users, mean, difference to control with a 95% CI, lift, SRM check.

    Buckets (md5 of "audit-exp:<key>", by hand with hashlib): control [0, .2): p07 .1041,
    p09 .1747, p13 .0691; low [.2, .5): p03 .2655, p05 .2013, p06 .4507, p11 .2870;
    high [.5, 1): p01 .6228, p02 .9740, p04 .5450, p08 .8152, p10 .9477, p12 .6580.
    p16 (.0695) has no order: not in the population. Each of p01-p13 has an order on
    2026-10-15 (amount 100, before the metric's `since`). As-of 2026-12-01.
    Orders since 11-01 (per-user avg): control p07 10, p09 20, p13 none -> values
    [10, 20], mean 15, repurchase 2/3. low p03 30, p05 10+30 -> 20, p06 40 at exactly
    11-01 00:00 (in: `since T` is [T, as_of)), p11 70 at exactly the as-of (out) ->
    [30, 20, 40], mean 30, repurchase 3/4. high p01 25, p02 35 -> [25, 35], mean 30,
    repurchase 2/6.
    Welch low - control: diff 15, se^2 = 50/2 + 100/3, df = 2.88235294, t(.975, df) by
    scipy -> CI [-9.87733798, 39.87733798]; lift 15/15 = 1.0.
    Welch high - control: diff 15, se^2 = 25 + 25, df = 2 -> [-15.42434922, 45.42434922].
    Shares: low - control 1/12, z = 1.959964, se^2 = (2/9)/3 + (3/16)/4 ->
    [-0.59829772, 0.76496438], lift (1/12)/(2/3) = 0.125; high - control -1/3, se^2 =
    (2/9)/3 + (2/9)/6 -> [-0.98665466, 0.31998799], lift -0.5.
    SRM: observed 3, 4, 6 of 13 vs expected 2.6, 3.9, 6.5: chi2 = 0.10256410, df 2,
    p = exp(-chi2/2) = 0.95001068; not a mismatch.
    """
    keys = [f"p{n:02d}" for n in range(1, 14)] + ["p16"]
    users = [(key, None) for key in keys]
    orders = [_order(key, D(2026, 10, 15), 100.0) for key in keys if key != "p16"]
    orders += [
        _order("p07", D(2026, 11, 5), 10.0),
        _order("p09", D(2026, 11, 6), 20.0),
        _order("p03", D(2026, 11, 7), 30.0),
        _order("p05", D(2026, 11, 8), 10.0),
        _order("p05", D(2026, 11, 9), 30.0),
        _order("p06", D(2026, 11, 1), 40.0),
        _order("p11", D(2026, 12, 1), 70.0),
        _order("p01", D(2026, 11, 10), 25.0),
        _order("p02", D(2026, 11, 11), 35.0),
    ]
    root, url = _project(write_project, tmp_path, EXPERIMENT, orders=orders, users=users)
    got = _report(cli, root, url, "audit_exp", "--as-of", "2026-12-01")
    assert got["kind"] == "experiment"
    assert (got["salt"], got["control"], got["as_of"]) == (
        "audit-exp",
        "control",
        "2026-12-01 00:00:00",
    )
    assert [(a["arm"], a["users"]) for a in got["arms"]] == [
        ("control", 3),
        ("low", 4),
        ("high", 6),
    ]
    want = {
        "control": {
            "order_value": (15.0, None, None, None, None),
            "repurchase": (2 / 3, None, None, None, None),
        },
        "low": {
            "order_value": (30.0, 15.0, -9.877337982053824, 39.877337982053824, 1.0),
            "repurchase": (0.75, 1 / 12, -0.5982977160303521, 0.7649643826970188, 0.125),
        },
        "high": {
            "order_value": (30.0, 15.0, -15.424349222966544, 45.42434922296654, 1.0),
            "repurchase": (1 / 3, -1 / 3, -0.9866546615133513, 0.3199879948466848, -0.5),
        },
    }
    for arm in got["arms"]:
        assert set(arm["metrics"]) == {"order_value", "repurchase"}
        for metric, expected in want[arm["arm"]].items():
            m = arm["metrics"][metric]
            assert set(m) >= {"mean", "diff", "ci_low", "ci_high", "lift"}
            values = (m["mean"], m["diff"], m["ci_low"], m["ci_high"], m["lift"])
            for value, wanted in zip(values, expected, strict=True):
                if wanted is None:
                    assert value is None, (arm["arm"], metric, values)
                else:
                    assert value == pytest.approx(wanted, rel=1e-6), (arm["arm"], metric, values)
    assert got["srm_p"] == pytest.approx(0.9500106810102681, rel=1e-6)
    assert got["srm_mismatch"] is False


def test_experiment_control_not_first_empty_values_and_srm_flagged(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3.3: arms "in declared order, take consecutive ranges of [0, 1)"; "null
    values (a user with no order has a null `avg`) are left out"; "relative lift is the
    difference over control's value"; §3 "division by zero gives null"; "sample-ratio
    mismatch: chi-square against the declared weights, flagged at p < 0.001". The control
    is the arm named `control` (docs/reports.md: "the arm named `control`, else the
    first"), here declared second: treat [0, .5), control [.5, 1).

    Buckets of "srm-2026:<key>" by hand: 15 keys below .5 (q02 .2458, q03 .0342, q05 .1308,
    q07, q10, q11, q12, q14, q16, q17, q19, q20, q24, q25, q28) -> treat; q01 .6838 ->
    control. q04 (.5132) has a null city: not in the population.
    Orders since 11-01 (as-of 12-01): q02 10, q03 20, q05 30; none for the others.
    bought: treat 3/15 = 0.2, control 0/1 = 0 -> diff 0.2, unpooled normal CI
      0.2 +- 1.959964 * sqrt(0.2 * 0.8 / 15 + 0) = [-0.00242421, 0.40242421], lift 0.2 / 0
      -> null.
    value: treat [10, 20, 30] mean 20; control has no value -> mean null, so the treat
      arm's diff, interval and lift are null.
    SRM: 15 vs 1 against 8 vs 8: chi2 = 12.25, df 1, p = 0.00046526 < 0.001 -> flagged.
    """
    rules = """
segment in_test = users.city == "T"

experiment srm_exp {
    population in_test
    salt "srm-2026"
    arm treat 50%
    arm control 50%
    metric bought = share(exists(orders since date "2026-11-01"))
    metric value = avg(orders.amount since date "2026-11-01")
}
"""
    treat = ["q02", "q03", "q05", "q07", "q10", "q11", "q12", "q14", "q16", "q17", "q19",
             "q20", "q24", "q25", "q28"]  # fmt: skip
    users = [(key, "T") for key in [*treat, "q01"]] + [("q04", None)]
    orders = [
        _order("q02", D(2026, 11, 2), 10.0),
        _order("q03", D(2026, 11, 3), 20.0),
        _order("q05", D(2026, 11, 4), 30.0),
        _order("q04", D(2026, 11, 4), 99.0),
    ]
    root, url = _project(write_project, tmp_path, rules, orders=orders, users=users)
    got = _report(cli, root, url, "srm_exp", "--as-of", "2026-12-01")
    assert got["control"] == "control"
    assert [(a["arm"], a["users"]) for a in got["arms"]] == [("treat", 15), ("control", 1)]
    arms = {a["arm"]: a["metrics"] for a in got["arms"]}
    t, c = arms["treat"], arms["control"]
    assert c["bought"]["mean"] == 0 and c["value"]["mean"] is None
    assert all(c[m][k] is None for m in c for k in ("diff", "ci_low", "ci_high", "lift"))
    assert t["bought"]["mean"] == pytest.approx(0.2)
    assert t["bought"]["diff"] == pytest.approx(0.2)
    assert t["bought"]["ci_low"] == pytest.approx(-0.0024242099010655938, rel=1e-6)
    assert t["bought"]["ci_high"] == pytest.approx(0.40242420990106564, rel=1e-6)
    assert t["bought"]["lift"] is None
    assert t["value"]["mean"] == pytest.approx(20.0)
    assert (t["value"]["diff"], t["value"]["ci_low"], t["value"]["ci_high"]) == (None,) * 3
    assert t["value"]["lift"] is None
    assert got["srm_p"] == pytest.approx(0.0004652581580710503, rel=1e-6)
    assert got["srm_mismatch"] is True


def test_funnel_chain_is_not_greedy_and_later_steps_pass_the_range_end(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3.4: "A user reaches step k if there is a chain ..." (any chain, not the
    greedy one); "The entry range ... bounds the first step only"; "`by` splits by a
    per-user value"; "Time to convert between two steps: the median over users of the
    difference in the user's earliest-completing furthest chain". Funnel nev of §2.7
    (within 120 days; deposit within 14 days; delivery within 90 days) by users.city.
    Range [10-01, 10-10), as-of 11-01 (120-day windows open: unfinished users censored).

    n1 (X): lead 10-01, drive 10-02, drive 10-15, deposit 10-20 (10-20 is 18 days after
        the first drive, 5 days after the second): reaches deposit through the second
        drive; censored. Its drive - lead is 14 days (1209600 s) in that chain.
    n2 (X): lead 10-09 23:00, drive 10-10 01:00 (after --to: still counted): drive
        (7200 s); censored.
    n3 (Y): lead 10-05, drive 10-06, deposit 10-06, delivery 10-07: delivery (86400, 0,
        86400); not censored.
    Total: 3, 3, 2, 1; from first 1, 1, 2/3, 1/3; from previous null, 1, 2/3, 1/2;
      medians null, median(1209600, 7200, 86400) = 86400, median(432000, 0) = 216000,
      86400; censored 2.
    X: 2, 2, 1, 0; 1, 1, .5, 0; null, 1, .5, 0; null, (1209600 + 7200) / 2 = 608400,
      432000, null; censored 2.  Y: 1, 1, 1, 1; medians null, 86400, 0, 86400; 0.
    """
    rules = """
funnel nev_sales "NEV sales funnel" within 120 days by users.city {
    step lead: events where name == "lead"
    step test_drive: events where name == "test_drive"
    step deposit: events where name == "deposit" within 14 days
    step delivery: events where name == "delivery" within 90 days
}
"""
    events = [
        _ev("n1", D(2026, 10, 1), "lead"),
        _ev("n1", D(2026, 10, 2), "test_drive"),
        _ev("n1", D(2026, 10, 15), "test_drive"),
        _ev("n1", D(2026, 10, 20), "deposit"),
        _ev("n2", D(2026, 10, 9, 23), "lead"),
        _ev("n2", D(2026, 10, 10, 1), "test_drive"),
        _ev("n3", D(2026, 10, 5), "lead"),
        _ev("n3", D(2026, 10, 6), "test_drive"),
        _ev("n3", D(2026, 10, 6), "deposit"),
        _ev("n3", D(2026, 10, 7), "delivery"),
    ]
    users = [("n1", "X"), ("n2", "X"), ("n3", "Y")]
    root, url = _project(write_project, tmp_path, rules, events, users=users)
    got = _report(
        cli, root, url, "nev_sales", "--as-of", "2026-11-01", "--from", "2026-10-01",
        "--to", "2026-10-10",
    )  # fmt: skip
    groups = {json.dumps(g["key"], sort_keys=True): g for g in got["groups"]}
    assert set(groups) == {"{}", '{"city": "X"}', '{"city": "Y"}'}
    _assert_steps(
        _steps(groups["{}"]),
        [
            ("lead", 3, 1.0, None, None),
            ("test_drive", 3, 1.0, 1.0, 86400.0),
            ("deposit", 2, 2 / 3, 2 / 3, 216000.0),
            ("delivery", 1, 1 / 3, 0.5, 86400.0),
        ],
    )
    assert groups["{}"]["censored"] == 2
    _assert_steps(
        _steps(groups['{"city": "X"}']),
        [
            ("lead", 2, 1.0, None, None),
            ("test_drive", 2, 1.0, 1.0, 608400.0),
            ("deposit", 1, 0.5, 0.5, 432000.0),
            ("delivery", 0, 0.0, 0.0, None),
        ],
    )
    assert groups['{"city": "X"}']["censored"] == 2
    _assert_steps(
        _steps(groups['{"city": "Y"}']),
        [
            ("lead", 1, 1.0, None, None),
            ("test_drive", 1, 1.0, 1.0, 86400.0),
            ("deposit", 1, 1.0, 1.0, 0.0),
            ("delivery", 1, 1.0, 1.0, 86400.0),
        ],
    )
    assert groups['{"city": "Y"}']["censored"] == 0


def test_retention_period_ending_exactly_at_as_of_is_complete(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3.5: "A cell whose period `[start, end)` has not ended at the as-of (`end >
    as_of`) is null" - so a period with `end == as_of` is over and counted (0 or more).
    Calendar months, UTC, as-of 2026-03-01 00:00 = the end of February.
    s1: first order Jan 10, order Feb 10 -> month 1 (Feb, ended at the as-of): 1.
    s2: first order Jan 20, no other order -> 0 in month 1.
    Month 2 (March) is open: null. Cohort January: size 2, [1, null].
    """
    orders = [
        _order("s1", D(2026, 1, 10)),
        _order("s1", D(2026, 2, 10)),
        _order("s2", D(2026, 1, 20)),
    ]
    root, url = _project(write_project, tmp_path, MONTHLY, orders=orders)
    got = _report(
        cli, root, url, "monthly", "--as-of", "2026-03-01", "--from", "2026-01-01",
        "--to", "2026-02-01",
    )  # fmt: skip
    assert [(size, cells) for _, size, cells in _cohorts(got)] == [(2, [1, None])]


def test_retention_zoned_timestamps_and_as_of_with_offset(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3: "Timestamps in the warehouse are read as local time in that zone unless
    their type carries a zone"; §3.5 "calendar periods in the project's time zone".
    Zone Asia/Shanghai (UTC+8, no DST); events.ts is TIMESTAMPTZ here.
    t1: register 2026-10-01 15:30+00 = 10-01 23:30 local (cohort day 10-01); visit
        2026-10-01 16:30+00 = 10-02 00:30 local: day 1 (read as UTC wall time it would be
        day 0).
    --as-of 2026-10-02T16:00:00Z = 10-03 00:00 local (docs/cli.md: an as-of with an
    offset is converted to the project's zone): day 1 [10-02, 10-03) is over -> 1;
    day 2 is open -> null. Cohort 2026-10-01, size 1, [1, null].
    """
    rules = """
retention tz_daily {
    cohort first events where name == "register"
    return events where name == "visit"
    by day
    periods 2
}
"""
    utc = dt.UTC
    events = [
        _ev("t1", D(2026, 10, 1, 15, 30, tzinfo=utc), "register"),
        _ev("t1", D(2026, 10, 1, 16, 30, tzinfo=utc), "visit"),
    ]
    root, url = _project(
        write_project, tmp_path, rules, events, zone="Asia/Shanghai",
        ddl={"events": "user_id VARCHAR, ts TIMESTAMPTZ, name VARCHAR, channel VARCHAR"},
    )  # fmt: skip
    got = _report(
        cli, root, url, "tz_daily", "--as-of", "2026-10-02T16:00:00Z", "--from", "2026-09-01",
        "--to", "2026-10-02",
    )  # fmt: skip
    assert got["as_of"] == "2026-10-03 00:00:00"
    assert _cohorts(got) == [("2026-10-01", 1, [1, None])]


def test_experiment_assignment_is_sticky_across_population_and_weight_changes(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3.3: "An assignment is written the first time a user is in the population and
    never changes afterwards (sticky), even if the population or weights change";
    "sample-ratio mismatch: chi-square against the declared weights".

    Salt "srm-2026": q02 u = .2458, q01 u = .6838, q11 u = .3551.
    Run 1 (as-of 11-01), control 50% / treat 50%, population city == "T" = {q02, q01}:
      q02 -> control, q01 -> treat.
    Then q01 leaves the population (city null), q11 joins, and the weights become
    control 10% / treat 90%. Run 2 (as-of 11-15): q02 keeps control (by the new weights it
    would be treat), q01 keeps treat, q11 is new: .3551 >= .1 -> treat.
    Run 2: control 1, treat 2. SRM against 10/90: expected .3 / 2.7, chi2 = .49/.3 +
    .49/2.7 = 1.81481, df 1, p = 0.17793173, not flagged.
    Metric n = count(orders): nobody has orders -> 0 in both arms, lift 0/0 -> null.
    """
    rules = """
segment in_test = users.city == "T"

experiment sticky {
    population in_test
    salt "srm-2026"
    arm control WC%
    arm treat WT%
    metric n = count(orders)
}
"""
    users = [("q02", "T"), ("q01", "T"), ("q11", None)]
    root, url = _project(
        write_project, tmp_path, rules.replace("WC", "50").replace("WT", "50"), users=users
    )
    first = _report(cli, root, url, "sticky", "--as-of", "2026-11-01")
    assert [(a["arm"], a["users"]) for a in first["arms"]] == [("control", 1), ("treat", 1)]
    (root / "rules.segl").write_text(
        SOURCES + rules.replace("WC", "10").replace("WT", "90"), "utf-8"
    )
    con = duckdb.connect(url.removeprefix("duckdb:///"))
    try:
        con.execute("UPDATE users SET city = NULL WHERE user_id = 'q01'")
        con.execute("UPDATE users SET city = 'T' WHERE user_id = 'q11'")
    finally:
        con.close()
    second = _report(cli, root, url, "sticky", "--as-of", "2026-11-15")
    assert [(a["arm"], a["users"]) for a in second["arms"]] == [("control", 1), ("treat", 2)]
    treat = second["arms"][1]["metrics"]["n"]
    assert (treat["mean"], treat["diff"], treat["lift"]) == (0, 0, None)
    assert second["srm_p"] == pytest.approx(0.17793172526825077, rel=1e-6)
    assert second["srm_mismatch"] is False


def test_report_over_users_respects_created(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §2.5: "`created C` names the column at which a profile row starts to exist: a
    user created at or after the as-of is not in that run's universe"; §3.6 "`over users`:
    one row per user of the universe". As-of 10-10 00:00: c1 created 10-01 (in),
    c2 created 10-10 00:00 exactly (out), c3 created 10-11 (out), c4 created null (docs:
    "a null C counts as always there": in). count() = 2."""
    rules = """
report everyone over people {
    n = count()
}
"""
    people = """
source people from table "people" key user_id created registered_at {
    user_id: string
    registered_at: timestamp
}
"""
    root = write_project({"rules.segl": people + rules})
    path = (tmp_path / "wh.duckdb").resolve()
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE people (user_id VARCHAR, registered_at TIMESTAMP)")
        con.executemany(
            "INSERT INTO people VALUES (?, ?)",
            [("c1", D(2026, 10, 1)), ("c2", D(2026, 10, 10)), ("c3", D(2026, 10, 11)),
             ("c4", None)],
        )  # fmt: skip
    finally:
        con.close()
    got = _report(cli, root, f"duckdb:///{path}", "everyone", "--as-of", "2026-10-10")
    assert got["kind"] == "report"
    assert got["rows"] == [{"n": 2}]


def test_funnel_censoring_counts_only_entries_in_the_range(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3.4: "The entry range `[from, to)` ... bounds the first step only"; "A user
    who has not reached the last step while the window of one of their entries is still
    open at the as-of is ... reported as censored." Funnel f (within 3 days), range
    [10-01, 10-10), as-of 10-11.
    e1: a 10-02 (an entry; window closed 10-05) and a 10-10 12:00 (after --to: not an
        entry, so its open window does not make e1 censored), b 10-10 13:00 (chained only
        from the non-entry): reaches a, not censored.
    e2: b inserted before a, both at 10-03 08:00 (row order must not matter): reaches b.
    Steps a 2, b 1, c 0; censored 0; median b - a 0.
    """
    events = [
        _ev("e1", D(2026, 10, 2), "a"),
        _ev("e1", D(2026, 10, 10, 12), "a"),
        _ev("e1", D(2026, 10, 10, 13), "b"),
        _ev("e2", D(2026, 10, 3, 8), "b"),
        _ev("e2", D(2026, 10, 3, 8), "a"),
    ]
    root, url = _project(write_project, tmp_path, FUNNEL_F, events)
    got = _report(
        cli, root, url, "f", "--as-of", "2026-10-11", "--from", "2026-10-01", "--to", "2026-10-10"
    )
    total = got["groups"][0]
    _assert_steps(
        _steps(total),
        [("a", 2, 1.0, None, None), ("b", 1, 0.5, 0.5, 0.0), ("c", 0, 0.0, 0.0, None)],
    )
    assert total["censored"] == 0


WEEKS_NY = """
retention week_cal {
    cohort first events where name == "register"
    return events where name == "visit"
    by week
    periods 2
}

retention week_rolling {
    cohort first events where name == "register"
    return events where name == "visit"
    by week
    periods 2
    rolling
}
"""


@pytest.mark.parametrize(
    ("name", "cohort", "retained"),
    [
        # calendar weeks from Monday: cohort week 02-23 (03-01 is a Sunday); week 1 =
        # 03-02..03-08 holds w1's visit, week 2 = 03-09..03-15 holds w2's
        ("week_cal", "2026-02-23", [1, 1]),
        # rolling weeks of 7 x 24 h from 03-01 12:00 EST (17:00 UTC): week 1 =
        # [03-08 17:00 UTC = 13:00 EDT, 03-15 13:00 EDT): w1's 03-08 12:30 EDT is still
        # week 0, w2's 03-15 12:30 EDT is week 1; week 2 nobody
        ("week_rolling", "2026-02-23", [1, 0]),
    ],
)
def test_retention_rolling_week_is_7_times_24_hours_across_dst(
    cli: Cli,
    write_project: Callable[..., Path],
    tmp_path: Path,
    name: str,
    cohort: str,
    retained: list[Any],
) -> None:
    """SPEC §3.5: "`rolling`: period k is `[t0 + k units, t0 + (k + 1) units)` ... (day
    = 24 h, week = 7 days ...)"; calendar weeks start on Monday in the project's zone.
    America/New_York, DST from Sun 03-08 02:00. w1, w2 register Sun 03-01 12:00 EST;
    w1 visits 03-08 12:30 EDT, w2 visits 03-15 12:30 EDT. As-of 04-01 (all cells over)."""
    events = [
        _ev("w1", D(2026, 3, 1, 12), "register"),
        _ev("w1", D(2026, 3, 8, 12, 30), "visit"),
        _ev("w2", D(2026, 3, 1, 12), "register"),
        _ev("w2", D(2026, 3, 15, 12, 30), "visit"),
    ]
    root, url = _project(write_project, tmp_path, WEEKS_NY, events, zone="America/New_York")
    got = _report(
        cli, root, url, name, "--as-of", "2026-04-01", "--from", "2026-02-01",
        "--to", "2026-03-05",
    )  # fmt: skip
    assert _cohorts(got) == [(cohort, 2, retained)]


def test_retention_rolling_month_is_a_calendar_month_across_dst(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3.5: rolling "month = calendar month with clamping" (a month has no fixed
    length: t0 + 1 month is the same wall time a calendar month later, in the project's
    zone). America/New_York, DST from 03-08.
    h1: first order Feb 15 12:00 EST; order Mar 15 12:30 EDT: t0 + 1 month = Mar 15
        12:00 EDT, so month 1 = [Mar 15 12:00, Apr 15 12:00): retained.
    h2: first order Feb 15 12:00 EST; order Mar 15 11:30 EDT: still month 0.
    Cohort February, size 2, [1]; as-of 05-01 (over).
    """
    rules = """
retention month_rolling {
    cohort first orders
    return orders
    by month
    periods 1
    rolling
}
"""
    orders = [
        _order("h1", D(2026, 2, 15, 12)),
        _order("h1", D(2026, 3, 15, 12, 30)),
        _order("h2", D(2026, 2, 15, 12)),
        _order("h2", D(2026, 3, 15, 11, 30)),
    ]
    root, url = _project(write_project, tmp_path, rules, orders=orders, zone="America/New_York")
    got = _report(
        cli, root, url, "month_rolling", "--as-of", "2026-05-01", "--from", "2026-02-01",
        "--to", "2026-03-01",
    )  # fmt: skip
    assert [(size, cells) for _, size, cells in _cohorts(got)] == [(2, [1])]


def test_report_window_in_last_month_clamps_at_month_end(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3: "`in last N days` is the half-open interval `[as_of - N days, as_of)`";
    "Months clamp at month end (Mar 31 minus 1 month is Feb 28/29)". As-of 2026-03-31
    00:00: `in last 1 months` = [2026-02-28 00:00, 2026-03-31 00:00).
    Orders: 02-27 23:59:59 (out), 02-28 00:00 (in), 03-30 23:59:59 (in), 03-31 00:00 (=
    as-of: out). n = 2, total = 2 + 4 = 6."""
    rules = """
report last_month over orders in last 1 months {
    n = count()
    total = sum(amount)
}

report since_30th over orders since date "2026-03-30" {
    n = count()
    total = sum(amount)
}
"""
    orders = [
        _order("l1", D(2026, 2, 27, 23, 59, 59), 1.0),
        _order("l1", D(2026, 2, 28), 2.0),
        _order("l2", D(2026, 3, 30, 23, 59, 59), 4.0),
        _order("l2", D(2026, 3, 31), 8.0),
    ]
    root, url = _project(write_project, tmp_path, rules, orders=orders)
    got = _report(cli, root, url, "last_month", "--as-of", "2026-03-31")
    assert got["rows"] == [{"n": 2, "total": 6}]
    # SPEC §3: "`since T` is the interval `[T, as_of)`": since 03-30 00:00 holds only the
    # order of 03-30 23:59:59 (the one at 03-31 00:00 is at the as-of).
    got = _report(cli, root, url, "since_30th", "--as-of", "2026-03-31")
    assert got["rows"] == [{"n": 1, "total": 4}]


def test_experiment_numeric_keys_hash_their_digits(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3.3: `u = int(hex(md5(utf8(salt + ":" + user_key)))[0:8], 16) / 2^32`, with
    golden vectors for "numeric keys" (docs/reports.md: "A number key is hashed as its
    digits"). Keys 1..8 (BIGINT), salt "num", arms a 50% / b 50%.
    By hand: "num:1" .3493, "num:2" .3417, "num:3" .9172, "num:4" .0804, "num:5" .5169,
    "num:6" .7189, "num:7" .6054, "num:8" .0983 -> a = {1, 2, 4, 8}, b = {3, 5, 6, 7}.
    (Hashing "1.0" ... would give a = {2, 3, 4, 6, 7, 8}, b = {1, 5}.)
    Metric flagged = share(users.flag == "y"), flag y for keys 1 and 3: a 1/4, b 1/4,
    diff 0, lift 0. SRM: 4 vs 4, chi2 0, p 1.
    """
    rules = """
source users from table "users" key user_id {
    user_id: number
    flag: string
}

experiment num_exp {
    population users.user_id >= 1
    salt "num"
    arm a 50%
    arm b 50%
    metric flagged = share(users.flag == "y")
}
"""
    root = write_project({"rules.segl": rules})
    path = (tmp_path / "wh.duckdb").resolve()
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE users (user_id BIGINT, flag VARCHAR)")
        con.executemany(
            "INSERT INTO users VALUES (?, ?)",
            [(k, "y" if k in (1, 3) else "n") for k in range(1, 9)],
        )
    finally:
        con.close()
    got = _report(cli, root, f"duckdb:///{path}", "num_exp", "--as-of", "2026-10-10")
    assert got["control"] == "a"
    assert [(a["arm"], a["users"]) for a in got["arms"]] == [("a", 4), ("b", 4)]
    flagged = {a["arm"]: a["metrics"]["flagged"] for a in got["arms"]}
    assert flagged["a"]["mean"] == pytest.approx(0.25)
    assert flagged["b"]["mean"] == pytest.approx(0.25)
    assert flagged["b"]["diff"] == pytest.approx(0.0) and flagged["b"]["lift"] == pytest.approx(0.0)
    assert got["srm_p"] == pytest.approx(1.0) and got["srm_mismatch"] is False


def test_report_median_of_an_even_count_and_extreme_percentiles(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3.6 aggregates `median`, `percentile(x, p)`: amounts 1, 2, 3, 10 (in any row
    order): median = (2 + 3) / 2 = 2.5; percentile 0 = min 1; percentile 1 = max 10;
    percentile .5 = the median 2.5; avg 4."""
    rules = """
report spread over orders {
    med = median(amount)
    p0 = percentile(amount, 0)
    p50 = percentile(amount, 0.5)
    p100 = percentile(amount, 1)
    mean = avg(amount)
}
"""
    orders = [_order(f"m{a}", D(2026, 10, 1 + a % 5), float(a)) for a in (10, 1, 3, 2)]
    root, url = _project(write_project, tmp_path, rules, orders=orders)
    got = _report(cli, root, url, "spread", "--as-of", "2026-10-20")
    assert got["rows"] == [{"med": 2.5, "p0": 1, "p50": 2.5, "p100": 10, "mean": 4}]


def test_event_report_uses_per_user_values_as_of_the_run(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §3.6: "`over S ...`: one row per event of S before the as-of; per-user values
    (tags, profile columns) may be used and are the user's values as of the run."
    Tag repeat = count(orders) >= 2. As-of 10-20: a1 has orders 10-01 and 10-05 (repeat
    true for both rows, also the first, when a1 had one order), a2 has one order 10-02
    (false), a3 one order 10-03 and one at 10-20 00:00 (= as-of: invisible, so false).
    Amounts: a1 1 and 4, a2 2, a3 3. true (a1's two rows): n 2, total 5, buyers 1;
    false (a2, a3): n 2, total 5, buyers 2.
    """
    rules = """
tag repeat = count(orders) >= 2

report by_repeat over orders by repeat {
    n = count()
    total = sum(amount)
    buyers = count_distinct(users.user_id)
}
"""
    orders = [
        _order("a1", D(2026, 10, 1), 1.0),
        _order("a1", D(2026, 10, 5), 4.0),
        _order("a2", D(2026, 10, 2), 2.0),
        _order("a3", D(2026, 10, 3), 3.0),
        _order("a3", D(2026, 10, 20), 100.0),
    ]
    root, url = _project(write_project, tmp_path, rules, orders=orders)
    got = _report(cli, root, url, "by_repeat", "--as-of", "2026-10-20")
    rows = {row["repeat"]: row for row in got["rows"]}
    assert rows == {
        False: {"repeat": False, "n": 2, "total": 5, "buyers": 2},
        True: {"repeat": True, "n": 2, "total": 5, "buyers": 1},
    }


def test_json_keys_and_order_of_all_kinds(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """SPEC §2.7: "Every report renders as ... JSON (for CI and other tools)"; §2.8 results
    per arm: users, each metric's mean, difference to control with a 95% CI, relative
    lift, and a sample-ratio-mismatch check. docs/reports.md (JSON): the keys are the
    public interface ("Tools may rely on the keys shown here; new keys may be added"),
    and `segl report` without names runs funnels first, then retention, reports and
    experiments. One user (key "p07", bucket .1041 of salt "audit-exp": control), one
    visit, one order; as-of 10-20, default ranges."""
    rules = (
        FUNNEL_F
        + """
retention ret {
    cohort first orders
    return orders
    by week
    periods 1
}

report rep over orders {
    n = count()
}
"""
        + EXPERIMENT
    )
    events = [_ev("p07", D(2026, 10, 5), "a")]
    orders = [_order("p07", D(2026, 10, 6), 5.0)]
    root, url = _project(write_project, tmp_path, rules, events, orders)
    ran = cli("report", str(root), "--db", url, "--as-of", "2026-10-20", "--format", "json")
    assert ran.code == 0, ran.output
    results = json.loads(ran.out)
    assert [(r["name"], r["kind"]) for r in results] == [
        ("f", "funnel"),
        ("ret", "retention"),
        ("rep", "report"),
        ("audit_exp", "experiment"),
    ]
    funnel, retention, report, experiment = results
    assert set(funnel) >= {"name", "kind", "from", "to", "as_of", "groups"}
    assert set(funnel["groups"][0]) >= {"key", "censored", "steps"}
    assert set(funnel["groups"][0]["steps"][0]) >= {
        "name", "users", "rate_from_first", "rate_from_previous",
        "median_seconds_from_previous",
    }  # fmt: skip
    assert [s["users"] for s in funnel["groups"][0]["steps"]] == [1, 0, 0]
    assert set(retention) >= {"name", "kind", "as_of", "cohorts"}
    # cohort week of Tue 10-06 is Mon 10-05; week 1 (10-12 .. 10-19) is over: 0
    assert retention["cohorts"] == [{"cohort": "2026-10-05", "size": 1, "retained": [0]}]
    assert set(report) >= {"name", "kind", "over", "as_of", "rows"}
    assert report["rows"] == [{"n": 1}]
    assert set(experiment) >= {
        "name", "kind", "salt", "control", "as_of", "arms", "srm_p", "srm_mismatch",
    }  # fmt: skip
    assert [(a["arm"], a["users"]) for a in experiment["arms"]] == [
        ("control", 1),
        ("low", 0),
        ("high", 0),
    ]
    control = experiment["arms"][0]["metrics"]["order_value"]
    assert set(control) >= {"mean", "diff", "ci_low", "ci_high", "lift"}
    # no order since 2026-11-01 at an as-of of 10-20: the per-user avg is null
    assert control["mean"] is None
    assert experiment["arms"][0]["metrics"]["repurchase"]["mean"] == 0

"""Alerts (SPEC §3.7, docs/monitoring.md): the three-valued evaluation of a condition, the
state machine (fires once per firing, stays firing while true, cooldown, repeat), and
the alert run inside `segl run` on DuckDB: history rows in the run's transaction, the run
summary, `segl alerts`, and notifications through `segl deliver`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import loaded_rules
from test_delivery import Receiver, receiver  # noqa: F401 - the fixture

from segl.compiler import ir
from segl.compiler.alerts.evaluate import Sides, evaluate, holds, measured_op, sides
from segl.compiler.alerts.model import (
    Alert,
    Alerts,
    Arith,
    Change,
    Compare,
    Const,
    Leaf,
    Logic,
    Months,
    Moved,
    Neg,
    Not,
    Size,
    Users,
)
from segl.compiler.ops import ArithOp, CompareOp, LogicOp
from segl.compiler.store import Store
from segl.compiler.types import Type
from segl.runtime import alerts as alert_run
from segl.runtime.alert_values import LeafValue as Reading
from segl.runtime.alert_values import reference_run
from segl.runtime.alerts import FIRING, OK, UNKNOWN, AlertRow, decide, notification_id
from segl.runtime.delivery import Delivery, Destination, RetryPolicy
from segl.runtime.engines import DuckDBEngine, Engine
from segl.runtime.project import LoadedProject
from segl.runtime.run import run_loaded, store_of
from segl.runtime.tables import summary_text

T = dt.datetime
DAY = dt.timedelta(days=1)

# ---------------------------------------------------------------- evaluation

A, B = Users(), Size(segment="active")


def c(value: float) -> Const:
    return Const(value)


@pytest.mark.parametrize(
    ("left", "right", "and_", "or_"),
    [
        (True, True, True, True),
        (True, False, False, True),
        (True, None, None, True),
        (False, None, False, None),
        (None, None, None, None),
        (False, False, False, False),
    ],
)
def test_and_or_are_kleene(
    left: bool | None, right: bool | None, and_: bool | None, or_: bool | None
) -> None:
    def truth(value: bool | None) -> Compare:
        # TRUE: A > 0; FALSE: A < 0; NULL: B > 0 with B null
        if value is None:
            return Compare(CompareOp.GT, B, c(0))
        return Compare(CompareOp.GT if value else CompareOp.LT, A, c(0))

    values: dict[Leaf, float | None] = {A: 1.0, B: None}
    for op, expected in ((LogicOp.AND, and_), (LogicOp.OR, or_)):
        assert holds(Logic(op, truth(left), truth(right)), values) is expected
        assert holds(Logic(op, truth(right), truth(left)), values) is expected
    negated = holds(Not(truth(left)), values)
    assert negated is (None if left is None else not left)


def test_null_propagates_through_arithmetic_and_comparisons() -> None:
    values: dict[Leaf, float | None] = {A: 4.0, B: None}
    assert evaluate(Arith(ArithOp.ADD, A, B), values) is None
    assert evaluate(Neg(B), values) is None
    assert holds(Compare(CompareOp.EQ, B, B), values) is None
    assert holds(Compare(CompareOp.NE, A, B), values) is None
    assert evaluate(Arith(ArithOp.DIV, A, c(0)), values) is None  # division by zero
    assert evaluate(Arith(ArithOp.MOD, A, c(0)), values) is None
    assert evaluate(Arith(ArithOp.MOD, c(-7), c(3)), values) == -1.0  # the dividend's sign
    assert evaluate(Arith(ArithOp.DIV, A, c(8)), values) == 0.5
    inf = {A: math.inf, B: math.inf}
    assert evaluate(Arith(ArithOp.SUB, A, B), inf) is None  # inf - inf is NaN: null
    assert evaluate(Arith(ArithOp.MOD, A, c(2)), inf) is None  # no remainder of inf: null
    assert evaluate(Arith(ArithOp.MOD, c(3), B), inf) == 3.0  # an infinite divisor leaves 3
    assert holds(Compare(CompareOp.GT, A, c(1e300)), inf) is True
    assert evaluate(A, {A: math.nan}) is None  # NaN read as null
    assert evaluate(A, {}) is None  # a leaf without a value


def test_sides_are_value_and_threshold() -> None:
    values: dict[Leaf, float | None] = {A: 10.0, B: 3.0}
    slide = Compare(CompareOp.GT, Arith(ArithOp.DIV, B, A), c(0.05))
    assert sides(slide, values) == Sides(0.3, 0.05)
    assert measured_op(slide) == ">"
    flipped = Compare(CompareOp.LT, c(0.05), Arith(ArithOp.DIV, B, A))
    assert sides(flipped, values) == Sides(0.3, 0.05)
    assert measured_op(flipped) == ">"
    # a threshold written first as arithmetic of constants (1 / 5, -(10% * 2)) is still one
    fifth = Compare(CompareOp.LT, Arith(ArithOp.DIV, c(1), c(5)), Arith(ArithOp.DIV, B, A))
    assert sides(fifth, values) == Sides(0.3, 0.2)
    assert measured_op(fifth) == ">"
    negated = Compare(CompareOp.GT, Neg(Arith(ArithOp.MUL, c(0.1), c(2))), Neg(B))
    assert sides(negated, values) == Sides(-3.0, -0.2)
    assert measured_op(negated) == "<"
    constants = Compare(CompareOp.LT, Arith(ArithOp.DIV, c(1), c(5)), c(1))
    assert sides(constants, values) == Sides(0.2, 1.0)  # nothing measured: as written
    both = Logic(LogicOp.AND, slide, flipped)
    assert sides(both, values) == Sides(None, None)
    assert measured_op(both) is None


# ---------------------------------------------------------------- the state machine


START = T(2026, 11, 1)


def fold(alert: Alert, values: Sequence[float | None], start: T = START) -> list[AlertRow]:
    """The alert at weekly runs whose users() are `values` (None: unknown)."""
    rows: list[AlertRow] = []
    for week, value in enumerate(values):
        as_of = start + week * 7 * DAY
        reason = "no stored run as of ... or before" if value is None else None
        reading = {A: Reading(value, None, reason)}
        rows.append(decide("shop", alert, as_of, reading, rows))
    return rows


def notified(rows: Sequence[AlertRow]) -> list[int]:
    return [i for i, row in enumerate(rows) if row.notification_id is not None]


def test_fires_once_per_firing_and_stays_firing() -> None:
    alert = Alert("many", "Many users", Compare(CompareOp.GT, A, c(5)))
    rows = fold(alert, [None, 6, 7, 8, 1, None, 9, 9])
    assert [r.state for r in rows] == [UNKNOWN, FIRING, FIRING, FIRING, OK, UNKNOWN, FIRING, FIRING]
    assert notified(rows) == [1, 6]
    assert rows[3].firing_since == rows[1].as_of
    assert rows[7].firing_since == rows[6].as_of
    assert rows[4].firing_since is None
    assert rows[0].detail == "no stored run as of ... or before"
    assert (rows[2].value, rows[2].threshold) == (7.0, 5.0)
    assert rows[1].notification_id == notification_id("shop", "many", rows[1].as_of)
    assert len({r.notification_id for r in rows if r.notification_id}) == 2


def test_cooldown_suppresses_a_new_firing_soon_after_a_notification() -> None:
    alert = Alert("many", None, Compare(CompareOp.GT, A, c(5)), cooldown=21 * DAY)
    # fires at week 1, clears, fires again at week 3 (14 days after a notification:
    # suppressed), clears, fires at week 5 (28 days after the last one: notified)
    rows = fold(alert, [1, 6, 1, 6, 1, 6, 6])
    assert notified(rows) == [1, 5]
    assert rows[3].state == FIRING and rows[3].firing_since == rows[3].as_of


def test_repeat_notifies_again_while_firing() -> None:
    alert = Alert("many", None, Compare(CompareOp.GT, A, c(5)), repeat=14 * DAY)
    rows = fold(alert, [6, 6, 6, 6, 6, 1, 6])
    assert notified(rows) == [0, 2, 4, 6]
    suppressed = Alert("many", None, alert.condition, cooldown=21 * DAY, repeat=14 * DAY)
    # the second firing (week 2) falls in the cooldown: its repeat counts from its start
    assert notified(fold(suppressed, [6, 1, 6, 6, 6, 6])) == [0, 4]


def test_unknown_detail_names_the_reasons_or_a_null() -> None:
    alert = Alert("ratio", None, Compare(CompareOp.LT, Arith(ArithOp.DIV, B, A), c(0.5)))
    row = decide("shop", alert, T(2026, 11, 1), {A: Reading(0.0), B: Reading(0.0)}, [])
    assert row.state == UNKNOWN and row.detail == alert_run.NULL_VALUE
    gone = "layering 'q' changed between the runs"
    row = decide("shop", alert, T(2026, 11, 1), {A: Reading(None, None, gone), B: Reading(1)}, [])
    assert row.state == UNKNOWN and row.detail == gone


def test_a_number_that_cannot_be_known_makes_the_alert_unknown_whatever_the_rest_says() -> None:
    """SPEC §3.7: "without a reference run, an alert is unknown (not firing) and says so",
    also where three-valued logic would decide it (`x or TRUE`, `x and FALSE`); a null
    value (a share of no users) is not unknown, and `or` takes it as SQL does."""
    missing = "no stored run as of 2026-10-25 00:00:00 or before"
    unknowable = {A: Reading(None, None, missing), B: Reading(10)}
    holds, fails = Compare(CompareOp.GT, B, c(5)), Compare(CompareOp.LT, B, c(5))
    moved_up = Compare(CompareOp.GT, A, c(0.05))
    for condition in (Logic(LogicOp.OR, moved_up, holds), Logic(LogicOp.AND, moved_up, fails)):
        row = decide("shop", Alert("slide", None, condition), T(2026, 11, 1), unknowable, [])
        assert (row.state, row.detail, row.notification_id) == (UNKNOWN, missing, None)
    null_share = {A: Reading(None), B: Reading(10)}
    either = Alert("slide", None, Logic(LogicOp.OR, moved_up, holds))
    assert decide("shop", either, T(2026, 11, 1), null_share, []).state == FIRING


def test_a_stale_reference_run_is_said() -> None:
    change = Change(A, over=7 * DAY)
    alert = Alert("drop", None, Compare(CompareOp.LT, change, c(-0.2)))
    as_of = T(2026, 11, 29)
    fresh = {change: Reading(-0.5, T(2026, 11, 22))}
    assert decide("shop", alert, as_of, fresh, []).detail is None
    stale = {change: Reading(-0.5, T(2026, 11, 1))}
    row = decide("shop", alert, as_of, stale, [])
    assert row.state == FIRING and row.reference_as_of == T(2026, 11, 1)
    assert row.detail is not None and "21 days older than 2026-11-22" in str(row.detail)
    warnings = alert_run._stale_warning(alert, as_of, stale)
    assert [w.code for w in warnings] == ["W0902"]
    # unknown (a null change: nothing at the reference run), and said stale as well
    unknown = decide("shop", alert, as_of, {change: Reading(None, T(2026, 11, 1))}, [])
    assert unknown.state == UNKNOWN and unknown.detail is not None
    assert unknown.detail.startswith(alert_run.NULL_VALUE), unknown.detail
    assert "21 days older than 2026-11-22" in unknown.detail
    assert alert_run.cadence_warnings(_with_alerts(alert), 14 * DAY, "2w")[0].code == "W0901"
    assert alert_run.cadence_warnings(_with_alerts(alert), 7 * DAY, "1w") == []


# ---------------------------------------------------------------- a run on DuckDB

RULES = """\
source users from table "users" key user_id { user_id: number }
source orders from table "orders" user user_id time ts { amount: number }
tag orders_7d = count(orders in last 7 days)
segment active = orders_7d >= 1
"""


def _loaded() -> LoadedProject:
    return loaded_rules(RULES, "shop")


def _with_alerts(*alerts: Alert) -> ir.Project:
    loaded = _loaded()
    assert loaded.project is not None
    return dataclasses.replace(loaded.project, alerts=Alerts(tuple(alerts)))


FEW_ACTIVE = Alert("few_active", "Few active users", Compare(CompareOp.LT, B, c(3)))
HALF = Alert(
    "half_inactive",
    None,
    Compare(CompareOp.LT, Arith(ArithOp.DIV, B, A), c(0.5)),
)
NOBODY = Alert(
    "nobody",
    None,
    Logic(LogicOp.AND, Compare(CompareOp.GT, A, c(0)), Compare(CompareOp.EQ, B, c(0))),
)


ORDERS = [
    [1, T(2026, 11, 1, 10), 5.0],
    [2, T(2026, 11, 2, 10), 5.0],
    [3, T(2026, 11, 3, 10), 5.0],
    [4, T(2026, 11, 3, 10), 5.0],
    [1, T(2026, 11, 20, 10), 5.0],
]
RUNS = [T(2026, 11, 5), T(2026, 11, 12), T(2026, 11, 19), T(2026, 11, 26)]


@pytest.fixture
def shop() -> tuple[LoadedProject, DuckDBEngine]:
    loaded = _loaded()
    loaded.project = _with_alerts(FEW_ACTIVE, HALF, NOBODY)
    engine = DuckDBEngine()
    engine.create_table("users", [("user_id", Type.NUMBER)], [[u] for u in range(1, 7)])
    columns = [("user_id", Type.NUMBER), ("ts", Type.TIMESTAMP), ("amount", Type.NUMBER)]
    engine.create_table("orders", columns, ORDERS)
    return loaded, engine


def test_a_run_keeps_alert_history_and_summarises_it(
    shop: tuple[LoadedProject, DuckDBEngine],
) -> None:
    loaded, engine = shop
    summaries = [run_loaded(loaded, engine, as_of) for as_of in RUNS]
    store = store_of(loaded, engine)
    rows, uncommitted = alert_run.read_history(engine, store)
    assert uncommitted == set()
    by = {(r.alert, r.as_of): r for r in rows}
    # active users: 4 at 11-05, 0 at 11-12, 0 at 11-19, 1 at 11-26
    assert [by["few_active", t].state for t in RUNS] == [OK, FIRING, FIRING, FIRING]
    assert [by["few_active", t].value for t in RUNS] == [4.0, 0.0, 0.0, 1.0]
    assert [by["nobody", t].state for t in RUNS] == [OK, FIRING, FIRING, OK]
    assert by["few_active", RUNS[3]].firing_since == RUNS[1]
    assert [t for t in RUNS if by["few_active", t].notification_id] == [RUNS[1]]
    assert [t for t in RUNS if by["nobody", t].notification_id] == [RUNS[1]]
    assert summaries[1].alerts is not None
    text = summary_text(summaries[1])
    assert "alert few_active: firing since 2026-11-12 00:00:00: 0 < 3; notification" in text
    assert "alert half_inactive: firing since 2026-11-12 00:00:00: 0 < 0.5" in text
    # a re-run replaces its own row, and decides alike (the same notification id)
    again = run_loaded(loaded, engine, RUNS[1])
    assert again.alerts is not None
    assert again.alerts[0].row == by["few_active", RUNS[1]]
    assert len(alert_run.read_history(engine, store)[0]) == len(rows)
    latest = alert_run.latest_states(engine, store)
    assert [r.state if r else None for r in latest] == [FIRING, FIRING, OK]


def test_rows_of_a_killed_run_are_not_read_and_are_replaced(
    shop: tuple[LoadedProject, DuckDBEngine],
) -> None:
    """An engine without transactions may keep history rows of a run killed before its
    run log row: they are no previous state, and the next run removes them."""
    loaded, engine = shop
    run_loaded(loaded, engine, RUNS[0])
    store = store_of(loaded, engine)
    orphan = T(2026, 11, 9)
    engine.query(
        f'INSERT INTO "{store.alerts.name}" (as_of, alert, state, firing_since, notification_id)'
        f" VALUES (TIMESTAMP '{orphan}', 'few_active', 'firing', TIMESTAMP '{orphan}', 'x')"
    )
    assert alert_run.read_history(engine, store)[1] == {orphan}
    assert all(n[1] != "x" for n in alert_run.notifications(engine, store))
    run_loaded(loaded, engine, RUNS[1])
    rows, uncommitted = alert_run.read_history(engine, store)
    assert uncommitted == set()
    few = [r for r in rows if r.alert == "few_active"]
    assert few[-1].firing_since == RUNS[1]  # not carried over from the orphan
    assert few[-1].notification_id is not None


def _firing(loaded: LoadedProject, engine: Engine, as_of: dt.datetime, *alerts: Alert) -> AlertRow:
    """Run the rules with these alerts at `as_of`: the first alert's row."""
    loaded.project = _with_alerts(*alerts)
    summary = run_loaded(loaded, engine, as_of)
    assert summary.alerts is not None
    return summary.alerts[0].row


def test_an_edited_or_restored_alert_starts_a_new_firing(
    shop: tuple[LoadedProject, DuckDBEngine],
) -> None:
    """A firing carries over only from the same condition at the run before: an edited
    condition, or an alert left out of a run and restored, fires anew and notifies."""
    loaded, engine = shop
    for as_of in RUNS[:2]:  # 0 active users at 11-12: few_active fires, notified
        first = _firing(loaded, engine, as_of, FEW_ACTIVE)
    assert (first.firing_since, first.notification_id is not None) == (RUNS[1], True)
    retitled = dataclasses.replace(FEW_ACTIVE, title="Hardly any active users")
    kept = _firing(loaded, engine, T(2026, 11, 13), retitled, HALF)
    assert (kept.firing_since, kept.notification_id) == (RUNS[1], None)  # a title is no edit
    edited = dataclasses.replace(FEW_ACTIVE, condition=Compare(CompareOp.LT, B, c(2)))
    new = _firing(loaded, engine, T(2026, 11, 14), edited, HALF)
    assert (new.firing_since, new.notification_id is not None) == (T(2026, 11, 14), True)
    _firing(loaded, engine, T(2026, 11, 15), HALF)  # edited left out of this run
    back = _firing(loaded, engine, T(2026, 11, 16), edited, HALF)
    assert (back.firing_since, back.notification_id is not None) == (T(2026, 11, 16), True)
    again = _firing(loaded, engine, RUNS[2], edited, HALF)  # and it goes on firing
    assert (again.firing_since, again.notification_id) == (T(2026, 11, 16), None)


def test_a_run_without_alert_fingerprints_breaks_no_firing() -> None:
    """A run stored by an older segl or a compiled script kept no alert's fingerprint: it
    says nothing about the alert, so the firing goes on across it."""
    row = AlertRow(T(2026, 11, 1), "a", None, FIRING, 1.0, 0.0, None, T(2026, 11, 1), None, None)
    runs: dict[dt.datetime, dict[str, str] | None] = {
        T(2026, 11, 1): {"alert a": "f1", "t": "x"},
        T(2026, 11, 2): {"t": "x"},  # a compiled script
        T(2026, 11, 3): None,  # an older segl
    }
    assert alert_run.continued("a", "f1", row, runs, T(2026, 11, 4))
    assert not alert_run.continued("a", "f2", row, runs, T(2026, 11, 4))  # edited
    runs[T(2026, 11, 3)] = {"alert b": "f9"}  # a run of alerts without it
    assert not alert_run.continued("a", "f1", row, runs, T(2026, 11, 4))
    assert alert_run.continued("a", "f1", row, runs, T(2026, 11, 3))  # not yet before it
    assert not alert_run.continued("a", "f1", None, runs, T(2026, 11, 4))


def test_deliver_sends_each_notification_once(
    shop: tuple[LoadedProject, DuckDBEngine], tmp_path: Path
) -> None:
    loaded, engine = shop
    for as_of in RUNS:
        run_loaded(loaded, engine, as_of)
    store = store_of(loaded, engine)
    out = tmp_path / "out.jsonl"
    report = Delivery(engine, store, Destination("file", str(out))).run()
    assert report.delivered == 3 and report.ok
    sent = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(m["alert"] for m in sent) == ["few_active", "half_inactive", "nobody"]
    first = next(m for m in sent if m["alert"] == "few_active")
    assert first == {
        "message_id": notification_id("shop", "few_active", RUNS[1]),
        "project": "shop",
        "alert": "few_active",
        "title": "Few active users",
        "state": "firing",
        "value": 0.0,
        "threshold": 3.0,
        "as_of": "2026-11-12 00:00:00",
        "firing_since": "2026-11-12 00:00:00",
        "reference_as_of": None,
        "detail": None,
    }
    again = Delivery(engine, store, Destination("file", str(out))).run()
    assert (again.delivered, again.already) == (0, 3)
    assert len(out.read_text().splitlines()) == 3


def test_listing_json_and_text(shop: tuple[LoadedProject, DuckDBEngine]) -> None:
    loaded, engine = shop
    assert loaded.project is not None
    store = store_of(loaded, engine)
    before = alert_run.listing(loaded.project, alert_run.latest_states(engine, store))
    assert [(a["alert"], a["state"], a["as_of"]) for a in before] == [
        ("few_active", UNKNOWN, None),
        ("half_inactive", UNKNOWN, None),
        ("nobody", UNKNOWN, None),
    ]
    run_loaded(loaded, engine, RUNS[1])
    latest = alert_run.latest_states(engine, store)
    shown = alert_run.listing(loaded.project, latest)
    assert shown[0] == {
        "alert": "few_active",
        "title": "Few active users",
        "state": FIRING,
        "value": 0.0,
        "threshold": 3.0,
        "as_of": "2026-11-12 00:00:00",
        "firing_since": "2026-11-12 00:00:00",
        "reference_as_of": None,
        "detail": None,
        "notification_id": notification_id("shop", "few_active", RUNS[1]),
    }
    text = alert_run.listing_text(loaded.project, latest)
    assert "few_active     firing  2026-11-12 00:00:00  0 < 3" in text
    assert text.endswith("3 alerts, 3 firing\n")


# ---------------------------------------------------------------- month over month

MONTHLY = [T(2027, 1, 1), T(2027, 2, 1), T(2027, 3, 1), T(2027, 4, 1)]


def test_month_over_month_compares_with_the_previous_month_s_run() -> None:
    """`over 1 month` with runs on the 1st: the previous month's run every time; 30 days
    before March 1st is January 30th, so `over 30 days` compares March with January."""
    rules = RULES + (
        "alert members_mom = change(users(), over 1 month) < -10%\n"
        "alert members_30d = change(users(), over 30 days) < -10%\n"
    )
    loaded = loaded_rules(rules, "shop")
    engine = DuckDBEngine()
    engine.create_table("users", [("user_id", Type.NUMBER)], [[u] for u in range(1, 7)])
    columns = [("user_id", Type.NUMBER), ("ts", Type.TIMESTAMP), ("amount", Type.NUMBER)]
    engine.create_table("orders", columns, ORDERS)
    for as_of in MONTHLY:
        run_loaded(loaded, engine, as_of)
    rows, _ = alert_run.read_history(engine, store_of(loaded, engine))
    reference = {(r.alert, r.as_of): r.reference_as_of for r in rows}
    assert [reference["members_mom", t] for t in MONTHLY] == [None, *MONTHLY[:-1]]
    assert reference["members_30d", MONTHLY[2]] == MONTHLY[0]
    first = next(r for r in rows if r.alert == "members_mom" and r.as_of == MONTHLY[0])
    assert first.detail == "no stored run as of 2026-12-01 00:00:00 or before"


def test_a_month_back_from_a_month_end_is_the_shorter_month_s_last_day() -> None:
    runs = [T(2027, 2, 28), T(2027, 3, 1), T(2027, 3, 30)]
    assert reference_run(runs, T(2027, 3, 31), Months(1)) == T(2027, 2, 28)
    assert reference_run(runs, T(2027, 3, 31), Months(12)) is None
    assert reference_run(runs, T(2028, 3, 31), Months(13)) == T(2027, 2, 28)
    # a missing month is said: the reference is more than a month older than T - over
    change = Change(A, over=Months(1))
    alert = Alert("drop", None, Compare(CompareOp.LT, change, c(-0.2)))
    stale = {change: Reading(-0.5, T(2027, 1, 1))}
    detail = decide("shop", alert, T(2027, 3, 1), stale, []).detail
    assert detail is not None and "31 days older than 2027-02-01 00:00:00" in detail
    project = _with_alerts(alert)
    (warning,) = alert_run.cadence_warnings(project, 31 * DAY, "31d")
    assert "compares with the run 1 month before" in warning.message


def test_no_run_is_older_than_the_year_1() -> None:
    """T - over before the year 1 was clamped to 0001-01-01 00:00: a run at that instant
    took itself as its own reference run, and the next run's stale check overflowed."""
    runs = [T(1, 1, 1)]
    week = dt.timedelta(days=7)
    assert reference_run(runs, T(1, 1, 1), week) is None
    assert reference_run(runs, T(1, 1, 1), Months(1)) is None
    assert reference_run(runs, T(1, 1, 8), week) == T(1, 1, 1)
    change = Change(A, over=week)
    alert = Alert("drop", None, Compare(CompareOp.LT, change, c(-0.2)))
    row = decide("shop", alert, T(1, 1, 8), {change: Reading(-0.5, T(1, 1, 1))}, [])
    assert row.state == FIRING and row.detail is None


# ---------------------------------------------------------------- the worked timeline

SLIDE_RULES = """\
source users from table "users" key user_id { user_id: number }
source orders from table "orders" user user_id time ts { amount: number }
tag orders_30d = count(orders in last 30 days)
tag spend_30d = sum(orders.amount in last 30 days)
segment loyal = orders_30d >= 3
layering value_quadrant "Frequency x value" {
    hf_hv when orders_30d >= 3 and spend_30d >= 1000
    hf_lv when orders_30d >= 3
    lf_hv when spend_30d >= 1000
    lf_lv otherwise
}
"""
WEEK = 7 * DAY
SLIDE = Alert(
    "quadrant_slide",
    "High-freq low-value users sliding to low-freq low-value",
    Compare(CompareOp.GT, Moved("value_quadrant", "hf_lv", "lf_lv", WEEK), c(0.05)),
)
SHRINKING = Alert(
    "loyal_shrinking", None, Compare(CompareOp.LT, Change(Size(segment="loyal"), WEEK), c(-0.2))
)
# 20 users order every 6 days from September; some stop, and slide about 18 days later
STOPS = {1: T(2026, 10, 20), 2: T(2026, 10, 20), 3: T(2026, 10, 27), 4: T(2026, 10, 27)}
STOPS |= dict.fromkeys(range(5, 9), T(2026, 11, 10))
WEEKLY = [T(2026, 11, day) for day in (1, 8, 15, 22, 29)]


def slide_loaded(*alerts: Alert, rules: str = SLIDE_RULES) -> LoadedProject:
    loaded = loaded_rules(rules, "shop")
    assert loaded.project is not None
    loaded.project = dataclasses.replace(loaded.project, alerts=Alerts(alerts))
    return loaded


def slide_fill(engine: Engine) -> None:
    engine.create_table("users", [("user_id", Type.NUMBER)], [[u] for u in range(1, 21)])
    orders = []
    for user in range(1, 21):
        moment = T(2026, 9, 1, 12) + dt.timedelta(hours=user)
        while moment < STOPS.get(user, T(2026, 12, 1)):
            orders.append([user, moment, 20.0])
            moment += dt.timedelta(days=6)
    columns = [("user_id", Type.NUMBER), ("ts", Type.TIMESTAMP), ("amount", Type.NUMBER)]
    engine.create_table("orders", columns, orders)


def slide_shop(*alerts: Alert) -> tuple[LoadedProject, DuckDBEngine]:
    engine = DuckDBEngine()
    slide_fill(engine)
    return slide_loaded(*alerts), engine


def test_the_worked_timeline_of_docs_monitoring() -> None:
    """The timeline docs/monitoring.md shows, run by run."""
    cooled = dataclasses.replace(SLIDE, name="slide_cooled", cooldown=28 * DAY)
    loaded, engine = slide_shop(SLIDE, SHRINKING, cooled)
    lines = []
    for as_of in WEEKLY:
        summary = run_loaded(loaded, engine, as_of)
        lines += [line for line in summary_text(summary).splitlines() if line.startswith("alert")]
    rows, _ = alert_run.read_history(engine, store_of(loaded, engine))
    table = {
        name: [(r.state, r.value, r.firing_since, r.notification_id is not None)
               for r in rows if r.alert == name]
        for name in ("quadrant_slide", "loyal_shrinking", "slide_cooled")
    }  # fmt: skip
    nov = {day: T(2026, 11, day) for day in (8, 29)}
    assert table["quadrant_slide"] == [
        (UNKNOWN, None, None, False),
        (FIRING, 0.1, nov[8], True),
        (FIRING, 2 / 18, nov[8], False),  # stays firing: no second notification
        (OK, 0.0, None, False),
        (FIRING, 0.25, nov[29], True),  # a new firing: notified again
    ]
    assert [state for state, *_ in table["loyal_shrinking"]] == [UNKNOWN, OK, OK, OK, FIRING]
    assert [n for *_, n in table["slide_cooled"]] == [False, True, False, False, False]
    assert lines[0] == (
        "alert quadrant_slide: unknown: no stored run as of 2026-10-25 00:00:00 or before"
    )
    assert lines[3] == (
        "alert quadrant_slide: firing since 2026-11-08 00:00:00: 0.1 > 0.05; reference run "
        f"2026-11-01 00:00:00; notification {notification_id('shop', 'quadrant_slide', nov[8])}"
    )


# ---------------------------------------------------------------- notifications by webhook

WINBACK = """\
journey winback "Winback" {
    enter when orders_30d < 3
    step hello: send push "winback"
}
"""


def test_one_delivery_sends_journey_messages_and_alert_notifications(
    receiver: Receiver,  # noqa: F811 - the fixture of test_delivery
) -> None:
    """`segl deliver` to a real HTTP server that fails each key's first attempt: every
    journey message and every notification arrives, oldest run first, each processed
    once per Idempotency-Key and recorded as delivered once."""
    receiver.mode, receiver.fail_first = "flaky", 1
    loaded = slide_loaded(SLIDE, SHRINKING, rules=SLIDE_RULES + WINBACK)
    engine = DuckDBEngine()
    slide_fill(engine)
    for as_of in WEEKLY:
        run_loaded(loaded, engine, as_of)
    store = store_of(loaded, engine)
    notifications = [m for _, m, _ in alert_run.notifications(engine, store)]
    assert len(notifications) == 3
    policy = RetryPolicy(attempts=3, backoff=0.001, timeout=5)
    destination = Destination("webhook", receiver.url)
    report = Delivery(engine, store, destination, policy).run()
    assert report.ok and report.failed == 0
    bodies = {key: body for key, body, _ in receiver.received}
    alert_keys = [key for key in receiver.accepted if "alert" in bodies[key]]
    journey_keys = [key for key in receiver.accepted if "journey" in bodies[key]]
    assert alert_keys == notifications  # oldest run first
    assert len(journey_keys) == report.delivered - 3 > 0
    assert set(receiver.keys().values()) == {2}  # a 503, then accepted: twice per key
    assert bodies[notifications[0]]["alert"] == "quadrant_slide"
    assert bodies[notifications[0]]["as_of"] == "2026-11-08 00:00:00"
    as_ofs = [bodies[k].get("as_of") or bodies[k]["run_at"] for k in receiver.accepted]
    assert as_ofs == sorted(as_ofs)
    recorded = engine.query(
        f'SELECT message_id, count(*) FROM "{store.deliveries.name}" '
        "WHERE status = 'delivered' GROUP BY message_id"
    )
    assert {str(m) for m, _ in recorded} == set(receiver.accepted)
    assert {int(n) for _, n in recorded} == {1}
    again = Delivery(engine, store, destination, policy).run()
    assert (again.delivered, again.already) == (0, report.delivered)


def test_an_alert_over_a_changed_layering_is_unknown_and_says_so() -> None:
    loaded, engine = slide_shop(SLIDE)
    run_loaded(loaded, engine, WEEKLY[0])
    looser = SLIDE_RULES.replace("hf_lv when orders_30d >= 3", "hf_lv when orders_30d >= 2")
    assert looser != SLIDE_RULES
    changed = slide_loaded(SLIDE, rules=looser)
    summary = run_loaded(changed, engine, WEEKLY[1])
    assert summary.alerts is not None
    row = summary.alerts[0].row
    assert row.state == UNKNOWN and row.reference_as_of == WEEKLY[0]
    assert row.detail is not None and "value_quadrant" in row.detail and "changed" in row.detail
    assert f"alert quadrant_slide: unknown: reference run 2026-11-01 00:00:00; {row.detail}" in (
        summary_text(summary)
    )


def test_a_compiled_script_leaves_alerts_out() -> None:
    from segl.compiler.script import compile_run
    from segl.compiler.targets import get_target

    project = _with_alerts(FEW_ACTIVE)
    compiled = compile_run(project, RUNS[0], get_target("duckdb"))
    assert Store(project).alerts.name not in [t.name for t in compiled.tables]
    script = compiled.script()
    assert "alerts are evaluated by `segl run` only" in script
    assert "segl_shop_alerts" not in script


def test_a_run_of_the_past_keeps_history_but_notifies_nobody() -> None:
    loaded, engine = slide_shop(SLIDE)
    for as_of in (WEEKLY[0], WEEKLY[4]):
        run_loaded(loaded, engine, as_of)
    summary = run_loaded(loaded, engine, WEEKLY[1])  # filled in afterwards
    assert summary.alerts is not None
    row = summary.alerts[0].row
    assert (row.state, row.firing_since, row.notification_id) == (FIRING, WEEKLY[1], None)
    assert row.detail == (
        "a run of the past (the alert was evaluated as of 2026-11-29 00:00:00): not notified"
    )
    sent = alert_run.notifications(engine, store_of(loaded, engine))
    assert [as_of for as_of, _, _ in sent] == [WEEKLY[4]]
    # the latest as-of run again: now the firing began at the filled-in run, but the
    # notification its row had is kept (it may have been delivered)
    again = run_loaded(loaded, engine, WEEKLY[4])
    assert again.alerts is not None
    row = again.alerts[0].row
    assert (row.firing_since, row.notification_id) == (WEEKLY[1], sent[0][1])


@pytest.mark.parametrize(
    ("value", "op", "threshold", "text"),
    [
        (120999.0, ">", 120000.0, "120,999 > 120,000"),  # counts in full, not 1.21e+05
        (120999 / 121000, "<=", 0.99999, "0.999992 <= 0.99999"),  # digits until they differ
        (0.93, "<=", 0.92999, "0.93 <= 0.92999"),
        (1 / 12, ">", 0.05, "0.08333 > 0.05"),
        (0.05, ">", 0.05, "0.05 > 0.05"),  # equal sides: 4 digits
        (-0.5823, "<", -0.2, "-0.5823 < -0.2"),
        (math.inf, ">", 1.0, "inf > 1"),
        (None, ">", 1.0, "null > 1"),
    ],
)
def test_an_alert_line_tells_its_two_sides_apart(
    value: float | None, op: str, threshold: float, text: str
) -> None:
    """The run summary's `value op threshold`: rounded to 4 digits, 120,999 of 121,000
    printed `1 <= 1 is false` against 99.999% (the probe of 2026-12-05)."""
    assert alert_run.compared_text(value, op, threshold) == text


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (dt.timedelta(days=21), "21 days"),
        (dt.timedelta(hours=1, minutes=30), "1 hour 30 minutes"),
        (dt.timedelta(days=28, hours=1, minutes=34, seconds=1), "28 days 1 hour 34 minutes"),
        (dt.timedelta(seconds=30), "30 seconds"),
    ],
)
def test_a_stale_reference_span_reads_in_whole_units(delta: dt.timedelta, text: str) -> None:
    """W0902 printed `673.567 hours older` for a span of no whole unit."""
    assert alert_run._span(delta) == text

"""`enter on moved(L, from "a", to "b")` (issue 13): a journey reacts to the users who slid
from one tier to another between the journey's previous run and this one, entering at the
run's as-of; nobody enters at its first run, and nobody when the layering's definition
changed between the two runs (W0702). The generated journeys of
tests/test_journeys_differential.py draw such entries too, on every engine."""

from __future__ import annotations

import datetime as dt

from conftest import loaded_rules

from segl.compiler.types import Type
from segl.runtime.engines import DuckDBEngine, Engine
from segl.runtime.outbox import read_outbox
from segl.runtime.project import LoadedProject
from segl.runtime.reference.journeys import simulate
from segl.runtime.run import run_loaded, store_of

T = dt.datetime
RULES = """\
source users from table "users" key user_id { user_id: number }
source orders from table "orders" user user_id time ts { amount: number }
tag orders_7d = count(orders in last 7 days)
layering activity {
    active when orders_7d >= {ACTIVE}
    casual when orders_7d >= 1
    dormant otherwise
}
journey rescue {
    enter on moved(activity, from "active", to "casual")
    step nudge: send sms "come_back"
}
"""
# user 1: active in the week before 11-08, casual in the week before 11-15: enters 11-15
# user 2: active both weeks; user 3: casual, then dormant (not the move asked for)
# user 4: dormant, active, then casual in the week before 11-22: enters 11-22
# user 5: one order a week, casual both weeks
ORDERS = [
    [1, T(2026, 11, 3), 1.0],
    [1, T(2026, 11, 5), 1.0],
    [1, T(2026, 11, 10), 1.0],
    [2, T(2026, 11, 3), 1.0],
    [2, T(2026, 11, 5), 1.0],
    [2, T(2026, 11, 9), 1.0],
    [2, T(2026, 11, 10), 1.0],
    [3, T(2026, 11, 3), 1.0],
    [4, T(2026, 11, 9), 1.0],
    [4, T(2026, 11, 10), 1.0],
    [4, T(2026, 11, 16), 1.0],
    [5, T(2026, 11, 5), 1.0],
    [5, T(2026, 11, 12), 1.0],
]
RUNS = [T(2026, 11, 8), T(2026, 11, 15), T(2026, 11, 22)]


def loaded(active: int = 2) -> LoadedProject:
    return loaded_rules(RULES.replace("{ACTIVE}", str(active)), "tiers")


def load(engine: Engine) -> None:
    engine.create_table("users", [("user_id", Type.NUMBER)], [[1], [2], [3], [4], [5]])
    columns = [("user_id", Type.NUMBER), ("ts", Type.TIMESTAMP), ("amount", Type.NUMBER)]
    engine.create_table("orders", columns, ORDERS)


def entries(engine: Engine, project: LoadedProject) -> list[tuple[int, dt.datetime, str]]:
    found = read_outbox(engine, store_of(project, engine))
    return sorted((int(d["user"]), d["entry_at"], d["status"]) for d in found)


def test_users_who_slid_enter_at_the_run_that_sees_it() -> None:
    project = loaded()
    engine = DuckDBEngine()
    try:
        load(engine)
        for as_of in RUNS:
            run_loaded(project, engine, as_of)
        got = entries(engine, project)
    finally:
        engine.close()
    assert got == [(1, RUNS[1], "sent"), (4, RUNS[2], "sent")]
    assert project.project is not None
    rows = {
        "users": [{"user_id": u} for u in (1, 2, 3, 4, 5)],
        "orders": [dict(zip(("user_id", "ts", "amount"), row, strict=True)) for row in ORDERS],
    }
    reference = simulate(project.project, rows, RUNS)
    assert sorted((int(d.user), d.entry_at, d.status) for d in reference) == got  # type: ignore[call-overload]


def test_a_changed_layering_enters_nobody_and_says_why() -> None:
    engine = DuckDBEngine()
    try:
        load(engine)
        run_loaded(loaded(active=1), engine, RUNS[0])  # one order a week was "active"
        # compared naively, user 5 (one order a week all along) would have slid
        changed = loaded(active=2)
        summary = run_loaded(changed, engine, RUNS[1])
        assert entries(engine, changed) == []
        warning = next(w for w in summary.warnings if w.code == "W0702")
        assert "journey 'rescue' entered nobody by tier moves" in warning.message
        assert "layering 'activity' changed between the runs" in warning.message
        # the next run compares with the changed one: moves count again
        run_loaded(changed, engine, RUNS[2])
        assert entries(engine, changed) == [(4, RUNS[2], "sent")]
    finally:
        engine.close()


IDENTITY_RULES = """\
source users from table "users" key user_id as member { user_id: string }
source orders from table "orders" user user_id as member time ts { amount: number }
source devices from table "devices" user user_id as member time ts { device: string }
identity person {
    kinds member, device
    link devices: user_id as member, device as device
}
tag orders_7d = count(orders in last 7 days)
layering activity {
    active when orders_7d >= 2
    casual when orders_7d >= 1
    dormant otherwise
}
journey rescue {
    enter on moved(activity, from "active", to "casual")
    step nudge: send sms "come_back"
}
"""


def test_a_person_re_keyed_between_the_runs_is_followed_to_its_move() -> None:
    """Member m5 is active in the week before 11-08; member a1 (no orders) logs in on m5's
    device on 11-10, so from 11-15 they are one person keyed 'a1', casual that week. The
    person slid from active to casual and enters; under its old key it was no one's move
    (the stored layer was m5's, the current one a1's)."""
    loaded_project = loaded_rules(IDENTITY_RULES, "tiers")
    project = loaded_project.project
    assert project is not None
    orders = [
        ["m5", T(2026, 11, 3), 1.0],
        ["m5", T(2026, 11, 5), 1.0],
        ["m5", T(2026, 11, 12), 1.0],
    ]
    devices = [["m5", T(2026, 10, 1), "d5"], ["a1", T(2026, 11, 10), "d5"]]
    engine = DuckDBEngine.scratch()
    try:
        engine.create_table("users", [("user_id", Type.STRING)], [["m5"], ["a1"]])
        columns = [("user_id", Type.STRING), ("ts", Type.TIMESTAMP), ("amount", Type.NUMBER)]
        engine.create_table("orders", columns, orders)
        columns = [("user_id", Type.STRING), ("ts", Type.TIMESTAMP), ("device", Type.STRING)]
        engine.create_table("devices", columns, devices)
        for as_of in RUNS[:2]:
            run_loaded(loaded_project, engine, as_of)
        found = read_outbox(engine, store_of(loaded_project, engine))
    finally:
        engine.close()
    got = sorted((d["user"], d["entry_at"], d["status"]) for d in found)
    assert got == [("a1", RUNS[1], "sent")]
    rows: dict[str, list[dict[str, object]]] = {
        "users": [{"user_id": "m5"}, {"user_id": "a1"}],
        "orders": [dict(zip(("user_id", "ts", "amount"), row, strict=True)) for row in orders],
        "devices": [dict(zip(("user_id", "ts", "device"), row, strict=True)) for row in devices],
    }
    reference = simulate(project, rows, RUNS[:2])
    assert sorted((d.user, d.entry_at, d.status) for d in reference) == got

"""Sticky experiment assignments (SPEC §3.3, runtime/assignments.py) on the engine matrix:
`segl report`'s path records each user of the population once, with the arm of
bucket(user, salt), and never changes it; a later run keeps the arm of a user who left the
population, or the universe, or whose arm's weight changed; a run for an earlier as-of sees
only the assignments made by then. Every result equals the reference evaluator's given the
assignments read back from the table, including sticky users outside the universe."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from segl.compiler import ir
from segl.compiler.reports import model
from segl.compiler.store import Store
from segl.compiler.types import Type
from segl.compiler.values import bucket_of
from segl.dsl.diagnostics import DiagnosticError
from segl.runtime.assignments import assignments_at, record_assignments, run_sticky_experiment
from segl.runtime.engines import DuckDBEngine, Engine
from segl.runtime.project import load_paths
from segl.runtime.reference.reports import evaluate_report
from segl.runtime.run import run_loaded, store_of

SOURCES = """\
source users from table "users" key user_id {
    user_id: string
    city: string
}
source orders from table "orders" user user_id time paid_at { amount: number }

tag spend = sum(orders.amount)
"""
EXPERIMENT = """
segment chosen = users.city == "{city}"
experiment price "5 off vs 10 off" {{
    population chosen
    salt "{salt}"
    arm control {control}%
    arm ten_off {treated}%
    metric spend = spend
    metric bought = share(exists(orders))
}}
"""
TOML = '[project]\nname = "shop"\ntimezone = "Asia/Shanghai"\n'
COLUMNS = {
    "users": [("user_id", Type.STRING), ("city", Type.STRING)],
    "orders": [("user_id", Type.STRING), ("paid_at", Type.TIMESTAMP), ("amount", Type.NUMBER)],
}
FIRST, SECOND, EARLIER = (
    dt.datetime(2026, 11, 1),
    dt.datetime(2026, 11, 8),
    dt.datetime(2026, 10, 1),
)
LEAVER = "u3"  # assigned at FIRST, deleted from the users table before SECOND


def _tables() -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {"users": [], "orders": []}
    for n in range(40):
        user = f"u{n}"
        tables["users"].append({"user_id": user, "city": "北京" if n % 2 else "上海"})
        for k in range(n % 4):
            paid = dt.datetime(2026, 10, 10 + k, 9 + n % 7)
            tables["orders"].append({"user_id": user, "paid_at": paid, "amount": 5.0 + n + k})
    tables["users"][3]["city"] = "北京"  # the leaver is in the first population
    return tables


def _project(
    write_project: Callable[..., Path],
    folder: str,
    city: str,
    control: int,
    salt: str = "price-sticky",
) -> ir.Project:
    rules = SOURCES + EXPERIMENT.format(
        city=city, control=control, treated=100 - control, salt=salt
    )
    root = write_project({"rules.segl": rules, "segl.toml": TOML}, folder)
    loaded = load_paths([str(root)])
    assert loaded.project is not None, loaded.diagnostics
    return loaded.project


def _experiment(project: ir.Project) -> model.Experiment:
    assert project.reports is not None
    return project.reports.experiments[0]


def _fill(engine: Engine, tables: dict[str, list[dict[str, Any]]]) -> None:
    for name, columns in COLUMNS.items():
        engine.create_table(name, columns, [[row[c] for c, _ in columns] for row in tables[name]])


def _stored(
    engine: Engine, store: Store, project: ir.Project, as_of: dt.datetime
) -> dict[object, str]:
    rows = assignments_at(engine, store, project, "price", as_of)
    users = [user for user, _, _ in rows]
    assert users == sorted(users), users  # number keys by value (2 before 10), not as text
    return {user: arm for user, arm, at in rows if at is not None}


def test_assignments_stick_and_agree_with_the_reference(
    engine: Engine, write_project: Callable[..., Path]
) -> None:
    tables = _tables()
    _fill(engine, tables)
    first = _project(write_project, "v1", "北京", 50)
    store = Store(first, "segl_", engine.target.ascii_table_names)
    beijing = [r["user_id"] for r in tables["users"] if r["city"] == "北京"]

    # the first run: every user of the population assigned by bucket, stored
    got = run_sticky_experiment(engine, store, first, "price", FIRST)
    stored = _stored(engine, store, first, FIRST)
    arm_of = _experiment(first).arm_of
    assert stored == {u: arm_of(bucket_of(u, "price-sticky")) for u in beijing}
    assert got == evaluate_report(first, tables, "price", FIRST, assigned=stored)
    assert sum(arm["users"] for arm in got["arms"]) == len(beijing)

    # a run for an earlier as-of sees no assignment made after it, and stores none for
    # users who already have one
    before = assignments_at(engine, store, first, "price", EARLIER)
    assert all(at is None for _, _, at in before)
    record_assignments(engine, store, first, "price", EARLIER)
    assert _stored(engine, store, first, EARLIER) == {}
    assert _stored(engine, store, first, FIRST) == stored

    # the population moves to Shanghai, the weights to 10/90, the leaver leaves the universe
    second = _project(write_project, "v2", "上海", 10)
    tables["users"] = [r for r in tables["users"] if r["user_id"] != LEAVER]
    _fill(engine, tables)
    got = run_sticky_experiment(engine, store, second, "price", SECOND)
    after = _stored(engine, store, second, SECOND)
    shanghai = [r["user_id"] for r in tables["users"] if r["city"] == "上海"]
    new_arm = _experiment(second).arm_of
    assert after == {
        **stored,  # kept, the leaver's too
        **{u: new_arm(bucket_of(u, "price-sticky")) for u in shanghai},
    }
    assert any(stored[u] != new_arm(bucket_of(str(u), "price-sticky")) for u in stored), (
        "some user's arm would differ under the new weights: the test shows stickiness"
    )
    assert after[LEAVER] == stored[LEAVER]
    assert got == evaluate_report(second, tables, "price", SECOND, assigned=after)
    assert sum(arm["users"] for arm in got["arms"]) == len(after)

    # running SECOND again changes nothing
    again = run_sticky_experiment(engine, store, second, "price", SECOND)
    assert again == got
    assert _stored(engine, store, second, SECOND) == after


def test_a_run_assigns_the_population_of_its_as_of(
    engine: Engine, write_project: Callable[..., Path]
) -> None:
    """SPEC §3.3: a user is assigned the first time they are in the population, and runs
    see the population too. Users in it at a run only, gone before the first report, keep
    the arm that run gave them: the report counts them, not only those who stayed."""
    tables = _tables()
    _fill(engine, tables)
    rules = SOURCES + EXPERIMENT.format(city="北京", control=50, treated=50, salt="price-sticky")
    loaded = load_paths([str(write_project({"rules.segl": rules, "segl.toml": TOML}, "run"))])
    assert loaded.project is not None, loaded.diagnostics
    run_loaded(loaded, engine, FIRST)
    project, store = loaded.project, store_of(loaded, engine)
    beijing = [r["user_id"] for r in tables["users"] if r["city"] == "北京"]
    arm_of = _experiment(project).arm_of
    assigned = {u: arm_of(bucket_of(u, "price-sticky")) for u in beijing}
    assert _stored(engine, store, project, FIRST) == assigned

    for row in tables["users"]:  # everybody leaves the population before the report
        row["city"] = "上海"
    _fill(engine, tables)
    got = run_sticky_experiment(engine, store, project, "price", SECOND)
    assert _stored(engine, store, project, SECOND) == assigned
    assert sum(arm["users"] for arm in got["arms"]) == len(beijing)
    run_loaded(loaded, engine, SECOND)  # a run again: nobody new, nobody moved
    assert _stored(engine, store, project, SECOND) == assigned


def test_a_run_whose_assignments_are_refused_says_the_run_was_written(
    write_project: Callable[..., Path],
) -> None:
    """The assignments are recorded after the run's transaction: a database refusing them
    (here: the table is a view) fails the command with E0605, saying the run was written,
    not with the engine's bare error."""
    engine = DuckDBEngine.scratch()
    tables = _tables()
    _fill(engine, tables)
    rules = SOURCES + EXPERIMENT.format(city="北京", control=50, treated=50, salt="price-sticky")
    loaded = load_paths([str(write_project({"rules.segl": rules, "segl.toml": TOML}, "view"))])
    engine.query(
        "CREATE VIEW segl_shop_experiment_assignments AS SELECT 'e' AS experiment, 's' AS salt, "
        "'u' AS user_id, 'a' AS arm, TIMESTAMP '2026-01-01' AS assigned_at, "
        "TIMESTAMPTZ '2026-01-01 00:00:00+00' AS run_at"
    )
    with pytest.raises(DiagnosticError) as raised:
        run_loaded(loaded, engine, FIRST)
    (refused,) = raised.value.diagnostics
    assert refused.code == "E0605"
    assert "refused experiment 'price's assignments as of 2026-11-01 00:00:00" in refused.message
    assert any("the run itself was written" in hint for hint in refused.hints)
    assert engine.query("SELECT count(*) FROM segl_shop_tags") == [(40,)]
    engine.close()


def test_a_new_salt_is_a_new_experiment(engine: Engine, write_project: Callable[..., Path]) -> None:
    tables = _tables()
    _fill(engine, tables)
    project = _project(write_project, "v1", "北京", 50)
    store = Store(project, "segl_", engine.target.ascii_table_names)
    record_assignments(engine, store, project, "price", FIRST)
    resalted = _project(write_project, "v2", "北京", 50, "price-sticky-2")
    rows = assignments_at(engine, store, resalted, "price", FIRST)
    assert rows and all(at is None for _, _, at in rows)  # nothing stored under the new salt
    arm_of = _experiment(resalted).arm_of
    assert {u: a for u, a, _ in rows} == {
        u: arm_of(bucket_of(u, "price-sticky-2"))
        for u in (r["user_id"] for r in tables["users"] if r["city"] == "北京")
    }


def test_an_undeclared_integer_key_is_stored_as_the_warehouse_types_it(
    engine: Engine, write_project: Callable[..., Path]
) -> None:
    """SPEC §2.1's users source does not declare its key column: once the sources are
    verified, the assignments table's key takes the warehouse column's type (numbers
    here), so the stored assignments compare with the users (as text they would not, on
    DuckDB or PostgreSQL), and a second run of the experiment reads them back."""
    from segl.runtime.run import store_of, verify_sources

    rules = """\
source users from table "users" key user_id {
    city: string
}
source orders from table "orders" user user_id time paid_at { amount: number }

tag spend = sum(orders.amount)
experiment price {
    population spend >= 0
    salt "numbers"
    arm control 50%
    arm ten_off 50%
    metric spend = spend
}
"""
    root = write_project({"rules.segl": rules, "segl.toml": TOML}, "numbers")
    loaded = load_paths([str(root)])
    users = [[n, "北京"] for n in range(1, 21)]
    engine.create_table("users", [("user_id", Type.NUMBER), ("city", Type.STRING)], users)
    orders = [[n, dt.datetime(2026, 10, 10), float(n)] for n in range(1, 21)]
    columns = [("user_id", Type.NUMBER), ("paid_at", Type.TIMESTAMP), ("amount", Type.NUMBER)]
    engine.create_table("orders", columns, orders)
    assert verify_sources(loaded, engine) == []
    assert loaded.project is not None and loaded.project.key is Type.NUMBER
    store = store_of(loaded, engine)
    first = run_sticky_experiment(engine, store, loaded.project, "price", FIRST)
    again = run_sticky_experiment(engine, store, loaded.project, "price", SECOND)
    assert sum(arm["users"] for arm in first["arms"]) == 20
    assert [arm["users"] for arm in again["arms"]] == [arm["users"] for arm in first["arms"]]
    stored = _stored(engine, store, loaded.project, SECOND)
    assert {float(str(user)) for user in stored} == {float(n) for n in range(1, 21)}


def test_users_whose_key_has_no_bucket_are_counted_as_unassigned(
    engine: Engine, write_project: Callable[..., Path]
) -> None:
    """A number key with a fraction, or outside the 64-bit integer range, has no bucket
    (docs/semantics.md): no arm can take its user (2**53, a whole double, is its digits).
    The experiment says how many (`unassigned`, the same as the reference's) instead of
    leaving them out silently, and the text warns."""
    from segl.runtime.report_command import experiment_warnings
    from segl.runtime.run import store_of, verify_sources

    rules = """\
source users from table "users" key user_id {
    user_id: number
}
experiment price {
    population true
    salt "numbers"
    arm control 50%
    arm ten_off 50%
    metric one = 1
}
"""
    root = write_project({"rules.segl": rules, "segl.toml": TOML}, "fractions")
    loaded = load_paths([str(root)])
    keys = [1, 2, 3, 4.5, 2.0**53, 1e19]
    engine.create_table("users", [("user_id", Type.NUMBER)], [[k] for k in keys])
    assert verify_sources(loaded, engine) == []
    assert loaded.project is not None
    got = run_sticky_experiment(engine, store_of(loaded, engine), loaded.project, "price", FIRST)
    assert got["unassigned"] == 2
    assert sum(arm["users"] for arm in got["arms"]) == 4
    tables = {"users": [{"user_id": k} for k in keys]}
    assert evaluate_report(loaded.project, tables, "price", FIRST)["unassigned"] == 2
    assert experiment_warnings(got) == [
        "warning: 2 users of the population in no arm: their key has no bucket (a number "
        "with a fraction, or outside the 64-bit integer range); keep such keys in an integer "
        "or text column"
    ]
    empty = {**got, "arms": [{**arm, "users": 0} for arm in got["arms"]], "unassigned": 0}
    assert len(experiment_warnings(empty)) == 1
    assert "the experiment has no users at the as-of" in experiment_warnings(empty)[0]


IDENTITY_RULES = """\
source users from table "users" key user_id as member created joined {
    user_id: string
    city: string
    joined: timestamp
}
source orders from table "orders" user user_id as member time paid_at { amount: number }
source devices from table "devices" user user_id as member time seen { device: string }
identity person {
    kinds member, device
    link devices: user_id as member, device as device
}
segment chosen = users.city == "北京"
experiment price {
    population chosen
    salt "SALT"
    arm control 50%
    arm ten_off 50%
    metric bought = share(exists(orders))
}
"""


def test_a_person_keyed_anew_by_a_later_link_keeps_their_assignment(
    engine: Engine, write_project: Callable[..., Path]
) -> None:
    """Member m5 is assigned at FIRST; member a1, created after it, logs in on m5's device:
    from SECOND on one person, keyed 'a1' (the smaller member number). The person keeps
    m5's arm (sticky, SPEC §3.3), gets no second assignment by bucket('a1'), and 'm5' no
    longer counts as a user of its own: it did, without outcomes, beside 'a1' in the arm
    of bucket('a1')."""

    def arm(key: str, salt: str) -> str:
        return "control" if bucket_of(key, salt) < 0.5 else "ten_off"

    salt = next(f"s{n}" for n in range(100) if arm("a1", f"s{n}") != arm("m5", f"s{n}"))
    root = write_project(
        {"rules.segl": IDENTITY_RULES.replace("SALT", salt), "segl.toml": TOML}, "persons"
    )
    loaded = load_paths([str(root)])
    project = loaded.project
    assert project is not None, loaded.diagnostics
    members = [f"m{n}" for n in range(1, 9)]
    joined = dt.datetime(2026, 10, 1)
    users = [[m, "北京", joined] for m in members] + [["a1", "北京", FIRST + dt.timedelta(days=1)]]
    engine.create_table(
        "users",
        [("user_id", Type.STRING), ("city", Type.STRING), ("joined", Type.TIMESTAMP)],
        users,
    )
    paid = [("user_id", Type.STRING), ("paid_at", Type.TIMESTAMP), ("amount", Type.NUMBER)]
    engine.create_table("orders", paid, [["m5", dt.datetime(2026, 10, 5), 9.0]])
    devices = [["m5", dt.datetime(2026, 10, 2), "d5"], ["a1", FIRST + dt.timedelta(days=2), "d5"]]
    columns = [("user_id", Type.STRING), ("seen", Type.TIMESTAMP), ("device", Type.STRING)]
    engine.create_table("devices", columns, devices)
    store = Store(project, "segl_", engine.target.ascii_table_names)

    run_loaded(loaded, engine, FIRST, allow_empty=True)
    run_sticky_experiment(engine, store, project, "price", FIRST)
    first = _stored(engine, store, project, FIRST)
    assert first == {m: arm(m, salt) for m in members}

    run_loaded(loaded, engine, SECOND, allow_empty=True)
    got = run_sticky_experiment(engine, store, project, "price", SECOND)
    after = _stored(engine, store, project, SECOND)
    assert after == {**{m: first[m] for m in members if m != "m5"}, "a1": first["m5"]}
    assert sum(a["users"] for a in got["arms"]) == len(members)
    bought = {a["arm"]: a["users"] for a in got["arms"]}
    assert bought[first["m5"]] == sum(1 for m in members if first[m] == first["m5"])

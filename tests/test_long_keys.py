"""Long integer user keys (snowflake IDs, 2^60 and more) keep every digit on every engine:
a journey's outbox names the user who entered (staged as a double, the key 2^60 + 3 turned
into 2^60 + 0, another user), holdouts and experiments hash the key's own digits (SPEC
§3.3, compiler/values.py key_text), and the stored assignments read back as the same
users. Keys that differ in their last digit stay apart."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlglot import exp
from test_journeys_engines import loaded_project

from segl.compiler.sqlgen import render
from segl.compiler.sqlgen.query import key_literal
from segl.compiler.store import Kind
from segl.compiler.targets import get_target
from segl.compiler.types import Type
from segl.compiler.values import bucket_of
from segl.runtime.assignments import assignments_at, run_sticky_experiment
from segl.runtime.engines import Engine
from segl.runtime.outbox import read_outbox
from segl.runtime.run import run_loaded, store_of
from segl.runtime.simulate import simulate

RULES = """
source users from table "users" key user_id {
    user_id: number
    city: string
}
source orders from table "orders" user user_id time paid_at { amount: number }

tag spend = sum(orders.amount)

journey thanks "Thanks for the order" {
    enter on orders
    step hello after 1 hour: send sms "thanks"
}
holdout control 50% salt "long-keys"

experiment price "5 off vs 10 off" {
    population spend > 0
    salt "long-keys-price"
    arm control 50%
    arm ten_off 50%
    metric spend = spend
}
"""
BASE = 2**60  # a snowflake ID of today is about 2^60.6
# the ends of BIGINT's range too: compared as doubles, 2^63 - 512 and above round to 2^63
KEYS = [7, *(BASE + n for n in range(1, 13)), 2**63 - 4096, 2**63 - 512, 2**63 - 1, -(2**63)]
T = dt.datetime
ORDERED_AT = T(2026, 11, 2, 9)
RUNS = [T(2026, 11, 2, 8), T(2026, 11, 2, 12)]


def _fill(engine: Engine) -> None:
    users = [[key, "北京"] for key in KEYS]
    engine.create_table("users", [("user_id", Kind.COUNT), ("city", Type.STRING)], users)
    orders = [[key, ORDERED_AT, 10.0] for key in KEYS]
    columns = [("user_id", Kind.COUNT), ("paid_at", Type.TIMESTAMP), ("amount", Type.NUMBER)]
    engine.create_table("orders", columns, orders)


def _exact(user: object) -> int:
    assert isinstance(user, int) and not isinstance(user, bool), f"{user!r} is no exact key"
    return user


def test_long_integer_keys_keep_every_digit(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every list of users is staged in a work table (STAGED_USERS_FROM 0), typed BIGINT."""
    from segl.runtime import journeys

    monkeypatch.setattr(journeys, "STAGED_USERS_FROM", 0)
    loaded = loaded_project(RULES)  # project shop, zone Asia/Shanghai, universe users
    assert loaded.project is not None
    _fill(engine)
    for as_of in RUNS:
        run_loaded(loaded, engine, as_of)
    store = store_of(loaded, engine)

    decided = read_outbox(engine, store)
    held = {key: bucket_of(str(key), "long-keys") < 0.5 for key in KEYS}
    assert sorted((_exact(d["user"]), d["status"]) for d in decided) == sorted(
        (key, "held_out" if held[key] else "sent") for key in KEYS
    )
    assert 0 < sum(held.values()) < len(KEYS), "both statuses occur: the test shows hashing"
    assert len({d["message_id"] for d in decided}) == len(KEYS)
    simulated = simulate(loaded, engine, RUNS)  # its scratch tables are typed BIGINT too
    assert sorted((_exact(d["user"]), d["message_id"]) for d in simulated) == sorted(
        (_exact(d["user"]), d["message_id"]) for d in decided
    )

    got = run_sticky_experiment(engine, store, loaded.project, "price", RUNS[-1])
    assert got["unassigned"] == 0
    assert loaded.project.reports is not None
    arm_of = loaded.project.reports.experiments[0].arm_of
    expected = {key: arm_of(bucket_of(str(key), "long-keys-price")) for key in KEYS}
    stored = assignments_at(engine, store, loaded.project, "price", RUNS[-1])
    assert {_exact(user): arm for user, arm, _ in stored} == expected
    assert [_exact(user) for user, _, _ in stored] == sorted(KEYS)  # by value, not as text
    assert len(set(expected.values())) == 2, "both arms occur: the test shows hashing"
    assert [arm["users"] for arm in got["arms"]] == [
        sum(1 for arm in expected.values() if arm == name) for name in ("control", "ten_off")
    ]


REACH = """
report reach over orders {
    orders = count()
    buyers = count_distinct(users.user_id)
    big_buyers = count_distinct(users.user_id where amount > 5)
}
report everyone over users by users.city {
    users = count()
    ids = count_distinct(users.user_id)
}
"""


def test_reports_count_long_keys_as_distinct_users(engine: Engine) -> None:
    """`count_distinct(users.user_id)` counts users by their keys as the warehouse holds
    them: read as doubles, the keys 2^60 + 1 ... 2^60 + 12 were one or two values, so a
    campaign's reach counted 17 buyers as 6 (the reference evaluator did the same)."""
    from segl.runtime.reference.reports import evaluate_report
    from segl.runtime.reports import run_report

    loaded = loaded_project(RULES + REACH)
    project = loaded.project
    assert project is not None
    _fill(engine)
    as_of = RUNS[-1]
    reach = run_report(engine, project, "reach", as_of)
    assert reach["rows"] == [{"orders": len(KEYS), "buyers": len(KEYS), "big_buyers": len(KEYS)}]
    everyone = run_report(engine, project, "everyone", as_of)
    assert everyone["rows"] == [{"city": "北京", "users": len(KEYS), "ids": len(KEYS)}]
    tables = {
        "users": [{"user_id": key, "city": "北京"} for key in KEYS],
        "orders": [{"user_id": key, "paid_at": ORDERED_AT, "amount": 10.0} for key in KEYS],
    }
    for name, got in (("reach", reach), ("everyone", everyone)):
        assert evaluate_report(project, tables, name, as_of) == got


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "sqlite", "clickhouse", "spark"])
def test_a_key_literal_is_exact(dialect: str) -> None:
    """Users read by an `IN` list of literals (a run's short lists): an integer key is
    written with every digit, not as the double `target.number` would write."""
    target = get_target(dialect)
    users = [BASE + 3, -(BASE + 3), 7, "u-1", 7.5]
    rendered = render(exp.Tuple(expressions=[key_literal(target, u) for u in users]), target)
    assert str(BASE + 3) in rendered and f"-{BASE + 3}" in rendered
    assert "'u-1'" in rendered and "7.5" in rendered


@pytest.mark.parametrize(
    ("engine_type", "integer"),
    [
        ("BIGINT", True),
        ("INTEGER", True),
        ("int", True),
        ("Int64", True),
        ("Nullable(Int64)", True),
        ("LowCardinality(Nullable(UInt32))", True),
        ("bigint", True),
        ("UBIGINT", False),  # beyond BIGINT: not staged as one
        ("UInt64", False),
        ("HUGEINT", False),
        ("DOUBLE", False),
        ("DECIMAL(18,0)", False),
        ("VARCHAR", False),
        ("INTERVAL", False),
    ],
)
def test_integer_key_columns_are_told_by_their_engine_type(engine_type: str, integer: bool) -> None:
    """Which warehouse key columns are staged as BIGINT (runtime/store.py key_type): whole
    numbers that a BIGINT holds, in each engine's spelling."""
    from segl.runtime.engines import integer_type

    assert integer_type(engine_type) is integer

"""The SPEC's canonical examples mean what they say: explicit expected values on
hand-made data, on DuckDB and on the reference evaluator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from golden import GOLDEN

from segl.compiler import ir
from segl.compiler.checker import check_programs
from segl.dsl.parser import parse_program
from segl.runtime.inmemory import run_in_memory
from segl.runtime.reference import evaluate
from segl.runtime.results import RunResult

AS_OF = dt.datetime(2026, 11, 1)
D = dt.timedelta


def at(days: float = 0, hours: float = 0) -> dt.datetime:
    return AS_OF - D(days=days, hours=hours)


def user(uid: int, city: str | None, registered_days_ago: float = 400) -> dict[str, Any]:
    return {
        "user_id": uid,
        "gender": "F",
        "city": city,
        "birthday": dt.date(1990, 2, 28),
        "registered_at": at(registered_days_ago),
        "balance": 10.0,
    }


def order(uid: int, when: dt.datetime, brand: str = "Lancome", **extra: Any) -> dict[str, Any]:
    row = {
        "user_id": uid,
        "paid_at": when,
        "order_id": f"o{uid}-{when:%j%H%M}",
        "brand": brand,
        "category": "skincare",
        "amount": 100.0,
        "coupon_id": None,
        "store": "s1",
    }
    row.update(extra)
    return row


def visits(uid: int, *moments: dt.datetime) -> list[dict[str, Any]]:
    return [{"user_id": uid, "ts": m, "name": "visit", "channel": "app"} for m in moments]


USERS = [
    user(1, "Beijing"),  # loyal: 3 visits, an order, no Shiseido
    user(2, "Beijing"),  # bought Shiseido 3 days ago: left out
    user(3, "Beijing"),  # only 2 visits
    user(4, "Shanghai"),  # not Beijing
    user(5, "Beijing"),  # third visit exactly at as-of: invisible
    user(6, "Beijing"),  # a visit exactly 3 months before as-of: inside [start, as_of)
    user(7, None),  # unknown city: never TRUE
    user(8, "Beijing"),  # Shiseido 8 days ago: outside the 7-day window
    user(9, "beijing", registered_days_ago=10),  # lower case: equality is case-sensitive
]
ORDERS = [
    order(1, at(20)),
    order(2, at(3), "Shiseido"),
    order(3, at(20)),
    order(4, at(20)),
    order(5, at(20)),
    order(6, at(40), coupon_id="c1"),
    order(7, at(20)),
    order(8, at(8), "Shiseido"),
    order(8, at(100), category="makeup"),
    order(8, at(120), category="makeup", coupon_id="c2"),
    order(9, at(1)),
]
EVENTS = [
    *visits(1, at(1), at(10), at(80)),
    *visits(2, at(1), at(2), at(3)),
    *visits(3, at(1), at(2)),
    *visits(4, at(1), at(2), at(3), at(4), at(5)),
    *visits(5, at(1), at(2), AS_OF),
    *visits(6, at(1), at(2), dt.datetime(2026, 8, 1)),
    *visits(7, at(1), at(2), at(3)),
    *visits(8, at(1), at(2), at(95)),
    *visits(8, at(3)),
    *visits(9, at(1), at(2), at(3)),
]
TABLES = {"users": USERS, "orders": ORDERS, "events": EVENTS}

Evaluator = Callable[[ir.Project, Any, dt.datetime], RunResult]
EVALUATORS: dict[str, Evaluator] = {"duckdb": run_in_memory, "reference": evaluate}


@pytest.fixture(scope="module")
def spec_project() -> ir.Project:
    text = (GOLDEN / "compile" / "spec" / "rules.segl").read_text("utf-8")
    project, diagnostics = check_programs([parse_program(text, "spec.segl")])
    assert project is not None, diagnostics
    return project


@pytest.fixture(scope="module", params=sorted(EVALUATORS))
def result(request: pytest.FixtureRequest, spec_project: ir.Project) -> RunResult:
    return EVALUATORS[request.param](spec_project, TABLES, AS_OF)


def test_beijing_loyal_members(result: RunResult) -> None:
    assert result.segments["beijing_loyal"] == {1, 6, 8}


def test_windows_are_half_open(result: RunResult) -> None:
    visits_3m = result.tags["visits_3m"]
    assert visits_3m[5] == 2  # the visit at as-of is not yet visible
    assert visits_3m[6] == 3  # the visit at as-of minus 3 months is inside
    assert visits_3m[8] == 3  # the visit 95 days ago is outside "last 3 months" (92 days)


def test_empty_history_defaults(result: RunResult) -> None:
    assert result.tags["purchases"][1] == 1
    assert result.tags["spend_90d"][4] == 100
    assert result.tags["bought_shiseido_1w"][1] is False
    assert result.tags["bought_shiseido_1w"][2] is True
    assert result.tags["bought_shiseido_1w"][8] is False


def test_division_and_null_safe_share(result: RunResult) -> None:
    share = result.tags["coupon_share_180d"]
    assert share[6] == 1.0
    assert share[8] == pytest.approx(1 / 3)
    assert share[1] == 0.0


def test_most_frequent_and_case(result: RunResult) -> None:
    assert result.tags["top_category"][8] == "makeup"
    assert result.tags["top_category"][1] == "skincare"
    assert result.tags["value_level"][1] == "low"


def test_lifecycle_first_match_wins(result: RunResult) -> None:
    lifecycle = result.layers["lifecycle"]
    assert lifecycle[9] == "new"  # registered 10 days ago, before any other rule
    assert lifecycle[1] == "mature"
    assert result.segments["loyal_beijing"] == set()


def test_case_sensitive_strings(result: RunResult) -> None:
    assert 9 not in result.segments["beijing_loyal"]
    assert result.tags["city"][9] == "beijing"


def test_three_valued_logic_unknown_city_is_not_a_member(result: RunResult) -> None:
    assert result.tags["city"][7] is None
    assert 7 not in result.segments["beijing_loyal"]


def test_last_visit_is_a_timestamp(result: RunResult) -> None:
    assert result.tags["last_visit_at"][1] == at(1)
    assert result.tags["last_visit_at"][5] == at(1)

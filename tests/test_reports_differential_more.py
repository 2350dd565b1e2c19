"""Differential property test of reports and experiments (SPEC §3.3, §3.6): generated
reports (over users or an event source, `where`, windows, dimensions of profile columns and
tags, every report aggregate, arithmetic between metrics) and experiments (2-4 arms,
weights, salts with Chinese text, populations, number and share metrics, sticky earlier
assignments, empty arms) x generated rows (nulls, ties, empty groups) give exactly the same
JSON from the SQL run on DuckDB (runtime/reports.py) as from the reference evaluator
(runtime/reference/reports.py), and the same assignments.

Numbers in the data are small dyadic fractions, so every sum is exact in any order of
addition: SQL's SUM then equals the reference's exact sum, and every result is compared
with `==` (the statistics are computed in Python from the same values on both sides).

SEGL_REPORT_EXAMPLES sets the number of examples per kind (default 300). One in-memory
DuckDB engine is reused; each example replaces its tables.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segl.compiler import ir
from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.types import Type
from segl.dsl.parser import parse_program
from segl.runtime.engines import DuckDBEngine
from segl.runtime.reference.reports import evaluate_report
from segl.runtime.reports import run_report

EXAMPLES = int(os.environ.get("SEGL_REPORT_EXAMPLES", "300"))
SOURCES = """\
source users from table "users" key user_id {
    user_id: string
    city: string
    balance: number
    joined: timestamp
}
source orders from table "orders" user user_id time paid_at {
    amount: number
    kind: string
    used_at: timestamp
}
tag purchases = count(orders)
tag spend = sum(orders.amount)
tag mean_amount = avg(orders.amount)
tag buyer = exists(orders where amount > 2)
"""
COLUMNS = {
    "users": [
        ("user_id", Type.STRING),
        ("city", Type.STRING),
        ("balance", Type.NUMBER),
        ("joined", Type.TIMESTAMP),
    ],
    "orders": [
        ("user_id", Type.STRING),
        ("paid_at", Type.TIMESTAMP),
        ("amount", Type.NUMBER),
        ("kind", Type.STRING),
        ("used_at", Type.TIMESTAMP),
    ],
}
AS_OF = dt.datetime(2026, 11, 1)
CITIES = [None, "Berlin", "berlin", "Zürich", "北京"]
KINDS = [None, "five_off", "ten_off", "Ten_off"]
AMOUNTS = [None, 0.5, 1.25, 3.0, 3.0, 8.0, -2.0, 0.0]
BALANCES = [None, 0.0, 2.5, 100.0, 7.0, 7.0]
MOMENTS = [AS_OF - dt.timedelta(days=d, hours=h) for d in (0, 1, 3, 8, 40) for h in (0, 5)]
MOMENTS += [AS_OF, AS_OF + dt.timedelta(days=1)]  # at and after the as-of: invisible

# per domain: numbers, any ordered values, conditions, dimensions
USER_NUMBERS = ["users.balance", "spend", "purchases", "mean_amount", "users.balance * 2"]
ORDER_NUMBERS = ["amount", "users.balance", "amount + purchases", "spend"]
USER_TEXTS = ["users.city", "users.joined"]
ORDER_TEXTS = ["kind", "users.city", "used_at", "paid_at"]
USER_CONDITIONS = [
    "buyer",
    "purchases >= 2",
    "users.city is not null",
    "users.balance > 5",
    'users.city == "Berlin" or buyer',
]
ORDER_CONDITIONS = [
    "amount > 2",
    "used_at is not null",
    'kind == "five_off"',
    "buyer",
    "days_between(users.joined, paid_at) <= 30",
    "amount > users.balance",
]
USER_DIMENSIONS = ["users.city", "buyer", "purchases", "users.balance"]
ORDER_DIMENSIONS = ["kind", "users.city", "buyer", "amount"]
WINDOWS = [None, "in last 7 days", "in last 2 days", 'since date "2026-10-30"']

CHECKS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Scenario:
    rules: str
    tables: dict[str, list[dict[str, Any]]]
    assigned: dict[str, str] | None = None


@st.composite
def data(draw: st.DrawFn, users: int = 6) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {"users": [], "orders": []}
    for number in range(draw(st.integers(0, users))):
        user = f"u{number}" if number % 3 else f"用户{number}"
        tables["users"].append(
            {
                "user_id": user,
                "city": draw(st.sampled_from(CITIES)),
                "balance": draw(st.sampled_from(BALANCES)),
                "joined": draw(st.sampled_from([None, *MOMENTS[:6]])),
            }
        )
        for _ in range(draw(st.integers(0, 4))):
            tables["orders"].append(
                {
                    "user_id": user,
                    "paid_at": draw(st.sampled_from(MOMENTS)),
                    "amount": draw(st.sampled_from(AMOUNTS)),
                    "kind": draw(st.sampled_from(KINDS)),
                    "used_at": draw(st.sampled_from([None, MOMENTS[2]])),
                }
            )
    if draw(st.integers(0, 9)) == 0:  # an order of a user outside the universe
        tables["orders"].append(
            {
                "user_id": "ghost",
                "paid_at": MOMENTS[1],
                "amount": 1.0,
                "kind": None,
                "used_at": None,
            }
        )
    return tables


@st.composite
def aggregates(draw: st.DrawFn, over_users: bool) -> tuple[str, bool]:
    """An aggregate, and whether it is a number (min and max of texts and times are not)."""
    numbers = USER_NUMBERS if over_users else ORDER_NUMBERS
    texts = USER_TEXTS if over_users else ORDER_TEXTS
    conditions = USER_CONDITIONS if over_users else ORDER_CONDITIONS
    number, condition = draw(st.sampled_from(numbers)), draw(st.sampled_from(conditions))
    fraction = draw(st.sampled_from(["0", "0.1", "0.25", "0.9", "1"]))
    extreme = draw(st.sampled_from([*texts, number]))
    chosen = draw(
        st.sampled_from(
            [
                "count()",
                f"count(where {condition})",
                f"count({number})",
                f"count_distinct({draw(st.sampled_from([*texts, number]))})",
                f"sum({number})",
                f"avg({number})",
                f"min({extreme})",
                f"max({extreme})",
                f"share({condition})",
                f"median({number})",
                f"percentile({number}, {fraction})",
            ]
        )
    )
    return chosen, not (chosen.startswith(("min", "max")) and extreme in texts)


@st.composite
def reports(draw: st.DrawFn) -> str:
    over_users = draw(st.booleans())
    header = "report rep over " + ("users" if over_users else "orders")
    conditions = USER_CONDITIONS if over_users else ORDER_CONDITIONS
    if draw(st.booleans()):
        header += f" where {draw(st.sampled_from(conditions))}"
    if not over_users:
        window = draw(st.sampled_from(WINDOWS))
        header += f" {window}" if window else ""
    dimensions = draw(
        st.lists(
            st.sampled_from(USER_DIMENSIONS if over_users else ORDER_DIMENSIONS),
            max_size=2,
            unique=True,
        )
    )
    if dimensions:
        header += " by " + ", ".join(dimensions)
    lines: list[str] = []
    numeric: list[int] = []
    for index in range(draw(st.integers(1, 4))):
        text, is_number = draw(aggregates(over_users))
        lines.append(f"    m{index} = {text}")
        numeric += [index] if is_number else []
    if numeric and draw(st.booleans()):  # arithmetic between metrics, division by zero too
        left, right = draw(st.sampled_from(numeric)), draw(st.sampled_from(numeric))
        op = draw(st.sampled_from(["/", "-", "+", "*"]))
        lines.append(f"    derived = m{left} {op} m{right}")
        lines.append(f"    negated = -(m{left} - 1)")
    return header + " {\n" + "\n".join(lines) + "\n}\n"


@st.composite
def report_scenarios(draw: st.DrawFn) -> Scenario:
    return Scenario(SOURCES + draw(reports()), draw(data()))


@pytest.fixture(scope="module")
def engine() -> Iterator[DuckDBEngine]:
    duckdb = DuckDBEngine()
    yield duckdb
    duckdb.close()


def checked(scenario: Scenario) -> ir.Project:
    config = ProjectConfig(name="diff", timezone="Europe/Berlin", universe="users")
    project, diagnostics = check_programs([parse_program(scenario.rules, "r.segl")], config)
    assert project is not None, (scenario.rules, [str(d) for d in diagnostics])
    return project


def load(engine: DuckDBEngine, scenario: Scenario) -> None:
    for name, columns in COLUMNS.items():
        rows = [[row.get(c) for c, _ in columns] for row in scenario.tables[name]]
        random.Random(len(rows)).shuffle(rows)  # row order must not matter
        engine.create_table(name, columns, rows)


def test_reports_on_duckdb_agree_with_the_reference(engine: DuckDBEngine) -> None:
    @CHECKS
    @given(report_scenarios())
    def check(scenario: Scenario) -> None:
        project = checked(scenario)
        load(engine, scenario)
        want = evaluate_report(project, scenario.tables, "rep", AS_OF)
        got = run_report(engine, project, "rep", AS_OF)
        assert got == want, scenario.rules

    check()

"""Differential property test of reports and experiments (SPEC §3.3, §3.6): generated
reports (over users or an event source, `where`, windows, dimensions of profile columns and
tags, every report aggregate, arithmetic between metrics) and experiments (2-4 arms,
weights, salts with Chinese text, populations, number and share metrics, sticky earlier
assignments, empty arms) x generated rows (nulls, ties, empty groups) give exactly the same
JSON from the SQL run on each of the five engines (runtime/reports.py) as from the
reference evaluator (runtime/reference/reports.py), and the same assignments.

Numbers in the data are small dyadic fractions, so every sum is exact in any order of
addition: SQL's SUM then equals the reference's exact sum, and every result is compared
with `==` (the statistics are computed in Python from the same values on both sides).

How many examples each engine checks: tests/report_matrix.py (SEGL_REPORT_EXAMPLES on
DuckDB, default 300; SEGL_REPORT_ENGINE_EXAMPLES definitions on each other engine, default
100, several per loaded dataset). Each test uses one engine; each example replaces its
tables.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from report_matrix import checks, definitions_per_dataset, load_tables, same_up_to_rounding

from segl.compiler import ir
from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.types import Type
from segl.dsl.parser import parse_program
from segl.runtime.engines import Engine
from segl.runtime.reference.definitions import evaluate_all
from segl.runtime.reference.reports import assignments, evaluate_report, experiment
from segl.runtime.reports import experiment_assignments, run_experiment, run_report, user_text

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
# users.user_id: the universe's key, counted as the distinct users (RowAggregate.counts_users)
USER_TEXTS = ["users.city", "users.joined", "users.user_id"]
ORDER_TEXTS = ["kind", "users.city", "used_at", "paid_at", "users.user_id"]
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


@dataclass(frozen=True)
class Scenario:
    """Definitions `d0`, `d1`, ... over one dataset; an experiment's earlier assignments."""

    rules: str
    tables: dict[str, list[dict[str, Any]]]
    count: int
    assigned: tuple[dict[str, str] | None, ...] = ()


@st.composite
def data(draw: st.DrawFn, fewest: int = 0, most: int = 8) -> dict[str, list[dict[str, Any]]]:
    """Users (sampled counts: spread, not shrunk towards none) with orders at shared
    moments (ties), some at or after the as-of."""
    tables: dict[str, list[dict[str, Any]]] = {"users": [], "orders": []}
    for number in range(draw(st.sampled_from(range(fewest, most + 1)))):
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
def reports(draw: st.DrawFn, name: str) -> str:
    over_users = draw(st.booleans())
    header = f"report {name} over " + ("users" if over_users else "orders")
    conditions = USER_CONDITIONS if over_users else ORDER_CONDITIONS
    if draw(st.booleans()):
        header += f" where {draw(st.sampled_from(conditions))}"
    if not over_users:
        window = draw(st.sampled_from(WINDOWS))
        header += f" {window}" if window else ""
    pool = USER_DIMENSIONS if over_users else ORDER_DIMENSIONS
    dimensions = draw(st.permutations(pool))[: draw(st.sampled_from([0, 1, 1, 2]))]
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
def report_scenarios(draw: st.DrawFn, count: int = 1) -> Scenario:
    definitions = "".join(draw(reports(f"d{index}")) for index in range(count))
    return Scenario(SOURCES + definitions, draw(data(fewest=1)), count)


SALTS = ["price-test", "价格测试-2026-11", "a:b", "😀", "0"]
WEIGHTS = {2: [[50, 50], [10, 90], [12.5, 87.5]], 3: [[10, 45, 45], [1, 1, 98]], 4: [[25] * 4]}


@st.composite
def experiments(draw: st.DrawFn, name: str) -> tuple[str, list[str]]:
    count = draw(st.integers(2, 4))
    weights = draw(st.sampled_from(WEIGHTS[count]))
    names = ["control", "a", "b", "c"][:count]
    if draw(st.booleans()):
        names = ["first", *names[1:]]  # no arm named control: the first is
    population = draw(st.sampled_from(["true", *USER_CONDITIONS, "not buyer"]))
    metrics = draw(
        st.lists(
            st.sampled_from(
                [
                    "users.balance",
                    "spend",
                    "mean_amount",
                    "purchases * 1.5",
                    "avg(orders.amount in last 7 days)",
                    "share(buyer)",
                    "share(users.balance >= 7)",
                    "share(exists(orders in last 2 days))",
                ]
            ),
            min_size=1,
            max_size=3,
        )
    )
    lines = [f"    population {population}", f'    salt "{draw(st.sampled_from(SALTS))}"']
    lines += [f"    arm {name} {weight}%" for name, weight in zip(names, weights, strict=True)]
    lines += [f"    metric x{index} = {metric}" for index, metric in enumerate(metrics)]
    return f"experiment {name} {{\n" + "\n".join(lines) + "\n}\n", names


@st.composite
def experiment_scenarios(draw: st.DrawFn, count: int = 1) -> Scenario:
    drawn = [draw(experiments(f"d{index}")) for index in range(count)]
    tables = draw(data(fewest=4, most=30))
    users = [row["user_id"] for row in tables["users"]]
    assigned: list[dict[str, str] | None] = []
    for _, names in drawn:
        sticky = None
        if users and draw(st.booleans()):  # earlier assignments stick
            chosen = draw(st.lists(st.sampled_from(users), max_size=4, unique=True))
            arms = [*names, "removed_arm"]
            sticky = {user: draw(st.sampled_from(arms)) for user in chosen}
        assigned.append(sticky)
    rules = SOURCES + "".join(rules for rules, _ in drawn)
    return Scenario(rules, tables, count, tuple(assigned))


def checked(scenario: Scenario) -> ir.Project:
    config = ProjectConfig(name="diff", timezone="Europe/Berlin", universe="users")
    project, diagnostics = check_programs([parse_program(scenario.rules, "r.segl")], config)
    assert project is not None, (scenario.rules, [str(d) for d in diagnostics])
    return project


def load(engine: Engine, scenario: Scenario) -> None:
    load_tables(engine, COLUMNS, scenario.tables)


def test_reports_agree_with_the_reference(engine: Engine, engine_name: str) -> None:
    @checks(engine_name)
    @given(report_scenarios(definitions_per_dataset(engine_name)))
    def check(scenario: Scenario) -> None:
        project = checked(scenario)
        load(engine, scenario)
        for index in range(scenario.count):
            want = evaluate_report(project, scenario.tables, f"d{index}", AS_OF)
            got = run_report(engine, project, f"d{index}", AS_OF)
            assert same_up_to_rounding(got, want), (f"d{index}", scenario.rules, got, want)

    check()


def test_experiments_agree_with_the_reference(engine: Engine, engine_name: str) -> None:
    @checks(engine_name)
    @given(experiment_scenarios(definitions_per_dataset(engine_name)))
    def check(scenario: Scenario) -> None:
        project = checked(scenario)
        load(engine, scenario)
        evaluation = evaluate_all(project, scenario.tables, AS_OF)
        definitions = project.reports.experiments if project.reports else ()
        for definition, assigned in zip(definitions, scenario.assigned, strict=True):
            want = experiment(evaluation, definition, assigned)
            got = run_experiment(engine, project, definition.name, AS_OF, assigned)
            assert got == want, (definition.name, scenario.rules, assigned)
            expected = assignments(evaluation, definition)
            assert experiment_assignments(engine, project, definition.name, AS_OF) == sorted(
                expected.items(), key=lambda pair: user_text(pair[0])
            )

    check()


def test_a_sum_of_both_infinities_is_null_on_every_engine(engine: Engine) -> None:
    """+inf + -inf is NaN, hence null (SPEC §3); a sum of no values is 0. SQLite stores the
    NaN as NULL, which read as "no values" gave 0: the report now counts the values."""
    rules = SOURCES + (
        "report r over orders by kind {\n    s = sum(amount)\n    m = avg(amount)\n}\n"
    )
    paid = AS_OF - dt.timedelta(days=1)
    order = {"used_at": None, "paid_at": paid}
    tables: dict[str, list[dict[str, Any]]] = {
        "users": [{"user_id": "u", "city": None, "balance": None, "joined": None}],
        "orders": [
            {**order, "user_id": "u", "kind": "both", "amount": math.inf},
            {**order, "user_id": "u", "kind": "both", "amount": -math.inf},
            {**order, "user_id": "u", "kind": "none", "amount": None},
        ],
    }
    scenario = Scenario(rules, tables, 1)
    project = checked(scenario)
    load(engine, scenario)
    got = run_report(engine, project, "r", AS_OF)
    assert got["rows"] == [
        {"kind": "both", "s": None, "m": None},
        {"kind": "none", "s": 0.0, "m": None},
    ]
    assert got == evaluate_report(project, tables, "r", AS_OF)


def test_negative_zero_is_zero_in_groups_and_most_frequent_on_every_engine(
    engine: Engine,
) -> None:
    """-0.0 and 0.0 are one number (SPEC §3): one group of a report, one value of
    `most_frequent` (ClickHouse's GROUP BY compared their bits: two groups, and three
    zeros split 2 + 1 lost to three fives)."""
    rules = SOURCES + (
        "tag rounded = round(users.balance)\n"
        "tag usual = most_frequent(round(orders.amount))\n"
        "report by_rounded over users by rounded {\n    n = count()\n}\n"
        "report by_usual over users by usual {\n    n = count()\n}\n"
        "report by_amount over orders by amount {\n    n = count()\n}\n"
    )
    paid = AS_OF - dt.timedelta(days=1)
    order = {"used_at": None, "paid_at": paid, "kind": None}
    amounts = [-0.2, 0.3, 0.4, 5.0, 5.0, 5.0, -0.0, 0.0]
    tables: dict[str, list[dict[str, Any]]] = {
        "users": [
            {"user_id": u, "city": None, "balance": b, "joined": None}
            for u, b in (("a", -0.2), ("b", 0.2), ("c", 0.4))
        ],
        "orders": [{**order, "user_id": "a", "amount": a} for a in amounts],
    }
    scenario = Scenario(rules, tables, 1)
    project = checked(scenario)
    load(engine, scenario)
    assert [r["n"] for r in run_report(engine, project, "by_rounded", AS_OF)["rows"]] == [3]
    # a's amounts round to 0 five times (-0.2, -0.0, 0.0, 0.3, 0.4), to 5 three times
    usual = run_report(engine, project, "by_usual", AS_OF)["rows"]
    assert [(r["usual"], r["n"]) for r in usual] == [(0.0, 1), (None, 2)]
    by_amount = run_report(engine, project, "by_amount", AS_OF)["rows"]
    assert [(r["amount"], r["n"]) for r in by_amount] == [
        (-0.2, 1),
        (0.0, 2),
        (0.3, 1),
        (0.4, 1),
        (5.0, 3),
    ]
    for name in ("by_rounded", "by_usual", "by_amount"):
        assert run_report(engine, project, name, AS_OF) == evaluate_report(
            project, tables, name, AS_OF
        )

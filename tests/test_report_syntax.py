"""Funnels, retention, reports and experiments: parsing SPEC §2.7-2.8 as written, the
canonical layout and round trips of the formatter, and every diagnostic of the checker
(E0801-E0809) with its place."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_journey_syntax import durations, event_refs, small_tuples
from test_parser_properties import (
    PROPERTY,
    annotation_lists,
    any_names,
    comment_lists,
    expressions,
    numbers,
    string_values,
    titles,
)

from segl.compiler import ir
from segl.compiler.checker import check_programs
from segl.compiler.reports import model
from segl.dsl import ast
from segl.dsl.diagnostics import DiagnosticError
from segl.dsl.formatter import format_program
from segl.dsl.parser import parse_expr, parse_program

REPO = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------- SPEC §2.7 and §2.8

SPEC_2_7 = """\
funnel nev_sales "NEV sales funnel" within 120 days by users.city {
    step lead: events where name == "lead"
    step test_drive: events where name == "test_drive"
    step deposit: events where name == "deposit" within 14 days
    step delivery: events where name == "delivery" within 90 days
}

funnel push_campaign "Push campaign: reach, click, buy" within 3 days by entry events.channel {
    step reached: events where name == "push_sent"
    step clicked: events where name == "push_click"
    step bought: orders
}

retention repurchase "Next-month repurchase" {
    cohort first orders
    return orders
    by month
    periods 6
}

retention new_user_7d "7-day retention of new users" {
    cohort first events where name == "register"
    return events where name == "visit"
    by day
    periods 7
}

source coupons from table "coupons" user user_id time claimed_at {
    coupon_type: string
    face_value: number
    store: string
    used_at: timestamp
}

tag purchases_180d = count(orders in last 180 days)

tag avg_order_value_180d = avg(orders.amount in last 180 days)

tag uses_coupons = exists(orders where coupon_id is not null in last 180 days)

report coupons "Coupons by type and face value" over coupons by coupon_type, face_value {
    claimed = count()
    used = count(where used_at is not null)
    use_rate = used / claimed
    new_user_share = share(days_between(users.registered_at, claimed_at) <= 30)
}

report coupon_uplift "Coupon users vs the rest" over users by uses_coupons {
    buyers = count()
    order_value = avg(avg_order_value_180d)
    repurchase = share(purchases_180d >= 2)
}
"""

SPEC_2_8 = """\
segment lapsed_buyers = purchases >= 1 and not exists(orders in last 90 days)

experiment price_test "5 off vs 10 off" {
    population lapsed_buyers
    salt "price-test-2026-11"
    arm control 10%
    arm five_off 45%
    arm ten_off 45%
    metric order_value = avg(orders.amount since date "2026-11-01")
    metric repurchase = share(exists(orders since date "2026-11-01"))
}

holdout global_control 5% salt "global-2026"
"""

# SPEC §2.1 and the tag of §2.2 the examples use
SPEC_SOURCES = """\
source users from table "users" key user_id {
    gender: string
    city: string
    birthday: date
    registered_at: timestamp
    balance: number
}

source orders from table "orders" user user_id time paid_at {
    order_id: string
    brand: string
    category: string
    amount: number
    coupon_id: string
    store: string
}

source events from table "events" user user_id time ts {
    name: string
    channel: string
}

tag purchases = count(orders)
"""


def parse(text: str) -> ast.Program:
    return parse_program(text, "r.segl")


def assert_round_trip(text: str) -> str:
    """Formatting keeps the tree, and formatting the result again changes nothing."""
    program = parse(text)
    formatted = format_program(program)
    assert parse(formatted) == program, formatted
    assert format_program(parse(formatted)) == formatted
    return formatted


def day(count: int) -> ast.Duration:
    return ast.Duration(count, "day")


def events_where(name: str) -> ast.EventRef:
    return ast.EventRef("events", parse_expr(f'name == "{name}"'))


def test_spec_funnels_and_retention_parse_to_the_expected_trees() -> None:
    nev, push, repurchase, new_users, *_ = parse(SPEC_2_7).statements
    assert nev == ast.FunnelDef(
        "nev_sales",
        "NEV sales funnel",
        day(120),
        ast.Dimension("users", "city"),
        False,
        (
            ast.FunnelStep("lead", events_where("lead")),
            ast.FunnelStep("test_drive", events_where("test_drive")),
            ast.FunnelStep("deposit", events_where("deposit"), day(14)),
            ast.FunnelStep("delivery", events_where("delivery"), day(90)),
        ),
    )
    assert isinstance(push, ast.FunnelDef)
    assert (push.within, push.by, push.by_entry) == (
        day(3),
        ast.Dimension("events", "channel"),
        True,
    )
    assert push.steps[2] == ast.FunnelStep("bought", ast.EventRef("orders"))
    assert repurchase == ast.RetentionDef(
        "repurchase", "Next-month repurchase", ast.EventRef("orders"), True,
        ast.EventRef("orders"), "month", 6,
    )  # fmt: skip
    assert isinstance(new_users, ast.RetentionDef)
    assert (new_users.cohort, new_users.returns) == (
        events_where("register"),
        events_where("visit"),
    )
    assert (new_users.rolling, new_users.on_or_after) == (False, False)


def test_spec_reports_and_experiment_parse_to_the_expected_trees() -> None:
    coupons, uplift = parse(SPEC_2_7).statements[-2:]
    assert isinstance(coupons, ast.ReportDef) and isinstance(uplift, ast.ReportDef)
    assert (coupons.over, coupons.where, coupons.window) == ("coupons", None, None)
    assert coupons.by == (ast.Dimension(None, "coupon_type"), ast.Dimension(None, "face_value"))
    assert [m.name for m in coupons.metrics] == ["claimed", "used", "use_rate", "new_user_share"]
    assert coupons.metrics[0].expr == ast.Call("count", ())
    assert coupons.metrics[1].expr == ast.Call("count", (), parse_expr("used_at is not null"))
    assert uplift.metrics[1].expr == parse_expr("avg(avg_order_value_180d)")
    _, experiment, holdout = parse(SPEC_2_8).statements
    assert experiment == ast.ExperimentDef(
        "price_test",
        "5 off vs 10 off",
        ast.Name("lapsed_buyers"),
        "price-test-2026-11",
        (ast.ArmDef("control", "10"), ast.ArmDef("five_off", "45"), ast.ArmDef("ten_off", "45")),
        (
            ast.MetricDef("order_value", parse_expr('avg(orders.amount since date "2026-11-01")')),
            ast.MetricDef(
                "repurchase", parse_expr('share(exists(orders since date "2026-11-01"))')
            ),
        ),
    )
    assert holdout == ast.HoldoutDef("global_control", "5", "global-2026")


@pytest.mark.parametrize("text", [SPEC_2_7, SPEC_2_8], ids=["2.7", "2.8"])
def test_spec_examples_are_in_the_canonical_layout(text: str) -> None:
    assert assert_round_trip(text) == text


def test_the_docs_example_is_in_the_canonical_layout() -> None:
    docs = (REPO / "docs" / "reports.md").read_text("utf-8")
    example = re.search(r"^```\n(funnel .*?)^```$", docs, re.M | re.S)
    assert example is not None
    assert assert_round_trip(example.group(1)) == example.group(1)


def test_spec_examples_check_into_the_model() -> None:
    programs = [
        parse_program(t, f"{i}.segl") for i, t in enumerate((SPEC_SOURCES, SPEC_2_7, SPEC_2_8))
    ]
    project, diagnostics = check_programs(programs)
    assert project is not None and project.reports is not None, diagnostics
    reports = project.reports
    assert reports.names() == [
        "nev_sales", "push_campaign", "repurchase", "new_user_7d", "coupons", "coupon_uplift",
        "price_test",
    ]  # fmt: skip
    nev, push = reports.funnels
    assert nev.within is not None and nev.within.days == 120
    assert [s.within.days if s.within else None for s in nev.steps] == [None, None, 14, 90]
    assert nev.split == model.Split("city", ir.ProfileColumn("users", "city", ir.Type.STRING))
    assert push.split == model.Split("channel", None, "channel")
    assert reports.retentions[0].period == "month" and reports.retentions[0].first
    (price,) = reports.experiments
    assert [(a.name, a.low, a.high) for a in price.arms] == [
        ("control", 0.0, 0.1),
        ("five_off", 0.1, 0.55),
        ("ten_off", 0.55, 1.0),
    ]
    assert price.control == "control"
    assert [(m.name, m.kind) for m in price.metrics] == [
        ("order_value", model.MEAN),
        ("repurchase", model.SHARE),
    ]
    coupons = reports.reports[0]
    assert coupons.metrics[2].expr == model.MetricArith(
        ir.ArithOp.DIV, model.MetricRef("used"), model.MetricRef("claimed")
    )
    # the fingerprint covers reports, and a project without them keeps its fingerprint
    assert ir.fingerprint(project) != ir.fingerprint(replace(project, reports=None))


# ---------------------------------------------------------------- clauses and layout


def test_retention_options_and_report_windows() -> None:
    retention, report = parse(
        "retention r {\n    cohort events\n    rolling\n    on or after\n    periods 3\n"
        "    by weeks\n    return orders where amount > 1\n}\n"
        "report o over orders where amount > 1 between 30 and 7 days ago by store, users.city "
        "{\n    n = count()\n}\n"
    ).statements
    assert retention == ast.RetentionDef(
        "r", None, ast.EventRef("events"), False,
        ast.EventRef("orders", parse_expr("amount > 1")), "week", 3, True, True,
    )  # fmt: skip
    assert isinstance(report, ast.ReportDef)
    assert report.window == ast.AgoWindow(30, 7, "day")
    assert report.by == (ast.Dimension(None, "store"), ast.Dimension("users", "city"))


MESSY = """\
# leads the funnel
funnel f by entry events.channel within 2 days { step a : events where name=="x"
  step b: orders within 1 hours }
retention r { periods 3 by weeks on or after rolling return orders cohort first events }
report o over orders since date "2026-01-01" by store { n=count() m = count(where amount>1) }
experiment e { metric m = purchases arm b 50% arm a 50% salt "s" population buyers }
"""

CANONICAL = """\
# leads the funnel
funnel f within 2 days by entry events.channel {
    step a: events where name == "x"
    step b: orders within 1 hour
}

retention r {
    cohort first events
    return orders
    by week
    periods 3
    rolling
    on or after
}

report o over orders since date "2026-01-01" by store {
    n = count()
    m = count(where amount > 1)
}

experiment e {
    population buyers
    salt "s"
    arm b 50%
    arm a 50%
    metric m = purchases
}
"""


def test_canonical_layout() -> None:
    """Header options of a funnel in one order, retention clauses in a fixed order, the
    experiment's population and salt first, arms and metrics in their own orders."""
    assert assert_round_trip(MESSY) == CANONICAL


@pytest.mark.parametrize(
    "text",
    [
        "funnel f {}\n\nretention r {}\n\nreport r over users {}\n\nexperiment e {}\n",
        "report r over users {\n    n = count((where) where where)\n}\n",
        'experiment e {\n    population x between 1 and 2\n    salt "ago"\n}\n',
        "funnel entry within 1 minute by entry entry.entry {\n    step step: step where step\n}\n",
        "retention first {\n    cohort first first\n    return first where first\n}\n",
        "report report over over by by, over.by {\n    over = by\n    by2 = over\n}\n",
    ],
)
def test_layouts_that_are_already_canonical(text: str) -> None:
    assert assert_round_trip(text) == text


def _funnel(**changes: object) -> ast.Program:
    base = ast.FunnelDef("f", None, None, None, False, (ast.FunnelStep("s", ast.EventRef("e")),))
    return ast.Program("t", (replace(base, **changes),))  # type: ignore[arg-type]


def _retention(**changes: object) -> ast.Program:
    base = ast.RetentionDef("r", None, ast.EventRef("e"), False, ast.EventRef("e"), "day", 1)
    return ast.Program("t", (replace(base, **changes),))  # type: ignore[arg-type]


def _report(*metrics: ast.MetricDef) -> ast.Program:
    return ast.Program("t", (ast.ReportDef("r", None, "users", None, None, (), metrics),))


UNPRINTABLE = [
    _funnel(by=ast.Dimension(None, "entry")),  # would read as `by entry ...`
    _funnel(by=ast.Dimension(None, "x"), by_entry=True),  # `by entry` needs S.col
    _funnel(by_entry=True),
    _funnel(within=ast.Duration(1, "fortnight")),
    _retention(cohort=ast.EventRef("first")),  # would read as `cohort first ...`
    _retention(cohort=None, first=True),
    _retention(period="fortnight"),
    _retention(periods=-1),
    _report(ast.MetricDef("a", ast.Call("count", ())), ast.MetricDef("and", ast.Name("a"))),
    _report(ast.MetricDef("a", ast.Call("count", (), window=ast.LastWindow(1, "day")))),
    ast.Program("t", (ast.ExperimentDef("e", None, None, None, (ast.ArmDef("a", "5%"),), ()),)),
]


@pytest.mark.parametrize("program", UNPRINTABLE, ids=range(len(UNPRINTABLE)))
def test_trees_the_syntax_cannot_express_are_refused(program: ast.Program) -> None:
    with pytest.raises(ValueError):
        format_program(program)


# ---------------------------------------------------------------- properties

dimensions = st.builds(ast.Dimension, st.none() | any_names, any_names)
metric_defs = st.builds(ast.MetricDef, any_names, expressions)


@st.composite
def funnels(draw: st.DrawFn) -> ast.FunnelDef:
    by_entry = draw(st.booleans())
    by = draw(st.none() | dimensions)
    if by is not None and by_entry and by.source is None:
        by = replace(by, source="s")
    if by is not None and not by_entry and by.source is None and by.name == "entry":
        by = replace(by, name="entry_")
    steps = small_tuples(st.builds(ast.FunnelStep, any_names, event_refs, st.none() | durations), 3)
    return ast.FunnelDef(
        draw(any_names), draw(titles), draw(st.none() | durations), by, by_entry and by is not None,
        draw(steps), draw(annotation_lists), draw(comment_lists),
    )  # fmt: skip


@st.composite
def retentions(draw: st.DrawFn) -> ast.RetentionDef:
    cohort = draw(st.none() | event_refs)
    first = cohort is not None and draw(st.booleans())
    if cohort is not None and not first and cohort.source == "first":
        cohort = replace(cohort, source="first_")
    return ast.RetentionDef(
        draw(any_names), draw(titles), cohort, first, draw(st.none() | event_refs),
        draw(st.none() | st.sampled_from(["day", "week", "month"])),
        draw(st.none() | st.integers(0, 10**6)), draw(st.booleans()), draw(st.booleans()),
        draw(annotation_lists), draw(comment_lists),
    )  # fmt: skip


@st.composite
def report_defs(draw: st.DrawFn) -> ast.ReportDef:
    metrics = draw(small_tuples(metric_defs, 3))
    # after a metric's expression, a word such as `and` is read as an operator
    from segl.dsl.formatter import AFTER_EXPR_KEYWORDS

    metrics = tuple(
        replace(m, name=m.name + "_") if i and m.name in AFTER_EXPR_KEYWORDS else m
        for i, m in enumerate(metrics)
    )
    return ast.ReportDef(
        draw(any_names), draw(titles), draw(any_names), draw(st.none() | expressions), None,
        draw(small_tuples(dimensions, 2)), metrics, draw(annotation_lists), draw(comment_lists),
    )  # fmt: skip


experiments = st.builds(
    ast.ExperimentDef,
    any_names,
    titles,
    st.none() | expressions,
    st.none() | string_values,
    small_tuples(st.builds(ast.ArmDef, any_names, numbers), 3),
    small_tuples(metric_defs, 2),
    annotation_lists,
    comment_lists,
)
report_programs = st.builds(
    ast.Program,
    st.just("<gen>"),
    small_tuples(st.one_of(funnels(), retentions(), report_defs(), experiments), 3),
    comment_lists,
)


@PROPERTY
@given(report_programs)
def test_format_then_parse_gives_the_same_tree(program: ast.Program) -> None:
    text = format_program(program)
    reparsed = parse_program(text, "<gen>")
    assert reparsed == program, text
    assert format_program(reparsed) == text


# ---------------------------------------------------------------- diagnostics

RULES = """\
segment buyers = purchases >= 1
source coupons from table "coupons" user user_id time claimed_at {
    coupon_type: string
    face_value: number
    used_at: timestamp
}
"""
EXPERIMENT = (
    'experiment e {{\n    population buyers\n    salt "s"\n{arms}    metric m = {metric}\n}}\n'
)


def experiment(arms: str, metric: str = "purchases") -> str:
    return EXPERIMENT.format(
        arms="".join(f"    arm {a}\n" for a in arms.split(", ")), metric=metric
    )


BAD = [
    # (text, code, line, column, message)
    (
        "funnel f {\n    step a: events\n}\n",
        "E0801",
        1,
        1,
        "funnel 'f' has 1 step; a funnel needs at least two",
    ),
    (
        'funnel f {\n    step a: events\n    step b: event where name == "x"\n}\n',
        "E0802",
        3,
        13,
        "unknown event source 'event' in step 'b' of funnel 'f'",
    ),
    (
        "funnel f {\n    step a: events\n    step b: users\n}\n",
        "E0802",
        3,
        13,
        "'users' is a profile source: step 'b' of funnel 'f' needs events",
    ),
    (
        "funnel f {\n    step a: events within 1 day\n    step b: orders\n}\n",
        "E0807",
        2,
        27,
        "step 'a' is the first step: there is no previous step to count its `within` from",
    ),
    (
        "funnel f within 1 month {\n    step a: events\n    step b: orders\n}\n",
        "E0807",
        1,
        17,
        "a funnel's window must have a fixed length: months do not",
    ),
    (
        "funnel f within 1 day within 2 days {\n    step a: events\n    step b: orders\n}\n",
        "E0806",
        1,
        23,
        "`within` is given twice in funnel 'f'",
    ),
    (
        "funnel f {\n    step a: events\n    step a: orders\n}\n",
        "E0806",
        3,
        5,
        "step 'a' appears twice in funnel 'f'",
    ),
    (
        "funnel f by events.channel {\n    step a: events\n    step b: orders\n}\n",
        "E0804",
        1,
        13,
        "events.channel is a per-event value; funnel 'f' groups users by a per-user value",
    ),
    (
        "funnel f by entry users.city {\n    step a: events\n    step b: orders\n}\n",
        "E0804",
        1,
        10,
        "`by entry` takes a column of the entry event, a row of 'events' (the first step), "
        "not of 'users'",
    ),
    (
        "funnel f by entry events.chanel {\n    step a: events\n    step b: orders\n}\n",
        "E0804",
        1,
        10,
        "source 'events' has no column 'chanel'",
    ),
    (
        "retention r {\n    cohort orders\n    return orders\n    by day\n    periods 0\n}\n",
        "E0807",
        5,
        13,
        "retention 'r' counts 0 periods; it needs at least 1",
    ),
    (
        "retention r {\n    cohort orders\n    by day\n    periods 3\n}\n",
        "E0801",
        1,
        1,
        "retention 'r' lacks `return S`",
    ),
    (
        "report r over users {}\n",
        "E0801",
        1,
        1,
        "report 'r' has no metric",
    ),
    (
        "report r over order {\n    n = count()\n}\n",
        "E0802",
        1,
        15,
        "report 'r' is over unknown rows 'order'",
    ),
    (
        "report r over users {\n    spend = sum(orders.amount)\n}\n",
        "E0803",
        2,
        17,
        "orders.amount is a per-event value, but the rows of report 'r' are users",
    ),
    (
        "report r over users {\n    n = count(orders)\n}\n",
        "E0803",
        2,
        15,
        "count(orders) in report 'r', whose rows are users",
    ),
    (
        "report r over coupons {\n    spend = sum(orders.amount)\n}\n",
        "E0803",
        2,
        17,
        "orders.amount is a column of another event source; the rows of report 'r' are 'coupons'",
    ),
    (
        "report r over coupons {\n    n = avg(count(orders))\n}\n",
        "E0803",
        2,
        13,
        "count() aggregates a user's events inside report 'r' over 'coupons'",
    ),
    (
        "report r over users in last 7 days {\n    n = count()\n}\n",
        "E0803",
        1,
        21,
        "report 'r' is over users: a window bounds the rows of an event source",
    ),
    (
        "report r over users {\n    n = purchases\n}\n",
        "E0803",
        2,
        9,
        "a metric of report 'r' aggregates its rows; this is a value of one row",
    ),
    (
        "report r over users by orders {\n    n = count()\n}\n",
        "E0804",
        1,
        24,
        "'orders' is a source, not a value to group by",
    ),
    (
        "report r over users by orders.amount {\n    n = count()\n}\n",
        "E0804",
        1,
        24,
        "orders.amount is a per-event value; report 'r' groups users by a per-user value",
    ),
    (
        "report r over coupons by coupon_typ {\n    n = count()\n}\n",
        "E0804",
        1,
        26,
        "unknown dimension 'coupon_typ' of report 'r': not a tag, segment or layering, nor a "
        "column of 'coupons'",
    ),
    (
        "report r over coupons by orders.amount {\n    n = count()\n}\n",
        "E0804",
        1,
        26,
        "orders.amount is a column of another event source; the rows of report 'r' are 'coupons'",
    ),
    (
        "report r over users {\n    n = count()\n    n = count()\n}\n",
        "E0806",
        3,
        5,
        "'n' is already a metric of report 'r'",
    ),
    (
        "report r over users {\n    n = count()\n}\n\nfunnel R {\n    step a: events\n    "
        "step b: orders\n}\n",
        "E0806",
        5,
        1,
        "'R' is the name of another funnel, retention, report or experiment (names ignore case)",
    ),
    (
        "report r over users {\n    buyers = count()\n    rate = buyer / 2\n}\n",
        "E0808",
        3,
        12,
        "unknown metric 'buyer' in report 'r'",
    ),
    (  # no metric's name is close: the hint says what a metric may read
        "report r over users {\n    rate = nonexistent / 2\n}\n",
        "E0808",
        2,
        12,
        "unknown metric 'nonexistent' in report 'r'",
    ),
    (
        "report r over users {\n    rate = buyers / 2\n    buyers = count()\n}\n",
        "E0808",
        2,
        12,
        "metric 'buyers' is used before it is defined",
    ),
    (
        "report r over users {\n    b = exists(orders)\n}\n",
        "E0808",
        2,
        9,
        "exists() is not an aggregate of reports",
    ),
    (
        "report r over orders {\n    p = percentile(amount, 2)\n}\n",
        "E0809",
        2,
        28,
        "percentile()'s second argument must be a number from 0 to 1",
    ),
    (
        "report r over coupons by coupon_type {\n    coupon_type = count()\n}\n",
        "E0806",
        2,
        5,
        "'coupon_type' is already a dimension of report 'r'",
    ),
    (
        experiment("control 10%, b 80%"),
        "E0805",
        5,
        5,
        "the arms of experiment 'e' add up to 90%, not 100%",
    ),
    (
        experiment("control 100%, b 0%"),
        "E0805",
        5,
        5,
        "arm 'b' has a weight of 0%: it would get no users",
    ),
    (
        experiment("a 50%, a 50%"),
        "E0806",
        5,
        5,
        "arm 'a' appears twice in experiment 'e'",
    ),
    (
        experiment("control 100%"),
        "E0801",
        1,
        1,
        "experiment 'e' has 1 arm; it needs a control and at least one more",
    ),
    (
        experiment("control 50%, b 50%").replace('salt "s"', 'salt ""'),
        "E0801",
        3,
        5,
        "the salt of experiment 'e' is empty",
    ),
    (
        experiment("control 50%, b 50%").replace('    salt "s"\n', ""),
        "E0801",
        1,
        1,
        "experiment 'e' needs a salt",
    ),
    (
        "report r over orders {\n    m = max(store) + 1\n}\n",
        "E0809",
        2,
        9,
        "`+` needs numbers, but this metric of report 'r' is a string",
    ),
    (
        "report r over orders {\n    last_store = max(store)\n    k = 2 * last_store\n}\n",
        "E0809",
        3,
        13,
        "`*` needs numbers, but this metric of report 'r' is a string",
    ),
    (
        "report r over orders {\n    m = -min(paid_at)\n}\n",
        "E0809",
        2,
        10,
        "`-` needs numbers, but this metric of report 'r' is a timestamp",
    ),
    (
        experiment("a 50%, b 50%", "buyers"),
        "E0809",
        6,
        16,
        "metric 'm' of experiment 'e' is a bool, not a number",
    ),
    (
        'experiment e {\n    salt "s"\n    arm a 50%\n    arm b 50%\n    metric m = purchases\n}\n',
        "E0801",
        1,
        1,
        "experiment 'e' has no `population`",
    ),
]


@pytest.mark.parametrize(
    ("text", "code", "line", "column", "message"),
    BAD,
    ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)],
)
def test_each_diagnostic_with_its_place(
    text: str, code: str, line: int, column: int, message: str
) -> None:
    programs = [parse_program(SPEC_SOURCES + RULES, "sources.segl"), parse_program(text, "r.segl")]
    project, diagnostics = check_programs(programs)
    assert project is None
    found = [(d.code, d.span.line, d.span.column, d.message) for d in diagnostics if d.span]
    assert found == [(code, line, column, message)]
    (diagnostic,) = diagnostics
    assert diagnostic.hints, "every report diagnostic carries a hint"


def test_a_percentile_with_a_filter_is_shown_how_it_is_written() -> None:
    """`percentile(x where C)` lacks its fraction: the hint shows a call that checks (it
    said `percentile(x)`, which does not)."""
    text = "report r over orders {\n    p = percentile(amount where amount > 1)\n}\n"
    programs = [parse_program(SPEC_SOURCES + RULES, "sources.segl"), parse_program(text, "r.segl")]
    _, diagnostics = check_programs(programs)
    (diagnostic,) = diagnostics
    assert diagnostic.code == "E0402"
    written = diagnostic.hints[0].split("or ")[-1]
    fixed = f"report r over orders {{\n    p = {written}\n}}\n"
    programs[1] = parse_program(fixed, "r.segl")
    assert check_programs(programs)[0] is not None, written


def test_unknown_names_have_a_did_you_mean() -> None:
    cases = {
        "report r over order {\n    n = count()\n}\n": "did you mean 'orders'?",
        "report r over coupons by coupon_typ {\n    n = count()\n}\n": (
            "did you mean 'coupon_type'?"
        ),
        "funnel f by entry events.chanel {\n    step a: events\n    step b: orders\n}\n": (
            "did you mean 'channel'?"
        ),
        "funnel f {\n    step a: event\n    step b: orders\n}\n": "did you mean 'events'?",
        # a profile column written without its source
        "report r over users by city {\n    n = count()\n}\n": "did you mean 'users.city'?",
        # a column of an event source: the rows of a report over that source have it
        "report r over users by amount {\n    n = count()\n}\n": (
            "'amount' is a column of the events of 'orders': a report over orders groups its "
            "rows by it (`over orders by amount`)"
        ),
        "report r over users {\n    buyers = count()\n    rate = buyer / 2\n}\n": (
            "did you mean 'buyers'?"
        ),
    }
    for text, hint in cases.items():
        programs = [parse_program(SPEC_SOURCES + RULES, "s.segl"), parse_program(text, "r.segl")]
        _, diagnostics = check_programs(programs)
        assert hint in diagnostics[0].hints, (text, diagnostics)


@pytest.mark.parametrize(
    ("text", "line", "column", "message", "hint"),
    [
        (
            "retention r {\n    by fortnight\n}\n",
            2, 8, "retention is counted by day, week or month, not by 'fortnight'", "e.g. by week",
        ),
        (
            "experiment e {\n    arm a 50\n}\n",
            3, 1, "unexpected '}'; expected '%'", "an arm's weight is a percentage: arm NAME 45%",
        ),
        (
            "retention r {\n    periods 1.5\n}\n",
            2, 13, "'periods' needs a whole number below a billion",
            "e.g. periods 7: the seven periods after the cohort's",
        ),
    ],
)  # fmt: skip
def test_syntax_errors(text: str, line: int, column: int, message: str, hint: str) -> None:
    with pytest.raises(DiagnosticError) as failure:
        parse(text)
    (diagnostic,) = failure.value.diagnostics
    assert diagnostic.span is not None
    assert (diagnostic.span.line, diagnostic.span.column, diagnostic.message) == (
        line,
        column,
        message,
    )
    assert hint in diagnostic.hints


def test_report_aggregates_take_where_and_tags_refuse_them() -> None:
    text = "report r over users {\n    m = median(purchases where purchases > 0)\n}\n"
    (report,) = parse(text).statements
    assert isinstance(report, ast.ReportDef)
    assert report.metrics[0].expr == parse_expr("median(purchases where purchases > 0)")
    with pytest.raises(DiagnosticError) as failure:
        parse("tag t = lower(users.city where x)")
    assert failure.value.diagnostics[0].code == "E0206"


@pytest.mark.parametrize(
    ("metric", "says"),
    [
        ("share(exists(orders)) * 100", "share() is a metric of its own in an experiment"),
        ("median(orders.amount)", "median() aggregates a report's rows, not a user's"),
    ],
)
def test_a_report_aggregate_inside_an_experiment_metric_is_e0809(metric: str, says: str) -> None:
    """Not the tags' E0304 ("tags cannot use it"): the metric is an experiment's."""
    from segl.compiler.checker import check_programs
    from segl.dsl.parser import parse_program

    rules = f"""\
source users from table "users" key user_id {{ city: string }}
source orders from table "orders" user user_id time ts {{ amount: number }}
experiment p {{
    population users.city == "x"
    salt "s"
    arm control 50%
    arm b 50%
    metric m = {metric}
}}
"""
    project, diagnostics = check_programs([parse_program(rules, "r.segl")])
    assert project is None and [d.code for d in diagnostics] == ["E0809"], diagnostics
    assert says in diagnostics[0].message


@pytest.mark.parametrize(
    ("arms", "says"),
    [
        (
            [
                "33.333333333333333333333333333333",
                "33.333333333333333333333333333333",
                "33.333333333333333333333333333334",
            ],
            None,
        ),
        (["1e400", "50"], "add up to 1.000000e+400%, not 100%"),
        (["10", "45", "44"], "add up to 99%, not 100%"),
    ],
)
def test_arm_weights_add_up_exactly_however_many_digits(arms: list[str], says: str | None) -> None:
    """Weights of 30 decimals that make 100 are 100 (a 28-digit sum made them 99.99...);
    a sum far from 100 is shown briefly, not as 401 digits."""
    from segl.compiler.checker import check_programs
    from segl.dsl.parser import parse_program

    lines = "".join(f"    arm a{i} {weight}%\n" for i, weight in enumerate(arms))
    rules = (
        'source users from table "users" key user_id { city: string }\n'
        'experiment p {\n    population users.city == "x"\n    salt "s"\n'
        f"{lines}    metric m = 1\n}}\n"
    )
    project, diagnostics = check_programs([parse_program(rules, "r.segl")])
    if says is None:
        assert project is not None, diagnostics
    else:
        assert project is None and [d.code for d in diagnostics] == ["E0805"], diagnostics
        assert says in diagnostics[0].message

"""Alerts (SPEC §2.9): parsing, the percentage literal, the canonical layout and round
trips of the formatter, syntax errors, and the checker's diagnostics E0901-E0909 (each
with its place, caret and hint); also a journey's `enter on moved(L, from, to)`."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import Result, locate
from hypothesis import given
from hypothesis import strategies as st
from test_parser_properties import PROPERTY, annotation_lists, comment_lists, titles

from segl.compiler import ir
from segl.compiler.alerts import model
from segl.compiler.checker import check_programs
from segl.compiler.ops import ArithOp, CompareOp, LogicOp
from segl.dsl import ast
from segl.dsl.diagnostics import Diagnostic, DiagnosticError, render_text
from segl.dsl.formatter import format_program
from segl.dsl.parser import parse_program

REPO = Path(__file__).resolve().parent.parent
Cli = Callable[..., Result]
WEEK = dt.timedelta(days=7)

SPEC_2_9 = """\
alert quadrant_slide "High-freq low-value users sliding to low-freq low-value" =
    moved(value_quadrant, from "hf_lv", to "lf_lv", over 7 days) > 5%

alert loyal_shrinking = change(size(beijing_loyal), over 7 days) < -20%
"""

# Sources and definitions the checked examples refer to (the file is `rules.segl`).
RULES = """\
source users from table "users" key user_id {
    city: string
}

source orders from table "orders" user user_id time paid_at {
    amount: number
}

source events from table "events" user user_id time ts {
    name: string
}

tag orders_90d = count(orders in last 90 days)
tag spend_90d = sum(orders.amount in last 90 days)
segment beijing_loyal = users.city == "Beijing" and orders_90d >= 3

layering value_quadrant "Frequency x value" {
    hf_hv when orders_90d >= 3 and spend_90d >= 1000
    hf_lv when orders_90d >= 3
    lf_hv when spend_90d >= 1000
    lf_lv otherwise
}

funnel purchase {
    step visited: events where name == "visit"
    step bought: orders
}

retention repurchase {
    cohort first orders
    return orders
    by month
    periods 6
}

report spend over users {
    n = count()
}
"""


def parse(text: str) -> ast.Program:
    return parse_program(text, "a.segl")


def condition(text: str) -> ast.Expr:
    (stmt,) = parse(f"alert a = {text}\n").statements
    assert isinstance(stmt, ast.AlertDef)
    return stmt.condition


def assert_round_trip(text: str) -> str:
    program = parse(text)
    formatted = format_program(program)
    assert parse(formatted) == program, formatted
    assert format_program(parse(formatted)) == formatted
    return formatted


def check(alerts: str) -> tuple[ir.Project | None, list[Diagnostic], str]:
    text = RULES + "\n" + alerts
    project, diagnostics = check_programs([parse_program(text, "rules.segl")])
    return project, diagnostics, text


def checked_alerts(alerts: str) -> model.Alerts:
    project, diagnostics, _ = check(alerts)
    assert project is not None and project.alerts is not None, diagnostics
    return project.alerts


def call(name: str, *args: ast.Expr, **named: object) -> ast.AlertCall:
    return ast.AlertCall(name, args, **named)  # type: ignore[arg-type]


def pct(text: str) -> ast.PercentLit:
    return ast.PercentLit(text)


def num(text: str) -> ast.NumberLit:
    return ast.NumberLit(text)


# ---------------------------------------------------------------- SPEC §2.9 as written


def test_spec_alerts_parse_to_the_expected_trees() -> None:
    slide, shrinking = parse(SPEC_2_9).statements
    assert slide == ast.AlertDef(
        "quadrant_slide",
        "High-freq low-value users sliding to low-freq low-value",
        ast.Binary(
            ">",
            call(
                "moved",
                ast.Name("value_quadrant"),
                origin=ast.StringLit("hf_lv"),
                destination=ast.StringLit("lf_lv"),
                over=ast.Duration(7, "day"),
            ),
            pct("5"),
        ),
    )
    assert shrinking == ast.AlertDef(
        "loyal_shrinking",
        None,
        ast.Binary(
            "<",
            call("change", call("size", ast.Name("beijing_loyal")), over=ast.Duration(7, "day")),
            ast.Unary("-", pct("20")),
        ),
    )


def test_spec_alerts_are_in_the_canonical_layout() -> None:
    assert assert_round_trip(SPEC_2_9) == SPEC_2_9


def test_spec_alerts_check_into_the_model() -> None:
    alerts = checked_alerts(SPEC_2_9)
    slide, shrinking = alerts.alerts
    assert slide.condition == model.Compare(
        CompareOp.GT, model.Moved("value_quadrant", "hf_lv", "lf_lv", WEEK), model.Const(0.05)
    )
    assert slide.title == "High-freq low-value users sliding to low-freq low-value"
    assert shrinking.condition == model.Compare(
        CompareOp.LT,
        model.Change(model.Size(segment="beijing_loyal"), WEEK),
        model.Const(-0.2),  # `-20%` is folded into one number
    )
    assert (shrinking.cooldown, shrinking.repeat) == (None, None)


@pytest.mark.parametrize("percent", ["35", "41", "57", "70", "95", "12.3", "0.7"])
def test_a_percent_is_the_double_nearest_its_hundredth(percent: str) -> None:
    """`35%` is 0.35, the double a share of 35 in 100 is (35 * 0.01 is 0.35000000000000003:
    the alert `share(...) >= 35%` would not fire at exactly 35 %), and `-35%` its negation."""
    nearest = float(Decimal(percent) / 100)
    alerts = checked_alerts(
        f'alert at = share(value_quadrant, "lf_lv") >= {percent}%\n'
        f"alert below = change(size(beijing_loyal), over 1 week) < -{percent}%"
    )
    at, below = alerts.alerts
    assert at.condition.right == model.Const(nearest)  # type: ignore[union-attr]
    assert below.condition.right == model.Const(-nearest)  # type: ignore[union-attr]


def test_the_fingerprint_counts_alerts_only_when_present() -> None:
    project, diagnostics, _ = check(SPEC_2_9)
    assert project is not None, diagnostics
    without, _, _ = check("")
    assert without is not None and without.alerts is None
    assert ir.fingerprint(project) != ir.fingerprint(replace(project, alerts=None))
    assert ir.fingerprint(replace(project, alerts=None)) == ir.fingerprint(without)


# ---------------------------------------------------------------- the percentage


PERCENT_CASES = [
    # (condition, its tree): `5%` is a percentage unless the `%` is glued to an operand
    ("x() > 5%", ast.Binary(">", call("x"), pct("5"))),
    ("x() > 2.5%", ast.Binary(">", call("x"), pct("2.5"))),
    ("x() > 1e1%", ast.Binary(">", call("x"), pct("1e1"))),
    ("(x() > 5%)", ast.Binary(">", call("x"), pct("5"))),
    ("x(5%, 1)", call("x", pct("5"), num("1"))),
    ("x() > 5% and y() < 1", ast.Binary("and", ast.Binary(">", call("x"), pct("5")),
                                         ast.Binary("<", call("y"), num("1")))),
    ("x() > 5% or y() < 1", ast.Binary("or", ast.Binary(">", call("x"), pct("5")),
                                        ast.Binary("<", call("y"), num("1")))),
    ("5% * 2 < x()", ast.Binary("<", ast.Binary("*", pct("5"), num("2")), call("x"))),
    ("5% - 1 < x()", ast.Binary("<", ast.Binary("-", pct("5"), num("1")), call("x"))),
    ("x() > 5% # a comment", ast.Binary(">", call("x"), pct("5"))),
    ("5 % 3 == x()", ast.Binary("==", ast.Binary("%", num("5"), num("3")), call("x"))),
    ("5%3 == x()", ast.Binary("==", ast.Binary("%", num("5"), num("3")), call("x"))),
    ("5%x() == 1", ast.Binary("==", ast.Binary("%", num("5"), call("x")), num("1"))),
    ("5%(2) == 1", ast.Binary("==", ast.Binary("%", num("5"), num("2")), num("1"))),
    ("5%-2 == 1", ast.Binary("==", ast.Binary("%", num("5"), ast.Unary("-", num("2"))),
                             num("1"))),
    ("x() % 2 > 5%%2", ast.Binary(">", ast.Binary("%", call("x"), num("2")),
                                  ast.Binary("%", pct("5"), num("2")))),
    ("5%% 2 > 1", ast.Binary(">", ast.Binary("%", pct("5"), num("2")), num("1"))),
]  # fmt: skip


@pytest.mark.parametrize(("text", "tree"), PERCENT_CASES, ids=[c[0] for c in PERCENT_CASES])
def test_the_percentage_and_the_remainder(text: str, tree: ast.Expr) -> None:
    assert condition(text) == tree
    assert_round_trip(f"alert a = {text}\n")


@pytest.mark.parametrize(
    "after",
    [
        "cooldown 1 day",
        "repeat every 1 day",
        "\nalert b = x() > 1",
        "\ntag t = 1",
        '\n@owner "o"\ntag t = 1',
    ],
)
def test_a_percentage_ends_before_options_and_statements(after: str) -> None:
    first = parse(f"alert a = x() > 5% {after}\n").statements[0]
    assert isinstance(first, ast.AlertDef)
    assert first.condition == ast.Binary(">", call("x"), pct("5"))


def test_the_remainder_keeps_working_outside_alerts() -> None:
    tag, holdout = parse('tag t = a % b + 5 % 3 + 5%3\nholdout h 5% salt "s"\n').statements
    assert isinstance(tag, ast.TagDef) and isinstance(holdout, ast.HoldoutDef)
    assert tag.expr == ast.Binary(
        "+",
        ast.Binary("+", ast.Binary("%", ast.Name("a"), ast.Name("b")),
                   ast.Binary("%", num("5"), num("3"))),
        ast.Binary("%", num("5"), num("3")),
    )  # fmt: skip
    assert holdout.percent == "5"


# ---------------------------------------------------------------- calls and options


def test_named_arguments_in_any_order_are_written_last_in_one_order() -> None:
    text = 'alert a = moved(over 2 weeks, to "(left)", l, from "x") > 1%\n'
    (stmt,) = parse(text).statements
    assert isinstance(stmt, ast.AlertDef)
    assert stmt.condition == ast.Binary(
        ">",
        call("moved", ast.Name("l"), origin=ast.StringLit("x"),
             destination=ast.StringLit("(left)"), over=ast.Duration(2, "week")),
        pct("1"),
    )  # fmt: skip
    assert assert_round_trip(text) == (
        'alert a = moved(l, from "x", to "(left)", over 2 weeks) > 1%\n'
    )


def test_every_leaf_and_operator_parses() -> None:
    text = (
        '@owner "crm"\n'
        'alert all_of_them "Title" =\n'
        "    users() > 1000 and size(beijing_loyal) / users() >= 10% and "
        'share(value_quadrant, "hf_hv") != 0.5\n'
        '    or not (conversion(purchase) < 20% or conversion(purchase, "bought") <= 0.9) '
        "and -retained(repurchase, 1) + 1 > 0\n"
        "    cooldown 3 days repeat every 12 hours\n"
    )
    (stmt,) = parse(text).statements
    assert isinstance(stmt, ast.AlertDef)
    assert stmt.annotations == (ast.Annotation("owner", "crm"),)
    assert (stmt.cooldown, stmt.repeat) == (ast.Duration(3, "day"), ast.Duration(12, "hour"))
    (alert,) = checked_alerts(text).alerts
    assert alert.meta == (("owner", "crm"),)
    assert (alert.cooldown, alert.repeat) == (dt.timedelta(days=3), dt.timedelta(hours=12))
    assert model.leaves(alert.condition) == [
        model.Users(),
        model.Size(segment="beijing_loyal"),
        model.Share("value_quadrant", "hf_hv"),
        model.ReportValue("purchase", "funnel"),
        model.ReportValue("purchase", "funnel", step="bought"),
        model.ReportValue("repurchase", "retention", period=1),
    ]
    assert isinstance(alert.condition, model.Logic) and alert.condition.op is LogicOp.OR


def test_arithmetic_and_layer_sizes_check_into_the_model() -> None:
    (alert,) = checked_alerts(
        'alert a = size(value_quadrant, "lf_lv") - size(value_quadrant, "hf_lv") * 2 > 0 '
        'and change(share(value_quadrant, "lf_lv"), over 1 week) > 0\n'
    ).alerts
    lf, hf = (
        model.Size(layering="value_quadrant", layer="lf_lv"),
        model.Size(layering="value_quadrant", layer="hf_lv"),
    )
    difference = model.Arith(ArithOp.SUB, lf, model.Arith(ArithOp.MUL, hf, model.Const(2.0)))
    assert alert.condition == model.Logic(
        LogicOp.AND,
        model.Compare(CompareOp.GT, difference, model.Const(0.0)),
        model.Compare(
            CompareOp.GT,
            model.Change(model.Share("value_quadrant", "lf_lv"), WEEK),
            model.Const(0.0),
        ),
    )


def test_over_in_months_or_years_is_calendar_months() -> None:
    moved, change = checked_alerts(
        'alert a = moved(value_quadrant, from "hf_lv", to "lf_lv", over 1 month) > 5%\n'
        "alert b = change(users(), over 2 years) < -10%\n"
    ).alerts
    assert isinstance(moved.condition, model.Compare)
    assert isinstance(change.condition, model.Compare)
    assert moved.condition.left == model.Moved("value_quadrant", "hf_lv", "lf_lv", model.Months(1))
    assert change.condition.left == model.Change(model.Users(), model.Months(24))


def test_alert_words_stay_names_elsewhere() -> None:
    text = (
        'source s from table "t" user u time ts { from: string to: string over: number '
        "cooldown: number repeat: number every: number moved: number }\n"
        "tag t = count(s where from == to and over > 1 and cooldown + repeat + every > moved)\n"
        "layering l {\n    a when t > 1\n    b otherwise\n}\n"
    )
    assert_round_trip(text)


def test_the_canonical_layout_of_long_alerts() -> None:
    messy = (
        "alert   a=size(beijing_loyal)>1   cooldown 1 days\n"
        'alert b "A long title that takes room" = moved(value_quadrant, from "hf_lv", '
        'to "lf_lv", over 7 days) > 5% and change(size(beijing_loyal), over 7 days) < -20% '
        "and users() > 100000 cooldown 2 days repeat every 1 day\n"
    )
    assert assert_round_trip(messy) == (
        "alert a = size(beijing_loyal) > 1 cooldown 1 day\n"
        "\n"
        'alert b "A long title that takes room" =\n'
        '    moved(value_quadrant, from "hf_lv", to "lf_lv", over 7 days) > 5%\n'
        "    and change(size(beijing_loyal), over 7 days) < -20%\n"
        "    and users() > 100000\n"
        "    cooldown 2 days repeat every 1 day\n"
    )


def test_the_docs_examples_are_in_the_canonical_layout() -> None:
    docs = (REPO / "docs" / "language.md").read_text("utf-8")
    section = docs[docs.index("## 17. Alerts") :]
    examples = re.findall(r"^```\n((?:alert|journey) .*?)^```$", section, re.M | re.S)
    assert len(examples) == 2
    for example in examples:
        assert assert_round_trip(example) == example
    project, diagnostics, _ = check("\n".join(examples))
    assert project is not None and project.alerts is not None, diagnostics
    assert [a.name for a in project.alerts.alerts] == [
        "quadrant_slide",
        "loyal_shrinking",
        "few_buyers",
    ]


# ---------------------------------------------------------------- formatter properties


def _alert_names() -> st.SearchStrategy[str]:
    return st.sampled_from(["a", "l", "from_", "size", "x1", "北京", "not_", "over2"])


leaf_literals: st.SearchStrategy[ast.Expr] = st.one_of(
    st.sampled_from(["0", "5", "2.5", "1e3", "007"]).map(ast.NumberLit),
    st.sampled_from(["0", "5", "12.5", "1e1"]).map(ast.PercentLit),
    st.sampled_from(["hf_lv", "(left)", 'q"uote']).map(ast.StringLit),
    st.booleans().map(ast.BoolLit),
    st.just(ast.NullLit()),
    _alert_names().map(ast.Name),
)
durations = st.builds(ast.Duration, st.integers(0, 30), st.sampled_from(["day", "week", "hour"]))
strings = st.sampled_from(["a", "(left)", "hf_lv"]).map(ast.StringLit)


def alert_exprs() -> st.SearchStrategy[ast.Expr]:
    def extend(inner: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
        ops = ["and", "or", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%"]
        return st.one_of(
            st.builds(ast.Binary, st.sampled_from(ops), inner, inner),
            st.builds(ast.Unary, st.sampled_from(["not", "-"]), inner),
            st.builds(
                ast.AlertCall,
                _alert_names(),
                st.lists(inner, max_size=2).map(tuple),
                st.none() | strings,
                st.none() | strings,
                st.none() | durations,
            ),
        )

    return st.recursive(leaf_literals, extend, max_leaves=8)


alert_defs = st.builds(
    ast.AlertDef,
    _alert_names(),
    titles,
    alert_exprs(),
    st.none() | durations,
    st.none() | durations,
    annotation_lists,
    comment_lists,
)


@PROPERTY
@given(st.lists(alert_defs, min_size=1, max_size=3).map(lambda a: ast.Program("<gen>", tuple(a))))
def test_format_then_parse_gives_the_same_tree(program: ast.Program) -> None:
    text = format_program(program)
    reparsed = parse_program(text, "<gen>")
    assert reparsed == program, text
    assert format_program(reparsed) == text


UNPRINTABLE = [
    ast.Binary(">", ast.Name("true"), num("1")),
    ast.Unary("not", ast.Name("not")),
    ast.Binary(">", ast.PercentLit("-5"), num("1")),
    ast.Binary(">", call("null"), num("1")),
    ast.Binary(">", ast.Call("count", ()), num("1")),  # a tag's call cannot be written here
    ast.Binary(">", ast.InList(num("1"), (), False), num("1")),
]


@pytest.mark.parametrize("expr", UNPRINTABLE, ids=range(len(UNPRINTABLE)))
def test_alert_trees_the_syntax_cannot_express_are_refused(expr: ast.Expr) -> None:
    with pytest.raises(ValueError):
        format_program(ast.Program("t", (ast.AlertDef("a", None, expr),)))


def test_argument_names_that_are_keywords_get_parentheses() -> None:
    expr = ast.Binary(">", call("size", ast.Name("from")), call("size", ast.Name("over")))
    text = format_program(ast.Program("t", (ast.AlertDef("a", None, expr),)))
    assert text == "alert a = size((from)) > size((over))\n"
    (stmt,) = parse(text).statements
    assert isinstance(stmt, ast.AlertDef) and stmt.condition == expr


# ---------------------------------------------------------------- syntax errors


SYNTAX_ERRORS = [
    # (source, where the error points (None: end of file), code, message, hint or None)
    ('alert a = moved(l, from hf_lv, to "b", over 7 days) > 1\n', "hf_lv", "E0202",
     'expected a string ("...")', 'name the layer as a string: from "hf_lv"'),
    ("alert a = size(x) > 5 %\n", None, "E0202", "expected an expression",
     "a percentage is written without a space before '%': 5%"),
    ('alert a = moved(l, from "a", to "b", over 7) > 1\n', ")", "E0202", "expected a name",
     "a duration needs a unit"),
    ("alert a = size(x) > 1 repeat 1 day\n", "1 day", "E0202", "expected 'every'", None),
    ("alert a = size(x) > 1 cooldown 3 fortnights\n", "fortnights", "E0205",
     "unknown time unit 'fortnights'", "days or weeks"),
    ("alert a = x() > 1 +\n", None, "E0202", "unexpected end of file; expected an expression",
     None),
    ("alert a = x() > 1 cooldown\n", None, "E0202", "expected a number", None),
    ("alert = x() > 1\n", "=", "E0202", "expected a name", None),
    ("alert a x() > 1\n", "x", "E0202", "expected '='", None),
    ("alert a = x(from) > 1\n", ")", "E0202", 'expected a string ("...")', "from \"hf_lv\""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "needle", "code", "message", "hint"),
    SYNTAX_ERRORS,
    ids=[f"{case[2]}-{i}" for i, case in enumerate(SYNTAX_ERRORS)],
)
def test_syntax_errors(
    text: str, needle: str | None, code: str, message: str, hint: str | None
) -> None:
    with pytest.raises(DiagnosticError) as failure:
        parse(text)
    diag = failure.value.diagnostics[0]
    assert diag.code == code, diag
    assert diag.span is not None
    lines = text.splitlines()
    expected = locate(text, needle) if needle else (len(lines), len(lines[-1]) + 1)
    assert (diag.span.line, diag.span.column) == expected, diag
    assert message in diag.message, diag.message
    if hint is not None:
        assert any(hint in h for h in diag.hints), diag.hints


# ---------------------------------------------------------------- the checker's diagnostics


CHECK_ERRORS = [
    # (alert, the text the caret underlines, code, message, a hint)
    ('alert a = moved(value_quadrnt, from "hf_lv", to "lf_lv", over 7 days) > 5%',
     "value_quadrnt", "E0902", "unknown layering 'value_quadrnt'",
     "did you mean 'value_quadrant'?"),
    ('alert a = moved(beijing_loyal, from "hf_lv", to "lf_lv", over 7 days) > 5%',
     "beijing_loyal", "E0902", "'beijing_loyal' is a segment, not a layering",
     "layerings: value_quadrant"),
    ('alert a = moved(value_quadrant, from "hf_lw", to "lf_lv", over 7 days) > 5%',
     '"hf_lw"', "E0903", "layering 'value_quadrant' has no layer 'hf_lw'",
     "its layers: hf_hv, hf_lv, lf_hv, lf_lv"),
    ('alert a = moved(value_quadrant, from "hf_lw", to "lf_lv", over 7 days) > 5%',
     '"hf_lw"', "E0903", "no layer 'hf_lw'", "did you mean 'hf_lv'?"),
    ('alert a = moved(value_quadrant, from "(left)", to "lf_lv", over 7 days) > 5%',
     '"(left)"', "E0903", "'(left)' is not a layer", "'(left)' is only a destination"),
    ('alert a = share(value_quadrant, "(new)") > 5%',
     '"(new)"', "E0903", "'(new)' is not a layer", "layers of 'value_quadrant'"),
    ('alert a = share(value_quadrant, "(new)") > 5%',
     '"(new)"', "E0903", "'(new)' is not a layer", "a row of `segl show migration` only"),
    ('alert a = moved(value_quadrant, from "hf_lv", to "(none)", over 7 days) > 5%',
     '"(none)"', "E0903", "'(none)' is not a layer", "give the layering an `otherwise`"),
    ("alert a = change(size(beijing_loyl), over 7 days) < -20%",
     "beijing_loyl", "E0904", "unknown segment 'beijing_loyl'", "did you mean 'beijing_loyal'?"),
    ("alert a = size(value_quadrant) > 1",
     "value_quadrant", "E0904", "'value_quadrant' is a layering, not a segment",
     'size(value_quadrant, "hf_hv")'),
    ("alert a = size(orders_90d) > 1",
     "orders_90d", "E0904", "'orders_90d' is a tag, not a segment", "define a segment"),
    ("alert a = conversion(purchas) < 10%",
     "purchas", "E0905", "unknown funnel 'purchas'", "did you mean 'purchase'?"),
    ("alert a = conversion(repurchase) < 10%",
     "repurchase", "E0905", "'repurchase' is a retention, not a funnel", "retained(repurchase, 1)"),
    ("alert a = retained(spend, 1) < 10%",
     "spend", "E0905", "'spend' is a report, not a retention", "retentions: repurchase"),
    ('alert a = conversion(purchase, "bougt") < 10%',
     '"bougt"', "E0905", "funnel 'purchase' has no step 'bougt'", "did you mean 'bought'?"),
    ('alert a = conversion(purchase, "visited") < 10%',
     '"visited"', "E0905", "always 100%", "name a later step: bought"),
    ("alert a = retained(repurchase, 7) < 10%",
     "7", "E0905", "retention 'repurchase' has no period 7: its periods are 1 to 6",
     "retained(repurchase, 1)"),
    ("alert a = retained(repurchase, 0) < 10%",
     "0", "E0905", "has no period 0", "period 1 is the first after the cohort's"),
    ("alert a = retained(repurchase, " + "9" * 60 + ") < 10%",
     "9" * 60, "E0905", "has no period 999999... (60 digits)", None),
    ("alert a = retained(repurchase, 1.5) < 10%",
     "1.5", "E0905", "has no period 1.5", None),
    ("alert a = retained(repurchase, -1) < 10%",
     "-1", "E0905", "retention 'repurchase' needs its period as a whole number: its periods "
     "are 1 to 6", "retained(repurchase, 1)"),
    ("alert a = retained(repurchase, 1 + 1) < 10%",
     "1 + 1", "E0905", "needs its period as a whole number", None),
    ('alert a = size(beijing_loyal) > "5%"',
     '"5%"', "E0906", '"5%" is a string: an alert compares numbers', "drop the quotes"),
    ('alert a = size(beijing_loyal) > "many"',
     '"many"', "E0906", "is a string", "thresholds are numbers"),
    ("alert a = size(beijing_loyal) > true",
     "true", "E0906", "'true' has no place in an alert's condition", "compare a number"),
    ("alert a = size(beijing_loyal) != null",
     "null", "E0906", "'null' has no place", None),
    ("alert a = size(beijing_loyal) and users() > 1",
     "size(beijing_loyal)", "E0906", "`and` needs conditions, but this is a number",
     "compare it with a threshold"),
    ("alert a = users() > (size(beijing_loyal) > 1)",
     "size(beijing_loyal) > 1", "E0906", "`>` needs numbers, but this is a condition", None),
    ("alert a = -(users() > 1) < 1",
     "users() > 1", "E0906", "`-` needs numbers", None),
    ("alert a = not users()",
     "users()", "E0906", "`not` needs conditions", None),
    ("alert a = size(beijing_loyal)",
     "size(beijing_loyal)", "E0906", "the condition of alert 'a' is a number, not true or false",
     "compare it with a threshold: e.g. ... > 5%"),
    ("alert a = users() > 1e999",
     "1e999", "E0906", "this number is too large", "use a smaller number"),
    ('alert a = moved(value_quadrant, from "hf_lv", to "lf_lv", over 0 months) > 5%',
     "0 months", "E0907", "`over` must be longer than 0", "e.g. over 1 month"),
    ("alert a = change(users(), over 101 years) > 5%",
     "101 years", "E0907", "`over` is at most 1,200 months (100 years)", "e.g. over 12 months"),
    ("alert a = change(users(), over 36501 days) > 5%",
     "36501 days", "E0907", "`over` is at most 36,500 days (100 years)", None),
    # shown as written: 1e309% is the finite 1e307, which times 100 would print as inf%
    ('alert a = moved(value_quadrant, from "hf_lv", to "lf_lv", over 7 days) > 1e309%',
     "1e309%", "E0906", "> 1e309% is never true", "between 0% and 100%"),
    ("alert a = change(users(), over 0 days) > 5%",
     "0 days", "E0907", "`over` must be longer than 0", "e.g. over 7 days"),
    ("alert a = users() > 1 cooldown 0 hours",
     "0 hours", "E0907", "`cooldown` must be longer than 0", "e.g. cooldown 1 day"),
    ("alert a = users() > 1 repeat every 1 year",
     "1 year", "E0907", "`repeat every` needs a fixed length", "repeat every 365 days"),
    ("alert a = users() > 1 repeat every 200 years",
     "200 years", "E0907", "`repeat every` needs a fixed length",
     "repeat every 36500 days (at most 36,500)"),
    ("alert a = users() > 1 cooldown 1 day cooldown 2 days",
     "cooldown 2 days", "E0908", "`cooldown` is given twice in alert 'a'", "keep one"),
    ("alert a = change(users(), over 1 day, over 2 days) > 1",
     "over 2 days", "E0908", "`over` is given twice in change()", "keep one"),
    ("alert a = movd(value_quadrant) > 1",
     "movd(value_quadrant)", "E0901", "unknown function 'movd'", "did you mean 'moved'?"),
    ("alert a = beijing_loyal > 1",
     "beijing_loyal", "E0901", "'beijing_loyal' alone is not a number of a run",
     "size(beijing_loyal)"),
    ("alert a = purchase > 1",
     "purchase", "E0901", "alone is not a number", "conversion(purchase)"),
    ('alert a = moved(value_quadrant, from "hf_lv", to "lf_lv") > 1',
     'moved(value_quadrant, from "hf_lv", to "lf_lv")', "E0901", "moved() needs `over 7 days`",
     "write moved(LAYERING"),
    ('alert a = size(beijing_loyal, from "a") > 1',
     '"a"', "E0901", "`from` has no meaning in size(): it only goes in moved()", "write size("),
    ("alert a = users(beijing_loyal) > 1",
     "users(beijing_loyal)", "E0901", "users() takes 0 arguments", "write users()"),
    ('alert a = share(value_quadrant, hf_lv) > 1',
     "hf_lv", "E0901", "the layer is written as a string here", 'share(LAYERING, "layer")'),
    ("alert a = change(change(users(), over 1 day), over 1 day) > 1",
     "change(users(), over 1 day)", "E0901", "change() compares a number of two runs",
     "size(...)"),
    ('alert a = moved("value_quadrant", from "hf_lv", to "lf_lv", over 7 days) > 1',
     'moved("value_quadrant", from "hf_lv", to "lf_lv", over 7 days)', "E0901",
     "moved() starts with the name of a layering", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("alert", "underlined", "code", "message", "hint"),
    CHECK_ERRORS,
    ids=[f"{case[2]}-{i}" for i, case in enumerate(CHECK_ERRORS)],
)
def test_checker_diagnostics(
    alert: str, underlined: str, code: str, message: str, hint: str | None
) -> None:
    project, diagnostics, text = check(alert + "\n")
    assert project is None
    found = [d for d in diagnostics if d.code == code and message in d.message]
    assert found, diagnostics
    diag = found[0]
    assert diag.span is not None
    offset = text.rindex(alert)  # the alert's own line, the last of the file
    start = offset + alert.index(underlined)
    assert (diag.span.start, diag.span.end) == (start, start + len(underlined)), diag
    if hint is not None:
        assert any(hint in h for h in diag.hints), diag.hints
    shown = render_text([diag], {"rules.segl": text})
    caret_line = shown.splitlines()[2]
    assert caret_line.strip() == "^" * len(underlined), shown


def test_one_run_reports_every_problem_and_duplicates() -> None:
    _, diagnostics, _ = check(
        "alert a = size(x) > 1\nalert A = users() > 1\nalert b = conversion(f) > 1 or true\n"
    )
    codes = [d.code for d in diagnostics]
    assert codes == ["E0904", "E0908", "E0905", "E0906"], diagnostics
    duplicate = diagnostics[1]
    assert "alert 'A' is defined more than once" in duplicate.message
    assert duplicate.hints[0].startswith("first defined at rules.segl:")


def test_alert_names_are_a_namespace_of_their_own() -> None:
    alerts = checked_alerts("alert beijing_loyal = size(beijing_loyal) < 10\n")
    assert alerts.alert("beijing_loyal").condition == model.Compare(
        CompareOp.LT, model.Size(segment="beijing_loyal"), model.Const(10.0)
    )


def test_a_destination_may_be_left_and_origin_equal_destination() -> None:
    (left, stay) = checked_alerts(
        'alert left = moved(value_quadrant, from "hf_lv", to "(left)", over 1 week) > 5%\n'
        'alert stay = moved(value_quadrant, from "hf_lv", to "hf_lv", over 30 days) < 50%\n'
    ).alerts
    assert model.leaves(left.condition) == [
        model.Moved("value_quadrant", "hf_lv", model.LEFT, WEEK)
    ]
    assert model.leaves(stay.condition) == [
        model.Moved("value_quadrant", "hf_lv", "hf_lv", dt.timedelta(days=30))
    ]


NOISE = (
    *("alert", "a", "=", "moved", "change", "size", "share", "users", "conversion"),
    *("retained", "(", ")", ",", "from", "to", "over", "7", "days", "months", "5%", "5", "%"),
    *("-", "+", "*", "/", ">", "<=", "==", "and", "or", "not", "true", "null", '"hf_lv"'),
    *('"(left)"', "value_quadrant", "beijing_loyal", "purchase", "repurchase", "cooldown"),
    *("repeat", "every", "0", "1e999", "9" * 5000, "\n", "#", "journey", "enter", "on", "{"),
)


@PROPERTY
@given(st.lists(st.sampled_from(NOISE), max_size=30).map(" ".join))
def test_alert_token_soup_never_crashes_the_parser_or_the_checker(text: str) -> None:
    """Either a checked project or diagnostics with a code and a place, never another
    exception: `alert a =` and the soup, after the definitions the names refer to."""
    for program in (f"alert a = {text}\n", f"alert a = users() > 1 {text}\n", text + "\n"):
        try:
            _, diagnostics, _ = check(program)
        except DiagnosticError as err:
            diagnostics = err.diagnostics
        for diag in diagnostics:
            assert diag.code.startswith(("E0", "W0")) and diag.span is not None, diag


# ---------------------------------------------------------------- journeys: enter on moved


def moved_journey(enter: str, extra: str = "") -> str:
    return f'journey slide {{\n    {enter}\n{extra}    step s: send sms "t"\n}}\n'


def test_enter_on_moved_parses_formats_and_checks() -> None:
    text = moved_journey('enter on moved(value_quadrant, from "hf_lv", to "lf_lv")')
    (stmt,) = parse(text).statements
    assert isinstance(stmt, ast.JourneyDef)
    assert stmt.enters == (
        ast.EnterDef(
            "moved",
            moved=call(
                "moved",
                ast.Name("value_quadrant"),
                origin=ast.StringLit("hf_lv"),
                destination=ast.StringLit("lf_lv"),
            ),
        ),
    )
    assert assert_round_trip(text) == text
    project, diagnostics, _ = check(text)
    assert project is not None and project.journeys is not None, diagnostics
    (journey,) = project.journeys.journeys
    assert journey.enter_moved == model.LayerMove("value_quadrant", "hf_lv", "lf_lv")
    assert (journey.enter_on, journey.enter_when) == (None, None)


def test_an_event_source_named_moved_still_enters_on_events() -> None:
    (stmt,) = parse(moved_journey("enter on moved where x > 1")).statements
    assert isinstance(stmt, ast.JourneyDef)
    assert stmt.enters[0].kind == "on" and stmt.enters[0].event == ast.EventRef(
        "moved", ast.Binary(">", ast.Name("x"), num("1"))
    )


JOURNEY_ERRORS = [
    ('enter on moved(value_quadrant, from "hf_lv", to "hf_lv")',
     'moved(value_quadrant, from "hf_lv", to "hf_lv")', "E0909",
     "moves from 'hf_lv' to itself", "name two different layers"),
    ('enter on moved(value_quadrant, from "hf_lv", to "(left)")',
     '"(left)"', "E0903", "'(left)' cannot be entered", "layers of 'value_quadrant'"),
    ('enter on moved(value_quadrant, from "hf_lv", to "lf_lv", over 7 days)',
     'moved(value_quadrant, from "hf_lv", to "lf_lv", over 7 days)', "E0909",
     "can only follow a move between layers", "no `over`"),
    ('enter on size(value_quadrant, "hf_lv")',
     'size(value_quadrant, "hf_lv")', "E0909", "can only follow a move", "enter on moved("),
    ('enter on moved(value_quadrant, from "hf_lv")',
     'moved(value_quadrant, from "hf_lv")', "E0909", "names one `from` and one `to`", None),
    ('enter on moved(value_quadrnt, from "hf_lv", to "lf_lv")',
     "value_quadrnt", "E0902", "unknown layering 'value_quadrnt'", "did you mean"),
    ('enter on moved(value_quadrant, from "hf_lv", to "lf_lw")',
     '"lf_lw"', "E0903", "has no layer 'lf_lw'", "did you mean 'lf_lv'?"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("enter", "underlined", "code", "message", "hint"),
    JOURNEY_ERRORS,
    ids=[f"{case[2]}-{i}" for i, case in enumerate(JOURNEY_ERRORS)],
)
def test_enter_on_moved_diagnostics(
    enter: str, underlined: str, code: str, message: str, hint: str | None
) -> None:
    project, diagnostics, text = check(moved_journey(enter))
    assert project is None
    found = [d for d in diagnostics if d.code == code and message in d.message]
    assert found, diagnostics
    diag = found[0]
    start = text.rindex(enter) + enter.index(underlined)
    assert diag.span is not None
    assert (diag.span.start, diag.span.end) == (start, start + len(underlined)), diag
    if hint is not None:
        assert any(hint in h for h in diag.hints), diag.hints


def test_a_journey_has_one_kind_of_entry() -> None:
    text = moved_journey(
        'enter on moved(value_quadrant, from "hf_lv", to "lf_lv")', "    enter on orders\n"
    )
    _, diagnostics, _ = check(text)
    assert [(d.code, "more than one `enter`" in d.message) for d in diagnostics] == [
        ("E0711", True)
    ]


# ---------------------------------------------------------------- the command line


def test_check_counts_and_catalog_lists_alerts(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "segl.toml").write_text("")
    text = RULES + "\n" + SPEC_2_9
    (tmp_path / "rules.segl").write_text(text, "utf-8")
    checked = cli("check")
    assert checked.code == 0, checked.output
    assert checked.out.strip().endswith("1 report, 2 alerts"), checked.out
    rows = json.loads(cli("catalog", "--format", "json").out)
    alerts = [row for row in rows if row["kind"] == "alert"]
    assert [(a["name"], a["title"], a["line"]) for a in alerts] == [
        (
            "quadrant_slide",
            "High-freq low-value users sliding to low-freq low-value",
            locate(text, "alert quadrant_slide")[0],
        ),
        ("loyal_shrinking", None, locate(text, "alert loyal_shrinking")[0]),
    ]
    text = cli("catalog").out
    assert "alert " in text and "quadrant_slide" in text and "loyal_shrinking" in text


def test_a_bad_alert_fails_check_with_its_diagnostic(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "segl.toml").write_text("")
    bad = 'alert a = moved(value_quadrant, from "hf_lw", to "lf_lv", over 7 days) > 5%\n'
    (tmp_path / "rules.segl").write_text(RULES + "\n" + bad, "utf-8")
    result = cli("check")
    assert result.code == 1
    assert "E0903 layering 'value_quadrant' has no layer 'hf_lw'" in result.err
    assert "hint: did you mean 'hf_lv'?" in result.err


@pytest.mark.parametrize(
    "condition",
    ["size(beijing_loyal) > 5%", "users() < 10%", "5% < size(beijing_loyal)"],
)
def test_a_count_against_a_percentage_is_e0906(condition: str) -> None:
    """`size(S) > 5%` reads as more than 0.05 users, that is anyone at all: refused, with
    the share or the change it probably meant."""
    project, diagnostics, _ = check(f"alert a = {condition}\n")
    errors = [d for d in diagnostics if d.is_error]
    assert project is None and [d.code for d in errors] == ["E0906"], diagnostics
    assert "a number of users, not a share" in errors[0].message
    assert any("share(" in hint and "change(size(S)" in hint for hint in errors[0].hints)


def test_a_share_against_a_plain_number_suggests_the_percentage() -> None:
    """`moved(...) > 5`: a share between 0 and 1 compared with 5 (500 %) is never true; the
    hint says what was probably meant."""
    alert = 'alert a = moved(value_quadrant, from "hf_lv", to "lf_lv", over 7 days) > 5\n'
    project, diagnostics, _ = check(alert)
    assert project is None and [d.code for d in diagnostics] == ["E0906"], diagnostics
    assert diagnostics[0].hints[0].startswith("did you mean 5%?")


def test_a_function_name_without_parentheses_is_told_to_call_it() -> None:
    project, diagnostics, _ = check("alert a = users < 10\n")
    assert project is None and diagnostics[0].code == "E0901", diagnostics
    assert diagnostics[0].hints[0] == "call it: users()"


def test_a_retention_without_periods_is_one_error_not_one_more_per_alert() -> None:
    """`periods 0` is the retention's error (E0807); an alert reading its period 1 adds
    none of its own ("has no period 1: its periods are 1 to 0" came first before)."""
    rules = RULES.replace("    periods 6\n", "    periods 0\n")
    assert rules != RULES
    text = rules + "\nalert a = retained(repurchase, 1) < 10%\n"
    project, diagnostics = check_programs([parse_program(text, "rules.segl")])
    assert project is None and [d.code for d in diagnostics] == ["E0807"], diagnostics

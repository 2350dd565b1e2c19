"""Journeys, holdouts and the contact policy: parsing every clause, the canonical
layout and round trips of the formatter, and syntax errors in plain words."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import Result, locate
from hypothesis import given
from hypothesis import strategies as st
from test_parser_properties import (
    PROPERTY,
    annotation_lists,
    any_names,
    comment_lists,
    expressions,
    numbers,
    statements,
    string_values,
    titles,
)

from segl.dsl import ast
from segl.dsl.diagnostics import DiagnosticError
from segl.dsl.formatter import format_program
from segl.dsl.parser import parse_expr, parse_program

REPO = Path(__file__).resolve().parent.parent
Cli = Callable[..., Result]
T = TypeVar("T")

# ---------------------------------------------------------------- helpers


def parse(text: str) -> ast.Program:
    return parse_program(text, "j.segl")


def only(text: str) -> ast.Statement:
    statements = parse(text).statements
    assert len(statements) == 1, statements
    return statements[0]


def journey(body: str) -> ast.JourneyDef:
    stmt = only(f"journey j {{\n{body}\n}}\n")
    assert isinstance(stmt, ast.JourneyDef)
    return stmt


def step(line: str) -> ast.StepDef:
    (found,) = journey(line).steps
    return found


def policy(body: str) -> ast.PolicyDef:
    stmt = only(f"policy {{\n{body}\n}}\n")
    assert isinstance(stmt, ast.PolicyDef)
    return stmt


def assert_round_trip(text: str) -> str:
    """Formatting keeps the tree, and formatting the result again changes nothing."""
    program = parse(text)
    formatted = format_program(program)
    assert parse(formatted) == program, formatted
    assert format_program(parse(formatted)) == formatted
    return formatted


def day(count: int) -> ast.Duration:
    return ast.Duration(count, "day")


def hour(count: int) -> ast.Duration:
    return ast.Duration(count, "hour")


# ---------------------------------------------------------------- SPEC's journeys

# docs/journeys.md, "Language": already in the canonical layout
SPEC_JOURNEYS = """\
journey onboarding "New user, first two weeks" {
    enter on events where name == "register"
    exit on orders
    step welcome after 1 hour: send wecom "welcome_pack"
    step group_buy after 7 days: send community "new_user_group_buy"
    step lottery after 14 days: send push "lottery" if visits_3m >= 1
}

journey thanks "Thanks after every purchase" {
    enter on orders
    reenter after 0 days
    step thank_you within 24 hours: send wecom "thanks_and_match" with top_category
}

journey winback "Dormant user wake-up" {
    enter when days_since(last_visit_at) >= 30
    reenter after 90 days
    exit on events where name == "visit"
    step wake on weekend between 10:00 and 20:00: send push "winback_coupon"
}

holdout global_control 5% salt "global-2026"

policy {
    quiet 22:00 to 08:00
    cap push 1 per day
    cap all 3 per 7 days
    priority onboarding, thanks, winback
}
"""


def test_spec_journeys_parse_to_the_expected_trees() -> None:
    onboarding, thanks, winback, holdout, contact = parse(SPEC_JOURNEYS).statements
    assert isinstance(thanks, ast.JourneyDef) and isinstance(winback, ast.JourneyDef)
    register = parse_expr('name == "register"')
    assert onboarding == ast.JourneyDef(
        "onboarding",
        "New user, first two weeks",
        (ast.EnterDef("on", ast.EventRef("events", register)),),
        (),
        (ast.ExitDef("on", ast.EventRef("orders")),),
        (
            ast.StepDef("welcome", hour(1), None, None, None, "wecom", "welcome_pack"),
            ast.StepDef("group_buy", day(7), None, None, None, "community", "new_user_group_buy"),
            ast.StepDef(
                "lottery", day(14), None, None, None, "push", "lottery", (),
                parse_expr("visits_3m >= 1"),
            ),
        ),
    )  # fmt: skip
    assert thanks.enters == (ast.EnterDef("on", ast.EventRef("orders")),)
    assert thanks.reenters == (ast.ReenterDef(day(0)),)
    (thank_you,) = thanks.steps
    assert thank_you.within == ast.Duration(24, "hour")
    assert thank_you.payload == (ast.PayloadItem("top_category"),)
    assert winback.enters == (
        ast.EnterDef("when", None, parse_expr("days_since(last_visit_at) >= 30")),
    )
    assert winback.reenters == (ast.ReenterDef(day(90)),)
    (wake,) = winback.steps
    assert (wake.after, wake.days) == (None, "weekend")
    assert wake.between == (ast.Clock("10:00"), ast.Clock("20:00"))
    assert holdout == ast.HoldoutDef("global_control", "5", "global-2026")
    assert contact == ast.PolicyDef(
        (ast.QuietDef(ast.Clock("22:00"), ast.Clock("08:00")),),
        (ast.CapDef("push", "1", "day"), ast.CapDef("all", "3", day(7))),
        (ast.PriorityDef(("onboarding", "thanks", "winback")),),
    )


def test_spec_journeys_are_in_the_canonical_layout() -> None:
    assert assert_round_trip(SPEC_JOURNEYS) == SPEC_JOURNEYS


def test_the_docs_example_is_in_the_canonical_layout() -> None:
    docs = (REPO / "docs" / "journeys.md").read_text("utf-8")
    example = re.search(r"^```\n(journey .*?)^```$", docs, re.M | re.S)
    assert example is not None
    assert assert_round_trip(example.group(1)) == example.group(1)


# ---------------------------------------------------------------- clauses


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("enter on orders", ast.EnterDef("on", ast.EventRef("orders"))),
        ("enter on first orders", ast.EnterDef("first", ast.EventRef("orders"))),
        (
            "enter on first orders where amount > 100",
            ast.EnterDef("first", ast.EventRef("orders", parse_expr("amount > 100"))),
        ),
        ("enter when purchases == 0", ast.EnterDef("when", None, parse_expr("purchases == 0"))),
        # `first` is a keyword only right after `enter on`
        ("enter on first first", ast.EnterDef("first", ast.EventRef("first"))),
    ],
)
def test_enter(line: str, expected: ast.EnterDef) -> None:
    assert journey(line).enters == (expected,)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("exit on orders", ast.ExitDef("on", ast.EventRef("orders"))),
        ("exit on first", ast.ExitDef("on", ast.EventRef("first"))),
        (
            'exit on events where name == "visit"',
            ast.ExitDef("on", ast.EventRef("events", parse_expr('name == "visit"'))),
        ),
        ("exit when purchases >= 2", ast.ExitDef("when", None, parse_expr("purchases >= 2"))),
    ],
)
def test_exit(line: str, expected: ast.ExitDef) -> None:
    assert journey(line).exits == (expected,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 minute", ast.Duration(1, "minute")),
        ("2 minutes", ast.Duration(2, "minute")),
        ("1 hours", ast.Duration(1, "hour")),
        ("0 days", day(0)),
        ("3 weeks", ast.Duration(3, "week")),
        ("007 days", day(7)),
        ("9999999 days", day(9_999_999)),
        ("2 months", ast.Duration(2, "month")),  # the checker rejects it, not the parser
    ],
)
def test_durations(text: str, expected: ast.Duration) -> None:
    assert journey(f"reenter after {text}").reenters == (ast.ReenterDef(expected),)


def test_step_timing_clauses_in_any_order() -> None:
    found = step(
        'step s between 9:00 and 24:00 on weekdays within 2 days after 30 minutes: send sms "t"'
    )
    assert found == ast.StepDef(
        "s",
        ast.Duration(30, "minute"),
        day(2),
        "weekdays",
        (ast.Clock("09:00"), ast.Clock("24:00")),
        "sms",
        "t",
    )
    assert found.between is not None and found.between[0].minutes == 9 * 60


def test_a_step_without_timing_is_due_at_entry() -> None:
    assert step('step hello: send push "hi"') == ast.StepDef(
        "hello", None, None, None, None, "push", "hi"
    )


def test_repeated_timing_clauses_are_kept_for_the_checker() -> None:
    found = step('step s after 1 day after 2 days on weekend on weekdays: send push "t"')
    assert (found.after, found.days) == (day(1), "weekend")  # the first one counts
    assert [clause for clause, _ in found.repeated] == ["after", "on weekend` / `on weekdays"]


def test_payload_items_and_condition() -> None:
    found = step(
        'step s: send wecom "t" with top_category, coupon = "C" + city, n = count(orders) '
        "if n > 1 and not vip"
    )
    assert found.payload == (
        ast.PayloadItem("top_category"),
        ast.PayloadItem("coupon", parse_expr('"C" + city')),
        ast.PayloadItem("n", parse_expr("count(orders)")),
    )
    assert found.condition == parse_expr("n > 1 and not vip")


def test_holdout_inside_a_journey() -> None:
    found = journey('@owner "crm"\nholdout own 2.5% salt "j-2026"\nstep s: send push "t"')
    assert found.holdouts == (
        ast.HoldoutDef("own", "2.5", "j-2026", (ast.Annotation("owner", "crm"),)),
    )


def test_policy_items() -> None:
    found = policy(
        "quiet 22:00 to 8:00\ncap push 1 per days\ncap sms 2 per week\ncap all 3 per 24 hours\n"
        "priority a\npriority b, c"
    )
    assert found.quiet == (ast.QuietDef(ast.Clock("22:00"), ast.Clock("08:00")),)
    assert found.caps == (
        ast.CapDef("push", "1", "day"),
        ast.CapDef("sms", "2", "week"),
        ast.CapDef("all", "3", ast.Duration(24, "hour")),
    )
    assert found.priorities == (ast.PriorityDef(("a",)), ast.PriorityDef(("b", "c")))


def test_empty_bodies_and_annotations() -> None:
    assert only('@owner "crm"\njourney j "Title" {}') == ast.JourneyDef(
        "j", "Title", (), (), (), (), (), (ast.Annotation("owner", "crm"),)
    )
    assert only("policy {}") == ast.PolicyDef((), (), ())


def test_journey_words_stay_names_elsewhere() -> None:
    program = parse(
        "tag step = 1\ntag journey = step + 1\n"
        'journey policy {\n    step enter after 1 day: send push "t" with exit = journey\n}\n'
    )
    (stmt,) = (s for s in program.statements if isinstance(s, ast.JourneyDef))
    assert stmt.name == "policy"
    assert stmt.steps[0].payload == (ast.PayloadItem("exit", ast.Name("journey")),)


def test_journey_expressions_are_depth_checked() -> None:
    deep = "not " * 250 + "x"
    with pytest.raises(DiagnosticError) as failure:
        parse(f'journey j {{\n    step s: send push "t" if {deep}\n}}\n')
    assert failure.value.diagnostics[0].code == "E0205"


# ---------------------------------------------------------------- formatter

MESSY = """\
# leads the journey
@owner "crm"
journey j "T" {
step s2: send push "b" if x between 1 and 2
  exit when done   # trailing
    step t between 9:00 and 18:30 on weekend within 2 days after 1 hours: send sms "a" with a,b=x
  holdout mine 10% salt "m"
    reenter after 1 weeks
  # inside the body
 enter on first orders where amount>100
}
policy { priority a,b cap push 1 per days quiet 22:00 to 8:00 cap all 3 per 7 days }
holdout g 5% salt "g"
"""

CANONICAL = """\
# leads the journey
# trailing
# inside the body
@owner "crm"
journey j "T" {
    enter on first orders where amount > 100
    reenter after 1 week
    exit when done
    holdout mine 10% salt "m"
    step s2: send push "b" if x between 1 and 2
    step t after 1 hour within 2 days on weekend between 09:00 and 18:30: send sms "a" with a, b = x
}

policy {
    quiet 22:00 to 08:00
    cap push 1 per day
    cap all 3 per 7 days
    priority a, b
}

holdout g 5% salt "g"
"""


def test_canonical_layout() -> None:
    """Clauses one per line, fixed order, timing clauses after, within, days, between;
    comments inside a journey body lead the journey (as for layerings)."""
    assert assert_round_trip(MESSY) == CANONICAL


@pytest.mark.parametrize(
    "text",
    [
        "journey e {}\n\npolicy {}\n",
        'journey j {\n    @a "b"\n    @c "d"\n    holdout h 1e1% salt ""\n}\n',
        'journey j {\n    step s: send push "t" with v = case\n        when a then 1\n'
        "        when b then 2\n    end if not v\n}\n",
        # as in tags, a `between` bound before `<word> ago` is parenthesised (a window
        # needs a unit there, but the guard is cheap and keeps one rule for every statement)
        'journey j {\n    enter when x between 1 and (2)\n    step ago: send push "t"\n}\n',
        'holdout when 0% salt "#not a comment"\n\n# trailing\n',
    ],
)
def test_layouts_that_are_already_canonical(text: str) -> None:
    assert assert_round_trip(text) == text


def test_names_that_are_keywords_elsewhere_round_trip() -> None:
    text = (
        "journey enter {\n    enter on first first\n    enter on step where first == 1\n"
        "    exit on first\n"
        '    holdout holdout 1% salt "s"\n'
        '    step step after 1 day: send send "t" with if = if, with\n}\n\n'
        "policy {\n    cap cap 1 per week\n    priority priority, cap, journey\n}\n"
    )
    assert assert_round_trip(text) == text


def test_fmt_rewrites_journeys_and_then_finds_nothing_to_change(
    cli: Cli, write_project: Callable[..., Path]
) -> None:
    root = write_project({"rules.segl": MESSY})
    assert cli("fmt", root).code == 0
    assert (root / "rules.segl").read_text("utf-8") == CANONICAL
    checked = cli("fmt", "--check", root)
    assert checked.code == 0, checked.output


def test_fmt_keeps_windows_line_endings(cli: Cli, write_project: Callable[..., Path]) -> None:
    """A file with CR LF line endings is formatted with them (a Windows checkout's
    `fmt --check` in CI found every file to reformat)."""
    root = write_project({"rules.segl": MESSY.replace("\n", "\r\n")})
    assert cli("fmt", root).code == 0
    assert (root / "rules.segl").read_bytes() == CANONICAL.replace("\n", "\r\n").encode()
    checked = cli("fmt", "--check", root)
    assert checked.code == 0, checked.output


def test_fmt_keeps_a_byte_order_mark(cli: Cli, write_project: Callable[..., Path]) -> None:
    root = write_project({"rules.segl": "\ufeff" + MESSY})
    assert cli("fmt", root).code == 0
    assert (root / "rules.segl").read_bytes() == b"\xef\xbb\xbf" + CANONICAL.encode()


def test_fmt_says_what_it_formatted_when_another_file_has_an_error(
    cli: Cli, write_project: Callable[..., Path]
) -> None:
    """The formatted files are listed before the errors, the bad file stays as it was (the
    probe of 2026-12-06: `a.segl` was rewritten without a word)."""
    root = write_project({"a.segl": MESSY, "b.segl": "tag y = = 1\n"})
    result = cli("fmt", root)
    assert result.code == 1, result.output
    assert f"reformatted {root / 'a.segl'}" in result.out
    assert "b.segl:1:9: E0202" in result.err
    assert (root / "a.segl").read_text("utf-8") == CANONICAL
    assert (root / "b.segl").read_text("utf-8") == "tag y = = 1\n"


def test_fmt_reports_a_bad_journey_without_a_traceback(
    cli: Cli, write_project: Callable[..., Path]
) -> None:
    text = 'journey j {\n    step s after 3 fortnights: send push "t"\n}\n'
    root = write_project({"rules.segl": text})
    result = cli("fmt", root)
    assert result.code != 0
    assert "rules.segl:2:20: E0205 unknown time unit 'fortnights'" in result.output
    assert (root / "rules.segl").read_text("utf-8") == text


Clause = ast.StepDef | ast.EnterDef | ast.ExitDef | ast.HoldoutDef


def _j(*body: Clause) -> ast.Program:
    """A program of one journey with these clauses."""
    enters = tuple(c for c in body if isinstance(c, ast.EnterDef))
    exits = tuple(c for c in body if isinstance(c, ast.ExitDef))
    steps = tuple(c for c in body if isinstance(c, ast.StepDef))
    holdouts = tuple(c for c in body if isinstance(c, ast.HoldoutDef))
    return ast.Program("t", (ast.JourneyDef("j", None, enters, (), exits, steps, holdouts),))


def _step(**changes: Any) -> ast.StepDef:
    return replace(ast.StepDef("s", None, None, None, None, "push", "t"), **changes)


def _policy(*caps: ast.CapDef, priority: tuple[str, ...] = ("a",)) -> ast.Program:
    return ast.Program("t", (ast.PolicyDef((), caps, (ast.PriorityDef(priority),)),))


UNPRINTABLE = [
    _j(ast.EnterDef("on", ast.EventRef("first"))),  # would read as `enter on first ...`
    _j(ast.EnterDef("when", None, None)),
    _j(ast.EnterDef("when", ast.EventRef("e"), ast.Name("x"))),
    _j(ast.EnterDef("on", None, ast.Name("x"))),
    _j(ast.EnterDef("sometimes", ast.EventRef("e"))),
    _j(ast.ExitDef("first", ast.EventRef("e"))),
    _j(_step(days="monday")),
    _j(_step(between=(ast.Clock("9:00"), ast.Clock("10:00")))),
    _j(_step(between=(ast.Clock("10:60"), ast.Clock("11:00")))),
    _j(_step(between=(ast.Clock("23:00"), ast.Clock("24:01")))),
    _j(_step(after=ast.Duration(-1, "day"))),
    _j(_step(after=ast.Duration(10_000_000, "day"))),
    _j(_step(within=ast.Duration(1, "fortnight"))),
    _j(_step(channel="two words")),
    _j(_step(payload=(ast.PayloadItem("a", ast.Name("now")),))),
    _j(ast.HoldoutDef("h", "5", "s", comments=("inside",))),  # would lead the journey
    ast.Program("t", (ast.HoldoutDef("h", "5%", "s"),)),
    ast.Program("t", (ast.HoldoutDef("h", "-5", "s"),)),
    _policy(ast.CapDef("push", "1", "month")),
    _policy(ast.CapDef("push", "one", "day")),
    _policy(priority=()),
]


@pytest.mark.parametrize("program", UNPRINTABLE, ids=range(len(UNPRINTABLE)))
def test_trees_the_syntax_cannot_express_are_refused(program: ast.Program) -> None:
    with pytest.raises(ValueError):
        format_program(program)


# ---------------------------------------------------------------- properties

UNITS = ("minute", "hour", "day", "week", "month", "year")
durations = st.builds(
    ast.Duration, st.sampled_from([0, 1, 7]) | st.integers(0, 9_999_999), st.sampled_from(UNITS)
)
clocks = st.builds(
    lambda h, m: ast.Clock(f"{h:02d}:{m:02d}"), st.integers(0, 23), st.integers(0, 59)
) | st.just(ast.Clock("24:00"))
event_refs = st.builds(ast.EventRef, any_names, st.none() | expressions)


def small_tuples(element: st.SearchStrategy[T], size: int = 2) -> st.SearchStrategy[tuple[T, ...]]:
    return st.lists(element, max_size=size).map(tuple)


@st.composite
def enters(draw: st.DrawFn) -> ast.EnterDef:
    kind = draw(st.sampled_from(["on", "first", "when"]))
    if kind == "when":
        return ast.EnterDef("when", None, draw(expressions))
    event = draw(event_refs)
    if kind == "on" and event.source == "first":  # `enter on first` opens `enter on first S`
        event = replace(event, source="first_")
    return ast.EnterDef(kind, event)


exits = st.one_of(
    st.builds(lambda e: ast.ExitDef("on", e), event_refs),
    st.builds(lambda c: ast.ExitDef("when", None, c), expressions),
)
steps = st.builds(
    ast.StepDef,
    any_names,
    st.none() | durations,
    st.none() | durations,
    st.none() | st.sampled_from(["weekend", "weekdays"]),
    st.none() | st.tuples(clocks, clocks),
    any_names,
    string_values,
    small_tuples(st.builds(ast.PayloadItem, any_names, st.none() | expressions), 3),
    st.none() | expressions,
)


def holdouts(*, top_level: bool) -> st.SearchStrategy[ast.HoldoutDef]:
    """Comments inside a journey lead the journey: only top-level holdouts have them."""
    own_comments = comment_lists if top_level else st.just(())
    return st.builds(
        ast.HoldoutDef, any_names, numbers, string_values, annotation_lists, own_comments
    )


journeys = st.builds(
    ast.JourneyDef,
    any_names,
    titles,
    small_tuples(enters()),
    small_tuples(st.builds(ast.ReenterDef, durations)),
    small_tuples(exits),
    small_tuples(steps, 3),
    small_tuples(holdouts(top_level=False)),
    annotation_lists,
    comment_lists,
)
policies = st.builds(
    ast.PolicyDef,
    small_tuples(st.builds(ast.QuietDef, clocks, clocks)),
    small_tuples(
        st.builds(ast.CapDef, any_names, numbers, st.sampled_from(["day", "week"]) | durations), 3
    ),
    small_tuples(
        st.builds(ast.PriorityDef, st.lists(any_names, min_size=1, max_size=3).map(tuple))
    ),
    annotation_lists,
    comment_lists,
)
journey_programs = st.builds(
    ast.Program,
    st.just("<gen>"),
    small_tuples(st.one_of(journeys, holdouts(top_level=True), policies, statements), 4),
    comment_lists,
)


@PROPERTY
@given(journey_programs)
def test_format_then_parse_gives_the_same_tree(program: ast.Program) -> None:
    text = format_program(program)
    reparsed = parse_program(text, "<gen>")
    assert reparsed == program, text
    assert format_program(reparsed) == text


def _parse_or_diagnose(text: str) -> None:
    """Either a tree or diagnostics with a code and a place: never another exception."""
    try:
        parse_program(text, "<fuzz>")
    except DiagnosticError as err:
        assert err.diagnostics
        for diag in err.diagnostics:
            assert diag.code.startswith("E0") and diag.span is not None, diag
            assert diag.span.line >= 1 and diag.span.column >= 1, diag


NOISE = (
    *("journey", "enter", "on", "first", "when", "reenter", "after", "exit", "step"),
    *("within", "weekend", "weekdays", "between", "and", "send", "with", "if", "holdout"),
    *("salt", "policy", "quiet", "to", "cap", "per", "priority", "all", "{", "}", ":", ","),
    *("=", "%", "*", "@", "10:00", "24:00", "25:61", "9:5", "1.5", "3", "days", "fortnights"),
    *("99999999", '"t"', "#", "\n", "x"),
)


@PROPERTY
@given(journey_programs.map(format_program), st.data())
def test_mutated_journeys_never_crash_the_parser(text: str, data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 3))):
        pos = data.draw(st.integers(0, len(text)))
        noise = data.draw(st.sampled_from(NOISE))
        text = text[:pos] + f" {noise} " + text[pos + data.draw(st.integers(0, 3)) :]
    _parse_or_diagnose(text)


@PROPERTY
@given(st.lists(st.sampled_from(NOISE), max_size=30).map(" ".join))
def test_journey_token_soup_never_crashes_the_parser(text: str) -> None:
    _parse_or_diagnose(text)
    _parse_or_diagnose("journey j { " + text)
    _parse_or_diagnose("policy { " + text)


# ---------------------------------------------------------------- syntax errors


def in_journey(line: str) -> str:
    return f"journey j {{\n    enter on orders\n    {line}\n}}\n"


def in_step(timing: str) -> str:
    return in_journey(f'step s {timing}: send push "t"')


BAD_INPUT = [
    # (source, where the error points, code, words in the message, words in a hint or None)
    (in_step("after 3 fortnights"), "fortnights", "E0205", "unknown time unit", "days or weeks"),
    (in_journey("reenter after 2 eons"), "eons", "E0205", "unknown time unit 'eons'", None),
    (in_step("between 25:00 and 26:00"), "25:00", "E0206", "'25:00' is not a time", "HH:MM"),
    (in_step("between 10:75 and 11:00"), "10:75", "E0206", "'10:75' is not a time", None),
    (in_step("between 10:00 and 24:01"), "24:01", "E0206", "not a time of day", None),
    (in_step("between 10 and 11"), "10", "E0202", "expected a time of day (HH:MM)", None),
    (in_step("between 100:00 and 11:00"), "100", "E0202", "expected a time of day", None),
    ('holdout x 5 salt "s"\n', "salt", "E0202", "unexpected 'salt'; expected '%'", "5%"),
    ('holdout x 5* salt "s"\n', "*", "E0206", "a share is written as a percentage", "5%"),
    ('holdout x 5salt "s"\n', "salt", "E0202", "expected '%'", "percentage"),
    ("holdout x 5%\n", None, "E0202", "unexpected end of file; expected 'salt'", None),
    (
        in_journey('step s after 1 day: push "t"'),
        "push",
        "E0202",
        "expected 'send'",
        "send CHANNEL",
    ),
    (in_journey("step s: send push"), "}", "E0202", 'expected a string ("...")', "template"),
    (in_journey('step s send push "t"'), "send", "E0202", "expected ':'", None),
    ('step s after 1 day: send push "t"\n', "step", "E0202", "unexpected 'step'", "journey"),
    ("enter on orders\n", "enter", "E0202", "expected a statement", "inside a journey"),
    ("quiet 22:00 to 08:00\n", "quiet", "E0202", "unexpected 'quiet'", "inside the policy"),
    (in_journey("cap push 1 per day"), "cap", "E0202", "expected a journey clause", "policy"),
    ('policy {\n    step s: send push "t"\n}\n', "step", "E0202", "expected 'cap'", "journey"),
    ("policy {\n    cap push 1 per month\n}\n", "month", "E0205", "not per 'month'", "per day"),
    ("policy {\n    cap push 1 per 0.5 days\n}\n", "0.5", "E0206", "whole number", None),
    ("policy {\n    quiet 22:00 - 08:00\n}\n", "-", "E0202", "expected 'to'", None),
    (in_step("after 10000000 days"), "10000000", "E0206", "below ten million", "7 days"),
    (in_journey("reenter after 99999999999 weeks"), "999", "E0206", "below ten million", None),
    (in_step("after 1.5 days"), "1.5", "E0206", "whole number", None),
    (in_step("after 3"), ":", "E0202", "expected a name", "needs a unit"),
    (in_step("after 3days"), "3days", "E0202", "unexpected '3days'", "put a space"),
    (in_step("on weekends"), "s:", "E0202", "unexpected 's'", "did you mean 'weekend'?"),
    (in_step("on monday"), "monday", "E0202", "expected 'weekdays' or 'weekend'", None),
    (
        in_journey('enter when x >\n    step s: send push "t"'),
        "s:",
        "E0202",
        "unexpected 's'",
        "looks incomplete",
    ),
    (in_journey("enter on"), "}", "E0202", "unexpected '}'", None),
    (
        in_journey('step s: send push "t" if x >= 1 with x'),
        "with",
        "E0202",
        "unexpected 'with'",
        "payload comes before its condition",
    ),
    ("journey j {\n    enter on orders\n", None, "E0202", "unexpected end of file", None),
]


@pytest.mark.parametrize(
    ("text", "needle", "code", "message", "hint"),
    BAD_INPUT,
    ids=[f"{case[2]}-{i}" for i, case in enumerate(BAD_INPUT)],
)
def test_bad_input_is_a_diagnostic(
    text: str, needle: str | None, code: str, message: str, hint: str | None
) -> None:
    with pytest.raises(DiagnosticError) as failure:
        parse(text)
    diag = failure.value.diagnostics[0]
    assert diag.code == code, diag
    assert diag.span is not None and diag.span.file == "j.segl"
    lines = text.splitlines()
    expected = locate(text, needle) if needle else (len(lines), len(lines[-1]) + 1)
    assert (diag.span.line, diag.span.column) == expected, diag
    assert message in diag.message, diag.message
    if hint is not None:
        assert any(hint in h for h in diag.hints), diag.hints


def test_every_bad_literal_of_a_journey_is_reported() -> None:
    text = in_step("after 3 fortnights between 25:00 and 10:75") + (
        'holdout h 5/ salt "s"\npolicy {\n    cap push 1 per month\n}\n'
    )
    with pytest.raises(DiagnosticError) as failure:
        parse(text)
    found = [(d.code, d.span.line if d.span else 0) for d in failure.value.diagnostics]
    assert found == [("E0205", 3), ("E0206", 3), ("E0206", 3), ("E0206", 5), ("E0205", 7)]


def test_caps_over_one_window_and_reenter_after_a_first_entry_are_warned() -> None:
    """W0704: a channel capped twice over the same window (the lower limit always
    decides); caps over different windows are fine. W0705: `reenter` on a journey entered
    on the first event never applies. W0706: a template name with spaces at its ends."""
    from segl.compiler.checker import check_programs

    rules = """\
source users from table "users" key user_id { city: string }
source events from table "events" user user_id time ts { name: string }
journey once {
    enter on first events
    reenter after 30 days
    step hi: send sms "a "
}
policy {
    cap sms 1 per day
    cap sms 2 per day
    cap sms 3 per 7 days
    cap all 4 per 7 days
    cap all 4 per 7 days
}
"""
    project, diagnostics = check_programs([parse(rules)])
    assert project is not None, diagnostics
    found = sorted(diagnostics, key=lambda d: d.span.line if d.span else 0)
    assert [(d.code, d.span.line if d.span else None) for d in found] == [
        ("W0705", 5),
        ("W0706", 6),
        ("W0704", 10),
        ("W0704", 13),
    ], diagnostics
    assert "with spaces at its ends" in found[1].message
    assert "the lower limit (1) always decides" in found[2].message
    assert found[3].message.startswith("all channels are capped twice")


def test_salts_shared_where_that_cannot_be_meant_are_warned() -> None:
    """W0707 (compiler/salts.py): two experiments with one salt, a holdout with a global
    holdout's salt, an experiment with a holdout's salt whose arms do not meet at its share.
    No warning for what is meant: an experiment measuring a holdout (an arm ends at its
    share: `measures` and `everyone`, as examples/retail's journeys_holdout) and two
    journeys' own holdouts (`own_a`, `own_b`)."""
    from segl.compiler.checker import check_programs

    rules = """\
source users from table "users" key user_id { city: string }
source events from table "events" user user_id time ts { name: string }
holdout everyone 5% salt "g"
holdout again 10% salt "g"
journey a {
    enter on events
    holdout own_a 5% salt "j"
    step hi: send sms "a"
}
journey b {
    enter on events
    holdout own_b 5% salt "j"
    step hi: send sms "b"
}
experiment measures "the holdout" {
    population exists(events)
    salt "g"
    arm held 5%
    arm messaged 95%
    metric n = count(events)
}
experiment twin "one split" {
    population exists(events)
    salt "x"
    arm a 50%
    arm b 50%
    metric n = count(events)
}
experiment twin2 "the same split" {
    population exists(events)
    salt "x"
    arm a 30%
    arm b 70%
    metric n = count(events)
}
experiment mixes "cuts the holdout" {
    population exists(events)
    salt "j"
    arm a 2%
    arm b 98%
    metric n = count(events)
}
"""
    project, diagnostics = check_programs([parse(rules)])
    assert project is not None, diagnostics
    found = sorted((d.span.line if d.span else 0, d.code, d.message) for d in diagnostics)
    assert [(line, code) for line, code, _ in found] == [
        (4, "W0707"),
        (15, "W0707"),
        (29, "W0707"),
        (36, "W0707"),
    ], diagnostics
    again, measures, twin2, mixes = (message for _, _, message in found)
    assert "the global holdout 'everyone'" in again and "the same users" in again
    assert "holdout 'again'" in measures and "its arm 'messaged' mixes" in measures
    assert "experiment 'twin'" in twin2 and "decides their arm in the other" in twin2
    assert "holdout 'own_a'" in mixes and "let an arm end at 5%" in mixes


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        (
            'journey a {\n    entr on events\n    step hi: send sms "a"\n}\n',
            "did you mean 'enter'?",
        ),
        (
            'journey a {\n    enter on events\n    stpe hi: send sms "a"\n}\n',
            "did you mean 'step'?",
        ),
        ("funel f {\n    step a: events\n}\n", "did you mean 'funnel'?"),
        ("report r over orders in last 180 by channel {\n}\n", "'by' is read as the unit of 180"),
        ("tag t = count(orders in last 90)\n", "a duration needs a unit"),
        (
            'funnel f {\n    step a: events\n    step b: where name == "x"\n}\n',
            "names its source first",
        ),
        ('journey a "t" = {\n    step hi: send sms "a"\n}\n', "a block opens with '{'"),
        ("report r over events by name {\n    metric n = count()\n}\n", "is an experiment's"),
        (
            'journey a {\n    enter on events\n    step hi: send sms "a"\n\njourney b {\n}\n',
            "the block before 'journey' is not closed: end it with '}'",
        ),
        ("policy {\n    quiet 22：00 to 08:00\n}\n", "write ':'"),
        (
            'journey a {\n    enter on events\n    step hi after ２ days: send sms "a"\n}\n',
            "'２' is a full-width digit: write '2'",
        ),
    ],
)
def test_misspelt_keywords_and_full_width_characters_get_their_hint(text: str, hint: str) -> None:
    with pytest.raises(DiagnosticError) as raised:
        parse(text)
    assert any(hint in h for h in raised.value.diagnostics[0].hints), raised.value.diagnostics

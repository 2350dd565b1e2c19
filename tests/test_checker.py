"""Checker: names, cycles, types, domains, layer names; every problem in one run."""

from __future__ import annotations

from pathlib import Path

import pytest
from golden import GOLDEN, assert_golden

from segl.compiler import ir
from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.types import Type
from segl.dsl.diagnostics import Diagnostic, DiagnosticError, Span, render_text
from segl.dsl.parser import parse_program

SOURCES = """
source users from table "users" key user_id {
    city: string
    registered_at: timestamp
    birthday: date
    balance: number
}
source orders from table "orders" user user_id time paid_at {
    amount: number
    brand: string
    store: string
}
source events from table "events" user user_id time ts { name: string }
"""


def check(
    text: str, config: ProjectConfig | None = None
) -> tuple[ir.Project | None, list[Diagnostic]]:
    return check_programs([parse_program(SOURCES + text, "rules.segl")], config)


def codes(text: str) -> list[str]:
    return [d.code for d in check(text)[1]]


def only_error(text: str) -> Diagnostic:
    project, diagnostics = check(text)
    errors = [d for d in diagnostics if d.is_error]
    assert project is None and len(errors) == 1, diagnostics
    return errors[0]


def test_spec_examples_check_cleanly() -> None:
    text = (GOLDEN / "compile" / "spec" / "rules.segl").read_text("utf-8")
    project, diagnostics = check_programs([parse_program(text, "spec.segl")])
    assert project is not None and diagnostics == []
    types = {t.name: t.type for t in project.tags}
    assert types["coupon_share_180d"] is Type.NUMBER
    assert types["last_visit_at"] is Type.TIMESTAMP
    assert types["bought_shiseido_1w"] is Type.BOOL
    assert types["value_level"] is Type.STRING
    assert [d.name for d in project.definitions][-2:] == ["lifecycle", "loyal_beijing"]


def test_unknown_tag_with_did_you_mean() -> None:
    diag = only_error("tag visits_3m = count(events)\nsegment s = visit_3m >= 3")
    assert diag.code == "E0301"
    assert diag.message == "unknown tag, segment or layering 'visit_3m'"
    assert diag.hints == ("did you mean 'visits_3m'?",)
    assert diag.span is not None and (diag.span.line, diag.span.column) == (15, 13)


def test_a_keyword_where_an_operand_goes_says_one_is_missing() -> None:
    diag = only_error("tag visits_3m = count(events)\nsegment s = visits_3m >= 3 and and")
    assert diag.code == "E0301"
    assert diag.hints == ("'and' is a keyword, read here where an operand goes: one is missing",)


@pytest.mark.parametrize("word", ["True", "FALSE", "Null"])
def test_a_keyword_in_capitals_says_keywords_are_lower_case(word: str) -> None:
    """`segment s = True` was an unknown name with no hint at all."""
    diag = only_error(f"segment s = {word}")
    assert diag.code == "E0301"
    assert diag.hints == (f"keywords are lower case: write '{word.lower()}'",)


def test_an_operator_in_capitals_says_keywords_are_lower_case() -> None:
    """`a > 1 AND a < 3` got the hint of how statements start."""
    with pytest.raises(DiagnosticError) as raised:
        parse_program("tag a = 1\nsegment s = a > 1 AND a < 3\n", "t.segl")
    (diag,) = raised.value.diagnostics
    assert diag.code == "E0202"
    assert diag.hints == ("keywords are lower case: write 'and'",)


@pytest.mark.parametrize(
    ("rule", "hint"),
    [
        ("users.city > 3", "a string with a string"),
        ("users.city == 3", "a string with a string"),
        ("users.vip == 1", "a condition is true or false"),
    ],
)
def test_comparing_unlike_types_gets_a_hint(rule: str, hint: str) -> None:
    source = 'source users from table "users" key user_id {\n city: string\n vip: bool\n}\n'
    diagnostics = check_programs([parse_program(f"{source}segment s = {rule}\n", "t.segl")])[1]
    assert [d.code for d in diagnostics] == ["E0401"]
    assert any(hint in h for h in diagnostics[0].hints), diagnostics[0].hints


def test_profile_column_without_source_gets_a_hint() -> None:
    diag = only_error('segment s = city == "Beijing"')
    assert diag.hints == ("did you mean 'users.city'?",)


def test_an_unknown_column_with_no_close_name_lists_the_sources_columns() -> None:
    """E0303 for a name close to no column had no hint at all."""
    diag = only_error("tag t = users.nosuch")
    assert diag.code == "E0303"
    assert diag.hints == ("the columns of source 'users': city, registered_at, birthday, balance",)
    assert only_error("tag t = users.citi").hints == ("did you mean 'city'?",)


def test_an_unknown_function_with_no_close_name_lists_the_functions() -> None:
    """E0304 for `most_common(...)` had no hint: the functions are few, so all are named."""
    diag = only_error("tag t = most_common(orders.brand)")
    assert diag.code == "E0304"
    (hint,) = diag.hints
    assert hint.startswith("the functions: abs, age, avg,") and "most_frequent" in hint
    assert only_error("tag t = cout(orders)").hints == ("did you mean 'count'?",)


def test_a_misspelt_profile_column_without_source_gets_the_qualified_name() -> None:
    """`citty` with no tag close to it: the profile's `city`, as `users.city` (the hint
    said to quote it as a text value)."""
    assert only_error("segment s = citty == 1").hints == ("did you mean 'users.city'?",)


def test_a_value_without_quotes_gets_the_quoted_form() -> None:
    """`users.city == 北京` was an unknown name with no hint."""
    diag = only_error("segment s = users.city == 北京")
    assert diag.code == "E0301"
    assert diag.hints == ("if '北京' is a text value, write it in quotes: \"北京\"",)


def test_an_unknown_tag_kind_gets_the_closest_kind() -> None:
    source = 'source users from table "users" key user_id {\n city: string\n}\n'
    program = parse_program(f'{source}@kind "dynamc"\ntag t = 1\n', "t.segl")
    (warning,) = check_programs([program])[1]
    assert warning.code == "W0001"
    assert warning.hints[0] == "did you mean 'dynamic'?"


def test_an_undeclared_key_column_says_to_declare_it() -> None:
    diag = only_error("tag members = users.user_id")
    assert diag.code == "E0303"
    assert diag.hints[-1] == (
        "'user_id' is the key column of 'users': declare it among its columns to read it: "
        "user_id: string (or number, as the table holds it)"
    )
    diag = only_error("tag buyers = count(orders where user_id > 0)")
    assert diag.code == "E0301"
    assert diag.hints[-1].startswith("'user_id' is the user column of 'orders': declare it")


def test_a_column_of_the_exact_name_wins_over_a_close_tag_name() -> None:
    # `city_tag` is close to `city` too (and is the tag being defined): not the hint
    diag = only_error("tag city_tag = city")
    assert diag.hints == ("did you mean 'users.city'?",)


def test_per_event_value_needs_an_aggregate() -> None:
    diag = only_error("segment s = orders.amount > 5")
    assert diag.code == "E0403"
    assert "per-event value" in diag.message
    assert diag.hints[0].startswith("aggregate it: sum(orders.amount)")


def test_cycle_reports_the_path() -> None:
    diag = only_error("tag a = b + 1\ntag b = c * 2\ntag c = a")
    assert diag.code == "E0307"
    assert "a -> b -> c -> a" in diag.message


def test_self_reference_is_a_cycle() -> None:
    assert codes("segment s = s or true") == ["E0307"]


def test_unknown_layer_name_with_did_you_mean() -> None:
    diag = only_error(
        """
tag purchases = count(orders)
layering lifecycle {
    new when days_since(users.registered_at) <= 30
    loyal when purchases >= 5
    mature otherwise
}
segment s = lifecycle == "loyl"
"""
    )
    assert diag.code == "E0305"
    assert diag.hints[0] == "did you mean 'loyal'?"
    assert codes('layering l { a when true }\nsegment s = l in ["a", "b"]') == ["E0305"]


def test_a_two_character_name_one_character_off_gets_a_did_you_mean() -> None:
    """新人 for 新客 scores 0.5 with difflib (the cutoff is 0.6): short names one edit
    apart are suggested too (the language probe of 2026-12-05)."""
    layering = "layering 生命周期 {\n 新客 when true\n 其他 otherwise\n}\n"
    diag = only_error(layering + 'segment s = 生命周期 == "新人"')
    assert diag.code == "E0305"
    assert diag.hints[0] == "did you mean '新客'?"
    assert only_error("tag ab = 1\nsegment s = ac > 0").hints[0] == "did you mean 'ab'?"
    assert "did you mean" not in " ".join(only_error("tag a = 1\nsegment s = b > 0").hints)


def test_a_name_typed_in_another_unicode_form_says_so() -> None:
    """`café` (é) used as `café` (e + U+0301) got "did you mean 'café'?", the two alike
    on screen (the CLI probe of 2026-12-06); the caret stays as wide as the name shows."""
    diag = only_error("tag caf\u00e9 = 1\nsegment s = cafe\u0301 > 0")
    assert diag.code == "E0301"
    assert diag.hints == (
        "'caf\u00e9' looks the same but is written with other Unicode characters (an accent "
        "composed in one, combined in the other): type the name again",
    )
    line = "segment s = cafe\u0301 > 0"
    span = Span("r.segl", 1, 13, 1, 18)  # five code points, four characters on screen
    shown = render_text([Diagnostic("E0301", "unknown", span)], {"r.segl": line})
    assert shown.splitlines()[2] == "    " + " " * 12 + "^^^^"


def test_unknown_layer_name_through_tags_that_rename_the_layering() -> None:
    renamed = "layering l { a when true\n b otherwise }\ntag l1 = l\ntag l2 = l1\n"
    assert codes(renamed + 'segment s = l2 == "c"') == ["E0305"]
    assert codes('segment s = l2 in ["a", "c"]\n' + renamed) == ["E0305"]
    assert codes(renamed + 'segment s = l2 == "b"') == []
    assert codes(renamed + 'tag u = upper(l1)\nsegment s = u == "c"') == []  # not a rename


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("segment s = users.city > 3", "E0401"),
        ("segment s = users.balance + 1", "E0404"),
        ("tag t = sum(orders.brand)", "E0401"),
        ("tag t = max(orders.amount > 1)", "E0401"),
        ("tag t = users.registered_at - 30", "E0401"),
        ("tag t = days_since(users.balance)", "E0401"),
        ("tag t = days_since()", "E0402"),
        ("tag t = round(users.balance, users.balance)", "E0401"),
        ("tag t = sum(orders)", "E0405"),
        ("tag t = count(users)", "E0405"),
        ('tag t = count(orders where name == "x")', "E0301"),
        ("tag t = count(events.name where orders.amount > 1)", "E0405"),
        ("tag t = count(orders where amount > t)", "E0307"),  # per-user values: not itself
        ("tag t = count(orders where count(events) > 1)", "E0408"),
        ("tag t = count(1)", "E0405"),
        ("tag t = count(orderz)", "E0302"),
        ("tag t = nosuch(1)", "E0304"),
        ("tag t = sales.amount", "E0302"),
        ("tag t = users.cty", "E0303"),
        ("tag t = null", "E0401"),
        ("tag t = count(orders since users.registered_at)", "E0406"),
        ('tag t = case when true then 1 else "x" end', "E0401"),
        ("tag t = coalesce(users.city, 1)", "E0401"),
        ("tag user_id = 1", "E0308"),
        ("tag as_of = 1", "E0308"),
        ("tag date = 1", "E0308"),
        ("segment now = true", "E0308"),
        ("tag City = 1\ntag city = 2", "E0306"),
        ("segment s = users", "E0403"),
        ("segment s = true and 1", "E0404"),
        ("segment s = users.city in [1, 2]", "E0401"),
    ],
)
def test_type_and_name_errors(text: str, code: str) -> None:
    assert code in codes(text)


def test_warnings_do_not_block() -> None:
    project, diagnostics = check(
        '@colour "red"\ntag t = 1\nsegment s = users.city == null\n'
        "layering l { a otherwise\n b when true }"
    )
    assert project is not None
    assert sorted(d.code for d in diagnostics) == ["W0001", "W0002", "W0003"]


def test_a_repeated_annotation_is_a_warning_naming_the_one_kept() -> None:
    project, diagnostics = check('@owner "crm"\n@category "basic"\n@owner "growth"\ntag t = 1')
    assert project is not None
    assert dict(project.definition("t").meta)["owner"] == "growth"
    assert [(d.code, d.message) for d in diagnostics] == [
        ("W0001", "annotation '@owner' given twice: the last one is kept")
    ]
    assert diagnostics[0].span is not None and diagnostics[0].span.line == SOURCES.count("\n") + 3


def test_every_problem_is_reported_in_one_run() -> None:
    files = [
        parse_program(SOURCES, "sources.segl"),
        parse_program("tag a = count(orderz)\ntag b = users.nope", "tags.segl"),
        parse_program("segment s = a >= 1 and c\nsegment t = orders.amount > 1", "segments.segl"),
    ]
    project, diagnostics = check_programs(files)
    assert project is None
    located = [(d.span.file, d.code) for d in diagnostics if d.span]
    assert located == [
        ("tags.segl", "E0302"),
        ("tags.segl", "E0303"),
        ("segments.segl", "E0301"),
        ("segments.segl", "E0403"),
    ]


def test_names_across_files_and_dependency_order() -> None:
    files = [
        parse_program('segment s = big and users.city == "x"', "b.segl"),
        parse_program("tag spend = sum(orders.amount)\ntag big = spend > 10", "a.segl"),
        parse_program(SOURCES, "sources.segl"),
    ]
    project, diagnostics = check_programs(files)
    assert project is not None and not diagnostics
    assert [d.name for d in project.definitions] == ["spend", "big", "s"]


def test_universe_must_be_known() -> None:
    two_profiles = 'source crm from table "crm" key id { score: number }\ntag t = 1'
    assert "E0309" in codes(two_profiles)
    project, _ = check(two_profiles, ProjectConfig(universe="users"))
    assert project is not None and project.universe == "users"
    no_profile = 'source o from table "o" user u time t { a: number }\ntag t = 1'
    _, diagnostics = check_programs([parse_program(no_profile, "x.segl")])
    assert [d.code for d in diagnostics] == ["E0309"]


def test_between_means_two_comparisons() -> None:
    project, _ = check("segment s = users.balance between 1 and 5")
    assert project is not None
    expr = project.segments[0].expr
    assert isinstance(expr, ir.Logic) and expr.op == "and"
    assert [c.op for c in (expr.left, expr.right) if isinstance(c, ir.Compare)] == [">=", "<="]


CHECK_CASES = {
    "unknown_names": 'tag visits_3m = count(events where name == "visit" in last 3 months)\n'
    'segment s = visit_3m >= 3 and users.cty == "Beijing"\n',
    "cycle": "tag a = b + 1\ntag b = a\n",
    "domain": 'segment s = orders.store == "SKP"\n',
    "layer_name": "layering tier { vip when users.balance > 100\n other otherwise }\n"
    'segment s = tier == "vpi"\n',
    "types": "tag t = sum(orders.brand in last 7 days)\nsegment s = users.registered_at > 30\n",
}


@pytest.mark.parametrize("case", sorted(CHECK_CASES))
def test_golden_rendered_check_errors(case: str) -> None:
    text = SOURCES + CHECK_CASES[case]
    _, diagnostics = check_programs([parse_program(text, f"{case}.segl")])
    rendered = render_text(diagnostics, {f"{case}.segl": text}) + "\n"
    assert_golden(Path(GOLDEN / "check" / f"{case}.txt"), rendered)


def test_ir_definitions_refuse_per_event_values() -> None:
    """The IR validates domains on construction, whoever builds it."""
    amount = ir.EventColumn("orders", "amount", Type.NUMBER)
    with pytest.raises(ValueError, match="per-event value"):
        ir.Tag("t", None, amount)
    with pytest.raises(ValueError, match="per-event value"):
        ir.Segment("s", None, ir.Compare(">", amount, ir.Literal(1, Type.NUMBER)))
    inside = ir.Aggregate("sum", "orders", amount, None, None, Type.NUMBER)
    assert ir.Tag("t", None, inside).type is Type.NUMBER


def test_a_source_over_an_empty_table_name() -> None:
    """`from table ""` would compile to FROM "" and fail only on a database."""
    error = only_error('source visits from table "" user user_id time ts { page: string }')
    assert error.code == "E0204"
    assert "empty table" in error.message
    assert codes('source visits from table " " user user_id time ts { page: string }') == ["E0204"]


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("crm..users", "has an empty part"),
        (".users", "has an empty part"),
        ("crm.", "has an empty part"),
        ("a.b.c.d", "has 4 parts: at most 3"),
    ],
)
def test_a_table_name_with_an_empty_or_a_fourth_part(table: str, says: str) -> None:
    """`crm..users` compiled to FROM "crm".""."users" and `a.b.c.d` to "a.b"."c"."d",
    failing only on the warehouse; `catalog.schema.table` and a space are names."""
    error = only_error(f'source visits from table "{table}" user user_id time ts {{ p: string }}')
    assert error.code == "E0204"
    assert f'table "{table}" {says}' in error.message
    for fine in ("cat.schema.visits", "my visits", "schema.visits"):
        assert (
            codes(f'source visits from table "{fine}" user user_id time ts {{ p: string }}') == []
        )


def test_not_as_an_operand_says_to_parenthesise_it() -> None:
    """`a == not (b)` reads `not (...)` as a call of an unknown function: no hint was given."""
    diag = only_error("tag a = 1\nsegment s = (a > 1) == not (a > 2)")
    assert diag.code == "E0304"
    assert diag.hints == ("'not' negates a whole condition: put it in parentheses, a == (not b)",)


@pytest.mark.parametrize(
    ("rule", "hint"),
    [
        (
            "tag t = 1_000",
            "numbers are written in decimal digits only: no '_' between them, no hex",
        ),
        ("tag t = 0x10", "numbers are written in decimal digits only: no '_' between them, no hex"),
        ("tag t = （1）", "'（' is a Chinese input method's mark: write '('"),
        ('segment s = "a" == “b”', "'“' is a Chinese input method's mark: write '\"'"),
        ("segment s = 1 ＝＝ 1", "'＝' is a Chinese input method's mark: write '='"),
    ],
)
def test_number_forms_and_chinese_marks_get_a_hint_that_helps(rule: str, hint: str) -> None:
    """`1_000` was told to become `1 _000`; full-width `（` got the generic hint."""
    with pytest.raises(DiagnosticError) as raised:
        parse_program(rule + "\n", "t.segl")
    assert raised.value.diagnostics[0].hints == (hint,)


@pytest.mark.parametrize(
    ("sources", "where"),
    [
        ('source users from table "users" key signup { signup: timestamp }\n', (1, 46)),
        (
            'source users from table "users" key id { id: number }\n'
            'source events from table "events" user day time ts {\n  day: date\n}\n',
            (3, 3),
        ),
        ('source users from table "users" key vip { vip: bool }\n', (1, 43)),
    ],
)
def test_a_user_key_declared_as_a_time_or_a_flag_is_refused_by_the_check(
    sources: str, where: tuple[int, int]
) -> None:
    """Without an identity too (with one, the ID column check says it): a run would stop
    at E0604 once it read the database's type, `segl check` passed."""
    diagnostics = check_programs([parse_program(sources + "segment s = true\n", "t.segl")])[1]
    assert [d.code for d in diagnostics] == ["E0401"]
    assert "a user key is a string or a number" in diagnostics[0].message
    assert (diagnostics[0].span.line, diagnostics[0].span.column) == where


def test_a_journey_named_like_a_tag_is_one_error_naming_both() -> None:
    """A journey (or holdout) that takes a tag's name: one E0306 saying which two kinds
    met, and the rules that read the tag still know it (no unknown-tag error per use)."""
    rules = """\
journey big "x" {
    enter on events where name == "visit"
    step hi: send sms "hello"
}
tag big = count(orders)
segment buyers = big >= 1
"""
    project, diagnostics = check(rules)
    errors = [d for d in diagnostics if d.is_error]
    assert project is None and [d.code for d in errors] == ["E0306"], diagnostics
    assert "(a journey; this is a tag)" in errors[0].hints[0]


def test_a_holdout_name_is_declared_once_in_the_whole_project() -> None:
    """Two journeys' holdouts of one name (or one named like the project's) would share
    their stored share and assignments: E0306 at the second, whatever their shares."""
    rules = """\
holdout ctl 5% salt "s"
journey a {
    enter on events where name == "x"
    holdout keep 10% salt "k"
    step hi: send sms "a"
}
journey b {
    enter on events where name == "x"
    holdout KEEP 90% salt "k"
    holdout ctl 5% salt "s"
    step hi: send sms "b"
}
"""
    project, diagnostics = check(rules)
    errors = [d for d in diagnostics if d.is_error]
    assert project is None, diagnostics
    assert [d.code for d in errors] == ["E0306", "E0306"], diagnostics
    lines = (SOURCES + rules).splitlines()
    assert [lines[d.span.line - 1].strip() for d in errors if d.span] == [
        'holdout KEEP 90% salt "k"',
        'holdout ctl 5% salt "s"',
    ]
    assert "holdout 'KEEP' is declared more than once" in errors[0].message

"""The formatter: canonical layout, round trips, comments, and the names that are
keywords somewhere in the grammar."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from segl.dsl import ast
from segl.dsl.diagnostics import DiagnosticError
from segl.dsl.formatter import (
    AFTER_EXPR_KEYWORDS,
    EXPR_START_KEYWORDS,
    format_expr,
    format_program,
)
from segl.dsl.parser import parse_expr, parse_program

# ---------------------------------------------------------------- helpers


def fmt(text: str) -> str:
    return format_program(parse_program(text, "t.segl"))


def assert_round_trip(text: str) -> str:
    """Formatting keeps the tree, and formatting the result again changes nothing."""
    program = parse_program(text, "t.segl")
    formatted = format_program(program)
    assert parse_program(formatted, "t.segl") == program, formatted
    assert format_program(parse_program(formatted, "t.segl")) == formatted
    return formatted


def tag(expr: ast.Expr, name: str = "t") -> ast.Program:
    return ast.Program("t.segl", (ast.TagDef(name, None, expr),))


# ---------------------------------------------------------------- SPEC §2 examples

SPEC_SOURCES = """\
source users from table "users" key user_id {
    gender: string
    city: string              # registered city
    birthday: date
    registered_at: timestamp
    balance: number           # semi-dynamic: only the latest value is kept
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
    name: string              # visit, register, push_sent, push_click, ...
    channel: string
}
"""

SPEC_TAGS = """\
tag gender = users.gender
tag city "Registered city" = users.city
tag balance = users.balance
tag visits_3m = count(events where name == "visit" in last 3 months)
tag purchases = count(orders)
tag spend_90d = sum(orders.amount in last 90 days)
tag last_visit_at = max(events.ts where name == "visit")
tag bought_shiseido_1w = exists(orders where brand == "Shiseido" in last 7 days)
tag coupon_share_180d = count(orders where coupon_id is not null in last 180 days)
                      / count(orders in last 180 days)
tag top_category = most_frequent(orders.category in last 180 days)
tag value_level = case
    when spend_90d >= 5000 then "high"
    when spend_90d >= 1000 then "mid"
    else "low"
end
"""

SPEC_AGGREGATE_EXAMPLES = """\
tag a = count_distinct(date(orders.paid_at))
tag b = sum(orders.amount * 0.9 where coupon_id is null)
"""

SPEC_SEGMENTS = """\
segment beijing_loyal "Beijing loyal customers" =
    visits_3m >= 3 and purchases >= 1 and city == "Beijing"
    and not bought_shiseido_1w
"""

SPEC_LAYERINGS = """\
layering lifecycle "Lifecycle stage" {
    new      when days_since(users.registered_at) <= 30
    churned  when days_since(last_visit_at) > 90
    loyal    when purchases >= 5
    mature   otherwise
}

segment loyal_beijing = lifecycle == "loyal" and city == "Beijing"
"""

SPEC_LITERALS = """\
tag lits = coalesce(true, false, null, now, today, date "2026-11-01",
                    timestamp "2026-11-01 10:00:00", 1, 2.5, "s")
tag funcs = days_since(now) + hours_since(now) + days_between(today, today) + age(users.birthday)
    + day_of_week(now) + hour(now) + length(lower(upper("x"))) + abs(-1) + round(2.5, 0)
segment ops = a in [1, 2] and b not in [3] and c between 1 and 5 and d is null
    and e is not null and f contains "x" and g starts with "y" and h ends with "z"
    and i != 1 and j < 2 and k <= 3 and l > 4 and m >= 5 or not n
"""

SPEC_EXAMPLES = {
    "sources": SPEC_SOURCES,
    "tags": SPEC_TAGS,
    "aggregates": SPEC_AGGREGATE_EXAMPLES,
    "segments": SPEC_SEGMENTS,
    "layerings": SPEC_LAYERINGS,
    "literals": SPEC_LITERALS,
}


@pytest.mark.parametrize("text", SPEC_EXAMPLES.values(), ids=SPEC_EXAMPLES.keys())
def test_spec_examples_round_trip(text: str) -> None:
    assert_round_trip(text)


def test_spec_program_as_one_file_round_trips() -> None:
    assert_round_trip("\n".join(SPEC_EXAMPLES.values()))


def test_spec_sources_are_already_canonical() -> None:
    assert fmt(SPEC_SOURCES) == SPEC_SOURCES


def test_spec_layering_is_already_canonical() -> None:
    assert fmt(SPEC_LAYERINGS) == SPEC_LAYERINGS


def test_spec_tags_layout() -> None:
    formatted = fmt(SPEC_TAGS)
    assert formatted.startswith(
        'tag gender = users.gender\n\ntag city "Registered city" = users.city\n\n'
    )
    assert (
        "tag coupon_share_180d =\n"
        "    count(orders where coupon_id is not null in last 180 days)"
        " / count(orders in last 180 days)\n"
    ) in formatted
    assert formatted.endswith(
        "tag value_level = case\n"
        '    when spend_90d >= 5000 then "high"\n'
        '    when spend_90d >= 1000 then "mid"\n'
        '    else "low"\n'
        "end\n"
    )


def test_spec_segment_layout() -> None:
    assert fmt(SPEC_SEGMENTS) == (
        'segment beijing_loyal "Beijing loyal customers" =\n'
        '    visits_3m >= 3 and purchases >= 1 and city == "Beijing" and not bought_shiseido_1w\n'
    )


# ---------------------------------------------------------------- exact layouts


def test_small_program_exact_output() -> None:
    text = """
# profile
@owner   "crm team"
@category "basic"
source users "Users" from table "dw.users" key user_id { city: string # home
  age: number }
tag   spend = sum( orders.amount where brand=="A" in last 1 month )
segment s = spend>100 and(city=="北京"or city=="上海")
layering tier{ 高 "High" when spend >= 1000 low otherwise }
# end of file
"""
    assert fmt(text) == (
        "# profile\n"
        '@owner "crm team"\n'
        '@category "basic"\n'
        'source users "Users" from table "dw.users" key user_id {\n'
        "    city: string              # home\n"
        "    age: number\n"
        "}\n"
        "\n"
        'tag spend = sum(orders.amount where brand == "A" in last 1 month)\n'
        "\n"
        'segment s = spend > 100 and (city == "北京" or city == "上海")\n'
        "\n"
        "layering tier {\n"
        '    高   "High" when spend >= 1000\n'
        "    low         otherwise\n"
        "}\n"
        "\n"
        "# end of file\n"
    )


def test_empty_program_and_comment_only_program() -> None:
    assert fmt("") == ""
    assert fmt("  \n\n") == ""
    # one space after '#', trailing spaces dropped; more spaces (indented, commented-out
    # rules) and a banner's '#'s kept
    assert fmt("#a\n#  b  \n#\n") == "# a\n#  b\n#\n"
    assert fmt("#### section ####\n#    a when x > 1\n#!x\n") == (
        "#### section ####\n#    a when x > 1\n#!x\n"
    )


def test_source_without_columns_and_event_source() -> None:
    assert fmt('source e from table "e" user uid time ts {}') == (
        'source e from table "e" user uid time ts {}\n'
    )


def test_long_and_chain_breaks_before_operators() -> None:
    conditions = " and ".join(f"tag_number_{i} >= {i}" for i in range(12))
    formatted = assert_round_trip(f"segment long = {conditions}")
    lines = formatted.splitlines()
    assert lines[0] == "segment long ="
    assert all(len(line) <= 100 for line in lines)
    assert all(line.startswith("    and ") for line in lines[2:])


def test_long_or_of_ands_breaks_only_at_the_top_level() -> None:
    part = " and ".join(f"c{i} == {i}" for i in range(6))
    formatted = assert_round_trip(f"segment s = {part} or {part} or {part}")
    lines = formatted.splitlines()
    assert lines[1].startswith("    c0 == 0 and")
    assert [line.split()[0] for line in lines[2:]] == ["or", "or"]


def test_short_definitions_stay_on_one_line() -> None:
    assert fmt("segment s =\n    a and\n    b") == "segment s = a and b\n"


def test_case_with_one_branch_is_one_line() -> None:
    assert format_expr(parse_expr("case when a then 1 else 2 end")) == (
        "case when a then 1 else 2 end"
    )


def test_nested_case_is_indented() -> None:
    text = "tag t = case when a then 1 when b then case when c then 2 when d then 3 end end + 1"
    assert assert_round_trip(text) == (
        "tag t = case\n"
        "    when a then 1\n"
        "    when b then case\n"
        "        when c then 2\n"
        "        when d then 3\n"
        "    end\n"
        "end + 1\n"
    )


def test_case_inside_a_layer() -> None:
    text = "layering l { a when case when x then true when y then false end b otherwise }"
    assert assert_round_trip(text) == (
        "layering l {\n"
        "    a  when case\n"
        "        when x then true\n"
        "        when y then false\n"
        "    end\n"
        "    b  otherwise\n"
        "}\n"
    )


def test_wide_characters_align_by_display_width() -> None:
    text = (
        "layering 层 { 新客 when a ab when b }\n"
        'source s from table "t" key k {\n 近三月访问次数标签名: string # c\n ab: number # d\n}'
    )
    formatted = assert_round_trip(text)
    assert "    新客  when a\n    ab    when b\n" in formatted
    # the longest column is 28 terminal columns wide: comments start two after it
    assert "    近三月访问次数标签名: string  # c\n    ab: number" + " " * 20 + "# d\n" in formatted


def test_layer_titles_get_their_own_column() -> None:
    text = 'layering tier { 高 "High" when a >= 1 mid "Medium" when a >= 0 low otherwise }'
    assert assert_round_trip(text) == (
        "layering tier {\n"
        '    高   "High"   when a >= 1\n'
        '    mid  "Medium" when a >= 0\n'
        "    low           otherwise\n"
        "}\n"
    )


# ---------------------------------------------------------------- precedence

CANONICAL = [
    ("(a - b) - c", "a - b - c"),
    ("a - (b - c)", "a - (b - c)"),
    ("a / (b * c)", "a / (b * c)"),
    ("(a * b) / c", "a * b / c"),
    ("a + b * c", "a + b * c"),
    ("(a + b) * c", "(a + b) * c"),
    ("-(a + b)", "-(a + b)"),
    ("(-a) * b", "-a * b"),
    ("-(a * b)", "-(a * b)"),
    ("a + (-b)", "a + -b"),
    ("-(-(-1))", "- - -1"),
    ("not (a == b)", "not a == b"),
    ("(not a) == b", "(not a) == b"),
    ("not (not x)", "not not x"),
    ("not (a and b)", "not (a and b)"),
    ("(not a) and b", "not a and b"),
    ("(a or b) and c", "(a or b) and c"),
    ("a or (b and c)", "a or b and c"),
    ("a and (b and c)", "a and (b and c)"),
    ("(a and b) and c", "a and b and c"),
    ("a or (b or c)", "a or (b or c)"),
    ("a == (b == c)", "a == (b == c)"),
    ("(a < b) != c", "(a < b) != c"),
    ("(a between 1 and 2) is null", "(a between 1 and 2) is null"),
    ("a between (b or c) and d + 1", "a between (b or c) and d + 1"),
    ("(a in [1]) in [true]", "(a in [1]) in [true]"),
    ("(a contains b) == true", "(a contains b) == true"),
    ("a + b in [a or b, not c]", "a + b in [a or b, not c]"),
    ("x not in [1, 2,]", "x not in [1, 2]"),
    ("f(a and b, (c))", "f(a and b, c)"),
    ("((case when a then b end))", "case when a then b end"),
    ('x starts   with "a"  or y ends with "b"', 'x starts with "a" or y ends with "b"'),
    ("a is not null", "a is not null"),
    ("a not between 1 and 2", "a not between 1 and 2"),
]


@pytest.mark.parametrize(("source", "expected"), CANONICAL)
def test_parentheses_only_where_precedence_needs_them(source: str, expected: str) -> None:
    tree = parse_expr(source)
    assert format_expr(tree) == expected
    assert parse_expr(expected) == tree


# ---------------------------------------------------------------- literals and windows


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("plain", '"plain"'),
        ('say "hi"', r'"say \"hi\""'),
        ("back\\slash", r'"back\\slash"'),
        ('\\"', r'"\\\""'),
        ("# not a comment", '"# not a comment"'),
        ("北京 ✓ 😀", '"北京 ✓ 😀"'),
        ("", '""'),
    ],
)
def test_strings_escape_quotes_and_backslashes(value: str, written: str) -> None:
    assert format_expr(ast.StringLit(value)) == written
    assert parse_expr(written) == ast.StringLit(value)


@pytest.mark.parametrize("number", ["0", "12", "007", "1.50", "3e5", "2.5E-3"])
def test_numbers_keep_their_text(number: str) -> None:
    assert format_expr(parse_expr(number)) == number


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("count(e in last 1 minutes)", "count(e in last 1 minute)"),
        ("count(e in   last 2 hour)", "count(e in last 2 hours)"),
        ("count(e in last 0 day)", "count(e in last 0 days)"),
        ("count(e in last 3 week)", "count(e in last 3 weeks)"),
        ("count(e in last 12 month)", "count(e in last 12 months)"),
        ("count(e in last 1 years)", "count(e in last 1 year)"),
        ("count(e between 30 and 7 day ago)", "count(e between 30 and 7 days ago)"),
        ("count(e between 7 and 30 days ago)", "count(e between 30 and 7 days ago)"),
        ("count(e between 1 and 1 days ago)", "count(e between 1 and 1 day ago)"),
        ("count(e between 1 and 0 day ago)", "count(e between 1 and 0 days ago)"),
        ('count(e since date "2026-01-01")', 'count(e since date "2026-01-01")'),
        ("count(e since today - 30)", "count(e since today - 30)"),
        ("count(e where a or b since now)", "count(e where a or b since now)"),
        ("first(e.x where (a between 1 and 2) in last 3 days)", None),
        ('timestamp "2026-11-01T10:00"', 'timestamp "2026-11-01T10:00"'),
        ('date("2026-11-01")', 'date("2026-11-01")'),
        ("count()", "count()"),
    ],
)
def test_windows_and_literals(source: str, expected: str | None) -> None:
    tree = parse_expr(source)
    written = format_expr(tree)
    if expected is not None:
        assert written == expected
    assert parse_expr(written) == tree


# ---------------------------------------------------------------- comments


def test_comments_are_kept_in_place() -> None:
    text = """\
# leading one
# leading two
tag a = 1  # after the tag

source s from table "t" key k {
    # inside the block
    x: string    # about x
    longer_name: number
    y: date # about y
}
segment b = a and  # inside an expression
    c
# trailing
"""
    formatted = assert_round_trip(text)
    assert formatted == (
        "# leading one\n"
        "# leading two\n"
        "tag a = 1  # after the tag\n"
        "\n"
        'source s from table "t" key k {\n'
        "    # inside the block\n"
        "    x: string                 # about x\n"
        "    longer_name: number\n"
        "    y: date                   # about y\n"
        "}\n"
        "\n"
        "# inside an expression\n"  # its line is gone: it goes before the segment
        "segment b = a and c\n"
        "\n"
        "# trailing\n"
    )
    program = parse_program(formatted, "t.segl")
    assert program.statements[0].comments == ("leading one", "leading two", "after the tag")
    assert program.trailing_comments == ("trailing",)


@pytest.mark.parametrize("code", ["tag a = 1\n\n", ""])
def test_blank_lines_between_comments_at_the_end_stay(code: str) -> None:
    """Comments at a file's end (or a file of comments only) keep one blank line where
    they had one or more, and none where they had none."""
    text = code + "# one\n# two\n\n\n# three\n\n# four\n"
    formatted = assert_round_trip(text)
    assert formatted == code + "# one\n# two\n\n# three\n\n# four\n"


def test_comment_characters_survive() -> None:
    text = '# "quoted" \\ and # again\ntag t = "# in a string"  # 中文注释\n'
    formatted = assert_round_trip(text)
    assert formatted.startswith('# "quoted" \\ and # again\ntag t = "# in a string"  # 中文注释')


def test_comments_inside_blocks_stay_where_they_stood() -> None:
    """End-of-line comments of a layering's layers and a journey's clauses stay on their
    lines (aligned two spaces after the longest), comments on their own lines stay
    between the same lines; the statement's leading comments lead it."""
    text = """\
# lifecycle
layering life "Lifecycle" {
    # most valuable first
    vip when visits >= 10     # regulars
    active when visits >= 3 # some
    idle otherwise
    # nothing else
}
journey onboarding {
    enter on events where name == "register"   # sign-ups only
    # welcome first
    step welcome after 1 hour: send wecom "welcome_pack"
    step tips after 1 day: send sms "tips"  # a day later
}
@owner "crm"
segment heavy = visits >= 20 # heavy users
"""
    formatted = assert_round_trip(text)
    assert formatted == (
        "# lifecycle\n"
        'layering life "Lifecycle" {\n'
        "    # most valuable first\n"
        "    vip     when visits >= 10  # regulars\n"
        "    active  when visits >= 3   # some\n"
        "    idle    otherwise\n"
        "    # nothing else\n"
        "}\n"
        "\n"
        "journey onboarding {\n"
        '    enter on events where name == "register"  # sign-ups only\n'
        "    # welcome first\n"
        '    step welcome after 1 hour: send wecom "welcome_pack"\n'
        '    step tips after 1 day: send sms "tips"    # a day later\n'
        "}\n"
        "\n"
        '@owner "crm"\n'
        "segment heavy = visits >= 20  # heavy users\n"
    )


def test_annotations_keep_their_order_on_their_own_lines() -> None:
    text = '@description "Spend, \\"net\\""  @owner "运营" tag t "T" = 1'
    assert assert_round_trip(text) == (
        '@description "Spend, \\"net\\""\n@owner "运营"\ntag t "T" = 1\n'
    )


# ---------------------------------------------------------------- keyword-like names


TRICKY = [
    'source date from table "t" key key { date: date key: string time: timestamp }',
    'source from from table "t" user user time time { table: string }',
    "tag tag = orders.date + events.time + x.case + y.now",
    "tag date = 1\nsegment segment = 2\nlayering layering { when when x otherwise otherwise }",
    "layering l { a otherwise and when x }",
    "tag t = and and or or in",
    "tag t = not in and not between",
    "tag t = count((where) where where since since)",
    "tag t = count(in in last 3 days) + count(a == in in last 3 days)",
    "tag t = case when end then end else then end",
    "tag t = a == not and b == not(1) and c between not and not.x",
    "tag t = ago + last + days + with + starts + ends + contains + is",
    "layering l { a when b == in\n last when c\n ago when d }",
    "tag t = date(x) + date(date(y))",
    'tag 近三月访问次数 = count(events where 城市 == "北京" in last 3 months)',
]


@pytest.mark.parametrize("text", TRICKY)
def test_names_that_are_keywords_elsewhere_round_trip(text: str) -> None:
    assert_round_trip(text)


# `x between 1 and 2` followed by `<word> ago` would be lexed as a window: the formatter
# writes the bound as `(2)` exactly there.
GUARDED = [
    ("tag t = (x between 1 and 2) and ago", "tag t = x between 1 and (2) and ago\n"),
    ("tag t = (x between 1 and 2) or ago.x", "tag t = x between 1 and (2) or ago.x\n"),
    (
        "tag t = count((x between 1 and 2) since ago)",
        "tag t = count(x between 1 and (2) since ago)\n",
    ),
    (
        "tag t = count((x between 1 and 2) where ago)",
        "tag t = count(x between 1 and (2) where ago)\n",
    ),
    (
        "tag t = case when (x between 1 and 2) then ago end",
        "tag t = case when x between 1 and (2) then ago end\n",
    ),
    (
        "tag t = (x between 1 and 2)\ntag ago = 1",
        "tag t = x between 1 and (2)\n\ntag ago = 1\n",
    ),
    ("tag t = (x between 1 and 2) and agony", "tag t = x between 1 and 2 and agony\n"),
    ("tag t = (x between 1 and 2.0) and ago", "tag t = x between 1 and 2.0 and ago\n"),
    ("tag t = (x not between 1 and 2) and ago", "tag t = x not between 1 and 2 and ago\n"),
    (
        "tag t = (x between 1 and 2)\n# c\ntag ago = 1",
        "tag t = x between 1 and 2\n\n# c\ntag ago = 1\n",
    ),
]


@pytest.mark.parametrize(("text", "expected"), GUARDED)
def test_between_bound_before_a_name_ago_is_guarded(text: str, expected: str) -> None:
    assert assert_round_trip(text) == expected


def _grammar_keywords() -> list[str]:
    grammar = resources.files("segl.dsl").joinpath("grammar.lark").read_text("utf-8")
    return sorted(set(re.findall(r'"([a-z]+)"', grammar)))


def _parses_to(text: str, expected: ast.Expr | tuple[str, ...]) -> bool:
    """Whether `text` (a tag, or a layering) parses to the expected tree or layer names."""
    try:
        statement = parse_program(text, "t.segl").statements[0]
    except DiagnosticError:
        return False
    if isinstance(statement, ast.LayeringDef):
        return tuple(layer.name for layer in statement.layers) == expected
    return isinstance(statement, ast.TagDef) and statement.expr == expected


def test_expression_start_keywords_match_the_grammar() -> None:
    """A word in EXPR_START_KEYWORDS can never be an operand; any other word can be,
    anywhere for all but `not`, which is a name only after `==`, `+`, `between`, ..."""
    for word in _grammar_keywords():
        column, call = ast.ColumnRef(word, "x"), ast.Call(word, (ast.NumberLit("1"),))
        usable = _parses_to(f"tag t = a == {word}.x", ast.Binary("==", ast.Name("a"), column))
        usable &= _parses_to(f"tag t = a == {word}(1)", ast.Binary("==", ast.Name("a"), call))
        assert usable == (word not in EXPR_START_KEYWORDS), word
        at_start = _parses_to(f"tag t = {word}.x", column)
        assert at_start == (word not in EXPR_START_KEYWORDS | {"not"}), word


def test_after_expression_keywords_match_the_grammar() -> None:
    for word in _grammar_keywords():
        usable = _parses_to(f"layering l {{ a when x\n {word} when y }}", ("a", word))
        assert usable == (word not in AFTER_EXPR_KEYWORDS), word


# ---------------------------------------------------------------- unprintable trees


UNPRINTABLE = [
    tag(ast.Name("now")),
    tag(ast.Name("date")),
    tag(ast.Name("not")),
    tag(ast.Binary("and", ast.Name("a"), ast.Name("not"))),
    tag(ast.ColumnRef("case", "x")),
    tag(ast.Call("timestamp", (ast.Name("x"),))),
    tag(ast.Call("date", (ast.Name("x"), ast.Name("y")))),
    tag(ast.Call("count", (), window=ast.LastWindow(3, "day"))),
    tag(ast.Name("1abc")),
    tag(ast.Name("a b")),
    tag(ast.NumberLit("-1")),
    tag(ast.NumberLit("1.")),
    tag(ast.StringLit("two\nlines")),
    tag(ast.StringLit("nul\x00")),
    tag(ast.Unary("!", ast.Name("a"))),
    tag(ast.Binary("^", ast.Name("a"), ast.Name("b"))),
    tag(ast.StringMatch("like", ast.Name("a"), ast.Name("b"))),
    tag(ast.Case((), None)),
    tag(ast.Call("count", (ast.Name("e"),), window=ast.LastWindow(3, "fortnight"))),
    tag(ast.Call("count", (ast.Name("e"),), window=ast.LastWindow(-1, "day"))),
    tag(ast.Call("count", (ast.Name("e"),), window=ast.AgoWindow(7, 30, "day"))),
    tag(ast.Binary("+", ast.Name("a"), ast.Name("b")), name="if x"),
    ast.Program("t", (ast.LayeringDef("l", None, ()),)),
    ast.Program(
        "t",
        (
            ast.LayeringDef(
                "l", None, (ast.LayerDef("a", None, ast.Name("x")), ast.LayerDef("and", None, None))
            ),
        ),
    ),
    ast.Program("t", (ast.TagDef("t", None, ast.NullLit(), comments=("a\nb",)),)),
    ast.Program("t", (ast.TagDef("t", None, ast.NullLit(), comments=("padded ",)),)),
    ast.Program("t", (ast.SourceDef("s", None, "t", "profile", None, None, None, ()),)),
]


@pytest.mark.parametrize("program", UNPRINTABLE, ids=range(len(UNPRINTABLE)))
def test_trees_the_syntax_cannot_express_are_refused(program: ast.Program) -> None:
    with pytest.raises(ValueError):
        format_program(program)


def test_too_deep_trees_are_refused_not_overflowed() -> None:
    expr: ast.Expr = ast.Name("x")
    for _ in range(5000):
        expr = ast.Unary("not", expr)
    with pytest.raises(ValueError, match="nested"):
        format_expr(expr)


def test_deepest_parsable_expression_formats() -> None:
    text = "tag t = " + "-(" * 150 + "x" + ")" * 150
    formatted = assert_round_trip(text)
    assert formatted == "tag t =\n    " + "- " * 149 + "-x\n"


def test_header_comment_block_keeps_its_blank_line() -> None:
    text = "# Sources of the project.\n# Two lines.\n\n# about users\ntag t = 1\n"
    program = parse_program(text, "h.segl")
    assert program.header_comments == ("Sources of the project.", "Two lines.")
    assert program.statements[0].comments == ("about users",)
    assert format_program(program) == text


def test_comments_only_file_round_trips() -> None:
    program = parse_program("# nothing yet\n\n", "c.segl")
    assert parse_program(format_program(program), "c.segl") == program


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a clause the layout moves: its comments cannot follow it, they lead the journey
        (
            'journey j {\n    enter on orders  # entry\n    step a: send push "a"\n'
            "    exit on orders  # stop\n}\n",
            "# entry\n# stop\njourney j {\n    enter on orders\n    exit on orders\n"
            '    step a: send push "a"\n}\n',
        ),
        # a condition broken elsewhere, with as many lines: the comments lead it too
        (
            "layering l {\n    a when x > 1  # about a\n      and y > 2\n    b otherwise }\n",
            "# about a\nlayering l {\n    a  when x > 1 and y > 2\n    b  otherwise\n}\n",
        ),
        # after a one-line source's brace: the source's, not its column's
        (
            'source u from table "u" key k { a: string }  # one line\n',
            '# one line\nsource u from table "u" key k {\n    a: string\n}\n',
        ),
        # after two columns on one line: the last one's
        (
            'source o from table "o" key k { x: number  y: string  # y only\n}\n',
            'source o from table "o" key k {\n    x: number\n'
            "    y: string                 # y only\n}\n",
        ),
        # a section heading keeps one blank line after it
        (
            "tag a = 1\n\n# ===== Segments =====\n\n\n# about b\nsegment b = a > 0\n",
            "tag a = 1\n\n# ===== Segments =====\n\n# about b\nsegment b = a > 0\n",
        ),
        # before `end`: indented as the branches
        (
            'tag v = case\n    when x > 1 then "a"\n    when x > 0 then "b"\n    # last\nend\n',
            'tag v = case\n    when x > 1 then "a"\n    when x > 0 then "b"\n    # last\nend\n',
        ),
    ],
)
def test_comments_go_back_only_into_the_same_lines(text: str, expected: str) -> None:
    assert assert_round_trip(text) == expected

"""Property tests for the parser and the formatter.

(a) Random syntax trees over every node type print to text that parses back to the same
    tree (spans aside), and formatting that text again changes nothing.
(b) The parser never crashes: mutated programs and token soup either parse or give
    syntax diagnostics (code E0..., with a span); never any other exception.

SEGL_PROPERTY_EXAMPLES sets the number of examples per property (default 300).
"""

from __future__ import annotations

import datetime as dt
import os
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segl.dsl import ast
from segl.dsl.diagnostics import DiagnosticError
from segl.dsl.formatter import AFTER_EXPR_KEYWORDS, EXPR_START_KEYWORDS, format_program
from segl.dsl.parser import AGGREGATES, COLUMN_TYPES, parse_expr, parse_program

EXAMPLES = int(os.environ.get("SEGL_PROPERTY_EXAMPLES", "300"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ---------------------------------------------------------------- names

# Words that are keywords somewhere in the grammar but may be names elsewhere: the
# contextual lexer must keep telling them apart after a round trip.
KEYWORDS = (
    *("and", "or", "not", "in", "between", "is", "contains", "starts", "ends", "with"),
    *("when", "then", "else", "end", "case", "where", "since", "last", "ago"),
    *("tag", "segment", "source", "layering", "from", "table", "key", "user", "time"),
    *("otherwise", "true", "false", "null", "now", "today", "date", "timestamp"),
)
PLAIN = ("x", "city", "visits_3m", "近三月访问次数", "城市", "é", "_n", "day", "days", "count")
FUNCTIONS = (*sorted(AGGREGATES), "days_since", "round", "coalesce", "lower", "f")
UNITS = ("minute", "hour", "day", "week", "month", "year")

random_names = st.from_regex(r"[^\W\d]\w{0,6}", fullmatch=True)
# Any name: definitions, columns after `.`, annotation keys, first layers.
any_names = st.one_of(st.sampled_from(PLAIN + KEYWORDS), random_names)
# Names where an operand starts (`x`, `x.y`, `f(...)`): the words that open an
# expression are keywords there, and `not` is at the start of a condition.
ref_names = any_names.filter(lambda n: n not in EXPR_START_KEYWORDS and n != "not")


# ---------------------------------------------------------------- literals

numbers = st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?", fullmatch=True)
# Any text without control characters (the parser rejects them); quotes, backslashes,
# '#', Unicode and spaces all need to survive.
string_values = st.text(
    alphabet=st.one_of(
        st.sampled_from("\"\\# 'ab北京"),
        st.characters(blacklist_categories=["Cc", "Cs"]),
    ),
    max_size=12,
)
dates = st.dates(min_value=dt.date(1000, 1, 1)).map(dt.date.isoformat)
timestamps = st.builds(
    lambda d, h, m, s, sep: f"{d} {h:02d}:{m:02d}:{s:02d}".replace(" ", sep, 1),
    dates,
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    st.sampled_from([" ", "T"]),
)
comments = st.text(
    alphabet=st.characters(blacklist_characters="\n", blacklist_categories=["Cs"]),
    max_size=20,
).map(str.strip)

leaves: st.SearchStrategy[ast.Expr] = st.one_of(
    st.builds(ast.NumberLit, numbers),
    st.builds(ast.StringLit, string_values),
    st.builds(ast.BoolLit, st.booleans()),
    st.just(ast.NullLit()),
    st.builds(ast.DateLit, dates),
    st.builds(ast.TimestampLit, timestamps),
    st.just(ast.Now()),
    st.just(ast.Today()),
    st.builds(ast.Name, ref_names),
    st.builds(ast.ColumnRef, ref_names, any_names),
    # small integers make `x between 1 and 2` next to a name `ago` likely
    st.builds(ast.NumberLit, st.sampled_from(["1", "2", "30", "7"])),
    st.just(ast.Name("ago")),
)


# ---------------------------------------------------------------- expressions


def windows(sub: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Window]:
    ago = st.tuples(st.integers(0, 400), st.integers(0, 400)).map(sorted)
    return st.one_of(
        st.builds(ast.LastWindow, st.integers(0, 1000), st.sampled_from(UNITS)),
        st.builds(lambda p, u: ast.AgoWindow(p[1], p[0], u), ago, st.sampled_from(UNITS)),
        st.builds(ast.SinceWindow, sub),
    )


@st.composite
def calls(draw: st.DrawFn, sub: st.SearchStrategy[ast.Expr]) -> ast.Call:
    name = draw(st.one_of(st.sampled_from(FUNCTIONS), ref_names))
    if name == "date":  # only `date(x)` is a call; `date "..."` is a literal
        return ast.Call("date", (draw(sub),))
    if name not in AGGREGATES:
        return ast.Call(name, tuple(draw(st.lists(sub, max_size=3))))
    args = tuple(draw(st.lists(sub, min_size=name != "count", max_size=2)))
    if not args:
        return ast.Call(name, args)  # `count()`: no room for `where` or a window
    where = draw(st.none() | sub)
    window = draw(st.none() | windows(sub))
    return ast.Call(name, args, where, window)


@st.composite
def cases(draw: st.DrawFn, sub: st.SearchStrategy[ast.Expr]) -> ast.Case:
    whens = draw(st.lists(st.builds(ast.When, sub, sub), min_size=1, max_size=3))
    return ast.Case(tuple(whens), draw(st.none() | sub))


OPS = ("and", "or", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/")


def composites(sub: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    return st.one_of(
        st.builds(ast.Unary, st.sampled_from(["not", "-"]), sub),
        st.builds(ast.Binary, st.sampled_from(OPS), sub, sub),
        st.builds(ast.InList, sub, st.lists(sub, max_size=3).map(tuple), st.booleans()),
        st.builds(ast.Between, sub, sub, sub, st.booleans()),
        st.builds(ast.IsNull, sub, st.booleans()),
        st.builds(
            ast.StringMatch, st.sampled_from(["contains", "starts_with", "ends_with"]), sub, sub
        ),
        calls(sub),
        cases(sub),
    )


# Leaves three times out of four keep the expected tree small (each composite has two or
# three operands); `deferred` keeps the strategy's repr finite.
expressions: st.SearchStrategy[ast.Expr] = st.deferred(
    lambda: st.one_of(leaves, leaves, leaves, composites(expressions))
)


# ---------------------------------------------------------------- statements

annotation_lists = st.lists(st.builds(ast.Annotation, any_names, string_values), max_size=2).map(
    tuple
)
comment_lists = st.lists(comments, max_size=2).map(tuple)
titles = st.none() | string_values


@st.composite
def sources(draw: st.DrawFn) -> ast.SourceDef:
    profile = draw(st.booleans())
    columns = draw(
        st.lists(
            st.builds(
                ast.ColumnDef, any_names, st.sampled_from(COLUMN_TYPES), st.none() | comments
            ),
            max_size=4,
        )
    )
    key, user, time = (
        (draw(any_names), None, None) if profile else (None, *draw(st.tuples(any_names, any_names)))
    )
    return ast.SourceDef(
        draw(any_names),
        draw(titles),
        draw(string_values),
        "profile" if profile else "event",
        key,
        user,
        time,
        tuple(columns),
        draw(annotation_lists),
        draw(comment_lists),
    )


@st.composite
def layerings(draw: st.DrawFn) -> ast.LayeringDef:
    layers: list[ast.LayerDef] = []
    for _ in range(draw(st.integers(1, 4))):
        name = draw(any_names)
        if layers and layers[-1].condition is not None and name in AFTER_EXPR_KEYWORDS:
            name += "_"  # would be read as part of the previous condition
        condition = draw(st.none() | expressions)
        layers.append(ast.LayerDef(name, draw(titles), condition))
    return ast.LayeringDef(
        draw(any_names), draw(titles), tuple(layers), draw(annotation_lists), draw(comment_lists)
    )


statements = st.one_of(
    sources(),
    st.builds(ast.TagDef, any_names, titles, expressions, annotation_lists, comment_lists),
    st.builds(ast.SegmentDef, any_names, titles, expressions, annotation_lists, comment_lists),
    layerings(),
)
programs = st.builds(
    ast.Program,
    st.just("<gen>"),
    st.lists(statements, max_size=4).map(tuple),
    comment_lists,
)


# ---------------------------------------------------------------- (a) round trip


@PROPERTY
@given(programs)
def test_format_then_parse_gives_the_same_tree(program: ast.Program) -> None:
    text = format_program(program)
    reparsed = parse_program(text, "<gen>")
    assert reparsed == program, text
    assert format_program(reparsed) == text


@PROPERTY
@given(expressions)
def test_expressions_round_trip_inside_a_tag(expr: ast.Expr) -> None:
    program = ast.Program("<gen>", (ast.TagDef("t", None, expr),))
    text = format_program(program)
    assert parse_program(text, "<gen>") == program, text


def _node_types(expr: ast.Expr) -> set[type]:
    found: set[type] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        found.add(type(node))
        if isinstance(node, ast.Call) and node.window is not None:
            found.add(type(node.window))
        stack.extend(ast.children(node))
    return found


WANTED = (
    *(ast.NumberLit, ast.StringLit, ast.BoolLit, ast.NullLit, ast.DateLit, ast.TimestampLit),
    *(ast.Now, ast.Today, ast.Name, ast.ColumnRef, ast.Unary, ast.Binary, ast.InList),
    *(ast.Between, ast.IsNull, ast.StringMatch, ast.Call, ast.Case),
    *(ast.LastWindow, ast.AgoWindow, ast.SinceWindow),
)


def test_the_expression_strategy_covers_every_node_type() -> None:
    seen: set[type] = set()

    @settings(max_examples=500, deadline=None, database=None, derandomize=True)
    @given(expressions)
    def collect(expr: ast.Expr) -> None:
        seen.update(_node_types(expr))

    collect()
    assert {t.__name__ for t in WANTED} - {t.__name__ for t in seen} == set()


# ---------------------------------------------------------------- (b) no crash


def _parse_or_diagnose(text: str) -> None:
    try:
        result = parse_program(text, "<fuzz>")
    except DiagnosticError as err:
        assert err.diagnostics
        for diag in err.diagnostics:
            assert diag.code.startswith("E0"), diag
            assert diag.span is not None, diag
            assert diag.hints, diag  # SPEC §4: the source line, a caret and a hint
        return
    assert isinstance(result, ast.Program)


SEEDS = (
    'source users from table "users" key user_id {\n    city: string  # registered city\n}\n',
    'tag visits_3m = count(events where name == "visit" in last 3 months)\n',
    "tag s = sum(orders.amount * 0.9 where coupon_id is null between 30 and 7 days ago)\n",
    'segment b "Beijing" =\n    visits_3m >= 3 and city in ["北京", "上海"]\n'
    "    and not x between 1 and 5\n",
    "layering l {\n    new  when days_since(users.registered_at) <= 30\n    old  otherwise\n}\n",
    'tag v = case\n    when a >= 5000 then "high"\n    else -(-1) / (2 - 3)\nend\n',
    '@owner "crm"\ntag d = count(orders since date "2026-01-01")\n'
    '    + hour(timestamp "2026-01-01 10:00")\n',
)
NOISE = (
    *('"', "\\", "'", "\x00", "#", "\n", " ", "(", ")", "[", "]", "{", "}", ",", ".", ":"),
    *("=", "==", "!", "&&", "|", ";", "@", "-", "*", "/", "\t", "\r", "\ufeff", "é", "北"),
    *("\u2028", "\x85", "\U0001f600", "1e", "9" * 30, "0."),
)
TOKENS = (
    *KEYWORDS,
    *("in last", "between 3 and 1 days ago", "starts with", "ends with", "is not null"),
    *("{", "}", "(", ")", "[", "]", ",", ".", ":", "=", "@", "==", "!=", "<", "<=", ">"),
    *(">=", "+", "-", "*", "/", "x", "y.z", "count", "1", "2.5", "3e2", '"s"', '"a\\"b"'),
    *("days", "months", "weeks", "#c\n", "\n"),
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["delete", "insert", "duplicate", "swap", "token"]))
        if kind == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 5)) :]
        elif kind == "insert":
            noise = draw(st.sampled_from(NOISE) | st.text(max_size=3))
            text = text[:pos] + noise + text[pos:]
        elif kind == "duplicate":
            text = text[:pos] + text[pos : pos + 8] + text[pos:]
        elif kind == "swap" and pos + 1 < len(text):
            text = text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]
        else:
            text = text[:pos] + " " + draw(st.sampled_from(TOKENS)) + " " + text[pos:]
    return text


token_soup = st.lists(st.sampled_from(TOKENS), max_size=30).map(" ".join)


@PROPERTY
@given(mutated())
def test_mutated_programs_never_crash_the_parser(text: str) -> None:
    _parse_or_diagnose(text)


@PROPERTY
@given(token_soup)
def test_token_soup_never_crashes_the_parser(text: str) -> None:
    _parse_or_diagnose(text)
    _parse_or_diagnose("tag t = " + text)


@PROPERTY
@given(programs.map(format_program), st.data())
def test_mutated_generated_programs_never_crash_the_parser(text: str, data: st.DataObject) -> None:
    pos = data.draw(st.integers(0, len(text)))
    noise = data.draw(st.sampled_from(NOISE) | st.sampled_from(TOKENS))
    _parse_or_diagnose(text[:pos] + noise + text[pos + data.draw(st.integers(0, 3)) :])


@PROPERTY
@given(st.text(alphabet=string.printable + "北\x00\u2028", max_size=40))
def test_random_expressions_never_crash_the_parser(text: str) -> None:
    try:
        parse_expr(text)
    except DiagnosticError as err:
        assert all(d.code.startswith("E0") and d.span is not None for d in err.diagnostics)


def test_a_comment_with_line_separator_characters_keeps_its_place() -> None:
    """ "\r", form feed and record separator are line breaks to str.splitlines() but not to
    the lexer: a comment holding them still leads the statement after it (found by
    test_format_then_parse_gives_the_same_tree)."""
    program = parse_program("# 0\x1e\r0\ntag x = null\n", "<gen>")
    assert program.header_comments == ()
    assert program.statements[0].comments == ("0\x1e\r0",)

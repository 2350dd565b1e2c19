"""The parser: every grammar construct, spans, comments, and syntax errors with their
codes, hints and rendered text (golden files under tests/golden/errors/)."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pytest
from golden import GOLDEN, assert_golden

from segl.dsl import ast
from segl.dsl.diagnostics import DiagnosticError, Span, render_text
from segl.dsl.names import MARK_RANGES, NAME
from segl.dsl.parser import MAX_FILE_BYTES, decode_source, parse_expr, parse_program

ERRORS = GOLDEN / "errors"

# ---------------------------------------------------------------- helpers


def sx(expr: ast.Expr | ast.Window | None) -> str:
    """A compact S-expression, so expected trees read like the source."""
    match expr:
        case None:
            return "_"
        case ast.NumberLit(text=text):
            return text
        case ast.StringLit(value=value):
            return repr(value)
        case ast.BoolLit(value=value):
            return str(value).lower()
        case ast.NullLit():
            return "null"
        case ast.Now():
            return "now"
        case ast.Today():
            return "today"
        case ast.DateLit(value=value):
            return f"date:{value}"
        case ast.TimestampLit(value=value):
            return f"ts:{value}"
        case ast.Name(name=name):
            return name
        case ast.ColumnRef(source=source, column=column):
            return f"{source}.{column}"
        case ast.Unary(op=op, operand=operand):
            return f"({op} {sx(operand)})"
        case (
            ast.Binary(op=op, left=left, right=right)
            | ast.StringMatch(op=op, left=left, right=right)
        ):
            return f"({op} {sx(left)} {sx(right)})"
        case ast.InList(operand=operand, items=items, negated=negated):
            return f"({'not_in' if negated else 'in'} {sx(operand)} [{' '.join(map(sx, items))}])"
        case ast.Between(operand=operand, low=low, high=high, negated=negated):
            keyword = "not_between" if negated else "between"
            return f"({keyword} {sx(operand)} {sx(low)} {sx(high)})"
        case ast.IsNull(operand=operand, negated=negated):
            return f"({'is_not_null' if negated else 'is_null'} {sx(operand)})"
        case ast.Call(name=name, args=args, where=where, window=window):
            extra = ""
            if where is not None or window is not None:
                extra = f" where={sx(where)} window={sx(window)}"
            return f"{name}({' '.join(map(sx, args))}{extra})"
        case ast.Case(whens=whens, otherwise=otherwise):
            parts = " ".join(f"[{sx(w.condition)} {sx(w.value)}]" for w in whens)
            return f"(case {parts} else {sx(otherwise)})"
        case ast.LastWindow(count=count, unit=unit):
            return f"last:{count}:{unit}"
        case ast.AgoWindow(start=start, end=end, unit=unit):
            return f"ago:{start}:{end}:{unit}"
        case ast.SinceWindow(start=start):
            return f"since:{sx(start)}"
    raise AssertionError(f"unexpected node {expr!r}")


def px(text: str) -> str:
    return sx(parse_expr(text))


def errors(text: str, file: str = "t.segl") -> list[tuple[str, str]]:
    """(code, message) of each diagnostic; fails if the text parses."""
    with pytest.raises(DiagnosticError) as info:
        parse_program(text, file)
    return [(d.code, d.message) for d in info.value.diagnostics]


def first_error(text: str) -> DiagnosticError:
    with pytest.raises(DiagnosticError) as info:
        parse_program(text, "t.segl")
    return info.value


# ---------------------------------------------------------------- literals


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", "0"),
        ("42", "42"),
        ("3.14", "3.14"),
        ("1e6", "1e6"),
        ("2.5E-3", "2.5E-3"),
        ("007", "007"),
        ('"plain"', "'plain'"),
        ('""', "''"),
        (r'"say \"hi\""', "'say \"hi\"'"),
        (r'"back\\slash"', "'back\\\\slash'"),
        ('"# not a comment"', "'# not a comment'"),
        ('"北京"', "'北京'"),
        ('"emoji 😀"', "'emoji 😀'"),
        ("true", "true"),
        ("false", "false"),
        ("null", "null"),
        ("now", "now"),
        ("today", "today"),
        ('date "2026-11-01"', "date:2026-11-01"),
        ('date "2024-02-29"', "date:2024-02-29"),
        ('timestamp "2026-11-01 10:00:00"', "ts:2026-11-01 10:00:00"),
        ('timestamp "2026-11-01T10:00"', "ts:2026-11-01T10:00"),
        ('timestamp "2026-11-01 10:00:00.123456"', "ts:2026-11-01 10:00:00.123456"),
        ("date(orders.paid_at)", "date(orders.paid_at)"),
        ('date("2026-11-01")', "date('2026-11-01')"),
    ],
)
def test_literals(text: str, expected: str) -> None:
    assert px(text) == expected


def test_negative_numbers_are_unary_minus() -> None:
    assert px("-1") == "(- 1)"
    assert px("- 2.5") == "(- 2.5)"


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("visits_3m", "visits_3m"),
        ("_private", "_private"),
        ("users.city", "users.city"),
        ("orders . amount", "orders.amount"),
        ("近三月访问次数", "近三月访问次数"),
        ("用户.城市", "用户.城市"),
        ("café", "café"),
        # words that are keywords elsewhere are names where no keyword fits
        ("orders.date", "orders.date"),
        ("events.time", "events.time"),
        ("x.case", "x.case"),
        ("and", "and"),
        ("where", "where"),
        ("ago", "ago"),
        ("a == not", "(== a not)"),
    ],
)
def test_names(text: str, expected: str) -> None:
    assert px(text) == expected


def test_unicode_definitions_and_strings() -> None:
    program = parse_program(
        'tag 近三月访问次数 = count(events where name == "visit" in last 3 months)\n'
        'segment 北京客户 "北京的忠实客户" = 近三月访问次数 >= 3 and city == "北京"\n'
    )
    tag, segment = program.statements
    assert isinstance(tag, ast.TagDef) and tag.name == "近三月访问次数"
    assert isinstance(segment, ast.SegmentDef)
    assert segment.title == "北京的忠实客户"
    assert sx(segment.expr) == "(and (>= 近三月访问次数 3) (== city '北京'))"


@pytest.mark.parametrize(
    "name",
    ["ลูกค้า", "ग्राहक", "cafe\u0301", "_x\u20dd", "ผู้ใช้_2"],
    ids=["thai", "devanagari", "nfd-accent", "enclosing-mark", "thai-digits"],
)
def test_names_take_combining_marks(name: str) -> None:
    """SPEC §2: identifiers may be any Unicode; Thai and Devanagari words hold combining
    marks (Mn, Mc), which Python's `\\w` leaves out."""
    program = parse_program(f"tag {name} = users.x\nsegment s = {name} > 1\n")
    tag, segment = program.statements
    assert isinstance(tag, ast.TagDef) and tag.name == name
    assert isinstance(segment, ast.SegmentDef) and sx(segment.expr) == f"(> {name} 1)"


def test_the_mark_ranges_are_unicodes() -> None:
    """names.MARK_RANGES lists exactly the combining marks of this Python's Unicode."""
    marks = [c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c))[0] == "M"]
    listed = [c for first, last in MARK_RANGES for c in range(first, last + 1)]
    assert listed == marks
    assert not NAME.fullmatch("\u0301a")  # a mark does not start a name


# ---------------------------------------------------------------- operators


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_comparisons(op: str) -> None:
    assert px(f"a {op} 1") == f"({op} a 1)"


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_arithmetic(op: str) -> None:
    assert px(f"a {op} b") == f"({op} a b)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a and b", "(and a b)"),
        ("a or b", "(or a b)"),
        ("not a", "(not a)"),
        ("a in [1, 2, 3]", "(in a [1 2 3])"),
        ("a in [1, 2,]", "(in a [1 2])"),
        ("a in []", "(in a [])"),
        ("a not in ['x']".replace("'", '"'), "(not_in a ['x'])"),
        ("a between 1 and 10", "(between a 1 10)"),
        ("a not between 1 and 10", "(not_between a 1 10)"),
        ("a is null", "(is_null a)"),
        ("a is not null", "(is_not_null a)"),
        ('a contains "x"', "(contains a 'x')"),
        ('a starts with "x"', "(starts_with a 'x')"),
        ('a ends with "x"', "(ends_with a 'x')"),
        ("a in [b + 1, c or d]", "(in a [(+ b 1) (or c d)])"),
    ],
)
def test_boolean_and_predicate_operators(text: str, expected: str) -> None:
    assert px(text) == expected


PRECEDENCE = [
    # or < and < not < comparison < + - < * / < unary -
    ("a or b and c", "(or a (and b c))"),
    ("a and b or c", "(or (and a b) c)"),
    ("not a and b", "(and (not a) b)"),
    ("not a or not b", "(or (not a) (not b))"),
    ("not a == b", "(not (== a b))"),
    ("not not a", "(not (not a))"),
    ("a == b and c != d", "(and (== a b) (!= c d))"),
    ("a + b == c * d", "(== (+ a b) (* c d))"),
    ("a + b * c", "(+ a (* b c))"),
    ("a * b + c", "(+ (* a b) c)"),
    ("-a * b", "(* (- a) b)"),
    ("-a + -b", "(+ (- a) (- b))"),
    ("- -a", "(- (- a))"),
    ("a - -b", "(- a (- b))"),
    ("a--b", "(- a (- b))"),
    ("(a or b) and c", "(and (or a b) c)"),
    ("not (a and b)", "(not (and a b))"),
    ("(not a) == b", "(== (not a) b)"),
    ("-(a + b)", "(- (+ a b))"),
    ("a + b in [1]", "(in (+ a b) [1])"),
    ("a * 2 between b - 1 and c + 1", "(between (* a 2) (- b 1) (+ c 1))"),
    ("a between 1 and 2 and b", "(and (between a 1 2) b)"),
    ("a + 1 is null or b", "(or (is_null (+ a 1)) b)"),
    ('a + "x" contains b', "(contains (+ a 'x') b)"),
    ("not a in [1]", "(not (in a [1]))"),
    ("not a is null", "(not (is_null a))"),
]


@pytest.mark.parametrize(("text", "expected"), PRECEDENCE)
def test_precedence(text: str, expected: str) -> None:
    assert px(text) == expected


ASSOCIATIVITY = [
    ("a - b - c", "(- (- a b) c)"),
    ("a - b + c", "(+ (- a b) c)"),
    ("a / b / c", "(/ (/ a b) c)"),
    ("a / b * c", "(* (/ a b) c)"),
    ("a and b and c", "(and (and a b) c)"),
    ("a or b or c", "(or (or a b) c)"),
    ("a - (b - c)", "(- a (- b c))"),
    ("a / (b * c)", "(/ a (* b c))"),
]


@pytest.mark.parametrize(("text", "expected"), ASSOCIATIVITY)
def test_left_associativity(text: str, expected: str) -> None:
    assert px(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a == b == c",
        "a < b < c",
        "a in [1] in [true]",
        "a is null is null",
        "a between 1 and 2 between 3 and 4",
        "a contains b contains c",
        "a == not b",
    ],
)
def test_comparisons_do_not_chain(text: str) -> None:
    with pytest.raises(DiagnosticError) as info:
        parse_expr(text)
    assert info.value.diagnostics[0].code == "E0202"


def test_parenthesised_comparisons_nest() -> None:
    assert px("(a == b) == c") == "(== (== a b) c)"
    assert px("a == (b < c)") == "(== a (< b c))"


# ---------------------------------------------------------------- calls and windows


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("count(orders)", "count(orders)"),
        ("f()", "f()"),
        ("round(x, 2)", "round(x 2)"),
        ("coalesce(a, b, c)", "coalesce(a b c)"),
        ("days_since(users.registered_at)", "days_since(users.registered_at)"),
        ("abs(-x)", "abs((- x))"),
        (
            'count(events where name == "visit" in last 3 months)',
            "count(events where=(== name 'visit') window=last:3:month)",
        ),
        ("sum(orders.amount in last 90 days)", "sum(orders.amount where=_ window=last:90:day)"),
        ("count(e in last 1 minute)", "count(e where=_ window=last:1:minute)"),
        ("count(e in\n  last 2 hours)", "count(e where=_ window=last:2:hour)"),
        ("count(e in last 1 week)", "count(e where=_ window=last:1:week)"),
        ("count(e in last 5 years)", "count(e where=_ window=last:5:year)"),
        ("count(e between 30 and 7 days ago)", "count(e where=_ window=ago:30:7:day)"),
        ("count(e between 7 and 30 days ago)", "count(e where=_ window=ago:30:7:day)"),
        ('count(e since date "2026-01-01")', "count(e where=_ window=since:date:2026-01-01)"),
        ("count(e since today - 7)", "count(e where=_ window=since:(- today 7))"),
        (
            "sum(orders.amount * 0.9 where coupon_id is null)",
            "sum((* orders.amount 0.9) where=(is_null coupon_id) window=_)",
        ),
        ("count_distinct(date(orders.paid_at))", "count_distinct(date(orders.paid_at))"),
        ('max(events.ts where name == "visit")', "max(events.ts where=(== name 'visit') window=_)"),
        # the `in [..]` operator inside a filter, then an `in last` window
        (
            "count(e where x in [1, 2] in last 3 days)",
            "count(e where=(in x [1 2]) window=last:3:day)",
        ),
        # the `between` operator inside a filter vs the `between ... ago` window
        (
            "count(e where amount between 30 and 7)",
            "count(e where=(between amount 30 7) window=_)",
        ),
        (
            "count(e where amount between 30 and 7 between 30 and 7 days ago)",
            "count(e where=(between amount 30 7) window=ago:30:7:day)",
        ),
        (
            "count(e where amount between 1 and 2 in last 3 days)",
            "count(e where=(between amount 1 2) window=last:3:day)",
        ),
        (
            "count(e where amount not between 30 and 7 since now)",
            "count(e where=(not_between amount 30 7) window=since:now)",
        ),
        ("first(e.x, e.y in last 1 day)", "first(e.x e.y where=_ window=last:1:day)"),
    ],
)
def test_calls_and_windows(text: str, expected: str) -> None:
    assert px(text) == expected


def test_case_expressions() -> None:
    assert px('case when a >= 5000 then "high" when a >= 1000 then "mid" else "low" end') == (
        "(case [(>= a 5000) 'high'] [(>= a 1000) 'mid'] else 'low')"
    )
    assert px("case when a then 1 end") == "(case [a 1] else _)"
    assert px("case when case when a then b end then 1 end + 2") == (
        "(+ (case [(case [a b] else _) 1] else _) 2)"
    )


# ---------------------------------------------------------------- statements


def test_sources() -> None:
    program = parse_program(
        'source users "Users" from table "dw.users" key user_id {\n'
        "    city: string\n    birthday: date\n}\n"
        'source events from table "events" user user_id time ts { name: string }\n'
        'source empty from table "e" key k {}\n'
    )
    users, events, empty = program.statements
    assert users == ast.SourceDef(
        "users",
        "Users",
        "dw.users",
        "profile",
        "user_id",
        None,
        None,
        (ast.ColumnDef("city", "string"), ast.ColumnDef("birthday", "date")),
    )
    assert isinstance(events, ast.SourceDef)
    assert (events.kind, events.key, events.user, events.time) == ("event", None, "user_id", "ts")
    assert isinstance(empty, ast.SourceDef) and empty.columns == ()


@pytest.mark.parametrize("type_name", ["number", "string", "bool", "date", "timestamp"])
def test_column_types(type_name: str) -> None:
    program = parse_program(f'source s from table "t" key k {{ c: {type_name} }}')
    source = program.statements[0]
    assert isinstance(source, ast.SourceDef)
    assert source.columns == (ast.ColumnDef("c", type_name),)


def test_tags_segments_titles_and_annotations() -> None:
    program = parse_program(
        '@description "Visits, last 3 months"\n@category "activity"\n@owner "crm"\n'
        'tag visits_3m "Visits (3m)" = count(events)\n'
        "segment s = visits_3m >= 3\n"
    )
    tag, segment = program.statements
    assert isinstance(tag, ast.TagDef)
    assert tag.title == "Visits (3m)"
    assert tag.annotations == (
        ast.Annotation("description", "Visits, last 3 months"),
        ast.Annotation("category", "activity"),
        ast.Annotation("owner", "crm"),
    )
    assert segment == ast.SegmentDef("s", None, parse_expr("visits_3m >= 3"))


def test_layerings() -> None:
    program = parse_program(
        'layering lifecycle "Lifecycle stage" {\n'
        "    new      when days_since(users.registered_at) <= 30\n"
        '    churned "Churned" when days_since(last_visit_at) > 90\n'
        '    mature  "Mature" otherwise\n'
        "}\n"
    )
    layering = program.statements[0]
    assert isinstance(layering, ast.LayeringDef)
    assert layering.title == "Lifecycle stage"
    assert [(la.name, la.title) for la in layering.layers] == [
        ("new", None),
        ("churned", "Churned"),
        ("mature", "Mature"),
    ]
    assert layering.layers[2].condition is None
    assert sx(layering.layers[0].condition) == "(<= days_since(users.registered_at) 30)"


def test_keywords_as_definition_names() -> None:
    program = parse_program(
        'source date from table "t" key key { date: date time: timestamp }\n'
        "tag tag = s.date\nsegment segment = tag\n"
        "layering layering { when when x otherwise otherwise }\n"
    )
    names = [s.name for s in program.statements]
    assert names == ["date", "tag", "segment", "layering"]
    layering = program.statements[3]
    assert isinstance(layering, ast.LayeringDef)
    assert [la.name for la in layering.layers] == ["when", "otherwise"]


def test_empty_and_whitespace_programs() -> None:
    assert parse_program("", "e.segl") == ast.Program("e.segl", ())
    assert parse_program("\n \t\r\n", "e.segl").statements == ()


def test_byte_order_mark_is_dropped() -> None:
    assert decode_source(b"\xef\xbb\xbftag t = 1", "b.segl") == "tag t = 1"


def test_classic_mac_line_endings_are_line_breaks() -> None:
    """A file saved with lone "\\r" line endings: each is a line break (a comment ends at
    it), Windows "\\r\\n" endings stay as they are."""
    text = decode_source(b"# about a\rtag a = 1\r\ntag b = 2\r", "mac.segl")
    assert text == "# about a\ntag a = 1\r\ntag b = 2\n"
    program = parse_program(text, "mac.segl")
    assert [s.name for s in program.statements] == ["a", "b"]  # type: ignore[attr-defined]
    assert program.statements[1].span.line == 3


# ---------------------------------------------------------------- comments


def test_comments_attach_to_statements_columns_and_file_end() -> None:
    program = parse_program(
        "# about a\ntag a = 1 # after a\n"
        'source s from table "t" key k {\n  # inside\n  x: string # the x\n  y: number\n}\n'
        "segment b = a and # mid-expression\n  a\n"
        "# the end\n#\n"
    )
    a, source, b = program.statements
    assert a.comments == ("about a", "after a")
    assert source.comments == ("inside",)
    assert isinstance(source, ast.SourceDef)
    assert [c.comment for c in source.columns] == ["the x", None]
    assert b.comments == ("mid-expression",)
    assert program.trailing_comments == ("the end", "")


def test_comment_places_count_each_newline_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each comment's line was counted from the start of the file: 500,000 comment lines
    (1 MB) took minutes to check."""
    from segl.dsl import parser

    text = "# one\n#\n" * 1_000 + "tag t = 1 # last\n"
    found = parser._comments(text)
    assert len(found) == 2_001
    assert found[0] == (1, 1, "one") and found[-1] == (2_001, 11, "last")
    assert [line for line, _, _ in found] == list(range(1, 2_002))
    counted: list[int] = []

    class Text(str):
        def count(self, sub: str, start: int = 0, end: int = -1) -> int:
            counted.append(end - start)
            return str.count(self, sub, start, end)

    parser._comments(Text(text))
    assert sum(counted) <= len(text)  # each character looked at once, not once per comment


def test_hash_inside_strings_is_not_a_comment() -> None:
    program = parse_program('tag t = "a # b" # real\n')
    tag = program.statements[0]
    assert isinstance(tag, ast.TagDef)
    assert tag.expr == ast.StringLit("a # b")
    assert tag.comments == ("real",)


def test_comments_do_not_change_the_tree() -> None:
    plain = parse_program("tag t = a + b\n", "f")
    commented = parse_program("# x\ntag t = a + # y\n b # z\n", "f")
    plain_tag, commented_tag = plain.statements[0], commented.statements[0]
    assert isinstance(plain_tag, ast.TagDef) and isinstance(commented_tag, ast.TagDef)
    assert commented_tag.expr == plain_tag.expr == parse_expr("a + b")
    assert commented_tag.comments == ("x", "y", "z")


# ---------------------------------------------------------------- spans


def test_spans_of_statements_and_nodes() -> None:
    text = (
        '@owner "x"\ntag visits =\n'
        '    count(events where name == "visit" in last 3 months)\n'
        'source s from table "t" key k {\n    a: string\n}\n'
    )
    tag, source = parse_program(text, "f.segl").statements
    assert tag.span == Span("f.segl", 1, 1, 3, 57, 0, text.index("\nsource"))
    assert tag.annotations[0].span == Span("f.segl", 1, 1, 1, 11, 0, 10)
    assert isinstance(tag, ast.TagDef) and isinstance(tag.expr, ast.Call)
    call = tag.expr
    assert (call.span.line, call.span.column, call.span.end_column) == (3, 5, 57)
    assert (call.args[0].span.line, call.args[0].span.column) == (3, 11)
    assert call.where is not None and call.window is not None
    assert (call.where.span.column, call.where.span.end_column) == (24, 39)
    assert (call.window.span.column, call.window.span.end_column) == (40, 56)
    assert isinstance(source, ast.SourceDef)
    assert (source.span.line, source.span.end_line) == (4, 6)
    start = text.index("a: string")
    assert source.columns[0].span == Span("f.segl", 5, 5, 5, 14, start, start + 9)


def test_spans_count_characters_not_bytes() -> None:
    expr = parse_expr("近三月 + 北京")
    assert isinstance(expr, ast.Binary)
    assert (expr.left.span.column, expr.left.span.end_column) == (1, 4)
    assert (expr.right.span.column, expr.right.span.end_column) == (7, 9)


def test_spans_of_parenthesised_expressions_are_the_inner_node() -> None:
    expr = parse_expr("(a)")
    assert (expr.span.column, expr.span.end_column) == (2, 3)


def test_span_file_name_is_kept() -> None:
    program = parse_program("tag t = x", "rules/tags.segl")
    assert program.file == "rules/tags.segl"
    assert program.statements[0].span.file == "rules/tags.segl"


# ---------------------------------------------------------------- syntax errors

SYNTAX_ERRORS = [
    # (source, code, line, column, words in the message, words in a hint or None)
    ("tag t = 1 ^ 2", "E0201", 1, 11, "unexpected character '^'", None),
    ("segment s = city == 'Beijing'", "E0201", 1, 21, "'''", "double quotes"),
    ("segment s = a && b", "E0201", 1, 15, "'&'", "use 'and', 'or', 'not'"),
    ("segment s = a || b", "E0201", 1, 15, "'|'", "use 'and', 'or', 'not'"),
    ("segment s = !a", "E0201", 1, 13, "'!'", "use 'and', 'or', 'not'"),
    ("tag t = 1;", "E0201", 1, 10, "';'", "need no ';'"),
    ("tag t = a\x00", "E0201", 1, 10, "'\\x00'", None),
    ('segment s = city = "Beijing"', "E0202", 1, 18, "unexpected '='", "use '=='"),
    ('segment s = a and\n  city === "北京"', "E0202", 2, 10, "unexpected '='", "compare with '=='"),
    ("tag t = 1 +", "E0202", 1, 12, "unexpected end of file; expected an expression", None),
    ("segment s = (a and b", "E0202", 1, 21, "expected ')'", None),
    ("segment s = a == b == c", "E0202", 1, 20, "unexpected '=='", None),
    # `or` after `and` is read as a name (keywords are names elsewhere): `a` is unexpected
    ("segment s = a >= 3 and or a < 1", "E0202", 1, 27, "unexpected 'a'", "missing between"),
    ("segment s = a and not or b", "E0202", 1, 26, "unexpected 'b'", "'or' right after 'not'"),
    ("segment s = a where b", "E0202", 1, 15, "unexpected 'where'", None),
    # an aggregate's window before its filter: the order, not "only inside an aggregate"
    (
        "tag t = sum(o.x in last 3 days where y)",
        "E0202",
        1,
        32,
        "unexpected 'where'",
        "an aggregate's 'where' comes before its window",
    ),
    ("tag t 1", "E0202", 1, 7, "expected '=' or a string", None),
    ("layering l { }", "E0202", 1, 14, "unexpected '}'", None),
    # `and` continues the condition (`x and when`), so `y` is a layer without `when`
    ("layering l { a when x\n and when y }", "E0202", 2, 13, "unexpected '}'", None),
    ('source s from table "t" key k {\n a: string\n key: string,\n}', "E0202", 3, 13, "','", None),
    ("tag t = count(e where)", "E0202", 1, 22, "unexpected ')'", None),
    ("tag t = x in last 3 days", "E0202", 1, 11, "unexpected", None),
    ("tag t = f(1,)", "E0202", 1, 13, "unexpected ')'", None),
    ('source s from table "t" { a: string }', "E0202", 1, 25, "unexpected '{'", None),
    ('tag t = "abc', "E0203", 1, 9, "unterminated string", 'close the string with "'),
    ('tag t = "abc\ndef"', "E0203", 1, 9, "unterminated string", None),
    ('tag t = "a\\nb"', "E0204", 1, 9, "unknown escape '\\n'", 'only \\" and \\\\'),
    ('tag t = "a\tb"', "E0204", 1, 9, "control character U+0009", None),
    ('tag t = "a\x7fb"', "E0204", 1, 9, "control character U+007F", None),
    ('@owner "a\\tb" tag t = 1', "E0204", 1, 8, "unknown escape", None),
    ('tag t = date "2026-02-30"', "E0205", 1, 14, "invalid date '2026-02-30'", "has no day 30"),
    ('tag t = date "2026-13-01"', "E0205", 1, 14, "invalid date", "there is no month 13"),
    ('tag t = date "2026-1-1"', "E0205", 1, 14, "invalid date", "YYYY-MM-DD"),
    # the window after the aggregate's parentheses, `otherwise` without its layer
    ("tag t = sum(o.x) in last 9 days", "E0202", 1, 18, "'in last'", "inside the aggregate's"),
    ('tag t = count(o) since date "2026-01-01"', "E0202", 1, 18, "'since'", "inside the"),
    ("layering l { otherwise }", "E0202", 1, 24, "unexpected '}'", "follows the name of its"),
    # a percentage outside an alert ('%' is the remainder: the next word became its operand)
    ("segment s = x > 50%\nsegment t = y", "E0202", 2, 9, "unexpected 't'", "write the fraction"),
    ("segment s = x > 50% and y > 1", "E0202", 1, 25, "unexpected 'y'", "0.5 for 50%"),
    ("tag t = 5%", "E0202", 1, 11, "end of file", "only in an alert's condition"),
    ("alert a = size(s) > 5%cooldown 7 days", "E0202", 1, 32, "'7'", "space after '%'"),
    # tag metadata written after the definition, not as annotations before it
    ('tag t = 1\n  description "x"', "E0202", 2, 3, "'description'", '@description "..."'),
    ('tag t = 1\ncategory "basic"', "E0202", 2, 1, "'category'", "an annotation on the line"),
    ('tag t = timestamp "2026-01-01 25:00"', "E0205", 1, 19, "invalid timestamp", "HH:MM:SS"),
    ('tag t = timestamp "2026-01-01"', "E0205", 1, 19, "invalid timestamp", None),
    ("tag t = count(e in last 3 fortnights)", "E0206", 1, 27, "unknown time unit", "units:"),
    ("tag t = count(e in last 3 dayz)", "E0206", 1, 27, "'dayz'", "did you mean 'day'?"),
    ("tag t = count(e in last 1.5 days)", "E0206", 1, 25, "whole number", None),
    ("tag t = lower(e where x)", "E0206", 1, 9, "only go inside aggregates", "aggregates are"),
    ("tag t = round(x, 2 in last 3 days)", "E0206", 1, 9, "not in round()", None),
    ('source s from table "t" key k { a: strin }', "E0207", 1, 36, "'strin'", "'string'"),
    ('source s from table "t" key k { a: varchar }', "E0207", 1, 36, "'varchar'", "types:"),
]


@pytest.mark.parametrize(
    ("text", "code", "line", "column", "message", "hint"),
    SYNTAX_ERRORS,
    ids=[f"{case[1]}-{i}" for i, case in enumerate(SYNTAX_ERRORS)],
)
def test_syntax_errors(
    text: str, code: str, line: int, column: int, message: str, hint: str | None
) -> None:
    diag = first_error(text).diagnostics[0]
    assert diag.code == code
    assert diag.span is not None
    assert (diag.span.line, diag.span.column) == (line, column)
    assert message in diag.message
    if hint is not None:
        assert any(hint in h for h in diag.hints), diag.hints


def test_literal_problems_are_all_reported() -> None:
    found = errors('tag t = date "x"\ntag u = "a\\qb"\ntag v = count(e in last 2 eons)')
    assert [code for code, _ in found] == ["E0205", "E0204", "E0206"]


def test_parse_expr_reports_errors_too() -> None:
    with pytest.raises(DiagnosticError) as info:
        parse_expr("a ==", file="x.segl")
    diag = info.value.diagnostics[0]
    assert diag.code == "E0202" and diag.span is not None and diag.span.file == "x.segl"


def test_error_spans_underline_the_token() -> None:
    diag = first_error('segment s = city == "a" andd b').diagnostics[0]
    assert diag.span is not None
    assert (diag.span.column, diag.span.end_column) == (25, 29)


# ---------------------------------------------------------------- limits


@pytest.mark.parametrize(
    "text",
    [
        "not " * 10_000 + "x",
        "-(" * 10_000 + "x" + ")" * 10_000,
        "-" * 10_000 + "x",
        "f(" * 10_000 + "x" + ")" * 10_000,
        "case when a then " * 3_000 + "x" + " end" * 3_000,
        "[" * 10_000,
    ],
    ids=["not", "neg-parens", "neg", "calls", "cases", "brackets"],
)
def test_very_deep_nesting_is_a_diagnostic_not_a_crash(text: str) -> None:
    for parse in (lambda t: parse_expr(t), lambda t: parse_program("tag t = " + t)):
        with pytest.raises(DiagnosticError) as info:
            parse(text)
        diag = info.value.diagnostics[0]
        assert diag.code in {"E0205", "E0202"}
        assert diag.span is not None


def test_nesting_at_the_limit_parses() -> None:
    assert isinstance(parse_expr("not " * 199 + "x"), ast.Unary)
    with pytest.raises(DiagnosticError) as info:
        parse_expr("not " * 200 + "x")
    assert info.value.diagnostics[0].code == "E0205"
    assert "nested" in info.value.diagnostics[0].message


def test_many_parentheses_are_not_nesting() -> None:
    assert parse_expr("(" * 5_000 + "x" + ")" * 5_000) == ast.Name("x")


def test_files_over_one_megabyte_are_rejected() -> None:
    data = b"# padding\n" * (MAX_FILE_BYTES // 10 + 1)
    assert len(data) > MAX_FILE_BYTES
    with pytest.raises(DiagnosticError) as info:
        decode_source(data, "big.segl")
    diag = info.value.diagnostics[0]
    assert diag.code == "E0102"
    assert diag.span is not None and diag.span.file == "big.segl"
    assert decode_source(b"#" * MAX_FILE_BYTES, "ok.segl") == "#" * MAX_FILE_BYTES


@pytest.mark.parametrize(
    ("data", "line", "column"),
    [
        (b"\xfftag t = 1", 1, 1),
        (b"tag t = 1\ntag u = \xc3(", 2, 9),
        (b'tag t = "\xe5\x8c"', 1, 10),
        (b"a\nb\nc\n\x80", 4, 1),
    ],
)
def test_non_utf8_bytes_give_e0101_with_position(data: bytes, line: int, column: int) -> None:
    with pytest.raises(DiagnosticError) as info:
        decode_source(data, "bad.segl")
    diag = info.value.diagnostics[0]
    assert diag.code == "E0101"
    assert diag.span is not None
    assert (diag.span.file, diag.span.line, diag.span.column) == ("bad.segl", line, column)
    assert diag.hints


# ---------------------------------------------------------------- word boundaries, chains


@pytest.mark.parametrize(
    "text",
    [
        "tagx = 1",
        "segmentfoo = a",
        'source s from table "t" userid timets {}',
        "layering l { a whenx }",
        "tag t = case whenx then 1 end",
        "tag t = x is notnull",
    ],
)
def test_keyword_glued_to_a_name_is_an_error(text: str) -> None:
    with pytest.raises(DiagnosticError) as failure:
        parse_program(text)
    assert failure.value.diagnostics[0].code == "E0202"
    assert "put a space between" in failure.value.diagnostics[0].hints[0]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ('source u from table "crm."users"" key id {\n    c: string\n}\n', "users"),
        ('tag t = c == "say "hi""\n', "hi"),
        ('segment s "the "best" users" = c == "x"\n', "best"),
    ],
)
def test_a_word_glued_to_a_string_s_end_suggests_an_escaped_quote(text: str, word: str) -> None:
    """The probe of 2026-12-06: `"crm."users""` got "put a space between 'user' and 's'"."""
    with pytest.raises(DiagnosticError) as failure:
        parse_program(text)
    (diag,) = failure.value.diagnostics
    assert diag.code == "E0202" and f"unexpected '{word}'" in diag.message
    assert diag.hints == ('is this \'"\' meant inside the string? write it \\": "say \\"hi\\""',)


def test_a_word_after_a_string_and_a_space_gets_no_quote_hint() -> None:
    with pytest.raises(DiagnosticError) as failure:
        parse_program('tag t = c == "say" hi\n')
    assert not any("inside the string" in h for h in failure.value.diagnostics[0].hints)


@pytest.mark.parametrize(
    "text",
    [
        "segment s = x between 1 and 2 and ago",
        "segment s = x between 1 and 2\ntag ago = 1",
        "tag t = count(e where x between 1 and 2 since ago)",
    ],
)
def test_between_operator_before_a_name_ago(text: str) -> None:
    parse_program(text)


def test_long_flat_or_chain_is_not_too_deep() -> None:
    parse_program("segment s = " + " or ".join(f'city == "c{i}"' for i in range(250)))


def test_a_chain_beyond_the_limit_is_an_error() -> None:
    with pytest.raises(DiagnosticError) as failure:
        parse_program("segment s = " + " and ".join("x" for _ in range(2500)))
    assert failure.value.diagnostics[0].code == "E0205"
    assert "conditions joined" in failure.value.diagnostics[0].message


# ---------------------------------------------------------------- golden error messages


def _golden_cases() -> list[Path]:
    return sorted(ERRORS.glob("*.segl"))


def _rendered(path: Path) -> str:
    data = path.read_bytes()
    try:
        parse_program(decode_source(data, path.name), path.name)
    except DiagnosticError as err:
        source = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
        return render_text(err.diagnostics, {path.name: source}) + "\n"
    raise AssertionError(f"{path.name} parsed without errors")


@pytest.mark.parametrize("path", _golden_cases(), ids=lambda p: p.stem)
def test_golden_error_messages(path: Path) -> None:
    assert_golden(path.with_suffix(".txt"), _rendered(path))


def test_golden_error_cases_exist() -> None:
    assert len(_golden_cases()) >= 20
    for path in _golden_cases():
        assert path.with_suffix(".txt").exists(), path


def test_digits_of_other_scripts_are_no_numbers() -> None:
    """Only 0-9 write a number: `٣` (Arabic-Indic three) and full-width `１２` were read
    as 3 and 12 (the grammar's \\d matched any Unicode digit)."""
    for text in (
        "tag a = \u0663\n",
        "tag b = \uff11\uff12\n",
        "tag c = count(x in last \u0661\u0662 days)\n",
    ):
        with pytest.raises(DiagnosticError) as raised:
            parse_program(text, "r.segl")
        assert raised.value.diagnostics[0].code == "E0201", text


def test_zero_width_characters_show_in_a_quoted_line() -> None:
    """U+200B in a name was printed raw: the caret pointed at nothing visible. Zero-width
    characters show as <U+XXXX>, as controls and bidi marks do; the joiner U+200D, which
    emoji are made of, is left as it is."""
    from segl.dsl.diagnostics import visible

    assert visible("tag a\u200bb = 1") == "tag a<U+200B>b = 1"
    assert visible("x\u2060y\ufeff") == "x<U+2060>y<U+FEFF>"
    family = "\U0001f468\u200d\U0001f469"
    assert visible(family) == family

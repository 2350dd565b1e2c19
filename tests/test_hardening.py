"""Robustness (issue 9): huge window lengths, windows and as-ofs at the ends of the
calendar, and control / bidirectional characters in rule files and diagnostics. Each
bad input is a diagnostic with its place (or simply works), never a traceback."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import DATA, Result, assert_caret_under, diagnostic_block
from hypothesis import given
from hypothesis import strategies as st

from segl.compiler.checker import check_programs
from segl.compiler.timeutil import (
    TimeRangeError,
    day_text,
    minute_text,
    parse_as_of,
    shift,
    shift_months,
    wall_text,
    window_bounds,
)
from segl.dsl import ast
from segl.dsl.diagnostics import (
    Diagnostic,
    DiagnosticError,
    Severity,
    Span,
    render_github,
    render_json,
    render_text,
    visible,
)
from segl.dsl.parser import MAX_BIDI_WARNINGS, MAX_WINDOW, bidi_warnings, parse_program
from segl.runtime import reference
from segl.runtime.inmemory import run_in_memory

Cli = Callable[..., Result]
SOURCES = (DATA / "mini" / "sources.segl").read_text("utf-8")
MIN, MAX = dt.datetime.min, dt.datetime.max
AS_OF = dt.datetime(2026, 1, 1)
# what must never reach a terminal raw (tab and newline are layout)
RAW_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def project_with(write_project: Callable[..., Path], rules: str) -> Path:
    return write_project({"sources.segl": SOURCES, "rules.segl": rules})


def parse_errors(text: str) -> list[Diagnostic]:
    with pytest.raises(DiagnosticError) as raised:
        parse_program(text, "rules.segl")
    return raised.value.diagnostics


def window_of(text: str) -> ast.Window | None:
    program = parse_program(text, "rules.segl")
    tag = program.statements[0]
    assert isinstance(tag, ast.TagDef) and isinstance(tag.expr, ast.Call)
    return tag.expr.window


# ------------------------------------------------------------ 1. huge window lengths


def test_window_length_of_5000_digits_is_a_diagnostic_at_the_number(
    cli: Cli, write_project: Callable[..., Path]
) -> None:
    """Python refuses int() of more than 4,300 digits: this was an internal error."""
    number = "9" * 5000
    root = project_with(write_project, f"tag t = count(orders in last {number} days)\n")
    result = cli("check", root)
    assert result.code == 1, result.output
    head = "proj/rules.segl:1:30: E0206 window length of 5,000 digits is too large"
    block = diagnostic_block(result.err, head)
    assert "at most 3,652,425 days (10,000 years)" in block[0]
    assert set(block[2].strip()) == {"^"}
    assert block[-1].startswith("  hint: to cover all history, leave the window out")


def test_window_length_of_5000_digits_in_an_ago_window() -> None:
    number = "7" * 5000
    found = parse_errors(f"tag t = count(orders between 3 and {number} months ago)\n")
    assert [(d.code, d.span and d.span.column) for d in found] == [("E0206", 36)]
    assert "of 5,000 digits is too large: at most 120,000 months" in found[0].message


@pytest.mark.parametrize("unit", sorted(MAX_WINDOW))
def test_window_length_bound_per_unit(unit: str) -> None:
    """Up to 10,000 years of the unit is accepted (clamped later if it reaches before
    the year 1); one more unit is E0206 at the number."""
    limit = MAX_WINDOW[unit]
    window = window_of(f"tag t = count(orders in last {limit} {unit}s)\n")
    assert isinstance(window, ast.LastWindow) and window.count == limit
    found = parse_errors(f"tag t = count(orders in last {limit + 1} {unit}s)\n")
    assert [d.code for d in found] == ["E0206"]
    assert f"window length {limit + 1} is too large: at most {limit:,} {unit}s" in (
        found[0].message
    )
    assert found[0].span == Span(
        "rules.segl", 1, 30, 1, 30 + len(str(limit + 1)), 29, 29 + len(str(limit + 1))
    )


def test_window_bounds_are_ten_thousand_years() -> None:
    assert MAX_WINDOW == {
        "minute": 5_259_492_000,
        "hour": 87_658_200,
        "day": 3_652_425,
        "week": 521_775,
        "month": 120_000,
        "year": 10_000,
    }


def test_window_length_with_5000_leading_zeros_is_its_value() -> None:
    window = window_of(f"tag t = count(orders in last {'0' * 5000}3 days)\n")
    assert isinstance(window, ast.LastWindow) and window.count == 3


def test_huge_window_length_with_unknown_unit_reports_the_unit_only() -> None:
    found = parse_errors(f"tag t = count(orders in last {'9' * 5000} dayz)\n")
    assert [d.code for d in found] == ["E0206"]
    assert "unknown time unit 'dayz'" in found[0].message


# ------------------------------------------------------------ 2. ends of the calendar


@pytest.mark.parametrize(
    ("moment", "count", "unit"),
    [
        (AS_OF, 3000, "year"),
        (AS_OF, 10**12, "minute"),
        (AS_OF, 10**30, "day"),
        (AS_OF, 10**5000, "week"),  # no str() of the huge int in the message either
        (AS_OF, -(10**6), "year"),
        (AS_OF, -(10**40), "month"),
        (MIN, 1, "minute"),
        (MIN, 1, "month"),
        (MAX, -1, "minute"),
        (MAX, -1, "year"),
    ],
    ids=lambda value: "10^5000" if value == 10**5000 else None,
)
def test_shift_out_of_the_calendar_is_a_time_range_error(
    moment: dt.datetime, count: int, unit: str
) -> None:
    with pytest.raises(TimeRangeError, match="outside the years 1 to 9999"):
        shift(moment, count, unit)


def test_shift_months_out_of_the_calendar_is_a_time_range_error() -> None:
    with pytest.raises(TimeRangeError):
        shift_months(dt.datetime(1, 2, 28), -2)
    with pytest.raises(TimeRangeError):
        shift_months(dt.datetime(9999, 12, 1), 1)
    assert shift_months(dt.datetime(1, 3, 31), -2) == dt.datetime(1, 1, 31)
    assert issubclass(TimeRangeError, ValueError)


@pytest.mark.parametrize(
    ("kind", "unit", "start", "end", "as_of", "expected"),
    [
        # a start before 0001-01-01 00:00 is no lower bound: all history
        ("last", "year", 3000, 0, AS_OF, (None, AS_OF)),
        ("last", "minute", 10**12, 0, AS_OF, (None, AS_OF)),
        ("last", "month", 24_313, 0, AS_OF, (None, AS_OF)),
        ("last", "day", 1, 0, MIN, (None, MIN)),
        ("last", "year", 2025, 0, AS_OF, (dt.datetime(1, 1, 1), AS_OF)),
        # an end before the year 1 as well: the window is empty
        ("ago", "year", 3000, 2500, AS_OF, (None, MIN)),
        ("ago", "year", 3000, 25, AS_OF, (None, dt.datetime(2001, 1, 1))),
        ("last", "minute", 1, 0, MAX, (MAX - dt.timedelta(minutes=1), MAX)),
    ],
)
def test_window_bounds_clamp_at_the_year_1(
    kind: str,
    unit: str,
    start: int,
    end: int,
    as_of: dt.datetime,
    expected: tuple[dt.datetime | None, dt.datetime],
) -> None:
    assert window_bounds(kind, unit, start, end, None, as_of) == expected


@pytest.mark.parametrize(
    ("text", "timezone"),
    [
        ("9999-12-31T23:00:00-05:00", "UTC"),
        ("0001-01-01T00:00:00+01:00", "UTC"),
        ("9999-12-31T23:00:00Z", "Asia/Shanghai"),
    ],
)
def test_as_of_outside_the_calendar_is_a_readable_value_error(text: str, timezone: str) -> None:
    with pytest.raises(ValueError, match=r"outside the years 1 to 9999 .*time zone"):
        parse_as_of(text, timezone)


def test_as_of_at_the_ends_of_the_calendar() -> None:
    assert parse_as_of("0001-01-01", "UTC") == MIN
    assert parse_as_of("9999-12-31 23:59:59", "UTC") == dt.datetime(9999, 12, 31, 23, 59, 59)
    assert parse_as_of("0001-01-01T00:00:00-01:00", "UTC") == dt.datetime(1, 1, 1, 1)


def test_as_of_past_9999_in_the_project_zone_is_e0601(
    cli: Cli, write_project: Callable[..., Path]
) -> None:
    root = project_with(write_project, "tag t = count(orders in last 3 days)\n")
    result = cli("compile", root, "--as-of", "9999-12-31T23:00:00-05:00")
    assert result.code == 2, result.output  # a usage error
    assert result.err.startswith(
        "E0601 bad --as-of: '9999-12-31T23:00:00-05:00' is outside the years 1 to 9999"
    ), result.err


@pytest.mark.parametrize(
    ("window", "as_of"),
    [
        ("in last 3000 years", "2026-01-01"),
        ("in last 2000000000 minutes", "2026-01-01"),
        ("between 3000 and 2500 years ago", "2026-01-01"),
        ("in last 3 days", "0001-01-01"),
        ("between 2 and 1 months ago", "0001-01-15"),
        ("in last 10000 years", "9999-12-31 23:59:59"),
    ],
)
def test_windows_reaching_before_the_year_1_compile(
    cli: Cli, write_project: Callable[..., Path], window: str, as_of: str
) -> None:
    root = project_with(write_project, f"tag t = count(orders {window})\n")
    for dialect in ("duckdb", "postgres", "sqlite", "clickhouse", "spark"):
        result = cli("compile", root, "--dialect", dialect, "--as-of", as_of)
        assert result.code == 0, result.output


WINDOW_RULES = """
tag all_orders = count(orders)
tag last_3000_years = count(orders in last 3000 years)
tag last_billions_of_minutes = count(orders in last 5000000000 minutes)
tag before_the_year_1 = count(orders between 3000 and 2500 years ago)
tag up_to_a_year_ago = count(orders between 3000 and 1 years ago)
tag last_day = count(orders in last 1 day)
"""


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (AS_OF, {1: (4, 4, 4, 0, 3, 1), 2: (0, 0, 0, 0, 0, 0)}),
        (MIN, {1: (0, 0, 0, 0, 0, 0), 2: (0, 0, 0, 0, 0, 0)}),
        (dt.datetime(1, 1, 1, 12), {1: (2, 2, 2, 0, 0, 2), 2: (0, 0, 0, 0, 0, 0)}),
        (dt.datetime(9999, 12, 31, 23, 59), {1: (4, 0, 2, 0, 0, 0), 2: (1, 1, 1, 0, 0, 1)}),
    ],
)
def test_clamped_windows_agree_on_duckdb_and_the_reference(
    as_of: dt.datetime, expected: dict[int, tuple[int, ...]]
) -> None:
    """A window reaching before the year 1 covers all history, on both evaluators."""
    programs = [parse_program(SOURCES, "sources.segl"), parse_program(WINDOW_RULES, "r.segl")]
    project, diagnostics = check_programs(programs)
    assert project is not None, diagnostics
    order = {"order_id": "o", "brand": "b", "amount": 1.0, "coupon_id": None}
    tables = {
        "users": [
            {"user_id": 1, "city": "x", "registered_at": MIN, "balance": 0.0},
            {"user_id": 2, "city": "y", "registered_at": MIN, "balance": 0.0},
        ],
        "orders": [
            {**order, "user_id": 1, "paid_at": MIN},
            {**order, "user_id": 1, "paid_at": dt.datetime(1, 1, 1, 2)},
            {**order, "user_id": 1, "paid_at": dt.datetime(1990, 5, 1)},
            {**order, "user_id": 1, "paid_at": dt.datetime(2025, 12, 31, 12)},
            {**order, "user_id": 2, "paid_at": dt.datetime(9999, 12, 31, 23)},
        ],
    }
    names = [line.split()[1] for line in WINDOW_RULES.strip().splitlines()]
    for result in (
        reference.evaluate(project, tables, as_of),
        run_in_memory(project, tables, as_of),
    ):
        got = {user: tuple(result.tags[name][user] for name in names) for user in (1, 2)}
        assert got == expected


# ------------------------------------------------------------ 3. control characters


def test_osc_escape_in_a_comment_never_reaches_the_terminal(
    cli: Cli, write_project: Callable[..., Path]
) -> None:
    root = project_with(write_project, "segment s = nope # \x1b]0;pwned\x07\n")
    for fmt in ("text", "json", "github"):
        result = cli("check", root, "--format", fmt)
        assert result.code == 1, result.output
        assert not RAW_UNSAFE.search(result.output), repr(result.output)
    result = cli("check", root)
    block = diagnostic_block(result.err, "proj/rules.segl:1:13: E0301")
    assert block[1] == "    segment s = nope # <U+001B>]0;pwned<U+0007>"
    assert_caret_under(block, "nope")


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("\x0csegment s = nope\n", "<U+000C>segment s = nope"),
        ('segment s = users.city == "\u202eab\u202c" or nope\n', None),
        ("segment s = nope # \x1b[31m red\n", "segment s = nope # <U+001B>[31m red"),
        ("segment s = \x0c\x0c\x0cnope\n", "segment s = <U+000C><U+000C><U+000C>nope"),
    ],
)
def test_the_caret_stays_under_the_span_after_escaped_characters(
    cli: Cli, write_project: Callable[..., Path], line: str, shown: str | None
) -> None:
    root = project_with(write_project, line)
    result = cli("check", root)
    assert result.code == 1, result.output
    assert not RAW_UNSAFE.search(result.output), repr(result.output)
    block = diagnostic_block(result.err, "proj/rules.segl:1:")
    assert "E0301 unknown tag, segment or layering 'nope'" in block[0]
    if shown is not None:
        assert block[1] == f"    {shown}"
    assert_caret_under(block, "nope")


def test_a_lone_carriage_return_is_a_line_break_in_diagnostics(
    cli: Cli, write_project: Callable[..., Path]
) -> None:
    """A lone CR (classic Mac line endings) ends a line, as editors show it: the
    diagnostic names the next line, with no raw CR in the output."""
    root = project_with(write_project, "segment s\r = nope\n")
    result = cli("check", root)
    assert result.code == 1, result.output
    assert not RAW_UNSAFE.search(result.output), repr(result.output)
    block = diagnostic_block(result.err, "proj/rules.segl:2:4: E0301")
    assert block[1] == "     = nope"
    assert_caret_under(block, "nope")


def test_bidi_characters_in_strings_are_shown_visibly(
    cli: Cli, write_project: Callable[..., Path]
) -> None:
    root = project_with(write_project, 'segment s = users.city == "\u202eevil\u202c" and nope\n')
    result = cli("check", root)
    assert result.code == 1
    block = diagnostic_block(result.err, "proj/rules.segl:1:")
    assert block[1] == '    segment s = users.city == "<U+202E>evil<U+202C>" and nope'
    assert_caret_under(block, "nope")


def test_bidi_character_in_the_code_is_e0201_with_a_hint(
    cli: Cli, write_project: Callable[..., Path]
) -> None:
    root = project_with(write_project, "tag \u202et = 1\n")
    result = cli("check", root)
    assert result.code == 1
    assert not RAW_UNSAFE.search(result.output), repr(result.output)
    block = diagnostic_block(result.err, "proj/rules.segl:1:5: E0201 unexpected character")
    assert block[1:3] == ["    tag <U+202E>t = 1", "        ^^^^^^^^"]
    assert "Trojan Source" in block[3]


def test_messages_hints_and_file_names_are_escaped_in_text() -> None:
    diag = Diagnostic(
        "E0605",
        "the database refused: \x1b]0;pwned\x07 \x9b31m \u202e\nsecond line",
        Span("we\x1bird.segl", 1, 1, 1, 2),
        ("hint \x1b[2J", "tab\tstays"),
    )
    text = render_text([diag], {})
    assert not RAW_UNSAFE.search(text), repr(text)
    assert text.splitlines() == [
        "we<U+001B>ird.segl:1:1: E0605 the database refused: <U+001B>]0;pwned<U+0007> "
        "<U+009B>31m <U+202E>",
        "second line",
        "  hint: hint <U+001B>[2J",
        "  hint: tab\tstays",
    ]


def test_github_annotations_never_hold_raw_control_characters() -> None:
    diag = Diagnostic(
        "W0005",
        "bad \x1b]0;x\x07 \x7f \u202e 100%",
        Span("a\x1b,b.segl", 1, 2, 1, 3),
        ("one\ntwo\r",),
        Severity.WARNING,
    )
    out = render_github([diag])
    assert not RAW_UNSAFE.search(out), repr(out)
    assert out == (
        "::warning file=a<U+001B>%2Cb.segl,line=1,col=2,endLine=1,endColumn=3,title=W0005::"
        "bad <U+001B>]0;x<U+0007> <U+007F> <U+202E> 100%25%0Ahint: one%0Atwo%0D"
    )


def test_a_newline_in_a_file_name_forges_no_diagnostic_line() -> None:
    """A file named `evil\nrules.segl:1:1: E0000 forged.segl` printed two lines, the second
    one a diagnostic that was never made (the probe of 2026-12-06)."""
    name = "evil\nrules.segl:1:1: E0000 forged\r.segl"
    diag = Diagnostic("E0202", "unexpected '='", Span(name, 1, 9, 1, 10))
    (first, *_) = render_text([diag], {name: "tag x = = 1\n"}).splitlines()
    assert (
        first == "evil<U+000A>rules.segl:1:1: E0000 forged<U+000D>.segl:1:9: E0202 unexpected '='"
    )
    annotation = render_github([diag])
    assert "%0A" not in annotation and "%0D" not in annotation, annotation
    assert annotation.startswith("::error file=evil<U+000A>rules.segl%3A1%3A1%3A E0000"), annotation


def test_json_escapes_del_c1_and_bidi_characters_and_keeps_the_data() -> None:
    message = "x\x1b \x7f \x9b \u202e \u2066 \u2028"
    out = render_json([Diagnostic("E0201", message, Span("f\x85.segl", 1, 1, 1, 2))])
    assert not RAW_UNSAFE.search(out) and "\u2028" not in out, repr(out)
    parsed = json.loads(out)["diagnostics"][0]
    assert parsed["message"] == message
    assert parsed["file"] == "f\x85.segl"


@given(
    st.text(
        alphabet=st.sampled_from(["a", " ", "\t", "\x1b", "\x07", "\x9b", "\x7f", "北", *BIDI]),
        max_size=20,  # shown within MAX_SHOWN (200) characters
    ),
    st.data(),
)
def test_rendered_source_lines_are_safe_and_carets_line_up(line: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(line)))
    end = data.draw(st.integers(start, len(line)))
    diag = Diagnostic("E0000", "m", Span("f", 1, start + 1, 1, end + 1))
    rendered = render_text([diag], {"f": line}).split("\n")
    assert not any(RAW_UNSAFE.search(part) for part in rendered), rendered
    shown, carets = rendered[1][4:], rendered[2][4:]
    assert shown == visible(line, "\t")[:200]
    prefix = visible(line[:start], "\t")
    # the caret starts where the span starts on screen (a tab in the prefix stays a tab)
    cells = sum(2 if ch == "北" else 1 for ch in prefix)
    assert len(carets) - len(carets.lstrip(" \t")) == cells
    underlined = visible(line[start:end], "\t") or " "
    assert carets.lstrip(" \t") == "^" * sum(2 if ch == "北" else 1 for ch in underlined)


def test_bidi_warnings_in_comments_and_code_not_in_strings() -> None:
    text = (
        'segment s = users.city == "\u202eab\u202c" # \u2066 isolate \u2069\n'
        'tag \u202et = 1  # "not a string \u200f\n'
        '# " \u061c\n'
    )
    found = bidi_warnings(text, "rules.segl")
    assert all(d.code == "W0005" and d.severity is Severity.WARNING for d in found)
    assert [(d.span.line, d.span.column) for d in found if d.span] == [
        (1, 36),
        (1, 46),
        (2, 5),
        (2, 29),
        (3, 5),
    ]
    assert found[0].message == (
        "bidirectional control character U+2066 (LEFT-TO-RIGHT ISOLATE) in a comment"
    )
    assert found[2].message.endswith("U+202E (RIGHT-TO-LEFT OVERRIDE) outside a string")
    assert "Trojan Source" in found[0].hints[0]
    for d in found:
        assert d.span is not None and text[d.span.start] in BIDI
    assert bidi_warnings('tag t = "\u202e\u2066\u200f"\n') == []


def test_bidi_warnings_are_capped_and_fast() -> None:
    text = "# \u202e\n" * 200_000  # about 1 MiB, the largest rule file
    found = bidi_warnings(text, "big.segl")
    assert len(found) == MAX_BIDI_WARNINGS
    assert found[-1].span == Span("big.segl", 50, 3, 50, 4, 49 * 4 + 2, 49 * 4 + 3)


def test_check_warns_about_bidi_characters_in_comments(
    cli: Cli, write_project: Callable[..., Path]
) -> None:
    root = project_with(
        write_project, "segment vip = count(orders) >= 10 # \u202e 3 >= )sredro(tnuoc \u202c\n"
    )
    result = cli("check", root)
    assert result.code == 0, result.output
    assert not RAW_UNSAFE.search(result.output), repr(result.output)
    block = diagnostic_block(result.err, "proj/rules.segl:1:37: W0005 warning:")
    assert (
        block[1] == "    segment vip = count(orders) >= 10 # <U+202E> 3 >= )sredro(tnuoc <U+202C>"
    )
    assert_caret_under(block, "<U+202E>")


@pytest.mark.parametrize("before", [150, 400, 5000])
def test_a_span_far_right_on_a_long_line_keeps_its_caret_in_view(before: int) -> None:
    """A line longer than MAX_SHOWN is cut; when the span starts past the cut, the head of
    the line is cut instead (`…`), so the caret still sits under the span."""
    line = "x" * before + "北oops" + "y" * 300
    start = before + 1
    diag = Diagnostic("E0301", "unknown", Span("f", 1, start, 1, start + 5))
    shown, carets = render_text([diag], {"f": line}).split("\n")[1:3]
    assert len(shown) <= 4 + 200 and len(carets) <= 4 + 200
    at = carets.index("^")
    assert carets[at:].rstrip() == "^" * 6  # 北 is two cells wide
    # the characters above the caret are the span's
    cells = 0
    for index, char in enumerate(shown):
        if cells == at:
            assert shown[index:].startswith("北oops"), shown
            break
        cells += 2 if char == "北" else 1
    else:
        raise AssertionError(f"no character at cell {at}: {shown!r}")


def test_many_diagnostics_on_one_long_line_measure_only_what_is_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each diagnostic measured and escaped the whole line: an `in` list of 60,000 strings
    against a number (60,000 E0401 on a line of 0.5 MB) took minutes to print."""
    from segl.dsl import diagnostics

    line = ", ".join(f'"{i}"' for i in range(3_000))
    spans = [m.start() + 1 for m in re.finditer('"', line)][::2]
    found = [Diagnostic("E0401", "type", Span("f", 1, at, 1, at + 3)) for at in spans]
    measured = 0
    width = diagnostics._width

    def counted(char: str) -> int:
        nonlocal measured
        measured += 1
        return width(char)

    monkeypatch.setattr(diagnostics, "_width", counted)
    rendered = render_text(found, {"f": line}).split("\n")
    assert len(rendered) == 3 * len(found)
    assert measured <= len(found) * 3 * 200  # a few lines of MAX_SHOWN cells each
    assert rendered[-2].startswith("    …") and rendered[-2].endswith('"2999"')


@pytest.mark.parametrize("name", ["localtime", "posixrules"])
def test_a_host_dependent_zone_name_is_no_zone(name: str) -> None:
    """`localtime` is a file of the tz folder standing for the host's own zone: a project
    or a user in it would be timed differently on each machine, so it is unknown (the
    project's: E0102 in segl.toml; a user's: the project's zone, W0701)."""
    from segl.compiler.journeys.timing import zone_or_none
    from segl.compiler.timeutil import zone

    assert zone_or_none(name) is None
    with pytest.raises(ValueError, match="unknown time zone"):
        zone(name)


@pytest.mark.parametrize(
    ("moment", "texts"),
    [
        (dt.datetime(1, 1, 8, 9, 5, 7), ("0001-01-08 09:05:07", "0001-01-08 09:05", "0001-01-08")),
        (dt.datetime(987, 12, 31), ("0987-12-31 00:00:00", "0987-12-31 00:00", "0987-12-31")),
        (
            dt.datetime(2026, 11, 1, 23, 59, 59, 999),
            ("2026-11-01 23:59:59", "2026-11-01 23:59", "2026-11-01"),
        ),
    ],
)
def test_times_are_shown_with_four_digit_years(
    moment: dt.datetime, texts: tuple[str, str, str]
) -> None:
    """strftime's %Y writes the year 1 as `1` on Linux: messages and the JSON of `show
    outbox` and `show migration` showed `1-01-08 00:00:00`."""
    assert (wall_text(moment), minute_text(moment), day_text(moment)) == texts
    assert day_text(moment.date()) == texts[2]

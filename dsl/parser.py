"""Text to syntax tree: Lark LALR with positions, and syntax errors in plain words."""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import os
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer_NonRecursive, Tree
from lark import __version__ as lark_version
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.tree import Meta

from segl.dsl import ast
from segl.dsl.diagnostics import (
    BIDI_CONTROLS,
    NO_SPAN,
    Diagnostic,
    DiagnosticError,
    Severity,
    Span,
    did_you_mean,
    source_lines,
)
from segl.dsl.names import NAME_PATTERN
from segl.dsl.perf import collector_paused

MAX_FILE_BYTES = 1 << 20
MAX_DEPTH = 200
MAX_CHAIN = 2000  # operands of one and/or chain

# The stages below walk expressions recursively; Python 3.11 runs such recursion
# without growing the C stack, so a higher limit is safe and lets long chains through.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))

# Words read as keywords wherever an operand starts: a definition with such a name
# could never be referred to.
EXPRESSION_KEYWORDS = frozenset(
    {"true", "false", "null", "now", "today", "date", "timestamp", "case"}
)
# Words read as keywords right after an expression: a layer so named cannot follow a
# `when` layer (its name would be taken as part of the condition).
CONDITION_KEYWORDS = frozenset(
    {
        *("not", "and", "or", "in", "between", "is", "contains", "starts", "ends"),
        *("when", "then", "else", "end", "where", "since"),
        *("tag", "segment", "source", "layering", "identity"),
        *("journey", "holdout", "policy", "enter", "reenter", "exit", "step", "if"),
        *("funnel", "retention", "report", "experiment", "within", "by", "cohort", "return"),
        *("periods", "rolling", "on", "population", "salt", "arm", "metric", "alert"),
    }
)
AGGREGATES = frozenset(
    {
        "count",
        "sum",
        "avg",
        "min",
        "max",
        "count_distinct",
        "exists",
        "first",
        "last",
        "most_frequent",
    }
)
# Aggregates only a report's metrics have (SPEC §3.6); they take `where` like the others.
REPORT_AGGREGATES = frozenset({"share", "median", "percentile"})
PERIODS = ("day", "week", "month")  # retention's calendar periods
UNITS = {
    "minute": "minute",
    "minutes": "minute",
    "hour": "hour",
    "hours": "hour",
    "day": "day",
    "days": "day",
    "week": "week",
    "weeks": "week",
    "month": "month",
    "months": "month",
    "year": "year",
    "years": "year",
}
COLUMN_TYPES = ("number", "string", "bool", "date", "timestamp")
# The longest window of each unit: 10,000 years (3,652,425 days), more than the whole
# calendar (years 1 to 9999). A shorter window that still reaches before the year 1 is
# clamped there (compiler/timeutil.py window_bounds).
_DAYS_IN_10000_YEARS = 3_652_425
MAX_WINDOW = {
    "minute": _DAYS_IN_10000_YEARS * 24 * 60,
    "hour": _DAYS_IN_10000_YEARS * 24,
    "day": _DAYS_IN_10000_YEARS,
    "week": _DAYS_IN_10000_YEARS // 7,
    "month": 10_000 * 12,
    "year": 10_000,
}


GRAMMAR_NAME = r"/[^\W\d]\w*/"  # NAME in grammar.lark


@cache
def _lark() -> Lark:
    grammar = resources.files("segl.dsl").joinpath("grammar.lark").read_text("utf-8")
    # the grammar's NAME is Python's `\w` words; names take combining marks too (names.py)
    grammar = grammar.replace(GRAMMAR_NAME, f"/{NAME_PATTERN}/")
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        strict=True,
        propagate_positions=True,
        maybe_placeholders=False,
        start=["program", "expr"],
        postlex=_WordBoundaries(),
        cache=_grammar_cache(grammar),
    )


def _grammar_cache(grammar: str) -> str | bool:
    """Where lark keeps its analysis of the grammar (building the parse tables was 0.3 s
    of every command's start): a file in the user's own cache folder, named by the
    grammar and the lark and Python versions (lark checks them again inside the file and
    rebuilds on any difference, a missing file or a damaged one). False, no cache, where
    that folder cannot be made or is not the user's alone: lark's cache is a pickle."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):  # no home folder known ("~" stays "~"): not the cwd either
        return False
    folder = os.path.join(base, "segl")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.stat(folder)
    except OSError:
        return False
    if info.st_uid != os.getuid() or info.st_mode & 0o022:
        return False
    digest = hashlib.sha256(grammar.encode("utf-8")).hexdigest()[:16]
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    return os.path.join(folder, f"grammar-{digest}-lark{lark_version}-py{python}.cache")


class _GluedWords(Exception):
    """Two word-like tokens with nothing between them: a keyword matched as the
    prefix of a longer word ("tagx"), or a number run into a word ("3days")."""

    def __init__(self, first: Token, second: Token) -> None:
        super().__init__(f"{first.value}{second.value}")
        self.first = first
        self.second = second


def _wordlike(char: str) -> bool:
    return char.isalnum() or char == "_"


class _WordBoundaries:
    always_accept: tuple[str, ...] = ()

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        previous: Token | None = None
        for token in stream:
            if (
                previous is not None
                and previous.end_pos == token.start_pos
                and _wordlike(str(previous.value)[-1])
                and _wordlike(str(token.value)[0])
            ):
                raise _GluedWords(previous, token)
            yield token
            previous = token


# ------------------------------------------------------------------ decoding


def decode_source(data: bytes, path: str) -> str:
    """Bytes of a rule file to text, or a diagnostic for too large / not UTF-8. A lone
    "\\r" (classic Mac line endings) becomes "\\n": editors show it as a line break, and
    left alone it would make the file one line, a comment hiding all that follows."""
    if len(data) > MAX_FILE_BYTES:
        raise DiagnosticError(
            [
                Diagnostic(
                    "E0102",
                    f"file is too large ({len(data):,} bytes; the limit is {MAX_FILE_BYTES:,})",
                    Span(path, 1, 1, 1, 2),
                    ("split the rules over several .segl files",),
                )
            ]
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        line_bytes = data[data.rfind(b"\n", 0, err.start) + 1 : err.start]
        column = len(line_bytes.decode("utf-8", errors="replace")) + 1
        raise DiagnosticError(
            [
                Diagnostic(
                    "E0101",
                    f"file is not valid UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start})",
                    Span(path, line, column, line, column + 1, err.start, err.start + 1),
                    (not_utf8_hint(data),),
                )
            ]
        ) from None
    return _LONE_CR.sub("\n", text.removeprefix("\ufeff"))


_LONE_CR = re.compile(r"\r(?!\n)")


def not_utf8_hint(data: bytes) -> str:
    """How to fix a file that is not UTF-8: Windows editors save UTF-16 ("Unicode"),
    which a byte-order mark tells, or the locale's GBK, which nothing tells reliably."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return 'it is saved as UTF-16 (Notepad\'s "Unicode"): save it as UTF-8'
    return "save the file as UTF-8 (a Windows editor may have saved it as GBK or ANSI)"


# ------------------------------------------------------------------ transform


def _span(file: str, meta: Meta | Token) -> Span:
    if isinstance(meta, Token):
        return Span(
            file,
            meta.line or 0,
            meta.column or 0,
            meta.end_line or 0,
            meta.end_column or 0,
            meta.start_pos or 0,
            meta.end_pos or 0,
        )
    if getattr(meta, "empty", True):
        return Span(file, 0, 0, 0, 0)
    return Span(
        file, meta.line, meta.column, meta.end_line, meta.end_column, meta.start_pos, meta.end_pos
    )


_ESCAPE = re.compile(r"\\(.)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class _Builder(Transformer_NonRecursive[Token, Any]):
    """Lark tree to AST. Literal problems are collected, not raised, so a file
    with several bad literals reports all of them."""

    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file
        self.problems: list[Diagnostic] = []

    def _call_userfunc(self, tree: Tree[Token], new_children: list[Any] | None = None) -> Any:
        # every rule method takes (meta, children): called directly, without lark's
        # per-call v_args wrappers, which cost more than the methods themselves
        children = tree.children if new_children is None else new_children
        return getattr(self, str(tree.data))(tree.meta, children)

    def _problem(self, code: str, message: str, where: Meta | Token, *hints: str) -> None:
        self.problems.append(Diagnostic(code, message, _span(self.file, where), hints))

    def _string(self, token: Token) -> str:
        body = token.value[1:-1]
        if "\\" not in body and not _CONTROL.search(body):
            return str(body)

        def unescape(match: re.Match[str]) -> str:
            char = match.group(1)
            if char in '"\\':
                return char
            self._problem(
                "E0204",
                f"unknown escape '\\{char}' in string",
                token,
                'only \\" and \\\\ are escapes; write other characters as they are',
            )
            return char

        value = _ESCAPE.sub(unescape, body)
        bad = next((c for c in value if ord(c) < 32 or 0x7F <= ord(c) < 0xA0), None)
        if bad is not None:
            self._problem(
                "E0204",
                f"control character U+{ord(bad):04X} in string",
                token,
                "strings may not contain control characters",
            )
        return value

    # ------------------------------------------------------------- literals
    def number(self, meta: Meta, items: list[Token]) -> ast.NumberLit:
        return ast.NumberLit(items[0].value, _span(self.file, meta))

    def string(self, meta: Meta, items: list[Token]) -> ast.StringLit:
        return ast.StringLit(self._string(items[0]), _span(self.file, meta))

    def true(self, meta: Meta, items: list[Any]) -> ast.BoolLit:
        return ast.BoolLit(True, _span(self.file, meta))

    def false(self, meta: Meta, items: list[Any]) -> ast.BoolLit:
        return ast.BoolLit(False, _span(self.file, meta))

    def null(self, meta: Meta, items: list[Any]) -> ast.NullLit:
        return ast.NullLit(_span(self.file, meta))

    def now(self, meta: Meta, items: list[Any]) -> ast.Now:
        return ast.Now(_span(self.file, meta))

    def today(self, meta: Meta, items: list[Any]) -> ast.Today:
        return ast.Today(_span(self.file, meta))

    def date_lit(self, meta: Meta, items: list[Token]) -> ast.DateLit:
        text = self._string(items[0])
        try:
            dt.date.fromisoformat(text)
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
                raise ValueError(text)
        except ValueError:
            self._problem("E0205", f"invalid date '{text}'", items[0], _date_hint(text))
        return ast.DateLit(text, _span(self.file, meta))

    def timestamp_lit(self, meta: Meta, items: list[Token]) -> ast.TimestampLit:
        text = self._string(items[0])
        pattern = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
        try:
            if not re.fullmatch(pattern, text):
                raise ValueError(text)
            dt.datetime.fromisoformat(text)
        except ValueError:
            self._problem(
                "E0205",
                f"invalid timestamp '{text}'",
                items[0],
                'write timestamps as "YYYY-MM-DD HH:MM:SS"',
            )
        return ast.TimestampLit(text, _span(self.file, meta))

    # ------------------------------------------------------------- names
    def name(self, meta: Meta, items: list[Token]) -> ast.Name:
        return ast.Name(items[0].value, _span(self.file, meta))

    def column(self, meta: Meta, items: list[Token]) -> ast.ColumnRef:
        return ast.ColumnRef(items[0].value, items[1].value, _span(self.file, meta))

    # ------------------------------------------------------------- operators
    def or_op(self, meta: Meta, items: list[ast.Expr]) -> ast.Binary:
        return ast.Binary("or", items[0], items[1], _span(self.file, meta))

    def and_op(self, meta: Meta, items: list[ast.Expr]) -> ast.Binary:
        return ast.Binary("and", items[0], items[1], _span(self.file, meta))

    def not_op(self, meta: Meta, items: list[ast.Expr]) -> ast.Unary:
        return ast.Unary("not", items[0], _span(self.file, meta))

    def neg(self, meta: Meta, items: list[ast.Expr]) -> ast.Unary:
        return ast.Unary("-", items[0], _span(self.file, meta))

    def compare(self, meta: Meta, items: list[Any]) -> ast.Binary:
        return ast.Binary(items[1].value, items[0], items[2], _span(self.file, meta))

    def arith(self, meta: Meta, items: list[Any]) -> ast.Binary:
        return ast.Binary(items[1].value, items[0], items[2], _span(self.file, meta))

    def in_list(self, meta: Meta, items: list[Any]) -> ast.InList:
        return ast.InList(items[0], items[1], False, _span(self.file, meta))

    def not_in_list(self, meta: Meta, items: list[Any]) -> ast.InList:
        return ast.InList(items[0], items[1], True, _span(self.file, meta))

    def value_list(self, meta: Meta, items: list[ast.Expr]) -> tuple[ast.Expr, ...]:
        return tuple(items)

    def between(self, meta: Meta, items: list[ast.Expr]) -> ast.Between:
        return ast.Between(items[0], items[1], items[2], False, _span(self.file, meta))

    def not_between(self, meta: Meta, items: list[ast.Expr]) -> ast.Between:
        return ast.Between(items[0], items[1], items[2], True, _span(self.file, meta))

    def is_null(self, meta: Meta, items: list[ast.Expr]) -> ast.IsNull:
        return ast.IsNull(items[0], False, _span(self.file, meta))

    def is_not_null(self, meta: Meta, items: list[ast.Expr]) -> ast.IsNull:
        return ast.IsNull(items[0], True, _span(self.file, meta))

    def contains(self, meta: Meta, items: list[ast.Expr]) -> ast.StringMatch:
        return ast.StringMatch("contains", items[0], items[1], _span(self.file, meta))

    def starts_with(self, meta: Meta, items: list[ast.Expr]) -> ast.StringMatch:
        return ast.StringMatch("starts_with", items[0], items[1], _span(self.file, meta))

    def ends_with(self, meta: Meta, items: list[ast.Expr]) -> ast.StringMatch:
        return ast.StringMatch("ends_with", items[0], items[1], _span(self.file, meta))

    # ------------------------------------------------------------- calls
    def date_fn(self, meta: Meta, items: list[ast.Expr]) -> ast.Call:
        return ast.Call("date", (items[0],), span=_span(self.file, meta))

    def call(self, meta: Meta, items: list[Any]) -> ast.Call:
        name: Token = items[0]
        args: tuple[ast.Expr, ...] = ()
        where: ast.Expr | None = None
        window: ast.Window | None = None
        if len(items) > 1:
            args, where, window = items[1]
        aggregate = name.value in AGGREGATES | REPORT_AGGREGATES
        if (where is not None or window is not None) and not aggregate:
            self._problem(
                "E0206",
                f"'where' and windows only go inside aggregates, not in {name.value}()",
                meta,
                "aggregates are: " + ", ".join(sorted(AGGREGATES)),
            )
        return ast.Call(name.value, args, where, window, _span(self.file, meta))

    def call_args(self, meta: Meta, items: list[Any]) -> tuple[tuple[ast.Expr, ...], Any, Any]:
        args: list[ast.Expr] = []
        where: ast.Expr | None = None
        window: ast.Window | None = None
        for item in items:
            if isinstance(item, _Where):
                where = item.expr
            elif isinstance(item, ast.LastWindow | ast.AgoWindow | ast.SinceWindow):
                window = item
            else:
                args.append(item)
        return tuple(args), where, window

    def agg_filter(self, meta: Meta, items: list[ast.Expr]) -> _Where:
        return _Where(items[0])

    def _unit(self, token: Token) -> str:
        unit = UNITS.get(token.value)
        if unit is None:
            self._problem(
                "E0206",
                f"unknown time unit '{token.value}'",
                token,
                *did_you_mean(token.value, UNITS),
                "units: minutes, hours, days, weeks, months, years",
            )
            return "day"
        return unit

    def _count(self, token: Token, unit_token: Token) -> int:
        """A window length: a whole number of at most MAX_WINDOW[unit] units. The digits
        are measured before int() sees them (Python refuses over 4,300 digits)."""
        if not token.value.isdigit():
            self._problem(
                "E0206",
                "a window length must be a whole number",
                token,
                "use a smaller unit for a fraction: in last 36 hours, not in last 1.5 days",
            )
            return 1
        digits = token.value.lstrip("0") or "0"
        unit = UNITS.get(unit_token.value)
        if unit is None:  # reported by _unit
            limit = max(MAX_WINDOW.values())
            return int(digits) if len(digits) <= len(str(limit)) else 1
        limit = MAX_WINDOW[unit]
        if len(digits) > len(str(limit)) or int(digits) > limit:
            shown = digits if len(digits) <= 30 else f"of {len(digits):,} digits"
            longest = f"{limit:,} {unit}s"
            if unit != "year":
                longest += f" ({MAX_WINDOW['year']:,} years)"
            self._problem(
                "E0206",
                f"window length {shown} is too large: at most {longest}",
                token,
                "to cover all history, leave the window out (e.g. count(orders))",
            )
            return limit
        return int(digits)

    def window_last(self, meta: Meta, items: list[Token]) -> ast.LastWindow:
        count = self._count(items[1], items[2])
        return ast.LastWindow(count, self._unit(items[2]), _span(self.file, meta))

    def window_ago(self, meta: Meta, items: list[Token]) -> ast.AgoWindow:
        first, second = self._count(items[1], items[3]), self._count(items[2], items[3])
        start, end = max(first, second), min(first, second)
        return ast.AgoWindow(start, end, self._unit(items[3]), _span(self.file, meta))

    def window_since(self, meta: Meta, items: list[ast.Expr]) -> ast.SinceWindow:
        return ast.SinceWindow(items[0], _span(self.file, meta))

    # ------------------------------------------------------------- case
    def case_expr(self, meta: Meta, items: list[Any]) -> ast.Case:
        whens = tuple(i for i in items if isinstance(i, ast.When))
        otherwise = next((i.expr for i in items if isinstance(i, _Else)), None)
        return ast.Case(whens, otherwise, _span(self.file, meta))

    def case_when(self, meta: Meta, items: list[ast.Expr]) -> ast.When:
        return ast.When(items[0], items[1], _span(self.file, meta))

    def case_else(self, meta: Meta, items: list[ast.Expr]) -> _Else:
        return _Else(items[0])

    # ------------------------------------------------------------- statements
    def annotation(self, meta: Meta, items: list[Token]) -> ast.Annotation:
        return ast.Annotation(items[0].value, self._string(items[1]), _span(self.file, meta))

    def title(self, meta: Meta, items: list[Token]) -> _Title:
        return _Title(self._string(items[0]))

    def column_def(self, meta: Meta, items: list[Token]) -> ast.ColumnDef:
        type_name = items[1].value
        if type_name not in COLUMN_TYPES:
            self._problem(
                "E0207",
                f"unknown column type '{type_name}'",
                items[1],
                *did_you_mean(type_name, COLUMN_TYPES),
                "types: " + ", ".join(COLUMN_TYPES),
            )
        return ast.ColumnDef(items[0].value, type_name, None, _span(self.file, meta))

    def id_kind(self, meta: Meta, items: list[Token]) -> _Option:
        return _Option("as", items[0].value, items[0])

    def created_option(self, meta: Meta, items: list[Token]) -> _Option:
        return _Option("created", items[0].value, items[0])

    def zone_option(self, meta: Meta, items: list[Token]) -> _Option:
        return _Option("zone", items[0].value, items[0])

    def valid_option(self, meta: Meta, items: list[Token]) -> _Option:
        return _Option("valid from", items[0].value, items[0], items[1].value)

    def profile_kind(self, meta: Meta, items: list[Any]) -> _Kind:
        return _Kind("profile", items[0].value, None, None, self._options(items[1:]))

    def event_kind(self, meta: Meta, items: list[Any]) -> _Kind:
        options = [i for i in items if isinstance(i, _Option)]
        user, time = (i for i in items if isinstance(i, Token))
        return _Kind("event", None, user.value, time.value, self._options(options))

    def _options(self, options: list[_Option]) -> dict[str, _Option]:
        """By name; a repeated option is an error (the first one counts)."""
        found: dict[str, _Option] = {}
        for option in options:
            if option.name in found:
                self._problem(
                    "E0208",
                    f"'{option.name}' is given twice",
                    option.token,
                    "give each source option once",
                )
                continue
            found[option.name] = option
        return found

    def source_def(self, meta: Meta, items: list[Any]) -> ast.SourceDef:
        annotations, rest = _split_annotations(items)
        name: Token = rest[0]
        title, rest = _take_title(rest[1:])
        table: Token = rest[0]
        kind: _Kind = rest[1]
        columns = tuple(c for c in rest[2:] if isinstance(c, ast.ColumnDef))
        options = kind.options
        valid = options.get("valid from")
        return ast.SourceDef(
            name.value,
            title,
            self._string(table),
            kind.kind,
            kind.key,
            kind.user,
            kind.time,
            columns,
            annotations,
            span=_span(self.file, meta),
            id_kind=options["as"].value if "as" in options else None,
            created=options["created"].value if "created" in options else None,
            zone=options["zone"].value if "zone" in options else None,
            valid_from=valid.value if valid else None,
            valid_to=valid.extra if valid else None,
        )

    # ------------------------------------------------------------- identity
    def identity_kinds(self, meta: Meta, items: list[Token]) -> _Kinds:
        names = tuple(item.value for item in items)
        return _Kinds(names, tuple(_span(self.file, item) for item in items))

    def identity_link(self, meta: Meta, items: list[Token]) -> ast.LinkDef:
        source, left, left_kind, right, right_kind = (item.value for item in items)
        parts = tuple(_span(self.file, item) for item in items)
        return ast.LinkDef(
            source, left, left_kind, right, right_kind, _span(self.file, meta), parts
        )

    def identity_shared(self, meta: Meta, items: list[Token]) -> _Shared:
        hint = "e.g. shared above 50: an ID linked to more than 50 others is left out"
        return _Shared(self._whole_number(items[0], "'shared above'", hint), _span(self.file, meta))

    def identity_largest(self, meta: Meta, items: list[Token]) -> _Largest:
        hint = "e.g. at most 1000 ids per person: a larger person fails the run"
        limit = self._whole_number(items[0], "'at most ... ids per person'", hint)
        return _Largest(limit, _span(self.file, meta))

    def _whole_number(self, token: Token, what: str, hint: str) -> int | None:
        if not token.value.isdigit() or len(token.value) > 9:
            self._problem("E0206", f"{what} needs a whole number below a billion", token, hint)
            return None
        return int(token.value)

    def identity_def(self, meta: Meta, items: list[Any]) -> ast.IdentityDef:
        annotations, rest = _split_annotations(items)
        title, body = _take_title(rest[1:])
        listed = [item for item in body if isinstance(item, _Kinds)]
        links = tuple(item for item in body if isinstance(item, ast.LinkDef))
        shared = [item for item in body if isinstance(item, _Shared)]
        largest = [item for item in body if isinstance(item, _Largest)]
        span = _span(self.file, meta)
        return ast.IdentityDef(
            rest[0].value,
            title,
            tuple(name for item in listed for name in item.names),
            links,
            shared[-1].limit if shared else None,
            largest[-1].limit if largest else None,
            annotations,
            span=span,
            kind_spans=tuple(place for item in listed for place in item.spans),
            shared_span=shared[-1].span if shared else span,
            largest_span=largest[-1].span if largest else span,
        )

    def tag_def(self, meta: Meta, items: list[Any]) -> ast.TagDef:
        annotations, rest = _split_annotations(items)
        title, body = _take_title(rest[1:])
        return ast.TagDef(rest[0].value, title, body[0], annotations, span=_span(self.file, meta))

    def segment_def(self, meta: Meta, items: list[Any]) -> ast.SegmentDef:
        annotations, rest = _split_annotations(items)
        title, body = _take_title(rest[1:])
        return ast.SegmentDef(
            rest[0].value, title, body[0], annotations, span=_span(self.file, meta)
        )

    def layering_def(self, meta: Meta, items: list[Any]) -> ast.LayeringDef:
        annotations, rest = _split_annotations(items)
        title, layers = _take_title(rest[1:])
        return ast.LayeringDef(
            rest[0].value, title, tuple(layers), annotations, span=_span(self.file, meta)
        )

    def layer_when(self, meta: Meta, items: list[Any]) -> ast.LayerDef:
        title, body = _take_title(items[1:])
        return ast.LayerDef(items[0].value, title, body[0], _span(self.file, meta))

    def layer_otherwise(self, meta: Meta, items: list[Any]) -> ast.LayerDef:
        title, _ = _take_title(items[1:])
        return ast.LayerDef(items[0].value, title, None, _span(self.file, meta))

    # ------------------------------------------------------------- journeys
    def duration(self, meta: Meta, items: list[Token]) -> ast.Duration:
        count_token, unit_token = items
        unit = UNITS.get(unit_token.value)
        if unit is None:
            self._problem(
                "E0205",
                f"unknown time unit '{unit_token.value}'",
                unit_token,
                "use minutes, hours, days or weeks",
            )
            unit = "day"
        if not count_token.value.isdigit() or len(count_token.value) > 7:
            self._problem(
                "E0206",
                "a duration needs a whole number below ten million",
                count_token,
                "e.g. 7 days, or 36 hours for a day and a half",
            )
            return ast.Duration(0, unit, _span(self.file, meta))
        return ast.Duration(int(count_token.value), unit, _span(self.file, meta))

    def _clock(self, token: Token) -> ast.Clock:
        hours, minutes = (int(part) for part in token.value.split(":"))
        if minutes > 59 or hours > 24 or (hours == 24 and minutes):
            self._problem(
                "E0206",
                f"'{token.value}' is not a time of day",
                token,
                "write HH:MM from 00:00 to 24:00",
            )
        return ast.Clock(f"{hours:02d}:{minutes:02d}", _span(self.file, token))

    def event_ref(self, meta: Meta, items: list[Any]) -> ast.EventRef:
        where = items[1].expr if len(items) > 1 else None
        return ast.EventRef(items[0].value, where, _span(self.file, meta))

    def enter_on(self, meta: Meta, items: list[Any]) -> ast.EnterDef:
        return ast.EnterDef("on", items[0], None, _span(self.file, meta))

    def enter_moved(self, meta: Meta, items: list[ast.AlertCall]) -> ast.EnterDef:
        return ast.EnterDef("moved", span=_span(self.file, meta), moved=items[0])

    def enter_first(self, meta: Meta, items: list[Any]) -> ast.EnterDef:
        return ast.EnterDef("first", items[0], None, _span(self.file, meta))

    def enter_when(self, meta: Meta, items: list[Any]) -> ast.EnterDef:
        return ast.EnterDef("when", None, items[0], _span(self.file, meta))

    def reenter(self, meta: Meta, items: list[Any]) -> ast.ReenterDef:
        return ast.ReenterDef(items[0], _span(self.file, meta))

    def exit_on(self, meta: Meta, items: list[Any]) -> ast.ExitDef:
        return ast.ExitDef("on", items[0], None, _span(self.file, meta))

    def exit_when(self, meta: Meta, items: list[Any]) -> ast.ExitDef:
        return ast.ExitDef("when", None, items[0], _span(self.file, meta))

    def step_after(self, meta: Meta, items: list[Any]) -> _Timing:
        return _Timing("after", items[0], _span(self.file, meta))

    def step_within(self, meta: Meta, items: list[Any]) -> _Timing:
        return _Timing("within", items[0], _span(self.file, meta))

    def step_weekend(self, meta: Meta, items: list[Any]) -> _Timing:
        return _Timing("days", "weekend", _span(self.file, meta))

    def step_weekdays(self, meta: Meta, items: list[Any]) -> _Timing:
        return _Timing("days", "weekdays", _span(self.file, meta))

    def step_between(self, meta: Meta, items: list[Token]) -> _Timing:
        window = (self._clock(items[0]), self._clock(items[1]))
        return _Timing("between", window, _span(self.file, meta))

    def payload(self, meta: Meta, items: list[ast.PayloadItem]) -> _Payload:
        return _Payload(tuple(items))

    def payload_item(self, meta: Meta, items: list[Any]) -> ast.PayloadItem:
        value = items[1] if len(items) > 1 else None
        return ast.PayloadItem(items[0].value, value, _span(self.file, meta))

    def step_if(self, meta: Meta, items: list[Any]) -> _If:
        return _If(items[0])

    def step_def(self, meta: Meta, items: list[Any]) -> ast.StepDef:
        name: Token = items[0]
        found, repeated = _first_of_each([item for item in items if isinstance(item, _Timing)])
        rest = [item for item in items[1:] if not isinstance(item, _Timing)]
        channel: Token = rest[0]
        payload = next((item.items for item in rest if isinstance(item, _Payload)), ())
        condition = next((item.expr for item in rest if isinstance(item, _If)), None)
        return ast.StepDef(
            name.value,
            found.get("after"),
            found.get("within"),
            found.get("days"),
            found.get("between"),
            channel.value,
            self._string(rest[1]),
            payload,
            condition,
            span=_span(self.file, meta),
            channel_span=_span(self.file, channel),
            repeated=repeated,
        )

    def _percent(self, number: Token, sign: Token) -> str:
        if sign.value != "%":
            self._problem("E0206", "a share is written as a percentage", sign, "e.g. 5%")
        return str(number.value)

    def holdout_def(self, meta: Meta, items: list[Any]) -> ast.HoldoutDef:
        annotations, rest = _split_annotations(items)
        name, number, sign, salt = rest
        return ast.HoldoutDef(
            name.value,
            self._percent(number, sign),
            self._string(salt),
            annotations,
            span=_span(self.file, meta),
        )

    def journey_def(self, meta: Meta, items: list[Any]) -> ast.JourneyDef:
        annotations, rest = _split_annotations(items)
        title, body = _take_title(rest[1:])
        return ast.JourneyDef(
            rest[0].value,
            title,
            tuple(item for item in body if isinstance(item, ast.EnterDef)),
            tuple(item for item in body if isinstance(item, ast.ReenterDef)),
            tuple(item for item in body if isinstance(item, ast.ExitDef)),
            tuple(item for item in body if isinstance(item, ast.StepDef)),
            tuple(item for item in body if isinstance(item, ast.HoldoutDef)),
            annotations,
            span=_span(self.file, meta),
        )

    def quiet(self, meta: Meta, items: list[Token]) -> ast.QuietDef:
        return ast.QuietDef(self._clock(items[0]), self._clock(items[1]), _span(self.file, meta))

    def cap_calendar(self, meta: Meta, items: list[Token]) -> str:
        word = UNITS.get(items[0].value, items[0].value)
        if word not in ("day", "week"):
            self._problem(
                "E0205",
                f"a cap is counted per day, per week or per a span, not per '{items[0].value}'",
                items[0],
                "e.g. cap push 1 per day, cap all 3 per 7 days",
            )
            return "day"
        return str(word)

    def cap_rolling(self, meta: Meta, items: list[Token]) -> ast.Duration:
        return self.duration(meta, items)

    def cap(self, meta: Meta, items: list[Any]) -> ast.CapDef:
        channel, limit, per = items
        return ast.CapDef(channel.value, str(limit.value), per, _span(self.file, meta))

    def priority(self, meta: Meta, items: list[Token]) -> ast.PriorityDef:
        return ast.PriorityDef(
            tuple(item.value for item in items),
            tuple(_span(self.file, item) for item in items),
            _span(self.file, meta),
        )

    def policy_def(self, meta: Meta, items: list[Any]) -> ast.PolicyDef:
        annotations, body = _split_annotations(items)
        return ast.PolicyDef(
            tuple(item for item in body if isinstance(item, ast.QuietDef)),
            tuple(item for item in body if isinstance(item, ast.CapDef)),
            tuple(item for item in body if isinstance(item, ast.PriorityDef)),
            annotations,
            span=_span(self.file, meta),
        )

    # ------------------------------------------------------------- reports
    def dimension(self, meta: Meta, items: list[Token]) -> ast.Dimension:
        if len(items) == 2:
            return ast.Dimension(items[0].value, items[1].value, _span(self.file, meta))
        return ast.Dimension(None, items[0].value, _span(self.file, meta))

    def funnel_within(self, meta: Meta, items: list[Any]) -> _Timing:
        return _Timing("within", items[0], _span(self.file, meta))

    def funnel_by(self, meta: Meta, items: list[Any]) -> _Timing:
        return _Timing("by", (items[0], False), _span(self.file, meta))

    def funnel_by_entry(self, meta: Meta, items: list[Token]) -> _Timing:
        column = ast.Dimension(items[0].value, items[1].value, _span(self.file, meta))
        return _Timing("by", (column, True), _span(self.file, meta))

    def step_window(self, meta: Meta, items: list[Any]) -> _Timing:
        return _Timing("within", items[0], _span(self.file, meta))

    def funnel_step(self, meta: Meta, items: list[Any]) -> ast.FunnelStep:
        within = items[2].value if len(items) > 2 else None
        return ast.FunnelStep(items[0].value, items[1], within, _span(self.file, meta))

    def funnel_def(self, meta: Meta, items: list[Any]) -> ast.FunnelDef:
        annotations, rest = _split_annotations(items)
        title, body = _take_title(rest[1:])
        options, repeated = _first_of_each([i for i in body if isinstance(i, _Timing)])
        by, by_entry = options.get("by", (None, False))
        return ast.FunnelDef(
            rest[0].value,
            title,
            options.get("within"),
            by,
            by_entry,
            tuple(item for item in body if isinstance(item, ast.FunnelStep)),
            annotations,
            span=_span(self.file, meta),
            repeated=repeated,
        )

    def cohort_any(self, meta: Meta, items: list[Any]) -> _Timing:
        return _Timing("cohort", (items[0], False), _span(self.file, meta))

    def cohort_first(self, meta: Meta, items: list[Any]) -> _Timing:
        return _Timing("cohort", (items[0], True), _span(self.file, meta))

    def retention_return(self, meta: Meta, items: list[Any]) -> _Timing:
        return _Timing("return", items[0], _span(self.file, meta))

    def retention_by(self, meta: Meta, items: list[Token]) -> _Timing:
        word = UNITS.get(items[0].value, items[0].value)
        if word not in PERIODS:
            self._problem(
                "E0205",
                f"retention is counted by day, week or month, not by '{items[0].value}'",
                items[0],
                *did_you_mean(items[0].value, PERIODS),
                "e.g. by week",
            )
            word = "day"
        return _Timing("by", word, _span(self.file, meta))

    def retention_periods(self, meta: Meta, items: list[Token]) -> _Timing:
        hint = "e.g. periods 7: the seven periods after the cohort's"
        count = self._whole_number(items[0], "'periods'", hint)
        return _Timing("periods", count, _span(self.file, items[0]))

    def retention_rolling(self, meta: Meta, items: list[Any]) -> _Timing:
        return _Timing("rolling", True, _span(self.file, meta))

    def retention_on_or_after(self, meta: Meta, items: list[Any]) -> _Timing:
        return _Timing("on or after", True, _span(self.file, meta))

    def retention_def(self, meta: Meta, items: list[Any]) -> ast.RetentionDef:
        annotations, rest = _split_annotations(items)
        title, body = _take_title(rest[1:])
        options, repeated = _first_of_each(body)
        cohort, first = options.get("cohort", (None, False))
        periods = next((i for i in body if i.clause == "periods"), None)
        return ast.RetentionDef(
            rest[0].value,
            title,
            cohort,
            first,
            options.get("return"),
            options.get("by"),
            options.get("periods"),
            bool(options.get("rolling", False)),
            bool(options.get("on or after", False)),
            annotations,
            span=_span(self.file, meta),
            periods_span=periods.span if periods is not None else NO_SPAN,
            repeated=repeated,
        )

    def metric_def(self, meta: Meta, items: list[Any]) -> ast.MetricDef:
        return ast.MetricDef(items[0].value, items[1], _span(self.file, meta))

    def report_by(self, meta: Meta, items: list[ast.Dimension]) -> _Dimensions:
        return _Dimensions(tuple(items))

    def report_def(self, meta: Meta, items: list[Any]) -> ast.ReportDef:
        annotations, rest = _split_annotations(items)
        title, body = _take_title(rest[1:])
        over: Token = body[0]
        windows = (ast.LastWindow, ast.AgoWindow, ast.SinceWindow)
        window: ast.Window | None = next((i for i in body if isinstance(i, windows)), None)
        return ast.ReportDef(
            rest[0].value,
            title,
            over.value,
            next((i.expr for i in body if isinstance(i, _Where)), None),
            window,
            next((i.items for i in body if isinstance(i, _Dimensions)), ()),
            tuple(i for i in body if isinstance(i, ast.MetricDef)),
            annotations,
            span=_span(self.file, meta),
            over_span=_span(self.file, over),
        )

    def population(self, meta: Meta, items: list[Any]) -> _Timing:
        return _Timing("population", items[0], _span(self.file, meta))

    def experiment_salt(self, meta: Meta, items: list[Token]) -> _Timing:
        return _Timing("salt", self._string(items[0]), _span(self.file, meta))

    def arm(self, meta: Meta, items: list[Token]) -> ast.ArmDef:
        name, number, sign = items
        return ast.ArmDef(name.value, self._percent(number, sign), _span(self.file, meta))

    def experiment_metric(self, meta: Meta, items: list[ast.MetricDef]) -> ast.MetricDef:
        return replace(items[0], span=_span(self.file, meta))

    def experiment_def(self, meta: Meta, items: list[Any]) -> ast.ExperimentDef:
        annotations, rest = _split_annotations(items)
        title, body = _take_title(rest[1:])
        timings = [i for i in body if isinstance(i, _Timing)]
        options, repeated = _first_of_each(timings)
        salt = next((t for t in timings if t.clause == "salt"), None)
        return ast.ExperimentDef(
            rest[0].value,
            title,
            options.get("population"),
            options.get("salt"),
            tuple(i for i in body if isinstance(i, ast.ArmDef)),
            tuple(i for i in body if isinstance(i, ast.MetricDef)),
            annotations,
            span=_span(self.file, meta),
            repeated=repeated,
            salt_span=salt.span if salt is not None else NO_SPAN,
        )

    # ------------------------------------------------------------- alerts
    def percent(self, meta: Meta, items: list[Token]) -> ast.PercentLit:
        return ast.PercentLit(items[0].value[:-1], _span(self.file, meta))

    def _layer_argument(self, name: str, meta: Meta, items: list[Token]) -> _Timing:
        """`from "a"` / `to "b"` in an alert call: the layer as a string literal."""
        value = ast.StringLit(self._string(items[0]), _span(self.file, items[0]))
        return _Timing(name, value, _span(self.file, meta))

    def arg_from(self, meta: Meta, items: list[Token]) -> _Timing:
        return self._layer_argument("from", meta, items)

    def arg_to(self, meta: Meta, items: list[Token]) -> _Timing:
        return self._layer_argument("to", meta, items)

    def arg_over(self, meta: Meta, items: list[ast.Duration]) -> _Timing:
        return _Timing("over", items[0], _span(self.file, meta))

    def alert_call(self, meta: Meta, items: list[Any]) -> ast.AlertCall:
        name: Token = items[0]
        named, repeated = _first_of_each([i for i in items[1:] if isinstance(i, _Timing)])
        return ast.AlertCall(
            name.value,
            tuple(i for i in items[1:] if not isinstance(i, _Timing)),
            named.get("from"),
            named.get("to"),
            named.get("over"),
            _span(self.file, meta),
            repeated,
        )

    def alert_cooldown(self, meta: Meta, items: list[ast.Duration]) -> _Timing:
        return _Timing("cooldown", items[0], _span(self.file, meta))

    def alert_repeat(self, meta: Meta, items: list[ast.Duration]) -> _Timing:
        return _Timing("repeat every", items[0], _span(self.file, meta))

    def alert_def(self, meta: Meta, items: list[Any]) -> ast.AlertDef:
        annotations, rest = _split_annotations(items)
        title, body = _take_title(rest[1:])
        options, repeated = _first_of_each([i for i in body[1:] if isinstance(i, _Timing)])
        return ast.AlertDef(
            rest[0].value,
            title,
            body[0],
            options.get("cooldown"),
            options.get("repeat every"),
            annotations,
            span=_span(self.file, meta),
            repeated=repeated,
        )

    def program(self, meta: Meta, items: list[ast.Statement]) -> tuple[ast.Statement, ...]:
        return tuple(items)


class _Where:
    def __init__(self, expr: ast.Expr) -> None:
        self.expr = expr


@dataclass(frozen=True)
class _Option:
    """A source option: `as KIND`, `created C`, `zone Z`, `valid from A to B`."""

    name: str
    value: str
    token: Token
    extra: str | None = None


@dataclass(frozen=True)
class _Kind:
    kind: str
    key: str | None
    user: str | None
    time: str | None
    options: dict[str, _Option]


@dataclass(frozen=True)
class _Kinds:
    names: tuple[str, ...]
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class _Shared:
    limit: int | None
    span: Span


@dataclass(frozen=True)
class _Largest:
    limit: int | None
    span: Span


@dataclass(frozen=True)
class _Timing:
    """A step's timing clause: after, within, days (weekend/weekdays), between."""

    clause: str
    value: Any
    span: Span


@dataclass(frozen=True)
class _Payload:
    items: tuple[ast.PayloadItem, ...]


@dataclass(frozen=True)
class _If:
    expr: ast.Expr


@dataclass(frozen=True)
class _Dimensions:
    items: tuple[ast.Dimension, ...]


# a clause's name in a diagnostic where it is not its keyword
_CLAUSE_SHOWN = {"days": "on weekend` / `on weekdays"}


def _first_of_each(options: list[_Timing]) -> tuple[dict[str, Any], tuple[tuple[str, Span], ...]]:
    """Clauses by name, the first of each kind; the repeated ones for the checker."""
    found: dict[str, Any] = {}
    repeated: list[tuple[str, Span]] = []
    for option in options:
        if option.clause in found:
            repeated.append((_CLAUSE_SHOWN.get(option.clause, option.clause), option.span))
        else:
            found[option.clause] = option.value
    return found, tuple(repeated)


class _Else:
    def __init__(self, expr: ast.Expr) -> None:
        self.expr = expr


class _Title:
    def __init__(self, text: str) -> None:
        self.text = text


def _split_annotations(items: list[Any]) -> tuple[tuple[ast.Annotation, ...], list[Any]]:
    count = 0
    while count < len(items) and isinstance(items[count], ast.Annotation):
        count += 1
    return tuple(items[:count]), items[count:]


def _take_title(items: list[Any]) -> tuple[str | None, list[Any]]:
    if items and isinstance(items[0], _Title):
        return items[0].text, items[1:]
    return None, items


# ------------------------------------------------------------------ errors

_READABLE = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": 'a string ("...")',
    "CMP_OP": "a comparison",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*', '/' or '%'",
    "IN_LAST": "'in last'",
    "WINDOW_BETWEEN": "'between N and M <unit> ago'",
    "$END": "the end of the file",
    "CLOCK": "a time of day (HH:MM)",
    "PERCENT": "a percentage (5%)",
}
_EXPRESSION_START = {"NAME", "NUMBER", "STRING", "LPAR", "MINUS", "NOT", "CASE", "TRUE"}
_OPERATORS = {"AND", "OR", "CMP_OP", "ADD_OP", "MUL_OP", "IS", "BETWEEN", "CONTAINS", "IN"}
_STATEMENTS = {"SOURCE", "IDENTITY", "TAG", "SEGMENT", "LAYERING"}
_JOURNEY_STATEMENTS = {"JOURNEY", "HOLDOUT", "POLICY"}
_REPORT_STATEMENTS = {"FUNNEL", "RETENTION", "REPORT", "EXPERIMENT", "ALERT"}
_DEFINITION_WORDS = {
    word.lower() for word in _STATEMENTS | _JOURNEY_STATEMENTS | _REPORT_STATEMENTS
}
_JOURNEY_CLAUSES = {"enter", "reenter", "exit", "step"}
_JOURNEY_ITEMS = {word.upper() for word in _JOURNEY_CLAUSES} | {"HOLDOUT"}
_POLICY_CLAUSES = {"quiet", "cap", "priority"}
_AFTER_CHANNEL = re.compile(r"\bsend\s+\w+\s*$")
_AFTER_ARM = re.compile(r"\barm\s+\w+\s+[\d.eE+-]+\s*$")
_AFTER_COUNT = re.compile(r"\b(after|within|per|over|cooldown|every|in last)\s+\d+\s*$")
_AFTER_FROM_OR_TO = re.compile(r"\b(from|to)\s*$")
_SPACED_PERCENT = re.compile(r"\d\s+%\s*$")
_PERCENT_BEFORE = re.compile(r"\d%(?:\s+\w+)?\s*$")  # `50%` or `50% and`, up to the error
_GLUED_PERCENT = re.compile(r"\d%([A-Za-z_]\w*)\s*$")  # `5%cooldown`: a remainder
# a tag, segment, layering or report: where '%' is only the remainder
_IN_VALUE_STATEMENT = re.compile(r"(?:^|\n)(?:tag|segment|layering|report)\b(?:(?!\n\S).)*\Z", re.S)
_ANNOTATIONS = frozenset({"description", "category", "owner", "kind"})
# the text before a token lies in an alert: the last statement that starts a line is one
_IN_ALERT = re.compile(r"(?:^|\n)alert\b(?:(?!\n\S).)*\Z", re.S)


def _terminal_text(name: str) -> str:
    if name in _READABLE:
        return _READABLE[name]
    terminals = {t.name: t for t in _lark().terminals}
    term = terminals.get(name)
    if term is not None and term.pattern.type == "str":
        return f"'{term.pattern.value}'"
    return name.lower()


def _expected_words(expected: set[str]) -> str:
    words: list[str] = []
    remaining = set(expected)
    if len(_EXPRESSION_START & remaining) >= 4:
        words.append("an expression")
        remaining -= _EXPRESSION_START | {"FALSE", "NULL", "NOW", "TODAY", "DATE", "TIMESTAMP"}
        remaining -= {"PERCENT"}  # in an alert's condition
    if len(_OPERATORS & remaining) >= 4:
        words.append("an operator")
        remaining -= _OPERATORS | {"NOT", "STARTS", "ENDS"}
    if remaining == {"MUL_OP"}:  # only after a holdout's share, where '*' and '/' are wrong
        return "'%'"
    if remaining >= _STATEMENTS:
        words.append(
            "a statement (source, identity, tag, segment, layering, journey, holdout, policy, "
            "funnel, retention, report, experiment, alert)"
        )
        remaining -= _STATEMENTS | _JOURNEY_STATEMENTS | _REPORT_STATEMENTS | {"AT"}
    if remaining >= _JOURNEY_ITEMS:
        words.append("a journey clause (enter, reenter, exit, step, holdout)")
        remaining -= _JOURNEY_ITEMS | {"AT"}
    words += sorted(_terminal_text(name) for name in remaining)
    if len(words) > 6:
        words = [*words[:6], "..."]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def _found(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    return f"'{token.value}'"


# marks a Chinese input method types in place of the ASCII ones the language uses
_FULL_WIDTH = {
    "（": "(",
    "）": ")",
    "＝": "=",
    "＜": "<",
    "＞": ">",
    "！": "!",
    "，": ",",
    "：": ":",
    "；": ";",
    "“": '"',
    "”": '"',
    "‘": '"',
    "’": '"',
    "｛": "{",
    "｝": "}",
    "［": "[",
    "］": "]",
    "＋": "+",
    "－": "-",
    "＊": "*",
    "／": "/",
    "％": "%",
    "．": ".",
    "。": ".",
    "、": ",",
    **{chr(0xFF10 + digit): str(digit) for digit in range(10)},  # full-width ０-９
    "\u3000": " ",  # the ideographic space
}

# words of expressions that are keywords only in lower case (`AND`, `True` are names)
LOWER_CASE_KEYWORDS = frozenset(
    {
        *("and", "or", "not", "in", "is", "between", "true", "false", "null", "where"),
        *("case", "when", "then", "else", "end"),
    }
)


def _date_hint(text: str) -> str:
    """What is wrong with a date literal: its form, or a day its month does not have."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return 'write dates as "YYYY-MM-DD"'
    if not 1 <= int(text[5:7]) <= 12:
        return f"there is no month {text[5:7]}"
    return f"{text[:7]} has no day {text[8:]}"


def _token_hints(
    token: Token, expected: set[str], text: str = "", unfinished: bool = False
) -> tuple[str, ...]:
    """The hints of an unexpected token; `unfinished`: reported at the end of the line
    before it, which the token could not continue (_unfinished_line)."""
    value = str(token.value)
    position = len(text) if token.type == "$END" else token.start_pos or 0
    line_before = text[text.rfind("\n", 0, position) + 1 : position]
    if value == "where":
        if re.search(r"\breport\b.*\bover\b", line_before):
            return ("a report's 'where' comes before its window: over S where C in last 30 days",)
        inside = line_before.count("(") > line_before.count(")")
        if inside and re.search(r"\b(in last|since|between|ago)\b", line_before):
            return ("an aggregate's 'where' comes before its window: sum(orders.amount where "
                    "brand == \"x\" in last 30 days)",)  # fmt: skip
        return ("'where' only goes inside an aggregate: count(orders where ...)",)
    if re.match(r"(in last|since|between)\b", value) and line_before.rstrip().endswith(")"):
        return (
            "a window goes inside the aggregate's parentheses: sum(orders.amount in last 90 days)",
        )
    if value == "}" and line_before.split()[-1:] == ["otherwise"]:
        return ("'otherwise' follows the name of its layer: mature otherwise",)
    if value == "with" and " if " in f" {line_before}" and "send" in line_before:
        return ('a step\'s payload comes before its condition: send CH "t" with a, b if C',)
    if value == "-" and expected == {"NUMBER"}:
        return ("a duration, a weight, a share or a count is never negative: e.g. after 2 days",)
    found = (
        _quote_in_string_hint(position, text)
        or _alert_hints(expected, text[:position])
        or _percent_hints(text[:position])
        or _annotation_hints(token, expected)
        or _journey_hints(token, expected, text[:position], unfinished)
        or _glued_hint(token, text)
    )
    if found:
        return found
    line_start = text.rfind("\n", 0, position) + 1
    before = text[line_start:position].split()
    # `a >= 3 and or a < 1`: `or` was taken as a name (keywords are names elsewhere), so
    # the unexpected token is the one after it
    if len(before) >= 2 and before[-1] in ("and", "or") and before[-2] in ("and", "or", "not"):
        return (
            f"'{before[-1]}' right after '{before[-2]}' is read as a name: an operand is "
            f"missing between them, e.g. a >= 3 {before[-2]} b {before[-1]} c",
        )
    # `tag a = 1 +` then `tag b = ...`: the second `tag` was taken as an operand, and
    # its name is the unexpected token (a keyword read as such expects a name next)
    if len(before) == 1 and line_start > 0 and "NAME" not in expected:
        what = "clause" if before[0] in _JOURNEY_CLAUSES else "definition"
        if before[0] in _DEFINITION_WORDS | _JOURNEY_CLAUSES:
            return (f"'{before[0]}' is read as a name here: the {what} before it looks incomplete",)
    if value.lower() in LOWER_CASE_KEYWORDS and value != value.lower():
        return (f"keywords are lower case: write '{value.lower()}'",)
    if value == "=" and "CMP_OP" in expected:
        return ("use '==' to compare",)
    if value == "=" and token.type == "EQUAL" and expected == {"LBRACE"}:
        return ("a block opens with '{' right after its name and title: journey NAME \"title\" {",)
    if before == ["metric"] and expected == {"EQUAL"}:  # `metric n = count()` in a report
        return (
            "a report's metric is NAME = aggregate(...); `metric NAME = ...` is an experiment's",
        )
    if value == "=" and token.type == "EQUAL" and "EQUAL" not in expected:
        return ("'=' only follows the name in a definition; compare with '=='",)
    # `in last 180 by channel`: the keyword after the count was read as its unit
    if (
        len(before) >= 2
        and before[-2].isdigit()
        and before[-1] not in UNITS
        and "NAME" not in expected
    ):
        return (
            f"'{before[-1]}' is read as the unit of {before[-2]}: a window or duration needs its "
            f"unit, e.g. in last {before[-2]} days",
        )
    # `step clicked: where name == "x"`: the source was left out, so `where` became it
    if len(before) >= 2 and before[-1] == "where" and before[-2].endswith(":"):
        return ("a step names its source first: step NAME: events where ...",)
    if value.endswith("：") or text[position + len(value) : position + len(value) + 1] == "：":
        return ("'：' is a Chinese input method's mark: write ':' (a time of day is 22:00)",)
    misspelt = _misspelt_keyword(token, expected)
    if misspelt:
        return misspelt
    keyword_in_place_of_name = "NAME" in expected and token.type not in {"NAME", "$END"}
    if keyword_in_place_of_name and value.isidentifier():
        return (f"'{value}' is a keyword here; choose another name",)
    statement = token.type in _STATEMENTS | _JOURNEY_STATEMENTS | _REPORT_STATEMENTS
    if statement and expected & (_OPERATORS | _EXPRESSION_START):
        return ("the previous definition is incomplete",)
    if statement and "RBRACE" in expected:
        return (f"the block before '{value}' is not closed: end it with '}}'",)
    return (_syntax_hint(token, expected, unfinished),)


def _misspelt_keyword(token: Token, expected: set[str]) -> tuple[str, ...]:
    """`stpe`, `funel`, `cohrot`: a name where only keywords fit, one or two letters off one
    of them."""
    if token.type != "NAME" or "NAME" in expected:
        return ()
    words = [_terminal_text(name).strip("'") for name in expected]
    keywords = [w for w in words if w.isidentifier() and w.lower() == w and len(w) >= 3]
    return tuple(did_you_mean(str(token.value), keywords))


def _syntax_hint(token: Token | None, expected: set[str], unfinished: bool = False) -> str:
    """The hint of a syntax error no more particular hint fits."""
    value = str(token.value) if token is not None else ""
    if token is not None and token.type == "CMP_OP" and "AND" in expected:
        return f"comparisons do not chain: join two with 'and', e.g. 1 {value} x and x {value} 5"
    if expected == {"RPAR"}:
        return "a '(' before this is not closed: close it with ')'"
    if "RPAR" in expected and token is not None and token.type in _STATEMENTS:
        which = "this" if unfinished else "the previous"
        return f"{which} statement is incomplete: is a '(' of it not closed?"
    if token is not None and token.type == "$END":
        return "the last statement is incomplete: finish it, or remove it"
    if expected == {"NAME"}:
        return "a name goes here: letters, digits and '_', not starting with a digit"
    if expected & _STATEMENTS:
        return (
            "each statement starts with its keyword: source, tag NAME = ..., segment NAME "
            "= ..., layering NAME { ... }, journey, funnel, ...; comments start with '#' "
            "(docs/language.md)"
        )
    if len(expected) == 1:
        return f"write {_expected_words(expected)} here (docs/language.md shows the form)"
    return "docs/language.md shows the form of each statement and expression"


def _quote_in_string_hint(position: int, text: str) -> tuple[str, ...]:
    """`"crm."users""`, `"say "hi""`: a word glued to the end of a string is most likely
    the rest of it, after a quote meant inside it."""
    if position <= 0 or position >= len(text) or text[position - 1] != '"':
        return ()
    if not _wordlike(text[position]):
        return ()
    line = text[text.rfind("\n", 0, position) + 1 : position]
    # the strings and comments of the line before it, as the comment scan reads them
    closes_a_string = any(
        m.end() == len(line) and m.group(0).startswith('"') for m in _COMMENT_SCAN.finditer(line)
    )
    if not closes_a_string:  # that quote opens a string, or is in a comment
        return ()
    return ('is this \'"\' meant inside the string? write it \\": "say \\"hi\\""',)


def _glued_hint(token: Token, text: str) -> tuple[str, ...]:
    """`on weekends`: the lexer took the keyword `weekend` from the front of the word and
    rejected the rest, so the unexpected token is the word's tail."""
    start = token.start_pos or 0
    if token.type == "$END" or start == 0 or not str(token.value)[:1].isalnum():
        return ()
    head_start = start
    while head_start > 0 and _wordlike(text[head_start - 1]):
        head_start -= 1
    head, tail = text[head_start:start], str(token.value)
    if not head:
        return ()
    if head.isdigit():
        return (f"put a space between '{head}' and '{tail}'",)
    return (f"'{head}{tail}' is read as '{head}' followed by '{tail}': did you mean '{head}'?",)


def _alert_hints(expected: set[str], before: str) -> tuple[str, ...]:
    """Hints for an alert's condition; `before` is the text up to the unexpected token."""
    if not _IN_ALERT.search(before):
        return ()
    if expected == {"STRING"} and (match := _AFTER_FROM_OR_TO.search(before)):
        return (f'name the layer as a string: {match.group(1)} "hf_lv"',)
    if _SPACED_PERCENT.search(before) and "PERCENT" in expected:
        return ("a percentage is written without a space before '%': 5%",)
    if glued := _GLUED_PERCENT.search(before):
        return (f"put a space after '%': 5% {glued.group(1)}",)
    return ()


def _percent_hints(before: str) -> tuple[str, ...]:
    """`x > 50%` outside an alert (in a tag, segment, layering or report: _alert_hints came
    first): '%' is the remainder there, so the next word became its operand and the error
    comes a word later."""
    if _PERCENT_BEFORE.search(before) and _IN_VALUE_STATEMENT.search(before):
        return (
            "a percentage is written only in an alert's condition; elsewhere write the "
            "fraction (0.5 for 50%) or '%' as the remainder between two numbers (x % 2)",
        )
    return ()


def _annotation_hints(token: Token, expected: set[str]) -> tuple[str, ...]:
    """`description "..."` after a definition: metadata are annotations before it."""
    value = str(token.value)
    if token.type == "NAME" and value in _ANNOTATIONS and expected & _STATEMENTS:
        return (
            f"a description, category, owner or kind is an annotation on the line before the "
            f'definition: @{value} "..." then tag NAME = ... (docs/language.md)',
        )
    return ()


def _journey_hints(
    token: Token, expected: set[str], before: str, unfinished: bool = False
) -> tuple[str, ...]:
    """Hints for the journey and policy syntax; `before` is the text up to the token. A
    clause word after an unfinished line is inside its block: the hint is to finish the
    line, not that the word belongs in a block."""
    value = str(token.value)
    if expected == {"MUL_OP"} and _AFTER_ARM.search(before):
        return ("an arm's weight is a percentage: arm NAME 45%",)
    if expected == {"MUL_OP"}:
        return ('a holdout\'s share is a percentage: holdout NAME 5% salt "..."',)
    if expected == {"SEND"}:
        return ('a step ends in a message: step NAME ...: send CHANNEL "template"',)
    if expected == {"STRING"} and _AFTER_CHANNEL.search(before):
        return ('name the template after the channel: send push "template_name"',)
    if expected == {"NAME"} and _AFTER_COUNT.search(before):
        return ("a duration needs a unit: minutes, hours, days or weeks (e.g. after 7 days)",)
    if token.type != value.upper():  # not read as a keyword: a name, a number, ...
        return ()
    if value in _JOURNEY_CLAUSES and "STEP" not in expected:
        block = "a journey: journey NAME { ... }"
    elif value in _POLICY_CLAUSES and "CAP" not in expected:
        block = "the policy: policy { ... }"
    else:
        return ()
    return (_UNFINISHED_HINT,) if unfinished else (f"'{value}' only goes inside {block}",)


def _syntax_diagnostic(err: UnexpectedInput, text: str, file: str) -> Diagnostic:
    line, column = err.line, err.column
    if isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream or 0
        char = text[pos] if pos < len(text) else ""
        span = Span(file, line, column, line, column + 1, pos, pos + 1)
        hints: tuple[str, ...] = ()
        if char == "'":
            hints = ('strings are written in double quotes: "Beijing"',)
        elif char == '"':
            return Diagnostic(
                "E0203",
                "unterminated string",
                span,
                ('close the string with " on the same line',),
            )
        elif char in "&|!":
            hints = ("use 'and', 'or', 'not' and '!='",)
        elif char == ";":
            hints = ("statements need no ';'",)
        elif char in BIDI_CONTROLS:
            hints = (_BIDI_HINT,)
        elif char == "^":
            hints = ("there is no power operator: multiply, e.g. x * x",)
        elif char in _FULL_WIDTH:
            ascii_mark = _FULL_WIDTH[char]
            what = "a full-width digit" if ascii_mark.isdigit() else "a Chinese input method's mark"
            if char == "\u3000":
                what, ascii_mark = "a full-width space", " "
            hints = (f"'{char}' is {what}: write '{ascii_mark}'",)
        elif char.isprintable():
            hints = (f"'{char}' has no meaning outside a string or a comment (after '#')",)
        else:
            hints = ("remove this invisible character (it may come from a copy and paste)",)
        shown = repr(char)[1:-1] if char else "end of file"
        return Diagnostic("E0201", f"unexpected character '{shown}'", span, hints)
    if isinstance(err, UnexpectedToken):
        token = err.token
        expected = set(err.accepts or err.expected)
        if token.type == "$END":
            lines = _content_lines(text)
            line, column = len(lines), len(lines[-1]) + 1
            span = Span(file, line, column, line, column + 1, len(text), len(text))
        else:
            span = _span(file, token)
        unfinished = _unfinished_line(token, expected, text, file)
        hints = _token_hints(token, expected, text, unfinished is not None)
        if unfinished is not None:  # `reenter` alone, then the next clause's `exit`
            message = f"the line ends too early; expected {_expected_words(expected)}"
            return Diagnostic("E0202", message, unfinished, hints)
        message = f"unexpected {_found(token)}; expected {_expected_words(expected)}"
        return Diagnostic("E0202", message, span, hints)
    if isinstance(err, UnexpectedEOF):
        lines = _content_lines(text)
        span = Span(file, len(lines), len(lines[-1]) + 1, len(lines), len(lines[-1]) + 2)
        expected_words = _expected_words(set(err.expected))
        hint = "the last statement is incomplete: finish it, or remove it"
        message = f"unexpected end of file; expected {expected_words}"
        return Diagnostic("E0202", message, span, (hint,))
    hint = _syntax_hint(None, set())
    return Diagnostic("E0202", "syntax error", Span(file, line, column, line, column + 1), (hint,))


_UNFINISHED_HINT = "finish this line: the rules read on at the next line, where this went wrong"
# what may come where one clause or statement has ended and the next begins: with none of
# them expected, the parser was in the middle of a clause
_BETWEEN_CLAUSES = (
    {"RBRACE", "STEP", "METRIC", "ARM", "DIMENSION", "LAYER", "OTHERWISE"}
    | _STATEMENTS
    | _JOURNEY_STATEMENTS
    | _REPORT_STATEMENTS
    | _JOURNEY_ITEMS
)


def _unfinished_line(token: Token, expected: set[str], text: str, file: str) -> Span | None:
    """Where an unfinished line ends, when the unexpected token is the first on its line
    and the parser was in the middle of a clause: `reenter` left without `after 90 days`
    is reported at the end of its own line, not at the next clause's first word."""
    if token.type in ("$END", "RBRACE") or expected & _BETWEEN_CLAUSES:
        return None  # the end, or a block closed: `layering tier {` then `}` (empty)
    start = token.start_pos or 0
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        return None  # something before it on its own line
    code = _without_comments(text[:line_start])
    end = len(code.rstrip())
    if end == 0 or code[end - 1] == "{":  # a block opened: its first line went wrong
        return None
    line = code.count("\n", 0, end) + 1
    column = end - (code.rfind("\n", 0, end) + 1) + 1
    return Span(file, line, column, line, column + 1, end, end + 1)


def _glued_diagnostic(err: _GluedWords, file: str, text: str) -> Diagnostic:
    first, second = err.first, err.second
    span = Span(
        file,
        first.line or 0,
        first.column or 0,
        second.end_line or 0,
        second.end_column or 0,
        first.start_pos or 0,
        second.end_pos or 0,
    )
    hints = _quote_in_string_hint(first.start_pos or 0, text)
    if not hints and str(first.value).isdigit() and str(second.value)[:1] in ("_", "x", "X"):
        # `1_000`, `0x10`: number forms of other languages, not two words
        hints = ("numbers are written in decimal digits only: no '_' between them, no hex",)
    hints = hints or (f"put a space between '{first.value}' and '{second.value}'",)
    return Diagnostic("E0202", f"unexpected '{first.value}{second.value}'", span, hints)


# ------------------------------------------------------------------ comments

_COMMENT_SCAN = re.compile(r'"(?:[^"\\\n]|\\[^\n])*"|#[^\n]*')


def _comments(text: str) -> list[tuple[int, int, str]]:
    """(line, column, text) of each comment; strings are skipped so '#' in them is not one.
    The text is what follows '#' less the one space that usually parts it from it and
    any trailing whitespace: indentation inside it (commented-out rules) is kept."""
    found: list[tuple[int, int, str]] = []
    line, counted = 1, 0  # newlines counted up to `counted`: each comment counts on from there
    for match in _COMMENT_SCAN.finditer(text):
        if match.group(0).startswith("#"):
            line += text.count("\n", counted, match.start())
            counted = match.start()
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            body = match.group(0)[1:].rstrip()
            found.append((line, column, body[1:] if body.startswith(" ") else body))
    return found


def _without_comments(text: str) -> str:
    """The text with its comments taken out (strings kept: '#' in them is no comment)."""
    return _COMMENT_SCAN.sub(lambda m: "" if m.group(0).startswith("#") else m.group(0), text)


def code_of(text: str) -> tuple[str, ...]:
    """The lines of code of a statement's text, each without its comment and whitespace."""
    bare = _without_comments(text)
    squeezed = (re.sub(r"\s+", "", line) for line in source_lines(bare))
    return tuple(line for line in squeezed if line)


def _content_lines(text: str) -> list[str]:
    """The file's lines, without the empty piece after a final newline (where the
    end-of-file position is reported)."""
    lines = source_lines(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def _header_comments(statements: tuple[ast.Statement, ...], text: str) -> tuple[str, ...]:
    """The file's opening comment block, when a blank line parts it from what follows."""
    if not statements:
        return ()
    found = _comments(text)
    first_line = statements[0].span.line
    lines = source_lines(text)
    header: list[str] = []
    expected = 1
    for line, _, body in found:
        if line != expected or line >= first_line:
            break
        header.append(body)
        expected += 1
    if not header or expected > len(lines) or lines[expected - 1].strip():
        return ()
    return tuple(header)


def _code_lines(lines: list[str], comments: list[tuple[int, int, str]]) -> set[int]:
    """The numbers of the lines that hold code (something before any comment)."""
    starts = {line: column for line, column, _ in comments}
    found: set[int] = set()
    for number, content in enumerate(lines, start=1):
        if number in starts:
            content = content[: starts[number] - 1]
        if content.strip():
            found.add(number)
    return found


class _Places:
    """Where each comment stands relative to its statement, over the file's lines (each
    statement's code read once, however many comments it holds)."""

    def __init__(self, text: str, lines: list[str], comments: list[tuple[int, int, str]]):
        self.text = text
        self.lines = lines
        self.code = _code_lines(lines, comments)
        self._written: dict[int, tuple[str, ...]] = {}  # id of a statement -> its code_of

    def of(self, stmt: ast.Statement, line: int) -> ast.CommentPlace | ast.CommentBefore | None:
        """Where a comment at `line` stands inside the statement (before it:
        CommentBefore when a blank line follows it, else None)."""
        span = stmt.span
        if line < span.line:
            following = self.lines[line] if line < len(self.lines) else ""
            return ast.CommentBefore() if not following.strip() else None
        if line > span.end_line:
            return None
        numbers = [n for n in range(span.line, span.end_line + 1) if n in self.code]
        written = self._written.get(id(stmt))
        if written is None:
            written = self._written[id(stmt)] = code_of(self.text[span.start : span.end])
        return ast.CommentPlace(bisect.bisect_left(numbers, line), line in self.code, written)


def _column_noted(stmt: ast.SourceDef, line: int, column: int, lines: list[str]) -> int | None:
    """The column definition a comment at (line, column) follows on its line: the last
    one before it, with nothing but spaces between (`{ a: string }  # x` is not a's)."""
    before = [
        (c.span.end_column, k)
        for k, c in enumerate(stmt.columns)
        if c.span.end_line == line and c.span.end_column <= column
    ]
    if not before:
        return None
    end, index = max(before)
    content = lines[line - 1]
    return index if not content[end - 1 : column - 1].strip() else None


def _attach_comments(
    statements: tuple[ast.Statement, ...], text: str, skip: int = 0
) -> tuple[tuple[ast.Statement, ...], tuple[str, ...], tuple[int, ...]]:
    """Comments before or inside a statement belong to it (with where inside it each one
    stood, for `segl fmt`); a comment after a column definition on the same line stays
    with that column; the rest trail the file (with the indexes of those after a blank
    line: only blank lines can part them)."""
    comments = _comments(text)
    lines = source_lines(text)
    where = _Places(text, lines, comments)
    leading: dict[int, list[str]] = {i: [] for i in range(len(statements))}
    places: dict[int, list[ast.CommentPlace | ast.CommentBefore | None]] = {
        i: [] for i in range(len(statements))
    }
    column_notes: dict[tuple[int, int], str] = {}
    trailing: list[str] = []
    breaks: list[int] = []
    last_trailing = None
    for line, column, body in comments[skip:]:
        owner = next((i for i, s in enumerate(statements) if s.span.end_line >= line), None)
        if owner is None:
            if last_trailing is not None and line > last_trailing + 1:
                breaks.append(len(trailing))
            trailing.append(body)
            last_trailing = line
            continue
        stmt = statements[owner]
        if isinstance(stmt, ast.SourceDef):
            col_index = _column_noted(stmt, line, column, lines)
            if col_index is not None:
                column_notes[(owner, col_index)] = body
                continue
        leading[owner].append(body)
        places[owner].append(where.of(stmt, line))
    result: list[ast.Statement] = []
    for index, stmt in enumerate(statements):
        if isinstance(stmt, ast.SourceDef):
            columns = tuple(
                replace(col, comment=column_notes.get((index, k)))
                for k, col in enumerate(stmt.columns)
            )
            stmt = replace(stmt, columns=columns)
        result.append(replace(stmt, comments=tuple(leading[index]), places=tuple(places[index])))
    return tuple(result), tuple(trailing), tuple(breaks)


# ------------------------------------------------------------------ bidi controls

MAX_BIDI_WARNINGS = 50  # per file
_BIDI_HINT = (
    'it can make the line look different from how segl reads it ("Trojan Source"); '
    "delete it (inside a string it is allowed)"
)
_BIDI_SCAN = re.compile(r'"(?:[^"\\\n]|\\[^\n])*"|#[^\n]*|[' + "".join(sorted(BIDI_CONTROLS)) + "]")


def bidi_warnings(text: str, file: str = "<input>") -> list[Diagnostic]:
    """W0005 for each bidirectional control character (U+202A-U+202E, U+2066-U+2069,
    U+200E, U+200F, U+061C) outside a string literal: in a comment or in the code,
    where it can reorder what a reader sees. Inside strings they are data and allowed
    (diagnostics show them as <U+202E>). At most MAX_BIDI_WARNINGS per file.

    Independent of parsing, so a caller reports them also for a file that does not
    parse (a bidi character in the code is then also the E0201 syntax error)."""
    found: list[Diagnostic] = []
    line, line_start = 1, 0  # counted incrementally: a file may hold many hits
    for match in _BIDI_SCAN.finditer(text):
        chunk = match.group(0)
        if chunk.startswith('"'):
            continue
        where = "in a comment" if chunk.startswith("#") else "outside a string"
        for offset, char in enumerate(chunk):
            if char not in BIDI_CONTROLS:
                continue
            pos = match.start() + offset
            line += text.count("\n", line_start, pos)
            line_start = text.rfind("\n", 0, pos) + 1
            column = pos - line_start + 1
            name = unicodedata.name(char, "")
            found.append(
                Diagnostic(
                    "W0005",
                    f"bidirectional control character U+{ord(char):04X} ({name}) {where}",
                    Span(file, line, column, line, column + 1, pos, pos + 1),
                    (_BIDI_HINT,),
                    Severity.WARNING,
                )
            )
            if len(found) >= MAX_BIDI_WARNINGS:
                return found
    return found


# ------------------------------------------------------------------ entry points


def _too_deep(expr: ast.Expr, file: str) -> Diagnostic | None:
    hint = "split it into several tags or segments"
    if ast.depth(expr) > MAX_DEPTH:
        message = f"expression is nested more than {MAX_DEPTH} levels deep"
        hint += " (each operator of a chain like a + b + c is a level)"
    elif ast.longest_chain(expr) > MAX_CHAIN:
        message = f"more than {MAX_CHAIN} conditions joined by one 'and'/'or' chain"
    else:
        return None
    return Diagnostic("E0205", message, getattr(expr, "span", None), (hint,))


def _statement_exprs(stmt: ast.Statement) -> list[ast.Expr]:
    if isinstance(stmt, ast.TagDef | ast.SegmentDef):
        return [stmt.expr]
    if isinstance(stmt, ast.LayeringDef):
        return [layer.condition for layer in stmt.layers if layer.condition is not None]
    if isinstance(stmt, ast.JourneyDef):
        return ast.journey_exprs(stmt)
    if isinstance(stmt, ast.FunnelDef | ast.RetentionDef | ast.ReportDef | ast.ExperimentDef):
        return ast.report_exprs(stmt)
    if isinstance(stmt, ast.AlertDef):
        return [stmt.condition]
    return []


def _build(tree: Tree[Token], file: str) -> Any:
    builder = _Builder(file)
    try:
        result = builder.transform(tree)
    except VisitError as err:  # pragma: no cover - the builder collects its problems
        raise err.orig_exc from None
    if builder.problems:
        raise DiagnosticError(builder.problems)
    return result


def parse_program(text: str, file: str = "<input>") -> ast.Program:
    """Parse a whole rule file; raises DiagnosticError with syntax diagnostics."""
    with collector_paused():
        return _parse_program(text, file)


def _parse_program(text: str, file: str) -> ast.Program:
    try:
        tree = _lark().parse(text, start="program")
    except UnexpectedInput as err:
        raise DiagnosticError([_syntax_diagnostic(err, text, file)]) from None
    except _GluedWords as err:
        raise DiagnosticError([_glued_diagnostic(err, file, text)]) from None
    statements: tuple[ast.Statement, ...] = _build(tree, file)
    deep = [d for s in statements for e in _statement_exprs(s) if (d := _too_deep(e, file))]
    if deep:
        raise DiagnosticError(deep)
    header = _header_comments(statements, text)
    statements, trailing, breaks = _attach_comments(statements, text, skip=len(header))
    return ast.Program(file, statements, trailing, header, breaks)


def parse_expr(text: str, file: str = "<expr>") -> ast.Expr:
    """Parse one expression (tests, the REPL-style `segl debug` and tools)."""
    try:
        tree = _lark().parse(text, start="expr")
    except UnexpectedInput as err:
        raise DiagnosticError([_syntax_diagnostic(err, text, file)]) from None
    except _GluedWords as err:
        raise DiagnosticError([_glued_diagnostic(err, file, text)]) from None
    expr: ast.Expr = _build(tree, file)
    problem = _too_deep(expr, file)
    if problem:
        raise DiagnosticError([problem])
    return expr

"""One diagnostic type for every stage, and its text, JSON and GitHub renderings."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum


@dataclass(frozen=True, order=True)
class Span:
    """A region of a source file; lines and columns are 1-based, offsets 0-based."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int = 0
    end: int = 0


NO_SPAN = Span("<none>", 0, 0, 0, 0)
MAX_SHOWN = 200  # characters of a source line (and its caret) shown under a diagnostic
LEAD = 60  # characters shown before a span that starts past MAX_SHOWN


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    hints: tuple[str, ...] = ()
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def location(self) -> str:
        if self.span is None or self.span is NO_SPAN:
            return ""
        return f"{self.span.file}:{self.span.line}:{self.span.column}: "


@dataclass
class DiagnosticError(Exception):
    """Raised when a stage cannot go on; carries every problem found so far."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"{d.location()}{d.code} {d.message}" for d in self.diagnostics)


def source_lines(text: str) -> list[str]:
    """The lines of a rule file as the lexer counts them: split at "\n" only (a "\r", a
    form feed or a record separator inside a comment is not a line break), without the
    "\r" of a Windows line ending."""
    return [line.removesuffix("\r") for line in text.split("\n")]


# Bidirectional controls: they reorder how a line is displayed ("Trojan Source").
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Never written raw to a terminal or a CI log: C0 controls (tab aside), DEL, C1 controls
# (ESC and CSI start escape sequences), line/paragraph separators, bidi controls, and the
# zero-width characters a name can hide (the caret would point at nothing visible; the
# joiner U+200D is left alone: emoji are made with it)
_UNSAFE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u200b\u200c\u2060\ufeff"
    + "".join(sorted(BIDI_CONTROLS))
    + "]"
)

_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029" + "".join(sorted(BIDI_CONTROLS)) + "]")


def shown_char(char: str) -> str:
    """How one character is shown: as itself, or as `<U+001B>` when it is unsafe."""
    return f"<U+{ord(char):04X}>" if _UNSAFE.fullmatch(char) else char


def visible(text: str, keep: str = "") -> str:
    """`text` with every unsafe character (control, bidi) written as `<U+XXXX>`, so it
    can be printed; the characters of `keep` (e.g. "\\n") stay as they are."""
    return _UNSAFE.sub(lambda m: m.group(0) if m.group(0) in keep else shown_char(m.group(0)), text)


def _width(char: str) -> int:
    """Terminal cells of a character as render_text shows it."""
    if _UNSAFE.fullmatch(char):
        return len(shown_char(char))
    if unicodedata.combining(char):
        return 0  # an accent drawn on the character before it
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _caret_line(source_line: str, span: Span) -> str:
    """Underline the span on its first line. Tabs are kept, wide (CJK) characters count
    twice and escaped ones as wide as `<U+XXXX>`, so the carets sit under the text in a
    terminal."""
    start = max(span.column - 1, 0)
    end = span.end_column - 1 if span.end_line == span.line else len(source_line)
    underlined = source_line[start:end] or " "
    prefix = "".join(ch if ch == "\t" else " " * _width(ch) for ch in source_line[:start])
    return prefix + "^" * max(sum(_width(ch) for ch in underlined), 1)


def _narrower_than(text: str, limit: int) -> bool:
    """Whether `text` takes fewer than `limit` terminal cells (measured up to the limit)."""
    cells = 0
    for char in text:
        cells += _width(char)
        if cells >= limit:
            return False
    return True


def _excerpt(source_line: str, span: Span) -> tuple[str, str]:
    """The source line and its caret line, each cut to MAX_SHOWN characters. When the span
    starts further right than that, the line's head is cut instead (shown as `…`), so the
    caret stays in view with LEAD characters before it. A line shown whole is never cut
    (escaped control characters make a short line wide)."""
    start = max(span.column - 1, 0)
    # only the MAX_SHOWN characters shown are measured and escaped: a line of 10^5
    # characters with thousands of diagnostics was quadratic
    whole = len(source_line) <= MAX_SHOWN and len(visible(source_line, "\t")) <= MAX_SHOWN
    if whole or _narrower_than(source_line[:start], MAX_SHOWN - LEAD):
        line = source_line[:MAX_SHOWN]
        shown, caret = visible(line, "\t"), _caret_line(line, span)
        return shown[:MAX_SHOWN], caret[:MAX_SHOWN]
    skip = start - LEAD
    end_column = span.end_column - skip if span.end_line == span.line else span.end_column
    shifted = replace(span, column=span.column - skip, end_column=end_column)
    tail = source_line[skip : skip + MAX_SHOWN]
    shown, caret = visible(tail, "\t"), _caret_line(tail, shifted)
    return "…" + shown[: MAX_SHOWN - 1], " " + caret[: MAX_SHOWN - 1]


def render_text(diagnostics: Sequence[Diagnostic], sources: Mapping[str, str]) -> str:
    """`file:line:col: CODE message`, the source line, a caret under the span, hints.
    Control and bidi characters are shown as `<U+XXXX>`, never written raw."""
    blocks: list[str] = []
    split: dict[str, list[str]] = {}  # each file split once, however many diagnostics
    for diag in diagnostics:
        label = "" if diag.is_error else "warning: "
        # a newline in a file's name is escaped too: it would start a forged diagnostic
        lines = [visible(diag.location()) + visible(f"{diag.code} {label}{diag.message}", "\t\n")]
        text = sources.get(diag.span.file) if diag.span else None
        if diag.span is not None and text is not None and diag.span.line > 0:
            if diag.span.file not in split:
                split[diag.span.file] = source_lines(text)
            lines_of_file = split[diag.span.file]
            if diag.span.line <= len(lines_of_file):
                shown, caret = _excerpt(lines_of_file[diag.span.line - 1], diag.span)
                lines += [f"    {shown}", f"    {caret}"]
        lines.extend("  hint: " + visible(hint, "\t\n") for hint in diag.hints)
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def _as_dict(diag: Diagnostic) -> dict[str, object]:
    span = diag.span
    return {
        "code": diag.code,
        "severity": diag.severity.value,
        "message": diag.message,
        "file": span.file if span else None,
        "line": span.line if span else None,
        "column": span.column if span else None,
        "end_line": span.end_line if span else None,
        "end_column": span.end_column if span else None,
        "hints": list(diag.hints),
    }


def render_json(diagnostics: Sequence[Diagnostic], counts: Mapping[str, int] | None = None) -> str:
    """One JSON document; `counts` (what a project defines, given when it checked clean)
    is added under "counts"."""
    errors = sum(1 for d in diagnostics if d.is_error)
    payload: dict[str, object] = {
        "ok": errors == 0,
        "errors": errors,
        "warnings": len(diagnostics) - errors,
        "diagnostics": [_as_dict(d) for d in diagnostics],
    }
    if counts is not None:
        payload["counts"] = dict(counts)
    # json escapes C0 controls itself (newlines outside strings are its layout); DEL, C1,
    # separators and bidi controls it leaves raw: escape them, the data stays the same
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def _github_escape(text: str, *, property_value: bool = False) -> str:
    # GitHub decodes only %25, %0D, %0A (and %3A, %2C in properties): other control and
    # bidi characters are shown as <U+XXXX> (an ESC would reach the log viewer)
    text = visible(text, "\r\n\t")
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(diagnostics: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands: one annotation per diagnostic."""
    out: list[str] = []
    for diag in diagnostics:
        kind = "error" if diag.is_error else "warning"
        props = [f"title={_github_escape(diag.code, property_value=True)}"]
        if diag.span is not None and diag.span is not NO_SPAN:
            span = diag.span
            props = [
                f"file={_github_escape(visible(span.file), property_value=True)}",
                f"line={span.line}",
                f"col={span.column}",
                f"endLine={span.end_line}",
                f"endColumn={span.end_column}",
                *props,
            ]
        message = diag.message + "".join(f"\nhint: {h}" for h in diag.hints)
        out.append(f"::{kind} {','.join(props)}::{_github_escape(message)}")
    return "\n".join(out)


def did_you_mean(name: str, candidates: Iterable[str]) -> tuple[str, ...]:
    """A 'did you mean' hint for the closest known names, if any is close."""
    pool = sorted(set(candidates))
    same_looking = _same_looking(name, pool)
    if same_looking is not None:
        return (
            f"'{same_looking}' looks the same but is written with other Unicode characters "
            "(an accent composed in one, combined in the other): type the name again",
        )
    close = closest(name, pool)
    return (f"did you mean '{close}'?",) if close is not None else ()


def name_hint(name: str, candidates: Iterable[str], what: str, shown: int = 8) -> tuple[str, ...]:
    """did_you_mean, or, when no known name is close, the known ones (`what`: "columns of
    source 'users'"): a hint either way."""
    close = did_you_mean(name, candidates)
    if close:
        return close
    pool = list(dict.fromkeys(candidates))
    if not pool:
        return ()
    more = f" and {len(pool) - shown:,} more" if len(pool) > shown else ""
    return (f"{what}: {', '.join(pool[:shown])}{more}",)


def _same_looking(name: str, pool: Sequence[str]) -> str | None:
    """A known name equal to `name` but for its Unicode normal form (`café` typed as é or
    as e + U+0301): a did-you-mean would show two names that look alike."""
    normal = unicodedata.normalize("NFC", name)
    return next((c for c in pool if c != name and unicodedata.normalize("NFC", c) == normal), None)


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The known name closest to `name`, if any is close."""
    import difflib

    pool = sorted(set(candidates))
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in pool}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    if not close and len(name) <= 3:
        # two characters with one wrong score 0.5 (新人 for 新客): one edit is close there
        close = [c for c in pool if _one_edit_apart(name, c)][:1]
    return close[0] if close else None


def _one_edit_apart(a: str, b: str) -> bool:
    """One character replaced, added or removed (and not the whole of a 1-letter name)."""
    if a == b or abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 1 or len(a) + len(b) < 3:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))

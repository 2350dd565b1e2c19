"""One diagnostic type for every stage, and its text, JSON and GitHub renderings."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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


def _width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _caret_line(source_line: str, span: Span) -> str:
    """Underline the span on its first line. Tabs are kept and wide (CJK) characters
    count twice, so the carets sit under the text in a terminal."""
    start = max(span.column - 1, 0)
    end = span.end_column - 1 if span.end_line == span.line else len(source_line)
    underlined = source_line[start:end] or " "
    prefix = "".join(ch if ch == "\t" else " " * _width(ch) for ch in source_line[:start])
    return prefix + "^" * max(sum(_width(ch) for ch in underlined), 1)


def render_text(diagnostics: Sequence[Diagnostic], sources: Mapping[str, str]) -> str:
    """`file:line:col: CODE message`, the source line, a caret under the span, hints."""
    blocks: list[str] = []
    for diag in diagnostics:
        label = "" if diag.is_error else "warning: "
        lines = [f"{diag.location()}{diag.code} {label}{diag.message}"]
        text = sources.get(diag.span.file) if diag.span else None
        if diag.span is not None and text is not None and diag.span.line > 0:
            lines_of_file = source_lines(text)
            if diag.span.line <= len(lines_of_file):
                source_line = lines_of_file[diag.span.line - 1]
                lines.append(f"    {source_line[:MAX_SHOWN]}")
                lines.append(f"    {_caret_line(source_line, diag.span)[:MAX_SHOWN]}")
        lines.extend(f"  hint: {hint}" for hint in diag.hints)
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


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.is_error)
    payload = {
        "ok": errors == 0,
        "errors": errors,
        "warnings": len(diagnostics) - errors,
        "diagnostics": [_as_dict(d) for d in diagnostics],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)


def _github_escape(text: str, *, property_value: bool = False) -> str:
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
                f"file={_github_escape(span.file, property_value=True)}",
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
    import difflib

    pool = sorted(set(candidates))
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in pool}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    return (f"did you mean '{close[0]}'?",) if close else ()

"""Plain-text tables for the terminal, aligned for wide (CJK) characters."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING

from segl.compiler.timeutil import wall_text

if TYPE_CHECKING:
    from segl.runtime.run import RunSummary


# characters a terminal acts on or that hide in a line: controls (ESC starts a colour or
# a window title, CR and LF forge lines), line separators, bidi and zero-width marks; the
# joiner U+200D is left alone, as in diagnostics: emoji are made with it
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b\u200c\u200e\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` with what a terminal would act on written as escapes (`\\x1b`, `\\n`,
    `\\u202e`): a warehouse value printed in a table never moves the cursor, colours
    the screen, sets the window title or forges a line."""
    return _UNPRINTABLE.sub(lambda m: _escape(m.group()), text)


def _escape(char: str) -> str:
    code = ord(char)
    return _ESCAPES.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


def format_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], right: Collection[int] = ()
) -> str:
    """Columns of numbers (and the columns of the indexes `right`, say user keys given as
    their digits) are aligned right, the others left."""
    cells = [[_cell(v) for v in row] for row in rows]
    numeric = [
        i in right
        or (
            all(isinstance(row[i], int | float) or str(row[i]).endswith("%") for row in rows)
            if rows
            else False
        )
        for i in range(len(headers))
    ]
    widths = [
        max([display_width(printable(h)), *(display_width(r[i]) for r in cells)])
        for i, h in enumerate(headers)
    ]
    headers = [printable(h) for h in headers]
    line = "  ".join(_pad(h, w, n) for h, w, n in zip(headers, widths, numeric, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = [
        "  ".join(_pad(c, w, n) for c, w, n in zip(row, widths, numeric, strict=True))
        for row in cells
    ]
    return "\n".join(text.rstrip() for text in [line, rule, *body])


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if not value.is_integer() else f"{int(value):,}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return printable(str(value))


def share(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def plural(count: int, word: str, words: str | None = None) -> str:
    """`1 segment`, `2 segments`, `1,000 users` (`words`: an irregular plural)."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def _ordered(names: Iterable[str], order: Sequence[str] | None) -> list[str]:
    """`names` in `order` (names not in it last, as they came)."""
    listed = list(names)
    if order is None:
        return listed
    rank = {name: index for index, name in enumerate(order)}
    return sorted(listed, key=lambda name: rank.get(name, len(rank)))


def summary_text(summary: RunSummary, order: Sequence[str] | None = None) -> str:
    """A run's segment sizes and layer distributions as readable tables; segments and
    layerings in `order` (their names as written in the rule files, see
    LoadedProject.in_file_order), else as the summary lists them."""
    lines = [
        f"{summary.project}: as of {wall_text(summary.as_of)}, "
        f"{plural(summary.users, 'user')}, {plural(summary.tags, 'tag')}, "
        f"{summary.seconds:.2f} s",
        "",
    ]
    if summary.identity is not None:
        found = summary.identity
        lines[-1:-1] = [
            f"identity: {plural(found.ids, 'ID')} in {plural(found.links, 'link')} make "
            f"{plural(found.persons, 'person')} ({plural(found.rounds, 'round')}); "
            f"{plural(found.shared, 'shared ID')} left out"
        ]
    if summary.segment_sizes:
        sizes = summary.segment_sizes
        rows = [
            (name, sizes[name], share(sizes[name], summary.users))
            for name in _ordered(sizes, order)
        ]
        lines += [format_table(["segment", "members", "share"], rows), ""]
    for layering in _ordered(summary.layer_counts, order):
        counts = summary.layer_counts[layering]
        rows = [(layer, n, share(n, summary.users)) for layer, n in counts.items()]
        lines += [format_table([layering, "users", "share"], rows), ""]
    lines += _journey_lines(summary)
    if summary.alerts is not None:
        from segl.runtime.alerts import summary_lines

        lines += summary_lines(summary.alerts)
    return "\n".join(lines).rstrip() + "\n"


JOURNEY_COLUMNS = ("sent", "skipped", "expired", "capped", "held_out")


def _journey_lines(summary: RunSummary) -> list[str]:
    if summary.journeys is None:
        return []
    decided_to = summary.journeys_decided_to
    if summary.journeys_skipped and decided_to is not None and decided_to > summary.as_of:
        # a run ahead of this one (a mistyped --as-of?) stops every run until its as-of
        later = wall_text(decided_to)
        return [f"journeys: already decided up to {later}: no run decides any before then", ""]
    if summary.journeys_skipped:
        return ["journeys: already decided up to this as-of (a later run decides more)", ""]
    rows = [
        (name, stats.entries, stats.exits, *(stats.statuses.get(s, 0) for s in JOURNEY_COLUMNS))
        for name, stats in summary.journeys.items()
    ]
    headers = ["journey", "entries", "exits", *JOURNEY_COLUMNS]
    merged = [
        f"journey {name}: {plural(stats.merged, 'active entry', 'active entries')} of merged "
        "persons ended (the earliest of each person's stays)"
        for name, stats in summary.journeys.items()
        if stats.merged
    ]
    return [format_table(headers, rows), *merged, ""]

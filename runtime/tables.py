"""Plain-text tables for the terminal, aligned for wide (CJK) characters."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from segl.runtime.run import RunSummary


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    numeric = [
        all(isinstance(row[i], int | float) or str(row[i]).endswith("%") for row in rows)
        if rows
        else False
        for i in range(len(headers))
    ]
    widths = [
        max([display_width(h), *(display_width(r[i]) for r in cells)])
        for i, h in enumerate(headers)
    ]
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
    return str(value)


def share(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def summary_text(summary: RunSummary) -> str:
    """A run's segment sizes and layer distributions as readable tables."""
    lines = [
        f"{summary.project}: as of {summary.as_of:%Y-%m-%d %H:%M:%S}, {summary.users:,} users, "
        f"{summary.tags} tags, {summary.seconds:.2f} s",
        "",
    ]
    if summary.segment_sizes:
        rows = [
            (name, size, share(size, summary.users)) for name, size in summary.segment_sizes.items()
        ]
        lines += [format_table(["segment", "members", "share"], rows), ""]
    for layering, counts in summary.layer_counts.items():
        rows = [(layer, n, share(n, summary.users)) for layer, n in counts.items()]
        lines += [format_table([layering, "users", "share"], rows), ""]
    return "\n".join(lines).rstrip() + "\n"

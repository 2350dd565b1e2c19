"""The checked form of alerts (SPEC §2.9, §3.7): conditions over the stored history.

An alert's condition is a small tree of its own, not a per-user expression: its leaves
are numbers read from a run's stored results (a segment's size, a layer's share, the
share of a layer's users who moved to another, a report's value) or the change of such a
number against a reference run. A run at as-of `T` computes every leaf (`runtime/
alert_values.py` on an engine, `runtime/reference/migration.py` in Python) and then
evaluates the tree in Python with SQL's three-valued logic (`compiler/alerts/evaluate.py`).

The reference run of a leaf with `over D` is the latest stored run of the project with
`as_of <= T - D`; without one the leaf is unknown, and so is the alert, whatever the rest
of its condition says (SPEC §3.7). `D` is a fixed length, or whole calendar months
(`Months`: month-over-month comparisons of monthly runs, which no number of days gives).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from segl.compiler.ops import ArithOp, CompareOp, LogicOp
from segl.compiler.timeutil import TimeRangeError, earlier, shift_months
from segl.dsl.diagnostics import NO_SPAN, Span

NEW = "(new)"  # users in the universe at T who were not at the reference run
LEFT = "(left)"  # users of the reference run no longer in the universe at T
NONE = "(none)"  # users of the universe in no layer of the layering (no `otherwise`)


# ---------------------------------------------------------------- `over D`


@dataclass(frozen=True)
class Months:
    """`over N months` (a year: 12): calendar months back on the project's wall clock,
    clamped to the month's last day (T = Mar 31, 1 month: Feb 28), as tags' `in last N
    months` count. With runs on the 1st of each month, `over 1 month` compares each with
    the previous month's, where 30 days would skip back two months on March 1st."""

    count: int


Over = dt.timedelta | Months
SHORTEST_MONTH = dt.timedelta(days=28)


def before(as_of: dt.datetime, over: Over) -> dt.datetime | None:
    """T - D, the latest as-of a reference run may have; None when T - D falls before the
    year 1: no run is that old (not the year 1's first instant, which a run may have)."""
    if not isinstance(over, Months):
        return earlier(as_of, over)
    try:
        return shift_months(as_of, -over.count)
    except TimeRangeError:
        return None


def shortest(over: Over) -> dt.timedelta:
    """The least time `over` spans (months: 28 days each), for comparing with a cadence."""
    return SHORTEST_MONTH * over.count if isinstance(over, Months) else over


# ---------------------------------------------------------------- leaves: numbers of a run


@dataclass(frozen=True)
class Users:
    """`users()`: the universe's size at T."""


@dataclass(frozen=True)
class Size:
    """`size(SEGMENT)`: the segment's members at T; `size(L, "layer")`: the layer's users."""

    segment: str | None = None
    layering: str | None = None
    layer: str | None = None


@dataclass(frozen=True)
class Share:
    """`share(L, "layer")`: the layer's users at T over the universe's (null when empty)."""

    layering: str
    layer: str


@dataclass(frozen=True)
class Moved:
    """`moved(L, from "a", to "b", over D)`: among the users in layer `a` at the reference
    run, the share in layer `b` at T. Users who left the universe count in the denominator;
    `to "(left)"` is their share. Null when no user was in `a`."""

    layering: str
    origin: str  # a layer of L
    destination: str  # a layer of L, or LEFT
    over: Over


@dataclass(frozen=True)
class ReportValue:
    """A number of a funnel's or a retention's result computed at T (and kept in the report
    results): a funnel's conversion from its first step to `step` (its last when None), in
    its total group; a retention's share retained at `period` of its latest cohort whose
    cell is complete."""

    report: str
    kind: str  # "funnel" | "retention"
    step: str | None = None  # a funnel's step
    period: int | None = None  # a retention's period (1 = the first after the cohort's)


Number = Users | Size | Share | ReportValue


@dataclass(frozen=True)
class Change:
    """`change(x, over D)`: (x(T) - x(R)) / x(R) against the reference run R; null when
    x(R) is 0 or null."""

    value: Number
    over: Over


Leaf = Number | Moved | Change


# ---------------------------------------------------------------- the condition tree


@dataclass(frozen=True)
class Const:
    value: float  # `5%` is 0.05


@dataclass(frozen=True)
class Arith:
    op: ArithOp
    left: AlertExpr
    right: AlertExpr


@dataclass(frozen=True)
class Neg:
    operand: AlertExpr


@dataclass(frozen=True)
class Compare:
    op: CompareOp
    left: AlertExpr
    right: AlertExpr


@dataclass(frozen=True)
class Logic:
    op: LogicOp
    left: AlertExpr
    right: AlertExpr


@dataclass(frozen=True)
class Not:
    operand: AlertExpr


AlertExpr = Leaf | Const | Arith | Neg | Compare | Logic | Not


@dataclass(frozen=True)
class Alert:
    """`alert NAME ["title"] = CONDITION [cooldown D] [repeat every D]`.

    The value and threshold kept in the alert history are the two sides of the condition
    when it is one comparison (`moved(...) > 5%`: the share and 0.05), else null."""

    name: str
    title: str | None
    condition: AlertExpr
    cooldown: dt.timedelta | None = None  # a new firing this soon after a notification: none
    repeat: dt.timedelta | None = None  # while firing, notify again this often
    meta: tuple[tuple[str, str], ...] = ()
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class LayerMove:
    """A journey's `enter on moved(L, from "a", to "b")`: the users in layer `a` at the
    run before and in `b` at this run enter, at the run's as-of."""

    layering: str
    origin: str
    destination: str


@dataclass(frozen=True)
class Alerts:
    alerts: tuple[Alert, ...] = ()

    def alert(self, name: str) -> Alert:
        return next(a for a in self.alerts if a.name == name)


def leaves(expr: AlertExpr) -> list[Leaf]:
    """Every leaf of a condition, each once, in the order written."""
    found: list[Leaf] = []

    def visit(node: AlertExpr) -> None:
        match node:
            case Const():
                return
            case Arith(left=a, right=b) | Compare(left=a, right=b) | Logic(left=a, right=b):
                visit(a)
                visit(b)
            case Neg(operand=o) | Not(operand=o):
                visit(o)
            case _:
                if node not in found:
                    found.append(node)

    visit(expr)
    return found

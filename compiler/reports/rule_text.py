"""Checked conditions and event matches as rule text (`segl fmt`'s layout), for what a
report states about itself: the footers of the HTML report (runtime/report_html.py)."""

from __future__ import annotations

import datetime as dt

from segl.compiler import ir
from segl.compiler.ops import WindowKind
from segl.compiler.reports import model
from segl.dsl import ast
from segl.dsl.formatter import format_expr

UNPRINTABLE = "(a condition that cannot be printed)"


def condition_text(expr: ir.Expr) -> str:
    """A checked condition as rule text, on one line, as `segl fmt` writes it.

    The checked model keeps conditions as typed IR, not as written, so the condition is
    turned back into the syntax tree it was checked from and printed by the formatter
    (`format_expr`). The IR is that tree with names resolved; only `x between a and b`
    comes back as `x >= a and x <= b`, which is what the checker reads it as. Columns of
    the event source a filter is over are written bare (`name`), and qualified inside an
    aggregate's value, which they name the source of (`sum(orders.amount in last 30 days)`).
    """
    try:
        text = format_expr(_syntax(expr, qualify=False))
    except ValueError:  # a node no rule text holds (not in a checked project)
        return UNPRINTABLE
    return " ".join(line.strip() for line in text.splitlines())  # a multi-line `case`


def weights_text(experiment: model.Experiment) -> str:
    """The arms with their declared weights, in order: `control 10%, ten_off 90%`."""
    return ", ".join(f"{arm.name} {arm.weight:.0%}" for arm in experiment.arms)


def event_text(match: model.EventMatch) -> str:
    """The rows of an event source as a funnel step or a retention clause writes them:
    `events where name == "visit"`, or `orders` without a filter."""
    if match.filter is None:
        return match.source
    return f"{match.source} where {condition_text(match.filter)}"


def _number_syntax(number: float) -> ast.Expr:
    if number < 0:
        return ast.Unary("-", _number_syntax(-number))
    if number.is_integer() and number < 2**53:
        return ast.NumberLit(str(int(number)))
    return ast.NumberLit(repr(number))  # 0.1, 1e+20: the shortest text of the double


def _literal_syntax(value: ir.LiteralValue) -> ast.Expr:
    if value is None:
        return ast.NullLit()
    if isinstance(value, bool):
        return ast.BoolLit(value)
    if isinstance(value, dt.datetime):
        return ast.TimestampLit(value.isoformat(sep=" "))
    if isinstance(value, dt.date):
        return ast.DateLit(value.isoformat())
    if isinstance(value, int | float):
        return _number_syntax(float(value))
    return ast.StringLit(value)


def _window_syntax(window: ir.Window | None) -> ast.Window | None:
    if window is None:
        return None
    unit = str(window.unit.value)
    if window.kind is WindowKind.LAST:
        return ast.LastWindow(window.start_count, unit)
    if window.kind is WindowKind.AGO:
        return ast.AgoWindow(window.start_count, window.end_count, unit)
    if window.kind is WindowKind.TODAY:
        return ast.SinceWindow(ast.Today())
    since = window.since
    if since is None:
        raise ValueError("a `since` window without its instant")
    if since.time() == dt.time():
        return ast.SinceWindow(ast.DateLit(since.date().isoformat()))
    return ast.SinceWindow(ast.TimestampLit(since.isoformat(sep=" ")))


def _syntax(expr: ir.Expr, qualify: bool) -> ast.Expr:
    """The syntax tree `expr` was checked from; `qualify`: event columns as
    `source.column` (inside an aggregate's value)."""
    match expr:
        case ir.Literal(value=value):
            return _literal_syntax(value)
        case ir.AsOf():
            return ast.Now()
        case ir.AsOfDate():
            return ast.Today()
        case ir.ProfileColumn(source=source, column=column):
            return ast.ColumnRef(source, column)
        case ir.EventColumn(source=source, column=column):
            return ast.ColumnRef(source, column) if qualify else ast.Name(column)
        case ir.TagRef(name=name) | ir.SegmentRef(name=name) | ir.LayeringRef(name=name):
            return ast.Name(name)
        case ir.Aggregate(func=func, source=source, value=value, filter=flt, window=window):
            arg = ast.Name(source) if value is None else _syntax(value, qualify=True)
            where = None if flt is None else _syntax(flt, qualify=False)
            return ast.Call(func, (arg,), where, _window_syntax(window))
        case ir.Not(operand=operand):
            return ast.Unary("not", _syntax(operand, qualify))
        case ir.Neg(operand=operand):
            return ast.Unary("-", _syntax(operand, qualify))
        case ir.Logic(op=op, left=left, right=right):
            return ast.Binary(op.value, _syntax(left, qualify), _syntax(right, qualify))
        case ir.Compare(op=op, left=left, right=right):
            return ast.Binary(op.value, _syntax(left, qualify), _syntax(right, qualify))
        case ir.Arith(op=op, left=left, right=right):
            return ast.Binary(op.value, _syntax(left, qualify), _syntax(right, qualify))
        case ir.InList(operand=operand, items=items, negated=negated):
            listed = tuple(_syntax(item, qualify) for item in items)
            return ast.InList(_syntax(operand, qualify), listed, negated)
        case ir.IsNull(operand=operand, negated=negated):
            return ast.IsNull(_syntax(operand, qualify), negated)
        case ir.StrMatch(op=op, left=left, right=right):
            return ast.StringMatch(op.value, _syntax(left, qualify), _syntax(right, qualify))
        case ir.Func(name=name, args=args):
            return ast.Call(name, tuple(_syntax(arg, qualify) for arg in args))
        case ir.Case(whens=whens, otherwise=otherwise):
            branches = tuple(
                ast.When(_syntax(when, qualify), _syntax(then, qualify)) for when, then in whens
            )
            rest = None if otherwise is None else _syntax(otherwise, qualify)
            return ast.Case(branches, rest)
    raise ValueError(f"not a condition of rule text: {expr!r}")

"""An alert's condition evaluated over the numbers of one run (SPEC §3.7), in Python.

The leaves (compiler/alerts/model.py) are read from the stored results first, on an
engine (runtime/alert_values.py) or by the reference evaluator; what is left is a small
tree of arithmetic, comparisons and logic, evaluated here with SQL's three-valued logic
(SPEC §3): a null operand makes arithmetic and comparisons null, `and` / `or` are null
only when the other side does not decide them, division (and `%`) by zero is null, and
an operation whose result is NaN (`inf - inf`) is null.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from segl.compiler.alerts.model import (
    AlertExpr,
    Arith,
    Compare,
    Const,
    Leaf,
    Logic,
    Neg,
    Not,
)
from segl.compiler.ops import ArithOp, CompareOp, LogicOp

Value = float | bool | None

_COMPARE: dict[CompareOp, Callable[[float, float], bool]] = {
    CompareOp.EQ: operator.eq,
    CompareOp.NE: operator.ne,
    CompareOp.LT: operator.lt,
    CompareOp.LE: operator.le,
    CompareOp.GT: operator.gt,
    CompareOp.GE: operator.ge,
}


def _arith(op: ArithOp, left: float, right: float) -> float | None:
    if op in (ArithOp.DIV, ArithOp.MOD) and right == 0:
        return None
    if op is ArithOp.ADD:
        result = left + right
    elif op is ArithOp.SUB:
        result = left - right
    elif op is ArithOp.MUL:
        result = left * right
    elif op is ArithOp.DIV:
        result = left / right
    else:
        result = math.fmod(left, right)  # SQL's remainder has the dividend's sign
    return None if math.isnan(result) else result


def _number(value: Value) -> float | None:
    return None if value is None else float(value)


def _logic(op: LogicOp, left: Value, right: Value) -> bool | None:
    """Kleene's and/or: a FALSE decides `and`, a TRUE decides `or`, whatever the other."""
    decisive = op is LogicOp.OR
    if left is decisive or right is decisive:
        return decisive
    if left is None or right is None:
        return None
    return not decisive


def evaluate(expr: AlertExpr, values: Mapping[Leaf, float | None]) -> Value:
    """The value of a condition (or of one of its sides) given every leaf's value."""
    match expr:
        case Const(value=v):
            return v
        case Arith(op=op, left=a, right=b):
            left, right = _number(evaluate(a, values)), _number(evaluate(b, values))
            if left is None or right is None:
                return None
            return _arith(op, left, right)
        case Neg(operand=o):
            inner = _number(evaluate(o, values))
            return None if inner is None else -inner
        case Compare(op=op, left=a, right=b):
            left, right = _number(evaluate(a, values)), _number(evaluate(b, values))
            if left is None or right is None:
                return None
            return _COMPARE[op](left, right)
        case Logic(op=op, left=a, right=b):
            return _logic(op, evaluate(a, values), evaluate(b, values))
        case Not(operand=o):
            inner = evaluate(o, values)
            return None if inner is None else not inner
        case _:
            found = values.get(expr)
            return None if found is None or math.isnan(found) else float(found)


def holds(expr: AlertExpr, values: Mapping[Leaf, float | None]) -> bool | None:
    """The condition's truth: TRUE, FALSE or None (unknown)."""
    result = evaluate(expr, values)
    return None if result is None else bool(result)


@dataclass(frozen=True)
class Sides:
    """The value and the threshold an alert's history keeps (null unless its condition is
    one comparison)."""

    value: float | None
    threshold: float | None


def sides(expr: AlertExpr, values: Mapping[Leaf, float | None]) -> Sides:
    """The two sides of a top-level comparison: the value first, the threshold second. A
    comparison written with its constant first (`5% < moved(...)`) keeps the constant as
    the threshold, so `value` is always the measured side."""
    if not isinstance(expr, Compare):
        return Sides(None, None)
    left, right = expr.left, expr.right
    if isinstance(left, Const) and not isinstance(right, Const):
        left, right = right, left
    return Sides(_number(evaluate(left, values)), _number(evaluate(right, values)))


_MIRRORED = {
    CompareOp.LT: CompareOp.GT,
    CompareOp.LE: CompareOp.GE,
    CompareOp.GT: CompareOp.LT,
    CompareOp.GE: CompareOp.LE,
}


def measured_op(expr: AlertExpr) -> str | None:
    """The comparison between `sides`' value and threshold, as written with the value
    first (`5% < moved(...)` gives `>`); None unless the condition is one comparison."""
    if not isinstance(expr, Compare):
        return None
    if isinstance(expr.left, Const) and not isinstance(expr.right, Const):
        return str(_MIRRORED.get(expr.op, expr.op))
    return str(expr.op)

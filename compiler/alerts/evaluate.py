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
from collections.abc import Mapping
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
from segl.compiler.ops import CompareOp
from segl.compiler.values import LOGIC, arith, compare, kleene_not, negate

Value = float | bool | None


def _number(value: Value) -> float | None:
    return None if value is None else float(value)


def evaluate(expr: AlertExpr, values: Mapping[Leaf, float | None]) -> Value:
    """The value of a condition (or of one of its sides) given every leaf's value, with
    the operators of the reference evaluator (compiler/values.py)."""
    result: Value
    match expr:
        case Const(value=v):
            result = v
        case Arith(op=op, left=a, right=b):
            result = arith(op, evaluate(a, values), evaluate(b, values))
        case Neg(operand=o):
            result = negate(evaluate(o, values))
        case Compare(op=op, left=a, right=b):
            result = compare(op, evaluate(a, values), evaluate(b, values))
        case Logic(op=op, left=a, right=b):
            result = LOGIC[op](evaluate(a, values), evaluate(b, values))
        case Not(operand=o):
            result = kleene_not(evaluate(o, values))
        case _:
            found = values.get(expr)
            result = None if found is None or math.isnan(found) else float(found)
    return result


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
    comparison written with its constant first (`5% < moved(...)`, `1 / 5 < moved(...)`)
    keeps the constant as the threshold, so `value` is always the measured side."""
    if not isinstance(expr, Compare):
        return Sides(None, None)
    left, right = expr.left, expr.right
    if _constant_first(expr):
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
    if _constant_first(expr):
        return str(_MIRRORED.get(expr.op, expr.op))
    return str(expr.op)


def _constant_first(comparison: Compare) -> bool:
    """Whether the comparison is written threshold first: its left side reads no number of
    a run (a constant, or arithmetic of constants: `1 / 5`, `10% * 2`) and its right does."""
    return _is_constant(comparison.left) and not _is_constant(comparison.right)


def _is_constant(expr: AlertExpr) -> bool:
    match expr:
        case Const():
            return True
        case Arith(left=a, right=b):
            return _is_constant(a) and _is_constant(b)
        case Neg(operand=o):
            return _is_constant(o)
    return False

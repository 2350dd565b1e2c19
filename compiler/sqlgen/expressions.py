"""IR expressions to sqlglot trees for one target: one case per IR node; functions and
aggregates come from the registry (compiler/registry.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.ops import ArithOp, CompareOp, LogicOp, StrMatchOp
from segl.compiler.registry import NOT_CONSTANT, NullRule, SqlCall
from segl.compiler.sqlgen.nodes import BALANCED_FROM, _is_null, joined, or_all, paren
from segl.compiler.targets import Target, TargetError
from segl.compiler.types import Type


def _chain(expr: ir.Logic) -> list[ir.Expr]:
    """The operands of a chain of one logical operator (`a or b or c`: a, b, c), found
    without recursion: the parser nests a long chain one level per operand."""
    operands: list[ir.Expr] = []
    pending: list[ir.Expr] = [expr]
    while pending:
        node = pending.pop()
        if isinstance(node, ir.Logic) and node.op is expr.op:
            pending += [node.right, node.left]
        else:
            operands.append(node)
    return operands


@dataclass
class ExprCompiler:
    """IR expressions to sqlglot. `resolve` maps leaves that live in columns
    (profile columns, aggregates, references, event columns) to column refs."""

    target: Target
    as_of: dt.datetime
    resolve: Callable[[ir.Expr], exp.Expression]

    def compile(self, expr: ir.Expr) -> exp.Expression:
        if expr.type is Type.NULL:
            # always null (e.g. -null, a case of nulls, a reference to one): a bare NULL,
            # typed by its context; "-NULL" or "NULL + NULL" cannot pick an operator
            return self.target.null(Type.NULL)
        match expr:
            case ir.Literal(value=value, type=value_type):
                return self.literal(value, value_type)
            case ir.AsOf():
                return self.target.timestamp(self.as_of)
            case ir.AsOfDate():
                return self.target.date(self.as_of.date())
            case (
                ir.ProfileColumn()
                | ir.EventColumn()
                | ir.TagRef()
                | ir.SegmentRef()
                | ir.LayeringRef()
                | ir.Aggregate()
            ):
                return self.resolve(expr)
            case ir.Not(operand=operand):
                return exp.Not(this=paren(self.compile(operand), 4))
            case ir.Neg(operand=operand):
                if _is_null(operand):  # "-NULL": no operator to pick on some engines
                    return self.target.null(expr.type)
                return exp.Neg(this=paren(self.compile(operand), 8))
            case ir.Logic(op=op, left=left, right=right):
                cls, level = (exp.And, 2) if op is LogicOp.AND else (exp.Or, 1)
                operands = _chain(expr)
                if len(operands) >= BALANCED_FROM:  # a long chain: as a balanced tree
                    return joined(cls, [self.compile(o) for o in operands])
                return cls(
                    this=paren(self.compile(left), level),
                    expression=paren(self.compile(right), level, right=True),
                )
            case ir.Compare():
                return self.comparison(expr)
            case ir.Arith():
                return self.arithmetic(expr)
            case ir.InList(operand=operand, items=items, negated=negated):
                kinds = {operand.type, *(item.type for item in items)}
                wanted = Type.TIMESTAMP if Type.TIMESTAMP in kinds else operand.type
                contained = self.target.in_list(
                    paren(self.as_type(operand, self.compile(operand), wanted), 5),
                    [self.as_type(item, self.compile(item), wanted) for item in items],
                )
                return exp.Not(this=exp.Paren(this=contained)) if negated else contained
            case ir.IsNull(operand=operand, negated=negated):
                test = exp.Is(this=paren(self.compile(operand), 5), expression=exp.null())
                return exp.Not(this=exp.Paren(this=test)) if negated else test
            case ir.StrMatch(op=op, left=left, right=right):
                if _is_null(left) or _is_null(right):
                    return self.target.null(Type.BOOL)
                text, part = self.compile(left), self.compile(right)
                tests = {
                    StrMatchOp.CONTAINS: self.target.contains,
                    StrMatchOp.STARTS_WITH: self.target.starts_with,
                    StrMatchOp.ENDS_WITH: self.target.ends_with,
                }
                return tests[op](text, part)
            case ir.Func():
                return self.function(expr)
            case ir.Case(whens=whens, otherwise=otherwise):
                ifs = [
                    # a bare NULL condition is typed: Spark refuses `CASE WHEN NULL`
                    exp.If(
                        this=self.target.null(Type.BOOL)
                        if cond.type is Type.NULL
                        else self.compile(cond),
                        true=self.as_type(value, self.compile(value), expr.type),
                    )
                    for cond, value in whens
                ]
                default = (
                    self.as_type(otherwise, self.compile(otherwise), expr.type)
                    if otherwise is not None
                    else None
                )
                return exp.Case(ifs=ifs, default=default)
        raise TargetError(self.target.name, type(expr).__name__, "not a compilable expression")

    def literal(self, value: ir.LiteralValue, value_type: Type) -> exp.Expression:
        if value is None:
            return self.target.null(value_type)
        if isinstance(value, bool):
            return self.target.boolean(value)
        if isinstance(value, int | float):
            return self.target.number(value)
        if isinstance(value, str):
            return self.target.string(value)
        if isinstance(value, dt.datetime):
            return self.target.timestamp(value)
        return self.target.date(value)

    def as_type(self, expr: ir.Expr, compiled: exp.Expression, wanted: Type) -> exp.Expression:
        """A date where a timestamp is wanted (in lists, case, coalesce): see widen_date."""
        if expr.type is Type.DATE and wanted is Type.TIMESTAMP:
            return self.target.widen_date(compiled)
        return compiled

    def comparable(self, expr: ir.Expr, other: ir.Expr) -> exp.Expression:
        """Dates compared with timestamps count as midnight."""
        compiled = self.compile(expr)
        if expr.type is Type.DATE and other.type is Type.TIMESTAMP:
            return self.target.to_timestamp(compiled)
        return compiled

    def comparison(self, expr: ir.Compare) -> exp.Expression:
        left = paren(self.comparable(expr.left, expr.right), 5)
        right = paren(self.comparable(expr.right, expr.left), 5)
        if expr.op not in (CompareOp.EQ, CompareOp.NE):
            left = self.ordered(left, expr.left.type)
            right = self.ordered(right, expr.right.type)
        built: exp.Expression = COMPARISONS[expr.op](this=left, expression=right)
        return built

    def ordered(self, value: exp.Expression, value_type: Type) -> exp.Expression:
        """Strings in a comparison or an ORDER BY: by code point on every target."""
        return self.target.ordered_text(value) if value_type is Type.STRING else value

    def arithmetic(self, expr: ir.Arith) -> exp.Expression:
        """An operation, with NaN as null once, around the whole tree of arithmetic: NaN
        goes through + - * / % as null does (either way the result is NaN or null), and a
        guard at every level would nest (NULLIF's planning in DuckDB, a copy per level
        elsewhere): exponential in the depth, a sum of 20 tags out of memory."""
        built = self._operation(expr)
        if _is_null(expr.left) or _is_null(expr.right) or not may_give_nan(expr):
            return built
        return self.target.nan_to_null(built)

    def _operation(self, expr: ir.Arith) -> exp.Expression:
        if _is_null(expr.left) or _is_null(expr.right):  # "NULL + NULL" has no operator
            return self.target.null(expr.type)
        level = 5 if expr.op in (ArithOp.ADD, ArithOp.SUB) else 6
        left = paren(self._operand(expr.left), level)
        right = paren(self._operand(expr.right), level, right=True)
        if expr.op is ArithOp.DIV:
            return self.target.divide(left, right)
        if expr.op is ArithOp.MOD:
            return self.target.modulo(left, right)
        if expr.op is ArithOp.MUL and not (_double_in_sql(expr.left) or _double_in_sql(expr.right)):
            left = self.target.cast(left, Type.NUMBER)
        built: exp.Expression = ARITHMETIC[expr.op](this=left, expression=right)
        return built

    def _operand(self, expr: ir.Expr) -> exp.Expression:
        """An operand of an operation: another operation without its own NaN guard."""
        return self._operation(expr) if isinstance(expr, ir.Arith) else self.compile(expr)

    def function(self, expr: ir.Func) -> exp.Expression:
        """A registry function. Functions are null in, null out (coalesce aside): a null
        literal argument folds to a typed null, since engines cannot pick an overload for a
        bare NULL; a builder whose SQL would skip nulls (GREATEST) is guarded."""
        entry = expr.entry
        args = expr.args
        if entry.null_rule is NullRule.FIRST_NON_NULL:
            args = tuple(a for a in args if not _is_null(a))
            if not args:
                return self.target.null(expr.type)
        elif any(_is_null(a) for a in args):
            return self.target.null(expr.type)
        # builders compose their arguments into arithmetic of their own (round scales by
        # 10^digits): an argument that is itself an operation goes in parentheses
        compiled = [paren(self.compile(a)) for a in args]
        call = SqlCall(
            self.target,
            self.as_of,
            compiled,
            [a.type for a in args],
            [a.value if isinstance(a, ir.Literal) else NOT_CONSTANT for a in args],
            expr.type,
        )
        built = entry.builder(self.target)(call)
        if entry.null_rule is NullRule.STRICT and not entry.sql_strict:
            any_null = [exp.Is(this=paren(c.copy(), 5), expression=exp.null()) for c in compiled]
            guard = exp.If(this=or_all(any_null), true=exp.null())
            built = exp.Case(ifs=[guard], default=built)
        result: exp.Expression = built
        return result


COMPARISONS: dict[CompareOp, type[exp.Expression]] = {
    CompareOp.EQ: exp.EQ,
    CompareOp.NE: exp.NEQ,
    CompareOp.LT: exp.LT,
    CompareOp.LE: exp.LTE,
    CompareOp.GT: exp.GT,
    CompareOp.GE: exp.GTE,
}
ARITHMETIC: dict[ArithOp, type[exp.Expression]] = {
    ArithOp.ADD: exp.Add,
    ArithOp.SUB: exp.Sub,
    ArithOp.MUL: exp.Mul,
}


def _double_in_sql(expr: ir.Expr) -> bool:
    """Whether an operand is a double in the SQL already. Numbers are doubles (SPEC §3), but
    a count, an integer literal and some functions are integers in SQL: their product
    overflowed 64 bits (`count(events) * 4000000000 * 4000000000`: an error on DuckDB,
    PostgreSQL and Spark, a wrapped UInt64 on ClickHouse), so a product's left side is
    cast unless a side is a double already: a product or a quotient (cast already, or
    double), or a literal written as a double (Target.number)."""
    match expr:
        case ir.Arith(op=op):
            return op in (ArithOp.MUL, ArithOp.DIV)
        case ir.Literal(value=value):
            return isinstance(value, float) or (isinstance(value, int) and abs(value) >= 2**53)
    return False


# functions whose numbers are small by nature (lengths, counts of days, hours, a bucket)
_BOUNDED_FUNCTIONS = frozenset(
    {"length", "day_of_week", "hour", "days_since", "hours_since", "days_between", "age", "bucket"}
)
_BOUNDED_ROUNDING = frozenset({"abs", "floor", "ceil", "round"})
# literals below this stay far from overflow in the sums and differences a rule computes
_SMALL = 1e300


def bounded(expr: ir.Expr) -> bool:
    """Whether a number is certainly finite and far from overflowing: a small literal, a
    count, a length, an elapsed time, a bucket, or such a value rounded or negated."""
    match expr:
        case ir.Literal(value=value):
            return isinstance(value, int | float) and abs(value) < _SMALL
        case ir.Aggregate(func=func):
            return func in ("count", "count_distinct")
        case ir.Func(name=name, args=args):
            if name in _BOUNDED_ROUNDING:
                return bounded(args[0])
            return name in _BOUNDED_FUNCTIONS
        case ir.Neg(operand=operand):
            return bounded(operand)
    return False


def _nonzero_literal(expr: ir.Expr) -> bool:
    return isinstance(expr, ir.Literal) and bounded(expr) and expr.value != 0


def may_give_nan(expr: ir.Arith) -> bool:
    """Whether the operation or one below it in the same tree of arithmetic may give NaN
    (their results reach it unguarded: ExprCompiler.arithmetic)."""
    below = (side for side in (expr.left, expr.right) if isinstance(side, ir.Arith))
    return not nan_impossible(expr) or any(may_give_nan(side) for side in below)


def nan_impossible(expr: ir.Arith) -> bool:
    """Whether the operation can never give NaN, so needs no guard. Its inputs are never
    NaN (NaN is null), so NaN needs an infinity: inf - inf (both sides infinite), 0 * inf,
    inf / inf (a zero divisor is null already), inf % y."""
    left, right = bounded(expr.left), bounded(expr.right)
    if expr.op is ArithOp.MUL:
        both = left and right
        return both or _nonzero_literal(expr.left) or _nonzero_literal(expr.right)
    if expr.op is ArithOp.MOD:
        return left
    return left or right

"""sqlglot building blocks shared by every SQL generator: quoted names, precedence-aware
parentheses, rendering with unsupported constructs raised (never silently wrong SQL)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlglot
from sqlglot import exp

from segl.compiler import ir
from segl.compiler.targets import Target, TargetError
from segl.compiler.types import Type

USER = "_u"
TIME = "_t"


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.Column(this=ident(name), table=ident(table) if table else None)


def table_ref(name: str, alias: str | None = None) -> exp.Table:
    """A warehouse table; "schema.table" names are split into quoted parts."""
    parts = name.split(".")
    table = exp.Table(this=ident(parts[-1]))
    if len(parts) >= 2:
        table.set("db", ident(parts[-2]))
    if len(parts) >= 3:
        table.set("catalog", ident(".".join(parts[:-2])))
    if alias:
        table.set("alias", exp.TableAlias(this=ident(alias)))
    return table


def cte_ref(name: str, alias: str | None = None) -> exp.Table:
    table = exp.Table(this=ident(name))
    if alias:
        table.set("alias", exp.TableAlias(this=ident(alias)))
    return table


JOIN_KINDS = {"LEFT": {"side": "LEFT"}, "INNER": {"kind": "INNER"}, "CROSS": {"kind": "CROSS"}}


def add_join(
    query: exp.Select, table: exp.Expr, how: str, on: exp.Expr | None = None
) -> exp.Select:
    """`query` joined with `table` (`how`: LEFT, INNER or CROSS), in place. Select.join
    parses its join type as SQL at every call: a simulation builds 10^4 queries."""
    query.append("joins", exp.Join(this=table, on=on, **JOIN_KINDS[how]))
    return query


def subquery(query: exp.Query, alias: str) -> exp.Subquery:
    """`(query) AS alias`, to select from."""
    return exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier(alias)))


def union_all(
    selects: Sequence[exp.Query], most: int | None = None, distinct: bool = False
) -> exp.Query:
    """The rows of every query, UNION ALL (`distinct`: UNION); with `most`, no union joins
    more SELECTs than that (SQLite refuses more than 500): groups of `most`, each read as
    a subquery."""
    if most is not None and len(selects) > most:
        step = range(0, len(selects), most)
        groups = [union_all(selects[i : i + most], distinct=distinct) for i in step]
        star = exp.Star()
        grouped = [
            exp.Select(expressions=[star.copy()]).from_(subquery(group, f"_g{index}"), copy=False)
            for index, group in enumerate(groups)
        ]
        return union_all(grouped, most, distinct)
    result = selects[0]
    for select in selects[1:]:
        result = exp.Union(this=result, expression=select, distinct=distinct)
    return result


def aliased(expr: exp.Expression, name: str) -> exp.Alias:
    return exp.Alias(this=expr, alias=ident(name))


# this many conditions or more are joined as a balanced tree: a chain of 1,000 is as deep
# as SQLite's, DuckDB's and ClickHouse's parsers take (1,000), a balanced one about 50
BALANCED_FROM = 32


def and_all(parts: Sequence[exp.Expression]) -> exp.Expression:
    return joined(exp.And, parts)


def or_all(parts: Sequence[exp.Expression]) -> exp.Expression:
    return joined(exp.Or, parts)


def joined(cls: type[exp.And] | type[exp.Or], parts: Sequence[exp.Expression]) -> exp.Expression:
    """`parts` joined by AND (OR): left to right, as written; from BALANCED_FROM parts on, as
    a tree about log2(n) deep (the same value: both are associative, in three-valued logic
    too), since an engine parses a chain one level per operand."""
    if len(parts) < BALANCED_FROM:
        result = parts[0]
        for part in parts[1:]:
            result = cls(this=result, expression=part)
        return result
    level = PRECEDENCE[cls]
    return _balanced(cls, level, [paren(part, level) for part in parts])


def _balanced(
    cls: type[exp.And] | type[exp.Or], level: int, parts: Sequence[exp.Expression]
) -> exp.Expression:
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return cls(
        this=paren(_balanced(cls, level, parts[:middle]), level),
        expression=paren(_balanced(cls, level, parts[middle:]), level, right=True),
    )


def _is_null(expr: ir.Expr) -> bool:
    """A null literal, or an expression of null type (e.g. a case whose branches are all null)."""
    return expr.type is Type.NULL or (isinstance(expr, ir.Literal) and expr.value is None)


def case_when(condition: exp.Expression, value: exp.Expression) -> exp.Case:
    return exp.Case(ifs=[exp.If(this=condition, true=value)])


PRECEDENCE: dict[type[exp.Expression], int] = {
    exp.Or: 1,
    exp.And: 2,
    exp.Not: 3,
    exp.EQ: 4,
    exp.NEQ: 4,
    exp.LT: 4,
    exp.LTE: 4,
    exp.GT: 4,
    exp.GTE: 4,
    exp.Is: 4,
    exp.In: 4,
    exp.Add: 5,
    exp.Sub: 5,
    exp.Mul: 6,
    exp.Div: 6,
    exp.Mod: 6,
    exp.Neg: 7,
}


def paren(expr: exp.Expression, parent: int = 8, right: bool = False) -> exp.Expression:
    """Parenthesise an operand that binds less tightly than its parent operator
    (sqlglot prints trees as built, so precedence is ours to keep)."""
    own = PRECEDENCE.get(type(expr), 9)
    if own < parent or (right and own == parent):
        return exp.Paren(this=expr)
    return expr


def render(expression: exp.Expression, target: Target, pretty: bool = True) -> str:
    """SQL text for the target; raises TargetError for anything the dialect lacks.
    The tree is rendered without a defensive copy (large plans are costly to copy);
    callers render trees they built for this target only."""
    try:
        return target.before_render(expression).sql(
            dialect=target.dialect,
            pretty=pretty,
            unsupported_level=sqlglot.ErrorLevel.RAISE,
            identify=True,
            copy=False,
        )
    except sqlglot.errors.UnsupportedError as err:
        raise TargetError(target.name, "this project", str(err)) from None

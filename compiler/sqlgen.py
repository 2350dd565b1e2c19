"""Plan to sqlglot expression trees (never SQL text), then to SQL for a target.

Query shape, one CTE per stage so the SQL stays readable:
  ev_<k>   one scan of an event table: user, time, the columns the aggregates read
  evr_<k>  (only with first/last) row numbers per user for the first/last slots
  agg_<k>  one GROUP BY user with a conditional aggregate per slot
  mfc_/mf_ (only with most_frequent) value counts per user, and the winner
  base     the users joined to every aggregate and profile source; empty-history defaults
  lvl_<n>  definitions of dependency level n, over the row of the level before
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from segl.compiler import ir
from segl.compiler.plan import AggregateSlot, EventPass, Plan
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


def aliased(expr: exp.Expression, name: str) -> exp.Alias:
    return exp.Alias(this=expr, alias=ident(name))


def and_all(parts: list[exp.Expression]) -> exp.Expression:
    result = parts[0]
    for part in parts[1:]:
        result = exp.And(this=result, expression=part)
    return result


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
                cls, level = (exp.And, 2) if op == "and" else (exp.Or, 1)
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
                if op == "contains":
                    return self.target.contains(text, part)
                if op == "starts_with":
                    return self.target.starts_with(text, part)
                return self.target.ends_with(text, part)
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
        ops: dict[str, type[exp.Expression]] = {
            "==": exp.EQ,
            "!=": exp.NEQ,
            "<": exp.LT,
            "<=": exp.LTE,
            ">": exp.GT,
            ">=": exp.GTE,
        }
        left = paren(self.comparable(expr.left, expr.right), 5)
        right = paren(self.comparable(expr.right, expr.left), 5)
        if expr.op not in ("==", "!="):
            left = self.ordered(left, expr.left.type)
            right = self.ordered(right, expr.right.type)
        built: exp.Expression = ops[expr.op](this=left, expression=right)
        return built

    def ordered(self, value: exp.Expression, value_type: Type) -> exp.Expression:
        """Strings in a comparison or an ORDER BY: by code point on every target."""
        return self.target.ordered_text(value) if value_type is Type.STRING else value

    def arithmetic(self, expr: ir.Arith) -> exp.Expression:
        if _is_null(expr.left) or _is_null(expr.right):  # "NULL + NULL" has no operator
            return self.target.null(expr.type)
        level = 6 if expr.op in ("*", "/") else 5
        left = paren(self.compile(expr.left), level)
        right = paren(self.compile(expr.right), level, right=True)
        if expr.op == "/":
            return self.target.divide(left, right)
        ops: dict[str, type[exp.Expression]] = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}
        built: exp.Expression = ops[expr.op](this=left, expression=right)
        return built

    def elapsed(self, start: ir.Expr, end: exp.Expression, unit_seconds: int) -> exp.Expression:
        seconds = self.target.seconds_between(self.timestamp_of(start), end)
        return self.target.floor(
            exp.Div(this=exp.Paren(this=seconds), expression=exp.Literal.number(unit_seconds))
        )

    def timestamp_of(self, expr: ir.Expr) -> exp.Expression:
        compiled = self.compile(expr)
        return self.target.to_timestamp(compiled) if expr.type is Type.DATE else compiled

    def function(self, expr: ir.Func) -> exp.Expression:
        """Functions are null in, null out (coalesce aside): a null literal argument
        folds to a typed null, since engines cannot pick an overload for bare NULL."""
        name, args = expr.name, expr.args
        target = self.target
        if name == "coalesce":
            args = tuple(a for a in args if not _is_null(a))
            if not args:
                return target.null(expr.type)
        elif any(_is_null(a) for a in args):
            return target.null(expr.type)
        as_of = target.timestamp(self.as_of)
        if name == "days_since":
            return self.elapsed(args[0], as_of, 86400)
        if name == "hours_since":
            return self.elapsed(args[0], as_of, 3600)
        if name == "days_between":
            return self.elapsed(args[0], self.timestamp_of(args[1]), 86400)
        if name == "age":
            return self.age(args[0])
        compiled = [self.compile(a) for a in args]
        if name == "date":
            return target.to_date(compiled[0]) if args[0].type is Type.TIMESTAMP else compiled[0]
        if name == "day_of_week":
            return target.iso_day_of_week(compiled[0])
        if name == "hour":
            return target.extract("HOUR", self.timestamp_of(args[0]))
        if name == "lower":
            return exp.Lower(this=compiled[0])
        if name == "upper":
            return exp.Upper(this=compiled[0])
        if name == "length":
            return target.length(compiled[0])
        if name == "abs":
            return exp.Abs(this=compiled[0])
        if name == "round":
            digits = args[1].value if len(args) > 1 and isinstance(args[1], ir.Literal) else 0
            assert isinstance(digits, int)
            return target.round(compiled[0], digits)
        if name == "coalesce":
            compiled = [self.as_type(a, c, expr.type) for a, c in zip(args, compiled, strict=True)]
            if len(compiled) == 1:  # SQLite refuses COALESCE with one argument
                return compiled[0]
            return exp.Coalesce(this=compiled[0], expressions=compiled[1:])
        raise TargetError(target.name, f"{name}()", "unknown function")

    def age(self, birth: ir.Expr) -> exp.Expression:
        """Whole years: as-of year - birth year, minus one before the birthday."""
        target = self.target
        value = self.compile(birth)
        if birth.type is Type.TIMESTAMP:
            value = target.to_date(value)
        today = self.as_of.date()
        years = exp.Sub(
            this=exp.Literal.number(today.year), expression=target.extract("YEAR", value)
        )
        month_day = exp.Add(
            this=exp.Mul(this=target.extract("MONTH", value), expression=exp.Literal.number(100)),
            expression=target.extract("DAY", value),
        )
        before_birthday = exp.GT(
            this=month_day, expression=exp.Literal.number(today.month * 100 + today.day)
        )
        correction = exp.Case(
            ifs=[exp.If(this=before_birthday, true=exp.Literal.number(1))],
            default=exp.Literal.number(0),
        )
        return exp.Sub(this=years, expression=correction)


# ---------------------------------------------------------------- the query


class QueryBuilder:
    def __init__(self, plan: Plan, target: Target) -> None:
        self.plan = plan
        self.target = target
        self.ctes: list[exp.CTE] = []
        self.base_columns: dict[ir.Expr, str] = {}  # profile columns and aggregates in "base"
        self.values: dict[str, exp.Expression] = {}  # definition column -> its value

    # ------------------------------------------------------------ event passes
    def event_pass(self, index: int, event_pass: EventPass) -> tuple[str, list[tuple[str, str]]]:
        """CTEs for one event source; returns the aggregate CTE and extra joins."""
        source = event_pass.source
        target = self.target
        scan = f"ev_{index}"
        column_alias = {name: f"c{i}" for i, name in enumerate(event_pass.columns)}
        assert source.time_column is not None
        time_type = source.column_type(source.time_column) or Type.TIMESTAMP
        raw_time = col(source.time_column)
        time_value = target.read_column(raw_time, time_type)
        if time_type is Type.DATE:
            time_value = target.to_timestamp(time_value)
        selects: list[exp.Expression] = [
            aliased(col(source.user_column), USER),
            aliased(time_value, TIME),
        ]
        for name, alias in column_alias.items():
            value_type = source.column_type(name) or Type.STRING
            selects.append(aliased(target.read_column(col(name), value_type), alias))
        bounds: list[exp.Expression] = [
            exp.LT(this=time_value.copy(), expression=target.timestamp(self.plan.as_of))
        ]
        if event_pass.lower_bound is not None:
            bounds.append(
                exp.GTE(this=time_value.copy(), expression=target.timestamp(event_pass.lower_bound))
            )
        query = exp.Select(expressions=selects).from_(table_ref(source.table), copy=False)
        query = query.where(and_all(bounds), copy=False)
        self.add_cte(scan, query)

        def resolve(node: ir.Expr) -> exp.Expression:
            if isinstance(node, ir.EventColumn):
                return col(column_alias[node.column])
            raise TargetError(target.name, type(node).__name__, "not allowed inside an aggregate")

        compiler = ExprCompiler(target, self.plan.as_of, resolve)
        ranked = [s for s in event_pass.slots if s.aggregate.func in ("first", "last")]
        source_cte = scan
        if ranked:
            source_cte = f"evr_{index}"
            windows = [aliased(self.rank(compiler, slot), f"r_{slot.column}") for slot in ranked]
            star: list[exp.Expression] = [exp.Star()]
            self.add_cte(
                source_cte,
                exp.Select(expressions=star + windows).from_(cte_ref(scan), copy=False),
            )
        aggregates = [
            aliased(self.aggregate(compiler, slot), slot.column)
            for slot in event_pass.slots
            if slot.aggregate.func != "most_frequent"
        ]
        grouped = f"agg_{index}"
        query = exp.Select(expressions=[col(USER), *aggregates]).from_(
            cte_ref(source_cte), copy=False
        )
        self.add_cte(grouped, query.group_by(col(USER), copy=False))
        joins = [
            (grouped, slot.column)
            for slot in event_pass.slots
            if slot.aggregate.func != "most_frequent"
        ]
        for slot in event_pass.slots:
            if slot.aggregate.func == "most_frequent":
                joins.append((self.most_frequent(compiler, scan, slot), slot.column))
        return grouped, joins

    def add_cte(self, name: str, query: exp.Expression) -> None:
        self.ctes.append(exp.CTE(this=query, alias=exp.TableAlias(this=ident(name))))

    def condition(self, compiler: ExprCompiler, slot: AggregateSlot) -> exp.Expression | None:
        """The slot's filter and window as one predicate (None: every visible event)."""
        parts: list[exp.Expression] = []
        if slot.start is not None:
            parts.append(exp.GTE(this=col(TIME), expression=self.target.timestamp(slot.start)))
        if slot.end != self.plan.as_of:
            parts.append(exp.LT(this=col(TIME), expression=self.target.timestamp(slot.end)))
        if slot.aggregate.filter is not None:
            where = slot.aggregate.filter
            # a bare NULL filter is typed: Spark refuses `CASE WHEN NULL` and `WHERE NULL`
            compiled = (
                self.target.null(Type.BOOL) if where.type is Type.NULL else compiler.compile(where)
            )
            parts.append(paren(compiled, 3))
        return and_all(parts) if parts else None

    def counted(self, compiler: ExprCompiler, slot: AggregateSlot) -> exp.Expression:
        """The value the aggregate sees: its value (or 1 for rows) where the condition holds."""
        agg = slot.aggregate
        value = compiler.compile(agg.value) if agg.value is not None else exp.Literal.number(1)
        condition = self.condition(compiler, slot)
        return value if condition is None else case_when(condition, value)

    def rank(self, compiler: ExprCompiler, slot: AggregateSlot) -> exp.Expression:
        agg = slot.aggregate
        descending = agg.func == "last"
        assert agg.value is not None
        value = compiler.compile(agg.value)
        condition = self.condition(compiler, slot)
        partition: list[exp.Expression] = [col(USER)]
        if condition is not None:
            partition.append(exp.Coalesce(this=condition, expressions=[exp.false()]))
        order = exp.Order(
            expressions=[
                exp.Ordered(this=col(TIME), desc=descending, nulls_first=False),
                exp.Ordered(
                    this=compiler.ordered(value, agg.value.type), desc=descending, nulls_first=False
                ),
            ]
        )
        return exp.Window(this=exp.RowNumber(), partition_by=partition, order=order)

    def aggregate(self, compiler: ExprCompiler, slot: AggregateSlot) -> exp.Expression:
        agg = slot.aggregate
        func = agg.func
        if func in ("first", "last"):
            assert agg.value is not None
            picked = exp.EQ(this=col(f"r_{slot.column}"), expression=exp.Literal.number(1))
            condition = self.condition(compiler, slot)
            test = (
                picked
                if condition is None
                else exp.And(this=paren(condition, 2), expression=picked)
            )
            return self.target.only_value(
                case_when(test, compiler.compile(agg.value)), agg.value.type
            )
        counted = self.counted(compiler, slot)
        if func in ("count", "exists"):
            return exp.Count(this=counted)
        if func == "count_distinct":
            days = self.distinct_days(compiler, slot)
            if days is not None:
                return days
            return exp.Count(this=exp.Distinct(expressions=[counted]))
        if func == "sum":
            return exp.Sum(this=counted)
        if func == "avg":
            return exp.Avg(this=counted)
        if func == "min":
            return exp.Min(this=compiler.ordered(counted, agg.type))
        if func == "max":
            return exp.Max(this=compiler.ordered(counted, agg.type))
        raise TargetError(self.target.name, f"{func}()", "unknown aggregate")

    def distinct_days(self, compiler: ExprCompiler, slot: AggregateSlot) -> exp.Expression | None:
        """`count_distinct(date(<the source's time>))` over a window: the target's cheaper
        form for a bounded set of days, if it has one (Target.distinct_days)."""
        value, source = slot.aggregate.value, self.plan.project.source(slot.aggregate.source)
        is_event_date = (
            isinstance(value, ir.Func)
            and value.name == "date"
            and isinstance(value.args[0], ir.EventColumn)
            and value.args[0].column == source.time_column
        )
        if slot.start is None or not is_event_date:
            return None
        assert value is not None
        # the window [start, end) holds the event times, so their dates lie in first..last
        first = slot.start.date()
        last = (slot.end - dt.timedelta(microseconds=1)).date()
        return self.target.distinct_days(
            compiler.compile(value), first, (last - first).days + 1, self.condition(compiler, slot)
        )

    def most_frequent(self, compiler: ExprCompiler, scan: str, slot: AggregateSlot) -> str:
        """Count each value per user, keep the most frequent (ties: the smallest)."""
        agg = slot.aggregate
        assert agg.value is not None
        counts, winner = f"mfc_{slot.column}", f"mf_{slot.column}"
        # the values in a subquery first, so they are grouped by name, never by position
        values = exp.Select(
            expressions=[col(USER), aliased(compiler.compile(agg.value), "v")]
        ).from_(cte_ref(scan), copy=False)
        condition = self.condition(compiler, slot)
        if condition is not None:
            values = values.where(condition, copy=False)
        not_null = exp.Not(this=exp.Paren(this=exp.Is(this=col("v"), expression=exp.null())))
        counted = (
            exp.Select(expressions=[col(USER), col("v"), aliased(exp.Count(this=exp.Star()), "n")])
            .from_(exp.Subquery(this=values, alias=exp.TableAlias(this=ident("vals"))), copy=False)
            .where(not_null, copy=False)
            .group_by(col(USER), col("v"), copy=False)
        )
        self.add_cte(counts, counted)
        order = exp.Order(
            expressions=[
                exp.Ordered(this=col("n"), desc=True, nulls_first=False),
                exp.Ordered(
                    this=compiler.ordered(col("v"), agg.value.type), desc=False, nulls_first=False
                ),
            ]
        )
        ranking = exp.Window(this=exp.RowNumber(), partition_by=[col(USER)], order=order)
        ranked = exp.Select(expressions=[col(USER), col("v"), aliased(ranking, "r")]).from_(
            cte_ref(counts), copy=False
        )
        best = (
            exp.Select(expressions=[col(USER), aliased(col("v"), slot.column)])
            .from_(
                exp.Subquery(this=ranked, alias=exp.TableAlias(this=ident("ranked"))), copy=False
            )
            .where(exp.EQ(this=col("r"), expression=exp.Literal.number(1)), copy=False)
        )
        self.add_cte(winner, best)
        return winner

    # ------------------------------------------------------------ base row
    def base(self) -> None:
        plan, target = self.plan, self.target
        universe = plan.universe.source
        selects: list[exp.Expression] = [aliased(col(universe.user_column, "u"), USER)]
        query = exp.Select()
        query = query.from_(table_ref(universe.table, "u"), copy=False)
        for name in plan.universe.columns:
            alias = self.new_base_column(ir.ProfileColumn(universe.name, name, Type.ANY))
            value_type = universe.column_type(name) or Type.STRING
            selects.append(aliased(target.read_column(col(name, "u"), value_type), alias))
        for index, join in enumerate(plan.profiles):
            alias_table = f"p{index}"
            source = join.source
            on = exp.EQ(
                this=col(source.user_column, alias_table), expression=col(universe.user_column, "u")
            )
            query = query.join(
                table_ref(source.table, alias_table), on=on, join_type="LEFT", copy=False
            )
            for name in join.columns:
                alias = self.new_base_column(ir.ProfileColumn(source.name, name, Type.ANY))
                value_type = source.column_type(name) or Type.STRING
                selects.append(
                    aliased(target.read_column(col(name, alias_table), value_type), alias)
                )
        joined: set[str] = set()
        for index, event_pass in enumerate(plan.passes):
            _, joins = self.event_pass(index, event_pass)
            slots = {slot.column: slot for slot in event_pass.slots}
            for cte, column in joins:
                if cte not in joined:
                    joined.add(cte)
                    on = exp.EQ(this=col(USER, cte), expression=col(universe.user_column, "u"))
                    query = query.join(cte_ref(cte), on=on, join_type="LEFT", copy=False)
                slot = slots[column]
                self.base_columns[slot.aggregate] = column
                selects.append(aliased(self.with_default(slot, col(column, cte)), column))
        query.set("expressions", selects)
        query = query.where(
            exp.Not(
                this=exp.Paren(
                    this=exp.Is(this=col(universe.user_column, "u"), expression=exp.null())
                )
            ),
            copy=False,
        )
        self.add_cte("base", query)

    def new_base_column(self, key: ir.ProfileColumn) -> str:
        alias = f"p_{len(self.base_columns)}"
        self.base_columns[key] = alias
        return alias

    def with_default(self, slot: AggregateSlot, value: exp.Expression) -> exp.Expression:
        """Users without events get the empty-history value: 0 for count/sum, false for exists."""
        func = slot.aggregate.func
        if func in ("count", "count_distinct", "sum"):
            return exp.Coalesce(this=value, expressions=[exp.Literal.number(0)])
        if func == "exists":
            test = exp.GT(this=value, expression=exp.Literal.number(0))
            return exp.Coalesce(this=test, expressions=[exp.false()])
        return value

    # ------------------------------------------------------------ definitions
    def resolve_user_level(self, node: ir.Expr) -> exp.Expression:
        if isinstance(node, ir.ProfileColumn):
            key = ir.ProfileColumn(node.source, node.column, Type.ANY)
            return col(self.base_columns[key])
        if isinstance(node, ir.Aggregate):
            return col(self.base_columns[node])
        if isinstance(node, ir.TagRef | ir.SegmentRef | ir.LayeringRef):
            return col(self.plan.column_for(node.name).column)
        raise TargetError(self.target.name, type(node).__name__, "a per-event value at user level")

    def definition_value(self, compiler: ExprCompiler, definition: ir.Definition) -> exp.Expression:
        if isinstance(definition, ir.Layering):
            ifs = [
                exp.If(
                    this=self.target.null(Type.BOOL)
                    if layer.condition.type is Type.NULL
                    else compiler.compile(layer.condition),
                    true=self.target.string(layer.name),
                )
                for layer in definition.layers
                if layer.condition is not None
            ]
            fallback = next((la.name for la in definition.layers if la.condition is None), None)
            default = (
                self.target.string(fallback)
                if fallback is not None
                else self.target.null(Type.STRING)
            )
            if not ifs:
                return default
            return exp.Case(ifs=ifs, default=default)
        if _is_null(definition.expr):  # typed, so that later uses of the column resolve
            return self.target.null(Type.BOOL if isinstance(definition, ir.Segment) else Type.NULL)
        return compiler.compile(definition.expr)

    def levels(self) -> str:
        compiler = ExprCompiler(self.target, self.plan.as_of, self.resolve_user_level)
        previous = "base"
        for level in range(1, self.plan.levels + 1):
            selects: list[exp.Expression] = [exp.Star()]
            for column in self.plan.columns:
                if column.level == level:
                    value = self.definition_value(compiler, column.definition)
                    self.values[column.column] = value
                    selects.append(aliased(value, column.column))
            name = f"lvl_{level}"
            self.add_cte(name, exp.Select(expressions=selects).from_(cte_ref(previous), copy=False))
            previous = name
        return previous

    def deferrable_segments(self) -> dict[str, exp.Expression]:
        """Segments no other definition uses, written over tags, segments and layerings
        only: column -> the segment's condition over the other columns of the result.
        Where members are written this condition can be evaluated instead of stored: the
        result table is then one column narrower per segment (on DuckDB storing 100 such
        flags for 345k users cost 0.3 s, evaluating them where members are written
        ~0.03 s). Call after levels(): the conditions are the values computed there."""
        plan = self.plan
        used = {name for c in plan.columns for name in ir.references(c.definition)}
        deferred: dict[str, exp.Expression] = {}
        for column in plan.columns:
            definition = column.definition
            if not isinstance(definition, ir.Segment) or definition.name in used:
                continue
            if any(
                isinstance(n, ir.Aggregate | ir.ProfileColumn) for n in ir.walk(definition.expr)
            ):
                continue  # it needs base columns the result does not keep
            deferred[column.column] = self.values[column.column].copy()
        return deferred

    def build(self, defer_segments: bool = False) -> tuple[exp.Select, dict[str, exp.Expression]]:
        self.base()
        last = self.levels()
        deferred = self.deferrable_segments() if defer_segments else {}
        outputs: list[exp.Expression] = [col(USER)]
        for c in self.plan.columns:
            if c.column in deferred:
                continue
            kind = c.definition.type if isinstance(c.definition, ir.Tag) else Type.STRING
            kind = Type.BOOL if isinstance(c.definition, ir.Segment) else kind
            value = self.target.result_column(col(c.column), kind)
            outputs.append(value if isinstance(value, exp.Column) else aliased(value, c.column))
        query = exp.Select(expressions=outputs).from_(cte_ref(last), copy=False)
        query.set("with_", exp.With(expressions=self.ctes))
        return self.target.finish_query(query), deferred


def build_query(plan: Plan, target: Target) -> exp.Select:
    """The per-user result: `_u` and one column per definition (see plan.columns)."""
    return QueryBuilder(plan, target).build()[0]


def build_result_query(plan: Plan, target: Target) -> tuple[exp.Select, dict[str, exp.Expression]]:
    """The per-user query of a run's result table, without the flags of the segments the
    target evaluates where members are written (Target.defer_segment_flags), and those
    segments: column -> condition over the result's columns."""
    return QueryBuilder(plan, target).build(target.defer_segment_flags)


def render(expression: exp.Expression, target: Target, pretty: bool = True) -> str:
    """SQL text for the target; raises TargetError for anything the dialect lacks.
    The tree is rendered without a defensive copy (large plans are costly to copy);
    callers render trees they built for this target only."""
    try:
        return expression.sql(
            dialect=target.dialect,
            pretty=pretty,
            unsupported_level=sqlglot.ErrorLevel.RAISE,
            identify=True,
            copy=False,
        )
    except sqlglot.errors.UnsupportedError as err:
        raise TargetError(target.name, "this project", str(err)) from None

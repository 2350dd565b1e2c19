"""Plan to sqlglot expression trees (never SQL text), then to SQL for a target.

Query shape, one CTE per stage so the SQL stays readable (each name starts with segl_, as
no source table's does: SQLite reads a table name inside a CTE of that name as the CTE):
  usr      the universe with its profile columns
  ev_<k>   one scan of an event table: user, time, the columns the aggregates read
  evr_<k>  (only with first/last) each event with the user's first/last moment per slot
  agg_<k>  one GROUP BY user with a conditional aggregate per slot
  mfc_/mf_ (only with most_frequent) value counts per user, and the winner
  base     the users joined to every aggregate and profile source; empty-history defaults
           (`segl simulate` may give its raw rows instead: `raw` then base, see stored_base)
  lvl_<n>  definitions of dependency level n, over the row of the level before
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.plan import AggregateSlot, DefinitionColumn, EventPass, Plan
from segl.compiler.registry import AggregateShape, EmptyValue, one_zero
from segl.compiler.sqlgen.expressions import ExprCompiler
from segl.compiler.sqlgen.nodes import (
    TIME,
    USER,
    _is_null,
    add_join,
    aliased,
    and_all,
    case_when,
    col,
    cte_ref,
    ident,
    paren,
    table_ref,
)
from segl.compiler.targets import Target, TargetError
from segl.compiler.types import Type

BARRIER = "_one"  # the one-row relation under each level (Target.level_barrier)
CTE_PREFIX = "segl_"  # no source table is named so (SQLite would read a CTE of its name)
BASE_CTE = f"{CTE_PREFIX}base"  # the users with their profile columns and first aggregates
RAW_BASE_CTE = f"{CTE_PREFIX}raw"  # the same before the empty-history defaults (stored_base)
# the universe with its profile columns (and the versions at the as-of)
USERS_CTE = f"{CTE_PREFIX}usr"
EVENTS_ALIAS = "e"  # an event table joined with per-user values
PER_USER_ALIAS = "w"  # the per-user row an event is joined with
# the user of an aggregate's CTE: not `_u`, so `rows.*` joined with it names `_u` once
GROUPED_USER = "_g"
# a profile's rows keyed by person (identity): the person, and 1 on their first ID's row
PERSON, FIRST = "_pu", "_first"

# ---------------------------------------------------------------- the query


class QueryBuilder:
    def __init__(
        self,
        plan: Plan,
        target: Target,
        identity_map: str | None = None,
        only_users: exp.Select | None = None,
        stored_passes: Mapping[int, exp.Select | exp.Union] | None = None,
        stored_base: exp.Select | None = None,
    ) -> None:
        self.plan = plan
        self.target = target
        # with an identity: the table of (kind, id, person) every source's rows are keyed by
        self.identity_map = identity_map
        # just these users (a query of one column; `segl simulate`): a user's values come
        # from their own rows alone, so they are the same as in the whole universe's query
        self.only_users = only_users
        # pass index -> a query of that pass's grouped rows from tables `segl simulate`
        # keeps up to date across instants (compiler/journeys/rolling.py): read instead of
        # the pass; its own CTEs, named apart from the builder's, join the builder's
        self.stored_passes = stored_passes or {}
        # a query of the raw base rows (raw_base's columns) that `segl simulate` keeps up
        # to date (rolling.current_base): read instead of the universe and the first-stage
        # passes, so that an instant does not join every user with their aggregates again
        self.stored_base = stored_base
        self.ctes: list[exp.CTE] = []
        self.base_columns: dict[ir.Expr, str] = {}  # profile columns and aggregates in "base"
        self.values: dict[str, exp.Expression] = {}  # definition column -> its value
        # definitions whose value is just another column (a base column or a definition
        # computed in a level): column -> that column, used wherever they are referenced
        self.aliases: dict[str, exp.Expression] = {}
        for event_pass in plan.passes:  # every aggregate has its column, early or late
            for slot in event_pass.slots:
                self.base_columns[slot.aggregate] = slot.column

    # ------------------------------------------------------------ event passes
    def event_pass(
        self, index: int, event_pass: EventPass, users: str = USERS_CTE
    ) -> tuple[str, list[tuple[str, str]]]:
        """CTEs for one event source; returns the aggregate CTE and extra joins. A pass
        whose aggregates use per-user values reads the events joined with `users` (the
        users' CTE, or the level whose definitions it uses), which holds them."""
        stored = self.stored_passes.get(index)
        if stored is not None:
            grouped = f"{CTE_PREFIX}agg_{index}"
            self.add_cte(grouped, self.inlined(stored))
            return grouped, [(grouped, slot.column) for slot in event_pass.slots]
        source = event_pass.source
        target = self.target
        scan = f"{CTE_PREFIX}ev_{index}"
        column_alias = {name: f"c{i}" for i, name in enumerate(event_pass.columns)}
        # the event table's own columns, qualified where a second relation is joined
        identity = self.identity_map is not None
        events = EVENTS_ALIAS if event_pass.per_user or identity else None
        time_value = event_time(target, source, events)
        # the user: the event's ID, or (identity) the person the ID belongs to
        user = col("person", "m") if identity else col(source.user_column, events)
        selects: list[exp.Expression] = [aliased(user, USER), aliased(time_value, TIME)]
        for name, alias in column_alias.items():
            value_type = source.column_type(name) or Type.STRING
            selects.append(aliased(target.read_column(col(name, events), value_type), alias))
        per_user = self.per_user_values(event_pass, users)
        selects += [aliased(value, alias) for alias, value in per_user.values()]
        bounds: list[exp.Expression] = [
            exp.LT(this=time_value.copy(), expression=target.timestamp(self.plan.as_of))
        ]
        if event_pass.lower_bound is not None:
            bounds.append(
                exp.GTE(this=time_value.copy(), expression=target.timestamp(event_pass.lower_bound))
            )
        bounds += self.restricted(user)
        query = exp.Select(expressions=selects).from_(table_ref(source.table, events), copy=False)
        if identity:
            assert self.identity_map is not None and source.id_kind is not None
            declared = self.plan.project.id_type(source, source.user_column, source.id_kind)
            text = id_text(target, col(source.user_column, events), declared)
            on = exp.and_(
                exp.EQ(this=col("kind", "m"), expression=exp.Literal.string(source.id_kind)),
                exp.EQ(this=col("id", "m"), expression=text),
            )
            query = add_join(query, table_ref(self.identity_map, "m"), "INNER", on)
        if event_pass.per_user:
            on = exp.EQ(this=col(USER, PER_USER_ALIAS), expression=user.copy())
            query = add_join(query, cte_ref(users, PER_USER_ALIAS), "INNER", on)
        query = query.where(and_all(bounds), copy=False)
        self.add_cte(scan, query)

        def resolve(node: ir.Expr) -> exp.Expression:
            if isinstance(node, ir.EventColumn):
                return col(column_alias[node.column])
            if node in per_user:
                return col(per_user[node][0])
            raise TargetError(target.name, type(node).__name__, "not allowed inside an aggregate")

        compiler = ExprCompiler(target, self.plan.as_of, resolve)
        ranked = [s for s in event_pass.slots if s.aggregate.entry.shape is AggregateShape.PICK]
        source_cte = scan
        if ranked:
            source_cte = f"{CTE_PREFIX}evr_{index}"
            windows = [aliased(self.moment(compiler, slot), f"t_{slot.column}") for slot in ranked]
            star: list[exp.Expression] = [exp.Star()]
            self.add_cte(
                source_cte,
                exp.Select(expressions=star + windows).from_(cte_ref(scan), copy=False),
            )
        grouped_slots = [
            s for s in event_pass.slots if s.aggregate.entry.shape is not AggregateShape.MODE
        ]
        aggregates = [
            aliased(self.aggregate(compiler, slot), slot.column) for slot in grouped_slots
        ]
        # where NaN is NULL already (SQLite), a null sum of values tells NaN from "no values"
        aggregates += [
            aliased(exp.Count(this=self.counted(compiler, slot)), _counted(slot.column))
            for slot in grouped_slots
            if self.target.nan_is_null and _zero_unless_nan(slot)
        ]
        grouped = f"{CTE_PREFIX}agg_{index}"
        query = exp.Select(expressions=[aliased(col(USER), GROUPED_USER), *aggregates]).from_(
            cte_ref(source_cte), copy=False
        )
        self.add_cte(grouped, query.group_by(col(USER), copy=False))
        joins = [(grouped, slot.column) for slot in grouped_slots]
        for slot in event_pass.slots:
            if slot.aggregate.entry.shape is AggregateShape.MODE:
                joins.append((self.most_frequent(compiler, scan, slot), slot.column))
        return grouped, joins

    def grouped_rows(self, event_pass: EventPass, number: int) -> exp.Select:
        """The grouped rows (GROUPED_USER, then each slot's column) of one pass alone, as
        the per-user query reads them, its CTEs numbered `number`."""
        grouped, joins = self.event_pass(number, event_pass)
        columns = [col(GROUPED_USER), *(col(column) for _, column in joins)]
        query = exp.Select(expressions=columns).from_(cte_ref(grouped), copy=False)
        query.set("with_", exp.With(expressions=self.ctes))
        return query

    def per_user_values(
        self, event_pass: EventPass, users: str
    ) -> dict[ir.Expr, tuple[str, exp.Expression]]:
        """The per-user values the pass's aggregates use (profile columns, definitions):
        node -> (its column in the scan, its value read from the joined `users` row)."""
        found: dict[ir.Expr, tuple[str, exp.Expression]] = {}
        per_user = ir.ProfileColumn | ir.TagRef | ir.SegmentRef | ir.LayeringRef
        for slot in event_pass.slots:
            agg = slot.aggregate
            for part in (agg.value, agg.filter):
                for node in ir.walk(part) if part is not None else ():
                    if isinstance(node, per_user) and node not in found:
                        value = self.resolve_user_level(node)
                        qualified = value.copy()
                        for column in qualified.find_all(exp.Column):
                            column.set("table", ident(PER_USER_ALIAS))
                        found[node] = (f"u{len(found)}", qualified)
        return found

    def inlined(self, query: exp.Select | exp.Union) -> exp.Select | exp.Union:
        """A stored query (stored_passes, stored_base) without its CTEs, which join the
        builder's (they are named apart from the builder's own)."""
        body = query.copy()
        inner = body.args.get("with_")
        body.set("with_", None)
        self.ctes += list(inner.expressions) if inner is not None else []
        return body

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

    def moment(self, compiler: ExprCompiler, slot: AggregateSlot) -> exp.Expression:
        """first/last: the time of the user's first (last) event the slot counts, on every
        event row. Why a MIN/MAX over the user's rows, not a ROW_NUMBER per slot ordered by
        time and value: the windows of all slots share one partitioning (by user, no order),
        so the engine computes them in one pass; a ROW_NUMBER per slot partitioned by its
        condition was one sort per slot of every column of the scan plus the row numbers
        before it (58 first/last tags over 136k orders: 12 s of CPU; this way 1.1 s)."""
        condition = self.condition(compiler, slot)
        moment = col(TIME) if condition is None else case_when(condition, col(TIME))
        func = exp.Max if slot.aggregate.func == "last" else exp.Min  # the PICK aggregates
        return exp.Window(this=func(this=moment), partition_by=[col(USER)])

    def aggregate(self, compiler: ExprCompiler, slot: AggregateSlot) -> exp.Expression:
        agg = slot.aggregate
        entry = agg.entry
        if entry.shape is AggregateShape.PICK:
            # the smallest (largest) value among the events at the first (last) moment
            assert agg.value is not None
            at = exp.EQ(this=col(TIME), expression=col(f"t_{slot.column}"))
            condition = self.condition(compiler, slot)
            test = at if condition is None else exp.And(this=paren(condition, 2), expression=at)
            value = compiler.ordered(case_when(test, compiler.compile(agg.value)), agg.value.type)
            return self.target.extreme(value, agg.value.type, largest=agg.func == "last")
        if agg.func == "count_distinct":
            days = self.distinct_days(compiler, slot)
            if days is not None:
                return days
        assert entry.sql is not None, f"{agg.func} has no SQL builder"
        value_type = agg.value.type if agg.value is not None else Type.NUMBER
        built: exp.Expression = entry.sql(self.target, self.counted(compiler, slot), value_type)
        return built

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
        counts, winner = f"{CTE_PREFIX}mfc_{slot.column}", f"{CTE_PREFIX}mf_{slot.column}"
        # the values in a subquery first, so they are grouped by name, never by position
        values = exp.Select(
            expressions=[
                col(USER),
                aliased(one_zero(compiler.compile(agg.value), agg.value.type), "v"),
            ]
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
            exp.Select(
                expressions=[aliased(col(USER), GROUPED_USER), aliased(col("v"), slot.column)]
            )
            .from_(
                exp.Subquery(this=ranked, alias=exp.TableAlias(this=ident("ranked"))), copy=False
            )
            .where(exp.EQ(this=col("r"), expression=exp.Literal.number(1)), copy=False)
        )
        self.add_cte(winner, best)
        return winner

    # ------------------------------------------------------------ base row
    def users(self) -> None:
        """`usr`: the universe's users at the as-of with the profile columns the rules
        read (from the universe and the other profiles, each row or version that holds).
        With an identity a user is a person: the universe's IDs and every profile's rows
        are keyed by person, each person taking the row of their smallest ID."""
        plan, target = self.plan, self.target
        universe = plan.universe.source
        query = exp.Select()
        if self.identity_map is None:
            key = col(universe.user_column, "u")
            query = query.from_(table_ref(universe.table, "u"), copy=False)
            key_type = universe.column_type(universe.user_column) or plan.project.key
            universe_rows = [key_present(target, key.copy(), key_type)]
            visible = profile_visibility(target, universe, "u", plan.as_of)
            universe_rows += [visible] if visible is not None else []
        else:
            key = col(PERSON, "u")
            query = query.from_(self.by_person(universe, "u"), copy=False)
            universe_rows = [exp.EQ(this=col(FIRST, "u"), expression=exp.Literal.number(1))]
        universe_rows += self.restricted(key)
        selects: list[exp.Expression] = [aliased(key, USER)]
        for name in plan.universe.columns:
            alias = self.new_base_column(ir.ProfileColumn(universe.name, name, Type.ANY))
            value_type = universe.column_type(name) or Type.STRING
            selects.append(aliased(target.read_column(col(name, "u"), value_type), alias))
        for index, join in enumerate(plan.profiles):
            alias_table = f"p{index}"
            source = join.source
            rows: exp.Expression
            if self.identity_map is None:
                rows = table_ref(source.table, alias_table)
                on: exp.Expression = exp.EQ(
                    this=col(source.user_column, alias_table), expression=key.copy()
                )
                visible = profile_visibility(target, source, alias_table, plan.as_of)
                if visible is not None:  # the version valid at the as-of, a row that exists then
                    on = exp.And(this=on, expression=visible)
            else:
                rows = self.by_person(source, alias_table)
                on = exp.And(
                    this=exp.EQ(this=col(PERSON, alias_table), expression=key.copy()),
                    expression=exp.EQ(
                        this=col(FIRST, alias_table), expression=exp.Literal.number(1)
                    ),
                )
            query = add_join(query, rows, "LEFT", on)
            for name in join.columns:
                alias = self.new_base_column(ir.ProfileColumn(source.name, name, Type.ANY))
                value_type = source.column_type(name) or Type.STRING
                selects.append(
                    aliased(target.read_column(col(name, alias_table), value_type), alias)
                )
        query.set("expressions", selects)
        self.add_cte(USERS_CTE, query.where(and_all(universe_rows), copy=False))

    def restricted(self, user: exp.Expression) -> list[exp.Expression]:
        """The condition keeping only `only_users`' rows, if there is one."""
        if self.only_users is None:
            return []
        return [exp.In(this=user.copy(), query=exp.Subquery(this=self.only_users.copy()))]

    def by_person(self, source: ir.Source, alias: str) -> exp.Subquery:
        """A profile's rows that hold at the as-of, keyed by person (identity): every column,
        the person, and FIRST = 1 on the row of the person's smallest ID of the source's
        kind (by code point)."""
        assert self.identity_map is not None and source.id_kind is not None
        target = self.target
        key = col(source.user_column, "s")
        declared = self.plan.project.id_type(source, source.user_column, source.id_kind)
        text = id_text(target, key.copy(), declared)
        on = exp.and_(
            exp.EQ(this=col("kind", "m"), expression=exp.Literal.string(source.id_kind)),
            exp.EQ(this=col("id", "m"), expression=text),
        )
        order = exp.Order(
            expressions=[exp.Ordered(this=target.ordered_text(col("id", "m")), nulls_first=False)]
        )
        first = exp.Window(this=exp.RowNumber(), partition_by=[col("person", "m")], order=order)
        rows = [key_present(target, key.copy(), declared)]
        visible = profile_visibility(target, source, "s", self.plan.as_of)
        rows += [visible] if visible is not None else []
        query = exp.Select(
            expressions=[
                exp.Column(this=exp.Star(), table=ident("s")),
                aliased(col("person", "m"), PERSON),
                aliased(first, FIRST),
            ]
        ).from_(table_ref(source.table, "s"), copy=False)
        query = add_join(query, table_ref(self.identity_map, "m"), "INNER", on)
        query = query.where(and_all(rows), copy=False)
        return exp.Subquery(this=query, alias=exp.TableAlias(this=ident(alias)))

    def base(self) -> None:
        """`base`: the users with every aggregate that needs no definition's value."""
        if self.stored_base is not None:
            self.add_cte(BASE_CTE, self.defaulted(self.stored_base))
            return
        self.users()
        self.add_cte(BASE_CTE, self.joined_aggregates(USERS_CTE, self.early_passes()))

    def early_passes(self) -> list[tuple[int, EventPass]]:
        return [(i, p) for i, p in enumerate(self.plan.passes) if p.stage == 0]

    def raw_base(self) -> exp.Select:
        """The rows of `base` before the empty-history defaults (a user without events has
        nulls): `_u`, the profile columns (profile_aliases), each first-stage aggregate.
        What `segl simulate` stores and merges with the events of later instants; so no
        aggregate may need the count of its values beside it (a sum where NaN is null)."""
        early = self.early_passes()
        counted = any(_zero_unless_nan(slot) for _, p in early for slot in p.slots)
        assert not (counted and self.target.nan_is_null), "a sum needs its count of values"
        self.users()
        query = self.joined_aggregates(USERS_CTE, early, defaults=False)
        query.set("with_", exp.With(expressions=self.ctes))
        return query

    def profile_aliases(self) -> list[str]:
        """The base columns of the profile columns the rules read, named as users() names
        them (the universe's, then each other profile's, in the plan's order)."""
        keys = [(self.plan.universe.source, self.plan.universe.columns)]
        keys += [(join.source, join.columns) for join in self.plan.profiles]
        return [
            self.new_base_column(ir.ProfileColumn(source.name, name, Type.ANY))
            for source, names in keys
            for name in names
        ]

    def defaulted(self, raw: exp.Select) -> exp.Select:
        """`base` from a query of raw_base's rows: each aggregate with its default."""
        assert self.only_users is None and self.identity_map is None
        self.add_cte(RAW_BASE_CTE, self.inlined(raw))
        selects: list[exp.Expression] = [col(USER, RAW_BASE_CTE)]
        selects += [col(alias, RAW_BASE_CTE) for alias in self.profile_aliases()]
        for _, event_pass in self.early_passes():
            for slot in event_pass.slots:
                selects.append(aliased(self.with_default(slot, RAW_BASE_CTE), slot.column))
        return exp.Select(expressions=selects).from_(cte_ref(RAW_BASE_CTE), copy=False)

    def joined_aggregates(
        self, rows: str, passes: list[tuple[int, EventPass]], defaults: bool = True
    ) -> exp.Select:
        """`rows` (a CTE of users) with the aggregates of `passes` joined, each with its
        empty-history default (or null, without `defaults`); the passes read per-user
        values from `rows`."""
        star = exp.Column(this=exp.Star(), table=ident(rows))
        selects: list[exp.Expression] = [star]
        query = exp.Select().from_(cte_ref(rows), copy=False)
        joined: set[str] = set()
        for index, event_pass in passes:
            _, joins = self.event_pass(index, event_pass, rows)
            slots = {slot.column: slot for slot in event_pass.slots}
            for cte, column in joins:
                if cte not in joined:
                    joined.add(cte)
                    on = exp.EQ(this=col(GROUPED_USER, cte), expression=col(USER, rows))
                    query = add_join(query, cte_ref(cte), "LEFT", on)
                slot = slots[column]
                self.base_columns[slot.aggregate] = column
                value = self.with_default(slot, cte) if defaults else col(column, cte)
                selects.append(aliased(value, column))
        query.set("expressions", selects)
        return query

    def new_base_column(self, key: ir.ProfileColumn) -> str:
        profile_columns = sum(isinstance(k, ir.ProfileColumn) for k in self.base_columns)
        alias = f"p_{profile_columns}"
        self.base_columns[key] = alias
        return alias

    def with_default(self, slot: AggregateSlot, cte: str) -> exp.Expression:
        """Users without events get the empty-history value: 0 for count/sum, false for
        exists. Then a NaN (a sum of +inf and -inf) is null: after the default, so that it
        stays null rather than becoming 0."""
        entry = slot.aggregate.entry
        value: exp.Expression = col(slot.column, cte)
        if self.target.nan_is_null and _zero_unless_nan(slot):
            some = exp.GT(this=col(_counted(slot.column), cte), expression=exp.Literal.number(0))
            return exp.Case(ifs=[exp.If(this=some, true=value)], default=exp.Literal.number(0))
        if entry.empty is EmptyValue.ZERO:
            value = exp.Coalesce(this=value, expressions=[exp.Literal.number(0)])
        elif entry.empty is EmptyValue.FALSE:
            test = exp.GT(this=value, expression=exp.Literal.number(0))
            value = exp.Coalesce(this=test, expressions=[exp.false()])
        return self.target.nan_to_null(value) if entry.nan_possible else value

    # ------------------------------------------------------------ definitions
    def resolve_user_level(self, node: ir.Expr) -> exp.Expression:
        if isinstance(node, ir.ProfileColumn):
            key = ir.ProfileColumn(node.source, node.column, Type.ANY)
            return col(self.base_columns[key])
        if isinstance(node, ir.Aggregate):
            return col(self.base_columns[node])
        if isinstance(node, ir.TagRef | ir.SegmentRef | ir.LayeringRef):
            column = self.plan.column_for(node.name).column
            alias = self.aliases.get(column)
            return alias.copy() if alias is not None else col(column)
        raise TargetError(self.target.name, type(node).__name__, "a per-event value at user level")

    def resolve_result_column(self, node: ir.Expr) -> exp.Expression:
        """Definitions as the result table's columns (for conditions evaluated over it)."""
        if isinstance(node, ir.TagRef | ir.SegmentRef | ir.LayeringRef):
            return col(self.plan.column_for(node.name).column)
        raise TargetError(self.target.name, type(node).__name__, "not a column of the result")

    def definition_value(self, compiler: ExprCompiler, definition: ir.Definition) -> exp.Expression:
        if isinstance(definition, ir.Layering):
            # the first matching layer wins, and `otherwise` matches everyone: the layers
            # after it never match (W0002), so the CASE ends with it
            ifs: list[exp.If] = []
            fallback: str | None = None
            for layer in definition.layers:
                if layer.condition is None:
                    fallback = layer.name
                    break
                test = (
                    self.target.null(Type.BOOL)
                    if layer.condition.type is Type.NULL
                    else compiler.compile(layer.condition)
                )
                ifs.append(exp.If(this=test, true=self.target.string(layer.name)))
            default = (
                self.target.string(fallback)
                if fallback is not None
                else self.target.null(Type.STRING)
            )
            if not ifs:
                return default
            return exp.Case(ifs=ifs, default=default)
        if isinstance(definition, ir.Segment):
            # a segment's value is membership (SPEC §3: in it only where the rule is TRUE),
            # so a rule, report or journey that reads it sees true or false, never null
            rule = definition.expr
            truth = self.target.null(Type.BOOL) if _is_null(rule) else compiler.compile(rule)
            return exp.Coalesce(this=truth, expressions=[self.target.boolean(False)])
        if _is_null(definition.expr):  # typed, so that later uses of the column resolve
            return self.target.null(Type.NULL)
        return compiler.compile(definition.expr)

    def levels(self, chained: list[DefinitionColumn]) -> str:
        """One CTE per level for the definitions other definitions use, each over the row
        of the level before; returns the last CTE ("base" if there is none). The
        aggregates that use definitions (a pass of stage n) are joined in once level n
        is computed, before any level that uses them (`lva_<n>`)."""
        by_level: dict[int, list[DefinitionColumn]] = {}
        for column in chained:
            by_level.setdefault(column.level, []).append(column)
        late = [(i, p) for i, p in enumerate(self.plan.passes) if p.stage > 0]
        barrier = self.target.level_barrier
        previous = BASE_CTE
        number = 0
        for level in sorted(set(by_level) | {p.stage + 1 for _, p in late}):
            due = [(i, p) for i, p in late if p.stage < level]
            if due:
                late = [(i, p) for i, p in late if p.stage >= level]
                name = f"lva_{level - 1}"
                self.add_cte(name, self.joined_aggregates(previous, due))
                previous = name
            if level not in by_level:
                continue
            number += 1
            star = exp.Column(this=exp.Star(), table=ident(previous)) if barrier else exp.Star()
            selects: list[exp.Expression] = [star]
            selects += [aliased(self.values[c.column], c.column) for c in by_level[level]]
            query = exp.Select(expressions=selects).from_(cte_ref(previous), copy=False)
            if barrier:
                one = exp.Select(expressions=[aliased(exp.Literal.number(1), BARRIER)])
                barrier_row = exp.Subquery(this=one, alias=exp.TableAlias(this=ident(BARRIER)))
                query = add_join(query, barrier_row, "CROSS")
            name = f"{CTE_PREFIX}lvl_{number}"
            self.add_cte(name, query)
            previous = name
        return previous

    def deferrable_segments(self, used: set[str]) -> dict[str, exp.Expression]:
        """Segments no other definition uses, written over tags, segments and layerings
        only: column -> the segment's condition over the other columns of the result.
        Where members are written this condition can be evaluated instead of stored: the
        result table is then one column narrower per segment (on DuckDB storing 100 such
        flags for 345k users cost 0.3 s, evaluating them where members are written
        ~0.03 s). The query does not compute them at all."""
        compiler = ExprCompiler(self.target, self.plan.as_of, self.resolve_result_column)
        deferred: dict[str, exp.Expression] = {}
        for column in self.plan.columns:
            definition = column.definition
            if not isinstance(definition, ir.Segment) or definition.name in used:
                continue
            if any(
                isinstance(n, ir.Aggregate | ir.ProfileColumn) for n in ir.walk(definition.expr)
            ):
                continue  # it needs base columns the result does not keep
            deferred[column.column] = self.definition_value(compiler, definition)
        return deferred

    def build(self, defer_segments: bool = False) -> tuple[exp.Select, dict[str, exp.Expression]]:
        """The per-user query. Only the definitions other definitions use are computed in
        the lvl_<n> CTEs and carried up to the last; a definition that is just another
        column (`tag spend_30d = sum(...)`, `tag city = users.city`) is that column
        wherever it is used; every other definition is computed in the final SELECT.
        Why: each level passes on every column below it, so the plan the engine optimizes
        is the chain's width times its depth, and DuckDB 2.0 walks that plan once per
        level, aggregate and join: in a 4,000-tag, 4,000-segment project the last of 13
        levels carried 9,250 columns, this way 3,630."""
        self.base()
        plan = self.plan
        used = {name for c in plan.columns for name in ir.references(c.definition)}
        deferred = self.deferrable_segments(used) if defer_segments else {}
        compiler = ExprCompiler(self.target, plan.as_of, self.resolve_user_level)
        chained: list[DefinitionColumn] = []
        for column in plan.columns:
            if column.column in deferred:
                continue
            value = self.definition_value(compiler, column.definition)
            self.values[column.column] = value
            if isinstance(value, exp.Column):
                self.aliases[column.column] = value
            elif column.definition.name in used:
                chained.append(column)
        last = self.levels(chained)
        in_chain = {c.column for c in chained}
        outputs: list[exp.Expression] = [col(USER)]
        for c in plan.columns:
            if c.column in deferred:
                continue
            kind = c.definition.type if isinstance(c.definition, ir.Tag) else Type.STRING
            kind = Type.BOOL if isinstance(c.definition, ir.Segment) else kind
            computed = col(c.column) if c.column in in_chain else self.values[c.column]
            value = self.target.result_column(computed, kind)
            named = isinstance(value, exp.Column) and value.name == c.column
            outputs.append(value if named else aliased(value, c.column))
        query = exp.Select(expressions=outputs).from_(cte_ref(last), copy=False)
        query.set("with_", exp.With(expressions=self.ctes))
        return self.target.finish_query(query), deferred


def build_query(plan: Plan, target: Target, identity_map: str | None = None) -> exp.Select:
    """The per-user result: `_u` and one column per definition (see plan.columns)."""
    return QueryBuilder(plan, target, identity_map).build()[0]


def build_result_query(
    plan: Plan, target: Target, identity_map: str | None = None
) -> tuple[exp.Select, dict[str, exp.Expression]]:
    """The per-user query of a run's result table, without the flags of the segments the
    target evaluates where members are written (Target.defer_segment_flags), and those
    segments: column -> condition over the result's columns."""
    return QueryBuilder(plan, target, identity_map).build(target.defer_segment_flags)


def event_time(target: Target, source: ir.Source, table: str | None = None) -> exp.Expression:
    """An event row's time as a timestamp in the project's zone (a date: its midnight)."""
    assert source.time_column is not None
    time_type = source.column_type(source.time_column) or Type.TIMESTAMP
    time_value = target.read_column(col(source.time_column, table), time_type)
    return target.to_timestamp(time_value) if time_type is Type.DATE else time_value


def _zero_unless_nan(slot: AggregateSlot) -> bool:
    """A sum: 0 over no values, null where the values give NaN."""
    entry = slot.aggregate.entry
    return entry.empty is EmptyValue.ZERO and entry.nan_possible


def _counted(column: str) -> str:
    return f"n_{column}"


def key_present(target: Target, key: exp.Expression, key_type: Type | None) -> exp.Expression:
    """A row with a user key: not null, and for a number key not NaN (read as null, SPEC
    §3: such rows are not users)."""
    tested = target.nan_to_null(key) if key_type is Type.NUMBER else key
    return exp.Not(this=exp.Paren(this=exp.Is(this=tested, expression=exp.null())))


def _instant_of(target: Target, source: ir.Source, column: str, table: str) -> exp.Expression:
    """A date or timestamp column of a profile as a timestamp (a date is its midnight)."""
    kind = source.column_type(column) or Type.TIMESTAMP
    value = target.read_column(col(column, table), kind)
    return target.to_timestamp(value) if kind is Type.DATE else value


def profile_visibility(
    target: Target, source: ir.Source, table: str, as_of: dt.datetime
) -> exp.Expression | None:
    """The rows of a profile that hold at the as-of (SPEC §3.1), or None when every row
    does: created before it (`created`: a null time counts as always), and for a history
    the version with valid_from <= as_of < valid_to (a null end is open, a null start is
    since always)."""
    at = target.timestamp(as_of)
    parts: list[exp.Expression] = []

    def bound(column: str, test: type[exp.LT] | type[exp.LTE], as_of_first: bool) -> None:
        value = _instant_of(target, source, column, table)
        compared = (
            test(this=at.copy(), expression=value)
            if as_of_first
            else test(this=value, expression=at.copy())
        )
        unknown = exp.Is(this=value.copy(), expression=exp.null())
        parts.append(exp.Paren(this=exp.Or(this=unknown, expression=compared)))

    if source.created is not None:
        bound(source.created, exp.LT, as_of_first=False)  # created < as_of
    if source.valid_from is not None and source.valid_to is not None:
        bound(source.valid_from, exp.LTE, as_of_first=False)  # valid_from <= as_of
        bound(source.valid_to, exp.LT, as_of_first=True)  # as_of < valid_to
    return and_all(parts) if parts else None


def inverted_version(target: Target, source: ir.Source, table: str) -> exp.Expression | None:
    """A version of a history that ends before it begins (valid_to < valid_from): it holds
    at no as-of (None: the source is no history)."""
    if source.valid_from is None or source.valid_to is None:
        return None
    begins = _instant_of(target, source, source.valid_from, table)
    ends = _instant_of(target, source, source.valid_to, table)
    return exp.LT(this=ends, expression=begins)


def id_text(target: Target, value: exp.Expression, declared: Type | None) -> exp.Expression:
    """An ID column's value as the text it is compared as (identity): a number declared as
    such as its digits (7, not 7.0; a fraction is no ID), anything else cast to text."""
    text = exp.DataType.build("VARCHAR")
    if declared is not Type.NUMBER:
        return exp.Cast(this=value, to=text)
    # whole and within BIGINT's range (NaN compares as the largest number or as false,
    # so it is outside; SQLite stores it as null); the cast only ever sees such values.
    # The range is compared exactly (Target.exactly_comparable): in DOUBLE, DuckDB,
    # PostgreSQL and Spark would round the BIGINT 2^63 - 1 up to 2^63 (then out of range).
    small = exp.and_(  # not ABS: the BIGINT -2^63 has no absolute value
        exp.LT(this=value.copy(), expression=target.number(1e19)),
        exp.GT(this=value.copy(), expression=target.number(-1e19)),
    )
    exact = target.exactly_comparable(value.copy())
    low = exp.GTE(this=exact, expression=target.exact_integer(-(2**63)))
    high = exp.LT(this=exact.copy(), expression=target.exact_integer(2**63))
    # the size first, as a CASE: Spark's FLOOR of a double is a BIGINT, which overflows
    # beyond 2^63 in its ANSI mode, and AND does not promise to evaluate its left side first
    whole = exp.EQ(this=value.copy(), expression=exp.Floor(this=value.copy()))
    in_range = exp.Case(ifs=[exp.If(this=and_all([low, high]), true=whole)], default=exp.false())
    is_id = exp.Case(ifs=[exp.If(this=small, true=in_range)], default=exp.false())
    whole_number = target.guarded_cast(value.copy(), is_id, exp.DataType.build("BIGINT"))
    return exp.Cast(this=whole_number, to=text)


def key_literal(target: Target, user: object) -> exp.Expression:
    """A user key as a SQL literal, exactly: an integer's every digit (`target.number`
    would write one from 2^53 on as a double)."""
    if isinstance(user, str):
        return target.string(user)
    if isinstance(user, int) and not isinstance(user, bool):
        literal = exp.Literal.number(abs(user))
        return exp.Paren(this=exp.Neg(this=literal)) if user < 0 else literal
    if isinstance(user, float) and math.isinf(user):  # a key of the data: any number
        return target.infinity(user < 0)
    return target.number(user)  # type: ignore[arg-type]

"""The SQL of funnels and retention (SPEC §3.4-3.5, docs/reports.md): sqlglot queries whose
small aggregated rows give exactly what the reference evaluator
(runtime/reference/reports.py) computes. runtime/reports.py runs them and shapes the JSON;
nothing here knows a connection.

Times: warehouse timestamps are wall-clock times in the project's zone; durations
(`within`, rolling days and weeks, the time between steps) are elapsed time between
instants. Each event's instant is computed in SQL as epoch seconds: the seconds from
1970-01-01 to its wall time minus the zone's UTC offset at that wall time, read from a
small table of the zone's offset changes built here from the tz database (a wall time in
a skipped or repeated hour takes the offset before the change, as Python's `fold=0`).
Every comparison of times and every duration is made between these numbers, so it is the
same on every engine and needs no engine time-zone function.

Funnels enumerate chains step by step (one join per step, each chain row carrying the
identity of its events, so a chain never uses one event twice); every order that picks a
chain (the earliest-completing one, the entry of `by entry`) is total: ties left by it are
between rows that give the same result, so results never depend on row order.

Retention by calendar periods buckets each return into its period and joins on it, as a
hand-written query would, reading the instant only of the few returns whose wall time a
zone skips next to a period's start (`gap_periods`); rolling periods join each member's
cells with the member's returns on their instants.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Sequence
from functools import cache
from zoneinfo import ZoneInfo

from sqlglot import exp

from segl.compiler import ir, registry, timeutil
from segl.compiler.ops import CompareOp, LogicOp
from segl.compiler.plan import build_plan
from segl.compiler.reports import model
from segl.compiler.sqlgen.expressions import ExprCompiler
from segl.compiler.sqlgen.nodes import (
    USER,
    aliased,
    and_all,
    col,
    cte_ref,
    ident,
    table_ref,
    union_all,
)
from segl.compiler.sqlgen.query import QueryBuilder, id_text
from segl.compiler.store import Kind
from segl.compiler.targets import Target, TargetError
from segl.compiler.timeutil import calendar_period_start
from segl.compiler.types import Type

EPOCH = dt.datetime(1970, 1, 1)
FIRST_YEAR = 1970  # the zone's offset changes are tabled from here
PER_USER = "pu"  # the per-user query (universe users, hidden values)
ZONE = "tz"  # the zone's offset changes: (lo, hi, off) for walls in [lo, hi)
HIDDEN = "_segl_report_"  # hidden tags: per-user values reports read
# every CTE of a report query is named with this prefix: SQLite sees a CTE's name in every
# CTE of its WITH, also the earlier ones, so a CTE named like a warehouse table (`users`)
# would hide that table from the per-user query ("circular reference")
STEP_PREFIX = "segl_q_"
PARSED_WALL = "_segl_wall"  # a source's time as read once (_Query._table_rows)
LEAVES = (ir.ProfileColumn, ir.TagRef, ir.SegmentRef, ir.LayeringRef, ir.Aggregate)
UNIT_SECONDS = {"day": 86400, "week": 7 * 86400}
PERSONS = "persons"  # a project with an identity: the CTE of (kind, id, person) of a run


@dataclasses.dataclass(frozen=True)
class Persons:
    """Where a report of a project with an identity reads its persons: the rows of the
    store's persons table `table` stored by the run at `as_of` (docs/reports.md)."""

    table: str
    as_of: dt.datetime

    def rows(self, target: Target) -> exp.Select:
        """(kind, id, person) of every ID of every person of that run."""
        at = exp.EQ(this=col("as_of"), expression=target.timestamp(self.as_of))
        return (
            exp.Select(expressions=[col("kind"), col("id"), col("person")])
            .from_(table_ref(self.table), copy=False)
            .where(at, copy=False)
        )


def step_ref(name: str, alias: str | None = None) -> exp.Table:
    """A reference to the report query's CTE `name` (added by `_Query.add`)."""
    return cte_ref(STEP_PREFIX + name, alias)


# ---------------------------------------------------------------- the zone


@dataclasses.dataclass(frozen=True)
class ZoneOffsets:
    """A zone's UTC offsets (seconds) by wall time: `initial` before the first change;
    from `changes[i][0]` on (a wall time), `changes[i][1]`."""

    initial: int
    changes: tuple[tuple[dt.datetime, int], ...]

    def offset(self, wall: dt.datetime) -> int:
        current = self.initial
        for start, offset in self.changes:
            if wall < start:
                break
            current = offset
        return current

    def instant(self, wall: dt.datetime) -> float:
        """Epoch seconds of a wall time, as `Clock.instant` computes them in SQL."""
        return (wall - EPOCH).total_seconds() - self.offset(wall)


@cache
def zone_offsets(zone_name: str, last_year: int) -> ZoneOffsets:
    """The offset changes of a zone from 1970 to the end of `last_year`. A change at the
    instant T from offset o1 to o2 starts at the wall time T + max(o1, o2): a wall time in
    the skipped hour (spring forward) or in the repeated hour (fall back) keeps o1, which
    is how Python reads it with fold=0 (the reference's reading)."""
    zone = ZoneInfo(zone_name)

    def offset_at(utc: dt.datetime) -> int:
        shift = utc.replace(tzinfo=dt.UTC).astimezone(zone).utcoffset()
        return int(shift.total_seconds()) if shift is not None else 0

    day = dt.timedelta(days=1)
    moment = dt.datetime(FIRST_YEAR, 1, 1)
    # the last day Python can step past is 9999-12-30 (an --as-of in the year 9999 asks for
    # the offsets up to the end of the year 10000)
    end = dt.datetime(last_year + 1, 1, 1) if last_year < dt.MAXYEAR else dt.datetime.max - day
    initial = previous = offset_at(moment)
    changes: list[tuple[dt.datetime, int]] = []
    while moment < end:
        following = moment + day
        current = offset_at(following)
        if current != previous:
            low, high = moment, following  # offset_at(low) == previous, offset_at(high) != previous
            while (high - low) > dt.timedelta(seconds=1):
                middle = low + (high - low) // 2
                middle = middle.replace(microsecond=0)
                if offset_at(middle) == previous:
                    low = middle
                else:
                    high = middle
            current = offset_at(high)
            changes.append((high + dt.timedelta(seconds=max(previous, current)), current))
            previous = current
        moment = following
    return ZoneOffsets(initial, tuple(changes))


class Clock:
    """Wall times (timestamps) to instants (epoch seconds, a number) in SQL."""

    def __init__(self, target: Target, zone_name: str, last_year: int) -> None:
        self.target = target
        self.offsets = zone_offsets(zone_name, last_year)
        self.joins = 0

    def cte(self) -> exp.Query | None:
        """The table of offset changes, or None when the zone has one offset."""
        changes = self.offsets.changes
        if not changes:
            return None
        target = self.target
        rows: list[list[exp.Expression]] = [
            [target.timestamp(start), target.timestamp(end), target.number(offset)]
            for (start, offset), (end, _) in itertools.pairwise(changes)
        ]
        if not rows:  # one change: no interval between two changes
            start, offset = changes[0]
            rows = [[target.timestamp(start), target.timestamp(start), target.number(offset)]]
        return target.constant_rows(["lo", "hi", "off"], rows)

    def seconds(self, wall: exp.Expression) -> exp.Expression:
        """Seconds from 1970-01-01 to a wall time, as if it were UTC."""
        return self.target.seconds_between(self.target.timestamp(EPOCH), wall)

    def instant(self, query: exp.Select, wall: exp.Expression) -> tuple[exp.Select, exp.Expression]:
        """`query` with the zone's offset at `wall` joined, and the instant of `wall`."""
        changes = self.offsets.changes
        if not changes:
            return query, exp.Sub(
                this=self.seconds(wall), expression=self.target.number(self.offsets.initial)
            )
        self.joins += 1
        alias = f"tz{self.joins}"
        on = exp.and_(
            exp.GTE(this=wall.copy(), expression=col("lo", alias)),
            exp.LT(this=wall.copy(), expression=col("hi", alias)),
        )
        query = query.join(step_ref(ZONE, alias), on=on, join_type="LEFT", copy=False)
        outside = exp.Case(
            ifs=[
                exp.If(
                    this=exp.LT(this=wall.copy(), expression=self.target.timestamp(changes[0][0])),
                    true=self.target.number(self.offsets.initial),
                )
            ],
            default=self.target.number(changes[-1][1]),
        )
        offset = exp.Coalesce(this=col("off", alias), expressions=[outside])
        return query, exp.Sub(this=self.seconds(wall), expression=exp.Paren(this=offset))

    def at(self, wall: dt.datetime) -> float:
        """The instant of a wall time known when compiling."""
        return self.offsets.instant(wall)


# ---------------------------------------------------------------- events


class _Query:
    """The CTEs of one report query: the per-user query, the zone, the event scans."""

    def __init__(
        self,
        project: ir.Project,
        as_of: dt.datetime,
        target: Target,
        per_user: Sequence[ir.Expr],
        matches: Sequence[model.EventMatch],
        last_year: int,
        persons: Persons | None = None,
    ) -> None:
        if (project.identity is None) != (persons is None):
            raise ValueError("a report reads persons exactly when its project has an identity")
        self.project = project
        self.as_of = as_of
        self.target = target
        self.clock = Clock(target, project.timezone, last_year)
        self.ctes: list[exp.CTE] = []
        # with an identity every user is a person: the per-user query and the event scans
        # key rows by the person their ID belongs to, as a run does (compiler/sqlgen/query.py)
        self.identity_map: str | None = None
        if persons is not None:
            self.add(PERSONS, persons.rows(target))
            self.identity_map = self.ctes[-1].alias_or_name
        # per-user values (split values, filters' tags and profile columns): hidden tags
        leaves: list[ir.Expr] = list(per_user)
        for match in matches:
            for node in ir.walk(match.filter) if match.filter is not None else ():
                if isinstance(node, LEAVES) and node not in leaves:
                    leaves.append(node)
        self.hidden: dict[ir.Expr, str] = {}
        tags: list[ir.Tag] = []
        for index, leaf in enumerate(leaves):
            if leaf in self.hidden:
                continue
            tag = ir.Tag(f"{HIDDEN}{index}", None, leaf)
            tags.append(tag)
            self.hidden[leaf] = tag.name
        extended = dataclasses.replace(project, definitions=(*project.definitions, *tags))
        plan = build_plan(extended.closure([t.name for t in tags]), as_of)
        self.columns = {leaf: plan.column_for(name).column for leaf, name in self.hidden.items()}
        self.add(PER_USER, QueryBuilder(plan, target, self.identity_map).build()[0])
        zone = self.clock.cte()
        if zone is not None:
            self.add(ZONE, zone)
        self.scans: dict[str, str] = {}
        # wall times outside [low, high) can be in no result (a funnel's chains): left out of
        # the scans, before the per-user row numbers are computed over them
        self.scan_range: tuple[dt.datetime | None, dt.datetime | None] = (None, None)
        # false: `scan` reads the events of every user (a caller that joins its result with
        # the universe's users anyway, and whose filters read no per-user value)
        self.scan_universe = True

    def add(self, name: str, query: exp.Expression | exp.Query) -> None:
        alias = exp.TableAlias(this=ident(STEP_PREFIX + name))
        materialized = True if self.target.materialize_ctes else None
        self.ctes.append(exp.CTE(this=query, alias=alias, materialized=materialized))

    def per_user(self, expr: ir.Expr, table: str) -> exp.Expression:
        """A per-user value of a user's row in `table` (the per-user query joined)."""

        if expr in self.columns:
            return col(self.columns[expr], table)

        def resolve(node: ir.Expr) -> exp.Expression:
            if node in self.columns:
                return col(self.columns[node], table)
            raise TargetError(self.target.name, type(node).__name__, "not a per-user value")

        return ExprCompiler(self.target, self.as_of, resolve).compile(expr)

    def scan(self, source_name: str, identity: bool = True) -> str:
        """A CTE of a source's events before the as-of, of users of the universe (of every
        user when `scan_universe` is false; no per-user values then): `_u`,
        `_w` (wall time), `_a` (instant), `_i` (the row's identity among the user's rows;
        left out when `identity` is false: its window over each user's rows would be
        computed before any filter on the scan), `_id` (the row's own ID: `_u` unless the
        user is a person), the declared columns, and the per-user values filters read
        (`h<n>`)."""
        key = source_name if identity else f"{source_name} without identity"
        if key in self.scans:
            return self.scans[key]
        target, source = self.target, self.project.source(source_name)
        query, user, wall, instant, columns = self._rows(source, universe=self.scan_universe)
        assert instant is not None
        order = [exp.Ordered(this=wall.copy(), nulls_first=False)] + [
            exp.Ordered(
                this=target.ordered_text(value.copy()) if kind is Type.STRING else value.copy(),
                nulls_first=False,
            )
            for value, (_, kind) in zip(columns.values(), source.columns, strict=True)
        ]
        row_identity = exp.Window(
            this=exp.RowNumber(), partition_by=[user.copy()], order=exp.Order(expressions=order)
        )
        selects: list[exp.Expression] = [
            aliased(user, USER),
            aliased(wall.copy(), "_w"),
            aliased(instant, "_a"),
            *([aliased(row_identity, "_i")] if identity else []),
            aliased(col(source.user_column, "e"), "_id"),
        ]
        selects += [aliased(value, f"c_{name}") for name, value in columns.items()]
        if self.scan_universe:
            selects += [
                aliased(col(column, PER_USER), f"h_{column}") for column in self.columns.values()
            ]
        query.set("expressions", selects)
        query = query.where(and_all(self._bounds(wall)), copy=False)
        name = f"src{len(self.scans)}"
        self.add(name, query)
        self.scans[key] = name
        return name

    def events(
        self, name: str, match: model.EventMatch, instants: bool = True, universe: bool = True
    ) -> None:
        """A CTE `name` of the events of `match` before the as-of, of users of the
        universe (`_u`, `_w`, and unless `instants` is false `_a`; no row identity), read
        by a scan of its own with the match's filter in it: the engine reads only the
        matching rows, where a scan shared by two matches (`matching`) is read whole, and
        materialized by DuckDB, which materializes a CTE read twice. `universe` false: of
        any user, unless the filter reads per-user values (for a caller that joins the
        events with users of the universe anyway)."""
        source = self.project.source(match.source)
        universe = universe or self.reads_per_user(match)
        query, user, wall, instant, columns = self._rows(source, instants, universe)
        selects = [aliased(user, USER), aliased(wall.copy(), "_w")]
        if instant is not None:
            selects.append(aliased(instant, "_a"))
        query.set("expressions", selects)
        conditions = self._bounds(wall)
        if match.filter is not None:

            def resolve(node: ir.Expr) -> exp.Expression:
                if isinstance(node, ir.EventColumn) and node.column in columns:
                    return columns[node.column].copy()
                if node in self.columns:
                    return col(self.columns[node], PER_USER)
                raise TargetError(self.target.name, type(node).__name__, "in a report's filter")

            compiled = ExprCompiler(self.target, self.as_of, resolve).compile(match.filter)
            conditions.append(
                exp.EQ(this=exp.Paren(this=compiled), expression=self.target.boolean(True))
            )
        self.add(name, query.where(and_all(conditions), copy=False))

    def reads_per_user(self, match: model.EventMatch) -> bool:
        """Whether the match's filter reads a per-user value (a tag, a profile column)."""
        return match.filter is not None and any(
            node in self.columns for node in ir.walk(match.filter)
        )

    def _rows(
        self, source: ir.Source, instants: bool = True, universe: bool = True
    ) -> tuple[
        exp.Select,
        exp.Expression,
        exp.Expression,
        exp.Expression | None,
        dict[str, exp.Expression],
    ]:
        """A source's rows of users of the universe (the per-user query joined, unless
        `universe` is false), with the zone's offset unless `instants` is false: the query
        without its columns, the user, the wall time, the instant (None without
        `instants`), and the declared columns by name."""
        target = self.target
        wall = self._wall(source)
        query, user = self._events_by_user(source)
        if universe:
            query = query.join(
                step_ref(PER_USER, PER_USER),
                on=exp.EQ(this=col(USER, PER_USER), expression=user.copy()),
                join_type="INNER",
                copy=False,
            )
        instant = None
        if instants:
            query, instant = self.clock.instant(query, wall)
        columns = {name: target.read_column(col(name, "e"), kind) for name, kind in source.columns}
        return query, user, wall, instant, columns

    def _bounds(self, wall: exp.Expression) -> list[exp.Expression]:
        """Wall times before the as-of, and in `scan_range`."""
        target = self.target
        bounds: list[exp.Expression] = [
            exp.LT(this=wall.copy(), expression=target.timestamp(self.as_of))
        ]
        low, high = self.scan_range
        if low is not None:
            bounds.append(exp.GTE(this=wall.copy(), expression=target.timestamp(low)))
        if high is not None and high < self.as_of:
            bounds.append(exp.LT(this=wall.copy(), expression=target.timestamp(high)))
        return bounds

    def _read_wall(self, source: ir.Source, table: str) -> exp.Expression:
        """The wall time of a row of `source` in `table`, as the target reads its column."""
        assert source.time_column is not None
        time_type = source.column_type(source.time_column) or Type.TIMESTAMP
        wall = self.target.read_column(col(source.time_column, table), time_type)
        return self.target.to_timestamp(wall) if time_type is Type.DATE else wall

    def _wall(self, source: ir.Source) -> exp.Expression:
        """The wall time of a row `e` of the source (`_table_rows`)."""
        if self.target.materialize_ctes:
            return col(PARSED_WALL, "e")
        return self._read_wall(source, "e")

    def _table_rows(self, source: ir.Source) -> exp.Table:
        """The source's table as the scans read it (`e`). Where CTEs are materialized
        (SQLite, whose times are text: reading one is a CASE of GLOBs and DATETIMEs), a CTE
        of its rows with the time read once, as `_segl_wall`: a scan
        used it in its bounds, its order, its instant and twice per row of the zone's
        offsets (a rolling retention over 2,000 events in Europe/Berlin: 4.8 s, 0.45 s
        in UTC)."""
        if not self.target.materialize_ctes:
            return table_ref(source.table, "e")
        name = f"rows_{source.name}"
        if not any(c.alias_or_name == STEP_PREFIX + name for c in self.ctes):
            wall = self._read_wall(source, "e")
            # the scans bound the rows (`_bounds`), by the column read here
            rows = exp.Select(expressions=[exp.Star(), aliased(wall, PARSED_WALL)]).from_(
                table_ref(source.table, "e"), copy=False
            )
            self.add(name, rows)
        return step_ref(name, "e")

    def _events_by_user(self, source: ir.Source) -> tuple[exp.Select, exp.Expression]:
        """A source's rows (`e`) and their user: the user column, or with an identity the
        person its ID belongs to (an inner join: a row whose ID is no person's is left out,
        as in a run)."""
        query = exp.Select().from_(self._table_rows(source), copy=False)
        if self.identity_map is None:
            return query, col(source.user_column, "e")
        assert source.id_kind is not None
        declared = self.project.id_type(source, source.user_column, source.id_kind)
        own_id = col(source.user_column, "e")
        on = exp.and_(
            exp.EQ(this=col("kind", "m"), expression=exp.Literal.string(source.id_kind)),
            exp.EQ(this=col("id", "m"), expression=id_text(self.target, own_id, declared)),
        )
        persons = cte_ref(self.identity_map, "m")
        query = query.join(persons, on=on, join_type="INNER", copy=False)
        return query, col("person", "m")

    def matching(
        self,
        name: str,
        match: model.EventMatch,
        extra: Sequence[exp.Expression] = (),
        columns: Sequence[str] = (),
    ) -> None:
        """A CTE `name` of the events of `match`: `_u`, `_w`, `_a`, `_i`, and `columns`
        (declared columns of the source, as `c_<column>`)."""
        scan = self.scan(match.source)
        conditions = list(extra)
        if match.filter is not None:
            source = self.project.source(match.source)

            def resolve(node: ir.Expr) -> exp.Expression:
                if isinstance(node, ir.EventColumn) and source.column_type(node.column):
                    return col(f"c_{node.column}")
                if node in self.columns:
                    return col(f"h_{self.columns[node]}")
                raise TargetError(self.target.name, type(node).__name__, "in a report's filter")

            compiled = ExprCompiler(self.target, self.as_of, resolve).compile(match.filter)
            conditions.append(
                exp.EQ(this=exp.Paren(this=compiled), expression=self.target.boolean(True))
            )
        selects = [col(c) for c in (USER, "_w", "_a", "_i")] + [col(f"c_{c}") for c in columns]
        query = exp.Select(expressions=selects).from_(step_ref(scan), copy=False)
        if conditions:
            query = query.where(and_all(conditions), copy=False)
        self.add(name, query)

    def finish(self, query: exp.Select) -> exp.Select:
        query.set("with_", exp.With(expressions=self.ctes))
        return self.target.finish_query(query)


def _number(value: float) -> exp.Expression:
    return exp.Literal.number(repr(value) if not float(value).is_integer() else int(value))


def _count() -> exp.Expression:
    return exp.Count(this=exp.Star())


def _flag(condition: exp.Expression) -> exp.Expression:
    return exp.Case(
        ifs=[exp.If(this=condition, true=exp.Literal.number(1))], default=exp.Literal.number(0)
    )


# ---------------------------------------------------------------- funnels

FUNNEL_COUNTS, FUNNEL_DURATIONS = 0, 1


def window_seconds(funnel: model.Funnel) -> float | None:
    """How long after its first event a chain's events can lie (SPEC §3.4): the funnel's
    window, or the sum of the steps' windows when every later step has one (the shorter of
    the two); None: forever. A bound on what to read, not the censoring window."""
    ends: list[float] = []
    if funnel.within is not None:
        ends.append(funnel.within.total_seconds())
    windows = [step.within for step in funnel.steps[1:]]
    if all(w is not None for w in windows):
        ends.append(sum(w.total_seconds() for w in windows if w is not None))
    return min(ends) if ends else None


# more than any two UTC offsets differ (-12:00 to +14:00): a wall time this far before
# another is an earlier instant in every zone, across any change of offset
OFFSET_MARGIN = dt.timedelta(days=2)


def chain_walls(
    funnel: model.Funnel, start: dt.datetime, end: dt.datetime
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Wall times every event of a chain lies in: its first event's wall time is in the
    entry range [start, end) and every later one is at or after that instant and, with a
    window, before that instant plus the window (SPEC §3.4); widened by OFFSET_MARGIN on
    both sides, as the offset at an event's wall time may differ from the entry's."""
    window = window_seconds(funnel)
    low = _shifted(start, -OFFSET_MARGIN)
    if window is None:
        return low, None
    return low, _shifted(end, dt.timedelta(seconds=window) + OFFSET_MARGIN)


def _shifted(moment: dt.datetime, by: dt.timedelta) -> dt.datetime | None:
    """`moment + by`, or None (no bound) past the calendar's ends."""
    try:
        return moment + by
    except OverflowError:
        return None


def may_match_one_row(first: model.EventMatch, second: model.EventMatch) -> bool:
    """Whether one row can match both: the same source, and no column that the filters
    pin (`column == literal` in their top-level `and`s) to two different values."""
    if first.source != second.source:
        return False
    pinned, other = _pinned(first), _pinned(second)
    return all(pinned[column] == other[column] for column in pinned.keys() & other.keys())


def _pinned(match: model.EventMatch) -> dict[str, object]:
    """The columns a filter holds to one string, number or boolean literal (only where
    the filter is TRUE: a null column matches neither)."""
    pinned: dict[str, object] = {}
    pending = [match.filter] if match.filter is not None else []
    while pending:
        node = pending.pop()
        if isinstance(node, ir.Logic) and node.op is LogicOp.AND:
            pending += [node.left, node.right]
        elif isinstance(node, ir.Compare) and node.op is CompareOp.EQ:
            for column, value in ((node.left, node.right), (node.right, node.left)):
                if (
                    isinstance(column, ir.EventColumn)
                    and column.source == match.source
                    and isinstance(value, ir.Literal)
                    and value.type in (Type.STRING, Type.NUMBER, Type.BOOL)
                    and value.value is not None
                    and column.column not in pinned
                ):
                    pinned[column.column] = value.value
    return pinned


def funnel_query(
    project: ir.Project,
    funnel: model.Funnel,
    as_of: dt.datetime,
    target: Target,
    start: dt.datetime,
    end: dt.datetime,
    persons: Persons | None = None,
) -> exp.Select:
    """Rows (`_k` the group's value, `_part`, `_s`, `_x`, `_n`) of a funnel's users whose
    first step falls in the entry range [start, end) (wall times in the project's zone):
    `_part` 0: `_n` users whose furthest step is `_s` (1-based), censored when `_x` is 1;
    `_part` 1: `_n` users who reached step `_s` (0-based, from 1) `_x` seconds after the
    previous step of their earliest-completing furthest chain. `_k` is null without `by`."""
    split = funnel.split
    per_user = [split.value] if split is not None and split.value is not None else []
    entry_column = split.entry_column if split is not None else None
    matches = [s.event for s in funnel.steps]
    q = _Query(project, as_of, target, per_user, matches, as_of.year + 1, persons)
    q.scan_range = chain_walls(funnel, start, end)
    # `users` keeps the universe's users: the scans need not join them unless a filter
    # reads their values (at 10^8 events the join of every scanned row cost a third)
    q.scan_universe = any(q.reads_per_user(match) for match in matches)
    steps, count = funnel.steps, len(funnel.steps)
    entry_range: list[exp.Expression] = [
        exp.GTE(this=col("_w"), expression=target.timestamp(start)),
        exp.LT(this=col("_w"), expression=target.timestamp(end)),
    ]
    for index, step in enumerate(funnel.steps):
        extra = entry_range if index == 0 else []
        columns = [entry_column] if index == 0 and entry_column is not None else []
        q.matching(f"st{index}", step.event, extra, columns)
    # chains of 1..count steps: c<d> holds (_u, i0, a0, ..., i<d-1>, a<d-1>, _v)
    entry_value = col(f"c_{entry_column}", "s") if entry_column is not None else exp.null()
    # shared[i][j]: steps i < j may match one row, so a chain must not use it for both;
    # without such a pair no row identity is read, and the engine need not number the rows
    shared = [
        [i < j and may_match_one_row(steps[i].event, steps[j].event) for j in range(count)]
        for i in range(count)
    ]
    identity = [aliased(col("_i", "s"), "i0")] if any(shared[0]) else []
    first = exp.Select(
        expressions=[
            col(USER, "s"),
            *identity,
            aliased(col("_a", "s"), "a0"),
            aliased(entry_value, "_v"),
        ]
    ).from_(step_ref("st0", "s"), copy=False)
    q.add("c1", first)
    funnel_window = None if funnel.within is None else funnel.within.total_seconds()
    for depth in range(1, count):
        step = funnel.steps[depth]
        previous = col(f"a{depth - 1}", "c")
        on: list[exp.Expression] = [
            exp.EQ(this=col(USER, "s"), expression=col(USER, "c")),
            exp.GTE(this=col("_a", "s"), expression=previous.copy()),
        ]
        if funnel_window is not None:
            limit = exp.Add(this=col("a0", "c"), expression=_number(funnel_window))
            on.append(exp.LT(this=col("_a", "s"), expression=limit))
        if step.within is not None:
            limit = exp.Add(this=previous.copy(), expression=_number(step.within.total_seconds()))
            on.append(exp.LT(this=col("_a", "s"), expression=limit))
        for earlier in range(depth):  # distinct events: never the same row twice
            if shared[earlier][depth]:
                on.append(exp.NEQ(this=col("_i", "s"), expression=col(f"i{earlier}", "c")))
        carried: list[exp.Expression] = [col(USER, "c")]
        for earlier in range(depth):
            kept: list[exp.Expression] = [col(f"i{earlier}", "c")] if any(shared[earlier]) else []
            carried += [*kept, col(f"a{earlier}", "c")]
        carried += [col("_v", "c")]
        if any(shared[depth]):
            carried.append(aliased(col("_i", "s"), f"i{depth}"))
        carried.append(aliased(col("_a", "s"), f"a{depth}"))
        chain = (
            exp.Select(expressions=carried)
            .from_(step_ref(f"c{depth}", "c"), copy=False)
            .join(step_ref(f"st{depth}", "s"), on=and_all(on), join_type="INNER", copy=False)
        )
        windowed = depth + 1 < count and steps[depth + 1].within is not None  # the next step
        q.add(f"c{depth + 1}", _dominant(chain, depth + 1, windowed))
    number_null = target.null(Type.NUMBER)
    union: exp.Query | None = None
    for depth in range(1, count + 1):
        times = [
            aliased(col(f"a{i}") if i < depth else number_null.copy(), f"a{i}")
            for i in range(count)
        ]
        part = exp.Select(
            expressions=[col(USER), aliased(exp.Literal.number(depth), "_d"), *times, col("_v")]
        ).from_(step_ref(f"c{depth}"), copy=False)
        union = part if union is None else exp.Union(this=union, expression=part, distinct=False)
    assert union is not None
    q.add("chains", union)
    _best_chains(q, project, funnel, count, entry_column)
    last_entry = (
        exp.Select(expressions=[col(USER), aliased(exp.Max(this=col("a0")), "_l")])
        .from_(step_ref("c1"), copy=False)
        .group_by(col(USER), copy=False)
    )
    q.add("entries", last_entry)
    # one row per user: furthest step, its chain's times, censored, the group's value
    unfinished = exp.LT(this=col("_r", "t"), expression=exp.Literal.number(count))
    # censored (SPEC §3.4): unfinished while the window of one of the user's entries, the
    # funnel's `within` from the entry, is still open; without one it never closes
    open_window: exp.Expression = exp.true()
    if funnel.within is not None:
        open_window = exp.GT(
            this=exp.Add(this=col("_l", "l"), expression=_number(funnel.within.total_seconds())),
            expression=_number(q.clock.at(as_of)),
        )
    key: exp.Expression = exp.null()
    if split is not None and split.value is not None:
        key = registry.one_zero(q.per_user(split.value, PER_USER), split.value.type)
    elif entry_column is not None:
        kind = project.source(steps[0].event.source).column_type(entry_column)
        key = registry.one_zero(col("_v", "v"), kind or Type.STRING)
    users = (
        exp.Select(
            expressions=[  # each named: ClickHouse names a bare `t._r` of a join `t._r`
                aliased(col(USER, "t"), USER),
                aliased(col("_r", "t"), "_r"),
                *[aliased(col(f"a{i}", "t"), f"a{i}") for i in range(count)],
                aliased(_flag(exp.And(this=unfinished, expression=open_window)), "_c"),
                aliased(key, "_k"),
            ]
        )
        .from_(step_ref("best", "t"), copy=False)
        .join(
            step_ref("entries", "l"),
            on=exp.EQ(this=col(USER, "l"), expression=col(USER, "t")),
            join_type="INNER",
            copy=False,
        )
        .join(
            step_ref(PER_USER, PER_USER),
            on=exp.EQ(this=col(USER, PER_USER), expression=col(USER, "t")),
            join_type="INNER",
            copy=False,
        )
        .where(exp.EQ(this=col("_n", "t"), expression=exp.Literal.number(1)), copy=False)
    )
    if entry_column is not None:  # the value of the user's entry chain (`_m` 1), another row
        on_entry = exp.and_(
            exp.EQ(this=col(USER, "v"), expression=col(USER, "t")),
            exp.EQ(this=col("_m", "v"), expression=exp.Literal.number(1)),
        )
        users = users.join(step_ref("best", "v"), on=on_entry, join_type="INNER", copy=False)
    q.add("users", users)
    number = Type.NUMBER
    counts = (
        exp.Select(
            expressions=[
                col("_k"),
                aliased(exp.Literal.number(FUNNEL_COUNTS), "_part"),
                aliased(col("_r"), "_s"),
                aliased(target.cast(col("_c"), number), "_x"),
                aliased(_count(), "_n"),
            ]
        )
        .from_(step_ref("users"), copy=False)
        .group_by(col("_k"), col("_r"), col("_c"), copy=False)
    )
    result: exp.Query = counts
    for index in range(1, count):
        gap = exp.Sub(this=col(f"a{index}"), expression=col(f"a{index - 1}"))
        durations = (
            exp.Select(
                expressions=[
                    col("_k"),
                    aliased(exp.Literal.number(FUNNEL_DURATIONS), "_part"),
                    aliased(exp.Literal.number(index), "_s"),
                    aliased(target.cast(gap, number), "_x"),
                    aliased(_count(), "_n"),
                ]
            )
            .from_(step_ref("users"), copy=False)
            .where(exp.GT(this=col("_r"), expression=exp.Literal.number(index)), copy=False)
            .group_by(col("_k"), gap.copy(), copy=False)
        )
        result = exp.Union(this=result, expression=durations, distinct=False)
    q.add("result", result)
    return q.finish(exp.Select(expressions=[exp.Star()]).from_(step_ref("result"), copy=False))


def _dominant(chains: exp.Select, depth: int, windowed: bool) -> exp.Select:
    """Of the chains of `depth` steps from the same entry (carrying the same events for the
    later steps to avoid), only the one with the earliest times read from the last back;
    when the next step has a window of its own, one per time of the last step instead (a
    later last event may open a window an earlier one cannot). Every chain the others
    extend to, the one kept extends to with the same later times, and ranks first
    (`_best_chains`). Without this the chains multiplied by the events per user at every
    step (a 4-step funnel over 320 events a user a month: 22 s; 640: over two minutes)."""
    if windowed and depth == 2:
        return chains  # one per entry and last time: chains differ only at equal times
    # the join's columns by their names in the chain (qualified: both sides have `_u`)
    columns = {e.alias_or_name: e.unalias() for e in chains.expressions}
    names = list(columns)
    kept = (USER, "_v", "a0", f"a{depth - 1}") if windowed else (USER, "_v", "a0")
    key = [n for n in names if n in kept or n.startswith("i")]
    last = depth - 1 if windowed else depth
    earliest = [exp.Ordered(this=columns[f"a{i}"].copy()) for i in reversed(range(1, last))]
    rank = exp.Window(
        this=exp.RowNumber(),
        partition_by=[columns[n].copy() for n in key],
        order=exp.Order(expressions=earliest),  # never empty: a middle step or the last
    )
    ranked = chains.select(aliased(rank, "_p"), copy=False)
    alias = exp.TableAlias(this=exp.to_identifier("p"))
    return (
        exp.Select(expressions=[aliased(col(n, "p"), n) for n in names])
        .from_(exp.Subquery(this=ranked, alias=alias), copy=False)
        .where(exp.EQ(this=col("_p", "p"), expression=exp.Literal.number(1)), copy=False)
    )


def _best_chains(
    q: _Query,
    project: ir.Project,
    funnel: model.Funnel,
    count: int,
    entry_column: str | None,
) -> None:
    """`best`: each user's chains (CTE `chains`) with `_r`, the furthest step the user
    reached, and `_n` 1 on the earliest-completing furthest chain (smallest times read from
    the last step back); with `by entry`, `_m` 1 on the furthest chain with the earliest
    first event, then the smallest value. Without `by entry` one sort per user (furthest
    first); with it the furthest chains are kept first, so its two sorts see only those."""
    completing = [exp.Ordered(this=col(f"a{i}"), nulls_first=False) for i in reversed(range(count))]
    times = [col(f"a{i}") for i in range(count)]
    if entry_column is None:
        furthest = exp.Ordered(this=col("_d"), desc=True)
        order = exp.Order(expressions=[furthest, *completing])
        numbered = exp.Window(this=exp.RowNumber(), partition_by=[col(USER)], order=order)
        best = exp.Select(
            expressions=[
                col(USER),
                aliased(col("_d"), "_r"),
                *times,
                col("_v"),
                aliased(numbered, "_n"),
            ]
        ).from_(step_ref("chains"), copy=False)
        q.add("best", best)
        return
    q.add("ranked", _furthest_chains(q.target, count))
    value = col("_v")
    ordered_value = q.target.ordered_text(value) if _entry_is_text(project, funnel) else value
    entering = [
        exp.Ordered(this=col("a0"), nulls_first=False),
        exp.Ordered(this=ordered_value, nulls_first=False),
    ]
    windows = [
        aliased(
            exp.Window(
                this=exp.RowNumber(), partition_by=[col(USER)], order=exp.Order(expressions=order)
            ),
            name,
        )
        for name, order in (("_n", completing), ("_m", entering))
    ]
    best = exp.Select(expressions=[col(USER), col("_r"), *times, col("_v"), *windows]).from_(
        step_ref("ranked"), copy=False
    )
    q.add("best", best.where(exp.EQ(this=col("_d"), expression=col("_r")), copy=False))


def _furthest_chains(target: Target, count: int) -> exp.Select:
    """Each user's chains with `_r`, their furthest step (`best` keeps those of it). Where
    a CTE read twice is computed once, by a GROUP BY joined back (at 10^7 events on DuckDB
    a window over every chain was the query's costliest operator); elsewhere a second
    reader of `chains` would double the query tree, so by a window."""
    if not target.ctes_computed_once:
        furthest = exp.Window(this=exp.Max(this=col("_d")), partition_by=[col(USER)])
        return exp.Select(expressions=[exp.Star(), aliased(furthest, "_r")]).from_(
            step_ref("chains"), copy=False
        )
    reached = (
        exp.Select(expressions=[col(USER), aliased(exp.Max(this=col("_d")), "_r")])
        .from_(step_ref("chains"), copy=False)
        .group_by(col(USER), copy=False)
    )
    on = exp.and_(
        exp.EQ(this=col(USER, "x"), expression=col(USER, "c")),
        exp.EQ(this=col("_r", "x"), expression=col("_d", "c")),
    )
    return (
        exp.Select(
            expressions=[  # each named: a join's column keeps only its own name
                aliased(col(USER, "c"), USER),
                aliased(col("_d", "c"), "_d"),
                *[aliased(col(f"a{i}", "c"), f"a{i}") for i in range(count)],
                aliased(col("_v", "c"), "_v"),
                aliased(col("_r", "x"), "_r"),
            ]
        )
        .from_(exp.Subquery(this=reached, alias=exp.TableAlias(this=exp.to_identifier("x"))))
        .join(step_ref("chains", "c"), on=on, join_type="INNER", copy=False)
    )


def _entry_is_text(project: ir.Project, funnel: model.Funnel) -> bool:
    split = funnel.split
    if split is None or split.entry_column is None:
        return False
    source = project.source(funnel.steps[0].event.source)
    return source.column_type(split.entry_column) is Type.STRING


# ---------------------------------------------------------------- retention


def retention_query(
    project: ir.Project,
    retention: model.Retention,
    as_of: dt.datetime,
    target: Target,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    persons: Persons | None = None,
) -> exp.Select:
    """Rows (`_p` the cohort's period start, a date; `_k` 1..periods; `_size`; `_n`
    retained; `_open` 1 when some member's period k has not ended at the as-of), one per
    cohort and period. [start, end): the cohort instants kept (wall times).

    Calendar periods bucket each return into its period and join on the period
    (`_calendar_cells`); rolling periods join each member's cells with the member's
    returns on their instants (`_member_cells`)."""
    months = retention.periods if retention.period == "month" else retention.periods // 4 + 1
    q = _Query(
        project,
        as_of,
        target,
        [],
        [retention.cohort, retention.returns],
        as_of.year + 2 + months // 12,
        persons,
    )
    # None: rolling periods (or a zone whose changes are too close for `gap_periods`)
    gaps = None if retention.rolling else gap_periods(q.clock.offsets, retention.period, as_of)
    # instants: of rolling cohorts; of returns compared with rolling cells, or bucketed by
    # their instant (a skipped wall time of a made-up zone's: none of the tz database's)
    q.events("coh", retention.cohort, instants=gaps is None)
    # calendar returns are joined with the members, who are users of the universe
    later = gaps is None or any(g.later for g in gaps)
    q.events("ret", retention.returns, instants=later, universe=gaps is None)
    period = _period_start(target, retention.period, col("_w"))
    partition = [col(USER)] if retention.first else [col(USER), period.copy()]
    ordered = exp.Window(
        this=exp.RowNumber(),
        partition_by=partition,
        order=exp.Order(expressions=[exp.Ordered(this=col("_w"), nulls_first=False)]),
    )
    instant = [col("_a")] if gaps is None else []
    q.add(
        "picked",
        exp.Select(
            expressions=[
                col(USER),
                col("_w"),
                *instant,
                aliased(period, "_p"),
                aliased(ordered, "_o"),
            ]
        ).from_(step_ref("coh"), copy=False),
    )
    kept: list[exp.Expression] = [exp.EQ(this=col("_o"), expression=exp.Literal.number(1))]
    if start is not None:
        kept.append(exp.GTE(this=col("_w"), expression=target.timestamp(start)))
    if end is not None:
        kept.append(exp.LT(this=col("_w"), expression=target.timestamp(end)))
    q.add(
        "members",
        exp.Select(expressions=[col(USER), col("_w"), *[c.copy() for c in instant], col("_p")])
        .from_(step_ref("picked"), copy=False)
        .where(and_all(kept), copy=False),
    )
    ks = [
        exp.Select(expressions=[aliased(exp.Literal.number(k), "k")])
        for k in range(1, retention.periods + 1)
    ]
    q.add("ks", union_all(ks, target.max_compound_terms))
    if gaps is None:
        _member_cells(q, retention)
    else:
        _calendar_cells(q, retention, gaps)
    final = (
        exp.Select(
            expressions=[
                col("_p", "s"),
                col("k", "s"),
                col("_size", "s"),
                aliased(
                    exp.Coalesce(this=col("_n", "h"), expressions=[exp.Literal.number(0)]), "_n"
                ),
                col("_open", "s"),
            ]
        )
        .from_(step_ref("stats", "s"), copy=False)
        .join(
            step_ref("hits", "h"),
            on=exp.and_(
                exp.EQ(this=col("_p", "h"), expression=col("_p", "s")),
                exp.EQ(this=col("k", "h"), expression=col("k", "s")),
            ),
            join_type="LEFT",
            copy=False,
        )
    )
    return q.finish(final)


def _member_cells(q: _Query, retention: model.Retention) -> None:
    """`stats` and `hits` from every member's cells `[_lo, _hi)` (instants) joined with the
    member's returns on `_lo <= _a < _hi`: rolling periods, which start at each member's
    own cohort time (and calendar periods in a zone `gap_periods` cannot bucket)."""
    target = q.target
    k = col("k", "ks")
    grid = exp.Select().from_(step_ref("members", "m"), copy=False)
    grid = grid.join(step_ref("ks", "ks"), join_type="CROSS", copy=False)
    base: list[exp.Expression] = [col(USER, "m"), col("_p", "m"), k]
    if retention.rolling and retention.period in UNIT_SECONDS:
        unit = exp.Literal.number(UNIT_SECONDS[retention.period])
        low = exp.Add(this=col("_a", "m"), expression=exp.Mul(this=k.copy(), expression=unit))
        high = exp.Add(
            this=col("_a", "m"),
            expression=exp.Mul(
                this=exp.Paren(this=exp.Add(this=k.copy(), expression=exp.Literal.number(1))),
                expression=unit.copy(),
            ),
        )
        q.add("cells", grid.select(*base, aliased(low, "_lo"), aliased(high, "_hi"), copy=False))
    else:
        if retention.rolling:  # calendar months from the user's own cohort time, clamped
            origin: exp.Expression = col("_w", "m")
        else:
            origin = target.to_timestamp(col("_p", "m"))
        unit_name = retention.period.upper()
        low_wall = _shift(target, origin, k.copy(), unit_name)
        high_wall = _shift(
            target, origin, exp.Add(this=k.copy(), expression=exp.Literal.number(1)), unit_name
        )
        walls = grid.select(
            *base,
            aliased(target.to_timestamp(low_wall), "_lw"),
            aliased(target.to_timestamp(high_wall), "_hw"),
            copy=False,
        )
        q.add("walls", walls)
        cells = exp.Select().from_(step_ref("walls", "w"), copy=False)
        cells, low_at = q.clock.instant(cells, col("_lw", "w"))
        cells, high_at = q.clock.instant(cells, col("_hw", "w"))
        selects = [col(USER, "w"), col("_p", "w"), col("k", "w")]
        q.add(
            "cells",
            cells.select(*selects, aliased(low_at, "_lo"), aliased(high_at, "_hi"), copy=False),
        )
    as_of_at = _number(q.clock.at(q.as_of))
    keys = [col("_p"), col("k")]
    q.add(
        "stats",
        exp.Select(
            expressions=[
                *keys,
                aliased(_count(), "_size"),
                aliased(exp.Max(this=_flag(exp.GT(this=col("_hi"), expression=as_of_at))), "_open"),
            ]
        )
        .from_(step_ref("cells"), copy=False)
        .group_by(*[key.copy() for key in keys], copy=False),
    )
    on: list[exp.Expression] = [
        exp.EQ(this=col(USER, "r"), expression=col(USER, "c")),
        exp.GTE(this=col("_a", "r"), expression=col("_lo", "c")),
    ]
    if not retention.on_or_after:
        on.append(exp.LT(this=col("_a", "r"), expression=col("_hi", "c")))
    hits = (
        exp.Select(
            expressions=[
                col("_p", "c"),
                col("k", "c"),
                aliased(exp.Count(this=exp.Distinct(expressions=[col(USER, "c")])), "_n"),
            ]
        )
        .from_(step_ref("cells", "c"), copy=False)
        .join(step_ref("ret", "r"), on=and_all(on), join_type="INNER", copy=False)
        .group_by(col("_p", "c"), col("k", "c"), copy=False)
    )
    q.add("hits", hits)


def _calendar_cells(q: _Query, retention: model.Retention, gaps: Sequence[GapPeriod]) -> None:
    """`stats` and `hits` of calendar periods, as a hand-written query would compute them.
    A cohort's cells are the same for all its members, so `stats` is computed once per
    cohort and period (`_open` from the instant the period ends). Each return is bucketed
    into its period (`return_period`), a member is paired with the user's returns, and the
    pair's `k` is the number of periods from the cohort's to the return's: the member is
    retained in cell k (distinct members per cell). With `on or after`, the member is paired
    with the user's latest return period only, and counts in every cell up to its `k`."""
    target = q.target
    q.add(
        "sizes",
        exp.Select(expressions=[col("_p"), aliased(_count(), "_size")])
        .from_(step_ref("members"), copy=False)
        .group_by(col("_p"), copy=False),
    )
    k = col("k", "ks")
    end = _shift(
        target,
        target.to_timestamp(col("_p", "c")),
        exp.Add(this=k.copy(), expression=exp.Literal.number(1)),
        retention.period.upper(),
    )
    walls = (
        exp.Select(
            expressions=[  # each named: ClickHouse names a bare `c._p` of a join `c._p`
                aliased(col("_p", "c"), "_p"),
                aliased(k.copy(), "k"),
                aliased(col("_size", "c"), "_size"),
                aliased(target.to_timestamp(end), "_hw"),
            ]
        )
        .from_(step_ref("sizes", "c"), copy=False)
        .join(step_ref("ks", "ks"), join_type="CROSS", copy=False)
    )
    q.add("walls", walls)
    stats = exp.Select().from_(step_ref("walls", "w"), copy=False)
    stats, high_at = q.clock.instant(stats, col("_hw", "w"))
    is_open = _flag(exp.GT(this=high_at, expression=_number(q.clock.at(q.as_of))))
    names = ("_p", "k", "_size")
    stats.set("expressions", [*[aliased(col(n, "w"), n) for n in names], aliased(is_open, "_open")])
    q.add("stats", stats)
    bucket = return_period(target, retention.period, gaps)
    if not retention.on_or_after:
        mask = target.bit_mask_type(retention.periods + 1)
        if mask is None:
            _return_pairs(q, retention, bucket)
        else:
            _return_masks(q, retention, bucket, mask)
        return
    # members by how far their latest return is, then each cell up to there
    _latest_return_pairs(q, retention, bucket)
    reach = (
        exp.Select(expressions=[col("_p"), col("k"), aliased(_count(), "_n")])
        .from_(step_ref("pairs"), copy=False)
        .where(exp.GTE(this=col("k"), expression=exp.Literal.number(1)), copy=False)
        .group_by(col("_p"), col("k"), copy=False)
    )
    q.add("reach", reach)
    hits = (
        exp.Select(
            expressions=[
                aliased(col("_p", "r"), "_p"),
                aliased(col("k", "ks"), "k"),
                aliased(exp.Sum(this=col("_n", "r")), "_n"),
            ]
        )
        .from_(step_ref("reach", "r"), copy=False)
        .join(step_ref("ks", "ks"), join_type="CROSS", copy=False)
        .where(exp.GTE(this=col("k", "r"), expression=col("k", "ks")), copy=False)
        .group_by(col("_p", "r"), col("k", "ks"), copy=False)
    )
    q.add("hits", hits)


def _member_returns(
    q: _Query,
    retention: model.Retention,
    returned: str,
    user: bool,
    members: str = "members",
    bounds: Sequence[exp.Expression] = (),
) -> exp.Select:
    """Members (CTE `members`: `_u`, `_p`) joined with the users' return periods (CTE
    `returned`: `_u`, `_b`) on the user and `bounds`: `_p`, `k` (periods from the cohort's
    to the return's) and, with `user`, the member."""
    ahead = _periods_between(q.target, retention.period, col("_p", "m"), col("_b", "r"))
    selects = [aliased(col("_p", "m"), "_p"), aliased(ahead, "k")]
    if user:
        selects.insert(0, aliased(col(USER, "m"), USER))
    on = [exp.EQ(this=col(USER, "r"), expression=col(USER, "m")), *bounds]
    return (
        exp.Select(expressions=selects)
        .from_(step_ref(members, "m"), copy=False)
        .join(step_ref(returned, "r"), on=and_all(on), join_type="INNER", copy=False)
    )


def _returns_in_cells(q: _Query, retention: model.Retention, bucket: exp.Expression) -> exp.Select:
    """Each member's returns in its cells: `_u`, `_p`, `k` in 1..periods, a row per return.
    The returns are joined with the members before anything is made distinct, and only the
    cells' are kept: the distinct (user, period) pairs of every return are many more
    (DuckDB at 10^8 events: 20 M pairs against a few million in cells, BENCHMARKS.md)."""
    q.add(
        "returned",
        exp.Select(expressions=[col(USER), aliased(bucket, "_b")]).from_(
            step_ref("ret"), copy=False
        ),
    )
    # the first day after the cells, once per member: the join compares dates, and `k` is
    # computed only for the returns in cells
    after = _shift(
        q.target,
        q.target.to_timestamp(col("_p")),
        exp.Literal.number(retention.periods + 1),
        retention.period.upper(),
    )
    q.add(
        "spans",
        exp.Select(
            expressions=[col(USER), col("_p"), aliased(q.target.to_date(after), "_e")]
        ).from_(step_ref("members"), copy=False),
    )
    in_spans: list[exp.Expression] = [
        exp.GT(this=col("_b", "r"), expression=col("_p", "m")),
        exp.LT(this=col("_b", "r"), expression=col("_e", "m")),
    ]
    # both are first days of periods: after the cohort's and before the day after the last
    # cell is exactly 1 <= k <= periods
    return _member_returns(q, retention, "returned", True, "spans", in_spans)


def _return_pairs(q: _Query, retention: model.Retention, bucket: exp.Expression) -> None:
    """`hits` from `pairs`, each member's distinct cells (`_u`, `_p`, `k`) it returned in."""
    q.add("pairs", _returns_in_cells(q, retention, bucket).distinct(copy=False))
    hits = (
        exp.Select(expressions=[col("_p"), col("k"), aliased(_count(), "_n")])
        .from_(step_ref("pairs"), copy=False)
        .group_by(col("_p"), col("k"), copy=False)
    )
    q.add("hits", hits)


def _return_masks(
    q: _Query, retention: model.Retention, bucket: exp.Expression, mask: exp.DataType
) -> None:
    """`hits` as `_return_pairs` computes them, from one integer per member whose bit k is
    set when the member returned in cell k (`Target.bit_mask_type`): a BIT_OR per member
    instead of a DISTINCT over its pairs, then each cell counts the members with its bit."""
    q.add("returns_k", _returns_in_cells(q, retention, bucket))
    bit = exp.BitwiseLeftShift(
        this=exp.Cast(this=exp.Literal.number(1), to=mask.copy()),
        expression=exp.Cast(this=col("k"), to=mask.copy()),
    )
    q.add(
        "masks",
        exp.Select(expressions=[col(USER), col("_p"), aliased(exp.BitwiseOrAgg(this=bit), "_m")])
        .from_(step_ref("returns_k"), copy=False)
        .group_by(col(USER), col("_p"), copy=False),
    )
    k = exp.Cast(this=col("k", "ks"), to=mask.copy())
    has_bit = exp.EQ(
        this=exp.Paren(
            this=exp.BitwiseAnd(
                this=exp.Paren(this=exp.BitwiseRightShift(this=col("_m", "m"), expression=k)),
                expression=exp.Literal.number(1),
            )
        ),
        expression=exp.Literal.number(1),
    )
    hits = (
        exp.Select(
            expressions=[
                aliased(col("_p", "m"), "_p"),
                aliased(col("k", "ks"), "k"),
                aliased(_count(), "_n"),
            ]
        )
        .from_(step_ref("masks", "m"), copy=False)
        .join(step_ref("ks", "ks"), join_type="CROSS", copy=False)
        .where(has_bit, copy=False)
        .group_by(col("_p", "m"), col("k", "ks"), copy=False)
    )
    q.add("hits", hits)


def _latest_return_pairs(q: _Query, retention: model.Retention, bucket: exp.Expression) -> None:
    """`pairs` (`_p`, `k`) of `on or after`: each member with the user's latest return
    period."""
    q.add(
        "returned",
        exp.Select(expressions=[col(USER), aliased(exp.Max(this=bucket), "_b")])
        .from_(step_ref("ret"), copy=False)
        .group_by(col(USER), copy=False),
    )
    q.add("pairs", _member_returns(q, retention, "returned", user=False))


def _one_period_later(start: dt.datetime, period: str) -> dt.datetime:
    """The first midnight of the period after the one starting at `start`."""
    return timeutil.shift(start, -1, period)  # shift counts into the past


def _periods_between(
    target: Target, period: str, first: exp.Expression, second: exp.Expression
) -> exp.Expression:
    """How many calendar periods from one period's first day (a date) to another's, a whole
    number: days or weeks from the seconds between their midnights (no zone: both read as
    UTC, so a multiple of the unit), months from their years and months."""
    if period == "month":

        def index(day: exp.Expression) -> exp.Expression:
            year = exp.Mul(this=target.extract("YEAR", day), expression=exp.Literal.number(12))
            return exp.Paren(this=exp.Add(this=year, expression=target.extract("MONTH", day)))

        count: exp.Expression = exp.Sub(this=index(second), expression=index(first))
    else:
        seconds = target.seconds_between(target.to_timestamp(first), target.to_timestamp(second))
        unit = exp.Literal.number(UNIT_SECONDS[period])
        count = exp.Div(this=exp.Paren(this=seconds), expression=unit)
    return exp.Cast(this=count, to=target.store_type(Kind.COUNT))


@dataclasses.dataclass(frozen=True)
class GapPeriod:
    """Return times whose wall time lies in [low, high), around a change of offset whose
    skipped wall times are next to a period's start, where the period holding a wall time
    and the period holding its instant differ: their period is the last of `later`
    (instant, first day) whose instant is at or before theirs, or else `first`."""

    low: dt.datetime
    high: dt.datetime
    first: dt.date
    later: tuple[tuple[float, dt.date], ...]


def gap_periods(
    offsets: ZoneOffsets, period: str, until: dt.datetime
) -> tuple[GapPeriod, ...] | None:
    """Where the calendar period holding a return's wall time is not the one its instant
    falls in, for returns before the wall time `until`; None when the zone's changes are
    too close together for the argument below (then returns are compared with each cell's
    instants; no zone of the tz database is, from 1970 on).

    A return is in the cell [I(P_k), I(P_k+1)) (SPEC §3.5, instants I of the periods'
    first midnights; `zone_offsets`) exactly when the last period start P with
    I(P) <= I(w) is P_k, w being its wall time: I is nondecreasing on period starts. That
    P is the period holding w (the last P <= w) unless some period start B and w are in
    opposite orders as wall times and as instants. I(w) = w - off(w), so for B > w,
    I(B) - I(w) = (B - w) - (sum of the offset changes d at walls c in (w, B]) (for w > B
    likewise). When consecutive changes are at least |d1| + |d2| apart, the sum over two
    or more changes is less than (B - w), so the orders differ only across a single change
    with d > 0 (a skipped hour), at least (B - w): then both w and B lie within d of its
    wall c (c - d <= w < c + d and c - d < B < c + d). Every other return is in the period
    of its wall time; those in [c - d, c + d), whose instants are [I(c), I(c) + d), are
    bucketed here by their instant, for the changes with a period start in (c - d, c + d)
    (changes at or near a midnight; none in a zone without changes, such as UTC)."""
    previous = offsets.initial
    changes: list[tuple[dt.datetime, int]] = []
    for wall, offset in offsets.changes:
        changes.append((wall, offset - previous))
        previous = offset
    day = dt.timedelta(days=1)
    for (one_wall, one), (other_wall, other) in itertools.pairwise(changes):
        if (other_wall - one_wall).total_seconds() < abs(one) + abs(other):
            return None
    if any(abs(shift) > day.total_seconds() for _, shift in changes):
        return None  # I might decrease from one period start to the next
    found: list[GapPeriod] = []
    for wall, shift in changes:
        width = dt.timedelta(seconds=shift)
        low, high = wall - width, wall + width
        if shift <= 0 or low >= until:
            continue
        boundary = calendar_period_start(low, period)
        if boundary <= low:
            boundary = _one_period_later(boundary, period)
        if boundary >= high:
            continue  # no period starts next to the skipped wall times
        lowest = offsets.instant(wall)  # the returns' instants are [lowest, lowest + shift)
        current = calendar_period_start(low - 2 * day, period)
        first = current
        later: list[tuple[float, dt.date]] = []
        assert offsets.instant(first) <= lowest
        while True:
            current = _one_period_later(current, period)
            at = offsets.instant(current)
            if at >= lowest + shift:
                break
            if at <= lowest:
                first = current
            else:
                later.append((at, current.date()))
        found.append(GapPeriod(low, high, first.date(), tuple(later)))
    return tuple(found)


def return_period(target: Target, period: str, gaps: Sequence[GapPeriod]) -> exp.Expression:
    """The first day of the calendar period a return (`_w`, `_a`) falls in, by instant:
    the period of its wall time, except in `gaps` (`gap_periods`)."""
    plain = _period_start(target, period, col("_w"))
    if not gaps:
        return plain
    ifs: list[exp.Expression] = []
    for gap in gaps:
        inside = exp.and_(
            exp.GTE(this=col("_w"), expression=target.timestamp(gap.low)),
            exp.LT(this=col("_w"), expression=target.timestamp(gap.high)),
        )
        value = target.date(gap.first)
        if gap.later:
            value = exp.Case(
                ifs=[
                    exp.If(
                        this=exp.GTE(this=col("_a"), expression=_number(at)),
                        true=target.date(day),
                    )
                    for at, day in reversed(gap.later)
                ],
                default=value,
            )
        ifs.append(exp.If(this=inside, true=value))
    return exp.Case(ifs=ifs, default=plain)


def _period_start(target: Target, period: str, wall: exp.Expression) -> exp.Expression:
    """The calendar period holding a wall time, as the date it starts on (weeks: Monday)."""
    day = target.to_date(wall)
    if period == "day":
        return day
    return target.period_start(period.upper(), day)


def _shift(
    target: Target, value: exp.Expression, count: exp.Expression, unit: str
) -> exp.Expression:
    """A time `count` days, weeks or calendar months later (months clamp at month end)."""
    if unit == "WEEK":
        count = exp.Mul(this=exp.Paren(this=count), expression=exp.Literal.number(7))
        unit = "DAY"
    return target.shift_time(value.copy(), count, unit)

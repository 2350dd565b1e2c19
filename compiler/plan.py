"""Lowering: a checked project and an as-of instant to a query plan.

The plan computes every aggregate over an event source in ONE grouped pass
over that source (conditional aggregates), joins the per-user results to the
users, then evaluates tags, segments and layerings level by level over that
per-user row. Window bounds become literals here, computed from as-of.

An aggregate may use per-user values inside it (`count(events where ts >=
users.registered_at)`, a tag in its filter): its pass reads the events joined
with those values. Profile columns are there from the start (stage 0, with the
other aggregates); an aggregate that uses definitions has the stage of the
deepest level it uses, and its pass runs once that level is computed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from segl.compiler import ir
from segl.compiler.hoisting import hoist_repeated_arguments
from segl.compiler.timeutil import wall_text, window_bounds


@dataclass(frozen=True)
class AggregateSlot:
    column: str  # the per-user column holding the result, e.g. "a3"
    aggregate: ir.Aggregate
    start: dt.datetime | None  # window [start, end); end is at most as-of
    end: dt.datetime


@dataclass(frozen=True)
class EventPass:
    """One scan and one GROUP BY user over an event source."""

    source: ir.Source
    slots: tuple[AggregateSlot, ...]
    columns: tuple[str, ...]  # event columns read (besides user and time)
    # 0: with the profile; n: after the definitions of level n, whose values it uses
    stage: int = 0
    per_user: bool = False  # some aggregate uses a per-user value: read the events joined

    @property
    def lower_bound(self) -> dt.datetime | None:
        """Earliest instant any slot needs: events before it are skipped in the scan."""
        starts = [slot.start for slot in self.slots]
        if not starts or any(start is None for start in starts):
            return None
        return min(s for s in starts if s is not None)


@dataclass(frozen=True)
class ProfileJoin:
    source: ir.Source
    columns: tuple[str, ...]


@dataclass(frozen=True)
class DefinitionColumn:
    column: str  # e.g. "d4"
    definition: ir.Definition
    level: int  # 1 + the deepest level it depends on


@dataclass(frozen=True)
class Plan:
    project: ir.Project
    as_of: dt.datetime
    universe: ProfileJoin
    profiles: tuple[ProfileJoin, ...]  # other profile sources, joined by key
    passes: tuple[EventPass, ...]
    columns: tuple[DefinitionColumn, ...]

    def column_for(self, name: str) -> DefinitionColumn:
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, DefinitionColumn]:
        return {c.definition.name: c for c in self.columns}

    @property
    def levels(self) -> int:
        return max((c.level for c in self.columns), default=0)


def _top_level_nodes(expr: ir.Expr) -> list[ir.Expr]:
    """Nodes outside aggregates, plus the aggregates themselves (not their insides)."""
    out: list[ir.Expr] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        out.append(node)
        if not isinstance(node, ir.Aggregate):
            stack.extend(reversed(ir.sub_expressions(node)))
    return out


def _inside(aggregate: ir.Aggregate) -> list[ir.Expr]:
    return [n for part in (aggregate.value, aggregate.filter) if part for n in ir.walk(part)]


def stage_of(aggregate: ir.Aggregate, levels: dict[str, int]) -> int:
    """The deepest level of the definitions an aggregate uses inside it (0: none)."""
    return max(
        (
            levels[node.name]
            for node in _inside(aggregate)
            if isinstance(node, ir.TagRef | ir.SegmentRef | ir.LayeringRef)
        ),
        default=0,
    )


def uses_per_user_values(aggregate: ir.Aggregate) -> bool:
    per_user = ir.ProfileColumn | ir.TagRef | ir.SegmentRef | ir.LayeringRef
    return any(isinstance(node, per_user) for node in _inside(aggregate))


def _event_columns(aggregate: ir.Aggregate) -> list[str]:
    names: list[str] = []
    for part in (aggregate.value, aggregate.filter):
        if part is None:
            continue
        for node in ir.walk(part):
            if isinstance(node, ir.EventColumn) and node.column not in names:
                names.append(node.column)
    return names


def _bounds(aggregate: ir.Aggregate, as_of: dt.datetime) -> tuple[dt.datetime | None, dt.datetime]:
    window = aggregate.window
    if window is None:
        return None, as_of
    start, end = window_bounds(
        window.kind, window.unit, window.start_count, window.end_count, window.since, as_of
    )
    return start, min(end, as_of)


def _add_profile_column(found: dict[str, list[str]], node: ir.ProfileColumn) -> None:
    columns = found.setdefault(node.source, [])
    if node.column not in columns:
        columns.append(node.column)


def build_plan(project: ir.Project, as_of: dt.datetime) -> Plan:
    project = hoist_repeated_arguments(project)  # nested rounds: one level each
    # (source, stage) -> aggregates, in the order definitions use them
    aggregates: dict[tuple[str, int], list[ir.Aggregate]] = {}
    # what `aggregates` holds, by (aggregate, stage): a scan of its lists was quadratic
    # (4,000 tags over one source: 16 million comparisons)
    known_at: set[tuple[ir.Aggregate, int]] = set()
    profile_columns: dict[str, list[str]] = {}
    levels: dict[str, int] = {}
    columns: list[DefinitionColumn] = []
    for definition in project.definitions:
        depth = 0
        for expr in ir.definition_exprs(definition):
            for node in _top_level_nodes(expr):
                if isinstance(node, ir.Aggregate):
                    stage = stage_of(node, levels)
                    depth = max(depth, stage)
                    found = aggregates.setdefault((node.source, stage), [])
                    if (node, stage) not in known_at:
                        known_at.add((node, stage))
                        found.append(node)
                    for inner in _inside(node):
                        if isinstance(inner, ir.ProfileColumn):
                            _add_profile_column(profile_columns, inner)
                elif isinstance(node, ir.ProfileColumn):
                    _add_profile_column(profile_columns, node)
                elif isinstance(node, ir.TagRef | ir.SegmentRef | ir.LayeringRef):
                    depth = max(depth, levels[node.name])
        levels[definition.name] = depth + 1
        columns.append(DefinitionColumn(f"d{len(columns)}", definition, depth + 1))

    passes: list[EventPass] = []
    counter = 0
    order = {s.name: i for i, s in enumerate(project.sources)}
    for source_name, stage in sorted(aggregates, key=lambda k: (k[1], order[k[0]])):
        source = project.source(source_name)
        slots: list[AggregateSlot] = []
        read: list[str] = []
        for aggregate in aggregates[(source_name, stage)]:
            start, end = _bounds(aggregate, as_of)
            slots.append(AggregateSlot(f"a{counter}", aggregate, start, end))
            counter += 1
            read += [c for c in _event_columns(aggregate) if c not in read]
        per_user = any(uses_per_user_values(s.aggregate) for s in slots)
        passes.append(EventPass(source, tuple(slots), tuple(read), stage, per_user))

    universe = project.source(project.universe)
    profiles = tuple(
        ProfileJoin(s, tuple(profile_columns[s.name]))
        for s in project.sources
        if s.kind == "profile" and s.name in profile_columns and s.name != universe.name
    )
    return Plan(
        project,
        as_of,
        ProfileJoin(universe, tuple(profile_columns.get(universe.name, ()))),
        profiles,
        tuple(passes),
        tuple(columns),
    )


def describe(plan: Plan) -> str:
    """A readable account of the plan for `segl debug plan`."""
    lines = [f"plan for project '{plan.project.name}' as of {wall_text(plan.as_of)}"]
    universe = plan.universe.source
    lines.append(f"users: {universe.name} (table {universe.table}, key {universe.user_column})")
    identity = plan.project.identity
    if identity is not None:
        lines.append(
            f"identity {identity.name}: persons of kinds {', '.join(identity.kinds)} "
            "resolved first; every source is read by person"
        )
    for join in plan.profiles:
        on = "person" if identity is not None else "key"
        lines.append(f"join profile {join.source.name} on {on}: {', '.join(join.columns)}")
    for event_pass in plan.passes:
        source = event_pass.source
        bound = event_pass.lower_bound
        scan = f"scan {source.table} once where {source.time_column} < as_of"
        if bound is not None:
            scan += f" and >= {wall_text(bound)}"
        after = f" (after level {event_pass.stage})" if event_pass.stage else ""
        joined = " joined with per-user values" if event_pass.per_user else ""
        by = source.user_column
        if identity is not None:
            by = f"the person of {source.user_column} ({source.id_kind})"
        lines.append(f"pass over {source.name}{after}: {scan}{joined}; group by {by}")
        for slot in event_pass.slots:
            agg = slot.aggregate
            window = ""
            if slot.start is not None or slot.end != plan.as_of:  # a window-less one has neither
                start = "..." if slot.start is None else wall_text(slot.start)
                window = f" [{start}, {wall_text(slot.end)})"
            filtered = " filtered" if agg.filter is not None else ""
            lines.append(f"  {slot.column} = {agg.func}{filtered}{window}")
    for level in range(1, plan.levels + 1):
        names = [c.definition.name for c in plan.columns if c.level == level]
        lines.append(f"level {level}: {', '.join(names)}")
    return "\n".join(lines)

"""Typed intermediate representation: names resolved, types and domains known.

Every node is a frozen dataclass (plain, serialisable data). Spans are kept for
diagnostics but excluded from equality, so identical aggregates written in two
places compare equal and share one computed column.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass, field, fields, is_dataclass
from typing import TYPE_CHECKING, Any

from segl.compiler import registry
from segl.compiler.ops import ArithOp, CompareOp, LogicOp, StrMatchOp, TimeUnit, WindowKind
from segl.compiler.types import Domain, Type
from segl.dsl.diagnostics import NO_SPAN, Span

if TYPE_CHECKING:
    from segl.compiler.alerts.model import Alerts
    from segl.compiler.journeys.model import Journeys
    from segl.compiler.reports.model import Reports

LiteralValue = float | int | str | bool | dt.date | dt.datetime | None


def _coerce(node: object, name: str, kind: type[Any]) -> None:
    """Validate an operator field on construction (a bare string becomes its enum, so
    tests and tools may write "=="; anything unknown fails here, not in SQL generation)."""
    object.__setattr__(node, name, kind(getattr(node, name)))


@dataclass(frozen=True)
class Literal:
    value: LiteralValue
    type: Type
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class AsOf:
    """`now`: the as-of instant."""

    type: Type = Type.TIMESTAMP
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class AsOfDate:
    """`today`: the as-of date."""

    type: Type = Type.DATE
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class ProfileColumn:
    source: str
    column: str
    type: Type
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class EventColumn:
    source: str
    column: str
    type: Type
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class TagRef:
    name: str
    type: Type
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class SegmentRef:
    name: str
    type: Type = Type.BOOL
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class LayeringRef:
    name: str
    type: Type = Type.STRING
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Window:
    """Events with time in [start, end): bounds are computed from as-of by
    `timeutil.window_bounds`."""

    kind: WindowKind
    unit: TimeUnit = TimeUnit.DAY
    start_count: int = 0
    end_count: int = 0
    since: dt.datetime | None = None

    def __post_init__(self) -> None:
        _coerce(self, "kind", WindowKind)
        _coerce(self, "unit", TimeUnit)


@dataclass(frozen=True)
class Aggregate:
    func: str  # a name in registry.AGGREGATES
    source: str
    value: Expr | None  # None: the event rows themselves (count, exists)
    filter: Expr | None
    window: Window | None
    type: Type
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.func not in registry.TAG_AGGREGATES:  # not those only reports have
            raise ValueError(f"unknown aggregate {self.func!r}")
        if self.value is None and not self.entry.counts_rows:
            raise ValueError(f"{self.func}() needs a value")

    @property
    def entry(self) -> registry.Aggregate:
        return registry.AGGREGATES[self.func]


@dataclass(frozen=True)
class Not:
    operand: Expr
    type: Type = Type.BOOL
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Neg:
    operand: Expr
    type: Type = Type.NUMBER
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Logic:
    op: LogicOp
    left: Expr
    right: Expr
    type: Type = Type.BOOL
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    def __post_init__(self) -> None:
        _coerce(self, "op", LogicOp)


@dataclass(frozen=True)
class Compare:
    op: CompareOp
    left: Expr
    right: Expr
    type: Type = Type.BOOL
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    def __post_init__(self) -> None:
        _coerce(self, "op", CompareOp)


@dataclass(frozen=True)
class Arith:
    op: ArithOp
    left: Expr
    right: Expr
    type: Type = Type.NUMBER
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    def __post_init__(self) -> None:
        _coerce(self, "op", ArithOp)


@dataclass(frozen=True)
class InList:
    operand: Expr
    items: tuple[Expr, ...]
    negated: bool
    type: Type = Type.BOOL
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class IsNull:
    operand: Expr
    negated: bool
    type: Type = Type.BOOL
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class StrMatch:
    op: StrMatchOp
    left: Expr
    right: Expr
    type: Type = Type.BOOL
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    def __post_init__(self) -> None:
        _coerce(self, "op", StrMatchOp)


@dataclass(frozen=True)
class Func:
    """A scalar function of the registry (registry.FUNCTIONS)."""

    name: str
    args: tuple[Expr, ...]
    type: Type
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.name not in registry.FUNCTIONS:
            raise ValueError(f"unknown function {self.name!r}")
        if not self.entry.accepts_count(len(self.args)):
            raise ValueError(f"{self.name}() takes {self.entry.arity_text()} arguments")

    @property
    def entry(self) -> registry.Function:
        return registry.FUNCTIONS[self.name]


@dataclass(frozen=True)
class Case:
    whens: tuple[tuple[Expr, Expr], ...]
    otherwise: Expr | None
    type: Type
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Invalid:
    """Placeholder for an expression that failed to check (errors already reported)."""

    type: Type = Type.ANY
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Expr = (
    Literal
    | AsOf
    | AsOfDate
    | ProfileColumn
    | EventColumn
    | TagRef
    | SegmentRef
    | LayeringRef
    | Aggregate
    | Not
    | Neg
    | Logic
    | Compare
    | Arith
    | InList
    | IsNull
    | StrMatch
    | Func
    | Case
    | Invalid
)

EXPR_TYPES: tuple[type, ...] = (
    Literal,
    AsOf,
    AsOfDate,
    ProfileColumn,
    EventColumn,
    TagRef,
    SegmentRef,
    LayeringRef,
    Aggregate,
    Not,
    Neg,
    Logic,
    Compare,
    Arith,
    InList,
    IsNull,
    StrMatch,
    Func,
    Case,
    Invalid,
)


def sub_expressions(expr: Expr) -> tuple[Expr, ...]:
    """Direct children (an aggregate's value and filter included)."""
    match expr:
        case Not(operand=o) | Neg(operand=o) | IsNull(operand=o):
            return (o,)
        case Logic(left=a, right=b) | Compare(left=a, right=b) | Arith(left=a, right=b):
            return (a, b)
        case StrMatch(left=a, right=b):
            return (a, b)
        case InList(operand=o, items=items):
            return (o, *items)
        case Func(args=args):
            return args
        case Case(whens=whens, otherwise=otherwise):
            parts = [e for pair in whens for e in pair]
            return (*parts, otherwise) if otherwise is not None else tuple(parts)
        case Aggregate(value=value, filter=flt):
            return tuple(e for e in (value, flt) if e is not None)
        case _:
            return ()


def walk(expr: Expr) -> list[Expr]:
    """All nodes, parents before children."""
    out: list[Expr] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(sub_expressions(node)))
    return out


def domain_of(expr: Expr) -> Domain:
    """Per-event if any event column is reachable outside an aggregate."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, EventColumn):
            return Domain.EVENT
        if not isinstance(node, Aggregate):
            stack.extend(sub_expressions(node))
    return Domain.USER


# ---------------------------------------------------------------- definitions


@dataclass(frozen=True)
class Source:
    name: str
    table: str
    kind: str  # profile | event
    user_column: str  # profile: the key; events: the user column
    time_column: str | None
    columns: tuple[tuple[str, Type], ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    id_kind: str | None = None  # the kind of ID the user column holds (identity)
    created: str | None = None  # profiles: the column at which a row starts to exist
    zone: str | None = None  # profiles: the column of each user's IANA time zone
    valid_from: str | None = None  # profiles kept as history: [valid_from, valid_to)
    valid_to: str | None = None

    def column_type(self, name: str) -> Type | None:
        return dict(self.columns).get(name)

    @property
    def is_history(self) -> bool:
        """One row per version: a run reads the version valid at its as-of."""
        return self.valid_from is not None


# `at most N ids per person` when an identity does not say
DEFAULT_LARGEST_PERSON = 1000


@dataclass(frozen=True)
class IdentityLink:
    """Rows of `source` tie the ID in `left` (of kind `left_kind`) to the one in `right`."""

    source: str
    left: str
    left_kind: str
    right: str
    right_kind: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Identity:
    """One person across IDs (SPEC §3.1): a connected component of the links visible at the
    as-of; the person key is the ID of the most preferred kind (`kinds[0]` first)."""

    name: str
    kinds: tuple[str, ...]
    links: tuple[IdentityLink, ...]
    shared_above: int | None = None  # an ID linked to more IDs than this is left out
    # a person with more IDs than this fails the run: links gone wrong, never merged silently
    largest: int = DEFAULT_LARGEST_PERSON
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


def _require_per_user(what: str, expr: Expr) -> None:
    if domain_of(expr) is not Domain.USER:
        raise ValueError(f"{what} uses a per-event value outside an aggregate")


@dataclass(frozen=True)
class Tag:
    name: str
    title: str | None
    expr: Expr
    meta: tuple[tuple[str, str], ...] = ()
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    def __post_init__(self) -> None:
        _require_per_user(f"tag {self.name}", self.expr)

    @property
    def type(self) -> Type:
        return self.expr.type


@dataclass(frozen=True)
class Segment:
    name: str
    title: str | None
    expr: Expr
    meta: tuple[tuple[str, str], ...] = ()
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    def __post_init__(self) -> None:
        _require_per_user(f"segment {self.name}", self.expr)


@dataclass(frozen=True)
class Layer:
    name: str
    title: str | None
    condition: Expr | None  # None: otherwise
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.condition is not None:
            _require_per_user(f"layer {self.name}", self.condition)


@dataclass(frozen=True)
class Layering:
    name: str
    title: str | None
    layers: tuple[Layer, ...]
    meta: tuple[tuple[str, str], ...] = ()
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Definition = Tag | Segment | Layering


def definition_exprs(definition: Definition) -> tuple[Expr, ...]:
    if isinstance(definition, Layering):
        return tuple(layer.condition for layer in definition.layers if layer.condition is not None)
    return (definition.expr,)


def references(definition: Definition) -> list[str]:
    """Names of the tags, segments and layerings a definition uses directly."""
    names: list[str] = []
    for expr in definition_exprs(definition):
        for node in walk(expr):
            if isinstance(node, TagRef | SegmentRef | LayeringRef) and node.name not in names:
                names.append(node.name)
    return names


@dataclass(frozen=True)
class Project:
    """A checked project: definitions in dependency order (each after what it uses)."""

    name: str
    sources: tuple[Source, ...]
    universe: str  # the profile source whose keys are the project's users
    definitions: tuple[Definition, ...]
    timezone: str = "UTC"
    identity: Identity | None = None
    # journeys, holdouts and the contact policy (compiler/journeys/model.py); None: none
    journeys: Journeys | None = None
    # funnels, retention, reports and experiments (compiler/reports/model.py); None: none
    reports: Reports | None = None
    # alerts over the stored history (compiler/alerts/model.py); None: none
    alerts: Alerts | None = None
    # the universe key column's type in the warehouse when the rules leave it undeclared
    # (set by the runtime once it has seen the table; not part of the fingerprint): the
    # tables segl stages users in take it, or an integer key would be staged as text
    key: Type | None = None

    def source(self, name: str) -> Source:
        return next(s for s in self.sources if s.name == name)

    def definition(self, name: str) -> Definition:
        return self._by_name[name]

    def kind_of(self, name: str) -> str | None:
        """What the definition `name` is, "tag", "segment" or "layering"; None: none."""
        found = self._by_name.get(name)
        if found is None:
            return None
        return "tag" if isinstance(found, Tag) else type(found).__name__.lower()

    @functools.cached_property
    def _by_name(self) -> dict[str, Definition]:
        """Definitions by name, built once (a project of 10^3 chained tags looked each one
        up by a scan: compiling took 12 s)."""
        return {d.name: d for d in self.definitions}

    @property
    def tags(self) -> tuple[Tag, ...]:
        return tuple(d for d in self.definitions if isinstance(d, Tag))

    @property
    def segments(self) -> tuple[Segment, ...]:
        return tuple(d for d in self.definitions if isinstance(d, Segment))

    @property
    def layerings(self) -> tuple[Layering, ...]:
        return tuple(d for d in self.definitions if isinstance(d, Layering))

    def id_columns(self) -> list[tuple[Source, str, str]]:
        """(source, column, kind) of every column holding IDs: the user columns of sources
        with an ID kind and both sides of each identity link."""
        found = [(s, s.user_column, s.id_kind) for s in self.sources if s.id_kind is not None]
        for link in self.identity.links if self.identity is not None else ():
            source = self.source(link.source)
            found += [(source, link.left, link.left_kind), (source, link.right, link.right_kind)]
        return found

    def id_type(self, source: Source, column: str, kind: str) -> Type | None:
        """The type an ID column is compared as: its declared type, else the one type the
        other columns of its kind declare (a member number declared `number` on the profile
        is a number in the sources that do not declare their user column)."""
        declared = source.column_type(column)
        if declared is not None:
            return declared
        kinds = {s.column_type(c) for s, c, k in self.id_columns() if k == kind} - {None}
        return kinds.pop() if len(kinds) == 1 else None

    def with_journey_values(self) -> Project:
        """The project with the hidden tags its journeys read (conditions, payload values,
        the users' zones) after its own definitions: what a run with journeys computes."""
        if self.journeys is None or not self.journeys.values:
            return self
        return dataclasses.replace(self, definitions=(*self.definitions, *self.journeys.values))

    def closure(self, names: list[str]) -> Project:
        """The sub-project of `names` and everything they depend on."""
        wanted: set[str] = set()
        stack = list(names)
        while stack:
            name = stack.pop()
            if name not in wanted:
                wanted.add(name)
                stack.extend(references(self.definition(name)))
        kept = tuple(d for d in self.definitions if d.name in wanted)
        return dataclasses.replace(self, definitions=kept)


def fingerprint(project: Project) -> str:
    """sha256 of what the rules mean (sources, universe, definitions; no spans, comments or
    layout), so the same rules give the same fingerprint however they are formatted, ordered
    or split over files. The run log records it: two runs of different rules are told apart."""
    parts = {
        "sources": sorted((to_data(s) for s in project.sources), key=lambda d: d["name"]),
        "universe": project.universe,
        "identity": to_data(project.identity),
        "definitions": sorted((to_data(d) for d in project.definitions), key=lambda d: d["name"]),
    }
    if project.journeys is not None:  # projects without journeys keep their fingerprint
        parts["journeys"] = to_data(project.journeys)
    if project.reports is not None:  # likewise projects without reports
        parts["reports"] = to_data(project.reports)
    if project.alerts is not None:  # likewise projects without alerts
        parts["alerts"] = to_data(project.alerts)
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- dumping


def to_data(value: Any) -> Any:
    """Plain JSON-able data for `segl debug ir` and golden files."""
    if is_dataclass(value) and not isinstance(value, type):
        data: dict[str, Any] = {"node": type(value).__name__}
        for f in fields(value):
            if f.name == "span":
                continue
            data[f.name] = to_data(getattr(value, f.name))
        return data
    if isinstance(value, tuple | list):
        return [to_data(v) for v in value]
    if isinstance(value, Type):
        return value.value
    if isinstance(value, dt.timedelta):  # durations of journeys and funnels: whole seconds
        return int(value.total_seconds())
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return value

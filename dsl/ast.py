"""The syntax tree: frozen dataclasses, every node carrying the span it came from.

Spans are excluded from equality so that `parse(format(tree)) == tree` compares
meaning, not layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from segl.dsl.diagnostics import NO_SPAN, Span

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class NumberLit:
    text: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class StringLit:
    value: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class BoolLit:
    value: bool
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class NullLit:
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class DateLit:
    value: str  # ISO date, validated by the parser
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class TimestampLit:
    value: str  # ISO timestamp, validated by the parser
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Now:
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Today:
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Name:
    """An unqualified name: a tag, segment or layering, or a column inside `where`."""

    name: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class ColumnRef:
    source: str
    column: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Unary:
    op: str  # "not" | "-"
    operand: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Binary:
    op: str  # and or == != < <= > >= + - * / %
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class InList:
    operand: Expr
    items: tuple[Expr, ...]
    negated: bool
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Between:
    operand: Expr
    low: Expr
    high: Expr
    negated: bool
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class IsNull:
    operand: Expr
    negated: bool
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class StringMatch:
    op: str  # "contains" | "starts_with" | "ends_with"
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class LastWindow:
    """`in last N units`: [as_of - N units, as_of)."""

    count: int
    unit: str  # minute hour day week month year
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class AgoWindow:
    """`between N and M units ago`: [as_of - N units, as_of - M units), N >= M."""

    start: int
    end: int
    unit: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class SinceWindow:
    """`since <date or timestamp>`: [that instant, as_of)."""

    start: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Window = LastWindow | AgoWindow | SinceWindow


@dataclass(frozen=True)
class Call:
    """A function call; aggregates also carry an optional filter and window."""

    name: str
    args: tuple[Expr, ...]
    where: Expr | None = None
    window: Window | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class When:
    condition: Expr
    value: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Case:
    whens: tuple[When, ...]
    otherwise: Expr | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class PercentLit:
    """`5%` in an alert's condition: the number 0.05 (the text is the number before `%`)."""

    text: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class AlertCall:
    """A number read from stored runs, in an alert's condition (SPEC §2.9):
    `moved(L, from "a", to "b", over 7 days)`, `change(x, over D)`, `size(S)`,
    `share(L, "layer")`, `users()`, `conversion(F)`, `retained(R, 1)`; also a journey's
    `enter on moved(L, from "a", to "b")`. The named arguments may come in any order."""

    name: str
    args: tuple[Expr, ...]
    origin: StringLit | None = None  # `from "a"`
    destination: StringLit | None = None  # `to "b"`
    over: Duration | None = None  # `over 7 days`
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    # named arguments given more than once, for the checker to report: (word, span)
    repeated: tuple[tuple[str, Span], ...] = field(default=(), compare=False, repr=False)


Expr = (
    NumberLit
    | StringLit
    | BoolLit
    | NullLit
    | DateLit
    | TimestampLit
    | Now
    | Today
    | Name
    | ColumnRef
    | Unary
    | Binary
    | InList
    | Between
    | IsNull
    | StringMatch
    | Call
    | Case
    | PercentLit
    | AlertCall
)

# ---------------------------------------------------------------- statements


@dataclass(frozen=True)
class CommentPlace:
    """Where a comment inside a statement stood, so that `segl fmt` can put it back: at
    the end of the statement's `line`-th line of code (counting from 0), or on a line of
    its own before it. `code`: the statement's lines of code as written (annotations
    included), each without its comment and whitespace: a comment goes back only into
    the same lines."""

    line: int
    end_of_line: bool
    code: tuple[str, ...]


@dataclass(frozen=True)
class CommentBefore:
    """A comment that stood before its statement, with a blank line after it (a section
    heading, kept apart from what follows)."""


# per comment of a statement (in order): where it stood inside it; CommentBefore or None:
# before it (None: right above the next comment or the statement)
CommentPlaces = tuple[CommentPlace | CommentBefore | None, ...]


@dataclass(frozen=True)
class Annotation:
    """`@key "value"` before a statement: description, category, owner, kind."""

    key: str
    value: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class ColumnDef:
    name: str
    type_name: str
    comment: str | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class SourceDef:
    name: str
    title: str | None
    table: str
    kind: str  # "profile" | "event"
    key: str | None  # profile sources: the user key column
    user: str | None  # event sources: the user column
    time: str | None  # event sources: the event time column
    columns: tuple[ColumnDef, ...]
    annotations: tuple[Annotation, ...] = ()
    comments: tuple[str, ...] = ()
    places: CommentPlaces = field(default=(), compare=False, repr=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    id_kind: str | None = None  # `as KIND`: which kind of ID the user column holds
    created: str | None = None  # profiles: `created C`, when a row starts to exist
    zone: str | None = None  # profiles: `zone Z`, the column of each user's time zone
    valid_from: str | None = None  # profiles kept as history: `valid from A to B`
    valid_to: str | None = None


@dataclass(frozen=True)
class LinkDef:
    """`link SOURCE: COLUMN as KIND, COLUMN as KIND`: rows of a source that tie two IDs."""

    source: str
    left: str
    left_kind: str
    right: str
    right_kind: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    # where the source, left column, left kind, right column and right kind are written
    part_spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)

    def part_span(self, index: int) -> Span:
        """Where part `index` (0 source, 1 left column, 2 its kind, 3 right column, 4 its
        kind) is written; the whole link when that is not known."""
        return self.part_spans[index] if index < len(self.part_spans) else self.span


@dataclass(frozen=True)
class IdentityDef:
    """`identity NAME { kinds ...; link ...; shared above N; at most N ids per person }`:
    one person across IDs."""

    name: str
    title: str | None
    kinds: tuple[str, ...]  # the ID kinds, the most preferred for the person key first
    links: tuple[LinkDef, ...]
    shared_above: int | None  # an ID linked to more IDs than this is left out
    largest: int | None = None  # a person with more IDs than this fails the run
    annotations: tuple[Annotation, ...] = ()
    comments: tuple[str, ...] = ()
    places: CommentPlaces = field(default=(), compare=False, repr=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    # where each kind is named, and the `shared above` and `at most` clauses (diagnostics)
    kind_spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)
    shared_span: Span = field(default=NO_SPAN, compare=False, repr=False)
    largest_span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class TagDef:
    name: str
    title: str | None
    expr: Expr
    annotations: tuple[Annotation, ...] = ()
    comments: tuple[str, ...] = ()
    places: CommentPlaces = field(default=(), compare=False, repr=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class SegmentDef:
    name: str
    title: str | None
    expr: Expr
    annotations: tuple[Annotation, ...] = ()
    comments: tuple[str, ...] = ()
    places: CommentPlaces = field(default=(), compare=False, repr=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class LayerDef:
    name: str
    title: str | None
    condition: Expr | None  # None: `otherwise`
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class LayeringDef:
    name: str
    title: str | None
    layers: tuple[LayerDef, ...]
    annotations: tuple[Annotation, ...] = ()
    comments: tuple[str, ...] = ()
    places: CommentPlaces = field(default=(), compare=False, repr=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


# ---------------------------------------------------------------- journeys


@dataclass(frozen=True)
class Duration:
    """`7 days`, `1 hour`: a fixed span of minutes, hours, days or weeks."""

    count: int
    unit: str  # minute hour day week (month, year: rejected by the checker)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    @property
    def spoken(self) -> str:
        """As a diagnostic says it: `1 day`, `3 hours`."""
        return f"{self.count} {self.unit if self.count == 1 else self.unit + 's'}"


@dataclass(frozen=True)
class Clock:
    """A wall-clock time of day, `10:00`."""

    text: str  # as written, validated by the parser (HH:MM, 00:00 to 24:00)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    @property
    def minutes(self) -> int:
        hours, minutes = self.text.split(":")
        return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class EventRef:
    """`orders`, `events where name == "register"`: the rows of an event source."""

    source: str
    where: Expr | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class EnterDef:
    """`enter on S`, `enter on first S`, `enter when C` or `enter on moved(L, from "a",
    to "b")`."""

    kind: str  # "on" | "first" | "when" | "moved"
    event: EventRef | None = None
    condition: Expr | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    moved: AlertCall | None = None  # kind "moved"


@dataclass(frozen=True)
class ExitDef:
    """`exit on S` or `exit when C`."""

    kind: str  # "on" | "when"
    event: EventRef | None = None
    condition: Expr | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class ReenterDef:
    after: Duration
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class PayloadItem:
    """`with top_category` (the tag of that name) or `with coupon = expr`."""

    key: str
    value: Expr | None = None  # None: the tag (or segment, layering) named `key`
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class StepDef:
    name: str
    after: Duration | None
    within: Duration | None
    days: str | None  # "weekend" | "weekdays"
    between: tuple[Clock, Clock] | None
    channel: str
    template: str
    payload: tuple[PayloadItem, ...] = ()
    condition: Expr | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    channel_span: Span = field(default=NO_SPAN, compare=False, repr=False)
    # timing clauses given more than once, for the checker to report: (clause, span)
    repeated: tuple[tuple[str, Span], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class HoldoutDef:
    """`holdout NAME P% salt "S"`: top level (every journey) or inside a journey."""

    name: str
    percent: str  # the number as written
    salt: str
    annotations: tuple[Annotation, ...] = ()
    comments: tuple[str, ...] = ()
    places: CommentPlaces = field(default=(), compare=False, repr=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class JourneyDef:
    name: str
    title: str | None
    enters: tuple[EnterDef, ...]
    reenters: tuple[ReenterDef, ...]
    exits: tuple[ExitDef, ...]
    steps: tuple[StepDef, ...]
    holdouts: tuple[HoldoutDef, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    comments: tuple[str, ...] = ()
    places: CommentPlaces = field(default=(), compare=False, repr=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class QuietDef:
    """`quiet 22:00 to 08:00`: no message in these hours of the user's day."""

    start: Clock
    end: Clock
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class CapDef:
    """`cap push 1 per day` (calendar day), `cap all 3 per 7 days` (rolling)."""

    channel: str  # a channel, or "all"
    limit: str  # the number as written
    per: str | Duration  # "day" | "week" (calendar, in the user's zone) or a rolling span
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class PriorityDef:
    journeys: tuple[str, ...]
    spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class PolicyDef:
    """`policy { quiet ...; cap ...; priority ... }`: the project's contact policy."""

    quiet: tuple[QuietDef, ...]
    caps: tuple[CapDef, ...]
    priorities: tuple[PriorityDef, ...]
    annotations: tuple[Annotation, ...] = ()
    comments: tuple[str, ...] = ()
    places: CommentPlaces = field(default=(), compare=False, repr=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


# ---------------------------------------------------------------- reports and experiments


@dataclass(frozen=True)
class Dimension:
    """`users.city` (a profile column), `uses_coupons` (a tag, segment or layering) or
    `coupon_type` (a column of a report's rows): a value to group by."""

    source: str | None  # `S.col`: S; a bare name: None
    name: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    @property
    def text(self) -> str:
        return self.name if self.source is None else f"{self.source}.{self.name}"


@dataclass(frozen=True)
class FunnelStep:
    """`step NAME: S [where F] [within D]`: `within` bounds it from the previous step."""

    name: str
    event: EventRef
    within: Duration | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class FunnelDef:
    name: str
    title: str | None
    within: Duration | None  # bounds every step from the first
    by: Dimension | None
    by_entry: bool  # `by entry S.col`: a column of the entry event
    steps: tuple[FunnelStep, ...]
    annotations: tuple[Annotation, ...] = ()
    comments: tuple[str, ...] = ()
    places: CommentPlaces = field(default=(), compare=False, repr=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    # header options given more than once, for the checker to report: (option, span)
    repeated: tuple[tuple[str, Span], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class RetentionDef:
    name: str
    title: str | None
    cohort: EventRef | None
    first: bool  # `cohort first S`: only the user's first-ever cohort event
    returns: EventRef | None  # `return S`
    period: str | None  # "day" | "week" | "month"
    periods: int | None
    rolling: bool = False
    on_or_after: bool = False
    annotations: tuple[Annotation, ...] = ()
    comments: tuple[str, ...] = ()
    places: CommentPlaces = field(default=(), compare=False, repr=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    periods_span: Span = field(default=NO_SPAN, compare=False, repr=False)
    repeated: tuple[tuple[str, Span], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class MetricDef:
    """`name = expr` in a report, `metric name = expr` in an experiment."""

    name: str
    expr: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class ReportDef:
    """`report NAME over users|S [where C] [window] [by D, ...] { metric = ... }`."""

    name: str
    title: str | None
    over: str
    where: Expr | None
    window: Window | None
    by: tuple[Dimension, ...]
    metrics: tuple[MetricDef, ...]
    annotations: tuple[Annotation, ...] = ()
    comments: tuple[str, ...] = ()
    places: CommentPlaces = field(default=(), compare=False, repr=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    over_span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class ArmDef:
    name: str
    percent: str  # the number as written
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class ExperimentDef:
    name: str
    title: str | None
    population: Expr | None
    salt: str | None
    arms: tuple[ArmDef, ...]
    metrics: tuple[MetricDef, ...]
    annotations: tuple[Annotation, ...] = ()
    comments: tuple[str, ...] = ()
    places: CommentPlaces = field(default=(), compare=False, repr=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    # `population` or `salt` given more than once, for the checker to report
    repeated: tuple[tuple[str, Span], ...] = field(default=(), compare=False, repr=False)
    salt_span: Span = field(default=NO_SPAN, compare=False, repr=False)


ReportStatement = FunnelDef | RetentionDef | ReportDef | ExperimentDef


# ---------------------------------------------------------------- alerts


@dataclass(frozen=True)
class AlertDef:
    """`alert NAME ["title"] = CONDITION [cooldown D] [repeat every D]` (SPEC §2.9): the
    condition is built of numbers, percentages, `AlertCall`s and operators."""

    name: str
    title: str | None
    condition: Expr
    cooldown: Duration | None = None
    repeat: Duration | None = None
    annotations: tuple[Annotation, ...] = ()
    comments: tuple[str, ...] = ()
    places: CommentPlaces = field(default=(), compare=False, repr=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    # `cooldown` or `repeat` given more than once, for the checker to report
    repeated: tuple[tuple[str, Span], ...] = field(default=(), compare=False, repr=False)


Statement = (
    SourceDef
    | IdentityDef
    | TagDef
    | SegmentDef
    | LayeringDef
    | JourneyDef
    | HoldoutDef
    | PolicyDef
    | FunnelDef
    | RetentionDef
    | ReportDef
    | ExperimentDef
    | AlertDef
)


@dataclass(frozen=True)
class Program:
    file: str
    statements: tuple[Statement, ...]
    trailing_comments: tuple[str, ...] = ()
    # comments at the top of the file, separated from the first statement by a blank line
    header_comments: tuple[str, ...] = ()
    # the trailing comments with a blank line before them (not the first), for `segl fmt`
    trailing_breaks: tuple[int, ...] = field(default=(), compare=False, repr=False)


def journey_exprs(journey: JourneyDef) -> list[Expr]:
    """Every expression of a journey: filters, conditions, payload values."""
    found: list[Expr] = []
    clauses: list[EnterDef | ExitDef] = [*journey.enters, *journey.exits]
    for clause in clauses:
        if clause.event is not None and clause.event.where is not None:
            found.append(clause.event.where)
        if clause.condition is not None:
            found.append(clause.condition)
    for step in journey.steps:
        found += [item.value for item in step.payload if item.value is not None]
        if step.condition is not None:
            found.append(step.condition)
    return found


def report_exprs(stmt: ReportStatement) -> list[Expr]:
    """Every expression of a funnel, retention, report or experiment."""
    refs: list[EventRef] = []
    found: list[Expr] = []
    match stmt:
        case FunnelDef(steps=steps):
            refs = [step.event for step in steps]
        case RetentionDef(cohort=cohort, returns=returns):
            refs = [ref for ref in (cohort, returns) if ref is not None]
        case ReportDef(where=where, window=window, metrics=metrics):
            found += [] if where is None else [where]
            found += [window.start] if isinstance(window, SinceWindow) else []
            found += [metric.expr for metric in metrics]
        case ExperimentDef(population=population, metrics=metrics):
            found += [] if population is None else [population]
            found += [metric.expr for metric in metrics]
    return found + [ref.where for ref in refs if ref.where is not None]


def children(expr: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of an expression, in source order."""
    match expr:
        case Unary(operand=operand):
            return (operand,)
        case Binary(left=left, right=right) | StringMatch(left=left, right=right):
            return (left, right)
        case InList(operand=operand, items=items):
            return (operand, *items)
        case Between(operand=operand, low=low, high=high):
            return (operand, low, high)
        case IsNull(operand=operand):
            return (operand,)
        case AlertCall(args=args):
            return args
        case Call(args=args, where=where, window=window):
            extra: list[Expr] = [] if where is None else [where]
            if isinstance(window, SinceWindow):
                extra.append(window.start)
            return (*args, *extra)
        case Case(whens=whens, otherwise=otherwise):
            parts: list[Expr] = []
            for when in whens:
                parts += [when.condition, when.value]
            if otherwise is not None:
                parts.append(otherwise)
            return tuple(parts)
        case _:
            return ()


def _continues_chain(parent: Expr, child: Expr) -> bool:
    return (
        isinstance(parent, Binary)
        and parent.op in ("and", "or")
        and isinstance(child, Binary)
        and child.op == parent.op
    )


def depth(expr: Expr) -> int:
    """Nesting depth, computed without recursion so deep input cannot crash it. A
    chain of one operator (`a and b and c ...`) is one level, however long."""
    deepest = 0
    stack: list[tuple[Expr, int]] = [(expr, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        for child in children(node):
            stack.append((child, level if _continues_chain(node, child) else level + 1))
    return deepest


def longest_chain(expr: Expr) -> int:
    """The most operands joined by one `and`/`or` chain anywhere in the expression."""
    longest = 1
    stack: list[tuple[Expr, int]] = [(expr, 1)]
    while stack:
        node, length = stack.pop()
        longest = max(longest, length)
        for child in children(node):
            stack.append((child, length + 1 if _continues_chain(node, child) else 1))
    return longest

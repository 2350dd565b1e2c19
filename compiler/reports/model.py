"""The checked form of funnels, retention, reports and experiments (SPEC §2.7-2.8).

Per-user values (a funnel's split, an experiment's population and metrics, a report's
values over users) are typed IR expressions in the user domain; a report over an event
source holds expressions over that source's columns, where per-user values may be used.
Durations are `datetime.timedelta`: elapsed time, not wall-clock arithmetic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from segl.compiler import ir
from segl.compiler.ops import ArithOp
from segl.dsl.diagnostics import NO_SPAN, Span

PERIODS = ("day", "week", "month")
USERS = "users"  # `report ... over users`: one row per user of the universe


@dataclass(frozen=True)
class EventMatch:
    """The rows of an event source where a filter over its columns is TRUE."""

    source: str
    filter: ir.Expr | None = None


# ---------------------------------------------------------------- funnels


@dataclass(frozen=True)
class FunnelStep:
    name: str
    event: EventMatch
    within: dt.timedelta | None = None  # from the previous step's event


@dataclass(frozen=True)
class Split:
    """How a funnel's users are grouped: a per-user value (`by X`) or a column of the
    entry event (`by entry S.col`). `key` names the value in each group's key."""

    key: str
    value: ir.Expr | None = None  # `by X`
    entry_column: str | None = None  # `by entry S.col`: col, of the first step's source


@dataclass(frozen=True)
class Funnel:
    name: str
    title: str | None
    steps: tuple[FunnelStep, ...]
    within: dt.timedelta | None = None  # every step from the first step's event
    split: Split | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


# ---------------------------------------------------------------- retention


@dataclass(frozen=True)
class Retention:
    name: str
    title: str | None
    cohort: EventMatch
    first: bool  # only the user's first-ever cohort event
    returns: EventMatch
    period: str  # one of PERIODS
    periods: int  # how many periods after the cohort's are counted
    rolling: bool = False  # periods from each user's own cohort instant
    on_or_after: bool = False  # retained in period k: a return in k or any later period
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


# ---------------------------------------------------------------- reports


@dataclass(frozen=True)
class RowAggregate:
    """An aggregate of the registry (`in_reports`) over the rows of one group."""

    func: str
    value: ir.Expr | None  # None: the rows themselves (`count()`)
    filter: ir.Expr | None = None  # `where C`: only rows where C is TRUE
    constants: tuple[float, ...] = ()  # percentile's fraction
    # count_distinct of the universe's key column: the distinct users, counted by their
    # keys as the warehouse holds them (a number key read as a double would merge
    # snowflake IDs: 2^60 + 1 and 2^60 + 2 are one double)
    counts_users: bool = False


@dataclass(frozen=True)
class MetricRef:
    """An earlier metric of the same report, for the same group."""

    name: str


@dataclass(frozen=True)
class MetricNumber:
    value: float


@dataclass(frozen=True)
class MetricArith:
    op: ArithOp
    left: MetricExpr
    right: MetricExpr


@dataclass(frozen=True)
class MetricNeg:
    operand: MetricExpr


MetricExpr = RowAggregate | MetricRef | MetricNumber | MetricArith | MetricNeg


@dataclass(frozen=True)
class Metric:
    name: str
    expr: MetricExpr


@dataclass(frozen=True)
class Dimension:
    """A value to group by; `name` is its key in the rows."""

    name: str
    value: ir.Expr


@dataclass(frozen=True)
class Report:
    name: str
    title: str | None
    over: str  # USERS, or an event source
    where: ir.Expr | None
    window: ir.Window | None  # over an event source: its rows in [start, end)
    dimensions: tuple[Dimension, ...]
    metrics: tuple[Metric, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    @property
    def over_users(self) -> bool:
        return self.over == USERS


# ---------------------------------------------------------------- experiments


@dataclass(frozen=True)
class Arm:
    """Users with `low <= bucket(user, salt) < high` (SPEC §3.3)."""

    name: str
    weight: float  # the declared share, of 1
    low: float
    high: float


MEAN, SHARE = "mean", "share"


@dataclass(frozen=True)
class ExperimentMetric:
    """`kind` MEAN: the mean over an arm's users of a per-user number (nulls left out);
    SHARE: the share of an arm's users for whom a per-user condition is TRUE."""

    name: str
    kind: str  # MEAN | SHARE
    value: ir.Expr


@dataclass(frozen=True)
class Experiment:
    name: str
    title: str | None
    population: ir.Expr  # a per-user condition
    salt: str
    arms: tuple[Arm, ...]
    control: str  # the arm named `control`, else the first arm
    metrics: tuple[ExperimentMetric, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    def arm_of(self, bucket: float) -> str | None:
        return next((arm.name for arm in self.arms if arm.low <= bucket < arm.high), None)


# ---------------------------------------------------------------- the whole


@dataclass(frozen=True)
class Reports:
    """Every funnel, retention, report and experiment of a project. Their names form a
    namespace of their own (a report may be named like the source it is over)."""

    funnels: tuple[Funnel, ...] = ()
    retentions: tuple[Retention, ...] = ()
    reports: tuple[Report, ...] = ()
    experiments: tuple[Experiment, ...] = ()

    def names(self) -> list[str]:
        kinds: list[tuple[Funnel | Retention | Report | Experiment, ...]] = [
            self.funnels,
            self.retentions,
            self.reports,
            self.experiments,
        ]
        return [item.name for kind in kinds for item in kind]

"""Checking funnels, retention, reports and experiments (SPEC §2.7-2.8): syntax trees to
`model.Reports`, with diagnostics E0801-E0809.

It runs after the project's definitions are checked and borrows the project checker's
expression checking, so a step's filter is typed like an aggregate's filter and an
experiment's population like a segment. Names inside expressions keep the project's codes
(E0301 unknown name, E0303 unknown column, E0401 types); what only reports have gets E08xx.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction
from typing import Protocol

from segl.compiler import ir, registry
from segl.compiler.ops import ArithOp
from segl.compiler.reports import model
from segl.compiler.types import Type
from segl.dsl import ast
from segl.dsl.diagnostics import Span, did_you_mean
from segl.dsl.parser import AGGREGATES
from segl.dsl.parser import REPORT_AGGREGATES as REPORT_ONLY_AGGREGATES  # share, median, ...

UNIT_SPANS = {
    "minute": dt.timedelta(minutes=1),
    "hour": dt.timedelta(hours=1),
    "day": dt.timedelta(days=1),
    "week": dt.timedelta(weeks=1),
}
MAX_PERIODS = 1_000  # a retention's periods: more makes a query that runs for minutes
ARITH_OPS = frozenset(op.value for op in ArithOp)
REPORT_AGGREGATE_LIST = ", ".join(sorted(registry.REPORT_AGGREGATES))


class ExprChecker(Protocol):
    """What the project's checker lends: reporting, names, and typing expressions."""

    sources: dict[str, ir.Source]

    @property
    def definition_names(self) -> Sequence[str]: ...

    def error(self, code: str, message: str, span: Span | None, *hints: str) -> None: ...

    def warn(self, code: str, message: str, span: Span | None, *hints: str) -> None: ...

    def expr(self, node: ast.Expr, scope: ir.Source | None) -> ir.Expr: ...

    def condition(self, node: ast.Expr, scope: ir.Source | None, what: str) -> ir.Expr: ...

    def is_definition(self, name: str) -> bool: ...

    def window(self, node: ast.Window | None) -> ir.Window | None: ...


class ReportChecker:
    def __init__(self, checker: ExprChecker, universe: str) -> None:
        self.checker = checker
        self.universe = universe

    def error(self, code: str, message: str, span: Span | None, *hints: str) -> None:
        self.checker.error(code, message, span, *(h for h in hints if h))

    @property
    def event_sources(self) -> list[str]:
        return [s.name for s in self.checker.sources.values() if s.kind == "event"]

    # ------------------------------------------------------------ the whole
    def check(self, statements: Sequence[ast.ReportStatement]) -> model.Reports | None:
        if not statements:
            return None
        funnels: list[model.Funnel] = []
        retentions: list[model.Retention] = []
        reports: list[model.Report] = []
        experiments: list[model.Experiment] = []
        for stmt in self._unique(statements):
            match stmt:
                case ast.FunnelDef():
                    funnel = self._funnel(stmt)
                    funnels += [funnel] if funnel is not None else []
                case ast.RetentionDef():
                    retention = self._retention(stmt)
                    retentions += [retention] if retention is not None else []
                case ast.ReportDef():
                    report = self._report(stmt)
                    reports += [report] if report is not None else []
                case ast.ExperimentDef():
                    experiment = self._experiment(stmt)
                    experiments += [experiment] if experiment is not None else []
        return model.Reports(tuple(funnels), tuple(retentions), tuple(reports), tuple(experiments))

    def _unique(self, statements: Sequence[ast.ReportStatement]) -> Iterator[ast.ReportStatement]:
        """Each name once (ignoring case, as the project's names): a second one is E0806."""
        seen: dict[str, Span] = {}
        for stmt in statements:
            first = seen.get(stmt.name.lower())
            if first is not None:
                self.error(
                    "E0806",
                    f"'{stmt.name}' is the name of another funnel, retention, report or "
                    "experiment (names ignore case)",
                    stmt.span,
                    f"first defined at {first.file}:{first.line}",
                )
                continue
            seen[stmt.name.lower()] = stmt.span
            yield stmt

    def _repeated(self, what: str, repeated: tuple[tuple[str, Span], ...]) -> None:
        for clause, span in repeated:
            self.error("E0806", f"`{clause}` is given twice in {what}", span, "keep one")

    def _twice(self, names: Sequence[tuple[str, Span]], kind: str, what: str) -> set[str]:
        """Names given twice (E0806); returns the names seen."""
        seen: dict[str, Span] = {}
        for name, span in names:
            if name in seen:
                self.error(
                    "E0806",
                    f"{kind} '{name}' appears twice in {what}",
                    span,
                    f"the first is on line {seen[name].line}; give each {kind} its own name",
                )
            seen.setdefault(name, span)
        return set(seen)

    # ------------------------------------------------------------ shared parts
    def _event(self, ref: ast.EventRef, what: str) -> model.EventMatch | None:
        source = self.checker.sources.get(ref.source)
        if source is None:
            events = self.event_sources
            hints = did_you_mean(ref.source, events) or (
                ("event sources: " + ", ".join(events),) if events else ()
            )
            self.error("E0802", f"unknown event source '{ref.source}' in {what}", ref.span, *hints)
            return None
        if source.kind != "event":
            self.error(
                "E0802",
                f"'{ref.source}' is a profile source: {what} needs events",
                ref.span,
                "use an event source (one with `user ... time ...`)",
            )
            return None
        flt = None
        if ref.where is not None:
            flt = self.checker.condition(ref.where, source, f"the filter of {what}")
        return model.EventMatch(source.name, flt)

    def _duration(self, duration: ast.Duration, what: str) -> dt.timedelta | None:
        unit = UNIT_SPANS.get(duration.unit)
        if unit is None:
            self.error(
                "E0807",
                f"{what} must have a fixed length: {duration.unit}s do not",
                duration.span,
                "count in days or weeks: e.g. within 90 days",
            )
            return None
        if duration.count == 0:
            self.error(
                "E0807",
                f"{what} of 0 {duration.unit}s leaves no time to convert",
                duration.span,
                "e.g. within 3 days",
            )
            return None
        return duration.count * unit

    # ------------------------------------------------------------ funnels
    def _funnel(self, stmt: ast.FunnelDef) -> model.Funnel | None:
        what = f"funnel '{stmt.name}'"
        self._repeated(what, stmt.repeated)
        if len(stmt.steps) < 2:
            self.error(
                "E0801",
                f"{what} has {len(stmt.steps)} step{'s' if len(stmt.steps) != 1 else ''}; "
                "a funnel needs at least two",
                stmt.span,
                "add the step users convert to: step bought: orders",
            )
        self._twice([(s.name, s.span) for s in stmt.steps], "step", what)
        within = self._duration(stmt.within, "a funnel's window") if stmt.within else None
        steps = [self._step(stmt, index, step) for index, step in enumerate(stmt.steps)]
        split = self._split(stmt, steps[0] if steps else None)
        if len(stmt.steps) < 2 or any(step is None for step in steps):
            return None
        checked = tuple(step for step in steps if step is not None)
        if within is not None:
            self._windows_that_never_bind(stmt, checked, within)
        return model.Funnel(stmt.name, stmt.title, checked, within, split, stmt.span)

    def _windows_that_never_bind(
        self, stmt: ast.FunnelDef, checked: tuple[model.FunnelStep, ...], within: dt.timedelta
    ) -> None:
        """W0801: a step's `within` at least the funnel's never limits anything, since the
        previous step comes at or after the entry and the funnel's window closes first."""
        assert stmt.within is not None
        for step, found in zip(stmt.steps, checked, strict=True):
            if step.within is not None and found.within is not None and found.within >= within:
                self.checker.warn(
                    "W0801",
                    f"step '{step.name}' of funnel '{stmt.name}' waits up to "
                    f"{step.within.spoken}, but the funnel's window of "
                    f"{stmt.within.spoken} from the entry closes first: it never limits",
                    step.within.span,
                    "make the step's window shorter than the funnel's, or leave it out",
                )

    def _step(
        self, stmt: ast.FunnelDef, index: int, step: ast.FunnelStep
    ) -> model.FunnelStep | None:
        event = self._event(step.event, f"step '{step.name}' of funnel '{stmt.name}'")
        within = None
        if step.within is not None and index == 0:
            self.error(
                "E0807",
                f"step '{step.name}' is the first step: there is no previous step to count "
                "its `within` from",
                step.within.span,
                f"bound the whole funnel instead: funnel {stmt.name} within ...",
            )
        elif step.within is not None:
            within = self._duration(step.within, "a step's window")
        return None if event is None else model.FunnelStep(step.name, event, within)

    def _split(self, stmt: ast.FunnelDef, first: model.FunnelStep | None) -> model.Split | None:
        by = stmt.by
        if by is None:
            return None
        if not stmt.by_entry:
            value = self._per_user(by, f"funnel '{stmt.name}'", "by entry")
            return None if value is None else model.Split(by.name, value)
        source = self.checker.sources.get(by.source or "")
        if source is None:
            self.error(
                "E0802",
                f"unknown source '{by.source}'",
                by.span,
                *did_you_mean(by.source or "", self.event_sources),
            )
            return None
        if first is not None and source.name != first.event.source:
            self.error(
                "E0804",
                f"`by entry` takes a column of the entry event, a row of "
                f"'{first.event.source}' (the first step), not of '{source.name}'",
                by.span,
                f"e.g. by entry {first.event.source}.<column>"
                if source.kind == "event"
                else f"a per-user value splits without `entry`: by {by.text}",
            )
            return None
        if source.column_type(by.name) is None:
            self.error(
                "E0804",
                f"source '{source.name}' has no column '{by.name}'",
                by.span,
                *did_you_mean(by.name, [c for c, _ in source.columns]),
            )
            return None
        return model.Split(by.name, None, by.name)

    def _per_user(self, dim: ast.Dimension, what: str, event_hint: str) -> ir.Expr | None:
        """A per-user value to group users by: a tag, segment, layering or profile column."""
        if dim.source is None:
            return self._named_value(dim, what, None)
        source = self.checker.sources.get(dim.source)
        if source is None:
            self.error(
                "E0802",
                f"unknown source '{dim.source}'",
                dim.span,
                *did_you_mean(dim.source, self.checker.sources),
            )
            return None
        if source.kind == "event":
            self.error(
                "E0804",
                f"{dim.text} is a per-event value; {what} groups users by a per-user value",
                dim.span,
                f"group by the entry event's column: {event_hint} {dim.text}"
                if event_hint == "by entry"
                else f"name a per-user value as a tag: tag t = last({dim.text})",
            )
            return None
        return self.checker.expr(ast.ColumnRef(dim.source, dim.name, dim.span), None)

    def _named_value(
        self, dim: ast.Dimension, what: str, scope: ir.Source | None
    ) -> ir.Expr | None:
        """A bare name: a tag, segment or layering, or a column of the rows (`scope`)."""
        name = dim.name
        if scope is not None and scope.column_type(name) is not None:
            return self.checker.expr(ast.Name(name, dim.span), scope)
        if self.checker.is_definition(name):
            return self.checker.expr(ast.Name(name, dim.span), scope)
        if name in self.checker.sources:
            self.error(
                "E0804",
                f"'{name}' is a source, not a value to group by",
                dim.span,
                f"group by one of its columns: {name}.<column>",
            )
            return None
        candidates = [*self.checker.definition_names]
        candidates += [c for c, _ in scope.columns] if scope is not None else []
        kinds = "a tag, segment or layering" + (
            f", nor a column of '{scope.name}'" if scope is not None else ""
        )
        self.error(
            "E0804",
            f"unknown dimension '{name}' of {what}: not {kinds}",
            dim.span,
            *(
                did_you_mean(name, candidates)
                or self._profile_columns_named(name)
                or self._event_columns_named(name)
            ),
        )
        return None

    def _event_columns_named(self, name: str) -> tuple[str, ...]:
        """Where a bare name is a column of event sources: a report over those rows may
        group by it (a report over users groups by per-user values only)."""
        found = [
            source.name
            for source in self.checker.sources.values()
            if source.kind == "event" and source.column_type(name) is not None
        ]
        if not found:
            return ()
        return (
            f"'{name}' is a column of the events of {' and '.join(map(repr, found))}: a "
            f"report over {found[0]} groups its rows by it (`over {found[0]} by {name}`)",
        )

    def _profile_columns_named(self, name: str) -> tuple[str, ...]:
        """`did you mean 'users.city'?` for a profile column written without its source."""
        found = [
            f"{source.name}.{name}"
            for source in self.checker.sources.values()
            if source.kind == "profile" and source.column_type(name) is not None
        ]
        if not found:
            return ()
        return ("did you mean " + " or ".join(f"'{f}'" for f in found) + "?",)

    # ------------------------------------------------------------ retention
    def _retention(self, stmt: ast.RetentionDef) -> model.Retention | None:
        what = f"retention '{stmt.name}'"
        self._repeated(what, stmt.repeated)
        missing = [
            clause
            for clause, given in (
                ("cohort S", stmt.cohort),
                ("return S", stmt.returns),
                ("by day|week|month", stmt.period),
                ("periods N", stmt.periods),
            )
            if given is None
        ]
        if missing:
            self.error(
                "E0801",
                f"{what} lacks " + ", ".join(f"`{m}`" for m in missing),
                stmt.span,
                "e.g. cohort first orders, return orders, by month, periods 6",
            )
        cohort = self._event(stmt.cohort, f"the cohort of {what}") if stmt.cohort else None
        returns = self._event(stmt.returns, f"the return of {what}") if stmt.returns else None
        if stmt.periods is not None and stmt.periods <= 0:
            self.error(
                "E0807",
                f"{what} counts {stmt.periods} periods; it needs at least 1",
                stmt.periods_span,
                "e.g. periods 7",
            )
        elif stmt.periods is not None and stmt.periods > MAX_PERIODS:
            self.error(
                "E0807",
                f"{what} counts {stmt.periods:,} periods; at most {MAX_PERIODS:,}",
                stmt.periods_span,
                "count in a longer unit: e.g. by month, periods 24",
            )
        if (
            cohort is None
            or returns is None
            or stmt.period is None
            or stmt.periods is None
            or not 0 < stmt.periods <= MAX_PERIODS
        ):
            return None
        return model.Retention(
            stmt.name,
            stmt.title,
            cohort,
            stmt.first,
            returns,
            stmt.period,
            stmt.periods,
            stmt.rolling,
            stmt.on_or_after,
            stmt.span,
        )

    # ------------------------------------------------------------ reports
    def _rows(self, stmt: ast.ReportDef) -> tuple[bool, ir.Source | None]:
        """(whether the rows are known, the event source of the rows or None for users)."""
        if stmt.over in (model.USERS, self.universe):
            return True, None
        source = self.checker.sources.get(stmt.over)
        if source is not None and source.kind == "event":
            return True, source
        if source is not None:
            self.error(
                "E0802",
                f"report '{stmt.name}' is over '{stmt.over}', a profile source that is not the "
                "project's users",
                stmt.over_span,
                f"a report is over users (the universe '{self.universe}') or an event source",
            )
            return False, None
        self.error(
            "E0802",
            f"report '{stmt.name}' is over unknown rows '{stmt.over}'",
            stmt.over_span,
            *did_you_mean(stmt.over, [model.USERS, *self.event_sources]),
            "a report is over users or an event source: " + ", ".join(self.event_sources),
        )
        return False, None

    def _report(self, stmt: ast.ReportDef) -> model.Report | None:
        what = f"report '{stmt.name}'"
        known, scope = self._rows(stmt)
        if not known:
            return None
        where = None
        if stmt.where is not None:
            where = self.checker.condition(stmt.where, scope, f"the filter of {what}")
        window = None
        if stmt.window is not None and scope is None:
            self.error(
                "E0803",
                f"{what} is over users: a window bounds the rows of an event source",
                stmt.window.span,
                "window each value instead: count(orders in last 30 days)",
            )
        elif stmt.window is not None:
            window = self.checker.window(stmt.window)
        dims = [self._dimension(dim, what, scope) for dim in stmt.by]
        dim_names = self._twice([(d.name, d.span) for d in stmt.by], "dimension", what)
        if not stmt.metrics:
            self.error("E0801", f"{what} has no metric", stmt.span, "e.g. users = count()")
        metrics = self._metrics(stmt, scope, dim_names)
        if any(d is None for d in dims) or metrics is None:
            return None
        return model.Report(
            stmt.name,
            stmt.title,
            model.USERS if scope is None else scope.name,
            where,
            window,
            tuple(d for d in dims if d is not None),
            metrics,
            stmt.span,
        )

    def _dimension(
        self, dim: ast.Dimension, what: str, scope: ir.Source | None
    ) -> model.Dimension | None:
        if scope is None:
            value = self._per_user(dim, what, "")
        elif dim.source is None:
            value = self._named_value(dim, what, scope)
        else:
            value = self._row_column(dim, what, scope)
        return None if value is None else model.Dimension(dim.name, value)

    def _row_column(self, dim: ast.Dimension, what: str, scope: ir.Source) -> ir.Expr | None:
        """`S.col` in a report over event source `scope`: its own column or a profile's."""
        source = self.checker.sources.get(dim.source or "")
        if source is not None and source.kind == "event" and source.name != scope.name:
            self.error(
                "E0804",
                f"{dim.text} is a column of another event source; the rows of {what} are "
                f"'{scope.name}'",
                dim.span,
                f"group by a column of '{scope.name}', or a per-user value",
            )
            return None
        node = ast.ColumnRef(dim.source or "", dim.name, dim.span)
        return self.checker.expr(node, scope)

    def _metrics(
        self, stmt: ast.ReportDef, scope: ir.Source | None, dimensions: set[str]
    ) -> tuple[model.Metric, ...] | None:
        what = f"report '{stmt.name}'"
        later = {m.name for m in stmt.metrics}
        known: dict[str, Type] = {}  # the metrics above, with the type of their values
        checked: list[model.Metric] = []
        failed = False
        for metric in stmt.metrics:
            later.discard(metric.name)
            if metric.name in known or metric.name in dimensions:
                kind = "a metric" if metric.name in known else "a dimension"
                self.error(
                    "E0806",
                    f"'{metric.name}' is already {kind} of {what}",
                    metric.span,
                    "a row holds each dimension and metric under its name: rename one",
                )
                failed = True
                continue
            expr = self._metric_expr(metric.expr, _Rows(stmt.name, scope), known, later)
            if expr is None:
                failed = True
            else:
                checked.append(model.Metric(metric.name, expr))
            known[metric.name] = Type.ANY if expr is None else _metric_type(expr, known)
        return None if failed or not checked else tuple(checked)

    def _metric_expr(
        self, node: ast.Expr, rows: _Rows, known: dict[str, Type], later: set[str]
    ) -> model.MetricExpr | None:
        """Arithmetic over aggregates of the rows, numbers and earlier metrics."""
        match node:
            case ast.NumberLit():
                value = self.checker.expr(node, None)  # reports a literal no double holds
                if not isinstance(value, ir.Literal) or not isinstance(value.value, int | float):
                    return None
                return model.MetricNumber(float(value.value))
            case ast.Name(name=name) if name in known:
                return model.MetricRef(name)
            case ast.Name(name=name) if name in later:
                self.error(
                    "E0808",
                    f"metric '{name}' is used before it is defined",
                    node.span,
                    f"define '{name}' above the metrics that use it",
                )
                return None
            case ast.Unary(op="-", operand=operand):
                inner = self._metric_expr(operand, rows, known, later)
                inner = self._arithmetic_operand(inner, operand, "-", rows, known)
                return None if inner is None else model.MetricNeg(inner)
            case ast.Binary(op=op, left=left, right=right) if op in ARITH_OPS:
                lhs = self._metric_expr(left, rows, known, later)
                rhs = self._metric_expr(right, rows, known, later)
                lhs = self._arithmetic_operand(lhs, left, op, rows, known)
                rhs = self._arithmetic_operand(rhs, right, op, rows, known)
                return (
                    None if lhs is None or rhs is None else model.MetricArith(ArithOp(op), lhs, rhs)
                )
            case ast.Call(name=name) if name in registry.REPORT_AGGREGATES:
                return self._row_aggregate(node, rows)
        self._not_a_metric(node, rows, known)
        return None

    def _arithmetic_operand(
        self,
        expr: model.MetricExpr | None,
        node: ast.Expr,
        op: str,
        rows: _Rows,
        known: dict[str, Type],
    ) -> model.MetricExpr | None:
        """Arithmetic takes numbers: a text, time or true/false metric (max of a text
        column, min of a timestamp) is E0809 here, not an engine's error at run time."""
        if expr is None:
            return None
        kind = _metric_type(expr, known)
        if kind in (Type.NUMBER, Type.ANY, Type.NULL):
            return expr
        self.error(
            "E0809",
            f"`{op}` needs numbers, but this metric of report '{rows.report}' is a {kind}",
            node.span,
            'count or measure it instead: e.g. count_distinct(x), share(x == "...")'
            if kind is Type.STRING
            else "arithmetic on metrics takes numbers: count, sum, avg, share, ...",
        )
        return None

    def _not_a_metric(self, node: ast.Expr, rows: _Rows, known: dict[str, Type]) -> None:
        if isinstance(node, ast.Call) and node.name in AGGREGATES:
            self.error(
                "E0808",
                f"{node.name}() is not an aggregate of reports",
                node.span,
                f"reports aggregate their rows with {REPORT_AGGREGATE_LIST}",
            )
        elif isinstance(node, ast.Name) and not self._is_row_value(node.name, rows):
            self.error(
                "E0808",
                f"unknown metric '{node.name}' in report '{rows.report}'",
                node.span,
                *(did_you_mean(node.name, known) or (_metric_hint(known),)),
            )
        else:
            self.error(
                "E0803",
                f"a metric of report '{rows.report}' aggregates its rows; this is a value of "
                "one row",
                node.span,
                "aggregate it: e.g. avg(...), sum(...), share(... >= 1), count(where ...)",
            )

    def _is_row_value(self, name: str, rows: _Rows) -> bool:
        in_rows = rows.scope is not None and rows.scope.column_type(name) is not None
        return in_rows or self.checker.is_definition(name)

    def _row_aggregate(self, node: ast.Call, rows: _Rows) -> model.RowAggregate | None:
        entry = registry.AGGREGATES[node.name]
        if node.window is not None:
            self.error(
                "E0803",
                f"a metric's {node.name}() aggregates the report's rows: a window goes on the "
                "report (over an event source)",
                node.window.span,
                f"report {rows.report} over <source> in last 30 days {{ ... }}",
            )
            return None
        wanted = 1 + len(entry.constants)
        if not (len(node.args) == wanted or (entry.counts_rows and not node.args)):
            self.error(
                "E0402",
                f"{node.name}() takes {wanted} argument(s) in a report, not {len(node.args)}",
                node.span,
                "count() counts the rows" if entry.counts_rows else _arguments_example(node.name),
            )
            return None
        if self._wrong_domain(node, rows):
            return None
        value = self._row_value(node, entry, rows) if node.args else None
        constants = self._constants(node, entry)
        flt = None
        if node.where is not None:
            flt = self.checker.condition(node.where, rows.scope, "'where'")
        if (node.args and value is None) or constants is None:
            return None
        counts_users = node.name == "count_distinct" and self._is_universe_key(value)
        return model.RowAggregate(node.name, value, flt, constants, counts_users)

    def _is_universe_key(self, value: ir.Expr | None) -> bool:
        universe = self.checker.sources.get(self.universe)
        return (
            isinstance(value, ir.ProfileColumn)
            and universe is not None
            and value.source == universe.name
            and value.column == universe.user_column
        )

    def _row_value(self, node: ast.Call, entry: registry.Aggregate, rows: _Rows) -> ir.Expr | None:
        arg = node.args[0]
        if entry.value_types == frozenset({Type.BOOL}):
            value = self.checker.condition(arg, rows.scope, f"{node.name}()")
        else:
            value = self.checker.expr(arg, rows.scope)
        if entry.result in (Type.NUMBER, Type.BOOL) and entry.value_types == registry.ANY_VALUE:
            return value  # count, count_distinct: any value
        if value.type not in entry.value_types | {Type.ANY, Type.NULL}:
            wanted = " or ".join(sorted(t.value for t in entry.value_types))
            self.error(
                "E0401",
                f"{node.name}() needs a {wanted}, but this is a {value.type}",
                arg.span,
                f"{node.name}() takes a {wanted} value: a column or an expression of one",
            )
            return None
        return value

    def _constants(self, node: ast.Call, entry: registry.Aggregate) -> tuple[float, ...] | None:
        found: list[float] = []
        for arg, (low, high) in zip(node.args[1:], entry.constants, strict=False):
            number = float(arg.text) if isinstance(arg, ast.NumberLit) else None
            if number is None or not low <= number <= high:
                self.error(
                    "E0809",
                    f"{node.name}()'s second argument must be a number from {low:g} to {high:g}",
                    arg.span,
                    f"e.g. {node.name}(x, 0.9) for the 90th percentile",
                )
                return None
            found.append(number)
        return tuple(found)

    def _wrong_domain(self, node: ast.Call, rows: _Rows) -> bool:
        """A metric over users reading one event's columns, or over a source reading
        another source's: E0803, before the expression checker says it in general terms."""
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Name) and first.name in self.checker.sources:
            over = "users" if rows.scope is None else f"rows of '{rows.scope.name}'"
            self.error(
                "E0803",
                f"{node.name}({first.name}) in report '{rows.report}', whose rows are {over}",
                first.span,
                "count() counts the report's rows"
                if rows.scope is not None
                else f"to count each user's events, sum a tag's value: sum(count({first.name}))",
            )
            return True
        for part in [*node.args, *([node.where] if node.where is not None else [])]:
            problem = self._foreign(part, rows)
            if problem is not None:
                where, message, hint = problem
                self.error("E0803", message, where, hint)
                return True
        return False

    def _foreign(self, root: ast.Expr, rows: _Rows) -> tuple[Span, str, str] | None:
        stack = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Call) and node.name in AGGREGATES:
                if rows.scope is not None:
                    return (
                        node.span,
                        f"{node.name}() aggregates a user's events inside report "
                        f"'{rows.report}' over '{rows.scope.name}'",
                        "name it as a tag and use the tag here",
                    )
                continue  # over users: a per-user value
            source = (
                self.checker.sources.get(node.source) if isinstance(node, ast.ColumnRef) else None
            )
            if isinstance(node, ast.ColumnRef) and source is not None and source.kind == "event":
                if rows.scope is None:
                    return (
                        node.span,
                        f"{node.source}.{node.column} is a per-event value, but the rows of "
                        f"report '{rows.report}' are users",
                        f"aggregate it per user inside: e.g. sum(sum({node.source}.{node.column}))"
                        f", or report over {node.source}",
                    )
                if source.name != rows.scope.name:
                    return (
                        node.span,
                        f"{node.source}.{node.column} is a column of another event source; "
                        f"the rows of report '{rows.report}' are '{rows.scope.name}'",
                        "name a per-user aggregate of it as a tag and use the tag here",
                    )
            stack.extend(ast.children(node))
        return None

    # ------------------------------------------------------------ experiments
    def _experiment(self, stmt: ast.ExperimentDef) -> model.Experiment | None:
        what = f"experiment '{stmt.name}'"
        self._repeated(what, stmt.repeated)
        population = None
        if stmt.population is None:
            self.error(
                "E0801", f"{what} has no `population`", stmt.span, "e.g. population lapsed_buyers"
            )
        else:
            population = self.checker.condition(stmt.population, None, f"the population of {what}")
        if not stmt.salt:
            empty = stmt.salt is not None
            self.error(
                "E0801",
                f"the salt of {what} is empty" if empty else f"{what} needs a salt",
                stmt.salt_span if empty else stmt.span,
                'a fixed text that makes its arms independent of others: salt "price-test-2026-11"',
            )
        arms = self._arms(stmt, what)
        metrics = self._experiment_metrics(stmt, what)
        if population is None or not stmt.salt or arms is None or metrics is None:
            return None
        names = [arm.name for arm in arms]
        control = "control" if "control" in names else names[0]
        return model.Experiment(
            stmt.name, stmt.title, population, stmt.salt, arms, control, metrics, stmt.span
        )

    def _arms(self, stmt: ast.ExperimentDef, what: str) -> tuple[model.Arm, ...] | None:
        if len(stmt.arms) < 2:
            self.error(
                "E0801",
                f"{what} has {len(stmt.arms)} arm{'s' if len(stmt.arms) != 1 else ''}; it needs "
                "a control and at least one more",
                stmt.span,
                "e.g. arm control 50%, arm treatment 50%",
            )
            return None
        ok = len(self._twice([(a.name, a.span) for a in stmt.arms], "arm", what)) == len(stmt.arms)
        weights: list[Decimal] = []
        for arm in stmt.arms:
            weight = _decimal(arm.percent)
            if weight is None or weight <= 0:
                self.error(
                    "E0805",
                    f"arm '{arm.name}' has a weight of {arm.percent}%: it would get no users",
                    arm.span,
                    "give every arm more than 0%, or remove it",
                )
                ok = False
            weights.append(weight or Decimal(0))
        total = sum((Fraction(w) for w in weights), Fraction(0))  # exact, however many digits
        if ok and total != 100:
            self.error(
                "E0805",
                f"the arms of {what} add up to {_percent_text(total)}%, not 100%",
                stmt.arms[-1].span,
                "make the weights add up to 100%: e.g. arm control 10%, arm a 45%, arm b 45%",
            )
            ok = False
        return _consecutive(stmt.arms, weights) if ok else None

    def _experiment_metrics(
        self, stmt: ast.ExperimentDef, what: str
    ) -> tuple[model.ExperimentMetric, ...] | None:
        if not stmt.metrics:
            self.error(
                "E0801",
                f"{what} has no metric",
                stmt.span,
                'e.g. metric order_value = avg(orders.amount since date "2026-11-01")',
            )
            return None
        names = self._twice([(m.name, m.span) for m in stmt.metrics], "metric", what)
        checked = [self._experiment_metric(metric, what) for metric in stmt.metrics]
        if len(names) != len(stmt.metrics) or any(m is None for m in checked):
            return None
        return tuple(m for m in checked if m is not None)

    def _experiment_metric(self, metric: ast.MetricDef, what: str) -> model.ExperimentMetric | None:
        node = metric.expr
        label = f"metric '{metric.name}' of {what}"
        if isinstance(node, ast.Call) and node.name == "share":
            if len(node.args) != 1 or node.where is not None or node.window is not None:
                self.error(
                    "E0402",
                    "share() takes one condition",
                    node.span,
                    'e.g. share(exists(orders since date "2026-11-01"))',
                )
                return None
            condition = self.checker.condition(node.args[0], None, label)
            return model.ExperimentMetric(metric.name, model.SHARE, condition)
        inner = _report_aggregate_in(node)
        if inner is not None:  # not the tags' message: this is no tag
            message = (
                "share() is a metric of its own in an experiment, not part of one"
                if inner.name == "share"
                else f"{inner.name}() aggregates a report's rows, not a user's: an "
                "experiment's metric cannot use it"
            )
            self.error(
                "E0809",
                message,
                inner.span,
                "a metric is a number per user (each arm shows its mean) or a whole "
                f"share(condition): e.g. metric {metric.name} = share(exists(orders))",
            )
            return None
        value = self.checker.expr(node, None)
        if value.type in (Type.NUMBER, Type.ANY, Type.NULL):
            return model.ExperimentMetric(metric.name, model.MEAN, value)
        hint = (
            f"measure how many: metric {metric.name} = share(...)"
            if value.type is Type.BOOL
            else "a metric is a number per user, or share(condition)"
        )
        self.error("E0809", f"{label} is a {value.type}, not a number", node.span, hint)
        return None


def _report_aggregate_in(node: ast.Expr) -> ast.Call | None:
    """The first call of an aggregate only reports have (share, median, percentile; not
    `avg`, which a per-user value uses too) in an expression."""
    if isinstance(node, ast.Call) and node.name in REPORT_ONLY_AGGREGATES:
        return node
    for child in ast.children(node):
        found = _report_aggregate_in(child)
        if found is not None:
            return found
    return None


def _metric_type(expr: model.MetricExpr, known: dict[str, Type]) -> Type:
    """The type of a metric's values: an aggregate's result (min/max keep their value's
    type), a number for arithmetic and constants, an earlier metric's own type."""
    match expr:
        case model.RowAggregate(func=func, value=value):
            result = registry.AGGREGATES[func].result
            if result is not None:
                return result
            return Type.NUMBER if value is None else value.type
        case model.MetricRef(name=name):
            return known.get(name, Type.ANY)
    return Type.NUMBER


class _Rows:
    """The rows a report's metrics aggregate: users (scope None) or an event source's."""

    def __init__(self, report: str, scope: ir.Source | None) -> None:
        self.report = report
        self.scope = scope


def _arguments_example(name: str) -> str:
    """How a report's aggregate is called (a filter goes after the last argument)."""
    if name == "percentile":
        return "e.g. percentile(amount, 0.9), or percentile(amount, 0.9 where coupon_id is null)"
    return f"e.g. {name}(amount), or {name}(amount where coupon_id is null)"


def _percent_text(total: Fraction) -> str:
    """A sum of weights as a message shows it: its digits up to 30 significant ones, or
    in scientific notation when it is that large (`1e400%` is no 401-digit number)."""
    with localcontext() as context:
        context.prec = 30
        value = Decimal(total.numerator) / Decimal(total.denominator)
    if value.adjusted() >= 30:
        return f"{value:.6e}"
    return f"{value.normalize():f}"


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _consecutive(arms: Sequence[ast.ArmDef], weights: Sequence[Decimal]) -> tuple[model.Arm, ...]:
    """Arms in declared order over consecutive ranges of [0, 1). The bounds come from exact
    sums of the weights as written (10% + 45% is 0.55, not 0.5499999...), the last is 1."""
    found: list[model.Arm] = []
    low = Decimal(0)
    for arm, weight in zip(arms, weights, strict=True):
        high = low + weight
        found.append(model.Arm(arm.name, float(weight / 100), float(low / 100), float(high / 100)))
        low = high
    return tuple(found)


def _metric_hint(known: dict[str, Type]) -> str:
    """What a metric may read, for a name that is none of it (nor close to one)."""
    rows = "count(), sum(COLUMN), avg(COLUMN), share(CONDITION), ..."
    if not known:
        return f"a metric aggregates the rows: {rows}"
    above = ", ".join(known)
    return f"a metric reads the metrics defined above it ({above}) or aggregates the rows: {rows}"

"""Checking journeys, holdouts and the contact policy (SPEC §2.6, §2.8): syntax tree to
`model.Journeys`, with diagnostics E0701-E0712.

It runs after the project's definitions are checked, with the project checker's
expression checking (`ExprChecker`), so a journey's conditions are typed exactly as a
segment's. Each condition and payload value becomes a hidden tag (model.hidden_name).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol

from segl.compiler import ir
from segl.compiler.alerts.check import Definition, layer_move
from segl.compiler.alerts.model import LayerMove
from segl.compiler.journeys import model
from segl.compiler.types import Type
from segl.compiler.values import percent_fraction
from segl.dsl import ast
from segl.dsl.diagnostics import Span, did_you_mean

UNIT_SPANS = {
    "minute": dt.timedelta(minutes=1),
    "hour": dt.timedelta(hours=1),
    "day": dt.timedelta(days=1),
    "week": dt.timedelta(weeks=1),
}
# a journey's longest duration: the as-of plus or minus it must stay within the years 1 to
# 9999 (the parser allows ten million of any unit)
MAX_DURATION = dt.timedelta(days=36_500)


# what a trigger's filter may not read: it is evaluated on each event row alone
PER_USER_VALUES = (ir.ProfileColumn, ir.TagRef, ir.SegmentRef, ir.LayeringRef)


class ExprChecker(Protocol):
    """What the project's checker lends: reporting, and typing expressions."""

    sources: dict[str, ir.Source]

    @property
    def defs(self) -> Mapping[str, Definition]: ...

    @property
    def report_defs(self) -> Sequence[ast.ReportStatement]: ...

    def error(self, code: str, message: str, span: Span | None, *hints: str) -> None: ...

    def warn(self, code: str, message: str, span: Span | None, *hints: str) -> None: ...

    def expr(self, node: ast.Expr, scope: ir.Source | None) -> ir.Expr: ...

    def condition(self, node: ast.Expr, scope: ir.Source | None, what: str) -> ir.Expr: ...

    def is_definition(self, name: str) -> bool: ...


class JourneyChecker:
    def __init__(
        self,
        checker: ExprChecker,
        universe: ir.Source | None,
        channels: Sequence[str] = (),
    ) -> None:
        self.checker = checker
        self.universe = universe
        self.channels = (*model.CHANNELS, *(c for c in channels if c not in model.CHANNELS))
        self.values: list[ir.Tag] = []

    def error(self, code: str, message: str, span: Span | None, *hints: str) -> None:
        self.checker.error(code, message, span, *hints)

    # ------------------------------------------------------------ the whole
    def check(
        self,
        journeys: Sequence[ast.JourneyDef],
        holdouts: Sequence[ast.HoldoutDef],
        policies: Sequence[ast.PolicyDef],
    ) -> model.Journeys | None:
        if not journeys and not holdouts and not policies:
            return None
        policy = self._policy(policies)
        quiet, priority = policy.quiet, policy.priority
        order = self._priorities(journeys, priority)
        checked = [self._journey(j, order[j.name], quiet) for j in journeys]
        self._holdout_names([*holdouts, *(h for j in journeys for h in j.holdouts)])
        zone = self._zone_value()
        return model.Journeys(
            tuple(checked),
            tuple(self._holdout(h, None) for h in holdouts),
            quiet,
            policy.caps,
            tuple(self.values),
            zone,
        )

    def _zone_value(self) -> str | None:
        if self.universe is None or self.universe.zone is None:
            return None
        name = model.hidden_name("", "zone")
        column = ir.ProfileColumn(self.universe.name, self.universe.zone, Type.STRING)
        self.values.append(ir.Tag(name, None, column))
        return name

    def _hidden(self, journey: str, what: str, expr: ir.Expr) -> str:
        name = model.hidden_name(journey, what)
        self.values.append(ir.Tag(name, None, expr))
        return name

    # ------------------------------------------------------------ policy
    def _policy(self, policies: Sequence[ast.PolicyDef]) -> _Policy:
        for extra in policies[1:]:
            self.error(
                "E0711",
                "a project has one contact policy",
                extra.span,
                "merge the `policy` blocks into one",
            )
        if not policies:
            return _Policy(None, (), ())
        stmt = policies[0]
        quiet = None
        for index, item in enumerate(stmt.quiet):
            if index:
                self.error("E0711", "quiet hours are given twice", item.span, "keep one `quiet`")
                continue
            if item.start.minutes % model.DAY_MINUTES == item.end.minutes % model.DAY_MINUTES:
                whole_day = item.start.minutes != item.end.minutes  # 00:00 to 24:00
                self.error(
                    "E0705",
                    "quiet hours over the whole day leave no time to send"
                    if whole_day
                    else "quiet hours that start and end at the same time are no period",
                    item.span,
                    "e.g. quiet 22:00 to 08:00",
                )
                continue
            quiet = (item.start.minutes % model.DAY_MINUTES, item.end.minutes)
        caps = tuple(cap for item in stmt.caps if (cap := self._cap(item)) is not None)
        self._same_window_caps(caps)
        names = tuple(name for item in stmt.priorities for name in item.journeys)
        return _Policy(quiet, caps, names, stmt.priorities)

    def _cap(self, item: ast.CapDef) -> model.Cap | None:
        if item.channel != model.ALL_CHANNELS and not self._known_channel(item.channel, item.span):
            return None
        if not item.limit.isdigit() or len(item.limit) > 9:
            self.error(
                "E0705", "a cap is a whole number of messages", item.span, "e.g. cap sms 2 per day"
            )
            return None
        limit = int(item.limit)
        if limit == 0:
            self.error(
                "E0705",
                f"a cap of 0 messages means channel '{item.channel}' is never used",
                item.span,
                "remove the steps that send there, or allow at least 1",
            )
            return None
        if isinstance(item.per, ast.Duration):
            span = self._duration(item.per)
            if span is None:
                return None  # _duration said why
            if span <= dt.timedelta(0):
                self.error(
                    "E0705",
                    "a rolling cap needs a span longer than 0",
                    item.span,
                    "e.g. cap push 1 per 24 hours",
                )
                return None
            return model.Cap(item.channel, limit, None, span, item.span)
        return model.Cap(item.channel, limit, item.per, None, item.span)

    def _same_window_caps(self, caps: Sequence[model.Cap]) -> None:
        """W0704: two caps of one channel over the same window (a line given twice, or
        `cap push 1 per day` and `cap push 2 per day`): the lower limit always decides."""
        seen: dict[tuple[str, str | None, dt.timedelta | None], model.Cap] = {}
        for cap in caps:
            window = (cap.channel, cap.calendar, cap.rolling)
            first = seen.setdefault(window, cap)
            if first is cap:
                continue
            where = f"{first.span.file}:{first.span.line}" if first.span else "before"
            what = (
                "all channels are"
                if cap.channel == model.ALL_CHANNELS
                else f"channel '{cap.channel}' is"
            )
            self.checker.warn(
                "W0704",
                f"{what} capped twice over the same window: the lower limit "
                f"({min(first.limit, cap.limit)}) always decides",
                cap.span,
                f"the other cap is at {where}; keep one",
            )

    def _priorities(
        self, journeys: Sequence[ast.JourneyDef], priority: _Priority
    ) -> dict[str, int]:
        known = [j.name for j in journeys]
        listed: list[str] = []
        for name, span in priority.named():
            if name not in known:
                self.error(
                    "E0706",
                    f"priority names '{name}', which is not a journey",
                    span,
                    *(did_you_mean(name, known) or (_journeys_hint(known),)),
                )
            elif name in listed:
                self.error(
                    "E0706",
                    f"journey '{name}' is named twice in the priority",
                    span,
                    "name each journey once, the most important first",
                )
            else:
                listed.append(name)
        ordered = listed + [name for name in known if name not in listed]
        return {name: index for index, name in enumerate(ordered)}

    # ------------------------------------------------------------ journeys
    def _journey(
        self, stmt: ast.JourneyDef, priority: int, quiet: tuple[int, int] | None
    ) -> model.Journey:
        name = stmt.name
        enter_on, first, enter_when, enter_moved = self._entry(stmt)
        reenter = None
        for index, item in enumerate(stmt.reenters):
            if index:
                self.error("E0711", "`reenter` is given twice", item.span, "keep one")
                continue
            reenter = self._duration(item.after)
            if first and enter_on is not None:
                self.checker.warn(
                    "W0705",
                    f"journey '{name}' is entered on a user's first event only: "
                    "`reenter` never applies",
                    item.span,
                    "remove `reenter`, or enter on every event: enter on S (without first)",
                )
        exit_on: list[model.EventTrigger] = []
        exit_when: list[str] = []
        for index, clause in enumerate(stmt.exits):
            if clause.event is not None:
                trigger = self._trigger(clause.event, f"exit of journey '{name}'", "exit")
                if trigger is not None:
                    exit_on.append(trigger)
            elif clause.condition is not None:
                expr = self.checker.condition(clause.condition, None, f"exit of journey '{name}'")
                exit_when.append(self._hidden(name, f"exit{index}", expr))
        if not stmt.steps:
            self.error(
                "E0701",
                f"journey '{name}' has no step",
                stmt.span,
                'add one: step hello after 1 hour: send sms "hello"',
            )
        steps = self._steps(stmt, quiet)
        holdouts = tuple(self._holdout(h, name) for h in stmt.holdouts)
        return model.Journey(
            name,
            stmt.title,
            priority,
            enter_on,
            first,
            enter_when,
            reenter,
            tuple(exit_on),
            tuple(exit_when),
            steps,
            holdouts,
            stmt.span,
            enter_moved,
            self._first_time(name, enter_on) if first and enter_on is not None else None,
        )

    def _first_time(self, journey: str, trigger: model.EventTrigger) -> str | None:
        """`enter on first S`: a hidden tag, the time of each user's first matching event
        before the as-of (`min`), which the run computes in the scan of S it makes for
        the tags; a run then finds the interval's first events in its result, where a
        query of its own would read all of S's history. None when S's time is a date."""
        source = self.checker.sources[trigger.source]
        assert source.time_column is not None
        if source.column_type(source.time_column) not in (None, Type.TIMESTAMP):
            return None
        time = ir.EventColumn(source.name, source.time_column, Type.TIMESTAMP)
        first = ir.Aggregate("min", source.name, time, trigger.filter, None, Type.TIMESTAMP)
        return self._hidden(journey, "first", first)

    def _entry(
        self, stmt: ast.JourneyDef
    ) -> tuple[model.EventTrigger | None, bool, str | None, LayerMove | None]:
        if not stmt.enters:
            self.error(
                "E0701",
                f"journey '{stmt.name}' has no `enter`",
                stmt.span,
                "say who enters: enter on SOURCE, enter on first SOURCE, enter when CONDITION "
                'or enter on moved(LAYERING, from "layer", to "layer")',
            )
            return None, False, None, None
        for extra in stmt.enters[1:]:
            self.error(
                "E0711",
                f"journey '{stmt.name}' has more than one `enter`",
                extra.span,
                "a journey has one entry rule: combine conditions with `or`",
            )
        clause = stmt.enters[0]
        what = f"entry of journey '{stmt.name}'"
        if clause.moved is not None:
            return None, False, None, self._moved(clause.moved, what)
        if clause.event is not None:
            return self._trigger(clause.event, what, "enter"), clause.kind == "first", None, None
        assert clause.condition is not None
        expr = self.checker.condition(clause.condition, None, what)
        return None, False, self._hidden(stmt.name, "enter", expr), None

    def _moved(self, call: ast.AlertCall, what: str) -> LayerMove | None:
        """`enter on moved(L, from "a", to "b")`: between a run and the run before it."""
        usage = 'enter on moved(LAYERING, from "layer", to "layer")'
        if call.name != "moved" or len(call.args) != 1 or call.over is not None:
            self.error(
                "E0909",
                f"the {what} can only follow a move between layers",
                call.span,
                f"write {usage} (no `over`: the move is between a run and the one before)",
            )
            return None
        if call.origin is None or call.destination is None or call.repeated:
            self.error("E0909", f"the {what} names one `from` and one `to`", call.span, usage)
            return None
        move = layer_move(self.checker, call, allow_left=False)
        if move is not None and move.origin == move.destination:
            self.error(
                "E0909",
                f"the {what} moves from '{move.origin}' to itself: that is no move",
                call.span,
                "name two different layers",
            )
            return None
        return move

    def _trigger(self, ref: ast.EventRef, what: str, clause: str) -> model.EventTrigger | None:
        """`enter on` / `exit on` (`clause`: "enter" or "exit") an event source."""
        source = self.checker.sources.get(ref.source)
        if source is None:
            events = [s.name for s in self.checker.sources.values() if s.kind == "event"]
            hint = did_you_mean(ref.source, events) or (
                ("event sources: " + ", ".join(events),) if events else ()
            )
            self.error(
                "E0702", f"unknown event source '{ref.source}' in the {what}", ref.span, *hint
            )
            return None
        if source.kind != "event":
            self.error(
                "E0702",
                f"'{ref.source}' is a profile source: the {what} needs events",
                ref.span,
                f"use an event source (one with `user ... time ...`), or `{clause} when` a "
                "condition",
            )
            return None
        flt = None
        if ref.where is not None:
            flt = self.checker.condition(ref.where, source, f"the filter of the {what}")
            nodes = list(ir.walk(flt))
            if any(isinstance(n, ir.Aggregate) for n in nodes):
                self.error(
                    "E0703",
                    f"the filter of the {what} reads each event: it cannot aggregate",
                    ref.where.span,
                    "name the aggregate as a tag and use `enter when` / `exit when`",
                )
            elif any(isinstance(n, PER_USER_VALUES) for n in nodes):
                self.error(
                    "E0703",
                    f"the filter of the {what} reads each event's own columns: a tag, "
                    f"segment, layering or profile column is a per-user value",
                    ref.where.span,
                    "test per-user values with `enter when` / `exit when` a condition, or "
                    "in a step's `if`",
                )
        return model.EventTrigger(source.name, flt)

    # ------------------------------------------------------------ steps
    def _steps(self, stmt: ast.JourneyDef, quiet: tuple[int, int] | None) -> tuple[model.Step, ...]:
        steps: list[model.Step] = []
        seen: set[str] = set()
        for step in stmt.steps:
            if step.name in seen:
                self.error(
                    "E0711",
                    f"step '{step.name}' appears twice in journey '{stmt.name}'",
                    step.span,
                    "give each step of a journey its own name",
                )
                continue
            seen.add(step.name)
            checked = self._step(stmt.name, step, len(steps), quiet)
            if checked is not None:
                steps.append(checked)
        return tuple(steps)

    def _step(
        self, journey: str, step: ast.StepDef, index: int, quiet: tuple[int, int] | None
    ) -> model.Step | None:
        for clause, span in step.repeated:
            self.error(
                "E0711", f"`{clause}` is given twice in step '{step.name}'", span, "keep one"
            )
        self._known_channel(step.channel, step.channel_span)
        after = self._duration(step.after) if step.after is not None else dt.timedelta(0)
        within = self._duration(step.within) if step.within is not None else None
        if after is None:
            return None
        if within is not None and within <= after:
            shown = f"within {step.within.spoken}" if step.within else "within"
            self.error(
                "E0704",
                f"step '{step.name}' can never be sent: it expires ({shown}) before it is due "
                f"(after {step.after.spoken if step.after else '0 minutes'})",
                step.span,
                "`within` counts from the entry, like `after`: make it longer than `after`",
            )
        allowed = self._allowed(step, quiet)
        # only a window that allows some time alone can lie inside the quiet hours (an
        # empty `between` has its own E0704)
        own = dataclasses.replace(allowed, quiet_start=None, quiet_end=None)
        if not _ever(allowed) and _ever(own):
            self.error(
                "E0704",
                f"step '{step.name}' can never be sent: its window lies inside the quiet hours",
                step.span,
                "move the window out of the policy's quiet hours",
            )
        if not step.template.strip():
            self.error(
                "E0712",
                f"step '{step.name}' sends an empty template name",
                step.span,
                f'name the template the channel renders: send {step.channel} "welcome_coupon"',
            )
        elif step.template != step.template.strip():
            self.checker.warn(
                "W0706",
                f"step '{step.name}' sends template {step.template!r}, with spaces at its ends",
                step.span,
                f"the channel looks the name up as written: send {step.channel} "
                f'"{step.template.strip()}"',
            )
        condition = None
        what = f"the condition of step '{step.name}'"
        if step.condition is not None:
            expr = self.checker.condition(step.condition, None, what)
            if isinstance(expr, ir.Literal) and expr.value is not True:
                self.error(
                    "E0704",
                    f"step '{step.name}' can never be sent: its condition is always "
                    f"{'false' if expr.value is False else 'null'}, never TRUE",
                    step.condition.span,
                    "a step's `if` is a condition over tags: if purchases == 1",
                )
            condition = self._hidden(journey, f"{step.name}{model.HIDDEN}if", expr)
        payload = self._payload(journey, step)
        return model.Step(
            step.name,
            index,
            after,
            within,
            allowed,
            step.channel,
            step.template,
            condition,
            payload,
            step.span,
        )

    def _allowed(self, step: ast.StepDef, quiet: tuple[int, int] | None) -> model.Allowed:
        start = end = None
        if step.between is not None:
            first, last = step.between
            start, end = first.minutes % model.DAY_MINUTES, last.minutes
            if start == 0 and end == model.DAY_MINUTES:
                start = end = None  # between 00:00 and 24:00: the whole day, no window
            elif start == end % model.DAY_MINUTES:
                self.error(
                    "E0704",
                    f"step '{step.name}' can never be sent: its window "
                    f"between {first.text} and {last.text} is empty",
                    first.span,
                    "the end is exclusive: e.g. between 10:00 and 20:00",
                )
        quiet_start, quiet_end = quiet if quiet is not None else (None, None)
        return model.Allowed(step.days, start, end, quiet_start, quiet_end)

    def _payload(self, journey: str, step: ast.StepDef) -> tuple[tuple[str, str], ...]:
        found: list[tuple[str, str]] = []
        for item in step.payload:
            if any(key == item.key for key, _ in found):
                self.error(
                    "E0707",
                    f"payload key '{item.key}' is given twice",
                    item.span,
                    "give each payload key once: with coupon = ..., amount = ...",
                )
                continue
            node = item.value if item.value is not None else ast.Name(item.key, item.span)
            expr = self.checker.expr(node, None)
            if expr.type is Type.NULL:
                self.error(
                    "E0707",
                    f"payload value '{item.key}' is always null",
                    item.span,
                    "a payload value is a tag or an expression over tags: with coupon = spend",
                )
            what = f"{step.name}{model.HIDDEN}{item.key}"
            found.append((item.key, self._hidden(journey, what, expr)))
        return tuple(found)

    def _known_channel(self, channel: str, span: Span | None) -> bool:
        if channel in self.channels:
            return True
        self.error(
            "E0708",
            f"unknown channel '{channel}'",
            span,
            *did_you_mean(channel, self.channels),
            "channels: " + ", ".join(self.channels) + " (more in segl.toml: [journeys] channels)",
        )
        return False

    # ------------------------------------------------------------ durations, holdouts
    def _duration(self, duration: ast.Duration) -> dt.timedelta | None:
        span = UNIT_SPANS.get(duration.unit)
        if span is None:
            self.error(
                "E0709",
                f"a journey's durations have a fixed length: {duration.unit}s do not",
                duration.span,
                "count in days or weeks: e.g. after 30 days",
            )
            return None
        length = duration.count * span
        if length > MAX_DURATION:
            self.error(
                "E0709",
                f"a journey's durations are at most {MAX_DURATION.days:,} days (100 years)",
                duration.span,
                "e.g. after 30 days, reenter after 365 days",
            )
            return None
        return length

    def _holdout_names(self, holdouts: Sequence[ast.HoldoutDef]) -> None:
        """A holdout's name (with its salt) is what its share and its users' assignments are
        stored under: two holdouts of one name, in two journeys or in a journey and at the
        top level, would share them (top-level ones meet E0306 among the project's names)."""
        first: dict[str, Span] = {}
        for stmt in holdouts:
            lowered = stmt.name.lower()
            if lowered not in first:
                first[lowered] = stmt.span
                continue
            where = first[lowered]
            self.error(
                "E0306",
                f"holdout '{stmt.name}' is declared more than once (names ignore case)",
                stmt.span,
                f"first declared at {where.file}:{where.line}; give each holdout its own name",
                "the same salt and share under another name holds out the same users",
            )

    def _holdout(self, stmt: ast.HoldoutDef, journey: str | None) -> model.Holdout:
        share = 0.0
        try:
            share = percent_fraction(stmt.percent)
        except ValueError:
            share = -1.0
        if not 0 < share < 1:
            self.error(
                "E0710",
                f"holdout '{stmt.name}' must hold more than 0% and less than 100% of the users",
                stmt.span,
                'e.g. holdout control 5% salt "control-2026"',
            )
        if not stmt.salt:
            self.error(
                "E0710",
                f"holdout '{stmt.name}' needs a salt",
                stmt.span,
                "a fixed text that makes this holdout's users different from another's",
            )
        return model.Holdout(stmt.name, share, stmt.salt, journey, stmt.span)


def _ever(allowed: model.Allowed) -> bool:
    """Whether a message may go out at some minute of some day of the week."""
    return any(allowed.allows(day, minute) for day in range(1, 8) for minute in range(1440))


class _Priority:
    def __init__(self, items: Sequence[ast.PriorityDef] = ()) -> None:
        self.items = items

    def named(self) -> list[tuple[str, Span | None]]:
        found: list[tuple[str, Span | None]] = []
        for item in self.items:
            spans = item.spans or tuple(item.span for _ in item.journeys)
            found += list(zip(item.journeys, spans, strict=True))
        return found


class _Policy:
    def __init__(
        self,
        quiet: tuple[int, int] | None,
        caps: tuple[model.Cap, ...],
        names: tuple[str, ...],
        priorities: Sequence[ast.PriorityDef] = (),
    ) -> None:
        self.quiet = quiet
        self.caps = caps
        self.names = names
        self.priority = _Priority(priorities)


def _journeys_hint(known: Sequence[str], shown: int = 8) -> str:
    """The journeys a priority may name, when none is close to the name written."""
    if not known:
        return "the project has no journey yet: the priority orders journeys"
    listed = ", ".join(known[:shown]) + (", ..." if len(known) > shown else "")
    return f"the journeys are: {listed}"

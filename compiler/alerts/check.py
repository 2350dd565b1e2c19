"""Checking alerts (SPEC §2.9, §3.7): syntax trees to `model.Alerts`, with diagnostics
E0901-E0908 (E0920 and up, and W09xx, belong to running them).

An alert's condition is typed on its own small scale: every leaf is a number, a
comparison or `and`/`or`/`not` a condition, and the whole must be a condition. Names are
resolved against the project's definitions and its funnels and retentions as written
(not as checked), so a funnel with a mistake of its own does not also make every alert
over it "unknown". `layer_move` checks a journey's `enter on moved(L, from "a", to "b")`
with the same words.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from segl.compiler.alerts import model
from segl.compiler.ops import ArithOp, CompareOp, LogicOp
from segl.compiler.values import percent_fraction
from segl.dsl import ast
from segl.dsl.diagnostics import Span, did_you_mean

UNIT_SPANS = {
    "minute": dt.timedelta(minutes=1),
    "hour": dt.timedelta(hours=1),
    "day": dt.timedelta(days=1),
    "week": dt.timedelta(weeks=1),
}
MAX_LITERAL_DIGITS = 400  # as the project checker: beyond every double
# the longest over, cooldown or repeat: the as-of minus it stays after the year 1
MAX_DURATION = dt.timedelta(days=36_500)
MAX_MONTHS = 1_200  # the same 100 years, for `over N months`
# How each function is written, for hints.
USAGE = {
    "moved": 'moved(LAYERING, from "layer", to "layer", over 7 days)',
    "change": "change(size(SEGMENT), over 7 days)",
    "size": 'size(SEGMENT) or size(LAYERING, "layer")',
    "share": 'share(LAYERING, "layer")',
    "users": "users()",
    "conversion": 'conversion(FUNNEL) or conversion(FUNNEL, "step")',
    "retained": "retained(RETENTION, 1)",
}
FUNCTIONS = tuple(USAGE)
NAMED = ("from", "to", "over")
NUMBER, CONDITION = "number", "condition"

Definition = ast.TagDef | ast.SegmentDef | ast.LayeringDef
_Arg = TypeVar("_Arg", ast.Name, ast.StringLit)


class Names(Protocol):
    """What the project's checker lends: reporting, and the definitions as written."""

    @property
    def defs(self) -> Mapping[str, Definition]: ...

    @property
    def report_defs(self) -> Sequence[ast.ReportStatement]: ...

    def error(self, code: str, message: str, span: Span | None, *hints: str) -> None: ...


@dataclass(frozen=True)
class _Typed:
    """A checked sub-condition: its node (None when it failed) and what it is."""

    node: model.AlertExpr | None
    kind: str | None  # NUMBER, CONDITION, or None when it failed (no second error)


_FAILED = _Typed(None, None)


def _kind_word(kind: str | None) -> str:
    return "a condition (true or false)" if kind == CONDITION else "a number"


class AlertChecker:
    def __init__(self, names: Names) -> None:
        self.names = names

    def error(self, code: str, message: str, span: Span | None, *hints: str) -> None:
        self.names.error(code, message, span, *(h for h in hints if h))

    # ------------------------------------------------------------ the whole
    def check(self, statements: Sequence[ast.AlertDef]) -> model.Alerts | None:
        if not statements:
            return None
        seen: dict[str, Span] = {}
        alerts: list[model.Alert] = []
        for stmt in statements:
            first = seen.get(stmt.name.lower())
            if first is not None:
                self.error(
                    "E0908",
                    f"alert '{stmt.name}' is defined more than once (names ignore case)",
                    stmt.span,
                    f"first defined at {first.file}:{first.line}",
                )
                continue
            seen[stmt.name.lower()] = stmt.span
            alert = self._alert(stmt)
            if alert is not None:
                alerts.append(alert)
        return model.Alerts(tuple(alerts))

    def _alert(self, stmt: ast.AlertDef) -> model.Alert | None:
        for clause, span in stmt.repeated:
            self.error(
                "E0908", f"`{clause}` is given twice in alert '{stmt.name}'", span, "keep one"
            )
        checked = self._expr(stmt.condition)
        if checked.kind == NUMBER:
            self.error(
                "E0906",
                f"the condition of alert '{stmt.name}' is a number, not true or false",
                stmt.condition.span,
                "compare it with a threshold: e.g. ... > 5%",
            )
        cooldown = self._option(stmt.cooldown, "cooldown", "cooldown 1 day")
        repeat = self._option(stmt.repeat, "repeat every", "repeat every 1 day")
        if checked.node is None or checked.kind != CONDITION:
            return None
        meta = tuple((a.key, a.value) for a in stmt.annotations)
        return model.Alert(stmt.name, stmt.title, checked.node, cooldown, repeat, meta, stmt.span)

    def _option(
        self, duration: ast.Duration | None, what: str, example: str
    ) -> dt.timedelta | None:
        if duration is None:
            return None
        return self._duration(duration, what, example)

    def _over(self, duration: ast.Duration | None) -> model.Over | None:
        """`over D`: a fixed span, or calendar months (years: 12 of them)."""
        if duration is None or duration.unit not in ("month", "year"):
            return self._option(duration, "over", "over 7 days")
        months = duration.count * (12 if duration.unit == "year" else 1)
        if duration.count <= 0:
            self.error("E0907", "`over` must be longer than 0", duration.span, "e.g. over 1 month")
            return None
        if months > MAX_MONTHS:
            self.error(
                "E0907",
                f"`over` is at most {MAX_MONTHS:,} months (100 years)",
                duration.span,
                "e.g. over 12 months",
            )
            return None
        return model.Months(months)

    def _duration(self, duration: ast.Duration, what: str, example: str) -> dt.timedelta | None:
        """A positive fixed span: minutes, hours, days or weeks (a timedelta)."""
        unit = UNIT_SPANS.get(duration.unit)
        if unit is None:  # months and years: a timedelta has no such unit
            days = duration.count * (365 if duration.unit == "year" else 30)
            self.error(
                "E0907",
                f"`{what}` needs a fixed length: {duration.unit}s do not have one",
                duration.span,
                f"count in days: e.g. {what} {min(days, MAX_DURATION.days)} days"
                + (f" (at most {MAX_DURATION.days:,})" if days > MAX_DURATION.days else ""),
            )
            return None
        if duration.count <= 0:
            self.error("E0907", f"`{what}` must be longer than 0", duration.span, f"e.g. {example}")
            return None
        if duration.count * unit > MAX_DURATION:
            self.error(
                "E0907",
                f"`{what}` is at most {MAX_DURATION.days:,} days (100 years)",
                duration.span,
                f"e.g. {example}",
            )
            return None
        return duration.count * unit

    # ------------------------------------------------------------ the condition
    def _expr(self, node: ast.Expr) -> _Typed:
        match node:
            case ast.NumberLit(text=text):
                return self._constant(text, node.span)
            case ast.PercentLit(text=text):
                return self._constant(text, node.span, percent=True)
            case ast.StringLit(value=value):
                hint = "drop the quotes" if _reads_as_number(value) else "thresholds are numbers"
                self.error(
                    "E0906",
                    f'"{value}" is a string: an alert compares numbers',
                    node.span,
                    f"{hint}: e.g. > 5% or > 1000",
                )
                return _FAILED
            case ast.BoolLit() | ast.NullLit():
                word = "null" if isinstance(node, ast.NullLit) else str(node.value).lower()
                self.error(
                    "E0906",
                    f"'{word}' has no place in an alert's condition: it compares numbers",
                    node.span,
                    "compare a number of the runs with a threshold: e.g. size(S) < 1000",
                )
                return _FAILED
            case ast.Name(name=name):
                self._bare_name(name, node.span)
                return _FAILED
            case ast.AlertCall():
                leaf = self._leaf(node)
                return _Typed(leaf, NUMBER) if leaf is not None else _FAILED
            case ast.Unary(op="-", operand=operand):
                return self._negation(operand, node.span)
            case ast.Unary(op="not", operand=operand):
                inner = self._operand(operand, CONDITION, "`not`")
                return _Typed(model.Not(inner) if inner else None, CONDITION)
            case ast.Binary(op=op, left=left, right=right):
                return self._binary(op, left, right)
        self.error(
            "E0906",
            "this has no place in an alert's condition",
            node.span,
            'an alert compares numbers of the runs: e.g. moved(L, "a", "b", over 7 days) > 5%',
        )
        return _FAILED

    def _constant(self, text: str, span: Span, percent: bool = False) -> _Typed:
        digits = text.split("e")[0].split("E")[0].split(".")[0].lstrip("0")
        value = math.inf
        if len(digits) <= MAX_LITERAL_DIGITS:
            value = percent_fraction(text) if percent else float(text)
        if not math.isfinite(value):
            self.error(
                "E0906",
                "this number is too large: alerts compute with doubles, and literals must be "
                "finite",
                span,
                "use a smaller number",
            )
            return _FAILED
        return _Typed(model.Const(value), NUMBER)

    def _negation(self, operand: ast.Expr, span: Span) -> _Typed:
        inner = self._operand(operand, NUMBER, "`-`")
        if isinstance(inner, model.Const):
            return _Typed(model.Const(-inner.value), NUMBER)  # `-20%` is the number -0.2
        return _Typed(model.Neg(inner) if inner else None, NUMBER)

    def _operand(self, node: ast.Expr, wanted: str, operator: str) -> model.AlertExpr | None:
        """A side of an operator that needs a number or a condition."""
        checked = self._expr(node)
        if checked.kind is None or checked.kind == wanted:
            return checked.node
        if wanted == NUMBER:
            message = f"{operator} needs numbers, but this is a condition (true or false)"
            hint = "compare numbers of the runs, then combine the comparisons with and/or"
        else:
            message = f"{operator} needs conditions, but this is a number"
            hint = "compare it with a threshold: e.g. ... > 5%"
        self.error("E0906", message, node.span, hint)
        return None

    def _binary(self, op: str, left: ast.Expr, right: ast.Expr) -> _Typed:
        if op in ("and", "or"):
            a, b = (
                self._operand(left, CONDITION, f"`{op}`"),
                self._operand(right, CONDITION, f"`{op}`"),
            )
            node = model.Logic(LogicOp(op), a, b) if a and b else None
            return _Typed(node, CONDITION)
        a, b = self._operand(left, NUMBER, f"`{op}`"), self._operand(right, NUMBER, f"`{op}`")
        if op in {c.value for c in CompareOp}:
            compare = CompareOp(op)
            if (
                a
                and b
                and not (
                    self._varies(compare, a, b, right)
                    and self._varies(_FLIPPED[compare], b, a, left)
                )
            ):
                return _FAILED
            return _Typed(model.Compare(CompareOp(op), a, b) if a and b else None, CONDITION)
        return _Typed(model.Arith(ArithOp(op), a, b) if a and b else None, NUMBER)

    def _varies(
        self, op: CompareOp, value: model.AlertExpr, threshold: model.AlertExpr, node: ast.Expr
    ) -> bool:
        """`value op threshold` for a number known to lie in a range (a share, moved,
        conversion or retained between 0% and 100%; a change of a count at least -100%; a
        count at least 0) and a constant threshold: False (E0906) when its answer is the
        same at every run the value is known, instead of an alert that silently never (or
        always) fires."""
        if not isinstance(threshold, model.Const):
            return True
        # a percentage as written: 1e309% is the finite 1e307, but 1e307 * 100 is inf
        percent = node.text if isinstance(node, ast.PercentLit) else f"{threshold.value * 100:g}"
        shown = f"{percent}%"
        if isinstance(value, model.Users | model.Size):
            low, high = 0.0, math.inf
            what = "users()" if isinstance(value, model.Users) else "a size()"
            if isinstance(node, ast.PercentLit):
                return self._count_against_percent(what, node)
            hint = "a number of users is at least 0: e.g. size(S) < 1000 or users() < 1000"
            shown = f"{threshold.value:g}"
        elif isinstance(value, model.Share | model.Moved | model.ReportValue):
            low, high, what = 0.0, 1.0, "a share(), moved(), conversion() or retained()"
            hint = (
                f"{what} is between 0% and 100%; to watch how it grows, use change(...): "
                'e.g. change(share(L, "a"), over 7 days) > 50%'
            )
            if isinstance(node, ast.NumberLit) and threshold.value > 1:
                hint = f"did you mean {node.text}%? {hint}"
        elif isinstance(value, model.Change) and isinstance(value.value, model.Users | model.Size):
            low, high, what = -1.0, math.inf, "a change() of a count"
            hint = f"{what} is at least -100% (all gone): e.g. change(size(S), over 7 days) < -20%"
        else:
            return True
        answer = _constant_answer(op, threshold.value, low, high)
        if answer is None:
            return True
        self.error(
            "E0906",
            f"{what} {op.value} {shown} is {'always' if answer else 'never'} "
            "true, the same answer at every run",
            node.span,
            hint,
        )
        return False

    def _count_against_percent(self, what: str, node: ast.Expr) -> bool:
        """A number of users compared with a percentage: False (E0906). `size(S) > 5%`
        reads as more than 0.05 users, that is anyone at all."""
        self.error(
            "E0906",
            f"{what} is a number of users, not a share: compared with a percentage here",
            node.span,
            'a share of the users is share(L, "layer"); how a count grows is '
            "change(size(S), over 7 days) > 5%; or compare with a number: size(S) < 1000",
        )
        return False

    def _bare_name(self, name: str, span: Span) -> None:
        """A name alone: say which number of it was probably meant."""
        definition = self.names.defs.get(name)
        report = self._report(name)
        if isinstance(definition, ast.SegmentDef):
            hint = f"its number of members: size({name})"
        elif isinstance(definition, ast.LayeringDef):
            hint = f'a layer\'s share: share({name}, "{definition.layers[0].name}")'
        elif isinstance(report, ast.FunnelDef):
            hint = f"its conversion: conversion({name})"
        elif isinstance(report, ast.RetentionDef):
            hint = f"its first period's retention: retained({name}, 1)"
        else:
            hint = "functions: " + ", ".join(USAGE.values())
        # a function's name without its parentheses: `users < 10` for `users() < 10`
        meant = (f"call it: {USAGE[name]}",) if name in USAGE else did_you_mean(name, FUNCTIONS)
        self.error("E0901", f"'{name}' alone is not a number of a run", span, *meant, hint)

    # ------------------------------------------------------------ leaves
    def _leaf(self, call: ast.AlertCall) -> model.Leaf | None:
        if call.name not in USAGE:
            self.error(
                "E0901",
                f"unknown function '{call.name}' in an alert's condition",
                call.span,
                *did_you_mean(call.name, FUNCTIONS),
                "functions: " + ", ".join(FUNCTIONS),
            )
            return None
        for word, span in call.repeated:
            self.error("E0908", f"`{word}` is given twice in {call.name}()", span, "keep one")
        if not self._named_arguments(call):
            return None
        match call.name:
            case "moved":
                return self._moved(call)
            case "change":
                return self._change(call)
            case "users":
                return model.Users() if self._arity(call, 0) else None
            case "size" | "share":
                return self._size_or_share(call)
            case "conversion":
                return self._conversion(call)
            case _:
                return self._retained(call)

    def _named_arguments(self, call: ast.AlertCall) -> bool:
        """`from`/`to` only in moved(), `over` only in moved() and change()."""
        allowed = {"moved": NAMED, "change": ("over",)}.get(call.name, ())
        given = {
            "from": call.origin.span if call.origin else None,
            "to": call.destination.span if call.destination else None,
            "over": call.over.span if call.over else None,
        }
        fine = True
        for word, span in given.items():
            if span is not None and word not in allowed:
                where = "moved()" if word != "over" else "moved() and change()"
                self.error(
                    "E0901",
                    f"`{word}` has no meaning in {call.name}(): it only goes in {where}",
                    span,
                    f"write {USAGE[call.name]}",
                )
                fine = False
        for word in allowed:
            if given[word] is None:
                example = {"from": 'from "layer"', "to": 'to "layer"', "over": "over 7 days"}
                self.error(
                    "E0901",
                    f"{call.name}() needs `{example[word]}`",
                    call.span,
                    f"write {USAGE[call.name]}",
                )
                fine = False
        return fine

    def _arity(self, call: ast.AlertCall, *counts: int) -> bool:
        if len(call.args) in counts:
            return True
        wanted = " or ".join(str(c) for c in counts)
        self.error(
            "E0901",
            f"{call.name}() takes {wanted} argument{'s' if counts != (1,) else ''} "
            f"before the named ones, not {len(call.args)}",
            call.span,
            f"write {USAGE[call.name]}",
        )
        return False

    def _name_argument(self, call: ast.AlertCall, index: int, what: str) -> ast.Name | None:
        message = f"the argument of {call.name}() here is the name of a {what}"
        return self._argument(call, index, ast.Name, message)

    def _string_argument(self, call: ast.AlertCall, index: int, what: str) -> ast.StringLit | None:
        return self._argument(call, index, ast.StringLit, f"the {what} is written as a string here")

    def _argument(
        self, call: ast.AlertCall, index: int, kind: type[_Arg], message: str
    ) -> _Arg | None:
        arg = call.args[index]
        if isinstance(arg, kind):
            return arg
        self.error("E0901", message, arg.span, f"write {USAGE[call.name]}")
        return None

    def _moved(self, call: ast.AlertCall) -> model.Moved | None:
        if not self._arity(call, 1):
            return None
        move = layer_move(self.names, call, allow_left=True)
        over = self._over(call.over)
        if move is None or over is None:
            return None
        return model.Moved(move.layering, move.origin, move.destination, over)

    def _change(self, call: ast.AlertCall) -> model.Change | None:
        if not self._arity(call, 1):
            return None
        over = self._over(call.over)
        inner = call.args[0]
        if not isinstance(inner, ast.AlertCall) or inner.name in ("moved", "change"):
            what = f"{inner.name}()" if isinstance(inner, ast.AlertCall) else "this"
            self.error(
                "E0901",
                f"change() compares a number of two runs; {what} is not one",
                inner.span,
                "write change(X, over D) with X one of size(...), share(...), users(), "
                "conversion(...), retained(...)",
            )
            return None
        value = self._leaf(inner)
        if value is None or over is None:
            return None
        assert isinstance(value, model.Users | model.Size | model.Share | model.ReportValue)
        return model.Change(value, over)

    def _size_or_share(self, call: ast.AlertCall) -> model.Size | model.Share | None:
        counts = (1, 2) if call.name == "size" else (2,)
        if not self._arity(call, *counts):
            return None
        if len(call.args) == 1:
            name = self._name_argument(call, 0, "segment")
            segment = self._segment(name) if name is not None else None
            return model.Size(segment=segment) if segment is not None else None
        name = self._name_argument(call, 0, "layering")
        label = self._string_argument(call, 1, "layer")
        layers = layering_layers(self.names, name) if name is not None else None
        if layers is None or label is None or name is None:
            return None
        if not _known_layer(self.names, name.name, layers, label, "layer"):
            return None
        if call.name == "size":
            return model.Size(layering=name.name, layer=label.value)
        return model.Share(name.name, label.value)

    def _conversion(self, call: ast.AlertCall) -> model.ReportValue | None:
        if not self._arity(call, 1, 2):
            return None
        name = self._name_argument(call, 0, "funnel")
        funnel = self._report_of(name, ast.FunnelDef, "funnel") if name else None
        step = self._string_argument(call, 1, "step") if len(call.args) == 2 else None
        if funnel is None or name is None or (len(call.args) == 2 and step is None):
            return None
        assert isinstance(funnel, ast.FunnelDef)
        steps = [s.name for s in funnel.steps]
        if step is not None and step.value not in steps:
            self.error(
                "E0905",
                f"funnel '{funnel.name}' has no step '{step.value}'",
                step.span,
                *did_you_mean(step.value, steps),
                "its steps: " + ", ".join(steps),
            )
            return None
        if step is not None and steps and step.value == steps[0]:
            self.error(
                "E0905",
                f"conversion to the first step of funnel '{funnel.name}' is always 100%",
                step.span,
                "name a later step: " + ", ".join(steps[1:]),
            )
            return None
        return model.ReportValue(funnel.name, "funnel", step.value if step else None)

    def _retained(self, call: ast.AlertCall) -> model.ReportValue | None:
        if not self._arity(call, 2):
            return None
        name = self._name_argument(call, 0, "retention")
        retention = self._report_of(name, ast.RetentionDef, "retention") if name else None
        period = call.args[1]
        if retention is None:
            return None
        assert isinstance(retention, ast.RetentionDef)
        last = retention.periods
        if last is not None and last < 1:
            return None  # `periods 0`: the retention's own error (E0807) says it
        # at most 9 digits: int() refuses very long digit strings, and no retention is longer
        whole = (
            isinstance(period, ast.NumberLit) and period.text.isdigit() and len(period.text) < 10
        )
        number = int(period.text) if whole and isinstance(period, ast.NumberLit) else None
        if number is None or number < 1 or (last is not None and number > last):
            bounds = f"1 to {last}" if last is not None else "1 and up"
            if isinstance(period, ast.NumberLit):
                shown = period.text
                shown = shown if len(shown) <= 12 else f"{shown[:6]}... ({len(shown):,} digits)"
                problem = f"retention '{retention.name}' has no period {shown}"
            else:  # -1, an expression, a string, a percentage: a period is a whole number
                problem = f"retention '{retention.name}' needs its period as a whole number"
            self.error(
                "E0905",
                f"{problem}: its periods are {bounds}",
                period.span,
                f"period 1 is the first after the cohort's: e.g. retained({retention.name}, 1)",
            )
            return None
        return model.ReportValue(retention.name, "retention", period=number)

    # ------------------------------------------------------------ names
    def _segment(self, name: ast.Name) -> str | None:
        definition = self.names.defs.get(name.name)
        if isinstance(definition, ast.SegmentDef):
            return name.name
        segments = [n for n, d in self.names.defs.items() if isinstance(d, ast.SegmentDef)]
        if isinstance(definition, ast.LayeringDef):
            first = definition.layers[0].name
            message = f"'{name.name}' is a layering, not a segment"
            hints: tuple[str, ...] = (f'count one of its layers: size({name.name}, "{first}")',)
        elif isinstance(definition, ast.TagDef):
            message = f"'{name.name}' is a tag, not a segment"
            hints = ("define a segment over it and count that: size(SEGMENT)",)
        else:
            message = f"unknown segment '{name.name}'"
            hints = did_you_mean(name.name, segments) or (
                ("segments: " + ", ".join(segments),)
                if segments
                else ("the project defines no segment: define one, e.g. segment NAME = CONDITION",)
            )
        self.error("E0904", message, name.span, *hints)
        return None

    def _report(self, name: str) -> ast.ReportStatement | None:
        return next((r for r in self.names.report_defs if r.name == name), None)

    def _report_of(
        self, name: ast.Name, kind: type[ast.FunnelDef] | type[ast.RetentionDef], word: str
    ) -> ast.ReportStatement | None:
        found = self._report(name.name)
        if isinstance(found, kind):
            return found
        same = [r.name for r in self.names.report_defs if isinstance(r, kind)]
        if isinstance(found, ast.FunnelDef):
            hints: tuple[str, ...] = (f"read its conversion with conversion({name.name})",)
            message = f"'{name.name}' is a funnel, not a {word}"
        elif isinstance(found, ast.RetentionDef):
            hints = (f"read its retention with retained({name.name}, 1)",)
            message = f"'{name.name}' is a retention, not a {word}"
        elif found is not None:
            hints = (f"alerts read funnels and retentions; {word}s: " + ", ".join(same),)
            message = f"'{name.name}' is a {type(found).__name__[:-3].lower()}, not a {word}"
        else:
            message = f"unknown {word} '{name.name}'"
            hints = did_you_mean(name.name, same) or (
                (f"{word}s: " + ", ".join(same),) if same else (f"the project has no {word}",)
            )
        self.error("E0905", message, name.span, *hints)
        return None


# ---------------------------------------------------------------- shared with journeys


def layering_layers(names: Names, name: ast.Name) -> tuple[str, ...] | None:
    """The layers of the layering `name`, or None (reported, E0902)."""
    definition = names.defs.get(name.name)
    if isinstance(definition, ast.LayeringDef):
        return tuple(layer.name for layer in definition.layers)
    layerings = [n for n, d in names.defs.items() if isinstance(d, ast.LayeringDef)]
    if definition is not None:
        kind = "segment" if isinstance(definition, ast.SegmentDef) else "tag"
        message = f"'{name.name}' is a {kind}, not a layering"
    else:
        message = f"unknown layering '{name.name}'"
    hints = did_you_mean(name.name, layerings) or (
        ("layerings: " + ", ".join(layerings),) if layerings else ("the project has no layering",)
    )
    names.error("E0902", message, name.span, *hints)
    return None


def _pseudo_layer_hint(label: str) -> str:
    """What the matrix's '(left)', '(new)' and '(none)' rows are, and where one may go."""
    if label == model.LEFT:
        return (
            f'\'{model.LEFT}\' is only a destination: moved(L, from "a", to "{model.LEFT}", over D)'
        )
    if label == model.NEW:
        return (
            f"'{model.NEW}' (users new to the universe) is a row of `segl show migration` only: "
            "an alert compares the users of the reference run"
        )
    return (
        f"'{model.NONE}' (users in no layer) is a row of `segl show migration` only: give the "
        "layering an `otherwise` layer and name it"
    )


def _known_layer(
    names: Names, layering: str, layers: tuple[str, ...], label: ast.StringLit, role: str
) -> bool:
    if label.value in layers:
        return True
    if label.value in (model.NEW, model.LEFT, model.NONE):
        message = f"'{label.value}' is not a layer: it cannot be the {role} here"
        hints: tuple[str, ...] = (
            _pseudo_layer_hint(label.value),
            "layers of '" + layering + "': " + ", ".join(layers),
        )
    else:
        message = f"layering '{layering}' has no layer '{label.value}'"
        hints = (
            *did_you_mean(label.value, layers),
            "its layers: " + ", ".join(layers),
        )
    names.error("E0903", message, label.span, *hints)
    return False


def layer_move(names: Names, call: ast.AlertCall, *, allow_left: bool) -> model.LayerMove | None:
    """`moved(L, from "a", to "b")`: a layering, a layer of it, and a layer (or, in an
    alert, `(left)`). Reports each problem; None when there is one."""
    layering = call.args[0] if call.args else None
    if not isinstance(layering, ast.Name):
        names.error(
            "E0901",
            "moved() starts with the name of a layering",
            call.span,
            f"write {USAGE['moved']}",
        )
        return None
    layers = layering_layers(names, layering)
    if layers is None or call.origin is None or call.destination is None:
        return None
    fine = _known_layer(names, layering.name, layers, call.origin, "origin (`from`)")
    destination = call.destination
    if not allow_left and destination.value == model.LEFT:
        names.error(
            "E0903",
            f"'{model.LEFT}' cannot be entered: users who left the universe enter no journey",
            destination.span,
            "layers of '" + layering.name + "': " + ", ".join(layers),
        )
        return None
    if not (allow_left and destination.value == model.LEFT):
        fine = _known_layer(names, layering.name, layers, destination, "destination") and fine
    if not fine:
        return None
    return model.LayerMove(layering.name, call.origin.value, destination.value)


def _reads_as_number(text: str) -> bool:
    try:
        float(text.strip().removesuffix("%"))
    except ValueError:
        return False
    return True


# `a op b` is `b flipped a`: a threshold on the left (`5% < moved(...)`)
_FLIPPED = {
    CompareOp.GT: CompareOp.LT,
    CompareOp.GE: CompareOp.LE,
    CompareOp.LT: CompareOp.GT,
    CompareOp.LE: CompareOp.GE,
    CompareOp.EQ: CompareOp.EQ,
    CompareOp.NE: CompareOp.NE,
}


def _constant_answer(op: CompareOp, threshold: float, low: float, high: float) -> bool | None:
    """The answer of `v op threshold` for every v in [low, high]; None when it depends on v."""
    results = {
        CompareOp.GT: (threshold < low, threshold >= high),
        CompareOp.GE: (threshold <= low, threshold > high),
        CompareOp.LT: (threshold > high, threshold <= low),
        CompareOp.LE: (threshold >= high, threshold < low),
        CompareOp.EQ: (False, not low <= threshold <= high),
        CompareOp.NE: (not low <= threshold <= high, False),
    }
    always, never = results[op]
    return True if always else False if never else None

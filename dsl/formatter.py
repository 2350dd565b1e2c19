"""The canonical layout of rule files (`segl fmt`): syntax tree back to text.

For every tree the parser produces, `parse_program(format_program(p)) == p` (spans
aside), and since the layout depends on the tree alone, formatting is idempotent.
A hand-built tree that the concrete syntax cannot express (a `Name("now")`, a
string with a newline, a layer named `and` after a `when` layer, ...) raises
ValueError rather than yielding text that would parse to something else.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import fields, is_dataclass

from segl.dsl import ast
from segl.dsl.diagnostics import Diagnostic, DiagnosticError, Span, source_lines
from segl.dsl.names import NAME
from segl.dsl.parser import CONDITION_KEYWORDS, EXPRESSION_KEYWORDS, code_of

LINE_LIMIT = 100
INDENT = "    "
COMMENT_COLUMN = 26  # after the indent: where the SPEC puts column comments
MAX_DEPTH = 200  # the parser rejects deeper expressions (E0205)

# Binding strength, low to high. A sub-expression weaker than its slot needs parentheses.
OR, AND, NOT, CMP, ADD, MUL, NEG, ATOM = range(1, 9)
_BINARY_LEVEL = {
    "or": OR,
    "and": AND,
    **dict.fromkeys(("==", "!=", "<", "<=", ">", ">="), CMP),
    "+": ADD,
    "-": ADD,
    "*": MUL,
    "/": MUL,
    "%": MUL,
}
_STRING_MATCH = {"contains": "contains", "starts_with": "starts with", "ends_with": "ends with"}

# The contextual lexer reads EXPRESSION_KEYWORDS as keywords wherever an operand may
# start, so an identifier spelled like one cannot be written there. `not` is only a
# keyword where a whole condition may start (after `=`, `and`, `(`, ...), not after `==`,
# `+`, `-`, `between`, `contains`: there it is an ordinary name.
EXPR_START_KEYWORDS = EXPRESSION_KEYWORDS
AFTER_EXPR_KEYWORDS = CONDITION_KEYWORDS
_UNITS = frozenset({"minute", "hour", "day", "week", "month", "year"})
_NUMBER = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?")
_DIGITS = re.compile(r"\d+")
_CLOCK = re.compile(r"\d\d:\d\d")
_STARTS_WITH_WHERE = re.compile(r"where(?!\w)")
MAX_DURATION = 9_999_999  # the parser takes at most seven digits (E0206)

# `x between 1 and 2` followed by `<word> ago` is read by the lexer as the window
# `between 1 and 2 <unit> ago`. Such upper bounds are first written between NUL marks
# (NUL cannot occur in names or strings); once the text that follows is known, the mark
# becomes `(2)` where the window pattern would match, and plain `2` elsewhere.
_GUARD = re.compile(r"\x00(\d+)\x00")
_AGO_AHEAD = re.compile(r"[ \t\r\n]+\w+[ \t\r\n]+ago\b")


# ------------------------------------------------------------------ entry points


def format_program(program: ast.Program) -> str:
    """A whole rule file: statements one blank line apart, trailing comments last.
    DiagnosticError for a clause given twice: the tree keeps the first (the checker
    refuses the rest), so the text would silently lose one and mean something else."""
    repeated = repeated_clauses(program)
    if repeated:
        raise DiagnosticError(repeated)
    statements = program.statements
    blocks: list[str] = []
    if program.header_comments and statements:
        blocks.append("\n".join(_comment(c) for c in program.header_comments))
    # from the last: a `between` bound is settled against the text that follows it
    texts: list[str] = []
    for stmt in reversed(statements):
        texts.append(_statement(stmt, "\n\n" + texts[-1] if texts else ""))
    blocks += reversed(texts)
    trailing = program.trailing_comments
    breaks = program.trailing_breaks
    if not statements:  # a file of comments only: they all read back as trailing
        trailing = program.header_comments + trailing
        breaks = tuple(i + len(program.header_comments) for i in breaks)
    if trailing:
        blocks.append(_trailing(trailing, set(breaks)))
    return "\n\n".join(blocks) + "\n" if blocks else ""


# the code the checker gives a clause given twice, by the node that keeps it
_TWICE_CODES: dict[type, str] = {
    ast.StepDef: "E0711",
    ast.FunnelDef: "E0806",
    ast.RetentionDef: "E0806",
    ast.ExperimentDef: "E0806",
    ast.AlertDef: "E0908",
    ast.AlertCall: "E0908",
}


def repeated_clauses(node: object) -> list[Diagnostic]:
    """Every clause given twice anywhere in a tree (the nodes' `repeated`)."""
    found: list[Diagnostic] = []
    if isinstance(node, tuple | list):
        for item in node:
            found += repeated_clauses(item)
    elif is_dataclass(node) and not isinstance(node, type | Span):
        for clause, span in getattr(node, "repeated", ()):
            found.append(
                Diagnostic(
                    _TWICE_CODES.get(type(node), "E0711"),
                    f"`{clause}` is given twice: segl fmt would keep only the first",
                    span,
                    ("keep one, then format (segl check says which one counts)",),
                )
            )
        for item in fields(node):
            if item.name != "repeated":
                found += repeated_clauses(getattr(node, item.name))
    return found


def _trailing(comments: tuple[str, ...], breaks: set[int]) -> str:
    """The comments at the file's end, a line each, with one blank line where they had
    any (`breaks`: the indexes of those after one)."""
    lines = [_comment(c) for c in comments]
    return lines[0] + "".join(
        ("\n\n" if i in breaks else "\n") + line for i, line in enumerate(lines[1:], start=1)
    )


def format_expr(expr: ast.Expr) -> str:
    """One expression on one line (a `case` with several branches spans lines)."""
    _check_depth(expr)
    return _resolve(_expr(expr, OR, "", lead=True), "")


# ------------------------------------------------------------------ statements


def _statement(stmt: ast.Statement, following: str) -> str:
    code = [_annotation(a) for a in stmt.annotations]
    code += _definition(stmt, following).split("\n")
    return "\n".join(_with_comments(stmt, code))


def _definition(stmt: ast.Statement, following: str) -> str:
    match stmt:
        case ast.SourceDef():
            return _source(stmt)
        case ast.IdentityDef():
            return _identity(stmt)
        case ast.TagDef(name=name, title=title, expr=expr):
            return _resolve(_definition_line("tag", name, title, expr), following)
        case ast.SegmentDef(name=name, title=title, expr=expr):
            return _resolve(_definition_line("segment", name, title, expr), following)
        case ast.LayeringDef():
            return _resolve(_layering(stmt), following)
        case ast.JourneyDef():
            return _resolve(_journey(stmt), following)
        case ast.HoldoutDef():
            return _holdout(stmt)
        case ast.PolicyDef():
            return _policy(stmt)
        case ast.FunnelDef():
            return _resolve(_funnel(stmt), following)
        case ast.RetentionDef():
            return _resolve(_retention(stmt), following)
        case ast.ReportDef():
            return _resolve(_report(stmt), following)
        case ast.ExperimentDef():
            return _resolve(_experiment(stmt), following)
        case ast.AlertDef():
            return _alert(stmt)
        case _:
            raise ValueError(f"not a statement: {stmt!r}")


def _with_comments(stmt: ast.Statement, code: list[str]) -> list[str]:
    """The statement's lines of code with its comments: those that stood before it first;
    those that stood inside it back where they stood (at the end of a line, aligned two
    spaces after the longest such line, or on lines of their own) when the statement
    keeps its lines of code, else before it too, in their order."""
    places = stmt.places
    if len(places) != len(stmt.comments):  # a tree not read from a file
        places = (None,) * len(stmt.comments)
    written = code_of("\n".join(code))  # (a column's comment is in its line already)
    same = len(written) == len(code)  # no blank line: the indices are the code's lines
    inner = [p for p in places if isinstance(p, ast.CommentPlace)]
    fits = all(same and p.code == written and p.line < len(code) for p in inner)
    pairs = list(zip(places, stmt.comments, strict=True))
    lines: list[str] = []
    for place, text in pairs:
        if not isinstance(place, ast.CommentPlace) or not fits:
            lines.append(_comment(text))
            lines += [""] if isinstance(place, ast.CommentBefore) else []
    inside = [(p, text) for p, text in pairs if isinstance(p, ast.CommentPlace) and fits]
    ends = {place.line: text for place, text in inside if place.end_of_line}
    width = max((_width(code[line]) + 2 for line in ends), default=0)
    for index, line in enumerate(code):
        for place, text in inside:
            if place.line == index and not place.end_of_line:
                lines.append(_own_line_indent(line) + _comment(text))
        lines.append(_pad(line, width) + _comment(ends[index]) if index in ends else line)
    return lines


def _own_line_indent(line: str) -> str:
    """A comment on a line of its own is indented as the code after it (inside a block
    whose closing brace follows, one level deeper)."""
    indent = line[: len(line) - len(line.lstrip())]
    closing = line.lstrip().startswith("}") or line.strip() == "end"
    return indent + INDENT if closing else indent


def _source_options(source: ast.SourceDef) -> str:
    """`as KIND`, then (profiles) `created C`, `zone Z`, `valid from A to B`."""
    parts = [f" as {_ident(source.id_kind)}"] if source.id_kind is not None else []
    if source.kind == "profile":
        if source.created is not None:
            parts.append(f" created {_ident(source.created)}")
        if source.zone is not None:
            parts.append(f" zone {_ident(source.zone)}")
        if (source.valid_from is None) != (source.valid_to is None):
            raise ValueError(f"source {source.name!r}: valid from needs both columns")
        if source.valid_from is not None and source.valid_to is not None:
            parts.append(f" valid from {_ident(source.valid_from)} to {_ident(source.valid_to)}")
    elif (source.created, source.zone, source.valid_from) != (None, None, None):
        raise ValueError(f"source {source.name!r}: only profiles have created/zone/valid")
    return "".join(parts)


def _source(source: ast.SourceDef) -> str:
    options = _source_options(source)
    if source.kind == "profile" and source.key is not None:
        kind = f"key {_ident(source.key)}{options}"
    elif source.kind == "event" and source.user is not None and source.time is not None:
        kind = f"user {_ident(source.user)}{options} time {_ident(source.time)}"
    else:
        raise ValueError(f"source {source.name!r}: kind {source.kind!r} lacks its columns")
    header = (
        f"source {_ident(source.name)}{_title(source.title)} "
        f"from table {_string(source.table)} {kind}"
    )
    if not source.columns:
        return header + " {}"
    cells = [f"{_ident(c.name)}: {_ident(c.type_name)}" for c in source.columns]
    # comments line up two spaces after the longest column, and at least in column 30
    width = max(COMMENT_COLUMN, *(_width(cell) + 2 for cell in cells))
    lines = [header + " {"]
    for cell, column in zip(cells, source.columns, strict=True):
        if column.comment is None:
            lines.append(INDENT + cell)
        else:
            lines.append(INDENT + _pad(cell, width) + _comment(column.comment))
    lines.append("}")
    return "\n".join(lines)


def _identity(identity: ast.IdentityDef) -> str:
    """One item per line: the kinds (most preferred first), each link, the limits."""
    lines = [f"identity {_ident(identity.name)}{_title(identity.title)} {{"]
    if identity.kinds:
        lines.append(f"{INDENT}kinds {', '.join(_ident(k) for k in identity.kinds)}")
    for link in identity.links:
        lines.append(
            f"{INDENT}link {_ident(link.source)}: {_ident(link.left)} as {_ident(link.left_kind)}, "
            f"{_ident(link.right)} as {_ident(link.right_kind)}"
        )
    if identity.shared_above is not None:
        if identity.shared_above < 0:
            raise ValueError("shared above needs a whole number")
        lines.append(f"{INDENT}shared above {identity.shared_above}")
    if identity.largest is not None:
        if identity.largest < 0:
            raise ValueError("at most ... ids per person needs a whole number")
        lines.append(f"{INDENT}at most {identity.largest} ids per person")
    lines.append("}")
    return "\n".join(lines)


def _definition_line(keyword: str, name: str, title: str | None, expr: ast.Expr) -> str:
    """`tag`/`segment`: on one line if it fits. Otherwise a chain of `and`, `or` or
    arithmetic goes below the header, broken before its operators; any other one-line
    expression just moves below the header."""
    _check_depth(expr)
    header = f"{keyword} {_ident(name)}{_title(title)} ="
    text = _expr(expr, OR, "", lead=True)
    if all(_width(line) <= LINE_LIMIT for line in f"{header} {text}".split("\n")):
        return f"{header} {text}"
    if isinstance(expr, ast.Binary) and _level(expr) != CMP:
        return header + "\n" + _chain(expr, INDENT)
    if "\n" in text:  # a multi-line `case` reads best starting on the header line
        return f"{header} {text}"
    return f"{header}\n{INDENT}{text}"


def _chain(expr: ast.Binary, indent: str) -> str:
    """Fill lines greedily with the operands of a top-level chain; a line that would
    pass the limit breaks before the operator."""
    level = _BINARY_LEVEL[expr.op]
    first, rest = _flatten(expr)
    text = indent + _expr(first, level, indent, lead=True)
    for op, operand in rest:
        part = _expr(operand, level + 1, indent, lead=level <= AND)
        tail = text.rsplit("\n", 1)[-1]
        head = part.split("\n", 1)[0]
        if _width(tail) + len(op) + 2 + _width(head) <= LINE_LIMIT:
            text += f" {op} {part}"
        else:
            text += f"\n{indent}{op} {part}"
    return text


def _layering(layering: ast.LayeringDef) -> str:
    """One layer per line; names, titles and `when`/`otherwise` each line up in a column."""
    if not layering.layers:
        raise ValueError(f"layering {layering.name!r} has no layers")
    names = [_ident(layer.name) for layer in layering.layers]
    titles = [_title(layer.title).lstrip() for layer in layering.layers]
    name_width = max(_width(name) for name in names) + 2
    title_width = max(_width(title) for title in titles) + 1
    lines = [f"layering {_ident(layering.name)}{_title(layering.title)} {{"]
    previous: ast.LayerDef | None = None
    for name, title, layer in zip(names, titles, layering.layers, strict=True):
        after_when = previous is not None and previous.condition is not None
        if after_when and layer.name in AFTER_EXPR_KEYWORDS:
            raise ValueError(
                f"layer {layer.name!r} cannot follow a 'when' layer: "
                "the name would be read as a keyword"
            )
        if layer.condition is None:
            tail = "otherwise"
        else:
            _check_depth(layer.condition)
            tail = "when " + _expr(layer.condition, OR, INDENT, lead=True)
        label = _pad(name, name_width) + (_pad(title, title_width) if title_width > 1 else "")
        lines.append(f"{INDENT}{label}{tail}")
        previous = layer
    lines.append("}")
    return "\n".join(lines)


# ------------------------------------------------------------------ journeys


def _journey(journey: ast.JourneyDef) -> str:
    """One clause per line. The tree keeps each kind of clause apart, not their mutual
    order, so the layout is fixed: entries, re-entry, exits, holdouts, then the steps."""
    lines = [f"journey {_ident(journey.name)}{_title(journey.title)} {{"]
    lines += [INDENT + _trigger("enter", enter) for enter in journey.enters]
    lines += [f"{INDENT}reenter after {_duration(r.after)}" for r in journey.reenters]
    lines += [INDENT + _trigger("exit", exit_) for exit_ in journey.exits]
    for holdout in journey.holdouts:
        lines += _inner_holdout(holdout)
    lines += [INDENT + _step(step) for step in journey.steps]
    return _block(lines)


def _trigger(keyword: str, clause: ast.EnterDef | ast.ExitDef) -> str:
    """`enter on [first] S [where F]`, `enter when C`, `enter on moved(...)`, `exit on S
    [where F]`, `exit when C`."""
    kinds = ("on", "first", "when", "moved") if keyword == "enter" else ("on", "when")
    if clause.kind not in kinds:
        raise ValueError(f"unknown kind of {keyword}: {clause.kind!r}")
    if isinstance(clause, ast.EnterDef) and (clause.kind == "moved") != (clause.moved is not None):
        raise ValueError("'enter on moved(...)' needs the move, and only that kind of entry")
    if isinstance(clause, ast.EnterDef) and clause.moved is not None:
        if clause.event is not None or clause.condition is not None:
            raise ValueError("'enter on moved(...)' has no event and no condition")
        if clause.moved.name == "first":
            raise ValueError("a function named 'first' after 'enter on' is read as the keyword")
        return f"{keyword} on {_alert_call(clause.moved)}"
    if clause.kind == "when":
        if clause.condition is None or clause.event is not None:
            raise ValueError(f"'{keyword} when' needs a condition and no event")
        return f"{keyword} when {_condition(clause.condition)}"
    if clause.event is None or clause.condition is not None:
        raise ValueError(f"'{keyword} on' needs an event and no condition")
    if clause.kind == "on" and keyword == "enter" and clause.event.source == "first":
        raise ValueError("a source named 'first' after 'enter on' is read as the keyword")
    first = " first" if clause.kind == "first" else ""
    return f"{keyword} on{first} {_event(clause.event)}"


def _event(event: ast.EventRef) -> str:
    where = "" if event.where is None else " where " + _condition(event.where)
    return _ident(event.source) + where


def _step(step: ast.StepDef) -> str:
    """`step NAME <timing>: send CHANNEL "template" [with ...] [if C]` on one line."""
    head = " ".join([f"step {_ident(step.name)}", *_timings(step)])
    text = f"{head}: send {_ident(step.channel)} {_string(step.template)}"
    if step.payload:
        text += " with " + ", ".join(_payload_item(item) for item in step.payload)
    if step.condition is not None:
        text += " if " + _condition(step.condition)
    return text


def _timings(step: ast.StepDef) -> list[str]:
    """The timing clauses in one fixed order (the parser takes any order)."""
    found: list[str] = []
    if step.after is not None:
        found.append("after " + _duration(step.after))
    if step.within is not None:
        found.append("within " + _duration(step.within))
    if step.days is not None:
        if step.days not in ("weekend", "weekdays"):
            raise ValueError(f"step {step.name!r}: days must be weekend or weekdays")
        found.append("on " + step.days)
    if step.between is not None:
        start, end = step.between
        found.append(f"between {_clock(start)} and {_clock(end)}")
    return found


def _payload_item(item: ast.PayloadItem) -> str:
    if item.value is None:
        return _ident(item.key)
    return f"{_ident(item.key)} = {_condition(item.value)}"


def _holdout(holdout: ast.HoldoutDef) -> str:
    if not _NUMBER.fullmatch(holdout.percent):
        raise ValueError(f"holdout {holdout.name!r}: not a number: {holdout.percent!r}")
    return f"holdout {_ident(holdout.name)} {holdout.percent}% salt {_string(holdout.salt)}"


def _inner_holdout(holdout: ast.HoldoutDef) -> list[str]:
    """A journey's own holdout: a comment inside the body leads the whole journey."""
    if holdout.comments:
        raise ValueError(f"holdout {holdout.name!r} inside a journey cannot keep comments")
    return [*(INDENT + _annotation(a) for a in holdout.annotations), INDENT + _holdout(holdout)]


def _policy(policy: ast.PolicyDef) -> str:
    """Quiet hours, then caps, then priorities, one per line."""
    lines = ["policy {"]
    lines += [f"{INDENT}quiet {_clock(q.start)} to {_clock(q.end)}" for q in policy.quiet]
    lines += [INDENT + _cap(cap) for cap in policy.caps]
    lines += [INDENT + _priority(priority) for priority in policy.priorities]
    return _block(lines)


def _cap(cap: ast.CapDef) -> str:
    if not _NUMBER.fullmatch(cap.limit):
        raise ValueError(f"cap {cap.channel!r}: not a number: {cap.limit!r}")
    if isinstance(cap.per, ast.Duration):
        per = _duration(cap.per)
    elif cap.per in ("day", "week"):
        per = cap.per
    else:
        raise ValueError(f"cap {cap.channel!r}: per {cap.per!r} is not day, week or a span")
    return f"cap {_ident(cap.channel)} {cap.limit} per {per}"


def _priority(priority: ast.PriorityDef) -> str:
    if not priority.journeys:
        raise ValueError("priority needs at least one journey")
    return "priority " + ", ".join(_ident(name) for name in priority.journeys)


# ------------------------------------------------------------------ reports


def _funnel(funnel: ast.FunnelDef) -> str:
    """The header holds the funnel's window and split; one step per line."""
    header = f"funnel {_ident(funnel.name)}{_title(funnel.title)}"
    if funnel.within is not None:
        header += " within " + _duration(funnel.within)
    if funnel.by is not None:
        header += " by " + _funnel_by(funnel.by, funnel.by_entry)
    elif funnel.by_entry:
        raise ValueError(f"funnel {funnel.name!r}: `by entry` needs a column")
    lines = [header + " {"]
    for step in funnel.steps:
        within = "" if step.within is None else " within " + _duration(step.within)
        lines.append(f"{INDENT}step {_ident(step.name)}: {_event(step.event)}{within}")
    return _block(lines)


def _funnel_by(by: ast.Dimension, entry: bool) -> str:
    if entry:
        if by.source is None:
            raise ValueError("`by entry` names a column of the entry event: S.col")
        return f"entry {_ident(by.source)}.{_ident(by.name)}"
    if by.source is None and by.name == "entry":
        raise ValueError("a dimension named 'entry' is read as `by entry`")
    return _dimension(by)


def _dimension(dimension: ast.Dimension) -> str:
    if dimension.source is None:
        return _ident(dimension.name)
    return f"{_ident(dimension.source)}.{_ident(dimension.name)}"


def _retention(retention: ast.RetentionDef) -> str:
    """One clause per line in a fixed order: cohort, return, by, periods, rolling, on or
    after."""
    lines = [f"retention {_ident(retention.name)}{_title(retention.title)} {{"]
    if retention.cohort is not None:
        first = " first" if retention.first else ""
        if not retention.first and retention.cohort.source == "first":
            raise ValueError("a source named 'first' after 'cohort' is read as the keyword")
        lines.append(f"{INDENT}cohort{first} {_event(retention.cohort)}")
    elif retention.first:
        raise ValueError(f"retention {retention.name!r}: `first` needs a cohort")
    if retention.returns is not None:
        lines.append(f"{INDENT}return {_event(retention.returns)}")
    if retention.period is not None:
        if retention.period not in ("day", "week", "month"):
            raise ValueError(f"retention {retention.name!r}: by {retention.period!r}")
        lines.append(f"{INDENT}by {retention.period}")
    if retention.periods is not None:
        if not 0 <= retention.periods < 10**9:
            raise ValueError(f"retention {retention.name!r}: periods {retention.periods}")
        lines.append(f"{INDENT}periods {retention.periods}")
    if retention.rolling:
        lines.append(f"{INDENT}rolling")
    if retention.on_or_after:
        lines.append(f"{INDENT}on or after")
    return _block(lines)


def _report(report: ast.ReportDef) -> str:
    header = f"report {_ident(report.name)}{_title(report.title)} over {_ident(report.over)}"
    if report.where is not None:
        header += " where " + _condition(report.where)
    if report.window is not None:
        header += " " + _window(report.window, "")
    if report.by:
        header += " by " + ", ".join(_dimension(d) for d in report.by)
    return _block([header + " {", *_metrics(report.metrics, "")])


def _metrics(metrics: tuple[ast.MetricDef, ...], keyword: str) -> list[str]:
    """`name = expr` lines. Without a keyword in front, a metric's name follows the previous
    metric's expression, where words such as `and` are read as operators."""
    lines: list[str] = []
    for index, metric in enumerate(metrics):
        if not keyword and index and metric.name in AFTER_EXPR_KEYWORDS:
            raise ValueError(f"metric {metric.name!r} would be read as a keyword")
        lines.append(f"{INDENT}{keyword}{_ident(metric.name)} = {_condition(metric.expr)}")
    return lines


def _experiment(experiment: ast.ExperimentDef) -> str:
    """Population, salt, the arms in their order, the metrics in theirs."""
    lines = [f"experiment {_ident(experiment.name)}{_title(experiment.title)} {{"]
    if experiment.population is not None:
        lines.append(f"{INDENT}population {_condition(experiment.population)}")
    if experiment.salt is not None:
        lines.append(f"{INDENT}salt {_string(experiment.salt)}")
    for arm in experiment.arms:
        if not _NUMBER.fullmatch(arm.percent):
            raise ValueError(f"arm {arm.name!r}: not a number: {arm.percent!r}")
        lines.append(f"{INDENT}arm {_ident(arm.name)} {arm.percent}%")
    lines += _metrics(experiment.metrics, "metric ")
    return _block(lines)


# ------------------------------------------------------------------ alerts

# In an alert's condition these words are keywords wherever an operand starts (and `not`
# where a whole condition starts); `from`, `to` and `over` where a call's argument starts.
_ALERT_OPERAND_KEYWORDS = frozenset({"true", "false", "null"})
_ALERT_ARGUMENT_KEYWORD = re.compile(r"(from|to|over)(?!\w)")


def _alert(alert: ast.AlertDef) -> str:
    """`alert NAME "title" = CONDITION cooldown D repeat every D`: on one line if it fits.
    Otherwise the options go on a line of their own, below the condition; the condition
    stays on the header line if it fits there, else goes below it (a long and/or chain
    broken before its operators)."""
    _check_depth(alert.condition)
    header = f"alert {_ident(alert.name)}{_title(alert.title)} ="
    text = _alert_expr(alert.condition, OR, lead=True)
    options = []
    if alert.cooldown is not None:
        options.append("cooldown " + _duration(alert.cooldown))
    if alert.repeat is not None:
        options.append("repeat every " + _duration(alert.repeat))
    tail = " ".join(options)
    if _width(f"{header} {text} {tail}".rstrip()) <= LINE_LIMIT:
        return f"{header} {text} {tail}".rstrip()
    if _width(f"{header} {text}") <= LINE_LIMIT:
        lines = f"{header} {text}"
    elif _width(INDENT + text) <= LINE_LIMIT or not _chained(alert.condition):
        lines = f"{header}\n{INDENT}{text}"
    else:
        assert isinstance(alert.condition, ast.Binary)
        lines = f"{header}\n{_alert_chain(alert.condition, _BINARY_LEVEL[alert.condition.op])}"
    return f"{lines}\n{INDENT}{tail}" if tail else lines


def _chained(expr: ast.Expr) -> bool:
    return isinstance(expr, ast.Binary) and _BINARY_LEVEL.get(expr.op) in (OR, AND)


def _alert_chain(expr: ast.Binary, level: int) -> str:
    """The operands of a top-level `and`/`or` chain, one line each after the first."""
    first, rest = _flatten(expr)
    lines = [INDENT + _alert_expr(first, level, lead=True)]
    lines += [f"{INDENT}{op} {_alert_expr(operand, level + 1, lead=True)}" for op, operand in rest]
    return "\n".join(lines)


def _alert_expr(expr: ast.Expr, need: int, *, lead: bool) -> str:
    """An alert's condition: only literals, names, alert calls and operators."""
    if _level(expr) < need:
        return "(" + _alert_bare(expr, lead=True) + ")"
    return _alert_bare(expr, lead=lead)


def _alert_bare(expr: ast.Expr, *, lead: bool) -> str:
    match expr:
        case ast.NumberLit() | ast.StringLit() | ast.BoolLit() | ast.NullLit():
            return _bare(expr, "", lead=lead)
        case ast.PercentLit(text=text):
            if not _NUMBER.fullmatch(text):
                raise ValueError(f"not a percentage: {text!r}")
            return f"{text}%"
        case ast.Name(name=name):
            return _alert_name(name, lead)
        case ast.AlertCall():
            return _alert_call(expr, lead)
        case ast.Unary(op="not", operand=operand):
            return "not " + _alert_expr(operand, NOT, lead=True)
        case ast.Unary(op="-", operand=operand):
            text = _alert_expr(operand, NEG, lead=False)
            return "- " + text if text.startswith("-") else "-" + text
        case ast.Binary(op=op, left=left, right=right) if op in _BINARY_LEVEL:
            level = _BINARY_LEVEL[op]
            if level == CMP:
                return (
                    f"{_alert_expr(left, ADD, lead=lead)} {op} "
                    f"{_alert_expr(right, ADD, lead=False)}"
                )
            first, rest = _flatten(expr)
            parts = [_alert_expr(first, level, lead=lead)]
            for each, operand in rest:
                parts.append(f"{each} {_alert_expr(operand, level + 1, lead=level <= AND)}")
            return " ".join(parts)
    raise ValueError(f"not an alert's condition: {expr!r}")


def _alert_name(name: str, lead: bool) -> str:
    if name in _ALERT_OPERAND_KEYWORDS or (lead and name == "not"):
        raise ValueError(f"{name!r} cannot be referred to here: it is read as a keyword")
    return _ident(name)


def _alert_call(call: ast.AlertCall, lead: bool = False) -> str:
    """`name(positional, ..., from "a", to "b", over D)`: the named arguments last."""
    args = []
    for arg in call.args:
        text = _alert_expr(arg, OR, lead=True)
        args.append(f"({text})" if _ALERT_ARGUMENT_KEYWORD.match(text) else text)
    if call.origin is not None:
        args.append("from " + _string(call.origin.value))
    if call.destination is not None:
        args.append("to " + _string(call.destination.value))
    if call.over is not None:
        args.append("over " + _duration(call.over))
    return f"{_alert_name(call.name, lead)}({', '.join(args)})"


def _duration(duration: ast.Duration) -> str:
    if not 0 <= duration.count <= MAX_DURATION:
        raise ValueError(f"a duration must be a whole number up to {MAX_DURATION}")
    return f"{duration.count} {_unit(duration.unit, plural=duration.count != 1)}"


def _clock(clock: ast.Clock) -> str:
    """`HH:MM` as the parser spells it (two digits each), from 00:00 to 24:00."""
    if not _CLOCK.fullmatch(clock.text) or int(clock.text[3:]) > 59 or clock.minutes > 24 * 60:
        raise ValueError(f"not a time of day: {clock.text!r}")
    return clock.text


def _condition(expr: ast.Expr) -> str:
    """An expression where a whole condition may start, inside a `{}` block."""
    _check_depth(expr)
    return _expr(expr, OR, INDENT, lead=True)


def _block(lines: list[str]) -> str:
    """A header line and its items, closed by `}`; an empty body stays on one line."""
    if len(lines) == 1:
        return lines[0] + "}"
    return "\n".join([*lines, "}"])


# ------------------------------------------------------------------ expressions


def _level(expr: ast.Expr) -> int:
    match expr:
        case ast.Binary(op=op):
            return _BINARY_LEVEL.get(op, ATOM)
        case ast.Unary(op="not"):
            return NOT
        case ast.Unary():
            return NEG
        case ast.InList() | ast.Between() | ast.IsNull() | ast.StringMatch():
            return CMP
        case _:
            return ATOM


def _expr(expr: ast.Expr, need: int, indent: str, *, lead: bool) -> str:
    """`expr` in a slot that binds at least as tightly as `need`. `indent` is the
    indentation of the current line (for multi-line `case`); `lead` says whether the
    text starts where a whole condition may start (there `not` is a keyword)."""
    if _level(expr) < need:
        return "(" + _bare(expr, indent, lead=True) + ")"
    return _bare(expr, indent, lead=lead)


def _bare(expr: ast.Expr, indent: str, *, lead: bool) -> str:
    match expr:
        case ast.NumberLit(text=text):
            if not _NUMBER.fullmatch(text):
                raise ValueError(f"not a number literal: {text!r}")
            return text
        case ast.StringLit(value=value):
            return _string(value)
        case ast.BoolLit(value=value):
            return "true" if value else "false"
        case ast.NullLit():
            return "null"
        case ast.Now():
            return "now"
        case ast.Today():
            return "today"
        case ast.DateLit(value=value):
            return "date " + _string(value)
        case ast.TimestampLit(value=value):
            return "timestamp " + _string(value)
        case ast.Name(name=name):
            return _reference(name, lead)
        case ast.ColumnRef(source=source, column=column):
            return _reference(source, lead) + "." + _ident(column)
        case ast.Unary():
            return _unary(expr, indent, lead)
        case ast.Binary():
            return _binary(expr, indent, lead)
        case ast.InList(operand=operand, items=items, negated=negated):
            inner = ", ".join(_expr(item, OR, indent, lead=True) for item in items)
            keyword = "not in" if negated else "in"
            return f"{_expr(operand, ADD, indent, lead=lead)} {keyword} [{inner}]"
        case ast.Between():
            return _between(expr, indent, lead)
        case ast.IsNull(operand=operand, negated=negated):
            return _expr(operand, ADD, indent, lead=lead) + (
                " is not null" if negated else " is null"
            )
        case ast.StringMatch(op=op, left=left, right=right):
            if op not in _STRING_MATCH:
                raise ValueError(f"unknown string operator {op!r}")
            return (
                f"{_expr(left, ADD, indent, lead=lead)} {_STRING_MATCH[op]} "
                f"{_expr(right, ADD, indent, lead=False)}"
            )
        case ast.Call():
            return _call(expr, indent, lead)
        case ast.Case():
            return _case(expr, indent)
    raise ValueError(f"not an expression: {expr!r}")


def _unary(expr: ast.Unary, indent: str, lead: bool) -> str:
    if expr.op == "not":
        return "not " + _expr(expr.operand, NOT, indent, lead=True)
    if expr.op == "-":
        operand = _expr(expr.operand, NEG, indent, lead=False)
        return "- " + operand if operand.startswith("-") else "-" + operand
    raise ValueError(f"unknown unary operator {expr.op!r}")


def _flatten(expr: ast.Binary) -> tuple[ast.Expr, list[tuple[str, ast.Expr]]]:
    """A left-leaning chain of one precedence level (`a - b + c`) as its first operand
    and (operator, operand) pairs, walked without recursion."""
    level = _BINARY_LEVEL[expr.op]
    pairs: list[tuple[str, ast.Expr]] = []
    node: ast.Expr = expr
    while isinstance(node, ast.Binary) and _BINARY_LEVEL.get(node.op) == level:
        pairs.append((node.op, node.right))
        node = node.left
    pairs.reverse()
    return node, pairs


def _binary(expr: ast.Binary, indent: str, lead: bool) -> str:
    level = _BINARY_LEVEL.get(expr.op)
    if level is None:
        raise ValueError(f"unknown binary operator {expr.op!r}")
    # After `and`/`or` a whole condition may start; after `==` or `+` only an operand.
    right_lead = level <= AND
    if level == CMP:  # non-associative: both sides must be arithmetic or tighter
        left = _expr(expr.left, ADD, indent, lead=lead)
        return f"{left} {expr.op} {_expr(expr.right, ADD, indent, lead=False)}"
    first, rest = _flatten(expr)
    parts = [_expr(first, level, indent, lead=lead)]
    for op, operand in rest:
        parts.append(f"{op} {_expr(operand, level + 1, indent, lead=right_lead)}")
    return " ".join(parts)


def _between(expr: ast.Between, indent: str, lead: bool) -> str:
    operand = _expr(expr.operand, ADD, indent, lead=lead)
    low = _expr(expr.low, ADD, indent, lead=False)
    high = _expr(expr.high, ADD, indent, lead=False)
    if not expr.negated and _DIGITS.fullmatch(low) and _DIGITS.fullmatch(high):
        high = f"\x00{high}\x00"  # may look like a window: see _GUARD
    keyword = "not between" if expr.negated else "between"
    return f"{operand} {keyword} {low} and {high}"


def _call(expr: ast.Call, indent: str, lead: bool) -> str:
    if expr.name == "date" and len(expr.args) == 1 and expr.where is None and expr.window is None:
        name = "date"  # `date(x)` is its own rule in the grammar, with the same tree
    else:
        name = _reference(expr.name, lead)
    if not expr.args and expr.window is not None:
        raise ValueError(f"{expr.name}(): a window needs an argument before it")
    args = [_expr(arg, OR, indent, lead=True) for arg in expr.args]
    if args and _STARTS_WITH_WHERE.match(args[0]):
        args[0] = f"({args[0]})"  # right after `(`, the word `where` opens a filter
    text = ", ".join(args)
    if expr.where is not None:
        where = "where " + _expr(expr.where, OR, indent, lead=True)
        text = f"{text} {where}" if text else where
    if expr.window is not None:
        text += " " + _window(expr.window, indent)
    return f"{name}({text})"


def _window(window: ast.Window, indent: str) -> str:
    match window:
        case ast.LastWindow(count=count, unit=unit):
            _check_count(count)
            return f"in last {count} {_unit(unit, plural=count != 1)}"
        case ast.AgoWindow(start=start, end=end, unit=unit):
            _check_count(end)
            if start < end:
                raise ValueError(f"window 'between {start} and {end} ago': start < end")
            return f"between {start} and {end} {_unit(unit, plural=start != 1 or end != 1)} ago"
        case ast.SinceWindow(start=start):
            return "since " + _expr(start, OR, indent, lead=True)
    raise ValueError(f"not a window: {window!r}")


def _case(expr: ast.Case, indent: str) -> str:
    """One line for a single branch; otherwise `when`/`else` lines indented under `case`."""
    if not expr.whens:
        raise ValueError("a case needs at least one 'when'")
    inner = indent + INDENT if len(expr.whens) > 1 else indent
    parts = [
        f"when {_expr(w.condition, OR, inner, lead=True)} "
        f"then {_expr(w.value, OR, inner, lead=True)}"
        for w in expr.whens
    ]
    if expr.otherwise is not None:
        parts.append("else " + _expr(expr.otherwise, OR, inner, lead=True))
    if len(expr.whens) == 1:
        return " ".join(["case", *parts, "end"])
    return "\n".join(["case", *(inner + part for part in parts), indent + "end"])


# ------------------------------------------------------------------ tokens


def _ident(name: str) -> str:
    if not NAME.fullmatch(name):
        raise ValueError(f"not a valid name: {name!r}")
    return name


def _reference(name: str, lead: bool) -> str:
    """A name where an operand starts: keywords that open an expression cannot be used."""
    if name in EXPR_START_KEYWORDS or (lead and name == "not"):
        raise ValueError(f"{name!r} cannot be referred to here: it is read as a keyword")
    return _ident(name)


def _annotation(annotation: ast.Annotation) -> str:
    return f"@{_ident(annotation.key)} {_string(annotation.value)}"


def _string(value: str) -> str:
    bad = next((c for c in value if ord(c) < 32 or 0x7F <= ord(c) < 0xA0), None)
    if bad is not None:
        raise ValueError(f"control character U+{ord(bad):04X} cannot be written in a string")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _title(title: str | None) -> str:
    return "" if title is None else " " + _string(title)


def _comment(text: str) -> str:
    """`# text`; a comment that starts with '#' or '!' (a banner, `#!`) stays glued to
    its '#', and spaces after the usual one (commented-out rules) are kept."""
    if len(source_lines(text)) > 1 or text != text.rstrip():
        raise ValueError(f"a comment must be one line without trailing spaces: {text!r}")
    if not text:
        return "#"
    return f"#{text}" if text[0] in "#!" else f"# {text}"


def _unit(unit: str, *, plural: bool) -> str:
    if unit not in _UNITS:
        raise ValueError(f"unknown time unit {unit!r}")
    return unit + "s" if plural else unit


def _check_count(count: int) -> None:
    if count < 0:
        raise ValueError(f"a window length cannot be negative: {count}")


def _check_depth(expr: ast.Expr) -> None:
    if ast.depth(expr) > MAX_DEPTH:
        raise ValueError(f"expression nested more than {MAX_DEPTH} levels deep")


def _resolve(text: str, following: str) -> str:
    """Settle the guarded `between` bounds now that the following text is known."""
    whole = text + following

    def settle(match: re.Match[str]) -> str:
        digits = match.group(1)
        return f"({digits})" if _AGO_AHEAD.match(whole, match.end()) else digits

    return _GUARD.sub(settle, text)


# ------------------------------------------------------------------ layout helpers


def _width(text: str) -> int:
    """Columns on a terminal: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


__all__ = ["format_expr", "format_program"]

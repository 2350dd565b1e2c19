"""What a SQL target lacks for a project, found in the typed IR before any SQL is built:
`segl check --dialect D` and `segl compile --dialect D` report it with the place in the
rule files (E0501), or warn when only segl's own engine supplies it (W0501)."""

from __future__ import annotations

from collections.abc import Iterator

from segl.compiler import ir
from segl.compiler.capabilities import Capability
from segl.compiler.registry import OPERATOR_REQUIRES
from segl.compiler.script import CompiledRun
from segl.compiler.store import Store
from segl.compiler.targets import Target
from segl.dsl.diagnostics import Diagnostic, Severity, Span


def _needs(node: ir.Expr) -> tuple[str, frozenset[Capability]]:
    """What a node is called in a message, and the capabilities it needs."""
    if isinstance(node, ir.Func):
        return f"{node.name}()", node.entry.requires
    if isinstance(node, ir.Arith):
        return f"'{node.op}'", OPERATOR_REQUIRES.get(node.op, frozenset())
    return "", frozenset()


def _nodes(project: ir.Project) -> Iterator[tuple[ir.Expr, Span]]:
    for definition in project.definitions:
        for root in ir.definition_exprs(definition):
            for node in ir.walk(root):
                yield node, node.span if node.span.line else definition.span


def target_problems(
    project: ir.Project, target: Target, prefix: str, names_at: Span | None = None
) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    seen: set[tuple[str, Capability, int, int]] = set()
    for node, span in _nodes(project):
        what, needs = _needs(node)
        for capability in needs:
            limit = target.limits.get(capability)
            place = (what, capability, span.line, span.column)
            if limit is None or place in seen:
                continue
            seen.add(place)  # one report per place: each is to be rewritten
            if limit.engine_provides:
                message = f"a {target.name} script with {what} needs {capability.value}"
                code, severity = "W0501", Severity.WARNING
            else:
                message = f"{target.name} cannot run {what}"
                code, severity = "E0501", Severity.ERROR
            hint = f"{limit.reason}; see docs/engines.md"
            problems.append(Diagnostic(code, f"{message}", span, (hint,), severity))
    return problems + _name_problems(project, target, prefix, names_at)


def _name_problems(
    project: ir.Project, target: Target, prefix: str, names_at: Span | None
) -> list[Diagnostic]:
    """Names the target would cut short (PostgreSQL keeps 63 bytes of an identifier and
    silently drops the rest, so two long tag names could become one column). A result
    table's name is pointed at where segl.toml sets the project's name or the prefix
    (`names_at`; None when neither is written there)."""
    limit = target.max_identifier_bytes
    if limit is None:
        return []
    store = Store(project, prefix, target.ascii_table_names)
    # (name, where to point, whether it is a tag's)
    names = [(name, names_at, False) for name in store.every_table_name]
    names += [(tag.name, tag.span, True) for tag in project.tags]
    return [
        Diagnostic(
            "E0501",
            f"'{name}' is {len(name.encode())} bytes long; {target.name} keeps only "
            f"{limit} bytes of a name",
            span,
            (
                "choose a shorter tag name (it is a column's name)"
                if is_tag
                else "shorten the project's `name` or the `[output] prefix` in segl.toml: "
                "they make the table names",
            ),
        )
        for name, span, is_tag in names
        if len(name.encode()) > limit
    ]


def width_problems(compiled: CompiledRun) -> list[Diagnostic]:
    """Tables wider than the target allows (PostgreSQL 1,600 columns, SQLite 2,000): the
    engine would refuse the run. Pointed at the first definition, in file order, of
    those past the limit: moving it and those after it to another project is the fix."""
    target = compiled.target
    limit = target.max_columns
    if limit is None:
        return []
    project = compiled.store.project
    # the result's columns are named d0, d1, ...; the history tables' after the definitions
    owners = {c.column: c.definition for c in compiled.plan.columns}
    owners |= {d.name: d for d in project.definitions}
    problems: list[Diagnostic] = []
    for table, columns in compiled.table_columns():
        if len(columns) <= limit:
            continue
        defined = sorted(
            (owners[c] for c in columns if c in owners),
            key=lambda d: (d.span.file, d.span.line, d.span.column),
        )
        over = len(columns) - limit
        past = defined[-over] if over <= len(defined) else None
        problems.append(
            Diagnostic(
                "E0501",
                f"'{table}' would have {len(columns):,} columns; {target.name} allows at "
                f"most {limit:,} in a table",
                past.span if past is not None else None,
                (
                    "its columns are the user key and one per tag, segment and layering: "
                    "move some rules to a second project (each writes tables of its own)",
                ),
            )
        )
    return problems

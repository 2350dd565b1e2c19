"""Arguments computed a level below, so nested calls do not multiply the SQL.

The SQL of some functions repeats an argument (registry.Function.repeats_arguments: round's
exact halves name its value six times, the null guard of greatest twice), so a call nested
in such an argument is repeated as often, and `round(round(round(x * 1.1, 2) * 1.1, 2),
2)` grows as 6^depth: a few levels are megabytes of SQL, more than an engine parses. Such
an argument, when it holds another such call, becomes a hidden per-user definition placed
before the one that uses it; the plan computes it a level below (plan.py), and the call
repeats a column. Only per-user expressions are rewritten: an aggregate's insides are
evaluated per row, in its own pass, and kept as they are. The meaning is unchanged (the
reference evaluator reads the rules as written); hidden definitions are computed, never
stored (script.py stores the project's own tags).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from segl.compiler import ir

HIDDEN_MARK = "#"  # no segl name holds it: a hidden definition is `<definition>#<n>`


def hoist_repeated_arguments(project: ir.Project) -> ir.Project:
    """The project with each repeated argument that nests another repeating call as a
    hidden tag before the definition that uses it (unchanged when there is none)."""
    definitions: list[ir.Definition] = []
    changed = False
    for definition in project.definitions:
        hoister = _Hoister(definition.name)
        rewritten = hoister.definition(definition)
        definitions += [*hoister.hidden, rewritten]
        changed = changed or bool(hoister.hidden)
    if not changed:
        return project
    return dataclasses.replace(project, definitions=tuple(definitions))


class _Hoister:
    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.hidden: list[ir.Tag] = []

    def definition(self, definition: ir.Definition) -> ir.Definition:
        if isinstance(definition, ir.Layering):
            layers = tuple(
                dataclasses.replace(layer, condition=self.expr(layer.condition))
                if layer.condition is not None
                else layer
                for layer in definition.layers
            )
            return dataclasses.replace(definition, layers=layers)
        return dataclasses.replace(definition, expr=self.expr(definition.expr))

    def expr(self, node: ir.Expr) -> ir.Expr:
        """Bottom-up, outside aggregates: a repeating call's arguments are rewritten
        first, so each level hoists one argument and the chain stays linear."""
        if isinstance(node, ir.Aggregate):
            return node
        children = ir.sub_expressions(node)
        if not children:
            return node
        rewritten = [self.expr(child) for child in children]
        if isinstance(node, ir.Func) and node.entry.repeats_arguments:
            rewritten = [self.hoisted(arg) if repeats(arg) else arg for arg in rewritten]
        if all(new is old for new, old in zip(rewritten, children, strict=True)):
            return node
        return with_children(node, rewritten)

    def hoisted(self, argument: ir.Expr) -> ir.TagRef:
        name = f"{self.owner}{HIDDEN_MARK}{len(self.hidden) + 1}"
        self.hidden.append(ir.Tag(name, None, argument))
        return ir.TagRef(name, argument.type)


def repeats(expr: ir.Expr) -> bool:
    """Whether a repeating call is evaluated per user in `expr` (outside aggregates)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Func) and node.entry.repeats_arguments:
            return True
        if not isinstance(node, ir.Aggregate):
            stack.extend(ir.sub_expressions(node))
    return False


def with_children(node: ir.Expr, children: Sequence[ir.Expr]) -> ir.Expr:
    """The node with new direct children, in ir.sub_expressions' order."""
    match node:
        case ir.Not() | ir.Neg() | ir.IsNull():
            return dataclasses.replace(node, operand=children[0])
        case ir.Logic() | ir.Compare() | ir.Arith() | ir.StrMatch():
            return dataclasses.replace(node, left=children[0], right=children[1])
        case ir.InList():
            return dataclasses.replace(node, operand=children[0], items=tuple(children[1:]))
        case ir.Func():
            return dataclasses.replace(node, args=tuple(children))
        case ir.Case():
            pairs = len(node.whens)
            whens = tuple((children[2 * i], children[2 * i + 1]) for i in range(pairs))
            otherwise = children[2 * pairs] if node.otherwise is not None else None
            return dataclasses.replace(node, whens=whens, otherwise=otherwise)
    raise AssertionError(f"no children to replace in {type(node).__name__}")

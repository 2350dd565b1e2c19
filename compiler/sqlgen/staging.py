"""A query's shared CTEs computed once each, for engines that plan a CTE again at every
reference (ClickHouse: its analyzer inlines each one where it is read; a funnel's chains,
read by every later step and by the result, were planned dozens of times: seconds of
planning for a handful of rows, more for each step).

`shared_ctes` finds the top-level CTEs read more than once. The runtime computes them in
order into tables (runtime/engine_clickhouse.py), each statement built by
`SharedCtes.statement` with a WITH of what it reads: a staged CTE as a reader of its table
(the runtime's query, under the CTE's own name, so the statement is the CTE's own text),
the CTEs read once as they are. The SQL a report shows is the query as it was built.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from sqlglot import exp

# staged when planned this many times or more inlined: computing a table costs a few
# statements (on chdb: describe, create, drop, about 10 ms each), planning a copy
# of a funnel's chain CTE as much
STAGED_FROM_COPIES = 3


@dataclass(frozen=True)
class SharedCtes:
    """The CTEs of `query` read more than once (`shared`, in their order)."""

    query: exp.Expression
    bodies: dict[str, exp.Expression]
    shared: list[str]

    def statement(self, name: str | None, readers: Mapping[str, exp.Expression]) -> exp.Expression:
        """The CTE `name`'s query (None: the query's own SELECT) with a WITH of the CTEs it
        reads: `readers[n]` for a shared one (each shared CTE before `name` has one), the
        others as they are, in their original order, before the body's own CTEs."""
        if name is None:
            body = self.query.copy()
            body.set("with_", None)
        else:
            body = self.bodies[name].copy()
        needed: set[str] = set()
        pending = _names_read(body, self.bodies)
        while pending:
            read = pending.pop()
            if read not in needed:
                needed.add(read)
                if read not in self.shared:
                    pending += _names_read(self.bodies[read], self.bodies)
        ctes = [
            _cte(n, readers[n] if n in self.shared else self.bodies[n].copy())
            for n in self.bodies
            if n in needed
        ]
        own = body.args.get("with_")
        if ctes:  # before the body's own CTEs, which may read them
            body.set("with_", exp.With(expressions=[*ctes, *(own.expressions if own else [])]))
        return body


def shared_ctes(query: exp.Expression) -> SharedCtes | None:
    """The query's top-level CTEs read more than once; None when there is none (or the WITH
    is recursive): the query runs as it is."""
    with_ = query.args.get("with_")
    if not isinstance(with_, exp.With) or with_.args.get("recursive"):
        return None
    bodies = {cte.alias_or_name: cte.this for cte in with_.expressions}
    main = query.copy()
    main.set("with_", None)
    reads = {name: Counter(_names_read(body, bodies)) for name, body in bodies.items()}
    # a CTE is planned once per copy in the inlined query: once per read of the query's
    # own SELECT, and per read of a later CTE times that CTE's copies (one when staged)
    copies = Counter(_names_read(main, bodies))
    shared: list[str] = []
    for name in reversed(bodies):
        if copies[name] >= STAGED_FROM_COPIES:
            shared.insert(0, name)
        for read, times in reads[name].items():
            copies[read] += times * (1 if name in shared else copies[name])
    return SharedCtes(query, bodies, shared) if shared else None


def _names_read(node: exp.Expression, names: Mapping[str, object]) -> list[str]:
    """The CTE names `node` reads, once per reference."""
    return [t.name for t in node.find_all(exp.Table) if not t.args.get("db") and t.name in names]


def _cte(name: str, body: exp.Expression) -> exp.CTE:
    return exp.CTE(this=body, alias=exp.TableAlias(this=exp.to_identifier(name, quoted=True)))

"""Resolving persons on an engine before a run (SPEC §3.1): the statements of
compiler/identity.py, with the loop a script cannot have. The pair of steps (large star,
small star) repeats until the edges stop changing, so a run does as many rounds as its
graph needs; then the persons are checked against `at most N ids per person`.

The resolution writes only its own temporary tables, outside the run's transaction; the
run reads its map, and `drop_tables` removes them whatever happened.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlglot import exp

from segl.compiler.identity import IdentitySql
from segl.compiler.sqlgen import render
from segl.dsl.diagnostics import Diagnostic, DiagnosticError
from segl.runtime.engines import Engine, EngineError

# far beyond what a graph needs (rounds grow with the logarithm of its diameter; a chain
# of 100,000 links takes 18 with the last, unchanged one): reaching it means something is
# wrong, not slow
MAX_PAIRS = 64


@dataclass(frozen=True)
class IdentityStats:
    """What a resolution found, for the run's summary."""

    links: int
    ids: int
    persons: int
    shared: int
    rounds: int  # pairs of steps until the edges stopped changing (the last changes nothing)


class Resolution:
    """One resolution on one engine: `run()` leaves the map for the run's query."""

    def __init__(self, sql: IdentitySql, engine: Engine) -> None:
        self.sql = sql
        self.engine = engine
        self.last_step = 0

    def _execute(self, statements: Sequence[exp.Expression]) -> None:
        self.engine.execute_in_transaction([render(s, self.engine.target) for s in statements])

    def _row(self, query: exp.Select) -> tuple[int, ...]:
        rows = self.engine.query(render(query, self.engine.target, pretty=False))
        return tuple(int(value or 0) for value in rows[0])

    def run(self) -> IdentityStats:
        self._execute(self.sql.setup())
        rounds = self._settle()
        self._execute(self.sql.finish(2 * rounds))
        too_large = self._too_large()
        if too_large is not None:
            raise DiagnosticError([too_large])
        links, ids, persons, shared = self._row(self.sql.counts())
        return IdentityStats(links, ids, persons, shared, rounds)

    def _settle(self) -> int:
        """Pairs of steps until one changes no edge: how many it took."""
        for rounds in range(1, MAX_PAIRS + 1):
            step = 2 * (rounds - 1)
            self.last_step = step + 2
            self._execute(self.sql.pair(step))
            before, after, kept = self._row(self.sql.unchanged(step))
            self._execute(self.sql.release(self.sql.edges(step)))
            if before == after == kept:
                return rounds
        raise DiagnosticError([self._not_converged()])

    def _not_converged(self) -> Diagnostic:
        identity = self.sql.identity
        return Diagnostic(
            "E0613",
            f"identity '{identity.name}': the persons did not settle after {MAX_PAIRS} rounds",
            identity.span,
            ("this is a bug in segl; please report it with the links that cause it",),
        )

    def _too_large(self) -> Diagnostic | None:
        """Persons above `at most N ids per person`: links gone wrong (a shared ID below the
        `shared above` limit, a test account), refused rather than merged."""
        identity = self.sql.identity
        target = self.engine.target
        largest = self.engine.query(render(self.sql.largest_persons(), target, pretty=False))
        if not largest:
            return None
        persons = ", ".join(f"{person!r} ({int(n):,} IDs)" for person, n in largest)
        busiest = self.engine.query(render(self.sql.busiest_ids(), target, pretty=False))
        linked = ", ".join(f"{node} ({_links(int(n))})" for node, n in busiest)
        return Diagnostic(
            "E0612",
            f"identity '{identity.name}' makes persons of more than "
            f"{identity.largest:,} IDs: {persons}",
            identity.span,
            (
                f"the IDs with the most links: {linked}; leave such IDs out with "
                "`shared above N`, or allow larger persons with `at most N ids per person`",
                "nothing was written",
            ),
        )

    def drop_tables(self) -> None:
        """Every table of the resolution, including a failed one's (errors ignored: the
        tables are temporary and a broken connection drops them anyway)."""
        with contextlib.suppress(EngineError):
            self._execute(self.sql.cleanup(self.last_step))


def _links(n: int) -> str:
    return "1 link" if n == 1 else f"{n:,} links"

"""How a run is framed: transaction, time zone, commit, and what follows the commit.

One definition, used by both sides: `segl compile` writes the frame around the run's
statements as SQL text (`Frame.script`), and an engine executes the same run inside the
same frame (`Engine.execute_run`: the engine's own transaction, the project's zone set on
its session, then the statements after the commit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlglot import exp

from segl.compiler.sqlgen import render
from segl.compiler.targets import Target


@dataclass(frozen=True)
class Frame:
    target: Target
    timezone: str
    creates_tables: bool = True  # the run may create history tables (a script: unknown)

    @property
    def transactional(self) -> bool:
        """All or nothing by a transaction; targets without one compute everything first
        and publish last (their replace_rows and finish_run)."""
        return self.target.transactions

    def opening(self) -> list[exp.Expression]:
        """BEGIN, then the statement reading timestamps in the project's zone."""
        statements = []
        begin, zone = self.target.begin(), self.target.session_timezone(self.timezone)
        if begin is not None:
            statements.append(begin)
        if zone is not None:
            statements.append(zone)
        return statements

    def closing(self) -> list[exp.Expression]:
        commit = self.target.commit()
        return [commit] if commit is not None else []

    def after(self) -> list[exp.Expression]:
        """Statements after the commit, outside the transaction."""
        return self.target.after_commit(self.creates_tables)

    def after_sql(self) -> list[str]:
        return [render(statement, self.target) for statement in self.after()]

    def script(self, header: Sequence[str], body: Sequence[str]) -> str:
        """A runnable script: `--` header lines, then the framed statements."""
        statements = [render(s, self.target) for s in self.opening()]
        statements += body
        statements += [render(s, self.target) for s in self.closing()]
        statements += self.after_sql()
        comments = "\n".join(f"-- {comment_safe(line)}" for line in header)
        return comments + "\n\n" + ";\n\n".join(statements) + ";\n"


def comment_safe(text: str) -> str:
    """A line that stays one `--` comment: line breaks and other control characters are
    shown as escapes, never written as they are."""
    return "".join(
        ch if ch.isprintable() or ch == "\t" else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )

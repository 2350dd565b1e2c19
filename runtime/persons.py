"""`segl show person ID`: one person's IDs at a stored as-of, and why they are one person
(the rows of each link source that tie two of them, with the first time they were seen).

The IDs come from the run's `_persons` table (what the run resolved, not a recomputation);
the reasons are read from the link sources as they are now, at that as-of's visibility.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.identity import SEPARATOR, IdentitySql
from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.sqlgen.nodes import and_all
from segl.compiler.store import Store
from segl.compiler.timeutil import wall_text
from segl.compiler.types import Type
from segl.dsl.diagnostics import Diagnostic, DiagnosticError
from segl.runtime.engines import Engine
from segl.runtime.project import LoadedProject
from segl.runtime.show import chosen_run
from segl.runtime.store import StoredRuns
from segl.runtime.tables import format_table

Id = tuple[str, str]  # (kind, text)


@dataclass(frozen=True)
class Link:
    source: str
    left: Id
    right: Id
    seen: dt.datetime | None  # the first event that tied them (None: a profile row)
    rows: int


def parse_id(text: str, kinds: Sequence[str]) -> tuple[str | None, str]:
    """`kind:text` names one kind; a bare text may be an ID of any kind."""
    kind, separator, rest = text.partition(SEPARATOR)
    if separator and kind in kinds:
        return kind, rest
    return None, text


def readings(text: str, kinds: Sequence[str]) -> list[tuple[str | None, str]]:
    """What `text` may name: `member:9` is member 9, and also an ID whose text is
    `member:9` (a phone number written so), which is looked up too."""
    kind, rest = parse_id(text, kinds)
    return [(kind, rest)] if kind is None else [(kind, rest), (None, text)]


class PersonLookup:
    def __init__(self, loaded: LoadedProject, engine: Engine, as_of: dt.datetime | None) -> None:
        assert loaded.project is not None
        self.project = loaded.project
        self.identity = _identity_of(self.project)
        self.engine = engine
        self.store = Store(
            self.project, loaded.settings.table_prefix, engine.target.ascii_table_names
        )
        self.as_of = chosen_run(engine, self.store, as_of)
        self.sql = IdentitySql(self.store, engine.target, self.as_of)

    def _query(self, query: exp.Select) -> list[tuple[object, ...]]:
        return self.engine.query(render(query, self.engine.target, pretty=False))

    def _persons_where(self, *conditions: exp.Expression) -> exp.Select:
        at = StoredRuns(self.engine, self.store).at(self.as_of)
        return (
            exp.Select(expressions=[col("person"), col("kind"), col("id")])
            .from_(table_ref(self.store.persons.name), copy=False)
            .where(and_all([at, *conditions]), copy=False)
        )

    def persons_of(self, kind: str | None, text: str) -> list[tuple[str, Id]]:
        """(person, (kind, id)) for each stored ID with this text (and kind)."""
        target = self.engine.target
        conditions = [exp.EQ(this=col("id"), expression=target.string(text))]
        if kind is not None:
            conditions.append(exp.EQ(this=col("kind"), expression=target.string(kind)))
        rows = self._query(self._persons_where(*conditions))
        return sorted((str(person), (str(k), str(i))) for person, k, i in rows)

    def ids_of(self, person: str) -> list[Id]:
        """Every ID of a person, the most preferred kind first, then by code point."""
        target = self.engine.target
        rows = self._query(
            self._persons_where(exp.EQ(this=col("person"), expression=target.string(person)))
        )
        order = {kind: index for index, kind in enumerate(self.identity.kinds)}
        return sorted(((str(k), str(i)) for _, k, i in rows), key=lambda n: (order[n[0]], n[1]))

    def shared(self, kind: str | None, text: str) -> list[tuple[str, int]]:
        """The shared IDs left out at this as-of with this text (and kind): (kind:id, links)."""
        target = self.engine.target
        nodes = (
            [f"{kind}{SEPARATOR}{text}"]
            if kind
            else [f"{k}{SEPARATOR}{text}" for k in self.identity.kinds]
        )
        query = (
            exp.Select(expressions=[col("id"), col("links")])
            .from_(table_ref(self.store.shared_ids.name), copy=False)
            .where(
                exp.and_(
                    StoredRuns(self.engine, self.store).at(self.as_of),
                    exp.In(this=col("id"), expressions=[target.string(n) for n in nodes]),
                ),
                copy=False,
            )
        )
        return [(str(node), int(links)) for node, links in self._query(query)]  # type: ignore[call-overload]

    def links(self, ids: Sequence[Id]) -> list[Link]:
        """The rows of every link source tying two of the IDs, visible at the as-of."""
        self.engine.use_timezone(self.project.timezone)
        found: list[Link] = []
        for link in self.identity.links:
            query = self.sql.why_linked(link, ids)
            if query is None:
                continue
            for left, right, seen, rows in self._query(query):
                when = self.engine.decode(seen, Type.TIMESTAMP) if seen is not None else None
                found.append(
                    Link(
                        link.source,
                        (link.left_kind, str(left)),
                        (link.right_kind, str(right)),
                        when,
                        int(rows),  # type: ignore[call-overload]
                    )
                )
        return found


def _identity_of(project: ir.Project) -> ir.Identity:
    if project.identity is None:
        raise DiagnosticError(
            [
                Diagnostic(
                    "E0315",
                    f"project '{project.name}' declares no identity: its users are the IDs "
                    "of its universe, not persons",
                    None,
                    ("declare one in the rules: identity person { kinds ...; link ... }",),
                )
            ]
        )
    return project.identity


def _shown(node: Id) -> str:
    return f"{node[0]} {node[1]}"


def person_report(
    loaded: LoadedProject, engine: Engine, wanted: str, as_of: dt.datetime | None
) -> str:
    """Every person an ID belongs to (one, unless a bare text is an ID of several kinds),
    their IDs and the links that tie them; a shared ID says it was left out."""
    lookup = PersonLookup(loaded, engine, as_of)
    found: list[tuple[str, Id]] = []
    shared: list[tuple[str, int]] = []
    for kind, text in readings(wanted, lookup.identity.kinds):
        found += [match for match in lookup.persons_of(kind, text) if match not in found]
        shared += [node for node in lookup.shared(kind, text) if node not in shared]
    if not found:
        raise DiagnosticError([_not_found(lookup, wanted, shared)])
    sections = [_person_section(lookup, person, node) for person, node in found]
    for node, links in shared:  # a bare text that is also a shared ID of another kind
        sections.append(_shared_text(node, links))
    return "\n\n".join(sections) + "\n"


def _person_section(lookup: PersonLookup, person: str, node: Id) -> str:
    ids = lookup.ids_of(person)
    links = lookup.links(ids)
    lines = [
        f"person {person} (the person of {_shown(node)}) as of {wall_text(lookup.as_of)}: "
        f"{len(ids):,} ID{'s' if len(ids) != 1 else ''}",
        "",
        format_table(["kind", "id"], ids),
        "",
    ]
    if len(ids) == 1:
        lines.append("linked to no other ID")
        return "\n".join(lines)
    rows = [
        (
            link.source,
            f"{_shown(link.left)} - {_shown(link.right)}",
            wall_text(link.seen) if link.seen is not None else "-",
            link.rows,
        )
        for link in links
    ]
    lines += ["linked by", format_table(["source", "ids", "first seen", "rows"], rows)]
    return "\n".join(lines)


def _shared_text(node: str, links: int) -> str:
    return (
        f"{node} is a shared ID: linked to {links:,} IDs, more than `shared above` allows, so "
        "it was left out of the graph and links nobody"
    )


def _not_found(lookup: PersonLookup, wanted: str, shared: list[tuple[str, int]]) -> Diagnostic:
    when = wall_text(lookup.as_of)
    if shared:
        node, links = shared[0]
        return Diagnostic(
            "E0614",
            f"{_shared_text(node, links)} (as of {when})",
            None,
            ("raise `shared above` to keep it in the graph",),
        )
    kinds = ", ".join(lookup.identity.kinds)
    return Diagnostic(
        "E0614",
        f"no ID '{wanted}' among the persons of the run as of {when}",
        None,
        (f"IDs are matched as text; name the kind as kind:id (kinds: {kinds})",),
    )

"""The reference of identity resolution (SPEC §3.1): a union-find over the ID links visible
at the as-of, in plain Python, the oracle for every engine's SQL.

- An ID is typed: (kind, text), `"123"` as a phone and `"123"` as a member are two IDs.
  Its text is the warehouse value as text (a whole number as its digits).
- A link is a row of a link source with both IDs present, visible at the as-of (an event
  before it; a profile row that holds at it).
- An ID linked to more other IDs than `shared above` allows is left out of the graph (a
  shared device, a test account) and reported with its number of links.
- A person is a connected component of the remaining links; an ID of a visible row of
  the universe or of a link source that has no link is a person of its own. Its key is
  the ID of the most preferred kind (the identity's first kind first), ties by code
  point: the bare text for the first kind, `kind:text` for the others (and for a
  first-kind text that starts like one: `device:d1` as a member is `member:device:d1`).
- A person of more IDs than `at most N ids per person` allows is an error (TooLarge),
  never a silent merge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from segl.compiler import ir
from segl.compiler.values import instant, key_text

Row = Mapping[str, object]
Tables = Mapping[str, Sequence[Row]]
Node = tuple[str, str]  # (kind, text)


def id_text(value: object) -> str | None:
    """An ID value as the text it is compared as (None: no ID): compiler/values.py
    key_text (a fraction, NaN, an infinity and a number outside the 64-bit integer range
    are no ID)."""
    return key_text(value)


def person_key(kinds: Sequence[str], node: Node) -> str:
    """The ID written as a person key: the bare text for the first kind, `kind:text` for
    the others and for a first-kind text that starts like a key of some kind, so that no
    two IDs share a key."""
    kind, text = node
    prefixed = any(text.startswith(f"{k}:") for k in kinds)
    return text if kind == kinds[0] and not prefixed else f"{kind}:{text}"


class TooLarge(ValueError):
    """A person has more IDs than the identity allows."""


@dataclass
class Persons:
    of: dict[Node, str] = field(default_factory=dict)  # ID -> its person's key
    shared: dict[Node, int] = field(default_factory=dict)  # left out: number of links

    def ids_of(self, person: str) -> list[Node]:
        return sorted(node for node, key in self.of.items() if key == person)


def visible(source: ir.Source, row: Row, as_of: dt.datetime) -> bool:
    """An event before the as-of; a profile row that holds at it."""
    from segl.runtime.reference.definitions import holds_at

    if source.kind == "event":
        assert source.time_column is not None
        time = row.get(source.time_column)
        return time is not None and instant(time) < as_of
    return holds_at(source, row, as_of)


def links_at(project: ir.Project, tables: Tables, as_of: dt.datetime) -> set[tuple[Node, Node]]:
    assert project.identity is not None
    found: set[tuple[Node, Node]] = set()
    for link in project.identity.links:
        source = project.source(link.source)
        for row in tables.get(source.name, ()):
            left, right = id_text(row.get(link.left)), id_text(row.get(link.right))
            if left is None or right is None or not visible(source, row, as_of):
                continue
            a, b = (link.left_kind, left), (link.right_kind, right)
            if a != b:
                found.add((min(a, b), max(a, b)))
    return found


def known_ids(project: ir.Project, tables: Tables, as_of: dt.datetime) -> set[Node]:
    """The IDs of the universe's visible rows and of the link sources' visible rows (an ID
    whose partner is null is still an ID: a person of its own)."""
    assert project.identity is not None
    universe = project.source(project.universe)
    assert universe.id_kind is not None
    columns = [(universe, universe.user_column, universe.id_kind)]
    for link in project.identity.links:
        source = project.source(link.source)
        columns += [(source, link.left, link.left_kind), (source, link.right, link.right_kind)]
    ids: set[Node] = set()
    for source, column, kind in columns:
        for row in tables.get(source.name, ()):
            text = id_text(row.get(column))
            if text is not None and visible(source, row, as_of):
                ids.add((kind, text))
    return ids


def resolve(project: ir.Project, tables: Tables, as_of: dt.datetime) -> Persons:
    identity = project.identity
    assert identity is not None
    links = links_at(project, tables, as_of)
    neighbours: dict[Node, set[Node]] = {}
    for a, b in links:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    limit = identity.shared_above
    shared = {n: len(m) for n, m in neighbours.items() if limit is not None and len(m) > limit}
    parent: dict[Node, Node] = {}

    def root(node: Node) -> Node:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for node in known_ids(project, tables, as_of):
        root(node)
    for a, b in links:
        if a not in shared and b not in shared:
            parent[root(a)] = root(b)
    components: dict[Node, list[Node]] = {}
    for node in parent:
        components.setdefault(root(node), []).append(node)
    persons = Persons(shared=shared)
    preference = {kind: index for index, kind in enumerate(identity.kinds)}
    largest = max((len(members) for members in components.values()), default=0)
    if largest > identity.largest:
        raise TooLarge(f"a person of {largest} IDs (at most {identity.largest})")
    for members in components.values():
        best = min(members, key=lambda n: (preference[n[0]], n[1]))
        key = person_key(identity.kinds, best)
        for node in members:
            persons.of[node] = key
    return persons


def stale_keys(kinds: Sequence[str], persons: Persons) -> dict[str, str]:
    """Each ID written as a person key (person_key) that is no person's key, with the
    person the ID belongs to: where journey state kept under a key made by an earlier run
    belongs now (person_key is one-to-one: a key is one ID's)."""
    keys = set(persons.of.values())
    found: dict[str, str] = {}
    for node, person in persons.of.items():
        form = person_key(kinds, node)
        if form not in keys:
            found[form] = person
    return found

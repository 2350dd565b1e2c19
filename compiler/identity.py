"""Identity resolution in SQL (SPEC §3.1), on every target: persons as the connected
components of the ID links visible at the as-of, computed by alternating large-star and
small-star steps (Kiveris et al., "Connected Components in MapReduce and Beyond", 2014)
over a table of edges. Each pair of steps is a few GROUP BYs and joins; the number of
pairs grows with the logarithm of the graph's diameter (a chain of 100,000 links: 17
changing pairs with IDs sorted along it, 14 in random order),
not with the diameter as one round per hop would.

An ID is the text `kind:value` (kinds are identifiers, so the first ':' ends the kind);
the reference is runtime/reference/identity.py. The statements create temporary tables
(Store.identity_work); `map` (kind, id, person) is what the run's query joins to key every
source's rows by person. `segl run` repeats the pair of steps until the edges stop
changing (runtime/identity.py); a compiled script, which has no loop, repeats it
SCRIPT_PAIRS times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.sqlgen.nodes import (
    add_join,
    aliased,
    and_all,
    col,
    cte_ref,
    subquery,
    table_ref,
    union_all,
)
from segl.compiler.sqlgen.query import event_time, id_text, profile_visibility
from segl.compiler.store import IDENTITY_WORK, Store
from segl.compiler.targets import Target
from segl.compiler.types import Type

SEPARATOR = ":"
# a script has no loop: it repeats the pair of steps this often. Chains, the worst case,
# settle in 10 pairs at 10^3 links and 20 at 10^6 (sorted labels; about 3 more per tenfold,
# BENCHMARKS.md), far longer than `at most N ids per person` lets a run keep; a settled
# graph does not change any more
SCRIPT_PAIRS = 24


def _node(kind: str, text: exp.Expression) -> exp.Expression:
    return exp.DPipe(this=exp.Literal.string(kind + SEPARATOR), expression=text, safe=True)


def _less(target: Target, a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.LT(this=target.ordered_text(a), expression=target.ordered_text(b))


def _min(target: Target, value: exp.Expression) -> exp.Expression:
    return exp.Min(this=target.ordered_text(value))


def _distinct(query: exp.Select) -> exp.Select:
    query.set("distinct", exp.Distinct())
    return query


def _union(selects: Sequence[exp.Select], distinct: bool = False) -> exp.Query:
    """UNION ALL of the selects, or UNION (their distinct rows)."""
    if len(selects) == 1 and distinct:
        return _distinct(selects[0])
    return union_all(selects, distinct=distinct)


@dataclass(frozen=True)
class IdentitySql:
    """The statements of one identity resolution at an as-of."""

    store: Store
    target: Target
    as_of: dt.datetime

    @property
    def project(self) -> ir.Project:
        return self.store.project

    @property
    def identity(self) -> ir.Identity:
        assert self.project.identity is not None
        return self.project.identity

    def table(self, what: str) -> str:
        return self.store.identity_work(what)

    def edges(self, step: int) -> str:
        return self.table(f"e{step}")

    @property
    def map(self) -> str:
        return self.table("map")

    @property
    def shared(self) -> str:
        return self.table("shared")

    def _create(self, what: str, query: exp.Query) -> list[exp.Expression]:
        return self.target.create_work_table(what, query)

    def drop(self, name: str) -> exp.Expression:
        return exp.Drop(tables=[table_ref(name)], kind="TABLE", exists=True)

    def release(self, name: str) -> list[exp.Expression]:
        """Drop a work table no longer needed."""
        return [self.drop(name)]

    # ------------------------------------------------------------ IDs and links
    def visible(self, source: ir.Source, alias: str) -> exp.Expression | None:
        if source.kind == "profile":
            return profile_visibility(self.target, source, alias, self.as_of)
        assert source.time_column is not None
        kind = source.column_type(source.time_column) or Type.TIMESTAMP
        time = self.target.read_column(col(source.time_column, alias), kind)
        if kind is Type.DATE:
            time = self.target.to_timestamp(time)
        return exp.LT(this=time, expression=self.target.timestamp(self.as_of))

    def _ids_of(
        self, source: ir.Source, column: str, kind: str, rows: exp.Expression | None = None
    ) -> exp.Select:
        """(kind, id, preference) of a column's IDs in the visible rows of a source (`rows`:
        the condition they are taken from; by default, visible at the as-of)."""
        value = col(column, "s")
        text = id_text(self.target, value, self.project.id_type(source, column, kind))
        # the text, not the value: a fraction in a numeric column is no ID
        present = exp.Not(this=exp.Paren(this=exp.Is(this=text.copy(), expression=exp.null())))
        visible = self.visible(source, "s") if rows is None else rows
        where = and_all([present, *([visible] if visible is not None else [])])
        return (
            exp.Select(
                expressions=[
                    aliased(exp.Literal.string(kind), "kind"),
                    aliased(text, "id"),
                    aliased(exp.Literal.number(self.identity.kinds.index(kind)), "pref"),
                ]
            )
            .from_(table_ref(source.table, "s"), copy=False)
            .where(where, copy=False)
        )

    def relinked_persons(self, since: dt.datetime) -> exp.Select | None:
        """The persons (of `map`) of both IDs of every link row visible at the as-of that was
        not at `since`: every person that can have gained IDs since then (by a merge, or a
        device first signed in), and with them events from before `since` (a journey's
        exits look back for them, runtime/journeys.py). A person that only lost IDs (a
        split) is not among them: it gained no events. None: no link row can be new (the
        links are profiles whose rows always hold)."""
        earlier = IdentitySql(self.store, self.target, since)
        sides: list[exp.Select] = []
        for link in self.identity.links:
            source = self.project.source(link.source)
            now, before = self.visible(source, "s"), earlier.visible(source, "s")
            if now is None or before is None:
                continue  # a profile whose rows always hold: no link is new
            new = and_all([now, exp.Not(this=exp.Paren(this=before))])
            for column, kind in ((link.left, link.left_kind), (link.right, link.right_kind)):
                sides.append(self._ids_of(source, column, kind, new))
        if not sides:
            return None
        on = exp.and_(
            exp.EQ(this=col("kind", "m"), expression=col("kind", "i")),
            exp.EQ(this=col("id", "m"), expression=col("id", "i")),
        )
        return _distinct(
            exp.Select(expressions=[col("person", "m")])
            .from_(table_ref(self.map, "m"), copy=False)
            .join(subquery(_union(sides, distinct=True), "i"), on=on, join_type="INNER", copy=False)
        )

    def _link_rows(self, link: ir.IdentityLink) -> exp.Select:
        """Both IDs of each visible row of a link source, as nodes, the larger first."""
        source = self.project.source(link.source)
        target = self.target
        left_type = self.project.id_type(source, link.left, link.left_kind)
        right_type = self.project.id_type(source, link.right, link.right_kind)
        left = id_text(target, col(link.left, "s"), left_type)
        right = id_text(target, col(link.right, "s"), right_type)
        x, y = _node(link.left_kind, left), _node(link.right_kind, right)
        present = [
            exp.Not(this=exp.Paren(this=exp.Is(this=side, expression=exp.null())))
            for side in (left.copy(), right.copy())
        ]
        visible = self.visible(source, "s")
        pairs = (
            exp.Select(expressions=[aliased(x, "x"), aliased(y, "y")])
            .from_(table_ref(source.table, "s"), copy=False)
            .where(and_all([*present, *([visible] if visible is not None else [])]), copy=False)
        )
        larger = _less(target, col("y"), col("x"))
        a = exp.Case(ifs=[exp.If(this=larger, true=col("x"))], default=col("y"))
        b = exp.Case(ifs=[exp.If(this=larger.copy(), true=col("y"))], default=col("x"))
        different = exp.NEQ(this=col("x"), expression=col("y"))
        return (
            exp.Select(expressions=[aliased(a, "a"), aliased(b, "b")])
            .from_(subquery(pairs, "p"), copy=False)
            .where(different, copy=False)
        )

    def _link_ends(self) -> exp.Query:
        """Both ends of every link (`n`): an ID once per link, so counting gives links."""
        links = self.table("links")
        return _union(
            [
                exp.Select(expressions=[aliased(col(side), "n")]).from_(cte_ref(links))
                for side in ("a", "b")
            ]
        )

    def setup(self) -> list[exp.Expression]:
        """The links, every ID (the universe's and the links'), the shared IDs left out,
        and the first edges."""
        identity = self.identity
        links = _distinct(
            exp.Select(expressions=[col("a"), col("b")]).from_(
                subquery(_union([self._link_rows(link) for link in identity.links]), "l"),
                copy=False,
            )
        )
        universe = self.project.source(self.project.universe)
        assert universe.id_kind is not None
        sides = [self._ids_of(universe, universe.user_column, universe.id_kind)]
        for link in identity.links:
            source = self.project.source(link.source)
            sides += [
                self._ids_of(source, link.left, link.left_kind),
                self._ids_of(source, link.right, link.right_kind),
            ]
        # duplicates out before the node text is built: most IDs appear in many rows
        ids = exp.Select(
            expressions=[
                aliased(_node_of(col("kind"), col("id")), "n"),
                col("kind"),
                col("id"),
                col("pref"),
            ]
        ).from_(subquery(_union(sides, distinct=True), "i"), copy=False)
        count = exp.Count(this=exp.Star())
        shared = (
            exp.Select(expressions=[col("n"), aliased(count, "links")])
            .from_(subquery(self._link_ends(), "d"), copy=False)
            .group_by(col("n"), copy=False)
        )
        limit = identity.shared_above
        shared = shared.having(
            exp.GT(this=count.copy(), expression=exp.Literal.number(limit))
            if limit is not None
            else exp.false(),
            copy=False,
        )
        left_out = exp.Select(expressions=[col("n")]).from_(cte_ref(self.shared))
        kept = (
            exp.Select(expressions=[col("a"), col("b")])
            .from_(cte_ref(self.table("links")), copy=False)
            .where(
                exp.and_(
                    exp.Not(this=exp.In(this=col("a"), query=exp.Subquery(this=left_out))),
                    exp.Not(this=exp.In(this=col("b"), query=exp.Subquery(this=left_out.copy()))),
                ),
                copy=False,
            )
        )
        return [
            *self._create(self.table("links"), links),
            *self._create(self.table("ids"), ids),
            *self._create(self.shared, shared),
            *self._create(self.edges(0), kept),
        ]

    # ------------------------------------------------------------ the steps
    def large_star(self, step: int) -> list[exp.Expression]:
        """For each node u, m(u) = the smallest of u and its neighbours; every neighbour v
        larger than u is linked to m(u) instead."""
        target, edges = self.target, self.edges(step)
        both = _union(
            [
                exp.Select(expressions=[aliased(col("a"), "u"), aliased(col("b"), "v")]).from_(
                    cte_ref(edges)
                ),
                exp.Select(expressions=[aliased(col("b"), "u"), aliased(col("a"), "v")]).from_(
                    cte_ref(edges)
                ),
            ]
        )
        smallest = (
            exp.Select(expressions=[col("u"), aliased(_min(target, col("v")), "mv")])
            .from_(subquery(both, "nb"), copy=False)
            .group_by(col("u"), copy=False)
        )
        closer = _less(target, col("u", "m"), col("mv", "m"))
        m = exp.Case(ifs=[exp.If(this=closer, true=col("u", "m"))], default=col("mv", "m"))
        moved = _distinct(
            exp.Select(expressions=[aliased(col("v", "n"), "a"), aliased(m, "b")])
            .from_(subquery(both.copy(), "n"), copy=False)
            .join(
                subquery(smallest, "m"),
                on=exp.EQ(this=col("u", "m"), expression=col("u", "n")),
                join_type="INNER",
                copy=False,
            )
            .where(_less(target, col("u", "n"), col("v", "n")), copy=False)
        )
        return self._create(self.edges(step + 1), moved)

    def small_star(self, step: int) -> list[exp.Expression]:
        """For each node u, m(u) = the smallest of u and its smaller neighbours; u and each
        smaller neighbour other than m(u) are linked to m(u)."""
        target, edges = self.target, self.edges(step)
        smallest = (
            exp.Select(expressions=[aliased(col("a"), "u"), aliased(_min(target, col("b")), "mv")])
            .from_(cte_ref(edges), copy=False)
            .group_by(col("a"), copy=False)
        )
        neighbours = (
            exp.Select(expressions=[aliased(col("b", "e"), "a"), aliased(col("mv", "m"), "b")])
            .from_(table_ref(edges, "e"), copy=False)
            .join(
                subquery(smallest, "m"),
                on=exp.EQ(this=col("u", "m"), expression=col("a", "e")),
                join_type="INNER",
                copy=False,
            )
            .where(exp.NEQ(this=col("b", "e"), expression=col("mv", "m")), copy=False)
        )
        centres = exp.Select(expressions=[aliased(col("u"), "a"), aliased(col("mv"), "b")]).from_(
            subquery(smallest.copy(), "c"), copy=False
        )
        moved = _distinct(
            exp.Select(expressions=[col("a"), col("b")]).from_(
                subquery(_union([neighbours, centres]), "s"), copy=False
            )
        )
        return self._create(self.edges(step + 1), moved)

    def pair(self, step: int) -> list[exp.Expression]:
        """Large-star then small-star: edges(step) becomes edges(step + 2); edges(step)
        itself is kept for the convergence test (`unchanged`)."""
        middle = self.edges(step + 1)
        return [*self.large_star(step), *self.small_star(step + 1), *self.release(middle)]

    def unchanged(self, step: int) -> exp.Select:
        """One row: how many edges before a pair, after it, and in both (equal: done)."""
        before, after = self.edges(step), self.edges(step + 2)
        count = exp.Count(this=exp.Star())

        def counted(query: exp.Select, alias: str) -> exp.Expression:
            return aliased(exp.Subquery(this=query), alias)

        both = (
            exp.Select(expressions=[count.copy()])
            .from_(table_ref(after, "n"), copy=False)
            .join(
                table_ref(before, "o"),
                on=exp.and_(
                    exp.EQ(this=col("a", "n"), expression=col("a", "o")),
                    exp.EQ(this=col("b", "n"), expression=col("b", "o")),
                ),
                join_type="INNER",
                copy=False,
            )
        )
        return exp.Select(
            expressions=[
                counted(exp.Select(expressions=[count.copy()]).from_(cte_ref(before)), "before"),
                counted(exp.Select(expressions=[count.copy()]).from_(cte_ref(after)), "after"),
                counted(both, "kept"),
            ]
        )

    # ------------------------------------------------------------ persons
    def finish(self, step: int) -> list[exp.Expression]:
        """Each ID's component (its star's centre, or itself), each component's person key
        (its most preferred ID, ties by code point) and the map (kind, id, person)."""
        target, kinds = self.target, self.identity.kinds
        centre = (
            exp.Select(expressions=[col("a"), aliased(_min(target, col("b")), "c")])
            .from_(cte_ref(self.edges(step)), copy=False)
            .group_by(col("a"), copy=False)
        )
        labels = (
            exp.Select(
                expressions=[
                    *(aliased(col(name, "i"), name) for name in ("n", "kind", "id", "pref")),
                    aliased(exp.Coalesce(this=col("c", "l"), expressions=[col("n", "i")]), "c"),
                ]
            )
            .from_(table_ref(self.table("ids"), "i"), copy=False)
            .join(
                subquery(centre, "l"),
                on=exp.EQ(this=col("a", "l"), expression=col("n", "i")),
                join_type="LEFT",
                copy=False,
            )
        )
        best = (
            exp.Select(expressions=[col("c"), aliased(exp.Min(this=col("pref")), "pref")])
            .from_(cte_ref(self.table("labels")), copy=False)
            .group_by(col("c"), copy=False)
        )
        key_id = aliased(_min(target, col("id", "l")), "id")
        keys = (
            exp.Select(
                expressions=[
                    aliased(col("c", "l"), "c"),
                    aliased(col("kind", "l"), "kind"),
                    key_id,
                ]
            )
            .from_(table_ref(self.table("labels"), "l"), copy=False)
            .join(
                subquery(best, "b"),
                on=exp.and_(
                    exp.EQ(this=col("c", "b"), expression=col("c", "l")),
                    exp.EQ(this=col("pref", "b"), expression=col("pref", "l")),
                ),
                join_type="INNER",
                copy=False,
            )
            .group_by(col("c", "l"), col("kind", "l"), copy=False)
        )
        person = person_key_sql(target, kinds, col("kind", "k"), col("id", "k"))
        mapping = (
            exp.Select(
                expressions=[
                    aliased(col("kind", "l"), "kind"),
                    aliased(col("id", "l"), "id"),
                    aliased(person, "person"),
                ]
            )
            .from_(table_ref(self.table("labels"), "l"), copy=False)
            .join(
                subquery(keys, "k"),
                on=exp.EQ(this=col("c", "k"), expression=col("c", "l")),
                join_type="INNER",
                copy=False,
            )
        )
        return [
            *self._create(self.table("labels"), labels),
            *self._create(self.map, mapping),
            *self.release(self.edges(step)),
            *self.release(self.table("labels")),
        ]

    def cleanup(self, last_step: int = 0) -> list[exp.Expression]:
        """After the run (or a failed resolution): every table of the resolution, with the
        edges of any step up to `last_step` a failure may have left behind."""
        names = [*IDENTITY_WORK, *(f"e{step}" for step in range(last_step + 1))]
        return [self.drop(self.table(what)) for what in names]

    # ------------------------------------------------------------ what the run reports
    def _too_large(self) -> exp.Select:
        """The persons with more IDs than `at most N ids per person` allows: (person, ids)."""
        count = exp.Count(this=exp.Star())
        return (
            exp.Select(expressions=[col("person"), aliased(count, "ids")])
            .from_(cte_ref(self.map), copy=False)
            .group_by(col("person"), copy=False)
            .having(exp.GT(this=count.copy(), expression=exp.Literal.number(self.identity.largest)))
        )

    def largest_persons(self, shown: int = 5) -> exp.Select:
        """The persons too large (_too_large), largest first: (person, ids)."""
        return (
            self._too_large()
            .order_by(exp.Ordered(this=col("ids"), desc=True), col("person"), copy=False)
            .limit(exp.Literal.number(shown), copy=False)
        )

    def busiest_ids(self, shown: int = 5) -> exp.Select:
        """The IDs of the persons too large with the most links, most first: (kind:id,
        links); what `shared above` would leave out next. The shared IDs are no person's."""
        count = exp.Count(this=exp.Star())
        too_large = exp.Select(expressions=[col("person")]).from_(
            subquery(self._too_large(), "t"), copy=False
        )
        theirs = (
            exp.Select(expressions=[_node_of(col("kind"), col("id"))])
            .from_(cte_ref(self.map), copy=False)
            .where(exp.In(this=col("person"), query=exp.Subquery(this=too_large)), copy=False)
        )
        return (
            exp.Select(expressions=[col("n"), aliased(count, "links")])
            .from_(subquery(self._link_ends(), "d"), copy=False)
            .where(exp.In(this=col("n"), query=exp.Subquery(this=theirs)), copy=False)
            .group_by(col("n"), copy=False)
            .order_by(exp.Ordered(this=col("links"), desc=True), col("n"), copy=False)
            .limit(exp.Literal.number(shown), copy=False)
        )

    def counts(self) -> exp.Select:
        """One row: the links, the IDs, the persons and the shared IDs left out."""

        def counted(table: str, what: exp.Expression, alias: str) -> exp.Expression:
            query = exp.Select(expressions=[what]).from_(cte_ref(table), copy=False)
            return aliased(exp.Subquery(this=query), alias)

        rows = exp.Count(this=exp.Star())
        persons = exp.Count(this=exp.Distinct(expressions=[col("person")]))
        return exp.Select(
            expressions=[
                counted(self.table("links"), rows, "links"),
                counted(self.table("ids"), rows.copy(), "ids"),
                counted(self.map, persons, "persons"),
                counted(self.shared, rows.copy(), "shared"),
            ]
        )

    def why_linked(
        self, link: ir.IdentityLink, ids: Sequence[tuple[str, str]]
    ) -> exp.Select | None:
        """The visible rows of a link source tying two of `ids` ((kind, text) pairs, one
        person's): (left, right, seen, rows) per pair of IDs, `seen` the earliest event
        time (null for a profile), oldest first; None when `ids` has no ID of one of the
        link's kinds. For `segl show person`."""
        source = self.project.source(link.source)
        target = self.target
        sides = []
        for column, kind in ((link.left, link.left_kind), (link.right, link.right_kind)):
            text = id_text(target, col(column, "s"), self.project.id_type(source, column, kind))
            texts = [target.string(t) for k, t in ids if k == kind]
            sides.append((text, exp.In(this=text.copy(), expressions=texts) if texts else None))
        (left, left_in), (right, right_in) = sides
        if left_in is None or right_in is None:
            return None
        time: exp.Expression = exp.null()
        if source.time_column is not None:  # read as every query reads it (text on ClickHouse)
            time = exp.Min(this=event_time(target, source, "s"))
        visible = self.visible(source, "s")
        where = and_all([left_in, right_in, *([visible] if visible is not None else [])])
        return (
            exp.Select(
                expressions=[
                    aliased(left, "l"),
                    aliased(right, "r"),
                    aliased(time, "seen"),
                    aliased(exp.Count(this=exp.Star()), "n"),
                ]
            )
            .from_(table_ref(source.table, "s"), copy=False)
            .where(where, copy=False)
            .group_by(left.copy(), right.copy(), copy=False)
            .order_by(exp.Ordered(this=col("seen"), nulls_first=True), col("l"), col("r"))
        )

    def shared_rows(self) -> exp.Select:
        """The shared IDs left out: (kind:id, links)."""
        return exp.Select(expressions=[col("n"), col("links")]).from_(cte_ref(self.shared))

    def script(self) -> list[exp.Expression]:
        """The whole resolution without a loop (a script): SCRIPT_PAIRS pairs of steps;
        `at most N ids per person` is checked by `segl run` only (a script cannot fail on
        a condition portably)."""
        statements = self.setup()
        for pair in range(SCRIPT_PAIRS):
            step = 2 * pair
            statements += self.pair(step)
            statements += self.release(self.edges(step))
        return statements + self.finish(2 * SCRIPT_PAIRS)

    def script_cleanup(self) -> list[exp.Expression]:
        """The end of a script: the tables `script` left."""
        return self.cleanup()


def person_key_sql(
    target: Target, kinds: Sequence[str], kind: exp.Expression, text: exp.Expression
) -> exp.Expression:
    """An ID (`kind`, `text`) written as a person key: the bare text for the identity's
    first kind, `kind:text` for the others, and for a first-kind text that starts like a
    key of some kind (`device:d1` as a member number), so that no two IDs share a key."""
    prefixed = [target.starts_with(text.copy(), exp.Literal.string(k + SEPARATOR)) for k in kinds]
    first = exp.EQ(this=kind.copy(), expression=exp.Literal.string(kinds[0]))
    bare = exp.and_(first, exp.Not(this=exp.Paren(this=exp.or_(*prefixed))))
    return exp.Case(ifs=[exp.If(this=bare, true=text.copy())], default=_node_of(kind, text))


def key_owners(
    target: Target, kinds: Sequence[str], persons_table: str, as_of: dt.datetime | None
) -> exp.Select:
    """(user_id, person): every ID of a table of (kind, id, person) written as a person key,
    with the person it belongs to: the store's persons table at the run `as_of`, or a
    run's own identity map (`as_of` None). A key a result, assignment or journey state was
    stored under is one ID's, so this follows it to its person, also when a later link
    made it no person's key (migration, sticky assignments, tier moves)."""
    key = person_key_sql(target, kinds, col("kind"), col("id"))
    owners = exp.Select(expressions=[aliased(key, "user_id"), col("person")]).from_(
        table_ref(persons_table), copy=False
    )
    if as_of is None:
        return owners
    return owners.where(exp.EQ(this=col("as_of"), expression=target.timestamp(as_of)), copy=False)


OWNERS = "o"  # the alias follow_keys joins key_owners under


def follow_keys(query: exp.Select, keys: str, owners: exp.Select) -> exp.Expression:
    """Join `owners` (key_owners) to `query` on the `user_id` of its source `keys`, in
    place, and give the person each key belongs to (a key no owner knows: itself)."""
    on = exp.EQ(this=col("user_id", OWNERS), expression=col("user_id", keys))
    add_join(query, subquery(owners, OWNERS), "LEFT", on)
    return exp.Coalesce(this=col("person", OWNERS), expressions=[col("user_id", keys)])


def _node_of(kind: exp.Expression, text: exp.Expression) -> exp.Expression:
    with_separator = exp.DPipe(this=kind, expression=exp.Literal.string(SEPARATOR), safe=True)
    return exp.DPipe(this=with_separator, expression=text, safe=True)

"""Migration between two stored runs (SPEC §2.9, §3.7): how the users of a layering moved
from its layers at one as-of to its layers at another.

The matrix is one query over the stored results, the same on every engine: the universe
of each run (its rows in the tags table) and its layer assignments (the layers table),
each table read once for both runs, stacked with UNION ALL and folded per user, so a
user is in the universe of a run or not without an outer join (ClickHouse fills the
missing side of one with defaults). A user in the universe at `to` but not at `from`
moves from `(new)`; one at `from` but not at `to` moves to `(left)`; a user of the
universe in no layer is in `(none)`.

With an identity, a person's key can change between the runs (a later link merges it into
a person whose key is preferred): each user of `from` is followed to the person its key's
ID belongs to at `to` (the persons stored by that run), so a re-keyed person stays, and is
neither `(left)` nor `(new)`. Persons merged between the runs are each a user of their row,
and each arrives in the layer of the person they merged into: a column can then count more
users than its layer holds at `to` (docs/monitoring.md).

Two runs are compared only when the layering means the same at both: the run log keeps
each definition's fingerprint (compiler/fingerprints.py). A run stored before those
fingerprints existed is comparable only when the whole rules' fingerprint is the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.alerts.model import LEFT, NEW, NONE
from segl.compiler.fingerprints import parse_definitions
from segl.compiler.identity import follow_keys, key_owners
from segl.compiler.sqlgen import aliased, col, render, table_ref
from segl.compiler.sqlgen.nodes import add_join, subquery
from segl.compiler.store import Store
from segl.compiler.targets import Target
from segl.compiler.timeutil import wall_text
from segl.compiler.types import Type
from segl.dsl.diagnostics import Diagnostic, DiagnosticError
from segl.runtime.engines import Engine

FROM_SIDE = 1
TO_SIDE = 2
LAYER_SIDE = 3  # the origin row's users in a layer at `to` (origin_row_query)


@dataclass(frozen=True)
class Cell:
    origin: str
    destination: str
    users: int
    share: float | None  # of the origin's users (its row); None when the row is empty


@dataclass
class Matrix:
    """Users per (layer at `from_as_of`, layer at `to_as_of`)."""

    layering: str
    from_as_of: dt.datetime
    to_as_of: dt.datetime
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    layers: tuple[str, ...] = ()  # the layering's layers in their declared order

    def row_total(self, origin: str) -> int:
        return sum(n for (a, _), n in self.counts.items() if a == origin)

    def column_total(self, destination: str) -> int:
        return sum(n for (_, b), n in self.counts.items() if b == destination)

    def share(self, origin: str, destination: str) -> float | None:
        total = self.row_total(origin)
        return self.counts.get((origin, destination), 0) / total if total else None

    def origins(self) -> list[str]:
        """The rows: every layer, then (none) and (new) when they hold users."""
        return _ordered(self.layers, {a for a, _ in self.counts}, (NONE, NEW))

    def destinations(self) -> list[str]:
        """The columns: every layer, then (none) and (left) when they hold users."""
        return _ordered(self.layers, {b for _, b in self.counts}, (NONE, LEFT))

    def cells(self) -> list[Cell]:
        """Every cell holding users, row by row."""
        return [
            Cell(a, b, self.counts[(a, b)], self.share(a, b))
            for a in self.origins()
            for b in self.destinations()
            if self.counts.get((a, b))
        ]

    @property
    def users(self) -> int:
        return sum(self.counts.values())


def _ordered(layers: Sequence[str], present: set[str], extra: Sequence[str]) -> list[str]:
    """Declared layers first; stored ones no longer declared (a run of older rules with the
    same fingerprint cannot have them, but a foreign table could) by name; then `extra`."""
    unknown = sorted(present - set(layers) - set(extra))
    return [*layers, *unknown, *(e for e in extra if e in present)]


# ---------------------------------------------------------------- the query


def _runs_rows(
    store: Store, target: Target, layering: str, as_ofs: Sequence[dt.datetime]
) -> list[exp.Select]:
    """Both runs' universes (one row per user and run, no layer) and their layer rows, each
    with its as-of: one scan of each table for both runs."""
    at = exp.In(this=col("as_of"), expressions=[target.timestamp(t) for t in sorted(set(as_ofs))])
    no_layer = exp.Cast(this=exp.null(), to=target.store_type(Type.STRING))
    universe = (
        exp.Select(expressions=[col("user_id"), col("as_of"), aliased(no_layer, "layer")])
        .from_(table_ref(store.tags.name), copy=False)
        .where(at.copy(), copy=False)
    )
    this_layering = exp.EQ(this=col("layering"), expression=target.string(layering))
    layers = (
        exp.Select(expressions=[col("user_id"), col("as_of"), col("layer")])
        .from_(table_ref(store.layers.name), copy=False)
        .where(exp.And(this=at, expression=this_layering), copy=False)
    )
    return [universe, layers]


def _at_run(
    target: Target, as_of: dt.datetime, then: exp.Expression, otherwise: exp.Expression | None
) -> exp.Case:
    is_run = exp.EQ(this=col("as_of"), expression=target.timestamp(as_of))
    return exp.Case(ifs=[exp.If(this=is_run, true=then)], default=otherwise)


def _label(present: str, layer: str, absent: str, target: Target) -> exp.Case:
    """`absent` for a user not in that run's universe, else the layer or (none)."""
    missing = exp.EQ(this=col(present), expression=exp.Literal.number(0))
    no_layer = exp.Is(this=col(layer), expression=exp.null())
    return exp.Case(
        ifs=[
            exp.If(this=missing, true=target.string(absent)),
            exp.If(this=no_layer, true=target.string(NONE)),
        ],
        default=col(layer),
    )


def matrix_query(
    store: Store, target: Target, layering: str, from_as_of: dt.datetime, to_as_of: dt.datetime
) -> exp.Select:
    """(origin, destination, users) of a layering between two stored runs."""
    if store.project.identity is not None:
        return followed_query(store, target, layering, from_as_of, to_as_of)
    universe, layers = _runs_rows(store, target, layering, (from_as_of, to_as_of))
    union = exp.Union(this=universe, expression=layers, distinct=False)
    one, zero = exp.Literal.number(1), exp.Literal.number(0)
    runs = (("from", from_as_of), ("to", to_as_of))
    per_user = (
        exp.Select(
            expressions=[
                col("user_id"),
                *(
                    aliased(exp.Max(this=_at_run(target, at, one.copy(), zero.copy())), f"in_{s}")
                    for s, at in runs
                ),
                *(
                    aliased(exp.Max(this=_at_run(target, at, col("layer"), None)), f"{s}_layer")
                    for s, at in runs
                ),
            ]
        )
        .from_(exp.Subquery(this=union, alias=exp.TableAlias(this=exp.to_identifier("r"))))
        .group_by(col("user_id"), copy=False)
    )
    labelled = exp.Select(
        expressions=[
            aliased(_label("in_from", "from_layer", NEW, target), "origin"),
            aliased(_label("in_to", "to_layer", LEFT, target), "destination"),
        ]
    ).from_(exp.Subquery(this=per_user, alias=exp.TableAlias(this=exp.to_identifier("u"))))
    return (
        exp.Select(expressions=[col("origin"), col("destination"), exp.Count(this=exp.Star())])
        .from_(exp.Subquery(this=labelled, alias=exp.TableAlias(this=exp.to_identifier("m"))))
        .group_by(col("origin"), col("destination"), copy=False)
    )


def _universe_with_layers(
    store: Store, target: Target, layering: str, as_of: dt.datetime
) -> exp.Select:
    """(user_id, in_layer) of each user in the run's universe, the layer null for none
    (not named `layer`: ClickHouse would read a `MAX(layer)` beside it as its alias)."""
    universe, layers = _runs_rows(store, target, layering, (as_of,))
    union = exp.Union(this=universe, expression=layers, distinct=False)
    return (
        exp.Select(expressions=[col("user_id"), aliased(exp.Max(this=col("layer")), "in_layer")])
        .from_(subquery(union, "r"), copy=False)
        .group_by(col("user_id"), copy=False)
    )


def followed_query(
    store: Store,
    target: Target,
    layering: str,
    from_as_of: dt.datetime,
    to_as_of: dt.datetime,
    origin: str | None = None,
) -> exp.Select:
    """(origin, destination, users) with an identity: each user of `from` (of the layer
    `origin` only, when given) followed to its person at `to`; the users of `to` no user
    of `from` was followed to are (new) (left out for one origin's row)."""
    before = _universe_with_layers(store, target, layering, from_as_of)
    if origin is not None:
        before = before.having(
            exp.EQ(this=exp.Max(this=col("layer")), expression=target.string(origin)), copy=False
        )
    identity = store.project.identity
    assert identity is not None
    owners = key_owners(target, identity.kinds, store.persons.name, to_as_of)
    followed = exp.Select().from_(subquery(before, "b"), copy=False)
    person = follow_keys(followed, "b", owners)
    followed = followed.select(
        aliased(col("in_layer", "b"), "from_layer"), aliased(person, "person"), copy=False
    )

    from_label = exp.Coalesce(this=col("from_layer", "f"), expressions=[target.string(NONE)])
    moved = exp.Select(
        expressions=[aliased(from_label, "origin"), aliased(_destination(target), "destination")]
    ).from_(subquery(followed, "f"), copy=False)
    after = subquery(_universe_with_layers(store, target, layering, to_as_of), "t")
    on_person = exp.EQ(this=col("user_id", "t"), expression=col("person", "f"))
    rows: exp.Query = add_join(moved, after, "LEFT", on_person)
    if origin is None:
        reached = exp.Select(expressions=[col("person")]).from_(
            subquery(followed.copy(), "g"), copy=False
        )
        arrived = (
            exp.Select(
                expressions=[
                    aliased(target.string(NEW), "origin"),
                    aliased(_destination(target), "destination"),
                ]
            )
            .from_(after.copy(), copy=False)
            .where(
                exp.Not(this=exp.In(this=col("user_id", "t"), query=exp.Subquery(this=reached))),
                copy=False,
            )
        )
        rows = exp.Union(this=rows, expression=arrived, distinct=False)
    return (
        exp.Select(expressions=[col("origin"), col("destination"), exp.Count(this=exp.Star())])
        .from_(subquery(rows, "m"), copy=False)
        .group_by(col("origin"), col("destination"), copy=False)
    )


def _destination(target: Target) -> exp.Case:
    """The label at `to` of the user `t` (outer-joined): (left) when missing, else its
    layer or (none)."""
    gone = exp.Is(this=col("user_id", "t"), expression=exp.null())
    no_layer = exp.Is(this=col("in_layer", "t"), expression=exp.null())
    return exp.Case(
        ifs=[
            exp.If(this=gone, true=target.string(LEFT)),
            exp.If(this=no_layer, true=target.string(NONE)),
        ],
        default=col("in_layer", "t"),
    )


def origin_row_query(
    store: Store,
    target: Target,
    layering: str,
    origin: str,
    from_as_of: dt.datetime,
    to_as_of: dt.datetime,
) -> exp.Select:
    """(side, layer, users) of the users in the layer `origin` at `from_as_of`: side 1 all
    of them, side 2 those in the universe at `to_as_of`, side 3 those in a layer then (per
    layer). One row of the matrix costs reads of those users only, not of both runs'
    universes: what an alert's `moved` needs at every run."""
    from_at = exp.EQ(this=col("as_of"), expression=target.timestamp(from_as_of))
    to_at = exp.EQ(this=col("as_of"), expression=target.timestamp(to_as_of))
    this_layering = exp.EQ(this=col("layering"), expression=target.string(layering))
    in_origin = exp.EQ(this=col("layer"), expression=target.string(origin))

    def origin_users(*columns: exp.Expression) -> exp.Select:
        return (
            exp.Select(expressions=list(columns))
            .from_(table_ref(store.layers.name), copy=False)
            .where(exp.and_(from_at.copy(), this_layering.copy(), in_origin.copy()), copy=False)
        )

    def among_origin(condition: exp.Expression) -> exp.Expression:
        users = exp.In(this=col("user_id"), query=exp.Subquery(this=origin_users(col("user_id"))))
        return exp.And(this=condition, expression=users)

    no_layer = exp.Cast(this=exp.null(), to=target.store_type(Type.STRING))
    sides = [
        origin_users(
            aliased(exp.Literal.number(FROM_SIDE), "side"), aliased(col("layer"), "layer")
        ),
        exp.Select(
            expressions=[aliased(exp.Literal.number(TO_SIDE), "side"), aliased(no_layer, "layer")]
        )
        .from_(table_ref(store.tags.name), copy=False)
        .where(among_origin(to_at.copy()), copy=False),
        exp.Select(
            expressions=[
                aliased(exp.Literal.number(LAYER_SIDE), "side"),
                aliased(col("layer"), "layer"),
            ]
        )
        .from_(table_ref(store.layers.name), copy=False)
        .where(
            among_origin(exp.And(this=to_at.copy(), expression=this_layering.copy())), copy=False
        ),
    ]
    union: exp.Query = sides[0]
    for select in sides[1:]:
        union = exp.Union(this=union, expression=select, distinct=False)
    return (
        exp.Select(expressions=[col("side"), col("layer"), exp.Count(this=exp.Star())])
        .from_(exp.Subquery(this=union, alias=exp.TableAlias(this=exp.to_identifier("r"))))
        .group_by(col("side"), col("layer"), copy=False)
    )


def read_origin_row(
    engine: Engine,
    store: Store,
    layering: ir.Layering,
    origin: str,
    from_as_of: dt.datetime,
    to_as_of: dt.datetime,
) -> Matrix:
    """The matrix's row of `origin` (a declared layer, not (new) or (none)) as stored: the
    cells of the full matrix that start in it, with the same counts."""
    if store.project.identity is not None:
        query = followed_query(
            store, engine.target, layering.name, from_as_of, to_as_of, origin=origin
        )
        return _read(engine, query, layering, from_as_of, to_as_of)
    query = origin_row_query(store, engine.target, layering.name, origin, from_as_of, to_as_of)
    in_origin = in_universe = 0
    destinations: dict[str, int] = {}
    for side, layer, users in engine.query(render(query, engine.target, pretty=False)):
        if int(side) == FROM_SIDE:
            in_origin += int(users)
        elif int(side) == TO_SIDE:
            in_universe += int(users)
        else:
            destinations[str(layer)] = int(users)
    destinations[NONE] = in_universe - sum(destinations.values())
    destinations[LEFT] = in_origin - in_universe
    matrix = Matrix(layering.name, from_as_of, to_as_of, layers=_layer_names(layering))
    matrix.counts = {(origin, b): n for b, n in destinations.items() if n}
    return matrix


def read_matrix(
    engine: Engine,
    store: Store,
    layering: ir.Layering,
    from_as_of: dt.datetime,
    to_as_of: dt.datetime,
) -> Matrix:
    """The matrix as stored, without checking that the runs are comparable (see
    `migration`)."""
    query = matrix_query(store, engine.target, layering.name, from_as_of, to_as_of)
    return _read(engine, query, layering, from_as_of, to_as_of)


def _read(
    engine: Engine,
    query: exp.Select,
    layering: ir.Layering,
    from_as_of: dt.datetime,
    to_as_of: dt.datetime,
) -> Matrix:
    """The matrix of a query of (origin, destination, users)."""
    matrix = Matrix(layering.name, from_as_of, to_as_of, layers=_layer_names(layering))
    for origin, destination, users in engine.query(render(query, engine.target, pretty=False)):
        matrix.counts[(str(origin), str(destination))] = int(users)
    return matrix


def _layer_names(layering: ir.Layering) -> tuple[str, ...]:
    return tuple(layer.name for layer in layering.layers)


# ---------------------------------------------------------------- comparable runs


@dataclass(frozen=True)
class RunFingerprints:
    rules: str | None  # the whole rules' fingerprint
    definitions: dict[str, str] | None  # None: stored before the column existed
    timezone: str | None = None  # the project's zone at the run (None: not known)


def stored_fingerprints(engine: Engine, store: Store) -> dict[dt.datetime, RunFingerprints]:
    """The fingerprints every stored run of the project recorded (one query; a run log
    without the `definitions` column: none per definition)."""
    live = engine.columns_of(store.runs.name)
    if live is None:
        return {}
    names = {name.lower() for name in live}
    zone = col("timezone") if "timezone" in names else exp.null()
    wanted: list[exp.Expression] = [col("as_of"), col("rules_fingerprint"), zone]
    if "definitions" in names:
        wanted.append(col("definitions"))
    project = exp.EQ(this=col("project"), expression=engine.target.string(store.project.name))
    query = (
        exp.Select(expressions=wanted)
        .from_(table_ref(store.runs.name), copy=False)
        .where(project, copy=False)
    )
    found: dict[dt.datetime, RunFingerprints] = {}
    for row in engine.query(render(query, engine.target, pretty=False)):
        definitions = parse_definitions(row[3]) if len(row) > 3 else None
        stored_zone = None if row[2] is None else str(row[2])
        when = engine.decode(row[0], Type.TIMESTAMP)
        found[when] = RunFingerprints(row[1], definitions, stored_zone)
    return found


def change_reason(
    name: str,
    kind: str,
    earlier: tuple[dt.datetime, RunFingerprints],
    later: tuple[dt.datetime, RunFingerprints],
) -> str | None:
    """Why the definition `name` cannot be compared between two runs; None when it can.
    Shared by the engine and the reference evaluator (runtime/reference/migration.py)."""
    (a, fa), (b, fb) = earlier, later
    between = f"between the runs as of {wall_text(a)} and {wall_text(b)}"
    if fa.timezone is not None and fb.timezone is not None and fa.timezone != fb.timezone:
        # every definition's fingerprint holds the zone: say which change it was
        return (
            f"{kind} '{name}' cannot be compared {between}: the project's time zone changed "
            f"({fa.timezone} to {fb.timezone}), so their as-ofs are wall times of two zones"
        )
    if fa.definitions is not None and fb.definitions is not None:
        if fa.definitions.get(name) == fb.definitions.get(name) is not None:
            return None
        if name not in fa.definitions:
            return f"{kind} '{name}' is not defined in the run as of {wall_text(a)}"
        return f"{kind} '{name}' changed {between}"
    if fa.rules is not None and fa.rules == fb.rules:
        return None  # the same rules: every definition means the same
    return (
        f"{kind} '{name}' cannot be compared {between}: their rules' fingerprints differ "
        "(the rules changed, or the earlier run was stored by a segl that computed them "
        "otherwise) and a run stored by an older segl has no fingerprint per definition; "
        f"run the rules again as of {wall_text(a)} to compare"
    )


def nearest(
    stored: Iterable[dt.datetime], wanted: dt.datetime, count: int = 3
) -> list[dt.datetime]:
    """The stored as-ofs closest to `wanted`, in time order."""
    closest = sorted(stored, key=lambda s: abs((s - wanted).total_seconds()))[:count]
    return sorted(closest)


def require_stored(
    stored: Sequence[dt.datetime], as_of: dt.datetime, option: str, project: str
) -> None:
    """E0607 unless `as_of` is a stored run's, naming the nearest ones."""
    if as_of in stored:
        return
    shown = ", ".join(wall_text(s) for s in nearest(stored, as_of))
    hint = (
        f"the nearest stored as-ofs: {shown}"
        if shown
        else "the database holds no run of the project yet: segl run --as-of T stores one"
    )
    raise DiagnosticError(
        [
            Diagnostic(
                "E0607",
                f"project '{project}' has no stored run as of {wall_text(as_of)} ({option})",
                None,
                (hint,),
            )
        ]
    )


def migration(
    engine: Engine,
    store: Store,
    layering: ir.Layering,
    from_as_of: dt.datetime,
    to_as_of: dt.datetime,
) -> Matrix:
    """The matrix between two stored runs: E0607 when either is not stored, E0920 when the
    layering's definition differs between them (never a silent comparison)."""
    fingerprints = stored_fingerprints(engine, store)
    project = store.project.name
    require_stored(sorted(fingerprints), from_as_of, "--from", project)
    require_stored(sorted(fingerprints), to_as_of, "--to", project)
    reason = change_reason(
        layering.name,
        "layering",
        (from_as_of, fingerprints[from_as_of]),
        (to_as_of, fingerprints[to_as_of]),
    )
    if reason is not None:
        raise DiagnosticError(
            [
                Diagnostic(
                    "E0920",
                    reason,
                    layering.span,
                    (
                        "a migration compares users of the same definition; pick two runs "
                        "of the current rules (segl show migration --from/--to), or run "
                        "the earlier as-of again with these rules",
                    ),
                )
            ]
        )
    return read_matrix(engine, store, layering, from_as_of, to_as_of)


# ---------------------------------------------------------------- rendering


def as_json(matrix: Matrix) -> dict[str, object]:
    """The JSON `segl show migration` prints (a public interface: docs/cli.md)."""
    return {
        "layering": matrix.layering,
        "from": wall_text(matrix.from_as_of),
        "to": wall_text(matrix.to_as_of),
        "users": matrix.users,
        "cells": [
            {"from": c.origin, "to": c.destination, "users": c.users, "share": c.share}
            for c in matrix.cells()
        ],
        "from_totals": {a: matrix.row_total(a) for a in matrix.origins()},
        "to_totals": {b: matrix.column_total(b) for b in matrix.destinations()},
    }


def _share_text(share: float | None) -> str:
    return "-" if share is None else f"{share:.1%}"


def as_text(matrix: Matrix, title: str | None = None) -> str:
    """The matrix with counts and, under each count, its share of the row."""
    heading = f"layering {matrix.layering}" + (f' "{title}"' if title else "")
    # a layer may be named `total`: the sums are then `(total)`, as (new) and (left) are
    total = "(total)" if "total" in {*matrix.origins(), *matrix.destinations()} else "total"
    columns = ["from \\ to", *matrix.destinations(), total]
    rows: list[list[str]] = []
    for origin in matrix.origins():
        counts = [f"{matrix.counts.get((origin, b), 0):,}" for b in matrix.destinations()]
        rows.append([origin, *counts, f"{matrix.row_total(origin):,}"])
        shares = [_share_text(matrix.share(origin, b)) for b in matrix.destinations()]
        rows.append(["", *shares, ""])
    totals = [f"{matrix.column_total(b):,}" for b in matrix.destinations()]
    rows.append([total, *totals, f"{matrix.users:,}"])
    lines = [
        heading,
        f"from     {wall_text(matrix.from_as_of)}",
        f"to       {wall_text(matrix.to_as_of)}",
        "",
        _aligned(columns, rows),
        "",
        "rows: the layer at 'from'; columns: the layer at 'to'; under each count its share "
        "of the row.",
        f"{NEW}: not in the universe at 'from'; {LEFT}: no longer in it at 'to'; "
        f"{NONE}: in the universe, in no layer.",
    ]
    return "\n".join(lines)


def _aligned(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The first column left-aligned (layer names, CJK-wide), the numbers right-aligned."""
    from segl.runtime.tables import display_width

    table = [list(header), *rows]
    widths = [max(display_width(row[i]) for row in table) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = []
        for i, text in enumerate(row):
            gap = " " * (widths[i] - display_width(text))
            cells.append(text + gap if i == 0 else gap + text)
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])

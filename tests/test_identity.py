"""Identity resolution (SPEC §3.1) on every engine, against the union-find oracle
(runtime/reference/identity.py) and the reference evaluator.

(a) Generated graphs: chains (sorted and shuffled labels), stars, cycles, super-nodes (with
and without `shared above` leaving them out), disconnected pieces, typed-ID collisions,
numeric ID columns, links visible or not at the as-of (events at or after it; profile link
sources with `created` and `valid from .. to`), null IDs. Each scenario runs through both
paths a run can take: `segl run`'s loop (runtime/identity.py, via runtime/run.execute) and
a compiled script (its unrolled steps); the stored `_persons` must map every ID to the
person the oracle finds, `_shared_ids` must hold the IDs it leaves out, and the tags,
segments and users must be the reference evaluator's. SEGL_IDENTITY_EXAMPLES examples per
fast engine (default 25); Spark, which spends about a second on any statement, resolves
SEGL_IDENTITY_BATCH scenarios merged into one graph per run (default 12, disjoint by
relabelling their IDs), checked scenario by scenario.
(b) A chain of 100,000 links resolves in a logarithmic number of rounds.
(c) Bad input: a person above `at most N ids per person` fails the run (E0612), naming
persons and the busiest IDs, writing nothing and leaving no identity tables behind; shared
IDs are reported.
(d) The person key: the most preferred kind, ties by code point on every engine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from engine_fixtures import ENGINE_NAMES
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlglot import exp
from test_differential import differences

from segl.compiler import ir
from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.identity import SCRIPT_PAIRS
from segl.compiler.script import CompiledRun, compile_run
from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.store import Store
from segl.dsl.parser import parse_program
from segl.runtime import reference
from segl.runtime.engines import Engine
from segl.runtime.identity import IdentityStats
from segl.runtime.inmemory import load_rows
from segl.runtime.project import LoadedProject, Settings
from segl.runtime.reference.identity import Persons, id_text, resolve
from segl.runtime.results import RunResult
from segl.runtime.run import execute, read_result
from segl.runtime.store import StoredRuns

EXAMPLES = int(os.environ.get("SEGL_IDENTITY_EXAMPLES", "25"))
SPARK_BATCH = int(os.environ.get("SEGL_IDENTITY_BATCH", "12"))
FAST_ENGINES = [name for name in ENGINE_NAMES if name != "spark"]
SLOW_ENGINES = [name for name in ENGINE_NAMES if name == "spark"]

AS_OF = dt.datetime(2026, 11, 1)
DAY = dt.timedelta(days=1)
SECOND = dt.timedelta(seconds=1)
# event times (and `created`) before the as-of are visible; at or after it, or null, not
VISIBLE_TIMES = (AS_OF - 30 * DAY, AS_OF - SECOND)
HIDDEN_TIMES = (AS_OF, AS_OF + SECOND, AS_OF + DAY, None)
# `created` of a universe row: a null time counts as always
CREATED_VISIBLE = (None, AS_OF - 30 * DAY, AS_OF - SECOND)
CREATED_HIDDEN = (AS_OF, AS_OF + DAY)
# (since, until) of a history version: it holds when since <= as_of < until (nulls open)
VERSIONS_VISIBLE = (
    (None, None),
    (AS_OF - 30 * DAY, None),
    (AS_OF, None),
    (None, AS_OF + SECOND),
    (AS_OF - DAY, AS_OF + DAY),
)
VERSIONS_HIDDEN = (
    (None, AS_OF),
    (AS_OF - 30 * DAY, AS_OF - DAY),
    (AS_OF + SECOND, None),
    (AS_OF + SECOND, AS_OF + DAY),
)

Row = dict[str, object]
Tables = dict[str, list[Row]]
Node = tuple[str, str]  # (kind, text), as the oracle keys IDs
_RUNS = itertools.count()

# ---------------------------------------------------------------- the projects

KINDS = ("member", "openid", "device", "phone")
# the two columns of `ties` holding each kind (a tie links any two kinds, or two of one kind)
TIE_COLUMNS = {
    "member": ("member_no", "member_b"),
    "openid": ("openid", "openid_b"),
    "device": ("device_id", "device_b"),
    "phone": ("phone", "phone_b"),
}


@dataclass(frozen=True)
class Variant:
    """One identity project: which kinds are numbers, the preference order, the limits."""

    name: str
    numeric: frozenset[str]  # kinds whose columns are declared `number`
    kinds: tuple[str, ...]  # preference order
    shared_above: int | None

    def type_of(self, kind: str) -> str:
        return "number" if kind in self.numeric else "string"


VARIANTS = {
    "text": Variant("text", frozenset(), ("member", "openid", "device", "phone"), 3),
    "number": Variant(
        "number", frozenset({"member", "phone"}), ("phone", "device", "member", "openid"), None
    ),
}


def tie_links() -> list[tuple[str, str, str, str]]:
    """(left column, left kind, right column, right kind) of every link `ties` declares."""
    links = [(a, kind, b, kind) for kind, (a, b) in TIE_COLUMNS.items()]
    for first, second in itertools.combinations(KINDS, 2):
        links.append((TIE_COLUMNS[first][0], first, TIE_COLUMNS[second][0], second))
    return links


def project_text(variant: Variant, largest: int | None = None) -> str:
    t = variant.type_of
    tie_columns = "\n".join(
        f"    {column}: {t(kind)}" for kind, pair in TIE_COLUMNS.items() for column in pair
    )
    links = "\n".join(f"    link ties: {a} as {ka}, {b} as {kb}" for a, ka, b, kb in tie_links())
    shared = f"    shared above {variant.shared_above}\n" if variant.shared_above else ""
    at_most = f"    at most {largest} ids per person\n" if largest is not None else ""
    return f"""
source users from table "id_users" key member_no as member created registered_at {{
    member_no: {t("member")}
    phone: {t("phone")}
    city: string
    registered_at: timestamp
}}
source contacts from table "id_contacts" key phone as phone valid from since to until {{
    phone: {t("phone")}
    device_id: string
    since: timestamp
    until: timestamp
}}
source ties from table "id_ties" user member_no as member time tied_at {{
{tie_columns}
    tied_at: timestamp
}}
source app from table "id_app" user device_id as device time ts {{
    device_id: string
    openid: string
    name: string
}}
source orders from table "id_orders" user openid as openid time paid_at {{
    openid: string
    amount: number
}}
identity person "one customer" {{
    kinds {", ".join(variant.kinds)}
    link users: member_no as member, phone as phone
    link contacts: phone as phone, device_id as device
    link app: device_id as device, openid as openid
{links}
{shared}{at_most}}}
tag n_app = count(app)
tag visits = count(app where name == "visit")
tag spend = sum(orders.amount)
tag last_open = last(app.name)
tag city = users.city
tag ids_seen = count_distinct(app.device_id)
segment buyers = spend > 0 or visits >= 2
segment in_beijing = city == "北京"
"""


def checked(text: str, name: str = "ident") -> tuple[ir.Project, LoadedProject]:
    program = parse_program(text, "identity.segl")
    config = ProjectConfig(name=name, universe="users")
    project, diagnostics = check_programs([program], config)
    assert project is not None, [str(d) for d in diagnostics]
    assert not [d for d in diagnostics if d.is_error], [str(d) for d in diagnostics]
    loaded = LoadedProject(Path("."), Settings(config), [program], {}, [], project)
    return project, loaded


@functools.cache
def variant_project(name: str) -> ir.Project:
    return checked(project_text(VARIANTS[name]))[0]


# ---------------------------------------------------------------- scenarios

# ID values: strings with code point traps (case, accents, CJK, a character above U+FFFF
# that UTF-16 would order before U+FF5E, the separator ':' inside a text, the empty string)
TEXTS: tuple[str, ...] = (
    "1",
    "10",
    "123",
    "9",
    "A",
    "B",
    "a",
    "ab",
    "b",
    "e",
    "é",
    "Z",
    "x:y",
    "北京",
    "ｚ",
    "～",
    "😀",
    "",
)
# numbers: whole numbers are their digits ("7" from 7 and from 7.0); a fraction is no ID
NUMBERS: tuple[object, ...] = (0, 1, 7, 7.0, 9, 10, 123, -5, 2**40, 1.5)


@dataclass(frozen=True)
class Scenario:
    variant: str
    tables: Mapping[str, Sequence[Mapping[str, object]]]
    shapes: tuple[str, ...]  # what the generator drew, for the report of a failure

    @property
    def project(self) -> ir.Project:
        return variant_project(self.variant)


@dataclass
class _Graph:
    """Rows under construction, with the profile keys already used at the as-of."""

    variant: Variant
    tables: Tables = dataclasses.field(
        default_factory=lambda: {
            name: [] for name in ("users", "contacts", "ties", "app", "orders")
        }
    )
    members: set[str | None] = dataclasses.field(default_factory=set)  # visible users rows
    phones: set[str | None] = dataclasses.field(default_factory=set)  # visible contacts rows


GenNode = tuple[str, object]  # (kind, warehouse value)


def _value_pool(variant: Variant, kind: str) -> tuple[object, ...]:
    return NUMBERS if kind in variant.numeric else TEXTS


def _sql_order(node: GenNode) -> str:
    """How the SQL orders an ID: its text `kind:value` by code point."""
    kind, value = node
    return f"{kind}:{id_text(value)}"


@st.composite
def _tie(draw: st.DrawFn, graph: _Graph, u: GenNode, v: GenNode, visible: bool) -> None:
    """A link from u to v, in one of the sources that can hold it."""
    (ku, xu), (kv, xv) = u, v
    options = ["ties"]
    pair = {ku, kv}
    if pair == {"device", "openid"}:
        options.append("app")
    member = xu if ku == "member" else xv
    phone = xu if ku == "phone" else xv
    if pair == {"member", "phone"} and (not visible or id_text(member) not in graph.members):
        options.append("users")
    if pair == {"phone", "device"} and (not visible or id_text(phone) not in graph.phones):
        options.append("contacts")
    where = draw(st.sampled_from(options))
    if where == "ties":
        times = VISIBLE_TIMES if visible else HIDDEN_TIMES
        row: Row = {"tied_at": draw(st.sampled_from(times))}
        if ku == kv:
            a, b = TIE_COLUMNS[ku]
            row[a], row[b] = (xu, xv) if draw(st.booleans()) else (xv, xu)
        else:
            row[TIE_COLUMNS[ku][0]], row[TIE_COLUMNS[kv][0]] = xu, xv
        graph.tables["ties"].append(row)
    elif where == "app":
        device = xu if ku == "device" else xv
        openid = xu if ku == "openid" else xv
        times = VISIBLE_TIMES if visible else HIDDEN_TIMES
        name = draw(st.sampled_from(("visit", "open", None)))
        graph.tables["app"].append(
            {
                "device_id": device,
                "openid": openid,
                "name": name,
                "ts": draw(st.sampled_from(times)),
            }
        )
    elif where == "users":
        created = draw(st.sampled_from(CREATED_VISIBLE if visible else CREATED_HIDDEN))
        if visible:
            graph.members.add(id_text(member))
        city = draw(st.sampled_from(("北京", "Shanghai", None)))
        graph.tables["users"].append(
            {"member_no": member, "phone": phone, "city": city, "registered_at": created}
        )
    else:
        device = xu if ku == "device" else xv
        since, until = draw(st.sampled_from(VERSIONS_VISIBLE if visible else VERSIONS_HIDDEN))
        if visible:
            graph.phones.add(id_text(phone))
        graph.tables["contacts"].append(
            {"phone": phone, "device_id": device, "since": since, "until": until}
        )


SHAPES = ("chain", "sorted_chain", "star", "cycle", "random", "super", "single")


@st.composite
def _piece(
    draw: st.DrawFn, nodes: Iterator[GenNode], shared_above: int | None
) -> tuple[str, list[tuple[GenNode, GenNode]], list[GenNode]]:
    shape = draw(st.sampled_from(SHAPES))
    if shape == "super":
        limit = shared_above or 3
        size = draw(st.integers(limit - 1, limit + 3)) + 1
    elif shape == "single":
        size = 1
    else:
        size = draw(st.integers(2, 8))
    members = list(itertools.islice(nodes, size))
    if len(members) < 2:
        return "single", [], members
    if shape == "sorted_chain":
        members.sort(key=_sql_order, reverse=draw(st.booleans()))
    pairs = list(itertools.pairwise(members))
    if shape == "cycle" and len(members) > 2:
        pairs.append((members[-1], members[0]))
    elif shape in ("star", "super"):
        pairs = [(members[0], other) for other in members[1:]]
        if shape == "super":  # the leaves are also tied to each other in pairs
            pairs += list(itertools.pairwise(members[1:]))[:: draw(st.integers(2, 3))]
    elif shape == "random":
        extra = draw(
            st.lists(st.tuples(st.sampled_from(members), st.sampled_from(members)), max_size=6)
        )
        pairs = pairs[: draw(st.integers(0, len(pairs)))] + extra
    return shape, pairs, members


@st.composite
def scenarios(draw: st.DrawFn, variant_names: Sequence[str] = tuple(VARIANTS)) -> Scenario:
    variant = VARIANTS[draw(st.sampled_from(list(variant_names)))]
    pool = [(kind, value) for kind in KINDS for value in _value_pool(variant, kind)]
    nodes = iter(draw(st.permutations(pool)))
    graph = _Graph(variant)
    shapes: list[str] = []
    seen: list[GenNode] = []
    for _ in range(draw(st.integers(1, 4))):
        shape, pairs, members = draw(_piece(nodes, variant.shared_above))
        shapes.append(shape)
        seen += members
        for u, v in pairs:
            draw(_tie(graph, u, v, visible=draw(st.integers(0, 5)) > 0))
    if not seen:
        seen = [next(nodes)]
    # members of the graph without a users row: mostly users of their own (no phone)
    for kind, value in seen:
        if kind == "member" and id_text(value) not in graph.members and draw(st.booleans()):
            visible = draw(st.integers(0, 4)) > 0
            if visible:
                graph.members.add(id_text(value))
            created = draw(st.sampled_from(CREATED_VISIBLE if visible else CREATED_HIDDEN))
            city = draw(st.sampled_from(("北京", "Shanghai", None)))
            graph.tables["users"].append(
                {"member_no": value, "phone": None, "city": city, "registered_at": created}
            )
    # rows with one ID and a null for the other: no link
    for _ in range(draw(st.integers(0, 2))):
        kind, value = draw(st.sampled_from([*seen, next(nodes, seen[0])]))
        row: Row = {TIE_COLUMNS[kind][draw(st.integers(0, 1))]: value}
        row["tied_at"] = draw(st.sampled_from(VISIBLE_TIMES))
        graph.tables["ties"].append(row)
    # events of the persons: app events without an openid, orders by openid
    devices = [value for kind, value in seen if kind == "device"] + ["d-unknown"]
    for _ in range(draw(st.integers(0, 4))):
        graph.tables["app"].append(
            {
                "device_id": draw(st.sampled_from(devices)),
                "openid": None,
                "name": draw(st.sampled_from(("visit", "open"))),
                "ts": draw(st.sampled_from(VISIBLE_TIMES + HIDDEN_TIMES)),
            }
        )
    openids = [value for kind, value in seen if kind == "openid"] + ["o-unknown"]
    for _ in range(draw(st.integers(0, 4))):
        graph.tables["orders"].append(
            {
                "openid": draw(st.sampled_from(openids)),
                "amount": draw(st.sampled_from((1.0, 2.5, 10.0))),
                "paid_at": draw(st.sampled_from(VISIBLE_TIMES + HIDDEN_TIMES)),
            }
        )
    tables = {name: rows for name, rows in graph.tables.items()}
    return Scenario(variant.name, tables, tuple(shapes))


# ---------------------------------------------------------------- running and reading back


@dataclass
class Outcome:
    """What one path of a run stored for its as-of."""

    persons: dict[Node, str]  # every ID -> its person
    shared: dict[str, int]  # `kind:text` -> links
    result: RunResult
    stats: IdentityStats | None = None  # the loop's (None: a script)


WORK_TABLES = ("links", "ids", "shared", "map", "labels")


def work_tables_left(engine: Engine, store: Store) -> list[str]:
    """The identity resolution's temporary tables that still exist."""
    steps = [f"e{step}" for step in range(2 * SCRIPT_PAIRS + 3)]
    names = [store.identity_work(what) for what in (*WORK_TABLES, *steps)]
    return [name for name in names if engine.columns_of(name) is not None]


def read_identity(engine: Engine, compiled: CompiledRun) -> tuple[dict[Node, str], dict[str, int]]:
    """The `_persons` (each ID once) and `_shared_ids` a run stored for its as-of."""
    store, target = compiled.store, engine.target
    at = StoredRuns(engine, store).at(compiled.as_of)
    persons: dict[Node, str] = {}
    query = exp.Select(expressions=[col("kind"), col("id"), col("person")])
    query = query.from_(table_ref(store.persons.name), copy=False).where(at, copy=False)
    for kind, text, person in engine.query(render(query, target, pretty=False)):
        assert (kind, text) not in persons, f"{kind}:{text} is stored twice"
        persons[(kind, text)] = person
    shared: dict[str, int] = {}
    query = exp.Select(expressions=[col("id"), col("links")])
    query = query.from_(table_ref(store.shared_ids.name), copy=False).where(at.copy(), copy=False)
    for node, links in engine.query(render(query, target, pretty=False)):
        assert node not in shared, f"shared ID {node} is stored twice"
        shared[node] = int(links)
    return persons, shared


def _compiled(engine: Engine, project: ir.Project, as_of: dt.datetime) -> CompiledRun:
    return compile_run(project, as_of, engine.target, prefix=f"segl_i{next(_RUNS)}_")


def run_loop(engine: Engine, project: ir.Project, as_of: dt.datetime = AS_OF) -> Outcome:
    """`segl run`'s way (the tables already loaded): the resolution loop, then the run."""
    compiled = _compiled(engine, project, as_of)
    _, stats = execute(compiled, engine)
    assert work_tables_left(engine, compiled.store) == []
    return Outcome(*read_identity(engine, compiled), read_result(compiled, engine), stats)


def run_script(engine: Engine, project: ir.Project, as_of: dt.datetime = AS_OF) -> Outcome:
    """A compiled script's way: the unrolled resolution, the run and the cleanup, framed."""
    compiled = _compiled(engine, project, as_of)
    engine.execute_run(compiled.frame, compiled.body_sql())
    assert work_tables_left(engine, compiled.store) == []
    return Outcome(*read_identity(engine, compiled), read_result(compiled, engine))


PATHS: dict[str, Callable[[Engine, ir.Project], Outcome]] = {
    "loop": run_loop,
    "script": run_script,
}


def shared_names(persons: Persons) -> dict[str, int]:
    return {f"{kind}:{text}": links for (kind, text), links in persons.shared.items()}


def disagreements(
    outcome: Outcome,
    project: ir.Project,
    tables: Mapping[str, Sequence[Mapping[str, object]]],
    only: set[Node] | None = None,
) -> list[str]:
    """How a stored outcome differs from the oracle and the reference evaluator; `only`:
    compare just these IDs (and their persons) of a larger run."""
    persons = resolve(project, tables, AS_OF)
    expected = reference.evaluate(project, tables, AS_OF)
    actual = outcome
    if only is not None:
        actual = _restricted(outcome, only, set(persons.of.values()))
    problems = [
        f"{kind}:{text}: person {actual.persons.get((kind, text))!r}, "
        f"expected {persons.of.get((kind, text))!r}"
        for kind, text in sorted(set(persons.of) | set(actual.persons))
        if persons.of.get((kind, text)) != actual.persons.get((kind, text))
    ]
    if actual.shared != shared_names(persons):
        problems.append(f"shared IDs {actual.shared}, expected {shared_names(persons)}")
    problems += differences(actual.result, expected, project)
    return problems


def _restricted(outcome: Outcome, nodes: set[Node], keys: set[str]) -> Outcome:
    """The part of an outcome about some IDs: theirs and their persons' results."""
    persons = {node: p for node, p in outcome.persons.items() if node in nodes}
    keys = keys | set(persons.values())
    shared = {n: links for n, links in outcome.shared.items() if _node_of(n) in nodes}
    full = outcome.result
    result = RunResult(
        full.as_of,
        {u for u in full.users if u in keys},
        {tag: {u: v for u, v in values.items() if u in keys} for tag, values in full.tags.items()},
        {name: members & keys for name, members in full.segments.items()},
        {name: {u: la for u, la in on.items() if u in keys} for name, on in full.layers.items()},
    )
    return Outcome(persons, shared, result, outcome.stats)


def _node_of(text: str) -> Node:
    kind, _, rest = text.partition(":")
    return kind, rest


def id_nodes(
    project: ir.Project, tables: Mapping[str, Sequence[Mapping[str, object]]]
) -> set[Node]:
    """Every ID the tables mention, in any ID column (visible or not)."""
    nodes: set[Node] = set()
    for source, column, kind in id_columns(project):
        for row in tables.get(source, ()):
            text = id_text(row.get(column))
            if text is not None:
                nodes.add((kind, text))
    return nodes


def id_columns(project: ir.Project) -> list[tuple[str, str, str]]:
    """(source, column, kind) of every column holding IDs."""
    assert project.identity is not None
    found = [(s.name, s.user_column, s.id_kind or "") for s in project.sources]
    for link in project.identity.links:
        found += [
            (link.source, link.left, link.left_kind),
            (link.source, link.right, link.right_kind),
        ]
    return sorted(set(found))


def assert_agrees(outcome: Outcome, scenario: Scenario, label: str) -> None:
    problems = disagreements(outcome, scenario.project, scenario.tables)
    assert not problems, f"{label}:\n" + "\n".join(problems[:30])


# ---------------------------------------------------------------- (a) generated graphs

IDENTITY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


@IDENTITY_SETTINGS
@given(scenario=scenarios())
def test_the_oracle_on_generated_graphs(scenario: Scenario) -> None:
    """The oracle's persons partition the IDs it knows, and the run's users are persons."""
    persons = resolve(scenario.project, scenario.tables, AS_OF)
    expected = reference.evaluate(scenario.project, scenario.tables, AS_OF)
    assert expected.users <= set(persons.of.values())
    assert set(persons.shared) <= set(persons.of)
    assert set(persons.of) <= id_nodes(scenario.project, scenario.tables)


@pytest.mark.parametrize("engine_name", FAST_ENGINES, indirect=True)
@IDENTITY_SETTINGS
@given(scenario=scenarios())
def test_generated_graphs(engine: Engine, scenario: Scenario) -> None:
    note(f"shapes: {scenario.shapes}")
    load_rows(engine, scenario.project, scenario.tables)
    for label, path in PATHS.items():
        assert_agrees(path(engine, scenario.project), scenario, f"{engine.name} {label}")

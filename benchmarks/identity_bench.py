"""Identity resolution (SPEC §3.1) at scale: segl's resolution in SQL on DuckDB against a
union-find in Python and networkx's connected components, on the same links; and the
rounds the resolution needs on a chain, the worst case for label propagation.

**Links.** A deterministic CRM data set (built once and cached under the data folder,
`identity_<event rows>_<seed>/`), sized by its event rows:

- `users`: members (one per 10 event rows: 10^6 at 10^7), member number and registration
  time (a few register after the as-of and are not in the universe);
- `bindings`: WeChat openids bound to members (62 % of members bind one, 8 % of those a
  second one, 5 % of the bindings are repeated, 2 % happen after the as-of), plus a few
  test openids bound to 60-120 members each;
- `app_events`: app events keyed by device ID (1.5 devices per member, mildly skewed
  activity): devices of members, of WeChat users who are not members and of anonymous
  users; on 55 % of the devices whose owner has an openid, a quarter of the events carry it
  (a login); 1 % of the devices are shared within a family (two members' openids); and a
  few shop tablets log in with 60-300 openids each. About 1 % of the events are after the
  as-of (invisible).

The identity declares `kinds member, openid, device`, links both tables and leaves out IDs
linked to more than 50 others (`shared above 50`), so the test openids and the tablets
are left out, as the declaration intends.

What each contender's time includes:

- **segl**: `Resolution.run()` on a DuckDBEngine over the file database: from the raw
  tables to the map (kind, id, person) of every ID, with the person keys, the shared IDs,
  the check of `at most N ids per person` and the counts (compiler/identity.py,
  runtime/identity.py); the engine is already open, the project already checked.
- **extract**: the distinct visible links (`kind:id` text, as segl's nodes) by one DuckDB
  query, fetched into a Python list: the input of the two Python contenders.
- **union-find**: a union-find in Python (path halving, union by size) over that list:
  the shared IDs left out (degrees counted from the list), every ID's component root;
- **networkx**: `Graph.add_edges_from` over that list, the shared IDs removed,
  `connected_components` into a dict of every ID's component.

The Python contenders run with the cyclic garbage collector paused (their best case: it
only costs time there, as in segl's own compile stage); they do not compute person keys,
nor the members without links (singletons). Correctness first: one untimed run of each
contender, then the three partitions (components of two IDs or more) must be identical.
Then `--runs` interleaved rounds; medians reported. `--memory` measures each contender's
peak resident memory once more, each in its own process.

**Chains.** A chain of N links over N + 1 IDs of one kind, the IDs sorted along the chain
(the smallest at one end: the worst case for min-label propagation, which would need N
rounds) or shuffled: rounds and seconds of segl's resolution for each N.

Run: .venv/bin/python -m benchmarks.identity_bench --events 1e7 --runs 3 --memory
     .venv/bin/python -m benchmarks.identity_bench --events 0 --chains 1e3 1e4 1e5 1e6
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.datagen import DEFAULT_DATA
from segl.compiler import ir
from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.identity import IdentitySql
from segl.compiler.script import Statement
from segl.compiler.store import Store
from segl.runtime.engines import DuckDBEngine, run_in_transaction, sql_of
from segl.runtime.identity import IdentityStats, Resolution

HERE = Path(__file__).parent
RESULTS = HERE / "results"
AS_OF = dt.datetime(2026, 11, 1)
SEED = 7
SHARED_ABOVE = 50
CONTENDERS = ("segl", "union-find", "networkx")

PROJECT = f"""\
source users from table "users" key member_no as member created registered_at {{
    member_no: string
    registered_at: timestamp
}}
source bindings from table "bindings" user member_no as member time bound_at {{
    openid: string
    bound_at: timestamp
}}
source app from table "app_events" user device_id as device time ts {{
    openid: string
    name: string
    ts: timestamp
}}
identity person {{
    kinds member, openid, device
    link bindings: member_no as member, openid as openid
    link app: device_id as device, openid as openid
    shared above {SHARED_ABOVE}
}}
tag app_events = count(app)
"""

# a chain is one person of N + 1 IDs: allow it. The second kind is never used: with one
# kind, IdentitySql.finish rendered `CASE ELSE '' END`, which DuckDB refuses (at 04898ab)
CHAIN_PROJECT = """\
source nodes from table "chain_nodes" key id as node {
    id: string
}
source chain from table "chain" user a as node time t {
    b: string
    t: timestamp
}
identity person {
    kinds node, other
    link chain: a as node, b as node
    at most 100000000 ids per person
}
"""

# The distinct visible links as segl's nodes (`kind:id`), the smaller first: what a Python
# resolution starts from. Same visibility as segl's: both IDs present, before the as-of.
EXTRACT_SQL = f"""
SELECT DISTINCT least(x, y) AS a, greatest(x, y) AS b FROM (
    SELECT 'member:' || member_no AS x, 'openid:' || openid AS y FROM bindings
    WHERE member_no IS NOT NULL AND openid IS NOT NULL
      AND bound_at < TIMESTAMP '{AS_OF:%Y-%m-%d %H:%M:%S}'
    UNION ALL
    SELECT 'device:' || device_id, 'openid:' || openid FROM app_events
    WHERE device_id IS NOT NULL AND openid IS NOT NULL
      AND ts < TIMESTAMP '{AS_OF:%Y-%m-%d %H:%M:%S}'
) AS l WHERE x <> y
"""

Link = tuple[str, str]


# ---------------------------------------------------------------- the data


@dataclass(frozen=True)
class Sizes:
    """The generator's populations for a number of event rows."""

    events: int
    seed: int = SEED

    @property
    def members(self) -> int:
        return max(10, self.events // 10)

    @property
    def anonymous(self) -> int:  # WeChat users (openids) who are not members
        return self.members * 15 // 100

    @property
    def devices(self) -> int:
        return self.members * 3 // 2

    @property
    def tablets(self) -> int:  # shop devices logging in with many openids
        return max(2, self.members // 50_000)

    @property
    def test_openids(self) -> int:  # staff openids bound to many members
        return max(1, self.members // 200_000)


def _generator_sql(sizes: Sizes) -> list[str]:
    """The statements building users, bindings and app_events (deterministic: every random
    draw is a hash of the row number, a draw number and the seed)."""
    seed, members, anonymous, devices = sizes.seed, sizes.members, sizes.anonymous, sizes.devices
    return [
        # u(i, k): the k-th uniform draw for row i in [0, 1); pick(i, k, n): one of n
        f"CREATE TEMP MACRO u(i, k) AS (hash(i, k, {seed}) >> 11)::DOUBLE / 9007199254740992.0",
        f"CREATE TEMP MACRO pick(i, k, n) AS (hash(i, k, {seed}) % n)::BIGINT",
        f"CREATE TEMP MACRO wechat(j) AS 'o' || substr(md5('w' || j || ':{seed}'), 1, 27)",
        "CREATE TEMP MACRO member(i) AS 'M' || lpad(i::VARCHAR, 9, '0')",
        "CREATE TEMP MACRO device_text(h) AS upper(substr(h, 1, 8) || '-' || substr(h, 9, 4)"
        " || '-' || substr(h, 13, 4) || '-' || substr(h, 17, 4) || '-' || substr(h, 21, 12))",
        # members registered from 2018 to a month after the as-of
        f"""CREATE TABLE users AS
        SELECT member(i) AS member_no,
               TIMESTAMP '2018-01-01' + to_seconds((u(i, 1) * 3235 * 86400)::BIGINT)
                   AS registered_at
        FROM range({members}) t(i)""",
        f"""CREATE TEMP TABLE member_openid AS
        SELECT i, wechat(i) AS openid FROM range({members}) t(i) WHERE u(i, 2) < 0.62""",
        f"""CREATE TEMP TABLE anon_openid AS
        SELECT a, wechat({2 * members} + a) AS openid FROM range({anonymous}) t(a)""",
        # r: a repeated binding of the same pair (a re-bind) or a test openid's k-th member
        f"""CREATE TABLE bindings AS
        WITH pairs AS (
            SELECT i, openid, 0 AS r FROM member_openid
            UNION ALL SELECT i, wechat({members} + i), 0 FROM member_openid WHERE u(i, 3) < 0.08
            UNION ALL SELECT i, openid, 1 FROM member_openid WHERE u(i, 4) < 0.05
            UNION ALL SELECT pick(t, 5 + k, {members}), wechat({3 * members} + t), k
                FROM range({sizes.test_openids}) a(t), range(60 + pick(t, 6, 60)::INT) b(k)
        )
        SELECT member(i) AS member_no, openid,
               TIMESTAMP '2019-01-01' + to_seconds((u(i * 7 + r, 7) * 2890 * 86400)::BIGINT)
                   AS bound_at
        FROM pairs
        ORDER BY bound_at""",
        # a device belongs to a member (75 %), a WeChat user who is not one (10 %) or an
        # anonymous user; it logs in with its owner's openid or never; 1 % in a family
        f"""CREATE TEMP TABLE devices AS
        WITH d AS (
            SELECT d, u(d, 21) AS q, pick(d, 22, {members}) AS m, pick(d, 22, {anonymous}) AS a,
                   u(d, 23) < 0.55 AS logs_in, u(d, 24) < 0.01 AS family,
                   pick(d, 25, {members}) AS m2
            FROM range({devices}) t(d)
        )
        SELECT d.d, md5('d' || d.d || ':{seed}') AS h,
               CASE WHEN q < 0.75 THEN mo.openid WHEN q < 0.85 THEN ao.openid END AS openid,
               CASE WHEN family THEN mo2.openid END AS openid2, logs_in
        FROM d
        LEFT JOIN member_openid AS mo ON mo.i = d.m
        LEFT JOIN anon_openid AS ao ON ao.a = d.a
        LEFT JOIN member_openid AS mo2 ON mo2.i = d.m2""",
    ]


def _events_sql(sizes: Sizes, tablet_rows: int) -> str:
    seed, devices = sizes.seed, sizes.devices
    return f"""CREATE TABLE app_events AS
    WITH r AS (
        SELECT r, least(floor({devices} * pow(u(r, 31), 2))::BIGINT, {devices - 1}) AS d
        FROM range({sizes.events - tablet_rows}) t(r)
    ), s AS (
        SELECT {devices} + s AS d, s * 1000 + k AS r
        FROM range({sizes.tablets}) a(s), range(60 + pick(s, 41, 240)::INT) b(k)
    ), all_rows AS (
        SELECT r.r, device_text(dv.h) AS device_id,
               CASE WHEN dv.logs_in AND u(r.r, 32) < 0.25 THEN
                   CASE WHEN dv.openid2 IS NOT NULL AND u(r.r, 33) < 0.5
                        THEN dv.openid2 ELSE dv.openid END
               END AS openid
        FROM r JOIN devices AS dv USING (d)
        UNION ALL
        SELECT -1 - s.r, device_text(md5('d' || s.d || ':{seed}')),
               wechat(pick(s.r, 42, {sizes.members}))
        FROM s
    )
    SELECT device_id, openid,
           ['launch', 'view', 'view', 'view', 'search', 'add_cart', 'share', 'pay']
               [1 + pick(r, 34, 8)] AS name,
           TIMESTAMP '2026-11-04' - to_seconds((u(r, 35) * 368 * 86400)::BIGINT) AS ts
    FROM all_rows
    ORDER BY ts"""


def build_links_data(data: Path, events: int, seed: int = SEED) -> Path:
    """The identity data set of `events` app event rows (built once, cached): its file."""
    folder = data / f"identity_{events}_{seed}"
    database = folder / "warehouse.duckdb"
    done = folder / "DONE"
    if done.exists():
        return database
    folder.mkdir(parents=True, exist_ok=True)
    database.unlink(missing_ok=True)  # an interrupted build's file and log: start afresh
    database.with_name(database.name + ".wal").unlink(missing_ok=True)
    sizes = Sizes(events, seed)
    started = time.perf_counter()
    with duckdb.connect(str(database)) as con:
        for statement in _generator_sql(sizes):
            con.execute(statement)
        tablets = f"SELECT sum(60 + pick(s, 41, 240)) FROM range({sizes.tablets}) t(s)"
        tablet_rows = int(_one(con, tablets))
        con.execute(_events_sql(sizes, tablet_rows))
        con.execute("CHECKPOINT")
    done.write_text("ok\n", encoding="utf-8")
    print(f"built {folder} in {time.perf_counter() - started:.1f} s", flush=True)
    return database


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def describe(database: Path) -> dict[str, int]:
    """Row counts of the data set."""
    with duckdb.connect(str(database), read_only=True) as con:
        counts = {t: int(_one(con, f"SELECT count(*) FROM {t}")) for t in _TABLES}
        counts["events_with_openid"] = int(_one(con, "SELECT count(openid) FROM app_events"))
        counts["devices"] = int(_one(con, "SELECT count(DISTINCT device_id) FROM app_events"))
    return counts


_TABLES = ("users", "bindings", "app_events")


# ---------------------------------------------------------------- segl


def check_project(text: str, universe: str) -> ir.Project:
    from segl.dsl.parser import parse_program

    config = ProjectConfig(name="idbench", universe=universe)
    project, diagnostics = check_programs([parse_program(text, "identity.segl")], config)
    assert project is not None, [str(d) for d in diagnostics if d.is_error]
    return project


_CREATED = re.compile(r'CREATE\s+TEMPORARY\s+TABLE\s+"[^"]*_id_(\w+)"', re.I)


def step_of(sql: str) -> str:
    """What a statement of the resolution does, named after the table it creates."""
    created = _CREATED.search(sql[:300])
    if created:
        what = created.group(1)
        if what == "e0":
            return "setup: first edges (shared IDs left out)"
        if what.startswith("e") and what[1:].isdigit():
            return "large star" if int(what[1:]) % 2 else "small star"
        return {"links": "setup: links", "ids": "setup: ids", "shared": "setup: shared IDs"}.get(
            what, f"finish: {what}"
        )
    head = " ".join(sql.split())[:80].upper()
    if head.startswith("DROP"):
        return "drop"
    if head in ("BEGIN TRANSACTION", "COMMIT"):
        return "begin/commit"
    if '"KEPT"' in sql.upper():
        return "convergence test (unchanged)"
    if '"PERSONS"' in sql.upper():
        return "counts"
    if "HAVING" in sql.upper():
        return "check: at most N ids per person"
    return head[:40]


class TimedEngine(DuckDBEngine):
    """DuckDB, every statement of the resolution timed (wall seconds) and named."""

    def __init__(self, database: str, read_only: bool = False) -> None:
        super().__init__(database, read_only)
        self.log: list[tuple[str, float]] = []

    def _timed(self, sql: str) -> object:
        started = time.perf_counter()
        result = self.connection.execute(sql)
        self.log.append((step_of(sql), time.perf_counter() - started))
        return result

    def execute_in_transaction(self, statements: Sequence[Statement]) -> None:
        run_in_transaction(self._timed, statements, self._error, begin="BEGIN TRANSACTION")

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        started = time.perf_counter()
        rows = super().query(sql)
        self.log.append((step_of(sql_of(sql)), time.perf_counter() - started))
        return rows


def steps(log: Sequence[tuple[str, float]]) -> dict[str, dict[str, float]]:
    """The log summed by step: seconds and how many statements."""
    found: dict[str, dict[str, float]] = {}
    for step, seconds in log:
        entry = found.setdefault(step, {"seconds": 0.0, "statements": 0})
        entry["seconds"] += seconds
        entry["statements"] += 1
    return found


def resolve(engine: TimedEngine, project: ir.Project) -> tuple[IdentityStats, float]:
    """segl's resolution, timed; its tables are left for the caller to read and drop."""
    engine.log.clear()
    sql = IdentitySql(Store(project), engine.target, AS_OF)
    started = time.perf_counter()
    stats = Resolution(sql, engine).run()
    return stats, time.perf_counter() - started


def drop(engine: DuckDBEngine, project: ir.Project) -> None:
    Resolution(IdentitySql(Store(project), engine.target, AS_OF), engine).drop_tables()


def segl_labels(engine: DuckDBEngine, project: ir.Project) -> dict[str, str]:
    """segl's map as node -> person key."""
    table = Store(project).identity_work("map")
    rows = engine.connection.execute(f"SELECT kind || ':' || id, person FROM \"{table}\"")
    return {str(node): str(person) for node, person in rows.fetchall()}


# ---------------------------------------------------------------- the Python contenders


@contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def extract(con: duckdb.DuckDBPyConnection) -> list[Link]:
    """The distinct visible links, fetched into Python."""
    with collector_paused():
        rows: list[Link] = con.execute(EXTRACT_SQL).fetchall()
    return rows


def shared_ids(links: Sequence[Link], above: int) -> set[str]:
    """IDs linked to more than `above` others (the links are distinct pairs)."""
    degree: Counter[str] = Counter()
    for a, b in links:
        degree[a] += 1
        degree[b] += 1
    return {node for node, links_of in degree.items() if links_of > above}


def union_find(links: Sequence[Link], above: int = SHARED_ABOVE) -> dict[str, str]:
    """Every ID of the links -> its component's root."""
    with collector_paused():
        shared = shared_ids(links, above)
        parent: dict[str, str] = {}
        size: dict[str, int] = {}
        for a, b in links:
            parent.setdefault(a, a)
            parent.setdefault(b, b)
            if a in shared or b in shared:
                continue
            while parent[a] != a:  # path halving
                parent[a] = parent[parent[a]]
                a = parent[a]
            while parent[b] != b:
                parent[b] = parent[parent[b]]
                b = parent[b]
            if a == b:
                continue
            if size.get(a, 1) < size.get(b, 1):
                a, b = b, a
            parent[b] = a
            size[a] = size.get(a, 1) + size.get(b, 1)
        roots: dict[str, str] = {}
        for node in parent:
            root = node
            while parent[root] != root:
                root = parent[root]
            roots[node] = root
    return roots


def networkx_components(links: Sequence[Link], above: int = SHARED_ABOVE) -> dict[str, int]:
    """Every ID of the links but the shared ones -> the number of its connected component
    (networkx)."""
    import networkx as nx

    with collector_paused():
        graph = nx.Graph()
        graph.add_edges_from(links)
        graph.remove_nodes_from([node for node, degree in graph.degree() if degree > above])
        labels: dict[str, int] = {}
        for number, component in enumerate(nx.connected_components(graph)):
            for node in component:
                labels[node] = number
    return labels


def partition(labels: Mapping[str, Hashable]) -> dict[str, str]:
    """Node -> the smallest node of its component, for components of two IDs or more: the
    same for two contenders exactly when they found the same components."""
    groups: dict[Hashable, list[str]] = defaultdict(list)
    for node, label in labels.items():
        groups[label].append(node)
    found: dict[str, str] = {}
    for nodes in groups.values():
        if len(nodes) > 1:
            smallest = min(nodes)
            for node in nodes:
                found[node] = smallest
    return found


class PartitionMismatch(Exception):
    """Two contenders found different persons."""


def same_partition(name: str, found: Mapping[str, str], expected: Mapping[str, str]) -> None:
    if found == expected:
        return
    missing = [n for n in expected if found.get(n) != expected[n]][:5]
    extra = [n for n in found if n not in expected][:5]
    raise PartitionMismatch(
        f"{name} differs from segl: {len(found):,} vs {len(expected):,} IDs in persons of two"
        f" or more; differing: {[(n, found.get(n), expected[n]) for n in missing]};"
        f" only in {name}: {extra}"
    )


# ---------------------------------------------------------------- memory


def resident_kib(field: str = "VmRSS") -> int:
    """This process's resident memory (VmRSS) or its peak since the last reset (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak() -> bool:
    """Reset VmHWM to the current resident memory (Linux 4.0+); False if not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure_one(contender: str, database: Path) -> dict[str, float]:
    """One run of one contender in this (fresh) process: its time and memory."""
    project = check_project(PROJECT, "users")
    engine = TimedEngine(str(database), read_only=True)
    engine.use_timezone("UTC")
    links: list[Link] = []
    if contender != "segl":
        links = extract(engine.connection)
        engine.close()  # DuckDB's buffers go: the Python contenders work alone
    gc.collect()
    start = resident_kib()
    exact = reset_peak()
    started = time.perf_counter()
    if contender == "segl":
        resolve(engine, project)
    elif contender == "union-find":
        union_find(links)
    else:
        networkx_components(links)
    seconds = time.perf_counter() - started
    peak = resident_kib("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if contender == "segl":
        engine.close()
    return {
        "seconds": seconds,
        "start_mib": start / 1024,
        "peak_mib": peak / 1024,
        "process_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_reset": float(exact),
    }


def memory_of(contender: str, database: Path) -> dict[str, float]:
    command = [sys.executable, "-m", "benchmarks.identity_bench", "--memory-of", contender]
    command += ["--database", str(database)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    measured: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


# ---------------------------------------------------------------- the links benchmark


Timings = dict[str, list[float]]


def bench_links(database: Path, runs: int, memory: bool) -> dict[str, Any]:
    counts = describe(database)
    print(f"identity data: {json.dumps(counts)}", flush=True)
    project = check_project(PROJECT, "users")
    engine = TimedEngine(str(database), read_only=True)
    engine.use_timezone("UTC")
    try:
        stats, first = resolve(engine, project)
        expected = partition(segl_labels(engine, project))
        drop(engine, project)
        print(f"  segl (check run): {first:.2f} s, {stats}", flush=True)
        links = extract(engine.connection)
        assert len(links) == stats.links, (len(links), stats.links)
        same_partition("union-find", partition(union_find(links)), expected)
        same_partition("networkx", partition(networkx_components(links)), expected)
        print(
            f"  agreement: segl, union-find and networkx find the same persons of two IDs or"
            f" more ({len(expected):,} IDs; segl's {stats.persons:,} persons include the"
            " IDs without links)",
            flush=True,
        )
        del links
        timings: Timings = {name: [] for name in ("segl", "extract", *CONTENDERS[1:])}
        cpu: Timings = {name: [] for name in timings}  # CPU seconds, all threads
        logs: list[list[tuple[str, float]]] = []
        for round_number in range(runs):
            gc.collect()
            cpu_started = time.process_time()
            _, seconds = resolve(engine, project)
            cpu["segl"].append(time.process_time() - cpu_started)
            timings["segl"].append(seconds)
            logs.append(list(engine.log))
            drop(engine, project)
            started, cpu_started = time.perf_counter(), time.process_time()
            links = extract(engine.connection)
            timings["extract"].append(time.perf_counter() - started)
            cpu["extract"].append(time.process_time() - cpu_started)
            contenders: dict[str, Callable[[Sequence[Link]], object]] = {
                "union-find": union_find,
                "networkx": networkx_components,
            }
            for name, contender in contenders.items():
                gc.collect()
                started, cpu_started = time.perf_counter(), time.process_time()
                found = contender(links)
                timings[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - cpu_started)
                del found
            del links
            listed = ", ".join(f"{n} {t[-1]:.2f}" for n, t in timings.items())
            print(f"  round {round_number + 1}/{runs}: {listed}", flush=True)
    finally:
        engine.close()
    median_round = sorted(range(runs), key=lambda i: timings["segl"][i])[runs // 2]
    result: dict[str, Any] = {
        "data": counts,
        "stats": stats.__dict__,
        "runs": timings,
        "cpu": cpu,
        "segl_steps": steps(logs[median_round]),
    }
    if memory:
        result["memory"] = {name: memory_of(name, database) for name in CONTENDERS}
    return result


# ---------------------------------------------------------------- the chain benchmark


def build_chain(con: duckdb.DuckDBPyConnection, length: int, shuffled: bool) -> None:
    """A chain of `length` links over length + 1 IDs: node i is linked to node i + 1; its
    text is i (sorted along the chain) or a random permutation of 0..length."""
    label = "lpad(i::VARCHAR, 8, '0')"
    if shuffled:
        label = f"lpad((row_number() OVER (ORDER BY hash(i, {SEED})) - 1)::VARCHAR, 8, '0')"
    con.execute(
        f"CREATE OR REPLACE TABLE chain_nodes AS SELECT i, {label} AS id FROM range({length + 1})"
        " t(i)"
    )
    con.execute(
        "CREATE OR REPLACE TABLE chain AS SELECT x.id AS a, y.id AS b,"
        " TIMESTAMP '2026-01-01' AS t FROM chain_nodes AS x JOIN chain_nodes AS y ON y.i = x.i + 1"
    )


def bench_chains(lengths: Sequence[int], runs: int) -> list[dict[str, Any]]:
    project = check_project(CHAIN_PROJECT, "nodes")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="segl-chain-") as folder:
        database = Path(folder) / "chain.duckdb"
        for length in lengths:
            for shuffled in (False, True):
                with duckdb.connect(str(database)) as con:
                    build_chain(con, length, shuffled)
                    con.execute("CHECKPOINT")
                engine = TimedEngine(str(database), read_only=True)
                engine.use_timezone("UTC")
                seconds: list[float] = []
                try:
                    for _ in range(runs):
                        stats, wall = resolve(engine, project)
                        drop(engine, project)
                        assert (stats.links, stats.ids, stats.persons) == (
                            length,
                            length + 1,
                            1,
                        ), stats
                        seconds.append(wall)
                    per_step = steps(engine.log)
                finally:
                    engine.close()
                labels = "shuffled" if shuffled else "sorted"
                row = {
                    "length": length,
                    "labels": labels,
                    "rounds": stats.rounds,
                    "runs": seconds,
                    "segl_steps": per_step,
                }
                rows.append(row)
                print(
                    f"  chain of {length:,} links, {labels} labels: {stats.rounds} rounds,"
                    f" median {statistics.median(seconds):.2f} s"
                    f" (runs {' '.join(f'{s:.2f}' for s in seconds)})",
                    flush=True,
                )
    return rows


# ---------------------------------------------------------------- report


def environment() -> dict[str, str]:
    import networkx

    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "networkx": networkx.__version__,
        "machine": f"{platform.processor() or platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} cores",
        "load_average_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def report_links(result: dict[str, Any]) -> str:
    runs: Timings = result["runs"]
    median = {name: statistics.median(times) for name, times in runs.items()}
    totals = {
        f"extract + {name}": statistics.median(
            [e + c for e, c in zip(runs["extract"], runs[name], strict=True)]
        )
        for name in CONTENDERS[1:]
    }
    cpu: Timings = result.get("cpu") or {name: [float("nan")] for name in runs}
    lines = [f"{'contender':<22} {'median s':>9} {'÷ segl':>7} {'cpu s':>7}  runs"]
    for name, times in runs.items():
        listed = " ".join(f"{t:.2f}" for t in times)
        ratio = median[name] / median["segl"]
        used = statistics.median(cpu[name])
        lines.append(f"{name:<22} {median[name]:>9.2f} {ratio:>7.2f} {used:>7.2f}  {listed}")
    for name, value in totals.items():
        lines.append(f"{name:<22} {value:>9.2f} {value / median['segl']:>7.2f}")
    for name in CONTENDERS[1:]:
        same_round = [
            s / (e + c) for s, e, c in zip(runs["segl"], runs["extract"], runs[name], strict=True)
        ]
        lines.append(
            f"segl ÷ (extract + {name}) within each round: "
            + " ".join(f"{r:.2f}" for r in same_round)
            + f" (median {statistics.median(same_round):.2f})"
        )
    lines.append("segl's statements (the median round), wall seconds:")
    for step, entry in sorted(result["segl_steps"].items(), key=lambda s: -s[1]["seconds"]):
        lines.append(f"  {entry['seconds']:7.2f} s  {int(entry['statements']):>3} x  {step}")
    for name, entry in result.get("memory", {}).items():
        lines.append(
            f"memory {name}: peak {entry['peak_mib']:,.0f} MiB (from {entry['start_mib']:,.0f}"
            f" MiB at its start), process peak {entry['process_peak_mib']:,.0f} MiB,"
            f" {entry['seconds']:.2f} s"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--events", type=float, default=1e6, help="app event rows of the links benchmark (0: none)"
    )
    parser.add_argument("--runs", type=int, default=3, help="timed rounds (after a check run)")
    parser.add_argument("--memory", action="store_true", help="peak memory, a process each")
    parser.add_argument(
        "--chains", type=float, nargs="*", default=[1e5], help="chain lengths in links"
    )
    parser.add_argument("--chain-runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=RESULTS / "identity.json")
    parser.add_argument("--memory-of", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.memory_of is not None:  # a child process of --memory
        print(json.dumps(measure_one(args.memory_of, args.database)))
        return
    results: dict[str, Any] = {"environment": environment()}
    if args.events > 0:
        database = build_links_data(args.data, int(args.events), args.seed)
        results["links"] = bench_links(database, args.runs, args.memory)
        print(report_links(results["links"]), flush=True)
    if args.chains:
        results["chains"] = bench_chains([int(n) for n in args.chains], args.chain_runs)
    results["environment"]["load_average_at_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()

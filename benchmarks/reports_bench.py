"""Funnels and retention on DuckDB against hand-written SQL and ClickHouse's windowFunnel,
and all the retail-like reports in one `segl report` invocation (issue 12, "Speed").

Targets: "a 5-step funnel and a 12-period retention over 10^8 event rows on DuckDB: at most
1.0x the best hand-written DuckDB SQL for the same semantics, and side by side with
ClickHouse's native windowFunnel through chdb on the same data (within 1.5x of it)"; "all
retail reports at 10^7 rows in one `segl report` invocation share their scans: at most 1.5x
the cost of the most expensive single report".

**Data and project.** A scale of the main benchmark (benchmarks/datagen.py: the demo
warehouse's users, events and orders; 10^7 event rows by default), its DuckDB file opened
read-only for the first part, copied to a temporary folder for the second (`segl report`
stores its results). The project is the benchmark workload (benchmarks/workload: its
sources and tags, zone UTC) plus benchmarks/workload_reports/reports.segl: the timed funnel
`push_to_order` (push sent, clicked, visit, cart, order; within 7 days), the timed
retention `visits_12w` (first register, then weekly visits, 12 weeks) and six more of the
retail examples' kinds (a funnel with step windows and `by entry`, two retentions, two
reports, an experiment). As-of 2026-11-01 (the data end the day before); the funnel's
entry range is its default, the 30 days before the as-of.

**Part 1: funnel and retention**, `--runs` rounds, the contenders' order rotating:
- segl: `run_funnel` / `run_retention` (runtime/reports.py: compile, one query, the JSON);
- hand: benchmarks/sql/reports_funnel.sql and reports_retention.sql on the same
  connection (the same DuckDB settings), exactly SPEC §3.4 / §3.5 for these two
  definitions (their comments say why), shaped into the same JSON; the benchmark raises
  Mismatch unless it equals segl's, every round;
- windowFunnel (funnel only): ClickHouse's `windowFunnel(604799)` in chdb over the scale's
  Parquet files, entries bounded by the first condition. Its semantics differ (no
  censoring, no durations, `<=` its window, ties at equal times in an unspecified order):
  only its time is compared; whether its users per step equal segl's is recorded.

**Part 2: one invocation**, `--runs` rounds: `segl report NAME PROJECT --db ...
--format json` as a separate process for each of the eight reports, and once for all of
them (Python's start, loading the project, the reports, storing them: what a user waits
for). The ratio is all-in-one over the most expensive single one.

Run: .venv/bin/python -m benchmarks.reports_bench --events 1e6 --runs 3
     .venv/bin/python -m benchmarks.reports_bench --events 1e8 --runs 3 --skip-invocations
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.datagen import DEFAULT_DATA, Scale, build_scale, users_for
from benchmarks.journeys_bench import environment
from benchmarks.methods import copy_workload
from segl.compiler import ir
from segl.compiler.reports import model
from segl.compiler.reports.sql import funnel_query, retention_query
from segl.compiler.sqlgen import render
from segl.runtime import reports
from segl.runtime.engines import DuckDBEngine
from segl.runtime.project import load_project

HERE = Path(__file__).parent
REPORTS_FILE = HERE / "workload_reports" / "reports.segl"
FUNNEL_SQL = HERE / "sql" / "reports_funnel.sql"
RETENTION_SQL = HERE / "sql" / "reports_retention.sql"
RETENTION_DISTINCT_SQL = HERE / "sql" / "reports_retention_distinct.sql"
RESULTS = HERE / "results"
AS_OF = dt.datetime(2026, 11, 1)
FUNNEL, RETENTION = "push_to_order", "visits_12w"
# the retail-like set, in the order of reports.segl
RETAIL = (
    FUNNEL,
    RETENTION,
    "browse_to_buy",
    "new_member_7d",
    "weekly_repurchase",
    "coupon_orders",
    "coupon_users",
    "price_test",
)
# windowFunnel's conditions: the funnel's steps as (table, condition) in chdb
FUNNEL_EVENTS = ("push_sent", "push_click", "visit", "add_cart")

Json = dict[str, Any]


class Mismatch(Exception):
    """segl and the hand-written SQL disagree."""


# ---------------------------------------------------------------- the project


def write_project(root: Path) -> Path:
    """The workload with the reports, as project `bench_reports`, under `root`."""
    return copy_workload(root, "bench_reports", REPORTS_FILE)


def checked_project(folder: Path) -> ir.Project:
    project = load_project(folder).project
    assert project is not None, f"{folder} does not check"
    return project


def the_funnel(project: ir.Project) -> model.Funnel:
    assert project.reports is not None
    return next(f for f in project.reports.funnels if f.name == FUNNEL)


def window_seconds(project: ir.Project) -> int:
    within = the_funnel(project).within
    assert within is not None, "the timed funnel has a funnel window"
    return int(within.total_seconds())


# ---------------------------------------------------------------- the contenders


def segl_funnel(engine: DuckDBEngine, project: ir.Project, as_of: dt.datetime) -> Json:
    """The funnel's total group, as `segl report` computes it."""
    result = reports.run_funnel(engine, project, FUNNEL, as_of)
    return dict(result["groups"][0])


def segl_retention(engine: DuckDBEngine, project: ir.Project, as_of: dt.datetime) -> Json:
    return {"cohorts": reports.run_retention(engine, project, RETENTION, as_of)["cohorts"]}


def _rate(count: int, base: int) -> float | None:
    return None if base == 0 else count / base


def hand_funnel(engine: DuckDBEngine, project: ir.Project, as_of: dt.datetime) -> Json:
    """benchmarks/sql/reports_funnel.sql, its rows shaped as segl's total group."""
    start, end = reports.entry_range(as_of, None, None)
    parameters = {
        "as_of": as_of,
        "entry_from": start,
        "entry_to": end,
        "window": window_seconds(project),
    }
    rows = engine.connection.execute(FUNNEL_SQL.read_text("utf-8"), parameters).fetchall()
    steps = [s.name for s in the_funnel(project).steps]
    furthest = {int(step): int(users) for step, users, _, median in rows if median is None}
    censored = sum(int(c) for _, users, c, median in rows if median is None)
    medians = {int(step): float(median) for step, _, _, median in rows if median is not None}
    reached = [sum(n for s, n in furthest.items() if s > index) for index in range(len(steps))]
    return {
        "key": {},
        "steps": [
            {
                "name": name,
                "users": reached[index],
                "rate_from_first": _rate(reached[index], reached[0]),
                "rate_from_previous": _rate(reached[index], reached[index - 1]) if index else None,
                "median_seconds_from_previous": medians.get(index + 1),
            }
            for index, name in enumerate(steps)
        ],
        "censored": censored,
    }


def hand_retention(engine: DuckDBEngine, as_of: dt.datetime, query: Path = RETENTION_SQL) -> Json:
    """benchmarks/sql/reports_retention.sql (or another hand-written form), its rows shaped
    as segl's cohorts."""
    rows = engine.connection.execute(query.read_text("utf-8"), {"as_of": as_of})
    cohorts: dict[dt.date, Json] = {}
    for cohort, size, k, retained in rows.fetchall():
        day = cohort.date() if isinstance(cohort, dt.datetime) else cohort
        cell = cohorts.setdefault(day, {"size": int(size), "retained": []})
        assert len(cell["retained"]) == int(k) - 1, "the periods come in order"
        cell["retained"].append(None if retained is None else int(retained))
    return {
        "cohorts": [
            {"cohort": day.isoformat(), "size": c["size"], "retained": c["retained"]}
            for day, c in sorted(cohorts.items())
        ]
    }


def window_funnel_sql(scale: Scale, as_of: dt.datetime, window: int) -> str:
    """ClickHouse's windowFunnel over the scale's Parquet files: the users at each level.
    Its window is `t_last <= t_first + window`: window - 1 for the SPEC's `<` on whole
    seconds. Later steps are read in the same range the hand-written query reads."""
    start, end = reports.entry_range(as_of, None, None)

    def literal(moment: dt.datetime) -> str:
        return f"toDateTime64('{moment:%Y-%m-%d %H:%M:%S}', 6, 'UTC')"

    last = end + dt.timedelta(seconds=window)
    names = ", ".join(f"'{n}'" for n in FUNNEL_EVENTS)
    step_of = "multiIf(" + "".join(f"name = '{n}', {i + 1}, " for i, n in enumerate(FUNNEL_EVENTS))
    step_of += "0)"
    users = f"(SELECT user_id FROM file('{scale.parquet('users')}', Parquet))"
    bounded = f">= {literal(start)} AND {{t}} < {literal(min(last, as_of))}"
    events = (
        f"SELECT user_id, toUnixTimestamp(ts) AS t, {step_of} AS step "
        f"FROM file('{scale.parquet('events')}', Parquet) "
        f"WHERE name IN ({names}) AND ts {bounded.format(t='ts')} AND user_id IN {users}"
    )
    orders = (
        f"SELECT user_id, toUnixTimestamp(paid_at) AS t, {len(FUNNEL_EVENTS) + 1} AS step "
        f"FROM file('{scale.parquet('orders')}', Parquet) "
        f"WHERE paid_at {bounded.format(t='paid_at')} AND user_id IN {users}"
    )
    first = (
        f"step = 1 AND t >= toUnixTimestamp({literal(start)}) "
        f"AND t < toUnixTimestamp({literal(end)})"
    )
    later = ", ".join(f"step = {i}" for i in range(2, len(FUNNEL_EVENTS) + 2))
    return (
        "SELECT level, count() AS users FROM ("
        f"SELECT user_id, windowFunnel({window - 1})(t, {first}, {later}) AS level "
        f"FROM ({events} UNION ALL {orders}) GROUP BY user_id"
        ") WHERE level > 0 GROUP BY level ORDER BY level "
        "SETTINGS session_timezone = 'UTC'"
    )


def window_funnel(sql: str) -> list[int]:
    """Users reaching each step by windowFunnel (its levels, accumulated)."""
    import chdb

    text = str(chdb.query(sql, "CSV")).strip()  # type: ignore[no-untyped-call]
    levels = {int(a): int(b) for a, b in (line.split(",") for line in text.splitlines())}
    steps = len(FUNNEL_EVENTS) + 1
    return [sum(n for level, n in levels.items() if level > s) for s in range(steps)]


# ---------------------------------------------------------------- timing


def timed(work: Callable[[], Any]) -> tuple[Any, Json]:
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return result, {"wall": wall, "cpu": cpu, "load": load}


def rotated(names: Sequence[str], round_number: int) -> list[str]:
    shift = round_number % len(names)
    return [*names[shift:], *names[:shift]]


def check_equal(what: str, segl: Json, hand: Json) -> None:
    if segl != hand:
        raise Mismatch(
            f"{what}: segl and the hand-written SQL differ\n"
            f"segl: {json.dumps(segl)[:2000]}\nhand: {json.dumps(hand)[:2000]}"
        )


def funnel_and_retention(args: argparse.Namespace, scale: Scale, project: ir.Project) -> Json:
    """Part 1: `--runs` rounds of each contender; every round's results checked."""
    window = window_seconds(project)
    chdb_sql = window_funnel_sql(scale, AS_OF, window)
    engine = DuckDBEngine(str(scale.database), read_only=True)
    contenders: dict[str, Callable[[], Any]] = {
        "funnel segl": lambda: segl_funnel(engine, project, AS_OF),
        "funnel hand": lambda: hand_funnel(engine, project, AS_OF),
        "retention segl": lambda: segl_retention(engine, project, AS_OF),
        "retention hand": lambda: hand_retention(engine, AS_OF),
        "retention hand distinct": lambda: hand_retention(engine, AS_OF, RETENTION_DISTINCT_SQL),
    }
    if not args.skip_chdb:
        contenders["funnel windowFunnel"] = lambda: window_funnel(chdb_sql)
    runs: dict[str, list[Json]] = {name: [] for name in contenders}
    found: dict[str, Any] = {}
    try:
        for round_number in range(args.runs):
            for name in rotated(list(contenders), round_number):
                found[name], measured = timed(contenders[name])
                runs[name].append(measured)
                print(f"  round {round_number + 1} {name}: {measured['wall']:.2f} s", flush=True)
            check_equal("funnel", found["funnel segl"], found["funnel hand"])
            check_equal("retention", found["retention segl"], found["retention hand"])
            check_equal("retention", found["retention segl"], found["retention hand distinct"])
        explained = explain(engine, project) if args.explain else {}
        compiled = compile_seconds(engine, project)
    finally:
        engine.close()
    segl_users = [step["users"] for step in found["funnel segl"]["steps"]]
    result: Json = {"runs": runs, "funnel": found["funnel segl"], "explain": explained}
    result["segl_compile_seconds"] = compiled
    result["retention_cohorts"] = len(found["retention segl"]["cohorts"])
    if "funnel windowFunnel" in found:
        result["window_funnel"] = {
            "users_per_step": found["funnel windowFunnel"],
            "equal_to_segl": found["funnel windowFunnel"] == segl_users,
            "sql": chdb_sql,
        }
    return result


def segl_queries(engine: DuckDBEngine, project: ir.Project) -> dict[str, str]:
    """segl's SQL of the timed funnel and retention, as run_funnel and run_retention
    compile it."""
    start, end = reports.entry_range(AS_OF, None, None)
    assert project.reports is not None
    retention = next(r for r in project.reports.retentions if r.name == RETENTION)
    target = engine.target
    funnel = funnel_query(project, the_funnel(project), AS_OF, target, start, end)
    return {
        "funnel segl": render(funnel, target),
        "retention segl": render(retention_query(project, retention, AS_OF, target), target),
    }


def compile_seconds(engine: DuckDBEngine, project: ir.Project) -> float:
    """What segl's times include besides the queries: compiling both (median of 3)."""
    times = [timed(lambda: segl_queries(engine, project))[1]["wall"] for _ in range(3)]
    return float(statistics.median(times))


def explain(engine: DuckDBEngine, project: ir.Project) -> dict[str, str]:
    """EXPLAIN ANALYZE of segl's two queries and the hand-written ones (where time goes)."""
    start, end = reports.entry_range(AS_OF, None, None)
    queries: dict[str, tuple[str, Json]] = {
        name: (sql, {}) for name, sql in segl_queries(engine, project).items()
    }
    queries |= {
        "funnel hand": (
            FUNNEL_SQL.read_text("utf-8"),
            {
                "as_of": AS_OF,
                "entry_from": start,
                "entry_to": end,
                "window": window_seconds(project),
            },
        ),
        "retention hand": (RETENTION_SQL.read_text("utf-8"), {"as_of": AS_OF}),
    }
    plans: dict[str, str] = {}
    for name, (sql, parameters) in queries.items():
        rows = engine.connection.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, parameters)
        plans[name] = costliest_operators(json.loads(rows.fetchall()[0][1]))
    return plans


def costliest_operators(profile: Json, count: int = 8) -> str:
    """The total and the `count` operators of a DuckDB JSON profile that took longest."""
    found: list[Json] = []
    pending = list(profile.get("operator", []))
    while pending:
        node = pending.pop()
        found.append(node)
        pending.extend(node.get("children", []))
    found.sort(key=lambda node: -float(node.get("timing", 0.0)))
    lines = [f"total {profile['query']['total_time']:.3f} s"]
    for node in found[:count]:
        info = node.get("extra_info", {})
        what = info.get("CTE Name") or info.get("Table") or info.get("Projections") or ""
        lines.append(
            f"{float(node['timing']):8.3f} s {node['name']:14} "
            f"{int(node.get('intermediate_rows', 0)):>12,} rows  {str(what)[:110]}"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- part 2: one invocation


def segl_report(names: Sequence[str], project: Path, database: Path, out: Path) -> Json:
    """`segl report NAMES PROJECT` as a separate process: wall and CPU seconds."""
    return segl_command(
        *("report", *names, str(project), "--db", f"duckdb:///{database}"),
        *("--as-of", f"{AS_OF:%Y-%m-%d %H:%M:%S}", "--format", "json", "--out", str(out)),
    )


def segl_command(*arguments: str) -> Json:
    """A segl command as a separate process: wall and CPU seconds."""
    command = [
        sys.executable,
        "-c",
        "import sys; from segl.runtime.cli import main; sys.exit(main())",
        *arguments,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    # as an installed segl starts: with its modules' bytecode cached (a machine that sets
    # PYTHONDONTWRITEBYTECODE would compile every module at every start)
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, check=True, capture_output=True, text=True, env=environment)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "load": load}


def invocations(args: argparse.Namespace, scale: Scale, folder: Path) -> Json:
    """Part 2: each report alone and all in one invocation, `--runs` rounds; the all-in-one
    results must equal the single ones (experiments: the same stored assignments)."""
    runs: dict[str, list[Json]] = {name: [] for name in (*RETAIL, "all")}
    # what every invocation pays before any report: Python's start, loading and checking
    fixed = [segl_command("check", str(folder)) for _ in range(args.runs)]
    with tempfile.TemporaryDirectory(prefix="segl-reports-") as work:
        database = Path(work) / "warehouse.duckdb"
        shutil.copyfile(scale.database, database)
        outputs: dict[str, Path] = {name: Path(work) / f"{name}.json" for name in runs}
        # the experiment's first invocation stores its assignments: untimed, once
        segl_report(["price_test"], folder, database, outputs["price_test"])
        for round_number in range(args.runs):
            for name in rotated(list(runs), round_number):
                names = list(RETAIL) if name == "all" else [name]
                measured = segl_report(names, folder, database, outputs[name])
                runs[name].append(measured)
                print(f"  round {round_number + 1} {name}: {measured['wall']:.2f} s", flush=True)
        computed = computed_in_process(args, folder, database)
        together = json.loads(outputs["all"].read_text("utf-8"))
        for name, result in zip(RETAIL, together, strict=True):
            alone = json.loads(outputs[name].read_text("utf-8"))[0]
            if not same_up_to_rounding(alone, result):
                raise Mismatch(f"{name}: alone and in one invocation differ")
    return {"runs": runs, "segl_check": fixed, "in_process": computed}


def computed_in_process(args: argparse.Namespace, folder: Path, database: Path) -> Json:
    """Each report's `compute` (what `segl report` calls per report: compile, query, shape)
    in one process, the project loaded and the database opened once: the reports' own
    seconds, without what an invocation pays once."""
    from segl.runtime import report_command as rc
    from segl.runtime.run import store_of

    loaded = load_project(folder)
    project = loaded.project
    assert project is not None
    engine = DuckDBEngine(str(database))
    runs: dict[str, list[Json]] = {name: [] for name in RETAIL}
    try:
        store = store_of(loaded, engine)
        chosen = {c.name: c for c in rc.choose(project, list(RETAIL))}
        for round_number in range(args.runs):
            for name in rotated(list(RETAIL), round_number):
                work = functools.partial(
                    rc.compute, engine, project, chosen[name], AS_OF, store=store
                )
                runs[name].append(timed(work)[1])
    finally:
        engine.close()
    return {"runs": runs}


def same_up_to_rounding(first: Any, second: Any) -> bool:
    """Equal JSON, floats within 1e-9 relative: DuckDB adds doubles (`avg` of a
    per-user value) in the order its threads meet them (docs/reports.md)."""
    if isinstance(first, float) and isinstance(second, float):
        return math.isclose(first, second, rel_tol=1e-9)
    if isinstance(first, dict) and isinstance(second, dict):
        return first.keys() == second.keys() and all(
            same_up_to_rounding(first[k], second[k]) for k in first
        )
    if isinstance(first, list) and isinstance(second, list):
        return len(first) == len(second) and all(
            same_up_to_rounding(a, b) for a, b in zip(first, second, strict=True)
        )
    return bool(first == second)


# ---------------------------------------------------------------- summary and main


def _median(runs: Sequence[Json], key: str = "wall") -> float:
    return float(statistics.median(r[key] for r in runs))


def summary(result: Json) -> Json:
    """Medians and the ratios of the targets."""
    found: Json = {}
    part = result.get("funnel_and_retention")
    if part is not None:
        runs = part["runs"]
        medians = {name: {k: _median(r, k) for k in ("wall", "cpu")} for name, r in runs.items()}
        found["medians"] = medians
        ratios = {
            "funnel segl / hand": medians["funnel segl"]["wall"] / medians["funnel hand"]["wall"],
            "retention segl / hand": medians["retention segl"]["wall"]
            / medians["retention hand"]["wall"],
        }
        if "retention hand distinct" in medians:  # results files before 2026-12-03 lack it
            ratios["retention segl / hand distinct"] = (
                medians["retention segl"]["wall"] / medians["retention hand distinct"]["wall"]
            )
        if "funnel windowFunnel" in medians:
            ratios["funnel segl / windowFunnel"] = (
                medians["funnel segl"]["wall"] / medians["funnel windowFunnel"]["wall"]
            )
            ratios["funnel hand / windowFunnel"] = (
                medians["funnel hand"]["wall"] / medians["funnel windowFunnel"]["wall"]
            )
        found["ratios"] = ratios
    part = result.get("invocations")
    if part is not None:
        singles = {name: _median(part["runs"][name]) for name in RETAIL}
        together = _median(part["runs"]["all"])
        dearest = max(singles, key=lambda name: singles[name])
        found["invocations"] = {
            "single_medians": singles,
            "all_median": together,
            "sum_of_singles": sum(singles.values()),
            "most_expensive": dearest,
            "all / most expensive": together / singles[dearest],
            "segl_check_median": _median(part["segl_check"]),
        }
        inside = {name: _median(r) for name, r in part["in_process"]["runs"].items()}
        found["in_process"] = {
            "medians": inside,
            "sum": sum(inside.values()),
            "sum / most expensive": sum(inside.values()) / max(inside.values()),
        }
    return found


def report(results: Json) -> str:
    lines = [f"scale: {results['scale']}"]
    found = results["summary"]
    for name, median in found.get("medians", {}).items():
        lines.append(f"  {name:24} {median['wall']:8.2f} s wall {median['cpu']:8.2f} s cpu")
    for name, ratio in found.get("ratios", {}).items():
        lines.append(f"  {name:28} {ratio:6.2f}x")
    calls = found.get("invocations")
    if calls is not None:
        for name, wall in calls["single_medians"].items():
            lines.append(f"  segl report {name:20} {wall:8.2f} s")
        lines.append(f"  segl report (all eight)        {calls['all_median']:8.2f} s")
        lines.append(f"  sum of the single ones         {calls['sum_of_singles']:8.2f} s")
        lines.append(f"  segl check (start, load)       {calls['segl_check_median']:8.2f} s")
    inside = found.get("in_process")
    if inside is not None:
        for name, wall in inside["medians"].items():
            lines.append(f"  compute {name:24} {wall:8.2f} s (in one process)")
        lines.append(
            f"  sum of computes {inside['sum']:.2f} s: "
            f"{inside['sum / most expensive']:.2f}x the most expensive"
        )
        lines.append(
            f"  all / most expensive ({calls['most_expensive']}) "
            f"{calls['all / most expensive']:.2f}x"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=float, default=1e7, help="event rows of the scale")
    parser.add_argument("--runs", type=int, default=3, help="rounds (the median is reported)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--skip-chdb", action="store_true", help="no windowFunnel")
    parser.add_argument("--skip-invocations", action="store_true", help="part 1 only")
    parser.add_argument("--skip-funnel", action="store_true", help="part 2 only")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the queries")
    parser.add_argument("--report", type=Path, help="print the tables of a results file")
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = RESULTS / f"reports_{args.events:.0e}.json".replace("+0", "")
    return args


def bench(args: argparse.Namespace) -> Json:
    scale = build_scale(args.data, users_for(args.events))
    print(f"reports: {scale.label}", flush=True)
    results: Json = {"environment": environment(), "scale": scale.label, "runs": args.runs}
    results["event_rows"] = scale.event_rows
    with tempfile.TemporaryDirectory(prefix="segl-reports-project-") as root:
        folder = write_project(Path(root))
        project = checked_project(folder)
        if not args.skip_funnel:
            results["funnel_and_retention"] = funnel_and_retention(args, scale, project)
        if not args.skip_invocations:
            results["invocations"] = invocations(args, scale, folder)
    results["environment"]["load_average_at_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results["summary"] = summary(results)
    return results


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.report is not None:
        print(report(json.loads(args.report.read_text(encoding="utf-8"))))
        return
    results = bench(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(report(results))
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()

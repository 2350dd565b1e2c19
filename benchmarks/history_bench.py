"""The main run with a profile kept as history (SPEC §3.1, `valid from A to B`) against the
same rules reading a plain profile, on DuckDB: what reading the version valid at the
as-of costs.

**Data.** A scale of the main benchmark (benchmarks/datagen.py, copied to a temporary
folder: the cached data is not touched) with two more tables built from `users`:

- `membership_history` (user_id, member_level, valid_from, valid_to): 1 to
  `--versions` versions per user (uniform), from registration to a random moment before
  the as-of, each ending where the next begins; the version valid at the as-of carries
  the user's `member_level`, the earlier ones other levels; 20 % of the users also have a
  version starting after the as-of (a change after that day, as a history loaded today
  holds), 5 % a first version with no start ("since always"), and the last version of
  every user is open (null end);
- `membership` (user_id, member_level): one row per user, the same levels: what a
  plain profile would hold on the as-of.

**Variants.** The workload of benchmarks/workload (60 tags, 100 segments, 3 layerings),
each as its own project (its own result tables):

- `main`: the workload as it is (member_level read from `users`);
- `plain profile`: member_level read from a second profile, `membership` (one row per
  user): the same rules with the extra join, no history;
- `history`: member_level read from `membership_history` declared `valid from valid_from
  to valid_to`: the same rules as `plain profile`, the version valid at the as-of.

Each is timed as the harness times segl (benchmarks/methods.py Segl): load and check the
project, verify the sources, check for duplicate keys (overlapping versions, for the
history), compile, run in one transaction and summarise, into history tables left in
place (emptied between runs, not timed). Correctness first: one untimed run of each; the
three must store the same member levels, members and layers (up to the harness's
floating-point ties). Then `--runs` interleaved rounds
(main, plain, history, main, ...); medians, and the ratios of the medians.

`--profile` then times the statements of the plain and history runs one at a time and
prints DuckDB's EXPLAIN ANALYZE of the per-user query of each (where the time goes).

Run: .venv/bin/python -m benchmarks.history_bench --events 1e7 --runs 5 [--profile]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.datagen import DEFAULT_DATA, build_scale, users_for
from benchmarks.harness import FLOAT_TIE_SHARE
from benchmarks.methods import AS_OF, copy_workload
from segl.compiler import ir
from segl.compiler.script import compile_run
from segl.compiler.sqlgen import render
from segl.compiler.sqlgen.query import profile_visibility
from segl.compiler.store import Store
from segl.runtime.engines import DuckDBEngine
from segl.runtime.project import LoadedProject, load_project
from segl.runtime.run import duplicate_keys, run_loaded

RESULTS = Path(__file__).parent / "results"
SEED = 11
VARIANTS = ("main", "plain profile", "history")
BASELINE = "plain profile"  # the same rules without history: the ratio the target is about

PLAIN_SOURCE = """\
# member levels, one row per user (benchmarks/history_bench.py)
source membership "Membership level" from table "membership" key user_id {
    member_level: string
}
"""

HISTORY_SOURCE = """\
# member levels kept as history: the version valid at the as-of (benchmarks/history_bench.py)
source membership "Membership levels" from table "membership_history" key user_id
    valid from valid_from to valid_to {
    member_level: string
    valid_from: timestamp
    valid_to: timestamp
}
"""

PROFILE_TAG = "tag member_level = users.member_level"


def membership_sql(versions: int, seed: int = SEED) -> list[str]:
    """The statements building `membership` and `membership_history` from `users`
    (deterministic: every draw is a hash of the user, a draw number and the seed)."""
    as_of = f"TIMESTAMP '{AS_OF:%Y-%m-%d %H:%M:%S}'"
    levels = "['normal', 'silver', 'gold', 'platinum']"
    return [
        f"CREATE OR REPLACE TEMP MACRO hu(i, k) AS"
        f" (hash(i, k, {seed}) >> 11)::DOUBLE / 9007199254740992.0",
        "CREATE OR REPLACE TABLE membership AS SELECT user_id, member_level FROM users",
        # n past versions (the last of them current at the as-of) from registration to
        # `current`, a version after the as-of for some; each ends where the next begins
        f"""CREATE OR REPLACE TABLE membership_history AS
        WITH u AS (
            SELECT user_id, member_level, registered_at AS first_start,
                   1 + (hash(user_id, 1, {seed}) % {versions})::INT AS n,
                   registered_at + to_seconds((hu(user_id, 2)
                       * date_diff('second', registered_at, {as_of}))::BIGINT) AS current,
                   hu(user_id, 3) < 0.20 AS changes_later,
                   hu(user_id, 4) < 0.05 AS since_always
            FROM users
        ), v AS (
            SELECT user_id, member_level, n, since_always, changes_later,
                   first_start, current, unnest(range(n + changes_later::INT)) AS k
            FROM u
        ), starts AS (
            SELECT user_id, k,
                   CASE
                       WHEN k = n THEN {as_of} + to_seconds((1 + hu(user_id, 5) * 5184000)::BIGINT)
                       WHEN k = n - 1 THEN current
                       WHEN k = 0 AND since_always THEN NULL
                       ELSE first_start + to_seconds((k / (n - 1)::DOUBLE
                           * date_diff('second', first_start, current))::BIGINT)
                   END AS valid_from,
                   CASE
                       WHEN k = n - 1 THEN member_level
                       ELSE {levels}[1 + (hash(user_id, 10 + k, {seed}) % 4)::INT]
                   END AS member_level
            FROM v
        )
        SELECT user_id, member_level, valid_from,
               lead(valid_from) OVER (PARTITION BY user_id ORDER BY k) AS valid_to
        FROM starts
        ORDER BY user_id, k""",
    ]


# ---------------------------------------------------------------- the variants


@dataclass(frozen=True)
class Variant:
    name: str
    folder: Path  # the project's folder

    def loaded(self) -> LoadedProject:
        return load_project(self.folder)

    def store(self) -> Store:
        project = self.loaded().project
        assert project is not None, f"the {self.name} variant has errors"
        return Store(project)


def write_variants(root: Path) -> list[Variant]:
    """The three projects: the workload, with member_level from a plain second profile,
    and from a history; each with its own project name (its own result tables)."""
    variants: list[Variant] = []
    for name, project, source in (
        ("main", "bench_main", None),
        ("plain profile", "bench_plain", PLAIN_SOURCE),
        ("history", "bench_history", HISTORY_SOURCE),
    ):
        folder = copy_workload(root, project)
        if source is not None:
            (folder / "membership.segl").write_text(source, encoding="utf-8")
            tags = folder / "tags_profile.segl"
            text = tags.read_text(encoding="utf-8")
            assert PROFILE_TAG in text, "the workload's member_level tag changed"
            replaced = text.replace(PROFILE_TAG, "tag member_level = membership.member_level")
            tags.write_text(replaced, encoding="utf-8")
        variants.append(Variant(name, folder))
    return variants


def reset(engine: DuckDBEngine, variant: Variant) -> None:
    """Empty the variant's history tables, keeping them (as benchmarks/methods.py Segl)."""
    store = variant.store()
    con = engine.connection
    existing = {str(r[0]) for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for table in (store.tags.name, store.members.name, store.layers.name):
        if table in existing:
            con.execute(f'DELETE FROM "{table}"')
    if store.runs.name in existing:
        con.execute(f'DELETE FROM "{store.runs.name}" WHERE project = ?', [store.project.name])
    con.execute("CHECKPOINT")


def run(engine: DuckDBEngine, variant: Variant) -> tuple[float, float]:
    """One timed run of a variant: wall and CPU seconds (all threads of this process)."""
    reset(engine, variant)
    wall, cpu = time.perf_counter(), time.process_time()
    run_loaded(variant.loaded(), engine, AS_OF)
    return time.perf_counter() - wall, time.process_time() - cpu


class Mismatch(Exception):
    """Two variants stored different results."""


def results_of(variant: Variant, what: str) -> str:
    store = variant.store()
    if what == "member levels":  # the tag the variants read differently
        return f'SELECT user_id, member_level FROM "{store.tags.name}"'
    if what == "members":
        return f'SELECT segment, user_id FROM "{store.members.name}"'
    return f'SELECT layering, user_id, layer FROM "{store.layers.name}"'


def check_agreement(
    engine: DuckDBEngine, variants: Sequence[Variant]
) -> tuple[dict[str, int], list[str]]:
    """Every variant stored the first one's member levels, members and layers: the row
    counts, and the floating-point ties accepted. As in the harness (FLOAT_TIE_SHARE), a
    user on a threshold of a sum of doubles can land on either side from one run to the
    next (DuckDB adds in no fixed order): members and layers may differ in up to one row
    per million; the member levels may not differ at all."""
    con = engine.connection
    counts: dict[str, int] = {}
    ties: list[str] = []
    first = variants[0]
    for what in ("member levels", "members", "layers"):
        expected = results_of(first, what)
        counts[what] = int(con.execute(f"SELECT count(*) FROM ({expected})").fetchall()[0][0])
        allowed = 0 if what == "member levels" else int(FLOAT_TIE_SHARE * counts[what])
        for other in variants[1:]:
            found = results_of(other, what)
            rows = []
            for a, b in ((expected, found), (found, expected)):
                rows += con.execute(f"SELECT * FROM ({a} EXCEPT ALL {b}) LIMIT 100").fetchall()
            detail = f"{other.name} {what} differ from {first.name}: {rows[:5]}"
            if len(rows) > allowed:
                raise Mismatch(detail)
            if rows:
                ties.append(detail)
    for tie in ties:
        print(f"  floating-point tie: {tie}")
    return counts, ties


def describe_history(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    at = f"TIMESTAMP '{AS_OF:%Y-%m-%d %H:%M:%S}'"
    row = con.execute(
        f"""SELECT count(*), count(DISTINCT user_id),
               count(*) FILTER (WHERE valid_from > {at}),
               count(*) FILTER (WHERE valid_from IS NULL),
               count(*) FILTER (WHERE (valid_from IS NULL OR valid_from <= {at})
                                  AND (valid_to IS NULL OR {at} < valid_to))
        FROM membership_history"""
    ).fetchall()[0]
    rows, users, future, since_always, valid = (int(x) for x in row)
    return {
        "versions": rows,
        "users": users,
        "versions_per_user": round(rows / users, 2),
        "versions_after_as_of": future,
        "versions_since_always": since_always,
        "versions_valid_at_as_of": valid,
    }


# ---------------------------------------------------------------- profile


def statement_label(sql: str) -> str:
    lines = [line.strip() for line in sql.strip().splitlines()]
    text = " ".join(line for line in lines if line and not line.startswith("--"))
    return re.sub(r"\s+", " ", text)[:70]


def profile(engine: DuckDBEngine, variants: Sequence[Variant], rounds: int) -> dict[str, Any]:
    """Where the time goes, for each variant: its run's statements one at a time (wall and
    CPU seconds, the median of `rounds`, the variants interleaved in each round); the users
    joined to the membership rows that hold at the as-of alone (the compiler's own
    predicate, profile_visibility), materialised; the run's duplicate-key check
    (runtime/run.py duplicate_keys); and DuckDB's EXPLAIN ANALYZE of the per-user query."""
    con = engine.connection
    compiled = {}
    for variant in variants:
        project = variant.loaded().project
        assert project is not None
        compiled[variant.name] = compile_run(project, AS_OF, engine.target)
    statements = {
        name: ["BEGIN TRANSACTION", *run.body_sql(), "COMMIT"] for name, run in compiled.items()
    }
    joins = {
        v.name: membership_join(engine, compiled[v.name].plan.project.source("membership"))
        for v in variants
    }
    timings: dict[str, dict[str, list[list[float]]]] = {
        name: {"wall": [[] for _ in sql], "cpu": [[] for _ in sql]}
        for name, sql in statements.items()
    }
    join_runs: dict[str, list[float]] = {v.name: [] for v in variants}
    keys_runs: dict[str, list[float]] = {v.name: [] for v in variants}
    for _ in range(rounds):
        for variant in variants:
            reset(engine, variant)
            measured = timings[variant.name]
            for index, statement in enumerate(statements[variant.name]):
                wall, cpu = time.perf_counter(), time.process_time()
                con.execute(statement)
                measured["wall"][index].append(time.perf_counter() - wall)
                measured["cpu"][index].append(time.process_time() - cpu)
            started = time.perf_counter()
            con.execute(joins[variant.name])
            join_runs[variant.name].append(time.perf_counter() - started)
            started = time.perf_counter()
            duplicate_keys(variant.loaded(), engine, AS_OF)
            keys_runs[variant.name].append(time.perf_counter() - started)
    found: dict[str, Any] = {}
    for variant in variants:
        name = variant.name
        measured = timings[name]
        steps = [
            {
                "statement": statement_label(sql),
                "seconds": statistics.median(wall),
                "cpu": statistics.median(cpu),
                "runs": wall,
            }
            for sql, wall, cpu in zip(
                statements[name], measured["wall"], measured["cpu"], strict=True
            )
        ]
        query = compiled[name].query_sql()
        found[name] = {
            "statements": steps,
            "membership_join": {"sql": joins[name], "runs": join_runs[name]},
            "duplicate_keys": {"runs": keys_runs[name]},
            "explain_analyze": "\n".join(
                str(row[-1]) for row in con.execute(f"EXPLAIN ANALYZE {query}").fetchall()
            ),
        }
    return found


def membership_join(engine: DuckDBEngine, source: ir.Source) -> str:
    """The users with the membership row that holds at the as-of, as the per-user query
    joins them (compiler/sqlgen/query.py QueryBuilder.users), into a temporary table."""
    on = "p.user_id = u.user_id"
    visible = profile_visibility(engine.target, source, "p", AS_OF)
    if visible is not None:
        on += f" AND {render(visible, engine.target, pretty=False)}"
    return (
        "CREATE OR REPLACE TEMP TABLE membership_at AS SELECT u.user_id, p.member_level"
        f' FROM users AS u LEFT JOIN "{source.table}" AS p ON {on}'
    )


# ---------------------------------------------------------------- the benchmark


def bench(args: argparse.Namespace) -> dict[str, Any]:
    scale = build_scale(args.data, users_for(args.events))
    print(f"scale: {scale.label}", flush=True)
    with tempfile.TemporaryDirectory(prefix="segl-history-") as folder:
        work = Path(folder) / "warehouse.duckdb"
        shutil.copyfile(scale.database, work)
        variants = write_variants(Path(folder))
        engine = DuckDBEngine(str(work))
        try:
            started = time.perf_counter()
            for statement in membership_sql(args.versions, args.seed):
                engine.connection.execute(statement)
            engine.connection.execute("CHECKPOINT")
            history = describe_history(engine.connection)
            history["build_seconds"] = round(time.perf_counter() - started, 2)
            print(f"  membership history: {json.dumps(history)}", flush=True)
            for variant in variants:  # the correctness run, which creates the tables
                wall, _ = run(engine, variant)
                print(f"  {variant.name} (check run): {wall:.2f} s", flush=True)
            counts, ties = check_agreement(engine, variants)
            print(
                f"  agreement: the three variants store the same rows {counts},"
                f" but {len(ties)} floating-point ties",
                flush=True,
            )
            timings: dict[str, dict[str, list[float]]] = {
                v.name: {"runs": [], "cpu": []} for v in variants
            }
            for round_number in range(args.runs):
                for variant in variants:
                    wall, cpu = run(engine, variant)
                    timings[variant.name]["runs"].append(wall)
                    timings[variant.name]["cpu"].append(cpu)
                listed = ", ".join(f"{n} {t['runs'][-1]:.2f}" for n, t in timings.items())
                print(f"  round {round_number + 1}/{args.runs}: {listed}", flush=True)
            profiled = profile(engine, variants[1:], args.runs) if args.profile else None
        finally:
            engine.close()
    result: dict[str, Any] = {
        "users": scale.users,
        "event_rows": scale.event_rows,
        "history": history,
        "rows_compared": counts,
        "floating_point_ties": ties,
        "variants": timings,
    }
    if profiled is not None:
        result["profile"] = profiled
    return result


def ratios(result: dict[str, Any]) -> dict[str, float]:
    """Median of each variant ÷ median of the plain profile; the history's ratio to the
    plain profile within each round (the same moment of the machine), and of CPU seconds
    (less disturbed by other work on the machine than wall time)."""
    runs = {name: entry["runs"] for name, entry in result["variants"].items()}
    base = statistics.median(runs[BASELINE])
    found = {name: statistics.median(times) / base for name, times in runs.items()}
    per_round = [h / p for h, p in zip(runs["history"], runs[BASELINE], strict=True)]
    found["history ÷ plain, median of the rounds' ratios"] = statistics.median(per_round)
    found["history ÷ main"] = statistics.median(runs["history"]) / statistics.median(runs["main"])
    cpu = {name: entry["cpu"] for name, entry in result["variants"].items()}
    found["history ÷ plain, CPU (medians)"] = statistics.median(cpu["history"]) / statistics.median(
        cpu[BASELINE]
    )
    return found


def report(result: dict[str, Any]) -> str:
    lines = [
        f"-- {result['event_rows']:,} event rows, {result['users']:,} users,"
        f" {result['history']['versions']:,} versions",
        f"{'variant':<14} {'median s':>9} {'÷ plain':>8} {'cpu s':>7}  runs",
    ]
    found = ratios(result)
    for name, entry in result["variants"].items():
        median = statistics.median(entry["runs"])
        cpu = statistics.median(entry["cpu"])
        runs = " ".join(f"{r:.2f}" for r in entry["runs"])
        lines.append(f"{name:<14} {median:>9.2f} {found[name]:>8.3f} {cpu:>7.2f}  {runs}")
    for name, value in found.items():
        if name not in result["variants"]:
            lines.append(f"{name}: {value:.3f}")
    for name, entry in result.get("profile", {}).items():
        join = statistics.median(entry["membership_join"]["runs"])
        keys = statistics.median(entry["duplicate_keys"]["runs"])
        lines.append(
            f"-- {name}: users joined to their membership at the as-of alone {join:.3f} s,"
            f" the duplicate-key check {keys:.3f} s; the run's statements (median wall, CPU s):"
        )
        for step in entry["statements"]:
            if step["seconds"] >= 0.005:
                cpu = step.get("cpu", float("nan"))
                lines.append(f"  {step['seconds']:6.2f} {cpu:6.2f}  {step['statement']}")
    return "\n".join(lines)


def environment() -> dict[str, str]:
    from importlib.metadata import version

    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "sqlglot": version("sqlglot"),
        "machine": f"{platform.processor() or platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} cores",
        "load_average_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=float, default=1e6, help="event rows of the scale")
    parser.add_argument("--runs", type=int, default=5, help="timed rounds (after a check run)")
    parser.add_argument("--versions", type=int, default=6, help="most versions up to the as-of")
    parser.add_argument("--profile", action="store_true", help="statements and EXPLAIN ANALYZE")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=RESULTS / "history.json")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    results: dict[str, Any] = {"environment": environment(), "runs": args.runs}
    results["scale"] = bench(args)
    results["ratios"] = ratios(results["scale"])
    results["environment"]["load_average_at_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # ensure_ascii=False: EXPLAIN ANALYZE draws its plan with box characters
    text = json.dumps(results, indent=2, ensure_ascii=False)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(report(results["scale"]))
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()

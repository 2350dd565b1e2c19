"""Project size: how `segl run` time and memory grow with the number of definitions.

A synthetic project of N tags and N segments (and 1 + N // 250 layerings) over the demo
warehouse (segl.runtime.demo_data, 20,000 users by default), deterministic for each N:

- tags: 6 % profile columns, 59 % aggregates over `orders` and `events` (count, sum, avg,
  min, max, exists, count_distinct, the active-days idiom, a few last / most_frequent) with
  windows (7 days to 12 months, `between ... ago`) and filters (brand, category, channel,
  amount, coupon, event name, weekday, hour), 35 % derived from earlier tags (ratios,
  differences, recencies, case, coalesce, boolean tests);
- segments: thresholds over 1-3 tags, combinations of earlier segments, layer values,
  and a few with an aggregate or a profile column of their own;
- layerings: four layers each over number tags.

Every stage is timed separately, in a child process per N so that its peak RSS is its own:
parse, check, plan, SQL generation (the sqlglot trees of every statement), rendering to
text, and execution on DuckDB statement by statement, grouped by what the statement writes
(the temporary per-user result table, the tag, member, layer and run history tables).
Execution runs on a copy of the cached warehouse, twice: the first run creates the history
tables (as a first `segl run` does), the second replaces its own rows (a scheduled day).

Run: .venv/bin/python -m benchmarks.project_size [--sizes 100 500 1000 2000 5000]
     [--users 20000] [--timeout 600] [--keep DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.plan import build_plan
from segl.compiler.script import compile_run
from segl.compiler.sqlgen import build_result_query, render
from segl.compiler.targets import get_target
from segl.dsl.parser import parse_program
from segl.dsl.perf import collector_paused
from segl.runtime.demo_data import build_demo_warehouse

AS_OF = dt.datetime(2026, 11, 1)
DEFAULT_DATA = Path(os.environ.get("SEGL_BENCH_DATA", Path(__file__).parent / "data"))
DEFAULT_SIZES = (100, 500, 1000, 2000, 5000)
STAGES = ("parse", "check", "plan", "sqlgen", "render")
GROUPS = ("result", "tags", "members", "layers", "runs", "other", "commit")

SOURCES = """\
source users from table "users" key user_id {
    user_id: number
    gender: string
    city: string
    birthday: date
    registered_at: timestamp
    balance: number
    member_level: string
}

source orders from table "orders" user user_id time paid_at {
    brand: string
    category: string
    amount: number
    coupon_id: string
    channel: string
}

source events from table "events" user user_id time ts {
    name: string
    channel: string
}
"""

BRANDS = ("Shiseido", "Estee Lauder", "Lancome", "SK-II", "L'Oreal", "Clinique", "Olay")
CATEGORIES = ("skincare", "makeup", "fragrance", "haircare", "bodycare")
CHANNELS = ("app", "mini_program", "wechat_oa", "h5", "store", "video_channel")
EVENT_NAMES = ("visit", "push_click", "push_sent", "add_cart", "coupon_claim")
CITIES = ("Beijing", "Shanghai", "Guangzhou", "Shenzhen", "Chengdu")
LEVELS = ("silver", "gold", "platinum")
DAYS = (7, 14, 30, 60, 90, 180, 365)

NUMBER, STRING, TIMESTAMP, BOOL = "number", "string", "timestamp", "bool"
T = TypeVar("T")


# ---------------------------------------------------------------- the project


@dataclass
class Generator:
    """Writes one synthetic project; every choice comes from a Random seeded with N."""

    size: int
    rng: random.Random = field(init=False)
    tags: dict[str, list[str]] = field(default_factory=dict)  # type -> tag names
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # string tag -> values
    layerings: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.size)

    def pick(self, kind: str) -> str:
        return self.rng.choice(self.tags[kind])

    def window(self) -> str:
        roll = self.rng.random()
        if roll < 0.08:
            return ""
        if roll < 0.2:
            return f" in last {self.rng.choice((1, 3, 6, 12))} months"
        if roll < 0.27:
            start = self.rng.choice((30, 60, 90))
            return f" between {start} and {start * 2} days ago"
        return f" in last {self.rng.choice(DAYS)} days"

    def order_filter(self) -> str:
        options = (
            f'brand == "{self.rng.choice(BRANDS)}"',
            f'category == "{self.rng.choice(CATEGORIES)}"',
            f'channel in ["{self.rng.choice(CHANNELS)}", "{self.rng.choice(CHANNELS)}"]',
            f"amount >= {self.rng.choice((100, 300, 500, 1000))}",
            "coupon_id is not null",
            "day_of_week(paid_at) >= 6",
            f'brand == "{self.rng.choice(BRANDS)}" and category == "{self.rng.choice(CATEGORIES)}"',
        )
        return "" if self.rng.random() < 0.25 else " where " + self.rng.choice(options)

    def event_filter(self) -> str:
        name = f'name == "{self.rng.choice(EVENT_NAMES)}"'
        extra = (
            "",
            "",
            f' and channel == "{self.rng.choice(CHANNELS)}"',
            " and day_of_week(ts) >= 6",
            f" and hour(ts) >= {self.rng.choice((8, 12, 20))}",
        )
        return f" where {name}{self.rng.choice(extra)}"

    def aggregate(self) -> tuple[str, str, tuple[str, ...]]:
        """An aggregate tag: (expression, type, string values it can take)."""
        roll = self.rng.random()
        window, ofilter, efilter = self.window(), self.order_filter(), self.event_filter()
        if roll < 0.18:
            return f"count(orders{ofilter}{window})", NUMBER, ()
        if roll < 0.30:
            return f"sum(orders.amount{ofilter}{window})", NUMBER, ()
        if roll < 0.36:
            func = self.rng.choice(("avg", "max", "min"))
            return f"{func}(orders.amount{ofilter}{window})", NUMBER, ()
        if roll < 0.40:
            return f"max(orders.paid_at{ofilter}{window})", TIMESTAMP, ()
        if roll < 0.68:
            return f"count(events{efilter}{window})", NUMBER, ()
        if roll < 0.73:
            return f"max(events.ts{efilter})", TIMESTAMP, ()
        if roll < 0.80:
            return f"exists(events{efilter}{window})", BOOL, ()
        if roll < 0.86:
            days = self.rng.choice((7, 30, 90))
            idiom = f'count_distinct(date(events.ts) where name == "visit" in last {days} days)'
            return idiom, NUMBER, ()
        if roll < 0.90:
            column = self.rng.choice(("brand", "category"))
            return f"count_distinct(orders.{column}{window})", NUMBER, ()
        if roll < 0.97:
            return f"last(orders.brand{ofilter}{window})", STRING, BRANDS
        column, values = self.rng.choice((("category", CATEGORIES), ("channel", CHANNELS)))
        return f"most_frequent(orders.{column}{window})", STRING, values

    def profile(self, index: int) -> tuple[str, str, tuple[str, ...]]:
        options: tuple[tuple[str, str, tuple[str, ...]], ...] = (
            ("users.city", STRING, CITIES),
            ("users.gender", STRING, ("F", "M")),
            ("age(users.birthday)", NUMBER, ()),
            ("users.balance", NUMBER, ()),
            ("days_since(users.registered_at)", NUMBER, ()),
            ("users.member_level", STRING, LEVELS),
            (
                'case when users.city in ["Beijing", "北京"] then "Beijing" '
                'when users.city in ["Chengdu", "成都"] then "Chengdu" else users.city end',
                STRING,
                CITIES,
            ),
        )
        return options[index % len(options)]

    def derived(self) -> tuple[str, str, tuple[str, ...]]:
        roll = self.rng.random()
        a, b, c = self.pick(NUMBER), self.pick(NUMBER), self.pick(NUMBER)
        if roll < 0.25:
            return f"{a} / {b}", NUMBER, ()
        if roll < 0.40:
            return f"{a} - ({b} - {c})", NUMBER, ()
        if roll < 0.50:
            return f"round({a} / ({b} + 1), 2)", NUMBER, ()
        if roll < 0.60:
            return f"coalesce({a}, 0) + {b} * 2", NUMBER, ()
        if roll < 0.72 and TIMESTAMP in self.tags:
            return f"days_since({self.pick(TIMESTAMP)})", NUMBER, ()
        if roll < 0.85:
            k = self.rng.choice((1, 2, 5, 10))
            return f"{a} >= {k} and not {b} > {k * 3}", BOOL, ()
        return (
            f'case when {a} >= 5 then "high" when {b} >= 1 then "mid" else "low" end',
            STRING,
            ("high", "mid", "low"),
        )

    def add_tag(self, lines: list[str], index: int) -> None:
        roll = self.rng.random()
        if index < 7 or roll < 0.06:
            expr, kind, values = self.profile(index)
        elif roll < 0.65 or len(self.tags.get(NUMBER, ())) < 3:
            expr, kind, values = self.aggregate()
        else:
            expr, kind, values = self.derived()
        name = f"t{index}"
        self.tags.setdefault(kind, []).append(name)
        if values:
            self.values[name] = values
        lines.append(f"tag {name} = {expr}")

    def condition(self) -> str:
        """A test over one tag of any type."""
        kind = self.rng.choice((NUMBER, NUMBER, NUMBER, STRING, BOOL, TIMESTAMP))
        name = self.pick(kind)
        if kind == NUMBER:
            op = self.rng.choice((">=", ">", "<", "==", "<="))
            return f"{name} {op} {self.rng.choice((0, 1, 2, 3, 5, 10, 100, 500))}"
        if kind == STRING:
            return f'{name} == "{self.rng.choice(self.values[name])}"'
        if kind == BOOL:
            return name if self.rng.random() < 0.5 else f"not {name}"
        return f"days_since({name}) <= {self.rng.choice(DAYS)}"

    def add_layering(self, lines: list[str], index: int) -> None:
        a, b, c = self.pick(NUMBER), self.pick(NUMBER), self.pick(NUMBER)
        name = f"lay{index}"
        layers = ("top", "high", "low", "none")
        self.layerings.append((name, layers))
        lines.append(
            f"layering {name} {{\n"
            f"    top when {a} >= 5 and {b} >= 1\n"
            f"    high when {a} >= 1\n"
            f"    low when {c} > 0\n"
            f"    none otherwise\n"
            "}"
        )

    def add_segment(self, lines: list[str], index: int) -> None:
        roll = self.rng.random()
        earlier = self.segments
        if roll < 0.50 or len(earlier) < 2:
            parts = [self.condition() for _ in range(self.rng.choice((1, 2, 2, 3)))]
            joiner = self.rng.choice((" and ", " and ", " or "))
            expr = (
                joiner.join(parts)
                if len(parts) < 3
                else f"{parts[0]} and ({parts[1]} or {parts[2]})"
            )
        elif roll < 0.75:
            a, b = self.rng.choice(earlier), self.rng.choice(earlier)
            expr = self.rng.choice(
                (f"{a} and not {b}", f"{a} or {b}", f"{a} and {self.condition()}")
            )
        elif roll < 0.90 and self.layerings:
            layering, layers = self.rng.choice(self.layerings)
            picked = self.rng.sample(layers, 2)
            expr = self.rng.choice(
                (
                    f'{layering} == "{picked[0]}"',
                    f'{layering} in ["{picked[0]}", "{picked[1]}"] and {self.condition()}',
                )
            )
        elif roll < 0.95:
            expr = f"count(orders in last {self.rng.choice(DAYS)} days) >= 2 and {self.condition()}"
        else:
            expr = f'users.city == "{self.rng.choice(CITIES)}" and {self.condition()}'
        name = f"s{index}"
        earlier.append(name)
        lines.append(f"segment {name} = {expr}")

    def text(self) -> str:
        lines: list[str] = []
        layerings = 1 + self.size // 250
        for index in range(self.size):
            self.add_tag(lines, index)
        for index in range(layerings):
            self.add_layering(lines, index)
        for index in range(self.size):
            self.add_segment(lines, index)
        return SOURCES + "\n" + "\n\n".join(lines) + "\n"


def project_text(size: int) -> str:
    """The rule file of the N-tag, N-segment project (deterministic for each N)."""
    return Generator(size).text()


# ---------------------------------------------------------------- the warehouse


def warehouse(data: Path, users: int) -> Path:
    """The demo warehouse with `users` users, built once and cached."""
    folder = data / f"project_size_{users}"
    database = folder / "warehouse.duckdb"
    done = folder / "DONE"
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        database.unlink(missing_ok=True)
        with duckdb.connect(str(database)) as con:
            build_demo_warehouse(con, users=users)
            con.execute("CHECKPOINT")
        done.write_text("ok\n", encoding="utf-8")
    return database


# ---------------------------------------------------------------- one size


HISTORY = re.compile(r'"[^"]*_(tags|members|layers|runs)"')


def group_of(statement: str) -> str:
    """Which table a statement writes, from its opening words."""
    head = " ".join(statement.split())[:300]
    if head.startswith("CREATE TEMPORARY TABLE"):
        return "result"
    found = HISTORY.search(head)
    return found.group(1) if found else "other"


@dataclass
class Clock:
    """Wall and CPU seconds (the CPU of every thread of the process) of each stage."""

    wall: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)

    def time(self, stage: str, work: Callable[[], T]) -> T:
        wall, cpu = time.perf_counter(), time.process_time()
        value = work()
        self.wall[stage] = self.wall.get(stage, 0.0) + time.perf_counter() - wall
        self.cpu[stage] = self.cpu.get(stage, 0.0) + time.process_time() - cpu
        return value


def execute(con: duckdb.DuckDBPyConnection, statements: list[str]) -> Clock:
    """BEGIN, every statement (timed by group), COMMIT + CHECKPOINT, as `segl run` does."""
    clock = Clock(dict.fromkeys(GROUPS, 0.0), dict.fromkeys(GROUPS, 0.0))
    con.execute("BEGIN TRANSACTION")
    for statement in statements:
        clock.time(group_of(statement), partial(con.execute, statement))

    def commit() -> None:
        con.execute("COMMIT")
        con.execute("CHECKPOINT")

    clock.time("commit", commit)
    return clock


def measure(size: int, database: Path, keep: Path | None) -> dict[str, Any]:
    """Every stage for the project of `size` tags and segments (run in a child process)."""
    target = get_target("duckdb")
    text = project_text(size)
    clock = Clock()
    with collector_paused():  # as load_project and compile_run do
        program = clock.time("parse", lambda: parse_program(text, "project.segl"))
    config = ProjectConfig(name="size", universe="users")
    project, diagnostics = clock.time("check", lambda: check_programs([program], config))
    assert project is not None, [str(d) for d in diagnostics[:3]]
    with collector_paused():
        plan = clock.time("plan", lambda: build_plan(project, AS_OF))
        clock.time("sqlgen", lambda: build_result_query(plan, target))  # the result query
    compiled = compile_run(project, AS_OF, target)  # the same again, with the run's tables
    with collector_paused():
        body = clock.time("sqlgen", compiled.body)  # the statements around it
        statements = clock.time("render", lambda: [render(s, target) for s in body])
    result: dict[str, Any] = {"size": size, "bytes": len(text), "levels": plan.levels}
    result["definitions"] = len(plan.columns)
    result["sql_chars"] = sum(len(s) for s in statements)
    with tempfile.TemporaryDirectory(prefix="segl-size-") as folder:
        copy = Path(folder) / "warehouse.duckdb"
        shutil.copyfile(database, copy)
        con = duckdb.connect(str(copy))
        con.execute("SET TimeZone = 'UTC'")
        first, second = execute(con, statements), execute(con, statements)
        con.close()
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(copy, keep / f"size_{size}.duckdb")
    result.update(clock.wall)
    result["cpu"] = clock.cpu
    result["first_run"], result["first_run_cpu"] = first.wall, first.cpu
    result["second_run"], result["second_run_cpu"] = second.wall, second.cpu
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def run_child(size: int, args: argparse.Namespace, database: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.project_size", "--one", str(size)]
    command += ["--users", str(args.users), "--data", str(args.data)]
    if args.keep is not None:
        command += ["--keep", str(args.keep)]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=args.timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"size": size, "error": f"killed after {args.timeout:.0f} s"}
    if done.returncode != 0:
        return {"size": size, "error": done.stderr.strip().splitlines()[-1:]}
    measured: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    measured["wall"] = time.perf_counter() - started
    return measured


def total(run: dict[str, float]) -> float:
    return sum(run.values())


def report(rows: list[dict[str, Any]]) -> str:
    header = (
        "| N | levels | parse | check | plan | sqlgen | render | result table | tags | members"
        " | layers | rest | execute | execute again | CPU | peak RSS |"
    )
    lines = [header, "|" + "---:|" * 16]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['size']:,} | {row['error']} |" + " |" * 14)
            continue
        first = row["first_run"]
        cells = [f"{row['size']:,}", str(row["levels"])]
        cells += [f"{row[stage]:.2f}" for stage in STAGES]
        cells += [f"{first[g]:.2f}" for g in ("result", "tags", "members", "layers")]
        cells.append(f"{first['runs'] + first['other'] + first['commit']:.2f}")
        cells += [f"{total(first):.2f}", f"{total(row['second_run']):.2f}"]
        cells.append(f"{total(row['cpu']) + total(row['first_run_cpu']):.2f}")
        cells.append(f"{row['peak_rss_mib']:,.0f} MiB")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per size")
    parser.add_argument("--keep", type=Path, help="keep each size's result database here")
    parser.add_argument("--out", type=Path, help="write the measurements as JSON")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    database = warehouse(args.data, args.users)
    if args.one is not None:
        print(json.dumps(measure(args.one, database, args.keep)))
        return
    rows: list[dict[str, Any]] = []
    for size in args.sizes:
        row = run_child(size, args, database)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
        if "error" in row:
            break  # a larger project will not do better
    print(
        f"{args.users:,} users, as of {AS_OF:%Y-%m-%d}; wall seconds unless marked; execute:"
        " the first run (creates the history tables), again: the second; CPU: every stage"
        " and the first run, all threads"
    )
    print(report(rows))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

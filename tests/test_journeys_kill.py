"""Exactly once (SPEC §3.2): `segl run` killed with SIGKILL at any point of its work, then
retried, leaves the same outbox as an uninterrupted schedule: no decision duplicated or
lost. The run kills itself at a chosen statement of its body (runtime/run.py KILL_AT,
a real SIGKILL), in a forked child of the test process (fast: nothing to import).

DuckDB, SQLite and PostgreSQL: at least 200 kill points across a schedule each
(SEGL_KILL_POINTS, default 8 per run over 25 runs); ClickHouse (chdb on disk, `segl run`
as a subprocess): 2 per run over 5 runs; Spark (a Spark Connect server): 1 per run over 3.
Also: two runs at once on PostgreSQL decide every message once.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_journeys_engines import loaded_project

from segl.compiler.types import Type
from segl.runtime.engines import Engine, connect
from segl.runtime.outbox import read_outbox
from segl.runtime.project import LoadedProject
from segl.runtime.run import KILL_AT, run_loaded, store_of

POINTS_PER_RUN = int(os.environ.get("SEGL_KILL_POINTS", "8"))
START = dt.datetime(2026, 11, 2, 6)
SCHEDULE = [START + dt.timedelta(hours=6 * i) for i in range(25)]


def warehouse_rows(seed: int = 7) -> dict[str, list[list[Any]]]:
    rng = random.Random(seed)
    zones = [None, "Asia/Shanghai", "America/New_York", "Europe/London"]
    users = [[u, rng.choice(zones)] for u in range(1, 41)]
    span = int((SCHEDULE[-1] - START).total_seconds() // 60)
    events, orders = [], []
    for user in range(1, 41):
        for _ in range(rng.randrange(0, 5)):
            moment = START + dt.timedelta(minutes=rng.randrange(-2 * 1440, span))
            events.append([user, moment, rng.choice(["register", "visit", "view"])])
        for _ in range(rng.randrange(0, 3)):
            moment = START + dt.timedelta(minutes=rng.randrange(0, span))
            orders.append([user, moment, float(rng.randrange(1, 20))])
    events.append([3, dt.datetime(2026, 9, 1), "visit"])  # a dormant user for winback
    return {"users": users, "events": events, "orders": orders}


COLUMNS = {
    "users": [("user_id", Type.NUMBER), ("tz", Type.STRING)],
    "events": [("user_id", Type.NUMBER), ("ts", Type.TIMESTAMP), ("name", Type.STRING)],
    "orders": [("user_id", Type.NUMBER), ("ts", Type.TIMESTAMP), ("amount", Type.NUMBER)],
}


def fill(engine: Engine) -> None:
    for name, rows in warehouse_rows().items():
        engine.create_table(name, COLUMNS[name], rows)


def snapshot(engine: Engine, loaded: LoadedProject) -> list[tuple[object, ...]]:
    decisions = read_outbox(engine, store_of(loaded, engine))
    return sorted(
        (d["message_id"], d["status"], d["run_at"], d["due_at"], str(d["payload"]))
        for d in decisions
    )


def run_in_child(url: str, loaded: LoadedProject, as_of: dt.datetime, kill_at: int | None) -> int:
    """Run once in a forked child; its exit status (negative: the signal that ended it)."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            if kill_at is not None:
                os.environ[KILL_AT] = str(kill_at)
            engine = connect(url)
            run_loaded(loaded, engine, as_of)
            engine.close()
        except BaseException:
            traceback.print_exc()  # the parent's assertion then shows why
            code = 3
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def killed_schedule(url: str, loaded: LoadedProject, points: int) -> int:
    """Every run of the schedule killed at `points` points, each kill retried at once;
    then the run completes. Returns how many kills happened."""
    kills = 0
    rng = random.Random(11)
    for as_of in SCHEDULE:
        for _ in range(points):
            status = run_in_child(url, loaded, as_of, rng.randrange(0, 10_000))
            assert status == -signal.SIGKILL, status
            kills += 1
        assert run_in_child(url, loaded, as_of, None) == 0
    return kills


def baseline(url: str, loaded: LoadedProject) -> list[tuple[object, ...]]:
    engine = connect(url)
    try:
        fill(engine)
        for as_of in SCHEDULE:
            run_loaded(loaded, engine, as_of)
        return snapshot(engine, loaded)
    finally:
        engine.close()


def check_exactly_once(make_url: Callable[[str], str], points: int, at_least: int) -> None:
    loaded = loaded_project()
    expected = baseline(make_url("baseline"), loaded)
    assert len({row[0] for row in expected}) == len(expected) > 30
    url = make_url("killed")
    engine = connect(url)
    fill(engine)
    engine.close()
    kills = killed_schedule(url, loaded, points)
    assert kills >= at_least
    engine = connect(url)
    try:
        assert snapshot(engine, loaded) == expected
    finally:
        engine.close()


@pytest.mark.parametrize("kind", ["duckdb", "sqlite"])
def test_killed_runs_decide_exactly_once_on_files(kind: str, tmp_path: Path) -> None:
    def make_url(name: str) -> str:
        suffix = "duckdb" if kind == "duckdb" else "db"
        return f"{kind}:///{tmp_path / f'{name}.{suffix}'}"

    check_exactly_once(make_url, POINTS_PER_RUN, 200 if POINTS_PER_RUN >= 8 else 1)


def test_killed_runs_decide_exactly_once_on_postgres(postgres_url: Callable[[], str]) -> None:
    urls: dict[str, str] = {}

    def make_url(name: str) -> str:
        return urls.setdefault(name, postgres_url())

    check_exactly_once(make_url, POINTS_PER_RUN, 200 if POINTS_PER_RUN >= 8 else 1)


def test_two_runs_at_once_decide_once_on_postgres(postgres_url: Callable[[], str]) -> None:
    loaded = loaded_project()
    expected = baseline(postgres_url(), loaded)
    url = postgres_url()
    engine = connect(url)
    fill(engine)
    engine.close()
    for as_of in SCHEDULE:
        results: list[int] = []

        def one_run(when: dt.datetime = as_of, into: list[int] = results) -> None:
            into.append(run_in_child(url, loaded, when, None))

        threads = [threading.Thread(target=one_run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [0, 0]
    engine = connect(url)
    try:
        assert snapshot(engine, loaded) == expected
    finally:
        engine.close()


# ClickHouse (chdb on disk, no transactions: markers written last): every step in its own
# process, since chdb keeps one session per process.
CHDB_SCHEDULE = SCHEDULE[::6]  # 5 runs, 36 hours apart
CHDB_SCRIPT = """
import json, sys, datetime as dt
sys.path.insert(0, {tests!r})
from test_journeys_kill import COLUMNS, warehouse_rows
from segl.runtime.engines import connect
engine = connect({url!r})
for name, rows in warehouse_rows().items():
    engine.create_table(name, COLUMNS[name], rows)
engine.close()
"""


def _segl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "segl.runtime.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def _subprocess_schedule(
    root: Path, url: str, schedule: list[dt.datetime], kills_per_run: int
) -> tuple[list[str], int]:
    """Fill the warehouse, then run `segl run` per instant in its own process, killed
    `kills_per_run` times first; the final outbox as JSON lines, and the kills."""
    fill = CHDB_SCRIPT.format(tests=str(Path(__file__).parent), url=url)
    subprocess.run([sys.executable, "-c", fill], check=True, timeout=600)
    kills = 0
    rng = random.Random(5)
    for as_of in schedule:
        moment = f"{as_of:%Y-%m-%d %H:%M:%S}"
        for _ in range(kills_per_run):
            env = {**os.environ, KILL_AT: str(rng.randrange(0, 10_000))}
            done = _segl("run", str(root), "--db", url, "--as-of", moment, env=env)
            assert done.returncode == -signal.SIGKILL, done.stderr
            kills += 1
        done = _segl("run", str(root), "--db", url, "--as-of", moment)
        assert done.returncode == 0, done.stdout + done.stderr
    shown = _segl("show", "outbox", str(root), "--db", url, "--format", "jsonl")
    assert shown.returncode == 0, shown.stderr
    return sorted(shown.stdout.splitlines()), kills


def _project_folder(tmp_path: Path) -> Path:
    from test_journeys_run import RULES

    root = tmp_path / "shop"
    root.mkdir()
    (root / "rules.segl").write_text(RULES)
    (root / "segl.toml").write_text('[project]\nname = "shop"\ntimezone = "Asia/Shanghai"\n')
    return root


def duckdb_lines(schedule: list[dt.datetime]) -> list[str]:
    """The uninterrupted schedule's outbox, as `segl show outbox --format jsonl` prints it,
    on an in-process DuckDB (every engine writes the same: test_journeys_differential)."""
    from segl.runtime.engines import DuckDBEngine
    from segl.runtime.outbox import as_json

    loaded = loaded_project()
    engine = DuckDBEngine()
    try:
        fill(engine)
        for as_of in schedule:
            run_loaded(loaded, engine, as_of)
        return sorted(as_json(d) for d in read_outbox(engine, store_of(loaded, engine)))
    finally:
        engine.close()


def test_killed_runs_decide_exactly_once_on_clickhouse(tmp_path: Path) -> None:
    root = _project_folder(tmp_path)
    expected = duckdb_lines(CHDB_SCHEDULE)
    found, kills = _subprocess_schedule(root, f"chdb:///{tmp_path / 'killed'}", CHDB_SCHEDULE, 2)
    assert kills == 2 * len(CHDB_SCHEDULE)
    assert len(expected) > 5
    assert found == expected


# Spark (no transactions: markers written last) through a real Spark Connect server, so
# that the state outlives each killed client: one kill per run over 3 runs.
SPARK_SCHEDULE = SCHEDULE[::12]


def test_killed_runs_decide_exactly_once_on_spark(tmp_path: Path) -> None:
    import spark_remote

    root = _project_folder(tmp_path)
    expected = duckdb_lines(SPARK_SCHEDULE)
    with spark_remote.connect_server(tmp_path) as url:
        found, kills = _subprocess_schedule(root, f"{url}/kkill", SPARK_SCHEDULE, 1)
    assert kills == len(SPARK_SCHEDULE)
    assert len(expected) > 5
    assert found == expected

"""Exactly once (SPEC §3.2): `segl run` killed with SIGKILL at any point of its work, then
retried, leaves the same outbox as an uninterrupted schedule: no decision duplicated or
lost. The run kills itself at a chosen statement of its body (runtime/run.py KILL_AT,
a real SIGKILL), in a forked child of the test process (fast: nothing to import).

DuckDB, SQLite and PostgreSQL: at least 200 kill points across a schedule each
(SEGL_KILL_POINTS, default 8 per run over 25 runs); ClickHouse (chdb on disk): one per run.
Also: two runs at once on PostgreSQL decide every message once.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import threading
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

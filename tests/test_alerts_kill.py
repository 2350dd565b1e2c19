"""Exactly once for alerts: `segl run` killed with SIGKILL at any point of its work (the
alert run's reading, staging and writing included; runtime/run.py KILL_AT), then retried,
leaves the same alert history and the same notifications as an uninterrupted schedule;
`segl deliver` killed before or after a notification reaches its destination, then run
again, delivers every notification, and records each as delivered exactly once (the
receiver deduplicates a resent one by its Idempotency-Key).

DuckDB and SQLite files, in forked children of the test process: SEGL_KILL_POINTS kills
per run (default 8) over five weekly runs, and two killed deliveries after each run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
import signal
import traceback
from collections import Counter
from pathlib import Path

import pytest
from test_alerts import SHRINKING, SLIDE, WEEKLY, slide_fill, slide_loaded
from test_journeys_kill import run_in_child

from segl.runtime.alerts import read_history
from segl.runtime.delivery import DELIVERED, Delivery, Destination, FileSender, Outcome
from segl.runtime.engines import DuckDBEngine, Engine, connect
from segl.runtime.project import LoadedProject
from segl.runtime.run import run_loaded, store_of

POINTS_PER_RUN = int(os.environ.get("SEGL_KILL_POINTS", "8"))
DAY = dt.timedelta(days=1)
# more notifications than the plain alerts give: a repeat every week while firing
REPEATING = dataclasses.replace(SLIDE, name="slide_weekly", repeat=7 * DAY)
ALERTS = (SLIDE, SHRINKING, REPEATING)


def history(engine: Engine, loaded: LoadedProject) -> list[tuple[object, ...]]:
    rows, uncommitted = read_history(engine, store_of(loaded, engine))
    assert uncommitted == set()
    return [dataclasses.astuple(row) for row in rows]


def baseline(loaded: LoadedProject) -> list[tuple[object, ...]]:
    engine = DuckDBEngine()
    try:
        slide_fill(engine)
        for as_of in WEEKLY:
            run_loaded(loaded, engine, as_of)
        return history(engine, loaded)
    finally:
        engine.close()


def deliver_in_child(url: str, loaded: LoadedProject, out: Path, kill_at: int | None) -> int:
    """`segl deliver` to a file in a forked child, killed at its `kill_at`-th message
    (even: before the message is written; odd: after, before it is recorded)."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            sender = FileSender(str(out))
            sent = 0

            def send(message_id: str, body: bytes) -> Outcome:
                nonlocal sent
                if kill_at is not None and sent == kill_at // 2 and kill_at % 2 == 0:
                    os.kill(os.getpid(), signal.SIGKILL)
                outcome = sender(message_id, body)
                if kill_at is not None and sent == kill_at // 2:
                    os.kill(os.getpid(), signal.SIGKILL)
                sent += 1
                return outcome

            engine = connect(url)
            store = store_of(loaded, engine)
            Delivery(engine, store, Destination("file", str(out)), send=send).run()
            engine.close()
        except BaseException:
            traceback.print_exc()
            code = 3
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


@pytest.mark.parametrize("kind", ["duckdb", "sqlite"])
def test_killed_runs_and_deliveries_notify_exactly_once(kind: str, tmp_path: Path) -> None:
    loaded = slide_loaded(*ALERTS)
    expected = baseline(loaded)
    notifications = {str(row[8]) for row in expected if row[8] is not None}
    assert len(notifications) >= 5
    suffix = "duckdb" if kind == "duckdb" else "db"
    url = f"{kind}:///{tmp_path / f'killed.{suffix}'}"
    engine = connect(url)
    slide_fill(engine)
    engine.close()
    out = tmp_path / "notifications.jsonl"
    rng = random.Random(13)
    run_kills = delivery_kills = 0
    for as_of in WEEKLY:
        for _ in range(POINTS_PER_RUN):
            assert run_in_child(url, loaded, as_of, rng.randrange(0, 10_000)) == -signal.SIGKILL
            run_kills += 1
        assert run_in_child(url, loaded, as_of, None) == 0
        for _ in range(2):  # killed at a message this delivery has, when it has any
            status = deliver_in_child(url, loaded, out, rng.randrange(0, 4))
            assert status in (0, -signal.SIGKILL)
            delivery_kills += status == -signal.SIGKILL
    assert deliver_in_child(url, loaded, out, None) == 0
    assert run_kills == POINTS_PER_RUN * len(WEEKLY) and delivery_kills >= 3
    engine = connect(url)
    try:
        assert history(engine, loaded) == expected
        store = store_of(loaded, engine)
        rows = engine.query(f'SELECT message_id, status FROM "{store.deliveries.name}"')
    finally:
        engine.close()
    delivered = Counter(str(m) for m, status in rows if status == DELIVERED)
    assert set(delivered) == notifications
    assert set(delivered.values()) == {1}  # recorded as delivered once each
    received = [json.loads(line)["message_id"] for line in out.read_text().splitlines()]
    assert set(received) == notifications  # resent at most after a kill, same key

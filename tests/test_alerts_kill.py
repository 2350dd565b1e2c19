"""Exactly once for alerts: `segl run` killed with SIGKILL at any point of its work (the
alert run's reading, staging and writing included; runtime/run.py KILL_AT), then retried,
leaves the same alert history and the same notifications as an uninterrupted schedule;
`segl deliver` killed before or after a notification reaches its destination, then run
again, delivers every notification, and records each as delivered exactly once (the
receiver deduplicates a resent one by its Idempotency-Key).

DuckDB and SQLite files, in forked children of the test process: SEGL_KILL_POINTS kills
per run (default 8) over five weekly runs, and two killed deliveries after each run.
ClickHouse (chdb on disk, `segl run` as a subprocess): two kills per run over five runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
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
from segl.runtime.run import KILL_AT, run_loaded, store_of

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


# ClickHouse (chdb on disk, no transactions: the run log row written last marks a run as
# committed): `segl run` in its own process per attempt (chdb keeps one session per
# process), killed twice per run, over five weekly runs.
CHDB_FILL = """
import sys
sys.path.insert(0, {tests!r})
from test_alerts import slide_fill
from segl.runtime.engines import connect
engine = connect({url!r})
slide_fill(engine)
engine.close()
"""


def _segl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "segl.runtime.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def test_killed_runs_notify_exactly_once_on_clickhouse(tmp_path: Path) -> None:
    from test_alerts import SLIDE_RULES
    from test_alerts_cli import ALERTS as ALERT_RULES

    schedule = WEEKLY
    expected_loaded = slide_loaded(SLIDE, SHRINKING)
    engine = DuckDBEngine()
    slide_fill(engine)
    for as_of in schedule:
        run_loaded(expected_loaded, engine, as_of)
    expected = history(engine, expected_loaded)
    engine.close()
    root = tmp_path / "shop"
    root.mkdir()
    (root / "rules.segl").write_text(SLIDE_RULES + "\n" + ALERT_RULES)
    (root / "segl.toml").write_text('[project]\nname = "shop"\ntimezone = "UTC"\n')
    url = f"chdb:///{tmp_path / 'killed'}"
    fill = CHDB_FILL.format(tests=str(Path(__file__).parent), url=url)
    subprocess.run([sys.executable, "-c", fill], check=True, timeout=600)
    rng = random.Random(17)
    for as_of in schedule:
        moment = f"{as_of:%Y-%m-%d %H:%M:%S}"
        for _ in range(2):
            env = {**os.environ, KILL_AT: str(rng.randrange(0, 10_000))}
            done = _segl("run", str(root), "--db", url, "--as-of", moment, env=env)
            assert done.returncode == -signal.SIGKILL, done.stderr
        done = _segl("run", str(root), "--db", url, "--as-of", moment)
        assert done.returncode == 0, done.stdout + done.stderr
    out = tmp_path / "notifications.jsonl"
    delivered = _segl("deliver", str(root), "--db", url, "--to", f"file:{out}")
    assert delivered.returncode == 0, delivered.stdout + delivered.stderr
    received = [json.loads(line)["message_id"] for line in out.read_text().splitlines()]
    wanted = [str(row[8]) for row in expected if row[8] is not None]
    assert sorted(received) == sorted(wanted) and len(wanted) == 3
    shown = _segl("alerts", str(root), "--db", url, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    latest = {
        a["alert"]: (a["state"], a["as_of"], a["firing_since"]) for a in json.loads(shown.stdout)
    }
    last = {str(row[1]): row for row in expected if row[0] == schedule[-1]}
    for name, row in last.items():
        since = None if row[7] is None else f"{row[7]:%Y-%m-%d %H:%M:%S}"
        assert latest[name] == (row[3], f"{schedule[-1]:%Y-%m-%d %H:%M:%S}", since)

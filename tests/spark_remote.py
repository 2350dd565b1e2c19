"""Real Spark servers for the remote URL forms, started from pyspark's own distribution,
and the client that runs a small project against them.

- `connect_server(folder)`: a Spark Connect server (`SparkConnectServer` through
  `bin/spark-submit`, master `local[1]`); yields `sc://127.0.0.1:<port>`.
- `standalone_cluster(folder)`: a standalone master and one worker (`bin/spark-class`);
  yields `spark://127.0.0.1:<port>`.

Both stop their processes (by their own process groups) on exit. A process holds either a
local session or a Spark Connect one, never both, so the client runs in its own process:
`python spark_remote.py URL PROJECT AS_OF` loads ROWS into the URL's database, runs
`segl run PROJECT --db URL --as-of AS_OF` (the CLI entry point) and prints the history
tables as JSON (`history_rows`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

SPARK_HOME = Path(__import__("pyspark").__file__).parent
STARTUP_SECONDS = 180

T = dt.datetime
# a small project's rows: a daylight-saving gap, null values, a user without orders
ROWS: dict[str, list[dict[str, object]]] = {
    "users": [
        {"user_id": 1, "city": "Beijing", "registered_at": T(2025, 3, 9, 0, 0)},
        {"user_id": 2, "city": None, "registered_at": T(2025, 3, 9, 2, 30)},
        {"user_id": 3, "city": "北京", "registered_at": None},
    ],
    "orders": [
        {"user_id": 1, "ts": T(2025, 3, 8, 12), "amount": 10.0, "brand": "A"},
        {"user_id": 1, "ts": T(2025, 3, 1, 9), "amount": 2.5, "brand": "B"},
        {"user_id": 2, "ts": T(2025, 3, 8, 11, 59, 59), "amount": None, "brand": "A"},
    ],
}
PROJECT = {
    "segl.toml": '[project]\nname = "remote"\ntimezone = "America/New_York"\n',
    "rules.segl": """
source users from table "users" key user_id {
    user_id: number
    city: string
    registered_at: timestamp
}
source orders from table "orders" user user_id time ts {
    amount: number
    brand: string
}
tag hours = hours_since(users.registered_at)
tag spent = sum(orders.amount in last 30 days)
tag fav = most_frequent(orders.brand)
segment recent = count(orders in last 24 hours) >= 1
layering value {
    high when spent >= 10
    low otherwise
}
""",
}
AS_OF = "2025-03-09 12:00:00"


def write_project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in PROJECT.items():
        (folder / name).write_text(text, "utf-8")
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _environment() -> dict[str, str]:
    env = dict(os.environ, SPARK_HOME=str(SPARK_HOME), SPARK_LOCAL_IP="127.0.0.1")
    env["SPARK_NO_DAEMONIZE"] = "1"
    return env


def _start(command: list[str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=_environment(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with its JVM children
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)


def _wait(ready: Callable[[], bool], process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{log.name}: exited with {process.returncode}:\n{tail(log)}")
        if ready():
            return
        time.sleep(0.5)
    raise RuntimeError(f"{log.name}: not ready after {STARTUP_SECONDS} s:\n{tail(log)}")


def tail(log: Path, lines: int = 20) -> str:
    return "\n".join(log.read_text("utf-8", "replace").splitlines()[-lines:])


def _bound_port(process: subprocess.Popen[bytes], log: Path, started: re.Pattern[str]) -> int:
    """The port the server says it bound. Not the port it was asked for: Spark moves to the
    next one when that is taken (spark.port.maxRetries), and another test's process may take
    a port between `free_port` and the server's start; a client sent there would retry
    against the wrong service for ten minutes."""
    found: list[int] = []

    def ready() -> bool:
        match = started.search(log.read_text("utf-8", "replace"))
        if match:
            found.append(int(match.group(1)))
        return bool(match)

    _wait(ready, process, log)
    return found[0]


@contextlib.contextmanager
def _log_on_failure(log: Path) -> Iterator[None]:
    """A test failing against the server shows the server's side too."""
    try:
        yield
    except Exception as err:
        err.add_note(f"{log.name}, its last lines:\n{tail(log, 40)}")
        raise


@contextlib.contextmanager
def connect_server(folder: Path) -> Iterator[str]:
    port = free_port()
    command = [
        str(SPARK_HOME / "bin" / "spark-submit"),
        "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
        "--master", "local[1]",
        "--name", "segl-connect",
        "--conf", f"spark.connect.grpc.binding.port={port}",
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.driver.host=127.0.0.1",
        "--conf", "spark.sql.shuffle.partitions=1",
        "--conf", f"spark.sql.warehouse.dir={folder / 'warehouse'}",
    ]  # fmt: skip
    log = folder / "connect.log"
    server = _start(command, log, folder)
    try:
        bound = _bound_port(server, log, re.compile(r"Spark Connect server started at: \S*:(\d+)"))
        with _log_on_failure(log):
            yield f"sc://127.0.0.1:{bound}"
    finally:
        _stop(server)


@contextlib.contextmanager
def standalone_cluster(folder: Path) -> Iterator[str]:
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    master_command = [
        spark_class, "org.apache.spark.deploy.master.Master",
        "--host", "127.0.0.1", "--port", str(free_port()), "--webui-port", str(free_port()),
    ]  # fmt: skip
    master_log, worker_log = folder / "master.log", folder / "worker.log"
    master = _start(master_command, master_log, folder)
    worker: subprocess.Popen[bytes] | None = None
    try:
        started = re.compile(r"Starting Spark master at spark://\S+:(\d+)")
        master_url = f"spark://127.0.0.1:{_bound_port(master, master_log, started)}"
        worker_command = [
            spark_class, "org.apache.spark.deploy.worker.Worker", master_url,
            "--host", "127.0.0.1", "--cores", "1", "--memory", "1g",
            "--webui-port", str(free_port()), "--work-dir", str(folder / "work"),
        ]  # fmt: skip
        worker = _start(worker_command, worker_log, folder)
        _wait(lambda: "registered with master" in worker_log.read_text("utf-8", "replace"),
              worker, worker_log)  # fmt: skip
        with _log_on_failure(master_log), _log_on_failure(worker_log):
            yield master_url
    finally:
        if worker is not None:
            _stop(worker)
        _stop(master)


def run_client(url: str, project: Path, cwd: Path) -> dict[str, list[list[Any]]]:
    """Load ROWS, `segl run`, read back: in a fresh Python process (see the module doc)."""
    done = subprocess.run(
        [sys.executable, __file__, url, str(project), AS_OF],
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stdout[-3000:] + done.stderr[-3000:]
    result: dict[str, list[list[Any]]] = json.loads(lines[-1])
    return result


def history_rows(engine: Any) -> dict[str, list[list[Any]]]:
    """The history tables of a run of the project `remote` (its own tags, members and
    layers; the run log without its clock columns run_at and duration_seconds), sorted, as
    text."""
    queries = {
        "segl_remote_tags": "SELECT * FROM segl_remote_tags",
        "segl_remote_members": "SELECT * FROM segl_remote_members",
        "segl_remote_layers": "SELECT * FROM segl_remote_layers",
        "segl_runs": "SELECT as_of, project, users, timezone, rules_fingerprint, segl_version "
        "FROM segl_runs",
    }
    return {
        table: sorted([[str(v) for v in row] for row in engine.query(sql)])
        for table, sql in queries.items()
    }


def load_and_run(engine: Any, project: Path, as_of: str, run: Callable[[], int]) -> None:
    from segl.runtime.inmemory import load_rows
    from segl.runtime.project import load_project

    loaded = load_project(project)
    assert loaded.project is not None, loaded.diagnostics
    load_rows(engine, loaded.project, ROWS)
    assert run() == 0


def _main(url: str, project: str, as_of: str) -> None:
    from segl.runtime.cli import main
    from segl.runtime.engine_spark import open_engine

    engine = open_engine(url)
    load_and_run(engine, Path(project), as_of, lambda: main(["run", project, "--db", url,
                                                              "--as-of", as_of]))  # fmt: skip
    print(json.dumps(history_rows(engine), ensure_ascii=False))


if __name__ == "__main__":
    _main(*sys.argv[1:4])

"""`segl deliver` to a webhook that takes its time: messages a second one at a time and
with `--concurrency N` (docs/journeys.md "Concurrency").

**The outbox.** A project whose journey `welcome` sends one push to each of `--messages`
users who registered (`enter on events where name == "register"`, one step at entry);
two runs on a DuckDB file write that many sent messages to the outbox.

**The receiver.** A threading HTTP server on the loopback, in a process of its own (its
threads would otherwise share the delivering process's interpreter lock), that holds
every request `--latency` seconds before it answers 200 (a delivery tool in another data
centre), and records each `Idempotency-Key` it accepted.

**What is timed.** `Delivery.run()` in this process, as `segl deliver` runs it (the outbox
read, every POST, every attempt recorded and committed), once per concurrency of
`--concurrency` in each of `--runs` rounds (the order rotating), the deliveries table
emptied before each (untimed), so every delivery sends all the messages. Speed-up: a
concurrency's messages a second over concurrency 1's in the same round, median over the
rounds.

**Checks.** Every delivery reports all messages delivered, the receiver accepted each key
exactly once in it, and the deliveries table holds one delivered row per message.

Run: .venv/bin/python -m benchmarks.deliver_bench --quick     (200 messages, 10 ms, 1 round)
     .venv/bin/python -m benchmarks.deliver_bench --messages 2000 --latency 0.05 --runs 3 \\
         --out benchmarks/results/deliver.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import statistics
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from benchmarks.journeys_bench import environment
from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.types import Type
from segl.dsl.parser import parse_program
from segl.runtime.delivery import Delivery, Destination
from segl.runtime.engines import DuckDBEngine
from segl.runtime.project import LoadedProject, Settings
from segl.runtime.run import run_loaded, store_of

RULES = """\
source users from table "users" key user_id { user_id: number }
source events from table "events" user user_id time ts { name: string }
journey welcome {
    enter on events where name == "register"
    step hello: send push "hello"
}
"""
START = dt.datetime(2026, 11, 2)
RUNS = [START, START + dt.timedelta(days=1)]  # the first only starts the journey


class Mismatch(AssertionError):
    """A delivery that did not deliver every message exactly once."""


class Receiver(ThreadingHTTPServer):
    """Runs in a process of its own, so that its threads do not take the delivering
    process's interpreter lock. `GET /accepted` answers the keys it accepted, as JSON, and
    forgets them."""

    daemon_threads = True
    request_queue_size = 128  # up to 64 connections at once

    def __init__(self, latency: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency
        self.accepted: Counter[str] = Counter()
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        time.sleep(self.server.latency)
        with self.server.lock:
            self.server.accepted[self.headers.get("Idempotency-Key", "")] += 1
        self._answer(b"")

    def do_GET(self) -> None:
        with self.server.lock:
            body = json.dumps(self.server.accepted).encode()
            self.server.accepted.clear()
        self._answer(body)

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(latency: float, port: Connection) -> None:
    server = Receiver(latency)
    port.send(server.server_address[1])
    server.serve_forever()


@contextmanager
def receiving(latency: float) -> Iterator[str]:
    """The URL of a receiver running in a child process."""
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(latency, theirs), daemon=True
    )
    child.start()
    try:
        yield f"http://127.0.0.1:{ours.recv()}/hook"
    finally:
        child.terminate()
        child.join(10)


def accepted_by(url: str) -> Counter[str]:
    """The keys the receiver accepted since the last call."""
    with urllib.request.urlopen(url, timeout=10) as answer:
        return Counter(json.loads(answer.read()))


def outbox_of(folder: Path, messages: int) -> tuple[LoadedProject, DuckDBEngine]:
    """A DuckDB file whose outbox holds `messages` sent messages."""
    config = ProjectConfig(name="deliver", timezone="UTC", universe="users")
    program = parse_program(RULES, "rules.segl")
    project, diagnostics = check_programs([program], config)
    assert project is not None, [str(d) for d in diagnostics]
    loaded = LoadedProject(folder, Settings(config), [program], {}, [], project)
    engine = DuckDBEngine(str(folder / "deliver.duckdb"))
    users = range(1, messages + 1)
    engine.create_table("users", [("user_id", Type.NUMBER)], [[u] for u in users])
    registered = [[u, START + dt.timedelta(seconds=u), "register"] for u in users]
    columns = [("user_id", Type.NUMBER), ("ts", Type.TIMESTAMP), ("name", Type.STRING)]
    engine.create_table("events", columns, registered)
    for as_of in RUNS:
        run_loaded(loaded, engine, as_of)
    return loaded, engine


def deliver_once(loaded: LoadedProject, engine: DuckDBEngine, url: str, concurrency: int) -> float:
    """Seconds to deliver the whole outbox; checked exactly once."""
    store = store_of(loaded, engine)
    engine.query(f"DROP TABLE IF EXISTS {store.deliveries.name}")
    accepted_by(url)  # forget the last round's
    delivery = Delivery(engine, store, Destination("webhook", url), concurrency=concurrency)
    began = time.perf_counter()
    report = delivery.run()
    seconds = time.perf_counter() - began
    accepted = accepted_by(url)
    expected = engine.query(f"SELECT count(*) FROM {store.outbox.name}")[0][0]
    recorded = engine.query(
        f"SELECT count(DISTINCT message_id), count(*) FROM {store.deliveries.name} "
        "WHERE status = 'delivered'"
    )[0]
    once = len(accepted) == expected and set(accepted.values()) == {1}
    if not (report.ok and report.delivered == expected and once and recorded == (expected,) * 2):
        raise Mismatch(f"concurrency {concurrency}: {report.summary()}, recorded {recorded}")
    return seconds


def bench(messages: int, latency: float, concurrencies: Sequence[int], runs: int) -> dict[str, Any]:
    rounds: list[dict[int, float]] = []
    with tempfile.TemporaryDirectory() as scratch, receiving(latency) as url:
        loaded, engine = outbox_of(Path(scratch), messages)
        try:
            for number in range(runs):
                shift = number % len(concurrencies)
                order = [*concurrencies[shift:], *concurrencies[:shift]]
                rounds.append({c: deliver_once(loaded, engine, url, c) for c in order})
        finally:
            engine.close()
    return {
        "environment": environment(),
        "messages": messages,
        "latency_s": latency,
        "rounds": [{str(c): seconds for c, seconds in r.items()} for r in rounds],
        "results": summary(rounds, messages, concurrencies),
    }


def summary(
    rounds: list[dict[int, float]], messages: int, concurrencies: Sequence[int]
) -> list[dict[str, float]]:
    rows = []
    for concurrency in concurrencies:
        seconds = statistics.median(r[concurrency] for r in rounds)
        speedup = statistics.median(r[concurrencies[0]] / r[concurrency] for r in rounds)
        rows.append(
            {
                "concurrency": concurrency,
                "median_s": round(seconds, 3),
                "messages_per_s": round(messages / seconds, 1),
                "speedup_same_round": round(speedup, 2),
            }
        )
    return rows


def report(result: dict[str, Any]) -> str:
    lines = [
        f"{result['messages']:,} messages, the receiver answering after "
        f"{result['latency_s'] * 1000:g} ms; {len(result['rounds'])} rounds",
        f"{'concurrency':>11} {'median s':>9} {'msg/s':>8} {'x one at a time':>16}",
    ]
    for row in result["results"]:
        lines.append(
            f"{row['concurrency']:>11} {row['median_s']:>9.2f} {row['messages_per_s']:>8.1f} "
            f"{row['speedup_same_round']:>16.2f}"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per answer")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="200 messages, 10 ms, 1 round")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.messages, args.latency, args.runs = 200, 0.01, 1
    if args.concurrency[0] != 1:
        parser.error("the first --concurrency is the baseline: 1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    result = bench(args.messages, args.latency, args.concurrency, args.runs)
    print(report(result))
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""`segl deliver` against a real HTTP server on the loopback that fails, refuses and hangs
on purpose, and to a file: every sent message arrives, and exactly once per
Idempotency-Key after the receiver's deduplication; a delivery killed half-way resumes
without losing a message; a webhook that never answers gets a diagnostic, not a traceback.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import pytest
from conftest import Result, db_url, read_sql

from segl.runtime.delivery import (
    BadDestination,
    Delivery,
    Destination,
    Outcome,
    RetryPolicy,
    _answer,
    _retry_after,
    parse_destination,
    webhook_sender,
)

Cli = Callable[..., Result]

RULES = """\
source users from table "users" key user_id { user_id: number }
source events from table "events" user user_id time ts { name: string }
tag visits = count(events where name == "visit")

journey welcome "Welcome" {
    enter on events where name == "register"
    step hello: send push "hello"
    step vip: send sms "vip" if visits >= 1
}
"""

TABLES = [
    "CREATE TABLE users (user_id BIGINT)",
    "INSERT INTO users SELECT range FROM range(1, 31)",
    "CREATE TABLE events (user_id BIGINT, ts TIMESTAMP, name VARCHAR)",
    # users 1-20 register before the second run, 21-30 before the third; user 3 visited
    "INSERT INTO events SELECT range, TIMESTAMP '2026-11-02 01:00:00' + range * INTERVAL 1 MINUTE,"
    " 'register' FROM range(1, 21)",
    "INSERT INTO events SELECT range, TIMESTAMP '2026-11-03 01:00:00' + range * INTERVAL 1 MINUTE,"
    " 'register' FROM range(21, 31)",
    "INSERT INTO events VALUES (3, '2026-11-01 10:00:00', 'visit')",
]

RUNS = ["2026-11-02", "2026-11-03", "2026-11-04"]  # the first run only starts the journey
DELIVERIES = "segl_shop_deliveries"
FAST = ("--backoff", "0.001", "--timeout", "5")


# ---------------------------------------------------------------- the receiver


@dataclass
class Receiver:
    """A webhook that records every request and answers as its mode says: `ok`, `flaky`
    (503 the first `fail_first` times per key), `hang` (no answer until released),
    `missing` (404), or 400 for the keys in `reject`. `accepted` lists the keys it
    answered 2xx, in order: deduplicated by key, that is what it processed."""

    mode: str = "ok"  # also `drip`: a 200 answer one byte every `delay` seconds
    fail_first: int = 0
    delay: float = 0.0  # seconds before a 2xx answer
    reject: set[str] = field(default_factory=set)
    received: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    authorizations: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0  # requests answered at the same time, at most

    def answer(self, key: str, body: dict[str, Any], content_type: str) -> int | None:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return self._answer(key, body, content_type)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _answer(self, key: str, body: dict[str, Any], content_type: str) -> int | None:
        with self.lock:
            self.received.append((key, body, content_type))
            tries = sum(1 for k, _, _ in self.received if k == key)
        if key in self.reject:
            return 400
        if self.mode == "missing":
            return 404
        if self.mode == "hang":
            self.release.wait(30)
            return None
        if self.mode == "flaky" and tries <= self.fail_first:
            return 503
        time.sleep(self.delay)
        with self.lock:
            self.accepted.append(key)
        return 200

    def keys(self) -> Counter[str]:
        return Counter(key for key, _, _ in self.received)


def handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(size))
            key = self.headers.get("Idempotency-Key", "")
            receiver.authorizations.append(self.headers.get("Authorization", ""))
            receiver.paths.append(self.path)
            if receiver.mode == "drip":
                self.drip(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
                return
            status = receiver.answer(key, body, self.headers.get("Content-Type", ""))
            if status is None:
                return  # the client gave up long ago
            text = b"ok" if status == 200 else b"nope: bad template"
            self.send_response(status)
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def drip(self, answer: bytes) -> None:
            for index in range(len(answer)):
                self.wfile.write(answer[index : index + 1])
                self.wfile.flush()
                time.sleep(receiver.delay)

        def log_message(self, format: str, *args: Any) -> None:
            # kept on the server rather than printed: quiet test output
            getattr(self.server, "log", []).append(format % args)

    return Handler


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.log: list[str] = []
        self.dropped = 0  # requests whose client was killed or timed out mid-request

    def handle_error(self, request: Any, client_address: Any) -> None:
        # expected here (killed or timed-out clients): counted, not printed as a trace
        self.dropped += 1


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    # a proxy from the environment must not stand between the client and the loopback
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    found = Receiver()
    server = QuietServer(("127.0.0.1", 0), handler_for(found))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    found.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield found
    found.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


# ---------------------------------------------------------------- the project


@pytest.fixture
def project(write_project: Callable[..., Path], tmp_path: Path, cli: Cli) -> tuple[Path, str]:
    """A project whose journey runs left 31 sent (and 29 skipped) messages in the outbox."""
    toml = '[project]\nname = "shop"\ntimezone = "Asia/Shanghai"\n'
    root = write_project({"rules.segl": RULES, "segl.toml": toml})
    path = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(path))
    for statement in TABLES:
        con.execute(statement)
    con.close()
    url = db_url(path)
    for as_of in RUNS:
        ran = cli("run", root, "--db", url, "--as-of", as_of)
        assert ran.code == 0, ran.output
    return root, url


def outbox(cli: Cli, root: Path, url: str) -> list[dict[str, Any]]:
    shown = cli("show", "outbox", root, "--db", url, "--format", "jsonl")
    assert shown.code == 0, shown.output
    return [json.loads(line) for line in shown.out.splitlines()]


def sent(cli: Cli, root: Path, url: str) -> list[dict[str, Any]]:
    return [d for d in outbox(cli, root, url) if d["status"] == "sent"]


def deliveries(url: str) -> list[tuple[Any, ...]]:
    path = Path(url.removeprefix("duckdb:///"))
    query = f"SELECT message_id, destination, status, detail FROM {DELIVERIES} ORDER BY attempt_at"
    return read_sql(path, query)


def delivered_ids(url: str) -> Counter[str]:
    return Counter(row[0] for row in deliveries(url) if row[2] == "delivered")


# ---------------------------------------------------------------- tests


def test_every_sent_message_arrives_once_with_its_key(
    cli: Cli, project: tuple[Path, str], receiver: Receiver
) -> None:
    root, url = project
    messages = sent(cli, root, url)
    assert len(messages) == 31
    hook = receiver.url + "?token=s3cret"
    done = cli("deliver", root, "--db", url, "--to", f"webhook:{hook}", *FAST)
    assert done.code == 0, done.output
    assert done.out.strip() == "delivered 31, failed 0, already delivered 0"
    # one request per message, each with its own key, in run order; the body is what
    # `segl show outbox --format jsonl` prints
    assert Counter(receiver.accepted) == Counter(m["message_id"] for m in messages)
    assert max(receiver.keys().values()) == 1
    assert [body for _, body, _ in receiver.received] == messages
    assert all(key == body["message_id"] for key, body, _ in receiver.received)
    assert {ctype for _, _, ctype in receiver.received} == {"application/json"}
    runs = [body["run_at"] for _, body, _ in receiver.received]
    assert runs == sorted(runs) and len(set(runs)) == 2
    # recorded: one delivered row per message; the token is kept out of the table
    rows = deliveries(url)
    assert {row[2] for row in rows} == {"delivered"} and len(rows) == 31
    assert {row[1] for row in rows} == {f"webhook:{receiver.url}?***"}
    assert "s3cret" not in done.output
    again = cli("deliver", root, "--db", url, "--to", f"webhook:{hook}", *FAST)
    assert again.code == 0, again.output
    assert again.out.strip() == "delivered 0, failed 0, already delivered 31"
    assert len(receiver.received) == 31


def test_503s_are_retried_with_backoff_until_accepted(
    cli: Cli, project: tuple[Path, str], receiver: Receiver
) -> None:
    root, url = project
    receiver.mode, receiver.fail_first = "flaky", 2
    done = cli("deliver", root, "--db", url, "--to", f"webhook:{receiver.url}", *FAST)
    assert done.code == 0, done.output
    assert "delivered 31, failed 0" in done.out
    assert "attempt 1/5 failed (HTTP 503" in done.err and "retrying in 0.001 s" in done.err
    ids = {m["message_id"] for m in sent(cli, root, url)}
    assert set(receiver.keys().values()) == {3}  # two 503s, then accepted
    assert Counter(receiver.accepted) == Counter(ids)
    rows = deliveries(url)
    assert Counter(row[2] for row in rows) == {"failed": 62, "delivered": 31}
    failed = [row[3] for row in rows if row[2] == "failed"]
    assert all(d.startswith(("attempt 1/5: HTTP 503", "attempt 2/5: HTTP 503")) for d in failed)


def test_a_refused_message_is_recorded_and_not_retried(
    cli: Cli, project: tuple[Path, str], receiver: Receiver
) -> None:
    root, url = project
    messages = sent(cli, root, url)
    refused = {messages[3]["message_id"], messages[7]["message_id"]}
    receiver.reject = set(refused)
    to = f"webhook:{receiver.url}"
    done = cli("deliver", root, "--db", url, "--to", to, *FAST)
    assert done.code == 1, done.output
    assert "delivered 29, failed 2, already delivered 0" in done.out
    assert "E0720 2 messages could not be delivered" in done.err
    assert "HTTP 400" in done.err and "--retry-failed" in done.err
    assert Counter(receiver.keys()[k] for k in refused) == {1: 2}  # 4xx: never retried
    failed = [row for row in deliveries(url) if row[2] == "failed"]
    assert {row[0] for row in failed} == refused
    assert all(row[3].startswith("refused (not retried): HTTP 400") for row in failed)
    # a later delivery leaves them alone (and exits 0: they were reported); -p names the
    # project as in every other command
    again = cli("deliver", "-p", root, "--db", url, "--to", to, *FAST)
    assert again.code == 0, again.output
    assert "already delivered 29, refused before 2 (not retried)" in again.out
    assert len(receiver.received) == 31
    # `show outbox` says which were delivered or refused, and lists what still waits
    table = cli("show", "outbox", root, "--db", url)
    assert table.code == 0, table.output
    lines = table.out.splitlines()
    assert lines[0].split()[-2:] == ["status", "delivery"]
    assert sum(line.endswith(" refused") for line in lines) == 2
    assert lines[-1].endswith(": 31 sent (29 delivered, 2 refused)"), lines[-1]
    waiting = cli("show", "outbox", root, "--db", url, "--undelivered", "--format", "jsonl")
    assert waiting.code == 0 and waiting.out == ""
    # ... unless asked to retry them
    receiver.reject.clear()
    retried = cli("deliver", root, "--db", url, "--to", to, "--retry-failed", *FAST)
    assert retried.code == 0, retried.output
    assert "delivered 2, failed 0, already delivered 29" in retried.out
    assert Counter(receiver.accepted) == Counter(m["message_id"] for m in messages)


def test_show_outbox_lists_what_waits_for_delivery(
    cli: Cli, project: tuple[Path, str], tmp_path: Path
) -> None:
    """Nothing showed which sent decisions `segl deliver` had not delivered yet (the
    'delivery lag' docs/journeys.md tells operators to watch): `--undelivered` does, in
    both formats, with the keys of every decision."""
    root, url = project
    messages = sent(cli, root, url)
    waiting = cli("show", "outbox", root, "--db", url, "--undelivered", "--format", "jsonl")
    assert [json.loads(line) for line in waiting.out.splitlines()] == messages
    table = cli("show", "outbox", root, "--db", url, "--undelivered")
    assert table.out.splitlines()[-1] == "31 decisions: 31 sent (31 waiting for segl deliver)"
    first = messages[0]["journey"]
    done = cli("deliver", root, "--db", url, "--journey", first, "--to", f"file:{tmp_path / 'o'}")
    assert done.code == 0, done.output
    still = cli("show", "outbox", root, "--db", url, "--undelivered", "--format", "jsonl")
    assert [json.loads(line) for line in still.out.splitlines()] == [
        m for m in messages if m["journey"] != first
    ]


def test_the_timeout_bounds_a_whole_attempt(receiver: Receiver) -> None:
    """A receiver sending its answer a byte every 0.1 s meets every socket wait of 0.5 s,
    but not the attempt's 0.5 s: cut, and tried again later (never waited on for ever)."""
    receiver.mode, receiver.delay = "drip", 0.1
    started = time.monotonic()
    outcome = webhook_sender(receiver.url, timeout=0.5)("m-1", b"{}")
    assert time.monotonic() - started < 2.5  # the answer would take about 4 s
    assert (outcome.verdict, outcome.detail) == ("retry", "no answer within 0.5 s")
    receiver.delay = 0.001
    assert webhook_sender(receiver.url, timeout=5)("m-1", b"{}").verdict == "delivered"


def test_a_url_with_a_user_and_password_authenticates(receiver: Receiver) -> None:
    """`http://user:password@host/...`: the credentials go in a Basic authorization header
    (urllib would read them as part of the host name); escapes are undone."""
    with_user = receiver.url.replace("http://", "http://bob:p%40ss@")
    assert webhook_sender(with_user, timeout=5)("m-1", b"{}").verdict == "delivered"
    assert receiver.authorizations == ["Basic " + base64.b64encode(b"bob:p@ss").decode()]
    assert webhook_sender(receiver.url, timeout=5)("m-2", b"{}").verdict == "delivered"
    assert receiver.authorizations[-1] == ""  # none without credentials


def test_a_webhook_that_never_answers_gets_a_diagnostic(
    cli: Cli, project: tuple[Path, str], receiver: Receiver
) -> None:
    root, url = project
    receiver.mode = "hang"
    to = f"webhook:{receiver.url}"
    options = ("--timeout", "0.2", "--attempts", "2", "--backoff", "0.01")
    started = time.monotonic()
    done = cli("deliver", root, "--db", url, "--to", to, *options)
    assert time.monotonic() - started < 10  # it stops at the first message, not 31 x 2
    assert done.code == 1, done.output  # and the cli fixture saw no traceback
    assert "delivered 0, failed 1, already delivered 0, not tried 30" in done.out
    assert "E0720 31 messages could not be delivered" in done.err
    assert "no answer within 0.2 s" in done.err and "run `segl deliver` again" in done.err
    first = sent(cli, root, url)[0]["message_id"]
    assert receiver.keys() == {first: 2}
    assert [(row[0], row[2]) for row in deliveries(url)] == [(first, "failed")] * 2
    # once it answers, every message arrives exactly once: none lost, none twice
    receiver.mode = "ok"
    resumed = cli("deliver", root, "--db", url, "--to", to, *FAST)
    assert resumed.code == 0, resumed.output
    assert Counter(receiver.accepted) == Counter(m["message_id"] for m in sent(cli, root, url))


def test_a_wrong_url_stops_the_delivery_without_refusing_messages(
    cli: Cli, project: tuple[Path, str], receiver: Receiver
) -> None:
    root, url = project
    receiver.mode = "missing"  # 404: about the URL, not about the message
    to = f"webhook:{receiver.url}"
    done = cli("deliver", root, "--db", url, "--to", to, *FAST)
    assert done.code == 1, done.output
    assert "delivered 0, failed 1, already delivered 0, not tried 30" in done.out
    assert "HTTP 404" in done.err and "no message was marked refused" in done.err
    assert len(receiver.received) == 1  # not retried: another try gets the same answer
    assert [row[3][:21] for row in deliveries(url)] == ["stopped: HTTP 404 Not"]
    receiver.mode = "ok"  # fixed: everything goes out, nothing needs --retry-failed
    fixed = cli("deliver", root, "--db", url, "--to", to, *FAST)
    assert fixed.code == 0, fixed.output
    assert "delivered 31, failed 0, already delivered 0" in fixed.out


def test_a_webhook_nobody_listens_on(cli: Cli, project: tuple[Path, str]) -> None:
    root, url = project
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    to = f"webhook:http://127.0.0.1:{port}/hook"
    done = cli("deliver", root, "--db", url, "--to", to, "--attempts", "2", *FAST)
    assert done.code == 1, done.output
    assert "E0720 31 messages could not be delivered" in done.err
    assert "cannot reach the webhook" in done.err
    assert delivered_ids(url) == Counter()


def delivering(
    root: Path, url: str, to: str, cwd: Path, output: int, concurrency: int = 1
) -> subprocess.Popen[str]:
    """`segl deliver` in a process of its own, to be killed or interrupted."""
    command = [sys.executable, "-m", "segl.runtime.cli", "deliver", str(root), "--db", url]
    return subprocess.Popen(
        [*command, "--to", to, *FAST, "--concurrency", str(concurrency)],
        cwd=cwd,
        env=dict(os.environ),
        stdout=output,
        stderr=output,
        text=True,
    )


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_delivery_killed_half_way_resumes_without_loss(
    cli: Cli, project: tuple[Path, str], receiver: Receiver, tmp_path: Path, concurrency: int
) -> None:
    root, url = project
    receiver.delay = 0.05 * concurrency  # slow enough to be killed in the middle
    to = f"webhook:{receiver.url}"
    process = delivering(root, url, to, tmp_path, subprocess.DEVNULL, concurrency)
    try:
        deadline = time.monotonic() + 60
        while len(receiver.accepted) < 5 and time.monotonic() < deadline:
            assert process.poll() is None, "the delivery ended before it was killed"
            time.sleep(0.01)
        assert len(receiver.accepted) >= 5
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    before = len(receiver.accepted)
    assert 5 <= before < 31
    resumed = cli("deliver", root, "--db", url, "--to", to, *FAST)
    assert resumed.code == 0, resumed.output
    ids = Counter(m["message_id"] for m in sent(cli, root, url))
    # every message arrived; deduplicated by key, each exactly once; at most those in
    # flight when the process died (delivered, not yet recorded) came twice
    assert set(receiver.accepted) == set(ids)
    twice = [key for key, n in Counter(receiver.accepted).items() if n > 1]
    assert len(twice) <= concurrency and all(Counter(receiver.accepted)[k] == 2 for k in twice)
    assert delivered_ids(url) == ids  # one delivered row per message


@pytest.mark.parametrize("concurrency", [1, 8])
def test_ctrl_c_finishes_the_message_in_flight_and_says_what_waits(
    cli: Cli, project: tuple[Path, str], receiver: Receiver, tmp_path: Path, concurrency: int
) -> None:
    """SIGINT printed `aborted` (exit 2) and the message in flight, delivered but not
    recorded, went out again with the next delivery. Now the first Ctrl-C stops between
    messages: the one in flight is finished and recorded, the summary printed, E0720 says
    how many wait (exit 1), and the next delivery sends no message twice. With
    `--concurrency`, every message in flight is finished and recorded."""
    root, url = project
    receiver.delay = 0.2  # a Ctrl-C lands while a message is in flight
    to = f"webhook:{receiver.url}"
    process = delivering(root, url, to, tmp_path, subprocess.PIPE, concurrency)
    try:
        deadline = time.monotonic() + 60
        while len(receiver.received) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1, (out, err)
    assert "Traceback" not in err and "aborted" not in err
    done = len(receiver.accepted)
    assert max(4, concurrency) <= done < 31
    assert out.strip() == f"delivered {done}, failed 0, already delivered 0, not tried {31 - done}"
    assert f"E0720 stopped by SIGINT: {31 - done} messages not delivered" in err
    assert delivered_ids(url) == Counter(receiver.accepted)  # the one in flight recorded
    resumed = cli("deliver", root, "--db", url, "--to", to, *FAST)
    assert resumed.code == 0, resumed.output
    assert f"delivered {31 - done}, failed 0, already delivered {done}" in resumed.out
    assert max(Counter(receiver.accepted).values()) == 1  # none sent twice


def test_concurrent_messages_each_arrive_once(
    cli: Cli, project: tuple[Path, str], receiver: Receiver
) -> None:
    """A webhook that takes 0.3 s an answer: eight messages in flight at once, every one
    accepted once with its key and recorded once. (The order in which they reach the
    receiver within a wave is the threads', so it is not checked.)"""
    root, url = project
    receiver.delay = 0.3
    to = f"webhook:{receiver.url}"
    done = cli("deliver", root, "--db", url, "--to", to, *FAST, "--concurrency", "8")
    assert done.code == 0, done.output
    assert done.out.strip() == "delivered 31, failed 0, already delivered 0"
    # eight at once unless the first answers came before the eighth request set off (a
    # busy machine); never more than eight
    assert 4 <= receiver.most_in_flight <= 8
    messages = sent(cli, root, url)
    assert Counter(receiver.accepted) == Counter(m["message_id"] for m in messages)
    assert delivered_ids(url) == Counter(m["message_id"] for m in messages)
    assert len(deliveries(url)) == 31


def test_a_delivery_says_how_far_it_is(
    cli: Cli,
    project: tuple[Path, str],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a terminal, `segl deliver: 31 of 31 messages` on stderr, rewritten in place and
    cleared before the summary (a long delivery takes minutes); a retry's line clears it
    first. Elsewhere nothing of the kind (the tests above compare stderr exactly)."""
    root, url = project
    receiver.mode, receiver.fail_first = "flaky", 1
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    done = cli("deliver", root, "--db", url, "--to", f"webhook:{receiver.url}", *FAST)
    assert done.code == 0, done.output
    assert "\rsegl deliver: 31 of 31 messages\033[K\r\033[K" in done.err
    assert done.err.count("retrying in") == 31
    # every progress line is followed by another, or cleared, never by a retry's text
    assert re.search(r"messages\033\[K(?!\r)", done.err) is None, done.err


def test_a_destination_down_stops_a_concurrent_delivery(
    cli: Cli, project: tuple[Path, str], receiver: Receiver
) -> None:
    """Every attempt answered 503: the four messages in flight each fail after their
    attempts, the other 27 are not tried, and a later delivery sends all 31."""
    root, url = project
    receiver.mode, receiver.fail_first = "flaky", 2
    to = f"webhook:{receiver.url}"
    args = ("--db", url, "--to", to, *FAST, "--concurrency", "4", "--attempts", "2")
    down = cli("deliver", root, *args)
    assert down.code == 1, down.output
    assert down.out.strip() == "delivered 0, failed 4, already delivered 0, not tried 27"
    assert "E0720 31 messages could not be delivered" in down.err
    assert len(receiver.received) == 8 and delivered_ids(url) == Counter()
    receiver.mode = "ok"  # back up
    back = cli("deliver", root, *args)
    assert back.code == 0, back.output
    assert "delivered 31, failed 0, already delivered 0" in back.out
    assert len(set(receiver.accepted)) == len(receiver.accepted) == 31


def test_a_sender_that_raises_fails_the_delivery_with_its_error(
    project: tuple[Path, str], tmp_path: Path
) -> None:
    """An error inside a worker (a bug, not an answer) reaches the caller, after what was
    delivered before it is recorded; it does not hang the delivery or pass for a failure."""
    from segl.runtime.engines import connect
    from segl.runtime.project import load_paths
    from segl.runtime.run import store_of

    root, url = project
    calls: list[str] = []

    def send(message_id: str, body: bytes) -> Outcome:
        calls.append(message_id)
        if len(calls) == 3:
            raise RuntimeError("bug in a sender")
        return Outcome("delivered", "ok")

    loaded = load_paths([str(root)])
    engine = connect(url)
    try:
        delivery = Delivery(engine, store_of(loaded, engine), parse_destination("file:x"))
        delivery.send, delivery.concurrency = send, 2
        with pytest.raises(RuntimeError, match="bug in a sender"):
            delivery.run()
    finally:
        engine.close()
    # every message the sender took before or beside the failing one is recorded
    assert set(delivered_ids(url)) == set(calls) - {calls[2]} and len(calls) in (3, 4)


def test_delivered_but_not_recorded_is_sent_again_with_its_key(
    cli: Cli, project: tuple[Path, str], receiver: Receiver
) -> None:
    root, url = project
    to = f"webhook:{receiver.url}"
    assert cli("deliver", root, "--db", url, "--to", to, *FAST).code == 0
    # as if the process died after the receiver's 200, before the INSERT
    lost = sent(cli, root, url)[-1]["message_id"]
    con = duckdb.connect(url.removeprefix("duckdb:///"))
    con.execute(f"DELETE FROM {DELIVERIES} WHERE message_id = ?", [lost])
    con.close()
    again = cli("deliver", root, "--db", url, "--to", to, *FAST)
    assert again.code == 0, again.output
    assert "delivered 1, failed 0, already delivered 30" in again.out
    assert [k for k, n in Counter(receiver.accepted).items() if n > 1] == [lost]
    assert len(set(receiver.accepted)) == 31  # after deduplication by key: once each


def test_a_file_destination(cli: Cli, project: tuple[Path, str], tmp_path: Path) -> None:
    root, url = project
    target = tmp_path / "messages.jsonl"
    target.write_text('{"torn": ')  # a line a crash cut short: it stays on its own
    done = cli("deliver", root, "--db", url, "--to", f"file:{target}")
    assert done.code == 0, done.output
    lines = target.read_text("utf-8").splitlines()
    assert lines[0] == '{"torn": '
    assert [json.loads(line) for line in lines[1:]] == sent(cli, root, url)
    again = cli("deliver", root, "--db", url, "--to", f"file:{target}")
    assert again.code == 0 and "already delivered 31" in again.out
    assert len(target.read_text("utf-8").splitlines()) == 32
    # delivered is delivered, wherever to: a webhook gets nothing more
    assert cli("deliver", root, "--db", url, "--to", "webhook:http://127.0.0.1:9/").code == 0


def test_a_file_destination_in_the_home_folder(
    cli: Cli, project: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--to file:~/out.jsonl`: no shell expands a `~` after `file:`; it is the home."""
    root, url = project
    monkeypatch.setenv("HOME", str(tmp_path))
    done = cli("deliver", root, "--db", url, "--to", "file:~/out.jsonl")
    assert done.code == 0, done.output
    assert len((tmp_path / "out.jsonl").read_text("utf-8").splitlines()) == 31


@pytest.mark.parametrize(
    ("to", "says"),
    [
        ("smtp:ops@example.com", "names no destination"),
        ("webhook:ftp://example.com/x", "not an http:// or https:// URL"),
        ("webhook:", "not an http:// or https:// URL"),
        ("file:", "needs a path"),
        ("file:no/such/folder/x.jsonl", "no folder"),
    ],
)
def test_a_bad_destination_is_a_usage_error(
    cli: Cli, project: tuple[Path, str], to: str, says: str
) -> None:
    root, url = project
    done = cli("deliver", root, "--db", url, "--to", to)
    assert done.code == 2, done.output
    assert "E0721" in done.err and says in done.err


def test_usage_errors_and_an_unknown_journey(cli: Cli, project: tuple[Path, str]) -> None:
    root, url = project
    assert cli("deliver", root, "--db", url).code == 2  # no --to
    assert cli("deliver", root, "--to", "file:x", "--attempts", "0").code == 2
    unknown = cli("deliver", root, "--db", url, "--to", "file:x.jsonl", "--journey", "welcom")
    assert unknown.code == 1
    assert "did you mean 'welcome'?" in unknown.err


def test_the_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(attempts=5, backoff=0.5, timeout=1, max_delay=3)
    assert [policy.delay(n, None) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]
    assert policy.delay(1, 2.5) == 2.5  # Retry-After, when longer
    assert policy.delay(1, 100) == 3


def test_a_webhook_label_hides_secrets() -> None:
    found = parse_destination("webhook:https://bot:pa55@hooks.example.com:8443/in?key=abc")
    assert found == Destination("webhook", "https://bot:pa55@hooks.example.com:8443/in?key=abc")
    assert found.label == "webhook:https://bot:***@hooks.example.com:8443/in?***"


def test_an_international_url_is_sent_as_browsers_write_it(receiver: Receiver) -> None:
    """A path in Chinese failed every attempt with Python's 'ascii' codec error (exit 1)
    after --to had accepted it; it is percent-encoded as UTF-8, a host name written in
    IDNA, as browsers and curl send them."""
    found = parse_destination(f"webhook:{receiver.url}/钩子?渠道=企业微信")
    path = "/%E9%92%A9%E5%AD%90?%E6%B8%A0%E9%81%93=%E4%BC%81%E4%B8%9A%E5%BE%AE%E4%BF%A1"
    assert found.target == receiver.url + path
    assert webhook_sender(found.target, timeout=5)("m-1", b"{}").verdict == "delivered"
    assert receiver.paths == [urlsplit(receiver.url).path + path]
    idna = parse_destination("webhook:https://u:密码@例子.测试:8443/a%20b")
    assert idna.target == "https://u:%E5%AF%86%E7%A0%81@xn--fsqu00a.xn--0zwm56d:8443/a%20b"
    with pytest.raises(BadDestination, match="cannot be written in IDNA"):
        parse_destination("webhook:http://" + "例" * 70 + ".cn/")


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    """RFC 9110 allows both forms; the date form was ignored (retried after the backoff)."""

    def header(value: str) -> Message:
        message = Message()
        message["Retry-After"] = value
        return message

    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20)
    waited = _retry_after(header(email.utils.format_datetime(soon, usegmt=True)))
    assert waited is not None and 18 <= waited <= 20
    assert _retry_after(header("Wed, 21 Oct 2015 07:28:00 GMT")) == 0  # past: at once
    assert _retry_after(header("7")) == 7
    assert _retry_after(header("soon")) is None and _retry_after(Message()) is None


def test_a_redirect_without_a_location_says_what_it_is() -> None:
    """`HTTP 304 Not Modified to ?` printed a '?' for the missing Location."""
    outcome = _answer(304, "Not Modified", Message(), io.BytesIO(b""))
    assert outcome.verdict == "stop"
    assert outcome.detail == "HTTP 304 Not Modified (not an answer to a POST; check the URL)"

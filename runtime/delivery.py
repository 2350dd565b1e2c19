"""`segl deliver`: send the outbox's sent messages and the alerts' notifications to a
webhook or a file, at least once.

Every committed outbox row with status `sent` that has no `delivered` row in the
deliveries table (compiler/store.py) is sent, oldest run first, as the JSON object
`segl show outbox --format jsonl` prints, with its message id as `Idempotency-Key`. Each
attempt's outcome is inserted into the deliveries table and committed as soon as it ends
(those that end together, in one INSERT), so a delivery killed half-way resumes where it
stopped. Up to `concurrency` messages are in flight at once, each on a worker thread; the
attempts are recorded by the calling thread, which alone uses the engine. A message
delivered but not yet recorded when the process died is sent again with the same key:
receivers deduplicate by `Idempotency-Key` (the contract, docs/journeys.md "Delivery").
An alert's notification (a committed alert history row with a notification id) is sent
the same way, as the JSON object of runtime/alerts.py notification_body
(docs/monitoring.md).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email.utils
import http.client
import os
import queue
import re
import socket
import stat
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from sqlglot import exp

from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.store import Store
from segl.compiler.targets import Target
from segl.runtime.alerts import notifications
from segl.runtime.engines import Engine
from segl.runtime.outbox import as_json, read_outbox
from segl.runtime.store import create_kept_table

DELIVERED = "delivered"
FAILED = "failed"
# the detail of a failed attempt the receiver refused for good starts with this: later
# deliveries skip such messages unless asked to retry them (the status column only says
# delivered or failed, so the detail carries the difference)
REFUSED = "refused"
MAX_DETAIL = 300  # characters of a receiver's answer kept in the detail column
# 408 Request Timeout and 429 Too Many Requests are worth another try; so is every 5xx
RETRY_STATUSES = frozenset({408, 429})
# answers about the destination, not the message (a wrong URL or token, a redirect): every
# message would get the same, so the delivery stops without marking any refused
DESTINATION_STATUSES = frozenset({401, 403, 404, 405, 407, 410})


class BadDestination(ValueError):
    """A --to value that names no destination segl can write to."""


@dataclass(frozen=True)
class Destination:
    kind: Literal["webhook", "file"]
    target: str  # the URL or the path

    @property
    def label(self) -> str:
        """How the destination is recorded and shown: a URL without its password and query
        (either may hold a token that has no place in a table or a log)."""
        if self.kind == "file":
            return f"file:{self.target}"
        return f"webhook:{redacted(self.target)}"


def redacted(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    if parts.username is not None:
        host = f"{parts.username}:***@{host}" if parts.password else f"{parts.username}@{host}"
    return urlunsplit((parts.scheme, host, parts.path, "***" if parts.query else "", ""))


def parse_destination(text: str) -> Destination:
    """`webhook:http(s)://...` or `file:PATH`; raises BadDestination saying what is wrong."""
    kind, colon, rest = text.partition(":")
    if not colon or kind not in ("webhook", "file"):
        raise BadDestination(
            f"--to {text!r} names no destination: it starts with webhook: or file:"
        )
    if kind == "webhook":
        return Destination("webhook", _webhook_url(rest))
    return Destination("file", _file_path(rest))


def _webhook_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is no number raises here
    except ValueError as err:
        raise BadDestination(f"--to webhook:{url}: not a URL ({err})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadDestination(f"--to webhook:{redacted(url)}: not an http:// or https:// URL")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise BadDestination("--to webhook:URL: the URL has spaces or control characters")
    return _ascii_url(url)


# what a URL's path and query keep as they are: the reserved and unreserved characters
# and '%' (escapes already made); anything else (Chinese, accents) is percent-encoded
_URL_SAFE = "/%:@!$&'()*+,;=-._~?#[]"


def _ascii_url(url: str) -> str:
    """The URL as HTTP sends it, as browsers and curl write it: an international host name
    in IDNA (例子.测试 -> xn--fsqu00a.xn--0zwm56d), other characters of the path and
    query percent-encoded as UTF-8 (/路径 -> /%E8%B7%AF%E5%BE%84)."""
    if url.isascii():
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as err:
        raise BadDestination(
            f"--to webhook:{redacted(url)}: the host name {host!r} cannot be written in "
            f"IDNA ({err})"
        ) from None
    if ":" in ascii_host:
        ascii_host = f"[{ascii_host}]"  # an IPv6 address keeps its brackets
    userinfo, at, _ = parts.netloc.rpartition("@")
    netloc = f"{quote(userinfo, safe=':%')}{at}{ascii_host}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    path = quote(parts.path, safe=_URL_SAFE)
    query = quote(parts.query, safe=_URL_SAFE)
    return urlunsplit((parts.scheme, netloc, path, query, quote(parts.fragment, safe=_URL_SAFE)))


def _file_path(path: str) -> str:
    if not path:
        raise BadDestination("--to file: needs a path, e.g. --to file:outbox.jsonl")
    path = os.path.expanduser(path)  # `file:~/x`: no shell expands a `~` after `file:`
    file = Path(path)
    if file.is_dir():
        raise BadDestination(f"--to file:{path}: is a folder")
    if not file.absolute().parent.is_dir():
        raise BadDestination(f"--to file:{path}: no folder {file.absolute().parent}")
    return path


# ---------------------------------------------------------------- attempts


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # per message, the first included
    backoff: float = 0.5  # seconds before the first retry, doubled before each next one
    timeout: float = 10.0  # seconds an attempt has to connect and be answered in full
    max_delay: float = 30.0  # no wait between attempts is longer (Retry-After included)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """The wait after failed attempt `attempt` (1-based). At most `--concurrency`
        messages (64) wait at once, too small a herd for jitter to spread."""
        wanted = self.backoff * (1 << (attempt - 1))
        if retry_after is not None:
            wanted = max(wanted, retry_after)
        return min(wanted, self.max_delay)


Verdict = Literal[
    "delivered",
    "retry",  # worth another attempt: the destination may recover (5xx, 408, 429, timeouts)
    "refused",  # the receiver refused this message for good (other 4xx): not retried
    "stop",  # the destination is misconfigured: no message can get through as it is
]


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    detail: str
    retry_after: float | None = None  # seconds the receiver asked us to wait


Sender = Callable[[str, bytes], Outcome]  # (message id, JSON body) -> outcome


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib turns a redirected POST into a GET without the body, whose 200 would pass
    # for a delivery: a redirect is an answer (refused) instead
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Sockets:
    """The sockets an attempt opened, so that its deadline can shut them: a socket's own
    timeout bounds each wait, and a receiver sending its answer a byte at a time would
    never meet it."""

    def __init__(self) -> None:
        self.opened: list[socket.socket] = []
        self.expired = False

    def shut(self) -> None:
        self.expired = True
        for opened in self.opened:
            with contextlib.suppress(OSError):
                opened.shutdown(socket.SHUT_RDWR)

    def handlers(self) -> list[urllib.request.BaseHandler]:
        sockets = self

        class Plain(http.client.HTTPConnection):
            def connect(self) -> None:
                super().connect()
                sockets.opened.append(self.sock)

        class Secure(http.client.HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                sockets.opened.append(self.sock)

        class PlainHandler(urllib.request.HTTPHandler):
            def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
                return self.do_open(Plain, req)

        class SecureHandler(urllib.request.HTTPSHandler):
            def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
                return self.do_open(Secure, req)

        return [PlainHandler(), SecureHandler(), _NoRedirects()]


def _credentials(url: str) -> tuple[str, dict[str, str]]:
    """The URL without a `user:password@` (urllib would take it for part of the host
    name), and the Basic authorization header it stands for."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, {}
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    token = base64.b64encode(pair.encode("utf-8")).decode("ascii")
    return urlunsplit(parts._replace(netloc=netloc)), {"Authorization": f"Basic {token}"}


def webhook_sender(url: str, timeout: float, user_agent: str = "segl") -> Sender:
    bare, authorization = _credentials(url)

    def send(message_id: str, body: bytes) -> Outcome:
        request = urllib.request.Request(
            bare,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": message_id,
                "User-Agent": user_agent,
                **authorization,
            },
        )
        sockets = _Sockets()
        # `timeout` bounds the whole attempt: connecting, and the answer to its last byte
        deadline = threading.Timer(timeout, sockets.shut)
        deadline.start()
        try:
            outcome = _attempt(urllib.request.build_opener(*sockets.handlers()), request, timeout)
        finally:
            deadline.cancel()
        if sockets.expired and outcome.verdict != "delivered":  # cut short by the deadline
            return Outcome("retry", f"no answer within {timeout:g} s")
        return outcome

    return send


def _attempt(
    opener: urllib.request.OpenerDirector, request: urllib.request.Request, timeout: float
) -> Outcome:
    try:
        with opener.open(request, timeout=timeout) as response:
            return _answer(response.status, response.reason, response.headers, response)
    except urllib.error.HTTPError as err:  # a non-2xx answer
        with err:
            return _answer(err.code, str(err.reason), err.headers, err)
    except TimeoutError:
        return Outcome("retry", f"no answer within {timeout:g} s")
    except urllib.error.URLError as err:  # could not connect (or timed out connecting)
        reason = err.reason
        if isinstance(reason, TimeoutError):
            return Outcome("retry", f"no answer within {timeout:g} s")
        return Outcome("retry", f"cannot reach the webhook: {reason}")
    except (OSError, http.client.HTTPException) as err:  # reset, broken answer
        return Outcome("retry", _one_line(f"the connection failed: {type(err).__name__}: {err}"))
    except ValueError as err:  # a host name the IDNA codec refuses, and the like
        return Outcome("stop", f"cannot use the URL: {err}")


class _Body(Protocol):
    def read(self, amt: int, /) -> bytes: ...


def _answer(status: int, reason: str, headers: Message, body: _Body) -> Outcome:
    try:
        text = body.read(MAX_DETAIL).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        text = ""  # the status is the answer; a body cut short changes nothing
    detail = f"HTTP {status} {reason}".strip()
    if 300 <= status < 400:
        location = headers.get("Location")
        detail += (
            f" to {location}: post to the final URL instead"
            if location
            else " (not an answer to a POST; check the URL)"
        )
    elif text.strip():
        detail += f": {text.strip()}"
    detail = _one_line(detail)
    if 200 <= status < 300:
        return Outcome("delivered", detail)
    if status in RETRY_STATUSES or status >= 500:
        return Outcome("retry", detail, _retry_after(headers))
    if status < 400 or status in DESTINATION_STATUSES:
        return Outcome("stop", detail)
    return Outcome("refused", detail)


def _retry_after(headers: Message) -> float | None:
    """Retry-After in seconds, or as an HTTP date (RFC 9110 10.2.3); None: the backoff
    decides."""
    value = headers.get("Retry-After", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # "-0000": UTC by RFC 5322
            when = when.replace(tzinfo=dt.UTC)
        seconds = max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
    return seconds if 0 <= seconds < float("inf") else None


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text)[:MAX_DETAIL]


class FileSender:
    """Appends one JSON line per message, on disk (fsync) before it counts as delivered."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._checked = False
        self._one_writer = threading.Lock()  # concurrent messages write whole lines

    def __call__(self, message_id: str, body: bytes) -> Outcome:
        with self._one_writer:
            return self._append(body)

    def _append(self, body: bytes) -> Outcome:
        try:
            # read-write: the first write looks at the file's last byte
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                # a pipe or a terminal (file:/dev/stdout) has no last byte and no fsync
                regular = stat.S_ISREG(os.fstat(fd).st_mode)
                if regular and not self._checked:
                    self._end_torn_line(fd)
                    self._checked = True
                _write_all(fd, body + b"\n")
                if regular:
                    os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as err:
            return Outcome("retry", f"cannot write {self.path}: {err.strerror or err}")
        return Outcome("delivered", f"appended to {self.path}")

    def _end_torn_line(self, fd: int) -> None:
        """A crash mid-write (power loss) can leave a line without its newline: end it, so
        the torn line stays on its own and the next message starts a line."""
        size = os.fstat(fd).st_size
        if size > 0 and os.pread(fd, 1, size - 1) != b"\n":
            _write_all(fd, b"\n")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def sender_for(destination: Destination, policy: RetryPolicy, user_agent: str) -> Sender:
    if destination.kind == "file":
        return FileSender(destination.target)
    return webhook_sender(destination.target, policy.timeout, user_agent)


# ---------------------------------------------------------------- the deliveries table


class DeliveryLog:
    """The deliveries table of a project: one row per attempt."""

    def __init__(self, engine: Engine, store: Store) -> None:
        self.engine = engine
        self.table = store.deliveries

    @property
    def target(self) -> Target:
        return self.engine.target

    def ensure(self) -> None:
        if self.engine.columns_of(self.table.name) is None:
            create = create_kept_table(self.table, self.target)
            self.engine.execute_in_transaction([render(create, self.target, pretty=False)])

    def states(self) -> dict[str, str]:
        """message id -> `delivered`, or `refused` when the receiver refused it for good
        (by any destination: a message id names one message wherever it goes)."""
        if self.engine.columns_of(self.table.name) is None:
            return {}
        query = exp.Select(expressions=[col("message_id"), col("status"), col("detail")]).from_(
            table_ref(self.table.name)
        )
        found: dict[str, str] = {}
        for message_id, status, detail in self.engine.query(render(query, self.target, False)):
            key = str(message_id)
            if status == DELIVERED:
                found[key] = DELIVERED
            elif str(detail or "").startswith(REFUSED) and found.get(key) != DELIVERED:
                found[key] = REFUSED
        return found

    def record(self, attempts: list[tuple[str, str, str, str]]) -> None:
        """Attempts (message id, destination, status, detail) that have ended, committed at
        once in one statement: what is recorded survives a kill."""
        now = self.target.instant(dt.datetime.now(dt.UTC).replace(microsecond=0))
        rows = [
            exp.Tuple(
                expressions=[
                    self.target.string(message_id),
                    now,
                    self.target.string(destination),
                    self.target.string(status),
                    self.target.string(detail),
                ]
            )
            for message_id, destination, status, detail in attempts
        ]
        insert = exp.Insert(
            this=exp.Schema(
                this=table_ref(self.table.name),
                expressions=[exp.to_identifier(n, quoted=True) for n in self.table.names],
            ),
            expression=exp.Values(expressions=rows),
        )
        self.engine.execute_in_transaction([render(insert, self.target, pretty=False)])


# ---------------------------------------------------------------- delivering


@dataclass
class Report:
    delivered: int = 0  # by this delivery
    failed: int = 0  # messages this delivery could not deliver
    already: int = 0  # delivered before
    refused_before: int = 0  # refused for good before, not retried
    not_tried: int = 0  # left for the next delivery: it stopped at a receiver that is down
    last_error: str | None = None
    refused_ids: list[str] = field(default_factory=list)
    stopped: Verdict | None = None  # why it stopped early: `retry` (down) or `stop`
    interrupted: str | None = None  # the signal that stopped it between messages (SIGINT)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.not_tried == 0 and self.interrupted is None

    @property
    def undelivered(self) -> int:
        return self.failed + self.not_tried

    def summary(self) -> str:
        parts = [
            f"delivered {self.delivered:,}",
            f"failed {self.failed:,}",
            f"already delivered {self.already:,}",
        ]
        if self.not_tried:
            parts.append(f"not tried {self.not_tried:,}")
        if self.refused_before:
            parts.append(f"refused before {self.refused_before:,} (not retried)")
        return ", ".join(parts)


@dataclass(frozen=True)
class Retrying:
    """A failed attempt that will be tried again (for progress output)."""

    message_id: str
    attempt: int
    attempts: int
    detail: str
    delay: float


@dataclass(frozen=True)
class _Attempted:
    """An attempt's outcome, to be recorded."""

    message_id: str
    status: str
    detail: str


@dataclass(frozen=True)
class _Finished:
    """A message's last attempt: delivered, refused, or given up."""

    message_id: str
    outcome: Outcome


@dataclass(frozen=True)
class _Crashed:
    """A sender that raised: the delivery fails with its error."""

    error: BaseException


# what a worker tells the delivering thread, in the order it happened
_Event = _Attempted | Retrying | _Finished | _Crashed


@dataclass
class Delivery:
    """One `segl deliver`: which messages, where, and how hard to try."""

    engine: Engine
    store: Store
    destination: Destination
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    journey: str | None = None
    retry_failed: bool = False
    send: Sender | None = None  # default: the destination's sender
    sleep: Callable[[float], None] = time.sleep
    on_retry: Callable[[Retrying], None] | None = None
    user_agent: str = "segl"
    # a stop asked for (Ctrl-C): the name of the signal, looked at between messages and
    # while waiting to retry; the messages in flight are finished and recorded first
    stop_requested: Callable[[], str | None] = lambda: None
    concurrency: int = 1  # messages in flight at once; 1 keeps the outbox's order
    on_progress: Callable[[int, int], None] | None = None  # (messages done, to do)

    def run(self) -> Report:
        log = DeliveryLog(self.engine, self.store)
        report = Report()
        todo = self._pending(log.states(), report)
        if todo:  # a project with nothing to send gets no table
            log.ensure()
            send = self.send or sender_for(self.destination, self.policy, self.user_agent)
            self._deliver_all(log, send, todo, report)
        return report

    def _deliver_all(
        self, log: DeliveryLog, send: Sender, todo: list[tuple[str, bytes]], report: Report
    ) -> None:
        """Hand the messages in order to `concurrency` workers and record what they tell,
        until every message is done or the delivery stops (Ctrl-C, a destination down or
        misconfigured); the messages in flight then finish and are recorded. The workers
        are daemons: a second Ctrl-C (KeyboardInterrupt here) ends the process at once."""
        jobs: queue.SimpleQueue[tuple[str, bytes] | None] = queue.SimpleQueue()
        events: queue.SimpleQueue[_Event] = queue.SimpleQueue()
        workers = [
            threading.Thread(target=self._work, args=(send, jobs, events), daemon=True)
            for _ in range(min(self.concurrency, len(todo)))
        ]
        for worker in workers:
            worker.start()
        handed = in_flight = 0
        stopping = False
        crashed: list[BaseException] = []
        try:
            while True:
                while not stopping and in_flight < len(workers) and handed < len(todo):
                    if (signal_name := self.stop_requested()) is not None:
                        report.interrupted = signal_name
                        stopping = True
                        break
                    jobs.put(todo[handed])
                    handed += 1
                    in_flight += 1
                if in_flight == 0:
                    break
                for event in self._told(events, log):
                    in_flight -= 1
                    if isinstance(event, _Finished):
                        stopping = self._count(event, report) or stopping
                    else:  # the others in flight are recorded first
                        stopping = True
                        crashed.append(event.error)
                    if self.on_progress is not None:
                        self.on_progress(handed - in_flight, len(todo))
        finally:
            for _ in workers:
                jobs.put(None)
        # idle by now; joined so that none outlives the delivery (an embedded engine's
        # teardown at exit crashed under a thread still waiting for a job)
        for worker in workers:
            worker.join()
        if crashed:
            raise crashed[0]
        report.not_tried += len(todo) - handed

    def _work(
        self,
        send: Sender,
        jobs: queue.SimpleQueue[tuple[str, bytes] | None],
        events: queue.SimpleQueue[_Event],
    ) -> None:
        while (job := jobs.get()) is not None:
            message_id, body = job
            try:
                outcome = self._deliver_one(send, message_id, body, events.put)
            except BaseException as err:  # raised again by the delivering thread
                events.put(_Crashed(err))
                return
            events.put(_Finished(message_id, outcome))

    def _told(
        self, events: queue.SimpleQueue[_Event], log: DeliveryLog
    ) -> list[_Finished | _Crashed]:
        """Wait for the workers' news and take all there is: the attempts that ended are
        recorded in one commit (one a message when they come one at a time), retries
        reported; the messages done are returned, to be counted after their records."""
        news = [events.get()]
        while not events.empty():
            news.append(events.get())
        attempts = [e for e in news if isinstance(e, _Attempted)]
        if attempts:
            label = self.destination.label
            log.record([(e.message_id, label, e.status, e.detail) for e in attempts])
        for event in news:
            if isinstance(event, Retrying) and self.on_retry is not None:
                self.on_retry(event)
        return [e for e in news if isinstance(e, _Finished | _Crashed)]

    def _count(self, finished: _Finished, report: Report) -> bool:
        """Count a message's last outcome; True when the delivery should stop."""
        outcome = finished.outcome
        if outcome.verdict == "delivered":
            report.delivered += 1
            return False
        if outcome.verdict == "retry" and (signal_name := self.stop_requested()) is not None:
            report.interrupted = signal_name
            report.not_tried += 1  # stopped while waiting to retry: it waits, not failed
            return True
        report.failed += 1
        report.last_error = outcome.detail
        if outcome.verdict == "refused":
            report.refused_ids.append(finished.message_id)
            return False
        # the destination is down (every attempt failed) or misconfigured: each remaining
        # message would fail the same way, after attempts x timeout apiece; they wait, in
        # order, for the next delivery
        report.stopped = outcome.verdict
        return True

    def _messages(self) -> list[tuple[str, str]]:
        """(message id, JSON body) of the journeys' sent messages and the alerts'
        notifications (runtime/alerts.py), oldest run first (a journey's before an
        alert's of the same run); `--journey` leaves the alerts out."""
        found: list[tuple[dt.datetime, str, str]] = [
            (decision["run_at"], str(decision["message_id"]), as_json(decision))
            for decision in read_outbox(self.engine, self.store, self.journey)
            if decision["status"] == "sent"
        ]
        if self.journey is None:
            found += notifications(self.engine, self.store)
        found.sort(key=lambda message: message[0])  # stable: the outbox's order kept
        return [(message_id, body) for _, message_id, body in found]

    def _pending(self, states: dict[str, str], report: Report) -> list[tuple[str, bytes]]:
        """The messages to deliver, oldest run first."""
        todo: list[tuple[str, bytes]] = []
        seen: set[str] = set()
        for message_id, body in self._messages():
            if message_id in seen:
                continue  # one message id is sent once per delivery, whatever the table says
            seen.add(message_id)
            state = states.get(message_id)
            if state == DELIVERED:
                report.already += 1
            elif state == REFUSED and not self.retry_failed:
                report.refused_before += 1
            else:
                todo.append((message_id, body.encode("utf-8")))
        return todo

    def _deliver_one(
        self, send: Sender, message_id: str, body: bytes, tell: Callable[[_Event], None]
    ) -> Outcome:
        """Every attempt at one message (on a worker thread), each told as it ends."""
        attempts = self.policy.attempts
        for attempt in range(1, attempts + 1):
            outcome = send(message_id, body)
            tell(_Attempted(message_id, *self._row(outcome, attempt)))
            if outcome.verdict != "retry" or attempt == attempts:
                return outcome
            delay = self.policy.delay(attempt, outcome.retry_after)
            tell(Retrying(message_id, attempt, attempts, outcome.detail, delay))
            if not self._wait(delay):
                return outcome  # stopped while waiting: the message waits for the next delivery
        raise AssertionError("unreachable: the last attempt returns")  # pragma: no cover

    def _wait(self, delay: float) -> bool:
        """Sleep `delay` seconds, in short steps so that a stop asked for meanwhile ends the
        wait (a Retry-After of 30 s); False when it did."""
        left = delay
        while left > 0:
            if self.stop_requested() is not None:
                return False
            step = min(left, 0.1)
            self.sleep(step)
            left -= step
        return self.stop_requested() is None

    def _row(self, outcome: Outcome, attempt: int) -> tuple[str, str]:
        """The status and detail an attempt is recorded with."""
        if outcome.verdict == "delivered":
            return DELIVERED, outcome.detail
        if outcome.verdict == "refused":
            return FAILED, f"{REFUSED} (not retried): {outcome.detail}"
        if outcome.verdict == "stop":
            return FAILED, f"stopped: {outcome.detail}"
        return FAILED, f"attempt {attempt}/{self.policy.attempts}: {outcome.detail}"


def describe_failure(report: Report, destination: Destination) -> tuple[str, tuple[str, ...]]:
    """The message and hints of E0720 for a delivery that left messages undelivered."""
    count = report.undelivered
    noun = "message" if count == 1 else "messages"
    message = (
        f"{count:,} {noun} could not be delivered to {destination.label}; "
        f"last error: {report.last_error}"
    )
    hints: list[str] = []
    if report.interrupted is not None:
        waiting = "message" if report.not_tried == 1 else "messages"
        message = (
            f"stopped by {report.interrupted}: {report.not_tried:,} {waiting} not delivered to "
            f"{destination.label} yet"
        )
        hints.append("every message sent was recorded; run `segl deliver` again to send the rest")
    if report.stopped == "stop":
        hints.append(
            "that answer is about the destination, not the message (a wrong URL or token, "
            "a redirect): fix --to and run `segl deliver` again; no message was marked refused"
        )
    elif report.stopped == "retry":
        hints.append(
            "the destination did not take a message after every attempt, so the delivery "
            "stopped there; once it is back, run `segl deliver` again: it resumes with the "
            "undelivered messages (more tries: --attempts, a longer wait: --timeout)"
        )
    if report.refused_ids:
        shown = ", ".join(report.refused_ids[:3]) + (", ..." if len(report.refused_ids) > 3 else "")
        hints.append(
            f"the receiver refused {len(report.refused_ids):,} for good ({shown}); later "
            "deliveries skip them unless run with --retry-failed"
        )
    return message, tuple(hints)

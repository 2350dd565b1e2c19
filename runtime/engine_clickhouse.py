"""The ClickHouse engines.

- `chdb:///relative/path`, `chdb:////absolute/path`: ClickHouse in-process through chdb, with
  its data in that directory; `chdb://` or `chdb:///:memory:` keeps it in memory. chdb allows
  one data path per process: every chdb engine of a process shares one session, each on its
  own database (`?database=NAME`, default `default`).
- `clickhouse://user:password@host:port/database`: a ClickHouse server through
  clickhouse-connect (HTTP, port 8123 by default; `?secure=true` for HTTPS, port 8443).

Time zones: `use_timezone` sets `session_timezone` to the project's zone for every
statement, so a `DateTime` column without a zone reads as project-local time and a column
with its own zone is converted to it (the compiled SQL then works in UTC-labelled
wall-clock times, see `compiler/targets/clickhouse.py`). ClickHouse has no naive timestamp
type, and a `DateTime` cannot hold a wall-clock time that the project's zone skips: tables
made by `create_table` store naive timestamps as `String` text, which segl reads as it is.

No transactions: a run computes each history table's complete new content into a staging
table, without touching the live tables; an error in that phase (bad rules, bad data, a
refused query, a crash) leaves every earlier result byte-identical. Publishing swaps each
staging table with its live table by EXCHANGE TABLES, atomic per table in an Atomic
database. What remains: the four swaps are four statements, so a crash between two of them
leaves some history tables with this run and the rest without it (each table whole, either
old or new; `segl_runs` flips last; rerun to repair).

Both engines share everything but `_run`: the SQL, the settings, the types, `create_table`;
a server needs ClickHouse 23.6 or newer (`session_timezone`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import logging
import math
import os
import re
import sys
import tempfile
import uuid
from abc import abstractmethod
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, unquote, urlparse

from sqlglot import exp

from segl.compiler.script import Statement
from segl.compiler.sqlgen import render, table_ref
from segl.compiler.sqlgen.staging import shared_ctes
from segl.compiler.store import ColumnType, Kind
from segl.compiler.targets import get_target
from segl.compiler.targets.clickhouse import QUERY_SETTINGS
from segl.compiler.types import Type
from segl.runtime.engines import (
    DRIVER_HINT,
    DatabaseLocked,
    Engine,
    EngineError,
    HeldByAnother,
    UnsupportedURL,
    integer_type,
    sql_of,
    unsigned_64_type,
    wait_while_held,
)

SUPPORTED = (
    "chdb:///relative/dir, chdb:////absolute/dir, chdb:///:memory:, "
    "clickhouse://user:password@host:8123/database"
)
INSTALL_HINT = "pip install 'segl[clickhouse]'"
# clickhouse-connect logs a failed connection itself ("Unexpected Http Driver Exception"),
# which Python prints to stderr when nothing handles its logger: segl says it once, E0605
logging.getLogger("clickhouse_connect").addHandler(logging.NullHandler())

# ClickHouse type names (wrappers removed) that fit each declared segl type
_FITS: dict[Type, re.Pattern[str]] = {
    Type.NUMBER: re.compile(r"^(U?Int(8|16|32|64|128|256)|Float(32|64)|BFloat16|Decimal.*)$"),
    Type.STRING: re.compile(r"^(String|FixedString\(\d+\)|Enum(8|16)?\(.*\))$"),
    Type.BOOL: re.compile(r"^(Bool|Boolean|UInt8)$"),
    Type.DATE: re.compile(r"^(Date|Date32)$"),
    # String: naive wall-clock text (what create_table writes)
    Type.TIMESTAMP: re.compile(r"^(DateTime(64)?(\(.*\))?|Date|Date32|String)$"),
}
_WRAPPER = re.compile(r"^(Nullable|LowCardinality)\((.*)\)$")
_FLOAT = re.compile(r"(Nullable\()?(B?Float(16|32|64))\)?")

# settings that only newer ClickHouse versions know (and need): set where known.
# ClickHouse 25+ infers Variant(Float64, Int64) for coalesce(integer, double), which sum()
# and friends refuse; segl means the double. Older versions never infer Variant.
OPTIONAL_SETTINGS: dict[str, Any] = {"allow_lossy_numeric_supertype": 1}

# session_timezone (23.6) is the newest feature segl's SQL relies on
MIN_SERVER_VERSION = (23, 6)

_CREATED_TYPES: dict[ColumnType, str] = {
    Kind.COUNT: "Int64",  # whole numbers: counts and integer user keys, every digit
    Kind.WIDE_KEY: "UInt64",  # the keys of an unsigned 64-bit column
    Type.NUMBER: "Float64",
    Type.STRING: "String",
    Type.BOOL: "Bool",
    Type.DATE: "Date32",
    Type.TIMESTAMP: "String",  # naive wall-clock text: a DateTime would be an instant
}


def _unwrapped(engine_type: str) -> str:
    """A column type without its Nullable(...) and LowCardinality(...)."""
    kind = engine_type.strip()
    while (wrapped := _WRAPPER.match(kind)) is not None:
        kind = wrapped.group(2).strip()
    return kind


def clickhouse_type_fits(declared: Type, engine_type: str) -> bool:
    pattern = _FITS.get(declared)
    return pattern is None or bool(pattern.match(_unwrapped(engine_type)))


def _string(value: str) -> str:
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value) or "\x00" in value:
        raise EngineError("text values must not contain NUL or control characters")
    return exp.Literal.string(value).sql(dialect="clickhouse")


def sql_literal(value: Any) -> str:
    """A Python value as a ClickHouse literal (inserted into a typed column)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, dt.datetime):
        return _string(value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds"))
    if isinstance(value, dt.date):
        return _string(value.isoformat())
    return _string(str(value))


def _plain(value: Any) -> Any:
    """A value as segl reads it: timestamps are naive wall-clock times."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


class ClickHouseEngineBase(Engine):
    """What both ClickHouse engines share; subclasses run one statement at a time."""

    instant_type = re.compile(r"DateTime64")

    def __init__(self, database: str) -> None:
        self.target = get_target("clickhouse")
        self.database = database
        self.timezone = "UTC"
        self._optional: dict[str, Any] = {}  # OPTIONAL_SETTINGS this ClickHouse knows

    @abstractmethod
    def _run(self, sql: str, *, rows: bool) -> list[tuple[Any, ...]]:
        """One statement, with the session settings segl's SQL relies on."""

    def settings(self) -> dict[str, Any]:
        return {
            "session_timezone": self.timezone,
            **QUERY_SETTINGS,  # why each: targets.clickhouse.QUERY_SETTINGS
            **self._optional,
        }

    def _adopt_optional_settings(self) -> None:
        """Turn on the optional settings that this ClickHouse knows (after connecting)."""
        names = ", ".join(_string(name) for name in OPTIONAL_SETTINGS)
        known = self._run(f"SELECT name FROM system.settings WHERE name IN ({names})", rows=True)
        self._optional = {str(n): OPTIONAL_SETTINGS[str(n)] for (n,) in known}

    def execute_in_transaction(self, statements: Sequence[Statement]) -> None:
        # no transactions: the compiled statements compute everything before they change
        # history rows (see the module docstring)
        for statement in statements:
            self._run(sql_of(statement), rows=False)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(_plain(v) for v in row) for row in self._run(sql, rows=True)]

    def query_built(self, query: exp.Expression) -> list[tuple[Any, ...]]:
        """ClickHouse plans a CTE again wherever it is read: each CTE read often is
        computed first into a temporary table (the session's own, never stored) that the
        rest reads (compiler/sqlgen/staging.py). Where the session may not create one (a
        read-only user), the query runs as it is."""
        shared = shared_ctes(query)
        if shared is None:
            return super().query_built(query)
        prefix = f"segl_cte_{uuid.uuid4().hex[:12]}_"
        readers: dict[str, exp.Expression] = {}
        created: list[str] = []
        try:
            try:
                for name in shared.shared:
                    body = shared.statement(name, readers)
                    readers[name] = self._stage(prefix + name, body, created)
            except EngineError:
                return super().query_built(query)  # its own error, if it has one
            return self.query(render(shared.statement(None, readers), self.target))
        finally:
            for table in created:
                with contextlib.suppress(EngineError):  # a broken session drops them itself
                    self._run(f"DROP TEMPORARY TABLE IF EXISTS {table}", rows=False)

    def _stage(self, name: str, body: exp.Expression, created: list[str]) -> exp.Expression:
        """The rows of `body` in the temporary table `name` (appended to `created`), and
        the query that reads them back as `body` gives them. A column of NULLs by
        construction has the type Nullable(Nothing), which no table can hold: it is left
        out and read back as NULL (a body of nothing else is read as it is)."""
        sql = render(body, self.target)
        columns = [(str(row[0]), str(row[1])) for row in self._run(f"DESCRIBE ({sql})", rows=True)]
        kept = [exp.to_identifier(n, quoted=True) for n, kind in columns if "Nothing" not in kind]
        if not kept:
            return body
        table = render(table_ref(name), self.target)
        stored = ", ".join(render(c, self.target) for c in kept)
        self._run(f"CREATE TEMPORARY TABLE {table} AS SELECT {stored} FROM ({sql})", rows=False)
        created.append(table)
        read = [
            exp.column(exp.to_identifier(n, quoted=True))
            if "Nothing" not in kind
            else exp.alias_(exp.null(), exp.to_identifier(n, quoted=True))
            for n, kind in columns
        ]
        return exp.Select(expressions=read).from_(table_ref(name), copy=False)

    def _split(self, table: str) -> tuple[str, str]:
        parts = table.split(".")
        return (parts[-2] if len(parts) >= 2 else self.database), parts[-1]

    def columns_of(self, table: str) -> dict[str, str] | None:
        database, name = self._split(table)
        sql = (
            "SELECT name, type FROM system.columns WHERE database = "
            f"{_string(database)} AND table = {_string(name)} ORDER BY position"
        )
        found = self._run(sql, rows=True)
        return {str(n): str(t) for n, t in found} if found else None

    def fits(self, declared: Type, engine_type: str) -> bool:
        return clickhouse_type_fits(declared, engine_type)

    times_as_text = True

    def holds_time_as_text(self, engine_type: str) -> bool:
        return _unwrapped(engine_type) == "String"

    def joins_keys(self, engine_type: str, other: str) -> bool:
        # no common type of an integer and a float (NO_COMMON_TYPE in the JOIN's ON)
        def whole(kind: str) -> bool:
            return integer_type(kind) or unsigned_64_type(kind)

        def floating(kind: str) -> bool:
            return bool(_FLOAT.fullmatch(kind.strip()))

        one_each = (whole(engine_type) and floating(other), floating(engine_type) and whole(other))
        return not any(one_each)

    def create_table(
        self, table: str, columns: Sequence[tuple[str, ColumnType]], rows: Sequence[Sequence[Any]]
    ) -> None:
        ref = render(table_ref(table), self.target)
        defs = ", ".join(
            f"{render(exp.to_identifier(n, quoted=True), self.target)} "
            f"Nullable({_CREATED_TYPES.get(t, 'String')})"
            for n, t in columns
        )
        self._run(f"DROP TABLE IF EXISTS {ref}", rows=False)
        self._run(f"CREATE TABLE {ref} ({defs}) ENGINE = MergeTree ORDER BY tuple()", rows=False)
        self._insert(ref, rows)

    def _insert(self, ref: str, rows: Sequence[Sequence[Any]]) -> None:
        for start in range(0, len(rows), 2000):
            values = ", ".join(
                "(" + ", ".join(sql_literal(v) for v in row) + ")"
                for row in rows[start : start + 2000]
            )
            self._run(f"INSERT INTO {ref} VALUES {values}", rows=False)

    def use_timezone(self, timezone: str) -> None:
        self._run(f"SELECT toTimeZone(now(), {_string(timezone)})", rows=True)  # a real zone?
        self.timezone = timezone


# ---------------------------------------------------------------- chdb (in-process)

_chdb: dict[str, Any] = {}  # "session", "path", "state": the one chdb session of the process


def _chdb_session(path: str, lock_timeout: float = 0.0) -> Any:
    """The process's chdb session on `path`. A data folder another process's chdb holds is
    waited for up to `lock_timeout` seconds (DatabaseLocked after that), as a DuckDB file."""
    try:
        chdb_session: Any = importlib.import_module("chdb.session")
    except ImportError:
        raise UnsupportedURL(f"chdb needs the chdb driver: {INSTALL_HINT}", DRIVER_HINT) from None
    if "session" in _chdb:
        if _chdb["path"] != path:
            raise EngineError(
                f"chdb allows one data path per process; this process already uses "
                f"{_chdb['path'] or ':memory:'}"
            )
        return _chdb["session"]

    def started() -> Any:
        session, said, error = _started(chdb_session, path)
        if session is not None:
            return session
        holder = _holder(path)
        if holder is None:  # chdb's own words first: its exception only says it failed
            raise EngineError(" ".join(filter(None, (said, error))))
        raise HeldByAnother(f"process {holder} uses this data folder ({said or error})")

    def locked(waited: float, words: str) -> DatabaseLocked:
        return DatabaseLocked(path, waited, words, engine="chdb", what="data folder")

    session = wait_while_held(started, lock_timeout, locked)
    _chdb.update(session=session, path=path, state=None)
    return session


def _started(chdb_session: Any, path: str) -> tuple[Any, str, str]:
    """A new chdb session on `path` (None if it failed), what chdb wrote to stderr and its
    exception's text. Its C++ writes why (a locked data folder) to the process's stderr,
    which would reach the terminal before segl's diagnostic."""
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as stderr:
        try:
            with _stderr_to(stderr):
                return chdb_session.Session(path) if path else chdb_session.Session(), "", ""
        except Exception as err:  # chdb raises plain RuntimeError subclasses
            stderr.seek(0)
            return None, stderr.read().strip(), str(err)


@contextlib.contextmanager
def _stderr_to(file: IO[str]) -> Iterator[None]:
    """Point file descriptor 2 at `file` for the duration."""
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(file.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _holder(path: str) -> int | None:
    """The live process, other than this one, whose chdb (a ClickHouse server) runs on the
    data folder: ClickHouse writes its PID to `<path>/status` and locks the file while it
    runs. A status file left by a killed process names a dead PID: None."""
    try:
        text = (Path(path) / "status").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    found = re.search(r"^PID:\s*(\d+)", text, re.MULTILINE)
    if found is None or int(found.group(1)) == os.getpid():
        return None
    pid = int(found.group(1))
    try:
        os.kill(pid, 0)  # PermissionError: alive, another user's
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return pid


def close_chdb() -> None:
    """Close the process's chdb session (tests: at the end of the session)."""
    session = _chdb.pop("session", None)
    _chdb.clear()
    if session is not None:
        session.close()


class ChdbEngine(ClickHouseEngineBase):
    name = "chdb"

    def __init__(
        self,
        path: str = "",
        database: str = "default",
        read_only: bool = False,
        create: bool = True,
        lock_timeout: float = 0.0,
    ) -> None:
        """`create=False` (every command but the tests' own set-up): the database must
        exist (a mistyped `?database=` left an empty one behind). `lock_timeout`: how long
        to wait for a data folder another process's chdb holds."""
        super().__init__(database)
        self.session = _chdb_session(path, lock_timeout)
        self.read_only = read_only
        quoted = render(exp.to_identifier(database, quoted=True), self.target)
        exists = f"SELECT 1 FROM system.databases WHERE name = {_string(database)}"
        try:
            if not read_only and create:
                self.session.query(f"CREATE DATABASE IF NOT EXISTS {quoted}")
            elif not str(self.session.query(exists, "CSV")).strip():
                raise EngineError(
                    f"no database '{database}' in the chdb data at {path or ':memory:'}"
                )
        except EngineError:
            raise
        except Exception as err:
            raise EngineError(str(err).strip()) from None
        self._adopt_optional_settings()

    def _prepare(self) -> None:
        state = (self.database, tuple(sorted(self.settings().items())))
        if _chdb.get("state") == state:
            return
        quoted = render(exp.to_identifier(self.database, quoted=True), self.target)
        sets = ", ".join(
            f"{k} = {_string(v) if isinstance(v, str) else v}" for k, v in self.settings().items()
        )
        try:
            self.session.query(f"SET {sets}")
            self.session.query(f"USE {quoted}")
        except Exception as err:
            _chdb["state"] = None
            raise EngineError(str(err)) from None
        _chdb["state"] = state

    def _run(self, sql: str, *, rows: bool) -> list[tuple[Any, ...]]:
        if "session" not in _chdb or _chdb["session"] is not self.session:
            raise EngineError("this chdb engine's session is closed")
        self._prepare()
        try:
            if not rows:
                self.session.query(sql)
                return []
            table = self.session.query(sql, "ArrowTable")
        except Exception as err:
            if err.__class__.__name__ in ("ChdbError", "RuntimeError"):
                raise EngineError(str(err).strip()) from None
            raise
        names = table.column_names
        return [tuple(r[n] for n in names) for r in table.to_pylist()]

    def close(self) -> None:
        """Nothing to release: the chdb session belongs to the process (close_chdb)."""


# ---------------------------------------------------------------- a server (clickhouse-connect)


class ClickHouseServerEngine(ClickHouseEngineBase):
    name = "clickhouse"

    def __init__(self, client: Any, database: str) -> None:
        super().__init__(database)
        self.client = client
        try:
            check_server_version(str(client.server_version))
            self._adopt_optional_settings()
        except EngineError:
            client.close()
            raise

    def _run(self, sql: str, *, rows: bool) -> list[tuple[Any, ...]]:
        from clickhouse_connect.driver.exceptions import ClickHouseError

        try:
            if not rows:
                self.client.command(sql, settings=self.settings())
                return []
            result = self.client.query(sql, settings=self.settings())
        except ClickHouseError as err:
            raise EngineError(str(err).strip()) from None
        return [tuple(r) for r in result.result_rows]

    def close(self) -> None:
        self.client.close()


def check_server_version(version: str) -> None:
    """Refuse a server older than MIN_SERVER_VERSION, whose errors would be obscure."""
    parts = [int(p) if p.isdigit() else 0 for p in version.split(".")[:2]]
    if (*parts, 0, 0)[:2] < MIN_SERVER_VERSION:
        need = ".".join(str(p) for p in MIN_SERVER_VERSION)
        raise EngineError(f"segl needs ClickHouse {need} or newer; this server is {version}")


def parse_server_url(url: str) -> dict[str, Any]:
    """clickhouse://user:password@host:port/database?secure=true -> client arguments."""
    parsed = urlparse(url)
    query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    secure = query.get("secure", "").lower() in ("1", "true", "yes")
    database = unquote(parsed.path.lstrip("/")) or "default"
    return {
        "host": parsed.hostname or "localhost",
        "port": parsed.port or (8443 if secure else 8123),
        "username": unquote(parsed.username) if parsed.username else "default",
        "password": unquote(parsed.password) if parsed.password else "",
        "database": database,
        "secure": secure,
    }


def parse_chdb_url(url: str, base: Path | None) -> tuple[str, str]:
    """chdb:///dir -> (data path, database); '' is in memory."""
    rest = url[len("chdb:") :]
    rest, _, query_text = rest.partition("?")
    query = {k: v[-1] for k, v in parse_qs(query_text).items()}
    path = rest[3:] if rest.startswith("///") else rest.removeprefix("//")
    path = unquote(path)
    if path in ("", ":memory:"):
        path = ""
    elif not Path(path).is_absolute() and base is not None:
        path = str(base / path)
    return path, query.get("database", "default")


def open_engine(
    url: str,
    *,
    base: Path | None = None,
    read_only: bool = False,
    create: bool = True,
    lock_timeout: float | None = None,
) -> Engine:
    scheme = url.split(":", 1)[0].lower()
    if scheme == "chdb":
        path, database = parse_chdb_url(url, base)
        if read_only and path and not Path(path).exists():
            raise EngineError(f"no chdb data at {path}")
        return ChdbEngine(
            path, database, read_only=read_only, create=create, lock_timeout=lock_timeout or 0.0
        )
    if scheme == "clickhouse":
        try:
            import clickhouse_connect
        except ImportError:
            raise UnsupportedURL(
                f"clickhouse needs the clickhouse-connect driver: {INSTALL_HINT}", DRIVER_HINT
            ) from None
        arguments = parse_server_url(url)
        connect: Callable[..., Any] = clickhouse_connect.get_client
        try:
            client = connect(**arguments)
        except Exception as err:  # connection refused, bad credentials, ...
            raise EngineError(f"cannot connect to ClickHouse: {err}") from None
        return ClickHouseServerEngine(client, arguments["database"])
    raise UnsupportedURL(f"segl cannot connect to '{url}'; supported: {SUPPORTED}")

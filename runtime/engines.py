"""Engines: the only place segl talks to a database. One small interface,
chosen by a URL; DuckDB (embedded) is the default."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import importlib
import itertools
import os
import re
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

from sqlglot import exp

from segl.compiler.framing import Frame
from segl.compiler.script import Statement
from segl.compiler.sqlgen import render, table_ref
from segl.compiler.store import ColumnType, Kind
from segl.compiler.targets import Target, get_target
from segl.compiler.types import Type

SUPPORTED_URLS = (
    "duckdb:///file.duckdb, sqlite:///file.db, postgresql://user@host/db, chdb:///path, "
    "clickhouse://user@host:8123/db, spark://local, sc://host:15002"
)


# values (rows x columns) from which `DuckDBEngine.create_table` stages through Arrow,
# which saves about 1 us a value; below, lists spare importing pyarrow where that would
# not pay: 0.1 s, or 0.3 s where pandas is installed (pyarrow imports it to inspect its
# inputs)
ARROW_FROM_VALUES = 100_000
# the column kinds staged as times (naive, microseconds)
TIMES = (Type.TIMESTAMP, Kind.INSTANT)


class EngineError(Exception):
    """A database refused something; the message is the engine's own words."""

    @property
    def hint(self) -> str | None:
        """What to do, where the engine's words say it plainly: a file another process
        holds (SQLite waits `timeout` seconds, then says "database is locked"), a file
        or folder that cannot be written."""
        text = str(self)
        if any(words in text for words in LOCKED_WORDS):
            return (
                "another process holds the database file (a `segl run`, a delivery or "
                "another tool writing to it): try again when it is done"
            )
        if "lock timeout" in text:  # PostgreSQL's lock_timeout (--lock-timeout)
            return (
                "another segl run of this project, or another session, holds its lock or its "
                "tables: run again later, or wait longer with --lock-timeout SECONDS"
            )
        if "permission denied for" in text:  # PostgreSQL: the role lacks a right
            return (
                "the database role needs the right to read the sources and to create and "
                "write segl's tables (GRANT ... TO the role in the --db URL)"
            )
        if any(words in text for words in READ_ONLY_WORDS):
            return "the database file and its folder must be writable by this user"
        for words, hint in SIZE_LIMITS:
            if words in text:
                return hint
        if "standard_conforming_strings" in text:
            return (
                "the server answered, but reads backslashes in strings as escapes: turn "
                "standard_conforming_strings on for segl's database or role (ALTER DATABASE "
                "... SET standard_conforming_strings = on, or ALTER ROLE ...)"
            )
        return None


LOCKED_WORDS = ("database is locked", "database table is locked")
READ_ONLY_WORDS = ("readonly database", "Read-only file system", "Permission denied")
# an engine's limits on the size of one query, which a run's SQL may pass (docs/engines.md)
SIZE_LIMITS = (
    (
        "TOO_DEEP_SUBQUERIES",
        "ClickHouse plans at most `max_subquery_depth` (100) nested queries: derived tags "
        "chained about that deep (t2 = t1 + 1, t3 = t2 + 1, ...); shorten the chain, or "
        "raise the setting in the profile of segl's user on the server",
    ),
    (
        "Max query size exceeded",
        "the run's SQL is longer than ClickHouse's `max_query_size` (256 KiB): thousands "
        "of segments or an `in` list of thousands of values; raise the setting in the "
        "profile of segl's user on the server, or split the project",
    ),
    (
        "Max expression depth limit",
        "DuckDB reads expressions at most 1,000 deep: derived tags chained about that deep "
        "(t2 = t1 + 1, t3 = t2 + 1, ...), or a project reading several hundred sources (one "
        "join each in the per-user query); shorten the chain, or split the project",
    ),
    (
        "Expression tree is too large",
        "SQLite reads expressions at most 1,000 deep: derived tags chained about that "
        "deep, or a condition nested about that deep; shorten it",
    ),
    (
        "parser stack overflow",
        "SQLite's parser reads about 18 nested `case`, 30 nested function calls or "
        "bracketed operations, 44 nested `not` or `-` (docs/engines.md); nest fewer in "
        "the rule (`not not x` is `x`)",
    ),
)


class UnsupportedURL(Exception):
    """A URL segl cannot open; `hint` says what to do instead (None: show the URL forms)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


DRIVER_HINT = "the engine drivers are optional extras; install this one and run again"


class NoDatabase(EngineError):
    """A file-based database that does not exist (and was not to be created)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"no database file at {path}")
        self.path = path


class DatabaseLocked(EngineError):
    """Another process holds the database (`what`: a DuckDB file, a chdb data folder) at
    `path`, for longer than we waited; `detail` is what `engine` said."""

    def __init__(
        self,
        path: str,
        waited: float,
        detail: str,
        engine: str = "DuckDB",
        what: str = "database file",
    ) -> None:
        super().__init__(detail)
        self.path = path
        self.waited = waited
        self.detail = detail
        self.engine = engine
        self.what = what


Opened = TypeVar("Opened")


class HeldByAnother(Exception):
    """Raised by an opener (`wait_while_held`) when another process holds the database;
    the message is the engine's own words."""


def wait_while_held(
    opener: Callable[[], Opened],
    lock_timeout: float,
    locked: Callable[[float, str], DatabaseLocked],
    on_wait: Callable[[str], None] | None = None,
) -> Opened:
    """`opener()`, retried with a growing pause (up to a second) while it raises
    HeldByAnother, for at most `lock_timeout` seconds; then `locked(waited, words)` is
    raised. `on_wait` is told once, with the engine's words, before the first pause."""
    started = time.monotonic()
    delay = 0.05
    while True:
        try:
            return opener()
        except HeldByAnother as held:
            waited = time.monotonic() - started
            if waited >= lock_timeout:
                raise locked(waited, str(held)) from None
            if on_wait is not None:
                on_wait(str(held))
                on_wait = None
            time.sleep(min(delay, lock_timeout - waited))
            delay = min(delay * 2, 1.0)


def sql_of(statement: Statement) -> str:
    """A statement's SQL: rendered now if it is rendered when it runs."""
    return statement if isinstance(statement, str) else statement()


class Engine(ABC):
    name: str
    target: Target

    @abstractmethod
    def execute_in_transaction(self, statements: Sequence[Statement]) -> None:
        """All statements or none: on any error roll back and raise EngineError. A
        statement may be a function giving its SQL, called when it is its turn."""

    def execute_run(self, frame: Frame, statements: Sequence[Statement]) -> None:
        """A run's statements inside the run's frame (compiler/framing.py), as a script from
        `segl compile` frames them: the project's zone on the session, the statements in
        the engine's transaction, then what follows the commit."""
        self.use_timezone(frame.timezone)
        self.execute_in_transaction(statements)
        for statement in frame.after_sql():
            self.query(statement)

    def recover_publish(self, tables: Sequence[str]) -> None:
        """Repair what a run killed while publishing its tables left behind, before the
        next run reads them (engines without transactions; see engine_spark.py). Engines
        with transactions, and ClickHouse's atomic table swaps, leave nothing to repair."""
        return None

    @abstractmethod
    def query(self, sql: str) -> list[tuple[Any, ...]]: ...

    def query_built(self, query: exp.Expression) -> list[tuple[Any, ...]]:
        """The rows of a query built for this engine's target (reports' queries: one
        statement of many CTEs)."""
        return self.query(render(query, self.target))

    @abstractmethod
    def columns_of(self, table: str) -> dict[str, str] | None:
        """Column name -> engine type name, or None when the table does not exist."""

    @abstractmethod
    def create_table(
        self, table: str, columns: Sequence[tuple[str, ColumnType]], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Create (or replace) a table and fill it: used by tests and the demo."""

    def create_scratch_table(
        self, table: str, columns: Sequence[tuple[str, ColumnType]], rows: Sequence[Sequence[Any]]
    ) -> None:
        """A `create_table` that only this connection reads and that need not outlive it
        (a simulation's scratch): a temporary table where that is cheaper."""
        self.create_table(table, columns, rows)

    def table_maker(
        self, table: str, columns: Sequence[tuple[str, ColumnType]], rows: Sequence[Sequence[Any]]
    ) -> Callable[[], None]:
        """`create_table` in two halves: this call does the work that needs no connection
        (safe in another thread: runtime/background.py), the function it returns the
        rest, on the connection."""
        return functools.partial(self.create_table, table, columns, rows)

    @abstractmethod
    def use_timezone(self, timezone: str) -> None:
        """Read zoned timestamps as wall-clock time in the project's zone (SPEC §3)."""

    @abstractmethod
    def close(self) -> None: ...

    def fits(self, declared: Type, engine_type: str) -> bool:
        """Whether a column of this engine type can hold the declared segl type."""
        return type_fits(declared, engine_type)

    # how the engine names the type of an instant column (compiler/store.py Kind.INSTANT)
    instant_type: re.Pattern[str] = re.compile(r"TIMESTAMP WITH TIME ZONE|TIMESTAMPTZ", re.I)

    # whether any time column may hold text (runtime/unreadable_times.py): no, where a
    # time column's type is a time (a text column is E0604)
    times_as_text = False

    def holds_time_as_text(self, engine_type: str) -> bool:
        """Whether a date or timestamp column of this engine type may hold text that reads
        as no time."""
        return False

    def joins_keys(self, engine_type: str, other: str) -> bool:
        """Whether user keys of these two column types join (both numbers or both text,
        runtime/run.py checks first): on most engines they do."""
        return True

    def holds(self, column_type: Type | Kind, engine_type: str) -> bool:
        """Whether a result-store column of this engine type holds what segl writes there
        (stricter than `fits`: a stored DATE column does not hold timestamps)."""
        if column_type is Kind.KEY:
            return True
        if column_type is Kind.INSTANT:
            return bool(self.instant_type.search(engine_type))
        if column_type in (Kind.COUNT, Kind.WIDE_KEY):
            return self.fits(Type.NUMBER, engine_type)
        if column_type is Type.TIMESTAMP and _DATE_ONLY.fullmatch(engine_type.strip()):
            return False
        return self.fits(column_type, engine_type)

    def mixed_keys(self, table: str, column: str, engine_type: str) -> str | None:
        """Why a user column's keys would not group as one user each (SQLite: a column
        without a declared type keeping 1 and '1' as two values); None: they do."""
        return None

    def held_kind(self, table: str, column: str, engine_type: str) -> Type | None:
        """Numbers or text, as a column without a declared type holds them (SQLite keeps
        each value as written); None: the column's type says, or it holds no value."""
        return None

    def table_name_problem(self, table: str) -> str | None:
        """Why no table of this name can exist in this engine's catalog; None: it can."""
        return None

    def table_definition(self, table: str, columns: Sequence[tuple[str, ColumnType]]) -> exp.Schema:
        """`table (col type, ...)` in this engine's types, for `create_table`."""
        return exp.Schema(
            this=table_ref(table),
            expressions=[
                exp.ColumnDef(
                    this=exp.to_identifier(n, quoted=True), kind=self.target.store_type(t)
                )
                for n, t in columns
            ],
        )

    def decode(self, value: Any, value_type: Type) -> Any:
        """A value read back from a result table as the Python value of its segl type
        (engines without boolean or date types store them differently)."""
        return value

    def select_star(self, table: str, limit: int | None = None) -> str:
        return _select_star(self.target.name, table, limit)


@functools.lru_cache(maxsize=1024)
def _select_star(target: str, table: str, limit: int | None) -> str:
    """Rendered once per table and dialect: a run asks for its tables' columns dozens of
    times (a journeys run about 30: 0.4 ms of sqlglot each)."""
    query = exp.Select(expressions=[exp.Star()]).from_(table_ref(table), copy=False)
    if limit is not None:
        query = query.limit(exp.Literal.number(limit), copy=False)
    return render(query, get_target(target), pretty=False)


# DuckDB type names (as DuckDB prints them) that fit each declared segl type
_DUCKDB_FITS: dict[Type, re.Pattern[str]] = {
    Type.NUMBER: re.compile(
        r"^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|REAL|DECIMAL.*|NUMERIC.*)$"
    ),
    Type.STRING: re.compile(r"^(VARCHAR|TEXT|STRING|ENUM.*)$"),
    Type.BOOL: re.compile(r"^BOOL(EAN)?$"),
    Type.DATE: re.compile(r"^DATE$"),
    Type.TIMESTAMP: re.compile(r"^(TIMESTAMP.*|DATE|DATETIME)$"),
}


_DATE_ONLY = re.compile(r"date|nullable\(date(32)?\)|date32", re.I)
# the integer types of the five engines, ClickHouse's wrapped or not; 64 bits at most:
# unsigned and 128-bit keys beyond BIGINT are not whole numbers segl can stage
_INTEGER = re.compile(
    r"(nullable\(|lowcardinality\()*"
    r"(tinyint|smallint|int|integer|bigint|long|short|byte|int(8|16|32|64)|uint(8|16|32))"
    r"\)*",
    re.I,
)


def integer_type(engine_type: str) -> bool:
    """Whether an engine's column type holds whole numbers only, each exactly in a BIGINT."""
    return bool(_INTEGER.fullmatch(engine_type.strip()))


_UNSIGNED_64 = re.compile(r"(nullable\(|lowcardinality\()*(ubigint|uint64)\)*", re.I)


def unsigned_64_type(engine_type: str) -> bool:
    """Whether an engine's column type holds whole numbers from 0 to 2^64 - 1."""
    return bool(_UNSIGNED_64.fullmatch(engine_type.strip()))


def type_fits(declared: Type, engine_type: str) -> bool:
    pattern = _DUCKDB_FITS.get(declared)
    return pattern is None or bool(pattern.match(engine_type.upper()))


def run_in_transaction(
    execute: Callable[[str], object],
    statements: Sequence[Statement],
    driver_error: type[BaseException],
    *,
    begin: str = "BEGIN",
) -> None:
    """BEGIN, every statement, COMMIT; on any error ROLLBACK, and a driver error becomes
    an EngineError (for connections whose `execute` runs one statement)."""
    try:
        execute(begin)
    except driver_error as err:  # the database is locked, or cannot be written
        raise EngineError(str(err)) from None
    try:
        for statement in statements:
            execute(sql_of(statement))
    except driver_error as err:
        execute("ROLLBACK")
        raise EngineError(str(err)) from None
    except BaseException:
        execute("ROLLBACK")
        raise
    try:
        execute("COMMIT")
    except driver_error as err:  # the write-ahead log cannot be written (a read-only folder)
        with contextlib.suppress(driver_error):
            execute("ROLLBACK")
        raise EngineError(str(err)) from None


class DuckDBEngine(Engine):
    name = "duckdb"
    _scratch: weakref.finalize[Any, Any] | None = None  # detaches a scratch database

    def __init__(
        self,
        database: str = ":memory:",
        read_only: bool = False,
        *,
        lock_timeout: float = 0.0,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        """Open (or create) a DuckDB file. When another process holds the file's lock,
        retry with backoff for up to `lock_timeout` seconds (calling `on_wait` once with
        DuckDB's message), then raise DatabaseLocked."""
        import duckdb

        if read_only and database != ":memory:" and not Path(database).exists():
            raise NoDatabase(database)
        self.target = get_target("duckdb")
        self._error = duckdb.Error

        def opened() -> duckdb.DuckDBPyConnection:
            try:
                return duckdb.connect(database, read_only=read_only)
            except duckdb.Error as err:
                if is_lock_conflict(err):
                    raise HeldByAnother(str(err)) from None
                raise EngineError(str(err)) from None

        def locked(waited: float, words: str) -> DatabaseLocked:
            return DatabaseLocked(database, waited, words)

        self.connection = wait_while_held(opened, lock_timeout, locked, on_wait)
        _quiet(self.connection)

    @classmethod
    def scratch(cls) -> DuckDBEngine:
        """A fresh, empty in-memory database for a short-lived evaluation (runtime/inmemory.py,
        the tests' engines). The databases share one DuckDB instance of the process:
        starting an instance costs about 0.1 s, attaching an in-memory database to a
        running one about 1 ms. Each has its own connection to it, so its settings (the
        session zone) and temporary tables are its own; `close` detaches it."""
        import duckdb

        engine = cls.__new__(cls)
        engine.target = get_target("duckdb")
        engine._error = duckdb.Error
        engine.connection, name = _SCRATCH.attach()
        # detached at close, or when the engine is collected unclosed (no leak in the
        # process's instance)
        engine._scratch = weakref.finalize(engine, _SCRATCH.detach, engine.connection, name)
        return engine

    def execute_in_transaction(self, statements: Sequence[Statement]) -> None:
        # a run's frame ends with CHECKPOINT (DuckDB.after_commit in compiler/targets/duckdb.py)
        run_in_transaction(
            self.connection.execute, statements, self._error, begin="BEGIN TRANSACTION"
        )

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            rows: list[tuple[Any, ...]] = self.connection.execute(sql).fetchall()
        except self._error as err:
            raise EngineError(str(err)) from None
        return rows

    def columns_of(self, table: str) -> dict[str, str] | None:
        try:
            relation = self.connection.sql(self.select_star(table, limit=0))
        except self._error:
            return None
        return {
            name: str(kind) for name, kind in zip(relation.columns, relation.types, strict=True)
        }

    def create_table(
        self, table: str, columns: Sequence[tuple[str, ColumnType]], rows: Sequence[Sequence[Any]]
    ) -> None:
        self.table_maker(table, columns, rows)()

    def create_scratch_table(
        self, table: str, columns: Sequence[tuple[str, ColumnType]], rows: Sequence[Sequence[Any]]
    ) -> None:
        # in memory: a table of the database file is written to its log (BENCHMARKS.md,
        # simulate: about 11 ms an instant in a simulation's profile)
        self.table_maker(table, columns, rows, temporary=True)()

    def table_maker(
        self,
        table: str,
        columns: Sequence[tuple[str, ColumnType]],
        rows: Sequence[Sequence[Any]],
        temporary: bool = False,
    ) -> Callable[[], None]:
        """The statements, and the rows as columns (an Arrow table where that pays), made
        now; the function creates and fills the table."""
        definition = self.table_definition(table, columns)
        temp = exp.Properties(expressions=[exp.TemporaryProperty()]) if temporary else None
        statement = exp.Create(this=definition, kind="TABLE", replace=True, properties=temp)
        create = render(statement, self.target)
        if not rows:
            return lambda: self._execute(create)
        lists = [list(values) for values in zip(*rows, strict=True)]
        into = render(table_ref(table), self.target)
        kinds = [kind for _, kind in columns]
        types = [render(self.target.store_type(kind), self.target) for kind in kinds]
        arrow = None
        if len(rows) * len(columns) >= ARROW_FROM_VALUES:
            arrow = _arrow_table(kinds, lists)

        def make() -> None:
            self._execute(create)
            if arrow is not None:
                self._insert_arrow(into, types, arrow)
                return
            # one statement of a list per column: executemany inserts a row per statement,
            # about a millisecond each (a run staging 10^5 journey rows: BENCHMARKS.md)
            unnested = ", ".join(f"unnest(CAST(? AS {t}[]))" for t in types)
            self._execute(f"INSERT INTO {into} SELECT {unnested}", lists)

        return make

    def _execute(self, sql: str, parameters: Sequence[Any] | None = None) -> None:
        self.connection.execute(sql, parameters)

    def _insert_arrow(self, into: str, types: Sequence[str], data: Any) -> None:
        """Insert the columns of an Arrow table, which DuckDB scans without converting each
        Python value on its own (7x faster than lists: BENCHMARKS.md, journeys)."""
        view = "segl_staged_rows"  # registered for this statement only
        casts = ", ".join(f'CAST("c{i}" AS {t})' for i, t in enumerate(types))
        self.connection.register(view, data)
        try:
            self.connection.execute(f'INSERT INTO {into} SELECT {casts} FROM "{view}"')
        finally:
            self.connection.unregister(view)

    def use_timezone(self, timezone: str) -> None:
        # CAST(timestamptz AS TIMESTAMP) converts through the session zone
        self.connection.execute("SET TimeZone = ?", [timezone])

    def close(self) -> None:
        if self._scratch is not None:
            self._scratch()  # once: a second call does nothing
        self.connection.close()


class _ScratchInstance:
    """The process's DuckDB instance of scratch databases (DuckDBEngine.scratch), started
    at the first one."""

    def __init__(self) -> None:
        self._instance: Any = None
        self._names = itertools.count()

    def attach(self) -> tuple[Any, str]:
        """A new connection to the instance, using a new in-memory database (its name)."""
        import duckdb

        if self._instance is None:
            self._instance = duckdb.connect(":memory:")
        connection = self._instance.cursor()
        _quiet(connection)
        name = f"segl_scratch_{next(self._names)}"
        connection.execute(f"ATTACH ':memory:' AS {name}")
        connection.execute(f"USE {name}")
        return connection, name

    def detach(self, connection: Any, name: str) -> None:
        """Drop the database (its memory is freed); a failed run's open transaction first
        ends, as closing a connection would end it."""
        with contextlib.suppress(Exception):
            connection.execute("ROLLBACK")
        connection.execute("USE memory")
        connection.execute(f"DETACH {name}")


_SCRATCH = _ScratchInstance()


def _quiet(connection: Any) -> None:
    """No progress bar: DuckDB draws one on stdout for a query of more than 2 s, even
    into a file, where it broke `--format jsonl` and the run summary cron mails."""
    connection.execute("SET enable_progress_bar = false")


def _arrow_table(kinds: Sequence[ColumnType], lists: Sequence[list[Any]]) -> Any:
    """The columns as an Arrow table; None when Arrow cannot hold a column (an integer
    beyond 64 bits, mixed kinds of values) or would read it otherwise (times with a zone):
    the lists are inserted instead."""
    import pyarrow

    timed = (v for v, t in zip(lists, kinds, strict=True) if t in TIMES)
    if any(_zoned(values) for values in timed):
        return None
    # times given their Arrow type: inferring it reads every value (7x slower)
    micros = pyarrow.timestamp("us")
    arrow_types = [micros if kind in TIMES else None for kind in kinds]
    try:
        return pyarrow.table(
            [pyarrow.array(v, type=t) for v, t in zip(lists, arrow_types, strict=True)],
            names=[f"c{i}" for i in range(len(lists))],
        )
    except (pyarrow.ArrowException, OverflowError):
        return None


def _zoned(values: Sequence[Any]) -> bool:
    """Times with a zone: Arrow would read a naive one among them as UTC, where DuckDB
    reads a list's through the session's zone (the lists keep DuckDB's reading)."""
    return any(isinstance(v, dt.datetime) and v.tzinfo is not None for v in values)


def is_lock_conflict(error: BaseException) -> bool:
    """Whether a DuckDB error says another process holds the file's lock."""
    text = str(error)
    return "Could not set lock on file" in text or "Conflicting lock" in text


def url_scheme(url: str) -> str:
    """The scheme of a database URL, lower case; UnsupportedURL for one that cannot be
    parsed (`postgresql://u@[::1`: an unclosed IPv6 address)."""
    try:
        return urlparse(url).scheme.lower()
    except ValueError as err:
        raise UnsupportedURL(f"'{url}' is not a valid URL: {err}") from None


def url_problem(url: str) -> str | None:
    """Why segl could not connect to `url` whatever the database holds (a scheme it does
    not know, a URL that cannot be parsed), or None: what `segl check` can say offline."""
    try:
        scheme = url_scheme(url)
    except UnsupportedURL as err:
        return str(err)
    if scheme == "duckdb" or scheme in _OTHER_ENGINES:
        return None
    if scheme == "" and url.endswith((".duckdb", ".db")):
        return None
    return f"segl cannot connect to '{shown_url(url)}'; supported: {SUPPORTED_URLS}"


_SECRET_PARAMETER = re.compile(r"([?&](?:password|passwd|pwd|token|secret)[^=&]*=)[^&#]*", re.I)
_USER_PASSWORD = re.compile(r"^([a-z][a-z0-9+.-]*://[^/@:?#]*):[^/@?#]*@", re.I)


def shown_url(url: str) -> str:
    """A database URL as diagnostics show it: its password, and the values of query
    parameters named like one (`?password=`, `&token=`), as `***` (a connection error is
    printed to CI logs and cron mail); the rest as given."""
    return _SECRET_PARAMETER.sub(r"\1***", _USER_PASSWORD.sub(r"\1:***@", url))


def _is_sqlite_file(file: Path) -> bool:
    try:
        with file.open("rb") as opened:
            return opened.read(16) == b"SQLite format 3\x00"
    except OSError:  # none yet, a folder: DuckDB says what is wrong
        return False


def with_home(url: str) -> str:
    """`~` at the start of a file's path expanded, as a shell expands it: `--db=~/w.duckdb`
    and segl.toml's `database = "duckdb:///~/w.duckdb"` reach segl as written (a folder
    named `~` was looked for in the current one)."""
    if url.startswith("~"):
        return os.path.expanduser(url)
    for scheme in ("duckdb", "sqlite", "chdb"):
        prefix = f"{scheme}:///~"
        if url[: len(prefix)].lower() == prefix:
            return f"{url[: len(prefix) - 1]}{os.path.expanduser(url[len(prefix) - 1 :])}"
    return url


def database_file(url: str, base: Path | None = None) -> Path | None:
    """The local file (or chdb folder) a URL names, None for in-memory databases and
    servers. Relative paths are taken from `base`."""
    scheme = url_scheme(url)
    if scheme in ("duckdb", "sqlite", "chdb"):
        rest = url[len(scheme) + 1 :]
        if scheme != "duckdb" and not rest.startswith("//"):
            return None  # not a URL these engines accept; they say so themselves
        path = rest[3:] if rest.startswith("///") else rest.removeprefix("//")
        if scheme == "chdb":  # as engine_clickhouse.parse_chdb_url reads it
            path = unquote(path.partition("?")[0])
    elif scheme == "" and url.endswith((".duckdb", ".db")):
        path = url
    else:
        return None
    if path in ("", ":memory:"):
        return None
    file = Path(path)
    return file if file.is_absolute() or base is None else base / file


def _physical(path: str) -> str:
    """The file in its folder as the system finds it: DuckDB reads `..` by the text (the
    folder above `links/proj` in `links/proj/../w.duckdb`) where the system follows a
    linked `proj` first, so the file checked for and the file opened were two (a new
    empty database made beside the link). The file itself is kept as named (its WAL
    stays beside that name)."""
    folder, name = os.path.split(path)
    if not folder or ".." not in Path(folder).parts or not os.path.isdir(folder):
        return path
    return os.path.join(os.path.realpath(folder), name)


def connect(
    url: str,
    *,
    base: Path | None = None,
    read_only: bool = False,
    create: bool = True,
    lock_timeout: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Engine:
    """An engine for a database URL. Relative paths are taken from `base`.

    `create=False`: a file-based database (DuckDB, SQLite, chdb) must exist already
    (NoDatabase otherwise), so a mistyped path never leaves an empty database behind;
    `read_only` implies it. `lock_timeout`: how long to wait for a DuckDB or SQLite file
    or a chdb data folder that another process holds (DatabaseLocked after that; `on_wait`
    is told once, for DuckDB), or on PostgreSQL for a lock (another run of the project);
    None: the engine's default (no wait for a DuckDB file or chdb folder, 5 s for SQLite,
    no limit on PostgreSQL)."""
    wait = lock_timeout or 0.0
    file = database_file(url, base)
    if file is not None and (read_only or not create) and not file.exists():
        raise NoDatabase(str(file))
    scheme = url_scheme(url)
    if file is not None and scheme != "sqlite" and _is_sqlite_file(file):
        # DuckDB would read it as an attachment, downloading its SQLite extension first
        raise UnsupportedURL(
            f"{file} is a SQLite database, not a DuckDB one",
            f"name it as one: --db sqlite:///{file}",
        )
    if scheme == "duckdb":
        # like SQLAlchemy: duckdb:///relative.duckdb, duckdb:////absolute.duckdb
        rest = url[len("duckdb:") :]
        path = rest[3:] if rest.startswith("///") else rest.removeprefix("//")
        if path in ("", ":memory:"):
            return DuckDBEngine(":memory:")
        if not Path(path).is_absolute() and base is not None:
            path = str(base / path)
        path = _physical(path)
        return DuckDBEngine(path, read_only=read_only, lock_timeout=wait, on_wait=on_wait)
    if scheme == "" and url.endswith((".duckdb", ".db")):
        path = url if Path(url).is_absolute() or base is None else str(base / url)
        path = _physical(path)
        return DuckDBEngine(path, read_only=read_only, lock_timeout=wait, on_wait=on_wait)
    opener = _OTHER_ENGINES.get(scheme)
    if opener is None:
        raise UnsupportedURL(str(url_problem(url)))
    module_name, extra = opener
    try:
        module = importlib.import_module(module_name)
    except MissingDriver as missing:
        raise UnsupportedURL(
            f"{url.split(':')[0]} needs the {missing.package} driver: pip install 'segl[{extra}]'",
            DRIVER_HINT,
        ) from None
    engine: Engine = module.open_engine(
        url, base=base, read_only=read_only, create=create, lock_timeout=lock_timeout
    )
    return engine


class MissingDriver(ImportError):
    """Raised by an engine module whose optional driver package is not installed."""

    def __init__(self, package: str) -> None:
        super().__init__(package)
        self.package = package


# URL scheme -> (module with `open_engine(url, *, base, read_only, create, lock_timeout)
# -> Engine`, pip extra)
_OTHER_ENGINES: dict[str, tuple[str, str]] = {
    "sqlite": ("segl.runtime.engine_sqlite", "sqlite"),
    "postgresql": ("segl.runtime.engine_postgres", "postgres"),
    "postgres": ("segl.runtime.engine_postgres", "postgres"),
    "chdb": ("segl.runtime.engine_clickhouse", "clickhouse"),
    "clickhouse": ("segl.runtime.engine_clickhouse", "clickhouse"),
    "spark": ("segl.runtime.engine_spark", "spark"),
    "sc": ("segl.runtime.engine_spark", "spark"),
}

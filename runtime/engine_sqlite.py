"""The SQLite engine: `sqlite:///relative.db`, `sqlite:////absolute/path.db`,
`sqlite:///:memory:`; the standard library's sqlite3, no extra driver.

SQLite has no date, timestamp or boolean types: segl stores dates as ISO text
(`YYYY-MM-DD`), timestamps as ISO text (`YYYY-MM-DD HH:MM:SS[.ffffff]`) and
booleans as 0/1; `decode` turns them back into Python values when segl reads
results. SQLite has no time zones either: `use_timezone` does nothing, so
timestamps in the warehouse must already be local wall-clock time in the
project's zone (text with a UTC offset is not converted).

SQLite's built-in `lower`/`upper` change ASCII letters only; the engine replaces them
with Python's Unicode case mapping, as the reference evaluator does. A script from
`segl compile --dialect sqlite` run by another SQLite client keeps the built-ins, so
there `lower("Ä")` stays "Ä" (unless that SQLite has the ICU extension loaded).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlglot import exp

from segl.compiler.script import Statement
from segl.compiler.sqlgen import render, table_ref
from segl.compiler.store import ColumnType
from segl.compiler.targets import get_target
from segl.compiler.types import Type
from segl.runtime.engines import Engine, EngineError, UnsupportedURL, run_in_transaction

SUPPORTED = "sqlite:///relative.db, sqlite:////absolute/path.db, sqlite:///:memory:"

# SQLite declared type names (as PRAGMA table_info prints them) per declared segl type;
# SQLite's type affinity rules (https://sqlite.org/datatype3.html §3.1) decide what fits.
_FITS: dict[Type, re.Pattern[str]] = {
    Type.NUMBER: re.compile(r"INT|REAL|FLOA|DOUB|NUM|DEC"),
    Type.STRING: re.compile(r"CHAR|CLOB|TEXT|STRING"),
    Type.BOOL: re.compile(r"BOOL|INT|NUM"),
    Type.DATE: re.compile(r"DATE|TEXT|CHAR|CLOB"),
    Type.TIMESTAMP: re.compile(r"DATE|TIME|TEXT|CHAR|CLOB"),
}


Stored = str | bytes | int | float | None


def _lower(value: Stored) -> Stored:
    return value.lower() if isinstance(value, str) else value


def _upper(value: Stored) -> Stored:
    return value.upper() if isinstance(value, str) else value


def _md5(value: Stored) -> Stored:
    """md5 of the text's UTF-8 bytes as hex digits, as the other engines' md5()."""
    if value is None:
        return None
    data = value if isinstance(value, bytes) else str(value).encode()
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _adapt(value: Any) -> Any:
    """A Python value as SQLite stores it in segl's representation."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        spec = "microseconds" if value.microsecond else "seconds"
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec=spec)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class SQLiteEngine(Engine):
    name = "sqlite"
    instant_type = re.compile(r"")  # ISO text with its offset: any declared type holds it

    def __init__(
        self, database: str = ":memory:", read_only: bool = False, lock_timeout: float | None = None
    ) -> None:
        self.target = get_target("sqlite")
        self.database = database
        try:
            if database == ":memory:":
                self.connection = sqlite3.connect(":memory:", isolation_level=None)
            else:
                if read_only and not Path(database).exists():
                    raise EngineError(f"no database file at {database}")
                mode = "ro" if read_only else "rwc"
                uri = f"{Path(database).resolve().as_uri()}?mode={mode}"
                # a file another process writes is waited for up to --lock-timeout (the
                # module's default, 5 s, otherwise)
                wait = 5.0 if lock_timeout is None else lock_timeout
                self.connection = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=wait)
                # SQLite opens any file lazily: read its header now, so that a file that is
                # not a database is refused here (not taken for a database without tables)
                self.connection.execute("PRAGMA schema_version").fetchall()
        except sqlite3.Error as err:
            raise EngineError(str(err)) from None
        # SQLite's own lower()/upper() fold ASCII letters only; segl folds all of Unicode.
        # SQLite has no md5(): bucket() needs it (capability MD5 of the SQLite target)
        for name, function in (("lower", _lower), ("upper", _upper), ("md5", _md5)):
            self.connection.create_function(name, 1, function, deterministic=True)

    # ------------------------------------------------------------ statements
    def execute_in_transaction(self, statements: Sequence[Statement]) -> None:
        # IMMEDIATE takes the write lock first, waiting up to --lock-timeout for another
        # writer: a deferred transaction that read first and then wrote was refused at
        # once ("database is locked"), since SQLite cannot wait there without a deadlock
        run_in_transaction(
            self.connection.execute, statements, sqlite3.Error, begin="BEGIN IMMEDIATE"
        )

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            return [tuple(row) for row in self.connection.execute(sql).fetchall()]
        except sqlite3.Error as err:
            raise EngineError(str(err)) from None

    def columns_of(self, table: str) -> dict[str, str] | None:
        try:
            cursor = self.connection.execute(self.select_star(table, limit=0))
        except sqlite3.Error:
            return None
        names = [d[0] for d in cursor.description]
        declared: dict[str, str] = {}
        # PRAGMA table_info gives declared types; its argument is a quoted identifier
        pragma = f"PRAGMA table_info({render(exp.to_identifier(table, quoted=True), self.target)})"
        try:
            for row in self.connection.execute(pragma).fetchall():
                declared[str(row[1])] = str(row[2])
        except sqlite3.Error:  # pragma: no cover - a view or something unusual
            pass
        return {name: declared.get(name, "") for name in names}

    def mixed_keys(self, table: str, column: str, engine_type: str) -> str | None:
        # a declared type's affinity stores '1' as 1 (INTEGER) or 1 as '1' (TEXT); without
        # one both are kept as written, and GROUP BY keeps them apart (one user, two rows)
        if engine_type != "":
            return None
        kinds = self._value_kinds(table, column)
        if "text" in kinds and kinds & {"integer", "real"}:
            return "it holds both numbers and text, so 1 and '1' would be two users"
        return None

    def held_kind(self, table: str, column: str, engine_type: str) -> Type | None:
        if engine_type != "":
            return None
        kinds = self._value_kinds(table, column)
        if kinds == {"text"}:
            return Type.STRING
        return Type.NUMBER if kinds and kinds <= {"integer", "real"} else None

    def _value_kinds(self, table: str, column: str) -> set[str]:
        """The storage classes of a column's values (SQLite's typeof), nulls left out."""
        name = render(exp.to_identifier(column, quoted=True), self.target)
        source = render(table_ref(table), self.target)
        found = self.query(f"SELECT DISTINCT typeof({name}) FROM {source} WHERE {name} IS NOT NULL")
        return {str(kind) for (kind,) in found}

    times_as_text = True

    def holds_time_as_text(self, engine_type: str) -> bool:
        return True  # any column holds any value

    def fits(self, declared: Type, engine_type: str) -> bool:
        pattern = _FITS.get(declared)
        if pattern is None or engine_type == "":  # no declared type: any value fits
            return True
        return bool(pattern.search(engine_type.upper()))

    def create_table(
        self, table: str, columns: Sequence[tuple[str, ColumnType]], rows: Sequence[Sequence[Any]]
    ) -> None:
        definition = self.table_definition(table, columns)
        drop = render(exp.Drop(tables=[table_ref(table)], kind="TABLE", exists=True), self.target)
        create = render(exp.Create(this=definition, kind="TABLE"), self.target)
        try:
            self.connection.execute(drop)
            self.connection.execute(create)
            if rows:
                marks = ", ".join("?" for _ in columns)
                insert = f"INSERT INTO {render(table_ref(table), self.target)} VALUES ({marks})"
                inside = self.connection.in_transaction  # a run staging its journey rows
                if not inside:
                    self.connection.execute("BEGIN")
                self.connection.executemany(insert, [[_adapt(v) for v in r] for r in rows])
                if not inside:
                    self.connection.execute("COMMIT")
        except sqlite3.Error as err:
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            raise EngineError(str(err)) from None

    def use_timezone(self, timezone: str) -> None:
        """SQLite has no time zones: timestamps are text already in local time."""

    def decode(self, value: Any, value_type: Type) -> Any:
        return decode(value, value_type)

    def close(self) -> None:
        self.connection.close()


def decode(value: Any, value_type: Type) -> Any:
    """A stored SQLite value as the Python value of its segl type."""
    if value is None:
        return None
    if value_type is Type.BOOL:
        return bool(value)
    if value_type is Type.DATE and isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if value_type is Type.TIMESTAMP and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def open_engine(
    url: str,
    *,
    base: Path | None = None,
    read_only: bool = False,
    create: bool = True,
    lock_timeout: float | None = None,
) -> Engine:
    del create  # connect() checks that the file exists where it must
    rest = url[len("sqlite:") :]
    if not rest.startswith("//"):
        raise UnsupportedURL(f"segl cannot connect to '{url}'; supported: {SUPPORTED}")
    path = rest[3:] if rest.startswith("///") else rest[2:]
    if path in ("", ":memory:"):
        return SQLiteEngine(":memory:")
    if not Path(path).is_absolute() and base is not None:
        path = str(base / path)
    return SQLiteEngine(path, read_only=read_only, lock_timeout=lock_timeout)

"""PostgreSQL through psycopg 3: `postgresql://user:password@host:port/database`, or on a
Unix socket `postgresql://user@/database?host=/socket/dir`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlglot import exp

from segl.compiler.script import Statement
from segl.compiler.sqlgen import render, table_ref
from segl.compiler.store import ColumnType
from segl.compiler.targets import get_target
from segl.compiler.types import Type
from segl.runtime.engines import Engine, EngineError, MissingDriver, sql_of

try:
    import psycopg
except ImportError:  # pragma: no cover - the driver is an optional extra
    raise MissingDriver("psycopg") from None

# PostgreSQL type names (as format_type prints them) that fit each declared segl type.
# character(n) and citext are left out: they compare ignoring trailing blanks or case.
_FITS: dict[Type, re.Pattern[str]] = {
    Type.NUMBER: re.compile(r"^(smallint|integer|bigint|real|double precision|numeric(\(.*\))?)$"),
    Type.STRING: re.compile(r"^(text|character varying(\(\d+\))?|enum .+)$"),
    Type.BOOL: re.compile(r"^boolean$"),
    Type.DATE: re.compile(r"^date$"),
    Type.TIMESTAMP: re.compile(r"^(timestamp(\(\d\))? with(out)? time zone|date)$"),
}


# A table's columns and their types as format_type writes them; an enum as `enum NAME`
# (read as text: segl casts string columns to VARCHAR), a domain as its base type
_COLUMNS = (
    "SELECT a.attname, CASE t.typtype "
    "WHEN 'e' THEN 'enum ' || format_type(a.atttypid, a.atttypmod) "
    "WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod) "
    "ELSE format_type(a.atttypid, a.atttypmod) END "
    "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
    "WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
)


def _message(err: Exception) -> str:
    """The server's own words: the primary message (and its detail), on one line."""
    diag = getattr(err, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if primary:
        detail = getattr(diag, "message_detail", None)
        return f"{primary} ({detail})" if detail else str(primary)
    return " ".join(str(err).split())


class PostgresEngine(Engine):
    name = "postgres"
    instant_type = re.compile(r"^timestamp(\(\d\))? with time zone$")

    def __init__(
        self, url: str, read_only: bool = False, lock_timeout: float | None = None
    ) -> None:
        self.target = get_target("postgres")
        try:
            self.connection = psycopg.connect(url, autocommit=True)
        except psycopg.Error as err:
            raise EngineError(_message(err)) from None
        conforming = self.connection.info.parameter_status("standard_conforming_strings")
        if conforming != "on":
            self.connection.close()
            raise EngineError(
                "standard_conforming_strings is off on this server; segl's SQL needs it on "
                "(ALTER DATABASE ... SET standard_conforming_strings = on)"
            )
        # doubles read back as text keep every digit whatever the role or pooler set (0
        # rounds them to 15 digits: PostgreSQL's default before version 12)
        self.query("SET extra_float_digits = 3")
        if read_only:
            self.query("SET default_transaction_read_only = on")
        if lock_timeout is not None:
            # a run waits for another run of the project (an advisory lock) or a session
            # holding its tables at most this long, as for a DuckDB file; 0 in PostgreSQL
            # would be no limit, so "do not wait" is 1 ms
            self.query(f"SET lock_timeout = {max(1, round(lock_timeout * 1000))}")

    def execute_in_transaction(self, statements: Sequence[Statement]) -> None:
        try:
            with self.connection.transaction(), self.connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(sql_of(statement).encode("utf-8"))
        except psycopg.Error as err:
            raise EngineError(_message(err)) from None

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(sql.encode("utf-8"))
                if cursor.description is None:
                    return []
                return list(cursor.fetchall())
        except psycopg.Error as err:
            raise EngineError(_message(err)) from None

    def columns_of(self, table: str) -> dict[str, str] | None:
        name = render(table_ref(table), self.target, pretty=False)
        try:
            with self.connection.cursor() as cursor:
                found = cursor.execute("SELECT to_regclass(%s)::oid", [name]).fetchone()
                if found is None or found[0] is None:
                    return None
                rows = cursor.execute(_COLUMNS, [found[0]]).fetchall()
        except (psycopg.errors.InvalidName, psycopg.errors.SyntaxError):
            return None  # a name no table can have ("bad name", a.b.c.d)
        except psycopg.errors.FeatureNotSupported:
            return None  # db.schema.table: another database's, never readable here
        except psycopg.Error as err:
            # a timeout or a dropped connection is no missing table (it was taken for one:
            # E0602 for tables that exist, an outbox of "0 decisions", alerts not evaluated)
            raise EngineError(_message(err)) from None
        return {str(column): str(kind) for column, kind in rows}

    def fits(self, declared: Type, engine_type: str) -> bool:
        pattern = _FITS.get(declared)
        return pattern is None or bool(pattern.match(engine_type.lower()))

    def create_table(
        self, table: str, columns: Sequence[tuple[str, ColumnType]], rows: Sequence[Sequence[Any]]
    ) -> None:
        definition = self.table_definition(table, columns)
        drop = render(exp.Drop(tables=[table_ref(table)], kind="TABLE", exists=True), self.target)
        create = render(exp.Create(this=definition, kind="TABLE"), self.target)
        names = ", ".join(
            render(exp.to_identifier(n, quoted=True), self.target) for n, _ in columns
        )
        copy = f"COPY {render(table_ref(table), self.target)} ({names}) FROM STDIN"
        try:
            with self.connection.transaction(), self.connection.cursor() as cursor:
                cursor.execute(drop.encode("utf-8"))
                cursor.execute(create.encode("utf-8"))
                if rows:
                    with cursor.copy(copy.encode("utf-8")) as loading:
                        for row in rows:
                            loading.write_row(list(row))
        except psycopg.Error as err:
            raise EngineError(_message(err)) from None

    def use_timezone(self, timezone: str) -> None:
        # CAST(timestamptz AS TIMESTAMP) converts through the session zone
        try:
            self.connection.execute("SELECT set_config('TimeZone', %s, false)", [timezone])
        except psycopg.Error as err:
            raise EngineError(_message(err)) from None

    def close(self) -> None:
        self.connection.close()


def open_engine(
    url: str,
    *,
    base: Path | None = None,
    read_only: bool = False,
    create: bool = True,
    lock_timeout: float | None = None,
) -> Engine:
    """An engine for a postgresql:// (or postgres://) URL; `base` is not used, nor
    `create` (segl never creates a server's database)."""
    del create
    return PostgresEngine(url, read_only=read_only, lock_timeout=lock_timeout)

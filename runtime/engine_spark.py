"""The Spark engine: a local session, a cluster master URL, or Spark Connect.

URLs (the path, when given, is the database segl reads sources from and writes
results to; `default` otherwise):

- `spark://local`, `spark://local[4]`, `spark://local/crm`: an in-process
  local session (the first one in the process is reused). Its warehouse and
  Hive metastore live in `spark-warehouse/` next to the project (in the current
  folder for a URL given with --db, as its relative paths are; `?warehouse=`
  names another), so results survive the process (`segl run`, then `segl show`).
- `spark://host:7077/crm`: a standalone cluster master (`spark.master`); the
  cluster's own metastore and warehouse hold the tables.
- `sc://host:15002/crm`: Spark Connect (Databricks Connect style
  `SparkSession.builder.remote`); the path is the database, not part of the
  connect string.

Spark has no multi-statement transactions and plain parquet tables have no
DELETE; the Spark target's statements compute everything into cached or
`__next` tables first and touch the history tables only in a final swap of
renames (see `compiler/targets/spark.py`).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import socket
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from sqlglot import exp

from segl.compiler.script import Statement
from segl.compiler.sqlgen import ident, render, table_ref
from segl.compiler.store import ColumnType, Kind
from segl.compiler.targets import Target, get_target
from segl.compiler.types import Type
from segl.runtime.engines import Engine, EngineError, MissingDriver, sql_of

try:
    import pyspark  # noqa: F401
    from pyspark.sql import SparkSession
except ImportError:  # pragma: no cover - exercised only without pyspark
    raise MissingDriver("pyspark") from None

# pyspark warns at every Spark Connect session that it "does not yet fully support pandas
# >= 3.0.0"; segl hands pyspark no pandas objects, so the warning only buries its output
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")

# Spark type names (simpleString, as DESCRIBE/dtypes print them) per declared segl type
_SPARK_FITS: dict[Type, re.Pattern[str]] = {
    Type.NUMBER: re.compile(r"^(tinyint|smallint|int|integer|bigint|float|double|decimal.*)$"),
    Type.STRING: re.compile(r"^(string|varchar.*|char.*)$"),
    Type.BOOL: re.compile(r"^boolean$"),
    Type.DATE: re.compile(r"^date$"),
    Type.TIMESTAMP: re.compile(r"^(timestamp|timestamp_ntz|timestamp_ltz|date)$"),
}

_DEFAULT_MASTER = "local[2]"
_CONNECT_PORT = 15002  # Spark Connect's own default
_REACH_SECONDS = 10.0
# pyspark's client retries an unavailable server for at least ten minutes (DefaultPolicy),
# silently; a run whose server has gone away says so after about a minute (8 retries,
# backoff 0.05 s growing fourfold up to 10 s) and exits non-zero
_CONNECT_RETRIES = 8
_CONNECT_MAX_BACKOFF_MS = 10_000
_CATALOG_NAME = re.compile(r"[A-Za-z0-9_]+")


def local_session(
    master: str = _DEFAULT_MASTER,
    warehouse: Path | None = None,
    *,
    hive: bool = True,
    timezone: str = "UTC",
    settings: dict[str, str] | None = None,
) -> Any:
    """The process's local SparkSession, created once with settings that keep a
    small machine responsive (UI off, few shuffle partitions, loopback only)."""
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.master(master)
        .appName("segl")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", timezone)
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.legacy.createHiveTableByDefault", "false")
        .config("spark.sql.adaptive.enabled", "false")
    )
    for key, value in (settings or {}).items():
        builder = builder.config(key, value)
    if warehouse is not None:
        warehouse.mkdir(parents=True, exist_ok=True)
        builder = builder.config("spark.sql.warehouse.dir", str(warehouse.resolve()))
        if hive:
            metastore = warehouse.resolve() / "metastore_db"
            # Derby's log next to its metastore, not a derby.log in the current folder
            derby_log = f"-Dderby.stream.error.file={warehouse.resolve() / 'derby.log'}"
            builder = (
                builder.config(
                    "javax.jdo.option.ConnectionURL",
                    f"jdbc:derby:;databaseName={metastore};create=true",
                )
                .config("spark.driver.extraJavaOptions", derby_log)
                .enableHiveSupport()
            )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _error_text(err: BaseException) -> str:
    """The engine's own words, first line only (Spark appends a JVM stack)."""
    text = str(getattr(err, "desc", None) or err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _spark_errors() -> tuple[type[BaseException], ...]:
    from pyspark.errors import PySparkException

    errors: list[type[BaseException]] = [PySparkException]
    try:
        from py4j.protocol import Py4JError  # type: ignore[import-untyped]

        errors.append(Py4JError)
    except ImportError:  # pragma: no cover - Spark Connect only installs
        pass
    return tuple(errors)


class SparkEngine(Engine):
    instant_type = re.compile(r"^timestamp$")  # TIMESTAMP (zoned), not TIMESTAMP_NTZ

    name = "spark"

    def __init__(
        self,
        session: Any,
        database: str = "default",
        *,
        create: bool = True,
        sources_as_views: bool = False,
    ) -> None:
        self.target = get_target("spark")
        self.session = session
        self.database = database
        # tests: create_table registers a temporary view over the rows (no parquet write)
        self.sources_as_views = sources_as_views
        self._errors = _spark_errors()
        if database != "default":
            quoted = render(table_ref(database), self.target)
            if create:
                self._sql(f"CREATE DATABASE IF NOT EXISTS {quoted}")
            self._sql(f"USE {quoted}")

    def _sql(self, sql: str) -> Any:
        try:
            return self.session.sql(sql)
        except self._errors as err:
            raise EngineError(_error_text(err)) from None

    def recover_publish(self, tables: Sequence[str]) -> None:
        """A run publishes by renaming each table to `<t>__old`, then each `<t>__next` to
        `<t>` (compiler/targets/spark.py finish_run). Killed in between, a table may exist
        only as `<t>__old`: rename it back, the table as before the killed run (the tables
        already renamed from `__next` are a prefix of the run's order, so the journeys'
        markers are never newer than the outbox)."""
        for table in tables:
            old = f"{table}__old"
            if self.columns_of(table) is None and self.columns_of(old) is not None:
                rename = exp.Alter(
                    this=table_ref(old),
                    kind="TABLE",
                    actions=[exp.AlterRename(this=table_ref(table))],
                )
                self.query(render(rename, self.target))

    def execute_in_transaction(self, statements: Sequence[Statement]) -> None:
        """Spark has no transactions: the Spark target's statements make a run
        all-or-nothing up to the final rename swap (compiler/targets/spark.py).
        On an error the cached result is released and the error raised."""
        try:
            for statement in statements:
                self.session.sql(sql_of(statement))
        except self._errors as err:
            self._cleanup()
            raise EngineError(_error_text(err)) from None
        except BaseException:
            self._cleanup()
            raise

    def _cleanup(self) -> None:
        """Release the cached result and any half-built `__next` tables."""
        try:
            for row in self.session.sql("SHOW TABLES").collect():
                name = str(row["tableName"])
                if (bool(row["isTemporary"]) and name.endswith("result")) or name.endswith(
                    "__next"
                ):
                    self.session.sql(f"DROP TABLE IF EXISTS {render(table_ref(name), self.target)}")
        except self._errors:  # pragma: no cover - best effort
            pass

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            rows = self.session.sql(sql).collect()
        except self._errors as err:
            raise EngineError(_error_text(err)) from None
        return [tuple(row) for row in rows]

    def columns_of(self, table: str) -> dict[str, str] | None:
        try:
            # ask the catalog first: a query on a missing table makes pyspark log an ERROR
            # with a Java stack trace, and segl looks up result tables that may not exist yet
            known = self.table_name_problem(table) is None
            if known and not self.session.catalog.tableExists(table):
                return None
            frame = self.session.sql(self.select_star(table, limit=0))
            return {field.name: field.dataType.simpleString() for field in frame.schema.fields}
        except self._errors:
            return None

    def table_name_problem(self, table: str) -> str | None:
        # Spark's session catalog (and its Hive metastore) refuses other names
        # (INVALID_SCHEMA_OR_RELATION_NAME); only a temporary view could have one
        if all(_CATALOG_NAME.fullmatch(part) for part in table.split(".")):
            return None
        return "Spark's catalog holds only table names of ASCII letters, digits and _"

    def fits(self, declared: Type, engine_type: str) -> bool:
        pattern = _SPARK_FITS.get(declared)
        return pattern is None or bool(pattern.match(engine_type.lower()))

    def create_table(
        self, table: str, columns: Sequence[tuple[str, ColumnType]], rows: Sequence[Sequence[Any]]
    ) -> None:
        name = render(table_ref(table), self.target)
        if self.sources_as_views and "." not in table:
            # SQL literals become a LocalRelation inside the JVM: no files, no Python RDD; a
            # DataFrame's view keeps that analyzed plan (a SQL view re-parses its text per use)
            self._sql(self._values(columns, rows)).createOrReplaceTempView(name)
            return
        try:
            frame = self.session.createDataFrame(_python_rows(columns, rows), _schema(columns))
            self.session.sql(f"DROP TABLE IF EXISTS {name}")
            frame.write.format("parquet").mode("overwrite").saveAsTable(name)
        except self._errors as err:
            raise EngineError(_error_text(err)) from None

    def _values(
        self, columns: Sequence[tuple[str, ColumnType]], rows: Sequence[Sequence[Any]]
    ) -> str:
        """`SELECT * FROM VALUES (...), ... AS v(names)` of typed literals (typed nulls too,
        so no column is left untyped); no rows: one null row, filtered out."""
        typed = [
            [_literal(self.target, v, kind) for v, (_, kind) in zip(row, columns, strict=True)]
            for row in rows
        ] or [[_literal(self.target, None, kind) for _, kind in columns]]
        values = exp.Values(
            expressions=[exp.Tuple(expressions=row) for row in typed],
            alias=exp.TableAlias(this=ident("v"), columns=[ident(name) for name, _ in columns]),
        )
        select = exp.Select(expressions=[exp.Star()]).from_(values, copy=False)
        if not rows:
            select = select.where(exp.false(), copy=False)
        return render(select, self.target, pretty=False)

    def use_timezone(self, timezone: str) -> None:
        # Spark TIMESTAMP is zoned: the compiled SQL casts it to TIMESTAMP_NTZ through the
        # session zone, so pinning the session zone reads it as the project's wall clock
        self.session.conf.set("spark.sql.session.timeZone", timezone)

    def close(self) -> None:
        """Sessions are shared per process (creating one takes seconds): leave it running."""


_SPARK_TYPES: dict[ColumnType, str] = {
    Kind.COUNT: "LongType",  # whole numbers: counts and integer user keys, every digit
    Type.NUMBER: "DoubleType",
    Type.STRING: "StringType",
    Type.BOOL: "BooleanType",
    Type.DATE: "DateType",
    Type.TIMESTAMP: "TimestampNTZType",  # naive datetimes, unconverted
}


def _schema(columns: Sequence[tuple[str, ColumnType]]) -> Any:
    from pyspark.sql import types as st

    return st.StructType(
        [
            st.StructField(name, getattr(st, _SPARK_TYPES.get(kind, "StringType"))(), True)
            for name, kind in columns
        ]
    )


def _python_rows(
    columns: Sequence[tuple[str, ColumnType]], rows: Sequence[Sequence[Any]]
) -> list[list[Any]]:
    """Rows for createDataFrame: numbers as floats (a DoubleType column refuses ints)."""
    numbers = [i for i, (_, kind) in enumerate(columns) if kind is Type.NUMBER]
    data = []
    for row in rows:
        values = list(row)
        for i in numbers:
            if values[i] is not None and not isinstance(values[i], float):
                values[i] = float(values[i])
        data.append(values)
    return data


def _number_text(number: float) -> str:
    """A double as Spark's string-to-double cast reads it back exactly."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return repr(number)


def _literal(target: Target, value: Any, kind: ColumnType) -> exp.Expression:
    """A Python value as a SQL literal of its declared type."""
    if isinstance(kind, Kind):  # a whole number (BIGINT)
        assert kind is Kind.COUNT, f"{kind} is never staged"
        number = exp.null() if value is None else exp.Literal.number(str(int(value)))
        return exp.Cast(this=number, to=target.store_type(kind))
    if value is None:
        return target.null(kind)
    if kind is Type.NUMBER:
        return target.cast(exp.Literal.string(_number_text(float(value))), kind)
    if kind is Type.BOOL:
        return target.boolean(bool(value))
    if kind is Type.TIMESTAMP and isinstance(value, dt.datetime):
        return target.timestamp(value)
    if kind in (Type.DATE, Type.TIMESTAMP) and isinstance(value, dt.date):
        return target.cast(target.date(value), kind)
    return target.string(str(value))


def parse_url(url: str) -> dict[str, str]:
    """`{"kind": "local"|"master"|"connect", "master"|"remote": ..., "database": ...}`."""
    # not urlparse's netloc: it reads `local[4]` as an IPv6 address
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    rest, _, query = rest.partition("?")
    netloc, _, path = rest.partition("/")
    parsed = urlparse(f"x://h?{query}")
    database = path.strip("/") or "default"
    if "/" in database or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", database):
        raise EngineError(f"'{database}' is not a Spark database name (from {url})")
    options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    if scheme == "sc":
        if not netloc:
            raise EngineError(f"a Spark Connect URL needs a host: sc://host:15002 (got {url})")
        remote = f"sc://{netloc}"
        extra = ";".join(f"{k}={v}" for k, v in options.items())
        return {
            "kind": "connect",
            "remote": f"{remote}/;{extra}" if extra else remote,
            "database": database,
        }
    if scheme != "spark":
        raise EngineError(f"not a Spark URL: {url}")
    if netloc == "local" or netloc.startswith("local["):
        if not re.fullmatch(r"local(\[(\d+|\*)\])?", netloc):
            raise EngineError(f"bad local master '{netloc}' in {url}: use local or local[N]")
        master = netloc if netloc != "local" else _DEFAULT_MASTER
        result = {"kind": "local", "master": master, "database": database}
        if "warehouse" in options:
            result["warehouse"] = options["warehouse"]
        return result
    if not netloc:
        raise EngineError(f"a Spark URL needs a master: spark://local or spark://host:7077 ({url})")
    return {"kind": "master", "master": f"spark://{netloc}", "database": database}


def _check_reachable(remote: str) -> None:
    """Fail at once, naming the address, when nothing listens there (pyspark would retry
    for ten minutes)."""
    address = urlparse(remote.split("/;", 1)[0])
    host = address.hostname or ""
    try:
        port = address.port or _CONNECT_PORT
    except ValueError as err:
        raise EngineError(f"a Spark Connect URL with a bad port: {err}") from None
    try:
        with socket.create_connection((host, port), _REACH_SECONDS):
            return
    except OSError as err:
        raise EngineError(
            f"cannot reach the Spark Connect server at {host}:{port}: {err.strerror or err}"
        ) from None


def _connect_session(remote: str) -> SparkSession:
    from pyspark.sql.connect.client.retries import DefaultPolicy

    _check_reachable(remote)
    session = SparkSession.builder.remote(remote).getOrCreate()
    policy = DefaultPolicy(max_retries=_CONNECT_RETRIES, max_backoff=_CONNECT_MAX_BACKOFF_MS)
    session.client.set_retry_policies([policy])
    return session


def open_engine(
    url: str,
    *,
    base: Path | None = None,
    read_only: bool = False,
    create: bool = True,
    lock_timeout: float | None = None,
) -> Engine:
    spec = parse_url(url)
    if spec["kind"] == "local":
        warehouse = Path(spec.get("warehouse", "spark-warehouse"))
        if not warehouse.is_absolute():
            warehouse = (base or Path.cwd()) / warehouse
        # a new session would make an empty one there (a running one has its own)
        if not create and not warehouse.is_dir() and SparkSession.getActiveSession() is None:
            raise EngineError(
                f"no Spark warehouse at {warehouse}: a local session keeps its tables and "
                "metastore there (give the folder with ?warehouse=DIR)"
            )
    try:
        if spec["kind"] == "connect":
            session = _connect_session(spec["remote"])
        elif spec["kind"] == "master":
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            session = (
                SparkSession.builder.master(spec["master"])
                .appName("segl")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.ansi.enabled", "true")
                .enableHiveSupport()
                .getOrCreate()
            )
        else:
            session = local_session(spec["master"], warehouse)
    except _spark_errors() as err:
        raise EngineError(f"cannot start Spark for {url}: {_error_text(err)}") from None
    return SparkEngine(session, spec["database"], create=not read_only)


__all__ = ["SparkEngine", "local_session", "open_engine", "parse_url"]

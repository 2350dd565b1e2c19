"""The result store on an engine (the tables are defined in compiler/store.py): the run
log, reading a run's results back, and checking, before a run writes anything, that the
stored tables can take what it will write."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.store import (
    ADDED_RUN_COLUMNS,
    ColumnType,
    Kind,
    Store,
    Table,
    storage_name,
)
from segl.compiler.targets import Target
from segl.compiler.timeutil import wall_text
from segl.compiler.types import Type
from segl.dsl.diagnostics import Diagnostic, DiagnosticError
from segl.runtime.engines import Engine, integer_type, unsigned_64_type
from segl.runtime.results import RunResult


def _where(*conditions: exp.Expression) -> exp.Expression:
    return exp.And(this=conditions[0], expression=conditions[1])


class StoredRuns:
    """What the run log of a database says about one project."""

    def __init__(self, engine: Engine, store: Store) -> None:
        self.engine = engine
        self.store = store

    @property
    def exists(self) -> bool:
        return self.engine.columns_of(self.store.runs.name) is not None

    def _this_project(self) -> exp.Expression:
        project = self.engine.target.string(self.store.project.name)
        return exp.EQ(this=col("project"), expression=project)

    def at(self, as_of: dt.datetime) -> exp.Expression:
        """Rows of this as-of (a per-project table's filter)."""
        return exp.EQ(this=col("as_of"), expression=self.engine.target.timestamp(as_of))

    def as_ofs(self) -> list[dt.datetime]:
        """Every stored as-of of the project, latest first."""
        if not self.exists:
            return []
        query = (
            exp.Select(expressions=[col("as_of")])
            .from_(table_ref(self.store.runs.name), copy=False)
            .where(self._this_project(), copy=False)
            .order_by(exp.Ordered(this=col("as_of"), desc=True), copy=False)
        )
        rows = self.engine.query(render(query, self.engine.target, pretty=False))
        return [self.engine.decode(row[0], Type.TIMESTAMP) for row in rows]

    def latest(self) -> dt.datetime | None:
        found = self.as_ofs()
        return found[0] if found else None

    def users_at(self, as_of: dt.datetime) -> int | None:
        """The universe's size stored for an as-of; None when there is no such run."""
        if not self.exists:
            return None
        query = (
            exp.Select(expressions=[col("users")])
            .from_(table_ref(self.store.runs.name), copy=False)
            .where(_where(self._this_project(), self.at(as_of)), copy=False)
        )
        rows = self.engine.query(render(query, self.engine.target, pretty=False))
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    def require(self, as_of: dt.datetime) -> None:
        """A diagnostic (E0607) unless the project has a stored run for the as-of."""
        stored = self.as_ofs()
        if as_of in stored:
            return
        project = self.store.project.name
        shown = ", ".join(wall_text(s) for s in stored[:5]) or "none"
        raise DiagnosticError(
            [
                Diagnostic(
                    "E0607",
                    f"project '{project}' has no stored run as of {wall_text(as_of)}",
                    None,
                    (f"stored as-ofs (latest first): {shown}",),
                )
            ]
        )


def existing_columns(engine: Engine, store: Store) -> dict[str, list[str]]:
    """The columns each history table has in the database (absent tables: none)."""
    return {t.name: list(engine.columns_of(t.name) or {}) for t in store.history}


def schema_problems(engine: Engine, store: Store, version: str) -> list[Diagnostic]:
    """Stored columns whose type is not the one this run writes: a tag whose type changed,
    or a table written by an older segl; or runs of a newer one than `version`, this
    segl's. Never cast silently (E0609)."""
    problems: list[Diagnostic] = []
    run_log = engine.columns_of(store.runs.name)
    if run_log is not None:
        old = _older_run_log(engine, store, run_log)
        if old is None:  # the run log has this segl's columns
            ran = _who_ran(engine, store)
            old = _newer_segl(store, version, ran) or _same_tables(store, ran)
        if old is not None:
            return [old]
    for table in store.history:
        live = engine.columns_of(table.name) or {}
        by_name = {name.lower(): kind for name, kind in live.items()}
        for column in table.columns:
            found = by_name.get(column.name.lower())
            if found is None or engine.holds(column.type, found):
                continue
            problems.append(_type_changed(engine, store, table, column.name, column.type, found))
    return problems


def _who_ran(engine: Engine, store: Store) -> list[tuple[str, str]]:
    """The run log's (project, segl version) pairs, read once for the checks of both."""
    query = exp.select(col("project"), col("segl_version")).from_(table_ref(store.runs.name))
    rows = engine.query(render(query.distinct(), engine.target, pretty=False))
    return [(str(project), str(version or "")) for project, version in rows]


def _same_tables(store: Store, ran: list[tuple[str, str]]) -> Diagnostic | None:
    """Another project of the run log (`ran`: its projects and segl versions) whose tables
    have this project's names, but for their case (`shop`, `Shop`: one table where the
    catalog ignores case) or the spelling of a character (`crm-2026` is stored as
    `crm_x2d_2026`): the runs would overwrite each other's history."""
    ours = store.project.name
    stem = storage_name(ours, store.ascii_names)
    for other in sorted({project for project, _ in ran}):
        theirs = storage_name(other, store.ascii_names)
        if other != ours and theirs.lower() == stem.lower():
            return Diagnostic(
                "E0608",
                f"project '{ours}' would write the tables of project '{other}' "
                f"({store.prefix}{theirs}_...), which share this database",
                None,
                (
                    "name the project otherwise (`name` in segl.toml), or give one of them "
                    "its own `[output] prefix`",
                ),
            )
    return None


def release(version: str) -> tuple[int, int] | None:
    """A segl version's (major, minor), None for one that is no release number."""
    match = re.match(r"(\d+)\.(\d+)", version)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _newer_segl(store: Store, version: str, ran: list[tuple[str, str]]) -> Diagnostic | None:
    """Runs of this project (`ran`: the run log's projects and segl versions) written by a
    newer segl than `version` (a later minor release): its tables may hold state this one
    does not know (a journey's ledger, holdout shares), which a run of the older one would
    misread or overwrite."""
    mine = release(version)
    if mine is None:
        return None
    found = [v for project, v in ran if project == store.project.name]
    newer = [v for v in found if (seen := release(v)) is not None and seen > mine]
    if not newer:
        return None
    latest = max(newer, key=lambda v: release(v) or (0, 0))
    return Diagnostic(
        "E0609",
        f"project '{store.project.name}' was run by segl {latest}, newer than this segl "
        f"{version}: its tables may hold what this version does not know, and a run "
        "would misread or overwrite it",
        None,
        (
            f"upgrade segl to {latest} or later (pip install --upgrade segl) on every machine "
            "that runs this project",
        ),
    )


def _older_run_log(engine: Engine, store: Store, live: dict[str, str]) -> Diagnostic | None:
    """A run log (its columns: `live`) without the columns this segl writes was written by
    an older one (0.1 kept `run_at` as wall-clock time): its as-ofs would pass for runs of
    this store."""
    have = {name.lower() for name in live}
    missing = [n for n in store.runs.names if n not in have and n not in ADDED_RUN_COLUMNS]
    if not missing:
        return None
    renamed = exp.Alter(
        this=table_ref(store.runs.name),
        kind="TABLE",
        actions=[exp.AlterRename(this=table_ref(f"{store.runs.name}_old"))],
    )
    return Diagnostic(
        "E0609",
        f"the run log {store.runs.name} has no column {', '.join(missing)}: it was written by "
        "an older segl (or another tool), whose results this segl does not read",
        None,
        (
            "keep it under another name and run again: "
            + render(renamed, engine.target, pretty=False),
        ),
    )


def _type_changed(
    engine: Engine, store: Store, table: Table, name: str, wanted: Type | Kind, found: str
) -> Diagnostic:
    tag = next((t for t in store.project.tags if t.name == name), None)
    target = engine.target
    drop = exp.Alter(
        this=table_ref(table.name),
        kind="TABLE",
        actions=[exp.Drop(tables=[exp.column(name, quoted=True)], kind="COLUMN")],
    )
    wanted_sql = render(target.store_type(wanted), target)
    if tag is not None:
        return Diagnostic(
            "E0609",
            f"tag '{name}' is stored as {found} in {table.name}, but the rules now make it "
            f"a {tag.type} ({wanted_sql}); segl does not convert stored history",
            tag.span,
            (
                "to keep the old values, give the tag a new name (its history stays under "
                "the old column)",
                f"to discard them: {render(drop, target, pretty=False)}",
            ),
        )
    renamed = exp.Alter(
        this=table_ref(table.name),
        kind="TABLE",
        actions=[exp.AlterRename(this=table_ref(f"{table.name}_old"))],
    )
    return Diagnostic(
        "E0609",
        f"column {table.name}.{name} is {found}, but segl writes {wanted_sql} there: the table "
        "was written by another version of segl or another tool",
        None,
        (f"keep it under another name and run again: {render(renamed, target, pretty=False)}",),
    )


def read_result(engine: Engine, project: ir.Project, store: Store, as_of: dt.datetime) -> RunResult:
    """Everything one run wrote for its as-of, read back from the history tables."""
    target = engine.target
    at = StoredRuns(engine, store).at(as_of)
    result = RunResult(as_of)
    tags = list(project.tags)
    query = (
        exp.Select(expressions=[col("user_id"), *(col(t.name) for t in tags)])
        .from_(table_ref(store.tags.name), copy=False)
        .where(at, copy=False)
    )
    result.tags = {t.name: {} for t in tags}
    for row in engine.query(render(query, target)):
        result.users.add(row[0])
        for tag, value in zip(tags, row[1:], strict=True):
            result.tags[tag.name][row[0]] = engine.decode(value, tag.type)
    result.segments = {s.name: set() for s in project.segments}
    members = _select(store.members, ["segment", "user_id"], at)
    for segment, user in engine.query(render(members, target)):
        result.segments[segment].add(user)
    result.layers = {la.name: {} for la in project.layerings}
    layers = _select(store.layers, ["layering", "user_id", "layer"], at)
    for layering, user, layer in engine.query(render(layers, target)):
        result.layers[layering][user] = layer
    return result


def _select(table: Table, columns: Sequence[str], where: exp.Expression) -> exp.Select:
    return (
        exp.Select(expressions=[col(c) for c in columns])
        .from_(table_ref(table.name), copy=False)
        .where(where.copy(), copy=False)
    )


def create_kept_table(table: Table, target: Target, key: ColumnType | None = None) -> exp.Create:
    """CREATE TABLE IF NOT EXISTS for a table segl keeps outside a run (deliveries, report
    results, assignments), each column typed as compiler/store.py declares it; the user
    key typed `key` (`key_type` below). ClickHouse needs a table engine and Spark a
    file format for a kept table (the run's history tables are made the same way:
    compiler/targets/clickhouse.py, spark.py)."""

    def column_type(kind: Type | Kind) -> exp.DataType:
        if kind is Kind.KEY:
            assert key is not None, f"{table.name} has a user key: give its type"
            return target.store_type(key)
        return target.store_type(kind)

    schema = exp.Schema(
        this=table_ref(table.name),
        expressions=[
            exp.ColumnDef(this=exp.to_identifier(c.name, quoted=True), kind=column_type(c.type))
            for c in table.columns
        ],
    )
    return exp.Create(this=schema, kind="TABLE", exists=True, properties=_kept_properties(target))


def _kept_properties(target: Target) -> exp.Properties | None:
    lineage = target.lineage()
    if "clickhouse" in lineage:
        order = exp.Order(expressions=[exp.Ordered(this=exp.Tuple(expressions=[]))])
        return exp.Properties(expressions=[exp.EngineProperty(this=exp.var("MergeTree")), order])
    if "spark" in lineage:
        return exp.Properties(expressions=[exp.FileFormatProperty(this=exp.var("PARQUET"))])
    return None


def key_type(project: ir.Project, engine: Engine) -> ColumnType:
    """How the user keys segl stages and keeps are typed: a person's as text; keys the
    warehouse holds in an integer column as BIGINTs (Kind.COUNT: a double would turn the
    snowflake ID 2^60 + 1 into 2^60, another user); else the universe key column's declared
    type, or, undeclared, what the warehouse holds there (staged as text, an integer
    column's keys would not compare with the column's own)."""
    if project.identity is not None:
        return Type.STRING
    universe = project.source(project.universe)
    declared = universe.column_type(universe.user_column) or project.key
    if declared is Type.STRING:
        return declared
    columns = engine.columns_of(universe.table)
    found = (columns or {}).get(universe.user_column)
    if found is not None and integer_type(found):
        return Kind.COUNT
    if found is not None and unsigned_64_type(found):
        return Kind.WIDE_KEY
    if declared is not None:
        return declared
    return warehouse_key_type(engine, columns, universe.user_column, universe.table)


# whole numbers wider than 64 bits; decimals of more digits than a double holds exactly
_WIDE_INTEGER = re.compile(r"(nullable\()*(u?hugeint|u?int(128|256))\)*", re.I)
_LONG_DECIMAL = re.compile(r"(nullable\()*(decimal|numeric)\((1[6-9]|[2-9]\d)\s*,\s*0\)\)*", re.I)
# PostgreSQL's `numeric` without a precision holds up to 131,072 digits
_UNBOUNDED_DECIMAL = re.compile(r"(decimal|numeric)", re.I)


def key_column_problem(engine: Engine, engine_type: str) -> str | None:
    """Why segl cannot keep the user keys of a column of this type exactly, each one user
    (None: it can). Keys are kept as 64-bit integers, as text, or as doubles (a floating
    or narrow decimal column's own numbers); a wider integer would be staged as a double,
    where 2^60 + 1 is 2^60, and messages would go to another user."""
    if integer_type(engine_type) or unsigned_64_type(engine_type):
        return None
    if _WIDE_INTEGER.fullmatch(engine_type.strip()):
        return "its integers may be wider than 64 bits, which segl cannot keep exactly"
    if _LONG_DECIMAL.fullmatch(engine_type.strip()):
        return (
            "a decimal of more than 15 digits is read as a double, in which two keys may become one"
        )
    if _UNBOUNDED_DECIMAL.fullmatch(engine_type.strip()):
        return (
            "a decimal without a declared precision may hold more than 15 digits, read as a "
            "double, in which two keys may become one"
        )
    if engine.fits(Type.NUMBER, engine_type) or engine.fits(Type.STRING, engine_type):
        return None
    return "a user key must be a number or text"


def warehouse_key_type(
    engine: Engine, columns: dict[str, str] | None, key: str, table: str
) -> Type:
    """What an undeclared key column of the table with these columns holds: numbers or
    text (a column without a type, as its values are)."""
    found = (columns or {}).get(key)
    held = engine.held_kind(table, key, found) if found is not None else None
    if held is not None:
        return held
    return Type.NUMBER if found is not None and engine.fits(Type.NUMBER, found) else Type.STRING

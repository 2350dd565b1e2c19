"""The contenders of the benchmark, each computing the workload of benchmarks/workload on
the same data in the same process: segl, hand-written SQL, the scan floor, naive
per-segment queries, polars and a row-at-a-time rule engine.

Every method has `reset()` (untimed: drop what the previous run wrote), `run()` (timed)
and, when it produces audiences, `members()` / `layers()`: queries over the harness's DuckDB
connection, so that even 10^8-event results are compared inside DuckDB, not in Python.
"""

from __future__ import annotations

import datetime as dt
import shutil
from abc import ABC, abstractmethod
from pathlib import Path

import duckdb

from segl.compiler import ir
from segl.compiler.script import compile_run
from segl.compiler.sqlgen import USER
from segl.runtime.engines import DuckDBEngine
from segl.runtime.project import LoadedProject, load_project
from segl.runtime.run import run_loaded

HERE = Path(__file__).parent
WORKLOAD = HERE / "workload"
HAND_SQL = HERE / "sql" / "hand_written.sql"
AS_OF = dt.datetime(2026, 11, 1)

MEMBER_COLUMNS = "segment, user_id"
# segl's result tables for the workload's project ("bench"; compiler/store.py)
SEGL_TAGS, SEGL_MEMBERS, SEGL_LAYERS = "segl_bench_tags", "segl_bench_members", "segl_bench_layers"
LAYER_COLUMNS = "layering, user_id, layer"


def copy_workload(root: Path, project: str, extra: Path | None = None) -> Path:
    """The workload copied to `root / project` as project `project` (its own result
    tables), with the file `extra` (journeys, alerts, reports) added."""
    folder = root / project
    shutil.copytree(WORKLOAD, folder)
    config = folder / "segl.toml"
    text = config.read_text(encoding="utf-8")
    assert 'name = "bench"' in text, "the workload's project name changed"
    config.write_text(text.replace('name = "bench"', f'name = "{project}"'), "utf-8")
    if extra is not None:
        shutil.copyfile(extra, folder / extra.name)
    return folder


class Method(ABC):
    name: str
    description: str

    def reset(self) -> None:  # noqa: B027 - most methods write nothing to undo
        """Undo the previous run's writes (not timed)."""

    @abstractmethod
    def run(self) -> None: ...

    def members(self) -> str | None:
        """A query of the last run's (segment, user_id); None if it makes no audiences."""
        return None

    def layers(self) -> str | None:
        """A query of the last run's (layering, user_id, layer)."""
        return None

    def tags_of(self, user: int) -> str | None:
        """A query of one user's tag values (to explain a disagreement)."""
        return None


def _drop(engine: DuckDBEngine, *tables: str) -> None:
    for table in tables:
        engine.connection.execute(f"DROP TABLE IF EXISTS {table}")


def empty_history(con: duckdb.DuckDBPyConnection) -> None:
    """Delete every row of segl's history tables that exist, keeping the tables."""
    tables = con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    existing = {str(row[0]) for row in tables}
    for table in (SEGL_TAGS, SEGL_MEMBERS, SEGL_LAYERS, "segl_runs"):
        if table in existing:
            con.execute(f"DELETE FROM {table}")
    con.execute("CHECKPOINT")  # reclaims the deleted rows, as a vacuum between days would


class Segl(Method):
    name = "segl"
    description = "segl: parse, check, compile and run the workload (writes history tables)"

    def __init__(self, engine: DuckDBEngine) -> None:
        self.engine = engine

    def reset(self) -> None:
        """Empty the history tables but keep them: a scheduled run finds them in place (the
        first run, which creates them, is the untimed correctness run)."""
        empty_history(self.engine.connection)

    def run(self) -> None:
        run_loaded(load_project(WORKLOAD), self.engine, AS_OF)

    def members(self) -> str:
        return f"SELECT {MEMBER_COLUMNS} FROM {SEGL_MEMBERS}"

    def layers(self) -> str:
        return f"SELECT {LAYER_COLUMNS} FROM {SEGL_LAYERS}"

    def tags_of(self, user: int) -> str:
        return f"SELECT * EXCLUDE (as_of) FROM {SEGL_TAGS} WHERE user_id = {user}"


class HandWritten(Method):
    name = "hand SQL"
    description = "the workload written by hand for DuckDB (benchmarks/sql/hand_written.sql)"

    def __init__(self, engine: DuckDBEngine) -> None:
        self.engine = engine
        self.script = HAND_SQL.read_text(encoding="utf-8")

    def reset(self) -> None:
        _drop(self.engine, "hand_tags", "hand_members", "hand_layers")

    def run(self) -> None:
        self.engine.connection.execute(self.script)

    def members(self) -> str:
        return f"SELECT {MEMBER_COLUMNS} FROM hand_members"

    def layers(self) -> str:
        return f"SELECT {LAYER_COLUMNS} FROM hand_layers"

    def tags_of(self, user: int) -> str:
        return f"SELECT * EXCLUDE (as_of) FROM hand_tags WHERE user_id = {user}"


# The columns the workload reads from each event table, each aggregated once per user: the
# least work any per-user aggregation of these tables can do on this engine.
SCAN_FLOOR_SQL = """
CREATE OR REPLACE TEMP TABLE floor_orders AS
SELECT user_id, count(*) AS n, max(paid_at) AS t, sum(amount) AS amount, count(brand) AS b,
       count(category) AS c, count(coupon_id) AS k, count(channel) AS ch
FROM orders WHERE paid_at < TIMESTAMP '2026-11-01' GROUP BY user_id;
CREATE OR REPLACE TEMP TABLE floor_events AS
SELECT user_id, count(*) AS n, max(ts) AS t, count(name) AS nm, count(channel) AS ch
FROM events WHERE ts < TIMESTAMP '2026-11-01' GROUP BY user_id;
"""


class ScanFloor(Method):
    name = "scan floor"
    description = "one GROUP BY user per event table over the columns the workload reads"

    def __init__(self, engine: DuckDBEngine) -> None:
        self.engine = engine

    def reset(self) -> None:
        _drop(self.engine, "floor_orders", "floor_events")

    def run(self) -> None:
        self.engine.connection.execute(SCAN_FLOOR_SQL)


class Naive(Method):
    name = "naive"
    description = "one query per segment, each computing its own tags from the raw events"

    def __init__(self, engine: DuckDBEngine, loaded: LoadedProject) -> None:
        self.engine = engine
        assert loaded.project is not None
        project = loaded.project
        # compiled up front and not timed: only the 100 queries' execution counts
        self.statements = [
            self._insert(project.closure([s.name]), s.name) for s in project.segments
        ]

    def _insert(self, sub: ir.Project, segment: str) -> str:
        compiled = compile_run(sub, AS_OF, self.engine.target)
        column = compiled.plan.column_for(segment).column
        return (
            f"INSERT INTO naive_members SELECT '{segment}', \"{USER}\" "
            f'FROM ({compiled.query_sql()}) AS q WHERE "{column}"'
        )

    def reset(self) -> None:
        con = self.engine.connection
        con.execute("CREATE OR REPLACE TABLE naive_members (segment VARCHAR, user_id BIGINT)")

    def run(self) -> None:
        for statement in self.statements:
            self.engine.connection.execute(statement)

    def members(self) -> str:
        return f"SELECT {MEMBER_COLUMNS} FROM naive_members"


class Polars(Method):
    name = "polars"
    description = (
        "the workload as a hand-written polars pipeline over in-memory frames, "
        "results written to Parquet with as_of, as segl and hand SQL persist theirs"
    )

    def __init__(self, engine: DuckDBEngine, parquet: dict[str, Path], output: Path) -> None:
        import polars as pl

        from benchmarks.polars_pipeline import PolarsResult

        # loaded once and not timed: polars gets its best case, data already in memory
        self.frames = {table: pl.read_parquet(path) for table, path in parquet.items()}
        self.engine = engine
        self.output = output
        self.result: PolarsResult | None = None

    def run(self) -> None:
        import polars as pl

        from benchmarks.polars_pipeline import run_polars

        frames = self.frames
        result = run_polars(frames["users"], frames["orders"], frames["events"], AS_OF)
        self.output.mkdir(parents=True, exist_ok=True)
        keys = [pl.lit(AS_OF).alias("as_of")]
        for name in ("tags", "members", "layers"):
            frame: pl.DataFrame = getattr(result, name)
            frame.select(*keys, pl.all()).write_parquet(self.output / f"{name}.parquet")
        self.result = result

    def members(self) -> str:
        assert self.result is not None
        self.engine.connection.register("polars_members", self.result.members)
        return f"SELECT {MEMBER_COLUMNS} FROM polars_members"

    def layers(self) -> str:
        assert self.result is not None
        self.engine.connection.register("polars_layers", self.result.layers)
        return f"SELECT {LAYER_COLUMNS} FROM polars_layers"


class RuleEngine(Method):
    name = "rule engine"
    description = "the 100 segment rules evaluated per user by `rule-engine` over segl's tags"

    def __init__(self, engine: DuckDBEngine) -> None:
        from benchmarks.rule_engine_baseline import compile_rules

        self.rules = compile_rules()  # parsing the rules is not timed
        self.rows = _tag_rows(engine)  # nor is fetching the precomputed tags
        self.engine = engine
        self.found: set[tuple[str, int]] = set()

    def run(self) -> None:
        from benchmarks.rule_engine_baseline import run_rule_engine

        self.found = run_rule_engine(self.rules, self.rows)

    def members(self) -> str:
        import polars as pl

        frame = pl.DataFrame(sorted(self.found), schema=["segment", "user_id"], orient="row")
        self.engine.connection.register("rule_engine_members", frame)
        return f"SELECT {MEMBER_COLUMNS} FROM rule_engine_members"


def _tag_rows(engine: DuckDBEngine) -> list[dict[str, object]]:
    """One dict per user: segl's tag values and the user's layer in each layering (segl must
    have run)."""
    con = engine.connection
    cursor = con.execute(f"SELECT * EXCLUDE (as_of) FROM {SEGL_TAGS}")
    names = [d[0] for d in cursor.description]
    rows = {int(r[0]): dict(zip(names, r, strict=True)) for r in cursor.fetchall()}
    layers = con.execute(f"SELECT layering, user_id, layer FROM {SEGL_LAYERS}").fetchall()
    for layering, user, layer in layers:
        rows[int(user)][str(layering)] = layer
    return list(rows.values())

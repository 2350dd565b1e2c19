"""compiler/sqlgen/staging.py: which CTEs of a query an engine that inlines CTEs computes
first (ClickHouse), and the statements that compute them; on chdb, the staged query gives
the rows of the query as it is and leaves no table behind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlglot
from providers import clickhouse as provider
from sqlglot import exp

from segl.compiler.sqlgen.staging import STAGED_FROM_COPIES, shared_ctes
from segl.runtime import engine_clickhouse as ch
from segl.runtime.engines import Engine, EngineError

# c is inlined 4 times (twice in d, which the SELECT reads twice); b once per copy of c;
# a once per copy of b and once in the SELECT
CHAIN = """
WITH a AS (SELECT 1 AS x, NULL AS nothing),
     b AS (SELECT x, nothing FROM a),
     c AS (SELECT b.x AS x, b.nothing AS nothing FROM b),
     d AS (SELECT c1.x AS x FROM c AS c1 JOIN c AS c2 ON c1.x = c2.x),
     e AS (SELECT 2 AS y)
SELECT d1.x, d2.x, a.nothing, e.y FROM d AS d1, d AS d2, a, e
"""


def parsed(sql: str) -> exp.Expression:
    query = sqlglot.parse_one(sql, read="clickhouse")
    assert isinstance(query, exp.Expression)
    return query


def test_a_cte_planned_often_enough_is_staged_with_what_reads_it_less() -> None:
    assert STAGED_FROM_COPIES == 3
    shared = shared_ctes(parsed(CHAIN))
    assert shared is not None
    # d: 2 copies (kept inline); c: 2 reads x 2 copies of d = 4 -> staged; b: 1 read of
    # the staged c = 1; a: 1 read of b + 1 in the SELECT = 2
    assert shared.shared == ["c"]


def test_each_statement_carries_the_ctes_it_reads() -> None:
    shared = shared_ctes(parsed(CHAIN))
    assert shared is not None
    reader = parsed("SELECT x, nothing FROM staged_c")
    first = shared.statement("c", {})
    assert [c.alias for c in first.ctes] == ["a", "b"]  # what c reads, in order
    final = shared.statement(None, {"c": reader})
    # d reads c (its reader), the SELECT reads a and e; b is no longer needed
    assert [c.alias for c in final.ctes] == ["a", "c", "d", "e"]
    assert final.ctes[1].this.sql() == reader.sql()


def test_queries_without_shared_ctes_run_as_they_are() -> None:
    assert shared_ctes(parsed("SELECT 1")) is None
    assert shared_ctes(parsed("WITH a AS (SELECT 1 AS x) SELECT * FROM a, a AS b")) is None
    recursive = "WITH RECURSIVE a AS (SELECT 1 AS x) SELECT * FROM a, a AS b, a AS c"
    assert shared_ctes(parsed(recursive)) is None


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    made = provider.fresh_engine(provider.start(), request.node.name)
    yield made
    provider.drop(made)


def test_chdb_gives_the_rows_of_the_inlined_query_and_drops_its_tables(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(engine, ch.ChdbEngine)
    query = parsed(CHAIN)
    inlined = engine.query(query.sql(dialect="clickhouse"))
    ran: list[str] = []
    run = engine._run

    def recorded(sql: str, *, rows: bool) -> list[tuple[object, ...]]:
        ran.append(sql)
        return run(sql, rows=rows)

    monkeypatch.setattr(engine, "_run", recorded)
    # c's column of NULLs (Nullable(Nothing)) cannot be stored: it is read back as NULL
    assert engine.query_built(query) == inlined == [(1, 1, None, 2)]
    created = [sql for sql in ran if sql.startswith("CREATE TEMPORARY TABLE")]
    assert len(created) == 1 and "nothing" not in created[0].split(" FROM ")[0]
    temporary = "SELECT name FROM system.tables WHERE is_temporary"
    assert engine.query(temporary) == []


def test_where_no_table_may_be_created_the_query_runs_as_it_is(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only user's session refuses CREATE TEMPORARY TABLE (injected here): the
    report still gets its rows, from the query as it is."""
    assert isinstance(engine, ch.ChdbEngine)
    run = engine._run

    def refusing(sql: str, *, rows: bool) -> list[tuple[object, ...]]:
        if sql.startswith("CREATE TEMPORARY TABLE"):
            raise EngineError("Code: 164. DB::Exception: Cannot execute query in readonly mode")
        return run(sql, rows=rows)

    monkeypatch.setattr(engine, "_run", refusing)
    assert engine.query_built(parsed(CHAIN)) == [(1, 1, None, 2)]

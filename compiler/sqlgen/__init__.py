"""SQL generation: the plan to sqlglot expression trees (never SQL text), then to SQL for a
target. `nodes` holds the building blocks, `expressions` compiles IR expressions, `query`
builds the per-user result query of a run."""

from segl.compiler.sqlgen.expressions import ExprCompiler
from segl.compiler.sqlgen.nodes import (
    TIME,
    USER,
    aliased,
    and_all,
    case_when,
    col,
    cte_ref,
    ident,
    paren,
    render,
    table_ref,
)
from segl.compiler.sqlgen.query import QueryBuilder, build_query, build_result_query

__all__ = [
    "TIME",
    "USER",
    "ExprCompiler",
    "QueryBuilder",
    "aliased",
    "and_all",
    "build_query",
    "build_result_query",
    "case_when",
    "col",
    "cte_ref",
    "ident",
    "paren",
    "render",
    "table_ref",
]

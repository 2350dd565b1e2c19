"""`segl export segment`: a stored audience (its members at an as-of, and any tags asked
for) as CSV, JSON lines or Parquet, for the delivery tools that send the campaign.

- CSV: a header row, the key first (`user`), then one column per tag; null is empty.
- JSON lines: one object per member, `{"user": key, "<tag>": value, ...}`, each value typed
  (a number tag is a JSON number, whole numbers without ".0"; a bool tag true/false; dates
  and timestamps ISO text; null for missing; infinities, which JSON lacks, as "Infinity" /
  "-Infinity").
- Parquet: the same columns, each with the tag's declared type (the key as stored).

Members come in key order, so two exports of one run are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.store import Store
from segl.compiler.types import Type
from segl.compiler.values import plain_key
from segl.dsl.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from segl.runtime.engines import Engine
from segl.runtime.show import changed_since_run, chosen_run, find_segment, key_order

FORMATS = ("csv", "jsonl", "parquet")
KEY = "user"


def _not_a_tag(project: ir.Project, name: str) -> tuple[str, ...]:
    """The hint for a segment's or a layering's name given to --with, which takes tags."""
    kind = project.kind_of(name)
    if kind is None:
        return ()
    return (
        f"'{name}' is a {kind}; --with takes tags (a tag `tag {name}_value = {name}` exports "
        "its value)",
    )


def _tags(project: ir.Project, names: Sequence[str]) -> list[ir.Tag]:
    by_name = {t.name: t for t in project.tags}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise DiagnosticError(
            [
                Diagnostic(
                    "E0301",
                    f"unknown tag '{name}' in --with",
                    None,
                    _not_a_tag(project, name) or did_you_mean(name, by_name),
                )
                for name in unknown
            ]
        )
    if KEY in names:
        raise DiagnosticError(
            [
                Diagnostic(
                    "E0308",
                    f"tag '{KEY}' cannot be exported: '{KEY}' is the column of the member's key",
                    None,
                    ("rename the tag (e.g. user_name), or leave it out of --with",),
                )
            ]
        )
    return [by_name[n] for n in dict.fromkeys(names)]


def audience_query(
    engine: Engine, store: Store, segment: str, as_of: dt.datetime, tags: Sequence[ir.Tag]
) -> exp.Select:
    """The members (key order) with the tags' values at the same as-of."""
    target = engine.target
    at = target.timestamp(as_of)
    values = [col(t.name, "t") for t in tags]
    query = (
        exp.Select(expressions=[col("user_id", "m"), *values])
        .from_(table_ref(store.members.name, "m"), copy=False)
        .where(
            exp.and_(
                exp.EQ(this=col("segment", "m"), expression=target.string(segment)),
                exp.EQ(this=col("as_of", "m"), expression=at),
            ),
            copy=False,
        )
        .order_by(
            key_order(engine, store.project, store.members.name, col("user_id", "m")), copy=False
        )
    )
    if tags:
        on = exp.and_(
            exp.EQ(this=col("user_id", "t"), expression=col("user_id", "m")),
            exp.EQ(this=col("as_of", "t"), expression=at.copy()),
        )
        query = query.join(table_ref(store.tags.name, "t"), on=on, join_type="LEFT", copy=False)
    return query


def read_audience(
    engine: Engine,
    project: ir.Project,
    store: Store,
    segment: str,
    as_of: dt.datetime | None,
    with_tags: Sequence[str],
) -> tuple[dt.datetime, list[ir.Tag], list[list[Any]]]:
    """The run's as-of, the tags asked for, and one row per member: key, tag values."""
    find_segment(project, segment)
    tags = _tags(project, with_tags)
    moment = chosen_run(engine, store, as_of)
    changed_since_run(
        engine, store, moment, [("segment", segment), *(("tag", t.name) for t in tags)]
    )
    query = audience_query(engine, store, segment, moment, tags)
    rows = [
        [
            plain_key(row[0]),  # a Decimal, which the JSON encoder refused
            *(engine.decode(v, t.type) for v, t in zip(row[1:], tags, strict=True)),
        ]
        for row in engine.query(render(query, engine.target))
    ]
    return moment, tags, rows


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)  # 3, not 3.0: the same number, as delivery tools expect it
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def as_jsonl(tags: Sequence[ir.Tag], rows: Sequence[Sequence[Any]]) -> str:
    names = [KEY, *(t.name for t in tags)]
    lines = [
        json.dumps(
            {n: _json_value(v) for n, v in zip(names, row, strict=True)},
            ensure_ascii=False,
            allow_nan=False,
        )
        for row in rows
    ]
    return "".join(line + "\n" for line in lines)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_csv(tags: Sequence[ir.Tag], rows: Sequence[Sequence[Any]]) -> str:
    lines = [_csv_line([KEY, *(t.name for t in tags)])]
    lines += [_csv_line([_csv_value(v) for v in row]) for row in rows]
    return "".join(lines)


_CSV_SPECIAL = re.compile(r'[,"\r\n]')


def _csv_line(fields: Sequence[str]) -> str:
    """One CSV record ending in "\n" (RFC 4180 quoting): a field holding a comma, a quote
    or a line break of either kind is quoted. Python's csv module quotes a lone "\r" only
    when it is part of the line terminator, and readers split the record there."""
    if list(fields) == [""]:  # a record of one empty field is not an empty line
        return '""\n'
    quoted = (
        '"' + field.replace('"', '""') + '"' if _CSV_SPECIAL.search(field) else field
        for field in fields
    )
    return ",".join(quoted) + "\n"


_PARQUET_TYPES = {
    Type.NUMBER: "DOUBLE",
    Type.STRING: "VARCHAR",
    Type.BOOL: "BOOLEAN",
    Type.DATE: "DATE",
    Type.TIMESTAMP: "TIMESTAMP",
}


def write_parquet(
    path: Path, tags: Sequence[ir.Tag], rows: Sequence[Sequence[Any]], key_sql_type: str
) -> None:
    """Through an in-memory DuckDB (always installed): each column with its declared type.
    OSError when the file cannot be written (a missing folder, no permission)."""
    import duckdb

    con = duckdb.connect()
    try:
        columns = [(KEY, key_sql_type), *((t.name, _PARQUET_TYPES[t.type]) for t in tags)]
        quoted = [f'"{name.replace(chr(34), chr(34) * 2)}" {kind}' for name, kind in columns]
        con.execute(f"CREATE TABLE audience ({', '.join(quoted)})")
        if rows:
            # one statement of a list per column: executemany inserted a row per statement,
            # about a millisecond each (10^6 members took ten minutes)
            lists = [list(values) for values in zip(*rows, strict=True)]
            unnested = ", ".join(f"unnest(CAST(? AS {kind}[]))" for _, kind in columns)
            con.execute(f"INSERT INTO audience SELECT {unnested}", lists)
        con.execute("COPY (SELECT * FROM audience) TO ? (FORMAT parquet)", [str(path)])
    except duckdb.IOException as err:
        raise OSError(str(err).removeprefix("IO Error: ")) from None
    finally:
        con.close()


def key_sql_type(rows: Sequence[Sequence[Any]]) -> str:
    """The key's Parquet type from the stored keys: whole numbers BIGINT, numbers DOUBLE,
    anything else text."""
    keys = [row[0] for row in rows if row[0] is not None]
    if keys and all(isinstance(k, int) and not isinstance(k, bool) for k in keys):
        # an unsigned 64-bit key column (a DuckDB UBIGINT, a ClickHouse UInt64) holds keys
        # beyond BIGINT's range; the store refuses wider ones (E0604)
        return "UBIGINT" if max(keys) >= 2**63 and min(keys) >= 0 else "BIGINT"
    if keys and all(isinstance(k, int | float) and not isinstance(k, bool) for k in keys):
        return "DOUBLE"
    return "VARCHAR"

"""The registry of functions and aggregates, and what the checker makes of it: one entry
per function is read by the checker, the reference and SQL generation alike; the new
functions' errors; literals that no double can hold; typed IR operators."""

from __future__ import annotations

import datetime as dt

import pytest

from segl.compiler import ir, registry
from segl.compiler.checker import check_programs
from segl.compiler.ops import ArithOp, CompareOp
from segl.compiler.sqlgen import render
from segl.compiler.targets import TARGETS, get_target
from segl.compiler.types import Type
from segl.dsl.diagnostics import Diagnostic
from segl.dsl.parser import AGGREGATES, REPORT_AGGREGATES, parse_program

SOURCES = """
source users from table "users" key user_id {
    user_id: number
    city: string
    balance: number
    vip: bool
    birthday: date
    registered_at: timestamp
}
source orders from table "orders" user user_id time paid_at { amount: number }
"""


def check(text: str) -> tuple[ir.Project | None, list[Diagnostic]]:
    return check_programs([parse_program(SOURCES + text, "rules.segl")])


def errors(text: str) -> list[str]:
    return [f"{d.code} {d.message}" for d in check(text)[1] if d.is_error]


def test_the_parser_and_the_registry_know_the_same_aggregates() -> None:
    assert registry.TAG_AGGREGATES == AGGREGATES
    assert registry.REPORT_AGGREGATES - AGGREGATES == REPORT_AGGREGATES
    assert {"count", "sum", "avg", "min", "max", "count_distinct"} <= registry.REPORT_AGGREGATES


def test_report_aggregates_fold_rows() -> None:
    rows = [(dt.datetime(2026, 1, 1), x) for x in (1.0, None, 4.0, 2.0, 3.0)]
    assert registry.aggregate("median").fold()(rows) == 2.5
    assert registry.aggregate("percentile").fold([0.9])(rows) == pytest.approx(3.7)
    assert registry.aggregate("percentile").fold([0.0])(rows) == 1.0
    assert registry.aggregate("median").fold()([]) is None
    truth = [(dt.datetime(2026, 1, 1), x) for x in (True, False, None, True)]
    assert registry.aggregate("share").fold()(truth) == 0.5
    assert registry.aggregate("share").fold()([]) is None


def test_report_aggregates_are_not_tag_functions() -> None:
    assert errors("tag t = median(1)\n") == [
        "E0304 median() aggregates the rows of a report; tags cannot use it"
    ]


def test_every_function_has_what_every_stage_needs() -> None:
    for entry in registry.FUNCTIONS.values():
        assert entry.summary and callable(entry.reference) and callable(entry.sql)
        assert entry.params, entry.name
        for target in TARGETS.values():
            assert callable(entry.builder(target()))


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("tag t = floor(users.city)", "E0401 floor() needs a number, but this is a string"),
        ("tag t = ceil()", "E0402 ceil() takes 1 argument(s), not 0"),
        ("tag t = greatest(users.balance)", "E0402 greatest() takes at least 2 argument(s), not 1"),
        (
            "tag t = least(users.balance, users.city)",
            "E0401 least() arguments disagree: number and string",
        ),
        (
            "tag t = greatest(users.vip, 1)",
            "E0401 greatest() needs a date or number or string or timestamp, but this is a bool",
        ),
        (
            'tag t = bucket(users.vip, "s")',
            "E0401 bucket() needs a number or string, but this is a bool",
        ),
        ("tag t = bucket(users.city, 3)", "E0401 bucket() needs a string, but this is a number"),
        ("tag t = bucket(users.city)", "E0402 bucket() takes 2 argument(s), not 1"),
        ("tag t = users.city % 2", "E0401 '%' needs a number, but this is a string"),
        (
            "tag t = round(users.balance, 11)",
            "E0401 round()'s number of decimals must be a whole number from 0 to 10",
        ),
        ("tag t = flor(users.balance)", "E0304 unknown function 'flor'"),
    ],
)
def test_errors_of_the_new_functions(rule: str, message: str) -> None:
    assert errors(rule + "\n") == [message]


def test_the_new_functions_type_their_results() -> None:
    project, diagnostics = check(
        "tag a = floor(users.balance)\n"
        "tag b = greatest(users.birthday, users.registered_at)\n"
        'tag c = least(users.city, "m")\n'
        'tag d = bucket(users.user_id, "s")\n'
        "tag e = users.balance % 3\n"
    )
    assert project is not None, diagnostics
    types = {t.name: t.type for t in project.tags}
    assert types == {
        "a": Type.NUMBER,
        "b": Type.TIMESTAMP,
        "c": Type.STRING,
        "d": Type.NUMBER,
        "e": Type.NUMBER,
    }


@pytest.mark.parametrize(
    "literal",
    ["1e400", "1" + "0" * 400, "9" * 5000, "1.5e309", "99999999999999999999" * 30],
)
def test_literals_no_double_can_hold_are_errors(literal: str) -> None:
    found = errors(f"tag t = users.balance + {literal}\n")
    assert found == [
        "E0410 this number is too large: segl computes with doubles (at most about 1.8e308), "
        "and literals must be finite"
    ]


@pytest.mark.parametrize("literal", ["1e300", "0.000001", "9007199254740993", "1e-400"])
def test_literals_a_double_can_hold_compile(literal: str) -> None:
    project, diagnostics = check(f"tag t = users.balance + {literal}\n")
    assert project is not None, diagnostics
    for target in TARGETS.values():
        import datetime as dt

        from segl.compiler.script import compile_run

        compile_run(project, dt.datetime(2026, 11, 1), target()).script()


def test_ir_operators_are_enums_checked_when_built() -> None:
    value = ir.Literal(1, Type.NUMBER)
    assert ir.Compare("<=", value, value).op is CompareOp.LE
    assert ir.Arith("%", value, value).op is ArithOp.MOD
    with pytest.raises(ValueError):
        ir.Compare("=<", value, value)
    with pytest.raises(ValueError):
        ir.Func("flor", (value,), Type.NUMBER)
    with pytest.raises(ValueError):
        ir.Aggregate("median", "orders", value, None, None, Type.NUMBER)
    with pytest.raises(ValueError):
        ir.Aggregate("sum", "orders", None, None, None, Type.NUMBER)  # sum needs a value


def test_a_per_target_override_is_found_along_the_lineage() -> None:
    """Redshift is a PostgreSQL: it takes PostgreSQL's round unless it has its own."""
    entry = registry.FUNCTIONS["round"]
    assert entry.builder(get_target("redshift")) is entry.builder(get_target("postgres"))
    assert entry.builder(get_target("snowflake")) is entry.sql  # no override of its own
    assert get_target("redshift").lineage() == ("redshift", "postgres", "generic")


def test_greatest_is_null_when_any_value_is_null_on_every_target() -> None:
    """GREATEST skips nulls on PostgreSQL, DuckDB and Spark; segl's is null then."""
    import datetime as dt

    from segl.compiler.script import compile_run

    project, _ = check("tag t = greatest(users.balance, 0)\n")
    assert project is not None
    for name in ("postgres", "spark", "snowflake"):
        sql = compile_run(project, dt.datetime(2026, 11, 1), get_target(name)).query_sql()
        assert "IS NULL THEN NULL" in " ".join(sql.split()), name


def test_capabilities_a_target_lacks_are_found_before_rendering() -> None:
    from segl.compiler.target_check import target_problems

    project, _ = check('tag t = users.balance % 2\ntag b = bucket(users.city, "s")\n')
    assert project is not None
    found = target_problems(project, get_target("bigquery"), "segl_")
    assert [(d.code, d.message, d.span.line if d.span else None) for d in found] == [
        ("E0501", "bigquery cannot run '%'", 11)
    ]
    warned = target_problems(project, get_target("sqlite"), "segl_")
    assert [(d.code, d.is_error) for d in warned] == [("W0501", False)]
    assert target_problems(project, get_target("duckdb"), "segl_") == []


def test_each_place_a_target_cannot_run_is_reported() -> None:
    from segl.compiler.target_check import target_problems

    project, _ = check("tag a = users.balance % 2\ntag b = users.balance % 3\n")
    assert project is not None
    found = target_problems(project, get_target("bigquery"), "segl_")
    assert [(d.code, d.span.line if d.span else None) for d in found] == [
        ("E0501", 11),
        ("E0501", 12),
    ]


def test_every_table_segl_writes_is_checked_against_the_name_limit() -> None:
    """An experiment's assignments table has the longest suffix of a report project: with
    a 40-character project name it is beyond PostgreSQL's 63 bytes, the others are not."""
    import dataclasses

    from segl.compiler.target_check import target_problems

    rules = (
        'experiment e { population users.balance > 0 salt "s" arm control 50% arm b 50% '
        "metric m = users.balance }\n"
    )
    project, _ = check(rules)
    assert project is not None
    project = dataclasses.replace(project, name="r" * 40)
    found = target_problems(project, get_target("postgres"), "segl_")
    table = "segl_" + "r" * 40 + "_experiment_assignments"
    assert [d.message.split(";")[0] for d in found] == [f"'{table}' is 68 bytes long"]


def test_long_names_are_refused_for_postgres() -> None:
    from segl.compiler.target_check import target_problems

    long_name = "近三月在北京门店购买过护肤品的会员次数"  # 19 characters, 57 bytes
    project, _ = check(f"tag {long_name}_合计 = count(orders)\n")
    assert project is not None
    found = target_problems(project, get_target("postgres"), "segl_")
    assert [d.message.split(";")[0] for d in found] == [f"'{long_name}_合计' is 64 bytes long"]
    assert target_problems(project, get_target("duckdb"), "segl_") == []


def test_render_of_bucket_uses_each_targets_md5() -> None:
    project, _ = check('tag b = bucket(users.city, "s")\n')
    assert project is not None
    from segl.compiler.sqlgen import ExprCompiler

    tag = project.tags[0]
    for name, spelling in {
        "duckdb": "MD5(",
        "clickhouse": "LOWER(HEX(MD5(",
        "bigquery": "TO_HEX(MD5(",
        "trino": "LOWER(TO_HEX(MD5(TO_UTF8(",
        "sqlite": "MD5(",  # the function segl's SQLite engine defines
    }.items():
        target = get_target(name)
        import datetime as dt

        compiler = ExprCompiler(target, dt.datetime(2026, 11, 1), lambda node: ir_column(node))
        assert spelling in render(compiler.compile(tag.expr), target, pretty=False), name


def ir_column(node: ir.Expr) -> object:
    from segl.compiler.sqlgen import col

    assert isinstance(node, ir.ProfileColumn)
    return col(node.column)

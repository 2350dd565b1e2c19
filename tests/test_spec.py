"""The spec cases of tests/spec/*.md: each small rule file gives exactly the expected values
on the reference evaluator and on every engine of the matrix (the docs quote these cases)."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import math
from typing import Any

import pytest
from spec_cases import SpecCase, spec_cases

from segl.compiler import ir
from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.script import compile_run
from segl.compiler.values import bucket_key_text
from segl.dsl.parser import parse_program
from segl.runtime import reference
from segl.runtime.engines import Engine
from segl.runtime.inmemory import load_rows
from segl.runtime.results import RunResult
from segl.runtime.run import read_result

CASES = spec_cases()
_RUNS = itertools.count()
AS_OF = dt.datetime(2026, 11, 1)


def same(actual: object, expected: object) -> bool:
    """Exactly equal (the cases hold values every engine computes exactly); bools only equal
    bools, a date never passes for a timestamp."""
    if isinstance(expected, float) and isinstance(actual, int | float):
        return not isinstance(actual, bool) and (actual == expected or math.isnan(expected))
    return type(actual) is type(expected) and actual == expected


def mismatches(case: SpecCase, expected: list[dict[str, object]], result: RunResult) -> list[str]:
    key = case.project.source(case.project.universe).user_column
    wanted_users = {row[key] for row in expected}
    problems = [] if result.users == wanted_users else [f"users {sorted(result.users)}"]
    for row in expected:
        user = row[key]
        for name, wanted in row.items():
            if name == key:
                continue
            got = _value(case.project.definition(name), result, user)
            if not same(got, wanted):
                problems.append(f"user {user} {name}: got {got!r}, expected {wanted!r}")
    return problems


def _value(definition: ir.Definition, result: RunResult, user: object) -> object:
    if isinstance(definition, ir.Tag):
        return result.tags[definition.name].get(user)
    if isinstance(definition, ir.Segment):
        return user in result.segments[definition.name]
    return result.layers[definition.name].get(user)


def run_on(engine: Engine, case: SpecCase, as_of: dt.datetime) -> RunResult:
    load_rows(engine, case.project, case.tables)
    prefix = f"segl_s{next(_RUNS)}_"
    compiled = compile_run(case.project, as_of, engine.target, prefix=prefix)
    engine.execute_run(compiled.frame, compiled.body_sql())
    return read_result(compiled, engine)


def test_the_cases_cover_the_new_functions() -> None:
    names = {
        node.name
        for case in CASES
        for definition in case.project.definitions
        for root in ir.definition_exprs(definition)
        for node in ir.walk(root)
        if isinstance(node, ir.Func)
    }
    assert {"floor", "ceil", "greatest", "least", "bucket", "round"} <= names
    assert len(CASES) >= 12


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_reference(case: SpecCase) -> None:
    for as_of, expected in case.checks:
        result = reference.evaluate(case.project, case.tables, as_of)
        assert mismatches(case, expected, result) == [], as_of


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_engine(engine: Engine, case: SpecCase) -> None:
    for as_of, expected in case.checks:
        assert mismatches(case, expected, run_on(engine, case, as_of)) == [], as_of


def test_as_of_is_a_plain_datetime() -> None:
    assert all(type(as_of) is dt.datetime for case in CASES for as_of, _ in case.checks)


# ---------------------------------------------------------------- bucket's golden vectors

GOLDEN_KEYS = ["user-42", "北京用户", "🎉", "", "007", "0", "-1", "x" * 10240, "a:b", "Ä é"]
SALT = "price-test-2026-11"


def hashlib_bucket(key: str, salt: str) -> float:
    """SPEC §3.3 written directly with hashlib (the oracle for every engine)."""
    digest = hashlib.md5(f"{salt}:{key}".encode(), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16) / 2**32


def _bucket_project() -> ir.Project:
    text = (
        'source users from table "users" key user_id {\n    handle: string\n}\n'
        f'tag b = bucket(users.handle, "{SALT}")\n'
    )
    project, diagnostics = check_programs(
        [parse_program(text, "bucket.segl")], ProjectConfig(name="bucket")
    )
    assert project is not None, diagnostics
    return project


def test_bucket_golden_vectors_in_python() -> None:
    project = _bucket_project()
    rows = [{"user_id": i, "handle": key} for i, key in enumerate(GOLDEN_KEYS)]
    result = reference.evaluate(project, {"users": rows}, dt.datetime(2026, 11, 1))
    assert result.tags["b"] == {i: hashlib_bucket(k, SALT) for i, k in enumerate(GOLDEN_KEYS)}
    assert hashlib_bucket("user-42", "exp-2026") == 0.47519036452285945  # as in functions.md


def test_bucket_golden_vectors(engine: Engine) -> None:
    """ASCII, CJK, emoji, the empty string, numeric strings and a 10 KB key: every engine's
    own MD5 gives exactly hashlib's number."""
    project = _bucket_project()
    rows = [{"user_id": i, "handle": key} for i, key in enumerate(GOLDEN_KEYS)]
    case = SpecCase("bucket", "golden vectors", project, {"users": rows}, [(AS_OF, [])])
    result = run_on(engine, case, AS_OF)
    assert result.tags["b"] == {i: hashlib_bucket(k, SALT) for i, k in enumerate(GOLDEN_KEYS)}


NUMBER_KEYS = [7, -5, 2**53 - 1, 2**53, 10**18]


def test_a_number_key_hashes_its_digits_below_2_to_the_53(engine: Engine) -> None:
    """A whole-number key is hashed as its digits while a double holds it exactly; from
    2**53 on its bucket is null (2**53 + 1 reads as 2**53: its digits are another key's)."""
    text = (
        'source users from table "users" key user_id {\n    user_id: number\n}\n'
        'tag b = bucket(users.user_id, "s")\n'
    )
    project, diagnostics = check_programs(
        [parse_program(text, "bucket.segl")], ProjectConfig(name="bucket")
    )
    assert project is not None, diagnostics
    rows = [{"user_id": key} for key in NUMBER_KEYS]
    expected = [hashlib_bucket(str(key), "s") if abs(key) < 2**53 else None for key in NUMBER_KEYS]
    assert bucket_key_text(2**53 + 1) is None and bucket_key_text(2**53 - 1) == str(2**53 - 1)
    case = SpecCase("bucket", "number keys", project, {"users": rows}, [(AS_OF, [])])
    for result in (
        reference.evaluate(project, {"users": rows}, AS_OF),
        run_on(engine, case, AS_OF),
    ):
        found = {float(key): value for key, value in result.tags["b"].items()}  # type: ignore[arg-type]
        assert [found[float(key)] for key in NUMBER_KEYS] == expected


def _both(
    engine: Engine,
    rules: str,
    tables: dict[str, list[dict[str, Any]]],
    tag: str,
    as_of: dt.datetime = AS_OF,
) -> tuple[dict[object, object], dict[int, object]]:
    """A tag's values by the reference and by the engine (keys as ints) for these rules."""
    project, diagnostics = check_programs([parse_program(rules, "t.segl")], ProjectConfig(name="t"))
    assert project is not None, diagnostics
    expected = reference.evaluate(project, tables, as_of).tags[tag]
    case = SpecCase(tag, "values", project, tables, [(as_of, [])])
    found = run_on(engine, case, as_of).tags[tag]
    return expected, {int(k): v for k, v in found.items()}  # type: ignore[call-overload]


ROUNDED = [2.675, -2.675, 1.005, 0.125, 2.5, -2.5, 0.285, 1.255, 12.25, 1e300]


def test_round_is_the_reference_round_on_every_engine(engine: Engine) -> None:
    """round(x, n) is half away from zero of the double x * 10**n (docs/semantics.md): 2.675
    * 100 is the double 267.5, so 2.68 (DuckDB's own ROUND gives 2.67), while 1.005 * 100 is
    100.49999999999999, so 1.0."""
    rules = 'source users from table "users" key user_id {\n    user_id: number\n    x: number\n}\n'
    tables = {"users": [{"user_id": i, "x": x} for i, x in enumerate(ROUNDED)]}
    expected, found = _both(engine, rules + "tag r2 = round(users.x, 2)\n", tables, "r2")
    assert expected[0] == 2.68 and expected[2] == 1.0 and found == expected
    expected, found = _both(engine, rules + "tag r0 = round(users.x)\n", tables, "r0")
    assert found == expected


def test_count_distinct_counts_the_two_zeros_once_on_every_engine(engine: Engine) -> None:
    """0.0 and -0.0 are one value (they are equal); ClickHouse's DISTINCT told them apart."""
    rules = (
        'source users from table "users" key user_id {\n    user_id: number\n}\n'
        'source orders from table "orders" user user_id time paid_at {\n    amount: number\n}\n'
        "tag amounts = count_distinct(orders.amount)\n"
    )
    paid = dt.datetime(2026, 10, 1)
    orders = [{"user_id": 1, "paid_at": paid, "amount": a} for a in (0.0, -0.0, 1.0)]
    tables = {"users": [{"user_id": 1}], "orders": orders}
    assert _both(engine, rules, tables, "amounts") == ({1: 2.0}, {1: 2.0})


def test_elapsed_time_subtracts_the_earlier_fraction_on_every_engine(engine: Engine) -> None:
    """hours_since(t) for t = 00:00:00.5 a day and an hour before the as-of is 24 (24.99...
    hours, rounded down); SQLite gave 25: its epoch() of t was not parenthesised, so
    `a - epoch(t)` added t's fraction."""
    rules = (
        'source users from table "users" key user_id {\n'
        "    user_id: number\n    registered_at: timestamp\n}\n"
        "tag h = hours_since(users.registered_at)\n"
    )
    registered = dt.datetime(2026, 10, 24, 0, 0, 0, 500000)
    tables = {"users": [{"user_id": 1, "registered_at": registered}]}
    as_of = dt.datetime(2026, 10, 25, 1)
    assert _both(engine, rules, tables, "h", as_of) == ({1: 24.0}, {1: 24.0})


def test_a_decimal_key_is_hashed_and_named_as_its_number() -> None:
    """A DECIMAL(10, 2) key reads back as Decimal('3.00'): hashed as `3`, as SQL's bucket
    hashes it (the holdouts hashed '3.00' and disagreed with `bucket`), and named `3` in
    message ids, as on an engine reading doubles; a fraction has no agreed text."""
    from decimal import Decimal

    from segl.compiler.journeys.model import user_text
    from segl.compiler.values import key_text

    assert key_text(Decimal("3.00")) == "3" and key_text(Decimal("-12")) == "-12"
    assert key_text(Decimal("2.50")) is None and key_text(Decimal("NaN")) is None
    assert key_text(Decimal(2**63)) is None
    assert user_text(Decimal("3.00")) == user_text(3.0) == "3"
    assert user_text(Decimal("2.50")) == user_text(2.5) == "2.5"


def test_holdouts_with_a_decimal_key_agree_with_bucket(
    cli: Any, write_project: Any, tmp_path: Any
) -> None:
    """SPEC §3.3: a holdout takes the users whose bucket(user_key, salt) is below its share,
    the same `bucket` a rule reads."""
    import duckdb

    rules = (
        'source users from table "users" key user_id {\n    user_id: number\n}\n'
        'source events from table "events" user user_id time ts {\n    name: string\n}\n'
        'holdout h 50% salt "s"\n'
        "journey j {\n    enter on events\n"
        '    step s: send push "x" with b = bucket(users.user_id, "s")\n}\n'
    )
    root = write_project({"rules.segl": rules, "segl.toml": '[project]\nname = "dk"\n'}, "dk")
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("CREATE TABLE users (user_id DECIMAL(10, 2))")
    con.execute("INSERT INTO users SELECT i FROM range(1, 41) t(i)")
    con.execute("CREATE TABLE events AS SELECT user_id, TIMESTAMP '2026-11-02 10:00' AS ts, "
                "'a' AS name FROM users")  # fmt: skip
    con.close()
    url = f"duckdb:///{warehouse}"
    for as_of in ("2026-11-02 09:00", "2026-11-02 11:00"):
        assert cli("run", root, "--db", url, "--as-of", as_of).code == 0
    shown = cli("show", "outbox", root, "--db", url, "--format", "jsonl")
    assert shown.code == 0, shown.output
    decisions = [json.loads(line) for line in shown.out.splitlines()]
    assert len(decisions) == 40
    held = {d["status"] == "held_out" for d in decisions}
    assert held == {True, False}
    assert sorted(d["user"] for d in decisions) == list(range(1, 41))  # numbers, not '1.00'
    for decision in decisions:
        assert (decision["status"] == "held_out") is (decision["payload"]["b"] < 0.5), decision

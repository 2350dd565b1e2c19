"""Hand-written cases pinning the reference evaluator to SPEC §3, one rule at a time, plus a
smoke test running it over generated projects."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import ORDERS, SOURCES, Scenario, scenarios

from segl.compiler import ir
from segl.compiler.types import Type
from segl.runtime import reference
from segl.runtime.reference.definitions import holds_at
from segl.runtime.results import RunResult

NUMBER, STRING, BOOL, DATE, TIMESTAMP = (
    Type.NUMBER,
    Type.STRING,
    Type.BOOL,
    Type.DATE,
    Type.TIMESTAMP,
)
D, T = dt.date, dt.datetime
AS_OF = T(2024, 3, 31)  # a Sunday, the day after Feb 29 + 1 month
N = None

# ---------------------------------------------------------------- helpers


def lit(value: object, t: Type | None = None) -> ir.Expr:
    """A literal, its type inferred from the Python value (None is the `null` literal)."""
    if value is None:
        return ir.Literal(None, Type.NULL)
    if t is None:
        if isinstance(value, bool):
            t = BOOL
        elif isinstance(value, int | float):
            t = NUMBER
        elif isinstance(value, str):
            t = STRING
        elif isinstance(value, dt.datetime):
            t = TIMESTAMP
        else:
            t = DATE
    return ir.Literal(value, t)  # type: ignore[arg-type]


def run(
    *definitions: ir.Definition,
    users: list[dict[str, object]] | None = None,
    orders: Iterable[dict[str, object]] = (),
    events: Iterable[dict[str, object]] = (),
    as_of: dt.datetime = AS_OF,
    sources: tuple[ir.Source, ...] = SOURCES,
    extra: dict[str, list[dict[str, object]]] | None = None,
) -> RunResult:
    tables = {
        "users": users if users is not None else [{"user_id": 1}],
        "orders": list(orders),
        "events": list(events),
        **(extra or {}),
    }
    project = ir.Project("test", sources, "users", tuple(definitions))
    return reference.evaluate(project, tables, as_of)


def value_of(expr: ir.Expr, **kwargs: object) -> object:
    """User 1's value of a tag `x = expr`."""
    return run(ir.Tag("x", None, expr), **kwargs).tags["x"][1]  # type: ignore[arg-type]


def same(actual: object, expected: object) -> bool:
    """Equal and of the same class (so True is not 1.0 and a date is not a datetime)."""
    return type(actual) is type(expected) and actual == expected


def ocol(name: str) -> ir.Expr:
    t = ORDERS.column_type(name)
    assert t is not None
    return ir.EventColumn("orders", name, t)


def agg(
    func: str,
    value: ir.Expr | None = None,
    flt: ir.Expr | None = None,
    window: ir.Window | None = None,
    t: Type = NUMBER,
) -> ir.Expr:
    return ir.Aggregate(func, "orders", value, flt, window, t)


def order(ts: dt.datetime | None, user: object = 1, **columns: object) -> dict[str, object]:
    return {"user_id": user, "ts": ts, **columns}


def fn(name: str, *args: ir.Expr, t: Type = NUMBER) -> ir.Expr:
    return ir.Func(name, args, t)


# ---------------------------------------------------------------- three-valued logic

AND = {
    (True, True): True,
    (True, False): False,
    (True, N): N,
    (False, True): False,
    (False, False): False,
    (False, N): False,
    (N, True): N,
    (N, False): False,
    (N, N): N,
}
OR = {
    (True, True): True,
    (True, False): True,
    (True, N): True,
    (False, True): True,
    (False, False): False,
    (False, N): N,
    (N, True): True,
    (N, False): N,
    (N, N): N,
}


@pytest.mark.parametrize(("a", "b"), list(itertools.product([True, False, N], repeat=2)))
def test_and_or_are_kleene(a: bool | None, b: bool | None) -> None:
    assert same(value_of(ir.Logic("and", lit(a), lit(b))), AND[a, b])
    assert same(value_of(ir.Logic("or", lit(a), lit(b))), OR[a, b])


@pytest.mark.parametrize(("a", "expected"), [(True, False), (False, True), (N, N)])
def test_not(a: bool | None, expected: bool | None) -> None:
    assert same(value_of(ir.Not(lit(a))), expected)


def test_segment_members_are_the_users_where_it_is_exactly_true() -> None:
    vip = ir.ProfileColumn("users", "vip", BOOL)
    users: list[dict[str, object]] = [
        {"user_id": 1, "vip": True},
        {"user_id": 2, "vip": False},
        {"user_id": 3, "vip": None},
    ]
    result = run(
        ir.Tag("vip", None, vip),
        ir.Segment("is_vip", None, vip),
        ir.Segment("not_vip", None, ir.Not(vip)),
        ir.Segment("via_ref", None, ir.Not(ir.SegmentRef("is_vip"))),
        users=users,
    )
    assert result.users == {1, 2, 3}
    assert result.tags["vip"] == {1: True, 2: False, 3: None}
    # a referenced segment is its membership: user 3 is not in is_vip, so in via_ref
    assert result.segments == {"is_vip": {1}, "not_vip": {2}, "via_ref": {2, 3}}


# ---------------------------------------------------------------- comparisons, arithmetic


@pytest.mark.parametrize(
    ("op", "a", "b", "expected"),
    [
        ("==", 1, 1.0, True),
        ("!=", 1, 2, True),
        ("<=", 2, 2, True),
        ("<", N, 1, N),
        ("==", N, N, N),
        ("!=", "x", N, N),
        ("==", "a", "A", False),  # case-sensitive
        ("<", "B", "a", True),  # code point order, not collation
        ("<", "Z", "北", True),
        ("<", "", "a", True),
        ("==", True, True, True),
        ("==", D(2024, 3, 1), T(2024, 3, 1), True),  # a date is midnight
        ("<", D(2024, 3, 1), T(2024, 3, 1, 0, 0, 1), True),
        (">", T(2024, 2, 29, 23, 59, 59), D(2024, 3, 1), False),
        (">=", D(2024, 2, 29), D(2024, 2, 28), True),
    ],
)
def test_compare(op: str, a: object, b: object, expected: bool | None) -> None:
    assert same(value_of(ir.Compare(op, lit(a), lit(b))), expected)


@pytest.mark.parametrize(
    ("op", "a", "b", "expected"),
    [
        ("/", 7, 2, 3.5),  # true division
        ("/", 1, 0, N),
        ("/", 0, 0, N),
        ("/", -1, 0.0, N),
        ("/", N, 0, N),
        ("+", N, 1, N),
        ("-", 3, 5, -2.0),
        ("*", 2.5, 2, 5.0),
    ],
)
def test_arith(op: str, a: object, b: object, expected: float | None) -> None:
    assert same(value_of(ir.Arith(op, lit(a), lit(b))), expected)


def test_neg() -> None:
    assert same(value_of(ir.Neg(lit(2))), -2.0)
    assert value_of(ir.Neg(lit(None))) is None


def test_numbers_are_floats() -> None:
    assert same(
        value_of(ir.ProfileColumn("users", "age_n", NUMBER), users=[{"user_id": 1, "age_n": 3}]),
        3.0,
    )
    assert same(value_of(agg("count")), 0.0)
    assert same(value_of(lit(4)), 4.0)


# ---------------------------------------------------------------- in, is null, string matching


@pytest.mark.parametrize(
    ("operand", "items", "plain", "negated"),
    [
        (N, [1, 2], N, N),
        (N, [N], N, N),
        (1, [1, N], True, False),  # a match decides, even with a null item
        (2, [1, N], N, N),  # no match but a null item: unknown
        (2, [1, 3], False, True),
        ("a", ["A", "b"], False, True),
        (D(2024, 3, 1), [T(2024, 3, 1)], True, False),
    ],
)
def test_in_list(operand: object, items: list[object], plain: object, negated: object) -> None:
    listed = tuple(lit(item) for item in items)
    assert same(value_of(ir.InList(lit(operand), listed, False)), plain)
    assert same(value_of(ir.InList(lit(operand), listed, True)), negated)


@pytest.mark.parametrize(("operand", "expected"), [(N, True), (0, False), ("", False)])
def test_is_null_is_never_unknown(operand: object, expected: bool) -> None:
    assert same(value_of(ir.IsNull(lit(operand), False)), expected)
    assert same(value_of(ir.IsNull(lit(operand), True)), not expected)


@pytest.mark.parametrize(
    ("op", "left", "right", "expected"),
    [
        ("contains", "Beijing", "jin", True),
        ("contains", "Beijing", "", True),
        ("contains", "Beijing", "JIN", False),
        ("starts_with", "Beijing", "Bei", True),
        ("starts_with", "Beijing", "bei", False),
        ("ends_with", "北京市", "京市", True),
        ("ends_with", "O'Brien", "'Brien", True),
        ("ends_with", "a", "ba", False),
        ("contains", N, "a", N),
        ("starts_with", "a", N, N),
    ],
)
def test_str_match(op: str, left: object, right: object, expected: bool | None) -> None:
    assert same(value_of(ir.StrMatch(op, lit(left), lit(right))), expected)


# ---------------------------------------------------------------- case


def test_case_takes_the_first_exactly_true_branch() -> None:
    whens = ((lit(None), lit(1)), (lit(False), lit(2)), (lit(True), lit(3)), (lit(True), lit(4)))
    assert same(value_of(ir.Case(whens, lit(5), NUMBER)), 3.0)


def test_case_without_a_true_branch() -> None:
    whens = ((lit(None), lit(1)), (lit(False), lit(2)))
    assert value_of(ir.Case(whens, None, NUMBER)) is None
    assert same(value_of(ir.Case(whens, lit("x"), STRING)), "x")


def test_case_promotes_a_date_branch_of_a_timestamp_case() -> None:
    case = ir.Case(((lit(True), lit(D(2024, 2, 29))),), lit(T(2024, 1, 1, 5)), TIMESTAMP)
    assert same(value_of(case), T(2024, 2, 29))


# ---------------------------------------------------------------- functions


@pytest.mark.parametrize(
    ("name", "args", "as_of", "expected"),
    [
        ("days_since", [T(2024, 3, 30, 0, 0, 1)], AS_OF, 0.0),  # 23:59:59 is not a day
        ("days_since", [T(2024, 3, 30)], AS_OF, 1.0),
        ("days_since", [D(2024, 3, 30)], AS_OF, 1.0),  # a date is midnight
        ("days_since", [D(2024, 2, 29)], AS_OF, 31.0),
        ("days_since", [T(2024, 3, 31, 0, 0, 1)], AS_OF, -1.0),  # future: floor, not trunc
        ("days_since", [D(2024, 4, 1)], AS_OF, -1.0),
        ("hours_since", [T(2024, 3, 30, 23, 0, 1)], AS_OF, 0.0),
        ("hours_since", [T(2024, 3, 30, 22, 0)], AS_OF, 2.0),
        ("hours_since", [T(2024, 3, 31, 0, 30)], AS_OF, -1.0),
        ("hours_since", [D(2024, 3, 30)], AS_OF, 24.0),
        ("days_between", [D(2024, 2, 28), D(2024, 3, 1)], AS_OF, 2.0),  # leap year
        ("days_between", [D(2023, 2, 28), D(2023, 3, 1)], AS_OF, 1.0),
        ("days_between", [T(2024, 3, 1, 12), D(2024, 3, 1)], AS_OF, -1.0),  # floor(-0.5)
        ("days_between", [D(2024, 3, 1), T(2024, 3, 2, 23, 59, 59)], AS_OF, 1.0),
        ("age", [D(2000, 2, 29)], T(2025, 2, 28, 23), 24.0),  # Feb 29 birthday: not yet
        ("age", [D(2000, 2, 29)], T(2025, 3, 1), 25.0),
        ("age", [D(2000, 2, 29)], T(2024, 2, 29), 24.0),
        ("age", [D(2000, 2, 29)], T(2024, 2, 28), 23.0),
        ("age", [T(2000, 3, 31, 23, 0)], AS_OF, 24.0),  # a timestamp's date part
        ("age", [D(2000, 4, 1)], AS_OF, 23.0),
        ("age", [D(2030, 1, 1)], AS_OF, -6.0),
        ("date", [T(2024, 2, 29, 13, 45)], AS_OF, D(2024, 2, 29)),
        ("date", [D(2024, 2, 29)], AS_OF, D(2024, 2, 29)),
        ("day_of_week", [D(2024, 3, 31)], AS_OF, 7.0),  # Sunday
        ("day_of_week", [T(2024, 4, 1, 23, 59)], AS_OF, 1.0),  # Monday
        ("hour", [T(2024, 2, 29, 13, 45)], AS_OF, 13.0),
        ("hour", [D(2024, 2, 29)], AS_OF, 0.0),
        ("lower", ["O'Brien"], AS_OF, "o'brien"),
        ("upper", ["北京a"], AS_OF, "北京A"),
        ("length", ["北京"], AS_OF, 2.0),  # code points, not bytes
        ("length", [""], AS_OF, 0.0),
        ("abs", [-2.5], AS_OF, 2.5),
        ("abs", [3], AS_OF, 3.0),
    ],
)
def test_functions(name: str, args: list[object], as_of: dt.datetime, expected: object) -> None:
    t = {str: STRING, dt.date: DATE}.get(type(expected), NUMBER)
    assert same(value_of(fn(name, *map(lit, args), t=t), as_of=as_of), expected)


@pytest.mark.parametrize(
    ("x", "digits", "expected"),
    [
        (2.5, None, 3.0),  # half away from zero, not to even
        (-2.5, None, -3.0),
        (0.5, None, 1.0),
        (-0.5, None, -1.0),
        (1.5, None, 2.0),
        (0.49999999999999994, None, 0.0),  # x + 0.5 would give 1
        (-1.4, None, -1.0),
        (3, 0, 3.0),
        (1.25, 1, 1.3),
        (-1.25, 1, -1.3),
        (1.005, 2, 1.0),  # 1.005 * 100 is 100.49999999999999 as a double
        (15, -1, 20.0),
        (-15, -1, -20.0),
        (14, -1, 10.0),
    ],
)
def test_round(x: float, digits: int | None, expected: float) -> None:
    args = (lit(x),) if digits is None else (lit(x), lit(digits))
    assert same(value_of(fn("round", *args)), expected)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("days_since", [N]),
        ("hours_since", [N]),
        ("days_between", [D(2024, 1, 1), N]),
        ("age", [N]),
        ("date", [N]),
        ("day_of_week", [N]),
        ("hour", [N]),
        ("lower", [N]),
        ("upper", [N]),
        ("length", [N]),
        ("abs", [N]),
        ("round", [N]),
        ("round", [N, 1]),
        ("round", [1.5, N]),
        ("coalesce", [N, N]),
    ],
)
def test_functions_of_null(name: str, args: list[object]) -> None:
    assert value_of(fn(name, *map(lit, args))) is None


def test_coalesce() -> None:
    assert same(value_of(fn("coalesce", lit(None), lit(None), lit(3), lit(4))), 3.0)
    assert same(value_of(fn("coalesce", lit(""), lit("a"), t=STRING)), "")
    mixed = fn("coalesce", lit(None), lit(D(2024, 2, 29)), lit(T(2024, 1, 1)), t=TIMESTAMP)
    assert same(value_of(mixed), T(2024, 2, 29))


def test_as_of_and_today() -> None:
    as_of = T(2024, 2, 29, 12, 0, 0)
    assert same(value_of(ir.AsOf(), as_of=as_of), as_of)
    assert same(value_of(ir.AsOfDate(), as_of=as_of), D(2024, 2, 29))


# ---------------------------------------------------------------- aggregates

AMOUNT = ocol("amount")
BRAND = ocol("brand")


@pytest.mark.parametrize(
    ("aggregate", "expected"),
    [
        (agg("count"), 0.0),
        (agg("count", AMOUNT), 0.0),
        (agg("sum", AMOUNT), 0.0),
        (agg("count_distinct", AMOUNT), 0.0),
        (agg("exists", t=BOOL), False),
        (agg("exists", AMOUNT, t=BOOL), False),
        (agg("avg", AMOUNT), N),
        (agg("min", AMOUNT), N),
        (agg("max", AMOUNT), N),
        (agg("first", AMOUNT), N),
        (agg("last", AMOUNT), N),
        (agg("most_frequent", AMOUNT), N),
    ],
)
def test_aggregates_over_an_empty_history(aggregate: ir.Expr, expected: object) -> None:
    assert same(value_of(aggregate), expected)
    # only invisible events: the same
    hidden = [order(AS_OF, amount=1), order(AS_OF + dt.timedelta(days=1), amount=1)]
    assert same(value_of(aggregate, orders=hidden), expected)


AMOUNTS = [
    order(T(2024, 3, 1), amount=10),
    order(T(2024, 3, 2), amount=None),
    order(T(2024, 3, 3), amount=2.5),
    order(T(2024, 3, 4), amount=10),
]


@pytest.mark.parametrize(
    ("aggregate", "expected"),
    [
        (agg("count"), 4.0),
        (agg("count", AMOUNT), 3.0),  # non-null values
        (agg("sum", AMOUNT), 22.5),
        (agg("avg", AMOUNT), 7.5),  # over the non-null values
        (agg("min", AMOUNT), 2.5),
        (agg("max", AMOUNT), 10.0),
        (agg("count_distinct", AMOUNT), 2.0),
        (agg("exists", t=BOOL), True),
        (agg("exists", AMOUNT, t=BOOL), True),
        (agg("first", AMOUNT), 10.0),
        (agg("last", AMOUNT), 10.0),
        (agg("most_frequent", AMOUNT), 10.0),
        (agg("sum", ir.Arith("*", AMOUNT, lit(2))), 45.0),
    ],
)
def test_aggregates(aggregate: ir.Expr, expected: object) -> None:
    assert same(value_of(aggregate, orders=AMOUNTS), expected)


def test_aggregates_of_only_null_values() -> None:
    rows = [order(T(2024, 3, 1), amount=None), order(T(2024, 3, 2), amount=None)]
    assert same(value_of(agg("count"), orders=rows), 2.0)
    assert same(value_of(agg("count", AMOUNT), orders=rows), 0.0)
    assert same(value_of(agg("sum", AMOUNT), orders=rows), 0.0)
    assert same(value_of(agg("exists", AMOUNT, t=BOOL), orders=rows), False)
    assert same(value_of(agg("exists", t=BOOL), orders=rows), True)
    assert value_of(agg("avg", AMOUNT), orders=rows) is None
    assert value_of(agg("last", AMOUNT), orders=rows) is None


def test_filter_keeps_only_exactly_true() -> None:
    coupon = ocol("coupon")
    rows = [
        order(T(2024, 3, 1), coupon=True),
        order(T(2024, 3, 2), coupon=False),
        order(T(2024, 3, 3), coupon=None),
    ]
    assert same(value_of(agg("count", flt=coupon), orders=rows), 1.0)
    assert same(value_of(agg("count", flt=ir.Not(coupon)), orders=rows), 1.0)
    assert same(value_of(agg("count", flt=ir.IsNull(coupon, False)), orders=rows), 1.0)


def test_invisible_and_foreign_events_are_ignored() -> None:
    rows = [
        order(T(2024, 3, 30, 23, 59, 59)),  # visible
        order(AS_OF),  # at as-of: invisible
        order(AS_OF + dt.timedelta(seconds=1)),  # after: invisible
        order(None),  # no time: ignored
        order(T(2024, 3, 1), user=99),  # not a user
        order(T(2024, 3, 1), user=None),
    ]
    result = run(ir.Tag("n", None, agg("count")), orders=rows)
    assert result.users == {1}
    assert result.tags["n"] == {1: 1.0}


def test_universe() -> None:
    users: list[dict[str, object]] = [{"user_id": 1}, {"user_id": None}, {"user_id": "b"}]
    assert run(users=users).users == {1, "b"}
    with pytest.raises(ValueError, match="several rows"):
        run(users=[{"user_id": 1}, {"user_id": 1}])


def test_other_profile_source_missing_row_gives_nulls() -> None:
    tiers = ir.Source("tiers", "tiers", "profile", "uid", None, (("uid", NUMBER), ("tier", STRING)))
    tier = ir.ProfileColumn("tiers", "tier", STRING)
    result = run(
        ir.Tag("tier", None, tier),
        users=[{"user_id": 1}, {"user_id": 2}],
        sources=(*SOURCES, tiers),
        extra={"tiers": [{"uid": 2, "tier": "gold"}, {"uid": 3, "tier": "x"}]},
    )
    assert result.tags["tier"] == {1: None, 2: "gold"}


# ---------------------------------------------------------------- windows


def count_in(window: ir.Window, times: list[dt.datetime], as_of: dt.datetime) -> object:
    return value_of(agg("count", window=window), orders=[order(t) for t in times], as_of=as_of)


def test_last_month_on_march_31_clamps_to_feb_29() -> None:
    times = [T(2024, 2, 28, 23, 59, 59), T(2024, 2, 29), T(2024, 3, 30, 23, 59, 59), AS_OF]
    assert same(count_in(ir.Window("last", "month", 1), times, AS_OF), 2.0)


def test_last_month_on_march_31_of_a_common_year_clamps_to_feb_28() -> None:
    as_of = T(2025, 3, 31)
    times = [T(2025, 2, 27, 23, 59, 59), T(2025, 2, 28), T(2025, 3, 1)]
    assert same(count_in(ir.Window("last", "month", 1), times, as_of), 2.0)


def test_last_year_on_a_leap_day() -> None:
    as_of = T(2024, 2, 29, 12)
    times = [T(2023, 2, 28, 11, 59, 59), T(2023, 2, 28, 12), T(2024, 2, 29, 11)]
    assert same(count_in(ir.Window("last", "year", 1), times, as_of), 2.0)


@pytest.mark.parametrize(
    ("unit", "start"),
    [
        ("minute", T(2024, 3, 30, 23, 53)),
        ("hour", T(2024, 3, 30, 17)),
        ("day", T(2024, 3, 24)),
        ("week", T(2024, 2, 11)),
        ("month", T(2023, 8, 31)),
        ("year", T(2017, 3, 31)),
    ],
)
def test_last_7_units_is_half_open(unit: str, start: dt.datetime) -> None:
    second = dt.timedelta(seconds=1)
    times = [start - second, start, AS_OF - second, AS_OF]
    assert same(count_in(ir.Window("last", unit, 7), times, AS_OF), 2.0)


def test_between_days_ago() -> None:
    # between 3 and 1 days ago: [Mar 28 00:00, Mar 30 00:00)
    times = [T(2024, 3, 27, 23, 59, 59), T(2024, 3, 28), T(2024, 3, 29, 23, 59, 59), T(2024, 3, 30)]
    assert same(count_in(ir.Window("ago", "day", 3, 1), times, AS_OF), 2.0)


def test_since() -> None:
    since = T(2024, 3, 1, 10)
    times = [T(2024, 3, 1, 9, 59, 59), since, T(2024, 3, 30), AS_OF]
    assert same(count_in(ir.Window("since", since=since), times, AS_OF), 2.0)


# ---------------------------------------------------------------- first, last, most_frequent


def valued(*pairs: tuple[dt.datetime, object]) -> list[dict[str, object]]:
    return [order(t, amount=v) for t, v in pairs]


EARLY, LATE = T(2024, 3, 1), T(2024, 3, 2)


@pytest.mark.parametrize(
    ("rows", "first", "last"),
    [
        (valued((EARLY, 5), (EARLY, 3), (LATE, 9)), 3.0, 9.0),  # tie: smallest first
        (valued((LATE, 5), (EARLY, 1), (LATE, 3)), 1.0, 5.0),  # tie: largest last
        (valued((EARLY, N), (EARLY, 4)), 4.0, 4.0),  # nulls sort last in both
        (valued((EARLY, N), (LATE, 4)), N, 4.0),  # the earliest event's value is null
        (valued((EARLY, 4), (LATE, N)), 4.0, N),
        (valued((LATE, N), (LATE, 3), (EARLY, 7)), 7.0, 3.0),
    ],
)
def test_first_and_last(rows: list[dict[str, object]], first: object, last: object) -> None:
    assert same(value_of(agg("first", AMOUNT), orders=rows), first)
    assert same(value_of(agg("last", AMOUNT), orders=rows), last)


def test_first_and_last_strings_tie_by_code_point() -> None:
    rows = [order(EARLY, brand=b) for b in ("a", "A", "北")]
    assert same(value_of(agg("first", BRAND, t=STRING), orders=rows), "A")
    assert same(value_of(agg("last", BRAND, t=STRING), orders=rows), "北")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([3, 1, 3, 1, N, N, N], 1.0),  # tie: the smallest; nulls never count
        ([2, 5, 5], 5.0),
        ([N], N),
        (["b", "a", "b", "a"], "a"),
        (["b", "北", "B", "北", "B", "b"], "B"),  # smallest by code point
    ],
)
def test_most_frequent(values: list[object], expected: object) -> None:
    column = BRAND if isinstance(expected, str) else AMOUNT
    rows = [
        order(EARLY + dt.timedelta(hours=i), **{column.column: v}) for i, v in enumerate(values)
    ]
    t = STRING if isinstance(expected, str) else NUMBER
    assert same(value_of(agg("most_frequent", column, t=t), orders=rows), expected)


# ---------------------------------------------------------------- references and layerings


def test_layering_first_match_otherwise_and_unassigned() -> None:
    age = ir.ProfileColumn("users", "age_n", NUMBER)
    young = ir.Layer("young", None, ir.Compare("<", age, lit(30)))
    also_young = ir.Layer("under_40", None, ir.Compare("<", age, lit(40)))
    users: list[dict[str, object]] = [
        {"user_id": 1, "age_n": 20},
        {"user_id": 2, "age_n": 35},
        {"user_id": 3, "age_n": 50},
        {"user_id": 4, "age_n": None},
    ]
    partial = ir.Layering("partial", None, (young, also_young))
    total = ir.Layering("total", None, (young, ir.Layer("rest", None, None)))
    is_under_40 = ir.Compare("==", ir.LayeringRef("partial"), lit("under_40"))
    unassigned = ir.IsNull(ir.LayeringRef("partial"), False)
    result = run(
        partial,
        total,
        ir.Segment("under_40", None, is_under_40),
        ir.Segment("not_under_40", None, ir.Not(is_under_40)),
        ir.Segment("unassigned", None, unassigned),
        ir.Tag("layer", None, ir.LayeringRef("partial")),
        users=users,
    )
    assert result.layers == {
        "partial": {1: "young", 2: "under_40"},
        "total": {1: "young", 2: "rest", 3: "rest", 4: "rest"},
    }
    assert result.segments["under_40"] == {2}
    assert result.segments["not_under_40"] == {1}  # unassigned compares as unknown
    assert result.segments["unassigned"] == {3, 4}
    assert result.tags["layer"] == {1: "young", 2: "under_40", 3: None, 4: None}


def test_tags_reference_earlier_tags() -> None:
    spend = ir.Tag("spend", None, agg("sum", AMOUNT))
    level = ir.Case(
        ((ir.Compare(">=", ir.TagRef("spend", NUMBER), lit(20)), lit("high")),),
        lit("low"),
        STRING,
    )
    result = run(
        spend,
        ir.Tag("level", None, level),
        users=[{"user_id": 1}, {"user_id": 2}],
        orders=AMOUNTS,
    )
    assert result.tags == {"spend": {1: 22.5, 2: 0.0}, "level": {1: "high", 2: "low"}}


def test_ill_formed_projects_are_rejected() -> None:
    with pytest.raises(ValueError, match="before it is defined"):
        run(ir.Tag("x", None, ir.TagRef("later", NUMBER)))
    with pytest.raises(ValueError, match="outside an aggregate"):
        run(ir.Tag("x", None, AMOUNT))
    with pytest.raises(ValueError, match="naive"):
        run(as_of=AS_OF.replace(tzinfo=dt.UTC))


# ---------------------------------------------------------------- generated projects


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios())
def test_generated_projects_evaluate(scenario: Scenario) -> None:
    """Smoke test: generated projects evaluate without error, to well-formed results."""
    project = scenario.project
    result = reference.evaluate(project, scenario.tables, scenario.as_of)
    users = project.source("users")  # with `created` sometimes: the users that exist then
    rows = [row for row in scenario.tables["users"] if holds_at(users, row, scenario.as_of)]
    keys = {row["user_id"] for row in rows} - {None}
    assert result.users == keys
    for tag in project.tags:
        assert set(result.tags[tag.name]) == keys
    for segment in project.segments:
        assert result.segments[segment.name] <= keys
    for layering in project.layerings:
        names = {layer.name for layer in layering.layers}
        assert set(result.layers[layering.name].values()) <= names
        if any(layer.condition is None for layer in layering.layers):
            assert set(result.layers[layering.name]) == keys

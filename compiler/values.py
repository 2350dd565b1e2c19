"""The meaning of segl's values and operators, executably (SPEC §3): plain Python over
plain values. The reference evaluator (runtime/reference) and the registry of functions and
aggregates (compiler/registry.py) are written with these; every engine must agree with them.

Conventions:
- None is SQL's unknown; and/or/not are Kleene; everything else propagates None.
- Every NUMBER value is a float (the SQL side computes on DOUBLE); a TIMESTAMP value is always
  a `datetime` (a DATE flowing into a TIMESTAMP slot is promoted to midnight) and a DATE value
  always a plain `date`.
- NaN is never a value: NaN read from data is None, and an operation whose result would be
  NaN (`inf - inf`, `0 * inf`, a sum of +inf and -inf) is None. ±infinity are ordinary
  numbers.
- Times are naive wall-clock times in the project's zone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import operator
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from decimal import Decimal
from fractions import Fraction
from itertools import chain, repeat, starmap
from typing import Any

from segl.compiler.ops import ArithOp, CompareOp, LogicOp, StrMatchOp
from segl.compiler.timeutil import as_datetime
from segl.compiler.types import Type

Value = Any  # None | float | str | bool | date | datetime

_DAY = dt.timedelta(days=1)
_HOUR = dt.timedelta(hours=1)
# whole numbers up to this magnitude are exact doubles and print the same on every engine
MAX_EXACT_WHOLE = 2.0**53


# ---------------------------------------------------------------- representation


def conform(value: Value, type_: Type) -> Value:
    """Normalise a value to the representation of its declared type (see module doc).

    Exact class checks (`type(v) is int`) keep bools out and make this hot path cheap."""
    if type_ is Type.NUMBER:
        if type(value) is int:
            return float(value)
        return None if type(value) is float and value != value else value  # NaN is null
    if type_ is Type.TIMESTAMP:
        return as_datetime(value) if type(value) is dt.date else value
    if type_ is Type.DATE:
        return value.date() if type(value) is dt.datetime else value
    return value


def percent_fraction(text: str) -> float:
    """A literal `P%` as the double nearest P/100 (`35% == 0.35`; float(P) * 0.01 is
    0.35000000000000003). Text that is no number raises ValueError."""
    try:
        return float(Decimal(text) / 100)
    except ArithmeticError:  # beyond decimal's exponents (or not a number): as a float
        return float(text) / 100


def not_nan(value: float) -> float | None:
    """An operation's numeric result: NaN is null."""
    return None if value != value else value


def num(value: Value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def text(value: Value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def instant(value: Value) -> dt.datetime:
    """A date or timestamp as an instant (a date is its midnight)."""
    if not isinstance(value, dt.date):
        raise TypeError(f"expected a date or timestamp, got {value!r}")
    return as_datetime(value)


def day(value: Value) -> dt.date:
    """The date part of a date or timestamp."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"expected a date or timestamp, got {value!r}")


def promote(a: Value, b: Value) -> tuple[Value, Value]:
    """A DATE meeting a TIMESTAMP counts as midnight of that day."""
    temporal = isinstance(a, dt.date) and isinstance(b, dt.date)
    if temporal and isinstance(a, dt.datetime) != isinstance(b, dt.datetime):
        return as_datetime(a), as_datetime(b)
    return a, b


# ---------------------------------------------------------------- operators


def kleene_and(a: Value, b: Value) -> Value:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def kleene_or(a: Value, b: Value) -> Value:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def kleene_not(a: Value) -> Value:
    return None if a is None else not a


LOGIC: dict[LogicOp, Callable[[Value, Value], Value]] = {
    LogicOp.AND: kleene_and,
    LogicOp.OR: kleene_or,
}

_COMPARE: dict[CompareOp, Callable[[Any, Any], Any]] = {
    CompareOp.EQ: operator.eq,
    CompareOp.NE: operator.ne,
    CompareOp.LT: operator.lt,
    CompareOp.LE: operator.le,
    CompareOp.GT: operator.gt,
    CompareOp.GE: operator.ge,
}


def compare(op: CompareOp, a: Value, b: Value) -> Value:
    """SQL comparison: None if either side is None. Strings compare by code point."""
    if a is None or b is None:
        return None
    a, b = promote(a, b)
    return bool(_COMPARE[op](a, b))


def modulo(x: float, y: float) -> float | None:
    """The remainder with the sign of the dividend (C's fmod, SQL's MOD): exact. A zero
    divisor gives null like division; an infinite dividend has no remainder (NaN: null);
    an infinite divisor leaves the dividend."""
    if y == 0 or math.isinf(x):
        return None
    if math.isinf(y):
        return x
    return math.fmod(x, y)


_ARITH: dict[ArithOp, Callable[[float, float], float | None]] = {
    ArithOp.ADD: operator.add,
    ArithOp.SUB: operator.sub,
    ArithOp.MUL: operator.mul,
    ArithOp.DIV: lambda x, y: None if y == 0 else x / y,
    ArithOp.MOD: modulo,
}


def arith(op: ArithOp, a: Value, b: Value) -> Value:
    """+ - * / % on doubles; true division; a zero divisor gives None, and so does a NaN
    result (`inf - inf`)."""
    if a is None or b is None:
        return None
    result = _ARITH[op](num(a), num(b))
    return None if result is None else not_nan(result)


def negate(a: Value) -> Value:
    return None if a is None else -num(a)


def in_list(operand: Value, items: Sequence[Value], negated: bool) -> Value:
    """Standard SQL `x [not] in (...)`: a match decides; otherwise a None item makes it None."""
    if operand is None:
        return None
    if any(compare(CompareOp.EQ, operand, item) is True for item in items):
        return not negated
    if any(item is None for item in items):
        return None
    return negated


def is_null(operand: Value, negated: bool) -> bool:
    return (operand is not None) if negated else (operand is None)


_STR_MATCH: dict[StrMatchOp, Callable[[str, str], bool]] = {
    StrMatchOp.CONTAINS: lambda whole, part: part in whole,
    StrMatchOp.STARTS_WITH: str.startswith,
    StrMatchOp.ENDS_WITH: str.endswith,
}


def str_match(op: StrMatchOp, left: Value, right: Value) -> Value:
    if left is None or right is None:
        return None
    return _STR_MATCH[op](text(left), text(right))


# ---------------------------------------------------------------- scalar functions
# Called only when no argument is None (the registry's null rule), with (args, as_of).


def round_half_away(x: float, digits: int = 0) -> float:
    """C's std::round (half away from zero) of the double x * 10**digits, scaled back.

    Uses floor and the exact fractional part: x + 0.5 would round 0.49999999999999994 up.
    Infinities stay, and so does a number too large to carry decimals."""
    scale = 10.0**digits
    scaled = x * scale
    if not math.isfinite(scaled):
        return x
    magnitude = abs(scaled)
    whole = math.floor(magnitude)
    if magnitude - whole >= 0.5:  # exact: a double minus its floor is representable
        whole += 1
    return math.copysign(float(whole), scaled) / scale


def round_value(args: Sequence[Value], as_of: dt.datetime) -> float:
    digits = 0
    if len(args) == 2:
        n = num(args[1])
        if n != math.floor(n):
            raise ValueError(f"round: the number of digits must be whole, got {n}")
        digits = int(n)
    return round_half_away(num(args[0]), digits)


def floor_value(args: Sequence[Value], as_of: dt.datetime) -> float:
    x = num(args[0])
    return float(math.floor(x)) if math.isfinite(x) else x


def ceil_value(args: Sequence[Value], as_of: dt.datetime) -> float:
    x = num(args[0])
    return float(math.ceil(x)) if math.isfinite(x) else x


def age(args: Sequence[Value], as_of: dt.datetime) -> float:
    born, today = day(args[0]), as_of.date()
    before_birthday = (today.month, today.day) < (born.month, born.day)
    return float(today.year - born.year - (1 if before_birthday else 0))


def hour(args: Sequence[Value], as_of: dt.datetime) -> float:
    value = args[0]
    if isinstance(value, dt.datetime):
        return float(value.hour)
    day(value)  # only checks that it is a date: a date's hour is 0
    return 0.0


def days_since(args: Sequence[Value], as_of: dt.datetime) -> float:
    return float((as_of - instant(args[0])) // _DAY)


def hours_since(args: Sequence[Value], as_of: dt.datetime) -> float:
    return float((as_of - instant(args[0])) // _HOUR)


def days_between(args: Sequence[Value], as_of: dt.datetime) -> float:
    return float((instant(args[1]) - instant(args[0])) // _DAY)


def greatest(args: Sequence[Value], as_of: dt.datetime) -> Value:
    return max(_comparable(args))


def least(args: Sequence[Value], as_of: dt.datetime) -> Value:
    return min(_comparable(args))


def _comparable(args: Sequence[Value]) -> list[Value]:
    """Dates among timestamps count as midnight."""
    if any(isinstance(a, dt.datetime) for a in args):
        return [instant(a) for a in args]
    return list(args)


def bucket_key_text(key: Value) -> str | None:
    """The text a key is hashed as: a string as it is; a whole number below 2**53 in
    magnitude as its digits (`7`, not `7.0`); any other number has no agreed spelling (from
    2**53 on, a key read as a double is no longer its own: 2**53 + 1 reads as 2**53): null."""
    if isinstance(key, str):
        return key
    x = num(key)
    if abs(x) >= MAX_EXACT_WHOLE or x != math.floor(x):  # the size first: floor(inf) fails
        return None
    return str(int(x))


def plain_key(key: Value) -> Value:
    """A key read back from a DECIMAL column (DuckDB's DECIMAL(10, 2), PostgreSQL's
    numeric) as the number an engine reading doubles has: 3.00 is 3, 2.50 is 2.5; any
    other key as it is (JSON, Parquet, hashing and message ids read it so)."""
    if isinstance(key, Decimal):
        return int(key) if key.is_finite() and key == key.to_integral_value() else float(key)
    return key


def key_text(key: Value) -> str | None:
    """The text a user key is hashed as (holdouts and experiments, SPEC §3.3) and compared
    as (identity): a string as it is; a whole number within the 64-bit integer range as its
    digits (`7`, not `7.0`); a fraction, NaN, an infinity or a number outside that range has
    no agreed spelling: None. Unlike a value's `bucket_key_text`, every digit counts: a key
    is read as the warehouse holds it (a BIGINT snowflake ID stays exact), not as a double
    (compiler/sqlgen/query.py id_text is the same in SQL)."""
    if isinstance(key, str):
        return key
    key = plain_key(key)  # a DECIMAL(10, 2) key 3.00 is 3, as SQL's id_text reads it
    if isinstance(key, float):
        whole = key.is_integer() and -(2**63) <= key < 2**63
        return str(int(key)) if whole else None
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key) if -(2**63) <= key < 2**63 else None
    return None if key is None else str(key)


def bucket_of(key_text: str, salt: str) -> float:
    """SPEC §3.3: the first 8 hex digits of md5(utf8(salt + ":" + key)) as a fraction of
    2**32, in [0, 1)."""
    digest = hashlib.md5(f"{salt}:{key_text}".encode(), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16) / 2**32


def bucket(args: Sequence[Value], as_of: dt.datetime) -> Value:
    key = bucket_key_text(args[0])
    return None if key is None else bucket_of(key, text(args[1]))


# ---------------------------------------------------------------- aggregates
# Each folds one user's picked events: (time, value) pairs in time order, values already
# without NaN. `present` are the non-null values.

Picked = Sequence[tuple[dt.datetime, Value]]


def present(picked: Picked) -> list[Value]:
    return [value for _, value in picked if value is not None]


def exact_sum(values: Sequence[float]) -> float | None:
    """The sum as if exact (so the order of addition cannot matter), with infinities as
    IEEE adds them: +inf and -inf together are NaN, hence null."""
    return exact_total([(value, 1) for value in values])


def exact_total(counted: Sequence[tuple[float, int]], divisor: int = 1) -> float | None:
    """The sum of each value repeated its count times, as if exact and rounded once (over
    `divisor`: a mean); infinities as IEEE adds them (+inf and -inf together are NaN, hence
    null); a result beyond the doubles is an infinity of its sign."""
    with suppress(OverflowError, ValueError):  # the common case first: finite values
        finite = math.fsum(chain.from_iterable(starmap(repeat, counted)))
        if math.isfinite(finite):  # then no value was infinite (fsum would say inf or nan)
            return finite / divisor
    infinite = {value for value, _ in counted if math.isinf(value)}
    if infinite:
        return infinite.pop() if len(infinite) == 1 else None
    try:
        return math.fsum(chain.from_iterable(starmap(repeat, counted))) / divisor
    except OverflowError:  # a partial sum left the doubles: add exactly, round once
        total = sum((Fraction(value) * times for value, times in counted), Fraction(0))
        try:
            return float(total / divisor)
        except OverflowError:
            return math.inf if total > 0 else -math.inf


def interpolated(low: float, high: float, fraction: float) -> float | None:
    """`low + (high - low) * fraction`, a continuous percentile between the two values
    around its position: `low` itself at a whole position or between equal values (also
    infinities: inf - inf would be NaN), and no overflow where only `high - low` is beyond
    the doubles; NaN is null."""
    if fraction == 0 or low == high:
        return low
    step = high - low
    if math.isinf(step) and math.isfinite(low) and math.isfinite(high):
        return low * (1 - fraction) + high * fraction
    return not_nan(low + step * fraction)


def sum_of(picked: Picked) -> Value:
    """Over no (non-null) values: 0, like count."""
    return exact_sum([num(v) for v in present(picked)])


def avg_of(picked: Picked) -> Value:
    values = [num(v) for v in present(picked)]
    if not values:
        return None
    total = exact_sum(values)
    return None if total is None else not_nan(total / len(values))


def first_or_last(last: bool, picked: Picked) -> Value:
    """first: order by (time asc, value asc nulls last); last: (time desc, value desc nulls
    last); take the first row's value. So only the earliest (latest) time's events matter,
    and among them the smallest (largest) non-None value wins."""
    if not picked:
        return None
    times = [time for time, _ in picked]
    moment = max(times) if last else min(times)
    tied = [value for time, value in picked if time == moment and value is not None]
    if not tied:
        return None
    return max(tied) if last else min(tied)


def most_frequent(picked: Picked) -> Value:
    """The most frequent non-null value; ties: the smallest."""
    values = present(picked)
    if not values:
        return None
    counts = Counter(values)
    top = max(counts.values())
    return min(value for value, count in counts.items() if count == top)


# Aggregates over a report's rows (SPEC §3.6): the picked values are one per row.


def share_of(picked: Picked) -> Value:
    """Rows where the condition is TRUE over all rows (a null condition counts as not TRUE);
    over no rows: null (0 / 0)."""
    if not picked:
        return None
    return sum(1 for _, value in picked if value is True) / len(picked)


def percentile_of(picked: Picked, fraction: float) -> Value:
    """The continuous percentile of the non-null values (PERCENTILE_CONT): the value at
    position fraction * (n - 1) of the sorted values, interpolated linearly between the two
    values around it; over no values: null."""
    values = sorted(num(v) for v in present(picked))
    if not values:
        return None
    position = fraction * (len(values) - 1)
    below = math.floor(position)
    above = min(below + 1, len(values) - 1)
    return interpolated(values[below], values[above], position - below)


def median_of(picked: Picked) -> Value:
    return percentile_of(picked, 0.5)

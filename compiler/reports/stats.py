"""The statistics of experiments (SPEC §3.3): Welch's t interval for a difference of
means, the unpooled normal interval for a difference of proportions, relative lift, and
the chi-square p-value of a sample-ratio mismatch; and the median of a histogram (a
funnel's durations between steps come from an engine as (seconds, users) rows).

Written with the standard library's `math` and `statistics` (scipy is no dependency of
segl, and these need only the regularized incomplete beta and gamma functions, computed
with the continued fractions of Numerical Recipes §6.2 and §6.4). Shared by the reference
evaluator and whatever computes experiments from an engine's per-arm sums.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

from segl.compiler.values import exact_total, not_nan

CONFIDENCE = 0.95
SRM_THRESHOLD = 0.001  # a sample-ratio mismatch is flagged below this p-value
_EPSILON = 1e-15
_TINY = 1e-300
_MAX_ITERATIONS = 10_000
_NEWTON_STEPS = 100
_NEWTON_TOLERANCE = 1e-13  # relative to t: a step this small is the root
_CDF_NOISE = 1e-9  # relative to t: the rounding of student_t_cdf, well above its worst


# ---------------------------------------------------------------- special functions


def _guard(value: float) -> float:
    """Lentz's method: a denominator of exactly zero is replaced by a tiny number."""
    return value if abs(value) > _TINY else _TINY


def _continued_beta(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    c, d = 1.0, 1.0 / _guard(1.0 - (a + b) * x / (a + 1.0))
    h = d
    for m in range(1, _MAX_ITERATIONS):
        even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        for numerator in (even, odd):
            d = 1.0 / _guard(1.0 + numerator * d)
            c = _guard(1.0 + numerator / c)
            h *= d * c
        if abs(d * c - 1.0) < _EPSILON:
            return h
    raise ArithmeticError("the incomplete beta function did not converge")


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b), for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _continued_beta(a, b, x) / a
    return 1.0 - front * _continued_beta(b, a, 1.0 - x) / b


def upper_gamma(a: float, x: float) -> float:
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    if x <= 0.0:
        return 1.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1.0:  # the series of P converges fast here
        term = total = 1.0 / a
        denominator = a
        for _ in range(_MAX_ITERATIONS):
            denominator += 1.0
            term *= x / denominator
            total += term
            if abs(term) < abs(total) * _EPSILON:
                return 1.0 - total * math.exp(log_front)
        raise ArithmeticError("the incomplete gamma series did not converge")
    b = x + 1.0 - a  # the continued fraction of Q (modified Lentz)
    c, d = 1.0 / _TINY, 1.0 / b
    h = d
    for i in range(1, _MAX_ITERATIONS):
        an = -i * (i - a)
        b += 2.0
        d = 1.0 / _guard(an * d + b)
        c = _guard(b + an / c)
        step = d * c
        h *= step
        if abs(step - 1.0) < _EPSILON:
            return math.exp(log_front) * h
    raise ArithmeticError("the incomplete gamma fraction did not converge")


def student_t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with `df` (possibly fractional) degrees of freedom."""
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def student_t_pdf(t: float, df: float) -> float:
    """The density of Student's t with `df` degrees of freedom at `t`."""
    log_scale = math.lgamma((df + 1.0) / 2.0) - math.lgamma(df / 2.0)
    log_scale -= 0.5 * math.log(df * math.pi)
    return math.exp(log_scale - (df + 1.0) / 2.0 * math.log1p(t * t / df))


def student_t_quantile(probability: float, df: float) -> float:
    """The t with P(T <= t) = probability (0.5 < probability < 1), by Newton's method from
    the normal quantile: for t > 0 the CDF is increasing and concave and the normal
    quantile lies below t's, so every step stays below the root and moves towards it (a
    handful of CDF evaluations where bisection took about 70). It stops at a step within
    the CDF's rounding (with many degrees of freedom about 1e-10 of t: a step back of that
    size is the root reached); bisection is the fallback should the steps go astray."""
    t = NormalDist().inv_cdf(probability)
    for _ in range(_NEWTON_STEPS):
        density = student_t_pdf(t, df)
        if density <= 0.0:  # so far out that the density underflows
            break
        step = (probability - student_t_cdf(t, df)) / density
        if abs(step) <= abs(t) * _NEWTON_TOLERANCE:
            return t
        if step < 0.0:
            if -step <= abs(t) * _CDF_NOISE:
                return t
            break
        t += step
    return _t_quantile_by_bisection(probability, df)


def _t_quantile_by_bisection(probability: float, df: float) -> float:
    """The same t by bisection: the CDF is monotone, and at most 200 halvings of [0, 1e6]
    pin t far below a double's precision; once the bounds are neighbouring doubles the
    middle is one of them and nothing moves."""
    low, high = 0.0, 1e6
    for _ in range(200):
        middle = (low + high) / 2.0
        if middle in (low, high):
            break
        if student_t_cdf(middle, df) < probability:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


def chi_square_p(statistic: float, df: int) -> float:
    """P(X >= statistic) for a chi-square with `df` degrees of freedom."""
    return upper_gamma(df / 2.0, statistic / 2.0)


# ---------------------------------------------------------------- comparisons


@dataclass(frozen=True)
class Summary:
    """What an arm's metric needs: how many values, their mean and sample variance."""

    count: int
    mean: float | None
    variance: float | None  # with n - 1 in the denominator; None below two values


def summarise(values: Sequence[float]) -> Summary:
    return summarise_counts([(value, 1) for value in values])


def summarise_counts(histogram: Sequence[tuple[float, int]]) -> Summary:
    """The count, mean and variance of the values each repeated its count times, without
    building that list (an engine returns an arm's values as a histogram; one user's value
    per row would cost a Python object each). The sums are exact (values.exact_total), so
    the order of the rows cannot matter. Infinities are numbers: +inf and -inf together
    have no mean (NaN: null), and an infinite mean no variance."""
    count = sum(times for _, times in histogram)
    if count == 0:
        return Summary(0, None, None)
    total = exact_total(histogram, count)  # the mean
    mean = None if total is None else not_nan(total)
    if count < 2 or mean is None or math.isinf(mean):
        return Summary(count, mean, None)
    deviations = [((value - mean) * (value - mean), times) for value, times in histogram]
    spread = exact_total(deviations)
    return Summary(count, mean, None if spread is None else spread / (count - 1))


def histogram_median(histogram: Iterable[tuple[float, int]]) -> float | None:
    """`statistics.median` of the values each repeated its count times (a value may come
    in several rows), without building that list: a funnel step's durations are as many
    as its users. None when there are none."""
    counts: dict[float, int] = {}
    for value, times in histogram:
        counts[value] = counts.get(value, 0) + times
    total = sum(counts.values())
    if total == 0:
        return None
    middle = ((total - 1) // 2, total // 2)  # the same index twice when `total` is odd
    picked: list[float] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while len(picked) < 2 and middle[len(picked)] < seen:
            picked.append(value)
        if len(picked) == 2:
            break
    low, high = picked
    return low if total % 2 else (low + high) / 2


@dataclass(frozen=True)
class Difference:
    """An arm against control: the difference of means, its confidence interval and the
    relative lift (difference over control's mean); None where undefined."""

    diff: float | None
    ci_low: float | None
    ci_high: float | None
    lift: float | None


def _lift(diff: float | None, control: float | None) -> float | None:
    if diff is None or control is None or control == 0:
        return None
    return not_nan(diff / control)


def arm_metric(mean: float | None, difference: Difference | None) -> dict[str, float | None]:
    """An arm's metric as the JSON shows it: the control arm (no difference) has nulls."""
    if difference is None:
        return {"mean": mean, "diff": None, "ci_low": None, "ci_high": None, "lift": None}
    return {
        "mean": mean,
        "diff": difference.diff,
        "ci_low": difference.ci_low,
        "ci_high": difference.ci_high,
        "lift": difference.lift,
    }


def welch(arm: Summary, control: Summary) -> Difference:
    """Difference of means with Welch's t interval (sample variances, fractional degrees of
    freedom). Without two values on each side there is no interval; with no spread at all
    the interval is the difference itself."""
    if arm.mean is None or control.mean is None:
        return Difference(None, None, None, None)
    diff = not_nan(arm.mean - control.mean)  # inf - inf
    if diff is None:
        return Difference(None, None, None, None)
    lift = _lift(diff, control.mean)
    if arm.variance is None or control.variance is None:
        return Difference(diff, None, None, lift)
    a, c = arm.variance / arm.count, control.variance / control.count
    if a + c == 0:
        return Difference(diff, diff, diff, lift)
    df = (a + c) * (a + c) / (a * a / (arm.count - 1) + c * c / (control.count - 1))
    if not (math.isfinite(a + c) and math.isfinite(df) and df > 0):
        return Difference(diff, None, None, lift)  # a spread beyond the doubles: no interval
    margin = student_t_quantile(0.5 + CONFIDENCE / 2, df) * math.sqrt(a + c)
    return Difference(diff, diff - margin, diff + margin, lift)


def proportions(arm: tuple[int, int], control: tuple[int, int]) -> Difference:
    """Difference of two shares (successes, users) with the unpooled normal interval."""
    (arm_hits, arm_n), (control_hits, control_n) = arm, control
    if arm_n == 0 or control_n == 0:
        return Difference(None, None, None, None)
    p, q = arm_hits / arm_n, control_hits / control_n
    diff = p - q
    se = math.sqrt(p * (1 - p) / arm_n + q * (1 - q) / control_n)
    margin = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2) * se
    return Difference(diff, diff - margin, diff + margin, _lift(diff, q))


def sample_ratio_p(counts: Sequence[int], weights: Sequence[float]) -> float | None:
    """The chi-square p-value of the arms' sizes against their declared weights (None
    without users)."""
    total = sum(counts)
    if total == 0:
        return None
    statistic = math.fsum(
        (observed - total * weight) ** 2 / (total * weight)
        for observed, weight in zip(counts, weights, strict=True)
    )
    return chi_square_p(statistic, len(counts) - 1)

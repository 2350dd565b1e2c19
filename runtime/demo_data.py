"""Deterministic synthetic warehouse for demos, docs and benchmarks.

`build_demo_warehouse` fills a DuckDB connection with a beauty-retail CRM (users, their
membership-level history, WeChat bindings, events, the app's device log, orders, coupons) and
an independent new-energy-vehicle sales funnel (nev_leads, nev_events).

Determinism is the main design constraint: the same arguments must give byte-identical tables
on any DuckDB version and any thread count. So nothing here uses DuckDB's random(), hash() or
uuid; every pseudo-random draw is a 32-bit integer hash (Chris Wellons' "lowbias32") of a row
key plus a per-stream salt, and everything derived from it stays in integer arithmetic (money is
integer cents divided by 100 only at the very end). Timestamps are kept as "seconds before the
anchor" offsets and converted once, which also makes "strictly before anchor" trivially true
(every offset is >= 1).
"""

from __future__ import annotations

import calendar
import datetime
import zlib
from collections.abc import Sequence

import duckdb
from sqlglot import exp

from segl.compiler.registry import bucket_of_text
from segl.compiler.sqlgen import render
from segl.compiler.targets import get_target

DEMO_ANCHOR = datetime.datetime(2026, 11, 1)
DEMO_TABLES: tuple[str, ...] = (
    "users",
    "membership_history",
    "wechat_bindings",
    "events",
    "app_events",
    "orders",
    "coupons",
    "coupon_issues",
    "nev_leads",
    "nev_events",
)

_DAY = 86_400
_MASK64 = (1 << 64) - 1
_TWO32 = 1 << 32
# Odd multipliers that spread the (primary, secondary) row key over 32 bits before hashing.
_K1 = 0x9E3779B1
_K2 = 0x85EBCA77
# Upper bound of every per-parent child count (visits per user are capped at this).
_MAX_CHILDREN = 800
# Temp objects are prefixed so they cannot clash with the caller's own objects.
_P = "_segl_demo_"

_SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 14),
    ("李", 14),
    ("张", 13),
    ("刘", 10),
    ("陈", 9),
    ("杨", 6),
    ("赵", 5),
    ("黄", 5),
    ("周", 5),
    ("吴", 5),
    ("徐", 3),
    ("孙", 3),
    ("胡", 2),
    ("朱", 2),
    ("高", 2),
    ("林", 2),
)
_GIVEN_F = "芳娜敏静丽艳娟霞婷雪慧琳颖倩洁玲萍红燕晶"
_GIVEN_M = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇"
_GENDERS: tuple[tuple[str | None, int], ...] = (("F", 70), ("M", 27), (None, 3))
_CITIES: tuple[tuple[str | None, int], ...] = (
    ("Beijing", 14),
    ("北京", 4),  # dirty data: the same city spelled in Chinese
    ("Shanghai", 16),
    ("Guangzhou", 12),
    ("Shenzhen", 12),
    ("Hangzhou", 10),
    ("Chengdu", 8),
    ("成都", 2),
    ("Wuhan", 8),
    ("Nanjing", 7),
    ("Xi'an", 5),
    (None, 2),
)
# The member's IANA time zone (users.tz, the retail universe's `zone`: journey steps are timed
# in it). Most members live in China; a few abroad; some profiles have none (the project's zone
# is used) and a handful hold a name the tz database does not know (W0701: the project's zone
# too). Weights per 10,000 members.
_ZONES: tuple[tuple[str | None, int], ...] = (
    ("Asia/Shanghai", 9_150),
    (None, 600),
    ("America/New_York", 60),
    ("America/Los_Angeles", 40),
    ("Europe/London", 50),
    ("Europe/Paris", 25),
    ("Asia/Tokyo", 30),
    ("Asia/Singapore", 35),
    ("Asia/Beijing", 4),  # not a tz database name (Beijing time is Asia/Shanghai)
    ("GMT+8", 3),
    ("北京时间", 3),
)
_BRANDS: tuple[tuple[str | None, int], ...] = (
    ("Shiseido", 15),
    ("Estee Lauder", 14),
    ("Lancome", 14),
    ("SK-II", 10),
    ("L'Oreal", 12),
    ("完美日记", 10),
    ("花西子", 8),
    ("Clinique", 9),
    ("Olay", 8),
)
_CATEGORIES: tuple[tuple[str | None, int], ...] = (
    ("skincare", 45),
    ("makeup", 25),
    ("fragrance", 10),
    ("haircare", 10),
    ("bodycare", 10),
)
_OFFLINE_STORES = (
    "Beijing SKP",
    "Beijing Guomao",
    "Shanghai IFC",
    "Shanghai Jing'an Kerry",
    "Guangzhou Taikoo Hui",
    "Shenzhen MixC",
    "Hangzhou Hubin",
    "Wuhan Wushang",
    "Nanjing Deji",
    "成都太古里",
)
_STORES: tuple[tuple[str | None, int], ...] = (
    *((s, 5) for s in _OFFLINE_STORES),
    ("Online Flagship", 35),
    ("Mini Program Store", 15),
)
_CHANNELS: tuple[tuple[str | None, int], ...] = (
    ("app", 35),
    ("mini_program", 30),
    ("wechat_oa", 12),
    ("h5", 10),
    ("store", 5),
    ("video_channel", 5),
    (None, 3),
)
_ONLINE_CHANNELS: tuple[tuple[str | None, int], ...] = (
    ("app", 40),
    ("mini_program", 35),
    ("h5", 10),
    ("wechat_oa", 5),
    ("video_channel", 8),
    (None, 2),
)
_PUSH_CHANNELS: tuple[tuple[str | None, int], ...] = (("app", 60), ("wechat_oa", 40))
_COUPON_TYPES: tuple[tuple[str | None, int], ...] = (
    ("full_reduction", 45),
    ("discount", 35),
    ("gift", 20),
)
_FACE_VALUES: tuple[tuple[str | None, int], ...] = (
    ("5", 20),
    ("10", 30),
    ("20", 25),
    ("50", 15),
    ("100", 10),
)
# Buyer kinds (weights in % of users): 0 never buys, 1 one-off (1-3 orders, any time),
# 2 regular and 3 frequent repeat buyers, who reorder every _REGULAR_DAYS / _FREQUENT_DAYS.
_BUYERS: tuple[tuple[str | None, int], ...] = (("0", 39), ("1", 7), ("2", 52), ("3", 2))
_REGULAR_DAYS = (18, 45)
_FREQUENT_DAYS = (7, 16)
# The slide (SPEC 1.4, 2.9): some regular buyers of modest baskets, members for long enough,
# slow down to an order every _SLIDER_DAYS and then stop: their last three orders are two
# periods apart and the oldest of them leaves the 180-day window of the retail quadrants
# (examples/retail/layerings.segl) in the week before the anchor, so a run at the anchor sees
# them move from high-frequency low-value (3 orders) to low-frequency low-value (2).
_SLIDERS = 0.13  # of the eligible regular buyers
_SLIDER_DAYS = (50, 60)
_SLIDE_WINDOW_DAYS = 180
_SLIDE_WEEK = 7
# Share of repeat buyers and of the others whose baskets are premium (big orders): big
# one-off purchases (gift sets, a new serum) are the "potential" low-frequency high-value users.
_PREMIUM = (0.03, 0.5)
# Coupon propensity levels (weights in % of users) and the chance that an order uses a coupon.
_PROMO: tuple[tuple[str | None, int], ...] = (("0", 50), ("1", 25), ("2", 15), ("3", 10))
_PROMO_COUPON = (0.03, 0.3, 0.65, 0.9)
# Membership levels: a member's score is their number of orders plus a fixed bonus of 0..7;
# each level starts with the order that lifts the score to its threshold.
_LEVELS: tuple[tuple[str, int], ...] = (("silver", 8), ("gold", 16), ("platinum", 30))
# Identity (examples/retail/identity.segl): member numbers, WeChat openids, app devices. Every
# member has a WeChat openid for the brand; most bind it to their card (_BINDERS): when they
# register, some time later, or in the bind-your-card campaign of the last _CAMPAIGN_DAYS
# before the anchor (a run a month earlier sees fewer links). A few bind a second WeChat
# account later.
_BINDERS = 0.78
_BIND_WHEN: tuple[tuple[str | None, int], ...] = (("0", 45), ("1", 35), ("2", 20))
_CAMPAIGN_DAYS = 31
_SECOND_OPENID = 0.04
# Half the members use the app on devices of their own: a phone; some replaced it by a new one
# (2 devices), some also have a tablet (3). A session is logged in with WeChat (its events carry
# the openid) or not. On some tablets relatives who are no members log in too.
_APP_MEMBERS = 0.5
_DEVICES: tuple[tuple[str | None, int], ...] = (("1", 65), ("2", 27), ("3", 8))
_LOGGED_IN = 0.75
_FAMILY_TABLET = 0.35
_RELATIVE_SESSION = 0.4
# Shared devices, each logged in with more distinct openids than the retail identity's
# `shared above 20` allows, at any as-of in the last months: a counter tablet in each
# offline store (one per _MEMBERS_PER_TABLET members, at most one per store) and one store
# demo device used by hundreds. Members merged through them would be one person, so the
# generator keeps them well above the limit.
_SHARED_ABOVE = 20
_MEMBERS_PER_TABLET = 1000
# Devices of app users who are no members (a third of the number of members), some logged
# in with their own WeChat openid: anonymous persons, outside any run's universe.
_ANONYMOUS_DEVICES = 3
_ANONYMOUS_WECHAT = 0.4
_APP_ACTIONS: tuple[tuple[str | None, int], ...] = (
    ("view_product", 60),
    ("search", 20),
    ("add_cart", 15),
    ("share", 5),
)
# ID namespaces (the top two bits of a 32-bit key): a key is unique within its kind, so the
# IDs made from it are too (see _unique).
_NS = 1 << 30
_NEV_CITIES: tuple[tuple[str | None, int], ...] = (
    ("Shanghai", 18),
    ("Beijing", 14),
    ("北京", 3),
    ("Shenzhen", 14),
    ("Hangzhou", 12),
    ("Guangzhou", 12),
    ("Chengdu", 10),
    ("Wuhan", 8),
    ("Xi'an", 6),
    (None, 3),
)
_NEV_SOURCES: tuple[tuple[str | None, int], ...] = (
    ("douyin", 35),
    ("autohome", 25),
    ("wecom", 15),
    ("store_walk_in", 15),
    ("referral", 10),
)
_NEV_MODELS: tuple[tuple[str | None, int], ...] = (
    ("Model A", 45),
    ("Model B", 35),
    ("Model C SUV", 20),
)
_NEV_STORES: tuple[tuple[str | None, int], ...] = (
    ("Shanghai Hongqiao Center", 20),
    ("Beijing Chaoyang Center", 18),
    ("Shenzhen Nanshan Center", 16),
    ("Hangzhou Binjiang Center", 14),
    ("Guangzhou Tianhe Center", 14),
    ("Chengdu Hi-Tech Center", 10),
    ("Wuhan Optics Valley Center", 8),
)


def _splitmix64(x: int) -> int:
    """Python-side mixer, only used to derive per-stream salts from the seed."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _lit(value: str | None) -> str:
    """SQL string literal (NULL for None); doubles quotes so "Xi'an" survives."""
    if value is None:
        return "NULL"
    return "'" + value.replace("'", "''") + "'"


def _u32(n: int) -> str:
    """Integer literal typed UBIGINT so hash arithmetic never widens to HUGEINT."""
    return f"{n}::UBIGINT"


class _Rand:
    """Builds SQL for independent 32-bit hash streams: one salt per (seed, stream name)."""

    def __init__(self, seed: int) -> None:
        self._seed = _splitmix64(seed & _MASK64)

    def salt(self, stream: str) -> int:
        # crc32 (not Python's hash()) so salts do not depend on PYTHONHASHSEED.
        return _splitmix64(self._seed ^ zlib.crc32(stream.encode())) & 0xFFFFFFFF

    def h(self, stream: str, a: str, b: str = "0") -> str:
        """Uniform UBIGINT in [0, 2**32) for row key (a, b); a and b are BIGINT SQL exprs."""
        return f"{_P}h32(({a}) * {_K1} + ({b}) * {_K2} + {self.salt(stream)})"

    def cols(self, prefix: str, a: str, b: str, *streams: str) -> str:
        """Select-list of hash columns h_<stream>.

        Hashes are materialised as columns in an inner SELECT because DuckDB re-evaluates an
        expression once per CASE branch that uses it (5x slower for weighted picks).
        """
        return ", ".join(f"{self.h(prefix + s, a, b)} AS h_{s}" for s in streams)


def _below(h: str, n: str | int) -> str:
    """Uniform BIGINT in [0, n) from a 32-bit hash column (n < 2**32, n >= 0)."""
    return f"CAST(({h} * CAST({n} AS UBIGINT)) >> 32 AS BIGINT)"


def _sq(h: str) -> str:
    """u**2 in 32-bit fixed point: skews a draw strongly towards 0."""
    return f"(({h} * {h}) >> 32)"


def _bend(h: str) -> str:
    """(u + u**2) / 2 in fixed point: density 2 at 0 and 2/3 at 1, i.e. favours recent
    offsets without the spike just before the anchor that u**2 would produce."""
    return f"(({h} + {_sq(h)}) >> 1)"


def _chance(h: str, p: float) -> str:
    """Boolean that is true with probability p."""
    return f"({h} < {_u32(round(p * _TWO32))})"


def _pick(h: str, choices: Sequence[tuple[str | None, int]], *, raw: bool = False) -> str:
    """Weighted categorical draw as a CASE over integer thresholds (no float comparisons).

    raw=True emits the values as SQL text (numbers) instead of string literals.
    """
    total = sum(w for _, w in choices)

    def sql(value: str | None) -> str:
        return value if raw and value is not None else _lit(value)

    parts = ["CASE"]
    cum = 0
    for value, weight in choices[:-1]:
        cum += weight
        parts.append(f"WHEN {h} < {_u32(cum * _TWO32 // total)} THEN {sql(value)}")
    parts.append(f"ELSE {sql(choices[-1][0])} END")
    return " ".join(parts)


def _list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


def _tail(h: str, a: float, cap: int) -> str:
    """Zipf-like count: floor(a / (1 - u*q)) - 2, so P(X >= k) ~ a / (k + 2) and max == cap.

    One integer division, so it is exact everywhere; q makes u -> 1 land on cap instead of
    piling up a spike at a hard clamp.
    """
    q = 1 - a / (cap + 2)
    m = round(_TWO32 / q)
    c = round(a * _TWO32 / q)
    return f"LEAST({c} // ({m} - CAST({h} AS BIGINT)) - 2, {cap})"


def _in_window(h: str) -> str:
    """Offset inside the user's [lo, hi] activity window, biased towards recent."""
    return f"lo + {_below(_bend(h), 'hi - lo + 1')}"


def _ts(off: str, anchor_us: int) -> str:
    """Offset in seconds before the anchor -> naive TIMESTAMP (pure integer microseconds)."""
    return f"make_timestamp({anchor_us} - ({off}) * 1000000)"


def _setup(con: duckdb.DuckDBPyConnection) -> None:
    """Temp helpers: the h32 hash macro and the (n, k) fan-out table."""
    # lowbias32: xorshift-multiply rounds, all in UBIGINT masked to 32 bits. Products of two
    # values < 2**32 fit UBIGINT, so no overflow checks fire and no HUGEINT is needed.
    m32 = _u32(0xFFFFFFFF)
    con.execute(f"CREATE OR REPLACE TEMP MACRO {_P}xs(x, s) AS xor(x, x >> s)")
    con.execute(f"CREATE OR REPLACE TEMP MACRO {_P}mul(x, c) AS (x * c) & {m32}")
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO {_P}h32(x) AS "
        f"{_P}xs({_P}mul({_P}xs({_P}mul({_P}xs(CAST(x AS UBIGINT) & {m32}, 16), "
        f"{_u32(0x7FEB352D)}), 15), {_u32(0x846CA68B)}), 16)"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_P}fan AS "
        f"SELECT n, k FROM range(1, {_MAX_CHILDREN + 1}) a(n), range({_MAX_CHILDREN}) b(k) "
        "WHERE k < n"
    )


def _fan_out(table: str, count: str, columns: str) -> str:
    """One row per (row of table, k in 0..count-1): the fan-out used for every child table.

    An equi-join with a precomputed (n, k) table rather than unnest(range(count)): on
    DuckDB 1.1 unnest emits tiny chunks and every expression after it runs ~5x slower.
    """
    return f"(SELECT {columns}, f.k FROM {table} JOIN {_P}fan f ON f.n = {count})"


def _years_back(d: datetime.date, years: int) -> datetime.date:
    # Feb 29 anchors fall back to Feb 28 in non-leap years.
    try:
        return d.replace(year=d.year - years)
    except ValueError:
        return d.replace(year=d.year - years, day=28)


def _birthday_sql(h_kind: str, h_day: str, anchor: datetime.date) -> str:
    """Ages 16..65 at the anchor date, ~5% NULL, ~0.3% forced onto Feb 29 of a leap year."""
    youngest = _years_back(anchor, 16)
    oldest = _years_back(anchor, 66) + datetime.timedelta(days=1)
    days_lo = (anchor - youngest).days
    span = (youngest - oldest).days + 1
    leap = [
        y
        for y in range(oldest.year, youngest.year + 1)
        if calendar.isleap(y) and oldest <= datetime.date(y, 2, 29) <= youngest
    ]
    leap_sql = f"make_date(([{', '.join(map(str, leap))}])[1 + {_below(h_day, len(leap))}], 2, 29)"
    return (
        f"CASE WHEN {h_kind} < {_u32(_TWO32 // 20)} THEN NULL "
        f"WHEN {h_kind} < {_u32(_TWO32 // 20 + _TWO32 // 300)} THEN {leap_sql} "
        f"ELSE DATE '{anchor.isoformat()}' - CAST({days_lo} + {_below(h_day, span)} AS INTEGER) "
        "END"
    )


def _repeat_due(k: str) -> str:
    """Due offset of a repeat buyer's order k: the first right after registering, two more a
    quarter of a period apart (the new-member welcome, group buy and coupon countdown), then one
    every period."""
    return f"(first_off - LEAST({k}, 2) * (period // 4) - GREATEST({k} - 2, 0) * period)"


def _build_user_latents(con: duckdb.DuckDBPyConnection, r: _Rand, users: int) -> None:
    """Per-user hidden traits that drive every CRM table, so the tables agree with each other.

    reg_off: registration, in seconds before the anchor. [lo, hi]: offsets in which the user's
    activity may happen; lapsed users (lo > 1) did nothing in the last 90 days.

    Buying tells the story of the frequency x value quadrants (SPEC 1.3): most buyers are
    repeat buyers of modest baskets. `period` is a repeat buyer's replenishment cycle (NULL
    for the others): orders fall due as `_repeat_due` says and the ones due in [lo, hi] are
    placed, so the count in any window is steady. `premium` users buy big baskets; `promo`
    (0..3) is the coupon propensity, 3 being a coupon hunter who also hoards unused coupons.
    """
    hashes = r.cols(
        "user_",
        "user_id",
        "0",
        *("reg", "lapsed", "visits", "buyer", "period", "phase", "premium", "promo", "spare"),
        *("push", "fav", "home", "slide"),
    )
    buyer = _pick("h_buyer", _BUYERS, raw=True)
    period = (
        f"CASE WHEN slider THEN {_SLIDER_DAYS[0] * _DAY} + "
        f"{_below('h_period', (_SLIDER_DAYS[1] - _SLIDER_DAYS[0]) * _DAY)} "
        f"WHEN buyer = 2 THEN {_REGULAR_DAYS[0] * _DAY} + "
        f"{_below('h_period', (_REGULAR_DAYS[1] - _REGULAR_DAYS[0]) * _DAY)} "
        f"WHEN buyer = 3 THEN {_FREQUENT_DAYS[0] * _DAY} + "
        f"{_below('h_period', (_FREQUENT_DAYS[1] - _FREQUENT_DAYS[0]) * _DAY)} END"
    )
    # The number of k with _repeat_due(k) >= lo.
    repeat_orders = (
        "CASE WHEN first_off - lo < 2 * (period // 4) THEN 1 + (first_off - lo) // (period // 4) "
        "ELSE 3 + (first_off - 2 * (period // 4) - lo) // period END"
    )
    # A slider's orders: every period back from the last, whose offset puts the one two
    # periods earlier inside the last week of the 180-day window.
    window, week = _SLIDE_WINDOW_DAYS * _DAY, _SLIDE_WEEK * _DAY
    last_off = (
        f"CASE WHEN slider THEN {window} + 3600 + {_below('h_phase', week - 7200)} - 2 * period END"
    )
    promo = _pick("h_promo", _PROMO, raw=True)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_P}u AS
        SELECT user_id, reg_off, lo, hi, n_visits, period, first_off, last_off,
               CASE WHEN last_off IS NOT NULL THEN 1 + (hi - last_off) // period
                    WHEN period IS NOT NULL THEN {repeat_orders}
                    -- one-off buyers: 1-3 orders, at most one per 3 days of tenure
                    WHEN buyer = 1
                    THEN LEAST(1 + {_below("h_period", 3)}, 1 + reg_off // {3 * _DAY})
                    ELSE 0 END AS n_orders,
               premium, promo, n_spare, n_push, fav_brand, home_store
        FROM (
            SELECT *,
                   -- a repeat buyer's first order comes within 3 days of registering
                   hi - {_below("h_phase", f"LEAST({3 * _DAY}, hi - lo + 1)")} AS first_off,
                   {last_off} AS last_off
            FROM (
                SELECT *,
                       CASE WHEN lapsed AND reg_off > {90 * _DAY + 7200} THEN {90 * _DAY + 1}
                            ELSE 1 END AS lo,
                       reg_off - 1 AS hi,
                       -- at most ~4 visits per day of tenure; repeat buyers visit at least once
                       LEAST(GREATEST(visits_raw, CAST(buyer >= 2 AS BIGINT)),
                             1 + reg_off // {_DAY // 4}) AS n_visits,
                       {period} AS period
                FROM (
                  SELECT *,
                         -- sliders: regular buyers of modest baskets, active, members for
                         -- longer than the window and a week (three orders fit)
                         buyer = 2 AND NOT premium AND NOT lapsed
                         AND reg_off > {window + week + 3 * _DAY}
                         AND {_chance("h_slide", _SLIDERS)} AS slider
                  FROM (
                    SELECT user_id, h_phase, h_period, h_slide,
                           3600 + {_below(_bend("h_reg"), 730 * _DAY - 3600)} AS reg_off,
                           {_chance("h_lapsed", 0.16)} AS lapsed,
                           {_tail("h_visits", 2.76, _MAX_CHILDREN)} AS visits_raw,
                           {buyer} AS buyer,
                           CASE {buyer} WHEN 0 THEN false
                                WHEN 1 THEN {_chance("h_premium", _PREMIUM[1])}
                                ELSE {_chance("h_premium", _PREMIUM[0])} END AS premium,
                           {promo} AS promo,
                           -- coupon hunters hoard unused coupons
                           CASE WHEN {promo} = 3 THEN 2 + {_below("h_spare", 17)}
                                ELSE {_below(_sq("h_spare"), 3)} END AS n_spare,
                           {_below("h_push", 7)} AS n_push,
                           {_pick("h_fav", _BRANDS)} AS fav_brand,
                           {_pick("h_home", _STORES)} AS home_store
                    FROM (SELECT user_id, {hashes} FROM range(1, {users + 1}) t(user_id))
                  )
                )
            )
        )
        """
    )


def _build_users(
    con: duckdb.DuckDBPyConnection, r: _Rand, anchor_us: int, anchor: datetime.date
) -> None:
    """The public users table: visible attributes drawn on top of the latent traits."""
    hashes = r.cols(
        "users_",
        "user_id",
        "0",
        *("surname", "gender", "city", "g1", "g2", "glen", "bkind", "bday", "bal", "cents"),
        *("level", "tz"),
    )
    f_chars, m_chars = _list(list(_GIVEN_F)), _list(list(_GIVEN_M))
    both = _list(list(_GIVEN_F + _GIVEN_M))

    def given(h: str) -> str:
        # Given-name characters follow gender; unknown gender draws from both lists.
        return (
            f"CASE gender WHEN 'F' THEN ({f_chars})[1 + {_below(h, len(_GIVEN_F))}] "
            f"WHEN 'M' THEN ({m_chars})[1 + {_below(h, len(_GIVEN_M))}] "
            f"ELSE ({both})[1 + {_below(h, len(_GIVEN_F + _GIVEN_M))}] END"
        )

    balance_cents = (
        f"CASE WHEN h_bal < {_u32(_TWO32 * 70 // 100)} THEN 0 "
        f"WHEN h_bal < {_u32(_TWO32 * 95 // 100)} THEN {_below('h_cents', 50_001)} "
        f"ELSE 50000 + {_below(_sq('h_cents'), 450_001)} END"
    )
    below_level = ("normal", *(name for name, _ in _LEVELS[:-1]))
    levels = (
        "CASE "
        + " ".join(
            f"WHEN score < {threshold} THEN {_lit(name)}"
            for name, (_, threshold) in zip(below_level, _LEVELS, strict=True)
        )
        + f" ELSE {_lit(_LEVELS[-1][0])} END"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE users AS
        SELECT user_id,
               surname || {given("h_g1")}
                   || CASE WHEN {_chance("h_glen", 0.6)} THEN {given("h_g2")} ELSE '' END
                   AS name,
               gender, city, birthday,
               {_ts("reg_off", anchor_us)} AS registered_at,
               CAST(balance_cents AS DOUBLE) / 100 AS balance,
               -- membership follows spending (order count) plus some noise
               {levels} AS member_level,
               tz
        FROM (
            SELECT user_id, reg_off, h_g1, h_g2, h_glen,
                   {_pick("h_surname", _SURNAMES)} AS surname,
                   {_pick("h_gender", _GENDERS)} AS gender,
                   {_pick("h_city", _CITIES)} AS city,
                   {_birthday_sql("h_bkind", "h_bday", anchor)} AS birthday,
                   {balance_cents} AS balance_cents,
                   n_orders + {_below("h_level", 8)} AS score,  -- see _build_membership
                   {_pick("h_tz", _ZONES)} AS tz
            FROM (SELECT user_id, reg_off, n_orders, {hashes} FROM {_P}u)
        )
        ORDER BY user_id
        """
    )


def _build_order_lines(con: duckdb.DuckDBPyConnection, r: _Rand) -> None:
    """Temp table of orders keyed by (user_id, k), numbered by payment time (oseq)."""
    hashes = r.cols(
        "order_",
        "user_id",
        "k",
        *("time", "fav", "brand", "category", "amt", "cents", "home", "store", "coupon"),
        *("channel", "claim"),
    )
    # Standard baskets: 50-450 yuan, mostly small, 5% splurges up to 2,000; premium baskets:
    # 400-8,000 yuan (median ~875; ~2,300 for one-off buyers' big purchases), 15% small add-ons.
    cents = (
        f"CASE WHEN NOT premium AND {_chance('h_amt', 0.95)} "
        f"THEN 5000 + {_below(_bend('h_cents'), 40_001)} "
        f"WHEN NOT premium THEN 45000 + {_below(_sq('h_cents'), 155_001)} "
        f"WHEN period IS NULL AND {_chance('h_amt', 0.85)} "
        f"THEN 40000 + {_below(_sq('h_cents'), 760_001)} "
        f"WHEN {_chance('h_amt', 0.85)} THEN 40000 + {_below(_sq(_sq('h_cents')), 760_001)} "
        f"ELSE 5000 + {_below('h_cents', 25_001)} END"
    )
    coupon = " ".join(
        f"WHEN {level} THEN {_chance('h_coupon', p)}" for level, p in enumerate(_PROMO_COUPON)
    )
    # One-off buyers: anywhere in their window. Repeat buyers: due as _repeat_due(k) says, up
    # to half a gap late but never after lo.
    gap = "CASE WHEN k <= 2 THEN period // 4 ELSE period END"
    due = _repeat_due("k")
    off = (
        f"CASE WHEN period IS NULL THEN lo + {_below('h_time', 'hi - lo + 1')} "
        "WHEN last_off IS NOT NULL THEN last_off + (n_orders - 1 - k) * period "
        "WHEN k = 0 THEN first_off "
        f"ELSE {due} - {_below('h_time', f'LEAST(({gap}) // 2, {due} - lo + 1)')} END"
    )
    # list_contains, not IN (...): DuckDB plans a long IN list as a join.
    offline = _list(_OFFLINE_STORES)
    lines = _fan_out(
        f"{_P}u",
        "n_orders",
        "user_id, lo, hi, period, first_off, last_off, n_orders, premium, promo, fav_brand, "
        "home_store",
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_P}o AS
        SELECT *, row_number() OVER (ORDER BY off DESC, user_id, k) AS oseq
        FROM (
            SELECT user_id, k, off, brand, category, cents, store, has_coupon,
                   CASE WHEN list_contains({offline}, store) THEN 'store'
                        ELSE {_pick("h_channel", _ONLINE_CHANNELS)} END AS channel,
                   -- a used coupon was claimed after registration, <= 30 days before paying
                   off + 1 + {_below("h_claim", f"LEAST({30 * _DAY}, hi - off)")} AS claim_off
            FROM (
                SELECT user_id, k, hi, h_channel, h_claim, {off} AS off,
                       CASE WHEN {_chance("h_fav", 0.5)} THEN fav_brand
                            ELSE {_pick("h_brand", _BRANDS)} END AS brand,
                       {_pick("h_category", _CATEGORIES)} AS category,
                       {cents} AS cents,
                       CASE WHEN {_chance("h_home", 0.6)} THEN home_store
                            ELSE {_pick("h_store", _STORES)} END AS store,
                       CASE promo {coupon} END AS has_coupon
                FROM (SELECT *, {hashes} FROM {lines})
            )
        )
        """
    )


def _build_coupon_lines(con: duckdb.DuckDBPyConnection, r: _Rand) -> None:
    """Temp table of coupons: kind 0 = used by order (user_id, k) numbered oseq, kind 1 =
    still unused (oseq NULL)."""
    spare = _fan_out(f"{_P}u", "n_spare", "user_id, lo, hi")
    spare_hashes = r.cols("spare_", "user_id", "k", "time", "store")
    hashes = r.cols("coupon_", "user_id", "kind * 65536 + k", "new", "type", "face")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_P}c AS
        SELECT *, row_number() OVER (ORDER BY claim_off DESC, user_id, kind, k) AS cseq
        FROM (
            SELECT user_id, kind, k, claim_off, store, oseq,
                   CASE WHEN reg_off - claim_off < {7 * _DAY} AND {_chance("h_new", 0.6)}
                        THEN 'new_user' ELSE {_pick("h_type", _COUPON_TYPES)} END AS coupon_type,
                   {_pick("h_face", _FACE_VALUES, raw=True)} AS face_value
            FROM (
                SELECT c.*, u.reg_off, {hashes}
                FROM (
                    SELECT user_id, 0 AS kind, k, claim_off, store, oseq
                    FROM {_P}o WHERE has_coupon
                    UNION ALL
                    SELECT user_id, 1, k, {_in_window("h_time")}, {_pick("h_store", _STORES)},
                           NULL
                    FROM (SELECT *, {spare_hashes} FROM {spare})
                ) c JOIN {_P}u u USING (user_id)
            )
        )
        """
    )


def _build_orders_and_coupons(con: duckdb.DuckDBPyConnection, r: _Rand, anchor_us: int) -> None:
    """Orders and coupons together: a used coupon and its order must point at each other."""
    _build_order_lines(con, r)
    _build_coupon_lines(con, r)
    # Plain equi-joins only: an extra `c.kind = 0` in a LEFT JOIN's ON clause makes DuckDB 1.1
    # fall back to a nested-loop join (minutes instead of milliseconds).
    con.execute(
        f"""
        CREATE OR REPLACE TABLE orders AS
        SELECT printf('O%08d', o.oseq) AS order_id, o.user_id,
               {_ts("o.off", anchor_us)} AS paid_at, o.brand, o.category,
               CAST(o.cents AS DOUBLE) / 100 AS amount,
               printf('C%08d', c.cseq) AS coupon_id, o.store, o.channel
        FROM {_P}o o LEFT JOIN {_P}c c ON c.oseq = o.oseq
        ORDER BY o.oseq
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE coupons AS
        SELECT printf('C%08d', c.cseq) AS coupon_id, c.user_id,
               {_ts("c.claim_off", anchor_us)} AS claimed_at, c.coupon_type,
               CAST(c.face_value AS DOUBLE) AS face_value, c.store,
               printf('O%08d', c.oseq) AS used_order_id
        FROM {_P}c c
        ORDER BY c.cseq
        """
    )


def _build_events(con: duckdb.DuckDBPyConnection, r: _Rand, anchor_us: int) -> None:
    # Follow-up events (add_cart, push_click) come shortly after their trigger, so they only
    # exist when the trigger leaves room before the anchor (off > gap).
    visit_hashes = r.cols("visit_", "user_id", "k", "time", "channel", "cart", "cart_gap")
    # Visit 0 of an active user lands in the last 90 days, so ~80% of users are recently
    # active; the other visits follow the recency-biased window draw.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_P}v AS
        SELECT user_id, off, channel,
               CASE WHEN off > 1801 AND {_chance("h_cart", 0.15)}
                    THEN off - 1 - {_below("h_cart_gap", 1800)} END AS cart_off
        FROM (
            SELECT user_id, h_cart, h_cart_gap,
                   CASE WHEN k = 0 AND lo = 1 THEN 1 + {_below("h_time", f"LEAST(hi, {90 * _DAY})")}
                        ELSE {_in_window("h_time")} END AS off,
                   {_pick("h_channel", _CHANNELS)} AS channel
            FROM (SELECT *, {visit_hashes} FROM {_fan_out(f"{_P}u", "n_visits", "user_id, lo, hi")})
        )
        """
    )
    push_hashes = r.cols("push_", "user_id", "k", "time", "channel", "click", "click_gap")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_P}p AS
        SELECT user_id, off, channel,
               CASE WHEN off > 3601 AND {_chance("h_click", 0.12)}
                    THEN off - 1 - {_below("h_click_gap", 3600)} END AS click_off
        FROM (
            SELECT user_id, h_click, h_click_gap, 1 + {_below("h_time", "hi")} AS off,
                   {_pick("h_channel", _PUSH_CHANNELS)} AS channel
            FROM (SELECT *, {push_hashes} FROM {_fan_out(f"{_P}u", "n_push", "user_id, hi")})
        )
        """
    )
    reg_hash = r.cols("register_", "user_id", "0", "channel")
    claim_hash = r.cols("claim_", "user_id", "kind * 65536 + k", "channel")
    con.execute(
        f"""
        CREATE OR REPLACE TABLE events AS
        SELECT user_id, {_ts("off", anchor_us)} AS ts, name, channel
        FROM (
            SELECT user_id, reg_off AS off, 'register' AS name,
                   {_pick("h_channel", _CHANNELS)} AS channel
            FROM (SELECT user_id, reg_off, {reg_hash} FROM {_P}u)
            UNION ALL
            SELECT user_id, off, 'visit', channel FROM {_P}v
            UNION ALL
            SELECT user_id, cart_off, 'add_cart', channel FROM {_P}v WHERE cart_off IS NOT NULL
            UNION ALL
            SELECT user_id, off, 'push_sent', channel FROM {_P}p
            UNION ALL
            SELECT user_id, click_off, 'push_click', channel FROM {_P}p
            WHERE click_off IS NOT NULL
            UNION ALL
            SELECT user_id, claim_off, 'coupon_claim', {_pick("h_channel", _CHANNELS)}
            FROM (SELECT user_id, claim_off, {claim_hash} FROM {_P}c)
        )
        ORDER BY user_id, ts, name, channel NULLS LAST
        """
    )


def _build_membership(con: duckdb.DuckDBPyConnection, r: _Rand, anchor_us: int) -> None:
    """membership_history: one row per level a member held, `valid_to` NULL for the current
    one. A member starts `normal` at registration and moves up with the order that lifts
    their score (orders so far plus the bonus users.member_level uses) to a level's
    threshold, so the current version is users.member_level."""
    bonus = _below(r.h("users_level", "user_id"), 8)
    thresholds = ", ".join(
        f"({_lit(name)}, {rank}, {threshold})"
        for rank, (name, threshold) in enumerate(_LEVELS, start=1)
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE membership_history AS
        SELECT user_id, level, {_ts("start_off", anchor_us)} AS valid_from,
               {_ts("lead(start_off) OVER (PARTITION BY user_id ORDER BY rank)", anchor_us)}
                   AS valid_to
        FROM (
            SELECT user_id, 'normal' AS level, 0 AS rank, reg_off AS start_off FROM {_P}u
            UNION ALL
            SELECT b.user_id, t.level, t.rank, o.off
            FROM (SELECT user_id, {bonus} AS bonus FROM {_P}u) b
            CROSS JOIN (VALUES {thresholds}) t(level, rank, threshold)
            JOIN (
                SELECT user_id, off,
                       row_number() OVER (PARTITION BY user_id ORDER BY off DESC, k) AS nth
                FROM {_P}o
            ) o ON o.user_id = b.user_id AND o.nth = t.threshold - b.bonus
        )
        ORDER BY user_id, valid_from
        """
    )


def _unique(r: _Rand, kind: str, key: str) -> str:
    """A 32-bit value, different for every key < 2**32 of one kind: xor with a salt and
    lowbias32 are both bijections of 32-bit words."""
    return f"{_P}h32(xor(CAST({key} AS UBIGINT), {_u32(r.salt('id_' + kind))}))"


def _openid(r: _Rand, key: str) -> str:
    """WeChat openid text ('o' and 16 hex digits) of an openid key (NULL stays NULL)."""
    return f"printf('o%08x%08x', {_unique(r, 'openid', key)}, {r.h('openid_pad', key)})"


def _device_id(r: _Rand, key: str) -> str:
    """Device ID text (like an advertising ID, 8-4-4 hex digits) of a device key."""
    pad = r.h("device_pad", key)
    return (
        f"printf('%08X-%04X-%04X', {_unique(r, 'device', key)}, ({pad}) >> 16, "
        f"({pad}) & {_u32(0xFFFF)})"
    )


def _build_identity(con: duckdb.DuckDBPyConnection, r: _Rand, anchor_us: int, users: int) -> None:
    """wechat_bindings (member number -> openid, when bound) and app_events (the app's device
    log: device ID, the openid of a logged-in session, time, action).

    Keys: a member's openid is key user_id, their second WeChat account 1 * _NS + user_id, a
    relative's 2 * _NS + user_id, an anonymous app user's 3 * _NS + i; a member's device d is
    _NS + 4 * user_id + d, a shared device 2 * _NS + s, an anonymous one 3 * _NS + i.
    """
    member_hashes = r.cols(
        "id_",
        "user_id",
        "0",
        *("binds", "when", "bind", "second", "second_time", "app", "devices", "split"),
        "family",
    )
    campaign = _CAMPAIGN_DAYS * _DAY
    at_registration = f"reg_off - 60 - {_below('h_bind', 600)}"
    bind_off = (
        f"CASE {_pick('h_when', _BIND_WHEN, raw=True)} WHEN 0 THEN {at_registration} "
        f"WHEN 1 THEN 1 + {_below(_bend('h_bind'), 'reg_off - 1')} "
        f"ELSE CASE WHEN reg_off > {campaign} THEN 1 + {_below('h_bind', campaign - 1)} "
        f"ELSE {at_registration} END END"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_P}m AS
        SELECT *,
               CASE WHEN bind_off > 1 AND {_chance("h_second", _SECOND_OPENID)}
                    THEN 1 + {_below("h_second_time", "bind_off - 1")} END AS second_off
        FROM (
            SELECT user_id, reg_off, lo, hi, n_visits, h_second, h_second_time,
                   CASE WHEN {_chance("h_binds", _BINDERS)} THEN {bind_off} END AS bind_off,
                   CASE WHEN {_chance("h_app", _APP_MEMBERS)}
                        THEN {_pick("h_devices", _DEVICES, raw=True)} ELSE 0 END AS n_dev,
                   lo + 1 + {_below("h_split", "hi - lo")} AS split,
                   {_chance("h_family", _FAMILY_TABLET)} AS family
            FROM (SELECT *, {member_hashes} FROM {_P}u)
        )
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE wechat_bindings AS
        SELECT user_id, {_openid(r, "okey")} AS openid, {_ts("off", anchor_us)} AS bound_at
        FROM (
            SELECT user_id, user_id AS okey, bind_off AS off FROM {_P}m
            WHERE bind_off IS NOT NULL
            UNION ALL
            SELECT user_id, {_NS} + user_id, second_off FROM {_P}m WHERE second_off IS NOT NULL
        )
        ORDER BY bound_at, user_id, openid
        """
    )
    # A member's devices: a phone (used all along, or until a new phone replaced it at
    # `split`) and a tablet, each with sessions in its own part of the member's window.
    device_hashes = r.cols("device_", "user_id", "k", "sessions")
    devices = _fan_out(f"{_P}m", "n_dev", "user_id, lo, hi, n_visits, split, n_dev, family")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_P}d AS
        SELECT user_id, d, dlo, dhi, family AND d = 2 AS family_tablet,
               LEAST(CASE WHEN d = 2 THEN 1 + {_below("h_sessions", "1 + n_visits // 3")}
                          ELSE 1 + n_visits * (dhi - dlo + 1) // (hi - lo + 1) // 2
                               + {_below("h_sessions", 3)} END, {_MAX_CHILDREN}) AS n_sessions
        FROM (
            SELECT user_id, k AS d, lo, hi, n_visits, family, h_sessions,
                   CASE WHEN n_dev > 1 AND k = 0 THEN split ELSE lo END AS dlo,
                   CASE WHEN n_dev > 1 AND k = 1 THEN split - 1 ELSE hi END AS dhi
            FROM (SELECT *, {device_hashes} FROM {devices})
        )
        """
    )
    # Shared devices: s < tablets are counter tablets, s = tablets the store demo device.
    # Their logins are by distinct members (consecutive numbers from a random start), each
    # after registering; as many anonymous sessions again.
    tablets = min(len(_OFFLINE_STORES), users // _MEMBERS_PER_TABLET)
    logins = [min(30 + users // 400, _MAX_CHILDREN)] * tablets
    if users > _SHARED_ABOVE:
        logins.append(min(users, 40 + users // 200, _MAX_CHILDREN))
    shared = ", ".join(f"({s}, {n})" for s, n in enumerate(logins)) or "(0, 0)"
    shared_devices = f"(VALUES {shared}) t(s, logins)"
    member_sessions = _fan_out(f"{_P}d", "n_sessions", "user_id, d, dlo, dhi, family_tablet")
    session_hashes = r.cols("session_", "user_id * 4 + d", "k", "time", "login", "relative")
    login_hashes = r.cols("login_", "s", "k", "time")
    start = _below(r.h("shared_start", "s"), max(users, 1))
    shared_hashes = r.cols("shared_", "s", "k", "time")
    anonymous = (
        f"(SELECT i, 1 + {_below(_sq('h_sessions'), 8)} AS n_sessions, "
        f"{_chance('h_wechat', _ANONYMOUS_WECHAT)} AS wechat "
        f"FROM (SELECT i, {r.cols('anonymous_', 'i', '0', 'sessions', 'wechat')} "
        f"FROM range(1, {users // _ANONYMOUS_DEVICES + 1}) t(i)))"
    )
    anonymous_hashes = r.cols("anonymous_session_", "i", "k", "time", "login")
    logged_in = _chance("h_login", _LOGGED_IN)
    two_years = 730 * _DAY
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_P}s AS
        SELECT {_NS} + 4 * user_id + d AS dkey, k AS sk,
               CASE WHEN NOT {logged_in} THEN NULL
                    WHEN family_tablet AND {_chance("h_relative", _RELATIVE_SESSION)}
                    THEN {2 * _NS} + user_id ELSE user_id END AS okey,
               dlo + {_below(_bend("h_time"), "dhi - dlo + 1")} AS off
        FROM (SELECT *, {session_hashes} FROM {member_sessions})
        UNION ALL
        SELECT {2 * _NS} + l.s, l.k, l.user_id, 1 + {_below("l.h_time", "u.reg_off - 1")}
        FROM (
            SELECT s, k, h_time, 1 + (start + k) % {max(users, 1)} AS user_id
            FROM (SELECT *, {login_hashes}, {start} AS start
                  FROM {_fan_out(shared_devices, "logins", "s")})
        ) l JOIN {_P}u u USING (user_id)
        UNION ALL
        SELECT {2 * _NS} + s, {_MAX_CHILDREN} + k, NULL, 1 + {_below(_bend("h_time"), two_years)}
        FROM (SELECT *, {shared_hashes} FROM {_fan_out(shared_devices, "logins // 2", "s")})
        UNION ALL
        SELECT {3 * _NS} + i, k, CASE WHEN wechat AND {logged_in} THEN {3 * _NS} + i END,
               1 + {_below(_bend("h_time"), two_years)}
        FROM (SELECT *, {anonymous_hashes} FROM {_fan_out(anonymous, "n_sessions", "i, wechat")})
        """
    )
    # A session opens the app, then 0-5 actions a minute or two apart, all in one category
    # (dropped if that would be at or after the anchor).
    low, high = f"dkey & {_NS - 1}", "(dkey >> 30) * 2048 + sk"
    session_draws = f"(SELECT *, {r.cols('app_session_', low, high, 'n', 'cat')} FROM {_P}s)"
    actions = _fan_out(
        f"(SELECT *, {_below(_sq('h_n'), 6)} AS n_actions FROM {session_draws})",
        "n_actions",
        "dkey, okey, off, sk, h_cat",
    )
    action_hashes = r.cols("app_action_", low, f"({high}) * 8 + k", "action", "gap")
    con.execute(
        f"""
        CREATE OR REPLACE TABLE app_events AS
        SELECT {_device_id(r, "dkey")} AS device_id, {_openid(r, "okey")} AS openid,
               {_ts("off", anchor_us)} AS ts, name, category
        FROM (
            SELECT dkey, okey, off, 'app_open' AS name, NULL AS category FROM {_P}s
            UNION ALL
            SELECT dkey, okey, off - (k + 1) * 60 - {_below("h_gap", 60)}, name,
                   CASE WHEN name IN ('view_product', 'add_cart')
                        THEN {_pick("h_cat", _CATEGORIES)} END
            FROM (
                SELECT *, {_pick("h_action", _APP_ACTIONS)} AS name
                FROM (SELECT *, {action_hashes} FROM {actions})
            )
        )
        WHERE off >= 1
        ORDER BY device_id, ts, name, openid NULLS LAST, category NULLS LAST
        """
    )


def _stage(prev: str, h: str, p: float, gap: str) -> str:
    """Funnel step: reached with probability p given `prev`, `gap` seconds later, and only
    if that is still before the anchor (offset >= 1)."""
    return (
        f"CASE WHEN {prev} IS NOT NULL AND {_chance(h, p)} AND {prev} - ({gap}) >= 1 "
        f"THEN {prev} - ({gap}) END"
    )


def _build_nev(con: duckdb.DuckDBPyConnection, r: _Rand, anchor_us: int, leads: int) -> None:
    """NEV lead funnel; each stage is an offset that shrinks (later time) along the funnel."""
    hashes = r.cols(
        "nev_",
        "lead_id",
        "0",
        *("created", "surname", "g1", "g2", "glen", "city", "source", "model", "store", "as"),
        *("as_n", "sv", "sv_gap", "wc", "wc_gap", "td", "td_gap", "switch", "model2"),
        *("dep", "dep_kind", "dep_gap", "del", "del_gap"),
    )
    chars = _list(list(_GIVEN_F + _GIVEN_M))
    deposit_gap = (
        f"CASE WHEN {_chance('h_dep_kind', 0.8)} THEN {7 * _DAY} + {_below('h_dep_gap', 7 * _DAY)}"
        f" ELSE {_DAY} + {_below('h_dep_gap', 6 * _DAY)} END"
    )
    visit_gap = f"3600 + {_below('h_sv_gap', 21 * _DAY)}"
    wecom_gap = f"600 + {_below('h_wc_gap', 7 * _DAY)}"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_P}l AS
        SELECT *,
               {_stage("dep_off", "h_del", 0.85, f"{30 * _DAY} + {_below('h_del_gap', 60 * _DAY)}")}
                   AS del_off
        FROM (
            SELECT *, {_stage("td_off", "h_dep", 0.36, deposit_gap)} AS dep_off
            FROM (
                SELECT *,
                       {_stage("sv_off", "h_td", 0.5, f"1800 + {_below('h_td_gap', 7 * _DAY)}")}
                           AS td_off,
                       CASE WHEN {_chance("h_switch", 0.2)} THEN {_pick("h_model2", _NEV_MODELS)}
                            ELSE intended_model END AS td_model
                FROM (
                    SELECT *,
                           {_stage("created_off", "h_sv", 0.6, visit_gap)} AS sv_off,
                           {_stage("created_off", "h_wc", 0.45, wecom_gap)} AS wc_off
                    FROM (
                        SELECT *,
                               3600 + {_below("h_created", 365 * _DAY - 3600)} AS created_off,
                               {_pick("h_surname", _SURNAMES)}
                                   || ({chars})[1 + {_below("h_g1", len(_GIVEN_F + _GIVEN_M))}]
                                   || CASE WHEN {_chance("h_glen", 0.6)}
                                      THEN ({chars})[1 + {_below("h_g2", len(_GIVEN_F + _GIVEN_M))}]
                                      ELSE '' END AS name,
                               {_pick("h_city", _NEV_CITIES)} AS city,
                               {_pick("h_source", _NEV_SOURCES)} AS source_channel,
                               {_pick("h_model", _NEV_MODELS)} AS intended_model,
                               {_pick("h_store", _NEV_STORES)} AS store,
                               CASE WHEN {_chance("h_as", 0.85)} THEN 1 + {_below("h_as_n", 3)}
                                    ELSE 0 END AS n_after
                        FROM (SELECT lead_id, {hashes} FROM range(1, {leads + 1}) t(lead_id))
                    )
                )
            )
        )
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE nev_leads AS
        SELECT lead_id, name, city, source_channel, intended_model,
               {_ts("created_off", anchor_us)} AS created_at
        FROM {_P}l ORDER BY lead_id
        """
    )
    after = _fan_out(f"{_P}l", "n_after", "lead_id, del_off, store, td_model")
    after_hash = r.cols("nev_after_", "lead_id", "k", "gap")
    con.execute(
        f"""
        CREATE OR REPLACE TABLE nev_events AS
        SELECT lead_id, {_ts("off", anchor_us)} AS ts, stage, store, channel, model
        FROM (
            SELECT lead_id, created_off AS off, 'lead' AS stage, NULL AS store,
                   source_channel AS channel, intended_model AS model FROM {_P}l
            UNION ALL
            SELECT lead_id, wc_off, 'add_wecom', NULL, 'wecom', intended_model
            FROM {_P}l WHERE wc_off IS NOT NULL
            UNION ALL
            SELECT lead_id, sv_off, 'store_visit', store, 'store', intended_model
            FROM {_P}l WHERE sv_off IS NOT NULL
            UNION ALL
            SELECT lead_id, td_off, 'test_drive', store, 'store', td_model
            FROM {_P}l WHERE td_off IS NOT NULL
            UNION ALL
            SELECT lead_id, dep_off, 'deposit', store, 'store', td_model
            FROM {_P}l WHERE dep_off IS NOT NULL
            UNION ALL
            SELECT lead_id, del_off, 'delivery', store, 'store', td_model
            FROM {_P}l WHERE del_off IS NOT NULL
            UNION ALL
            -- service visits 3..120 days after delivery; future ones are dropped below
            SELECT lead_id, del_off - {3 * _DAY} - {_below("h_gap", 117 * _DAY)}, 'after_sales',
                   store, 'store', td_model
            FROM (SELECT *, {after_hash} FROM {after} WHERE del_off IS NOT NULL)
        )
        WHERE off >= 1
        ORDER BY lead_id, ts, stage, store NULLS LAST, channel NULLS LAST, model NULLS LAST
        """
    )


def _drop_temps(con: duckdb.DuckDBPyConnection) -> None:
    for t in ("fan", "u", "o", "c", "v", "p", "l", "m", "d", "s", "pt"):
        con.execute(f"DROP TABLE IF EXISTS temp.{_P}{t}")
    for m in ("h32", "mul", "xs"):
        con.execute(f"DROP MACRO IF EXISTS temp.{_P}{m}")


# Coupon issuance (examples/retail/reports.segl): every claimed coupon was issued before its
# claim, and others were issued and never claimed, less often the bigger the face value
# (the claim rate's denominator). The price test (SPEC §2.8, examples/retail's `price_test`)
# began _PRICE_TEST_DAYS before the anchor: the buyers who had lapsed then (an order in the
# year before, none in the 90 days before the test) are split by bucket(member, salt) as the
# experiment declares (control 10%: nothing; five_off 45%: a 5-off coupon; ten_off 45%: a
# 10-off one), and whether a coupon is claimed and redeemed depends on its arm.
_UNCLAIMED: tuple[tuple[float, float], ...] = ((5, 0.5), (10, 0.4), (20, 0.3), (50, 0.2))
_PRICE_TEST_SALT = "price-test-2026-10"
_PRICE_TEST_DAYS = 30
_PRICE_TEST_ARMS: tuple[tuple[str, float, int, float, float], ...] = (
    # arm, bucket below, face value, P(claimed), P(redeemed | claimed)
    ("control", 0.10, 0, 0.0, 0.0),
    ("five_off", 0.55, 5, 0.35, 0.30),
    ("ten_off", 1.00, 10, 0.55, 0.50),
)


def _price_test_bucket(user: str) -> str:
    """SPEC §3.3's bucket of a member number, as segl's DuckDB SQL computes it (the person
    key of a member is its bare number)."""
    key = exp.Cast(this=exp.column(user), to=exp.DataType.build("VARCHAR"))
    duckdb_sql = get_target("duckdb")
    bucket = bucket_of_text(duckdb_sql, exp.Literal.string(_PRICE_TEST_SALT), key)
    return render(bucket, duckdb_sql, pretty=False)


def _build_coupon_issues(con: duckdb.DuckDBPyConnection, r: _Rand, anchor_us: int) -> None:
    """`coupon_issues`: the claimed coupons' issues, the unclaimed ones, the price test's."""
    start = _PRICE_TEST_DAYS * _DAY
    unclaimed = " ".join(f"WHEN face_value <= {face} THEN {p}" for face, p in _UNCLAIMED)
    arm = " ".join(f"WHEN bucket < {below} THEN '{name}'" for name, below, *_ in _PRICE_TEST_ARMS)
    face = " ".join(f"WHEN '{name}' THEN {value}" for name, _, value, _, _ in _PRICE_TEST_ARMS)
    claims = " ".join(f"WHEN '{name}' THEN {p}" for name, _, _, p, _ in _PRICE_TEST_ARMS)
    redeems = " ".join(f"WHEN '{name}' THEN {p}" for name, *_, p in _PRICE_TEST_ARMS)
    issue_hashes = r.cols("issue_", "cseq", "0", "lead", "unclaimed")
    test_hashes = r.cols("ptest_", "user_id", "0", "issued", "claimed", "redeemed", "gap")
    anchor = f"make_timestamp({anchor_us})"
    test_start = f"{anchor} - INTERVAL {_PRICE_TEST_DAYS} DAY"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_P}pt AS
        SELECT user_id, arm, {_below("h_issued", 12 * 3600)} AS issued_gap,
               h_claimed / {float(_TWO32)} < (CASE arm {claims} END) AS claimed,
               h_redeemed / {float(_TWO32)} < (CASE arm {redeems} END) AS redeemed,
               {_below("h_gap", (_PRICE_TEST_DAYS - 2) * _DAY)} AS use_gap,
               CASE arm {face} END AS face_value
        FROM (
            SELECT user_id, CASE {arm} END AS arm, {test_hashes}
            FROM (
                SELECT user_id, {_price_test_bucket("user_id")} AS bucket
                FROM orders
                GROUP BY user_id
                HAVING count(*) FILTER (WHERE paid_at >= {anchor} - INTERVAL 365 DAY
                                        AND paid_at < {anchor} - INTERVAL 120 DAY) > 0
                   AND count(*) FILTER (WHERE paid_at >= {anchor} - INTERVAL 120 DAY
                                        AND paid_at < {test_start}) = 0
            )
        )
        WHERE arm <> 'control'
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE coupon_issues AS
        SELECT printf('I%08d', row_number() OVER (
                   ORDER BY issued_at, user_id, campaign, claimed_at NULLS LAST,
                            used_at NULLS LAST, coupon_type, face_value)) AS issue_id,
               user_id, issued_at, campaign, coupon_type, face_value, claimed_at, used_at
        FROM (
            SELECT c.user_id, c.claimed_at - to_seconds({_below("h_lead", 3 * _DAY)})
                       AS issued_at,
                   'store' AS campaign, c.coupon_type, c.face_value, c.claimed_at,
                   o.paid_at AS used_at
            FROM (SELECT *, {issue_hashes}
                  FROM (SELECT *, CAST(substr(coupon_id, 2) AS BIGINT) AS cseq FROM coupons)) c
            LEFT JOIN orders o ON o.order_id = c.used_order_id
            UNION ALL
            SELECT c.user_id, c.claimed_at - to_seconds({_below("h_lead", 3 * _DAY)}),
                   'store', c.coupon_type, c.face_value, NULL, NULL
            FROM (SELECT *, {issue_hashes}
                  FROM (SELECT *, CAST(substr(coupon_id, 2) AS BIGINT) AS cseq FROM coupons)) c
            WHERE h_unclaimed / {float(_TWO32)} < (CASE {unclaimed} ELSE 0.1 END)
            UNION ALL
            SELECT user_id, {_ts(f"{start} - issued_gap", anchor_us)}, 'price_test',
                   'full_reduction', CAST(face_value AS DOUBLE),
                   CASE WHEN claimed THEN {_ts(f"{start} - issued_gap - 3600", anchor_us)} END,
                   CASE WHEN claimed AND redeemed
                        THEN {_ts(f"{start} - issued_gap - 7200 - use_gap", anchor_us)} END
            FROM {_P}pt
        )
        ORDER BY issue_id
        """
    )


def build_demo_warehouse(
    con: duckdb.DuckDBPyConnection,
    *,
    users: int = 100_000,
    seed: int = 20261101,
    anchor: datetime.datetime = DEMO_ANCHOR,
) -> dict[str, int]:
    """Create (or replace) the demo tables in `con`; return {table: row_count}.

    Deterministic: same arguments -> byte-identical tables, whatever the DuckDB version or
    thread count. All timestamps are naive and strictly before `anchor`.
    """
    if anchor.tzinfo is not None:
        raise ValueError("anchor must be a naive datetime (tables use TIMESTAMP, not TIMESTAMPTZ)")
    if not 0 <= users <= 50_000_000:
        raise ValueError(f"users must be in 0..50_000_000, got {users}")
    anchor_us = (anchor - datetime.datetime(1970, 1, 1)) // datetime.timedelta(microseconds=1)
    r = _Rand(seed)
    _setup(con)
    try:
        _build_user_latents(con, r, users)
        _build_users(con, r, anchor_us, anchor.date())
        _build_orders_and_coupons(con, r, anchor_us)
        _build_coupon_issues(con, r, anchor_us)
        _build_membership(con, r, anchor_us)
        _build_events(con, r, anchor_us)
        _build_identity(con, r, anchor_us, users)
        _build_nev(con, r, anchor_us, users // 5)
    finally:
        _drop_temps(con)
    return dict(describe_demo_warehouse(con))


def describe_demo_warehouse(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """(table, row_count) for every demo table, in DEMO_TABLES order."""
    out: list[tuple[str, int]] = []
    for table in DEMO_TABLES:
        # fetchall() (not fetchone) so no half-read result is left open on the connection.
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()
        out.append((table, int(rows[0][0])))
    return out

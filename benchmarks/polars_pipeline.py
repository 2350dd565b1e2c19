"""The benchmark workload (benchmarks/workload) hand-written in polars, as a speed-minded
polars user would write it: one lazy group_by per event source with filtered aggregates,
window bounds as datetime literals computed in Python, and the as-of cut pushed down
into each scan. Segl's semantics (docs/semantics.md) are reproduced exactly: counts and
sums of no events are 0, avg/max are null, division by zero is null, and a segment or
layer condition selects only users for whom it is true (polars uses the same Kleene
logic as SQL for `&`, `|`, comparisons and `is_in` on nulls).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from polars import col

Frame = pl.LazyFrame | pl.DataFrame

MICROS_PER_DAY = 86_400_000_000

# The 60 tags in workload order (tags_profile, tags_events, tags_orders, tags_derived).
PROFILE_TAGS = ["gender", "home_city", "age", "member_level", "balance", "tenure_days"]
EVENT_TAGS = [
    "visits_7d",
    "visits_30d",
    "visits_90d",
    "visits_180d",
    "visits_365d",
    "app_visits_30d",
    "app_visits_90d",
    "mini_visits_90d",
    "weekend_visits_90d",
    "evening_visits_30d",
    "add_carts_7d",
    "add_carts_30d",
    "add_carts_90d",
    "push_sent_30d",
    "push_sent_90d",
    "push_clicks_30d",
    "push_clicks_90d",
    "coupon_claims_30d",
    "coupon_claims_90d",
    "events_30d",
    "active_days_30d",
    "last_visit_at",
]
ORDER_TAGS = [
    "purchases",
    "last_order_at",
    "purchases_30d",
    "purchases_90d",
    "purchases_180d",
    "purchases_365d",
    "spend_30d",
    "spend_90d",
    "spend_180d",
    "spend_365d",
    "avg_order_180d",
    "max_order_365d",
    "coupon_orders_180d",
    "online_orders_90d",
    "store_orders_180d",
    "skincare_spend_180d",
    "makeup_orders_180d",
    "fragrance_orders_365d",
    "shiseido_orders_90d",
    "lancome_orders_180d",
    "luxury_spend_365d",
    "orders_prev_quarter",
    "big_orders_365d",
]
DERIVED_TAGS = [
    "coupon_share_180d",
    "days_since_last_order",
    "days_since_last_visit",
    "push_ctr_90d",
    "cart_conversion_30d",
    "spend_trend_90d",
    "visit_conversion_90d",
    "luxury_share_365d",
    "is_vip",
]
TAGS = [*PROFILE_TAGS, *EVENT_TAGS, *ORDER_TAGS, *DERIVED_TAGS]
# max/avg of no events are null; every other aggregate (count, count_distinct, sum) is 0.
NULL_WITHOUT_EVENTS = {"last_visit_at", "last_order_at", "avg_order_180d", "max_order_365d"}
# Helper column (not a tag) for skincare_only; see segment_exprs.
NON_SKINCARE_SPEND = "_non_skincare_spend_180d"
ZERO_WITHOUT_EVENTS = [
    *(tag for tag in EVENT_TAGS + ORDER_TAGS if tag not in NULL_WITHOUT_EVENTS),
    NON_SKINCARE_SPEND,
]
LAYERINGS = ["lifecycle", "value_quadrant", "promo_sensitivity"]


@dataclass
class PolarsResult:
    tags: pl.DataFrame  # user_id + the 60 tags
    members: pl.DataFrame  # segment, user_id: one row per membership
    layers: pl.DataFrame  # layering, user_id, layer


def days_before(as_of: dt.datetime, days: int) -> dt.datetime:
    """Start of `in last N days`: windows are [as_of - N days, as_of)."""
    return as_of - dt.timedelta(days=days)


def days_since(as_of: dt.datetime, timestamp: pl.Expr) -> pl.Expr:
    # Floor division of microseconds so that future instants round toward minus infinity.
    return (pl.lit(as_of) - timestamp).dt.total_microseconds() // MICROS_PER_DAY


def ratio(numerator: str, denominator: str) -> pl.Expr:
    """segl's `/`: true division, null when the denominator is 0 (never inf or NaN)."""
    return pl.when(col(denominator) != 0).then(col(numerator) / col(denominator))


def visible(events: Frame, time_column: str, as_of: dt.datetime) -> pl.LazyFrame:
    """Events at or after as-of (and events without a time) are invisible."""
    return events.lazy().filter(col(time_column) < as_of)


def order_aggregates(orders: Frame, as_of: dt.datetime) -> pl.LazyFrame:
    paid_at, amount = col("paid_at"), col("amount")
    in_30d = paid_at >= days_before(as_of, 30)
    in_90d = paid_at >= days_before(as_of, 90)
    in_180d = paid_at >= days_before(as_of, 180)
    in_365d = paid_at >= days_before(as_of, 365)
    prev_quarter = in_180d & (paid_at < days_before(as_of, 90))
    return (
        visible(orders, "paid_at", as_of)
        .group_by("user_id")
        .agg(
            pl.len().alias("purchases"),
            paid_at.max().alias("last_order_at"),
            in_30d.sum().alias("purchases_30d"),
            in_90d.sum().alias("purchases_90d"),
            in_180d.sum().alias("purchases_180d"),
            in_365d.sum().alias("purchases_365d"),
            amount.filter(in_30d).sum().alias("spend_30d"),
            amount.filter(in_90d).sum().alias("spend_90d"),
            amount.filter(in_180d).sum().alias("spend_180d"),
            amount.filter(in_365d).sum().alias("spend_365d"),
            amount.filter(in_180d).mean().alias("avg_order_180d"),
            amount.filter(in_365d).max().alias("max_order_365d"),
            (in_180d & col("coupon_id").is_not_null()).sum().alias("coupon_orders_180d"),
            (in_90d & col("channel").is_in(["app", "mini_program", "h5"]))
            .sum()
            .alias("online_orders_90d"),
            (in_180d & (col("channel") == "store")).sum().alias("store_orders_180d"),
            amount.filter(in_180d & (col("category") == "skincare"))
            .sum()
            .alias("skincare_spend_180d"),
            (in_180d & (col("category") == "makeup")).sum().alias("makeup_orders_180d"),
            (in_365d & (col("category") == "fragrance")).sum().alias("fragrance_orders_365d"),
            (in_90d & (col("brand") == "Shiseido")).sum().alias("shiseido_orders_90d"),
            (in_180d & (col("brand") == "Lancome")).sum().alias("lancome_orders_180d"),
            amount.filter(in_180d & col("category").ne_missing("skincare"))
            .sum()
            .alias(NON_SKINCARE_SPEND),
            amount.filter(in_365d & col("brand").is_in(["SK-II", "Estee Lauder", "Lancome"]))
            .sum()
            .alias("luxury_spend_365d"),
            prev_quarter.sum().alias("orders_prev_quarter"),
            (in_365d & (amount >= 1000)).sum().alias("big_orders_365d"),
        )
    )


def event_aggregates(events: Frame, as_of: dt.datetime) -> pl.LazyFrame:
    ts, name, channel = col("ts"), col("name"), col("channel")
    in_7d = ts >= days_before(as_of, 7)
    in_30d = ts >= days_before(as_of, 30)
    in_90d = ts >= days_before(as_of, 90)
    in_180d = ts >= days_before(as_of, 180)
    in_365d = ts >= days_before(as_of, 365)
    visit, add_cart = name == "visit", name == "add_cart"
    push_sent, push_click = name == "push_sent", name == "push_click"
    coupon_claim = name == "coupon_claim"
    # A null name or channel makes a filter null, and sum() skips nulls: the event is
    # not counted, exactly as segl's `where` keeps only events where it is true.
    return (
        visible(events, "ts", as_of)
        .group_by("user_id")
        .agg(
            (visit & in_7d).sum().alias("visits_7d"),
            (visit & in_30d).sum().alias("visits_30d"),
            (visit & in_90d).sum().alias("visits_90d"),
            (visit & in_180d).sum().alias("visits_180d"),
            (visit & in_365d).sum().alias("visits_365d"),
            (visit & (channel == "app") & in_30d).sum().alias("app_visits_30d"),
            (visit & (channel == "app") & in_90d).sum().alias("app_visits_90d"),
            (visit & (channel == "mini_program") & in_90d).sum().alias("mini_visits_90d"),
            (visit & (ts.dt.weekday() >= 6) & in_90d).sum().alias("weekend_visits_90d"),
            (visit & (ts.dt.hour() >= 20) & in_30d).sum().alias("evening_visits_30d"),
            (add_cart & in_7d).sum().alias("add_carts_7d"),
            (add_cart & in_30d).sum().alias("add_carts_30d"),
            (add_cart & in_90d).sum().alias("add_carts_90d"),
            (push_sent & in_30d).sum().alias("push_sent_30d"),
            (push_sent & in_90d).sum().alias("push_sent_90d"),
            (push_click & in_30d).sum().alias("push_clicks_30d"),
            (push_click & in_90d).sum().alias("push_clicks_90d"),
            (coupon_claim & in_30d).sum().alias("coupon_claims_30d"),
            (coupon_claim & in_90d).sum().alias("coupon_claims_90d"),
            in_30d.sum().alias("events_30d"),
            ts.dt.date().filter(in_30d).n_unique().alias("active_days_30d"),
            ts.filter(visit).max().alias("last_visit_at"),
        )
    )


def profile_tags(users: Frame, as_of: dt.datetime) -> pl.LazyFrame:
    birthday = col("birthday")
    # dt.month()/dt.day() are Int8: widen before month * 100 overflows.
    month_day = birthday.dt.month().cast(pl.Int32) * 100 + birthday.dt.day()
    birthday_later_in_year = month_day > as_of.month * 100 + as_of.day
    city = col("city")
    return (
        users.lazy()
        .filter(col("user_id").is_not_null())
        .select(
            "user_id",
            "gender",
            pl.when(city.is_in(["Beijing", "北京"]))
            .then(pl.lit("Beijing"))
            .when(city.is_in(["Chengdu", "成都"]))
            .then(pl.lit("Chengdu"))
            .otherwise(city)
            .alias("home_city"),
            (as_of.year - birthday.dt.year() - birthday_later_in_year.cast(pl.Int32)).alias("age"),
            "member_level",
            "balance",
            days_since(as_of, col("registered_at")).alias("tenure_days"),
        )
    )


def derived_tags(as_of: dt.datetime) -> list[pl.Expr]:
    return [
        ratio("coupon_orders_180d", "purchases_180d").alias("coupon_share_180d"),
        days_since(as_of, col("last_order_at")).alias("days_since_last_order"),
        days_since(as_of, col("last_visit_at")).alias("days_since_last_visit"),
        ratio("push_clicks_90d", "push_sent_90d").alias("push_ctr_90d"),
        ratio("purchases_30d", "add_carts_30d").alias("cart_conversion_30d"),
        (col("spend_90d") - (col("spend_180d") - col("spend_90d"))).alias("spend_trend_90d"),
        ratio("purchases_90d", "visits_90d").alias("visit_conversion_90d"),
        ratio("luxury_spend_365d", "spend_365d").alias("luxury_share_365d"),
        col("member_level").is_in(["gold", "platinum"]).alias("is_vip"),
    ]


def layer_exprs() -> list[pl.Expr]:
    """First true `when` wins; pl.when skips null conditions like segl does."""
    purchases_180d, spend_180d = col("purchases_180d"), col("spend_180d")
    coupon_share = col("coupon_share_180d")
    lifecycle = (
        pl.when(col("tenure_days") <= 30)
        .then(pl.lit("new"))
        .when((col("days_since_last_visit") > 90) | col("last_visit_at").is_null())
        .then(pl.lit("churned"))
        .when(col("purchases_365d") >= 5)
        .then(pl.lit("loyal"))
        .otherwise(pl.lit("mature"))
    )
    value_quadrant = (
        pl.when((purchases_180d >= 4) & (spend_180d >= 2000))
        .then(pl.lit("hf_hv"))
        .when(purchases_180d >= 4)
        .then(pl.lit("hf_lv"))
        .when(spend_180d >= 2000)
        .then(pl.lit("lf_hv"))
        .when(purchases_180d >= 1)
        .then(pl.lit("lf_lv"))
        .otherwise(pl.lit("none"))
    )
    promo_sensitivity = (
        pl.when(purchases_180d == 0)
        .then(pl.lit("no_orders"))
        .when((coupon_share >= 0.8) & (col("coupon_claims_90d") >= 3))
        .then(pl.lit("fanatic"))
        .when(coupon_share >= 0.5)
        .then(pl.lit("sensitive"))
        .when(coupon_share >= 0.2)
        .then(pl.lit("neutral"))
        .otherwise(pl.lit("indifferent"))
    )
    return [
        lifecycle.alias("lifecycle"),
        value_quadrant.alias("value_quadrant"),
        promo_sensitivity.alias("promo_sensitivity"),
    ]


def segment_exprs() -> dict[str, pl.Expr]:
    """The 100 segments of benchmarks/workload/segments.segl, in file order."""
    c = col
    return {
        # Activity
        "active_7d": c("visits_7d") >= 1,
        "active_30d": c("visits_30d") >= 1,
        "frequent_visitors_30d": c("visits_30d") >= 8,
        "frequent_visitors_90d": c("visits_90d") >= 20,
        "dormant_30d": (c("visits_30d") == 0) & (c("visits_90d") >= 1),
        "dormant_90d": (c("visits_90d") == 0) & (c("visits_365d") >= 1),
        "lost_365d": c("visits_365d") == 0,
        "app_loyal": (c("app_visits_90d") >= 5) & (c("app_visits_90d") * 2 >= c("visits_90d")),
        "app_recent": c("app_visits_30d") >= 2,
        "mini_program_fans": c("mini_visits_90d") >= 5,
        "weekend_browsers": (c("weekend_visits_90d") >= 3) & (c("purchases_180d") == 0),
        "weekend_shoppers": (c("weekend_visits_90d") >= 3) & (c("purchases_90d") >= 1),
        "night_owls": c("evening_visits_30d") >= 3,
        "many_active_days": c("active_days_30d") >= 10,
        "busy_30d": c("events_30d") >= 20,
        "quiet_30d": c("events_30d").is_between(1, 3),
        "rising_visits": (c("visits_30d") * 3 > c("visits_90d")) & (c("visits_90d") >= 3),
        "falling_visits": (c("visits_30d") * 6 < c("visits_180d")) & (c("visits_180d") >= 6),
        "visit_recent_week": c("days_since_last_visit") <= 7,
        "visit_lapsing": c("days_since_last_visit").is_between(31, 60),
        "never_visited": c("last_visit_at").is_null(),
        # Carts and conversion
        "cart_abandoners_7d": (c("add_carts_7d") >= 1) & (c("purchases_30d") == 0),
        "cart_abandoners_30d": (c("add_carts_30d") >= 2) & (c("purchases_30d") == 0),
        "heavy_carters": c("add_carts_90d") >= 6,
        "converting_carters": c("cart_conversion_30d") >= 0.5,
        "low_conversion": (c("visit_conversion_90d") < 0.05) & (c("visits_90d") >= 10),
        "high_conversion": c("visit_conversion_90d") >= 0.5,
        "browsers_no_buy": (c("visits_90d") >= 5) & (c("purchases_90d") == 0),
        # Push and coupons
        "push_responsive": c("push_ctr_90d") >= 0.2,
        "push_ignorers": (c("push_sent_90d") >= 5) & (c("push_clicks_90d") == 0),
        "push_recent_click": c("push_clicks_30d") >= 1,
        "push_fatigued": (c("push_sent_30d") >= 5) & (c("push_clicks_30d") == 0),
        "coupon_hunters": (c("coupon_claims_90d") >= 3) & (c("coupon_share_180d") >= 0.5),
        "coupon_claimers_30d": c("coupon_claims_30d") >= 1,
        "coupon_claimers_no_order": (c("coupon_claims_90d") >= 2) & (c("purchases_90d") == 0),
        "full_price_buyers": (c("purchases_180d") >= 3) & (c("coupon_orders_180d") == 0),
        "coupon_only_buyers": (c("purchases_180d") >= 1)
        & (c("coupon_orders_180d") == c("purchases_180d")),
        "promo_fanatics": c("promo_sensitivity") == "fanatic",
        "promo_sensitive_or_fanatic": c("promo_sensitivity").is_in(["fanatic", "sensitive"]),
        "promo_indifferent_high_value": (c("promo_sensitivity") == "indifferent")
        & (c("spend_180d") >= 1500),
        # Purchases and value
        "buyers_30d": c("purchases_30d") >= 1,
        "buyers_90d": c("purchases_90d") >= 1,
        "repeat_buyers_90d": c("purchases_90d") >= 2,
        "repeat_buyers_365d": c("purchases_365d") >= 4,
        "one_time_buyers": c("purchases") == 1,
        "never_bought": c("purchases") == 0,
        "big_spenders_30d": c("spend_30d") >= 2000,
        "big_spenders_90d": c("spend_90d") >= 3000,
        "big_spenders_365d": c("spend_365d") >= 10000,
        "high_aov": c("avg_order_180d") >= 1000,
        "low_aov": c("avg_order_180d") < 200,
        "big_ticket_buyers": c("max_order_365d") >= 3000,
        "frequent_big_orders": c("big_orders_365d") >= 3,
        "spend_growing": c("spend_trend_90d") > 500,
        "spend_shrinking": c("spend_trend_90d") < -500,
        "reactivated": (c("orders_prev_quarter") == 0)
        & (c("purchases_90d") >= 1)
        & (c("purchases") > c("purchases_180d")),
        "at_risk_high_value": (c("spend_180d") >= 3000)
        & (c("visits_30d") == 0)
        & (c("visits_90d") >= 1),
        "order_lapsing": c("days_since_last_order").is_between(60, 120),
        "order_lost": c("days_since_last_order") > 365,
        "recent_orderers": c("days_since_last_order") <= 14,
        "frequent_buyers_30d": c("purchases_30d") >= 3,
        "online_shoppers": c("online_orders_90d") >= 2,
        "store_shoppers": c("store_orders_180d") >= 2,
        "omni_channel": (c("online_orders_90d") >= 1) & (c("store_orders_180d") >= 1),
        # Categories and brands
        "skincare_lovers": c("skincare_spend_180d") >= 1500,
        # skincare_spend_180d == spend_180d, tested as "no other spend": polars' grouped
        # float sums are not bit-reproducible (summation order varies between runs), so
        # two sums of the same orders can differ in the last bit. Exact for amounts >= 0.
        "skincare_only": (c(NON_SKINCARE_SPEND) == 0) & (c("spend_180d") > 0),
        "makeup_fans": c("makeup_orders_180d") >= 2,
        "fragrance_buyers": c("fragrance_orders_365d") >= 1,
        "shiseido_regulars": c("shiseido_orders_90d") >= 2,
        "lancome_fans": c("lancome_orders_180d") >= 2,
        "luxury_lovers": (c("luxury_share_365d") >= 0.6) & (c("spend_365d") >= 3000),
        "luxury_curious": (c("luxury_spend_365d") > 0) & (c("luxury_share_365d") < 0.2),
        "beauty_regulars": (c("skincare_spend_180d") >= 500) & (c("makeup_orders_180d") >= 1),
        # Profile
        "women_25_35": (c("gender") == "F") & c("age").is_between(25, 35),
        "men_buyers": (c("gender") == "M") & (c("purchases_180d") >= 1),
        "seniors": c("age") >= 55,
        "beijing_loyal": (c("home_city") == "Beijing")
        & (c("visits_90d") >= 3)
        & (c("purchases") >= 1),
        "shanghai_active": (c("home_city") == "Shanghai") & (c("visits_30d") >= 2),
        "tier1_cities": c("home_city").is_in(["Beijing", "Shanghai", "Guangzhou", "Shenzhen"]),
        "west_china": c("home_city").is_in(["Chengdu", "Xi'an", "Wuhan"]),
        "city_unknown": c("home_city").is_null(),
        "vip_members": c("is_vip"),
        "vip_inactive": c("is_vip") & (c("visits_90d") == 0),
        "normal_big_spenders": (c("member_level") == "normal") & (c("spend_365d") >= 5000),
        "balance_holders": c("balance") >= 500,
        "balance_unused": (c("balance") >= 200) & (c("purchases_90d") == 0),
        "long_tenure": c("tenure_days") >= 540,
        "newcomers_bought": (c("tenure_days") <= 60) & (c("purchases") >= 1),
        "newcomers_no_order": (c("tenure_days") <= 30) & (c("purchases") == 0),
        # Layers
        "lifecycle_new": c("lifecycle") == "new",
        "lifecycle_loyal": c("lifecycle") == "loyal",
        "lifecycle_churned": c("lifecycle") == "churned",
        "loyal_tier1": (c("lifecycle") == "loyal") & c("home_city").is_in(["Beijing", "Shanghai"]),
        "churned_vip": (c("lifecycle") == "churned") & c("is_vip"),
        "quadrant_star": c("value_quadrant") == "hf_hv",
        "quadrant_potential": c("value_quadrant").is_in(["lf_hv", "hf_lv"]),
        "quadrant_low": (c("value_quadrant") == "lf_lv") & (c("visits_30d") >= 1),
        "star_at_risk": (c("value_quadrant") == "hf_hv") & (c("days_since_last_visit") > 30),
        "mature_no_orders": (c("lifecycle") == "mature") & (c("value_quadrant") == "none"),
        "win_back": ((c("lifecycle") == "churned") | (c("days_since_last_order") > 180))
        & (c("spend_365d") >= 1000),
    }


SEGMENTS = list(segment_exprs())


def tags_frame(users: Frame, orders: Frame, events: Frame, as_of: dt.datetime) -> pl.LazyFrame:
    """Every user of the universe, with zero counts and sums where they have no events."""
    return (
        profile_tags(users, as_of)
        .join(event_aggregates(events, as_of), on="user_id", how="left")
        .join(order_aggregates(orders, as_of), on="user_id", how="left")
        .with_columns(pl.col(*ZERO_WITHOUT_EVENTS).fill_null(0))
        .with_columns(derived_tags(as_of))
    )


def members_long(wide: pl.DataFrame) -> pl.DataFrame:
    """One (segment, user_id) row per membership, from one boolean column per segment."""
    return pl.concat(
        [
            wide.lazy().filter(col(name)).select(pl.lit(name).alias("segment"), "user_id")
            for name in SEGMENTS
        ]
    ).collect()


def layers_long(wide: pl.DataFrame) -> pl.DataFrame:
    return wide.unpivot(
        on=LAYERINGS, index="user_id", variable_name="layering", value_name="layer"
    ).select("layering", "user_id", "layer")


def run_polars(users: Frame, orders: Frame, events: Frame, as_of: dt.datetime) -> PolarsResult:
    """Tags, layers and segment flags in one lazy query collected once (one wide frame);
    the long members and layers frames are cut from it."""
    wide = (
        tags_frame(users, orders, events, as_of)
        .with_columns(layer_exprs())
        .with_columns(expr.alias(name) for name, expr in segment_exprs().items())
        .collect()
    )
    return PolarsResult(
        tags=wide.select("user_id", *TAGS),
        members=members_long(wide),
        layers=layers_long(wide),
    )

"""Row-at-a-time baseline: the 100 segments of benchmarks/workload as rule-engine rules,
evaluated one user at a time over precomputed tags (what a team with a generic Python
rules library would do once its tags are in a table).

Each row is one user's tag values (segl_bench_tags) plus the three layers under the layering names.
A user is a member where segl's condition is true; null is never true. rule-engine differs
from SQL on nulls, so the rules are written to give exactly segl's members:
- `==` and `in` with a null side are false in rule-engine (null in segl); both mean "not
  a member" here, because no rule negates them.
- `<`, `>=`, ... and arithmetic on null raise EvaluationError, so every ordering test on
  a nullable tag is guarded with `x != null and ...` (`and` short-circuits).
- a bare null boolean (is_vip) is falsy.
Counts and sums are never null (0 without events); the nullable tags are the profile
columns, avg/max/last-time aggregates, days_since of them and the ratios.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl
import rule_engine  # type: ignore[import-untyped]

RULES: dict[str, str] = {
    # Activity
    "active_7d": "visits_7d >= 1",
    "active_30d": "visits_30d >= 1",
    "frequent_visitors_30d": "visits_30d >= 8",
    "frequent_visitors_90d": "visits_90d >= 20",
    "dormant_30d": "visits_30d == 0 and visits_90d >= 1",
    "dormant_90d": "visits_90d == 0 and visits_365d >= 1",
    "lost_365d": "visits_365d == 0",
    "app_loyal": "app_visits_90d >= 5 and app_visits_90d * 2 >= visits_90d",
    "app_recent": "app_visits_30d >= 2",
    "mini_program_fans": "mini_visits_90d >= 5",
    "weekend_browsers": "weekend_visits_90d >= 3 and purchases_180d == 0",
    "weekend_shoppers": "weekend_visits_90d >= 3 and purchases_90d >= 1",
    "night_owls": "evening_visits_30d >= 3",
    "many_active_days": "active_days_30d >= 10",
    "busy_30d": "events_30d >= 20",
    "quiet_30d": "events_30d >= 1 and events_30d <= 3",
    "rising_visits": "visits_30d * 3 > visits_90d and visits_90d >= 3",
    "falling_visits": "visits_30d * 6 < visits_180d and visits_180d >= 6",
    "visit_recent_week": "days_since_last_visit != null and days_since_last_visit <= 7",
    "visit_lapsing": (
        "days_since_last_visit != null"
        " and days_since_last_visit >= 31 and days_since_last_visit <= 60"
    ),
    "never_visited": "last_visit_at == null",
    # Carts and conversion
    "cart_abandoners_7d": "add_carts_7d >= 1 and purchases_30d == 0",
    "cart_abandoners_30d": "add_carts_30d >= 2 and purchases_30d == 0",
    "heavy_carters": "add_carts_90d >= 6",
    "converting_carters": "cart_conversion_30d != null and cart_conversion_30d >= 0.5",
    "low_conversion": (
        "visit_conversion_90d != null and visit_conversion_90d < 0.05 and visits_90d >= 10"
    ),
    "high_conversion": "visit_conversion_90d != null and visit_conversion_90d >= 0.5",
    "browsers_no_buy": "visits_90d >= 5 and purchases_90d == 0",
    # Push and coupons
    "push_responsive": "push_ctr_90d != null and push_ctr_90d >= 0.2",
    "push_ignorers": "push_sent_90d >= 5 and push_clicks_90d == 0",
    "push_recent_click": "push_clicks_30d >= 1",
    "push_fatigued": "push_sent_30d >= 5 and push_clicks_30d == 0",
    "coupon_hunters": (
        "coupon_claims_90d >= 3 and coupon_share_180d != null and coupon_share_180d >= 0.5"
    ),
    "coupon_claimers_30d": "coupon_claims_30d >= 1",
    "coupon_claimers_no_order": "coupon_claims_90d >= 2 and purchases_90d == 0",
    "full_price_buyers": "purchases_180d >= 3 and coupon_orders_180d == 0",
    "coupon_only_buyers": "purchases_180d >= 1 and coupon_orders_180d == purchases_180d",
    "promo_fanatics": "promo_sensitivity == 'fanatic'",
    "promo_sensitive_or_fanatic": "promo_sensitivity in ['fanatic', 'sensitive']",
    "promo_indifferent_high_value": ("promo_sensitivity == 'indifferent' and spend_180d >= 1500"),
    # Purchases and value
    "buyers_30d": "purchases_30d >= 1",
    "buyers_90d": "purchases_90d >= 1",
    "repeat_buyers_90d": "purchases_90d >= 2",
    "repeat_buyers_365d": "purchases_365d >= 4",
    "one_time_buyers": "purchases == 1",
    "never_bought": "purchases == 0",
    "big_spenders_30d": "spend_30d >= 2000",
    "big_spenders_90d": "spend_90d >= 3000",
    "big_spenders_365d": "spend_365d >= 10000",
    "high_aov": "avg_order_180d != null and avg_order_180d >= 1000",
    "low_aov": "avg_order_180d != null and avg_order_180d < 200",
    "big_ticket_buyers": "max_order_365d != null and max_order_365d >= 3000",
    "frequent_big_orders": "big_orders_365d >= 3",
    "spend_growing": "spend_trend_90d > 500",
    "spend_shrinking": "spend_trend_90d < -500",
    "reactivated": (
        "orders_prev_quarter == 0 and purchases_90d >= 1 and purchases > purchases_180d"
    ),
    "at_risk_high_value": "spend_180d >= 3000 and visits_30d == 0 and visits_90d >= 1",
    "order_lapsing": (
        "days_since_last_order != null"
        " and days_since_last_order >= 60 and days_since_last_order <= 120"
    ),
    "order_lost": "days_since_last_order != null and days_since_last_order > 365",
    "recent_orderers": "days_since_last_order != null and days_since_last_order <= 14",
    "frequent_buyers_30d": "purchases_30d >= 3",
    "online_shoppers": "online_orders_90d >= 2",
    "store_shoppers": "store_orders_180d >= 2",
    "omni_channel": "online_orders_90d >= 1 and store_orders_180d >= 1",
    # Categories and brands
    "skincare_lovers": "skincare_spend_180d >= 1500",
    "skincare_only": "skincare_spend_180d == spend_180d and spend_180d > 0",
    "makeup_fans": "makeup_orders_180d >= 2",
    "fragrance_buyers": "fragrance_orders_365d >= 1",
    "shiseido_regulars": "shiseido_orders_90d >= 2",
    "lancome_fans": "lancome_orders_180d >= 2",
    "luxury_lovers": (
        "luxury_share_365d != null and luxury_share_365d >= 0.6 and spend_365d >= 3000"
    ),
    "luxury_curious": (
        "luxury_spend_365d > 0 and luxury_share_365d != null and luxury_share_365d < 0.2"
    ),
    "beauty_regulars": "skincare_spend_180d >= 500 and makeup_orders_180d >= 1",
    # Profile
    "women_25_35": "gender == 'F' and age != null and age >= 25 and age <= 35",
    "men_buyers": "gender == 'M' and purchases_180d >= 1",
    "seniors": "age != null and age >= 55",
    "beijing_loyal": "home_city == 'Beijing' and visits_90d >= 3 and purchases >= 1",
    "shanghai_active": "home_city == 'Shanghai' and visits_30d >= 2",
    "tier1_cities": "home_city in ['Beijing', 'Shanghai', 'Guangzhou', 'Shenzhen']",
    "west_china": "home_city in ['Chengdu', \"Xi'an\", 'Wuhan']",
    "city_unknown": "home_city == null",
    "vip_members": "is_vip",
    "vip_inactive": "is_vip and visits_90d == 0",
    "normal_big_spenders": "member_level == 'normal' and spend_365d >= 5000",
    "balance_holders": "balance != null and balance >= 500",
    "balance_unused": "balance != null and balance >= 200 and purchases_90d == 0",
    "long_tenure": "tenure_days != null and tenure_days >= 540",
    "newcomers_bought": "tenure_days != null and tenure_days <= 60 and purchases >= 1",
    "newcomers_no_order": "tenure_days != null and tenure_days <= 30 and purchases == 0",
    # Layers
    "lifecycle_new": "lifecycle == 'new'",
    "lifecycle_loyal": "lifecycle == 'loyal'",
    "lifecycle_churned": "lifecycle == 'churned'",
    "loyal_tier1": "lifecycle == 'loyal' and home_city in ['Beijing', 'Shanghai']",
    "churned_vip": "lifecycle == 'churned' and is_vip",
    "quadrant_star": "value_quadrant == 'hf_hv'",
    "quadrant_potential": "value_quadrant in ['lf_hv', 'hf_lv']",
    "quadrant_low": "value_quadrant == 'lf_lv' and visits_30d >= 1",
    "star_at_risk": (
        "value_quadrant == 'hf_hv' and days_since_last_visit != null and days_since_last_visit > 30"
    ),
    "mature_no_orders": "lifecycle == 'mature' and value_quadrant == 'none'",
    "win_back": (
        "(lifecycle == 'churned'"
        " or (days_since_last_order != null and days_since_last_order > 180))"
        " and spend_365d >= 1000"
    ),
}


def compile_rules() -> dict[str, rule_engine.Rule]:
    """Parse every rule once (not part of the timed work)."""
    return {segment: rule_engine.Rule(text) for segment, text in RULES.items()}


def run_rule_engine(
    rules: Mapping[str, rule_engine.Rule], rows: Iterable[Mapping[str, object]]
) -> set[tuple[str, int]]:
    """Every rule on every row: the (segment, user_id) pairs whose rule matches."""
    members: set[tuple[str, int]] = set()
    for row in rows:
        user_id = row["user_id"]
        assert isinstance(user_id, int)
        for segment, rule in rules.items():
            if rule.matches(row):
                members.add((segment, user_id))
    return members


def rows_from_frames(tags: pl.DataFrame, layers: pl.DataFrame) -> list[dict[str, object]]:
    """Input rows for run_rule_engine: one dict per user with its tags and its layers.

    tags: user_id plus one column per tag (segl_bench_tags, or PolarsResult.tags);
    layers: layering, user_id, layer in long form (segl_bench_layers, or PolarsResult.layers).
    """
    wide_layers = layers.pivot(on="layering", index="user_id", values="layer")
    tag_columns = [name for name in tags.columns if name != "as_of"]
    return tags.select(tag_columns).join(wide_layers, on="user_id", how="left").to_dicts()

"""The reference semantics of funnels, retention, reports and experiments (SPEC §3.3-3.6):
small cases computed by hand, one per rule, and the statistics against known values."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segl.compiler import ir
from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.reports import stats
from segl.dsl.parser import parse_program
from segl.runtime.reference.reports import evaluate_report

SOURCES = """
source users from table "users" key user_id {
    user_id: string
    city: string
    balance: number
    registered_at: timestamp
}
source events from table "events" user user_id time ts {
    name: string
    channel: string
}
source orders from table "orders" user user_id time paid_at {
    amount: number
    coupon_id: string
}
source coupons from table "coupons" user user_id time claimed_at {
    coupon_type: string
    face_value: number
    used_at: timestamp
}
"""
Rows = dict[str, list[dict[str, Any]]]
D = dt.datetime


def project(rules: str, timezone: str = "UTC") -> ir.Project:
    checked, diagnostics = check_programs(
        [parse_program(SOURCES + rules, "r.segl")], ProjectConfig(timezone=timezone)
    )
    assert checked is not None, [f"{d.code} {d.message}" for d in diagnostics]
    return checked


def users(*names: str, **columns: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Profile rows; `columns` maps a column to each user's value."""
    return [
        {"user_id": name, **{column: values.get(name) for column, values in columns.items()}}
        for name in names
    ]


def event(user: str, name: str, ts: D, channel: str | None = None) -> dict[str, Any]:
    return {"user_id": user, "name": name, "ts": ts, "channel": channel}


def order(user: str, paid_at: D, amount: float = 10.0) -> dict[str, Any]:
    return {"user_id": user, "paid_at": paid_at, "amount": amount, "coupon_id": None}


def run(
    rules: str, tables: Rows, name: str, as_of: D, timezone: str = "UTC", **options: Any
) -> dict[str, Any]:
    return evaluate_report(project(rules, timezone), tables, name, as_of, **options)


def counts(result: dict[str, Any], key: Mapping[str, Any] | None = None) -> list[int]:
    group = next(g for g in result["groups"] if g["key"] == (key or {}))
    return [step["users"] for step in group["steps"]]


# ---------------------------------------------------------------- funnels

LEAD_FUNNEL = """
funnel sales within 30 days {
    step lead: events where name == "lead"
    step drive: events where name == "drive"
    step deposit: events where name == "deposit" within 1 day
}
"""
AS_OF = D(2026, 11, 1)
RANGE = {"start": D(2026, 10, 1), "end": D(2026, 10, 11)}


def test_a_funnel_counts_each_user_at_the_furthest_step_with_both_rates() -> None:
    tables = {
        "users": users("a", "b", "c", "d"),
        "events": [
            event("a", "lead", D(2026, 10, 2)),
            event("a", "drive", D(2026, 10, 3)),
            event("a", "deposit", D(2026, 10, 3, 12)),
            event("b", "lead", D(2026, 10, 2)),
            event("b", "drive", D(2026, 10, 4)),
            event("c", "lead", D(2026, 10, 5)),
            event("d", "drive", D(2026, 10, 5)),  # no lead: not in the funnel
        ],
    }
    result = run(LEAD_FUNNEL, tables, "sales", AS_OF, **RANGE)
    (total,) = result["groups"]
    # c's window (Oct 5 + 30 days) is still open at the as-of; b's closed at it
    assert total["key"] == {} and total["censored"] == 1
    assert [s["users"] for s in total["steps"]] == [3, 2, 1]
    assert [s["rate_from_first"] for s in total["steps"]] == [1.0, 2 / 3, 1 / 3]
    assert [s["rate_from_previous"] for s in total["steps"]] == [None, 2 / 3, 0.5]
    medians = [s["median_seconds_from_previous"] for s in total["steps"]]
    assert medians == [None, (86400 + 2 * 86400) / 2, 12 * 3600]
    assert (result["from"], result["to"]) == ("2026-10-01 00:00:00", "2026-10-11 00:00:00")


def test_equal_timestamps_form_a_chain_whatever_the_row_order() -> None:
    rows = [
        event("a", "deposit", D(2026, 10, 2, 9)),
        event("a", "drive", D(2026, 10, 2, 9)),
        event("a", "lead", D(2026, 10, 2, 9)),
    ]
    seen = set()
    for seed in range(6):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        tables = {"users": users("a"), "events": shuffled}
        result = run(LEAD_FUNNEL, tables, "sales", AS_OF, **RANGE)
        seen.add(tuple(counts(result)))
        assert result["groups"][0]["steps"][2]["median_seconds_from_previous"] == 0.0
    assert seen == {(1, 1, 1)}


def test_the_events_of_a_chain_are_distinct() -> None:
    rules = """
funnel twice {
    step first_visit: events where name == "visit"
    step second_visit: events where name == "visit"
}
"""
    one = {"users": users("a", "b"), "events": [event("a", "visit", D(2026, 10, 20))]}
    one["events"] += [event("b", "visit", D(2026, 10, 20)), event("b", "visit", D(2026, 10, 20))]
    assert counts(run(rules, one, "twice", AS_OF)) == [2, 1]


def test_a_later_event_can_open_a_step_window_the_earliest_cannot() -> None:
    """Greedy earliest-next would take the drive of day 1 and miss the deposit: the chain
    through the drive of day 5 exists (ENGINEERING §6.3)."""
    tables = {
        "users": users("a"),
        "events": [
            event("a", "lead", D(2026, 10, 1)),
            event("a", "drive", D(2026, 10, 2)),
            event("a", "drive", D(2026, 10, 6)),
            event("a", "deposit", D(2026, 10, 6, 12)),
        ],
    }
    result = run(LEAD_FUNNEL, tables, "sales", AS_OF, **RANGE)
    assert counts(result) == [1, 1, 1]
    medians = [s["median_seconds_from_previous"] for s in result["groups"][0]["steps"]]
    assert medians == [None, 5 * 86400, 12 * 3600]  # the chain that completes


def test_the_funnel_window_bounds_every_step_from_the_first() -> None:
    rules = """
funnel quick within 3 days {
    step reached: events where name == "push_sent"
    step bought: orders
}
"""
    tables = {
        "users": users("a", "b"),
        "events": [
            event("a", "push_sent", D(2026, 10, 1)),
            event("b", "push_sent", D(2026, 10, 1)),
        ],
        "orders": [order("a", D(2026, 10, 3, 23, 59)), order("b", D(2026, 10, 4))],
    }
    assert counts(run(rules, tables, "quick", AS_OF, **RANGE)) == [2, 1]


def test_the_range_bounds_entry_only_and_conversions_count_to_the_window_end() -> None:
    tables = {
        "users": users("a", "b", "c"),
        "events": [
            event("a", "lead", D(2026, 10, 10, 23)),  # in the range
            event("a", "drive", D(2026, 10, 20)),  # after `to`: still counted
            event("b", "lead", D(2026, 9, 30)),  # before `from`: not an entry
            event("b", "drive", D(2026, 10, 2)),
            event("c", "lead", D(2026, 10, 11)),  # `to` is exclusive
        ],
    }
    result = run(LEAD_FUNNEL, tables, "sales", AS_OF, **RANGE)
    assert counts(result) == [1, 1, 0]


def test_the_default_range_is_the_30_days_before_the_as_of() -> None:
    tables = {
        "users": users("a", "b"),
        "events": [event("a", "lead", D(2026, 10, 2)), event("b", "lead", D(2026, 10, 1, 23))],
    }
    result = run(LEAD_FUNNEL, tables, "sales", AS_OF)
    assert counts(result)[0] == 1 and result["from"] == "2026-10-02 00:00:00"


def test_users_whose_window_is_open_at_the_as_of_are_censored() -> None:
    tables = {
        "users": users("open", "closed", "done"),
        "events": [
            event("open", "lead", D(2026, 10, 20)),  # + 30 days is after the as-of
            event("closed", "lead", D(2026, 9, 1)),  # + 30 days is before it
            event("done", "lead", D(2026, 10, 20)),
            event("done", "drive", D(2026, 10, 21)),
            event("done", "deposit", D(2026, 10, 21)),  # at the last step: not censored
        ],
    }
    result = run(LEAD_FUNNEL, tables, "sales", AS_OF, start=D(2026, 9, 1), end=D(2026, 11, 1))
    assert counts(result) == [3, 1, 1]
    assert result["groups"][0]["censored"] == 1


def test_events_at_or_after_the_as_of_are_invisible() -> None:
    tables = {
        "users": users("a"),
        "events": [event("a", "lead", D(2026, 10, 30)), event("a", "drive", AS_OF)],
    }
    assert counts(run(LEAD_FUNNEL, tables, "sales", AS_OF)) == [1, 0, 0]


def test_split_by_a_per_user_value_with_null_a_group_of_its_own() -> None:
    rules = LEAD_FUNNEL.replace("within 30 days", "within 30 days by users.city")
    tables = {
        "users": users("a", "b", "c", city={"a": "北京", "b": "Beijing"}),
        "events": [event(u, "lead", D(2026, 10, 2)) for u in "abc"]
        + [event("a", "drive", D(2026, 10, 3))],
    }
    result = run(rules, tables, "sales", AS_OF, **RANGE)
    assert [g["key"] for g in result["groups"]] == [
        {},
        {"city": "Beijing"},
        {"city": "北京"},
        {"city": None},
    ]
    assert counts(result, {"city": "北京"}) == [1, 1, 0]
    assert counts(result, {"city": None}) == [1, 0, 0]


def test_split_by_entry_takes_the_earliest_first_event_of_the_furthest_chain() -> None:
    rules = """
funnel push within 3 days by entry events.channel {
    step reached: events where name == "push_sent"
    step clicked: events where name == "push_click"
}
"""
    tables = {
        "users": users("a", "b", "c"),
        "events": [
            # a: the sms entry converts, the earlier push does not (its window closes)
            event("a", "push_sent", D(2026, 10, 1), "push"),
            event("a", "push_sent", D(2026, 10, 5), "sms"),
            event("a", "push_click", D(2026, 10, 6)),
            # b: two entries at one time both convert: the smaller value by code point
            event("b", "push_sent", D(2026, 10, 2), "wecom"),
            event("b", "push_sent", D(2026, 10, 2), "push"),
            event("b", "push_click", D(2026, 10, 2, 1)),
            # c: converts from neither: the earliest entry
            event("c", "push_sent", D(2026, 10, 3), "wecom"),
            event("c", "push_sent", D(2026, 10, 4), "push"),
        ],
    }
    result = run(rules, tables, "push", AS_OF, **RANGE)
    assert counts(result, {"channel": "sms"}) == [1, 1]
    assert counts(result, {"channel": "push"}) == [1, 1]
    assert counts(result, {"channel": "wecom"}) == [1, 0]


def test_windows_are_elapsed_time_across_a_dst_change() -> None:
    """New York moves its clocks forward on 2026-03-08: from 12:00 on the 7th to 12:30 on
    the 8th is 23.5 hours, inside `within 1 day` (wall-clock arithmetic says 24.5)."""
    rules = """
funnel quick within 1 day {
    step reached: events where name == "push_sent"
    step bought: orders
}
"""
    tables = {
        "users": users("a"),
        "events": [event("a", "push_sent", D(2026, 3, 7, 12))],
        "orders": [order("a", D(2026, 3, 8, 12, 30))],
    }
    as_of = D(2026, 3, 20)
    result = run(rules, tables, "quick", as_of, "America/New_York", start=D(2026, 3, 1), end=as_of)
    assert counts(result) == [1, 1]
    assert result["groups"][0]["steps"][1]["median_seconds_from_previous"] == 23.5 * 3600
    assert counts(run(rules, tables, "quick", as_of, "UTC", start=D(2026, 3, 1), end=as_of)) == [
        1,
        0,
    ]


# ---------------------------------------------------------------- retention

NEW_USERS = """
retention new_users {
    cohort first events where name == "register"
    return events where name == "visit"
    by day
    periods 3
}
"""


def test_retention_by_day_with_incomplete_cells_null() -> None:
    tables = {
        "users": users("a", "b", "c"),
        "events": [
            event("a", "register", D(2026, 10, 1, 9)),
            event("a", "visit", D(2026, 10, 1, 23)),  # period 0: not reported
            event("a", "visit", D(2026, 10, 2, 0, 1)),  # day 1
            event("b", "register", D(2026, 10, 1, 20)),
            event("b", "visit", D(2026, 10, 3, 10)),  # day 2
            event("c", "register", D(2026, 10, 2, 8)),
            event("c", "register", D(2026, 10, 3, 8)),  # not the first: no second cohort
            event("c", "visit", D(2026, 10, 3, 9)),
        ],
    }
    result = run(NEW_USERS, tables, "new_users", D(2026, 10, 5, 12))
    assert result["cohorts"] == [
        {"cohort": "2026-10-01", "size": 2, "retained": [1, 1, 0]},
        # day 3 after the 2nd (the 5th) has not ended at the as-of: unknown, not 0
        {"cohort": "2026-10-02", "size": 1, "retained": [1, 0, None]},
    ]


def test_without_first_every_period_with_a_cohort_event_is_a_cohort() -> None:
    rules = NEW_USERS.replace("cohort first", "cohort")
    tables = {
        "users": users("c"),
        "events": [
            event("c", "register", D(2026, 10, 2, 8)),
            event("c", "register", D(2026, 10, 3, 8)),
            event("c", "visit", D(2026, 10, 3, 9)),
        ],
    }
    result = run(rules, tables, "new_users", D(2026, 10, 10))
    assert result["cohorts"] == [
        {"cohort": "2026-10-02", "size": 1, "retained": [1, 0, 0]},
        {"cohort": "2026-10-03", "size": 1, "retained": [0, 0, 0]},
    ]


def test_on_or_after_counts_a_return_in_any_later_period() -> None:
    tables = {
        "users": users("a"),
        "events": [
            event("a", "register", D(2026, 10, 1)),
            event("a", "visit", D(2026, 10, 9)),  # after period 3
        ],
    }
    plain = run(NEW_USERS, tables, "new_users", D(2026, 10, 20))
    later = run(
        NEW_USERS.replace("periods 3", "periods 3\n    on or after"),
        tables,
        "new_users",
        D(2026, 10, 20),
    )
    assert plain["cohorts"][0]["retained"] == [0, 0, 0]
    assert later["cohorts"][0]["retained"] == [1, 1, 1]


def test_weeks_start_on_monday() -> None:
    rules = NEW_USERS.replace("by day", "by week")
    tables = {
        "users": users("a"),
        "events": [
            event("a", "register", D(2026, 10, 4, 23)),  # a Sunday: the week of Sep 28
            event("a", "visit", D(2026, 10, 5, 1)),  # Monday: week 1
        ],
    }
    result = run(rules, tables, "new_users", D(2026, 12, 1))
    assert result["cohorts"] == [{"cohort": "2026-09-28", "size": 1, "retained": [1, 0, 0]}]


REPURCHASE = """
retention repurchase {
    cohort first orders
    return orders
    by month
    periods 2
}
"""


def test_calendar_and_rolling_months_at_a_month_end() -> None:
    """A first order on Jan 31: the calendar's month 1 is February; the rolling month 1
    starts on Feb 28 at the same time of day (clamped) and ends on Mar 31."""
    tables = {
        "users": users("a"),
        "orders": [order("a", D(2026, 1, 31, 10)), order("a", D(2026, 2, 28, 9))],
    }
    calendar = run(REPURCHASE, tables, "repurchase", D(2026, 6, 1))
    assert calendar["cohorts"] == [{"cohort": "2026-01-01", "size": 1, "retained": [1, 0]}]
    rolling_rules = REPURCHASE.replace("periods 2", "periods 2\n    rolling")
    rolling = run(rolling_rules, tables, "repurchase", D(2026, 6, 1))
    assert rolling["cohorts"] == [{"cohort": "2026-01-01", "size": 1, "retained": [0, 0]}]
    tables["orders"].append(order("a", D(2026, 3, 31, 9, 59)))
    rolling = run(rolling_rules, tables, "repurchase", D(2026, 6, 1))
    assert rolling["cohorts"][0]["retained"] == [1, 0]
    # rolling month 2 ends on Apr 30 10:00: not over on Apr 30 at 09:00
    assert run(rolling_rules, tables, "repurchase", D(2026, 4, 30, 9))["cohorts"][0][
        "retained"
    ] == [1, None]


def test_rolling_days_are_24_hours_across_a_dst_change() -> None:
    """From 12:00 on 2026-03-07 in New York, the first rolling day ends at 13:00 local on
    the 8th (24 hours later); the calendar's day 1 is the whole of the 8th."""
    tables = {
        "users": users("a", "b"),
        "events": [
            event("a", "register", D(2026, 3, 7, 12)),
            event("a", "visit", D(2026, 3, 8, 12, 30)),
            event("b", "register", D(2026, 3, 7, 12)),
            event("b", "visit", D(2026, 3, 8, 13, 30)),
        ],
    }
    rules = NEW_USERS.replace("periods 3", "periods 1")
    zone = "America/New_York"
    calendar = run(rules, tables, "new_users", D(2026, 3, 20), zone)
    assert calendar["cohorts"] == [{"cohort": "2026-03-07", "size": 2, "retained": [2]}]
    rolling = run(
        rules.replace("periods 1", "periods 1\n    rolling"),
        tables,
        "new_users",
        D(2026, 3, 20),
        zone,
    )
    assert rolling["cohorts"] == [{"cohort": "2026-03-07", "size": 2, "retained": [1]}]


def test_a_cohort_range_selects_cohort_events() -> None:
    tables = {
        "users": users("a", "b"),
        "events": [event("a", "register", D(2026, 10, 1)), event("b", "register", D(2026, 10, 5))],
    }
    result = run(
        NEW_USERS, tables, "new_users", D(2026, 11, 1), start=D(2026, 10, 2), end=D(2026, 10, 9)
    )
    assert [c["cohort"] for c in result["cohorts"]] == ["2026-10-05"]


# ---------------------------------------------------------------- reports

COUPONS = """
report coupons over coupons by coupon_type, face_value {
    claimed = count()
    used = count(where used_at is not null)
    use_rate = used / claimed
    new_user_share = share(days_between(users.registered_at, claimed_at) <= 30)
    unused_rate = 1 - use_rate
    nothing = used / (claimed - claimed)
}
"""


def coupon(user: str, kind: str | None, value: float, claimed: D, used: D | None) -> dict[str, Any]:
    return {
        "user_id": user,
        "coupon_type": kind,
        "face_value": value,
        "claimed_at": claimed,
        "used_at": used,
    }


def test_a_report_over_an_event_source_groups_its_rows() -> None:
    tables = {
        "users": users("a", "b", registered_at={"a": D(2026, 10, 1), "b": D(2026, 1, 1)}),
        "coupons": [
            coupon("a", "discount", 5, D(2026, 10, 10), D(2026, 10, 11)),
            coupon("a", "discount", 5, D(2026, 10, 20), None),
            coupon("b", "discount", 5, D(2026, 10, 20), D(2026, 10, 21)),
            coupon("b", "discount", 10, D(2026, 10, 20), None),
            coupon("b", None, 10, D(2026, 10, 20), None),
            coupon("b", "discount", 10, D(2026, 11, 2), None),  # after the as-of
        ],
    }
    result = run(COUPONS, tables, "coupons", AS_OF)
    assert result["rows"] == [
        {
            "coupon_type": "discount",
            "face_value": 5,
            "claimed": 3,
            "used": 2,
            "use_rate": 2 / 3,
            "new_user_share": 2 / 3,
            "unused_rate": 1 - 2 / 3,
            "nothing": None,  # division by zero
        },
        {
            "coupon_type": "discount",
            "face_value": 10,
            "claimed": 1,
            "used": 0,
            "use_rate": 0,
            "new_user_share": 0,
            "unused_rate": 1,
            "nothing": None,
        },
        {  # null is a group of its own, last
            "coupon_type": None,
            "face_value": 10,
            "claimed": 1,
            "used": 0,
            "use_rate": 0,
            "new_user_share": 0,
            "unused_rate": 1,
            "nothing": None,
        },
    ]


def test_a_report_over_users_with_tags_as_columns() -> None:
    rules = """
tag purchases = count(orders)
tag avg_amount = avg(orders.amount)
tag buyer = purchases >= 1
report uplift over users where users.city is not null by buyer {
    people = count()
    order_value = avg(avg_amount)
    repurchase = share(purchases >= 2)
    middle = median(avg_amount)
    p90 = percentile(avg_amount, 0.9)
    spend = sum(sum(orders.amount))
}
"""
    tables = {
        "users": users("a", "b", "c", "d", city={"a": "x", "b": "x", "c": "x"}),
        "orders": [
            order("a", D(2026, 10, 1), 10),
            order("a", D(2026, 10, 2), 30),
            order("b", D(2026, 10, 1), 40),
            order("d", D(2026, 10, 1), 99),  # d has no city: not a row
        ],
    }
    result = run(rules, tables, "uplift", AS_OF)
    assert result["rows"] == [
        {
            "buyer": False,
            "people": 1,
            "order_value": None,
            "repurchase": 0,
            "middle": None,
            "p90": None,
            "spend": 0,
        },
        {
            "buyer": True,
            "people": 2,
            "order_value": 30,
            "repurchase": 0.5,
            "middle": 30,
            "p90": 20 + 0.9 * 20,
            "spend": 80,
        },
    ]


def test_a_report_window_and_filter_bound_its_rows_and_no_dimension_gives_one_row() -> None:
    rules = """
report recent over orders where amount > 5 in last 7 days {
    orders = count()
    revenue = sum(amount)
}
report none_yet over orders in last 7 days {
    orders = count()
    revenue = sum(amount)
    mean = avg(amount)
}
"""
    tables = {
        "users": users("a"),
        "orders": [
            order("a", D(2026, 10, 20), 50),  # before the window
            order("a", D(2026, 10, 26), 3),  # filtered out
            order("a", D(2026, 10, 30), 7),
        ],
    }
    assert run(rules, tables, "recent", AS_OF)["rows"] == [{"orders": 1, "revenue": 7}]
    empty = run(rules, tables, "none_yet", D(2026, 10, 1))["rows"]
    assert empty == [{"orders": 0, "revenue": 0, "mean": None}]


# ---------------------------------------------------------------- experiments

PRICE_TEST = """
segment everyone = users.balance is not null
experiment price {
    population everyone
    salt "price-test"
    arm control 50%
    arm half_off 50%
    metric balance = users.balance
    metric rich = share(users.balance >= 100)
}
"""


def spec_bucket(user: str, salt: str) -> float:
    """SPEC §3.3 written out independently of segl's code."""
    return int(hashlib.md5((salt + ":" + user).encode("utf-8")).hexdigest()[:8], 16) / 2**32


def test_assignment_is_the_md5_bucket_of_spec_3_3_and_sticky() -> None:
    names = [f"u{i}" for i in range(40)] + ["北京用户", "😀", ""]
    rules = PRICE_TEST
    tables = {"users": users(*names, balance=dict.fromkeys(names, 1.0))}
    result = run(rules, tables, "price", AS_OF)
    expected = {n: "control" if spec_bucket(n, "price-test") < 0.5 else "half_off" for n in names}
    sizes = {arm["arm"]: arm["users"] for arm in result["arms"]}
    assert sizes == {
        "control": sum(1 for a in expected.values() if a == "control"),
        "half_off": sum(1 for a in expected.values() if a == "half_off"),
    }
    # an earlier assignment sticks, even outside today's population
    sticky = run(rules, tables, "price", AS_OF, assigned={"gone": "half_off", "u0": "half_off"})
    sticky_sizes = {arm["arm"]: arm["users"] for arm in sticky["arms"]}
    moved = 1 if expected["u0"] == "control" else 0
    assert sticky_sizes["half_off"] == sizes["half_off"] + 1 + moved


def test_experiment_metrics_per_arm_with_welch_and_proportion_intervals() -> None:
    """Users are placed by their bucket; their balances are then chosen per arm: control
    [1, 2, 3, 4, 5], half_off [2, 4, 6, 8, 10], as in the Welch example below."""
    candidates = [f"user{i}" for i in range(100)]
    control = [n for n in candidates if spec_bucket(n, "price-test") < 0.5][:5]
    treated = [n for n in candidates if spec_bucket(n, "price-test") >= 0.5][:5]
    balance = {n: float(i + 1) for i, n in enumerate(control)}
    balance |= {n: float(2 * (i + 1)) * 50 for i, n in enumerate(treated)}
    tables = {"users": users(*control, *treated, "no_balance", balance=balance)}
    result = run(PRICE_TEST, tables, "price", AS_OF)
    control_arm, treated_arm = result["arms"]
    assert (control_arm["users"], treated_arm["users"]) == (5, 5)
    assert control_arm["metrics"]["balance"] == {
        "mean": 3.0,
        "diff": None,
        "ci_low": None,
        "ci_high": None,
        "lift": None,
    }
    treated_balance = treated_arm["metrics"]["balance"]
    assert treated_balance["mean"] == 300.0 and treated_balance["diff"] == 297.0
    assert treated_balance["lift"] == 99.0
    welch = stats.welch(
        stats.summarise([100.0 * (i + 1) for i in range(5)]), stats.summarise([1.0, 2, 3, 4, 5])
    )
    assert (treated_balance["ci_low"], treated_balance["ci_high"]) == (welch.ci_low, welch.ci_high)
    rich = treated_arm["metrics"]["rich"]
    assert rich["mean"] == 1.0 and rich["diff"] == 1.0 and rich["lift"] is None  # control: 0
    assert (rich["ci_low"], rich["ci_high"]) == (1.0, 1.0)  # no spread on either side
    assert result["srm_p"] == 1.0 and result["srm_mismatch"] is False


def test_welch_interval_against_a_known_value() -> None:
    """scipy.stats.ttest_ind([2, 4, 6, 8, 10], [1, 2, 3, 4, 5], equal_var=False)
    .confidence_interval(0.95) = (-0.887741643736975, 6.887741643736975)."""
    result = stats.welch(stats.summarise([2.0, 4, 6, 8, 10]), stats.summarise([1.0, 2, 3, 4, 5]))
    assert result.diff == 3.0 and result.lift == 1.0
    assert result.ci_low == pytest.approx(-0.887741643736975, rel=1e-9)
    assert result.ci_high == pytest.approx(6.887741643736975, rel=1e-9)
    assert stats.student_t_quantile(0.975, 2.5) == pytest.approx(3.5746548420036817, rel=1e-9)
    one_value = stats.welch(stats.summarise([1.0]), stats.summarise([1.0, 2.0]))
    assert (one_value.diff, one_value.ci_low, one_value.ci_high) == (-0.5, None, None)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
            st.integers(min_value=1, max_value=50),
        ),
        max_size=20,
    )
)
def test_a_histogram_summarises_as_its_repeated_values(
    histogram: list[tuple[float, int]],
) -> None:
    """The engine's experiment reads each arm's values as (value, users) rows: the summary
    of the histogram is that of the values repeated (`statistics`' exact mean and sample
    variance), whatever the order of the rows."""
    repeated = [value for value, times in histogram for _ in range(times)]
    summary = stats.summarise_counts(histogram)
    assert summary == stats.summarise_counts(histogram[::-1])
    assert summary.count == len(repeated)
    if repeated:
        assert summary.mean == pytest.approx(statistics.fmean(repeated), rel=1e-15, abs=1e-300)
    if len(repeated) >= 2:
        exact = statistics.variance(repeated)
        assert summary.variance == pytest.approx(exact, rel=1e-9, abs=1e-6)


def test_experiment_statistics_take_infinities_and_huge_values() -> None:
    """±inf are numbers (SPEC §3): an arm of infinities has an infinite mean and no
    interval; +inf with -inf has no mean (NaN is null), nor a difference; sums beyond the
    doubles are exact (1e308 three times: mean 1e308), and no NaN reaches the JSON."""
    inf = math.inf
    assert stats.summarise([inf, inf]) == stats.Summary(2, inf, None)
    assert stats.summarise([inf, -inf]) == stats.Summary(2, None, None)
    assert stats.summarise([1e308] * 3) == stats.Summary(3, 1e308, 0.0)
    assert stats.summarise([-1e308, -1e308, 1e308, 1e308, 1e308]).mean == 2e307
    control = stats.summarise([1.0, 2.0])
    infinite = stats.welch(stats.summarise([inf, inf]), control)
    assert infinite == stats.Difference(inf, None, None, inf)
    undefined = stats.welch(stats.summarise([inf, -inf]), control)
    assert undefined == stats.Difference(None, None, None, None)
    both = stats.welch(stats.summarise([inf, inf]), stats.summarise([inf, 1.0]))
    assert both == stats.Difference(None, None, None, None)  # inf - inf
    huge = stats.welch(stats.summarise([1e308, -1e308, 1e308]), control)
    assert huge.diff is not None and math.isfinite(huge.diff) and huge.ci_low is None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            # durations in seconds, fractions too; few distinct values, so rows repeat them
            st.sampled_from([0.0, 0.5, 1.0, 3.25, 60.0, 86_399.999, 604_799.0, 1e9]),
            st.integers(min_value=1, max_value=7),
        ),
        max_size=12,
    )
)
def test_a_histogram_median_is_the_median_of_its_repeated_values(
    histogram: list[tuple[float, int]],
) -> None:
    """A funnel reads its step durations as (seconds, users) rows, a value possibly in
    several rows (one per group): their median is `statistics.median` of the values."""
    repeated = sorted(value for value, times in histogram for _ in range(times))
    expected = statistics.median(repeated) if repeated else None
    assert stats.histogram_median(histogram) == expected


def test_proportion_interval_against_a_known_value() -> None:
    result = stats.proportions((30, 100), (20, 100))
    assert result.diff == pytest.approx(0.1)
    assert result.ci_low == pytest.approx(-0.0192199548589424, rel=1e-9)
    assert result.ci_high == pytest.approx(0.2192199548589424, rel=1e-9)
    assert result.lift == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("counts", "weights", "expected"),
    [
        ([50, 50], [0.5, 0.5], 1.0),
        ([60, 40], [0.5, 0.5], 0.04550026389635857),  # scipy.stats.chi2.sf(4, 1)
        ([600, 400], [0.5, 0.5], 2.5396285894708634e-10),  # chi2.sf(40, 1)
        # scipy.stats.chisquare([12, 40, 48], [10, 45, 45]).pvalue
        ([12, 40, 48], [0.1, 0.45, 0.45], 0.5611439686474896),
    ],
)
def test_sample_ratio_mismatch_p_value(
    counts: Sequence[int], weights: Sequence[float], expected: float
) -> None:
    assert stats.sample_ratio_p(counts, weights) == pytest.approx(expected, rel=1e-9)
    assert stats.sample_ratio_p([0, 0], [0.5, 0.5]) is None


def test_the_special_functions_against_known_values() -> None:
    assert stats.incomplete_beta(2, 3, 0.4) == pytest.approx(0.5248, rel=1e-12)
    assert stats.student_t_quantile(0.975, 10) == pytest.approx(2.2281388519649385, rel=1e-9)
    assert stats.chi_square_p(0.5, 3) == pytest.approx(0.9188914116546758, rel=1e-9)
    assert math.isclose(stats.chi_square_p(3.841458820694124, 1), 0.05, rel_tol=1e-9)


@pytest.mark.parametrize("probability", [0.51, 0.9, 0.975, 0.999])
def test_t_quantiles_against_closed_forms(probability: float) -> None:
    """Newton's steps (and their fallback) against the two closed forms: 1 degree of
    freedom is Cauchy's tan(pi (p - 1/2)), 2 are (2p - 1) / sqrt(2p(1 - p))."""
    cauchy = math.tan(math.pi * (probability - 0.5))
    two = (2 * probability - 1) / math.sqrt(2 * probability * (1 - probability))
    assert stats.student_t_quantile(probability, 1) == pytest.approx(cauchy, rel=1e-10)
    assert stats.student_t_quantile(probability, 2) == pytest.approx(two, rel=1e-10)


@pytest.mark.parametrize("df", [0.3, 0.7, 1.5, 4.2, 37.0, 5_000.0, 2e6])
def test_t_quantiles_invert_the_cdf(df: float) -> None:
    """Also below one degree of freedom, where the 99.9 % point lies beyond 10^6 (Welch's
    degrees of freedom are at least 1; the function is right for any)."""
    for probability in (0.6, 0.975, 0.999):
        t = stats.student_t_quantile(probability, df)
        assert stats.student_t_cdf(t, df) == pytest.approx(probability, abs=1e-9)


def test_a_name_that_is_no_report_is_an_error() -> None:
    with pytest.raises(ValueError, match="no funnel"):
        run(PRICE_TEST, {"users": []}, "nope", AS_OF)


def test_sums_and_percentiles_do_not_overflow_on_the_way() -> None:
    """A sum whose partial sums leave the doubles is still the exact sum (fsum gives up:
    "intermediate overflow"), and a percentile at a whole position is that value, even
    where the distance to its neighbour is beyond the doubles (inf * 0 would be NaN)."""
    from segl.compiler.values import exact_sum, interpolated, percentile_of

    assert exact_sum([-1e308, -1e308, 1e308, 1e308, 1e308]) == 1e308
    assert exact_sum([1e308, 1e308]) == math.inf and exact_sum([-1e308, -1e308]) == -math.inf
    picked = [(dt.datetime(2026, 1, 1), v) for v in (-1e308, -1e308, 1e308, 1e308, 1e308)]
    assert percentile_of(picked[:3], 0.5) == -1e308
    assert percentile_of(picked, 0.25) == -1e308
    assert interpolated(-1e308, 1e308, 0.5) == 0.0
    assert interpolated(1.0, 3.0, 0.25) == 1.5

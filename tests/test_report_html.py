"""The HTML report page (runtime/report_html.py) in a real headless Chromium: Debian's
`chromium` driven by playwright (launched by path; no browser of playwright's own), with
`fonts-noto-cjk` for the Chinese labels. `make test` installs both (make install-browser).

One result of each kind, computed by the reference evaluator from small hand-made data,
is rendered to a file and loaded from its file:// URL: no console error, no request but
the file itself, every chart drawn by plotly, incomplete retention cells hatched and named
in the legend (and null, never 0, in the chart's data), every footer present. The
screenshot is kept under build/artifacts/report_html/ (ignored by git)."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest

from segl.compiler import ir
from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.reports.rule_text import condition_text, event_text
from segl.dsl.parser import parse_program
from segl.runtime import report_html
from segl.runtime.reference.reports import evaluate_report
from segl.runtime.report_html import (
    INCOMPLETE,
    NO_SQL,
    context_of,
    figure,
    render_html,
    script_json,
    semantics,
)

ARTIFACTS = Path(__file__).resolve().parent.parent / "build" / "artifacts" / "report_html"
D = dt.datetime
AS_OF = D(2026, 11, 10)
HOSTILE = '</script><script>alert("x")</script> & <b>粗</b>'

RULES = """
source users from table "users" key user_id {
    user_id: string
    city: string
}
source events from table "events" user user_id time ts {
    name: string
    channel: string
}
source orders from table "orders" user user_id time paid_at {
    amount: number
}

segment buyers = exists(orders)

funnel push_campaign "推送活动：触达、点击、购买" within 3 days by users.city {
    step reached: events where name == "push_sent"
    step clicked: events where name == "push_click" within 1 day
    step bought: orders
}

retention visits_7d "7 日留存" {
    cohort first events where name == "register"
    return events where name == "visit"
    by day
    periods 7
}

report orders_by_city "订单（按城市）" over orders by users.city {
    orders = count()
    revenue = sum(amount)
    big_share = share(amount >= 50)
}

experiment price_test "5 元 vs 10 元" {
    population buyers
    salt "price-test-2026-11"
    arm control 20%
    arm five_off 40%
    arm ten_off 40%
    metric order_value = avg(orders.amount)
    metric repurchase = share(count(orders) >= 2)
}
"""
CITIES = ["北京", "上海", "广州"]


def _project() -> ir.Project:
    checked, diagnostics = check_programs(
        [parse_program(RULES, "report.segl")], ProjectConfig(timezone="Asia/Shanghai")
    )
    assert checked is not None, [f"{d.code} {d.message}" for d in diagnostics]
    return checked


def _tables() -> dict[str, list[dict[str, Any]]]:
    """60 users in three cities: pushes in early November, clicks and orders for some,
    registrations on Nov 1-6 with visits after (so the latest cohorts are incomplete)."""
    users, events, orders = [], [], []
    for n in range(60):
        user = f"u{n}"
        users.append({"user_id": user, "city": CITIES[n % 3]})
        sent = D(2026, 11, 1 + n % 5, 9)
        events.append({"user_id": user, "name": "push_sent", "ts": sent, "channel": "push"})
        if n % 2 == 0:
            clicked = sent + dt.timedelta(hours=2 + n % 7)
            events.append({"user_id": user, "name": "push_click", "ts": clicked, "channel": "push"})
            if n % 4 == 0:
                orders.append(
                    {
                        "user_id": user,
                        "paid_at": clicked + dt.timedelta(hours=1),
                        "amount": 20.0 + 3 * n,
                    }
                )
        registered = D(2026, 11, 1 + n % 6, 8)
        events.append({"user_id": user, "name": "register", "ts": registered, "channel": None})
        for day in range(1, 1 + n % 4):
            visit = registered + dt.timedelta(days=day)
            events.append({"user_id": user, "name": "visit", "ts": visit, "channel": None})
        if n % 3 == 0:
            orders.append({"user_id": user, "paid_at": D(2026, 10, 20), "amount": 15.0 + n})
    return {"users": users, "events": events, "orders": orders}


@pytest.fixture(scope="module")
def results() -> list[dict[str, Any]]:
    project, tables = _project(), _tables()
    entry = {"start": D(2026, 11, 1), "end": D(2026, 11, 8)}
    return [
        evaluate_report(project, tables, "push_campaign", AS_OF, **entry),
        evaluate_report(project, tables, "visits_7d", AS_OF),
        evaluate_report(project, tables, "orders_by_city", AS_OF),
        evaluate_report(project, tables, "price_test", AS_OF),
    ]


@pytest.fixture(scope="module")
def page(results: list[dict[str, Any]]) -> str:
    context = context_of(
        _project(),
        sql={"orders_by_city": "SELECT city, count(*) FROM orders WHERE note = '<b>&'"},
        title=f"零售报表 {HOSTILE}",
    )
    return render_html(results, context)


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "Debian's chromium is not installed: the HTML report is tested in a real "
            "headless browser. Install it with `make install-browser` (as root or with "
            "CI=true) or `apt-get install chromium fonts-noto-cjk`.",
            pytrace=False,
        )
    return path


def test_the_cjk_font_is_installed() -> None:
    fonts = shutil.which("fc-list")
    assert fonts is not None, "fontconfig missing: apt-get install chromium fonts-noto-cjk"
    listing = subprocess.run([fonts], capture_output=True, text=True, check=True).stdout
    assert "Noto Sans CJK SC" in listing, "apt-get install fonts-noto-cjk (make install-browser)"


def test_the_page_loads_offline_and_draws_every_chart(page: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    file = tmp_path / "report.html"
    file.write_text(page, encoding="utf-8")
    url = file.as_uri()
    errors: list[str] = []
    requests: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            tab = browser.new_page(viewport={"width": 1200, "height": 900})
            tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.on("request", lambda r: requests.append(r.url))
            tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            tab.goto(url)
            tab.wait_for_function("document.body.dataset.rendered !== undefined")
            assert tab.evaluate("document.body.dataset.rendered") == "true", errors
            _check_dom(tab)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / "report.png"
            tab.screenshot(path=str(shot), full_page=True)
            shutil.copy(file, ARTIFACTS / "report.html")
            print(f"screenshot and page: {ARTIFACTS}")
        finally:
            browser.close()
    assert errors == []
    assert requests == [url], "the page fetched something besides itself"
    assert dialogs == [], "user text ran as script"
    assert shot.stat().st_size > 10_000


def _check_dom(tab: Any) -> None:
    kinds = tab.eval_on_selector_all("section.result", "s => s.map(e => e.dataset.kind)")
    assert kinds == ["funnel", "retention", "report", "experiment"]
    # every chart drawn: plotly's svg inside each chart's div
    drawn = tab.eval_on_selector_all(
        ".chart", "charts => charts.map(c => c.querySelectorAll('svg.main-svg').length)"
    )
    assert len(drawn) == 4 and all(count > 0 for count in drawn), drawn
    bars = tab.eval_on_selector_all("#chart-0 g.point", "points => points.length")
    assert bars >= 3 * 4, "a bar per step and group (total and three cities)"
    # incomplete retention cells: a hatched trace of their own, named in the legend
    legend = tab.eval_on_selector_all("#chart-1 .legendtext", "t => t.map(e => e.textContent)")
    assert INCOMPLETE in legend
    patterns = tab.eval_on_selector_all("#chart-1 pattern", "p => p.length")
    assert patterns > 0, "the incomplete cells are hatched"
    z = tab.evaluate("document.getElementById('chart-1').data[0].z")
    hatched = tab.evaluate("document.getElementById('chart-1').data[1].x.filter(x => x === null)")
    nulls = sum(1 for row in z for cell in row if cell is None)
    assert nulls > 0 and len(hatched) == nulls, "one hatched square per null cell"
    marked = tab.eval_on_selector_all("td.incomplete", "cells => cells.length")
    assert marked == nulls
    # footers: the semantics of each kind
    footers = tab.eval_on_selector_all("footer.semantics", "f => f.map(e => e.innerText)")
    assert len(footers) == 4
    assert "entry range [2026-11-01 00:00:00, 2026-11-08 00:00:00)" in footers[0]
    assert "clicked within 1 day" in footers[0] and "censored" in footers[0]
    assert INCOMPLETE in footers[1] and "by day, 7 periods" in footers[1]
    assert "grouped by city" in footers[2]
    assert "price-test-2026-11" in footers[3] and "sample-ratio" in footers[3]
    assert all("time zone Asia/Shanghai" in footer for footer in footers)
    # Chinese text renders as text, and user text shows literally
    assert "北京" in tab.inner_text("#chart-0")
    assert tab.inner_text("h1") == f"零售报表 {HOSTILE}"
    sql = tab.eval_on_selector_all("details.sql pre", "p => p.map(e => e.textContent)")
    assert sql[2].endswith("note = '<b>&'") and sql[0] == NO_SQL


def test_user_text_is_escaped_in_the_html(page: str) -> None:
    assert HOSTILE not in page
    assert html.escape(HOSTILE, quote=False) in page
    data = re.search(r'<script type="application/json" id="segl-figures">(.*?)</script>', page)
    assert data is not None and "<" not in data.group(1)
    funnel_traces = json.loads(data.group(1))["chart-0"]["data"]
    assert [trace["name"] for trace in funnel_traces] == ["all", "上海", "北京", "广州"]


def test_script_json_cannot_close_the_script() -> None:
    text = script_json({"name": "</script><!-- \u2028 &"})
    assert "<" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"name": "</script><!-- \u2028 &"}


def test_every_figure_is_valid_for_plotly(results: list[dict[str, Any]]) -> None:
    context = context_of(_project())
    for result in results:
        spec = figure(result, context["definitions"][result["name"]])
        go.Figure(spec)  # raises on an attribute plotly does not know


def test_incomplete_retention_cells_are_null_never_zero(results: list[dict[str, Any]]) -> None:
    spec = figure(results[1])
    heatmap, hatch = spec["data"]
    cohorts = results[1]["cohorts"]
    for row, cohort in zip(heatmap["z"], cohorts, strict=True):
        for cell, retained in zip(row, cohort["retained"], strict=True):
            assert (cell is None) == (retained is None)
    assert hatch["name"] == INCOMPLETE and hatch["fillpattern"]["shape"] == "/"


# ---------------------------------------------------------------- footers: what each chart measured

FOOTER_RULES = """
source users from table "users" key user_id {
    user_id: string
    city: string
}
source events from table "events" user user_id time ts {
    name: string
    amount: number
}
source orders from table "orders" user user_id time paid_at {
    amount: number
}

tag spend = sum(orders.amount in last 30 days)
segment vip = spend >= 100

retention day_calendar {
    cohort first events where name == "register"
    return events where name == "visit"
    by day periods 7
}
retention day_rolling { cohort first events return events by day periods 7 rolling }
retention week_calendar { cohort events where name == "a" return events by week periods 4 }
retention week_rolling { cohort first events return events by week periods 4 rolling }
retention month_calendar { cohort first orders return orders by month periods 6 }
retention month_rolling {
    cohort first orders return orders by month periods 6 rolling on or after
}
retention other_filter {
    cohort first events where name == "register"
    return events where name == "buy"
    by day periods 7
}
retention odd_text {
    cohort first events where name == "<b>&\\"x\\"" or amount < 3
    return events by day periods 2
}

funnel steps {
    step seen: events where name == "view" and amount >= 2.5
    step bought: orders where amount between 10 and 20 within 1 day
}

report over_users over users where vip and users.city != "北京" by users.city { n = count() }
report over_orders over orders where amount > 5 and not (amount in [7, 8]) in last 30 days {
    n = count()
}
"""


def _footer_project() -> ir.Project:
    checked, diagnostics = check_programs(
        [parse_program(FOOTER_RULES, "footers.segl")], ProjectConfig(timezone="Asia/Shanghai")
    )
    assert checked is not None, [f"{d.code} {d.message}" for d in diagnostics]
    return checked


def _footer(name: str, **result: Any) -> str:
    """The footer's lines of result `name` (its JSON: `result`), as one text."""
    definition = context_of(_footer_project())["definitions"][name]
    kind = {"Retention": "retention", "Funnel": "funnel", "Report": "report"}
    shown = {"name": name, "kind": kind[type(definition).__name__], "as_of": "x", **result}
    return "\n".join(semantics(shown, definition, "Asia/Shanghai"))


def test_a_retention_footer_says_what_a_period_is() -> None:
    """Calendar days, weeks from Monday or months; rolling 24 hours, 7 days or calendar
    months from each user's cohort instant; `on or after` when set."""
    want = {
        "day_calendar": "by day, 7 periods: calendar days in the project's time zone",
        "day_rolling": "by day, 7 periods: rolling periods of 24 hours from each user's cohort",
        "week_calendar": "by week, 4 periods: calendar weeks (from Monday) in the project's",
        "week_rolling": "by week, 4 periods: rolling periods of 7 days from each user's cohort",
        "month_calendar": "by month, 6 periods: calendar months in the project's time zone",
        "month_rolling": "by month, 6 periods: rolling periods of a calendar month (clamped",
    }
    for name, text in want.items():
        footer = _footer(name, cohorts=[])
        assert text in footer, footer
        assert ("from Monday" in footer) == (name == "week_calendar"), footer
        assert ("on or after" in footer) == (name == "month_rolling"), footer
        assert ("first-ever" in footer) == (name != "week_calendar"), footer


def test_a_retention_footer_states_its_cohort_range() -> None:
    ranged = _footer("month_calendar", cohorts=[], **{"from": "2026-09-28 00:00:00", "to": None})
    assert "cohort range [2026-09-28 00:00:00, no end)" in ranged
    both = {"from": "2026-09-28 00:00:00", "to": "2026-10-20 00:00:00"}
    assert "cohort range [2026-09-28 00:00:00, 2026-10-20 00:00:00)" in _footer(
        "month_calendar", cohorts=[], **both
    )
    every = _footer("month_calendar", cohorts=[], **{"from": None, "to": None})
    assert "(--from/--to not given: every cohort)" in every


def test_footers_show_each_filter_as_rule_text() -> None:
    first = _footer("day_calendar", cohorts=[])
    assert 'cohort: first events where name == "register"' in first
    assert 'return: events where name == "visit"' in first
    other = _footer("other_filter", cohorts=[])
    assert 'return: events where name == "buy"' in other and first != other
    assert "cohort: first events (" in _footer("day_rolling", cohorts=[])  # no filter
    funnel = _footer("steps", groups=[], **{"from": "a", "to": "b"})
    assert (
        'steps: seen: events where name == "view" and amount >= 2.5; '
        "bought: orders where amount >= 10 and amount <= 20"
    ) in funnel
    assert "bought within 1 day of the previous step" in funnel


def test_a_report_footer_gives_its_where_condition() -> None:
    users = _footer("over_users", rows=[], over="users")
    assert 'rows where vip and users.city != "北京"' in users
    orders = _footer("over_orders", rows=[], over="orders")
    assert "rows where amount > 5 and not amount in [7, 8]" in orders
    assert "window: the last 30 days before the as-of" in orders


def test_a_filter_in_a_footer_is_escaped_in_the_page() -> None:
    project = _footer_project()
    result = {"name": "odd_text", "kind": "retention", "as_of": "x", "cohorts": []}
    page = render_html([result], context_of(project))
    written = 'cohort: first events where name == "<b>&\\"x\\"" or amount < 3'
    assert html.escape(written, quote=False) in page
    assert "<b>&" not in page


def test_conditions_read_back_as_the_same_condition() -> None:
    """The footer's text of each filter, written back into the rules, checks to the very
    same definitions: it is the condition, not a paraphrase."""
    project = _footer_project()
    reports = project.reports
    assert reports is not None
    lines = [FOOTER_RULES.split("retention day_calendar")[0]]
    for retention in reports.retentions:
        lines.append(
            f"retention {retention.name} {{ cohort {'first ' if retention.first else ''}"
            f"{event_text(retention.cohort)} return {event_text(retention.returns)} "
            f"by {retention.period} periods {retention.periods}"
            f"{' rolling' if retention.rolling else ''}"
            f"{' on or after' if retention.on_or_after else ''} }}"
        )
    seen, bought = reports.funnels[0].steps
    lines.append(
        f"funnel steps {{ step seen: {event_text(seen.event)} "
        f"step bought: {event_text(bought.event)} within 1 day }}"
    )
    for report in reports.reports:
        assert report.where is not None
        window = " in last 30 days" if report.window is not None else ""
        by = " by users.city" if report.dimensions else ""
        lines.append(
            f"report {report.name} over {report.over} where {condition_text(report.where)}"
            f"{window}{by} {{ n = count() }}"
        )
    again, diagnostics = check_programs(
        [parse_program("\n".join(lines), "again.segl")], ProjectConfig(timezone="Asia/Shanghai")
    )
    assert again is not None, [f"{d.code} {d.message}" for d in diagnostics]
    assert again.reports == reports


# ---------------------------------------------------------------- migration (docs/monitoring.md)


def _migration_page() -> tuple[str, Any]:
    """A quadrant matrix between Nov 1 and Nov 8: users staying, sliding, new and left."""
    from segl.compiler.alerts.model import LEFT, NEW
    from segl.runtime.migration import Matrix
    from segl.runtime.report_html import migration_page

    layers = ("hf_hv", "hf_lv", "lf_hv", "lf_lv")
    counts = {
        ("hf_lv", "hf_lv"): 40, ("hf_lv", "lf_lv"): 12, ("hf_lv", LEFT): 3,
        ("hf_hv", "hf_hv"): 9, ("lf_lv", "lf_lv"): 30, (NEW, "lf_lv"): 7, ("lf_hv", "hf_hv"): 2,
    }  # fmt: skip
    matrix = Matrix("value_quadrant", D(2026, 11, 1), D(2026, 11, 8), counts, layers)
    return migration_page(matrix, "频次 x 价值", "Asia/Shanghai"), matrix


def test_the_migration_figure_is_valid_for_plotly() -> None:
    from segl.runtime.migration import as_json
    from segl.runtime.report_html import migration_result

    _, matrix = _migration_page()
    spec = figure(migration_result(as_json(matrix)))
    go.Figure(spec)
    sankey, heatmap = spec["data"]
    assert "hf_lv · 11-01" in sankey["node"]["label"] and "lf_lv · 11-08" in sankey["node"]["label"]
    assert sum(sankey["link"]["value"]) == matrix.users
    hf_lv = heatmap["y"].index("hf_lv · 11-01")
    assert heatmap["z"][hf_lv][heatmap["x"].index("lf_lv · 11-08")] == pytest.approx(12 / 55)


def test_the_migration_page_draws_in_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    page, _ = _migration_page()
    file = tmp_path / "migration.html"
    file.write_text(page, encoding="utf-8")
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=_chromium(), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            tab = browser.new_page(viewport={"width": 1200, "height": 900})
            tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.on("request", lambda r: requests.append(r.url))
            tab.goto(file.as_uri())
            tab.wait_for_function("document.body.dataset.rendered !== undefined")
            assert tab.evaluate("document.body.dataset.rendered") == "true", errors
            nodes = tab.eval_on_selector_all("#chart-0 .sankey-node", "n => n.length")
            # origins: four layers and (new); destinations: four and (left), less lf_hv at
            # 11-08, which nobody reached (plotly draws no node without a link)
            assert nodes == 5 + 4
            text = tab.inner_text("#chart-0")
            assert "hf_lv · 11-01" in text and "(left) · 11-08" in text
            assert tab.eval_on_selector_all("#chart-0 .hm", "h => h.length") == 1  # the heatmap
            footer = tab.inner_text("footer.semantics")
            assert "(new): in the universe at the later run" in footer
            assert "2026-11-01 00:00:00" in footer and "time zone Asia/Shanghai" in footer
            assert "频次 x 价值" in tab.inner_text("h1")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(ARTIFACTS / "migration.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert requests == [file.as_uri()], "the page fetched something besides itself"


def test_the_rows_behind_a_chart_show_every_digit() -> None:
    """The Rows table printed 4 significant digits: a median of 90,000 s read 9e+04 and
    110,500 read 1.105e+05 (the delivery probe of 2026-12-05). It shows what JSON holds."""
    assert report_html._number(90000.0) == "90,000"
    assert report_html._number(110500.0) == "110,500"
    assert report_html._number(1 / 12) == "0.08333333333333333"
    assert report_html._number(12345) == "12,345"
    assert report_html._number(None) == "null" and report_html._number(True) == "true"
    assert report_html._number(1e300) == "1e+300"


def test_the_page_says_when_it_was_made_in_the_project_zone() -> None:
    """The header said `generated ... +00:00` in UTC while every other time on the page
    is in the project's zone (the delivery probe of 2026-12-05)."""
    shanghai = report_html._now_in_zone("Asia/Shanghai")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(CST\)", shanghai), shanghai
    assert report_html._now_in_zone(None).endswith("(UTC)")
    assert report_html._now_in_zone("Not/AZone").endswith("(UTC)")  # never a failed page

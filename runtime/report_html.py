"""The HTML page of `segl report --format html`: one self-contained file with a chart per
result (funnel, retention, report, experiment; the JSON shapes of docs/reports.md).

Self-contained means it works offline: plotly.js is inlined once from the `plotly`
package, there is no font, image or script fetched from anywhere (a Content-Security-Policy
in the page forbids it), and Chinese text renders with the system's CJK fonts (the font
stack names "Noto Sans CJK SC"). Every chart has a footer stating what it measured (entry
or cohort range, the events and their filters as rule text, windows, periods, as-of, time
zone, censored users, salt: whatever applies) and <details> holding its rows and the SQL
behind it.

User text (names, titles, labels, SQL) only reaches the page through `html.escape`, and
chart data only as JSON in a `<script type="application/json">` block whose `<`, `>` and
`&` are written as JSON escapes, so no text can close the block or start markup. The page
is built with plain string functions: jinja2 is no dependency of segl, and the page is
small enough that escaping each value where it is written is easy to check.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from segl.compiler import ir
from segl.compiler.reports import model
from segl.compiler.reports.rule_text import condition_text, event_text, weights_text
from segl.compiler.timeutil import wall_text
from segl.runtime import json_text
from segl.runtime.report_command import experiment_warnings

Json = dict[str, Any]
Definition = model.Funnel | model.Retention | model.Report | model.Experiment

# Noto Sans CJK SC first among the CJK fonts: Debian's fonts-noto-cjk, what CI has
FONT_STACK = (
    '"Noto Sans", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", '
    '"Microsoft YaHei", "Helvetica Neue", Arial, sans-serif'
)
NO_SQL = "(reference evaluator)"
INCOMPLETE = "not yet observable"
# nothing may be fetched: scripts and styles only inline, images only as data: URLs
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:"
)
PLOTLY_CONFIG: Json = {"displaylogo": False, "responsive": True}


# ---------------------------------------------------------------- context


def context_of(
    project: ir.Project, sql: Mapping[str, str] | None = None, title: str | None = None
) -> Json:
    """The context `render_html` reads, from a checked project: its time zone and the
    definitions (titles, windows, dimensions); `sql`: result name -> the SQL run for it."""
    reports = project.reports or model.Reports()
    definitions: dict[str, Definition] = {}
    for group in (reports.funnels, reports.retentions, reports.reports, reports.experiments):
        for definition in group:
            definitions[definition.name] = definition
    return {
        "title": title or "segl report",
        "timezone": project.timezone,
        "definitions": definitions,
        "sql": dict(sql or {}),
    }


# ---------------------------------------------------------------- the page


def render_html(results: Sequence[Json], context: Mapping[str, Any]) -> str:
    """One self-contained HTML page with a chart per result. `context`: `title`,
    `timezone`, optional `definitions` (name -> checked definition, for titles, windows
    and a report's dimensions), `sql` (name -> SQL text) and `generated_at`."""
    from plotly.offline import get_plotlyjs  # imported here: only pages need its 4.8 MB

    plotly_js = get_plotlyjs()
    if "</script" in plotly_js.lower():  # would end the inline script early
        raise ValueError("plotly.js cannot be inlined: it contains '</script'")
    title = str(context.get("title") or "segl report")
    sections, figures = [], {}
    for index, result in enumerate(results):
        chart_id = f"chart-{index}"
        definition = _definition(context, result)
        figures[chart_id] = figure(result, definition)
        sections.append(_section(index, chart_id, result, definition, context))
    generated = context.get("generated_at") or _now_in_zone(context.get("timezone"))
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n',
            f'<meta http-equiv="Content-Security-Policy" content="{_attr(CSP)}">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f"<title>{_text(title)}</title>\n<style>{_css()}</style>\n</head>\n<body>\n",
            f"<header><h1>{_text(title)}</h1>",
            f'<p class="meta">time zone {_text(context.get("timezone") or "UTC")} · ',
            f"generated {_text(generated)} · {len(results)} result(s)</p></header>\n<main>\n",
            *sections,
            "</main>\n",
            f'<script type="application/json" id="segl-figures">{script_json(figures)}</script>\n',
            f"<script>{plotly_js}</script>\n<script>{_BOOT}</script>\n</body>\n</html>\n",
        ]
    )


def script_json(value: Any) -> str:
    """JSON safe inside a <script> element: `<`, `>`, `&` and the JS line separators as
    escapes, which JSON.parse reads back unchanged; ±infinity as the strings of
    runtime/json_text.py (JSON has no infinities)."""
    text = json_text.dumps(value)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


# draws every chart from the JSON block; marks the body when all are drawn (the browser
# test waits for that), and shows a failure in the page rather than a blank chart
_BOOT = """
(function () {
  var figures = JSON.parse(document.getElementById("segl-figures").textContent);
  var config = __CONFIG__;
  var drawn = Object.keys(figures).map(function (id) {
    var figure = figures[id];
    return Plotly.newPlot(id, figure.data, figure.layout, config);
  });
  Promise.all(drawn).then(function () {
    document.body.setAttribute("data-rendered", "true");
  }, function (error) {
    document.body.setAttribute("data-rendered", "failed");
    console.error(error);
  });
})();
""".replace("__CONFIG__", json.dumps(PLOTLY_CONFIG))


def _css() -> str:
    return (
        f"body{{font-family:{FONT_STACK};margin:0;background:#f6f7f9;color:#1d2330}}"
        "header{padding:16px 28px;background:#fff;border-bottom:1px solid #dde1e7}"
        "h1{font-size:22px;margin:0 0 4px}.meta{color:#5b6475;margin:0;font-size:13px}"
        "main{padding:16px 28px;display:flex;flex-direction:column;gap:20px}"
        "section.result{background:#fff;border:1px solid #dde1e7;border-radius:6px;"
        "padding:14px 18px}"
        "section.result h2{font-size:18px;margin:0}.kind{color:#5b6475;font-size:13px}"
        ".chart{width:100%;min-height:360px}"
        "footer.semantics{font-size:13px;color:#333c4d;border-top:1px solid #eef0f3;"
        "margin-top:8px;padding-top:6px}footer.semantics ul{margin:4px 0;padding-left:18px}"
        ".warning{color:#b3261e;font-weight:600}"
        "details{margin-top:6px;font-size:13px}summary{cursor:pointer;color:#1f5fbf}"
        "table{border-collapse:collapse;margin-top:6px}"
        "th,td{border:1px solid #dde1e7;padding:3px 8px;text-align:right}"
        "th{background:#f0f2f5}td.text{text-align:left}"
        "td.incomplete{background:repeating-linear-gradient(45deg,#e3e5e8,#e3e5e8 4px,"
        "#f5f6f7 4px,#f5f6f7 8px);color:#5b6475;font-style:italic}"
        "pre{background:#f0f2f5;padding:8px;overflow:auto;white-space:pre-wrap}"
    )


def _text(value: object) -> str:
    return html.escape(str(value), quote=False)


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


def _definition(context: Mapping[str, Any], result: Json) -> Definition | None:
    definitions = context.get("definitions") or {}
    found = definitions.get(result.get("name"))
    return found if isinstance(found, Definition) else None


def _section(
    index: int,
    chart_id: str,
    result: Json,
    definition: Definition | None,
    context: Mapping[str, Any],
) -> str:
    name = str(result.get("name", f"result {index + 1}"))
    kind = str(result.get("kind", ""))
    title = (definition.title if definition is not None else None) or name
    sql = (context.get("sql") or {}).get(name) or NO_SQL
    lines = semantics(result, definition, str(context.get("timezone") or "UTC"))
    header, cells = rows_table(result, definition)
    return "".join(
        [
            f'<section class="result" id="result-{index}" data-kind="{_attr(kind)}" ',
            f'data-name="{_attr(name)}">\n<h2>{_text(title)}</h2>',
            f'<div class="kind">{_text(kind)} <code>{_text(name)}</code></div>\n',
            f'<div class="chart" id="{chart_id}"></div>\n',
            '<footer class="semantics"><ul>',
            *(f"<li{_warning(line)}>{_text(line)}</li>" for line in lines),
            "</ul></footer>\n",
            f'<details class="rows"><summary>Rows ({len(cells)})</summary>',
            _table(header, cells),
            "</details>\n",
            '<details class="sql"><summary>SQL</summary>',
            f"<pre>{_text(sql)}</pre></details>\n</section>\n",
        ]
    )


def _warning(line: str) -> str:
    return ' class="warning"' if line.startswith("WARNING") else ""


# ---------------------------------------------------------------- footers


def semantics(result: Json, definition: Definition | None, timezone: str) -> list[str]:
    """The footer's lines: what the chart measured, for its kind."""
    describe = _FOOTERS.get(str(result.get("kind")))
    lines = describe(result, definition) if describe is not None else []
    return [*lines, f"as-of {result.get('as_of', '?')} · time zone {timezone}"]


def _funnel_footer(result: Json, definition: Definition | None) -> list[str]:
    lines = [
        f"entry range [{result.get('from')}, {result.get('to')}): bounds the first step "
        "only; later steps count up to the entry's window end or the as-of",
        "each user counted once, at the furthest step of any chain; rates from the first "
        "and from the previous step",
    ]
    if isinstance(definition, model.Funnel):
        lines.append(
            "steps: " + "; ".join(f"{s.name}: {event_text(s.event)}" for s in definition.steps)
        )
        lines.append("windows: " + _funnel_windows(definition))
        if definition.split is not None:
            how = "entry event's column" if definition.split.entry_column else "per-user value"
            lines.append(f"split by {definition.split.key} ({how})")
    censored = ", ".join(
        f"{_group_label(group)} {group.get('censored', 0)}" for group in result.get("groups", [])
    )
    lines.append(
        f"censored (window still open at the as-of, not at the last step): {censored or '0'}"
    )
    return lines


def _funnel_windows(definition: model.Funnel) -> str:
    parts = []
    if definition.within is not None:
        parts.append(f"every step within {_duration(definition.within)} of the first")
    for step in definition.steps[1:]:
        if step.within is not None:
            parts.append(f"{step.name} within {_duration(step.within)} of the previous step")
    return "; ".join(parts) or "none (an entry's chances never end)"


def _retention_footer(result: Json, definition: Definition | None) -> list[str]:
    lines = []
    if "from" in result or "to" in result:  # results stored before the range was kept lack it
        start, end = result.get("from"), result.get("to")
        lines.append(
            f"cohort range [{'no start' if start is None else start}, "
            f"{'no end' if end is None else end}): the cohorts whose cohort event lies in it"
            + (" (--from/--to not given: every cohort)" if start is None and end is None else "")
        )
    if isinstance(definition, model.Retention):
        cohort = event_text(definition.cohort)
        lines.append(
            f"cohort: first {cohort} (each user's first-ever such event)"
            if definition.first
            else f"cohort: {cohort} (every period with such an event is a cohort of the user)"
        )
        lines.append(f"return: {event_text(definition.returns)}")
        periods = _retention_periods(definition)
        lines.append(
            f"by {definition.period}, {definition.periods} periods: {periods}"
            + (
                "; on or after: retained in period k by a return in the period or any later one"
                if definition.on_or_after
                else ""
            )
        )
    incomplete = sum(
        1 for cohort in result.get("cohorts", []) for cell in cohort["retained"] if cell is None
    )
    lines.append(
        f"cells are the share of the cohort with a return in period k; {incomplete} cell(s) "
        f"{INCOMPLETE} at the as-of (null, hatched), never 0"
    )
    return lines


_CALENDAR_PERIODS = {
    "day": "calendar days",
    "week": "calendar weeks (from Monday)",
    "month": "calendar months",
}
_ROLLING_PERIODS = {
    "day": "24 hours",
    "week": "7 days",
    "month": "a calendar month (clamped at the month's end)",
}


def _retention_periods(definition: model.Retention) -> str:
    """What a period is (SPEC §3.5): calendar periods in the project's zone after the
    cohort's, or rolling ones from each user's own cohort instant."""
    if definition.rolling:
        return (
            f"rolling periods of {_ROLLING_PERIODS[definition.period]} from each user's "
            "cohort instant"
        )
    return (
        f"{_CALENDAR_PERIODS[definition.period]} in the project's time zone, period k being "
        "the k-th after the cohort's"
    )


def _report_footer(result: Json, definition: Definition | None) -> list[str]:
    over = result.get("over", "?")
    lines = [f"over {over}: one row per {'user' if over == 'users' else 'event of ' + over}"]
    if isinstance(definition, model.Report):
        if definition.window is not None:
            lines.append(f"window: {_window(definition.window)}")
        if definition.where is not None:
            lines.append(f"rows where {condition_text(definition.where)}")
        if definition.dimensions:
            dims = ", ".join(d.name for d in definition.dimensions)
            lines.append(f"grouped by {dims}; null is a group of its own")
    lines.append("descriptive: groups are compared as they are, not as a randomised test")
    return lines


def _experiment_footer(result: Json, definition: Definition | None) -> list[str]:
    lines = [f"salt {result.get('salt')!r}; control arm {result.get('control')}"]
    if isinstance(definition, model.Experiment):
        weights = weights_text(definition)
        lines.append(f"declared weights: {weights}")
    lines.append(
        "bars: difference to control with its 95% interval (Welch's t for means, normal "
        "approximation for shares); lift = difference / control's mean"
    )
    srm = result.get("srm_p")
    srm_text = "n/a" if srm is None else f"{srm:.4g}"
    prefix = "WARNING sample-ratio mismatch: " if result.get("srm_mismatch") else ""
    lines.append(f"{prefix}sample-ratio check p = {srm_text} (flagged below 0.001)")
    return lines + experiment_warnings(result)


_FOOTERS: dict[str, Callable[[Json, Definition | None], list[str]]] = {
    "funnel": _funnel_footer,
    "retention": _retention_footer,
    "report": _report_footer,
    "experiment": _experiment_footer,
    "migration": lambda result, _: _migration_footer(result),
}


def _duration(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


def _window(window: ir.Window) -> str:
    if window.since is not None:
        return f"since {window.since.isoformat(sep=' ')}"
    if window.kind == "today":
        return "since midnight of the as-of's day"
    unit = window.unit.value if hasattr(window.unit, "value") else str(window.unit)
    if window.end_count:
        return f"between {window.start_count} and {window.end_count} {unit}s before the as-of"
    return f"the last {window.start_count} {unit}s before the as-of"


# ---------------------------------------------------------------- rows


def rows_table(result: Json, definition: Definition | None) -> tuple[list[str], list[list[Any]]]:
    """The result's rows as a table: a header and its cells (None: an incomplete
    retention cell, shown as such)."""
    kind = result.get("kind")
    if kind == "migration":
        return _migration_rows(result)
    if kind == "funnel":
        header = [
            "group",
            "step",
            "users",
            "rate_from_first",
            "rate_from_previous",
            "median_seconds_from_previous",
        ]
        return header, [
            [
                _group_label(group),
                step["name"],
                step["users"],
                step["rate_from_first"],
                step["rate_from_previous"],
                step["median_seconds_from_previous"],
            ]
            for group in result.get("groups", [])
            for step in group["steps"]
        ]
    if kind == "retention":
        cohorts = result.get("cohorts", [])
        width = max((len(c["retained"]) for c in cohorts), default=0)
        header = ["cohort", "size", *(f"period {k}" for k in range(1, width + 1))]
        return header, [[c["cohort"], c["size"], *c["retained"]] for c in cohorts]
    if kind == "experiment":
        header = ["arm", "users", "metric", "mean", "diff", "ci_low", "ci_high", "lift"]
        return header, [
            [
                arm["arm"],
                arm["users"],
                metric,
                values["mean"],
                values["diff"],
                values["ci_low"],
                values["ci_high"],
                values["lift"],
            ]
            for arm in result.get("arms", [])
            for metric, values in arm["metrics"].items()
        ]
    rows = result.get("rows", [])
    header = list(dict.fromkeys(key for row in rows for key in row))
    return header, [[row.get(key) for key in header] for row in rows]


def _table(header: Sequence[str], cells: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_text(name)}</th>" for name in header)
    body = "".join(
        "<tr>"
        + "".join(_cell(value, column) for column, value in zip(header, row, strict=False))
        + "</tr>"
        for row in cells
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _now_in_zone(zone: object) -> str:
    """When the page was made, in the project's zone as every other time on it."""
    now = dt.datetime.now(dt.UTC)
    with contextlib.suppress(ValueError, KeyError):  # an odd zone: UTC, stated
        now = now.astimezone(ZoneInfo(str(zone or "UTC")))
    return f"{wall_text(now)} ({now.tzname()})"


def _cell(value: Any, column: str) -> str:
    if value is None and column.startswith("period "):
        return f'<td class="incomplete" data-incomplete="true">{INCOMPLETE}</td>'
    if isinstance(value, str):
        return f'<td class="text">{_text(value)}</td>'
    return f"<td>{_text(_number(value))}</td>"


def _number(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # the rows behind a chart in full, as the JSON holds them (4 digits showed a
        # median of 90000 s as 9e+04): whole numbers grouped, others as Python writes them
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return repr(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _group_label(group: Json) -> str:
    key = group.get("key") or {}
    if not key:
        return "all"
    return " · ".join(f"{_label(value)}" for value in key.values())


def _label(value: Any) -> str:
    return "(null)" if value is None else _number(value) if not isinstance(value, str) else value


# ---------------------------------------------------------------- charts


def figure(result: Json, definition: Definition | None = None) -> Json:
    """The plotly figure (`{"data": [...], "layout": {...}}`, plain JSON) of a result."""
    build = _FIGURES.get(str(result.get("kind")))
    if build is None:
        raise ValueError(f"no chart for a result of kind {result.get('kind')!r}")
    data, layout = build(result, definition)
    base: Json = {
        "font": {"family": FONT_STACK, "size": 13},
        "margin": {"l": 70, "r": 30, "t": 30, "b": 60},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "legend": {"orientation": "h", "y": -0.18},
    }
    return {"data": data, "layout": {**base, **layout}}


Figure = tuple[list[Json], Json]


def _funnel_figure(result: Json, definition: Definition | None) -> Figure:
    """Bars of users per step, one colour per group (the total first); each bar's label
    gives both rates, the hover adds the median time from the previous step."""
    data = []
    for group in result.get("groups", []):
        steps = group["steps"]
        data.append(
            {
                "type": "bar",
                "name": _plot_text(_group_label(group)),
                "x": [_plot_text(step["name"]) for step in steps],
                "y": [step["users"] for step in steps],
                "text": [_rates_label(step) for step in steps],
                "textposition": "outside",
                "textangle": 0,
                "cliponaxis": False,
                "customdata": [_median_label(step) for step in steps],
                "hovertemplate": "%{x}: %{y} users<br>%{text}<br>%{customdata}"
                "<extra>%{fullData.name}</extra>",
            }
        )
    layout = {
        "barmode": "group",
        "yaxis": {"title": {"text": "users"}, "rangemode": "tozero"},
        "xaxis": {"title": {"text": "step"}, "type": "category"},
        "uniformtext": {"minsize": 8, "mode": "show"},
        "bargroupgap": 0.05,
    }
    return data, layout


def _rates_label(step: Json) -> str:
    return (
        f"{_percent(step['rate_from_first'])} of first<br>"
        f"{_percent(step['rate_from_previous'])} of previous"
    )


def _median_label(step: Json) -> str:
    seconds = step.get("median_seconds_from_previous")
    if seconds is None:
        return "median time from previous: —"
    return f"median time from previous: {seconds / 3600:.1f} h"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _retention_figure(result: Json, definition: Definition | None) -> Figure:
    """The triangle: a heatmap of the share retained (cohorts down, periods across) on
    numeric axes, so that the incomplete cells can be covered by a hatched grey trace of
    their own, named in the legend: a null cell never looks like a 0."""
    cohorts = result.get("cohorts", [])
    width = max((len(c["retained"]) for c in cohorts), default=0)
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    incomplete: list[tuple[int, int]] = []
    for row, cohort in enumerate(cohorts):
        size = cohort["size"]
        cells = cohort["retained"] + [None] * (width - len(cohort["retained"]))
        z.append([None if n is None or not size else n / size for n in cells])
        text.append(["" if n is None else f"{n} · {n / size:.0%}" if size else "" for n in cells])
        incomplete.extend((k, row) for k, n in enumerate(cells, start=1) if n is None)
    periods = list(range(1, width + 1))
    rows = list(range(len(cohorts)))
    heatmap = {
        "type": "heatmap",
        "name": "retained share",
        "x": periods,
        "y": rows,
        "z": z,
        "zmin": 0,
        "zmax": 1,
        # white to blue: a 0% cell is white, clearly not the hatched grey of a null one
        "colorscale": [[0, "#f7fbff"], [0.5, "#6baed6"], [1, "#08306b"]],
        "text": text,
        "texttemplate": "%{text}",
        "hoverongaps": False,
        "hovertemplate": "period %{x}: %{text}<extra></extra>",
        "colorbar": {"title": {"text": "retained"}, "tickformat": ".0%"},
        "xgap": 2,
        "ygap": 2,
    }
    hatch = _hatched_cells(incomplete)
    labels = [_plot_text(f"{c['cohort']} (n={c['size']})") for c in cohorts]
    layout = {
        "xaxis": {
            "title": {"text": "period after the cohort's"},
            "tickvals": periods,
            "range": [0.5, width + 0.5],
            "showgrid": False,
            "zeroline": False,
        },
        "yaxis": {
            "title": {"text": "cohort"},
            "tickvals": rows,
            "ticktext": labels,
            "autorange": "reversed",
            "showgrid": False,
            "zeroline": False,
        },
        "height": max(320, 60 + 34 * len(cohorts)),
        "showlegend": True,
        "margin": {"l": 150, "r": 30, "t": 30, "b": 60},
    }
    return [heatmap, hatch], layout


def _hatched_cells(cells: Iterable[tuple[int, int]]) -> Json:
    """One scatter trace drawing every incomplete cell as a hatched grey square (the
    squares separated by gaps, each filled on its own)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for x, y in cells:
        xs.extend([x - 0.46, x + 0.46, x + 0.46, x - 0.46, x - 0.46, None])
        ys.extend([y - 0.46, y - 0.46, y + 0.46, y + 0.46, y - 0.46, None])
    return {
        "type": "scatter",
        "name": INCOMPLETE,
        "x": xs,
        "y": ys,
        "mode": "lines",
        "fill": "toself",
        "fillcolor": "#d4d7dc",
        "fillpattern": {"shape": "/", "fgcolor": "#8a9099", "bgcolor": "#eceef1", "size": 8},
        "line": {"color": "#8a9099", "width": 1},
        "hoverinfo": "name",
        "showlegend": True,
    }


def _report_figure(result: Json, definition: Definition | None) -> Figure:
    """Grouped bars, one panel per metric (metrics have their own scales): the first
    dimension along x, one bar colour per value of the other dimensions."""
    rows = result.get("rows", [])
    dims, metrics = _report_columns(rows, definition)
    data: list[Json] = []
    layout: Json = {"barmode": "group", "height": max(360, 240 * len(metrics))}
    series = list(dict.fromkeys(_series_label(row, dims[1:]) for row in rows))
    gap = 0.08
    panel = (1 - gap * (len(metrics) - 1)) / max(len(metrics), 1)
    for index, metric in enumerate(metrics):
        axis = "" if index == 0 else str(index + 1)
        for label in series:
            members = [row for row in rows if _series_label(row, dims[1:]) == label]
            data.append(
                {
                    "type": "bar",
                    "name": _plot_text(label),
                    "legendgroup": label,
                    "showlegend": index == 0 and bool(dims[1:]),
                    "x": [
                        _plot_text(_label(row.get(dims[0]))) if dims else "all" for row in members
                    ],
                    "y": [row.get(metric) for row in members],
                    "xaxis": f"x{axis}",
                    "yaxis": f"y{axis}",
                    "hovertemplate": f"{_js_template_text(metric)}: %{{y}}<extra>%{{x}} "
                    f"{_js_template_text(label)}</extra>",
                }
            )
        top = 1 - index * (panel + gap)
        layout[f"yaxis{axis}"] = {
            "title": {"text": _plot_text(metric)},
            "domain": [max(top - panel, 0), top],
            "rangemode": "tozero",
            "anchor": f"x{axis}",
        }
        layout[f"xaxis{axis}"] = {
            "type": "category",
            "anchor": f"y{axis}",
            "title": {"text": _plot_text(dims[0]) if dims and index == len(metrics) - 1 else ""},
        }
    return data, layout


def _js_template_text(text: str) -> str:
    """Text put in a plotly hovertemplate, where `%{` would start a placeholder."""
    return _plot_text(text).replace("%", "%%")


def _plot_text(text: str) -> str:
    """User text as plotly shows it literally: plotly reads `<b>`, `<a href>` and the like
    in labels as markup and decodes entities, so `<`, `>` and `&` go in as entities."""
    return html.escape(text, quote=False)


def _report_columns(
    rows: Sequence[Json], definition: Definition | None
) -> tuple[list[str], list[str]]:
    """The dimensions and metrics of a report's rows: from the definition when given,
    else the leading columns holding any text or boolean value are read as dimensions."""
    keys = list(dict.fromkeys(key for row in rows for key in row))
    if isinstance(definition, model.Report):
        dims = [d.name for d in definition.dimensions]
        return dims, [m.name for m in definition.metrics]
    dims = []
    for key in keys:
        if not any(isinstance(row.get(key), str | bool) for row in rows):
            break
        dims.append(key)
    return dims, keys[len(dims) :]


def _series_label(row: Json, dims: Sequence[str]) -> str:
    return " · ".join(f"{dim} {_label(row.get(dim))}" for dim in dims) or "all"


def _experiment_figure(result: Json, definition: Definition | None) -> Figure:
    """Per metric a panel: each arm's difference to control with its 95% interval as
    error bars (control is the zero line), the arm's mean and lift in the labels."""
    arms = result.get("arms", [])
    metrics = list(dict.fromkeys(m for arm in arms for m in arm["metrics"]))
    data: list[Json] = []
    layout: Json = {"height": max(360, 260 * len(metrics)), "showlegend": False}
    gap = 0.1
    panel = (1 - gap * (len(metrics) - 1)) / max(len(metrics), 1)
    for index, metric in enumerate(metrics):
        axis = "" if index == 0 else str(index + 1)
        values = [arm["metrics"][metric] for arm in arms]
        diffs = [
            0 if arm["arm"] == result.get("control") else v["diff"]
            for arm, v in zip(arms, values, strict=True)
        ]
        data.append(
            {
                "type": "bar",
                "name": _plot_text(metric),
                "x": [_plot_text(arm["arm"]) for arm in arms],
                "y": diffs,
                "text": [
                    _arm_label(arm, v, result.get("control"))
                    for arm, v in zip(arms, values, strict=True)
                ],
                "textposition": "outside",
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [_span(v["ci_high"], v["diff"]) for v in values],
                    "arrayminus": [_span(v["diff"], v["ci_low"]) for v in values],
                    "color": "#1d2330",
                    "thickness": 1.5,
                    "width": 8,
                },
                "xaxis": f"x{axis}",
                "yaxis": f"y{axis}",
                "hovertemplate": "%{x}: %{text}<extra></extra>",
            }
        )
        top = 1 - index * (panel + gap)
        layout[f"yaxis{axis}"] = {
            "title": {"text": _plot_text(f"{metric}: diff to control")},
            "domain": [max(top - panel, 0), top],
            "zeroline": True,
            "zerolinewidth": 2,
            "anchor": f"x{axis}",
        }
        layout[f"xaxis{axis}"] = {"type": "category", "anchor": f"y{axis}"}
    return data, layout


def _span(high: float | None, low: float | None) -> float | None:
    return None if high is None or low is None else high - low


def _arm_label(arm: Json, values: Json, control: Any) -> str:
    mean = "—" if values["mean"] is None else f"{values['mean']:.4g}"
    if arm["arm"] == control:
        return f"control · mean {mean} · n={arm['users']}"
    lift = "—" if values["lift"] is None else f"{values['lift']:+.1%}"
    return f"mean {mean} · lift {lift} · n={arm['users']}"


_FIGURES: dict[str, Callable[[Json, Definition | None], Figure]] = {
    "funnel": _funnel_figure,
    "retention": _retention_figure,
    "report": _report_figure,
    "experiment": _experiment_figure,
    "migration": lambda result, _: _migration_figure(result),
}


# ---------------------------------------------------------------- migration


def migration_result(matrix_json: Json) -> Json:
    """A `segl show migration` JSON object (runtime/migration.py as_json) as a result of
    this page: kind "migration", named by its layering, as of its later run."""
    return {
        **matrix_json,
        "kind": "migration",
        "name": matrix_json["layering"],
        "as_of": matrix_json["to"],
    }


# the shortest of these that tells two runs apart labels their periods (as-ofs are whole
# seconds, so the last always does)
_PERIOD_FORMS = ("%m-%d", "%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def _periods(first: str, second: str) -> tuple[str, str]:
    """Two runs' as-ofs as their nodes' periods: month-day, the time when either is not
    midnight, the year when they are a year apart, the seconds when only they differ."""
    times = [dt.datetime.fromisoformat(moment) for moment in (first, second)]
    midnight = all(when.time() == dt.time() for when in times)
    # the time is shown when, and only when, an as-of is not midnight
    forms = [f for f in _PERIOD_FORMS[:-1] if midnight != ("%H" in f)] + [_PERIOD_FORMS[-1]]
    for form in forms:
        before, after = (_padded_year(when, form) for when in times)
        if before != after:
            break
    return before, after


def _padded_year(when: dt.datetime, form: str) -> str:
    """strftime, with a year of four digits before the year 1000 too."""
    return when.strftime(form.replace("%Y", f"{when.year:04d}"))


def _migration_figure(result: Json) -> Figure:
    """A Sankey of period-qualified layers (`hf_lv · 11-01` -> `lf_lv · 11-08`) beside the
    matrix as a heatmap of shares of the origin row (counts as text)."""
    before, after = _periods(result["from"], result["to"])
    origins = list(result["from_totals"])
    destinations = list(result["to_totals"])
    labels = [f"{o} · {before}" for o in origins] + [f"{d} · {after}" for d in destinations]
    cells = result["cells"]
    sankey: Json = {
        "type": "sankey",
        "domain": {"x": [0.0, 0.5], "y": [0.0, 1.0]},
        "node": {"label": labels, "pad": 14, "thickness": 14},
        "link": {
            "source": [origins.index(c["from"]) for c in cells],
            "target": [len(origins) + destinations.index(c["to"]) for c in cells],
            "value": [c["users"] for c in cells],
            "customdata": [_percent(c["share"]) for c in cells],
            "hovertemplate": "%{source.label} → %{target.label}: %{value} users "
            "(%{customdata} of the origin)<extra></extra>",
        },
    }
    found = {(c["from"], c["to"]): c for c in cells}
    shares = [
        [(found[(o, d)]["share"] if (o, d) in found else 0.0) for d in destinations]
        for o in origins
    ]
    counts = [
        [str(found[(o, d)]["users"]) if (o, d) in found else "0" for d in destinations]
        for o in origins
    ]
    heatmap: Json = {
        "type": "heatmap",
        "x": [f"{d} · {after}" for d in destinations],
        "y": [f"{o} · {before}" for o in origins],
        "z": shares,
        "text": counts,
        "texttemplate": "%{text}",
        "zmin": 0,
        "zmax": 1,
        "colorscale": "Blues",
        "reversescale": True,  # plotly's Blues runs from dark to light: 0 light
        "showscale": False,
        "hovertemplate": "%{y} → %{x}: %{text} users (%{z:.1%} of the row)<extra></extra>",
        "xaxis": "x",
        "yaxis": "y",
    }
    layout: Json = {
        "height": max(320, 60 * len(origins) + 120),
        "xaxis": {"domain": [0.6, 1.0], "side": "top"},
        "yaxis": {"autorange": "reversed"},
        "margin": {"l": 30, "r": 30, "t": 60, "b": 30},
    }
    return [sankey, heatmap], layout


def _migration_footer(result: Json) -> list[str]:
    return [
        f"users of layering {result['layering']} at the run as of {result['from']} (left, "
        f"rows) and at the run as of {result['to']} (right, columns); a share is of the "
        "origin's users (its row)",
        "(new): in the universe at the later run, not at the earlier; (left): in it at the "
        "earlier, not at the later; (none): in the universe, in no layer",
    ]


def _migration_rows(result: Json) -> tuple[list[str], list[list[Any]]]:
    header = ["from", "to", "users", "share"]
    return header, [[c["from"], c["to"], c["users"], c["share"]] for c in result["cells"]]


def migration_page(
    matrix: Any, title: str | None = None, timezone: str = "UTC", sql: str | None = None
) -> str:
    """The page of `segl show migration --format html`: the matrix of runtime/migration.py
    drawn as a Sankey and a heatmap, with its rows, the semantics in the footer and the
    SQL that counted it."""
    from segl.runtime.migration import as_json

    result = migration_result(as_json(matrix))
    heading = f"migration of {matrix.layering}" + (f" ({title})" if title else "")
    context = {"title": heading, "timezone": timezone, "sql": {matrix.layering: sql or NO_SQL}}
    return render_html([result], context)

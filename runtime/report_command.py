"""`segl report`: run a project's funnels, retention, reports and experiments on an engine
(runtime/reports.py), keep every result as history keyed by as-of (the `_report_results`
table of compiler/store.py) and show them as text, JSON (docs/reports.md) or an HTML page
(runtime/report_html.py); and `segl show assignments`.

A report run again for an as-of replaces its stored row: the old rows of the reports run
are deleted and the new ones inserted in one transaction (on ClickHouse and Spark, which
have none, by each target's `replace_rows`: a staged table swapped in at the end)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.reports import model
from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.store import Store, Table
from segl.compiler.targets import Target
from segl.compiler.timeutil import wall_text
from segl.compiler.types import Type
from segl.dsl.diagnostics import Diagnostic, DiagnosticError, Severity, did_you_mean
from segl.runtime import json_text
from segl.runtime.engines import Engine
from segl.runtime.store import create_kept_table
from segl.runtime.tables import display_width, format_table, printable

if TYPE_CHECKING:
    from segl.compiler.reports.sql import Persons

Json = dict[str, Any]
KINDS = ("funnel", "retention", "report", "experiment")
RANGED = ("funnel", "retention")  # the kinds --from/--to bound


@dataclass(frozen=True)
class Chosen:
    name: str
    kind: str


def defined(project: ir.Project) -> list[Chosen]:
    """Every funnel, retention, report and experiment of the project, kind by kind."""
    reports = project.reports or model.Reports()
    groups: Sequence[tuple[str, Sequence[Any]]] = (
        ("funnel", reports.funnels),
        ("retention", reports.retentions),
        ("report", reports.reports),
        ("experiment", reports.experiments),
    )
    return [Chosen(d.name, kind) for kind, group in groups for d in group]


def choose(project: ir.Project, names: Sequence[str]) -> list[Chosen]:
    """The reports named (all when none is), in the order named; E0301 for an unknown
    name (with the closest one), E0820 when the project defines none."""
    known = defined(project)
    if not known:
        raise DiagnosticError(
            [
                Diagnostic(
                    "E0820",
                    f"project '{project.name}' defines no funnel, retention, report or "
                    "experiment: nothing to report",
                    None,
                    ("define one (docs/reports.md), e.g. funnel f { step a: ... step b: ... }",),
                )
            ]
        )
    by_name = {c.name: c for c in known}
    problems = []
    for name in names:
        if name not in by_name:
            hints = [*did_you_mean(name, by_name), "reports: " + ", ".join(by_name)]
            problems.append(Diagnostic("E0301", f"unknown report '{name}'", None, tuple(hints)))
    if problems:
        raise DiagnosticError(problems)
    return [by_name[name] for name in dict.fromkeys(names)] if names else known


def backwards_range(start: dt.datetime, end: dt.datetime, example: str) -> Diagnostic:
    """E0821 for a --to not after its --from (segl report, segl simulate)."""
    message = f"--to {wall_text(end)} is not after --from {wall_text(start)}"
    return Diagnostic("E0821", message, None, (example,))


# the kinds a --from/--to bounds (entries, cohorts); reports and experiments have none
RANGED = ("funnel", "retention")


def check_range(
    as_of: dt.datetime,
    start: dt.datetime | None,
    end: dt.datetime | None,
    kinds: Sequence[str] = (),
) -> list[Diagnostic]:
    """E0821: --to not after --from, or a range that starts after the as-of (nothing in
    it has happened yet: its report would be silently empty), unless none of `kinds` is
    bounded by a range. With a funnel among `kinds`, a --to alone must be after the
    funnel's default start (30 days before the as-of)."""
    example = "e.g. --from 2026-10-01 --to 2026-11-01 (entries or cohorts in [from, to))"
    if start is None and end is not None and "funnel" in kinds:
        from segl.runtime.reports import entry_range

        default_start, _ = entry_range(as_of, None, None)
        if end <= default_start:
            return [
                Diagnostic(
                    "E0821",
                    f"--to {wall_text(end)} is not after a funnel's default --from "
                    f"{wall_text(default_start)} (30 days before the as-of)",
                    None,
                    ("pass --from too, or a later --to", example),
                )
            ]
    if start is not None and end is not None and end <= start:
        return [backwards_range(start, end, example)]
    ranged = not kinds or any(kind in RANGED for kind in kinds)
    if start is not None and start >= as_of and ranged:  # reports and experiments: no range
        return [
            Diagnostic(
                "E0821",
                f"--from {wall_text(start)} is not before the as-of "
                f"{wall_text(as_of)}: the range is in the future",
                None,
                ("pass an earlier --from, or a later --as-of", example),
            )
        ]
    return []


def range_warnings(
    project: ir.Project, as_of: dt.datetime, end: dt.datetime | None, kinds: Sequence[str]
) -> list[Diagnostic]:
    """W0602 for an as-of in the future (as `segl run` says it): the results are stored
    under it and an experiment's assignments are dated by it; W0603 for a --to after the
    as-of: entries and cohorts are counted up to the as-of only."""
    from segl.runtime.run import in_the_future

    found: list[Diagnostic] = []
    if in_the_future(project, as_of):
        found.append(
            Diagnostic(
                "W0602",
                f"the reports are computed as of {wall_text(as_of)}, which is in the "
                "future: they count what has happened so far, and are stored as that as-of's "
                "results (an experiment's new assignments are dated by it)",
                None,
                ("leave --as-of out for now, or give the time you meant",),
                Severity.WARNING,
            )
        )
    if end is not None and end > as_of and any(kind in RANGED for kind in kinds):
        found.append(
            Diagnostic(
                "W0603",
                f"--to {wall_text(end)} is after the as-of {wall_text(as_of)}: "
                "entries and cohorts are counted up to the as-of only",
                None,
                ("pass a later --as-of to count them to --to",),
                Severity.WARNING,
            )
        )
    return found


def compute(
    engine: Engine,
    project: ir.Project,
    chosen: Chosen,
    as_of: dt.datetime,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    store: Store | None = None,
    ran: list[str] | None = None,
) -> Json:
    """One result, the JSON object of docs/reports.md; the SQL its numbers come from is
    appended to `ran` (the HTML page's "SQL" section). With `store`, an experiment first
    records its new assignments there and then runs over the stored ones (sticky). A
    project with an identity needs `store`: its users are the persons stored by the latest
    run at or before the as-of (E0822 when there is none)."""
    from segl.runtime import reports
    from segl.runtime.assignments import run_sticky_experiment

    if store is not None and chosen.kind == "experiment":
        return run_sticky_experiment(engine, store, project, chosen.name, as_of, ran)
    persons = _persons(engine, store, project, as_of)
    name = chosen.name
    if chosen.kind == "funnel":
        return reports.run_funnel(engine, project, name, as_of, start, end, persons, ran)
    if chosen.kind == "retention":
        return reports.run_retention(engine, project, name, as_of, start, end, persons, ran)
    if chosen.kind == "report":
        return reports.run_report(engine, project, name, as_of, start, end, persons, ran)
    return reports.run_experiment(engine, project, name, as_of, persons=persons, ran=ran)


def _persons(
    engine: Engine, store: Store | None, project: ir.Project, as_of: dt.datetime
) -> Persons | None:
    """The persons a project with an identity's reports read (None without one)."""
    from segl.runtime.reports import persons_at

    if project.identity is None:
        return None
    if store is None:
        raise ValueError("the reports of a project with an identity read a run's persons")
    return persons_at(engine, store, project, as_of)


def stored_range(
    kind: str, result: Json, low: dt.datetime | None, high: dt.datetime | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The range a stored result covers: a funnel's entry range (its default when no
    --from/--to), a retention's cohort range; none for reports and experiments."""
    if kind == "funnel":
        start, end = result.get("from"), result.get("to")
        return (
            dt.datetime.fromisoformat(str(start)) if start is not None else low,
            dt.datetime.fromisoformat(str(end)) if end is not None else high,
        )
    if kind == "retention":
        return low, high
    return None, None


def assignments(
    engine: Engine, store: Store, project: ir.Project, experiment: str, as_of: dt.datetime
) -> list[tuple[Any, str, dt.datetime | None]]:
    """(user, arm, assigned_at) of an experiment at the as-of: the stored assignments made
    by then, and the population's users without one by bucket (assigned_at None); E0301
    for an unknown experiment."""
    from segl.runtime.assignments import assignments_at

    names = [e.name for e in (project.reports or model.Reports()).experiments]
    if experiment not in names:
        hints = [*did_you_mean(experiment, names), "experiments: " + (", ".join(names) or "none")]
        raise DiagnosticError(
            [Diagnostic("E0301", f"unknown experiment '{experiment}'", None, tuple(hints))]
        )
    return assignments_at(engine, store, project, experiment, as_of)


# ---------------------------------------------------------------- the history table


def experiment_warnings(result: Json) -> list[str]:
    """Warnings under an experiment's table: an empty population (every value is null),
    users of the population in no arm (their key has no bucket: docs/semantics.md)."""
    lines = []
    if not any(arm.get("users") for arm in result.get("arms", [])):
        lines.append(
            "warning: the experiment has no users at the as-of: its population is empty (or "
            "nobody was assigned by then), so every mean, difference and interval is null"
        )
    count = int(result.get("unassigned") or 0)
    if count:
        lines.append(
            f"warning: {count:,} user{'s' if count != 1 else ''} of the population in no "
            "arm: their key has no bucket (a number with a fraction, or outside the 64-bit "
            "integer range); keep such keys in an integer or text column"
        )
    return lines


def schema_problem(engine: Engine, table: Table) -> Diagnostic | None:
    """E0609 when a stored table of this name lacks a column or holds another type."""
    live = engine.columns_of(table.name)
    if live is None:
        return None
    by_name = {name.lower(): kind for name, kind in live.items()}
    for column in table.columns:
        found = by_name.get(column.name.lower())
        if found is not None and engine.holds(column.type, found):
            continue
        renamed = exp.Alter(
            this=table_ref(table.name),
            kind="TABLE",
            actions=[exp.AlterRename(this=table_ref(f"{table.name}_old"))],
        )
        what = "has no column" if found is None else f"has {found} in column"
        return Diagnostic(
            "E0609",
            f"{table.name} {what} {column.name}: it was written by another version of segl "
            "or another tool",
            None,
            (
                "keep it under another name and run again: "
                + render(renamed, engine.target, pretty=False),
            ),
        )
    return None


def _typed(target: Target, value: exp.Expression | None, column_type: Any) -> exp.Expression:
    if value is None:
        return exp.Cast(this=exp.null(), to=target.store_type(column_type))
    return value


def store_results(
    engine: Engine,
    store: Store,
    results: Sequence[Json],
    as_of: dt.datetime,
    ranges: Sequence[tuple[dt.datetime | None, dt.datetime | None]],
    version: str,
) -> None:
    """Keep the results for the as-of: each report's earlier row of that as-of replaced,
    all in one transaction."""
    table = store.report_results
    target = engine.target
    problem = schema_problem(engine, table)
    if problem is not None:
        raise DiagnosticError([problem])
    if not results:
        return
    if engine.columns_of(table.name) is None:
        create = create_kept_table(table, target)
        engine.execute_in_transaction([render(create, target, pretty=False)])
    run_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    selects: list[exp.Query] = []
    for result, (start, end) in zip(results, ranges, strict=True):
        values: dict[str, exp.Expression] = {
            "as_of": target.timestamp(as_of),
            "report": target.string(str(result["name"])),
            "kind": target.string(str(result["kind"])),
            "range_from": _typed(
                target, None if start is None else target.timestamp(start), Type.TIMESTAMP
            ),
            "range_to": _typed(
                target, None if end is None else target.timestamp(end), Type.TIMESTAMP
            ),
            "result": target.string(json_text.dumps(result)),  # standard JSON, as printed
            "run_at": target.instant(run_at),
            "segl_version": target.string(version),
        }
        selects.append(
            exp.Select(
                expressions=[
                    exp.alias_(
                        exp.Cast(this=values[c.name], to=target.store_type(c.type)),
                        c.name,
                        quoted=True,
                    )
                    for c in table.columns
                ]
            )
        )
    query = selects[0]
    for select in selects[1:]:
        query = exp.Union(this=query, expression=select, distinct=False)
    insert = exp.Insert(
        this=exp.Schema(
            this=table_ref(table.name),
            expressions=[exp.to_identifier(n, quoted=True) for n in table.names],
        ),
        expression=query,
    )
    names = exp.In(this=col("report"), expressions=[target.string(str(r["name"])) for r in results])
    match = exp.And(
        this=exp.EQ(this=col("as_of"), expression=target.timestamp(as_of)), expression=names
    )
    statements = [
        *target.replace_rows(table.name, [], match, insert),
        *target.finish_run([table.name]),
    ]
    engine.execute_in_transaction([render(s, target, pretty=False) for s in statements])


@dataclass(frozen=True)
class Stored:
    as_of: dt.datetime
    report: str
    kind: str
    range_from: dt.datetime | None
    range_to: dt.datetime | None
    result: Json


def read_results(engine: Engine, store: Store, report: str | None = None) -> list[Stored]:
    """The stored results (of one report), oldest as-of first."""
    table = store.report_results
    if engine.columns_of(table.name) is None:
        return []
    names = ["as_of", "report", "kind", "range_from", "range_to", "result"]
    query = exp.Select(expressions=[col(n) for n in names]).from_(table_ref(table.name))
    if report is not None:
        query = query.where(exp.EQ(this=col("report"), expression=engine.target.string(report)))
    query = query.order_by(col("as_of"), col("report"))
    found = []
    for as_of, name, kind, start, end, text in engine.query(render(query, engine.target)):
        found.append(
            Stored(
                engine.decode(as_of, Type.TIMESTAMP),
                str(name),
                str(kind),
                None if start is None else engine.decode(start, Type.TIMESTAMP),
                None if end is None else engine.decode(end, Type.TIMESTAMP),
                json.loads(text),
            )
        )
    return found


# ---------------------------------------------------------------- text


def _rate(value: Any) -> str:
    return "-" if value is None else f"{value:.1%}"


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _duration(seconds: Any) -> str:
    if seconds is None:
        return "-"
    whole = round(float(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"


def _censored(groups: list[Json]) -> str:
    """The total's censored users, then those of each group that has any when the funnel
    is split (the JSON has every group's)."""
    if not groups:
        return "0"
    split = [f"{_key(g['key'])} {g['censored']:,}" for g in groups[1:] if g["censored"]]
    return f"{groups[0]['censored']:,}" + (f" ({', '.join(split)})" if split else "")


def cohort_range(result: Json) -> str:
    """The cohorts a retention result holds: those whose cohort event lies in [from, to)
    (`--from`/`--to`; each end optional)."""
    start, end = result.get("from"), result.get("to")
    if start is None and end is None:
        return "every cohort (no --from/--to)"
    if end is None:
        return f"cohorts from {start} on"
    if start is None:
        return f"cohorts before {end}"
    return f"cohorts from {start} to {end}"


def _key(key: Json) -> str:
    """A group's key as text, its warehouse values escaped (tables.printable): a newline
    in a city forged a line of the censored count."""
    shown = ", ".join(f"{k}={'null' if v is None else _number(v)}" for k, v in key.items())
    return printable(shown) or "(all)"


def result_text(result: Json, title: str | None = None) -> str:
    """One result as a readable table, under a heading naming it."""
    kind = result.get("kind")
    heading = f"{kind} {result['name']}" + (f" - {title}" if title else "")
    lines = [heading, "=" * min(display_width(heading), 80)]
    if kind == "funnel":
        lines.append(f"entries from {result['from']} to {result['to']}, as of {result['as_of']}")
        header = ["group", "step", "users", "from first", "from previous", "median time"]
        rows = [
            [
                _key(group["key"]),
                step["name"],
                _number(step["users"]),
                _rate(step["rate_from_first"]),
                _rate(step["rate_from_previous"]),
                _duration(step["median_seconds_from_previous"]),
            ]
            for group in result["groups"]
            for step in group["steps"]
        ]
        lines.append(format_table(header, rows))
        lines.append(f"censored (window still open at the as-of): {_censored(result['groups'])}")
    elif kind == "retention":
        lines.append(f"{cohort_range(result)}, as of {result['as_of']} (-: a period not over yet)")
        cohorts = result["cohorts"]
        width = max((len(c["retained"]) for c in cohorts), default=0)
        header = ["cohort", "size", *(str(k) for k in range(1, width + 1))]
        lines.append(
            format_table(
                header,
                [
                    [c["cohort"], _number(c["size"]), *(_number(n) for n in c["retained"])]
                    for c in cohorts
                ],
            )
        )
        if not cohorts:
            lines.append("no cohort: no user had the cohort event in the range")
    elif kind == "experiment":
        lines.append(f"salt {result.get('salt')}, control {result.get('control')}")
        header = ["arm", "users", "metric", "mean", "diff", "95% CI", "lift"]
        rows = []
        for arm in result["arms"]:
            for metric, values in arm["metrics"].items():
                low, high = values["ci_low"], values["ci_high"]
                ci = "-" if low is None or high is None else f"[{low:.4g}, {high:.4g}]"
                rows.append(
                    [
                        arm["arm"],
                        _number(arm["users"]),
                        metric,
                        _number(values["mean"]),
                        _number(values["diff"]),
                        ci,
                        _rate(values["lift"]),
                    ]
                )
        lines.append(format_table(header, rows))
        srm = result.get("srm_p")
        verdict = " (sample ratio mismatch!)" if result.get("srm_mismatch") else ""
        lines.append(f"sample-ratio-mismatch p: {_number(srm)}{verdict}")
        lines += experiment_warnings(result)
    else:
        rows_of = result.get("rows", [])
        header = list(dict.fromkeys(key for row in rows_of for key in row))
        if not rows_of:
            over = result.get("over")
            lines.append(f"no rows: no {over or 'row'} matched at the as-of")
        else:
            table = [[_number(r.get(k)) for k in header] for r in rows_of]
            lines.append(format_table(header, table))
    return "\n".join(lines) + "\n"


def results_text(results: Sequence[Json], titles: dict[str, str | None]) -> str:
    return "\n".join(result_text(r, titles.get(str(r["name"]))) for r in results)


def titles_of(project: ir.Project) -> dict[str, str | None]:
    reports = project.reports or model.Reports()
    found: dict[str, str | None] = {}
    for group in (reports.funnels, reports.retentions, reports.reports, reports.experiments):
        for definition in group:
            found[definition.name] = getattr(definition, "title", None)
    return found

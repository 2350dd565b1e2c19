"""`segl show` and `segl catalog`: stored results and metadata, for people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.alerts.model import Alert
from segl.compiler.fingerprints import definition_fingerprint
from segl.compiler.journeys import model
from segl.compiler.plan import build_plan
from segl.compiler.reports import model as reports_model
from segl.compiler.reports.rule_text import weights_text
from segl.compiler.sqlgen import USER, aliased, build_query, col, render, table_ref
from segl.compiler.store import Store
from segl.compiler.timeutil import wall_text
from segl.compiler.types import Type
from segl.dsl.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from segl.runtime.engines import Engine
from segl.runtime.migration import stored_fingerprints
from segl.runtime.project import LoadedProject, in_file_order
from segl.runtime.store import StoredRuns
from segl.runtime.tables import format_table, printable, share

# the persons of the run shown, read from the stored map (a CTE of the standalone query)
PERSONS_CTE = "persons"


def segment_sql(project: ir.Project, name: str, as_of: dt.datetime, engine: Engine) -> str:
    """A standalone query listing the members of one segment (and only what it needs);
    with an identity it reads the persons the run stored for that as-of."""
    plan = build_plan(project.closure([name]), as_of)
    identity_map = PERSONS_CTE if project.identity is not None else None
    query = build_query(plan, engine.target, identity_map)
    column = plan.column_for(name).column
    member = exp.EQ(this=col(column), expression=engine.target.boolean(True))
    rows = exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier("r")))
    members = (
        exp.Select(expressions=[aliased(col(USER), "user_id")])
        .from_(rows, copy=False)
        .where(member, copy=False)
    )
    if identity_map is not None:
        store = Store(project)
        persons = (
            exp.Select(expressions=[col("kind"), col("id"), col("person")])
            .from_(table_ref(store.persons.name), copy=False)
            .where(StoredRuns(engine, store).at(as_of), copy=False)
        )
        members = members.with_(identity_map, as_=persons, copy=False)
    return render(members, engine.target)


def find_segment(project: ir.Project, name: str) -> ir.Segment:
    for segment in project.segments:
        if segment.name == name:
            return segment
    names = [s.name for s in project.segments]
    kind = project.kind_of(name)
    if kind is not None:  # a tag or a layering: it has no members
        hints: tuple[str, ...] = (f"'{name}' is a {kind}; a segment is a condition on it",)
    else:
        listed = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
        hints = did_you_mean(name, names) or ((f"its segments: {listed}",) if names else ())
    hints = hints or ("the project has no segments",)
    raise DiagnosticError([Diagnostic("E0301", f"unknown segment '{name}'", None, hints)])


def segment_members(engine: Engine, store: Store, name: str, as_of: dt.datetime) -> exp.Select:
    """The stored members of one segment at an as-of."""
    target = engine.target
    return (
        exp.Select(expressions=[col("user_id")])
        .from_(table_ref(store.members.name), copy=False)
        .where(
            exp.and_(
                exp.EQ(this=col("segment"), expression=target.string(name)),
                exp.EQ(this=col("as_of"), expression=target.timestamp(as_of)),
            ),
            copy=False,
        )
    )


def chosen_run(engine: Engine, store: Store, as_of: dt.datetime | None) -> dt.datetime:
    """The as-of asked for (which must be stored), or the latest stored one."""
    runs = StoredRuns(engine, store)
    moment = as_of or runs.latest()
    if moment is None:
        raise DiagnosticError(
            [
                Diagnostic(
                    "E0607",
                    f"no stored results of project '{store.project.name}' in this database "
                    f"(table {store.runs.name})",
                    None,
                    ("run the project first: segl run PROJECT --db URL",),
                )
            ]
        )
    runs.require(moment)
    return moment


def changed_since_run(
    engine: Engine, store: Store, moment: dt.datetime, wanted: Sequence[tuple[str, str]]
) -> list[str]:
    """The (kind, name) definitions of `wanted` whose definition changed since the run as
    of `moment` (its stored results are the old rules'); E0607 when that run did not
    compute one of them (added to the rules later: no stored members or values)."""
    stored = stored_fingerprints(engine, store).get(moment)
    if stored is None or stored.definitions is None:
        return []  # a run log from before per-definition fingerprints: nothing to compare
    computed = stored.definitions
    when = wall_text(moment)
    missing = [
        Diagnostic(
            "E0607",
            f"{kind} '{name}' was not computed by the run as of {when}: it is newer than that "
            "run's rules",
            None,
            (f"run the project again as of {when}, or choose a later run with --as-of",),
        )
        for kind, name in wanted
        if name not in computed
    ]
    if missing:
        raise DiagnosticError(missing)
    return [
        name for _, name in wanted if computed[name] != definition_fingerprint(store.project, name)
    ]


def key_order(
    engine: Engine, project: ir.Project, table: str, key: exp.Expression
) -> exp.Expression:
    """The user key of the stored `table` as members are listed in: text keys by code point
    (SPEC §3), which a PostgreSQL database's own collation may not be (`U10` before `u01`,
    or after); numbers as numbers. A key the rules leave undeclared is text when the stored
    column is (it had the database's order: an acceptance probe)."""
    universe = project.source(project.universe)
    kind = universe.column_type(universe.user_column) or project.key
    if project.identity is not None or kind is Type.STRING:
        return engine.target.ordered_text(key)
    if kind is None:
        stored = (engine.columns_of(table) or {}).get("user_id")
        if stored is not None and not engine.fits(Type.NUMBER, stored):
            return engine.target.ordered_text(key)
    return key


def segment_report(
    loaded: LoadedProject, engine: Engine, name: str, as_of: dt.datetime | None, sample: int
) -> str:
    assert loaded.project is not None
    project = loaded.project
    segment = find_segment(project, name)
    store = Store(project, loaded.settings.table_prefix, engine.target.ascii_table_names)
    moment = chosen_run(engine, store, as_of)
    changed = changed_since_run(engine, store, moment, [("segment", name)])
    target = engine.target
    members = segment_members(engine, store, name, moment)
    count_query = exp.Select(expressions=[exp.Count(this=exp.Star())]).from_(
        exp.Subquery(this=members.copy(), alias=exp.TableAlias(this=exp.to_identifier("m"))),
        copy=False,
    )
    size = int(engine.query(render(count_query, target, pretty=False))[0][0])
    users = StoredRuns(engine, store).users_at(moment) or 0
    in_key_order = key_order(engine, project, store.members.name, col("user_id"))
    sample_query = members.order_by(in_key_order, copy=False).limit(
        exp.Literal.number(sample), copy=False
    )
    query = render(sample_query, target, pretty=False)
    sampled = [printable(str(row[0])) for row in engine.query(query)]
    title = f' "{segment.title}"' if segment.title else ""
    lines = [
        f"segment {name}{title}",
        f"as of    {wall_text(moment)}",
        f"size     {size:,} of {users:,} users ({share(size, users)})",
        f"sample   {', '.join(sampled) if sampled else '(none)'}",
    ]
    if changed:
        lines.append(
            "note     its definition changed since this run: these are the members the run "
            "stored, the SQL below is of the current rules"
        )
    lines += [
        "",
        f"-- the members of {name}, as {engine.name} SQL",
        f"-- zoned times are read in the project's zone: the session's zone must be "
        f"{project.timezone}",
        segment_sql(project, name, moment, engine) + ";",
    ]
    return "\n".join(lines)


CatalogRow = dict[str, object]
CATALOG_KINDS = ("tag", "segment", "layering", "journey", "report", "alert")


def _kind_of(definition: ir.Definition) -> tuple[str, str]:
    if isinstance(definition, ir.Tag):
        return "tag", definition.type.value
    if isinstance(definition, ir.Segment):
        return "segment", "bool"
    return "layering", "string"


def catalog_rows(project: ir.Project, files: Sequence[str] = ()) -> list[CatalogRow]:
    """Tags, then segments, then layerings, each group in file order (`files`: the rule
    files in load order); a layering lists its layers (name and title) in order."""
    rows: list[CatalogRow] = []
    for definition in in_file_order(project.definitions, files):
        meta = dict(definition.meta)
        kind, value_type = _kind_of(definition)
        layers = None
        if isinstance(definition, ir.Layering):
            layers = [{"name": layer.name, "title": layer.title} for layer in definition.layers]
        rows.append(
            {
                "kind": kind,
                "name": definition.name,
                "type": value_type,
                "title": definition.title,
                "category": meta.get("category"),
                "owner": meta.get("owner"),
                "description": meta.get("description"),
                "tag_kind": meta.get("kind"),
                "file": definition.span.file,
                "line": definition.span.line,
                "layers": layers,
            }
        )
    rows.sort(key=lambda row: CATALOG_KINDS.index(str(row["kind"])))  # stable: file order
    journeys = project.journeys.journeys if project.journeys is not None else ()
    rows += [_journey_row(journey) for journey in in_file_order(journeys, files)]
    rows += _report_rows(project.reports, files)
    alerts = project.alerts.alerts if project.alerts is not None else ()
    rows += [_alert_row(alert) for alert in in_file_order(alerts, files)]
    return rows


ReportDefinition = (
    reports_model.Funnel | reports_model.Retention | reports_model.Report | reports_model.Experiment
)


def _report_rows(reports: reports_model.Reports | None, files: Sequence[str]) -> list[CatalogRow]:
    """Funnels, retentions, reports and experiments together, in file order: each with
    its kind and what it measures in a few words."""
    if reports is None:
        return []
    every: list[ReportDefinition] = [
        *reports.funnels,
        *reports.retentions,
        *reports.reports,
        *reports.experiments,
    ]
    return [_report_row(definition) for definition in in_file_order(every, files)]


def _report_row(definition: ReportDefinition) -> CatalogRow:
    if isinstance(definition, reports_model.Funnel):
        kind = "funnel"
        within = f" within {_span_text(definition.within)}" if definition.within else ""
        summary = f"{len(definition.steps)} steps{within}: " + ", ".join(
            step.name for step in definition.steps
        )
    elif isinstance(definition, reports_model.Retention):
        kind = "retention"
        rolling = ", rolling" if definition.rolling else ""
        summary = f"by {definition.period}, {definition.periods} periods{rolling}"
    elif isinstance(definition, reports_model.Report):
        kind = "report"
        by = ", ".join(d.name for d in definition.dimensions)
        summary = (
            f"over {definition.over}"
            + (f" by {by}" if by else "")
            + ": "
            + ", ".join(m.name for m in definition.metrics)
        )
    else:
        kind = "experiment"
        summary = f"salt {definition.salt!r}: {weights_text(definition)}"
    return {
        "kind": "report",
        "name": definition.name,
        "report_kind": kind,
        "title": definition.title,
        "summary": summary,
        "file": definition.span.file,
        "line": definition.span.line,
    }


def _alert_row(alert: Alert) -> CatalogRow:
    """An alert: its title, cooldown and repeat (`5 days`), and its metadata."""
    meta = dict(alert.meta)
    return {
        "kind": "alert",
        "name": alert.name,
        "title": alert.title,
        "cooldown": _span_text(alert.cooldown),
        "repeat": _span_text(alert.repeat),
        "owner": meta.get("owner"),
        "description": meta.get("description"),
        "file": alert.span.file,
        "line": alert.span.line,
    }


def _span_text(span: dt.timedelta | None) -> str | None:
    """A cooldown or repeat in the largest of days, hours and minutes that counts it whole:
    `7 days` (never weeks: a tool reading the JSON parses one form), `90 minutes`."""
    if span is None:
        return None
    minutes = int(span.total_seconds()) // 60
    for unit, size in (("day", 24 * 60), ("hour", 60), ("minute", 1)):
        if minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return str(span)


def _journey_row(journey: model.Journey) -> CatalogRow:
    """A journey: its entry rule and steps (name, channel, template, in order)."""
    steps = [{"name": s.name, "channel": s.channel, "template": s.template} for s in journey.steps]
    return {
        "kind": "journey",
        "name": journey.name,
        "title": journey.title,
        "steps": steps,
        "steps_text": ", ".join(f"{s['name']} ({s['channel']})" for s in steps),
        "file": journey.span.file,
        "line": journey.span.line,
    }


# columns of `segl catalog` per kind: (header, key of the row)
_CATALOG_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "tag": [
        ("tag", "name"),
        ("type", "type"),
        ("category", "category"),
        ("kind", "tag_kind"),
        ("title", "title"),
        ("owner", "owner"),
        ("description", "description"),
    ],
    "segment": [
        ("segment", "name"),
        ("category", "category"),
        ("title", "title"),
        ("owner", "owner"),
        ("description", "description"),
    ],
    "journey": [
        ("journey", "name"),
        ("title", "title"),
        ("steps", "steps_text"),
    ],
    "report": [
        ("report", "name"),
        ("kind", "report_kind"),
        ("title", "title"),
        ("measures", "summary"),
    ],
    "alert": [
        ("alert", "name"),
        ("title", "title"),
        ("cooldown", "cooldown"),
        ("repeat every", "repeat"),
        ("owner", "owner"),
        ("description", "description"),
    ],
    "layering": [
        ("layering / layer", "name"),
        ("category", "category"),
        ("title", "title"),
        ("owner", "owner"),
        ("description", "description"),
    ],
}


def catalog_text(rows: Sequence[CatalogRow]) -> str:
    """One table per kind (tags, segments, layerings), with each layering's layers
    indented below it."""
    blocks: list[str] = []
    for kind in CATALOG_KINDS:
        columns = _CATALOG_COLUMNS[kind]
        table: list[list[object]] = []
        for row in rows:
            if row["kind"] != kind:
                continue
            table.append([row[key] for _, key in columns])
            layers = row.get("layers")
            for layer in layers if isinstance(layers, list) else []:
                cells: list[object] = [""] * len(columns)
                cells[0] = f"  {layer['name']}"
                cells[[key for _, key in columns].index("title")] = layer["title"] or ""
                table.append(cells)
        if table:
            blocks.append(format_table([header for header, _ in columns], table))
    if not blocks:
        return "(no tags, segments, layerings, journeys, reports or alerts)\n"
    return "\n\n".join(blocks) + "\n"

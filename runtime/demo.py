"""`segl demo`: a deterministic synthetic retail warehouse, and the examples run on it,
their journeys decided by runs on a schedule over the demo's last days, their alerts
and a layering's migration against a run a week earlier."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shlex
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from segl.compiler import ir
from segl.compiler.timeutil import day_text, minute_text
from segl.dsl.diagnostics import Diagnostic, DiagnosticError
from segl.runtime import alerts
from segl.runtime import migration as mg
from segl.runtime import report_command as rc
from segl.runtime.demo_data import DEMO_ANCHOR, build_demo_warehouse
from segl.runtime.engines import DuckDBEngine, Engine
from segl.runtime.outbox import read_outbox
from segl.runtime.project import LoadedProject, load_project
from segl.runtime.report_html import context_of, migration_result, render_html
from segl.runtime.run import run_loaded, segl_version, store_of
from segl.runtime.tables import JOURNEY_COLUMNS, format_table, plural, summary_text

DEMO_PROJECTS = ("retail", "nev")
REPORT_DAYS = 28  # the demo's funnel entries and daily retention cohorts: four weeks


@dataclass(frozen=True)
class Schedule:
    """Runs at `first`, `first + every`, ... before the demo's as-of, which runs last."""

    first: dt.datetime
    every: dt.timedelta
    spoken: str  # how the demo says it

    def instants(self, end: dt.datetime = DEMO_ANCHOR) -> list[dt.datetime]:
        found: list[dt.datetime] = []
        at = self.first
        while at < end:
            found.append(at)
            at += self.every
        return found


# A scheduler (cron, Airflow) calls `segl run`, and each run decides what the journeys do
# since the previous one (SPEC §3.2). A journey's first run makes no entries from earlier
# events, so the demo switches the journeys on before its as-of and runs them up to it: the
# beauty brand's CRM at 06:00 and 18:00 over the last two days (the 06:00 runs fall in the
# quiet hours in China, not for members in America; Saturday brings the weekend's wake-up
# push), the car brand's lead follow-up every day at noon over the last two weeks (its
# first follow-up comes a week after the test drive). Every run computes the whole project,
# so the retail schedule is short: at 100,000 members a run takes seconds.
SCHEDULES = {
    "retail": Schedule(
        DEMO_ANCHOR - dt.timedelta(hours=42), dt.timedelta(hours=12), "at 06:00 and 18:00"
    ),
    "nev": Schedule(
        DEMO_ANCHOR - dt.timedelta(days=13, hours=12), dt.timedelta(days=1), "every day at 12:00"
    ),
}


@dataclass(frozen=True)
class Monitoring:
    """A run `before` the demo's as-of, then the migration of `layering` from it to the
    run as of the demo's as-of."""

    before: dt.timedelta
    layering: str

    @property
    def reference(self) -> dt.datetime:
        return DEMO_ANCHOR - self.before


# The retail rules ran a week before the demo's as-of too, before their journeys were
# written (a journey's first run is its own: that run leaves the schedule's journeys as they
# were): the reference run of the alerts' `over 7 days`, so the run as of the demo's as-of
# sees the slide of high-frequency low-value buyers of the demo data's last week (SPEC §2.9).
MONITORING = {"retail": Monitoring(dt.timedelta(days=7), "value_quadrant")}


def examples_dir() -> Path:
    return Path(str(resources.files("segl.examples")))


def shown_example(name: str) -> str:
    """How the closing hints name an example project: `examples/NAME` where the current
    folder has it (a checkout, as `make demo` runs), else the installed copy's path."""
    local = Path("examples") / name
    if (local / "segl.toml").is_file():
        return local.as_posix()
    return shlex.quote(str((examples_dir() / name).resolve()))


DUCKDB_MAGIC = b"DUCK"  # at bytes 8..12 of every DuckDB database file


def _fresh(path: Path) -> None:
    """Remove the DuckDB file at `path` (and its WAL) to build anew; E0605 when `path` is a
    folder, is in a missing folder, or is a file that is not a DuckDB database (the demo
    replaces a warehouse, never someone's other file)."""
    hint = "choose another --db, e.g. --db segl_demo.duckdb"
    problem = None
    if path.is_dir():
        problem = f"--db {path} is a folder"
    elif not path.absolute().parent.is_dir():
        problem = f"--db {path}: there is no folder {path.absolute().parent}"
    elif path.exists() and not path.is_file():  # a device, a pipe, a socket: size 0
        problem = f"--db {path} is not a file: segl demo replaces only a warehouse"
        hint = "it was left as it is; " + hint
    elif path.exists() and path.stat().st_size > 0:
        try:
            with path.open("rb") as file:
                header = file.read(12)
        except OSError as err:
            header, problem = b"", f"cannot read --db {path}: {err.strerror or err}"
        if problem is None and header[8:12] != DUCKDB_MAGIC:
            problem = f"--db {path} is not a DuckDB database: segl demo replaces only a warehouse"
            hint = "the file was left as it is; " + hint
    if problem is not None:
        raise DiagnosticError([Diagnostic("E0605", problem, None, (hint,))])
    for stale in (path, path.with_name(path.name + ".wal")):
        if stale.exists():
            stale.unlink()


def without_journeys(loaded: LoadedProject) -> LoadedProject:
    """The project as it was before its journeys were written (the same definitions, so the
    same fingerprints: the runs compare)."""
    assert loaded.project is not None
    return dataclasses.replace(loaded, project=dataclasses.replace(loaded.project, journeys=None))


@dataclass
class _Journeys:
    """What the demo ran for one project's journeys."""

    loaded: LoadedProject
    schedule: Schedule
    runs: int
    seconds: float


def run_demo(db_path: Path, users: int, echo: Callable[[str], None]) -> str:
    """Build the warehouse at db_path (replacing it) and run every demo project: its
    journeys on a schedule up to the demo's as-of, then the run as of it, printed."""
    _fresh(db_path)
    engine = DuckDBEngine(str(db_path))
    scheduled: list[_Journeys] = []
    warnings: dict[tuple[str, str], Diagnostic] = {}
    matrices: list[tuple[mg.Matrix, str]] = []  # drawn on the HTML page, with their SQL
    try:
        started = time.perf_counter()
        counts = build_demo_warehouse(engine.connection, users=users)
        seconds = time.perf_counter() - started
        echo(f"built a synthetic warehouse in {db_path} in {seconds:.1f} s")
        echo(format_table(["table", "rows"], list(counts.items())) + "\n")
        for name in DEMO_PROJECTS:
            loaded = load_project(examples_dir() / name)
            if not loaded.ok:
                raise DiagnosticError(loaded.diagnostics)
            assert loaded.project is not None
            schedule = SCHEDULES.get(name) if loaded.project.journeys is not None else None
            watch = MONITORING.get(name)
            if watch is not None:
                started = time.perf_counter()
                run_loaded(without_journeys(loaded), engine, watch.reference)
                echo(
                    f"{name}: a run as of {minute_text(watch.reference)}, a week before, of "
                    "the rules before their journeys were written (the reference run of the "
                    f"alerts' `over 7 days` and of the migration below) in "
                    f"{time.perf_counter() - started:.1f} s"
                )
            started = time.perf_counter()
            if schedule is not None:
                instants = schedule.instants()
                echo(
                    f"{name}: runs {schedule.spoken} from {minute_text(instants[0])} decide "
                    f"its journeys up to the run as of {minute_text(DEMO_ANCHOR)}"
                )
                for at in instants:
                    for warning in run_loaded(loaded, engine, at).warnings:
                        warnings.setdefault((name, warning.code), warning)
            in_file_order = loaded.in_file_order(loaded.project.definitions)
            summary = run_loaded(loaded, engine, DEMO_ANCHOR)
            for warning in summary.warnings:
                warnings.setdefault((name, warning.code), warning)
            if schedule is not None:
                seconds = time.perf_counter() - started
                scheduled.append(_Journeys(loaded, schedule, len(instants) + 1, seconds))
            echo(summary_text(summary, [d.name for d in in_file_order]))
            if watch is not None:
                matrices.append(show_monitoring(engine, loaded, watch, echo))
        if scheduled:
            echo(journeys_text(engine, scheduled, list(warnings.values())))
        page = run_reports(engine, load_project(examples_dir() / "retail"), db_path, echo, matrices)
    finally:
        engine.close()
    url = shlex.quote(f"duckdb:///{db_path}")  # each line works pasted: a path with spaces
    retail = shown_example("retail")
    lines = [
        f"the reports as an HTML page (charts, the rows and the SQL behind them): {page}",
        "next: see one audience, its members and its SQL:",
        f"  segl show segment beijing_loyal -p {retail} --db {url} --as-of {day_text(DEMO_ANCHOR)}",
    ]
    for name, watch in MONITORING.items():
        lines += [
            "the alerts' latest states, and the migration drawn as a Sankey on its own page:",
            f"  segl alerts -p {shown_example(name)} --db {url}",
            f"  segl show migration {watch.layering} -p {shown_example(name)} --db {url} "
            f"--from {day_text(watch.reference)} --to {day_text(DEMO_ANCHOR)} "
            f"--format html --out {watch.layering}.html",
        ]
    if scheduled:
        lines += [
            "the journeys' messages, one JSON object each, and one journey's delivered to a file:",
            f"  segl show outbox -p {retail} --db {url} --format jsonl",
            f"  segl deliver {retail} --db {url} --journey first_purchase "
            "--to file:retail_messages.jsonl",
        ]
    return "\n".join(lines) + "\n"


def show_monitoring(
    engine: Engine, loaded: LoadedProject, watch: Monitoring, echo: Callable[[str], None]
) -> tuple[mg.Matrix, str]:
    """Print the migration of the watched layering from the week-earlier run to the demo's
    as-of (`segl show migration`) and the alerts' latest states (`segl alerts`); return the
    matrix and the SQL that counted it, for the HTML page."""
    from segl.compiler.sqlgen import render

    project = loaded.project
    assert project is not None
    store = store_of(loaded, engine)
    layering = next(la for la in project.layerings if la.name == watch.layering)
    matrix = mg.migration(engine, store, layering, watch.reference, DEMO_ANCHOR)
    query = mg.matrix_query(store, engine.target, layering.name, watch.reference, DEMO_ANCHOR)
    echo(
        f"{project.name}: how the users of {layering.name} moved from the run as of "
        f"{minute_text(watch.reference)} to the run as of {minute_text(DEMO_ANCHOR)} "
        "(segl show migration)\n"
    )
    echo(mg.as_text(matrix, layering.title) + "\n")
    echo(f"{project.name}: the alerts' latest states (segl alerts)\n")
    echo(alerts.listing_text(project, alerts.latest_states(engine, store)))
    return matrix, render(query, engine.target)


def run_reports(
    engine: Engine,
    loaded: LoadedProject,
    db_path: Path,
    echo: Callable[[str], None],
    matrices: list[tuple[mg.Matrix, str]] | None = None,
) -> Path:
    """The project's funnels, retention, reports and experiments as of the demo's as-of,
    as `segl report` runs them (stored, the experiments' assignments too): printed as text
    and written as the HTML page next to the database, whose path is returned, with the
    `matrices` drawn last (a Sankey and the matrix each). Funnels' entries and retention's
    cohorts are the last weeks' (`_report_span`)."""
    if not loaded.ok or loaded.project is None:
        raise DiagnosticError(loaded.diagnostics)
    project = loaded.project
    store = store_of(loaded, engine)
    started = time.perf_counter()
    chosen = rc.defined(project)
    spans = [_report_span(project, c) for c in chosen]
    ran: dict[str, list[str]] = {c.name: [] for c in chosen}
    results = [
        rc.compute(engine, project, c, DEMO_ANCHOR, start, DEMO_ANCHOR, store, ran[c.name])
        for c, start in zip(chosen, spans, strict=True)
    ]
    ranges = [
        rc.stored_range(c.kind, r, start, DEMO_ANCHOR)
        for c, r, start in zip(chosen, results, spans, strict=True)
    ]
    rc.store_results(engine, store, results, DEMO_ANCHOR, ranges, segl_version())
    sql = {name: texts[-1] for name, texts in ran.items() if texts}
    title = f"segl report: {project.name} as of {minute_text(DEMO_ANCHOR)}"
    page = db_path.resolve().with_name(db_path.stem + "_report.html")
    drawn = [migration_result(mg.as_json(matrix)) for matrix, _ in matrices or []]
    sql.update({matrix.layering: text for matrix, text in matrices or []})
    context = context_of(project, sql=sql, title=title)
    page.write_text(render_html([*results, *drawn], context), "utf-8")
    seconds = time.perf_counter() - started
    echo(
        f"{project.name}: {plural(len(results), 'report')} as of "
        f"{minute_text(DEMO_ANCHOR)}, in {seconds:.1f} s\n"
    )
    echo(rc.results_text(results, rc.titles_of(project)))
    return page


def _report_span(project: ir.Project, chosen: rc.Chosen) -> dt.datetime | None:
    """Where the demo's funnel entries and retention cohorts start: the last REPORT_DAYS,
    a weekly retention's last ten weeks, a monthly one's last ten months (None: the
    other kinds take no range)."""
    if chosen.kind == "funnel":
        return DEMO_ANCHOR - dt.timedelta(days=REPORT_DAYS)
    if chosen.kind != "retention":
        return None
    reports = project.reports
    assert reports is not None
    period = next(r.period for r in reports.retentions if r.name == chosen.name)
    days = {"day": REPORT_DAYS, "week": 70, "month": 304}[period]
    return DEMO_ANCHOR - dt.timedelta(days=days)


def journeys_text(
    engine: Engine, scheduled: list[_Journeys], warnings: list[Diagnostic] | None = None
) -> str:
    """How the journeys ran, then their decisions per journey, step and channel (from the
    outbox: every committed run), and the warnings of the scheduled runs worth knowing."""
    lines = [f"journeys: every decision of the runs up to {minute_text(DEMO_ANCHOR)}"]
    rows: list[list[object]] = []
    for done in scheduled:
        project = done.loaded.project
        assert project is not None and project.journeys is not None
        lines.append(
            f"  {project.name}: {plural(done.runs, 'run')} ({done.schedule.spoken} from "
            f"{minute_text(done.schedule.first)}, then as of {minute_text(DEMO_ANCHOR)}) "
            f"in {done.seconds:.1f} s"
        )
        counted = Counter(
            (d["journey"], d["step"], d["channel"], d["status"])
            for d in read_outbox(engine, store_of(done.loaded, engine))
        )
        for journey in project.journeys.journeys:
            for step in journey.steps:
                key = (journey.name, step.name, step.channel)
                statuses = [counted[(*key, status)] for status in JOURNEY_COLUMNS]
                if any(statuses):
                    rows.append([project.name, *key, *statuses])
    lines += ["", format_table(["project", "journey", "step", "channel", *JOURNEY_COLUMNS], rows)]
    for warning in warnings or []:
        if warning.code == "W0701":  # the members with an unknown zone: shown on purpose
            lines += ["", f"{warning.code} {warning.message}"]
    return "\n".join(lines) + "\n"

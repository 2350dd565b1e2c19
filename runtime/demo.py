"""`segl demo`: a deterministic synthetic retail warehouse, and the examples run on it,
their journeys decided by runs on a schedule over the demo's last days."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from segl.dsl.diagnostics import Diagnostic, DiagnosticError
from segl.runtime.demo_data import DEMO_ANCHOR, build_demo_warehouse
from segl.runtime.engines import DuckDBEngine, Engine
from segl.runtime.outbox import read_outbox
from segl.runtime.project import LoadedProject, load_project
from segl.runtime.run import run_loaded, store_of
from segl.runtime.tables import JOURNEY_COLUMNS, format_table, plural, summary_text

DEMO_PROJECTS = ("retail", "nev")


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


def examples_dir() -> Path:
    return Path(str(resources.files("segl.examples")))


def _fresh(path: Path) -> None:
    for stale in (path, path.with_name(path.name + ".wal")):
        if stale.exists():
            stale.unlink()


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
            started = time.perf_counter()
            if schedule is not None:
                instants = schedule.instants()
                echo(
                    f"{name}: runs {schedule.spoken} from {instants[0]:%Y-%m-%d %H:%M} decide "
                    f"its journeys up to the run as of {DEMO_ANCHOR:%Y-%m-%d %H:%M}"
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
        if scheduled:
            echo(journeys_text(engine, scheduled, list(warnings.values())))
    finally:
        engine.close()
    url = f"duckdb:///{db_path}"
    lines = [
        "next: see one audience, its members and its SQL:",
        f"  segl show segment beijing_loyal -p examples/retail --db {url} "
        f"--as-of {DEMO_ANCHOR:%Y-%m-%d}",
    ]
    if scheduled:
        lines += [
            "the journeys' messages, one JSON object each, and one journey's delivered to a file:",
            f"  segl show outbox -p examples/retail --db {url} --format jsonl",
            f"  segl deliver examples/retail --db {url} --journey first_purchase "
            "--to file:retail_messages.jsonl",
        ]
    return "\n".join(lines) + "\n"


def journeys_text(
    engine: Engine, scheduled: list[_Journeys], warnings: list[Diagnostic] | None = None
) -> str:
    """How the journeys ran, then their decisions per journey, step and channel (from the
    outbox: every committed run), and the warnings of the scheduled runs worth knowing."""
    lines = [f"journeys: every decision of the runs up to {DEMO_ANCHOR:%Y-%m-%d %H:%M}"]
    rows: list[list[object]] = []
    for done in scheduled:
        project = done.loaded.project
        assert project is not None and project.journeys is not None
        lines.append(
            f"  {project.name}: {plural(done.runs, 'run')} ({done.schedule.spoken} from "
            f"{done.schedule.first:%Y-%m-%d %H:%M}, then as of {DEMO_ANCHOR:%Y-%m-%d %H:%M}) "
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

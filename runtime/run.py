"""Running a checked project on an engine: verify that the warehouse matches the declared
sources, that its data can be read as the rules say (one row per key in a profile) and that
the result store can take what the run writes; execute the compiled run in its frame (one
transaction where the engine has them); summarise what it stored."""

from __future__ import annotations

import datetime as dt
import functools
import importlib.metadata
import os
import signal
import time
from dataclasses import dataclass, field, replace

from sqlglot import exp

from segl.compiler import ir
from segl.compiler.script import CompiledRun, RunInfo, Statement, compile_run
from segl.compiler.sqlgen import col, render, table_ref
from segl.compiler.sqlgen.query import (
    id_text,
    inverted_version,
    key_present,
    profile_visibility,
)
from segl.compiler.store import Store
from segl.compiler.target_check import target_problems, width_problems
from segl.compiler.targets import Target
from segl.compiler.timeutil import now_in, wall_text
from segl.compiler.types import Type
from segl.dsl.diagnostics import Diagnostic, DiagnosticError, Severity, Span
from segl.dsl.perf import collector_paused
from segl.runtime import store as stored
from segl.runtime.alerts import AlertOutcome, AlertRun
from segl.runtime.assignments import record_assignments
from segl.runtime.engines import Engine, EngineError
from segl.runtime.identity import IdentityStats, Resolution
from segl.runtime.journeys import JourneyRun, JourneyStats
from segl.runtime.project import LoadedProject
from segl.runtime.results import RunResult
from segl.runtime.unreadable_times import unreadable_times


@dataclass
class RunSummary:
    project: str
    as_of: dt.datetime
    users: int
    seconds: float
    segment_sizes: dict[str, int] = field(default_factory=dict)
    layer_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    tags: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    identity: IdentityStats | None = None  # a project with an identity: its resolution
    journeys: dict[str, JourneyStats] | None = None  # a project with journeys: what they did
    journeys_skipped: bool = False  # the as-of is not after the journeys' last run
    journeys_decided_to: dt.datetime | None = None  # that last run's as-of
    alerts: list[AlertOutcome] | None = None  # a project with alerts: each one's state


def _expected_columns(
    project: ir.Project, source: ir.Source
) -> list[tuple[str, Type | None, bool]]:
    """The columns a source reads, with their types and whether the type is implied:
    declared, else for an ID column the type its kind declares elsewhere (the SQL
    compares it as that type: implied), else any."""
    wanted: list[tuple[str, Type | None, bool]] = [(n, t, False) for n, t in source.columns]
    if source.column_type(source.user_column) is None:
        implied = None
        if project.identity is not None and source.id_kind is not None:
            implied = project.id_type(source, source.user_column, source.id_kind)
        wanted.insert(0, (source.user_column, implied, True))
    return wanted


def verify_sources(loaded: LoadedProject, engine: Engine) -> list[Diagnostic]:
    """Every declared table and column exists in the warehouse with a fitting type. The
    project then knows its universe key's type in the warehouse if its rules do not say
    (ir.Project.key)."""
    assert loaded.project is not None
    problems: list[Diagnostic] = []
    found_columns: dict[str, dict[str, str]] = {}
    for source in loaded.project.sources:
        stmt = loaded.source_def(source.name)
        span = stmt.span if stmt else None
        actual = engine.columns_of(source.table)
        if actual is not None:
            found_columns[source.name] = actual
        if source.name == loaded.project.universe and actual is not None:
            key = stored.warehouse_key_type(engine, actual, source.user_column, source.table)
            loaded.project = replace(loaded.project, key=key)
        refused = engine.table_name_problem(source.table) if actual is None else None
        if refused is not None:
            problems.append(
                Diagnostic(
                    "E0608",
                    f"table '{source.table}' of source '{source.name}' cannot exist in the "
                    f"{engine.name} database: {refused}",
                    span,
                    ("rename the warehouse table, then the source's `from table`",),
                )
            )
            continue
        if actual is None:
            problems.append(
                Diagnostic(
                    "E0602",
                    f"table '{source.table}' of source '{source.name}' does not exist in the "
                    f"{engine.name} database",
                    span,
                    ("check the table name, or the --db URL",),
                )
            )
            continue
        lowered = {name.lower(): (name, kind) for name, kind in actual.items()}
        for name, declared, implied in _expected_columns(loaded.project, source):
            column_span = span
            if stmt is not None:
                column_span = next((c.span for c in stmt.columns if c.name == name), span)
            found = actual.get(name) or (lowered.get(name.lower(), (None, None))[1])
            if found is None:
                problems.append(
                    Diagnostic(
                        "E0603",
                        f"table '{source.table}' has no column '{name}'",
                        column_span,
                        ("its columns: " + ", ".join(actual),),
                    )
                )
            elif declared is not None and not engine.fits(declared, found):
                problems.append(
                    Diagnostic(
                        "E0604",
                        f"column '{source.table}.{name}' is {found} in the database, "
                        f"but {_declared_as(source, declared, implied)}",
                        column_span,
                        (_fitting_hint(engine, name, found, source.name if implied else None),),
                    )
                )
            elif name == source.user_column and loaded.project.identity is None:
                problems += _key_column_problems(engine, source, found, column_span)
    if not problems and loaded.project.identity is None:
        problems += _keys_of_another_kind(loaded, engine, found_columns)
    return problems


def _declared_as(source: ir.Source, declared: Type, implied: bool) -> str:
    if not implied:
        return f"declared {declared}"
    return (
        f"its ID kind '{source.id_kind}' is declared {declared} (an ID column not listed "
        "takes its kind's type)"
    )


def _fitting_hint(engine: Engine, column: str, found: str, unlisted_in: str | None) -> str:
    """How to make a column fit; `unlisted_in`: the source an implied ID column is of."""
    if unlisted_in is None:
        return "fix the declaration or cast the column in a view"
    held = Type.NUMBER if engine.fits(Type.NUMBER, found) else Type.STRING
    return (
        f"list it among the columns of '{unlisted_in}' as it is held ({column}: {held}; "
        "IDs are compared as text), or cast it in a view"
    )


def _key_column_problems(
    engine: Engine, source: ir.Source, found: str, span: Span | None
) -> list[Diagnostic]:
    """E0604 for a user column whose keys segl cannot keep exactly (a UUID, a date, an
    integer wider than 64 bits: runtime/store.py key_column_problem)."""
    problem = stored.key_column_problem(engine, found) or engine.mixed_keys(
        source.table, source.user_column, found
    )
    if problem is None:
        return []
    column = f"{source.table}.{source.user_column}"
    return [
        Diagnostic(
            "E0604",
            f"column '{column}', the user key of source '{source.name}', "
            f"{f'is {found}' if found else 'has no declared type'} in the database: {problem}",
            span,
            (
                "read it through a view that casts it to BIGINT or to text (and declare it "
                f"`{source.user_column}: string`)",
            ),
        )
    ]


def _keys_of_another_kind(
    loaded: LoadedProject, engine: Engine, found: dict[str, dict[str, str]]
) -> list[Diagnostic]:
    """A source whose user column holds numbers where the universe's key holds text (or
    the reverse): the engines would join them differently (DuckDB and SQLite compare
    '007' and 7 as equal, ClickHouse refuses), so no engine may (E0604)."""
    project = loaded.project
    assert project is not None
    universe = project.source(project.universe)
    key_kind = _key_kind(engine, universe, found.get(universe.name, {}))
    problems: list[Diagnostic] = []
    for source in project.sources:
        kind = _key_kind(engine, source, found.get(source.name, {}))
        if source.name == universe.name:
            continue
        if kind is key_kind:
            problems += _unjoinable_numbers(loaded, engine, source, universe, found)
            continue
        stmt = loaded.source_def(source.name)
        problems.append(
            Diagnostic(
                "E0604",
                f"user column '{source.table}.{source.user_column}' of source '{source.name}' "
                f"holds {_KEY_WORDS[kind]}, but the universe's key "
                f"'{universe.table}.{universe.user_column}' holds {_KEY_WORDS[key_kind]}: "
                "their rows would not join the same way on every engine",
                stmt.span if stmt else None,
                ("give both the same type (cast one in a view)",),
            )
        )
    return problems


def _unjoinable_numbers(
    loaded: LoadedProject,
    engine: Engine,
    source: ir.Source,
    universe: ir.Source,
    found: dict[str, dict[str, str]],
) -> list[Diagnostic]:
    """E0604 on an engine that joins no integer key column with a floating one
    (ClickHouse: "no supertype for types Float64, Int64", the run failed after check)."""
    theirs = found.get(source.name, {}).get(source.user_column)
    ours = found.get(universe.name, {}).get(universe.user_column)
    if theirs is None or ours is None or engine.joins_keys(theirs, ours):
        return []
    stmt = loaded.source_def(source.name)
    return [
        Diagnostic(
            "E0604",
            f"user column '{source.table}.{source.user_column}' of source '{source.name}' is "
            f"{theirs}, the universe's key '{universe.table}.{universe.user_column}' {ours}: "
            f"{engine.name} cannot join an integer key with a floating one",
            stmt.span if stmt else None,
            ("give both the same type (cast one in a view)",),
        )
    ]


_KEY_WORDS = {Type.NUMBER: "numbers", Type.STRING: "text"}


def _key_kind(engine: Engine, source: ir.Source, columns: dict[str, str]) -> Type:
    """Numbers or text: what a source's user column holds (declared, else as stored)."""
    declared = source.column_type(source.user_column)
    if declared in (Type.NUMBER, Type.STRING):
        return declared
    return stored.warehouse_key_type(engine, columns, source.user_column, source.table)


@functools.cache  # a simulation makes a run at every instant
def segl_version() -> str:
    try:
        return importlib.metadata.version("segl")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - run from a checkout
        return "unknown"


def store_of(loaded: LoadedProject, engine: Engine) -> Store:
    assert loaded.project is not None
    return Store(loaded.project, loaded.settings.table_prefix, engine.target.ascii_table_names)


def compile_for(loaded: LoadedProject, engine: Engine, as_of: dt.datetime) -> CompiledRun:
    """The run as the engine will execute it: adding the columns its tables lack."""
    assert loaded.project is not None
    store = store_of(loaded, engine)
    compiled = compile_run(
        loaded.project,
        as_of,
        engine.target,
        prefix=store.prefix,
        info=RunInfo(dt.datetime.now(dt.UTC).replace(microsecond=0), segl_version()),
        existing=stored.existing_columns(engine, store),
    )
    compiled.decides_journeys = True
    return compiled


@dataclass
class Executed:
    """What `execute` did besides writing the results."""

    seconds: float
    identity: IdentityStats | None
    journeys: JourneyRun | None
    alerts: AlertRun | None


def execute(compiled: CompiledRun, engine: Engine) -> Executed:
    """Resolve persons (an identity), then run the compiled statements in their frame,
    deciding journeys and evaluating alerts inside it: the seconds it took, what the
    resolution found, the journeys' and the alerts' work."""
    started = time.perf_counter()

    def seconds_so_far() -> float:
        return time.perf_counter() - started

    resolution = Resolution(compiled.identity, engine) if compiled.identity else None
    stats = None
    journeys = None
    if compiled.decides_journeys and compiled.store.journey_tables:
        identity_map = compiled.identity.map if compiled.identity is not None else None
        journeys = JourneyRun(compiled, engine, identity_map)
    alerts = None
    if compiled.decides_journeys and compiled.store.alert_tables:
        alerts = AlertRun(compiled, engine)
    try:
        # the journeys' and alerts' decisions hold 10^5 small objects alive until staged:
        # collections while they are made find nothing to free (a third of their time)
        with collector_paused():
            engine.recover_publish([t.name for t in compiled.tables])
            if resolution is not None:
                engine.use_timezone(compiled.frame.timezone)  # links' times read in the zone
                stats = resolution.run()
            work = journeys.statements() if journeys is not None else []
            work += alerts.statements() if alerts is not None else []  # after the journeys
            early = journeys.early_statements() if journeys is not None else []
            body = with_fault(compiled.timed_body(seconds_so_far, work, early))
            engine.execute_run(compiled.frame, body)
    except EngineError as err:
        raise DiagnosticError(
            [
                Diagnostic(
                    "E0605",
                    f"the {engine.name} database refused the run: {err}",
                    None,
                    (
                        *((err.hint,) if err.hint is not None else ()),
                        "nothing was written; earlier results are unchanged",
                    ),
                )
            ]
        ) from None
    finally:
        if resolution is not None:
            resolution.drop_tables()
        if journeys is not None:
            journeys.drop_work_tables()
        if alerts is not None:
            alerts.drop_work_table()
    return Executed(seconds_so_far(), stats, journeys, alerts)


# Fault injection for the exactly-once tests (tests/test_journeys_kill.py): with this set
# to N, the run kills its own process with SIGKILL just before statement N mod (count + 1)
# of its body, the last point being after every statement, before the commit.
KILL_AT = "SEGL_FAULT_KILL_AT"


def with_fault(body: list[Statement]) -> list[Statement]:
    at = os.environ.get(KILL_AT)
    if at is None:
        return body
    point = int(at) % (len(body) + 1)

    def killed() -> str:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")  # pragma: no cover

    if point == len(body):
        return [*body, killed]  # the commit never comes
    return [*body[:point], killed, *body[point:]]


def run_loaded(
    loaded: LoadedProject, engine: Engine, as_of: dt.datetime, *, allow_empty: bool = False
) -> RunSummary:
    """Verify, compile, execute; raises DiagnosticError for problems with the warehouse's
    tables, its data or the stored results, before anything is written."""
    problems = verify_sources(loaded, engine)
    if problems:
        raise DiagnosticError(problems)
    assert loaded.project is not None
    store = store_of(loaded, engine)
    found = target_problems(
        loaded.project, engine.target, store.prefix, loaded.settings.table_names_span
    )
    problems = [p for p in found if p.is_error]  # e.g. names PostgreSQL would cut short
    problems += stored.schema_problems(engine, store, segl_version())
    problems += duplicate_keys(loaded, engine, as_of)
    counted = UniverseRows(0, 0)
    if not problems:
        counted = universe_rows(loaded, engine, as_of)
        if not allow_empty:
            problems += empty_universe(loaded, engine, store, as_of, counted.users)
    if problems:
        raise DiagnosticError(problems)
    compiled = compile_for(loaded, engine, as_of)
    problems = width_problems(compiled)  # tables wider than the engine allows
    if problems:
        raise DiagnosticError(problems)
    done = execute(compiled, engine)
    record_experiments(loaded, engine, store, as_of)
    journeys = done.journeys
    summary = summarize(compiled, engine, done.seconds)
    summary.warnings = past_without_history(loaded, as_of) + future_as_of(loaded, as_of)
    summary.warnings += keyless_rows(loaded, counted.keyless)
    summary.warnings += inverted_versions(loaded, engine)
    summary.warnings += unreadable_times(loaded, engine)
    summary.identity = done.identity
    if done.alerts is not None:
        done.alerts.keep_report_results(segl_version())
        summary.alerts = done.alerts.outcomes
        summary.warnings += done.alerts.warnings
    if journeys is not None:
        summary.journeys = journeys.stats
        summary.journeys_skipped = journeys.skipped
        summary.journeys_decided_to = journeys.last
        summary.warnings += journeys.summary_warnings()
    return summary


def record_experiments(
    loaded: LoadedProject, engine: Engine, store: Store, as_of: dt.datetime
) -> None:
    """Each experiment's population at the run's as-of gets its sticky assignments (SPEC
    §3.3: written the first time a user is in the population), as `segl report` records
    them: a user in the population only between two reports is assigned by the runs in
    between, and an experiment that reports on a later as-of does not count only those
    who stayed (docs/reports.md, Stored assignments)."""
    assert loaded.project is not None
    reports = loaded.project.reports
    for experiment in reports.experiments if reports is not None else ():
        try:
            record_assignments(engine, store, loaded.project, experiment, as_of)
        except EngineError as err:
            message = (
                f"the {engine.name} database refused experiment '{experiment.name}'s "
                f"assignments as of {wall_text(as_of)}: {err}"
            )
            hints = (
                *((err.hint,) if err.hint is not None else ()),
                "the run itself was written; the next run or `segl report` records them",
            )
            raise DiagnosticError([Diagnostic("E0605", message, None, hints)]) from None


# a run this far behind the clock reads the past: profiles without history say so (a
# scheduled run that starts minutes after its as-of does not; yesterday's run does)
PAST = dt.timedelta(hours=1)


def past_without_history(
    loaded: LoadedProject, as_of: dt.datetime, reader: str = "a run"
) -> list[Diagnostic]:
    """A run for a past as-of reads a profile without history as it is now (W0601), and
    a universe without `created` counts users that did not exist yet (SPEC §2.5)."""
    assert loaded.project is not None
    project = loaded.project
    if as_of >= now_in(project.timezone) - PAST:
        return []
    warnings: list[Diagnostic] = []
    for source in project.sources:
        if source.kind != "profile":
            continue
        stmt = loaded.source_def(source.name)
        span = stmt.span if stmt else None
        when = wall_text(as_of)
        if not source.is_history:
            warnings.append(
                Diagnostic(
                    "W0601",
                    f"profile '{source.name}' has no history: {reader} as of {when} reads its "
                    "values as they are now",
                    span,
                    (
                        "keep its versions and declare them: "
                        f"source {source.name} ... valid from valid_from to valid_to",
                    ),
                    Severity.WARNING,
                )
            )
        # a history universe's users are those with a version valid at the as-of
        if source.name == project.universe and source.created is None and not source.is_history:
            warnings.append(
                Diagnostic(
                    "W0601",
                    f"universe '{source.name}' has no `created` column: {reader} as of {when} "
                    "counts users created later",
                    span,
                    (
                        "name the column holding when each row was created: "
                        f"source {source.name} ... created {_time_column_of(source)}",
                    ),
                    Severity.WARNING,
                )
            )
    return warnings


# a run this far ahead of the clock is no clock skew: a mistyped year, say
FUTURE = dt.timedelta(hours=1)


def in_the_future(project: ir.Project, as_of: dt.datetime) -> bool:
    """More than FUTURE after the clock in the project's zone (W0602)."""
    return as_of > now_in(project.timezone) + FUTURE


def future_as_of(loaded: LoadedProject, as_of: dt.datetime) -> list[Diagnostic]:
    """W0602: a run for an as-of in the future decides the journeys up to it, and every
    later run at an earlier as-of decides nothing (SPEC §3.2); its alerts' rows are the
    latest, and every later run at an earlier as-of is a run of the past that notifies
    nothing (docs/monitoring.md): a mistyped `--as-of 2027-11-02` for 2026 silently stops
    both until that date."""
    assert loaded.project is not None
    project = loaded.project
    if not in_the_future(project, as_of):
        return []
    when = wall_text(as_of)
    stopped = []
    if project.journeys is not None:
        stopped.append(
            (
                f"the journeys were decided up to {when}, which is in the future: runs as of "
                "an earlier time will decide none of them",
                "if the as-of was a mistake, remove this run's journey rows before the next "
                "run (docs/journeys.md, Scheduling)",
            )
        )
    if project.alerts is not None:
        stopped.append(
            (
                f"the alerts were evaluated as of {when}, which is in the future: runs as of "
                "an earlier time will notify none of them",
                "if the as-of was a mistake, delete this as-of's rows of the alerts table "
                "before the next run (docs/monitoring.md, Runs out of order)",
            )
        )
    return [
        Diagnostic("W0602", message, None, (hint,), Severity.WARNING) for message, hint in stopped
    ]


def _key_present(project: ir.Project, target: Target, source: ir.Source) -> exp.Expression:
    """A profile row with a key (not null, not NaN: compiler key_present), in table `p`."""
    key_type = source.column_type(source.user_column)
    if source.name == project.universe:
        key_type = key_type or project.key
    return key_present(target, col(source.user_column, "p"), key_type)


def _keyed(
    project: ir.Project, target: Target, source: ir.Source
) -> tuple[exp.Expression, exp.Expression]:
    """A profile row's key as it is compared, and whether the row has one (table `p`)."""
    key: exp.Expression = col(source.user_column, "p")
    held = _key_present(project, target, source)
    if project.identity is not None and source.id_kind is not None:
        # rows of one ID: a key that is no ID (7.5, an infinity) links nothing and is
        # nobody's row, so never one user counted twice (docs/semantics.md)
        declared = project.id_type(source, source.user_column, source.id_kind)
        key = id_text(target, key, declared)
        held = exp.And(
            this=held, expression=exp.Not(this=exp.Is(this=key.copy(), expression=exp.null()))
        )
    return key, held


@dataclass(frozen=True)
class UniverseRows:
    """The rows of the universe's table visible at the as-of: with a key (users: E0611
    when none), and without a usable one (null; NaN; with an identity, no ID: W0604)."""

    users: int
    keyless: int


def universe_rows(loaded: LoadedProject, engine: Engine, as_of: dt.datetime) -> UniverseRows:
    """Both counts of UniverseRows in one pass over the universe's table."""
    project = loaded.project
    assert project is not None
    target = engine.target
    source = project.source(project.universe)
    _, usable = _keyed(project, target, source)

    def rows_where(condition: exp.Expression) -> exp.Expression:
        one = exp.If(this=condition, true=exp.Literal.number(1))
        return exp.Sum(this=exp.Case(ifs=[one], default=exp.Literal.number(0)))

    present = _key_present(project, target, source)
    query = exp.Select(
        expressions=[rows_where(present), rows_where(exp.Not(this=exp.Paren(this=usable)))]
    ).from_(table_ref(source.table, "p"), copy=False)
    visible = profile_visibility(target, source, "p", as_of)
    if visible is not None:  # users created (and valid) at the as-of
        query = query.where(visible, copy=False)
    found = engine.query(render(query, target, pretty=False))
    users, keyless = found[0] if found else (0, 0)
    return UniverseRows(int(users or 0), int(keyless or 0))


def keyless_rows(loaded: LoadedProject, count: int, reader: str = "this run") -> list[Diagnostic]:
    """W0604: rows of the universe at the as-of without a key (null; NaN; with an identity,
    a number that is no ID) are no user: said, not silently left out."""
    if not count:
        return []
    project = loaded.project
    assert project is not None
    source = project.source(project.universe)
    stmt = loaded.source_def(source.name)
    rows = "1 row has" if count == 1 else f"{count:,} rows have"
    return [
        Diagnostic(
            "W0604",
            f"universe '{source.name}' (table {source.table}): {rows} no {source.user_column} "
            f"(null, or not a usable key), so they are no user of {reader}",
            stmt.span if stmt else None,
            ("give every row a key, or leave such rows out through a view",),
            Severity.WARNING,
        )
    ]


def inverted_versions(loaded: LoadedProject, engine: Engine) -> list[Diagnostic]:
    """W0605: versions of a history that end before they begin hold at no as-of, so a
    user's profile has a gap there: said, not silently read as null."""
    assert loaded.project is not None
    found: list[Diagnostic] = []
    for source in loaded.project.sources:
        inverted = inverted_version(engine.target, source, "p")
        if inverted is None:
            continue
        key = col(source.user_column, "p")
        query = (
            exp.Select(
                expressions=[
                    exp.Count(this=exp.Star()),
                    exp.Min(this=key),
                    exp.Max(this=key.copy()),
                ]
            )
            .from_(table_ref(source.table, "p"), copy=False)
            .where(inverted, copy=False)
        )
        rows = engine.query(render(query, engine.target, pretty=False))
        count, lowest, highest = rows[0] if rows else (0, None, None)
        if not count:
            continue
        stmt = loaded.source_def(source.name)
        keys = f"{lowest!r}" if lowest == highest else f"{lowest!r} ... {highest!r}"
        versions = (
            "1 version ends before it begins, so it holds"
            if count == 1
            else f"{int(count):,} versions end before they begin, so they hold"
        )
        found.append(
            Diagnostic(
                "W0605",
                f"history '{source.name}' (table {source.table}): {versions} at no as-of "
                f"({source.valid_to} < {source.valid_from}); {source.user_column} {keys}",
                stmt.span if stmt else None,
                (
                    f"a version holds from {source.valid_from} until {source.valid_to}: swap "
                    "them in those rows, or fix what wrote them",
                ),
                Severity.WARNING,
            )
        )
    return found


def duplicate_keys(
    loaded: LoadedProject, engine: Engine, as_of: dt.datetime, shown: int = 5
) -> list[Diagnostic]:
    """A profile source holds one row per key at the as-of (one version, for a history):
    several would count a user several times (E0610), so the run refuses, naming keys."""
    assert loaded.project is not None
    problems: list[Diagnostic] = []
    for source in loaded.project.sources:
        if source.kind != "profile":
            continue
        key, held = _keyed(loaded.project, engine.target, source)
        rows = exp.Count(this=exp.Star())
        visible = profile_visibility(engine.target, source, "p", as_of)
        if visible is not None:
            held = exp.And(this=held, expression=visible)
        query = (
            exp.Select(expressions=[key.copy(), rows.copy()])
            .from_(table_ref(source.table, "p"), copy=False)
            .where(held, copy=False)
            .group_by(key.copy(), copy=False)
            .having(exp.GT(this=rows.copy(), expression=exp.Literal.number(1)), copy=False)
            .order_by(exp.Ordered(this=rows.copy(), desc=True), key.copy(), copy=False)
            .limit(exp.Literal.number(shown), copy=False)
        )
        found = engine.query(render(query, engine.target, pretty=False))
        if not found:
            continue
        stmt = loaded.source_def(source.name)
        samples = ", ".join(f"{value!r} ({int(n)} rows)" for value, n in found)
        if source.is_history:
            message = (
                f"history '{source.name}' (table {source.table}) has overlapping versions "
                f"valid at {wall_text(as_of)} for one {source.user_column}: {samples}"
            )
            hint = (
                f"each version ends where the next begins: {source.valid_to} of one version "
                f"<= {source.valid_from} of the next"
            )
        else:
            message = (
                f"profile source '{source.name}' (table {source.table}) has several rows "
                f"for one {source.user_column}: {samples}"
            )
            hint = (
                "a profile holds one row per user; remove the duplicates, or read the table "
                "through a view that keeps one row per key"
            )
        problems.append(
            Diagnostic("E0610", message, stmt.span if stmt else None, (hint, "nothing was written"))
        )
    return problems


def empty_universe(
    loaded: LoadedProject, engine: Engine, store: Store, as_of: dt.datetime, users: int
) -> list[Diagnostic]:
    """A run over no users (`users`: UniverseRows) would replace a stored as-of that had
    users with nothing (an emptied or mistyped users table): refuse unless asked (E0611)."""
    assert loaded.project is not None
    universe = loaded.project.source(loaded.project.universe)
    if users != 0:
        return []
    before = stored.StoredRuns(engine, store).users_at(as_of)
    if not before:
        return []
    stmt = loaded.source_def(universe.name)
    return [
        Diagnostic(
            "E0611",
            f"the universe (table {universe.table}) has no users, and the stored run as of "
            f"{wall_text(as_of)} has {before:,}: replacing it would lose them",
            stmt.span if stmt else None,
            (
                "check the table (an empty load, a wrong view?); to replace the stored run "
                "with an empty one, run again with --allow-empty",
            ),
        )
    ]


def _count_by(compiled: CompiledRun, table: str, keys: list[str]) -> exp.Select:
    at = exp.EQ(this=col("as_of"), expression=compiled.as_of_literal())
    return (
        exp.Select(expressions=[*(col(k) for k in keys), exp.Count(this=exp.Star())])
        .from_(table_ref(table), copy=False)
        .where(at, copy=False)
        .group_by(*(col(k) for k in keys), copy=False)
    )


def summarize(compiled: CompiledRun, engine: Engine, seconds: float) -> RunSummary:
    store, target = compiled.store, compiled.target
    project = store.project
    users = stored.StoredRuns(engine, store).users_at(compiled.as_of)
    sizes = dict.fromkeys((s.name for s in project.segments), 0)
    for segment, count in engine.query(
        render(_count_by(compiled, store.members.name, ["segment"]), target)
    ):
        sizes[segment] = int(count)
    layers: dict[str, dict[str, int]] = {
        la.name: dict.fromkeys((layer.name for layer in la.layers), 0) for la in project.layerings
    }
    query = _count_by(compiled, store.layers.name, ["layering", "layer"])
    for layering, layer, count in engine.query(render(query, target)):
        layers.setdefault(layering, {})[layer] = int(count)
    return RunSummary(
        project.name, compiled.as_of, users or 0, seconds, sizes, layers, len(project.tags)
    )


def read_result(compiled: CompiledRun, engine: Engine) -> RunResult:
    """Everything one run wrote for its as-of, read back from the history tables."""
    return stored.read_result(engine, compiled.store.project, compiled.store, compiled.as_of)


# what a `created` column's name tends to say; a birthday is a date but no such column
CREATED_WORDS = ("creat", "regist", "signup", "sign_up", "join", "open", "since", "first")


def _time_column_of(source: ir.Source) -> str:
    """A likely `created` column for a hint: a timestamp column whose name says so (then a
    date column whose name says so), else `COLUMN`."""
    for kind in (Type.TIMESTAMP, Type.DATE):
        for name, column_type in source.columns:
            if column_type is kind and any(word in name.lower() for word in CREATED_WORDS):
                return name
    return "COLUMN"

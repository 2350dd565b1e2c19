"""The `segl` command line. Exit codes: 0 success, 1 rule or data errors (an E
diagnostic about the rules, segl.toml, the paths or the database), 2 usage errors (a
malformed command line: unknown option, bad option value such as --as-of) or internal
errors. Bad input never shows a traceback."""

from __future__ import annotations

import collections
import datetime as dt
import errno
import functools
import io
import json
import math
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NoReturn, TextIO

import click
from click.decorators import FC

from segl.compiler import ir
from segl.compiler.journeys.model import user_text
from segl.compiler.plan import build_plan, describe
from segl.compiler.reports import model
from segl.compiler.script import RunInfo, compile_run
from segl.compiler.store import Store
from segl.compiler.target_check import target_problems, width_problems
from segl.compiler.targets import TARGETS, Target, TargetError, get_target
from segl.compiler.timeutil import minute_text, now_in, parse_as_of
from segl.dsl.diagnostics import (
    Diagnostic,
    DiagnosticError,
    did_you_mean,
    render_github,
    render_json,
    render_text,
)
from segl.runtime import json_text
from segl.runtime.engines import (
    READ_ONLY_WORDS,
    DatabaseLocked,
    Engine,
    EngineError,
    NoDatabase,
    UnsupportedURL,
    connect,
    database_file,
    shown_url,
    url_scheme,
    with_home,
)
from segl.runtime.project import (
    CONFIG_FILE,
    DEFAULT_DB_URL,
    LoadedProject,
    errors_first,
    load_paths,
)
from segl.runtime.run import (
    duplicate_keys,
    keyless_rows,
    past_without_history,
    run_loaded,
    segl_version,
    store_of,
    universe_rows,
    verify_sources,
)
from segl.runtime.schedule import BadCadence, Cadence, Interrupted, Ran, Scheduler, StopSignals
from segl.runtime.tables import plural, summary_text
from segl.runtime.unreadable_times import unreadable_times

DIALECTS = sorted(TARGETS)


class Failed(Exception):
    """Stop with exit code 1 after the diagnostics were printed."""


class UsageFailed(Failed):
    """Stop with exit code 2 (a malformed command line) after the diagnostics were printed."""


def emit(diagnostics: list[Diagnostic], texts: dict[str, str], fmt: str = "text") -> None:
    """Print diagnostics. A reader gone away (`2>&1 | head -5`) is no reason to stop: the
    command goes on, and a failure still ends it with its own exit status (not 0)."""
    ordered = errors_first(diagnostics)
    if fmt == "json":
        say(render_json(ordered))
    elif fmt == "github":
        if ordered:
            say(render_github(ordered))
    elif ordered:
        say(render_text(ordered, texts), err=True)


def fail(
    diagnostics: list[Diagnostic],
    texts: dict[str, str] | None = None,
    *,
    usage: bool = False,
    fmt: str = "text",
) -> NoReturn:
    emit(diagnostics, texts or {}, fmt)
    raise UsageFailed if usage else Failed


FOREIGN_RESULTS = "the results tables may have been written by another tool or version"


def refused(engine: Engine, err: EngineError, *hints: str) -> NoReturn:
    """E0605: the database refused a statement (tables of another tool or version, unless
    the engine's words say what else: EngineError.hint)."""
    told = (err.hint,) if err.hint is not None else hints
    fail([Diagnostic("E0605", f"the {engine.name} database refused: {err}", None, told)])


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise KeyboardInterrupt, so that clean-ups in `finally` run (a
    simulation's scratch tables); an error the stopped query raises afterwards (DuckDB's
    "Query interrupted") is that stop too."""
    received: list[int] = []

    def stop(number: int, _frame: object) -> None:
        received.append(number)
        raise KeyboardInterrupt

    with _on_stop_signals(stop):
        try:
            yield
        except Exception:
            if received:
                raise KeyboardInterrupt from None
            raise


@contextmanager
def stop_between_messages() -> Iterator[Callable[[], str | None]]:
    """`segl deliver`'s Ctrl-C: the first SIGINT or SIGTERM asks the delivery to stop after
    the message in flight (it is finished and recorded, the summary printed); a second one
    aborts at once (KeyboardInterrupt, as any command)."""
    received: list[int] = []

    def stop(number: int, _frame: object) -> None:
        received.append(number)
        if len(received) > 1:
            raise KeyboardInterrupt

    with _on_stop_signals(stop):
        yield lambda: signal.Signals(received[0]).name if received else None


@contextmanager
def _on_stop_signals(handler: Callable[[int, Any], None]) -> Iterator[None]:
    """SIGINT and SIGTERM go to `handler` inside the block; the previous handlers after."""
    previous = {number: signal.signal(number, handler) for number in StopSignals.SIGNALS}
    try:
        yield
    finally:
        for number, handler_before in previous.items():
            signal.signal(number, handler_before)


def _config_texts(diagnostics: list[Diagnostic]) -> dict[str, str]:
    """The text of segl.toml for diagnostics that point into it (to show the line)."""
    texts: dict[str, str] = {}
    for d in diagnostics:
        if d.span is not None and Path(d.span.file).name == CONFIG_FILE:
            with suppress(OSError, UnicodeDecodeError):
                texts[d.span.file] = Path(d.span.file).read_text("utf-8")
    return texts


def load_or_fail(paths: tuple[str, ...] | str, fmt: str = "text") -> LoadedProject:
    try:
        loaded = load_paths([paths] if isinstance(paths, str) else list(paths))
    except DiagnosticError as err:
        emit(err.diagnostics, _config_texts(err.diagnostics), fmt)
        raise Failed from None
    if not loaded.ok:
        emit(loaded.diagnostics, loaded.texts, fmt)
        raise Failed
    return loaded


def one_project(argument: str | None, option: str) -> str:
    """The project of a command that takes it as an argument or as -p (default "."): two
    different ones are a usage error (commands took one or the other silently, `deliver`
    sending the other project's messages)."""
    if argument is None:
        return option
    if option != "." and not _same_path(option, argument):
        raise _two_projects(argument, option)
    return argument


def _two_projects(argument: str, option: str) -> click.UsageError:
    return click.UsageError(
        f"two projects given: {argument!r} and -p {option!r}; give one, as an argument or with -p"
    )


def _same_path(one: str, other: str) -> bool:
    """Two spellings of one folder or file (`retail`, `./retail/`)."""
    if one == other:
        return True
    try:
        return Path(one).resolve() == Path(other).resolve()
    except (OSError, RuntimeError):  # a loop of links: compared as written
        return False


def project_of(loaded: LoadedProject) -> ir.Project:
    assert loaded.project is not None
    return loaded.project


def resolve_as_of(text: str | None, loaded: LoadedProject) -> dt.datetime:
    timezone = loaded.settings.config.timezone
    if text is None:
        return now_in(timezone)
    try:
        return parse_as_of(text, timezone)
    except (ValueError, OverflowError) as err:
        hint = "e.g. --as-of 2026-11-01, --as-of '2026-11-01 10:00:00' or 2026-11-01T02:00:00Z"
        fail([Diagnostic("E0601", f"bad --as-of: {err}", None, (hint,))], usage=True)


@contextmanager
def open_engine(
    url: str | None,
    loaded: LoadedProject,
    *,
    read_only: bool = False,
    lock_timeout: float = 0.0,
    fmt: str = "text",
) -> Iterator[Engine]:
    """The database of --db, else segl.toml's, else the default. It must exist: no
    command but `segl demo` creates a database file (a mistyped path would leave an empty
    one behind). A DuckDB file held by another process is waited for up to lock_timeout.
    Its diagnostics are written in `fmt` (`segl check --format json|github`)."""
    if url is not None and not url.strip():  # `--db "$UNSET"`: never the default quietly
        problem = "--db is empty: give a database URL, or leave --db out for segl.toml's"
        hint = "e.g. --db duckdb:///warehouse.duckdb (an unset shell variable gives '')"
        fail([Diagnostic("E0606", problem, None, (hint,))], usage=True, fmt=fmt)
    chosen, base = chosen_database(url, loaded)
    shown = shown_url(chosen)  # without its password: diagnostics reach CI logs

    def waiting(detail: str) -> None:
        click.echo(
            f"waiting up to {lock_timeout:g} s for {shown}: another process holds it",
            err=True,
        )

    try:
        engine = connect(
            chosen,
            base=base,
            read_only=read_only,
            create=False,
            lock_timeout=lock_timeout,
            on_wait=waiting,
        )
    except UnsupportedURL as err:
        hint = (
            err.hint or "e.g. --db duckdb:///warehouse.duckdb, sqlite:///w.db, postgresql://host/db"
        )
        # typed on the command line: a usage error, as an empty --db is; segl.toml's: 1
        fail([Diagnostic("E0606", str(err), None, (hint,))], usage=url is not None, fmt=fmt)
    except NoDatabase as err:
        fail([_no_database(url, loaded, chosen, err.path)], fmt=fmt)
    except DatabaseLocked as err:
        fail(
            [
                Diagnostic(
                    "E0605",
                    f"cannot open {shown}: another process holds the {err.what} "
                    f"{err.path} (waited {err.waited:.1f} s)",
                    None,
                    (
                        f"{err.engine} said: {err.detail}",
                        "try again when the other process is done, or wait longer with "
                        "--lock-timeout SECONDS",
                    ),
                )
            ],
            fmt=fmt,
        )
    except EngineError as err:
        hint = _unreachable_hint(chosen)
        if not read_only and any(words in str(err) for words in READ_ONLY_WORDS):
            hint = (
                "this command writes to the database (results, journey state or scratch "
                "tables): the file and its folder must be writable"
            )
        elif err.hint is not None:
            hint = err.hint
        said = str(err).replace(chosen, shown)
        fail([Diagnostic("E0605", f"cannot open {shown}: {said}", None, (hint,))], fmt=fmt)
    try:
        yield engine
    finally:
        engine.close()


def _unreachable_hint(url: str) -> str:
    if database_file(url) is not None:
        return (
            "check that the URL names a database of its kind (duckdb:/// a DuckDB file, "
            "sqlite:/// a SQLite file) that is reachable"
        )
    if url.lower().startswith("spark://local"):
        return (
            "a relative ?warehouse= (default spark-warehouse) is taken from the current "
            "folder with --db, from the project's with segl.toml's url: e.g. "
            "--db 'spark://local?warehouse=/data/wh'"
        )
    return (
        "check the URL's host, port, database, user and password, and that the server "
        "accepts connections from this machine"
    )


def _shown(path: Path | str) -> str:
    """A path relative to the working directory when it is below it."""
    absolute = Path(path).absolute()
    return (
        str(absolute.relative_to(Path.cwd())) if absolute.is_relative_to(Path.cwd()) else str(path)
    )


def _no_database(url: str | None, loaded: LoadedProject, chosen: str, file: str) -> Diagnostic:
    demo = "`segl demo --db FILE` builds a demo warehouse to try segl on"
    path = _shown(file)
    if url is not None:  # the path as typed: an absolute one shown relative looks mistyped
        path = file
        return Diagnostic(
            "E0605",
            f"cannot open {chosen}: no database file at {path}",
            None,
            ("check the path (a relative one is taken from the current folder)", demo),
        )
    config = _shown(loaded.folder / CONFIG_FILE)
    if loaded.settings.database_url is not None:
        return Diagnostic(
            "E0605",
            f"cannot open {chosen} ([database] url of {config}): no database file at {path}",
            None,
            ("check the path (a relative one is taken from the project folder)", demo),
        )
    return Diagnostic(
        "E0605",
        f"no database: no --db and no [database] url in {config}, and no database file "
        f"at {path} (the default, {DEFAULT_DB_URL})",
        None,
        ("pass --db URL, or set [database] url in segl.toml (see docs/cli.md)", demo),
    )


# ---------------------------------------------------------------- commands


def project_argument(command: Callable[..., Any]) -> Callable[..., Any]:
    """`[PROJECT | FILES...]`, or `-p PROJECT` as the other commands take it (`segl run -p
    retail` said "No such option"); both, naming two projects, is a usage error."""

    @functools.wraps(command)
    def merged(*args: Any, project: tuple[str, ...], project_option: str | None, **kw: Any) -> Any:
        if project_option is not None:
            if project and not (len(project) == 1 and _same_path(project[0], project_option)):
                raise _two_projects(" ".join(project), project_option)
            project = (project_option,)
        return command(*args, project=project, **kw)

    with_files = click.argument(
        "project", nargs=-1, type=click.Path(), metavar="[PROJECT | FILES...]"
    )(merged)
    return click.option(
        "--project",
        "-p",
        "project_option",
        default=None,
        type=click.Path(),
        help="The project folder (or give it as the argument).",
    )(with_files)


as_of_option = click.option(
    "--as-of", "as_of", default=None, help="As-of date or timestamp (project time zone)."
)
db_option = click.option("--db", "db_url", default=None, help="Database URL (default: segl.toml).")
project_option = click.option("--project", "-p", "project", default=".", type=click.Path())


def _home_expanded(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """`--out=~/x`: a shell expands `~` only at the start of a word, so it reached segl
    as written and a folder named `~` was made in the current one."""
    return os.path.expanduser(value) if value is not None and value.startswith("~") else value


# click.Choice is generic from click 8.2 only: subscripted, 8.1 (allowed) would fail at import
class Choice(click.Choice):  # type: ignore[type-arg]
    """click.Choice that names the closest choice of a mistyped value (`--dialect
    snowflak`: did you mean 'snowflake'?), as an unknown name in the rules gets."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as err:
            close = did_you_mean(str(value), [str(choice) for choice in self.choices])
            if not close:
                raise
            hints = (hint[:1].upper() + hint[1:] for hint in close)
            self.fail(" ".join([err.message, *hints]), param, ctx)


def format_option(*choices: str) -> Callable[[FC], FC]:
    """`--format` as `fmt`, one of `choices`, the first the default."""
    return click.option(
        "--format", "fmt", type=Choice(choices), default=choices[0], show_default=True
    )


class Seconds(click.FloatRange):
    """A number of seconds in a range; unlike click's FloatRange, "nan" is refused (every
    comparison with NaN is false, so the range let it through)."""

    name = "seconds"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        converted = super().convert(value, param, ctx)
        if isinstance(converted, float) and math.isnan(converted):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        return converted


LOCK_TIMEOUT = 30.0
lock_timeout_option = click.option(
    "--lock-timeout",
    "lock_timeout",
    type=Seconds(min=0, max=24 * 3600),
    default=LOCK_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for a database another process holds (a DuckDB or SQLite file, "
    "a chdb data folder, another run of the project on PostgreSQL).",
)


# color: click.echo strips what looks like a colour code from output that is not a
# terminal; segl writes none of its own, and a value's ESC must reach a CSV unchanged
@click.group(context_settings={"help_option_names": ["-h", "--help"], "color": True})
@click.version_option(package_name="segl")
def cli() -> None:
    """segl: tags, segments, layerings, journeys, reports and alerts for user operations,
    compiled to SQL."""


@cli.command()
@project_argument
@db_option
@format_option("text", "json", "github")
@click.option(
    "--dialect",
    type=Choice(DIALECTS),
    default=None,
    help="Also report what this SQL dialect lacks for the project.",
)
@lock_timeout_option
def check(
    project: tuple[str, ...],
    db_url: str | None,
    fmt: str,
    dialect: str | None,
    lock_timeout: float,
) -> None:
    """Check rule files offline (and against a database with --db).

    PROJECT is a folder with a segl.toml (default: the current folder), or one or more
    .segl files."""
    loaded = load_or_fail(project, fmt)
    diagnostics = list(loaded.diagnostics)
    if dialect is not None:
        diagnostics += dialect_problems(loaded, get_target(dialect))
    if db_url is not None:
        with open_engine(
            db_url, loaded, read_only=True, lock_timeout=lock_timeout, fmt=fmt
        ) as engine:
            diagnostics += verify_sources(loaded, engine)
            if dialect is None:  # what the database's engine cannot run (its warnings are
                # about scripts for other clients: segl's own engine supplies the rest)
                found = dialect_problems(loaded, engine.target)
                diagnostics += [d for d in found if d.is_error]
    failed = any(d.is_error for d in diagnostics)
    counts = None if failed else definition_counts(loaded)
    if fmt == "json":
        click.echo(render_json(errors_first(diagnostics), counts))
    else:
        emit(diagnostics, loaded.texts, fmt)
    if counts is None:
        raise Failed
    if fmt == "text":
        click.echo("ok: " + counts_text(counts))


# What `segl check` counts: the first five always, the others when the project has any.
ALWAYS_COUNTED = ("files", "sources", "tags", "segments", "layerings")


def definition_counts(loaded: LoadedProject) -> dict[str, int]:
    """How many of each kind of definition a checked project holds (segl check's summary)."""
    p = project_of(loaded)
    reports = p.reports
    return {
        "files": len(loaded.programs),
        "sources": len(p.sources),
        "tags": len(p.tags),
        "segments": len(p.segments),
        "layerings": len(p.layerings),
        "journeys": len(p.journeys.journeys) if p.journeys is not None else 0,
        "funnels": len(reports.funnels) if reports is not None else 0,
        "retentions": len(reports.retentions) if reports is not None else 0,
        "reports": len(reports.reports) if reports is not None else 0,
        "experiments": len(reports.experiments) if reports is not None else 0,
        "alerts": len(p.alerts.alerts) if p.alerts is not None else 0,
    }


def counts_text(counts: dict[str, int]) -> str:
    """`8 files, 7 sources, ..., 1 funnel`: kinds beyond the first five only when present."""
    return ", ".join(
        plural(count, kind[:-1], kind)
        for kind, count in counts.items()
        if kind in ALWAYS_COUNTED or count
    )


@cli.command(name="compile")
@project_argument
@click.option("--dialect", type=Choice(DIALECTS), default="duckdb", show_default=True)
@as_of_option
@click.option(
    "--out",
    "out_dir",
    default=None,
    metavar="DIR",
    callback=_home_expanded,
    help="Write DIR/<project>.<dialect>.sql.",
)
def compile_command(
    project: tuple[str, ...], dialect: str, as_of: str | None, out_dir: str | None
) -> None:
    """Compile a project to a runnable SQL script for a warehouse dialect."""
    loaded = load_or_fail(project)
    moment = resolve_as_of(as_of, loaded)
    script = compiled_script(loaded, dialect, moment)
    if out_dir is None:
        click.echo(script, nl=False)
        return
    if not out_dir.strip():  # `--out "$UNSET"`: never the current folder quietly
        hint = "e.g. --out sql (a folder, made if missing)"
        fail([Diagnostic("E0605", "--out needs a folder name", None, (hint,))])
    folder = Path(out_dir)
    target_file = script_path(folder, project_of(loaded).name, dialect)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target_file.write_text(script, "utf-8")
    except OSError as err:
        if folder.exists() and not folder.is_dir():
            message = f"--out {folder} is not a folder"
        else:
            message = f"cannot write {target_file}: {err.strerror or err}"
        hint = "--out names a folder (made if missing) that segl may write to"
        fail([Diagnostic("E0605", message, None, (hint,))])
    click.echo(f"wrote {target_file}")


def script_path(folder: Path, name: str, dialect: str) -> Path:
    """DIR/<name>.<dialect>.sql, refusing any name that would put it elsewhere (segl.toml
    names are checked when read; a name taken from the folder's name is checked here)."""
    file_name = f"{name}.{dialect}.sql"
    target = folder / file_name
    outside = (
        Path(file_name).name != file_name
        or "/" in name
        or "\\" in name
        or name.startswith(".")
        or "\0" in name
        or not target.resolve().is_relative_to(folder.resolve())
    )
    if outside:
        fail(
            [
                Diagnostic(
                    "E0105",
                    f"project name {name!r} cannot name a file in {folder}",
                    None,
                    ('set [project] name in segl.toml, e.g. name = "retail"',),
                )
            ]
        )
    return target


def dialect_problems(
    loaded: LoadedProject, target: Target, moment: dt.datetime | None = None
) -> list[Diagnostic]:
    """What the target lacks for the project: from the IR (with places in the rule files),
    then anything only building the SQL finds (at the as-of, or now)."""
    project = project_of(loaded)
    settings = loaded.settings
    problems = target_problems(project, target, settings.table_prefix, settings.table_names_span)
    if any(p.is_error for p in problems):
        return problems
    try:
        when = moment or now_in(project.timezone)
        compiled = compile_run(project, when, target, prefix=loaded.settings.table_prefix)
        compiled.script()
    except TargetError as err:
        hint = f"{target.name} lacks this; see docs/engines.md"
        problems.append(Diagnostic(err.code, str(err), None, (hint,)))
        return problems
    return problems + width_problems(compiled)


def runnable_on(loaded: LoadedProject, dialect: str) -> Target:
    """The dialect's target, once the project needs nothing it cannot run: E0501 at each
    construct it lacks (exit 1); warnings for what only segl's own engine supplies."""
    target = get_target(dialect)
    settings = loaded.settings
    problems = target_problems(
        project_of(loaded), target, settings.table_prefix, settings.table_names_span
    )
    if any(p.is_error for p in problems):
        fail(problems, loaded.texts)
    emit(problems, loaded.texts)
    return target


def compiled_script(loaded: LoadedProject, dialect: str, moment: dt.datetime) -> str:
    target = runnable_on(loaded, dialect)
    try:
        compiled = compile_run(
            project_of(loaded),
            moment,
            target,
            prefix=loaded.settings.table_prefix,
            info=RunInfo(segl_version=segl_version()),
        )
        script = compiled.script()
    except TargetError as err:
        fail(
            [Diagnostic(err.code, str(err), None, (f"{dialect} lacks this; see docs/engines.md",))]
        )
    too_wide = width_problems(compiled)
    if too_wide:
        fail(too_wide, loaded.texts)
    return script


def _cadence(ctx: click.Context, param: click.Parameter, value: str | None) -> Cadence | None:
    """`--every`: a cadence (runtime/schedule.py); a bad one is a usage error, exit 2."""
    if value is None:
        return None
    try:
        return Cadence.parse(value)
    except BadCadence as err:
        raise click.BadParameter(str(err), ctx, param) from None


@cli.command()
@project_argument
@db_option
@as_of_option
@lock_timeout_option
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Replace a stored run that had users even when the universe is now empty.",
)
@click.option(
    "--every",
    "every",
    callback=_cadence,
    default=None,
    metavar="DURATION",
    help="Run on a cadence (15m, 1h, 1d) at its multiples in the project's zone, until "
    "Ctrl-C or SIGTERM.",
)
def run(
    project: tuple[str, ...],
    db_url: str | None,
    as_of: str | None,
    lock_timeout: float,
    allow_empty: bool,
    every: Cadence | None,
) -> None:
    """Compute tags, segments and layers, decide the journeys and evaluate the alerts, and
    store it all for the as-of in one transaction.

    The database must exist (segl never creates an empty one: `segl demo` builds a demo
    warehouse). With --every, run at every aligned instant of the cadence as it passes
    (docs/journeys.md, Scheduling)."""
    if every is not None and as_of is not None:
        raise click.UsageError(
            "--every and --as-of exclude each other: each scheduled run's as-of is its "
            "instant of the cadence (for one run at a chosen as-of, leave out --every)"
        )
    loaded = load_or_fail(project)
    if every is not None:
        _run_every(project, loaded, every, db_url, lock_timeout, allow_empty)
        return
    _run_once(loaded, db_url, resolve_as_of(as_of, loaded), lock_timeout, allow_empty)


def _run_once(
    loaded: LoadedProject,
    db_url: str | None,
    moment: dt.datetime,
    lock_timeout: float,
    allow_empty: bool,
) -> None:
    """One run at `moment`: its warnings, then its summary (Failed when it failed)."""
    with open_engine(db_url, loaded, lock_timeout=lock_timeout) as engine:
        try:
            summary = run_loaded(loaded, engine, moment, allow_empty=allow_empty)
        except DiagnosticError as err:
            fail(err.diagnostics, loaded.texts)
    emit(summary.warnings, loaded.texts)
    order = [d.name for d in loaded.in_file_order(project_of(loaded).definitions)]
    say(summary_text(summary, order))


def _run_every(
    project: tuple[str, ...],
    loaded: LoadedProject,
    cadence: Cadence,
    db_url: str | None,
    lock_timeout: float,
    allow_empty: bool,
) -> None:
    """`run --every`: a run at each instant of the cadence until SIGINT or SIGTERM. Each
    run reads the rules afresh (as a `segl run` from cron would, so an edit takes effect at
    the next run). A failed first run ends the schedule (exit 1: the setup is wrong, a
    mistyped --db say); a later failed run is reported and the schedule goes on."""
    from segl.compiler.timeutil import zone

    timezone = loaded.settings.config.timezone
    current: list[dt.datetime] = []  # the as-of of the run in progress, for a stop message

    def one(ran: Ran) -> None:
        current[:] = [ran.as_of]
        if ran.missed:
            missed = plural(ran.missed, "earlier instant")
            say(f"catching up: one run as of {minute_text(ran.as_of)} for {missed}")
        try:
            _run_once(load_or_fail(project), db_url, ran.as_of, lock_timeout, allow_empty)
        except Failed:
            if stop.interrupted:  # the engine's error for the query the signal interrupted
                raise Interrupted from None
            if scheduler.runs == 0:
                say("the first run failed: the schedule stops", err=True)
                raise
            say(f"the run as of {minute_text(ran.as_of)} failed; the schedule goes on")
        current.clear()

    def waiting(upcoming: dt.datetime) -> None:
        say(f"next run as of {minute_text(upcoming)} ({timezone})")

    from segl.runtime.alerts import cadence_warnings

    emit(cadence_warnings(project_of(loaded), cadence.step, str(cadence)), loaded.texts)
    with StopSignals() as stop:
        # said once the signals are handled: a supervisor may stop it from this line on
        say(f"running every {cadence} in {timezone} until Ctrl-C or SIGTERM")
        scheduler = Scheduler(
            cadence,
            one,
            now=lambda: dt.datetime.now(zone(timezone)).replace(tzinfo=None),
            stop=stop,
            waiting=waiting,
        )
        try:
            scheduler.run_until_stopped()
        except Exception as err:
            if not stop.interrupted:
                raise
            # DuckDB reports the query a signal interrupted as its own RuntimeError
            _abandoned(stop, current)
            raise Interrupted from err
        except Interrupted:
            _abandoned(stop, current)
            raise  # a KeyboardInterrupt: exit code 2
    last = f", the last as of {minute_text(scheduler.last)}" if scheduler.last else ""
    say(f"stopped by {stop.name} between runs after {plural(scheduler.runs, 'run')}{last}")


def _abandoned(stop: StopSignals, current: list[dt.datetime]) -> None:
    say(
        f"stopped by a second {stop.name} during the run as of "
        f"{minute_text(current[0])}: that run was abandoned and rolled back",
        err=True,
    )


@cli.group()
def show() -> None:
    """Show stored results: size, sample members and the SQL."""


MAX_SAMPLE = 10_000


@show.command(name="segment")
@click.argument("name")
@project_option
@db_option
@as_of_option
@click.option(
    "--sample",
    type=click.IntRange(min=0, max=MAX_SAMPLE),
    default=10,
    show_default=True,
    help=f"How many members to list (0 to {MAX_SAMPLE:,}).",
)
@lock_timeout_option
def show_segment(
    name: str,
    project: str,
    db_url: str | None,
    as_of: str | None,
    sample: int,
    lock_timeout: float,
) -> None:
    """Size, sample members and SQL of one segment (latest run unless --as-of)."""
    from segl.runtime.show import segment_report

    loaded = load_or_fail(project)
    moment = resolve_as_of(as_of, loaded) if as_of is not None else None
    with open_engine(db_url, loaded, read_only=True, lock_timeout=lock_timeout) as engine:
        try:
            click.echo(segment_report(loaded, engine, name, moment, sample))
        except DiagnosticError as err:
            fail(err.diagnostics, loaded.texts)
        except EngineError as err:
            refused(engine, err, FOREIGN_RESULTS)


@show.command(name="person")
@click.argument("id_text", metavar="ID")
@project_option
@db_option
@as_of_option
@lock_timeout_option
def show_person(
    id_text: str, project: str, db_url: str | None, as_of: str | None, lock_timeout: float
) -> None:
    """A person's IDs and why they are linked (latest run unless --as-of). ID is the text
    of any of their IDs, or kind:text to name its kind."""
    from segl.runtime.persons import person_report

    loaded = load_or_fail(project)
    moment = resolve_as_of(as_of, loaded) if as_of is not None else None
    with open_engine(db_url, loaded, read_only=True, lock_timeout=lock_timeout) as engine:
        try:
            click.echo(person_report(loaded, engine, id_text, moment), nl=False)
        except DiagnosticError as err:
            fail(err.diagnostics, loaded.texts)
        except EngineError as err:
            refused(engine, err, FOREIGN_RESULTS)


@show.command(name="outbox")
@click.argument("project_arg", metavar="[PROJECT]", required=False)
@project_option
@db_option
@click.option("--journey", "journey", default=None, help="Only this journey.")
@as_of_option
@click.option(
    "--undelivered",
    is_flag=True,
    help="Only the sent decisions segl deliver has not delivered (nor seen refused) yet.",
)
@format_option("text", "jsonl")
@lock_timeout_option
def show_outbox(
    project_arg: str | None,
    project: str,
    db_url: str | None,
    journey: str | None,
    as_of: str | None,
    undelivered: bool,
    fmt: str,
    lock_timeout: float,
) -> None:
    """The journeys' committed decisions (runs up to --as-of): one per journey, user,
    entry and step, with its status, message id and, in the table, whether it was
    delivered."""
    from segl.runtime.delivery import DeliveryLog
    from segl.runtime.outbox import as_json, read_outbox
    from segl.runtime.run import store_of
    from segl.runtime.tables import format_table

    loaded = load_or_fail(one_project(project_arg, project))
    moment = resolve_as_of(as_of, loaded) if as_of is not None else None
    with open_engine(db_url, loaded, read_only=True, lock_timeout=lock_timeout) as engine:
        try:
            store = store_of(loaded, engine)
            _known_journey(journey, loaded, engine, store)
            rows = read_outbox(engine, store, journey, moment)
            states = DeliveryLog(engine, store).states()
        except EngineError as err:
            refused(engine, err, FOREIGN_RESULTS)
    shown = [(r, _delivery_of(r, states)) for r in rows]
    if undelivered:
        shown = [(r, d) for r, d in shown if d == WAITING]
    if fmt == "jsonl":
        for row, _ in shown:
            click.echo(as_json(row))
        return
    columns = ["run_at", "journey", "step", "user", "channel", "template", "status"]
    table = [[*(_outbox_cell(r, c) for c in columns), d] for r, d in shown]
    numbered = all(isinstance(r["user"], int) for r, _ in shown)  # whole-number keys: right
    right = [columns.index("user")] if numbered else []
    click.echo(format_table([*columns, "delivery"], table, right=right))
    click.echo(_outbox_summary([d for _, d in shown]))


WAITING = "waiting"  # a sent decision segl deliver has not delivered, nor seen refused


def _delivery_of(row: dict[str, Any], states: dict[str, str]) -> str:
    """`delivered` or `refused` (segl deliver's record), `waiting` for a sent decision
    without one, `-` for a decision that is never sent (skipped, capped, ...)."""
    if row["status"] != "sent":
        return "-"
    return states.get(str(row["message_id"]), WAITING)


def _outbox_summary(deliveries: list[str]) -> str:
    """`3 decisions: 2 sent (1 delivered, 1 waiting for segl deliver)`."""
    text = plural(len(deliveries), "decision")
    sent = [d for d in deliveries if d != "-"]
    if not sent:
        return text
    counts = collections.Counter(sent)
    parts = [f"{counts[s]:,} {s}" for s in ("delivered", "refused") if counts[s]]
    if counts[WAITING]:
        parts.append(f"{counts[WAITING]:,} waiting for segl deliver")
    return f"{text}: {len(sent):,} sent ({', '.join(parts)})"


@show.command(name="journey")
@click.argument("journey")
@click.argument("project_arg", metavar="[PROJECT]", required=False)
@project_option
@db_option
@as_of_option
@format_option("text", "json")
@lock_timeout_option
def show_journey(
    journey: str,
    project_arg: str | None,
    project: str,
    db_url: str | None,
    as_of: str | None,
    fmt: str,
    lock_timeout: float,
) -> None:
    """What a journey's committed runs (up to --as-of) did: entries made, active, exited
    and completed; per step the messages sent, skipped, expired, capped and held out; its
    last run."""
    from segl.runtime.outbox import journey_report, report_data, report_text

    loaded = load_or_fail(one_project(project_arg, project))
    journeys = project_of(loaded).journeys
    found = {j.name: j for j in journeys.journeys} if journeys else {}
    moment = resolve_as_of(as_of, loaded) if as_of is not None else None
    with open_engine(db_url, loaded, read_only=True, lock_timeout=lock_timeout) as engine:
        try:
            store = store_of(loaded, engine)
            _known_journey(journey, loaded, engine, store)
            # a journey taken out of the rules: the steps its decisions name, in their order
            steps = [step.name for step in found[journey].steps] if journey in found else []
            report = journey_report(engine, store, journey, steps, moment)
        except EngineError as err:
            refused(engine, err, FOREIGN_RESULTS)
    title = found[journey].title if journey in found else None
    if fmt == "json":
        click.echo(json.dumps(report_data(report, title), ensure_ascii=False, indent=2))
        return
    click.echo(report_text(report, title), nl=False)


def _outbox_cell(row: dict[str, Any], column: str) -> object:
    """A cell of `segl show outbox`'s table: a user key as its digits (an ID, never
    `13,800,138,000`), the run's time to the minute."""
    if column == "run_at":
        return minute_text(row[column])
    return user_text(row[column]) if column == "user" else row[column]


def _known_journey(
    journey: str | None, loaded: LoadedProject, engine: Engine, store: Store
) -> None:
    """E0301 (exit 1) for a journey that is neither in the rules nor in the stored journey
    state (one taken out of the rules keeps its decisions: shown and delivered)."""
    from segl.runtime.outbox import stored_journeys

    journeys = project_of(loaded).journeys
    names = [j.name for j in journeys.journeys] if journeys else []
    if journey is None or journey in names:
        return
    stored = stored_journeys(engine, store)
    if journey not in stored:
        known = [*names, *sorted(stored.difference(names))]
        hints = _journey_hint(journey, known)
        fail([Diagnostic("E0301", f"unknown journey '{journey}'", None, hints)])


def _journey_hint(name: str, names: list[str]) -> tuple[str, ...]:
    from segl.dsl.diagnostics import did_you_mean

    return (*did_you_mean(name, names), "journeys: " + (", ".join(names) or "none"))


@show.command(name="migration")
@click.argument("layering")
@click.argument("project_arg", metavar="[PROJECT]", required=False)
@project_option
@db_option
@click.option(
    "--from", "from_text", required=True, help="The as-of of the stored run the users move from."
)
@click.option(
    "--to",
    "to_text",
    required=True,
    help=(
        "The as-of of the stored run they move to (earlier than --from: the matrix "
        "backwards in time)."
    ),
)
@format_option("text", "json", "html")
@click.option(
    "--out",
    "out",
    default=None,
    type=click.Path(),
    callback=_home_expanded,
    help="Write the output here (html needs it).",
)
@lock_timeout_option
def show_migration(
    layering: str,
    project_arg: str | None,
    project: str,
    db_url: str | None,
    from_text: str,
    to_text: str,
    fmt: str,
    out: str | None,
    lock_timeout: float,
) -> None:
    """How the users of a layering moved between two stored runs: the transition matrix
    with counts and shares of each origin layer, (new) and (left) for users entering and
    leaving the universe (docs/monitoring.md)."""
    from segl.compiler.sqlgen import render
    from segl.dsl.diagnostics import did_you_mean
    from segl.runtime import migration
    from segl.runtime.run import store_of

    loaded = load_or_fail(one_project(project_arg, project))
    layerings = {la.name: la for la in project_of(loaded).layerings}
    if layering not in layerings:
        hints = (
            *did_you_mean(layering, layerings),
            "layerings: " + (", ".join(layerings) or "none"),
        )
        kind = project_of(loaded).kind_of(layering)
        message = (
            f"'{layering}' is a {kind}, not a layering"
            if kind
            else f"unknown layering '{layering}'"
        )
        fail([Diagnostic("E0301", message, None, hints)])
    if fmt == "html" and out is None:
        raise click.UsageError("--format html needs --out FILE")
    if out is not None:
        not_the_database(out, db_url, loaded, "--out")
    earlier = _range_bound("--from", from_text, loaded)
    later = _range_bound("--to", to_text, loaded)
    with open_engine(db_url, loaded, read_only=True, lock_timeout=lock_timeout) as engine:
        try:
            store = store_of(loaded, engine)
            matrix = migration.migration(engine, store, layerings[layering], earlier, later)
            query = migration.matrix_query(store, engine.target, layering, earlier, later)
            sql = render(query, engine.target)
        except DiagnosticError as err:
            fail(err.diagnostics, loaded.texts)
        except EngineError as err:
            refused(engine, err, FOREIGN_RESULTS)
    title = layerings[layering].title
    if fmt == "json":
        text = json_text.dumps(migration.as_json(matrix), indent=2) + "\n"
    elif fmt == "html":
        from segl.runtime.report_html import migration_page

        text = migration_page(matrix, title, project_of(loaded).timezone, sql)
    else:
        text = migration.as_text(matrix, title) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    write_out(out, text)
    click.echo(f"wrote {out}")


@cli.command()
@click.argument("project_arg", metavar="[PROJECT]", required=False, type=click.Path())
@project_option
@click.option(
    "--to",
    "to",
    required=True,
    metavar="webhook:URL|file:PATH",
    help="Where to send: POST each message to URL, or append it to PATH as a JSON line.",
)
@db_option
@click.option(
    "--journey",
    "journey",
    default=None,
    help="Only this journey's messages (no alert notifications).",
)
@click.option(
    "--attempts",
    type=click.IntRange(min=1, max=100),
    default=5,
    show_default=True,
    help="Tries per message before the delivery stops.",
)
@click.option(
    "--timeout",
    type=Seconds(min=0, min_open=True, max=3600),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="How long the webhook has to connect and answer.",
)
@click.option(
    "--backoff",
    type=Seconds(min=0, max=3600),
    default=0.5,
    show_default=True,
    metavar="SECONDS",
    help="Wait before the first retry, doubled before each next one.",
)
@click.option(
    "--retry-failed", is_flag=True, help="Send again messages the receiver refused before."
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1, max=64),
    default=1,
    show_default=True,
    metavar="N",
    help="Messages in flight at once (a webhook far away); 1 keeps the outbox's order.",
)
@lock_timeout_option
def deliver(
    project_arg: str | None,
    project: str,
    to: str,
    db_url: str | None,
    journey: str | None,
    attempts: int,
    timeout: float,
    backoff: float,
    retry_failed: bool,
    concurrency: int,
    lock_timeout: float,
) -> None:
    """Send the journeys' undelivered sent messages and the alerts' notifications, oldest
    run first: one JSON object each, its message id as Idempotency-Key. Every attempt is
    recorded, so a delivery that was stopped resumes where it left off (docs/journeys.md,
    Delivery; docs/monitoring.md, Notification)."""
    from segl.runtime import delivery

    try:
        destination = delivery.parse_destination(to)
    except delivery.BadDestination as err:
        hint = "e.g. --to webhook:https://crm.example.com/segl or --to file:messages.jsonl"
        fail([Diagnostic("E0721", str(err), None, (hint,))], usage=True)
    loaded = load_or_fail(one_project(project_arg, project))
    if destination.kind == "file":
        not_the_database(destination.target, db_url, loaded, "--to file:")
    policy = delivery.RetryPolicy(attempts=attempts, backoff=backoff, timeout=timeout)
    line = ProgressLine()

    def progress(done: int, total: int) -> None:
        line.show(f"segl deliver: {done:,} of {total:,} messages", last=done == total)

    def retrying(event: delivery.Retrying) -> None:
        line.clear()
        say(
            f"message {event.message_id}: attempt {event.attempt}/{event.attempts} failed "
            f"({event.detail}); retrying in {event.delay:g} s",
            err=True,
        )

    with (
        open_engine(db_url, loaded, lock_timeout=lock_timeout) as engine,
        stop_between_messages() as stop_requested,
    ):
        try:
            store = store_of(loaded, engine)
            _known_journey(journey, loaded, engine, store)
            report = delivery.Delivery(
                engine,
                store,
                destination,
                policy,
                journey=journey,
                retry_failed=retry_failed,
                on_retry=retrying,
                user_agent=f"segl/{segl_version()}",
                stop_requested=stop_requested,
                concurrency=concurrency,
                on_progress=progress if line.on else None,
            ).run()
        except EngineError as err:
            refused(
                engine, err, "the outbox or deliveries table may have been written by another tool"
            )
        finally:
            line.clear()
    say(report.summary())
    if not report.ok:
        message, hints = delivery.describe_failure(report, destination)
        fail([Diagnostic("E0720", message, None, hints)])


@cli.command(name="alerts")
@click.argument("project_arg", metavar="[PROJECT]", required=False)
@project_option
@db_option
@format_option("text", "json")
@click.option("--fail-on-firing", is_flag=True, help="Exit 1 while any alert is firing (cron, CI).")
@lock_timeout_option
def alerts_command(
    project_arg: str | None,
    project: str,
    db_url: str | None,
    fmt: str,
    fail_on_firing: bool,
    lock_timeout: float,
) -> None:
    """The latest state of every alert: firing, ok or unknown, with its value and
    threshold as the latest run found them (docs/monitoring.md)."""

    from segl.runtime import alerts

    loaded = load_or_fail(one_project(project_arg, project))
    checked = project_of(loaded)
    with open_engine(db_url, loaded, read_only=True, lock_timeout=lock_timeout) as engine:
        try:
            latest = alerts.latest_states(engine, store_of(loaded, engine))
        except EngineError as err:
            refused(
                engine, err, "the alert history may have been written by another tool or version"
            )
    if fmt == "json":
        say(json_text.dumps(alerts.listing(checked, latest), indent=2))
    else:
        say(alerts.listing_text(checked, latest), nl=False)
    if fail_on_firing and any(row is not None and row.state == alerts.FIRING for row in latest):
        raise Failed


@cli.command()
@click.argument("arguments", metavar="JOURNEY... [PROJECT]", nargs=-1, required=True)
@click.option("--project", "-p", "project", default=None, type=click.Path())
@db_option
@click.option("--from", "start", required=True, metavar="T", help="The first run's as-of.")
@click.option("--to", "end", required=True, metavar="T", help="Runs before this as-of.")
@click.option("--every", "every", required=True, metavar="D", help="The cadence: 15m, 1h, 1d.")
@format_option("text", "jsonl")
@lock_timeout_option
def simulate(
    arguments: tuple[str, ...],
    project: str | None,
    db_url: str | None,
    start: str,
    end: str,
    every: str,
    fmt: str,
    lock_timeout: float,
) -> None:
    """Replay journeys over history as runs every D from --from to --to would decide them,
    in scratch tables (never the real state or outbox): sends per step, channel and day.
    PROJECT, after the journeys, is a folder or .segl files (default: -p or the current
    folder)."""
    from segl.runtime import simulate as sim
    from segl.runtime.outbox import as_json
    from segl.runtime.tables import format_table

    names, folder = _split_report_arguments(arguments, project)
    if not names:
        raise click.UsageError("name at least one journey: segl simulate JOURNEY... [PROJECT]")
    loaded = load_or_fail(folder)
    assert loaded.project is not None
    known = [j.name for j in loaded.project.journeys.journeys] if loaded.project.journeys else []
    for name in names:
        if name not in known:
            fail(
                [Diagnostic("E0301", f"unknown journey '{name}'", None, _journey_hint(name, known))]
            )
    first, last = _range_bound("--from", start, loaded), _range_bound("--to", end, loaded)
    if last <= first:  # a bad range, as `segl report` says it (exit code 1)
        from segl.runtime.report_command import backwards_range

        hint = "e.g. --from 2026-09-01 --to 2026-12-01 --every 1h (instants in [from, to))"
        fail([backwards_range(first, last, hint)])
    try:
        moments = sim.instants(first, last, sim.parse_every(every), loaded.settings.config.timezone)
    except ValueError as err:
        hint = "e.g. --from 2026-09-01 --to 2026-12-01 --every 1h"
        fail([Diagnostic("E0601", str(err), None, (hint,))], usage=True)
    with open_engine(db_url, loaded, lock_timeout=lock_timeout) as engine:
        _sources_or_fail(loaded, engine, moments[-1] if moments else None, "a simulation")
        try:
            warnings: list[Diagnostic] = []
            line = ProgressLine()
            progress = _simulate_progress(line, len(moments)) if line.on else None
            with stopped_by_signals():
                simulated = sim.simulate(loaded, engine, moments, warnings, progress)
                decisions = sim.only(simulated, list(names))
        except DiagnosticError as err:
            fail(err.diagnostics, loaded.texts)
        except KeyboardInterrupt:
            click.echo("segl simulate: stopped; its scratch tables are removed", err=True)
            raise UsageFailed from None
        finally:
            line.clear()
    emit(warnings, loaded.texts)
    if fmt == "jsonl":
        for decision in decisions:
            click.echo(as_json(decision))
        return
    headers = [
        "journey",
        "step",
        "channel",
        "day",
        "sent",
        "skipped",
        "expired",
        "capped",
        "held_out",
    ]
    journeys = loaded.project.journeys.journeys if loaded.project.journeys else ()
    click.echo(format_table(headers, sim.summary_rows(decisions, journeys)))
    span = f"{minute_text(moments[0])} to {minute_text(moments[-1])}"
    click.echo(f"{plural(len(moments), 'run')} from {span}: {plural(len(decisions), 'decision')}")


def _split_report_arguments(
    arguments: tuple[str, ...], project: str | None
) -> tuple[list[str], str]:
    """NAME... [PROJECT]: the last argument is the project when it is a folder, a .segl file
    or a path (has a /); without it (or with -p) the project is -p's or the current folder."""
    names = list(arguments)
    if project is None and names:
        last = names[-1]
        if Path(last).is_dir() or last.endswith(".segl") or "/" in last:
            return names[:-1], last
    return names, project or "."


@cli.command()
@click.argument("arguments", nargs=-1, metavar="[NAME...] [PROJECT]")
@click.option("--project", "-p", "project", default=None, type=click.Path())
@db_option
@as_of_option
@click.option(
    "--from", "start", default=None, metavar="T", help="Funnel entries and cohorts from T."
)
@click.option("--to", "end", default=None, metavar="T", help="... up to T (exclusive).")
@format_option("text", "json", "html")
@click.option(
    "--out",
    "out",
    default=None,
    type=click.Path(),
    metavar="FILE",
    callback=_home_expanded,
    help="Write to FILE.",
)
@lock_timeout_option
def report(
    arguments: tuple[str, ...],
    project: str | None,
    db_url: str | None,
    as_of: str | None,
    start: str | None,
    end: str | None,
    fmt: str,
    out: str | None,
    lock_timeout: float,
) -> None:
    """Run funnels, retention, reports and experiments (every one unless NAMEs are given),
    keep the results as history keyed by as-of, and print them as text, JSON or HTML."""
    from segl.runtime import report_command as rc
    from segl.runtime.report_html import context_of, render_html

    names, folder = _split_report_arguments(arguments, project)
    loaded = load_or_fail(folder)
    if out is not None:
        not_the_database(out, db_url, loaded, "--out")
    checked = project_of(loaded)
    moment = resolve_as_of(as_of, loaded)
    low = None if start is None else _range_bound("--from", start, loaded)
    high = None if end is None else _range_bound("--to", end, loaded)
    try:
        chosen = rc.choose(checked, names)
    except DiagnosticError as err:
        fail(err.diagnostics, loaded.texts)
    problems = rc.check_range(moment, low, high, [c.kind for c in chosen])
    if problems:
        fail(problems)
    emit(rc.range_warnings(checked, moment, high, [c.kind for c in chosen]), loaded.texts)
    with (
        open_engine(db_url, loaded, lock_timeout=lock_timeout) as engine,
        _reports_failing(engine, loaded),
    ):
        checked = _sources_or_fail(loaded, engine, moment, "a report")
        emit(unreadable_times(loaded, engine), loaded.texts)  # events a report misses
        store = store_of(loaded, engine)
        ran: dict[str, list[str]] = {c.name: [] for c in chosen}
        results = [
            rc.compute(engine, checked, c, moment, low, high, store, ran[c.name]) for c in chosen
        ]
        ranges = [
            rc.stored_range(c.kind, r, low, high) for c, r in zip(chosen, results, strict=True)
        ]
        rc.store_results(engine, store, results, moment, ranges, segl_version())
    if fmt == "json":
        text = json_text.dumps(results, indent=2) + "\n"
    elif fmt == "html":
        title = f"segl report: {checked.name} as of {minute_text(moment)}"
        sql = {name: texts[-1] for name, texts in ran.items() if texts}
        text = render_html(results, context_of(checked, sql=sql, title=title))
    else:
        text = rc.results_text(results, rc.titles_of(checked))
    if out is None:
        click.echo(text, nl=False)
        return
    write_out(out, text)
    click.echo(f"wrote {plural(len(results), 'result')} to {out}", err=True)


@contextmanager
def _reports_failing(engine: Engine, loaded: LoadedProject) -> Iterator[None]:
    """What stops a report's work: a diagnostic, a construct the engine lacks, a refusal
    by the engine; each said as such and exit 1."""
    try:
        yield
    except DiagnosticError as err:
        fail(err.diagnostics, loaded.texts)
    except TargetError as err:
        hint = f"{engine.name} lacks this for now; see docs/reports.md"
        fail([Diagnostic(err.code, str(err), None, (hint,))])
    except EngineError as err:
        refused(engine, err)


class ProgressLine:
    """On a terminal, one line on stderr rewritten in place at most ten times a second (a
    long simulation or delivery takes minutes), cleared before any other line is written
    there and at the end; elsewhere (piped, redirected, cron) nothing."""

    def __init__(self) -> None:
        self.on = sys.stderr.isatty()
        self.shown_at = 0.0
        self.showing = False

    def show(self, text: str, last: bool = False) -> None:
        now = time.monotonic()
        if self.on and (last or now - self.shown_at >= 0.1):
            self.shown_at, self.showing = now, True
            click.echo(f"\r{text}\033[K", nl=False, err=True)

    def clear(self) -> None:
        if self.showing:
            click.echo("\r\033[K", nl=False, err=True)
            self.showing = False


def _simulate_progress(line: ProgressLine, total: int) -> Callable[[int, dt.datetime], None]:
    """`segl simulate: instant 120 of 2,160 (2026-08-07 11:00)`."""

    def show(done: int, moment: dt.datetime) -> None:
        text = f"segl simulate: instant {done:,} of {total:,} ({minute_text(moment)})"
        line.show(text, last=done == total)

    return show


def write_out(out: str, text: str) -> None:
    """--out FILE: the whole output, or E0605 (nothing else printed) when it cannot be
    written: a folder, a missing folder, no permission, a full disk (an empty name and
    the database itself were refused before any work: not_the_database)."""
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as err:
        cannot_write(out, err)


def chosen_database(url: str | None, loaded: LoadedProject) -> tuple[str, Path | None]:
    """The database URL a command opens: --db, else segl.toml's, else the default; and the
    folder its relative paths are taken from (none for --db: the current one)."""
    chosen = with_home(url or loaded.settings.database_url or DEFAULT_DB_URL)
    return chosen, None if url else loaded.folder


def not_the_database(out: str, db_url: str | None, loaded: LoadedProject, option: str) -> None:
    """E0605 when an output file is empty (`--out "$UNSET"`), cannot be written
    (writable_or_fail) or is the database itself (or a file of its chdb folder): `export
    --out wh.duckdb` replaced the warehouse with a CSV, and `deliver --to file:wh.duckdb`
    recorded messages delivered that no file kept. Checked before any work, so a long
    report is not computed (and stored) for nothing."""
    if not out.strip():
        fail(
            [Diagnostic("E0605", f"{option} needs a file name", None, ("e.g. --out result.json",))]
        )
    writable_or_fail(out, option)
    chosen, base = chosen_database(db_url, loaded)
    database = database_file(chosen, base)
    if database is None:
        return
    target, data = Path(out).resolve(), database.resolve()
    if target == data or (data.is_dir() and data in target.parents):
        hint = "write the output to a file of its own"
        fail([Diagnostic("E0605", f"{option} {out} is the database {chosen}", None, (hint,))])


def cannot_write(out: str, err: OSError, option: str = "--out") -> NoReturn:
    hint = f"{option} names a file in an existing folder that segl may write to"
    fail([Diagnostic("E0605", f"cannot write {out}: {err.strerror or err}", None, (hint,))])


def writable_or_fail(out: str, option: str) -> None:
    """E0605 before any work when the output file cannot be written (a folder, a missing
    folder, no permission): `segl report --out` would otherwise have stored its results and
    an experiment's sticky assignments, then failed. A full disk is still found only when
    the file is written (write_out)."""
    path = Path(out)
    problem = None
    if path.is_dir():
        problem = errno.EISDIR
    elif not path.parent.is_dir():
        problem = errno.ENOTDIR if path.parent.exists() else errno.ENOENT
    elif not os.access(path if path.exists() else path.parent, os.W_OK):
        problem = errno.EACCES
    if problem is not None:
        cannot_write(out, OSError(problem, os.strerror(problem)), option)


def _experiments(project: ir.Project) -> list[model.Experiment]:
    return list(project.reports.experiments) if project.reports else []


def _sources_or_fail(
    loaded: LoadedProject, engine: Engine, as_of: dt.datetime | None = None, reader: str = "a run"
) -> ir.Project:
    """The project, its sources verified (and its key's type read, ir.Project.key). With
    an as-of, what a run there would say of the profiles too: several rows for one key
    refused (E0610: a report would count the user twice), a past as-of read from a
    profile as it is now and rows without a key said (W0601, W0604)."""
    problems = verify_sources(loaded, engine)
    if any(d.is_error for d in problems):
        fail(problems, loaded.texts)
    if as_of is not None:
        duplicated = duplicate_keys(loaded, engine, as_of)
        if duplicated:
            fail(duplicated, loaded.texts)
        keyless = universe_rows(loaded, engine, as_of).keyless
        said = past_without_history(loaded, as_of, reader)
        emit(said + keyless_rows(loaded, keyless, reader), loaded.texts)
    return project_of(loaded)


def _range_bound(option: str, text: str, loaded: LoadedProject) -> dt.datetime:
    try:
        return parse_as_of(text, loaded.settings.config.timezone)
    except (ValueError, OverflowError) as err:
        hint = f"e.g. {option} 2026-10-01 or {option} '2026-10-01 10:00:00'"
        fail([Diagnostic("E0601", f"bad {option}: {err}", None, (hint,))], usage=True)


@show.command(name="assignments")
@click.argument("experiment")
@click.argument("project_arg", metavar="[PROJECT]", required=False)
@project_option
@db_option
@as_of_option
@format_option("text", "jsonl")
@lock_timeout_option
def show_assignments(
    experiment: str,
    project_arg: str | None,
    project: str,
    db_url: str | None,
    as_of: str | None,
    fmt: str,
    lock_timeout: float,
) -> None:
    """Each user of an experiment's population with their arm at the as-of."""
    from segl.runtime.reference.reports import json_value
    from segl.runtime.report_command import assignments
    from segl.runtime.tables import format_table

    loaded = load_or_fail(one_project(project_arg, project))
    checked = project_of(loaded)
    moment = resolve_as_of(as_of, loaded)
    with (
        open_engine(db_url, loaded, read_only=True, lock_timeout=lock_timeout) as engine,
        _reports_failing(engine, loaded),
    ):
        checked = _sources_or_fail(loaded, engine, moment, "the listing")
        rows = assignments(engine, store_of(loaded, engine), checked, experiment, moment)
    if fmt == "jsonl":
        for user, arm, _ in rows:
            click.echo(json.dumps({"user": json_value(user), "arm": arm}, ensure_ascii=False))
        return
    since = [
        [user_text(user), arm, "-" if at is None else minute_text(at)] for user, arm, at in rows
    ]
    click.echo(format_table(["user", "arm", "assigned"], since))
    arms = [a.name for e in _experiments(checked) if e.name == experiment for a in e.arms]
    counts = {arm: sum(1 for _, a, _ in rows if a == arm) for arm in arms}
    shown = ", ".join(f"{arm} {n:,}" for arm, n in counts.items())  # 0 too: every arm
    removed = Counter(a for _, a, _ in rows if a not in counts)  # stored, no longer declared
    if removed:
        gone = ", ".join(f"{arm} {n:,}" for arm, n in sorted(removed.items()))
        shown += f"; arms no longer in the rules: {gone}"
    fresh = sum(1 for _, _, at in rows if at is None)
    note = f" ({fresh:,} not stored yet: assigned by the next segl report)" if fresh else ""
    click.echo(f"{plural(len(rows), 'user')} assigned" + (f": {shown}" if shown else "") + note)


@cli.group()
def export() -> None:
    """Export stored results for delivery tools."""


@export.command(name="segment")
@click.argument("name")
@project_option
@db_option
@as_of_option
@format_option("csv", "jsonl", "parquet")
@click.option("--with", "with_tags", default=None, metavar="TAG,...", help="Tags to add.")
@click.option(
    "--out",
    "out_file",
    default=None,
    metavar="FILE",
    callback=_home_expanded,
    help="File (default: stdout).",
)
@click.option(
    "--bom",
    is_flag=True,
    help="Start the CSV with a UTF-8 byte-order mark (Excel then opens Chinese text right).",
)
@lock_timeout_option
def export_segment(
    name: str,
    project: str,
    db_url: str | None,
    as_of: str | None,
    fmt: str,
    with_tags: str | None,
    out_file: str | None,
    bom: bool,
    lock_timeout: float,
) -> None:
    """The members of a stored segment (latest run unless --as-of), with the tags asked
    for: CSV (header, key first), JSON lines ({"user": key, tag: value}) or Parquet."""
    from segl.runtime import export as exporting

    if fmt == "parquet" and out_file is None:
        raise click.UsageError("--format parquet needs --out FILE")
    if bom and fmt != "csv":
        raise click.UsageError("--bom is for --format csv (JSON lines and Parquet have none)")
    loaded = load_or_fail(project)
    if out_file is not None:
        not_the_database(out_file, db_url, loaded, "--out")
    moment = resolve_as_of(as_of, loaded) if as_of is not None else None
    names = _with_names(with_tags)
    with open_engine(db_url, loaded, read_only=True, lock_timeout=lock_timeout) as engine:
        store = store_of(loaded, engine)
        try:
            _, tags, rows = exporting.read_audience(
                engine, project_of(loaded), store, name, moment, names
            )
        except DiagnosticError as err:
            fail(err.diagnostics, loaded.texts)
        except EngineError as err:
            refused(engine, err, FOREIGN_RESULTS)
    if fmt == "parquet":
        assert out_file is not None
        try:
            exporting.write_parquet(Path(out_file), tags, rows, exporting.key_sql_type(rows))
        except OSError as err:
            cannot_write(out_file, err)
        click.echo(f"wrote {len(rows):,} members to {out_file}", err=True)
        return
    text = exporting.as_csv(tags, rows) if fmt == "csv" else exporting.as_jsonl(tags, rows)
    if bom:
        text = "\ufeff" + text
    if out_file is None:
        click.echo(text, nl=False)
        return
    write_out(out_file, text)
    click.echo(f"wrote {len(rows):,} members to {out_file}", err=True)


def _with_names(with_tags: str | None) -> list[str]:
    """--with's tag names in order; an empty name (`--with ""`, `a,,b`) or a repeated one
    is a usage error, where it silently exported fewer columns than asked for."""
    if with_tags is None:
        return []
    names = [n.strip() for n in with_tags.split(",")]
    if not all(names):
        raise click.BadParameter(f"'{with_tags}' has an empty tag name", param_hint="--with")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        twice = ", ".join(repeated)
        raise click.BadParameter(f"names {twice} more than once", param_hint="--with")
    return names


@cli.command()
@project_argument
@click.option("--format", "fmt", type=Choice(["text", "json"]), default="text")
def catalog(project: tuple[str, ...], fmt: str) -> None:
    """List tags, segments, layerings (with their layers), journeys (with their steps),
    funnels, retentions, reports and experiments, and alerts, each group in file order."""
    from segl.runtime.show import catalog_rows, catalog_text

    loaded = load_or_fail(project)
    rows = catalog_rows(project_of(loaded), [program.file for program in loaded.programs])
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(catalog_text(rows), nl=False)


@cli.command()
@click.argument("stage", type=Choice(["ast", "ir", "plan", "sql"]))
@project_argument
@click.option("--dialect", type=Choice(DIALECTS), default="duckdb", show_default=True)
@as_of_option
def debug(stage: str, project: tuple[str, ...], dialect: str, as_of: str | None) -> None:
    """Dump one stage of the pipeline: ast, ir, plan or sql."""
    loaded = load_or_fail(project)
    if stage == "ast":
        programs = [ir.to_data(program) for program in loaded.programs]
        click.echo(json.dumps(programs, ensure_ascii=False, indent=2))
        return
    p = project_of(loaded)
    if stage == "ir":
        click.echo(json.dumps(ir.to_data(p), ensure_ascii=False, indent=2))
        return
    moment = resolve_as_of(as_of, loaded)
    if stage == "plan":
        click.echo(describe(build_plan(p, moment)))
        return
    target = runnable_on(loaded, dialect)  # as `segl compile`: the construct's place
    try:
        click.echo(compile_run(p, moment, target).query_sql())
    except TargetError as err:
        fail([Diagnostic(err.code, str(err), None)])


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--check", "check_only", is_flag=True, help="Only report files that would change.")
def fmt(paths: tuple[str, ...], check_only: bool) -> None:
    """Format rule files in place (or check that they are formatted)."""
    from segl.dsl.formatter import format_program
    from segl.dsl.parser import parse_program
    from segl.runtime.project import (
        empty_path,
        no_rule_files,
        no_such_path,
        read_rule_file,
        rule_files,
    )

    changed: list[Path] = []
    problems: list[Diagnostic] = []
    texts: dict[str, str] = {}
    for root in paths or (".",):
        if root == "":
            problems.append(empty_path())
            continue
        if not Path(root).exists() and not Path(root).is_symlink():
            problems.append(no_such_path(Path(root)))
            continue
        files = rule_files(Path(root))
        if not files:  # `fmt --check` of the wrong folder must not pass in CI
            problems.append(no_rule_files(Path(root)))
        for file in files:
            try:
                text = read_rule_file(file, str(file))
                texts[str(file)] = text
                formatted = format_program(parse_program(text, str(file)))
            except DiagnosticError as err:
                problems += err.diagnostics
                continue
            if _windows_lines(text):  # a file with Windows line endings keeps them
                formatted = formatted.replace("\n", "\r\n")
            if formatted != text:
                changed.append(file)
                if not check_only:
                    bom = "\ufeff" if _has_bom(file) else ""  # kept, as the line endings
                    file.write_text(bom + formatted, "utf-8", newline="")
    # the files formatted are said even when others have errors (those stay unchanged)
    verb = "would reformat" if check_only else "reformatted"
    for file in changed:
        say(f"{verb} {file}")
    if problems:
        fail(problems, texts)
    if check_only and changed:
        raise Failed


def _has_bom(file: Path) -> bool:
    with file.open("rb") as stream:
        return stream.read(3) == b"\xef\xbb\xbf"


def _windows_lines(text: str) -> bool:
    """Whether the file's first line ends in CR LF."""
    first = text.find("\n")
    return first > 0 and text[first - 1] == "\r"


@cli.command()
@click.option("--db", "db_path", default="segl_demo.duckdb", show_default=True)
@click.option(
    "--users",
    type=click.IntRange(min=0, max=50_000_000),
    default=100_000,
    show_default=True,
    help="How many users to generate.",
)
def demo(db_path: str, users: int) -> None:
    """Build a synthetic retail warehouse in DuckDB and run the examples on it. --db is
    the DuckDB file to (re)create: a path, or a duckdb:/// URL as other commands take."""
    from segl.runtime.demo import run_demo

    try:
        say(run_demo(_demo_file(db_path), users, echo=say))
    except DiagnosticError as err:
        fail(err.diagnostics)


def say(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """click.echo, and nothing more once the reader has closed that output (`segl demo |
    head -2`, `segl deliver ... 2>&1 | head -5`, a log reader that died): the work goes on
    to its end and the command keeps its own exit status. The demo used to stop after its
    first run with its warehouse half built; a failed delivery, a firing alert or an
    unformatted file exited 0, as if nothing was wrong."""
    try:
        click.echo(text, err=err, nl=nl)
    except BrokenPipeError:
        _discard(sys.stderr if err else sys.stdout)


def _discard(stream: TextIO) -> None:
    """Point a standard stream at /dev/null: what its buffer still holds is written there
    at exit instead of failing on the closed pipe."""
    with suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
        descriptor = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, descriptor)
        os.close(devnull)


def _demo_file(db: str) -> Path:
    """The DuckDB file `segl demo --db` names; E0606 for an empty one or another engine's."""
    hint = "e.g. --db segl_demo.duckdb or --db duckdb:///segl_demo.duckdb"
    if not db.strip():
        fail([Diagnostic("E0606", "--db is empty", None, (hint,))], usage=True)
    db = with_home(db)
    try:
        scheme = url_scheme(db)
    except UnsupportedURL as err:
        fail([Diagnostic("E0606", str(err), None, (hint,))], usage=True)
    if scheme not in ("", "duckdb"):
        problem = f"segl demo builds a DuckDB file, not a {scheme} database"
        fail([Diagnostic("E0606", problem, None, (hint,))], usage=True)
    if scheme == "":
        return Path(db)
    found = database_file(db)
    if found is None:  # duckdb:///:memory:
        fail([Diagnostic("E0606", "segl demo builds a file", None, (hint,))], usage=True)
    return found


# ---------------------------------------------------------------- entry point


# errors of writing the standard output (it has no file name): a full disk, a failing device
_WRITE_REFUSED = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def _utf8_output() -> None:
    """Output into a file or a pipe is UTF-8 whatever the locale (a GBK locale wrote an
    export's CSV in GBK, and failed on an emoji with an internal error); on a terminal it
    stays the terminal's encoding, with what that cannot show written as escapes."""
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper):
            continue  # replaced (tests, embedding): left as it is
        with suppress(OSError, ValueError):
            if stream.isatty():
                stream.reconfigure(errors="backslashreplace")
            elif stream.encoding.lower().replace("-", "") != "utf8":
                stream.reconfigure(encoding="utf-8", errors="strict")


def main(argv: list[str] | None = None) -> int:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
    _utf8_output()
    try:
        cli.main(args=argv, prog_name="segl", standalone_mode=False)
    except SystemExit:
        if _output_closed():  # click's way of ending after a broken pipe: exit 1
            return 0
        raise
    except UsageFailed:
        return 2
    except Failed:
        return 1
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.ClickException as err:
        err.show()
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 2
    except BrokenPipeError:  # the reader closed the output (`| head`): what it read is whole
        return 0
    except KeyboardInterrupt:
        return 2
    except OverflowError as err:  # a date near year 1 or 9999, shifted past the calendar
        hint = (
            "a date computed from the as-of (a window's start, a period's end) falls outside "
            "the years 1 to 9999: use an as-of further from those years"
        )
        emit([Diagnostic("E0601", f"a date is out of range: {err}", None, (hint,))], {})
        return 2
    except EngineError as err:  # a statement no command expected to fail (a timeout)
        hint = (
            err.hint
            or "the database's own words say why (a timeout, a permission, a lost connection)"
        )
        emit([Diagnostic("E0605", f"the database refused: {err}", None, (hint,))], {})
        return 1
    except OSError as err:  # a path the system refuses (too long, a loop of links, ...)
        if err.filename is None and err.errno in _WRITE_REFUSED:  # the output (> /dev/full)
            problem = f"cannot write the output: {err.strerror or err}"
            hint = "free some space, or write elsewhere (--out FILE where the command has it)"
            emit([Diagnostic("E0605", problem, None, (hint,))], {})
            return 1
        if err.filename is None:
            return _internal_error(err)
        where = str(err.filename)
        shown = where if len(where) <= 80 else f"{where[:40]}...{where[-30:]}"
        problem = f"cannot use {shown}: {err.strerror or err}"
        emit([Diagnostic("E0605", problem, None, ("choose another path",))], {})
        return 1
    except Exception as err:
        return _internal_error(err)
    return 0


def _output_closed() -> bool:
    """Whether the command stopped because the reader of its output closed it (click
    then wraps the standard streams so that nothing more is written)."""
    return type(sys.stdout).__name__ == "_PacifyFlushWrapper"


def _internal_error(err: BaseException) -> int:
    click.echo(
        f"segl: internal error: {type(err).__name__}: {err}\n"
        "this is a bug in segl; please report it with the command you ran",
        err=True,
    )
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The `segl` command line. Exit codes: 0 success, 1 rule or data errors,
2 usage or internal errors. Bad input never shows a traceback."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click

from segl.compiler import ir
from segl.compiler.plan import build_plan, describe
from segl.compiler.script import OutputTables, compile_run
from segl.compiler.targets import TARGETS, TargetError, get_target
from segl.compiler.timeutil import now_in, parse_as_of
from segl.dsl.diagnostics import (
    Diagnostic,
    DiagnosticError,
    render_github,
    render_json,
    render_text,
)
from segl.runtime.engines import Engine, EngineError, UnsupportedURL, connect
from segl.runtime.project import DEFAULT_DB_URL, LoadedProject, errors_first, load_project
from segl.runtime.run import run_loaded, verify_sources
from segl.runtime.tables import format_table, summary_text

DIALECTS = sorted(TARGETS)


class Failed(Exception):
    """Stop with exit code 1 after the diagnostics were printed."""


def emit(diagnostics: list[Diagnostic], texts: dict[str, str], fmt: str = "text") -> None:
    ordered = errors_first(diagnostics)
    if fmt == "json":
        click.echo(render_json(ordered))
    elif fmt == "github":
        if ordered:
            click.echo(render_github(ordered))
    elif ordered:
        click.echo(render_text(ordered, texts), err=True)


def fail(diagnostics: list[Diagnostic], texts: dict[str, str] | None = None) -> NoReturn:
    emit(diagnostics, texts or {})
    raise Failed


def load_or_fail(path: str, fmt: str = "text") -> LoadedProject:
    try:
        loaded = load_project(path)
    except DiagnosticError as err:
        emit(err.diagnostics, {}, fmt)
        raise Failed from None
    if not loaded.ok:
        emit(loaded.diagnostics, loaded.texts, fmt)
        raise Failed
    return loaded


def project_of(loaded: LoadedProject) -> ir.Project:
    assert loaded.project is not None
    return loaded.project


def resolve_as_of(text: str | None, loaded: LoadedProject) -> dt.datetime:
    timezone = loaded.settings.config.timezone
    if text is None:
        return now_in(timezone)
    try:
        return parse_as_of(text, timezone)
    except ValueError as err:
        fail([Diagnostic("E0601", f"bad --as-of: {err}", None)])


@contextmanager
def open_engine(
    url: str | None, loaded: LoadedProject, *, read_only: bool = False
) -> Iterator[Engine]:
    """The database of --db, else segl.toml's, else the default; read-only
    commands never create a database file."""
    chosen = url or loaded.settings.database_url or DEFAULT_DB_URL
    base = None if url else (loaded.root if loaded.root.is_dir() else loaded.root.parent)
    try:
        engine = connect(chosen, base=base, read_only=read_only)
    except UnsupportedURL as err:
        fail([Diagnostic("E0606", str(err), None)])
    except EngineError as err:
        fail([Diagnostic("E0605", f"cannot open {chosen}: {err}", None)])
    try:
        yield engine
    finally:
        engine.close()


# ---------------------------------------------------------------- commands

project_argument = click.argument("project", default=".", type=click.Path())
as_of_option = click.option(
    "--as-of", "as_of", default=None, help="As-of date or timestamp (project time zone)."
)
db_option = click.option("--db", "db_url", default=None, help="Database URL (default: segl.toml).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="segl")
def cli() -> None:
    """segl: tags, segments and layerings for user operations, compiled to SQL."""


@cli.command()
@project_argument
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
)
def check(project: str, db_url: str | None, fmt: str) -> None:
    """Check rule files offline (and against a database with --db)."""
    loaded = load_or_fail(project, fmt)
    diagnostics = list(loaded.diagnostics)
    if db_url is not None:
        with open_engine(db_url, loaded, read_only=True) as engine:
            diagnostics += verify_sources(loaded, engine)
    emit(diagnostics, loaded.texts, fmt)
    if any(d.is_error for d in diagnostics):
        raise Failed
    if fmt == "text":
        p = project_of(loaded)
        click.echo(
            f"ok: {len(loaded.programs)} file(s), {len(p.sources)} sources, {len(p.tags)} tags, "
            f"{len(p.segments)} segments, {len(p.layerings)} layerings"
        )


@cli.command(name="compile")
@project_argument
@click.option("--dialect", type=click.Choice(DIALECTS), default="duckdb", show_default=True)
@as_of_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None)
def compile_command(project: str, dialect: str, as_of: str | None, out_dir: str | None) -> None:
    """Compile a project to a runnable SQL script for a warehouse dialect."""
    loaded = load_or_fail(project)
    moment = resolve_as_of(as_of, loaded)
    script = compiled_script(loaded, dialect, moment)
    if out_dir is None:
        click.echo(script, nl=False)
        return
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target_file = folder / f"{project_of(loaded).name}.{dialect}.sql"
    target_file.write_text(script, "utf-8")
    click.echo(f"wrote {target_file}")


def compiled_script(loaded: LoadedProject, dialect: str, moment: dt.datetime) -> str:
    try:
        compiled = compile_run(
            project_of(loaded),
            moment,
            get_target(dialect),
            tables=OutputTables(loaded.settings.table_prefix),
        )
        return compiled.script()
    except TargetError as err:
        fail(
            [Diagnostic(err.code, str(err), None, (f"{dialect} lacks this; see docs/engines.md",))]
        )


@cli.command()
@project_argument
@db_option
@as_of_option
def run(project: str, db_url: str | None, as_of: str | None) -> None:
    """Compute tags, segments and layers and store them for the as-of."""
    loaded = load_or_fail(project)
    moment = resolve_as_of(as_of, loaded)
    with open_engine(db_url, loaded) as engine:
        try:
            summary = run_loaded(loaded, engine, moment)
        except DiagnosticError as err:
            fail(err.diagnostics, loaded.texts)
    click.echo(summary_text(summary))


@cli.group()
def show() -> None:
    """Show stored results: size, sample members and the SQL."""


@show.command(name="segment")
@click.argument("name")
@click.option("--project", "-p", "project", default=".", type=click.Path())
@db_option
@as_of_option
@click.option("--sample", default=10, show_default=True, help="How many members to list.")
def show_segment(
    name: str, project: str, db_url: str | None, as_of: str | None, sample: int
) -> None:
    """Size, sample members and SQL of one segment (latest run unless --as-of)."""
    from segl.runtime.show import segment_report

    loaded = load_or_fail(project)
    with open_engine(db_url, loaded, read_only=True) as engine:
        moment = resolve_as_of(as_of, loaded) if as_of is not None else None
        try:
            click.echo(segment_report(loaded, engine, name, moment, sample))
        except DiagnosticError as err:
            fail(err.diagnostics, loaded.texts)
        except EngineError as err:
            hint = "the results tables may have been written by another tool or version"
            fail([Diagnostic("E0605", f"the {engine.name} database refused: {err}", None, (hint,))])


@cli.command()
@project_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def catalog(project: str, fmt: str) -> None:
    """List tags, segments and layerings with their metadata."""
    from segl.runtime.show import catalog_rows

    loaded = load_or_fail(project)
    rows = catalog_rows(project_of(loaded))
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    headers = ["kind", "name", "type", "category", "tag_kind", "title", "owner"]
    click.echo(format_table(headers, [[r.get(h) for h in headers] for r in rows]))


@cli.command()
@click.argument("stage", type=click.Choice(["ast", "ir", "plan", "sql"]))
@project_argument
@click.option("--dialect", type=click.Choice(DIALECTS), default="duckdb", show_default=True)
@as_of_option
def debug(stage: str, project: str, dialect: str, as_of: str | None) -> None:
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
    try:
        click.echo(compile_run(p, moment, get_target(dialect)).query_sql())
    except TargetError as err:
        fail([Diagnostic(err.code, str(err), None)])


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--check", "check_only", is_flag=True, help="Only report files that would change.")
def fmt(paths: tuple[str, ...], check_only: bool) -> None:
    """Format rule files in place (or check that they are formatted)."""
    from segl.dsl.formatter import format_program
    from segl.dsl.parser import decode_source, parse_program
    from segl.runtime.project import rule_files

    changed: list[Path] = []
    problems: list[Diagnostic] = []
    texts: dict[str, str] = {}
    for root in paths or (".",):
        for file in rule_files(Path(root)):
            try:
                text = decode_source(file.read_bytes(), str(file))
                texts[str(file)] = text
                formatted = format_program(parse_program(text, str(file)))
            except DiagnosticError as err:
                problems += err.diagnostics
                continue
            if formatted != text:
                changed.append(file)
                if not check_only:
                    file.write_text(formatted, "utf-8")
    if problems:
        fail(problems, texts)
    verb = "would reformat" if check_only else "reformatted"
    for file in changed:
        click.echo(f"{verb} {file}")
    if check_only and changed:
        raise Failed


@cli.command()
@click.option("--db", "db_path", default="segl_demo.duckdb", show_default=True)
@click.option("--users", default=100_000, show_default=True, help="How many users to generate.")
def demo(db_path: str, users: int) -> None:
    """Build a synthetic retail warehouse in DuckDB and run the examples on it."""
    from segl.runtime.demo import run_demo

    try:
        click.echo(run_demo(Path(db_path), users, echo=click.echo))
    except DiagnosticError as err:
        fail(err.diagnostics)


# ---------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> int:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
    try:
        cli.main(args=argv, prog_name="segl", standalone_mode=False)
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
    except (BrokenPipeError, KeyboardInterrupt):
        return 2
    except Exception as err:
        click.echo(
            f"segl: internal error: {type(err).__name__}: {err}\n"
            "this is a bug in segl; please report it with the command you ran",
            err=True,
        )
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""A project on disk: its segl.toml and every .segl file under its folder,
parsed and checked together."""

from __future__ import annotations

import errno
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from segl.compiler import ir
from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.journeys.model import ALL_CHANNELS, CHANNELS
from segl.compiler.timeutil import known_zones, zone
from segl.dsl import ast
from segl.dsl.diagnostics import Diagnostic, DiagnosticError, Severity, Span, did_you_mean
from segl.dsl.names import NAME
from segl.dsl.parser import bidi_warnings, decode_source, not_utf8_hint, parse_program
from segl.runtime.engines import url_problem

CONFIG_FILE = "segl.toml"
DEFAULT_DB_URL = "duckdb:///segl.duckdb"
NAME_MAX_CHARS = 64
NAME_MAX_BYTES = 200  # UTF-8; `<name>.<dialect>.sql` must fit a file name (255 bytes)

# the tables of segl.toml and their keys
TABLES = {
    "project": ("name", "timezone", "universe"),
    "database": ("url",),
    "output": ("prefix",),
    "journeys": ("channels",),
}


@dataclass(frozen=True)
class Settings:
    """segl.toml, with defaults for what it leaves out."""

    config: ProjectConfig
    database_url: str | None = None
    table_prefix: str = "segl_"
    folder: Path | None = None  # where segl.toml is (or would be): relative URLs start there
    warnings: tuple[Diagnostic, ...] = ()  # W0105: keys of segl.toml that segl ignores
    text: str = ""  # segl.toml's text, to show a warning's line
    label: str | None = None  # segl.toml as diagnostics name it (None: there is none)
    # where the project's name and the output prefix are written in segl.toml, if they are:
    # they make the result tables' names (E0501 for a name a target would cut short)
    name_span: Span | None = None
    prefix_span: Span | None = None

    @property
    def table_names_span(self) -> Span | None:
        """What to point at for a result table's name: the project's name, else the prefix."""
        return self.name_span or self.prefix_span


@dataclass
class LoadedProject:
    root: Path
    settings: Settings
    programs: list[ast.Program] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # file label -> text, for carets
    diagnostics: list[Diagnostic] = field(default_factory=list)
    project: ir.Project | None = None

    @property
    def ok(self) -> bool:
        return self.project is not None and not any(d.is_error for d in self.diagnostics)

    @property
    def folder(self) -> Path:
        """The project's folder: relative database URLs of segl.toml start here."""
        if self.settings.folder is not None:
            return self.settings.folder
        return self.root if self.root.is_dir() else self.root.parent

    def source_def(self, name: str) -> ast.SourceDef | None:
        for program in self.programs:
            for stmt in program.statements:
                if isinstance(stmt, ast.SourceDef) and stmt.name == name:
                    return stmt
        return None

    def in_file_order(self, definitions: Iterable[ir.Definition]) -> list[ir.Definition]:
        """Definitions as they are written: by file (in load order), then line and column
        (a checked project keeps them in dependency order)."""
        return in_file_order(definitions, [program.file for program in self.programs])


class Written(Protocol):
    """Anything written somewhere in a rule file: a definition, a journey."""

    @property
    def span(self) -> Span: ...


WrittenT = TypeVar("WrittenT", bound=Written)


def in_file_order(definitions: Iterable[WrittenT], files: Sequence[str] = ()) -> list[WrittenT]:
    """Sort by file (the order of `files`, then by name), line and column."""
    rank = {name: index for index, name in enumerate(files)}

    def key(definition: WrittenT) -> tuple[int, str, int, int]:
        span = definition.span
        return (rank.get(span.file, len(rank)), span.file, span.line, span.column)

    return sorted(definitions, key=key)


# ---------------------------------------------------------------- segl.toml


def _config_error(
    path: Path,
    message: str,
    *hints: str,
    line: int = 1,
    column: int = 1,
    end_column: int | None = None,
) -> Diagnostic:
    end = end_column if end_column is not None and end_column > column else column + 1
    span = Span(_label(path), line, column, line, end)
    return Diagnostic("E0105", message, span, hints)


def _toml_position(error: tomllib.TOMLDecodeError) -> tuple[int, int]:
    found = re.search(r"at line (\d+), column (\d+)", str(error))
    return (int(found.group(1)), int(found.group(2))) if found else (1, 1)


_KIND_WORDS = {
    str: "string",
    int: "whole number",
    bool: "true or false",
    dict: "table",
    list: "list",
}
_HEADER = re.compile(r"^\s*\[\[?\s*(?P<name>[^\]]*?)\s*\]\]?\s*(#.*)?$")


def _key_pattern(key: str) -> str:
    return rf"""(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')"""


def _place(text: str, table: str | None, key: str) -> tuple[int, int, int]:
    """(line, column, end column) of `key` in `table` (None: the top level) of a TOML
    text, for pointing at it; (1, 1, 2) when it cannot be found."""
    return _found_place(text, table, key) or (1, 1, 2)


def _found_place(text: str, table: str | None, key: str) -> tuple[int, int, int] | None:
    """(line, column, end column) of `key` in `table` of a TOML text, or None."""
    current: list[str] = []
    key_at = re.compile(rf"^(\s*)({_key_pattern(key)})\s*[=.]")
    dotted = (
        re.compile(rf"^(\s*)({_key_pattern(table)}\s*\.\s*{_key_pattern(key)})\s*[=.]")
        if table is not None
        else None
    )
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            current = [part.strip().strip("\"'") for part in header["name"].split(".")]
            wanted = [key] if table is None else [table, key]
            if current[: len(wanted)] == wanted:
                start = line.index("[") + 1
                return number, start, len(line.rstrip()) + 1
            continue
        found = None
        if current == ([] if table is None else [table]):
            found = key_at.match(line)
        elif not current and dotted is not None:
            found = dotted.match(line)
        if found:
            start = len(found[1]) + 1
            return number, start, start + len(found[2])
    return None


class _Toml:
    """segl.toml's data, its text (to point at keys) and its path."""

    def __init__(self, path: Path, text: str, data: dict[str, Any]) -> None:
        self.path, self.text, self.data = path, text, data

    def error(self, table: str | None, key: str, message: str, *hints: str) -> DiagnosticError:
        line, column, end = _place(self.text, table, key)
        problem = _config_error(
            self.path, message, *hints, line=line, column=column, end_column=end
        )
        return DiagnosticError([problem])

    def table(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        if isinstance(value, dict):
            return value
        example = "\n".join([f"[{name}]", *(f"{key} = ..." for key in TABLES[name][:1])])
        raise self.error(
            None,
            name,
            f"'{name}' in {CONFIG_FILE} must be a table, not {_describe(value)}",
            f"write a [{name}] line, then its keys below it: {example!r}",
        )

    def get(self, table: str, key: str, kind: type) -> Any:
        value = self.table(table).get(key)
        if value is not None and not isinstance(value, kind):
            raise self.error(
                table,
                key,
                f"'{key}' in [{table}] of {CONFIG_FILE} must be a {_KIND_WORDS[kind]}, "
                f"not {_describe(value)}",
                _EXAMPLES.get(kind.__name__, "e.g. {key} = 1").format(key=key),
            )
        return value

    def misplaced_keys(self) -> None:
        """Known keys written at the top level (before any [table]) are mistakes."""
        for table, keys in TABLES.items():
            for key in keys:
                if key in self.data and key not in TABLES:
                    raise self.error(
                        None,
                        key,
                        f"'{key}' belongs in the [{table}] table of {CONFIG_FILE}",
                        f"move it below a [{table}] line",
                    )

    def ignored_keys(self) -> list[Diagnostic]:
        """W0105 for a key of a known table segl does not know (`timezon`), and for a table
        named like a known one (`[projekt]`): both would be ignored, silently changing
        the zone or the database. Other tables (another tool's) are left alone."""
        found: list[Diagnostic] = []
        for table, keys in TABLES.items():
            for key in self.table(table):
                if key not in keys:
                    found.append(
                        self.warning(
                            table,
                            key,
                            f"unknown key '{key}' in [{table}] of {CONFIG_FILE}: ignored",
                            *(did_you_mean(key, keys) or (f"its keys: {', '.join(keys)}",)),
                        )
                    )
        for name in self.data:
            close = did_you_mean(name, TABLES)
            if name not in TABLES and isinstance(self.data[name], dict) and close:
                message = f"unknown table [{name}] of {CONFIG_FILE}: ignored"
                found.append(self.warning(None, name, message, *close))
        return found

    def span(self, table: str, key: str) -> Span | None:
        """Where `key` of [table] is written, for diagnostics found later (the checker's,
        the target's) that concern its value; None when it is not written."""
        found = _found_place(self.text, table, key)
        if found is None:
            return None
        line, column, end = found
        return Span(_label(self.path), line, column, line, end)

    def warning(self, table: str | None, key: str, message: str, *hints: str) -> Diagnostic:
        line, column, end = _place(self.text, table, key)
        problem = _config_error(
            self.path, message, *hints, line=line, column=column, end_column=end
        )
        return replace(problem, code="W0105", severity=Severity.WARNING)


_EXAMPLES = {"str": 'e.g. {key} = "..."', "list": 'e.g. {key} = ["line", "email"]'}


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"


def project_name_problem(name: str) -> str | None:
    """Why `name` cannot be a project name, or None. A name is used in the result rows
    and as a file name (`segl compile --out DIR` writes DIR/<name>.<dialect>.sql)."""
    if name == "":
        return "is empty"
    for ch in name:
        if unicodedata.category(ch)[0] == "C":  # control, format, unassigned, ...
            return f"holds the control or invisible character U+{ord(ch):04X}"
        if ch in "/\\":
            return f"holds the path separator '{ch}'"
        if not (ch.isalnum() or ch in "_-." or unicodedata.category(ch)[0] == "M"):
            return f"holds '{ch}'"
    if name.startswith("."):
        return "starts with '.'"
    if ".." in name:
        return "holds '..'"
    if len(name) > NAME_MAX_CHARS or len(name.encode("utf-8")) > NAME_MAX_BYTES:
        return f"is too long (at most {NAME_MAX_CHARS} characters)"
    return None


def _zone_named(name: str) -> tuple[str, ...]:
    """`did you mean 'UTC'?` for a zone name in another case (tz names are case-sensitive)."""
    plain = name.split("/", 1)[1] if name.startswith(("right/", "posix/")) else name
    return did_you_mean(plain, [z for z in known_zones() if z.lower() == plain.lower()])


def read_settings(root: Path) -> Settings:
    path = root / CONFIG_FILE
    name = root.resolve().name or "project"
    if not path.exists():
        return Settings(ProjectConfig(name=name), folder=root)
    try:
        text = path.read_text("utf-8").removeprefix("\ufeff")  # a BOM, as Notepad saves
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line, column = _toml_position(err)
        problem = _config_error(
            path,
            f"{CONFIG_FILE} is not valid TOML: {err}",
            'e.g. [project] on its own line, then name = "shop" and timezone = "Asia/Shanghai"',
            line=line,
            column=column,
        )
        raise DiagnosticError([problem]) from None
    except UnicodeDecodeError:
        hint = not_utf8_hint(path.read_bytes())
        problem = _config_error(path, f"{CONFIG_FILE} is not valid UTF-8", hint)
        raise DiagnosticError([problem]) from None
    toml = _Toml(path, text, data)
    for table in TABLES:
        toml.table(table)
    toml.misplaced_keys()
    timezone = toml.get("project", "timezone", str)
    if timezone is None:
        timezone = "UTC"  # not given; an empty one ("") is no zone, refused below
    try:
        zone(timezone)
    except ValueError:
        raise toml.error(
            "project",
            "timezone",
            f"unknown time zone '{timezone}'",
            *(_zone_named(timezone) or ("e.g. Asia/Shanghai or UTC",)),
        ) from None
    given = toml.get("output", "prefix", str)
    if given == "":  # not silently the default: result tables would be named like it says
        raise toml.error(
            "output",
            "prefix",
            "output prefix is empty: leave it out for segl_",
            'remove the line, or name a prefix: prefix = "crm_"',
        )
    prefix = given or "segl_"
    if not prefix.replace("_", "a").isalnum():
        raise toml.error(
            "output",
            "prefix",
            "output prefix may only hold letters, digits and '_'",
            'it starts the name of every table segl writes: e.g. prefix = "crm_"',
        )
    given = toml.get("project", "name", str)
    if given is not None:
        why = project_name_problem(given)
        if why is not None:
            raise toml.error(
                "project",
                "name",
                f"project name {given!r} {why}",
                "a name may hold letters (any script), digits, '_', '-' and '.' (not first, "
                "never '..'): it names the result tables and `segl compile --out` files",
            )
    config = ProjectConfig(
        name=given or name,
        timezone=timezone,
        universe=toml.get("project", "universe", str),
        channels=_channels(toml),
        universe_span=toml.span("project", "universe"),
    )
    url = toml.get("database", "url", str)
    if url is not None and not url.strip():  # never the default database quietly
        raise toml.error(
            "database",
            "url",
            f"'url' in [database] of {CONFIG_FILE} is empty",
            'name the warehouse, e.g. url = "duckdb:///warehouse.duckdb", or remove the line',
        )
    unreachable = None if url is None else url_problem(url)
    if unreachable is not None:  # said by `segl check` too, not first by the run
        raise toml.error("database", "url", unreachable, 'e.g. url = "duckdb:///warehouse.duckdb"')
    warnings = tuple(toml.ignored_keys())
    return Settings(
        config,
        url,
        prefix,
        folder=root,
        warnings=warnings,
        text=text,
        label=_label(path),
        name_span=toml.span("project", "name"),
        prefix_span=toml.span("output", "prefix"),
    )


def _channels(toml: _Toml) -> tuple[str, ...]:
    """[journeys] channels: the names journeys may send on beyond SPEC's ten."""
    given = toml.get("journeys", "channels", list) or []
    seen = {channel.casefold(): channel for channel in CHANNELS}  # SPEC's ten
    for value in given:
        if not isinstance(value, str) or not NAME.fullmatch(value):
            raise toml.error(
                "journeys",
                "channels",
                f"channel {value!r} in [journeys] channels of {CONFIG_FILE} is not a name",
                'channels are names: letters, digits and _, e.g. channels = ["line", "email"]',
            )
        if value.casefold() == ALL_CHANNELS:
            raise toml.error(
                "journeys",
                "channels",
                f"channel {value!r} in [journeys] channels of {CONFIG_FILE} is reserved",
                f"`cap {ALL_CHANNELS} ...` caps every channel at once; name the channel otherwise",
            )
        other = seen.setdefault(value.casefold(), value)
        if other != value:
            raise toml.error(
                "journeys",
                "channels",
                f"channels {other!r} and {value!r} in [journeys] channels of {CONFIG_FILE} "
                "differ only in case",
                "a channel is written to the outbox as it is named: keep one spelling",
            )
    return tuple(given)


# ---------------------------------------------------------------- loading


def _label(path: Path, root: Path | None = None) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def rule_files(root: Path) -> list[Path]:
    """The .segl files of a folder (or the file itself), with the ones that cannot be read
    (a broken link, a pipe), which `read_rule_file` refuses rather than skipping them.
    Hidden files and folders are not the project's: an editor's lock (`.#rules.segl`),
    `.git`, `.ipynb_checkpoints`, a Mac zip's `__MACOSX` and `._rules.segl`."""
    if not root.is_dir():  # a file, or a device or pipe that read_rule_file refuses
        return [root]
    return sorted(
        p for p in root.rglob("*.segl") if not p.is_dir() and not _hidden(p.relative_to(root))
    )


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in relative.parts)


def read_rule_file(file: Path, label: str) -> str:
    """A rule file's text; E0104 for one that is not a regular readable file."""
    try:
        if not file.is_file():
            why = "a broken link" if file.is_symlink() and not file.exists() else "not a file"
            raise OSError(why)
        data = file.read_bytes()
    except OSError as err:
        reason = err.strerror or str(err)
        hint = "a rule file is a regular, readable .segl file; remove or fix this one"
        problem = Diagnostic("E0104", f"cannot read {label}: {reason}", None, (hint,))
        raise DiagnosticError([problem]) from None
    return decode_source(data, label)


def load_project(path: str | Path) -> LoadedProject:
    """Read, parse and check a project folder (or a single .segl file).
    Problems are in `.diagnostics`; `.project` is set only when there are no errors.
    The command line uses `load_paths`, which also requires a folder to hold segl.toml."""
    root = Path(path)
    if not root.exists():
        raise DiagnosticError([no_such_path(root)])
    settings = read_settings(root if root.is_dir() else root.parent)
    return _load(LoadedProject(root, settings), rule_files(root))


def load_files(files: Sequence[Path]) -> LoadedProject:
    """Explicitly named rule files as one project, with the segl.toml of the folder that
    holds them all (if it has one)."""
    unique: dict[Path, Path] = {}
    for file in files:
        unique.setdefault(file.resolve(), file)
    folder = Path(os.path.commonpath([f.parent for f in unique]))
    settings = read_settings(_shown(folder))
    root = next(iter(unique.values())) if len(unique) == 1 else _shown(folder)
    return _load(LoadedProject(root, settings), list(unique.values()))


def _shown(folder: Path) -> Path:
    """An absolute folder as a path relative to the working directory when it is below
    it (so labels of segl.toml stay short)."""
    try:
        return folder.relative_to(Path.cwd()) if folder != Path.cwd() else Path(".")
    except ValueError:
        return folder


def no_such_path(path: Path) -> Diagnostic:
    hint = "give a folder holding segl.toml, or .segl files (the current folder by default)"
    if path.is_symlink():  # it exists as a link whose target does not
        try:
            path.resolve(strict=True)
            why = "a broken link"
        except RuntimeError:  # Python 3.11 raises it for a loop
            why = "a loop of links"
        except OSError as err:
            why = "a loop of links" if err.errno == errno.ELOOP else "a broken link"
        return Diagnostic("E0104", f"{path} is {why}", None, (hint,))
    return Diagnostic("E0104", f"no such project folder or file: {path}", None, (hint,))


def not_a_rule_file(path: Path) -> Diagnostic:
    hint = "rule files end in .segl; give them, or a folder holding segl.toml"
    return Diagnostic("E0104", f"{path} is not a rule file", None, (hint,))


def empty_path() -> Diagnostic:
    """E0104 for an argument '' (an unset shell variable): not the current folder, which
    `segl fmt` would rewrite."""
    hint = (
        "give a folder holding segl.toml, or .segl files; leave the argument out for the "
        "current folder"
    )
    return Diagnostic("E0104", "an empty path names no project folder or file", None, (hint,))


def load_paths(paths: Sequence[str | Path]) -> LoadedProject:
    """What the command line loads: one project folder, which must hold segl.toml (all
    .segl files below it), or one or more rule files named explicitly. Raises
    DiagnosticError (E0104, E0106) when the paths are not that."""
    if any(str(p) == "" for p in paths):
        raise DiagnosticError([empty_path()])
    roots = [Path(p) for p in paths] or [Path(".")]
    missing = [r for r in roots if not r.exists()]
    if missing:
        raise DiagnosticError([no_such_path(r) for r in missing])
    folders = [r for r in roots if r.is_dir()]
    if folders and len(roots) > 1:
        raise DiagnosticError(
            [
                Diagnostic(
                    "E0106",
                    "give one project folder, or rule files, not "
                    + ("several folders" if len(folders) > 1 else "both"),
                    None,
                    ("a project is a folder with a segl.toml, or the .segl files named",),
                )
            ]
        )
    if not folders:
        others = [r for r in roots if r.suffix != ".segl"]
        if others:  # `segl run make_data.py`: a mistyped argument, not rules (SPEC §2)
            raise DiagnosticError([not_a_rule_file(r) for r in others])
        return load_files(roots)
    folder = folders[0]
    if (folder / CONFIG_FILE).is_file() or not rule_files(folder):
        return load_project(folder)  # without rule files: E0103, with its hint
    raise DiagnosticError([not_a_project(folder)])


def not_a_project(folder: Path) -> Diagnostic:
    here = _shown(folder.resolve())
    shown = "the current folder" if here == Path(".") else str(here)
    name = folder.resolve().name
    if project_name_problem(name) is not None:
        name = "my_project"
    hints = []
    above = project_above(folder)
    if above is not None:
        hints.append(f"it is inside the project {_shown(above)}: run segl on that folder")
    below = projects_below(folder, limit=6)
    if below:
        listed = ", ".join(str(_shown(p.resolve())) for p in below[:5])
        hints.append("projects below it: " + listed + (", ..." if len(below) > 5 else ""))
    hints += [
        f"to make it a project, create {here / CONFIG_FILE} holding the two lines "
        f'[project] and name = "{name}"',
        f"or name the rule files themselves (one or more), e.g. {here / '*.segl'}",
    ]
    return Diagnostic(
        "E0106",
        f"{shown} is not a segl project: it has no {CONFIG_FILE}",
        None,
        tuple(hints),
    )


def project_above(folder: Path) -> Path | None:
    """The nearest folder above `folder` that holds a segl.toml (a subfolder of rule files
    of that project), if any."""
    for parent in folder.resolve().parents:
        if (parent / CONFIG_FILE).is_file():
            return parent
    return None


_SKIPPED = {"node_modules", "__pycache__", "build", "dist", "site-packages"}


def projects_below(folder: Path, depth: int = 3, limit: int = 5) -> list[Path]:
    """Folders below `folder` that hold a segl.toml (a few, not too deep)."""
    found: list[Path] = []
    base = len(folder.parts)
    for current, dirs, files in os.walk(folder):
        here = Path(current)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and d not in _SKIPPED and "venv" not in d
        )
        if len(here.parts) - base >= depth:
            dirs[:] = []
        if here != folder and CONFIG_FILE in files:
            found.append(here)
            if len(found) >= limit:
                break
    return found


def _load(loaded: LoadedProject, files: list[Path]) -> LoadedProject:
    root = loaded.root
    if loaded.settings.label is not None:  # segl.toml's text, to show a diagnostic's line
        loaded.texts[loaded.settings.label] = loaded.settings.text
    loaded.diagnostics.extend(loaded.settings.warnings)
    if not files:
        loaded.diagnostics.append(no_rule_files(root))
        return loaded
    for file in files:
        label = _label(file, root)
        try:
            text = read_rule_file(file, label)
            loaded.texts[label] = text
            loaded.diagnostics.extend(bidi_warnings(text, label))
            loaded.programs.append(parse_program(text, label))
        except DiagnosticError as err:
            loaded.diagnostics.extend(err.diagnostics)
    if any(d.is_error for d in loaded.diagnostics):
        return loaded
    project, diagnostics = check_programs(loaded.programs, loaded.settings.config)
    loaded.diagnostics.extend(diagnostics)
    loaded.project = project
    return loaded


def no_rule_files(folder: Path) -> Diagnostic:
    hints = ["a project is a folder with a segl.toml and .segl files; see examples/retail"]
    above = project_above(folder) if not (folder / CONFIG_FILE).is_file() else None
    if above is not None:
        hints.insert(0, f"it is inside the project {_shown(above)}: run segl on that folder")
    return Diagnostic("E0103", f"no .segl rule files in {folder}", None, tuple(hints))


def errors_first(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Errors before warnings, each group in file order."""

    def key(d: Diagnostic) -> tuple[int, str, int, int]:
        span = d.span
        return (
            0 if d.severity is Severity.ERROR else 1,
            span.file if span else "",
            span.line if span else 0,
            span.column if span else 0,
        )

    return sorted(diagnostics, key=key)

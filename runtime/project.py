"""A project on disk: its segl.toml and every .segl file under its folder,
parsed and checked together."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segl.compiler import ir
from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.timeutil import zone
from segl.dsl import ast
from segl.dsl.diagnostics import Diagnostic, DiagnosticError, Severity, Span
from segl.dsl.parser import decode_source, parse_program

CONFIG_FILE = "segl.toml"
DEFAULT_DB_URL = "duckdb:///segl.duckdb"


@dataclass(frozen=True)
class Settings:
    """segl.toml, with defaults for what it leaves out."""

    config: ProjectConfig
    database_url: str | None = None
    table_prefix: str = "segl_"


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

    def source_def(self, name: str) -> ast.SourceDef | None:
        for program in self.programs:
            for stmt in program.statements:
                if isinstance(stmt, ast.SourceDef) and stmt.name == name:
                    return stmt
        return None


def _config_error(
    path: Path, message: str, *hints: str, line: int = 1, column: int = 1
) -> Diagnostic:
    span = Span(_label(path), line, column, line, column + 1)
    return Diagnostic("E0105", message, span, hints)


def _toml_position(error: tomllib.TOMLDecodeError) -> tuple[int, int]:
    found = re.search(r"at line (\d+), column (\d+)", str(error))
    return (int(found.group(1)), int(found.group(2))) if found else (1, 1)


_KIND_WORDS = {str: "string", int: "whole number", bool: "true or false"}


def _get(table: dict[str, Any], key: str, kind: type, path: Path) -> Any:
    value = table.get(key)
    if value is not None and not isinstance(value, kind):
        raise DiagnosticError(
            [_config_error(path, f"'{key}' in {CONFIG_FILE} must be a {_KIND_WORDS[kind]}")]
        )
    return value


def read_settings(root: Path) -> Settings:
    path = root / CONFIG_FILE
    name = root.resolve().name or "project"
    if not path.exists():
        return Settings(ProjectConfig(name=name))
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as err:
        line, column = _toml_position(err)
        problem = _config_error(
            path, f"{CONFIG_FILE} is not valid TOML: {err}", line=line, column=column
        )
        raise DiagnosticError([problem]) from None
    except UnicodeDecodeError:
        problem = _config_error(path, f"{CONFIG_FILE} is not valid UTF-8")
        raise DiagnosticError([problem]) from None
    project = data.get("project", {})
    database = data.get("database", {})
    output = data.get("output", {})
    timezone = _get(project, "timezone", str, path) or "UTC"
    try:
        zone(timezone)
    except ValueError:
        raise DiagnosticError(
            [_config_error(path, f"unknown time zone '{timezone}'", "e.g. Asia/Shanghai or UTC")]
        ) from None
    prefix = _get(output, "prefix", str, path) or "segl_"
    if not prefix.replace("_", "a").isalnum():
        raise DiagnosticError(
            [_config_error(path, "output prefix may only hold letters, digits and '_'")]
        )
    config = ProjectConfig(
        name=_get(project, "name", str, path) or name,
        timezone=timezone,
        universe=_get(project, "universe", str, path),
    )
    return Settings(config, _get(database, "url", str, path), prefix)


def _label(path: Path, root: Path | None = None) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def rule_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*.segl") if p.is_file())


def load_project(path: str | Path) -> LoadedProject:
    """Read, parse and check a project folder (or a single .segl file).
    Problems are in `.diagnostics`; `.project` is set only when there are no errors."""
    root = Path(path)
    if not root.exists():
        raise DiagnosticError(
            [Diagnostic("E0104", f"no such project folder or file: {root}", None)]
        )
    settings = read_settings(root if root.is_dir() else root.parent)
    loaded = LoadedProject(root, settings)
    files = rule_files(root)
    if not files:
        loaded.diagnostics.append(
            Diagnostic(
                "E0103",
                f"no .segl rule files in {root}",
                None,
                ("a project is a folder of .segl files; see examples/retail",),
            )
        )
        return loaded
    for file in files:
        label = _label(file, root)
        try:
            text = decode_source(file.read_bytes(), label)
            loaded.texts[label] = text
            loaded.programs.append(parse_program(text, label))
        except DiagnosticError as err:
            loaded.diagnostics.extend(err.diagnostics)
    if any(d.is_error for d in loaded.diagnostics):
        return loaded
    project, diagnostics = check_programs(loaded.programs, settings.config)
    loaded.diagnostics.extend(diagnostics)
    loaded.project = project
    return loaded


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

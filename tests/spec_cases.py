"""Reading the spec cases of tests/spec/*.md (the format is in tests/spec/README.md)."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from segl.compiler import ir
from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.types import Type
from segl.dsl.parser import parse_program

SPEC_DIR = Path(__file__).parent / "spec"
_TABLE = re.compile(r"^table (\w+):$")
_EXPECTED = re.compile(r"^expected at (\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2})?):$")

Row = dict[str, object]


@dataclass(frozen=True)
class SpecCase:
    file: str
    title: str
    project: ir.Project
    tables: dict[str, list[Row]]
    # (as-of, rows: key column first, then definition names), one per `expected at` table
    checks: list[tuple[dt.datetime, list[Row]]]

    @property
    def id(self) -> str:
        return f"{self.file}: {self.title}"


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _markdown_table(lines: list[str], start: int) -> tuple[list[str], list[list[str]], int]:
    """Header and body rows of the table starting at `start`; the index after it."""
    header = _cells(lines[start])
    rows: list[list[str]] = []
    index = start + 2  # skip the |---| line
    while index < len(lines) and lines[index].startswith("|"):
        rows.append(_cells(lines[index]))
        index += 1
    return header, rows, index


def value(text: str, kind: Type | None) -> object:
    """A cell as a Python value of the column's type (None: an undeclared key)."""
    if text == "null":
        return None
    if text.startswith('"'):
        parsed: object = json.loads(text)
        return parsed
    if text in ("true", "false"):
        return text == "true"
    if text in ("nan", "inf", "-inf"):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[text]
    if kind is Type.DATE:
        return dt.date.fromisoformat(text)
    if kind is Type.TIMESTAMP:
        return dt.datetime.fromisoformat(text)
    if kind is None and text.lstrip("-").isdigit():
        return int(text)
    return float(text)


def _column_types(project: ir.Project) -> dict[str, Type]:
    types: dict[str, Type] = {}
    for definition in project.definitions:
        if isinstance(definition, ir.Tag):
            types[definition.name] = definition.type
        elif isinstance(definition, ir.Segment):
            types[definition.name] = Type.BOOL
        else:
            types[definition.name] = Type.STRING
    return types


def _project(rules: str, where: str) -> ir.Project:
    # several profiles: the users are in `users` (as segl.toml's universe would say)
    universe = "users" if "source users from" in rules else None
    project, diagnostics = check_programs(
        [parse_program(rules, where)],
        ProjectConfig(name="spec", timezone="UTC", universe=universe),
    )
    assert project is not None, [str(d) for d in diagnostics]
    return project


def _case(file: str, title: str, lines: list[str]) -> SpecCase:
    text = "\n".join(lines)
    rules = text.split("```segl\n", 1)[1].split("```", 1)[0]
    project = _project(rules, f"{file}: {title}")
    by_table = {s.table: s for s in project.sources}
    tables: dict[str, list[Row]] = {}
    checks: list[tuple[dt.datetime, list[Row]]] = []
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        table, wanted = _TABLE.match(line), _EXPECTED.match(line)
        if table is None and wanted is None:
            index += 1
            continue
        header, body, index = _markdown_table(lines, index + 1)
        if table is not None:
            source = by_table[table.group(1)]
            types = dict(source.columns)
            tables[source.name] = [
                {name: value(cell, types.get(name)) for name, cell in zip(header, row, strict=True)}
                for row in body
            ]
        else:
            assert wanted is not None
            types = _column_types(project)
            expected = [
                {name: value(cell, types.get(name)) for name, cell in zip(header, row, strict=True)}
                for row in body
            ]
            checks.append((dt.datetime.fromisoformat(wanted.group(1)), expected))
    assert checks, f"{file}: {title}: no 'expected at' table"
    return SpecCase(file, title, project, tables, checks)


def spec_cases() -> list[SpecCase]:
    cases: list[SpecCase] = []
    for path in sorted(SPEC_DIR.glob("*.md")):
        if path.name == "README.md":
            continue
        sections = path.read_text("utf-8").split("\n## ")[1:]
        for section in sections:
            title, *lines = section.split("\n")
            cases.append(_case(path.name, title.strip(), lines))
    return cases

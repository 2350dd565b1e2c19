"""docs/diagnostics.md shows, for most codes, a rule file and what `segl check` prints for
it. Each such pair is checked here: the rule block written to a project (with the
section's sources when it declares none), `segl check` run on it, and its output compared
with the block's, line for line, so the page cannot drift from the program (a probe found
an example underlining a header the code no longer underlined).

An example whose text asks for more than its rule block (a project name, 250 terms
written as `...`, a raw control character written as its escape) gets it from SETUP; a
new example that cannot run as written fails here until the page or SETUP says how.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import Result

Cli = Callable[..., Result]

DOC = Path(__file__).resolve().parent.parent / "docs" / "diagnostics.md"

# the sources an example without its own `source` lines is written against (the page's
# introduction declares them)
DEFAULT_SOURCES = """\
source users from table "users" key user_id {
    gender: string
    city: string
    birthday: date
    registered_at: timestamp
}

source orders from table "orders" user user_id time paid_at {
    brand: string
    amount: number
    coupon_id: string
}

source events from table "events" user user_id time ts {
    name: string
}
"""

DIAGNOSTIC = re.compile(r"^([\w./-]+):(\d+):(\d+): ([EW]\d{4}) ")
BARE = re.compile(r"^[EW]\d{4} ")

# the sources the E08 example's text says come first in its file (13 lines: the funnel is
# on line 14)
REPORT_SOURCES = """\
source users from table "users" key user_id {
    city: string
}

source orders from table "orders" user user_id time paid_at {
    amount: number
}

source events from table "events" user user_id time ts {
    name: string
    channel: string
}

"""
LONG_NAME = "beijing_spring_festival_reactivation_campaign_2026_v2"


@dataclass
class Project:
    """What an example's text says its project holds besides the rule block."""

    rules: str
    toml: str = '[project]\nname = "x"\n'


def _many_terms(project: Project) -> None:  # `1 + 1 + ...    (250 terms)`
    project.rules = re.sub(
        r"1 \+ 1 \+ 1 \+ \.\.\.\s+\(250 terms\)", " + ".join(["1"] * 250), project.rules
    )


def _long_project_name(project: Project) -> None:
    if "近三个月" in project.rules:  # the example of names cut short
        project.toml = f'[project]\nname = "{LONG_NAME}"\n'


def _report_sources(project: Project) -> None:
    project.rules = REPORT_SOURCES + project.rules


def _raw_bidi(project: Project) -> None:  # written as escapes on the page
    project.rules = project.rules.replace("\\u202e", "\u202e").replace("\\u202c", "\u202c")


# section title -> what its text says the example needs besides the rule block
SETUP: dict[str, Callable[[Project], None]] = {
    "E0205 invalid literal or expression too deep": _many_terms,
    "E0501 the target cannot run a construct": _long_project_name,
    "E08 reports and experiments": _report_sources,
    "W0005 bidirectional control character": _raw_bidi,
}


@dataclass(frozen=True)
class Example:
    section: str
    line: int  # of the rule block in the page
    rules: str
    output: str

    @property
    def id(self) -> str:
        return f"{self.section.split()[0]}@{self.line}"


def _blocks(text: str) -> list[tuple[str, int, str]]:
    """(section title, first line, body) of every fenced block."""
    found: list[tuple[str, int, str]] = []
    section = ""
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("#"):
            section = line.lstrip("# ").strip()
        if line.startswith("```"):
            end = index + 1
            while not lines[end].startswith("```"):
                end += 1
            found.append((section, index + 2, "\n".join(lines[index + 1 : end])))
            index = end
        index += 1
    return found


def _is_output(body: str) -> bool:
    first = body.split("\n", 1)[0]
    return bool(first.startswith("$ ") or DIAGNOSTIC.match(first) or BARE.match(first))


def examples() -> list[Example]:
    """A rule block followed, in the same section, by `segl check`'s output for it."""
    blocks = _blocks(DOC.read_text("utf-8"))
    return [
        Example(section, line, body, output)
        for (section, line, body), (next_section, _, output) in pairwise(blocks)
        if section == next_section
        and not _is_output(body)
        and _is_output(output)
        and (not output.startswith("$ ") or output.startswith("$ segl check"))
    ]


EXAMPLES = examples()


def _shown(printed: list[str], page: list[str]) -> list[str]:
    """The printed lines as the page shows them: a page line ending in `...` shortens a
    long one (the 250 terms of E0205), so the printed line is cut to match when it starts
    with the rest."""
    shown = []
    for index, line in enumerate(printed):
        cut = page[index][:-3] if index < len(page) and page[index].endswith("...") else None
        shown.append(page[index] if cut is not None and line.startswith(cut) else line)
    return shown


def test_the_page_has_its_examples() -> None:
    assert len(EXAMPLES) >= 70, len(EXAMPLES)
    listed = {e.section for e in EXAMPLES}
    assert not set(SETUP) - listed, "SETUP names a section without an example"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_a_diagnostics_example_prints_what_the_page_shows(
    example: Example, cli: Cli, tmp_path: Path
) -> None:
    lines = example.output.split("\n")
    args = ["check"]
    if lines[0].startswith("$ "):
        args = lines[0][2:].split()[1:]
        lines = lines[1:]
    code = None
    if lines and (exit_line := re.fullmatch(r"\[exit (\d+)\]", lines[-1])):
        code = int(exit_line.group(1))
        lines = lines[:-1]
    named = next((m.group(1) for line in lines if (m := DIAGNOSTIC.match(line))), None)
    file = named or "rules.segl"
    project = Project(example.rules + "\n")
    if example.section in SETUP:
        SETUP[example.section](project)
    if file == "segl.toml":
        project.toml = project.rules
        (tmp_path / "sources.segl").write_text(DEFAULT_SOURCES, "utf-8")
    else:
        if file != "sources.segl" and not re.search(r"^source ", project.rules, re.M):
            (tmp_path / "sources.segl").write_text(DEFAULT_SOURCES, "utf-8")
        (tmp_path / file).write_text(project.rules, "utf-8")
    (tmp_path / "segl.toml").write_text(project.toml, "utf-8")
    result = cli(*args)
    printed = (result.err + result.out).rstrip("\n").split("\n")
    assert _shown(printed, lines) == lines, f"{DOC.name}:{example.line}"
    if code is not None:
        assert result.code == code

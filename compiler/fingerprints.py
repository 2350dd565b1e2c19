"""Fingerprints of each definition's meaning, kept with every run (the run log's
`definitions` column) so that comparing two stored runs (a migration matrix, an alert's
`moved` or `change`) can tell whether a layering or segment still means what it meant.

A definition's fingerprint covers what decides its values: the definition, every tag,
segment and layering it uses (transitively), the sources those read, the universe's
source, the identity and the project's time zone. Titles and meta data are left out
(renaming a layer's title does not change who is in it); so are journeys, reports and
alerts, and definitions it does not use (adding an unrelated tag changes nothing).

A run that evaluates alerts also keeps each alert's condition's fingerprint, under the key
`alert NAME` (no definition's name has a space): an alert whose condition was edited, or
that was left out of a run, starts a new firing (runtime/alerts.py).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from segl.compiler import ir

# hex digits kept per fingerprint: enough to tell two definitions apart, short enough
# that a run log row of a project with hundreds of definitions stays small
DIGITS = 16

_NOT_MEANING = frozenset({"title", "meta"})


def _meaning(value: Any) -> Any:
    """ir.to_data without titles and meta data."""
    if isinstance(value, dict):
        return {k: _meaning(v) for k, v in value.items() if k not in _NOT_MEANING}
    if isinstance(value, list):
        return [_meaning(v) for v in value]
    return value


def _sources_read(definitions: tuple[ir.Definition, ...]) -> set[str]:
    found: set[str] = set()
    for definition in definitions:
        for expr in ir.definition_exprs(definition):
            for node in ir.walk(expr):
                if isinstance(node, ir.Aggregate | ir.ProfileColumn | ir.EventColumn):
                    found.add(node.source)
    return found


def definition_fingerprint(project: ir.Project, name: str) -> str:
    return definition_fingerprints(project)[name]


def definition_fingerprints(project: ir.Project) -> dict[str, str]:
    """Every tag, segment and layering of the project: its fingerprint."""
    return dict(_fingerprints(project))


@functools.lru_cache(maxsize=4)  # a run asks for them up to three times (log, alerts, journeys)
def _fingerprints(project: ir.Project) -> tuple[tuple[str, str], ...]:
    # each definition's and source's JSON once, not once per definition that uses it: a
    # chain of 2,000 tags put 2 million definitions through the encoder (14 s to compile)
    meanings = {d.name: _json(_meaning(ir.to_data(d))) for d in project.definitions}
    sources = {s.name: _json(ir.to_data(s)) for s in project.sources}
    rest = {
        "identity": _json(ir.to_data(project.identity)),
        "timezone": _json(project.timezone),
        "universe": _json(project.universe),
    }
    closures = _closures(project)
    reading = {d.name: _sources_read((d,)) for d in project.definitions}

    def fingerprint(name: str) -> str:
        used = closures[name]
        read = set[str]().union(*(reading[n] for n in used)) | {project.universe}
        parts = {
            "definition": _json(name),
            "definitions": _json_list(meanings[n] for n in sorted(used)),
            "sources": _json_list(sources[s] for s in sorted(read) if s in sources),
            **rest,
        }
        return hashlib.sha256(_json_object(parts).encode()).hexdigest()[:DIGITS]

    return tuple((d.name, fingerprint(d.name)) for d in project.definitions)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


# The text json.dumps(..., sort_keys=True) gives an object or a list, from its values'
# texts: the fingerprints stored by earlier runs were digests of that text, so it is kept
# to the byte.
def _json_list(texts: Iterable[str]) -> str:
    return "[" + ", ".join(texts) + "]"


def _json_object(texts: dict[str, str]) -> str:
    return "{" + ", ".join(f"{_json(k)}: {texts[k]}" for k in sorted(texts)) + "}"


def _closures(project: ir.Project) -> dict[str, frozenset[str]]:
    """Each definition's name with the names of everything it depends on, each computed
    once from those of its references (ir.Project.closure per definition was quadratic
    in the chain's length: 10^3 chained tags took seconds)."""
    found: dict[str, frozenset[str]] = {}
    for start in project.definitions:
        stack = [start.name]
        while stack:  # depth first, without recursion: chains may be thousands long
            name = stack[-1]
            if name in found:
                stack.pop()
                continue
            reads = ir.references(project.definition(name))
            missing = [r for r in reads if r not in found]
            if missing:
                stack += missing
                continue
            found[name] = frozenset([name]).union(*(found[r] for r in reads))
            stack.pop()
    return found


ALERT_KEY = "alert "  # an alert's entry in a run's `definitions`: `alert NAME`


def alert_fingerprints(project: ir.Project) -> dict[str, str]:
    """Every alert's condition (not its title, cooldown or repeat): its fingerprint, keyed
    `alert NAME`."""
    alerts = project.alerts.alerts if project.alerts is not None else ()
    return {
        ALERT_KEY + alert.name: hashlib.sha256(
            _json(ir.to_data(alert.condition)).encode()
        ).hexdigest()[:DIGITS]
        for alert in alerts
    }


def definitions_json(project: ir.Project, with_alerts: bool = False) -> str:
    """The run log's `definitions` value: a JSON object, name -> fingerprint; with the
    alerts' conditions for a run that evaluates them (a compiled script does not)."""
    found = definition_fingerprints(project)
    if with_alerts:
        found |= alert_fingerprints(project)
    return json.dumps(found, sort_keys=True, ensure_ascii=False)


def parse_definitions(text: str | None) -> dict[str, str] | None:
    """A stored `definitions` value read back; None for a run stored before the column
    existed (or by a compiled script of such a segl)."""
    if text is None or text == "":
        return None
    data = json.loads(text)
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else None

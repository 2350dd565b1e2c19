"""Differential tests: the compiled SQL (run on in-memory DuckDB) must agree with the reference
evaluator on generated projects and data; plus a metamorphic check and the generator's
coverage.

SEGL_DIFF_EXAMPLES sets the number of differential examples (default 1200)."""

from __future__ import annotations

import datetime as dt
import math
import os
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import (
    AGGREGATE_FUNCS,
    ALL_FEATURES,
    TRICHOTOMY,
    Scenario,
    features_covered,
    node_types_covered,
    projects,
    scenarios,
    trichotomy_projects,
)

from segl.compiler import ir
from segl.runtime import reference
from segl.runtime.results import RunResult

DIFF_SETTINGS = settings(
    max_examples=int(os.environ.get("SEGL_DIFF_EXAMPLES", "1200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _inmemory() -> ModuleType:
    """The SQL side of the comparison."""
    from segl.runtime import inmemory

    return inmemory


# ---------------------------------------------------------------- comparing results


def same_value(actual: object, expected: object) -> bool:
    """None only equals None; numbers within 1e-9 (the SQL side computes in doubles); bools
    only equal bools; everything else (strings, dates, timestamps) exactly."""
    if expected is None or actual is None:
        return actual is None and expected is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9)
    # the same class too, so a DATE value (date) never passes for a TIMESTAMP (datetime)
    return type(actual) is type(expected) and actual == expected


def differences(actual: RunResult, expected: RunResult, project: ir.Project) -> list[str]:
    """Human-readable disagreements, empty when the results agree."""
    out: list[str] = []
    if actual.users != expected.users:
        out.append(f"users: got {sorted(actual.users)}, expected {sorted(expected.users)}")
    for tag in project.tags:
        got, want = actual.tags.get(tag.name, {}), expected.tags[tag.name]
        for user in sorted(expected.users | set(got)):
            if user not in got or not same_value(got[user], want.get(user)):
                shown = got.get(user, "<missing>")
                out.append(
                    f"tag {tag.name} user {user}: got {shown!r}, expected {want.get(user)!r}"
                )
    for segment in project.segments:
        got_members = actual.segments.get(segment.name, set())
        if got_members != expected.segments[segment.name]:
            out.append(
                f"segment {segment.name}: got {sorted(got_members)}, "
                f"expected {sorted(expected.segments[segment.name])}"
            )
    for layering in project.layerings:
        got_layers = actual.layers.get(layering.name, {})
        if got_layers != expected.layers[layering.name]:
            out.append(
                f"layering {layering.name}: got {got_layers}, "
                f"expected {expected.layers[layering.name]}"
            )
    return out


def test_same_value() -> None:
    assert same_value(None, None)
    assert not same_value(None, 0.0)
    assert not same_value(0.0, None)
    assert same_value(1, 1.0)
    assert same_value(0.1 + 0.2, 0.3)
    assert not same_value(True, 1.0)
    assert not same_value(dt.datetime(2024, 1, 1), dt.date(2024, 1, 1))
    assert same_value("北京", "北京")
    assert not same_value("a", "A")


# ---------------------------------------------------------------- differential


@pytest.mark.slow
@DIFF_SETTINGS
@given(scenarios())
def test_sql_agrees_with_reference(scenario: Scenario) -> None:
    inmemory = _inmemory()
    project, tables, as_of = scenario.project, scenario.tables, scenario.as_of
    expected = reference.evaluate(project, tables, as_of)
    actual = inmemory.run_in_memory(project, tables, as_of)
    problems = differences(actual, expected, project)
    assert not problems, "\n".join(problems[:20])


@pytest.mark.slow
@settings(DIFF_SETTINGS, max_examples=min(500, DIFF_SETTINGS.max_examples))
@given(scenarios(trichotomy_projects()))
def test_condition_not_condition_and_is_null_partition_users(scenario: Scenario) -> None:
    """p, `not p` and `p is null`: disjoint, and together every user, on both engines."""
    inmemory = _inmemory()
    project, tables, as_of = scenario.project, scenario.tables, scenario.as_of
    for result in (
        reference.evaluate(project, tables, as_of),
        inmemory.run_in_memory(project, tables, as_of),
    ):
        p, not_p, unknown = (result.segments[name] for name in TRICHOTOMY)
        assert not (p & not_p) and not (p & unknown) and not (not_p & unknown)
        assert p | not_p | unknown == result.users


# ---------------------------------------------------------------- generator coverage


def test_generated_projects_cover_the_ir() -> None:
    """500 generated projects use every node type (but Invalid), every aggregate function,
    window kind and unit, function, operator and variant the strategies know about."""
    nodes: set[type] = set()
    features: set[str] = set()

    @settings(
        max_examples=500,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(projects())
    def collect(project: ir.Project) -> None:
        nodes.update(node_types_covered(project))
        features.update(features_covered(project))

    collect()
    assert set(ir.EXPR_TYPES) - {ir.Invalid} - nodes == set()
    assert {f"agg:{func}" for func in AGGREGATE_FUNCS} <= features
    assert ALL_FEATURES - features == set()

"""Alert leaf values beyond the differential test (runtime/alert_values.py against
runtime/reference/migration.py): report values (a funnel's conversion, a retention cell)
and their change, kept in the report results table; unknown values without a reference
run and when a definition changed between the runs (docs/monitoring.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import EXAMPLES, loaded_rules
from test_report_html import RULES, _tables

from segl.compiler.alerts.model import Change, Leaf, Moved, ReportValue, Share, Size, Users
from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.fingerprints import definition_fingerprints
from segl.compiler.types import Type
from segl.dsl.parser import parse_program
from segl.runtime.alert_values import compute_leaf_values, keep_report_results, leaf_values
from segl.runtime.engines import Engine, connect
from segl.runtime.project import LoadedProject, load_project
from segl.runtime.reference import evaluate
from segl.runtime.reference.migration import reference_leaf_values
from segl.runtime.report_command import read_results
from segl.runtime.run import run_loaded, store_of

D = dt.datetime
RUNS = [D(2026, 11, 4), D(2026, 11, 7, 12), D(2026, 11, 10)]
COLUMNS = {
    "users": [("user_id", Type.STRING), ("city", Type.STRING)],
    "events": [
        ("user_id", Type.STRING), ("ts", Type.TIMESTAMP), ("name", Type.STRING),
        ("channel", Type.STRING),
    ],
    "orders": [("user_id", Type.STRING), ("paid_at", Type.TIMESTAMP), ("amount", Type.NUMBER)],
}  # fmt: skip
LAYERING = """\
layering spenders {
    big when sum(orders.amount) >= 100
    small when exists(orders)
}
"""


def loaded_of(rules: str) -> LoadedProject:
    return loaded_rules(rules, "vals", "Asia/Shanghai")


def warehouse() -> tuple[Engine, dict[str, list[dict[str, Any]]]]:
    engine = connect("duckdb:///:memory:")
    tables = _tables()
    for name, rows in tables.items():
        names = [c for c, _ in COLUMNS[name]]
        engine.create_table(name, COLUMNS[name], [[row.get(c) for c in names] for row in rows])
    return engine, tables


REPORT_LEAVES: list[Leaf] = [
    ReportValue("push_campaign", "funnel"),
    ReportValue("push_campaign", "funnel", step="clicked"),
    ReportValue("visits_7d", "retention", period=1),
    ReportValue("visits_7d", "retention", period=3),
    Change(ReportValue("push_campaign", "funnel"), dt.timedelta(days=3)),
    Change(ReportValue("visits_7d", "retention", period=1), dt.timedelta(days=2)),
]


def test_report_values_agree_with_the_reference_and_are_kept() -> None:
    loaded = loaded_of(RULES + LAYERING)
    project = loaded.project
    assert project is not None
    engine, tables = warehouse()
    store = store_of(loaded, engine)
    for as_of in RUNS:
        run_loaded(loaded, engine, as_of)
    runs = {as_of: evaluate(project, tables, as_of) for as_of in RUNS}
    fingerprints = dict.fromkeys(RUNS, definition_fingerprints(project))
    got, report_runs = compute_leaf_values(engine, store, project, RUNS[-1], REPORT_LEAVES)
    want = reference_leaf_values(runs, fingerprints, project, RUNS[-1], REPORT_LEAVES, tables)
    assert got == want
    funnel = got[REPORT_LEAVES[0]]
    assert funnel.value is not None and 0 < funnel.value < 1 and funnel.unknown is None
    # the latest run at or before T - D: 11-07 12:00 is after 11-10 - 3 days, not 2 days
    assert got[REPORT_LEAVES[4]].reference_as_of == RUNS[0]
    assert got[REPORT_LEAVES[5]].reference_as_of == RUNS[1]
    assert got[REPORT_LEAVES[2]].value is not None
    keep_report_results(engine, store, report_runs, "test")
    kept = {(r.report, r.as_of) for r in read_results(engine, store)}
    assert kept == {("push_campaign", RUNS[-1]), ("visits_7d", RUNS[-1])}


def test_without_a_reference_run_a_leaf_is_unknown_and_says_why() -> None:
    loaded = loaded_of(RULES + LAYERING)
    project = loaded.project
    assert project is not None
    engine, tables = warehouse()
    run_loaded(loaded, engine, RUNS[0])
    leaves: list[Leaf] = [Moved("spenders", "big", "small", dt.timedelta(days=1)), Users()]
    got = leaf_values(engine, store_of(loaded, engine), project, RUNS[0], leaves)
    reason = "no stored run as of 2026-11-03 00:00:00 or before"
    assert got[leaves[0]].value is None and got[leaves[0]].unknown == reason
    assert got[leaves[1]].value == 60 and got[leaves[1]].unknown is None
    runs = {RUNS[0]: evaluate(project, tables, RUNS[0])}
    fingerprints = {RUNS[0]: definition_fingerprints(project)}
    assert reference_leaf_values(runs, fingerprints, project, RUNS[0], leaves) == got


def test_a_changed_definition_makes_its_leaves_unknown_on_both_sides() -> None:
    """The layering changes between two runs; a segment it does not use stays comparable."""
    before = loaded_of(RULES + LAYERING)
    after = loaded_of(RULES + LAYERING.replace(">= 100", ">= 80"))
    assert before.project is not None and after.project is not None
    engine, tables = warehouse()
    run_loaded(before, engine, RUNS[0])
    run_loaded(after, engine, RUNS[2])
    over = dt.timedelta(days=2)
    leaves: list[Leaf] = [
        Moved("spenders", "big", "small", over),
        Change(Share("spenders", "big"), over),
        Change(Size(segment="buyers"), over),
    ]
    got = leaf_values(engine, store_of(after, engine), after.project, RUNS[2], leaves)
    reason = (
        "layering 'spenders' changed between the runs as of 2026-11-04 00:00:00 and "
        "2026-11-10 00:00:00"
    )
    assert got[leaves[0]] == got[leaves[1]]
    assert got[leaves[0]].unknown == reason and got[leaves[0]].reference_as_of == RUNS[0]
    assert got[leaves[2]].unknown is None and got[leaves[2]].value is not None
    runs = {
        RUNS[0]: evaluate(before.project, tables, RUNS[0]),
        RUNS[2]: evaluate(after.project, tables, RUNS[2]),
    }
    fingerprints = {
        RUNS[0]: definition_fingerprints(before.project),
        RUNS[2]: definition_fingerprints(after.project),
    }
    assert reference_leaf_values(runs, fingerprints, after.project, RUNS[2], leaves) == got


def test_a_fingerprint_changes_with_what_the_definition_depends_on_only() -> None:
    """compiler/fingerprints.py: the layering's fingerprint follows its conditions, the
    tags they use (transitively), the sources those read and the zone; not titles, meta,
    unrelated definitions or sources, nor the layout of the rules."""
    rules = (
        RULES + "tag spend = sum(orders.amount)\n" + LAYERING.replace("sum(orders.amount)", "spend")
    )

    def spenders(text: str, timezone: str = "Asia/Shanghai") -> str:
        program = parse_program(text, "rules.segl")
        config = ProjectConfig(name="vals", timezone=timezone, universe="users")
        project, diagnostics = check_programs([program], config)
        assert project is not None, [f"{d.code} {d.message}" for d in diagnostics]
        return definition_fingerprints(project)["spenders"]

    base = spenders(rules)
    same = [
        rules.replace("layering spenders {", 'layering spenders "Spend tiers" {'),
        rules + "tag visits = count(events)\n",
        rules.replace("segment buyers = exists(orders)", "segment buyers = count(orders) >= 1"),
        rules.replace("    small when", "\n    small  when"),
    ]
    changed = [
        rules.replace(">= 100", ">= 99"),
        rules.replace(
            "tag spend = sum(orders.amount)", "tag spend = sum(orders.amount in last 30 days)"
        ),
        rules.replace("    amount: number\n", "    amount: number\n    coupon: string\n"),
    ]
    assert all(spenders(text) == base for text in same)
    assert all(spenders(text) != base for text in changed)
    assert spenders(rules, timezone="UTC") != base


def test_fingerprints_read_each_definitions_closure_in_any_order() -> None:
    """Each definition's fingerprint covers what it depends on, found once per definition
    (a chain of 10^3 tags compiled in 12 s when each closure was searched anew): the
    closures are those ir.Project.closure finds, with rules written before what they read."""
    from segl.compiler.fingerprints import _closures

    chain = "".join(f"tag t{i} = t{i + 1} + 1\n" for i in range(40)) + "tag t40 = count(orders)\n"
    diamond = "tag a = b + c\ntag b = d * 2\ntag c = d - 1\ntag d = sum(orders.amount)\n"
    program = parse_program(RULES + chain + diamond, "rules.segl")
    config = ProjectConfig(name="vals", timezone="UTC", universe="users")
    project, diagnostics = check_programs([program], config)
    assert project is not None, [f"{d.code} {d.message}" for d in diagnostics]
    closures = _closures(project)
    for definition in project.definitions:
        direct = {d.name for d in project.closure([definition.name]).definitions}
        assert closures[definition.name] == direct, definition.name
    assert len(closures["t0"]) == 41 and closures["a"] == {"a", "b", "c", "d"}
    found = definition_fingerprints(project)
    assert found["t0"] != found["t1"] and found["b"] != found["c"]


def test_fingerprints_stay_the_digests_earlier_runs_stored() -> None:
    """Runs compare their fingerprints with those stored by earlier runs, so the text they
    digest is kept to the byte: json.dumps of the definition's parts with sorted keys
    (built from each definition's JSON once since a chain of 2,000 tags took 14 s)."""
    import hashlib
    import json

    from segl.compiler import ir
    from segl.compiler.fingerprints import DIGITS, _closures, _meaning, _sources_read

    for folder in ("retail", "nev"):
        project = load_project(EXAMPLES / folder).project
        assert project is not None
        closures = _closures(project)
        by_name = {d.name: d for d in project.definitions}
        for name, found in definition_fingerprints(project).items():
            used = [by_name[n] for n in closures[name]]
            read = _sources_read(tuple(used)) | {project.universe}
            parts = {
                "definition": name,
                "definitions": sorted(
                    (_meaning(ir.to_data(d)) for d in used), key=lambda d: d["name"]
                ),
                "sources": sorted(
                    (ir.to_data(s) for s in project.sources if s.name in read),
                    key=lambda d: d["name"],
                ),
                "universe": project.universe,
                "identity": ir.to_data(project.identity),
                "timezone": project.timezone,
            }
            text = json.dumps(parts, sort_keys=True, ensure_ascii=False)
            assert found == hashlib.sha256(text.encode()).hexdigest()[:DIGITS], (folder, name)

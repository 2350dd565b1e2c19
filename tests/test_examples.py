"""Every example project checks, compiles to every dialect, runs on DuckDB over the
demo warehouse, and agrees with the reference evaluator."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import duckdb
import pytest

from segl.compiler.journeys import model
from segl.compiler.script import compile_run
from segl.compiler.store import Store
from segl.compiler.targets import TARGETS, get_target
from segl.runtime.demo_data import DEMO_ANCHOR, build_demo_warehouse
from segl.runtime.engines import DuckDBEngine
from segl.runtime.project import load_project
from segl.runtime.reference import evaluate
from segl.runtime.results import RunResult
from segl.runtime.run import read_result, run_loaded

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.name for p in (ROOT / "examples").iterdir() if (p / "segl.toml").exists())


def test_examples_are_found() -> None:
    assert {"retail", "nev"} <= set(EXAMPLES)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    con = duckdb.connect(str(path))
    build_demo_warehouse(con, users=600)
    con.close()
    return path


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_checks_without_warnings(example: str) -> None:
    loaded = load_project(ROOT / "examples" / example)
    assert loaded.ok and loaded.diagnostics == []


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("dialect", sorted(TARGETS))
def test_example_compiles_for_every_dialect(example: str, dialect: str) -> None:
    loaded = load_project(ROOT / "examples" / example)
    assert loaded.project is not None
    compiled = compile_run(loaded.project, DEMO_ANCHOR, get_target(dialect))
    script = compiled.script()
    assert compiled.store.members.name == f"segl_{example}_members"
    assert compiled.store.members.name in script


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> list[dict[str, Any]]:
    cursor = con.execute(f'SELECT * FROM "{table}"')
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _assert_agree(expected: RunResult, actual: RunResult) -> None:
    assert actual.users == expected.users
    assert actual.segments == expected.segments
    assert actual.layers == expected.layers
    for tag, values in expected.tags.items():
        wrong = [u for u, v in values.items() if not _same(v, actual.tags[tag].get(u))]
        assert not wrong, (tag, [(u, values[u], actual.tags[tag].get(u)) for u in wrong[:3]])


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_runs_on_duckdb_and_matches_the_reference(example: str, warehouse: Path) -> None:
    loaded = load_project(ROOT / "examples" / example)
    assert loaded.project is not None
    engine = DuckDBEngine(str(warehouse))
    try:
        summary = run_loaded(loaded, engine, DEMO_ANCHOR)
        assert summary.users > 0
        assert any(size > 0 for size in summary.segment_sizes.values())
        compiled = compile_run(loaded.project, DEMO_ANCHOR, engine.target)
        actual = read_result(compiled, engine)
        tables = {s.name: _rows(engine.connection, s.table) for s in loaded.project.sources}
    finally:
        engine.close()
    _assert_agree(evaluate(loaded.project, tables, DEMO_ANCHOR), actual)


def test_history_keeps_other_as_ofs(warehouse: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    loaded = load_project(ROOT / "examples" / "retail")
    assert loaded.project is not None
    store = Store(loaded.project)
    engine = DuckDBEngine(str(copy))
    try:
        earlier = DEMO_ANCHOR - dt.timedelta(days=30)
        first = run_loaded(loaded, engine, earlier)
        latest = run_loaded(loaded, engine, DEMO_ANCHOR)
        again = run_loaded(loaded, engine, earlier)
        assert again.segment_sizes == first.segment_sizes
        # members who registered in the last 30 days are not in the earlier universe
        assert 0 < first.users < latest.users
        runs = engine.query(
            f"SELECT as_of FROM \"{store.runs.name}\" WHERE project = 'retail' ORDER BY as_of"
        )
        assert [r[0] for r in runs] == [earlier, DEMO_ANCHOR]
        # the project's own tags table holds its rows of both as-ofs
        per_user = engine.query(
            f'SELECT as_of, COUNT(*), COUNT(DISTINCT user_id) FROM "{store.tags.name}" '
            "GROUP BY as_of ORDER BY as_of"
        )
        assert [as_of for as_of, _, _ in per_user] == [earlier, DEMO_ANCHOR]
        users = [(count, distinct) for _, count, distinct in per_user]
        assert users == [(first.users, first.users), (latest.users, latest.users)]
    finally:
        engine.close()


def test_examples_are_in_canonical_format() -> None:
    from segl.runtime.cli import main

    assert main(["fmt", "--check", str(ROOT / "examples")]) == 0


def _journeys(example: str) -> model.Journeys:
    loaded = load_project(ROOT / "examples" / example)
    assert loaded.ok and loaded.diagnostics == [], loaded.diagnostics
    assert loaded.project is not None and loaded.project.journeys is not None
    return loaded.project.journeys


def _steps(journey: model.Journey) -> list[tuple[str, dt.timedelta, str, str]]:
    return [(s.name, s.after, s.channel, s.template) for s in journey.steps]


HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)


def test_retail_journeys_are_the_sops_of_the_spec() -> None:
    """SPEC §1.5 and §2.6: the four canonical journeys as written there (thanks and winback
    with their payloads: a complementary product, a personalised coupon), the beauty
    brand's first two weeks, a global holdout and the contact policy."""
    journeys = _journeys("retail")
    found = {j.name: j for j in journeys.journeys}
    assert list(found) == ["onboarding", "thanks", "winback", "first_purchase", "beauty_new_member"]
    onboarding = found["onboarding"]
    assert onboarding.enter_on is not None and onboarding.enter_on.source == "events"
    assert [t.source for t in onboarding.exit_on] == ["orders"]
    assert _steps(onboarding) == [
        ("welcome", HOUR, "wecom", "welcome_pack"),
        ("group_buy", 7 * DAY, "community", "new_user_group_buy"),
        ("lottery", 14 * DAY, "push", "lottery"),
    ]
    assert onboarding.steps[2].condition is not None
    thanks = found["thanks"]
    assert thanks.enter_on == model.EventTrigger("orders") and thanks.reenter == dt.timedelta(0)
    (thank_you,) = thanks.steps
    assert (thank_you.within, thank_you.channel) == (24 * HOUR, "wecom")
    assert [key for key, _ in thank_you.payload] == ["top_category", "match"]
    winback = found["winback"]
    assert winback.enter_when is not None and winback.reenter == 90 * DAY
    (wake,) = winback.steps
    assert (wake.allowed.days, wake.allowed.start, wake.allowed.end) == ("weekend", 600, 1200)
    assert [key for key, _ in wake.payload] == ["top_category", "coupon_value"]
    first = found["first_purchase"]
    assert first.enter_first and first.enter_on == model.EventTrigger("orders")
    assert _steps(first) == [
        ("vip_group", DAY, "community", "vip_group_invite"),
        ("matched", 7 * DAY, "wecom", "one_to_one_match"),
        ("countdown", 21 * DAY, "sms", "coupon_countdown"),
        ("old_customer", 30 * DAY, "wechat_oa", "member_day"),
    ]
    beauty = found["beauty_new_member"]
    assert [s.after for s in beauty.steps] == [dt.timedelta(0), 7 * DAY, 14 * DAY]
    assert [(h.name, h.share, h.salt) for h in journeys.holdouts] == [
        ("global_control", 0.05, "global-2026")
    ]
    assert journeys.quiet == (22 * 60, 8 * 60)
    caps = {(c.channel, c.limit, c.calendar, c.rolling) for c in journeys.caps}
    assert ("push", 1, "day", None) in caps and ("all", 3, None, 7 * DAY) in caps
    by_priority = sorted(journeys.journeys, key=lambda j: j.priority)
    assert [j.name for j in by_priority][:2] == ["thanks", "first_purchase"]
    assert journeys.zone_value is not None  # users.tz: steps are timed in the member's zone


def test_nev_journeys_follow_the_leads() -> None:
    """SPEC §1.6: a deposit follow-up one to two weeks after the test drive, ended by the
    deposit; delivery progress while the customer waits, ended by the delivery."""
    found = {j.name: j for j in _journeys("nev").journeys}
    assert list(found) == ["test_drive_follow_up", "delivery_progress"]
    follow_up = found["test_drive_follow_up"]
    assert follow_up.enter_on is not None and follow_up.enter_on.source == "stages"
    assert [t.source for t in follow_up.exit_on] == ["stages"]
    consultant = follow_up.steps[0]
    assert (consultant.after, consultant.within) == (7 * DAY, 14 * DAY)
    assert all(s.within == 14 * DAY for s in follow_up.steps)
    delivery = found["delivery_progress"]
    assert [t.source for t in delivery.exit_on] == ["stages"]
    assert len(delivery.steps) >= 3
    afters = [s.after for s in delivery.steps]
    assert afters == sorted(afters) and afters[-1] > 60 * DAY

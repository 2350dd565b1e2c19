"""The benchmark is only worth its figures if every contender computes the same thing: on a
small data set, hand-written SQL, naive per-segment queries, polars and the rule engine
give exactly segl's members (and layers), and the workload has the size the issue asks for.
Timings are never asserted here (they live in BENCHMARKS.md)."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

from benchmarks import harness
from benchmarks.datagen import build_scale
from benchmarks.methods import WORKLOAD, HandWritten, Segl
from segl.compiler import ir
from segl.compiler.store import Store
from segl.runtime.engines import DuckDBEngine
from segl.runtime.project import load_project


def _aggregates(expr: ir.Expr) -> list[ir.Aggregate]:
    return [node for node in ir.walk(expr) if isinstance(node, ir.Aggregate)]


def test_workload_has_the_promised_size() -> None:
    project = load_project(WORKLOAD).project
    assert project is not None
    assert (len(project.tags), len(project.segments), len(project.layerings)) == (60, 100, 3)
    windowed = [
        aggregate
        for tag in project.tags
        for aggregate in _aggregates(tag.expr)
        if aggregate.window is not None
    ]
    assert len(windowed) >= 40
    assert {a.source for a in windowed} == {"events", "orders"}


@pytest.fixture(scope="module")
def small_scale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("bench-data")
    scale = build_scale(data, 3_000)
    work = data / "work.duckdb"
    shutil.copyfile(scale.database, work)
    return work


def _limits() -> argparse.Namespace:
    return argparse.Namespace(rules_max_users=10**9, naive_max_events=10**12, memory_limit="")


def test_every_contender_computes_segl_members(small_scale: Path, tmp_path: Path) -> None:
    scale = build_scale(small_scale.parent, 3_000)
    workload = load_project(WORKLOAD).project
    assert workload is not None
    members = Store(workload).members.name  # the workload's own table (project bench)
    engine = DuckDBEngine(str(small_scale))
    try:
        methods, ties = harness.build_methods(
            list(harness.ALL_METHODS), engine, scale, _limits(), tmp_path
        )
        names = [m.name for m in methods]
        segments = engine.query(f"SELECT DISTINCT segment FROM {members}")
    finally:
        engine.close()
    # build_methods raises harness.Mismatch unless all agree; all six took part, and on
    # 3,000 users no floating-point tie is tolerated (1e-6 of the rows is below one)
    assert ties == []
    assert names == ["segl", "hand SQL", "scan floor", "naive", "polars", "rule engine"]
    assert len(segments) >= 90, f"only {len(segments)} segments have members on 3,000 users"


def test_a_wrong_contender_is_caught(small_scale: Path) -> None:
    engine = DuckDBEngine(str(small_scale))
    try:
        segl = Segl(engine)
        segl.reset()
        segl.run()
        hand = HandWritten(engine)
        hand.reset()
        hand.run()
        engine.connection.execute("DELETE FROM hand_members WHERE segment = 'active_7d'")
        with pytest.raises(harness.Mismatch, match="hand SQL members differ"):
            harness.check_agreement(engine, [hand], segl)
    finally:
        engine.close()


def test_report_lists_every_method_with_its_ratio() -> None:
    runs = {"segl": [1.0, 2.0, 3.0], "hand SQL": [1.0, 1.0, 1.0]}
    results = {
        "scales": [
            {
                "users": 10,
                "event_rows": 100,
                "methods": {name: {"description": "", "runs": r} for name, r in runs.items()},
            }
        ]
    }
    text = harness.report(results)
    assert "segl" in text and "hand SQL" in text
    assert "0.50" in text  # hand SQL's median 1.0 over segl's 2.0


# ---------------------------------------------------------------- identity resolution


def test_identity_contenders_find_segls_persons(tmp_path: Path) -> None:
    from benchmarks import identity_bench

    database = identity_bench.build_links_data(tmp_path, 20_000)
    result = identity_bench.bench_links(database, runs=1, memory=False)
    # bench_links raises PartitionMismatch unless union-find and networkx find segl's
    # persons; the data has links, shared IDs left out, and persons of several IDs
    stats = result["stats"]
    assert stats["links"] > 1_000 and stats["shared"] >= 2
    assert stats["persons"] < stats["ids"]
    assert set(result["runs"]) == {"segl", "extract", "union-find", "networkx"}
    assert "large star" in result["segl_steps"]


def test_identity_python_contenders_leave_shared_ids_out() -> None:
    from benchmarks.identity_bench import networkx_components, partition, union_find

    # a hub linked to four IDs (shared above 3) would otherwise join everyone
    links = [("h", "a"), ("h", "b"), ("h", "c"), ("h", "d"), ("a", "x"), ("b", "y"), ("y", "z")]
    expected = {"a": "a", "x": "a", "b": "b", "y": "b", "z": "b"}
    assert partition(union_find(links, above=3)) == expected
    assert partition(networkx_components(links, above=3)) == expected
    assert len(set(partition(union_find(links, above=4)).values())) == 1


def test_identity_chain_rounds() -> None:
    from benchmarks.identity_bench import bench_chains

    rows = bench_chains([200], runs=1)  # asserts one person of 201 IDs
    assert [(r["length"], r["labels"]) for r in rows] == [(200, "sorted"), (200, "shuffled")]
    assert all(2 <= r["rounds"] <= 20 for r in rows)


# ---------------------------------------------------------------- history profile


def test_history_variants_store_the_same_results(small_scale: Path, tmp_path: Path) -> None:
    from benchmarks import history_bench

    data, out = str(small_scale.parent), str(tmp_path / "history.json")
    args = history_bench.parse_args(
        ["--events", str(3_000 * 28.94), "--runs", "1", "--profile", "--data", data, "--out", out]
    )
    # bench raises history_bench.Mismatch unless the three variants store the same rows
    result = history_bench.bench(args)
    assert result["users"] == 3_000
    history = result["history"]
    assert history["versions_valid_at_as_of"] == history["users"] == 3_000
    assert history["versions_per_user"] > 2 and history["versions_after_as_of"] > 0
    assert history["versions_since_always"] > 0
    assert set(result["variants"]) == set(history_bench.VARIANTS)
    assert "valid_from" in result["profile"]["history"]["explain_analyze"]
    assert set(history_bench.ratios(result)) >= set(history_bench.VARIANTS)


# ---------------------------------------------------------------- journeys


def test_journeys_bench_runs_the_same_decisions(small_scale: Path, tmp_path: Path) -> None:
    from benchmarks import journeys_bench

    events = str(3_000 * 28.94)
    args = journeys_bench.parse_args(
        [
            *("--events", events, "--days", "2", "--runs", "1", "--first-runs", "1"),
            *("--base-events", events, "--new", "3e3", "--history", "9e4", "1.5e5"),
            *("--schedule-runs", "2", "--memory-limit", "1GB"),
            *("--staging", "runtime", "columnar"),
            *("--data", str(small_scale.parent), "--out", str(tmp_path / "journeys.json")),
        ]
    )
    # steady raises journeys_bench.Mismatch unless both projects store the same members and
    # layers and every run at T (the runtime's staging and the columnar what-if) writes the
    # same outbox and ledger rows
    steady = journeys_bench.steady(args)
    assert steady["users"] == 3_000
    assert sum(steady["state_before"]["active_entries"].values()) > 0
    assert steady["written_at_as_of"]["outbox_rows"] > 0
    timed = steady["rounds"]["journeys"][0]
    assert timed["prepare"] > 0 and timed["journey_sql"] >= timed["prepare"]
    assert any("staging" in label for label in timed["contexts"])
    assert set(journeys_bench.steady_summary(steady)["rounds"]) >= {
        "plain_wall",
        "journeys",
        "journeys, columnar staging",
    }
    # history raises Mismatch unless every history size writes the same rows at T (the
    # check runs stage as the runtime does, the timed ones by the what-if: quicker)
    args.staging = ["columnar"]
    history = journeys_bench.history_part(args)
    sizes = history["sizes"]
    rows = [s["built"]["history_rows"] for s in sizes.values()]
    assert rows == pytest.approx([90_000, 150_000], rel=0.01)
    assert len({s["built"]["new_rows"] for s in sizes.values()}) == 1
    summary = journeys_bench.history_summary(history)
    assert summary["90000"]["journeys, columnar staging"]["prepare_vs_smallest"] == 1.0
    text = journeys_bench.report(
        {"steady": steady, "steady_summary": journeys_bench.steady_summary(steady)}
        | {"history": history, "history_summary": summary}
    )
    assert "columnar staging" in text and "history rows" in text


# ---------------------------------------------------------------- alerts


def test_alerts_bench_runs_the_same_alerts(small_scale: Path, tmp_path: Path) -> None:
    from benchmarks import alerts_bench

    args = alerts_bench.parse_args(
        [
            *("--events", str(3_000 * 28.94), "--runs", "2"),
            *("--data", str(small_scale.parent), "--out", str(tmp_path / "alerts.json")),
        ]
    )
    # bench raises alerts_bench.Mismatch unless both projects store the same members and
    # layers, both rounds decide the same alerts and the slide's value is the matrix's cell
    result = alerts_bench.bench(args)
    assert result["users"] == 3_000
    alerts = result["alerts_at_as_of"]
    assert set(alerts) == {"quadrant_slide", "loyal_shrinking", "few_high_value"}
    # the reference run of `over 7 days` was found: the slide and the change are known
    assert alerts["quadrant_slide"]["reference_as_of"] == str(result["reference_as_of"])
    assert alerts["loyal_shrinking"]["value"] is not None
    assert result["slide_share"] == pytest.approx(alerts["quadrant_slide"]["value"])
    assert result["matrix"]["users"] >= 3_000
    assert all(r["alerts_prepare"] > 0 for r in result["rounds"]["alerts"])
    assert all("alerts_prepare" not in r for r in result["rounds"]["plain"])
    summary = alerts_bench.summary(result)
    assert len(summary["ratio_same_round"]) == 2 and len(result["command_seconds"]) == 2
    text = alerts_bench.report({"result": result, "summary": summary})
    assert "segl show migration" in text and "÷ plain" in text


# ---------------------------------------------------------------- reports (issue 12)


def test_reports_bench_checks_segl_against_the_hand_written_sql(
    small_scale: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks import reports_bench

    args = reports_bench.parse_args(
        [
            *("--events", str(3_000 * 28.94), "--runs", "1", "--explain"),
            *("--data", str(small_scale.parent), "--out", str(tmp_path / "reports.json")),
        ]
    )
    # bench raises reports_bench.Mismatch unless segl's funnel and retention equal the
    # hand-written SQL's (every step's users, rates, medians, censored; every cohort's
    # size and cells, nulls included) and each report alone equals it in one invocation
    result = reports_bench.bench(args)
    part = result["funnel_and_retention"]
    steps = part["funnel"]["steps"]
    assert [s["name"] for s in steps] == ["pushed", "clicked", "visited", "carted", "ordered"]
    assert steps[0]["users"] > steps[1]["users"] > 0
    assert part["retention_cohorts"] > 0
    # windowFunnel's semantics differ, but its entries are the funnel's first step
    assert part["window_funnel"]["users_per_step"][0] == steps[0]["users"]
    assert "ASOF_JOIN" in part["explain"]["funnel hand"]
    summary = result["summary"]
    assert set(summary["ratios"]) >= {"funnel segl / hand", "funnel segl / windowFunnel"}
    calls = summary["invocations"]
    assert set(calls["single_medians"]) == set(reports_bench.RETAIL)
    assert calls["all / most expensive"] > 0
    assert set(summary["in_process"]["medians"]) == set(reports_bench.RETAIL)
    assert "all / most expensive" in reports_bench.report(result)

    # a hand-written query of other semantics (a window one day shorter) is caught
    wrong = tmp_path / "wrong_funnel.sql"
    text = reports_bench.FUNNEL_SQL.read_text("utf-8")
    wrong.write_text(text.replace("to_seconds($window)", "to_seconds($window - 86400)"))
    monkeypatch.setattr(reports_bench, "FUNNEL_SQL", wrong)
    args.skip_invocations, args.skip_chdb = True, True
    with pytest.raises(reports_bench.Mismatch, match="funnel"):
        reports_bench.bench(args)


def test_deliver_bench_delivers_every_message_once() -> None:
    """The delivery benchmark raises Mismatch unless each concurrency delivers, and the
    receiver accepts, every message of the outbox exactly once."""
    from benchmarks import deliver_bench

    result = deliver_bench.bench(messages=40, latency=0.005, concurrencies=[1, 4], runs=1)
    assert [row["concurrency"] for row in result["results"]] == [1, 4]
    assert all(row["messages_per_s"] > 0 for row in result["results"])
    assert "x one at a time" in deliver_bench.report(result)


def test_journeys_identity_bench_finds_relinked_persons_and_one_outbox(tmp_path: Path) -> None:
    """The look-back benchmark runs retail with and without the look-back; it raises
    unless every run writes the same outbox, and the run at T finds relinked persons (the
    day's signed-in app users), so the look-back it times is not an empty one."""
    from benchmarks import journeys_identity_bench as bench

    args = argparse.Namespace(users=2000, days=2, runs=1)
    result = bench.measure(args, tmp_path)
    assert [r["relinked"] for r in result["rounds"]["on"]] != [0]
    assert [r["relinked"] for r in result["rounds"]["off"]] == [0]
    assert set(result["medians"]) == {"on", "off"}

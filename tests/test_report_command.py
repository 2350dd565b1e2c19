"""`segl report` and `segl show assignments` (runtime/report_command.py) through the CLI on
a DuckDB file and on SQLite: text, JSON and HTML output, the JSON equal to the reference
evaluator's, the history table keyed by as-of (a re-run replaces, a later as-of adds), and
bad input (unknown names, a range backwards or in the future, no database, no reports)
as diagnostics with exit code 1, never a traceback."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Result

from segl.compiler.store import Store
from segl.compiler.types import Type
from segl.compiler.values import bucket_of
from segl.runtime.engines import Engine, connect
from segl.runtime.project import load_paths
from segl.runtime.reference.reports import evaluate_report
from segl.runtime.report_command import read_results, results_text, store_results, titles_of
from segl.runtime.report_html import NO_SQL

Cli = Callable[..., Result]

RULES = """\
source users from table "users" key user_id {
    user_id: string
    city: string
}
source events from table "events" user user_id time ts {
    name: string
    channel: string
}
source orders from table "orders" user user_id time paid_at { amount: number }

tag buyer = exists(orders in last 90 days)

funnel 推送 "推送活动: 触达、点击、购买" within 3 days by users.city {
    step reached: events where name == "push_sent"
    step clicked: events where name == "push_click" within 1 day
    step bought: orders
}

retention repurchase "Weekly repurchase" {
    cohort first orders
    return orders
    by week
    periods 3
}
"""
TOML = '[project]\nname = "shop"\ntimezone = "Asia/Shanghai"\n'
COLUMNS = {
    "users": [("user_id", Type.STRING), ("city", Type.STRING)],
    "events": [
        ("user_id", Type.STRING),
        ("ts", Type.TIMESTAMP),
        ("name", Type.STRING),
        ("channel", Type.STRING),
    ],
    "orders": [("user_id", Type.STRING), ("paid_at", Type.TIMESTAMP), ("amount", Type.NUMBER)],
}
BASE = dt.datetime(2026, 10, 5, 9)


def _tables() -> dict[str, list[dict[str, Any]]]:
    cities = ["北京", "上海", None]
    tables: dict[str, list[dict[str, Any]]] = {"users": [], "events": [], "orders": []}
    for n in range(12):
        user = f"u{n}"
        tables["users"].append({"user_id": user, "city": cities[n % 3]})
        sent = BASE + dt.timedelta(days=n % 5, hours=n)
        tables["events"].append({"user_id": user, "ts": sent, "name": "push_sent", "channel": "p"})
        if n % 2 == 0:
            click = sent + dt.timedelta(hours=2 + n)
            tables["events"].append(
                {"user_id": user, "ts": click, "name": "push_click", "channel": "p"}
            )
            if n % 4 == 0:
                tables["orders"].append(
                    {"user_id": user, "paid_at": click + dt.timedelta(hours=5), "amount": 10.0}
                )
        if n % 3 == 0:
            for week in (0, 1, 3):
                tables["orders"].append(
                    {
                        "user_id": user,
                        "paid_at": BASE + dt.timedelta(days=7 * week + n),
                        "amount": 5.0 + n,
                    }
                )
    return tables


TABLES = _tables()
AS_OF = "2026-11-01"
LATER = "2026-11-08"


def _warehouse(kind: str, write_project: Callable[..., Path], tmp_path: Path) -> tuple[Path, str]:
    root = write_project({"rules.segl": RULES, "segl.toml": TOML})
    if kind == "duckdb":
        url = f"duckdb:///{(tmp_path / 'wh.duckdb').resolve()}"
    else:
        url = f"sqlite:///{(tmp_path / 'wh.db').resolve()}"
    engine = connect(url)
    try:
        for name, columns in COLUMNS.items():
            rows = [[row.get(c) for c, _ in columns] for row in TABLES[name]]
            engine.create_table(name, columns, rows)
    finally:
        engine.close()
    return root, url


@pytest.fixture
def setup(write_project: Callable[..., Path], tmp_path: Path) -> tuple[Path, str]:
    """The project on a DuckDB file (`either`: on DuckDB and on SQLite)."""
    return _warehouse("duckdb", write_project, tmp_path)


@pytest.fixture(params=["duckdb", "sqlite"])
def either(
    request: pytest.FixtureRequest, write_project: Callable[..., Path], tmp_path: Path
) -> tuple[Path, str]:
    return _warehouse(request.param, write_project, tmp_path)


def _report_json(cli: Cli, root: Path, url: str, *extra: str) -> list[dict[str, Any]]:
    ran = cli("report", *extra, str(root), "--db", url, "--format", "json")
    assert ran.code == 0, ran.output
    data: list[dict[str, Any]] = json.loads(ran.out)
    return data


def _stored(root: Path, url: str) -> list[Any]:
    loaded = load_paths([str(root)])
    assert loaded.project is not None
    engine: Engine = connect(url, create=False)
    try:
        store = Store(loaded.project, "segl_", engine.target.ascii_table_names)
        return read_results(engine, store)
    finally:
        engine.close()


def test_json_equals_the_reference(cli: Cli, setup: tuple[Path, str]) -> None:
    root, url = setup
    got = _report_json(
        cli, root, url, "--as-of", AS_OF, "--from", "2026-10-01", "--to", "2026-10-20"
    )
    assert [r["name"] for r in got] == ["推送", "repurchase"]
    loaded = load_paths([str(root)])
    assert loaded.project is not None
    as_of, start, end = (
        dt.datetime(2026, 11, 1),
        dt.datetime(2026, 10, 1),
        dt.datetime(2026, 10, 20),
    )
    want = [
        evaluate_report(loaded.project, TABLES, name, as_of, start, end)
        for name in ("推送", "repurchase")
    ]
    assert got == want
    funnel = got[0]
    assert funnel["kind"] == "funnel" and funnel["groups"][0]["key"] == {}
    assert [s["users"] for s in funnel["groups"][0]["steps"]] == [12, 6, 3]
    assert {"city": "北京"} in [g["key"] for g in funnel["groups"]]
    step = funnel["groups"][0]["steps"][1]
    assert set(step) == {
        "name",
        "users",
        "rate_from_first",
        "rate_from_previous",
        "median_seconds_from_previous",
    }
    retention = got[1]
    assert retention["kind"] == "retention"
    assert all(set(c) == {"cohort", "size", "retained"} for c in retention["cohorts"])
    assert sum(c["size"] for c in retention["cohorts"]) == 6  # u0, u3, u4, u6, u8, u9


def test_retention_json_states_its_cohort_range(cli: Cli, either: tuple[Path, str]) -> None:
    """A retention's `from`/`to` are its cohort range as given (null: an end not given), in
    the format of a funnel's entry range; on DuckDB and on SQLite, which run both."""
    root, url = either
    ranged = _report_json(
        cli, root, url, "--as-of", AS_OF, "--from", "2026-10-01", "--to", "2026-10-20"
    )
    funnel, retention = ranged
    assert list(retention) == ["name", "kind", "from", "to", "as_of", "cohorts"]
    assert (retention["from"], retention["to"]) == (funnel["from"], funnel["to"])
    assert (retention["from"], retention["to"]) == ("2026-10-01 00:00:00", "2026-10-20 00:00:00")
    assert retention["cohorts"]
    (opened,) = _report_json(cli, root, url, "repurchase", "--as-of", AS_OF, "--from", "2026-10-08")
    assert (opened["from"], opened["to"]) == ("2026-10-08 00:00:00", None)
    (every,) = _report_json(cli, root, url, "repurchase", "--as-of", AS_OF)
    assert (every["from"], every["to"]) == (None, None)
    assert sum(c["size"] for c in every["cohorts"]) > sum(c["size"] for c in opened["cohorts"])


def test_text_output(cli: Cli, setup: tuple[Path, str]) -> None:
    root, url = setup
    ran = cli("report", str(root), "--db", url, "--as-of", "2026-10-25", "--from", "2026-10-01")
    assert ran.code == 0, ran.output
    assert "funnel 推送 - 推送活动: 触达、点击、购买" in ran.out
    assert "from previous" in ran.out and "50.0%" in ran.out
    # the funnel is split by city: the total's censored users, then each city's that has any
    censored = next(line for line in ran.out.splitlines() if line.startswith("censored"))
    found = re.fullmatch(
        r"censored \(window still open at the as-of\): (\d+)( \(city=.+\))?", censored
    )
    assert found, censored
    assert (found[1] == "0") == (found[2] is None), censored
    assert not re.search(r" 0[,)]", censored), censored
    assert "retention repurchase - Weekly repurchase" in ran.out
    # the cohort range, as the funnel states its entries
    assert "cohorts from 2026-10-01 00:00:00 on, as of 2026-10-25 00:00:00" in ran.out
    # cohorts whose later weeks are not over at the as-of show `-`
    cohort_lines = [line for line in ran.out.splitlines() if line.startswith("2026-10-")]
    assert cohort_lines and any(line.rstrip().endswith("-") for line in cohort_lines)


def test_one_report_by_name_and_html(cli: Cli, setup: tuple[Path, str], tmp_path: Path) -> None:
    root, url = setup
    page = tmp_path / "report.html"
    ran = cli(
        "report", "repurchase", str(root), "--db", url, "--as-of", AS_OF, "--format", "html",
        "--out", str(page),
    )  # fmt: skip
    assert ran.code == 0, ran.output
    text = page.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Weekly repurchase" in text
    assert "推送" not in text  # only the report named
    assert "SELECT" in text and "(reference evaluator)" not in text  # the SQL behind it
    assert "cohort range [no start, no end)" in text and "cohort: first orders" in text
    assert "calendar weeks (from Monday)" in text
    assert [s.report for s in _stored(root, url)] == ["repurchase"]


def test_history_is_keyed_by_as_of(cli: Cli, setup: tuple[Path, str]) -> None:
    root, url = setup
    first = _report_json(cli, root, url, "--as-of", AS_OF)
    _report_json(cli, root, url, "--as-of", AS_OF)  # again: replaces
    stored = _stored(root, url)
    assert [(s.as_of, s.report) for s in stored] == [
        (dt.datetime(2026, 11, 1), "repurchase"),
        (dt.datetime(2026, 11, 1), "推送"),
    ]
    by_name = {s.report: s for s in stored}
    assert by_name["推送"].result == first[0] and by_name["repurchase"].result == first[1]
    # the funnel's default entry range (the 30 days before the as-of) is stored with it
    assert by_name["推送"].range_from == dt.datetime(2026, 10, 2)
    assert by_name["推送"].range_to == dt.datetime(2026, 11, 1)
    assert by_name["repurchase"].range_from is None and by_name["repurchase"].kind == "retention"
    # one report again at the same as-of with another range: only its row is replaced
    _report_json(cli, root, url, "推送", "--as-of", AS_OF, "--from", "2026-10-06")
    stored = _stored(root, url)
    assert len(stored) == 2
    again = next(s for s in stored if s.report == "推送")
    assert (
        again.range_from == dt.datetime(2026, 10, 6)
        and again.result["from"] == "2026-10-06 00:00:00"
    )
    # a later as-of adds rows
    later = _report_json(cli, root, url, "--as-of", LATER)
    stored = _stored(root, url)
    assert len(stored) == 4
    assert [s.result for s in stored if s.as_of == dt.datetime(2026, 11, 8)] == [
        later[1],
        later[0],
    ]


def _failed(ran: Result, code: str) -> None:
    assert ran.code == 1, ran.output
    assert code in ran.err
    assert "Traceback" not in ran.output and "internal error" not in ran.output


def test_bad_input(cli: Cli, either: tuple[Path, str], write_project: Callable[..., Path]) -> None:
    root, url = either
    unknown = cli("report", "repurchse", str(root), "--db", url, "--as-of", AS_OF)
    _failed(unknown, "E0301")
    assert "did you mean 'repurchase'?" in unknown.err
    backwards = cli("report", str(root), "--db", url, "--from", "2026-10-10", "--to", "2026-10-01")
    _failed(backwards, "E0821")
    future = cli("report", str(root), "--db", url, "--as-of", AS_OF, "--from", "2026-12-01")
    _failed(future, "E0821")
    missing = cli("report", str(root), "--db", f"duckdb:///{root / 'nope.duckdb'}")
    _failed(missing, "E0605")
    assert not (root / "nope.duckdb").exists()
    bare = write_project({"rules.segl": RULES.split("tag buyer")[0], "segl.toml": TOML}, "bare")
    _failed(cli("report", str(bare), "--db", url, "--as-of", AS_OF), "E0820")
    bad_date = cli("report", str(root), "--db", url, "--from", "2026-13-01")
    assert bad_date.code == 2 and "E0601" in bad_date.err
    no_experiment = cli("show", "assignments", "price_test", str(root), "--db", url)
    _failed(no_experiment, "E0301")
    assert _stored(root, url) == []  # nothing was written by any of these


def test_the_history_table_on_every_engine(
    engine: Engine, write_project: Callable[..., Path]
) -> None:
    """store_results replaces a report's row of an as-of in one transaction (a staged
    table swapped in on ClickHouse and Spark) and keeps the rows of other reports and
    as-ofs; the JSON text (Chinese and quotes included) reads back as it was written."""
    loaded = load_paths([str(write_project({"rules.segl": RULES, "segl.toml": TOML}))])
    assert loaded.project is not None
    as_of, later = dt.datetime(2026, 11, 1), dt.datetime(2026, 11, 8)
    funnel = {"name": "推送", "kind": "funnel", "groups": [{"key": {"city": "北'京"}}]}
    retention = {"name": "repurchase", "kind": "retention", "cohorts": []}
    span = (dt.datetime(2026, 10, 1), dt.datetime(2026, 10, 20))
    store = Store(loaded.project, "segl_", engine.target.ascii_table_names)
    store_results(engine, store, [funnel, retention], as_of, [span, (None, None)], "t")
    store_results(engine, store, [{**funnel, "v": 2}], as_of, [span], "t")
    store_results(engine, store, [retention], later, [(None, None)], "t")
    stored = read_results(engine, store)
    assert [(s.as_of, s.report, s.kind) for s in stored] == [
        (as_of, "repurchase", "retention"),
        (as_of, "推送", "funnel"),
        (later, "repurchase", "retention"),
    ]
    assert stored[1].result == {**funnel, "v": 2}
    assert (stored[1].range_from, stored[1].range_to) == span
    assert stored[0].range_from is None and stored[0].range_to is None


EXTRA = """
report 城市 "Orders by city" over orders by users.city {
    orders_count = count()
    revenue = sum(amount)
}

segment everyone = users.user_id is not null
experiment price "5 off vs 10 off" {
    population everyone
    salt "price-test"
    arm control 50%
    arm half_off 50%
    metric spend = sum(orders.amount)
    metric bought = share(exists(orders))
}
"""


def test_text_of_reports_and_experiments(write_project: Callable[..., Path]) -> None:
    """The text tables of reports and experiments, here from the
    reference evaluator's results (the same JSON shapes)."""
    root = write_project({"rules.segl": RULES + EXTRA, "segl.toml": TOML}, "extra")
    loaded = load_paths([str(root)])
    assert loaded.project is not None, loaded.diagnostics
    as_of = dt.datetime(2026, 11, 1)
    rows = evaluate_report(loaded.project, TABLES, "城市", as_of)
    arms = evaluate_report(loaded.project, TABLES, "price", as_of)
    text = results_text([rows, arms], titles_of(loaded.project))
    lines = text.splitlines()
    assert "report 城市 - Orders by city" in lines
    header = next(line for line in lines if line.startswith("city"))
    assert header.split() == ["city", "orders_count", "revenue"]
    beijing = next(line for line in lines if line.startswith("北京"))
    want = next(r for r in rows["rows"] if r["city"] == "北京")
    assert beijing.split() == ["北京", str(want["orders_count"]), f"{want['revenue']:,.4g}"]
    assert "experiment price - 5 off vs 10 off" in lines
    assert "salt price-test, control control" in lines
    control = next(line for line in lines if line.startswith("control") and "spend" in line)
    assert control.split()[-3:] == ["-", "-", "-"]  # no diff, interval or lift for control
    treated = next(line for line in lines if line.startswith("half_off") and "bought" in line)
    assert "[" in treated and treated.rstrip().endswith("%")
    assert any(line.startswith("sample-ratio-mismatch p: ") for line in lines)


def test_a_report_through_the_cli_equals_the_reference(
    cli: Cli, setup: tuple[Path, str], tmp_path: Path
) -> None:
    root, url = setup
    rules = RULES + EXTRA.split("segment everyone")[0]
    (root / "rules.segl").write_text(rules, "utf-8")
    got = _report_json(cli, root, url, "城市", "--as-of", AS_OF)
    loaded = load_paths([str(root)])
    assert loaded.project is not None
    want = evaluate_report(loaded.project, TABLES, "城市", dt.datetime(2026, 11, 1))
    assert got == [want]
    assert {"city": "北京", "orders_count": 11, "revenue": 99} in got[0]["rows"]
    text = cli("report", "城市", str(root), "--db", url, "--as-of", AS_OF)
    assert text.code == 0, text.output
    assert "report 城市 - Orders by city" in text.out
    # every kind at once, stored under one as-of
    everything = _report_json(cli, root, url, "--as-of", LATER)
    assert [r["kind"] for r in everything] == ["funnel", "retention", "report"]
    assert sorted(s.report for s in _stored(root, url) if s.as_of == dt.datetime(2026, 11, 8)) == [
        "repurchase",
        "城市",
        "推送",
    ]


@contextlib.contextmanager
def _reader_holding(path: str) -> Iterator[None]:
    """Another process holding the DuckDB file open read-only (a dashboard): a command that
    opens it for writing is refused while it does."""
    hold = "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); print(1)"
    reader = subprocess.Popen(
        [sys.executable, "-c", hold + "; sys.stdout.flush(); sys.stdin.read()", path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "1"
        yield
    finally:
        reader.kill()
        reader.wait()


def test_an_experiment_and_its_assignments(cli: Cli, setup: tuple[Path, str]) -> None:
    root, url = setup
    (root / "rules.segl").write_text(RULES + EXTRA, "utf-8")
    loaded = load_paths([str(root)])
    assert loaded.project is not None and loaded.project.reports is not None
    got = _report_json(cli, root, url, "price", "--as-of", AS_OF)
    want = evaluate_report(loaded.project, TABLES, "price", dt.datetime(2026, 11, 1))
    assert got == [want]
    assert sum(arm["users"] for arm in got[0]["arms"]) == 12
    text = cli("report", "price", str(root), "--db", url, "--as-of", AS_OF)
    assert text.code == 0, text.output
    assert "experiment price - 5 off vs 10 off" in text.out
    assert "sample-ratio-mismatch p: " in text.out
    # assignments: every user of the population with the arm of bucket(user, salt)
    shown = cli("show", "assignments", "price", str(root), "--db", url, "--format", "jsonl")
    assert shown.code == 0, shown.output
    pairs = [json.loads(line) for line in shown.out.splitlines()]
    definition = next(e for e in loaded.project.reports.experiments if e.name == "price")
    assert {p["user"]: p["arm"] for p in pairs} == {
        f"u{n}": definition.arm_of(bucket_of(f"u{n}", "price-test")) for n in range(12)
    }
    assert all(set(p) == {"user", "arm"} for p in pairs)
    table = cli("show", "assignments", "price", "-p", str(root), "--db", url)
    assert table.code == 0, table.output
    counts = {arm["arm"]: arm["users"] for arm in got[0]["arms"]}
    summary = ", ".join(f"{arm} {n}" for arm, n in counts.items())  # every arm, 0 too
    assert table.out.splitlines()[-1] == f"12 users assigned: {summary}"
    # it only reads: it runs while another process has the file open read-only
    with _reader_holding(url.removeprefix("duckdb:///")):
        beside = cli("show", "assignments", "price", str(root), "--db", url)
    assert beside.code == 0, beside.output
    unknown = cli("show", "assignments", "prise", str(root), "--db", url)
    _failed(unknown, "E0301")
    assert "did you mean 'price'?" in unknown.err
    # an arm renamed in the rules: its stored users are listed as such, not lost from the sum
    (root / "rules.segl").write_text(RULES + EXTRA.replace("half_off", "ten_off"), "utf-8")
    renamed = cli("show", "assignments", "price", "-p", str(root), "--db", url)
    assert renamed.code == 0, renamed.output
    assert renamed.out.splitlines()[-1] == (
        f"12 users assigned: control {counts['control']}, ten_off 0; "
        f"arms no longer in the rules: half_off {counts['half_off']}"
    )


IDENTITY_RULES = """\
source users from table "users" key user_id as member {
    user_id: string
    city: string
}
source orders from table "orders" user user_id as member time paid_at { amount: number }
identity person {
    kinds member, phone
    link users: user_id as member, city as phone
}
funnel f {
    step a: orders
    step b: orders where amount > 5
}
"""


@pytest.mark.parametrize("out", ["missing/page.json", "."])
def test_an_output_that_cannot_be_written_is_refused_before_anything_is_stored(
    cli: Cli, setup: tuple[Path, str], tmp_path: Path, out: str
) -> None:
    """A report whose --out could not be written exited 1 having stored its results and an
    experiment's sticky assignments (dated by its as-of) all the same."""
    root, url = setup
    (root / "rules.segl").write_text(RULES + EXTRA, "utf-8")
    ran = cli("report", str(root), "--db", url, "--as-of", AS_OF, "--out", str(tmp_path / out))
    _failed(ran, "E0605")
    assert "cannot write" in ran.err
    assert _stored(root, url) == []
    loaded = load_paths([str(root)])
    assert loaded.project is not None
    engine: Engine = connect(url, create=False)
    try:
        store = Store(loaded.project, "segl_", engine.target.ascii_table_names)
        assert engine.columns_of(store.experiment_assignments.name) is None
    finally:
        engine.close()


def test_a_project_with_an_identity_reports_the_persons_of_a_run(
    cli: Cli, setup: tuple[Path, str], write_project: Callable[..., Path]
) -> None:
    """A project with an identity counts persons, those of the latest run at or before
    the as-of: before any run E0822 says to run first (exit code 1, nothing stored); after
    `segl run` the funnel counts persons (the users of one city are one person)."""
    _, url = setup
    root = write_project({"rules.segl": IDENTITY_RULES, "segl.toml": TOML}, "persons")
    ran = cli("report", str(root), "--db", url, "--as-of", AS_OF)
    _failed(ran, "E0822")
    assert "segl run" in ran.err
    assert _stored(root, url) == []
    assert cli("run", str(root), "--db", url, "--as-of", AS_OF).code == 0
    ran = cli("report", str(root), "--db", url, "--as-of", AS_OF, "--format", "json")
    assert ran.code == 0, ran.output
    (funnel,) = json.loads(ran.out)
    # six members ordered in the entry range: u0, u3, u6, u9 of 北京 (one person), u4 of
    # 上海 (the person of 上海) and u8 without a city (a person of their own)
    assert funnel["groups"][0]["steps"][0]["users"] == 3
    assert [r.report for r in _stored(root, url)] == ["f"]


def test_the_html_page_shows_the_sql_behind_every_kind(
    cli: Cli, setup: tuple[Path, str], tmp_path: Path
) -> None:
    """A funnel, a retention, a report and a sticky experiment: each section of the page
    holds the SQL its numbers came from (the experiment's reads the stored assignments)."""
    root, url = setup
    (root / "rules.segl").write_text(RULES + EXTRA, "utf-8")
    page = tmp_path / "all.html"
    ran = cli(
        "report", str(root), "--db", url, "--as-of", AS_OF, "--format", "html", "--out", str(page)
    )
    assert ran.code == 0, ran.output
    text = page.read_text("utf-8")
    sections = re.findall(
        r'<details class="sql"><summary>SQL</summary><pre>(.*?)</pre>', text, re.S
    )
    assert len(sections) == 4, sections
    assert all("SELECT" in sql and NO_SQL not in sql for sql in sections)
    assert "experiment_assignments" in sections[-1]


def test_the_censored_line_names_only_the_groups_that_have_any() -> None:
    from segl.runtime.report_command import _censored

    groups = [
        {"key": {}, "censored": 3},
        {"key": {"city": "北京"}, "censored": 3},
        {"key": {"city": "上海"}, "censored": 0},
    ]
    assert _censored(groups) == "3 (city=北京 3)"
    assert _censored([{"key": {}, "censored": 0}, {"key": {"city": "a"}, "censored": 0}]) == "0"


def test_printed_json_is_standard_json_with_infinities_as_strings() -> None:
    """JSON has no infinities or NaN: what segl prints for other tools (reports, alerts,
    migrations, the outbox) spells ±inf "Infinity" / "-Infinity", as `segl export` does,
    and NaN null, at any depth, so a strict parser reads it."""
    from segl.runtime import json_text

    value = {"rows": [{"s": math.inf, "m": -math.inf, "n": math.nan, "x": 1.5}], "k": (1, "北")}
    text = json_text.dumps(value)
    assert json.loads(text, parse_constant=lambda name: pytest.fail(name)) == {
        "rows": [{"s": "Infinity", "m": "-Infinity", "n": None, "x": 1.5}],
        "k": [1, "北"],
    }


@pytest.mark.parametrize("kind", ["duckdb", "sqlite"])
def test_an_infinite_value_in_the_html_page_and_the_stored_json(
    cli: Cli, kind: str, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """±infinity is an ordinary number (SPEC §3): the HTML page is written, and the history
    table keeps the standard JSON segl prints ("Infinity"), which a strict parser and
    SQLite's JSON functions read."""
    rules = """
source users from table "users" key user_id { user_id: string }
source orders from table "orders" user user_id time paid_at { amount: number }
report total over orders { s = sum(amount)  top = max(amount)  low = min(0 - amount) }
"""
    root = write_project({"rules.segl": rules, "segl.toml": '[project]\nname = "inf"\n'})
    name = "wh.duckdb" if kind == "duckdb" else "wh.db"
    url = f"{kind}:///{(tmp_path / name).resolve()}"
    engine = connect(url)
    try:
        engine.create_table("users", [("user_id", Type.STRING)], [["p"]])
        columns = [("user_id", Type.STRING), ("paid_at", Type.TIMESTAMP), ("amount", Type.NUMBER)]
        engine.create_table("orders", columns, [["p", dt.datetime(2026, 10, 2), math.inf]])
    finally:
        engine.close()
    page = tmp_path / "page.html"
    common = [str(root), "--db", url, "--as-of", "2026-10-11"]
    ran = cli("report", *common, "--format", "html", "--out", str(page))
    assert ran.code == 0, ran.output
    assert "<td>inf</td>" in page.read_text("utf-8")
    printed = _report_json(cli, root, url, "--as-of", "2026-10-11")
    expected = [{"s": "Infinity", "top": "Infinity", "low": "-Infinity"}]
    assert printed[0]["rows"] == expected
    engine = connect(url, create=False)
    try:
        stored = engine.query("SELECT result FROM segl_inf_report_results")
    finally:
        engine.close()
    for (text,) in stored:
        kept = json.loads(str(text), parse_constant=lambda name: pytest.fail(name))
        assert kept["rows"] == expected


def test_a_range_in_the_future_is_refused_only_where_a_range_bounds_something() -> None:
    """--from/--to bound funnels' entries and retention cohorts; a report over rows or an
    experiment has no range, so a future --from was refused (E0821) for a check that did
    not concern them. A --to before the --from is refused whatever the reports."""
    from segl.runtime.report_command import check_range

    as_of = dt.datetime(2026, 11, 1)
    future, later = dt.datetime(2026, 11, 5), dt.datetime(2026, 11, 9)
    assert check_range(as_of, future, later, ["report", "experiment"]) == []
    for kinds in (["funnel"], ["retention", "report"], []):
        assert [d.code for d in check_range(as_of, future, later, kinds)] == ["E0821"]
    backwards = check_range(as_of, later, future, ["report"])
    assert [d.code for d in backwards] == ["E0821"]


def test_a_future_as_of_or_a_range_past_the_as_of_warns(cli: Cli, either: tuple[Path, str]) -> None:
    """`segl run` warned of a future as-of (W0602), `segl report` said nothing while it
    stored results under it; a --to after the as-of printed the range asked for without
    saying that nothing after the as-of is counted (the delivery probe of 2026-12-05)."""
    root, url = either
    ahead = (dt.datetime.now() + dt.timedelta(days=400)).strftime("%Y-%m-%d")
    future = cli("report", str(root), "--db", url, "--as-of", ahead, "--format", "json")
    assert future.code == 0, future.output
    assert "W0602 warning: the reports are computed as of" in future.err
    past_to = cli("report", str(root), "--db", url, "--as-of", AS_OF, "--to", "2027-01-01")
    assert past_to.code == 0, past_to.output
    assert "W0603 warning: --to 2027-01-01 00:00:00 is after the as-of" in past_to.err
    plain = cli("report", str(root), "--db", url, "--as-of", AS_OF)
    assert plain.code == 0 and "W0602" not in plain.err and "W0603" not in plain.err
    assert "W0601 warning: profile 'users' has no history: a report as of" in plain.err


def test_the_censored_line_escapes_warehouse_text() -> None:
    """The funnel's censored line printed a group's value raw, where its table escapes it:
    a city with a line break forged a line of output, an ESC coloured the terminal (an
    acceptance probe)."""
    from segl.runtime.report_command import _censored

    groups = [
        {"key": {}, "censored": 3},
        {"key": {"city": "杭州\nforged"}, "censored": 2},
        {"key": {"city": "深圳\x1b[31m"}, "censored": 1},
    ]
    assert _censored(groups) == "3 (city=杭州\\nforged 2, city=深圳\\x1b[31m 1)"

"""`segl show journey J` (runtime/outbox.py journey_report): hand-computed counts of the
canonical journeys over four runs, every status of a step, `--as-of`, committed runs
only, agreement with `segl show outbox`, an unknown journey, a journey never run."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import Result, db_url
from test_journeys_run import RULES, RUNS, TABLES

Cli = Callable[..., Result]


def warehouse(path: Path, tables: list[str]) -> str:
    con = duckdb.connect(str(path))
    for statement in tables:
        con.execute(statement)
    con.close()
    return db_url(path)


@pytest.fixture
def project(write_project: Callable[..., Path], tmp_path: Path) -> tuple[Path, str]:
    toml = '[project]\nname = "shop"\ntimezone = "Asia/Shanghai"\n'
    root = write_project({"rules.segl": RULES, "segl.toml": toml})
    return root, warehouse(tmp_path / "wh.duckdb", TABLES)


def run_all(cli: Cli, root: Path, url: str, runs: list[str] = RUNS) -> None:
    for as_of in runs:
        ran = cli("run", root, "--db", url, "--as-of", as_of)
        assert ran.code == 0, ran.output


def report(cli: Cli, root: Path, url: str, journey: str, *extra: str) -> dict[str, Any]:
    shown = cli("show", "journey", journey, root, "--db", url, "--format", "json", *extra)
    assert shown.code == 0, shown.output
    data: dict[str, Any] = json.loads(shown.out)
    return data


def counts(data: dict[str, Any]) -> tuple[int, int, int, int]:
    return data["entries"], data["active"], data["exited"], data["completed"]


def steps(data: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {s["step"]: {k: v for k, v in s.items() if k != "step" and v} for s in data["steps"]}


def test_the_canonical_journeys_after_four_runs(cli: Cli, project: tuple[Path, str]) -> None:
    root, url = project
    run_all(cli, root, url)
    onboarding = report(cli, root, url, "onboarding")
    # the first run (10:00) only switches the journey on; the 12:30 run enters user 1
    # (registered 10:00) and user 2 (11:00), who bought at 11:30 and exits; user 1's
    # welcome (due 11:00) is sent at 12:30, the other steps are not due yet
    assert counts(onboarding) == (2, 1, 1, 0)
    assert steps(onboarding) == {"welcome": {"sent": 1}, "group_buy": {}, "lottery": {}}
    assert (onboarding["runs"], onboarding["as_of"]) == (4, None)
    assert onboarding["title"] == "New user, first two weeks"
    last = onboarding["last_run"]
    assert (last["as_of"], last["previous"], last["entries"], last["decisions"]) == (
        "2026-11-07 12:00:00",
        "2026-11-06 12:00:00",
        0,
        0,
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", last["ran_at"])
    assert isinstance(last["seconds"], float)
    # thanks: user 2's order and user 4's first (the second, 10 minutes later, is ignored);
    # each entry ends when its only step is decided
    thanks = report(cli, root, url, "thanks")
    assert counts(thanks) == (2, 0, 0, 2)
    assert steps(thanks) == {"thank_you": {"sent": 2}}
    # winback: user 3 enters at the first run and waits for a weekend in New York
    winback = report(cli, root, url, "winback")
    assert counts(winback) == (1, 1, 0, 0)
    assert steps(winback) == {"wake": {}}
    assert winback["last_run"]["entries"] == 0


def test_the_text_report(cli: Cli, project: tuple[Path, str]) -> None:
    root, url = project
    run_all(cli, root, url)
    shown = cli("show", "journey", "onboarding", root, "--db", url)
    assert shown.code == 0, shown.output
    lines = shown.out.splitlines()
    assert lines[:2] == ['journey    onboarding "New user, first two weeks"', "runs       4"]
    assert re.fullmatch(
        r"last run   as of 2026-11-07 12:00:00 \(ran [\d-]+ [\d:]+, [\d.]+ s\): "
        r"0 entries, 0 decisions \(since 2026-11-06 12:00:00\)",
        lines[2],
    ), lines[2]
    assert lines[3:] == [
        "entries    2 made: 1 active, 1 exited, 0 completed",
        "",
        "step       sent  skipped  expired  capped  held_out",
        "---------  ----  -------  -------  ------  --------",
        "welcome       1        0        0       0         0",
        "group_buy     0        0        0       0         0",
        "lottery       0        0        0       0         0",
    ]


def test_as_of_counts_only_the_runs_up_to_it(cli: Cli, project: tuple[Path, str]) -> None:
    root, url = project
    run_all(cli, root, url)
    early = report(cli, root, url, "onboarding", "--as-of", "2026-11-02 12:00")
    assert (early["as_of"], early["runs"], counts(early)) == ("2026-11-02 12:00:00", 1, (0,) * 4)
    assert early["last_run"]["as_of"] == "2026-11-02 10:00:00"
    assert early["last_run"]["previous"] is None  # it was the journey's first run
    at = report(cli, root, url, "onboarding", "--as-of", "2026-11-02 12:30")
    assert (at["runs"], counts(at)) == (2, (2, 1, 1, 0))
    assert at["last_run"]["entries"] == 2
    assert at["last_run"]["decisions"] == 1
    before = report(cli, root, url, "winback", "--as-of", "2026-11-01")
    assert (before["runs"], before["last_run"], counts(before)) == (0, None, (0,) * 4)
    shown = cli("show", "journey", "winback", root, "--db", url, "--as-of", "2026-11-01")
    assert "last run   none" in shown.out
    # runs after it are no reason to say that `segl run` has yet to decide the journey
    assert "no committed run of this journey up to 2026-11-01 00:00:00" in shown.out


def test_a_rerun_of_a_decided_as_of_counts_nothing_twice(
    cli: Cli, project: tuple[Path, str]
) -> None:
    root, url = project
    run_all(cli, root, url)
    before = report(cli, root, url, "thanks")
    run_all(cli, root, url, [RUNS[-1], RUNS[1]])
    after = report(cli, root, url, "thanks")
    assert {k: v for k, v in after.items() if k != "last_run"} == {
        k: v for k, v in before.items() if k != "last_run"
    }


def test_rows_of_an_uncommitted_run_are_not_counted(
    cli: Cli, project: tuple[Path, str], tmp_path: Path
) -> None:
    """A run killed on an engine without transactions can leave ledger and outbox rows of
    an as-of that has no marker: they are not decisions (docs/journeys.md)."""
    root, url = project
    run_all(cli, root, url)
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    late = "TIMESTAMP '2026-11-09 00:00:00'"
    con.execute(
        f"INSERT INTO segl_shop_journey_entries VALUES ({late}, 'onboarding', 9, "
        f"{late}, 'enter', {late})"
    )
    con.execute(
        f"INSERT INTO segl_shop_outbox VALUES ({late}, 'onboarding', 'welcome', 1, "
        f"TIMESTAMP '2026-11-02 10:00:00', {late}, 'wecom', 'welcome_pack', '{{}}', 'sent', "
        "'x')"
    )
    con.close()
    data = report(cli, root, url, "onboarding")
    assert (data["runs"], counts(data)) == (4, (2, 1, 1, 0))
    assert steps(data)["welcome"] == {"sent": 1}


EVERY_STATUS = """\
source users from table "users" key user_id { user_id: number }
source events from table "events" user user_id time ts { name: string }
tag visits_3m = count(events where name == "visit" in last 90 days)

journey promo "Every status but held out" {
    enter on events where name == "register"
    step a: send wecom "a"
    step b: send wecom "b"
    step c: send sms "c" if visits_3m >= 1
    step d within 1 hour: send push "d"
}

policy {
    cap wecom 1 per day
}
"""

EVERY_STATUS_TABLES = [
    "CREATE TABLE users (user_id BIGINT)",
    "INSERT INTO users VALUES (1), (2)",
    "CREATE TABLE events (user_id BIGINT, ts TIMESTAMP, name VARCHAR)",
    "INSERT INTO events VALUES (1, '2026-11-02 09:00:00', 'register'),"
    " (2, '2026-11-02 08:00:00', 'visit'), (2, '2026-11-02 09:30:00', 'register')",
]


def test_every_status_of_a_step(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_project({"rules.segl": EVERY_STATUS, "segl.toml": '[project]\nname = "promo"\n'})
    url = warehouse(tmp_path / "promo.duckdb", EVERY_STATUS_TABLES)
    run_all(cli, root, url, ["2026-11-02 00:00", "2026-11-02 12:00"])
    data = report(cli, root, url, "promo")
    # both users enter at the second run with every step due: a is sent, b (the second
    # wecom message of the day) capped, c skipped for user 1 who never visited, d expired
    # (the run came more than an hour after the entries); every step decided: completed
    assert counts(data) == (2, 0, 0, 2)
    assert steps(data) == {
        "a": {"sent": 2},
        "b": {"capped": 2},
        "c": {"sent": 1, "skipped": 1},
        "d": {"expired": 2},
    }


def test_the_counts_agree_with_the_outbox(cli: Cli, project: tuple[Path, str]) -> None:
    root, url = project
    rules = (root / "rules.segl").read_text()
    extra = '\nholdout everyone 50% salt "all"\npolicy {\n    cap wecom 1 per day\n}\n'
    (root / "rules.segl").write_text(rules + extra)
    run_all(cli, root, url, [*RUNS, "2026-11-08 02:00", "2026-11-20 00:00"])
    shown = cli("show", "outbox", root, "--db", url, "--format", "jsonl")
    decided = Counter(
        (d["journey"], d["step"], d["status"]) for d in map(json.loads, shown.out.splitlines())
    )
    assert "held_out" in {status for _, _, status in decided}
    from_reports: Counter[tuple[str, str, str]] = Counter()
    for journey in ("onboarding", "thanks", "winback"):
        for step, statuses in steps(report(cli, root, url, journey)).items():
            for status, count in statuses.items():
                from_reports[(journey, step, status)] = count
    assert from_reports == decided


def test_an_unknown_journey_is_e0301_with_did_you_mean(cli: Cli, project: tuple[Path, str]) -> None:
    root, url = project
    shown = cli("show", "journey", "onbaording", root, "--db", url)
    assert shown.code == 1
    assert "E0301 unknown journey 'onbaording'" in shown.err
    assert "did you mean 'onboarding'?" in shown.err
    assert "journeys: onboarding, thanks, winback" in shown.err


def test_a_journey_never_run_and_the_project_option(cli: Cli, project: tuple[Path, str]) -> None:
    root, url = project
    shown = cli("show", "journey", "thanks", "-p", root, "--db", url, "--format", "json")
    assert shown.code == 0, shown.output
    data = json.loads(shown.out)
    assert (data["runs"], data["last_run"], counts(data)) == (0, None, (0, 0, 0, 0))
    assert steps(data) == {"thank_you": {}}
    text = cli("show", "journey", "thanks", "-p", root, "--db", url)
    assert "no committed run of this journey yet: `segl run` decides it" in text.out


def test_a_project_without_journeys(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """No journey in the rules nor in the database's journey runs (a name not in the rules
    may be a journey taken out of them, so the database is read first: without one, that
    is E0605)."""
    root = write_project({"rules.segl": 'source users from table "u" key id { id: number }\n'})
    url = warehouse(tmp_path / "wh.duckdb", ["CREATE TABLE u (id INTEGER)"])
    shown = cli("show", "journey", "onboarding", root, "--db", url)
    assert shown.code == 1
    assert "journeys: none" in shown.err
    missing = cli("show", "journey", "onboarding", root)
    assert missing.code == 1 and "E0605 no database" in missing.err


def test_a_retired_journeys_decisions_are_still_shown(
    cli: Cli, project: tuple[Path, str], tmp_path: Path
) -> None:
    """A journey taken out of the rules is known by its stored runs: `show outbox --journey
    J` (also before its first decision), `show journey J` and `deliver --journey J` (which
    an unfiltered `deliver` would send anyway) work, not E0301; a name neither in the rules
    nor in the stored runs stays E0301, with a did-you-mean over both."""
    root, url = project
    run_all(cli, root, url)
    before = cli("show", "outbox", root, "--db", url, "--journey", "thanks", "--format", "jsonl")
    assert before.code == 0 and before.out.strip(), before.output
    rules = (root / "rules.segl").read_text("utf-8")
    start = rules.index("journey thanks")
    end = rules.index("\n}\n", start) + 3
    (root / "rules.segl").write_text(rules[:start] + rules[end:], "utf-8")
    after = cli("show", "outbox", root, "--db", url, "--journey", "thanks", "--format", "jsonl")
    assert after.code == 0 and after.out == before.out, after.output
    unknown = cli("show", "outbox", root, "--db", url, "--journey", "thanx")
    assert unknown.code == 1 and "E0301 unknown journey 'thanx'" in unknown.err
    assert "did you mean 'thanks'?" in unknown.err  # a name of the outbox too
    # before its first decision: none, not E0301 (the journey is known by its runs)
    early = cli("show", "outbox", root, "--db", url, "--journey", "thanks", "--as-of", RUNS[0])
    assert early.code == 0 and "0 decisions" in early.out, early.output
    data = report(cli, root, url, "thanks")
    assert data["title"] is None and data["runs"] == len(RUNS)
    assert sum(s["sent"] for s in data["steps"]) == before.out.count('"status": "sent"')
    delivered = tmp_path / "thanks.jsonl"
    sent = cli("deliver", root, "--db", url, "--journey", "thanks", "--to", f"file:{delivered}")
    assert sent.code == 0, sent.output
    assert len(delivered.read_text("utf-8").splitlines()) == data["steps"][0]["sent"]


def test_a_short_journey_name_one_edit_off_gets_a_did_you_mean() -> None:
    """Journeys had their own difflib call, whose cutoff misses two-character names one
    character off (欢迎 for 欢送); they take the did-you-mean every other name gets."""
    from segl.runtime.cli import _journey_hint

    assert _journey_hint("欢迎", ["欢送", "召回"])[0] == "did you mean '欢送'?"

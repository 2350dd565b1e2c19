"""Bad input for the newer commands and rules (journeys, reports, experiments, holdouts,
alerts, migration, simulate, export), found by a robustness sweep of the command line:
each gives a diagnostic with its code (at file:line:col with a caret when it is in a rule
file), a non-zero exit code, never a traceback or an internal error (the `cli` fixture
checks both), and writes nothing it should not."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from conftest import (
    ANCHOR,
    DATA,
    RETAIL,
    Result,
    assert_caret_under,
    db_url,
    diagnostic_block,
    read_sql,
    segl_tables,
)

MINI = DATA / "mini"
SOURCES = (MINI / "sources.segl").read_text("utf-8")
TAGS = (MINI / "tags.segl").read_text("utf-8")
MINI_TOML = (MINI / "segl.toml").read_text("utf-8")
LAYERINGS = (MINI / "layerings.segl").read_text("utf-8")
SEGMENTS = (MINI / "segments.segl").read_text("utf-8")
FUNNEL = """funnel f "Visit to order" within 7 days {
    step visited: events where name == "visit"
    step paid: orders within 3 days
}
"""
JOURNEY = """journey welcome "Welcome" {
    enter on orders
    step hello after 1 day: send push "hello"
}
"""

Cli = Callable[..., Result]
WriteProject = Callable[..., Path]


def project(write_project: WriteProject, rules: str = "", **extra: str) -> Path:
    """The mini project (sources, tags, layerings, segments) with `rules` in rules.segl."""
    files: dict[str, str | bytes | None] = {
        "sources.segl": SOURCES,
        "tags.segl": TAGS,
        "layerings.segl": LAYERINGS,
        "segments.segl": SEGMENTS,
        **extra,
    }
    if rules:
        files["rules.segl"] = rules
    return write_project(files)


def located(result: Result, text: str, span: str, code: str, after: str = "") -> list[str]:
    """The diagnostic `code` at the first occurrence of `span` in rules.segl (after the
    first occurrence of `after`), with a caret under it; its lines."""
    offset = text.index(span, text.index(after))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    block = diagnostic_block(result.err, f"proj/rules.segl:{line}:{column}: {code} ")
    assert_caret_under(block, span, column=column)
    return block


# ---------------------------------------------------------------- segl report


def test_report_as_of_in_the_year_9999(
    cli: Cli, write_project: WriteProject, warehouse: Path
) -> None:
    """The reports' zone offsets were computed up to the year after the as-of: 10000."""
    rules = 'report spend "Spend" over orders {\n    total = sum(amount)\n}\n'
    root = project(write_project, rules)
    result = cli("report", "spend", root, "--db", db_url(warehouse), "--as-of", "9999-12-31")
    assert result.code == 0, result.output
    assert result.out.startswith("report spend - Spend\n"), result.out


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31 23:59:59"])
def test_a_run_whose_windows_leave_the_calendar_is_e0601(
    cli: Cli, write_project: WriteProject, warehouse: Path, as_of: str
) -> None:
    """A journey's times before the year 1 (or after 9999) in UTC were an internal error
    (OverflowError); nothing may be stored."""
    rules = (
        'journey hi {\n    enter on events where name == "visit"\n    step now: send sms "hi"\n}\n'
    )
    shanghai = MINI_TOML.replace('timezone = "UTC"', 'timezone = "Asia/Shanghai"')
    zone = shanghai if as_of.startswith("0001") else MINI_TOML.replace("UTC", "America/Lima")
    root = project(write_project, rules, **{"segl.toml": zone})
    result = cli("run", root, "--db", db_url(warehouse), "--as-of", as_of)
    assert result.code == 2, result.output
    assert "E0601 a date is out of range" in result.err, result.err
    assert "internal error" not in result.err
    assert not segl_tables(warehouse), "a refused run stored results"


def test_report_to_alone_before_a_funnels_default_from(
    cli: Cli, write_project: WriteProject, warehouse: Path
) -> None:
    """A --to before the funnel's default --from (30 days before the as-of) gave an empty
    funnel "from 2026-10-02 to 2026-09-01" with exit code 0."""
    root = project(write_project, FUNNEL)
    url = db_url(warehouse)
    result = cli("report", "f", root, "--db", url, "--as-of", ANCHOR, "--to", "2026-09-01")
    assert result.code == 1, result.output
    assert re.search(
        r"^E0821 --to 2026-09-01 00:00:00 is not after a funnel's default", result.err, re.M
    ), result.err
    assert "hint: pass --from too" in result.err
    assert result.out == ""
    assert not segl_tables(warehouse), "a refused report stored results"
    # with --from it is a range like any other
    given = cli(
        "report", "f", root, "--db", url, "--as-of", ANCHOR, "--from", "2026-08-01",
        "--to", "2026-09-01", "--format", "json",
    )  # fmt: skip
    assert given.code == 0, given.output
    assert '"from": "2026-08-01 00:00:00"' in given.out


def test_empty_report_and_retention_say_so(
    cli: Cli, write_project: WriteProject, warehouse: Path
) -> None:
    """A report without rows printed its heading and blank lines; a retention without
    cohorts only its header: now a line says that nothing matched."""
    rules = (
        'report rich "t" over users where users.balance > 1e15 by users.city {\n'
        "    n = count()\n}\n"
        'retention never "t" {\n    cohort first events where name == "no such event"\n'
        "    return orders\n    by week\n    periods 4\n}\n"
    )
    root = project(write_project, rules)
    result = cli("report", "rich", "never", root, "--db", db_url(warehouse), "--as-of", ANCHOR)
    assert result.code == 0, result.output
    assert "\nno rows: no users matched at the as-of\n" in result.out, result.out
    assert "\nno cohort: no user had the cohort event in the range\n" in result.out, result.out


def test_report_out_without_a_file_name(
    cli: Cli, write_project: WriteProject, warehouse: Path
) -> None:
    root = project(write_project, FUNNEL)
    result = cli("report", "f", root, "--db", db_url(warehouse), "--as-of", ANCHOR, "--out", "")
    assert result.code == 1, result.output
    assert re.search(r"^E0605 --out needs a file name$", result.err, re.M), result.err
    assert result.out == ""


# ---------------------------------------------------------------- segl simulate


@pytest.mark.parametrize(
    "start,end,option",
    [("2026-13-01", "2026-11-01", "--from"), ("2026-10-01", "2026-02-30", "--to")],
)
def test_simulate_bad_range_names_its_option(
    cli: Cli, write_project: WriteProject, warehouse: Path, start: str, end: str, option: str
) -> None:
    """A bad --from or --to of simulate was reported as a bad --as-of."""
    root = project(write_project, JOURNEY)
    result = cli(
        "simulate", "welcome", "-p", root, "--db", db_url(warehouse),
        "--from", start, "--to", end, "--every", "1d",
    )  # fmt: skip
    assert result.code == 2, result.output
    assert re.search(rf"^E0601 bad {option}: ", result.err, re.M), result.err
    assert "--as-of" not in result.err
    assert result.out == ""
    assert not segl_tables(warehouse)


# ---------------------------------------------------------------- segl show migration


@pytest.fixture
def two_runs(cli: Cli, write_project: WriteProject, warehouse: Path) -> tuple[Path, str]:
    root = project(write_project)
    url = db_url(warehouse)
    for as_of in ("2026-10-25", ANCHOR):
        ran = cli("run", root, "--db", url, "--as-of", as_of)
        assert ran.code == 0, ran.output
    return root, url


def test_demo_never_replaces_a_pipe_or_a_device(cli: Cli, tmp_path: Path) -> None:
    """A FIFO or a device node has size 0, so it skipped the header check and was deleted
    and replaced by a warehouse (as root, `--db /dev/full` removed the device)."""
    pipe = tmp_path / "fifo"
    os.mkfifo(pipe)
    result = cli("demo", "--db", pipe, "--users", "10")
    assert result.code == 1, result.output
    assert re.search(r"^E0605 --db .*fifo is not a file", result.err, re.M)
    assert "hint: it was left as it is" in result.err
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    null = cli("demo", "--db", "/dev/null", "--users", "10")
    assert null.code == 1 and "E0605 --db /dev/null is not a file" in null.err
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)


@pytest.mark.parametrize("where", ["folder", "missing-folder"])
def test_show_migration_out_that_cannot_be_written(
    cli: Cli, two_runs: tuple[Path, str], tmp_path: Path, where: str
) -> None:
    """--out naming a folder, or a file in a missing folder, was an internal error."""
    root, url = two_runs
    out = tmp_path if where == "folder" else tmp_path / "nowhere" / "m.html"
    result = cli(
        "show", "migration", "buyer", "-p", root, "--db", url, "--from", "2026-10-25",
        "--to", ANCHOR, "--format", "html", "--out", out,
    )  # fmt: skip
    assert result.code == 1, result.output
    assert re.search(rf"^E0605 cannot write {re.escape(str(out))}: ", result.err, re.M), result.err
    assert "hint: --out names a file" in result.err
    assert result.out == ""
    assert not (tmp_path / "nowhere").exists()


def test_show_migration_out_is_written_in_every_format(
    cli: Cli, two_runs: tuple[Path, str], tmp_path: Path
) -> None:
    """--out with text or json was ignored: the matrix went to standard output."""
    root, url = two_runs
    for fmt in ("text", "json"):
        out = tmp_path / f"matrix.{fmt}"
        result = cli(
            "show", "migration", "buyer", "-p", root, "--db", url, "--from", "2026-10-25",
            "--to", ANCHOR, "--format", fmt, "--out", out,
        )  # fmt: skip
        assert result.code == 0, result.output
        assert result.out == f"wrote {out}\n"
        written = out.read_text("utf-8")
        assert "heavy" in written and written.endswith("\n")
        assert written.lstrip().startswith("{" if fmt == "json" else "layering buyer")


# ---------------------------------------------------------------- segl export


def test_export_parquet_into_a_missing_folder(
    cli: Cli, two_runs: tuple[Path, str], tmp_path: Path
) -> None:
    """DuckDB's IOException from COPY ... TO was an internal error; then click's file
    error (exit 2). Now E0605, as every --out that cannot be written, for every format."""
    root, url = two_runs
    for fmt in ("parquet", "csv", "jsonl"):
        out = tmp_path / "nowhere" / f"buyers.{fmt}"
        args = ("export", "segment", "buyers", "-p", root, "--db", url, "--format", fmt)
        result = cli(*args, "--out", out)
        assert result.code == 1, result.output
        assert result.err.startswith(f"E0605 cannot write {out}: "), result.err
        assert "hint: --out names a file in an existing folder" in result.err
        assert result.out == ""
        assert not out.parent.exists()


# ---------------------------------------------------------------- database URLs


def test_sqlite_url_naming_a_text_file(cli: Cli, tmp_path: Path) -> None:
    """SQLite opens any file lazily: a text file was taken for an empty database, and the
    run said that every source table is missing (E0602)."""
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n", "utf-8")
    result = cli("run", MINI, "--db", f"sqlite:///{notes}", "--as-of", ANCHOR)
    assert result.code == 1, result.output
    assert re.search(
        r"^E0605 cannot open sqlite:///.*: file is not a database$", result.err, re.M
    ), result.err
    assert "E0602" not in result.err
    assert "hint: check that the URL names a database of its kind" in result.err
    assert notes.read_text("utf-8") == "not a database\n"


def test_duckdb_url_naming_a_text_file_has_a_hint(cli: Cli, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n", "utf-8")
    result = cli("run", MINI, "--db", f"duckdb:///{notes}", "--as-of", ANCHOR)
    assert result.code == 1, result.output
    assert re.search(r"^E0605 cannot open duckdb:///", result.err, re.M), result.err
    assert "hint: check that the URL names a database of its kind" in result.err
    assert notes.read_text("utf-8") == "not a database\n"


# ---------------------------------------------------------------- rules


NEGATIVE = {
    "holdout": 'holdout h -5% salt "x"\n',
    "step-after": JOURNEY.replace("after 1 day", "after -1 day"),
    "arm-weight": (
        'experiment e "t" {\n    population purchases >= 1\n    salt "s"\n'
        "    arm control -10%\n    arm b 110%\n    metric m = count(orders in last 30 days)\n}\n"
    ),
    "report-window": 'report r "t" over orders in last -30 days {\n    n = count()\n}\n',
}


@pytest.mark.parametrize("rules", list(NEGATIVE.values()), ids=list(NEGATIVE))
def test_negative_numbers_have_a_hint(cli: Cli, write_project: WriteProject, rules: str) -> None:
    root = project(write_project, rules)
    result = cli("check", root)
    assert result.code == 1, result.output
    block = located(result, rules, "-", "E0202")
    assert (
        "  hint: a duration, a weight, a share or a count is never negative: e.g. after 2 days"
        in block
    )


SHARES = {
    "share-above-100": ('alert a = share(buyer, "heavy") > 250%\n', "250%", "250%"),
    "moved-below-0": (
        'alert a = -5% < moved(buyer, from "light", to "heavy", over 7 days)\n',
        "-5%",
        "-5%",
    ),
    "conversion-above-1": ("alert a = conversion(f) < 1.5\n", "1.5", "150%"),
    "share-above-100-at-the-bound": ('alert a = share(buyer, "heavy") > 100%\n', "100%", "100%"),
    "share-at-least-0": ('alert a = share(buyer, "heavy") >= 0%\n', "0%", "0%"),
    "count-change-below-minus-100": (
        'alert a = change(size(buyer, "heavy"), over 7 days) < -100%\n',
        "-100%",
        "-100%",
    ),
}


@pytest.mark.parametrize("rules,span,shown", list(SHARES.values()), ids=list(SHARES))
def test_alert_share_against_a_threshold_outside_0_to_100_percent(
    cli: Cli, write_project: WriteProject, warehouse: Path, rules: str, span: str, shown: str
) -> None:
    """A share compared with 250% never fires (and with -5% always does): it was accepted;
    so were the bounds where the answer is already fixed (> 100%, >= 0%) and a count's
    change below -100%."""
    text = FUNNEL + rules
    root = project(write_project, text)
    result = cli("check", root)
    assert result.code == 1, result.output
    block = located(result, text, span, "E0906")
    assert f" {shown} is " in block[0] and "true, the same answer at every run" in block[0]
    assert any("change(" in line for line in block[3:]), block
    ran = cli("run", root, "--db", db_url(warehouse), "--as-of", ANCHOR)
    assert ran.code == 1 and "E0906" in ran.err
    assert not segl_tables(warehouse)


COUNTS = {
    "size-below-0": ('alert a = size(buyer, "heavy") < 0\n', "0", "a size() < 0 is never"),
    "users-at-least-0": ("alert a = users() >= 0\n", "0", "users() >= 0 is always"),
    "reversed-size": ('alert a = -1 >= size(buyer, "heavy")\n', "-1", "a size() <= -1 is never"),
}


@pytest.mark.parametrize("rules,span,said", list(COUNTS.values()), ids=list(COUNTS))
def test_alert_count_against_a_threshold_below_0(
    cli: Cli, write_project: WriteProject, warehouse: Path, rules: str, span: str, said: str
) -> None:
    """A number of users is never below 0: `size(S) < 0` never fires and `users() >= 0`
    always does; both were accepted while the same mistakes over shares were refused."""
    text = FUNNEL + rules
    root = project(write_project, text)
    result = cli("check", root)
    assert result.code == 1, result.output
    block = located(result, text, span, "E0906")
    assert said in block[0] and "true, the same answer at every run" in block[0]
    assert any("at least 0" in line for line in block[3:]), block


def test_alert_share_at_the_bounds_is_accepted(cli: Cli, write_project: WriteProject) -> None:
    rules = (
        'alert a = share(buyer, "heavy") >= 100%'
        ' or moved(buyer, from "light", to "heavy", over 7 days) > 0%\n'
    )
    result = cli("check", project(write_project, rules))
    assert result.code == 0, result.output


def test_retention_with_too_many_periods(
    cli: Cli, write_project: WriteProject, warehouse: Path
) -> None:
    """periods 100000 passed the checks and its report ran for minutes."""
    text = (
        'retention r "t" {\n    cohort first orders\n    return orders\n'
        "    by day\n    periods 100000\n}\n"
    )
    root = project(write_project, text)
    result = cli("check", root)
    assert result.code == 1, result.output
    block = located(result, text, "100000", "E0807")
    assert "counts 100,000 periods; at most 1,000" in block[0]
    reported = cli("report", "r", root, "--db", db_url(warehouse), "--as-of", ANCHOR)
    assert reported.code == 1 and "E0807" in reported.err
    assert not segl_tables(warehouse)
    fine = project(write_project, text.replace("100000", "1000"))
    assert cli("check", fine).code == 0


HUGE_JOURNEY = """journey big "t" {
    enter on orders
    reenter after 9999999 days
    step hello after 9999999 days within 9999999 weeks: send push "hello"
}
"""


def test_journey_durations_beyond_the_calendar(
    cli: Cli, write_project: WriteProject, warehouse: Path
) -> None:
    """after/within/reenter of millions of days passed the checks, then `run` and
    `simulate` stopped with an internal error (OverflowError: date value out of range)."""
    root = project(write_project, HUGE_JOURNEY)
    result = cli("check", root)
    assert result.code == 1, result.output
    for span, after in (
        ("9999999 days", "reenter"),
        ("9999999 days", "step"),
        ("9999999 weeks", ""),
    ):
        block = located(result, HUGE_JOURNEY, span, "E0709", after)
        assert "at most 36,500 days (100 years)" in block[0]
    url = db_url(warehouse)
    ran = cli("run", root, "--db", url, "--as-of", ANCHOR)
    assert ran.code == 1 and "E0709" in ran.err
    simulated = cli(
        "simulate", "big", "-p", root, "--db", url, "--from", "2026-10-01", "--to", ANCHOR,
        "--every", "1d",
    )  # fmt: skip
    assert simulated.code == 1 and "E0709" in simulated.err
    assert simulated.out == ""
    assert not segl_tables(warehouse)
    assert read_sql(warehouse, "SELECT count(*) FROM users")[0][0] > 0


HUGE_ALERT = """alert big = change(size(buyers), over 9999999 weeks) < -20%
    cooldown 9999999 weeks
    repeat every 9999999 weeks
"""


def test_alert_durations_beyond_the_calendar(
    cli: Cli, write_project: WriteProject, warehouse: Path
) -> None:
    """`over 9999999 weeks` passed the checks, then `run` stopped with an internal error
    looking for the reference run (as-of - over)."""
    root = project(write_project, HUGE_ALERT)
    result = cli("check", root)
    assert result.code == 1, result.output
    for what, after in (("over", "over"), ("cooldown", "cooldown"), ("repeat every", "repeat")):
        block = located(result, HUGE_ALERT, "9999999 weeks", "E0907", after)
        assert f"E0907 `{what}` is at most 36,500 days (100 years)" in block[0]
    ran = cli("run", root, "--db", db_url(warehouse), "--as-of", ANCHOR)
    assert ran.code == 1 and "E0907" in ran.err
    assert not segl_tables(warehouse)


def test_segl_toml_channels_not_a_list(cli: Cli, write_project: WriteProject) -> None:
    """The hint said `e.g. channels = 1`."""
    root = project(write_project, JOURNEY, **{"segl.toml": '[journeys]\nchannels = "line"\n'})
    result = cli("check", root)
    assert result.code == 1, result.output
    block = diagnostic_block(result.err, "proj/segl.toml:2:1: E0105 ")
    assert "must be a list, not a string" in block[0]
    assert '  hint: e.g. channels = ["line", "email"]' in block


@pytest.mark.parametrize(
    ("channels", "message", "hint"),
    [
        ('["all"]', "channel 'all' in [journeys] channels of segl.toml is reserved", "cap all"),
        ('["Line", "line"]', "channels 'Line' and 'line' in [journeys] channels", "one spelling"),
        ('["SMS"]', "channels 'sms' and 'SMS' in [journeys] channels", "one spelling"),
    ],
    ids=["reserved", "case", "case-of-a-builtin"],
)
def test_segl_toml_channels_reserved_or_differing_in_case(
    cli: Cli, write_project: WriteProject, channels: str, message: str, hint: str
) -> None:
    """`all` said "is not a name"; `Line` and `line` were two channels."""
    toml = f"[journeys]\nchannels = {channels}\n"
    root = project(write_project, JOURNEY, **{"segl.toml": toml})
    result = cli("check", root)
    assert result.code == 1, result.output
    block = diagnostic_block(result.err, "proj/segl.toml:2:1: E0105 ")
    assert message in block[0]
    assert hint in block[-1]


# ---------------------------------------------------------------- options


@pytest.mark.parametrize(
    "args",
    [
        ["run", MINI, "--as-of", ANCHOR, "--lock-timeout", "nan"],
        ["deliver", MINI, "--to", "file:out.jsonl", "--timeout", "nan"],
        ["deliver", MINI, "--to", "file:out.jsonl", "--backoff", "NaN"],
    ],
    ids=["lock-timeout", "timeout", "backoff"],
)
def test_seconds_that_are_not_a_number(cli: Cli, tmp_path: Path, args: list[str | Path]) -> None:
    """click's FloatRange lets "nan" through (every comparison with NaN is false):
    `deliver --timeout nan` then blamed the webhook URL, `--backoff nan` was taken."""
    result = cli(*args, "--db", f"duckdb:///{tmp_path / 'none.duckdb'}")
    assert result.code == 2, result.output
    assert re.search(
        r"Invalid value for '--[a-z-]+': '(nan|NaN)' is not a number of seconds", result.err
    ), result.err
    assert result.out == ""
    assert not (tmp_path / "out.jsonl").exists()


def test_ipv6_webhook_keeps_its_brackets_when_shown() -> None:
    """The label of a webhook at an IPv6 address dropped the brackets: http://::1:8080/."""
    from segl.runtime.delivery import parse_destination

    destination = parse_destination("webhook:http://user:secret@[::1]:8080/hook?token=t")
    assert destination.label == "webhook:http://user:***@[::1]:8080/hook?***"


# ---------------------------------------------------------------- segl demo


@pytest.mark.parametrize("users", ["-5", "99999999999"])
def test_demo_users_out_of_range(cli: Cli, tmp_path: Path, users: str) -> None:
    """Was an internal error (ValueError from the generator)."""
    path = tmp_path / "demo.duckdb"
    result = cli("demo", "--db", path, "--users", users)
    assert result.code == 2, result.output
    assert f"Invalid value for '--users': {users} is not in the range" in result.err
    assert not path.exists()


def test_demo_never_replaces_a_file_that_is_not_a_warehouse(cli: Cli, tmp_path: Path) -> None:
    """`segl demo --db notes.txt` deleted the text file and wrote a warehouse there."""
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n", "utf-8")
    result = cli("demo", "--db", notes, "--users", "10")
    assert result.code == 1, result.output
    assert re.search(r"^E0605 --db .*notes\.txt is not a DuckDB database", result.err, re.M)
    assert "hint: the file was left as it is" in result.err
    assert notes.read_text("utf-8") == "my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("where", ["folder", "missing-folder"])
def test_demo_db_that_cannot_be_a_file(cli: Cli, tmp_path: Path, where: str) -> None:
    """A folder was an internal error (IsADirectoryError), a missing folder too
    (EngineError from DuckDB)."""
    path = tmp_path / "adir" if where == "folder" else tmp_path / "nowhere" / "demo.duckdb"
    if where == "folder":
        path.mkdir()
    result = cli("demo", "--db", path, "--users", "10")
    assert result.code == 1, result.output
    assert re.search(r"^E0605 --db ", result.err, re.M), result.err
    assert "hint: choose another --db" in result.err
    assert result.out == ""
    assert not (tmp_path / "nowhere").exists()
    assert not (tmp_path / "adir_report.html").exists()


EMPTY_WINDOW = """journey never "An empty window" {
    enter on orders
    step hello between 10:00 and 10:00: send push "hello"
}
"""
QUIET_WINDOW = """policy {
    quiet 22:00 to 08:00
}

journey night "A window inside the quiet hours" {
    enter on orders
    step hello between 23:00 and 07:00: send push "hello"
}
"""


def test_an_empty_between_window_is_one_error(cli: Cli, write_project: WriteProject) -> None:
    """`between 10:00 and 10:00` was also said to lie inside quiet hours the project did
    not have: one E0704 now, at the window's start."""
    result = cli("check", project(write_project, EMPTY_WINDOW))
    assert result.code == 1, result.output
    block = located(result, EMPTY_WINDOW, "10:00", "E0704")
    assert "its window between 10:00 and 10:00 is empty" in block[0]
    assert result.err.count("E0704") == 1 and "quiet" not in result.err


def test_a_window_inside_the_quiet_hours_is_still_refused(
    cli: Cli, write_project: WriteProject
) -> None:
    result = cli("check", project(write_project, QUIET_WINDOW))
    assert result.code == 1, result.output
    step = 'step hello between 23:00 and 07:00: send push "hello"'
    block = located(result, QUIET_WINDOW, step, "E0704")
    assert "its window lies inside the quiet hours" in block[0]
    assert result.err.count("E0704") == 1


NEVER_TRUE = """journey nudge "A step never TRUE, a template with no name" {
    enter on orders
    step nameless: send sms ""
    step dead: send sms "x" if null
    step off: send sms "x" if false
}
"""


def test_a_condition_never_true_and_an_empty_template_are_refused(
    cli: Cli, write_project: WriteProject
) -> None:
    """`if null` made every decision `skipped`, `send sms ""` asked the channel for no
    template: both passed `segl check`."""
    result = cli("check", project(write_project, NEVER_TRUE))
    assert result.code == 1, result.output
    nameless = located(result, NEVER_TRUE, 'step nameless: send sms ""', "E0712")
    assert "step 'nameless' sends an empty template name" in nameless[0]
    dead = located(result, NEVER_TRUE, "null", "E0704")
    assert "its condition is always null, never TRUE" in dead[0]
    off = located(result, NEVER_TRUE, "false", "E0704")
    assert "its condition is always false, never TRUE" in off[0]


@pytest.mark.parametrize(
    "command",
    [
        ("run", "--db", "duckdb:///{long}.duckdb"),
        ("run", "--db", "sqlite:///{long}.db"),
        ("compile", "--out", "{long}"),
    ],
)
def test_a_path_the_system_refuses_is_a_diagnostic(
    cli: Cli, write_project: WriteProject, tmp_path: Path, command: tuple[str, ...]
) -> None:
    """A file name longer than the system allows was an internal error (exit 2)."""
    root = project(write_project, EMPTY_WINDOW.replace("10:00 and 10:00", "10:00 and 11:00"))
    long = str(tmp_path / ("a" * 300))
    result = cli(command[0], root, *(part.format(long=long) for part in command[1:]))
    assert result.code == 1, result.output
    assert "E0605 cannot use " in result.err and "File name too long" in result.err
    assert "internal error" not in result.err


def test_a_priority_naming_a_journey_in_another_case_suggests_it(
    cli: Cli, write_project: WriteProject
) -> None:
    rules = EMPTY_WINDOW.replace("journey never", "journey Never").replace(
        "10:00 and 10:00", "10:00 and 11:00"
    )
    result = cli("check", project(write_project, "policy {\n    priority never\n}\n\n" + rules))
    assert result.code == 1, result.output
    assert "E0706 priority names 'never', which is not a journey" in result.err
    assert "did you mean 'Never'?" in result.err


def test_a_priority_naming_no_close_journey_lists_the_journeys(
    cli: Cli, write_project: WriteProject
) -> None:
    """With no name close to it, the E0706 of an unknown journey had no hint at all."""
    rules = "policy {\n    priority zzz\n}\n\n" + JOURNEY
    result = cli("check", project(write_project, rules))
    assert result.code == 1, result.output
    assert "E0706 priority names 'zzz', which is not a journey" in result.err
    assert "hint: the journeys are: welcome" in result.err


@pytest.mark.parametrize("command", [["check"], ["run", "--as-of", "2026-11-01"]])
def test_a_file_argument_that_is_not_a_rule_file_is_refused(
    cli: Cli, tmp_path: Path, command: list[str]
) -> None:
    """`segl run make_data.py` parsed the Python file as rules (SPEC §2: rule files end in
    .segl), and suggested 'report' for its `import`."""
    script = tmp_path / "make_data.py"
    script.write_text("import duckdb\n", "utf-8")
    result = cli(command[0], script, *command[1:])
    assert result.code == 1, result.output
    assert f"E0104 {script} is not a rule file" in result.err
    assert "rule files end in .segl" in result.err and "did you mean" not in result.err


def test_a_window_of_the_whole_day_is_allowed(cli: Cli, write_project: WriteProject) -> None:
    """`between 00:00 and 24:00` is the whole day (E0206 itself says HH:MM runs to 24:00),
    not an empty window."""
    whole_day = EMPTY_WINDOW.replace("10:00 and 10:00", "00:00 and 24:00")
    result = cli("check", project(write_project, whole_day))
    assert result.code == 0, result.output


@pytest.mark.parametrize(
    ("quiet", "message"),
    [
        ("00:00 to 24:00", "quiet hours over the whole day leave no time to send"),
        ("22:00 to 22:00", "quiet hours that start and end at the same time are no period"),
    ],
)
def test_quiet_hours_of_no_or_every_time_say_which(
    cli: Cli, write_project: WriteProject, quiet: str, message: str
) -> None:
    result = cli("check", project(write_project, QUIET_WINDOW.replace("22:00 to 08:00", quiet)))
    assert result.code == 1, result.output
    assert f"E0705 {message}" in result.err


def test_a_cap_over_months_is_one_error(cli: Cli, write_project: WriteProject) -> None:
    """Months have no fixed length (E0709); the span was also called not longer than 0."""
    capped = QUIET_WINDOW.replace("quiet 22:00 to 08:00", "cap push 1 per 1 month")
    result = cli("check", project(write_project, capped))
    assert result.code == 1, result.output
    assert "E0709" in result.err and "E0705" not in result.err, result.err


PER_USER_TRIGGER = """journey j "A per-user value in an event filter" {
    enter on orders where amount > 10 and purchases >= 1
    exit on events where users.city == "Beijing"
    step hello: send push "hello"
}
"""


def test_a_trigger_filter_reading_a_per_user_value_is_refused_by_check(
    cli: Cli, write_project: WriteProject
) -> None:
    """An `enter on` / `exit on` filter is evaluated on each event row: a tag or profile
    column in it passed `segl check` and then failed every run ("cannot compile TagRef");
    now E0703 at the filter, with the way to say it."""
    result = cli("check", project(write_project, PER_USER_TRIGGER))
    assert result.code == 1, result.output
    entry = located(result, PER_USER_TRIGGER, "amount > 10 and purchases >= 1", "E0703")
    assert "per-user value" in entry[0] and "`enter when`" in "\n".join(entry)
    located(result, PER_USER_TRIGGER, 'users.city == "Beijing"', "E0703")
    assert result.err.count("E0703") == 2


LOOSE_STEP = """funnel f "Visit to order" within 7 days {
    step visited: events where name == "visit"
    step paid: orders within 1 week
}
"""


def test_a_step_window_that_never_limits_is_a_warning(
    cli: Cli, write_project: WriteProject
) -> None:
    """A step's `within` at least the funnel's was accepted silently (W0801 now): the
    check still passes, the funnel runs with the funnel's window."""
    result = cli("check", project(write_project, LOOSE_STEP))
    assert result.code == 0, result.output
    block = located(result, LOOSE_STEP, "1 week", "W0801 warning:")
    assert "waits up to 1 week, but the funnel's window of 7 days" in block[0]
    tighter = cli("check", project(write_project, LOOSE_STEP.replace("1 week", "6 days")))
    assert tighter.code == 0 and "W0801" not in tighter.err


def test_a_bad_step_window_is_reported_once(cli: Cli, write_project: WriteProject) -> None:
    """A month-long step window (no fixed length) under a funnel window: one E0807 (the
    W0801 check read the step's window a second time and reported it again)."""
    rules = LOOSE_STEP.replace("1 week", "1 month")
    result = cli("check", project(write_project, rules))
    assert result.code == 1, result.output
    located(result, rules, "1 month", "E0807")
    assert result.err.count("E0807") == 1 and "W0801" not in result.err


def test_a_project_path_that_is_a_link_to_nothing_says_so(cli: Cli, tmp_path: Path) -> None:
    """A loop of links read `no such project folder or file` (a dangling one said it)."""
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    (tmp_path / "c").symlink_to(tmp_path / "nowhere")
    looped = cli("check", tmp_path / "a")
    assert looped.code == 1 and f"E0104 {tmp_path / 'a'} is a loop of links" in looped.err
    broken = cli("check", tmp_path / "c")
    assert broken.code == 1 and f"E0104 {tmp_path / 'c'} is a broken link" in broken.err


def test_an_empty_output_prefix_is_refused(cli: Cli, tmp_path: Path) -> None:
    """`prefix = ""` silently became `segl_`: the tables were not named as it said."""
    (tmp_path / "segl.toml").write_text('[project]\nname = "p"\n[output]\nprefix = ""\n')
    (tmp_path / "r.segl").write_text('source users from table "users" key user_id {\n}\n')
    result = cli("check", tmp_path)
    assert result.code == 1 and "E0105 output prefix is empty" in result.err
    assert 'hint: remove the line, or name a prefix: prefix = "crm_"' in result.err
    (tmp_path / "segl.toml").write_text('[project]\nname = "p"\n[output]\nprefix = "x; drop"\n')
    result = cli("check", tmp_path)
    assert result.code == 1 and "E0105 output prefix may only hold letters" in result.err
    assert "hint: it starts the name of every table segl writes" in result.err


def test_a_relative_database_through_a_linked_project_folder(cli: Cli, tmp_path: Path) -> None:
    """`url = "duckdb:///../db.duckdb"` in a project reached through a link (a deploy's
    `current -> releases/X`): the system found `real/db.duckdb`, DuckDB read the `..` by
    the text and opened (and made, empty) `links/db.duckdb` beside the link."""
    real, links = tmp_path / "real", tmp_path / "links"
    (real / "proj").mkdir(parents=True)
    links.mkdir()
    (real / "proj" / "segl.toml").write_text(
        '[project]\nname = "p"\n[database]\nurl = "duckdb:///../db.duckdb"\n', "utf-8"
    )
    (real / "proj" / "r.segl").write_text(
        'source users from table "users" key user_id {\n}\nsegment everyone = true\n', "utf-8"
    )
    con = duckdb.connect(str(real / "db.duckdb"))
    con.execute("CREATE TABLE users AS SELECT * FROM range(3) t(user_id)")
    con.close()
    (links / "proj").symlink_to(real / "proj")
    ran = cli("run", links / "proj", "--as-of", "2026-11-01")
    assert ran.code == 0, ran.output
    assert sorted(p.name for p in links.iterdir()) == ["proj"]  # nothing made beside it
    shown = cli("show", "segment", "everyone", "-p", links / "proj")
    assert shown.code == 0 and "3 of 3 users" in shown.out, shown.output


def test_duckdb_draws_no_progress_bar_into_the_output(tmp_path: Path) -> None:
    """DuckDB draws a progress bar on stdout for a query of more than 2 s, into a file
    too: it broke the first line of `segl simulate --format jsonl > x` on a large
    warehouse. segl's connections, to a file and to scratch, have it off."""
    from segl.runtime.engines import DuckDBEngine

    setting = "SELECT current_setting('enable_progress_bar')"
    for engine in (DuckDBEngine(str(tmp_path / "w.duckdb")), DuckDBEngine.scratch()):
        try:
            assert engine.query(setting) == [(False,)]
        finally:
            engine.close()


def test_output_into_a_file_is_utf8_whatever_the_locale(tmp_path: Path) -> None:
    """Under a GBK locale (PYTHONIOENCODING=gbk stands for one) an export to a pipe came
    out in GBK, and a value with an emoji failed with an internal error (exit 2)."""
    (tmp_path / "segl.toml").write_text('[project]\nname = "p"\n', "utf-8")
    (tmp_path / "r.segl").write_text(
        'source users from table "users" key user_id {\n  city: string\n}\n'
        "tag city = users.city\nsegment everyone = true\n",
        "utf-8",
    )
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE users AS SELECT 1 AS user_id, '北京😀' AS city")
    con.close()
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    segl = [sys.executable, "-m", "segl.runtime.cli"]
    env = {**os.environ, "PYTHONIOENCODING": "gbk"}
    ran = subprocess.run([*segl, "run", str(tmp_path), "--db", url, "--as-of", "2026-11-01"],
                         capture_output=True, env=env, check=False)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    exported = subprocess.run(
        [*segl, "export", "segment", "everyone", "-p", str(tmp_path), "--db", url, "--with",
         "city", "--format", "jsonl"],
        capture_output=True, env=env, check=False,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout.decode("utf-8")) == {"user": 1, "city": "北京😀"}


def test_a_commit_the_database_refuses_is_an_engine_error() -> None:
    """DuckDB in a read-only folder fails at COMMIT (its write-ahead log cannot be made):
    the error escaped as `segl: internal error: TransactionException` (exit 2), where any
    statement's error is E0605 with 'nothing was written'."""
    from segl.runtime.engines import EngineError, run_in_transaction

    class Refused(Exception):
        pass

    done: list[str] = []

    def execute(sql: str) -> None:
        done.append(sql)
        if sql == "COMMIT":
            raise Refused('Cannot open file "w.duckdb.wal": Permission denied')

    with pytest.raises(EngineError, match="Permission denied"):
        run_in_transaction(execute, ["SELECT 1"], Refused)
    assert done == ["BEGIN", "SELECT 1", "COMMIT", "ROLLBACK"]


def test_a_subfolder_of_a_project_names_the_project(tmp_path: Path) -> None:
    """`segl check` in a subfolder of rule files hinted to make it a project of its own
    (a bogus nested one), in an empty one only that it has no rule files."""
    from segl.runtime.project import no_rule_files, not_a_project

    (tmp_path / "segl.toml").write_text('[project]\nname = "p"\n', "utf-8")
    rules, empty = tmp_path / "rules", tmp_path / "empty"
    rules.mkdir()
    empty.mkdir()
    (rules / "tags.segl").write_text("tag one = 1\n", "utf-8")
    inside = f"it is inside the project {tmp_path}: run segl on that folder"
    assert not_a_project(rules).hints[0] == inside
    assert no_rule_files(empty).hints[0] == inside
    assert "inside the project" not in " ".join(no_rule_files(tmp_path).hints)


def test_hidden_files_and_folders_are_not_rules(cli: Cli, tmp_path: Path) -> None:
    """An Emacs lock (`.#rules.segl`, a link to nothing) stopped every command while the
    file was open; a notebook's checkpoint, `.git` and a Mac zip's `__MACOSX` copies were
    read as rules (dozens of E0306 duplicates)."""
    (tmp_path / "segl.toml").write_text('[project]\nname = "p"\n', "utf-8")
    rules = 'source users from table "users" key user_id {\n}\nsegment everyone = true\n'
    (tmp_path / "rules.segl").write_text(rules, "utf-8")
    (tmp_path / ".#rules.segl").symlink_to("user@host.1234:1700000000")
    for copy in (".ipynb_checkpoints/rules-checkpoint.segl", ".git/x.segl", "__MACOSX/._r.segl"):
        (tmp_path / copy).parent.mkdir(exist_ok=True)
        (tmp_path / copy).write_text(rules, "utf-8")
    (tmp_path / "._rules.segl").write_text("\x00\x05junk", "utf-8")
    result = cli("check", tmp_path)
    assert result.code == 0, result.output
    assert "1 file, 1 source" in result.out


def test_every_command_takes_the_project_as_p(cli: Cli, tmp_path: Path) -> None:
    """`segl run -p retail` said "No such option '-p'" while show, report, alerts and
    deliver took it; two different projects are a usage error, one twice is fine."""
    for command in ("check", "catalog"):
        result = cli(command, "-p", str(RETAIL))
        assert result.code == 0, result.output
    twice = cli("check", str(RETAIL), "-p", f"{RETAIL}/")
    assert twice.code == 0, twice.output
    other = cli("check", str(RETAIL), "-p", str(RETAIL.parent / "nev"))
    assert other.code == 2 and "two projects given" in other.err
    compiled = cli("compile", "-p", str(RETAIL), "--dialect", "postgres", "--out", tmp_path)
    assert compiled.code == 0, compiled.output


def test_a_utf16_file_is_named_as_such(cli: Cli, tmp_path: Path) -> None:
    """Notepad's "Unicode" is UTF-16: the hint said only to save as UTF-8."""
    (tmp_path / "segl.toml").write_bytes('[project]\nname = "p"\n'.encode("utf-16"))
    (tmp_path / "r.segl").write_text("tag a = 1\n", "utf-8")
    result = cli("check", tmp_path)
    assert result.code == 1 and "E0105 segl.toml is not valid UTF-8" in result.err
    assert "it is saved as UTF-16" in result.err


def test_universe_rows_without_a_key_are_said_to_be_no_user(cli: Cli, tmp_path: Path) -> None:
    """Rows of the universe whose key is null (NaN; with an identity, a number that is no
    ID) were left out of every run without a word: W0604 counts them."""
    (tmp_path / "segl.toml").write_text('[project]\nname = "p"\n', "utf-8")
    (tmp_path / "r.segl").write_text(
        'source users from table "users" key user_id {\n}\nsegment everyone = true\n', "utf-8"
    )
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE users AS SELECT * FROM (VALUES (1), (2), (NULL), (NULL)) t(user_id)")
    con.close()
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    ran = cli("run", tmp_path, "--db", url, "--as-of", ANCHOR)
    assert ran.code == 0, ran.output
    assert "2 users" in ran.out
    assert "W0604 warning: universe 'users' (table users): 2 rows have no user_id" in ran.err
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("DELETE FROM users WHERE user_id IS NULL")
    con.close()
    again = cli("run", tmp_path, "--db", url, "--as-of", ANCHOR)
    assert again.code == 0 and "W0604" not in again.err


PROFILE_TRIGGERS = """journey j {
    enter on users
    exit on users
    step s: send push "x"
}
"""


def test_a_profile_source_as_a_trigger_points_to_the_clause_that_takes_a_condition(
    cli: Cli, write_project: WriteProject
) -> None:
    """A profile source after `exit on` was told to use `enter when`: the exit's own
    clause is `exit when`."""
    result = cli("check", project(write_project, PROFILE_TRIGGERS))
    assert result.code == 1, result.output
    enter = located(result, PROFILE_TRIGGERS, "users", "E0702")
    leave = located(result, PROFILE_TRIGGERS, "users", "E0702", after="exit on")
    assert "or `enter when` a condition" in "\n".join(enter)
    assert "or `exit when` a condition" in "\n".join(leave)

"""Point in time and identity, as the language and the runs see them (SPEC §2.5, §3.1): the
source options `as KIND`, `created`, `zone`, `valid from .. to ..`, the `identity`
declaration, per-user values inside aggregates, and the run's checks and warnings. The
values themselves are in tests/spec/point_in_time.md (every engine) and the generated
histories of the differential tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from conftest import Result, db_url

from segl.compiler import ir
from segl.compiler.checker import ProjectConfig, check_programs
from segl.compiler.plan import build_plan, describe
from segl.compiler.timeutil import now_in
from segl.dsl.diagnostics import Diagnostic
from segl.dsl.formatter import format_program
from segl.dsl.parser import parse_program

Cli = Callable[..., Result]

WITH_OPTIONS = """\
source users from table "users" key member_no as member created registered_at zone tz {
    registered_at: timestamp
    tz: string
}

source membership from table "membership" key member_no as member valid from since to until {
    level: string
}

source app from table "app_events" user device_id as device time ts {
    openid: string
}

identity person "One person across IDs" {
    kinds member, openid, device
    link app: device_id as device, openid as openid
    shared above 50
    at most 500 ids per person
}
"""


def check(text: str, universe: str | None = "users") -> tuple[ir.Project | None, list[Diagnostic]]:
    config = ProjectConfig(name="p", universe=universe)
    return check_programs([parse_program(text, "rules.segl")], config)


def errors(text: str) -> list[str]:
    return [f"{d.code} {d.message}" for d in check(text)[1] if d.is_error]


def test_source_options_and_identity_round_trip() -> None:
    program = parse_program(WITH_OPTIONS + "tag n = count(app)\n", "rules.segl")
    assert format_program(program) == WITH_OPTIONS + "\ntag n = count(app)\n"
    users, membership, app = program.statements[:3]
    assert (users.id_kind, users.created, users.zone) == ("member", "registered_at", "tz")
    assert (membership.valid_from, membership.valid_to) == ("since", "until")
    assert app.id_kind == "device"


def test_the_checker_builds_sources_and_the_identity() -> None:
    project, diagnostics = check(WITH_OPTIONS + "tag n = count(app)\n")
    assert project is not None, diagnostics
    users = project.source("users")
    assert (users.created, users.zone, users.id_kind) == ("registered_at", "tz", "member")
    assert project.source("membership").is_history
    # the columns the options name are typed (valid from/to taken as timestamps)
    assert project.source("membership").column_type("since") is not None
    assert project.identity == ir.Identity(
        "person",
        ("member", "openid", "device"),
        (ir.IdentityLink("app", "device_id", "device", "openid", "openid"),),
        50,
        500,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'source users from table "u" key id created at {\n    at: string\n}\n',
            "E0401 created column 'at' must be a date or timestamp, not string",
        ),
        (
            'source users from table "u" key id zone tz {\n    tz: number\n}\n',
            "E0401 zone column 'tz' must be a string, not number",
        ),
        (
            'source users from table "u" key id valid from a to b {\n    b: bool\n}\n',
            "E0401 valid to column 'b' must be a date or timestamp, not bool",
        ),
        (
            'source users from table "u" key id as member {\n}\n',
            "E0312 ID kind 'member' of source 'users' is declared by no identity",
        ),
    ],
)
def test_bad_source_options(text: str, message: str) -> None:
    assert errors(text) == [message]


def test_a_repeated_source_option_is_a_syntax_error() -> None:
    from segl.dsl.diagnostics import DiagnosticError

    with pytest.raises(DiagnosticError) as raised:
        parse_program('source users from table "u" key id zone a zone b {\n}\n', "r.segl")
    assert [d.code for d in raised.value.diagnostics] == ["E0208"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("key member_no as member", "key member_no"), "E0311 source 'users' does not say"),
        (("as device time", "as devise time"), "E0312 unknown ID kind 'devise'"),
        (("openid as openid\n", "openid as open_id\n"), "E0312 unknown ID kind 'open_id'"),
        (("link app: device_id", "link apps: device_id"), "E0302 unknown source 'apps'"),
        (("link app: device_id", "link app: device"), "E0303 source 'app' has no column"),
        (("shared above 50", "shared above 0"), "E0314 'shared above 0' would leave"),
        (("at most 500 ids", "at most 1 ids"), "E0314 'at most 1 ids per person'"),
    ],
)
def test_bad_identities(change: tuple[str, str], message: str) -> None:
    text = WITH_OPTIONS.replace(*change) + "tag n = count(app)\n"
    found = errors(text)
    assert any(m.startswith(message) for m in found), found
    # a link with an error is reported as such, not also as a missing link
    assert not any("has no links" in m for m in found), found


def test_identity_clauses_are_pointed_at_not_the_header() -> None:
    """`shared above 0`, `at most 1`, a kind listed twice and a kind nothing holds were
    all underlined on `identity person ... {`: each now points at its own clause."""
    text = (
        WITH_OPTIONS.replace("shared above 50", "shared above 0")
        .replace("at most 500", "at most 1")
        .replace("kinds member, openid, device", "kinds member, openid, device, phone, openid")
    )
    lines = text.splitlines()
    found = {(d.code, d.message.split("'")[1]): d.span for d in check(text)[1]}
    at = {
        key: (span.line, lines[span.line - 1][span.column - 1 : span.end_column - 1])
        for key, span in found.items()
        if span is not None
    }
    assert at[("E0314", "shared above 0")] == (17, "shared above 0")
    assert at[("E0314", "at most 1 ids per person")] == (18, "at most 1 ids per person")
    assert at[("E0310", "openid")] == (15, "openid") and found[("E0310", "openid")].column > 30
    assert at[("W0006", "phone")] == (15, "phone")


def test_an_identity_without_kinds_is_one_error_not_one_per_kind_used() -> None:
    """`identity p { }`: E0314 says it lists no kinds; the sources' and links' kinds are
    not each also an unknown kind with an empty list of the identity's kinds."""
    text = (
        'source users from table "users" key member_no as member {\n}\n'
        'source app from table "app" user device_id as device time t {\n    m: string\n}\n'
        "identity p {\n    link app: m as member, device_id as device\n}\n"
    )
    found = errors(text)
    assert [m.split(" ")[0] for m in found] == ["E0314"], found
    assert "lists no ID kinds" in found[0]


def test_a_source_without_a_kind_gets_the_likely_kind_in_its_hint() -> None:
    """E0311's hint: the kind a column of that name holds elsewhere, else the kind the
    column's name contains, else the most preferred."""
    text = (
        'source users from table "users" key member_no as member {\n}\n'
        'source orders from table "orders" user member_no time t {\n}\n'
        'source app from table "app" user device_id time t {\n    member_no: string\n}\n'
        'source wx from table "wx" user open_id time t {\n}\n'
        'source pos from table "pos" user till time t {\n}\n'
        "identity person {\n    kinds member, device, openid\n"
        "    link app: member_no as member, device_id as device\n}\n"
    )
    _, diagnostics = check(text)
    hints = {d.message.split("'")[1]: d.hints[0] for d in diagnostics if d.code == "E0311"}
    assert hints == {
        "orders": "e.g. user member_no as member",
        "app": "e.g. user device_id as device",
        "wx": "e.g. user open_id as openid",
        "pos": "e.g. user till as member",
    }


@pytest.mark.parametrize(
    ("func", "hint"),
    [
        ("count", "count the rows where it holds"),
        # exists() of a condition: true for every user with a brand on some order
        ("exists", "ask for a row where it holds"),
    ],
)
def test_count_of_a_condition_warns_that_it_counts_false_rows_too(func: str, hint: str) -> None:
    """`count(orders.brand == "x")` is SQL's COUNT of a value: rows where the comparison
    is true or false. W0007 shows the filter it likely means (which checks clean)."""
    sources = (
        'source users from table "users" key user_id {\n    city: string\n}\n'
        'source orders from table "orders" user user_id time t {\n    brand: string\n}\n'
    )
    _, diagnostics = check(sources + f'tag n = {func}(orders.brand == "x")\n')
    [warning] = diagnostics
    assert warning.code == "W0007"
    assert warning.hints == (f'{hint}: {func}(orders where orders.brand == "x")',)
    _, clean = check(sources + f'tag n = {func}(orders where orders.brand == "x")\n')
    assert clean == []


def test_a_zone_off_the_universe_warns_that_it_is_ignored() -> None:
    text = (
        'source users from table "users" key user_id zone tz {\n    tz: string\n}\n'
        'source prefs from table "prefs" key user_id zone ptz {\n    ptz: string\n}\n'
    )
    project, diagnostics = check(text)
    assert project is not None
    assert [(d.code, d.message) for d in diagnostics] == [
        (
            "W0703",
            "source 'prefs' names a zone column, but only the universe's ('users') is read: "
            "its zone 'ptz' is ignored",
        )
    ]


def test_one_identity_per_project_and_unused_kinds_warn() -> None:
    twice = WITH_OPTIONS + "identity other {\n    kinds member\n}\n"
    assert "E0313 a project has one identity; this is a second one" in errors(twice)
    unused = WITH_OPTIONS.replace(
        "kinds member, openid, device", "kinds member, openid, device, phone"
    )
    _, diagnostics = check(unused)
    assert [d.code for d in diagnostics] == ["W0006"]


# ---------------------------------------------------------------- per-user values


def test_aggregates_using_definitions_run_after_them() -> None:
    text = (
        'source users from table "users" key user_id {\n    registered_at: timestamp\n}\n'
        'source events from table "events" user user_id time ts {\n    name: string\n}\n'
        "tag first_week = count(events where days_between(users.registered_at, ts) < 7)\n"
        "tag early = first_week >= 2\n"
        'tag when_early = count(events where early and name == "visit")\n'
        "segment keen = when_early > 3\n"
    )
    project, diagnostics = check(text)
    assert project is not None, diagnostics
    plan = build_plan(project, dt.datetime(2026, 11, 1))
    assert [(p.stage, p.per_user) for p in plan.passes] == [(0, True), (2, True)]
    assert {c.definition.name: c.level for c in plan.columns} == {
        "first_week": 1,
        "early": 2,
        "when_early": 3,
        "keen": 4,
    }
    text_plan = describe(plan)
    assert "pass over events (after level 2): " in text_plan
    assert "joined with per-user values" in text_plan


def test_a_tag_used_inside_an_aggregate_and_named_like_a_column_is_the_column() -> None:
    """Inside an aggregate a name is the source's column first: no dependency, no cycle."""
    text = (
        'source users from table "users" key user_id {\n}\n'
        'source events from table "events" user user_id time ts {\n    name: string\n}\n'
        'tag name = count(events where name == "visit")\n'
    )
    project, diagnostics = check(text)
    assert project is not None, diagnostics


# ---------------------------------------------------------------- the run's checks


HISTORY_PROJECT = """\
source users from table "users" key user_id {
}

source membership from table "membership" key user_id valid from since to until {
    level: string
}

tag level = membership.level
"""


def history_warehouse(path: Path, overlapping: bool) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE users AS SELECT * FROM (VALUES (1), (2)) t(user_id)")
    second = "TIMESTAMP '2026-09-01'" if overlapping else "TIMESTAMP '2026-10-01'"
    con.execute(
        "CREATE TABLE membership AS SELECT * FROM (VALUES "
        "(1, 'bronze', TIMESTAMP '2026-01-01', TIMESTAMP '2026-10-01'), "
        f"(1, 'gold', {second}, NULL::TIMESTAMP), "
        "(2, 'silver', NULL::TIMESTAMP, NULL::TIMESTAMP)) t(user_id, level, since, until)"
    )
    con.close()
    return path


def test_overlapping_versions_are_refused_naming_keys(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    toml = '[project]\nname = "h"\nuniverse = "users"\n'
    root = write_project({"rules.segl": HISTORY_PROJECT, "segl.toml": toml})
    bad = history_warehouse(tmp_path / "bad.duckdb", overlapping=True)
    result = cli("run", root, "--db", db_url(bad), "--as-of", "2026-09-15")
    assert result.code == 1
    assert (
        "E0610 history 'membership' (table membership) has overlapping versions valid at "
        "2026-09-15 00:00:00 for one user_id: 1 (2 rows)"
    ) in result.err
    # the same history is fine at an as-of where one version holds
    assert cli("run", root, "--db", db_url(bad), "--as-of", "2026-10-15").code == 0
    good = history_warehouse(tmp_path / "good.duckdb", overlapping=False)
    assert cli("run", root, "--db", db_url(good), "--as-of", "2026-09-15").code == 0


def test_versions_that_end_before_they_begin_are_warned_about(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """A version with its two times swapped holds at no as-of: the user's level was null
    there without a word. The run warns (W0605) and goes on."""
    toml = '[project]\nname = "h"\nuniverse = "users"\n'
    root = write_project({"rules.segl": HISTORY_PROJECT, "segl.toml": toml})
    warehouse = history_warehouse(tmp_path / "w.duckdb", overlapping=False)
    con = duckdb.connect(str(warehouse))
    con.execute(
        "INSERT INTO membership VALUES (7, 'gold', TIMESTAMP '2026-06-01', TIMESTAMP '2026-05-01'),"
        " (9, 'gold', TIMESTAMP '2026-06-01', TIMESTAMP '2026-05-01')"
    )
    con.close()
    result = cli("run", root, "--db", db_url(warehouse), "--as-of", "2026-10-15")
    assert result.code == 0, result.output
    assert (
        "W0605 warning: history 'membership' (table membership): 2 versions end before they "
        "begin, so they hold at no as-of (until < since); user_id 7 ... 9"
    ) in result.err
    fine = history_warehouse(tmp_path / "fine.duckdb", overlapping=False)
    assert "W0605" not in cli("run", root, "--db", db_url(fine), "--as-of", "2026-10-15").err


def test_a_past_run_says_which_profiles_have_no_history(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    root, warehouse = _said_of_the_past(cli, write_project, tmp_path, "run", "a run")
    # hours ago is the past too (it was a day: yesterday's run was silent); a scheduled
    # run a few minutes after its as-of is not
    clock = now_in("UTC")
    for back, warned in ((dt.timedelta(hours=3), True), (dt.timedelta(minutes=5), False)):
        as_of = f"{clock - back:%Y-%m-%d %H:%M:%S}"
        ran = cli("run", root, "--db", db_url(warehouse), "--as-of", as_of)
        assert ran.code == 0 and ("W0601" in ran.err) is warned, (back, ran.err)


def test_a_past_report_says_which_profiles_have_no_history(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """A report for a past as-of reads the same profiles as a run there (SPEC §2.5: "a run
    for a past as-of over such a source says so"): the same warnings, about the report."""
    _said_of_the_past(cli, write_project, tmp_path, "report", "a report")


def _said_of_the_past(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path, command: str, reader: str
) -> tuple[Path, Path]:
    """`command` as of 2026-10-15 warns of the profile without history and of the universe
    without `created`, the same now does not; (the project, the warehouse)."""
    toml = '[project]\nname = "h"\nuniverse = "users"\n'
    rules = HISTORY_PROJECT + "report people over users { n = count() }\n"
    root = write_project({"rules.segl": rules, "segl.toml": toml})
    warehouse = history_warehouse(tmp_path / "w.duckdb", overlapping=False)
    past = cli(command, root, "--db", db_url(warehouse), "--as-of", "2026-10-15")
    assert past.code == 0, past.output
    profile = f"W0601 warning: profile 'users' has no history: {reader} as of 2026-10-15"
    assert profile in past.err
    universe = f"W0601 warning: universe 'users' has no `created` column: {reader} as of"
    assert universe in past.err
    assert "membership" not in past.err  # a history is read as it was
    now = cli(command, root, "--db", db_url(warehouse))
    assert now.code == 0 and "W0601" not in now.err
    return root, warehouse


def test_a_history_universe_is_not_said_to_lack_a_created_column(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """A universe kept as a history counts the users with a version valid at the as-of
    (SPEC §2.5): no W0601 "counts users created later" for it, which was false."""
    toml = '[project]\nname = "h"\nuniverse = "membership"\n'
    root = write_project({"rules.segl": HISTORY_PROJECT, "segl.toml": toml})
    warehouse = history_warehouse(tmp_path / "w.duckdb", overlapping=False)
    past = cli("run", root, "--db", db_url(warehouse), "--as-of", "2026-10-15")
    assert past.code == 0, past.output
    assert "`created`" not in past.err
    assert "W0601 warning: profile 'users' has no history" in past.err


@pytest.mark.parametrize(
    ("columns", "hinted"),
    [
        ("birthday: date\n    registered_at: timestamp", "registered_at"),
        ("birthday: date\n    joined_on: date", "joined_on"),
        ("birthday: date\n    last_login: timestamp", "COLUMN"),
    ],
)
def test_the_created_hint_names_a_column_that_says_so(columns: str, hinted: str) -> None:
    """W0601's hint for a universe without `created` proposes a column whose name says
    when the row was created, never the first date it finds (a birthday)."""
    from segl.runtime.run import _time_column_of

    rules = f'source users from table "users" key user_id {{\n    {columns}\n}}\n'
    config = ProjectConfig(name="h", timezone="UTC", universe="users")
    project, diagnostics = check_programs([parse_program(rules, "r.segl")], config)
    assert project is not None, diagnostics
    assert _time_column_of(project.source("users")) == hinted

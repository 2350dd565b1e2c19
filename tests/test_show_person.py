"""`segl run` with an identity and `segl show person ID` (SPEC §2.5): the summary line, a
person's IDs and the rows that link them, a past as-of seeing fewer links, shared IDs,
and the diagnostics for an unknown ID or a project without identity."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from conftest import Result, db_url

Cli = Callable[..., Result]

RULES = """\
source users from table "users" key member_no as member created registered_at {
    member_no: string
    registered_at: timestamp
}
source bindings from table "bindings" user member_no as member time bound_at {
    openid: string
}
source app from table "app_events" user device_id as device time ts {
    openid: string
}
identity person "one customer" {
    kinds member, openid, device
    link bindings: member_no as member, openid as openid
    link app: device_id as device, openid as openid
    shared above 3
}
tag app_events = count(app)
"""

TABLES = [
    "CREATE TABLE users (member_no VARCHAR, registered_at TIMESTAMP)",
    "INSERT INTO users VALUES ('m1', '2026-01-01'), ('m2', '2026-02-01'), ('m3', '2026-12-01')",
    "CREATE TABLE bindings (member_no VARCHAR, openid VARCHAR, bound_at TIMESTAMP)",
    "INSERT INTO bindings VALUES ('m1', 'o1', '2026-03-01'), ('m2', 'o2', '2026-03-01'),"
    " ('m2', 'o3', '2026-11-15')",
    "CREATE TABLE app_events (device_id VARCHAR, openid VARCHAR, ts TIMESTAMP)",
    # d1 ties to o1 (m1); d2 to o3 from 11-16 on; shop is a tablet of many openids
    "INSERT INTO app_events VALUES ('d1', 'o1', '2026-04-01'), ('d1', NULL, '2026-04-02'),"
    " ('d2', 'o3', '2026-11-16'), ('d9', NULL, '2026-05-01'),"
    " ('shop', 'o1', '2026-06-01'), ('shop', 'o2', '2026-06-01'),"
    " ('shop', 'o3', '2026-11-17'), ('shop', 'o4', '2026-06-01'), ('shop', 'o5', '2026-06-01')",
]


@pytest.fixture
def identity_project(write_project: Callable[..., Path], tmp_path: Path) -> tuple[Path, str]:
    root = write_project(
        {"rules.segl": RULES, "segl.toml": '[project]\nname = "shop"\ntimezone = "UTC"\n'}
    )
    path = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(path))
    for statement in TABLES:
        con.execute(statement)
    con.close()
    return root, db_url(path)


def test_a_run_resolves_persons_and_show_person_explains_them(
    cli: Cli, identity_project: tuple[Path, str]
) -> None:
    root, url = identity_project
    ran = cli("run", root, "--db", url, "--as-of", "2026-11-20")
    assert ran.code == 0, ran.output
    # 11 IDs: m1 m2 (m3 is created later), o1-o5, d1 d2 d9, shop (5 links > 3, left out);
    # persons {m1 o1 d1} {m2 o2 o3 d2} {o4} {o5} {d9} {shop}
    assert (
        "identity: 11 IDs in 10 links make 6 persons (" in ran.out
        and "1 shared ID left out" in ran.out
    ), ran.out
    shown = cli("show", "person", "o3", "-p", root, "--db", url)
    assert shown.code == 0, shown.output
    lines = shown.out.splitlines()
    assert lines[0] == "person m2 (the person of openid o3) as of 2026-11-20 00:00:00: 4 IDs"
    ids = [line.split() for line in lines[4:8]]
    assert ids == [["member", "m2"], ["openid", "o2"], ["openid", "o3"], ["device", "d2"]]
    assert "bindings  member m2 - openid o3  2026-11-15 00:00:00     1" in shown.out
    assert "app       device d2 - openid o3  2026-11-16 00:00:00     1" in shown.out
    # the shared tablet links nobody: it is not among the reasons
    assert "shop" not in shown.out


def test_a_past_as_of_sees_only_the_links_made_before_it(
    cli: Cli, identity_project: tuple[Path, str]
) -> None:
    root, url = identity_project
    assert cli("run", root, "--db", url, "--as-of", "2026-11-01").code == 0
    shown = cli("show", "person", "m2", "-p", root, "--db", url, "--as-of", "2026-11-01")
    assert shown.code == 0, shown.output
    assert shown.out.splitlines()[0].endswith(": 2 IDs"), shown.out
    assert "openid o3" not in shown.out  # bound on 11-15
    # o3 is not in the graph at all then
    missing = cli("show", "person", "openid:o3", "-p", root, "--db", url, "--as-of", "2026-11-01")
    assert missing.code == 1
    assert "E0614 no ID 'openid:o3' among the persons of the run as of 2026-11-01" in missing.err


def test_an_id_of_no_member_is_a_person_of_its_own_keyed_by_kind(
    cli: Cli, identity_project: tuple[Path, str]
) -> None:
    root, url = identity_project
    assert cli("run", root, "--db", url, "--as-of", "2026-11-20").code == 0
    shown = cli("show", "person", "device:d9", "-p", root, "--db", url)
    assert shown.code == 0, shown.output
    assert shown.out.splitlines()[0].startswith("person device:d9 (the person of device d9)")
    assert "linked to no other ID" in shown.out


def test_kind_and_text_is_also_read_as_a_whole_text(
    cli: Cli, identity_project: tuple[Path, str]
) -> None:
    """`member:m9` names member m9, and also an ID whose text is `member:m9` (a device
    named so): it found nothing (E0614) when only the text matched (an identity probe)."""
    root, url = identity_project
    con = duckdb.connect(url.removeprefix("duckdb:///"))
    con.execute(
        "INSERT INTO app_events VALUES ('member:m9', 'o7', '2026-06-01'),"
        " ('member:m1', 'o8', '2026-06-01')"
    )
    con.close()
    assert cli("run", root, "--db", url, "--as-of", "2026-11-20").code == 0
    shown = cli("show", "person", "member:m9", "-p", root, "--db", url)
    assert shown.code == 0, shown.output
    assert shown.out.splitlines()[0].startswith("person openid:o7 (the person of device member:m9)")
    both = cli("show", "person", "member:m1", "-p", root, "--db", url)
    assert both.code == 0, both.output
    heads = [line for line in both.out.splitlines() if line.startswith("person ")]
    assert [h.split(" as of ")[0] for h in heads] == [
        "person m1 (the person of member m1)",
        "person openid:o8 (the person of device member:m1)",
    ]


def test_a_shared_id_says_it_was_left_out(cli: Cli, identity_project: tuple[Path, str]) -> None:
    root, url = identity_project
    assert cli("run", root, "--db", url, "--as-of", "2026-11-20").code == 0
    shown = cli("show", "person", "shop", "-p", root, "--db", url)
    # the shared tablet is kept as a person of its own, and said to be shared
    assert shown.code == 0, shown.output
    assert "device:shop is a shared ID: linked to 5 IDs" in shown.out
    con = duckdb.connect(url.removeprefix("duckdb:///"), read_only=True)
    stored = con.execute("SELECT id, links FROM segl_shop_shared_ids").fetchall()
    con.close()
    assert stored == [("device:shop", 5)]


def test_show_person_needs_an_identity(cli: Cli, warehouse: Path) -> None:
    retail = Path(__file__).resolve().parents[1] / "examples" / "nev"
    assert cli("run", retail, "--db", db_url(warehouse)).code == 0
    shown = cli("show", "person", "1", "-p", retail, "--db", db_url(warehouse))
    assert shown.code == 1
    assert "E0315 project 'nev' declares no identity" in shown.err


def test_show_segment_sql_reads_the_stored_persons(
    cli: Cli, identity_project: tuple[Path, str]
) -> None:
    """The standalone SQL of `segl show segment` groups events by the persons the run
    stored: run on the warehouse, it gives the stored members (m2's events come from d2,
    a device linked to them only through o3)."""
    root, url = identity_project
    rules = root / "rules.segl"
    rules.write_text(RULES + "segment in_app = app_events >= 1\n", "utf-8")
    assert cli("run", root, "--db", url, "--as-of", "2026-11-20").code == 0
    shown = cli("show", "segment", "in_app", "-p", root, "--db", url)
    assert shown.code == 0, shown.output
    sql = shown.out.split("as duckdb SQL\n", 1)[1].strip().rstrip(";")
    con = duckdb.connect(url.removeprefix("duckdb:///"), read_only=True)
    try:
        members = sorted(row[0] for row in con.execute(sql).fetchall())
    finally:
        con.close()
    assert members == ["m1", "m2"]

"""`segl show migration` (docs/monitoring.md): the matrix between two stored runs as text,
JSON and an HTML page, with (new) and (left); bad input (an unknown layering, an as-of
without a stored run, a layering whose definition changed between the runs) is a
diagnostic, never a silent comparison."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from conftest import Result, db_url

Cli = Callable[..., Result]

SOURCES = """\
source users from table "users" key user_id created created_at {
    created_at: timestamp
}
source orders from table "orders" user user_id time paid_at { amount: number }
tag n = count(orders in last 7 days)
"""
LAYERING = """\
layering tier "Order frequency" {
    often when n >= 2
    once when n >= 1
}
"""
EARLY, LATE = "2026-11-01", "2026-11-08"


def migration(
    cli: Cli, root: Path, url: str, *args: object, start: str = EARLY, end: str = LATE
) -> Result:
    """`segl show migration tier ROOT --db URL --from START --to END ARGS...`."""
    return cli("show", "migration", "tier", root, "--db", url, "--from", start, "--to", end, *args)


def warehouse(path: Path) -> Path:
    """Users 1-4 exist from October, user 5 from Nov 3 (new at the later run); user 1
    orders twice in the week before Nov 1 and not since (often -> none), user 2 once before
    and twice after (once -> often), user 3 never (none -> none), user 4 once in each week
    (once -> once)."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE users AS SELECT * FROM (VALUES (1, TIMESTAMP '2026-10-01'), "
        "(2, TIMESTAMP '2026-10-01'), (3, TIMESTAMP '2026-10-01'), (4, TIMESTAMP '2026-10-01'), "
        "(5, TIMESTAMP '2026-11-03')) t(user_id, created_at)"
    )
    con.execute(
        "CREATE TABLE orders AS SELECT * FROM (VALUES "
        "(1, TIMESTAMP '2026-10-28 10:00:00', 5.0), (1, TIMESTAMP '2026-10-29 10:00:00', 5.0), "
        "(2, TIMESTAMP '2026-10-30 10:00:00', 5.0), (2, TIMESTAMP '2026-11-04 10:00:00', 5.0), "
        "(2, TIMESTAMP '2026-11-05 10:00:00', 5.0), (4, TIMESTAMP '2026-10-30 10:00:00', 5.0), "
        "(4, TIMESTAMP '2026-11-06 10:00:00', 5.0)) t(user_id, paid_at, amount)"
    )
    con.close()
    return path


@pytest.fixture
def stored(cli: Cli, write_project: Callable[..., Path], tmp_path: Path) -> tuple[Path, str]:
    root = write_project({"rules.segl": SOURCES + LAYERING, "segl.toml": '[project]\nname = "m"\n'})
    url = db_url(warehouse(tmp_path / "w.duckdb"))
    for as_of in (EARLY, LATE):
        result = cli("run", root, "--db", url, "--as-of", as_of)
        assert result.code == 0, result.output
    return root, url


def test_the_matrix_as_json(cli: Cli, stored: tuple[Path, str]) -> None:
    root, url = stored
    result = migration(cli, root, url, "--format", "json")
    assert result.code == 0, result.output
    data = json.loads(result.out)
    assert (data["layering"], data["from"], data["to"]) == (
        "tier",
        "2026-11-01 00:00:00",
        "2026-11-08 00:00:00",
    )
    cells = {(c["from"], c["to"]): (c["users"], c["share"]) for c in data["cells"]}
    assert cells == {
        ("often", "(none)"): (1, 1.0),
        ("once", "often"): (1, 0.5),
        ("once", "once"): (1, 0.5),
        ("(none)", "(none)"): (1, 1.0),
        ("(new)", "(none)"): (1, 1.0),
    }
    assert data["users"] == 5 and data["from_totals"]["once"] == 2


def test_the_matrix_as_text(cli: Cli, stored: tuple[Path, str]) -> None:
    root, url = stored
    result = migration(cli, root, url)
    assert result.code == 0, result.output
    assert 'layering tier "Order frequency"' in result.out
    lines = result.out.splitlines()
    once = next(line for line in lines if line.startswith("once"))
    assert once.split()[:4] == ["once", "1", "1", "0"]  # often, once, (none)
    assert "50.0%" in lines[lines.index(once) + 1]
    assert "(new): not in the universe at 'from'" in result.out


def test_a_left_user_is_counted_as_left(cli: Cli, stored: tuple[Path, str]) -> None:
    """From the later run back to the earlier, user 5 (not there yet) is (left)."""
    root, url = stored
    result = migration(cli, root, url, "--format", "json", start=LATE, end=EARLY)
    cells = {(c["from"], c["to"]): c["users"] for c in json.loads(result.out)["cells"]}
    assert cells[("(none)", "(left)")] == 1


def test_the_matrix_as_an_html_page(cli: Cli, stored: tuple[Path, str], tmp_path: Path) -> None:
    root, url = stored
    out = tmp_path / "m.html"
    args = ("--format", "html", "--out", out)
    result = migration(cli, root, url, *args)
    assert result.code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert '"type": "sankey"' in page and "once · 11-01" in page and "often · 11-08" in page
    assert "(left): in it at the earlier, not at the later" in page
    assert "UNION ALL" in page  # the SQL that counted it, in the page's details
    missing = migration(cli, root, url, "--format", "html")
    assert missing.code == 2 and "--format html needs --out FILE" in missing.output


def test_an_unknown_layering_gets_a_did_you_mean(cli: Cli, stored: tuple[Path, str]) -> None:
    root, url = stored
    result = cli("show", "migration", "tiers", root, "--db", url, "--from", EARLY, "--to", LATE)
    assert result.code == 1
    assert "E0301 unknown layering 'tiers'" in result.err and "did you mean 'tier'?" in result.err


def test_a_tag_named_for_a_layering_says_what_it_is(cli: Cli, stored: tuple[Path, str]) -> None:
    """As alerts say it (E0902): 'n' is a tag, not a layering; the layerings are listed."""
    root, url = stored
    result = cli("show", "migration", "n", root, "--db", url, "--from", EARLY, "--to", LATE)
    assert result.code == 1
    assert "E0301 'n' is a tag, not a layering" in result.err and "layerings: tier" in result.err


def test_a_database_without_runs_says_to_run_first(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_project({"rules.segl": SOURCES + LAYERING, "segl.toml": '[project]\nname = "m"\n'})
    url = db_url(warehouse(tmp_path / "w.duckdb"))
    result = migration(cli, root, url)
    assert result.code == 1
    assert "E0607 project 'm' has no stored run as of 2026-11-01 00:00:00" in result.err
    assert "holds no run of the project yet: segl run --as-of T stores one" in result.err


def test_an_as_of_without_a_stored_run_lists_the_nearest(
    cli: Cli, stored: tuple[Path, str]
) -> None:
    root, url = stored
    result = migration(cli, root, url, start="2026-11-02")
    assert result.code == 1
    assert "E0607 project 'm' has no stored run as of 2026-11-02 00:00:00 (--from)" in result.err
    assert "the nearest stored as-ofs: 2026-11-01 00:00:00, 2026-11-08 00:00:00" in result.err
    bad = migration(cli, root, url, start="yesterday-ish")
    assert bad.code == 2 and "E0601 bad --from" in bad.err


def test_a_changed_layering_is_never_compared(cli: Cli, stored: tuple[Path, str]) -> None:
    root, url = stored
    (root / "rules.segl").write_text(
        SOURCES + LAYERING.replace("n >= 2", "n >= 3"), encoding="utf-8"
    )
    assert cli("run", root, "--db", url, "--as-of", "2026-11-09").code == 0
    result = migration(cli, root, url, end="2026-11-09")
    assert result.code == 1
    assert (
        "E0920 layering 'tier' changed between the runs as of 2026-11-01 00:00:00 and "
        "2026-11-09 00:00:00" in result.err
    )
    # a title is no change of meaning; nor is a tag the layering does not use
    retitled = LAYERING.replace("Order frequency", "Frequency").replace("n >= 2", "n >= 3")
    (root / "rules.segl").write_text(
        SOURCES + retitled + "tag m = count(orders)\n", encoding="utf-8"
    )
    assert cli("run", root, "--db", url, "--as-of", "2026-11-10").code == 0
    same = migration(cli, root, url, start="2026-11-09", end="2026-11-10")
    assert same.code == 0, same.output


def test_runs_without_fingerprints_compare_only_under_the_same_rules(
    cli: Cli, stored: tuple[Path, str], tmp_path: Path
) -> None:
    """Rows of a run log older than the `definitions` column: the same rules fingerprint
    compares, a different one is E0920 (never assumed comparable)."""
    root, url = stored
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("UPDATE segl_runs SET definitions = NULL")
    con.close()
    assert migration(cli, root, url).code == 0
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute(
        "UPDATE segl_runs SET rules_fingerprint = 'older' WHERE as_of = TIMESTAMP '2026-11-01'"
    )
    con.close()
    result = migration(cli, root, url)
    assert result.code == 1 and "E0920 layering 'tier' cannot be compared" in result.err
    # an upgrade can change how segl computes the fingerprint: not only "the rules changed"
    assert "or the earlier run was stored by a segl that computed them otherwise" in result.err
    assert "run the rules again as of 2026-11-01 00:00:00 to compare" in result.err


def test_sankey_periods_tell_the_two_runs_apart() -> None:
    """docs/monitoring.md: nodes are period-qualified (`hf_lv · 11-01`), with the time when
    an as-of is not midnight; runs a year apart show their years, runs seconds apart their
    seconds, so origin and destination nodes never share a label."""
    from segl.runtime.report_html import _periods

    assert _periods("2026-11-01 00:00:00", "2026-11-08 00:00:00") == ("11-01", "11-08")
    assert _periods("2026-11-01 00:00:00", "2026-11-08 10:30:00") == ("11-01 00:00", "11-08 10:30")
    assert _periods("2025-11-08 00:00:00", "2026-11-08 00:00:00") == ("2025-11-08", "2026-11-08")
    seconds = _periods("2026-11-08 10:59:00", "2026-11-08 10:59:59")
    assert seconds == ("2026-11-08 10:59:00", "2026-11-08 10:59:59")
    assert _periods("0001-01-01 00:00:00", "0002-01-01 00:00:00") == ("0001-01-01", "0002-01-01")


def test_a_layer_named_total_is_told_from_the_sums() -> None:
    """A layer named `total` gave the table two `total` rows and columns; the sums are
    then `(total)`, like (new) and (left)."""
    import datetime as dt

    from segl.runtime.migration import Matrix, as_text

    matrix = Matrix(
        "t",
        dt.datetime(2026, 1, 1),
        dt.datetime(2026, 1, 8),
        {("total", "a"): 2, ("a", "total"): 1},
        ("a", "total"),
    )
    lines = as_text(matrix).splitlines()
    assert lines[4].split() == ["from", "\\", "to", "a", "total", "(total)"]
    assert lines[10].split() == ["(total)", "2", "1", "3"]
    assert [line.split()[0] for line in lines[6:11:2]] == ["a", "total", "(total)"]


def test_a_zone_changed_between_the_runs_is_named_as_the_cause(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """Runs as of 11-01 in UTC and 11-08 in Asia/Shanghai: E0920 said the layering had
    changed, where only the project's zone had (every fingerprint holds it)."""
    root = write_project(
        {"rules.segl": SOURCES + LAYERING, "segl.toml": '[project]\nname = "m"\ntimezone = "UTC"\n'}
    )
    url = db_url(warehouse(tmp_path / "w.duckdb"))
    assert cli("run", root, "--db", url, "--as-of", EARLY).code == 0
    (root / "segl.toml").write_text('[project]\nname = "m"\ntimezone = "Asia/Shanghai"\n')
    assert cli("run", root, "--db", url, "--as-of", LATE).code == 0
    result = migration(cli, root, url)
    assert result.code == 1, result.output
    assert "E0920 layering 'tier' cannot be compared between the runs as of" in result.err
    assert "the project's time zone changed (UTC to Asia/Shanghai)" in result.err

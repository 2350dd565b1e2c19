"""`segl run`, `segl alerts` and `segl deliver` with alerts written in rule files (SPEC
§2.9's canonical alerts): the run summary's lines, the JSON and text listing, the exit
code of --fail-on-firing, and the notifications delivered to a file."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ClosedPipe, Result
from test_alerts import SLIDE_RULES, WEEKLY, slide_fill

from segl.runtime.alerts import notification_id
from segl.runtime.cli import main
from segl.runtime.engines import DuckDBEngine

Cli = Callable[..., Result]


ALERTS = """\
alert quadrant_slide "High-freq low-value users sliding to low-freq low-value" =
    moved(value_quadrant, from "hf_lv", to "lf_lv", over 7 days) > 5%

alert loyal_shrinking = change(size(loyal), over 7 days) < -20%
"""


def _shop(write_project: Callable[..., Path], tmp_path: Path) -> tuple[Path, str]:
    """The slide project with ALERTS over a filled warehouse: (project, database URL)."""
    toml = '[project]\nname = "shop"\ntimezone = "UTC"\n'
    root = write_project({"rules.segl": SLIDE_RULES + "\n" + ALERTS, "segl.toml": toml})
    path = tmp_path / "shop.duckdb"
    engine = DuckDBEngine(str(path))
    slide_fill(engine)
    engine.close()
    url = f"duckdb:///{path}"
    return root, url


def test_alerts_from_rule_files(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, url = _shop(write_project, tmp_path)

    before = cli("alerts", root, "--db", url, "--fail-on-firing")
    assert before.code == 0, before.output
    assert "not evaluated yet" in before.out
    unknown = json.loads(cli("alerts", root, "--db", url, "--format", "json").out)
    outputs = []
    for as_of in WEEKLY[:2]:
        ran = cli("run", root, "--db", url, "--as-of", f"{as_of:%Y-%m-%d}")
        assert ran.code == 0, ran.output
        outputs.append(ran.out)
    assert (
        "alert quadrant_slide: unknown: no stored run as of 2026-10-25 00:00:00 or before"
        in outputs[0]
    )
    assert "alert quadrant_slide: firing since 2026-11-08 00:00:00: 0.1 > 0.05" in outputs[1]
    assert "alert loyal_shrinking: ok: -0.1 < -0.2 is false" in outputs[1]

    shown = cli("alerts", root, "--db", url, "--format", "json")
    assert shown.code == 0, shown.output
    listed = json.loads(shown.out)
    # the same keys in the same order (docs/cli.md) before and after a run evaluated them
    assert [list(a) for a in unknown] == [list(a) for a in listed]
    assert [
        {k: a[k] for k in ("alert", "state", "value", "threshold", "as_of")} for a in listed
    ] == [
        {
            "alert": "quadrant_slide",
            "state": "firing",
            "value": 0.1,
            "threshold": 0.05,
            "as_of": "2026-11-08 00:00:00",
        },
        {
            "alert": "loyal_shrinking",
            "state": "ok",
            "value": -0.1,
            "threshold": -0.2,
            "as_of": "2026-11-08 00:00:00",
        },
    ]
    failing = cli("alerts", root, "--db", url, "--fail-on-firing")
    assert failing.code == 1
    assert "2 alerts, 1 firing" in failing.out
    # `| head -0`: the listing meets a closed pipe, the status stays (it was 0)
    with monkeypatch.context() as closed:
        closed.setattr(sys, "stdout", ClosedPipe())
        assert main(["alerts", str(root), "--db", url, "--fail-on-firing"]) == 1

    out = tmp_path / "notifications.jsonl"
    delivered = cli("deliver", root, "--db", url, "--to", f"file:{out}")
    assert delivered.code == 0, delivered.output
    assert delivered.out.startswith("delivered 1, failed 0")
    sent = [json.loads(line) for line in out.read_text().splitlines()]
    assert [m["message_id"] for m in sent] == [notification_id("shop", "quadrant_slide", WEEKLY[1])]

    # the slide clears at the next runs: no longer firing, the flag passes
    for as_of in WEEKLY[2:4]:
        assert cli("run", root, "--db", url, "--as-of", f"{as_of:%Y-%m-%d}").code == 0
    assert cli("alerts", root, "--db", url, "--fail-on-firing").code == 0


class _NoRuns:
    """A scheduler stopped before its first instant: `run --every` only starts."""

    runs = 0
    last = None

    def __init__(self, *args: object, **options: object) -> None:
        pass

    def run_until_stopped(self) -> None:
        return None


def test_runs_in_the_first_week_of_the_calendar_find_no_older_run(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path
) -> None:
    """A run at 0001-01-01 compared an alert `over 7 days` with itself (T - over was taken
    as the calendar's first instant), and the run a week later failed with E0601."""
    root, url = _shop(write_project, tmp_path)
    first = cli("run", root, "--db", url, "--as-of", "0001-01-01")
    assert first.code == 0, first.output
    assert (
        "alert quadrant_slide: unknown: no stored run can be that old: as-of - over falls "
        "before the year 1" in first.out
    )
    second = cli("run", root, "--db", url, "--as-of", "0001-01-08")
    assert second.code == 0, second.output
    assert "shop: as of 0001-01-08 00:00:00" in second.out  # four digits for the year
    assert "reference run 0001-01-01 00:00:00" in second.out


def test_every_longer_than_an_alerts_over_warns(
    cli: Cli, write_project: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from segl.runtime import cli as cli_module

    toml = '[project]\nname = "shop"\ntimezone = "UTC"\n'
    rules = SLIDE_RULES + "\n" + ALERTS
    root = write_project({"rules.segl": rules, "segl.toml": toml})
    path = tmp_path / "shop.duckdb"
    DuckDBEngine(str(path)).close()
    monkeypatch.setattr(cli_module, "Scheduler", _NoRuns)
    ran = cli("run", root, "--db", f"duckdb:///{path}", "--every", "2w")
    assert ran.code == 0, ran.output
    line = rules.splitlines().index(ALERTS.splitlines()[0]) + 1
    assert (
        f"rules.segl:{line}:1: W0901 warning: alert 'quadrant_slide' compares with the run "
        "7 days before, but runs come every 2w: its reference run is up to 14 days old instead"
    ) in ran.output
    assert "hint: use `over 14 days` or more, or run more often" in ran.output
    assert ran.output.count("W0901") == 2  # loyal_shrinking too
    daily = cli("run", root, "--db", f"duckdb:///{path}", "--every", "1d")
    assert daily.code == 0 and "W0901" not in daily.output

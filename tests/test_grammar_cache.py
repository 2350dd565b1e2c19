"""lark's analysis of the grammar is cached in the user's cache folder (dsl/parser.py
`_grammar_cache`): a command starts 0.3 s sooner. The cache must never change a parse, and
a missing, damaged or foreign cache must never stop one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from segl.dsl.parser import _grammar_cache

RULES = 'segment loyal_beijing = lifecycle == "loyal" and home_city == "北京" or visits >= 3\n'
# prints the parse of RULES; the parser is built once per process, so each case is its own
PARSE = (
    "import sys; from segl.dsl.parser import parse_program; "
    f"print(repr(parse_program({RULES!r}, 'r.segl')))"
)


def parse_in_a_process(cache_home: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    return subprocess.run(
        [sys.executable, "-c", PARSE], capture_output=True, text=True, env=environment, check=False
    )


def cache_files(cache_home: Path) -> list[Path]:
    return sorted((cache_home / "segl").glob("grammar-*.cache"))


def test_the_cache_is_written_once_and_parses_the_same(tmp_path: Path) -> None:
    first = parse_in_a_process(tmp_path)
    assert first.returncode == 0 and first.stderr == "", first.stderr
    [written] = cache_files(tmp_path)
    assert oct(written.parent.stat().st_mode & 0o777) == oct(0o700)
    second = parse_in_a_process(tmp_path)  # read from the cache this time
    assert second.returncode == 0 and second.stderr == ""
    assert second.stdout == first.stdout and "Binary(" in first.stdout
    assert cache_files(tmp_path) == [written]


def test_a_damaged_cache_is_rebuilt_without_a_word(tmp_path: Path) -> None:
    expected = parse_in_a_process(tmp_path).stdout
    [written] = cache_files(tmp_path)
    good = written.read_bytes()
    for damage in (good[: len(good) // 2], b"not a cache\n" + good[40:], b""):
        written.write_bytes(damage)
        again = parse_in_a_process(tmp_path)
        assert again.returncode == 0 and again.stderr == "", again.stderr
        assert again.stdout == expected
        # written again, whole (the pickle's bytes may differ: sets have no fixed order)
        rewritten = written.read_bytes()
        assert rewritten.split(b"\n", 1)[0] == good.split(b"\n", 1)[0]
        assert abs(len(rewritten) - len(good)) < len(good) // 10


def test_no_cache_where_the_folder_is_shared_or_cannot_be_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert isinstance(_grammar_cache("grammar"), str)
    (tmp_path / "segl").chmod(0o777)  # others could plant a pickle there
    assert _grammar_cache("grammar") is False
    blocked = tmp_path / "a file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert _grammar_cache("grammar") is False
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # never a folder in the cwd
    monkeypatch.chdir(tmp_path)
    assert _grammar_cache("grammar") is False and not (tmp_path / "relative").exists()
    parsed = parse_in_a_process(blocked)  # and the parser is built without one
    assert parsed.returncode == 0 and parsed.stderr == "" and "Binary(" in parsed.stdout


def test_the_cache_is_named_by_the_grammar() -> None:
    first, second = _grammar_cache("grammar one"), _grammar_cache("grammar two")
    if first is False:
        pytest.fail("this machine's cache folder is unusable: the other tests say why")
    assert isinstance(first, str) and isinstance(second, str) and first != second

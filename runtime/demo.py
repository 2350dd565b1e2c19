"""`segl demo`: a deterministic synthetic retail warehouse, and the examples run on it."""

from __future__ import annotations

import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from segl.dsl.diagnostics import DiagnosticError
from segl.runtime.demo_data import DEMO_ANCHOR, build_demo_warehouse
from segl.runtime.engines import DuckDBEngine
from segl.runtime.project import load_project
from segl.runtime.run import run_loaded
from segl.runtime.tables import format_table, summary_text

DEMO_PROJECTS = ("retail", "nev")


def examples_dir() -> Path:
    return Path(str(resources.files("segl.examples")))


def _fresh(path: Path) -> None:
    for stale in (path, path.with_name(path.name + ".wal")):
        if stale.exists():
            stale.unlink()


def run_demo(db_path: Path, users: int, echo: Callable[[str], None]) -> str:
    """Build the warehouse at db_path (replacing it) and run every demo project."""
    _fresh(db_path)
    engine = DuckDBEngine(str(db_path))
    try:
        started = time.perf_counter()
        counts = build_demo_warehouse(engine.connection, users=users)
        seconds = time.perf_counter() - started
        echo(f"built a synthetic warehouse in {db_path} in {seconds:.1f} s")
        echo(format_table(["table", "rows"], list(counts.items())) + "\n")
        for name in DEMO_PROJECTS:
            loaded = load_project(examples_dir() / name)
            if not loaded.ok:
                raise DiagnosticError(loaded.diagnostics)
            assert loaded.project is not None
            in_file_order = loaded.in_file_order(loaded.project.definitions)
            summary = run_loaded(loaded, engine, DEMO_ANCHOR)
            echo(summary_text(summary, [d.name for d in in_file_order]))
    finally:
        engine.close()
    url = f"duckdb:///{db_path}"
    return (
        "next: see one audience, its members and its SQL:\n"
        f"  segl show segment beijing_loyal -p examples/retail --db {url} "
        f"--as-of {DEMO_ANCHOR:%Y-%m-%d}\n"
    )

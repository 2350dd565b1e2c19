"""Engine-matrix fixtures (a pytest plugin, loaded by conftest.py).

- `engine`: a function-scoped engine on a fresh, empty, isolated database or schema,
  parametrised over every engine of `ENGINE_NAMES`. Each engine comes from a provider module
  `tests/providers/<name>.py` (`NAME`, `start()`, `fresh_engine(handle, label)`,
  `stop(handle)`, `LIMITS`). A provider is started lazily, once per test session, only when
  a test needs it, and stopped at the end of the session.
- A provider that is missing or fails to start makes its tests fail (never skip).
- `LIMITS[name]` of a provider ("reason; raises <ExceptionType>: <message>"), keyed by a
  matrix test's name or by a case id, becomes a strict xfail marker on that test.

`SEGL_ENGINES=duckdb,sqlite` restricts the matrix (default: all five engines).
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from segl.runtime.engines import Engine

ALL_ENGINES = ("duckdb", "sqlite", "postgres", "clickhouse", "spark")


def _selected() -> list[str]:
    chosen = os.environ.get("SEGL_ENGINES", "").strip()
    if not chosen:
        return list(ALL_ENGINES)
    names = [n.strip() for n in chosen.split(",") if n.strip()]
    unknown = sorted(set(names) - set(ALL_ENGINES))
    if unknown:
        raise pytest.UsageError(f"SEGL_ENGINES: unknown engines {unknown}; known: {ALL_ENGINES}")
    return names


ENGINE_NAMES = _selected()


def provider(name: str) -> ModuleType:
    """The provider module of an engine; an ImportError propagates (the test fails)."""
    return importlib.import_module(f"providers.{name}")


class Providers:
    """Started providers of this session: name -> handle."""

    def __init__(self) -> None:
        self.handles: dict[str, object] = {}
        self.failures: dict[str, BaseException] = {}
        self.counter = 0

    def handle(self, name: str) -> object:
        if name in self.failures:  # fail every later test of the engine at once, loudly
            raise RuntimeError(f"the {name} provider failed to start: {self.failures[name]!r}")
        if name not in self.handles:
            try:
                self.handles[name] = provider(name).start()
            except BaseException as err:
                self.failures[name] = err
                raise
        return self.handles[name]

    def fresh(self, name: str, hint: str) -> Engine:
        handle = self.handle(name)
        self.counter += 1
        label = f"m{self.counter}_" + re.sub(r"[^a-z0-9]+", "_", hint.lower())[:24].strip("_")
        engine: Engine = provider(name).fresh_engine(handle, label)
        return engine

    def stop_all(self) -> None:
        for name, handle in self.handles.items():
            provider(name).stop(handle)
        self.handles.clear()


@pytest.fixture(scope="session")
def engine_providers() -> Iterator[Providers]:
    providers = Providers()
    yield providers
    providers.stop_all()


@pytest.fixture(params=ENGINE_NAMES)
def engine_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def engine(
    engine_name: str, engine_providers: Providers, request: pytest.FixtureRequest
) -> Iterator[Engine]:
    instance = engine_providers.fresh(engine_name, request.node.originalname)
    try:
        yield instance
    finally:
        # a provider's `drop` frees what the test left in a session other tests share
        # (Spark's temporary views would shadow another test's tables of the same name)
        drop = getattr(provider(engine_name), "drop", None)
        if drop is not None:
            drop(instance)
        instance.close()


@pytest.fixture
def postgres_url(engine_providers: Providers) -> Callable[[], str]:
    """URLs of new empty schemas on the session's PostgreSQL server (for tests that need
    several connections, or child processes, on one schema)."""
    module = provider("postgres")

    def fresh() -> str:
        server = engine_providers.handle("postgres")
        engine_providers.counter += 1
        url: str = server.url(module.fresh_schema(server, f"u{engine_providers.counter}"))  # type: ignore[attr-defined]
        return url

    return fresh


def limit_for(engine_name: str, item: pytest.Item) -> str | None:
    """The LIMITS entry of the engine for this test (by test name or by a case id)."""
    try:
        limits: dict[str, str] = provider(engine_name).LIMITS
    except ImportError:
        return None  # the engine fixture fails the test loudly
    callspec = getattr(item, "callspec", None)
    keys = {getattr(item, "originalname", item.name)}
    if callspec is not None:
        keys |= {str(v) for k, v in callspec.params.items() if k != "engine_name"}
        keys |= set(callspec.id.split("-"))
    for key, reason in limits.items():
        if key in keys:
            return reason
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        callspec: Any = getattr(item, "callspec", None)
        if callspec is None or "engine_name" not in callspec.params:
            continue
        reason = limit_for(callspec.params["engine_name"], item)
        if reason is not None:
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))

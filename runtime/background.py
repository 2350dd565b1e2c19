"""Work a run does in a thread of its own while its connection runs SQL (journeys'
deciding: runtime/journeys.py). The work must not touch the connection."""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")

# While the work runs, the interpreter's lock changes hands after this many seconds (5 ms
# by default): each statement the caller sends waits for the lock when it returns, and a
# run sends a dozen small ones meanwhile (BENCHMARKS.md, journeys: the deciding thread)
SWITCH_INTERVAL = 0.0005


class Background(Generic[T]):
    """`work` started in a thread now; `result` waits for it and raises what it raised."""

    def __init__(self, work: Callable[[], T]) -> None:
        interval = sys.getswitchinterval()

        def restoring() -> T:
            try:
                return work()
            finally:  # before the result is set: whoever waits for it finds it restored
                sys.setswitchinterval(interval)

        sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="segl-background")
        self._future: Future[T] = self._pool.submit(restoring)

    def result(self) -> T:
        self.wait()
        return self._future.result()

    def wait(self) -> None:
        """Until the work has ended, whatever its outcome, and its thread with it (the
        work is not cancelled: pure Python cannot be interrupted)."""
        self._pool.shutdown(wait=True)

"""Work a run does in a thread of its own while its connection runs SQL (journeys'
deciding: runtime/journeys.py). The work must not touch the connection."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Generic, TypeVar

T = TypeVar("T")


class Background(Generic[T]):
    """`work` started in a thread now; `result` waits for it and raises what it raised."""

    def __init__(self, work: Callable[[], T]) -> None:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="segl-background")
        self._future: Future[T] = pool.submit(work)
        pool.shutdown(wait=False)  # the thread ends with the work

    def result(self) -> T:
        return self._future.result()

    def wait(self) -> None:
        """Until the work has ended, whatever its outcome (it is not cancelled: pure
        Python cannot be interrupted)."""
        wait([self._future])

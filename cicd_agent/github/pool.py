"""A bounded pool for reads made in parallel (polling a fleet of repositories).

At most `size` calls are in flight. GitHub asks clients that meet a secondary rate limit to slow down: the
pool then halves its size at once (in-flight calls finish, no new one starts until fewer are in flight), and
grows back by one after each round that met none, up to the configured size. The size lives as long as the
pool (a watcher keeps it from cycle to cycle). `size = 1` is plain serial polling.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


def shrunk(size: int) -> int:
    """The size after a secondary rate limit."""
    return max(1, size // 2)


def regrown(size: int, configured: int, *, limited: bool) -> int:
    """The size for the next round: kept after a round that met a limit, else one more up to `configured`."""
    return size if limited else min(configured, size + 1)


class Skipped(Generic[In]):
    """A call the pool did not start: `stop` said so after an earlier result."""

    def __init__(self, item: In) -> None:
        self.item = item


class Pool:
    def __init__(self, size: int) -> None:
        self.configured = max(1, size)
        self.size = self.configured
        self.limited = False  # a secondary rate limit was met this round
        self._in_flight = 0
        self._changed = threading.Condition()
        self._threads: ThreadPoolExecutor | None = None

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the `size` places while calling."""
        with self._changed:
            self._changed.wait_for(lambda: self._in_flight < self.size)
            self._in_flight += 1
        try:
            yield
        finally:
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()

    def slow_down(self) -> None:
        with self._changed:
            self.size = shrunk(self.size)
            self.limited = True

    def run(
        self,
        items: list[In],
        call: Callable[[In], Out],
        *,
        stop: Callable[[Out | BaseException], bool] = lambda result: False,
    ) -> list[Out | BaseException | Skipped[In]]:
        """`call(item)` for every item, at most `size` at once, each inside a `slot` (a call may release it
        while it waits, see `poll.fetch`); results (or the exception raised) in the items' order. Once a result
        makes `stop` true, the calls not yet started are skipped. Ends the round: the size may grow back."""
        results: list[Out | BaseException | Skipped[In]] = [Skipped(item) for item in items]
        stopped = threading.Event()

        def one(index: int) -> None:
            if stopped.is_set():
                return
            try:
                result: Out | BaseException = call(items[index])
            except Exception as exc:  # handed back to the caller, in order
                result = exc
            results[index] = result
            if stop(result):
                stopped.set()

        self.limited = False
        if self._threads is None:  # kept from round to round: each thread keeps its connection to GitHub
            self._threads = ThreadPoolExecutor(max_workers=self.configured, thread_name_prefix="poll")
        list(self._threads.map(one, range(len(items))))
        with self._changed:
            self.size = regrown(self.size, self.configured, limited=self.limited)
        return results

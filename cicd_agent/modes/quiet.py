"""A watcher that runs for weeks says each thing once: a line its job said the last time it ran too ("no new
failures: ...", "2 failure(s) left for the next cycle", an outage still going on) is not said again, only
counted. When the job stops saying it, or after an hour of it, it is said once more with the count: "(same as
the last 12 cycles)". Each job (the cycle, the health checks, the webhook deliveries) is compared with its own
last run, so jobs that interleave do not break each other's runs of the same line."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

REMIND_EVERY = 3600.0  # a line held back this long is said again, with its count


@dataclass
class Repeat:
    times: int = 0  # how many runs since it was last said aloud said it again
    since: float = 0.0  # when it was last said aloud


@dataclass
class Collapse:
    """Between `start(job)` and `end(job)`, `line(text)` says a line unless that job's last run said it too.
    Lines outside a job are always said."""

    emit: Callable[[str], None]
    now: Callable[[], float] = time.time
    remind_every: float = REMIND_EVERY
    _last: dict[str, dict[str, Repeat]] = field(default_factory=dict)  # job -> lines its last run said
    _this: dict[str, Repeat] | None = None
    _job: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, job: str) -> None:
        with self._lock:
            self._job, self._this = job, {}

    def line(self, text: str) -> None:
        with self._lock:
            if self._this is None:
                self.emit(text)
                return
            if text in self._this:
                return  # said already in this run
            known = self._last.get(self._job, {}).get(text)
            if known is None:
                self._this[text] = Repeat(0, self.now())
                self.emit(text)
            elif self.now() - known.since >= self.remind_every:
                self._this[text] = Repeat(0, self.now())
                self.emit(f"{text} ({_same(known.times + 1)})")
            else:
                self._this[text] = Repeat(known.times + 1, known.since)

    def end(self, job: str) -> None:
        """The job's run ended: the lines its last run repeated and this one did not say are said with their count."""
        with self._lock:
            this, self._this = self._this or {}, None
            for text, repeat in self._last.get(job, {}).items():
                if text not in this and repeat.times:
                    self.emit(f"{text} ({_same(repeat.times)} before this one)")
            self._last[job] = this


def _same(times: int) -> str:
    return "same as the last cycle" if times == 1 else f"same as the last {times} cycles"

"""GitHub's secondary rate limits as the sandbox models them: past `creations_per_minute` content-creating
requests (every POST, PATCH, PUT and DELETE to the API) in any 60 seconds, a request is refused with 403, a
`retry-after` and GitHub's message, and not performed. `latency` delays every API answer (a far-away GitHub).
Refusals are counted, so a test can show the agent's budget kept it under the limit."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out "
    "to GitHub Support for help, please include the request ID."
)
WINDOW = 60.0


@dataclass
class SecondaryLimits:
    creations_per_minute: int = 80  # GitHub's figure; 0: not modelled
    latency: float = 0.0  # seconds before each API answer
    clock: Callable[[], float] = time.monotonic  # what "a minute" is measured on (a test may speed it up)
    refused: int = 0
    creations: deque[float] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, method: str, now: float | None = None) -> int | None:
        """None: the request may be performed; else the seconds `retry-after` asks the client to wait."""
        if method.upper() in ("GET", "HEAD", "OPTIONS") or not self.creations_per_minute:
            return None
        now = self.clock() if now is None else now
        with self._lock:
            while self.creations and self.creations[0] <= now - WINDOW:
                self.creations.popleft()
            if len(self.creations) >= self.creations_per_minute:
                self.refused += 1
                return max(1, int(self.creations[0] + WINDOW - now) + 1)
            self.creations.append(now)
            return None

"""One request budget for the fleet, from GitHub's documented limits: at most 100 requests in flight, 900 points a
minute for the REST API (a read costs 1, a write 5), 80 content-creating requests a minute and 500 an hour, and
the primary limit of each token. Requests wait for the budget before they are sent; a refusal still backs off as
before (`errors.AnnouncedRetry`), but should not come.

Each limit is a bucket counted in fixed windows a sixth of its period long, each allowed a sixth of the limit: any
period then holds at most seven windows, 7/6 of the setting, and the defaults sit low enough that 7/6 of them
stays under GitHub's figure. The fleet shares the windows through the store (a `Ledger`): a host reserves a few
points at a time, atomically, and spends them locally, so the database sees one write per block, not per request.
Requests in flight are bounded per host at the fleet's bound divided by the hosts alive.

The primary limit is charged after the answer: a conditional request answered 304 costs none of it (that is what
keeps an idle sweep of thousands of repositories possible), and GitHub's own headers still say when it is spent.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from cicd_agent.config.settings import BudgetConfig
from cicd_agent.github.errors import RateLimited

READ_POINTS, WRITE_POINTS = 1, 5  # GitHub's secondary-limit points of a REST request
WINDOWS_PER_PERIOD = 6
HOSTS_EVERY = 30.0  # seconds between reads of how many hosts are alive
ANNOUNCE_WAITS_FROM = 3.0  # seconds


class Ledger(Protocol):
    """Where the fleet's spent points are counted (the store)."""

    def reserve(self, bucket: str, *, starts: float, want: int, cap: int, now: float) -> int: ...


@dataclass(frozen=True)
class Bucket:
    name: str
    period: float  # seconds the limit is counted over
    limit: int  # for the whole fleet, per period
    block: int  # points a host reserves at once
    what: str = ""  # for people: "points a minute"

    @property
    def window(self) -> float:
        return self.period / WINDOWS_PER_PERIOD

    @property
    def cap(self) -> int:
        """Points per window (at least 1)."""
        return max(1, self.limit // WINDOWS_PER_PERIOD)

    def starts(self, now: float) -> float:
        return math.floor(now / self.window) * self.window


def buckets(settings: BudgetConfig) -> dict[str, Bucket]:
    """The buckets the settings switch on (a limit of 0 is off)."""
    found = [
        Bucket("points", 60.0, settings.points_per_minute, 10, "points a minute"),
        Bucket("creations_minute", 60.0, settings.creations_per_minute, 1, "content-creating requests a minute"),
        Bucket("creations_hour", 3600.0, settings.creations_per_hour, 1, "content-creating requests an hour"),
        Bucket("primary", 3600.0, settings.requests_per_hour, 20, "requests an hour (the token's primary limit)"),
    ]
    return {b.name: b for b in found if b.limit > 0}


def is_write(method: str) -> bool:
    return method.upper() not in ("GET", "HEAD", "OPTIONS")


def cost(method: str) -> dict[str, int]:
    """What a request costs before it is sent (the primary limit is charged after: `Budget.after`). Every write is
    counted as content-creating: GitHub does not list which are, and counting more stays under its limit."""
    if is_write(method):
        return {"points": WRITE_POINTS, "creations_minute": 1, "creations_hour": 1}
    return {"points": READ_POINTS}


@dataclass
class _Held:
    starts: float
    left: int


@dataclass
class Budget:
    """The pacing of one process's requests within the fleet's budget."""

    settings: BudgetConfig
    ledger: Ledger
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    max_wait: float = 120.0  # a longer wait ends the cycle (RateLimited), as GitHub's own limits do
    on_wait: Callable[[str], None] | None = None
    hosts: Callable[[], int] = lambda: 1  # hosts alive, this one included
    spent: dict[str, int] = field(default_factory=dict)  # points this process spent, per bucket
    waited: float = 0.0  # seconds spent waiting for the budget
    _buckets: dict[str, Bucket] = field(init=False)
    _held: dict[str, _Held] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _flight: threading.Condition = field(default_factory=threading.Condition)
    _in_flight: int = 0
    _hosts_seen: tuple[float, int] = (-math.inf, 1)

    def __post_init__(self) -> None:
        self._buckets = buckets(self.settings)

    # -- before and after a request -----------------------------------------------------------------

    def before(self, method: str) -> None:
        """Wait until the request may be sent: a place in flight, then its points in every bucket."""
        with self._flight:
            self._flight.wait_for(lambda: self._in_flight < self.in_flight_bound())
            self._in_flight += 1
        try:
            for name, points in cost(method).items():
                if name in self._buckets:
                    self._take(self._buckets[name], points)
        except BaseException:
            self.done()
            raise

    def after(self, status: int) -> None:
        """The answer came (or the request failed): its place in flight is free; the primary limit is charged
        unless GitHub answered 304 (free) or nothing at all (status 0)."""
        self.done()
        primary = self._buckets.get("primary")
        if primary is not None and status not in (0, 304):
            self._take(primary, 1)

    def done(self) -> None:
        with self._flight:
            self._in_flight -= 1
            self._flight.notify_all()

    def in_flight_bound(self) -> int:
        """This host's share of the fleet's requests in flight."""
        if self.settings.in_flight <= 0:
            return 10**9
        now = self.clock()
        seen_at, alive = self._hosts_seen
        if now - seen_at >= HOSTS_EVERY:
            alive = max(1, self.hosts())
            self._hosts_seen = (now, alive)
        return max(1, self.settings.in_flight // alive)

    # -- buckets ------------------------------------------------------------------------------------

    def _take(self, bucket: Bucket, points: int) -> None:
        """`points` of `bucket`, from this host's block, else reserved from the fleet's window, else waited for."""
        points = min(points, bucket.cap)  # a request costing more than a window holds spends the whole window
        while True:
            with self._lock:
                now = self.clock()
                starts = bucket.starts(now)
                held = self._held.get(bucket.name)
                left = held.left if held is not None and held.starts == starts else 0
                if left < points:
                    want = max(points - left, bucket.block)
                    left += self.ledger.reserve(bucket.name, starts=starts, want=want, cap=bucket.cap, now=now)
                if left >= points:
                    self._held[bucket.name] = _Held(starts, left - points)
                    self.spent[bucket.name] = self.spent.get(bucket.name, 0) + points
                    return
                self._held[bucket.name] = _Held(starts, left)
                wait = starts + bucket.window - now + random.uniform(0.0, min(1.0, bucket.window / 10))
            self._wait(bucket, wait)

    def _wait(self, bucket: Bucket, wait: float) -> None:
        limit = f"{bucket.limit} {bucket.what}"
        if wait > self.max_wait:
            raise RateLimited(f"the fleet's request budget ({limit}) is spent for {wait:.0f}s", wait=wait)
        if wait >= ANNOUNCE_WAITS_FROM and self.on_wait is not None:
            self.on_wait(f"the fleet's request budget ({limit}) is spent: waiting {wait:.0f}s")
        self.waited += wait
        self.sleep(wait)

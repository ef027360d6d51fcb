"""A host's heartbeat: while its work runs, a background thread renews the leases it holds every third of the
lease, on a connection of its own, so a long fix keeps its claims and a dead host's work is taken over once
its leases run out (the lease, not the length of the work, is how long a dead host's work waits).

A heartbeat that cannot reach the database skips that beat: if it stays away, the leases run out and other
hosts take the work over, which is what should happen to a host cut off from the fleet.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from cicd_agent.errors import AgentError

log = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, store: Any, *, lease: float, clock: Callable[[], float] = time.time) -> None:
        """`store`: a `Store` of its own (`store.reopen()`), holding the same owner's leases."""
        self.store = store
        self.lease = lease
        self.clock = clock
        self.interval = lease / 3
        self.beats = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> int:
        """One renewal; how many leases it renewed."""
        renewed = int(self.store.renew(now=self.clock(), lease=self.lease))
        self.beats += 1
        return renewed

    def start(self) -> Heartbeat:
        self.store.register_host(self.clock())
        if self.lease > 0:
            self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.beat()
            except AgentError as exc:  # the database is away: the leases run out if it stays away
                log.warning("heartbeat skipped: %s", exc)
            except Exception:  # a bug must not end the beats silently
                log.exception("heartbeat failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        try:
            self.store.leave()
        except AgentError:
            pass
        finally:
            self.store.close()

"""What a process that runs cycles adds to share a store with other hosts: its heartbeat (the leases it holds
are renewed while its work runs) and the fleet's request budget (its requests wait for their share)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from cicd_agent.config.settings import Config
from cicd_agent.github.budget import Budget
from cicd_agent.github.client import GitHubClient
from cicd_agent.store import Store
from cicd_agent.store.fleet import alive_within
from cicd_agent.store.heartbeat import Heartbeat


class StoreLedger:
    """The budget's view of the store, on a connection of its own (never inside a cycle's transaction), one
    thread at a time."""

    def __init__(self, store: Store, *, lease: float) -> None:
        self.store = store
        self.alive_within = alive_within(lease)
        self._lock = threading.Lock()

    def reserve(self, bucket: str, *, starts: float, want: int, cap: int, now: float) -> int:
        with self._lock:
            return self.store.reserve(bucket, starts=starts, want=want, cap=cap, now=now)

    def alive(self) -> int:
        with self._lock:
            return len(self.store.hosts(now=time.time(), within=self.alive_within))

    def close(self) -> None:
        with self._lock:
            self.store.close()


def start_heartbeat(config: Config, store: Store) -> Callable[[], None]:
    """This host is seen, and its leases renewed every third of `state.lease`; returns how to stop."""
    return Heartbeat(store.reopen(), lease=config.state.lease).start().stop


def pace_requests(
    config: Config, github: GitHubClient, store: Store, *, on_wait: Callable[[str], None] | None = None
) -> Callable[[], None]:
    """The client's API requests wait for the fleet's budget (`[budget]`); returns how to stop."""
    ledger = StoreLedger(store.reopen(), lease=config.state.lease)
    budget = Budget(
        config.budget, ledger, max_wait=config.github.max_rate_limit_wait, on_wait=on_wait, hosts=ledger.alive
    )
    github.pace(budget)

    def stop() -> None:
        github.pace(None)
        ledger.close()

    return stop

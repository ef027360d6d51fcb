"""Several hosts on one store: the hosts seen (each renews its row and its own leases on a heartbeat), the
claims a dead host left (their lease ran out before a decision), and the request budget's points spent per
window, reserved atomically so that the fleet together stays under GitHub's limits.

Heartbeats and budget reservations are bookkeeping, not decisions: they are not reported to `on_write`."""

from __future__ import annotations

import contextlib
import os
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cicd_agent.model import RunRef
from cicd_agent.store.backend import Backend

BUDGET_KEPT = 2 * 3600.0  # seconds of spent budget windows kept (for `agent status`)
HOSTS_KEPT = 86400.0  # a host not seen for this long is forgotten


def alive_within(lease: float) -> float:
    """How recently a host must have been seen to count as alive: it beats every third of the lease, so one
    that missed three beats (or any host, with a very short lease, for 20 s) is gone."""
    return max(float(lease), 20.0)


@dataclass(frozen=True)
class Host:
    id: str
    hostname: str
    pid: int
    started_at: float
    seen_at: float


@dataclass(frozen=True)
class Spent:
    """Points of one budget bucket spent in one window (`starts` .. `starts` + the bucket's window)."""

    bucket: str
    starts: float
    spent: int


class FleetQueries:
    """Mixed into `Store` (which provides the backend, transactions and the owner)."""

    sql: Backend
    owner: str

    if TYPE_CHECKING:

        def transaction(self) -> contextlib.AbstractContextManager[None]: ...

    # -- hosts and their heartbeat ------------------------------------------------------------------

    def register_host(self, now: float) -> None:
        row = {"id": self.owner, "hostname": socket.gethostname(), "pid": os.getpid(), "started_at": now}
        with self.transaction():
            self.sql.upsert("hosts", [{**row, "seen_at": now}], pk=("id",))
            self.sql.execute("DELETE FROM hosts WHERE seen_at < ?", [now - HOSTS_KEPT])

    def renew(self, *, now: float, lease: float) -> int:
        """This host's heartbeat: it is seen, and each lease it still holds runs `lease` seconds from now (one
        that ran out may be another host's already, and is left alone). Returns how many were renewed."""
        with self.transaction():
            self.sql.update("hosts", {"id": self.owner}, {"seen_at": now})
            failures = self.sql.execute(
                "UPDATE failures SET lease_until = ? WHERE leased_by = ? AND decided = 0 AND lease_until > ?",
                [now + lease, self.owner, now],
            )
            remediations = self.sql.execute(
                "UPDATE remediations SET lease_until = ? WHERE leased_by = ? AND lease_until > ?",
                [now + lease, self.owner, now],
            )
        return failures + remediations

    def leave(self) -> None:
        """A host stopping cleanly: it is no longer counted (its leases were released with its work)."""
        self.sql.execute("DELETE FROM hosts WHERE id = ?", [self.owner])

    def hosts(self, *, now: float, within: float) -> list[Host]:
        """The hosts seen within `within` seconds (alive), oldest first."""
        rows = self.sql.rows("SELECT * FROM hosts WHERE seen_at >= ? ORDER BY started_at, id", [now - within])
        return [Host(r["id"], r["hostname"], int(r["pid"]), r["started_at"], r["seen_at"]) for r in rows]

    def lock(self, name: str) -> None:
        """Within a transaction: take turns with every other host on `name` until it ends (work with no row to
        lock, such as counting the fleet's pull requests before opening one)."""
        self.sql.lock(name)

    def lead(self) -> bool:
        """Whether this host leads the fleet's once-per-fleet work now (always, on SQLite)."""
        return self.sql.lead("fleet")

    # -- what a dead host left ----------------------------------------------------------------------

    def expired_claims(self, *, now: float) -> list[RunRef]:
        """Failures claimed by a cycle that ended without a decision and without giving them back (a host killed
        while handling them): their lease ran out, so another host may take them over now."""
        rows = self.sql.rows(
            "SELECT repo, run_id, run_attempt, branch FROM failures WHERE decided = 0 AND lease_until > 0"
            " AND lease_until <= ? ORDER BY seen_at, id",
            [now],
        )
        return [RunRef(r["repo"], int(r["run_id"]), int(r["run_attempt"]), r["branch"]) for r in rows]

    def expired_leases(self, *, now: float) -> int:
        """Claims and remediations whose holder stopped renewing them (0 on a healthy fleet: a cheap check)."""
        failures = self.sql.value(
            "SELECT COUNT(*) AS n FROM failures WHERE decided = 0 AND lease_until > 0 AND lease_until <= ?", [now]
        )
        remediations = self.sql.value(
            "SELECT COUNT(*) AS n FROM remediations WHERE lease_until > 0 AND lease_until <= ?", [now]
        )
        return int(failures or 0) + int(remediations or 0)

    # -- the request budget -------------------------------------------------------------------------

    def reserve(self, bucket: str, *, starts: float, want: int, cap: int, now: float) -> int:
        """Take up to `want` points of `bucket` in the window that `starts` then, never past `cap` for the whole
        fleet: returns how many were granted (0: the window is spent)."""
        with self.transaction():
            first = self.sql.insert("budget", {"bucket": bucket, "starts": starts, "spent": 0}, ignore=True)
            row = self.sql.one(
                f"SELECT spent FROM budget WHERE bucket = ? AND starts = ?{self.sql.for_update}", [bucket, starts]
            )
            spent = int(row["spent"]) if row else 0
            granted = max(0, min(want, cap - spent))
            if granted:
                self.sql.execute(
                    "UPDATE budget SET spent = spent + ? WHERE bucket = ? AND starts = ?", [granted, bucket, starts]
                )
            if first:
                self.sql.execute("DELETE FROM budget WHERE starts < ?", [now - BUDGET_KEPT])
        return granted

    def spent(self, *, since: float) -> list[Spent]:
        rows = self.sql.rows("SELECT * FROM budget WHERE starts >= ? ORDER BY bucket, starts", [since])
        return [Spent(r["bucket"], r["starts"], int(r["spent"])) for r in rows]

"""The store's flake ledger: tests (or jobs) that failed and then passed on a re-run of the same commit, the
re-runs spent on known flakes (each repository's budget), the tests each re-run was for; and a failure held
back until a time (a rate limit's wait).

Plain SQL (SELECT, INSERT, UPDATE with `?` parameters), read-modify-write inside the store's transactions: no
upsert or other dialect-only syntax, so the statements mean the same on every backend.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cicd_agent.model import FlakyTest, RunRef
from cicd_agent.store.backend import Backend
from cicd_agent.store.base import RUN_KEY

_COLUMNS = (
    "repo, name, flakes, first_at, last_at, last_run_id, last_signature, issue_number, issue_url, reported_flakes"
)


def flaky_test_of(row: dict[str, Any]) -> FlakyTest:
    repo, name, flakes, first_at, last_at, run_id, signature, number, url, reported = (
        row[column] for column in _COLUMNS.split(", ")
    )
    return FlakyTest(
        repo, name, int(flakes or 0), first_at, last_at, int(run_id or 0), signature or "", int(number or 0),
        url or "", int(reported or 0),
    )  # fmt: skip


class FlakeQueries:
    """Mixed into `Store` (which provides the connection, transactions and write reporting)."""

    sql: Backend

    if TYPE_CHECKING:

        def transaction(self) -> contextlib.AbstractContextManager[None]: ...

        def _wrote(self, action: str, target: str) -> None: ...

    # -- the ledger -----------------------------------------------------------------------------------------

    def record_flakes(
        self, repo: str, names: Iterable[str], *, run_id: int, signature: str, now: float
    ) -> list[FlakyTest]:
        """Each name failed and then passed on a re-run: counted once more. Returns them as they are now."""
        wanted = sorted(set(names))
        with self.transaction():
            for name in wanted:
                row = self.sql.one(
                    "SELECT flakes FROM flaky_tests WHERE repo = ? AND name = ?" + self.sql.for_update, [repo, name]
                )
                if row is None:
                    self.sql.execute(
                        "INSERT INTO flaky_tests (repo, name, flakes, first_at, last_at, last_run_id, last_signature,"
                        " issue_number, issue_url, reported_flakes) VALUES (?, ?, 1, ?, ?, ?, ?, 0, '', 0)",
                        [repo, name, now, now, run_id, signature],
                    )
                else:
                    self.sql.execute(
                        "UPDATE flaky_tests SET flakes = flakes + 1, last_at = ?, last_run_id = ?, last_signature = ?"
                        " WHERE repo = ? AND name = ?",
                        [now, run_id, signature, repo, name],
                    )
        if wanted:
            self._wrote("store.flaky", f"{repo}: {', '.join(wanted)}")
        return self.known_flakes(repo, wanted)

    def known_flakes(self, repo: str, names: Iterable[str]) -> list[FlakyTest]:
        """The ledger's rows for these names (the ones it has), by name."""
        wanted = sorted(set(names))
        if not wanted:
            return []
        marks = ", ".join("?" for _ in wanted)
        rows = self.sql.rows(
            f"SELECT {_COLUMNS} FROM flaky_tests WHERE repo = ? AND name IN ({marks}) ORDER BY name", [repo, *wanted]
        )
        return [flaky_test_of(row) for row in rows]

    def flaky_tests(self, *, repo: str | None = None, limit: int | None = None) -> list[FlakyTest]:
        """The flakiest first (most flakes, then the most recent)."""
        where, args = ("WHERE repo = ?", [repo]) if repo else ("", [])
        bound = f" LIMIT {int(limit)}" if limit is not None else ""
        rows = self.sql.rows(
            f"SELECT {_COLUMNS} FROM flaky_tests {where} ORDER BY flakes DESC, last_at DESC, repo, name{bound}", args
        )
        return [flaky_test_of(row) for row in rows]

    def set_flake_issue(self, repo: str, name: str, *, number: int, url: str, reported_flakes: int) -> None:
        """The one issue that reports this flaky test, and the count it last said."""
        with self.transaction():
            self.sql.execute(
                "UPDATE flaky_tests SET issue_number = ?, issue_url = ?, reported_flakes = ?"
                " WHERE repo = ? AND name = ?",
                [number, url, reported_flakes, repo, name],
            )
        self._wrote("store.flaky_issue", f"{repo}: {name} #{number}")

    # -- the re-run budget for known flakes ---------------------------------------------------------------------

    def add_flake_rerun(self, run: RunRef, *, signature: str, now: float) -> None:
        with self.transaction():
            self.sql.execute(
                "INSERT INTO flake_reruns (repo, at, run_id, run_attempt, signature) VALUES (?, ?, ?, ?, ?)",
                [run.repo, now, run.run_id, run.attempt, signature],
            )
        self._wrote("store.flake_rerun", f"{run.repo} run {run.label}")

    def flake_reruns(self, repo: str, *, since: float) -> int:
        """The re-runs of known flakes spent in this repository since `since`."""
        return int(
            self.sql.value("SELECT COUNT(*) AS n FROM flake_reruns WHERE repo = ? AND at >= ?", [repo, since]) or 0
        )

    # -- what each re-run was for -----------------------------------------------------------------------------

    def remember_rerun_tests(self, remediation_id: int, repo: str, names: Iterable[str]) -> None:
        """The tests (or job) a re-run was for: recorded as flakes when it passes, never when it fails again."""
        with self.transaction():
            self.sql.execute("DELETE FROM rerun_tests WHERE remediation_id = ?", [remediation_id])
            self.sql.execute(
                "INSERT INTO rerun_tests (remediation_id, repo, names) VALUES (?, ?, ?)",
                [remediation_id, repo, json.dumps(sorted(set(names)))],
            )
        self._wrote("store.rerun_tests", f"remediation {remediation_id}")

    def rerun_tests(self, remediation_id: int) -> tuple[str, ...]:
        names = self.sql.value("SELECT names FROM rerun_tests WHERE remediation_id = ?", [remediation_id])
        return tuple(json.loads(names or "[]"))

    def take_rerun_tests(self, remediation_id: int) -> tuple[str, ...]:
        """The tests a re-run was for, forgotten as they are read: a passed re-run is counted once, even when its
        verdict is judged again after a kill."""
        with self.transaction():
            names = self.rerun_tests(remediation_id)
            self.sql.execute("DELETE FROM rerun_tests WHERE remediation_id = ?", [remediation_id])
        return names

    # -- a failure held back until a time --------------------------------------------------------------------------

    def hold_failure(self, run: RunRef, *, until: float) -> None:
        """Give a claimed failure back, but let no cycle claim it before `until` (a rate limit's wait): until then
        claiming it answers HELD, so it is neither explained again nor forgotten."""
        with self.transaction():
            self.sql.execute(
                # no host's lease any more (its heartbeat would renew it): held by the time alone
                f"UPDATE failures SET decided = 0, lease_until = ?, leased_by = '' WHERE {RUN_KEY}",
                [until, run.repo, run.run_id, run.attempt],
            )
        self._wrote("store.failure_hold", f"{run.repo} run {run.label}")

    def first_seen(self, run: RunRef) -> float | None:
        """When this run attempt was first claimed."""
        seen = self.sql.value(f"SELECT seen_at FROM failures WHERE {RUN_KEY}", [run.repo, run.run_id, run.attempt])
        return float(seen) if seen is not None else None

from __future__ import annotations

import hashlib
import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlite_utils
from harness import OpenStore, database_before

from cicd_agent.breaker import Policy
from cicd_agent.errors import AgentError
from cicd_agent.model import (
    BreakerEvent,
    Claim,
    Decided,
    Decision,
    FailureKey,
    Remediation,
    RemState,
    RunRef,
    Strategy,
)
from cicd_agent.store import MIGRATIONS, Store, open_store


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _failure(run_id: int = 1, attempt: int = 1) -> RunRef:
    return RunRef("o/r", run_id, attempt, "main")


def test_migrations_apply_once_and_wal_is_on(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    assert store.schema_version() == [name for name, _ in MIGRATIONS]
    assert store.sql.db.journal_mode == "wal"  # type: ignore[attr-defined]
    store.close()
    again = Store(tmp_path / "state.db")
    assert again.schema_version() == [name for name, _ in MIGRATIONS]


def test_migrations_apply_once_on_either_backend(new_store: OpenStore) -> None:
    first = new_store()
    assert first.schema_version() == [name for name, _ in MIGRATIONS]
    assert new_store().schema_version() == [name for name, _ in MIGRATIONS]  # nothing applied twice


def test_a_failed_run_is_handled_once_a_decision_is_recorded(store: Store) -> None:
    assert store.claim_failure(_failure(), now=100.0, lease=50.0) is Claim.NEW
    assert store.claim_failure(_failure(), now=120.0, lease=50.0) is Claim.HELD  # another cycle holds it
    assert store.claim_failure(_failure(attempt=2), now=120.0, lease=50.0) is Claim.NEW
    assert store.claim_failure(_failure(), now=150.0, lease=50.0) is Claim.TAKEN_OVER  # the holder was killed
    store.record_decision(Decision(160.0, "o/r", Decided.CANNOT_FIX, "", run_id=1, run_attempt=1))
    assert store.claim_failure(_failure(), now=300.0, lease=50.0) is Claim.TAKEN_OVER  # the next rule never came
    store.record_decision(Decision(310.0, "o/r", Decided.REPORTED, "", run_id=1, run_attempt=1))
    assert store.claim_failure(_failure(), now=320.0, lease=50.0) is Claim.DECIDED
    assert store.claim_failure(_failure(), now=10**9, lease=50.0) is Claim.DECIDED  # for good, not for a TTL
    assert store.failure_counts() == {"failures_seen": 2, "duplicates": 2}


def test_runs_older_than_the_polling_window_are_forgotten(store: Store) -> None:
    store.claim_failure(_failure(1), now=100.0, lease=0)
    store.claim_failure(_failure(2), now=200.0, lease=0)
    store.forget_failures(before=150.0)
    assert store.failure_counts()["failures_seen"] == 1
    assert store.claim_failure(_failure(2), now=300.0, lease=0) is Claim.TAKEN_OVER


def test_a_remediation_lease_is_taken_once_until_released_or_over(store: Store) -> None:
    rem = store.create_remediation(
        Remediation("o/r", "main", "sig", Strategy.FIX, RemState.PLANNED, 1, 1, created_at=0.0), lease_until=100.0
    )
    assert store.lease_remediation(rem.id, now=50.0, lease=10.0) is False  # its creator holds it
    assert store.lease_remediation(rem.id, now=100.0, lease=10.0) is True  # the creator's lease ran out
    assert store.lease_remediation(rem.id, now=105.0, lease=10.0) is False
    store.release_remediations(ids=[rem.id])
    assert store.lease_remediation(rem.id, now=106.0, lease=10.0) is True


def test_a_remediation_outcome_moves_its_breaker_once(store: Store) -> None:
    from cicd_agent.breaker import Breaker, record_failure

    key = FailureKey("o/r", "main", "sig")

    def fail(b: Breaker) -> tuple[Breaker, list[BreakerEvent]]:
        return record_failure(b, Policy(), 1.0)[0], []

    assert store.update_breaker(key, fail, now=1.0, once_for=7) is not None
    assert store.update_breaker(key, fail, now=2.0, once_for=7) is None  # a second agent, or a retry
    assert store.update_breaker(key, fail, now=3.0, once_for=8) is not None
    stored = store.get_breaker(key)
    assert stored is not None and stored.breaker.failures == 2


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(AgentError, match=r"is damaged .*move it aside"):
        Store(path)


def test_a_read_only_or_locked_database_is_not_called_damaged(tmp_path: Path) -> None:
    """The real SQLite errors: a write through a read-only connection, and a lock held by another one."""
    import sqlite3

    from cicd_agent.store.sqlite import unusable

    Store(tmp_path / "state.db").close()
    readonly = sqlite3.connect(f"file:{tmp_path / 'state.db'}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as refused:
        readonly.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
    holder = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    waiting = sqlite3.connect(tmp_path / "state.db", timeout=0)
    with pytest.raises(sqlite3.OperationalError) as locked:
        waiting.execute("BEGIN IMMEDIATE")
    holder.execute("ROLLBACK")
    read_only_line, locked_line = str(unusable(tmp_path, refused.value)), str(unusable(tmp_path, locked.value))
    assert "is read-only" in read_only_line and "writable" in read_only_line
    assert "is locked by another process" in locked_line and "wait for it" in locked_line
    assert "move it aside" not in read_only_line + locked_line


def test_dry_run_store_is_a_scratch_copy(tmp_path: Path) -> None:
    real = open_store(tmp_path, dry_run=False)
    real.set_meta("paused", "yes")
    real.close()
    before = _digest(tmp_path / "state.db")
    seen: list[tuple[str, str]] = []
    scratch = open_store(tmp_path, dry_run=True, on_write=lambda kind, target: seen.append((kind, target)))
    assert scratch.get_meta("paused") == "yes"
    scratch.set_meta("paused", None)
    assert scratch.get_meta("paused") is None
    scratch.close()
    assert seen == [("store.meta", "paused")]
    assert _digest(tmp_path / "state.db") == before
    assert open_store(tmp_path, dry_run=False).get_meta("paused") == "yes"


def test_dry_run_without_a_database_creates_none(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state", dry_run=True)
    store.set_meta("k", "v")
    store.close()
    assert not (tmp_path / "state").exists()


def test_a_failure_given_back_is_claimed_again_and_its_errors_counted(store: Store) -> None:
    assert store.claim_failure(_failure(), now=1.0, lease=100.0) is Claim.NEW
    assert store.release_failure(RunRef("o/r", 1, 1), error=True) == 1
    assert store.claim_failure(_failure(), now=2.0, lease=100.0) is Claim.TAKEN_OVER  # no need to wait the lease
    assert store.release_failure(RunRef("o/r", 1, 1)) == 1  # deferred: not an error
    assert store.claim_failure(_failure(), now=3.0, lease=100.0) is Claim.TAKEN_OVER
    assert store.release_failure(RunRef("o/r", 9, 1)) == 0  # never claimed: nothing to give back


def test_remediation_details_move_to_typed_columns(new_store: OpenStore) -> None:
    """A database from before migration 0004 keeps every remediation, its PR plan and rollback progress."""
    import json

    from cicd_agent.model import RemState, Strategy

    db = database_before(new_store, "0004_typed_remediations")
    detail = {
        "title": "cicd-agent: fix",
        "body": "why",
        "labels": ["cicd-agent", "cicd-agent:needs-approval"],
        "draft": True,
        "base": "main",
        "fixer": "formatter",
        "rollback_done": ["comment", "label"],
        "rollback_reason": "the fix's CI failed",
        "rollback_error": "GitHub answered 502",
        "note": "kept",
    }
    db.add(
        "remediations",
        {
            "repo": "o/r",
            "branch": "main",
            "signature": "abc",
            "strategy": "fix",
            "rule": "format",
            "state": "rollback_partial",
            "run_id": 7,
            "run_attempt": 1,
            "created_at": 1.0,
            "updated_at": 1.0,
            "detail": json.dumps(detail),
        },
    )
    db.close()
    (rem,) = new_store().remediations()
    assert (rem.strategy, rem.state) == (Strategy.FIX, RemState.ROLLBACK_PARTIAL)
    assert (rem.title, rem.body, rem.draft, rem.fixer) == ("cicd-agent: fix", "why", True, "formatter")
    assert rem.labels == ("cicd-agent", "cicd-agent:needs-approval")
    assert rem.rollback_done == ("comment", "label")
    assert (rem.rollback_reason, rem.error) == ("the fix's CI failed", "GitHub answered 502")


def test_claims_from_before_leases_keep_their_meaning(new_store: OpenStore) -> None:
    """Migration 0007: a run seen before is decided; one given back after an error is claimed again, unless it
    had its last error (then it was given up)."""
    db = database_before(new_store, "0007_leases")
    for run_id, released, errors in ((1, 0, 0), (2, 1, 1), (3, 1, 3)):
        db.add(
            "failures",
            {
                "repo": "o/r",
                "branch": "main",
                "run_id": run_id,
                "run_attempt": 1,
                "seen_at": 1.0,
                "duplicates": 0,
                "released": released,
                "errors": errors,
            },
        )
    db.close()
    store = new_store()
    claims = [store.claim_failure(_failure(run_id), now=2.0, lease=60.0) for run_id in (1, 2, 3)]
    assert claims == [Claim.DECIDED, Claim.TAKEN_OVER, Claim.DECIDED]


def _listing(*dirs: Path) -> dict[str, str]:
    """Every file under the directories with its content digest."""
    return {str(p): _digest(p) for d in dirs for p in sorted(d.rglob("*")) if p.is_file()}


def test_a_dry_run_and_a_read_leave_the_state_dir_and_the_temp_dir_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cicd_agent.store import read_store

    state, temp = tmp_path / "state", tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    real = open_store(state, dry_run=False)
    real.set_meta("paused", "yes")
    real.close()  # the last connection: SQLite removes its -wal and -shm
    before = _listing(state, temp)
    assert [Path(p).name for p in before] == ["state.db"]
    for store in (open_store(state, dry_run=True), read_store(state)):
        assert store.get_meta("paused") == "yes"
        store.set_meta("paused", None)  # on the in-memory copy
        store.close()
    assert _listing(state, temp) == before


def test_reading_while_a_writer_is_open_sees_its_commits_and_adds_no_file(tmp_path: Path) -> None:
    from cicd_agent.store import read_store

    writer = open_store(tmp_path, dry_run=False)
    writer.set_meta("k", "v1")  # committed, maybe only in the -wal so far
    files = sorted(p.name for p in tmp_path.iterdir())
    assert "state.db-wal" in files
    reader = read_store(tmp_path)
    assert reader.get_meta("k") == "v1"
    reader.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == files
    writer.close()


def test_reading_a_missing_database_says_so_and_creates_nothing(tmp_path: Path) -> None:
    from cicd_agent.store import NoState, read_store

    with pytest.raises(NoState, match="no state yet"):
        read_store(tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()


def test_reading_an_old_schema_upgrades_only_the_copy(tmp_path: Path) -> None:
    from cicd_agent.store import read_store
    from cicd_agent.store.sqlite import SqliteBackend

    path = tmp_path / "state.db"
    db = SqliteBackend(path)
    with db.transaction():
        db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        first_name, first = MIGRATIONS[0]
        first(db)
        db.insert("_migrations", {"name": first_name, "applied_at": "then"})
    db.close()
    before = _digest(path)
    store = read_store(tmp_path)
    assert store.schema_version() == [name for name, _ in MIGRATIONS]
    store.close()
    assert _digest(path) == before
    assert Store(path).schema_version() == [name for name, _ in MIGRATIONS]  # a real open upgrades the file


def test_migration_0006_keeps_old_rows_and_knows_which_openings_were_announced(new_store: OpenStore) -> None:
    """A database from before migration 0006: its fixes read without their evidence (read from GitHub later),
    its health checks without measurements, its OPEN breakers as not yet announced."""
    from cicd_agent.breaker import Breaker, State
    from cicd_agent.model import FailureKey

    db = database_before(new_store, "0006_fix_evidence")
    db.add(
        "remediations",
        {"repo": "o/r", "branch": "main", "signature": "s", "strategy": "fix", "state": "pr_open", "run_id": 7}
        | {"run_attempt": 1, "created_at": 1.0, "updated_at": 1.0, "detail": "{}"},
    )
    db.insert("health_checks", {"remediation_id": 1, "due_at": 2.0, "deadline": 9.0, "attempts": 1})
    db.insert(
        "breakers",
        {"repo": "o/r", "branch": "main", "signature": "s", "state": "OPEN", "failures": 3, "opened_at": 5.0},
    )
    db.close()
    store = new_store()
    (rem,) = store.remediations()
    assert (rem.base_sha, rem.failed_workflow, rem.failed_jobs, rem.revert_url) == ("", "", (), "")
    check = store.health_check(1)
    assert check is not None and (check.failures, check.inconclusives, check.errors) == (0, 0, 0)
    key = FailureKey("o/r", "main", "s")
    assert [b.key for b in store.unannounced_openings()] == [key]
    store.mark_announced(key, 5.0)
    assert store.unannounced_openings() == []
    store.update_breaker(key, lambda b: (Breaker(State.OPEN, 4, opened_at=8.0), []), now=8.0)  # opened again
    assert [b.key for b in store.unannounced_openings()] == [key]
    updated = store.update_remediation(1, failed_jobs=("test (3.12)",), base_sha="a" * 40, now=3.0)
    assert updated.failed_jobs == ("test (3.12)",) and store.remediations()[0].base_sha == "a" * 40


def test_a_transaction_is_all_or_nothing_across_the_library_writes(store: Store) -> None:
    """sqlite-utils before 4.0 committed at the end of each write, even inside an open transaction: a
    failure half-way would keep the first half, and another process could slip in between."""
    with pytest.raises(RuntimeError), store.transaction():
        store.sql.upsert("meta", [{"key": "first", "value": "1"}], pk=("key",))
        store.sql.upsert("meta", [{"key": "second", "value": "2"}], pk=("key",))
        raise RuntimeError("half-way")
    assert store.get_meta("first") is None and store.get_meta("second") is None


def _open_write_close(path: str) -> list[str]:
    store = Store(path)
    try:
        store.set_meta("opened", "yes")
        return store.schema_version()
    finally:
        store.close()


def test_processes_opening_new_databases_at_once_each_see_them_migrated_once(tmp_path: Path) -> None:
    """Agents started together on a fresh state dir: the first to switch the file to WAL made the others
    fail with "database is locked" at once (SQLite does not wait on that switch), about one start in 40."""
    paths = [str(tmp_path / f"state-{n}.db") for n in range(25)]
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        versions = pool.map(_open_write_close, [path for path in paths for _ in range(6)], chunksize=1)
    assert versions == [[name for name, _ in MIGRATIONS]] * len(versions)
    for path in paths:
        assert sqlite_utils.Database(path).execute("SELECT count(*) FROM _migrations").fetchone() == (len(MIGRATIONS),)


def test_opening_waits_for_a_writer_before_switching_a_new_file_to_wal(tmp_path: Path) -> None:
    """SQLite refuses the switch to WAL at once (no busy wait) while another connection is writing."""
    path = tmp_path / "state.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE early (a)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO early VALUES (1)")
    finish = threading.Timer(0.3, writer.execute, ["COMMIT"])
    finish.start()
    try:
        store = Store(path)
    finally:
        finish.join()
    assert store.sql.db.journal_mode == "wal"  # type: ignore[attr-defined]
    assert store.schema_version() == [name for name, _ in MIGRATIONS]


def test_a_scratch_copy_holds_the_state_and_keeps_nothing(store: Store) -> None:
    """A paused cycle works on a copy of either backend: what it reads is the state, what it writes is dropped."""
    from cicd_agent.store import scratch_copy

    store.set_meta("paused", "yes")
    store.claim_failure(_failure(), now=1.0, lease=100.0)
    copy = scratch_copy(store)
    assert copy.get_meta("paused") == "yes" and copy.failure_counts()["failures_seen"] == 1
    assert copy.schema_version() == store.schema_version()
    copy.set_meta("paused", None)
    copy.record_decision(Decision(2.0, "o/r", Decided.REPORTED, "", run_id=1, run_attempt=1))
    copy.close()
    assert store.get_meta("paused") == "yes" and not store.decided(_failure())

"""The state database's schema: migrations as functions, applied once each and recorded in `_migrations`."""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlite_utils


def _m1_initial(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("failures").create(
        {
            "id": int,
            "repo": str,
            "branch": str,
            "run_id": int,
            "run_attempt": int,
            "workflow": str,
            "head_sha": str,
            "signature": str,
            "category": str,
            "seen_at": float,
            "duplicates": int,
        },
        pk="id",
    )
    db.table("failures").create_index(["repo", "run_id", "run_attempt"], unique=True)
    db.table("decisions").create(
        {
            "id": int,
            "at": float,
            "repo": str,
            "branch": str,
            "run_id": int,
            "run_attempt": int,
            "signature": str,
            "decision": str,
            "reason": str,
            "rule": str,
            "detail": str,
        },
        pk="id",
    )
    db.table("decisions").create_index(["repo", "at"])
    db.table("breakers").create(
        {
            "repo": str,
            "branch": str,
            "signature": str,
            "state": str,
            "failures": int,
            "opened_at": float,
            "updated_at": float,
            "last_failure_run": str,
            "trial_in_flight": int,
        },
        pk=("repo", "branch", "signature"),
    )
    db.table("breaker_events").create(
        {
            "id": int,
            "at": float,
            "repo": str,
            "branch": str,
            "signature": str,
            "from_state": str,
            "to_state": str,
            "reason": str,
            "actor": str,
            "remediation_id": int,
        },
        pk="id",
    )
    db.table("breaker_events").create_index(["repo", "branch", "signature"])


def _m2_remediations(db: sqlite_utils.Database) -> None:
    db.table("remediations").create(
        {
            "id": int,
            "repo": str,
            "branch": str,
            "signature": str,
            "strategy": str,
            "rule": str,
            "state": str,
            "run_id": int,
            "run_attempt": int,
            "fix_branch": str,
            "pr_number": int,
            "pr_url": str,
            "head_sha": str,
            "snapshot_id": str,
            "created_at": float,
            "updated_at": float,
            "detail": str,
        },
        pk="id",
    )
    db.table("remediations").create_index(["repo", "branch", "signature"])
    db.table("intents").create(
        {"id": int, "remediation_id": int, "action": str, "target": str, "status": str, "at": float},
        pk="id",
    )
    db.table("health_checks").create(
        {
            "remediation_id": int,
            "due_at": float,
            "deadline": float,
            "attempts": int,
            "outcome": str,
            "updated_at": float,
        },
        pk="remediation_id",
    )
    db.table("snapshots").create(
        {"id": str, "repo": str, "branch": str, "base_sha": str, "created_at": float, "files": str},
        pk="id",
    )
    db.table("cursors").create({"repo": str, "etag": str, "since": str, "updated_at": float}, pk="repo")


def _m3_handling_errors(db: sqlite_utils.Database) -> None:
    failures = db.table("failures")
    failures.add_column("released", int, not_null_default=0)  # claimed, then given back after an error
    failures.add_column("errors", int, not_null_default=0)  # how many times handling it ended in an error


# what the free-form `detail` JSON held before these became columns
_TYPED_COLUMNS: dict[str, tuple[type, object]] = {
    "title": (str, ""),
    "body": (str, ""),
    "labels": (str, "[]"),
    "draft": (int, 0),
    "fixer": (str, ""),
    "rollback_done": (str, "[]"),
    "rollback_reason": (str, ""),
    "error": (str, ""),
}


def _m4_typed_remediations(db: sqlite_utils.Database) -> None:
    table = db.table("remediations")
    for name, (kind, default) in _TYPED_COLUMNS.items():
        table.add_column(name, kind, not_null_default=default)
    for row in list(table.rows):
        detail = json.loads(row["detail"] or "{}")
        moved = {name: detail.pop(name) for name in list(detail) if name in _TYPED_COLUMNS}
        if "rollback_error" in detail:
            moved["error"] = detail.pop("rollback_error")
        for name in ("labels", "rollback_done"):
            if name in moved:
                moved[name] = json.dumps(list(moved[name]))
        if "draft" in moved:
            moved["draft"] = int(bool(moved["draft"]))
        detail.pop("base", None)  # always the remediation's own branch
        table.update(row["id"], {**moved, "detail": json.dumps(detail, sort_keys=True)})


def _m5_storms(db: sqlite_utils.Database) -> None:
    db.table("sightings").create(
        {
            "id": int,
            "repo": str,
            "branch": str,
            "signature": str,
            "category": str,
            "run_id": int,
            "run_attempt": int,
            "at": float,
        },
        pk="id",
    )
    db.table("sightings").create_index(["repo", "run_id", "run_attempt"], unique=True)
    db.table("sightings").create_index(["signature", "at"])
    db.table("incidents").create(
        {
            "id": int,
            "signature": str,
            "category": str,
            "started_at": float,
            "last_seen": float,
            "ended_at": float,
            "repos": str,  # JSON list
            "issue_repo": str,
            "issue_number": int,
            "issue_url": str,
        },
        pk="id",
    )
    db.table("incidents").create_index(["signature", "ended_at"])


def _m6_fix_evidence(db: sqlite_utils.Database) -> None:
    """A fix's own evidence (its base commit, the checks that failed there), a merged fix's revert PR, the
    health check's measurement counters, and which breaker opening was announced on GitHub."""
    remediations = db.table("remediations")
    for name, default in (("base_sha", ""), ("failed_workflow", ""), ("failed_jobs", "[]"), ("revert_url", "")):
        remediations.add_column(name, str, not_null_default=default)
    checks = db.table("health_checks")
    for name in ("failures", "inconclusives", "errors"):
        checks.add_column(name, int, not_null_default=0)
    db.table("breakers").add_column("announced_at", float)


def _m7_leases(db: sqlite_utils.Database) -> None:
    """Claims become leases: a failure is `decided` once a decision about it is recorded; until then its claim
    holds until `lease_until`. Remediations get a lease too (who works on one right now) and an error count;
    each remediation's breaker outcome is recorded once (`breaker_outcomes`)."""
    failures = db.table("failures")
    failures.add_column("decided", int, not_null_default=0)
    failures.add_column("lease_until", float, not_null_default=0)
    db.execute("UPDATE failures SET decided = 1 WHERE released = 0 OR errors >= 3")  # `released` is no longer used
    remediations = db.table("remediations")
    remediations.add_column("lease_until", float, not_null_default=0)
    remediations.add_column("errors", int, not_null_default=0)
    db.table("breaker_outcomes").create(
        {"remediation_id": int, "repo": str, "branch": str, "signature": str, "success": int, "at": float},
        pk="remediation_id",
    )
    db.table("failures").create_index(["seen_at"])


def _m8_people(db: sqlite_utils.Database) -> None:
    """What a rollback did (the revert commit), where a merged fix landed, and the change a fix made, so the same
    change is never proposed again for the same failure."""
    remediations = db.table("remediations")
    for name in ("revert_sha", "landed_sha", "diff_digest"):
        remediations.add_column(name, str, not_null_default="")


def _m9_responses(db: sqlite_utils.Database) -> None:
    """GitHub's answers to the reads the agent repeats, with their validators (ETag or Last-Modified), so the
    next cycle asks conditionally: a 304 costs no rate limit."""
    db.table("responses").create({"key": str, "validator": str, "body": str, "used_at": float}, pk="key")
    db.table("responses").create_index(["used_at"])


MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("0001_initial", _m1_initial),
    ("0002_remediations", _m2_remediations),
    ("0003_handling_errors", _m3_handling_errors),
    ("0004_typed_remediations", _m4_typed_remediations),
    ("0005_storms", _m5_storms),
    ("0006_fix_evidence", _m6_fix_evidence),
    ("0007_leases", _m7_leases),
    ("0008_people", _m8_people),
    ("0009_responses", _m9_responses),
]

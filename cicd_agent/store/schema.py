"""The state database's schema: migrations as functions, applied once each and recorded in `_migrations`.

One list for both backends: a migration speaks through the backend's DDL (`create_table`, `add_column`,
`create_index`, with the column types int, str and float) and its portable SQL (`execute`, `rows`), so SQLite
and PostgreSQL get the same tables. To add one: append `("NNNN_what", _mNNNN_what)` at the end, never edit or
reorder one that shipped; add columns with a default or nullable (hosts still on the previous release keep
running against the new schema); test it on both backends (tests/store, `schema_of`).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from cicd_agent.store.backend import Backend


def _m1_initial(db: Backend) -> None:
    db.create_table("meta", {"key": str, "value": str}, pk="key")
    db.create_table(
        "failures",
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
    db.create_index("failures", ["repo", "run_id", "run_attempt"], unique=True)
    db.create_table(
        "decisions",
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
    db.create_index("decisions", ["repo", "at"])
    db.create_table(
        "breakers",
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
    db.create_table(
        "breaker_events",
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
    db.create_index("breaker_events", ["repo", "branch", "signature"])


def _m2_remediations(db: Backend) -> None:
    db.create_table(
        "remediations",
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
    db.create_index("remediations", ["repo", "branch", "signature"])
    db.create_table(
        "intents",
        {"id": int, "remediation_id": int, "action": str, "target": str, "status": str, "at": float},
        pk="id",
    )
    db.create_table(
        "health_checks",
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
    db.create_table(
        "snapshots",
        {"id": str, "repo": str, "branch": str, "base_sha": str, "created_at": float, "files": str},
        pk="id",
    )
    db.create_table("cursors", {"repo": str, "etag": str, "since": str, "updated_at": float}, pk="repo")


def _m3_handling_errors(db: Backend) -> None:
    db.add_column("failures", "released", int, 0)  # claimed, then given back after an error
    db.add_column("failures", "errors", int, 0)  # how many times handling it ended in an error


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


def _m4_typed_remediations(db: Backend) -> None:
    for name, (kind, default) in _TYPED_COLUMNS.items():
        db.add_column("remediations", name, kind, default)
    for row in db.rows("SELECT * FROM remediations ORDER BY id"):
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
        db.update("remediations", {"id": row["id"]}, {**moved, "detail": json.dumps(detail, sort_keys=True)})


def _m5_storms(db: Backend) -> None:
    db.create_table(
        "sightings",
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
    db.create_index("sightings", ["repo", "run_id", "run_attempt"], unique=True)
    db.create_index("sightings", ["signature", "at"])
    db.create_table(
        "incidents",
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
    db.create_index("incidents", ["signature", "ended_at"])


def _m6_fix_evidence(db: Backend) -> None:
    """A fix's own evidence (its base commit, the checks that failed there), a merged fix's revert PR, the
    health check's measurement counters, and which breaker opening was announced on GitHub."""
    for name, default in (("base_sha", ""), ("failed_workflow", ""), ("failed_jobs", "[]"), ("revert_url", "")):
        db.add_column("remediations", name, str, default)
    for name in ("failures", "inconclusives", "errors"):
        db.add_column("health_checks", name, int, 0)
    db.add_column("breakers", "announced_at", float)


def _m7_leases(db: Backend) -> None:
    """Claims become leases: a failure is `decided` once a decision about it is recorded; until then its claim
    holds until `lease_until`. Remediations get a lease too (who works on one right now) and an error count;
    each remediation's breaker outcome is recorded once (`breaker_outcomes`)."""
    db.add_column("failures", "decided", int, 0)
    db.add_column("failures", "lease_until", float, 0.0)
    db.execute("UPDATE failures SET decided = 1 WHERE released = 0 OR errors >= 3")  # `released` is no longer used
    db.add_column("remediations", "lease_until", float, 0.0)
    db.add_column("remediations", "errors", int, 0)
    db.create_table(
        "breaker_outcomes",
        {"remediation_id": int, "repo": str, "branch": str, "signature": str, "success": int, "at": float},
        pk="remediation_id",
    )
    db.create_index("failures", ["seen_at"])


def _m8_people(db: Backend) -> None:
    """What a rollback did (the revert commit), where a merged fix landed, and the change a fix made, so the same
    change is never proposed again for the same failure."""
    for name in ("revert_sha", "landed_sha", "diff_digest"):
        db.add_column("remediations", name, str, "")


def _m9_responses(db: Backend) -> None:
    """GitHub's answers to the reads the agent repeats, with their validators (ETag or Last-Modified), so the
    next cycle asks conditionally: a 304 costs no rate limit."""
    db.create_table("responses", {"key": str, "validator": str, "body": str, "used_at": float}, pk="key")
    db.create_index("responses", ["used_at"])


def _m10_fleet(db: Backend) -> None:
    """Several hosts on one database: who holds each lease (its heartbeat renews only its own), the hosts seen
    (`agent status`, the request budget's share of each), and the points of the request budget spent per window
    (the fleet's, shared)."""
    db.add_column("failures", "leased_by", str, "")
    db.add_column("remediations", "leased_by", str, "")
    db.create_table("hosts", {"id": str, "hostname": str, "pid": int, "started_at": float, "seen_at": float}, pk="id")
    db.create_table("budget", {"bucket": str, "starts": float, "spent": int}, pk=("bucket", "starts"))


def _m11_flake_ledger(db: Backend) -> None:
    """The flake ledger: tests (or jobs) that failed and then passed on a re-run of the same commit, per
    repository; the re-runs spent on known flakes (a per-repository budget); the tests each re-run was for."""
    db.create_table(
        "flaky_tests",
        {
            "repo": str,
            "name": str,
            "flakes": int,
            "first_at": float,
            "last_at": float,
            "last_run_id": int,
            "last_signature": str,
            "issue_number": int,
            "issue_url": str,
            "reported_flakes": int,
        },
        pk=("repo", "name"),
    )
    db.create_index("flaky_tests", ["repo", "flakes"])
    db.create_table(
        "flake_reruns",
        {"id": int, "repo": str, "at": float, "run_id": int, "run_attempt": int, "signature": str},
        pk="id",
    )
    db.create_index("flake_reruns", ["repo", "at"])
    db.create_table("rerun_tests", {"remediation_id": int, "repo": str, "names": str}, pk="remediation_id")


def _m12_webhook_deliveries(db: Backend) -> None:
    """Webhook deliveries by their `X-GitHub-Delivery` GUID (the same on a redelivery): each handled once
    (`received_at`), and the redeliveries the agent asked GitHub for (`redelivered_at`, how many)."""
    db.create_table(
        "webhook_deliveries",
        {"guid": str, "event": str, "received_at": float, "redelivered_at": float, "redeliveries": int},
        pk="guid",
    )
    db.create_index("webhook_deliveries", ["received_at"])


MIGRATIONS: list[tuple[str, Callable[[Backend], None]]] = [
    ("0001_initial", _m1_initial),
    ("0002_remediations", _m2_remediations),
    ("0003_handling_errors", _m3_handling_errors),
    ("0004_typed_remediations", _m4_typed_remediations),
    ("0005_storms", _m5_storms),
    ("0006_fix_evidence", _m6_fix_evidence),
    ("0007_leases", _m7_leases),
    ("0008_people", _m8_people),
    ("0009_responses", _m9_responses),
    ("0010_fleet", _m10_fleet),
    ("0011_flake_ledger", _m11_flake_ledger),
    ("0012_webhook_deliveries", _m12_webhook_deliveries),
]

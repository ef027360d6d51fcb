"""Rows to model values and back: enums as text, tuples as JSON lists, booleans as 0/1."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from cicd_agent.breaker import Breaker, State
from cicd_agent.model import FailureKey, HealthCheck, HealthOutcome, Remediation, RemState, Snapshot, Strategy

REMEDIATION_FIELDS = {f.name for f in dataclasses.fields(Remediation)}
_JSON_LISTS = ("labels", "rollback_done", "failed_jobs")
_TEXT = (
    *("rule", "fix_branch", "pr_url", "head_sha", "snapshot_id", "title", "body", "fixer", "error"),
    *("base_sha", "failed_workflow", "revert_url", "revert_sha", "landed_sha", "diff_digest"),
)


@dataclasses.dataclass(frozen=True)
class StoredBreaker:
    key: FailureKey
    breaker: Breaker
    updated_at: float


def key_columns(key: FailureKey) -> dict[str, str]:
    return {"repo": key.repo, "branch": key.branch, "signature": key.signature}


def key_values(key: FailureKey) -> list[str]:
    return [key.repo, key.branch, key.signature]


def remediation_row(fields: dict[str, Any]) -> dict[str, Any]:
    """Model values as columns: enums as text, tuples as JSON lists, booleans as 0/1."""
    row = {k: str(v) if isinstance(v, Strategy | RemState) else v for k, v in fields.items()}
    for name in _JSON_LISTS:
        if name in row:
            row[name] = json.dumps(list(row[name]))
    if "draft" in row:
        row["draft"] = int(bool(row["draft"]))
    return row


def remediation_of(row: dict[str, Any]) -> Remediation:
    values = {k: v for k, v in row.items() if k in REMEDIATION_FIELDS}
    for name in _JSON_LISTS:
        values[name] = tuple(json.loads(values.get(name) or "[]"))
    values["draft"] = bool(values.get("draft"))
    values["strategy"] = Strategy(values["strategy"])
    values["state"] = RemState(values["state"])
    for name in _TEXT:
        values[name] = values.get(name) or ""
    values["pr_number"] = values.get("pr_number") or 0
    return Remediation(**values)


def health_check_of(row: dict[str, Any]) -> HealthCheck:
    return HealthCheck(
        row["remediation_id"],
        row["due_at"],
        row["deadline"],
        row["attempts"] or 0,
        HealthOutcome(row["outcome"]) if row["outcome"] else None,
        row["updated_at"] or 0.0,
        row.get("failures") or 0,
        row.get("inconclusives") or 0,
        row.get("errors") or 0,
    )


def snapshot_of(row: dict[str, Any]) -> Snapshot:
    return Snapshot(
        row["id"], row["repo"], row["branch"], row["base_sha"], row["created_at"], json.loads(row["files"] or "{}")
    )


def breaker_of(row: dict[str, Any]) -> StoredBreaker:
    breaker = Breaker(
        state=State(row["state"]),
        failures=row["failures"] or 0,
        opened_at=row["opened_at"],
        trial_in_flight=bool(row["trial_in_flight"]),
        last_failure_run=row["last_failure_run"] or "",
    )
    return StoredBreaker(FailureKey(row["repo"], row["branch"], row["signature"]), breaker, row["updated_at"] or 0.0)

"""Snapshots: before any remote write, the base commit, the branch, and every touched file's original
content (or absence), kept as JSON under the snapshot directory and in the store, for rollbacks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cicd_agent.effects import Effects
from cicd_agent.fixers import FixPlan
from cicd_agent.store import Store


def snapshot_id(repo: str, branch: str, base_sha: str, paths: list[str]) -> str:
    """Deterministic: retrying the same fix finds the same snapshot instead of making another."""
    key = "\n".join([repo, branch, base_sha, *sorted(paths)])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def capture(repo: str, branch: str, base_sha: str, plan: FixPlan, now: float) -> dict[str, Any]:
    files = {c.path: c.before for c in plan.changes}
    return {
        "id": snapshot_id(repo, branch, base_sha, list(files)),
        "repo": repo,
        "branch": branch,
        "base_sha": base_sha,
        "created_at": now,
        "files": files,
    }


def save(effects: Effects, store: Store, directory: Path, snapshot: dict[str, Any]) -> None:
    """To disk first (atomically), then the store: a store row always has its file."""
    effects.write_local(
        directory / f"{snapshot['id']}.json",
        json.dumps(snapshot, indent=2, sort_keys=True),
        f"snapshot of {len(snapshot['files'])} file(s) of {snapshot['repo']}",
    )
    store.save_snapshot(snapshot)


def cleanup(
    effects: Effects, store: Store, directory: Path, *, retention: float, now: float, keep: set[str]
) -> list[str]:
    """Delete snapshots older than `retention`, except those `keep` names (still needed for a rollback)."""
    removed = []
    for row in store.snapshots():
        if row["id"] in keep or now - row["created_at"] < retention:
            continue
        effects.remove_local(directory / f"{row['id']}.json", f"expired snapshot of {row['repo']}")
        store.delete_snapshot(row["id"])
        removed.append(row["id"])
    return removed

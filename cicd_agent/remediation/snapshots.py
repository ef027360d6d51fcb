"""Snapshots: before any remote write, the base commit, the branch, and every touched file's original
content (or absence), kept as JSON under the snapshot directory and in the store, for rollbacks."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from cicd_agent.effects.gateway import Effects
from cicd_agent.fixers import FixPlan
from cicd_agent.model import ACTIVE, Snapshot
from cicd_agent.store import Store


def snapshot_id(repo: str, branch: str, base_sha: str, paths: list[str]) -> str:
    """Deterministic: retrying the same fix finds the same snapshot instead of making another."""
    key = "\n".join([repo, branch, base_sha, *sorted(paths)])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def capture(repo: str, branch: str, base_sha: str, plan: FixPlan, now: float) -> Snapshot:
    files = {c.path: c.before for c in plan.changes}
    return Snapshot(snapshot_id(repo, branch, base_sha, list(files)), repo, branch, base_sha, now, files)


def save(effects: Effects, store: Store, directory: Path, snapshot: Snapshot) -> None:
    """To disk first (atomically), then the store: a store row always has its file."""
    effects.write_local(
        directory / f"{snapshot.id}.json",
        json.dumps(dataclasses.asdict(snapshot), indent=2, sort_keys=True),
        f"snapshot of {len(snapshot.files)} file(s) of {snapshot.repo}",
    )
    store.save_snapshot(snapshot)


def still_needed(store: Store) -> set[str]:
    """Snapshots a remediation in flight may still roll back to: never cleaned up."""
    return {r.snapshot_id for r in store.remediations(states=ACTIVE) if r.snapshot_id}


def cleanup(effects: Effects, store: Store, directory: Path, *, retention: float, now: float) -> list[str]:
    """Delete snapshots older than `retention`, except those still needed for a rollback. Every host sharing a
    store runs it: the rows go once, and each host's own copies in `directory` go too, also those whose row
    another host removed first."""
    keep = still_needed(store)
    removed = []
    known = set()
    for snapshot in store.snapshots():
        known.add(snapshot.id)
        if snapshot.id in keep or now - snapshot.created_at < retention:
            continue
        effects.remove_local(directory / f"{snapshot.id}.json", f"expired snapshot of {snapshot.repo}")
        store.delete_snapshot(snapshot.id)
        removed.append(snapshot.id)
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        if path.stem not in known and now - path.stat().st_mtime >= retention:
            effects.remove_local(path, "expired snapshot (its record was removed by another host)")
            removed.append(path.stem)
    return removed

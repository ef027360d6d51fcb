"""Snapshot cleanup on hosts sharing one store: the expired rows go once, and each host's own copies go too,
also those whose row another host removed first; what a fix in flight may roll back to stays."""

from __future__ import annotations

import os
from pathlib import Path

from harness import OpenStore

from cicd_agent.effects.gateway import Effects
from cicd_agent.effects.notify import Notifier
from cicd_agent.model import Snapshot
from cicd_agent.remediation import snapshots

DAY = 86400.0


def test_every_host_removes_its_own_expired_copies(new_store: OpenStore, tmp_path: Path) -> None:
    effects = Effects(None, notifier=Notifier([], echo=lambda _: None))
    first, second = new_store(), new_store()
    dirs = [tmp_path / "host-a", tmp_path / "host-b"]
    old = Snapshot("old", "o/r", "main", "a" * 40, 0.0, {"f.txt": "before\n"})
    fresh = Snapshot("fresh", "o/r", "main", "b" * 40, 9 * DAY, {"f.txt": "before\n"})
    snapshots.save(effects, first, dirs[0], old)
    snapshots.save(effects, second, dirs[1], old)  # the same fix's snapshot on two hosts (a takeover)
    snapshots.save(effects, second, dirs[1], fresh)
    for path in dirs[1].glob("*.json"):  # written long ago, as the rows say
        os.utime(path, (0, 0 if path.stem == "old" else 9 * DAY))
    assert snapshots.cleanup(effects, first, dirs[0], retention=7 * DAY, now=10 * DAY) == ["old"]
    assert [s.id for s in second.snapshots()] == ["fresh"]
    assert snapshots.cleanup(effects, second, dirs[1], retention=7 * DAY, now=10 * DAY) == ["old"]  # its copy
    assert sorted(p.name for p in dirs[0].iterdir()) == []
    assert sorted(p.name for p in dirs[1].iterdir()) == ["fresh.json"]

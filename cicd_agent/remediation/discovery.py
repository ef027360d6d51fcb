"""Which repositories the agent watches: the config's exact names, and the discovered repositories that a
`[[repos]]` glob selects (`config/repos.py` has the rule: an exact name first, then the first glob).

Discovery lists either each glob owner's repositories (`[github] discover = "orgs"`: `GET /orgs/{owner}/repos`)
or every repository the GitHub App installation can see (`"installation"`; with no `[[repos]]` entry at all, all
of them are watched). Archived repositories and forks are skipped unless the glob asks for them. The list is read
at start, every `[schedule] discover_interval`, and on the installation webhooks; a listing that fails keeps the
last list (and says so). `agent status` shows the last discovery (the store's meta `discovery`).
"""

from __future__ import annotations

import collections
import json
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from cicd_agent.config.repos import is_glob, is_repo_name, matches, skip_reason
from cicd_agent.config.settings import Config, RepoConfig
from cicd_agent.errors import AgentError
from cicd_agent.github.values import ListedRepo
from cicd_agent.remediation.context import Ports, Report
from cicd_agent.store import Store

DISCOVERY_KEY = "discovery"  # the store's meta: the last discovery's summary, for `agent status`
REFRESH_GAP = 60.0  # seconds: installation webhooks list the repositories again at most once a gap
EVERY = RepoConfig(name="*/*")  # `discover = "installation"` with no [[repos]] entry: every repository it sees


@dataclass(frozen=True)
class Selection:
    """What one discovery found: the repositories watched (exact names first), and how many of the listed ones
    were left out, by why (archived, fork, no glob matches)."""

    source: str
    listed: int
    watched: tuple[str, ...]
    skipped: dict[str, int] = field(default_factory=dict)


def discovers(config: Config) -> bool:
    """Whether the config asks for discovery: a glob entry, or an installation with no entry at all."""
    return any(is_glob(r.name) for r in config.repos) or (not config.repos and config.github.discover == "installation")


def exact_names(config: Config) -> list[str]:
    return [r.name for r in config.repos if not is_glob(r.name)]


def selecting_entry(config: Config, name: str) -> RepoConfig | None:
    """The glob entry that would select a discovered repository of this name (None: none does)."""
    if not config.repos and config.github.discover == "installation":
        return EVERY
    return next((e for e in config.repos if is_glob(e.name) and matches(e.name, name)), None)


def select(config: Config, listed: Sequence[ListedRepo], source: str) -> Selection:
    """The repositories to watch (pure): the exact names, then each listed repository a glob selects, by name."""
    watched = exact_names(config)
    seen = {name.lower() for name in watched}
    skipped: collections.Counter[str] = collections.Counter()
    for repo in sorted(listed, key=lambda r: r.full_name.lower()):
        if repo.full_name.lower() in seen:
            continue
        entry = selecting_entry(config, repo.full_name)
        reason = "unmatched" if entry is None else skip_reason(entry, archived=repo.archived, fork=repo.fork)
        if not is_repo_name(repo.full_name):
            reason = "not a repository name"
        if reason:
            skipped[reason] += 1
            continue
        watched.append(repo.full_name)
        seen.add(repo.full_name.lower())
    return Selection(source, len(listed), tuple(watched), dict(sorted(skipped.items())))


def list_repositories(p: Ports) -> tuple[list[ListedRepo], str]:
    """The repositories discovery looks at, and where they came from."""
    if p.config.github.discover == "installation":
        return p.github.installation_repositories(), "installation"
    owners = sorted({r.name.split("/")[0].lower() for r in p.config.repos if is_glob(r.name)})
    found: list[ListedRepo] = []
    for owner in owners:
        found += p.github.org_repositories(owner)
    return found, "orgs " + ", ".join(owners)


class Fleet:
    """The repositories watched now, read by the cycles, the sweep and the webhook router; `refresh` lists them
    again. `fixed` (the `--repo` options) watches exactly those, with no discovery."""

    def __init__(self, config: Config, fixed: Sequence[str] = ()) -> None:
        self.config = config
        self.fixed = bool(fixed)
        self._names: list[str] = list(fixed) or exact_names(config)
        self._lock = threading.Lock()
        self.discovered = False  # a discovery has succeeded in this process
        self._changed = False  # an installation webhook asked for a listing not made yet
        self._changed_listing_at: float | None = None  # when the last listing an installation webhook asked for ran

    @property
    def discovers(self) -> bool:
        return not self.fixed and discovers(self.config)

    def names(self) -> list[str]:
        with self._lock:
            return list(self._names)

    def watches(self, name: str) -> bool:
        return self.spelled(name) is not None

    def spelled(self, name: str) -> str | None:
        """A watched repository's name as the agent keeps it (the config's spelling, or GitHub's for a discovered
        one); None when it is not watched."""
        with self._lock:
            return next((n for n in self._names if n.lower() == name.lower()), None)

    def admits(self, name: str, *, archived: bool, fork: bool) -> bool:
        """A webhook delivery about `name`: watched already, or a repository not listed yet (created since the last
        discovery) that a glob selects by what the delivery says of it; such a one is watched from now on."""
        if self.watches(name):
            return True
        entry = None if not self.discovers or not is_repo_name(name) else selecting_entry(self.config, name)
        if entry is None or skip_reason(entry, archived=archived, fork=fork):
            return False
        with self._lock:
            self._names.append(name)
        return True

    def installation_changed(self) -> None:
        """An installation webhook said its repositories changed: `refresh_if_changed` lists them again."""
        self._changed = True

    def refresh_if_changed(self, p: Ports, report: Report) -> Selection | None:
        """List again when an installation webhook asked for it, at most once every REFRESH_GAP: a burst of them (an
        owner adding repositories one by one) makes one listing now and one when the gap is over, not one each."""
        if not self._changed:
            return None
        if self._changed_listing_at is not None and p.now() < self._changed_listing_at + REFRESH_GAP:
            return None
        self._changed, self._changed_listing_at = False, p.now()
        return self.refresh(p, report)

    def refresh(self, p: Ports, report: Report) -> Selection | None:
        """List the repositories again and watch what the config selects among them; a listing that fails is an
        error of this cycle and the last list stays."""
        if not self.discovers:
            return None
        try:
            listed, source = list_repositories(p)
        except AgentError as exc:
            kept = f"still watching the {len(self.names())} known" if self.discovered else "watching only the named"
            report.error(p, f"discovering repositories: {exc}; {kept} repositories")
            return None
        selection = select(self.config, listed, source)
        with self._lock:
            before = {n.lower() for n in self._names}
            self._names = list(selection.watched)
        first, self.discovered = not self.discovered, True
        record(p.store, selection, at=p.now())
        said = summary(selection, before, first=first)
        if said:
            p.echo(said)
        return selection


def summary(selection: Selection, before: set[str], *, first: bool) -> str:
    """What a discovery says: everything the first time, then only what changed ("" when nothing did)."""
    now = {n.lower() for n in selection.watched}
    added = [n for n in selection.watched if n.lower() not in before]
    gone = len(before - now)
    if not first and not added and not gone:
        return ""
    skipped = ", ".join(f"{count} {why}" for why, count in selection.skipped.items())
    changes = []
    if added and not first:
        changes.append(f"new: {', '.join(added[:10])}{' ...' if len(added) > 10 else ''}")
    if gone and not first:
        changes.append(f"{gone} no longer listed")
    return (
        f"discovered {selection.listed} repositories ({selection.source}): watching {len(selection.watched)}"
        + (f", skipped {skipped}" if skipped else "")
        + (f"; {'; '.join(changes)}" if changes else "")
    )


def record(store: Store, selection: Selection, *, at: float) -> None:
    store.set_meta(DISCOVERY_KEY, json.dumps({**asdict(selection), "watched": len(selection.watched), "at": at}))


def last(store: Store) -> dict[str, Any] | None:
    """The last discovery's summary (source, listed, watched, skipped, at), or None."""
    value = store.get_meta(DISCOVERY_KEY)
    return json.loads(value) if value else None

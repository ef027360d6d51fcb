"""Which `[[repos]]` entry a repository takes its settings from, and what a glob entry selects (pure).

An entry's name is `OWNER/NAME` or a glob over it (`octo-org/*`, `octo-org/api-*`, `*/*`; fnmatch's `*`, `?`,
`[...]`, case-insensitive as GitHub's names are). The rule: an exact name wins over every glob; among globs the
first in the file wins. A glob entry also decides whether a discovered archived repository or fork is watched
(`include_archived`, `include_forks`); an exact name is always watched.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cicd_agent.config.settings import RepoConfig

GLOB_CHARS = frozenset("*?[")
REPO_GLOB = re.compile(r"^[A-Za-z0-9_.\-*?\[\]!]+/[A-Za-z0-9_.\-*?\[\]!]+$")
DISCOVERY_SOURCES = ("orgs", "installation")  # [github] discover
# a repository's full name as GitHub spells one (owner and name of letters, digits, `.`, `-`, `_`, never `.` or
# `..`): a listed or delivered name of any other shape is never watched (it would be a path, markup or a command)
REPO_NAME = re.compile(r"(?!\.\.?/)[A-Za-z0-9_.-]{1,100}/(?!\.\.?$)[A-Za-z0-9_.-]{1,100}")


def is_repo_name(name: str) -> bool:
    return REPO_NAME.fullmatch(name) is not None


def is_glob(name: str) -> bool:
    return any(c in GLOB_CHARS for c in name)


def unmatchable(pattern: str) -> str | None:
    """Why a glob can match no repository name, or None: a `[` whose set is never closed (fnmatch then reads it
    as a literal `[`, which no name holds; as in fnmatch, a `]` first in the set, after `[` or `[!`, is a
    member, not its end)."""
    for part in pattern.split("/"):
        start = part.find("[")
        while start != -1:
            first = start + 1 + (part[start + 1 : start + 2] == "!")
            close = part.find("]", first + (part[first : first + 1] == "]"))
            if close == -1:
                return f"the [ at {part!r} is never closed"
            start = part.find("[", close + 1)
    return None


def matches(pattern: str, name: str) -> bool:
    return fnmatch.fnmatchcase(name.lower(), pattern.lower())


def entry_for(entries: Sequence[RepoConfig], name: str) -> RepoConfig | None:
    """The entry whose settings apply to `name`: its exact entry, else the first glob that matches it."""
    exact = next((e for e in entries if not is_glob(e.name) and e.name.lower() == name.lower()), None)
    return exact or next((e for e in entries if is_glob(e.name) and matches(e.name, name)), None)


def skip_reason(entry: RepoConfig, *, archived: bool, fork: bool) -> str:
    """Why a glob entry leaves a discovered repository out: "archived", "fork", or "" (it is watched)."""
    if archived and not entry.include_archived:
        return "archived"
    if fork and not entry.include_forks:
        return "fork"
    return ""


def shadowing(entries: Sequence[RepoConfig], index: int) -> int | None:
    """The earlier glob that matches every name entry `index` (a glob) matches, so that it never applies; None when
    there is none. Only the sure cases: an earlier `OWNER/*` (or `*/*`) over a glob of the same owner, or the
    same pattern."""
    later = entries[index].name.lower()
    owner = later.split("/")[0]
    for earlier_index, earlier in enumerate(entries[:index]):
        pattern = earlier.name.lower()
        if not is_glob(pattern):
            continue
        earlier_owner, earlier_name = pattern.split("/", 1) if "/" in pattern else (pattern, "")
        if pattern == later or (earlier_name == "*" and (earlier_owner == "*" or earlier_owner == owner)):
            return earlier_index
    return None


def describe(entries: Sequence[RepoConfig], discover: str) -> list[str]:
    """One line per glob entry, for `agent config check`: where its repositories come from and what it skips."""
    if not entries and discover == "installation":
        return ["every repository the GitHub App installation can see (no [[repos]] entry): archived and forks skipped"]
    lines = []
    for index, entry in enumerate(entries):
        if not is_glob(entry.name):
            continue
        owner = entry.name.split("/")[0]
        source = (
            "the GitHub App installation's repositories (GET /installation/repositories)"
            if discover == "installation"
            else f"the repositories of {owner} (GET /orgs/{owner}/repos)"
        )
        flags = (("archived", entry.include_archived), ("forks", entry.include_forks))
        skipped = [what for what, kept in flags if not kept]
        skips = f"; {' and '.join(skipped)} skipped" if skipped else ""
        lines.append(f"repos[{index}] {entry.name}: the ones it matches among {source}{skips}")
    if lines:
        lines.append("an exact name wins over every glob; among globs the first in the file wins")
    return lines

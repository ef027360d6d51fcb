"""What a `uses:` reaches: the actions a composite action runs and the jobs a reusable workflow calls, at
the version pinned, read from their own repositories (the versions port), recursively.

A reference is a problem when GitHub's log names it (a deprecated version) or when the retirement table
says it fails; a reference whose reach holds a problem is a problem too. `clean_release` picks the release
of a called action or workflow whose whole reach is clean: the latest, else the newest of its major.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

from cicd_agent.fixers.action_messages import Named
from cicd_agent.fixers.action_table import pinned_version, retirement, said
from cicd_agent.fixers.action_versions import ActionVersion, ActionVersions, version_tuple

DEPTH = 4
_SHA = re.compile(r"[0-9a-f]{40}")
_USES = re.compile(r"(?P<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:/[^@\s]+)?)@(?P<ref>[^\s@]+)")


@dataclass(frozen=True)
class Problem:
    action: str  # what must not stay, as written (owner/repo[/path])
    ref: str
    why: str  # "named in the log" or the retirement notice
    fatal: bool
    via: str = ""  # the chain of references it was reached through ("a/b@v1 -> c/d/.github/workflows/x.yml@v2")

    def shown(self) -> str:
        inside = f" (reached through {self.via})" if " -> " in self.via else ""
        return f"{self.action}@{self.ref}{inside}: {self.why}"


def matches(action: str, ref: str, comment: str, named: Named) -> bool:
    """Whether `action@ref` is the one GitHub's message names (a SHA pin by its commented version)."""
    if action.lower() != named.action.lower():
        return False
    if named.ref is None or ref == named.ref:
        return True
    wanted, have = version_tuple(named.ref), pinned_version(ref, comment)
    return wanted[0] >= 0 and have is not None and have[0] == wanted[0]


def own_problem(action: str, ref: str, comment: str, named: list[Named]) -> Problem | None:
    for item in named:
        if matches(action, ref, comment, item):
            return Problem(action, ref, "named as deprecated in the log", item.fatal)
    row = retirement(action, ref, comment)
    if row is not None:
        return Problem(action, ref, said(row), row.fatal)
    return None


def is_workflow(action: str) -> bool:
    return "/.github/workflows/" in action and action.endswith((".yml", ".yaml"))


def read_remote(versions: ActionVersions, action: str, ref: str) -> tuple[str, str] | None:
    """(the file's path in its repository, its text) of a remote action or called workflow at `ref`."""
    parts = action.split("/")
    repo, sub = "/".join(parts[:2]), "/".join(parts[2:])
    names = [sub] if is_workflow(action) else [f"{sub}/action.yml".lstrip("/"), f"{sub}/action.yaml".lstrip("/")]
    for name in names:
        text = versions.file(repo, ref, name)
        if text is not None:
            return name, text
    return None


def references(text: str) -> list[tuple[str, str, str]]:
    """(action, ref, comment) of every `uses:` in a workflow or action file: steps and called workflows."""
    try:
        data = yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(data, dict):
        return []
    owners: list[object] = []
    jobs = data.get("jobs")
    if isinstance(jobs, dict):
        for job in jobs.values():
            if isinstance(job, dict):
                owners.append(job)
                owners += [s for s in job.get("steps") or [] if isinstance(s, dict)]
    runs = data.get("runs")
    if isinstance(runs, dict):
        owners += [s for s in runs.get("steps") or [] if isinstance(s, dict)]
    found = []
    for owner in owners:
        uses = owner.get("uses") if isinstance(owner, dict) else None
        if isinstance(uses, str):
            comment = _comment(text, uses)
            found.append((uses, comment))
    result = []
    for uses, comment in found:
        match = _USES.fullmatch(uses.strip())
        if match:
            result.append((match.group("action"), match.group("ref"), comment))
        elif uses.startswith("./"):
            result.append((uses, "", ""))
    return result


def _comment(text: str, uses: str) -> str:
    found = re.search(rf"{re.escape(uses)}['\"]?\s*#\s*(.*)$", text, re.MULTILINE)
    return found.group(1).strip() if found else ""


def reach_problems(
    versions: ActionVersions, action: str, ref: str, named: list[Named], seen: frozenset[str] = frozenset()
) -> list[Problem] | None:
    """Problems inside what `action@ref` runs (not itself); None when its file cannot be read."""
    key = f"{action}@{ref}"
    if key in seen or len(seen) >= DEPTH:
        return []
    remote = read_remote(versions, action, ref)
    if remote is None:
        return None
    text = remote[1]
    repo = "/".join(action.split("/")[:2])
    found: list[Problem] = []
    for inner, inner_ref, comment in references(text):
        if inner.startswith("./"):  # a local action of that repository, at the same ref
            inner, inner_ref = f"{repo}/{inner[2:].rstrip('/')}", ref
        own = own_problem(inner, inner_ref, comment, named)
        chain = f"{key} -> {inner}@{inner_ref}"
        if own is not None:
            found.append(Problem(own.action, own.ref, own.why, own.fatal, key))
        deeper = reach_problems(versions, inner, inner_ref, named, seen | {key})
        found += [Problem(p.action, p.ref, p.why, p.fatal, p.via or chain) for p in deeper or []]
    return found


def releases(versions: ActionVersions, repo: str) -> list[tuple[str, str]]:
    """(tag, commit) of the repository's full-version tags, newest first."""
    tags = [(t, sha) for t, sha in versions.tags(repo) if re.fullmatch(r"v?\d+\.\d+(?:\.\d+)?", t)]
    return sorted(tags, key=lambda pair: version_tuple(pair[0]), reverse=True)


def clean_release(
    versions: ActionVersions,
    action: str,
    current: tuple[int, int, int],
    named: list[Named],
    fits: Callable[[ActionVersion], str | None] = lambda _: None,
) -> tuple[ActionVersion, str] | str:
    """(the release to move to, a note): the newest release of the pinned major, else the latest release,
    that is newer than `current`, is not itself deprecated, whose whole reach is clean and that `fits` (the
    step's inputs); else why there is none."""
    repo = "/".join(action.split("/")[:2]).lower()
    tagged = [ActionVersion(repo, t, sha, None, "GitHub API") for t, sha in releases(versions, repo)]
    candidates = [c for c in tagged if version_tuple(c.tag)[0] == current[0]]
    latest = versions.latest(repo) or (tagged[0] if tagged else None)
    if latest is not None:
        candidates.append(latest)
    looked: list[str] = []
    for candidate in candidates:
        if version_tuple(candidate.tag) <= current:
            continue
        itself = own_problem(action, candidate.tag, "", named)
        problems = [itself] if itself else reach_problems(versions, action, candidate.tag, named)
        misfit = fits(candidate) if problems == [] else None
        if problems is None:
            looked.append(f"{candidate.tag} (cannot be read)")
        elif problems:
            looked.append(f"{candidate.tag} ({problems[0].shown()})")
        elif misfit:
            looked.append(f"{candidate.tag} ({misfit})")
        else:
            return candidate, f"{action}@{candidate.tag} was read: nothing it runs is deprecated"
    if not looked:
        return f"found no release of {repo} newer than the pinned one"
    return f"no release of {repo} newer than the pinned one will do: " + "; ".join(dict.fromkeys(looked[:3]))

"""Where an action's current version comes from: its own repository on GitHub, else a shipped, dated table.

The port (`ActionVersions`) answers "what is the latest release of owner/repo, its major tag, and the
commit each points at". `GitHubActionVersions` asks the GitHub API (the agent's own API host, so GitHub
Enterprise Server and the sandbox work too); `FallbackVersions` answers from `FALLBACK`, a table read from
the actions' repositories on `FALLBACK_DATE`. `versions_with_fallback` combines both and caches per process.

Requests made through the GitHub port (all GET): /repos/{o}/{r}/releases/latest, then
/repos/{o}/{r}/git/ref/tags/{tag} (and /git/tags/{sha} to peel an annotated tag) for the release tag and its
major tag; /repos/{o}/{r}/tags when the repository has no release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

import requests

from cicd_agent.errors import AgentError
from cicd_agent.github.client import GitHubClient

FALLBACK_DATE = "2026-08-20"  # the newest tags then, read from the actions' repositories and pinned real workflows
# action -> (latest release tag, its commit SHA, whether a moving major tag `vN` exists)
FALLBACK: dict[str, tuple[str, str, bool]] = {
    "actions/cache": ("v6.1.0", "55cc8345863c7cc4c66a329aec7e433d2d1c52a9", True),
    "actions/checkout": ("v7.0.1", "3d3c42e5aac5ba805825da76410c181273ba90b1", True),
    "actions/dependency-review-action": ("v4.9.0", "2031cfc080254a8a887f58cffee85186f0e49e48", True),
    "actions/first-interaction": ("v3.1.0", "1c4688942c71f71d4f5502a26ea67c331730fa4d", True),
    "actions/labeler": ("v7.0.0", "bf12e9b00b37c5c0ca2b87b79b2daf7891dbda13", True),
    "actions/setup-dotnet": ("v6.0.0", "a98b56852c35b8e3190ac28c8c2271da59106c68", True),
    "actions/stale": ("v10.3.0", "eb5cf3af3ac0a1aa4c9c45633dd1ae542a27a899", True),
    "github/codeql-action": ("v4.36.2", "8aad20d150bbac5944a9f9d289da16a4b0d87c1e", True),
    "actions/configure-pages": ("v5.0.0", "983d7736d9b0ae728b81ab479565c72886d7745b", True),
    "actions/deploy-pages": ("v5.0.0", "cd2ce8fcbc39b97be8ca5fce6e763baed58fa128", True),
    "actions/download-artifact": ("v8.0.1", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", True),
    "actions/github-script": ("v8.0.0", "ed597411d8f924073f98dfc5c65a23a2325f34cd", True),
    "actions/setup-go": ("v7.0.0", "b7ad1dad31e06c5925ef5d2fc7ad053ef454303e", True),
    "actions/setup-java": ("v5.7.0", "b6effb05e454b25005698d916606bdc6ffcbf961", True),
    "actions/setup-node": ("v7.0.0", "820762786026740c76f36085b0efc47a31fe5020", True),
    "actions/setup-python": ("v7.0.0", "5fda3b95a4ea91299a34e894583c3862153e4b97", True),
    "actions/upload-artifact": ("v7.0.1", "043fb46d1a93c77aae656e7c1c64a875d1fc6a0a", True),
    "actions/upload-pages-artifact": ("v5.0.0", "fc324d3547104276b827a68afc52ff2a11cc49c9", True),
    "astral-sh/setup-uv": ("v9.0.0", "c771a70e6277c0a99b617c7a806ffedaca235ff9", False),
    "codecov/codecov-action": ("v5.5.2", "671740ac38dd9b0130fbe1cec585b89eea48d3de", True),
    "dessant/lock-threads": ("v6.0.2", "89ae32b08ed1a541efecbab17912962a5e38981c", False),
    "docker/build-push-action": ("v7.3.0", "53b7df96c91f9c12dcc8a07bcb9ccacbed38856a", True),
    "docker/login-action": ("v4.1.0", "4907a6ddec9925e35a0a9e82d7399ccc52663121", True),
    "docker/setup-buildx-action": ("v4.3.0", "37fe631027851001ddb9b187196cc803df7f5f0e", True),
    "docker/setup-qemu-action": ("v4.2.0", "96fe6ef7f33517b61c61be40b68a1882f3264fb8", True),
    "pypa/gh-action-pypi-publish": ("v1.14.1", "ba38be9e461d3875417946c167d0b5f3d385a247", False),
    "softprops/action-gh-release": ("v3.0.0", "b4309332981a82ec1c5618f44dd2e27cc8bfbfda", True),
}
_SEMVER = re.compile(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?")


@dataclass(frozen=True)
class ActionVersion:
    action: str  # owner/repo
    tag: str  # the latest release's tag, e.g. v7.0.1
    sha: str  # the commit that tag points at
    major_tag: str | None  # e.g. v7 when the repository keeps a moving major tag
    source: str  # where this came from, said in the PR: "GitHub API" or "table of 2026-08-20"

    @property
    def major(self) -> int:
        return version_tuple(self.tag)[0]


class ActionVersions(Protocol):
    def latest(self, action: str) -> ActionVersion | None:
        """The newest release of `owner/repo` (sub-paths stripped by the caller); None when unknown."""
        ...

    def file(self, action: str, ref: str, path: str) -> str | None:
        """A file of `owner/repo` at `ref` (an action.yml, a called workflow); None when it cannot be read."""
        ...

    def tags(self, action: str) -> list[tuple[str, str]]:
        """(tag, commit) of every tag of `owner/repo`; [] when they cannot be listed."""
        ...


def version_tuple(ref: str) -> tuple[int, int, int]:
    """(major, minor, patch) of `v3`, `v3.1`, `3.1.2`; (-1, 0, 0) for anything else (a branch, a SHA)."""
    match = _SEMVER.fullmatch(ref)
    if not match:
        return (-1, 0, 0)
    return (int(match.group(1)), int(match.group(2) or 0), int(match.group(3) or 0))


class FallbackVersions:
    """The shipped table: used when the API cannot answer (offline, rate limited, unknown host)."""

    def latest(self, action: str) -> ActionVersion | None:
        row = FALLBACK.get(action.lower())
        if row is None:
            return None
        tag, sha, has_major = row
        major = f"v{version_tuple(tag)[0]}" if has_major else None
        return ActionVersion(action.lower(), tag, sha, major, f"table of {FALLBACK_DATE}")

    def file(self, action: str, ref: str, path: str) -> str | None:
        return None  # the table holds versions only

    def tags(self, action: str) -> list[tuple[str, str]]:
        return []


class GitHubActionVersions:
    """The action's own repository, through the GitHub port; None (never an exception) when it cannot tell."""

    def __init__(self, github: GitHubClient) -> None:
        self.github = github

    def latest(self, action: str) -> ActionVersion | None:
        try:
            return self._latest(action)
        except AgentError:
            return None

    def file(self, action: str, ref: str, path: str) -> str | None:
        try:
            found = self.github.file(action, path, ref)
        except (AgentError, requests.RequestException, UnicodeDecodeError):
            return None
        return found.text if found is not None else None

    def tags(self, action: str) -> list[tuple[str, str]]:
        try:
            return [(t.name, t.sha) for t in self.github.tags(action)]
        except (AgentError, requests.RequestException):
            return []

    def _latest(self, action: str) -> ActionVersion | None:
        tag = self.github.latest_release(action)
        if tag is None or version_tuple(tag)[0] < 0:
            tags = [t.name for t in self.github.tags(action) if re.fullmatch(r"v?\d+\.\d+\.\d+", t.name)]
            if not tags:
                return None
            tag = max(tags, key=version_tuple)
        sha = self.github.ref_sha(action, f"tags/{tag}")
        if sha is None:
            return None
        major = f"v{version_tuple(tag)[0]}"
        major_sha = self.github.ref_sha(action, f"tags/{major}")
        return ActionVersion(action.lower(), tag, sha, major if major_sha == sha else None, "GitHub API")


class CachedVersions:
    """Each action looked up once per process, first from `primary`, else from the shipped table."""

    def __init__(self, primary: ActionVersions | None) -> None:
        self.primary = primary
        self.fallback = FallbackVersions()
        self._seen: dict[str, ActionVersion | None] = {}
        self._files: dict[tuple[str, str, str], str | None] = {}
        self._tags: dict[str, list[tuple[str, str]]] = {}

    def latest(self, action: str) -> ActionVersion | None:
        key = action.lower()
        if key not in self._seen:
            found = self.primary.latest(key) if self.primary is not None else None
            self._seen[key] = found or self.fallback.latest(key)
        return self._seen[key]

    def file(self, action: str, ref: str, path: str) -> str | None:
        key = (action.lower(), ref, path)
        if key not in self._files:
            self._files[key] = self.primary.file(*key) if self.primary is not None else None
        return self._files[key]

    def tags(self, action: str) -> list[tuple[str, str]]:
        key = action.lower()
        if key not in self._tags:
            self._tags[key] = self.primary.tags(key) if self.primary is not None else []
        return self._tags[key]

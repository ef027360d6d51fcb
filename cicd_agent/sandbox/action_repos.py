"""The repositories of the actions the deprecated-action fixer upgrades, with their real tag lists.

Each action's tags (and the release of each full version) mirror the action's repository as it was on the
date given with it, so a version look-up can be tested offline. Written from the tag lists of snapshots of
the public repositories; `name=target` is a tag on the same commit as `target` (a moving major tag such as
`v4=v4.3.1`, or an old alias); a name without a target has a commit of its own. The commits themselves
are the sandbox's, not the originals: only names, their order and what points where are mirrored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from cicd_agent.sandbox.app import Sandbox
from cicd_agent.sandbox.model import Person, Release, Repo, iso
from cicd_agent.sandbox.shapes_git import version_key

RELEASER = Person("github-actions[bot]", 41898282, "Bot")
FULL_VERSION = r"v\d+\.\d+\.\d+"

TAGS: dict[str, tuple[str, str]] = {
    "actions/checkout": (
        "2026-07-22",
        "1.0.0=v1.0.0 v1=v1.2.0 v1.0.0 v1.1.0 v1.2.0 v2-beta v2=v2.8.0 v2.0.0 v2.1.0 v2.1.1 v2.2.0 v2.3.0 v2.3.1 "
        "v2.3.2 v2.3.3 v2.3.4 v2.3.5 v2.4.0 v2.4.1 v2.4.2 v2.5.0 v2.6.0 v2.7.0 v2.8.0 v3=v3.7.0 v3.0.0 v3.0.1 "
        "v3.0.2 v3.1.0 v3.2.0 v3.3.0 v3.4.0 v3.5.0 v3.5.1 v3.5.2 v3.5.3 v3.6.0 v3.7.0 v4=v4.4.0 v4.0.0 v4.1.0 "
        "v4.1.1 v4.1.2 v4.1.3 v4.1.4 v4.1.5 v4.1.6 v4.1.7 v4.2.0 v4.2.1 v4.2.2 v4.3.0 v4.3.1 v4.4.0 v5=v5.1.0 "
        "v5.0.0 v5.0.1 v5.1.0 v6-beta v6=v6.1.0 v6.0.0 v6.0.1 v6.0.2 v6.0.3 v6.1.0 v7=v7.0.1 v7.0.0 v7.0.1 ",
    ),
    "actions/upload-artifact": (
        "2026-03-01",
        "1.0.0=v1.0.0 v1=v1.0.0 v1.0.0 v2=v2.3.1 v2.0.1 2.1.0=v2.1.0 v2.1.0 v2.1.1 v2.1.2 v2.1.3 v2.1.4 v2.2.0 "
        "v2.2.1 v2.2.2 v2.2.3 v2.2.4 v2.3.0 v2.3.1 v3=v3.2.1 v3.0.0 v3.1.0 v3.1.1 v3.1.2 v3.1.3 v3.2.0-node20 "
        "v3.2.0 v3.2.1-node20 v3.2.1 v3-node20 v4=v4.6.2 v4.0.0 v4.1.0 v4.2.0 v4.3.0 v4.3.1 v4.3.2 v4.3.3 v4.3.4 "
        "v4.3.5 v4.3.6 v4.4.0 v4.4.1 v4.4.2 v4.4.3 v4.5.0 v4.6.0 v4.6.1 v4.6.2 v5=v5.0.0 v5.0.0 v6=v6.0.0 v6.0.0 "
        "v7=v7.0.0 v7.0.0 ",
    ),
    "actions/download-artifact": (
        "2026-05-04",
        "1.0.0=v1.0.0 v1=v1.0.0 v1.0.0 v2=v2.1.1 v2.0 v2.0.1 v2.0.2 v2.0.3 v2.0.4 v2.0.5 v2.0.6 v2.0.7 v2.0.8 "
        "v2.0.9 v2.0.10 v2.1.0 v2.1.1 v3=v3.0.2 v3.0.0 v3.0.1 v3.0.2 v3.1.0-node20 v3.1.0 v3-node20 v4=v4.3.0 "
        "v4.0.0 v4.1.0 v4.1.1 v4.1.2 v4.1.3 v4.1.4 v4.1.5 v4.1.6 v4.1.7 v4.1.8 v4.1.9 v4.2.0 v4.2.1 v4.3.0 "
        "v5=v5.0.0 v5.0.0 v6=v6.0.0 v6.0.0 v7=v7.0.0 v7.0.0 v8=v8.0.1 v8.0.0 v8.0.1 ",
    ),
    "actions/cache": (
        "2026-05-20",
        "testEnableForGHES v0.0.1 v0.0.2 v1=v1.2.1 v1.0.0 v1.0.1 v1.0.2 v1.0.3 v1.1.0 v1.1.1 v1.1.2 v1.2.0 v1.2.1 "
        "v2 v2.0.0 v2.1.0 v2.1.1 v2.1.2 v2.1.3 v2.1.4 v2.1.5 v2.1.6 v2.1.7 v2.1.8 v3=v3.5.0 v3.0.0 v3.0.1 v3.0.2 "
        "v3.0.3 v3.0.4 v3.0.5 v3.0.6 v3.0.7 v3.0.8 v3.0.9 v3.0.10 v3.0.11 v3.1.0-beta v3.1.0-beta.1 v3.1.0-beta.2 "
        "v3.1.0-beta.3 v3.2.0-beta v3.2.0-beta.1 v3.2.0 v3.2.1 v3.2.2 v3.2.3 v3.2.4 v3.2.5 v3.2.6 v3.3.0 v3.3.1 "
        "v3.3.2 v3.3.3 v3.4.0 v3.4.1 v3.4.2 v3.4.3 v3.5.0 v4=v4.3.0 v4.0.0 v4.0.1 v4.0.2 v4.1.0 v4.1.1 v4.1.2 "
        "v4.2.0 v4.2.1 v4.2.2 v4.2.3 v4.2.4 v4.3.0 v5=v5.0.5 v5.0.0 v5.0.1 v5.0.2 v5.0.3 v5.0.4 v5.0.5 ",
    ),
    "actions/setup-python": (
        "2026-07-24",
        "v1=v1.2.4 v1.0.0 v1.0.1 v1.1.0 v1.1.1 v1.2.0 v1.2.1 v1.2.2 v1.2.3 v1.2.4 v2=v2.3.4 v2.0.0 v2.0.1 v2.0.2 "
        "v2.1.0 v2.1.1 v2.1.2 v2.1.3 v2.1.4 v2.2.0 v2.2.1 v2.2.2 v2.3.0 v2.3.1 v2.3.2 v2.3.3 v2.3.4 v3=v3.1.4 "
        "v3.0.0 v3.1.0 v3.1.1 v3.1.2 v3.1.3 v3.1.4 v4=v4.9.1 v4.0.0 v4.1.0 v4.2.0 v4.3.0 v4.3.1 v4.4.0 v4.5.0 "
        "v4.6.0 v4.6.1 v4.7.0 v4.7.1 v4.8.0 v4.9.0 v4.9.1 v5=v5.6.0 v5.0.0 v5.1.0 v5.1.1 v5.2.0 v5.3.0 v5.4.0 "
        "v5.5.0 v5.6.0 v6=v6.3.0 v6.0.0 v6.1.0 v6.2.0 v6.3.0 v7=v7.0.0 v7.0.0 ",
    ),
    "actions/setup-node": (
        "2026-08-18",
        "v1=v1.4.6 v1.0.0 v1.0.1 v1.0.2 v1.0.3 v1.0.4 v1.1.0 v1.1.1 v1.1.2 v1.2.0 v1.3.0 v1.4.0 v1.4.1 v1.4.2 "
        "v1.4.3 v1.4.4 v1.4.5 v1.4.6 v2-beta=v2.1.3 v2=v2.5.2 v2.0.0 v2.1.0 v2.1.1 v2.1.2 v2.1.3 v2.1.4 v2.1.5 "
        "v2.2.0 v2.3.0 v2.3.1 v2.3.2 v2.4.0 v2.4.1 v2.5.0 v2.5.1 v2.5.2 v3=v3.9.1 v3.0.0 v3.1.0 v3.1.1 v3.2.0 "
        "v3.3.0 v3.4.0 v3.4.1 v3.5.0 v3.5.1 v3.6.0 v3.7.0 v3.8.0 v3.8.1 v3.8.2 v3.9.0 v3.9.1 v4=v4.4.0 v4.0.0 "
        "v4.0.1 v4.0.2 v4.0.3 v4.0.4 v4.1.0 v4.2.0 v4.3.0 v4.4.0 v5=v5.0.0 v5.0.0 v6=v6.5.0 v6.0.0 v6.1.0 v6.2.0 "
        "v6.3.0 v6.4.0 v6.5.0 v7=v7.0.0 v7.0.0 ",
    ),
    "actions/setup-java": (
        "2026-08-20",
        "v1=v1.4.5 v1.0=v1.1.0 v1.0.0 v1.0.1 v1.1.0 v1.2.0 v1.3.0 v1.4.0 v1.4.1 v1.4.2 v1.4.3 v1.4.4 v1.4.5 "
        "v2=v2.5.2 v2.0.0 v2.1.0 v2.2.0 v2.3.0 v2.3.1 v2.4.0 v2.5.0 v2.5.1 v2.5.2 v3=v3.14.2 v3.0.0 v3.1.0 v3.1.1 "
        "v3.2.0 v3.3.0 v3.4.0 v3.4.1 v3.5.0 v3.5.1 v3.6.0 v3.8.0 v3.9.0 v3.10.0 v3.11.0 v3.12.0 v3.13.0 v3.14.0 "
        "v3.14.1 v3.14.2 v4=v4.9.1 v4.0.0 v4.1.0 v4.2.0 v4.2.1 v4.2.2 v4.3.0 v4.4.0 v4.5.0 v4.6.0 v4.7.0 v4.7.1 "
        "v4.8.0 v4.9.0 v4.9.1 v5=v5.7.0 v5.0.0 v5.1.0 v5.2.0 v5.3.0 v5.4.0 v5.5.0 v5.6.0 v5.7.0 ",
    ),
    "actions/setup-go": (
        "2026-08-20",
        "v1=v1.1.3 v1.0.0 v1.0.1 v1.0.2 v1.1.0 v1.1.1 v1.1.2 v1.1.3 v2-beta=v2.0.3 v2=v2.2.0 v2.0.1 v2.0.2 v2.0.3 "
        "v2.1.0 v2.1.1 v2.1.2 v2.1.3 v2.1.4 v2.1.5 v2.2.0 v3=v3.6.1 v3.0.0 v3.1.0 v3.2.0 v3.2.1 v3.3.0 v3.3.1 "
        "v3.4.0 v3.5.0 v3.6.0 v3.6.1 v4=v4.3.0 v4.0.0 v4.0.1 v4.1.0 v4.2.0 v4.2.1 v4.3.0 v5=v5.6.0 v5.0.0 v5.0.1 "
        "v5.0.2 v5.1.0 v5.2.0 v5.3.0 v5.4.0 v5.5.0 v5.6.0 v6=v6.5.0 v6.0.0 v6.1.0 v6.2.0 v6.3.0 v6.4.0 v6.5.0 "
        "v7=v7.0.0 v7.0.0 ",
    ),
}


# the inputs each action's action.yml declares (names only), so the fixer's input check reads real names
INPUTS: dict[str, str] = {
    "actions/checkout": "repository ref token ssh-key persist-credentials path clean filter fetch-depth fetch-tags lfs "
    "submodules sparse-checkout set-safe-directory",
    "actions/upload-artifact": "name path if-no-files-found retention-days compression-level overwrite "
    "include-hidden-files",
    "actions/download-artifact": "name path pattern merge-multiple github-token repository run-id artifact-ids",
    "actions/cache": "path key restore-keys upload-chunk-size enableCrossOsArchive fail-on-cache-miss lookup-only",
    "actions/setup-python": "python-version python-version-file cache architecture check-latest token "
    "cache-dependency-path update-environment allow-prereleases freethreaded",
    "actions/setup-node": "node-version node-version-file architecture check-latest registry-url scope token cache "
    "cache-dependency-path",
    "actions/setup-java": "java-version java-version-file distribution java-package architecture check-latest cache",
    "actions/setup-go": "go-version go-version-file check-latest token cache cache-dependency-path architecture",
}


def _entries(spec: str) -> list[tuple[str, str | None]]:
    """(tag, the tag it shares a commit with, or None) in the order written."""
    pairs = (entry.partition("=") for entry in spec.split())
    return [(name, target or None) for name, _, target in pairs]


def _history(repo: str, spec: str, start: str, when: int) -> str:
    """A `git fast-import` stream: one commit per tag of its own on `main` (after `start`), then every tag."""
    stream, marks = [f"reset refs/heads/main\nfrom {start}\n"], {}
    own = [name for name, target in _entries(spec) if target is None]
    for n, name in enumerate(own, 1):
        inputs = "".join(f"  {i}:\n    description: {i}\n" for i in INPUTS.get(repo, "").split())
        text = f"# {repo} {name} (a sandbox stand-in)\nname: {repo}\ninputs:\n{inputs or '  {}'}\n"
        text += "runs:\n  using: composite\n  steps: []\n"
        message = f"Release {name}\n"
        stream.append(
            f"commit refs/heads/main\nmark :{n}\n"
            f"committer Sandbox <sandbox@example.invalid> {when + n * 3600} +0000\n"
            f"data {len(message.encode())}\n{message}M 100644 inline action.yml\ndata {len(text.encode())}\n{text}\n"
        )
        marks[name] = n
    for name, target in _entries(spec):
        stream.append(f"reset refs/tags/{name}\nfrom :{marks[target or name]}\n\n")
    return "".join(stream)


def install_action_repos(sandbox: Sandbox, names: Iterable[str] | None = None) -> list[Repo]:
    """Host these actions' repositories (all of `TAGS` by default) with their tags and releases."""
    repos = []
    for name in names if names is not None else TAGS:
        as_of, spec = TAGS[name]
        repo = sandbox.add_repo(name, {"README.md": f"{name}, as of {as_of}\n".encode()}, description=name)
        start = repo.bare.branches()["main"]
        repo.bare.fast_import(_history(name, spec, start, int(sandbox.now()) - 3600 * len(spec.split())))
        for tag in sorted((t for t, target in _entries(spec) if target is None), key=version_key):
            if re.fullmatch(FULL_VERSION, tag):
                add_release(sandbox, repo, tag)
        repos.append(repo)
    return repos


def add_release(sandbox: Sandbox, repo: Repo, tag: str, *, prerelease: bool = False) -> Release:
    """Publish a release of an existing tag; the last one published that is not a prerelease is "latest"."""
    if tag not in repo.bare.tags():
        raise ValueError(f"{repo.full_name} has no tag {tag}")
    release = Release(next(sandbox.ids), tag, iso(sandbox.now()), RELEASER, prerelease)
    repo.releases.append(release)
    return release

"""The action versions GitHub has retired (jobs using them fail) or deprecated, with GitHub's dates.

Read from GitHub's changelog notices and the actions' own repositories (the last release of a retired
major is dated the day GitHub stopped updating it). A fixed workflow may keep none of these in the failing
job: each is bumped to a release past it, or the plan is refused. Archived actions have no newer release:
they are refused with the replacement their README names.
"""

from __future__ import annotations

from dataclasses import dataclass

from cicd_agent.fixers.action_versions import version_tuple

Version = tuple[int, int, int]


@dataclass(frozen=True)
class Retirement:
    action: str  # owner/repo
    below: Version  # versions older than this are affected
    major: int | None  # only within this major (None: every major below `below`)
    date: str  # the day GitHub retired (or deprecated) them
    what: str  # GitHub's words, for the PR
    fatal: bool = True  # GitHub fails the job (False: it warns, or the action no longer gets fixes)
    replacement: str = ""  # an archived action: what its README points to


ARTIFACTS = "v1-v3 of the artifact actions (GitHub's notice of 2024-04-16)"
CACHE = "actions/cache before v3.4.0/v4.2.0, on the legacy cache service (GitHub's notice of 2024-12-05)"
RETIREMENTS: list[Retirement] = [
    Retirement("actions/upload-artifact", (4, 0, 0), None, "2025-01-30", ARTIFACTS),
    Retirement("actions/download-artifact", (4, 0, 0), None, "2025-01-30", ARTIFACTS),
    Retirement("actions/upload-pages-artifact", (3, 0, 0), None, "2025-01-30", ARTIFACTS + ", which it uploads with"),
    Retirement("actions/deploy-pages", (4, 0, 0), None, "2025-01-30", ARTIFACTS + ", which it downloads with"),
    Retirement("actions/cache", (3, 0, 0), None, "2025-03-01", CACHE),
    Retirement("actions/cache", (3, 4, 0), 3, "2025-03-01", CACHE),
    Retirement("actions/cache", (4, 2, 0), 4, "2025-03-01", CACHE),
    Retirement("github/codeql-action", (2, 0, 0), None, "2023-01-18", "CodeQL Action v1 (deprecated)", fatal=False),
    Retirement("github/codeql-action", (3, 0, 0), None, "2025-01-10", "CodeQL Action v2 (deprecated)", fatal=False),
    Retirement(
        "actions/create-release",
        (99, 0, 0),
        None,
        "2021-03-04",
        "archived",
        False,
        "softprops/action-gh-release or ncipollo/release-action",
    ),
    Retirement(
        "actions/upload-release-asset",
        (99, 0, 0),
        None,
        "2021-03-04",
        "archived",
        False,
        "softprops/action-gh-release or ncipollo/release-action",
    ),
    Retirement("actions/setup-ruby", (99, 0, 0), None, "2021-02-09", "archived", False, "ruby/setup-ruby"),
    Retirement("actions/setup-haskell", (99, 0, 0), None, "2020-12-22", "archived", False, "haskell-actions/setup"),
    Retirement("actions/setup-elixir", (99, 0, 0), None, "2021-01-27", "archived", False, "erlef/setup-beam"),
]


def pinned_version(ref: str, comment: str = "") -> Version | None:
    """The version a `uses:` ref runs: a full tag as written; a major tag (`v3`) is that major's newest
    release, so it counts as the newest possible; a SHA counts as the version its comment states."""
    if len(ref) == 40 and all(c in "0123456789abcdef" for c in ref):
        ref = next((w for w in comment.replace("#", " ").split() if version_tuple(w)[0] >= 0), "")
    version = version_tuple(ref)
    if version[0] < 0:
        return None
    if "." not in ref:
        return (version[0], 10**6, 10**6)
    return version


def retirement(action: str, ref: str, comment: str = "") -> Retirement | None:
    """Why `action@ref` may not stay (the first matching notice), or None."""
    version = pinned_version(ref, comment)
    if version is None:
        return None
    name = action.lower()
    for row in RETIREMENTS:
        if row.action != "/".join(name.split("/")[:2]):
            continue
        if row.major is not None and version[0] != row.major:
            continue
        if version < row.below:
            return row
    return None


def said(row: Retirement) -> str:
    """The notice as the PR says it."""
    if row.replacement:
        return f"archived by GitHub on {row.date}; its README points to {row.replacement}"
    verb = "retired" if row.fatal else "deprecated"
    return f"{row.what}, {verb} on {row.date}"

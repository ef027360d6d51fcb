"""GitHub's JSON shapes for git history and releases: tags, releases, commits with their files, comparisons."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from cicd_agent.sandbox.bare import CommitMeta, FileDiff
from cicd_agent.sandbox.model import Person, Release, Repo
from cicd_agent.sandbox.shapes import account, nullable_account

Accounts = Callable[[str], Person | None]  # a commit e-mail's account, as GitHub links them

UNSIGNED = {"verified": False, "reason": "unsigned", "signature": None, "payload": None, "verified_at": None}


def version_key(name: str) -> tuple[tuple[int, ...], int, str]:
    """Sort key of a tag name: its numbers, a plain version after a suffixed one (v3.1.0 > v3.1.0-beta)."""
    numbers = tuple(int(n) for n in re.findall(r"\d+", name.split("-", 1)[0]))
    return numbers, 0 if "-" in name else 1, name


def tag(base: str, repo: Repo, name: str, sha: str) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}"
    return {
        "name": name,
        "commit": {"sha": sha, "url": f"{api}/commits/{sha}"},
        "zipball_url": f"{api}/zipball/refs/tags/{name}",
        "tarball_url": f"{api}/tarball/refs/tags/{name}",
        "node_id": f"T_{sha[:12]}_{name}",
    }


def release(base: str, repo: Repo, rel: Release) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}"
    return {
        "url": f"{api}/releases/{rel.id}",
        "html_url": f"{base}/{repo.full_name}/releases/tag/{rel.tag}",
        "assets_url": f"{api}/releases/{rel.id}/assets",
        "upload_url": f"{base}/uploads/repos/{repo.full_name}/releases/{rel.id}/assets{{?name,label}}",
        "tarball_url": f"{api}/tarball/{rel.tag}",
        "zipball_url": f"{api}/zipball/{rel.tag}",
        "id": rel.id,
        "node_id": f"RE_{rel.id}",
        "tag_name": rel.tag,
        "target_commitish": repo.default_branch,
        "name": rel.tag,
        "body": None,
        "draft": False,
        "prerelease": rel.prerelease,
        "immutable": False,
        "created_at": rel.created_at,
        "published_at": rel.created_at,
        "updated_at": rel.created_at,
        "author": account(base, rel.author),
        "assets": [],
    }


def _person(name: str, email: str, date: str) -> dict[str, str]:
    return {"name": name, "email": email, "date": date}


def diff_entry(base: str, repo: Repo, sha: str, diff: FileDiff) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}"
    entry: dict[str, Any] = {
        "sha": diff.blob,
        "filename": diff.path,
        "status": diff.status,
        "additions": diff.additions,
        "deletions": diff.deletions,
        "changes": diff.additions + diff.deletions,
        "blob_url": f"{base}/{repo.full_name}/blob/{sha}/{diff.path}",
        "raw_url": f"{base}/{repo.full_name}/raw/{sha}/{diff.path}",
        "contents_url": f"{api}/contents/{diff.path}?ref={sha}",
    }
    if diff.patch is not None:
        entry["patch"] = diff.patch
    if diff.previous is not None:
        entry["previous_filename"] = diff.previous
    return entry


def commit(
    base: str, repo: Repo, meta: CommitMeta, files: list[FileDiff] | None = None, who: Accounts | None = None
) -> dict[str, Any]:
    """A `commit`; with `files` (its changes against its first parent) the full form `GET /commits/{ref}`
    gives, without them the form a comparison lists. `who` links the author's and committer's e-mails to
    accounts."""
    api = f"{base}/repos/{repo.full_name}"
    html = f"{base}/{repo.full_name}/commit/{meta.sha}"
    data: dict[str, Any] = {
        "url": f"{api}/commits/{meta.sha}",
        "sha": meta.sha,
        "node_id": f"C_{meta.sha[:12]}",
        "html_url": html,
        "comments_url": f"{api}/commits/{meta.sha}/comments",
        "commit": {
            "url": f"{api}/git/commits/{meta.sha}",
            "author": _person(*meta.author),
            "committer": _person(*meta.committer),
            "message": meta.message,
            "comment_count": 0,
            "tree": {"sha": meta.tree, "url": f"{api}/git/trees/{meta.tree}"},
            "verification": UNSIGNED,
        },
        "author": nullable_account(base, who(meta.author[1])) if who else None,
        "committer": nullable_account(base, who(meta.committer[1])) if who else None,
        "parents": [
            {"sha": p, "url": f"{api}/commits/{p}", "html_url": f"{base}/{repo.full_name}/commit/{p}"}
            for p in meta.parents
        ],
    }
    if files is not None:
        additions, deletions = sum(f.additions for f in files), sum(f.deletions for f in files)
        data["stats"] = {"additions": additions, "deletions": deletions, "total": additions + deletions}
        data["files"] = [diff_entry(base, repo, meta.sha, f) for f in files]
    return data


def comparison(
    base: str,
    repo: Repo,
    basehead: str,
    commits: tuple[CommitMeta, CommitMeta, list[CommitMeta]],
    behind_by: int,
    files: list[FileDiff],
    who: Accounts | None = None,
) -> dict[str, Any]:
    """A `commit-comparison`: `commits` is (base, merge base, the commits head has that base lacks)."""
    base_commit, merge_base, ahead = commits
    html = f"{base}/{repo.full_name}/compare/{basehead}"
    status = (
        "identical"
        if not ahead and not behind_by
        else "behind"
        if not ahead
        else "ahead"
        if not behind_by
        else "diverged"
    )
    head_sha = ahead[-1].sha if ahead else merge_base.sha
    return {
        "url": f"{base}/repos/{repo.full_name}/compare/{basehead}",
        "html_url": html,
        "permalink_url": f"{base}/{repo.full_name}/compare/{base_commit.sha[:7]}...{head_sha[:7]}",
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "base_commit": commit(base, repo, base_commit),
        "merge_base_commit": commit(base, repo, merge_base),
        "status": status,
        "ahead_by": len(ahead),
        "behind_by": behind_by,
        "total_commits": len(ahead),
        "commits": [commit(base, repo, c, who=who) for c in ahead],
        "files": [diff_entry(base, repo, head_sha, f) for f in files],
    }

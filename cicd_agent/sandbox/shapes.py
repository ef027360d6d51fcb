"""GitHub's JSON shapes for the sandbox's objects, with every field the OpenAPI description requires."""

from __future__ import annotations

import base64
from typing import Any

from cicd_agent.sandbox.model import Comment, Item, Person, Repo

_REPO_URL_TEMPLATES = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}
EPOCH = "2026-01-01T00:00:00Z"


def user(base: str, login: str, user_id: int, kind: str = "User") -> dict[str, Any]:
    url = f"{base}/users/{login}"
    return {
        "login": login,
        "id": user_id,
        "node_id": f"U_{user_id}",
        "avatar_url": f"{base}/avatars/{login}",
        "gravatar_id": "",
        "url": url,
        "html_url": f"{base}/{login}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": kind,
        "site_admin": False,
    }


def account(base: str, who: Person) -> dict[str, Any]:
    """The `simple-user` of an account."""
    return user(base, who.login, who.id, who.kind)


def nullable_account(base: str, who: Person | None) -> dict[str, Any] | None:
    return None if who is None else account(base, who)


def repository(base: str, repo: Repo, *, full: bool = True) -> dict[str, Any]:
    """A `full-repository` (or, with full=False, a `minimal-repository`)."""
    url = f"{base}/repos/{repo.full_name}"
    data: dict[str, Any] = {
        "id": repo.id,
        "node_id": f"R_{repo.id}",
        "name": repo.name,
        "full_name": repo.full_name,
        "owner": user(base, repo.owner, repo.id + 1000, "Organization"),
        "private": False,
        "html_url": f"{base}/{repo.full_name}",
        "description": repo.description,
        "fork": repo.fork,
        "archived": repo.archived,
        "url": url,
        **{key: url + suffix for key, suffix in _REPO_URL_TEMPLATES.items()},
    }
    if not full:
        return data
    data.update(
        {
            "clone_url": repo.clone_url,
            "git_url": repo.clone_url,
            "ssh_url": repo.clone_url,
            "svn_url": f"{base}/{repo.full_name}",
            "mirror_url": None,
            "homepage": None,
            "language": "Python",
            "default_branch": repo.default_branch,
            "forks": 0,
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers": 0,
            "watchers_count": 0,
            "size": 1,
            "open_issues": 0,
            "open_issues_count": 0,
            "has_issues": True,
            "has_projects": False,
            "has_wiki": False,
            "has_pages": False,
            "has_downloads": True,
            "has_discussions": False,
            "disabled": False,
            "license": None,
            "pushed_at": EPOCH,
            "created_at": EPOCH,
            "updated_at": EPOCH,
            "network_count": 0,
            "subscribers_count": 0,
            "visibility": "public",
            "permissions": {"admin": True, "maintain": True, "push": True, "triage": True, "pull": True},
        }
    )
    return data


def simple_commit(sha: str, tree: str, message: str, when: str) -> dict[str, Any]:
    person = {"name": "Sandbox", "email": "sandbox@example.invalid"}
    return {
        "id": sha,
        "tree_id": tree,
        "message": message,
        "timestamp": when,
        "author": person,
        "committer": person,
    }


def label(base: str, repo: Repo, name: str, label_id: int) -> dict[str, Any]:
    return {
        "id": label_id,
        "node_id": f"L_{label_id}",
        "url": f"{base}/repos/{repo.full_name}/labels/{name}",
        "name": name,
        "description": None,
        "color": "ededed",
        "default": False,
    }


def pull_request(base: str, repo: Repo, pr: Item, *, full: bool = True) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}"
    html = f"{base}/{repo.full_name}/pull/{pr.number}"
    owner = user(base, repo.owner, repo.id + 1000, "Organization")
    ends = {}
    for side, ref, sha in (("head", pr.head, pr.head_sha), ("base", pr.base, pr.base_sha)):
        fork = pr.head_repo if side == "head" else ""
        ends[side] = {
            "label": f"{(fork or repo.full_name).split('/')[0]}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": {**owner, "login": fork.split("/")[0]} if fork else owner,
            "repo": {**repository(base, repo), "full_name": fork, "fork": True} if fork else repository(base, repo),
        }
    data: dict[str, Any] = {
        "url": f"{api}/pulls/{pr.number}",
        "id": pr.id,
        "node_id": f"PR_{pr.id}",
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": f"{api}/issues/{pr.number}",
        "commits_url": f"{api}/pulls/{pr.number}/commits",
        "review_comments_url": f"{api}/pulls/{pr.number}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "comments_url": f"{api}/issues/{pr.number}/comments",
        "statuses_url": f"{api}/statuses/{pr.head_sha}",
        "number": pr.number,
        "state": pr.state,
        "locked": False,
        "title": pr.title,
        "user": account(base, pr.user),
        "body": pr.body,
        "labels": [label(base, repo, name, 100 + i) for i, name in enumerate(pr.labels)],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": pr.created_at,
        "updated_at": pr.updated_at,
        "closed_at": pr.closed_at,
        "merged_at": pr.merged_at,
        "merge_commit_sha": pr.merge_commit_sha,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": ends["head"],
        "base": ends["base"],
        "author_association": "CONTRIBUTOR",
        "auto_merge": None,
        "draft": pr.draft,
        "_links": {
            k: {"href": v}
            for k, v in {
                "self": f"{api}/pulls/{pr.number}",
                "html": html,
                "issue": f"{api}/issues/{pr.number}",
                "comments": f"{api}/issues/{pr.number}/comments",
                "review_comments": f"{api}/pulls/{pr.number}/comments",
                "review_comment": f"{api}/pulls/comments{{/number}}",
                "commits": f"{api}/pulls/{pr.number}/commits",
                "statuses": f"{api}/statuses/{pr.head_sha}",
            }.items()
        },
    }
    if full:
        data.update(
            {
                "merged": pr.merged_at is not None,
                "mergeable": True,
                "rebaseable": True,
                "mergeable_state": "clean",
                "merged_by": nullable_account(base, pr.merged_by),
                "comments": len(pr.comments),
                "review_comments": 0,
                "maintainer_can_modify": False,
                "commits": 1,
                "additions": 0,
                "deletions": 0,
                "changed_files": 0,
            }
        )
    return data


def issue(base: str, repo: Repo, item: Item) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}"
    return {
        "id": item.id,
        "node_id": f"I_{item.id}",
        "url": f"{api}/issues/{item.number}",
        "repository_url": api,
        "labels_url": f"{api}/issues/{item.number}/labels{{/name}}",
        "comments_url": f"{api}/issues/{item.number}/comments",
        "events_url": f"{api}/issues/{item.number}/events",
        "html_url": f"{base}/{repo.full_name}/issues/{item.number}",
        "number": item.number,
        "state": item.state,
        "title": item.title,
        "body": item.body,
        "user": account(base, item.user),
        "labels": [label(base, repo, name, 100 + i) for i, name in enumerate(item.labels)],
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": False,
        "comments": len(item.comments),
        "closed_at": item.closed_at,
        "closed_by": nullable_account(base, item.closed_by),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "author_association": "CONTRIBUTOR",
    }


def comment(base: str, repo: Repo, number: int, cmt: Comment) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}"
    return {
        "id": cmt.id,
        "node_id": f"IC_{cmt.id}",
        "url": f"{api}/issues/comments/{cmt.id}",
        "html_url": f"{base}/{repo.full_name}/issues/{number}#issuecomment-{cmt.id}",
        "body": cmt.body,
        "user": account(base, cmt.author),
        "created_at": cmt.created_at,
        "updated_at": cmt.created_at,
        "issue_url": f"{api}/issues/{number}",
        "author_association": "CONTRIBUTOR",
    }


def content_file(base: str, repo: Repo, path: str, sha: str, data: bytes, ref: str, *, encode: bool) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}"
    html = f"{base}/{repo.full_name}/blob/{ref}/{path}"
    out: dict[str, Any] = {
        "type": "file",
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": sha,
        "size": len(data),
        "url": f"{api}/contents/{path}?ref={ref}",
        "git_url": f"{api}/git/blobs/{sha}",
        "html_url": html,
        "download_url": f"{base}/raw/{repo.full_name}/{ref}/{path}",
        "_links": {"self": f"{api}/contents/{path}?ref={ref}", "git": f"{api}/git/blobs/{sha}", "html": html},
    }
    if encode:
        out["content"] = base64.encodebytes(data).decode("ascii")
        out["encoding"] = "base64"
    return out


def file_commit(base: str, repo: Repo, sha: str, tree: str, parent: str, message: str) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}"
    person = {"name": "cicd-agent", "email": "cicd-agent@example.invalid", "date": EPOCH}
    return {
        "sha": sha,
        "node_id": f"C_{sha[:12]}",
        "url": f"{api}/git/commits/{sha}",
        "html_url": f"{base}/{repo.full_name}/commit/{sha}",
        "author": person,
        "committer": person,
        "message": message,
        "tree": {"url": f"{api}/git/trees/{tree}", "sha": tree},
        "parents": [
            {
                "url": f"{api}/git/commits/{parent}",
                "html_url": f"{base}/{repo.full_name}/commit/{parent}",
                "sha": parent,
            }
        ],
        "verification": {
            "verified": False,
            "reason": "unsigned",
            "signature": None,
            "payload": None,
            "verified_at": None,
        },
    }


def git_ref(base: str, repo: Repo, ref: str, sha: str) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}"
    return {
        "ref": ref,
        "node_id": f"REF_{sha[:12]}",
        "url": f"{api}/git/{ref}",
        "object": {"type": "commit", "sha": sha, "url": f"{api}/git/commits/{sha}"},
    }


def pull_request_minimal(base: str, repo: Repo, pr: Item) -> dict[str, Any]:
    """The `pull-request-minimal` a workflow run lists for its branch."""
    api = f"{base}/repos/{repo.full_name}"
    ends = {
        side: {"ref": ref, "sha": sha, "repo": {"id": repo.id, "url": api, "name": repo.name}}
        for side, ref, sha in (("head", pr.head, pr.head_sha), ("base", pr.base, pr.base_sha))
    }
    return {"id": pr.id, "number": pr.number, "url": f"{api}/pulls/{pr.number}", **ends}

"""Pull requests: list, open, read, edit, merge (a real merge commit in the bare repository)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cicd_agent.sandbox import shapes
from cicd_agent.sandbox.model import ApiError, Call, Item, Repo, Response
from cicd_agent.sandbox.routes import RepoRoutes
from cicd_agent.sandbox.routes.issues import edit_item, find_item, new_item, record_event

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox


def _pull_json(sb: Sandbox, repo: Repo, item: Item, *, full: bool = True) -> dict[str, Any]:
    if item.state == "open":
        item.head_sha = repo.bare.ref_sha(item.head) or item.head_sha
        item.base_sha = repo.bare.ref_sha(item.base) or item.base_sha
    return shapes.pull_request(sb.base_url, repo, item, full=full)


def _branch(head: str) -> str:
    """`owner:branch` (or a bare branch name) to the branch name."""
    return head.split(":", 1)[1] if ":" in head else head


def _owner(head: str, repo: Repo) -> str:
    """`owner:branch` to the owner (a bare branch name: the repository's owner)."""
    return head.split(":", 1)[0] if ":" in head else repo.owner


def list_pulls(sb: Sandbox, repo: Repo, call: Call) -> Response:
    query = call.query
    state = query.get("state", "open")
    head = query.get("head", "")
    chosen = [
        i
        for i in sorted(repo.items.values(), key=lambda i: i.number, reverse=True)
        if i.is_pull
        and state in ("all", i.state)
        and (not head or (_owner(head, repo), i.head) == ((i.head_repo or repo.full_name).split("/")[0], _branch(head)))
        and (not query.get("base") or i.base == query["base"])
    ]
    return Response(200, [_pull_json(sb, repo, i, full=False) for i in chosen], paginate=True)


def create_pull(sb: Sandbox, repo: Repo, call: Call) -> Response:
    data, actor = call.data, sb.require(call.actor, "write")
    head, base = _branch(str(data.get("head", ""))), str(data.get("base", ""))
    head_sha, base_sha = repo.bare.ref_sha(head), repo.bare.ref_sha(base)
    errors = [
        {"resource": "PullRequest", "field": f, "code": "invalid"}
        for f, sha in (("head", head_sha), ("base", base_sha))
        if sha is None
    ]
    if errors or not data.get("title"):
        raise ApiError(
            422,
            "Validation Failed",
            errors or [{"resource": "PullRequest", "field": "title", "code": "missing_field"}],
        )
    for item in repo.items.values():
        if item.is_pull and item.state == "open" and item.head == head and item.base == base:
            message = f"A pull request already exists for {call.params['owner']}:{head}."
            error = {"resource": "PullRequest", "code": "custom", "message": message}
            raise ApiError(422, "Validation Failed", [error])
    item = new_item(
        sb,
        repo,
        str(data["title"]),
        data.get("body"),
        actor,
        is_pull=True,
        head=head,
        base=base,
        head_sha=head_sha or "",
        base_sha=base_sha or "",
        draft=bool(data.get("draft")),
    )
    sb.pull_request_opened(repo, item)
    sb.webhooks.pull_event(sb, repo, item, "opened", actor)
    return Response(201, _pull_json(sb, repo, item))


def get_pull(sb: Sandbox, repo: Repo, call: Call) -> Response:
    return Response(200, _pull_json(sb, repo, find_item(repo, call.params["number"], pull=True)))


def update_pull(sb: Sandbox, repo: Repo, call: Call) -> Response:
    item = find_item(repo, call.params["number"], pull=True)
    if item.merged_at and call.data.get("state") == "open":
        raise ApiError(422, "Validation Failed: cannot reopen a merged pull request")
    if item.state == "closed" and call.data.get("state") == "open" and repo.bare.ref_sha(item.head) is None:
        raise ApiError(422, f"Validation Failed: state cannot be changed. The {item.head} branch has been deleted.")
    edit_item(sb, item, call)
    return Response(200, _pull_json(sb, repo, item))


def merge_pull(sb: Sandbox, repo: Repo, call: Call) -> Response:
    item, data = find_item(repo, call.params["number"], pull=True), call.data
    actor = sb.require(call.actor, "write")
    if item.state != "open":
        raise ApiError(405, "Pull Request is not mergeable")
    head, base = repo.bare.ref_sha(item.head), repo.bare.ref_sha(item.base)
    if head is None or base is None:
        raise ApiError(405, "Pull Request is not mergeable")
    if data.get("sha") and data["sha"] != head:
        raise ApiError(409, "Head branch was modified. Review and try the merge again.")
    message = str(data.get("commit_message") or f"Merge pull request #{item.number}")
    merged = repo.bare.merge(base, head, message, by=sb.git_identity(actor))
    if merged is not None and data.get("merge_method") == "squash":  # one commit on the base: the PR's tree
        title = str(data.get("commit_title") or f"{item.title} (#{item.number})")
        tree = repo.bare.commit_meta(merged).tree
        merged = repo.bare.commit(
            tree, [base], f"{title}\n\n{data.get('commit_message') or ''}".strip(), by=sb.git_identity(actor)
        )
    elif data.get("merge_method") not in (None, "merge", "squash"):
        raise ApiError(422, "the sandbox merges with merge_method merge or squash only")
    if merged is None:
        raise ApiError(405, "Pull Request is not mergeable")
    repo.bare.update_branch(item.base, merged, old=base)
    item.head_sha, item.base_sha = head, base
    item.state, item.merged_at, item.closed_at, item.merge_commit_sha = "closed", sb.stamp(), sb.stamp(), merged
    item.merged_by = item.closed_by = actor
    record_event(sb, item, "merged", actor, commit_id=merged)
    record_event(sb, item, "closed", actor, commit_id=merged)
    return Response(200, {"sha": merged, "merged": True, "message": "Pull Request successfully merged"})


ROUTES: RepoRoutes = [
    ("GET", "/pulls", list_pulls),
    ("POST", "/pulls", create_pull),
    ("GET", "/pulls/{number}", get_pull),
    ("PATCH", "/pulls/{number}", update_pull),
    ("PUT", "/pulls/{number}/merge", merge_pull),
]

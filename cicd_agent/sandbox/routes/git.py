"""Git references: read (branches and tags), list by prefix, create, move (fast-forward unless forced) and
delete; and the tags list of a repository."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cicd_agent.sandbox import shapes, shapes_git
from cicd_agent.sandbox.model import ApiError, Call, Repo, Response
from cicd_agent.sandbox.routes import RepoRoutes
from cicd_agent.sandbox.routes.issues import record_event

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox


def _full_ref(ref: str) -> str:
    """`heads/x` or `tags/x` (as the API takes them) to the full ref name."""
    if not ref.startswith(("heads/", "tags/")):
        raise ApiError(422, "Only branch and tag refs (heads/..., tags/...) are supported by the sandbox")
    return f"refs/{ref}"


def get_ref(sb: Sandbox, repo: Repo, call: Call) -> Response:
    ref = _full_ref(call.params["path"])
    sha = repo.bare.refs(ref).get(ref)
    if sha is None:
        raise ApiError(404, "Not Found")
    return Response(200, shapes.git_ref(sb.base_url, repo, ref, sha))


def matching_refs(sb: Sandbox, repo: Repo, call: Call) -> Response:
    """Every ref whose name starts with `refs/<ref>` (an empty list when none), sorted by name."""
    prefix = "refs/" + call.params["path"]
    found = sorted((name, sha) for name, sha in repo.bare.refs().items() if name.startswith(prefix))
    return Response(200, [shapes.git_ref(sb.base_url, repo, name, sha) for name, sha in found])


def create_ref(sb: Sandbox, repo: Repo, call: Call) -> Response:
    sb.require(call.actor, "write")
    ref, sha = str(call.data.get("ref", "")), str(call.data.get("sha", ""))
    if not ref.startswith(("refs/heads/", "refs/tags/")) or not re.fullmatch(r"[0-9a-f]{40}", sha):
        raise ApiError(422, "Invalid request: ref must start with refs/heads/ or refs/tags/ and sha must be a SHA")
    if ref in repo.bare.refs(ref):
        raise ApiError(422, "Reference already exists")
    if repo.bare.resolve(sha) is None:
        raise ApiError(422, "Object does not exist")
    repo.bare.update_ref(ref, sha, old="")
    return Response(201, shapes.git_ref(sb.base_url, repo, ref, sha))


def update_ref(sb: Sandbox, repo: Repo, call: Call) -> Response:
    sb.require(call.actor, "write")
    ref, data = _full_ref(call.params["path"]), call.data
    old = repo.bare.refs(ref).get(ref)
    sha = str(data.get("sha", ""))
    if old is None:
        raise ApiError(422, "Reference does not exist")
    if repo.bare.resolve(sha) is None:
        raise ApiError(422, "Object does not exist")
    if not data.get("force") and repo.bare.merge(sha, old, "probe") != sha:
        raise ApiError(422, "Update is not a fast forward")
    repo.bare.update_ref(ref, sha, old=old)
    return Response(200, shapes.git_ref(sb.base_url, repo, ref, sha))


def delete_ref(sb: Sandbox, repo: Repo, call: Call) -> Response:
    """As GitHub: the open pull requests from (or into) a deleted branch are closed, by whoever deleted it."""
    actor = sb.require(call.actor, "write")
    ref = _full_ref(call.params["path"])
    if ref not in repo.bare.refs(ref):
        raise ApiError(422, "Reference does not exist")
    repo.bare.delete_ref(ref)
    branch = ref.removeprefix("refs/heads/")
    repo.seen.pop(branch, None)
    for item in list(repo.items.values()):
        ours = item.head_repo in ("", repo.full_name) and item.head == branch
        if item.is_pull and item.state == "open" and (ours or item.base == branch):
            item.state, item.closed_at, item.closed_by = "closed", sb.stamp(), actor
            record_event(sb, item, "closed", actor)
    return Response(204)


def list_tags(sb: Sandbox, repo: Repo, call: Call) -> Response:
    """Newest version first, as GitHub sorts tag names (by version where they are versions)."""
    tags = sorted(repo.bare.tags().items(), key=lambda pair: shapes_git.version_key(pair[0]), reverse=True)
    return Response(200, [shapes_git.tag(sb.base_url, repo, name, sha) for name, sha in tags], paginate=True)


ROUTES: RepoRoutes = [
    ("GET", "/git/ref/{path}", get_ref),
    ("GET", "/git/matching-refs/{path}", matching_refs),
    ("POST", "/git/refs", create_ref),
    ("PATCH", "/git/refs/{path}", update_ref),
    ("DELETE", "/git/refs/{path}", delete_ref),
    ("GET", "/tags", list_tags),
]

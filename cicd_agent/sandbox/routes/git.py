"""Git references: read, create, move (fast-forward unless forced) and delete branches."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cicd_agent.sandbox import shapes
from cicd_agent.sandbox.model import ApiError, Call, Repo, Response
from cicd_agent.sandbox.routes import RepoRoutes

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox


def _ref_name(ref: str) -> str:
    if not ref.startswith("heads/"):
        raise ApiError(422, "Only branch refs (heads/...) are supported by the sandbox")
    return ref[len("heads/") :]


def get_ref(sb: Sandbox, repo: Repo, call: Call) -> Response:
    path = call.params["path"]
    sha = repo.bare.ref_sha(_ref_name(path))
    if sha is None:
        raise ApiError(404, "Not Found")
    return Response(200, shapes.git_ref(sb.base_url, repo, f"refs/{path}", sha))


def create_ref(sb: Sandbox, repo: Repo, call: Call) -> Response:
    ref, sha = str(call.data.get("ref", "")), str(call.data.get("sha", ""))
    if not ref.startswith("refs/heads/") or not re.fullmatch(r"[0-9a-f]{40}", sha):
        raise ApiError(422, "Invalid request: ref must start with refs/heads/ and sha must be a commit SHA")
    branch = ref[len("refs/heads/") :]
    if repo.bare.ref_sha(branch) is not None:
        raise ApiError(422, "Reference already exists")
    if repo.bare.resolve(sha) is None:
        raise ApiError(422, "Object does not exist")
    repo.bare.update_branch(branch, sha, old="")
    return Response(201, shapes.git_ref(sb.base_url, repo, ref, sha))


def update_ref(sb: Sandbox, repo: Repo, call: Call) -> Response:
    path, data = call.params["path"], call.data
    branch = _ref_name(path)
    old = repo.bare.ref_sha(branch)
    sha = str(data.get("sha", ""))
    if old is None:
        raise ApiError(422, "Reference does not exist")
    if repo.bare.resolve(sha) is None:
        raise ApiError(422, "Object does not exist")
    if not data.get("force") and repo.bare.merge(sha, old, "probe") != sha:
        raise ApiError(422, "Update is not a fast forward")
    repo.bare.update_branch(branch, sha, old=old)
    return Response(200, shapes.git_ref(sb.base_url, repo, f"refs/{path}", sha))


def delete_ref(sb: Sandbox, repo: Repo, call: Call) -> Response:
    branch = _ref_name(call.params["path"])
    if repo.bare.ref_sha(branch) is None:
        raise ApiError(422, "Reference does not exist")
    repo.bare.delete_branch(branch)
    repo.seen.pop(branch, None)
    return Response(204)


ROUTES: RepoRoutes = [
    ("GET", "/git/ref/{path}", get_ref),
    ("POST", "/git/refs", create_ref),
    ("PATCH", "/git/refs/{path}", update_ref),
    ("DELETE", "/git/refs/{path}", delete_ref),
]

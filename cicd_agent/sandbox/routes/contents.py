"""Repository contents: read a file or a directory, create, update or delete a file (one commit each)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from cicd_agent.sandbox import shapes
from cicd_agent.sandbox.bare import RefMismatch
from cicd_agent.sandbox.model import ApiError, Call, Repo, Response
from cicd_agent.sandbox.routes import RepoRoutes

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox


def commit_for(repo: Repo, ref: str | None) -> str:
    """The commit a branch name or SHA (the default branch when None) points at; 404 when none."""
    sha = repo.bare.resolve(ref or repo.default_branch)
    if sha is None:
        raise ApiError(404, f"No commit found for the ref {ref}")
    return sha


def get_contents(sb: Sandbox, repo: Repo, call: Call) -> Response:
    path = call.params["path"]
    ref = call.query.get("ref") or repo.default_branch
    sha = commit_for(repo, ref)
    found = repo.bare.read(sha, path)
    if found is not None:
        return Response(200, shapes.content_file(sb.base_url, repo, path, found[0], found[1], ref, encode=True))
    entries = repo.bare.list_dir(sha, path)
    if not entries:
        raise ApiError(404, "Not Found")
    names = sorted({f"{path}/{e.split('/', 1)[0]}" for e in entries})
    listing = []
    for name in names:
        blob = repo.bare.read(sha, name)
        if blob is not None:
            listing.append(shapes.content_file(sb.base_url, repo, name, blob[0], blob[1], ref, encode=False))
    return Response(200, listing)


def _branch_head(repo: Repo, branch: str | None) -> tuple[str, str]:
    name = branch or repo.default_branch
    sha = repo.bare.ref_sha(name)
    if sha is None:
        raise ApiError(404, f"Branch {name} not found")
    return name, sha


def _commit_change(
    repo: Repo, branch: str, head: str, change: tuple[str, bytes | None], message: str, by: tuple[str, str]
) -> tuple[str, str]:
    """One commit of one file's change on `branch`, authored as GitHub does by the account that asked."""
    path, data = change
    tree = repo.bare.write_tree(head, {path: data})
    sha = repo.bare.commit(tree, [head], message, by=by)
    try:
        repo.bare.update_branch(branch, sha, old=head)
    except RefMismatch:
        raise ApiError(409, f"{branch} moved while updating {path}") from None
    return sha, tree


def put_contents(sb: Sandbox, repo: Repo, call: Call) -> Response:
    actor = sb.require(call.actor, "write")
    path, data = call.params["path"], call.data
    if "message" not in data or "content" not in data:
        raise ApiError(422, 'Invalid request.\n\n"message" and "content" wasn\'t supplied.')
    branch, head = _branch_head(repo, data.get("branch"))
    existing = repo.bare.read(head, path)
    if existing is not None and data.get("sha") != existing[0]:
        if not data.get("sha"):
            raise ApiError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        raise ApiError(409, f"{path} does not match {data.get('sha')}")
    try:
        content = base64.b64decode(data["content"], validate=True)
    except ValueError:
        raise ApiError(422, "content is not valid Base64") from None
    sha, tree = _commit_change(repo, branch, head, (path, content), str(data["message"]), sb.git_identity(actor))
    blob = repo.bare.read(sha, path)
    assert blob is not None
    body = {
        "content": shapes.content_file(sb.base_url, repo, path, blob[0], content, branch, encode=False),
        "commit": shapes.file_commit(sb.base_url, repo, sha, tree, head, str(data["message"])),
    }
    return Response(200 if existing else 201, body)


def delete_contents(sb: Sandbox, repo: Repo, call: Call) -> Response:
    actor = sb.require(call.actor, "write")
    path, data = call.params["path"], call.data
    if "message" not in data or "sha" not in data:
        raise ApiError(422, 'Invalid request.\n\n"message" and "sha" wasn\'t supplied.')
    branch, head = _branch_head(repo, data.get("branch"))
    existing = repo.bare.read(head, path)
    if existing is None:
        raise ApiError(404, "Not Found")
    if data["sha"] != existing[0]:
        raise ApiError(409, f"{path} does not match {data['sha']}")
    sha, tree = _commit_change(repo, branch, head, (path, None), str(data["message"]), sb.git_identity(actor))
    return Response(
        200,
        {
            "content": None,
            "commit": shapes.file_commit(sb.base_url, repo, sha, tree, head, str(data["message"])),
        },
    )


ROUTES: RepoRoutes = [
    ("GET", "/contents/{path}", get_contents),
    ("PUT", "/contents/{path}", put_contents),
    ("DELETE", "/contents/{path}", delete_contents),
]

"""History: a commit with the files it changed, the comparison of two commits, the latest release."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cicd_agent.sandbox import shapes_git
from cicd_agent.sandbox.model import ApiError, Call, Repo, Response
from cicd_agent.sandbox.routes import RepoRoutes

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox


def _commit(repo: Repo, ref: str) -> str:
    sha = repo.bare.resolve(ref)
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {ref}")
    return sha


def get_commit(sb: Sandbox, repo: Repo, call: Call) -> Response:
    meta = repo.bare.commit_meta(_commit(repo, call.params["commitish"]))
    files = repo.bare.diff(meta.parents[0] if meta.parents else None, meta.sha)
    return Response(200, shapes_git.commit(sb.base_url, repo, meta, files, who=sb.by_email))


def compare(sb: Sandbox, repo: Repo, call: Call) -> Response:
    """`base...head`: the commits head has that base lacks, and the files changed since their merge base."""
    basehead = call.params["basehead"]
    if "..." not in basehead:
        raise ApiError(404, "Not Found")
    base_ref, head_ref = basehead.split("...", 1)
    base, head = _commit(repo, base_ref), _commit(repo, head_ref)
    merge_base = repo.bare.merge_base(base, head)
    if merge_base is None:
        raise ApiError(404, f"No common ancestor between {base_ref} and {head_ref}.")
    ahead = [repo.bare.commit_meta(sha) for sha in repo.bare.between(base, head)]
    behind = len(repo.bare.between(head, base))
    metas = (repo.bare.commit_meta(base), repo.bare.commit_meta(merge_base), ahead)
    files = repo.bare.diff(merge_base, head)
    return Response(200, shapes_git.comparison(sb.base_url, repo, basehead, metas, behind, files, who=sb.by_email))


def latest_release(sb: Sandbox, repo: Repo, call: Call) -> Response:
    """The most recently created release that is not a prerelease (drafts are not kept here)."""
    published = [rel for rel in repo.releases if not rel.prerelease]
    if not published:
        raise ApiError(404, "Not Found")
    return Response(200, shapes_git.release(sb.base_url, repo, published[-1]))


ROUTES: RepoRoutes = [
    ("GET", "/commits/{commitish}", get_commit),
    ("GET", "/compare/{basehead}", compare),
    ("GET", "/releases/latest", latest_release),
]

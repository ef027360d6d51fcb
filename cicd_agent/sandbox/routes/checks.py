"""A commit's checks: the check runs of its workflow jobs (each job is one, with the same id, and annotations
from its log's error lines), and its (always empty) combined status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cicd_agent.sandbox import shapes, shapes_actions
from cicd_agent.sandbox.model import ApiError, Call, Job, Repo, Response, Run
from cicd_agent.sandbox.routes import RepoRoutes
from cicd_agent.sandbox.routes.contents import commit_for

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox


def _latest_jobs_for(repo: Repo, sha: str) -> list[tuple[Run, Job]]:
    return [(run, jb) for run in repo.runs if run.head_sha == sha for jb in run.current_jobs()]


def list_check_runs(sb: Sandbox, repo: Repo, call: Call) -> Response:
    sha = commit_for(repo, call.params["ref"])
    runs = [shapes_actions.check_run(sb.base_url, repo, run, jb) for run, jb in _latest_jobs_for(repo, sha)]
    return Response(200, {"total_count": len(runs), "check_runs": runs}, page_key="check_runs", paginate=True)


def _job(repo: Repo, check_run_id: str) -> tuple[Run, Job]:
    for run in repo.runs:
        for jobs in run.jobs.values():
            for jb in jobs:
                if str(jb.id) == check_run_id:
                    return run, jb
    raise ApiError(404, "Not Found")


def get_check_run(sb: Sandbox, repo: Repo, call: Call) -> Response:
    run, jb = _job(repo, call.params["check_run_id"])
    return Response(200, shapes_actions.check_run(sb.base_url, repo, run, jb))


def list_annotations(sb: Sandbox, repo: Repo, call: Call) -> Response:
    run, jb = _job(repo, call.params["check_run_id"])
    return Response(200, shapes_actions.check_annotations(sb.base_url, repo, run, jb), paginate=True)


def combined_status(sb: Sandbox, repo: Repo, call: Call) -> Response:
    sha = commit_for(repo, call.params["ref"])
    api = f"{sb.base_url}/repos/{repo.full_name}"
    return Response(
        200,
        {
            "state": "pending",
            "sha": sha,
            "total_count": 0,
            "statuses": [],
            "repository": shapes.repository(sb.base_url, repo, full=False),
            "commit_url": f"{api}/commits/{sha}",
            "url": f"{api}/commits/{sha}/status",
        },
    )


ROUTES: RepoRoutes = [
    ("GET", "/commits/{ref}/check-runs", list_check_runs),
    ("GET", "/commits/{ref}/status", combined_status),
    ("GET", "/check-runs/{check_run_id}", get_check_run),
    ("GET", "/check-runs/{check_run_id}/annotations", list_annotations),
]

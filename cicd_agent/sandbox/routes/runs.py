"""GitHub Actions: workflows, workflow runs and their attempts, jobs, job logs, reruns."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cicd_agent.sandbox import shapes, shapes_actions
from cicd_agent.sandbox.model import ApiError, Call, Job, Repo, Response, Run, Workflow
from cicd_agent.sandbox.routes import RepoRoutes

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox


def _find_run(repo: Repo, run_id: str) -> Run:
    for run in repo.runs:
        if str(run.id) == run_id:
            return run
    raise ApiError(404, "Not Found")


def run_json(sb: Sandbox, repo: Repo, run: Run) -> dict[str, Any]:
    data = shapes_actions.workflow_run(sb.base_url, repo, run)
    # as GitHub does: the open pull requests (of this repository) whose head is the run's branch; none for a
    # fork's run, not even its own pull request
    data["pull_requests"] = [
        shapes.pull_request_minimal(sb.base_url, repo, item)
        for item in repo.items.values()
        if item.is_pull
        and item.state == "open"
        and item.head == run.branch
        and not run.head_repo
        and not item.head_repo
    ]
    return data


def _run_filters(query: dict[str, str]) -> Callable[[Run], bool]:
    status = query.get("status")
    created = query.get("created", "")

    def keep(run: Run) -> bool:
        if status and status not in (run.status, run.conclusion):
            return False
        for key, value in (("branch", run.branch), ("event", run.event), ("head_sha", run.head_sha)):
            if query.get(key) and query[key] != value:
                return False
        return _created_matches(created, run.created_at)

    return keep


def _created_matches(expr: str, when: str) -> bool:
    if not expr:
        return True
    if ".." in expr:
        low, high = expr.split("..", 1)
        return (low in ("*", "") or when >= _as_time(low)) and (high in ("*", "") or when <= _as_time(high, True))
    for op in (">=", "<=", ">", "<"):
        if expr.startswith(op):
            bound = _as_time(expr[len(op) :], op.startswith("<"))
            return {">=": when >= bound, "<=": when <= bound, ">": when > bound, "<": when < bound}[op]
    return when.startswith(expr)


def _as_time(value: str, end: bool = False) -> str:
    value = value.strip()
    if len(value) == 10:
        return value + ("T23:59:59Z" if end else "T00:00:00Z")
    return value.replace("+00:00", "Z")


def _runs_page(sb: Sandbox, repo: Repo, runs: list[Run], query: dict[str, str]) -> Response:
    chosen = sorted((r for r in runs if _run_filters(query)(r)), key=lambda r: r.id, reverse=True)
    body = {"total_count": len(chosen), "workflow_runs": [run_json(sb, repo, r) for r in chosen]}
    return Response(200, body, page_key="workflow_runs", paginate=True)


def list_runs(sb: Sandbox, repo: Repo, call: Call) -> Response:
    return _runs_page(sb, repo, repo.runs, call.query)


def list_workflows(sb: Sandbox, repo: Repo, call: Call) -> Response:
    flows = [shapes_actions.workflow(sb.base_url, repo, wf) for wf in repo.workflows.values()]
    return Response(200, {"total_count": len(flows), "workflows": flows}, page_key="workflows", paginate=True)


def _workflow(repo: Repo, workflow_id: str) -> Workflow:
    for wf in repo.workflows.values():
        if str(wf.id) == workflow_id or wf.path.rsplit("/", 1)[-1] == workflow_id:
            return wf
    raise ApiError(404, "Not Found")


def get_workflow(sb: Sandbox, repo: Repo, call: Call) -> Response:
    return Response(200, shapes_actions.workflow(sb.base_url, repo, _workflow(repo, call.params["workflow_id"])))


def list_workflow_runs(sb: Sandbox, repo: Repo, call: Call) -> Response:
    wf = _workflow(repo, call.params["workflow_id"])
    return _runs_page(sb, repo, [run for run in repo.runs if run.workflow_id == wf.id], call.query)


def get_run(sb: Sandbox, repo: Repo, call: Call) -> Response:
    return Response(200, run_json(sb, repo, _find_run(repo, call.params["run_id"])))


def get_run_attempt(sb: Sandbox, repo: Repo, call: Call) -> Response:
    run, attempt = _find_run(repo, call.params["run_id"]), call.params["attempt"]
    if not attempt.isdigit() or int(attempt) not in run.jobs:
        raise ApiError(404, "Not Found")
    data = run_json(sb, repo, run)
    data["run_attempt"] = int(attempt)
    if int(attempt) != run.attempt:
        jobs = run.jobs[int(attempt)]
        data["status"] = "completed"
        data["conclusion"] = "failure" if any(j.conclusion == "failure" for j in jobs) else "success"
    return Response(200, data)


def rerun_failed(sb: Sandbox, repo: Repo, call: Call) -> Response:
    sb.require(call.actor, "write")
    sb.rerun(repo, _find_run(repo, call.params["run_id"]), failed_only=True)
    return Response(201, {})


def rerun_all(sb: Sandbox, repo: Repo, call: Call) -> Response:
    sb.require(call.actor, "write")
    sb.rerun(repo, _find_run(repo, call.params["run_id"]), failed_only=False)
    return Response(201, {})


def approve(sb: Sandbox, repo: Repo, call: Call) -> Response:
    """Approve a run that waits for approval (GitHub: a fork's pull request, or one a workflow token opened)."""
    sb.require(call.actor, "write")
    sb.approve_run(repo, _find_run(repo, call.params["run_id"]))
    return Response(201, {})


def _jobs_page(sb: Sandbox, repo: Repo, run: Run, jobs: list[Job]) -> Response:
    body = {"total_count": len(jobs), "jobs": [shapes_actions.job(sb.base_url, repo, run, j) for j in jobs]}
    return Response(200, body, page_key="jobs", paginate=True)


def list_jobs(sb: Sandbox, repo: Repo, call: Call) -> Response:
    run = _find_run(repo, call.params["run_id"])
    if call.query.get("filter") == "all":
        jobs = [j for attempt in sorted(run.jobs) for j in run.jobs[attempt]]
    else:
        jobs = run.current_jobs()
    return _jobs_page(sb, repo, run, jobs)


def list_attempt_jobs(sb: Sandbox, repo: Repo, call: Call) -> Response:
    run, attempt = _find_run(repo, call.params["run_id"]), call.params["attempt"]
    jobs = run.jobs.get(int(attempt) if attempt.isdigit() else -1)
    if jobs is None:
        raise ApiError(404, "Not Found")
    return _jobs_page(sb, repo, run, jobs)


def _job(sb: Sandbox, repo: Repo, job_id: str) -> tuple[Run, Job]:
    found = sb.job(int(job_id)) if job_id.isdigit() else None
    if found is None or found[0] is not repo:
        raise ApiError(404, "Not Found")
    return found[1], found[2]


def get_job(sb: Sandbox, repo: Repo, call: Call) -> Response:
    run, jb = _job(sb, repo, call.params["job_id"])
    return Response(200, shapes_actions.job(sb.base_url, repo, run, jb))


def get_job_logs(sb: Sandbox, repo: Repo, call: Call) -> Response:
    jb = _job(sb, repo, call.params["job_id"])[1]
    if jb.status != "completed":
        raise ApiError(404, "Not Found")
    return Response(302, None, {"Location": sb.log_url(jb)})


ROUTES: RepoRoutes = [
    ("GET", "/actions/runs", list_runs),
    ("GET", "/actions/workflows", list_workflows),
    ("GET", "/actions/workflows/{workflow_id}", get_workflow),
    ("GET", "/actions/workflows/{workflow_id}/runs", list_workflow_runs),
    ("GET", "/actions/runs/{run_id}", get_run),
    ("GET", "/actions/runs/{run_id}/attempts/{attempt}", get_run_attempt),
    ("POST", "/actions/runs/{run_id}/rerun-failed-jobs", rerun_failed),
    ("POST", "/actions/runs/{run_id}/rerun", rerun_all),
    ("POST", "/actions/runs/{run_id}/approve", approve),
    ("GET", "/actions/runs/{run_id}/jobs", list_jobs),
    ("GET", "/actions/runs/{run_id}/attempts/{attempt}/jobs", list_attempt_jobs),
    ("GET", "/actions/jobs/{job_id}", get_job),
    ("GET", "/actions/jobs/{job_id}/logs", get_job_logs),
]

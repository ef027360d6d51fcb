"""GitHub's JSON shapes for the sandbox's Actions objects: workflows, runs, jobs and their check runs."""

from __future__ import annotations

import re
from typing import Any

from cicd_agent.sandbox.model import Job, Repo, Run, Workflow
from cicd_agent.sandbox.shapes import EPOCH, repository, simple_commit, user


def workflow(base: str, repo: Repo, wf: Workflow) -> dict[str, Any]:
    return {
        "id": wf.id,
        "node_id": f"W_{wf.id}",
        "name": wf.name,
        "path": wf.path,
        "state": "active",
        "created_at": EPOCH,
        "updated_at": EPOCH,
        "url": f"{base}/repos/{repo.full_name}/actions/workflows/{wf.id}",
        "html_url": f"{base}/{repo.full_name}/blob/{repo.default_branch}/{wf.path}",
        "badge_url": f"{base}/{repo.full_name}/workflows/{wf.name}/badge.svg",
    }


def workflow_run(base: str, repo: Repo, run: Run) -> dict[str, Any]:
    url = f"{base}/repos/{repo.full_name}/actions/runs/{run.id}"
    minimal = repository(base, repo, full=False)
    return {
        "id": run.id,
        "name": run.name,
        "node_id": f"WR_{run.id}",
        "check_suite_id": run.id,
        "check_suite_node_id": f"CS_{run.id}",
        "head_branch": run.branch,
        "head_sha": run.head_sha,
        "path": run.path,
        "run_number": run.number,
        "run_attempt": run.attempt,
        "event": run.event,
        "display_title": run.title,
        "status": run.status,
        "conclusion": run.conclusion,
        "workflow_id": run.workflow_id,
        "url": url,
        "html_url": f"{base}/{repo.full_name}/actions/runs/{run.id}",
        "pull_requests": [],
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "run_started_at": run.started_at,
        "jobs_url": f"{url}/jobs",
        "logs_url": f"{url}/logs",
        "check_suite_url": f"{base}/repos/{repo.full_name}/check-suites/{run.id}",
        "artifacts_url": f"{url}/artifacts",
        "cancel_url": f"{url}/cancel",
        "rerun_url": f"{url}/rerun",
        "previous_attempt_url": f"{url}/attempts/{run.attempt - 1}" if run.attempt > 1 else None,
        "workflow_url": f"{base}/repos/{repo.full_name}/actions/workflows/{run.workflow_id}",
        "head_commit": simple_commit(run.head_sha, run.head_sha, run.title, run.created_at),
        "repository": minimal,
        "head_repository": fork_of(minimal, run.head_repo) if run.head_repo else minimal,
        "actor": user(base, "sandbox-bot", 1),
        "triggering_actor": user(base, "sandbox-bot", 1),
    }


def fork_of(shape: dict[str, Any], full_name: str) -> dict[str, Any]:
    """A repository's shape as its fork `full_name` would have it."""
    owner, name = full_name.split("/", 1)
    return {**shape, "full_name": full_name, "name": name, "fork": True, "owner": {**shape["owner"], "login": owner}}


def job(base: str, repo: Repo, run: Run, jb: Job) -> dict[str, Any]:
    url = f"{base}/repos/{repo.full_name}/actions/jobs/{jb.id}"
    return {
        "id": jb.id,
        "run_id": run.id,
        "run_url": f"{base}/repos/{repo.full_name}/actions/runs/{run.id}",
        "run_attempt": jb.attempt,
        "node_id": f"J_{jb.id}",
        "head_sha": run.head_sha,
        "url": url,
        "html_url": f"{base}/{repo.full_name}/actions/runs/{run.id}/job/{jb.id}",
        "status": jb.status,
        "conclusion": jb.conclusion,
        "created_at": jb.started_at or run.created_at,
        "started_at": jb.started_at or run.created_at,
        "completed_at": jb.completed_at,
        "name": jb.name,
        "check_run_url": f"{base}/repos/{repo.full_name}/check-runs/{jb.id}",
        "labels": ["ubuntu-latest"],
        "runner_id": 1,
        "runner_name": "GitHub Actions 1",
        "runner_group_id": 1,
        "runner_group_name": "GitHub Actions",
        "workflow_name": run.name,
        "head_branch": run.branch,
        "steps": [
            {
                "name": s.name,
                "status": "completed" if s.conclusion else jb.status,
                "conclusion": s.conclusion,
                "number": n,
                "started_at": jb.started_at,
                "completed_at": jb.completed_at,
            }
            for n, s in enumerate(jb.steps, 1)
        ],
    }


_ANNOTATED = re.compile(r"^\S+Z (?:##\[(error|warning|notice)\]|::(error|warning|notice)(?: [^:]*)?::)(.*)$")
_LEVELS = {"error": "failure", "warning": "warning", "notice": "notice"}


def check_annotations(base: str, repo: Repo, run: Run, jb: Job) -> list[dict[str, Any]]:
    """What GitHub makes of a job's `##[error]` lines and `::error::` commands: its check run's annotations."""
    marked = [m for m in map(_ANNOTATED.match, jb.log.splitlines()) if m]
    levelled = [(_LEVELS[m.group(1) or m.group(2)], m.group(3)) for m in marked] + jb.notes
    return [
        {
            "path": ".github",
            "blob_href": f"{base}/{repo.full_name}/blob/{run.head_sha}/.github",
            "start_line": 1,
            "end_line": 1,
            "start_column": None,
            "end_column": None,
            "annotation_level": level,
            "title": "",
            "message": message,
            "raw_details": "",
        }
        for level, message in levelled
    ]


def check_run(base: str, repo: Repo, run: Run, jb: Job) -> dict[str, Any]:
    return {
        "id": jb.id,
        "node_id": f"CR_{jb.id}",
        "head_sha": run.head_sha,
        "external_id": str(jb.id),
        "url": f"{base}/repos/{repo.full_name}/check-runs/{jb.id}",
        "html_url": f"{base}/{repo.full_name}/runs/{jb.id}",
        "details_url": f"{base}/{repo.full_name}/runs/{jb.id}",
        "status": jb.status,
        "conclusion": jb.conclusion,
        "started_at": jb.started_at,
        "completed_at": jb.completed_at,
        "name": jb.name,
        "output": {
            "title": jb.conclusion or jb.status,
            "summary": "",
            "text": None,
            "annotations_count": len(check_annotations(base, repo, run, jb)),
            "annotations_url": f"{base}/repos/{repo.full_name}/check-runs/{jb.id}/annotations",
        },
        "check_suite": {"id": run.id},
        "app": None,
        "pull_requests": [],
    }

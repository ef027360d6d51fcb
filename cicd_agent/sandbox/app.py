"""A local GitHub on 127.0.0.1: the REST subset the agent uses, over real bare git repositories.

`Sandbox` holds the state (repositories, issues and pull requests, workflow runs, tokens, faults) and runs
CI: pushes (through git or the API) start the pushed commit's workflows, which `settle()` runs for real.
`serve()` puts it on a loopback port (`http.py`); the endpoints live in `routes/`.
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from git.exc import GitError

from cicd_agent.sandbox import shapes
from cicd_agent.sandbox.accounts import Accounts
from cicd_agent.sandbox.bare import BareRepo
from cicd_agent.sandbox.http import make_server
from cicd_agent.sandbox.limits import SecondaryLimits
from cicd_agent.sandbox.model import ApiError, Fault, Item, Job, Repo, Run, Workflow, iso
from cicd_agent.sandbox.runner import (
    JobResult,
    StepResult,
    WorkflowFile,
    job_names,
    parse_workflow,
    run_job,
    triggers_on,
    triggers_on_push,
)
from cicd_agent.sandbox.webhooks import Webhooks

LOG_URL_TTL = 60.0
RATE_LIMIT = 5000


class Sandbox(Accounts):
    """State and behaviour of the fake GitHub; `serve()` puts it on a loopback port."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.clock_offset = 0.0  # seconds added to the real time in every time GitHub records
        self.minute_seconds = 1.0  # real seconds per CI minute (`timeout-minutes`)
        self.ci_workers = 1  # runs of different repositories executed at once by `settle` (the demo uses more)
        self.job_env: dict[str, str] = {}
        self.repos: dict[str, Repo] = {}
        self.lock = threading.RLock()
        self.ci_lock = threading.Lock()
        self.webhooks = Webhooks()  # `webhooks.configure(url, secret)`: completed runs are POSTed there
        # as GitHub: the runs of pull requests these accounts open wait for a person's approval (`action_required`)
        self.approval_required: set[str] = {"github-actions[bot]"}
        self.ids = itertools.count(1000)
        self.requests: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.log_urls: dict[str, tuple[int, float]] = {}  # token -> (job id, expiry)
        self.rate_used = 0
        self.rate_reset = int(time.time()) + 3600
        self.limits = SecondaryLimits()  # GitHub's secondary limits (`limits.creations_per_minute`, `latency`)
        self.base_url = ""
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    # -- repositories -------------------------------------------------------------------------------

    def add_repo(
        self,
        full_name: str,
        files: dict[str, bytes],
        *,
        description: str | None = None,
        archived: bool = False,
        fork: bool = False,
    ) -> Repo:
        owner, name = full_name.split("/")
        bare = BareRepo.create(self.root / "git" / owner / f"{name}.git", files, message="Initial commit")
        repo = Repo(next(self.ids), owner, name, bare, description=description, archived=archived, fork=fork)
        with self.lock:
            self.repos[full_name.lower()] = repo
        return repo

    def select_repositories(self, app_id: str, names: list[str] | None) -> None:
        """Install the App on these repositories only (None: on all of them), and deliver the
        `installation_repositories` events GitHub sends for what was added and what was removed."""
        app = self.apps[str(app_id)]
        with self.lock:
            before = {r.full_name for r in self.repos.values() if self.installation_sees(app, r.full_name)}
            self.installations[app.id] = None if names is None else {n.lower() for n in names}
            after = {r.full_name for r in self.repos.values() if self.installation_sees(app, r.full_name)}
            added = [self.repos[n.lower()] for n in sorted(after - before)]
            removed = [self.repos[n.lower()] for n in sorted(before - after)]
        selection = "all" if names is None else "selected"
        for action, repos in (("added", added), ("removed", removed)):
            if repos and self.webhooks.url:
                self.webhooks.installation_changed(self, app, action, repos, selection)

    def from_fork(self, full_name: str, run_id: int, fork: str, branch: str, *, pull: bool = True) -> int | None:
        """Make run `run_id` a run of a pull request from the fork `fork` (OWNER/NAME) whose head branch is named
        `branch` (a stranger may call it `main`); with `pull`, that pull request is opened too: its number."""
        from cicd_agent.sandbox.routes.issues import new_item

        repo = self.repo(full_name)
        run = next(r for r in repo.runs if r.id == run_id)
        run.head_repo, run.branch, run.event = fork, branch, "pull_request"
        if not pull:
            return None
        login = fork.split("/")[0]
        self.add_person(login, "read")
        stranger = self.person(login)
        assert stranger is not None
        item = new_item(
            self,
            repo,
            f"Change from {fork}",
            "A stranger's change.",
            stranger,
            is_pull=True,
            head=branch,
            base=repo.default_branch,
            head_sha=run.head_sha,
            head_repo=fork,
        )
        return item.number

    def refuse_workflow_pushes(self, full_name: str) -> None:
        """Make pushes that change .github/workflows/ fail the way GitHub refuses a token without the
        `workflow` scope (a pre-receive hook in the bare repository)."""
        hook = self.repo(full_name).bare.path / "hooks" / "pre-receive"
        hook.write_text(
            "#!/bin/sh\n"
            "while read old new ref; do\n"
            '  range=$new; [ "$old" != 0000000000000000000000000000000000000000 ] && range=$old..$new\n'
            "  if git diff --name-only ${old#0000000000000000000000000000000000000000} $new 2>/dev/null"
            " | grep -q '^.github/workflows/' || { [ \"$old\" = 0000000000000000000000000000000000000000 ] &&"
            " git diff --name-only $new~1 $new | grep -q '^.github/workflows/'; }; then\n"
            '    echo "refusing to allow an OAuth App to create or update workflow \\`.github/workflows/ci.yml\\`'
            ' without \\`workflow\\` scope" >&2\n'
            "    exit 1\n"
            "  fi\n"
            "done\n"
        )
        hook.chmod(0o755)

    def stall_pushes(self, full_name: str, seconds: float, *, after_update: bool) -> Path:
        """Make the next pushes hang for `seconds` before (pre-receive) or after (post-receive) the refs
        move: a window to kill a pusher in. Returns a marker file that appears once a push reached it."""
        hooks = self.repo(full_name).bare.path / "hooks"
        marker = hooks / "push-reached"
        hook = hooks / ("post-receive" if after_update else "pre-receive")
        hook.write_text(f"#!/bin/sh\ncat > /dev/null\ntouch '{marker}'\nsleep {seconds}\n")
        hook.chmod(0o755)
        return marker

    def now(self) -> float:
        """The sandbox's clock: real time shifted by `clock_offset` (set it negative to make what is created
        next look older). Token and log-URL expiry stay on real time."""
        return time.time() + self.clock_offset

    def stamp(self) -> str:
        """`now()` as GitHub writes times."""
        return iso(self.now())

    def repo(self, full_name: str) -> Repo:
        """The repository `owner/name` (any case); an unknown one is the API's 404."""
        repo = self.repos.get(full_name.lower())
        if repo is None:
            raise ApiError(404, "Not Found")
        return repo

    def job(self, job_id: int) -> tuple[Repo, Run, Job] | None:
        for repo in self.repos.values():
            for run in repo.runs:
                for jobs in run.jobs.values():
                    for jb in jobs:
                        if jb.id == job_id:
                            return repo, run, jb
        return None

    # -- CI -----------------------------------------------------------------------------------------

    def settle(self) -> int:
        """Start workflows for every new push, run every queued run; returns how many runs ran. With
        `ci_workers` above 1, runs of different repositories run at once (one repository's one at a time). Once
        `close()` was called it stops after the runs in progress (the rest stay queued)."""
        ran = 0
        with self.ci_lock:
            while not self._stop.is_set():
                self._queue_pushes()
                if self.ci_workers > 1:
                    batch = self._queued_batch()
                    with ThreadPoolExecutor(self.ci_workers, thread_name_prefix="sandbox-ci") as pool:
                        list(pool.map(lambda queued: self._execute(*queued), batch))
                    if not batch:
                        return ran
                    ran += len(batch)
                    continue
                queued = self._next_queued()
                if queued is None:
                    return ran
                self._execute(*queued)
                ran += 1
            return ran

    def queued(self) -> list[str]:
        """The repositories with a run waiting for CI (new pushes counted), one name per run."""
        with self.ci_lock:
            self._queue_pushes()
        with self.lock:
            return [r.full_name for r in self.repos.values() for run in r.runs if run.status == "queued"]

    def _queued_batch(self) -> list[tuple[Repo, Run]]:
        """The first queued run of each repository, each marked in progress."""
        batch = []
        with self.lock:
            for repo in self.repos.values():
                run = next((r for r in repo.runs if r.status == "queued"), None)
                if run is not None:
                    run.status = "in_progress"
                    run.started_at = run.started_at or self.stamp()
                    batch.append((repo, run))
        return batch

    def _queue_pushes(self) -> None:
        with self.lock:
            for repo in self.repos.values():
                for branch, sha in sorted(repo.bare.branches().items()):
                    if repo.seen.get(branch) == sha:
                        continue
                    repo.seen[branch] = sha
                    for wf in self._workflows_at(repo, sha):
                        if triggers_on_push(wf, branch):
                            self._new_run(repo, wf, branch, sha)

    def _workflows_at(self, repo: Repo, sha: str) -> list[WorkflowFile]:
        found = []
        for path in sorted(repo.bare.list_dir(sha, ".github/workflows")):
            if not path.endswith((".yml", ".yaml")):
                continue
            blob = repo.bare.read(sha, path)
            wf = parse_workflow(path, blob[1]) if blob else None
            if wf is not None:
                found.append(wf)
                if path not in repo.workflows:
                    repo.workflows[path] = Workflow(next(self.ids), wf.name, path)
        return found

    def pull_request_opened(self, repo: Repo, item: Item) -> None:
        """Start the head commit's workflows that run on pull requests to its base. Opened by an account whose runs
        need approval (a workflow's GITHUB_TOKEN), they wait for it (`approve_run`) instead: completed, conclusion
        `action_required`, no jobs."""
        held = item.user.login.lower() in self.approval_required
        with self.lock:
            for wf in self._workflows_at(repo, item.head_sha):
                if triggers_on(wf, "pull_request", item.base):
                    run = self._new_run(repo, wf, item.head, item.head_sha, event="pull_request")
                    if held:
                        run.status, run.conclusion, run.jobs[1] = "completed", "action_required", []

    def approve_run(self, repo: Repo, run: Run) -> None:
        """A person approves a run that waits for approval: it is queued, and runs at the next settle."""
        if run.conclusion != "action_required":
            raise ApiError(403, "This run is not waiting for approval")
        wf = parse_workflow(run.path, (repo.bare.read(run.head_sha, run.path) or ("", b""))[1])
        names = job_names(wf) if wf is not None else []
        run.jobs[run.attempt] = [Job(next(self.ids), key, name, run.attempt) for key, name in names]
        run.status, run.conclusion, run.updated_at = "queued", None, self.stamp()

    def _new_run(self, repo: Repo, wf: WorkflowFile, branch: str, sha: str, *, event: str = "push") -> Run:
        message = repo.bare.repo.commit(sha).message
        title = (message if isinstance(message, str) else message.decode()).strip().splitlines()[0]
        number = 1 + sum(1 for r in repo.runs if r.path == wf.path)
        run = Run(
            next(self.ids),
            number,
            wf.name,
            wf.path,
            repo.workflows[wf.path].id,
            branch,
            sha,
            event,
            title,
            self.stamp(),
        )
        run.updated_at = run.created_at
        run.jobs[1] = [Job(next(self.ids), key, name, 1) for key, name in job_names(wf)]
        repo.runs.append(run)
        return run

    def _next_queued(self) -> tuple[Repo, Run] | None:
        with self.lock:
            for repo in self.repos.values():
                for run in repo.runs:
                    if run.status == "queued":
                        run.status = "in_progress"
                        run.started_at = run.started_at or self.stamp()
                        return repo, run
        return None

    def _execute(self, repo: Repo, run: Run) -> None:
        blob = repo.bare.read(run.head_sha, run.path)
        wf = parse_workflow(run.path, blob[1]) if blob else None
        env = {
            **self.job_env,
            "GITHUB_RUN_ID": str(run.id),
            "GITHUB_RUN_ATTEMPT": str(run.attempt),
            "GITHUB_SHA": run.head_sha,
            "GITHUB_REF_NAME": run.branch,
            "GITHUB_REPOSITORY": repo.full_name,
            "GITHUB_ACTIONS": "true",
        }
        for jb in run.current_jobs():
            if jb.status == "completed":
                continue  # carried over from the previous attempt by a rerun of failed jobs
            with self.lock:
                jb.status, jb.started_at = "in_progress", self.stamp()
            if wf is None:
                result = JobResult(
                    jb.key,
                    jb.name,
                    "failure",
                    [StepResult("Set up job", "failure")],
                    f"{shapes.EPOCH} ##[error]Invalid workflow file {run.path}\n",
                )
            else:
                result = run_job(
                    wf,
                    jb.key,
                    lambda dest: repo.bare.checkout(run.head_sha, dest),
                    env,
                    minute_seconds=self.minute_seconds,
                )
            with self.lock:
                jb.status, jb.conclusion, jb.steps = "completed", result.conclusion, result.steps
                jb.log, jb.completed_at = result.log, self.stamp()
        with self.lock:
            conclusions = [j.conclusion for j in run.current_jobs()]
            run.status = "completed"
            run.conclusion = "failure" if "failure" in conclusions else "success"
            run.updated_at = self.stamp()
        self.webhooks.run_completed(self, repo, run)

    def rerun(self, repo: Repo, run: Run, *, failed_only: bool) -> None:
        if run.status != "completed":
            raise ApiError(403, "This workflow is already running")
        attempt = run.attempt + 1
        jobs = []
        for old in run.current_jobs():
            if failed_only and old.conclusion == "success":
                jobs.append(old)
            else:
                jobs.append(Job(next(self.ids), old.key, old.name, attempt))
        run.jobs[attempt] = jobs
        run.attempt, run.status, run.conclusion, run.updated_at = attempt, "queued", None, self.stamp()

    def log_url(self, job: Job) -> str:
        """A short-lived URL of a job's log, as GitHub redirects to (valid LOG_URL_TTL seconds)."""
        token = secrets.token_hex(16)
        self.log_urls[token] = (job.id, time.time() + LOG_URL_TTL)
        return f"{self.base_url}/_sandbox/logs/{token}"

    def signed_log(self, token: str) -> str | None:
        """The log a `log_url` token points at, or None once it has expired."""
        with self.lock:
            entry = self.log_urls.get(token)
            found = self.job(entry[0]) if entry and entry[1] > time.time() else None
        return None if found is None else found[2].log

    # -- serving --------------------------------------------------------------------------------------

    def serve(self, port: int = 0, *, auto_ci: bool = True) -> str:
        """Listen on 127.0.0.1 (a free port when 0) in background threads; returns the base URL."""
        server = make_server(self, port)
        self._server = server
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        threads = [threading.Thread(target=server.serve_forever, name="sandbox-http", daemon=True)]
        if auto_ci:
            threads.append(threading.Thread(target=self._ci_loop, name="sandbox-ci", daemon=True))
        for thread in threads:
            thread.start()
        self._threads = threads
        return self.base_url

    def _ci_loop(self) -> None:
        while not self._stop.wait(0.2):
            try:
                self.settle()
            except (OSError, GitError):
                if not self._stop.wait(2.0):  # Ctrl-C reaches the git processes too (the whole process group gets
                    raise  # it): an error is the stop's when a stop follows at once
                return

    def close(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=30)
        self.webhooks.close()

    # -- faults, rate limit ----------------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first injected fault with uses left that matches the request, one use consumed."""
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method.upper() in (method, "*") and re.search(fault.path, path):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    fault.times -= 1
                    return fault
        return None

    def rate(self, *, charge: bool = False) -> dict[str, int]:
        """The core rate limit (GitHub's `rate` object), after charging one request when `charge`."""
        with self.lock:
            if charge:
                self.rate_used += 1
            return {
                "limit": RATE_LIMIT,
                "remaining": max(RATE_LIMIT - self.rate_used, 0),
                "reset": self.rate_reset,
                "used": self.rate_used,
            }

"""Poll each repository for new failed runs and hand them to `decide`, oldest first across repositories,
at most `max_failures_per_cycle` of them. A repository's cursor (ETag) is saved only once all its failures
were handled, so an unchanged list (304) never hides work left for later.

Errors are per repository and per failure: a repository that answers 5xx (or a failure whose handling does)
costs that repository this cycle, and the others are still polled and handled and keep their cursors. Only
what every repository would meet alike (the API host unreachable, the rate limit spent) ends the cycle."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import UTC, datetime

from cicd_agent.errors import AgentError
from cicd_agent.github import ApiUnavailable, WorkflowRun, ends_cycle
from cicd_agent.model import Decided, RemState, is_fix_branch
from cicd_agent.remediation.context import Ports, Report, record
from cicd_agent.remediation.decide import handle_failure
from cicd_agent.store import MAX_HANDLING_ERRORS


def branch_watched(patterns: list[str], branch: str) -> bool:
    return any(fnmatch.fnmatchcase(branch, p) for p in patterns)


@dataclass(frozen=True)
class Polled:
    repo: str
    runs: list[WorkflowRun]
    etag: str
    since: str


def poll_repo(p: Ports, repo: str) -> Polled | None:
    """The repo's failed runs on watched branches (not the agent's own); None when nothing changed (304)."""
    config = p.config.repo(repo)
    since = datetime.fromtimestamp(p.now() - p.config.state.dedup_ttl, UTC).strftime("%Y-%m-%d")
    cursor = p.store.cursor(repo)
    etag = cursor[0] if cursor and cursor[1] == since else None
    changed, runs, new_etag = p.github.poll_failed_runs(repo, created=f">={since}", etag=etag)
    if not changed:
        return None
    wanted = [
        r
        for r in runs
        if r.conclusion == "failure" and not is_fix_branch(r.branch) and branch_watched(config.branches, r.branch)
    ]
    return Polled(repo, wanted, new_etag, since)


def handle_new_failures(p: Ports, repos: list[str], report: Report) -> None:
    """Every repo's new failures, oldest first across repos, at most `max_failures_per_cycle` of them."""
    polled: list[Polled] = []
    for repo in repos:
        try:
            found = poll_repo(p, repo)
        except AgentError as exc:
            if ends_cycle(exc):  # every repository would meet it: stop asking, handle what was polled
                report.error(p, f"{repo}: {exc}; polling stopped, the next cycle resumes")
                break
            report.error(p, f"{repo}: {exc}")  # this repository only: the others are polled
            continue
        if found is None:
            report.idle_repos.append(repo)
        else:
            polled.append(found)
    queue = sorted(((run, found) for found in polled for run in found.runs), key=lambda x: (x[0].created_at, x[0].id))
    budget = p.config.policy.max_failures_per_cycle
    waiting: set[str] = set()
    unavailable: set[str] = set()  # repositories whose failures wait for the next cycle after an outage
    halted = False
    for run, found in queue:
        if budget <= 0 or halted or found.repo in unavailable or p.stopping():
            waiting.add(found.repo)
            report.deferred += 1
            continue
        try:
            if handle_failure(p, run, report):
                budget -= 1
        except AgentError as exc:
            report.error(p, f"{run.repo} run {run.id}: {exc}")
            waiting.add(found.repo)
            give_back(p, report, run, exc)
            halted = ends_cycle(exc)
            if isinstance(exc, ApiUnavailable):
                unavailable.add(found.repo)
    if report.deferred:
        p.echo(f"{report.deferred} failure(s) left for the next cycle")
    for found in polled:
        if found.repo not in waiting:  # a repo with work left keeps polling without its ETag
            p.store.set_cursor(found.repo, etag=found.etag, since=found.since, now=p.now())


def give_back(p: Ports, report: Report, run: WorkflowRun, exc: AgentError) -> None:
    """Handling a failure ended in an error: mark what it planned as failed, give the failure back for the next
    cycle, and after MAX_HANDLING_ERRORS errors GitHub keeps giving (outages and rate limits do not count) give up
    on it."""
    for rem in p.store.remediations(repo=run.repo, states=(RemState.PLANNED,)):
        if rem.run == run.ref:  # nothing of it reached GitHub
            p.store.update_remediation(rem.id, state=RemState.FAILED, error=str(exc), now=p.now())
    errors = p.store.release_failure(run.ref, error=not isinstance(exc, ApiUnavailable))
    if errors >= MAX_HANDLING_ERRORS:
        record(p, report, run.ref, Decided.GAVE_UP, f"handling it failed {errors} times; last error: {exc}")

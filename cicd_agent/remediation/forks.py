"""A failed run of a fork's pull request. Its head branch may be called `main`, but it is the fork's branch,
not the base repository's (`values.run_from_json` names it `owner/name:main`), and anyone can open one: it is
never keyed, fixed, re-run, counted toward a storm or reported as the base branch's failure. By default it is
skipped with a recorded decision; with `[policy] fork_failures = "comment"` it is explained on the fork's own
pull request (one comment per failure signature), the only place it belongs."""

from __future__ import annotations

from cicd_agent.github.values import WorkflowRun
from cicd_agent.model import Decided, Handled
from cicd_agent.remediation import operations
from cicd_agent.remediation.context import Ports, Report, record
from cicd_agent.remediation.explain import explain_run, release, with_baseline
from cicd_agent.remediation.report import comment_on_pull

SETTING = "policy.fork_failures"


def skip_reason(run: WorkflowRun, setting: str, *, paused: bool) -> str | None:
    """Why a fork's failed run gets no comment (None: comment on its pull request). Pure."""
    where = f"{run.head_repo}:{run.head_branch}"
    if setting != "comment":
        return (
            f"the run comes from the fork {where}, not a branch of {run.repo}; set {SETTING} = "
            '"comment" to explain it on the fork\'s pull request'
        )
    if paused:
        return "the agent is paused: analysed and reported only"
    return None


def handle_fork(p: Ports, report: Report, run: WorkflowRun) -> Handled:
    """The fork's failure: skipped (recorded), or explained on its open pull request."""
    why = skip_reason(run, p.config.policy.fork_failures, paused=bool(operations.paused(p.store)))
    if why is not None:
        record(p, report, run.ref, Decided.FORK_SKIPPED, why)
        return Handled.DECIDED
    number = fork_pull(p, run)
    if number is None:
        reason = f"no open pull request from {run.head_repo}:{run.head_branch} to explain it on"
        record(p, report, run.ref, Decided.FORK_SKIPPED, reason)
        return Handled.DECIDED
    surveyed = report.surveyed.pop(run.ref, None)  # explained once a cycle: the storm survey's, with its baseline
    try:
        explained = with_baseline(p.github, surveyed) if surveyed else explain_run(p.github, run)
    finally:
        release(surveyed)
    report.explained[run.id] = explained
    if not explained.analysis.failed:
        record(p, report, run.ref, Decided.NO_FAILURE_FOUND, "the failed job's log shows no failure")
        return Handled.DECIDED
    comment_on_pull(p, report, run, explained, SETTING, number)
    return Handled.DECIDED


def fork_pull(p: Ports, run: WorkflowRun) -> int | None:
    """The fork's open pull request the run belongs to (GitHub lists none in the run for a fork): its head is the
    fork's branch, at the run's commit if one is."""
    owner = run.head_repo.split("/")[0]
    pulls = [pull for pull in p.github.pulls(run.repo, head=run.head_branch, head_owner=owner) if pull.state == "open"]
    pulls.sort(key=lambda pull: pull.head_sha != run.head_sha)
    return pulls[0].number if pulls else None

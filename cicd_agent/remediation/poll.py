"""Poll each repository for new failed runs and hand them to `decide`, oldest first across repositories,
at most `max_failures_per_cycle` of them. A repository's cursor (ETag) is saved only once all its failures
were decided: one deferred (the budget, the PR rate limits), held by another cycle's claim or given back after
an error keeps it unsaved, so an unchanged list (304) never hides work left for later.

The polling window is `state.dedup_ttl` back, from the start of that day; a handled run is remembered as long as
it can be listed, so it never comes back as new.

Polls run in parallel on a bounded pool (`github.poll_concurrency`, shrunk when GitHub asks to slow down);
they only make their request: cursors are read before and written after, in one transaction per cycle, and
the failures found are decided one at a time.

Errors are per repository and per failure: a repository that answers 5xx (or a failure whose handling does)
costs that repository this cycle, and the others are still polled and handled and keep their cursors. Only
what every repository would meet alike (the API host unreachable, the rate limit spent) ends the cycle."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import UTC, datetime

from cicd_agent.config.settings import RepoConfig
from cicd_agent.errors import AgentError
from cicd_agent.github.errors import ApiUnavailable, SecondaryRateLimit, counts, ends_cycle
from cicd_agent.github.pool import Skipped
from cicd_agent.github.values import WorkflowRun
from cicd_agent.model import Decided, Handled, RemState, is_fix_branch
from cicd_agent.remediation import storms
from cicd_agent.remediation.context import Ports, Report, record
from cicd_agent.remediation.decide import handle_failure
from cicd_agent.remediation.explain import release
from cicd_agent.store import MAX_HANDLING_ERRORS

SLOW_DOWN_TRIES = 3


def branch_watched(patterns: list[str], branch: str) -> bool:
    return any(fnmatch.fnmatchcase(branch, p) for p in patterns)


def watched_failure(config: RepoConfig, run: WorkflowRun, fork_failures: str = "skip") -> bool:
    """A failed run the agent handles: on a watched branch, and not on one of its own fix branches. A fork's
    run (handled as the fork's, never the repository's) is when its head branch has a watched name (to be
    skipped on the record), or always when fork failures are explained on their pull requests."""
    if run.conclusion != "failure":
        return False
    if run.fork:
        return fork_failures == "comment" or branch_watched(config.branches, run.head_branch)
    return not is_fix_branch(run.branch) and branch_watched(config.branches, run.branch)


def window_start(now: float, dedup_ttl: float) -> tuple[str, float]:
    """The polling window's first day (`created:>=` takes a date) and that day's first second."""
    day = datetime.fromtimestamp(now - dedup_ttl, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.strftime("%Y-%m-%d"), day.timestamp()


@dataclass(frozen=True)
class Polled:
    repo: str
    runs: list[WorkflowRun]
    etag: str
    since: str


def poll_repo(p: Ports, repo: str, cursor: tuple[str, str] | None) -> Polled | None:
    """The repo's failed runs on watched branches (not the agent's own); None when nothing changed (304).
    One request and no state touched: it runs on the polling pool's threads."""
    config = p.config.repo(repo)
    since, _ = window_start(p.now(), p.config.state.dedup_ttl)
    etag = cursor[0] if cursor and cursor[1] == since else None
    changed, runs, new_etag = p.github.poll_failed_runs(repo, created=f">={since}", etag=etag)
    if not changed:
        return None
    forks = p.config.policy.fork_failures
    return Polled(repo, [r for r in runs if watched_failure(config, r, forks)], new_etag, since)


def fetch(p: Ports, repo: str, cursor: tuple[str, str] | None) -> Polled | None:
    """`poll_repo` in one of the pool's places. Asked to slow down (a secondary rate limit), the pool shrinks,
    the wait GitHub asks for is spent outside it (up to `github.max_rate_limit_wait`), and the poll is made
    again; a longer wait, or SLOW_DOWN_TRIES limits in a row, end this cycle's polling."""
    attempt = 1
    while True:
        try:
            with p.pool.slot():
                return poll_repo(p, repo, cursor)
        except SecondaryRateLimit as exc:
            p.pool.slow_down()
            if attempt >= SLOW_DOWN_TRIES or exc.wait > p.config.github.max_rate_limit_wait or p.stopping():
                raise
            p.echo(f"{repo}: GitHub asked to slow down: {p.pool.size} poll(s) at once from now, next in {exc.wait:g}s")
            p.sleep(exc.wait)
            attempt += 1


def poll_all(p: Ports, repos: list[str]) -> list[Polled | BaseException | Skipped[str] | None]:
    """Every repository polled, at most `github.poll_concurrency` at once; results in the repositories' order.
    The API host unreachable or the rate limit spent (or a limit that asks for a long wait) stops the polls not
    yet started; one repository's 5xx does not."""
    cursors = p.store.cursors()
    return p.pool.run(
        repos,
        lambda repo: fetch(p, repo, cursors.get(repo)),
        stop=lambda result: ends_cycle(result) or p.stopping(),
    )


def handle_new_failures(p: Ports, repos: list[str], report: Report) -> None:
    """Every repo's new failures, oldest first across repos, at most `max_failures_per_cycle` of them; the
    cursors of the repositories left with nothing to do are saved together, in one transaction."""
    p.store.forget_failures(before=window_start(p.now(), p.config.state.dedup_ttl)[1])  # never listed again
    polled: list[Polled] = []
    stopped = False
    failed: dict[str, list[str]] = {}  # an error's words (its repository left out) -> the repositories it hit
    for repo, found in zip(repos, poll_all(p, repos), strict=True):
        if isinstance(found, Skipped):
            continue
        if isinstance(found, AgentError) and ends_cycle(found):  # every repository would meet it: said once
            if not stopped:
                report.error(p, f"{repo}: {found}; polling stopped, the next cycle resumes")
            stopped = True
            continue  # what was polled before it is still handled below
        if isinstance(found, AgentError):  # this repository only: the others were polled
            failed.setdefault(str(found).replace(repo, "{repo}"), []).append(repo)
            continue
        if isinstance(found, BaseException):
            raise found  # a bug, not an answer of GitHub's
        if found is None:
            report.idle_repos.append(repo)
        else:
            polled.append(found)
    for message, hit in failed.items():  # one line per outage, not one per repository
        report.error(p, outage(message, hit))
    waiting = handle_runs(p, [run for found in polled for run in found.runs], report)
    # a repo with work left keeps polling without its ETag
    done = [(found.repo, found.etag, found.since) for found in polled if found.repo not in waiting]
    p.store.set_cursors(done, now=p.now())


def outage(message: str, repos: list[str]) -> str:
    """One line for the same error in several repositories (`message` names its repository `{repo}`)."""
    if len(repos) == 1:
        return f"{repos[0]}: {message.replace('{repo}', repos[0])}"
    shown = ", ".join(repos[:3]) + (f" and {len(repos) - 3} more" if len(repos) > 3 else "")
    return f"{len(repos)} repositories ({shown}): {message.replace('{repo}', 'each')}"


def handle_runs(p: Ports, runs: list[WorkflowRun], report: Report) -> set[str]:
    """Decide on failed runs (polled or delivered by a webhook), oldest first across repos, at most
    `max_failures_per_cycle` of them; returns the repositories with a failure left for later."""
    queue = sorted(runs, key=lambda run: (run.created_at, run.id))
    budget = p.config.policy.max_failures_per_cycle
    storms.survey(p, report, [run for run in queue if not run.fork], limit=budget)  # strangers make no storm
    waiting: set[str] = set()
    unavailable: set[str] = set()  # repositories whose failures wait for the next cycle after an outage
    halted = False
    for run in queue:
        if budget <= 0 or halted or run.repo in unavailable or p.stopping():
            if p.store.decided(run.ref):
                continue  # handled in an earlier cycle: nothing left
            waiting.add(run.repo)
            report.deferred += 1
            report.left.append(run.ref)
            continue
        try:
            handled = handle_failure(p, run, report)
        except AgentError as exc:
            report.error(p, f"{run.repo} run {run.id}: {exc}")
            waiting.add(run.repo)
            give_back(p, report, run, exc)
            halted = ends_cycle(exc)
            if isinstance(exc, ApiUnavailable):
                unavailable.add(run.repo)
            continue
        if handled in (Handled.DECIDED, Handled.DEFERRED):
            budget -= 1
        if handled in (Handled.DEFERRED, Handled.HELD):
            waiting.add(run.repo)  # listed again next cycle
    for left in report.surveyed.values():  # explained, then left for the next cycle
        release(left)
    report.surveyed.clear()
    report.unexplained.clear()
    if report.deferred:
        p.echo(f"{report.deferred} failure(s) left for the next cycle")
    return waiting


def give_back(p: Ports, report: Report, run: WorkflowRun, exc: AgentError) -> None:
    """Handling a failure ended in an error: mark what it planned as failed, give the failure back for the next
    cycle, and after MAX_HANDLING_ERRORS errors GitHub keeps giving (outages, rate limits and refused credentials
    do not count) give up on it."""
    for rem in p.store.remediations(repo=run.repo, states=(RemState.PLANNED,)):
        if rem.run == run.ref:  # nothing of it reached GitHub
            p.store.update_remediation(rem.id, state=RemState.FAILED, error=str(exc), now=p.now())
    errors = p.store.release_failure(run.ref, error=counts(exc))
    if errors >= MAX_HANDLING_ERRORS:
        record(p, report, run.ref, Decided.GAVE_UP, f"handling it failed {errors} times; last error: {exc}")

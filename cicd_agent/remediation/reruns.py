"""Re-runs that wait or are budgeted.

A rate limit (HTTP 429, "too many requests", an API quota, in any tool's words) is transient, but re-running at
once only meets the same limit: it is re-run after the wait its log states (`retry-after`, Codecov's `Expected
time to availability`), counted from when the step failed, else after `[reruns] rate_limit_backoff`. Until then
the failure is held back: no cycle claims it, so it is not explained again; `agent status` lists it deferred.

The flake ledger: a re-run that passes means the failure's tests (or its job, where the log names no test)
failed and then passed on the same commit: each is recorded as flaky once more; so are the tests of a failure
the test runner itself calls flaky (`test.flaky`: its own retry passed). A failure that fails again on its
re-run is never a flake. A later failure of only known flaky tests is re-run (rule `flaky-rerun`) within its
repository's budget (`flaky_budget` per `flaky_window`), each re-run counted; past the budget, or once a test has
flaked `flaky_report_after` times, the test is reported on its one issue, rewritten as it flakes again, never
opened twice. Re-runs of network or runner failures feed no ledger: they say the network or the runner
recovered, not that a test is flaky.
"""

from __future__ import annotations

from typing import Any

from cicd_agent.github.values import WorkflowRun
from cicd_agent.model import LABEL, Decided, FlakyTest, Remediation, RunRef, Strategy
from cicd_agent.remediation import bodies
from cicd_agent.remediation.context import Ports, Report, record, record_for
from cicd_agent.remediation.explain import Explained
from cicd_agent.remediation.rerun import rerun
from cicd_agent.remediation.rules import DEFAULT_RULES, Rule
from cicd_agent.text import iso8601, read_metadata

FLAKY_RULE = Rule("flaky-rerun", Strategy.RERUN, 9_999)
NOT_FLAKES = ("infra.", "network.")  # a passing re-run of these says the runner or the network recovered


# characters of a flake's name kept (a log line or a job's name can be far longer): in 4-byte characters, with the
# repository's name, within the 2,704 bytes a PostgreSQL index entry holds (the ledger's key)
MAX_FLAKE_NAME = 500


def flake_names(explained: Explained) -> tuple[str, ...]:
    """What a passing re-run of this failure records as flaky: its failing tests, else its job; each name cut to
    MAX_FLAKE_NAME characters."""
    if explained.analysis.category.startswith(NOT_FLAKES):
        return ()
    names = explained.analysis.failed_tests
    if not names and explained.job:
        names = (f"job: {explained.run.name} / {explained.job.name}",)
    cut = (name if len(name) <= MAX_FLAKE_NAME else name[: MAX_FLAKE_NAME - 1] + "…" for name in names)
    return tuple(dict.fromkeys(cut))  # two names the cut made one: one flake


def _listing(names: tuple[str, ...] | list[str]) -> str:
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return ", ".join(names[:5]) + more


# -- rate limits ---------------------------------------------------------------------------------------------


def rate_limit_due(p: Ports, run: WorkflowRun, explained: Explained) -> float:
    """When a rate-limited failure may be re-run: the wait its log states, or the default backoff, counted from
    when its step failed (the log's own time; else when this agent first saw it)."""
    analysis = explained.analysis
    wait = analysis.retry_after if analysis.retry_after is not None else float(p.config.reruns.rate_limit_backoff)
    since = analysis.failed_at or p.store.first_seen(run.ref) or p.now()
    return since + wait


RATE_LIMIT_WAIT = "a rate limit's wait"  # a held failure's `waits_for` in `agent status`


def hold_for_rate_limit(p: Ports, report: Report, run: WorkflowRun, explained: Explained, rules: list[Rule]) -> bool:
    """Hold a rate-limited failure back until its wait is over, when the rule that would act re-runs it.
    False: it is not rate limited, another strategy applies, or the wait is over (re-run now)."""
    analysis = explained.analysis
    if not analysis.rate_limited or not rules or rules[0].strategy is not Strategy.RERUN:
        return False
    due = rate_limit_due(p, run, explained)
    if due <= p.now():
        return False
    p.store.hold_failure(run.ref, until=due)
    stated = (
        f"the {analysis.retry_after:g} s its log states" if analysis.retry_after is not None else "the default backoff"
    )
    reason = f"rate limited: re-run after {stated}, at {iso8601(due)}"
    facts: dict[str, Any] = {"category": analysis.category, "retry_at": iso8601(due), "waits_for": RATE_LIMIT_WAIT}
    record(p, report, run.ref, Decided.DEFERRED, reason, signature=analysis.signature, **facts)
    return True


# -- known flaky tests -----------------------------------------------------------------------------------------


def handle_known_flake(p: Ports, report: Report, run: WorkflowRun, explained: Explained, rules: list[Rule]) -> bool:
    """A failure whose every failing test (or job) is a known flake, when no rule of the configuration takes it:
    re-run within the repository's budget, else reported on each test's issue. False: not a known flake."""
    analysis = explained.analysis
    if not rules or rules[0] not in DEFAULT_RULES or run.attempt > 1:  # failed again on a re-run: never a flake
        return False
    names = flake_names(explained)
    if analysis.category == "test.flaky" and names:  # the runner's own retry passed: flaky on this commit
        record_runner_flakes(p, report, run, explained, names)
    known = p.store.known_flakes(run.repo, names)
    if not names or len(known) < len(set(names)):
        return False
    settings, now = p.config.reruns, p.now()
    spent = p.store.flake_reruns(run.repo, since=now - settings.flaky_window)
    if spent < settings.flaky_budget:
        p.store.add_flake_rerun(run.ref, signature=analysis.signature, now=now)
        why = f"only known flaky tests failed ({_listing(names)}): re-run {spent + 1} of {settings.flaky_budget} "
        window = f"per {settings.flaky_window / 3600:g} h"
        rerun(p, report, run, analysis.signature, analysis.category, FLAKY_RULE, names=names, reason=why + window)
        return True
    p.breakers.record(run.key(analysis.signature), success=None, now=now)  # a report: free a half-open slot
    budget = f"the re-run budget for its flaky tests ({settings.flaky_budget} per {settings.flaky_window / 3600:g} h)"
    urls = [report_flaky(p, test, run.ref, run.html_url, why=f"{budget} is spent") for test in known]
    reason = f"only known flaky tests failed ({_listing(names)}); {budget} is spent: reported on {', '.join(urls)}"
    record(
        p, report, run.ref, Decided.REPORTED, reason, signature=analysis.signature, rule=FLAKY_RULE.name,
        category=analysis.category,
    )  # fmt: skip
    return True


def record_runner_flakes(
    p: Ports, report: Report, run: WorkflowRun, explained: Explained, names: tuple[str, ...]
) -> None:
    """The test runner retried these tests and they passed: each flaked once more (once per run attempt, even
    when a killed cycle's failure is handled again)."""
    signature = explained.analysis.signature
    with p.store.transaction():
        counted = p.store.decisions(repo=run.repo, decision=str(Decided.FLAKY), signature=signature)
        if any(d.run_id == run.id and d.run_attempt == run.attempt for d in counted):
            return
        flakes = p.store.record_flakes(run.repo, names, run_id=run.id, signature=signature, now=p.now())
        counts = ", ".join(f"{t.name} ({t.flakes})" for t in flakes[:5])
        reason = f"the test runner's own retry passed: flaky on this commit: {counts}"
        record(p, report, run.ref, Decided.FLAKY, reason, signature=signature, category=explained.analysis.category)


def record_passed_rerun(p: Ports, report: Report, rem: Remediation, run_url: str = "") -> list[FlakyTest]:
    """A re-run passed: the tests (or job) it was for failed and then passed on the same commit. Counted once (the
    names are taken with the count, in one transaction); a test past `flaky_report_after` is then reported."""
    with p.store.transaction():
        names = p.store.take_rerun_tests(rem.id)
        if not names:
            return []
        flakes = p.store.record_flakes(rem.repo, names, run_id=rem.run_id, signature=rem.signature, now=p.now())
        counts = ", ".join(f"{t.name} ({t.flakes})" for t in flakes[:5])
        record_for(p, report, rem, Decided.FLAKY, f"failed and then passed on a re-run of the same commit: {counts}")
    after = p.config.reruns.flaky_report_after
    for test in flakes:
        if after and test.flakes >= after and test.flakes > test.reported_flakes:
            report_flaky(p, test, rem.run, run_url, why=f"it flaked {test.flakes} times (the limit is {after})")
    return flakes


def report_flaky(p: Ports, test: FlakyTest, run: RunRef, run_url: str, *, why: str) -> str:
    """Open the test's one issue, or rewrite it (found in the ledger, else on GitHub by its metadata). Its URL."""
    number, url = test.issue_number, test.issue_url
    if not number:
        number, url = flaky_issue(p, test.repo, test.name) or (0, "")
    body = bodies.flaky_body(test, run, run_url, why)
    if number:
        p.effects.edit_issue(test.repo, number, body)
    else:
        issue = p.effects.open_issue(test.repo, bodies.flaky_title(test), body, [LABEL])
        number, url = issue.number, issue.html_url
    p.store.set_flake_issue(test.repo, test.name, number=number, url=url, reported_flakes=test.flakes)
    return url


def flaky_issue(p: Ports, repo: str, name: str) -> tuple[int, str] | None:
    """The open issue the agent filed for this flaky test (its own metadata says so)."""
    for issue in p.github.issues(repo, label=LABEL):
        meta = read_metadata(issue.body) if p.github.wrote(issue.author) else None
        if meta and meta.get("kind") == bodies.FLAKY_KIND and meta.get("test") == name:
            return issue.number, issue.html_url
    return None

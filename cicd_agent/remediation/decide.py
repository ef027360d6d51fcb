"""Decide what to do about one failed run: claim it (a lease), explain it, then the storm and in-flight checks,
a rate limit held back until its wait is over, the breaker, a failure of known flaky tests (`reruns`), then the
rules in order until one acts (rerun, fix, report or ignore). The failure is handled once a
decision about it is recorded; a cycle killed before that leaves the claim to run out, and a later cycle takes
it over."""

from __future__ import annotations

from typing import Any

from cicd_agent.github.values import WorkflowRun
from cicd_agent.model import ACTIVE, Claim, Decided, FailureKey, Handled, Incident, Remediation, RemState, Strategy
from cicd_agent.remediation import reruns, storms, tried
from cicd_agent.remediation.bodies import commit_url
from cicd_agent.remediation.context import Ports, Report, record
from cicd_agent.remediation.explain import Explained, explain_run, release, with_baseline
from cicd_agent.remediation.fix import fix
from cicd_agent.remediation.forks import handle_fork
from cicd_agent.remediation.rejection import look_at_settled
from cicd_agent.remediation.report import report_failure
from cicd_agent.remediation.rerun import rerun
from cicd_agent.remediation.rules import Rule, candidates, from_config


def handle_failure(p: Ports, run: WorkflowRun, report: Report) -> Handled:
    """Claim one failed run and, when it is this cycle's to handle, decide and act on it."""
    claim = p.store.claim_failure(run.ref, now=p.now(), lease=p.lease, workflow=run.name, head_sha=run.head_sha)
    if claim is Claim.DECIDED:
        return Handled.DUPLICATE
    if claim is Claim.HELD:
        return Handled.HELD
    started = p.now()
    try:
        return decide(p, run, report)
    finally:  # the work on what it started stopped (a kill leaves their leases to run out instead)
        p.store.release_remediations(run=run.ref, since=started)
        p.store.stop_renewing(run.ref)  # left undecided by a bug: its lease runs out, a later cycle takes over


def decide(p: Ports, run: WorkflowRun, report: Report) -> Handled:
    if run.fork:  # never the base repository's branch: skipped, or explained on the fork's pull request
        return handle_fork(p, report, run)
    unexplained = report.unexplained.pop(run.ref, None)
    if unexplained is not None:  # the survey asked GitHub this cycle already: once is enough
        raise unexplained
    explained = report.surveyed.pop(run.ref, None) or explain_run(p.github, run, baseline=False)
    try:
        return decide_explained(p, run, report, explained)
    finally:
        release(explained)  # the failed log, kept open in case the baseline was needed


def decide_explained(p: Ports, run: WorkflowRun, report: Report, explained: Explained) -> Handled:
    now = p.now()
    report.explained[run.id] = explained
    if explained.log_missing:  # a degradation, not an outage: explained from the API, handled like any other
        p.echo(f"{run.repo} run {run.ref.label}: job log unavailable ({explained.log_note}); explained from the API")
    analysis = explained.analysis
    key = run.key(analysis.signature)
    facts: dict[str, Any] = {"signature": analysis.signature, "category": analysis.category} if analysis.failed else {}
    incident = storms.incident_for(p, explained)
    stop = gate(
        failed=analysis.failed,
        storm=incident,
        in_flight=analysis.failed and bool(p.store.remediations(key=key, states=ACTIVE)),
    )
    if stop is not None:
        decision, reason = stop
        if incident is not None:
            facts.update(incident=incident.id, issue=incident.issue_url)
        record(p, report, run.ref, decision, reason, **facts)
        return Handled.DECIDED
    merged = tried.merged_fix_of(p, run) if analysis.failed else None
    if merged is not None:  # the run is on the commit a fix of the agent's landed as: that fix's failure
        return caused_by_fix(p, report, run, *merged, facts)
    look_at_settled(p, report, key)  # its judged fixes left open: closed by a person since is a rejection
    rules = candidates(
        from_config(p.config),
        analysis,
        run.repo,
        run.branch,
        reruns_done=run.attempt - 1,
        last_fired=last_fired(p, key),
        now=now,
    )
    if reruns.hold_for_rate_limit(p, report, run, explained, rules):  # re-run once the wait its log states is over
        return Handled.DEFERRED
    allowed, why = p.breakers.acquire(key, now)
    if not allowed:
        record(p, report, run.ref, Decided.BLOCKED_BY_BREAKER, why, **facts)
        return Handled.DECIDED
    explained = report.explained[run.id] = with_baseline(p.github, explained)  # a rule acts: its excerpt counts
    if reruns.handle_known_flake(p, report, run, explained, rules):
        return Handled.DECIDED
    for rule in rules:
        handled = act(p, report, run, explained, rule)
        if handled is not None:
            return handled
    p.breakers.record(key, success=None, now=now)  # free a half-open slot
    record(p, report, run.ref, Decided.NO_ACTION, "no rule could act on this failure", **facts)
    return Handled.DECIDED


def caused_by_fix(
    p: Ports, report: Report, run: WorkflowRun, fix: Remediation, judged: bool, facts: dict[str, Any]
) -> Handled:
    """A failed run on the commit the agent's merged fix landed as. Judged a failure (rolled back): the failure is
    that fix's, counted once already, not a new one. Still being judged: it waits for the verdict."""
    if not judged:
        p.store.release_failure(run.ref)  # handled again once the fix is judged
        reason = f"this run is on the commit the merged fix {fix.pr_url} landed as, still being judged: it waits"
        record(p, report, run.ref, Decided.DEFERRED, reason, pr=fix.pr_url, **facts)
        return Handled.DEFERRED
    undone = (
        f"its revert needs a person: {fix.revert_url}"
        if fix.revert_url
        else f"reverted by {commit_url(fix, fix.revert_sha)}"
        if fix.revert_sha
        else "being rolled back"
        if fix.state is not RemState.ROLLED_BACK
        else "rolled back"
    )
    reason = f"the failure of the agent's merged fix {fix.pr_url} (this run is on the commit it landed as): {undone}"
    record(p, report, run.ref, Decided.CAUSED_BY_FIX, reason, pr=fix.pr_url, **facts)
    return Handled.DECIDED


def gate(*, failed: bool, in_flight: bool, storm: Incident | None = None) -> tuple[Decided, str] | None:
    """Why a failure gets no remediation before its breaker is even asked (None: ask it). A pause is not one of
    them: a paused cycle decides as usual and its gateway holds the writes (`held`)."""
    if not failed:
        return Decided.NO_FAILURE_FOUND, "the failed job's log shows no failure"
    if storm is not None:
        where = f" ({storm.issue_url})" if storm.issue_url else ""
        return Decided.STORM, f"the same failure in {len(storm.repos)} repositories: one incident{where}"
    if in_flight:
        return Decided.IN_FLIGHT, "a remediation of this failure is still in flight"
    return None


def last_fired(p: Ports, key: FailureKey) -> dict[str, float]:
    """When each rule last acted on this failure (for cooldowns)."""
    fired: dict[str, float] = {}
    for rem in p.store.remediations(key=key):
        fired[rem.rule] = max(fired.get(rem.rule, 0.0), rem.created_at)
    return fired


def act(p: Ports, report: Report, run: WorkflowRun, explained: Explained, rule: Rule) -> Handled | None:
    """Carry out one rule's strategy; None lets the next rule try (a fixer declined, policy refused)."""
    analysis = explained.analysis
    key = run.key(analysis.signature)
    if rule.strategy is Strategy.IGNORE:
        p.breakers.record(key, success=None, now=p.now())
        facts = {"signature": analysis.signature, "category": analysis.category, "rule": rule.name}
        record(p, report, run.ref, Decided.IGNORED, f"rule {rule.name} ignores this failure", **facts)
        return Handled.DECIDED
    if rule.strategy is Strategy.RERUN:
        names = reruns.flake_names(explained)
        return (
            Handled.DECIDED if rerun(p, report, run, analysis.signature, analysis.category, rule, names=names) else None
        )
    if rule.strategy is Strategy.REPORT:
        p.breakers.record(key, success=None, now=p.now())
        return Handled.DECIDED if report_failure(p, report, run, explained, rule) else None
    return fix(p, report, run, explained, rule)

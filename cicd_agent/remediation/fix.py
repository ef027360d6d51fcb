"""Fix a failure with a pull request: plan it with a fixer on a checkout of the failing head, check the plan
against the policy and the PR rate limits, snapshot the files, push the deterministic fix branch, open the PR.
Every write has its intent recorded first, so a killed cycle is reconciled (`reconcile`)."""

from __future__ import annotations

from pathlib import Path

from cicd_agent import policy, snapshots
from cicd_agent.effects import file_diff
from cicd_agent.errors import PermissionMissing
from cicd_agent.failures import Explained
from cicd_agent.fixers import FIXERS, CannotFix, FixContext, FixPlan
from cicd_agent.github import AlreadyExists, PullRef, WorkflowRun
from cicd_agent.gitops import PushRejected, WorkflowPushRefused
from cicd_agent.model import LABEL, Decided, Remediation, RemState, Strategy, fix_branch
from cicd_agent.remediation import bodies
from cicd_agent.remediation.context import (
    Ports,
    Report,
    count_outcome,
    record,
    schedule_health_check,
    start_remediation,
)
from cicd_agent.remediation.fallback import Proposed, refused
from cicd_agent.rules import Rule


def fix(p: Ports, report: Report, run: WorkflowRun, explained: Explained, rule: Rule) -> bool:
    """True when the failure is decided (a PR, a duplicate, deferred); False lets the next rule try."""
    analysis = explained.analysis
    facts = {"signature": analysis.signature, "rule": rule.name, "category": analysis.category}
    branch = fix_branch(analysis.signature, run.branch)
    rate = policy.check_rate(pull_counts(p, run.repo), p.config.policy)
    if rate:
        p.store.release_failure(run.ref)  # handled again next cycle
        p.breakers.record(run.key(analysis.signature), success=None, now=p.now())
        record(p, report, run.ref, Decided.DEFERRED, rate, **facts)
        return True
    plan = make_plan(p, run, explained, rule)
    if isinstance(plan, CannotFix):
        record(p, report, run.ref, Decided.CANNOT_FIX, f"{plan.fixer}: {plan.why}", **facts)
        return False
    verdict = policy.check_plan(plan, p.config.policy)
    if not verdict.allowed:
        record(p, report, run.ref, Decided.POLICY_REFUSED, verdict.reason, **verdict.detail(), **facts)
        return False
    return open_fix(p, report, run, explained, rule, plan, verdict, branch)


def pull_counts(p: Ports, repo: str) -> policy.PullCounts:
    """The agent's fix PRs open now and opened in the last hour, in `repo` and in every repository."""
    fixes = p.store.remediations(strategy=Strategy.FIX)
    hour_ago = p.now() - 3600
    mine = [r for r in fixes if r.repo.lower() == repo.lower()]
    return policy.PullCounts(
        open=sum(1 for r in mine if r.state is RemState.PR_OPEN),
        new_last_hour=sum(1 for r in mine if r.created_at >= hour_ago),
        fleet_open=sum(1 for r in fixes if r.state is RemState.PR_OPEN),
        fleet_new_last_hour=sum(1 for r in fixes if r.created_at >= hour_ago),
    )


def make_plan(p: Ports, run: WorkflowRun, explained: Explained, rule: Rule) -> FixPlan | CannotFix:
    fixer = FIXERS.get(rule.fixer)
    if fixer is None:
        return CannotFix(rule.fixer or "(none)", f"no fixer named {rule.fixer!r} (known: {', '.join(FIXERS)})")
    if run.fork:
        return CannotFix(rule.fixer, "the failing head comes from a fork: the agent does not push fixes for forks")
    info = p.github.repository(run.repo)
    workspace = p.workspaces.checkout(run.repo, info.clone_url, run.head_sha)
    ctx = FixContext(
        workspace,
        explained.analysis,
        trusted=not run.fork,
        workflow_path=run.path,
        job_name=explained.job.name if explained.job else "",
        command=rule.command,
        log=explained.fixer_lines,
        versions=p.versions,
        index=p.index,
    )
    return fixer(ctx)


def open_fix(
    p: Ports,
    report: Report,
    run: WorkflowRun,
    explained: Explained,
    rule: Rule,
    plan: FixPlan,
    verdict: policy.Verdict,
    branch: str,
) -> bool:
    analysis = explained.analysis
    facts = {"signature": analysis.signature, "rule": rule.name, "category": analysis.category}
    snapshot = snapshots.capture(run.repo, run.branch, run.head_sha, plan, p.now())
    title = bodies.pr_title(plan)
    rem = start_remediation(
        p,
        run.ref,
        analysis.signature,
        rule.name,
        Strategy.FIX,
        fix_branch=branch,
        snapshot_id=snapshot.id,
        title=title,
        body=bodies.pr_body(run, explained, rule.name, plan, snapshot.id),
        labels=(LABEL, *verdict.labels),
        draft=verdict.draft,
        fixer=plan.fixer,
        base_sha=run.head_sha,
        failed_workflow=run.path or run.name,
        failed_jobs=(explained.job.name,) if explained.job else (),
    )
    snapshots.save(p.effects, p.store, p.snapshot_dir, snapshot)
    workspace = p.workspaces.path(run.repo)
    commit = p.workspaces.commit(workspace, branch, plan.changes, bodies.commit_message(title, plan))
    diff = "".join(file_diff(c.path, c.before, c.after) for c in plan.changes)
    intent = p.store.add_intent(rem.id, "git.push", branch, now=p.now())
    proposed = Proposed(run, explained, rule, plan, diff)
    try:
        existing = push_branch(p, run.repo, workspace, branch, diff)
    except WorkflowPushRefused as exc:  # not retried: the patch goes into an issue instead
        return refused(p, report, rem, exc, proposed)
    p.store.finish_intent(intent, now=p.now())
    if existing is not None:
        reason = f"pull request {existing.html_url} already proposes this fix"
        left = p.store.update_remediation(rem.id, state=RemState.ABANDONED, error=reason, now=p.now())
        count_outcome(p, left, None)
        record(p, report, run.ref, Decided.DUPLICATE, reason, **facts)
        return True
    pushed = p.store.update_remediation(rem.id, state=RemState.PUSHED, head_sha=commit, now=p.now())
    try:
        pull = open_pull(p, pushed, diff)
    except PermissionMissing as exc:  # the branch is pushed, the pull request may not be opened
        return refused(p, report, pushed, exc, proposed)
    record(p, report, run.ref, Decided.FIX_OPENED, f"{plan.fixer}: {pull.html_url}", pr=pull.html_url, **facts)
    return True


def push_branch(p: Ports, repo: str, workspace: Path, branch: str, diff: str) -> PullRef | None:
    """Push the fix branch; the branch is the lock, so the push does not force. Rejected, the branch exists:
    an open PR from it already proposes this fix (returned, nothing pushed); without one it is a stale branch
    of an earlier attempt (a PR closed unmerged), replaced. No request is spent on the usual path."""
    try:
        p.effects.push(repo, workspace, branch, force=False, diff=diff)
        return None
    except PushRejected:
        existing = p.github.pulls(repo, head=branch, state="open")
        if existing:
            return existing[0]
    p.effects.push(repo, workspace, branch, force=True, diff=diff)
    return None


def open_pull(p: Ports, rem: Remediation, diff: str = "") -> PullRef:
    """Open the remediation's planned PR; when another agent opened it first, adopt that one."""
    intent = p.store.add_intent(rem.id, "github.open_pull", rem.fix_branch, now=p.now())
    try:
        pull = p.effects.open_pull(
            rem.repo,
            head=rem.fix_branch,
            base=rem.branch,
            title=rem.title,
            body=rem.body,
            draft=rem.draft,
            labels=list(rem.labels or (LABEL,)),
            diff=diff,
        )
    except AlreadyExists:
        # another agent (a concurrent Action run) opened it first: the branch is the lock, adopt its PR
        existing = p.github.pulls(rem.repo, head=rem.fix_branch, state="open")
        if not existing:
            raise
        pull = existing[0]
    p.store.finish_intent(intent, now=p.now())
    p.store.update_remediation(rem.id, state=RemState.PR_OPEN, pr_number=pull.number, pr_url=pull.html_url, now=p.now())
    schedule_health_check(p, rem.id)
    return pull
